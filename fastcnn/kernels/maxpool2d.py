"""2-D max pooling (Keras ``MaxPooling2D``) and its gradient, NHWC layout.

Math (see docs/math/maxpool2d.md).  Window (oh, ow) covers the input rows
``oh*SH - pad_top ... oh*SH - pad_top + KH - 1`` (likewise for columns),
clipped to the input: padding never wins a maximum.

    forward:   out[n, oh, ow, c]    = max over the window of x[n, h, w, c]
               argmax[n, oh, ow, c] = h * W + w of the FIRST maximal element
                                      (row-major order inside the window;
                                      a NaN counts as the maximum, like np.max)
    backward:  dx[n, h, w, c] = sum of G[n, oh, ow, c] over every window whose
               argmax is (h, w)      (G = dL/d out; windows may overlap)

Shapes: x (N, H, W, C), out and argmax (N, OH, OW, C), argmax is int64.
"""
import numpy as np
from numba import prange

from .._jit import parallel_kernel
from ..geometry import normalize_pair, normalize_padding, window_geometry
from ..errors import ShapeError
from ._validate import expect_shape, float_array


@parallel_kernel
def _maxpool2d_forward(x, KH, KW, SH, SW, pad_top, pad_left, out, argmax):
    """Fill ``out`` with window maxima and ``argmax`` with their flat h*W + w."""
    N, H, W, C = x.shape
    _, OH, OW, _ = out.shape
    for n in prange(N):
        for oh in range(OH):
            h_start = max(oh * SH - pad_top, 0)
            h_stop = min(oh * SH - pad_top + KH, H)
            for ow in range(OW):
                w_start = max(ow * SW - pad_left, 0)
                w_stop = min(ow * SW - pad_left + KW, W)
                best = out[n, oh, ow]
                best_at = argmax[n, oh, ow]
                # The window's first element starts as the maximum; a later
                # element replaces it only if strictly larger, so ties go to
                # the first maximal element in row-major order.  A NaN wins
                # over any number (like np.max) and the first NaN stays.
                for c in range(C):
                    best[c] = x[n, h_start, w_start, c]
                    best_at[c] = h_start * W + w_start
                for h in range(h_start, h_stop):
                    for w in range(w_start, w_stop):
                        for c in range(C):
                            value = x[n, h, w, c]
                            if value > best[c] or (np.isnan(value) and not np.isnan(best[c])):
                                best[c] = value
                                best_at[c] = h * W + w


def maxpool2d_forward(x, pool_size=2, strides=None, padding="valid"):
    """Max-pool a batch: x (N, H, W, C) -> ``(out, argmax)``, both (N, OH, OW, C).

    ``strides`` defaults to ``pool_size`` (Keras).  ``argmax`` records where
    each maximum came from; :func:`maxpool2d_backward` routes gradients there.
    """
    (KH, KW), (SH, SW), padding = _pool_arguments(pool_size, strides, padding)
    x = float_array(x, 4, "x")
    N, H, W, C = x.shape
    OH, OW, (pad_top, _), (pad_left, _) = window_geometry(H, W, KH, KW, SH, SW, padding, what="pool window")
    out = np.empty((N, OH, OW, C), dtype=x.dtype)
    argmax = np.empty((N, OH, OW, C), dtype=np.int64)
    _maxpool2d_forward(x, KH, KW, SH, SW, pad_top, pad_left, out, argmax)
    return out, argmax


@parallel_kernel
def _maxpool2d_backward(dout, argmax, dx):
    """Add each dout element into dx at its window's argmax (dx arrives zeroed)."""
    N, OH, OW, C = dout.shape
    W = dx.shape[2]
    for n in prange(N):
        for oh in range(OH):
            for ow in range(OW):
                for c in range(C):
                    at = argmax[n, oh, ow, c]
                    dx[n, at // W, at % W, c] += dout[n, oh, ow, c]


def maxpool2d_backward(dout, argmax, input_shape):
    """Gradient of :func:`maxpool2d_forward`: dL/dx with shape ``input_shape``.

    ``dout`` is dL/d out, ``argmax`` the second result of the forward pass.
    """
    dout = float_array(dout, 4, "dout")
    input_shape = tuple(int(s) for s in input_shape)
    if len(input_shape) != 4:
        raise ShapeError(f"input_shape must be (N, H, W, C), got {input_shape}")
    if not isinstance(argmax, np.ndarray) or argmax.dtype != np.int64:
        raise ShapeError("argmax must be the int64 array returned by maxpool2d_forward")
    expect_shape(argmax, dout.shape, "argmax")
    N, H, W, C = input_shape
    if dout.shape[0] != N or dout.shape[3] != C:
        raise ShapeError(f"dout shape {dout.shape} does not match input_shape {input_shape}")
    if argmax.size and (argmax.min() < 0 or argmax.max() >= H * W):
        raise ShapeError(f"argmax holds positions outside the {H}x{W} input")
    dx = np.zeros(input_shape, dtype=dout.dtype)
    _maxpool2d_backward(dout, np.ascontiguousarray(argmax), dx)
    return dx


def _pool_arguments(pool_size, strides, padding):
    pool = normalize_pair(pool_size, "pool_size")
    step = pool if strides is None else normalize_pair(strides, "strides")
    return pool, step, normalize_padding(padding)
