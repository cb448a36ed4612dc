"""global_average_pooling2d kernel: equals its NumPy twin, the mean over the
image (average_pooling2d with one H x W window), and the gradient equals
finite differences."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastcnn import kernels, reference
from fastcnn.errors import ShapeError
from tests.helpers import assert_fd_ok, fd_errors

image_batches = st.tuples(st.integers(1, 3), st.integers(1, 11), st.integers(1, 11), st.integers(1, 5))


@given(image_batches, st.sampled_from([np.float32, np.float64]), st.integers(0, 2**32 - 1))
def test_matches_reference_and_the_mean(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    out = kernels.global_average_pooling2d_forward(x)
    assert out.shape == (shape[0], shape[3]) and out.dtype == dtype
    np.testing.assert_array_equal(out, reference.global_average_pooling2d_forward(x))  # same sums, same order
    np.testing.assert_array_equal(out, kernels.average_pooling2d_forward(x, shape[1:3])[:, 0, 0, :])
    # a sum of H*W terms of size ~1 in x's dtype, against NumPy's pairwise float64 mean
    tol = 16 * shape[1] * shape[2] * np.finfo(dtype).eps
    np.testing.assert_allclose(out, x.astype(np.float64).mean(axis=(1, 2)), rtol=0, atol=tol)
    G = rng.standard_normal(out.shape).astype(dtype)
    dx = kernels.global_average_pooling2d_backward(G, x)
    np.testing.assert_array_equal(dx, reference.global_average_pooling2d_backward(G, x))
    np.testing.assert_array_equal(dx, np.broadcast_to((G / dtype(shape[1] * shape[2]))[:, None, None, :], shape))


def test_backward_matches_finite_differences():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 5, 6, 3))
    G = rng.standard_normal((2, 3))
    dx = kernels.global_average_pooling2d_backward(G, x)

    def f():
        return float(np.sum(kernels.global_average_pooling2d_forward(x) * G))

    assert_fd_ok(fd_errors(f, {"x": x}, {"x": dx}))


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 2))
    out = kernels.global_average_pooling2d_forward(x)
    np.testing.assert_array_equal(out, reference.global_average_pooling2d_forward(x))
    np.testing.assert_array_equal(kernels.global_average_pooling2d_backward(out, x),
                                  reference.global_average_pooling2d_backward(out, x))


def test_bad_arguments_raise_clear_errors():
    x = np.zeros((2, 4, 4, 3), np.float32)
    with pytest.raises(ShapeError, match=r"x must have 4 dimensions, got shape \(4, 4, 3\)"):
        kernels.global_average_pooling2d_forward(x[0])
    with pytest.raises(ShapeError, match=r"x must hold at least one pixel per image, got shape \(2, 0, 4, 3\)"):
        kernels.global_average_pooling2d_forward(x[:, :0])
    out = kernels.global_average_pooling2d_forward(x)
    with pytest.raises(ShapeError, match=r"dout must have 2 dimensions, got shape \(2, 1, 1, 3\)"):
        kernels.global_average_pooling2d_backward(out.reshape(2, 1, 1, 3), x)
    with pytest.raises(ShapeError, match=r"dout must have shape \(2, 3\), got \(2, 2\)"):
        kernels.global_average_pooling2d_backward(out[:, :2], x)
    with pytest.raises(ShapeError, match="share one dtype"):
        kernels.global_average_pooling2d_backward(out.astype(np.float64), x)
