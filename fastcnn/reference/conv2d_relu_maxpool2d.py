"""Plain-NumPy twin of :mod:`fastcnn.kernels.conv2d_relu_maxpool2d`:
literally the three unfused backward steps, one after the other."""
import numpy as np

from .conv2d import conv2d_backward
from .maxpool2d import maxpool2d_backward


def conv2d_relu_maxpool2d_backward(dpooled, pooled, out, x, w, strides=1, padding="valid",
                                   pool_size=2, pool_strides=None, pool_padding="valid", need_dx=True):
    """(dx, dw, db) of maxpool(relu(conv2d(x, w, b))) given dL/d pooled."""
    dout = maxpool2d_backward(dpooled, out, pooled, pool_size, pool_strides, pool_padding)  # 1. the pool
    dz = np.where(out > 0, dout, 0).astype(dout.dtype)                                    # 2. the ReLU
    return conv2d_backward(dz, x, w, strides, padding, need_dx=need_dx)                    # 3. the convolution
