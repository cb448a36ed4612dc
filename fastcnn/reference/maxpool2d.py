"""Plain-loop twin of :mod:`fastcnn.kernels.maxpool2d`: the readable specification.

One loop per axis, as the math reads.  Window (oh, ow) covers the input rows
``oh*SH - pad_top ... oh*SH - pad_top + KH - 1`` (likewise for columns),
clipped to the input, so padding never takes part:

    out[n, oh, ow, c] = max over the window of x[n, h, w, c]   (a NaN makes it NaN)
    dx[n, h, w, c]   += dout[n, oh, ow, c]  at the window's first maximum (row-major order)
"""
import math

import numpy as np

from ..geometry import normalize_pair, normalize_padding, window_geometry


def _geometry(x, pool_size, strides, padding):
    """(KH, KW), (SH, SW), (OH, OW), (pad_top, pad_left) of a pooling over ``x``."""
    KH, KW = normalize_pair(pool_size, "pool_size")
    SH, SW = (KH, KW) if strides is None else normalize_pair(strides, "strides")
    _, H, W, _ = x.shape
    OH, OW, (pad_top, _), (pad_left, _) = window_geometry(H, W, KH, KW, SH, SW, normalize_padding(padding))
    return (KH, KW), (SH, SW), (OH, OW), (pad_top, pad_left)


def _window(o, stride, pad_before, size_k, size):
    """The input indices window ``o`` covers along one axis, clipped to the input."""
    start = o * stride - pad_before
    return range(max(start, 0), min(start + size_k, size))


def _first_maximum(x, n, rows, columns, c):
    """(h, w) of the window's first maximal element in row-major order (a NaN is maximal)."""
    best, at = None, None
    for h in rows:
        for w in columns:
            value = x[n, h, w, c]
            if best is None or value > best or (math.isnan(value) and not math.isnan(best)):
                best, at = value, (h, w)
    return at


def maxpool2d_forward(x, pool_size=2, strides=None, padding="valid"):
    """The maximum of each window.

    Parameters
    ----------
    x, pool_size, strides, padding
        As for :func:`fastcnn.kernels.maxpool2d_forward`, whose specification this is.

    Returns
    -------
    As :func:`fastcnn.kernels.maxpool2d_forward`.
    """
    (KH, KW), (SH, SW), (OH, OW), (pad_top, pad_left) = _geometry(x, pool_size, strides, padding)
    N, H, W, C = x.shape
    out = np.empty((N, OH, OW, C), dtype=x.dtype)
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                for c in range(C):
                    h, w = _first_maximum(x, n, _window(oh, SH, pad_top, KH, H), _window(ow, SW, pad_left, KW, W), c)
                    out[n, oh, ow, c] = x[n, h, w, c]
    return out


def maxpool2d_backward(dout, x, out, pool_size=2, strides=None, padding="valid"):
    """dL/dx: each dout element added at its window's first maximum.

    Parameters
    ----------
    dout, x, out, pool_size, strides, padding
        As for :func:`fastcnn.kernels.maxpool2d_backward`, whose specification this is.

    Returns
    -------
    As :func:`fastcnn.kernels.maxpool2d_backward`.
    """
    (KH, KW), (SH, SW), (OH, OW), (pad_top, pad_left) = _geometry(x, pool_size, strides, padding)
    N, H, W, C = x.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                for c in range(C):
                    h, w = _first_maximum(x, n, _window(oh, SH, pad_top, KH, H), _window(ow, SW, pad_left, KW, W), c)
                    dx[n, h, w, c] += dout[n, oh, ow, c]
    return dx
