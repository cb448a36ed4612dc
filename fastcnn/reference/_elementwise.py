"""The one loop the elementwise twins share: a rule applied at every position of a flat view."""
import numpy as np


def map_elements(rule, *arrays):
    """out[i] = rule(arrays[0][i], arrays[1][i], ...) for every flat position i.

    The rule gets NumPy scalars of the arrays' dtype, so a float32 twin
    computes in float32 like its kernel.

    Parameters
    ----------
    rule : callable
        One element of each array -> one element of the output.
    *arrays : ndarray
        One shape; the first one sets the output's shape and dtype.

    Returns
    -------
    ndarray, the first array's shape and dtype
    """
    out = np.empty(arrays[0].shape, arrays[0].dtype)
    flat_out, flat_in = out.reshape(-1), [a.reshape(-1) for a in arrays]
    for i in range(out.size):
        flat_out[i] = rule(*[a[i] for a in flat_in])
    return out
