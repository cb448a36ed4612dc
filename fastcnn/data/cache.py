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
    if os.environ.get("FASTCNN_CACHE_DIR"):
        return Path(os.environ["FASTCNN_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "fastcnn"


def cache_key(paths, size, crop):
    entries = []
    for path in paths:
        stat = os.stat(path)
        entries.append([str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns])
    description = json.dumps(
        {"files": entries, "size": list(size), "crop": crop, "decoder": DECODER_VERSION}, sort_keys=True
    )
    return hashlib.sha256(description.encode()).hexdigest()


def cache_path(key):
    return cache_dir() / "decoded" / f"{key}.npy"


def load(key, expected_shape):
    """The cached uint8 array for ``key``, or None (missing, unreadable or wrong shape)."""
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
    """Write atomically (temp file + rename); returns the path or None if impossible."""
    path = cache_path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as handle:
            np.save(handle, np.ascontiguousarray(images, dtype=np.uint8), allow_pickle=False)
    except OSError:
        return None
    return path
