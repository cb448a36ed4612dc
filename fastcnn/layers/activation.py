"""Keras's generic ``Activation`` layer: any activation :func:`~fastcnn.layers.activations.get_activation`
knows, named by its string (``Activation("tanh")``)."""
from .activations import get_activation
from .base import Layer


class Activation(Layer):
    """Applies the activation named ``activation`` to its input (any shape, no weights).

    It holds the activation layer ``get_activation`` makes (None for ``"linear"``, which
    passes its input through) and hands it each batch.

    Parameters
    ----------
    activation : str or None
        One of "linear", "relu", "softmax", "sigmoid", "tanh", "leaky_relu" (negative_slope 0.2)
        and "elu" (alpha 1.0), case-insensitive; None means "linear".
    name : str, optional
        See :class:`~fastcnn.layers.base.Layer`.
    """

    default_name = "activation"

    def __init__(self, activation, name=None):
        super().__init__(name=name)
        self.activation = get_activation(activation)

    def build(self, input_shape, rng=None):
        super().build(input_shape, rng)
        if self.activation is not None:
            self.activation.build(self.input_shape)

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def forward(self, x, training=False):
        self._check_input(x)
        self._remember(training, applied=self.activation is not None)
        return x if self.activation is None else self.activation.forward(x, training)

    def backward(self, dout, need_input_gradient=True):
        if not self._recall()["applied"]:
            return dout
        return self.activation.backward(dout, need_input_gradient)

    def get_config(self):
        name = "linear" if self.activation is None else self.activation.activation_name
        return {**super().get_config(), "activation": name}
