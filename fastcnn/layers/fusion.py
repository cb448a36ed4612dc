"""Layer pairs whose backward passes run as one fused kernel.

``Conv2D(activation="relu")`` followed by ``MaxPool2D``: the pooled gradient
goes straight to the argmax pixels and through the convolution
(:mod:`fastcnn.kernels.conv2d_relu_maxpool2d`), instead of being scattered
into a mostly-zero array first.  The result is the same as calling the two
layers' ``backward`` one after the other (the tests check this); the model
uses it automatically.
"""
from ..backend import ops
from .conv2d import Conv2D
from .maxpool2d import MaxPool2D


def fuses_backward(first, second):
    """True when ``second.backward`` and ``first.backward`` can run as one kernel."""
    return (isinstance(first, Conv2D) and isinstance(second, MaxPool2D)
            and first._cache is not None and first._cache.get("relu")
            and second._cache is not None)


def conv_relu_pool_backward(conv, pool, dpooled, need_input_gradient=True):
    """dL/d(conv input) from dL/d(pool output); fills ``conv.grads``."""
    conv_cache, pool_cache = conv._recall(), pool._recall()
    dx, conv.grads["kernel"], conv.grads["bias"] = ops().conv2d_relu_maxpool2d_backward(
        dpooled, pool_cache["out"], conv_cache["out"], conv_cache["x"], conv.params["kernel"],
        conv.strides, conv.padding, pool.pool_size, pool.strides, pool.padding,
        need_dx=need_input_gradient,
    )
    return dx
