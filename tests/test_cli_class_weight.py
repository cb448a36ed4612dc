"""``fastcnn train --class-weight / --label-smoothing`` and the balanced metrics in the train log and
``fastcnn evaluate``: recorded in the model file, refused with one-line errors when wrong."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

import fastcnn
from fastcnn_cli.main import cli
from fastcnn_cli.train_loss import class_weight_argument, class_weights, parse_class_weight


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTCNN_CACHE_DIR", str(tmp_path / "cache"))


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def train(tmp_path, *extra):
    return run("train", "--epochs", 1, "--image-size", 32, "--quiet", "--no-plots", "--no-checkpoints",
               "--out", tmp_path / "m.npz", *extra)


def test_balanced_weights_are_n_over_k_n_class():
    labels = np.array([0] * 6 + [1] * 3 + [2])  # n = 10, k = 3
    assert class_weights("balanced", ("a", "b", "c"), labels) == pytest.approx(
        {"a": 10 / 18, "b": 10 / 9, "c": 10 / 3})
    assert class_weights("balanced", ("a", "b", "c", "d"), labels)["d"] == 1.0  # no training images: nothing to weigh
    assert class_weights(parse_class_weight("b=2.5"), ("a", "b", "c"), labels) == {"a": 1.0, "b": 2.5, "c": 1.0}
    assert class_weights(None, ("a", "b"), labels) is None
    assert class_weight_argument({"a": 1.0, "c": 4.0}, ("a", "b", "c")) == {0: 1.0, 2: 4.0}


def test_train_records_and_uses_class_weights_and_label_smoothing(tmp_path):
    result = train(tmp_path, "--class-weight", "Merger=3,Other=0.5", "--label-smoothing", 0.1)
    assert result.exit_code == 0, result.output
    assert "class weights (Merger=3,Other=0.5) Normal 1, Ringed 1, Merger 3, Other 0.5; label smoothing 0.1" \
        in result.output
    assert "val_categorical_accuracy: " in result.output and " - val_balanced_accuracy: " in result.output
    assert "Validation: categorical_accuracy " in result.output and " - balanced_accuracy " in result.output
    model = fastcnn.load_model(tmp_path / "m.npz")
    settings = model.training_info.settings
    assert settings.class_weight == "Merger=3,Other=0.5"
    assert settings.class_weights == {"Normal": 1.0, "Ringed": 1.0, "Merger": 3.0, "Other": 0.5}
    assert settings.label_smoothing == 0.1 and model.loss.label_smoothing == 0.1
    assert "val_balanced_accuracy" in model.training_info.history
    evaluated = run("evaluate", tmp_path / "m.npz")
    assert evaluated.exit_code == 0, evaluated.output
    assert "balanced_accuracy " in evaluated.output and " - macro_f1 " in evaluated.output
    scores = json.loads(run("evaluate", tmp_path / "m.npz", "--json").output)
    assert 0 <= scores["balanced_accuracy"] <= 1 and 0 <= scores["macro_f1"] <= 1


def test_balanced_class_weight_from_the_training_split(tmp_path):
    result = train(tmp_path, "--class-weight", "balanced")
    assert result.exit_code == 0, result.output
    settings = fastcnn.load_model(tmp_path / "m.npz").training_info.settings
    # the built-in galaxies have 350 of each class: balanced weights are all 1
    assert settings.class_weight == "balanced" and set(settings.class_weights.values()) == {1.0}


@pytest.mark.parametrize("args,message", [
    (("--class-weight", "Bogus=2"), "--class-weight names unknown class 'Bogus'; the classes are Normal, Ringed"),
    (("--class-weight", "Merger=-1"), "--class-weight must be 'balanced' or NAME=WEIGHT,... with weights >= 0, "
                                      "got 'Merger=-1'"),
    (("--class-weight", "Merger"), "got 'Merger'"),
    (("--class-weight", "Merger=x"), "got 'Merger=x'"),
    (("--class-weight", "Merger=nan"), "got 'Merger=nan'"),
    (("--label-smoothing", 1.0), "Invalid value for '--label-smoothing'"),
    (("--label-smoothing", -0.1), "Invalid value for '--label-smoothing'"),
])
def test_bad_options_are_one_line_errors(tmp_path, args, message):
    result = train(tmp_path, *args)
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and message in errors[0], result.output
    assert not (tmp_path / "m.npz").exists()


def test_resume_keeps_the_recorded_class_weights(tmp_path):
    from fastcnn_cli.callbacks import CHECKPOINT_NAME
    from tests.helpers import rewrite_model_file

    result = run("train", "--epochs", 1, "--image-size", 32, "--quiet", "--no-plots", "--out", tmp_path / "m.npz",
                 "--checkpoint-dir", tmp_path / "ck", "--class-weight", "Merger=2", "--label-smoothing", 0.05)
    assert result.exit_code == 0, result.output

    def one_more_epoch(config):
        config["training"]["settings"]["epochs"] = 2

    rewrite_model_file(tmp_path / "ck" / CHECKPOINT_NAME, edit_config=one_more_epoch)
    resumed = run("train", "--resume", tmp_path / "ck", "--quiet", "--no-plots")
    assert resumed.exit_code == 0, resumed.output
    assert "class weights (Merger=2) Normal 1, Ringed 1, Merger 2, Other 1; label smoothing 0.05" in resumed.output
    model = fastcnn.load_model(tmp_path / "m.npz")
    assert model.training_info.epochs_done == 2 and model.loss.label_smoothing == 0.05
    assert model.training_info.settings.class_weights["Merger"] == 2.0
