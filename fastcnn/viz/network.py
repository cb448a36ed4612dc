"""Seeing inside the network: every layer's output for one galaxy, its filters, its prediction.

The arrays come from :func:`feature_maps`, which runs the model's layers one
by one (exactly as ``predict`` does) and keeps every output.
"""
import math

import numpy as np

from ..inputs import as_model_input, standardization_of
from .evaluation import plot_prediction
from .figures import pyplot, save_figure


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
        uint8 pixels mean x / 255, standardised as the model's preprocessing says, as in ``predict``.

    Returns
    -------
    list of (Layer, ndarray)
        Each output is (N,) + the layer's output shape, in the model's dtype.
    """
    out = as_model_input(_as_batch(model, x), model.layers[0], model.dtype, standardization_of(model.preprocessing))
    maps = []
    for layer in model.layers:
        out = layer.forward(out, training=False)
        maps.append((layer, out))
    return maps


def plot_feature_maps(layer_name, layer_type, maps, path):
    """Every channel of one layer's output (H, W, C) as a grayscale tile.

    Each tile has its own grey scale, from its minimum (black) to its
    maximum (white), written under it; an all-zero channel (a ReLU that never
    fired on this galaxy) is shown black.

    Parameters
    ----------
    layer_name : str
    layer_type : str
        Shown in the heading after the name, e.g. ``"Conv2D, relu"``.
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


def layer_kind(layer):
    """How a picture's heading names a layer: its type, and its activation if it has one.

    Parameters
    ----------
    layer : Layer

    Returns
    -------
    str
        e.g. ``"Conv2D, relu"``, ``"BatchNormalization"``.
    """
    activation = getattr(layer, "activation", None)
    name = getattr(activation, "activation_name", None) if activation is not None else None
    return type(layer).__name__ + (f", {name}" if isinstance(name, str) else "")


def visualize_galaxy(model, image, path_prefix, true_label=None):
    """All pictures of one galaxy: ``<prefix>_prediction.png``, one
    ``<prefix>_<n>_<layer>.png`` per layer with a spatial output (H, W, C)
    and ``<prefix>_dense.png``.  Returns the written paths.

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
    from ..layers import Dense

    prefix = str(path_prefix)
    maps = feature_maps(model, image)
    probabilities = maps[-1][1][0]
    names = model.class_names or tuple(f"class {k}" for k in range(len(probabilities)))
    written = [plot_prediction(image, probabilities, names, f"{prefix}_prediction.png", true_label)]
    dense = []
    for index, (layer, output) in enumerate(maps, start=1):
        if output.ndim == 4:  # a spatial output (N, H, W, C): whatever the layer, show its maps
            written.append(plot_feature_maps(layer.name, layer_kind(layer), output[0],
                                             f"{prefix}_{index}_{layer.name}.png"))
        elif isinstance(layer, Dense):
            dense.append((layer.name, output[0]))
    if dense:
        written.append(plot_dense(dense, f"{prefix}_dense.png", names))
    return written
