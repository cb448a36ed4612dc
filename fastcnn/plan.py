"""How a compiled ``Sequential`` computes a batch: decided once, at ``compile``.

A :class:`Plan` is the model's layers turned into stages (:mod:`fastcnn.stages`)
plus the loss head.  The fast plan (Numba kernels): a ``Conv2D`` followed by a
2x2 ``MaxPool2D`` is one fused stage, a ``Dense`` fuses its ReLU, and the stages
call the kernels with arrays made once per batch size, so a training step does
no validation, allocation or decision that could have been made before.  Under
``use_backend("reference")`` the plan is one stage per layer, on the NumPy twins.
Both share the model's flat buffers (:mod:`fastcnn.parameters`) and agree to round-off.

**The loss head.**  When the last layer ends in a softmax and the loss is
categorical cross-entropy, the plan stops at the logits z and one fused kernel
gives the loss, the probabilities and dL/dz = w (p - y) / N (w: the samples'
class weights, 1 without them; :func:`fastcnn.losses.loss_fusion` decides).
"""
import numpy as np

from .augment import gather_views
from .backend import ops
from .inputs import as_model_input, standardization_of
from .kernels.softmax import softmax_forward_unchecked
from .kernels.softmax_cross_entropy import softmax_cross_entropy_unchecked
from .fusion import fuse_stages
from .losses import loss_fusion
from .stages import ConvPoolStage
from .threads import share_cores


class Plan:
    """The stages and the loss head of a compiled model.

    Parameters
    ----------
    layers : list of Layer
    loss : loss object
    parameters : FlatParameters
        The model's flat buffers (the stages write gradients into them).
    fast : bool
        True: fused stages on the Numba kernels; False: one LayerStage per
        layer, through whichever backend is active.
    """

    def __init__(self, layers, loss, parameters, fast=True):
        self.layers, self.loss, self.parameters, self.fast = layers, loss, parameters, fast
        self.fusion = loss_fusion(layers, loss)
        self.stages = fuse_stages(layers, self.fusion, parameters, fast)
        self.head_buffers = {}
        self._rows = np.arange(0)
        self.gathered = {}  # the batch buffers of gather_views, one per dtype
        self.standardization, self.folded = None, True  # see with_input

    def with_input(self, preprocessing):
        """Apply ``preprocessing``'s input standardisation from now on: folded into a first "valid"
        ConvPoolStage's weights, else applied to each batch as it is assembled (:mod:`fastcnn.standardization`).

        Parameters
        ----------
        preprocessing : fastcnn.records.Preprocessing or None

        Returns
        -------
        Plan
            The plan itself.
        """
        standardization = standardization_of(preprocessing)
        if standardization is not None:
            standardization.check_channels(self.layers[0].input_shape[-1])
        first = self.stages[0]
        self.folded = standardization is None or getattr(first, "folds_standardization", False)
        if isinstance(first, ConvPoolStage):
            first.standardization = standardization if self.folded else None
        self.standardization = standardization
        return self

    # -- one batch -----------------------------------------------------------------
    def batch_source(self, x, rows, views=None):
        """(array, rows, views) for the first stage: the data set itself when it can read it, else the batch.

        Parameters
        ----------
        x : ndarray or RowView, (N_total, H, W, C) uint8 or float
            The whole data set.
        rows : ndarray of int, (N,)
            The batch's row numbers in ``x``.
        views : ndarray of int64, (N,), optional
            ``fit``'s augmentation: sample i is view ``views[i]`` of x[rows[i]] (:mod:`fastcnn.augment`).

        Returns
        -------
        source, rows : ndarray
            ``x`` uncopied (or the array a RowView views) and the batch's rows in it, or the batch and 0..N-1.
        views : ndarray or None
            For a first stage that reads the views in place; else None (the views were gathered into the batch).
        """
        if hasattr(x, "base_rows"):  # a RowView: some rows of a larger array (a train/validation split)
            x, rows = x.base_rows(rows)
        if views is not None and not (self._reads_in_place(x) and self.stages[0].reads_views):
            x, rows, views = gather_views(x, rows, views, self.gathered), np.arange(len(rows)), None
        if self._reads_in_place(x):
            return x, rows, views
        explicit = None if self.folded else self.standardization
        batch = as_model_input(np.asarray(x[rows]), self.layers[0], self.parameters.params.dtype, explicit)
        return batch, np.arange(len(rows)), None

    def _reads_in_place(self, x):
        """True when the first stage can read its batches straight out of the data set ``x``."""
        return (self.stages[0].reads_rows and self.folded and isinstance(x, np.ndarray) and x.flags.c_contiguous
                and x.dtype in (np.uint8, self.parameters.params.dtype))

    def forward(self, x, rows, views=None, training=False):
        """The head for x[rows] (their views, with ``views``): logits when the loss is fused, else the model's output.

        Parameters
        ----------
        x, rows, views : ndarray
            As :meth:`batch_source` returns them.
        training : bool

        Returns
        -------
        ndarray, (N, classes)
            Often a stage's buffer: overwritten by the next forward of this batch size.
        """
        share_cores()  # fewer threads while other programs keep cores busy (fastcnn.threads)
        h = x
        for index, stage in enumerate(self.stages):
            h = stage.forward(h, rows, training) if index or views is None else stage.forward(h, rows, training, views)
            rows = self._every_row(len(h))
        return h

    def _every_row(self, n):
        """0..n-1 (cached): the ``rows`` of a stage that gets its whole input as the batch."""
        if len(self._rows) < n:
            self._rows = np.arange(max(n, 2 * len(self._rows)))
        return self._rows[:n]

    def loss_head(self, head, y, sample_weight=None):
        """(loss, probabilities, dL/d head) for the output of :meth:`forward`.

        Parameters
        ----------
        head : ndarray, (N, classes)
        y : ndarray, (N, classes)
            One-hot (or soft) labels; the loss smooths them if it was asked to.
        sample_weight : ndarray, (N,) float64, optional
            Each sample's loss weight (``fit``'s ``class_weight``); None: all 1.

        Returns
        -------
        loss : float
            The weighted losses summed and divided by N (Keras's ``"sum_over_batch_size"``).
        probabilities, d_head : ndarray, (N, classes)
        """
        y = self.loss.targets(np.ascontiguousarray(y, dtype=head.dtype))
        if self.fusion is None:
            return (self.loss.forward(y, head, sample_weight), head,
                    self.loss.backward(y, head, sample_weight))
        if not self.fast:
            return ops().softmax_cross_entropy(head, y, sample_weight)
        n, k = head.shape
        if (n, k) not in self.head_buffers:
            self.head_buffers[(n, k)] = (np.empty_like(head), np.empty_like(head), np.empty(n, np.float64),
                                         np.ones(n, np.float64))
        p, dz, sample_loss, ones = self.head_buffers[(n, k)]
        w = ones if sample_weight is None else sample_weight
        softmax_cross_entropy_unchecked(head, y, w, p, dz, sample_loss)
        return float(sample_loss.mean()), p, dz

    def backward(self, d, need_input_gradient=False):
        """Backward through every stage, from dL/d head; the first stage skips dL/dx unless asked.

        Parameters
        ----------
        d : ndarray, (N, classes)
            dL/d head, from :meth:`loss_head`; the stages write the weights' gradients into the flat buffer.
        need_input_gradient : bool, default False

        Returns
        -------
        ndarray, (N,) + the model's input shape, or None
            dL/dx; may be None unless asked for (a ConvPoolStage gives None for uint8 pixels).
        """
        for index in range(len(self.stages) - 1, -1, -1):
            d = self.stages[index].backward(d, need_input_gradient or index > 0)
        return d if self.folded or d is None else self.standardization.input_gradient(d)

    def outputs(self, head):
        """The model's outputs from :meth:`forward`'s head (the softmax, when it was left to the loss).

        Parameters
        ----------
        head : ndarray, (N, classes)

        Returns
        -------
        ndarray, (N, classes)
        """
        if self.fusion not in ("activation", "layer"):
            return head
        if not self.fast:
            return ops().softmax_forward(head)
        p = np.empty_like(head)
        softmax_forward_unchecked(head, p)
        return p

    def train_step(self, x, rows, y, optimizer, sample_weight=None, views=None):
        """One optimizer step on x[rows]; returns (loss, probabilities, number of non-finite weights).

        Nothing is updated when the loss is not finite.

        Parameters
        ----------
        x, rows : ndarray
            The data set and the batch's row numbers in it (see :meth:`batch_source`).
        y : ndarray, (N, classes)
        optimizer : Optimizer
        sample_weight : ndarray, (N,) float64, optional
            As for :meth:`loss_head`.
        views : ndarray of int64, (N,), optional
            As for :meth:`batch_source`.

        Returns
        -------
        loss : float
        probabilities : ndarray, (N, classes)
            The predictions made before the step.
        not_finite : int
        """
        head = self.forward(*self.batch_source(x, rows, views), training=True)
        loss, probabilities, d_head = self.loss_head(head, y, sample_weight)
        if not np.isfinite(loss):
            return loss, probabilities, 0
        self.backward(d_head)
        flat = self.parameters
        if self.fast:
            return loss, probabilities, optimizer.apply_flat(flat.params, flat.grads)
        optimizer.apply(flat.param_views, flat.grad_views)
        return loss, probabilities, int(np.count_nonzero(~np.isfinite(flat.params)))
