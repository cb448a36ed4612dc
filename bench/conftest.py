"""Shared set-up for the benchmarks (pytest-benchmark).

    pytest bench --benchmark-only --benchmark-group-by=group --benchmark-columns=median,iqr,rounds

Every benchmark in a group does the same work, so the ratio of medians is
the ratio of throughputs; at the end a summary prints images/s and, for the
kernels, GFLOP/s (operations counted in fastcnn/benchmark/flops.py).
Peers (PyTorch, Keras/TensorFlow, JAX) run in the same process when
installed (pip install ".[peers]") and are skipped otherwise.  Everything
is limited to THREADS threads (2, or $FASTCNN_BENCH_THREADS: one thread gives
the steadiest figures on a shared machine).  For a comparison with each framework in a
process of its own, use ``fastcnn benchmark --peers``.

A saved baseline (bench/baselines/) catches a kernel that became 5-20x
slower (small source changes did that while these kernels were written):

    pytest bench/test_kernels.py -k numba --benchmark-only --benchmark-storage=bench/baselines \\
        --benchmark-compare --benchmark-compare-fail=median:50%

(``-k numba``: the NumPy twins are specifications, not tuned code; the maxpool
twin became plain loops after the baseline was saved and is 30x slower.)
"""
import os

THREADS = int(os.environ.get("FASTCNN_BENCH_THREADS", "2"))
for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
              "TF_NUM_INTEROP_THREADS"):
    os.environ.setdefault(_name, str(THREADS))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest  # noqa: E402

import fastcnn  # noqa: E402

SEED = 0
IMAGES = 1120  # the default data set's training split


@pytest.fixture(scope="session", autouse=True)
def fixed_threads():
    fastcnn.set_num_threads(min(THREADS, fastcnn.threads.max_threads()), share=False)


@pytest.fixture(scope="session", params=["galaxies", "random"])
def data(request):
    """1,120 training images as uint8 pixels and one-hot labels: the built-in galaxies, or noise.

    The kernels' speed should not depend on the pixels (the peers' does not);
    both kinds are measured to keep it that way.
    """
    from fastcnn.benchmark.workload import make_data

    x, y = make_data(request.param, IMAGES, SEED, uint8=True)
    return request.param, x, y


def record(benchmark, images=None, flops=None):
    """Remember the work of one round, for the summary."""
    if images:
        benchmark.extra_info["images"] = images
    if flops:
        benchmark.extra_info["flops"] = flops


def pytest_terminal_summary(terminalreporter):
    session = getattr(terminalreporter.config, "_benchmarksession", None)
    benchmarks = [b for b in getattr(session, "benchmarks", []) if getattr(b, "stats", None) is not None]
    if not benchmarks:
        return
    terminalreporter.section("throughput (median round)")
    for bench in sorted(benchmarks, key=lambda b: (b.group or "", b.name)):
        median = bench.stats.median
        parts = []
        if bench.extra_info.get("images"):
            parts.append(f"{bench.extra_info['images'] / median:10,.0f} images/s")
        if bench.extra_info.get("flops"):
            parts.append(f"{bench.extra_info['flops'] / median / 1e9:7.1f} GFLOP/s")
        terminalreporter.write_line(f"{bench.name:<75} {median * 1e3:9.3f} ms  " + "  ".join(parts))
