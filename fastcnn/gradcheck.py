"""Finite-difference gradient checks in float64, for layers and whole models.

For a scalar function f of an array A, the central difference

    df/dA[i] ~ (f(A + eps e_i) - f(A - eps e_i)) / (2 eps)

has error O(eps^2), so in float64 with eps = 1e-6 it agrees with a correct
analytic gradient to about 1e-8 relative.  A layer maps an array to an array,
so we check the scalar f = sum(forward(x) * G) for a fixed random G: its
gradient is exactly what ``backward(G)`` returns (a vector-Jacobian product).

f is the *training* forward, the one ``backward`` differentiates: a
BatchNormalization normalises with the batch's own statistics (their moving
averages move in float64 copies that are thrown away), and the random
streams (Dropout's) are put back before every call, so each call draws the
same mask.

The error reported is ``max_i |analytic_i - numeric_i| / max_i |numeric_i|``:
about 1e-7 or below means correct; 1e-2 or above means a bug.  Values in
between usually come from a kink (a ReLU input or a max-pool tie within eps
of switching); use inputs away from kinks when checking those layers.  A
gradient that is zero everywhere (the bias of a layer right before a
BatchNormalization, which normalises any shift away) leaves round-off on both
sides: below :func:`difference_noise` both count as zero and the error is 0.

Usage::

    from fastcnn.gradcheck import check_layer
    errors = check_layer(Conv2D(4, 3, strides=2), input_shape=(9, 9, 3))
    # {'input': 3e-10, 'kernel': 2e-10, 'bias': 1e-10}
"""
from contextlib import contextmanager

import numpy as np

from .build import random_states, set_random_states
from .errors import InvalidArgumentError

DEFAULT_EPS = 1e-6


def numerical_gradient(f, array, eps=DEFAULT_EPS, indices=None):
    """Central-difference gradient of scalar ``f()`` w.r.t. ``array`` (changed in
    place and restored).  Only ``indices`` (flat positions) are computed when
    given; the result is a flat array of those partial derivatives.

    Parameters
    ----------
    f : callable
        ``f() -> float``, reading ``array``.
    array : ndarray, float64
        Any shape; must be contiguous, so its flat view writes through.
    eps : float, default 1e-6
    indices : sequence of int or None
        Flat positions to differentiate; None: all.

    Returns
    -------
    ndarray, (len(indices),) float64
    """
    flat = array.reshape(-1)
    if indices is None:
        indices = range(flat.size)
    grad = np.empty(len(indices), dtype=np.float64)
    for j, i in enumerate(indices):
        original = flat[i]
        flat[i] = original + eps
        f_plus = f()
        flat[i] = original - eps
        f_minus = f()
        flat[i] = original
        grad[j] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(analytic, numeric, noise=0.0):
    """max |analytic - numeric| / max |numeric| (0 when both vanish, or both are below ``noise``).

    Parameters
    ----------
    analytic, numeric : array_like
        The same number of entries.
    noise : float, default 0
        What central differences cannot tell from zero (:func:`difference_noise`).
        When every entry of both is below it, the gradient is zero as far as
        the check can see (a bias right before a BatchNormalization), and the
        error is 0; one side zero and the other not still gives about 1.

    Returns
    -------
    float
        The largest difference over the larger of max |analytic| and max |numeric|.
    """
    analytic = np.asarray(analytic, dtype=np.float64).ravel()
    numeric = np.asarray(numeric, dtype=np.float64).ravel()
    scale = max(np.abs(numeric).max(initial=0.0), np.abs(analytic).max(initial=0.0))
    if scale == 0.0 or scale < noise:
        return 0.0
    return float(np.abs(analytic - numeric).max() / scale)


def difference_noise(value, eps=DEFAULT_EPS):
    """The smallest derivative central differences resolve for a function of size ``value``.

    (f(x + eps) - f(x - eps)) / (2 eps) carries round-off of about
    machine-epsilon * |f| / eps; a thousand times that is safely above it
    (2.2e-7 for |f| = 1 and eps = 1e-6) and far below any gradient a layer
    really has.

    Parameters
    ----------
    value : float
        f at the point checked.
    eps : float, default 1e-6

    Returns
    -------
    float
    """
    return 1e3 * np.finfo(np.float64).eps * max(1.0, abs(float(value))) / eps


def _sample(size, max_entries, rng):
    if max_entries is None or size <= max_entries:
        return np.arange(size)
    return np.sort(rng.choice(size, size=max_entries, replace=False))


@contextmanager
def float64_parameters(layers):
    """Temporarily give every layer float64 copies of its parameters and of its non-trainable weights.

    Parameters
    ----------
    layers : list of Layer

    Yields
    ------
    None
        The original arrays are put back on leaving (what changed in the copies is dropped).
    """
    saved = [(store, dict(store)) for layer in layers for store in (layer.params, layer.non_trainable)]
    try:
        for store, original in saved:
            store.update({key: value.astype(np.float64) for key, value in original.items()})
        yield
    finally:
        for store, original in saved:
            store.clear()
            store.update(original)


def check_layer(layer, input_shape=None, x=None, batch_size=2, eps=DEFAULT_EPS, max_entries=None, seed=0):
    """Check ``layer.backward`` against central differences, in float64.

    Give either ``x`` (a batch) or ``input_shape`` (per sample; a random
    normal batch is drawn).  The layer is built if it is not yet.  Returns
    ``{"input": error, "<param>": error, ...}``; ``max_entries`` limits how
    many entries of each array are checked (a random sample).

    Parameters
    ----------
    layer : Layer
    input_shape : tuple of int or None
        One sample's shape.
    x : ndarray, (N, ...) or None
        The batch; copied to float64.
    batch_size : int, default 2
        N of the random batch.
    eps : float, default 1e-6
    max_entries : int or None
    seed : int, default 0
        Seeds the batch, the upstream gradient G and the sample.

    Returns
    -------
    dict
        Array name -> relative error.
    """
    rng = np.random.default_rng(seed)
    if x is None:
        if input_shape is None:
            raise InvalidArgumentError("check_layer needs x or input_shape")
        x = rng.standard_normal((batch_size,) + tuple(input_shape))
    x = np.array(x, dtype=np.float64)
    if not layer.built:
        layer.build(x.shape[1:], rng)
    with float64_parameters([layer]):
        streams = random_states([layer])
        out = layer.forward(x, training=True)
        upstream = rng.standard_normal(out.shape)
        dx = layer.backward(upstream)
        analytic = {"input": dx}
        analytic.update({key: layer.grads[key] for key in layer.params})

        def f():
            set_random_states([layer], streams)  # the same random numbers (Dropout's mask) on every call
            return float(np.sum(layer.forward(x, training=True) * upstream))

        errors = {}
        for name, array in [("input", x)] + list(layer.params.items()):
            indices = _sample(array.size, max_entries, rng)
            numeric = numerical_gradient(f, array, eps, indices)
            errors[name] = relative_error(analytic[name].reshape(-1)[indices], numeric, difference_noise(f(), eps))
    return errors


def check_model(model, x, y, eps=DEFAULT_EPS, max_entries=None, seed=0):
    """Check a compiled model's loss gradients against central differences.

    Returns ``{"input": error, "<layer>/<kernel|bias>": error, ...}`` for the
    loss the model trains on (fused softmax cross-entropy included), in
    training mode; the trainable weights only.

    Parameters
    ----------
    model : Sequential
        Compiled.
    x : ndarray, (N, H, W, C_in)
        Copied to float64.
    y : ndarray, (N, classes)
    eps : float, default 1e-6
    max_entries : int or None
        Entries checked per array (a random sample); None: all.
    seed : int, default 0

    Returns
    -------
    dict
        Array name -> relative error.
    """
    rng = np.random.default_rng(seed)
    x = np.array(x, dtype=np.float64)
    with float64_parameters(model.layers):
        streams = random_states(model.layers)
        _, grads, dx = model.loss_and_gradients(x, y)
        y64 = np.asarray(y, dtype=np.float64)

        def f():
            set_random_states(model.layers, streams)
            return model.loss_and_gradients(x, y64)[0]  # the training loss (its gradients unused)

        trainable = [(name, value) for name, value, _ in model.parameters()]
        errors = {}
        for name, array, analytic in [("input", x, dx)] + [(n, v, g) for (n, v), g in zip(trainable, grads)]:
            indices = _sample(array.size, max_entries, rng)
            numeric = numerical_gradient(f, array, eps, indices)
            errors[name] = relative_error(analytic.reshape(-1)[indices], numeric, difference_noise(f(), eps))
    return errors
