"""The compiled loops of :mod:`fastcnn.kernels.batch_normalization` (no checks: see its wrappers).

x is seen as (M, C) rows (C-contiguous); every per-channel sum over the rows
goes through :func:`column_sums_unchecked`: chunks of rows fixed by M alone,
one float64 buffer per chunk, added in chunk order (bit-identical for any
thread count).  The helpers stay in this file: numba's cache checks only the
file of the kernel it compiles.
"""
import numpy as np
from numba import prange

from .._jit import kernel, parallel_kernel


@parallel_kernel
def column_sums_unchecked(a, b, shift, bounds, parts, first, second):
    """first[c] = sum_m (a[m, c] - shift[c]);  second[c] = sum_m (a[m, c] - shift[c]) * (b[m, c] - shift[c]).

    In float64; chunk k sums rows bounds[k] .. bounds[k+1]-1 into parts[k],
    then the chunks are added in order (bit-identical for any thread count).

    Parameters
    ----------
    a, b : ndarray, (M, C)
    shift : ndarray, (C,) float64
    bounds : ndarray, (n_chunks + 1,) int64
    parts : ndarray, (n_chunks, 2, C) float64
        Scratch.
    first, second : ndarray, (C,) float64
        Written.
    """
    C = a.shape[1]
    n_chunks = len(bounds) - 1
    for chunk in prange(n_chunks):
        sums = parts[chunk]
        sums[:] = 0
        for m in range(bounds[chunk], bounds[chunk + 1]):
            for c in range(C):
                d = np.float64(a[m, c]) - shift[c]
                sums[0, c] += d
                sums[1, c] += d * (np.float64(b[m, c]) - shift[c])
    for c in range(C):
        total_first, total_second = 0.0, 0.0
        for chunk in range(n_chunks):
            total_first += parts[chunk, 0, c]
            total_second += parts[chunk, 1, c]
        first[c], second[c] = total_first, total_second


@kernel
def normalize_unchecked(x, mean, inv_std, gamma, beta, x_hat, out):
    """out = gamma * x_hat + beta with x_hat = (x - mean) * inv_std, stored too unless x_hat has no rows.

    Parameters
    ----------
    x : ndarray, (M, C)
    mean, inv_std, gamma, beta : ndarray, (C,), x's dtype
    x_hat : ndarray, (M, C) or (0, C)
    out : ndarray, (M, C)
        Written.
    """
    M, C = x.shape
    keep = x_hat.shape[0] > 0
    for m in range(M):
        for c in range(C):
            h = (x[m, c] - mean[c]) * inv_std[c]
            if keep:
                x_hat[m, c] = h
            out[m, c] = gamma[c] * h + beta[c]


@parallel_kernel
def batch_normalization_forward_unchecked(x, gamma, beta, moving_mean, moving_variance, momentum, epsilon, bounds,
                                          parts, x_hat, inv_std, out):
    """The training forward on (M, C) rows; updates the moving statistics in place.

    The sums are taken about the first row (shifted data: mean = x[0] + s1 / M,
    var = s2 / M - (s1 / M)^2), so one pass gives both without cancellation.
    The chunks of ``bounds`` then normalise their rows in parallel.

    Parameters
    ----------
    x : ndarray, (M, C), M >= 1
    gamma, beta, moving_mean, moving_variance : ndarray, (C,), x's dtype
        The moving statistics are updated in place.
    momentum, epsilon : float
    bounds : ndarray, (n_chunks + 1,) int64
    parts : ndarray, (n_chunks, 2, C) float64
        Scratch for :func:`column_sums_unchecked`.
    x_hat, out : ndarray, (M, C)
    inv_std : ndarray, (C,)
        Written.
    """
    M, C = x.shape
    shift, s1, s2 = np.empty(C), np.empty(C), np.empty(C)
    for c in range(C):
        shift[c] = x[0, c]
    column_sums_unchecked(x, x, shift, bounds, parts, s1, s2)
    mean = np.empty(C, dtype=x.dtype)
    for c in range(C):
        offset = s1[c] / M
        variance = max(s2[c] / M - offset * offset, 0.0)
        mean[c] = shift[c] + offset
        inv_std[c] = 1.0 / np.sqrt(variance + epsilon)
        moving_mean[c] = moving_mean[c] * momentum + (shift[c] + offset) * (1.0 - momentum)
        moving_variance[c] = moving_variance[c] * momentum + variance * (1.0 - momentum)
    for chunk in prange(len(bounds) - 1):  # rows in chunks: each thread normalises a block of rows
        rows = slice(bounds[chunk], bounds[chunk + 1])
        normalize_unchecked(x[rows], mean, inv_std, gamma, beta, x_hat[rows], out[rows])


@parallel_kernel
def batch_normalization_inference_unchecked(x, gamma, beta, moving_mean, moving_variance, epsilon, bounds, out):
    """out = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta on (M, C) rows.

    Parameters
    ----------
    x : ndarray, (M, C)
    gamma, beta, moving_mean, moving_variance : ndarray, (C,), x's dtype
    epsilon : float
    bounds : ndarray, (n_chunks + 1,) int64
        The chunks of rows normalised in parallel.
    out : ndarray, (M, C)
        Written.
    """
    C = x.shape[1]
    inv_std = np.empty(C, dtype=x.dtype)
    for c in range(C):
        inv_std[c] = 1.0 / np.sqrt(np.float64(moving_variance[c]) + epsilon)
    for chunk in prange(len(bounds) - 1):
        rows = slice(bounds[chunk], bounds[chunk + 1])
        normalize_unchecked(x[rows], moving_mean, inv_std, gamma, beta, out[rows][:0], out[rows])


@parallel_kernel
def batch_normalization_backward_unchecked(dout, x_hat, inv_std, gamma, bounds, parts, dx, dgamma, dbeta):
    """dx, dgamma and dbeta in one kernel: the two per-channel sums in one pass, then dx row by row.

    Parameters
    ----------
    dout, x_hat : ndarray, (M, C)
        dL/d out and the training forward's x_hat.
    inv_std, gamma : ndarray, (C,)
    bounds : ndarray, (n_chunks + 1,) int64
    parts : ndarray, (n_chunks, 2, C) float64
        Scratch for :func:`column_sums_unchecked`.
    dx : ndarray, (M, C)
    dgamma, dbeta : ndarray, (C,)
        Written.
    """
    M, C = dout.shape
    sum_g, sum_gx = np.empty(C), np.empty(C)
    column_sums_unchecked(dout, x_hat, np.zeros(C), bounds, parts, sum_g, sum_gx)
    scale = np.empty(C, dtype=dx.dtype)
    for c in range(C):
        dbeta[c], dgamma[c] = sum_g[c], sum_gx[c]
        scale[c] = gamma[c] * np.float64(inv_std[c]) / M
    size = dx.dtype.type(M)
    for chunk in prange(len(bounds) - 1):
        for m in range(bounds[chunk], bounds[chunk + 1]):
            for c in range(C):
                dx[m, c] = scale[c] * (size * dout[m, c] - dbeta[c] - x_hat[m, c] * dgamma[c])
