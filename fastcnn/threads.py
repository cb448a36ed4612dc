"""How many threads the kernels use.

fastcnn's parallel kernels run on Numba's thread pool.  By default it uses
the cores this process may run on (``os.sched_getaffinity``: a container or
``taskset`` limit counts, not the machine's total), never more: more threads
than cores only makes them wait for each other.  ``set_num_threads(n)`` uses
fewer; ``fastcnn train/evaluate/predict --threads N`` call it.

The pool's size is fixed when Numba starts it (at the first parallel
kernel), from the environment variable ``NUMBA_NUM_THREADS``, which this
module sets to the number of usable cores unless it is already set.  So a
process that wants more threads than cores (a test of determinism across
thread counts, say) sets ``NUMBA_NUM_THREADS`` before starting Python.

Results never depend on the thread count: every reduction over the batch
runs in a fixed number of chunks chosen from the batch alone
(:func:`fastcnn._jit.chunk_bounds`).
"""
import os

from .errors import InvalidArgumentError


def usable_cores():
    """The number of cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


# before numba is imported anywhere in fastcnn (fastcnn/_jit.py imports this module first)
os.environ.setdefault("NUMBA_NUM_THREADS", str(usable_cores()))

import numba  # noqa: E402


def max_threads():
    """The size of Numba's thread pool: the most threads :func:`set_num_threads` accepts."""
    return int(numba.config.NUMBA_NUM_THREADS)


def set_num_threads(n):
    """Run fastcnn's kernels (and every Numba kernel of this thread) on ``n`` threads."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InvalidArgumentError(f"the number of threads must be a positive integer, got {n!r}")
    if n > max_threads():
        raise InvalidArgumentError(
            f"{n} threads asked for, but this process can use at most {max_threads()} "
            f"({usable_cores()} usable cores; set NUMBA_NUM_THREADS before starting Python for more)"
        )
    numba.set_num_threads(n)


def get_num_threads():
    """The number of threads the kernels run on now."""
    return int(numba.get_num_threads())
