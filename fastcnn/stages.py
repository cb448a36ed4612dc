"""The stages a compiled model runs: each calls its kernels with arrays made once per batch size.

A :class:`fastcnn.plan.Plan` is a list of stages.  Every stage has
``forward(x, rows, training)`` and ``backward(d, need_dx)`` (their base,
:class:`fastcnn.stage.Stage`, documents them):

* :class:`ConvPoolStage`: ``Conv2D`` (ReLU or no activation) followed by a
  2x2, stride-2, unpadded ``MaxPool2D``, as one fused kernel in each
  direction (:mod:`fastcnn.kernels.conv2d_relu_maxpool2d`).  As the first
  stage it reads its batch straight out of the data set through the row
  numbers ``rows``, uint8 pixels included;
* :class:`DenseStage`: ``Dense`` with its ReLU fused (a softmax activation is
  left to the fused loss); :class:`FlattenStage`: a reshape;
* :class:`LayerStage`: any other layer, through its own ``forward`` and
  ``backward`` (which validate and allocate, and call whichever backend is
  active): the whole model on the NumPy twins is a plan of LayerStages.

The fast stages call the private kernels directly, with no argument checks:
the plan checked the shapes when it was made.  Their gradients go straight
into the model's flat gradient buffer (:mod:`fastcnn.parameters`).
"""
import numpy as np

from ._jit import LANES
from .geometry import window_geometry
from .kernels import conv2d_relu_maxpool2d as conv_pool
from .kernels.conv2d import PIXEL_SCALE
from .kernels.dense import dense_backward_unchecked, dense_forward_unchecked
from .layers.activations import ReLU
from .layers.conv2d import Conv2D
from .layers.maxpool2d import MaxPool2D
from .stage import Stage


class ConvPoolStage(Stage):
    """``Conv2D`` (ReLU or no activation) and the 2x2, stride-2, unpadded ``MaxPool2D`` after it, fused.

    It ``reads_rows``: as the first stage it takes the batch, uint8 pixels
    included, straight out of the data set (for pixels, the 1/255 goes into
    the kernel and no dx is computed).  With ``"same"`` padding it pads the
    batch first.  With "valid" padding, the plan may hand it the model's
    input standardisation, which it folds into the weights it uses
    (:mod:`fastcnn.standardization`).

    Parameters
    ----------
    conv : Conv2D
        Built, and fusable with ``pool`` (:func:`fuses_with_pool`).
    pool : MaxPool2D
        The layer after ``conv``.
    dw, db : ndarray
        The views of the flat gradient buffer for ``conv``'s kernel and bias.
    """

    reads_rows = True

    def __init__(self, conv, pool, dw, db):
        super().__init__()
        self.conv, self.dw, self.db = conv, dw, db
        self.relu = isinstance(conv.activation, ReLU)
        self.SH, self.SW = conv.strides
        H, W, C_in = conv.input_shape
        KH, KW = conv.kernel_size
        _, _, pad_h, pad_w = window_geometry(H, W, KH, KW, self.SH, self.SW, conv.padding)
        self.pads = None if conv.padding == "valid" else ((0, 0), pad_h, pad_w, (0, 0))
        self.padded_shape = (H + sum(pad_h), W + sum(pad_w), C_in)
        self.crop = (slice(None), slice(pad_h[0], pad_h[0] + H), slice(pad_w[0], pad_w[0] + W))
        self.pooled_shape = pool.output_shape(conv.output_shape(conv.input_shape))
        self.kernel_t = np.empty((KH, KW, conv.filters, C_in), dtype=dw.dtype)   # w transposed, for dx
        self.scaled_kernel = np.empty_like(dw)                                     # w / 255, for uint8 pixels
        self.folded_bias = np.empty_like(db)                                       # b', standardising
        self.standardization = None  # set by the plan: folded into the weights (fastcnn.standardization)

    @property
    def folds_standardization(self):
        """True when an input standardisation can be folded into the weights ("valid" padding only)."""
        return self.pads is None

    def make_buffers(self, n):
        pooled = np.empty((n,) + self.pooled_shape, dtype=self.dw.dtype)
        bounds, parts = conv_pool.backward_workspace(n, self.pooled_shape[0], self.dw.shape, False, pooled.dtype)
        return {"pooled": pooled, "argmax": np.empty(pooled.shape, np.uint8), "bounds": bounds, "parts": parts,
                "dxp": np.empty((n,) + self.padded_shape, dtype=pooled.dtype),
                "views": np.zeros(n, np.int64)}  # every sample as it is

    @property
    def reads_views(self):
        """True when :meth:`forward` can read turned or mirrored views in place ("valid" padding only)."""
        return self.pads is None

    def forward(self, x, rows, training, views=None):
        """The pooled output for the batch x[rows]; with ``views`` (only if :attr:`reads_views`), of their views.

        Parameters
        ----------
        x, rows, training
            As for :meth:`fastcnn.stage.Stage.forward`.
        views : ndarray of int64, (N,), optional
            Sample i is view ``views[i]`` of x[rows[i]] (:mod:`fastcnn.kernels.dihedral`), read in place.

        Returns
        -------
        ndarray, (N, PH, PW, C_out)
        """
        if self.pads is not None:  # "same" padding: pad the batch (the reference model never does)
            x, rows = np.pad(x[rows], self.pads), np.arange(len(rows))
        b = self.buffers(len(rows))
        views = b["views"] if views is None else views
        kernel, bias = self.conv.params["kernel"], self.conv.params["bias"]
        if self.standardization is not None:  # w' = w / (255 std), b' = b - sum w mean / std
            kernel, bias = self.standardization.fold(kernel, bias, x.dtype == np.uint8, self.scaled_kernel,
                                                     self.folded_bias)
        elif x.dtype == np.uint8:  # (x / 255) * w == x * (w / 255)
            kernel = np.multiply(kernel, kernel.dtype.type(PIXEL_SCALE), out=self.scaled_kernel)
        conv_pool.conv2d_relu_maxpool2d_forward_unchecked(x, rows, views, kernel, bias, self.SH, self.SW, self.relu,
                                                          b["pooled"], b["argmax"])
        self.x, self.rows, self.views = x, rows, views
        return b["pooled"]

    def backward(self, dpooled, need_dx):
        b = self.buffers(len(self.rows))
        need_dx = need_dx and self.x.dtype != np.uint8
        if need_dx and self.views is not b["views"]:
            raise ValueError("the input gradient of turned or mirrored views is not computed")
        if need_dx:  # float input: dL/dx goes through the weights the forward used
            kernel = self.conv.params["kernel"] if self.standardization is None else self.scaled_kernel
            np.copyto(self.kernel_t, kernel.transpose(0, 1, 3, 2))
        dxp = b["dxp"] if need_dx else b["dxp"][:0]
        x_scale = self.dw.dtype.type(PIXEL_SCALE if self.x.dtype == np.uint8 else 1.0)
        conv_pool.conv2d_relu_maxpool2d_backward_unchecked(dpooled, b["pooled"], b["argmax"], self.x, self.rows,
                                                           self.views, self.kernel_t, x_scale, self.SH, self.SW,
                                                           self.relu, b["bounds"], b["parts"], self.dw, self.db, dxp)
        if self.standardization is not None:  # dL/dw = (dL/dw' - mean dL/db) / std
            self.standardization.unfold_gradient(self.dw, self.db)
        self.conv.grads["kernel"], self.conv.grads["bias"] = self.dw, self.db
        if not need_dx:
            return None
        return dxp if self.pads is None else dxp[self.crop]


class DenseStage(Stage):
    """``Dense`` with its ReLU fused; a softmax activation is left to the fused loss (it outputs the logits).

    Parameters
    ----------
    dense : Dense
        Built.
    dw, db : ndarray
        The views of the flat gradient buffer for its kernel and bias.
    """

    def __init__(self, dense, dw, db):
        super().__init__()
        self.dense, self.dw, self.db = dense, dw, db
        self.relu = isinstance(dense.activation, ReLU)  # a softmax activation is left to the fused loss
        self.kernel_t = np.empty(dw.shape[::-1], dtype=dw.dtype)

    def make_buffers(self, n):
        D_in, D_out = self.dw.shape
        return {"out": np.empty((n, D_out), self.dw.dtype), "g": np.empty((n, D_out), self.dw.dtype),
                "dx": np.empty((n, D_in), self.dw.dtype)}

    def forward(self, x, rows, training):
        b = self.buffers(len(x))
        dense_forward_unchecked(x, self.dense.params["kernel"], self.dense.params["bias"], self.relu, b["out"])
        self.x = x
        return b["out"]

    def backward(self, dout, need_dx):
        b = self.buffers(len(self.x))
        np.copyto(self.kernel_t, self.dense.params["kernel"].T)
        dx = b["dx"] if need_dx else b["dx"][:0]
        dense_backward_unchecked(dout, b["out"], self.x, self.kernel_t, self.relu, b["g"], dx, self.dw, self.db)
        self.dense.grads["kernel"], self.dense.grads["bias"] = self.dw, self.db
        return dx if need_dx else None


class FlattenStage(Stage):
    """A ``Flatten`` layer: a reshape, (N, H, W, C) -> (N, H*W*C), and back for the gradient."""

    def forward(self, x, rows, training):
        self.shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dout, need_dx):
        return dout.reshape(self.shape)


class LayerStage(Stage):
    """Any layer, through its own ``forward``/``backward`` (validating, allocating).

    With ``linear=True`` (the last layer, whose softmax the loss takes over)
    it stops at the layer's linear part: ``forward_linear``/``backward_linear``.

    Parameters
    ----------
    layer : Layer
        Built.
    grad_views : dict of str to ndarray
        The layer's views of the flat gradient buffer, by key: after each
        backward its gradients are copied there and ``layer.grads`` points at them.
    linear : bool, default False
    """

    def __init__(self, layer, grad_views, linear=False):
        super().__init__()
        self.layer, self.grad_views, self.linear = layer, grad_views, linear

    def forward(self, x, rows, training):
        if self.linear:
            return self.layer.forward_linear(x, training)
        return self.layer.forward(x, training)

    def backward(self, dout, need_dx):
        if self.linear:
            dx = self.layer.backward_linear(dout, need_dx)
        else:
            dx = self.layer.backward(dout, need_dx)
        for key, view in self.grad_views.items():  # back into the flat gradient buffer
            np.copyto(view, self.layer.grads[key])
            self.layer.grads[key] = view
        return dx


def fuses_with_pool(conv, pool):
    """True when Conv2D ``conv`` followed by ``pool`` runs as one ConvPoolStage.

    Parameters
    ----------
    conv, pool : Layer
        Two consecutive layers.

    Returns
    -------
    bool
        For a ReLU or no activation, a 2x2, stride-2, unpadded pool and C_out a multiple of LANES.
    """
    return (isinstance(conv, Conv2D) and isinstance(pool, MaxPool2D)
            and (conv.activation is None or isinstance(conv.activation, ReLU))
            and pool.pool_size == (2, 2) and pool.strides == (2, 2) and pool.padding == "valid"
            and conv.filters % LANES == 0)
