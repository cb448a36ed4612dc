"""Data sets larger than memory: rows read from disk on demand."""
import numpy as np
import pytest

import fastcnn
from fastcnn.data.disk import DiskArray, npz_member
from fastcnn.data.export import write_npz_in_chunks, write_synthetic_npz
from fastcnn.data.npz import load_npz
from fastcnn.errors import DataError


@pytest.fixture
def stored(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (37, 8, 8, 3), dtype=np.uint8)
    labels = rng.integers(0, 4, 37)
    path = write_npz_in_chunks(tmp_path / "g.npz", 37, (8, 8, 3), (images[i:i + 10] for i in range(0, 37, 10)),
                               labels, ("Normal", "Ringed", "Merger", "Other"))
    return path, images, labels


def test_chunked_npz_is_an_ordinary_npz(stored):
    path, images, labels = stored
    with np.load(path, allow_pickle=False) as archive:
        np.testing.assert_array_equal(archive["data"], images)
        np.testing.assert_array_equal(archive["labels"].argmax(1), labels)


def test_disk_array_reads_rows_slices_and_subsets(stored):
    path, images, _ = stored
    disk = npz_member(path, "data")
    assert isinstance(disk, DiskArray) and disk.shape == images.shape and disk.dtype == np.uint8
    np.testing.assert_array_equal(disk[[5, 2, 3, 36, 0]], images[[5, 2, 3, 36, 0]])
    np.testing.assert_array_equal(disk[10:20], images[10:20])
    np.testing.assert_array_equal(disk[-1], images[-1])
    sub = disk.subset([7, 30, 1])
    assert len(sub) == 3
    np.testing.assert_array_equal(sub[[2, 0]], images[[1, 7]])
    np.testing.assert_array_equal(np.asarray(sub), images[[7, 30, 1]])
    with pytest.raises(IndexError, match=r"row index out of range for \d+ rows"):
        disk[[37]]
    np.testing.assert_array_equal(disk.subset([-1, 0])[0], images[-1])  # negative: from the end
    with pytest.raises(IndexError, match=r"row index out of range for \d+ rows"):
        disk.subset([len(images)])


def test_truncated_file_is_reported(stored, tmp_path):
    path, _, _ = stored
    data = path.read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[:5000])
    with pytest.raises(DataError, match=r"cut\.npz: not a readable \.npz file"):
        load_npz(cut, (8, 8), stream_bytes=0)


def test_large_npz_is_streamed_and_trains_like_in_memory(stored):
    path, images, labels = stored
    streamed = load_npz(path, (8, 8), stream_bytes=0)       # everything counts as "large"
    in_memory = load_npz(path, (8, 8))
    assert isinstance(streamed.images, DiskArray) and isinstance(in_memory.images, np.ndarray)
    assert "read from disk batch by batch" in streamed.notes[0]
    histories, weights = [], []
    for dataset in (streamed, in_memory):
        model = fastcnn.Sequential([fastcnn.Conv2D(4, 3, activation="relu"), fastcnn.MaxPool2D(2), fastcnn.Flatten(),
                                    fastcnn.Dense(4, activation="softmax")], input_shape=(8, 8, 3), seed=1)
        model.compile(fastcnn.Adam(1e-2))
        part = dataset.subset(np.arange(30))
        histories.append(model.fit(part.images, part.one_hot(), epochs=2, batch_size=4, verbose=0,
                                   validation_data=(dataset.subset(np.arange(30, 37)).images,
                                                    dataset.subset(np.arange(30, 37)).one_hot())))
        weights.append(model.get_weights())
    assert histories[0] == histories[1]
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


def test_synthetic_npz_is_deterministic_whatever_the_worker_count(tmp_path):
    one = write_synthetic_npz(tmp_path / "one.npz", 10, size=16, seed=3, chunk=4, workers=1)
    two = write_synthetic_npz(tmp_path / "two.npz", 10, size=16, seed=3, chunk=4, workers=2)
    with np.load(one) as a, np.load(two) as b:
        np.testing.assert_array_equal(a["data"], b["data"])
        np.testing.assert_array_equal(a["labels"], b["labels"])
        assert a["data"].shape == (10, 16, 16, 3)
