"""``LearningRateScheduler``, and two schedules to give it: cosine decay and step decay."""
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


def parse_schedule(text, initial, epochs):
    """A schedule from its command-line form: ``cosine`` or ``step:EVERY:FACTOR``.

    Parameters
    ----------
    text : str
    initial : float
        The learning rate at epoch 0.
    epochs : int
        The run's length (cosine ends there).

    Returns
    -------
    callable
    """
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
    raise InvalidArgumentError(f"learning-rate schedule must be 'cosine' or 'step:EVERY:FACTOR' "
                               f"(e.g. step:5:0.5), got {text!r}")
