"""Write a data set as PNG files plus a ``labels.csv``, to look at or to
load back with ``--data DIR/labels.csv``."""
import csv
from pathlib import Path

import numpy as np
from PIL import Image

from .._files import atomic_write


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
