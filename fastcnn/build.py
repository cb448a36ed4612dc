"""Checking a list of layers and building it for an input shape.

Before anything is allocated, a model refuses sizes too big to be meant (a
typo, or a hostile model file): 100 million parameters is 400 MB of
float32.  Then each layer gets its input shape, checks it, and creates its
parameters (drawn in layer order from one seeded generator).  A layer that
draws random numbers while training (Dropout) gets a generator of its own.
"""
import math

import numpy as np

from .archive import first_line
from .errors import InvalidArgumentError, ShapeError
from .layers import Layer, deserialize, serialize

#: sizes beyond which a model is refused before anything is allocated
MAX_PARAMETERS = 100_000_000
MAX_ACTIVATION = 1_000_000_000  # values in one sample's activation


def check_layers(layers, seed):
    """The layers as a list, after checking them and the seed.

    Parameters
    ----------
    layers : list or tuple of Layer
        Distinct layer objects, at least one.
    seed : int
        Must be a non-negative integer.

    Returns
    -------
    list of Layer
    """
    if not isinstance(layers, (list, tuple)) or not layers:
        raise InvalidArgumentError(f"layers must be a non-empty list of layers, got {layers!r}")
    for layer in layers:
        if not isinstance(layer, Layer):
            raise InvalidArgumentError(f"not a fastcnn layer: {layer!r}")
    if len({id(layer) for layer in layers}) != len(layers):
        raise InvalidArgumentError("the same layer object appears twice in layers")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidArgumentError(f"seed must be a non-negative int, got {seed!r}")
    return list(layers)


def model_config(model):
    """The architecture of ``model`` as a JSON-able dict (what :func:`model_arguments` reads back).

    Parameters
    ----------
    model : Sequential

    Returns
    -------
    dict
        ``name``, ``input_shape``, ``seed`` and ``layers`` (each layer's class name and config).
    """
    return {"name": model.name, "input_shape": list(model.input_shape), "seed": model.seed,
            "layers": [serialize(layer) for layer in model.layers]}


def model_arguments(config):
    """The arguments of ``Sequential(...)`` from :func:`model_config`'s dict.

    Parameters
    ----------
    config : dict

    Returns
    -------
    dict
        ``layers`` (new, unbuilt layers), ``input_shape``, ``seed`` and ``name``.
    """
    if not isinstance(config, dict) or "layers" not in config or "input_shape" not in config:
        raise InvalidArgumentError("a model config needs 'layers' and 'input_shape'")
    return {"layers": [deserialize(description) for description in config["layers"]],
            "input_shape": tuple(config["input_shape"]), "seed": config.get("seed", 0),
            "name": config.get("name", "sequential")}


def assign_names(layers):
    """Give every unnamed layer Keras's automatic name (``conv2d``, ``conv2d_1``, ...).

    Parameters
    ----------
    layers : list of Layer
        Changed in place; names the user gave are kept.

    Raises
    ------
    InvalidArgumentError
        If two layers end up with the same name.
    """
    taken = {layer.name for layer in layers if layer.name}
    counts = {}
    for layer in layers:
        if layer.name:
            continue
        base = layer.default_name
        while True:
            index = counts.get(base, 0)
            counts[base] = index + 1
            candidate = base if index == 0 else f"{base}_{index}"
            if candidate not in taken:
                break
        layer.name = candidate
        taken.add(candidate)
    names = [layer.name for layer in layers]
    if len(set(names)) != len(names):
        raise InvalidArgumentError(f"layer names must be unique, got {names}")
    if any("/" in name for name in names):  # as in Keras: "/" separates layer and weight in "dense/kernel"
        raise InvalidArgumentError(f"layer names may not contain '/', got {[n for n in names if '/' in n]}")


def input_shape_of(value):
    """``value`` as a tuple of positive ints (one sample's shape), or ShapeError.

    Parameters
    ----------
    value : sequence of int

    Returns
    -------
    tuple of int
    """
    try:
        shape = tuple(value)
    except TypeError:
        raise ShapeError(f"input_shape must be a tuple like (H, W, C), got {value!r}") from None
    if not shape or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in shape):
        raise ShapeError(f"input_shape must be positive integers like (128, 128, 3), got {value!r}")
    return tuple(int(s) for s in shape)


def check_sizes(layers, input_shape):
    """Refuse, before allocating anything, a model too big to be meant.

    Parameters
    ----------
    layers : list of Layer
    input_shape : tuple of int
    """

    def check_activation(shape):
        if math.prod(shape) > MAX_ACTIVATION:
            raise ShapeError(
                f"an activation of shape {shape} per sample is over fastcnn's limit of {MAX_ACTIVATION:,} values"
            )

    current, total = input_shape, 0
    check_activation(current)
    for layer in layers:
        following = layer.output_shape(current)  # first: it checks that the layer can take this input at all
        total += sum(math.prod(s) for s in layer.param_shapes(current).values())
        current = following
        check_activation(current)
    if total > MAX_PARAMETERS:
        raise ShapeError(
            f"the model would have {total:,} parameters ({4 * total / 2**30:,.1f} GiB); "
            f"fastcnn's limit is {MAX_PARAMETERS:,}"
        )


def build_layers(layers, input_shape, seed):
    """Build every layer in turn for ``input_shape``; returns the model's output shape.

    Parameters
    ----------
    layers : list of Layer
    input_shape : tuple of int
    seed : int
        Seeds the one generator the layers draw their initial weights from.

    Returns
    -------
    tuple of int
    """
    check_sizes(layers, input_shape)
    rng = np.random.default_rng(seed)
    current = input_shape
    for index, layer in enumerate(layers):
        layer.build(current, rng)
        if layer.draws_random and layer.seed is None:  # a stream of its own: it never moves the initial weights
            layer.rng = np.random.default_rng([seed, 2, index])
        current = layer.output_shape(current)
    return current


def random_states(layers):
    """The state of each layer's random stream (Dropout's), by layer name: what model files keep.

    Parameters
    ----------
    layers : list of Layer

    Returns
    -------
    dict of str to dict
        ``{layer name: rng.bit_generator.state}`` for every layer that ``draws_random``.
    """
    return {layer.name: layer.rng.bit_generator.state for layer in layers if layer.draws_random}


def set_random_states(layers, states):
    """Put back the states :func:`random_states` took, so the layers draw the same numbers again.

    Parameters
    ----------
    layers : list of Layer
    states : dict of str to dict
        By layer name; layers left out keep their state.

    Raises
    ------
    InvalidArgumentError
        For a name that is not a layer drawing random numbers, or a state its generator refuses.
    """
    streams = {layer.name: layer.rng for layer in layers if layer.draws_random}
    if not isinstance(states, dict):
        raise InvalidArgumentError(f"random states must be a dict by layer name, got {type(states).__name__}")
    for name, state in states.items():
        if name not in streams:
            raise InvalidArgumentError(f"a random state for {name!r}, which is no layer drawing random numbers")
        try:
            streams[name].bit_generator.state = state
        except (TypeError, ValueError, KeyError) as error:
            raise InvalidArgumentError(f"bad random state for layer {name!r} ({first_line(error)})") from None
