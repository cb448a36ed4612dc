"""``CSVLogger``: one row of metrics per epoch in a CSV file, as Keras writes it."""
import csv
from pathlib import Path

from .base import Callback


class CSVLogger(Callback):
    """Write each epoch's logs as a row of a CSV file.

    Parameters
    ----------
    filename : str or Path
    separator : str, default ","
    append : bool, default False
        Add to an existing file (without a second header) instead of replacing it.

    Notes
    -----
    As in Keras: the columns are ``epoch`` (0-based) and the sorted keys of
    the first epoch's logs (plus ``val_`` twins when there is no validation);
    a missing value is written ``NA``; the file is flushed after every row.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.sep, self.append = Path(filename), separator, append
        self.keys, self.writer, self.handle = None, None, None

    def on_train_begin(self, logs=None):
        header = True
        if self.append and self.filename.exists():
            with open(self.filename) as existing:
                header = not existing.readline()
        if self.handle is not None and not self.handle.closed:
            self.handle.close()
        self.handle = open(self.filename, "a" if self.append else "w", newline="")
        self.keys, self.writer, self.header = None, None, header

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
        if self.writer is None:
            self.writer = csv.DictWriter(self.handle, fieldnames=["epoch"] + self.keys, delimiter=self.sep)
            if self.header:
                self.writer.writeheader()
        self.writer.writerow({"epoch": epoch, **{key: logs.get(key, "NA") for key in self.keys}})
        self.handle.flush()

    def on_train_end(self, logs=None):
        if self.handle is not None and not self.handle.closed:
            self.handle.close()
        self.writer = None
