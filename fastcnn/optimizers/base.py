"""``Optimizer``: slots as views of flat buffers, one step at a time or one flat step, and its state."""
import math

import numpy as np

from ..errors import InvalidArgumentError, ShapeError
from ..parameters import flat_buffer


def check_rate(value, name, low=0.0, high=math.inf, include_low=False):
    """``value`` as a float, if it is a finite number in (low, high) (or [low, high)).

    Parameters
    ----------
    value : int or float
    name : str
        The argument's name, for the error message.
    low, high : float
        The bounds; ``high`` is always excluded.
    include_low : bool, default False
        Whether ``low`` itself is allowed.

    Returns
    -------
    float
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidArgumentError(f"{name} must be a finite number, got {value!r}")
    ok = (value >= low if include_low else value > low) and value < high
    if not ok:
        bracket = "[" if include_low else "("
        raise InvalidArgumentError(f"{name} must be in {bracket}{low}, {high}), got {value!r}")
    return float(value)


class Optimizer:
    """What every optimizer shares: slots, steps, and its state for saving and resuming.

    Parameters
    ----------
    learning_rate : float
        Positive.

    Attributes
    ----------
    iterations : int
        Steps taken so far.
    slots : dict of str to list of ndarray
        Per state variable (``slot_names``), one array per parameter: views of one flat buffer each.
    """

    name = "optimizer"
    slot_names = ()

    def __init__(self, learning_rate):
        self.learning_rate = check_rate(learning_rate, "learning_rate")
        self.iterations = 0
        self.slots = {}
        self._flat_slots = {}

    @property
    def built(self):
        """True once the slots exist (or none are needed)."""
        return bool(self.slots) or not self.slot_names

    def build(self, params):
        """Create zeroed slots shaped like ``params``.

        Parameters
        ----------
        params : list of ndarray
            The parameters, in the order every later call passes them.
        """
        self.slots = {}
        self._flat_slots = {}
        for name in self.slot_names:
            self._flat_slots[name], self.slots[name] = flat_buffer([p.shape for p in params],
                                                                   params[0].dtype if params else np.float32)

    def cast_slots(self, dtype):
        """Keep the state, in slot buffers of ``dtype`` (when the parameters changed dtype).

        Parameters
        ----------
        dtype : numpy dtype
        """
        if not self.slots or all(flat.dtype == dtype for flat in self._flat_slots.values()):
            return
        state = self.get_state()
        for name in self.slot_names:
            state[name] = [array.astype(dtype) for array in state[name]]
        self.slots = {}
        self.set_state(state)

    def apply(self, params, grads):
        """Update every array in ``params`` in place from ``grads``; count a step.

        Parameters
        ----------
        params : list of ndarray
        grads : list of ndarray
            One per parameter, of its shape; all are checked before any is used.
        """
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
        """Update the flat parameter buffer from the flat gradient buffer in one pass; count a step.

        Parameters
        ----------
        params : ndarray, (P,)
            Every parameter of the model, back to back (``FlatParameters.params``).
        grads : ndarray, (P,)

        Returns
        -------
        int
            How many parameters are no longer finite (0 unless training diverged).
        """
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
        """The settings, as :func:`fastcnn.optimizers.optimizer_from_config` reads them.

        Returns
        -------
        dict
        """
        return {"name": self.name, "learning_rate": self.learning_rate}

    def get_state(self):
        """The step count and copies of the slots, for saving.

        Returns
        -------
        dict
            ``{"iterations": int, "<slot>": [arrays in parameter order], ...}``.
        """
        state = {"iterations": int(self.iterations)}
        for name in self.slot_names:
            state[name] = [s.copy() for s in self.slots.get(name, [])]
        return state

    def set_state(self, state):
        """Restore what :meth:`get_state` returned (after ``build``, the shapes are checked).

        Parameters
        ----------
        state : dict
        """
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
