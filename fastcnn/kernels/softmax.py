"""Numerically stable softmax over the last axis, and its gradient.

Math (see docs/math/softmax.md), z (N, K):

    forward:   p[n, k] = exp(z[n, k] - m[n]) / sum_j exp(z[n, j] - m[n]),   m[n] = max_j z[n, j]
               (subtracting the row maximum changes nothing mathematically and
               keeps exp() from overflowing)
    backward:  dz[n, k] = p[n, k] * (G[n, k] - sum_j G[n, j] * p[n, j])    (G = dL/dp)
"""
import numpy as np
from numba import prange

from .._jit import kernel, parallel_kernel
from ..errors import ShapeError
from ._validate import float_array, same_dtype


@kernel
def exp_shifted_row(z, p, n):
    """p[n, k] = exp(z[n, k] - m) for the row maximum m; the two sums softmax needs.

    The fused loss (:mod:`fastcnn.kernels.softmax_cross_entropy`) starts the
    same way, so both call this.

    Parameters
    ----------
    z, p : ndarray, (N, K)
        p's row n is written.
    n : int
        The row.

    Returns
    -------
    row_max : float
        m = max_k z[n, k].
    total : float
        sum_k exp(z[n, k] - m), accumulated in float64.
    """
    K = z.shape[1]
    row_max = z[n, 0]
    for k in range(1, K):
        if z[n, k] > row_max:
            row_max = z[n, k]
    total = 0.0
    for k in range(K):
        p[n, k] = np.exp(z[n, k] - row_max)
        total += p[n, k]
    return row_max, total


@parallel_kernel
def softmax_forward_unchecked(z, p):
    """Fill p with the row-wise softmax of z (the row maximum subtracted first).

    Parameters
    ----------
    z : ndarray, (N, K)
    p : ndarray, (N, K)
        Written; z's dtype (not checked).
    """
    N, K = z.shape
    for n in prange(N):
        _, total = exp_shifted_row(z, p, n)
        for k in range(K):
            p[n, k] = p[n, k] / total


def softmax_forward(z):
    """Row-wise softmax; each row of p sums to 1.

    Parameters
    ----------
    z : ndarray, (N, K) float32 or float64
        Logits, K >= 1.

    Returns
    -------
    p : ndarray, (N, K), z's dtype
    """
    z = float_array(z, 2, "z")
    if z.shape[1] == 0:
        raise ShapeError(f"softmax needs at least one class, got shape {z.shape}")
    p = np.empty_like(z)
    softmax_forward_unchecked(z, p)
    return p


@parallel_kernel
def _softmax_backward(dout, p, dz):
    N, K = p.shape
    for n in prange(N):
        dot = 0.0
        for k in range(K):
            dot += dout[n, k] * p[n, k]
        for k in range(K):
            dz[n, k] = p[n, k] * (dout[n, k] - dot)


def softmax_backward(dout, p):
    """Gradient through softmax: dL/dz from dL/dp and the output p.

    Parameters
    ----------
    dout : ndarray, (N, K)
        dL/dp.
    p : ndarray, (N, K)
        The forward's output.

    Returns
    -------
    dz : ndarray, (N, K)
    """
    dout = float_array(dout, 2, "dout")
    p = float_array(p, 2, "p")
    same_dtype(dout=dout, p=p)
    if dout.shape != p.shape:
        raise ShapeError(f"dout shape {dout.shape} differs from p shape {p.shape}")
    dz = np.empty_like(p)
    _softmax_backward(dout, p, dz)
    return dz
