"""Keras's callback protocol: ``Callback``, ``CallbackList`` and ``History``.

A callback is an object whose methods ``fit`` calls at fixed moments:
``on_train_begin``, ``on_epoch_begin``, ``on_train_batch_begin``,
``on_train_batch_end``, ``on_epoch_end``, ``on_train_end``, each with a
``logs`` dict.  ``self.model`` is the model being trained and
``self.params`` holds ``{"epochs", "steps", "verbose"}``.  Setting
``self.model.stop_training = True`` ends training after the current batch.
Keras's ``on_batch_begin``/``on_batch_end`` are the same as
``on_train_batch_begin``/``on_train_batch_end``, as in Keras 3.  fastcnn's
``evaluate`` and ``predict`` call no callbacks (Keras's ``on_test_*`` and
``on_predict_*`` hooks do not exist here).
"""


class Callback:
    """Base class: override the hooks you need (every one does nothing by default).

    Attributes
    ----------
    model : Sequential or None
        Set by ``fit`` before training starts.
    params : dict
        ``{"epochs": int, "steps": int, "verbose": int}``, set by ``fit``.
    """

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        """Called by ``fit`` with the model being trained.

        Parameters
        ----------
        model : Sequential
        """
        self.model = model

    def set_params(self, params):
        """Called by ``fit`` with ``{"epochs", "steps", "verbose"}``.

        Parameters
        ----------
        params : dict
        """
        self.params = params

    def on_train_begin(self, logs=None):
        """Before the first epoch.

        Parameters
        ----------
        logs : dict or None
        """

    def on_train_end(self, logs=None):
        """After the last epoch (or a stop); ``logs`` are the last epoch's.

        Parameters
        ----------
        logs : dict or None
            The last epoch's metrics; None when no epoch was completed.
        """

    def on_epoch_begin(self, epoch, logs=None):
        """Before epoch ``epoch`` (0-based).

        Parameters
        ----------
        epoch : int
        logs : dict or None
        """

    def on_epoch_end(self, epoch, logs=None):
        """After epoch ``epoch``, with its metrics (``loss``, ``val_loss``, ...); a callback may add keys.

        Parameters
        ----------
        epoch : int
        logs : dict or None
            Metric name -> float; changes made here are seen by later callbacks.
        """

    def on_train_batch_begin(self, batch, logs=None):
        """Before batch ``batch`` (0-based within the epoch).

        Calls :meth:`on_batch_begin`, so overriding either works.

        Parameters
        ----------
        batch : int
        logs : dict or None
        """
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        """After batch ``batch``, with ``{"loss": ...}``.

        Calls :meth:`on_batch_end`, so overriding either works.

        Parameters
        ----------
        batch : int
        logs : dict or None
            ``{"loss": float}``: this batch's loss.
        """
        self.on_batch_end(batch, logs)

    def on_batch_begin(self, batch, logs=None):
        """Keras's older name for :meth:`on_train_batch_begin`.

        Parameters
        ----------
        batch : int
        logs : dict or None
        """

    def on_batch_end(self, batch, logs=None):
        """Keras's older name for :meth:`on_train_batch_end`.

        Parameters
        ----------
        batch : int
        logs : dict or None
        """


class CallbackList:
    """Calls every callback in turn; ``fit`` talks to this, not to each callback.

    Parameters
    ----------
    callbacks : list of Callback
        In the order given.  ``fit`` appends its ``History`` and its progress
        printer last, as Keras does, so they record what the others added to
        the logs (``learning_rate``, say).
    model : Sequential
    params : dict
        ``{"epochs", "steps", "verbose"}``.
    """

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                from ..errors import InvalidArgumentError

                raise InvalidArgumentError(f"not a fastcnn Callback: {callback!r}")
            callback.set_model(model)
            callback.set_params(params)

    def __iter__(self):
        return iter(self.callbacks)

    def on_train_begin(self, logs=None):
        """Call every callback's ``on_train_begin``, in order.

        Parameters
        ----------
        logs : dict or None
        """
        for callback in self.callbacks:
            callback.on_train_begin(logs)

    def on_train_end(self, logs=None):
        """Call every callback's ``on_train_end``, in order.

        Parameters
        ----------
        logs : dict or None
        """
        for callback in self.callbacks:
            callback.on_train_end(logs)

    def on_epoch_begin(self, epoch, logs=None):
        """Call every callback's ``on_epoch_begin``, in order.

        Parameters
        ----------
        epoch : int
        logs : dict or None
        """
        for callback in self.callbacks:
            callback.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        """Call every callback's ``on_epoch_end``, in order.

        Parameters
        ----------
        epoch : int
        logs : dict or None
        """
        for callback in self.callbacks:
            callback.on_epoch_end(epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        """Call every callback's ``on_train_batch_begin``, in order.

        Parameters
        ----------
        batch : int
        logs : dict or None
        """
        for callback in self.callbacks:
            callback.on_train_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        """Call every callback's ``on_train_batch_end``, in order.

        Parameters
        ----------
        batch : int
        logs : dict or None
        """
        for callback in self.callbacks:
            callback.on_train_batch_end(batch, logs)


class History(Callback, dict):
    """Per-epoch metric lists keyed by Keras's names (``loss``, ``val_auc``, ...).

    ``fit`` adds one to its callbacks and returns it.  It is a plain dict of
    lists, and ``history.history`` is the same dict, as in Keras (where the
    dict lives only in ``.history``).  ``history.epoch`` lists the epochs
    recorded.
    """

    def __init__(self):
        Callback.__init__(self)
        dict.__init__(self)
        self.epoch = []

    @property
    def history(self):
        """The dict itself (Keras's ``History.history``)."""
        return self

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.setdefault(key, []).append(value)

    def __eq__(self, other):
        return dict.__eq__(self, other)

    __hash__ = None
