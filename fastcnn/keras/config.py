"""Model configs to a list of fastcnn layers: Keras's (Sequential, or a Functional chain) and fastcnn's own.

Four shapes of architecture are understood, all plain JSON data:

* a list of layer descriptions ``[{"class_name": "Conv2D", "config": {...}}, ...]``;
* fastcnn's model config (``Sequential.get_config()``: ``name``, ``input_shape``, ``seed``, ``layers``);
* Keras's ``{"class_name": "Sequential", "config": {"layers": [...]}}`` (Keras 3 and 2; very old
  Keras 2 files have the list of layers as the config itself);
* Keras's ``{"class_name": "Functional", ...}`` (or ``"Model"``) when its layers form a chain:
  each layer takes the previous one's output and nothing else.

Every layer goes through the allow-list of :mod:`fastcnn.keras.layers`.
"""
from typing import NamedTuple, Optional

from ..errors import InvalidArgumentError
from .layers import layer_from_keras

SEQUENTIAL = ("Sequential",)
FUNCTIONAL = ("Functional", "Model")


class Architecture(NamedTuple):
    """What a config describes: the layers (new, unbuilt) and what else it says."""

    layers: list
    input_shape: Optional[tuple]  #: one sample's shape, when the config says it
    name: str
    seed: int
    keras_classes: tuple = ()     #: each layer's class name in the config (Keras's, aliases as written)


def architecture_from_config(config, strict=True):
    """The layers, input shape and name a model config describes.

    Parameters
    ----------
    config : list or dict
        One of the four shapes in the module docstring (already parsed JSON).
    strict : bool, default True
        True for an architecture to train from fresh weights; False for a
        model whose weights come from the same file (see :mod:`fastcnn.keras.layers`).

    Returns
    -------
    Architecture
    """
    name, seed, input_shape = "sequential", 0, None
    if isinstance(config, dict) and isinstance(config.get("class_name"), str):
        kind, body = config["class_name"], config.get("config")
        if kind in SEQUENTIAL:
            descriptions = body if isinstance(body, list) else body.get("layers") if isinstance(body, dict) else None
            if isinstance(body, dict):
                input_shape = _shape(body.get("build_input_shape"))
        elif kind in FUNCTIONAL:
            descriptions = _chain(body)
        else:
            raise InvalidArgumentError(f"expected a model (Sequential or Functional), got a {kind!r}")
        if isinstance(body, dict) and isinstance(body.get("name"), str):
            name = body["name"]
    elif isinstance(config, dict) and "layers" in config:  # fastcnn's own get_config()
        descriptions, name = config["layers"], config.get("name", name)
        input_shape, seed = _shape(config.get("input_shape"), batch_axis=False), config.get("seed", 0)
    elif isinstance(config, list):
        descriptions = config
    else:
        raise InvalidArgumentError("expected a list of layers or a model config, got "
                                   f"{type(config).__name__} {str(config)[:60]}")
    if not isinstance(descriptions, list) or not descriptions:
        raise InvalidArgumentError("the model config has no list of layers")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidArgumentError(f"seed must be a non-negative integer, got {seed!r}")
    layers, classes = [], []
    for position, description in enumerate(descriptions):
        if input_shape is None and (position == 0 or not layers):
            input_shape = _declared_shape(description)
        layer = layer_from_keras(description, strict, position)
        if layer is not None:
            layers.append(layer)
            classes.append(description["class_name"])
    if not layers:
        raise InvalidArgumentError("the model config has no layers besides its input")
    return Architecture(layers, input_shape, name if isinstance(name, str) else "sequential", seed, tuple(classes))


def _declared_shape(description):
    """The input shape a first layer (or an InputLayer) declares, or None."""
    config = description.get("config") if isinstance(description, dict) else None
    if not isinstance(config, dict):
        return None
    for key in ("batch_shape", "batch_input_shape"):
        if config.get(key) is not None:
            return _shape(config[key])
    if config.get("input_shape") is not None:
        return _shape(config["input_shape"], batch_axis=False)
    build = description.get("build_config") or {}
    return _shape(build.get("input_shape")) if isinstance(build, dict) else None


def _shape(value, batch_axis=True):
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or len(value) < (2 if batch_axis else 1):
        raise InvalidArgumentError(f"input shape must be a list like [null, 128, 128, 3], got {value!r}")
    shape = tuple(value[1:] if batch_axis else value)
    if any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shape):
        raise InvalidArgumentError(f"input shape must be positive integers, got {list(value)!r}")
    return shape


def _chain(body):
    """A Functional model's layers in order, if each takes exactly the previous one's output."""
    if not isinstance(body, dict) or not isinstance(body.get("layers"), list):
        raise InvalidArgumentError("the Functional model config has no list of layers")
    layers = body["layers"]
    previous = None
    for position, description in enumerate(layers):
        if not isinstance(description, dict):
            raise InvalidArgumentError(f"layer {position}: expected an object")
        config = description.get("config") or {}
        name = description.get("name", config.get("name") if isinstance(config, dict) else None)
        inbound = _inbound_names(description.get("inbound_nodes", []))
        if position == 0:
            if description.get("class_name") != "InputLayer" or inbound:
                raise InvalidArgumentError("a Functional model must start with its InputLayer")
        elif inbound != [previous]:
            raise InvalidArgumentError(
                f"layer {name!r} takes {inbound or 'no input'}, not just the previous layer {previous!r}: "
                "fastcnn imports only models whose layers form a chain")
        previous = name
    outputs = _inbound_names(body.get("output_layers", []))
    if outputs and outputs != [previous]:
        raise InvalidArgumentError(f"the model's output is {outputs}, not its last layer {previous!r}")
    return layers


def _inbound_names(nodes):
    """The layer names a Keras ``inbound_nodes`` (Keras 3 or 2) or ``output_layers`` entry refers to."""
    names = []
    if isinstance(nodes, dict):
        history = nodes.get("keras_history")
        if isinstance(history, list) and history and isinstance(history[0], str):
            return [history[0]]
        for value in nodes.values():
            names += _inbound_names(value)
    elif isinstance(nodes, list):
        if len(nodes) >= 3 and isinstance(nodes[0], str) and isinstance(nodes[1], int):
            return [nodes[0]]  # Keras 2: [layer_name, node_index, tensor_index, kwargs]
        for value in nodes:
            names += _inbound_names(value)
    return names
