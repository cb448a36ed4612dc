"""Plain-NumPy twin of :mod:`fastcnn.kernels.relu`."""
import numpy as np


def relu_forward(x):
    """max(x, 0); NaN stays NaN.

    Parameters
    ----------
    x
        As for :func:`fastcnn.kernels.relu_forward`, whose specification this is.

    Returns
    -------
    As :func:`fastcnn.kernels.relu_forward`.
    """
    return np.where(x < 0, np.zeros_like(x), x)


def relu_backward(dout, out):
    """dout where the forward output was positive, else 0.

        dx = dout * [out > 0]        (the gradient at x = 0 is 0, as in Keras)

    Parameters
    ----------
    dout, out
        As for :func:`fastcnn.kernels.relu_backward`, whose specification this is.

    Returns
    -------
    As :func:`fastcnn.kernels.relu_backward`.
    """
    return np.where(out > 0, dout, np.zeros_like(dout))
