"""Logistic sigmoid and its gradient, elementwise on any shape.

Math (see docs/math/sigmoid.md):

    forward:   s = 1 / (1 + exp(-x))              computed as e / (1 + e), e = exp(x), for x < 0
    backward:  dx = G * s * (1 - s)               (G = dL/d s; only the forward's output s is needed)

``exp`` only ever sees a number <= 0, so it cannot overflow: s is exact to
the last bits from -inf to +inf, without a warning, and NaN stays NaN.
"""
import math

from numba import prange

from .._jit import parallel_kernel
from ._elementwise import run_elementwise


@parallel_kernel
def _sigmoid_forward(x, out):
    one = out.dtype.type(1)  # a bare 1 would make numba compute float32 in float64
    for i in prange(x.size):
        v = x[i]
        if v >= 0:
            out[i] = one / (one + math.exp(-v))
        else:  # NaN lands here too, and stays NaN
            e = math.exp(v)
            out[i] = e / (one + e)


def sigmoid_forward(x):
    """s = 1 / (1 + exp(-x)), elementwise, with no overflow for any x (NaN passes through).

    Parameters
    ----------
    x : ndarray, float32 or float64
        Any shape; -inf gives 0 and +inf gives 1.

    Returns
    -------
    s : ndarray, in [0, 1]
        x's shape and dtype; what sigmoid_backward takes as ``out``.
    """
    return run_elementwise(_sigmoid_forward, {"x": x})


@parallel_kernel
def _sigmoid_backward(dout, out, dx):
    one = out.dtype.type(1)
    for i in prange(dout.size):
        s = out[i]
        dx[i] = dout[i] * (s * (one - s))


def sigmoid_backward(dout, out):
    """dx = dout * s * (1 - s), from s = out, what sigmoid_forward returned.

    Parameters
    ----------
    dout : ndarray (float32 or float64, any shape)
        The loss's gradient at s.
    out : ndarray like dout
        s itself: sigmoid's derivative s (1 - s) needs nothing else.

    Returns
    -------
    dx : ndarray like dout, dL/dx
    """
    return run_elementwise(_sigmoid_backward, {"dout": dout, "out": out})
