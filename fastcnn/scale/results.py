"""A sweep's results: one row per trial in ``results.csv``, and the table of settings by mean metric.

Each finished trial adds a row: its settings, seed, status (``ok`` or
``failed`` with the error), epochs, the final and the best value of each
validation metric, and its wall time.  The file is rewritten whole and
atomically after every trial, so a sweep killed at any moment leaves a
readable file, and ``--resume`` skips the trials it lists as ``ok``.
"""
import csv
import io
import math
from pathlib import Path

from .._files import atomic_write
from ..errors import InvalidArgumentError

#: the validation metrics a trial reports (the ``fastcnn train`` history's names)
METRICS = ("val_categorical_accuracy", "val_balanced_accuracy", "val_auc", "val_loss")
RESULTS_NAME = "results.csv"


def lower_is_better(metric):
    """True for losses.

    Parameters
    ----------
    metric : str

    Returns
    -------
    bool
    """
    return metric.endswith("loss")


def trial_row(trial, history=None, seconds=None, error=None):
    """The results row of a finished trial (``history`` when it trained, ``error`` when it failed).

    Parameters
    ----------
    trial : fastcnn.scale.grid.Trial
    history : dict of str to list of float, optional
    seconds : float, optional
    error : str, optional

    Returns
    -------
    dict of str to str
    """
    row = {"trial": trial.id, "status": "failed" if error else "ok", "seed": str(trial.seed)}
    row.update(trial.params)
    history = history or {}
    row["epochs"] = str(len(history.get("loss", [])))
    for metric in METRICS:
        values = [v for v in history.get(metric, []) if v is not None and math.isfinite(v)]
        best = (min(values) if lower_is_better(metric) else max(values)) if values else None
        row[f"final_{metric}"] = f"{values[-1]:.6f}" if values else ""
        row[f"best_{metric}"] = f"{best:.6f}" if values else ""
    row["seconds"] = "" if seconds is None else f"{seconds:.2f}"
    row["error"] = error or ""
    return row


def columns(grid_names):
    """The CSV's columns, in order.

    Parameters
    ----------
    grid_names : list of str

    Returns
    -------
    list of str
    """
    metrics = [f"{kind}_{metric}" for metric in METRICS for kind in ("final", "best")]
    return ["trial", "status", "seed"] + list(grid_names) + ["epochs"] + metrics + ["seconds", "error"]


def write_results(directory, rows, grid_names):
    """Write ``rows`` (ordered by trial) to ``directory/results.csv``, atomically.

    Parameters
    ----------
    directory : pathlib.Path
    rows : list of dict
    grid_names : list of str

    Returns
    -------
    pathlib.Path
    """
    text = io.StringIO()
    writer = csv.DictWriter(text, columns(grid_names), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda row: row["trial"]))
    path = Path(directory) / RESULTS_NAME
    with atomic_write(path, "w") as handle:
        handle.write(text.getvalue())
    return path


def read_results(directory):
    """The rows of ``directory/results.csv`` by trial id ({} when there is none yet).

    Parameters
    ----------
    directory : pathlib.Path

    Returns
    -------
    dict of str to dict
    """
    path = Path(directory) / RESULTS_NAME
    if not path.is_file():
        return {}
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    if rows and not {"trial", "status"} <= set(rows[0]):
        raise InvalidArgumentError(f"{path}: not a fastcnn sweep's results file")
    return {row["trial"]: row for row in rows}


def summarize(rows, grid_names, metric):
    """Mean and sd over seeds of each setting's final ``metric``, best first.

    Parameters
    ----------
    rows : list of dict
        Results rows; failed ones are counted, not averaged.
    grid_names : list of str
    metric : str
        One of :data:`METRICS`.

    Returns
    -------
    list of dict
        {"setting": {name: value}, "mean", "sd", "n", "failed", "seconds"} per setting.
    """
    if metric not in METRICS:
        raise InvalidArgumentError(f"--metric must be one of {', '.join(METRICS)}, got {metric!r}")
    groups = {}
    for row in rows:
        key = tuple(row.get(name, "") for name in grid_names)
        group = groups.setdefault(key, {"values": [], "failed": 0, "seconds": []})
        value = row.get(f"final_{metric}", "")
        if row["status"] != "ok":
            group["failed"] += 1
        elif value != "":  # (a run without a validation split has no validation metric to average)
            group["values"].append(float(value))
            group["seconds"].append(float(row["seconds"] or 0))
    table = []
    for key, group in groups.items():
        values, n = group["values"], len(group["values"])
        mean = sum(values) / n if n else math.nan
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
        seconds = sum(group["seconds"]) / n if n else math.nan
        table.append({"setting": dict(zip(grid_names, key)), "mean": mean, "sd": sd, "n": n,
                      "failed": group["failed"], "seconds": seconds})
    sign = 1 if lower_is_better(metric) else -1
    table.sort(key=lambda entry: (math.isnan(entry["mean"]), sign * entry["mean"] if entry["n"] else 0))
    return table


def format_table(table, grid_names, metric):
    """The summary as aligned text lines.

    Parameters
    ----------
    table : list of dict
        From :func:`summarize`.
    grid_names : list of str
    metric : str

    Returns
    -------
    list of str
    """
    header = list(grid_names) + [metric + " (mean ± sd)", "seeds", "s/trial"]
    lines = [[entry["setting"][name] for name in grid_names]
             + ([f"{entry['mean']:.4f} ± {entry['sd']:.4f}"] if entry["n"] else
                ["failed" if entry["failed"] else "no validation split"])
             + [f"{entry['n']}" + (f" ({entry['failed']} failed)" if entry["failed"] else ""),
                f"{entry['seconds']:.1f}" if entry["n"] else "-"]
             for entry in table]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines)]
    return ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip()
            for row in [header] + lines]
