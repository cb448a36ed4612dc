"""dense kernel: equals its NumPy twin; gradient equals finite differences."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastcnn import kernels, reference
from fastcnn.errors import ShapeError
from tests.helpers import assert_fd_ok, assert_float32_close, fd_errors

shapes = st.tuples(st.integers(1, 9), st.integers(1, 40), st.integers(1, 12), st.integers(0, 2**32 - 1))


def make(N, D_in, D_out, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, D_in)).astype(dtype), rng.standard_normal((D_in, D_out)).astype(dtype),
            rng.standard_normal(D_out).astype(dtype), rng.standard_normal((N, D_out)).astype(dtype))


@given(shapes)
def test_matches_reference_in_float64(shape):
    x, w, b, G = make(*shape)
    np.testing.assert_allclose(kernels.dense_forward(x, w, b), reference.dense_forward(x, w, b), rtol=1e-10, atol=1e-10)
    for got, want in zip(kernels.dense_backward(G, x, w), reference.dense_backward(G, x, w)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


@given(shapes)
def test_float32_matches_float64_reference(shape):
    N, D_in, D_out, _ = shape
    x, w, b, G = make(*shape, dtype=np.float32)
    x64, w64, b64, G64 = (a.astype(np.float64) for a in (x, w, b, G))
    out = kernels.dense_forward(x, w, b)
    assert out.dtype == np.float32
    assert_float32_close(out, reference.dense_forward(x64, w64, b64), D_in + 1,
                         max(np.abs(x).max() * np.abs(w).max(), np.abs(b).max()), "out")
    dx, dw, db = kernels.dense_backward(G, x, w)
    rdx, rdw, rdb = reference.dense_backward(G64, x64, w64)
    g = np.abs(G).max()
    assert_float32_close(dx, rdx, D_out, g * np.abs(w).max(), "dx")
    assert_float32_close(dw, rdw, N, g * np.abs(x).max(), "dw")
    assert_float32_close(db, rdb, N, g, "db")


@pytest.mark.parametrize("N,D_in,D_out", [(1, 1, 1), (3, 7, 4), (13, 20, 5)])
def test_backward_matches_finite_differences(N, D_in, D_out):
    x, w, b, G = make(N, D_in, D_out, 42)
    dx, dw, db = kernels.dense_backward(G, x, w)

    def f():
        return float(np.sum(kernels.dense_forward(x, w, b) * G))

    assert_fd_ok(fd_errors(f, {"x": x, "w": w, "b": b}, {"x": dx, "w": dw, "b": db}))


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    x, w, b, G = make(2, 3, 2, 0)
    np.testing.assert_allclose(kernels.dense_forward(x, w, b), reference.dense_forward(x, w, b), rtol=1e-12)
    for got, want in zip(kernels.dense_backward(G, x, w), reference.dense_backward(G, x, w)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_bad_arguments_raise_clear_errors():
    x, w, b, G = make(2, 3, 4, 0, np.float32)
    with pytest.raises(ShapeError, match="kernel expects 3 input features but x has 5"):
        kernels.dense_forward(np.zeros((2, 5), np.float32), w, b)
    with pytest.raises(ShapeError, match=r"x must have 2 dimensions, got shape \(2, 1, 3\)"):
        kernels.dense_forward(x[:, None], w, b)
    with pytest.raises(ShapeError, match=r"dout must have shape \(2, 4\), got \(2, 3\)"):
        kernels.dense_backward(G[:, :3], x, w)


@given(shapes)
def test_fused_relu_equals_twin_and_the_separate_relu(shape):
    x, w, b, G = make(*shape)
    out = kernels.dense_forward(x, w, b, relu=True)
    np.testing.assert_allclose(out, reference.dense_forward(x, w, b, relu=True), rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(out, kernels.relu_forward(kernels.dense_forward(x, w, b)))
    fused = kernels.dense_backward(G, x, w, relu=True, out=out)
    twin = reference.dense_backward(G, x, w, relu=True, out=out)
    separate = kernels.dense_backward(kernels.relu_backward(G, out), x, w)
    for got, a, c, name in zip(fused, twin, separate, ("dx", "dw", "db")):
        np.testing.assert_allclose(got, a, rtol=1e-10, atol=1e-10, err_msg=name)
        np.testing.assert_allclose(got, c, rtol=1e-10, atol=1e-10, err_msg=name)
    dx, dw, db = kernels.dense_backward(G, x, w, relu=True, out=out, need_dx=False)
    assert dx is None
    np.testing.assert_array_equal(dw, fused[1])


def test_fused_relu_matches_finite_differences():
    x, w, b, G = make(5, 9, 6, 7)
    out = kernels.dense_forward(x, w, b, relu=True)
    z = kernels.dense_forward(x, w, b)
    assert np.abs(z).min() > 1e-5  # no pre-activation at the kink
    dx, dw, db = kernels.dense_backward(G, x, w, relu=True, out=out)

    def f():
        return float(np.sum(kernels.dense_forward(x, w, b, relu=True) * G))

    assert_fd_ok(fd_errors(f, {"x": x, "w": w, "b": b}, {"x": dx, "w": dw, "b": db}))


def test_relu_backward_needs_the_forward_output():
    x, w, b, G = make(2, 3, 4, 0)
    with pytest.raises(ShapeError, match="relu=True needs the forward output"):
        kernels.dense_backward(G, x, w, relu=True)
