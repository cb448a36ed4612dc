"""Activation layers, usable on their own (``ReLU()``) or by name inside
``Conv2D``/``Dense`` (``activation="relu"``)."""
from ..backend import ops
from ..errors import InvalidArgumentError
from .base import Layer


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


ACTIVATIONS = {"relu": ReLU, "softmax": Softmax}


def get_activation(name):
    """``None``/``"linear"`` -> None, ``"relu"`` -> ReLU(), ``"softmax"`` -> Softmax().

    Parameters
    ----------
    name : str or None
        Case-insensitive; anything else raises InvalidArgumentError.

    Returns
    -------
    ReLU, Softmax or None
        A new, unbuilt activation layer; None for no activation.
    """
    if name is None or name == "linear":
        return None
    if isinstance(name, str) and name.lower() in ACTIVATIONS:
        return ACTIVATIONS[name.lower()]()
    raise InvalidArgumentError(
        f"activation must be one of None, 'linear', {', '.join(repr(a) for a in ACTIVATIONS)}; got {name!r}"
    )
