"""Plain-NumPy twin of :mod:`fastcnn.kernels.softmax_cross_entropy`."""
import numpy as np


def softmax_cross_entropy(z, y):
    """Returns (mean loss, p, dloss/dz) for logits z and targets y, both (N, K)."""
    m = z.max(axis=1, keepdims=True)
    log_p = z - (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))
    p = np.exp(log_p)
    N = z.shape[0]
    loss = float(-(y * log_p).sum() / N)
    dz = (p * y.sum(axis=1, keepdims=True) - y) / N
    return loss, p, dz
