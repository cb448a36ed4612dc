"""Plain-loop twin of :mod:`fastcnn.kernels.average_pooling2d`: the readable specification.

One loop per axis, as the math reads.  The windows are maxpool2d's: window
(oh, ow) covers the input rows ``oh*SH - pad_top ... oh*SH - pad_top + KH - 1``
(likewise for columns), clipped to the input, so padding never takes part
and ``count`` is the number of real pixels in the window:

    out[n, oh, ow, c] = (sum over the window of x[n, h, w, c]) / count   (summed in row-major order)
    dx[n, h, w, c]   += dout[n, oh, ow, c] / count   for every (h, w) of the window
"""
import numpy as np

from .maxpool2d import _geometry, _window


def _windows(x, pool_size, strides, padding):
    """Every window of the pooling, in (oh, ow) order: (oh, ow, rows, columns), with the input
    rows and columns it covers, clipped to the input."""
    (KH, KW), (SH, SW), (OH, OW), (pad_top, pad_left) = _geometry(x, pool_size, strides, padding)
    _, H, W, _ = x.shape
    for oh in range(OH):
        for ow in range(OW):
            yield oh, ow, _window(oh, SH, pad_top, KH, H), _window(ow, SW, pad_left, KW, W)


def average_pooling2d_forward(x, pool_size=2, strides=None, padding="valid"):
    """The mean of the real pixels of each window, summed in row-major order.

    Parameters
    ----------
    x : ndarray, (N, H, W, C)
    pool_size, strides, padding
        As for :func:`fastcnn.kernels.average_pooling2d_forward`, whose specification this is.

    Returns
    -------
    out : ndarray, (N, OH, OW, C), x's dtype
    """
    _, _, (OH, OW), _ = _geometry(x, pool_size, strides, padding)
    N, _, _, C = x.shape
    out = np.empty((N, OH, OW, C), dtype=x.dtype)
    for n in range(N):
        for oh, ow, rows, columns in _windows(x, pool_size, strides, padding):
            count = x.dtype.type(len(rows) * len(columns))
            for c in range(C):
                total = x.dtype.type(0)
                for h in rows:
                    for w in columns:
                        total += x[n, h, w, c]
                out[n, oh, ow, c] = total / count
    return out


def average_pooling2d_backward(dout, x, pool_size=2, strides=None, padding="valid"):
    """dL/dx: each dout element divided by its window's count, added to every real pixel of the window.

    Parameters
    ----------
    dout : ndarray, (N, OH, OW, C)
    x, pool_size, strides, padding
        As for :func:`fastcnn.kernels.average_pooling2d_backward`, whose specification this is.

    Returns
    -------
    dx : ndarray, (N, H, W, C), x's dtype
    """
    N, _, _, C = x.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for oh, ow, rows, columns in _windows(x, pool_size, strides, padding):
            count = x.dtype.type(len(rows) * len(columns))
            for c in range(C):
                share = dout[n, oh, ow, c] / count
                for h in rows:
                    for w in columns:
                        dx[n, h, w, c] += share
    return dx
