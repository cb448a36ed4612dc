"""The report's first section, the run at a glance: what was trained, how, on what, and how to do it again."""
import platform
import sys

import numpy as np

from .._version import __version__
from ..threads import max_threads


def glance(model, record, dataset, described, tta):
    """The "run at a glance" table: (label, value) rows.

    Parameters
    ----------
    model : fastcnn.Sequential
    record : fastcnn.records.TrainingRecord or None
    dataset : fastcnn.data.Dataset
    described : str
    tta : bool

    Returns
    -------
    list of (str, str)
    """
    height, width = dataset.images.shape[1:3]
    rows = [("model", f"{model.name}, {model.count_params():,} parameters"),
            ("classes", ", ".join(model.class_names)),
            ("evaluated on", f"{described}: {len(dataset):,} images {height}×{width}"
                             + (", averaged over their rotations and mirror images" if tta else ""))]
    if record is not None and record.settings is not None:
        settings, split, data = record.settings, record.split, record.data
        rows.append(("trained on", (data.source or data.path or "?") if data else "?"))
        if split is not None:
            rows.append(("split", f"{split.train:,} training / {split.validation:,} validation images "
                                  f"(validation fraction {split.val_split:g}, seed {split.seed})"))
        rows.append(("training", f"{record.epochs_done} of {settings.epochs} epochs, batch {settings.batch_size}, "
                                 f"Adam {settings.learning_rate:g}"
                                 + (f", {settings.lr_schedule} schedule" if settings.lr_schedule else "")
                                 + (f", {settings.augment} augmentation" if settings.augment else "")
                                 + (", stopped early" if record.stopped_early else "")))
        rows.append(("seed", str(settings.seed)))
        if record.threads:
            rows.append(("threads", str(record.threads)))
        if record.images_per_second:
            rows.append(("speed", f"{record.images_per_second:,.0f} images/s (training, validation included)"))
    else:
        rows.append(("training", "no training record in the model file"))
    rows.append(("threads now", str(max_threads())))
    return rows


def reproduce_command(record, preprocessing):
    """The ``fastcnn train`` command that repeats the run, bit for bit (None without a record).

    Parameters
    ----------
    record : fastcnn.records.TrainingRecord or None
    preprocessing : fastcnn.records.Preprocessing or None

    Returns
    -------
    str or None
    """
    if record is None or record.settings is None:
        return None
    settings, parts = record.settings, ["fastcnn", "train"]
    if record.data is not None and record.data.path:
        parts += ["--data", record.data.path]
    if preprocessing is not None:
        if preprocessing.crop is not None:
            parts += ["--crop", f"{preprocessing.crop:g}"]
        if tuple(preprocessing.image_size) != (128, 128):
            parts += ["--image-size", str(preprocessing.image_size[0])]
        if preprocessing.normalize is not None:
            parts += ["--normalize", "per-channel"]
    options = [("--epochs", settings.epochs, 12), ("--batch-size", settings.batch_size, 5),
               ("--learning-rate", settings.learning_rate, 1e-3), ("--lr-schedule", settings.lr_schedule, None),
               ("--augment", settings.augment, None), ("--class-weight", settings.class_weight, None),
               ("--label-smoothing", settings.label_smoothing, 0.0),
               ("--early-stopping", settings.early_stopping, None), ("--model", settings.model, None)]
    if record.split is not None:
        options.append(("--val-split", record.split.val_split, 0.2))
    for flag, value, default in options:
        if value is not None and value != default:
            parts += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    parts += ["--seed", str(settings.seed)]
    return " ".join(_quoted(part) for part in parts)


def _quoted(word):
    return word if word and all(c.isalnum() or c in "-_./:=,+" for c in word) else "'" + word.replace("'", "'\\''") + "'"


def versions():
    """fastcnn's version and the libraries it ran on.

    Returns
    -------
    list of (str, str)
    """
    import matplotlib
    import numba

    return [("fastcnn", __version__), ("Python", platform.python_version()), ("NumPy", np.__version__),
            ("Numba", numba.__version__), ("matplotlib", matplotlib.__version__),
            ("platform", f"{platform.system()} {platform.machine()}, {sys.platform}")]
