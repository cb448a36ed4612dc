"""Keras-style ``MaxPool2D`` layer: state and shapes only, math in kernels/maxpool2d.py."""
from ..backend import ops
from ..geometry import image_output_size, normalize_pair, normalize_padding
from .base import Layer


class MaxPool2D(Layer):
    """Max pooling: (N, H, W, C) -> (N, OH, OW, C); ``strides`` defaults to ``pool_size``.

    Parameters
    ----------
    pool_size : int or (int, int), default 2
        (KH, KW) of the window; one int for both.
    strides : int or (int, int), optional
        (SH, SW); None means ``pool_size``.
    padding : {"valid", "same"}, default "valid"
        ``"same"`` pads so that OH = ceil(H / SH); padding never wins a maximum.
    name : str, optional
        See :class:`~fastcnn.layers.base.Layer`.
    """

    default_name = "max_pooling2d"

    def __init__(self, pool_size=2, strides=None, padding="valid", name=None):
        super().__init__(name=name)
        self.pool_size = normalize_pair(pool_size, "pool_size")
        self.strides = self.pool_size if strides is None else normalize_pair(strides, "strides")
        self.padding = normalize_padding(padding)

    def output_shape(self, input_shape):
        OH, OW = image_output_size(input_shape, self.pool_size, self.strides, self.padding, "pool window",
                                   self.describe())
        return (OH, OW, input_shape[2])

    def forward(self, x, training=False):
        self._check_input(x)
        out = ops().maxpool2d_forward(x, self.pool_size, self.strides, self.padding)
        self._remember(training, x=x, out=out)
        return out

    def backward(self, dout, need_input_gradient=True):
        cache = self._recall()
        return ops().maxpool2d_backward(dout, cache["x"], cache["out"], self.pool_size, self.strides, self.padding)

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=list(self.pool_size), strides=list(self.strides), padding=self.padding)
        return config
