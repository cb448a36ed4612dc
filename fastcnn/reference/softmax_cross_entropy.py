"""Plain-NumPy twin of :mod:`fastcnn.kernels.softmax_cross_entropy`."""
import numpy as np


def softmax_cross_entropy(z, y, sample_weight=None):
    """Returns (loss, p, dloss/dz) for logits z and targets y, both (N, K), and sample weights w (N,).

        log p[n, k] = z[n, k] - lse[n],   lse[n] = m[n] + log sum_k exp(z[n, k] - m[n]),   m[n] = max_k z[n, k]
        loss     = -(1/N) sum_n w[n] sum_k y[n, k] * log p[n, k]          (w = 1 when not given)
        dz[n, k] = w[n] (p[n, k] * sum_j y[n, j] - y[n, k]) / N        (= w (p - y) / N for one-hot y)

    Parameters
    ----------
    z, y, sample_weight
        As for :func:`fastcnn.kernels.softmax_cross_entropy`, whose specification this is.

    Returns
    -------
    As :func:`fastcnn.kernels.softmax_cross_entropy`.
    """
    m = z.max(axis=1, keepdims=True)
    log_p = z - (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))
    p = np.exp(log_p)
    N = z.shape[0]
    if sample_weight is None:
        return float(-(y * log_p).sum() / N), p, (p * y.sum(axis=1, keepdims=True) - y) / N
    w = np.asarray(sample_weight, dtype=np.float64)[:, None]
    loss = float(-(w * y * log_p).sum() / N)
    dz = (w * (p * y.sum(axis=1, keepdims=True) - y) / N).astype(z.dtype)
    return loss, p, dz
