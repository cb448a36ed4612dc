"""BatchNormalization and Dropout as layers: Keras's weights and statistics, training versus
inference, the random stream, and their argument checks (the shared harness is test_layers.py)."""
import numpy as np
import pytest

from fastcnn import BatchNormalization, Dropout
from fastcnn.errors import InvalidArgumentError, ShapeError


def built(layer, input_shape):
    layer.build(input_shape, np.random.default_rng(0))
    return layer


def test_batch_normalization_weights_are_keras_s():
    layer = built(BatchNormalization(), (5, 5, 4))
    assert list(layer.params) == ["gamma", "beta"]
    assert list(layer.non_trainable) == ["moving_mean", "moving_variance"]
    np.testing.assert_array_equal(layer.params["gamma"], 1)
    np.testing.assert_array_equal(layer.params["beta"], 0)
    np.testing.assert_array_equal(layer.non_trainable["moving_mean"], 0)
    np.testing.assert_array_equal(layer.non_trainable["moving_variance"], 1)
    assert layer.count_params() == 16
    assert list(built(BatchNormalization(center=False), (4,)).params) == ["gamma"]
    assert list(built(BatchNormalization(scale=False), (4,)).params) == ["beta"]
    assert built(BatchNormalization(center=False, scale=False), (4,)).count_params() == 8


def test_batch_normalization_trains_on_batch_statistics_and_infers_on_moving_ones():
    layer = built(BatchNormalization(momentum=0.5), (3, 3, 2))
    x = np.random.default_rng(1).standard_normal((4, 3, 3, 2)).astype(np.float32) * 3 + 10
    rows = x.reshape(-1, 2).astype(np.float64)
    out = layer.forward(x, training=True)
    np.testing.assert_allclose(out.reshape(-1, 2).mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(layer.non_trainable["moving_mean"], 0.5 * rows.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(layer.non_trainable["moving_variance"], 0.5 + 0.5 * rows.var(axis=0), rtol=1e-6)
    before = {k: v.copy() for k, v in layer.non_trainable.items()}
    inference = layer.forward(x)  # training=False: the moving statistics, and nothing moves
    mean, variance = before["moving_mean"], before["moving_variance"]
    np.testing.assert_allclose(inference, (x - mean) / np.sqrt(variance + 1e-3), rtol=1e-5)
    for key, value in before.items():
        np.testing.assert_array_equal(layer.non_trainable[key], value)


def test_dropout_is_the_identity_at_inference_and_for_rate_zero():
    x = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    layer = built(Dropout(0.5, seed=0), (6,))
    state = layer.rng.bit_generator.state
    assert layer.forward(x) is x
    assert layer.rng.bit_generator.state == state  # nothing drawn
    zero = built(Dropout(0.0), (6,))
    assert zero.forward(x, training=True) is x
    G = np.ones_like(x)
    assert zero.backward(G) is G


def test_dropout_draws_a_new_mask_every_step_from_its_seeded_stream():
    x = np.ones((50, 40), np.float32)
    layer = built(Dropout(0.25, seed=7), (40,))
    first, second = layer.forward(x, training=True), layer.forward(x, training=True)
    assert set(np.unique(first)) == {0.0, np.float32(1 / 0.75)}
    assert not np.array_equal(first, second)
    assert (first == 0).mean() == pytest.approx(0.25, abs=0.03)
    again = built(Dropout(0.25, seed=7), (40,))
    np.testing.assert_array_equal(again.forward(x, training=True), first)
    dx = layer.backward(np.ones_like(x))  # the last forward's mask
    np.testing.assert_array_equal(dx, second)


def test_noise_shape_broadcasts_one_mask_over_the_broadcast_axes():
    x = np.ones((6, 4, 4, 5), np.float32)
    layer = built(Dropout(0.5, noise_shape=(None, 1, 1, 5), seed=1), (4, 4, 5))
    out = layer.forward(x, training=True)
    assert (out == out[:, :1, :1, :]).all()  # whole channels kept or dropped
    assert 0 < (out == 0).mean() < 1
    shared = built(Dropout(0.5, noise_shape=(1, 4, 4, 5), seed=1), (4, 4, 5)).forward(x, training=True)
    assert (shared == shared[:1]).all()  # one mask for the whole batch
    with pytest.raises(ShapeError, match=r"noise_shape \(3, 4, 4, 5\) does not broadcast to a batch of 6"):
        built(Dropout(0.5, noise_shape=(3, 4, 4, 5)), (4, 4, 5)).forward(x, training=True)


@pytest.mark.parametrize("make,message", [
    (lambda: BatchNormalization(axis=0), "axis must be the channel axis, -1 .the last., got 0"),
    (lambda: BatchNormalization(axis=-2), "axis must be the channel axis, -1 .the last., got -2"),
    (lambda: BatchNormalization(axis=[1, 2]), r"axis must be the channel axis, -1 .the last., got \[1, 2\]"),
    (lambda: BatchNormalization(momentum=1.5), r"momentum must be a number in \[0, 1\], got 1.5"),
    (lambda: BatchNormalization(epsilon=0), "epsilon must be a positive number, got 0"),
    (lambda: BatchNormalization(center="yes"), "center must be True or False, got 'yes'"),
    (lambda: Dropout(1.0), r"rate must be a number in \[0, 1\), got 1.0"),
    (lambda: Dropout(-0.1), r"rate must be a number in \[0, 1\), got -0.1"),
    (lambda: Dropout("0.5"), r"rate must be a number in \[0, 1\), got '0.5'"),
    (lambda: Dropout(0.5, noise_shape=5), "noise_shape must be None or a sequence of positive ints and Nones"),
    (lambda: Dropout(0.5, noise_shape=(None, 0)), "noise_shape must be None or a sequence of positive ints"),
    (lambda: Dropout(0.5, seed=-1), "seed must be None or a non-negative int, got -1"),
])
def test_bad_hyper_parameters_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("layer,input_shape,message", [
    (BatchNormalization(axis=2), (4, 5, 3),
     r"BatchNormalization: axis=2 is not the last axis of inputs \(N, 4, 5, 3\); only the channel axis "
     r"\(-1 or 3\) is supported"),
    (BatchNormalization(axis=2), (4,), r"axis=2 is not the last axis"),
    (Dropout(0.5, noise_shape=(None, 2, 1, 3)), (4, 4, 3),
     r"Dropout: noise_shape \(None, 2, 1, 3\) does not broadcast to inputs \(N, 4, 4, 3\)"),
    (Dropout(0.5, noise_shape=(None, 3)), (4, 4, 3), "does not broadcast to inputs"),
])
def test_bad_input_shapes_raise_value_error(layer, input_shape, message):
    with pytest.raises(ValueError, match=message):
        layer.build(input_shape)


def test_argument_errors_are_fastcnn_s():
    with pytest.raises(InvalidArgumentError, match="rate must be"):
        Dropout(2)
    with pytest.raises(ShapeError, match="axis=1 is not the last axis"):
        BatchNormalization(axis=1).build((3, 3, 2))
