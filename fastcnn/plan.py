"""How a compiled ``Sequential`` runs on the Numba kernels, decided once.

``Sequential.compile`` turns the list of layers into a :class:`Plan`: a list
of *stages*, each calling the private kernels directly with arrays it
allocated once per batch size, so a training step does no validation, no
allocation and no decision that could have been made before:

* ``Conv2D`` (ReLU or no activation) followed by ``MaxPool2D(2)`` (2x2,
  stride 2, no padding) is one :class:`ConvPoolStage`: the fused kernels of
  :mod:`fastcnn.kernels.conv2d_relu_maxpool2d`.  As the first stage it reads
  its batch straight out of the data set (``rows``), uint8 pixels included;
* ``Dense`` (ReLU or no activation) is a :class:`DenseStage`, ``Flatten`` a
  reshape; anything else runs its own layer's ``forward``/``backward``;
* a softmax at the end (the last layer's activation or a ``Softmax`` layer)
  meets categorical cross-entropy in the fused loss kernel;
* every parameter lives in one flat float buffer (the layers' ``params`` are
  views of it), every gradient in another, so the optimizer updates the
  whole model in one kernel call, which also reports a non-finite weight.

The plan only changes *how* the model computes, never *what*: each stage's
kernels are held to their NumPy twins by the tests, and the tests compare
the plan with the layer-by-layer path (which ``use_backend("reference")``
runs on the twins).
"""
import numpy as np

from ._jit import LANES
from .geometry import window_geometry
from .kernels import conv2d_relu_maxpool2d as conv_pool
from .kernels.conv2d import PIXEL_SCALE
from .kernels.dense import _dense_backward, _dense_forward
from .kernels.softmax import _softmax_forward
from .kernels.softmax_cross_entropy import _softmax_cross_entropy
from .layers.activations import ReLU
from .layers.conv2d import Conv2D
from .layers.dense import Dense
from .layers.flatten import Flatten
from .layers.maxpool2d import MaxPool2D
from .optimizers import flat_buffer
from .threads import share_cores


class Stage:
    """One step of the plan: ``forward(x, rows, training)``, ``backward(d, need_dx)``.

    ``rows`` selects the batch out of ``x`` (only the first stage gets a
    whole data set; later stages get rows = 0..N-1).  Buffers are made per
    batch size and reused.
    """

    reads_rows = False  # True: forward() may be given a whole data set and the batch's row numbers

    def __init__(self):
        self._buffers = {}

    def buffers(self, n):
        if n not in self._buffers:
            if len(self._buffers) > 4:  # at most a few batch sizes are in use at a time
                self._buffers.clear()
            self._buffers[n] = self.make_buffers(n)
        return self._buffers[n]

    def make_buffers(self, n):
        return {}


class ConvPoolStage(Stage):
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

    def make_buffers(self, n):
        pooled = np.empty((n,) + self.pooled_shape, dtype=self.dw.dtype)
        bounds, parts = conv_pool.backward_workspace(n, self.pooled_shape[0], self.dw.shape, False, pooled.dtype)
        return {"pooled": pooled, "argmax": np.empty(pooled.shape, np.uint8), "bounds": bounds, "parts": parts,
                "dxp": np.empty((n,) + self.padded_shape, dtype=pooled.dtype)}

    def forward(self, x, rows, training):
        if self.pads is not None:  # "same" padding: pad the batch (the reference model never does)
            x, rows = np.pad(x[rows], self.pads), np.arange(len(rows))
        b = self.buffers(len(rows))
        kernel = self.conv.params["kernel"]
        if x.dtype == np.uint8:  # (x / 255) * w == x * (w / 255)
            kernel = np.multiply(kernel, kernel.dtype.type(PIXEL_SCALE), out=self.scaled_kernel)
        conv_pool._conv2d_relu_maxpool2d_forward(x, rows, kernel, self.conv.params["bias"], self.SH, self.SW,
                                                 self.relu, b["pooled"], b["argmax"])
        self.x, self.rows = x, rows
        return b["pooled"]

    def backward(self, dpooled, need_dx):
        b = self.buffers(len(self.rows))
        need_dx = need_dx and self.x.dtype != np.uint8
        if need_dx:
            np.copyto(self.kernel_t, self.conv.params["kernel"].transpose(0, 1, 3, 2))
        dxp = b["dxp"] if need_dx else b["dxp"][:0]
        x_scale = self.dw.dtype.type(PIXEL_SCALE if self.x.dtype == np.uint8 else 1.0)
        conv_pool._conv2d_relu_maxpool2d_backward(dpooled, b["pooled"], b["argmax"], self.x, self.rows,
                                                  self.kernel_t, x_scale, self.SH, self.SW, self.relu, b["bounds"],
                                                  b["parts"], self.dw, self.db, dxp)
        self.conv.grads["kernel"], self.conv.grads["bias"] = self.dw, self.db
        if not need_dx:
            return None
        return dxp if self.pads is None else dxp[self.crop]


class DenseStage(Stage):
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
        _dense_forward(x, self.dense.params["kernel"], self.dense.params["bias"], self.relu, b["out"])
        self.x = x
        return b["out"]

    def backward(self, dout, need_dx):
        b = self.buffers(len(self.x))
        np.copyto(self.kernel_t, self.dense.params["kernel"].T)
        dx = b["dx"] if need_dx else b["dx"][:0]
        _dense_backward(dout, b["out"], self.x, self.kernel_t, self.relu, b["g"], dx, self.dw, self.db)
        self.dense.grads["kernel"], self.dense.grads["bias"] = self.dw, self.db
        return dx if need_dx else None


class FlattenStage(Stage):
    def forward(self, x, rows, training):
        self.shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dout, need_dx):
        return dout.reshape(self.shape)


class LayerStage(Stage):
    """Any other layer, through its own forward/backward (allocating, validating)."""

    def __init__(self, layer, grad_views):
        super().__init__()
        self.layer, self.grad_views = layer, grad_views

    def forward(self, x, rows, training):
        return self.layer.forward(x, training)

    def backward(self, dout, need_dx):
        dx = self.layer.backward(dout, need_dx)
        for key, view in self.grad_views.items():  # back into the flat gradient buffer
            np.copyto(view, self.layer.grads[key])
            self.layer.grads[key] = view
        return dx


def as_model_input(x, first_layer, dtype):
    """A batch as the first layer wants it.  uint8 pixels mean x / 255 (like
    torchvision's ToTensor), so images can stay uint8 in memory (4x smaller):
    a first Conv2D reads them as they are (its kernel folds the 1/255 into
    the weights); any other first layer gets x / 255 as floats.  Float input
    is used as given, in the model's dtype."""
    if x.dtype == np.uint8:
        if isinstance(first_layer, Conv2D):
            return np.ascontiguousarray(x)
        return np.divide(x, 255, dtype=dtype)
    return np.ascontiguousarray(x, dtype=dtype)


def fuses_with_pool(conv, pool):
    """True when Conv2D ``conv`` followed by ``pool`` runs as one ConvPoolStage."""
    return (isinstance(conv, Conv2D) and isinstance(pool, MaxPool2D)
            and (conv.activation is None or isinstance(conv.activation, ReLU))
            and pool.pool_size == (2, 2) and pool.strides == (2, 2) and pool.padding == "valid"
            and conv.filters % LANES == 0)


class Plan:
    """The stages, the loss head and the flat parameter/gradient buffers of a compiled model."""

    def __init__(self, model, fusion):
        self.model, self.fusion = model, fusion
        layers = model.layers
        params = [layer.params[key] for layer in layers for key in layer.params]
        dtype = params[0].dtype if params else np.dtype(np.float32)
        self.params, param_views = flat_buffer([p.shape for p in params], dtype)
        self.grads, grad_views = flat_buffer([p.shape for p in params], dtype)
        views = iter(zip(params, param_views, grad_views))
        self.grad_views = {}
        for layer in layers:
            for key in layer.params:
                value, param_view, grad_view = next(views)
                np.copyto(param_view, value)
                layer.params[key], layer.grads[key] = param_view, grad_view
                self.grad_views[id(layer), key] = grad_view
        self.param_views = param_views
        self.stages = self._stages(layers)
        self.head_buffers = {}
        self._rows = np.arange(0)

    def _stages(self, layers):
        stages, index = [], 0
        # a softmax fused into the loss: the last layer stops at its logits, or is skipped
        last = len(layers) - (1 if self.fusion == "layer" else 0)
        while index < last:
            layer = layers[index]
            is_last = index == last - 1
            grads = {key: self.grad_views[id(layer), key] for key in layer.params}
            if index + 1 < last and fuses_with_pool(layer, layers[index + 1]):
                stages.append(ConvPoolStage(layer, layers[index + 1], grads["kernel"], grads["bias"]))
                index += 2
                continue
            if isinstance(layer, Dense) and (layer.activation is None or isinstance(layer.activation, ReLU)
                                             or (is_last and self.fusion == "activation")):
                stages.append(DenseStage(layer, grads["kernel"], grads["bias"]))
            elif isinstance(layer, Flatten):
                stages.append(FlattenStage())
            else:
                stages.append(LayerStage(layer, grads))
            index += 1
        return stages

    def is_current(self):
        """False when a layer's parameters were replaced (not updated in place) since the plan was made."""
        views = iter(self.param_views)
        return all(layer.params[key] is next(views) for layer in self.model.layers for key in layer.params)

    # -- one batch -----------------------------------------------------------------
    def batch_source(self, x, rows):
        """(array, rows) for the first stage: the data set itself when it can read it, else the batch."""
        first = self.stages[0]
        if hasattr(x, "base_rows"):  # a RowView: some rows of a larger array (a train/validation split)
            x, rows = x.base_rows(rows)
        if (first.reads_rows and isinstance(x, np.ndarray) and x.flags.c_contiguous
                and x.dtype in (np.uint8, self.params.dtype)):
            return x, rows
        return as_model_input(np.asarray(x[rows]), self.model.layers[0], self.params.dtype), np.arange(len(rows))

    def forward(self, x, rows, training):
        """The head: logits when the loss is fused, else the model's output."""
        share_cores()  # fewer threads while other programs keep cores busy (fastcnn.threads)
        h = x
        for stage in self.stages:
            h = stage.forward(h, rows, training)
            rows = self._every_row(len(h))
        return h

    def _every_row(self, n):
        """0..n-1 (cached): the ``rows`` of a stage that gets its whole input as the batch."""
        if len(self._rows) < n:
            self._rows = np.arange(max(n, 2 * len(self._rows)))
        return self._rows[:n]

    def backward(self, d, need_input_gradient=False):
        for index in range(len(self.stages) - 1, -1, -1):
            d = self.stages[index].backward(d, need_input_gradient or index > 0)
        return d

    def loss_head(self, head, y):
        """(loss, probabilities, dL/d head) for the output of :meth:`forward`."""
        y = np.ascontiguousarray(y, dtype=head.dtype)
        if self.fusion is None:
            loss = self.model.loss
            return loss.forward(y, head), head, loss.backward(y, head)
        n, k = head.shape
        if (n, k) not in self.head_buffers:
            self.head_buffers[(n, k)] = (np.empty_like(head), np.empty_like(head), np.empty(n, np.float64))
        p, dz, sample_loss = self.head_buffers[(n, k)]
        _softmax_cross_entropy(head, y, p, dz, sample_loss)
        return float(sample_loss.mean()), p, dz

    def outputs(self, head):
        """The model's outputs from :meth:`forward`'s head (the softmax, when it was left to the loss)."""
        if self.fusion in ("activation", "layer"):
            p = np.empty_like(head)
            _softmax_forward(head, p)
            return p
        return head

    def train_step(self, x, rows, y, optimizer):
        """One optimizer step; returns (loss, probabilities, number of non-finite weights)."""
        head = self.forward(x, rows, training=True)
        loss, probabilities, d_head = self.loss_head(head, y)
        if not np.isfinite(loss):
            return loss, probabilities, 0
        self.backward(d_head)
        return loss, probabilities, optimizer.apply_flat(self.params, self.grads)
