"""What ``fastcnn sweep`` settles before its first trial: the sweep's record, every trial's arguments, the data.

``DIR/sweep.json`` holds the grid, the seeds, the train options and the
trials, so ``--resume DIR`` needs nothing else; every trial's ``fastcnn
train`` arguments are parsed before any trial starts, so a bad value stops
the sweep at once with one line; the data set is decoded once, in memory.
"""
import json
from pathlib import Path

import click
import numpy as np

from fastcnn.data import Dataset, load_dataset
from fastcnn.scale.grid import expand

from .common import UserError, echo_dataset

SWEEP_NAME = "sweep.json"
#: train options a sweep sets itself, per trial or once for all: not in --grid or among the train options
RESERVED = {"out", "resume", "checkpoint_dir", "no_checkpoints", "quiet", "plots", "threads", "seed", "csv_log"}
#: options that decide the data set, decoded once for the whole sweep: not in --grid
DATA_OPTIONS = {"data_path", "file_column", "label_column", "no_cache", "on_bad_image", "crop", "image_size"}


def new_spec(grid, seeds, train_args):
    """The sweep's record (written to sweep.json): grid, seeds, train options and trials.

    Parameters
    ----------
    grid : dict of str to list of str
        From :func:`fastcnn.scale.grid.parse_grid`; checked against the train options here.
    seeds : list of int
    train_args : list of str
        The train options given to the sweep (checked: none of :data:`RESERVED`).

    Returns
    -------
    dict
    """
    options = train_options()
    for name in grid:
        if name not in options:
            raise UserError(f"--grid {name}: fastcnn train has no option --{name.replace('_', '-')}")
        if options[name].name in RESERVED or options[name].name in DATA_OPTIONS:
            why = "the data set is decoded once for the whole sweep" if options[name].name in DATA_OPTIONS else \
                "the sweep sets it for each trial"
            raise UserError(f"--grid {name}: not an option to sweep over ({why})")
    names = {opt: param.name for param in options.values() for opt in param.opts + param.secondary_opts}
    given = {names[arg.split("=")[0]] for arg in train_args if arg.split("=")[0] in names}
    if given & RESERVED:
        raise UserError(f"--{sorted(given & RESERVED)[0].replace('_', '-')} is set by the sweep for each trial "
                        f"(use --seeds for seeds, --out for the sweep's folder)")
    train_args = absolute_paths(train_args, options)
    trials = expand(grid, seeds)
    return {"version": 1, "grid": grid, "seeds": seeds, "train_args": train_args,
            "trials": [trial.to_dict() for trial in trials]}


def train_options():
    """fastcnn train's options by every name a user may give them: ``model`` and ``model_source`` alike.

    Returns
    -------
    dict of str to click.Option
        Keyed by each flag without its dashes (dashes as underscores), and by the parameter's name.
    """
    from .train import train

    options = {}
    for param in train.params:
        if isinstance(param, click.Option):
            options[param.name] = param
            for flag in param.opts + param.secondary_opts:
                if flag.startswith("--"):
                    options.setdefault(flag[2:].replace("-", "_"), param)
    return options


def absolute_paths(train_args, options):
    """The train arguments with every file or folder made absolute, so that ``--resume`` works from anywhere.

    Parameters
    ----------
    train_args : list of str
    options : dict
        From :func:`train_options`.

    Returns
    -------
    list of str
    """
    paths = {flag for param in options.values() if isinstance(param.type, click.Path) for flag in param.opts}
    result, expect = [], False
    for arg in train_args:
        flag, equals, value = arg.partition("=")
        if expect:
            result.append(str(Path(arg).resolve()))
        elif equals and flag in paths:
            result.append(f"{flag}={Path(value).resolve()}")
        else:
            result.append(arg)
        expect = not equals and arg in paths
    return result


def read_spec(directory):
    """The sweep.json of ``directory``, or a one-line error.

    Parameters
    ----------
    directory : pathlib.Path

    Returns
    -------
    dict
        As :func:`new_spec` made it.
    """
    path = directory / SWEEP_NAME
    if not path.is_file():
        raise UserError(f"no sweep to resume in {directory} (expected {path})")
    try:
        spec = json.loads(path.read_text())
        if spec.get("version") != 1 or not isinstance(spec.get("trials"), list):
            raise ValueError
    except ValueError:
        raise UserError(f"{path}: not a fastcnn sweep file") from None
    return spec


def check_arguments(tasks):
    """Parse every trial's train arguments before any trial starts: a bad value stops the sweep at once.

    Parameters
    ----------
    tasks : list of dict
        {"args", "directory"} per trial.

    Returns
    -------
    None
    """
    from .train import train

    for task in tasks:
        try:
            train.make_context("fastcnn train", list(task["args"]), resilient_parsing=False)
        except click.ClickException as error:
            raise UserError(f"trial {Path(task['directory']).name}: {error.format_message()}") from None


def sweep_data(train_args):
    """The data set every trial trains on, decoded once with the train options' data settings.

    Parameters
    ----------
    train_args : list of str

    Returns
    -------
    fastcnn.data.Dataset
        In memory, contiguous.
    """
    from .train import train

    context = train.make_context("fastcnn train", list(train_args))
    p = context.params
    dataset = load_dataset(p["data_path"], image_size=(p["image_size"],) * 2, crop=p["crop"],
                           file_column=p["file_column"], label_column=p["label_column"], use_cache=not p["no_cache"],
                           on_bad_image=p["on_bad_image"])
    echo_dataset(dataset)
    # in memory and contiguous: sent once to each worker (process pool) or to the object store (Ray)
    return Dataset(np.ascontiguousarray(dataset.images), dataset.labels, dataset.class_names, dataset.files,
                   dataset.source)
