"""Classification metrics: categorical accuracy and exact ROC AUC.

AUC as the original Keras project reported it: Keras's default ``AUC()``
flattens the one-hot labels and the predicted probabilities of all classes
into one long binary problem ("micro" averaging) and estimates the ROC area
from 200 fixed thresholds.  fastcnn computes the same quantity *exactly*,
from ranks (the Mann-Whitney U statistic):

    AUC = (sum of the ranks of the positives - P (P + 1) / 2) / (P * Q)

with P positives, Q negatives and tied scores given their average rank.  It
equals the probability that a random positive scores above a random
negative (ties count one half).  ``auc_macro`` averages the one-vs-rest AUC of
each class instead.

Scores read from the confusion matrix (per-class precision, recall and F1,
``balanced_accuracy``, ``macro_f1``) are in :mod:`fastcnn.confusion` and
importable from here.
"""
import math

import numpy as np

from .confusion import (balanced_accuracy, check_pair as _pair, confusion_matrix, macro_f1,  # noqa: F401
                        per_class_scores)
from .errors import InvalidArgumentError, ShapeError


def categorical_accuracy(y_true, y_pred):
    """Fraction of samples whose highest predicted class is the true class.

    Parameters
    ----------
    y_true, y_pred : array_like, (N, classes)
        One-hot labels and predicted probabilities.

    Returns
    -------
    float
        NaN when N is 0.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if len(y_true) == 0:
        return math.nan
    return float(np.mean(y_true.argmax(axis=1) == y_pred.argmax(axis=1)))


def average_ranks(scores):
    """Ranks 1..n of ``scores``; tied scores share the mean of their ranks.

    Parameters
    ----------
    scores : array_like
        Flattened.

    Returns
    -------
    ndarray, (n,) float64
    """
    scores = np.asarray(scores, dtype=np.float64).ravel()
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    # start and stop (exclusive) positions of each run of equal scores
    starts = np.concatenate(([0], np.flatnonzero(np.diff(sorted_scores)) + 1))
    stops = np.concatenate((starts[1:], [len(scores)]))
    run_rank = (starts + 1 + stops) / 2.0  # mean of the ranks start+1 ... stop
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[order] = np.repeat(run_rank, stops - starts)
    return ranks


def roc_auc_binary(labels, scores):
    """Exact area under the ROC curve for binary ``labels`` (0/1) and ``scores``.

    Returns NaN when only one of the two classes is present (the area is
    undefined then).

    Parameters
    ----------
    labels, scores : array_like
        The same size; a label above 0.5 is positive.

    Returns
    -------
    float
    """
    labels = np.asarray(labels).ravel() > 0.5
    scores = np.asarray(scores, dtype=np.float64).ravel()
    if labels.shape != scores.shape:
        raise ShapeError(f"labels and scores differ in size: {labels.size} vs {scores.size}")
    positives = int(labels.sum())
    negatives = labels.size - positives
    if positives == 0 or negatives == 0:
        return math.nan
    rank_sum = average_ranks(scores)[labels].sum()
    return float((rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives))


def auc_micro(y_true, y_pred):
    """Keras's default ``AUC()`` on one-hot labels, computed exactly.

    Parameters
    ----------
    y_true, y_pred : array_like, (N, classes)
        All N * classes (label, score) pairs are pooled into one binary problem.

    Returns
    -------
    float
        NaN when the labels are all 0 or all 1.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return roc_auc_binary(y_true.ravel(), y_pred.ravel())


def auc_macro(y_true, y_pred):
    """Mean over classes of the one-vs-rest ROC AUC (classes absent from
    ``y_true``, whose AUC is undefined, are left out of the mean).

    Parameters
    ----------
    y_true, y_pred : array_like, (N, classes)

    Returns
    -------
    float
        NaN when no class has an AUC.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    per_class = [roc_auc_binary(y_true[:, k], y_pred[:, k]) for k in range(y_true.shape[1])]
    defined = [a for a in per_class if not math.isnan(a)]
    return float(np.mean(defined)) if defined else math.nan


METRICS = {
    "categorical_accuracy": categorical_accuracy,
    "accuracy": categorical_accuracy,
    "auc": auc_micro,
    "auc_macro": auc_macro,
    "balanced_accuracy": balanced_accuracy,
    "macro_f1": macro_f1,
}


def get_metric(name):
    """``(name, function)`` for a metric name in :data:`METRICS`.

    Parameters
    ----------
    name : str

    Returns
    -------
    (str, callable)
        ``function(y_true, y_pred) -> float``.
    """
    if isinstance(name, str) and name in METRICS:
        return name, METRICS[name]
    raise InvalidArgumentError(f"unknown metric {name!r}; known: {', '.join(METRICS)}")


def roc_curve(labels, scores):
    """The ROC curve of one class: (false positive rates, true positive rates), from the highest threshold down.

    Parameters
    ----------
    labels : array_like, (N,)
        1 for the positive class, 0 otherwise.
    scores : array_like, (N,)
        The predicted probability of the positive class.

    Returns
    -------
    fpr, tpr : ndarray, (T + 1,) float64
        One point per distinct score (T of them), after the origin (0, 0);
        ties share a point, as in scikit-learn's ``roc_curve`` (without dropping collinear points).
    """
    labels = np.asarray(labels).ravel() > 0.5
    scores = np.asarray(scores, dtype=np.float64).ravel()
    order = np.argsort(-scores, kind="mergesort")
    labels, scores = labels[order], scores[order]
    distinct = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]  # last index of each threshold
    tp = np.cumsum(labels)[distinct]
    fp = (distinct + 1) - tp
    positives, negatives = labels.sum(), len(labels) - labels.sum()
    tpr = np.r_[0.0, tp / positives] if positives else np.zeros(len(tp) + 1)
    fpr = np.r_[0.0, fp / negatives] if negatives else np.zeros(len(fp) + 1)
    return fpr, tpr
