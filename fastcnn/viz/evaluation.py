"""How good the predictions are: the confusion matrix, the ROC curves, one galaxy's predicted class."""
import math

import numpy as np

from ..metrics import confusion_matrix, roc_auc_binary, roc_curve
from .figures import as_rgb, pyplot, save_figure


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


def plot_prediction(image, probabilities, class_names, path, true_label=None, title=None):
    """The galaxy shown large, with the predicted class and its probability
    above it (and the true label when known), probabilities as bars below.

    Parameters
    ----------
    image : ndarray, (H, W, 3) uint8, or floats in [0, 1]
    probabilities : ndarray, (classes,)
    class_names : sequence of str
        In class-index order.
    path : str or pathlib.Path
        The PNG to write.
    true_label : int, optional
        The true class index; the heading then says whether the prediction is correct.
    title : str, optional
        A small caption at the bottom.

    Returns
    -------
    pathlib.Path
    """
    plt = pyplot()
    k = int(np.argmax(probabilities))
    heading = f"Predicted: {class_names[k]} (p = {probabilities[k]:.2f})"
    if true_label is not None:
        verdict = "correct" if true_label == k else "wrong"
        heading += f"\nTrue label: {class_names[true_label]} ({verdict})"
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(5, 6.6), gridspec_kw={"height_ratios": [5, 1.4]})
    top.imshow(as_rgb(image), interpolation="nearest")
    top.set_title(heading, fontsize=13)
    top.axis("off")
    colours = ["tab:green" if i == k else "tab:gray" for i in range(len(class_names))]
    bottom.barh(list(class_names)[::-1], list(np.asarray(probabilities))[::-1], color=colours[::-1])
    bottom.set_xlim(0, 1)
    bottom.set_xlabel("probability")
    if title:
        fig.suptitle(title, fontsize=9, y=0.02)
    fig.tight_layout()
    return save_figure(fig, path, plt)
