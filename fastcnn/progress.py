"""Keras-style progress bar and epoch lines for ``Sequential.fit``.

On a terminal the bar is redrawn in place (``\\r``); when the output goes to a
file or a CI log only the finished line is written, so logs stay readable::

    Epoch 3/12
    224/224 [==============================] - 2s 9ms/step - loss: 0.8123 - categorical_accuracy: 0.6652 - auc: 0.8810
"""
import sys
import time


def format_logs(logs):
    return " - ".join(f"{key}: {value:.4f}" for key, value in logs.items())


class ProgressBar:
    def __init__(self, total_steps, stream=None, width=30, interval=0.1):
        self.total = max(int(total_steps), 1)
        self.stream = stream if stream is not None else sys.stdout
        self.width = width
        self.interval = interval
        self.start = time.perf_counter()
        self._last_draw = 0.0
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())

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
        """Redraw (terminals only, at most every ``interval`` seconds)."""
        now = time.perf_counter()
        if self.live and (now - self._last_draw >= self.interval or step >= self.total):
            self._last_draw = now
            self.stream.write("\r" + self._line(step, logs) + "\033[K")
            self.stream.flush()

    def finish(self, logs=None):
        self.stream.write(("\r" if self.live else "") + self._line(self.total, logs) + ("\033[K" if self.live else "") + "\n")
        self.stream.flush()
