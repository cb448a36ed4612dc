"""elu kernel: equals its NumPy twin; gradient equals finite differences away from 0; Keras's forward."""
import numpy as np
import pytest
from hypothesis import given

from fastcnn import kernels
from tests.kernels.elementwise import (ARRAYS, HYPER, check_against_twin, check_bad_arrays,
                                       check_bad_hyper_parameter, check_finite_differences, check_tiny_case,
                                       check_views, special_values)


@given(ARRAYS, HYPER)
def test_matches_reference(x, alpha):
    check_against_twin("elu", x, alpha)


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0, 3.0])
def test_backward_matches_finite_differences(alpha):
    rng = np.random.default_rng(0)
    # |x| >= 0.1: the derivative jumps from alpha to 1 at 0 (unless alpha = 1)
    x = rng.choice([-1, 1], size=(3, 4, 5)) * (0.1 + np.abs(rng.standard_normal((3, 4, 5))))
    check_finite_differences("elu", x, alpha)


def test_forward_is_keras_formula():
    # Keras / TensorFlow: x if x > 0 else alpha * (exp(x) - 1)
    x = np.array([-5.0, -1.0, -1e-3, 0.0, 1e-3, 2.0])
    for alpha in (0.5, 1.0, 2.0):
        keras = np.where(x > 0, x, alpha * (np.exp(x) - 1))
        np.testing.assert_allclose(kernels.elu_forward(x, alpha), keras, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_special_values_gradient_at_zero_and_nan(dtype):
    out, dx, dx_nan = special_values("elu", dtype, 2.0)
    assert out[-np.inf] == -2.0 and out[-1e30] == -2.0 and out[np.inf] == np.inf and out[0.0] == 0
    assert dx[0.0] == dx[-0.0] == 2.0  # alpha at 0: the left derivative, as Keras on TensorFlow gives
    assert dx[1e-30] == 1 and dx[-1e-30] == 2.0 and dx[-np.inf] == 0
    assert np.isnan(dx_nan)


def test_gradient_for_negative_inputs_is_alpha_exp_x():
    x = np.linspace(-6, -0.01, 50)
    dx = kernels.elu_backward(np.ones_like(x), kernels.elu_forward(x, 1.5), 1.5)
    np.testing.assert_allclose(dx, 1.5 * np.exp(x), rtol=1e-13, atol=1e-15)


def test_views_and_bad_arguments():
    check_views("elu", 1.0)
    check_bad_arrays("elu", 1.0)
    check_bad_hyper_parameter("elu", "alpha")


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    check_tiny_case("elu", 1.0)
