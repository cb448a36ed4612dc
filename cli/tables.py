"""Text tables for evaluation results."""
import math

import numpy as np


def _num(value, digits=3):
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def per_class_table(class_names, scores):
    """Precision, recall, F1 and support per class, one row each.

    Parameters
    ----------
    class_names : sequence of str
    scores : dict
        Lists indexed by class: ``"precision"``, ``"recall"`` and ``"f1"``
        (floats; None or NaN shown as "n/a") and ``"support"`` (ints).

    Returns
    -------
    str
        The table, with a header line.
    """
    width = max(8, *(len(n) for n in class_names))
    lines = [f"{'class':<{width}}  precision  recall     f1  support"]
    for k, name in enumerate(class_names):
        lines.append(f"{name:<{width}}  {_num(scores['precision'][k]):>9}  {_num(scores['recall'][k]):>6}  "
                     f"{_num(scores['f1'][k]):>5}  {scores['support'][k]:>7}")
    return "\n".join(lines)


def confusion_table(class_names, counts):
    """Rows: true class; columns: predicted class.

    Parameters
    ----------
    class_names : sequence of str
    counts : array_like of int
        (classes, classes): ``counts[t, p]`` images of class t predicted as p.

    Returns
    -------
    str
        The table, with a header line.
    """
    counts = np.asarray(counts)
    width = max(10, *(len(n) for n in class_names)) + 1
    cell = max(7, *(len(n) for n in class_names)) + 1
    corner = "true \\ predicted"
    width = max(width, len(corner) + 1)
    header = f"{corner:<{width}}" + "".join(f"{name:>{cell}}" for name in class_names)
    lines = [header]
    for k, name in enumerate(class_names):
        lines.append(f"{name:<{width}}" + "".join(f"{c:>{cell}}" for c in counts[k]))
    return "\n".join(lines)
