"""Keras's callbacks, each held to Keras 3's semantics: the hooks are driven by
hand with made-up logs (so every rule is visible), then inside real fits."""
import csv
import math

import numpy as np
import pytest

import fastcnn
from fastcnn import SGD, Adam, Conv2D, Dense, Flatten, MaxPool2D, Sequential
from fastcnn.callbacks import (Callback, CSVLogger, EarlyStopping, History, LearningRateScheduler, ModelCheckpoint,
                               ReduceLROnPlateau, TerminateOnNaN, cosine_decay, parse_schedule, step_decay)
from fastcnn.errors import InvalidArgumentError, TrainingDivergedError


class FakeModel:
    """Just what the callbacks touch: weights, stop_training, an optimizer."""

    def __init__(self):
        self.weights, self.stop_training = [np.zeros(1)], False
        self.optimizer = SGD(0.1)

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [w.copy() for w in weights]


def drive(callback, values, key="val_loss"):
    """Run ``callback`` through epochs whose ``key`` takes ``values``; the model's weight is the epoch.

    Returns the epoch after which training stopped (None if it did not) and the model.
    """
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    stopped = None
    for epoch, value in enumerate(values):
        callback.on_epoch_begin(epoch)
        model.weights = [np.array([float(epoch)])]
        callback.on_epoch_end(epoch, {key: value})
        if model.stop_training:
            stopped = epoch
            break
    callback.on_train_end()
    return stopped, model


def small_model(seed=0):
    model = Sequential([Conv2D(8, 3, activation="relu"), MaxPool2D(2), Flatten(), Dense(3, activation="softmax")],
                       input_shape=(10, 10, 2), seed=seed)
    return model.compile(Adam(1e-2), "categorical_crossentropy", ["categorical_accuracy"])


def data(n=30, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 10, 10, 2), dtype=np.float32), np.eye(3, dtype=np.float32)[rng.integers(0, 3, n)]


# -- EarlyStopping ------------------------------------------------------------------------
def test_early_stopping_waits_patience_epochs_without_improvement():
    # best 0.5 at epoch 1; epochs 2, 3 do not improve: patience 2 stops after epoch 3
    assert drive(EarlyStopping(patience=2), [1.0, 0.5, 0.6, 0.55, 0.1])[0] == 3
    assert drive(EarlyStopping(patience=0), [1.0, 0.5, 0.6])[0] == 2
    # the first epoch never stops training, whatever patience says
    assert drive(EarlyStopping(patience=0), [1.0, 0.5, 0.4, 0.3])[0] is None


def test_early_stopping_min_delta_mode_and_baseline():
    # improvements smaller than min_delta do not count
    assert drive(EarlyStopping(patience=1, min_delta=0.1), [1.0, 0.95, 0.92])[0] == 1
    # accuracy-like metrics go up ("auto" knows fastcnn's metrics), or say mode="max"
    assert drive(EarlyStopping(monitor="val_auc", patience=1), [0.5, 0.6, 0.55], "val_auc")[0] == 2
    assert drive(EarlyStopping(monitor="score", mode="max", patience=1), [1, 2, 3, 2], "score")[0] == 3
    # improving without beating the baseline does not reset the count (Keras 3)
    assert drive(EarlyStopping(patience=2, baseline=0.1), [1.0, 0.9, 0.95, 0.97])[0] == 2
    assert drive(EarlyStopping(patience=2), [1.0, 0.9, 0.95, 0.97])[0] == 3
    with pytest.raises(InvalidArgumentError, match="cannot tell whether 'val_score' should go up or down"):
        drive(EarlyStopping(monitor="val_score"), [1.0], "val_score")
    with pytest.raises(InvalidArgumentError, match="mode must be 'auto', 'min' or 'max'"):
        EarlyStopping(mode="up")


def test_early_stopping_restores_the_best_epochs_weights():
    stopped, model = drive(EarlyStopping(patience=2, restore_best_weights=True), [1.0, 0.3, 0.5, 0.4, 0.2])
    assert stopped == 3 and model.weights[0][0] == 1.0  # epoch 1 had the best val_loss
    # without a stop, still restored at the end (Keras 3)
    _, model = drive(EarlyStopping(patience=5, restore_best_weights=True), [1.0, 0.3, 0.5])
    assert model.weights[0][0] == 1.0
    _, model = drive(EarlyStopping(patience=5), [1.0, 0.3, 0.5])
    assert model.weights[0][0] == 2.0


def test_early_stopping_start_from_epoch_and_missing_monitor():
    assert drive(EarlyStopping(patience=0, start_from_epoch=2), [0.1, 0.5, 0.9, 1.0])[0] == 3
    with pytest.warns(UserWarning, match="'val_loss', which is not in the logs"):
        assert drive(EarlyStopping(patience=0), [1.0, 2.0], key="loss")[0] is None


# -- ReduceLROnPlateau ----------------------------------------------------------------------
def test_reduce_lr_on_plateau_patience_cooldown_and_floor():
    callback = ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2, min_lr=0.02)
    model = FakeModel()  # learning rate 0.1
    callback.set_model(model)
    callback.on_train_begin()
    rates = []
    for epoch, value in enumerate([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]):
        logs = {"val_loss": value}
        callback.on_epoch_end(epoch, logs)
        rates.append(round(model.optimizer.learning_rate, 6))
        assert logs["learning_rate"] == pytest.approx(rates[-2] if len(rates) > 1 else 0.1)  # logged before
    # epoch 1: no improvement for 1 epoch -> 0.05; the cooldown counts down at the start of an epoch
    # (Keras 3), so cooldown=2 skips one epoch: epoch 3 -> 0.025, epoch 5 -> 0.02 (the floor), then stays
    assert rates == [0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02]
    with pytest.raises(InvalidArgumentError, match="0 < factor < 1"):
        ReduceLROnPlateau(factor=1.5)


# -- LearningRateScheduler ------------------------------------------------------------------
def test_learning_rate_scheduler_sets_the_rate_each_epoch_and_logs_it():
    x, y = data()
    model = small_model()
    seen = []

    class Watch(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(self.model.optimizer.learning_rate)

    history = model.fit(x, y, epochs=3, batch_size=10, verbose=0,
                        callbacks=[LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1)), Watch()])
    assert seen == pytest.approx([0.1, 0.05, 0.1 / 3])
    assert history["learning_rate"] == pytest.approx(seen)
    # Keras's older one-argument schedules work too
    model.fit(x, y, epochs=1, batch_size=10, verbose=0, callbacks=[LearningRateScheduler(lambda epoch: 0.007)])
    assert model.optimizer.learning_rate == 0.007
    with pytest.raises(InvalidArgumentError, match="positive learning rate"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(lambda epoch, lr: -1.0)])


def test_schedules():
    cosine = cosine_decay(0.1, 10)
    assert cosine(0) == pytest.approx(0.1) and cosine(5) == pytest.approx(0.05) and cosine(10) == pytest.approx(0)
    step = step_decay(0.1, 5, 0.5)
    assert [step(e) for e in (0, 4, 5, 10)] == pytest.approx([0.1, 0.1, 0.05, 0.025])
    assert parse_schedule("step:5:0.5", 0.1, 12)(5) == pytest.approx(0.05)
    assert parse_schedule("cosine", 0.1, 12)(12) == pytest.approx(0.0)
    for bad in ("linear", "step:0:0.5", "step:2", "step:x:0.5"):
        with pytest.raises(InvalidArgumentError, match="must be 'cosine', 'step:EVERY:FACTOR'"):
            parse_schedule(bad, 0.1, 12)


# -- CSVLogger ------------------------------------------------------------------------------
def test_csv_logger_writes_a_row_per_epoch_and_appends_without_a_second_header(tmp_path):
    path = tmp_path / "log.csv"
    x, y = data()
    model = small_model()
    history = model.fit(x, y, epochs=2, batch_size=10, validation_split=0.2, verbose=0, callbacks=[CSVLogger(path)])
    rows = list(csv.DictReader(open(path)))
    assert list(rows[0]) == ["epoch", "categorical_accuracy", "loss", "val_categorical_accuracy", "val_loss"]
    assert [int(row["epoch"]) for row in rows] == [0, 1]
    assert [float(row["val_loss"]) for row in rows] == pytest.approx(history["val_loss"])
    model.fit(x, y, epochs=1, batch_size=10, verbose=0, callbacks=[CSVLogger(path, append=True, separator=",")])
    lines = open(path).read().splitlines()
    assert len(lines) == 4 and lines.count(lines[0]) == 1
    # without validation data, the val_ columns are there and say NA
    other = tmp_path / "train_only.csv"
    model.fit(x, y, epochs=1, batch_size=10, verbose=0, callbacks=[CSVLogger(other, separator=";")])
    header, row = open(other).read().splitlines()
    assert header == "epoch;categorical_accuracy;loss;val_categorical_accuracy;val_loss"
    assert row.endswith(";NA;NA")


# -- ModelCheckpoint ------------------------------------------------------------------------
def test_model_checkpoint_fills_the_file_name_and_saves_only_improvements(tmp_path):
    x, y = data()
    model = small_model()
    pattern = str(tmp_path / "m-{epoch:02d}-{val_loss:.3f}.npz")
    history = model.fit(x, y, epochs=3, batch_size=10, validation_split=0.2, verbose=0,
                        callbacks=[ModelCheckpoint(pattern)])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"m-{e + 1:02d}-{v:.3f}.npz" for e, v in enumerate(history["val_loss"])]
    last = fastcnn.load_model(tmp_path / names[-1])
    assert all(np.array_equal(a, b) for a, b in zip(last.get_weights(), model.get_weights()))



def test_model_checkpoint_save_best_only_keeps_the_best_model(tmp_path, monkeypatch):
    saved = []
    monkeypatch.setattr("fastcnn.io.save_model", lambda model, path, include_optimizer=True:
                        saved.append((model.weights[0][0], str(path), include_optimizer)))
    drive(ModelCheckpoint(tmp_path / "best.npz", save_best_only=True, save_weights_only=True),
          [1.0, 0.5, 0.7, 0.4, 0.45])
    assert [epoch for epoch, _, _ in saved] == [0.0, 1.0, 3.0]
    assert all(not include for _, _, include in saved)
    with pytest.raises(InvalidArgumentError, match="must end in .npz"):
        ModelCheckpoint(tmp_path / "m.keras")
    with pytest.raises(InvalidArgumentError, match="no value for 'val_auc'"):
        ModelCheckpoint(str(tmp_path / "{val_auc}.npz")).file_path(0, {"val_loss": 1.0})


# -- TerminateOnNaN and divergence -----------------------------------------------------------
def diverging_fit(callbacks):
    """A fit whose third batch has a NaN pixel: its loss is NaN."""
    x, y = data()
    x[25, 0, 0, 0] = np.nan
    model = small_model()
    history = model.fit(x, y, epochs=3, batch_size=10, shuffle=False, verbose=0, callbacks=callbacks)
    return model, history


def test_terminate_on_nan_stops_cleanly_and_changes_no_weight_with_the_bad_batch(capsys):
    x, y = data()
    expected = small_model()
    expected.train_on_batch(x[:10], y[:10])
    expected.train_on_batch(x[10:20], y[10:20])
    model, history = diverging_fit([TerminateOnNaN()])
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out
    assert model.stop_training and dict(history) == {}  # the stopped epoch is not recorded
    # the weights are those after the two good batches: the NaN batch changed nothing
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), expected.get_weights()))
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 2"):
        diverging_fit([TerminateOnNaN(raise_error=True)])
    with pytest.raises(TrainingDivergedError, match=r"epoch 1, batch 3: loss became nan"):
        diverging_fit([])


# -- the list, History and the issue's example -----------------------------------------------
def test_hooks_are_called_in_keras_order_with_params():
    calls = []

    class Record(Callback):
        def on_train_begin(self, logs=None):
            calls.append(("train_begin", self.params["epochs"], self.params["steps"]))

        def on_epoch_begin(self, epoch, logs=None):
            calls.append(("epoch_begin", epoch))

        def on_train_batch_begin(self, batch, logs=None):
            calls.append(("batch_begin", batch))

        def on_batch_end(self, batch, logs=None):  # Keras's older name still works
            calls.append(("batch_end", batch, round(logs["loss"], 3) > 0))

        def on_epoch_end(self, epoch, logs=None):
            calls.append(("epoch_end", epoch, sorted(logs)))

        def on_train_end(self, logs=None):
            calls.append(("train_end", sorted(logs or {})))  # None when no epoch ran, as in Keras

    x, y = data(20)
    # Keras's meaning: epochs is the index to stop at, so epochs 1 and 2 run
    small_model().fit(x, y, epochs=3, batch_size=10, verbose=0, callbacks=[Record()], initial_epoch=1)
    keys = ["categorical_accuracy", "loss"]
    assert calls == [("train_begin", 3, 2), ("epoch_begin", 1), ("batch_begin", 0), ("batch_end", 0, True),
                     ("batch_begin", 1), ("batch_end", 1, True), ("epoch_end", 1, keys),
                     ("epoch_begin", 2), ("batch_begin", 0), ("batch_end", 0, True), ("batch_begin", 1),
                     ("batch_end", 1, True), ("epoch_end", 2, keys), ("train_end", keys)]
    with pytest.raises(InvalidArgumentError, match="not a fastcnn Callback"):
        small_model().fit(x, y, verbose=0, callbacks=[object()])
    calls.clear()
    history = small_model().fit(x, y, epochs=3, batch_size=10, verbose=0, callbacks=[Record()], initial_epoch=3)
    assert history.history == {} and [c[0] for c in calls] == ["train_begin", "train_end"]


def test_the_issues_keras_code_runs_unchanged(tmp_path):
    x, y = data(40)
    model = small_model()
    history = model.fit(x, y, epochs=30, batch_size=5, validation_split=0.25, verbose=0,
                        callbacks=[EarlyStopping(patience=2, restore_best_weights=True), CSVLogger(tmp_path / "log.csv")])
    assert isinstance(history, History) and history.history is history
    epochs = len(history["val_loss"])
    best = int(np.argmin(history["val_loss"]))
    assert epochs < 30 and epochs - 1 - best == 2  # stopped two epochs after the best
    assert history.epoch == list(range(epochs))
    assert len(open(tmp_path / "log.csv").read().splitlines()) == epochs + 1
    # the restored weights are the best epoch's: evaluating gives the best val_loss again
    assert model.evaluate(x[30:], y[30:])["loss"] == pytest.approx(history["val_loss"][best], rel=1e-6)
