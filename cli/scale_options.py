"""What several commands share beyond cli/common.py: where tasks run (``sweep``, ``predict --out``), the data a
sweep shares, and decoding the IMAGE arguments of ``predict`` and ``visualize``."""
import click


def backend_options(command):
    """--backend and --address: where ``fastcnn sweep`` and ``predict --out`` run their tasks.

    Parameters
    ----------
    command : callable
        Gets the keyword arguments ``backend`` ("process" or "ray") and ``address`` (None or a Ray address).

    Returns
    -------
    callable
        ``command`` with the two options.
    """
    command = click.option("--address", default=None,
                           help="Ray only: an existing cluster ('auto' or 'ray://host:port').")(command)
    return click.option("--backend", type=click.Choice(["process", "ray"]), default="process", show_default=True,
                        help="process: a local pool of worker processes; ray: Ray tasks "
                             "(pip install \"fastcnn[ray]\"; docs/scale.md).")(command)


def preloaded_dataset():
    """The data set a caller handed the command (``obj={"dataset": ...}``: a sweep's trial), or None.

    ``fastcnn sweep`` decodes the data once and runs each trial's ``train``
    in a worker on that copy, through click's context object.

    Returns
    -------
    fastcnn.data.Dataset or None
    """
    context = click.get_current_context(silent=True)
    return None if context is None or not context.obj else context.obj.get("dataset")


def decode_arguments(paths, size, crop, on_bad_image):
    """The IMAGE arguments decoded, each unreadable one skipped with a line on stderr (``--on-bad-image skip``).

    Parameters
    ----------
    paths : sequence of str
    size : tuple of int
    crop : float or None
    on_bad_image : {"error", "skip"}

    Returns
    -------
    pixels : list of ndarray
    kept : list of str
        The paths decoded, in order.
    """
    from fastcnn.data import decode_image
    from fastcnn.errors import DataError

    pixels, kept = [], []
    for path in paths:
        try:
            pixels.append(decode_image(path, size, crop))
            kept.append(path)
        except DataError as error:
            if on_bad_image != "skip":
                raise
            click.echo(f"skipped {error}", err=True)
    if len(kept) < len(paths):
        click.echo(f"skipped {len(paths) - len(kept)} of {len(paths)} images (--on-bad-image skip)", err=True)
    if not kept:
        from .common import UserError

        raise UserError(f"none of the {len(paths)} images could be read")
    return pixels, kept


def echo_skipped(dataset):
    """Print the data loader's notes about skipped images on stderr (one per image, then the count).

    Parameters
    ----------
    dataset : fastcnn.data.Dataset

    Returns
    -------
    None
    """
    for note in dataset.notes:
        if note.startswith("skipped"):
            click.echo(note, err=True)
