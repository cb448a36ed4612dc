"""Rectified linear unit and its gradient, elementwise on any shape.

Math (see docs/math/relu.md):

    forward:   out = max(x, 0)
    backward:  dx = G * [out > 0]        (G = dL/d out; the gradient at x = 0 is 0, as in Keras)
"""
import numpy as np
from numba import prange

from .._jit import parallel_kernel
from ..errors import ShapeError
from ._validate import FLOAT_DTYPES, same_dtype


@parallel_kernel
def _relu_forward(x, out):
    for i in prange(x.size):
        # written so that NaN passes through (NaN < 0 is False): a diverging
        # run must stay visible, not be silently zeroed
        out[i] = 0 if x[i] < 0 else x[i]


def relu_forward(x):
    """out = max(x, 0), elementwise (NaN passes through).

    Parameters
    ----------
    x : ndarray, any shape, float32 or float64

    Returns
    -------
    out : ndarray, x's shape and dtype
    """
    x = _float(x, "x")
    out = np.empty_like(x)
    _relu_forward(x.reshape(-1), out.reshape(-1))
    return out


@parallel_kernel
def _relu_backward(dout, out, dx):
    for i in prange(dout.size):
        dx[i] = dout[i] if out[i] > 0 else 0


def relu_backward(dout, out):
    """dx = dout where the forward output was positive, else 0.

    Parameters
    ----------
    dout : ndarray
        dL/d out.
    out : ndarray
        The forward's output, same shape and dtype.

    Returns
    -------
    dx : ndarray, dout's shape and dtype
    """
    dout = _float(dout, "dout")
    out = _float(out, "out")
    same_dtype(dout=dout, out=out)
    if dout.shape != out.shape:
        raise ShapeError(f"dout shape {dout.shape} differs from out shape {out.shape}")
    dx = np.empty_like(dout)
    _relu_backward(dout.reshape(-1), out.reshape(-1), dx.reshape(-1))
    return dx


def _float(a, name):
    if not isinstance(a, np.ndarray) or a.dtype not in FLOAT_DTYPES:
        raise ShapeError(f"{name} must be a float32 or float64 NumPy array")
    return np.ascontiguousarray(a)
