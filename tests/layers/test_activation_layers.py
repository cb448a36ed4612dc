"""Activation, LeakyReLU and ELU as Keras 3 has them, the activation= strings on Conv2D and Dense,
and a model using them through compile, fit, predict, save, load and summary."""
import numpy as np
import pytest

import fastcnn
from fastcnn import ELU, Activation, Conv2D, Dense, Flatten, LeakyReLU, MaxPool2D, ReLU, Sequential, Softmax
from fastcnn.layers import LAYER_TYPES, deserialize, serialize
from fastcnn.layers.elementwise import Sigmoid, Tanh


def test_keras_names_defaults_and_configs():
    assert LeakyReLU().negative_slope == 0.3  # Keras 3's layer default
    assert ELU().alpha == 1.0
    assert LeakyReLU().get_config() == {"name": None, "negative_slope": 0.3}
    assert ELU(0.5, name="e").get_config() == {"name": "e", "alpha": 0.5}
    assert Activation("TanH").get_config() == {"name": None, "activation": "tanh"}
    assert Activation(None).get_config()["activation"] == "linear"
    assert {"Activation", "LeakyReLU", "ELU"} <= set(LAYER_TYPES)
    assert "Sigmoid" not in LAYER_TYPES and "Tanh" not in LAYER_TYPES  # not Keras layers
    model = Sequential([Flatten(), Activation("elu"), LeakyReLU(), ELU(), Dense(2)], input_shape=(2, 2, 1))
    assert [layer.name for layer in model.layers] == ["flatten", "activation", "leaky_re_lu", "elu", "dense"]


def test_keras2_alpha_is_read_as_negative_slope():
    layer = deserialize({"class_name": "LeakyReLU", "config": {"name": "old", "alpha": 0.1}})
    assert layer.negative_slope == 0.1
    assert serialize(layer) == {"class_name": "LeakyReLU", "config": {"name": "old", "negative_slope": 0.1}}
    assert LeakyReLU(0.1, alpha=0.1).negative_slope == 0.1  # the same value twice is no conflict


@pytest.mark.parametrize("name,cls,hyper", [
    ("sigmoid", Sigmoid, {}), ("tanh", Tanh, {}), ("leaky_relu", LeakyReLU, {"negative_slope": 0.2}),
    ("elu", ELU, {"alpha": 1.0}), ("relu", ReLU, {}), ("softmax", Softmax, {}),
])
def test_activation_strings_make_keras_function_defaults_and_are_written_back(name, cls, hyper):
    for layer in (Dense(3, activation=name.upper()), Conv2D(2, 1, activation=name), Activation(name)):
        assert type(layer.activation) is cls
        assert {key: getattr(layer.activation, key) for key in hyper} == hyper
        assert layer.get_config()["activation"] == name
        assert type(deserialize(serialize(layer)).activation) is cls


def test_activation_layer_equals_the_standalone_layers():
    x = np.linspace(-3, 3, 24, dtype=np.float32).reshape(2, 3, 4)
    for activation, layer in [("leaky_relu", LeakyReLU(0.2)), ("elu", ELU()), ("relu", ReLU())]:
        generic = Activation(activation)
        generic.build((3, 4))
        layer.build((3, 4))
        np.testing.assert_array_equal(generic.forward(x), layer.forward(x))
    linear = Activation("linear")
    linear.build((3, 4))
    assert linear.forward(x) is x


def test_only_relu_is_fused_into_dense_and_conv():
    # the fused kernels know max(z, 0) only: every other activation runs as its own step
    for name in ("sigmoid", "tanh", "leaky_relu", "elu"):
        assert not Conv2D(8, 3, activation=name)._relu_in_kernel
    assert Conv2D(8, 3, activation="relu")._relu_in_kernel


def layers():
    return [Conv2D(8, 3, activation="elu"), MaxPool2D(2), Conv2D(4, 2, activation="leaky_relu"), LeakyReLU(alpha=0.1),
            Flatten(), Dense(6, activation="tanh"), Activation("sigmoid"), ELU(0.5), Dense(5, activation="sigmoid"),
            Activation("softmax")]


def test_model_compiles_fits_predicts_saves_loads_and_summarises(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.random((12, 10, 10, 3), dtype=np.float32)
    y = np.eye(5, dtype=np.float32)[rng.integers(0, 5, 12)]
    model = Sequential(layers(), input_shape=(10, 10, 3), seed=1).compile(fastcnn.Adam(1e-2))
    before = model.predict(x)
    history = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    after = model.predict(x)
    assert after.shape == (12, 5) and np.allclose(after.sum(axis=1), 1) and not np.allclose(after, before)

    loaded = fastcnn.load_model(fastcnn.save_model(model, tmp_path / "activations.npz"))
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded.predict(x), after)
    assert loaded.layers[3].negative_slope == 0.1 and loaded.layers[7].alpha == 0.5

    loaded.summary()
    text = capsys.readouterr().out
    for row in ["conv2d (Conv2D)", "leaky_re_lu (LeakyReLU)", "(None, 3, 3, 4)", "activation (Activation)",
                "elu (ELU)", "activation_1 (Activation)", "(None, 5)"]:
        assert row in text, row
