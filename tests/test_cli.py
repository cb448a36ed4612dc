"""Every fastcnn command through click's CliRunner, and the user errors."""
import csv
import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import fastcnn
from fastcnn_cli.main import cli
from tests.helpers import png_pixels


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTCNN_CACHE_DIR", str(tmp_path / "cache"))


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_line_error(result, pattern):
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert re.search(pattern, lines[0]), lines[0]


def write_shapes(folder, blue=0):
    """30 small PNG images of 3 classes that are easy to tell apart, and their labels.csv, in ``folder``;
    ``blue`` is added to every pixel's blue channel (channels of different means)."""
    rng = np.random.default_rng(0)
    (folder / "imgs").mkdir()
    rows = [("file", "label")]
    for i in range(30):
        label = ("dark", "red", "bright")[i % 3]
        pixels = rng.integers(0, 40, (24, 24, 3), dtype=np.uint8)
        pixels[..., 2] += blue
        if label == "red":
            pixels[6:18, 6:18, 0] = 220
        elif label == "bright":
            pixels[4:20, 4:20] = 250
        Image.fromarray(pixels).save(folder / "imgs" / f"{i}.png")
        rows.append((f"imgs/{i}.png", label))
    with open(folder / "labels.csv", "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return folder / "labels.csv"


@pytest.fixture
def shapes_csv(tmp_path):
    """30 small PNG images of 3 classes that are easy to tell apart, plus labels.csv."""
    return write_shapes(tmp_path)


@pytest.fixture
def trained(tmp_path, shapes_csv):
    out = tmp_path / "model.npz"
    result = run("train", "--data", shapes_csv, "--image-size", 32, "--epochs", 3, "--batch-size", 4,
                 "--learning-rate", 0.01, "--out", out)
    assert result.exit_code == 0, result.output
    return out, result


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.output.strip() == f"fastcnn {fastcnn.__version__}"


def test_summary_prints_the_reference_model():
    result = run("summary")
    assert result.exit_code == 0, result.output
    assert "Total params: 7,164" in result.output
    assert "conv2d (Conv2D)" in result.output and "(None, 63, 63, 8)" in result.output


def test_train_on_a_labels_csv(trained, tmp_path):
    out, result = trained
    text = result.output
    assert "Data: " in text and "labels.csv: 30 images 32x32, 3 classes" in text
    assert "class counts: bright 10, dark 10, red 10" in text
    assert "Split: 24 training / 6 validation images (stratified, seed 0)" in text
    assert "Epoch 3/3" in text and "val_categorical_accuracy" in text
    assert re.search(r"Validation: categorical_accuracy \d\.\d{4} - balanced_accuracy \d\.\d{4} - auc \d\.\d{4}", text)
    assert f"Saved the model to {out} and its history to {tmp_path / 'model.history.json'}" in text
    history = json.loads((tmp_path / "model.history.json").read_text())
    assert len(history["val_auc"]) == 3
    model = fastcnn.load_model(out)
    assert model.class_names == ("bright", "dark", "red")
    assert model.training_info.epochs_done == 3 and model.training_info.settings.epochs == 3
    assert history["val_loss"] == model.training_info.history["val_loss"]
    pictures = re.search(r"Pictures: (.*)", text).group(1).split(", ")
    assert pictures == [str(tmp_path / f"model.{p}.png") for p in ("training_curves", "confusion_matrix", "roc")]
    for path in pictures:
        png_pixels(path, 400, 300)


def test_same_seed_same_figures(tmp_path, shapes_csv):
    figures = []
    for name in ("a", "b"):
        result = run("train", "--data", shapes_csv, "--image-size", 32, "--epochs", 2, "--batch-size", 4,
                     "--out", tmp_path / f"{name}.npz", "--quiet")
        assert result.exit_code == 0, result.output
        figures.append(re.findall(r"(?:loss|accuracy|auc): (\d\.\d{4})", result.output))
    assert figures[0] == figures[1] and len(figures[0]) == 16  # 2 epochs x (loss, 3 metrics) x (train, val)
    a, b = fastcnn.load_model(tmp_path / "a.npz"), fastcnn.load_model(tmp_path / "b.npz")
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_train_on_the_builtin_galaxies(tmp_path):
    result = run("train", "--epochs", 1, "--image-size", 32, "--batch-size", 32, "--out", tmp_path / "g.npz")
    assert result.exit_code == 0, result.output
    assert "built-in procedural galaxies: 1400 images 32x32, 4 classes" in result.output
    assert "Normal 350, Ringed 350, Merger 350, Other 350" in result.output
    assert "Split: 1120 training / 280 validation images" in result.output


def test_train_on_an_npz_file(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "galaxydata.npz", data=rng.integers(0, 256, (20, 32, 32, 3), dtype=np.uint8),
             labels=np.eye(4)[np.arange(20) % 4])
    result = run("train", "--data", tmp_path / "galaxydata.npz", "--image-size", 32, "--epochs", 1,
                 "--out", tmp_path / "n.npz")
    assert result.exit_code == 0, result.output
    assert "Normal 5, Ringed 5, Merger 5, Other 5" in result.output
    assert f"Saved the model to {tmp_path / 'n.npz'}" in result.output
    assert fastcnn.load_model(tmp_path / "n.npz").class_names == ("Normal", "Ringed", "Merger", "Other")


def test_evaluate_defaults_to_the_validation_split(trained):
    out, _ = trained
    result = run("evaluate", out)
    assert result.exit_code == 0, result.output
    assert "on the validation split (6 images) of" in result.output
    assert re.search(r"loss \d+\.\d{4} - categorical_accuracy \d\.\d{4} - auc \d\.\d{4}", result.output)
    assert "precision  recall" in result.output and "Confusion matrix" in result.output
    matrix_rows = result.output.split("Confusion matrix")[1].strip().splitlines()[2:]
    assert sum(int(n) for row in matrix_rows for n in row.split()[1:]) == 6


def test_evaluate_on_other_data_as_json(trained, shapes_csv):
    out, _ = trained
    result = run("evaluate", out, "--data", shapes_csv, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["images"] == 30 and np.array(report["confusion_matrix"]).sum() == 30
    assert set(report["per_class"]) == {"bright", "dark", "red"}
    assert 0 <= report["auc"] <= 1 and 0 <= report["categorical_accuracy"] <= 1


def test_predict_images_and_data(trained, shapes_csv):
    out, _ = trained
    images = shapes_csv.parent / "imgs"
    result = run("predict", out, images / "0.png", images / "1.png")
    assert result.exit_code == 0, result.output
    assert result.output.count("Model prediction: [") == 2
    assert "True label" not in result.output
    result = run("predict", out, "--data", shapes_csv, "--limit", 4)
    assert result.exit_code == 0, result.output
    assert len(re.findall(r"True label: (bright|dark|red) \(\d\) / Correct: (True|False)", result.output)) == 4
    assert re.search(r"\d of 4 correct", result.output)
    report = json.loads(run("predict", out, images / "2.png", "--json").output)
    assert report[0]["file"].endswith("2.png") and abs(sum(report[0]["probabilities"].values()) - 1) < 1e-4
    assert report[0]["predicted"] in ("bright", "dark", "red") and report[0]["correct"] is None


def test_summary_of_a_saved_model(trained):
    out, _ = trained
    result = run("summary", out)
    assert result.exit_code == 0, result.output
    assert "Classes: bright, dark, red" in result.output and "Trained: 3 epochs" in result.output


def test_data_synth_writes_pngs_and_labels(tmp_path):
    result = run("data", "synth", "--out", tmp_path / "synth", "--image-size", 32, "--preview")
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "synth" / "preview.png").size == (110 + 8 * 132, 4 * 132 + 4)
    rows = list(csv.DictReader(open(tmp_path / "synth" / "labels.csv")))
    assert len(rows) == 1400 and rows[0]["file"].startswith("images/")
    assert {r["label"] for r in rows} == {"Normal", "Ringed", "Merger", "Other"}
    assert Image.open(tmp_path / "synth" / rows[0]["file"]).size == (32, 32)


def test_evaluate_plots(trained, tmp_path):
    out, _ = trained
    result = run("evaluate", out, "--plots")
    assert result.exit_code == 0, result.output
    for picture in ("evaluate.confusion_matrix", "evaluate.roc"):
        path = tmp_path / f"model.{picture}.png"
        assert str(path) in result.output  # the command says where it wrote them
        png_pixels(path, 300, 300)


@pytest.mark.slow
def test_visualize_draws_every_layer(trained, shapes_csv, tmp_path):
    out, _ = trained
    result = run("visualize", out, "--data", shapes_csv, "--limit", 3, "--out", tmp_path / "viz")
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "viz").iterdir())
    assert "filters_conv2d.png" in written
    assert len(written) == 1 + 3 * 6  # filters + per galaxy: prediction, 4 layers, dense
    stems = {name.split("_")[0] for name in written if name != "filters_conv2d.png"}
    assert stems == {"0", "1", "2"}  # one galaxy of each class first (rows 0, 1, 2 differ in class)
    for name in written:
        png_pixels(tmp_path / "viz" / name, 300, 100)
    result = run("visualize", out, shapes_csv.parent / "imgs" / "5.png", "--out", tmp_path / "one")
    assert result.exit_code == 0, result.output
    png_pixels(tmp_path / "one" / "5_prediction.png", 300, 400)


def test_gradcheck_reports_every_layer():
    result = run("gradcheck", "--input-size", 24, "--entries", 5)
    assert result.exit_code == 0, result.output
    assert "conv2d (Conv2D)" in result.output and "dense_1/kernel" in result.output
    assert re.search(r"worst relative error \d\.\d\de-\d\d: ok", result.output)


def test_gradcheck_of_a_saved_model(trained):
    out, _ = trained
    result = run("gradcheck", out, "--input-size", 32, "--entries", 5)
    assert result.exit_code == 0, result.output
    assert "whole model, loss" in result.output and "dense_1/kernel" in result.output
    assert re.search(r"worst relative error \d\.\d\de-\d\d: ok", result.output)


def test_data_synth_to_npz_then_train_on_it(tmp_path):
    result = run("data", "synth", "--out", tmp_path / "g.npz", "--n", 40, "--seed", 2, "--image-size", 32)
    assert result.exit_code == 0, result.output
    assert "Wrote 40 galaxies to" in result.output
    result = run("train", "--data", tmp_path / "g.npz", "--image-size", 32, "--epochs", 1, "--out", tmp_path / "m.npz")
    assert result.exit_code == 0, result.output
    assert "g.npz: 40 images 32x32, 4 classes" in result.output


def test_user_errors_are_one_line_with_status_2(tmp_path, shapes_csv, trained):
    out, _ = trained
    one_line_error(run("train", "--data", tmp_path / "missing.csv"), r"data not found: .*missing.csv")
    one_line_error(run("evaluate", tmp_path / "nothing.npz"), r"model file not found")
    not_a_model = shapes_csv.parent / "imgs" / "0.png"
    one_line_error(run("evaluate", not_a_model), r"0.png: not a fastcnn model file")
    one_line_error(run("summary", shapes_csv), r"labels.csv: not a fastcnn model file")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG but not really")
    one_line_error(run("predict", out, broken), r"not an image Pillow can read: .*broken.png")
    shutil.copy(shapes_csv.parent / "imgs" / "0.png", shapes_csv.parent / "imgs" / "99.png")
    with open(shapes_csv, "a") as f:
        f.write("imgs/99.png,spiral\n")
    one_line_error(run("evaluate", out, "--data", shapes_csv), r"unknown label\(s\) 'spiral'")
    np.savez(tmp_path / "big.npz", data=np.zeros((4, 64, 64, 3), np.uint8), labels=np.eye(4)[:, :3][[0, 1, 2, 0]])
    one_line_error(run("evaluate", out, "--data", tmp_path / "big.npz"),
                   r"images are 64x64 but the model takes 32x32")
    one_line_error(run("train", "--out", tmp_path / "no" / "such" / "dir" / "m.npz"),
                   r"the folder for --out does not exist")
    one_line_error(run("predict", out), r"give one or more image files, or --data PATH")
    one_line_error(run("train", "--crop", 0.5), r"--crop applies to image files")


def test_warmup_reports_its_time():
    result = run("warmup", "--verbose")
    assert result.exit_code == 0, result.output
    assert "conv2d_forward[float32]" in result.output
    assert re.search(r"\d+ kernel variants (compiled|loaded from the on-disk cache) in \d+\.\d\d s", result.output)


@pytest.mark.parametrize("args,message", [
    (("train", "--epochs", 0), "Error: Invalid value for '--epochs': 0 is not in the range x>=1."),
    (("train", "--val-split", 1.5), "Error: Invalid value for '--val-split': 1.5 is not in the range 0<=x<1."),
    (("frobnicate",), "Error: No such command 'frobnicate'."),
])
def test_bad_option_values_exit_2_with_the_reason(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == message


@pytest.mark.skipif(shutil.which("fastcnn") is None, reason="the fastcnn console script is not installed")
def test_installed_console_script():
    result = subprocess.run(["fastcnn", "summary"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "Total params: 7,164" in result.stdout


def test_cli_reference_is_up_to_date():
    from pathlib import Path

    from fastcnn_cli.reference import commands, reference

    written = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text()
    assert written == reference(), "regenerate: python -m fastcnn_cli.reference > docs/cli.md"
    for words, command in commands():
        assert f"## `fastcnn {' '.join(words)}`" in written
        for parameter in command.params:
            for option in getattr(parameter, "opts", []):
                if option.startswith("-"):
                    assert option in written, (words, option)
