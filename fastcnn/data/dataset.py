"""``Dataset``: images, integer labels and class names, kept together.

Images stay as loaded: uint8 pixels (N, H, W, 3) for decoded image files (4x
smaller than float32; the model divides each batch by 255), or float32 in
[0, 1] when a ``.npz`` file stored floats.
"""
from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError
from .disk import RowView


@dataclass
class Dataset:
    """Images, their labels and the class names, checked to fit together.

    Parameters
    ----------
    images : numpy.ndarray or RowView or DiskArray
        (N, H, W, 3) uint8 pixels, or float32 in [0, 1].
    labels : array_like of int
        (N,) class indices into ``class_names``; stored as int64.
    class_names : sequence of str
        The classes in one-hot order; stored as a tuple.
    files : sequence of str, optional
        The file each image came from, when loaded from image files.
    source : str, optional
        What the data is, for people: "built-in procedural galaxies" or a path.
    notes : list of str, optional
        Things the loader wants the user to know (cache hits, skipped files...).

    Raises
    ------
    DataError
        When the images are not (N, H, W, 3), or the labels do not match them
        or do not index ``class_names``.
    """

    images: np.ndarray                 # (N, H, W, 3) uint8 or float32 in [0, 1]; or a RowView / DiskArray
    labels: np.ndarray                 # (N,) int64 index into class_names
    class_names: tuple                 # one-hot order
    files: tuple = None                # where each image came from, if files
    source: str = ""                   # human description ("built-in procedural galaxies", a path)
    notes: list = field(default_factory=list)  # things the loader wants the user to know

    def __post_init__(self):
        if self.images.ndim != 4 or self.images.shape[-1] != 3:
            raise DataError(f"images must be (N, H, W, 3), got {self.images.shape}")
        self.labels = np.asarray(self.labels, dtype=np.int64)
        self.class_names = tuple(self.class_names)
        if self.labels.shape != (len(self.images),):
            raise DataError(f"{len(self.images)} images but {self.labels.shape[0]} labels")
        if len(self.labels) and (self.labels.min() < 0 or self.labels.max() >= len(self.class_names)):
            raise DataError("labels must index class_names")
        if self.files is not None:
            self.files = tuple(self.files)

    def __len__(self):
        return len(self.images)

    @property
    def image_shape(self):
        """(H, W, 3): the shape of one image."""
        return tuple(self.images.shape[1:])

    def one_hot(self, dtype=np.float32):
        """Labels as one-hot rows (N, classes) in ``class_names`` order.

        Parameters
        ----------
        dtype : numpy dtype, default numpy.float32

        Returns
        -------
        numpy.ndarray
            (N, len(class_names)) of ``dtype``: 1 in each label's column, 0 elsewhere.
        """
        return np.eye(len(self.class_names), dtype=dtype)[self.labels]

    def class_counts(self):
        """How many samples each class has.

        Returns
        -------
        dict of str to int
            Class name -> count, in ``class_names`` order (absent classes count 0).
        """
        counts = np.bincount(self.labels, minlength=len(self.class_names))
        return {name: int(c) for name, c in zip(self.class_names, counts)}

    def subset(self, indices):
        """The samples at ``indices``, sharing the pixels (a RowView or a
        DiskArray subset): no image is copied.

        Parameters
        ----------
        indices : array_like of int
            Row numbers, e.g. one part of :func:`~fastcnn.data.stratified_split`.

        Returns
        -------
        Dataset
            Same class names and source; no notes.
        """
        indices = np.asarray(indices)
        lazy = getattr(self.images, "subset", None)
        return Dataset(
            images=lazy(indices) if lazy else RowView(self.images, indices),
            labels=self.labels[indices],
            class_names=self.class_names,
            files=None if self.files is None else tuple(self.files[i] for i in indices),
            source=self.source,
        )

    def describe_counts(self):
        """``"Normal 350, Ringed 350, ..."`` plus a warning if classes are imbalanced.

        Returns
        -------
        str
            The counts, the majority-class baseline accuracy and, when the
            largest class is at least twice the smallest, a warning.
        """
        counts = self.class_counts()
        text = ", ".join(f"{name} {count}" for name, count in counts.items())
        if counts and len(self):
            majority = max(counts.values())
            smallest = min(counts.values())
            text += f" (majority-class baseline {majority / len(self):.3f})"
            if smallest == 0 or majority / max(smallest, 1) >= 2:
                text += "; classes are imbalanced: accuracy alone can mislead, look at per-class recall and AUC"
        return text
