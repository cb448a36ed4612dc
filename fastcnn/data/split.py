"""Stratified, seeded train/validation split.

Each class is shuffled on its own (NumPy ``default_rng(seed)``) and
``round(n_class * val_fraction)`` of its samples go to validation, so both
parts keep the class proportions of the whole set, and the same seed always
gives the same split.
"""
import numpy as np

from ..errors import InvalidArgumentError


def stratified_split(labels, val_fraction=0.2, seed=0):
    """Return ``(train_indices, val_indices)``, each sorted ascending.

    Parameters
    ----------
    labels : array_like
        (N,) class labels.
    val_fraction : float, default 0.2
        In [0, 1): the share of each class that goes to validation.
    seed : int, default 0

    Returns
    -------
    train_indices, val_indices : numpy.ndarray
        int64 indices into ``labels``; together every index once.
    """
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, (int, float)) or not 0 <= val_fraction < 1:
        raise InvalidArgumentError(f"the validation fraction must be in [0, 1), got {val_fraction!r}")
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    train, val = [], []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        rng.shuffle(members)
        n_val = int(round(len(members) * val_fraction))
        val.append(members[:n_val])
        train.append(members[n_val:])
    if not train:
        return np.array([], np.int64), np.array([], np.int64)
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))
