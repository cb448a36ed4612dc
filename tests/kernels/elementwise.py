"""What the tests of the elementwise activation kernels (sigmoid, tanh, leaky_relu, elu) share.

Each op is named by its string: ``getattr(kernels, f"{op}_forward")`` and so
on, with the op's hyper-parameters (slope, alpha) after the arrays.
"""
import warnings

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fastcnn import kernels, reference
from fastcnn.errors import InvalidArgumentError, ShapeError
from tests.helpers import assert_fd_ok, fd_errors

#: any rank from 0 to 4, empty sides included, both float dtypes; |x| up to 1e4 (exp(1e4) would overflow)
ARRAYS = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64]),
    shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6),
    elements=st.floats(-1e4, 1e4, width=32),
)
#: slopes and alphas the kernels take: 0 (allowed), small, Keras's defaults, above 1
HYPER = st.sampled_from([0.0, 0.01, 0.2, 0.3, 1.0, 2.5])
#: the values every op is tried on
SPECIAL = [-np.inf, -1e30, -1e4, -100.0, -20.0, -1.0, -1e-30, -0.0, 0.0, 1e-30, 1.0, 20.0, 100.0, 1e4, 1e30, np.inf]


def functions(op, module=kernels):
    return getattr(module, f"{op}_forward"), getattr(module, f"{op}_backward")


def assert_close_to_twin(got, want):
    """A kernel's forward against its twin: both call the C library's exp/expm1/tanh, which may
    differ in the last bits (measured: at most 3 units in the last place), so 8 are allowed;
    below the smallest normal number, an absolute difference of that size."""
    finfo = np.finfo(want.dtype)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=8 * finfo.eps, atol=finfo.tiny, equal_nan=True)


def check_against_twin(op, x, *hyper):
    """Forward within a few rounding errors of the twin; backward (plain arithmetic on the same
    ``out``) bit-identical to it."""
    forward, backward = functions(op)
    twin_forward, twin_backward = functions(op, reference)
    out = forward(x, *hyper)
    assert_close_to_twin(out, twin_forward(x, *hyper))
    G = np.linspace(-2, 2, x.size).reshape(x.shape).astype(x.dtype)
    np.testing.assert_array_equal(backward(G, out, *hyper), twin_backward(G, out, *hyper))


def check_finite_differences(op, x, *hyper):
    """backward(G, forward(x)) is the gradient of sum(forward(x) * G) (x float64, away from kinks)."""
    forward, backward = functions(op)
    G = np.random.default_rng(7).standard_normal(x.shape)
    dx = backward(G, forward(x, *hyper), *hyper)
    assert_fd_ok(fd_errors(lambda: float(np.sum(forward(x, *hyper) * G)), {"x": x}, {"x": dx}))


def special_values(op, dtype, *hyper):
    """forward and backward (G = 1) of kernel and twin on SPECIAL and NaN, with every warning and
    every floating-point error but underflow raised: nothing may overflow on the way."""
    forward, backward = functions(op)
    twin_forward, twin_backward = functions(op, reference)
    x = np.array(SPECIAL + [np.nan], dtype)
    ones = np.ones_like(x)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        out, twin_out = forward(x, *hyper), twin_forward(x, *hyper)
        dx, twin_dx = backward(ones, out, *hyper), twin_backward(ones, out, *hyper)
    assert_close_to_twin(out, twin_out)
    np.testing.assert_array_equal(dx, twin_dx)
    assert np.isnan(out[-1]), "NaN must pass through the forward"
    return dict(zip(SPECIAL, out[:-1].tolist())), dict(zip(SPECIAL, dx[:-1].tolist())), dx[-1]


def check_bad_arrays(op, *hyper):
    """The wrappers name the bad argument."""
    forward, backward = functions(op)
    with pytest.raises(ShapeError, match="x must be a float32 or float64 NumPy array"):
        forward(np.arange(3), *hyper)
    with pytest.raises(ShapeError, match="x must be a float32 or float64 NumPy array"):
        forward([0.5, 1.0], *hyper)
    with pytest.raises(ShapeError, match=r"dout shape \(3,\) differs from out shape \(2, 2\)"):
        backward(np.zeros(3), np.zeros((2, 2)), *hyper)
    with pytest.raises(ShapeError, match="arrays must share one dtype, got dout=float32, out=float64"):
        backward(np.zeros(3, np.float32), np.zeros(3), *hyper)


def check_bad_hyper_parameter(op, name):
    """A negative, infinite, NaN or non-numeric slope/alpha is refused by forward and backward."""
    forward, backward = functions(op)
    x = np.zeros(2)
    for bad in (-0.1, np.inf, np.nan, "0.2", True, None):
        with pytest.raises(InvalidArgumentError, match=rf"{name} must be a finite number >= 0, got "):
            forward(x, bad)
        with pytest.raises(InvalidArgumentError, match=rf"{name} must be a finite number >= 0, got "):
            backward(x, x, bad)


def check_views(op, *hyper):
    """A transposed or strided input gives the same numbers as its contiguous copy, in a C-contiguous output."""
    forward, backward = functions(op)
    x = np.random.default_rng(3).standard_normal((6, 5, 4)).astype(np.float32)
    for view in (x.T, x[::2, :, 1:3], x[:, ::-1]):
        out = forward(view, *hyper)
        assert out.flags.c_contiguous
        np.testing.assert_array_equal(out, forward(np.ascontiguousarray(view), *hyper))
        np.testing.assert_array_equal(backward(view, out, *hyper),
                                      backward(np.ascontiguousarray(view), out, *hyper))


def check_tiny_case(op, *hyper):
    """Kernel and twin on a 2x2 float64 input: the ``nojit`` test, run also as plain Python."""
    x = np.array([[-3.0, -0.5], [0.0, 2.0]])
    (forward, backward), (twin_forward, twin_backward) = functions(op), functions(op, reference)
    out = forward(x, *hyper)
    np.testing.assert_allclose(out, twin_forward(x, *hyper), rtol=1e-15)
    np.testing.assert_array_equal(backward(x, out, *hyper), twin_backward(x, out, *hyper))
