"""One Adam step (Keras 3's rule), in place, on one parameter array.

Math (see docs/math/adam.md), with alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
computed once per step by the optimizer:

    m     <- m + (g - m) * (1 - beta_1)
    v     <- v + (g^2 - v) * (1 - beta_2)
    theta <- theta - alpha * m / (sqrt(v) + epsilon)

One pass over memory instead of the half-dozen temporary arrays NumPy would
make; it matters when a step takes a millisecond.  The model keeps all its
parameters in one flat buffer (and the gradients and the slots m, v in three
more), so one call updates the whole model.  The same pass counts the
parameters that are no longer finite: a diverging run is caught at no extra
cost.
"""
import numpy as np

from .._jit import kernel
from ..errors import ShapeError
from ._validate import same_dtype


@kernel
def adam_update_unchecked(param, grad, m, v, alpha, one_minus_beta_1, one_minus_beta_2, epsilon):
    """Update 1-D arrays in place; return how many parameters are not finite afterwards.

    Parameters
    ----------
    param, grad, m, v : ndarray, (P,) float32 or float64
        Contiguous, of one dtype; ``param``, ``m`` and ``v`` are updated.
    alpha : float
        The step size with the bias corrections folded in (Keras 3), in param's dtype.
    one_minus_beta_1, one_minus_beta_2 : float
        ``1 - beta_1`` and ``1 - beta_2``, in param's dtype.
    epsilon : float

    Returns
    -------
    int
        How many entries of ``param`` are NaN or infinite after the step.
    """
    not_finite = 0
    for i in range(param.size):
        g = grad[i]
        m[i] += (g - m[i]) * one_minus_beta_1
        v[i] += (g * g - v[i]) * one_minus_beta_2
        param[i] -= alpha * m[i] / (np.sqrt(v[i]) + epsilon)
        not_finite += not np.isfinite(param[i])
    return not_finite


def adam_update(param, grad, m, v, alpha, beta_1, beta_2, epsilon):
    """Update ``param``, ``m`` and ``v`` in place (all the same shape and dtype).

    Parameters
    ----------
    param, grad, m, v : ndarray, any shape, float32 or float64
        C-contiguous, one shape and dtype.
    alpha : float
        ``lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)`` for step t.
    beta_1, beta_2, epsilon : float

    Returns
    -------
    int
        How many entries of ``param`` are NaN or infinite afterwards.
    """
    for name, a in (("param", param), ("grad", grad), ("m", m), ("v", v)):
        if not isinstance(a, np.ndarray) or not a.flags.c_contiguous:
            raise ShapeError(f"{name} must be a C-contiguous NumPy array")
    same_dtype(param=param, grad=grad, m=m, v=v)
    if not (param.shape == grad.shape == m.shape == v.shape):
        raise ShapeError(f"shapes differ: param {param.shape}, grad {grad.shape}, m {m.shape}, v {v.shape}")
    dtype = param.dtype.type
    return int(adam_update_unchecked(param.reshape(-1), grad.reshape(-1), m.reshape(-1), v.reshape(-1),
                                     dtype(alpha), dtype(1.0 - beta_1), dtype(1.0 - beta_2), dtype(epsilon)))
