"""Plain-NumPy twin of :mod:`fastcnn.kernels.elu`, one element at a time."""
import numpy as np

from ._elementwise import map_elements


def elu_forward(x, alpha):
    """out = x if x > 0 else alpha * (exp(x) - 1), the exponential part with ``np.expm1``.

    Parameters
    ----------
    x, alpha
        What :func:`fastcnn.kernels.elu_forward` takes (alpha is not checked here).

    Returns
    -------
    out : same shape and dtype as x
    """
    a = x.dtype.type(alpha)
    return map_elements(lambda v: v if v > 0 else a * np.expm1(v), x)


def elu_backward(dout, out, alpha):
    """dx = dout where out > 0, else dout * (out + alpha) (= dout * alpha * exp(x)).

    Parameters
    ----------
    dout, out, alpha
        What :func:`fastcnn.kernels.elu_backward` takes.

    Returns
    -------
    dx : same shape and dtype as dout
    """
    a = dout.dtype.type(alpha)
    return map_elements(lambda g, o: g if o > 0 else g * (o + a), dout, out)
