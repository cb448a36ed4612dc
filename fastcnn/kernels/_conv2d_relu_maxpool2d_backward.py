"""The fused backward loop of :mod:`fastcnn.kernels.conv2d_relu_maxpool2d` (no checks: see its wrapper)."""
import numpy as np
from numba import prange

from .._jit import LANES, chunk_bounds, inline_helper, parallel_kernel
from ._prefetch import prefetch_item
from ._stack import stack_array
from ._views import view_strides

#: running sums of one pool window: (dy, dx, channel in the block of LANES)
WINDOW = (2, 2, LANES)
#: one tap's LANES weight-gradient sums, or one block's gated pooled gradients
BLOCK = (LANES,)


@parallel_kernel
def conv2d_relu_maxpool2d_backward_unchecked(dpooled, pooled, argmax, x, rows, views, w_t, x_scale, SH, SW, relu,
                                              bounds, parts, dw, db, dxp):
    """Fill dw, db and (if it is not empty) dxp from dL/d pooled.

    x, rows and views are the forward's: sample i is view ``views[i]`` of
    x[rows[i]], read through the view's strides as the forward reads it.

    Work items are (sample, pooled row) pairs, i = item // PH; chunk c takes
    items bounds[c] .. bounds[c+1]-1 in order and sums its dw and db into its
    own row of ``parts`` (rows padded to whole cache lines, so two threads
    never write the same line); after the parallel loop the rows are added in
    chunk order.  The chunks depend on the batch, not on the thread count:
    results are bit-identical for any number of threads.

    dxp (N, Hp, Wp, C_in) is written only when needed (the first layer's
    input gradient never is); then the chunks hold whole samples (neighbouring
    windows share input pixels, so two chunks must never share a sample),
    and each chunk zeroes its samples' dxp first.  ``w_t`` is the kernel
    transposed to (KH, KW, C_out, C_in), so that dxp's update runs over
    contiguous C_in.
    """
    N, PH, PW, C_out = dpooled.shape
    KH, KW, _, C_in = w_t.shape
    H, W = x.shape[1], x.shape[2]
    flat = x.reshape(x.size)
    n_chunks = len(bounds) - 1
    zero = dw.dtype.type(0)  # made once: written inside the loop, it costs the loop half its speed
    for chunk in prange(n_chunks):
        sums = parts[chunk]
        sums[:] = 0
        dw_sum = sums[:dw.size].reshape(dw.shape)
        db_sum = sums[dw.size:dw.size + C_out]
        dz = stack_array(WINDOW, dw.dtype)      # g at window pw's winner, 0 at its other three pixels
        dq = stack_array(WINDOW, dw.dtype)      # the same for window qw
        tap = stack_array(BLOCK, dw.dtype)      # dw[kh, kw, ci, block] while it is updated
        for item in range(bounds[chunk], bounds[chunk + 1]):
            i = item // PH
            ph = item - i * PH
            origin, row_step, col_step = view_strides(views[i], H, W, C_in)
            base = rows[i] * (H * W * C_in) + origin
            prefetch_item(x, rows, views, item + 1, PH, SH, KH)
            for pw in range(0, PW, 2):  # two windows at a time, as in the forward kernel
                qw = min(pw + 1, PW - 1)
                for block in range(C_out // LANES):
                    c0 = block * LANES
                    active = False
                    for j in range(LANES):
                        g = gate_window(dz, j, dpooled, pooled, argmax, i, ph, pw, c0 + j, relu, zero, False)
                        db_sum[c0 + j] += g
                        active |= g != 0
                        # an odd row's last window, paired with itself, counts once
                        g = gate_window(dq, j, dpooled, pooled, argmax, i, ph, qw, c0 + j, relu, zero, qw == pw)
                        db_sum[c0 + j] += g
                        active |= g != 0
                    if not active:  # the ReLU is off in every channel of both windows: nothing to add
                        continue
                    # dw: all four pixels of both windows, six of them times zero: branch-free and SIMD
                    for kh in range(KH):
                        for kw in range(KW):
                            for ci in range(C_in):
                                dw_tap = dw_sum[kh, kw, ci]  # a 1-D view: LLVM indexes it more simply
                                for j in range(LANES):
                                    tap[j] = dw_tap[c0 + j]
                                for dy in range(2):
                                    # the view's pixel for conv column 0, as in the forward kernel;
                                    # unsigned indices (never negative), as there
                                    at = base + ((2 * ph + dy) * SH + kh) * row_step + kw * col_step + ci
                                    for dx in range(2):
                                        value = dw.dtype.type(flat[np.uint64(at + (2 * pw + dx) * SW * col_step)])
                                        for j in range(LANES):  # vectorised: one SIMD multiply-add
                                            tap[j] += value * dz[dy, dx, j]
                                    for dx in range(2):
                                        value = dw.dtype.type(flat[np.uint64(at + (2 * qw + dx) * SW * col_step)])
                                        for j in range(LANES):
                                            tap[j] += value * dq[dy, dx, j]
                                for j in range(LANES):
                                    dw_tap[c0 + j] = tap[j]
    # the chunks' sums, added in chunk order (deterministic)
    dw_flat = dw.reshape(dw.size)
    for k in range(dw.size):
        total = dw.dtype.type(0)
        for chunk in range(n_chunks):
            total += parts[chunk, k]
        dw_flat[k] = total * x_scale
    for c in range(C_out):
        total = dw.dtype.type(0)
        for chunk in range(n_chunks):
            total += parts[chunk, dw.size + c]
        db[c] = total
    if dxp.shape[0] == 0:
        return
    # dx: sample i writes only dxp[i]; only each channel's winner, and only when its g is not 0
    for i in prange(N):
        dxp[i] = 0
        for ph in range(PH):
            for pw in range(PW):
                for c in range(C_out):
                    g = dpooled[i, ph, pw, c]
                    if g == 0 or (relu and not pooled[i, ph, pw, c] > 0):
                        continue
                    winner = argmax[i, ph, pw, c]
                    h0 = (2 * ph + winner // 2) * SH
                    w0 = (2 * pw + winner % 2) * SW
                    for kh in range(KH):
                        for kw in range(KW):
                            for ci in range(C_in):  # vectorised over contiguous C_in
                                dxp[i, h0 + kh, w0 + kw, ci] += g * w_t[kh, kw, c, ci]


@inline_helper
def gate_window(window, j, dpooled, pooled, argmax, i, ph, p, c, relu, zero, skip):
    """Window p's gradient g in channel c, placed at its winning pixel.

    g = dpooled[i, ph, p, c], or 0 where the ReLU was off (pooled <= 0) or
    ``skip``; then window[dy, dx, j] = g at the pixel the forward recorded
    (2 dy + dx = argmax[i, ph, p, c]) and 0 at the other three, with selects.
    Pasted into the kernel by numba (``inline_helper``).

    Parameters
    ----------
    window : ndarray, (2, 2, LANES)
        A stack array of the kernel; column j is written.
    j : int
        Lane: c = c0 + j.
    dpooled, pooled : ndarray, (N, PH, PW, C_out)
    argmax : ndarray, (N, PH, PW, C_out) uint8
    i, ph, p, c : int
        Sample, pooled row, pooled column, channel.
    relu, skip : bool
        ``skip``: the window was already counted (an odd row's last window,
        paired with itself).
    zero : float
        0 in the gradients' dtype, made once outside the loops.

    Returns
    -------
    g : float
        The gated gradient (for db and the "any channel active" test).
    """
    g = dpooled[i, ph, p, c]
    if (relu and not pooled[i, ph, p, c] > 0) or skip:
        g = zero
    winner = argmax[i, ph, p, c]
    for dy in range(2):
        for dx in range(2):
            window[dy, dx, j] = g if winner == 2 * dy + dx else zero
    return g


def backward_workspace(N, PH, w_shape, need_dx, dtype):
    """The chunk bounds and the per-chunk sum buffers for a batch of N samples.

    Chunks split the N * PH work items evenly, or (``need_dx``) whole
    samples; each chunk's row of ``parts`` holds its dw and db sums, padded
    to a multiple of 16 values (64 bytes: one cache line).
    """
    bounds = chunk_bounds(N, PH, whole_samples=need_dx)
    size = int(np.prod(w_shape)) + w_shape[3]
    parts = np.empty((len(bounds) - 1, -(-size // 16) * 16), dtype=dtype)
    return bounds, parts
