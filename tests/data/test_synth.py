"""The procedural galaxies: shapes, determinism, balance, and images that look
like survey cutouts whose four classes really differ."""
import numpy as np
import pytest

from fastcnn.classes import GALAXY_CLASSES
from fastcnn.data.synth import synthesize_galaxies


@pytest.fixture(scope="module")
def galaxies():
    """200 small cutouts (64 x 64 keeps the module fast)."""
    return synthesize_galaxies(200, 64, seed=0)


def profile_and_colour(images):
    """Per image: the sky-subtracted radial light profile in 8 annuli divided by
    the central annulus (bins 1-6 kept), and the blue / red flux ratio."""
    f = images.astype(np.float64)
    size = f.shape[1]
    yy, xx = np.mgrid[0:size, 0:size] + 0.5 - size / 2
    annulus = np.minimum((np.hypot(yy, xx) / (size / 2) * 8).astype(int), 7)
    lum = f.mean(axis=-1)
    prof = np.stack([lum[:, annulus == b].mean(axis=1) for b in range(8)], axis=1)
    prof = prof - prof[:, -1:]
    prof = prof / prof[:, :1]
    colour = f[..., 2].sum(axis=(1, 2)) / f[..., 0].sum(axis=(1, 2))
    return np.column_stack([prof[:, 1:7], colour])


def test_class_names_are_the_one_hot_order():
    assert GALAXY_CLASSES == ("Normal", "Ringed", "Merger", "Other")


def test_default_size_shapes_and_dtypes():
    images, labels = synthesize_galaxies(8, seed=3)
    assert images.shape == (8, 128, 128, 3) and images.dtype == np.uint8
    assert labels.shape == (8,) and labels.dtype == np.int64


def test_size_parameter_is_respected():
    images, labels = synthesize_galaxies(40, 64, seed=0)
    assert images.shape == (40, 64, 64, 3) and images.dtype == np.uint8
    assert labels.shape == (40,) and labels.dtype == np.int64
    assert set(labels.tolist()) == {0, 1, 2, 3}
    # the same kind of scene at lower resolution, not a crop: as bright on average as at 128 px
    big, big_labels = synthesize_galaxies(40, 128, seed=0)
    np.testing.assert_array_equal(labels, big_labels)
    assert abs(images.mean() - big.mean()) < 3


def test_same_seed_is_bit_identical_and_other_seeds_differ():
    a_images, a_labels = synthesize_galaxies(24, 64, seed=7)
    b_images, b_labels = synthesize_galaxies(24, 64, seed=7)
    c_images, c_labels = synthesize_galaxies(24, 64, seed=8)
    np.testing.assert_array_equal(a_images, b_images)
    np.testing.assert_array_equal(a_labels, b_labels)
    assert not np.array_equal(a_images, c_images)
    assert not np.array_equal(a_labels, c_labels)


def test_classes_are_balanced_with_remainder_first_and_shuffled():
    _, labels = synthesize_galaxies(42, 16, seed=0)
    assert np.bincount(labels, minlength=4).tolist() == [11, 11, 10, 10]
    _, labels = synthesize_galaxies(200, 16, seed=0)
    assert np.bincount(labels, minlength=4).tolist() == [50, 50, 50, 50]
    assert not np.all(np.diff(labels) >= 0)  # a random order, not sorted by class
    assert synthesize_galaxies(0, 16)[0].shape == (0, 16, 16, 3)


def test_images_look_like_sky_cutouts(galaxies):
    images, labels = galaxies
    lum = images.astype(np.float64).mean(axis=-1)
    assert 8 < images.mean() < 60  # a dark sky with a galaxy, neither black nor washed out
    assert (images == 255).mean() < 0.005  # at most a few saturated cores and stars
    assert np.median(lum) < 30  # most pixels are sky
    for c in range(4):
        cls = lum[labels == c]
        centre = cls[:, 28:36, 28:36].mean()
        border = np.concatenate([cls[:, :4].ravel(), cls[:, -4:].ravel(), cls[:, :, :4].ravel()]).mean()
        assert border < 25, GALAXY_CLASSES[c]
        assert centre > 2.5 * border, GALAXY_CLASSES[c]
    # sky noise: within each image the border is not a flat constant
    assert np.median(lum[:, :4].std(axis=(1, 2))) > 3.0


def test_every_class_differs_from_every_other(galaxies):
    images, labels = galaxies
    feats = profile_and_colour(images)
    feats = (feats - feats.mean(axis=0)) / feats.std(axis=0)
    for i in range(4):
        for j in range(i + 1, 4):
            a, b = feats[labels == i], feats[labels == j]
            t = np.abs(a.mean(axis=0) - b.mean(axis=0)) / np.sqrt(a.var(axis=0) / len(a) + b.var(axis=0) / len(b))
            # over seeds 0-7 the largest t-statistic of each pair is 4.4-13
            assert t.max() > 3.0, (GALAXY_CLASSES[i], GALAXY_CLASSES[j], t.round(1))


def test_classes_are_separable_by_a_simple_statistic(galaxies):
    train_images, train_labels = galaxies
    test_images, test_labels = synthesize_galaxies(200, 64, seed=1)
    train, test = profile_and_colour(train_images), profile_and_colour(test_images)
    mean, std = train.mean(axis=0), train.std(axis=0)
    train, test = (train - mean) / std, (test - mean) / std
    centroids = np.stack([train[train_labels == c].mean(axis=0) for c in range(4)])
    predicted = np.argmin(((test[:, None] - centroids[None]) ** 2).sum(axis=-1), axis=1)
    # chance is 0.25; nearest class mean of profile + colour gets 0.54-0.60 over seed pairs
    assert (predicted == test_labels).mean() > 0.42


def test_invalid_arguments_are_rejected():
    with pytest.raises(ValueError, match=r"need n >= 0 and size >= 8, got n=-1, size=128"):
        synthesize_galaxies(-1)
    with pytest.raises(ValueError, match=r"need n >= 0 and size >= 8, got n=4, size=4"):
        synthesize_galaxies(4, size=4)
