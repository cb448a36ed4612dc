"""``fastcnn train --normalize per-channel``: the statistics it stores, and every command applying them."""
import json
import os
import signal

import numpy as np
import pytest
from click.testing import CliRunner

import fastcnn
from fastcnn.data import decode_image, load_dataset, stratified_split
from fastcnn_cli import callbacks as cli_callbacks
from fastcnn_cli.main import cli
from tests.test_cli import write_shapes

OPTIONS = ("--image-size", 24, "--epochs", 3, "--batch-size", 4, "--learning-rate", 0.01, "--normalize",
           "per-channel", "--lr-schedule", "warmup:1,cosine", "--quiet", "--no-plots")


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTCNN_CACHE_DIR", str(tmp_path / "cache"))


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def labels_csv(tmp_path):
    """30 small PNG images of 3 classes whose channels differ in mean and spread."""
    return write_shapes(tmp_path, blue=100)


def explicit(model, pixels):
    """The model's probabilities with the standardisation done by hand, in float64, before a plain copy."""
    plain = fastcnn.Sequential.from_config(model.get_config())
    plain.set_weights(model.get_weights())
    normalize = model.preprocessing.normalize
    x = (pixels / 255.0 - np.array(normalize.mean)) / np.array(normalize.std)
    return plain.predict(x.astype(np.float32))


def test_train_stores_the_training_splits_statistics_and_every_command_applies_them(labels_csv, tmp_path):
    out = tmp_path / "m.npz"
    result = run("train", "--data", labels_csv, *OPTIONS, "--out", out)
    assert result.exit_code == 0, result.output
    assert "Inputs standardised per channel: mean (" in result.output
    model = fastcnn.load_model(out)
    dataset = load_dataset(str(labels_csv), image_size=(24, 24))
    train_index, _ = stratified_split(dataset.labels, 0.2, 0)
    values = np.asarray(dataset.images)[train_index].reshape(-1, 3) / 255.0
    np.testing.assert_allclose(model.preprocessing.normalize.mean, values.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(model.preprocessing.normalize.std, values.std(axis=0), rtol=1e-12)
    assert "standardised per channel" in run("summary", out).output

    report = json.loads(run("evaluate", out, "--json").output)
    assert report["loss"] == pytest.approx(model.training_info.history["val_loss"][-1], rel=1e-6)
    files = [labels_csv.parent / "imgs" / f"{i}.png" for i in range(4)]
    predicted = json.loads(run("predict", out, *files, "--json").output)
    pixels = np.stack([decode_image(f, (24, 24), None) for f in files])
    expected = explicit(model, pixels)
    found = np.array([[p["probabilities"][c] for c in model.class_names] for p in predicted])
    np.testing.assert_allclose(found, expected, atol=2e-6)
    result = run("visualize", out, files[0], "--out", tmp_path / "viz")
    assert result.exit_code == 0, result.output


def test_resuming_a_standardised_warmup_run_is_bit_identical(labels_csv, tmp_path, monkeypatch):
    straight = run("train", "--data", labels_csv, *OPTIONS, "--out", tmp_path / "straight.npz")
    assert straight.exit_code == 0, straight.output
    original = cli_callbacks.Checkpointer.on_epoch_end

    def on_epoch_end(self, epoch, logs=None):
        original(self, epoch, logs)
        if epoch == 0:
            os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C after the warm-up epoch

    monkeypatch.setattr(cli_callbacks.Checkpointer, "on_epoch_end", on_epoch_end)
    interrupted = run("train", "--data", labels_csv, *OPTIONS, "--out", tmp_path / "resumed.npz")
    assert interrupted.exit_code == 130, interrupted.output
    monkeypatch.setattr(cli_callbacks.Checkpointer, "on_epoch_end", original)
    resumed = run("train", "--resume", tmp_path / "resumed.checkpoints", "--quiet", "--no-plots")
    assert resumed.exit_code == 0, resumed.output
    a, b = fastcnn.load_model(tmp_path / "straight.npz"), fastcnn.load_model(tmp_path / "resumed.npz")
    assert a.preprocessing == b.preprocessing and a.preprocessing.normalize is not None
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert a.training_info.history == b.training_info.history
    assert a.training_info.history["learning_rate"] == pytest.approx([0.005, 0.01, 0.005])


def test_a_bad_normalize_value_is_a_usage_error(tmp_path):
    result = run("train", "--normalize", "global", "--out", tmp_path / "m.npz")
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and "Invalid value for '--normalize'" in errors[0], result.output


def test_fine_tuning_keeps_the_standardisation_its_weights_expect(labels_csv, tmp_path):
    first = run("train", "--data", labels_csv, *OPTIONS, "--out", tmp_path / "first.npz")
    assert first.exit_code == 0, first.output
    tuned = run("train", "--data", labels_csv, "--model", tmp_path / "first.npz", "--epochs", 1, "--quiet",
                "--no-plots", "--no-checkpoints", "--out", tmp_path / "tuned.npz")
    assert tuned.exit_code == 0, tuned.output
    before, after = (fastcnn.load_model(tmp_path / f"{name}.npz") for name in ("first", "tuned"))
    assert after.preprocessing.normalize == before.preprocessing.normalize is not None
