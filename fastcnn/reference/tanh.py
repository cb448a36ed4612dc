"""Plain-NumPy twin of :mod:`fastcnn.kernels.tanh`, one element at a time."""
import numpy as np

from ._elementwise import map_elements


def tanh_forward(x):
    """t = tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x)), via ``np.tanh``.

    Parameters
    ----------
    x
        See :func:`fastcnn.kernels.tanh_forward`, which must give the same numbers.

    Returns
    -------
    t : x's shape and dtype
    """
    return map_elements(np.tanh, x)


def tanh_backward(dout, out):
    """dx = dout * (1 - t^2) with t = out, written (1 - t) * (1 + t) like the kernel.

    Parameters
    ----------
    dout, out
        The arguments of :func:`fastcnn.kernels.tanh_backward`.

    Returns
    -------
    ndarray of dout's shape and dtype
    """
    return map_elements(lambda g, t: g * ((1 - t) * (1 + t)), dout, out)
