"""fit(augment=...) and predict/evaluate(tta=True): determinism, the views used, the model file."""
import numpy as np
import pytest

import fastcnn
from fastcnn.architectures import galaxy_classifier
from fastcnn.augment import BatchAugmenter, gather_views, tta_views
from fastcnn.data.disk import RowView
from fastcnn.errors import InvalidArgumentError, ModelFileError, ShapeError
from fastcnn.records import Settings
from fastcnn.stages import ConvPoolStage
from tests.helpers import rewrite_model_file

RNG = np.random.default_rng(0)
X = RNG.integers(0, 256, (30, 24, 24, 3), dtype=np.uint8)
Y = np.eye(3, dtype=np.float32)[RNG.integers(0, 3, 30)]


def model(seed=1, shape=(24, 24, 3)):
    return galaxy_classifier(shape, 3, seed=seed).compile(fastcnn.Adam(1e-2))


def trained(**options):
    m = model()
    m.fit(X, Y, epochs=2, batch_size=4, verbose=0, validation_split=0.2, **options)
    return m


def weights(m):
    return np.concatenate([w.ravel() for w in m.get_weights()])


def test_augmented_training_is_deterministic_and_differs_from_plain_training():
    plain, dihedral, again, flip = trained(), trained(augment="dihedral"), trained(augment="dihedral"), \
        trained(augment="flip")
    np.testing.assert_array_equal(weights(dihedral), weights(again))
    assert not np.array_equal(weights(dihedral), weights(plain))
    assert not np.array_equal(weights(flip), weights(dihedral))
    assert (plain.augment, dihedral.augment, flip.augment) == (None, "dihedral", "flip")
    # the views come from the model's own stream: plain training never draws from it
    assert plain.augment_rng.bit_generator.state == model().augment_rng.bit_generator.state
    assert dihedral.augment_rng.bit_generator.state != plain.augment_rng.bit_generator.state
    # an explicit seed seeds the views too
    a, b = model(), model(seed=2)
    for m in (a, b):
        m.set_weights(model().get_weights())
        m.fit(X, Y, epochs=1, batch_size=4, verbose=0, seed=5, augment="dihedral")
    np.testing.assert_array_equal(weights(a), weights(b))


def test_training_on_a_row_view_reads_the_same_batches_as_on_the_array():
    on_array, on_view = model(), model()
    on_array.fit(X[5:], Y[5:], epochs=1, batch_size=4, verbose=0, augment="dihedral")
    on_view.fit(RowView(X, np.arange(5, 30)), Y[5:], epochs=1, batch_size=4, verbose=0, augment="dihedral")
    np.testing.assert_array_equal(weights(on_array), weights(on_view))


def test_the_augmenter_draws_one_view_per_image_from_its_generator():
    augmenter = BatchAugmenter("flip", np.random.default_rng(0))
    views = augmenter.draw(50)
    assert views.dtype == np.int64 and views.shape == (50,) and set(views.tolist()) == {0, 4}
    again = BatchAugmenter("flip", np.random.default_rng(0)).draw(50)
    np.testing.assert_array_equal(views, again)
    assert set(BatchAugmenter("dihedral", np.random.default_rng(1)).draw(400).tolist()) == set(range(8))


def test_gather_views_reuses_its_buffer_in_the_data_dtype():
    buffers = {}
    first = gather_views(X, np.array([3, 7, 8, 9]), np.array([0, 4, 1, 6]), buffers)
    assert first.dtype == np.uint8 and first.shape == (4, 24, 24, 3)
    np.testing.assert_array_equal(first[1], X[7, :, ::-1])
    np.testing.assert_array_equal(first[2], np.rot90(X[8]))
    second = gather_views(X, np.array([0, 1]), np.array([0, 0]), buffers)
    assert np.shares_memory(first, second) and np.array_equal(second, X[:2])
    as_float = gather_views(X.astype(np.float64), np.array([2]), np.array([2]), buffers)
    assert as_float.dtype == np.float64 and np.array_equal(as_float[0], np.rot90(X[2], 2))


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
@pytest.mark.parametrize("augment", ["flip", "dihedral"])
def test_views_read_in_place_train_exactly_as_gathered_batches(monkeypatch, dtype, augment):
    """The fused first stage reads each view out of the data set; gathering the views first is the same,
    bit for bit (only the addresses read differ, not the arithmetic)."""
    x = X if dtype == np.uint8 else (X / np.float32(255)).astype(np.float32)
    in_place = model()
    in_place.fit(x, Y, epochs=2, batch_size=4, verbose=0, augment=augment)
    source, _, views = in_place.plan().batch_source(x, np.array([0, 1]), np.array([3, 5]))
    assert source is x and views.tolist() == [3, 5]  # the in-place path was the one taken
    monkeypatch.setattr(ConvPoolStage, "reads_views", property(lambda stage: False))
    gathered = model()
    gathered.fit(x, Y, epochs=2, batch_size=4, verbose=0, augment=augment)
    source, _, views = gathered.plan().batch_source(x, np.array([0, 1]), np.array([3, 5]))
    assert source is not x and views is None
    np.testing.assert_array_equal(weights(in_place), weights(gathered))
    assert not np.array_equal(weights(in_place), weights(model()))  # it trained


@pytest.mark.parametrize("augment,count", [(None, 8), ("dihedral", 8), ("flip", 2)])
def test_tta_is_the_mean_of_the_predictions_of_each_view(augment, count):
    m = trained(augment=augment)
    x = X[:7]
    views = [np.rot90(x, k, axes=(1, 2)) for k in range(4)]
    views += [np.rot90(x[:, :, ::-1], k, axes=(1, 2)) for k in range(4)]
    if count == 2:
        views = [views[0], views[4]]
    expected = np.mean([m.predict(np.ascontiguousarray(v)) for v in views], axis=0)
    np.testing.assert_allclose(m.predict(x, batch_size=3, tta=True), expected, rtol=1e-6, atol=1e-7)
    assert not np.allclose(m.predict(x, tta=True), m.predict(x))
    logs = m.evaluate(x, Y[:7], tta=True)
    assert logs["categorical_accuracy"] == pytest.approx(np.mean(expected.argmax(1) == Y[:7].argmax(1)))
    assert logs["loss"] == pytest.approx(-np.mean(np.log(np.clip((expected * Y[:7]).sum(1), 1e-7, 1))), rel=1e-5)


def test_tta_on_an_uncompiled_model_and_on_non_square_images():
    m = galaxy_classifier((24, 24, 3), 3, seed=1)
    x = X[:3]
    expected = np.mean([m.predict(np.ascontiguousarray(np.rot90(x, k, axes=(1, 2)))) for k in range(4)]
                       + [m.predict(np.ascontiguousarray(np.rot90(x[:, :, ::-1], k, axes=(1, 2)))) for k in range(4)],
                       axis=0)
    np.testing.assert_allclose(m.predict(x, tta=True), expected, rtol=1e-6, atol=1e-7)
    wide = model(shape=(24, 32, 3))
    assert tta_views(wide, (24, 32, 3)).tolist() == [0, 4]
    x = RNG.random((2, 24, 32, 3)).astype(np.float32)
    expected = (wide.predict(x) + wide.predict(np.ascontiguousarray(x[:, :, ::-1]))) / 2
    np.testing.assert_allclose(wide.predict(x, tta=True), expected, rtol=1e-6, atol=1e-7)
    wide.fit(x, np.eye(3, dtype=np.float32)[[0, 1]], epochs=1, verbose=0, augment="flip")  # flip needs no square


def test_bad_arguments_are_clear_errors():
    m = model()
    with pytest.raises(InvalidArgumentError, match=r"augment must be None, 'dihedral' or 'flip', got 'spin'"):
        m.fit(X, Y, verbose=0, augment="spin")
    with pytest.raises(ShapeError, match=r"augment='dihedral' turns images by 90 degrees and needs square ones, "
                                         r"the model's input is 24x32; use augment='flip'"):
        model(shape=(24, 32, 3)).fit(RNG.random((2, 24, 32, 3)), Y[:2], verbose=0, augment="dihedral")
    with pytest.raises(TypeError, match="tta must be True or False, got 'yes'"):
        m.predict(X[:2], tta="yes")
    logits = galaxy_classifier((24, 24, 3), 3, seed=1)
    logits.compile("adam", loss=fastcnn.losses.CategoricalCrossentropy(from_logits=True))
    with pytest.raises(InvalidArgumentError, match=r"tta averages probabilities, but this model outputs logits"):
        logits.predict(X[:2], tta=True)
    with pytest.raises(InvalidArgumentError, match=r"augment must be None, 'dihedral' or 'flip', got 'spin'"):
        Settings(augment="spin")


def test_the_model_file_keeps_the_augmentation_and_its_stream(tmp_path):
    m = trained(augment="flip")
    fastcnn.save_model(m, tmp_path / "m.npz")
    loaded = fastcnn.load_model(tmp_path / "m.npz")
    assert loaded.augment == "flip"
    assert loaded.augment_rng.bit_generator.state == m.augment_rng.bit_generator.state
    np.testing.assert_array_equal(loaded.predict(X[:4], tta=True), m.predict(X[:4], tta=True))

    def old(config):  # a file written before augmentation existed
        del config["augment"], config["augment_rng"]

    rewrite_model_file(tmp_path / "m.npz", tmp_path / "old.npz", edit_config=old)
    loaded = fastcnn.load_model(tmp_path / "old.npz")
    assert loaded.augment is None
    assert loaded.augment_rng.bit_generator.state == model().augment_rng.bit_generator.state
    rewrite_model_file(tmp_path / "m.npz", tmp_path / "bad.npz", edit_config=lambda c: c.update(augment="spin"))
    with pytest.raises(ModelFileError, match=r"bad\.npz: augment must be None, 'dihedral' or 'flip', got 'spin'"):
        fastcnn.load_model(tmp_path / "bad.npz")
