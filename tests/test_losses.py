"""The probability form of categorical cross-entropy (used when the model
does not end in a softmax) follows Keras and has the right gradient."""
import numpy as np
import pytest

from fastcnn.errors import InvalidArgumentError
from fastcnn.losses import EPSILON, CategoricalCrossentropy, get_loss
from tests.helpers import assert_fd_ok, fd_errors


def test_matches_keras_formula_with_renormalisation_and_clipping():
    y = np.array([[0, 1, 0], [1, 0, 0]], np.float64)
    p = np.array([[0.2, 0.6, 0.2], [0.0, 3.0, 1.0]])  # second row unnormalised, true class 0
    loss = CategoricalCrossentropy().forward(y, p)
    expected = (-np.log(0.6) - np.log(EPSILON)) / 2
    assert loss == pytest.approx(expected, rel=1e-12)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 1.0, (4, 3))
    y = np.eye(3)[[0, 2, 1, 1]]
    loss = CategoricalCrossentropy()
    analytic = loss.backward(y, p)
    assert_fd_ok(fd_errors(lambda: loss.forward(y, p), {"p": p}, {"p": analytic}))


def test_unknown_loss_and_bad_flag():
    with pytest.raises(InvalidArgumentError, match="unknown loss 'hinge'"):
        get_loss("hinge")
    with pytest.raises(InvalidArgumentError, match="from_logits must be True or False"):
        CategoricalCrossentropy(from_logits="yes")


# ---- label smoothing and sample weights (fit's class_weight) --------------------------------


def test_label_smoothing_is_keras_formula():
    y = np.array([[0, 1, 0], [0, 0, 1]], np.float32)
    smoothed = CategoricalCrossentropy(label_smoothing=0.1).targets(y)
    np.testing.assert_allclose(smoothed, [[0.1 / 3, 0.9 + 0.1 / 3, 0.1 / 3], [0.1 / 3, 0.1 / 3, 0.9 + 0.1 / 3]],
                               rtol=1e-6)
    assert smoothed.dtype == np.float32
    assert CategoricalCrossentropy().targets(y) is y  # no smoothing: the labels themselves, untouched
    p = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
    plain = CategoricalCrossentropy()
    assert plain.forward(y, p) == pytest.approx(1.177, abs=1e-3)  # Keras's documented example
    expected = -(smoothed * np.log(np.clip(p, EPSILON, 1 - EPSILON))).sum() / 2
    assert plain.forward(smoothed, p) == pytest.approx(expected, rel=1e-6)


def test_weighted_probability_loss_and_its_gradient():
    rng = np.random.default_rng(1)
    p = rng.uniform(0.05, 1.0, (4, 3))
    y = CategoricalCrossentropy(label_smoothing=0.2).targets(np.eye(3)[[0, 2, 1, 1]])
    w = np.array([2.0, 0.5, 0.0, 1.0])
    loss = CategoricalCrossentropy()
    per_sample = [loss.forward(y[n:n + 1], p[n:n + 1]) for n in range(4)]
    assert loss.forward(y, p, w) == pytest.approx(np.dot(w, per_sample) / 4, rel=1e-12)
    analytic = loss.backward(y, p, w)
    assert_fd_ok(fd_errors(lambda: loss.forward(y, p, w), {"p": p}, {"p": analytic}))
    np.testing.assert_array_equal(loss.backward(y, p, np.ones(4)), loss.backward(y, p))


def test_bad_label_smoothing():
    for bad in (-0.1, 1.0, 1.5, float("nan"), "0.1", True):
        with pytest.raises(InvalidArgumentError, match=r"label_smoothing must be a number in \[0, 1\)"):
            CategoricalCrossentropy(label_smoothing=bad)
    assert CategoricalCrossentropy(label_smoothing=0.1).get_config() == {
        "name": "categorical_crossentropy", "from_logits": False, "label_smoothing": 0.1}
