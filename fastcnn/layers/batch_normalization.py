"""Keras-style ``BatchNormalization`` layer: state and shapes only, math in kernels/batch_normalization.py."""
import numpy as np

from ..backend import ops
from ..errors import InvalidArgumentError, ShapeError
from .base import Layer

REAL = (int, float, np.floating)


class BatchNormalization(Layer):
    """Normalises every channel (the last axis) over the batch and all the other axes, as Keras does.

    With ``training=True``: (x - batch mean) / sqrt(batch variance + epsilon),
    scaled by ``gamma`` and shifted by ``beta``, and each moving statistic
    moves: moving = momentum * moving + (1 - momentum) * the batch's (the
    *biased* variance, as Keras keeps it).  With ``training=False`` the moving
    statistics are used instead.  Weights, in Keras's order: ``gamma`` (ones)
    and ``beta`` (zeros) in ``params`` (each only with ``scale`` / ``center``),
    ``moving_mean`` (zeros) and ``moving_variance`` (ones) in ``non_trainable``.

    Parameters
    ----------
    axis : int, default -1
        The channel axis: only the last is supported, as -1 or as its index
        counting the batch axis (3 for images, 1 for flat features).
    momentum : float in [0, 1], default 0.99
    epsilon : float > 0, default 1e-3
        Added to the variance.
    center : bool, default True
        Learn an offset ``beta``.
    scale : bool, default True
        Learn a scale ``gamma``.
    name : str, optional
        See :class:`~fastcnn.layers.base.Layer`.
    """

    default_name = "batch_normalization"

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, name=None):
        super().__init__(name=name)
        if isinstance(axis, bool) or not isinstance(axis, int) or axis == 0 or axis < -1:
            raise InvalidArgumentError(f"axis must be the channel axis, -1 (the last), got {axis!r}: "
                                       "BatchNormalization normalises the last axis only")
        if isinstance(momentum, bool) or not isinstance(momentum, REAL) or not 0.0 <= momentum <= 1.0:
            raise InvalidArgumentError(f"momentum must be a number in [0, 1], got {momentum!r}")
        if isinstance(epsilon, bool) or not isinstance(epsilon, REAL) or not epsilon > 0.0:
            raise InvalidArgumentError(f"epsilon must be a positive number, got {epsilon!r}")
        for flag, value in (("center", center), ("scale", scale)):
            if not isinstance(value, bool):
                raise InvalidArgumentError(f"{flag} must be True or False, got {value!r}")
        self.axis, self.momentum, self.epsilon = axis, float(momentum), float(epsilon)
        self.center, self.scale = center, scale

    def output_shape(self, input_shape):
        if self.axis not in (-1, len(input_shape)):
            given = ", ".join(map(str, ("N",) + tuple(input_shape)))
            raise ShapeError(f"{self.describe()}: axis={self.axis} is not the last axis of inputs ({given}); "
                             f"only the channel axis (-1 or {len(input_shape)}) is supported")
        return tuple(input_shape)

    def param_shapes(self, input_shape):
        channels = (input_shape[-1],)
        return {name: channels for name, wanted in (("gamma", self.scale), ("beta", self.center)) if wanted}

    def create_params(self, input_shape, rng):
        self.params = {name: (np.ones if name == "gamma" else np.zeros)(shape, np.float32)
                       for name, shape in self.param_shapes(input_shape).items()}
        self.non_trainable = {"moving_mean": np.zeros(input_shape[-1], np.float32),
                              "moving_variance": np.ones(input_shape[-1], np.float32)}

    def forward(self, x, training=False):
        self._check_input(x)
        gamma, beta = self.params.get("gamma"), self.params.get("beta")
        moving = (self.non_trainable["moving_mean"], self.non_trainable["moving_variance"])
        if not training:
            self._remember(False)
            return ops().batch_normalization_inference(x, gamma, beta, *moving, self.epsilon)
        out, x_hat, inv_std = ops().batch_normalization_forward(x, gamma, beta, *moving, self.momentum,
                                                                self.epsilon)
        self._remember(True, x_hat=x_hat, inv_std=inv_std)
        return out

    def backward(self, dout, need_input_gradient=True):
        cache = self._recall()
        dx, dgamma, dbeta = ops().batch_normalization_backward(dout, cache["x_hat"], cache["inv_std"],
                                                               self.params.get("gamma"))
        for key, gradient in (("gamma", dgamma), ("beta", dbeta)):
            if key in self.params:
                self.grads[key] = gradient
        return dx

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, momentum=self.momentum, epsilon=self.epsilon, center=self.center,
                      scale=self.scale)
        return config
