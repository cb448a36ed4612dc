"""relu kernel: equals its NumPy twin; gradient equals finite differences."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fastcnn import kernels, reference
from fastcnn.errors import ShapeError
from tests.helpers import assert_fd_ok, fd_errors

arrays = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64]),
    shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=6),
    elements=st.floats(-1e3, 1e3, width=32),
)


@given(arrays)
def test_matches_reference_exactly(x):
    out = kernels.relu_forward(x)
    np.testing.assert_array_equal(out, reference.relu_forward(x))  # no arithmetic: exact
    G = np.linspace(-1, 1, x.size).reshape(x.shape).astype(x.dtype)
    np.testing.assert_array_equal(kernels.relu_backward(G, out), reference.relu_backward(G, out))


def test_gradient_at_zero_is_zero_and_nan_propagates():
    x = np.array([-1.0, 0.0, 2.0, np.nan], np.float32)
    out = kernels.relu_forward(x)
    np.testing.assert_array_equal(out[:3], [0, 0, 2])
    assert np.isnan(out[3])
    np.testing.assert_array_equal(kernels.relu_backward(np.ones(4, np.float32), out), [0, 0, 1, 0])


def test_backward_matches_finite_differences():
    rng = np.random.default_rng(0)
    # |x| >= 0.1: no input within eps of the kink at 0
    x = rng.choice([-1, 1], size=(3, 4, 5)) * (0.1 + np.abs(rng.standard_normal((3, 4, 5))))
    G = rng.standard_normal(x.shape)
    dx = kernels.relu_backward(G, kernels.relu_forward(x))
    assert_fd_ok(fd_errors(lambda: float(np.sum(kernels.relu_forward(x) * G)), {"x": x}, {"x": dx}))


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    x = np.array([[-2.0, 0.5], [3.0, -0.1]])
    out = kernels.relu_forward(x)
    np.testing.assert_array_equal(out, reference.relu_forward(x))
    np.testing.assert_array_equal(kernels.relu_backward(x, out), reference.relu_backward(x, out))


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ShapeError, match="x must be a float32 or float64 NumPy array"):
        kernels.relu_forward(np.arange(3))
    with pytest.raises(ShapeError, match=r"dout shape \(3,\) differs from out shape \(4,\)"):
        kernels.relu_backward(np.zeros(3), np.zeros(4))
