"""Exponential linear unit (Keras's ``elu``) and its gradient, elementwise on any shape.

Math (see docs/math/elu.md), with alpha >= 0:

    forward:   out = x if x > 0 else alpha * (exp(x) - 1)     computed with expm1, exact near 0
    backward:  dx = G if out > 0 else G * (out + alpha)       (G = dL/d out)

For x <= 0 the derivative alpha * exp(x) equals out + alpha, so the backward
needs only the forward's output; at x = 0 it is alpha, the left derivative,
as in Keras on TensorFlow.  out > 0 exactly when x > 0 as long as alpha >= 0,
which is why a negative alpha is refused.  exp only sees x <= 0: no
overflow; -inf gives -alpha and NaN stays NaN.
"""
import math

from numba import prange

from .._jit import parallel_kernel
from ..scalars import nonnegative_float
from ._elementwise import run_elementwise


@parallel_kernel
def _elu_forward(x, alpha, out):
    for i in prange(x.size):
        v = x[i]
        out[i] = v if v > 0 else alpha * math.expm1(v)  # NaN > 0 is False: expm1(NaN) is NaN


def elu_forward(x, alpha):
    """out = x where x > 0, else alpha * (exp(x) - 1), elementwise (NaN passes through).

    Parameters
    ----------
    x : float32 or float64 ndarray of any shape
    alpha : float
        Where the output saturates for x -> -inf (at -alpha): >= 0 and finite; Keras's default is 1.0.

    Returns
    -------
    ndarray
        out, shaped like x and of its dtype, >= -alpha.
    """
    return run_elementwise(_elu_forward, {"x": x}, (nonnegative_float(alpha, "alpha"),))


@parallel_kernel
def _elu_backward(dout, out, alpha, dx):
    for i in prange(dout.size):
        o = out[i]
        dx[i] = dout[i] if o > 0 else dout[i] * (o + alpha)


def elu_backward(dout, out, alpha):
    """dx = dout where the forward's output was positive, else dout * (out + alpha).

    out + alpha is alpha * exp(x), the derivative for x <= 0 (alpha at x = 0, as in Keras).

    Parameters
    ----------
    dout, out : float32 or float64 ndarrays of one shape
        The loss's gradient at the output, and that output (elu_forward's result).
    alpha : float
        As in the forward.

    Returns
    -------
    dx : ndarray like dout
    """
    return run_elementwise(_elu_backward, {"dout": dout, "out": out}, (nonnegative_float(alpha, "alpha"),))
