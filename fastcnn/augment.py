"""Symmetry augmentation for ``fit`` and test-time averaging for ``predict`` and ``evaluate``.

A galaxy, a cell or a texture has no "up": turning the image by 90 degrees
or mirroring it does not change its class.  The 8 exact symmetries of a
square (the dihedral group D4: 4 quarter turns, each with or without a
mirror image) are the kernel :func:`fastcnn.kernels.dihedral_batch`'s
views 0..7 (docs/math/dihedral.md); ``"flip"`` uses views 0 and 4 only
(identity and mirror), for data whose orientation matters or whose images
are not square.

* ``fit(..., augment=...)``: a :class:`BatchAugmenter` draws one view per
  image of every batch from the model's own generator (``augment_rng``,
  saved in the model file, so ``--resume`` stays bit-identical).  The
  model's first layer reads each view straight out of the data set when it
  can (a fused Conv2D + MaxPool2D with "valid" padding: the view is only
  another order of reading the same pixels, so no batch is copied at all);
  otherwise :func:`gather_views` gathers the batch into one reused buffer.
  Either way the data set is never copied, and uint8 pixels stay uint8.
* ``predict(..., tta=True)`` and ``evaluate(..., tta=True)``: the model's
  outputs (its softmax) averaged over the views of :func:`tta_views`.
"""
import numpy as np

from .errors import InvalidArgumentError, ShapeError
from .kernels.dihedral import dihedral_batch_unchecked

#: The augmentations ``fit`` knows, and the kernel views each draws from.
VIEWS = {"dihedral": np.arange(8, dtype=np.int64), "flip": np.array([0, 4], dtype=np.int64)}
_GATHERED = (np.dtype(np.uint8), np.dtype(np.float32), np.dtype(np.float64))


def check_augment(augment, input_shape=None):
    """``augment`` if it is None, ``"dihedral"`` or ``"flip"`` (and fits ``input_shape``), else a one-line error.

    Parameters
    ----------
    augment : str or None
    input_shape : tuple of int, optional
        One sample's shape (H, W, C); ``"dihedral"`` needs H == W.

    Returns
    -------
    str or None
    """
    if augment is not None and (not isinstance(augment, str) or augment not in VIEWS):
        raise InvalidArgumentError(f"augment must be None, 'dihedral' or 'flip', got {augment!r}")
    if augment == "dihedral" and input_shape is not None and input_shape[0] != input_shape[1]:
        raise ShapeError(f"augment='dihedral' turns images by 90 degrees and needs square ones, the model's input "
                         f"is {input_shape[0]}x{input_shape[1]}; use augment='flip' (mirror images only)")
    return augment


def gather_views(x, index, views, buffers):
    """The views of x[index] in a reused buffer, read straight out of x (:func:`fastcnn.kernels.dihedral_batch`).

    Parameters
    ----------
    x : ndarray or row source, (N_total, H, W, C)
        Uint8, float32 and float64 arrays are read in place; anything else
        (a file on disk) is read for these rows only.
    index : ndarray of int, (N,)
    views : ndarray of int64, (N,)
    buffers : dict
        The caller's buffers, one per dtype; made or enlarged here as needed.

    Returns
    -------
    ndarray, (N, H, W, C), x's dtype (others: float32)
        A view of the buffer: overwritten by the next call with these buffers.
    """
    source, rows = x.base_rows(index) if hasattr(x, "base_rows") else (x, index)
    if not (isinstance(source, np.ndarray) and source.flags.c_contiguous and source.dtype in _GATHERED):
        source = np.asarray(x[index])  # a file on disk: only this batch is read
        source, rows = (source if source.dtype in _GATHERED else source.astype(np.float32)), np.arange(len(index))
    buffer = buffers.get(source.dtype)
    if buffer is None or len(buffer) < len(index) or buffer.shape[1:] != source.shape[1:]:
        buffer = buffers[source.dtype] = np.empty((len(index),) + source.shape[1:], dtype=source.dtype)
    out = buffer[:len(index)]
    dihedral_batch_unchecked(source, np.asarray(rows, dtype=np.int64), views, out)
    return out


class BatchAugmenter:
    """Draws ``fit``'s augmentation: one random view per image of each batch.

    Parameters
    ----------
    augment : {"dihedral", "flip"}
    rng : numpy.random.Generator
        Draws the views (the model's ``augment_rng``, or one seeded by ``fit``'s ``seed``).
    """

    def __init__(self, augment, rng):
        self.views, self.rng = VIEWS[augment], rng

    def draw(self, n):
        """One random view for each of a batch's n images.

        Parameters
        ----------
        n : int
            The batch size N.

        Returns
        -------
        ndarray of int64, (N,)
            For :meth:`fastcnn.plan.Plan.train_step` (its ``views``).
        """
        return self.views[self.rng.integers(0, len(self.views), size=n)]


def tta_views(model, input_shape):
    """The views test-time averaging uses: all 8, or identity and mirror for ``"flip"`` models and non-square input.

    Parameters
    ----------
    model : Sequential
        Its ``augment`` says how it was trained.
    input_shape : tuple of int
        (H, W, C).

    Returns
    -------
    ndarray of int64
    """
    if getattr(model, "augment", None) == "flip" or input_shape[0] != input_shape[1]:
        return VIEWS["flip"]
    return VIEWS["dihedral"]


def averaged_predictions(model, x, batch_size):
    """``model.predict`` of every view of x (:func:`tta_views`), averaged, batch by batch.

    Parameters
    ----------
    model : Sequential
    x : ndarray or row source, (N, H, W, C), checked
    batch_size : int

    Returns
    -------
    ndarray, (N, classes), the parameters' dtype
        The sum over the views, in view order, divided by their number.
    """
    if model.compiled and getattr(model.loss, "from_logits", False):
        raise InvalidArgumentError("tta averages probabilities, but this model outputs logits (from_logits=True)")
    views = tta_views(model, x.shape[1:])
    total = np.zeros((len(x),) + model.output_shape, dtype=model.dtype)
    buffers = {}
    for start in range(0, len(x), batch_size):
        index = np.arange(start, min(start + batch_size, len(x)))
        for view in views:
            batch = gather_views(x, index, np.full(len(index), view), buffers)
            total[start:start + len(index)] += model.predict(batch, batch_size=len(index))
    return total / np.asarray(len(views), dtype=total.dtype)
