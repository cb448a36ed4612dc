"""Plain-loop twin of :mod:`fastcnn.kernels.global_average_pooling2d`: the readable specification.

    out[n, c]       = (sum over h, w of x[n, h, w, c]) / (H*W)   (summed in row-major order)
    dx[n, h, w, c]  = dout[n, c] / (H*W)
"""
import numpy as np


def global_average_pooling2d_forward(x):
    """The mean of each channel over the image, summed in row-major order.

    Parameters
    ----------
    x : ndarray, (N, H, W, C)
        As for :func:`fastcnn.kernels.global_average_pooling2d_forward`, whose specification this is.

    Returns
    -------
    out : ndarray, (N, C), x's dtype
    """
    N, H, W, C = x.shape
    out = np.empty((N, C), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            total = x.dtype.type(0)
            for h in range(H):
                for w in range(W):
                    total += x[n, h, w, c]
            out[n, c] = total / x.dtype.type(H * W)
    return out


def global_average_pooling2d_backward(dout, x):
    """dL/dx: dout[n, c] / (H*W) at every pixel.

    Parameters
    ----------
    dout : ndarray, (N, C)
    x : ndarray, (N, H, W, C)
        As for :func:`fastcnn.kernels.global_average_pooling2d_backward`, whose specification this is.

    Returns
    -------
    dx : ndarray, (N, H, W, C), x's dtype
        One value per channel of a sample.
    """
    N, H, W, C = x.shape
    dx = np.empty_like(x)
    for n in range(N):
        for c in range(C):
            share = dout[n, c] / x.dtype.type(H * W)
            for h in range(H):
                for w in range(W):
                    dx[n, h, w, c] = share
    return dx
