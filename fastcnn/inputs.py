"""What a model accepts as data, checked once per call, and how a batch reaches the first layer.

Images are a NumPy array (N, H, W, C), float (already scaled, e.g. to
[0, 1]) or uint8 pixels (0-255, read as x / 255), or a *row source* from
:mod:`fastcnn.data.disk` (``RowView``: some rows of a larger array;
``DiskArray``: rows of an array on disk), read batch by batch.  Labels are
one-hot (N, classes).
"""
import numpy as np

from .errors import InvalidArgumentError, ShapeError
from .layers.conv2d import Conv2D


def check_images(x, input_shape, name="x"):
    """Return ``x`` if it is a batch of images of ``input_shape``, else raise ShapeError.

    Parameters
    ----------
    x : ndarray or row source, shape (N,) + input_shape, float or uint8
    input_shape : tuple of int
        One sample's shape, e.g. (128, 128, 3).
    name : str
        How error messages call ``x``.

    Returns
    -------
    ndarray or row source
        ``x`` itself.
    """
    if not isinstance(x, np.ndarray) and not getattr(x, "is_row_source", False):
        raise ShapeError(f"{name} must be a NumPy array, got {type(x).__name__}")
    if x.ndim != len(input_shape) + 1 or tuple(x.shape[1:]) != tuple(input_shape):
        expected = ", ".join(map(str, ("N",) + tuple(input_shape)))
        raise ShapeError(f"{name} must have shape ({expected}), got {x.shape}")
    if x.dtype != np.uint8 and not np.issubdtype(x.dtype, np.floating):
        raise ShapeError(
            f"{name} must be float (already scaled, e.g. to [0, 1]) or uint8 pixels (0-255), got dtype {x.dtype}"
        )
    return x


def check_labels(y, n, classes, name="y"):
    """Return ``y`` as an array if it is one-hot (n, classes) with finite numbers, else raise ShapeError.

    Parameters
    ----------
    y : array_like, shape (n, classes)
    n, classes : int
    name : str

    Returns
    -------
    ndarray, (n, classes)
    """
    y = np.asarray(y)
    if y.ndim != 2 or y.shape != (n, classes):
        raise ShapeError(f"{name} must be one-hot with shape ({n}, {classes}), got {y.shape}")
    if not np.issubdtype(y.dtype, np.number) or not np.all(np.isfinite(y)):
        raise ShapeError(f"{name} must hold finite numbers")
    return y


def check_count(value, name, allow_zero=False):
    """``value`` as an int if it is a positive (or, with ``allow_zero``, non-negative) integer.

    Parameters
    ----------
    value : int
    name : str
        How the error message calls it.
    allow_zero : bool

    Returns
    -------
    int
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < (0 if allow_zero else 1):
        raise InvalidArgumentError(f"{name} must be a {'non-negative' if allow_zero else 'positive'} int, got {value!r}")
    return int(value)


def standardization_of(preprocessing):
    """The input standardisation a model's preprocessing asks for.

    Parameters
    ----------
    preprocessing : fastcnn.records.Preprocessing or None

    Returns
    -------
    fastcnn.standardization.Standardization or None
    """
    return getattr(preprocessing, "normalize", None)


def as_model_input(x, first_layer, dtype, standardization=None):
    """A batch as the first layer wants it.

    uint8 pixels mean x / 255 (like torchvision's ToTensor), so images can
    stay uint8 in memory (4x smaller): a first Conv2D reads them as they are
    (its kernel folds the 1/255 into the weights); any other first layer gets
    x / 255 as floats.  Float input is used as given, in the model's dtype.
    With a ``standardization``, the batch is standardised to floats
    ((x / 255 - mean) / std), whatever the first layer.

    Parameters
    ----------
    x : ndarray, shape (N, ...), uint8 or float
    first_layer : Layer
    dtype : numpy dtype
        The model's float dtype.
    standardization : fastcnn.standardization.Standardization or None

    Returns
    -------
    ndarray
        C-contiguous: uint8 for a first Conv2D (without standardisation), else ``dtype``.
    """
    if standardization is not None:
        return standardization.apply(x, dtype)
    if x.dtype == np.uint8:
        if isinstance(first_layer, Conv2D):
            return np.ascontiguousarray(x)
        return np.divide(x, 255, dtype=dtype)
    return np.ascontiguousarray(x, dtype=dtype)
