"""One framework, one task, timed in a process of its own.

    python -m fastcnn.benchmark.worker FRAMEWORK TASK BATCH_SIZE --threads 2 --pixels galaxies --rounds 5

prints one JSON object: the seconds of each timed round and the images per
round.  ``fastcnn benchmark`` starts one worker per (framework, task) so that
frameworks never share a process: each brings its own thread pool, and two
pools in one process would fight over the cores.  The thread count is put in
the environment before the framework is imported, because most of them read
it only once, at start-up.
"""
import argparse
import json
import os
import sys
import time


def limit_threads(threads):
    """Ask every framework (and the BLAS and OpenMP libraries below them) for ``threads`` threads."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS",
                 "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        os.environ[name] = str(threads)
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                               f" --xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={threads}").strip()
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cores) > threads:  # never let a framework use more cores than it was given threads
        os.sched_setaffinity(0, cores[:threads])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m fastcnn.benchmark.worker")
    parser.add_argument("framework")
    parser.add_argument("task", choices=["train", "predict"])
    parser.add_argument("batch_size", type=int)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pixels", choices=["galaxies", "random"], default="galaxies")
    parser.add_argument("--images", type=int, default=1120)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    limit_threads(args.threads)

    from .workload import make_data, make_runner

    x, y = make_data(args.pixels, args.images, args.seed, float_pixels=args.framework != "fastcnn-uint8")
    runner = make_runner(args.framework, args.batch_size, args.seed, args.threads)
    run = runner.train_epoch if args.task == "train" else runner.predict
    seconds = []
    run(x, y) if args.task == "train" else run(x)          # warm-up: compilation, tracing, caches
    for _ in range(args.rounds):
        start = time.perf_counter()
        run(x, y) if args.task == "train" else run(x)
        seconds.append(time.perf_counter() - start)
    json.dump({"framework": args.framework, "task": args.task, "batch_size": args.batch_size,
               "pixels": args.pixels, "threads": args.threads, "images": len(x), "seconds": seconds}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
