"""``fastcnn train --early-stopping / --csv-log / --lr-schedule``, and resuming such a run.

The built-in galaxies at 32x32 with a high learning rate overfit within a few
epochs, so early stopping really stops; every figure checked comes from the
run's own history, CSV file and model file.
"""
import csv
import json
import math
import os
import signal

import numpy as np
import pytest
from click.testing import CliRunner

import fastcnn
from fastcnn_cli import callbacks as cli_callbacks
from fastcnn_cli.main import cli

EPOCHS, RATE, PATIENCE = 30, 0.01, 2


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTCNN_CACHE_DIR", str(tmp_path / "cache"))


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def train(tmp_path, name, *extra):
    return run("train", "--epochs", EPOCHS, "--image-size", 32, "--learning-rate", RATE, "--quiet", "--no-plots",
               "--early-stopping", PATIENCE, "--lr-schedule", "cosine", "--csv-log", tmp_path / f"{name}.csv",
               "--out", tmp_path / f"{name}.npz", *extra)


def read_csv(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """One uninterrupted run; (folder, CLI output, model) shared by the tests below."""
    tmp_path = tmp_path_factory.mktemp("straight")
    os.environ["FASTCNN_CACHE_DIR"] = str(tmp_path / "cache")
    try:
        result = train(tmp_path, "straight")
    finally:
        del os.environ["FASTCNN_CACHE_DIR"]
    assert result.exit_code == 0, result.output
    return tmp_path, result.output, fastcnn.load_model(tmp_path / "straight.npz")


def test_early_stopping_stops_after_patience_and_keeps_the_best_weights(straight):
    tmp_path, output, model = straight
    record = model.training_info
    val_loss = record.history["val_loss"]
    best = int(np.argmin(val_loss))
    assert record.stopped_early and record.epochs_done == len(val_loss) < EPOCHS
    # Keras's rule: stop once `patience` epochs in a row failed to beat the best
    assert len(val_loss) - 1 - best == PATIENCE
    assert all(v >= val_loss[best] for v in val_loss[best + 1:])
    assert f"stopped early after epoch {len(val_loss)}; keeping the weights of epoch {best + 1}" in output
    assert record.settings.early_stopping == PATIENCE and record.settings.lr_schedule == "cosine"
    # the saved weights are the best epoch's: evaluating them gives that epoch's val_loss again
    result = run("evaluate", tmp_path / "straight.npz", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["loss"] == pytest.approx(val_loss[best], rel=1e-5)
    assert "(stopped early)" in run("summary", tmp_path / "straight.npz").output


def test_csv_log_has_one_row_per_epoch_with_the_cosine_learning_rate(straight):
    tmp_path, _, model = straight
    rows = read_csv(tmp_path / "straight.csv")
    history = model.training_info.history
    assert [int(row["epoch"]) for row in rows] == list(range(len(history["loss"])))
    assert set(rows[0]) == {"epoch"} | set(history)
    for epoch, row in enumerate(rows):
        assert float(row["val_loss"]) == history["val_loss"][epoch]
        assert float(row["learning_rate"]) == pytest.approx(RATE * 0.5 * (1 + math.cos(math.pi * epoch / EPOCHS)))


def test_a_run_that_stopped_early_is_not_resumed(straight):
    tmp_path, _, _ = straight
    result = run("train", "--resume", tmp_path / "straight.checkpoints")
    assert result.exit_code == 2
    assert "nothing to resume, early stopping ended it after epoch" in result.output


def test_resuming_early_stopping_is_bit_identical(straight, tmp_path, monkeypatch):
    _, _, reference = straight
    val_loss = reference.training_info.history["val_loss"]
    # interrupt after an epoch that did not improve: the best weights then live only in best.npz
    stop_after = next(e for e in range(1, len(val_loss) - 1) if val_loss[e] >= min(val_loss[:e]))
    original = cli_callbacks.Checkpointer.on_epoch_end

    def on_epoch_end(self, epoch, logs=None):
        original(self, epoch, logs)
        if epoch == stop_after:
            os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C: StopOnSignal ends the run cleanly

    monkeypatch.setattr(cli_callbacks.Checkpointer, "on_epoch_end", on_epoch_end)
    interrupted = train(tmp_path, "resumed")
    assert interrupted.exit_code == 130, interrupted.output
    assert (tmp_path / "resumed.checkpoints" / "best.npz").is_file()
    monkeypatch.setattr(cli_callbacks.Checkpointer, "on_epoch_end", original)

    resumed = run("train", "--resume", tmp_path / "resumed.checkpoints", "--quiet", "--no-plots")
    assert resumed.exit_code == 0, resumed.output
    assert f"{stop_after + 1} of {EPOCHS} epochs done" in resumed.output
    model = fastcnn.load_model(tmp_path / "resumed.npz")
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.training_info.history == reference.training_info.history
    assert model.training_info.stopped_early
    straight_rows = read_csv(straight[0] / "straight.csv")
    assert read_csv(tmp_path / "resumed.csv") == straight_rows


@pytest.mark.parametrize("args,message", [
    (("--lr-schedule", "step:0:0.5"), "learning-rate schedule must be 'cosine', 'step:EVERY:FACTOR'"),
    (("--lr-schedule", "linear"), "learning-rate schedule must be"),
    (("--early-stopping", 2, "--val-split", 0), "--early-stopping watches val_loss: it needs a validation split"),
])
def test_bad_callback_options_are_one_line_errors(tmp_path, args, message):
    result = run("train", "--epochs", 1, "--image-size", 32, "--out", tmp_path / "m.npz", *args)
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and message in errors[0], result.output
    assert not (tmp_path / "m.npz").exists()


def test_step_schedule_halves_the_rate(tmp_path):
    result = run("train", "--epochs", 5, "--image-size", 32, "--quiet", "--no-plots", "--no-checkpoints",
                 "--lr-schedule", "step:2:0.5", "--csv-log", tmp_path / "log.csv", "--out", tmp_path / "m.npz")
    assert result.exit_code == 0, result.output
    rates = [float(row["learning_rate"]) for row in read_csv(tmp_path / "log.csv")]
    assert rates == [1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4]
    assert fastcnn.load_model(tmp_path / "m.npz").optimizer.learning_rate == pytest.approx(2.5e-4)
