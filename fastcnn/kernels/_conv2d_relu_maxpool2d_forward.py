"""The fused forward loop of :mod:`fastcnn.kernels.conv2d_relu_maxpool2d` (no checks: see its wrapper)."""
import numpy as np
from numba import prange

from .._jit import LANES, inline_helper, parallel_kernel
from ._prefetch import prefetch_item
from ._stack import stack_array
from ._views import view_strides

#: running sums of one pool window: (dy, dx, channel in the block of LANES)
WINDOW = (2, 2, LANES)


@parallel_kernel
def conv2d_relu_maxpool2d_forward_unchecked(x, rows, views, w, b, SH, SW, relu, pooled, argmax):
    """Fill ``pooled`` (N, PH, PW, C_out) and ``argmax`` (same shape, uint8).

    Sample i of the batch is view ``views[i]`` (0..7, 0 = as it is; see
    :mod:`fastcnn.kernels.dihedral`) of x[rows[i]]: the first layer reads
    its batch straight out of the whole data set (no copy), turned or
    mirrored as ``fit(augment=...)`` drew it (no gathered copy either);
    later layers pass rows = 0..N-1 and views 0.  The view's pixel
    (r, c, ci) is the flat element base + r row_step + c col_step + ci
    (:func:`fastcnn.kernels._views.view_strides`).  x is C-contiguous and
    already padded (and for uint8 pixels, w is already divided by 255);
    C_out is a multiple of LANES.

    Parallel over (sample, pooled row) pairs: N * PH of them, so even a batch
    of 5 splits evenly over the threads.  Along the row, windows go four at a
    time, pw, pw+1, pw+2, pw+3 (the last ones clamped to the row's end: a
    window then is computed and stored twice, the same value).  Their running
    sums for one block of LANES channels, 2 x 2 pixels each, live in four
    stack arrays z, u, v, q: sixteen SIMD registers.  The innermost loop
    (j over LANES, unrolled) is one SIMD multiply-add with the input value
    broadcast; a tap's weights, loaded once, serve sixteen of them, and the
    sixteen sums do not wait for each other.  (The four windows are four
    calls of :func:`add_tap` and :func:`finish_window`, not a loop over a
    (4, 2, 2, LANES) array: with a loop, LLVM keeps the sums in memory, and
    the kernel runs at half the speed.)  With AVX-512, LLVM packs two windows'
    LANES channels into one 512-bit zmm register (the j loops of z and u, v
    and q); docs/numba.md shows how to check the machine code.
    """
    N, PH, PW, C_out = pooled.shape
    KH, KW, C_in, _ = w.shape
    H, W = x.shape[1], x.shape[2]
    flat = x.reshape(x.size)
    zero = pooled.dtype.type(0)  # made once, outside the loops (see the backward kernel)
    for item in prange(N * PH):
        i = item // PH
        ph = item - i * PH
        origin, row_step, col_step = view_strides(views[i], H, W, C_in)
        base = rows[i] * (H * W * C_in) + origin
        prefetch_item(x, rows, views, item + 1, PH, SH, KH)
        z = stack_array(WINDOW, pooled.dtype)
        u = stack_array(WINDOW, pooled.dtype)
        v = stack_array(WINDOW, pooled.dtype)
        q = stack_array(WINDOW, pooled.dtype)
        for pw in range(0, PW, 4):
            pu, pv, pq = min(pw + 1, PW - 1), min(pw + 2, PW - 1), min(pw + 3, PW - 1)
            for block in range(C_out // LANES):
                c0 = block * LANES
                for dy in range(2):
                    for dx in range(2):
                        for j in range(LANES):
                            z[dy, dx, j] = b[c0 + j]
                            u[dy, dx, j] = b[c0 + j]
                            v[dy, dx, j] = b[c0 + j]
                            q[dy, dx, j] = b[c0 + j]
                for kh in range(KH):
                    for kw in range(KW):
                        for ci in range(C_in):
                            for dy in range(2):
                                # the tap's pixel in the window's top-left conv output (column 0)
                                tap = base + ((2 * ph + dy) * SH + kh) * row_step + kw * col_step + ci
                                add_tap(z, flat, tap, pw, SW, col_step, kh, kw, ci, dy, w, c0)
                                add_tap(u, flat, tap, pu, SW, col_step, kh, kw, ci, dy, w, c0)
                                add_tap(v, flat, tap, pv, SW, col_step, kh, kw, ci, dy, w, c0)
                                add_tap(q, flat, tap, pq, SW, col_step, kh, kw, ci, dy, w, c0)
                finish_window(z, pooled, argmax, i, ph, pw, c0, relu, zero)
                finish_window(u, pooled, argmax, i, ph, pu, c0, relu, zero)
                finish_window(v, pooled, argmax, i, ph, pv, c0, relu, zero)
                finish_window(q, pooled, argmax, i, ph, pq, c0, relu, zero)


@inline_helper
def add_tap(window, flat, tap, p, SW, col_step, kh, kw, ci, dy, w, c0):
    """Add one tap's products to row dy of window p's running sums.

    window[dy, dx, j] += x[n, top, (2 p + dx) SW + kw, ci] * w[kh, kw, ci, c0 + j]
    for dx in 0, 1 and j over the block of LANES channels (one SIMD
    multiply-add per pixel), x being the sample's view: its pixel is
    flat[tap + (2 p + dx) SW col_step].  Pasted into the kernel by numba
    (``inline_helper``).

    Parameters
    ----------
    window : ndarray, (2, 2, LANES)
        The window's running sums (a stack array of the kernel); updated.
    flat : ndarray, (N_data Hp Wp C_in,)
        The padded input, flat.
    tap : int
        Where the tap reads for conv column 0: base + top row_step + kw col_step + ci.
    p : int
        The pooled column of the window.
    SW, col_step : int
        Column stride; the view's step from one column to the next in ``flat``.
    kh, kw, ci, dy : int
        The tap, and the window row.
    w : ndarray, (KH, KW, C_in, C_out)
    c0 : int
        First channel of the block.

    Returns
    -------
    None
    """
    for dx in range(2):
        # np.uint64: numba lets a negative index count from the end, so it checks every signed
        # index it cannot prove >= 0; an unsigned one it does not (the bits are the same: free,
        # and ~20% faster).  The sum is never negative, whatever the signs of the steps.
        value = window.dtype.type(flat[np.uint64(tap + (2 * p + dx) * SW * col_step)])
        for j in range(LANES):  # vectorised: one SIMD multiply-add
            window[dy, dx, j] += value * w[kh, kw, ci, c0 + j]


@inline_helper
def finish_window(window, pooled, argmax, i, ph, p, c0, relu, zero):
    """Pool window p's finished sums: its maximum (then the ReLU) and which pixel holds it.

    pooled[i, ph, p, c0 + j] = max(0, max over dy, dx of window[dy, dx, j])
    (without ``relu``: the plain maximum) and argmax[...] = 2 dy + dx of the
    first maximum in row-major order: a pixel wins only if strictly greater,
    so a NaN wins only as the window's first pixel, and the ReLU lets a NaN
    through.  Selects, not branches (which pixel wins is unpredictable).

    Parameters
    ----------
    window : ndarray, (2, 2, LANES)
        The window's sums, bias included.
    pooled : ndarray, (N, PH, PW, C_out)
    argmax : ndarray, (N, PH, PW, C_out) uint8
        Written at [i, ph, p, c0 : c0 + LANES].
    i, ph, p, c0 : int
        Sample, pooled row, pooled column, first channel of the block.
    relu : bool
    zero : float
        0 in pooled's dtype, made once outside the loops (see the backward kernel).

    Returns
    -------
    None
    """
    for j in range(LANES):
        best = window[0, 0, j]
        winner = 0
        for position in range(1, 4):
            value = window[position // 2, position % 2, j]
            take = value > best
            best = value if take else best
            winner = position if take else winner
        if relu and best < 0:  # NaN is not < 0
            best = zero
        pooled[i, ph, p, c0 + j] = best
        argmax[i, ph, p, c0 + j] = winner  # (no 'if' around it: a branch here halves the speed)
