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
from ..archive import first_line
from .files import keras3_keys, read_keras_config, read_keras_weights

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
        or fine-tune; only a model with one output per class (a flat
        output) is compiled, another stays uncompiled (it still predicts).

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

    config, keras3 = read_keras_config(path)
    try:
        architecture = architecture_from_config(config, strict=False)
        if architecture.input_shape is None:
            raise ModelFileError("the config does not say the model's input shape")
        model = Sequential(architecture.layers, input_shape=architecture.input_shape, name=architecture.name)
    except FastcnnError as error:
        raise ModelFileError(f"{path}: {error}") from None
    except (TypeError, AttributeError, KeyError, IndexError, ValueError, OverflowError, RecursionError) as error:
        raise ModelFileError(f"{path}: malformed model config ({type(error).__name__}: {first_line(error)})") from None
    keys = keras3_keys(architecture.keras_classes) if keras3 else [layer.name for layer in model.layers]
    shapes = {key: [(f"{layer.name}/{name}", value.shape) for name, value in layer_weights(layer)]
              for key, layer in zip(keys, model.layers)}
    weights = read_keras_weights(path, keras3, shapes)
    model.set_weights([value for key in keys for value in weights[key]])  # in get_weights order
    if compile and len(model.output_shape) == 1:  # a loss over classes needs one value per class
        model.compile(Adam(_learning_rate(config)), "categorical_crossentropy", ["categorical_accuracy", "auc"])
    return model


def layer_weights(layer):
    """One layer's weights in Keras's order: the trainable ones, then the others.

    Parameters
    ----------
    layer : Layer

    Returns
    -------
    list of (str, ndarray)
        Each weight's key (``kernel``, ``moving_mean``, ...) and live array, in the order
        ``Sequential.get_weights`` gives them within the layer.
    """
    return list(layer.params.items()) + list(layer.non_trainable.items())


def _learning_rate(config):
    """The Adam learning rate in the file's compile config, else 1e-3."""
    compile_config = config.get("compile_config")
    optimizer = compile_config.get("optimizer") if isinstance(compile_config, dict) else None
    settings = optimizer.get("config") if isinstance(optimizer, dict) else None
    if isinstance(settings, dict) and optimizer.get("class_name") == "Adam":
        rate = settings.get("learning_rate", settings.get("lr"))  # (Keras 2.2 and older: "lr")
        if isinstance(rate, (int, float)) and not isinstance(rate, bool) and 0 < rate < 1 and np.isfinite(rate):
            return float(rate)
    return 1e-3
