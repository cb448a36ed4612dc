"""Keras-style ``AveragePooling2D`` layer (alias ``AvgPool2D``): state and shapes only, math in
kernels/average_pooling2d.py."""
from ..backend import ops
from .pooling import Pooling2D, normalize_data_format


class AveragePooling2D(Pooling2D):
    """Average pooling: (N, H, W, C) -> (N, OH, OW, C); ``strides`` defaults to ``pool_size``.

    As in Keras on TensorFlow, a ``"same"``-padded window at the border
    averages only its real pixels (the padding is not counted).

    Parameters
    ----------
    pool_size : int or (int, int), default (2, 2)
        (KH, KW) of the window; one int for both.
    strides : int or (int, int), optional
        (SH, SW); None means ``pool_size``.
    padding : {"valid", "same"}, default "valid"
        ``"same"`` pads so that OH = ceil(H / SH).
    data_format : {None, "channels_last"}, optional
        Keras's argument; only NHWC is supported (``"channels_first"`` is refused).
    name : str, optional
        See :class:`~fastcnn.layers.base.Layer`.
    """

    default_name = "average_pooling2d"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None):
        super().__init__(pool_size, strides, padding, name=name)
        self.data_format = normalize_data_format(data_format)

    def forward(self, x, training=False):
        self._check_input(x)
        self._remember(training, x=x)
        return ops().average_pooling2d_forward(x, self.pool_size, self.strides, self.padding)

    def backward(self, dout, need_input_gradient=True):
        x = self._recall()["x"]
        return ops().average_pooling2d_backward(dout, x, self.pool_size, self.strides, self.padding)

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format)
        return config


AvgPool2D = AveragePooling2D  # Keras's other name for it
