"""What the public wrappers of the elementwise activations share.

``sigmoid``, ``tanh``, ``leaky_relu`` and ``elu`` differ only in their jitted
loops; checking the arrays, allocating the output and handing the loop flat
views is the same for all four, so it is written once here.  A loop takes
the flat input arrays, then the scalar hyper-parameters (already in the
arrays' dtype, so a float32 loop never widens to float64), then the flat
output it fills.
"""
import numpy as np

from ..errors import ShapeError
from ._validate import FLOAT_DTYPES, same_dtype


def run_elementwise(loop, arrays, scalars=()):
    """Check ``arrays``, allocate the output, run ``loop`` on flat views and return the output.

    Parameters
    ----------
    loop : numba dispatcher
        Called as ``loop(*flat_arrays, *scalars, flat_out)``.
    arrays : dict of str to ndarray
        The inputs by the name errors use (``{"dout": dout, "out": out}``): float32 or float64,
        one dtype, one shape (any shape).  The first one sets the output's shape and dtype.
    scalars : tuple of float
        Hyper-parameters, converted to the arrays' dtype.

    Returns
    -------
    ndarray
        The first array's shape and dtype, C-contiguous.
    """
    for name, a in arrays.items():
        if not isinstance(a, np.ndarray) or a.dtype not in FLOAT_DTYPES:
            raise ShapeError(f"{name} must be a float32 or float64 NumPy array")
    same_dtype(**arrays)
    (first_name, first), *others = arrays.items()
    for name, a in others:
        if a.shape != first.shape:
            raise ShapeError(f"{first_name} shape {first.shape} differs from {name} shape {a.shape}")
    out = np.empty(first.shape, first.dtype)
    flat = [np.ascontiguousarray(a).reshape(-1) for a in arrays.values()]
    loop(*flat, *(first.dtype.type(s) for s in scalars), out.reshape(-1))
    return out

