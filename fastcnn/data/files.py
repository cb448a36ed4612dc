"""Image files with labels: a labels CSV, or one folder per class.

* ``labels.csv`` with a file column and a label column (default ``file`` and
  ``label``); file paths are relative to the CSV's folder.
* a folder whose sub-folders are the classes: ``DIR/<class>/*.png|jpg|jpeg``.

Class order: the one given (a trained model's), else the sorted label names. Images are decoded in a
small thread pool (Pillow releases the GIL) and cached on disk (:mod:`fastcnn.data.cache`).
"""
import csv
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..errors import DataError
from . import cache
from .dataset import Dataset
from .images import check_crop, check_regular_file, decode_image

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def read_labels_csv(csv_path, file_column="file", label_column="label"):
    """``[(absolute image path, label string), ...]`` from a labels CSV.

    Parameters
    ----------
    csv_path : str or pathlib.Path
        A UTF-8 CSV with a header row; image paths are relative to its folder
        and may not leave it.
    file_column, label_column : str
        The header names of the image path and label columns.

    Returns
    -------
    list of (str, str)
        One (normalized absolute path, label) per row, in file order.
    """
    csv_path = Path(csv_path)
    try:
        check_regular_file(csv_path, "labels file")
        with open(csv_path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            for column, option in ((file_column, "--file-column"), (label_column, "--label-column")):
                if column not in columns:
                    raise DataError(
                        f"{csv_path}: no column {column!r} (columns: {', '.join(columns) or 'none'}); "
                        f"choose one with {option}"
                    )
            rows = []
            for line, row in enumerate(reader, start=2):
                name, label = (row.get(file_column) or "").strip(), (row.get(label_column) or "").strip()
                if not name or not label:
                    raise DataError(f"{csv_path}, line {line}: empty {'file' if not name else 'label'}")
                rows.append((_inside(csv_path, name, line), label))
    except FileNotFoundError:
        raise DataError(f"labels file not found: {csv_path}") from None
    except UnicodeDecodeError:
        raise DataError(f"{csv_path}: not a UTF-8 text CSV file") from None
    except csv.Error as error:
        raise DataError(f"{csv_path}: malformed CSV ({error})") from None
    if not rows:
        raise DataError(f"{csv_path}: no rows below the header")
    return rows


def _inside(csv_path, name, line):
    """The image path ``name`` relative to the CSV's folder, refusing absolute
    paths and ``..`` that leave the folder (a labels file must not point the
    tool at arbitrary files).  Symbolic links inside the folder are followed."""
    folder = os.path.normpath(os.path.abspath(csv_path.parent))
    if os.path.isabs(name):
        raise DataError(f"{csv_path}, line {line}: absolute image path {name!r}; "
                        "paths must be relative to the CSV's folder")
    path = os.path.normpath(os.path.join(folder, name))
    if os.path.commonpath([folder, path]) != folder:
        raise DataError(f"{csv_path}, line {line}: image path {name!r} leaves the data folder")
    return path


def scan_class_folders(root, notes=None):
    """``[(image path, class folder name), ...]`` for ``root/<class>/*.png|jpg|jpeg``.

    Parameters
    ----------
    root : str or pathlib.Path
        Its sub-folders (hidden ones skipped) are the classes.
    notes : list of str, optional
        Gets a line per sub-folder without images (not a class: one class fewer).

    Returns
    -------
    list of (str, str)
        Sorted by class folder, then file name (a DataError if there is none).
    """
    root = Path(root)
    rows = []
    for class_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        found = [(str(f), class_dir.name) for f in sorted(class_dir.iterdir())
                 if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES]
        if not found and notes is not None:
            notes.append(f"the folder {class_dir} has no images (.png, .jpg, .jpeg): not a class, one class fewer")
        rows += found
    if not rows:
        raise DataError(f"{root}: no images found in class sub-folders (expected {root}/<class>/*.png)")
    return rows


def label_indices(labels, class_names, where):
    """Map label strings to indices of ``class_names`` (None: sorted unique labels).

    Parameters
    ----------
    labels : sequence of str
    class_names : sequence of str or None
    where : str or pathlib.Path
        Named in the error message.

    Returns
    -------
    indices : numpy.ndarray, (N,) int64
    class_names : tuple of str
        The class order used (a label outside it is a DataError).
    """
    if class_names is None:
        class_names = tuple(sorted(set(labels)))
    lookup = {name: i for i, name in enumerate(class_names)}
    unknown = sorted(set(labels) - set(lookup))
    if unknown:
        raise DataError(f"{where}: unknown label(s) {', '.join(map(repr, unknown[:5]))}; "
                        f"the classes are {', '.join(class_names)}")
    return np.array([lookup[label] for label in labels], dtype=np.int64), tuple(class_names)


def decode_all(paths, image_size, crop, use_cache=True, notes=None, on_bad_image="error"):
    """Decode every path to uint8 (N, H, W, 3), through the on-disk cache.

    Returns ``(images, kept)``: ``kept`` are the indices of the paths that
    decoded.  With ``on_bad_image="error"`` the first unreadable image raises
    a DataError naming it; with ``"skip"`` it is left out, with a note naming
    it and a summary count.

    Parameters
    ----------
    paths : sequence of str
    image_size : tuple of int
        Output (H, W).
    crop : float or None
        Central fraction kept before resizing (see :func:`decode_image`).
    use_cache : bool, default True
        Read and write the on-disk cache; a run that skipped images is not cached.
    notes : list of str, optional
        Messages for the user are appended to it.
    on_bad_image : {"error", "skip"}, default "error"

    Returns
    -------
    images : numpy.ndarray
        (len(kept), H, W, 3) uint8.
    kept : numpy.ndarray
        Indices into ``paths`` of the images decoded, ascending.
    """
    if on_bad_image not in ("error", "skip"):
        raise DataError(f"on_bad_image must be 'error' or 'skip', got {on_bad_image!r}")
    notes = notes if notes is not None else []
    shape = (len(paths),) + tuple(image_size) + (3,)
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing and on_bad_image == "error":
        raise DataError(f"image not found: {missing[0]}")
    key = cache.cache_key([p for p in paths if p not in set(missing)], image_size, crop) \
        if use_cache and not missing else None
    if key is not None:
        images = cache.load(key, shape)
        if images is not None:
            notes.append(f"decoded images loaded from the cache {cache.cache_path(key)}")
            return images, np.arange(len(paths))
    images = np.empty(shape, dtype=np.uint8)
    problems = {}

    def decode(index):
        try:
            images[index] = decode_image(paths[index], image_size, crop)
        except DataError as error:
            if on_bad_image == "error":
                raise
            problems[index] = str(error)

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        for _ in pool.map(decode, range(len(paths))):
            pass
    if problems:
        for index in sorted(problems):
            notes.append(f"skipped {problems[index]}")
        notes.append(f"skipped {len(problems)} of {len(paths)} images (--on-bad-image skip)")
        kept = np.array([i for i in range(len(paths)) if i not in problems], dtype=np.int64)
        return images[kept], kept
    if key is not None:
        stored = cache.store(key, images)
        if stored is not None:
            notes.append(f"decoded {len(paths)} images, cached in {stored}")
    return images, np.arange(len(paths))


def load_image_files(path, image_size=(128, 128), crop=None, file_column="file", label_column="label",
                     class_names=None, use_cache=True, on_bad_image="error"):
    """A :class:`Dataset` from a labels CSV or a folder of class folders.

    Parameters
    ----------
    path : str or pathlib.Path
        A labels CSV, or a folder of class folders.
    image_size : tuple of int, default (128, 128)
        Output (H, W).
    crop : float, optional
        Keep this central fraction of each image before resizing.
    file_column, label_column : str
        The CSV's columns (ignored for a folder).
    class_names : sequence of str, optional
        The class order (a trained model's); default the sorted labels.
    use_cache : bool, default True
        Use the on-disk decode cache.
    on_bad_image : {"error", "skip"}, default "error"

    Returns
    -------
    Dataset
        uint8 (N, H, W, 3) images with their ``files``.
    """
    crop = check_crop(crop)
    path = Path(path)
    notes = []
    if path.is_dir():
        rows = scan_class_folders(path, notes)
    else:
        rows = read_labels_csv(path, file_column, label_column)
    paths = [p for p, _ in rows]
    seen = set()
    for p in paths:
        if p in seen:
            raise DataError(f"{path}: the image {p} is listed twice")
        seen.add(p)
    labels, names = label_indices([label for _, label in rows], class_names, path)
    images, kept = decode_all(paths, image_size, crop, use_cache, notes, on_bad_image)
    if len(kept) == 0:
        raise DataError(f"{path}: none of the {len(paths)} images could be read")
    return Dataset(images=images, labels=labels[kept], class_names=names, files=[paths[i] for i in kept],
                   source=str(path), notes=notes)
