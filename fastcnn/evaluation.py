"""Evaluation (``Sequential.evaluate``): the loss and metrics of a compiled model over labelled data."""
import numpy as np

from .errors import InvalidArgumentError
from .inputs import check_count
from .progress import format_logs


def evaluate(model, x, y, batch_size=32, verbose=0, tta=False):
    """``{"loss": ..., <metric>: ...}`` of ``model`` over the whole of (x, y); see :meth:`fastcnn.Sequential.evaluate`.

    Parameters
    ----------
    model : Sequential
        Compiled; ``self`` when called as ``model.evaluate``.
    x : ndarray or row source, (N, H, W, C_in) float or uint8
    y : ndarray, (N, classes)
        One-hot labels.
    batch_size : int, default 32
    verbose : {0, 1, 2}, default 0
        1 or 2 prints the logs in one line.
    tta : bool, default False
        Score the outputs averaged over the images' exact rotations and mirror images
        (``predict(..., tta=True)``); the loss is then the loss function of those averages.

    Returns
    -------
    dict
        Metric name -> float.
    """
    check_verbose(verbose)
    logs, _ = evaluate_outputs(model, x, y, batch_size, tta)
    if verbose:
        print(format_logs(logs))
    return logs


def evaluate_outputs(model, x, y, batch_size=32, tta=False):
    """:func:`evaluate`'s logs and the probabilities they were computed from, in one pass over x.

    Parameters
    ----------
    model : Sequential
        Compiled.
    x, y, batch_size, tta
        As for :func:`evaluate`.

    Returns
    -------
    logs : dict
        Metric name -> float.
    probabilities : ndarray, (N, classes)
        The model's outputs (averaged over the views with ``tta``).
    """
    model.require_compiled()
    x, y = model.check_data(x, y)
    batch_size = check_count(batch_size, "batch_size")
    if tta:
        probabilities = model.predict(x, batch_size=batch_size, tta=tta)
        targets = model.loss.targets(np.asarray(y, dtype=probabilities.dtype))  # smoothed, as in training
        logs = {"loss": model.loss.forward(targets, probabilities) if len(x) else 0.0}
    else:
        logs, probabilities = _evaluate_batches(model, x, y, batch_size)
    logs.update({name: fn(y, probabilities) for name, fn in model.metrics})
    return logs, probabilities


def check_verbose(verbose):
    """``verbose`` if it is 0, 1 or 2 (Keras's levels), else a one-line InvalidArgumentError.

    Parameters
    ----------
    verbose : object

    Returns
    -------
    int
    """
    if verbose not in (0, 1, 2):
        raise InvalidArgumentError(f"verbose must be 0, 1 or 2, got {verbose!r}")
    return verbose


def _evaluate_batches(model, x, y, batch_size):
    """({"loss": mean loss}, probabilities) of x, batch by batch through the plan."""
    plan = model.plan()
    loss_sum = 0.0
    probabilities = np.empty(y.shape, dtype=model.dtype)
    for start in range(0, len(x), batch_size):
        stop = min(start + batch_size, len(x))
        head = plan.forward(*plan.batch_source(x, np.arange(start, stop)), training=False)
        loss, probabilities[start:stop], _ = plan.loss_head(head, y[start:stop])
        loss_sum += loss * (stop - start)
    return {"loss": loss_sum / max(len(x), 1)}, probabilities


def scores(model, x, labels, batch_size=64, tta=False):
    """Everything ``fastcnn evaluate`` and the report show, from one prediction pass over x.

    Parameters
    ----------
    model : Sequential
        Compiled, with ``class_names``.
    x : ndarray or row source, (N, H, W, C_in)
    labels : ndarray of int, (N,)
        True class indices.
    batch_size : int, default 64
    tta : bool, default False
        Average over the images' views (:func:`evaluate`).

    Returns
    -------
    results : dict
        "loss", "categorical_accuracy", "auc" (micro, as Keras), "auc_macro",
        "balanced_accuracy", "macro_f1", "majority_baseline" (floats),
        "confusion_matrix" (rows: true class, lists of int), "per_class"
        (class name -> precision, recall, f1 (None where undefined), support)
        and "class_names".
    probabilities : ndarray, (N, classes)
    """
    from .metrics import (auc_macro, auc_micro, balanced_accuracy, categorical_accuracy, confusion_matrix, macro_f1,
                          per_class_scores)

    classes = len(model.class_names)
    y = np.eye(classes, dtype=np.float32)[np.asarray(labels, dtype=np.int64)]
    logs, probabilities = evaluate_outputs(model, x, y, batch_size=batch_size, tta=tta)
    counts = confusion_matrix(labels, probabilities.argmax(axis=1), classes)
    per_class = per_class_scores(counts)
    results = {
        # the model's own metrics when it was compiled with them (the same functions), else computed here
        "loss": logs["loss"],
        "categorical_accuracy": (logs["categorical_accuracy"] if "categorical_accuracy" in logs
                                 else categorical_accuracy(y, probabilities)),
        "auc": logs["auc"] if "auc" in logs else auc_micro(y, probabilities),
        "auc_macro": auc_macro(y, probabilities), "balanced_accuracy": balanced_accuracy(y, probabilities),
        "macro_f1": macro_f1(y, probabilities), "majority_baseline": counts.sum(axis=1).max() / max(len(y), 1),
        "class_names": list(model.class_names), "confusion_matrix": counts.tolist(),
        "per_class": {name: {key: (None if np.isnan(float(per_class[key][k])) else float(per_class[key][k]))
                             for key in ("precision", "recall", "f1")} | {"support": int(per_class["support"][k])}
                      for k, name in enumerate(model.class_names)},
    }
    return results, probabilities
