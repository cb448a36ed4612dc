"""What the pooling layers share: the window of ``MaxPool2D`` and ``AveragePooling2D``, and Keras's ``data_format``."""
from ..errors import InvalidArgumentError
from ..geometry import image_output_size, normalize_pair, normalize_padding
from .base import Layer


def normalize_data_format(data_format):
    """Keras's ``data_format``, of which fastcnn supports only ``"channels_last"`` (NHWC).

    Parameters
    ----------
    data_format : {None, "channels_last"}
        Case-insensitive, as in Keras; None means ``"channels_last"`` (Keras's
        default unless its config says otherwise).  ``"channels_first"`` is refused.

    Returns
    -------
    str
        ``"channels_last"``.
    """
    value = data_format.lower() if isinstance(data_format, str) else data_format
    if value is None or value == "channels_last":
        return "channels_last"
    if value == "channels_first":
        raise InvalidArgumentError(
            f"data_format={data_format!r} is not supported: fastcnn supports only 'channels_last' (NHWC, "
            f"images as (N, H, W, C))"
        )
    raise InvalidArgumentError(f"data_format must be None or 'channels_last', got {data_format!r}")


class Pooling2D(Layer):
    """A window sliding over each channel: (N, H, W, C) -> (N, OH, OW, C); the base of the windowed 2-D pools.

    Subclasses add ``forward`` and ``backward`` (which kernel reduces the window).

    Parameters
    ----------
    pool_size : int or (int, int), default 2
        (KH, KW) of the window; one int for both.
    strides : int or (int, int), optional
        (SH, SW); None means ``pool_size``.
    padding : {"valid", "same"}, default "valid"
        ``"same"`` pads so that OH = ceil(H / SH); the padding never takes part in a window.
    name : str, optional
        See :class:`~fastcnn.layers.base.Layer`.
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", name=None):
        super().__init__(name=name)
        self.pool_size = normalize_pair(pool_size, "pool_size")
        self.strides = self.pool_size if strides is None else normalize_pair(strides, "strides")
        self.padding = normalize_padding(padding)

    def output_shape(self, input_shape):
        OH, OW = image_output_size(input_shape, self.pool_size, self.strides, self.padding, "pool window",
                                   self.describe())
        return (OH, OW, input_shape[2])

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=list(self.pool_size), strides=list(self.strides), padding=self.padding)
        return config
