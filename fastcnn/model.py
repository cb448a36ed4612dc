"""``Sequential``: a stack of layers that trains with a Keras-like API.

The whole story of one training step, and where each part lives:

1. ``compile`` moves every parameter into one flat buffer (the layers hold
   views of it, :mod:`fastcnn.parameters`) and decides, once, how the model
   runs: the *plan* (:mod:`fastcnn.plan`), a list of stages
   (:mod:`fastcnn.stages`) in which a Conv2D and the 2x2 MaxPool2D after it
   are one fused kernel, a Dense layer fuses its ReLU, and a final softmax
   is left to the loss.
2. forward: each stage in turn, from a batch of images to the logits z;
3. the loss: one fused kernel turns z into the loss, the probabilities p
   and dL/dz = (p - y) / N;
4. backward: each stage in reverse, writing its gradients into the flat
   gradient buffer;
5. the optimizer updates the whole flat buffer in one kernel call.

``fit`` (:mod:`fastcnn.training`) repeats that step over shuffled batches
and calls the callbacks; ``summary`` is :mod:`fastcnn.summary`; checking and
building the layers is :mod:`fastcnn.build`; reading and writing the weights
and the architecture is :class:`fastcnn.weights.ModelWeights`, which
``Sequential`` inherits.  Under
``fastcnn.use_backend("reference")`` the model runs a plain plan instead:
one stage per layer, on the NumPy twins.
"""
import numpy as np

from . import evaluation, inference, summary, training
from .backend import current_backend
from .build import assign_names, build_layers, check_layers, input_shape_of
from .errors import NotBuiltError, ShapeError, TrainingDivergedError
from .inputs import check_images, check_labels
from .losses import get_loss
from .metrics import get_metric
from .optimizers import get_optimizer
from .parameters import FlatParameters
from .plan import Plan
from .weights import ModelWeights


class Sequential(ModelWeights):
    """A stack of layers, built for one input shape.

    Parameters
    ----------
    layers : list of Layer
        Distinct layer objects; unnamed ones get Keras's names (``conv2d``, ``conv2d_1``, ...).
    input_shape : tuple of int
        One sample's shape, e.g. (128, 128, 3).
    seed : int, default 0
        Seeds the initial weights and the shuffling stream.
    name : str, default "sequential"

    Attributes
    ----------
    optimizer, loss, metrics
        Set by :meth:`compile`.
    class_names : tuple of str or None
        The classes in one-hot order (saved with the model).
    preprocessing : fastcnn.records.Preprocessing or None
        How image files become the model's input (saved with the model).
    training_info : fastcnn.records.TrainingRecord or None
        How the model was trained (saved with the model).
    augment : {None, "dihedral", "flip"}
        The augmentation of the last ``fit`` (saved with the model; ``predict(tta=True)`` reads it).
    stop_training : bool
        Set by a callback to end ``fit`` after the current batch.
    """

    def __init__(self, layers, input_shape, seed=0, name="sequential"):
        self.layers, self.name, self.seed = check_layers(layers, seed), name, int(seed)
        self.optimizer, self.loss, self.metrics = None, None, []
        self.stop_training = False
        self.class_names, self.preprocessing, self.training_info = None, None, None
        assign_names(self.layers)
        self.input_shape = input_shape_of(input_shape)
        self.output_shape = build_layers(self.layers, self.input_shape, self.seed)
        # shuffling and augmentation draw from their own streams, so they never disturb initialisation
        self.shuffle_rng = np.random.default_rng([self.seed, 1])
        self.augment_rng = np.random.default_rng([self.seed, 3])
        self.augment = None
        self._flat, self._plans = None, {}

    # -- compile: decide once how the model runs ---------------------------------------
    def compile(self, optimizer="adam", loss="categorical_crossentropy", metrics=("categorical_accuracy", "auc")):
        """Choose the optimizer, loss and metrics, and decide how the model runs (its plan).

        Parameters
        ----------
        optimizer : str or Optimizer, default "adam"
        loss : str or Loss, default "categorical_crossentropy"
        metrics : str or sequence of str, default ("categorical_accuracy", "auc")

        Returns
        -------
        Sequential
            The model itself.
        """
        self.optimizer, self.loss = get_optimizer(optimizer), get_loss(loss)
        self.metrics = [get_metric(name) for name in ([metrics] if isinstance(metrics, str) else metrics or [])]
        if len(self.output_shape) != 1:
            raise ShapeError(
                f"categorical cross-entropy needs an output (classes,), the model outputs {self.output_shape}")
        self._flat = FlatParameters(self.layers)  # the parameters now live in one flat buffer
        self._plans = {"numba": Plan(self.layers, self.loss, self._flat, fast=True)}
        self.optimizer.build(self._flat.param_views)
        return self

    @property
    def compiled(self):
        """True once ``compile`` was called."""
        return self.loss is not None

    def require_compiled(self):
        """Raise :class:`~fastcnn.errors.NotBuiltError` unless ``compile`` was called."""
        if not self.compiled:
            raise NotBuiltError("call model.compile(optimizer, loss, metrics) before training or evaluating")

    def plan(self):
        """The plan this model runs on the active backend (made again if a parameter array was replaced).

        Returns
        -------
        fastcnn.plan.Plan
        """
        self.require_compiled()
        if not self._flat.is_current():
            self._flat = FlatParameters(self.layers)
            self._plans = {"numba": Plan(self.layers, self.loss, self._flat, fast=True)}
            self.optimizer.cast_slots(self.dtype)
        backend = current_backend()
        if backend not in self._plans:
            self._plans[backend] = Plan(self.layers, self.loss, self._flat, fast=False)
        return self._plans[backend].with_input(self.preprocessing)

    # -- one batch: forward, loss, backward, step ------------------------------------
    def check_data(self, x, y=None, name="x"):
        """``x`` (and ``y``) if they fit the model, else a one-line error.

        Parameters
        ----------
        x : ndarray, (N, H, W, C) uint8 or float
            Images of the model's input shape.
        y : ndarray, (N, classes), optional
            One-hot (or soft) labels.
        name : str, default "x"
            How the error messages call ``x`` (``y``'s name follows it).

        Returns
        -------
        x, or (x, y)
        """
        x = check_images(x, self.input_shape, name)
        if y is None:
            return x
        return x, check_labels(y, len(x), self.output_shape[0], "y" if name == "x" else name.replace("x", "y"))

    def loss_and_gradients(self, x, y):
        """The training-mode loss of one batch and its gradients; no weight is updated (but, as in a training
        step, BatchNormalization's moving statistics move and Dropout draws a mask).

        Parameters
        ----------
        x : ndarray, (N, H, W, C)
        y : ndarray, (N, classes)

        Returns
        -------
        loss : float
        grads : list of ndarray
            Copies, in ``parameters()`` order (the trainable weights).
        dx : ndarray (N, H, W, C) or None
            dL/dx for float input; None for uint8 pixels (nobody needs dL/d(pixels)).
        """
        x, y = self.check_data(x, y)
        plan = self.plan()
        head = plan.forward(*plan.batch_source(x, np.arange(len(x))), training=True)
        loss, _, d_head = plan.loss_head(head, y)
        need_dx = x.dtype != np.uint8
        dx = plan.backward(d_head, need_input_gradient=need_dx)
        grads = [gradient.copy() for _, _, gradient in self.parameters()]
        return loss, grads, (np.array(dx) if need_dx else None)  # a copy: the plan reuses its buffers

    def train_on_batch(self, x, y):
        """One optimizer step on one batch.

        Parameters
        ----------
        x, y
            As for :meth:`loss_and_gradients`.

        Returns
        -------
        dict
            ``loss`` and each metric, of the predictions made *before* the step.
        """
        x, y = self.check_data(x, y)
        loss, probabilities, not_finite = self.plan().train_step(x, np.arange(len(x)), y, self.optimizer)
        if not np.isfinite(loss) or not_finite:
            raise TrainingDivergedError(training.divergence(self, loss))
        return {"loss": loss, **{name: fn(y, probabilities) for name, fn in self.metrics}}

    def test_on_batch(self, x, y):
        """The loss and metrics of one batch, without updating anything.

        Parameters
        ----------
        x, y : ndarray, (N, H, W, C) and (N, classes)
            A batch of images and its labels.

        Returns
        -------
        dict
            ``loss`` and each metric, by name (``{"loss": 0.9, "auc": 0.88, ...}``).
        """
        x, y = self.check_data(x, y)
        plan = self.plan()
        head = plan.forward(*plan.batch_source(x, np.arange(len(x))), training=False)
        loss, probabilities, _ = plan.loss_head(head, y)
        return {"loss": loss, **{name: fn(y, probabilities) for name, fn in self.metrics}}

    # -- many batches: the loop lives in fastcnn/training.py, the table in summary.py --
    fit = training.fit
    evaluate = evaluation.evaluate
    predict = inference.predict
    summary = summary.print_summary
