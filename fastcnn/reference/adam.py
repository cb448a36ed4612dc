"""Plain-NumPy twin of :mod:`fastcnn.kernels.adam`."""
import numpy as np


def adam_update(param, grad, m, v, alpha, beta_1, beta_2, epsilon):
    """Keras 3's Adam step, in place; returns how many parameters are not finite afterwards.

        m     <- m + (g - m) * (1 - beta_1)
        v     <- v + (g^2 - v) * (1 - beta_2)
        theta <- theta - alpha * m / (sqrt(v) + epsilon)

    Parameters
    ----------
    param : ndarray, float32 or float64
        theta, updated in place.
    grad : ndarray
        g = dL/d param; same shape and dtype as ``param`` (as are ``m`` and ``v``).
    m, v : ndarray
        The first- and second-moment slots, updated in place.
    alpha : float
        lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) at step t (the optimizer computes it).
    beta_1, beta_2 : float
        The moments' decay rates.
    epsilon : float

    Returns
    -------
    int
        The number of entries of ``param`` that are NaN or infinite afterwards.
    """
    dtype = param.dtype.type
    m += (grad - m) * dtype(1.0 - beta_1)
    v += (grad * grad - v) * dtype(1.0 - beta_2)
    param -= dtype(alpha) * m / (np.sqrt(v) + dtype(epsilon))
    return int(np.count_nonzero(~np.isfinite(param)))
