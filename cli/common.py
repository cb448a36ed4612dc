"""What every command shares: user errors, data options, loading models, file names."""
import functools
from pathlib import Path

import click

from fastcnn.errors import FastcnnError


class UserError(click.ClickException):
    """A problem with what the user asked for: one line ``Error: ...``, exit status 2."""

    exit_code = 2


def user_errors(command):
    """Turn fastcnn's own errors (and file-system errors) into one-line user errors.

    Parameters
    ----------
    command : callable
        A command's function (put this decorator below the click decorators).

    Returns
    -------
    callable
        ``command``, raising :class:`UserError` for a ``FastcnnError`` or an ``OSError``.
    """

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except FastcnnError as error:
            raise UserError(str(error)) from None
        except PermissionError as error:
            raise UserError(f"permission denied: {error.filename}") from None
        except OSError as error:
            where = f" ({error.filename})" if getattr(error, "filename", None) else ""
            raise UserError(f"{error.strerror or error}{where}") from None

    return wrapper


def data_options(command=None, *, default="the built-in procedural galaxies"):
    """--data and the options that say how to read it: ``@data_options``, or ``@data_options(default=...)``.

    Parameters
    ----------
    command : callable, optional
        Gets the keyword arguments ``data_path``, ``file_column``,
        ``label_column``, ``no_cache`` and ``on_bad_image``.
    default : str
        What the command uses without --data, for the help text.

    Returns
    -------
    callable
        ``command`` with the five options (or, without ``command``, the decorator).
    """
    if command is None:
        return lambda function: data_options(function, default=default)
    options = [
        click.option("--data", "data_path", type=click.Path(dir_okay=True, path_type=str), default=None,
                     help="A labels .csv, a folder of class folders, or an .npz (data + one-hot labels). "
                          f"Default: {default}."),
        click.option("--file-column", default="file", show_default=True, help="CSV column with image paths."),
        click.option("--label-column", default="label", show_default=True, help="CSV column with class names."),
        click.option("--no-cache", is_flag=True, help="Decode every image again (skip the on-disk decode cache)."),
        click.option("--on-bad-image", type=click.Choice(["error", "skip"]), default="error", show_default=True,
                     help="An unreadable image file: stop with an error naming it, or skip it with a warning."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def threads_option(command):
    """--threads: how many threads the kernels may use.

    Parameters
    ----------
    command : callable
        Gets the keyword argument ``threads`` (None: the default); pass it to :func:`use_threads`.

    Returns
    -------
    callable
        ``command`` with the option.
    """
    return click.option(
        "--threads", type=click.IntRange(min=1), default=None,
        help="Most threads the kernels use [default: every core this process may use; "
             "fewer while other programs keep cores busy].")(command)


def use_threads(threads):
    """Apply --threads (a user error if this process cannot have that many).

    Parameters
    ----------
    threads : int or None
        None: every core this process may use.
    """
    import fastcnn

    context = click.get_current_context(silent=True)
    fixed = context.obj.get("threads") if context is not None and context.obj else None
    if fixed is not None:  # a sweep's trial: exactly the cores the sweep gave it (cli/sweep.py)
        fastcnn.set_num_threads(fixed, share=False)
        return
    fastcnn.set_num_threads(threads)


def echo_dataset(dataset, err=False):
    """Print what was loaded: source, size, class counts and the loader's notes.

    Parameters
    ----------
    dataset : fastcnn.data.Dataset
    err : bool, default False
        Print to stderr (keeps stdout for a command's results).
    """
    height, width = dataset.image_shape[:2]
    click.echo(f"Data: {dataset.source}: {len(dataset)} images {height}x{width}, "
               f"{len(dataset.class_names)} classes", err=err)
    click.echo(f"  class counts: {dataset.describe_counts()}", err=err)
    for note in dataset.notes:
        click.echo(f"  {note}", err=err)


def require_images_or_data(images, data_path):
    """Commands that take image files or --data take exactly one of them.

    Parameters
    ----------
    images : sequence of str
        The image file arguments (may be empty).
    data_path : str or None
        The --data option.
    """
    if images and data_path:
        raise UserError("give image files or --data, not both")
    if not images and not data_path:
        raise UserError("give one or more image files, or --data PATH")


def evaluation_data(model, data_path, file_column, label_column, no_cache, on_bad_image="error"):
    """The data to evaluate ``model`` on, and a phrase describing it.

    With ``--data``: every image there.  Without: the validation split of the
    data the model was trained on (recomputed from the seed it recorded).

    Parameters
    ----------
    model : fastcnn.Sequential
        A trained model: its input size, crop and class names are used.
    data_path : str or None
    file_column, label_column : str
        Used with ``data_path``; otherwise the model's recorded ones.
    no_cache : bool
        Skip the on-disk decode cache.
    on_bad_image : {"error", "skip"}, default "error"

    Returns
    -------
    dataset : fastcnn.data.Dataset
    description : str
        E.g. "the validation split (280 images) of built-in procedural galaxies".
    """
    from fastcnn.data import load_dataset, stratified_split

    size, crop = tuple(model.input_shape[:2]), crop_of(model)
    if data_path is not None:
        dataset = load_dataset(data_path, image_size=size, crop=crop, file_column=file_column,
                               label_column=label_column, class_names=model.class_names, use_cache=not no_cache,
                               on_bad_image=on_bad_image)
        return dataset, f"all {len(dataset)} images of {dataset.source}"
    record = model.training_info
    if record is None or record.data is None or record.split is None:
        raise UserError("the model does not record its training data; pass --data")
    dataset = load_dataset(record.data.path, image_size=size, crop=crop, file_column=record.data.file_column,
                           label_column=record.data.label_column, class_names=model.class_names,
                           use_cache=not no_cache, on_bad_image=on_bad_image)
    _, val_index = stratified_split(dataset.labels, record.split.val_split, record.split.seed)
    if len(val_index) == 0:
        raise UserError("the model was trained without a validation split; pass --data")
    return dataset.subset(val_index), f"the validation split ({len(val_index)} images) of {dataset.source}"


def crop_of(model):
    """The ``--crop`` a saved model was trained with (None: whole images).

    Parameters
    ----------
    model : fastcnn.Sequential

    Returns
    -------
    float or None
    """
    return model.preprocessing.crop if model.preprocessing is not None else None


def history_path(model_path):
    """``galaxy_model.npz`` -> ``galaxy_model.history.json`` (beside the model).

    Parameters
    ----------
    model_path : str or pathlib.Path

    Returns
    -------
    pathlib.Path
    """
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + ".history.json")


def picture_path(model_path, what):
    """``galaxy_model.npz`` -> ``galaxy_model.<what>.png`` (beside the model).

    Parameters
    ----------
    model_path : str or pathlib.Path
    what : str
        E.g. ``"roc"``.

    Returns
    -------
    pathlib.Path
    """
    model_path = Path(model_path)
    return model_path.with_name(f"{model_path.stem}.{what}.png")
