"""A tiny learnable image problem: four kinds of simple shapes.

Each image is a dark noisy background with one bright shape (disc, square,
triangle or cross) of random size, position and colour.
"""
import numpy as np

SHAPES = ("disc", "square", "triangle", "cross")


def make_shapes(n, size=64, seed=0):
    """(x, y): x float32 (n, size, size, 3) in [0, 1], y one-hot (n, 4), balanced."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % len(SHAPES)
    rng.shuffle(labels)
    rows, cols = np.mgrid[0:size, 0:size]
    x = rng.random((n, size, size, 3)).astype(np.float32) * 0.2
    for i, label in enumerate(labels):
        r = rng.uniform(0.15, 0.3) * size                       # half-size of the shape
        cy, cx = rng.uniform(r + 1, size - r - 1, 2)
        dy, dx = rows - cy, cols - cx
        if SHAPES[label] == "disc":
            mask = dy**2 + dx**2 <= r**2
        elif SHAPES[label] == "square":
            mask = (np.abs(dy) <= r * 0.85) & (np.abs(dx) <= r * 0.85)
        elif SHAPES[label] == "triangle":
            mask = (dy <= r * 0.8) & (dy >= -r) & (np.abs(dx) <= (dy + r) * 0.6)
        else:
            mask = ((np.abs(dy) <= r * 0.25) & (np.abs(dx) <= r)) | ((np.abs(dx) <= r * 0.25) & (np.abs(dy) <= r))
        colour = rng.uniform(0.5, 1.0, 3).astype(np.float32)
        x[i][mask] = colour
    return x, np.eye(len(SHAPES), dtype=np.float32)[labels]
