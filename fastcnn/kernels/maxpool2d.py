"""2-D max pooling (Keras ``MaxPooling2D``) and its gradient, NHWC layout.

Math (see docs/math/maxpool2d.md).  Window (oh, ow) covers the input rows
``oh*SH - pad_top ... oh*SH - pad_top + KH - 1`` (likewise for columns),
clipped to the input: padding never wins a maximum.

    forward:   out[n, oh, ow, c] = max over the window of x[n, h, w, c]
               (a NaN in the window makes the maximum NaN, like np.max)
    backward:  dx[n, h, w, c] = sum of G[n, oh, ow, c] over every window whose
               FIRST maximal element (row-major order inside the window) is
               (h, w)          (G = dL/d out; windows may overlap)

Like TensorFlow's MaxPoolGrad, the backward pass gets the forward's input and
output and finds each window's maximum again, instead of the forward storing
an index per output: the forward then is a pure, branch-free maximum
(several times faster), and only windows with a non-zero gradient are searched.

Shapes: x (N, H, W, C), out (N, OH, OW, C).
"""
import numpy as np
from numba import prange

from .._jit import kernel, parallel_kernel
from ..errors import ShapeError
from ..geometry import normalize_pair, normalize_padding, window_geometry
from ._validate import expect_shape, float_array, same_dtype


@kernel
def _window_range(o, stride, pad_before, size_k, size):
    """[start, stop) of window ``o`` along one axis, clipped to the input
    (padding is never visited, so it can never win a maximum)."""
    start = o * stride - pad_before
    return max(start, 0), min(start + size_k, size)


@parallel_kernel
def _maxpool2d_forward(x, KH, KW, SH, SW, pad_top, pad_left, out):
    """Fill ``out`` with window maxima; each (sample, output row) pair writes only its own row of ``out``.

    Written without branches (``a if condition else b`` becomes a select
    instruction): the comparisons depend on the data, so branches would be
    mispredicted half of the time.
    """
    N, H, W, C = x.shape
    OH, OW = out.shape[1], out.shape[2]
    for item in prange(N * OH):  # (sample, output row) pairs: a small batch still splits over the threads
        n, oh = item // OH, item % OH
        h_start, h_stop = _window_range(oh, SH, pad_top, KH, H)
        for ow in range(OW):
            w_start, w_stop = _window_range(ow, SW, pad_left, KW, W)
            for c in range(C):
                out[n, oh, ow, c] = x[n, h_start, w_start, c]
            for h in range(h_start, h_stop):
                for w in range(w_start, w_stop):
                    for c in range(C):
                        value = x[n, h, w, c]
                        best = out[n, oh, ow, c]
                        # a NaN wins (value != value), and stays: NaN > anything is False
                        out[n, oh, ow, c] = value if (value > best or value != value) else best


def maxpool2d_forward(x, pool_size=2, strides=None, padding="valid"):
    """Max-pool a batch: x (N, H, W, C) -> out (N, OH, OW, C).

    Parameters
    ----------
    x : ndarray, (N, H, W, C) float32 or float64
    pool_size : int or (int, int), default 2
        (KH, KW).
    strides : int or (int, int), optional
        (SH, SW); defaults to ``pool_size`` (Keras).
    padding : {"valid", "same"}

    Returns
    -------
    out : ndarray, (N, OH, OW, C), x's dtype
    """
    return _pool_forward(_maxpool2d_forward, *_pool_geometry(x, pool_size, strides, padding))


@kernel
def _window_argmax(x, n, h_start, h_stop, w_start, w_stop, c, best):
    """(h, w) of the first element of the window equal to ``best`` (its
    maximum; for a NaN maximum, the first NaN), in row-major order.

    The window is scanned backwards keeping the last match seen, which is
    the first match in forward order; written with selects, not an early
    return, because which element matches is unpredictable (branches would
    be mispredicted)."""
    at_h, at_w = h_start, w_start
    for h in range(h_stop - 1, h_start - 1, -1):
        for w in range(w_stop - 1, w_start - 1, -1):
            value = x[n, h, w, c]
            match = value == best or (value != value and best != best)
            at_h = h if match else at_h
            at_w = w if match else at_w
    return at_h, at_w


@parallel_kernel
def _maxpool2d_backward(dout, x, out, KH, KW, SH, SW, pad_top, pad_left, dx):
    """Add each non-zero dout element into dx at its window's first maximum
    (dx arrives zeroed; sample n writes only dx[n])."""
    N, H, W, C = x.shape
    _, OH, OW, _ = dout.shape
    for n in prange(N):
        for oh in range(OH):
            h_start, h_stop = _window_range(oh, SH, pad_top, KH, H)
            for ow in range(OW):
                w_start, w_stop = _window_range(ow, SW, pad_left, KW, W)
                for c in range(C):
                    g = dout[n, oh, ow, c]
                    if g != 0:
                        h, w = _window_argmax(x, n, h_start, h_stop, w_start, w_stop, c, out[n, oh, ow, c])
                        dx[n, h, w, c] += g


def maxpool2d_backward(dout, x, out, pool_size=2, strides=None, padding="valid"):
    """Gradient of :func:`maxpool2d_forward`.

    Parameters
    ----------
    dout : ndarray, (N, OH, OW, C)
        dL/d out, where out = maxpool2d_forward(x, pool_size, strides, padding).
    x, out, pool_size, strides, padding
        The forward's input, output and arguments: the backward searches each window of ``x``
        for ``out`` again (TensorFlow's MaxPoolGrad does the same).

    Returns
    -------
    dx : ndarray, (N, H, W, C)
        dL/dx: each window's gradient at its first maximum.
    """
    x, window, out_shape = _pool_geometry(x, pool_size, strides, padding)
    out = float_array(out, 4, "out")
    dout = float_array(dout, 4, "dout")
    same_dtype(dout=dout, x=x, out=out)
    expect_shape(out, out_shape, "out")
    expect_shape(dout, out_shape, "dout")
    dx = np.zeros_like(x)
    _maxpool2d_backward(dout, x, out, *window, dx)
    return dx


# The window arguments and sizes of every pooling kernel (average_pooling2d and the global pools use them too).

def _pool_arguments(pool_size, strides, padding):
    pool = normalize_pair(pool_size, "pool_size")
    step = pool if strides is None else normalize_pair(strides, "strides")
    return pool, step, normalize_padding(padding)


def _pool_geometry(x, pool_size, strides, padding):
    """What a pooling kernel needs, after checking the arguments: ``x`` as a float array,
    the window ``(KH, KW, SH, SW, pad_top, pad_left)`` and the output shape (N, OH, OW, C)."""
    (KH, KW), (SH, SW), padding = _pool_arguments(pool_size, strides, padding)
    x = float_array(x, 4, "x")
    N, H, W, C = x.shape
    OH, OW, (pad_top, _), (pad_left, _) = window_geometry(H, W, KH, KW, SH, SW, padding, what="pool window")
    return x, (KH, KW, SH, SW, pad_top, pad_left), (N, OH, OW, C)


def _global_geometry(x):
    """:func:`_pool_geometry` for global pooling, one H x W window per image (an empty image is refused:
    its window would have no first element); the output shape is (N, 1, 1, C)."""
    x = float_array(x, 4, "x")
    N, H, W, C = x.shape
    if H == 0 or W == 0:
        raise ShapeError(f"x must hold at least one pixel per image, got shape {x.shape}")
    return x, (H, W, H, W, 0, 0), (N, 1, 1, C)


def _pool_forward(loop, x, window, out_shape):
    """``out`` (``out_shape``, x's dtype) filled by ``loop``, a pooling forward kernel, over ``window``."""
    out = np.empty(out_shape, dtype=x.dtype)
    loop(x, *window, out)
    return out
