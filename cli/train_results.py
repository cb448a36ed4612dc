"""What ``fastcnn train`` does once training has ended (``cli/train.py``):
one line of validation scores, then the model file, its history and its
pictures beside it."""
import json

import click

import fastcnn
from fastcnn import viz
from fastcnn._files import atomic_write
from fastcnn.augment import tta_views

from .common import UserError, history_path, picture_path


def report_validation(record, val_set, early, tta_model=None):
    """One line: the validation scores of the weights being saved, against the majority-class baseline.

    Nothing without a validation split.  With early stopping, also which
    epoch's weights are kept.

    Parameters
    ----------
    record : fastcnn.records.TrainingRecord
        Its history holds the per-epoch validation scores.
    val_set : fastcnn.data.Dataset
    early : ResumableEarlyStopping or None
    tta_model : fastcnn.Sequential or None
        With it (``--tta``), a second line: its scores averaged over the images' views.
    """
    history = record.history
    if not history.get("val_loss"):
        return
    epoch = early.best_epoch if early is not None and early.best_weights is not None else -1
    if early is not None:
        stopped = f"stopped early after epoch {record.epochs_done}; " if record.stopped_early else ""
        click.echo(f"Early stopping: {stopped}keeping the weights of epoch {epoch + 1} (lowest val_loss)")
    baseline = max(val_set.class_counts().values()) / len(val_set)
    balanced = history.get("val_balanced_accuracy")  # absent from runs before it was a metric
    click.echo(f"Validation: categorical_accuracy {history['val_categorical_accuracy'][epoch]:.4f} - "
               + (f"balanced_accuracy {balanced[epoch]:.4f} - " if balanced else "")
               + f"auc {history['val_auc'][epoch]:.4f} - loss {history['val_loss'][epoch]:.4f} "
               f"(majority-class baseline {baseline:.4f})")
    if tta_model is not None:
        logs = tta_model.evaluate(val_set.images, val_set.one_hot(), batch_size=64, tta=True)
        click.echo(f"Validation, averaged over {views_in_words(tta_model, val_set.images.shape[1:])}: "
                   f"categorical_accuracy {logs['categorical_accuracy']:.4f} - auc {logs['auc']:.4f} - "
                   f"loss {logs['loss']:.4f}")


def views_in_words(model, input_shape):
    """How many views ``tta=True`` averages over, in words (``"8 views (rotations and mirror images)"``).

    Parameters
    ----------
    model : fastcnn.Sequential
    input_shape : tuple of int
        (H, W, C).

    Returns
    -------
    str
    """
    views = len(tta_views(model, input_shape))
    return "8 views (rotations and mirror images)" if views == 8 else f"{views} views (the image and its mirror)"


def save_results(model, record, out, val_set, plots):
    """The model file, its history beside it and (with ``plots``) the pictures.

    Parameters
    ----------
    model : fastcnn.Sequential
    record : fastcnn.records.TrainingRecord
        Saved in the model file; its history also as JSON.
    out : pathlib.Path
        The model file (``.npz``).
    val_set : fastcnn.data.Dataset or None
        With it, the pictures include the confusion matrix and ROC curves.
    plots : bool
        Draw the training curves (and the validation pictures).
    """
    try:
        fastcnn.save_model(model, out, training=record)
    except OSError as error:  # a full disk, a folder gone read-only: the weights must not be lost
        fallback = save_fallback(model, record, out)
        raise UserError(f"could not write {out} ({error.strerror or error}); the trained model is saved in "
                        f"{fallback} instead") from None
    with atomic_write(history_path(out), "w") as handle:
        json.dump(record.history, handle, indent=2)
        handle.write("\n")
    click.echo(f"Saved the model to {out} and its history to {history_path(out)}")
    if plots and record.history:
        try:
            written = [viz.plot_training_curves(record.history, picture_path(out, "training_curves"))]
            if val_set is not None:
                probabilities = model.predict(val_set.images, batch_size=64)
                written.append(viz.plot_confusion_matrix(val_set.labels, probabilities.argmax(1), model.class_names,
                                                         picture_path(out, "confusion_matrix")))
                written.append(viz.plot_roc(val_set.one_hot(), probabilities, model.class_names,
                                            picture_path(out, "roc")))
        except OSError as error:  # the model is saved: the run succeeded, only a picture is missing
            click.echo(f"Warning: could not write the pictures ({error.strerror or error}: "
                       f"{error.filename or picture_path(out, '*')}); the model is saved", err=True)
            return
        click.echo("Pictures: " + ", ".join(str(p) for p in written))


def where_saved(checkpointer):
    """Where the last complete epoch is saved, in words.

    Parameters
    ----------
    checkpointer : Checkpointer or None

    Returns
    -------
    str
    """
    return checkpointer.where() if checkpointer is not None else "no checkpoints were being written"


def save_fallback(model, record, out):
    """Save the model somewhere else after writing ``out`` failed: beside the checkpoints, else the temp folder.

    Parameters
    ----------
    model : fastcnn.Sequential
    record : fastcnn.records.TrainingRecord
    out : pathlib.Path
        Where it should have gone.

    Returns
    -------
    pathlib.Path
        Where it went.
    """
    import os
    import tempfile
    from pathlib import Path

    name = f"{out.stem}.rescued-{os.getpid()}.npz"
    folders = [out.with_name(out.stem + ".checkpoints"), Path(tempfile.gettempdir()), Path.home()]
    for folder in folders:
        try:
            fastcnn.save_model(model, folder / name, training=record)
            return folder / name
        except OSError:
            continue
    raise UserError(f"could not write {out}, nor a copy in {', '.join(map(str, folders))}: the trained weights are "
                    f"lost") from None


def write_training_report(model, record, out, dataset):
    """``train --report``: the HTML report of the model just saved, on its validation split.

    Parameters
    ----------
    model : fastcnn.Sequential
    record : fastcnn.records.TrainingRecord
    out : pathlib.Path
        The model file; the report goes beside it (``<out>.report.html``).
    dataset : fastcnn.data.Dataset
        The validation split (the training split when there is none).

    Returns
    -------
    pathlib.Path
    """
    from fastcnn.report import write_report

    from .report import report_path

    model.training_info = record
    source = record.data.source if record.data else "?"
    # worded as fastcnn evaluate and fastcnn report word it, so the pages they write agree
    described = (f"the validation split ({len(dataset)} images) of {source}" if record.split and record.split.validation
                 else f"the training images of {source}")
    path = report_path(out)
    size = write_report(model, dataset, path, described)
    click.echo(f"Report: {path} ({size / 1e6:.1f} MB); open it in any browser")
    return path
