"""Plain-NumPy twin of :mod:`fastcnn.kernels.leaky_relu`, one element at a time."""
from ._elementwise import map_elements


def leaky_relu_forward(x, negative_slope):
    """out = x if x > 0 else negative_slope * x (so NaN stays NaN).

    Parameters
    ----------
    x, negative_slope
        Those of :func:`fastcnn.kernels.leaky_relu_forward` (the slope is not checked here).

    Returns
    -------
    out : an array like x
    """
    a = x.dtype.type(negative_slope)
    return map_elements(lambda v: v if v > 0 else a * v, x)


def leaky_relu_backward(dout, out, negative_slope):
    """dx = dout where out > 0, else negative_slope * dout (the slope at x = 0 too).

    Parameters
    ----------
    dout, out, negative_slope
        Like those of :func:`fastcnn.kernels.leaky_relu_backward`.

    Returns
    -------
    dx : an array like dout
    """
    a = dout.dtype.type(negative_slope)
    return map_elements(lambda g, o: g if o > 0 else a * g, dout, out)
