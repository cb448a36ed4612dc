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
