"""Reading Keras model files as data: the config as JSON, the weights as HDF5 datasets.

Two formats, told apart by their first bytes, not their names:

* Keras 3 ``.keras``: a zip holding ``config.json``, ``metadata.json`` and
  ``model.weights.h5``, where the weights of a layer are the datasets
  ``layers/K/vars/0``, ``layers/K/vars/1``, ... (trainable ones first, in
  the order the layer made them, then the others: for BatchNormalization
  gamma, beta, moving_mean, moving_variance).  K is not the layer's name
  but its class name in snake case, numbered within the model
  (:func:`keras3_keys`: conv2d, conv2d_1, max_pooling2d, re_lu, ...);
* Keras 2 (and Keras 3's legacy) ``.h5``: the attribute ``model_config``
  holds the config; the attribute ``weight_names`` of the group
  ``model_weights/L`` lists the paths of layer L's datasets, in order.

Zip members are size-checked before they are inflated (no zip bombs); only
the names above are read; HDF5 rules are in :mod:`fastcnn.keras.hdf5`.
docs/keras.md has the layout in full.
"""
import io
import json
import math
import re
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..archive import first_line
from ..errors import ModelFileError
from .hdf5 import float_dataset, hard_child, names_attribute, open_hdf5, text_attribute

ZIP_MAGIC, HDF5_MAGIC = b"PK\x03\x04", b"\x89HDF\r\n\x1a\n"
MAX_CONFIG_BYTES, MAX_WEIGHTS_BYTES = 16 * 2 ** 20, 1024 * 2 ** 20  # thousands of layers; 1e8 float32 and room


def is_keras_file(path):
    """True when ``path`` is laid out like a Keras file (a zip with a config.json, or HDF5), whatever its name.

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    bool
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
        if head.startswith(ZIP_MAGIC):  # a fastcnn .npz is a zip too: Keras's has a config.json
            with zipfile.ZipFile(path) as archive:
                return "config.json" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False
    return head == HDF5_MAGIC


def keras3_keys(class_names):
    """The group names under which Keras 3 stores each layer's weights in ``model.weights.h5``.

    Keras numbers a model's layers per class: the first ``Conv2D`` is
    ``conv2d``, the second ``conv2d_1``, a ``ReLU`` is ``re_lu`` (its
    class name in snake case), whatever the layers are called.

    Parameters
    ----------
    class_names : sequence of str
        The layers' Keras class names, in model order (the InputLayer left out).

    Returns
    -------
    list of str
    """
    keys, used = [], {}
    for class_name in class_names:
        name = re.sub(r"\W+", "", class_name)
        name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
        name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
        used[name] = used.get(name, -1) + 1
        keys.append(name if used[name] == 0 else f"{name}_{used[name]}")
    return keys


def read_keras_config(path):
    """The model config of a ``.keras`` or ``.h5`` file, and which of the two it is.

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    config : dict
        The parsed model config (data only).  For a ``.h5`` file, the optimizer
        of its ``training_config`` attribute is put under ``compile_config``,
        where a ``.keras`` file has it.
    keras3 : bool
        True for a ``.keras`` zip (weights under :func:`keras3_keys`), False for HDF5
        (weights under the layers' names).
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"Keras model file not found: {path}")
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC):
        with _zip(path) as archive:
            config = _json(_member(archive, "config.json", MAX_CONFIG_BYTES, path), path, "config.json")
        return _object(config, path, "config.json"), True
    if head != HDF5_MAGIC:
        raise ModelFileError(f"{path}: not a Keras model file (neither a .keras zip nor an HDF5 .h5 file)")
    with open_hdf5(path) as store:
        if "model_config" not in store.attrs:
            raise ModelFileError(f"{path}: an HDF5 file without a model_config (a weights-only file?); "
                                 "fastcnn needs the whole model (model.save)")
        text = text_attribute(store, "model_config", path, MAX_CONFIG_BYTES)
        config = _object(_json(text, path, "model_config"), path, "model_config")
        if "training_config" in store.attrs:
            training = _json(text_attribute(store, "training_config", path, MAX_CONFIG_BYTES), path, "training_config")
            if isinstance(training, dict) and isinstance(training.get("optimizer_config"), dict):
                config["compile_config"] = {"optimizer": training["optimizer_config"]}
    return config, False


def read_keras_weights(path, keras3, expected):
    """Each layer's weights, read only after each dataset is checked against ``expected``.

    Parameters
    ----------
    path : str or pathlib.Path
    keras3 : bool
        As :func:`read_keras_config` returned it.
    expected : dict of str to list of (str, tuple)
        For each layer's key (its :func:`keras3_keys` name, or its name in a
        ``.h5``), its weights in Keras's order as the config makes them: a
        name for messages (``"dense/kernel"``) and a shape.

    Returns
    -------
    dict of str to list of ndarray, float32
        The same keys; every array of the shape expected.

    Notes
    -----
    A dataset must be a plain dataset of floats inside the file reached by hard
    links: an HDF5 file can point a dataset at another file (external storage,
    virtual datasets, external links), and fastcnn reads nothing but the model file.
    """
    path = Path(path)
    if not keras3:
        with open_hdf5(path) as store:
            group = _group(hard_child(store, "model_weights", path), "model_weights", path) \
                if "model_weights" in store else store
            named = set(names_attribute(group.attrs.get("layer_names", []), path, "layer_names"))
            extra = sorted(n for n in named - set(expected) if names_attribute(hard_child(group, n, path).attrs.get(
                "weight_names", []), path, "weight_names"))
            _refuse_extra(extra, path)
            weights = {}
            for key, shapes in expected.items():
                layer = hard_child(group, key, path) if key in group else None
                paths = [] if layer is None else names_attribute(layer.attrs.get("weight_names", []), path, "weight_names")
                _count(key, len(paths), shapes, path)
                weights[key] = [float_dataset(layer, p, shape, f"{label} (model_weights/{key}/{p})", path)
                                for p, (label, shape) in zip(paths, shapes)]
            return weights
    with _zip(path) as archive:
        params = sum(math.prod(shape) for shapes in expected.values() for _, shape in shapes)
        limit = min(MAX_WEIGHTS_BYTES, 64 * 2 ** 20 + 16 * 4 * params)  # the weights, Adam's slots, room to spare
        data = _member(archive, "model.weights.h5", limit, path)
    with open_hdf5(io.BytesIO(data), path) as store:
        layers = _group(hard_child(store, "layers", path), "layers", path) if "layers" in store else {}
        extra = sorted(k for k in layers if k not in expected and len(_variables(layers, k, path)))
        _refuse_extra(extra, path)
        weights = {}
        for key, shapes in expected.items():
            variables = _variables(layers, key, path) if key in layers else {}
            names = sorted(variables, key=lambda name: (len(name), name))  # "0", "1", ..., "9", "10"
            if names != [str(i) for i in range(len(names))]:
                raise ModelFileError(f"{path}: layers/{key}/vars holds {names[:5]}, not 0, 1, 2, ...")
            _count(key, len(names), shapes, path)
            weights[key] = [float_dataset(variables, str(i), shape, f"{label} (layers/{key}/vars/{i})", path)
                            for i, (label, shape) in enumerate(shapes)]
        return weights


def _variables(layers, key, path):
    """The group ``layers/key/vars`` of a Keras 3 weights file (empty when the layer has none)."""
    layer = _group(hard_child(layers, key, path), f"layers/{key}", path)
    return _group(hard_child(layer, "vars", path), f"layers/{key}/vars", path) if "vars" in layer else {}


def _group(node, where, path):
    if not hasattr(node, "keys") or not hasattr(node, "attrs"):
        raise ModelFileError(f"{path}: {where} is not a group")
    return node


def _refuse_extra(extra, path):
    if extra:
        raise ModelFileError(f"{path}: weights for layers the config does not have: {', '.join(extra[:5])}")


def _count(key, found, shapes, path):
    if found != len(shapes):
        layer = shapes[0][0].rsplit("/", 1)[0] if shapes else key
        raise ModelFileError(f"{path}: layer {layer!r} has {found} weight arrays in the file, the config makes "
                             f"{len(shapes)} ({', '.join(label.rsplit('/', 1)[1] for label, _ in shapes) or 'none'})")


@contextmanager
def _zip(path):
    try:
        with zipfile.ZipFile(path) as archive:
            if "config.json" not in archive.namelist():
                raise ModelFileError(f"{path}: a zip without config.json is not a Keras 3 model file")
            yield archive
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError) as error:
        raise ModelFileError(f"{path}: damaged or unsupported zip ({first_line(error)})") from None


def _member(archive, name, limit, path):
    """A zip member's bytes, refusing before inflating anything bigger than ``limit``."""
    if name not in archive.namelist():
        found = ", ".join(sorted(n for n in archive.namelist() if n.startswith("model.weights"))) or "none"
        raise ModelFileError(f"{path}: no {name} in the archive (weights found: {found})")
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise ModelFileError(f"{path}: {name} says it is {info.file_size:,} bytes, more than the "
                             f"{limit:,} this model needs; refused")
    with archive.open(info) as member:
        data = member.read(limit + 1)  # the header may lie: never inflate more than the limit
    if len(data) > limit:
        raise ModelFileError(f"{path}: {name} inflates beyond {limit:,} bytes; refused")
    return data


def _json(data, path, what):
    try:
        return json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ModelFileError(f"{path}: {what} is not valid JSON ({first_line(error)})") from None


def _object(config, path, what):
    if not isinstance(config, dict):
        raise ModelFileError(f"{path}: {what} holds a {type(config).__name__}, not a model config")
    return config
