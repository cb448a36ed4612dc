"""The layer lifecycle shared by every layer (modelled on Keras).

1. ``__init__`` validates the hyper-parameters (errors quote the bad value).
2. ``build(input_shape, rng)`` learns the per-sample input shape ``(H, W, C)``
   or ``(D,)``, checks it, and creates the parameters.
3. ``forward(x, training=False)`` maps a batch; with ``training=True`` it keeps
   what ``backward`` will need (the forward cache).
4. ``backward(dout)`` takes dL/d output and returns dL/d input, and
   *overwrites* ``grads`` (it never accumulates).  The model tells the first
   layer ``need_input_gradient=False``: nobody needs dL/d(images).

Layers hold state only (parameters, gradients, forward cache, shapes); the math
lives in :mod:`fastcnn.kernels`, reached through :func:`fastcnn.backend.ops`.
Shapes passed to ``build``/``output_shape`` never include the batch axis.
"""
import numpy as np

from .. import initializers
from ..errors import InvalidArgumentError, NotBuiltError, ShapeError


def check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class Layer:
    #: prefix of automatic names ("conv2d", "conv2d_1", ...), set by subclasses
    default_name = "layer"

    def __init__(self, name=None):
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise InvalidArgumentError(f"name must be a non-empty string, got {name!r}")
        self.name = name
        self.params = {}
        self.grads = {}
        self.input_shape = None
        self._cache = None

    # -- lifecycle ---------------------------------------------------------
    @property
    def built(self):
        return self.input_shape is not None

    def build(self, input_shape, rng=None):
        """Check ``input_shape`` (without batch axis) and create parameters."""
        input_shape = self._valid_shape(input_shape)
        self.output_shape(input_shape)  # raises if the layer cannot take it
        self.create_params(input_shape, rng)
        self.input_shape = input_shape
        self.grads = {key: None for key in self.params}

    def param_shapes(self, input_shape):
        """``{"kernel": shape, "bias": shape}`` for ``input_shape`` ({} without weights).

        Known before anything is allocated, so a model can refuse absurd sizes."""
        return {}

    def create_params(self, input_shape, rng):
        """Create ``self.params``: glorot-uniform kernels, zero biases (Keras's defaults)."""
        rng = rng or np.random.default_rng()
        self.params = {
            name: initializers.glorot_uniform(shape, rng) if name == "kernel" else initializers.zeros(shape)
            for name, shape in self.param_shapes(input_shape).items()
        }

    def output_shape(self, input_shape):
        raise NotImplementedError

    def forward(self, x, training=False):
        raise NotImplementedError

    def backward(self, dout, need_input_gradient=True):
        """dL/d input from dL/d output; fills ``grads``.  Layers may skip the
        input gradient (and return None) when ``need_input_gradient`` is False."""
        raise NotImplementedError

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def count_params(self):
        return sum(int(p.size) for p in self.params.values())

    # -- helpers for subclasses ---------------------------------------------
    def describe(self):
        return f"{type(self).__name__} {self.name!r}" if self.name else type(self).__name__

    def _valid_shape(self, input_shape):
        try:
            shape = tuple(input_shape)
        except TypeError:
            raise ShapeError(f"{self.describe()}: input shape must be a tuple, got {input_shape!r}") from None
        if not shape or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shape):
            raise ShapeError(
                f"{self.describe()}: input shape must be positive integers without the batch axis, "
                f"got {input_shape!r}"
            )
        return tuple(int(s) for s in shape)

    def _check_input(self, x):
        """The batch matches the shape this layer was built for."""
        if not self.built:
            raise NotBuiltError(f"{self.describe()} is not built: call build(input_shape) first")
        shape = getattr(x, "shape", None)
        if shape is None or tuple(shape[1:]) != self.input_shape or len(shape) != len(self.input_shape) + 1:
            expected = ("N",) + self.input_shape
            raise ShapeError(
                f"{self.describe()} expects input of shape ({', '.join(map(str, expected))}), "
                f"got {tuple(shape) if shape is not None else type(x).__name__}"
            )

    def _remember(self, training, **cache):
        self._cache = cache if training else None

    def _recall(self):
        if self._cache is None:
            raise NotBuiltError(
                f"{self.describe()}: backward() needs a preceding forward(x, training=True)"
            )
        return self._cache
