"""``fastcnn visualize``: pictures of what the network sees, galaxy by galaxy."""
from pathlib import Path

import click

from .common import (crop_of, data_options, evaluation_data, require_images_or_data,
                     user_errors)


def round_robin_by_class(labels, limit):
    """Indices of the first galaxy of each class, then the second of each, ...
    so that a few pictures already show every class.

    Parameters
    ----------
    labels : array_like of int
        (N,) class indices.
    limit : int
        The most indices to return.

    Returns
    -------
    list of int
        Indices into ``labels``.
    """
    import numpy as np

    per_class = [list(np.flatnonzero(np.asarray(labels) == k)) for k in np.unique(labels)]
    chosen = []
    for rank in range(max((len(members) for members in per_class), default=0)):
        for members in per_class:
            if rank < len(members) and len(chosen) < limit:
                chosen.append(int(members[rank]))
    return chosen


@click.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(path_type=str))
@click.argument("images", nargs=-1, type=click.Path(path_type=str))
@data_options(default="the validation split of the data the model was trained on")
@click.option("--limit", type=click.IntRange(min=1), default=4, show_default=True,
              help="With --data: how many galaxies (taken from each class in turn).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("visualize"),
              show_default=True, help="Folder for the PNG files.")
@user_errors
def visualize(model_path, images, data_path, file_column, label_column, no_cache, on_bad_image, limit, out):
    """Draw, for each galaxy: the image with its predicted class, the feature
    maps after every layer with a spatial output (convolution, pooling,
    batch normalization, activation, ...), the dense layers' activations;
    and once, the first convolution's filters.  MODEL may be a Keras file."""
    import numpy as np
    from fastcnn import viz
    from fastcnn.layers import Conv2D
    from .models import load_trained_model
    from .scale_options import decode_arguments, echo_skipped

    require_images_or_data(images, data_path)
    model = load_trained_model(model_path)
    size = tuple(model.input_shape[:2])
    if images:
        pixels, kept = decode_arguments(images, size, crop_of(model), on_bad_image)
        names = [Path(p).stem for p in kept]
        truth = [None] * len(kept)
    else:
        dataset, _ = evaluation_data(model, data_path, file_column, label_column, no_cache, on_bad_image)
        echo_skipped(dataset)
        chosen = round_robin_by_class(dataset.labels, limit)
        names = [Path(dataset.files[i]).stem if dataset.files else f"galaxy_{i}" for i in chosen]
        pixels = [dataset.images[i] for i in chosen]
        truth = [int(dataset.labels[i]) for i in chosen]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    first_conv = next((layer for layer in model.layers if isinstance(layer, Conv2D)), None)
    if first_conv is not None:
        written.append(viz.plot_filters(first_conv.params["kernel"], out / f"filters_{first_conv.name}.png",
                                        first_conv.name))
    for name, image, label in zip(unique_names(names), pixels, truth):
        written += viz.visualize_galaxy(model, np.asarray(image), out / name, true_label=label)
    click.echo(f"Wrote {len(written)} pictures to {out}:")
    for path in written:
        click.echo(f"  {path}")


def unique_names(names):
    """``names`` with repeats told apart: a/x.png and b/x.png give ``x`` and ``x_2`` (never one over the other).

    Parameters
    ----------
    names : list of str

    Returns
    -------
    list of str
    """
    seen, unique = set(), []
    for name in names:
        candidate, count = name, 1
        while candidate in seen:
            count += 1
            candidate = f"{name}_{count}"
        seen.add(candidate)
        unique.append(candidate)
    return unique
