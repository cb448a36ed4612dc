"""What every picture shares: matplotlib on demand, saving a figure, pixels for display."""
from pathlib import Path

import numpy as np


def pyplot():
    """matplotlib.pyplot on the Agg backend (files only, no window), imported on first use.

    Returns
    -------
    module
        ``matplotlib.pyplot``.
    """
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path, plt):
    """Write ``fig`` to ``path`` as a PNG (100 dpi, tight), close it and return the path.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or pathlib.Path
        Its folder is created if missing.
    plt : module
        ``matplotlib.pyplot`` (from :func:`pyplot`).

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def as_rgb(image):
    """An (H, W, 3) image as floats in [0, 1] for display.

    Parameters
    ----------
    image : ndarray, (H, W, 3)
        uint8 pixels (0..255) or floats (clipped to 0..1).

    Returns
    -------
    ndarray, (H, W, 3) float
    """
    image = np.asarray(image)
    return image / 255.0 if image.dtype == np.uint8 else np.clip(image, 0.0, 1.0)
