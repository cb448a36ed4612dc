"""One framework in a process of its own, timing what the parent asks for.

    python -m fastcnn.benchmark.worker FRAMEWORK --threads 2 --pixels galaxies --images 1120

``fastcnn benchmark`` starts one worker per framework, so that frameworks
never share a process (each brings its own thread pool, and two pools in one
process fight over the cores).  The worker puts the thread count in the
environment before the framework is imported (most read it only once, at
start-up), builds the reference model and the data, says it is ready, and
then answers requests on stdin, one JSON object per line:

    {"task": "train", "batch_size": 32}   ->  {"seconds": 0.093}   (one epoch, or one predict pass)
    {"quit": true}                         ->  (exits)

The parent sends requests to the workers in turn, so that exactly one of
them computes at any time and every framework sees the machine in the same
state, round after round.  The first request for a task runs it once
untimed first (compilation, tracing, caches).  Protocol lines go to the
original stdout; anything the frameworks print is sent to stderr.
"""
import argparse
import json
import os
import sys
import time

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS",
                    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def limit_threads(threads):
    """Ask every framework (and the BLAS and OpenMP libraries below them) for ``threads`` threads.

    Sets the thread environment variables (read when each library is
    imported, so call this first) and, where the process may run on more
    cores, pins it to the first ``threads`` of them.

    Parameters
    ----------
    threads : int
    """
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                               f" --xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={threads}").strip()
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cores) > threads:  # no framework may use more cores than it was given threads
        os.sched_setaffinity(0, cores[:threads])


def main(argv=None):
    """Run the worker: get ready, then answer requests until stdin ends or says quit.

    Parameters
    ----------
    argv : list of str, optional
        The command-line arguments; default ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status: 0, or 1 when the framework or the data could not be set up.
    """
    parser = argparse.ArgumentParser(prog="python -m fastcnn.benchmark.worker")
    parser.add_argument("framework")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--pixels", choices=["galaxies", "random"], default="galaxies")
    parser.add_argument("--images", type=int, default=1120)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    limit_threads(args.threads)
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # the frameworks' own output goes to stderr
    sys.stdout = sys.stderr

    def say(**message):
        protocol.write(json.dumps(message) + "\n")

    try:
        from .workload import make_data, make_runner

        runner = make_runner(args.framework, args.seed, args.threads)
        x, y = make_data(args.pixels, args.images, args.seed, uint8=runner.uint8)
    except Exception as error:  # noqa: BLE001 (a missing or broken framework: reported, not raised)
        say(error=f"{type(error).__name__}: {error}")
        return 1
    say(ready=True, version=runner.version, pixels_dtype=str(x.dtype))
    warm = set()
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("quit"):
            break
        task, batch_size = request["task"], int(request["batch_size"])
        run = runner.train_epoch if task == "train" else runner.predict
        call = (lambda: run(x, y, batch_size)) if task == "train" else (lambda: run(x, batch_size))
        try:
            if (task, batch_size) not in warm:
                call()
                warm.add((task, batch_size))
            start = time.perf_counter()
            call()
            say(seconds=time.perf_counter() - start)
        except Exception as error:  # noqa: BLE001
            say(error=f"{type(error).__name__}: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
