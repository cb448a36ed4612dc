"""SGD (Keras 3), learning rate lr, momentum mu, gradient g::

    mu == 0:   theta <- theta - lr * g
    mu >  0:   m <- mu * m - lr * g ;   theta <- theta + m
"""
import numpy as np

from .base import Optimizer, check_rate


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Keras 3's rule.

    Parameters
    ----------
    learning_rate : float, default 0.01
    momentum : float in [0, 1), default 0
    """

    name = "sgd"

    def __init__(self, learning_rate=0.01, momentum=0.0):
        super().__init__(learning_rate)
        self.momentum = check_rate(momentum, "momentum", 0.0, 1.0, include_low=True)
        self.slot_names = ("momentum",) if self.momentum > 0 else ()

    def _update(self, index, param, grad):
        self._step(param, grad, self.slots["momentum"][index] if self.momentum > 0 else None)

    def _update_flat(self, params, grads):
        self._step(params, grads, self._flat_slots["momentum"] if self.momentum > 0 else None)
        return int(np.count_nonzero(~np.isfinite(params)))

    def _step(self, param, grad, m):
        lr = param.dtype.type(self.learning_rate)
        if m is not None:
            m *= param.dtype.type(self.momentum)
            m -= lr * grad
            param += m
        else:
            param -= lr * grad

    def get_config(self):
        """The settings (``learning_rate``, ``momentum``).

        Returns
        -------
        dict
        """
        config = super().get_config()
        config["momentum"] = self.momentum
        return config
