"""Keras models into fastcnn: the same layers, the same weights, the same predictions.

    model = fastcnn.from_keras("galaxy.keras")     # or a Keras 2 "galaxy.h5"
    model.predict(images)                           # as Keras predicts (to round-off)

The file is read as data (:mod:`fastcnn.keras.files`), its config goes
through an allow-list of layers and arguments (:mod:`fastcnn.keras.layers`,
:mod:`fastcnn.keras.config`), and each layer's weights are checked against
the shapes the config makes before any is copied.  TensorFlow is never
needed; HDF5 needs ``h5py`` (``pip install "fastcnn[keras]"``).
"""
import numpy as np

from ..errors import FastcnnError, ModelFileError
from .config import Architecture, architecture_from_config
from .files import keras3_keys, read_keras_file

__all__ = ["from_keras", "architecture_from_config", "Architecture"]


def from_keras(path, compile=True):
    """The fastcnn model equal to the Keras model saved at ``path``.

    Parameters
    ----------
    path : str or pathlib.Path
        A Keras 3 ``.keras`` file or a Keras 2 / legacy ``.h5`` file (told apart by content).
    compile : bool, default True
        Compile with Adam (the file's learning rate when it was Adam, else
        1e-3), categorical cross-entropy and accuracy/AUC, ready to evaluate
        or fine-tune.

    Returns
    -------
    fastcnn.Sequential
        ``class_names`` is None (Keras files do not store them).

    Raises
    ------
    ModelFileError
        One line, for a file that is not a Keras model, holds a layer or an
        argument fastcnn does not compute (``Lambda``, custom objects, ...),
        or weights that do not fit the config.
    """
    from ..model import Sequential
    from ..optimizers import Adam

    config, weights, keyed_by_class = read_keras_file(path)
    try:
        architecture = architecture_from_config(config, strict=False)
        if architecture.input_shape is None:
            raise ModelFileError("the config does not say the model's input shape")
        model = Sequential(architecture.layers, input_shape=architecture.input_shape, name=architecture.name)
    except FastcnnError as error:
        raise ModelFileError(f"{path}: {error}") from None
    if keyed_by_class:  # a .keras file: its weight groups are named after the layers' classes
        keys = dict(zip(keras3_keys(architecture.keras_classes), (layer.name for layer in model.layers)))
        unknown = sorted(set(weights) - set(keys))
        if any(weights[key] for key in unknown):
            raise ModelFileError(f"{path}: weights for layers the config does not have: "
                                 f"{', '.join(k for k in unknown if weights[k])}")
        weights = {keys[key]: arrays for key, arrays in weights.items() if key in keys}
    model.set_weights(_weights_in_model_order(model, weights, path))
    if compile:
        model.compile(Adam(_learning_rate(config)), "categorical_crossentropy", ["categorical_accuracy", "auc"])
    return model


def _weights_in_model_order(model, weights, path):
    """The file's arrays in ``model.get_weights()`` order, each checked against the model's shape."""
    names = model.weight_names()
    current = model.get_weights()
    ordered, index = [], 0
    for layer in model.layers:
        count = sum(1 for name in names if name.split("/", 1)[0] == layer.name)
        given = weights.get(layer.name, [])
        if len(given) != count:
            needs = ", ".join(n.split("/", 1)[1] for n in names if n.split("/", 1)[0] == layer.name) or "none"
            raise ModelFileError(f"{path}: layer {layer.name!r} has {len(given)} weight arrays in the file, "
                                 f"the config makes {count} ({needs})")
        for value in given:
            expected = current[index].shape
            if value.shape != expected:
                raise ModelFileError(f"{path}: {names[index]} has shape {value.shape} in the file, "
                                     f"the config makes {expected}")
            ordered.append(value)
            index += 1
    extra = sorted(set(weights) - {layer.name for layer in model.layers} - {name for name, arrays in weights.items()
                                                                               if not arrays})
    if extra:
        raise ModelFileError(f"{path}: weights for layers the config does not have: {', '.join(extra)}")
    return ordered


def _learning_rate(config):
    """The Adam learning rate in the file's compile config, else 1e-3."""
    compile_config = config.get("compile_config") if isinstance(config, dict) else None
    optimizer = (compile_config or {}).get("optimizer") if isinstance(compile_config, dict) else None
    if isinstance(optimizer, dict) and optimizer.get("class_name") == "Adam":
        rate = (optimizer.get("config") or {}).get("learning_rate")
        if isinstance(rate, (int, float)) and not isinstance(rate, bool) and 0 < rate < 1 and np.isfinite(rate):
            return float(rate)
    return 1e-3
