"""Batch normalization over the last axis (Keras ``BatchNormalization``) and its gradient.

Math (see docs/math/batch_normalization.md).  x is seen as M rows of C
channels, M = N*H*W for (N, H, W, C) and M = N for (N, C):

    training:   mean[c] = sum_m x[m, c] / M
                var[c]  = sum_m (x[m, c] - mean[c])^2 / M                   (biased, as Keras)
                inv_std[c] = 1 / sqrt(var[c] + epsilon)
                x_hat = (x - mean) * inv_std,       out = gamma * x_hat + beta
                moving_mean     <- momentum * moving_mean     + (1 - momentum) * mean
                moving_variance <- momentum * moving_variance + (1 - momentum) * var
    inference:  out = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta
    backward, given G = dL/d out (after a training forward):
                dbeta = sum_m G,    dgamma = sum_m G * x_hat
                dx = (gamma * inv_std / M) * (M * G - dbeta - x_hat * dgamma)

Every per-channel sum over the M rows is deterministic: the rows are cut into
chunks that depend on the batch only (``chunk_bounds``), each chunk sums into
its own row of ``parts`` in float64, and the rows are added in chunk order.
gamma=None (``scale=False``) means ones, beta=None (``center=False``) zeros.
"""
import numpy as np

from .._jit import chunk_bounds
from ..errors import InvalidArgumentError, ShapeError
from ._batch_normalization_loops import (batch_normalization_backward_unchecked,
                                         batch_normalization_forward_unchecked,
                                         batch_normalization_inference_unchecked)
from ._validate import FLOAT_DTYPES, expect_shape, float_array, same_dtype


def batch_normalization_forward(x, gamma, beta, moving_mean, moving_variance, momentum=0.99, epsilon=1e-3):
    """The training forward: normalise with the batch statistics and update the moving ones in place.

    Parameters
    ----------
    x : ndarray, (N, ..., C) float32 or float64
        Channels last; the statistics are over every axis but the last.
    gamma, beta : ndarray, (C,), or None
        Scale and offset, x's dtype; None means ones (gamma) or zeros (beta).
    moving_mean, moving_variance : ndarray, (C,)
        x's dtype, C-contiguous and writeable: updated in place.
    momentum : float in [0, 1], default 0.99
    epsilon : float > 0, default 1e-3

    Returns
    -------
    out : ndarray, x's shape and dtype
    x_hat : ndarray, x's shape and dtype
        The normalised input, kept for the backward.
    inv_std : ndarray, (C,), x's dtype
        1 / sqrt(var + epsilon), kept for the backward.
    """
    rows, gamma, beta = _check(x, gamma, beta, training=True)
    _check_scalars(momentum=momentum, epsilon=epsilon)
    for name, array in (("moving_mean", moving_mean), ("moving_variance", moving_variance)):
        _check_statistic(array, rows, name)
        if not (array.flags.c_contiguous and array.flags.writeable):
            raise ShapeError(f"{name} is updated in place: it must be a C-contiguous, writeable array")
    bounds, parts = _workspace(rows)
    out, x_hat, inv_std = np.empty_like(rows), np.empty_like(rows), np.empty(rows.shape[1], dtype=rows.dtype)
    batch_normalization_forward_unchecked(rows, gamma, beta, moving_mean, moving_variance, float(momentum),
                                          float(epsilon), bounds, parts, x_hat, inv_std, out)
    return out.reshape(x.shape), x_hat.reshape(x.shape), inv_std


def batch_normalization_inference(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    """The inference forward: normalise with the moving statistics (nothing is updated).

    Parameters
    ----------
    x : ndarray, (N, ..., C) float32 or float64
    gamma, beta : ndarray, (C,), or None
        As for :func:`batch_normalization_forward`.
    moving_mean, moving_variance : ndarray, (C,)
        x's dtype.
    epsilon : float > 0, default 1e-3

    Returns
    -------
    out : ndarray, x's shape and dtype
    """
    rows, gamma, beta = _check(x, gamma, beta, training=False)
    _check_scalars(epsilon=epsilon)
    moving_mean = _check_statistic(moving_mean, rows, "moving_mean")
    moving_variance = _check_statistic(moving_variance, rows, "moving_variance")
    out = np.empty_like(rows)
    bounds, _ = _workspace(rows)
    batch_normalization_inference_unchecked(rows, gamma, beta, moving_mean, moving_variance, float(epsilon), bounds,
                                            out)
    return out.reshape(x.shape)


def batch_normalization_backward(dout, x_hat, inv_std, gamma):
    """Gradients of :func:`batch_normalization_forward` (training mode), in one fused kernel.

    Parameters
    ----------
    dout : ndarray, (N, ..., C)
        dL/d out.
    x_hat : ndarray, dout's shape and dtype
    inv_std : ndarray, (C,)
        Both as the training forward returned them.
    gamma : ndarray, (C,), or None
        None means ones (``scale=False``).

    Returns
    -------
    dx : ndarray, dout's shape and dtype
    dgamma, dbeta : ndarray, (C,), dout's dtype
    """
    rows, gamma, _ = _check(dout, gamma, None, training=True, name="dout")
    x_hat = float_array(x_hat, dout.ndim, "x_hat")
    same_dtype(dout=dout, x_hat=x_hat)
    expect_shape(x_hat, dout.shape, "x_hat")
    inv_std = _check_statistic(inv_std, rows, "inv_std")
    bounds, parts = _workspace(rows)
    dx, dgamma, dbeta = np.empty_like(rows), np.empty_like(gamma), np.empty_like(gamma)
    batch_normalization_backward_unchecked(rows, x_hat.reshape(rows.shape), inv_std, gamma, bounds, parts, dx,
                                           dgamma, dbeta)
    return dx.reshape(dout.shape), dgamma, dbeta


def _workspace(rows):
    """The chunks of rows (at most MAX_REDUCTION_CHUNKS, set by M alone) and their float64 sum buffers."""
    bounds = chunk_bounds(rows.shape[0], 1)
    return bounds, np.empty((len(bounds) - 1, 2, rows.shape[1]))


def _check(x, gamma, beta, training, name="x"):
    """x as (M, C) rows, gamma and beta as arrays (ones and zeros for None)."""
    if not isinstance(x, np.ndarray) or x.dtype not in FLOAT_DTYPES or x.ndim < 2:
        raise ShapeError(f"{name} must be a float32 or float64 NumPy array with a batch and a channel axis, "
                         f"got {getattr(x, 'shape', type(x).__name__)}")
    if training and x.shape[0] == 0:
        raise ShapeError(f"{name} must hold at least one sample: batch statistics need one")
    C = x.shape[-1]
    rows = np.ascontiguousarray(x).reshape(-1, C)
    gamma = np.ones(C, x.dtype) if gamma is None else _check_statistic(gamma, rows, "gamma")
    beta = np.zeros(C, x.dtype) if beta is None else _check_statistic(beta, rows, "beta")
    return rows, gamma, beta


def _check_statistic(array, rows, name):
    array = float_array(array, 1, name)
    same_dtype(x=rows, **{name: array})
    expect_shape(array, (rows.shape[1],), name)
    return array


def _check_scalars(momentum=0.0, epsilon=1.0):
    real = (int, float, np.floating)
    if isinstance(momentum, bool) or not isinstance(momentum, real) or not 0.0 <= momentum <= 1.0:
        raise InvalidArgumentError(f"momentum must be a number in [0, 1], got {momentum!r}")
    if isinstance(epsilon, bool) or not isinstance(epsilon, real) or not epsilon > 0.0:
        raise InvalidArgumentError(f"epsilon must be a positive number, got {epsilon!r}")
