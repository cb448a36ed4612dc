"""Sequential: build, compile, fit/evaluate/predict, weights, summary, errors."""
import numpy as np
import pytest

import fastcnn
from fastcnn import (Adam, Callback, CategoricalCrossentropy, Conv2D, Dense, Flatten, MaxPool2D, SGD,
                     Sequential, Softmax)
from fastcnn.errors import InvalidArgumentError, NotBuiltError, ShapeError, TrainingDivergedError
from fastcnn.gradcheck import check_model
from tests.helpers import FD_TOLERANCE


def small_model(seed=0, head="activation"):
    layers = [Conv2D(4, 3, strides=2, activation="relu"), MaxPool2D(2), Flatten()]
    layers += [Dense(3, activation="softmax")] if head == "activation" else [Dense(3), Softmax()]
    return Sequential(layers, input_shape=(12, 12, 2), seed=seed)


def data(n=20, seed=0, size=(12, 12, 2), classes=3):
    rng = np.random.default_rng(seed)
    return rng.random((n,) + size, dtype=np.float32), np.eye(classes, dtype=np.float32)[rng.integers(0, classes, n)]


def test_reference_model_has_7164_parameters_and_keras_shapes(capsys):
    model = fastcnn.galaxy_classifier()
    assert model.count_params() == 7164
    assert [w.shape for w in model.get_weights()] == [
        (3, 3, 3, 8), (8,), (3, 3, 8, 8), (8,), (392, 16), (16,), (16, 4), (4,)]
    model.summary()
    text = capsys.readouterr().out
    for row in ["conv2d (Conv2D)", "(None, 63, 63, 8)", "224", "max_pooling2d (MaxPool2D)", "(None, 31, 31, 8)",
                "conv2d_1 (Conv2D)", "(None, 15, 15, 8)", "584", "(None, 7, 7, 8)", "flatten (Flatten)",
                "(None, 392)", "dense (Dense)", "6,288", "dense_1 (Dense)", "(None, 4)", "68",
                "Total params: 7,164"]:
        assert row in text, row


def test_same_seed_same_training_different_seed_different_weights():
    x, y = data(30)
    runs = []
    for seed in (0, 0, 1):
        model = small_model(seed).compile(Adam(1e-2))
        history = model.fit(x, y, epochs=3, batch_size=4, validation_split=0.2, verbose=0)
        runs.append((history, model.get_weights()))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(runs[0][1][0], runs[2][1][0])


def test_fit_history_and_keras_style_output(capsys):
    x, y = data(25)
    model = small_model().compile(Adam(1e-2), metrics=["categorical_accuracy", "auc"])
    history = model.fit(x, y, epochs=2, batch_size=5, validation_split=0.2)
    assert list(history) == ["loss", "categorical_accuracy", "auc", "val_loss", "val_categorical_accuracy", "val_auc"]
    assert all(len(v) == 2 for v in history.values())
    assert history.history is history
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert "4/4 [==============================]" in out  # 20 training samples / batch 5
    assert f"val_categorical_accuracy: {history['val_categorical_accuracy'][-1]:.4f}" in out


def test_validation_split_holds_out_the_last_samples():
    x, y = data(20)
    model = small_model().compile(Adam(1e-2))
    history = model.fit(x, y, epochs=1, batch_size=4, validation_split=0.25, verbose=0)
    held_out = model.evaluate(x[15:], y[15:])
    assert history["val_loss"][0] == pytest.approx(held_out["loss"], rel=1e-6)
    assert history["val_auc"][0] == held_out["auc"]


def test_training_loss_is_the_mean_of_the_batch_losses():
    x, y = data(12)
    a = small_model().compile(SGD(0.1), metrics=[])
    b = small_model().compile(SGD(0.1), metrics=[])
    history = a.fit(x, y, epochs=1, batch_size=5, shuffle=False, verbose=0)
    losses = [b.train_on_batch(x[i:i + 5], y[i:i + 5])["loss"] * len(x[i:i + 5]) for i in range(0, 12, 5)]
    assert history["loss"][0] == pytest.approx(sum(losses) / 12, rel=1e-12)
    for w1, w2 in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(w1, w2)


def test_train_on_batch_lowers_the_loss_on_that_batch():
    x, y = data(8)
    model = small_model().compile(Adam(1e-2))
    first = model.train_on_batch(x, y)
    for _ in range(30):
        last = model.train_on_batch(x, y)
    assert set(first) == {"loss", "categorical_accuracy", "auc"}
    assert last["loss"] < 0.5 * first["loss"]


def test_predict_and_evaluate_are_consistent():
    x, y = data(23)
    model = small_model().compile(Adam())
    p = model.predict(x, batch_size=4)
    assert p.shape == (23, 3) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(model.predict(x, batch_size=23), p, rtol=1e-6)
    result = model.evaluate(x, y, batch_size=7)
    assert result["loss"] == pytest.approx(-np.mean(np.sum(y * np.log(p), axis=1)), rel=1e-5)
    assert result["categorical_accuracy"] == np.mean(p.argmax(1) == y.argmax(1))


def test_softmax_layer_head_and_from_logits_train_like_the_softmax_activation():
    x, y = data(10)
    fused = small_model(head="activation").compile(SGD(0.1), metrics=[])
    layer_head = small_model(head="layer").compile(SGD(0.1), metrics=[])
    logits = Sequential([Conv2D(4, 3, strides=2, activation="relu"), MaxPool2D(2), Flatten(), Dense(3)],
                        input_shape=(12, 12, 2)).compile(SGD(0.1), CategoricalCrossentropy(from_logits=True), [])
    losses = [m.train_on_batch(x, y)["loss"] for m in (fused, layer_head, logits)]
    assert losses[0] == pytest.approx(losses[1], rel=1e-6) and losses[0] == pytest.approx(losses[2], rel=1e-6)
    for a, b, c in zip(fused.get_weights(), layer_head.get_weights(), logits.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(a, c, rtol=1e-6, atol=1e-7)


def test_unfused_probability_loss_matches_finite_differences():
    # last layer ends in ReLU, so the model cannot fuse: the probability form
    # of the cross-entropy (with Keras's renormalisation) is used instead
    model = Sequential([Flatten(), Dense(3, activation="relu")], input_shape=(2, 2, 1), seed=3)
    model.compile(Adam(), "categorical_crossentropy", [])
    model.layers[1].params["bias"][:] = 1.0  # keep outputs positive
    x, y = data(4, size=(2, 2, 1))
    errors = check_model(model, x, y)
    assert all(e < FD_TOLERANCE for e in errors.values()), errors


def test_whole_reference_model_matches_finite_differences():
    x, y = data(3, size=(32, 32, 3), classes=4)
    model = fastcnn.galaxy_classifier(input_shape=(32, 32, 3), seed=2).compile(Adam(), metrics=[])
    errors = check_model(model, x.astype(np.float64), y)
    assert set(errors) == {"input"} | set(model.weight_names())
    assert all(e < FD_TOLERANCE for e in errors.values()), errors


def test_full_size_reference_model_matches_finite_differences_on_a_sample():
    x, y = data(2, size=(128, 128, 3), classes=4)
    model = fastcnn.galaxy_classifier(seed=4).compile(Adam(), metrics=[])
    errors = check_model(model, x.astype(np.float64), y, max_entries=12, seed=1)
    assert all(e < FD_TOLERANCE for e in errors.values()), errors


def test_weights_round_trip_and_mismatches_are_named():
    model = small_model(0)
    other = small_model(1)
    other.set_weights(model.get_weights())
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.weight_names() == ["conv2d/kernel", "conv2d/bias", "dense/kernel", "dense/bias"]
    with pytest.raises(ShapeError, match="expected 4 weight arrays"):
        model.set_weights(model.get_weights()[:3])
    weights = model.get_weights()
    weights[2] = weights[2][:-1]
    with pytest.raises(ShapeError, match=r"weight dense/kernel must have shape \(16, 3\), got \(15, 3\)"):
        model.set_weights(weights)


def test_config_round_trip_rebuilds_the_same_model():
    model = fastcnn.galaxy_classifier(seed=3)
    clone = Sequential.from_config(model.get_config())
    for a, b in zip(model.get_weights(), clone.get_weights()):
        np.testing.assert_array_equal(a, b)  # same seed, same initial weights
    assert clone.get_config() == model.get_config()


def test_uint8_pixels_are_scaled_to_unit_range_and_other_integers_refused():
    x, y = data(10)
    model = small_model().compile(Adam())
    pixels = (x * 255).astype(np.uint8)
    # the first conv folds 1/255 into its weights instead of scaling the
    # pixels: the same products, rounded in another place (float32 round-off)
    np.testing.assert_allclose(model.predict(pixels), model.predict(pixels.astype(np.float32) / 255),
                               rtol=1e-5, atol=1e-7)
    by_pixels, by_floats = model.evaluate(pixels, y), model.evaluate(pixels.astype(np.float32) / 255, y)
    assert by_pixels["loss"] == pytest.approx(by_floats["loss"], rel=1e-5)
    assert by_pixels["categorical_accuracy"] == by_floats["categorical_accuracy"]
    with pytest.raises(ShapeError, match="must be float .* or uint8 pixels .*got dtype int64"):
        model.predict(pixels.astype(np.int64))


def test_callbacks_see_every_epoch_and_can_stop_training():
    class StopAfterTwo(Callback):
        def __init__(self):
            self.epochs = []

        def on_epoch_end(self, epoch, logs=None):
            self.epochs.append((epoch, round(logs["loss"], 6)))
            if epoch == 1:
                self.model.stop_training = True

    x, y = data(10)
    callback = StopAfterTwo()
    history = small_model().compile(Adam()).fit(x, y, epochs=5, batch_size=5, verbose=0, callbacks=[callback])
    assert [e for e, _ in callback.epochs] == [0, 1]
    assert len(history["loss"]) == 2


def test_divergence_is_reported_not_hidden():
    x, y = data(4)
    model = small_model().compile(Adam())
    model.layers[0].params["kernel"][0, 0, 0, 0] = np.nan
    with pytest.raises(TrainingDivergedError, match="loss became nan"):
        model.train_on_batch(x, y)


@pytest.mark.parametrize("call,error,message", [
    (lambda m, x, y: m.fit(x, y), NotBuiltError, r"call model.compile"),
    (lambda m, x, y: m.compile().fit(x[:, :5], y), ShapeError, r"x must have shape \(N, 12, 12, 2\), got \(20, 5, 12, 2\)"),
    (lambda m, x, y: m.compile().fit(x, y[:, :2]), ShapeError, r"y must be one-hot with shape \(20, 3\), got \(20, 2\)"),
    (lambda m, x, y: m.compile().fit(x, np.full_like(y, np.nan)), ShapeError, "y must hold finite numbers"),
    (lambda m, x, y: m.compile().fit(x, y, epochs=-1), InvalidArgumentError, "epochs must be a non-negative int, got -1"),
    (lambda m, x, y: m.compile().fit(x, y, batch_size=0), InvalidArgumentError, "batch_size must be a positive int, got 0"),
    (lambda m, x, y: m.compile().fit(x, y, validation_split=1.0), InvalidArgumentError, r"validation_split must be in \[0, 1\)"),
    (lambda m, x, y: m.compile().predict(x.tolist()), ShapeError, "x must be a NumPy array, got list"),
    (lambda m, x, y: m.compile(optimizer="adamw"), InvalidArgumentError, "unknown optimizer 'adamw'"),
    (lambda m, x, y: m.compile(loss="mse"), InvalidArgumentError, "unknown loss 'mse'"),
])
def test_user_errors_are_clear(call, error, message):
    x, y = data(20)
    with pytest.raises(error, match=message):
        call(small_model(), x, y)


def test_construction_errors():
    with pytest.raises(InvalidArgumentError, match="layers must be a non-empty list"):
        Sequential([], input_shape=(4, 4, 1))
    with pytest.raises(ShapeError, match=r"input_shape must be positive integers like \(128, 128, 3\), got \(0, 4, 1\)"):
        Sequential([Flatten()], input_shape=(0, 4, 1))
    with pytest.raises(ShapeError, match="Dense 'dense' expects a flat input"):
        Sequential([Dense(3)], input_shape=(4, 4, 1))
    with pytest.raises(ShapeError, match=r"needs an output \(classes,\)"):
        Sequential([Conv2D(2, 1)], input_shape=(4, 4, 1)).compile()
    layer = Dense(2)
    with pytest.raises(InvalidArgumentError, match="appears twice"):
        Sequential([Flatten(), layer, layer], input_shape=(2, 1))
