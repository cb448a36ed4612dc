"""tanh kernel: equals its NumPy twin; gradient equals finite differences; saturates cleanly."""
import numpy as np
import pytest
from hypothesis import given

from fastcnn import kernels
from tests.kernels.elementwise import (ARRAYS, check_against_twin, check_bad_arrays, check_finite_differences,
                                       check_tiny_case, check_views, special_values)


@given(ARRAYS)
def test_matches_reference(x):
    check_against_twin("tanh", x)


def test_backward_matches_finite_differences():
    x = np.random.default_rng(0).uniform(-4, 4, (2, 3, 4, 5))
    check_finite_differences("tanh", x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_inputs_saturate_and_nan_passes(dtype):
    out, dx, dx_nan = special_values("tanh", dtype)
    assert out[np.inf] == out[1e30] == out[100.0] == 1 and out[-np.inf] == out[-1e30] == -1
    assert out[0.0] == 0 and dx[0.0] == 1 and dx[np.inf] == dx[-np.inf] == 0
    assert np.isnan(dx_nan)


def test_backward_keeps_its_accuracy_near_saturation():
    # 1 - t^2 as (1 - t)(1 + t): relative accuracy where t is within a few ulp of 1
    x = np.array([8.0, 9.0, 10.0, 15.0])
    dx = kernels.tanh_backward(np.ones_like(x), kernels.tanh_forward(x))
    np.testing.assert_allclose(dx, 1 / np.cosh(x) ** 2, rtol=1e-3)


def test_views_and_bad_arguments():
    check_views("tanh")
    check_bad_arrays("tanh")


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    check_tiny_case("tanh")
