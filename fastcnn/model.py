"""``Sequential``: a stack of layers that trains with a Keras-like API.

One training step (``train_on_batch``) is, in order:

1. forward every layer with ``training=True`` (each keeps its forward cache);
2. the loss and its gradient dL/d(output).  When the last layer ends in a
   softmax and the loss is categorical cross-entropy, the softmax is skipped
   and the fused kernel turns the logits z into the loss and dL/dz = (p - y)/N;
3. backward every layer in reverse order, each overwriting its ``grads``;
4. the optimizer updates every parameter in place.
"""
import math

import numpy as np

from . import layers as layer_module
from .backend import current_backend, ops
from .callbacks import Callback
from .errors import InvalidArgumentError, NotBuiltError, ShapeError, TrainingDivergedError
from .layers.activations import Softmax
from .layers.conv2d import Conv2D
from .layers.base import Layer, LinearLayer
from .plan import Plan, as_model_input
from .threads import threads_in_use
from .losses import CategoricalCrossentropy, get_loss
from .metrics import get_metric
from .optimizers import get_optimizer
from .progress import ProgressBar, format_logs


#: sizes beyond which a model is refused before anything is allocated (a
#: typo, or a hostile model file): 100 million parameters is 400 MB of float32
MAX_PARAMETERS = 100_000_000
MAX_ACTIVATION = 1_000_000_000  # values in one sample's activation


class History(dict):
    """Per-epoch metric lists keyed by Keras's names (``loss``, ``val_auc``...).

    A plain dict; ``history.history`` also works, as in Keras.
    """

    @property
    def history(self):
        return self


class Sequential:
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
        self.layers = list(layers)
        self.name = name
        self.seed = int(seed)
        self.optimizer = None
        self.loss = None
        self.metrics = []
        self._fusion_kind = None
        self._plan = None
        self.stop_training = False
        # what a saved model needs besides weights (see fastcnn.io): the class
        # names in one-hot order, how raw images become inputs, training notes
        self.class_names = None
        self.preprocessing = {}
        self.training_info = {}
        self._assign_names()
        self.input_shape = self._build(input_shape)
        # shuffling draws from its own stream, so it never disturbs initialisation
        self.shuffle_rng = np.random.default_rng([self.seed, 1])

    # -- construction -------------------------------------------------------
    def _assign_names(self):
        taken = {layer.name for layer in self.layers if layer.name}
        counts = {}
        for layer in self.layers:
            if layer.name:
                continue
            base = layer.default_name
            while True:
                index = counts.get(base, 0)
                counts[base] = index + 1
                candidate = base if index == 0 else f"{base}_{index}"
                if candidate not in taken:
                    break
            layer.name = candidate
            taken.add(candidate)
        names = [layer.name for layer in self.layers]
        if len(set(names)) != len(names):
            raise InvalidArgumentError(f"layer names must be unique, got {names}")

    def _build(self, input_shape):
        try:
            shape = tuple(input_shape)
        except TypeError:
            raise ShapeError(f"input_shape must be a tuple like (H, W, C), got {input_shape!r}") from None
        if not shape or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in shape):
            raise ShapeError(f"input_shape must be positive integers like (128, 128, 3), got {input_shape!r}")
        shape = tuple(int(s) for s in shape)
        self._check_sizes(shape)
        rng = np.random.default_rng(self.seed)
        current = shape
        for layer in self.layers:
            layer.build(current, rng)
            current = layer.output_shape(current)
        self.output_shape = current
        return shape

    def _check_sizes(self, input_shape):
        """Refuse, before allocating anything, a model too big to be meant."""

        def check_activation(shape):
            if math.prod(shape) > MAX_ACTIVATION:
                raise ShapeError(
                    f"an activation of shape {shape} per sample is over fastcnn's limit of {MAX_ACTIVATION:,} values"
                )

        current, total = input_shape, 0
        check_activation(current)
        for layer in self.layers:
            total += sum(math.prod(s) for s in layer.param_shapes(current).values())
            current = layer.output_shape(current)
            check_activation(current)
        if total > MAX_PARAMETERS:
            raise ShapeError(
                f"the model would have {total:,} parameters ({4 * total / 2**30:,.1f} GiB); "
                f"fastcnn's limit is {MAX_PARAMETERS:,}"
            )

    # -- compile ------------------------------------------------------------
    def compile(self, optimizer="adam", loss="categorical_crossentropy", metrics=("categorical_accuracy", "auc")):
        self.optimizer = get_optimizer(optimizer)
        self.loss = get_loss(loss)
        names = [metrics] if isinstance(metrics, str) else list(metrics or [])
        self.metrics = [get_metric(name) for name in names]
        if len(self.output_shape) != 1:
            raise ShapeError(
                f"categorical cross-entropy needs an output (classes,), the model outputs {self.output_shape}"
            )
        self._fusion_kind = self._fusion()
        self._plan = Plan(self, self._fusion_kind)  # parameters now live in one flat buffer
        self.optimizer.build(self._parameters())
        return self

    @property
    def compiled(self):
        return self.loss is not None

    def _fusion(self):
        """How the loss meets the last layer: 'activation' (last layer's
        softmax activation fused into the loss), 'layer' (a trailing Softmax
        layer fused), 'logits' (loss applies softmax itself) or None."""
        if not isinstance(self.loss, CategoricalCrossentropy):
            return None
        if self.loss.from_logits:
            return "logits"
        last = self.layers[-1]
        if isinstance(last, LinearLayer) and isinstance(last.activation, Softmax):
            return "activation"
        if isinstance(last, Softmax):
            return "layer"
        return None

    # -- weights ------------------------------------------------------------
    @property
    def dtype(self):
        params = self._parameters()
        return params[0].dtype if params else np.dtype(np.float32)

    def _parameters(self):
        return [layer.params[key] for layer in self.layers for key in layer.params]

    def _gradients(self):
        return [layer.grads[key] for layer in self.layers for key in layer.params]

    def weight_names(self):
        """``"<layer>/<kernel|bias>"`` for every array of ``get_weights()``."""
        return [f"{layer.name}/{key}" for layer in self.layers for key in layer.params]

    def get_weights(self):
        """Copies of all parameters in Keras order: per layer, kernel then bias."""
        return [p.copy() for p in self._parameters()]

    def set_weights(self, weights):
        params = self._parameters()
        names = self.weight_names()
        if len(weights) != len(params):
            raise ShapeError(f"expected {len(params)} weight arrays ({', '.join(names)}), got {len(weights)}")
        arrays = []
        for name, param, value in zip(names, params, weights):
            value = np.asarray(value)
            if value.shape != param.shape:
                raise ShapeError(f"weight {name} must have shape {param.shape}, got {value.shape}")
            if not np.issubdtype(value.dtype, np.number) or not np.all(np.isfinite(value)):
                raise ShapeError(f"weight {name} must hold finite numbers")
            arrays.append(value)
        for param, value in zip(params, arrays):
            np.copyto(param, value, casting="unsafe")  # in place: the optimizer keeps its slots

    def count_params(self):
        return sum(layer.count_params() for layer in self.layers)

    # -- inputs ---------------------------------------------------------------
    def _check_x(self, x, name="x"):
        """A NumPy array, or a row source (fastcnn.data.disk.RowView / DiskArray:
        rows of a larger array, or of an array on disk) read batch by batch."""
        if not isinstance(x, np.ndarray) and not getattr(x, "is_row_source", False):
            raise ShapeError(f"{name} must be a NumPy array, got {type(x).__name__}")
        if x.ndim != len(self.input_shape) + 1 or x.shape[1:] != self.input_shape:
            expected = ", ".join(map(str, ("N",) + self.input_shape))
            raise ShapeError(f"{name} must have shape ({expected}), got {x.shape}")
        if x.dtype != np.uint8 and not np.issubdtype(x.dtype, np.floating):
            raise ShapeError(
                f"{name} must be float (already scaled, e.g. to [0, 1]) or uint8 pixels (0-255), "
                f"got dtype {x.dtype}"
            )
        return x

    def _check_xy(self, x, y, name="x"):
        x = self._check_x(x, name)
        y = np.asarray(y)
        y_name = "y" if name == "x" else name.replace("x", "y")
        if y.ndim != 2 or y.shape != (len(x), self.output_shape[0]):
            raise ShapeError(
                f"{y_name} must be one-hot with shape ({len(x)}, {self.output_shape[0]}), got {y.shape}"
            )
        if not np.issubdtype(y.dtype, np.number) or not np.all(np.isfinite(y)):
            raise ShapeError(f"{y_name} must hold finite numbers")
        return x, y

    def _as_input(self, x):
        """A batch as the first layer wants it (see :func:`fastcnn.plan.as_model_input`)."""
        return as_model_input(x, self.layers[0], self.dtype)

    # -- forward / backward ---------------------------------------------------
    def _forward_to_head(self, x, training):
        """All layers, stopping at the logits when the loss is fused."""
        fusion = self._fusion_kind
        for layer in self.layers[:-1]:
            x = layer.forward(x, training)
        last = self.layers[-1]
        if fusion == "activation":
            return last.forward_linear(x, training)
        if fusion == "layer":
            return x
        return last.forward(x, training)

    def _backward_from_head(self, d, need_input_gradient=True):
        """Backward through every layer; the first layer skips dL/dx unless asked."""
        fusion = self._fusion_kind
        last = self.layers[-1]
        last_needs = need_input_gradient or len(self.layers) > 1
        if fusion == "activation":
            d = last.backward_linear(d, last_needs)
        elif fusion != "layer":
            d = last.backward(d, last_needs)
        for index in range(len(self.layers) - 2, -1, -1):
            d = self.layers[index].backward(d, need_input_gradient or index > 0)
        return d

    def _loss_head(self, head, y):
        """(loss, probabilities, dL/d head) for the output of _forward_to_head."""
        y = np.ascontiguousarray(y, dtype=head.dtype)
        if self._fusion_kind is not None:
            return ops().softmax_cross_entropy(head, y)
        return self.loss.forward(y, head), head, self.loss.backward(y, head)

    def _fast_plan(self):
        """The compiled plan, remade if parameters were replaced since; None on the reference backend."""
        if self._plan is None or current_backend() != "numba":
            return None
        if not self._plan.is_current():
            self._plan = Plan(self, self._fusion_kind)
            self.optimizer.cast_slots(self.dtype)
        return self._plan

    def _batch(self, x, rows, training):
        """The head (logits when the loss is fused) for x[rows]."""
        plan = self._fast_plan()
        if plan is not None:
            return plan.forward(*plan.batch_source(x, rows), training)
        return self._forward_to_head(self._as_input(np.asarray(x[rows])), training)

    def _loss(self, head, y):
        plan = self._fast_plan()
        return plan.loss_head(head, y) if plan is not None else self._loss_head(head, y)

    def loss_and_gradients(self, x, y):
        """Loss of one batch and its gradients, without updating anything.

        Returns ``(loss, grads, dx)``: ``grads`` in ``get_weights()`` order and
        dx = dL/dx (None for uint8 pixels).  This is what the gradient check
        and the tests inspect.
        """
        self._require_compiled()
        x, y = self._check_xy(x, y)
        head = self._batch(x, np.arange(len(x)), training=True)
        loss, _, d_head = self._loss(head, y)
        need_dx = x.dtype != np.uint8  # nobody needs dL/d(pixels)
        plan = self._fast_plan()
        if plan is not None:
            dx = plan.backward(d_head, need_input_gradient=need_dx)
            dx = np.array(dx) if need_dx else None  # (a copy: the plan reuses its buffers)
        else:
            dx = self._backward_from_head(d_head, need_input_gradient=need_dx)
            dx = dx if need_dx else None
        return loss, [g.copy() for g in self._gradients()], dx

    def _train_step(self, x, rows, y):
        """One optimizer step on x[rows] (labels y); returns (loss, probabilities)."""
        plan = self._fast_plan()
        if plan is not None:
            loss, probabilities, not_finite = plan.train_step(*plan.batch_source(x, rows), y, self.optimizer)
        else:
            head = self._forward_to_head(self._as_input(np.asarray(x[rows])), training=True)
            loss, probabilities, d_head = self._loss_head(head, y)
            if math.isfinite(loss):
                self._backward_from_head(d_head, need_input_gradient=False)
                self.optimizer.apply(self._parameters(), self._gradients())
            not_finite = sum(int(np.count_nonzero(~np.isfinite(p))) for p in self._parameters())
        if not math.isfinite(loss):
            raise TrainingDivergedError(
                f"loss became {loss} (check the learning rate and the input scaling)"
            )
        if not_finite:
            name = next(name for name, p in zip(self.weight_names(), self._parameters()) if not np.isfinite(p).all())
            raise TrainingDivergedError(f"weight {name} became NaN or infinite (lower the learning rate)")
        return loss, probabilities

    def _require_compiled(self):
        if not self.compiled:
            raise NotBuiltError("call model.compile(optimizer, loss, metrics) before training or evaluating")

    def train_on_batch(self, x, y):
        """One optimizer step on one batch; returns that batch's loss and metrics."""
        self._require_compiled()
        x, y = self._check_xy(x, y)
        loss, probabilities = self._train_step(x, np.arange(len(x)), y)
        logs = {"loss": loss}
        logs.update({name: fn(y, probabilities) for name, fn in self.metrics})
        return logs

    def predict(self, x, batch_size=32):
        """Model outputs (N, classes) for x (N, H, W, C), computed in batches."""
        x = self._check_x(x)
        batch_size = _check_batch_size(batch_size)
        outputs = np.empty((len(x),) + self.output_shape, dtype=self.dtype)
        plan = self._fast_plan() if self.compiled else None
        for start in range(0, len(x), batch_size):
            stop = min(start + batch_size, len(x))
            if plan is not None:
                rows = np.arange(start, stop)
                outputs[start:stop] = plan.outputs(plan.forward(*plan.batch_source(x, rows), training=False))
                continue
            out = self._as_input(x[start:stop])
            for layer in self.layers:
                out = layer.forward(out, training=False)
            outputs[start:stop] = out
        return outputs

    def evaluate(self, x, y, batch_size=32, verbose=0):
        """``{"loss": ..., <metric>: ...}`` over the whole of (x, y)."""
        self._require_compiled()
        x, y = self._check_xy(x, y)
        batch_size = _check_batch_size(batch_size)
        loss_sum = 0.0
        probabilities = np.empty(y.shape, dtype=self.dtype)
        for start in range(0, len(x), batch_size):
            stop = min(start + batch_size, len(x))
            head = self._batch(x, np.arange(start, stop), training=False)
            loss, probabilities[start:stop], _ = self._loss(head, y[start:stop])
            loss_sum += loss * (stop - start)
        logs = {"loss": loss_sum / max(len(x), 1)}
        logs.update({name: fn(y, probabilities) for name, fn in self.metrics})
        if verbose:
            print(format_logs(logs))
        return logs

    # -- fit ------------------------------------------------------------------
    def fit(
        self, x, y, epochs=1, batch_size=32, validation_data=None, validation_split=0.0,
        shuffle=True, seed=None, verbose=1, callbacks=None, initial_epoch=0,
    ):
        """Train for ``epochs`` passes over (x, y); returns a :class:`History`.

        ``validation_split`` holds out the *last* fraction of (x, y) before
        shuffling, as Keras does; ``validation_data=(x_val, y_val)`` overrides it.
        ``seed`` fixes the shuffling order of this call; without it the
        model's own shuffling stream (seeded by the model's seed) continues.
        ``x`` is float (used as given) or uint8 pixels, which are divided by
        255 one batch at a time, so a uint8 array (or memmap) never needs a
        float copy in memory.
        """
        self._require_compiled()
        x, y = self._check_xy(x, y)
        epochs = _check_count(epochs, "epochs", allow_zero=True)
        batch_size = _check_batch_size(batch_size)
        if verbose not in (0, 1, 2):
            raise InvalidArgumentError(f"verbose must be 0, 1 or 2, got {verbose!r}")
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise InvalidArgumentError("validation_data must be a pair (x_val, y_val)")
            x_val, y_val = self._check_xy(*validation_data, name="x_val")
        else:
            if isinstance(validation_split, bool) or not isinstance(validation_split, (int, float)) \
                    or not 0.0 <= validation_split < 1.0:
                raise InvalidArgumentError(f"validation_split must be in [0, 1), got {validation_split!r}")
            n_val = int(len(x) * validation_split)
            x_val, y_val = (x[len(x) - n_val:], y[len(y) - n_val:]) if n_val else (None, None)
            x, y = x[:len(x) - n_val], y[:len(y) - n_val]
        if len(x) == 0:
            raise ShapeError("no training samples left (empty x or validation_split too large)")
        rng = np.random.default_rng(seed) if seed is not None else self.shuffle_rng
        callbacks = list(callbacks or [])
        for callback in callbacks:
            if not isinstance(callback, Callback):
                raise InvalidArgumentError(f"not a fastcnn Callback: {callback!r}")
            callback.set_model(self)

        history = History()
        self.stop_training = False
        for callback in callbacks:
            callback.on_train_begin()
        steps = math.ceil(len(x) / batch_size)
        if verbose and epochs:
            validating = f", validating on {len(x_val)}" if x_val is not None and len(x_val) else ""
            print(f"Training on {len(x)} samples in batches of {batch_size}{validating}; "
                  f"{threads_in_use()}", flush=True)
        for epoch in range(initial_epoch, initial_epoch + epochs):
            for callback in callbacks:
                callback.on_epoch_begin(epoch)
            if verbose:
                print(f"Epoch {epoch + 1}/{initial_epoch + epochs}", flush=True)
            bar = ProgressBar(steps) if verbose == 1 else None
            order = rng.permutation(len(x)) if shuffle else np.arange(len(x))
            # predictions made during the epoch (before each update, as Keras
            # reports them) and their targets, in the order they were seen
            probabilities = np.empty((len(x),) + self.output_shape, dtype=self.dtype)
            targets = np.empty((len(x),) + self.output_shape, dtype=self.dtype)
            loss_sum, correct, seen = 0.0, 0, 0
            for step in range(steps):
                index = order[step * batch_size:(step + 1) * batch_size]
                if shuffle:
                    index = np.sort(index)  # same batch, but reads stay sequential (memmaps)
                y_batch = np.asarray(y[index])
                try:
                    loss, probs = self._train_step(x, index, y_batch)
                except TrainingDivergedError as error:
                    if bar is not None:
                        print(flush=True)
                    raise TrainingDivergedError(f"epoch {epoch + 1}, batch {step + 1}: {error}") from None
                probabilities[seen:seen + len(index)] = probs
                targets[seen:seen + len(index)] = y_batch
                loss_sum += loss * len(index)
                seen += len(index)
                for callback in callbacks:
                    callback.on_batch_end(step, {"loss": loss})
                if bar is not None:
                    correct += int((probs.argmax(1) == y_batch.argmax(1)).sum())
                    bar.update(step + 1, {"loss": loss_sum / seen, "categorical_accuracy": correct / seen})
                if self.stop_training:
                    break
            if seen < len(x):  # stopped inside the epoch: a partial epoch is not recorded
                if bar is not None:
                    print(flush=True)
                break
            logs = {"loss": loss_sum / seen}
            logs.update({name: fn(targets[:seen], probabilities[:seen]) for name, fn in self.metrics})
            if x_val is not None and len(x_val):
                val_logs = self.evaluate(x_val, y_val, batch_size=max(batch_size, 32))
                logs.update({f"val_{key}": value for key, value in val_logs.items()})
            for key, value in logs.items():
                history.setdefault(key, []).append(value)
            if bar is not None:
                bar.finish(logs)
            elif verbose == 2:
                print(format_logs(logs), flush=True)
            for callback in callbacks:
                callback.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        for callback in callbacks:
            callback.on_train_end({k: v[-1] for k, v in history.items()})
        return history

    # -- description ------------------------------------------------------------
    def summary(self, print_fn=None):
        """Print a Keras-like table of layers, output shapes and parameter counts."""
        print_fn = print_fn or print
        rows = []
        for layer in self.layers:
            shape = layer.output_shape(layer.input_shape)
            rows.append((f"{layer.name} ({type(layer).__name__})", str((None,) + shape), f"{layer.count_params():,}"))
        widths = [max(31, *(len(r[0]) + 2 for r in rows)), max(26, *(len(r[1]) + 2 for r in rows)), 10]
        rule = "_" * sum(widths)
        print_fn(f'Model: "{self.name}"')
        print_fn(rule)
        print_fn(f"{'Layer (type)':<{widths[0]}}{'Output Shape':<{widths[1]}}{'Param #':>{widths[2]}}")
        print_fn("=" * sum(widths))
        for a, b, c in rows:
            print_fn(f"{a:<{widths[0]}}{b:<{widths[1]}}{c:>{widths[2]}}")
        print_fn("=" * sum(widths))
        total = self.count_params()
        size = sum(p.nbytes for p in self._parameters())
        print_fn(f"Total params: {total:,} ({_bytes(size)})")
        print_fn(f"Trainable params: {total:,} ({_bytes(size)})")
        print_fn("Non-trainable params: 0 (0.00 B)")
        print_fn(rule)

    def get_config(self):
        return {
            "name": self.name,
            "input_shape": list(self.input_shape),
            "seed": self.seed,
            "layers": [layer_module.serialize(layer) for layer in self.layers],
        }

    @classmethod
    def from_config(cls, config):
        if not isinstance(config, dict) or "layers" not in config or "input_shape" not in config:
            raise InvalidArgumentError("a model config needs 'layers' and 'input_shape'")
        layers = [layer_module.deserialize(description) for description in config["layers"]]
        return cls(layers, input_shape=tuple(config["input_shape"]), seed=config.get("seed", 0),
                   name=config.get("name", "sequential"))


def _check_count(value, name, allow_zero=False):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < (0 if allow_zero else 1):
        raise InvalidArgumentError(f"{name} must be a {'non-negative' if allow_zero else 'positive'} int, got {value!r}")
    return int(value)


def _check_batch_size(batch_size):
    return _check_count(batch_size, "batch_size")


def _bytes(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024
