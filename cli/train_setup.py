"""What ``fastcnn train`` sets up before ``fit``: the run it resumes, the model's input preprocessing, the callbacks."""
import click
from click.core import ParameterSource

import fastcnn
from fastcnn.callbacks import CSVLogger, LearningRateScheduler
from fastcnn.records import Preprocessing

from .callbacks import CHECKPOINT_NAME, Checkpointer, Recorder, ResumableEarlyStopping, StopOnSignal, trim_csv_log
from .common import UserError


#: what ``--recipe`` sets, for each option the command line leaves at its default.  "strong" is the
#: best combination found on Galaxy Zoo 1 cutouts (docs/experiments/gz1.md): per-channel input
#: standardisation, Adam at 3e-3 after one warm-up epoch with a cosine decay, dihedral augmentation,
#: and the validation report averaged over the 8 views.  The architecture and epochs stay.
RECIPES = {
    "plain": {},
    "strong": {"normalize": "per-channel", "learning_rate": 0.003, "lr_schedule": "warmup:1,cosine",
               "augment": "dihedral", "tta": True},
}


def apply_recipe(recipe, options):
    """``options`` with the recipe's values where the user gave none.

    Parameters
    ----------
    recipe : {"plain", "strong"}
    options : dict of str to object
        Option name -> the value click passed (its default, unless given).

    Returns
    -------
    dict of str to object
        A new dict; options given on the command line keep their values.
    """
    context = click.get_current_context()
    chosen = dict(options)
    for name, value in RECIPES[recipe].items():
        if context.get_parameter_source(name) in (None, ParameterSource.DEFAULT):
            chosen[name] = value
    return chosen


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


def resumed_run(directory):
    """(model, record) from the checkpoint in ``directory``; a user error when there is nothing to resume.

    Parameters
    ----------
    directory : pathlib.Path
        The checkpoint folder given to ``--resume``.

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
    done, epochs = record.epochs_done, record.settings.epochs
    if record.stopped_early or done >= epochs:
        why = f"early stopping ended it after epoch {done}" if record.stopped_early else f"all {epochs} epochs are done"
        raise UserError(f"{checkpoint}: nothing to resume, {why}; the model is in {record.settings.out}")
    click.echo(f"Resuming from {checkpoint}: {done} of {epochs} epochs done")
    return model, record


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
