"""Reading Keras model files as data: the config as JSON, the weights as HDF5 datasets.

Two formats, told apart by their first bytes, not their names:

* Keras 3 ``.keras``: a zip holding ``config.json``, ``metadata.json`` and
  ``model.weights.h5``, where the weights of a layer are the datasets
  ``layers/K/vars/0``, ``layers/K/vars/1``, ... (trainable ones first, in
  the order the layer made them, then the others: for BatchNormalization
  gamma, beta, moving_mean, moving_variance).  K is not the layer's name
  but its class name in snake case, numbered within the model
  (:func:`keras3_keys`: conv2d, conv2d_1, max_pooling2d, re_lu, ...);
* Keras 2 (and Keras 3's legacy) ``.h5``: one HDF5 file whose attribute
  ``model_config`` holds the config; the group ``model_weights/L`` lists
  its datasets' paths, in order, in its attribute ``weight_names``
  (``conv2d/kernel:0`` in Keras 2, ``sequential/conv2d/kernel`` in Keras 3).

Zip members are size-checked before they are read (so a zip bomb is
refused, not inflated), and only the three names above are read.  HDF5
needs ``h5py``: ``pip install "fastcnn[keras]"``.  docs/keras.md has the
layout in full.
"""
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np

from ..archive import first_line
from ..errors import ModelFileError

ZIP_MAGIC, HDF5_MAGIC = b"PK\x03\x04", b"\x89HDF\r\n\x1a\n"
MAX_CONFIG_BYTES = 16 * 2 ** 20    # a config of thousands of layers is well below this
MAX_WEIGHTS_BYTES = 1024 * 2 ** 20  # 100 million float32 parameters (fastcnn's limit) and room to spare


def require_h5py():
    """The ``h5py`` module, or a one-line ModelFileError saying how to install it.

    Returns
    -------
    module
    """
    try:
        import h5py
    except ImportError:
        raise ModelFileError('reading Keras files needs h5py: pip install "fastcnn[keras]"') from None
    return h5py


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


def read_keras_file(path):
    """The model config and the weights of a ``.keras`` or ``.h5`` file.

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    config : dict
        The parsed model config (data only).
    weights : dict of str to list of ndarray
        Each layer's weight arrays in Keras's order (layers without weights may be absent), by
        layer name (``.h5``) or by :func:`keras3_keys` (``.keras``).
    keyed_by_class : bool
        True for a ``.keras`` file (keys from :func:`keras3_keys`).
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"Keras model file not found: {path}")
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC):
        return _read_zip(path) + (True,)
    if head == HDF5_MAGIC:
        return _read_legacy_h5(path) + (False,)
    raise ModelFileError(f"{path}: not a Keras model file (neither a .keras zip nor an HDF5 .h5 file)")


def _read_zip(path):
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "config.json" not in names:
                raise ModelFileError(f"{path}: a zip without config.json is not a Keras 3 model file")
            if "model.weights.h5" not in names:
                found = ", ".join(sorted(n for n in names if n.startswith("model.weights"))) or "none"
                raise ModelFileError(f"{path}: no model.weights.h5 in the archive (weights found: {found})")
            config = _json(_member(archive, "config.json", MAX_CONFIG_BYTES, path), path, "config.json")
            weights_bytes = _member(archive, "model.weights.h5", MAX_WEIGHTS_BYTES, path)
    except zipfile.BadZipFile as error:
        raise ModelFileError(f"{path}: damaged zip ({first_line(error)})") from None
    h5py = require_h5py()
    try:
        with h5py.File(io.BytesIO(weights_bytes), "r") as store:
            return config, _keras3_weights(store, path)
    except OSError as error:
        raise ModelFileError(f"{path}: model.weights.h5 is not a readable HDF5 file ({first_line(error)})") from None


def _member(archive, name, limit, path):
    """A zip member's bytes, refusing before inflating anything bigger than ``limit``."""
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise ModelFileError(f"{path}: {name} says it is {info.file_size:,} bytes, more than the "
                             f"{limit:,} a model needs; refused")
    with archive.open(info) as member:
        data = member.read(limit + 1)  # the header may lie: never inflate more than the limit
    if len(data) > limit:
        raise ModelFileError(f"{path}: {name} inflates beyond {limit:,} bytes; refused")
    return data


def _json(data, path, what):
    try:
        return json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
    except (UnicodeDecodeError, ValueError) as error:
        raise ModelFileError(f"{path}: {what} is not valid JSON ({first_line(error)})") from None


def _keras3_weights(store, path):
    layers = store.get("layers")
    if layers is None:
        return {}
    weights, budget = {}, [MAX_WEIGHTS_BYTES]
    for name in layers:
        variables = layers[name].get("vars")
        if variables is None:
            continue
        keys = sorted(variables, key=lambda k: int(k) if k.isdigit() else -1)
        if any(not k.isdigit() for k in keys) or [int(k) for k in keys] != list(range(len(keys))):
            raise ModelFileError(f"{path}: layers/{name}/vars holds {keys}, not 0, 1, 2, ...")
        weights[name] = [_dataset(variables[k], f"layers/{name}/vars/{k}", path, budget) for k in keys]
    return weights


def _read_legacy_h5(path):
    h5py = require_h5py()
    try:
        with h5py.File(path, "r") as store:
            if "model_config" not in store.attrs:
                raise ModelFileError(f"{path}: an HDF5 file without a model_config (a weights-only file?); "
                                     "fastcnn needs the whole model (model.save)")
            raw = store.attrs["model_config"]
            if len(raw) > MAX_CONFIG_BYTES:
                raise ModelFileError(f"{path}: model_config is implausibly large; refused")
            config = _json(raw, path, "model_config")
            group = store["model_weights"] if "model_weights" in store else store
            weights, budget = {}, [MAX_WEIGHTS_BYTES]
            for name in _strings(group.attrs.get("layer_names", [])):
                if name not in group:
                    raise ModelFileError(f"{path}: layer_names lists {name!r} but there is no group model_weights/{name}")
                paths = _strings(group[name].attrs.get("weight_names", []))
                weights[name] = [_dataset(group[name].get(p), f"model_weights/{name}/{p}", path, budget)
                                 for p in paths]
            return config, weights
    except OSError as error:
        raise ModelFileError(f"{path}: not a readable HDF5 file ({first_line(error)})") from None


def _strings(values):
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in np.asarray(values).ravel()]


def _dataset(dataset, where, path, budget):
    """A float dataset's values, after checking its kind, type and size (before reading it).

    ``budget`` is a one-item list: the bytes all datasets of the file may still take.  A
    dataset's shape costs nothing to declare (HDF5 stores unwritten chunks as nothing), so
    the sizes are added up before anything is read.
    """
    if dataset is None or not hasattr(dataset, "shape") or not hasattr(dataset, "dtype"):
        raise ModelFileError(f"{path}: {where} is missing or not a dataset")
    if dataset.dtype.kind != "f":
        raise ModelFileError(f"{path}: {where} holds {dataset.dtype}, not floats")
    budget[0] -= int(np.prod(dataset.shape, dtype=np.int64)) * dataset.dtype.itemsize
    if budget[0] < 0:
        raise ModelFileError(f"{path}: the weights up to {where} {tuple(dataset.shape)} are implausibly large "
                             f"(over {MAX_WEIGHTS_BYTES:,} bytes); refused")
    values = np.asarray(dataset[()], dtype=np.float32)
    if not np.all(np.isfinite(values)):
        raise ModelFileError(f"{path}: {where} holds NaN or infinite values")
    return values
