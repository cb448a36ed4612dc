"""Conv2D (+ ReLU) followed by a 2x2 MaxPool2D, fused: forward and backward.

The reference model's two convolutions are each followed by a ReLU and a 2x2
max-pool.  Run separately, the convolution writes a (N, OH, OW, C_out) map
that the pool reads back to keep a quarter of it, and the backward pass
scatters the pooled gradient into a mostly-zero map of the same size.  Fused,
each pooled output is computed from its four convolution outputs while they
are still in registers, and the forward records which of the four won (one
``uint8`` per pooled output); the backward sends each pooled gradient straight
to that pixel, without searching or comparing anything again.

Math (docs/math/conv2d_relu_maxpool2d.md).  Pool window (ph, pw) covers the
convolution outputs (oh, ow) = (2 ph + dy, 2 pw + dx), dy, dx in {0, 1}:

    z[n, oh, ow, c]  = b[c] + sum_{kh, kw, ci} xp[n, oh*SH + kh, ow*SW + kw, ci] * w[kh, kw, ci, c]
    pooled[n, ph, pw, c] = max(0, max_{dy, dx} z[n, 2 ph + dy, 2 pw + dx, c])   (no max(0, .) without ReLU)
    argmax[n, ph, pw, c] = 2 dy + dx of the first maximum, in row-major order

    backward, given Gp = dL/d pooled (N, PH, PW, C_out):
        g  = Gp[n, ph, pw, c] * [pooled > 0]            (ReLU; g = Gp without it)
        (oh, ow) = the window's winner (argmax)
        db[c]                               += g
        dw[kh, kw, ci, c]                   += g * xp[n, oh*SH + kh, ow*SW + kw, ci]
        dxp[n, oh*SH + kh, ow*SW + kw, ci]  += g * w[kh, kw, ci, c]

PH = floor(OH / 2), PW = floor(OW / 2): a last odd row or column of the
convolution's output is never pooled, so it is never computed.  Pools other
than 2x2 with stride 2 and no padding take the unfused path (conv2d and
maxpool2d kernels); the wrapper pads channel counts that are not a multiple
of LANES (the model uses the unfused path for them).

Speed (docs/numba.md, "Fast loops"): the running sums of a block of LANES
output channels live in stack arrays (SIMD registers), for four windows at a
time in the forward and two in the backward; indices are unsigned; the next
work item's input rows are prefetched.  Each of these is marked where it is
made.

Where the code is: this module holds the checking, padding wrappers; the
loops they call are a page each, ``_conv2d_relu_maxpool2d_forward.py`` and
``_conv2d_relu_maxpool2d_backward.py``.  The compiled model's plan calls the
loops directly (``*_unchecked``), having checked and allocated everything once.
"""
import numpy as np

from ..errors import ShapeError
from ._conv2d_relu_maxpool2d_backward import backward_workspace, conv2d_relu_maxpool2d_backward_unchecked
from ._conv2d_relu_maxpool2d_forward import conv2d_relu_maxpool2d_forward_unchecked
from ._conv_arguments import conv_arguments, output_size, pad_channels
from ._validate import expect_shape, float_array, same_dtype
from .conv2d import PIXEL_SCALE
from .dihedral import check_dihedral, dihedral_batch

__all__ = ["conv2d_relu_maxpool2d_forward", "conv2d_relu_maxpool2d_backward", "pooled_size", "backward_workspace",
           "conv2d_relu_maxpool2d_forward_unchecked", "conv2d_relu_maxpool2d_backward_unchecked"]


def pooled_size(OH, OW):
    """(PH, PW) of a 2x2, stride-2, unpadded pool over an OH x OW map.

    Parameters
    ----------
    OH, OW : int
        The convolution's output size.

    Returns
    -------
    PH, PW : int
        ``OH // 2`` and ``OW // 2``.
    """
    return OH // 2, OW // 2


def viewed_input(x, views, padding):
    """(x, views) for the kernels: both checked (views of 0 for None); with "same" padding, the views gathered.

    Padding is added to the view, not to the stored image (the two differ
    where the padding is uneven), so with "same" padding the views are
    gathered into a new batch, which the kernels then read as it is.

    Parameters
    ----------
    x : ndarray, (N, H, W, C_in)
    views : array_like of int, (N,), or None
    padding : {"valid", "same"}

    Returns
    -------
    x : ndarray
        As given (checked by :func:`conv_arguments` next) when views is None.
    views : ndarray of int64, (N,), or None
    """
    if views is None:
        return x, None
    x, _, views = check_dihedral(x, np.arange(len(x)), views)
    if padding == "same":
        return dihedral_batch(x, np.arange(len(x)), views), np.zeros(len(x), np.int64)
    return x, views


def conv2d_relu_maxpool2d_forward(x, w, b, strides=1, padding="valid", relu=True, views=None):
    """``maxpool2x2(relu(conv2d(x, w, b)))`` and which pixel of each window won.

    Parameters
    ----------
    x : ndarray, (N, H, W, C_in) float32/float64, or uint8 pixels read as x / 255
    w : ndarray, (KH, KW, C_in, C_out)
    b : ndarray, (C_out,)
    strides : int or (int, int), default 1
    padding : {"valid", "same"}
    relu : bool, default True
        False pools the convolution's raw output.
    views : array_like of int, (N,), optional
        Sample n is view ``views[n]`` of x[n] (0..7, :mod:`fastcnn.kernels.dihedral`),
        read in place, as ``fit(augment=...)`` reads its batches; None: every sample as it is.

    Returns
    -------
    pooled : ndarray, (N, PH, PW, C_out), w's dtype
    argmax : ndarray, (N, PH, PW, C_out) uint8
        2 dy + dx of each window's first maximum.
    """
    x, views = viewed_input(x, views, padding)
    xp, w, b, (SH, SW), _ = conv_arguments(x, w, b, strides, padding)
    views = np.zeros(len(xp), np.int64) if views is None else views
    OH, OW = output_size(xp.shape[1], xp.shape[2], w.shape[0], w.shape[1], SH, SW)
    PH, PW = pooled_size(OH, OW)
    if PH < 1 or PW < 1:
        raise ShapeError(f"the convolution's output ({OH}x{OW}) is smaller than the 2x2 pool window")
    C_out = w.shape[3]
    w_lanes, b_lanes = pad_channels(w, 3), pad_channels(b, 0)
    shape = (x.shape[0], PH, PW, w_lanes.shape[3])
    pooled = np.empty(shape, dtype=w.dtype)
    argmax = np.empty(shape, dtype=np.uint8)
    if xp.dtype == np.uint8:
        w_lanes = w_lanes * w.dtype.type(PIXEL_SCALE)  # (x / 255) * w == x * (w / 255)
    conv2d_relu_maxpool2d_forward_unchecked(xp, np.arange(len(xp)), views, w_lanes, b_lanes, SH, SW, bool(relu),
                                            pooled, argmax)
    if w_lanes.shape[3] != C_out:
        pooled, argmax = np.ascontiguousarray(pooled[..., :C_out]), np.ascontiguousarray(argmax[..., :C_out])
    return pooled, argmax


def conv2d_relu_maxpool2d_backward(dpooled, pooled, argmax, x, w, strides=1, padding="valid", relu=True,
                                   need_dx=True, views=None):
    """Gradients of :func:`conv2d_relu_maxpool2d_forward` given dL/d pooled.

    Parameters
    ----------
    dpooled : ndarray, (N, PH, PW, C_out)
        dL/d pooled.
    pooled, argmax : ndarray
        What the forward returned.
    x, w, strides, padding, relu
        The forward's arguments (a uint8 ``x`` means x / 255).
    need_dx : bool, default True
        False skips dL/dx (a uint8 ``x`` has none).
    views : array_like of int, (N,), optional
        The forward's views; with views, pass need_dx=False (dL/dx would be that of the views).

    Returns
    -------
    dx, dw, db : ndarray
        As :func:`fastcnn.kernels.conv2d_backward` returns them: dL/dx (None without ``need_dx``),
        dL/dw and dL/db.
    """
    if need_dx and views is not None:
        raise ShapeError("with views, dL/dx is that of the views, not of x: pass need_dx=False")
    x, views = viewed_input(x, views, padding)
    xp, w, _, (SH, SW), (pad_top, pad_left) = conv_arguments(x, w, None, strides, padding)
    views = np.zeros(len(xp), np.int64) if views is None else views
    N, H, W, _ = x.shape
    OH, OW = output_size(xp.shape[1], xp.shape[2], w.shape[0], w.shape[1], SH, SW)
    PH, PW = pooled_size(OH, OW)
    C_out = w.shape[3]
    dpooled = float_array(dpooled, 4, "dpooled")
    pooled = float_array(pooled, 4, "pooled")
    same_dtype(dpooled=dpooled, pooled=pooled, kernel=w)
    expect_shape(pooled, (N, PH, PW, C_out), "pooled")
    expect_shape(dpooled, (N, PH, PW, C_out), "dpooled")
    if not isinstance(argmax, np.ndarray) or argmax.dtype != np.uint8:
        raise ShapeError("argmax must be the uint8 array returned by conv2d_relu_maxpool2d_forward")
    expect_shape(argmax, (N, PH, PW, C_out), "argmax")
    if need_dx and xp.dtype == np.uint8:
        raise ShapeError("uint8 pixels have no gradient: pass need_dx=False")
    w_lanes = pad_channels(w, 3)
    dpooled, pooled, argmax = (pad_channels(a, 3) for a in (dpooled, pooled, argmax))
    bounds, parts = backward_workspace(N, PH, w_lanes.shape, need_dx, w.dtype)
    dw = np.empty(w_lanes.shape, dtype=w.dtype)
    db = np.empty(w_lanes.shape[3], dtype=w.dtype)
    dxp = np.empty(xp.shape if need_dx else (0, 1, 1, 1), dtype=w.dtype)
    x_scale = w.dtype.type(PIXEL_SCALE if xp.dtype == np.uint8 else 1.0)
    w_t = np.ascontiguousarray(w_lanes.transpose(0, 1, 3, 2))
    conv2d_relu_maxpool2d_backward_unchecked(dpooled, pooled, argmax, xp, np.arange(N), views, w_t, x_scale, SH, SW,
                                             bool(relu), bounds, parts, dw, db, dxp)
    dx = np.ascontiguousarray(dxp[:, pad_top:pad_top + H, pad_left:pad_left + W, :]) if need_dx else None
    return dx, np.ascontiguousarray(dw[..., :C_out]), db[:C_out].copy()
