"""``fastcnn train --recipe strong`` and a small, fast version of the Galaxy Zoo experiment
(docs/experiments/gz1.md): each option runs and is deterministic (its accuracy is the document's job)."""
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import fastcnn
from fastcnn_cli.main import cli
from tests.data.test_shared_data import GZ1, first_rows
from tests.test_cli import private_cache, shapes_csv  # noqa: F401  (fixtures)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_strong_recipe_sets_its_options_and_explicit_ones_win(tmp_path, shapes_csv):  # noqa: F811
    result = run("train", "--data", shapes_csv, "--image-size", 24, "--epochs", 3, "--recipe", "strong",
                 "--learning-rate", 0.01, "--out", tmp_path / "m.npz", "--no-plots", "-q")
    assert result.exit_code == 0, result.output
    assert "Validation, averaged over 8 views" in result.output  # the recipe's --tta
    model = fastcnn.load_model(tmp_path / "m.npz")
    settings = model.training_info.settings
    assert (settings.recipe, settings.augment, settings.lr_schedule) == ("strong", "dihedral", "warmup:1,cosine")
    assert settings.learning_rate == 0.01  # given on the command line: the recipe's 0.003 does not apply
    assert model.preprocessing.normalize is not None
    plain = run("train", "--data", shapes_csv, "--image-size", 24, "--epochs", 1, "--out", tmp_path / "p.npz",
                "--no-plots", "-q")
    assert plain.exit_code == 0 and "averaged over" not in plain.output
    settings = fastcnn.load_model(tmp_path / "p.npz").training_info.settings
    assert (settings.recipe, settings.augment, settings.lr_schedule, settings.learning_rate) == (
        "plain", None, None, 0.001)


OPTIONS = {
    "plain": [],
    "normalize": ["--normalize", "per-channel"],
    "augment": ["--augment", "dihedral"],
    "schedule": ["--learning-rate", "0.003", "--lr-schedule", "warmup:1,cosine"],
    "class_weight": ["--class-weight", "balanced"],
    "label_smoothing": ["--label-smoothing", "0.1"],
    "strong": ["--recipe", "strong"],
}


@pytest.mark.skipif(not GZ1.exists(), reason="../shared/data/gz1-small is not available")
@pytest.mark.parametrize("name", OPTIONS)
def test_each_option_runs_on_real_galaxies_deterministically(tmp_path, name):
    data = first_rows(GZ1, tmp_path / "gz1.csv", 8)  # 8 galaxies of each of the 4 classes
    weights = []
    for attempt in ("a", "b"):
        out = tmp_path / f"{attempt}.npz"
        result = run("train", "--data", data, "--crop", 0.5, "--image-size", 64, "--epochs", 2, "--seed", 3,
                     "--val-split", 0.25, "--out", out, "--no-plots", "-q", "--no-checkpoints", *OPTIONS[name])
        assert result.exit_code == 0, result.output
        weights.append(fastcnn.load_model(out).get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)  # same seed, same options: the same model, bit for bit
    evaluated = run("evaluate", tmp_path / "a.npz", "--json", "--tta")
    assert evaluated.exit_code == 0, evaluated.output
    report = json.loads(evaluated.output)
    assert 0 <= report["balanced_accuracy"] <= 1 and set(report["per_class"]) == {
        "Edge-on", "Elliptical", "Merger", "Spiral"}
