"""Optimizers follow Keras 3's update rules exactly, and their state
round-trips so training can resume bit-identically."""
import math

import numpy as np
import pytest

from fastcnn import SGD, Adam
from fastcnn.errors import InvalidArgumentError, ShapeError
from fastcnn.optimizers import get_optimizer, optimizer_from_config


def keras_adam(theta, grads, lr=1e-3, b1=0.9, b2=0.999, eps=1e-7):
    """Keras 3's Adam.update_step, written out in float64."""
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        theta = theta - alpha * m / (np.sqrt(v) + eps)
    return theta


def test_adam_matches_keras_rule():
    rng = np.random.default_rng(0)
    theta0 = rng.standard_normal((5, 3))
    grads = [rng.standard_normal((5, 3)) * 10.0**-k for k in range(6)]  # includes tiny gradients
    param = theta0.copy()
    adam = Adam(learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-5)
    for g in grads:
        adam.apply([param], [g])
    expected = keras_adam(theta0, grads, 0.01, 0.8, 0.99, 1e-5)
    np.testing.assert_allclose(param, expected, rtol=1e-13, atol=1e-15)
    assert adam.iterations == len(grads)


def test_adam_first_step_moves_each_weight_by_about_lr():
    param = np.zeros(4, np.float32)
    Adam(1e-3).apply([param], [np.array([0.1, -2.0, 5.0, 0.0], np.float32)])
    # step 1: m = 0.1 g, sqrt(v) = sqrt(0.001) |g|, alpha = lr sqrt(0.001) / 0.1, so the
    # step is lr * sign(g) up to epsilon / (sqrt(0.001) |g|) <= 3.2e-5 relative
    np.testing.assert_allclose(param, [-1e-3, 1e-3, -1e-3, 0.0], rtol=4e-5)


def test_sgd_with_and_without_momentum():
    param = np.array([1.0, 2.0])
    SGD(0.1).apply([param], [np.array([1.0, -1.0])])
    np.testing.assert_allclose(param, [0.9, 2.1])
    param = np.array([0.0])
    sgd = SGD(0.1, momentum=0.9)
    for _ in range(2):
        sgd.apply([param], [np.array([1.0])])
    # m1 = -0.1, theta1 = -0.1; m2 = 0.9*-0.1 - 0.1 = -0.19, theta2 = -0.29
    np.testing.assert_allclose(param, [-0.29])


@pytest.mark.parametrize("make", [lambda: Adam(0.01), lambda: SGD(0.05, momentum=0.5), lambda: SGD(0.05)])
def test_state_round_trip_resumes_identically(make):
    rng = np.random.default_rng(1)
    grads = [[rng.standard_normal((3, 2)).astype(np.float32), rng.standard_normal(2).astype(np.float32)]
             for _ in range(6)]
    params = [np.ones((3, 2), np.float32), np.zeros(2, np.float32)]
    straight = make()
    for g in grads:
        straight.apply(params, g)

    resumed_params = [np.ones((3, 2), np.float32), np.zeros(2, np.float32)]
    first = make()
    for g in grads[:3]:
        first.apply(resumed_params, g)
    second = optimizer_from_config(first.get_config())
    second.build(resumed_params)
    second.set_state(first.get_state())
    for g in grads[3:]:
        second.apply(resumed_params, g)
    for a, b in zip(params, resumed_params):
        np.testing.assert_array_equal(a, b)
    assert second.iterations == straight.iterations == 6


def test_bad_arguments():
    with pytest.raises(InvalidArgumentError, match="learning_rate must be in \\(0.0, inf\\), got -0.1"):
        Adam(-0.1)
    with pytest.raises(InvalidArgumentError, match="learning_rate must be a finite number, got nan"):
        SGD(float("nan"))
    with pytest.raises(InvalidArgumentError, match="beta_1 must be in"):
        Adam(beta_1=1.0)
    with pytest.raises(InvalidArgumentError, match="unknown optimizer 'rmsprop'"):
        get_optimizer("rmsprop")
    adam = Adam()
    adam.build([np.zeros(3)])
    with pytest.raises(ShapeError, match="have shapes"):
        adam.set_state({"iterations": 1, "m": [np.zeros(4)], "v": [np.zeros(4)]})
    with pytest.raises(ShapeError, match="gradient 0 has shape"):
        adam.apply([np.zeros(3)], [np.zeros(2)])


def test_a_rejected_step_changes_nothing():
    params = [np.ones(3), np.ones(2)]
    adam = Adam(0.1)
    with pytest.raises(ShapeError, match="gradient 1 has shape"):
        adam.apply(params, [np.ones(3), np.ones(5)])
    np.testing.assert_array_equal(params[0], np.ones(3))
    assert adam.iterations == 0 and not adam.slots["m"][0].any()
