"""A Sequential with BatchNormalization and Dropout: the training flag through the plan, non-trainable
weights model-wide, Dropout's stream in model files, resumed training bit-identical, both backends."""
import numpy as np
import pytest

import fastcnn
from fastcnn import (Adam, BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU, Sequential)
from fastcnn.errors import ModelFileError
from fastcnn.gradcheck import check_model
from fastcnn.stages import DenseStage, FlattenStage, LayerStage
from fastcnn.warmup import compile_for
from tests.helpers import FD_TOLERANCE, rewrite_model_file

BACKENDS = ["numba", "reference"]


def make_model(seed=0, dropout_seed=None):
    layers = [Conv2D(8, 3), BatchNormalization(), ReLU(), MaxPool2D(2), Flatten(), Dropout(0.5, seed=dropout_seed),
              Dense(3, activation="softmax")]
    model = Sequential(layers, input_shape=(10, 10, 3), seed=seed)
    return model.compile(Adam(1e-2), "categorical_crossentropy", ["categorical_accuracy"])


def data(n=20, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return rng.random((n, 10, 10, 3)).astype(dtype), np.eye(3, dtype=np.float32)[rng.integers(0, 3, n)]


def assert_same_weights(a, b):
    assert a.weight_names() == b.weight_names()
    for name, x, y in zip(a.weight_names(), a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(x, y, err_msg=name)


def fit(model, x, y, epochs, initial_epoch=0):
    return model.fit(x, y, epochs=epochs, initial_epoch=initial_epoch, batch_size=5, validation_split=0.2, verbose=0)


def stream(model):
    return model.layers[5].rng.bit_generator.state


def test_non_trainable_weights_are_weights_but_not_parameters(capsys):
    model = make_model()
    assert model.weight_names() == [
        "conv2d/kernel", "conv2d/bias", "batch_normalization/gamma", "batch_normalization/beta",
        "batch_normalization/moving_mean", "batch_normalization/moving_variance", "dense/kernel", "dense/bias"]
    trainable = [name for name, _, _ in model.parameters()]
    assert trainable == [name for name in model.weight_names() if "moving" not in name]
    assert model.plan().parameters.names == trainable  # the flat buffers, hence the optimizer, see these only
    assert model.count_params() == 224 + 32 + 387 and model.plan().parameters.params.size == 224 + 16 + 387
    model.fit(*data(), epochs=1, batch_size=10, verbose=0)
    assert len(model.optimizer.get_state()["m"]) == len(trainable)
    weights = model.get_weights()
    weights[4] = np.full(8, 0.5, np.float32)
    model.set_weights(weights)
    np.testing.assert_array_equal(model.layers[1].non_trainable["moving_mean"], 0.5)
    model.summary()
    text = capsys.readouterr().out
    for line in ["batch_normalization (BatchNormalization)", "dropout (Dropout)", "Total params: 643 (2.51 KB)",
                 "Trainable params: 627 (2.45 KB)", "Non-trainable params: 16 (64.00 B)"]:
        assert line in text, line


def test_the_plan_passes_training_only_in_a_training_step():
    model = make_model()
    assert [type(s) for s in model.plan().stages] == [LayerStage] * 4 + [FlattenStage, LayerStage, DenseStage]
    x, y = data()
    before, state = model.get_weights(), stream(model)
    first = model.predict(x)
    logs = model.evaluate(x, y)
    model.test_on_batch(x, y)
    np.testing.assert_array_equal(model.predict(x), first)  # inference: no batch statistics, no mask
    assert model.evaluate(x, y) == logs
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert stream(model) == state
    model.train_on_batch(x, y)
    bn = model.layers[1].non_trainable
    assert not np.array_equal(bn["moving_mean"], before[4]) and not np.array_equal(bn["moving_variance"], before[5])
    assert stream(model) != state


@pytest.mark.parametrize("backend", BACKENDS)
def test_fit_evaluate_predict_save_and_load(backend, tmp_path):
    x, y = data()
    with fastcnn.use_backend(backend):
        model = make_model()
        history = fit(model, x, y, 2)
        assert len(history["val_loss"]) == 2 and all(np.isfinite(history["loss"]))
        logs = model.evaluate(x, y)
        predictions = model.predict(x, batch_size=7)
        assert predictions.shape == (20, 3)
        np.testing.assert_allclose(predictions.sum(axis=1), 1, rtol=1e-5)
        loaded = fastcnn.load_model(fastcnn.save_model(model, tmp_path / "m.npz"))
        np.testing.assert_array_equal(loaded.predict(x, batch_size=7), predictions)
        assert loaded.evaluate(x, y) == logs
    assert_same_weights(loaded, model)
    assert stream(loaded) == stream(model)
    assert loaded.get_config() == model.get_config()


@pytest.mark.parametrize("backend", BACKENDS)
def test_training_resumed_from_a_file_is_bit_identical(backend, tmp_path):
    x, y = data()
    with fastcnn.use_backend(backend):
        straight, first = make_model(), make_model()
        history = fit(straight, x, y, 4)
        fit(first, x, y, 2)
        resumed = fastcnn.load_model(fastcnn.save_model(first, tmp_path / "m.npz"))
        rest = fit(resumed, x, y, 4, initial_epoch=2)
    assert_same_weights(resumed, straight)
    assert stream(resumed) == stream(straight)
    assert rest["loss"] == history["loss"][2:] and rest["val_loss"] == history["val_loss"][2:]


def test_same_seed_same_result_and_the_dropout_stream_is_its_own():
    x, y = data()
    runs = [make_model(seed) for seed in (0, 0, 1)]
    for model in runs:
        model.fit(x, y, epochs=2, batch_size=5, verbose=0)
    assert_same_weights(runs[0], runs[1])
    assert not np.array_equal(runs[0].get_weights()[0], runs[2].get_weights()[0])
    # without a seed the model derives the stream from its seed and the layer's position; with one, the seed
    assert stream(make_model(4)) == np.random.default_rng([4, 2, 5]).bit_generator.state
    assert stream(make_model(4, dropout_seed=9)) == np.random.default_rng(9).bit_generator.state
    # a Dropout layer draws nothing from the initial weights' generator
    plain = Sequential([Conv2D(8, 3), BatchNormalization(), ReLU(), MaxPool2D(2), Flatten(),
                        Dense(3, activation="softmax")], input_shape=(10, 10, 3), seed=0)
    assert_same_weights(plain, Sequential([layer for i, layer in enumerate(make_model().layers) if i != 5],
                                          input_shape=(10, 10, 3), seed=0))
    np.testing.assert_array_equal(plain.get_weights()[6], make_model().get_weights()[6])


def test_numba_plan_equals_the_numpy_twins():
    model = make_model()
    x, y = data(6, dtype=np.float64)
    start, state = model.get_weights(), stream(model)
    results = {}
    for backend in BACKENDS:
        model.set_weights(start)
        model.layers[5].rng.bit_generator.state = state  # the same mask on both
        with fastcnn.use_backend(backend):
            results[backend] = model.loss_and_gradients(x, y), model.get_weights()
    (loss, grads, dx), weights = results["numba"]
    (twin_loss, twin_grads, twin_dx), twin_weights = results["reference"]
    assert loss == pytest.approx(twin_loss, rel=1e-5)
    for a, b in zip(grads + [dx], twin_grads + [twin_dx]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    for a, b in zip(weights, twin_weights):  # the moving statistics moved alike
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_gradcheck_differentiates_the_training_forward():
    model = make_model()
    x, y = data(4, seed=3, dtype=np.float64)
    state = stream(model)
    errors = check_model(model, x, y, max_entries=12, seed=1)
    assert {"batch_normalization/gamma", "batch_normalization/beta", "input"} <= set(errors)
    assert not any("moving" in name for name in errors)
    # a bias right before a BatchNormalization is a shift the normalisation takes away again: its
    # gradient is 0, both sides hold round-off below difference_noise, and the check says 0
    assert errors["conv2d/bias"] == 0.0
    assert all(e < FD_TOLERANCE for e in errors.values()), errors
    assert model.get_weights()[0].dtype == np.float32 and stream(model) != state
    model.layers[5].rng.bit_generator.state = state
    _, grads, _ = model.loss_and_gradients(x.astype(np.float32), y)
    assert np.abs(grads[1]).max() < 1e-6 < np.abs(grads[0]).max()


def test_compile_for_changes_nothing():
    model = make_model()
    x, y = data()
    before, state = model.get_weights(), stream(model)
    compile_for(model, x, y)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert stream(model) == state


def test_model_files_without_layer_rngs_still_load(tmp_path):
    model = make_model()
    path = fastcnn.save_model(model, tmp_path / "m.npz")
    rewrite_model_file(path, edit_config=lambda config: config.pop("layer_rngs"))
    loaded = fastcnn.load_model(path)
    assert stream(loaded) == np.random.default_rng([0, 2, 5]).bit_generator.state
    assert_same_weights(loaded, model)


@pytest.mark.parametrize("layer_rngs,message", [
    ({"dense": {}}, "a random state for 'dense', which is no layer drawing random numbers"),
    ({"dropout": {"bit_generator": "MT19937"}}, "bad random state for layer 'dropout'"),
    ([1, 2], "random states must be a dict by layer name, got list"),
])
def test_bad_layer_rngs_are_refused_in_one_line(tmp_path, layer_rngs, message):
    path = fastcnn.save_model(make_model(), tmp_path / "m.npz")
    rewrite_model_file(path, edit_config=lambda config: config.update(layer_rngs=layer_rngs))
    with pytest.raises(ModelFileError, match=message) as info:
        fastcnn.load_model(path)
    assert "\n" not in str(info.value)


def test_relative_error_floors_round_off_but_not_a_missing_gradient():
    from fastcnn.gradcheck import difference_noise, relative_error

    noise = difference_noise(1.0)
    assert 1e-7 < noise < 1e-6
    assert relative_error([1e-17, -2e-17], [3e-11, -1e-10], noise) == 0.0  # both zero, as far as FD can see
    assert relative_error([0.0, 0.0], [3e-3, 1e-3], noise) == 1.0          # a gradient the backward lost
    assert relative_error([2e-3, 0.0], [1e-11, 0.0], noise) == pytest.approx(1.0)  # one it made up
