"""Keras model files written without TensorFlow: the config as JSON and the weights with h5py,
in the layouts Keras 3 (``.keras``) and Keras 2 (``.h5``) use (docs/keras.md)."""
import io
import json
import zipfile

import numpy as np

from fastcnn.keras.files import keras3_keys

h5py = __import__("pytest").importorskip("h5py")

POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def keras_layers(model):
    """The model's layers as Keras 3 writes them (InputLayer first)."""
    described = [{"module": "keras.layers", "class_name": "InputLayer",
                  "config": {"batch_shape": [None, *model.input_shape], "dtype": "float32", "sparse": False,
                             "ragged": False, "name": "input_layer", "optional": False}, "registered_name": None}]
    for layer in model.layers:
        config = dict(layer.get_config(), trainable=True, dtype=POLICY)
        described.append({"module": "keras.layers", "class_name": type(layer).__name__, "config": config,
                          "registered_name": None})
    return described


def keras3_config(model, layers=None):
    """``config.json`` of a Sequential model."""
    return {"module": "keras", "class_name": "Sequential", "registered_name": None,
            "config": {"name": model.name, "trainable": True, "dtype": POLICY,
                       "layers": keras_layers(model) if layers is None else layers}}


def weights_by_layer(model):
    """Each layer's weights in Keras order (what ``get_weights`` gives, grouped by layer)."""
    grouped = {layer.name: [] for layer in model.layers}
    for name, value in zip(model.weight_names(), model.get_weights()):
        grouped[name.split("/", 1)[0]].append(value)
    return grouped


def write_keras3(path, config, weights, metadata=None):
    """A ``.keras`` zip: config.json, metadata.json, and model.weights.h5 with ``layers/K/vars/i``,
    K named after the layer's class as Keras 3 names it (``keras3_keys``); ``weights`` by layer name."""
    body = config.get("config") if isinstance(config, dict) else None
    described = [d for d in (body.get("layers", []) if isinstance(body, dict) else [])
                 if isinstance(d, dict) and d.get("class_name") != "InputLayer"]
    keys = dict(zip((d.get("config", {}).get("name") for d in described),
                    keras3_keys([d.get("class_name") for d in described])))
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as store:
        for layer_name, arrays in weights.items():
            group = store.create_group(f"layers/{keys.get(layer_name, layer_name)}/vars")
            for index, value in enumerate(arrays):
                group.create_dataset(str(index), data=value)
        store.create_group("vars")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", json.dumps(metadata or {"keras_version": "3.15.1"}))
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", buffer.getvalue())


def write_legacy_h5(path, model):
    """A Keras 2 ``model.save("x.h5")`` file: ``model_config`` and ``model_weights/L/L/kernel:0``."""
    layers = []
    for index, described in enumerate(keras_layers(model)[1:]):
        config = dict(described["config"], dtype="float32")
        if index == 0:
            config["batch_input_shape"] = [None, *model.input_shape]
        layers.append({"class_name": described["class_name"], "config": config})
    config = {"class_name": "Sequential", "config": {"name": model.name, "layers": layers}}
    with h5py.File(path, "w") as store:
        store.attrs["model_config"] = json.dumps(config)
        store.attrs["keras_version"] = "2.15.0"
        group = store.create_group("model_weights")
        group.attrs["layer_names"] = np.array([layer.name.encode() for layer in model.layers])
        for layer in model.layers:
            sub = group.create_group(layer.name)
            names = [f"{layer.name}/{key}:0" for key in weights_keys(model, layer)]
            sub.attrs["weight_names"] = np.array([n.encode() for n in names])
            for name, value in zip(names, weights_by_layer(model)[layer.name]):
                sub.create_dataset(name, data=value)


def weights_keys(model, layer):
    """The keys (``kernel``, ``bias``, ...) of one layer's weights, in Keras order."""
    return [name.split("/", 1)[1] for name in model.weight_names() if name.split("/", 1)[0] == layer.name]
