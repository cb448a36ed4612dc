"""Write a data set as PNG files plus a ``labels.csv``, to look at or to
load back with ``--data DIR/labels.csv``; or as an original-format ``.npz``
written chunk by chunk, so it may be larger than memory."""
import csv
import os
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from .._files import atomic_write
from ..classes import GALAXY_CLASSES
from ..errors import DataError


def write_image_folder(dataset, out_dir):
    """``out_dir/images/00000.png ...`` and ``out_dir/labels.csv`` (file,label); returns the CSV path.

    Parameters
    ----------
    dataset : Dataset
        uint8 images are written as they are; float images in [0, 1] are
        clipped and rounded to uint8 first.
    out_dir : str or pathlib.Path
        Created if missing; existing files of the same names are overwritten.

    Returns
    -------
    pathlib.Path
        ``out_dir/labels.csv``; its file paths are relative to ``out_dir``.
    """
    out_dir = Path(out_dir)
    image_dir = out_dir / "images"
    image_dir.mkdir(parents=True, exist_ok=True)
    digits = max(5, len(str(len(dataset) - 1)))
    rows = []
    for index, (pixels, label) in enumerate(zip(dataset.images, dataset.labels)):
        if pixels.dtype != np.uint8:
            pixels = np.round(np.clip(pixels, 0, 1) * 255).astype(np.uint8)
        name = f"images/{index:0{digits}d}.png"
        Image.fromarray(pixels, mode="RGB").save(out_dir / name)
        rows.append((name, dataset.class_names[label]))
    csv_path = out_dir / "labels.csv"
    with atomic_write(csv_path, "w") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file", "label"])
        writer.writerows(rows)
    return csv_path


def write_npz_in_chunks(path, n, image_shape, chunks, labels, class_names):
    """Write an original-format .npz (``data``, one-hot ``labels``,
    ``class_names``) from an iterator of uint8 image chunks, never holding
    more than one chunk.  ``labels`` may be a function, called after the
    last chunk.  Members are stored uncompressed so
    :func:`~fastcnn.data.disk.npz_member` can read rows in place.

    Parameters
    ----------
    path : str or pathlib.Path
        Where to write (atomically: a temporary file, then a rename).
    n : int
        The number of images the chunks hold together.
    image_shape : tuple of int
        (H, W, 3).
    chunks : iterable of array_like
        (k, H, W, 3) uint8 images each, ``n`` in all.
    labels : array_like of int or callable
        (n,) class indices, or a function of no arguments returning them;
        written one-hot as uint8 (n, len(class_names)).
    class_names : sequence of str

    Returns
    -------
    str or pathlib.Path
        ``path``.

    Raises
    ------
    DataError
        When the chunks do not hold ``n`` images.
    """
    shape = (n,) + tuple(image_shape)
    with atomic_write(path) as handle, \
            zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        with archive.open("data.npy", "w", force_zip64=True) as member:
            np.lib.format.write_array_header_2_0(
                member, {"descr": np.lib.format.dtype_to_descr(np.dtype(np.uint8)), "fortran_order": False,
                         "shape": shape})
            written = 0
            for chunk in chunks:
                chunk = np.ascontiguousarray(chunk, dtype=np.uint8)
                member.write(chunk.tobytes())
                written += len(chunk)
            if written != n:
                raise DataError(f"wrote {written} images, expected {n}")
        labels = labels() if callable(labels) else labels  # may only be known now
        for name, array in (("labels", np.eye(len(class_names), dtype=np.uint8)[labels]),
                            ("class_names", np.array(class_names))):
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
    return path


def _synth_chunk(arguments):
    from .synth import synthesize_galaxies

    n, size, seed, index = arguments
    return synthesize_galaxies(n, size, seed=[seed, index])


def write_synthetic_npz(path, n, size=128, seed=0, chunk=500, workers=None):
    """Generate ``n`` procedural galaxies straight into an original-format
    ``.npz``, ``chunk`` at a time (in ``workers`` processes), so any ``n``
    fits in memory.  Chunk k is drawn with seed (seed, k): the file is the
    same for the same arguments, whatever the number of workers.

    Parameters
    ----------
    path : str or pathlib.Path
    n : int
        How many galaxies.
    size : int, default 128
        Images are ``size`` x ``size`` pixels.
    seed : int, default 0
    chunk : int, default 500
        Galaxies drawn (and held in memory) per task.
    workers : int, optional
        Processes drawing the chunks; default one per core, never more
        than there are chunks.

    Returns
    -------
    str or pathlib.Path
        ``path``.
    """
    from concurrent.futures import ProcessPoolExecutor

    tasks = [(min(chunk, n - start), size, seed, k) for k, start in enumerate(range(0, n, chunk))]
    labels = []

    def images(results):
        for chunk_images, chunk_labels in results:
            labels.append(chunk_labels)  # known only once drawn: written after the images
            yield chunk_images

    def all_labels():
        return np.concatenate(labels) if labels else np.zeros(0, np.int64)

    workers = max(1, min(len(tasks), workers or os.cpu_count() or 1))
    if workers == 1:
        return write_npz_in_chunks(path, n, (size, size, 3), images(map(_synth_chunk, tasks)), all_labels,
                                   GALAXY_CLASSES)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return write_npz_in_chunks(path, n, (size, size, 3), images(pool.map(_synth_chunk, tasks)), all_labels,
                                   GALAXY_CLASSES)
