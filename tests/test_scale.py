"""fastcnn sweep and sharded fastcnn predict: the grid, the results table, both backends, resuming."""
import csv
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner

import fastcnn
from fastcnn.errors import InvalidArgumentError
from fastcnn.scale.grid import Trial, expand, parse_grid, parse_seeds
from fastcnn.scale.results import summarize, trial_row
from fastcnn.scale.shards import plan_shards, predict_shard
from fastcnn_cli.main import cli

try:
    import ray  # noqa: F401
    HAVE_RAY = True
except ImportError:
    HAVE_RAY = False
needs_ray = pytest.mark.skipif(not HAVE_RAY, reason='Ray is not installed (pip install "fastcnn[ray]")')

TRAIN = ["--image-size", "32", "--epochs", "2", "--batch-size", "5"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTCNN_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def galaxies(tmp_path_factory):
    """40 procedural galaxies as PNG files + labels.csv, and one file that is not an image."""
    folder = tmp_path_factory.mktemp("galaxies")
    result = CliRunner().invoke(cli, ["data", "synth", "--out", str(folder), "--n", "40", "--image-size", "32"])
    assert result.exit_code == 0, result.output
    (folder / "images" / "broken.png").write_text("not an image")
    return folder


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def weights(path):
    return fastcnn.load_model(path).get_weights()


def same_weights(a, b):
    return all(np.array_equal(u, v) for u, v in zip(weights(a), weights(b)))


def results(folder):
    with open(folder / "results.csv", newline="") as handle:
        return list(csv.DictReader(handle))


# -- the grid and the table ----------------------------------------------------------

def test_the_grid_expands_to_every_combination_once_per_seed():
    grid = parse_grid(["learning-rate=1e-3,3e-3", "lr_schedule=warmup:1,cosine;cosine", "augment=none,dihedral"])
    assert grid == {"learning_rate": ["1e-3", "3e-3"], "lr_schedule": ["warmup:1,cosine", "cosine"],
                    "augment": ["none", "dihedral"]}
    trials = expand(grid, [0, 1])
    assert len(trials) == 2 * 2 * 2 * 2 and len({t.id for t in trials}) == 16
    assert trials[0].params == {"learning_rate": "1e-3", "lr_schedule": "warmup:1,cosine", "augment": "none"}
    assert trials[0].id == "000_learning_rate=1e-3_lr_schedule=warmup-1-cosine_augment=none_seed=0"
    assert [t.seed for t in trials[:4]] == [0, 1, 0, 1] and trials[1].setting == trials[0].setting
    assert parse_seeds("0-3") == [0, 1, 2, 3] and parse_seeds("4,1") == [4, 1]
    for bad, pattern in (("x", "numbers"), ("1,1", "each seed once")):
        with pytest.raises(InvalidArgumentError, match=pattern):
            parse_seeds(bad)
    for bad, pattern in (("learning_rate", "NAME=VALUE"), ("a=1,,2", "empty value"), ("a=1,1", "repeated")):
        with pytest.raises(InvalidArgumentError, match=pattern):
            parse_grid([bad])
    with pytest.raises(InvalidArgumentError, match="given twice"):
        parse_grid(["a=1", "a=2"])


def test_the_table_is_the_mean_and_sd_over_seeds_best_first():
    def row(rate, seed, accuracy, loss):
        trial = Trial(0, {"learning_rate": rate}, seed)
        return trial_row(trial, {"loss": [1.0, 0.9], "val_categorical_accuracy": [0.1, accuracy],
                                 "val_loss": [2.0, loss]}, seconds=2.0)

    rows = [row("a", 0, 0.5, 1.0), row("a", 1, 0.7, 0.8), row("b", 0, 0.8, 0.9), row("b", 1, 0.8, 1.1)]
    rows.append(trial_row(Trial(4, {"learning_rate": "b"}, 2), error="RuntimeError: boom"))
    assert rows[0]["final_val_categorical_accuracy"] == "0.500000" and rows[0]["best_val_loss"] == "1.000000"
    assert rows[-1]["status"] == "failed" and rows[-1]["error"] == "RuntimeError: boom"
    table = summarize(rows, ["learning_rate"], "val_categorical_accuracy")
    assert [entry["setting"]["learning_rate"] for entry in table] == ["b", "a"]
    assert table[0]["mean"] == pytest.approx(0.8) and table[0]["sd"] == 0 and table[0]["failed"] == 1
    assert table[1]["mean"] == pytest.approx(0.6) and table[1]["sd"] == pytest.approx(np.std([0.5, 0.7], ddof=1))
    by_loss = summarize(rows, ["learning_rate"], "val_loss")  # lower is better
    assert [entry["setting"]["learning_rate"] for entry in by_loss] == ["a", "b"]


# -- fastcnn sweep ---------------------------------------------------------------------

def sweep(out, galaxies, *extra):
    return run("sweep", "--grid", "learning_rate=1e-3,3e-3", "--seeds", "0,1", "--out", out,
               "--data", galaxies / "labels.csv", *TRAIN, *extra)


def test_a_sweep_runs_every_trial_and_each_equals_fastcnn_train(tmp_path, galaxies):
    out = tmp_path / "sweep"
    result = sweep(out, galaxies)
    assert result.exit_code == 0, result.output
    rows = results(out)
    assert [r["trial"] for r in rows] == [t.id for t in expand({"learning_rate": ["1e-3", "3e-3"]}, [0, 1])]
    assert all(r["status"] == "ok" and r["epochs"] == "2" and float(r["final_val_auc"]) > 0 for r in rows)
    assert "4/4" in result.output and "learning_rate  val_categorical_accuracy (mean ± sd)" in result.output
    # a trial is exactly fastcnn train with its options
    alone = tmp_path / "alone.npz"
    trained = run("train", "--data", galaxies / "labels.csv", *TRAIN, "--learning-rate", "3e-3", "--seed", "1",
                  "--out", alone, "--no-checkpoints", "--no-plots")
    assert trained.exit_code == 0, trained.output
    assert same_weights(out / "003_learning_rate=3e-3_seed=1" / "model.npz", alone)
    assert not same_weights(out / "002_learning_rate=3e-3_seed=0" / "model.npz", alone)
    spec = json.loads((out / "sweep.json").read_text())
    assert spec["grid"] == {"learning_rate": ["1e-3", "3e-3"]} and spec["seeds"] == [0, 1]


def test_a_failing_trial_is_recorded_and_the_others_go_on(tmp_path, galaxies):
    out = tmp_path / "sweep"
    result = run("sweep", "--grid", "lr_schedule=cosine;bogus", "--out", out, "--data", galaxies / "labels.csv",
                 *TRAIN)
    assert result.exit_code == 0, result.output
    rows = {r["lr_schedule"]: r for r in results(out)}
    assert rows["cosine"]["status"] == "ok"
    assert rows["bogus"]["status"] == "failed" and "bogus" in rows["bogus"]["error"]
    assert "1 failed" in result.output


@pytest.mark.parametrize("args, pattern", [
    (["--grid", "learning_rate=1e-3"], "--out DIR is required"),
    (["--grid", "no_such=1", "--out", "{tmp}/s"], "fastcnn train has no option --no-such"),
    (["--grid", "crop=0.5,1", "--out", "{tmp}/s"], "decoded once"),
    (["--grid", "seed=1,2", "--out", "{tmp}/s"], "sets it for each trial"),
    (["--out", "{tmp}/s", "--seed", "3"], "--seed is set by the sweep"),
    (["--grid", "batch_size=5,zero", "--out", "{tmp}/s"], "trial 001_batch_size=zero_seed=0: .*zero"),
    (["--resume", "{tmp}/nothing"], "no sweep to resume"),
])
def test_sweep_errors_are_one_line(tmp_path, args, pattern):
    result = run("sweep", *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and __import__("re").search(pattern, lines[0]), lines


def test_a_crashed_sweep_resumes_with_the_same_results(tmp_path, galaxies):
    out = tmp_path / "sweep"
    assert sweep(out, galaxies).exit_code == 0
    before = {r["trial"]: r for r in results(out)}
    models = {trial: weights(out / trial / "model.npz") for trial in before}
    # as if the sweep had died after two trials: their rows and folders are all that is left
    kept = list(before)[:2]
    with open(out / "results.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, list(before[kept[0]]))
        writer.writeheader()
        writer.writerows(before[t] for t in kept)
    result = run("sweep", "--resume", out)
    assert result.exit_code == 0, result.output
    assert "2 of 4 trials finished" in result.output and "(2 to run)" in result.output
    after = {r["trial"]: r for r in results(out)}
    assert list(after) == list(before)
    for trial, row in after.items():
        assert row["final_val_loss"] == before[trial]["final_val_loss"]
        assert all(np.array_equal(u, v) for u, v in zip(weights(out / trial / "model.npz"), models[trial]))


def test_ctrl_c_keeps_the_finished_trials_and_resume_finishes(tmp_path, galaxies):
    out = tmp_path / "sweep"
    cores = len(os.sched_getaffinity(0))
    command = [sys.executable, "-m", "fastcnn_cli.main", "sweep", "--grid", "learning_rate=1e-3,2e-3,3e-3",
               "--seeds", "0-3", "--threads-per-trial", str(cores), "--out", str(out),
               "--data", str(galaxies / "labels.csv"), *TRAIN]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while time.time() < deadline and not ((out / "results.csv").exists() and len(results(out)) >= 1):
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 130, stderr
    assert "Interrupted:" in stderr and f"fastcnn sweep --resume {out}" in stderr
    finished = len(results(out))
    assert 1 <= finished < 12
    result = run("sweep", "--resume", out)
    assert result.exit_code == 0, result.output
    assert f"{finished} of 12 trials finished" in result.output
    assert len(results(out)) == 12 and all(r["status"] == "ok" for r in results(out))


@needs_ray
def test_ray_gives_the_same_trials_as_the_process_pool(tmp_path, galaxies):
    pool, on_ray = tmp_path / "pool", tmp_path / "ray"
    assert sweep(pool, galaxies).exit_code == 0
    result = sweep(on_ray, galaxies, "--backend", "ray")
    assert result.exit_code == 0, result.output
    assert "Ray on this machine" in result.output
    for row in results(pool):
        assert same_weights(pool / row["trial"] / "model.npz", on_ray / row["trial"] / "model.npz"), row["trial"]
    assert [r["final_val_loss"] for r in results(pool)] == [r["final_val_loss"] for r in results(on_ray)]


# -- sharded fastcnn predict ------------------------------------------------------------------

@pytest.fixture(scope="module")
def model_file(tmp_path_factory, galaxies):
    path = tmp_path_factory.mktemp("model") / "m.npz"
    result = CliRunner().invoke(cli, ["train", "--data", str(galaxies / "labels.csv"), *TRAIN, "--out", str(path),
                                      "--no-checkpoints", "--no-plots"])
    assert result.exit_code == 0, result.output
    return path


def image_list(galaxies):
    """labels.csv plus the broken file, as an image list."""
    path = galaxies / "list.csv"
    lines = (galaxies / "labels.csv").read_text().splitlines() + ["images/broken.png,Normal"]
    path.write_text("\n".join(lines) + "\n")
    return path


def predictions(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("backend", ["process", pytest.param("ray", marks=needs_ray)])
def test_sharded_predictions_are_in_input_order_and_list_unreadable_images(tmp_path, galaxies, model_file, backend):
    listing = image_list(galaxies)
    out = tmp_path / "p.csv"
    result = run("predict", model_file, "--data", listing, "--out", out, "--shard-size", "14", "--backend", backend)
    assert result.exit_code == 0, result.output
    assert "41 images in 3 shards of up to 14" in result.output and "1 unreadable" in result.output
    rows = predictions(out)
    names = [line.split(",")[0] for line in listing.read_text().splitlines()[1:]]
    assert [r["file"] for r in rows] == names
    assert rows[-1]["predicted"] == "" and "not an image" in rows[-1]["error"]
    model = fastcnn.load_model(model_file)
    x = np.stack([fastcnn.data.decode_image(galaxies / n, (32, 32)) for n in names[:-1]])
    expected = model.predict(x)
    got = np.array([[float(r[f"p_{c}"]) for c in model.class_names] for r in rows[:-1]])
    np.testing.assert_allclose(got, expected, atol=5e-7)  # the CSV keeps 6 decimals
    assert [r["predicted"] for r in rows[:-1]] == [model.class_names[k] for k in expected.argmax(axis=1)]
    assert not (tmp_path / "p.csv.shards").exists()


def test_a_crashed_prediction_resumes_from_its_finished_shards(tmp_path, galaxies, model_file):
    listing = image_list(galaxies)
    fresh = tmp_path / "fresh.csv"
    assert run("predict", model_file, "--data", listing, "--out", fresh, "--shard-size", "14").exit_code == 0
    # as if a run had died after its second shard: the shard folder holds shard 1 only
    out = tmp_path / "p.csv"
    from fastcnn.scale.shards import list_images

    images = list_images(listing)
    tasks, done = plan_shards(images, 14, model_file.read_bytes(), False, tmp_path / "p.csv.shards")
    assert done == []
    predict_shard(tasks[1], model_file.read_bytes(), 1)
    before = (tmp_path / "p.csv.shards" / "shard-00001.csv").read_text()
    result = run("predict", model_file, "--data", listing, "--out", out, "--shard-size", "14")
    assert result.exit_code == 0, result.output
    assert "1 shards done before" in result.output and "shard 1:" not in result.output
    assert out.read_text() == fresh.read_text() and before in out.read_text()
    # a folder of shards from another run is not mixed in
    plan_shards(images, 14, model_file.read_bytes(), False, tmp_path / "q.csv.shards")
    other = run("predict", model_file, "--data", listing, "--out", tmp_path / "q.csv", "--shard-size", "10")
    assert other.exit_code == 2 and "holds shards of another run" in other.output


def test_sharded_predict_errors_are_one_line(tmp_path, model_file, galaxies):
    for args, pattern in ((["--out", tmp_path / "p.txt", "--data", galaxies], "must be a .csv"),
                          (["--out", tmp_path / "p.csv"], "give --data"),
                          (["--out", tmp_path / "p.csv", "--data", tmp_path], "no images"),
                          (["--out", tmp_path / "p.csv", "--data", galaxies, "--address", "auto"], "--backend ray")):
        result = run("predict", model_file, *args)
        assert result.exit_code == 2 and result.output.startswith("Error: ") and pattern in result.output, \
            result.output


def test_a_sweep_records_absolute_paths_and_locks_its_folder(tmp_path, galaxies, monkeypatch):
    from fastcnn_cli.locks import OutputLock

    monkeypatch.chdir(galaxies)
    out = tmp_path / "sweep"
    result = run("sweep", "--grid", "learning_rate=1e-3", "--out", out, "--data", "labels.csv", *TRAIN)
    assert result.exit_code == 0, result.output
    args = json.loads((out / "sweep.json").read_text())["train_args"]
    assert args[args.index("--data") + 1] == str(galaxies / "labels.csv")
    monkeypatch.chdir(tmp_path)  # resume from elsewhere: the data is still found
    (out / "results.csv").unlink()
    assert run("sweep", "--resume", out).exit_code == 0
    with OutputLock(out, "the sweep folder"):
        result = run("sweep", "--resume", out)
    assert result.exit_code == 2 and "is writing the sweep folder" in result.output


def test_a_sweep_without_validation_reports_no_failure(tmp_path, galaxies):
    out = tmp_path / "sweep"
    result = run("sweep", "--grid", "batch_size=5,8", "--out", out, "--data", galaxies / "labels.csv", *TRAIN,
                 "--val-split", "0")
    assert result.exit_code == 0, result.output
    assert "failed" not in result.output and "no validation split" in result.output
    assert all(r["status"] == "ok" for r in results(out))


def test_grid_options_go_by_their_flag_names(tmp_path, galaxies):
    from fastcnn.scale.grid import Trial
    from fastcnn_cli.sweep_trial import trial_arguments

    args = trial_arguments([], Trial(0, {"model": "a.json", "report": "true", "augment": "none"}, 1).params, 1,
                           tmp_path)
    assert args[:3] == ["--model", "a.json", "--report"] and "--augment" not in args
    result = run("sweep", "--grid", "data=a.csv,b.csv", "--out", tmp_path / "s")
    assert result.exit_code == 2 and "decoded once" in result.output
