"""fastcnn: a small, fast, readable convolutional-network engine on Numba.

    import fastcnn
    model = fastcnn.galaxy_classifier()
    model.compile(fastcnn.Adam(1e-3), "categorical_crossentropy", ["categorical_accuracy", "auc"])
    history = model.fit(x, y, epochs=12, batch_size=5, validation_split=0.2)
"""
from ._version import __version__
from .architectures import GALAXY_CLASSES, galaxy_classifier
from .backend import use_backend
from .callbacks import Callback, History
from .errors import FastcnnError, InvalidArgumentError, NotBuiltError, ShapeError, TrainingDivergedError
from .io import load_model, save_model
from .keras import from_keras
from .layers import Conv2D, Dense, Flatten, MaxPool2D, MaxPooling2D, ReLU, Softmax
from .layers import ELU, Activation, BatchNormalization, Dropout, LeakyReLU
from .layers import (AveragePooling2D, AvgPool2D, GlobalAveragePooling2D, GlobalAvgPool2D, GlobalMaxPool2D,
                     GlobalMaxPooling2D)
from .losses import CategoricalCrossentropy
from .model import Sequential
from .optimizers import SGD, Adam
from .records import Preprocessing, TrainingRecord
from .standardization import Standardization
from .threads import get_num_threads, set_num_threads

__all__ = [
    "__version__", "Sequential", "History", "Callback",
    "Conv2D", "MaxPool2D", "MaxPooling2D", "Flatten", "Dense", "ReLU", "Softmax",
    "Adam", "SGD", "CategoricalCrossentropy",
    "galaxy_classifier", "GALAXY_CLASSES", "use_backend", "set_num_threads", "get_num_threads",
    "FastcnnError", "InvalidArgumentError", "ShapeError", "NotBuiltError", "TrainingDivergedError",
    "save_model", "load_model", "from_keras", "Preprocessing", "TrainingRecord", "Standardization",
    "Activation", "LeakyReLU", "ELU", "BatchNormalization", "Dropout",
    "AveragePooling2D", "AvgPool2D", "GlobalAveragePooling2D", "GlobalAvgPool2D",
    "GlobalMaxPooling2D", "GlobalMaxPool2D",
]
