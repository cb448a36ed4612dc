"""On-disk cache of decoded images, so the second run skips decoding.

The key is a SHA-256 over everything that determines the decoded pixels:
each file's absolute path, size and modification time (in ns), the output
size, the crop fraction and :data:`DECODER_VERSION`.  Touch or replace a file,
or change a preprocessing option, and the key changes.  Entries are plain
``.npy`` arrays (read with ``allow_pickle=False``), written atomically to

    $FASTCNN_CACHE_DIR, else $XDG_CACHE_HOME/fastcnn, else ~/.cache/fastcnn

A cache that cannot be read or written is skipped, never fatal.
"""
import hashlib
import json
import os
from pathlib import Path

import numpy as np

from .._files import atomic_write, read_npy_header
from .images import DECODER_VERSION


def cache_dir():
    """The cache's root folder (it may not exist yet).

    Returns
    -------
    pathlib.Path
        ``$FASTCNN_CACHE_DIR``, else ``$XDG_CACHE_HOME/fastcnn``, else
        ``~/.cache/fastcnn``.
    """
    if os.environ.get("FASTCNN_CACHE_DIR"):
        return Path(os.environ["FASTCNN_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "fastcnn"


def cache_key(paths, size, crop):
    """The key of the decoded images of ``paths``.

    Parameters
    ----------
    paths : sequence of str or pathlib.Path
        The image files, in order; each must exist (it is ``os.stat``-ed).
    size : tuple of int
        Output (height, width).
    crop : float or None
        The central fraction kept before resizing.

    Returns
    -------
    str
        SHA-256 hex digest over the files' absolute paths, sizes and
        modification times, ``size``, ``crop`` and :data:`DECODER_VERSION`.
    """
    entries = []
    for path in paths:
        stat = os.stat(path)
        entries.append([str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns])
    description = json.dumps(
        {"files": entries, "size": list(size), "crop": crop, "decoder": DECODER_VERSION}, sort_keys=True
    )
    return hashlib.sha256(description.encode()).hexdigest()


def cache_path(key):
    """Where the entry of ``key`` is stored.

    Parameters
    ----------
    key : str

    Returns
    -------
    pathlib.Path
        ``<cache dir>/decoded/<key>.npy``.
    """
    return cache_dir() / "decoded" / f"{key}.npy"


def load(key, expected_shape):
    """The cached uint8 array for ``key``, or None (missing, unreadable or wrong shape).

    Parameters
    ----------
    key : str
    expected_shape : tuple of int
        The shape the entry must have, e.g. (N, H, W, 3) for images.

    Returns
    -------
    numpy.ndarray or None
        uint8 array of ``expected_shape``, read into memory (not mapped).
    """
    path = cache_path(key)
    try:
        with open(path, "rb") as handle:  # check the header before reading the data
            shape, fortran, dtype = read_npy_header(handle)
            if dtype != np.uint8 or fortran or shape != tuple(expected_shape):
                return None
            images = np.fromfile(handle, dtype=np.uint8, count=int(np.prod(shape)))  # one copy, no mmap
    except (OSError, ValueError):
        return None
    if images.size != int(np.prod(expected_shape)):
        return None
    return images.reshape(expected_shape)


def store(key, images):
    """Write atomically (temp file + rename); returns the path or None if impossible.

    Parameters
    ----------
    key : str
    images : numpy.ndarray
        Stored as a C-contiguous uint8 ``.npy`` (e.g. (N, H, W, 3) pixels or (N,) labels).

    Returns
    -------
    pathlib.Path or None
        The entry's path, or None when the cache folder cannot be written.
    """
    path = cache_path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as handle:
            np.save(handle, np.ascontiguousarray(images, dtype=np.uint8), allow_pickle=False)
    except OSError:
        return None
    return path
