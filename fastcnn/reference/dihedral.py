"""Plain-NumPy twin of :mod:`fastcnn.kernels.dihedral`."""
import numpy as np


def dihedral_batch(x, rows, views):
    """View ``views[n]`` of each image ``x[rows[n]]``: mirrored left-right when ``views[n] >= 4``, then
    turned ``views[n] % 4`` quarter turns counter-clockwise.

    Parameters
    ----------
    x, rows, views
        As for :func:`fastcnn.kernels.dihedral_batch`, whose specification this is.

    Returns
    -------
    As :func:`fastcnn.kernels.dihedral_batch`.
    """
    images = []
    for row, view in zip(rows, views):
        image = x[row]
        if view >= 4:
            image = np.flip(image, axis=1)  # mirror: the width axis reversed
        images.append(np.rot90(image, k=int(view) % 4, axes=(0, 1)))
    return np.array(images, dtype=x.dtype).reshape((len(images),) + x.shape[1:])
