"""Sliding-window geometry shared by convolution and pooling.

Symbols (used the same way in every kernel, reference twin and doc page):

    N       batch size
    H, W    input height and width
    C_in    input channels,  C_out  output channels (filters)
    KH, KW  window (kernel or pool) height and width
    SH, SW  strides ("S" when both are meant)
    OH, OW  output height and width

Padding follows TensorFlow/Keras exactly:

* ``"valid"``: no padding, ``OH = floor((H - KH) / SH) + 1``.
* ``"same"``:  ``OH = ceil(H / SH)``; the total padding along H is
  ``max((OH - 1) * SH + KH - H, 0)``; ``floor(total / 2)`` rows go on top and
  the rest (the extra row, when the total is odd) at the bottom.  Likewise for W.
"""
from .errors import InvalidArgumentError, ShapeError

PADDINGS = ("valid", "same")


def normalize_pair(value, name):
    """Turn ``3`` or ``(3, 3)`` into a pair of positive ints, or raise.

    Parameters
    ----------
    value : int or pair of int
    name : str
        How the error message calls it (``"kernel_size"``, ``"strides"``, ...).

    Returns
    -------
    (int, int)
    """
    if isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be a positive int or a pair of them, got {value!r}")
    if isinstance(value, int):
        pair = (value, value)
    else:
        try:
            pair = tuple(value)
        except TypeError:
            raise InvalidArgumentError(
                f"{name} must be a positive int or a pair of them, got {value!r}"
            ) from None
        if len(pair) != 2:
            raise InvalidArgumentError(f"{name} must be a positive int or a pair of them, got {value!r}")
    for item in pair:
        if isinstance(item, bool) or not isinstance(item, int) or item < 1:
            raise InvalidArgumentError(
                f"{name} must be a positive int or a pair of them, got {value!r}"
            )
    return (int(pair[0]), int(pair[1]))


def normalize_padding(padding):
    """Check ``padding`` is ``"valid"`` or ``"same"`` (case-insensitive).

    Parameters
    ----------
    padding : str

    Returns
    -------
    {"valid", "same"}
        Lower-cased.
    """
    if not isinstance(padding, str) or padding.lower() not in PADDINGS:
        raise InvalidArgumentError(f"padding must be 'valid' or 'same', got {padding!r}")
    return padding.lower()


def output_length(size, window, stride, padding):
    """Output length along one axis (``OH`` from ``H, KH, SH``).

    Parameters
    ----------
    size, window, stride : int
        ``H``, ``KH``, ``SH`` (or ``W``, ``KW``, ``SW``).
    padding : {"valid", "same"}

    Returns
    -------
    int
        ``ceil(size / stride)`` for ``same``, ``(size - window) // stride + 1`` for ``valid``.
    """
    if padding == "same":
        return -(-size // stride)  # ceil(size / stride)
    return (size - window) // stride + 1


def padding_amounts(size, window, stride, padding):
    """``(before, after)`` padding along one axis, TensorFlow's rule.

    Parameters
    ----------
    size, window, stride, padding
        As for :func:`output_length`.

    Returns
    -------
    (int, int)
        Rows (columns) before and after; the odd one goes after.
    """
    if padding == "valid":
        return (0, 0)
    out = output_length(size, window, stride, padding)
    total = max((out - 1) * stride + window - size, 0)
    return (total // 2, total - total // 2)


def window_geometry(H, W, KH, KW, SH, SW, padding, what="window"):
    """All sizes a sliding-window op needs.

    Returns ``(OH, OW, (pad_top, pad_bottom), (pad_left, pad_right))`` and
    raises :class:`ShapeError` when the window does not fit (``valid`` padding
    with a window larger than the input).

    Parameters
    ----------
    H, W : int
        Input height and width.
    KH, KW : int
        Window height and width.
    SH, SW : int
        Strides.
    padding : {"valid", "same"}
    what : str, default "window"
        How the error message calls the window (``"kernel"``, ``"pool window"``).

    Returns
    -------
    OH, OW : int
    pad_h, pad_w : (int, int)
        ``(pad_top, pad_bottom)`` and ``(pad_left, pad_right)``.
    """
    if padding == "valid" and (KH > H or KW > W):
        raise ShapeError(
            f"{what} {KH}x{KW} is larger than the {H}x{W} input (padding='valid')"
        )
    OH = output_length(H, KH, SH, padding)
    OW = output_length(W, KW, SW, padding)
    return OH, OW, padding_amounts(H, KH, SH, padding), padding_amounts(W, KW, SW, padding)


def image_output_size(input_shape, window, strides, padding, what, owner):
    """(OH, OW) of a window sliding over one image of ``input_shape``, or a ShapeError naming ``owner``.

    Parameters
    ----------
    input_shape : tuple of int
        One sample's shape; must be (H, W, C).
    window, strides : (int, int)
        (KH, KW) and (SH, SW).
    padding : {"valid", "same"}
    what : str
        How the error message calls the window (``"kernel"``, ``"pool window"``).
    owner : str
        Who is asking, for the error message (a layer's ``describe()``).

    Returns
    -------
    OH, OW : int
    """
    if len(input_shape) != 3:
        raise ShapeError(f"{owner} expects images (H, W, C), got input shape {tuple(input_shape)}")
    H, W, _ = input_shape
    try:
        OH, OW, _, _ = window_geometry(H, W, *window, *strides, padding, what=what)
    except ShapeError as error:
        raise ShapeError(f"{owner}: {error}") from None
    return OH, OW
