"""How good the predictions are: the confusion matrix and the ROC curves."""
import math

import numpy as np

from ..metrics import confusion_matrix, roc_auc_binary, roc_curve
from .figures import pyplot, save_figure


def plot_confusion_matrix(true_index, predicted_index, class_names, path):
    """Counts and row-normalised fractions (each true class sums to 1).

    Parameters
    ----------
    true_index, predicted_index : array_like of int, (N,)
        Class indices.
    class_names : sequence of str
        The row and column labels, in class-index order.
    path : str or pathlib.Path

    Returns
    -------
    pathlib.Path
        ``path``: a PNG of two panels side by side, counts and fractions, each cell written out.
    """
    plt = pyplot()
    counts = confusion_matrix(true_index, predicted_index, len(class_names))
    with np.errstate(invalid="ignore"):
        fractions = counts / counts.sum(axis=1, keepdims=True)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.8))
    for ax, values, title, fmt in ((axes[0], counts, "counts", "{:d}"),
                                   (axes[1], np.nan_to_num(fractions), "fraction of each true class", "{:.2f}")):
        ax.imshow(values, cmap="Blues", vmin=0)
        ax.set_xticks(range(len(class_names)), class_names, rotation=30, ha="right")
        ax.set_yticks(range(len(class_names)), class_names)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.set_title(title)
        top = values.max() if values.size else 0
        for i in range(len(class_names)):
            for j in range(len(class_names)):
                value = values[i, j]
                ax.text(j, i, fmt.format(int(value)) if fmt == "{:d}" else fmt.format(value), ha="center",
                        va="center", color="white" if top and value > top / 2 else "black")
    fig.tight_layout()
    return save_figure(fig, path, plt)


def plot_roc(y_true, probabilities, class_names, path):
    """One-vs-rest ROC curve per class, its AUC in the legend.

    A class whose labels are all 0 or all 1 has no curve and is left out.

    Parameters
    ----------
    y_true : ndarray, (N, classes)
        One-hot labels.
    probabilities : ndarray, (N, classes)
        The model's outputs.
    class_names : sequence of str
        The legend's names, in class-index order.
    path : str or pathlib.Path

    Returns
    -------
    pathlib.Path
        ``path``: a PNG with one curve per class and the chance diagonal.
    """
    plt = pyplot()
    y_true = np.asarray(y_true)
    fig, ax = plt.subplots(figsize=(5.6, 5.2))
    for k, name in enumerate(class_names):
        auc = roc_auc_binary(y_true[:, k], probabilities[:, k])
        if math.isnan(auc):
            continue
        fpr, tpr = roc_curve(y_true[:, k], probabilities[:, k])
        ax.plot(fpr, tpr, label=f"{name} (AUC {auc:.3f})")
    ax.plot([0, 1], [0, 1], ":", color="gray", label="chance")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title("ROC, one class against the rest")
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path, plt)
