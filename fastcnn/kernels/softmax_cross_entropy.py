"""Softmax followed by categorical cross-entropy, fused, with its gradient.

Math (see docs/math/softmax_cross_entropy.md), logits z (N, K), targets y (N, K)
(one-hot, or any rows of non-negative weights), sample weights w (N,) (all 1
unless given: Keras's ``class_weight`` and ``sample_weight``):

    lse[n]  = m[n] + log sum_k exp(z[n, k] - m[n]),   m[n] = max_k z[n, k]
    log p[n, k] = z[n, k] - lse[n]
    loss    = (1/N) sum_n w[n] sum_k y[n, k] * (lse[n] - z[n, k])    (= mean of -w sum_k y log p)
    dz[n, k] = w[n] (p[n, k] * sum_j y[n, j] - y[n, k]) / N          (= w (p - y) / N for one-hot y)

The weighted sum is divided by N, not by the sum of the weights: Keras 3's
default ``"sum_over_batch_size"`` reduction.  Multiplying by a weight of
exactly 1 changes no bit, so unweighted results are the same as before
weights existed.

Computing log p as z - lse never takes the log of a rounded-to-zero
probability, so the loss is finite even for confidently wrong predictions,
and the gradient (p - y)/N never divides by p.
"""
import numpy as np

from .._jit import kernel
from ..errors import InvalidArgumentError, ShapeError
from ._validate import float_array, same_dtype
from .softmax import exp_shifted_row


@kernel
def softmax_cross_entropy_unchecked(z, y, w, p, dz, sample_loss):
    """Fill p, dz and each sample's loss (one thread: a batch of logits is a few
    hundred numbers, less work than waking the other threads).

    Parameters
    ----------
    z, y : ndarray, (N, K)
        Logits and targets, one float dtype.
    w : ndarray, (N,) float64
        Each sample's weight (ones for the plain mean).
    p, dz : ndarray, (N, K)
        Written: softmax(z) and dloss/dz (of the batch mean).
    sample_loss : ndarray, (N,) float64
        Written: each sample's cross-entropy times its weight.
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
        sample_loss[n] = w[n] * loss
        for k in range(K):
            dz[n, k] = w[n] * (p[n, k] * y_sum - y[n, k]) / N


def softmax_cross_entropy(z, y, sample_weight=None):
    """Fused softmax + categorical cross-entropy on a batch of logits.

    Parameters
    ----------
    z : ndarray, (N, K) float32 or float64
        Logits.
    y : ndarray, (N, K)
        Targets: one-hot rows, or any non-negative weights; z's dtype.
    sample_weight : array_like, (N,), optional
        Non-negative finite weight of each sample's loss; None: all 1.

    Returns
    -------
    loss : float
        The sum of the weighted losses over N (the plain mean without weights).
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
    w = check_sample_weight(sample_weight, z.shape[0])
    sample_loss = np.empty(z.shape[0], dtype=np.float64)
    softmax_cross_entropy_unchecked(z, y, w, p, dz, sample_loss)
    return float(sample_loss.mean()), p, dz


def check_sample_weight(sample_weight, n):
    """``sample_weight`` as a float64 (n,) array of non-negative finite numbers (ones when None).

    Parameters
    ----------
    sample_weight : array_like or None
    n : int
        The batch size.

    Returns
    -------
    ndarray, (n,) float64
    """
    if sample_weight is None:
        return np.ones(n, dtype=np.float64)
    w = np.ascontiguousarray(sample_weight, dtype=np.float64)
    if w.shape != (n,):
        raise ShapeError(f"sample_weight must have shape ({n},), got {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise InvalidArgumentError("sample_weight must be non-negative finite numbers")
    return w
