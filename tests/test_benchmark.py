"""fastcnn benchmark: workers answer one timed round at a time, a framework that
is missing is skipped with its reason, and the table shows the ratios."""
import json

import pytest
from click.testing import CliRunner

from fastcnn.benchmark import Result, Worker, format_table, run_benchmark
from fastcnn.benchmark.workload import make_data
from fastcnn_cli.main import cli


def test_data_is_the_galaxies_or_noise_as_uint8_or_float():
    x, y = make_data("random", 300, uint8=True)
    assert x.shape == (300, 128, 128, 3) and x.dtype.name == "uint8" and y.shape == (300, 4)
    x, y = make_data("galaxies", 1500)  # more than the 1,400 built-in galaxies: repeated
    assert x.dtype.name == "float32" and 0 <= x.min() and x.max() <= 1 and y.sum() == 1500


def test_a_worker_times_one_round_per_request():
    worker = Worker("fastcnn-uint8", threads=1, pixels="random", images=256)
    try:
        assert worker.ready["ready"] and worker.ready["pixels_dtype"] == "uint8"
        for task, batch_size in (("train", 32), ("predict", 256)):
            answer = worker.run(task, batch_size)
            assert answer["seconds"] > 0
    finally:
        worker.close()
    assert worker.process.returncode == 0


def test_a_missing_framework_is_skipped_with_its_reason():
    worker = Worker("no-such-framework", threads=1, pixels="random", images=256)
    worker.close()
    assert "KeyError" in worker.ready["error"]


@pytest.mark.slow
def test_run_and_table(monkeypatch):
    seen = []
    result = run_benchmark(1, "random", peers=False, rounds=2, images=256, tasks=(("train", 32),),
                           progress=lambda done, total, label: seen.append((done, total)))
    assert seen[-1] == (4, 4)  # 2 rounds x (fastcnn, fastcnn-uint8)
    assert len(result.seconds[("fastcnn", "train", 32)]) == 2
    assert result.images_per_second("fastcnn", "train", 32) > 0
    # ratios against a peer, with made-up times: fastcnn is 3x faster
    fake = Result(threads=2, pixels="galaxies", images=100, rounds=1,
                  seconds={("fastcnn", "train", 5): [1.0], ("torch", "train", 5): [3.0]},
                  versions={"fastcnn": "f", "torch": "t"})
    table = format_table(fake)
    assert "fastcnn / torch" in table and "3.00x" in table and "100" in table and "33" in table
    assert json.loads(json.dumps(fake.to_json()))["results"][0]["images_per_second"] == 100


@pytest.mark.slow
def test_cli_prints_the_table_and_writes_json(tmp_path):
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(cli, ["benchmark", "--threads", "1", "--rounds", "1", "--images", "256",
                                      "--pixels", "random", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "train, batch 32" in result.output and "predict, batch 256" in result.output
    rows = json.loads(out.read_text())["results"]
    assert {(r["framework"], r["task"], r["batch_size"]) for r in rows} >= {("fastcnn", "train", 5)}


@pytest.mark.parametrize("args,message", [(["--rounds", "0"], "must be positive"),
                                          (["--images", "10"], "at least 256")])
def test_cli_user_errors(args, message):
    result = CliRunner().invoke(cli, ["benchmark"] + args)
    assert result.exit_code == 2 and message in result.output
