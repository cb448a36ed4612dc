"""Fused softmax + cross-entropy: equals its NumPy twin and the unfused
computation, stays finite for confident mistakes, gradient w (p - y)/N
(w: per-sample weights, Keras's class_weight)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastcnn import kernels, reference
from fastcnn.errors import InvalidArgumentError, ShapeError
from tests.helpers import assert_fd_ok, fd_errors

cases = st.tuples(st.integers(1, 8), st.integers(2, 10), st.floats(0.1, 30), st.booleans(),
                  st.integers(0, 2**32 - 1))


def make(N, K, spread, soft, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal((N, K)) * spread).astype(dtype)
    if soft:  # label smoothing style targets: rows of non-negative weights
        y = rng.random((N, K)).astype(dtype)
    else:
        y = np.eye(K, dtype=dtype)[rng.integers(0, K, N)]
    return z, y


@given(cases, st.sampled_from([np.float32, np.float64]))
def test_matches_reference(case, dtype):
    z, y = make(*case, dtype=dtype)
    loss, p, dz = kernels.softmax_cross_entropy(z, y)
    ref_loss, ref_p, ref_dz = reference.softmax_cross_entropy(z.astype(np.float64), y.astype(np.float64))
    eps = np.finfo(dtype).eps
    K = z.shape[1]
    # log-sum-exp of K terms of size |z|: round-off ~ K * eps * max|z| per sample
    scale = max(np.abs(z).max(), 1.0) * max(y.sum(axis=1).max(), 1.0)
    assert abs(loss - ref_loss) <= 16 * K * eps * scale
    np.testing.assert_allclose(p, ref_p, rtol=0, atol=16 * K * eps)
    np.testing.assert_allclose(dz, ref_dz, rtol=0, atol=16 * K * eps * max(y.sum(axis=1).max(), 1.0))


def test_one_hot_gradient_is_p_minus_y_over_n():
    z, y = make(6, 4, 3.0, False, 0)
    loss, p, dz = kernels.softmax_cross_entropy(z, y)
    np.testing.assert_allclose(dz, (p - y) / 6, rtol=1e-12, atol=1e-15)
    unfused = -np.mean(np.sum(y * np.log(kernels.softmax_forward(z)), axis=1))
    assert loss == pytest.approx(unfused, rel=1e-12)


def test_confident_mistakes_stay_finite():
    z = np.array([[200.0, -200.0]], np.float32)  # p of the true class rounds to 0
    y = np.array([[0.0, 1.0]], np.float32)
    loss, p, dz = kernels.softmax_cross_entropy(z, y)
    assert loss == pytest.approx(400.0)
    np.testing.assert_allclose(dz, [[1.0, -1.0]])


@pytest.mark.parametrize("soft", [False, True])
def test_backward_matches_finite_differences(soft):
    z, y = make(5, 4, 2.0, soft, 3)
    _, _, dz = kernels.softmax_cross_entropy(z, y)
    assert_fd_ok(fd_errors(lambda: kernels.softmax_cross_entropy(z, y)[0], {"z": z}, {"z": dz}))


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    z, y = make(2, 3, 1.0, False, 1)
    got, want = kernels.softmax_cross_entropy(z, y), reference.softmax_cross_entropy(z, y)
    assert got[0] == pytest.approx(want[0], rel=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12)
    np.testing.assert_allclose(got[2], want[2], rtol=1e-12, atol=1e-15)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ShapeError, match=r"y_true shape \(2, 3\) differs from logits shape \(2, 4\)"):
        kernels.softmax_cross_entropy(np.zeros((2, 4)), np.zeros((2, 3)))
    with pytest.raises(ShapeError, match="need at least one sample"):
        kernels.softmax_cross_entropy(np.zeros((0, 4)), np.zeros((0, 4)))
    with pytest.raises(ShapeError, match=r"sample_weight must have shape \(2,\), got \(3,\)"):
        kernels.softmax_cross_entropy(np.zeros((2, 4)), np.zeros((2, 4)), np.ones(3))
    for bad in ([1.0, -0.5], [1.0, np.nan], [np.inf, 1.0]):
        with pytest.raises(InvalidArgumentError, match="sample_weight must be non-negative finite numbers"):
            kernels.softmax_cross_entropy(np.zeros((2, 4)), np.zeros((2, 4)), np.array(bad))


# ---- sample weights (fit's class_weight) ---------------------------------------------------


@given(cases, st.sampled_from([np.float32, np.float64]))
def test_weighted_matches_reference(case, dtype):
    z, y = make(*case, dtype=dtype)
    w = np.random.default_rng(case[-1]).uniform(0, 3, len(z))
    loss, p, dz = kernels.softmax_cross_entropy(z, y, w)
    ref_loss, ref_p, ref_dz = reference.softmax_cross_entropy(z.astype(np.float64), y.astype(np.float64), w)
    eps, K = np.finfo(dtype).eps, z.shape[1]
    scale = max(np.abs(z).max(), 1.0) * max(y.sum(axis=1).max(), 1.0) * 3
    assert abs(loss - ref_loss) <= 16 * K * eps * scale
    np.testing.assert_allclose(dz, ref_dz, rtol=0, atol=16 * K * eps * 3 * max(y.sum(axis=1).max(), 1.0))


def test_weighted_loss_is_weighted_sum_over_batch_size():
    """Keras 3's "sum_over_batch_size": sum of w * loss divided by N, not by the sum of the weights."""
    z, y = make(4, 3, 2.0, False, 5)
    w = np.array([0.5, 2.0, 0.0, 1.0])
    plain = [kernels.softmax_cross_entropy(z[n:n + 1], y[n:n + 1])[0] for n in range(4)]
    loss, p, dz = kernels.softmax_cross_entropy(z, y, w)
    assert loss == pytest.approx(np.dot(w, plain) / 4, rel=1e-12)
    np.testing.assert_allclose(dz, w[:, None] * (p - y) / 4, rtol=1e-12, atol=1e-15)
    assert not dz[2].any()  # a weight of 0: the sample teaches nothing


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_weights_of_one_change_no_bit(dtype):
    z, y = make(7, 4, 5.0, True, 8, dtype=dtype)
    got, want = kernels.softmax_cross_entropy(z, y, np.ones(7)), kernels.softmax_cross_entropy(z, y)
    assert got[0] == want[0]
    assert got[1].tobytes() == want[1].tobytes() and got[2].tobytes() == want[2].tobytes()


@pytest.mark.parametrize("soft", [False, True])
def test_weighted_backward_matches_finite_differences(soft):
    z, y = make(5, 4, 2.0, soft, 4)
    w = np.array([0.25, 3.0, 1.0, 0.0, 1.5])
    _, _, dz = kernels.softmax_cross_entropy(z, y, w)
    assert_fd_ok(fd_errors(lambda: kernels.softmax_cross_entropy(z, y, w)[0], {"z": z}, {"z": dz}))
    _, _, ref_dz = reference.softmax_cross_entropy(z, y, w)
    assert_fd_ok(fd_errors(lambda: reference.softmax_cross_entropy(z, y, w)[0], {"z": z}, {"z": ref_dz}))


@pytest.mark.parametrize("eps", [0.1, 0.5])
def test_smoothed_targets_match_finite_differences(eps):
    """Label smoothing (y (1 - eps) + eps / K) is a soft target: the weighted gradient stays exact."""
    z, y = make(6, 5, 2.0, False, 9)
    y = y * (1 - eps) + eps / 5
    w = np.linspace(0.5, 2.0, 6)
    loss, p, dz = kernels.softmax_cross_entropy(z, y, w)
    np.testing.assert_allclose(dz, w[:, None] * (p - y) / 6, rtol=1e-12, atol=1e-15)  # rows of y still sum to 1
    assert_fd_ok(fd_errors(lambda: kernels.softmax_cross_entropy(z, y, w)[0], {"z": z}, {"z": dz}))
