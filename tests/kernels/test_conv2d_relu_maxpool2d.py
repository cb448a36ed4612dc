"""Fused Conv2D+ReLU+MaxPool2D backward: equals its twin (the three unfused
steps), equals the unfused kernels, and matches finite differences."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastcnn import kernels, reference
from fastcnn.errors import ShapeError
from tests.helpers import assert_fd_ok, assert_float32_close, fd_errors


@st.composite
def cases(draw):
    padding = draw(st.sampled_from(["valid", "same"]))
    pool_padding = draw(st.sampled_from(["valid", "same"]))
    K = draw(st.integers(1, 3))
    pool = draw(st.integers(1, 3))
    return dict(
        N=draw(st.integers(1, 3)), H=draw(st.integers(K + pool + 1, 13)), W=draw(st.integers(K + pool + 1, 13)),
        C_in=draw(st.integers(1, 4)), C_out=draw(st.sampled_from([1, 3, 8, 9])), K=K,
        strides=draw(st.integers(1, 2)), padding=padding, pool=pool,
        pool_strides=draw(st.one_of(st.none(), st.integers(1, 3))), pool_padding=pool_padding,
        seed=draw(st.integers(0, 2**32 - 1)),
    )


def forward(case, x, w, b):
    out = kernels.conv2d_forward(x, w, b, case["strides"], case["padding"], relu=True)
    pooled = kernels.maxpool2d_forward(out, *pool_args(case))
    return out, pooled


def pool_args(case):
    return case["pool"], case["pool_strides"], case["pool_padding"]


def arrays(case, dtype=np.float64):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((case["N"], case["H"], case["W"], case["C_in"])).astype(dtype)
    w = rng.standard_normal((case["K"], case["K"], case["C_in"], case["C_out"])).astype(dtype)
    b = rng.standard_normal(case["C_out"]).astype(dtype) * 0.5
    return x, w, b, rng


@given(cases())
def test_equals_twin_and_unfused_kernels(case):
    x, w, b, rng = arrays(case)
    out, pooled = forward(case, x, w, b)
    G = rng.standard_normal(pooled.shape)
    args = (case["strides"], case["padding"]) + pool_args(case)
    fused = kernels.conv2d_relu_maxpool2d_backward(G, pooled, out, x, w, *args)
    twin = reference.conv2d_relu_maxpool2d_backward(G, pooled, out, x, w, *args)
    dout = kernels.maxpool2d_backward(G, out, pooled, *pool_args(case))
    unfused = kernels.conv2d_backward(dout, x, w, case["strides"], case["padding"], relu=True, out=out)
    for got, a, c, name in zip(fused, twin, unfused, ("dx", "dw", "db")):
        # float64: the same sums in other orders
        np.testing.assert_allclose(got, a, rtol=1e-10, atol=1e-10, err_msg=name)
        np.testing.assert_allclose(got, c, rtol=1e-10, atol=1e-10, err_msg=name)
    dx, dw, db = kernels.conv2d_relu_maxpool2d_backward(G, pooled, out, x, w, *args, need_dx=False)
    assert dx is None
    np.testing.assert_allclose(dw, fused[1], rtol=1e-12, atol=1e-12)


@given(cases())
def test_float32_and_uint8_inputs(case):
    x, w, b, rng = arrays(case, np.float32)
    pixels = rng.integers(0, 256, x.shape, dtype=np.uint8)
    for inp, as_float in ((x, x.astype(np.float64)), (pixels, pixels / 255.0)):
        out, pooled = forward(case, inp, w, b)
        G = rng.standard_normal(pooled.shape).astype(np.float32)
        args = (case["strides"], case["padding"]) + pool_args(case)
        dx, dw, db = kernels.conv2d_relu_maxpool2d_backward(G, pooled, out, inp, w, *args,
                                                            need_dx=inp.dtype != np.uint8)
        # the twin routes through the same (float32) maxima, computed in float64
        _, rdw, rdb = reference.conv2d_relu_maxpool2d_backward(
            G.astype(np.float64), pooled.astype(np.float64), out.astype(np.float64), as_float,
            w.astype(np.float64), *args)
        # each dw entry sums at most one product per pooled cell
        n_terms = int(np.prod(pooled.shape[:3]))
        assert_float32_close(dw, rdw, n_terms, np.abs(G).max() * max(np.abs(as_float).max(), 1e-30), "dw")
        assert_float32_close(db, rdb, n_terms, np.abs(G).max(), "db")


@pytest.mark.parametrize("pool,pool_strides", [(2, None), (3, 2)])
def test_matches_finite_differences(pool, pool_strides):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 11, 10, 3))
    w = rng.standard_normal((3, 3, 3, 4))
    b = rng.standard_normal(4) * 0.3
    case = dict(strides=1, padding="valid", pool=pool, pool_strides=pool_strides, pool_padding="valid")
    out, pooled = forward(case, x, w, b)
    # a central difference moves each pre-activation z by at most
    # eps * max(|x|, |w|, 1) < 1e-5: no z may sit that close to the ReLU kink,
    # and no two positive outputs of a channel that close to each other (a
    # pooling maximum could switch)
    z = kernels.conv2d_forward(x, w, b, 1, "valid")
    assert np.abs(z).min() > 1e-5
    step = pool_strides or pool
    windows = np.lib.stride_tricks.sliding_window_view(out, (pool, pool), axis=(1, 2))[:, ::step, ::step]
    top_two = np.sort(windows.reshape(windows.shape[:4] + (-1,)), axis=-1)[..., -2:]
    positive = top_two[..., 1] > 0
    assert (top_two[..., 1] - top_two[..., 0])[positive].min() > 2e-5
    G = rng.standard_normal(pooled.shape)
    dx, dw, db = kernels.conv2d_relu_maxpool2d_backward(G, pooled, out, x, w, 1, "valid", pool, pool_strides)

    def f():
        return float(np.sum(forward(case, x, w, b)[1] * G))

    assert_fd_ok(fd_errors(f, {"x": x, "w": w, "b": b}, {"x": dx, "w": dw, "b": db}))


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((1, 6, 6, 2)), rng.standard_normal((3, 3, 2, 2)), np.zeros(2)
    out = kernels.conv2d_forward(x, w, b, relu=True)
    pooled = kernels.maxpool2d_forward(out, 2)
    G = np.ones_like(pooled)
    for got, want in zip(kernels.conv2d_relu_maxpool2d_backward(G, pooled, out, x, w),
                         reference.conv2d_relu_maxpool2d_backward(G, pooled, out, x, w)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_bad_arguments_raise_clear_errors():
    x = np.zeros((2, 6, 6, 1), np.float32)
    w = np.zeros((3, 3, 1, 2), np.float32)
    out = np.zeros((2, 4, 4, 2), np.float32)
    pooled = np.zeros((2, 2, 2, 2), np.float32)
    with pytest.raises(ShapeError, match=r"out must have shape \(2, 4, 4, 2\), got \(2, 3, 3, 2\)"):
        kernels.conv2d_relu_maxpool2d_backward(pooled, pooled, out[:, :3, :3], x, w)
    with pytest.raises(ShapeError, match=r"pooled must have shape \(2, 2, 2, 2\), got \(2, 1, 1, 2\)"):
        kernels.conv2d_relu_maxpool2d_backward(pooled, pooled[:, :1, :1], out, x, w)
    with pytest.raises(ShapeError, match="share one dtype"):
        kernels.conv2d_relu_maxpool2d_backward(pooled.astype(np.float64), pooled, out, x, w)
