"""Fully connected layer (Keras ``Dense``) and its gradient.

Math (see docs/math/dense.md), x (N, D_in), w (D_in, D_out), b (D_out,):

    forward:   out[n, j] = b[j] + sum_i x[n, i] * w[i, j]          (out = x w + b)
    backward, given G = dL/d out (N, D_out):
        dx[n, i] = sum_j G[n, j] * w[i, j]                          (dx = G w^T)
        dw[i, j] = sum_n x[n, i] * G[n, j]                          (dw = x^T G)
        db[j]    = sum_n G[n, j]
"""
import numpy as np
from numba import prange

from .._jit import parallel_kernel, reduction_chunks
from ..errors import ShapeError
from ._validate import expect_shape, float_array, same_dtype


@parallel_kernel
def _dense_forward(x, w, b, out):
    """out = x w + b, one sample per parallel iteration.  The sample's
    outputs are summed in a private buffer (so LLVM vectorises the inner loop
    along D_out) and stored at the end."""
    N, D_in = x.shape
    D_out = w.shape[1]
    for n in prange(N):
        acc = np.empty(D_out, dtype=out.dtype)
        for j in range(D_out):
            acc[j] = b[j]
        for i in range(D_in):
            x_value = x[n, i]
            for j in range(D_out):
                acc[j] += x_value * w[i, j]
        for j in range(D_out):
            out[n, j] = acc[j]


def dense_forward(x, w, b):
    """x (N, D_in), w (D_in, D_out), b (D_out,) -> out (N, D_out)."""
    x, w, b = _check(x, w, b)
    out = np.empty((x.shape[0], w.shape[1]), dtype=x.dtype)
    _dense_forward(x, w, b, out)
    return out


@parallel_kernel
def _dense_backward(dout, x, w_t, dx, dw_parts, db_parts):
    """dx row by row (each sample owns its row); dw, db summed per fixed chunk
    of the batch into private buffers (allocated here, so LLVM can vectorise
    the updates) that are stored in dw_parts/db_parts and added in order by
    the caller.  ``w_t`` is w transposed (D_out, D_in): dx[n] is then a sum
    of contiguous rows, g_j * w_t[j], instead of D_in dot products."""
    N, D_in = x.shape
    D_out = w_t.shape[0]
    n_chunks = dw_parts.shape[0]
    for chunk in prange(n_chunks):
        dw = np.zeros((D_in, D_out), dtype=dw_parts.dtype)
        db = np.zeros(D_out, dtype=dw_parts.dtype)
        row = np.empty(D_in, dtype=dw_parts.dtype)
        for n in range(chunk * N // n_chunks, (chunk + 1) * N // n_chunks):
            for j in range(D_out):
                db[j] += dout[n, j]
            for i in range(D_in):
                x_value = x[n, i]
                for j in range(D_out):
                    dw[i, j] += x_value * dout[n, j]
            for i in range(D_in):
                row[i] = 0
            for j in range(D_out):
                g = dout[n, j]
                for i in range(D_in):
                    row[i] += g * w_t[j, i]
            for i in range(D_in):
                dx[n, i] = row[i]
        dw_parts[chunk] = dw
        db_parts[chunk] = db


def dense_backward(dout, x, w):
    """Gradients of :func:`dense_forward`: returns ``(dx, dw, db)``."""
    x, w, _ = _check(x, w, None)
    dout = float_array(dout, 2, "dout")
    same_dtype(dout=dout, x=x)
    expect_shape(dout, (x.shape[0], w.shape[1]), "dout")
    chunks = reduction_chunks(x.shape[0])
    dx = np.empty(x.shape, dtype=x.dtype)
    dw_parts = np.empty((chunks,) + w.shape, dtype=x.dtype)
    db_parts = np.empty((chunks, w.shape[1]), dtype=x.dtype)
    _dense_backward(dout, x, np.ascontiguousarray(w.T), dx, dw_parts, db_parts)
    return dx, dw_parts.sum(axis=0), db_parts.sum(axis=0)


def _check(x, w, b):
    x = float_array(x, 2, "x")
    w = float_array(w, 2, "kernel")
    same_dtype(x=x, kernel=w)
    if w.shape[0] != x.shape[1]:
        raise ShapeError(f"kernel expects {w.shape[0]} input features but x has {x.shape[1]}")
    if b is not None:
        b = float_array(b, 1, "bias")
        same_dtype(x=x, bias=b)
        expect_shape(b, (w.shape[1],), "bias")
    return x, w, b
