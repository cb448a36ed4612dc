"""Every --data format, the stratified split and the decode cache."""
import csv
import os

import numpy as np
import pytest
from PIL import Image

from fastcnn.data import Dataset, load_builtin, load_dataset, stratified_split, write_image_folder
from fastcnn.errors import DataError, InvalidArgumentError

CLASSES = ("Normal", "Ringed", "Merger", "Other")


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTCNN_CACHE_DIR", str(tmp_path / "cache"))


def image_folder(tmp_path, n=12, size=20, layout="csv"):
    """n small PNGs of 3 classes, as a labels CSV or as class folders."""
    rng = np.random.default_rng(0)
    labels = ["disc", "ring", "blob"]
    rows = []
    for i in range(n):
        label = labels[i % 3]
        folder = tmp_path / ("imgs" if layout == "csv" else label)
        folder.mkdir(exist_ok=True)
        pixels = rng.integers(0, 256, (size, size + 4, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{i}.png")
        rows.append((f"imgs/{i}.png", label))
    if layout == "csv":
        with open(tmp_path / "labels.csv", "w", newline="") as f:
            csv.writer(f).writerows([("file", "label")] + rows)
        return tmp_path / "labels.csv"
    return tmp_path


def test_npz_in_the_original_format(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, (8, 128, 128, 3), dtype=np.uint8)
    labels = np.eye(4)[[0, 1, 2, 3, 0, 1, 2, 3]]
    np.savez(tmp_path / "galaxydata.npz", data=data, labels=labels)
    dataset = load_dataset(tmp_path / "galaxydata.npz")
    assert dataset.class_names == CLASSES
    assert dataset.images.dtype == np.uint8 and np.array_equal(dataset.images, data)
    np.testing.assert_array_equal(dataset.one_hot(), labels)


def test_npz_float_pixels(tmp_path):
    data = np.random.default_rng(0).random((4, 16, 16, 3))
    np.savez(tmp_path / "unit.npz", data=data, labels=np.eye(4))
    dataset = load_dataset(tmp_path / "unit.npz", image_size=(16, 16))
    assert dataset.images.dtype == np.float32
    np.testing.assert_allclose(dataset.images, data, rtol=1e-6)
    np.savez(tmp_path / "whole.npz", data=np.round(data * 255), labels=np.eye(4))
    dataset = load_dataset(tmp_path / "whole.npz", image_size=(16, 16))
    assert dataset.images.dtype == np.uint8 and "converted to uint8" in dataset.notes[0]


def test_npz_of_another_size_than_the_model_input(tmp_path):
    np.savez(tmp_path / "small.npz", data=np.zeros((2, 32, 32, 3), np.uint8), labels=np.eye(4)[:2])
    with pytest.raises(DataError, match="images are 32x32 but the model takes 64x64 .*--image-size 32"):
        load_dataset(tmp_path / "small.npz", image_size=(64, 64))


@pytest.mark.parametrize("arrays,message", [
    (dict(data=np.zeros((2, 8, 8, 3), np.uint8)), "missing array 'labels'"),
    (dict(data=np.zeros((2, 8, 8, 3), np.uint8), labels=np.eye(4)[:3]), "2 images but 3 label rows"),
    (dict(data=np.zeros((2, 8, 8, 3), np.uint8), labels=np.array([[1, 1, 0, 0], [1, 0, 0, 0]])), "must be one-hot rows; row 0"),
    (dict(data=np.full((2, 8, 8, 3), 300.0), labels=np.eye(4)[:2]), r"pixel values must be uint8, floats in \[0, 1\]"),
    (dict(data=np.full((2, 8, 8, 3), np.nan), labels=np.eye(4)[:2]), "NaN or infinite"),
    (dict(data=np.zeros((2, 8, 8, 5), np.uint8), labels=np.eye(4)[:2]), r"must be \(N, H, W, 3\) images"),
])
def test_bad_npz_files_are_explained(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DataError, match=message):
        load_dataset(tmp_path / "bad.npz", image_size=(8, 8))


def test_npz_with_pickled_objects_is_refused(tmp_path):
    np.savez(tmp_path / "evil.npz", data=np.array([object()], dtype=object), labels=np.eye(4)[:1])
    with pytest.raises(DataError, match="never unpickles"):
        load_dataset(tmp_path / "evil.npz")


def test_labels_csv(tmp_path):
    dataset = load_dataset(image_folder(tmp_path), image_size=(16, 16))
    assert dataset.class_names == ("blob", "disc", "ring")  # sorted
    assert dataset.images.shape == (12, 16, 16, 3) and dataset.images.dtype == np.uint8
    assert dataset.class_counts() == {"blob": 4, "disc": 4, "ring": 4}
    assert dataset.files[0].endswith("imgs/0.png")
    assert dataset.labels[0] == 1  # image 0 is a disc


def test_labels_csv_with_other_columns_and_a_fixed_class_order(tmp_path):
    csv_path = image_folder(tmp_path)
    rows = list(csv.reader(open(csv_path)))
    with open(tmp_path / "other.csv", "w", newline="") as f:
        csv.writer(f).writerows([["path", "kind"]] + rows[1:])
    dataset = load_dataset(tmp_path / "other.csv", image_size=(8, 8), file_column="path", label_column="kind",
                           class_names=("ring", "disc", "blob"))
    assert dataset.class_names == ("ring", "disc", "blob") and dataset.labels[0] == 1


def test_class_folders(tmp_path):
    dataset = load_dataset(image_folder(tmp_path, layout="folders"), image_size=(8, 8))
    assert dataset.class_names == ("blob", "disc", "ring")
    assert len(dataset) == 12 and dataset.class_counts()["ring"] == 4


@pytest.mark.parametrize("edit,message", [
    (lambda p: p.write_text("file,label\n"), "no rows below the header"),
    (lambda p: p.write_text("file,class\nimgs/0.png,disc\n"), "no column 'label' .*--label-column"),
    (lambda p: p.write_text("file,label\nimgs/0.png,disc\nimgs/0.png,ring\n"), "is listed twice"),
    (lambda p: p.write_text("file,label\nimgs/missing.png,disc\n"), "image not found: .*missing.png"),
    (lambda p: p.write_text("file,label\nimgs/0.png,\n"), "line 2: empty label"),
])
def test_csv_problems_are_explained(tmp_path, edit, message):
    csv_path = image_folder(tmp_path, n=3)
    edit(csv_path)
    with pytest.raises(DataError, match=message):
        load_dataset(csv_path, image_size=(8, 8))


def test_labels_outside_the_model_classes(tmp_path):
    with pytest.raises(DataError, match="unknown label.*'blob'.*the classes are Normal, Ringed, Merger, Other"):
        load_dataset(image_folder(tmp_path), image_size=(8, 8), class_names=CLASSES)


def test_unknown_data_kinds(tmp_path):
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(DataError, match="cannot tell what .*x.txt is"):
        load_dataset(tmp_path / "x.txt")
    with pytest.raises(DataError, match="data not found"):
        load_dataset(tmp_path / "nothing.csv")


def test_decode_cache_is_used_and_invalidated(tmp_path):
    csv_path = image_folder(tmp_path)
    first = load_dataset(csv_path, image_size=(16, 16), crop=0.8)
    assert any("cached in" in note for note in first.notes)
    second = load_dataset(csv_path, image_size=(16, 16), crop=0.8)
    assert any("loaded from the cache" in note for note in second.notes)
    np.testing.assert_array_equal(first.images, second.images)
    # other preprocessing: another entry
    third = load_dataset(csv_path, image_size=(16, 16), crop=0.9)
    assert not any("loaded from the cache" in note for note in third.notes)
    # a file changes on disk: decoded again, and the new pixels are seen
    image = tmp_path / "imgs" / "0.png"
    Image.fromarray(np.zeros((20, 24, 3), np.uint8)).save(image)
    os.utime(image, ns=(1, 1))
    fourth = load_dataset(csv_path, image_size=(16, 16), crop=0.8)
    assert not any("loaded from the cache" in note for note in fourth.notes)
    assert fourth.images[0].max() == 0
    assert load_dataset(csv_path, image_size=(16, 16), crop=0.8, use_cache=False).notes == []


def test_a_corrupt_cache_entry_is_ignored(tmp_path):
    csv_path = image_folder(tmp_path)
    first = load_dataset(csv_path, image_size=(16, 16))
    for entry in (tmp_path / "cache" / "decoded").iterdir():
        entry.write_bytes(b"garbage")
    again = load_dataset(csv_path, image_size=(16, 16))
    np.testing.assert_array_equal(first.images, again.images)


def test_stratified_split_keeps_proportions_and_is_seeded():
    labels = np.array([0] * 50 + [1] * 30 + [2] * 20)
    train, val = stratified_split(labels, 0.2, seed=3)
    assert len(val) == 20 and len(train) == 80
    assert sorted(set(train) | set(val)) == list(range(100)) and not set(train) & set(val)
    assert np.bincount(labels[val]).tolist() == [10, 6, 4]
    again = stratified_split(labels, 0.2, seed=3)
    assert np.array_equal(train, again[0]) and np.array_equal(val, again[1])
    assert not np.array_equal(val, stratified_split(labels, 0.2, seed=4)[1])
    with pytest.raises(InvalidArgumentError, match=r"must be in \[0, 1\), got 1.0"):
        stratified_split(labels, 1.0)


def test_builtin_data_is_deterministic_and_cached(tmp_path):
    first = load_builtin((32, 32), n=40)
    second = load_builtin((32, 32), n=40)
    assert any("loaded from the cache" in note for note in second.notes)
    np.testing.assert_array_equal(first.images, second.images)
    np.testing.assert_array_equal(first.labels, second.labels)
    assert first.class_names == CLASSES and first.images.dtype == np.uint8


def test_written_image_folder_loads_back_identically(tmp_path):
    dataset = load_builtin((32, 32), n=12)
    csv_path = write_image_folder(dataset, tmp_path / "out")
    again = load_dataset(csv_path, image_size=(32, 32), class_names=CLASSES)
    np.testing.assert_array_equal(again.images, dataset.images)  # PNG is lossless
    np.testing.assert_array_equal(again.labels, dataset.labels)


def test_dataset_describes_imbalance():
    dataset = Dataset(images=np.zeros((10, 2, 2, 3), np.uint8), labels=[0] * 8 + [1] * 2, class_names=("a", "b"))
    text = dataset.describe_counts()
    assert text.startswith("a 8, b 2 (majority-class baseline 0.800)") and "imbalanced" in text
