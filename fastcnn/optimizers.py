"""Optimizers with Keras 3's update rules.

An optimizer updates the model's parameter arrays *in place*.  It is built
once for an ordered list of parameters (the model's ``get_weights()`` order)
and keeps one slot array per parameter per state variable.  Each state
variable's slots are views into one flat buffer, in parameter order, so a
model whose parameters and gradients are flat buffers too (as a compiled
``Sequential``'s are) is updated by one call, :meth:`Optimizer.apply_flat`.  Its whole state
(step count and slots) is exported by :meth:`Optimizer.get_state` as plain
NumPy arrays and restored by :meth:`Optimizer.set_state`, so a saved model can
resume training exactly.

SGD (Keras 3), learning rate lr, momentum mu, gradient g:

    mu == 0:   theta <- theta - lr * g
    mu >  0:   m <- mu * m - lr * g ;   theta <- theta + m

Adam (Keras 3), step t = iterations + 1:

    alpha <- lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
    m     <- m + (g - m) * (1 - beta_1)
    v     <- v + (g^2 - v) * (1 - beta_2)
    theta <- theta - alpha * m / (sqrt(v) + epsilon)

(Keras folds the bias corrections into alpha, so epsilon is added to
sqrt(v), not to sqrt(v_hat) as in PyTorch; the two differ only when sqrt(v)
is close to epsilon.)
"""
import math

import numpy as np

from .backend import ops
from .kernels.adam import _adam_update
from .errors import InvalidArgumentError, ShapeError


def _check_rate(value, name, low=0.0, high=math.inf, include_low=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidArgumentError(f"{name} must be a finite number, got {value!r}")
    ok = (value >= low if include_low else value > low) and value < high
    if not ok:
        bracket = "[" if include_low else "("
        raise InvalidArgumentError(f"{name} must be in {bracket}{low}, {high}), got {value!r}")
    return float(value)


class Optimizer:
    name = "optimizer"
    slot_names = ()

    def __init__(self, learning_rate):
        self.learning_rate = _check_rate(learning_rate, "learning_rate")
        self.iterations = 0
        self.slots = {}
        self._flat_slots = {}

    @property
    def built(self):
        return bool(self.slots) or not self.slot_names

    def build(self, params):
        """Create zeroed slots shaped like ``params`` (a list of arrays)."""
        self.slots = {}
        self._flat_slots = {}
        for name in self.slot_names:
            self._flat_slots[name], self.slots[name] = flat_buffer([p.shape for p in params],
                                                                   params[0].dtype if params else np.float32)

    def cast_slots(self, dtype):
        """Keep the state, in slot buffers of ``dtype`` (when the parameters changed dtype)."""
        if not self.slots or all(flat.dtype == dtype for flat in self._flat_slots.values()):
            return
        state = self.get_state()
        for name in self.slot_names:
            state[name] = [array.astype(dtype) for array in state[name]]
        self.slots = {}
        self.set_state(state)

    def apply(self, params, grads):
        """Update every array in ``params`` in place from ``grads``; count a step."""
        if len(params) != len(grads):
            raise ShapeError(f"got {len(params)} parameters but {len(grads)} gradients")
        if self.slot_names and not self.slots:
            self.build(params)
        # check everything first: a step is applied to all parameters or to none
        for index, (param, grad) in enumerate(zip(params, grads)):
            if grad is None or grad.shape != param.shape:
                raise ShapeError(
                    f"gradient {index} has shape {None if grad is None else grad.shape}, "
                    f"parameter has {param.shape}"
                )
        for index, (param, grad) in enumerate(zip(params, grads)):
            self._update(index, param, grad)
        self.iterations += 1

    def apply_flat(self, params, grads):
        """Update the flat parameter buffer ``params`` from the flat ``grads``
        in one pass; count a step.  Returns how many parameters are no longer
        finite (0 unless training diverged)."""
        if self.slot_names and (not self.slots or self._flat_slots[self.slot_names[0]].size != params.size):
            raise ShapeError("apply_flat needs slots built for a flat buffer of this size (call build)")
        not_finite = self._update_flat(params, grads)
        self.iterations += 1
        return not_finite

    def _update(self, index, param, grad):
        raise NotImplementedError

    def _update_flat(self, params, grads):
        raise NotImplementedError

    # -- state, for saving and resuming --------------------------------------
    def get_config(self):
        return {"name": self.name, "learning_rate": self.learning_rate}

    def get_state(self):
        """``{"iterations": int, "<slot>": [arrays in parameter order], ...}``."""
        state = {"iterations": int(self.iterations)}
        for name in self.slot_names:
            state[name] = [s.copy() for s in self.slots.get(name, [])]
        return state

    def set_state(self, state):
        """Restore what :meth:`get_state` returned (after ``build``)."""
        iterations = state.get("iterations")
        if isinstance(iterations, bool) or not isinstance(iterations, (int, np.integer)) or iterations < 0:
            raise InvalidArgumentError(f"optimizer iterations must be a non-negative int, got {iterations!r}")
        slots = {}
        for name in self.slot_names:
            arrays = state.get(name)
            if not isinstance(arrays, (list, tuple)):
                raise ShapeError(f"optimizer state has no list of {name!r} slots")
            if self.slots:
                expected = [s.shape for s in self.slots[name]]
                got = [np.shape(a) for a in arrays]
                if got != expected:
                    raise ShapeError(
                        f"optimizer slots {name!r} have shapes {got}, the model's parameters {expected}"
                    )
            slots[name] = [np.asarray(a) for a in arrays]
        if self.slots and all(len(slots[name]) == len(self.slots[name]) for name in self.slot_names):
            for name in self.slot_names:  # into the existing flat buffers (shapes checked above)
                for view, array in zip(self.slots[name], slots[name]):
                    np.copyto(view, array, casting="unsafe")
        else:
            self.slots, self._flat_slots = {}, {}
            for name in self.slot_names:
                arrays = slots[name]
                dtype = arrays[0].dtype if arrays else np.float32
                self._flat_slots[name], self.slots[name] = flat_buffer([a.shape for a in arrays], dtype)
                for view, array in zip(self.slots[name], arrays):
                    np.copyto(view, array, casting="unsafe")
        self.iterations = int(iterations)


class SGD(Optimizer):
    name = "sgd"

    def __init__(self, learning_rate=0.01, momentum=0.0):
        super().__init__(learning_rate)
        self.momentum = _check_rate(momentum, "momentum", 0.0, 1.0, include_low=True)
        self.slot_names = ("momentum",) if self.momentum > 0 else ()

    def _update(self, index, param, grad):
        self._step(param, grad, self.slots["momentum"][index] if self.momentum > 0 else None)

    def _update_flat(self, params, grads):
        self._step(params, grads, self._flat_slots["momentum"] if self.momentum > 0 else None)
        return int(np.count_nonzero(~np.isfinite(params)))

    def _step(self, param, grad, m):
        lr = param.dtype.type(self.learning_rate)
        if m is not None:
            m *= param.dtype.type(self.momentum)
            m -= lr * grad
            param += m
        else:
            param -= lr * grad

    def get_config(self):
        config = super().get_config()
        config["momentum"] = self.momentum
        return config


class Adam(Optimizer):
    name = "adam"
    slot_names = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(learning_rate)
        self.beta_1 = _check_rate(beta_1, "beta_1", 0.0, 1.0, include_low=True)
        self.beta_2 = _check_rate(beta_2, "beta_2", 0.0, 1.0, include_low=True)
        self.epsilon = _check_rate(epsilon, "epsilon")

    def _alpha(self):
        """The step size of the coming step: the bias corrections folded in, as Keras 3 does."""
        step = self.iterations + 1
        return self.learning_rate * math.sqrt(1.0 - self.beta_2**step) / (1.0 - self.beta_1**step)

    def apply(self, params, grads):
        self._step_alpha = self._alpha()
        super().apply(params, grads)

    def _update(self, index, param, grad):
        ops().adam_update(param, np.ascontiguousarray(grad), self.slots["m"][index], self.slots["v"][index],
                          self._step_alpha, self.beta_1, self.beta_2, self.epsilon)

    def _update_flat(self, params, grads):
        # the kernel itself: a compiled model's flat buffers were checked when they were made
        dtype = params.dtype.type
        return int(_adam_update(params, grads, self._flat_slots["m"], self._flat_slots["v"], dtype(self._alpha()),
                                dtype(1.0 - self.beta_1), dtype(1.0 - self.beta_2), dtype(self.epsilon)))

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return config


OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def flat_buffer(shapes, dtype):
    """One zeroed flat array holding arrays of ``shapes`` back to back, and a view of each."""
    sizes = [int(np.prod(shape)) for shape in shapes]
    flat = np.zeros(sum(sizes), dtype=dtype)
    views, start = [], 0
    for shape, size in zip(shapes, sizes):
        views.append(flat[start:start + size].reshape(shape))
        start += size
    return flat, views


def get_optimizer(optimizer):
    """An :class:`Optimizer` instance, or a name (``"adam"``, ``"sgd"``) with defaults."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in OPTIMIZERS:
        return OPTIMIZERS[optimizer.lower()]()
    raise InvalidArgumentError(f"unknown optimizer {optimizer!r}; known: {', '.join(OPTIMIZERS)}")


def optimizer_from_config(config):
    """Rebuild an optimizer from :meth:`Optimizer.get_config`."""
    config = dict(config)
    cls = OPTIMIZERS.get(config.pop("name", None))
    if cls is None:
        raise InvalidArgumentError(f"unknown optimizer config {config!r}")
    try:
        return cls(**config)
    except TypeError as error:
        raise InvalidArgumentError(f"bad optimizer config: {error}") from None
