"""Global 2-D max pooling (Keras ``GlobalMaxPooling2D``) and its gradient, NHWC layout.

Math (see docs/math/global_max_pooling2d.md): the maximum of each channel
over the whole image, i.e. maxpool2d with one window of KH = H, KW = W, so
maxpool2d's loops serve here, with the same NaN and tie rules.

    forward:   out[n, c] = max over h, w of x[n, h, w, c]
               (a NaN in the image makes the maximum NaN, like np.max)
    backward:  dx[n, h, w, c] = G[n, c] if (h, w) is the FIRST maximal element
               of x[n, :, :, c] in row-major (h, w) order, else 0   (G = dL/d out)

Like maxpool2d (and TensorFlow), the backward gets the forward's input and
output and finds each maximum again instead of the forward storing where it
was.  x is (N, H, W, C), out (N, C); the layer reshapes out to (N, 1, 1, C)
for Keras's ``keepdims=True``.
"""
import numpy as np

from ._validate import expect_shape, float_array, same_dtype
from .maxpool2d import _global_geometry, _maxpool2d_backward, _maxpool2d_forward, _pool_forward


def global_max_pooling2d_forward(x):
    """The maximum of each channel over the image.

    Parameters
    ----------
    x : ndarray, (N, H, W, C) float32 or float64, H, W >= 1

    Returns
    -------
    out : ndarray, (N, C), x's dtype
        out[n, c] = max of x[n, :, :, c]; NaN if that holds a NaN.
    """
    x, window, out_shape = _global_geometry(x)
    return _pool_forward(_maxpool2d_forward, x, window, out_shape).reshape(len(x), x.shape[3])


def global_max_pooling2d_backward(dout, x, out):
    """Gradient of :func:`global_max_pooling2d_forward`.

    Parameters
    ----------
    dout : ndarray, (N, C)
        dL/d out, where out = global_max_pooling2d_forward(x).
    x, out : ndarray, (N, H, W, C) and (N, C)
        The forward's input and output: the backward searches each channel
        of ``x`` for ``out`` again (as maxpool2d_backward does).

    Returns
    -------
    dx : ndarray, (N, H, W, C), x's dtype
        dL/dx: dout[n, c] at the first maximum of channel c of sample n
        (row-major order), 0 elsewhere.
    """
    x, window, out_shape = _global_geometry(x)
    out = float_array(out, 2, "out")
    dout = float_array(dout, 2, "dout")
    same_dtype(dout=dout, x=x, out=out)
    expect_shape(out, (len(x), x.shape[3]), "out")
    expect_shape(dout, (len(x), x.shape[3]), "dout")
    dx = np.zeros_like(x)
    _maxpool2d_backward(dout.reshape(out_shape), x, out.reshape(out_shape), *window, dx)
    return dx
