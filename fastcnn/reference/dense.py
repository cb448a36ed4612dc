"""Plain-NumPy twin of :mod:`fastcnn.kernels.dense`: out = x w + b (then the ReLU)."""
import numpy as np


def dense_forward(x, w, b, relu=False):
    """x (N, D_in), w (D_in, D_out), b (D_out,) -> (N, D_out).

    out = x w + b, then max(out, 0) with ``relu=True``.

    Parameters
    ----------
    x, w, b, relu
        As for :func:`fastcnn.kernels.dense_forward`, whose specification this is.

    Returns
    -------
    As :func:`fastcnn.kernels.dense_forward`.
    """
    out = x @ w + b
    return np.where(out < 0, 0, out).astype(out.dtype) if relu else out


def dense_backward(dout, x, w, relu=False, out=None, need_dx=True):
    """Returns (dx, dw, db) = (g w^T, x^T g, sum_n g) with g = dout, masked by out > 0 with ``relu``.

    Parameters
    ----------
    dout, x, w, relu, out, need_dx
        As for :func:`fastcnn.kernels.dense_backward`, whose specification this is.

    Returns
    -------
    As :func:`fastcnn.kernels.dense_backward`.
    """
    g = np.where(out > 0, dout, 0).astype(dout.dtype) if relu else dout
    return (g @ w.T if need_dx else None), x.T @ g, g.sum(axis=0)
