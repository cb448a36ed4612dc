"""Scores read from the confusion matrix of argmax predictions: per-class
precision, recall and F1, balanced accuracy and macro F1.

Plain accuracy hides a weak class when the classes are unbalanced: a model
that never predicts a rare class loses only that class's share of the samples.
``balanced_accuracy`` (the mean of the per-class recalls) and ``macro_f1`` (the
mean of the per-class F1 scores) give every class the same say.  Conventions,
as in scikit-learn (``balanced_accuracy_score``; ``f1_score(average="macro",
zero_division=0)``):

* a class absent from ``y_true`` has no recall and is left out of the balanced
  accuracy;
* a class never predicted has precision 0 / 0; its F1 counts as 0 (if it occurs
  in ``y_true``, the model missed all of it);
* F1_k = 2 TP_k / (2 TP_k + FP_k + FN_k), the harmonic mean of precision and
  recall where both exist; a class neither in ``y_true`` nor predicted is left
  out of the macro mean.
"""
import math

import numpy as np

from .errors import ShapeError


def check_pair(y_true, y_pred):
    """``y_true`` and ``y_pred`` as arrays of one (N, classes) shape, else a ShapeError.

    Parameters
    ----------
    y_true, y_pred : array_like, (N, classes)

    Returns
    -------
    y_true, y_pred : ndarray
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.ndim != 2 or y_true.shape != y_pred.shape:
        raise ShapeError(
            f"y_true and y_pred must both be (N, classes), got {y_true.shape} and {y_pred.shape}"
        )
    return y_true, y_pred


def confusion_matrix(true_index, predicted_index, num_classes):
    """counts[i, j] = number of samples of true class i predicted as class j.

    Parameters
    ----------
    true_index, predicted_index : array_like of int, (N,)
    num_classes : int

    Returns
    -------
    ndarray, (classes, classes) int64
    """
    true_index = np.asarray(true_index, dtype=np.int64)
    predicted_index = np.asarray(predicted_index, dtype=np.int64)
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (true_index, predicted_index), 1)
    return counts


def per_class_scores(counts):
    """Precision, recall, F1 and support per class from a confusion matrix.

    precision_k = counts[k, k] / (column k sum)   (of those predicted k, how many are k)
    recall_k    = counts[k, k] / (row k sum)      (of the true k, how many were found)
    F1_k        = 2 precision recall / (precision + recall)
    Undefined ratios (0 / 0) are NaN.

    Parameters
    ----------
    counts : array_like, (classes, classes)
        A :func:`confusion_matrix`.

    Returns
    -------
    dict
        ``"precision"``, ``"recall"``, ``"f1"`` (float64) and ``"support"``
        (int64, true samples per class): each (classes,).
    """
    counts = np.asarray(counts, dtype=np.float64)
    hits = np.diag(counts)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = hits / counts.sum(axis=0)
        recall = hits / counts.sum(axis=1)
        f1 = 2 * precision * recall / (precision + recall)
    return {"precision": precision, "recall": recall, "f1": f1, "support": counts.sum(axis=1).astype(np.int64)}


def _counts(y_true, y_pred):
    y_true, y_pred = check_pair(y_true, y_pred)
    return confusion_matrix(y_true.argmax(axis=1), y_pred.argmax(axis=1), y_true.shape[1])


def _mean_where_defined(numerator, denominator):
    """Mean of numerator / denominator over the classes whose denominator is not 0; NaN when none is."""
    defined = denominator > 0
    return float(np.mean(numerator[defined] / denominator[defined])) if defined.any() else math.nan


def balanced_accuracy(y_true, y_pred):
    """Mean over classes of the recall (of the true k, the fraction predicted k); classes absent from ``y_true``
    are left out.

    Parameters
    ----------
    y_true, y_pred : array_like, (N, classes)
        One-hot labels and predicted probabilities (the prediction is the argmax).

    Returns
    -------
    float
        NaN when N is 0.
    """
    counts = _counts(y_true, y_pred)
    return _mean_where_defined(np.diag(counts), counts.sum(axis=1))  # hits / true samples, per class


def macro_f1(y_true, y_pred):
    """Mean over classes of F1 = 2 TP / (2 TP + FP + FN); a class never predicted scores 0, a class neither
    true nor predicted is left out.

    Parameters
    ----------
    y_true : array_like, (N, classes)
        One-hot labels.
    y_pred : array_like, (N, classes)
        Predicted probabilities: each sample is predicted its argmax, as for :func:`balanced_accuracy`.

    Returns
    -------
    float
        In [0, 1]; NaN for no samples at all.
    """
    counts = _counts(y_true, y_pred)
    return _mean_where_defined(2 * np.diag(counts), counts.sum(axis=0) + counts.sum(axis=1))  # 2TP / (2TP + FP + FN)
