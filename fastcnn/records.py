"""What a model file records besides the network: how images were prepared, and how it was trained.

Two dataclasses, each validated and parsed here and nowhere else:

* :class:`Preprocessing`: the image size, the centre crop, the pixel scaling and
  the input standardisation (:mod:`fastcnn.standardization`) that turned image
  files into the model's input, so ``predict`` does exactly what training did;
* :class:`TrainingRecord`: the data, the split, the settings, the epochs
  done and the history of a ``fastcnn train`` run (what ``evaluate`` needs to
  find the validation split again, and ``--resume`` to go on).

Both go into the model file's JSON config (``to_dict``) and come back with
``from_dict``, which reads older files (missing fields take their defaults,
unknown ones are ignored) and refuses wrong types (InvalidArgumentError).
"""
import dataclasses
from dataclasses import dataclass, field

from .augment import check_augment
from .data.images import check_crop
from .errors import InvalidArgumentError
from .fields import json_object as _dict, number as _number, optional_str as _optional_str
from .fields import positive_int as _positive_int
from .standardization import Standardization


@dataclass(frozen=True)
class Preprocessing:
    """How an image file becomes the model's input.

    Attributes
    ----------
    image_size : tuple of int
        (height, width) the image is resized to.
    crop : float or None
        The central fraction kept before resizing (``--crop``), or None.
    pixels : str
        How pixels reach the network; fastcnn models read ``"uint8 / 255"``.
    normalize : Standardization or None
        The per-channel standardisation the model applies after that
        (``Standardization.of(x_train)``; ``--normalize per-channel``), or None.
    """

    image_size: tuple = (128, 128)
    crop: float = None
    pixels: str = "uint8 / 255"
    normalize: Standardization = None

    def __post_init__(self):
        size = tuple(self.image_size)
        if len(size) != 2:
            raise InvalidArgumentError(f"image_size must be (height, width), got {self.image_size!r}")
        object.__setattr__(self, "image_size", tuple(_positive_int(s, "image_size") for s in size))
        object.__setattr__(self, "crop", check_crop(self.crop))
        _optional_str(self.pixels, "pixels")
        object.__setattr__(self, "normalize", Standardization.from_dict(self.normalize))

    @classmethod
    def from_dict(cls, data):
        """From a model file's ``preprocessing`` entry (None or {} when it has none).

        Parameters
        ----------
        data : dict or None
            Unknown keys are ignored.

        Returns
        -------
        Preprocessing or None
            None when ``data`` is empty.
        """
        data = _dict(data, "preprocessing")
        if not data:
            return None
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})

    def to_dict(self):
        """The JSON-able form written into a model file.

        Returns
        -------
        dict
            ``{"image_size": [height, width], "crop": float or None, "pixels": str, "normalize": dict or None}``.
        """
        return {"image_size": list(self.image_size), "crop": self.crop, "pixels": self.pixels,
                "normalize": self.normalize.to_dict() if self.normalize is not None else None}

    def describe(self):
        """One line for ``fastcnn summary``.

        Returns
        -------
        str
        """
        crop = f", central {self.crop:g} kept" if self.crop is not None else ""
        normalize = f", {self.normalize.describe()}" if self.normalize is not None else ""
        return f"resized to {self.image_size[0]}x{self.image_size[1]}{crop}, pixels {self.pixels}{normalize}"


@dataclass
class DataSource:
    """Where the training images came from (``path`` None: the built-in galaxies)."""

    path: str = None
    source: str = ""
    file_column: str = "file"
    label_column: str = "label"

    def __post_init__(self):
        for name in ("path", "source", "file_column", "label_column"):
            _optional_str(getattr(self, name), name)


@dataclass
class Split:
    """The stratified train/validation split (``fastcnn.data.stratified_split``)."""

    val_split: float = 0.2
    seed: int = 0
    train: int = 0
    validation: int = 0

    def __post_init__(self):
        if not 0 <= _number(self.val_split, "val_split") < 1:
            raise InvalidArgumentError(f"val_split must be in [0, 1), got {self.val_split!r}")
        for name in ("seed", "train", "validation"):
            if isinstance(getattr(self, name), bool) or not isinstance(getattr(self, name), int):
                raise InvalidArgumentError(f"{name} must be an integer, got {getattr(self, name)!r}")


@dataclass
class Settings:
    """What ``fastcnn train`` was asked for."""

    epochs: int = 12
    batch_size: int = 5
    learning_rate: float = 1e-3
    seed: int = 0
    out: str = None
    early_stopping: int = None      # patience, or None
    csv_log: str = None
    lr_schedule: str = None         # fastcnn.callbacks.parse_schedule's text, or None
    model: str = None               # the architecture (.json) or model file training started from, or None
    augment: str = None             # "dihedral", "flip" or None (fit's augment)
    class_weight: str = None        # as asked: "balanced", "NAME=W,..." or None
    class_weights: dict = None      # class name -> the loss weight used (absent classes: 1), or None
    label_smoothing: float = 0.0
    recipe: str = "plain"           # --recipe: "plain" (the original's settings) or "strong"

    def __post_init__(self):
        _positive_int(self.epochs, "epochs")
        _positive_int(self.batch_size, "batch_size")
        _number(self.learning_rate, "learning_rate", 0.0)
        if self.early_stopping is not None:
            _number(self.early_stopping, "early_stopping", 0)
        for name in ("out", "csv_log", "lr_schedule", "model", "class_weight", "recipe"):
            _optional_str(getattr(self, name), name)
        check_augment(self.augment)
        for name, weight in _dict(self.class_weights, "class_weights").items():
            _number(weight, f"class_weights[{name!r}]", 0.0)
        if not _number(self.label_smoothing, "label_smoothing", 0.0) < 1:
            raise InvalidArgumentError(f"label_smoothing must be in [0, 1), got {self.label_smoothing!r}")


@dataclass
class TrainingRecord:
    """How a model was trained, as ``fastcnn train`` records it in the model file.

    Attributes
    ----------
    data : DataSource or None
    split : Split or None
    settings : Settings or None
    epochs_done : int
        Complete epochs so far.
    history : dict
        Keras's metric names to per-epoch lists.
    seconds : float or None
        Wall time of the whole command.
    stopped_early : bool
        True when early stopping ended the run (``--resume`` has nothing left to do).
    images_per_second : float or None
        Training speed of the last ``fit`` (validation included), as ``fastcnn train`` prints it.
    threads : int or None
        The kernels' thread count during training.
    """

    data: DataSource = None
    split: Split = None
    settings: Settings = None
    epochs_done: int = 0
    history: dict = field(default_factory=dict)
    seconds: float = None
    stopped_early: bool = False
    images_per_second: float = None
    threads: int = None

    @classmethod
    def from_dict(cls, data):
        """From a model file's ``training`` entry (old files included).

        Parameters
        ----------
        data : dict or None
            Missing fields take their defaults; unknown keys are ignored.

        Returns
        -------
        TrainingRecord
        """
        data = _dict(data, "training")
        parts = {}
        for name, part in (("data", DataSource), ("split", Split), ("settings", Settings)):
            value = _dict(data.get(name), name)
            known = {f.name for f in dataclasses.fields(part)}
            try:
                parts[name] = part(**{k: v for k, v in value.items() if k in known}) if value else None
            except TypeError as error:
                raise InvalidArgumentError(f"bad training record ({name}): {error}") from None
        epochs_done = data.get("epochs_done", 0)
        if isinstance(epochs_done, bool) or not isinstance(epochs_done, int) or epochs_done < 0:
            raise InvalidArgumentError(f"epochs_done must be a non-negative integer, got {epochs_done!r}")
        history = _dict(data.get("history"), "history")
        if not all(isinstance(v, list) for v in history.values()):
            raise InvalidArgumentError("history must map metric names to lists")
        seconds, speed, threads = data.get("seconds"), data.get("images_per_second"), data.get("threads")
        for name, value in (("seconds", seconds), ("images_per_second", speed), ("threads", threads)):
            if value is not None:
                _number(value, name, 0.0)
        return cls(parts["data"], parts["split"], parts["settings"], epochs_done, history, seconds,
                   bool(data.get("stopped_early", False)), speed, threads)

    def to_dict(self):
        """The JSON-able form written into a model file.

        Returns
        -------
        dict
            The fields, with the parts as nested dicts (None when absent).
        """
        return dataclasses.asdict(self)
