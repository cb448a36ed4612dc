"""Elementwise activation layers beyond ReLU: ``LeakyReLU`` and ``ELU`` (Keras layers), and
``Sigmoid`` and ``Tanh``, which Keras has no layer class for: a model reaches those two through
``Activation("sigmoid")`` or ``activation="tanh"`` (:func:`fastcnn.layers.activations.get_activation`).

Each layer keeps its forward output, which is all its backward needs (docs/math/<op>.md
shows why); the math is in the kernels ``<activation_name>_forward`` and ``_backward``.
"""
from ..backend import ops
from ..errors import InvalidArgumentError
from ..scalars import nonnegative_float
from .base import Layer


class ElementwiseActivation(Layer):
    """The base of the layers here: output shape = input shape, any rank, no weights.

    ``forward`` calls the active backend's ``<activation_name>_forward(x, *hyper_parameters())``
    and keeps its output; ``backward`` calls ``<activation_name>_backward(dout, out, *hyper_parameters())``.

    Parameters
    ----------
    name : str, optional
        See :class:`~fastcnn.layers.base.Layer`.
    """

    #: names the kernels, and the ``activation=`` string that makes this layer
    activation_name = None

    def hyper_parameters(self):
        """What the kernels take after the arrays (none here; a slope or alpha in subclasses).

        Returns
        -------
        tuple of float
        """
        return ()

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def forward(self, x, training=False):
        self._check_input(x)
        out = getattr(ops(), f"{self.activation_name}_forward")(x, *self.hyper_parameters())
        self._remember(training, out=out)
        return out

    def backward(self, dout, need_input_gradient=True):
        out = self._recall()["out"]
        return getattr(ops(), f"{self.activation_name}_backward")(dout, out, *self.hyper_parameters())


class Sigmoid(ElementwiseActivation):
    """1 / (1 + exp(-x)), elementwise: what ``Activation("sigmoid")`` and ``activation="sigmoid"`` run.
    Made like every layer, ``Sigmoid(name=None)``, but not a Keras layer, so not in ``LAYER_TYPES``."""

    default_name = activation_name = "sigmoid"


class Tanh(ElementwiseActivation):
    """tanh(x), elementwise, in [-1, 1]: ``Activation("tanh")`` and ``activation="tanh"`` hold one.
    ``Tanh(name=None)``; like Sigmoid, no Keras class of that name exists, so a model file never names it."""

    default_name = activation_name = "tanh"


class LeakyReLU(ElementwiseActivation):
    """x for x > 0, else negative_slope * x (Keras 3's ``LeakyReLU``).

    Parameters
    ----------
    negative_slope : float, default 0.3
        The slope for x <= 0: finite and >= 0 (the backward tells x > 0 from the output > 0).
        Keras's layer default; ``activation="leaky_relu"`` uses the function's 0.2.
    name : str, optional
        See :class:`~fastcnn.layers.base.Layer`.
    alpha : float, optional
        Keras 2's name for ``negative_slope``, read from old model files; it wins over
        the default (giving both with different values is an error).
    """

    default_name = "leaky_re_lu"
    activation_name = "leaky_relu"

    def __init__(self, negative_slope=0.3, name=None, *, alpha=None):
        super().__init__(name=name)
        if alpha is not None:
            if negative_slope not in (0.3, alpha):
                raise InvalidArgumentError(f"LeakyReLU got negative_slope={negative_slope!r} and its Keras 2 name "
                                f"alpha={alpha!r}: give one")
            negative_slope = alpha
        self.negative_slope = nonnegative_float(negative_slope, "alpha" if alpha is not None else "negative_slope")

    def hyper_parameters(self):
        return (self.negative_slope,)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(ElementwiseActivation):
    """x for x > 0, else alpha * (exp(x) - 1) (Keras 3's ``ELU``).

    Parameters
    ----------
    alpha : float, default 1.0
        The negative saturation value: finite and >= 0 (Keras takes any; the backward
        tells x > 0 from the output > 0, which needs alpha >= 0).
    name : str, optional
        See :class:`~fastcnn.layers.base.Layer`.
    """

    default_name = "elu"
    activation_name = "elu"

    def __init__(self, alpha=1.0, name=None):
        super().__init__(name=name)
        self.alpha = nonnegative_float(alpha, "alpha")

    def hyper_parameters(self):
        return (self.alpha,)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
