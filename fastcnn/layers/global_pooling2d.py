"""Keras-style ``GlobalAveragePooling2D`` and ``GlobalMaxPooling2D`` layers (aliases
``GlobalAvgPool2D``, ``GlobalMaxPool2D``): state and shapes only, math in
kernels/global_average_pooling2d.py and kernels/global_max_pooling2d.py."""
import numpy as np

from ..backend import ops
from ..errors import InvalidArgumentError, ShapeError
from .base import Layer
from .pooling import normalize_data_format


class GlobalPooling2D(Layer):
    """One value per channel: (N, H, W, C) -> (N, C), or (N, 1, 1, C) with ``keepdims``; the base of both global pools.

    The kernels return (N, C); with ``keepdims`` the layer reshapes that to
    (N, 1, 1, C), and the gradient back.

    Parameters
    ----------
    data_format : {None, "channels_last"}, optional
        Keras's argument; only NHWC is supported (``"channels_first"`` is refused).
    keepdims : bool, default False
        True keeps the image axes, as Keras does: output (N, 1, 1, C).
    name : str, optional
        See :class:`~fastcnn.layers.base.Layer`.
    """

    def __init__(self, data_format=None, keepdims=False, name=None):
        super().__init__(name=name)
        self.data_format = normalize_data_format(data_format)
        if not isinstance(keepdims, (bool, np.bool_)):
            raise InvalidArgumentError(f"keepdims must be True or False, got {keepdims!r}")
        self.keepdims = bool(keepdims)

    def output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ShapeError(f"{self.describe()} expects images (H, W, C), got input shape {tuple(input_shape)}")
        return (1, 1, input_shape[2]) if self.keepdims else (input_shape[2],)

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format, keepdims=self.keepdims)
        return config

    def _shaped(self, out):
        """The kernel's (N, C) as the layer's output: (N, 1, 1, C) with ``keepdims``."""
        return out.reshape((len(out),) + self.output_shape(self.input_shape))

    def _flat(self, dout):
        """dL/d output as the kernels take it, (N, C); with ``keepdims`` it comes as (N, 1, 1, C)
        (any other shape is left for the kernel to refuse, naming it)."""
        if self.keepdims and np.ndim(dout) == 4 and dout.shape[1:3] == (1, 1):
            return dout[:, 0, 0, :]
        return dout


class GlobalAveragePooling2D(GlobalPooling2D):
    """The mean of each channel over the image: (N, H, W, C) -> (N, C), or (N, 1, 1, C) with ``keepdims``.

    Parameters
    ----------
    data_format, keepdims, name
        As for :class:`GlobalPooling2D`.
    """

    default_name = "global_average_pooling2d"

    def forward(self, x, training=False):
        self._check_input(x)
        self._remember(training, x=x)
        return self._shaped(ops().global_average_pooling2d_forward(x))

    def backward(self, dout, need_input_gradient=True):
        return ops().global_average_pooling2d_backward(self._flat(dout), self._recall()["x"])


class GlobalMaxPooling2D(GlobalPooling2D):
    """The maximum of each channel over the image: (N, H, W, C) -> (N, C), or (N, 1, 1, C) with ``keepdims``.

    Parameters
    ----------
    data_format, keepdims, name
        As for :class:`GlobalPooling2D`.

    Notes
    -----
    The gradient goes to each channel's first maximum in row-major (h, w)
    order (MaxPool2D's tie rule); a NaN is a maximum, as in ``np.max``.
    """

    default_name = "global_max_pooling2d"

    def forward(self, x, training=False):
        self._check_input(x)
        out = ops().global_max_pooling2d_forward(x)
        self._remember(training, x=x, out=out)
        return self._shaped(out)

    def backward(self, dout, need_input_gradient=True):
        cache = self._recall()
        return ops().global_max_pooling2d_backward(self._flat(dout), cache["x"], cache["out"])


GlobalAvgPool2D = GlobalAveragePooling2D  # Keras's other names for them
GlobalMaxPool2D = GlobalMaxPooling2D
