"""The Keras pooling layers (AveragePooling2D, GlobalAveragePooling2D,
GlobalMaxPooling2D) in whole models: compile, fit, predict, save and load,
summary; the compiled plan against the NumPy twins; Keras's names and aliases."""
import numpy as np
import pytest

import fastcnn
from fastcnn import (Adam, AveragePooling2D, AvgPool2D, Conv2D, Dense, Flatten, GlobalAveragePooling2D,
                     GlobalAvgPool2D, GlobalMaxPool2D, GlobalMaxPooling2D, MaxPool2D, Sequential)
from fastcnn.layers import LAYER_TYPES, deserialize, serialize
from fastcnn.stages import ConvPoolStage, DenseStage, FlattenStage, LayerStage

ARCHITECTURES = {
    # the brief's model: no MaxPool2D after the conv, so nothing fuses but the Dense
    "avg-global_avg": lambda: [Conv2D(8, 3, activation="relu"), AveragePooling2D(padding="same"),
                               GlobalAveragePooling2D(), Dense(3, activation="softmax")],
    # a fused conv+maxpool before the new pools, keepdims flattened, overlapping same-padded windows
    "maxpool-avg-global_max": lambda: [Conv2D(8, 3, activation="relu"), MaxPool2D(2),
                                       AveragePooling2D(3, strides=1, padding="same"),
                                       GlobalMaxPooling2D(keepdims=True), Flatten(), Dense(4, activation="relu"),
                                       Dense(3, activation="softmax")],
}


def model_and_data(name, dtype=np.float32, n=12, seed=0):
    model = Sequential(ARCHITECTURES[name](), input_shape=(11, 10, 2), seed=seed)
    model.compile(Adam(1e-2), "categorical_crossentropy", ["categorical_accuracy"])
    rng = np.random.default_rng(seed)
    x = rng.random((n, 11, 10, 2)).astype(dtype)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, n)]
    return model, x, y


def test_model_compiles_fits_predicts_saves_and_loads(tmp_path):
    model, x, y = model_and_data("avg-global_avg")
    assert [type(stage) for stage in model.plan().stages] == [LayerStage, LayerStage, LayerStage, DenseStage]
    history = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert len(history["loss"]) == 2 and np.isfinite(history["loss"]).all()
    before = model.evaluate(x[:4], y[:4])["loss"]
    for _ in range(5):
        model.train_on_batch(x[:4], y[:4])
    assert model.evaluate(x[:4], y[:4])["loss"] < before
    probabilities = model.predict(x)
    assert probabilities.shape == (12, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-6)
    loaded = fastcnn.load_model(fastcnn.save_model(model, tmp_path / "pooled.npz"))
    assert [type(layer) for layer in loaded.layers] == [Conv2D, AveragePooling2D, GlobalAveragePooling2D, Dense]
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded.predict(x), probabilities)
    # the optimizer came back with its state: one more step goes exactly where the original's goes
    model.train_on_batch(x[:4], y[:4])
    loaded.train_on_batch(x[:4], y[:4])
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_summary_prints_the_pooling_layers(capsys):
    model, _, _ = model_and_data("avg-global_avg")
    model.summary()
    text = capsys.readouterr().out
    # 11x10 -> conv 3x3 valid 9x8 -> same pool 2: ceil(9/2) x ceil(8/2) = 5x4 -> one value per channel
    for row in ["conv2d (Conv2D)", "(None, 9, 8, 8)", "152", "average_pooling2d (AveragePooling2D)",
                "(None, 5, 4, 8)", "global_average_pooling2d (GlobalAveragePooling2D)", "(None, 8)",
                "dense (Dense)", "(None, 3)", "27", "Total params: 179"]:
        assert row in text, row
    model, _, _ = model_and_data("maxpool-avg-global_max")
    model.summary()
    text = capsys.readouterr().out
    for row in ["global_max_pooling2d (GlobalMaxPooling2D)", "(None, 1, 1, 8)", "flatten (Flatten)"]:
        assert row in text, row


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_plan_equals_the_layers_on_the_numpy_twins(name):
    model, x, y = model_and_data(name, np.float64, n=5)
    if name.startswith("maxpool"):
        assert [type(stage) for stage in model.plan().stages] == [ConvPoolStage, LayerStage, LayerStage,
                                                                  FlattenStage, DenseStage, DenseStage]
    with fastcnn.use_backend("reference"):
        loss, grads, dx = model.loss_and_gradients(x, y)
        probabilities = model.predict(x)
    fast_loss, fast_grads, fast_dx = model.loss_and_gradients(x, y)
    # a float32 model: the fused stages round in other places than the twins (tests/test_plan.py's tolerances)
    assert np.isclose(fast_loss, loss, rtol=1e-5)
    for weight, a, b in zip(model.weight_names(), fast_grads, grads):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6, err_msg=weight)
    np.testing.assert_allclose(fast_dx, dx, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(model.predict(x), probabilities, rtol=1e-5, atol=1e-7)


def test_a_model_trains_on_the_reference_backend_and_reads_uint8_pixels():
    model, x, y = model_and_data("avg-global_avg", n=6)
    with fastcnn.use_backend("reference"):
        history = model.fit(x, y, epochs=1, batch_size=3, verbose=0)
        slow = model.predict(x)
    assert np.isfinite(history["loss"]).all()
    np.testing.assert_allclose(model.predict(x), slow, rtol=1e-5, atol=1e-7)
    # a first pooling layer gets uint8 pixels as x / 255
    first = Sequential([AveragePooling2D(), GlobalMaxPooling2D(), Dense(3, activation="softmax")],
                       input_shape=(11, 10, 2)).compile(Adam())
    pixels = (x * 255).astype(np.uint8)
    np.testing.assert_allclose(first.predict(pixels), first.predict(pixels.astype(np.float32) / 255), rtol=1e-6)


def test_keras_names_aliases_and_configs():
    assert (AvgPool2D, GlobalAvgPool2D, GlobalMaxPool2D) == (AveragePooling2D, GlobalAveragePooling2D,
                                                             GlobalMaxPooling2D)
    for name in ("AveragePooling2D", "AvgPool2D"):
        assert LAYER_TYPES[name] is AveragePooling2D
    for name in ("GlobalAveragePooling2D", "GlobalAvgPool2D"):
        assert LAYER_TYPES[name] is GlobalAveragePooling2D
    for name in ("GlobalMaxPooling2D", "GlobalMaxPool2D"):
        assert LAYER_TYPES[name] is GlobalMaxPooling2D
    layer = deserialize({"class_name": "AvgPool2D",
                         "config": {"pool_size": [3, 3], "strides": None, "padding": "same",
                                    "data_format": "channels_last", "name": "pool"}})
    assert serialize(layer) == {"class_name": "AveragePooling2D", "config": {
        "name": "pool", "pool_size": [3, 3], "strides": [3, 3], "padding": "same", "data_format": "channels_last"}}
    assert AveragePooling2D().pool_size == (2, 2) and AveragePooling2D(3, strides=1).strides == (1, 1)
    layer = deserialize({"class_name": "GlobalMaxPool2D", "config": {"keepdims": True}})
    assert type(layer) is GlobalMaxPooling2D
    assert layer.get_config() == {"name": None, "data_format": "channels_last", "keepdims": True}
    assert GlobalAveragePooling2D(data_format="channels_last").output_shape((7, 5, 4)) == (4,)
    names = [layer.name for layer in Sequential([AveragePooling2D(), AveragePooling2D(), GlobalAveragePooling2D(),
                                                 Dense(2)], input_shape=(8, 8, 1)).layers]
    assert names == ["average_pooling2d", "average_pooling2d_1", "global_average_pooling2d", "dense"]
    assert GlobalMaxPooling2D.default_name == "global_max_pooling2d"


def test_a_wrong_gradient_shape_is_named_by_the_kernel():
    layer = GlobalMaxPooling2D(keepdims=True)
    layer.build((4, 4, 3))
    out = layer.forward(np.ones((2, 4, 4, 3), np.float32), training=True)
    assert layer.backward(np.ones_like(out)).shape == (2, 4, 4, 3)
    with pytest.raises(fastcnn.ShapeError, match=r"dout must have 2 dimensions, got shape \(2, 2, 2, 3\)"):
        layer.backward(np.ones((2, 2, 2, 3), np.float32))
