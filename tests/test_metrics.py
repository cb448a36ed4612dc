"""Metrics: exact AUC equals the pairwise definition; accuracy by argmax; balanced
accuracy and macro F1 against hand-worked confusion matrices."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastcnn.errors import InvalidArgumentError, ShapeError
from fastcnn.metrics import (auc_macro, auc_micro, average_ranks, balanced_accuracy, categorical_accuracy, get_metric,
                             macro_f1, roc_auc_binary, roc_curve)


def auc_by_pairs(labels, scores):
    """P(score of a random positive > score of a random negative), ties 1/2."""
    pos = scores[labels == 1]
    neg = scores[labels == 0]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return wins / (len(pos) * len(neg))


@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 6)), min_size=2, max_size=60))
def test_binary_auc_equals_pair_counting(pairs):
    labels = np.array([p[0] for p in pairs])
    scores = np.array([p[1] for p in pairs], dtype=float) / 6  # small integers: many ties
    got = roc_auc_binary(labels, scores)
    if labels.min() == labels.max():
        assert math.isnan(got)
    else:
        assert got == pytest.approx(auc_by_pairs(labels, scores), abs=1e-12)


def test_average_ranks_share_ties():
    np.testing.assert_array_equal(average_ranks([0.3, 0.1, 0.3, 0.2]), [3.5, 1, 3.5, 2])


def test_micro_auc_flattens_one_hot_labels_like_keras():
    rng = np.random.default_rng(0)
    y = np.eye(4)[rng.integers(0, 4, 50)]
    p = rng.dirichlet(np.ones(4), 50)
    assert auc_micro(y, p) == pytest.approx(auc_by_pairs(y.ravel(), p.ravel()))
    per_class = [auc_by_pairs(y[:, k], p[:, k]) for k in range(4)]
    assert auc_macro(y, p) == pytest.approx(np.mean(per_class))


def test_perfect_and_inverted_predictions():
    y = np.eye(3)[[0, 1, 2, 0]]
    assert auc_micro(y, y * 0.9 + 0.05) == 1.0
    assert auc_micro(y, 1 - y) == 0.0
    assert categorical_accuracy(y, y) == 1.0


def test_macro_skips_absent_classes():
    y = np.eye(3)[[0, 1, 0, 1]]  # class 2 never occurs
    p = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.4, 0.5, 0.1]])
    assert auc_macro(y, p) == 1.0


def test_accuracy_counts_argmax_matches():
    y = np.eye(3)[[0, 1, 2, 2]]
    p = np.array([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7], [0.0, 0.1, 0.9], [0.4, 0.3, 0.3]])
    assert categorical_accuracy(y, p) == 0.5


def test_errors():
    with pytest.raises(ShapeError, match="must both be"):
        auc_micro(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(InvalidArgumentError, match="unknown metric 'f1'"):
        get_metric("f1")


def test_roc_curve_area_is_the_exact_auc():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 200)
    scores = np.round(rng.random(200) + labels * 0.3, 1)  # coarse scores: many ties
    fpr, tpr = roc_curve(labels, scores)
    assert fpr[0] == 0 and tpr[0] == 0 and fpr[-1] == 1 and tpr[-1] == 1
    assert len(fpr) == len(np.unique(scores)) + 1  # one point per distinct threshold
    area = np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2)
    assert area == pytest.approx(roc_auc_binary(labels, scores), abs=1e-12)


# ---- balanced accuracy and macro F1: hand-worked cases ----------------------------------------


def test_balanced_accuracy_and_macro_f1_with_a_class_never_predicted():
    # true 0 0 0 1 1 2, predicted 0 0 1 1 1 1: class 2 is never predicted
    y, p = np.eye(3)[[0, 0, 0, 1, 1, 2]], np.eye(3)[[0, 0, 1, 1, 1, 1]] * 0.8 + 0.1
    # recalls 2/3, 2/2, 0/1
    assert balanced_accuracy(y, p) == pytest.approx((2 / 3 + 1 + 0) / 3)
    # F1 = 2TP / (2TP + FP + FN): class 0: 4 / (4 + 0 + 1); class 1: 4 / (4 + 2 + 0); class 2: 0 / (0 + 0 + 1)
    assert macro_f1(y, p) == pytest.approx((0.8 + 2 / 3 + 0) / 3)
    assert categorical_accuracy(y, p) == pytest.approx(4 / 6)


def test_a_class_absent_from_y_true():
    y = np.eye(3)[[0, 0, 1, 1]]  # class 2 never occurs
    # ... nor predicted: left out of both means
    p = np.eye(3)[[0, 1, 1, 1]]
    assert balanced_accuracy(y, p) == pytest.approx((1 / 2 + 1) / 2)
    assert macro_f1(y, p) == pytest.approx((2 / 3 + 4 / 5) / 2)
    # ... but predicted once: no recall (left out of the balanced accuracy), F1 0 (it was a false positive)
    p = np.eye(3)[[0, 2, 1, 1]]
    assert balanced_accuracy(y, p) == pytest.approx((1 / 2 + 1) / 2)
    assert macro_f1(y, p) == pytest.approx((2 / 3 + 1 + 0) / 3)


def test_perfect_empty_and_unbalanced_cases():
    y = np.eye(2)[[0] * 9 + [1]]
    majority = np.eye(2)[[0] * 10]  # always the common class: 90% accurate, balanced 50%
    assert categorical_accuracy(y, majority) == pytest.approx(0.9)
    assert balanced_accuracy(y, majority) == pytest.approx(0.5)
    assert macro_f1(y, majority) == pytest.approx((2 * 9 / (18 + 1) + 0) / 2)
    assert balanced_accuracy(y, y) == macro_f1(y, y) == 1.0
    assert math.isnan(balanced_accuracy(np.zeros((0, 3)), np.zeros((0, 3))))
    assert math.isnan(macro_f1(np.zeros((0, 3)), np.zeros((0, 3))))
    with pytest.raises(ShapeError, match="y_true and y_pred must both be"):
        balanced_accuracy(np.zeros((2, 3)), np.zeros((2, 2)))


def test_new_metrics_by_name_in_compile():
    assert get_metric("balanced_accuracy") == ("balanced_accuracy", balanced_accuracy)
    assert get_metric("macro_f1") == ("macro_f1", macro_f1)
    import fastcnn
    from fastcnn import Dense, Flatten, Sequential

    rng = np.random.default_rng(0)
    x, y = rng.random((20, 4, 4, 1)), np.eye(3)[rng.integers(0, 3, 20)]
    model = Sequential([Flatten(), Dense(3, activation="softmax")], input_shape=(4, 4, 1))
    model.compile(fastcnn.Adam(), "categorical_crossentropy", ["categorical_accuracy", "balanced_accuracy"])
    history = model.fit(x, y, epochs=1, verbose=0, validation_split=0.5)
    assert set(history.history) == {"loss", "categorical_accuracy", "balanced_accuracy", "val_loss",
                                    "val_categorical_accuracy", "val_balanced_accuracy"}
    assert history.history["val_balanced_accuracy"][0] == pytest.approx(
        balanced_accuracy(y[10:], model.predict(x[10:])))
