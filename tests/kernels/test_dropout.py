"""dropout kernels: equal their NumPy twin exactly; gradient equals finite differences; inverted dropout."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fastcnn import kernels, reference
from fastcnn.errors import InvalidArgumentError, ShapeError
from tests.helpers import assert_fd_ok, fd_errors

cases = st.tuples(hnp.array_shapes(min_dims=1, max_dims=4, max_side=6), st.sampled_from([np.float32, np.float64]),
                  st.sampled_from([0.0, 0.1, 0.5, 0.9]), st.integers(0, 2**32 - 1))


def make(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape).astype(dtype), rng.random(shape, dtype=dtype),
            rng.standard_normal(shape).astype(dtype))


@given(cases)
def test_matches_reference_exactly(case):
    shape, dtype, rate, seed = case
    x, u, G = make(shape, dtype, seed)
    out, keep = kernels.dropout_forward(x, u, rate)
    want_out, want_keep = reference.dropout_forward(x, u, rate)
    assert out.dtype == dtype and keep.dtype == np.bool_ and out.shape == keep.shape == shape
    np.testing.assert_array_equal(keep, want_keep)
    np.testing.assert_array_equal(out, want_out)  # one division each: the same bits
    np.testing.assert_array_equal(kernels.dropout_backward(G, keep, rate), reference.dropout_backward(G, keep, rate))


def test_inverted_dropout_keeps_where_u_is_at_least_the_rate():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0], np.float32)
    u = np.array([0.0, 0.29, 0.3, 0.5, 0.99], np.float32)
    out, keep = kernels.dropout_forward(x, u, 0.3)
    np.testing.assert_array_equal(keep, [False, False, True, True, True])
    np.testing.assert_allclose(out, [0, 0, 3 / 0.7, 4 / 0.7, 5 / 0.7], rtol=1e-7)
    dx = kernels.dropout_backward(np.ones(5, np.float32), keep, 0.3)
    np.testing.assert_allclose(dx, [0, 0, 1 / 0.7, 1 / 0.7, 1 / 0.7], rtol=1e-7)
    out, keep = kernels.dropout_forward(x, u, 0.0)  # rate 0 keeps everything, unscaled
    assert keep.all()
    np.testing.assert_array_equal(out, x)


def test_the_expected_value_is_kept():
    rng = np.random.default_rng(0)
    x = np.ones(200_000)
    out, keep = kernels.dropout_forward(x, rng.random(x.shape), 0.25)
    assert keep.mean() == pytest.approx(0.75, abs=0.005)
    assert out.mean() == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("rate", [0.0, 0.4])
def test_backward_matches_finite_differences(rate):
    x, u, G = make((3, 4, 5, 2), np.float64, 7)
    _, keep = kernels.dropout_forward(x, u, rate)
    dx = kernels.dropout_backward(G, keep, rate)

    def f():
        return float(np.sum(kernels.dropout_forward(x, u, rate)[0] * G))

    assert_fd_ok(fd_errors(f, {"x": x}, {"x": dx}))


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    x, u, G = make((2, 3), np.float64, 0)
    out, keep = kernels.dropout_forward(x, u, 0.5)
    want_out, want_keep = reference.dropout_forward(x, u, 0.5)
    np.testing.assert_array_equal(out, want_out)
    np.testing.assert_array_equal(keep, want_keep)
    np.testing.assert_array_equal(kernels.dropout_backward(G, keep, 0.5), reference.dropout_backward(G, keep, 0.5))


def test_bad_arguments_raise_clear_errors():
    x, u, G = make((2, 3), np.float32, 0)
    for rate in (1.0, -0.1, True, "0.5", float("nan")):
        with pytest.raises(InvalidArgumentError, match=r"rate must be a number in \[0, 1\), got"):
            kernels.dropout_forward(x, u, rate)
    with pytest.raises(ShapeError, match=r"u must have x's shape \(2, 3\), got \(3,\)"):
        kernels.dropout_forward(x, u[0], 0.5)
    with pytest.raises(ShapeError, match="arrays must share one dtype, got x=float32, u=float64"):
        kernels.dropout_forward(x, u.astype(np.float64), 0.5)
    with pytest.raises(ShapeError, match="x must be a float32 or float64 NumPy array, got int64"):
        kernels.dropout_forward(np.zeros((2, 3), np.int64), u, 0.5)
    with pytest.raises(ShapeError, match=r"keep must be a bool array of dout's shape \(2, 3\), got float32"):
        kernels.dropout_backward(G, u, 0.5)
    with pytest.raises(InvalidArgumentError, match=r"rate must be a number in \[0, 1\), got 1"):
        kernels.dropout_backward(G, u > 0.5, 1)
