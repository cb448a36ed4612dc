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
    """``value`` as an int if it is a positive integer, else InvalidArgumentError quoting it.

    Parameters
    ----------
    value : object
        The hyper-parameter to check (a bool is refused).
    name : str
        How the error message calls it, e.g. ``"filters"``.

    Returns
    -------
    int
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class Layer:
    """The base of every layer: the lifecycle above, and the state it keeps.

    Parameters
    ----------
    name : str, optional
        Unique within a model; None gets an automatic Keras-style name
        (``default_name``, then ``_1``, ``_2``, ...) when the model is made.

    Attributes
    ----------
    params, grads : dict of str to ndarray
        The trainable weights (``"kernel"`` and ``"bias"``, ``"gamma"``, ...), else empty;
        ``grads[key]`` is shaped like ``params[key]`` (None before a backward).
    non_trainable : dict of str to ndarray
        Weights the layer updates itself and the optimizer never sees (BatchNormalization's
        ``moving_mean``, ``moving_variance``), else empty; saved after ``params``, as Keras orders them.
    input_shape : tuple of int or None
        The per-sample input shape, without the batch axis; None until built.
    """

    #: prefix of automatic names ("conv2d", "conv2d_1", ...), set by subclasses
    default_name = "layer"
    #: True for a layer that draws random numbers while training (Dropout): it has ``seed`` and ``rng``, a
    #: numpy Generator the model makes when it is built and keeps in its files (fastcnn.build, fastcnn.io)
    draws_random = False

    def __init__(self, name=None):
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise InvalidArgumentError(f"name must be a non-empty string, got {name!r}")
        self.name = name
        self.params, self.grads, self.non_trainable = {}, {}, {}
        self.input_shape = None
        self._cache = None

    # -- lifecycle ---------------------------------------------------------
    @property
    def built(self):
        """True once :meth:`build` has run."""
        return self.input_shape is not None

    def build(self, input_shape, rng=None):
        """Check ``input_shape`` (without batch axis) and create parameters.

        Parameters
        ----------
        input_shape : tuple of int
            One sample's shape: (H, W, C) or (D,).
        rng : numpy.random.Generator, optional
            Draws the initial kernel; None uses a fresh unseeded generator.
        """
        input_shape = self._valid_shape(input_shape)
        self.output_shape(input_shape)  # raises if the layer cannot take it
        self.create_params(input_shape, rng)
        self.input_shape = input_shape
        self.grads = {key: None for key in self.params}

    def param_shapes(self, input_shape):
        """``{"kernel": shape, "bias": shape}`` for ``input_shape`` ({} without weights).

        Known before anything is allocated, so a model can refuse absurd sizes.

        Parameters
        ----------
        input_shape : tuple of int
            One sample's shape, already checked.

        Returns
        -------
        dict of str to tuple of int
        """
        return {}

    def create_params(self, input_shape, rng):
        """Create ``self.params``: glorot-uniform kernels, zero biases (Keras's defaults).

        Parameters
        ----------
        input_shape : tuple of int
            One sample's shape, already checked.
        rng : numpy.random.Generator or None
            Draws the kernels; None uses a fresh unseeded generator.
        """
        rng = rng or np.random.default_rng()
        self.params = {
            name: initializers.glorot_uniform(shape, rng) if name == "kernel" else initializers.zeros(shape)
            for name, shape in self.param_shapes(input_shape).items()
        }

    def output_shape(self, input_shape):
        """The per-sample output shape for ``input_shape`` (no batch axis), or a ShapeError
        naming the layer when it cannot take that input.

        Parameters
        ----------
        input_shape : tuple of int
            One sample's shape: (H, W, C) or (D,).

        Returns
        -------
        tuple of int
        """
        raise NotImplementedError

    def forward(self, x, training=False):
        """The layer's output for a batch.

        Parameters
        ----------
        x : ndarray, (N,) + input_shape, float32 or float64
            A first Conv2D also takes uint8 pixels (read as x / 255).
        training : bool, default False
            True keeps what :meth:`backward` needs (the forward cache).

        Returns
        -------
        ndarray, (N,) + output_shape, the parameters' float dtype
        """
        raise NotImplementedError

    def backward(self, dout, need_input_gradient=True):
        """dL/d input from dL/d output; fills ``grads``.  Layers may skip the
        input gradient (and return None) when ``need_input_gradient`` is False.

        Needs a preceding ``forward(x, training=True)``; overwrites ``grads[key]`` with dL/d ``params[key]``.

        Parameters
        ----------
        dout : ndarray, (N,) + output_shape
            dL/d output, in the parameters' float dtype.
        need_input_gradient : bool, default True
            False: the caller does not need dL/dx (the first layer).

        Returns
        -------
        ndarray, (N,) + input_shape, or None
            dL/dx; None only when the layer skipped it.
        """
        raise NotImplementedError

    def get_config(self):
        """The constructor's arguments, JSON-able: ``cls(**config)`` makes an equal, unbuilt layer.

        Returns
        -------
        dict
        """
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        """A new, unbuilt layer from :meth:`get_config`'s output (the constructor's keyword arguments).

        Parameters
        ----------
        config : dict

        Returns
        -------
        Layer
        """
        return cls(**config)

    def count_params(self):
        """The number of weight values, trainable or not (0 before :meth:`build` and without weights).

        Returns
        -------
        int
        """
        return sum(int(p.size) for p in (*self.params.values(), *self.non_trainable.values()))

    # -- helpers for subclasses ---------------------------------------------
    def describe(self):
        """How error messages name the layer: ``Conv2D 'conv2d_1'``, or the class alone.

        Returns
        -------
        str
        """
        return f"{type(self).__name__} {self.name!r}" if self.name else type(self).__name__

    def _valid_shape(self, input_shape):
        try:
            shape = tuple(input_shape)
        except TypeError:
            raise ShapeError(f"{self.describe()}: input shape must be a tuple, got {input_shape!r}") from None
        if not shape or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shape):
            raise ShapeError(f"{self.describe()}: input shape must be positive integers without the batch axis, "
                             f"got {input_shape!r}")
        return tuple(int(s) for s in shape)

    def _check_input(self, x):
        """The batch matches the shape this layer was built for."""
        if not self.built:
            raise NotBuiltError(f"{self.describe()} is not built: call build(input_shape) first")
        shape = getattr(x, "shape", None)
        if shape is None or tuple(shape[1:]) != self.input_shape or len(shape) != len(self.input_shape) + 1:
            expected = ("N",) + self.input_shape
            raise ShapeError(f"{self.describe()} expects input of shape ({', '.join(map(str, expected))}), "
                             f"got {tuple(shape) if shape is not None else type(x).__name__}")

    def _remember(self, training, **cache):
        self._cache = cache if training else None

    def _recall(self):
        if self._cache is None:
            raise NotBuiltError(f"{self.describe()}: backward() needs a preceding forward(x, training=True)")
        return self._cache
