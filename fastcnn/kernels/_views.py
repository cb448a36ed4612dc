"""Where the pixels of one dihedral view of an image lie in the image's flat array.

View ``v`` of an H x W x C image (fastcnn/kernels/dihedral.py, docs/math/dihedral.md)
reads, for its pixel (i, j), the source pixel (p, q) with

    p = p0 + pi i + pj j,    q = q0 + qi i + qj j

an affine map, so the flat index of (i, j, c) is

    (p W + q) C + c = origin + i row_step + j col_step + c

with origin = (p0 W + q0) C, row_step = (pi W + qi) C, col_step = (pj W + qj) C.
:func:`view_strides` gives those three numbers.  The dihedral gather walks
its output with them; the fused first convolution reads a view straight
out of the data set with them (no gathered copy of the batch): the steps
may be negative, the index they give never is.
"""
from .._jit import kernel


@kernel
def view_strides(v, H, W, C):
    """(origin, row_step, col_step): view v's pixel (i, j, c) is flat element origin + i row_step + j col_step + c.

    v = k + 4 m: k quarter turns counter-clockwise (``np.rot90(image, k)``)
    after a left-right mirror when m = 1.  Odd k needs H == W.  View 0
    gives (0, W C, C): the image as it is.
    """
    k = v & 3
    if k == 0:
        p0, pi, pj, q0, qi, qj = 0, 1, 0, 0, 0, 1
    elif k == 1:
        p0, pi, pj, q0, qi, qj = 0, 0, 1, W - 1, -1, 0
    elif k == 2:
        p0, pi, pj, q0, qi, qj = H - 1, -1, 0, W - 1, 0, -1
    else:
        p0, pi, pj, q0, qi, qj = H - 1, 0, -1, 0, 1, 0
    if v >= 4:  # mirrored first: q <- W-1-q
        q0, qi, qj = W - 1 - q0, -qi, -qj
    return (p0 * W + q0) * C, (pi * W + qi) * C, (pj * W + qj) * C
