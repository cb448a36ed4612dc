"""average_pooling2d kernel: equals its NumPy twin (values and gradient),
"same" padding divides by the real pixels only (TensorFlow's avg_pool), and
the gradient equals finite differences."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastcnn import kernels, reference
from fastcnn.errors import InvalidArgumentError, ShapeError
from tests.helpers import assert_fd_ok, fd_errors
from tests.kernels.test_maxpool2d import make_input, pool_cases


@given(pool_cases(), st.sampled_from([np.float32, np.float64]))
def test_matches_reference(case, dtype):
    x = make_input(case, dtype)
    args = (case["pool"], case["strides"], case["padding"])
    out = kernels.average_pooling2d_forward(x, *args)
    # the same sums in the same (row-major) order, then one division: equal to the last bit
    np.testing.assert_array_equal(out, reference.average_pooling2d_forward(x, *args))
    assert out.dtype == dtype
    G = np.random.default_rng(case["seed"] + 1).standard_normal(out.shape).astype(dtype)
    dx = kernels.average_pooling2d_backward(G, x, *args)
    # overlapping windows add their shares in the same (oh, ow) order in both
    np.testing.assert_array_equal(dx, reference.average_pooling2d_backward(G, x, *args))


def test_valid_padding_is_the_plain_mean():
    x = np.random.default_rng(3).standard_normal((2, 6, 4, 3))
    out = kernels.average_pooling2d_forward(x, (3, 2))
    np.testing.assert_allclose(out, x.reshape(2, 2, 3, 2, 2, 3).mean(axis=(2, 4)), rtol=1e-14)


def test_same_padding_divides_by_the_real_pixels_only():
    x = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)  # x[0, h, w, 0] = 3h + w
    out = kernels.average_pooling2d_forward(x, 2, 2, "same")
    # windows {0,1,3,4}, {2,5}, {6,7}, {8}: a zero pad counted would give [[2, 1.75], [3.25, 2]]
    np.testing.assert_array_equal(out[0, :, :, 0], [[2.0, 3.5], [6.5, 8.0]])
    ones = np.ones((2, 5, 4, 3), np.float64)
    for pool, strides in ((3, 1), ((2, 3), (2, 1)), (4, 3)):
        np.testing.assert_array_equal(kernels.average_pooling2d_forward(ones, pool, strides, "same"), 1.0)
    # backward: a border window of one real pixel hands that pixel its whole gradient
    dx = kernels.average_pooling2d_backward(np.ones_like(out), x, 2, 2, "same")
    np.testing.assert_array_equal(dx[0, :, :, 0], [[0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [0.5, 0.5, 1.0]])


def test_gradient_is_conserved_and_overlaps_accumulate():
    x = np.zeros((1, 3, 3, 1))
    dx = kernels.average_pooling2d_backward(np.ones((1, 2, 2, 1)), x, 2, 1)
    # the centre is in all four 2x2 windows, a corner in one; every window hands out exactly 1
    np.testing.assert_array_equal(dx[0, :, :, 0], [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]])
    assert dx.sum() == 4
    # strides larger than the window: pixels in no window get no gradient
    dx = kernels.average_pooling2d_backward(np.ones((1, 2, 2, 1)), np.zeros((1, 5, 5, 1)), 1, 3)
    np.testing.assert_array_equal(np.argwhere(dx[0, :, :, 0]), [[0, 0], [0, 3], [3, 0], [3, 3]])


def test_nan_makes_only_its_windows_nan():
    x = np.ones((1, 4, 4, 1), np.float32)
    x[0, 0, 0, 0] = np.nan
    for impl in (kernels, reference):
        out = impl.average_pooling2d_forward(x, 2)[0, :, :, 0]
        assert np.isnan(out[0, 0]) and (out.ravel()[1:] == 1).all()


POOL_FD_CASES = [
    # (N, H, W, C, pool, strides, padding)
    (2, 6, 6, 3, 2, None, "valid"),
    (2, 7, 5, 2, 3, 2, "valid"),   # overlapping windows
    (1, 7, 7, 2, 2, None, "same"),
    (2, 5, 6, 3, 3, 1, "same"),     # border windows of 4 and 6 pixels
    (1, 4, 9, 1, (2, 3), (1, 2), "same"),
]


@pytest.mark.parametrize("N,H,W,C,pool,strides,padding", POOL_FD_CASES)
def test_backward_matches_finite_differences(N, H, W, C, pool, strides, padding):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((N, H, W, C))
    out = kernels.average_pooling2d_forward(x, pool, strides, padding)
    G = rng.standard_normal(out.shape)
    dx = kernels.average_pooling2d_backward(G, x, pool, strides, padding)

    def f():
        return float(np.sum(kernels.average_pooling2d_forward(x, pool, strides, padding) * G))

    assert_fd_ok(fd_errors(f, {"x": x}, {"x": dx}))


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    x = np.random.default_rng(0).standard_normal((1, 5, 4, 2))
    for pad in ("valid", "same"):
        out = kernels.average_pooling2d_forward(x, 2, None, pad)
        np.testing.assert_array_equal(out, reference.average_pooling2d_forward(x, 2, None, pad))
        G = np.ones_like(out)
        np.testing.assert_array_equal(kernels.average_pooling2d_backward(G, x, 2, None, pad),
                                      reference.average_pooling2d_backward(G, x, 2, None, pad))


def test_bad_arguments_raise_clear_errors():
    x = np.zeros((2, 4, 4, 3), np.float32)
    with pytest.raises(ShapeError, match="pool window 5x5 is larger than the 4x4 input"):
        kernels.average_pooling2d_forward(x, 5)
    with pytest.raises(ShapeError, match=r"x must have 4 dimensions, got shape \(4, 4, 3\)"):
        kernels.average_pooling2d_forward(x[0], 2)
    with pytest.raises(ShapeError, match="x must be float32 or float64, got dtype int64"):
        kernels.average_pooling2d_forward(x.astype(np.int64), 2)
    with pytest.raises(InvalidArgumentError, match=r"strides must be a positive int or a pair of them, got \(1, 0\)"):
        kernels.average_pooling2d_forward(x, 2, (1, 0))
    with pytest.raises(InvalidArgumentError, match="padding must be 'valid' or 'same', got 'full'"):
        kernels.average_pooling2d_forward(x, 2, None, "full")
    out = kernels.average_pooling2d_forward(x, 2)
    with pytest.raises(ShapeError, match=r"dout must have shape \(2, 2, 2, 3\), got \(2, 1, 1, 3\)"):
        kernels.average_pooling2d_backward(out[:, :1, :1], x, 2)
    with pytest.raises(ShapeError, match="share one dtype"):
        kernels.average_pooling2d_backward(out.astype(np.float64), x, 2)
