"""Hyperbolic tangent and its gradient, elementwise on any shape.

Math (see docs/math/tanh.md):

    forward:   t = tanh(x)
    backward:  dx = G * (1 - t^2), computed as G * ((1 - t) * (1 + t))     (G = dL/d t)

The backward needs only the forward's output t.  ``(1 - t) * (1 + t)`` keeps
its relative accuracy where t is close to +-1 (``1 - t*t`` would lose it,
and could be contracted into a fused multiply-add that the twin does not
make).  tanh saturates at +-1, so nothing overflows; NaN stays NaN.
"""
import math

from numba import prange

from .._jit import parallel_kernel
from ._elementwise import run_elementwise


@parallel_kernel
def _tanh_forward(x, out):
    for i in prange(x.size):
        out[i] = math.tanh(x[i])


def tanh_forward(x):
    """t = tanh(x), elementwise (+-inf give +-1, NaN passes through).

    Parameters
    ----------
    x : ndarray
        float32 or float64 values in an array of any shape (0-d and empty included).

    Returns
    -------
    t : ndarray
        The same shape and dtype as x, between -1 and 1.
    """
    return run_elementwise(_tanh_forward, {"x": x})


@parallel_kernel
def _tanh_backward(dout, out, dx):
    one = out.dtype.type(1)  # a bare 1 would make numba compute float32 in float64
    for i in prange(dout.size):
        t = out[i]
        dx[i] = dout[i] * ((one - t) * (one + t))


def tanh_backward(dout, out):
    """dx = dout * (1 - t^2), from t = out, the forward's result.

    Parameters
    ----------
    dout, out : ndarray
        dL/dt and t = tanh(x), of one shape and one float dtype.

    Returns
    -------
    dx : ndarray
        dL/dx, shaped like dout.
    """
    return run_elementwise(_tanh_backward, {"dout": dout, "out": out})
