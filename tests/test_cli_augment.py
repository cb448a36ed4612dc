"""``fastcnn train --augment``, ``--tta`` on train, evaluate and predict, and resuming an augmented run."""
import json
import os
import signal

import numpy as np
import pytest
from click.testing import CliRunner

import fastcnn
from fastcnn_cli import callbacks as cli_callbacks
from fastcnn_cli.main import cli
from tests.test_cli import shapes_csv  # noqa: F401  (the fixture: 30 small 24x24 images of 3 classes)

EPOCHS = 4


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTCNN_CACHE_DIR", str(tmp_path / "cache"))


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def train(data, out, *extra):
    return run("train", "--data", data, "--image-size", 24, "--epochs", EPOCHS, "--batch-size", 4,
               "--learning-rate", 0.01, "--augment", "dihedral", "--quiet", "--no-plots", "--out", out, *extra)


def test_an_interrupted_augmented_run_resumes_bit_identically(tmp_path, shapes_csv, monkeypatch):  # noqa: F811
    straight = train(shapes_csv, tmp_path / "straight.npz", "--tta")
    assert straight.exit_code == 0, straight.output
    assert f"batch size 4, {EPOCHS} epochs, dihedral augmentation" in straight.output
    assert "Validation, averaged over 8 views (rotations and mirror images): categorical_accuracy" in straight.output
    reference = fastcnn.load_model(tmp_path / "straight.npz")
    assert reference.augment == "dihedral" and reference.training_info.settings.augment == "dihedral"

    original = cli_callbacks.Checkpointer.on_epoch_end

    def on_epoch_end(self, epoch, logs=None):
        original(self, epoch, logs)
        if epoch == 1:
            os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C: StopOnSignal ends the run after the next batch

    monkeypatch.setattr(cli_callbacks.Checkpointer, "on_epoch_end", on_epoch_end)
    interrupted = train(shapes_csv, tmp_path / "resumed.npz")
    assert interrupted.exit_code == 130, interrupted.output
    monkeypatch.setattr(cli_callbacks.Checkpointer, "on_epoch_end", original)
    resumed = run("train", "--resume", tmp_path / "resumed.checkpoints", "--quiet", "--no-plots")
    assert resumed.exit_code == 0, resumed.output
    assert f"2 of {EPOCHS} epochs done" in resumed.output and "dihedral augmentation" in resumed.output
    model = fastcnn.load_model(tmp_path / "resumed.npz")
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.training_info.history == reference.training_info.history
    assert model.augment_rng.bit_generator.state == reference.augment_rng.bit_generator.state

    summary = run("summary", tmp_path / "resumed.npz")
    assert "Augmentation: dihedral (trained on random rotations by 90 degrees and mirror images)" in summary.output


def test_evaluate_and_predict_average_the_views(tmp_path, shapes_csv):  # noqa: F811
    out = tmp_path / "flip.npz"
    result = train(shapes_csv, out, "--augment", "flip", "--no-checkpoints")
    assert result.exit_code == 0, result.output
    model = fastcnn.load_model(out)
    assert model.augment == "flip"
    plain, averaged = (json.loads(run("evaluate", out, "--json", *tta).output) for tta in ((), ("--tta",)))
    assert (plain["tta"], averaged["tta"]) == (False, True)
    assert "Test-time averaging over 2 views (the image and its mirror)" in run("evaluate", out, "--tta").output
    predicted = json.loads(run("predict", out, "--data", shapes_csv, "--json", "--tta", "--limit", 3).output)
    dataset = fastcnn.data.load_dataset(str(shapes_csv), image_size=(24, 24))
    expected, files = model.predict(dataset.images, tta=True), [str(f) for f in dataset.files]
    assert len(predicted) == 3
    for result in predicted:
        assert list(result["probabilities"].values()) == pytest.approx(expected[files.index(result["file"])], abs=2e-6)


def test_an_unknown_augmentation_is_a_one_line_error(tmp_path, shapes_csv):  # noqa: F811
    result = train(shapes_csv, tmp_path / "m.npz", "--augment", "spin")
    assert result.exit_code == 2
    assert "Invalid value for '--augment': 'spin' is not one of 'dihedral', 'flip'" in result.output
    assert not (tmp_path / "m.npz").exists()
