"""Ready-made architectures.

:func:`galaxy_classifier` is the reference model of the original Keras
galaxy project, layer for layer::

    input 128x128x3
    Conv2D(8, 3x3, stride 2, valid) + ReLU   -> 63x63x8     224 params
    MaxPool 2x2                              -> 31x31x8
    Conv2D(8, 3x3, stride 2, valid) + ReLU   -> 15x15x8     584 params
    MaxPool 2x2                              -> 7x7x8
    Flatten                                  -> 392
    Dense 16 + ReLU                          -> 16        6,288 params
    Dense 4 + softmax                        -> 4            68 params
                                                  total   7,164 params
"""
import json
from pathlib import Path

from .archive import first_line
from .classes import GALAXY_CLASSES
from .errors import FastcnnError, InvalidArgumentError
from .keras.config import architecture_from_config
from .layers import Conv2D, Dense, Flatten, MaxPool2D
from .model import Sequential

__all__ = ["galaxy_classifier", "GALAXY_CLASSES", "read_architecture", "model_from_architecture"]

#: an architecture file is a few kilobytes; anything this big is not one
MAX_ARCHITECTURE_BYTES = 4 * 2 ** 20


def galaxy_classifier(input_shape=(128, 128, 3), num_classes=4, seed=0):
    """The original project's CNN (uncompiled); compile with Adam(1e-3).

    Parameters
    ----------
    input_shape : tuple of int, default (128, 128, 3)
        One image, (H, W, C_in).
    num_classes : int, default 4
        Units of the last Dense layer.
    seed : int, default 0
        Seeds the initial weights.

    Returns
    -------
    Sequential
    """
    return Sequential(
        [
            Conv2D(8, 3, strides=2, padding="valid", activation="relu"),
            MaxPool2D(2),
            Conv2D(8, 3, strides=2, padding="valid", activation="relu"),
            MaxPool2D(2),
            Flatten(),
            Dense(16, activation="relu"),
            Dense(num_classes, activation="softmax"),
        ],
        input_shape=input_shape,
        seed=seed,
        name="galaxy_cnn",
    )


def read_architecture(path):
    """The layers an architecture file describes (JSON, read as data).

    The file holds a list of layer descriptions with Keras's class names and
    arguments, ``[{"class_name": "Conv2D", "config": {"filters": 8, "kernel_size": 3}}, ...]``,
    or a whole model config as fastcnn's or Keras's ``get_config()`` writes
    it (see :mod:`fastcnn.keras.config`).  Initializers, regularizers and
    constraints other than Keras's defaults are refused: the layers train
    here from fresh weights.

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    fastcnn.keras.Architecture
        ``input_shape`` is None unless the file says it.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidArgumentError(f"architecture file not found: {path}")
    if path.stat().st_size > MAX_ARCHITECTURE_BYTES:
        raise InvalidArgumentError(f"{path}: too big for an architecture file ({path.stat().st_size:,} bytes)")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise InvalidArgumentError(f"{path}: not valid JSON ({first_line(error)})") from None
    try:
        return architecture_from_config(config, strict=True)
    except FastcnnError as error:
        raise InvalidArgumentError(f"{path}: {error}") from None
    except (TypeError, AttributeError, KeyError, IndexError, ValueError, OverflowError, RecursionError) as error:
        raise InvalidArgumentError(f"{path}: malformed architecture ({type(error).__name__}: "
                                   f"{first_line(error)})") from None


def model_from_architecture(architecture, input_shape, num_classes=None, seed=0):
    """A new ``Sequential`` of an architecture's layers, built for ``input_shape``.

    Parameters
    ----------
    architecture : fastcnn.keras.Architecture
        From :func:`read_architecture` (its layers are used, not copied).
    input_shape : tuple of int
        One sample's shape, (H, W, C): the data's, whatever the file says.
    num_classes : int, optional
        When given, the model's output must have this many values.
    seed : int, default 0
        Seeds the initial weights.

    Returns
    -------
    Sequential
        Uncompiled.
    """
    model = Sequential(architecture.layers, input_shape=input_shape, seed=seed, name=architecture.name)
    if num_classes is not None and model.output_shape != (num_classes,):
        raise InvalidArgumentError(
            f"the model's output has shape {model.output_shape}, but the data has {num_classes} classes: "
            f"end the architecture with Dense({num_classes}, activation=\"softmax\")")
    return model
