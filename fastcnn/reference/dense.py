"""Plain-NumPy twin of :mod:`fastcnn.kernels.dense`: out = x w + b (then the ReLU)."""
import numpy as np


def dense_forward(x, w, b, relu=False):
    """x (N, D_in), w (D_in, D_out), b (D_out,) -> (N, D_out).

    out = x w + b, then max(out, 0) with ``relu=True``.

    Parameters
    ----------
    x : ndarray, (N, D_in) float32 or float64
    w : ndarray, (D_in, D_out)
    b : ndarray, (D_out,)
    relu : bool, default False

    Returns
    -------
    ndarray, (N, D_out)
    """
    out = x @ w + b
    return np.where(out < 0, 0, out).astype(out.dtype) if relu else out


def dense_backward(dout, x, w, relu=False, out=None, need_dx=True):
    """Returns (dx, dw, db) = (g w^T, x^T g, sum_n g) with g = dout, masked by out > 0 with ``relu``.

    Parameters
    ----------
    dout : ndarray, (N, D_out)
        dL/d out.
    x : ndarray, (N, D_in)
        The forward's input.
    w : ndarray, (D_in, D_out)
    relu : bool, default False
        The forward's.
    out : ndarray, (N, D_out), optional
        The forward's output; needed with ``relu=True``.
    need_dx : bool, default True
        False skips dx.

    Returns
    -------
    dx : ndarray, (N, D_in) or None
        dL/dx; None when ``need_dx`` is False.
    dw : ndarray, (D_in, D_out)
    db : ndarray, (D_out,)
    """
    g = np.where(out > 0, dout, 0).astype(dout.dtype) if relu else dout
    return (g @ w.T if need_dx else None), x.T @ g, g.sum(axis=0)
