"""Hardening II: never lose the user's data or a finished run (issue 17), each case reproduced first."""
import inspect
import os
import re

import pytest
from click.testing import CliRunner

import fastcnn
from fastcnn.errors import DataError, ModelFileError
from fastcnn_cli.main import cli
from fastcnn_cli.locks import OutputLock, remove_stale_temporaries
from tests.helpers import rewrite_model_file

TRAIN = ["--image-size", "32", "--epochs", "1", "--no-plots"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTCNN_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture()
def data(tmp_path):
    path = tmp_path / "galaxydata.npz"
    result = CliRunner().invoke(cli, ["data", "synth", "--out", str(path), "--n", "30", "--image-size", "32"])
    assert result.exit_code == 0, result.output
    return path


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_line(result, pattern):
    assert result.exit_code == 2, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("Error: ") and re.search(pattern, line), result.output


def test_the_training_data_is_never_replaced_by_the_model(data):
    before = data.read_bytes()
    one_line(run("train", "--data", data, "--out", data, *TRAIN), r"is the training data")
    assert data.read_bytes() == before


def test_a_file_fastcnn_did_not_write_is_never_replaced(data, tmp_path):
    notes = tmp_path / "notes.npz"
    notes.write_text("my notes")
    one_line(run("train", "--data", data, "--out", notes, *TRAIN), r"notes.npz exists and is not a fastcnn model")
    assert notes.read_text() == "my notes"


def test_replacing_an_earlier_model_is_said(data, tmp_path):
    out = tmp_path / "m.npz"
    assert run("train", "--data", data, "--out", out, *TRAIN).exit_code == 0
    again = run("train", "--data", data, "--out", out, *TRAIN)
    assert again.exit_code == 0 and re.search(rf"Replacing {re.escape(str(out))} \(a fastcnn model written 20", again.output)


def test_data_synth_does_not_overwrite_without_being_told(tmp_path):
    folder = tmp_path / "set"
    assert run("data", "synth", "--out", folder, "--n", "8", "--image-size", "16").exit_code == 0
    labels = (folder / "labels.csv").read_text()
    one_line(run("data", "synth", "--out", folder, "--n", "4", "--image-size", "16"), r"labels.csv already exists")
    assert (folder / "labels.csv").read_text() == labels
    assert run("data", "synth", "--out", folder, "--n", "4", "--image-size", "16", "--overwrite").exit_code == 0
    assert (folder / "labels.csv").read_text() != labels
    npz = tmp_path / "d.npz"
    assert run("data", "synth", "--out", npz, "--n", "4", "--image-size", "16").exit_code == 0
    one_line(run("data", "synth", "--out", npz, "--n", "4", "--image-size", "16"), r"d.npz already exists")


@pytest.mark.parametrize("option", ["--out", "--checkpoint-dir"])
def test_an_output_that_cannot_be_written_stops_the_run_before_training(data, tmp_path, option):
    # /proc takes no new files, not even from root
    target = "/proc/fastcnn-test/m.npz" if option == "--out" else "/proc/fastcnn-test-checkpoints"
    args = ["--out", tmp_path / "m.npz", "--checkpoint-dir", target] if option == "--checkpoint-dir" else \
        ["--out", "/proc/m.npz", "--no-checkpoints"]
    result = run("train", "--data", data, *args, *TRAIN)
    one_line(result, r"cannot write in /proc.* nothing was trained")
    assert "Epoch 1/1" not in result.output


def test_a_final_save_that_fails_keeps_the_weights_elsewhere(data, tmp_path, monkeypatch):
    out = tmp_path / "m.npz"
    real_save = fastcnn.save_model

    def full_disk(model, path, **kwargs):
        if str(path) == str(out):
            raise OSError(28, "No space left on device", str(path))
        return real_save(model, path, **kwargs)

    monkeypatch.setattr(fastcnn, "save_model", full_disk)
    result = run("train", "--data", data, "--out", out, *TRAIN)
    one_line(result, rf"could not write {re.escape(str(out))} \(No space left on device\); the trained model is "
                     r"saved in .*m\.rescued-\d+\.npz instead")
    rescued = re.search(r"saved in (\S+) instead", result.output).group(1)
    assert ".tmp" not in result.output
    model = fastcnn.load_model(rescued)
    assert model.training_info.epochs_done == 1


def test_a_second_run_on_the_same_output_is_refused_naming_the_first(data, tmp_path):
    out = tmp_path / "m.npz"
    with OutputLock(out, "--out"):
        one_line(run("train", "--data", data, "--out", out, *TRAIN),
                 rf"another fastcnn run \(PID {os.getpid()}\) is writing --out {re.escape(str(out))}")
    assert run("train", "--data", data, "--out", out, *TRAIN).exit_code == 0  # released: fine again
    checkpoints = tmp_path / "ck"
    checkpoints.mkdir()
    with OutputLock(checkpoints, "--checkpoint-dir"):
        one_line(run("train", "--data", data, "--out", tmp_path / "other.npz", "--checkpoint-dir", checkpoints,
                     *TRAIN), r"is writing --checkpoint-dir")


def test_stale_temporary_files_are_removed_and_live_ones_kept(data, tmp_path):
    dead = tmp_path / ".m.npz.999999999.abcd.tmp"   # no process has this PID
    live = tmp_path / f".m.npz.{os.getpid()}.efgh.tmp"
    foreign = tmp_path / ".notes.tmp"
    for path in (dead, live, foreign):
        path.write_bytes(b"half a model")
    result = run("train", "--data", data, "--out", tmp_path / "m.npz", *TRAIN)
    assert result.exit_code == 0, result.output
    assert "Removed 1 temporary file of interrupted saves" in result.output
    assert not dead.exists() and live.exists() and foreign.exists()
    assert remove_stale_temporaries(tmp_path / "nowhere") == []


def test_temporary_files_carry_the_writers_pid(tmp_path, monkeypatch):
    import tempfile

    from fastcnn._files import atomic_write

    seen = []
    real = tempfile.mkstemp
    monkeypatch.setattr(tempfile, "mkstemp", lambda **kw: seen.append(kw["prefix"]) or real(**kw))
    with atomic_write(tmp_path / "x.bin") as handle:
        handle.write(b"1")
    assert seen == [f".x.bin.{os.getpid()}."]
    with pytest.raises(OSError) as error:
        with atomic_write(tmp_path / "missing" / "x.bin"):
            pass
    assert error.value.filename == str(tmp_path / "missing" / "x.bin")  # the user's name, never the temp file


@pytest.mark.parametrize("names, pattern", [
    (["a", "b"], r"2 class names for a model with 4 outputs"),
    (["a", "b", "c", 4], r"class_names must be a list of non-empty strings"),
    (["a", "b", "a", "c"], r"class_names repeats a name"),
])
def test_class_names_that_do_not_fit_the_model_are_refused(data, tmp_path, names, pattern):
    out = tmp_path / "m.npz"
    assert run("train", "--data", data, "--out", out, *TRAIN).exit_code == 0
    rewrite_model_file(out, edit_config=lambda config: config.update(class_names=names))
    with pytest.raises(ModelFileError, match=pattern):
        fastcnn.load_model(out)
    one_line(run("summary", out), pattern)


def test_pipes_are_refused_instead_of_waited_on(tmp_path):
    for name in ("labels.csv", "data.npz", "image.png"):
        os.mkfifo(tmp_path / name)
    one_line(run("train", "--data", tmp_path / "labels.csv", "--out", tmp_path / "m.npz"), r"not a regular file")
    one_line(run("train", "--data", tmp_path / "data.npz", "--out", tmp_path / "m.npz"), r"not a regular file")
    with pytest.raises(DataError, match=r"image.png: not a regular file"):
        fastcnn.data.decode_image(tmp_path / "image.png")


def test_the_decompression_bomb_check_does_not_rely_on_warnings():
    from fastcnn.data import images

    assert "catch_warnings()" not in inspect.getsource(images)  # not thread-safe in the decode pool
    assert "MAX_IMAGE_PIXELS" in inspect.getsource(images.decode_image)


def test_a_compressed_data_set_too_large_to_inflate_is_refused_before_reading(tmp_path, monkeypatch):
    import numpy as np

    path = tmp_path / "zeros.npz"
    np.savez_compressed(path, data=np.zeros((400, 32, 32, 3), np.uint8), labels=np.eye(4)[np.arange(400) % 4])
    assert path.stat().st_size < 100_000  # small on disk, 1.2 MB inflated
    monkeypatch.setenv("FASTCNN_MAX_DATA_BYTES", "1000000")
    one_line(run("train", "--data", path, "--out", tmp_path / "m.npz", *TRAIN),
             r"zeros.npz: the compressed array 'data' \(400, 32, 32, 3\) inflates to 0.00 GB, more than the limit "
             r"FASTCNN_MAX_DATA_BYTES=1,000,000; save it uncompressed")
    monkeypatch.setenv("FASTCNN_MAX_DATA_BYTES", "10000000")
    assert run("train", "--data", path, "--out", tmp_path / "m.npz", *TRAIN).exit_code == 0


def test_an_image_size_the_model_cannot_take_is_refused_naming_the_smallest(tmp_path):
    result = run("train", "--image-size", "16", "--out", tmp_path / "m.npz")
    one_line(result, r"--image-size 16 is too small: the reference model needs images of at least 21x21 pixels \(")
    assert "Split:" not in result.output  # before any data was read


def test_an_empty_class_folder_is_named(tmp_path):
    source = tmp_path / "source"
    assert run("data", "synth", "--out", source, "--n", "8", "--image-size", "32").exit_code == 0
    folder = tmp_path / "classes"
    for name, images in (("Normal", ["00000", "00001", "00002"]), ("Other", ["00003", "00004", "00005"]),
                         ("Empty", [])):
        (folder / name).mkdir(parents=True)
        for image in images:
            (folder / name / f"{image}.png").write_bytes((source / "images" / f"{image}.png").read_bytes())
    result = run("train", "--data", folder, "--out", tmp_path / "m.npz", *TRAIN)
    assert result.exit_code == 0, result.output
    assert f"the folder {folder / 'Empty'} has no images" in result.output and "2 classes" in result.output


def test_skipped_images_are_named_with_a_count(data, tmp_path):
    model = tmp_path / "m.npz"
    assert run("train", "--data", data, "--out", model, *TRAIN).exit_code == 0
    good, bad = tmp_path / "good.png", tmp_path / "bad.png"
    from PIL import Image

    Image.new("RGB", (40, 40), (30, 30, 30)).save(good)
    bad.write_text("not an image")
    for command in (["predict"], ["visualize", "--out", tmp_path / "pictures"]):
        result = CliRunner().invoke(cli, [str(a) for a in command[:1] + [model, good, bad]
                                                          + command[1:] + ["--on-bad-image", "skip"]])
        assert result.exit_code == 0, result.output
        assert f"skipped not an image Pillow can read: {bad}" in result.stderr
        assert "skipped 1 of 2 images (--on-bad-image skip)" in result.stderr


def test_visualize_keeps_pictures_of_images_with_the_same_name_apart(data, tmp_path):
    from PIL import Image

    model = tmp_path / "m.npz"
    assert run("train", "--data", data, "--out", model, *TRAIN).exit_code == 0
    for folder, grey in (("a", 20), ("b", 200)):
        (tmp_path / folder).mkdir()
        Image.new("RGB", (32, 32), (grey, grey, grey)).save(tmp_path / folder / "x.png")
    out = tmp_path / "pictures"
    result = run("visualize", model, tmp_path / "a" / "x.png", tmp_path / "b" / "x.png", "--out", out)
    assert result.exit_code == 0, result.output
    assert (out / "x_prediction.png").exists() and (out / "x_2_prediction.png").exists()
    assert (out / "x_prediction.png").read_bytes() != (out / "x_2_prediction.png").read_bytes()


def test_resume_trains_on_to_new_epochs_and_refuses_contradictions(data, tmp_path):
    out = tmp_path / "m.npz"
    assert run("train", "--data", data, "--out", out, *TRAIN).exit_code == 0
    checkpoints = tmp_path / "m.checkpoints"
    one_line(run("train", "--resume", checkpoints), r"all 1 epochs are done.*give --epochs N to train on")
    one_line(run("train", "--resume", checkpoints, "--epochs", "3", "--learning-rate", "0.01"),
             r"--learning-rate 0.01 contradicts it \(it has 0.001\)")
    one_line(run("train", "--resume", checkpoints, "--epochs", "3", "--out", tmp_path / "other.npz"),
             r"--out .*other.npz contradicts it")
    one_line(run("train", "--resume", checkpoints, "--epochs", "1"), r"--epochs 1: 1 epochs are done already")
    result = run("train", "--resume", checkpoints, "--epochs", "2", "--out", out, "--image-size", "32")
    assert result.exit_code == 0, result.output
    assert "1 of 2 epochs done" in result.output
    assert fastcnn.load_model(out).training_info.epochs_done == 2


def test_the_data_help_says_what_each_command_uses_without_it():
    for command, default in (("evaluate", "the validation split"), ("visualize", "the validation split"),
                             ("report", "the validation split"), ("predict", "none: give IMAGE files"),
                             ("train", "the built-in procedural galaxies")):
        text = " ".join(run(command, "--help").output.split())
        assert re.search(rf"--data .*Default: {default}", text), (command, text)


def test_a_live_progress_bar_fits_one_row_of_the_terminal():
    import io

    from fastcnn.progress import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    bar = ProgressBar(5, stream=screen)
    bar.columns = 60
    bar.update(5, {"loss": 1.23456, "categorical_accuracy": 0.5, "auc": 0.5})
    drawn = screen.getvalue().split("\r")[-1].replace("\033[K", "")
    assert 0 < len(drawn) <= 59  # one row: "\r" can redraw it, so the finished line replaces it
    bar.finish({"loss": 1.2, "val_loss": 1.3})
    assert screen.getvalue().endswith("\n") and "val_loss" in screen.getvalue().split("\r")[-1]


def test_pictures_that_cannot_be_written_do_not_fail_a_saved_run(data, tmp_path):
    out = tmp_path / "m.npz"
    (tmp_path / "m.training_curves.png").mkdir()  # a folder where the picture should go
    result = run("train", "--data", data, "--out", out, "--image-size", "32", "--epochs", "1")
    assert result.exit_code == 0, result.output
    assert "Warning: could not write the pictures" in result.output and "the model is saved" in result.output
    assert fastcnn.load_model(out).training_info.epochs_done == 1


def test_the_readme_predict_command_works_as_typed(tmp_path):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    command = next(line for line in readme.splitlines() if line.startswith("fastcnn predict galaxy_model.npz "))
    image = command.split()[3]
    assert image == "galaxies/images/00000.png"  # written by the README's `fastcnn data synth --out galaxies/`
    assert run("data", "synth", "--out", tmp_path / "galaxies", "--n", "4", "--image-size", "32").exit_code == 0
    assert (tmp_path / image).is_file()


def test_model_files_that_are_not_archives_or_not_files(tmp_path):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"\x00garbage" * 50)
    with pytest.raises(ModelFileError, match=r"garbage.npz: not a fastcnn model file \(not an .npz archive\)"):
        fastcnn.load_model(garbage)
    os.mkfifo(tmp_path / "pipe.npz")
    with pytest.raises(ModelFileError, match=r"pipe.npz: not a regular file"):
        fastcnn.load_model(tmp_path / "pipe.npz")


@pytest.mark.parametrize("command", ["", "train", "sweep", "evaluate", "predict", "report", "visualize", "summary",
                                     "data", "convert", "benchmark", "warmup", "gradcheck"])
def test_help_imports_neither_numba_nor_matplotlib(command):
    """Help and usage errors answer at once: what they import is checked here, the time in docs/hardening.md."""
    import subprocess
    import sys

    code = ("import sys\nfrom fastcnn_cli.main import cli\n"
            f"try:\n    cli.main({[c for c in [command, '--help'] if c]!r}, prog_name='fastcnn')\n"
            "except SystemExit:\n    pass\n"
            "print('numba' in sys.modules, 'matplotlib' in sys.modules, file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Usage: fastcnn" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "False False", (command, result.stderr)


def test_the_command_list_shows_each_commands_own_short_help():
    import click

    from fastcnn_cli.main import COMMANDS, cli

    context = click.Context(cli)
    for name, (_, short) in COMMANDS.items():
        assert cli.get_command(context, name).get_short_help_str(limit=90) == short, name
    assert cli.get_command(context, "nope") is None


def test_other_outputs_never_replace_inputs_or_foreign_files(data, tmp_path):
    model = tmp_path / "m.npz"
    assert run("train", "--data", data, "--out", model, *TRAIN).exit_code == 0
    images = tmp_path / "images"
    assert run("data", "synth", "--out", images, "--n", "4", "--image-size", "32").exit_code == 0
    listing = images / "labels.csv"
    before = listing.read_text()
    one_line(run("predict", model, "--data", listing, "--out", listing), r"--out .*labels.csv is this command's input")
    notes = tmp_path / "notes.csv"
    notes.write_text("my notes\n")
    one_line(run("predict", model, "--data", listing, "--out", notes), r"notes.csv exists and fastcnn did not write it")
    one_line(run("train", "--data", listing, "--csv-log", listing, "--out", tmp_path / "c.npz", *TRAIN),
             r"--csv-log .*labels.csv is this command's input")
    one_line(run("report", model, "-o", model), r"-o .*m.npz is this command's input")
    one_line(run("report", model, "-o", notes, "--data", listing), r"notes.csv exists and fastcnn did not write it")
    assert listing.read_text() == before and notes.read_text() == "my notes\n"
    # fastcnn's own earlier outputs are replaced as before
    predictions = tmp_path / "p.csv"
    for _ in range(2):
        assert run("predict", model, "--data", listing, "--out", predictions).exit_code == 0


def test_resume_accepts_options_that_repeat_the_checkpoint(data, tmp_path):
    out = tmp_path / "m.npz"
    checkpoints = tmp_path / "ck"
    assert run("train", "--data", data, "--out", out, "--checkpoint-dir", checkpoints, *TRAIN).exit_code == 0
    result = run("train", "--resume", checkpoints, "--checkpoint-dir", checkpoints, "--data", data, "--out", out,
                 "--epochs", "2", "--image-size", "32")
    assert result.exit_code == 0, result.output
    one_line(run("train", "--resume", checkpoints, "--epochs", "3", "--model", out), r"--model .* contradicts it")
