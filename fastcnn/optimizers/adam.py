"""Adam (Keras 3), learning rate lr, gradient g, step t = iterations + 1::

    alpha <- lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
    m     <- m + (g - m) * (1 - beta_1)
    v     <- v + (g^2 - v) * (1 - beta_2)
    theta <- theta - alpha * m / (sqrt(v) + epsilon)

Keras folds the bias corrections into alpha, so epsilon is added to sqrt(v),
not to sqrt(v_hat) as in PyTorch; the two differ only when sqrt(v) is close
to epsilon.  The update itself is the kernel :mod:`fastcnn.kernels.adam`.
"""
import math

import numpy as np

from ..backend import ops
from ..kernels.adam import adam_update_unchecked
from .base import Optimizer, check_rate


class Adam(Optimizer):
    """Adam, Keras 3's rule (the bias corrections folded into the step size).

    Parameters
    ----------
    learning_rate : float, default 0.001
    beta_1, beta_2 : float in [0, 1), defaults 0.9 and 0.999
    epsilon : float, default 1e-7
    """

    name = "adam"
    slot_names = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(learning_rate)
        self.beta_1 = check_rate(beta_1, "beta_1", 0.0, 1.0, include_low=True)
        self.beta_2 = check_rate(beta_2, "beta_2", 0.0, 1.0, include_low=True)
        self.epsilon = check_rate(epsilon, "epsilon")

    def _alpha(self):
        """The step size of the coming step: the bias corrections folded in, as Keras 3 does."""
        step = self.iterations + 1
        return self.learning_rate * math.sqrt(1.0 - self.beta_2**step) / (1.0 - self.beta_1**step)

    def apply(self, params, grads):
        """Update every array in ``params`` in place from ``grads`` (the adam kernel per array); count a step.

        Parameters
        ----------
        params : list of ndarray
        grads : list of ndarray
        """
        self._step_alpha = self._alpha()
        super().apply(params, grads)

    def _update(self, index, param, grad):
        ops().adam_update(param, np.ascontiguousarray(grad), self.slots["m"][index], self.slots["v"][index],
                          self._step_alpha, self.beta_1, self.beta_2, self.epsilon)

    def _update_flat(self, params, grads):
        # the kernel itself: a compiled model's flat buffers were checked when they were made
        dtype = params.dtype.type
        return int(adam_update_unchecked(params, grads, self._flat_slots["m"], self._flat_slots["v"],
                                         dtype(self._alpha()), dtype(1.0 - self.beta_1), dtype(1.0 - self.beta_2),
                                         dtype(self.epsilon)))

    def get_config(self):
        """The settings (``learning_rate``, ``beta_1``, ``beta_2``, ``epsilon``).

        Returns
        -------
        dict
        """
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return config
