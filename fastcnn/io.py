"""Model files: one ``.npz`` holding everything ``predict`` and ``train`` need.

Layout (a plain zip of ``.npy`` arrays, readable with NumPy alone)::

    config          uint8 bytes of a UTF-8 JSON document:
                      {"format": "fastcnn-model", "format_version": 1,
                       "fastcnn_version": ..., "model": <Sequential.get_config()>,
                       "weights": [{"name", "shape", "dtype"}, ...],
                       "compile": {"loss", "metrics", "optimizer": <config>},
                       "optimizer_state": {"iterations", "slots": {"m": 8, ...}},
                       "shuffle_rng": <bit generator state>, "augment_rng": <bit generator state>,
                       "augment": null, "dihedral" or "flip",
                       "layer_rngs": {<layer name>: <bit generator state>, ...},
                       "class_names": [...], "preprocessing": {...}, "training": {...}}
    weight_0 ...    every weight in get_weights() order (non-trainable ones included)
    slot_m_0 ...    optimizer slots, same order

Saving is atomic: the file is written under a temporary name in the same
folder, flushed to disk, then renamed over the target, so a crash never
leaves a half-written model.  Loading never unpickles (``allow_pickle=False``)
and checks every array's name, shape and dtype against the config before
using it; anything unexpected is a :class:`ModelFileError` with one line.
``layer_rngs`` (the random streams of Dropout layers) came with them, and
``augment`` / ``augment_rng`` (``fit(augment=...)``) later; a file without
them loads with the streams the model's seed gives and no augmentation.
"""
import json
from pathlib import Path

import numpy as np

from ._files import atomic_write
from ._version import __version__
from .archive import FORMAT, FORMAT_VERSION, first_line, open_model_file, read_member, read_model_config
from .augment import check_augment
from .build import random_states, set_random_states
from .errors import FastcnnError, ModelFileError
from .model import Sequential
from .optimizers import optimizer_from_config
from .records import Preprocessing, TrainingRecord

def save_model(model, path, training=None, include_optimizer=True):
    """Write ``model`` and everything ``predict`` and ``train --resume`` need to ``path``, atomically.

    Parameters
    ----------
    model : Sequential
        Its weights, class names, ``preprocessing`` (a :class:`~fastcnn.records.Preprocessing`
        or None) and, when compiled, its optimizer and the optimizer's state.
    path : str or pathlib.Path
        The ``.npz`` file to write; its folder is created if missing.
    training : TrainingRecord or dict, optional
        How the model was trained; default ``model.training_info``.
    include_optimizer : bool, default True
        False leaves the optimizer and its state out (a smaller file for inference).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    training = model.training_info if training is None else training
    if isinstance(training, dict):
        training = TrainingRecord.from_dict(training)
    preprocessing = model.preprocessing
    if isinstance(preprocessing, dict):
        preprocessing = Preprocessing.from_dict(preprocessing)
    weights = model.get_weights()
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "fastcnn_version": __version__,
        "model": model.get_config(),
        "weights": [{"name": n, "shape": list(w.shape), "dtype": w.dtype.name}
                    for n, w in zip(model.weight_names(), weights)],
        "class_names": list(model.class_names) if model.class_names else None,
        "preprocessing": preprocessing.to_dict() if preprocessing is not None else None,
        "shuffle_rng": model.shuffle_rng.bit_generator.state,
        "augment_rng": model.augment_rng.bit_generator.state,
        "augment": model.augment,
        "layer_rngs": random_states(model.layers),
        "training": training.to_dict() if training is not None else {},
    }
    arrays = {f"weight_{i}": w for i, w in enumerate(weights)}
    if model.compiled and include_optimizer:
        state = model.optimizer.get_state()
        config["compile"] = {
            "loss": model.loss.get_config(),
            "metrics": [name for name, _ in model.metrics],
            "optimizer": model.optimizer.get_config(),
        }
        config["optimizer_state"] = {
            "iterations": state["iterations"],
            "slots": {name: len(state[name]) for name in model.optimizer.slot_names if state.get(name)},
        }
        for name in config["optimizer_state"]["slots"]:
            for i, slot in enumerate(state[name]):
                arrays[f"slot_{name}_{i}"] = slot
    arrays["config"] = np.frombuffer(json.dumps(config).encode("utf-8"), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as handle:
        np.savez(handle, **arrays)  # numeric arrays only: nothing is pickled
    return path


def read_config(path):
    """The JSON config of a model file (checks format and version only).

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.npz`` model file.

    Returns
    -------
    dict
        The decoded ``config`` member (layout in the module docstring).
    """
    try:
        with open_model_file(path) as archive:
            return read_model_config(archive, path)
    except ModelFileError:
        raise
    except Exception as error:  # noqa: BLE001  (same safety net as load_model)
        raise ModelFileError(f"{path}: not a valid fastcnn model file ({type(error).__name__}: {first_line(error)})") \
            from None


def load_model(path, compile=True):
    """Rebuild the model saved at ``path``: architecture, weights, class names,
    preprocessing and (with ``compile=True``) optimizer and its state.

    Anything wrong with the file raises :class:`ModelFileError` (one line);
    nothing in it is ever unpickled or evaluated.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.npz`` model file written by :func:`save_model`.
    compile : bool, default True
        Compile with the saved optimizer, loss and metrics and restore the
        optimizer's state, if the file has them; False: an uncompiled model.

    Returns
    -------
    Sequential
    """
    try:
        return _load_model(path, compile)
    except FastcnnError as error:
        if isinstance(error, ModelFileError):
            raise
        raise ModelFileError(f"{path}: {error}") from None
    except Exception as error:  # noqa: BLE001
        # a safety net under the specific checks above: whatever a damaged or
        # hostile file makes zipfile, NumPy or json raise must not escape as a crash
        raise ModelFileError(f"{path}: not a valid fastcnn model file ({type(error).__name__}: {first_line(error)})") \
            from None


def _load_model(path, compile):
    with open_model_file(path) as archive:
        config = read_model_config(archive, path)
        try:
            model = Sequential.from_config(config["model"])
        except FastcnnError as error:
            raise ModelFileError(f"{path}: bad model config: {error}") from None
        except (KeyError, TypeError) as error:
            raise ModelFileError(f"{path}: bad model config ({first_line(error)})") from None
        expected = [{"name": n, "shape": list(w.shape), "dtype": w.dtype.name}
                    for n, w, _ in model.named_weights()]
        if config.get("weights") != expected:
            raise ModelFileError(f"{path}: the weight list does not match the architecture in the config")
        weights = []
        for i, spec in enumerate(expected):
            try:
                array = read_member(archive, f"weight_{i}", path, spec["shape"], spec["dtype"])
            except ModelFileError as error:
                raise ModelFileError(str(error).replace(f"weight_{i} is", f"weight {spec['name']} is")) from None
            if not np.all(np.isfinite(array)):
                raise ModelFileError(f"{path}: weight {spec['name']} contains NaN or infinity")
            weights.append(array)
        model.set_weights(weights)
        model.class_names = _class_names(config.get("class_names"), model.output_shape, path)
        model.preprocessing = Preprocessing.from_dict(config.get("preprocessing"))
        model.training_info = TrainingRecord.from_dict(config.get("training"))
        model.augment = check_augment(config.get("augment"))
        for name in ("shuffle_rng", "augment_rng"):
            if config.get(name):
                try:
                    getattr(model, name).bit_generator.state = config[name]
                except (TypeError, ValueError, KeyError) as error:
                    raise ModelFileError(f"{path}: bad {name} state ({first_line(error)})") from None
        set_random_states(model.layers, config.get("layer_rngs") or {})
        if compile and config.get("compile"):
            _restore_optimizer(model, config, archive, path)
    return model


def _class_names(names, output_shape, path):
    """The model file's class names as a tuple, checked: strings, unique, one per output; or None."""
    if not names:
        return None
    if not isinstance(names, list) or not all(isinstance(name, str) and name for name in names):
        raise ModelFileError(f"{path}: class_names must be a list of non-empty strings")
    if len(set(names)) != len(names):
        raise ModelFileError(f"{path}: class_names repeats a name ({', '.join(names)})")
    if len(output_shape) != 1 or output_shape[0] != len(names):
        raise ModelFileError(f"{path}: {len(names)} class names for a model with {output_shape[-1]} outputs")
    return tuple(names)


def _restore_optimizer(model, config, archive, path):
    settings = config["compile"]
    try:
        optimizer = optimizer_from_config(settings["optimizer"])
        model.compile(optimizer, loss=_loss_from_config(settings["loss"]), metrics=settings.get("metrics", []))
    except FastcnnError as error:
        raise ModelFileError(f"{path}: bad training settings: {error}") from None
    except (KeyError, TypeError) as error:
        raise ModelFileError(f"{path}: bad training settings ({first_line(error)})") from None
    saved = config.get("optimizer_state") or {}
    slots = saved.get("slots") or {}
    state = {"iterations": saved.get("iterations", 0)}
    params = [value for _, value, _ in model.parameters()]
    for name in optimizer.slot_names:
        count = slots.get(name, 0)
        if count == 0 and saved.get("iterations", 0) == 0:
            state[name] = [np.zeros_like(p) for p in params]
            continue
        if count != len(params):
            raise ModelFileError(f"{path}: optimizer state {name!r} has {count} arrays, the model {len(params)}")
        arrays = []
        for i, param in enumerate(params):
            arrays.append(read_member(archive, f"slot_{name}_{i}", path, param.shape, param.dtype))
        state[name] = arrays
    try:
        optimizer.set_state(state)
    except FastcnnError as error:
        raise ModelFileError(f"{path}: bad optimizer state: {error}") from None


def _loss_from_config(loss_config):
    from .losses import LOSSES

    if not isinstance(loss_config, dict) or loss_config.get("name") not in LOSSES:
        raise ModelFileError(f"unknown loss {loss_config!r}")
    options = {k: v for k, v in loss_config.items() if k != "name"}
    return LOSSES[loss_config["name"]](**options)
