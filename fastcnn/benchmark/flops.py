"""Floating-point operations of each kernel, counted once, from the formulas of docs/math.

A multiply-add counts as 2 operations.  Counts are of the arithmetic the
kernel performs, so that FLOP/s compare with the machine's peak: the fused
backward's weight gradient multiplies all four pixels of every pool window
(three of them by zero, which is cheaper than branching around them), so it
counts like the forward; its input gradient visits only each window's
winner.
"""


def conv2d(N, OH, OW, KH, KW, C_in, C_out):
    """z[n, oh, ow, co] = b[co] + sum over KH * KW * C_in taps: one multiply-add per tap and output.

    Parameters
    ----------
    N : int
        Images.
    OH, OW : int
        Output height and width.
    KH, KW : int
        Kernel height and width.
    C_in, C_out : int
        Input and output channels.

    Returns
    -------
    int
        Floating-point operations.
    """
    return 2 * N * OH * OW * C_out * KH * KW * C_in


def conv2d_relu_maxpool2d_forward(N, PH, PW, KH, KW, C_in, C_out):
    """The (2 PH) x (2 PW) convolution outputs that the 2x2 windows cover.

    Parameters
    ----------
    N, KH, KW, C_in, C_out : int
        As for :func:`conv2d`.
    PH, PW : int
        Pooled output height and width.

    Returns
    -------
    int
        Floating-point operations (ReLU and pooling comparisons not counted).
    """
    return conv2d(N, 2 * PH, 2 * PW, KH, KW, C_in, C_out)


def conv2d_relu_maxpool2d_backward(N, PH, PW, KH, KW, C_in, C_out, need_dx=True):
    """dw over the four pixels of every window, and dx from each window's winner.

    Parameters
    ----------
    N, PH, PW, KH, KW, C_in, C_out : int
        As for :func:`conv2d_relu_maxpool2d_forward`.
    need_dx : bool, default True
        False for the first layer, whose input gradient is not computed.

    Returns
    -------
    int
        Floating-point operations.
    """
    dw = conv2d(N, 2 * PH, 2 * PW, KH, KW, C_in, C_out)
    dx = 2 * N * PH * PW * C_out * KH * KW * C_in if need_dx else 0
    return dw + dx


def dense_forward(N, D_in, D_out):
    """y = x w + b: one multiply-add per weight and image (the bias is not counted).

    Parameters
    ----------
    N : int
        Images.
    D_in, D_out : int
        Input and output units.

    Returns
    -------
    int
        Floating-point operations.
    """
    return 2 * N * D_in * D_out


def dense_backward(N, D_in, D_out, need_dx=True):
    """dw = x^T g and, if needed, dx = g w^T.

    Parameters
    ----------
    N, D_in, D_out : int
        As for :func:`dense_forward`.
    need_dx : bool, default True
        Whether the input gradient is computed.

    Returns
    -------
    int
        Floating-point operations.
    """
    return 2 * N * D_in * D_out * (2 if need_dx else 1)


def reference_model_training(N=1):
    """One training step of galaxy_classifier on N images (forward and backward, no optimizer).

    Parameters
    ----------
    N : int, default 1
        Images (128 x 128 x 3).

    Returns
    -------
    int
        Floating-point operations.
    """
    forward = (conv2d_relu_maxpool2d_forward(N, 31, 31, 3, 3, 3, 8) + conv2d_relu_maxpool2d_forward(N, 7, 7, 3, 3, 8, 8)
               + dense_forward(N, 392, 16) + dense_forward(N, 16, 4))
    backward = (conv2d_relu_maxpool2d_backward(N, 31, 31, 3, 3, 3, 8, need_dx=False)
                + conv2d_relu_maxpool2d_backward(N, 7, 7, 3, 3, 8, 8) + dense_backward(N, 392, 16)
                + dense_backward(N, 16, 4))
    return forward + backward
