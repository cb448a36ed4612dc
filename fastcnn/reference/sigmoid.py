"""Plain-NumPy twin of :mod:`fastcnn.kernels.sigmoid`, one element at a time."""
import numpy as np

from ._elementwise import map_elements


def _sigmoid(v):
    if v >= 0:
        return 1 / (1 + np.exp(-v))
    e = np.exp(v)  # v < 0 (or NaN): exp cannot overflow
    return e / (1 + e)


def sigmoid_forward(x):
    """s = 1 / (1 + exp(-x)); for x < 0 the same number as e / (1 + e) with e = exp(x).

    Parameters
    ----------
    x
        See :func:`fastcnn.kernels.sigmoid_forward` (this twin is its specification).

    Returns
    -------
    ndarray, x's shape and dtype
    """
    return map_elements(_sigmoid, x)


def sigmoid_backward(dout, out):
    """dx = dout * s * (1 - s), where s = out is what the forward returned.

    Parameters
    ----------
    dout, out
        As :func:`fastcnn.kernels.sigmoid_backward` takes them.

    Returns
    -------
    dx : dout's shape and dtype
    """
    return map_elements(lambda g, s: g * (s * (1 - s)), dout, out)
