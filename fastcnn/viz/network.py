"""Seeing inside the network: every layer's output for one galaxy, its filters, its prediction.

The arrays come from :func:`feature_maps`, which runs the model's layers one
by one (exactly as ``predict`` does) and keeps every output.
"""
import math

import numpy as np

from ..inputs import as_model_input
from .figures import as_rgb, pyplot, save_figure


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

    Parameters
    ----------
    model : Sequential
    x : ndarray, (H, W, C) or (N, H, W, C), uint8 or float
        uint8 pixels mean x / 255, as in ``predict``.

    Returns
    -------
    list of (Layer, ndarray)
        Each output is (N,) + the layer's output shape, in the model's dtype.
    """
    out = as_model_input(_as_batch(model, x), model.layers[0], model.dtype)
    maps = []
    for layer in model.layers:
        out = layer.forward(out, training=False)
        maps.append((layer, out))
    return maps


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


def plot_feature_maps(layer_name, layer_type, maps, path):
    """Every channel of one layer's output (H, W, C) as a grayscale tile.

    Each tile has its own grey scale, from its minimum (black) to its
    maximum (white), written under it; an all-zero channel (a ReLU that never
    fired on this galaxy) is shown black.

    Parameters
    ----------
    layer_name : str
    layer_type : str
        Shown in the heading after the name, e.g. ``"Conv2D, ReLU"``.
    maps : ndarray, (H, W, C)
        One sample's output of the layer.
    path : str or pathlib.Path

    Returns
    -------
    pathlib.Path
        ``path``: a PNG of C tiles, four to a row.
    """
    plt = pyplot()
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
    return save_figure(fig, path, plt)


def plot_dense(activations, path, class_names=None):
    """The Dense layers' outputs as bar charts: ``activations`` is a list of
    (name, vector) pairs; the last one is labelled with ``class_names``.

    Parameters
    ----------
    activations : list of (str, ndarray (D,))
        One chart each, top to bottom.
    path : str or pathlib.Path
        The PNG to write.
    class_names : sequence of str, optional
        Used only when it has as many names as the last vector has values.

    Returns
    -------
    pathlib.Path
    """
    plt = pyplot()
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
    return save_figure(fig, path, plt)


def plot_filters(kernel, path, layer_name="conv2d"):
    """A first-layer kernel (KH, KW, 3, C_out) as C_out small RGB patches,
    each scaled from its own minimum (black) to maximum (white).

    Parameters
    ----------
    kernel : ndarray, (KH, KW, C_in, C_out)
        With C_in other than 3 the patches are grey (the mean over C_in).
    path : str or pathlib.Path
        The PNG to write.
    layer_name : str, default "conv2d"
        Shown in the heading.

    Returns
    -------
    pathlib.Path
    """
    plt = pyplot()
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
    return save_figure(fig, path, plt)


def visualize_galaxy(model, image, path_prefix, true_label=None):
    """All pictures of one galaxy: ``<prefix>_prediction.png``, one
    ``<prefix>_<n>_<layer>.png`` per Conv2D/MaxPool2D layer and
    ``<prefix>_dense.png``.  Returns the written paths.

    Parameters
    ----------
    model : Sequential
        Its last layer's output is taken as the class probabilities.
    image : ndarray, (H, W, C) uint8, or floats in [0, 1]
        One galaxy.
    path_prefix : str or pathlib.Path
        ``<prefix>`` above.
    true_label : int, optional
        The true class index, shown on the prediction.

    Returns
    -------
    list of pathlib.Path
    """
    from ..layers import Conv2D, Dense, MaxPool2D

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
