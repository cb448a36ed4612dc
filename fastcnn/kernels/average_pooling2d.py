"""2-D average pooling (Keras ``AveragePooling2D``) and its gradient, NHWC layout.

Math (see docs/math/average_pooling2d.md).  The windows are maxpool2d's (its
``_pool_geometry`` and ``_window_range``): window (oh, ow) covers the input
rows ``oh*SH - pad_top ... oh*SH - pad_top + KH - 1`` (likewise for columns),
clipped to the input; ``count[oh, ow]`` is the number of real pixels in it:
KH*KW with ``"valid"`` padding, fewer at the borders with ``"same"`` (padding
is not counted, as in TensorFlow's avg_pool).

    forward:   out[n, oh, ow, c] = (sum over the window of x[n, h, w, c]) / count[oh, ow]
               (summed in x's dtype, in row-major (h, w) order)
    backward:  dx[n, h, w, c] = sum of G[n, oh, ow, c] / count[oh, ow] over every
               window that holds (h, w), in (oh, ow) order   (G = dL/d out; windows may overlap)

Shapes: x (N, H, W, C), out (N, OH, OW, C).
"""
import numpy as np
from numba import prange

from .._jit import kernel, parallel_kernel
from ._validate import expect_shape, float_array, same_dtype
from .maxpool2d import _pool_forward, _pool_geometry, _window_range


@parallel_kernel
def _average_pooling2d_forward(x, KH, KW, SH, SW, pad_top, pad_left, out):
    """Fill ``out`` with window means; each (sample, output row) pair writes only its own row of ``out``."""
    N, H, W, C = x.shape
    OH, OW = out.shape[1], out.shape[2]
    zero = out.dtype.type(0)
    for item in prange(N * OH):  # (sample, output row) pairs: a small batch still splits over the threads
        n, oh = item // OH, item % OH
        h_start, h_stop = _window_range(oh, SH, pad_top, KH, H)
        for ow in range(OW):
            w_start, w_stop = _window_range(ow, SW, pad_left, KW, W)
            count = out.dtype.type((h_stop - h_start) * (w_stop - w_start))  # real pixels only
            for c in range(C):
                out[n, oh, ow, c] = zero
            for h in range(h_start, h_stop):
                for w in range(w_start, w_stop):
                    for c in range(C):
                        out[n, oh, ow, c] += x[n, h, w, c]
            for c in range(C):
                out[n, oh, ow, c] = out[n, oh, ow, c] / count


def average_pooling2d_forward(x, pool_size=2, strides=None, padding="valid"):
    """Average-pool a batch: x (N, H, W, C) -> out (N, OH, OW, C), the mean of each window's real pixels.

    Parameters
    ----------
    x : ndarray, (N, H, W, C) float32 or float64
    pool_size, strides, padding
        The windows, as for :func:`~fastcnn.kernels.maxpool2d_forward`: (KH, KW), (SH, SW)
        (None: ``pool_size``, as in Keras) and ``"valid"`` or ``"same"``, whose padded cells
        are not counted in the means.

    Returns
    -------
    out : ndarray, (N, OH, OW, C), x's dtype
        The window means.
    """
    return _pool_forward(_average_pooling2d_forward, *_pool_geometry(x, pool_size, strides, padding))


@kernel
def _windows_holding(i, stride, pad_before, size_k, size_out):
    """[first, stop) of the windows whose (unclipped) range ``o*stride - pad_before ...
    o*stride - pad_before + size_k - 1`` holds input index ``i``, along one axis."""
    first = max(-((size_k - 1 - i - pad_before) // stride), 0)  # ceil((i + pad_before - size_k + 1) / stride)
    return first, min((i + pad_before) // stride + 1, size_out)


@parallel_kernel
def _average_pooling2d_backward(dout, KH, KW, SH, SW, pad_top, pad_left, dx):
    """dx[n, h, w, :] = the sum of the shares of the windows that hold (h, w), gathered in
    (oh, ow) order; each (sample, input row) pair writes only its own row of ``dx``."""
    N, H, W, C = dx.shape
    OH, OW = dout.shape[1], dout.shape[2]
    zero = dx.dtype.type(0)
    for item in prange(N * H):
        n, h = item // H, item % H
        oh_first, oh_stop = _windows_holding(h, SH, pad_top, KH, OH)
        for w in range(W):
            ow_first, ow_stop = _windows_holding(w, SW, pad_left, KW, OW)
            for c in range(C):
                dx[n, h, w, c] = zero
            for oh in range(oh_first, oh_stop):
                h_start, h_stop = _window_range(oh, SH, pad_top, KH, H)
                for ow in range(ow_first, ow_stop):
                    w_start, w_stop = _window_range(ow, SW, pad_left, KW, W)
                    count = dx.dtype.type((h_stop - h_start) * (w_stop - w_start))
                    for c in range(C):
                        dx[n, h, w, c] += dout[n, oh, ow, c] / count


def average_pooling2d_backward(dout, x, pool_size=2, strides=None, padding="valid"):
    """Gradient of :func:`average_pooling2d_forward`.

    Parameters
    ----------
    dout : ndarray, (N, OH, OW, C)
        dL/d out, where out = average_pooling2d_forward(x, pool_size, strides, padding).
    x, pool_size, strides, padding
        The forward's input and arguments (of x only the shape and dtype are read: the mean is linear).

    Returns
    -------
    dx : ndarray, (N, H, W, C), x's dtype
        dL/dx: each window's gradient divided by its count, added to each of its real pixels.
    """
    x, window, out_shape = _pool_geometry(x, pool_size, strides, padding)
    dout = float_array(dout, 4, "dout")
    same_dtype(dout=dout, x=x)
    expect_shape(dout, out_shape, "dout")
    dx = np.empty_like(x)
    _average_pooling2d_backward(dout, *window, dx)
    return dx
