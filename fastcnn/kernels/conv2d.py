"""2-D convolution (Keras ``Conv2D``) and its gradient, NHWC layout.

Math (see docs/math/conv2d.md).  With ``xp`` the input after zero padding,

    forward:   out[n, oh, ow, co] = b[co]
                   + sum_{kh, kw, ci} xp[n, oh*SH + kh, ow*SW + kw, ci] * w[kh, kw, ci, co]

    backward, given G = dL/d out  (shape N, OH, OW, C_out):
        db[co]             = sum_{n, oh, ow} G[n, oh, ow, co]
        dw[kh, kw, ci, co] = sum_{n, oh, ow} xp[n, oh*SH + kh, ow*SW + kw, ci] * G[n, oh, ow, co]
        dxp[n, oh*SH + kh, ow*SW + kw, ci] += sum_{co} w[kh, kw, ci, co] * G[n, oh, ow, co]
    and dx is dxp with the padding cut away.

Shapes: x (N, H, W, C_in), w (KH, KW, C_in, C_out), b (C_out,),
out (N, OH, OW, C_out).  Like every deep-learning library, this is a
cross-correlation (the kernel is not flipped).
"""
import numpy as np
from numba import prange

from .._jit import parallel_kernel, reduction_chunks
from ..geometry import normalize_pair, normalize_padding, window_geometry
from ..errors import ShapeError
from ._validate import expect_shape, float_array, same_dtype


@parallel_kernel
def _conv2d_forward(xp, w, b, SH, SW, out):
    """Fill ``out`` (N, OH, OW, C_out) with conv(xp, w) + b; xp is pre-padded.

    Each sample n is independent, so the batch loop runs in parallel and every
    thread writes only its own out[n].  The innermost loop runs along C_out,
    which is contiguous in both w and out, so it vectorises.
    """
    N, OH, OW, C_out = out.shape
    KH, KW, C_in, _ = w.shape
    for n in prange(N):
        for oh in range(OH):
            for ow in range(OW):
                acc = out[n, oh, ow]
                acc[:] = b
                for kh in range(KH):
                    for kw in range(KW):
                        for ci in range(C_in):
                            x_value = xp[n, oh * SH + kh, ow * SW + kw, ci]
                            for co in range(C_out):
                                acc[co] += x_value * w[kh, kw, ci, co]


def conv2d_forward(x, w, b, strides=1, padding="valid"):
    """Convolve a batch: x (N, H, W, C_in) -> out (N, OH, OW, C_out).

    ``w`` has Keras's shape (KH, KW, C_in, C_out), ``b`` has shape (C_out,).
    ``strides`` is S or (SH, SW); ``padding`` is ``"valid"`` or ``"same"``
    (TensorFlow's rule, extra pixel at the bottom/right).
    """
    xp, (SH, SW), _ = _padded_input(x, w, b, strides, padding)
    N = x.shape[0]
    OH, OW = _output_size(xp.shape[1], xp.shape[2], w.shape[0], w.shape[1], SH, SW)
    out = np.empty((N, OH, OW, w.shape[3]), dtype=x.dtype)
    _conv2d_forward(xp, np.ascontiguousarray(w), np.ascontiguousarray(b), SH, SW, out)
    return out


@parallel_kernel
def _conv2d_backward(dout, xp, w, SH, SW, dxp, dw_parts, db_parts):
    """Accumulate the three gradients of the convolution.

    dxp (N, Hp, Wp, C_in) must arrive zeroed; sample n writes only dxp[n], so
    the samples run in parallel.  dw and db are sums over the whole batch: the
    batch is cut into ``dw_parts.shape[0]`` fixed chunks, chunk c adds its
    samples into its own zeroed buffers dw_parts[c] and db_parts[c], and the
    caller sums the buffers in order (deterministic, no races).
    """
    N, OH, OW, C_out = dout.shape
    KH, KW, C_in, _ = w.shape
    n_chunks = dw_parts.shape[0]
    for chunk in prange(n_chunks):
        dw = dw_parts[chunk]
        db = db_parts[chunk]
        for n in range(chunk * N // n_chunks, (chunk + 1) * N // n_chunks):
            for oh in range(OH):
                for ow in range(OW):
                    g = dout[n, oh, ow]
                    for co in range(C_out):
                        db[co] += g[co]
                    for kh in range(KH):
                        for kw in range(KW):
                            ih = oh * SH + kh
                            iw = ow * SW + kw
                            for ci in range(C_in):
                                x_value = xp[n, ih, iw, ci]
                                dx_sum = 0.0
                                for co in range(C_out):
                                    dw[kh, kw, ci, co] += x_value * g[co]
                                    dx_sum += w[kh, kw, ci, co] * g[co]
                                dxp[n, ih, iw, ci] += dx_sum


def conv2d_backward(dout, x, w, strides=1, padding="valid"):
    """Gradients of :func:`conv2d_forward`.

    Given ``dout`` = dL/d out (N, OH, OW, C_out) and the forward inputs,
    returns ``(dx, dw, db)`` with the shapes of x, w and b.
    """
    xp, (SH, SW), (pad_top, pad_left) = _padded_input(x, w, None, strides, padding)
    N, H, W, _ = x.shape
    OH, OW = _output_size(xp.shape[1], xp.shape[2], w.shape[0], w.shape[1], SH, SW)
    dout = float_array(dout, 4, "dout")
    same_dtype(dout=dout, x=x)
    expect_shape(dout, (N, OH, OW, w.shape[3]), "dout")
    chunks = reduction_chunks(N)
    dxp = np.zeros(xp.shape, dtype=x.dtype)
    dw_parts = np.zeros((chunks,) + w.shape, dtype=x.dtype)
    db_parts = np.zeros((chunks, w.shape[3]), dtype=x.dtype)
    _conv2d_backward(dout, xp, np.ascontiguousarray(w), SH, SW, dxp, dw_parts, db_parts)
    dx = np.ascontiguousarray(dxp[:, pad_top:pad_top + H, pad_left:pad_left + W, :])
    return dx, dw_parts.sum(axis=0), db_parts.sum(axis=0)


def _output_size(Hp, Wp, KH, KW, SH, SW):
    """OH, OW of a valid convolution over the already padded input."""
    return (Hp - KH) // SH + 1, (Wp - KW) // SW + 1


def _padded_input(x, w, b, strides, padding):
    """Validate the forward arguments and zero-pad x for ``padding``.

    Returns ``(xp, (SH, SW), (pad_top, pad_left))``.
    """
    SH, SW = normalize_pair(strides, "strides")
    padding = normalize_padding(padding)
    x = float_array(x, 4, "x")
    w = float_array(w, 4, "kernel")
    same_dtype(x=x, kernel=w)
    if b is not None:
        b = float_array(b, 1, "bias")
        same_dtype(x=x, bias=b)
        expect_shape(b, (w.shape[3],), "bias")
    N, H, W, C_in = x.shape
    KH, KW, kernel_C_in, _ = w.shape
    if kernel_C_in != C_in:
        raise ShapeError(
            f"kernel expects {kernel_C_in} input channels but x has {C_in} (shape {x.shape})"
        )
    _, _, (pad_top, pad_bottom), (pad_left, pad_right) = window_geometry(
        H, W, KH, KW, SH, SW, padding, what="kernel"
    )
    if pad_top or pad_bottom or pad_left or pad_right:
        x = np.pad(x, ((0, 0), (pad_top, pad_bottom), (pad_left, pad_right), (0, 0)))
    return x, (SH, SW), (pad_top, pad_left)
