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
  saved in the model file, so ``--resume`` stays bit-identical) and gathers
  the batch straight out of the data set into one reused buffer: the data
  set is never copied, and uint8 pixels stay uint8.
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


def _gather(x, index, views, buffers):
    """The views of x[index] in a buffer of ``buffers`` (one per dtype, made once), read straight out of x."""
    source, rows = x.base_rows(index) if hasattr(x, "base_rows") else (x, index)
    if not (isinstance(source, np.ndarray) and source.flags.c_contiguous and source.dtype in _GATHERED):
        source = np.asarray(x[index])  # a file on disk: only this batch is read
        source, rows = (source if source.dtype in _GATHERED else source.astype(np.float32)), np.arange(len(index))
    if source.dtype not in buffers:
        buffers[source.dtype] = np.empty((buffers["size"],) + source.shape[1:], dtype=source.dtype)
    out = buffers[source.dtype][:len(index)]
    dihedral_batch_unchecked(np.ascontiguousarray(source), np.asarray(rows, dtype=np.int64), views, out)
    return out


class BatchAugmenter:
    """Assembles ``fit``'s augmented batches: one random view per image, into a reused buffer.

    Parameters
    ----------
    augment : {"dihedral", "flip"}
    batch_size : int
        The largest batch; the buffer holds that many images.
    rng : numpy.random.Generator
        Draws the views (the model's ``augment_rng``, or one seeded by ``fit``'s ``seed``).
    """

    def __init__(self, augment, batch_size, rng):
        self.views, self.rng = VIEWS[augment], rng
        self.buffers = {"size": batch_size}
        self.rows = np.arange(batch_size)

    def batch(self, x, index):
        """(batch, rows) for :meth:`fastcnn.plan.Plan.train_step`: the augmented images x[index] and 0..N-1.

        Parameters
        ----------
        x : ndarray or row source, (N_total, H, W, C)
        index : ndarray of int, (N,)
            The batch's rows in ``x``.

        Returns
        -------
        batch : ndarray, (N, H, W, C), x's dtype (uint8 stays uint8)
            A view of the reused buffer: overwritten by the next batch.
        rows : ndarray, (N,)
        """
        views = self.views[self.rng.integers(0, len(self.views), size=len(index))]
        return _gather(x, index, views, self.buffers), self.rows[:len(index)]


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
    buffers = {"size": batch_size}
    for start in range(0, len(x), batch_size):
        index = np.arange(start, min(start + batch_size, len(x)))
        for view in views:
            batch = _gather(x, index, np.full(len(index), view), buffers)
            total[start:start + len(index)] += model.predict(batch, batch_size=len(index))
    return total / np.asarray(len(views), dtype=total.dtype)
