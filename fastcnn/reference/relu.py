"""Plain-NumPy twin of :mod:`fastcnn.kernels.relu`."""
import numpy as np


def relu_forward(x):
    """max(x, 0); NaN stays NaN.

    Parameters
    ----------
    x : ndarray, any shape, float32 or float64

    Returns
    -------
    ndarray
        Same shape and dtype as ``x``.
    """
    return np.where(x < 0, np.zeros_like(x), x)


def relu_backward(dout, out):
    """dout where the forward output was positive, else 0.

        dx = dout * [out > 0]        (the gradient at x = 0 is 0, as in Keras)

    Parameters
    ----------
    dout : ndarray
        dL/d out.
    out : ndarray
        The forward's output, shaped like ``dout``.

    Returns
    -------
    ndarray
        dL/dx, shaped like ``dout``.
    """
    return np.where(out > 0, dout, np.zeros_like(dout))
