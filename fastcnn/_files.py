"""Small file helpers: atomic writing (a reader sees the old file or the
complete new one, never a half-written file, even if the process dies
mid-write) and reading a .npy header without reading the data."""
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_write(path, mode="wb"):
    """``with atomic_write(p) as handle: ...`` writes a temp file in p's folder,
    flushes it to disk, then renames it over p (with normal permissions).

    The temp file is ``.<p's name>.<this process's PID>.<random>.tmp``: a
    save killed half-way leaves one, and a later run in that folder removes
    it once that PID is gone (``cli/outputs.py``).  An error while writing
    names ``p``, never the temp file."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    except OSError as error:
        error.filename = str(path)  # the user's file, not the temporary name mkstemp tried
        raise
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600
        os.replace(tmp, path)
    except OSError as error:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if error.filename == tmp:
            error.filename = str(path)
        raise
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_npy_header(stream):
    """``(shape, fortran_order, dtype)`` from the .npy header at the stream's
    position, leaving the stream at the first data byte; no data is read, so a
    file cannot make us allocate what it claims to hold."""
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream)
    return np.lib.format.read_array_header_2_0(stream)
