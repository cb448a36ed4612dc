"""Drawing primitives for the procedural galaxies (:mod:`fastcnn.data.synth`).

Light profiles (Sersic components, rings), colours of stellar populations,
and point-like light (points splatted onto the pixel grid, then blurred into
streams, arms and clumps).  Coordinates are pixel positions on a square grid;
images are float arrays, RGB in the last axis where there is one.
"""
import numpy as np

# Colours as (R, G, B) = (i, r, g) band weights, as in SDSS gri composites.
RED = np.array([1.0, 0.78, 0.52])      # old stars: ellipticals, bulges
BLUE = np.array([0.72, 0.82, 1.0])     # young stars: discs, knots, tails
STRETCH = 25.0                         # asinh softening: larger lifts faint light more


# ------------------------------------------------------------ light profiles
def ellipse(x, y, x0, y0, q, pa):
    """Coordinates (u, v) along the axes of an ellipse of axis ratio q, angle pa,
    with v stretched by 1/q so that circles in (u, v) are the ellipse's isophotes.

    A thin circular disc inclined by i projects to an ellipse with q = cos(i).

    Parameters
    ----------
    x, y : ndarray
        Pixel coordinates (any matching shapes).
    x0, y0 : float
        The centre.
    q : float
        Axis ratio b/a in (0, 1].
    pa : float
        Position angle of the major axis, radians.

    Returns
    -------
    u, v : ndarray
        Like ``x``.
    """
    c, s = np.cos(pa), np.sin(pa)
    return (x - x0) * c + (y - y0) * s, ((y - y0) * c - (x - x0) * s) / q


def sersic(r, re, n):
    """Sersic profile I(r) = exp(-b_n [(r / re)^(1/n) - 1]), so I(re) = 1.

    n = 1 is an exponential disc, n = 4 a de Vaucouleurs elliptical; b_n
    (Ciotti & Bertin 1999) puts half the light inside the effective radius re.

    Parameters
    ----------
    r : ndarray
        Radii.
    re : float
        Effective (half-light) radius.
    n : float
        Sersic index.

    Returns
    -------
    ndarray
        Like ``r``.
    """
    b = 2.0 * n - 1.0 / 3.0 + 4.0 / (405.0 * n)
    return np.exp(-b * ((r / re) ** (1.0 / n) - 1.0))


def sersic_component(x, y, x0, y0, re, n, q, pa, amp, colour):
    """One Sersic component (surface brightness ``amp`` at re) as an RGB image.
    The radius is softened by half a pixel so cuspy profiles stay finite.

    Parameters
    ----------
    x, y : ndarray, (H, W)
        Pixel coordinates.
    x0, y0, re, n, q, pa : float
        Centre, effective radius, Sersic index, axis ratio, position angle (see :func:`ellipse`).
    amp : float
        Surface brightness at ``re``.
    colour : ndarray, (3,)
        RGB band weights.

    Returns
    -------
    ndarray, (H, W, 3)
    """
    u, v = ellipse(x, y, x0, y0, q, pa)
    return (amp * sersic(np.sqrt(u * u + v * v + 0.25), re, n))[..., None] * colour


def ring(r, radius, width):
    """A Gaussian annulus in radius: stars piled up at an orbital resonance.

    Parameters
    ----------
    r : ndarray
        Radii.
    radius, width : float
        Where the annulus peaks, and its Gaussian sigma.

    Returns
    -------
    ndarray
        Like ``r``, 1 on the ring.
    """
    return np.exp(-0.5 * ((r - radius) / width) ** 2)


def mixed_colour(rng, lo=0.0, hi=1.0):
    """A colour between RED and BLUE (stellar populations of mixed age), with
    a little random variation between the three bands.

    Parameters
    ----------
    rng : numpy.random.Generator
    lo, hi : float
        The range of the blue fraction drawn (0: all RED, 1: all BLUE).

    Returns
    -------
    ndarray, (3,)
    """
    f = rng.uniform(lo, hi)
    return ((1.0 - f) * RED + f * BLUE) * rng.uniform(0.92, 1.08, 3)


# ------------------------------------------------------ point-like light
def blur(img, sigma):
    """Separable Gaussian convolution over the first two axes (zero outside):
    the atmosphere and telescope optics, or the width of a stream.

    Parameters
    ----------
    img : ndarray, (H, W) or (H, W, C)
    sigma : float
        The Gaussian's sigma in pixels (the kernel reaches 3 sigma).

    Returns
    -------
    ndarray
        Like ``img``.
    """
    r = max(1, int(np.ceil(3.0 * sigma)))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    n, m = img.shape[:2]
    padded = np.pad(img, [(r, r), (0, 0)] + [(0, 0)] * (img.ndim - 2))
    img = sum(w * padded[i:i + n] for i, w in enumerate(k))
    padded = np.pad(img, [(0, 0), (r, r)] + [(0, 0)] * (img.ndim - 2))
    return sum(w * padded[:, i:i + m] for i, w in enumerate(k))


def splat(size, xs, ys, fluxes):
    """Deposit point fluxes bilinearly at pixel positions (x, y) on a grid.

    Parameters
    ----------
    size : int
        The grid is (size, size).
    xs, ys, fluxes : ndarray, (P,)
        Positions (pixel centres at +0.5) and fluxes; points off the grid are dropped.

    Returns
    -------
    ndarray, (size, size)
    """
    img = np.zeros(size * size)
    fx, fy = xs - 0.5, ys - 0.5
    ix, iy = np.floor(fx).astype(np.int64), np.floor(fy).astype(np.int64)
    dx, dy = fx - ix, fy - iy
    for ox, oy, w in ((0, 0, (1 - dx) * (1 - dy)), (1, 0, dx * (1 - dy)),
                      (0, 1, (1 - dx) * dy), (1, 1, dx * dy)):
        jx, jy = ix + ox, iy + oy
        ok = (jx >= 0) & (jx < size) & (jy >= 0) & (jy < size)
        img += np.bincount((jy * size + jx)[ok], (fluxes * w)[ok], minlength=size * size)
    return img.reshape(size, size)


def diffuse(size, xs, ys, sigma, peak):
    """A cloud of points blurred into diffuse light whose brightest pixel is
    ``peak``: grainy tidal streams, knotty spiral arms, star-forming clumps.

    Parameters
    ----------
    size : int
    xs, ys : ndarray, (P,)
        The points.
    sigma : float
        Blur in pixels.
    peak : float
        The brightest pixel's value.

    Returns
    -------
    ndarray, (size, size)
    """
    light = blur(splat(size, xs, ys, np.ones(len(xs))), sigma)
    return light * (peak / max(light.max(), 1e-12))


def arc_points(rng, x0, y0, r0, length, angle, curl, n_points):
    """Points along a spiral arc leaving (x0, y0): a tidal tail or spiral arm.

    The radius grows from r0 to r0 + length while the azimuth turns by
    ``curl`` radians; points thin out and spread sideways along the arc,
    like stars flung out in a close encounter.

    Parameters
    ----------
    rng : numpy.random.Generator
    x0, y0 : float
        Where the arc starts.
    r0, length : float
        Starting radius, and how far the radius grows.
    angle, curl : float
        Starting azimuth, and how far it turns (radians).
    n_points : int

    Returns
    -------
    xs, ys : ndarray, (n_points,)
    """
    t = rng.random(n_points) ** 1.5
    rad = r0 + length * t
    spread = (0.03 + 0.08 * t) * (r0 + length)
    xs = x0 + rad * np.cos(angle + curl * t) + rng.normal(0.0, 1.0, n_points) * spread
    ys = y0 + rad * np.sin(angle + curl * t) + rng.normal(0.0, 1.0, n_points) * spread
    return xs, ys


def bridge_points(rng, x1, y1, x2, y2, n_points):
    """Points along a bowed line from one nucleus to the other: a bridge of
    stars pulled out between two galaxies in a close passage.

    Parameters
    ----------
    rng : numpy.random.Generator
    x1, y1, x2, y2 : float
        The two nuclei.
    n_points : int

    Returns
    -------
    xs, ys : ndarray, (n_points,)
    """
    t = rng.random(n_points)
    sep = np.hypot(x2 - x1, y2 - y1)
    bow = rng.normal(0, 0.3) * sep * 4 * t * (1 - t)  # sideways, largest half-way
    xs = x1 + t * (x2 - x1) - bow * (y2 - y1) / sep + rng.normal(0, 0.08 * sep, n_points)
    ys = y1 + t * (y2 - y1) + bow * (x2 - x1) / sep + rng.normal(0, 0.08 * sep, n_points)
    return xs, ys
