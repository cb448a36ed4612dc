"""leaky_relu kernel: equals its NumPy twin exactly; gradient equals finite differences away from 0."""
import numpy as np
import pytest
from hypothesis import given

from fastcnn import kernels, reference
from tests.kernels.elementwise import (ARRAYS, HYPER, check_against_twin, check_bad_arrays,
                                       check_bad_hyper_parameter, check_finite_differences, check_tiny_case,
                                       check_views, special_values)


@given(ARRAYS, HYPER)
def test_matches_reference_exactly(x, slope):
    check_against_twin("leaky_relu", x, slope)
    np.testing.assert_array_equal(kernels.leaky_relu_forward(x, slope), reference.leaky_relu_forward(x, slope))


@pytest.mark.parametrize("slope", [0.0, 0.2, 0.3, 1.7])
def test_backward_matches_finite_differences(slope):
    rng = np.random.default_rng(0)
    # |x| >= 0.1: no input within eps of the kink at 0
    x = rng.choice([-1, 1], size=(3, 4, 5)) * (0.1 + np.abs(rng.standard_normal((3, 4, 5))))
    check_finite_differences("leaky_relu", x, slope)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_special_values_gradient_at_zero_and_nan(dtype):
    out, dx, dx_nan = special_values("leaky_relu", dtype, 0.25)
    assert out[-1.0] == -0.25 and out[20.0] == 20 and out[-np.inf] == -np.inf
    assert out[0.0] == 0 and dx[0.0] == dx[-0.0] == 0.25  # TensorFlow's gradient at 0: the slope
    assert dx[1e-30] == 1 and dx[-1e-30] == 0.25
    assert dx_nan == 0.25  # NaN > 0 is False; the NaN itself is reported by the loss


def test_the_mask_is_the_same_from_x_or_from_out():
    x = np.linspace(-2, 2, 41)
    G = np.cos(x)
    for slope in (0.0, 0.3, 2.0):
        out = kernels.leaky_relu_forward(x, slope)
        np.testing.assert_array_equal(kernels.leaky_relu_backward(G, out, slope),
                                      kernels.leaky_relu_backward(G, x, slope))


def test_views_and_bad_arguments():
    check_views("leaky_relu", 0.3)
    check_bad_arrays("leaky_relu", 0.3)
    check_bad_hyper_parameter("leaky_relu", "negative_slope")


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    check_tiny_case("leaky_relu", 0.3)
