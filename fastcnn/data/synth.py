"""Procedural galaxy images: the built-in stand-in for the Galaxy Zoo cutouts.

The original project trained on 1,400 Galaxy Zoo galaxies that cannot ship
with fastcnn.  :func:`synthesize_galaxies` draws look-alike survey cutouts
instead: a galaxy near the centre of a dark, noisy sky, with foreground stars
and faint background galaxies, blurred by a Gaussian point-spread function
(PSF) and shown with an asinh colour stretch like SDSS/DECaLS colour images.

Lengths are written for a 128-pixel image and scaled by ``size / 128``, so a
smaller ``size`` draws the same kind of scene at lower resolution.  Fluxes
are in arbitrary units: the sky noise is ~0.01 and a bright core ~1.

Difficulty is calibrated for the reference model: ``galaxy_classifier`` with
Adam(1e-3), batch 5, 12 epochs on a stratified 80/20 split of the default
1,400 images reaches about 0.86 validation accuracy (AUC ~0.97) -- well
above chance, below perfect.  ``HARD_FRACTION`` is the main knob.

Determinism: all randomness comes from one ``numpy.random.Generator`` seeded
with ``seed`` and consumed in a fixed order; no global state, no threads, so
the same seed gives bit-identical arrays.
"""
import numpy as np

from ..classes import GALAXY_CLASSES
from ..errors import InvalidArgumentError
from .drawing import (BLUE, RED, STRETCH, arc_points, blur, bridge_points, diffuse, ellipse, mixed_colour, ring,
                      sersic, sersic_component, splat)

HARD_FRACTION = 0.15  # share of images whose class signature is weak

# ------------------------------------------------------------------- classes
def _normal(rng, x, y, cx, cy, s, hard):
    """A smooth galaxy: a red elliptical (Sersic n ~ 2.5-4) or a bluer
    exponential disc (n ~ 1) with a small red bulge, at a random inclination.
    Hard cases: a near edge-on disc, and/or a compact unrelated neighbour
    (a star-like or small galaxy) close by in projection."""
    pa, amp = rng.uniform(0, np.pi), 10 ** rng.uniform(-1.5, -0.7)
    if rng.random() < 0.5:
        img = sersic_component(x, y, cx, cy, rng.uniform(5, 13) * s, rng.uniform(2.5, 4.0),
                      rng.uniform(0.5, 1.0), pa, amp, mixed_colour(rng, 0.0, 0.25))
    else:
        q = rng.uniform(0.15, 0.5) if hard else rng.uniform(0.4, 1.0)
        img = sersic_component(x, y, cx, cy, rng.uniform(7, 15) * s, rng.uniform(0.7, 1.5), q, pa, amp,
                      mixed_colour(rng, 0.3, 0.8))
        img += sersic_component(x, y, cx, cy, rng.uniform(1.5, 3.5) * s, rng.uniform(2.0, 4.0), max(q, 0.6), pa,
                       amp * rng.uniform(0.5, 3.0), mixed_colour(rng, 0.0, 0.3))
    if hard and rng.random() < 0.5:  # an unrelated neighbour
        d, phi = rng.uniform(10, 25) * s, rng.uniform(0, 2 * np.pi)
        img += sersic_component(x, y, cx + d * np.cos(phi), cy + d * np.sin(phi), rng.uniform(0.6, 2.5) * s,
                       1.0, rng.uniform(0.5, 1.0), pa, amp * rng.uniform(1.0, 5.0), mixed_colour(rng))
    return img


def _ringed(rng, x, y, cx, cy, s, hard):
    """A bulge inside a ring of stars (a resonance ring) seen at a random
    inclination; sometimes with a bar, an inner or a faint outer ring, and
    brighter arcs along the ring.  Hard cases: fainter, smaller, more
    inclined rings, easily taken for a smooth galaxy."""
    q = rng.uniform(0.4, 0.7) if hard else rng.uniform(0.6, 1.0)
    pa, amp = rng.uniform(0, np.pi), 10 ** rng.uniform(-1.4, -0.7)
    radius = rng.uniform(9, 14) * s if hard else rng.uniform(12, 22) * s
    img = sersic_component(x, y, cx, cy, rng.uniform(2.0, 5.0) * s, rng.uniform(1.5, 4.0), max(q, 0.7), pa, amp,
                  mixed_colour(rng, 0.0, 0.3))
    disc = amp * rng.uniform(0.02, 0.12)  # a faint disc under the ring
    img += sersic_component(x, y, cx, cy, radius * 0.6, 1.0, q, pa, disc, mixed_colour(rng, 0.3, 1))
    u, v = ellipse(x, y, cx, cy, q, pa)
    r = np.sqrt(u * u + v * v)
    arcs = 1.0 + rng.uniform(0, 0.7) * np.cos(2 * (np.arctan2(v, u) - rng.uniform(0, np.pi)))
    light = ring(r, radius, radius * rng.uniform(0.07, 0.18)) * arcs
    if rng.random() < 0.4:  # a bar inside the ring
        ub, vb = ellipse(x, y, cx, cy, rng.uniform(0.2, 0.35), pa + rng.uniform(0, np.pi))
        bar = sersic(np.sqrt(ub * ub + vb * vb), radius * rng.uniform(0.4, 0.7), 0.5)
        light += bar * rng.uniform(0.3, 1.0)
    if rng.random() < 0.3:  # an inner ring
        light += ring(r, radius * rng.uniform(0.35, 0.55), radius * 0.07) * rng.uniform(0.5, 1.0)
    if rng.random() < 0.25:  # a faint outer ring
        light += ring(r, radius * rng.uniform(1.3, 1.6), radius * 0.12) * rng.uniform(0.2, 0.4)
    ring_amp = amp * (rng.uniform(0.15, 0.35) if hard else rng.uniform(0.5, 1.2))
    return img + (ring_amp * light)[..., None] * mixed_colour(rng, 0.3, 1.0)


def _merger(rng, x, y, cx, cy, s, hard):
    """Two interacting galaxies of unequal size and brightness, with curved
    tidal tails and sometimes a bridge of stars between them.  Hard cases:
    a faint companion, faint tails, or a close pair (a double nucleus)."""
    re1, amp1 = rng.uniform(4, 10) * s, 10 ** rng.uniform(-1.4, -0.7)
    re2, amp2 = re1 * rng.uniform(0.5, 1.0), amp1 * rng.uniform(0.6, 1.5)
    sep = (re1 + re2) * rng.uniform(1.4, 2.4)
    if hard and rng.random() < 0.5:
        amp2 *= rng.uniform(0.25, 0.5)
    elif hard:
        sep = (re1 + re2) * rng.uniform(0.5, 0.9)
    phi = rng.uniform(0, 2 * np.pi)
    f = amp2 * re2 ** 2 / (amp1 * re1 ** 2 + amp2 * re2 ** 2)  # keep the centre of light near (cx, cy)
    x1, y1 = cx - f * sep * np.cos(phi), cy - f * sep * np.sin(phi)
    x2, y2 = x1 + sep * np.cos(phi), y1 + sep * np.sin(phi)
    img = sersic_component(x, y, x1, y1, re1, rng.uniform(2.0, 4.0), rng.uniform(0.5, 1), rng.uniform(0, np.pi),
                  amp1, mixed_colour(rng, 0.0, 0.5))
    img += sersic_component(x, y, x2, y2, re2, rng.uniform(2.0, 4.0), rng.uniform(0.5, 1), rng.uniform(0, np.pi),
                   amp2, mixed_colour(rng, 0.0, 0.6))
    spin, pieces = rng.choice([-1.0, 1.0]), []
    for gx, gy, re, away in ((x1, y1, re1, phi + np.pi), (x2, y2, re2, phi)):
        pieces.append(arc_points(rng, gx, gy, re, rng.uniform(2, 4) * re1, away + rng.normal(0, 0.5),
                           spin * rng.uniform(1.0, 2.5), 500))
    if rng.random() < 0.5:
        pieces.append(bridge_points(rng, x1, y1, x2, y2, 300))
    xs, ys = (np.concatenate(p) for p in zip(*pieces))
    peak = amp1 * (rng.uniform(0.2, 0.4) if hard else rng.uniform(0.7, 1.5))
    streams = diffuse(x.shape[0], xs, ys, rng.uniform(1.0, 2.0) * s, peak)
    return img + streams[..., None] * mixed_colour(rng, 0.4, 1)


def _other(rng, x, y, cx, cy, s, hard):
    """Everything else: a clumpy irregular (blue star-forming knots over a
    lopsided body), a two-armed spiral with knots along its arms, or a thin
    edge-on disc with a dust lane and a warp.  Hard cases: few, faint knots
    and faint arms, so the galaxy looks nearly smooth."""
    size, pa, amp = x.shape[0], rng.uniform(0, np.pi), 10 ** rng.uniform(-1.5, -0.8)
    kind, re = rng.choice(3, p=[0.6, 0.2, 0.2]), rng.uniform(9, 16) * s
    n_knots = rng.integers(2, 5) if hard else rng.integers(6, 16)
    if kind == 0:  # irregular: lopsided diffuse light plus knots
        q = rng.uniform(0.4, 1.0)
        img = sersic_component(x, y, cx, cy, re, rng.uniform(0.5, 1.2), q, pa, amp, mixed_colour(rng, 0.7, 1.0))
        off = rng.normal(0, 0.7, 2) * re
        img += sersic_component(x, y, cx + off[0], cy + off[1], re * 0.6, 0.7, rng.uniform(0.4, 1), pa + 1,
                       amp * rng.uniform(0.5, 1.5), mixed_colour(rng, 0.7, 1.0))
        kx, ky = cx + rng.normal(0, 0.9, n_knots) * re, cy + rng.normal(0, 0.9, n_knots) * re * q
    elif kind == 1:  # spiral: disc, bulge and two knotty arms
        img = sersic_component(x, y, cx, cy, re, 1.0, rng.uniform(0.6, 1.0), pa, amp * 0.5, mixed_colour(rng, 0.7, 1.0))
        img += sersic_component(x, y, cx, cy, re * 0.2, 2.0, 0.8, pa, amp, mixed_colour(rng, 0.0, 0.3))
        spin, arms = rng.choice([-1.0, 1.0]), []
        for k in range(2):
            curl = spin * rng.uniform(2.0, 3.5)
            arms.append(arc_points(rng, cx, cy, re * 0.2, re * 1.6, pa + k * np.pi, curl, 400))
        xs, ys = (np.concatenate(p) for p in zip(*arms))
        peak = amp * (rng.uniform(0.4, 0.8) if hard else rng.uniform(1.0, 2.0))
        img += diffuse(size, xs, ys, 1.2 * s, peak)[..., None] * mixed_colour(rng, 0.6, 1.0)
        pick = rng.integers(0, len(xs), n_knots)
        kx, ky = xs[pick], ys[pick]
    else:  # edge-on disc with a dark dust lane and a warp traced by knots
        q = rng.uniform(0.08, 0.15)
        img = sersic_component(x, y, cx, cy, re, 1.0, q, pa, amp, mixed_colour(rng, 0.5, 1.0))
        _, v = ellipse(x, y, cx, cy, 1.0, pa)
        img *= (1.0 - rng.uniform(0.5, 0.9) * np.exp(-0.5 * (v / (0.6 * re * q)) ** 2))[..., None]
        t = rng.uniform(-1.5, 1.5, n_knots) * re
        warp = rng.uniform(0.2, 0.4) * t ** 2 / re * rng.choice([-1.0, 1.0])
        kx = cx + t * np.cos(pa) - warp * np.sin(pa)
        ky = cy + t * np.sin(pa) + warp * np.cos(pa)
    knots = blur(splat(size, kx, ky, 10 ** rng.uniform(0, 1, n_knots)), rng.uniform(0.7, 1.5) * s)
    peak = amp * (rng.uniform(0.5, 1.0) if hard else rng.uniform(2.0, 6.0))
    return img + (knots * peak / max(knots.max(), 1e-12))[..., None] * mixed_colour(rng, 0.8, 1.0)


# ------------------------------------------------------------ sky and camera
def _stars(rng, size, s):
    """Foreground stars: point sources (the PSF gives them their size) with
    colours from red dwarfs to blue-white.  Returns x, y and RGB fluxes."""
    n = rng.poisson(3.0)
    hot = rng.random((n, 1))
    colour = (1 - hot) * RED * [1.0, 0.8, 0.6] + hot * BLUE
    flux = 10 ** rng.uniform(-1.2, 0.6, (n, 1)) * s * s * colour
    return rng.uniform(0, size, n), rng.uniform(0, size, n), flux


def _background_galaxies(rng, size, s):
    """Small, faint, mostly red distant galaxies, each a little elliptical
    smudge drawn as a 5 x 3 grid of points with Gaussian weights (the PSF
    smooths it).  Returns x, y and RGB fluxes of all the points."""
    m = rng.poisson(2.5)
    a, b = np.meshgrid(np.linspace(-1.5, 1.5, 5), np.linspace(-1, 1, 3))
    weight = np.exp(-0.5 * (a * a + b * b)).ravel()
    u = a.ravel() * rng.uniform(0.5, 2.0, (m, 1)) * s
    v = b.ravel() * rng.uniform(0.3, 0.8, (m, 1)) * s
    angle = rng.uniform(0, np.pi, (m, 1))
    xs = rng.uniform(0, size, (m, 1)) + u * np.cos(angle) - v * np.sin(angle)
    ys = rng.uniform(0, size, (m, 1)) + u * np.sin(angle) + v * np.cos(angle)
    hot = rng.uniform(0.0, 0.6, (m, 1, 1))
    total = 10 ** rng.uniform(-1.2, 0.0, (m, 1)) * 5.0 * s * s
    flux = (total * weight / weight.sum())[..., None] * ((1 - hot) * RED + hot * BLUE)
    return xs.ravel(), ys.ravel(), flux.reshape(-1, 3)


def _field(rng, size, s):
    """Unrelated sources scattered over the whole cutout, as an RGB image."""
    xs, ys, flux = (np.concatenate(p) for p in zip(_stars(rng, size, s), _background_galaxies(rng, size, s)))
    return np.stack([splat(size, xs, ys, flux[:, c]) for c in range(3)], axis=-1)


def _observe(rng, flux, s):
    """Take the picture: Gaussian PSF blur, sky level, Gaussian sky noise plus
    Poisson-like shot noise on the sources, then an asinh stretch (Lupton et
    al. 2004) that keeps colours and shows faint light, to 0-255."""
    img = blur(flux, rng.uniform(0.8, 1.4) * s).astype(np.float32)
    sky = rng.uniform(0.002, 0.008) * rng.uniform(0.8, 1.2, 3)  # imperfect sky subtraction
    sigma_sky, gain = rng.uniform(0.006, 0.014), rng.uniform(150, 400)
    noise = np.sqrt(np.maximum(img, 0.0) * np.float32(1.0 / gain) + np.float32(sigma_sky ** 2))
    img += noise * rng.standard_normal(img.shape, dtype=np.float32) + sky.astype(np.float32)
    intensity = (img[..., :1] + img[..., 1:2] + img[..., 2:]) * np.float32(STRETCH / 3.0)
    safe = np.where(np.abs(intensity) < 1e-6, np.float32(1e-6), intensity)
    img *= np.arcsinh(safe) / safe * np.float32(STRETCH * 255.0 / np.arcsinh(STRETCH))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def synthesize_galaxies(n=1400, size=128, seed=0):
    """Draw ``n`` galaxy cutouts, balanced over :data:`GALAXY_CLASSES`.

    Returns ``(images, labels)``: uint8 images of shape (n, size, size, 3) and
    int64 labels (n,) indexing GALAXY_CLASSES.  Each class has n // 4 images
    (the remainder goes to the first classes), in a seeded random order.

    Parameters
    ----------
    n : int, default 1400
    size : int, default 128
        Image side in pixels, at least 8.
    seed : int or sequence of int, default 0
        Seeds ``numpy.random.default_rng``.

    Returns
    -------
    images : numpy.ndarray
        (n, size, size, 3) uint8.
    labels : numpy.ndarray
        (n,) int64.
    """
    if n < 0 or size < 8:
        raise InvalidArgumentError(f"need n >= 0 and size >= 8, got n={n}, size={size}")
    rng = np.random.default_rng(seed)
    counts = [n // 4 + (k < n % 4) for k in range(4)]
    labels = rng.permutation(np.repeat(np.arange(4, dtype=np.int64), counts))
    y, x = np.mgrid[0:size, 0:size] + 0.5
    pixel = size / 128.0
    makers = (_normal, _ringed, _merger, _other)
    images = np.empty((n, size, size, 3), dtype=np.uint8)
    for i, label in enumerate(labels):
        s = pixel * 10 ** rng.uniform(-0.05, 0.2)  # distance sets the apparent size
        cx, cy = size / 2 + rng.normal(0.0, 2.0 * pixel, 2)
        hard = rng.random() < HARD_FRACTION
        flux = makers[label](rng, x, y, cx, cy, s, hard) + _field(rng, size, pixel)
        images[i] = _observe(rng, flux, pixel)
    return images, labels
