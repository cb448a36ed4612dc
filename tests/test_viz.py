"""Pictures: each is a PNG of a sensible size that is not blank, and the data
drawn in it (read back from the matplotlib figure before it is saved) is the
data it promises: the layers' real outputs, the history, the confusion counts,
the ROC points."""
import numpy as np
import pytest
from PIL import Image

import fastcnn
from fastcnn import viz
from fastcnn.metrics import confusion_matrix, roc_auc_binary, roc_curve
from fastcnn.viz import evaluation, network, training
from tests.helpers import png_pixels as png

CLASSES = ("Normal", "Ringed", "Merger", "Other")


@pytest.fixture(scope="module")
def model():
    model = fastcnn.galaxy_classifier(input_shape=(64, 64, 3), seed=1)
    model.class_names = CLASSES
    return model


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)


@pytest.fixture
def figures(monkeypatch):
    """Every matplotlib figure a plot function saves, in order (still readable after saving)."""
    captured = []
    real = network.save_figure

    def capture(fig, path, plt):
        captured.append(fig)
        return real(fig, path, plt)

    for module in (network, training, evaluation):
        monkeypatch.setattr(module, "save_figure", capture)
    return captured


def test_feature_maps_are_the_layers_outputs(model, image):
    maps = viz.feature_maps(model, image)
    assert [layer.name for layer, _ in maps] == [layer.name for layer in model.layers]
    out = image[None]
    for layer, output in maps:
        out = layer.forward(out, training=False)
        np.testing.assert_array_equal(output, out)
    assert maps[0][1].shape == (1, 31, 31, 8)
    np.testing.assert_array_equal(maps[-1][1], model.predict(image[None]))


def test_galaxy_pictures_show_the_prediction_and_every_layer(tmp_path, model, image, figures):
    paths = viz.visualize_galaxy(model, image, tmp_path / "g", true_label=2)
    assert [p.name for p in paths] == ["g_prediction.png", "g_1_conv2d.png", "g_2_max_pooling2d.png",
                                       "g_3_conv2d_1.png", "g_4_max_pooling2d_1.png", "g_dense.png"]
    png(paths[0], 300, 400)
    for path in paths[1:5]:
        png(path, 500, 300)  # 8 tiles in 2 rows of 4
    png(paths[5], 400, 300)
    maps = viz.feature_maps(model, image)
    probabilities = maps[-1][1][0]

    top, bottom = figures[0].axes
    np.testing.assert_allclose(top.images[0].get_array(), image / 255.0)
    k = int(np.argmax(probabilities))
    assert top.get_title().startswith(f"Predicted: {CLASSES[k]} (p = {probabilities[k]:.2f})")
    assert "True label: Merger" in top.get_title()
    bars = {tick.get_text(): patch.get_width() for tick, patch in zip(bottom.get_yticklabels(), bottom.patches)}
    assert bars == pytest.approx(dict(zip(CLASSES, probabilities.tolist())))

    for fig, (layer, output) in zip(figures[1:5], maps[:4]):
        tiles = [ax.images[0].get_array() for ax in fig.axes if ax.images]
        assert len(tiles) == 8, layer.name
        for c, tile in enumerate(tiles):
            np.testing.assert_array_equal(tile, output[0, ..., c])

    dense_axes = figures[5].axes
    assert [ax.get_title() for ax in dense_axes] == ["dense: 16 activations", "dense_1: 4 class probabilities"]
    for ax, (_, output) in zip(dense_axes, maps[-2:]):
        np.testing.assert_allclose([p.get_height() for p in ax.patches], output[0], rtol=1e-6)


def test_filters_show_each_kernel_scaled_to_its_range(tmp_path, model, figures):
    kernel = model.layers[0].params["kernel"]
    png(viz.plot_filters(kernel, tmp_path / "f.png"), 600, 100)
    patches = [ax.images[0].get_array() for ax in figures[0].axes if ax.images]
    assert len(patches) == kernel.shape[-1]
    for c, patch in enumerate(patches):
        one = kernel[..., c].astype(np.float64)
        np.testing.assert_allclose(patch, (one - one.min()) / (one.max() - one.min()))


def test_training_curves_plot_the_history(tmp_path, figures):
    history = {"loss": [1.2, 0.8, 0.6], "categorical_accuracy": [0.4, 0.6, 0.7], "auc": [0.6, 0.8, 0.9],
               "val_loss": [1.1, 0.9, 0.8], "val_categorical_accuracy": [0.5, 0.6, 0.6], "val_auc": [0.7, 0.8, 0.85]}
    pixels = png(viz.plot_training_curves(history, tmp_path / "curves.png"))
    assert pixels.shape[1] > 2 * pixels.shape[0]  # three panels side by side
    axes = figures[0].axes
    assert [ax.get_title() for ax in axes] == ["loss", "accuracy", "AUC"]
    for ax, key in zip(axes, ("loss", "categorical_accuracy", "auc")):
        training_line, validation_line = ax.lines
        assert list(training_line.get_xdata()) == [1, 2, 3]
        assert list(training_line.get_ydata()) == history[key]
        assert list(validation_line.get_ydata()) == history[f"val_{key}"]


def test_confusion_matrix_shows_counts_and_row_fractions(tmp_path, figures):
    rng = np.random.default_rng(0)
    labels, predicted = rng.integers(0, 3, 60), rng.integers(0, 3, 60)
    png(viz.plot_confusion_matrix(labels, predicted, ("a", "b", "c"), tmp_path / "cm.png"), 600, 300)
    counts = confusion_matrix(labels, predicted, 3)
    left, right = figures[0].axes
    np.testing.assert_array_equal(left.images[0].get_array(), counts)
    np.testing.assert_allclose(right.images[0].get_array(), counts / counts.sum(axis=1, keepdims=True))
    assert sorted(int(t.get_text()) for t in left.texts) == sorted(counts.ravel().tolist())


def test_roc_plot_draws_each_class_curve_with_its_auc(tmp_path, figures):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 60)
    probabilities = rng.dirichlet(np.ones(3), 60)
    png(viz.plot_roc(np.eye(3)[labels], probabilities, ("a", "b", "c"), tmp_path / "roc.png"), 300, 300)
    ax = figures[0].axes[0]
    for k, line in enumerate(ax.lines[:3]):
        fpr, tpr = roc_curve(labels == k, probabilities[:, k])
        np.testing.assert_array_equal(line.get_xdata(), fpr)
        np.testing.assert_array_equal(line.get_ydata(), tpr)
        assert line.get_label() == f"{'abc'[k]} (AUC {roc_auc_binary(labels == k, probabilities[:, k]):.3f})"
    assert ax.lines[3].get_label() == "chance"


def test_contact_sheet_puts_each_class_on_its_row(tmp_path):
    colours = np.array([[200, 30, 30], [30, 200, 30], [30, 30, 200]], np.uint8)
    labels = np.arange(12) % 3
    images = np.broadcast_to(colours[labels][:, None, None, :], (12, 16, 16, 3)).copy()
    path = viz.contact_sheet(images, labels, ("a", "b", "c"), tmp_path / "sheet.png", per_class=4, tile=32)
    pixels = png(path, 110 + 4 * 36, 3 * 36 + 4)
    assert pixels.shape[:2] == (3 * 36 + 4, 110 + 4 * 36)
    for row in range(3):
        for column in range(4):
            y, x = 4 + row * 36 + 16, 110 + column * 36 + 16  # centre of the tile
            np.testing.assert_array_equal(pixels[y, x], colours[row])
