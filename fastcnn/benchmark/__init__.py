"""``fastcnn benchmark``: the reference model's speed, against the frameworks users would pick instead.

Three tasks, as the issue and the README quote them: training one epoch at
batch 32 and at batch 5 (the original's), and prediction at batch 256, on
1,120 images (the training split of the default data set), built-in
galaxies or random pixels.  Every framework runs in a worker process of its
own (:mod:`fastcnn.benchmark.worker`) with the same thread count; the
workers take turns, one timed round at a time, so that no two ever compute
at once and a slow minute on a shared machine hits every framework alike.
Throughput is images per second of the median round.

fastcnn is timed on float32 pixels in [0, 1], exactly what the peers get;
``fastcnn-uint8`` is fastcnn on its own input (uint8 pixels, scaled inside
the first kernel), which is what ``fastcnn train`` does.

The peers are optional: ``pip install ".[peers]"`` (torch, tensorflow, jax);
a framework that is not installed is skipped with a note.
"""
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

import numpy as np

TASKS = (("train", 32), ("train", 5), ("predict", 256))
FRAMEWORKS = ("fastcnn", "fastcnn-uint8")
PEERS = ("torch", "keras", "jax")
INSTALL_HINT = {"torch": "pip install torch==2.13.0", "keras": "pip install tensorflow-cpu",
                "jax": "pip install jax"}


@dataclass
class Result:
    """Seconds of every timed round, per framework and task; what could not run, and why.

    Parameters
    ----------
    threads : int
        Threads every framework was given.
    pixels : {"galaxies", "random"}
    images : int
        Images per timed round (one epoch, or one prediction pass).
    rounds : int
        Timed rounds per framework and task.
    seconds : dict, optional
        (framework, task, batch_size) -> the seconds of each round.
    versions : dict, optional
        Framework -> version string, for every framework that started.
    skipped : dict, optional
        Framework -> why it did not run (or stopped).
    """

    threads: int
    pixels: str
    images: int
    rounds: int
    seconds: dict = field(default_factory=dict)     # (framework, task, batch_size) -> [seconds, ...]
    versions: dict = field(default_factory=dict)    # framework -> version string
    skipped: dict = field(default_factory=dict)     # framework -> reason

    def images_per_second(self, framework, task, batch_size):
        """Throughput of the median round.

        Parameters
        ----------
        framework : str
        task : {"train", "predict"}
        batch_size : int

        Returns
        -------
        float or None
            ``images`` / median seconds; None when nothing was timed.
        """
        times = self.seconds.get((framework, task, batch_size))
        return self.images / float(np.median(times)) if times else None

    def to_json(self):
        """The result as plain JSON-serializable data.

        Returns
        -------
        dict
            The settings, ``versions``, ``skipped`` and a ``results`` list of
            {framework, task, batch_size, seconds, images_per_second}.
        """
        return {"threads": self.threads, "pixels": self.pixels, "images": self.images, "rounds": self.rounds,
                "versions": self.versions, "skipped": self.skipped,
                "results": [{"framework": f, "task": t, "batch_size": b, "seconds": s,
                             "images_per_second": self.images_per_second(f, t, b)}
                            for (f, t, b), s in self.seconds.items()]}


class Worker:
    """A worker process: started at once, then asked for one timed round at a time.

    The constructor waits for the worker's first line: ``ready`` holds it,
    ``{"ready": true, "version": ...}`` or ``{"error": ...}``.

    Parameters
    ----------
    framework : str
        One of :data:`FRAMEWORKS` or :data:`PEERS`.
    threads : int
    pixels : {"galaxies", "random"}
    images : int
        Images in the worker's data set.
    """

    def __init__(self, framework, threads, pixels, images):
        self.framework = framework
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fastcnn.benchmark.worker", framework, "--threads", str(threads),
             "--pixels", pixels, "--images", str(images)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True, bufsize=1,
            env=dict(os.environ, PYTHONWARNINGS="ignore"))
        self.ready = self._read()

    def _read(self):
        line = self.process.stdout.readline()
        if not line:
            self.log.seek(0)
            tail = self.log.read().strip().splitlines()[-1:] or ["the worker exited"]
            return {"error": tail[0]}
        return json.loads(line)

    def run(self, task, batch_size):
        """Ask for one timed round and wait for the answer.

        Parameters
        ----------
        task : {"train", "predict"}
        batch_size : int

        Returns
        -------
        dict
            ``{"seconds": float}``, or ``{"error": str}``.
        """
        self.process.stdin.write(json.dumps({"task": task, "batch_size": batch_size}) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self):
        """Ask the worker to quit (killing it after 30 s) and drop its log."""
        if self.process.poll() is None:
            try:
                self.process.stdin.write(json.dumps({"quit": True}) + "\n")
                self.process.stdin.close()
                self.process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
        self.log.close()


def run_benchmark(threads, pixels="galaxies", peers=False, rounds=5, images=1120, tasks=TASKS, progress=None):
    """Time every framework on every task; returns a :class:`Result`.

    ``progress(done, total, label)`` is called after each timed round.

    Parameters
    ----------
    threads : int
        Threads per framework.
    pixels : {"galaxies", "random"}, default "galaxies"
    peers : bool, default False
        Also time :data:`PEERS` (those installed).
    rounds : int, default 5
        Timed rounds per framework and task.
    images : int, default 1120
        Images per round.
    tasks : sequence of (str, int), default TASKS
        (task, batch_size) pairs.
    progress : callable, optional

    Returns
    -------
    Result
    """
    frameworks = FRAMEWORKS + (PEERS if peers else ())
    result = Result(threads=threads, pixels=pixels, images=images, rounds=rounds)
    workers = []
    try:
        for framework in frameworks:
            worker = Worker(framework, threads, pixels, images)
            if "error" in worker.ready:
                result.skipped[framework] = worker.ready["error"]
                worker.close()
                continue
            result.versions[framework] = worker.ready.get("version", "")
            workers.append(worker)
        total, done = len(tasks) * rounds * len(workers), 0
        for task, batch_size in tasks:
            for _ in range(rounds):
                for worker in workers:
                    if worker.framework in result.skipped:
                        continue
                    answer = worker.run(task, batch_size)
                    done += 1
                    if "error" in answer:
                        result.skipped[worker.framework] = answer["error"]
                        continue
                    result.seconds.setdefault((worker.framework, task, batch_size), []).append(answer["seconds"])
                    if progress is not None:
                        progress(done, total, f"{worker.framework} {task} {batch_size}")
    finally:
        for worker in workers:
            worker.close()
    return result


def format_table(result):
    """The result as text: images/s per task and framework, and fastcnn's ratio to each peer.

    Parameters
    ----------
    result : Result

    Returns
    -------
    str
        An aligned table, training tasks first, one row per (task, batch size).
    """
    frameworks = [f for f in FRAMEWORKS + PEERS if f in result.versions and f not in result.skipped]
    peers = [f for f in frameworks if f in PEERS]
    header = ["task"] + frameworks + [f"fastcnn / {p}" for p in peers]
    rows = []
    for task, batch_size in sorted({(t, b) for _, t, b in result.seconds}, key=lambda k: (k[0] != "train", -k[1])):
        cells = [f"{task}, batch {batch_size}"]
        mine = result.images_per_second("fastcnn", task, batch_size)
        for framework in frameworks:
            value = result.images_per_second(framework, task, batch_size)
            cells.append("-" if value is None else f"{value:,.0f}")
        for peer in peers:
            theirs = result.images_per_second(peer, task, batch_size)
            cells.append("-" if not (mine and theirs) else f"{mine / theirs:.2f}x")
        rows.append(cells)
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in [header] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
