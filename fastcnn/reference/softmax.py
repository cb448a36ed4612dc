"""Plain-NumPy twin of :mod:`fastcnn.kernels.softmax`."""
import numpy as np


def softmax_forward(z):
    """p = exp(z - max z) / sum exp(z - max z), row by row.

    Parameters
    ----------
    z
        As for :func:`fastcnn.kernels.softmax_forward`, whose specification this is.

    Returns
    -------
    As :func:`fastcnn.kernels.softmax_forward`.
    """
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_backward(dout, p):
    """dz = J^T dout with the softmax Jacobian J[k, j] = p_k (delta_kj - p_j), per row.

    That is dz[n, k] = p[n, k] * (dout[n, k] - sum_j dout[n, j] * p[n, j]).

    Parameters
    ----------
    dout, p
        As for :func:`fastcnn.kernels.softmax_backward`, whose specification this is.

    Returns
    -------
    As :func:`fastcnn.kernels.softmax_backward`.
    """
    dz = np.empty_like(p)
    for n in range(p.shape[0]):
        jacobian = np.diag(p[n]) - np.outer(p[n], p[n])
        dz[n] = jacobian.T @ dout[n]
    return dz
