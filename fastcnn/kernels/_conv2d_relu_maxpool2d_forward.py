"""The fused forward loop of :mod:`fastcnn.kernels.conv2d_relu_maxpool2d` (no checks: see its wrapper)."""
import numpy as np
from numba import prange

from .._jit import LANES, parallel_kernel
from ._prefetch import prefetch_item
from ._stack import stack_array

#: running sums of one pool window: (dy, dx, channel in the block of LANES)
WINDOW = (2, 2, LANES)


@parallel_kernel
def conv2d_relu_maxpool2d_forward_unchecked(x, rows, w, b, SH, SW, relu, pooled, argmax):
    """Fill ``pooled`` (N, PH, PW, C_out) and ``argmax`` (same shape, uint8).

    Sample i of the batch is x[rows[i]]: the first layer reads its batch
    straight out of the whole data set (no copy), later layers pass
    rows = 0..N-1.  x is already padded (and for uint8 pixels, w is already
    divided by 255); C_out is a multiple of LANES.

    Parallel over (sample, pooled row) pairs: N * PH of them, so even a batch
    of 5 splits evenly over the threads.  Along the row, windows go four at a
    time, pw, pw+1, pw+2, pw+3 (the last ones clamped to the row's end: a
    window then is computed and stored twice, the same value).  Their running
    sums for one block of LANES channels, 2 x 2 pixels each, live in four
    stack arrays z, u, v, q: sixteen SIMD registers.  The innermost loop
    (j over LANES, unrolled) is one SIMD multiply-add with the input value
    broadcast; a tap's weights, loaded once, serve sixteen of them, and the
    sixteen sums do not wait for each other.  (The four windows are written
    out, not looped over: with a loop, LLVM keeps the sums in memory, and the
    kernel runs at half the speed.)  With AVX-512, LLVM packs two windows'
    LANES channels into one 512-bit zmm register (the j loops of z and u, v
    and q); docs/numba.md shows how to check the machine code.
    """
    N, PH, PW, C_out = pooled.shape
    KH, KW, C_in, _ = w.shape
    zero = pooled.dtype.type(0)  # made once, outside the loops (see the backward kernel)
    for item in prange(N * PH):
        i = item // PH
        ph = item - i * PH
        n = np.uint64(rows[i])  # unsigned indices: see "top" below
        prefetch_item(x, rows, item + 1, PH, SH, KH)
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
                                # np.uint64: numba lets a negative index count from the end, so it
                                # checks every signed index it cannot prove >= 0; an unsigned one
                                # it does not (the bits are the same: free, and ~20% faster)
                                top = np.uint64((2 * ph + dy) * SH + kh)
                                for dx in range(2):
                                    value = pooled.dtype.type(x[n, top, np.uint64((2 * pw + dx) * SW + kw), ci])
                                    for j in range(LANES):  # vectorised: one SIMD multiply-add
                                        z[dy, dx, j] += value * w[kh, kw, ci, c0 + j]
                                for dx in range(2):
                                    value = pooled.dtype.type(x[n, top, np.uint64((2 * pu + dx) * SW + kw), ci])
                                    for j in range(LANES):
                                        u[dy, dx, j] += value * w[kh, kw, ci, c0 + j]
                                for dx in range(2):
                                    value = pooled.dtype.type(x[n, top, np.uint64((2 * pv + dx) * SW + kw), ci])
                                    for j in range(LANES):
                                        v[dy, dx, j] += value * w[kh, kw, ci, c0 + j]
                                for dx in range(2):
                                    value = pooled.dtype.type(x[n, top, np.uint64((2 * pq + dx) * SW + kw), ci])
                                    for j in range(LANES):
                                        q[dy, dx, j] += value * w[kh, kw, ci, c0 + j]
                # each window's first maximum in row-major order: a pixel wins only if strictly
                # greater (so a NaN wins only as a window's first pixel), with selects, not
                # branches (which pixel wins is unpredictable); then the ReLU, written so that a
                # NaN passes through.  Written out for each window: handing z to a helper
                # function, even one that is inlined, makes LLVM keep the sums in memory.
                for j in range(LANES):
                    best = z[0, 0, j]
                    winner = 0
                    for position in range(1, 4):
                        value = z[position // 2, position % 2, j]
                        take = value > best
                        best = value if take else best
                        winner = position if take else winner
                    if relu and best < 0:  # NaN is not < 0
                        best = zero
                    pooled[i, ph, pw, c0 + j] = best
                    argmax[i, ph, pw, c0 + j] = winner  # (no 'if' around it: a branch here halves the speed)
                for j in range(LANES):
                    best = u[0, 0, j]
                    winner = 0
                    for position in range(1, 4):
                        value = u[position // 2, position % 2, j]
                        take = value > best
                        best = value if take else best
                        winner = position if take else winner
                    if relu and best < 0:
                        best = zero
                    pooled[i, ph, pu, c0 + j] = best
                    argmax[i, ph, pu, c0 + j] = winner
                for j in range(LANES):
                    best = v[0, 0, j]
                    winner = 0
                    for position in range(1, 4):
                        value = v[position // 2, position % 2, j]
                        take = value > best
                        best = value if take else best
                        winner = position if take else winner
                    if relu and best < 0:
                        best = zero
                    pooled[i, ph, pv, c0 + j] = best
                    argmax[i, ph, pv, c0 + j] = winner
                for j in range(LANES):
                    best = q[0, 0, j]
                    winner = 0
                    for position in range(1, 4):
                        value = q[position // 2, position % 2, j]
                        take = value > best
                        best = value if take else best
                        winner = position if take else winner
                    if relu and best < 0:
                        best = zero
                    pooled[i, ph, pq, c0 + j] = best
                    argmax[i, ph, pq, c0 + j] = winner
