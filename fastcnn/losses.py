"""Loss functions.

Only categorical cross-entropy is needed for classification.  When the
model's last layer ends in a softmax, :class:`fastcnn.Sequential` never calls
``forward``/``backward`` here: it feeds the logits to the fused kernel
:func:`fastcnn.kernels.softmax_cross_entropy` instead (stable, and the
gradient is exactly w (p - y) / N, w each sample's class weight, 1 without
``class_weight``; :func:`loss_fusion` decides).  The probability form below
is for models whose output is not a softmax, and follows Keras: predictions
are renormalised to sum to 1 and clipped to [eps, 1 - eps] before the log.
Either way the targets are smoothed first when ``label_smoothing`` > 0
(:meth:`CategoricalCrossentropy.targets`).
"""
import math

import numpy as np

from .errors import InvalidArgumentError
from .layers.activation import Activation
from .layers.activations import Softmax
from .layers.linear import LinearLayer

EPSILON = 1e-7  # Keras's backend epsilon


class CategoricalCrossentropy:
    """L = (1/N) sum_n -w[n] sum_k y[n, k] log p[n, k]  (w: sample weights, 1 unless ``fit`` has ``class_weight``).

    ``from_logits=True``: the model outputs logits and the softmax is applied
    inside the loss (fused kernel).  ``label_smoothing`` = eps replaces the
    targets by y (1 - eps) + eps / K before the loss, as Keras does (in
    training and evaluation alike).

    Parameters
    ----------
    from_logits : bool, default False
        Only the compiled model's plan reads it; :meth:`forward` and
        :meth:`backward` always take probabilities.
    label_smoothing : float in [0, 1), default 0.0
    """

    name = "categorical_crossentropy"

    def __init__(self, from_logits=False, label_smoothing=0.0):
        if not isinstance(from_logits, bool):
            raise InvalidArgumentError(f"from_logits must be True or False, got {from_logits!r}")
        if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float)) \
                or not (math.isfinite(label_smoothing) and 0 <= label_smoothing < 1):
            raise InvalidArgumentError(f"label_smoothing must be a number in [0, 1), got {label_smoothing!r}")
        self.from_logits, self.label_smoothing = from_logits, float(label_smoothing)

    def targets(self, y_true):
        """The targets the loss compares with: ``y_true`` itself, or smoothed towards 1/K.

        Parameters
        ----------
        y_true : ndarray, (N, classes)
            One-hot (or soft) labels.

        Returns
        -------
        ndarray, (N, classes), ``y_true``'s dtype
            ``y_true`` (the same object) when ``label_smoothing`` is 0, else
            ``y_true * (1 - eps) + eps / K`` in its dtype.
        """
        if self.label_smoothing == 0:
            return y_true
        eps = self.label_smoothing
        return (y_true * (1.0 - eps) + eps / y_true.shape[1]).astype(y_true.dtype)

    def forward(self, y_true, y_pred, sample_weight=None):
        """Mean loss of probabilities ``y_pred`` (N, K) against ``y_true`` (smoothed already: :meth:`targets`).

        Parameters
        ----------
        y_true : ndarray, (N, classes)
            One-hot (or soft) labels.
        y_pred : array_like, (N, classes)
            Probabilities; renormalised per row, then clipped.
        sample_weight : array_like, (N,), optional
            Each sample's loss is multiplied by its weight; the sum is still divided by N.

        Returns
        -------
        float
        """
        p = self._normalised(y_pred)
        clipped = np.clip(p, EPSILON, 1.0 - EPSILON)
        terms = y_true * np.log(clipped)
        if sample_weight is not None:
            terms = terms * np.asarray(sample_weight, dtype=np.float64)[:, None]
        return float(-terms.sum() / len(y_true))

    def backward(self, y_true, y_pred, sample_weight=None):
        """dL/dy_pred for :meth:`forward` (zero where the clip is active).

        Parameters
        ----------
        y_true : ndarray, (N, classes)
        y_pred : array_like, (N, classes)
        sample_weight : array_like, (N,), optional

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
        if sample_weight is not None:
            d = d * np.asarray(sample_weight, dtype=np.float64)[:, None]
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
            ``{"name": "categorical_crossentropy", "from_logits": bool, "label_smoothing": float}``.
        """
        return {"name": self.name, "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


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


def class_sample_weights(class_weight, y):
    """Each sample's loss weight from Keras's ``class_weight`` dict: the weight of its class (its label's argmax).

    Classes the dict leaves out weigh 1, as in Keras.

    Parameters
    ----------
    class_weight : dict or None
        Class index (0 .. K-1) -> non-negative finite weight.
    y : ndarray, (N, K)
        One-hot (or soft) labels.

    Returns
    -------
    ndarray, (N,) float64, or None
        None when ``class_weight`` is None (the plain mean, bit for bit).
    """
    if class_weight is None:
        return None
    if not isinstance(class_weight, dict):
        raise InvalidArgumentError(f"class_weight must be a dict {{class index: weight}}, got {class_weight!r}")
    num_classes = y.shape[1]
    weights = np.ones(num_classes, dtype=np.float64)
    for key, value in class_weight.items():
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)) \
                or not 0 <= key < num_classes:
            raise InvalidArgumentError(
                f"class_weight keys must be class indices 0..{num_classes - 1}, got {key!r}")
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)) \
                or not math.isfinite(value) or value < 0:
            raise InvalidArgumentError(
                f"class_weight[{key}] must be a non-negative finite number, got {value!r}")
        weights[int(key)] = float(value)
    return weights[np.asarray(y).argmax(axis=1)]


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
