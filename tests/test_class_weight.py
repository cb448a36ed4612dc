"""fit's class_weight (Keras's semantics) and label smoothing through a whole model: the
weighted loss is what training logs and descends, validation stays unweighted, the
fused, unfused and reference paths agree, and None changes no bit."""
import numpy as np
import pytest

import fastcnn
from fastcnn import Conv2D, Dense, Flatten, MaxPool2D, Sequential, Softmax
from fastcnn.errors import InvalidArgumentError
from fastcnn.losses import CategoricalCrossentropy, class_sample_weights

HEADS = {"activation": lambda: [Dense(3, activation="softmax")], "layer": lambda: [Dense(3), Softmax()],
         "logits": lambda: [Dense(3)], "probabilities": lambda: [Dense(3, activation="relu")]}


def data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 8, 8, 2)), np.eye(3)[rng.integers(0, 3, n)]


def model(head="activation", smoothing=0.0, seed=2):
    net = Sequential([Conv2D(4, 3, activation="relu"), MaxPool2D(2), Flatten()] + HEADS[head](),
                     input_shape=(8, 8, 2), seed=seed)
    net.compile(fastcnn.SGD(0.1), CategoricalCrossentropy(from_logits=head == "logits", label_smoothing=smoothing),
                ["categorical_accuracy"])
    if head == "probabilities":
        net.layers[-1].params["bias"][:] = 1.0  # positive outputs: a valid distribution
    return net


def test_sample_weights_from_class_weight():
    y = np.eye(3)[[0, 2, 1, 2]]
    np.testing.assert_array_equal(class_sample_weights({0: 2.0, 2: 0.5}, y), [2.0, 0.5, 1.0, 0.5])  # absent: 1
    assert class_sample_weights(None, y) is None
    soft = np.array([[0.1, 0.7, 0.2]])
    np.testing.assert_array_equal(class_sample_weights({1: 3}, soft), [3.0])  # soft labels: their argmax


@pytest.mark.parametrize("bad, message", [
    ({3: 1.0}, r"class_weight keys must be class indices 0..2, got 3"),
    ({"Merger": 1.0}, r"class_weight keys must be class indices 0..2, got 'Merger'"),
    ({0: -1.0}, r"class_weight\[0\] must be a non-negative finite number, got -1.0"),
    ({0: float("inf")}, r"class_weight\[0\] must be a non-negative finite number"),
    ([1.0, 2.0, 3.0], r"class_weight must be a dict"),
])
def test_bad_class_weight(bad, message):
    x, y = data()
    with pytest.raises(InvalidArgumentError, match=message):
        model().fit(x, y, epochs=1, verbose=0, class_weight=bad)


@pytest.mark.parametrize("head", list(HEADS))
def test_weights_of_one_change_no_bit(head):
    x, y = data()
    runs = []
    for class_weight in (None, {0: 1.0, 1: 1, 2: 1.0}):
        net = model(head)
        history = net.fit(x, y, epochs=2, batch_size=5, verbose=0, validation_split=0.25, class_weight=class_weight)
        runs.append([np.array(history.history["loss"]), np.array(history.history["val_loss"])] + net.get_weights())
    for a, b in zip(*runs):
        assert a.tobytes() == b.tobytes()


def test_training_loss_is_weighted_and_validation_loss_is_not():
    x, y = data(30)
    weights = {0: 3.0, 1: 0.5, 2: 1.0}
    net = model()
    before = net.get_weights()
    history = net.fit(x[:20], y[:20], epochs=1, batch_size=20, shuffle=False, verbose=0,
                      validation_data=(x[20:], y[20:]), class_weight=weights)
    assert history.history["val_loss"][0] == pytest.approx(net.evaluate(x[20:], y[20:])["loss"], rel=1e-6)
    net.set_weights(before)
    per_sample = [net.test_on_batch(x[n:n + 1], y[n:n + 1])["loss"] for n in range(20)]
    w = class_sample_weights(weights, y[:20])
    assert history.history["loss"][0] == pytest.approx(np.dot(w, per_sample) / 20, rel=1e-5)


@pytest.mark.parametrize("head", list(HEADS))
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_fused_unfused_and_reference_paths_agree(head, smoothing):
    x, y = data()
    results = []
    for backend in ("numba", "reference"):
        net = model(head, smoothing)
        with fastcnn.use_backend(backend):
            history = net.fit(x, y, epochs=1, batch_size=6, verbose=0, class_weight={0: 2.5, 2: 0.25})
        results.append([np.array(history.history["loss"])] + net.get_weights())
    # float32 sums in other orders; the probability form's -y/p (every y > 0 once smoothed) magnifies them
    loose = 10 if head == "probabilities" and smoothing else 1
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-4 * loose, atol=1e-5 * loose * np.abs(b).max())


def test_class_weight_changes_training_like_repeated_samples():
    """A weight of 2 on one class trains, in one full batch, exactly as that class's samples twice
    would if the batch mean were over the original N (sum over batch size)."""
    x, y = data(12)
    weighted = model()
    weighted.fit(x, y, epochs=1, batch_size=12, shuffle=False, verbose=0, class_weight={1: 2.0})
    plain = model()
    _, grads, _ = plain.loss_and_gradients(x, y)
    ones = y[:, 1] == 1
    _, grads_1, _ = plain.loss_and_gradients(x[ones], y[ones])
    # dL/dw with class 1 doubled = grads + (n_1 / N) * grads over class 1 alone
    expected = [g + ones.sum() / 12 * g1 for g, g1 in zip(grads, grads_1)]
    stepped = [w0 - 0.1 * g for w0, g in zip(model().get_weights(), expected)]
    for a, b in zip(weighted.get_weights(), stepped):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_label_smoothing_survives_save_and_load(tmp_path):
    net = model(smoothing=0.2)
    fastcnn.save_model(net, tmp_path / "m.npz")
    assert fastcnn.load_model(tmp_path / "m.npz").loss.label_smoothing == 0.2
