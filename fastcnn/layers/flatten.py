"""``Flatten``: (N, H, W, C) -> (N, H*W*C) in NHWC (row-major) order, like Keras."""
import math

from .base import Layer


class Flatten(Layer):
    """A reshape: (N, H, W, C) -> (N, H*W*C), row-major (NHWC), as Keras flattens.

    Parameters
    ----------
    name : str, optional
        See :class:`~fastcnn.layers.base.Layer`.
    """

    default_name = "flatten"

    def output_shape(self, input_shape):
        return (math.prod(input_shape),)

    def forward(self, x, training=False):
        self._check_input(x)
        self._remember(training, input_shape=x.shape)
        return x.reshape(x.shape[0], -1)

    def backward(self, dout, need_input_gradient=True):
        return dout.reshape(self._recall()["input_shape"])
