"""The compiled plan: the same numbers as the layer-by-layer path on the NumPy
twins, for every kind of stage, and the bookkeeping around it (flat buffers,
batches read through row numbers, parameters replaced after compile)."""
import numpy as np
import pytest

import fastcnn
from fastcnn import (Adam, CategoricalCrossentropy, Conv2D, Dense, Flatten, MaxPool2D, ReLU, SGD, Sequential,
                     Softmax)
from fastcnn import ELU, Activation, LeakyReLU
from fastcnn.data.disk import RowView
from fastcnn.stages import ConvPoolStage, DenseStage, FlattenStage, LayerStage

ARCHITECTURES = {
    # the reference model's shape: every stage fused
    "conv-pool": lambda: [Conv2D(8, 3, strides=2, activation="relu"), MaxPool2D(2),
                          Conv2D(8, 3, activation="relu"), MaxPool2D(2), Flatten(),
                          Dense(6, activation="relu"), Dense(3, activation="softmax")],
    # odd output sizes, "same" padding, no activation before the pool, a 1x1 kernel
    "conv-pool-variants": lambda: [Conv2D(8, 3, padding="same"), MaxPool2D(2), Conv2D(16, 1, activation="relu"),
                                   MaxPool2D(2), Flatten(), Dense(3, activation="softmax")],
    # what the fused stage does not take: C_out not a multiple of 8, a 3x3 pool, a conv without a pool
    "unfused": lambda: [Conv2D(5, 3, activation="relu"), MaxPool2D(3, strides=2), Conv2D(8, 2), ReLU(),
                        Flatten(), Dense(4), ReLU(), Dense(3), Softmax()],
    # activations the fused kernels do not know: a Conv2D with "elu" before a 2x2 pool and a Dense
    # with "tanh" must run their activation as a step of its own, not take the ConvPool/Dense paths
    "activations": lambda: [Conv2D(8, 3, strides=2, activation="elu"), MaxPool2D(2), Conv2D(8, 2, activation="sigmoid"),
                            LeakyReLU(), Flatten(), Dense(6, activation="tanh"), Dense(5, activation="leaky_relu"),
                            Activation("elu"), ELU(0.5), Dense(3, activation="softmax")],
}
KINDS = {"conv-pool": [ConvPoolStage, ConvPoolStage, FlattenStage, DenseStage, DenseStage],
         "conv-pool-variants": [ConvPoolStage, ConvPoolStage, FlattenStage, DenseStage],
         "unfused": [LayerStage, LayerStage, LayerStage, LayerStage, FlattenStage, DenseStage, LayerStage,
                     DenseStage],
         "activations": [LayerStage, LayerStage, LayerStage, LayerStage, FlattenStage, LayerStage, LayerStage,
                         LayerStage, LayerStage, DenseStage]}


def model_and_data(name, dtype=np.float32, n=7, seed=0):
    model = Sequential(ARCHITECTURES[name](), input_shape=(24, 22, 3), seed=seed)
    model.compile(Adam(1e-2), "categorical_crossentropy", ["categorical_accuracy"])
    rng = np.random.default_rng(seed)
    x = rng.random((n, 24, 22, 3)).astype(dtype)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, n)]
    return model, x, y


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_stages_are_what_the_layers_allow(name):
    model, _, _ = model_and_data(name)
    assert [type(stage) for stage in model.plan().stages] == KINDS[name]


@pytest.mark.parametrize("name", list(ARCHITECTURES))
@pytest.mark.parametrize("pixels", ["float64", "uint8"])
def test_plan_equals_the_layers_on_the_numpy_twins(name, pixels):
    model, x, y = model_and_data(name, np.float64)
    if pixels == "uint8":
        x = (x * 255).astype(np.uint8)
    with fastcnn.use_backend("reference"):
        loss, grads, dx = model.loss_and_gradients(x, y)
        probabilities = model.predict(x)
    fast_loss, fast_grads, fast_dx = model.loss_and_gradients(x, y)
    assert np.isclose(fast_loss, loss, rtol=1e-5)
    for name_, a, b in zip(model.weight_names(), fast_grads, grads):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6, err_msg=name_)
    if pixels == "uint8":
        assert fast_dx is None  # nobody needs dL/d(pixels)
    else:
        np.testing.assert_allclose(fast_dx, dx, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(model.predict(x), probabilities, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("loss", ["layer", "activation_layer", "logits", "probabilities"])
def test_every_loss_head_trains_like_the_twins(loss):
    head = {"layer": [Dense(3), Softmax()], "activation_layer": [Dense(3), fastcnn.Activation("softmax")],
            "logits": [Dense(3)],
            # no softmax: the loss reads the outputs as (unnormalised) probabilities, unfused
            "probabilities": [Dense(3, activation="relu")]}[loss]
    layers = [Conv2D(8, 3, activation="relu"), MaxPool2D(2), Flatten()] + head
    x = np.random.default_rng(0).random((6, 10, 10, 2))
    y = np.eye(3)[[0, 1, 2, 0, 1, 2]]
    results = []
    for backend in ("numba", "reference"):
        model = Sequential([type(layer).from_config(layer.get_config()) for layer in layers],
                           input_shape=(10, 10, 2), seed=3)
        model.compile(SGD(0.1), CategoricalCrossentropy(from_logits=loss == "logits"), [])
        expected = {"layer": "layer", "activation_layer": "layer", "logits": "logits", "probabilities": None}[loss]
        assert model.plan().fusion == expected
        if loss == "probabilities":
            model.layers[-1].params["bias"][:] = 1.0  # positive outputs: a valid distribution
        with fastcnn.use_backend(backend):
            loss_value, grads, _ = model.loss_and_gradients(x, y)
            model.train_on_batch(x, y)
            results.append([loss_value] + grads + model.get_weights())
    for a, b in zip(*results):
        # float32 sums of many products, in other orders: round-off relative to the largest entry
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5 * np.abs(b).max())


def test_parameters_and_gradients_live_in_flat_buffers():
    model, x, y = model_and_data("conv-pool")
    flat = model.plan().parameters
    assert flat.params.size == flat.grads.size == model.count_params()
    assert flat.names == model.weight_names()
    for name, value, gradient in model.parameters():
        assert np.shares_memory(value, flat.params) and np.shares_memory(gradient, flat.grads), name
    model.train_on_batch(x, y)
    assert all(np.shares_memory(gradient, flat.grads) for _, _, gradient in model.parameters())
    assert np.array_equal(np.concatenate([g.ravel() for _, _, g in model.parameters()]), flat.grads)
    # set_weights writes into the same buffer
    weights = [w + 1 for w in model.get_weights()]
    model.set_weights(weights)
    np.testing.assert_array_equal(np.concatenate([w.ravel() for w in weights]), flat.params)


def test_replaced_parameters_are_picked_up():
    model, x, y = model_and_data("conv-pool")
    model.train_on_batch(x, y)
    state = model.optimizer.get_state()
    first = model.layers[0]
    old = model.plan()
    first.params["kernel"] = first.params["kernel"] * 0  # a new array, not written in place
    assert not old.parameters.is_current()
    model.train_on_batch(x, y)
    plan = model.plan()
    assert plan is not old and plan.parameters.is_current()
    assert np.shares_memory(first.params["kernel"], plan.parameters.params)
    assert model.optimizer.iterations == state["iterations"] + 1


def test_batches_are_read_in_place_from_arrays_and_row_views():
    model, x, y = model_and_data("conv-pool", n=12)
    plan = model.plan()
    rows = np.array([1, 4, 9])
    source, source_rows, views = plan.batch_source(x, rows)
    assert source is x and np.array_equal(source_rows, rows) and views is None
    view = RowView(x, np.arange(12)[::-1])
    source, source_rows, _ = plan.batch_source(view, rows)
    assert source is x and np.array_equal(source_rows, [10, 7, 2])
    # augmented: the fused first stage reads the views in place too
    source, source_rows, views = plan.batch_source(view, rows, np.array([1, 4, 7]))
    assert source is x and np.array_equal(source_rows, [10, 7, 2]) and views.tolist() == [1, 4, 7]
    # float64 data for a float32 model, or a first layer that is not a conv: a converted copy
    source, source_rows, views = plan.batch_source(x.astype(np.float64), rows)
    assert source.dtype == np.float32 and source.shape[0] == 3 and np.array_equal(source_rows, [0, 1, 2])
    # ... with its views gathered into it
    source, _, views = plan.batch_source(x.astype(np.float64), rows, np.array([2, 0, 0]))
    assert views is None and np.array_equal(source[0], np.rot90(x[1], 2).astype(np.float32))
    # training through a RowView equals training on the copied rows
    copied = model_and_data("conv-pool", n=12)[0]
    history = model.fit(view, y[::-1], epochs=2, batch_size=4, verbose=0)
    expected = copied.fit(x[::-1].copy(), y[::-1], epochs=2, batch_size=4, verbose=0)
    assert history == expected


def test_a_partial_last_batch_uses_its_own_buffers():
    model, x, y = model_and_data("conv-pool", n=7)
    reference_model, _, _ = model_and_data("conv-pool", n=7)
    model.fit(x, y, epochs=1, batch_size=5, shuffle=False, verbose=0)          # batches of 5 and 2
    with fastcnn.use_backend("reference"):
        reference_model.fit(x, y, epochs=1, batch_size=5, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), reference_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
