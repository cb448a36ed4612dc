"""Hostile and broken inputs, interrupted training, divergence, determinism.

Every case is generated here (nothing committed) and checked for its exit
status and its one-line message."""
import csv
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import fastcnn
from fastcnn.errors import DataError, ModelFileError
from fastcnn_cli.main import cli
from tests.helpers import rewrite_model_file

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTCNN_CACHE_DIR", str(tmp_path / "cache"))


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_line(result, status, pattern):
    assert result.exit_code == status, result.output
    lines = [line for line in result.output.strip().splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.output
    assert pytest.importorskip("re").search(pattern, lines[0]), lines[0]


# ---- interrupted training ------------------------------------------------------------

def start_training(tmp_path, name, epochs=60):
    env = dict(os.environ, FASTCNN_CACHE_DIR=str(tmp_path / "cache"))
    command = [sys.executable, "-m", "fastcnn_cli.main", "train", "--epochs", str(epochs), "--image-size", "32",
               "--quiet", "--no-plots", "--out", str(tmp_path / f"{name}.npz")]
    return subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_for(path, process, timeout=300):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.parametrize("signum,status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_cleanly_and_resuming_is_bit_identical(tmp_path, signum, status):
    process = start_training(tmp_path, "interrupted")
    checkpoint = tmp_path / "interrupted.checkpoints" / "checkpoint.npz"
    wait_for(checkpoint, process)
    process.send_signal(signum)
    out, err = process.communicate(timeout=300)
    assert process.returncode == status, out + err
    assert "checkpoint after epoch" in err and "is intact in" in err
    assert f"Resume with: fastcnn train --resume {tmp_path / 'interrupted.checkpoints'}" in err
    saved = fastcnn.load_model(checkpoint)
    done = saved.training_info.epochs_done
    assert 1 <= done < 60 and len(saved.training_info.history["loss"]) == done
    assert not (tmp_path / "interrupted.npz").exists()  # the final model only comes at the end

    os.chdir(tmp_path)
    resumed = run("train", "--resume", tmp_path / "interrupted.checkpoints", "--quiet", "--no-plots")
    assert resumed.exit_code == 0, resumed.output
    assert f"Resuming from {checkpoint}: {done} of 60 epochs done" in resumed.output
    straight = run("train", "--epochs", 60, "--image-size", 32, "--quiet", "--no-plots",
                   "--out", tmp_path / "straight.npz", "--no-checkpoints")
    assert straight.exit_code == 0, straight.output
    a, b = fastcnn.load_model(tmp_path / "interrupted.npz"), fastcnn.load_model(tmp_path / "straight.npz")
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(x, y)
    assert a.optimizer.iterations == b.optimizer.iterations
    assert a.training_info.history == b.training_info.history


def test_resume_without_a_checkpoint(tmp_path):
    one_line(run("train", "--resume", tmp_path), 2, "no checkpoint to resume in")


def test_divergence_stops_at_once_and_names_epoch_and_batch(tmp_path):
    result = run("train", "--epochs", 3, "--image-size", 32, "--learning-rate", 1e30, "--no-plots",
                 "--out", tmp_path / "m.npz")
    one_line(result, 2, r"training diverged at epoch 1, batch \d+: .*(NaN|nan|inf).*no epoch was complete")
    assert not (tmp_path / "m.npz").exists()


# ---- model files that fight back ---------------------------------------------------------

@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "m.npz"
    model = fastcnn.galaxy_classifier(input_shape=(32, 32, 3))
    model.compile(fastcnn.Adam())
    model.class_names = ("a", "b", "c", "d")
    rng = np.random.default_rng(0)
    model.fit(rng.integers(0, 256, (10, 32, 32, 3), dtype=np.uint8), np.eye(4)[rng.integers(0, 4, 10)],
              epochs=1, batch_size=5, verbose=0)
    fastcnn.save_model(model, path)
    return path


def rewrite(source, target, config_edit=None, arrays_edit=None):
    rewrite_model_file(source, target, edit_config=config_edit, edit_arrays=arrays_edit)


def absurd_filters(config):
    config["model"]["layers"][0]["config"]["filters"] = 10**12


def fake_huge_member(path):
    """A member whose .npy header claims 10^12 floats (but holds none)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile: a second 'weight_1.npy' (the one read)
        with zipfile.ZipFile(path, "a") as archive:
            with archive.open("weight_1.npy", "w") as member:
                np.lib.format.write_array_header_1_0(member, {"descr": "<f4", "fortran_order": False,
                                                              "shape": (10**12,)})


HOSTILE_MODELS = {
    "zero bytes": (lambda src, dst: dst.write_bytes(b""), r"not a fastcnn model file"),
    "random bytes": (lambda src, dst: dst.write_bytes(os.urandom(3000)), r"not a fastcnn model file"),
    "truncated": (lambda src, dst: dst.write_bytes(src.read_bytes()[:1500]), r"not a (valid )?fastcnn model file|unreadable"),
    "plain zip": (lambda src, dst: zipfile.ZipFile(dst, "w").writestr("a.txt", "hi"), r"no 'config' entry"),
    "pickle payload": (lambda src, dst: rewrite(src, dst, arrays_edit=lambda a: a.update(weight_0=np.array([print], dtype=object))),
                       r"(Python objects|never unpickles|is object)"),
    "wrong weight shape": (lambda src, dst: rewrite(src, dst, arrays_edit=lambda a: a.update(weight_0=np.zeros((3, 3, 3, 9), np.float32))),
                           r"weight conv2d/kernel is float32\[3, 3, 3, 9\], expected float32\[3, 3, 3, 8\]"),
    "wrong weight dtype": (lambda src, dst: rewrite(src, dst, arrays_edit=lambda a: a.update(weight_1=np.zeros(8, np.int64))),
                           r"weight conv2d/bias is int64"),
    "newer format": (lambda src, dst: rewrite(src, dst, config_edit=lambda c: c.update(format_version=7)),
                     r"newer fastcnn .*upgrade"),
    "unknown layer": (lambda src, dst: rewrite(src, dst, config_edit=lambda c: c["model"]["layers"].insert(0, {"class_name": "Lambda", "config": {"function": "os.system"}})),
                      r"unknown layer type 'Lambda'"),
    "absurd size": (lambda src, dst: rewrite(src, dst, config_edit=absurd_filters), r"over fastcnn's limit|parameters"),
    "huge array header": (lambda src, dst: (dst.write_bytes(src.read_bytes()), fake_huge_member(dst)),
                          r"weight conv2d/bias is float32\[1000000000000\], expected float32\[8\]"),
    "config not json": (lambda src, dst: rewrite(src, dst, arrays_edit=None) or _break_config(dst), r"not valid JSON"),
}


def _break_config(path):
    with np.load(path) as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays["config"] = np.frombuffer(b"{not json", np.uint8)
    np.savez(path, **arrays)


@pytest.mark.parametrize("case", HOSTILE_MODELS)
def test_hostile_model_files_get_one_line_and_status_2(tmp_path, model_file, case):
    make, pattern = HOSTILE_MODELS[case]
    bad = tmp_path / "bad.npz"
    make(model_file, bad)
    with pytest.raises(ModelFileError, match=pattern):
        fastcnn.load_model(bad)
    for command in (("evaluate", bad), ("summary", bad), ("predict", bad, "--data", tmp_path)):
        one_line(run(*command), 2, pattern)


def test_fuzzed_model_files_only_raise_fastcnn_errors(tmp_path, model_file):
    data = bytearray(model_file.read_bytes())
    rng = np.random.default_rng(0)
    deadline = time.monotonic() + 20
    tried = 0
    while time.monotonic() < deadline and tried < 300:
        mutated = bytearray(data)
        for _ in range(int(rng.integers(1, 8))):
            position = int(rng.integers(0, len(mutated)))
            mutated[position] = int(rng.integers(0, 256))
        if rng.random() < 0.2:
            mutated = mutated[: int(rng.integers(0, len(mutated)))]
        path = tmp_path / "fuzz.npz"
        path.write_bytes(bytes(mutated))
        try:
            fastcnn.load_model(path)
        except ModelFileError as error:
            assert "\n" not in str(error)
        tried += 1
    assert tried >= 50


layer_strategy = st.sampled_from([
    lambda: fastcnn.Conv2D(2, 3, activation="relu"), lambda: fastcnn.Conv2D(3, (2, 1), strides=2, padding="same"),
    lambda: fastcnn.MaxPool2D(2), lambda: fastcnn.MaxPool2D(3, strides=1, padding="same"), lambda: fastcnn.ReLU(),
])


@settings(max_examples=25)
@given(st.lists(layer_strategy, min_size=0, max_size=4), st.integers(1, 6), st.sampled_from(["relu", None]),
       st.integers(0, 1000))
def test_any_valid_model_round_trips_exactly(tmp_path_factory, convs, units, activation, seed):
    layers = [make() for make in convs] + [fastcnn.Flatten(), fastcnn.Dense(units, activation=activation),
                                          fastcnn.Dense(3, activation="softmax")]
    try:
        model = fastcnn.Sequential(layers, input_shape=(12, 12, 2), seed=seed)
    except ValueError:  # a pool larger than what is left of the image: not a valid model
        return
    model.compile(fastcnn.SGD(0.1, momentum=0.5) if seed % 2 else fastcnn.Adam(0.01))
    path = tmp_path_factory.mktemp("roundtrip") / "m.npz"
    fastcnn.save_model(model, path)
    loaded = fastcnn.load_model(path)
    assert loaded.get_config() == model.get_config()
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


# ---- images and labels that fight back ----------------------------------------------------

def image_set(tmp_path, extra):
    """9 good PNGs of 3 classes plus ``extra`` {name: writer(path)} labelled 'a'."""
    (tmp_path / "img").mkdir()
    rows = [("file", "label")]
    rng = np.random.default_rng(0)
    for i in range(9):
        Image.fromarray(rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)).save(tmp_path / "img" / f"{i}.png")
        rows.append((f"img/{i}.png", "abc"[i % 3]))
    for name, write in extra.items():
        write(tmp_path / "img" / name)
        rows.append((f"img/{name}", "a"))
    with open(tmp_path / "labels.csv", "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return tmp_path / "labels.csv"


def png_bytes(mode, array):
    def write(path):
        Image.fromarray(array, mode=mode).save(path)
    return write


def truncated(suffix):
    def write(path):
        Image.fromarray(np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(
            path.with_suffix(".tmp" + suffix), format="JPEG" if suffix == ".jpg" else "PNG")
        data = path.with_suffix(".tmp" + suffix).read_bytes()
        path.write_bytes(data[: len(data) // 2])
    return write


CONVERTED = {
    "gray.png": lambda p: Image.fromarray(np.full((9, 7), 128, np.uint8)).save(p),
    "deep.png": lambda p: Image.fromarray(np.full((9, 9), 40000, np.uint16)).save(p),
    "palette.png": lambda p: Image.fromarray(np.zeros((8, 8, 3), np.uint8)).convert("P").save(p),
    "cmyk.jpg": lambda p: Image.fromarray(np.zeros((8, 8, 3), np.uint8)).convert("CMYK").save(p),
    "rgba.png": lambda p: Image.fromarray(np.zeros((8, 8, 4), np.uint8), mode="RGBA").save(p),
    "one_pixel.png": lambda p: Image.fromarray(np.zeros((1, 1, 3), np.uint8)).save(p),
}

BROKEN = {
    "truncated.jpg": (truncated(".jpg"), r"truncated.jpg"),
    "truncated.png": (truncated(".png"), r"truncated.png"),
    "empty.png": (lambda p: p.write_bytes(b""), r"not an image Pillow can read: .*empty.png"),
    "text.png": (lambda p: p.write_text("hello"), r"not an image Pillow can read: .*text.png"),
}


def test_odd_but_valid_images_are_converted(tmp_path):
    csv_path = image_set(tmp_path, CONVERTED)
    dataset = fastcnn.data.load_dataset(csv_path, image_size=(16, 16))
    assert len(dataset) == 9 + len(CONVERTED)
    deep = dataset.images[[i for i, f in enumerate(dataset.files) if f.endswith("deep.png")][0]]
    assert deep.min() == deep.max() == round(40000 / 257)  # 16-bit scaled, not clipped


@pytest.mark.parametrize("name", BROKEN)
def test_broken_images_are_errors_or_skipped_with_a_warning(tmp_path, name):
    write, pattern = BROKEN[name]
    csv_path = image_set(tmp_path, {name: write})
    one_line(run("train", "--data", csv_path, "--image-size", 32, "--epochs", 1, "--out", tmp_path / "m.npz"),
             2, pattern)
    result = run("train", "--data", csv_path, "--image-size", 32, "--epochs", 1, "--no-plots",
                 "--on-bad-image", "skip", "--out", tmp_path / "m.npz")
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and name in result.output
    assert "skipped 1 of 10 images" in result.output
    assert "9 images 32x32" in result.output


def test_decompression_bombs_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    path = tmp_path / "bomb.png"
    Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(path)  # 1,600 pixels > the limit
    with pytest.raises(DataError, match=r"bomb.png: refused, too many pixels"):
        fastcnn.data.decode_image(path, (8, 8))


LABEL_PROBLEMS = {
    "missing column": ("file,class\nimg/0.png,a\n", r"no column 'label'"),
    "empty file": ("", r"no column 'file' \(columns: none\)"),
    "header only": ("file,label\n", r"no rows below the header"),
    "duplicate rows": ("file,label\nimg/0.png,a\nimg/0.png,a\n", r"listed twice"),
    "escaping path": ("file,label\n../../etc/passwd,a\nimg/0.png,b\n", r"'../../etc/passwd' leaves the data folder"),
    "absolute path": ("file,label\n/etc/passwd,a\nimg/0.png,b\n", r"absolute image path '/etc/passwd'"),
}


@pytest.mark.parametrize("case", LABEL_PROBLEMS)
def test_label_files_that_fight_back(tmp_path, case):
    content, pattern = LABEL_PROBLEMS[case]
    image_set(tmp_path, {})
    (tmp_path / "bad.csv").write_text(content)
    one_line(run("train", "--data", tmp_path / "bad.csv", "--image-size", 24, "--out", tmp_path / "m.npz"), 2,
             pattern)


def test_labels_outside_the_models_classes(tmp_path, model_file):
    csv_path = image_set(tmp_path, {})
    (tmp_path / "img" / "99.png").write_bytes((tmp_path / "img" / "0.png").read_bytes())
    with open(csv_path, "a") as f:
        f.write("img/99.png,zebra\n")
    one_line(run("evaluate", model_file, "--data", csv_path), 2, r"unknown label\(s\) 'zebra'.*the classes are a, b, c, d")


@pytest.mark.parametrize("data,pattern", [
    (np.full((4, 24, 24, 3), np.nan), r"NaN or infinite"),
    (np.full((4, 24, 24, 3), 1.5), r"pixel values must be uint8, floats in \[0, 1\] or whole numbers"),
    (np.full((4, 24, 24, 3), -3.0), r"pixel values must be"),
])
def test_bad_pixel_arrays(tmp_path, data, pattern):
    np.savez(tmp_path / "bad.npz", data=data, labels=np.eye(4))
    one_line(run("train", "--data", tmp_path / "bad.npz", "--image-size", 24, "--out", tmp_path / "m.npz"), 2,
             pattern)
