"""Real galaxy cutouts from ../shared/data (skipped where that folder is absent)."""
import csv
from pathlib import Path

import numpy as np
import pytest

from fastcnn.data import load_dataset

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
GZ1 = SHARED / "gz1-small" / "labels4.csv"
RINGS = SHARED / "gz-decals-rings" / "labels.csv"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTCNN_CACHE_DIR", str(tmp_path / "cache"))


def first_rows(csv_path, out, n, label_column="label"):
    """A CSV of the first n rows of each label, beside a link to the shared
    images (paths in a labels CSV must stay inside its folder)."""
    rows, counts = [], {}
    with open(csv_path, newline="") as f:
        for row in csv.DictReader(f):
            label = row[label_column]
            if counts.get(label, 0) < n:
                counts[label] = counts.get(label, 0) + 1
                rows.append((row["file"], label))
    folder = rows[0][0].split("/")[0]
    (out.parent / folder).symlink_to(csv_path.parent / folder, target_is_directory=True)
    with open(out, "w", newline="") as f:
        csv.writer(f).writerows([("file", "label")] + rows)
    return out


@pytest.mark.skipif(not GZ1.exists(), reason="../shared/data/gz1-small is not available")
def test_galaxy_zoo_cutouts_load_cropped_with_the_galaxy_in_the_middle(tmp_path):
    dataset = load_dataset(first_rows(GZ1, tmp_path / "gz1.csv", 5), image_size=(128, 128), crop=0.5)
    assert dataset.class_names == ("Edge-on", "Elliptical", "Merger", "Spiral")
    assert dataset.images.shape == (20, 128, 128, 3) and dataset.images.dtype == np.uint8
    brightness = dataset.images.astype(float).mean(axis=(0, 3))
    centre, border = brightness[48:80, 48:80].mean(), np.concatenate([brightness[:8].ravel(), brightness[-8:].ravel()]).mean()
    assert centre > 2 * border  # the crop keeps the galaxy centred and large


@pytest.mark.skipif(not RINGS.exists(), reason="../shared/data/gz-decals-rings is not available")
def test_decals_ring_cutouts_load_at_their_own_size(tmp_path):
    dataset = load_dataset(first_rows(RINGS, tmp_path / "rings.csv", 4, label_column="ring"), image_size=(128, 128))
    assert dataset.class_names == ("0", "1") and len(dataset) == 8
