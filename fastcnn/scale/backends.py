"""Run many independent tasks at once: a local process pool, or Ray (one machine or a cluster).

fastcnn scales by running independent jobs side by side (training trials,
shards of images), never by splitting one small model's step over machines.
Both backends take the same three things:

* ``function(task, shared, threads)``: a module-level function (so it can be
  pickled), called once per task in a worker; ``threads`` is the number of
  Numba threads the task may use (:func:`fastcnn.set_num_threads`);
* ``tasks``: a list of small, picklable task descriptions;
* ``shared``: one large object every task reads (a decoded data set, a model
  file's bytes).  It is sent once, never with each task: the process pool
  hands it to each worker process when the worker starts; Ray puts it in the
  object store once (``ray.put``), and tasks on the same node read the same
  copy (NumPy arrays without copying, read-only).

:meth:`Backend.run` yields ``(index, result)`` as tasks finish, in the order
they finish.  A task that raises yields an :class:`TaskFailure` instead of
stopping the others.  ``KeyboardInterrupt`` while waiting cancels the tasks
not yet finished (the pool's queued ones, Ray's pending ones) and is raised
again, so the caller keeps what finished.
"""
import concurrent.futures
import multiprocessing

from ..errors import InvalidArgumentError
from ..threads import usable_cores
from .task import Backend, TaskFailure, call_task

#: Set in a worker process of the local pool: the shared object and the thread count.
_WORKER = {}


def _start_worker(shared, threads):
    """Process-pool initializer: keep the shared object and the thread count."""
    _WORKER["shared"], _WORKER["threads"] = shared, threads


def _run_in_worker(function, task):
    return call_task(function, task, _WORKER["shared"], _WORKER["threads"])


def plan_workers(threads_per_task, cores=None):
    """How many tasks run at once when each uses ``threads_per_task`` threads: cores // threads, at least 1.

    Parameters
    ----------
    threads_per_task : int
    cores : int, optional
        Default: the cores this process may use.

    Returns
    -------
    int
    """
    cores = usable_cores() if cores is None else cores
    if not isinstance(threads_per_task, int) or threads_per_task < 1:
        raise InvalidArgumentError(f"threads per task must be a positive integer, got {threads_per_task!r}")
    if threads_per_task > cores:
        raise InvalidArgumentError(f"{threads_per_task} threads per task, but this machine has {cores} cores")
    return max(1, cores // threads_per_task)


class ProcessBackend(Backend):
    """A local ``ProcessPoolExecutor`` of cores // threads_per_task worker processes ("spawn", not fork).

    Parameters
    ----------
    threads_per_task : int
    workers : int, optional
        Default: :func:`plan_workers`.
    """

    name = "process"

    def __init__(self, threads_per_task=1, workers=None):
        super().__init__(threads_per_task)
        self.workers = plan_workers(threads_per_task) if workers is None else int(workers)

    def describe(self):
        return (f"{self.workers} local worker process{'es' if self.workers != 1 else ''}, "
                f"{self.threads} thread{'s' if self.threads != 1 else ''} each")

    def run(self, function, tasks, shared):
        # spawn: a forked child would inherit the parent's Numba thread pool in an unusable state
        context = multiprocessing.get_context("spawn")
        workers = min(self.workers, max(1, len(tasks)))
        pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                                      initargs=(shared, self.threads))
        futures = {pool.submit(_run_in_worker, function, task): index for index, task in enumerate(tasks)}
        try:
            for future in concurrent.futures.as_completed(futures):
                try:
                    result = future.result()
                except Exception as error:  # noqa: BLE001 (a worker that died: BrokenProcessPool and the like)
                    result = TaskFailure(f"{type(error).__name__}: {error}".splitlines()[0])
                yield futures[future], result
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def check_backend(name, address=None):
    """A one-line error for a backend that cannot be used as asked; nothing is started.

    Parameters
    ----------
    name : {"process", "ray"}
    address : str, optional

    Returns
    -------
    None
    """
    if name not in ("process", "ray"):
        raise InvalidArgumentError(f"unknown backend {name!r}: use 'process' or 'ray'")
    if name == "process" and address is not None:
        raise InvalidArgumentError("--address is for the Ray backend: add --backend ray")
    if name == "ray":
        from .ray_backend import import_ray

        import_ray()


def make_backend(name, threads_per_task=1, address=None):
    """The backend called ``name``: "process" (the default, no extra needed) or "ray".

    Parameters
    ----------
    name : {"process", "ray"}
    threads_per_task : int
    address : str, optional
        Ray only: an existing cluster ("auto", "ray://host:port").

    Returns
    -------
    Backend
    """
    check_backend(name, address)
    if name == "process":
        return ProcessBackend(threads_per_task)
    from .ray_backend import RayBackend

    return RayBackend(threads_per_task, address)
