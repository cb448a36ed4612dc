"""``ModelCheckpoint``: save the model during training, as Keras does."""
from pathlib import Path

from ..errors import InvalidArgumentError
from .monitor import MonitorCallback


class ModelCheckpoint(MonitorCallback):
    """Save the model after every epoch (or only when ``monitor`` improved).

    Parameters
    ----------
    filepath : str or Path
        A fastcnn model file (``.npz``) whose name may hold fields filled in at
        each save: ``{epoch}`` (1-based, as in Keras) and any key of the epoch
        logs, with formats: ``"model-{epoch:02d}-{val_loss:.2f}.npz"``.
    monitor : str, default "val_loss"
    verbose : int, default 0
    save_best_only : bool, default False
        Save only when ``monitor`` beat the best value so far (then a
        ``filepath`` without fields always holds the best model).
    save_weights_only : bool, default False
        Leave the optimizer's state out of the file.
    mode : {"auto", "min", "max"}
    save_freq : "epoch"
        Only per-epoch saving exists in fastcnn.
    initial_value_threshold : float or None
        The value the first save must beat (with ``save_best_only``).

    Notes
    -----
    Keras writes ``.keras`` or ``.weights.h5`` files; fastcnn writes its own
    model file (architecture, weights, class names, preprocessing and, unless
    ``save_weights_only``, the optimizer state), atomically, and loads it with
    ``fastcnn.load_model``.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__(monitor, mode, baseline=initial_value_threshold)
        self.filepath = str(filepath)
        if not self.filepath.endswith(".npz"):
            raise InvalidArgumentError(f"ModelCheckpoint writes fastcnn model files: filepath must end in .npz, "
                                       f"got {self.filepath!r}")
        if save_freq != "epoch":
            raise InvalidArgumentError(f"save_freq must be 'epoch' (fastcnn saves once per epoch), got {save_freq!r}")
        self.verbose, self.save_best_only, self.save_weights_only = verbose, save_best_only, save_weights_only

    def file_path(self, epoch, logs):
        """``filepath`` with ``{epoch}`` (1-based) and the logs' keys filled in.

        Parameters
        ----------
        epoch : int
            0-based, as ``fit`` counts.
        logs : dict or None

        Returns
        -------
        Path
        """
        try:
            return Path(self.filepath.format(epoch=epoch + 1, **(logs or {})))
        except (KeyError, IndexError, ValueError) as error:
            raise InvalidArgumentError(f"cannot fill in ModelCheckpoint's filepath {self.filepath!r}: "
                                       f"no value for {error}") from None

    def on_epoch_end(self, epoch, logs=None):
        from ..io import save_model

        path = self.file_path(epoch, logs)
        if self.save_best_only:
            current = self.monitored(logs)
            if current is not None and not self.is_improvement(current, self.best):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if current is not None:
                if self.verbose > 0:
                    best = "None" if self.best is None else f"{self.best:.5f}"
                    print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to {current:.5f}, "
                          f"saving model to {path}")
                self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        save_model(self.model, path, include_optimizer=not self.save_weights_only)
