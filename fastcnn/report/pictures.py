"""The report's pictures, inline: PNG bytes as ``data:`` URIs, from the same plotting code as the PNG files.

Every picture of :mod:`fastcnn.viz` writes a PNG file; :func:`figure` runs
one into a temporary folder and returns what it wrote as data URIs, so the
report and ``fastcnn train``'s pictures are the same drawings.  Thumbnails
of the galaxies themselves are encoded straight from their pixels.
"""
import base64
import io
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image


def data_uri(png_bytes):
    """``data:image/png;base64,...`` for PNG bytes.

    Parameters
    ----------
    png_bytes : bytes

    Returns
    -------
    str
    """
    return "data:image/png;base64," + base64.b64encode(png_bytes).decode("ascii")


def figure(draw, *args, **kwargs):
    """Run ``draw(*args, path, **kwargs)`` (a :mod:`fastcnn.viz` function) and return its PNGs as data URIs.

    Parameters
    ----------
    draw : callable
        Writes to the path it is given as its last positional argument, and returns the path or a list of paths.
    *args, **kwargs
        Its other arguments.

    Returns
    -------
    list of (str, str)
        (file name, data URI) for each picture it wrote, in its order.
    """
    with tempfile.TemporaryDirectory() as folder:
        written = draw(*args, Path(folder) / "picture.png", **kwargs)
        paths = written if isinstance(written, (list, tuple)) else [written]
        return [(Path(p).name, data_uri(Path(p).read_bytes())) for p in paths]


def thumbnail(image, size=96):
    """One image (H, W, 3), uint8 or floats in [0, 1], as a PNG data URI at most ``size`` pixels wide.

    Parameters
    ----------
    image : ndarray
    size : int

    Returns
    -------
    str
    """
    pixels = np.asarray(image)
    if pixels.dtype != np.uint8:
        pixels = np.clip(np.rint(pixels * 255), 0, 255).astype(np.uint8)
    picture = Image.fromarray(pixels[..., :3] if pixels.ndim == 3 else pixels)
    if picture.width > size:
        picture = picture.resize((size, round(picture.height * size / picture.width)), Image.LANCZOS)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return data_uri(buffer.getvalue())
