"""global_max_pooling2d kernel: equals its NumPy twin and np.max over the
image, the gradient goes to each channel's first maximum (MaxPool2D's tie
rule), NaN wins, and the gradient equals finite differences."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastcnn import kernels, reference
from fastcnn.errors import ShapeError
from tests.helpers import assert_fd_ok, fd_errors

image_batches = st.tuples(st.integers(1, 3), st.integers(1, 11), st.integers(1, 11), st.integers(1, 5))


@given(image_batches, st.sampled_from([np.float32, np.float64]), st.booleans(), st.integers(0, 2**32 - 1))
def test_matches_reference_and_np_max(shape, dtype, ties, seed):
    rng = np.random.default_rng(seed)
    # small integers make ties common, so the tie rule is exercised
    x = (rng.integers(-2, 3, size=shape) if ties else rng.standard_normal(shape)).astype(dtype)
    out = kernels.global_max_pooling2d_forward(x)
    assert out.shape == (shape[0], shape[3]) and out.dtype == dtype
    np.testing.assert_array_equal(out, reference.global_max_pooling2d_forward(x))
    np.testing.assert_array_equal(out, x.max(axis=(1, 2)))
    G = rng.standard_normal(out.shape).astype(dtype)
    dx = kernels.global_max_pooling2d_backward(G, x, out)
    np.testing.assert_array_equal(dx, reference.global_max_pooling2d_backward(G, x, out))
    # one gradient per (sample, channel), at the first maximum in row-major (h, w) order
    flat = x.reshape(shape[0], -1, shape[3])
    first = flat.argmax(axis=1)  # np.argmax returns the first maximum too
    expected = np.zeros_like(flat)
    np.put_along_axis(expected, first[:, None, :], G[:, None, :], axis=1)
    np.testing.assert_array_equal(dx, expected.reshape(shape))


def test_ties_go_to_first_maximum_in_row_major_order():
    x = np.zeros((1, 3, 3, 2), np.float32)
    x[0, 1, 2, 0] = x[0, 2, 0, 0] = 5.0   # channel 0: maxima at (1, 2) and (2, 0)
    x[0, :, :, 1] = 7.0                   # channel 1: all equal
    G = np.array([[2.0, 3.0]], np.float32)
    for impl in (kernels, reference):
        out = impl.global_max_pooling2d_forward(x)
        np.testing.assert_array_equal(out, [[5.0, 7.0]])
        dx = impl.global_max_pooling2d_backward(G, x, out)
        np.testing.assert_array_equal(np.argwhere(dx[0, :, :, 0]), [[1, 2]])
        np.testing.assert_array_equal(np.argwhere(dx[0, :, :, 1]), [[0, 0]])
        assert dx.sum() == 5.0


def test_nan_wins_like_np_max_and_all_minus_inf_images_take_the_gradient():
    x = np.array([1.0, np.nan, 3.0, np.nan], np.float32).reshape(1, 2, 2, 1)
    G = np.ones((1, 1), np.float32)
    for impl in (kernels, reference):
        out = impl.global_max_pooling2d_forward(x)
        assert np.isnan(out[0, 0])
        np.testing.assert_array_equal(impl.global_max_pooling2d_backward(G, x, out)[0, :, :, 0], [[0, 1], [0, 0]])
    x = np.full((1, 2, 3, 1), -np.inf)
    for impl in (kernels, reference):
        out = impl.global_max_pooling2d_forward(x)
        assert out[0, 0] == -np.inf
        dx = impl.global_max_pooling2d_backward(G.astype(np.float64), x, out)
        np.testing.assert_array_equal(dx[0, :, :, 0], [[1, 0, 0], [0, 0, 0]])


def test_backward_matches_finite_differences():
    rng = np.random.default_rng(11)
    # distinct values 0.01 apart: no maximum changes under a 1e-6 perturbation
    x = (rng.permutation(2 * 5 * 6 * 3) * 0.01).reshape(2, 5, 6, 3)
    out = kernels.global_max_pooling2d_forward(x)
    G = rng.standard_normal(out.shape)
    dx = kernels.global_max_pooling2d_backward(G, x, out)

    def f():
        return float(np.sum(kernels.global_max_pooling2d_forward(x) * G))

    assert_fd_ok(fd_errors(f, {"x": x}, {"x": dx}))


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 2))
    out = kernels.global_max_pooling2d_forward(x)
    np.testing.assert_array_equal(out, reference.global_max_pooling2d_forward(x))
    G = np.ones_like(out)
    np.testing.assert_array_equal(kernels.global_max_pooling2d_backward(G, x, out),
                                  reference.global_max_pooling2d_backward(G, x, out))


def test_bad_arguments_raise_clear_errors():
    x = np.zeros((2, 4, 4, 3), np.float32)
    with pytest.raises(ShapeError, match=r"x must have 4 dimensions, got shape \(2, 4, 4\)"):
        kernels.global_max_pooling2d_forward(x[..., 0])
    with pytest.raises(ShapeError, match=r"x must hold at least one pixel per image, got shape \(2, 4, 0, 3\)"):
        kernels.global_max_pooling2d_forward(x[:, :, :0])
    out = kernels.global_max_pooling2d_forward(x)
    with pytest.raises(ShapeError, match=r"out must have shape \(2, 3\), got \(1, 3\)"):
        kernels.global_max_pooling2d_backward(out[:1], x, out[:1])
    with pytest.raises(ShapeError, match=r"dout must have shape \(2, 3\), got \(2, 1\)"):
        kernels.global_max_pooling2d_backward(out[:, :1], x, out)
    with pytest.raises(ShapeError, match="share one dtype"):
        kernels.global_max_pooling2d_backward(out, x, out.astype(np.float64))
