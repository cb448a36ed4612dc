"""``--lr-schedule warmup:W,...``: a linear warm-up to --learning-rate, then cosine or step decay, per epoch."""
import math

import numpy as np
import pytest
from click.testing import CliRunner

import fastcnn
from fastcnn import Adam, Conv2D, Dense, Flatten, MaxPool2D, Sequential
from fastcnn.callbacks import LearningRateScheduler, linear_warmup, parse_schedule
from fastcnn.errors import InvalidArgumentError
from fastcnn_cli.main import cli


def keras_cosine_decay(step, initial_learning_rate, decay_steps, warmup_target, warmup_steps, alpha=0.0):
    """keras.optimizers.schedules.CosineDecay's formula, written out (Keras 3)."""
    if step < warmup_steps:
        return initial_learning_rate + (warmup_target - initial_learning_rate) * step / warmup_steps
    fraction = min(step - warmup_steps, decay_steps) / decay_steps
    return warmup_target * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * fraction)) + alpha)


def test_warmup_then_cosine_by_hand():
    schedule = parse_schedule("warmup:2,cosine", 0.003, 6)
    by_hand = [0.001, 0.002, 0.003, 0.003 * 0.5 * (1 + math.cos(math.pi / 4)), 0.0015,
               0.003 * 0.5 * (1 + math.cos(3 * math.pi / 4))]
    assert [schedule(epoch, None) for epoch in range(6)] == pytest.approx(by_hand, rel=1e-12)


@pytest.mark.parametrize("warmup,epochs", [(1, 12), (2, 12), (3, 5)])
def test_warmup_cosine_is_keras_cosine_decay_with_warmup_target(warmup, epochs):
    schedule = parse_schedule(f"warmup:{warmup},cosine", 0.003, epochs)
    keras = [keras_cosine_decay(epoch, 0.003 / (warmup + 1), epochs - warmup, 0.003, warmup) for epoch in range(epochs)]
    assert [schedule(epoch) for epoch in range(epochs)] == pytest.approx(keras, rel=1e-12)


def test_warmup_then_step_or_constant():
    step = parse_schedule("warmup:1,step:2:0.5", 0.01, 6)
    assert [step(e) for e in range(6)] == pytest.approx([0.005, 0.01, 0.01, 0.005, 0.005, 0.0025])
    alone = parse_schedule("warmup:3", 0.01, 6)
    assert [alone(e) for e in range(6)] == pytest.approx([0.0025, 0.005, 0.0075, 0.01, 0.01, 0.01])
    assert linear_warmup(0.01, 4)(0) == pytest.approx(0.002)


@pytest.mark.parametrize("text,message", [
    ("warmup:0,cosine", r"learning-rate schedule must be .* got 'warmup:0,cosine'"),
    ("warmup:x,cosine", r"learning-rate schedule must be .* got 'warmup:x,cosine'"),
    ("warmup:2,", r"learning-rate schedule must be .* got 'warmup:2,'"),
    ("warmup:2,linear", r"learning-rate schedule must be .* got 'warmup:2,linear'"),
    ("warmup:1,warmup:1,cosine", r"learning-rate schedule must be .* got 'warmup:1,warmup:1,cosine'"),
    ("cosine,warmup:2", r"learning-rate schedule must be .* got 'cosine,warmup:2'"),
    ("warmup:6,cosine", r"a warm-up of 6 epochs needs more than 6 epochs, the run has 6"),
])
def test_bad_warmups_are_refused(text, message):
    with pytest.raises(InvalidArgumentError, match=message):
        parse_schedule(text, 0.001, 6)


def test_fit_follows_the_warmup():
    rng = np.random.default_rng(0)
    x, y = rng.random((12, 12, 12, 2), dtype=np.float32), np.eye(3, dtype=np.float32)[rng.integers(0, 3, 12)]
    model = Sequential([Conv2D(8, 3, activation="relu"), MaxPool2D(2), Flatten(), Dense(3, activation="softmax")],
                       input_shape=(12, 12, 2)).compile(Adam(0.002), metrics=[])
    history = model.fit(x, y, epochs=4, batch_size=6, verbose=0,
                        callbacks=[LearningRateScheduler(parse_schedule("warmup:1,cosine", 0.002, 4))])
    assert history["learning_rate"] == pytest.approx([0.001, 0.002, 0.001 * (1 + math.cos(math.pi / 3)),
                                                      0.001 * (1 + math.cos(2 * math.pi / 3))])


def test_cli_records_the_warmup_and_refuses_a_long_one(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTCNN_CACHE_DIR", str(tmp_path / "cache"))
    run = lambda *args: CliRunner().invoke(cli, [str(a) for a in args])  # noqa: E731
    result = run("train", "--epochs", 3, "--image-size", 32, "--out", tmp_path / "m.npz", "--lr-schedule",
                 "warmup:3,cosine")
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert errors == ["Error: a warm-up of 3 epochs needs more than 3 epochs, the run has 3"], result.output
    result = run("train", "--epochs", 3, "--image-size", 32, "--out", tmp_path / "m.npz", "--lr-schedule",
                 "warmup:1,cosine", "--quiet", "--no-plots", "--no-checkpoints")
    assert result.exit_code == 0, result.output
    model = fastcnn.load_model(tmp_path / "m.npz")
    assert model.training_info.settings.lr_schedule == "warmup:1,cosine"
    assert model.training_info.history["learning_rate"] == pytest.approx([5e-4, 1e-3, 5e-4])
