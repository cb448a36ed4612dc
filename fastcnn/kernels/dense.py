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
order: deterministic with no chunk buffers.  The loops use the techniques of
the convolution kernels (docs/numba.md): running sums in stack arrays, four
independent ones per weight row loaded.
"""
import numpy as np

from .._jit import LANES, kernel
from ..errors import ShapeError
from ._stack import stack_array
from ._validate import expect_shape, float_array, same_dtype

#: running sums of four samples (or four inputs) for one block of LANES outputs
SUMS = (4, LANES)


@kernel
def dense_forward_unchecked(x, w, b, relu, out):
    """out = x w + b (then the ReLU), four samples at a time.

    For a block of LANES outputs, the sums of four samples live in a stack
    array (``SUMS``, SIMD registers); each row w[i, block], loaded once,
    serves four multiply-adds that do not wait for each other.  Samples
    past the end are clamped to the last one (computed and stored twice,
    the same value).  Outputs past the last whole block take a plain loop.

    Parameters
    ----------
    x : ndarray, (N, D_in)
    w : ndarray, (D_in, D_out)
    b : ndarray, (D_out,)
    relu : bool
    out : ndarray, (N, D_out)
        Written; all four arrays contiguous and of one float dtype (not checked).
    """
    N, D_in = x.shape
    D_out = w.shape[1]
    zero = out.dtype.type(0)
    sums = stack_array(SUMS, out.dtype)
    for n0 in range(0, N, 4):
        for block in range(D_out // LANES):
            j0 = block * LANES
            for s in range(4):
                for j in range(LANES):
                    sums[s, j] = b[j0 + j]
            for i in range(D_in):
                for s in range(4):
                    x_value = x[min(n0 + s, N - 1), i]
                    for j in range(LANES):  # vectorised: one SIMD multiply-add
                        sums[s, j] += x_value * w[i, j0 + j]
            for s in range(4):
                for j in range(LANES):
                    value = sums[s, j]
                    out[min(n0 + s, N - 1), j0 + j] = zero if (relu and value < 0) else value
    for n in range(N):  # the outputs after the last whole block of LANES
        for j in range(D_out // LANES * LANES, D_out):
            total = b[j]
            for i in range(D_in):
                total += x[n, i] * w[i, j]
            out[n, j] = zero if (relu and total < 0) else total  # NaN is not < 0: it passes through


def dense_forward(x, w, b, relu=False):
    """out = x w + b, or max(x w + b, 0) with ``relu=True``.

    Parameters
    ----------
    x : ndarray, (N, D_in) float32 or float64
    w : ndarray, (D_in, D_out)
    b : ndarray, (D_out,)
    relu : bool, default False

    Returns
    -------
    out : ndarray, (N, D_out), x's dtype
    """
    x, w, b = _check(x, w, b)
    out = np.empty((x.shape[0], w.shape[1]), dtype=x.dtype)
    dense_forward_unchecked(x, w, b, bool(relu), out)
    return out


@kernel
def dense_backward_unchecked(dout, out, x, w_t, relu, g, dx, dw, db):
    """dx, dw and db from dout (masked by out > 0 with ``relu``, into ``g``).

    ``w_t`` is w transposed (D_out, D_in), so that dx = g w_t is the same
    product as the forward's, run by the forward's loops.  dx may have no
    rows (the model's first layer needs no input gradient).

    Parameters
    ----------
    dout, out : ndarray, (N, D_out)
        dL/d out and the forward's output (``out`` is read only with ``relu``).
    x : ndarray, (N, D_in)
    w_t : ndarray, (D_out, D_in)
    relu : bool
    g : ndarray, (N, D_out)
        Scratch: the masked gradient.
    dx : ndarray, (N, D_in) or (0, D_in)
    dw : ndarray, (D_in, D_out)
    db : ndarray, (D_out,)
        Written (not checked: one float dtype, contiguous).
    """
    N, D_in = x.shape
    D_out = w_t.shape[0]
    for n in range(N):
        for j in range(D_out):
            g[n, j] = dout[n, j] if (not relu or out[n, j] > 0) else 0
    db[:] = 0
    for n in range(N):
        for j in range(D_out):
            db[j] += g[n, j]
    # dw = x^T g: the forward product of x^T (D_in, N; a view, no copy) and g (N, D_out) with
    # a zero bias, so its sums run over n in sample order, four inputs i at a time
    dense_forward_unchecked(x.T, g, np.zeros(D_out, dtype=dw.dtype), False, dw)
    if dx.shape[0] > 0:  # dx = g w^T: the forward product with w_t = w^T (D_out, D_in) and no bias
        dense_forward_unchecked(g, w_t, np.zeros(D_in, dtype=dx.dtype), False, dx)


def dense_backward(dout, x, w, relu=False, out=None, need_dx=True):
    """Gradients of :func:`dense_forward`.

    Parameters
    ----------
    dout : ndarray, (N, D_out)
        dL/d out.
    x, w : ndarray
        The forward's input and kernel.
    relu : bool, default False
    out : ndarray, (N, D_out), optional
        The forward's output; needed with ``relu=True``.
    need_dx : bool, default True

    Returns
    -------
    dx : ndarray, (N, D_in), or None when ``need_dx=False``
    dw : ndarray, (D_in, D_out)
    db : ndarray, (D_out,)
    """
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
    dense_backward_unchecked(dout, out if relu else dout, x, np.ascontiguousarray(w.T), bool(relu), g, dx, dw, db)
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
