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
import traceback

from ..errors import InvalidArgumentError
from ..threads import usable_cores

#: Set in a worker process of the local pool: the shared object and the thread count.
_WORKER = {}


class TaskFailure:
    """What a task raised, in place of its result.

    Parameters
    ----------
    error : str
        One line: the exception's type and message.
    details : str
        The traceback, for a log file.
    """

    def __init__(self, error, details=""):
        self.error, self.details = error, details

    def __repr__(self):
        return f"TaskFailure({self.error!r})"


def _call(function, task, shared, threads):
    """function(task, shared, threads) on ``threads`` Numba threads, with an exception turned into a TaskFailure."""
    from ..threads import set_num_threads

    try:
        set_num_threads(threads, share=False)  # the task owns its cores: no sharing with its sibling tasks
        return function(task, shared, threads)
    except Exception as error:  # noqa: BLE001 (a failed task is recorded; the others go on)
        return TaskFailure(f"{type(error).__name__}: {error}".splitlines()[0], traceback.format_exc())


def _start_worker(shared, threads):
    """Process-pool initializer: keep the shared object and the thread count."""
    _WORKER["shared"], _WORKER["threads"] = shared, threads


def _run_in_worker(function, task):
    return _call(function, task, _WORKER["shared"], _WORKER["threads"])


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


class Backend:
    """Where tasks run; see the module docstring.

    Parameters
    ----------
    threads_per_task : int
        Numba threads each task uses.
    """

    name = "?"

    def __init__(self, threads_per_task=1):
        self.threads = threads_per_task

    def run(self, function, tasks, shared):
        """Yield (index into tasks, result or TaskFailure) as tasks finish.

        Parameters
        ----------
        function : callable
            ``function(task, shared, threads)``, defined at module level.
        tasks : list
        shared : object
            Read by every task; sent once.

        Yields
        ------
        (int, object)
        """
        raise NotImplementedError

    def describe(self):
        """One line for people: where the tasks run.

        Returns
        -------
        str
        """
        raise NotImplementedError

    def close(self):
        """Release the workers (a no-op where there is nothing to release).

        Returns
        -------
        None
        """


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


class RayBackend(Backend):
    """Ray tasks, each asking for ``num_cpus=threads_per_task``; on this machine, or the cluster at ``address``.

    Parameters
    ----------
    threads_per_task : int
    address : str, optional
        None: start Ray on this machine (its cores); "auto" or "ray://host:port": an existing cluster.
    """

    name = "ray"

    def __init__(self, threads_per_task=1, address=None):
        super().__init__(threads_per_task)
        self.ray = import_ray()
        if not self.ray.is_initialized():
            options = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
            if address is None:
                options["num_cpus"] = usable_cores()
            self.ray.init(address=address, **options)
            self.started = True
        else:
            self.started = False
        cpus = int(self.ray.cluster_resources().get("CPU", 0))
        if threads_per_task > cpus:
            raise InvalidArgumentError(f"{threads_per_task} threads per task, but the Ray cluster has {cpus} CPUs")
        self.address = address

    def describe(self):
        nodes = [node for node in self.ray.nodes() if node.get("Alive")]
        cpus = int(self.ray.cluster_resources().get("CPU", 0))
        where = "this machine" if self.address is None else self.address
        return (f"Ray on {where}: {len(nodes)} node{'s' if len(nodes) != 1 else ''}, {cpus} CPUs, "
                f"{self.threads} thread{'s' if self.threads != 1 else ''} per task")

    def warm_up(self, function):
        """Run ``function()`` once on every node (compiling the kernels into that node's cache) and wait.

        Parameters
        ----------
        function : callable
            Takes no argument; defined at module level.

        Returns
        -------
        int
            The number of nodes.
        """
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        ray = self.ray
        remote = ray.remote(num_cpus=self.threads)(function)
        nodes = [node["NodeID"] for node in ray.nodes() if node.get("Alive")]
        ray.get([remote.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False)).remote()
                 for node in nodes])
        return len(nodes)

    def run(self, function, tasks, shared):
        ray = self.ray
        shared_ref = ray.put(shared)  # once: every task reads this copy
        remote = ray.remote(num_cpus=self.threads, max_retries=0)(_call)
        pending = {remote.remote(function, task, shared_ref, self.threads): index for index, task in enumerate(tasks)}
        try:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    index = pending.pop(ref)
                    try:
                        result = ray.get(ref)
                    except Exception as error:  # noqa: BLE001 (a worker that died, a task cancelled)
                        result = TaskFailure(f"{type(error).__name__}: {error}".splitlines()[0])
                    yield index, result
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)

    def close(self):
        if self.started:
            self.ray.shutdown()


def import_ray():
    """The ``ray`` module, or a one-line error saying how to install it.

    Returns
    -------
    module
    """
    try:
        import ray
    except ImportError:
        raise InvalidArgumentError('the Ray backend needs Ray: pip install "fastcnn[ray]"') from None
    return ray


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
    if name == "process":
        if address is not None:
            raise InvalidArgumentError("--address is for the Ray backend: add --backend ray")
        return ProcessBackend(threads_per_task)
    if name == "ray":
        return RayBackend(threads_per_task, address)
    raise InvalidArgumentError(f"unknown backend {name!r}: use 'process' or 'ray'")

