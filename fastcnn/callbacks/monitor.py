"""Callbacks that watch a metric: ``EarlyStopping``, ``ReduceLROnPlateau``, ``TerminateOnNaN``.

Same names, arguments and semantics as Keras 3 (``keras.callbacks``).  A
monitored value improves when it beats the best so far by more than
``min_delta`` (lower for ``mode="min"``, higher for ``"max"``); ``"auto"``
means min for a loss (``loss``, ``val_loss``) and max for fastcnn's metrics
(accuracy, AUC: all of them grow as the model gets better).
"""
import math
import warnings

from ..errors import InvalidArgumentError
from ..metrics import METRICS
from .base import Callback


class MonitorCallback(Callback):
    """Base of the callbacks that compare a monitored value with the best so far.

    Parameters
    ----------
    monitor : str
        A key of the epoch logs, e.g. ``"val_loss"``.
    mode : {"auto", "min", "max"}
    baseline : float or None
        The first value to beat (None: the first value seen).
    min_delta : float
        How much better than the best a value must be to count.
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0.0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise InvalidArgumentError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor, self.mode, self.baseline = monitor, mode, baseline
        self.min_delta = abs(min_delta)
        self.best = baseline

    def direction(self):
        """``"min"`` or ``"max"``: ``mode``, or for ``"auto"`` what the monitored name says.

        Returns
        -------
        {"min", "max"}
        """
        if self.mode != "auto":
            return self.mode
        name = self.monitor.removeprefix("val_") if isinstance(self.monitor, str) else None
        if name == "loss":
            return "min"
        if name in METRICS:
            return "max"
        raise InvalidArgumentError(f"{type(self).__name__} cannot tell whether {self.monitor!r} should go up or "
                                   f"down: pass mode='max' or mode='min'")

    def is_improvement(self, value, reference):
        """True when ``value`` beats ``reference`` (None: anything does) by more than ``min_delta``.

        Parameters
        ----------
        value : float
        reference : float or None

        Returns
        -------
        bool
        """
        direction = self.direction()  # raises, as Keras does, when "auto" cannot tell
        if reference is None:
            return True
        if direction == "min":
            return value + self.min_delta < reference
        return value - self.min_delta > reference

    def monitored(self, logs):
        """The monitored value in ``logs``, or None (with a warning, as Keras gives) when it is missing.

        Parameters
        ----------
        logs : dict or None

        Returns
        -------
        float or None
        """
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(f"{type(self).__name__} is conditioned on {self.monitor!r}, which is not in the logs; "
                          f"available: {', '.join(logs or {})}", stacklevel=3)
        return value


class EarlyStopping(MonitorCallback):
    """Stop training when ``monitor`` has stopped improving for ``patience`` epochs.

    Parameters
    ----------
    monitor : str, default "val_loss"
    min_delta : float, default 0
    patience : int, default 0
        Epochs without improvement before stopping.
    verbose : int, default 0
        1: say which epoch stopped, and which weights were restored.
    mode : {"auto", "min", "max"}
    baseline : float or None
        Training stops if the value has not beaten this after ``patience`` epochs.
    restore_best_weights : bool, default False
        At the end of training, go back to the weights of the best epoch.
    start_from_epoch : int, default 0
        Epochs to wait before watching at all.

    Notes
    -----
    As in Keras 3, training is never stopped after the first epoch (epoch 0),
    and with ``restore_best_weights`` the weights are restored in
    ``on_train_end``, whether or not training stopped early.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, baseline=None, min_delta=min_delta)
        self.patience, self.verbose, self.baseline = int(patience), verbose, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, int(start_from_epoch)
        self.wait, self.stopped_epoch, self.best_epoch, self.best_weights = 0, 0, 0, None

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best, self.best_weights, self.best_epoch = 0, 0, None, None, 0

    def on_epoch_end(self, epoch, logs=None):
        current = self.monitored(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self.is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self.is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved for ``patience`` epochs.

    Parameters
    ----------
    monitor : str, default "val_loss"
    factor : float, default 0.1
        Must be below 1.
    patience : int, default 10
    verbose : int, default 0
    mode : {"auto", "min", "max"}
    min_delta : float, default 1e-4
    cooldown : int, default 0
        Epochs to wait after a reduction before counting again.
    min_lr : float, default 0
        The learning rate never goes below this.

    Notes
    -----
    Adds ``learning_rate`` to the epoch logs, as Keras 3 does.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0):
        super().__init__(monitor, mode, min_delta=min_delta)
        if not 0 < factor < 1:
            raise InvalidArgumentError(f"ReduceLROnPlateau needs 0 < factor < 1, got {factor!r}")
        self.factor, self.patience, self.verbose = float(factor), int(patience), verbose
        self.cooldown, self.min_lr = int(cooldown), float(min_lr)
        self.cooldown_counter, self.wait = 0, 0

    def on_train_begin(self, logs=None):
        self.best, self.cooldown_counter, self.wait = None, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(optimizer.learning_rate)
        current = self.monitored(logs)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.is_improvement(current, self.best):
            self.best, self.wait = current, 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience and optimizer.learning_rate > self.min_lr:
                optimizer.learning_rate = max(optimizer.learning_rate * self.factor, self.min_lr)
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                          f"{optimizer.learning_rate}.")
                self.cooldown_counter, self.wait = self.cooldown, 0


class TerminateOnNaN(Callback):
    """Stop training cleanly when a batch's loss is NaN or infinite.

    Parameters
    ----------
    raise_error : bool, default False
        True: raise ``RuntimeError`` instead, as Keras does.

    Notes
    -----
    Without this callback fastcnn does not train on: a non-finite loss ends
    ``fit`` with ``TrainingDivergedError``.  With it, ``fit`` stops and
    returns the history of the complete epochs.  Either way the batch whose
    loss was not finite changed no weight (Keras would already have applied
    its update).
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}.")
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
