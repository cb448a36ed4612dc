"""Keras-style progress bar and epoch lines for ``Sequential.fit``.

On a terminal the bar is redrawn in place (``\\r``); when the output goes to a
file or a CI log only the finished line is written, so logs stay readable::

    Epoch 3/12
    224/224 [==============================] - 2s 9ms/step - loss: 0.8123 - categorical_accuracy: 0.6652 - auc: 0.8810
"""
import sys
import shutil
import time

from .callbacks.base import Callback


def format_logs(logs):
    """``"loss: 0.9123 - auc: 0.8834 - learning_rate: 1.2500e-04"``, as Keras prints an epoch's logs.

    Parameters
    ----------
    logs : dict
        Metric name -> float.

    Returns
    -------
    str
        Four decimals, or four significant digits in ``e`` notation below 1e-3 (as Keras).
    """
    return " - ".join(f"{key}: {value:.4f}" if value == 0 or abs(value) >= 1e-3 else f"{key}: {value:.4e}"
                      for key, value in logs.items())


class ProgressBar:
    """Keras's ``12/224 [=>....] - ETA: 3s - loss: ...`` bar for one epoch.

    Parameters
    ----------
    total_steps : int
        Batches in the epoch.
    stream : file-like, default sys.stdout
        Redrawn in place only if it is a terminal (``isatty``).
    width : int, default 30
        Characters between the brackets.
    interval : float, default 0.1
        Least seconds between redraws.
    """

    def __init__(self, total_steps, stream=None, width=30, interval=0.1):
        self.total = max(int(total_steps), 1)
        self.stream = stream if stream is not None else sys.stdout
        self.width = width
        self.interval = interval
        self.start = time.perf_counter()
        self._last_draw = 0.0
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.columns = shutil.get_terminal_size((100, 24)).columns

    def _line(self, step, logs):
        filled = int(self.width * step / self.total)
        if step < self.total:
            bar = "=" * max(filled - 1, 0) + ">" + "." * (self.width - filled)
        else:
            bar = "=" * self.width
        elapsed = time.perf_counter() - self.start
        if step < self.total:
            eta = elapsed / max(step, 1) * (self.total - step)
            timing = f"ETA: {eta:.0f}s"
        else:
            timing = f"{elapsed:.0f}s {1000 * elapsed / self.total:.0f}ms/step"
        digits = len(str(self.total))
        line = f"{step:>{digits}}/{self.total} [{bar}] - {timing}"
        return line + (" - " + format_logs(logs) if logs else "")

    def update(self, step, logs=None):
        """Redraw (terminals only, at most every ``interval`` seconds).

        Parameters
        ----------
        step : int
            Batches done so far (1-based).
        logs : dict or None
            Shown after the timing.
        """
        now = time.perf_counter()
        if self.live and (now - self._last_draw >= self.interval or step >= self.total):
            self._last_draw = now
            # cut to one row of the terminal: a line that wraps cannot be redrawn by "\r", and the
            # finished line would then be printed below a stale copy of the bar
            self.stream.write("\r" + self._line(step, logs)[:self.columns - 1] + "\033[K")
            self.stream.flush()

    def finish(self, logs=None):
        """Write the finished line (total time, ms/step, ``logs``) and a newline, terminal or not.

        Parameters
        ----------
        logs : dict or None
            The epoch's logs.
        """
        self.stream.write(("\r" if self.live else "") + self._line(self.total, logs) + ("\033[K" if self.live else "") + "\n")
        self.stream.flush()


class ProgressLogger(Callback):
    """What ``fit`` prints: a first line, then per epoch ``Epoch e/E`` and a bar (``verbose=1``) or one line (2).

    ``fit`` adds it last, so the epoch line shows whatever the other
    callbacks added to the logs.

    Parameters
    ----------
    verbose : {0, 1, 2}
    x : ndarray or row source
        The training images (only counted).
    x_val : ndarray or row source or None
        The validation images (only counted).
    batch_size : int
    """

    def __init__(self, verbose, x, x_val, batch_size):
        super().__init__()
        self.verbose, self.batch_size = verbose, batch_size
        self.samples, self.validation = len(x), 0 if x_val is None else len(x_val)
        self.bar, self.correct, self.seen = None, 0, 0

    def on_train_begin(self, logs=None):
        if self.verbose:
            from .threads import threads_in_use

            validating = f", validating on {self.validation}" if self.validation else ""
            print(f"Training on {self.samples} samples in batches of {self.batch_size}{validating}; "
                  f"{threads_in_use()}", flush=True)

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose:
            print(f"Epoch {epoch + 1}/{self.params['epochs']}", flush=True)
        self.bar = ProgressBar(self.params["steps"]) if self.verbose == 1 else None
        self.correct, self.seen = 0, 0

    def batch_done(self, step, mean_loss, probabilities, y):
        """Redraw the bar after a batch (the running loss and accuracy of the epoch).

        Parameters
        ----------
        step : int
            The batch, 0-based.
        mean_loss : float
            The epoch's mean loss so far.
        probabilities : ndarray, (B, classes)
            The batch's predictions.
        y : ndarray, (B, classes)
            The batch's one-hot labels.
        """
        if self.bar is not None:
            self.correct += int((probabilities.argmax(1) == y.argmax(1)).sum())
            self.seen += len(y)
            self.bar.update(step + 1, {"loss": mean_loss, "categorical_accuracy": self.correct / self.seen})

    def interrupted(self):
        """End a bar that will not be finished."""
        if self.bar is not None:
            print(flush=True)
            self.bar = None

    def on_epoch_end(self, epoch, logs=None):
        if self.bar is not None:
            self.bar.finish(logs)
        elif self.verbose == 2:
            print(format_logs(logs), flush=True)
