"""batch_normalization kernels: equal their NumPy twin; gradient equals finite differences; Keras's statistics."""
import numba
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastcnn import kernels, reference
from fastcnn.errors import InvalidArgumentError, ShapeError
from tests.helpers import assert_fd_ok, assert_float32_close, fd_errors

# (N, spatial sizes (none for (N, C) input, two for images), C, seed)
shapes = st.tuples(st.integers(1, 5), st.lists(st.integers(1, 5), min_size=0, max_size=2), st.integers(1, 10),
                   st.integers(0, 2**32 - 1))


def make(N, spatial, C, seed, dtype=np.float64):
    """x (shifted and scaled per channel), gamma, beta, moving_mean, moving_variance, G."""
    rng = np.random.default_rng(seed)
    shape = (N, *spatial, C)
    x = rng.standard_normal(shape) * rng.uniform(0.5, 3, C) + rng.uniform(-5, 5, C)
    arrays = (x, rng.uniform(0.5, 2, C), rng.standard_normal(C), rng.standard_normal(C), rng.uniform(0.5, 2, C),
              rng.standard_normal(shape))
    return tuple(a.astype(dtype) for a in arrays)


def both(fn_name, *args, copies=(3, 4)):
    """The kernel's and the twin's result, each on its own copies of the moving statistics (updated in place)."""
    results = []
    for ops in (kernels, reference):
        own = [a.copy() if i in copies else a for i, a in enumerate(args)]
        results.append((getattr(ops, fn_name)(*own), [own[i] for i in copies if i < len(own)]))
    return results


@given(shapes)
def test_matches_reference_in_float64(shape):
    x, gamma, beta, mm, mv, G = make(*shape)
    (fast, fast_moving), (slow, slow_moving) = both("batch_normalization_forward", x, gamma, beta, mm, mv, 0.9, 1e-3)
    for got, want in zip(list(fast) + fast_moving, list(slow) + slow_moving):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    (fast_inf, _), (slow_inf, _) = both("batch_normalization_inference", x, gamma, beta, mm, mv, 1e-3)
    np.testing.assert_allclose(fast_inf, slow_inf, rtol=1e-12, atol=1e-12)
    _, x_hat, inv_std = fast
    for got, want in zip(kernels.batch_normalization_backward(G, x_hat, inv_std, gamma),
                         reference.batch_normalization_backward(G, x_hat, inv_std, gamma)):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


@given(shapes)
def test_float32_matches_float64_reference(shape):
    x, gamma, beta, mm, mv, G = make(*shape, dtype=np.float32)
    wide = [a.astype(np.float64) for a in (x, gamma, beta, mm, mv, G)]
    out, x_hat, inv_std = kernels.batch_normalization_forward(x, gamma, beta, mm.copy(), mv.copy())
    want_out, want_x_hat, want_inv_std = reference.batch_normalization_forward(*wide[:3], wide[3].copy(),
                                                                               wide[4].copy())
    assert out.dtype == x_hat.dtype == inv_std.dtype == np.float32
    M = x.size // x.shape[-1]
    # The sums are float64, so the float32 errors come from rounding x - mean (up to |x| ulps, times
    # inv_std) and the last few operations: ``spread`` bounds |x| * inv_std, and |x_hat| <= sqrt(M).
    spread = np.abs(x).max() * inv_std.max()
    h = max(np.sqrt(M), spread)
    assert_float32_close(x_hat, want_x_hat, 4, spread, "x_hat")
    assert_float32_close(out, want_out, 4, np.abs(gamma).max() * spread + np.abs(beta).max(), "out")
    np.testing.assert_allclose(inv_std, want_inv_std, rtol=1e-6)
    dx, dgamma, dbeta = kernels.batch_normalization_backward(G, x_hat, inv_std, gamma)
    rdx, rdgamma, rdbeta = reference.batch_normalization_backward(wide[5], want_x_hat, want_inv_std, wide[1])
    g = np.abs(G).max()
    assert_float32_close(dbeta, rdbeta, M, g, "dbeta")
    assert_float32_close(dgamma, rdgamma, M, g * h, "dgamma")
    assert_float32_close(dx, rdx, 4, np.abs(gamma * inv_std).max() * g * h * h, "dx")


@pytest.mark.parametrize("shape", [(1, [], 1), (2, [], 3), (3, [4, 5], 2), (2, [3, 1], 6)])
@pytest.mark.parametrize("learn", ["both", "none"])
def test_backward_matches_finite_differences(shape, learn):
    x, gamma, beta, mm, mv, G = make(*shape, seed=11)
    if learn == "none":  # scale=False, center=False: gamma = 1, beta = 0, and only dx is used
        gamma, beta = None, None

    def f():
        out, _, _ = kernels.batch_normalization_forward(x, gamma, beta, mm.copy(), mv.copy(), 0.99, 1e-3)
        return float(np.sum(out * G))

    _, x_hat, inv_std = kernels.batch_normalization_forward(x, gamma, beta, mm.copy(), mv.copy(), 0.99, 1e-3)
    dx, dgamma, dbeta = kernels.batch_normalization_backward(G, x_hat, inv_std, gamma)
    inputs, analytic = {"x": x}, {"x": dx}
    if learn == "both":
        inputs.update(gamma=gamma, beta=beta)
        analytic.update(gamma=dgamma, beta=dbeta)
    assert_fd_ok(fd_errors(f, inputs, analytic))


def test_statistics_are_keras_s():
    """Biased variance for the output and for the moving variance (Keras, unlike PyTorch); the
    moving statistics move by (1 - momentum); inference uses them."""
    x, gamma, beta, mm, mv, _ = make(4, [3, 2], 5, seed=3)
    rows = x.reshape(-1, 5)
    mean, var = rows.mean(axis=0), rows.var(axis=0)  # ddof=0: biased
    moving_mean, moving_variance = mm.copy(), mv.copy()
    out, x_hat, inv_std = kernels.batch_normalization_forward(x, gamma, beta, moving_mean, moving_variance, 0.9,
                                                              1e-2)
    np.testing.assert_allclose(inv_std, 1 / np.sqrt(var + 1e-2), rtol=1e-12)
    np.testing.assert_allclose(out, gamma * (x - mean) / np.sqrt(var + 1e-2) + beta, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(moving_mean, 0.9 * mm + 0.1 * mean, rtol=1e-12)
    np.testing.assert_allclose(moving_variance, 0.9 * mv + 0.1 * var, rtol=1e-12)
    inference = kernels.batch_normalization_inference(x, gamma, beta, moving_mean, moving_variance, 1e-2)
    np.testing.assert_allclose(inference, gamma * (x - moving_mean) / np.sqrt(moving_variance + 1e-2) + beta,
                               rtol=1e-12, atol=1e-12)
    # no scale and no offset: gamma = 1, beta = 0
    plain, _, _ = kernels.batch_normalization_forward(x, None, None, mm.copy(), mv.copy(), 0.9, 1e-2)
    np.testing.assert_allclose(plain, x_hat, rtol=0, atol=0)


def test_one_row_and_a_constant_channel_give_zeros_not_nan():
    x = np.full((1, 3), 7.0)
    out, x_hat, _ = kernels.batch_normalization_forward(x, None, None, np.zeros(3), np.ones(3))
    np.testing.assert_array_equal(out, 0)
    dx, dgamma, dbeta = kernels.batch_normalization_backward(np.ones((1, 3)), x_hat, np.ones(3), None)
    np.testing.assert_array_equal(dx, 0)
    np.testing.assert_array_equal(dbeta, 1)


def test_bit_identical_for_any_thread_count():
    x, gamma, beta, mm, mv, G = make(7, [33, 17], 8, seed=5, dtype=np.float32)
    results = []
    for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
        numba.set_num_threads(threads)
        moving = (mm.copy(), mv.copy())
        out, x_hat, inv_std = kernels.batch_normalization_forward(x, gamma, beta, *moving)
        results.append((out, x_hat, inv_std, *moving) + kernels.batch_normalization_backward(G, x_hat, inv_std, gamma))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    for got in results[1:]:
        for a, c in zip(got, results[0]):
            np.testing.assert_array_equal(a, c)


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    x, gamma, beta, mm, mv, G = make(2, [2], 3, seed=0)
    (fast, fast_moving), (slow, slow_moving) = both("batch_normalization_forward", x, gamma, beta, mm, mv)
    for got, want in zip(list(fast) + fast_moving, list(slow) + slow_moving):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    (fast_inf, _), (slow_inf, _) = both("batch_normalization_inference", x, gamma, beta, mm, mv)
    np.testing.assert_allclose(fast_inf, slow_inf, rtol=1e-12, atol=1e-12)
    for got, want in zip(kernels.batch_normalization_backward(G, fast[1], fast[2], gamma),
                         reference.batch_normalization_backward(G, fast[1], fast[2], gamma)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_bad_arguments_raise_clear_errors():
    x, gamma, beta, mm, mv, G = make(2, [3, 3], 4, seed=0, dtype=np.float32)
    forward = kernels.batch_normalization_forward
    with pytest.raises(ShapeError, match="x must be a float32 or float64 NumPy array with a batch and a channel"):
        forward(x[0, 0, 0], gamma, beta, mm, mv)
    with pytest.raises(ShapeError, match="x must be a float32 or float64"):
        forward(x.astype(np.int32), gamma, beta, mm, mv)
    with pytest.raises(ShapeError, match=r"gamma must have shape \(4,\), got \(3,\)"):
        forward(x, gamma[:3], beta, mm, mv)
    with pytest.raises(ShapeError, match="arrays must share one dtype, got x=float32, beta=float64"):
        forward(x, gamma, beta.astype(np.float64), mm, mv)
    with pytest.raises(ShapeError, match="moving_mean is updated in place: it must be a C-contiguous, writeable"):
        forward(x, gamma, beta, np.zeros(8, np.float32)[::2], mv)
    with pytest.raises(ShapeError, match="x must hold at least one sample"):
        forward(x[:0], gamma, beta, mm, mv)
    with pytest.raises(InvalidArgumentError, match=r"momentum must be a number in \[0, 1\], got 1.5"):
        forward(x, gamma, beta, mm, mv, momentum=1.5)
    with pytest.raises(InvalidArgumentError, match="epsilon must be a positive number, got 0"):
        kernels.batch_normalization_inference(x, gamma, beta, mm, mv, epsilon=0)
    with pytest.raises(ShapeError, match=r"x_hat must have shape \(2, 3, 3, 4\), got \(2, 3, 3, 3\)"):
        kernels.batch_normalization_backward(G, x[..., :3], gamma, gamma)
    with pytest.raises(ShapeError, match=r"inv_std must have shape \(4,\), got \(2,\)"):
        kernels.batch_normalization_backward(G, x, gamma[:2], gamma)
