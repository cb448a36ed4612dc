"""Keras-style ``Dropout`` layer: its random stream and shapes, math in kernels/dropout.py."""
import numpy as np

from ..backend import ops
from ..errors import InvalidArgumentError, ShapeError
from .base import Layer


class Dropout(Layer):
    """Inverted dropout: while training, each value is zeroed with probability ``rate`` and the others are
    divided by 1 - rate; at inference (``training=False``), and with rate 0, the input passes unchanged.

    The uniform numbers come from the layer's own generator ``rng``:
    ``np.random.default_rng(seed)``, or, without a seed, one the model
    derives from its own seed and the layer's position when it is built
    (:func:`fastcnn.build.build_layers`); model files keep its state, so a
    resumed training draws what an uninterrupted one would have.

    Parameters
    ----------
    rate : float in [0, 1)
        The fraction of the values dropped.
    noise_shape : sequence of (int or None), optional
        Keras's: the shape of the mask, batch axis included, broadcast over
        the input; None entries take the input's size (``(None, 1, 1, C)``
        drops whole channels).  None: one draw per value.
    seed : int, optional
        Seeds ``rng``; None derives it from the model's seed.
    name : str, optional
        See :class:`~fastcnn.layers.base.Layer`.
    """

    default_name = "dropout"
    draws_random = True

    def __init__(self, rate, noise_shape=None, seed=None, name=None):
        super().__init__(name=name)
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating)) or not 0.0 <= rate < 1.0:
            raise InvalidArgumentError(f"rate must be a number in [0, 1), got {rate!r}")
        if noise_shape is not None and (not isinstance(noise_shape, (list, tuple)) or any(
                n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1) for n in noise_shape)):
            raise InvalidArgumentError(f"noise_shape must be None or a sequence of positive ints and Nones "
                                       f"(batch axis included), got {noise_shape!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise InvalidArgumentError(f"seed must be None or a non-negative int, got {seed!r}")
        self.rate, self.seed = float(rate), seed
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.rng = None

    def build(self, input_shape, rng=None):
        """Check ``input_shape`` and make ``rng`` from ``seed`` (a model replaces it for a layer without one).

        Parameters
        ----------
        input_shape : tuple of int
            One sample's shape.
        rng : numpy.random.Generator, optional
            Unused: the layer has no weights to draw.
        """
        super().build(input_shape, rng)
        self.rng = np.random.default_rng(self.seed)

    def output_shape(self, input_shape):
        if self.noise_shape is not None:
            given = ("N",) + tuple(input_shape)
            if len(self.noise_shape) != len(given) or any(
                    n not in (None, 1, size) for n, size in zip(self.noise_shape[1:], input_shape)):
                raise ShapeError(f"{self.describe()}: noise_shape {self.noise_shape} does not broadcast to "
                                 f"inputs ({', '.join(map(str, given))})")
        return tuple(input_shape)

    def forward(self, x, training=False):
        self._check_input(x)
        if not training or self.rate == 0.0:
            self._remember(training, keep=None)
            return x
        u = self.rng.random(self._mask_shape(x.shape), dtype=np.float32 if x.dtype == np.float32 else np.float64)
        out, keep = ops().dropout_forward(x, np.broadcast_to(u, x.shape), self.rate)
        self._remember(True, keep=keep)
        return out

    def backward(self, dout, need_input_gradient=True):
        keep = self._recall()["keep"]
        return dout if keep is None else ops().dropout_backward(dout, keep, self.rate)

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, noise_shape=None if self.noise_shape is None else list(self.noise_shape),
                      seed=self.seed)
        return config

    def _mask_shape(self, shape):
        """The shape of the uniform draw: the input's, or ``noise_shape`` with its Nones filled in."""
        if self.noise_shape is None:
            return shape
        if self.noise_shape[0] not in (None, 1, shape[0]):
            raise ShapeError(f"{self.describe()}: noise_shape {self.noise_shape} does not broadcast to a batch "
                             f"of {shape[0]}")
        return tuple(size if n is None else n for n, size in zip(self.noise_shape, shape))
