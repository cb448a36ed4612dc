"""Softmax followed by categorical cross-entropy, fused, with its gradient.

Math (see docs/math/softmax_cross_entropy.md), logits z (N, K), targets y (N, K)
(one-hot, or any rows of non-negative weights):

    lse[n]  = m[n] + log sum_k exp(z[n, k] - m[n]),   m[n] = max_k z[n, k]
    log p[n, k] = z[n, k] - lse[n]
    loss    = (1/N) sum_n sum_k y[n, k] * (lse[n] - z[n, k])        (= mean of -sum_k y log p)
    dz[n, k] = (p[n, k] * sum_j y[n, j] - y[n, k]) / N              (= (p - y) / N for one-hot y)

Computing log p as z - lse never takes the log of a rounded-to-zero
probability, so the loss is finite even for confidently wrong predictions,
and the gradient (p - y)/N never divides by p.
"""
import numpy as np

from .._jit import kernel
from ..errors import ShapeError
from ._validate import float_array, same_dtype
from .softmax import exp_shifted_row


@kernel
def softmax_cross_entropy_unchecked(z, y, p, dz, sample_loss):
    """Fill p, dz and each sample's loss (one thread: a batch of logits is a few
    hundred numbers, less work than waking the other threads).

    Parameters
    ----------
    z, y : ndarray, (N, K)
        Logits and targets, one float dtype.
    p, dz : ndarray, (N, K)
        Written: softmax(z) and dloss/dz (of the batch mean).
    sample_loss : ndarray, (N,) float64
        Written: each sample's cross-entropy.
    """
    N, K = z.shape
    for n in range(N):
        row_max, total = exp_shifted_row(z, p, n)
        lse = row_max + np.log(total)
        y_sum = 0.0
        loss = 0.0
        for k in range(K):
            p[n, k] = p[n, k] / total
            y_sum += y[n, k]
            loss += y[n, k] * (lse - z[n, k])
        sample_loss[n] = loss
        for k in range(K):
            dz[n, k] = (p[n, k] * y_sum - y[n, k]) / N


def softmax_cross_entropy(z, y):
    """Fused softmax + categorical cross-entropy on a batch of logits.

    Parameters
    ----------
    z : ndarray, (N, K) float32 or float64
        Logits.
    y : ndarray, (N, K)
        Targets: one-hot rows, or any non-negative weights; z's dtype.

    Returns
    -------
    loss : float
        The mean over the batch.
    p : ndarray, (N, K)
        softmax(z).
    dz : ndarray, (N, K)
        dloss/dz.
    """
    z = float_array(z, 2, "logits")
    y = float_array(y, 2, "y_true")
    same_dtype(logits=z, y_true=y)
    if z.shape != y.shape:
        raise ShapeError(f"y_true shape {y.shape} differs from logits shape {z.shape}")
    if z.shape[0] == 0 or z.shape[1] == 0:
        raise ShapeError(f"need at least one sample and one class, got shape {z.shape}")
    p = np.empty_like(z)
    dz = np.empty_like(z)
    sample_loss = np.empty(z.shape[0], dtype=np.float64)
    softmax_cross_entropy_unchecked(z, y, p, dz, sample_loss)
    return float(sample_loss.mean()), p, dz
