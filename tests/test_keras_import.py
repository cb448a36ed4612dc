"""Keras files into fastcnn: same predictions as Keras, and hostile files refused in one line."""
import builtins
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

import fastcnn
from fastcnn.errors import InvalidArgumentError, ModelFileError
from fastcnn.keras import architecture_from_config
from tests.keras_files import keras3_config, weights_by_layer, write_keras3, write_legacy_h5

FIXTURES = Path(__file__).parent / "data" / "keras"


def small_model(seed=3):
    # named unlike Keras's weight groups (conv2d, max_pool2d, ...), as models often are
    return fastcnn.Sequential([fastcnn.Conv2D(4, 3, strides=2, activation="relu", name="features"), fastcnn.MaxPool2D(2),
                               fastcnn.Flatten(), fastcnn.Dense(5, activation="relu"),
                               fastcnn.Dense(3, activation="softmax")], input_shape=(12, 12, 3), seed=seed)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("name", ["reference", "every_layer", "pooling"])
def test_real_keras_files_predict_like_keras(name, suffix):
    """Files saved by Keras 3.15 / TensorFlow 2.21 (tests/data/keras/make_fixtures.py)."""
    model = fastcnn.from_keras(FIXTURES / f"{name}{suffix}")
    io = np.load(FIXTURES / f"{name}_io.npz")
    predictions = model.predict(io["x"])
    assert predictions.shape == io["predictions"].shape
    np.testing.assert_allclose(predictions, io["predictions"], rtol=0, atol=1e-5)


def test_reference_file_is_the_reference_architecture():
    model = fastcnn.from_keras(FIXTURES / "reference.keras")
    ours = fastcnn.galaxy_classifier()
    assert [type(layer) for layer in model.layers] == [type(layer) for layer in ours.layers]
    assert [w.shape for w in model.get_weights()] == [w.shape for w in ours.get_weights()]
    assert model.count_params() == 7164 and model.compiled


@pytest.mark.parametrize("writer", ["keras3", "legacy"])
def test_files_written_without_tensorflow_round_trip_exactly(tmp_path, writer):
    model = small_model()
    x = np.random.default_rng(0).random((4, 12, 12, 3), dtype=np.float32)
    path = tmp_path / ("m.keras" if writer == "keras3" else "m.h5")
    if writer == "keras3":
        write_keras3(path, keras3_config(model), weights_by_layer(model))
    else:
        write_legacy_h5(path, model)
    imported = fastcnn.from_keras(path)
    for mine, theirs in zip(model.get_weights(), imported.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    np.testing.assert_array_equal(imported.predict(x), model.predict(x))
    assert imported.weight_names() == model.weight_names()


def test_live_keras_model_imports(tmp_path):
    keras = pytest.importorskip("keras")
    pytest.importorskip("tensorflow")
    keras.utils.set_random_seed(1)
    made = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Conv2D(4, 3, activation="relu"),
                             keras.layers.MaxPooling2D(), keras.layers.Flatten(),
                             keras.layers.Dense(3, activation="softmax")])
    made.save(tmp_path / "live.keras")
    x = np.random.default_rng(1).random((3, 16, 16, 3), dtype=np.float32)
    np.testing.assert_allclose(fastcnn.from_keras(tmp_path / "live.keras").predict(x),
                               made.predict(x, verbose=0), rtol=0, atol=1e-5)


def with_layers(model, change):
    config = keras3_config(model)
    change(config["config"]["layers"])
    return config


@pytest.mark.parametrize("change, message", [
    (lambda layers: layers.insert(2, {"module": "keras.layers", "class_name": "Lambda",
                                      "config": {"name": "evil", "function": "eval('1')"}}), "'Lambda' is not supported"),
    (lambda layers: layers[1].update(registered_name="my_package>Conv2D"), "custom object 'my_package>Conv2D'"),
    (lambda layers: layers[1].update(module="os"), "module 'os' is not a Keras layer"),
    (lambda layers: layers[1]["config"].update(use_bias=False), "use_bias=False is not supported"),
    (lambda layers: layers[1]["config"].update(dilation_rate=[2, 2]), "dilation_rate=\\[2, 2\\] is not supported"),
    (lambda layers: layers[1]["config"].update(data_format="channels_first"), "data_format='channels_first'"),
    (lambda layers: layers[1]["config"].update(exec="import os"), "unknown argument 'exec'"),
    (lambda layers: layers[1]["config"].update(dtype="mixed_float16"), "dtype 'mixed_float16'"),
])
def test_config_outside_the_allow_list_is_refused(tmp_path, change, message):
    model = small_model()
    path = tmp_path / "hostile.keras"
    write_keras3(path, with_layers(model, change), weights_by_layer(model))
    with pytest.raises(ModelFileError, match=message):
        fastcnn.from_keras(path)


def test_weights_that_do_not_fit_the_config_are_refused(tmp_path):
    model = small_model()
    weights = weights_by_layer(model)
    wrong_shape = dict(weights, dense=[np.zeros((7, 5), np.float32), weights["dense"][1]])
    write_keras3(tmp_path / "a.keras", keras3_config(model), wrong_shape)
    with pytest.raises(ModelFileError, match=r"dense/kernel \(layers/dense/vars/0\) has shape \(7, 5\) in the file, "
                                             r"the config makes \(16, 5\)"):
        fastcnn.from_keras(tmp_path / "a.keras")
    missing_bias = dict(weights, features=weights["features"][:1])
    write_keras3(tmp_path / "b.keras", keras3_config(model), missing_bias)
    with pytest.raises(ModelFileError, match="'features' has 1 weight arrays in the file, the config makes 2"):
        fastcnn.from_keras(tmp_path / "b.keras")
    extra = dict(weights, ghost=[np.zeros(3, np.float32)])
    write_keras3(tmp_path / "c.keras", keras3_config(model), extra)
    with pytest.raises(ModelFileError, match="layers the config does not have: ghost"):
        fastcnn.from_keras(tmp_path / "c.keras")
    integers = dict(weights, dense_1=[np.zeros((5, 3), np.int64), weights["dense_1"][1]])
    write_keras3(tmp_path / "d.keras", keras3_config(model), integers)
    with pytest.raises(ModelFileError, match=r"dense_1/kernel \(layers/dense_1/vars/0\) holds int64, not floats"):  # (Keras's name)
        fastcnn.from_keras(tmp_path / "d.keras")
    nan = dict(weights, dense_1=[np.full((5, 3), np.nan, np.float32), weights["dense_1"][1]])
    write_keras3(tmp_path / "e.keras", keras3_config(model), nan)
    with pytest.raises(ModelFileError, match="NaN or infinite"):
        fastcnn.from_keras(tmp_path / "e.keras")


def test_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", " " * (17 * 2 ** 20))  # 17 MB of spaces: a few kilobytes zipped
        archive.writestr("model.weights.h5", b"")
    assert path.stat().st_size < 100_000
    with pytest.raises(ModelFileError, match="config.json says it is 17,825,792 bytes"):
        fastcnn.from_keras(path)


@pytest.mark.parametrize("content, message", [
    (b"just text, not a model", "not a Keras model file"),
    (b"PK\x03\x04 truncated zip", "damaged or unsupported zip"),
])
def test_files_that_are_not_keras_models(tmp_path, content, message):
    path = tmp_path / "model.keras"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=message):
        fastcnn.from_keras(path)


def test_truncated_keras_file_and_weights_only_h5(tmp_path):
    whole = (FIXTURES / "reference.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ModelFileError, match="damaged or unsupported zip"):
        fastcnn.from_keras(tmp_path / "cut.keras")
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "weights.h5", "w") as store:
        store.attrs["layer_names"] = np.array([b"dense"])
    with pytest.raises(ModelFileError, match="without a model_config \\(a weights-only file\\?\\)"):
        fastcnn.from_keras(tmp_path / "weights.h5")


def test_missing_h5py_says_how_to_install_it(monkeypatch):
    real_import = builtins.__import__

    def no_h5py(name, *args, **kwargs):
        if name == "h5py":
            raise ImportError("No module named 'h5py'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_h5py)
    with pytest.raises(ModelFileError, match=r'pip install "fastcnn\[keras\]"'):
        fastcnn.from_keras(FIXTURES / "reference.keras")


def functional(inbound_of_dense):
    def node(name):
        return [{"args": [{"class_name": "__keras_tensor__",
                           "config": {"shape": [None, 4], "keras_history": [name, 0, 0]}}], "kwargs": {}}]

    return {"class_name": "Functional", "config": {"name": "f", "layers": [
        {"class_name": "InputLayer", "name": "in", "config": {"batch_shape": [None, 6], "name": "in"},
         "inbound_nodes": []},
        {"class_name": "Dense", "name": "d1", "config": {"name": "d1", "units": 4}, "inbound_nodes": node("in")},
        {"class_name": "Dense", "name": "d2", "config": {"name": "d2", "units": 2},
         "inbound_nodes": node(inbound_of_dense)},
    ], "output_layers": [["d2", 0, 0]]}}


def test_functional_chain_imports_and_a_branch_is_refused():
    architecture = architecture_from_config(functional("d1"), strict=False)
    assert [layer.name for layer in architecture.layers] == ["d1", "d2"] and architecture.input_shape == (6,)
    with pytest.raises(InvalidArgumentError, match="layer 'd2' takes \\['in'\\], not just the previous layer 'd1'"):
        architecture_from_config(functional("in"), strict=False)


def test_keras3_weight_groups_are_named_after_classes():
    from fastcnn.keras.files import keras3_keys

    assert keras3_keys(["Conv2D", "ReLU", "MaxPooling2D", "Conv2D", "LeakyReLU", "BatchNormalization", "Dense",
                        "GlobalMaxPooling2D", "Dense"]) == [
        "conv2d", "re_lu", "max_pooling2d", "conv2d_1", "leaky_re_lu", "batch_normalization", "dense",
        "global_max_pooling2d", "dense_1"]


def test_keras2_leaky_relu_alpha_and_list_axis():
    layers = [{"class_name": "InputLayer", "config": {"batch_input_shape": [None, 5]}},
              {"class_name": "LeakyReLU", "config": {"name": "leaky", "alpha": 0.25}}]
    layers.append({"class_name": "BatchNormalization", "config": {"name": "norm", "axis": [1]}})
    architecture = architecture_from_config({"class_name": "Sequential", "config": {"layers": layers}}, strict=False)
    assert architecture.layers[0].get_config()["negative_slope"] == 0.25
    model = fastcnn.Sequential(architecture.layers, input_shape=architecture.input_shape)
    assert model.layers[1].get_config()["axis"] == 1 and model.output_shape == (5,)


def test_architecture_strictness_only_for_training_arguments():
    described = [{"class_name": "Dense", "config": {"units": 3, "kernel_regularizer": {"class_name": "L2"}}}]
    assert architecture_from_config(described, strict=False).layers[0].units == 3  # ignored: weights come from the file
    with pytest.raises(InvalidArgumentError, match="kernel_regularizer must be null"):
        architecture_from_config(described, strict=True)
    described = [{"class_name": "Dense", "config": {"units": 3, "kernel_initializer": {"class_name": "GlorotUniform",
                                                                                     "config": {"seed": None}}}}]
    assert architecture_from_config(described, strict=True).layers[0].units == 3


def test_config_file_text_is_data(tmp_path):
    """A JSON string that looks like code stays a string: refused as an argument, never evaluated."""
    model = small_model()
    config = keras3_config(model)
    config["config"]["layers"][1]["config"]["activation"] = "__import__('os').system('touch pwned')"
    write_keras3(tmp_path / "x.keras", config, weights_by_layer(model))
    with pytest.raises(ModelFileError, match="activation must be one of"):
        fastcnn.from_keras(tmp_path / "x.keras")
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()
    assert json.loads(json.dumps(config))  # (the config is plain JSON)


def test_declared_but_unwritten_giant_weights_are_refused_before_reading(tmp_path):
    """An HDF5 dataset can declare 4 GB and store nothing (unwritten chunks): its shape is checked
    against the config before anything is read."""
    h5py = pytest.importorskip("h5py")
    model = small_model()
    path = tmp_path / "giant.h5"
    write_legacy_h5(path, model)
    with h5py.File(path, "a") as store:
        group = store["model_weights/dense"]
        del group["dense/kernel:0"]
        group.create_dataset("dense/kernel:0", shape=(2 ** 15, 2 ** 15), dtype="float32", chunks=(64, 64))
    assert path.stat().st_size < 1_000_000
    with pytest.raises(ModelFileError, match=r"dense/kernel \(model_weights/dense/dense/kernel:0\) has shape "
                                             r"\(32768, 32768\) in the file, the config makes \(16, 5\)"):
        fastcnn.from_keras(path)


def h5_with(tmp_path, change):
    """A legacy .h5 of small_model(), changed by ``change(store)`` (h5py), and its path."""
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "changed.h5"
    write_legacy_h5(path, small_model())
    with h5py.File(path, "a") as store:
        change(store, h5py)
    return path


def external_raw(store, h5py):
    group = store["model_weights/dense_1"]
    del group["dense_1/bias:0"]
    group.create_dataset("dense_1/bias:0", shape=(3,), dtype="f4", external=[(str(SECRET), 0, 12)])


def external_link(store, h5py):
    group = store["model_weights/dense_1/dense_1"]
    del group["bias:0"]
    group["bias:0"] = h5py.ExternalLink(str(SECRET.with_suffix(".h5")), "/values")


def soft_link(store, h5py):
    group = store["model_weights/dense_1/dense_1"]
    del group["bias:0"]
    group["bias:0"] = h5py.SoftLink("/model_weights/dense/dense/bias:0")


def virtual(store, h5py):
    layout = h5py.VirtualLayout(shape=(3,), dtype="f4")
    layout[:] = h5py.VirtualSource(str(SECRET.with_suffix(".h5")), "values", shape=(3,))
    group = store["model_weights/dense_1/dense_1"]
    del group["bias:0"]
    group.create_virtual_dataset("bias:0", layout)


SECRET = Path("/tmp/fastcnn_test_secret.bin")


@pytest.mark.parametrize("change, message", [
    (external_raw, "keeps its data in another file"),
    (virtual, "keeps its data in another file"),
    (external_link, "is a ExternalLink; fastcnn reads only the model file"),
    (soft_link, "is a SoftLink; fastcnn reads only the model file"),
])
def test_weights_stored_outside_the_file_are_never_read(tmp_path, change, message):
    h5py = pytest.importorskip("h5py")
    SECRET.write_bytes(np.array([7, 8, 9], np.float32).tobytes())
    with h5py.File(SECRET.with_suffix(".h5"), "w") as other:
        other.create_dataset("values", data=np.array([7, 8, 9], np.float32))
    try:
        with pytest.raises(ModelFileError, match=message):
            fastcnn.from_keras(h5_with(tmp_path, change))
    finally:
        SECRET.unlink()
        SECRET.with_suffix(".h5").unlink()


@pytest.mark.parametrize("config, message", [
    ({"class_name": "Sequential", "config": "abc"}, "the model config has no list of layers"),
    ([1, 2], "config.json holds a list, not a model config"),
    ({"class_name": "Sequential", "config": {"layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 4]}},
        {"class_name": "Dense", "config": {"units": 2, "dtype": {"config": [1]}}}]}}, "dtype 'a policy without a name' is not supported"),
    ({"class_name": "Sequential", "config": {"layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 6]}},
        {"class_name": "Flatten", "config": {}}, {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": 1}}]}},
     "Conv2D 'conv2d'"),
    ({"class_name": "Sequential", "config": {"layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, "x"]}}]}}, "input shape must be positive"),
])
def test_malformed_configs_are_one_line_errors(tmp_path, config, message):
    path = tmp_path / "m.keras"
    write_keras3(path, config if isinstance(config, list) else config, {})
    with pytest.raises(ModelFileError, match=message):
        fastcnn.from_keras(path)


def test_deeply_nested_json_and_odd_attributes_are_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "deep2.keras", "w") as archive:
        archive.writestr("config.json", "[" * 100_000 + "]" * 100_000)
        archive.writestr("model.weights.h5", b"")
    with pytest.raises(ModelFileError, match="config.json is not valid JSON|holds a list"):
        fastcnn.from_keras(tmp_path / "deep2.keras")
    path = h5_with(tmp_path, lambda store, h5py: store.attrs.__setitem__("model_config", 7))
    with pytest.raises(ModelFileError, match="the attribute model_config is not text"):
        fastcnn.from_keras(path)
    path = h5_with(tmp_path, lambda store, h5py: store["model_weights/dense"].attrs.__setitem__(
        "weight_names", np.array([b"\xff\xfe"])))
    with pytest.raises(ModelFileError, match="weight_names is not a list of names"):
        fastcnn.from_keras(path)


def test_a_model_without_a_flat_output_imports_uncompiled(tmp_path):
    model = fastcnn.Sequential([fastcnn.Conv2D(3, 1, activation="softmax")], input_shape=(4, 4, 2))
    write_keras3(tmp_path / "maps.keras", keras3_config(model), weights_by_layer(model))
    imported = fastcnn.from_keras(tmp_path / "maps.keras")
    x = np.random.default_rng(2).random((2, 4, 4, 2), dtype=np.float32)
    np.testing.assert_array_equal(imported.predict(x), model.predict(x))
    assert not imported.compiled


def test_the_learning_rate_comes_from_either_format():
    """every_layer was compiled with Adam(1e-2): .keras keeps it in compile_config, .h5 in training_config."""
    for suffix in (".keras", ".h5"):
        model = fastcnn.from_keras(FIXTURES / f"every_layer{suffix}")
        assert model.optimizer.learning_rate == pytest.approx(0.01), suffix


def test_keras_get_config_with_batch_normalization_is_an_architecture():
    config = json.loads(zipfile.ZipFile(FIXTURES / "every_layer.keras").read("config.json"))
    architecture = architecture_from_config(config, strict=True)  # renorm_momentum=0.99 is Keras's default
    assert "BatchNormalization" in architecture.keras_classes and architecture.input_shape == (32, 32, 3)


def test_layer_names_with_a_slash_are_refused():
    with pytest.raises(InvalidArgumentError, match=r"layer names may not contain '/', got \['a/b'\]"):
        fastcnn.Sequential([fastcnn.Dense(2, name="a/b")], input_shape=(3,))


def test_sparse_or_ragged_inputs_are_refused():
    config = {"class_name": "Sequential", "config": {"layers": [
        {"class_name": "InputLayer", "config": {"name": "in", "batch_shape": [None, 4], "sparse": True}},
        {"class_name": "Dense", "config": {"units": 2}}]}}
    with pytest.raises(InvalidArgumentError, match="InputLayer 'in': sparse inputs are not supported"):
        architecture_from_config(config, strict=False)
