"""The one place that decides how fastcnn's kernels are compiled.

Every kernel in ``fastcnn/kernels/`` is decorated with :data:`kernel` (serial)
or :data:`parallel_kernel` (``prange`` over the batch).  Changing a flag here
changes it everywhere.

* ``cache=True``: the compiled machine code is written next to the source
  (``__pycache__``) so only the very first run pays the compile time.  Nothing
  inside a kernel may defeat this: in particular no call to
  ``numba.get_num_threads()`` or ``numba.get_thread_id()`` (numba 0.68 then
  silently refuses to cache the kernel).
* ``nogil=True``: kernels release the GIL, so a data-loading thread can run
  while a batch trains.
* ``error_model="numpy"``: division by zero gives inf/nan like NumPy instead of
  raising, which removes a branch from every division in a hot loop.
* ``fastmath`` stays off: results must be reproducible and comparable with the
  reference twins, and NaNs must propagate so a diverging run is noticed.

With the environment variable ``NUMBA_DISABLE_JIT=1`` every kernel runs as the
plain Python function it is written as, so it can be stepped through in a
debugger (slowly, so use tiny shapes).
"""
from numba import njit

JIT_OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy", "fastmath": False}

kernel = njit(**JIT_OPTIONS)
parallel_kernel = njit(parallel=True, **JIT_OPTIONS)

#: Gradient reductions over the batch (dW = sum over samples) are split into
#: at most this many chunks.  Each chunk owns its own partial-sum buffer and the
#: buffers are added in a fixed order afterwards.  The count depends only on the
#: batch size, never on the number of threads, so results are bit-identical on
#: every machine and every run.
MAX_REDUCTION_CHUNKS = 8


def reduction_chunks(batch_size):
    """Number of partial-sum buffers for a batch of ``batch_size`` samples."""
    return max(1, min(int(batch_size), MAX_REDUCTION_CHUNKS))
