"""Per-channel input standardisation: its statistics, the fold into the first convolution, gradients, files."""
import numpy as np
import pytest

import fastcnn
from fastcnn import Adam, Conv2D, Dense, Flatten, MaxPool2D, Preprocessing, Sequential, Standardization
from fastcnn import standardization as standardization_module
from fastcnn.data.disk import RowView
from fastcnn.errors import InvalidArgumentError
from fastcnn.gradcheck import check_model, difference_noise, float64_parameters, numerical_gradient, relative_error
from fastcnn.viz.network import feature_maps
from tests.helpers import FD_TOLERANCE


def pixels(n=6, size=(32, 32), seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (n,) + size + (3,), dtype=np.uint8)
    x[..., 1] //= 4  # channels with different means and spreads, as real images have
    return x, np.eye(4, dtype=np.float32)[rng.integers(0, 4, n)]


def numpy_statistics(x):
    values = np.asarray(x, dtype=np.float64).reshape(-1, x.shape[-1]) / (255 if x.dtype == np.uint8 else 1)
    return values.mean(axis=0), values.std(axis=0)


def standardized(x, standardization):
    """The explicit map, in float64: (x/255 - mean) / std."""
    return (x / 255.0 - np.array(standardization.mean)) / np.array(standardization.std)


def galaxy_model(standardization, size=(32, 32), seed=1):
    model = fastcnn.galaxy_classifier(input_shape=size + (3,), seed=seed).compile(Adam(), metrics=[])
    model.preprocessing = Preprocessing(size, normalize=standardization)
    return model


@pytest.mark.parametrize("chunk", [standardization_module.CHUNK_PIXELS, 1000])
def test_statistics_equal_numpy_on_the_training_split(monkeypatch, chunk):
    monkeypatch.setattr(standardization_module, "CHUNK_PIXELS", chunk)  # 1000: many chunks, merged
    x, _ = pixels(20)
    split = RowView(x, [0, 3, 4, 7, 8, 9, 15, 19])
    mean, std = numpy_statistics(np.asarray(split))
    found = Standardization.of(split)
    np.testing.assert_allclose(found.mean, mean, rtol=1e-12)
    np.testing.assert_allclose(found.std, std, rtol=1e-12)
    floats = np.random.default_rng(1).normal(0.3, 2.0, (7, 5, 5, 2))
    mean, std = numpy_statistics(floats)
    np.testing.assert_allclose(Standardization.of(floats).mean, mean, rtol=1e-10)
    np.testing.assert_allclose(Standardization.of(floats).std, std, rtol=1e-10)


def test_a_constant_channel_gets_std_one():
    x = np.zeros((3, 4, 4, 2), np.uint8)
    x[..., 1] = 51
    assert Standardization.of(x) == Standardization((0.0, 0.2), (1.0, 1.0))


def test_folding_equals_explicit_standardisation():
    x, _ = pixels(8)
    standardization = Standardization.of(x[:5])
    model = galaxy_model(standardization)
    assert model.plan().folded  # the first stage is a "valid" ConvPool: folded into its weights
    explicit = galaxy_model(None)
    expected = explicit.predict(standardized(x, standardization).astype(np.float32))
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)
    with fastcnn.use_backend("reference"):  # no fold: the batch is standardised as it is assembled
        np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)
    uncompiled = fastcnn.galaxy_classifier(input_shape=(32, 32, 3), seed=1)
    uncompiled.preprocessing = model.preprocessing
    np.testing.assert_allclose(uncompiled.predict(x), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(feature_maps(model, x)[-1][1], expected, rtol=1e-5, atol=1e-6)


def test_without_normalize_nothing_changes_bit_for_bit():
    x, y = pixels(10)
    runs = []
    for preprocessing in (None, Preprocessing((32, 32))):
        model = galaxy_model(None)
        model.preprocessing = preprocessing
        model.fit(x, y, epochs=2, batch_size=3, verbose=0)
        runs.append(model.get_weights() + [model.predict(x)])
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("backend", ["numba", "reference"])
def test_gradients_of_the_real_weights_match_finite_differences(backend):
    x, y = pixels(3)
    model = galaxy_model(Standardization.of(x))
    with fastcnn.use_backend(backend):
        # float input: the fold scales by 1/std, not 1/(255 std); the NumPy twins are slow, so a sample there
        errors = check_model(model, x / 255.0, y, max_entries=None if backend == "numba" else 12)
    assert set(errors) == {"input"} | set(model.weight_names())
    assert all(e < FD_TOLERANCE for e in errors.values()), errors


def test_gradients_with_uint8_pixels_match_finite_differences():
    x, y = pixels(3)
    model = galaxy_model(Standardization.of(x))
    with float64_parameters(model.layers):
        _, grads, _ = model.loss_and_gradients(x, y)
        loss = lambda: model.loss_and_gradients(x, y)[0]  # noqa: E731
        for (name, value, _), analytic in zip(model.parameters(), grads):
            numeric = numerical_gradient(loss, value)
            assert relative_error(analytic, numeric, difference_noise(loss())) < FD_TOLERANCE, name


def test_same_padding_is_standardised_before_padding():
    model = Sequential([Conv2D(8, 3, padding="same", activation="relu"), MaxPool2D(2), Flatten(),
                        Dense(4, activation="softmax")], input_shape=(8, 8, 3), seed=3).compile(Adam(), metrics=[])
    x, y = pixels(4, size=(8, 8))
    model.preprocessing = Preprocessing((8, 8), normalize=Standardization.of(x))
    assert not model.plan().folded  # zero padding must be zero after standardising: no fold
    reference = Sequential.from_config(model.get_config()).compile(Adam(), metrics=[])
    reference.set_weights(model.get_weights())
    expected = reference.predict(standardized(x, model.preprocessing.normalize).astype(np.float32))
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)
    errors = check_model(model, x / 255.0, y)
    assert all(e < FD_TOLERANCE for e in errors.values()), errors


def test_saved_models_keep_the_standardisation_and_predict_the_same(tmp_path):
    x, y = pixels(12)
    model = galaxy_model(Standardization.of(x[:8]))
    model.fit(x[:8], y[:8], epochs=1, batch_size=4, verbose=0)
    fastcnn.save_model(model, tmp_path / "m.npz")
    loaded = fastcnn.load_model(tmp_path / "m.npz")
    assert loaded.preprocessing == model.preprocessing
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert "standardised per channel: mean (" in loaded.preprocessing.describe()


def test_old_preprocessing_records_load_without_standardisation():
    old = {"image_size": [64, 64], "crop": 0.5, "pixels": "uint8 / 255"}
    assert Preprocessing.from_dict(old).normalize is None
    record = Preprocessing((4, 4), normalize=Standardization((0.5,), (0.25,))).to_dict()
    assert record["normalize"] == {"kind": "per-channel", "mean": [0.5], "std": [0.25]}
    assert Preprocessing.from_dict(record).normalize == Standardization((0.5,), (0.25,))


@pytest.mark.parametrize("normalize,message", [
    ("per-channel", r"normalize must be None or a per-channel Standardization"),
    ({"kind": "global", "mean": [0.5], "std": [0.2]}, r"normalize must be None or a per-channel"),
    ({"mean": [0.5, 0.1], "std": [0.2]}, r"one value per channel each, got 2 and 1"),
    ({"mean": [0.5], "std": [0.0]}, r"std must be positive"),
    ({"mean": [], "std": []}, r"mean must be a non-empty list of finite numbers"),
    ({"mean": [float("nan")], "std": [1.0]}, r"mean must be a non-empty list of finite numbers"),
    ({"mean": [0.5], "std": ["1"]}, r"std must be a non-empty list of finite numbers"),
])
def test_bad_standardisations_are_refused(normalize, message):
    with pytest.raises(InvalidArgumentError, match=message):
        Preprocessing((4, 4), normalize=normalize)


def test_a_standardisation_for_other_channels_is_refused():
    model = galaxy_model(Standardization((0.5,), (0.2,)))
    with pytest.raises(InvalidArgumentError, match=r"has 1 channels, the model's input 3"):
        model.predict(pixels(1)[0])
    with pytest.raises(InvalidArgumentError, match=r"need at least one image"):
        Standardization.of(np.zeros((0, 4, 4, 3), np.uint8))
