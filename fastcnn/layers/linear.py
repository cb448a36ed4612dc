"""``LinearLayer``: what Conv2D and Dense share, a linear map followed by an optional activation."""
from .activations import ReLU, get_activation
from .base import Layer


class LinearLayer(Layer):
    """A linear map (convolution or dense) followed by an optional activation.

    ``forward`` = activation(``forward_linear``) and ``backward`` runs the
    activation's backward, then ``backward_linear``.  The model calls the two
    halves separately when it fuses a softmax activation with the
    cross-entropy loss.  A layer whose kernel can apply the ReLU itself
    (``fuses_relu``) hands ``activation="relu"`` to the kernel instead, which
    saves a pass over the output in both directions.

    Parameters
    ----------
    activation : {None, "linear", "relu", "softmax", "sigmoid", "tanh", "leaky_relu", "elu"}, default None
        Applied after the linear map; None and ``"linear"`` mean none.
    name : str, optional
        See :class:`~fastcnn.layers.base.Layer`.
    """

    #: True when forward_linear/backward_linear accept ``relu=True``
    fuses_relu = False

    def __init__(self, activation=None, name=None):
        super().__init__(name=name)
        self.activation = get_activation(activation)
        self._relu_in_kernel = self.fuses_relu and isinstance(self.activation, ReLU)

    def build(self, input_shape, rng=None):
        super().build(input_shape, rng)
        if self.activation is not None:
            self.activation.build(self.output_shape(self.input_shape))

    def forward(self, x, training=False):
        if self._relu_in_kernel:
            return self.forward_linear(x, training, relu=True)
        z = self.forward_linear(x, training)
        return z if self.activation is None else self.activation.forward(z, training)

    def backward(self, dout, need_input_gradient=True):
        if self.activation is not None and not self._recall().get("relu"):
            dout = self.activation.backward(dout)
        return self.backward_linear(dout, need_input_gradient)

    def forward_linear(self, x, training=False, relu=False):
        """The linear map alone: z = linear(x), before the activation.

        Parameters
        ----------
        x : ndarray, (N,) + input_shape
            As for :meth:`~fastcnn.layers.base.Layer.forward`.
        training : bool, default False
            True keeps what :meth:`backward_linear` needs.
        relu : bool, default False
            Return max(z, 0) instead (only when ``fuses_relu``).

        Returns
        -------
        ndarray, (N,) + output_shape
        """
        raise NotImplementedError

    def backward_linear(self, dz, need_input_gradient=True):
        """dL/dx from dL/dz, the gradient at :meth:`forward_linear`'s output; fills ``grads``.

        After ``forward_linear(..., relu=True)``, ``dz`` is dL/d max(z, 0) and is
        masked here by the forward's output > 0.

        Parameters
        ----------
        dz : ndarray, (N,) + output_shape
        need_input_gradient : bool, default True
            False lets the layer skip dL/dx.

        Returns
        -------
        ndarray, (N,) + input_shape, or None
            dL/dx; None when skipped.
        """
        raise NotImplementedError

    def get_config(self):
        config = super().get_config()
        config["activation"] = None if self.activation is None else self.activation.activation_name
        return config
