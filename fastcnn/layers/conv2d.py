"""Keras-style ``Conv2D`` layer: state and shapes only, math in kernels/conv2d.py."""
from ..backend import ops
from ..errors import InvalidArgumentError
from ..geometry import image_output_size, normalize_pair, normalize_padding
from .base import check_positive_int
from .linear import LinearLayer


class Conv2D(LinearLayer):
    """2-D convolution: (N, H, W, C_in) -> (N, OH, OW, filters).

    Parameters ``kernel`` (KH, KW, C_in, filters), glorot-uniform, and
    ``bias`` (filters,), zeros: the shapes Keras uses, so Keras weights load
    directly.  Accepts uint8 pixels (read as x / 255) as well as floats.

    Parameters
    ----------
    filters : int
        C_out, the number of output channels.
    kernel_size : int or (int, int)
        (KH, KW); one int for both.
    strides : int or (int, int), default 1
        (SH, SW); one int for both.
    padding : {"valid", "same"}, default "valid"
        ``"same"`` zero-pads so that OH = ceil(H / SH) (TensorFlow's rule).
    activation : {None, "linear", "relu", "softmax", "sigmoid", "tanh", "leaky_relu", "elu"}, default None
        A ReLU is applied inside the convolution kernel; the others after it, as a step of their own.
    dilation_rate : int or (int, int), default 1
        Keras's argument, accepted only as 1: dilated (atrous) convolution is
        not supported, and any other value is refused.
    name : str, optional
        See :class:`~fastcnn.layers.base.Layer`.
    """

    default_name = "conv2d"
    fuses_relu = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", activation=None, dilation_rate=1,
                 name=None):
        super().__init__(activation=activation, name=name)
        if normalize_pair(dilation_rate, "dilation_rate") != (1, 1):
            raise InvalidArgumentError(f"Conv2D: dilation_rate={dilation_rate!r} is not supported (only 1: "
                                       "fastcnn has no dilated convolution)")
        self.filters = check_positive_int(filters, "filters")
        self.kernel_size = normalize_pair(kernel_size, "kernel_size")
        self.strides = normalize_pair(strides, "strides")
        self.padding = normalize_padding(padding)

    def output_shape(self, input_shape):
        OH, OW = image_output_size(input_shape, self.kernel_size, self.strides, self.padding, "kernel",
                                   self.describe())
        return (OH, OW, self.filters)

    def param_shapes(self, input_shape):
        KH, KW = self.kernel_size
        return {"kernel": (KH, KW, input_shape[2], self.filters), "bias": (self.filters,)}

    def forward_linear(self, x, training=False, relu=False):
        self._check_input(x)
        out = ops().conv2d_forward(x, self.params["kernel"], self.params["bias"], self.strides, self.padding,
                                   relu=relu)
        self._remember(training, x=x, out=out if relu else None, relu=relu)
        return out

    def backward_linear(self, dz, need_input_gradient=True):
        cache = self._recall()
        dx, self.grads["kernel"], self.grads["bias"] = ops().conv2d_backward(
            dz, cache["x"], self.params["kernel"], self.strides, self.padding,
            relu=cache["relu"], out=cache["out"], need_dx=need_input_gradient,
        )
        return dx

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            kernel_size=list(self.kernel_size),
            strides=list(self.strides),
            padding=self.padding,
        )
        return config
