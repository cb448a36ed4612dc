"""Layers with a Keras-like lifecycle; see :mod:`fastcnn.layers.base`."""
from ..errors import InvalidArgumentError
from .activation import Activation
from .activations import ReLU, Softmax
from .average_pooling2d import AveragePooling2D, AvgPool2D
from .base import Layer
from .batch_normalization import BatchNormalization
from .conv2d import Conv2D
from .dense import Dense
from .elementwise import ELU, LeakyReLU
from .dropout import Dropout
from .flatten import Flatten
from .global_pooling2d import GlobalAveragePooling2D, GlobalAvgPool2D, GlobalMaxPool2D, GlobalMaxPooling2D
from .linear import LinearLayer
from .maxpool2d import MaxPool2D

MaxPooling2D = MaxPool2D  # Keras's other name for it

#: every layer type a model config may name
LAYER_TYPES = {cls.__name__: cls for cls in (Conv2D, MaxPool2D, Flatten, Dense, ReLU, Softmax,
                                             Activation, LeakyReLU, ELU, BatchNormalization, Dropout)}
# Keras's pooling layers, by their class names and by their other names
LAYER_TYPES.update(MaxPooling2D=MaxPool2D, AveragePooling2D=AveragePooling2D, AvgPool2D=AvgPool2D,
                   GlobalAveragePooling2D=GlobalAveragePooling2D, GlobalAvgPool2D=GlobalAvgPool2D,
                   GlobalMaxPooling2D=GlobalMaxPooling2D, GlobalMaxPool2D=GlobalMaxPool2D)


def serialize(layer):
    """``{"class_name": ..., "config": ...}``, Keras's layer description.

    Parameters
    ----------
    layer : Layer

    Returns
    -------
    dict
        ``class_name`` (a key of ``LAYER_TYPES``) and ``config`` (:meth:`Layer.get_config`).
    """
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(description):
    """Rebuild an (unbuilt) layer from :func:`serialize`'s output.

    Parameters
    ----------
    description : dict
        ``class_name`` and ``config``, e.g. read from a model file.

    Returns
    -------
    Layer

    Raises
    ------
    InvalidArgumentError
        For an unknown class name or a config its constructor does not take.
    """
    if not isinstance(description, dict) or "class_name" not in description:
        raise InvalidArgumentError(f"a layer description needs 'class_name' and 'config', got {description!r}")
    cls = LAYER_TYPES.get(description["class_name"])
    if cls is None:
        raise InvalidArgumentError(
            f"unknown layer type {description['class_name']!r}; known: {', '.join(LAYER_TYPES)}"
        )
    config = description.get("config", {})
    if not isinstance(config, dict):
        raise InvalidArgumentError(f"layer config must be a dict, got {config!r}")
    try:
        return cls.from_config(config)
    except TypeError as error:
        raise InvalidArgumentError(f"bad config for {cls.__name__}: {error}") from None


__all__ = [
    "Layer", "LinearLayer", "Conv2D", "MaxPool2D", "MaxPooling2D", "Flatten", "Dense",
    "ReLU", "Softmax", "LAYER_TYPES", "serialize", "deserialize",
    "Activation", "LeakyReLU", "ELU", "BatchNormalization", "Dropout",
    "AveragePooling2D", "AvgPool2D", "GlobalAveragePooling2D", "GlobalAvgPool2D",
    "GlobalMaxPooling2D", "GlobalMaxPool2D",
]
