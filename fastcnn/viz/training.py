"""Training curves: each metric per epoch, training against validation."""
import numpy as np

from ..errors import InvalidArgumentError
from .figures import pyplot, save_figure


def plot_training_curves(history, path):
    """Loss, accuracy and AUC per epoch, training against validation.

    Parameters
    ----------
    history : dict of str to list of float
        Keras's ``History.history``: ``loss``, ``categorical_accuracy``,
        ``auc`` and their ``val_`` versions; a missing metric gets no panel.
    path : str or pathlib.Path

    Returns
    -------
    pathlib.Path
        ``path``: a PNG with one panel per metric, epochs along x.
    """
    panels = [("loss", "loss"), ("categorical_accuracy", "accuracy"), ("auc", "AUC")]
    panels = [(key, label) for key, label in panels if key in history]
    if not panels:
        raise InvalidArgumentError(f"the history has none of loss, categorical_accuracy, auc: {sorted(history)}")
    plt = pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.6), squeeze=False)
    for ax, (key, label) in zip(axes[0], panels):
        epochs = np.arange(1, len(history[key]) + 1)
        ax.plot(epochs, history[key], "o-", label="training")
        if f"val_{key}" in history:
            ax.plot(epochs, history[f"val_{key}"], "s-", label="validation")
        ax.set_xlabel("epoch")
        ax.set_title(label)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return save_figure(fig, path, plt)
