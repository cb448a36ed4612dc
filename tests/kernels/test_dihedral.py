"""dihedral kernel: every view equals its np.rot90 / np.flip twin, for uint8 and float pixels."""
import numpy as np
import pytest

from fastcnn import kernels, reference
from fastcnn.errors import ShapeError


def images(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    if dtype == np.uint8:
        return rng.integers(0, 256, shape, dtype=np.uint8)
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
@pytest.mark.parametrize("view", range(8))
def test_every_view_of_square_images_matches_the_twin(dtype, view):
    x = images((6, 7, 7, 3), dtype)
    rows = np.array([5, 0, 3, 3])
    out = kernels.dihedral_batch(x, rows, np.full(4, view))
    assert out.dtype == x.dtype and out.shape == (4, 7, 7, 3)
    np.testing.assert_array_equal(out, reference.dihedral_batch(x, rows, np.full(4, view)))
    # the twin itself is the documented formula
    expected = np.rot90(np.flip(x[5], axis=1) if view >= 4 else x[5], view % 4)
    np.testing.assert_array_equal(out[0], expected)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_mixed_views_in_one_batch(dtype):
    x = images((10, 8, 8, 2), dtype, seed=1)
    rows = np.arange(10)[::-1].copy()
    views = np.arange(10) % 8
    np.testing.assert_array_equal(kernels.dihedral_batch(x, rows, views), reference.dihedral_batch(x, rows, views))


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
@pytest.mark.parametrize("view", [0, 2, 4, 6])
def test_views_without_a_quarter_turn_work_on_non_square_images(dtype, view):
    x = images((3, 5, 9, 3), dtype, seed=2)
    out = kernels.dihedral_batch(x, [2, 0], [view, view])
    assert out.shape == (2, 5, 9, 3)
    np.testing.assert_array_equal(out, reference.dihedral_batch(x, [2, 0], [view, view]))
    if view == 4:
        np.testing.assert_array_equal(out[0], x[2, :, ::-1])


def test_the_eight_views_are_distinct_and_a_group():
    x = images((1, 5, 5, 1), np.float32, seed=3)
    views = kernels.dihedral_batch(x, np.zeros(8, int), np.arange(8))
    assert len({v.tobytes() for v in views}) == 8
    # two mirrors undo each other; four quarter turns come back to the start
    twice = kernels.dihedral_batch(views, [4], [4])
    np.testing.assert_array_equal(twice[0], x[0])
    turned = x
    for _ in range(4):
        turned = kernels.dihedral_batch(turned, [0], [1])
    np.testing.assert_array_equal(turned, x)


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    x = np.arange(18, dtype=np.uint8).reshape(2, 3, 3, 1)
    for view in range(8):
        np.testing.assert_array_equal(kernels.dihedral_batch(x, [1], [view]), reference.dihedral_batch(x, [1], [view]))


def test_bad_arguments_raise_clear_errors():
    x = images((2, 4, 4, 1), np.uint8)
    with pytest.raises(ShapeError, match=r"x must be a 4-D \(N, H, W, C\) uint8, float32 or float64"):
        kernels.dihedral_batch(x[0], [0], [0])
    with pytest.raises(ShapeError, match=r"x must be a 4-D .* NumPy array"):
        kernels.dihedral_batch(x.astype(np.int32), [0], [0])
    with pytest.raises(ShapeError, match=r"views must be in 0\.\.7 \(4 rotations x mirror\), got 0\.\.8"):
        kernels.dihedral_batch(x, [0, 1], [0, 8])
    with pytest.raises(ShapeError, match=r"rows must be in 0\.\.1"):
        kernels.dihedral_batch(x, [2], [0])
    with pytest.raises(ShapeError, match=r"rows \(2,\) and views \(1,\) must have the same length"):
        kernels.dihedral_batch(x, [0, 1], [0])
    with pytest.raises(ShapeError, match="views must be a 1-D array of integers"):
        kernels.dihedral_batch(x, [0], [0.5])
    with pytest.raises(ShapeError, match=r"views 1, 3, 5 and 7 \(quarter turns\) need square images, got 4x6"):
        kernels.dihedral_batch(images((2, 4, 6, 1), np.uint8), [0], [5])
