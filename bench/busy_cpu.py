"""How fastcnn's training throughput holds up when the CPU is shared.

    python bench/busy_cpu.py [--seconds 12] [--batch-size 32] [--variants default,passive,...]

For each threading setting (``--variants``), three measurements of
batch-32 training on 1,120 random images, each in fresh processes:

* quiet:      fastcnn alone;
* competitor: fastcnn beside one CPU-bound process (a Python busy loop);
* twin:       two fastcnn trainings at once (the figure is the slower one).

Each is a number of images per second over ``--seconds`` of training after a
warm-up epoch, and the script prints each busy figure as a share of the
quiet one.  The settings are environment variables read when the process
starts (the threading layer and OpenMP's wait policy cannot change later).
"""
import argparse
import json
import os
import subprocess
import sys
import time

TRAINER = r"""
import json, sys, time
import numpy as np
import os
import fastcnn
if os.environ.get("FASTCNN_SHARE_CORES") == "0":
    fastcnn.set_num_threads(None, share=False)
seconds, batch_size = float(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
x = rng.random((1120, 128, 128, 3), dtype=np.float32)
y = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 1120)]
model = fastcnn.galaxy_classifier(seed=0)
model.compile(fastcnn.Adam(1e-3), "categorical_crossentropy", ["categorical_accuracy"])
model.fit(x, y, epochs=1, batch_size=batch_size, verbose=0)  # warm-up: compile, caches
print("ready", flush=True)
sys.stdin.readline()  # start together with the others
images, start = 0, time.perf_counter()
while time.perf_counter() - start < seconds:
    model.fit(x[:320], y[:320], epochs=1, batch_size=batch_size, verbose=0)
    images += 320
print(json.dumps({"images_per_second": images / (time.perf_counter() - start)}), flush=True)
"""

HOG = "import time\nend = time.time() + float(__import__('sys').argv[1])\nwhile time.time() < end: pass\n"

VARIANTS = {
    "default": {},
    "no-sharing": {"FASTCNN_SHARE_CORES": "0"},
    "passive": {"OMP_WAIT_POLICY": "PASSIVE"},
    "spin-short": {"GOMP_SPINCOUNT": "10000"},
    "workqueue": {"NUMBA_THREADING_LAYER": "workqueue"},
    "one-thread": {"NUMBA_NUM_THREADS": "1"},
}


def trainers(count, env, seconds, batch_size):
    procs = [subprocess.Popen([sys.executable, "-c", TRAINER, str(seconds), str(batch_size)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
             for _ in range(count)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    return procs


def measure(count, env, seconds, batch_size, hog=False):
    procs = trainers(count, env, seconds, batch_size)
    hog_process = subprocess.Popen([sys.executable, "-c", HOG, str(seconds + 5)]) if hog else None
    if hog:
        time.sleep(0.5)  # the competitor is running before training starts
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    results = [json.loads(p.stdout.readline())["images_per_second"] for p in procs]
    for p in procs:
        p.wait()
    if hog_process:
        hog_process.kill()
    return min(results)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    print(f"batch {args.batch_size}, {args.seconds:.0f} s per measurement; load before: {os.getloadavg()[0]:.2f}")
    print(f"{'setting':<12} {'quiet':>8} {'competitor':>16} {'two trainings':>16}")
    for name in args.variants.split(","):
        env = dict(os.environ, **VARIANTS[name])
        quiet = measure(1, env, args.seconds, args.batch_size)
        busy = measure(1, env, args.seconds, args.batch_size, hog=True)
        twin = measure(2, env, args.seconds, args.batch_size)
        print(f"{name:<12} {quiet:8,.0f} {busy:8,.0f} ({busy / quiet:4.0%}) {twin:8,.0f} ({twin / quiet:4.0%})",
              flush=True)


if __name__ == "__main__":
    main()
