"""Inverted dropout (Keras ``Dropout``) and its gradient, elementwise on any shape.

Math (see docs/math/dropout.md), with u uniform in [0, 1) drawn by the layer:

    forward:   keep = [u >= rate],   out = x / (1 - rate) where keep, else 0
    backward:  dx = G / (1 - rate) where keep, else 0         (G = dL/d out; the forward's mask)

The layer draws u (its numpy Generator is its state); the kernels only do
the arithmetic.  u is compared with ``rate`` rounded to u's dtype, and the
kept values are divided by 1 - rate rounded to x's dtype, as the twin does.
"""
import numpy as np
from numba import prange

from .._jit import parallel_kernel
from ..errors import InvalidArgumentError, ShapeError
from ._validate import FLOAT_DTYPES, same_dtype


@parallel_kernel
def dropout_forward_unchecked(x, u, threshold, keep_prob, keep, out):
    """keep = u >= threshold; out = x / keep_prob where keep, else 0.

    Parameters
    ----------
    x, u : ndarray, (size,)
        Flat, of one float dtype.
    threshold, keep_prob : float
        ``rate`` in u's dtype and ``1 - rate`` in x's.
    keep : ndarray, (size,) bool
    out : ndarray, (size,)
        Written.
    """
    for i in prange(x.size):
        keep[i] = u[i] >= threshold
        out[i] = x[i] / keep_prob if keep[i] else 0


@parallel_kernel
def dropout_backward_unchecked(dout, keep, keep_prob, dx):
    """dx = dout / keep_prob where keep, else 0.

    Parameters
    ----------
    dout : ndarray, (size,)
    keep : ndarray, (size,) bool
        The forward's mask.
    keep_prob : float
        ``1 - rate`` in dout's dtype.
    dx : ndarray, (size,)
        Written.
    """
    for i in prange(dout.size):
        dx[i] = dout[i] / keep_prob if keep[i] else 0


def dropout_forward(x, u, rate):
    """out = x / (1 - rate) where u >= rate, else 0; also returns that mask for the backward.

    Parameters
    ----------
    x : ndarray, any shape, float32 or float64
    u : ndarray, x's shape and dtype
        Uniform numbers in [0, 1) (the layer's generator draws them).
    rate : float in [0, 1)
        The fraction of the values dropped.

    Returns
    -------
    out : ndarray, x's shape and dtype
    keep : ndarray, x's shape, bool
        True where x was kept.
    """
    x, u = _float(x, "x"), _float(u, "u")
    same_dtype(x=x, u=u)
    if u.shape != x.shape:
        raise ShapeError(f"u must have x's shape {x.shape}, got {u.shape}")
    rate = _rate(rate)
    out, keep = np.empty_like(x), np.empty(x.shape, dtype=np.bool_)
    dropout_forward_unchecked(x.reshape(-1), u.reshape(-1), u.dtype.type(rate), x.dtype.type(1.0 - rate),
                              keep.reshape(-1), out.reshape(-1))
    return out, keep


def dropout_backward(dout, keep, rate):
    """dx = dout / (1 - rate) where the forward kept the value, else 0.

    Parameters
    ----------
    dout : ndarray, any shape, float32 or float64
        dL/d out.
    keep : ndarray, dout's shape, bool
        The mask :func:`dropout_forward` returned.
    rate : float in [0, 1)
        As for the forward.

    Returns
    -------
    dx : ndarray, dout's shape and dtype
    """
    dout = _float(dout, "dout")
    if not isinstance(keep, np.ndarray) or keep.dtype != np.bool_ or keep.shape != dout.shape:
        raise ShapeError(f"keep must be a bool array of dout's shape {dout.shape}, got "
                         f"{getattr(keep, 'dtype', type(keep).__name__)} {getattr(keep, 'shape', '')}")
    dx = np.empty_like(dout)
    dropout_backward_unchecked(dout.reshape(-1), np.ascontiguousarray(keep).reshape(-1),
                               dout.dtype.type(1.0 - _rate(rate)), dx.reshape(-1))
    return dx


def _float(a, name):
    if not isinstance(a, np.ndarray) or a.dtype not in FLOAT_DTYPES:
        got = getattr(a, "dtype", type(a).__name__)
        raise ShapeError(f"{name} must be a float32 or float64 NumPy array, got {got}")
    return np.ascontiguousarray(a)


def _rate(rate):
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating)) or not 0.0 <= rate < 1.0:
        raise InvalidArgumentError(f"rate must be a number in [0, 1), got {rate!r}")
    return float(rate)
