"""Keras-style ``MaxPool2D`` layer: state and shapes only, math in kernels/maxpool2d.py."""
from ..backend import ops
from .pooling import Pooling2D


class MaxPool2D(Pooling2D):
    """Max pooling: (N, H, W, C) -> (N, OH, OW, C), the maximum of each window; padding never wins a maximum.

    Parameters
    ----------
    pool_size, strides, padding, name
        As for :class:`~fastcnn.layers.pooling.Pooling2D`: ``pool_size`` (KH, KW) defaults to 2,
        ``strides`` (SH, SW) to ``pool_size``, ``padding`` to ``"valid"``.
    """

    default_name = "max_pooling2d"

    def forward(self, x, training=False):
        self._check_input(x)
        out = ops().maxpool2d_forward(x, self.pool_size, self.strides, self.padding)
        self._remember(training, x=x, out=out)
        return out

    def backward(self, dout, need_input_gradient=True):
        cache = self._recall()
        return ops().maxpool2d_backward(dout, cache["x"], cache["out"], self.pool_size, self.strides, self.padding)
