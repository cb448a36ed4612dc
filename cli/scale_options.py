"""What the scale-out commands share (``fastcnn sweep``, ``fastcnn predict --out``): where tasks run, shared data."""
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
