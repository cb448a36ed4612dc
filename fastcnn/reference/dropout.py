"""Plain-NumPy twin of :mod:`fastcnn.kernels.dropout`: one plain loop over the elements."""
import numpy as np


def dropout_forward(x, u, rate):
    """keep = [u >= rate] and out = x / (1 - rate) where keep, else 0, element by element.

    ``rate`` is rounded to u's dtype for the comparison and 1 - rate to x's dtype, as in the kernel.

    Parameters
    ----------
    x, u, rate
        As for :func:`fastcnn.kernels.dropout_forward`, whose specification this is.

    Returns
    -------
    As :func:`fastcnn.kernels.dropout_forward`.
    """
    threshold, keep_prob = u.dtype.type(rate), x.dtype.type(1.0 - rate)
    out, keep = np.empty_like(x), np.empty(x.shape, dtype=np.bool_)
    flat_x, flat_u, flat_out, flat_keep = x.reshape(-1), u.reshape(-1), out.reshape(-1), keep.reshape(-1)
    for i in range(flat_x.size):
        flat_keep[i] = flat_u[i] >= threshold
        flat_out[i] = flat_x[i] / keep_prob if flat_keep[i] else 0
    return out, keep


def dropout_backward(dout, keep, rate):
    """dx = dout / (1 - rate) where keep, else 0, element by element.

    Parameters
    ----------
    dout, keep, rate
        As for :func:`fastcnn.kernels.dropout_backward`, whose specification this is.

    Returns
    -------
    As :func:`fastcnn.kernels.dropout_backward`.
    """
    keep_prob = dout.dtype.type(1.0 - rate)
    dx = np.empty_like(dout)
    flat_dout, flat_keep, flat_dx = dout.reshape(-1), keep.reshape(-1), dx.reshape(-1)
    for i in range(flat_dout.size):
        flat_dx[i] = flat_dout[i] / keep_prob if flat_keep[i] else 0
    return dx
