"""Keras-style ``Dense`` layer: state and shapes only, math in kernels/dense.py."""
from ..backend import ops
from ..errors import ShapeError
from .base import check_positive_int
from .linear import LinearLayer


class Dense(LinearLayer):
    """Fully connected: (N, D_in) -> (N, units); ``kernel`` (D_in, units), ``bias`` (units,).

    Parameters
    ----------
    units : int
        D_out, the number of outputs.
    activation : {None, "linear", "relu", "softmax", "sigmoid", "tanh", "leaky_relu", "elu"}, default None
    name : str, optional
        See :class:`~fastcnn.layers.base.Layer`.
    """

    default_name = "dense"

    def __init__(self, units, activation=None, name=None):
        super().__init__(activation=activation, name=name)
        self.units = check_positive_int(units, "units")

    def output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise ShapeError(
                f"{self.describe()} expects a flat input (features,), got input shape "
                f"{tuple(input_shape)}: add a Flatten() layer before it"
            )
        return (self.units,)

    def param_shapes(self, input_shape):
        return {"kernel": (input_shape[0], self.units), "bias": (self.units,)}

    def forward_linear(self, x, training=False, relu=False):
        self._check_input(x)
        self._remember(training, x=x)
        return ops().dense_forward(x, self.params["kernel"], self.params["bias"])

    def backward_linear(self, dz, need_input_gradient=True):
        x = self._recall()["x"]
        dx, self.grads["kernel"], self.grads["bias"] = ops().dense_backward(dz, x, self.params["kernel"])
        return dx

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config
