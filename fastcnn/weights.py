"""``ModelWeights``: what ``Sequential`` inherits for reading and writing its weights and architecture.

Kept apart from :mod:`fastcnn.model` so that the model's own module tells
only the forward/backward story.  Everything here reads ``self.layers``
(each layer's ``params`` and ``grads`` dicts) and nothing else.
"""
import numpy as np

from .build import model_arguments, model_config
from .parameters import check_weights


class ModelWeights:
    """The weights and the architecture of a model made of ``self.layers``."""

    def parameters(self):
        """Every parameter, layer by layer, kernel before bias.

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
            ``"<layer>/<kernel|bias>"``.
        """
        return [name for name, _, _ in self.parameters()]

    def get_weights(self):
        """Copies of all parameters in Keras order: per layer, kernel then bias.

        Returns
        -------
        list of ndarray
        """
        return [value.copy() for _, value, _ in self.parameters()]

    def set_weights(self, weights):
        """Write ``weights`` into the model (in place), after checking every shape.

        Parameters
        ----------
        weights : list of array_like
            In :meth:`get_weights` order.
        """
        current = list(self.parameters())
        for (_, param, _), value in zip(current, check_weights(current, weights)):
            np.copyto(param, value, casting="unsafe")  # in place: the flat buffer and the optimizer stay

    def count_params(self):
        """The number of parameters.

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
