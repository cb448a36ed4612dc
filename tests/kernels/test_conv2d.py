"""conv2d kernel: equals its NumPy twin, its gradient equals finite differences."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastcnn import kernels, reference
from fastcnn.errors import InvalidArgumentError, ShapeError
from fastcnn.geometry import padding_amounts
from tests.helpers import assert_fd_ok, assert_float32_close, fd_errors


@st.composite
def conv_cases(draw):
    padding = draw(st.sampled_from(["valid", "same"]))
    KH, KW = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    H = draw(st.integers(KH if padding == "valid" else 1, 12))
    W = draw(st.integers(KW if padding == "valid" else 1, 12))
    return dict(
        N=draw(st.integers(1, 3)), H=H, W=W, C_in=draw(st.integers(1, 4)),
        # the kernel works on blocks of 8 channels: cover exact multiples and padded counts
        C_out=draw(st.sampled_from([1, 3, 5, 8, 11, 16])), relu=draw(st.booleans()),
        KH=KH, KW=KW, strides=(draw(st.integers(1, 3)), draw(st.integers(1, 3))), padding=padding,
        seed=draw(st.integers(0, 2**32 - 1)),
    )


def make_arrays(case, dtype=np.float64):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((case["N"], case["H"], case["W"], case["C_in"])).astype(dtype)
    w = rng.standard_normal((case["KH"], case["KW"], case["C_in"], case["C_out"])).astype(dtype)
    b = rng.standard_normal(case["C_out"]).astype(dtype)
    return x, w, b


@given(conv_cases())
def test_matches_reference_in_float64(case):
    x, w, b = make_arrays(case)
    s, pad, relu = case["strides"], case["padding"], case["relu"]
    out = kernels.conv2d_forward(x, w, b, s, pad, relu=relu)
    expected = reference.conv2d_forward(x, w, b, s, pad, relu=relu)
    # same sums in another order: float64 round-off only
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-10)
    G = np.random.default_rng(case["seed"] + 1).standard_normal(out.shape)
    for need_dx in (True, False):
        got = kernels.conv2d_backward(G, x, w, s, pad, relu=relu, out=out, need_dx=need_dx)
        want = reference.conv2d_backward(G, x, w, s, pad, relu=relu, out=expected, need_dx=need_dx)
        if not need_dx:
            assert got[0] is None and want[0] is None
        for a, e, name in zip(got, want, ("dx", "dw", "db")):
            if e is not None:
                assert a.shape == e.shape
                np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-10, err_msg=name)


@given(conv_cases())
def test_float32_matches_float64_reference(case):
    x, w, b = make_arrays(case, np.float32)
    s, pad, relu = case["strides"], case["padding"], case["relu"]
    x64, w64, b64 = (a.astype(np.float64) for a in (x, w, b))
    out = kernels.conv2d_forward(x, w, b, s, pad, relu=relu)
    assert out.dtype == np.float32
    scale_xw = np.abs(x).max() * np.abs(w).max()
    expected = reference.conv2d_forward(x64, w64, b64, s, pad, relu=relu)
    assert_float32_close(out, expected, case["KH"] * case["KW"] * case["C_in"] + 1,
                         max(scale_xw, np.abs(b).max()), "out")
    G = np.random.default_rng(case["seed"] + 1).standard_normal(out.shape).astype(np.float32)
    # the ReLU mask comes from the float64 forward; where the two forwards
    # disagree on the sign (|z| within round-off of 0) the mask may differ
    mask_agrees = (out > 0) == (expected > 0)
    G = G * mask_agrees
    dx, dw, db = kernels.conv2d_backward(G, x, w, s, pad, relu=relu, out=out)
    rdx, rdw, rdb = reference.conv2d_backward(G.astype(np.float64), x64, w64, s, pad, relu=relu, out=expected)
    N, OH, OW, C_out = out.shape
    g = np.abs(G).max()
    # an input pixel is touched by at most KH*KW taps, each summing C_out products
    assert_float32_close(dx, rdx, case["KH"] * case["KW"] * C_out, g * np.abs(w).max(), "dx")
    assert_float32_close(dw, rdw, N * OH * OW, g * np.abs(x).max(), "dw")
    assert_float32_close(db, rdb, N * OH * OW, g, "db")


@given(conv_cases())
def test_uint8_pixels_mean_x_over_255(case):
    rng = np.random.default_rng(case["seed"])
    pixels = rng.integers(0, 256, (case["N"], case["H"], case["W"], case["C_in"]), dtype=np.uint8)
    _, w, b = make_arrays(case, np.float32)
    s, pad, relu = case["strides"], case["padding"], case["relu"]
    w64, b64 = w.astype(np.float64), b.astype(np.float64)
    scaled = pixels / 255.0
    out = kernels.conv2d_forward(pixels, w, b, s, pad, relu=relu)
    expected = reference.conv2d_forward(scaled, w64, b64, s, pad, relu=relu)
    n_terms = case["KH"] * case["KW"] * case["C_in"] + 1
    assert_float32_close(out, expected, n_terms, max(np.abs(w).max(), np.abs(b).max()), "out")
    G = rng.standard_normal(out.shape).astype(np.float32) * ((out > 0) == (expected > 0))
    dx, dw, db = kernels.conv2d_backward(G, pixels, w, s, pad, relu=relu, out=out, need_dx=False)
    _, rdw, rdb = reference.conv2d_backward(G.astype(np.float64), scaled, w64, s, pad, relu=relu, out=expected)
    assert dx is None
    N, OH, OW, _ = out.shape
    assert_float32_close(dw, rdw, N * OH * OW, np.abs(G).max(), "dw")
    assert_float32_close(db, rdb, N * OH * OW, np.abs(G).max(), "db")


FD_CASES = [
    # (N, H, W, C_in, C_out, KH, KW, strides, padding)
    (2, 7, 6, 3, 4, 3, 3, (1, 1), "valid"),
    (2, 7, 6, 3, 4, 3, 3, (2, 2), "valid"),
    (1, 9, 9, 2, 3, 3, 2, (2, 3), "valid"),
    (2, 7, 6, 3, 4, 3, 3, (1, 1), "same"),
    (2, 8, 7, 2, 3, 4, 3, (2, 2), "same"),   # even kernel: extra pad row at the bottom
    (1, 5, 5, 1, 2, 5, 5, (3, 3), "same"),
    (3, 4, 4, 2, 2, 1, 1, (1, 1), "valid"),
]


@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("N,H,W,C_in,C_out,KH,KW,strides,padding", FD_CASES)
def test_backward_matches_finite_differences(N, H, W, C_in, C_out, KH, KW, strides, padding, relu):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((N, H, W, C_in))
    w = rng.standard_normal((KH, KW, C_in, C_out))
    b = rng.standard_normal(C_out)
    out = kernels.conv2d_forward(x, w, b, strides, padding, relu=relu)
    if relu:  # keep every pre-activation away from the kink at 0
        z = kernels.conv2d_forward(x, w, b, strides, padding)
        assert np.abs(z).min() > 1e-4, "unlucky draw: a pre-activation sits on the ReLU kink"
    G = rng.standard_normal(out.shape)
    dx, dw, db = kernels.conv2d_backward(G, x, w, strides, padding, relu=relu, out=out)

    def f():  # the scalar sum(out * G): its gradient is backward(G)
        return float(np.sum(kernels.conv2d_forward(x, w, b, strides, padding, relu=relu) * G))

    assert_fd_ok(fd_errors(f, {"x": x, "w": w, "b": b}, {"x": dx, "w": dw, "b": db}))


def test_same_padding_follows_tensorflow_rule():
    # H=4, K=2, S=1: OH=4, total pad 1 -> 0 on top, 1 at the bottom
    assert padding_amounts(4, 2, 1, "same") == (0, 1)
    assert padding_amounts(5, 3, 2, "same") == (1, 1)    # OH=3, total=(3-1)*2+3-5=2
    assert padding_amounts(6, 3, 2, "same") == (0, 1)    # OH=3, total=1
    assert padding_amounts(5, 1, 3, "same") == (0, 0)    # max(..., 0)
    assert padding_amounts(5, 3, 2, "valid") == (0, 0)
    x = np.ones((1, 4, 4, 1), dtype=np.float32)
    w = np.ones((2, 2, 1, 1), dtype=np.float32)
    out = kernels.conv2d_forward(x, w, np.zeros(1, np.float32), 1, "same")[0, :, :, 0]
    # windows in the last row/column overhang the zero padding, the first do not
    expected = np.array([[4, 4, 4, 2], [4, 4, 4, 2], [4, 4, 4, 2], [2, 2, 2, 1]], dtype=np.float32)
    np.testing.assert_array_equal(out, expected)


def test_backward_is_deterministic():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((13, 20, 20, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 8)).astype(np.float32)
    G = rng.standard_normal((13, 9, 9, 8)).astype(np.float32)
    first = kernels.conv2d_backward(G, x, w, 2, "valid")
    for _ in range(3):
        for a, b in zip(first, kernels.conv2d_backward(G, x, w, 2, "valid")):
            assert np.array_equal(a, b)


@pytest.mark.nojit
def test_tiny_case_matches_reference():
    x, w, b = make_arrays(dict(N=1, H=4, W=3, C_in=2, C_out=2, KH=2, KW=2, seed=5))
    for pad in ("valid", "same"):
        for relu in (False, True):
            out = kernels.conv2d_forward(x, w, b, (2, 1), pad, relu=relu)
            np.testing.assert_allclose(out, reference.conv2d_forward(x, w, b, (2, 1), pad, relu=relu), rtol=1e-12)
            G = np.ones_like(out)
            for got, want in zip(kernels.conv2d_backward(G, x, w, (2, 1), pad, relu=relu, out=out),
                                 reference.conv2d_backward(G, x, w, (2, 1), pad, relu=relu, out=out)):
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_bad_arguments_raise_clear_errors():
    x = np.zeros((2, 5, 5, 3), np.float32)
    w = np.zeros((3, 3, 3, 4), np.float32)
    b = np.zeros(4, np.float32)
    with pytest.raises(ShapeError, match="kernel expects 3 input channels but x has 1"):
        kernels.conv2d_forward(np.zeros((2, 5, 5, 1), np.float32), w, b)
    with pytest.raises(ShapeError, match=r"x must have 4 dimensions, got shape \(5, 5, 3\)"):
        kernels.conv2d_forward(x[0], w, b)
    with pytest.raises(ShapeError, match=r"bias must have shape \(4,\), got \(3,\)"):
        kernels.conv2d_forward(x, w, b[:3])
    with pytest.raises(ShapeError, match="kernel 7x7 is larger than the 5x5 input"):
        kernels.conv2d_forward(x, np.zeros((7, 7, 3, 4), np.float32), b)
    with pytest.raises(ShapeError, match="must be float32 or float64, got dtype int64"):
        kernels.conv2d_forward(x.astype(np.int64), w, b)
    with pytest.raises(ShapeError, match="share one dtype"):
        kernels.conv2d_forward(x.astype(np.float64), w, b)
    with pytest.raises(InvalidArgumentError, match="padding must be 'valid' or 'same', got 'full'"):
        kernels.conv2d_forward(x, w, b, padding="full")
    with pytest.raises(InvalidArgumentError, match=r"strides must be a positive int or a pair of them, got 0"):
        kernels.conv2d_forward(x, w, b, strides=0)
    with pytest.raises(ShapeError, match=r"dout must have shape \(2, 3, 3, 4\), got \(2, 3, 3, 5\)"):
        kernels.conv2d_backward(np.zeros((2, 3, 3, 5), np.float32), x, w)
    with pytest.raises(ShapeError, match="relu=True needs the forward output"):
        kernels.conv2d_backward(np.zeros((2, 3, 3, 4), np.float32), x, w, relu=True)
