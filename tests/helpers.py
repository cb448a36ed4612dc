"""Shared test helpers: float32 tolerances, finite differences, model-file surgery."""
import json

import numpy as np

from fastcnn.gradcheck import numerical_gradient, relative_error

#: unit round-off of float32 (half the distance from 1.0 to the next float)
U32 = 2.0 ** -24

#: a correct float64 backward agrees with central differences (eps = 1e-6) to
#: ~1e-9 relative (truncation O(eps^2), round-off O(1e-16 / eps)); a wrong
#: term shows up as O(1).  1e-6 leaves room for unlucky cancellation only.
FD_TOLERANCE = 1e-6


def assert_float32_close(actual, expected, n_terms, scale=1.0, name="result"):
    """Compare a float32 result with the same computation done in float64.

    Each output element is a sum of ``n_terms`` products of magnitude at most
    ``scale``.  Every float32 addition errs by at most U32 times the partial
    sum, and the partial sums stay below n_terms*scale, so the classical bound
    is n_terms**2 * U32 * scale; round-off errors are random in practice and
    grow like n_terms * U32 * scale.  We allow 16 times that: a missing or
    wrong term (an error of order ``scale``) still fails for any n_terms far
    below 1 / (16 U32) ~ 1e6.
    """
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{name}: shape {actual.shape} != {expected.shape}"
    atol = 16 * max(n_terms, 1) * U32 * scale
    np.testing.assert_allclose(actual, expected, rtol=0, atol=atol, err_msg=name)


def fd_errors(f, inputs, analytic, eps=1e-6):
    """Relative error of each analytic gradient against central differences.

    ``f()`` reads the float64 arrays in ``inputs`` (a dict name -> array,
    perturbed in place); ``analytic`` maps the same names to gradients.
    """
    return {
        name: relative_error(analytic[name], numerical_gradient(f, array, eps).reshape(array.shape))
        for name, array in inputs.items()
    }


def assert_fd_ok(errors):
    bad = {name: err for name, err in errors.items() if not err < FD_TOLERANCE}
    assert not bad, f"finite-difference mismatch (relative errors): {bad}"


def rewrite_model_file(source, target=None, edit_config=None, edit_arrays=None):
    """Copy a model file to ``target`` (default: in place) after editing its
    JSON config and/or its arrays: for tests of damaged files."""
    with np.load(source, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    config = json.loads(arrays["config"].tobytes())
    if edit_config:
        edit_config(config)
    if edit_arrays:
        edit_arrays(arrays)
    arrays["config"] = np.frombuffer(json.dumps(config).encode(), np.uint8)
    np.savez(target or source, **arrays)


def png_pixels(path, min_width=200, min_height=150):
    """A PNG's RGB pixels (H, W, 3) uint8, after checking its format, its size and that it shows something."""
    from PIL import Image

    with Image.open(path) as picture:
        assert picture.format == "PNG", path
        pixels = np.asarray(picture.convert("RGB"))
    height, width = pixels.shape[:2]
    assert width >= min_width and height >= min_height, (path, width, height)
    assert pixels.std() > 10 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 16, f"{path} looks blank"
    return pixels
