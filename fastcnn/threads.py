"""How many threads the kernels use, and how fastcnn shares a busy CPU.

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

**A busy CPU.**  A parallel kernel is as slow as its slowest thread: every
thread waits at the end of the loop for the others.  When another program
keeps a core busy, the thread that shares that core runs at half speed (or
waits for the scheduler's next time slice), and every kernel waits for it;
in our measurements (docs/performance.md) two threads beside one busy
process trained at 30% of their quiet speed, worse than one thread alone.
So by default fastcnn watches, about twice a second, how much CPU time
*other* processes used (from ``/proc/stat`` and ``/proc/self/stat``; Linux
only) and runs on the cores they leave free: with one busy program on two
cores, one thread.  When they stop, it goes back up.  ``set_num_threads(n,
share=False)`` turns this off.

Results never depend on the thread count: every reduction over the batch
runs in a fixed number of chunks chosen from the batch alone
(:func:`fastcnn._jit.chunk_bounds`).
"""
import os
import time

from .errors import InvalidArgumentError


def usable_cores():
    """The number of cores this process may run on.

    Returns
    -------
    int
        At least 1.
    """
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


# before numba is imported anywhere in fastcnn (fastcnn/_jit.py imports this module first)
os.environ.setdefault("NUMBA_NUM_THREADS", str(usable_cores()))

import numba  # noqa: E402

#: seconds between two looks at what other processes use
CHECK_INTERVAL = 0.5


def max_threads():
    """The size of Numba's thread pool: the most threads :func:`set_num_threads` accepts.

    Returns
    -------
    int
    """
    return int(numba.config.NUMBA_NUM_THREADS)


class _Policy:
    """The thread count asked for, and whether to leave busy cores to other programs."""

    def __init__(self):
        self.wanted = None     # None: all usable cores (capped by the pool)
        self.share = True
        self.watch = _CpuWatch() if os.path.exists("/proc/stat") else None



def set_num_threads(n=None, share=True):
    """Run fastcnn's kernels on at most ``n`` threads (None: every usable core).

    With ``share=True`` (the default) fastcnn uses fewer while other
    programs keep cores busy; ``share=False`` keeps exactly ``n``.

    Parameters
    ----------
    n : int or None
        At most :func:`max_threads`.
    share : bool, default True
    """
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise InvalidArgumentError(f"the number of threads must be a positive integer, got {n!r}")
    if n is not None and n > max_threads():
        raise InvalidArgumentError(
            f"{n} threads asked for, but this process can use at most {max_threads()} "
            f"({usable_cores()} usable cores; set NUMBA_NUM_THREADS before starting Python for more)"
        )
    _policy.wanted, _policy.share = n, bool(share)
    numba.set_num_threads(_wanted())


def get_num_threads():
    """The number of threads the kernels run on now.

    Returns
    -------
    int
    """
    return int(numba.get_num_threads())


def threads_in_use():
    """A line for logs: how many threads the kernels use now, and why.

    Returns
    -------
    str
        E.g. ``"2 threads (fewer while other programs keep cores busy)"``.
    """
    count = get_num_threads()
    text = f"{count} thread{'s' if count != 1 else ''}"
    if count < _wanted():
        return text + f" (of {_wanted()}: other programs are keeping cores busy)"
    if _policy.share and _policy.watch is not None:
        return text + " (fewer while other programs keep cores busy)"
    return text


def _wanted():
    return min(_policy.wanted or usable_cores(), max_threads())


def share_cores():
    """Fit the thread count to the cores other programs leave free (called between batches).

    Cheap: it reads two small files at most every CHECK_INTERVAL seconds.
    """
    watch = _policy.watch
    if watch is None or not _policy.share or not watch.due():
        return
    others = watch.others_busy_cores()
    if others is None:
        return
    threads = max(1, min(_wanted(), usable_cores() - int(others + 0.5)))
    if threads != numba.get_num_threads():
        numba.set_num_threads(threads)


class _CpuWatch:
    """CPU time used by other processes, from the kernel's counters.

    /proc/stat's first line counts, for all CPUs together, the clock ticks
    spent busy (user, nice, system, irq, softirq); /proc/self/stat counts
    this process's own (utime, stime).  Over an interval, the difference
    of the two, in ticks per second, is how many cores the others kept busy.
    """

    def __init__(self):
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.last = None
        self.next_check = 0.0

    def due(self):
        now = time.monotonic()
        if now < self.next_check:
            return False
        self.next_check = now + CHECK_INTERVAL
        return True

    @staticmethod
    def _read():
        with open("/proc/stat") as stat:
            fields = stat.readline().split()[1:]
        user, nice, system, _idle, _iowait, irq, softirq = (int(f) for f in fields[:7])
        with open("/proc/self/stat") as stat:
            mine = stat.read().rsplit(")", 1)[1].split()  # after "(command name)"
        return time.monotonic(), user + nice + system + irq + softirq, int(mine[11]) + int(mine[12])

    def others_busy_cores(self):
        try:
            now = self._read()
        except (OSError, ValueError, IndexError):
            self.last = None
            return None
        last, self.last = self.last, now
        if last is None or now[0] - last[0] <= 0:
            return None
        others = (now[1] - last[1]) - (now[2] - last[2])
        return max(0.0, others / self.tick / (now[0] - last[0]))


_policy = _Policy()
