"""Checks of scalar hyper-parameters that layers and kernels share.

A layer checks its hyper-parameters when it is made (so a typo fails at
once, naming the value); the public kernel it calls checks the same
argument again, because the kernels can be called on their own.  Both use
the function here, so the rule and its message are written once.
"""
import math

import numpy as np

from .errors import InvalidArgumentError


def nonnegative_float(value, name):
    """``value`` as a float if it is a finite real number >= 0, else InvalidArgumentError quoting it.

    Parameters
    ----------
    value : object
        A bool, a string, NaN, an infinity or a negative number is refused.
    name : str
        How the message calls it, e.g. ``"negative_slope"``.

    Returns
    -------
    float
    """
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating))
            or not math.isfinite(value) or value < 0):
        raise InvalidArgumentError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)
