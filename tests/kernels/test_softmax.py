"""softmax kernel: equals its NumPy twin, is stable for huge logits, and its
gradient equals finite differences."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastcnn import kernels, reference
from fastcnn.errors import ShapeError
from tests.helpers import assert_fd_ok, fd_errors

cases = st.tuples(st.integers(1, 8), st.integers(1, 10), st.floats(0.1, 50), st.integers(0, 2**32 - 1))


@given(cases, st.sampled_from([np.float32, np.float64]))
def test_matches_reference(case, dtype):
    N, K, spread, seed = case
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal((N, K)) * spread).astype(dtype)
    p = kernels.softmax_forward(z)
    # exp and division are correctly rounded per element: a few ulps of 1
    tol = 8 * K * np.finfo(dtype).eps
    np.testing.assert_allclose(p, reference.softmax_forward(z), rtol=0, atol=tol)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=tol)
    G = rng.standard_normal((N, K)).astype(dtype)
    np.testing.assert_allclose(kernels.softmax_backward(G, p), reference.softmax_backward(G, p),
                               rtol=0, atol=tol * max(np.abs(G).max(), 1))


def test_huge_logits_do_not_overflow():
    z = np.array([[1000.0, 0.0, -1000.0], [1e30, 1e30, 0.0]], np.float32)
    p = kernels.softmax_forward(z)
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p, [[1, 0, 0], [0.5, 0.5, 0]], atol=1e-7)


@pytest.mark.parametrize("N,K", [(1, 1), (2, 4), (5, 7)])
def test_backward_matches_finite_differences(N, K):
    rng = np.random.default_rng(N * K)
    z = rng.standard_normal((N, K))
    G = rng.standard_normal((N, K))
    dz = kernels.softmax_backward(G, kernels.softmax_forward(z))
    assert_fd_ok(fd_errors(lambda: float(np.sum(kernels.softmax_forward(z) * G)), {"z": z}, {"z": dz}))


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    z = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]])
    p = kernels.softmax_forward(z)
    np.testing.assert_allclose(p, reference.softmax_forward(z), rtol=1e-12)
    np.testing.assert_allclose(kernels.softmax_backward(z, p), reference.softmax_backward(z, p), atol=1e-12)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ShapeError, match=r"z must have 2 dimensions"):
        kernels.softmax_forward(np.zeros(3))
    with pytest.raises(ShapeError, match="softmax needs at least one class"):
        kernels.softmax_forward(np.zeros((2, 0)))
    with pytest.raises(ShapeError, match=r"dout shape \(2, 3\) differs from p shape \(2, 4\)"):
        kernels.softmax_backward(np.zeros((2, 3)), np.zeros((2, 4)))
