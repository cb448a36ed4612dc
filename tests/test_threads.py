"""Threads: the count is the user's (within the usable cores), results never
depend on it, and fastcnn steps aside for other busy programs."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numba
import pytest

import fastcnn
from fastcnn import threads
from fastcnn.errors import InvalidArgumentError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def restore_threads():
    yield
    fastcnn.set_num_threads(None, share=True)


def test_set_num_threads_and_its_errors():
    fastcnn.set_num_threads(1, share=False)
    assert fastcnn.get_num_threads() == 1
    fastcnn.set_num_threads(None, share=False)
    assert fastcnn.get_num_threads() == min(threads.usable_cores(), threads.max_threads())
    for bad in (0, -1, 1.5, "2", True):
        with pytest.raises(InvalidArgumentError, match="positive integer"):
            fastcnn.set_num_threads(bad)
    with pytest.raises(InvalidArgumentError, match=r"at most \d+ \(\d+ usable cores; set NUMBA_NUM_THREADS"):
        fastcnn.set_num_threads(threads.max_threads() + 1)


def test_the_pool_defaults_to_the_usable_cores():
    code = "import fastcnn, numba; print(numba.config.NUMBA_NUM_THREADS, fastcnn.threads.usable_cores())"
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    pool, cores = out.stdout.split()
    assert pool == cores


class FakeWatch:
    def __init__(self, others):
        self.others = others

    def due(self):
        return True

    def others_busy_cores(self):
        return self.others


@pytest.mark.parametrize("others,expected", [(0.0, 2), (0.3, 2), (0.6, 1), (1.0, 1), (1.9, 1), (None, 2)])
def test_fewer_threads_while_other_programs_keep_cores_busy(monkeypatch, others, expected):
    if threads.max_threads() < 2:
        pytest.skip("needs a pool of at least 2 threads")
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    monkeypatch.setattr(threads._policy, "watch", FakeWatch(others))
    fastcnn.set_num_threads(2)
    threads.share_cores()
    assert fastcnn.get_num_threads() == expected
    if expected < 2:
        assert "other programs are keeping cores busy" in threads.threads_in_use()
    # without sharing, the count stays what was asked
    fastcnn.set_num_threads(2, share=False)
    threads.share_cores()
    assert fastcnn.get_num_threads() == 2
    assert threads.threads_in_use() == "2 threads"


def test_the_watch_reads_this_machine():
    if not os.path.exists("/proc/stat"):
        pytest.skip("no /proc/stat (not Linux)")
    watch = threads._CpuWatch()
    assert watch.others_busy_cores() is None  # the first look only starts the interval
    sum(i * i for i in range(200_000))
    others = watch.others_busy_cores()
    assert others is not None and 0.0 <= others <= threads.usable_cores() + 1


def test_training_gives_the_same_bits_for_1_2_and_4_threads():
    """A short training of the reference model (both batch sizes, uint8 and float
    input) in a process with a pool of 4 threads, run on 1, 2 and 4 of them."""
    code = textwrap.dedent("""
        import hashlib, numpy as np, fastcnn
        rng = np.random.default_rng(0)
        pixels = rng.integers(0, 256, (23, 64, 64, 3), dtype=np.uint8)
        y = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 23)]
        for threads in (1, 2, 4):
            fastcnn.set_num_threads(threads, share=False)
            digest = hashlib.sha256()
            for x, batch_size in ((pixels, 5), (pixels / np.float32(255), 8)):
                model = fastcnn.galaxy_classifier(input_shape=(64, 64, 3), seed=1)
                model.compile(fastcnn.Adam(1e-3), "categorical_crossentropy", ["categorical_accuracy"])
                history = model.fit(x, y, epochs=2, batch_size=batch_size, validation_split=0.2, verbose=0)
                for w in model.get_weights():
                    digest.update(w.tobytes())
                digest.update(repr(history).encode())
                digest.update(model.predict(x).tobytes())
            print(threads, fastcnn.get_num_threads(), digest.hexdigest())
    """)
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, NUMBA_NUM_THREADS="4"), cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [line.split() for line in out.stdout.strip().splitlines()]
    assert [(line[0], line[1]) for line in lines] == [("1", "1"), ("2", "2"), ("4", "4")]
    assert len({line[2] for line in lines}) == 1, lines


def test_cli_threads_option_is_checked():
    from click.testing import CliRunner

    from fastcnn_cli.main import cli

    for command in (["train", "--epochs", "1"], ["evaluate", "missing.npz"], ["predict", "missing.npz", "x.png"]):
        result = CliRunner().invoke(cli, command + ["--threads", str(threads.max_threads() + 1)])
        assert result.exit_code == 2, (command, result.output)
        assert "threads asked for, but this process can use at most" in result.output
        result = CliRunner().invoke(cli, command + ["--threads", "0"])
        assert result.exit_code == 2 and "--threads" in result.output
