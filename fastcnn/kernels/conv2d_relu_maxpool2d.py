"""Conv2D (+ ReLU) followed by a 2x2 MaxPool2D, fused: forward and backward.

The reference model's two convolutions are each followed by a ReLU and a 2x2
max-pool.  Run separately, the convolution writes a (N, OH, OW, C_out) map
that the pool reads back to keep a quarter of it, and the backward pass
scatters the pooled gradient into a mostly-zero map of the same size.  Fused,
each pooled output is computed from its four convolution outputs while they
are still in registers, and the forward records which of the four won (one
``uint8`` per pooled output); the backward sends each pooled gradient straight
to that pixel, without searching or comparing anything again.

Math (docs/math/conv2d_relu_maxpool2d.md).  Pool window (ph, pw) covers the
convolution outputs (oh, ow) = (2 ph + dy, 2 pw + dx), dy, dx in {0, 1}:

    z[n, oh, ow, c]  = b[c] + sum_{kh, kw, ci} xp[n, oh*SH + kh, ow*SW + kw, ci] * w[kh, kw, ci, c]
    pooled[n, ph, pw, c] = max(0, max_{dy, dx} z[n, 2 ph + dy, 2 pw + dx, c])   (no max(0, .) without ReLU)
    argmax[n, ph, pw, c] = 2 dy + dx of the first maximum, in row-major order

    backward, given Gp = dL/d pooled (N, PH, PW, C_out):
        g  = Gp[n, ph, pw, c] * [pooled > 0]            (ReLU; g = Gp without it)
        (oh, ow) = the window's winner (argmax)
        db[c]                               += g
        dw[kh, kw, ci, c]                   += g * xp[n, oh*SH + kh, ow*SW + kw, ci]
        dxp[n, oh*SH + kh, ow*SW + kw, ci]  += g * w[kh, kw, ci, c]

PH = floor(OH / 2), PW = floor(OW / 2): a last odd row or column of the
convolution's output is never pooled, so it is never computed.  Pools other
than 2x2 with stride 2 and no padding take the unfused path (conv2d and
maxpool2d kernels); the wrapper pads channel counts that are not a multiple
of LANES (the model uses the unfused path for them).

Speed (docs/numba.md, "Fast loops"): the running sums of a block of LANES
output channels live in stack arrays (SIMD registers), for four windows at a
time in the forward and two in the backward; indices are unsigned; the next
work item's input rows are prefetched.  Each of these is marked where it is
made.
"""
import numpy as np
from numba import prange

from .._jit import LANES, chunk_bounds, kernel, parallel_kernel
from ..errors import ShapeError
from ._prefetch import prefetch_row
from ._stack import stack_array
from ._validate import expect_shape, float_array, same_dtype
from .conv2d import PIXEL_SCALE, _arguments, _output_size, _pad_channels

#: running sums of one pool window: (dy, dx, channel in the block of LANES)
WINDOW = (2, 2, LANES)
#: one tap's LANES weight-gradient sums, or one block's gated pooled gradients
BLOCK = (LANES,)


def pooled_size(OH, OW):
    """(PH, PW) of a 2x2, stride-2, unpadded pool over an OH x OW map."""
    return OH // 2, OW // 2


@parallel_kernel
def _conv2d_relu_maxpool2d_forward(x, rows, w, b, SH, SW, relu, pooled, argmax):
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
        _prefetch_item(x, rows, item + 1, PH, SH, KH)
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


@kernel
def _prefetch_item(x, rows, item, PH, SH, KH):
    """Start loading the input rows that work item ``item`` (sample, pooled row) reads.

    The first layer reads its images out of a data set far larger than the
    caches, and the CPU's own prefetcher does not see far enough ahead in the
    kernel's access pattern: announcing the next item's rows while this one
    computes made the forward pass up to 2x faster on images fresh from memory.
    """
    N, PH_ = len(rows), PH
    if item >= N * PH_:
        return
    i = item // PH_
    ph = item - i * PH_
    n = rows[i]
    for r in range(2 * ph * SH, min((2 * ph + 1) * SH + KH, x.shape[1])):
        prefetch_row(x[n, r].reshape(x.shape[2] * x.shape[3]))


def conv2d_relu_maxpool2d_forward(x, w, b, strides=1, padding="valid", relu=True):
    """``maxpool2x2(relu(conv2d(x, w, b)))`` and which pixel of each window won.

    x (N, H, W, C_in) float, or uint8 pixels read as x / 255; w (KH, KW, C_in,
    C_out); b (C_out,).  Returns ``(pooled, argmax)``: pooled (N, PH, PW,
    C_out) and argmax (same shape, uint8) = 2 dy + dx of each window's first
    maximum.  ``relu=False`` pools the convolution's raw output.
    """
    xp, w, b, (SH, SW), _ = _arguments(x, w, b, strides, padding)
    OH, OW = _output_size(xp.shape[1], xp.shape[2], w.shape[0], w.shape[1], SH, SW)
    PH, PW = pooled_size(OH, OW)
    if PH < 1 or PW < 1:
        raise ShapeError(f"the convolution's output ({OH}x{OW}) is smaller than the 2x2 pool window")
    C_out = w.shape[3]
    w_lanes, b_lanes = _pad_channels(w, 3), _pad_channels(b, 0)
    shape = (x.shape[0], PH, PW, w_lanes.shape[3])
    pooled = np.empty(shape, dtype=w.dtype)
    argmax = np.empty(shape, dtype=np.uint8)
    if xp.dtype == np.uint8:
        w_lanes = w_lanes * w.dtype.type(PIXEL_SCALE)  # (x / 255) * w == x * (w / 255)
    _conv2d_relu_maxpool2d_forward(xp, np.arange(len(xp)), w_lanes, b_lanes, SH, SW, bool(relu), pooled, argmax)
    if w_lanes.shape[3] != C_out:
        pooled, argmax = np.ascontiguousarray(pooled[..., :C_out]), np.ascontiguousarray(argmax[..., :C_out])
    return pooled, argmax


@parallel_kernel
def _conv2d_relu_maxpool2d_backward(dpooled, pooled, argmax, x, rows, w_t, x_scale, SH, SW, relu, bounds,
                                    parts, dw, db, dxp):
    """Fill dw, db and (if it is not empty) dxp from dL/d pooled.

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
            n = np.uint64(rows[i])  # unsigned indices, as in the forward kernel
            _prefetch_item(x, rows, item + 1, PH, SH, KH)
            for pw in range(0, PW, 2):  # two windows at a time, as in the forward kernel
                qw = min(pw + 1, PW - 1)
                for block in range(C_out // LANES):
                    c0 = block * LANES
                    active = False
                    for j in range(LANES):
                        # g: dL/d pooled through the ReLU; dz: g at the winner, 0 at the other pixels
                        g = dpooled[i, ph, pw, c0 + j]
                        if relu and not pooled[i, ph, pw, c0 + j] > 0:
                            g = zero
                        db_sum[c0 + j] += g
                        active |= g != 0
                        winner = argmax[i, ph, pw, c0 + j]
                        for dy in range(2):
                            for dx in range(2):
                                dz[dy, dx, j] = g if winner == 2 * dy + dx else zero
                        # the same for window qw (an odd row's last window, paired with itself, counts once)
                        g = dpooled[i, ph, qw, c0 + j]
                        if (relu and not pooled[i, ph, qw, c0 + j] > 0) or qw == pw:
                            g = zero
                        db_sum[c0 + j] += g
                        active |= g != 0
                        winner = argmax[i, ph, qw, c0 + j]
                        for dy in range(2):
                            for dx in range(2):
                                dq[dy, dx, j] = g if winner == 2 * dy + dx else zero
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
                                    top = np.uint64((2 * ph + dy) * SH + kh)
                                    for dx in range(2):
                                        value = dw.dtype.type(x[n, top, np.uint64((2 * pw + dx) * SW + kw), ci])
                                        for j in range(LANES):  # vectorised: one SIMD multiply-add
                                            tap[j] += value * dz[dy, dx, j]
                                    for dx in range(2):
                                        value = dw.dtype.type(x[n, top, np.uint64((2 * qw + dx) * SW + kw), ci])
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


def conv2d_relu_maxpool2d_backward(dpooled, pooled, argmax, x, w, strides=1, padding="valid", relu=True,
                                   need_dx=True):
    """Gradients ``(dx, dw, db)`` of :func:`conv2d_relu_maxpool2d_forward` given dL/d pooled.

    ``pooled`` and ``argmax`` are what the forward returned; ``x``, ``w``,
    ``strides``, ``padding`` and ``relu`` are the forward's.  dx is None when
    ``need_dx=False``; a uint8 ``x`` means x / 255 (and has no dx).
    """
    xp, w, _, (SH, SW), (pad_top, pad_left) = _arguments(x, w, None, strides, padding)
    N, H, W, _ = x.shape
    OH, OW = _output_size(xp.shape[1], xp.shape[2], w.shape[0], w.shape[1], SH, SW)
    PH, PW = pooled_size(OH, OW)
    C_out = w.shape[3]
    dpooled = float_array(dpooled, 4, "dpooled")
    pooled = float_array(pooled, 4, "pooled")
    same_dtype(dpooled=dpooled, pooled=pooled, kernel=w)
    expect_shape(pooled, (N, PH, PW, C_out), "pooled")
    expect_shape(dpooled, (N, PH, PW, C_out), "dpooled")
    if not isinstance(argmax, np.ndarray) or argmax.dtype != np.uint8:
        raise ShapeError("argmax must be the uint8 array returned by conv2d_relu_maxpool2d_forward")
    expect_shape(argmax, (N, PH, PW, C_out), "argmax")
    if need_dx and xp.dtype == np.uint8:
        raise ShapeError("uint8 pixels have no gradient: pass need_dx=False")
    w_lanes = _pad_channels(w, 3)
    dpooled, pooled, argmax = (_pad_channels(a, 3) for a in (dpooled, pooled, argmax))
    bounds, parts = backward_workspace(N, PH, w_lanes.shape, need_dx, w.dtype)
    dw = np.empty(w_lanes.shape, dtype=w.dtype)
    db = np.empty(w_lanes.shape[3], dtype=w.dtype)
    dxp = np.empty(xp.shape if need_dx else (0, 1, 1, 1), dtype=w.dtype)
    x_scale = w.dtype.type(PIXEL_SCALE if xp.dtype == np.uint8 else 1.0)
    w_t = np.ascontiguousarray(w_lanes.transpose(0, 1, 3, 2))
    _conv2d_relu_maxpool2d_backward(dpooled, pooled, argmax, xp, np.arange(N), w_t, x_scale, SH, SW, bool(relu),
                                    bounds, parts, dw, db, dxp)
    dx = np.ascontiguousarray(dxp[:, pad_top:pad_top + H, pad_left:pad_left + W, :]) if need_dx else None
    return dx, np.ascontiguousarray(dw[..., :C_out]), db[:C_out].copy()
