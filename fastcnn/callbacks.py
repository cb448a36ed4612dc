"""Hooks into ``Sequential.fit`` (Keras's ``Callback`` protocol, trimmed).

Subclass :class:`Callback` and override what you need; ``self.model`` is set
by ``fit``.  Setting ``model.stop_training = True`` ends training after the
current batch.  ``logs`` are the dicts of metric values printed by ``fit``.
"""


class Callback:
    model = None

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass
