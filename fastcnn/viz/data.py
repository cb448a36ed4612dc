"""What the data looks like: a contact sheet of examples, one row per class (Pillow)."""
from pathlib import Path

import numpy as np


def contact_sheet(images, labels, class_names, path, per_class=8, tile=128):
    """A grid of example images, one row per class, labelled (Pillow).

    Parameters
    ----------
    images : ndarray, (N, H, W, 3) uint8, or floats in [0, 1]
    labels : array_like of int, (N,)
        Each image's class index.
    class_names : sequence of str
        One row each, in class-index order.
    path : str or pathlib.Path
        The PNG to write; its folder is created if missing.
    per_class : int, default 8
        The first ``per_class`` images of each class are shown.
    tile : int, default 128
        Each image's side in the sheet, in pixels (nearest-neighbour resize).

    Returns
    -------
    pathlib.Path
    """
    from PIL import Image, ImageDraw, ImageFont

    labels = np.asarray(labels)
    margin, label_width = 4, 110
    width = label_width + per_class * (tile + margin)
    height = len(class_names) * (tile + margin) + margin
    sheet = Image.new("RGB", (width, height), (30, 30, 30))
    draw = ImageDraw.Draw(sheet)
    try:
        font = ImageFont.load_default(size=18)
    except TypeError:  # Pillow < 10.1 has a fixed-size default font
        font = ImageFont.load_default()
    for row, name in enumerate(class_names):
        y0 = margin + row * (tile + margin)
        draw.text((8, y0 + tile // 2 - 10), name, fill=(235, 235, 235), font=font)
        for column, index in enumerate(np.flatnonzero(labels == row)[:per_class]):
            image = np.asarray(images[index])
            if image.dtype != np.uint8:
                image = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
            picture = Image.fromarray(image).resize((tile, tile), Image.NEAREST)
            sheet.paste(picture, (label_width + column * (tile + margin), y0))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)
    return path
