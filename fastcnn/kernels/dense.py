"""Fully connected layer (Keras ``Dense``) and its gradient, optionally with a fused ReLU.

Math (see docs/math/dense.md), x (N, D_in), w (D_in, D_out), b (D_out,):

    forward:   z[n, j] = b[j] + sum_i x[n, i] * w[i, j]          (z = x w + b)
               out = z, or max(z, 0) with ``relu=True``
    backward, given G = dL/d out (N, D_out):
        g = G, or G * [out > 0] with ``relu=True``
        dx[n, i] = sum_j g[n, j] * w[i, j]                          (dx = g w^T)
        dw[i, j] = sum_n x[n, i] * g[n, j]                          (dw = x^T g)
        db[j]    = sum_n g[n, j]

These kernels run on one thread.  The dense layers of a small CNN are tiny
(the reference model's 392 -> 16 layer is 0.2 MFLOP at batch 32, a few
microseconds), and waking the other threads for a parallel loop would cost
more than it saves.  On one thread the batch sums are plain loops in sample
order: deterministic with no chunk buffers.
"""
import numpy as np

from .._jit import kernel
from ..errors import ShapeError
from ._validate import expect_shape, float_array, same_dtype


@kernel
def _dense_forward(x, w, b, relu, out):
    """out = x w + b (then the ReLU): each sample's row of ``out`` is its
    accumulator, updated by whole contiguous rows of w (the loop over j is
    vectorised)."""
    N, D_in = x.shape
    D_out = w.shape[1]
    for n in range(N):
        row = out[n]
        for j in range(D_out):
            row[j] = b[j]
        for i in range(D_in):
            x_value = x[n, i]
            for j in range(D_out):
                row[j] += x_value * w[i, j]
        if relu:
            for j in range(D_out):
                if row[j] < 0:  # NaN is not < 0: it passes through
                    row[j] = 0


def dense_forward(x, w, b, relu=False):
    """x (N, D_in), w (D_in, D_out), b (D_out,) -> out (N, D_out); ``relu=True`` returns max(out, 0)."""
    x, w, b = _check(x, w, b)
    out = np.empty((x.shape[0], w.shape[1]), dtype=x.dtype)
    _dense_forward(x, w, b, bool(relu), out)
    return out


@kernel
def _dense_backward(dout, out, x, w_t, relu, g, dx, dw, db):
    """dx, dw and db from dout (masked by out > 0 with ``relu``, into ``g``).

    ``w_t`` is w transposed (D_out, D_in): dx[n] is then a sum of contiguous
    rows, g[n, j] * w_t[j], instead of D_in separate dot products.  dx may
    have no rows (the model's first layer needs no input gradient).
    """
    N, D_in = x.shape
    D_out = w_t.shape[0]
    for n in range(N):
        for j in range(D_out):
            g[n, j] = dout[n, j] if (not relu or out[n, j] > 0) else 0
    dw[:] = 0
    db[:] = 0
    for n in range(N):
        for j in range(D_out):
            db[j] += g[n, j]
        for i in range(D_in):
            x_value = x[n, i]
            for j in range(D_out):
                dw[i, j] += x_value * g[n, j]
    for n in range(dx.shape[0]):
        row = dx[n]
        row[:] = 0
        for j in range(D_out):
            g_value = g[n, j]
            for i in range(D_in):
                row[i] += g_value * w_t[j, i]


def dense_backward(dout, x, w, relu=False, out=None, need_dx=True):
    """Gradients of :func:`dense_forward`: returns ``(dx, dw, db)`` (dx is None
    when ``need_dx=False``).  With ``relu=True`` pass the forward's ``out``."""
    x, w, _ = _check(x, w, None)
    dout = float_array(dout, 2, "dout")
    same_dtype(dout=dout, x=x)
    expect_shape(dout, (x.shape[0], w.shape[1]), "dout")
    if relu:
        if out is None:
            raise ShapeError("relu=True needs the forward output: pass out=")
        out = float_array(out, 2, "out")
        expect_shape(out, dout.shape, "out")
    dx = np.empty(x.shape if need_dx else (0, x.shape[1]), dtype=x.dtype)
    dw = np.empty(w.shape, dtype=x.dtype)
    db = np.empty(w.shape[1], dtype=x.dtype)
    g = np.empty(dout.shape, dtype=x.dtype)
    _dense_backward(dout, out if relu else dout, x, np.ascontiguousarray(w.T), bool(relu), g, dx, dw, db)
    return (dx if need_dx else None), dw, db


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
