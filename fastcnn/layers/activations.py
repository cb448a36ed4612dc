"""Activation layers, usable on their own (``ReLU()``) or by name inside
``Conv2D``/``Dense`` (``activation="relu"``).  The other elementwise ones
(sigmoid, tanh, leaky_relu, elu) live in :mod:`fastcnn.layers.elementwise`."""
from functools import partial

from ..backend import ops
from ..errors import InvalidArgumentError
from .base import Layer
from .elementwise import ELU, LeakyReLU, Sigmoid, Tanh


class ReLU(Layer):
    """max(x, 0), elementwise.

    Parameters
    ----------
    name : str, optional
        See :class:`~fastcnn.layers.base.Layer`.
    """

    default_name = "re_lu"
    activation_name = "relu"

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def forward(self, x, training=False):
        self._check_input(x)
        out = ops().relu_forward(x)
        self._remember(training, out=out)
        return out

    def backward(self, dout, need_input_gradient=True):
        return ops().relu_backward(dout, self._recall()["out"])


class Softmax(Layer):
    """Softmax over the last axis (the classes).

    Parameters
    ----------
    name : str, optional
        See :class:`~fastcnn.layers.base.Layer`.
    """

    default_name = "softmax"
    activation_name = "softmax"

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def forward(self, x, training=False):
        self._check_input(x)
        p = ops().softmax_forward(x.reshape(-1, x.shape[-1])).reshape(x.shape)
        self._remember(training, p=p)
        return p

    def backward(self, dout, need_input_gradient=True):
        p = self._recall()["p"]
        return ops().softmax_backward(dout.reshape(-1, p.shape[-1]), p.reshape(-1, p.shape[-1])).reshape(p.shape)


ACTIVATIONS = {"relu": ReLU, "softmax": Softmax,
               # Keras's activation functions' defaults: leaky_relu's negative_slope is 0.2 (its layer's is 0.3)
               "sigmoid": Sigmoid, "tanh": Tanh, "leaky_relu": partial(LeakyReLU, negative_slope=0.2), "elu": ELU}


def get_activation(name):
    """``None``/``"linear"`` -> None, ``"relu"`` -> ReLU(), ``"softmax"`` -> Softmax(), ``"sigmoid"`` ->
    Sigmoid(), ``"tanh"`` -> Tanh(), ``"leaky_relu"`` -> LeakyReLU(negative_slope=0.2), ``"elu"`` -> ELU(alpha=1.0).

    Parameters
    ----------
    name : str or None
        Case-insensitive; anything else raises InvalidArgumentError listing the known names.

    Returns
    -------
    Layer or None
        A new, unbuilt activation layer whose ``activation_name`` is ``name`` in lower case;
        None for no activation.
    """
    if name is None or (isinstance(name, str) and name.lower() == "linear"):
        return None
    if isinstance(name, str) and name.lower() in ACTIVATIONS:
        return ACTIVATIONS[name.lower()]()
    raise InvalidArgumentError(
        f"activation must be one of None, 'linear', {', '.join(repr(a) for a in ACTIVATIONS)}; got {name!r}"
    )
