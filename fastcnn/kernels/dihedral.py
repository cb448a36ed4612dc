"""The 8 exact symmetries of a square image (the dihedral group D4), gathered into a batch.

Math (see docs/math/dihedral.md).  View ``v`` in 0..7 is ``k = v % 4``
quarter turns counter-clockwise (as ``np.rot90(image, k)``) of the image,
mirrored left-right first when ``v >= 4`` (as ``np.flip(image, axis=1)``):

    0 identity     1 rot 90     2 rot 180     3 rot 270
    4 mirror       5 mirror, then rot 90   6 mirror, then rot 180   7 mirror, then rot 270

Output pixel (i, j) of an H x W image reads the input pixel (p, q) with

    k = 0: (i, j)    k = 1: (j, W-1-i)    k = 2: (H-1-i, W-1-j)    k = 3: (H-1-j, i)

and then, for a mirrored view, q <- W-1-q.  Odd k swaps height and width, so views
1, 3, 5 and 7 need square images; views 0, 2, 4 and 6 work on any H x W.
No arithmetic on the pixels: uint8 stays uint8 and every value is copied exactly.
"""
import numpy as np
from numba import prange

from .._jit import parallel_kernel
from ..errors import ShapeError
from ._validate import FLOAT_DTYPES
from ._views import view_strides


@parallel_kernel
def dihedral_batch_unchecked(x, rows, views, out):
    """out[n] = view ``views[n]`` of ``x[rows[n]]``, for every n (no checks; see :func:`dihedral_batch`).

    The source pixel of output (i, j) is an affine function of (i, j) (the
    table in the module docstring), so each output row walks its source
    with a constant step: :func:`fastcnn.kernels._views.view_strides` gives
    the view's origin, row step and column step on the flat image, and the
    kernel copies on flat views of the two images.  Where the step is one
    pixel forwards (views 0 and 6) a whole row is one contiguous copy;
    elsewhere pixels go one by one, an RGB pixel's three values written out
    (about 20 us for a batch of five 128x128 images, against about 110 us for
    the plain loop over (i, j, c) with the view decided per pixel).

    Parameters
    ----------
    x : ndarray, (N_total, H, W, C), C-contiguous
    rows : ndarray of int64, (N,)
    views : ndarray of int64, (N,)
        Each in 0..7; odd rotations only when H == W.
    out : ndarray, (N, H, W, C), x's dtype, C-contiguous
    """
    N, H, W, C = out.shape
    for n in prange(N):  # (per image: splitting (image, row) pairs over the threads measured slower)
        origin, row_step, step = view_strides(views[n], H, W, C)
        source = x[rows[n]].reshape(H * W * C)
        target = out[n].reshape(H * W * C)
        for i in range(H):
            s = origin + i * row_step
            d = i * W * C
            if step == C:  # the source row runs forwards: one contiguous copy
                target[d:d + W * C] = source[s:s + W * C]
            elif C == 3:  # RGB written out (a loop over c runs at a third of the speed); unsigned: no sign checks
                for j in range(W):
                    a, b = np.uint64(d), np.uint64(s)
                    target[a] = source[b]
                    target[a + np.uint64(1)] = source[b + np.uint64(1)]
                    target[a + np.uint64(2)] = source[b + np.uint64(2)]
                    s += step
                    d += 3
            else:
                for j in range(W):
                    for c in range(C):
                        target[np.uint64(d + c)] = source[np.uint64(s + c)]
                    s += step
                    d += C


def dihedral_batch(x, rows, views):
    """The batch of views ``views[n]`` of the images ``x[rows[n]]``, in x's dtype.

    Parameters
    ----------
    x : ndarray, (N_total, H, W, C) uint8, float32 or float64
        The whole data set (not copied).
    rows : array_like of int, (N,)
        The batch's row numbers in ``x``.
    views : array_like of int, (N,)
        One view per image, 0..7 (module docstring); 1, 3, 5 and 7 need H == W.

    Returns
    -------
    out : ndarray, (N, H, W, C), x's dtype
    """
    x, rows, views = check_dihedral(x, rows, views)
    out = np.empty((len(rows),) + x.shape[1:], dtype=x.dtype)
    dihedral_batch_unchecked(x, rows, views, out)
    return out


def check_dihedral(x, rows, views):
    """(x, rows, views) as :func:`dihedral_batch_unchecked` needs them, or a one-line :class:`ShapeError`.

    Parameters
    ----------
    x, rows, views
        As for :func:`dihedral_batch`.

    Returns
    -------
    x : ndarray, C-contiguous
    rows, views : ndarray of int64
    """
    if not isinstance(x, np.ndarray) or x.ndim != 4 or (x.dtype != np.uint8 and x.dtype not in FLOAT_DTYPES):
        raise ShapeError("x must be a 4-D (N, H, W, C) uint8, float32 or float64 NumPy array")
    rows, views = np.asarray(rows), np.asarray(views)
    for name, a in (("rows", rows), ("views", views)):
        if a.ndim != 1 or (a.size and a.dtype.kind not in "iu"):
            raise ShapeError(f"{name} must be a 1-D array of integers, got shape {a.shape} dtype {a.dtype}")
    if rows.shape != views.shape:
        raise ShapeError(f"rows {rows.shape} and views {views.shape} must have the same length")
    if rows.size and (rows.min() < 0 or rows.max() >= len(x)):
        raise ShapeError(f"rows must be in 0..{len(x) - 1}")
    if views.size and (views.min() < 0 or views.max() > 7):
        raise ShapeError(f"views must be in 0..7 (4 rotations x mirror), got {views.min()}..{views.max()}")
    if x.shape[1] != x.shape[2] and np.any(views % 2 == 1):
        raise ShapeError(f"views 1, 3, 5 and 7 (quarter turns) need square images, got {x.shape[1]}x{x.shape[2]}")
    return np.ascontiguousarray(x), rows.astype(np.int64), views.astype(np.int64)
