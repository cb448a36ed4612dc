"""The reference architecture really learns: a small shapes task, end to end."""

import fastcnn
from tests.shapes import make_shapes


def test_reference_architecture_learns_four_shapes():
    x_train, y_train = make_shapes(800, size=64, seed=0)
    x_test, y_test = make_shapes(200, size=64, seed=1)
    model = fastcnn.galaxy_classifier(input_shape=(64, 64, 3), num_classes=4, seed=0)
    model.compile(fastcnn.Adam(3e-3), "categorical_crossentropy", ["categorical_accuracy", "auc"])
    history = model.fit(x_train, y_train, epochs=15, batch_size=16, seed=0, verbose=0)
    assert history["loss"][-1] < history["loss"][0]
    result = model.evaluate(x_test, y_test)
    # chance is 0.25 (AUC 0.5); over seeds 0-3 this setting reaches 0.885-0.93
    # test accuracy and AUC >= 0.984, so these bounds leave a margin
    assert result["categorical_accuracy"] > 0.85, result
    assert result["auc"] > 0.95, result
