"""Callbacks for ``Sequential.fit``, with Keras's names, arguments and semantics.

    from fastcnn.callbacks import CSVLogger, EarlyStopping
    model.fit(x, y, callbacks=[EarlyStopping(patience=2, restore_best_weights=True), CSVLogger("log.csv")])

Where fastcnn differs from Keras, the class's docstring says so.
"""
from .base import Callback, CallbackList, History
from .checkpoint import ModelCheckpoint
from .logging import CSVLogger
from .monitor import EarlyStopping, MonitorCallback, ReduceLROnPlateau, TerminateOnNaN
from .schedules import LearningRateScheduler, cosine_decay, linear_warmup, parse_schedule, step_decay

__all__ = ["Callback", "CallbackList", "History", "EarlyStopping", "ReduceLROnPlateau", "TerminateOnNaN",
           "ModelCheckpoint", "CSVLogger", "LearningRateScheduler", "MonitorCallback", "cosine_decay",
           "step_decay", "linear_warmup", "parse_schedule"]
