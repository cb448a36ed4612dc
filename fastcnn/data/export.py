"""Write a data set as PNG files plus a ``labels.csv``, to look at or to
load back with ``--data DIR/labels.csv``."""
import csv
import os
from pathlib import Path

import numpy as np
from PIL import Image

from .._files import atomic_write
from ..classes import GALAXY_CLASSES


def write_image_folder(dataset, out_dir):
    """``out_dir/images/00000.png ...`` and ``out_dir/labels.csv`` (file,label); returns the CSV path."""
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


def _synth_chunk(arguments):
    from .synth import synthesize_galaxies

    n, size, seed, index = arguments
    return synthesize_galaxies(n, size, seed=[seed, index])


def write_synthetic_npz(path, n, size=128, seed=0, chunk=500, workers=None):
    """Generate ``n`` procedural galaxies straight into an original-format
    ``.npz``, ``chunk`` at a time (in ``workers`` processes), so any ``n``
    fits in memory.  Chunk k is drawn with seed (seed, k): the file is the
    same for the same arguments, whatever the number of workers."""
    from concurrent.futures import ProcessPoolExecutor

    from .disk import write_npz_in_chunks

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
