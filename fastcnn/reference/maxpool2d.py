"""Plain-NumPy twin of :mod:`fastcnn.kernels.maxpool2d`.

Pads with -inf, views every window with ``sliding_window_view`` and takes
the ``max`` over the flattened window.  The argmax is the first element (in
row-major order, the kernel's tie rule) that equals the maximum and is not
padding, so padding never wins even when the window holds only -inf.
"""
import numpy as np

from ..geometry import normalize_pair, normalize_padding, window_geometry


def maxpool2d_forward(x, pool_size=2, strides=None, padding="valid"):
    """x (N, H, W, C) -> (out, argmax), both (N, OH, OW, C); argmax = h * W + w."""
    KH, KW = normalize_pair(pool_size, "pool_size")
    SH, SW = (KH, KW) if strides is None else normalize_pair(strides, "strides")
    N, H, W, C = x.shape
    OH, OW, pad_h, pad_w = window_geometry(H, W, KH, KW, SH, SW, normalize_padding(padding))
    xp = np.pad(x, ((0, 0), pad_h, pad_w, (0, 0)), constant_values=-np.inf)
    valid = np.pad(np.ones((H, W), bool), (pad_h, pad_w))  # False on the padding
    # windows[n, i, j, c, kh, kw]: all stride-1 windows, then keep every S-th
    windows = np.lib.stride_tricks.sliding_window_view(xp, (KH, KW), axis=(1, 2))
    windows = windows[:, ::SH, ::SW][:, :OH, :OW]
    flat = windows.reshape(N, OH, OW, C, KH * KW)
    valid_flat = np.lib.stride_tricks.sliding_window_view(valid, (KH, KW))[::SH, ::SW][:OH, :OW]
    valid_flat = valid_flat.reshape(1, OH, OW, 1, KH * KW)
    out = flat.max(axis=-1)  # -inf padding never exceeds a real value; NaN propagates
    # the first real (not padding) element equal to the maximum
    is_max = (flat == out[..., None]) | (np.isnan(flat) & np.isnan(out[..., None]))
    first_max = np.argmax(is_max & valid_flat, axis=-1)
    # window (oh, ow) starts at padded row oh*SH, i.e. input row oh*SH - pad_top
    kh, kw = np.divmod(first_max, KW)
    h = np.arange(OH)[None, :, None, None] * SH + kh - pad_h[0]
    w = np.arange(OW)[None, None, :, None] * SW + kw - pad_w[0]
    return out, (h * W + w).astype(np.int64)


def maxpool2d_backward(dout, argmax, input_shape):
    """dx (input_shape): each dout element added at its window's argmax."""
    N, H, W, C = input_shape
    dx = np.zeros((N, H * W, C), dtype=dout.dtype)
    n = np.arange(N)[:, None, None, None]
    c = np.arange(C)[None, None, None, :]
    np.add.at(dx, (np.broadcast_to(n, dout.shape), argmax, np.broadcast_to(c, dout.shape)), dout)
    return dx.reshape(N, H, W, C)
