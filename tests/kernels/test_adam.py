"""Adam kernel: equals its NumPy twin and Keras 3's formula."""
import math

import numpy as np
import pytest

from fastcnn import kernels, reference
from fastcnn.errors import ShapeError


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_reference(dtype):
    rng = np.random.default_rng(0)
    state = [rng.standard_normal((7, 5)).astype(dtype) for _ in range(2)] + [np.zeros((7, 5), dtype)] * 2
    fast = [a.copy() for a in state]
    slow = [a.copy() for a in state]
    for step in range(1, 6):
        grad = rng.standard_normal((7, 5)).astype(dtype) * 10.0**-step
        alpha = 1e-2 * math.sqrt(1 - 0.999**step) / (1 - 0.9**step)
        kernels.adam_update(fast[0], grad, fast[2], fast[3], alpha, 0.9, 0.999, 1e-7)
        reference.adam_update(slow[0], grad, slow[2], slow[3], alpha, 0.9, 0.999, 1e-7)
        # elementwise, the same operations: at most a few ulps apart (the kernel
        # may fuse a multiply-add)
        for a, b in zip(fast, slow):
            np.testing.assert_allclose(a, b, rtol=8 * np.finfo(dtype).eps, atol=8 * np.finfo(dtype).tiny)


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    p, g, m, v = np.ones(3), np.array([1.0, -2.0, 0.0]), np.zeros(3), np.zeros(3)
    q, m2, v2 = p.copy(), m.copy(), v.copy()
    kernels.adam_update(p, g, m, v, 0.1, 0.9, 0.999, 1e-7)
    reference.adam_update(q, g, m2, v2, 0.1, 0.9, 0.999, 1e-7)
    np.testing.assert_allclose(p, q, rtol=1e-15)


def test_bad_arguments():
    with pytest.raises(ShapeError, match="shapes differ"):
        kernels.adam_update(np.zeros(3), np.zeros(2), np.zeros(3), np.zeros(3), 0.1, 0.9, 0.999, 1e-7)
    with pytest.raises(ShapeError, match="share one dtype"):
        kernels.adam_update(np.zeros(3), np.zeros(3, np.float32), np.zeros(3), np.zeros(3), 0.1, 0.9, 0.999, 1e-7)


@pytest.mark.parametrize("module", [kernels, reference])
def test_counts_the_parameters_that_are_no_longer_finite(module):
    p, m, v = np.ones(5, np.float32), np.zeros(5, np.float32), np.zeros(5, np.float32)
    assert module.adam_update(p, np.ones(5, np.float32), m, v, 0.1, 0.9, 0.999, 1e-7) == 0
    g = np.array([1, np.nan, np.inf, 1, 1], np.float32)
    with np.errstate(invalid="ignore"):  # inf / inf in the twin
        assert module.adam_update(p, g, m, v, 0.1, 0.9, 0.999, 1e-7) == 2
    assert np.isfinite(p).sum() == 3
