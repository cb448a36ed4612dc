"""fastcnn: a small, fast, readable convolutional-network engine on Numba.

    import fastcnn
    model = fastcnn.galaxy_classifier()
    model.compile(fastcnn.Adam(1e-3), "categorical_crossentropy", ["categorical_accuracy", "auc"])
    history = model.fit(x, y, epochs=12, batch_size=5, validation_split=0.2)
"""
from ._version import __version__

#: each public name and the module it lives in, imported on first use (PEP 562): ``import fastcnn``
#: and the command line's ``--help`` do not pay for Numba and matplotlib until they are needed
_WHERE = {
    "GALAXY_CLASSES": "architectures", "galaxy_classifier": "architectures", "use_backend": "backend",
    "Callback": "callbacks", "History": "callbacks",
    "FastcnnError": "errors", "InvalidArgumentError": "errors", "NotBuiltError": "errors", "ShapeError": "errors",
    "TrainingDivergedError": "errors", "load_model": "io", "save_model": "io", "from_keras": "keras",
    "Conv2D": "layers", "Dense": "layers", "Flatten": "layers", "MaxPool2D": "layers", "MaxPooling2D": "layers",
    "ReLU": "layers", "Softmax": "layers", "ELU": "layers", "Activation": "layers",
    "BatchNormalization": "layers", "Dropout": "layers", "LeakyReLU": "layers", "AveragePooling2D": "layers",
    "AvgPool2D": "layers", "GlobalAveragePooling2D": "layers", "GlobalAvgPool2D": "layers",
    "GlobalMaxPool2D": "layers", "GlobalMaxPooling2D": "layers",
    "CategoricalCrossentropy": "losses", "Sequential": "model", "SGD": "optimizers", "Adam": "optimizers",
    "Preprocessing": "records", "TrainingRecord": "records", "Standardization": "standardization",
    "get_num_threads": "threads", "set_num_threads": "threads",
}


def __getattr__(name):
    """A public name's object (see ``_WHERE``) or a sub-module such as ``fastcnn.viz``, imported on first use."""
    import importlib

    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def __dir__():
    return sorted(set(globals()) | set(_WHERE))


__all__ = ["__version__", *_WHERE]
