"""Survey-sized prediction: the image list cut into shards, each decoded and predicted by one task.

A worker holds one shard's pixels at a time (shard size x H x W x 3 bytes:
5,000 images of 128 x 128 are 246 MB), never the survey.  Each finished shard
is written to ``<out>.shards/shard-NNNNN.csv`` at once (atomically), so a run
that crashes or is stopped keeps its finished shards and a rerun does only
the rest; when every shard is there they are joined, in the input's order,
into the output CSV, and the shard folder is removed.  An image that cannot
be read is a row with its error, never the end of the run.
"""
import csv
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from .._files import atomic_write
from ..data.files import IMAGE_SUFFIXES, _inside
from ..errors import DataError, FastcnnError

MANIFEST = "shards.json"
_MODELS = {}  # per worker process: the model of each model file's bytes (by their hash)


def list_images(path, file_column="file"):
    """(name, absolute path) of every image: a CSV's ``file_column`` (paths relative to it), or a folder's images.

    Parameters
    ----------
    path : str or pathlib.Path
        A .csv (other columns, labels included, are ignored) or a folder,
        searched recursively (hidden entries skipped), in sorted order.
    file_column : str

    Returns
    -------
    list of (str, str)
        The name as the CSV gives it (or relative to the folder), and the path to read.
    """
    path = Path(path)
    if path.is_dir():
        found = []
        for folder, subfolders, files in os.walk(path):
            subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith(".") and Path(name).suffix.lower() in IMAGE_SUFFIXES:
                    full = os.path.join(folder, name)
                    found.append((os.path.relpath(full, path), full))
        if not found:
            raise DataError(f"{path}: no images (.png, .jpg, .jpeg) in it or its sub-folders")
        return found
    if path.suffix.lower() != ".csv":
        raise DataError(f"--data for sharded prediction must be a .csv image list or a folder, got {path}")
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if file_column not in (reader.fieldnames or []):
                raise DataError(f"{path}: no column {file_column!r} (columns: {', '.join(reader.fieldnames or [])})"
                                f"; choose one with --file-column")
            rows = [(row[file_column].strip(), _inside(path, row[file_column].strip(), line))
                    for line, row in enumerate(reader, start=2) if (row.get(file_column) or "").strip()]
    except FileNotFoundError:
        raise DataError(f"image list not found: {path}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise DataError(f"{path}: not a readable UTF-8 CSV file ({error})") from None
    if not rows:
        raise DataError(f"{path}: no image rows below the header")
    return rows


def plan_shards(images, shard_size, model_bytes, tta, directory):
    """The shards' tasks, and which are already done in ``directory`` (made with the same inputs).

    Parameters
    ----------
    images : list of (str, str)
        From :func:`list_images`.
    shard_size : int
    model_bytes : bytes
        The model file (its hash tells a rerun with another model).
    tta : bool
    directory : pathlib.Path
        The shard folder; created, with a manifest of what its shards are.

    Returns
    -------
    tasks : list of dict
        {"index", "images", "path", "tta"} per shard.
    done : list of int
        Shards whose CSV is already there.
    """
    signature = hashlib.sha256(model_bytes + json.dumps([images, shard_size, tta]).encode()).hexdigest()
    directory = Path(directory)
    manifest = directory / MANIFEST
    if manifest.is_file():
        recorded = json.loads(manifest.read_text()).get("signature")
        if recorded != signature:
            raise DataError(f"{directory} holds shards of another run (another model, image list, --shard-size or "
                            f"--tta): delete it to start over")
    else:
        directory.mkdir(parents=True, exist_ok=True)
        with atomic_write(manifest, "w") as handle:
            json.dump({"signature": signature, "images": len(images), "shard_size": shard_size}, handle)
    tasks = [{"index": k, "images": images[start:start + shard_size], "tta": tta,
              "path": str(directory / f"shard-{k:05d}.csv")}
             for k, start in enumerate(range(0, len(images), shard_size))]
    return tasks, [task["index"] for task in tasks if Path(task["path"]).is_file()]


def predict_shard(task, model_bytes, threads):
    """Decode and predict one shard, and write its CSV (a backend task: see :mod:`fastcnn.scale.backends`).

    Parameters
    ----------
    task : dict
        From :func:`plan_shards`.
    model_bytes : bytes
        The model file.
    threads : int
        Numba threads (set by the backend).

    Returns
    -------
    dict
        {"index", "images", "failed", "peak_mb"}: the shard's counts, and the worker's peak memory so far.
    """
    model = _model(model_bytes)
    size, crop = tuple(model.input_shape[:2]), getattr(model.preprocessing, "crop", None)
    from ..data import decode_image

    pixels, errors = np.zeros((len(task["images"]),) + tuple(model.input_shape), np.uint8), {}
    for n, (_, path) in enumerate(task["images"]):
        try:
            pixels[n] = decode_image(path, size, crop)
        except (FastcnnError, OSError) as error:
            errors[n] = str(error).splitlines()[0]
    probabilities = np.zeros((len(pixels), len(model.class_names)))
    if errors:  # the readable images moved to the front, in place (no second copy of the shard)
        good = [n for n in range(len(pixels)) if n not in errors]
        for k, n in enumerate(good):
            pixels[k] = pixels[n]
        if good:
            probabilities[good] = model.predict(pixels[:len(good)], tta=task["tta"])
    else:
        probabilities[:] = model.predict(pixels, tta=task["tta"])
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    for n, (name, _) in enumerate(task["images"]):
        if n in errors:
            writer.writerow([name, "", ""] + [""] * len(model.class_names) + [errors[n]])
            continue
        p = probabilities[n]
        k = int(p.argmax())
        writer.writerow([name, model.class_names[k], f"{p[k]:.6f}"] + [f"{v:.6f}" for v in p] + [""])
    with atomic_write(task["path"], "w") as handle:
        handle.write(text.getvalue())
    return {"index": task["index"], "images": len(pixels), "failed": len(errors), "peak_mb": peak_memory_mb()}


def peak_memory_mb():
    """This process's peak resident memory so far, in MB (Linux and macOS; 0 where unknown).

    Returns
    -------
    float
    """
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 2 ** 20


def _model(model_bytes):
    """The model in ``model_bytes``, loaded once per worker process."""
    from ..io import load_model

    key = hashlib.sha256(model_bytes).hexdigest()
    if key not in _MODELS:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.npz"
            path.write_bytes(model_bytes)
            _MODELS.clear()
            _MODELS[key] = load_model(path)
    return _MODELS[key]


def join_shards(tasks, class_names, out, directory):
    """Write the shards' rows, in order, with a header, to ``out`` (atomically); then remove the shard folder.

    Parameters
    ----------
    tasks : list of dict
        From :func:`plan_shards`, all done.
    class_names : sequence of str
    out : pathlib.Path
    directory : pathlib.Path
        The shard folder.

    Returns
    -------
    int
        The number of rows written.
    """
    rows = 0
    with atomic_write(out, "w") as handle:
        csv.writer(handle, lineterminator="\n").writerow(
            ["file", "predicted", "probability"] + [f"p_{name}" for name in class_names] + ["error"])
        for task in tasks:
            with open(task["path"]) as shard:
                text = shard.read()
            rows += text.count("\n")
            handle.write(text)
    shutil.rmtree(directory)
    return rows
