"""What every backend shares: the :class:`Backend` interface, and a task's call with its failure kept.

:mod:`fastcnn.scale.backends` documents the contract (``run`` yields
``(index, result or TaskFailure)`` as tasks finish); the local process pool
is there, Ray's backend in :mod:`fastcnn.scale.ray_backend`.
"""
import traceback


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


def call_task(function, task, shared, threads):
    """function(task, shared, threads) on ``threads`` Numba threads, with an exception turned into a TaskFailure.

    Parameters
    ----------
    function : callable
        Defined at module level (the backends pickle it).
    task : object
    shared : object
    threads : int

    Returns
    -------
    object or TaskFailure
        What ``function`` returned, or what it raised.
    """
    from ..threads import set_num_threads

    try:
        set_num_threads(threads, share=False)  # the task owns its cores: no sharing with its sibling tasks
        return function(task, shared, threads)
    except Exception as error:  # noqa: BLE001 (a failed task is recorded; the others go on)
        return TaskFailure(f"{type(error).__name__}: {error}".splitlines()[0], traceback.format_exc())


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
