"""Weight initialisers with Keras's defaults.

``glorot_uniform`` (Keras's default kernel initialiser) draws from
U(-limit, limit) with ``limit = sqrt(6 / (fan_in + fan_out))``.  For a conv
kernel (KH, KW, C_in, C_out) the receptive field KH*KW multiplies both fans:
``fan_in = KH*KW*C_in``, ``fan_out = KH*KW*C_out``; for a dense kernel
(D_in, D_out) they are D_in and D_out.  Biases start at zero.
"""
import math

import numpy as np


def fans(shape):
    """``(fan_in, fan_out)`` of a kernel shape.

    Parameters
    ----------
    shape : tuple of int
        (KH, KW, C_in, C_out) or (D_in, D_out).

    Returns
    -------
    (int, int)
    """
    receptive_field = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def glorot_uniform(shape, rng, dtype=np.float32):
    """Keras's default kernel: U(-limit, limit), ``limit = sqrt(6 / (fan_in + fan_out))``.

    Parameters
    ----------
    shape : tuple of int
        (KH, KW, C_in, C_out) or (D_in, D_out).
    rng : numpy.random.Generator
    dtype : numpy dtype, default float32
        Drawn in float64, then cast.

    Returns
    -------
    ndarray, ``shape``, ``dtype``
    """
    fan_in, fan_out = fans(shape)
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def zeros(shape, dtype=np.float32):
    """Keras's default bias.

    Parameters
    ----------
    shape : tuple of int
    dtype : numpy dtype, default float32

    Returns
    -------
    ndarray, ``shape``, ``dtype``
    """
    return np.zeros(shape, dtype=dtype)
