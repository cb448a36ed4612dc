"""``Preprocessing`` and ``TrainingRecord``: parsed and validated in one place,
round-tripped through model files, and old files (plain dicts, fewer keys) still load."""
import numpy as np
import pytest

import fastcnn
from fastcnn.errors import InvalidArgumentError, ModelFileError
from fastcnn.records import DataSource, Preprocessing, Settings, Split, TrainingRecord
from tests.helpers import rewrite_model_file

#: the "training" entry as fastcnn 0.1 wrote it before the records existed
OLD_TRAINING = {
    "data": {"path": None, "source": "built-in galaxies", "file_column": "file", "label_column": "label"},
    "split": {"val_split": 0.2, "seed": 0, "train": 8, "validation": 2},
    "settings": {"epochs": 3, "batch_size": 5, "learning_rate": 0.001, "seed": 0, "out": "/tmp/m.npz"},
    "epochs_done": 3,
    "history": {"loss": [1.3, 1.2, 1.1]},
    "seconds": 4.5,
}


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("records") / "m.npz"
    model = fastcnn.galaxy_classifier(input_shape=(32, 32, 3))
    model.compile(fastcnn.Adam())
    model.class_names = ("a", "b", "c", "d")
    model.preprocessing = Preprocessing((32, 32), crop=0.5)
    fastcnn.save_model(model, path, training=TrainingRecord.from_dict(OLD_TRAINING))
    return path


def test_a_record_round_trips_through_the_model_file(model_file):
    loaded = fastcnn.load_model(model_file)
    assert loaded.preprocessing == Preprocessing((32, 32), 0.5, "uint8 / 255")
    record = loaded.training_info
    assert record.data == DataSource(None, "built-in galaxies", "file", "label")
    assert record.split == Split(0.2, 0, 8, 2)
    assert record.settings == Settings(3, 5, 0.001, 0, "/tmp/m.npz")
    assert (record.epochs_done, record.history, record.seconds, record.stopped_early) == (3, OLD_TRAINING["history"],
                                                                                          4.5, False)
    assert record.to_dict() == TrainingRecord.from_dict(record.to_dict()).to_dict()


def test_files_written_before_the_records_still_load(model_file, tmp_path):
    def old_style(config):
        config["training"] = OLD_TRAINING
        config["preprocessing"] = {"image_size": [32, 32], "crop": None, "pixels": "uint8 / 255"}

    rewrite_model_file(model_file, tmp_path / "old.npz", edit_config=old_style)
    loaded = fastcnn.load_model(tmp_path / "old.npz")
    assert loaded.preprocessing == Preprocessing((32, 32), None)
    assert loaded.training_info.settings.early_stopping is None
    settings = loaded.training_info.settings  # no class weights or label smoothing before they existed
    assert (settings.class_weight, settings.class_weights, settings.label_smoothing) == (None, None, 0.0)
    assert loaded.training_info.history == OLD_TRAINING["history"]


def test_a_file_without_records_loads_with_none_and_an_empty_record(tmp_path):
    model = fastcnn.galaxy_classifier(input_shape=(32, 32, 3))
    path = fastcnn.save_model(model, tmp_path / "bare.npz")
    loaded = fastcnn.load_model(path)
    assert loaded.preprocessing is None
    assert loaded.training_info == TrainingRecord()


@pytest.mark.parametrize("edit,message", [
    (lambda c: c.update(preprocessing={"image_size": [32], "crop": None}), r"image_size must be \(height, width\)"),
    (lambda c: c.update(preprocessing={"image_size": [32, 32], "crop": 1.5}), r"crop"),
    (lambda c: c.update(preprocessing=[1, 2]), r"preprocessing must be a JSON object"),
    (lambda c: c["training"].update(epochs_done=-1), r"epochs_done must be a non-negative integer"),
    (lambda c: c["training"].update(history={"loss": 3}), r"history must map metric names to lists"),
    (lambda c: c["training"]["settings"].update(epochs="12"), r"epochs must be a positive integer"),
    (lambda c: c["training"]["split"].update(val_split=2.0), r"val_split must be in \[0, 1\)"),
    (lambda c: c["training"]["settings"].update(class_weights={"a": -1}), r"class_weights\['a'\] must be a number >= 0"),
    (lambda c: c["training"]["settings"].update(class_weights=[1, 2]), r"class_weights must be a JSON object"),
    (lambda c: c["training"]["settings"].update(label_smoothing=1.0), r"label_smoothing must be in \[0, 1\)"),
    (lambda c: c["training"]["settings"].update(class_weight=3), r"class_weight must be text"),
])
def test_bad_records_are_one_line_model_file_errors(model_file, tmp_path, edit, message):
    rewrite_model_file(model_file, tmp_path / "bad.npz", edit_config=edit)
    with pytest.raises(ModelFileError, match=message):
        fastcnn.load_model(tmp_path / "bad.npz")


def test_preprocessing_checks_its_fields_when_made():
    with pytest.raises(InvalidArgumentError, match="image_size must be a positive integer"):
        Preprocessing((0, 32))
    with pytest.raises(InvalidArgumentError, match="crop"):
        Preprocessing((32, 32), crop=0.0)
    assert Preprocessing([64, 48], 0.25).describe() == "resized to 64x48, central 0.25 kept, pixels uint8 / 255"
    assert np.array_equal(Preprocessing().image_size, (128, 128))
