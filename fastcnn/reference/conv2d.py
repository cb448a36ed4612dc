"""Plain-NumPy twin of :mod:`fastcnn.kernels.conv2d`: the readable specification.

Same names, signatures and results as the kernel.  Instead of looping over
output pixels it loops over the KH*KW kernel taps: for each tap (kh, kw) the
input pixels that tap touches form a strided slice of the padded input, and
that whole slice is multiplied by the tap's (C_in, C_out) weight matrix at once.

    out = b + sum_{kh, kw} xp[:, kh : kh + SH*(OH-1) + 1 : SH, kw : kw + SW*(OW-1) + 1 : SW, :] @ w[kh, kw]
"""
import numpy as np

from ..geometry import normalize_pair, normalize_padding, window_geometry


def _tap(kh, kw, OH, OW, SH, SW):
    """Index of the input pixels that kernel tap (kh, kw) meets, for all outputs."""
    return (slice(None), slice(kh, kh + SH * (OH - 1) + 1, SH), slice(kw, kw + SW * (OW - 1) + 1, SW))


def _pad(x, strides, padding, KH, KW):
    SH, SW = normalize_pair(strides, "strides")
    N, H, W, _ = x.shape
    OH, OW, pad_h, pad_w = window_geometry(H, W, KH, KW, SH, SW, normalize_padding(padding))
    xp = np.pad(x, ((0, 0), pad_h, pad_w, (0, 0)))
    return xp, SH, SW, OH, OW, pad_h[0], pad_w[0]


def _as_float(x, w):
    """uint8 pixels mean x / 255 (as in the fast kernel)."""
    return x.astype(w.dtype) / w.dtype.type(255) if x.dtype == np.uint8 else x


def conv2d_forward(x, w, b, strides=1, padding="valid", relu=False):
    """x (N, H, W, C_in), w (KH, KW, C_in, C_out), b (C_out,) -> (N, OH, OW, C_out).

        out[n, oh, ow, co] = b[co] + sum_{kh, kw, ci} xp[n, oh*SH + kh, ow*SW + kw, ci] * w[kh, kw, ci, co]

    then max(out, 0) with ``relu=True``; xp is x zero-padded for ``padding``.

    Parameters
    ----------
    x, w, b, strides, padding, relu
        As for :func:`fastcnn.kernels.conv2d_forward`, whose specification this is.

    Returns
    -------
    As :func:`fastcnn.kernels.conv2d_forward`.
    """
    x = _as_float(x, w)
    KH, KW, _, C_out = w.shape
    xp, SH, SW, OH, OW, _, _ = _pad(x, strides, padding, KH, KW)
    out = np.zeros((x.shape[0], OH, OW, C_out), dtype=x.dtype) + b
    for kh in range(KH):
        for kw in range(KW):
            out += xp[_tap(kh, kw, OH, OW, SH, SW)] @ w[kh, kw]
    return np.where(out < 0, 0, out).astype(out.dtype) if relu else out


def conv2d_backward(dout, x, w, strides=1, padding="valid", relu=False, out=None, need_dx=True):
    """Returns (dx, dw, db) given dout = dL/d out (dx is None unless need_dx).

    With G = dout, or dout * [out > 0] with ``relu=True``:

        db[co]             = sum_{n, oh, ow} G[n, oh, ow, co]
        dw[kh, kw, ci, co] = sum_{n, oh, ow} xp[n, oh*SH + kh, ow*SW + kw, ci] * G[n, oh, ow, co]
        dxp[n, oh*SH + kh, ow*SW + kw, ci] += sum_{co} w[kh, kw, ci, co] * G[n, oh, ow, co]

    and dx is dxp with the padding cut away.

    Parameters
    ----------
    dout, x, w, strides, padding, relu, out, need_dx
        As for :func:`fastcnn.kernels.conv2d_backward`, whose specification this is.

    Returns
    -------
    As :func:`fastcnn.kernels.conv2d_backward`.
    """
    x = _as_float(x, w)
    if relu:
        dout = np.where(out > 0, dout, 0).astype(dout.dtype)
    KH, KW, C_in, C_out = w.shape
    xp, SH, SW, OH, OW, pad_top, pad_left = _pad(x, strides, padding, KH, KW)
    N, H, W, _ = x.shape
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for kh in range(KH):
        for kw in range(KW):
            tap = _tap(kh, kw, OH, OW, SH, SW)
            # dw[kh, kw, ci, co] = sum over n, oh, ow of x_tap[..., ci] * dout[..., co]
            dw[kh, kw] = xp[tap].reshape(-1, C_in).T @ dout.reshape(-1, C_out)
            # each tapped input pixel receives dout @ w[kh, kw]^T
            dxp[tap] += dout @ w[kh, kw].T
    db = dout.sum(axis=(0, 1, 2))
    dx = dxp[:, pad_top:pad_top + H, pad_left:pad_left + W, :] if need_dx else None
    return dx, dw, db
