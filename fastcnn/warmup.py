"""Compile (or load from the on-disk cache) every kernel ahead of time.

Numba compiles a kernel the first time it is called with a new combination
of argument types.  :func:`compile_all` calls every public kernel once on
tiny arrays, in float32 (training) and float64 (gradient checks), and reports
how long each took: seconds on a cold cache, milliseconds on a warm one.
"""
import time

import numpy as np

from . import kernels, reference
from .build import random_states, set_random_states


def _calls(dtype):
    # inputs of the right shapes built with NumPy only, so that no kernel is
    # compiled outside the timed calls
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 6, 6, 2)).astype(dtype)
    pixels = rng.integers(0, 256, x.shape, dtype=np.uint8)
    w = rng.standard_normal((3, 3, 2, 8)).astype(dtype)
    b = np.zeros(8, dtype)
    conv = np.abs(rng.standard_normal((2, 4, 4, 8))).astype(dtype)
    pooled = conv.reshape(2, 2, 2, 2, 2, 8).max(axis=(2, 4))
    fused, argmax = reference.conv2d_relu_maxpool2d_forward(x, w, b)
    flat = pooled.reshape(2, -1)
    dense_w = rng.standard_normal((flat.shape[1], 3)).astype(dtype)
    z = (flat @ dense_w).astype(dtype)
    y = np.eye(3, dtype=dtype)[[0, 2]]
    ones, zeros = np.ones(2, dtype), np.zeros(2, dtype)  # per-channel statistics of x
    u = rng.random(x.shape).astype(dtype)
    return {
        "conv2d_forward": lambda: kernels.conv2d_forward(x, w, b, relu=True),
        "conv2d_forward(uint8)": lambda: kernels.conv2d_forward(pixels, w, b, relu=True),
        "conv2d_backward": lambda: kernels.conv2d_backward(conv, x, w, relu=True, out=conv),
        "maxpool2d_forward": lambda: kernels.maxpool2d_forward(conv, 2),
        "maxpool2d_backward": lambda: kernels.maxpool2d_backward(pooled, conv, pooled, 2),
        "average_pooling2d_forward": lambda: kernels.average_pooling2d_forward(conv, 2),
        "average_pooling2d_backward": lambda: kernels.average_pooling2d_backward(pooled, conv, 2),
        "conv2d_relu_maxpool2d_forward": lambda: kernels.conv2d_relu_maxpool2d_forward(x, w, b),
        "conv2d_relu_maxpool2d_forward(uint8)": lambda: kernels.conv2d_relu_maxpool2d_forward(pixels, w, b),
        "conv2d_relu_maxpool2d_backward": lambda: kernels.conv2d_relu_maxpool2d_backward(fused, fused, argmax, x, w),
        "conv2d_relu_maxpool2d_backward(uint8)": lambda: kernels.conv2d_relu_maxpool2d_backward(
            fused, fused, argmax, pixels, w, need_dx=False),
        "dense_forward": lambda: kernels.dense_forward(flat, dense_w, b[:3], relu=True),
        "dense_backward": lambda: kernels.dense_backward(z, flat, dense_w, relu=True, out=z),
        "relu_forward": lambda: kernels.relu_forward(x),
        "relu_backward": lambda: kernels.relu_backward(x, x),
        "softmax_forward": lambda: kernels.softmax_forward(z),
        "softmax_backward": lambda: kernels.softmax_backward(z, z),
        "softmax_cross_entropy": lambda: kernels.softmax_cross_entropy(z, y),
        "sigmoid_forward": lambda: kernels.sigmoid_forward(x),
        "sigmoid_backward": lambda: kernels.sigmoid_backward(x, x),
        "tanh_forward": lambda: kernels.tanh_forward(x),
        "tanh_backward": lambda: kernels.tanh_backward(x, x),
        "leaky_relu_forward": lambda: kernels.leaky_relu_forward(x, 0.3),
        "leaky_relu_backward": lambda: kernels.leaky_relu_backward(x, x, 0.3),
        "elu_forward": lambda: kernels.elu_forward(x, 1.0),
        "elu_backward": lambda: kernels.elu_backward(x, x, 1.0),
        "batch_normalization_forward": lambda: kernels.batch_normalization_forward(x, ones, zeros, zeros.copy(),
                                                                                   ones.copy()),
        "batch_normalization_inference": lambda: kernels.batch_normalization_inference(x, ones, zeros, zeros, ones),
        "batch_normalization_backward": lambda: kernels.batch_normalization_backward(x, x, ones, ones),
        "dropout_forward": lambda: kernels.dropout_forward(x, u, 0.5),
        "dropout_backward": lambda: kernels.dropout_backward(x, u >= 0.5, 0.5),
        "dihedral_batch": lambda: kernels.dihedral_batch(x, [1, 0], [5, 2]),
        "dihedral_batch(uint8)": lambda: kernels.dihedral_batch(pixels, [1, 0], [5, 2]),
        "adam_update": lambda: kernels.adam_update(w.copy(), w, np.zeros_like(w), np.zeros_like(w),
                                                   1e-3, 0.9, 0.999, 1e-7),
    }


def compile_all(dtypes=(np.float32, np.float64)):
    """Call every kernel once per dtype; returns ``{"name[dtype]": seconds}``.

    Parameters
    ----------
    dtypes : sequence of numpy dtype, default (float32, float64)

    Returns
    -------
    dict
        ``"conv2d_forward[float32]"`` and so on -> seconds (float).
    """
    timings = {}
    for dtype in dtypes:
        for name, call in _calls(np.dtype(dtype)).items():
            start = time.perf_counter()
            call()
            timings[f"{name}[{np.dtype(dtype).name}]"] = time.perf_counter() - start
    return timings


def compile_for(model, x, y):
    """Compile (or load from the cache) exactly the kernels that training
    ``model`` on data like ``x`` will call, using one sample and changing
    nothing; returns the seconds it took.

    Parameters
    ----------
    model : Sequential
        Compiled.
    x : ndarray or row source, (N, H, W, C_in) float or uint8
        Only ``x[:1]`` is used.
    y : array_like, (N, classes)
        Only ``y[:1]`` is used.

    Returns
    -------
    float
    """
    start = time.perf_counter()
    weights, streams = model.get_weights(), random_states(model.layers)
    model.loss_and_gradients(x[:1], np.asarray(y[:1]))
    # a training forward moves BatchNormalization's statistics and Dropout's streams: put them back
    model.set_weights(weights)
    set_random_states(model.layers, streams)
    if model.optimizer is not None and model.optimizer.slot_names == ("m", "v"):
        one = np.zeros(1, dtype=model.dtype)
        kernels.adam_update(one.copy(), one, one.copy(), one.copy(), 1e-3, 0.9, 0.999, 1e-7)
    return time.perf_counter() - start
