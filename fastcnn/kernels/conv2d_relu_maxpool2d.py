"""Backward pass of Conv2D + ReLU followed by MaxPool2D, fused.

The reference model's two convolutions are each followed by a ReLU and a
max-pool.  Unfused, the backward pass would (1) scatter the pooled gradient
into a mostly-zero array the size of the convolution's output, (2) mask it by
the ReLU, and (3) run the convolution's backward over every output pixel.
But max-pooling sends each pooled gradient to exactly one pixel (its
window's argmax), so the fused kernel visits only those: about a quarter of
the work for 2x2 pooling, and no large intermediate array.

Math (docs/math/conv2d_relu_maxpool2d.md).  Forward (the two separate
kernels): z = conv(x, w) + b, out = max(z, 0), pooled = maxpool(out).
Given Gp = dL/d pooled (N, PH, PW, C_out):

    dout[n, h, w, c] = sum of Gp[n, ph, pw, c] over the windows whose argmax is (h, w)
    dz = dout * [out > 0]          (and out at an argmax is the pooled value)
    then db, dw, dx exactly as in conv2d_backward:
        db[c]              += g
        dw[kh, kw, ci, c]  += g * xp[n, oh*SH + kh, ow*SW + kw, ci]
        dxp[n, oh*SH + kh, ow*SW + kw, ci] += g * w[kh, kw, ci, c]
    for every (n, ph, pw, c) with g = Gp[n, ph, pw, c], pooled > 0, and
    (oh, ow) = the first maximum of that window of ``out`` (found again, as
    in maxpool2d_backward).
"""
import numpy as np
from numba import prange

from .._jit import parallel_kernel, reduction_chunks
from ..geometry import window_geometry
from ._validate import expect_shape, float_array, same_dtype
from .conv2d import PIXEL_SCALE, _arguments, _output_size
from .maxpool2d import _pool_arguments, window_argmax, window_range


@parallel_kernel
def _conv2d_relu_maxpool2d_backward(dpooled, pooled, out, xp, w, SH, SW, PKH, PKW, PSH, PSW, p_top, p_left,
                                    need_dx, dxp, dw_parts, db_parts):
    """Route each pooled gradient to its window's first maximum and through the convolution.

    ``out`` is the convolution's ReLU output (N, OH, OW, C_out) and
    ``pooled`` its max-pool; PKH, PKW, PSH, PSW, p_top, p_left are the pool's
    window, strides and padding.  Samples are split into
    ``dw_parts.shape[0]`` fixed chunks; each chunk sums into private dw/db
    buffers stored at the end in dw_parts[c]/db_parts[c] (the caller adds
    them in order: deterministic).  dxp arrives zeroed and sample n writes
    only dxp[n].
    """
    N, PH, PW, C_out = dpooled.shape
    _, OH, OW, _ = out.shape
    KH, KW, C_in, _ = w.shape
    n_chunks = dw_parts.shape[0]
    for chunk in prange(n_chunks):
        dw = np.zeros((KH, KW, C_in, C_out), dtype=dw_parts.dtype)
        db = np.zeros(C_out, dtype=dw_parts.dtype)
        for n in range(chunk * N // n_chunks, (chunk + 1) * N // n_chunks):
            for ph in range(PH):
                h_start, h_stop = window_range(ph, PSH, p_top, PKH, OH)
                for pw in range(PW):
                    w_start, w_stop = window_range(pw, PSW, p_left, PKW, OW)
                    for c in range(C_out):
                        g = dpooled[n, ph, pw, c]
                        if g == 0 or not pooled[n, ph, pw, c] > 0:  # no gradient, or ReLU off
                            continue
                        db[c] += g
                        oh, ow = window_argmax(out, n, h_start, h_stop, w_start, w_stop, c, pooled[n, ph, pw, c])
                        for kh in range(KH):
                            for kw in range(KW):
                                for ci in range(C_in):
                                    dw[kh, kw, ci, c] += g * xp[n, oh * SH + kh, ow * SW + kw, ci]
                        if need_dx:
                            for kh in range(KH):
                                for kw in range(KW):
                                    for ci in range(C_in):
                                        dxp[n, oh * SH + kh, ow * SW + kw, ci] += g * w[kh, kw, ci, c]
        dw_parts[chunk] = dw
        db_parts[chunk] = db


def conv2d_relu_maxpool2d_backward(dpooled, pooled, out, x, w, strides=1, padding="valid",
                                   pool_size=2, pool_strides=None, pool_padding="valid", need_dx=True):
    """Gradients (dx, dw, db) of ``maxpool(relu(conv2d(x, w, b)))`` given dL/d pooled.

    ``out`` is the convolution's ReLU output and ``pooled`` its max-pool with
    ``pool_size``/``pool_strides``/``pool_padding``; ``x``, ``w``,
    ``strides``, ``padding`` are the convolution's.  dx is None when
    ``need_dx=False``; a uint8 ``x`` means x / 255.
    """
    xp, w, _, (SH, SW), (pad_top, pad_left) = _arguments(x, w, None, strides, padding)
    (PKH, PKW), (PSH, PSW), pool_padding = _pool_arguments(pool_size, pool_strides, pool_padding)
    N, H, W, _ = x.shape
    OH, OW = _output_size(xp.shape[1], xp.shape[2], w.shape[0], w.shape[1], SH, SW)
    C_out = w.shape[3]
    PH, PW, (p_top, _), (p_left, _) = window_geometry(OH, OW, PKH, PKW, PSH, PSW, pool_padding,
                                                      what="pool window")
    dpooled = float_array(dpooled, 4, "dpooled")
    pooled = float_array(pooled, 4, "pooled")
    out = float_array(out, 4, "out")
    same_dtype(dpooled=dpooled, pooled=pooled, out=out, kernel=w)
    expect_shape(out, (N, OH, OW, C_out), "out")
    expect_shape(pooled, (N, PH, PW, C_out), "pooled")
    expect_shape(dpooled, (N, PH, PW, C_out), "dpooled")
    chunks = reduction_chunks(N)
    dxp = np.zeros(xp.shape if need_dx else (0, 0, 0, 0), dtype=w.dtype)
    dw_parts = np.empty((chunks,) + w.shape, dtype=w.dtype)
    db_parts = np.empty((chunks, C_out), dtype=w.dtype)
    _conv2d_relu_maxpool2d_backward(dpooled, pooled, out, xp, w, SH, SW, PKH, PKW, PSH, PSW, p_top, p_left,
                                    bool(need_dx), dxp, dw_parts, db_parts)
    dw = dw_parts.sum(axis=0)
    if xp.dtype == np.uint8:
        dw *= dw.dtype.type(PIXEL_SCALE)
    dx = np.ascontiguousarray(dxp[:, pad_top:pad_top + H, pad_left:pad_left + W, :]) if need_dx else None
    return dx, dw, db_parts.sum(axis=0)
