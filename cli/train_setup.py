"""What ``fastcnn train`` sets up before ``fit``: the run it resumes, the model's input preprocessing, the callbacks."""
import click

import fastcnn
from fastcnn.callbacks import CSVLogger, LearningRateScheduler
from fastcnn.records import Preprocessing

from .callbacks import CHECKPOINT_NAME, Checkpointer, Recorder, ResumableEarlyStopping, StopOnSignal, trim_csv_log
from .common import UserError


def input_preprocessing(model, images, size, crop, normalize):
    """The preprocessing a new run records: size and crop, and the input standardisation.

    ``--normalize per-channel`` computes the training split's per-channel
    mean and std (one streaming pass); without it, a model being fine-tuned
    keeps the standardisation it was trained with (its weights expect it).

    Parameters
    ----------
    model : fastcnn.Sequential
        The model about to be trained (its own ``preprocessing`` may be None).
    images : ndarray or row source
        The training split's images.
    size : tuple of int
        (H, W).
    crop : float or None
    normalize : {"none", "per-channel"}
        The ``--normalize`` option.

    Returns
    -------
    fastcnn.records.Preprocessing
    """
    if normalize == "per-channel":
        standardization = fastcnn.Standardization.of(images)
        click.echo(f"Inputs {standardization.describe()} (of the training split)")
    else:
        standardization = getattr(model.preprocessing, "normalize", None)
    return Preprocessing(size, crop, normalize=standardization)


def resumed_run(directory, given=None):
    """(model, record) from the checkpoint in ``directory``; a user error when there is nothing to resume.

    Options given with ``--resume``: ``--epochs`` trains on to the new count;
    any other that contradicts the checkpoint's run is refused, by name
    (one that repeats the checkpoint's value is fine).

    Parameters
    ----------
    directory : pathlib.Path
        The checkpoint folder given to ``--resume``.
    given : dict of str to object, optional
        The options given on the command line, by parameter name.

    Returns
    -------
    model : fastcnn.Sequential
        Compiled, with the weights and optimizer state after the last complete epoch.
    record : fastcnn.records.TrainingRecord
        The run's data, split, settings and history so far.
    """
    checkpoint = directory / CHECKPOINT_NAME
    if not checkpoint.is_file():
        raise UserError(f"no checkpoint to resume in {directory} (expected {checkpoint})")
    model = fastcnn.load_model(checkpoint)
    record = model.training_info
    if record is None or None in (record.data, record.split, record.settings) or not record.settings.out \
            or not model.compiled:
        raise UserError(f"{checkpoint}: not a checkpoint written by fastcnn train")
    given = dict(given or {})
    check_resume_options(given, record, model, directory)
    done = record.epochs_done
    if "epochs" in given:
        if given["epochs"] <= done and not record.stopped_early:
            raise UserError(f"--epochs {given['epochs']}: {done} epochs are done already; give more to train on")
        record.settings.epochs = given["epochs"]
    epochs = record.settings.epochs
    if record.stopped_early or done >= epochs:
        why = f"early stopping ended it after epoch {done}" if record.stopped_early else f"all {epochs} epochs are done"
        raise UserError(f"{checkpoint}: nothing to resume, {why}; the model is in {record.settings.out}"
                        + ("" if record.stopped_early else "; give --epochs N to train on"))
    click.echo(f"Resuming from {checkpoint}: {done} of {epochs} epochs done")
    return model, record


#: options that may come with --resume without being compared to the checkpoint
RESUME_FREE = {"resume", "epochs", "threads", "quiet", "plots", "write_html", "no_cache", "on_bad_image", "tta"}


def check_resume_options(given, record, model, directory):
    """A one-line error naming the first option given with --resume that contradicts the checkpoint's run.

    Parameters
    ----------
    given : dict of str to object
        Options given on the command line.
    record : fastcnn.records.TrainingRecord
    model : fastcnn.Sequential
        The checkpoint's model (its preprocessing).
    directory : pathlib.Path
        The checkpoint folder (``--checkpoint-dir`` may repeat it).

    Returns
    -------
    None
    """
    from pathlib import Path

    settings, preprocessing = record.settings, model.preprocessing
    resolved = {"out": settings.out, "data_path": record.data.path, "csv_log": settings.csv_log,
                "checkpoint_dir": str(directory), "model_source": settings.model}
    recorded = {"batch_size": settings.batch_size, "learning_rate": settings.learning_rate, "seed": settings.seed,
                "lr_schedule": settings.lr_schedule, "augment": settings.augment, "recipe": settings.recipe,
                "class_weight": settings.class_weight, "label_smoothing": settings.label_smoothing,
                "early_stopping": settings.early_stopping, "val_split": record.split.val_split,
                "file_column": record.data.file_column, "label_column": record.data.label_column,
                "crop": getattr(preprocessing, "crop", None),
                "image_size": getattr(preprocessing, "image_size", (None,))[0],
                "normalize": "none" if getattr(preprocessing, "normalize", None) is None else "per-channel"}
    for name, value in given.items():
        if name in RESUME_FREE:
            continue
        if name in resolved:
            same = value is not None and resolved[name] is not None and \
                str(Path(value).resolve()) == str(Path(resolved[name]).resolve())
        else:
            same = name in recorded and value == recorded[name]
        if not same:
            flag = "--" + {"data_path": "data", "model_source": "model"}.get(name, name).replace("_", "-")
            was = recorded.get(name, resolved.get(name))
            raise UserError(f"--resume continues the checkpoint's run: {flag} {value} contradicts it"
                            + (f" (it has {was})" if was is not None else "") + "; drop the option, or start a "
                            "new run without --resume")


def training_callbacks(model, record, schedule, checkpoint_dir, resuming):
    """The callbacks for ``fit``, in the order they run, and the StopOnSignal among them.

    Parameters
    ----------
    model : fastcnn.Sequential
    record : fastcnn.records.TrainingRecord
        Its settings say which callbacks; the Recorder keeps it up to date.
    schedule : callable or None
        Epoch -> learning rate, for ``LearningRateScheduler``.
    checkpoint_dir : pathlib.Path or None
        Created if missing; None: no checkpoints.
    resuming : bool
        Restore early stopping's state and trim the CSV log to the checkpoint.

    Returns
    -------
    callbacks : list of fastcnn.callbacks.Callback
    stopper : StopOnSignal
        The last of ``callbacks``.
    """
    settings, callbacks = record.settings, []
    if schedule is not None:
        callbacks.append(LearningRateScheduler(schedule))
    early = None
    if settings.early_stopping is not None:
        early = ResumableEarlyStopping(settings.early_stopping)
        if resuming:
            early.resume(record.history, checkpoint_dir, model)
        callbacks.append(early)
    if settings.csv_log is not None:
        if resuming:
            trim_csv_log(settings.csv_log, record.epochs_done)
        callbacks.append(CSVLogger(settings.csv_log, append=resuming))
    callbacks.append(Recorder(record, early))
    if checkpoint_dir is not None:
        checkpoint_dir.mkdir(parents=True, exist_ok=True)
        callbacks.append(Checkpointer(checkpoint_dir, record, early))
    stopper = StopOnSignal()
    return callbacks + [stopper], stopper
