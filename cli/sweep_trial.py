"""One trial of ``fastcnn sweep``, as a worker runs it: ``fastcnn train`` in-process on the shared data set.

A trial is the train command itself, given the sweep's train options, the
trial's grid values and seed, and ``--out DIR/<trial id>/model.npz``; the
data set comes decoded from the sweep (click's context object), not from
disk, and the thread count from the backend.  What it prints goes to
``DIR/<trial id>/train.log``.  The same trial gives the same weights, bit for
bit, whichever backend, node or thread count runs it: the training is
deterministic, and only the data's transport differs.
"""
import contextlib
import json
import time
from pathlib import Path

import click

MODEL_NAME = "model.npz"


def trial_arguments(train_args, params, seed, directory):
    """The ``fastcnn train`` arguments of one trial.

    Parameters
    ----------
    train_args : list of str
        The sweep's own train options (data options included).
    params : dict of str to str
        The trial's grid values, by option name (underscores); "none" leaves
        an option whose default is None unset, true/false set a flag or not.
    seed : int
    directory : pathlib.Path
        The trial's folder.

    Returns
    -------
    list of str
    """
    from .sweep_setup import train_options

    options = train_options()
    args = list(train_args)
    for name, value in params.items():
        option = options[name]
        flag = option.opts[0]
        if option.is_flag:
            if value.lower() in ("true", "yes", "1", "on"):
                args.append(flag)
        elif not (value.lower() == "none" and option.default is None):
            args += [flag, value]
    return args + ["--seed", str(seed), "--out", str(Path(directory) / MODEL_NAME), "--no-checkpoints",
                   "--no-plots", "--quiet"]


def run_trial(task, dataset, threads):
    """Train one trial; its history and wall time (for the backends of :mod:`fastcnn.scale.backends`).

    Parameters
    ----------
    task : dict
        {"args": the train arguments, "directory": the trial's folder}.
    dataset : fastcnn.data.Dataset
        The sweep's data set, decoded once.
    threads : int
        Numba threads for this trial.

    Returns
    -------
    dict
        {"history": the train history, "seconds": wall time}.
    """
    from .train import train

    directory = Path(task["directory"])
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(directory / "train.log", "w") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        try:
            train.main(args=list(task["args"]), prog_name="fastcnn train", standalone_mode=False,
                       obj={"dataset": dataset, "threads": threads})
        except click.ClickException as error:
            print(f"Error: {error.format_message()}")
            raise RuntimeError(error.format_message()) from None
    seconds = time.perf_counter() - started
    with open(directory / MODEL_NAME.replace(".npz", ".history.json")) as handle:
        history = json.load(handle)
    return {"history": history, "seconds": seconds}


def warm_up_node():
    """Compile the training kernels on this node once, before its trials start (Ray's warm-up task).

    Returns
    -------
    float
        Seconds spent compiling (about 0 when the node's cache was warm).
    """
    import numpy as np

    import fastcnn
    from fastcnn.warmup import compile_for

    model = fastcnn.galaxy_classifier(seed=0)
    model.compile(fastcnn.Adam(1e-3), "categorical_crossentropy", ["categorical_accuracy", "auc"])
    x = np.zeros((10, 128, 128, 3), np.uint8)
    x.setflags(write=False)  # as the trials will see the shared data: read-only out of Ray's object store
    return compile_for(model, x, np.eye(4, dtype=np.float32)[np.arange(10) % 4])
