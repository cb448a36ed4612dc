"""Argument checks shared by the public kernel wrappers.

The jitted kernels themselves trust their inputs completely (an index out of
range there would read garbage, not raise), so every public wrapper checks
ranks, shapes and dtypes here first and raises :class:`ShapeError` with a
message that names the argument.
"""
import numpy as np

from ..errors import ShapeError

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def float_array(a, ndim, name):
    """Return ``a`` as a C-contiguous float32/float64 array of rank ``ndim``."""
    if not isinstance(a, np.ndarray):
        raise ShapeError(f"{name} must be a NumPy array, got {type(a).__name__}")
    if a.dtype not in FLOAT_DTYPES:
        raise ShapeError(f"{name} must be float32 or float64, got dtype {a.dtype}")
    if a.ndim != ndim:
        raise ShapeError(f"{name} must have {ndim} dimensions, got shape {a.shape}")
    return np.ascontiguousarray(a)


def same_dtype(**arrays):
    """All arrays share one dtype (kernels never mix float32 and float64)."""
    dtypes = {name: a.dtype for name, a in arrays.items()}
    if len(set(dtypes.values())) > 1:
        listed = ", ".join(f"{name}={dt}" for name, dt in dtypes.items())
        raise ShapeError(f"arrays must share one dtype, got {listed}")


def expect_shape(a, shape, name):
    if tuple(a.shape) != tuple(shape):
        raise ShapeError(f"{name} must have shape {tuple(shape)}, got {tuple(a.shape)}")
