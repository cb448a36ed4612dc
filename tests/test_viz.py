"""Pictures: the arrays behind them are the layers' real outputs, and every
picture is a PNG of a sensible size."""
import numpy as np
import pytest
from PIL import Image

import fastcnn
from fastcnn import viz
from fastcnn.metrics import roc_auc_binary


@pytest.fixture(scope="module")
def model():
    model = fastcnn.galaxy_classifier(input_shape=(64, 64, 3), seed=1)
    model.class_names = ("Normal", "Ringed", "Merger", "Other")
    return model


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)


def png_size(path):
    with Image.open(path) as picture:
        assert picture.format == "PNG"
        return picture.size


def test_feature_maps_are_the_layers_outputs(model, image):
    maps = viz.feature_maps(model, image)
    assert [layer.name for layer, _ in maps] == [layer.name for layer in model.layers]
    out = image[None]
    for layer, output in maps:
        out = layer.forward(out, training=False)
        np.testing.assert_array_equal(output, out)
    assert maps[0][1].shape == (1, 31, 31, 8)
    np.testing.assert_array_equal(maps[-1][1], model.predict(image[None]))


def test_galaxy_pictures(tmp_path, model, image):
    paths = viz.visualize_galaxy(model, image, tmp_path / "g", true_label=2)
    names = [p.name for p in paths]
    assert names == ["g_prediction.png", "g_1_conv2d.png", "g_2_max_pooling2d.png", "g_3_conv2d_1.png",
                     "g_4_max_pooling2d_1.png", "g_dense.png"]
    width, height = png_size(paths[0])
    assert 300 < width < 1000 and 400 < height < 1200
    for path in paths[1:5]:
        width, height = png_size(path)
        assert width > 500 and height > 300  # 8 tiles in 2 rows of 4
    assert png_size(viz.plot_filters(model.layers[0].params["kernel"], tmp_path / "f.png"))[0] > 600


def test_training_and_evaluation_plots(tmp_path):
    history = {"loss": [1.2, 0.8, 0.6], "categorical_accuracy": [0.4, 0.6, 0.7], "auc": [0.6, 0.8, 0.9],
               "val_loss": [1.1, 0.9, 0.8], "val_categorical_accuracy": [0.5, 0.6, 0.6], "val_auc": [0.7, 0.8, 0.85]}
    width, height = png_size(viz.plot_training_curves(history, tmp_path / "curves.png"))
    assert width > 2 * height  # three panels side by side
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 60)
    probabilities = rng.dirichlet(np.ones(3), 60)
    png_size(viz.plot_confusion_matrix(labels, probabilities.argmax(1), ("a", "b", "c"), tmp_path / "cm.png"))
    png_size(viz.plot_roc(np.eye(3)[labels], probabilities, ("a", "b", "c"), tmp_path / "roc.png"))


def test_roc_curve_area_is_the_exact_auc():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 200)
    scores = np.round(rng.random(200) + labels * 0.3, 1)  # coarse scores: many ties
    fpr, tpr = viz.roc_curve(labels, scores)
    assert fpr[0] == 0 and tpr[0] == 0 and fpr[-1] == 1 and tpr[-1] == 1
    area = np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2)
    assert area == pytest.approx(roc_auc_binary(labels, scores), abs=1e-12)


def test_contact_sheet_layout(tmp_path):
    images = np.zeros((12, 16, 16, 3), np.uint8)
    labels = np.arange(12) % 3
    path = viz.contact_sheet(images, labels, ("a", "b", "c"), tmp_path / "sheet.png", per_class=4, tile=32)
    width, height = png_size(path)
    assert width == 110 + 4 * 36 and height == 3 * 36 + 4
