"""Plain-NumPy twin of :mod:`fastcnn.kernels.maxpool2d`.

Pads with -inf, views every window with ``sliding_window_view`` and takes
the ``max`` over the flattened window (NaN propagates, as in the kernel).
The backward pass finds, in each window, the first element (row-major order,
the kernel's tie rule) that equals the maximum and is not padding, and adds
the window's gradient there with ``np.add.at`` (windows may overlap).
"""
import numpy as np

from ..geometry import normalize_pair, normalize_padding, window_geometry


def _windows(x, pool_size, strides, padding):
    KH, KW = normalize_pair(pool_size, "pool_size")
    SH, SW = (KH, KW) if strides is None else normalize_pair(strides, "strides")
    N, H, W, C = x.shape
    OH, OW, pad_h, pad_w = window_geometry(H, W, KH, KW, SH, SW, normalize_padding(padding))
    xp = np.pad(x, ((0, 0), pad_h, pad_w, (0, 0)), constant_values=-np.inf)
    # windows[n, i, j, c, kh, kw]: all stride-1 windows, then keep every S-th
    windows = np.lib.stride_tricks.sliding_window_view(xp, (KH, KW), axis=(1, 2))[:, ::SH, ::SW][:, :OH, :OW]
    valid = np.pad(np.ones((H, W), bool), (pad_h, pad_w))  # False on the padding
    valid = np.lib.stride_tricks.sliding_window_view(valid, (KH, KW))[::SH, ::SW][:OH, :OW]
    return (windows.reshape(N, OH, OW, C, KH * KW), valid.reshape(1, OH, OW, 1, KH * KW),
            (KH, KW, SH, SW, OH, OW, pad_h[0], pad_w[0]))


def maxpool2d_forward(x, pool_size=2, strides=None, padding="valid"):
    """x (N, H, W, C) -> out (N, OH, OW, C), the maximum of each window."""
    flat, _, _ = _windows(x, pool_size, strides, padding)
    return flat.max(axis=-1)  # -inf padding never exceeds a real value; NaN propagates


def maxpool2d_backward(dout, x, out, pool_size=2, strides=None, padding="valid"):
    """dx (like x): each dout element added at its window's first maximum."""
    flat, valid, (KH, KW, SH, SW, OH, OW, pad_top, pad_left) = _windows(x, pool_size, strides, padding)
    is_max = (flat == out[..., None]) | (np.isnan(flat) & np.isnan(out[..., None]))
    first = np.argmax(is_max & valid, axis=-1)  # argmax of booleans: the first True
    kh, kw = np.divmod(first, KW)
    h = np.arange(OH)[None, :, None, None] * SH + kh - pad_top
    w = np.arange(OW)[None, None, :, None] * SW + kw - pad_left
    N, H, W, C = x.shape
    n = np.broadcast_to(np.arange(N)[:, None, None, None], dout.shape)
    c = np.broadcast_to(np.arange(C)[None, None, None, :], dout.shape)
    dx = np.zeros_like(x)
    np.add.at(dx, (n, h, w, c), dout)
    return dx
