"""Global 2-D average pooling (Keras ``GlobalAveragePooling2D``) and its gradient, NHWC layout.

Math (see docs/math/global_average_pooling2d.md): the mean of each channel
over the whole image, i.e. average_pooling2d with one window of KH = H,
KW = W, so average_pooling2d's loops serve here (every count is H*W).

    forward:   out[n, c] = (sum over h, w of x[n, h, w, c]) / (H*W)
               (summed in x's dtype, in row-major (h, w) order)
    backward:  dx[n, h, w, c] = G[n, c] / (H*W)          (G = dL/d out)

x is (N, H, W, C) and out (N, C); Keras's ``keepdims=True`` output (N, 1, 1, C)
is the same numbers, reshaped by the layer.
"""
import numpy as np

from ._validate import expect_shape, float_array, same_dtype
from .average_pooling2d import _average_pooling2d_backward, _average_pooling2d_forward
from .maxpool2d import _global_geometry, _pool_forward


def global_average_pooling2d_forward(x):
    """The mean of each channel over the image.

    Parameters
    ----------
    x : ndarray, (N, H, W, C) float32 or float64
        At least one pixel per image.

    Returns
    -------
    out : ndarray, (N, C), x's dtype
        out[n, c] = the mean of x[n, :, :, c].
    """
    x, window, out_shape = _global_geometry(x)
    return _pool_forward(_average_pooling2d_forward, x, window, out_shape).reshape(len(x), x.shape[3])


def global_average_pooling2d_backward(dout, x):
    """Gradient of :func:`global_average_pooling2d_forward`.

    Parameters
    ----------
    dout : ndarray, (N, C)
        dL/d out, where out = global_average_pooling2d_forward(x).
    x : ndarray, (N, H, W, C)
        The forward's input (only its shape and dtype are read).

    Returns
    -------
    dx : ndarray, (N, H, W, C), x's dtype
        dL/dx: dout[n, c] / (H*W) at every pixel of channel c of sample n.
    """
    x, window, out_shape = _global_geometry(x)
    dout = float_array(dout, 2, "dout")
    same_dtype(dout=dout, x=x)
    expect_shape(dout, (len(x), x.shape[3]), "dout")
    dx = np.empty_like(x)
    _average_pooling2d_backward(dout.reshape(out_shape), *window, dx)
    return dx
