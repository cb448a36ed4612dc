"""Model files: exact round trips, exact resumption, atomic saves, and
clear one-line refusals of anything that is not a valid model file."""
import zipfile

import numpy as np
import pytest

import fastcnn
from fastcnn import io as model_io
from fastcnn.errors import ModelFileError
from tests.helpers import rewrite_model_file


def trained_model(seed=0, steps=3):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (15, 32, 32, 3), dtype=np.uint8)
    y = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 15)]
    model = fastcnn.galaxy_classifier(input_shape=(32, 32, 3), seed=seed)
    model.compile(fastcnn.Adam(1e-2), "categorical_crossentropy", ["categorical_accuracy", "auc"])
    model.class_names = ("Normal", "Ringed", "Merger", "Other")
    model.preprocessing = fastcnn.Preprocessing((32, 32), 0.5)
    model.fit(x, y, epochs=1, batch_size=5, verbose=0)
    return model, x, y


def test_round_trip_keeps_predictions_and_metadata(tmp_path):
    model, x, _ = trained_model()
    path = fastcnn.save_model(model, tmp_path / "m.npz", training=fastcnn.TrainingRecord(epochs_done=1))
    loaded = fastcnn.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.class_names == model.class_names
    assert loaded.preprocessing == model.preprocessing
    assert loaded.preprocessing.crop == 0.5 and loaded.preprocessing.image_size == (32, 32)
    assert loaded.training_info == fastcnn.TrainingRecord(epochs_done=1)
    assert loaded.get_config() == model.get_config()
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.optimizer.iterations == model.optimizer.iterations == 3


def test_training_resumed_from_a_file_continues_exactly(tmp_path):
    straight, x, y = trained_model()
    resumed = fastcnn.load_model(fastcnn.save_model(straight, tmp_path / "m.npz"))
    h1 = straight.fit(x, y, epochs=2, batch_size=5, verbose=0)
    h2 = resumed.fit(x, y, epochs=2, batch_size=5, verbose=0)  # shuffling continues too
    assert h1 == h2
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path, monkeypatch):
    model, _, _ = trained_model()
    path = fastcnn.save_model(model, tmp_path / "m.npz")
    before = path.read_bytes()

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", explode)
    with pytest.raises(OSError, match="disk full"):
        fastcnn.save_model(model, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def rewrite(path, edit_config=None, edit_arrays=None):
    rewrite_model_file(path, edit_config=edit_config, edit_arrays=edit_arrays)


@pytest.mark.parametrize("break_it,message", [
    (lambda p: p.write_bytes(b""), "not a fastcnn model file"),
    (lambda p: p.write_bytes(b"\x00garbage" * 10), "not a fastcnn model file"),
    (lambda p: p.write_bytes(p.read_bytes()[:2000]), "not a fastcnn model file|unreadable"),
    (lambda p: np.savez(p, weights=np.zeros(3)), r"no 'config' entry"),
    (lambda p: np.save(p.with_suffix(".npy"), np.zeros(3)) or p.with_suffix(".npy").rename(p), "single .npy array"),
    (lambda p: zipfile.ZipFile(p, "w").writestr("hello.txt", "hi"), "no 'config' entry"),
    (lambda p: rewrite(p, lambda c: c.update(format_version=99)), "newer fastcnn .*upgrade fastcnn"),
    (lambda p: rewrite(p, lambda c: c.update(format="keras")), "not a fastcnn model file"),
    (lambda p: rewrite(p, lambda c: c["model"]["layers"].append({"class_name": "Lambda", "config": {}})),
     "unknown layer type 'Lambda'"),
    (lambda p: rewrite(p, edit_arrays=lambda a: a.update(weight_0=np.zeros((3, 3, 3, 9), np.float32))),
     "weight list does not match|weight conv2d/kernel is float32"),
    (lambda p: rewrite(p, edit_arrays=lambda a: a.update(weight_1=np.zeros(8, np.float64))),
     r"weight conv2d/bias is float64\[8\], expected float32\[8\]"),
    (lambda p: rewrite(p, edit_arrays=lambda a: a.update(weight_1=np.array([object()] * 8))), "never unpickles"),
    (lambda p: rewrite(p, edit_arrays=lambda a: a.update(weight_1=np.full(8, np.nan, np.float32))), "NaN"),
    (lambda p: rewrite(p, edit_arrays=lambda a: a.pop("slot_m_3")), "array 'slot_m_3' is missing"),
])
def test_broken_or_foreign_files_are_refused_in_one_line(tmp_path, break_it, message):
    model, _, _ = trained_model()
    path = fastcnn.save_model(model, tmp_path / "m.npz")
    break_it(path)
    with pytest.raises(ModelFileError, match=message) as info:
        fastcnn.load_model(path)
    assert "\n" not in str(info.value)


def test_missing_model_file():
    with pytest.raises(ModelFileError, match="model file not found: nowhere.npz"):
        fastcnn.load_model("nowhere.npz")


def test_config_is_readable_without_loading_weights(tmp_path):
    model, _, _ = trained_model()
    config = model_io.read_config(fastcnn.save_model(model, tmp_path / "m.npz"))
    assert config["format"] == "fastcnn-model" and config["class_names"][1] == "Ringed"
