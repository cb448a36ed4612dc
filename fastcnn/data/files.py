"""Image files with labels: a labels CSV, or one folder per class.

* ``labels.csv`` with a file column and a label column (default ``file`` and
  ``label``); file paths are relative to the CSV's folder.
* a folder whose sub-folders are the classes: ``DIR/<class>/*.png|jpg|jpeg``.

Class order: the one given (a trained model's), else the sorted label names.
All images are decoded in a small thread pool (Pillow releases the GIL while
decoding) and cached on disk (:mod:`fastcnn.data.cache`).
"""
import csv
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..errors import DataError
from . import cache
from .dataset import Dataset
from .images import check_crop, decode_image

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def read_labels_csv(csv_path, file_column="file", label_column="label"):
    """``[(absolute image path, label string), ...]`` from a labels CSV."""
    csv_path = Path(csv_path)
    try:
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
                rows.append((str(csv_path.parent / name), label))
    except FileNotFoundError:
        raise DataError(f"labels file not found: {csv_path}") from None
    except UnicodeDecodeError:
        raise DataError(f"{csv_path}: not a UTF-8 text CSV file") from None
    except csv.Error as error:
        raise DataError(f"{csv_path}: malformed CSV ({error})") from None
    if not rows:
        raise DataError(f"{csv_path}: no rows below the header")
    return rows


def scan_class_folders(root):
    """``[(image path, class folder name), ...]`` for ``root/<class>/*.png|jpg|jpeg``."""
    root = Path(root)
    rows = []
    for class_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for image in sorted(class_dir.iterdir()):
            if image.is_file() and image.suffix.lower() in IMAGE_SUFFIXES:
                rows.append((str(image), class_dir.name))
    if not rows:
        raise DataError(f"{root}: no images found in class sub-folders (expected {root}/<class>/*.png)")
    return rows


def label_indices(labels, class_names, where):
    """Map label strings to indices of ``class_names`` (None: sorted unique labels)."""
    if class_names is None:
        class_names = tuple(sorted(set(labels)))
    lookup = {name: i for i, name in enumerate(class_names)}
    unknown = sorted(set(labels) - set(lookup))
    if unknown:
        raise DataError(f"{where}: unknown label(s) {', '.join(map(repr, unknown[:5]))}; "
                        f"the classes are {', '.join(class_names)}")
    return np.array([lookup[label] for label in labels], dtype=np.int64), tuple(class_names)


def decode_all(paths, image_size, crop, use_cache=True, notes=None):
    """Decode every path to uint8 (N, H, W, 3), through the on-disk cache."""
    notes = notes if notes is not None else []
    shape = (len(paths),) + tuple(image_size) + (3,)
    for path in paths:
        if not os.path.isfile(path):
            raise DataError(f"image not found: {path}")
    key = cache.cache_key(paths, image_size, crop) if use_cache else None
    if key is not None:
        images = cache.load(key, shape)
        if images is not None:
            notes.append(f"decoded images loaded from the cache {cache.cache_path(key)}")
            return images
    images = np.empty(shape, dtype=np.uint8)

    def decode(index):
        images[index] = decode_image(paths[index], image_size, crop)

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        for _ in pool.map(decode, range(len(paths))):
            pass
    if key is not None:
        stored = cache.store(key, images)
        if stored is not None:
            notes.append(f"decoded {len(paths)} images, cached in {stored}")
    return images


def load_image_files(path, image_size=(128, 128), crop=None, file_column="file", label_column="label",
                     class_names=None, use_cache=True):
    """A :class:`Dataset` from a labels CSV or a folder of class folders."""
    crop = check_crop(crop)
    path = Path(path)
    if path.is_dir():
        rows = scan_class_folders(path)
    else:
        rows = read_labels_csv(path, file_column, label_column)
    paths = [p for p, _ in rows]
    seen = set()
    for p in paths:
        if p in seen:
            raise DataError(f"{path}: the image {p} is listed twice")
        seen.add(p)
    labels, names = label_indices([label for _, label in rows], class_names, path)
    notes = []
    images = decode_all(paths, image_size, crop, use_cache, notes)
    return Dataset(images=images, labels=labels, class_names=names, files=paths, source=str(path), notes=notes)
