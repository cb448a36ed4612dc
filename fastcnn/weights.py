"""``ModelWeights``: what ``Sequential`` inherits for reading and writing its weights and architecture.

Kept apart from :mod:`fastcnn.model` so that the model's own module tells
only the forward/backward story.  Everything here reads ``self.layers``
(each layer's ``params``, ``grads`` and ``non_trainable`` dicts) and nothing else.
The optimizer sees the trainable weights only (:meth:`ModelWeights.parameters`);
``get_weights``, ``set_weights`` and model files cover them all, in Keras's order.
"""
import numpy as np

from .build import model_arguments, model_config
from .parameters import check_weights


class ModelWeights:
    """The weights and the architecture of a model made of ``self.layers``."""

    def parameters(self):
        """Every trainable parameter, layer by layer, kernel before bias (gamma before beta).

        Yields
        ------
        (name, value, gradient) : (str, ndarray, ndarray or None)
            ``name`` is ``"<layer>/<kernel|bias>"``; ``value`` is the live
            array (writing into it changes the model); ``gradient`` is the
            last backward pass's (None before the first).
        """
        for layer in self.layers:
            for key, value in layer.params.items():
                yield f"{layer.name}/{key}", value, layer.grads.get(key)

    def named_weights(self):
        """Every weight in Keras's order: per layer, the trainable ones, then the non-trainable ones.

        Yields
        ------
        (name, value, trainable) : (str, ndarray, bool)
            ``name`` is ``"<layer>/<key>"`` (``"batch_normalization/moving_mean"``, ...); ``value`` is the
            live array; ``trainable`` is False for a layer's ``non_trainable`` arrays.
        """
        for layer in self.layers:
            for store, trainable in ((layer.params, True), (layer.non_trainable, False)):
                for key, value in store.items():
                    yield f"{layer.name}/{key}", value, trainable

    @property
    def dtype(self):
        """The parameters' float dtype (float32 unless changed)."""
        first = next(self.parameters(), None)
        return first[1].dtype if first else np.dtype(np.float32)

    def weight_names(self):
        """The name of every array of :meth:`get_weights`.

        Returns
        -------
        list of str
            ``"<layer>/<key>"``, trainable and non-trainable weights (:meth:`named_weights`).
        """
        return [name for name, _, _ in self.named_weights()]

    def get_weights(self):
        """Copies of all weights in Keras order: per layer, kernel then bias (gamma, beta), then the
        non-trainable ones (moving_mean, moving_variance).

        Returns
        -------
        list of ndarray
        """
        return [value.copy() for _, value, _ in self.named_weights()]

    def set_weights(self, weights):
        """Write ``weights`` into the model (in place), after checking every shape.

        Parameters
        ----------
        weights : list of array_like
            In :meth:`get_weights` order.
        """
        current = [(name, value, None) for name, value, _ in self.named_weights()]
        for (_, param, _), value in zip(current, check_weights(current, weights)):
            np.copyto(param, value, casting="unsafe")  # in place: the flat buffer and the optimizer stay

    def count_params(self):
        """The number of weight values, trainable and non-trainable (as Keras counts them).

        Returns
        -------
        int
        """
        return sum(layer.count_params() for layer in self.layers)

    def get_config(self):
        """The architecture as a JSON-able dict (what :meth:`from_config` rebuilds).

        Returns
        -------
        dict
        """
        return model_config(self)

    @classmethod
    def from_config(cls, config):
        """A new, uncompiled model from :meth:`get_config`'s dict.

        Parameters
        ----------
        config : dict
            ``name``, ``input_shape``, ``seed`` and the ``layers`` as serialised by ``fastcnn.layers.serialize``.

        Returns
        -------
        Sequential
            With fresh weights drawn from ``seed``; ``set_weights`` (or ``fastcnn.load_model``) restores trained ones.
        """
        return cls(**model_arguments(config))
