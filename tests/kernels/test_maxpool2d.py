"""maxpool2d kernel: equals its NumPy twin (values and gradient), ties go to
the first maximum, NaN wins, and the gradient equals finite differences."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastcnn import kernels, reference
from fastcnn.errors import InvalidArgumentError, ShapeError
from tests.helpers import assert_fd_ok, fd_errors


@st.composite
def pool_cases(draw):
    padding = draw(st.sampled_from(["valid", "same"]))
    KH, KW = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    strides = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    return dict(
        N=draw(st.integers(1, 3)),
        H=draw(st.integers(KH if padding == "valid" else 1, 11)),
        W=draw(st.integers(KW if padding == "valid" else 1, 11)),
        C=draw(st.integers(1, 5)), pool=(KH, KW), strides=strides, padding=padding,
        # small integers make ties common, so the tie rule is exercised
        ties=draw(st.booleans()), seed=draw(st.integers(0, 2**32 - 1)),
    )


def make_input(case, dtype):
    rng = np.random.default_rng(case["seed"])
    shape = (case["N"], case["H"], case["W"], case["C"])
    if case["ties"]:
        return rng.integers(-2, 3, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


@given(pool_cases(), st.sampled_from([np.float32, np.float64]))
def test_matches_reference(case, dtype):
    x = make_input(case, dtype)
    args = (case["pool"], case["strides"], case["padding"])
    out = kernels.maxpool2d_forward(x, *args)
    # a maximum is a copy of an input value: exact equality, any dtype
    np.testing.assert_array_equal(out, reference.maxpool2d_forward(x, *args))
    G = np.random.default_rng(case["seed"] + 1).standard_normal(out.shape).astype(dtype)
    dx = kernels.maxpool2d_backward(G, x, out, *args)
    # overlapping windows add several G values into one pixel, in another order
    # than np.add.at: float32 sums of at most KH*KW terms
    tol = 16 * case["pool"][0] * case["pool"][1] * np.finfo(dtype).eps * max(np.abs(G).max(), 1e-30)
    np.testing.assert_allclose(dx, reference.maxpool2d_backward(G, x, out, *args), rtol=0, atol=tol)


def test_ties_go_to_first_maximum_in_row_major_order():
    x = np.zeros((1, 2, 2, 1), np.float32)  # all four equal
    G = np.full((1, 1, 1, 1), 3.0, np.float32)
    out = kernels.maxpool2d_forward(x, 2)
    np.testing.assert_array_equal(kernels.maxpool2d_backward(G, x, out, 2)[0, :, :, 0], [[3, 0], [0, 0]])
    x[0, 1, 0, 0] = x[0, 1, 1, 0] = 5.0  # two maxima in the second row
    out = kernels.maxpool2d_forward(x, 2)
    assert out[0, 0, 0, 0] == 5.0
    np.testing.assert_array_equal(kernels.maxpool2d_backward(G, x, out, 2)[0, :, :, 0], [[0, 0], [3, 0]])


def test_padding_never_wins_and_overlaps_accumulate():
    x = -np.arange(1, 10, dtype=np.float64).reshape(1, 3, 3, 1)  # all negative
    out = kernels.maxpool2d_forward(x, 2, 1, "same")
    # same padding pads below/right; a padded zero would beat every value
    assert (out < 0).all()
    np.testing.assert_array_equal(out[0, :, :, 0], [[-1, -2, -3], [-4, -5, -6], [-7, -8, -9]])
    dx = kernels.maxpool2d_backward(np.ones_like(out), x, out, 2, 1, "same")
    assert dx.sum() == out.size  # every window sends its gradient somewhere


POOL_FD_CASES = [
    # (N, H, W, C, pool, strides, padding)
    (2, 6, 6, 3, 2, None, "valid"),
    (2, 7, 5, 2, 3, 2, "valid"),   # overlapping windows
    (1, 7, 7, 2, 2, None, "same"),
    (2, 5, 6, 3, 3, 1, "same"),
    (1, 4, 9, 1, (2, 3), (1, 2), "valid"),
]


@pytest.mark.parametrize("N,H,W,C,pool,strides,padding", POOL_FD_CASES)
def test_backward_matches_finite_differences(N, H, W, C, pool, strides, padding):
    rng = np.random.default_rng(11)
    # distinct values 0.01 apart: no maximum changes under a 1e-6 perturbation
    x = (rng.permutation(N * H * W * C) * 0.01).reshape(N, H, W, C).astype(np.float64)
    out = kernels.maxpool2d_forward(x, pool, strides, padding)
    G = rng.standard_normal(out.shape)
    dx = kernels.maxpool2d_backward(G, x, out, pool, strides, padding)

    def f():
        return float(np.sum(kernels.maxpool2d_forward(x, pool, strides, padding) * G))

    assert_fd_ok(fd_errors(f, {"x": x}, {"x": dx}))


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    x = np.random.default_rng(0).standard_normal((1, 5, 4, 2))
    for pad in ("valid", "same"):
        out = kernels.maxpool2d_forward(x, 2, None, pad)
        np.testing.assert_array_equal(out, reference.maxpool2d_forward(x, 2, None, pad))
        G = np.ones_like(out)
        np.testing.assert_array_equal(kernels.maxpool2d_backward(G, x, out, 2, None, pad),
                                      reference.maxpool2d_backward(G, x, out, 2, None, pad))


def test_bad_arguments_raise_clear_errors():
    x = np.zeros((2, 4, 4, 3), np.float32)
    with pytest.raises(ShapeError, match="pool window 5x5 is larger than the 4x4 input"):
        kernels.maxpool2d_forward(x, 5)
    with pytest.raises(ShapeError, match=r"x must have 4 dimensions, got shape \(4, 4, 3\)"):
        kernels.maxpool2d_forward(x[0], 2)
    with pytest.raises(InvalidArgumentError, match=r"pool_size must be a positive int or a pair of them, got -2"):
        kernels.maxpool2d_forward(x, -2)
    out = kernels.maxpool2d_forward(x, 2)
    with pytest.raises(ShapeError, match=r"out must have shape \(2, 2, 2, 3\), got \(2, 1, 1, 3\)"):
        kernels.maxpool2d_backward(out[:, :1, :1], x, out[:, :1, :1], 2)
    with pytest.raises(ShapeError, match="share one dtype"):
        kernels.maxpool2d_backward(out.astype(np.float64), x, out, 2)


def test_nan_wins_like_np_max_and_all_minus_inf_windows_stay_inside():
    x = np.array([1.0, np.nan, 3.0, np.nan], np.float32).reshape(1, 2, 2, 1)
    G = np.ones((1, 1, 1, 1), np.float32)
    for impl in (kernels, reference):
        out = impl.maxpool2d_forward(x, 2)
        assert np.isnan(out[0, 0, 0, 0])
        np.testing.assert_array_equal(impl.maxpool2d_backward(G, x, out, 2)[0, :, :, 0], [[0, 1], [0, 0]])
    x = np.full((1, 3, 3, 1), -np.inf)
    for impl in (kernels, reference):
        out = impl.maxpool2d_forward(x, 3, 1, "same")
        assert (out == -np.inf).all()
        dx = impl.maxpool2d_backward(np.ones_like(out), x, out, 3, 1, "same")
        assert dx.sum() == 9  # padding never wins, even against -inf: all gradient lands inside
