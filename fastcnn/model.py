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
and calls the callbacks; ``summary`` is :mod:`fastcnn.summary`.  Under
``fastcnn.use_backend("reference")`` the model runs a plain plan instead:
one stage per layer, on the NumPy twins.
"""
import numpy as np

from . import layers as layer_module
from . import summary as summary_module
from . import training
from .backend import current_backend
from .build import assign_names, build_layers, input_shape_of
from .errors import InvalidArgumentError, NotBuiltError, ShapeError, TrainingDivergedError
from .inputs import as_model_input, check_count, check_images, check_labels
from .layers.base import Layer
from .losses import get_loss
from .metrics import get_metric
from .optimizers import get_optimizer
from .parameters import FlatParameters
from .plan import Plan


class Sequential:
    """A stack of layers, built for one input shape.

    Parameters
    ----------
    layers : list of Layer
    input_shape : tuple of int
        One sample's shape, e.g. (128, 128, 3).
    seed : int
        Seeds the initial weights and the shuffling stream.
    name : str
    """

    def __init__(self, layers, input_shape, seed=0, name="sequential"):
        if not isinstance(layers, (list, tuple)) or not layers:
            raise InvalidArgumentError(f"layers must be a non-empty list of layers, got {layers!r}")
        for layer in layers:
            if not isinstance(layer, Layer):
                raise InvalidArgumentError(f"not a fastcnn layer: {layer!r}")
        if len({id(layer) for layer in layers}) != len(layers):
            raise InvalidArgumentError("the same layer object appears twice in layers")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise InvalidArgumentError(f"seed must be a non-negative int, got {seed!r}")
        self.layers, self.name, self.seed = list(layers), name, int(seed)
        self.optimizer, self.loss, self.metrics = None, None, []
        self.stop_training = False
        # what a saved model records besides weights (fastcnn.io): the class names in
        # one-hot order, a records.Preprocessing and a records.TrainingRecord (or None)
        self.class_names, self.preprocessing, self.training_info = None, None, None
        assign_names(self.layers)
        self.input_shape = input_shape_of(input_shape)
        self.output_shape = build_layers(self.layers, self.input_shape, self.seed)
        # shuffling draws from its own stream, so it never disturbs initialisation
        self.shuffle_rng = np.random.default_rng([self.seed, 1])
        self._flat, self._plans = None, {}

    # -- compile ------------------------------------------------------------
    def compile(self, optimizer="adam", loss="categorical_crossentropy", metrics=("categorical_accuracy", "auc")):
        """Choose the optimizer, loss and metrics, and decide how the model runs (its plan).

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
        """Raise NotBuiltError unless ``compile`` was called."""
        if not self.compiled:
            raise NotBuiltError("call model.compile(optimizer, loss, metrics) before training or evaluating")

    def plan(self):
        """The :class:`~fastcnn.plan.Plan` this model runs on the active backend.

        Made again when a layer's parameter array was replaced (rather than
        written into) since the last one was made.
        """
        self.require_compiled()
        if not self._flat.is_current():
            self._flat = FlatParameters(self.layers)
            self._plans = {"numba": Plan(self.layers, self.loss, self._flat, fast=True)}
            self.optimizer.cast_slots(self.dtype)
        backend = current_backend()
        if backend not in self._plans:
            self._plans[backend] = Plan(self.layers, self.loss, self._flat, fast=False)
        return self._plans[backend]

    # -- weights ------------------------------------------------------------
    def parameters(self):
        """Every parameter, layer by layer, kernel before bias.

        Yields
        ------
        (name, value, gradient) : (str, ndarray, ndarray or None)
            ``name`` is ``"<layer>/<kernel|bias>"``; ``value`` is the live
            array (writing into it changes the model); ``gradient`` is the
            last backward pass's (None before the first).
        """
        for layer in self.layers:
            for key, value in layer.params.items():
                yield f"{layer.name}/{key}", value, layer.grads.get(key)

    @property
    def dtype(self):
        """The parameters' float dtype (float32 unless changed)."""
        first = next(self.parameters(), None)
        return first[1].dtype if first else np.dtype(np.float32)

    def weight_names(self):
        """``"<layer>/<kernel|bias>"`` for every array of ``get_weights()``."""
        return [name for name, _, _ in self.parameters()]

    def get_weights(self):
        """Copies of all parameters in Keras order: per layer, kernel then bias."""
        return [value.copy() for _, value, _ in self.parameters()]

    def set_weights(self, weights):
        """Write ``weights`` (a list in ``get_weights()`` order) into the model, checking every shape first."""
        current = list(self.parameters())
        if len(weights) != len(current):
            names = ", ".join(name for name, _, _ in current)
            raise ShapeError(f"expected {len(current)} weight arrays ({names}), got {len(weights)}")
        arrays = []
        for (name, param, _), value in zip(current, weights):
            value = np.asarray(value)
            if value.shape != param.shape:
                raise ShapeError(f"weight {name} must have shape {param.shape}, got {value.shape}")
            if not np.issubdtype(value.dtype, np.number) or not np.all(np.isfinite(value)):
                raise ShapeError(f"weight {name} must hold finite numbers")
            arrays.append(value)
        for (_, param, _), value in zip(current, arrays):
            np.copyto(param, value, casting="unsafe")  # in place: the flat buffer and the optimizer stay

    def count_params(self):
        """The number of parameters."""
        return sum(layer.count_params() for layer in self.layers)

    def check_data(self, x, y=None, name="x"):
        """``x`` (and ``y``) if they fit the model: images of its input shape, one-hot labels of its classes.

        Returns
        -------
        x, or (x, y)
        """
        x = check_images(x, self.input_shape, name)
        if y is None:
            return x
        return x, check_labels(y, len(x), self.output_shape[0], "y" if name == "x" else name.replace("x", "y"))

    # -- one batch ----------------------------------------------------------------
    def loss_and_gradients(self, x, y):
        """The loss of one batch and its gradients, without updating anything.

        Returns
        -------
        loss : float
        grads : list of ndarray
            Copies, in ``get_weights()`` order.
        dx : ndarray or None
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
        """One optimizer step on one batch; returns that batch's loss and metrics (before the step)."""
        x, y = self.check_data(x, y)
        loss, probabilities, not_finite = self.plan().train_step(x, np.arange(len(x)), y, self.optimizer)
        if not np.isfinite(loss) or not_finite:
            raise TrainingDivergedError(training.divergence(self, loss))
        return {"loss": loss, **{name: fn(y, probabilities) for name, fn in self.metrics}}

    def test_on_batch(self, x, y):
        """The loss and metrics of one batch, without updating anything."""
        x, y = self.check_data(x, y)
        plan = self.plan()
        loss, probabilities, _ = plan.loss_head(plan.forward(*plan.batch_source(x, np.arange(len(x))), False), y)
        return {"loss": loss, **{name: fn(y, probabilities) for name, fn in self.metrics}}

    def predict(self, x, batch_size=32):
        """The model's outputs (N, classes) for images x (N, H, W, C), computed in batches."""
        x = self.check_data(x)
        batch_size = check_count(batch_size, "batch_size")
        outputs = np.empty((len(x),) + self.output_shape, dtype=self.dtype)
        plan = self.plan() if self.compiled else None
        for start in range(0, len(x), batch_size):
            stop = min(start + batch_size, len(x))
            if plan is not None:
                head = plan.forward(*plan.batch_source(x, np.arange(start, stop)), training=False)
                outputs[start:stop] = plan.outputs(head)
                continue
            out = as_model_input(np.asarray(x[start:stop]), self.layers[0], self.dtype)
            for layer in self.layers:  # not compiled: layer by layer
                out = layer.forward(out, training=False)
            outputs[start:stop] = out
        return outputs

    # -- many batches -------------------------------------------------------------
    def fit(self, x, y, epochs=1, batch_size=32, validation_data=None, validation_split=0.0, shuffle=True,
            seed=None, verbose=1, callbacks=None, initial_epoch=0):
        """Train for ``epochs`` passes over (x, y) (:func:`fastcnn.training.fit`).

        ``validation_split`` holds out the *last* fraction of (x, y) before
        shuffling, as Keras does; ``validation_data=(x_val, y_val)`` overrides
        it.  ``seed`` fixes this call's shuffling; without it the model's own
        shuffling stream continues.  ``x`` is float (used as given) or uint8
        pixels (read as x / 255 inside the first kernel: no float copy).

        Returns
        -------
        History
            Keras's names (``loss``, ``val_auc``, ...) to per-epoch lists.
        """
        return training.fit(self, x, y, epochs, batch_size, validation_data, validation_split, shuffle, seed,
                            verbose, callbacks, initial_epoch)

    def evaluate(self, x, y, batch_size=32, verbose=0):
        """``{"loss": ..., <metric>: ...}`` over the whole of (x, y) (:func:`fastcnn.training.evaluate`)."""
        return training.evaluate(self, x, y, batch_size, verbose)

    # -- description ------------------------------------------------------------
    def summary(self, print_fn=None):
        """Print a Keras-like table of layers, output shapes and parameter counts."""
        summary_module.print_summary(self, print_fn)

    def get_config(self):
        """The architecture as a JSON-able dict (what ``from_config`` rebuilds)."""
        return {"name": self.name, "input_shape": list(self.input_shape), "seed": self.seed,
                "layers": [layer_module.serialize(layer) for layer in self.layers]}

    @classmethod
    def from_config(cls, config):
        """A new, uncompiled model from :meth:`get_config`'s dict."""
        if not isinstance(config, dict) or "layers" not in config or "input_shape" not in config:
            raise InvalidArgumentError("a model config needs 'layers' and 'input_shape'")
        layers = [layer_module.deserialize(description) for description in config["layers"]]
        return cls(layers, input_shape=tuple(config["input_shape"]), seed=config.get("seed", 0),
                   name=config.get("name", "sequential"))
