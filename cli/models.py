"""Where a command's model comes from: a fastcnn model file, a Keras file, or an architecture file."""
import json
from pathlib import Path

import fastcnn
from fastcnn.architectures import read_architecture
from fastcnn.keras.files import is_keras_file

from .common import UserError


def read_model(path, compile=True):
    """A saved model, fastcnn's ``.npz`` or a Keras file (told apart by content), as it is.

    Parameters
    ----------
    path : str or pathlib.Path
    compile : bool, default True
        As for :func:`fastcnn.load_model` and :func:`fastcnn.from_keras`.

    Returns
    -------
    fastcnn.Sequential
    """
    return fastcnn.from_keras(path, compile=compile) if is_keras_file(path) else fastcnn.load_model(path, compile)


def load_any_model(path, class_names=None):
    """A saved model: a fastcnn ``.npz``, or a Keras ``.keras``/``.h5`` file imported on the fly.

    Parameters
    ----------
    path : str or pathlib.Path
    class_names : list of str, optional
        For a Keras file (which does not store them): the names of its
        outputs.  Default: the galaxy classes when it has four outputs.

    Returns
    -------
    fastcnn.Sequential
        Compiled; ``class_names`` set (None only for a fastcnn file saved without them).
    """
    model = read_model(path)
    if not is_keras_file(path):
        return model
    if class_names is not None or model.output_shape[-1] == len(fastcnn.GALAXY_CLASSES):
        model.class_names = output_names(model, class_names, path)
    return model


def load_trained_model(path):
    """A saved model that knows its class names (a Keras file gets the galaxy classes if it has 4 outputs).

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    fastcnn.Sequential
    """
    model = load_any_model(path)
    if not model.class_names:
        if is_keras_file(path):
            raise UserError(f"{path}: a Keras model with {model.output_shape[-1]} outputs; name its classes once "
                            f"with: fastcnn convert {path} --class-names A,B,...")
        raise UserError(f"{path}: the model has no class names; it was not saved by fastcnn train")
    return model


def output_names(model, class_names, path):
    """The class names of an imported model's outputs (checked against its output size).

    Parameters
    ----------
    model : fastcnn.Sequential
    class_names : list of str or None
        None: the galaxy classes for a model with four outputs.
    path : str or pathlib.Path
        For the message.

    Returns
    -------
    list of str
    """
    outputs = model.output_shape[-1]
    if class_names is None:
        if outputs != len(fastcnn.GALAXY_CLASSES):
            raise UserError(f"{path}: the model has {outputs} outputs; name them with --class-names A,B,...")
        return list(fastcnn.GALAXY_CLASSES)
    if len(class_names) != outputs or len(set(class_names)) != outputs or not all(class_names):
        raise UserError(f"--class-names: the model has {outputs} outputs, got {len(class_names)} names "
                        f"{class_names} (distinct and non-empty)")
    return list(class_names)


def starting_point(path):
    """What ``fastcnn train --model PATH`` starts from: an architecture, or a model to fine-tune.

    Parameters
    ----------
    path : pathlib.Path
        ``.json``: an architecture file (:func:`fastcnn.architectures.read_architecture`);
        anything else: a model file (fastcnn's ``.npz`` or a Keras file), whose weights are kept.

    Returns
    -------
    fastcnn.keras.Architecture or fastcnn.Sequential
    """
    if path.suffix.lower() == ".json":
        return read_architecture(path)
    if not path.is_file():
        raise UserError(f"--model: file not found: {path}")
    model = read_model(path)
    shape = model.input_shape
    if len(shape) != 3 or shape[2] != 3 or shape[0] != shape[1]:
        raise UserError(f"--model takes input {shape}; fastcnn train feeds it square RGB images (H, H, 3)")
    return model


def architecture_json(model):
    """A model's architecture as an indented JSON architecture file (without its input shape).

    Parameters
    ----------
    model : fastcnn.Sequential

    Returns
    -------
    str
        A list of ``{"class_name", "config"}`` that ``fastcnn train --model`` reads back.
    """
    return json.dumps(model.get_config()["layers"], indent=2)


def summary_model(path, input_size, classes):
    """The model ``fastcnn summary`` prints: a saved model, an architecture file, or the reference model.

    Parameters
    ----------
    path : str or None
    input_size : int
        H and W for an architecture without an input shape (and the reference model).
    classes : int
        Outputs of the reference model.

    Returns
    -------
    fastcnn.Sequential
    """
    if path is None:
        return fastcnn.galaxy_classifier(input_shape=(input_size, input_size, 3), num_classes=classes)
    path = Path(path)
    if path.suffix.lower() == ".json":
        architecture = read_architecture(path)
        shape = architecture.input_shape or (input_size, input_size, 3)
        return fastcnn.architectures.model_from_architecture(architecture, shape, seed=architecture.seed)
    return read_model(path, compile=False)


def model_to_train(start, size, class_names, seed):
    """The model a new ``fastcnn train`` run trains (uncompiled or to be compiled again).

    Parameters
    ----------
    start : None, fastcnn.keras.Architecture or fastcnn.Sequential
        What :func:`starting_point` returned; None: the reference classifier.
    size : tuple of int
        (H, W) of the images.
    class_names : list of str
        The data's classes: the model must have one output per class.
    seed : int
        Seeds new weights.

    Returns
    -------
    fastcnn.Sequential
    """
    shape = tuple(size) + (3,)
    if start is None:
        return fastcnn.galaxy_classifier(input_shape=shape, num_classes=len(class_names), seed=seed)
    if not isinstance(start, fastcnn.Sequential):
        return fastcnn.architectures.model_from_architecture(start, shape, len(class_names), seed)
    if start.input_shape != shape:
        raise UserError(f"--model takes input {start.input_shape}, but the images are {shape}")
    if start.output_shape != (len(class_names),):
        raise UserError(f"--model has output {start.output_shape}, but the data has {len(class_names)} classes")
    return start


def check_image_size(start, size, class_count=4):
    """A one-line error, before any data is read, when the model cannot take ``size`` images; names the smallest.

    Parameters
    ----------
    start : None or fastcnn.keras.Architecture
        What :func:`starting_point` returned (a saved model brings its own size).
    size : tuple of int
        (H, W) from ``--image-size``.
    class_count : int
        Outputs of the model to build (any number builds the same shapes).

    Returns
    -------
    None
    """
    from fastcnn.errors import FastcnnError

    if isinstance(start, fastcnn.Sequential):
        return

    def problem(side):  # None when the model builds for side x side images (the classes are checked later)
        try:
            if start is None:
                fastcnn.galaxy_classifier(input_shape=(side, side, 3), num_classes=class_count, seed=0)
            else:
                fastcnn.architectures.model_from_architecture(start, (side, side, 3), None, 0)
            return None
        except FastcnnError as error:
            return str(error)

    reason = problem(size[0])
    if reason is None:
        return
    smallest = next((side for side in range(size[0] + 1, 4097) if problem(side) is None), None)
    if smallest is None:
        raise UserError(reason)
    what = "the reference model" if start is None else "this architecture"
    raise UserError(f"--image-size {size[0]} is too small: {what} needs images of at least {smallest}x{smallest} "
                    f"pixels ({reason})")
