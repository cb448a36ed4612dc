"""Plain-NumPy twin of :mod:`fastcnn.kernels.batch_normalization`: plain loops over rows and channels.

x is seen as M rows of C channels (every axis but the last is a row axis);
each statistic is a sum over the rows of one channel, in row order, in
Python floats (float64).
"""
import math

import numpy as np


def _rows(x, gamma, beta):
    """x as (M, C) rows; gamma and beta as arrays (ones and zeros for None)."""
    C = x.shape[-1]
    gamma = np.ones(C, x.dtype) if gamma is None else gamma
    beta = np.zeros(C, x.dtype) if beta is None else beta
    return x.reshape(-1, C), gamma, beta


def _normalize(rows, mean, inv_std, gamma, beta):
    """(x_hat, out) with x_hat = (x - mean) * inv_std and out = gamma * x_hat + beta, element by element."""
    x_hat, out = np.empty_like(rows), np.empty_like(rows)
    for m in range(rows.shape[0]):
        for c in range(rows.shape[1]):
            x_hat[m, c] = (rows[m, c] - mean[c]) * inv_std[c]
            out[m, c] = gamma[c] * x_hat[m, c] + beta[c]
    return x_hat, out


def batch_normalization_forward(x, gamma, beta, moving_mean, moving_variance, momentum=0.99, epsilon=1e-3):
    """Training: mean and biased variance per channel, then gamma * (x - mean) / sqrt(var + epsilon) + beta.

        moving_mean     <- momentum * moving_mean     + (1 - momentum) * mean        (in place)
        moving_variance <- momentum * moving_variance + (1 - momentum) * var

    Parameters
    ----------
    x, gamma, beta, moving_mean, moving_variance, momentum, epsilon
        As for :func:`fastcnn.kernels.batch_normalization_forward`, whose specification this is.

    Returns
    -------
    As :func:`fastcnn.kernels.batch_normalization_forward`.
    """
    rows, gamma, beta = _rows(x, gamma, beta)
    M, C = rows.shape
    mean = np.empty(C, x.dtype)
    inv_std = np.empty(C, x.dtype)
    for c in range(C):
        total = 0.0
        for m in range(M):
            total += float(rows[m, c])
        channel_mean = total / M
        squares = 0.0
        for m in range(M):
            squares += (float(rows[m, c]) - channel_mean) ** 2
        variance = squares / M
        mean[c] = channel_mean
        inv_std[c] = 1.0 / math.sqrt(variance + epsilon)
        moving_mean[c] = float(moving_mean[c]) * momentum + channel_mean * (1.0 - momentum)
        moving_variance[c] = float(moving_variance[c]) * momentum + variance * (1.0 - momentum)
    x_hat, out = _normalize(rows, mean, inv_std, gamma, beta)
    return out.reshape(x.shape), x_hat.reshape(x.shape), inv_std


def batch_normalization_inference(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    """Inference: gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta; nothing is updated.

    Parameters
    ----------
    x, gamma, beta, moving_mean, moving_variance, epsilon
        As for :func:`fastcnn.kernels.batch_normalization_inference`, whose specification this is.

    Returns
    -------
    As :func:`fastcnn.kernels.batch_normalization_inference`.
    """
    rows, gamma, beta = _rows(x, gamma, beta)
    inv_std = np.empty(rows.shape[1], x.dtype)
    for c in range(rows.shape[1]):
        inv_std[c] = 1.0 / math.sqrt(float(moving_variance[c]) + epsilon)
    _, out = _normalize(rows, moving_mean, inv_std, gamma, beta)
    return out.reshape(x.shape)


def batch_normalization_backward(dout, x_hat, inv_std, gamma):
    """Returns (dx, dgamma, dbeta), with G = dout and M rows:

        dbeta[c]  = sum_m G[m, c]
        dgamma[c] = sum_m G[m, c] * x_hat[m, c]
        dx[m, c]  = (gamma[c] * inv_std[c] / M) * (M * G[m, c] - dbeta[c] - x_hat[m, c] * dgamma[c])

    Parameters
    ----------
    dout, x_hat, inv_std, gamma
        As for :func:`fastcnn.kernels.batch_normalization_backward`, whose specification this is.

    Returns
    -------
    As :func:`fastcnn.kernels.batch_normalization_backward`.
    """
    G, gamma, _ = _rows(dout, gamma, None)
    x_hat = x_hat.reshape(G.shape)
    M, C = G.shape
    dx = np.empty_like(G)
    dgamma, dbeta = np.empty(C, dout.dtype), np.empty(C, dout.dtype)
    for c in range(C):
        sum_g, sum_gx = 0.0, 0.0
        for m in range(M):
            sum_g += float(G[m, c])
            sum_gx += float(G[m, c]) * float(x_hat[m, c])
        dbeta[c], dgamma[c] = sum_g, sum_gx
        scale = float(gamma[c]) * float(inv_std[c]) / M
        for m in range(M):
            dx[m, c] = scale * (M * float(G[m, c]) - sum_g - float(x_hat[m, c]) * sum_gx)
    return dx.reshape(dout.shape), dgamma, dbeta
