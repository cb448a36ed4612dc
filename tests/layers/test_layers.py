"""One harness run against every layer type (the Keras way), plus each
layer's own argument checks."""
import math

import numpy as np
import pytest

from fastcnn import (ELU, Activation, BatchNormalization, Conv2D, Dense, Dropout, Flatten, LeakyReLU, MaxPool2D, ReLU,
                     Softmax)
from fastcnn import AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPool2D, GlobalMaxPooling2D
from fastcnn.backend import use_backend
from fastcnn.errors import InvalidArgumentError, NotBuiltError, ShapeError
from fastcnn.gradcheck import check_layer
from fastcnn.layers import LAYER_TYPES, deserialize, serialize
from tests.helpers import FD_TOLERANCE

# (factory, per-sample input shape, expected output shape, expected weight shapes: trainable and not)
LAYER_CASES = {
    "conv_valid": (lambda: Conv2D(4, 3), (7, 6, 3), (5, 4, 4), {"kernel": (3, 3, 3, 4), "bias": (4,)}),
    "conv_strided_same_relu": (lambda: Conv2D(5, (3, 2), strides=2, padding="same", activation="relu"),
                               (7, 8, 2), (4, 4, 5), {"kernel": (3, 2, 2, 5), "bias": (5,)}),
    "conv_softmax": (lambda: Conv2D(3, 1, activation="softmax"), (3, 3, 2), (3, 3, 3),
                     {"kernel": (1, 1, 2, 3), "bias": (3,)}),
    "maxpool": (lambda: MaxPool2D(2), (6, 7, 3), (3, 3, 3), {}),
    "maxpool_same_overlap": (lambda: MaxPool2D(3, strides=2, padding="same"), (7, 6, 2), (4, 3, 2), {}),
    "avgpool": (lambda: AveragePooling2D(), (6, 7, 3), (3, 3, 3), {}),
    "avgpool_same_overlap": (lambda: AveragePooling2D(3, strides=2, padding="same"), (7, 6, 2), (4, 3, 2), {}),
    "avgpool_same_rectangular": (lambda: AveragePooling2D((2, 3), strides=(1, 2), padding="same"), (5, 7, 2),
                                 (5, 4, 2), {}),
    "global_avgpool": (lambda: GlobalAveragePooling2D(), (5, 4, 3), (3,), {}),
    "global_avgpool_keepdims": (lambda: GlobalAveragePooling2D(keepdims=True), (5, 4, 3), (1, 1, 3), {}),
    "global_maxpool": (lambda: GlobalMaxPooling2D(), (5, 4, 3), (3,), {}),
    "global_maxpool_keepdims": (lambda: GlobalMaxPool2D(keepdims=True), (4, 6, 2), (1, 1, 2), {}),
    "flatten": (lambda: Flatten(), (3, 4, 2), (24,), {}),
    "dense": (lambda: Dense(5), (12,), (5,), {"kernel": (12, 5), "bias": (5,)}),
    "dense_relu": (lambda: Dense(6, activation="relu"), (10,), (6,), {"kernel": (10, 6), "bias": (6,)}),
    "dense_softmax": (lambda: Dense(4, activation="softmax"), (9,), (4,), {"kernel": (9, 4), "bias": (4,)}),
    "relu": (lambda: ReLU(), (4, 5), (4, 5), {}),
    "softmax": (lambda: Softmax(), (6,), (6,), {}),
    # the activations of Activation, LeakyReLU, ELU and the activation= strings (batch() holds an
    # exact 0, a kink, when 3 * prod(input shape) is odd: keep it even)
    "activation_sigmoid": (lambda: Activation("sigmoid"), (4, 5), (4, 5), {}),
    "activation_tanh": (lambda: Activation("tanh"), (3, 2, 2), (3, 2, 2), {}),
    "activation_leaky_relu": (lambda: Activation("leaky_relu"), (8,), (8,), {}),
    "activation_elu_upper_case": (lambda: Activation("ELU"), (2, 3, 4), (2, 3, 4), {}),
    "activation_relu": (lambda: Activation("relu"), (2, 5), (2, 5), {}),
    "activation_softmax": (lambda: Activation("softmax"), (2, 4), (2, 4), {}),
    "activation_linear": (lambda: Activation("linear"), (6,), (6,), {}),
    "leaky_relu": (lambda: LeakyReLU(), (4, 5), (4, 5), {}),
    "leaky_relu_keras2_alpha": (lambda: LeakyReLU(alpha=1.5, name="old"), (3, 3, 2), (3, 3, 2), {}),
    "elu": (lambda: ELU(), (4, 5), (4, 5), {}),
    "elu_alpha": (lambda: ELU(alpha=0.5), (6,), (6,), {}),
    **{f"dense_{name}": (lambda name=name: Dense(4, activation=name), (9,), (4,), {"kernel": (9, 4), "bias": (4,)})
       for name in ("sigmoid", "tanh", "leaky_relu", "elu")},
    **{f"conv_{name}": (lambda name=name: Conv2D(3, 2, activation=name), (4, 5, 2), (3, 4, 3),
                        {"kernel": (2, 2, 2, 3), "bias": (3,)})
       for name in ("sigmoid", "tanh", "leaky_relu", "elu")},
    "batch_norm": (lambda: BatchNormalization(), (4, 5, 3), (4, 5, 3),
                   {"gamma": (3,), "beta": (3,), "moving_mean": (3,), "moving_variance": (3,)}),
    "batch_norm_flat_no_scale": (lambda: BatchNormalization(axis=1, momentum=0.9, epsilon=0.01, scale=False), (6,),
                                 (6,), {"beta": (6,), "moving_mean": (6,), "moving_variance": (6,)}),
    "batch_norm_no_weights": (lambda: BatchNormalization(axis=3, center=False, scale=False), (3, 2, 4), (3, 2, 4),
                              {"moving_mean": (4,), "moving_variance": (4,)}),
    "dropout": (lambda: Dropout(0.5, seed=3), (4, 5), (4, 5), {}),
    "dropout_channels": (lambda: Dropout(0.3, noise_shape=(None, 1, 1, 3)), (4, 4, 3), (4, 4, 3), {}),
    "dropout_rate_0": (lambda: Dropout(0.0), (7,), (7,), {}),
}


def same_draws(layer):
    """Put a layer's random stream (Dropout's) back where it is now, each time it is called."""
    state = layer.rng.bit_generator.state if layer.draws_random else None

    def replay():
        if state is not None:
            layer.rng.bit_generator.state = state
    return replay


def built(case, seed=0):
    factory, input_shape, _, _ = LAYER_CASES[case]
    layer = factory()
    layer.build(input_shape, np.random.default_rng(seed))
    return layer, input_shape


def batch(input_shape, n=3, seed=1, dtype=np.float32):
    # distinct values (a shuffled grid, 0.05 apart): no max-pool ties and no
    # ReLU input within the finite-difference step of its kink
    rng = np.random.default_rng(seed)
    size = n * math.prod(input_shape)
    values = (rng.permutation(size) - size / 2 + 0.5) * 0.05
    return values.reshape((n,) + input_shape).astype(dtype)


@pytest.mark.parametrize("case", LAYER_CASES)
def test_build_shapes_and_forward(case):
    layer, input_shape = built(case)
    _, _, expected_out, expected_weights = LAYER_CASES[case]
    assert layer.output_shape(input_shape) == expected_out
    weights = {**layer.params, **layer.non_trainable}
    assert {k: v.shape for k, v in weights.items()} == expected_weights
    assert set(layer.params).isdisjoint(layer.non_trainable) and set(layer.grads) == set(layer.params)
    assert all(p.dtype == np.float32 for p in weights.values())
    assert layer.count_params() == sum(math.prod(s) for s in expected_weights.values())
    for training in (False, True):
        out = layer.forward(batch(input_shape), training=training)
        assert out.shape == (3,) + expected_out and out.dtype == np.float32


@pytest.mark.parametrize("case", LAYER_CASES)
def test_gradients_match_finite_differences(case):
    layer, input_shape = built(case)
    errors = check_layer(layer, x=batch(input_shape, dtype=np.float64), seed=5)
    assert set(errors) == {"input"} | set(layer.params)
    assert all(e < FD_TOLERANCE for e in errors.values()), errors


@pytest.mark.parametrize("case", LAYER_CASES)
def test_backward_overwrites_gradients(case):
    layer, input_shape = built(case)
    x = batch(input_shape)
    out = layer.forward(x, training=True)
    G = np.random.default_rng(2).standard_normal(out.shape).astype(np.float32)
    dx1 = layer.backward(G)
    grads1 = {k: v.copy() for k, v in layer.grads.items()}
    dx2 = layer.backward(G)
    np.testing.assert_array_equal(dx1, dx2)
    for key in layer.params:
        np.testing.assert_array_equal(layer.grads[key], grads1[key])  # not doubled
    assert dx1.shape == x.shape


@pytest.mark.parametrize("case", LAYER_CASES)
def test_numba_and_reference_backends_agree(case):
    layer, input_shape = built(case)
    x = batch(input_shape, dtype=np.float32)
    G = np.random.default_rng(2).standard_normal((3,) + layer.output_shape(input_shape)).astype(np.float32)
    replay, start = same_draws(layer), {k: v.copy() for k, v in layer.non_trainable.items()}
    results = {}
    for backend in ("numba", "reference"):
        with use_backend(backend):
            replay()  # the same random draws, and the same moving statistics to update, on both
            for key, value in start.items():
                layer.non_trainable[key][...] = value
            out = layer.forward(x, training=True)
            dx = layer.backward(G)
            results[backend] = [out, dx] + [layer.grads[k].copy() for k in layer.params]
            results[backend] += [v.copy() for v in layer.non_trainable.values()]
            results[backend].append(layer.forward(x, training=False))
    for got, want in zip(results["numba"], results["reference"]):
        # float32 sums of at most a few hundred O(1) terms
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", LAYER_CASES)
def test_config_round_trip(case):
    layer, input_shape = built(case)
    description = serialize(layer)
    assert description["class_name"] in LAYER_TYPES
    clone = deserialize(description)
    assert clone.get_config() == layer.get_config()
    clone.build(input_shape)
    for key, value in {**layer.params, **layer.non_trainable}.items():
        {**clone.params, **clone.non_trainable}[key][...] = value
    if layer.draws_random:
        clone.rng.bit_generator.state = layer.rng.bit_generator.state
    x = batch(input_shape)
    for training in (False, True):
        np.testing.assert_array_equal(clone.forward(x, training), layer.forward(x, training))


@pytest.mark.parametrize("case", LAYER_CASES)
def test_wrong_input_shape_and_missing_forward_are_reported(case):
    layer, input_shape = built(case)
    wrong = batch(tuple(s + 1 for s in input_shape))
    with pytest.raises(ShapeError, match=r"expects input of shape \(N, "):
        layer.forward(wrong)
    with pytest.raises(NotBuiltError, match=r"backward\(\) needs a preceding forward\(x, training=True\)"):
        layer.forward(batch(input_shape), training=False)
        layer.backward(np.ones((3,) + layer.output_shape(input_shape), np.float32))


def test_unbuilt_layer_says_so():
    with pytest.raises(NotBuiltError, match="is not built"):
        Dense(3).forward(np.zeros((1, 2), np.float32))


def test_glorot_uniform_and_zero_bias():
    layer = Conv2D(64, 3)
    layer.build((8, 8, 32), np.random.default_rng(0))
    limit = math.sqrt(6 / (9 * 32 + 9 * 64))
    kernel = layer.params["kernel"]
    assert np.abs(kernel).max() <= limit
    assert kernel.std() == pytest.approx(limit / math.sqrt(3), rel=0.02)  # std of U(-a, a)
    assert not layer.params["bias"].any()


@pytest.mark.parametrize("make,message", [
    (lambda: Conv2D(-3, 3), "filters must be a positive integer, got -3"),
    (lambda: Conv2D(0, 3), "filters must be a positive integer, got 0"),
    (lambda: Conv2D(2.5, 3), "filters must be a positive integer, got 2.5"),
    (lambda: Conv2D(8, (3, 0)), r"kernel_size must be a positive int or a pair of them, got \(3, 0\)"),
    (lambda: Conv2D(8, 3, strides=-1), "strides must be a positive int or a pair of them, got -1"),
    (lambda: Conv2D(8, 3, padding="full"), "padding must be 'valid' or 'same', got 'full'"),
    (lambda: Conv2D(8, 3, activation="swishy"),
     "activation must be one of None, 'linear', 'relu', 'softmax', 'sigmoid', 'tanh', 'leaky_relu', 'elu'; "
     "got 'swishy'"),
    (lambda: Dense(3, activation=len), "activation must be one of None, 'linear', .*; got <built-in function len>"),
    (lambda: Activation("hard_tanh"), "activation must be one of None, 'linear', 'relu', .*; got 'hard_tanh'"),
    (lambda: LeakyReLU(-0.1), "negative_slope must be a finite number >= 0, got -0.1"),
    (lambda: LeakyReLU(float("nan")), "negative_slope must be a finite number >= 0, got nan"),
    (lambda: LeakyReLU(True), "negative_slope must be a finite number >= 0, got True"),
    (lambda: LeakyReLU(alpha=-2), "alpha must be a finite number >= 0, got -2"),
    (lambda: LeakyReLU(0.1, alpha=0.2), "LeakyReLU got negative_slope=0.1 and its Keras 2 name alpha=0.2: give one"),
    (lambda: ELU(-1.0), "alpha must be a finite number >= 0, got -1.0"),
    (lambda: ELU(float("inf")), "alpha must be a finite number >= 0, got inf"),
    (lambda: ELU("1"), "alpha must be a finite number >= 0, got '1'"),
    (lambda: MaxPool2D(0), "pool_size must be a positive int or a pair of them, got 0"),
    (lambda: AveragePooling2D((2, 0)), r"pool_size must be a positive int or a pair of them, got \(2, 0\)"),
    (lambda: AveragePooling2D(padding="causal"), "padding must be 'valid' or 'same', got 'causal'"),
    (lambda: AveragePooling2D(data_format="channels_first"),
     r"data_format='channels_first' is not supported: fastcnn supports only 'channels_last' \(NHWC"),
    (lambda: GlobalAveragePooling2D(data_format="Channels_First"), "supports only 'channels_last'"),
    (lambda: GlobalMaxPooling2D(data_format="nhwc"), "data_format must be None or 'channels_last', got 'nhwc'"),
    (lambda: GlobalMaxPooling2D(keepdims="yes"), "keepdims must be True or False, got 'yes'"),
    (lambda: Dense(0), "units must be a positive integer, got 0"),
    (lambda: Dense(True), "units must be a positive integer, got True"),
    (lambda: Dense(4, name=""), "name must be a non-empty string"),
])
def test_bad_hyper_parameters_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("layer,input_shape,message", [
    (Conv2D(8, 5), (3, 3, 1), r"Conv2D: kernel 5x5 is larger than the 3x3 input \(padding='valid'\)"),
    (Conv2D(8, 3), (32, 32), r"Conv2D expects images \(H, W, C\), got input shape \(32, 32\)"),
    (MaxPool2D(4), (3, 8, 2), r"MaxPool2D: pool window 4x4 is larger than the 3x8 input"),
    (AveragePooling2D(4), (3, 8, 2), r"AveragePooling2D: pool window 4x4 is larger than the 3x8 input"),
    (AveragePooling2D(), (8, 8), r"AveragePooling2D expects images \(H, W, C\), got input shape \(8, 8\)"),
    (GlobalAveragePooling2D(), (12,), r"GlobalAveragePooling2D expects images \(H, W, C\), got input shape \(12,\)"),
    (GlobalMaxPooling2D(name="top"), (4, 4), r"GlobalMaxPooling2D 'top' expects images \(H, W, C\)"),
    (Dense(4), (7, 7, 8), r"Dense expects a flat input \(features,\), got input shape \(7, 7, 8\): add a Flatten"),
    (Dense(4), (0,), "input shape must be positive integers"),
])
def test_bad_input_shapes_raise_value_error(layer, input_shape, message):
    with pytest.raises(ValueError, match=message):
        layer.build(input_shape)


def test_wrong_channel_count_at_forward():
    layer = Conv2D(8, 3, name="first")
    layer.build((16, 16, 3))
    with pytest.raises(ShapeError, match=r"Conv2D 'first' expects input of shape \(N, 16, 16, 3\), got \(2, 16, 16, 1\)"):
        layer.forward(np.zeros((2, 16, 16, 1), np.float32))
    with pytest.raises(ShapeError, match=r"expects input of shape \(N, 16, 16, 3\), got \(16, 16, 3\)"):
        layer.forward(np.zeros((16, 16, 3), np.float32))


def test_deserialize_rejects_unknown_layers():
    with pytest.raises(InvalidArgumentError, match="unknown layer type 'Lambda'"):
        deserialize({"class_name": "Lambda", "config": {}})
    with pytest.raises(InvalidArgumentError, match="bad config for Dense"):
        deserialize({"class_name": "Dense", "config": {"units": 3, "evil": 1}})
