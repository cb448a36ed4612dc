"""Where ``fastcnn train`` writes, checked before the first batch, so that no data and no finished run is lost.

* :func:`check_model_out`: ``--out`` is never a folder, the input data, or a
  file fastcnn did not write; replacing an earlier fastcnn model is said aloud.
* :func:`check_writable`: every output folder can take a file *now*, not
  after an hour of training.
* :class:`~cli.locks.OutputLock` (``cli/locks.py``): one run at a time per
  output; :func:`~cli.locks.remove_stale_temporaries`: what killed saves left.
"""
import datetime
import os
from pathlib import Path

import click

from fastcnn.errors import ModelFileError
from fastcnn.io import read_config

from .common import UserError
from .locks import OutputLock, remove_stale_temporaries



def claim_outputs(out, checkpoint_dir, data_path, csv_log=None):
    """Everything ``fastcnn train`` checks and takes before it loads data: see the module docstring.

    The locks are released when the command ends (click's context owns them).

    Parameters
    ----------
    out : pathlib.Path
        The model file.
    checkpoint_dir : pathlib.Path or None
    data_path : str or None
        ``--data`` of a new run (None when resuming, or for the built-in galaxies).
    csv_log : str or None
        ``--csv-log``: never the data or the model, nor a file fastcnn did not write.

    Returns
    -------
    None
    """
    replacing = check_model_out(out, data_path)
    if csv_log is not None:
        check_output_file(csv_log, "--csv-log", [data_path, out], CSV_LOG)
    folders = [out.parent] + ([checkpoint_dir] if checkpoint_dir is not None else [])
    for folder, what in zip(folders, ("--out", "--checkpoint-dir")):
        check_writable(folder, what)
    context = click.get_current_context()
    context.with_resource(OutputLock(out, "--out"))
    if checkpoint_dir is not None:
        context.with_resource(OutputLock(checkpoint_dir, "--checkpoint-dir"))
    for folder in folders:
        stale = remove_stale_temporaries(folder)
        if stale:
            click.echo(f"Removed {len(stale)} temporary file{'s' if len(stale) > 1 else ''} of interrupted saves "
                       f"in {folder}")
    if replacing:
        click.echo(replacing[0].upper() + replacing[1:])


def check_model_out(out, data_path):
    """A one-line error unless ``out`` may receive the trained model; the line to print when it replaces one.

    Parameters
    ----------
    out : pathlib.Path
        ``--out``.
    data_path : str or None
        ``--data`` (a file or a folder), or None for the built-in galaxies.

    Returns
    -------
    str or None
        "replacing ... (written ...)" when ``out`` is an earlier fastcnn model, else None.
    """
    if data_path is not None and out.resolve() == Path(data_path).resolve():
        raise UserError(f"--out {out} is the training data (--data {data_path}): choose another --out")
    if out.is_dir():
        raise UserError(f"--out {out} is a folder: give the model file's name, e.g. {out / 'galaxy_model.npz'}")
    if not out.exists():
        return None
    if not out.is_file():
        raise UserError(f"--out {out} is not a regular file: choose another --out")
    try:
        read_config(out)
    except ModelFileError:
        raise UserError(f"--out {out} exists and is not a fastcnn model: fastcnn will not replace it; "
                        f"choose another --out or move it away") from None
    written = datetime.datetime.fromtimestamp(out.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    return f"replacing {out} (a fastcnn model written {written})"


def check_output_file(out, option, inputs, ours):
    """A one-line error unless ``out`` may be written: not a folder, not an input, and not a file fastcnn did not write.

    Parameters
    ----------
    out : str or pathlib.Path
    option : str
        The option that names it, for the message ("--out", "--csv-log", "-o").
    inputs : sequence of str or pathlib.Path or None
        The command's input files (the model, --data): never overwritten.
    ours : callable
        ``ours(path)`` is True when an existing file is one fastcnn writes there (its own earlier output).

    Returns
    -------
    None
    """
    out = Path(out)
    for given in inputs:
        if given is not None and Path(given).exists() and out.resolve() == Path(given).resolve():
            raise UserError(f"{option} {out} is this command's input ({given}): choose another {option}")
    if out.is_dir():
        raise UserError(f"{option} {out} is a folder: give a file name")
    if out.exists() and (not out.is_file() or not ours(out)):
        raise UserError(f"{option} {out} exists and fastcnn did not write it: fastcnn will not replace it; "
                        f"choose another {option} or move it away")


def begins_with(text, within=0):
    """A test for :func:`check_output_file`: does a file begin with ``text`` (or hold it in its first ``within`` bytes)?

    Parameters
    ----------
    text : str
    within : int, default 0
        0: at the very start.

    Returns
    -------
    callable
        path -> bool.
    """
    def test(path):
        try:
            with open(path, "rb") as handle:
                head = handle.read(max(within, len(text.encode()))).decode("utf-8", "replace")
        except OSError:
            return False
        return text in head if within else head.startswith(text)

    return test


#: how fastcnn's own outputs begin: the predictions CSV, Keras's CSVLogger log, the HTML report
PREDICTIONS = begins_with("file,predicted,probability")
CSV_LOG = begins_with("epoch")
REPORT = begins_with("<title>fastcnn report: ", within=400)


def check_writable(folder, what):
    """A one-line error unless a file can be created in ``folder`` now (it is created if missing).

    Parameters
    ----------
    folder : pathlib.Path
    what : str
        The option it comes from, for the message ("--out", "--checkpoint-dir").

    Returns
    -------
    None
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".fastcnn-write-test.{os.getpid()}.tmp"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        reason = error.strerror or str(error)
        raise UserError(f"cannot write in {folder} ({what}): {reason}; nothing was trained") from None
