"""One run at a time per output, and what killed runs left behind.

* :class:`OutputLock`: ``fcntl.flock`` on ``<out>.lock`` (or ``<folder>/.lock``)
  for as long as a run writes there; a second run names the process that holds it.
* :func:`remove_stale_temporaries`: the ``.<name>.<pid>.*.tmp`` files a killed
  save left behind (``fastcnn._files.atomic_write`` names them so), removed once
  their writer is gone.
"""
import os
import re

from .common import UserError

#: fastcnn's temporary files: ".<target name>.<writer's PID>.<random>.tmp" (fastcnn._files.atomic_write)
TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.tmp$")


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
