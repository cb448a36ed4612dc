"""Fused Conv2D+ReLU+MaxPool2D(2x2): forward and backward equal the twin (the
unfused steps), equal the unfused kernels, match finite differences, and
give the same bits for any thread count."""
import numba
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastcnn import kernels, reference
from fastcnn.errors import ShapeError
from fastcnn.kernels.conv2d import PIXEL_SCALE
from fastcnn.kernels.conv2d_relu_maxpool2d import conv2d_relu_maxpool2d_forward_unchecked
from tests.helpers import assert_fd_ok, assert_float32_close, fd_errors


@st.composite
def cases(draw):
    K = draw(st.integers(1, 3))
    strides = draw(st.integers(1, 2))
    low = K + strides + 1  # at least one 2x2 pool window of outputs
    return dict(
        N=draw(st.integers(1, 3)), H=draw(st.integers(low, 13)), W=draw(st.integers(low, 13)),
        C_in=draw(st.integers(1, 4)), C_out=draw(st.sampled_from([1, 3, 8, 9, 16])), K=K, strides=strides,
        padding=draw(st.sampled_from(["valid", "same"])), relu=draw(st.booleans()),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


def arrays(case, dtype=np.float64):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((case["N"], case["H"], case["W"], case["C_in"])).astype(dtype)
    w = rng.standard_normal((case["K"], case["K"], case["C_in"], case["C_out"])).astype(dtype)
    b = rng.standard_normal(case["C_out"]).astype(dtype) * 0.5
    return x, w, b, rng


def conv_args(case):
    return case["strides"], case["padding"]


def clear_winners(x, w, b, case, margin):
    """Windows whose largest value beats the second by more than ``margin``
    (elsewhere round-off may pick another of two near-equal pixels)."""
    z = reference.conv2d_forward(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), *conv_args(case))
    N, OH, OW, C = z.shape
    windows = z[:, :OH // 2 * 2, :OW // 2 * 2].reshape(N, OH // 2, 2, OW // 2, 2, C)
    top = np.sort(windows.transpose(0, 1, 3, 5, 2, 4).reshape(N, OH // 2, OW // 2, C, 4), axis=-1)
    return top[..., 3] - top[..., 2] > margin


@given(cases())
def test_forward_equals_twin_and_unfused_kernels(case):
    x, w, b, _ = arrays(case)
    pooled, argmax = kernels.conv2d_relu_maxpool2d_forward(x, w, b, *conv_args(case), relu=case["relu"])
    twin_pooled, twin_argmax = reference.conv2d_relu_maxpool2d_forward(x, w, b, *conv_args(case), relu=case["relu"])
    np.testing.assert_allclose(pooled, twin_pooled, rtol=1e-10, atol=1e-10)
    clear = clear_winners(x, w, b, case, 1e-9)
    np.testing.assert_array_equal(argmax[clear], twin_argmax[clear])
    assert argmax.dtype == np.uint8 and argmax.max(initial=0) <= 3
    # the unfused kernels: convolution (with the ReLU), then max-pooling
    out = kernels.conv2d_forward(x, w, b, *conv_args(case), relu=case["relu"])
    unfused = kernels.maxpool2d_forward(out[:, :pooled.shape[1] * 2, :pooled.shape[2] * 2], 2)
    np.testing.assert_allclose(pooled, unfused, rtol=1e-10, atol=1e-10)


@given(cases())
def test_backward_equals_twin_and_unfused_kernels(case):
    x, w, b, rng = arrays(case)
    pooled, argmax = kernels.conv2d_relu_maxpool2d_forward(x, w, b, *conv_args(case), relu=case["relu"])
    G = rng.standard_normal(pooled.shape)
    fused = kernels.conv2d_relu_maxpool2d_backward(G, pooled, argmax, x, w, *conv_args(case), relu=case["relu"])
    twin = reference.conv2d_relu_maxpool2d_backward(G, pooled, argmax, x, w, *conv_args(case), relu=case["relu"])
    # the unfused kernels, routed through the same winners: pool backward, then convolution backward
    out = kernels.conv2d_forward(x, w, b, *conv_args(case), relu=case["relu"])
    PH, PW = pooled.shape[1:3]
    clear = clear_winners(x, w, b, case, 1e-9)
    G_clear = np.where(clear, G, 0)  # near-ties may be routed differently by maxpool2d_backward
    dout = np.zeros_like(out)
    dout[:, :2 * PH, :2 * PW] = kernels.maxpool2d_backward(G_clear, np.ascontiguousarray(out[:, :2 * PH, :2 * PW]),
                                                           pooled, 2)
    unfused = kernels.conv2d_backward(dout, x, w, *conv_args(case), relu=case["relu"], out=out)
    fused_clear = kernels.conv2d_relu_maxpool2d_backward(G_clear, pooled, argmax, x, w, *conv_args(case),
                                                         relu=case["relu"])
    for got, want, name in zip(fused, twin, ("dx", "dw", "db")):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10, err_msg=name)  # the same sums, other orders
    for got, want, name in zip(fused_clear, unfused, ("dx", "dw", "db")):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10, err_msg=name)
    dx, dw, db = kernels.conv2d_relu_maxpool2d_backward(G, pooled, argmax, x, w, *conv_args(case),
                                                        relu=case["relu"], need_dx=False)
    assert dx is None
    np.testing.assert_allclose(dw, fused[1], rtol=1e-12, atol=1e-12)


@given(cases())
def test_float32_and_uint8_inputs_match_float64_twin(case):
    x, w, b, rng = arrays(case, np.float32)
    pixels = rng.integers(0, 256, x.shape, dtype=np.uint8)
    for inp, as_float in ((x, x.astype(np.float64)), (pixels, pixels / 255.0)):
        pooled, argmax = kernels.conv2d_relu_maxpool2d_forward(inp, w, b, *conv_args(case), relu=case["relu"])
        assert pooled.dtype == np.float32
        w64, b64 = w.astype(np.float64), b.astype(np.float64)
        twin_pooled, _ = reference.conv2d_relu_maxpool2d_forward(as_float, w64, b64, *conv_args(case),
                                                                 relu=case["relu"])
        n_terms = case["K"] ** 2 * case["C_in"] + 1
        scale = max(np.abs(as_float).max() * np.abs(w).max(), np.abs(b).max())
        assert_float32_close(pooled, twin_pooled, n_terms, scale, "pooled")
        G = rng.standard_normal(pooled.shape).astype(np.float32)
        need_dx = inp.dtype != np.uint8
        dx, dw, db = kernels.conv2d_relu_maxpool2d_backward(G, pooled, argmax, inp, w, *conv_args(case),
                                                            relu=case["relu"], need_dx=need_dx)
        # the twin routes through the same winners, in float64
        rdx, rdw, rdb = reference.conv2d_relu_maxpool2d_backward(
            G.astype(np.float64), pooled.astype(np.float64), argmax, as_float, w64, *conv_args(case),
            relu=case["relu"], need_dx=need_dx)
        n_pooled = int(np.prod(pooled.shape[:3]))  # each dw entry sums one product per pooled cell
        g = np.abs(G).max()
        assert_float32_close(dw, rdw, n_pooled, g * max(np.abs(as_float).max(), 1e-30), "dw")
        assert_float32_close(db, rdb, n_pooled, g, "db")
        if need_dx:
            # each input pixel gathers from at most K*K*C_out windows
            assert_float32_close(dx, rdx, case["K"] ** 2 * case["C_out"], g * np.abs(w).max(), "dx")


@pytest.mark.parametrize("strides,padding,relu", [(1, "valid", True), (2, "same", True), (1, "same", False)])
def test_matches_finite_differences(strides, padding, relu):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 11, 10, 3))
    w = rng.standard_normal((3, 3, 3, 8))
    b = rng.standard_normal(8) * 0.3
    case = dict(strides=strides, padding=padding)
    # a central difference moves each pre-activation z by at most eps * max(|x|, |w|, 1) < 1e-5: no z
    # may sit that close to the ReLU kink, and no two pixels of a window that close to each other
    z = kernels.conv2d_forward(x, w, b, strides, padding)
    assert np.abs(z).min() > 1e-5
    assert clear_winners(x, w, b, case, 2e-5).all()
    pooled, argmax = kernels.conv2d_relu_maxpool2d_forward(x, w, b, strides, padding, relu)
    G = rng.standard_normal(pooled.shape)
    dx, dw, db = kernels.conv2d_relu_maxpool2d_backward(G, pooled, argmax, x, w, strides, padding, relu)
    # the gradient really flows: through the ReLU where pooled > 0, to a quarter of the pixels
    assert np.count_nonzero(dx) > x.size // 4

    def f():
        return float(np.sum(kernels.conv2d_relu_maxpool2d_forward(x, w, b, strides, padding, relu)[0] * G))

    assert_fd_ok(fd_errors(f, {"x": x, "w": w, "b": b}, {"x": dx, "w": dw, "b": db}))


def test_rows_read_the_batch_out_of_the_whole_data_set():
    rng = np.random.default_rng(3)
    data = rng.integers(0, 256, (9, 12, 12, 3), dtype=np.uint8)
    w = rng.standard_normal((3, 3, 3, 8)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    rows = np.array([7, 2, 2, 5])
    pooled = np.empty((4, 2, 2, 8), np.float32)
    argmax = np.empty(pooled.shape, np.uint8)
    conv2d_relu_maxpool2d_forward_unchecked(data, rows, np.zeros(4, np.int64), w * np.float32(PIXEL_SCALE), b, 2, 2,
                                            True, pooled, argmax)
    want, want_argmax = kernels.conv2d_relu_maxpool2d_forward(data[rows], w, b, 2)
    np.testing.assert_array_equal(pooled, want)
    np.testing.assert_array_equal(argmax, want_argmax)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
@pytest.mark.parametrize("shape,views", [((13, 13), range(8)), ((11, 14), [0, 2, 4, 6])])
@pytest.mark.parametrize("strides,padding", [(1, "valid"), (2, "valid"), ((2, 1), "valid"), (2, "same")])
def test_views_are_read_in_place_exactly_as_their_gathered_copies(dtype, shape, views, strides, padding):
    """Sample n as view views[n] of x[n] (fit's augmentation) equals, bit for bit, the forward and backward
    of the turned copy: only the addresses read differ, not the arithmetic."""
    rng = np.random.default_rng(6)
    views = np.resize(np.array(list(views)), 10)
    x = rng.integers(0, 256, (10,) + shape + (3,), dtype=np.uint8)
    if dtype != np.uint8:
        x = (x / 255).astype(dtype)
    w = rng.standard_normal((3, 3, 3, 8)).astype(np.float32 if dtype == np.uint8 else dtype)
    b = rng.standard_normal(8).astype(w.dtype)
    turned = reference.dihedral_batch(x, np.arange(10), views)  # np.rot90 / np.flip
    pooled, argmax = kernels.conv2d_relu_maxpool2d_forward(x, w, b, strides, padding, views=views)
    want, want_argmax = kernels.conv2d_relu_maxpool2d_forward(turned, w, b, strides, padding)
    np.testing.assert_array_equal(pooled, want)
    np.testing.assert_array_equal(argmax, want_argmax)
    twin, _ = reference.conv2d_relu_maxpool2d_forward(x, w, b, strides, padding, views=views)  # np.rot90 / np.flip
    np.testing.assert_allclose(pooled, twin, rtol=1e-12 if dtype == np.float64 else 1e-5, atol=1e-6)
    G = rng.standard_normal(pooled.shape).astype(w.dtype)
    _, dw, db = kernels.conv2d_relu_maxpool2d_backward(G, pooled, argmax, x, w, strides, padding, need_dx=False,
                                                       views=views)
    _, want_dw, want_db = kernels.conv2d_relu_maxpool2d_backward(G, pooled, argmax, turned, w, strides, padding,
                                                                 need_dx=False)
    np.testing.assert_array_equal(dw, want_dw)
    np.testing.assert_array_equal(db, want_db)


def test_views_are_checked_and_have_no_input_gradient():
    x = np.zeros((2, 9, 8, 3), np.float32)
    w, b = np.zeros((3, 3, 3, 8), np.float32), np.zeros(8, np.float32)
    with pytest.raises(ShapeError, match="views 1, 3, 5 and 7"):
        kernels.conv2d_relu_maxpool2d_forward(x, w, b, views=[1, 0])
    with pytest.raises(ShapeError, match="views must be in 0..7"):
        kernels.conv2d_relu_maxpool2d_forward(x, w, b, views=[8, 0])
    with pytest.raises(ShapeError, match="same length"):
        kernels.conv2d_relu_maxpool2d_forward(x, w, b, views=[0])
    pooled, argmax = kernels.conv2d_relu_maxpool2d_forward(x, w, b, views=[2, 4])
    with pytest.raises(ShapeError, match="pass need_dx=False"):
        kernels.conv2d_relu_maxpool2d_backward(pooled, pooled, argmax, x, w, views=[2, 4])


def test_gradients_are_bit_identical_for_any_thread_count():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 33, 33, 8)).astype(np.float32)
    w = rng.standard_normal((3, 3, 8, 8)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    results = []
    for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
        numba.set_num_threads(threads)
        pooled, argmax = kernels.conv2d_relu_maxpool2d_forward(x, w, b, 2)
        G = np.random.default_rng(5).standard_normal(pooled.shape).astype(np.float32)
        results.append((pooled, argmax) + kernels.conv2d_relu_maxpool2d_backward(G, pooled, argmax, x, w, 2))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    for got in results[1:]:
        for a, c in zip(got, results[0]):
            np.testing.assert_array_equal(a, c)


def test_nan_wins_only_as_the_first_pixel_of_its_window():
    x = np.zeros((1, 4, 4, 1))
    w = np.ones((1, 1, 1, 8))
    b = np.zeros(8)
    x[0, 0, 0, 0] = np.nan  # first pixel of window (0, 0)
    x[0, 2, 3, 0] = np.nan  # last pixel of window (1, 1)
    pooled, argmax = kernels.conv2d_relu_maxpool2d_forward(x, w, b, 1)
    twin, twin_argmax = reference.conv2d_relu_maxpool2d_forward(x, w, b, 1)
    np.testing.assert_array_equal(pooled, twin)
    np.testing.assert_array_equal(argmax, twin_argmax)
    assert np.isnan(pooled[0, 0, 0]).all() and not np.isnan(pooled[0, 1, 1]).any()


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((1, 6, 6, 2)), rng.standard_normal((3, 3, 2, 8)), np.zeros(8)
    pooled, argmax = kernels.conv2d_relu_maxpool2d_forward(x, w, b)
    twin_pooled, twin_argmax = reference.conv2d_relu_maxpool2d_forward(x, w, b)
    np.testing.assert_allclose(pooled, twin_pooled, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(argmax, twin_argmax)
    G = np.ones_like(pooled)
    for got, want in zip(kernels.conv2d_relu_maxpool2d_backward(G, pooled, argmax, x, w),
                         reference.conv2d_relu_maxpool2d_backward(G, pooled, argmax, x, w)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_bad_arguments_raise_clear_errors():
    x = np.zeros((2, 6, 6, 1), np.float32)
    w = np.zeros((3, 3, 1, 8), np.float32)
    b = np.zeros(8, np.float32)
    pooled, argmax = kernels.conv2d_relu_maxpool2d_forward(x, w, b)
    with pytest.raises(ShapeError, match=r"pooled must have shape \(2, 2, 2, 8\), got \(2, 1, 1, 8\)"):
        kernels.conv2d_relu_maxpool2d_backward(pooled, pooled[:, :1, :1], argmax, x, w)
    with pytest.raises(ShapeError, match="argmax must be the uint8 array"):
        kernels.conv2d_relu_maxpool2d_backward(pooled, pooled, argmax.astype(np.int64), x, w)
    with pytest.raises(ShapeError, match="share one dtype"):
        kernels.conv2d_relu_maxpool2d_backward(pooled.astype(np.float64), pooled, argmax, x, w)
    with pytest.raises(ShapeError, match="uint8 pixels have no gradient"):
        kernels.conv2d_relu_maxpool2d_backward(pooled, pooled, argmax, x.astype(np.uint8), w)
    with pytest.raises(ShapeError, match="smaller than the 2x2 pool window"):
        kernels.conv2d_relu_maxpool2d_forward(x[:, :3, :3], w, b)
