"""``LearningRateScheduler``, and the schedules to give it: cosine decay, step decay and a linear warm-up
before either (all per epoch)."""
import math

from ..errors import InvalidArgumentError
from .base import Callback


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate at the start of every epoch.

    Parameters
    ----------
    schedule : callable
        ``schedule(epoch, lr) -> new lr``, with ``epoch`` 0-based and ``lr``
        the current rate (``schedule(epoch)`` also works, as in Keras).
    verbose : int, default 0

    Notes
    -----
    Adds ``learning_rate`` to the epoch logs, as Keras 3 does.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise InvalidArgumentError(f"schedule must be a function of (epoch, lr), got {schedule!r}")
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        try:
            rate = self.schedule(epoch, float(optimizer.learning_rate))
        except TypeError:  # Keras's older one-argument schedules
            rate = self.schedule(epoch)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not math.isfinite(rate) or rate <= 0:
            raise InvalidArgumentError(f"the schedule must return a positive learning rate, got {rate!r}")
        optimizer.learning_rate = float(rate)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


def cosine_decay(initial, epochs, final=0.0):
    """A schedule from ``initial`` at epoch 0 down a half cosine to ``final`` at epoch ``epochs``.

    Parameters
    ----------
    initial : float
    epochs : int
    final : float

    Returns
    -------
    callable
        ``schedule(epoch, lr)`` for :class:`LearningRateScheduler`.
    """

    def schedule(epoch, lr=None):
        progress = min(epoch / max(epochs, 1), 1.0)
        return final + (initial - final) * 0.5 * (1.0 + math.cos(math.pi * progress))

    return schedule


def step_decay(initial, every, factor):
    """A schedule that multiplies ``initial`` by ``factor`` every ``every`` epochs.

    Parameters
    ----------
    initial : float
    every : int
    factor : float

    Returns
    -------
    callable
        ``schedule(epoch, lr)`` for :class:`LearningRateScheduler`.
    """

    def schedule(epoch, lr=None):
        return initial * factor ** (epoch // every)

    return schedule


def linear_warmup(peak, epochs, then=None):
    """A schedule rising linearly to ``peak`` over ``epochs`` epochs, then ``then`` (epochs counted from there).

    Epoch e < ``epochs`` gets peak (e + 1) / (epochs + 1), so the first epoch
    already learns and the rate reaches ``peak`` at epoch ``epochs``, where
    ``then`` starts (at its own epoch 0).  ``warmup:W,cosine`` over E epochs
    is Keras's ``CosineDecay(initial_learning_rate=peak / (W + 1),
    decay_steps=E - W, warmup_target=peak, warmup_steps=W)`` with one step per
    epoch.

    Parameters
    ----------
    peak : float
        The rate at the end of the warm-up (``--learning-rate``).
    epochs : int
        The warm-up's length, W >= 1.
    then : callable or None
        ``then(epoch, lr)`` after the warm-up; None keeps ``peak``.

    Returns
    -------
    callable
        ``schedule(epoch, lr)`` for :class:`LearningRateScheduler`.
    """

    def schedule(epoch, lr=None):
        if epoch < epochs:
            return peak * (epoch + 1) / (epochs + 1)
        return then(epoch - epochs, lr) if then is not None else peak

    return schedule


def parse_schedule(text, initial, epochs):
    """A schedule from its command-line form: ``cosine``, ``step:EVERY:FACTOR``, either after
    ``warmup:W,`` (e.g. ``warmup:2,cosine``), or ``warmup:W`` alone.

    ``cosine`` falls from ``initial`` at epoch 0 down a half cosine towards 0
    at epoch ``epochs`` (Keras's ``CosineDecay(initial, decay_steps=epochs)``
    with one step per epoch); ``warmup:W,`` first rises linearly to
    ``initial`` over W epochs (:func:`linear_warmup`), then runs the rest
    over the remaining ``epochs - W`` epochs.

    Parameters
    ----------
    text : str
    initial : float
        The learning rate at epoch 0, or the peak after a warm-up.
    epochs : int
        The run's length (cosine ends there).

    Returns
    -------
    callable
    """
    head, comma, rest = text.partition(",")
    if head.startswith("warmup:"):
        try:
            warmup = int(head[len("warmup:"):])
        except ValueError:
            warmup = 0
        if warmup >= 1 and not rest.startswith("warmup:"):
            if warmup >= epochs:
                raise InvalidArgumentError(f"a warm-up of {warmup} epochs needs more than {warmup} epochs, "
                                           f"the run has {epochs}")
            try:
                then = parse_schedule(rest, initial, epochs - warmup) if comma else None
            except InvalidArgumentError:
                raise _bad_schedule(text) from None
            return linear_warmup(initial, warmup, then)
    parts = text.split(":")
    if parts == ["cosine"]:
        return cosine_decay(initial, epochs)
    if len(parts) == 3 and parts[0] == "step":
        try:
            every, factor = int(parts[1]), float(parts[2])
        except ValueError:
            every, factor = 0, 0.0
        if every >= 1 and 0 < factor:
            return step_decay(initial, every, factor)
    raise _bad_schedule(text)


def _bad_schedule(text):
    return InvalidArgumentError(f"learning-rate schedule must be 'cosine', 'step:EVERY:FACTOR' (e.g. step:5:0.5), "
                                f"either after 'warmup:EPOCHS,' (e.g. warmup:2,cosine) or 'warmup:EPOCHS', "
                                f"got {text!r}")
