"""Leaky rectified linear unit and its gradient, elementwise on any shape.

Math (see docs/math/leaky_relu.md), with a = negative_slope >= 0:

    forward:   out = x if x > 0 else a * x
    backward:  dx = G if out > 0 else a * G     (G = dL/d out; the gradient at x = 0 is a, as in TensorFlow)

The backward reads the forward's output: with a >= 0, out > 0 exactly when
x > 0, so a layer keeps only its output (x would give the same mask).  That
is why a negative slope is refused.  NaN passes through the forward.
"""
from numba import prange

from .._jit import parallel_kernel
from ..scalars import nonnegative_float
from ._elementwise import run_elementwise


@parallel_kernel
def _leaky_relu_forward(x, negative_slope, out):
    for i in prange(x.size):
        v = x[i]
        out[i] = v if v > 0 else negative_slope * v  # NaN > 0 is False: NaN * a stays NaN


def leaky_relu_forward(x, negative_slope):
    """out = x where x > 0, else negative_slope * x, elementwise (NaN passes through).

    Parameters
    ----------
    x : ndarray, any shape, float32 or float64
    negative_slope : float
        a >= 0, finite (Keras's layer default is 0.3, its function's 0.2); computed in x's dtype.

    Returns
    -------
    out : ndarray
        Shaped like x, of its dtype; negative where x is.
    """
    slope = nonnegative_float(negative_slope, "negative_slope")
    return run_elementwise(_leaky_relu_forward, {"x": x}, (slope,))


@parallel_kernel
def _leaky_relu_backward(dout, out, negative_slope, dx):
    for i in prange(dout.size):
        g = dout[i]
        dx[i] = g if out[i] > 0 else negative_slope * g


def leaky_relu_backward(dout, out, negative_slope):
    """dx = dout where the forward's output was positive, else negative_slope * dout.

    Parameters
    ----------
    dout : ndarray
        dL/d out, float32 or float64, any shape.
    out : ndarray
        What leaky_relu_forward returned; x itself gives the same dx (out > 0 exactly where x > 0).
    negative_slope : float
        The slope the forward used, >= 0.

    Returns
    -------
    dx : ndarray
        dL/dx: dout's shape and dtype.
    """
    slope = nonnegative_float(negative_slope, "negative_slope")
    return run_elementwise(_leaky_relu_backward, {"dout": dout, "out": out}, (slope,))
