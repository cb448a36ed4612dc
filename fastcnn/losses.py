"""Loss functions.

Only categorical cross-entropy is needed for classification.  When the
model's last layer ends in a softmax, :class:`fastcnn.Sequential` never calls
``forward``/``backward`` here: it feeds the logits to the fused kernel
:func:`fastcnn.kernels.softmax_cross_entropy` instead (stable, and the
gradient is exactly (p - y) / N).  The probability form below is for models
whose output is not a softmax, and follows Keras: predictions are
renormalised to sum to 1 and clipped to [eps, 1 - eps] before the log.
"""
import numpy as np

from .errors import InvalidArgumentError
from .layers.activation import Activation
from .layers.activations import Softmax
from .layers.linear import LinearLayer

EPSILON = 1e-7  # Keras's backend epsilon


class CategoricalCrossentropy:
    """L = (1/N) sum_n -sum_k y[n, k] log p[n, k].

    ``from_logits=True``: the model outputs logits and the softmax is applied
    inside the loss (fused kernel).

    Parameters
    ----------
    from_logits : bool, default False
        Only the compiled model's plan reads it; :meth:`forward` and
        :meth:`backward` always take probabilities.
    """

    name = "categorical_crossentropy"

    def __init__(self, from_logits=False):
        if not isinstance(from_logits, bool):
            raise InvalidArgumentError(f"from_logits must be True or False, got {from_logits!r}")
        self.from_logits = from_logits

    def forward(self, y_true, y_pred):
        """Mean loss of probabilities ``y_pred`` (N, K) against ``y_true``.

        Parameters
        ----------
        y_true : ndarray, (N, classes)
            One-hot (or soft) labels.
        y_pred : array_like, (N, classes)
            Probabilities; renormalised per row, then clipped.

        Returns
        -------
        float
        """
        p = self._normalised(y_pred)
        clipped = np.clip(p, EPSILON, 1.0 - EPSILON)
        return float(-(y_true * np.log(clipped)).sum() / len(y_true))

    def backward(self, y_true, y_pred):
        """dL/dy_pred for :meth:`forward` (zero where the clip is active).

        Parameters
        ----------
        y_true : ndarray, (N, classes)
        y_pred : array_like, (N, classes)

        Returns
        -------
        ndarray, (N, classes), ``y_pred``'s dtype
        """
        y_pred = np.asarray(y_pred)
        total = y_pred.sum(axis=1, keepdims=True)
        p = y_pred / total
        inside = (p > EPSILON) & (p < 1.0 - EPSILON)
        # L_n = -sum_k y_k log(p_k / S), S = sum_j p_j  =>  dL_n/dp_j = -y_j / p_j + (sum_k y_k) / S
        dlog = np.where(inside, -y_true / np.where(inside, y_pred, 1.0), 0.0)
        d = dlog + (y_true * inside).sum(axis=1, keepdims=True) / total
        return (d / len(y_true)).astype(y_pred.dtype)

    @staticmethod
    def _normalised(y_pred):
        y_pred = np.asarray(y_pred, dtype=np.float64)
        return y_pred / y_pred.sum(axis=1, keepdims=True)

    def get_config(self):
        """What a model file stores to rebuild this loss.

        Returns
        -------
        dict
            ``{"name": "categorical_crossentropy", "from_logits": bool}``.
        """
        return {"name": self.name, "from_logits": self.from_logits}


LOSSES = {"categorical_crossentropy": CategoricalCrossentropy}


def get_loss(loss):
    """The loss object for a name in :data:`LOSSES`, or ``loss`` itself.

    Parameters
    ----------
    loss : str or CategoricalCrossentropy

    Returns
    -------
    CategoricalCrossentropy
    """
    if isinstance(loss, CategoricalCrossentropy):
        return loss
    if isinstance(loss, str) and loss in LOSSES:
        return LOSSES[loss]()
    raise InvalidArgumentError(f"unknown loss {loss!r}; known: {', '.join(LOSSES)}")


def loss_fusion(layers, loss):
    """How the loss meets the last layer.

    Parameters
    ----------
    layers : list of Layer
    loss : loss object

    Returns
    -------
    str or None
        ``"activation"`` (the last layer's softmax activation is fused into
        the loss), ``"layer"`` (a trailing ``Softmax`` layer is), ``"logits"``
        (the loss applies the softmax itself) or None (no fusion).
    """
    if not isinstance(loss, CategoricalCrossentropy):
        return None
    if loss.from_logits:
        return "logits"
    last = layers[-1]
    if isinstance(last, LinearLayer) and isinstance(last.activation, Softmax):
        return "activation"
    if isinstance(last, Softmax) or (isinstance(last, Activation) and isinstance(last.activation, Softmax)):
        return "layer"  # a Softmax layer, or Keras's Activation("softmax")
    return None
