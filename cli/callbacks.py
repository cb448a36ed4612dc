"""The callbacks ``fastcnn train`` adds to Keras's: checkpoints to resume from,
a clean stop on Ctrl-C/SIGTERM, and early stopping that survives a resume.

All three are ordinary :class:`fastcnn.callbacks.Callback` objects on the
training loop's :class:`~fastcnn.callbacks.CallbackList`; the command only
builds them (``cli/train.py``).
"""
import csv
import dataclasses
import signal
from pathlib import Path

import click

import fastcnn
from fastcnn.callbacks import Callback, EarlyStopping

from .common import UserError

CHECKPOINT_NAME = "checkpoint.npz"
BEST_NAME = "best.npz"


class Recorder(Callback):
    """Keep a :class:`~fastcnn.records.TrainingRecord` up to date after every epoch.

    Appends the epoch's logs to ``record.history``, counts ``epochs_done`` and
    notes whether ``early_stopping`` (called before this) ended the run.

    Parameters
    ----------
    record : fastcnn.records.TrainingRecord
    early_stopping : fastcnn.callbacks.EarlyStopping or None
    """

    def __init__(self, record, early_stopping=None):
        super().__init__()
        self.record, self.early_stopping = record, early_stopping

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.record.history.setdefault(key, []).append(value)
        stopper = self.early_stopping
        self.record.epochs_done = epoch + 1
        self.record.stopped_early = stopper is not None and stopper.stopped_epoch == epoch and epoch > 0


class Checkpointer(Callback):
    """After every complete epoch, write the whole training state to ``DIR/checkpoint.npz``.

    The file holds the weights, the optimizer state, the shuffling RNG and the
    :class:`~fastcnn.records.TrainingRecord` (data, split, settings, epochs
    done, history), written atomically: the previous checkpoint stays intact
    until the new one is complete on disk.  With ``early_stopping``, the
    weights of its best epoch so far are kept in ``DIR/best.npz`` too, so a
    resumed run can still restore them.

    Parameters
    ----------
    directory : pathlib.Path
    record : fastcnn.records.TrainingRecord
        Kept up to date by a :class:`Recorder` called before this.
    early_stopping : ResumableEarlyStopping or None
    """

    def __init__(self, directory, record, early_stopping=None):
        super().__init__()
        self.directory, self.record, self.early_stopping = Path(directory), record, early_stopping
        self.epochs_saved = record.epochs_done

    @property
    def path(self):
        """``DIR/checkpoint.npz``."""
        return self.directory / CHECKPOINT_NAME

    def on_epoch_end(self, epoch, logs=None):
        stopper = self.early_stopping
        fastcnn.save_model(self.model, self.path, training=self.record)
        if stopper is not None and stopper.best_epoch == epoch and stopper.best_weights is not None:
            # after the checkpoint: a crash in between leaves best.npz one improvement behind,
            # and then the best epoch is the checkpoint's own (see ResumableEarlyStopping.resume)
            fastcnn.save_model(self.model, self.directory / BEST_NAME, include_optimizer=False,
                               training=dataclasses.replace(self.record, history={}))
        self.epochs_saved = epoch + 1

    def where(self):
        """Where the last complete epoch is saved, in words.

        Returns
        -------
        str
            A phrase for a message, e.g. after Ctrl-C.
        """
        if not self.epochs_saved:
            return "no epoch was complete, so there is no checkpoint yet"
        return f"the checkpoint after epoch {self.epochs_saved} is intact in {self.directory}"


class ResumableEarlyStopping(EarlyStopping):
    """Keras's ``EarlyStopping(monitor="val_loss", patience=P, restore_best_weights=True)``
    that can pick up where a checkpointed run stopped.

    :meth:`resume` replays the recorded history through Keras's rules to get
    ``best``, ``best_epoch`` and ``wait`` back, and takes the best weights from
    the checkpoint folder; a resumed run then stops, and restores, exactly as
    the uninterrupted run would have.

    Parameters
    ----------
    patience : int
        Epochs without a lower val_loss before training stops.
    """

    def __init__(self, patience):
        super().__init__(monitor="val_loss", patience=patience, restore_best_weights=True)
        self._resumed = None

    def resume(self, history, directory, model):
        """Recover the state after ``len(history[monitor])`` epochs.

        Parameters
        ----------
        history : dict
            The checkpoint's history (metric name -> per-epoch list).
        directory : pathlib.Path
            The checkpoint folder (``best.npz`` is read from it).
        model : fastcnn.Sequential
            The model loaded from the checkpoint (its weights are those of the last epoch).
        """
        values = history.get(self.monitor, [])
        best, best_epoch, wait = None, 0, 0
        for epoch, value in enumerate(values):
            wait += 1
            if self.is_improvement(value, best):
                best, best_epoch, wait = value, epoch, 0
        if not values:
            self._resumed = None
            return
        if best_epoch == len(values) - 1:
            weights = model.get_weights()
        else:
            saved = fastcnn.load_model(directory / BEST_NAME, compile=False)
            if saved.training_info.epochs_done != best_epoch + 1:
                raise UserError(f"{directory / BEST_NAME} holds epoch {saved.training_info.epochs_done}, "
                                f"but the best epoch is {best_epoch + 1}; cannot resume early stopping")
            weights = saved.get_weights()
        self._resumed = (best, best_epoch, wait, weights)

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self._resumed is not None:
            self.best, self.best_epoch, self.wait, self.best_weights = self._resumed


class StopOnSignal(Callback):
    """Ctrl-C (SIGINT) or SIGTERM during ``fit``: finish the current batch, then stop.

    The handlers are installed when training begins and removed when it ends
    (or by :meth:`restore`, which ``fastcnn train`` also calls if ``fit``
    raises).  A second signal acts at once, as usual.

    Attributes
    ----------
    received : int or None
        The signal that stopped training, if any.
    """

    def __init__(self):
        super().__init__()
        self.received = None
        self._previous = {}

    def _handle(self, signum, frame):
        self.received = signum
        self.model.stop_training = True
        self.restore()
        click.echo("\nStopping after this batch (press Ctrl-C again to abort at once)...", err=True)

    def on_train_begin(self, logs=None):
        for number in (signal.SIGINT, signal.SIGTERM):
            self._previous[number] = signal.signal(number, self._handle)

    def on_train_end(self, logs=None):
        self.restore()

    def restore(self):
        """Put back the handlers that were there before training (idempotent)."""
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous = {}


def trim_csv_log(path, epochs_done):
    """Keep the header and the rows of epochs ``< epochs_done`` of a ``--csv-log`` file.

    A run stopped between writing its CSV row and its checkpoint redoes that
    epoch when resumed; trimming first keeps one row per epoch.

    Parameters
    ----------
    path : pathlib.Path
    epochs_done : int
    """
    path = Path(path)
    if not path.is_file():
        return
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    kept = rows[:1] + [row for row in rows[1:] if row and row[0].isdigit() and int(row[0]) < epochs_done]
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows(kept)
