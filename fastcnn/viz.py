"""Seeing inside the network: feature maps, filters, predictions, training plots.

The arrays come from :func:`feature_maps`, which runs the model's layers one
by one (exactly as ``predict`` does) and keeps every output.  The pictures
are drawn with matplotlib (plots) and Pillow (image grids); matplotlib is
imported only when a picture is drawn, so ``import fastcnn`` stays fast.

Every ``plot_*`` function writes one PNG and returns its path.
"""
import math
from pathlib import Path

import numpy as np

from .inputs import as_model_input
from .metrics import confusion_matrix, roc_auc_binary


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    return plt


def _as_batch(model, x):
    x = np.asarray(x)
    if x.ndim == len(model.input_shape):
        x = x[None]
    return x


def feature_maps(model, x):
    """Every layer's output for ``x`` (one image (H, W, C) or a batch).

    Returns a list of ``(layer, output)`` pairs in order, ``output`` with
    the batch axis.  A Conv2D's output is after its activation (ReLU), as the
    next layer sees it; the last Dense's output is the class probabilities.
    """
    out = as_model_input(_as_batch(model, x), model.layers[0], model.dtype)
    maps = []
    for layer in model.layers:
        out = layer.forward(out, training=False)
        maps.append((layer, out))
    return maps


def _save(fig, path, plt):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def _rgb(image):
    """An (H, W, 3) image as floats in [0, 1] for display."""
    image = np.asarray(image)
    return image / 255.0 if image.dtype == np.uint8 else np.clip(image, 0.0, 1.0)


def plot_prediction(image, probabilities, class_names, path, true_label=None, title=None):
    """The galaxy shown large, with the predicted class and its probability
    above it (and the true label when known), probabilities as bars below."""
    plt = _pyplot()
    k = int(np.argmax(probabilities))
    heading = f"Predicted: {class_names[k]} (p = {probabilities[k]:.2f})"
    if true_label is not None:
        verdict = "correct" if true_label == k else "wrong"
        heading += f"\nTrue label: {class_names[true_label]} ({verdict})"
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(5, 6.6), gridspec_kw={"height_ratios": [5, 1.4]})
    top.imshow(_rgb(image), interpolation="nearest")
    top.set_title(heading, fontsize=13)
    top.axis("off")
    colours = ["tab:green" if i == k else "tab:gray" for i in range(len(class_names))]
    bottom.barh(list(class_names)[::-1], list(np.asarray(probabilities))[::-1], color=colours[::-1])
    bottom.set_xlim(0, 1)
    bottom.set_xlabel("probability")
    if title:
        fig.suptitle(title, fontsize=9, y=0.02)
    fig.tight_layout()
    return _save(fig, path, plt)


def plot_feature_maps(layer_name, layer_type, maps, path):
    """Every channel of one layer's output (H, W, C) as a grayscale tile.

    Each tile has its own grey scale, from its minimum (black) to its
    maximum (white), written under it; an all-zero channel (a ReLU that never
    fired on this galaxy) is shown black.
    """
    plt = _pyplot()
    maps = np.asarray(maps)
    channels = maps.shape[-1]
    columns = min(channels, 4)
    rows = math.ceil(channels / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.4 * columns, 2.7 * rows + 0.7), squeeze=False,
                             layout="constrained")
    for c, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if c >= channels:
            continue
        tile = maps[..., c]
        low, high = float(tile.min()), float(tile.max())
        ax.imshow(tile, cmap="gray", vmin=low, vmax=high if high > low else low + 1, interpolation="nearest")
        ax.set_title(f"channel {c}\n{low:.2f} .. {high:.2f}", fontsize=9)
    height, width = maps.shape[:2]
    fig.suptitle(f"{layer_name} ({layer_type}) output {height}x{width}x{channels}\n"
                 f"each tile: black = its minimum, white = its maximum", fontsize=11)
    return _save(fig, path, plt)


def plot_dense(activations, path, class_names=None):
    """The Dense layers' outputs as bar charts: ``activations`` is a list of
    (name, vector) pairs; the last one is labelled with ``class_names``."""
    plt = _pyplot()
    fig, axes = plt.subplots(len(activations), 1, figsize=(7, 2.3 * len(activations)), squeeze=False)
    for i, (ax, (name, values)) in enumerate(zip(axes[:, 0], activations)):
        values = np.asarray(values)
        last = i == len(activations) - 1 and class_names is not None and len(class_names) == len(values)
        labels = list(class_names) if last else [str(j) for j in range(len(values))]
        ax.bar(labels, values, color="tab:orange" if last else "tab:blue")
        ax.set_title(f"{name}: {len(values)} {'class probabilities' if last else 'activations'}", fontsize=10)
        if last:
            ax.set_ylim(0, 1)
    fig.tight_layout()
    return _save(fig, path, plt)


def plot_filters(kernel, path, layer_name="conv2d"):
    """A first-layer kernel (KH, KW, 3, C_out) as C_out small RGB patches,
    each scaled from its own minimum (black) to maximum (white)."""
    plt = _pyplot()
    kernel = np.asarray(kernel, dtype=np.float64)
    filters = kernel.shape[-1]
    columns = min(filters, 8)
    rows = math.ceil(filters / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(1.5 * columns, 1.8 * rows + 0.5), squeeze=False)
    for c, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if c >= filters:
            continue
        patch = kernel[..., c]
        if patch.shape[-1] != 3:
            patch = patch.mean(axis=-1, keepdims=True).repeat(3, axis=-1)
        low, high = patch.min(), patch.max()
        ax.imshow((patch - low) / (high - low if high > low else 1.0), interpolation="nearest")
        ax.set_title(f"filter {c}", fontsize=9)
    fig.suptitle(f"{layer_name} filters {kernel.shape[0]}x{kernel.shape[1]} (RGB, each scaled to its own range)",
                 fontsize=10)
    fig.tight_layout()
    return _save(fig, path, plt)


def visualize_galaxy(model, image, path_prefix, true_label=None):
    """All pictures of one galaxy: ``<prefix>_prediction.png``, one
    ``<prefix>_<n>_<layer>.png`` per Conv2D/MaxPool2D layer and
    ``<prefix>_dense.png``.  Returns the written paths."""
    from .layers import Conv2D, Dense, MaxPool2D

    prefix = str(path_prefix)
    maps = feature_maps(model, image)
    probabilities = maps[-1][1][0]
    names = model.class_names or tuple(f"class {k}" for k in range(len(probabilities)))
    written = [plot_prediction(image, probabilities, names, f"{prefix}_prediction.png", true_label)]
    dense = []
    for index, (layer, output) in enumerate(maps, start=1):
        if isinstance(layer, (Conv2D, MaxPool2D)):
            kind = type(layer).__name__ + (", ReLU" if getattr(layer, "activation", None) is not None else "")
            written.append(plot_feature_maps(layer.name, kind, output[0], f"{prefix}_{index}_{layer.name}.png"))
        elif isinstance(layer, Dense):
            dense.append((layer.name, output[0]))
    if dense:
        written.append(plot_dense(dense, f"{prefix}_dense.png", names))
    return written


# ---- training and evaluation plots -----------------------------------------------------

def plot_training_curves(history, path):
    """Loss, accuracy and AUC per epoch, training against validation."""
    plt = _pyplot()
    panels = [("loss", "loss"), ("categorical_accuracy", "accuracy"), ("auc", "AUC")]
    panels = [(key, label) for key, label in panels if key in history]
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
    return _save(fig, path, plt)


def plot_confusion_matrix(true_index, predicted_index, class_names, path):
    """Counts and row-normalised fractions (each true class sums to 1)."""
    plt = _pyplot()
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
    return _save(fig, path, plt)


def roc_curve(labels, scores):
    """(false positive rates, true positive rates) from the highest threshold down."""
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


def plot_roc(y_true, probabilities, class_names, path):
    """One-vs-rest ROC curve per class, its AUC in the legend."""
    plt = _pyplot()
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
    return _save(fig, path, plt)


def contact_sheet(images, labels, class_names, path, per_class=8, tile=128):
    """A grid of example images, one row per class, labelled (Pillow)."""
    from PIL import Image, ImageDraw, ImageFont

    labels = np.asarray(labels)
    margin, label_width = 4, 110
    width = label_width + per_class * (tile + margin)
    height = len(class_names) * (tile + margin) + margin
    sheet = Image.new("RGB", (width, height), (30, 30, 30))
    draw = ImageDraw.Draw(sheet)
    try:
        font = ImageFont.load_default(size=18)
    except TypeError:  # Pillow < 10.1 has a fixed-size default font
        font = ImageFont.load_default()
    for row, name in enumerate(class_names):
        y0 = margin + row * (tile + margin)
        draw.text((8, y0 + tile // 2 - 10), name, fill=(235, 235, 235), font=font)
        for column, index in enumerate(np.flatnonzero(labels == row)[:per_class]):
            image = np.asarray(images[index])
            if image.dtype != np.uint8:
                image = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
            picture = Image.fromarray(image).resize((tile, tile), Image.NEAREST)
            sheet.paste(picture, (label_width + column * (tile + margin), y0))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)
    return path
