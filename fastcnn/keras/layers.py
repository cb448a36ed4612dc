"""Keras layer descriptions to fastcnn layers, through an allow-list.

A Keras model config is data, and fastcnn treats it as data: a layer is
accepted only if its class is in :data:`KERAS_LAYERS`, and each of its
arguments only if that class lists it.  Nothing is ever imported, looked up
by name in a module or called: a ``Lambda`` layer, a custom object
(``registered_name`` of another package) or an unknown argument is refused
with one line that names the layer and the argument.

Each :class:`Spec` sorts a Keras class's arguments into three kinds:

* ``passed``: handed to the fastcnn layer (same name and meaning);
* ``fixed``: must have one of the listed values, the only ones fastcnn
  computes (``use_bias=True``, ``dilation_rate=1``, ``channels_last``, ...);
* ``training_only``: initializers, regularizers and constraints.  They do
  not change what a layer computes from its weights, so an imported model
  (whose weights come from the file) ignores them.  An architecture file
  (``strict``) is trained here from fresh weights, so it may give them only
  as Keras's defaults or null: fastcnn would not honour anything else.
"""
from typing import NamedTuple

from ..archive import first_line
from ..errors import InvalidArgumentError
from ..layers import LAYER_TYPES


def _training_only(*weights):
    return frozenset(f"{w}_{kind}" for w in weights for kind in ("initializer", "regularizer", "constraint"))


class Spec(NamedTuple):
    """How one Keras layer class maps to a fastcnn layer class."""

    target: str                      #: the fastcnn class, a key of LAYER_TYPES
    passed: frozenset = frozenset()  #: arguments handed over unchanged
    fixed: tuple = ()                #: (argument, allowed values) pairs
    training_only: frozenset = frozenset()


CHANNELS_LAST = ("data_format", (None, "channels_last"))
#: Keras 3's low-rank and quantized variants of a kernel, which fastcnn does not compute
PLAIN_KERNEL = (("quantization_config", (None,)), ("lora_rank", (None,)), ("lora_alpha", (None,)))
POOLING = Spec("MaxPool2D", frozenset({"pool_size", "strides", "padding"}), (CHANNELS_LAST,))
AVERAGE_POOLING = POOLING._replace(target="AveragePooling2D")
GLOBAL_AVERAGE = Spec("GlobalAveragePooling2D", frozenset({"keepdims"}), (CHANNELS_LAST,))
GLOBAL_MAX = GLOBAL_AVERAGE._replace(target="GlobalMaxPooling2D")

#: every Keras layer class fastcnn imports, by Keras's class name (aliases included)
KERAS_LAYERS = {
    "Conv2D": Spec("Conv2D", frozenset({"filters", "kernel_size", "strides", "padding", "activation"}),
                   (CHANNELS_LAST, ("use_bias", (True,)), ("dilation_rate", (1, [1, 1])), ("groups", (1,))) + PLAIN_KERNEL,
                   _training_only("kernel", "bias") | {"activity_regularizer"}),
    "Dense": Spec("Dense", frozenset({"units", "activation"}), (("use_bias", (True,)),) + PLAIN_KERNEL,
                  _training_only("kernel", "bias") | {"activity_regularizer"}),
    "MaxPooling2D": POOLING, "MaxPool2D": POOLING,
    "AveragePooling2D": AVERAGE_POOLING, "AvgPool2D": AVERAGE_POOLING,
    "GlobalAveragePooling2D": GLOBAL_AVERAGE, "GlobalAvgPool2D": GLOBAL_AVERAGE,
    "GlobalMaxPooling2D": GLOBAL_MAX, "GlobalMaxPool2D": GLOBAL_MAX,
    "Flatten": Spec("Flatten", fixed=(CHANNELS_LAST,)),
    "Dropout": Spec("Dropout", frozenset({"rate", "noise_shape", "seed"})),
    "BatchNormalization": Spec(
        "BatchNormalization", frozenset({"axis", "momentum", "epsilon", "center", "scale"}),
        (("synchronized", (False,)), ("renorm", (False,)), ("fused", (None, True, False)),
         ("virtual_batch_size", (None,)), ("adjustment", (None,))),
        _training_only("beta", "gamma", "moving_mean", "moving_variance") | {"renorm_clipping", "renorm_momentum"}),
    "Activation": Spec("Activation", frozenset({"activation"})),
    "ReLU": Spec("ReLU", fixed=(("max_value", (None,)), ("negative_slope", (0, 0.0)), ("threshold", (0, 0.0)))),
    "LeakyReLU": Spec("LeakyReLU", frozenset({"negative_slope", "alpha"})),
    "ELU": Spec("ELU", frozenset({"alpha"})),
    "Softmax": Spec("Softmax", fixed=(("axis", (-1, [-1])),)),
}

#: arguments any layer may carry: its name, and how Keras builds and stores it
GENERAL = frozenset({"name", "trainable", "dtype", "batch_input_shape", "batch_shape", "input_shape",
                     "batch_size", "input_dim"})
#: training-only arguments Keras writes with these values even where they do nothing
DEFAULT_VALUES = {"renorm_momentum": 0.99}
#: Keras's default initializers, the only ones an architecture file may name
DEFAULT_INITIALIZERS = {"kernel_initializer": "GlorotUniform", "bias_initializer": "Zeros",
                        "beta_initializer": "Zeros", "gamma_initializer": "Ones",
                        "moving_mean_initializer": "Zeros", "moving_variance_initializer": "Ones"}


def layer_from_keras(description, strict, position):
    """The fastcnn layer a Keras layer description asks for (unbuilt), or None for an ``InputLayer``.

    Parameters
    ----------
    description : dict
        ``{"class_name": ..., "config": {...}}`` as Keras writes it (``module``
        and ``registered_name`` may be there too).
    strict : bool
        True for an architecture file (training-only arguments must be
        defaults), False for an imported model (they are ignored).
    position : int
        The layer's index, for messages about unnamed layers.

    Returns
    -------
    Layer or None
    """
    if not isinstance(description, dict) or not isinstance(description.get("class_name"), str):
        raise InvalidArgumentError(f"layer {position}: expected {{\"class_name\": ..., \"config\": {{...}}}}, "
                                   f"got {str(description)[:80]}")
    class_name, config = description["class_name"], description.get("config", {})
    if not isinstance(config, dict):
        raise InvalidArgumentError(f"layer {position} ({class_name}): config must be an object")
    where = f"{class_name} {config.get('name')!r}" if isinstance(config.get("name"), str) else \
        f"layer {position} ({class_name})"
    _check_origin(description, class_name, where)
    if class_name == "InputLayer":
        for key in ("sparse", "ragged"):
            if config.get(key) not in (None, False):
                raise InvalidArgumentError(f"{where}: {key} inputs are not supported")
        if _dtype_name(config.get("dtype")) not in (None, "float32"):
            raise InvalidArgumentError(f"{where}: dtype {_dtype_name(config.get('dtype'))!r} is not supported "
                                       "(only float32)")
        return None
    spec = KERAS_LAYERS.get(class_name)
    if spec is None or spec.target not in LAYER_TYPES:
        known = sorted(name for name, known_spec in KERAS_LAYERS.items() if known_spec.target in LAYER_TYPES)
        raise InvalidArgumentError(f"{where}: layer type {class_name!r} is not supported (fastcnn takes "
                                   f"{', '.join(known)}; it never runs code from a model file)")
    arguments = {}
    for key, value in config.items():
        if key in spec.passed:
            arguments[key] = value
        elif key in GENERAL:
            _check_general(key, value, strict, where)
        elif key in dict(spec.fixed):
            allowed = dict(spec.fixed)[key]
            if value not in allowed:
                raise InvalidArgumentError(f"{where}: {key}={value!r} is not supported (only "
                                           f"{' or '.join(repr(a) for a in allowed)})")
        elif key in spec.training_only:
            if strict:
                _check_default(key, value, where)
        else:
            raise InvalidArgumentError(f"{where}: unknown argument {key!r}")
    if isinstance(config.get("name"), str):
        arguments["name"] = config["name"]
    axis = arguments.get("axis")
    if class_name == "BatchNormalization" and isinstance(axis, list) and len(axis) == 1:
        arguments["axis"] = axis[0]  # Keras 2 writes the built layer's axis as a list, [3]
    try:
        return LAYER_TYPES[spec.target].from_config(arguments)
    except (TypeError, ValueError) as error:
        raise InvalidArgumentError(f"{where}: {first_line(error)}") from None


def _check_origin(description, class_name, where):
    module, registered = description.get("module"), description.get("registered_name")
    if module is not None and (not isinstance(module, str) or not module.split(".")[0] in ("keras", "tf_keras")):
        raise InvalidArgumentError(f"{where}: a layer from module {module!r} is not a Keras layer; refused")
    if registered is not None and registered != class_name:
        raise InvalidArgumentError(f"{where}: custom object {registered!r} refused (fastcnn runs no code from a "
                                   "model file)")


def _check_general(key, value, strict, where):
    if key == "dtype" and _dtype_name(value) not in (None, "float32"):
        raise InvalidArgumentError(f"{where}: dtype {_dtype_name(value)!r} is not supported (only float32)")
    if key == "trainable" and strict and value is not True:
        raise InvalidArgumentError(f"{where}: trainable={value!r} is not supported (every layer trains)")


def _dtype_name(value):
    if isinstance(value, dict):  # Keras 3: {"class_name": "DTypePolicy", "config": {"name": "float32"}}
        config = value.get("config")
        value = config.get("name") if isinstance(config, dict) else None
        return value if isinstance(value, str) else "a policy without a name"
    return value if value is None or isinstance(value, str) else repr(value)


def _check_default(key, value, where):
    if value is None:
        return
    if DEFAULT_VALUES.get(key, object()) == value:  # what Keras writes even when unused (renorm_momentum=0.99)
        return
    if key.endswith("_initializer"):
        name = value.get("class_name") if isinstance(value, dict) else value
        wanted = DEFAULT_INITIALIZERS.get(key)
        if isinstance(name, str) and wanted and name.replace("_", "").lower() == wanted.lower():
            return
        raise InvalidArgumentError(f"{where}: {key}={name!r} is not supported (fastcnn draws {wanted or 'none'})")
    raise InvalidArgumentError(f"{where}: {key} must be null (fastcnn trains without it), got {str(value)[:60]}")
