"""What the convolution kernels share: checking their arguments, padding, output sizes."""
import numpy as np

from .._jit import LANES
from ..errors import ShapeError
from ..geometry import normalize_pair, normalize_padding, window_geometry
from ._validate import expect_shape, float_array, same_dtype


def pad_channels(a, axis):
    """``a`` with its channel axis zero-padded to a multiple of LANES (as is, if it is one).

    Parameters
    ----------
    a : ndarray
    axis : int
        The channel axis.

    Returns
    -------
    ndarray
        C-contiguous; the same values, then zeros up to the next multiple of LANES.
    """
    extra = -a.shape[axis] % LANES
    if extra == 0:
        return np.ascontiguousarray(a)
    widths = [(0, 0)] * a.ndim
    widths[axis] = (0, extra)
    return np.pad(a, widths)


def output_size(Hp, Wp, KH, KW, SH, SW):
    """OH, OW of a valid convolution over the already padded input.

    Parameters
    ----------
    Hp, Wp : int
        The padded input's height and width.
    KH, KW : int
        The kernel's height and width.
    SH, SW : int
        The strides.

    Returns
    -------
    OH, OW : int
        ``(Hp - KH) // SH + 1`` and ``(Wp - KW) // SW + 1``.
    """
    return (Hp - KH) // SH + 1, (Wp - KW) // SW + 1


def conv_arguments(x, w, b, strides, padding):
    """Validate a convolution's arguments and zero-pad x for ``padding``.

    Parameters
    ----------
    x : ndarray, (N, H, W, C_in) float32/float64 or uint8 pixels
    w : ndarray, (KH, KW, C_in, C_out), x's float dtype
    b : ndarray, (C_out,), or None
    strides : int or (int, int)
    padding : {"valid", "same"}

    Returns
    -------
    xp : ndarray, (N, Hp, Wp, C_in)
        x zero-padded (x itself, contiguous, when no padding is needed).
    w, b : ndarray
        As checked (b None if it was).
    (SH, SW) : (int, int)
    (pad_top, pad_left) : (int, int)
    """
    SH, SW = normalize_pair(strides, "strides")
    padding = normalize_padding(padding)
    if isinstance(x, np.ndarray) and x.dtype == np.uint8:
        if x.ndim != 4:
            raise ShapeError(f"x must have 4 dimensions, got shape {x.shape}")
        x = np.ascontiguousarray(x)
        w = float_array(w, 4, "kernel")
    else:
        x = float_array(x, 4, "x")
        w = float_array(w, 4, "kernel")
        same_dtype(x=x, kernel=w)
    if b is not None:
        b = float_array(b, 1, "bias")
        same_dtype(kernel=w, bias=b)
        expect_shape(b, (w.shape[3],), "bias")
    N, H, W, C_in = x.shape
    KH, KW, kernel_C_in, _ = w.shape
    if kernel_C_in != C_in:
        raise ShapeError(
            f"kernel expects {kernel_C_in} input channels but x has {C_in} (shape {x.shape})"
        )
    _, _, (pad_top, pad_bottom), (pad_left, pad_right) = window_geometry(
        H, W, KH, KW, SH, SW, padding, what="kernel"
    )
    if pad_top or pad_bottom or pad_left or pad_right:
        x = np.pad(x, ((0, 0), (pad_top, pad_bottom), (pad_left, pad_right), (0, 0)))
    return x, w, b, (SH, SW), (pad_top, pad_left)
