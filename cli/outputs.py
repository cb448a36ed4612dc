"""Where ``fastcnn train`` writes, checked before the first batch, so that no data and no finished run is lost.

* :func:`check_model_out`: ``--out`` is never a folder, the input data, or a
  file fastcnn did not write; replacing an earlier fastcnn model is said aloud.
* :func:`check_writable`: every output folder can take a file *now*, not
  after an hour of training.
* :class:`OutputLock`: one run at a time per output (``fcntl.flock`` on
  ``<out>.lock``); a second run names the process that holds it.
* :func:`remove_stale_temporaries`: the ``.<name>.<pid>.*.tmp`` files a
  killed save left behind, removed once their writer is gone.
"""
import datetime
import os
import re
from pathlib import Path

import click

from fastcnn.errors import ModelFileError
from fastcnn.io import read_config

from .common import UserError

#: fastcnn's temporary files: ".<target name>.<writer's PID>.<random>.tmp" (fastcnn._files.atomic_write)
TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.tmp$")


def claim_outputs(out, checkpoint_dir, data_path):
    """Everything ``fastcnn train`` checks and takes before it loads data: see the module docstring.

    The locks are released when the command ends (click's context owns them).

    Parameters
    ----------
    out : pathlib.Path
        The model file.
    checkpoint_dir : pathlib.Path or None
    data_path : str or None
        ``--data`` of a new run (None when resuming, or for the built-in galaxies).

    Returns
    -------
    None
    """
    replacing = check_model_out(out, data_path)
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


def remove_stale_temporaries(folder):
    """Delete the temporary files of saves whose writer process is gone; return their names.

    Parameters
    ----------
    folder : pathlib.Path

    Returns
    -------
    list of str
    """
    removed = []
    if not folder.is_dir():
        return removed
    for entry in folder.iterdir():
        match = TEMPORARY.match(entry.name)
        if match and entry.is_file() and not process_alive(int(match["pid"])):
            try:
                entry.unlink()
                removed.append(entry.name)
            except OSError:
                pass
    return removed


def process_alive(pid):
    """True when a process with this PID exists (it may be another user's).

    Parameters
    ----------
    pid : int

    Returns
    -------
    bool
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class OutputLock:
    """An exclusive lock on ``<path>.lock`` for as long as the run writes ``path`` (POSIX ``flock``).

    The lock file holds the owner's PID, so the second run can say who holds
    it.  The operating system drops the lock when the process ends, however
    it ends; the file itself stays (empty of meaning once unlocked).

    Parameters
    ----------
    path : pathlib.Path
        The output (a model file, or a folder: its lock is ``<folder>/.lock``).
    what : str
        The option, for the message.
    """

    def __init__(self, path, what):
        self.path = path / ".lock" if path.is_dir() else path.with_name(path.name + ".lock")
        self.what, self.handle = what, None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:  # Windows: no flock; runs are not protected from each other there
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            owner = handle.read().strip() or "?"
            handle.close()
            raise UserError(f"another fastcnn run (PID {owner}) is writing {self.what} "
                            f"{self.path.with_suffix('') if self.path.name != '.lock' else self.path.parent}; "
                            f"wait for it to finish or choose another {self.what}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc):
        if self.handle is not None:
            self.handle.close()  # closing releases the lock
            self.handle = None
        return False
