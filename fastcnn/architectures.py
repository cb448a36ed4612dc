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
from .classes import GALAXY_CLASSES
from .layers import Conv2D, Dense, Flatten, MaxPool2D
from .model import Sequential

__all__ = ["galaxy_classifier", "GALAXY_CLASSES"]


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
