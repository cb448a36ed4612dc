"""Plain-NumPy twin of :mod:`fastcnn.kernels.conv2d_relu_maxpool2d`: literally
the unfused steps, one after the other.

Forward: the convolution (its twin), then each 2x2 window's four values in
row-major order (dy, dx) = (0, 0), (0, 1), (1, 0), (1, 1); the first of
them wins unless a later one is strictly greater (so a NaN wins only as a
window's first value); then the ReLU.  Backward: route each pooled gradient
to its window's winner, mask it by the ReLU, and run the convolution's twin
backward.
"""
import numpy as np

from ..errors import ShapeError
from .conv2d import conv2d_backward, conv2d_forward
from .dihedral import dihedral_batch


def _windows(z):
    """z (N, OH, OW, C) -> (N, PH, PW, C, 4): each 2x2 window's values, row-major."""
    N, OH, OW, C = z.shape
    PH, PW = OH // 2, OW // 2
    return z[:, :2 * PH, :2 * PW].reshape(N, PH, 2, PW, 2, C).transpose(0, 1, 3, 5, 2, 4).reshape(N, PH, PW, C, 4)


def conv2d_relu_maxpool2d_forward(x, w, b, strides=1, padding="valid", relu=True, views=None):
    """(pooled, argmax) of maxpool2x2(relu(conv2d(x, w, b))); argmax = 2 dy + dx of each winner.

        z = conv2d(x, w, b)                       (N, OH, OW, C_out)
        pooled[n, ph, pw, c] = max(0, max_{dy, dx} z[n, 2 ph + dy, 2 pw + dx, c])   (no max(0, .) without ReLU)

    with PH = floor(OH / 2), PW = floor(OW / 2).

    Parameters
    ----------
    x, w, b, strides, padding, relu, views
        As for :func:`fastcnn.kernels.conv2d_relu_maxpool2d_forward`, whose specification this is
        (with views: of the turned and mirrored copies, np.rot90 and np.flip).

    Returns
    -------
    As :func:`fastcnn.kernels.conv2d_relu_maxpool2d_forward`.
    """
    if views is not None:
        x = dihedral_batch(x, np.arange(len(x)), views)
    windows = _windows(conv2d_forward(x, w, b, strides, padding))   # 1. the convolution
    best = windows[..., 0].copy()                                    # 2. the pool: first maximum
    argmax = np.zeros(best.shape, dtype=np.uint8)
    for position in range(1, 4):
        take = windows[..., position] > best
        best = np.where(take, windows[..., position], best)
        argmax = np.where(take, position, argmax).astype(np.uint8)
    pooled = np.where(best < 0, 0, best).astype(best.dtype) if relu else best   # 3. the ReLU
    return pooled, argmax


def conv2d_relu_maxpool2d_backward(dpooled, pooled, argmax, x, w, strides=1, padding="valid", relu=True,
                                   need_dx=True, views=None):
    """(dx, dw, db) of maxpool2x2(relu(conv2d(x, w, b))) given dL/d pooled.

    g = dpooled * [pooled > 0] (g = dpooled without ReLU) goes to each
    window's winner (oh, ow) = (2 ph + dy, 2 pw + dx), argmax = 2 dy + dx;
    from there on it is the convolution's backward.

    Parameters
    ----------
    dpooled, pooled, argmax, x, w, strides, padding, relu, need_dx, views
        As for :func:`fastcnn.kernels.conv2d_relu_maxpool2d_backward`, whose specification this is
        (with views: of the turned and mirrored copies; dx would be theirs, so need_dx must be False).

    Returns
    -------
    As :func:`fastcnn.kernels.conv2d_relu_maxpool2d_backward`.
    """
    if views is not None:
        if need_dx:
            raise ShapeError("with views, dL/dx is that of the views, not of x: pass need_dx=False")
        x = dihedral_batch(x, np.arange(len(x)), views)
    g = np.where(pooled > 0, dpooled, 0).astype(dpooled.dtype) if relu else dpooled   # 1. the ReLU
    N, PH, PW, C = g.shape
    z_shape = conv2d_forward(x[:1], w, np.zeros(C, w.dtype), strides, padding).shape   # (1, OH, OW, C)
    dz = np.zeros((N,) + z_shape[1:], dtype=g.dtype)
    for position in range(4):                                          # 2. the pool: to the winner
        dy, dx = divmod(position, 2)
        dz[:, dy:2 * PH:2, dx:2 * PW:2] += np.where(argmax == position, g, 0)
    return conv2d_backward(dz, x, w, strides, padding, need_dx=need_dx)  # 3. the convolution
