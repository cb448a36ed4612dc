"""Optimizers with Keras 3's update rules: :class:`SGD` (``sgd.py``) and :class:`Adam` (``adam.py``).

An optimizer updates the model's parameter arrays *in place*.  It is built
once for an ordered list of parameters (the model's ``get_weights()`` order)
and keeps one slot array per parameter per state variable.  Each state
variable's slots are views into one flat buffer, in parameter order, so a
model whose parameters and gradients are flat buffers too (as a compiled
``Sequential``'s are) is updated by one call, :meth:`Optimizer.apply_flat`.  Its whole state
(step count and slots) is exported by :meth:`Optimizer.get_state` as plain
NumPy arrays and restored by :meth:`Optimizer.set_state`, so a saved model can
resume training exactly.
"""
from ..errors import InvalidArgumentError
from .adam import Adam
from .base import Optimizer
from .sgd import SGD

OPTIMIZERS = {"sgd": SGD, "adam": Adam}

__all__ = ["Optimizer", "SGD", "Adam", "OPTIMIZERS", "get_optimizer", "optimizer_from_config"]


def get_optimizer(optimizer):
    """The optimizer ``compile`` was given.

    Parameters
    ----------
    optimizer : Optimizer or str
        An instance (returned as is), or a name (``"adam"``, ``"sgd"``) for one with default settings.

    Returns
    -------
    Optimizer
    """
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in OPTIMIZERS:
        return OPTIMIZERS[optimizer.lower()]()
    raise InvalidArgumentError(f"unknown optimizer {optimizer!r}; known: {', '.join(OPTIMIZERS)}")


def optimizer_from_config(config):
    """Rebuild an optimizer from :meth:`Optimizer.get_config`'s dict.

    Parameters
    ----------
    config : dict

    Returns
    -------
    Optimizer
        New, with no state (restore it with ``set_state``).
    """
    config = dict(config)
    cls = OPTIMIZERS.get(config.pop("name", None))
    if cls is None:
        raise InvalidArgumentError(f"unknown optimizer config {config!r}")
    try:
        return cls(**config)
    except TypeError as error:
        raise InvalidArgumentError(f"bad optimizer config: {error}") from None
