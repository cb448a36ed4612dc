"""Plain-NumPy twin of :mod:`fastcnn.kernels.dense`: out = x w + b."""


def dense_forward(x, w, b):
    """x (N, D_in), w (D_in, D_out), b (D_out,) -> (N, D_out)."""
    return x @ w + b


def dense_backward(dout, x, w):
    """Returns (dx, dw, db) = (dout w^T, x^T dout, sum_n dout)."""
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)
