"""Checks for the fields of the records a model file keeps (:mod:`fastcnn.records`): one-line errors naming the field."""
import math

from .errors import InvalidArgumentError


def positive_int(value, what):
    """``value`` if it is an int >= 1 (not a bool).

    Parameters
    ----------
    value : object
    what : str
        The field's name, for the message.

    Returns
    -------
    int
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(f"{what} must be a positive integer, got {value!r}")
    return value


def number(value, what, low=-math.inf):
    """``value`` if it is a finite int or float >= ``low`` (not a bool).

    Parameters
    ----------
    value : object
    what : str
        The field's name, for the message.
    low : float, default -inf

    Returns
    -------
    int or float
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < low:
        raise InvalidArgumentError(f"{what} must be a number >= {low}, got {value!r}")
    return value


def optional_str(value, what):
    """``value`` if it is None or text.

    Parameters
    ----------
    value, what
        As for :func:`positive_int`.

    Returns
    -------
    str or None
    """
    return _of_type(value, what, str, "text", None)


def json_object(value, what):
    """``value`` if it is a dict ({} for None): a JSON object of the model file.

    Parameters
    ----------
    value, what
        As for :func:`positive_int`.

    Returns
    -------
    dict
    """
    return _of_type(value, what, dict, "a JSON object", {})


def _of_type(value, what, kind, described, missing):
    if value is None:
        return missing
    if not isinstance(value, kind):
        raise InvalidArgumentError(f"{what} must be {described}, got {value!r}"[:200])
    return value
