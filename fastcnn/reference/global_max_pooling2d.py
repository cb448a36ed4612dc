"""Plain-loop twin of :mod:`fastcnn.kernels.global_max_pooling2d`: the readable specification.

    out[n, c]       = max over h, w of x[n, h, w, c]             (a NaN makes it NaN)
    dx[n, h, w, c]  = dout[n, c] at the first maximum of x[n, :, :, c] (row-major order), else 0
"""
import numpy as np

from .maxpool2d import _first_maximum


def global_max_pooling2d_forward(x):
    """The maximum of each channel over the image (NaN if the channel holds one).

    Parameters
    ----------
    x : ndarray, (N, H, W, C), H, W >= 1
        As for :func:`fastcnn.kernels.global_max_pooling2d_forward`, whose specification this is.

    Returns
    -------
    out : ndarray, (N, C), x's dtype
        x[n, h, w, c] at the first maximum (h, w) of channel c, in row-major order.
    """
    N, H, W, C = x.shape
    out = np.empty((N, C), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            h, w = _first_maximum(x, n, range(H), range(W), c)
            out[n, c] = x[n, h, w, c]
    return out


def global_max_pooling2d_backward(dout, x, out):
    """dL/dx: each dout element at its channel's first maximum (row-major order), found again in ``x``.

    Parameters
    ----------
    dout, x, out
        As for :func:`fastcnn.kernels.global_max_pooling2d_backward`, whose specification this is
        (``out`` is not read: the twin finds each maximum without it).

    Returns
    -------
    dx : ndarray, (N, H, W, C), x's dtype
        0 but at the first maximum of each channel.
    """
    N, H, W, C = x.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            h, w = _first_maximum(x, n, range(H), range(W), c)
            dx[n, h, w, c] = dout[n, c]
    return dx
