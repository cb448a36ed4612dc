"""sigmoid kernel: equals its NumPy twin; gradient equals finite differences; no overflow anywhere."""
import numpy as np
import pytest
from hypothesis import given

from fastcnn import kernels
from tests.kernels.elementwise import (ARRAYS, check_against_twin, check_bad_arrays, check_finite_differences,
                                       check_tiny_case, check_views, special_values)


@given(ARRAYS)
def test_matches_reference(x):
    check_against_twin("sigmoid", x)


def test_backward_matches_finite_differences():
    x = np.random.default_rng(0).uniform(-8, 8, (3, 4, 5))  # smooth: no kink to avoid
    check_finite_differences("sigmoid", x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_inputs_saturate_without_overflow_and_nan_passes(dtype):
    out, dx, dx_nan = special_values("sigmoid", dtype)
    assert out[-np.inf] == 0 and out[-1e30] == 0 and out[np.inf] == 1 and out[1e30] == 1
    assert out[0.0] == out[-0.0] == 0.5 and dx[0.0] == 0.25
    assert 0 < out[-100.0] < 1e-43 and out[100.0] == 1  # the tail for x < 0 is kept, not rounded to 0
    assert dx[np.inf] == dx[-np.inf] == 0
    assert np.isnan(dx_nan)
    assert out[1.0] == pytest.approx(1 / (1 + np.exp(-1.0)), rel=4e-7)


def test_symmetry():
    x = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(kernels.sigmoid_forward(x) + kernels.sigmoid_forward(-x), 1, rtol=0, atol=1e-15)


def test_views_and_bad_arguments():
    check_views("sigmoid")
    check_bad_arrays("sigmoid")


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    check_tiny_case("sigmoid")
