"""2-D convolution (Keras ``Conv2D``) and its gradient, NHWC layout.

Math (see docs/math/conv2d.md).  With ``xp`` the input after zero padding,

    forward:   z[n, oh, ow, co] = b[co]
                   + sum_{kh, kw, ci} xp[n, oh*SH + kh, ow*SW + kw, ci] * w[kh, kw, ci, co]
               out = z, or max(z, 0) with ``relu=True``

    backward, given G = dL/d out  (shape N, OH, OW, C_out):
        dz = G, or G * [out > 0] with ``relu=True``
        db[co]             = sum_{n, oh, ow} dz[n, oh, ow, co]
        dw[kh, kw, ci, co] = sum_{n, oh, ow} xp[n, oh*SH + kh, ow*SW + kw, ci] * dz[n, oh, ow, co]
        dxp[n, oh*SH + kh, ow*SW + kw, ci] += sum_{co} w[kh, kw, ci, co] * dz[n, oh, ow, co]
    and dx is dxp with the padding cut away.

Shapes: x (N, H, W, C_in), w (KH, KW, C_in, C_out), b (C_out,),
out (N, OH, OW, C_out).  Like every deep-learning library, this is a
cross-correlation (the kernel is not flipped).

Two fusions save whole passes over memory:

* ``relu=True`` applies the ReLU while the output is written, and masks the
  gradient while it is read (the conv layer with ``activation="relu"``);
* ``x`` may be uint8 pixels, meaning x / 255: the first layer then reads the
  raw images and the 1/255 is folded into the weights (forward) and into dw
  (backward), so no float copy of the batch is ever made.
"""
import numpy as np
from numba import prange

from .._jit import LANES, parallel_kernel, reduction_chunks
from ..errors import ShapeError
from ._conv_arguments import conv_arguments, output_size, pad_channels
from ._validate import expect_shape, float_array, same_dtype

PIXEL_SCALE = 1.0 / 255.0


@parallel_kernel
def _conv2d_forward(xp, w, b, SH, SW, relu, out):
    """Fill ``out`` (N, OH, OW, C_out) with conv(xp, w) + b (then ReLU if ``relu``).

    xp is already padded and C_out is a multiple of LANES.  Samples are
    independent, so the batch loop runs in parallel and each thread writes only
    its own out[n].  For one output pixel, each block of LANES output channels
    is accumulated in ``acc``, a small private buffer LLVM keeps in a SIMD
    register: each (kh, kw, ci) tap is then one vector multiply-add.
    """
    N, OH, OW, C_out = out.shape
    KH, KW, C_in, _ = w.shape
    for n in prange(N):
        acc = np.empty(LANES, dtype=out.dtype)
        for oh in range(OH):
            for ow in range(OW):
                for c0 in range(0, C_out, LANES):
                    for j in range(LANES):
                        acc[j] = b[c0 + j]
                    for kh in range(KH):
                        for kw in range(KW):
                            for ci in range(C_in):
                                x_value = xp[n, oh * SH + kh, ow * SW + kw, ci]
                                for j in range(LANES):
                                    acc[j] += x_value * w[kh, kw, ci, c0 + j]
                    for j in range(LANES):
                        value = acc[j]
                        if relu and value < 0:  # NaN is not < 0: it passes through
                            value = np.float32(0)  # (a float32 zero keeps float32 code float32)
                        out[n, oh, ow, c0 + j] = value


def conv2d_forward(x, w, b, strides=1, padding="valid", relu=False):
    """Convolve a batch: x (N, H, W, C_in) -> out (N, OH, OW, C_out).

    Parameters
    ----------
    x : ndarray, (N, H, W, C_in) float32/float64, or uint8 pixels read as x / 255
    w : ndarray, (KH, KW, C_in, C_out)
        Keras's kernel layout, x's float dtype.
    b : ndarray, (C_out,)
    strides : int or (int, int), default 1
        S or (SH, SW).
    padding : {"valid", "same"}
        Keras's rules (TensorFlow's: an odd extra pixel of padding goes at the bottom/right).
    relu : bool, default False
        Return max(out, 0).

    Returns
    -------
    out : ndarray, (N, OH, OW, C_out), w's dtype
    """
    xp, w, b, (SH, SW), _ = conv_arguments(x, w, b, strides, padding)
    OH, OW = output_size(xp.shape[1], xp.shape[2], w.shape[0], w.shape[1], SH, SW)
    C_out = w.shape[3]
    if xp.dtype == np.uint8:
        w = w * w.dtype.type(PIXEL_SCALE)  # (x / 255) * w == x * (w / 255)
    w_lanes, b_lanes = pad_channels(w, 3), pad_channels(b, 0)
    out = np.empty((x.shape[0], OH, OW, w_lanes.shape[3]), dtype=w.dtype)
    _conv2d_forward(xp, w_lanes, b_lanes, SH, SW, bool(relu), out)
    return out if w_lanes.shape[3] == C_out else np.ascontiguousarray(out[..., :C_out])


@parallel_kernel
def _conv2d_backward(dout, out, xp, w, SH, SW, relu, need_dx, dxp, dw_parts, db_parts, g_parts):
    """Accumulate the three gradients of the convolution.

    With ``relu`` the gradient is masked by out > 0 as it is read.  dxp
    (N, Hp, Wp, C_in) arrives zeroed and is only touched when ``need_dx`` (the
    first layer's input gradient is never needed); sample n writes only
    dxp[n].  dw and db are sums over the whole batch: the batch is cut into
    ``dw_parts.shape[0]`` fixed chunks, chunk c sums its samples into private
    buffers and stores them in dw_parts[c] and db_parts[c], and the caller
    adds those up in order (deterministic, no races).  Output pixels whose
    masked gradient is zero in every channel (ReLU off, or not a pooling
    maximum) contribute nothing and are skipped (for finite x; a skipped
    0 * inf would have been NaN).  g_parts[c] (C_out,) holds the pixel's
    masked gradient.  (The reference model never runs this kernel in
    training: its Conv2D+MaxPool pairs use conv2d_relu_maxpool2d_backward.)
    """
    N, OH, OW, C_out = dout.shape
    KH, KW, C_in, _ = w.shape
    n_chunks = dw_parts.shape[0]
    for chunk in prange(n_chunks):
        dw = np.zeros((KH, KW, C_in, C_out), dtype=dw_parts.dtype)
        db = np.zeros(C_out, dtype=dw_parts.dtype)
        g = g_parts[chunk]
        for n in range(chunk * N // n_chunks, (chunk + 1) * N // n_chunks):
            for oh in range(OH):
                for ow in range(OW):
                    active = False
                    for co in range(C_out):
                        value = dout[n, oh, ow, co]
                        if relu and not out[n, oh, ow, co] > 0:
                            value = np.float32(0)
                        g[co] = value
                        db[co] += value
                        active = active or value != 0
                    if not active:
                        continue
                    for kh in range(KH):
                        for kw in range(KW):
                            for ci in range(C_in):
                                x_value = xp[n, oh * SH + kh, ow * SW + kw, ci]
                                for c0 in range(0, C_out, LANES):
                                    for j in range(LANES):
                                        dw[kh, kw, ci, c0 + j] += x_value * g[c0 + j]
                                if need_dx:
                                    total = dxp[n, oh * SH + kh, ow * SW + kw, ci]
                                    for co in range(C_out):
                                        total += w[kh, kw, ci, co] * g[co]
                                    dxp[n, oh * SH + kh, ow * SW + kw, ci] = total
        dw_parts[chunk] = dw
        db_parts[chunk] = db


def conv2d_backward(dout, x, w, strides=1, padding="valid", relu=False, out=None, need_dx=True):
    """Gradients of :func:`conv2d_forward`.

    Parameters
    ----------
    dout : ndarray, (N, OH, OW, C_out)
        dL/d out.
    x, w : ndarray
        The forward's input and kernel.
    strides, padding, relu
        The forward's.
    out : ndarray, (N, OH, OW, C_out), optional
        The forward's output; needed with ``relu=True`` (the gradient flows only where out > 0).
    need_dx : bool, default True
        False skips dL/dx (a uint8 ``x`` has none).

    Returns
    -------
    dx : ndarray, (N, H, W, C_in), or None
    dw : ndarray, (KH, KW, C_in, C_out)
    db : ndarray, (C_out,)
    """
    xp, w, _, (SH, SW), (pad_top, pad_left) = conv_arguments(x, w, None, strides, padding)
    N, H, W, _ = x.shape
    OH, OW = output_size(xp.shape[1], xp.shape[2], w.shape[0], w.shape[1], SH, SW)
    C_out = w.shape[3]
    dout = float_array(dout, 4, "dout")
    same_dtype(dout=dout, kernel=w)
    expect_shape(dout, (N, OH, OW, C_out), "dout")
    if relu:
        if out is None:
            raise ShapeError("relu=True needs the forward output: pass out=")
        out = float_array(out, 4, "out")
        expect_shape(out, dout.shape, "out")
    w_lanes = pad_channels(w, 3)
    dout_lanes = pad_channels(dout, 3)
    out_lanes = pad_channels(out, 3) if relu else dout_lanes
    chunks = reduction_chunks(N)
    dxp = np.zeros(xp.shape if need_dx else (0, 0, 0, 0), dtype=w.dtype)
    dw_parts = np.empty((chunks,) + w_lanes.shape, dtype=w.dtype)
    db_parts = np.empty((chunks, w_lanes.shape[3]), dtype=w.dtype)
    g_parts = np.empty((chunks, w_lanes.shape[3]), dtype=w.dtype)
    _conv2d_backward(dout_lanes, out_lanes, xp, w_lanes, SH, SW, bool(relu), bool(need_dx),
                     dxp, dw_parts, db_parts, g_parts)
    dw = dw_parts.sum(axis=0)[..., :C_out]
    if xp.dtype == np.uint8:
        dw *= dw.dtype.type(PIXEL_SCALE)
    dx = np.ascontiguousarray(dxp[:, pad_top:pad_top + H, pad_left:pad_left + W, :]) if need_dx else None
    return dx, np.ascontiguousarray(dw), db_parts.sum(axis=0)[:C_out].copy()
