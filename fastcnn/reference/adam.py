"""Plain-NumPy twin of :mod:`fastcnn.kernels.adam`."""
import numpy as np


def adam_update(param, grad, m, v, alpha, beta_1, beta_2, epsilon):
    """Keras 3's Adam step, in place; returns how many parameters are not finite afterwards.

        m     <- m + (g - m) * (1 - beta_1)
        v     <- v + (g^2 - v) * (1 - beta_2)
        theta <- theta - alpha * m / (sqrt(v) + epsilon)

    Parameters
    ----------
    param, grad, m, v, alpha, beta_1, beta_2, epsilon
        As for :func:`fastcnn.kernels.adam_update`, whose specification this is.

    Returns
    -------
    As :func:`fastcnn.kernels.adam_update`.
    """
    dtype = param.dtype.type
    m += (grad - m) * dtype(1.0 - beta_1)
    v += (grad * grad - v) * dtype(1.0 - beta_2)
    param -= dtype(alpha) * m / (np.sqrt(v) + dtype(epsilon))
    return int(np.count_nonzero(~np.isfinite(param)))
