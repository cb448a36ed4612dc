"""Decoding one image file into the model's input: RGB uint8 (H, W, 3).

Steps, in order:

1. open and fully decode with Pillow (a truncated or foreign file, a pipe
   or a device is a :class:`DataError` naming the file, and so is an image
   of more pixels than Pillow's ``Image.MAX_IMAGE_PIXELS``, checked from its
   header in every thread);
2. convert any mode to 8-bit RGB: grayscale is repeated into three channels,
   16-bit grayscale is scaled 65535 -> 255 (not clipped), palette images are
   expanded, CMYK is converted, and transparent images are composited over
   black (the colour of the sky);
3. optionally keep only the central square of side ``crop * min(width,
   height)`` (Galaxy Zoo cutouts show the galaxy small in the middle of the
   frame; the shared data's reference numbers use 212 of 423 px, ``crop=0.5``);
   without ``crop`` a non-square image is cut to its central square, so
   resizing never distorts the galaxy;
4. resize to ``size`` = (H, W) with bilinear interpolation.
"""
import os

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..errors import DataError, InvalidArgumentError

#: bump when decoding changes, so decode caches made by older code are ignored
DECODER_VERSION = 1


def check_crop(crop):
    """Validate a ``crop`` option.

    Parameters
    ----------
    crop : float or None
        The central fraction of an image to keep, in (0, 1].

    Returns
    -------
    float or None
        ``crop`` as a float, or None.

    Raises
    ------
    InvalidArgumentError
        When ``crop`` is not a number in (0, 1] (a bool is refused).
    """
    if crop is None:
        return None
    if isinstance(crop, bool) or not isinstance(crop, (int, float)) or not 0 < crop <= 1:
        raise InvalidArgumentError(f"crop must be a fraction in (0, 1], got {crop!r}")
    return float(crop)


def _to_rgb(image, path):
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit (or 32-bit integer) grayscale: scale the 0..65535 range to 0..255
        values = np.asarray(image, dtype=np.float64)
        gray = np.clip(np.round(values / 257.0), 0, 255).astype(np.uint8)
        return Image.fromarray(gray, mode="L").convert("RGB")
    if mode == "F":
        raise DataError(f"{path}: 32-bit float images are not supported; save it as 8- or 16-bit PNG")
    if mode in ("RGBA", "LA", "PA", "P", "RGBa", "La") or "transparency" in image.info:
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float64)
        rgb = rgba[..., :3] * (rgba[..., 3:] / 255.0)  # over a black background
        return Image.fromarray(np.round(rgb).astype(np.uint8), mode="RGB")
    try:
        return image.convert("RGB")  # L, 1, CMYK, YCbCr, LAB, HSV
    except (ValueError, OSError) as error:
        raise DataError(f"{path}: cannot convert image mode {mode} to RGB ({error})") from None


def _centre_square(image, crop):
    width, height = image.size
    side = min(width, height)
    if crop is not None:
        side = max(1, int(round(side * crop)))
    if (side, side) == (width, height):
        return image
    left = (width - side) // 2
    top = (height - side) // 2
    return image.crop((left, top, left + side, top + side))


def check_regular_file(path, what):
    """A one-line DataError unless ``path`` is a regular file (a FIFO or a device would block or never end).

    Parameters
    ----------
    path : str or pathlib.Path
    what : str
        "image", "labels file", ...: for the message.

    Returns
    -------
    None
    """
    import stat

    mode = os.stat(path).st_mode  # FileNotFoundError is the caller's to word
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(path)
    if not stat.S_ISREG(mode):
        raise DataError(f"{path}: not a regular file (a pipe or a device?); the {what} must be a file")


def decode_image(path, size=(128, 128), crop=None):
    """Read ``path`` and return RGB uint8 pixels of shape ``(size[0], size[1], 3)``.

    Parameters
    ----------
    path : str or pathlib.Path
        Any image file Pillow reads.
    size : tuple of int, default (128, 128)
        Output (H, W).
    crop : float, optional
        Keep the central square of side ``crop * min(width, height)``;
        default the largest central square.

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8.

    Raises
    ------
    DataError
        Naming ``path``, when it cannot be read or decoded.
    """
    crop = check_crop(crop)
    try:
        check_regular_file(path, "image")
        with Image.open(path) as image:
            # the size, from the header, before any pixel is decoded: explicit, so it holds in any thread
            # (warnings.catch_warnings, which Pillow's own bomb check relies on, is not thread-safe)
            limit = Image.MAX_IMAGE_PIXELS  # Pillow's decompression-bomb limit (None: none)
            if limit and image.width * image.height > limit:
                raise DataError(f"{path}: refused, too many pixels ({image.width} x {image.height}; "
                                f"at most {limit:,})")
            image.load()
            image = _to_rgb(image, path)
            image = _centre_square(image, crop)
            height, width = size
            if image.size != (width, height):
                image = image.resize((width, height), Image.BILINEAR)
            pixels = np.asarray(image, dtype=np.uint8)
    except FileNotFoundError:
        raise DataError(f"image not found: {path}") from None
    except IsADirectoryError:
        raise DataError(f"expected an image file, got a folder: {path}") from None
    except UnidentifiedImageError:
        raise DataError(f"not an image Pillow can read: {path}") from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:  # warnings as errors, too
        raise DataError(f"{path}: refused, too many pixels ({error})") from None
    except DataError:
        raise
    except (OSError, SyntaxError, ValueError) as error:
        raise DataError(f"cannot decode image {path}: {error}") from None
    if pixels.shape != (size[0], size[1], 3):
        raise DataError(f"{path}: decoded to shape {pixels.shape}, expected {(size[0], size[1], 3)}")
    return pixels
