"""Architectures from a file and Keras models through the CLI: train --model, summary --model, convert."""
import json
from pathlib import Path

import numpy as np
import pytest

import fastcnn
from tests.test_cli import one_line_error, private_cache, run, shapes_csv  # noqa: F401  (fixtures)

FIXTURES = Path(__file__).parent / "data" / "keras"

ARCHITECTURE = [
    {"class_name": "Conv2D", "config": {"filters": 6, "kernel_size": 3, "activation": "relu"}},
    {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2]}},
    {"class_name": "Conv2D", "config": {"name": "second", "filters": 4, "kernel_size": [3, 3], "strides": 2}},
    {"class_name": "Flatten", "config": {}},
    {"class_name": "Dense", "config": {"units": 3, "activation": "softmax"}},
]


@pytest.fixture
def architecture(tmp_path):
    path = tmp_path / "arch.json"
    path.write_text(json.dumps(ARCHITECTURE))
    return path


def test_summary_of_an_architecture_file(architecture):
    result = run("summary", "--model", architecture, "--input-size", 24)
    assert result.exit_code == 0, result.output
    assert "conv2d (Conv2D)                (None, 22, 22, 6)                168" in result.output
    assert "second (Conv2D)                (None, 5, 5, 4)                  220" in result.output
    assert "dense (Dense)                  (None, 3)                        303" in result.output
    assert "Total params: 691" in result.output


def test_train_an_architecture_file_end_to_end(tmp_path, shapes_csv, architecture):
    out = tmp_path / "arch_model.npz"
    result = run("train", "--data", shapes_csv, "--model", architecture, "--image-size", 24, "--epochs", 2,
                 "--batch-size", 4, "--learning-rate", 0.01, "--out", out, "--no-plots", "-q")
    assert result.exit_code == 0, result.output
    assert "Model: sequential, 691 parameters" in result.output
    model = fastcnn.load_model(out)
    assert [layer.name for layer in model.layers] == ["conv2d", "max_pooling2d", "second", "flatten", "dense"]
    assert model.training_info.settings.model == str(architecture.resolve())
    assert len(model.training_info.history["loss"]) == 2


def test_summary_json_is_an_architecture_file_that_trains(tmp_path, shapes_csv):
    written = run("summary", "--json")
    assert written.exit_code == 0, written.output
    layers = json.loads(written.output)
    assert [d["class_name"] for d in layers] == ["Conv2D", "MaxPool2D", "Conv2D", "MaxPool2D", "Flatten",
                                                  "Dense", "Dense"]
    layers[-1]["config"]["units"] = 3  # the shapes data has three classes
    (tmp_path / "copy.json").write_text(json.dumps(layers))
    result = run("train", "--data", shapes_csv, "--model", tmp_path / "copy.json", "--image-size", 32,
                 "--epochs", 1, "--out", tmp_path / "c.npz", "--no-plots", "-q")
    assert result.exit_code == 0, result.output
    assert fastcnn.load_model(tmp_path / "c.npz").count_params() == 224 + 584 + (8 * 16 + 16) + (16 * 3 + 3)


@pytest.mark.parametrize("layers, message", [
    ([{"class_name": "Lambda", "config": {"function": "x"}}], r"layer 0 \(Lambda\): layer type 'Lambda' is not "),
    ([{"class_name": "Conv2D", "config": {"filters": 4, "kernel_size": 3, "colour": "red"}}],
     r"layer 0 \(Conv2D\): unknown argument 'colour'"),
    ([{"class_name": "Conv2D", "config": {"name": "big", "filters": 4, "kernel_size": 40}}],
     r"Conv2D 'big': kernel 40x40 is larger than the 24x24 input"),
    ([{"class_name": "Flatten"}, {"class_name": "Dense", "config": {"units": 5, "activation": "softmax"}}],
     r"output has shape \(5,\), but the data has 3 classes"),
    ({"layers": "nope"}, "the model config has no list of layers"),
])
def test_bad_architecture_files_are_one_line_errors(tmp_path, shapes_csv, layers, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(layers))
    result = run("train", "--data", shapes_csv, "--model", path, "--image-size", 24, "--epochs", 1,
                 "--out", tmp_path / "x.npz", "--no-plots", "-q")
    assert result.exit_code == 2, result.output
    error = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(error) == 1 and __import__("re").search(message, error[0]), result.output


def test_convert_then_evaluate_a_keras_model(tmp_path):
    out = tmp_path / "reference.npz"
    result = run("convert", FIXTURES / "reference.keras", "-o", out)
    assert result.exit_code == 0, result.output
    assert "7 layers, 7,164 parameters, input (128, 128, 3), classes Normal, Ringed, Merger, Other" in result.output
    model = fastcnn.load_model(out)
    io = np.load(FIXTURES / "reference_io.npz")
    np.testing.assert_allclose(model.predict(io["x"]), io["predictions"], rtol=0, atol=1e-5)
    summary = run("summary", out)
    assert "Classes: Normal, Ringed, Merger, Other" in summary.output


def test_convert_refuses_a_hostile_file_in_one_line(tmp_path):
    from tests.keras_files import keras3_config, weights_by_layer, write_keras3

    model = fastcnn.galaxy_classifier(input_shape=(32, 32, 3))
    config = keras3_config(model)
    config["config"]["layers"].insert(1, {"class_name": "Lambda", "config": {"name": "shell", "function": "rm"}})
    write_keras3(tmp_path / "evil.keras", config, weights_by_layer(model))
    one_line_error(run("convert", tmp_path / "evil.keras"), r"Lambda 'shell': layer type 'Lambda' is not supported")
    assert not (tmp_path / "evil.npz").exists()
    one_line_error(run("convert", FIXTURES / "pooling.keras"), r"the model has 3 outputs; name them with --class-names")


def test_fine_tune_an_imported_keras_model(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "galaxydata.npz", data=rng.integers(0, 256, (20, 128, 128, 3), dtype=np.uint8),
             labels=np.eye(4)[np.arange(20) % 4])
    out = tmp_path / "tuned.npz"
    result = run("train", "--data", tmp_path / "galaxydata.npz", "--model", FIXTURES / "reference.keras",
                 "--epochs", 1, "--out", out, "--no-plots", "-q")
    assert result.exit_code == 0, result.output
    before = fastcnn.from_keras(FIXTURES / "reference.keras").get_weights()
    after = fastcnn.load_model(out).get_weights()
    assert all(a.shape == b.shape for a, b in zip(before, after))
    assert any(not np.array_equal(a, b) for a, b in zip(before, after))  # trained from Keras's weights...
    assert max(float(np.abs(a - b).max()) for a, b in zip(before, after)) < 0.05  # ...for one small epoch


NOISY = [
    {"class_name": "Conv2D", "config": {"filters": 6, "kernel_size": 3}},
    {"class_name": "BatchNormalization", "config": {}},
    {"class_name": "Activation", "config": {"activation": "relu"}},
    {"class_name": "MaxPooling2D", "config": {}},
    {"class_name": "Flatten", "config": {}},
    {"class_name": "Dropout", "config": {"rate": 0.5}},
    {"class_name": "Dense", "config": {"units": 3, "activation": "softmax"}},
]


def test_an_architecture_with_dropout_resumes_bit_identically(tmp_path, shapes_csv, monkeypatch):
    """Dropout's masks come from a generator saved in each checkpoint; BatchNormalization's moving
    statistics are saved too, so an interrupted run ends exactly where a straight one does."""
    import os
    import signal

    from fastcnn_cli import callbacks as cli_callbacks

    path = tmp_path / "noisy.json"
    path.write_text(json.dumps(NOISY))

    def train(name):
        return run("train", "--data", shapes_csv, "--model", path, "--image-size", 24, "--epochs", 3,
                   "--batch-size", 4, "--learning-rate", 0.01, "--out", tmp_path / f"{name}.npz", "--no-plots", "-q")

    assert train("straight").exit_code == 0
    original = cli_callbacks.Checkpointer.on_epoch_end

    def on_epoch_end(self, epoch, logs=None):
        original(self, epoch, logs)
        if epoch == 0:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(cli_callbacks.Checkpointer, "on_epoch_end", on_epoch_end)
    assert train("resumed").exit_code == 130
    monkeypatch.setattr(cli_callbacks.Checkpointer, "on_epoch_end", original)
    resumed = run("train", "--resume", tmp_path / "resumed.checkpoints", "--quiet", "--no-plots")
    assert resumed.exit_code == 0, resumed.output
    straight, again = fastcnn.load_model(tmp_path / "straight.npz"), fastcnn.load_model(tmp_path / "resumed.npz")
    assert len(straight.get_weights()) == 2 + 4 + 2  # conv, batch norm (gamma, beta, moving mean, variance), dense
    for a, b in zip(straight.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_every_new_layer_through_summary_gradcheck_and_visualize(tmp_path):
    """The Keras model with every layer type fastcnn imports: its table, its gradients, its pictures."""
    from PIL import Image

    from tests.helpers import png_pixels

    model_path = tmp_path / "every.npz"
    assert run("convert", FIXTURES / "every_layer.keras", "-o", model_path).exit_code == 0
    summary = run("summary", model_path)
    for row in ("batch_normalization (BatchNormalization)           (None, 32, 32, 8)                 32",
                "average_pooling2d (AveragePooling2D)               (None, 16, 16, 8)                  0",
                "global_average_pooling2d (GlobalAveragePooling2D)  (None, 8)                          0",
                "Trainable params: 994", "Non-trainable params: 32"):
        assert row in summary.output, summary.output
    checked = run("gradcheck", model_path, "--input-size", 16, "--entries", 8)
    assert checked.exit_code == 0 and "worst relative error" in checked.output and "WRONG" not in checked.output
    assert "dropout (Dropout)" in checked.output and "batch_normalization_1/gamma" in checked.output
    Image.fromarray(np.full((32, 32, 3), 120, np.uint8)).save(tmp_path / "galaxy.png")
    drawn = run("visualize", model_path, tmp_path / "galaxy.png", "--out", tmp_path / "pictures")
    assert drawn.exit_code == 0, drawn.output
    spatial = ["conv2d_2", "batch_normalization", "leaky_re_lu", "average_pooling2d", "conv2d_3",
               "max_pooling2d_2", "activation", "elu", "dropout"]
    for index, name in enumerate(spatial, start=1):
        picture = tmp_path / "pictures" / f"galaxy_{index}_{name}.png"
        assert picture.is_file(), drawn.output
        assert png_pixels(picture).std() > 0  # not blank
    assert not (tmp_path / "pictures" / "galaxy_10_global_average_pooling2d.png").exists()  # (N, 8): no maps


def test_keras_files_across_commands_say_what_to_do(tmp_path, shapes_csv):
    Image = pytest.importorskip("PIL.Image")
    Image.fromarray(np.zeros((20, 18, 3), np.uint8)).save(tmp_path / "x.png")
    one_line_error(run("predict", FIXTURES / "pooling.keras", tmp_path / "x.png"),
                   r"a Keras model with 3 outputs; name its classes once with: fastcnn convert .* --class-names")
    checked = run("gradcheck", FIXTURES / "pooling.keras", "--input-size", 12, "--entries", 5)
    assert checked.exit_code == 0 and "global_max_pooling2d (GlobalMaxPooling2D)" in checked.output, checked.output
    flat = fastcnn.Sequential([fastcnn.Dense(3, activation="softmax")], input_shape=(6,))
    fastcnn.save_model(flat, tmp_path / "flat.npz")
    one_line_error(run("train", "--data", shapes_csv, "--model", tmp_path / "flat.npz", "--out", tmp_path / "o.npz"),
                   r"--model takes input \(6,\); fastcnn train feeds it square RGB images")
    one_line_error(run("train", "--resume", tmp_path, "--model", tmp_path / "flat.npz"),
                   "no checkpoint to resume in")
    summary = run("summary", "--model", FIXTURES / "every_layer.h5")
    assert summary.exit_code == 0 and "Non-trainable params: 32" in summary.output
