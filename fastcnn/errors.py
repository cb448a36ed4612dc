"""fastcnn's own exception types.

Every problem fastcnn detects in what a user gave it (arguments, arrays,
files) is raised as a subclass of :class:`FastcnnError`, with a one-line
message that names the bad value.  The subclasses also derive from the
built-in exception a Python user would expect (``ValueError``, ...), so
``except ValueError`` keeps working.
"""


class FastcnnError(Exception):
    """Base class of every error fastcnn raises on purpose."""


class InvalidArgumentError(FastcnnError, ValueError):
    """A constructor or function argument has an impossible value."""


class ShapeError(FastcnnError, ValueError):
    """An array does not have the shape (or dtype) an operation needs."""


class NotBuiltError(FastcnnError, RuntimeError):
    """A layer or model was used before ``build`` / ``compile``."""


class TrainingDivergedError(FastcnnError, FloatingPointError):
    """The loss became NaN or infinite during training."""


class DataError(FastcnnError, ValueError):
    """A data set, image or label file cannot be used (names the file)."""


class ModelFileError(FastcnnError, ValueError):
    """A file is not a valid fastcnn model file (names the problem)."""
