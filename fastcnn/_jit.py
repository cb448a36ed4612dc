"""The one place that decides how fastcnn's kernels are compiled.

Every kernel in ``fastcnn/kernels/`` is decorated with :data:`kernel` (serial)
or :data:`parallel_kernel` (``prange`` over the batch).  Changing a flag here
changes it everywhere.

* ``cache=True``: the compiled machine code is written next to the source
  (``__pycache__``) so only the very first run pays the compile time.  Nothing
  inside a kernel may defeat this: in particular no call to
  ``numba.get_num_threads()`` or ``numba.get_thread_id()`` (numba 0.68 then
  refuses to cache the kernel, with only a ``NumbaWarning``).  Numba's cache
  checks only the kernel's own source file: after editing this module (or a
  helper kernel in another file), clear ``__pycache__`` or NUMBA_CACHE_DIR.
* ``nogil=True``: kernels release the GIL, so other Python threads of the
  program (a user's data loader, a GUI) keep running while a batch trains.
* ``error_model="numpy"``: division by zero gives inf/nan like NumPy instead of
  raising, which removes a branch from every division in a hot loop.
* ``fastmath={"contract"}``: a multiply followed by an add may become one
  fused multiply-add (one rounding instead of two).  Nothing else of
  fast-math: sums are never reordered (results stay bit-reproducible, run to
  run and thread count to thread count), and NaN/inf keep their meaning, so a
  diverging run is noticed.
* SLP vectorisation is switched on (numba leaves it off by default).  The hot
  loops run over the channel axis in blocks of :data:`LANES` with a constant
  trip count; LLVM's SLP vectoriser turns each block into single SIMD
  instructions (one 256-bit AVX register holds 8 float32).  It changes no
  result (the tests hold every kernel to its twin); numba turned it off by
  default after miscompilations in older LLVM versions, so set
  NUMBA_SLP_VECTORIZE=0 to rule it out when chasing a strange result.

With the environment variable ``NUMBA_DISABLE_JIT=1`` every kernel runs as the
plain Python function it is written as, so it can be stepped through in a
debugger (slowly, so use tiny shapes).
"""
import os

from . import threads  # noqa: F401  (sets NUMBA_NUM_THREADS before numba starts its pool)

# Set in the environment too: numba re-reads its configuration from NUMBA_*
# variables whenever they change, which would silently undo a plain assignment.
os.environ.setdefault("NUMBA_SLP_VECTORIZE", "1")

import numba  # noqa: E402
import numpy as np  # noqa: E402
from numba import njit  # noqa: E402

# read by numba each time it builds an optimisation pipeline, i.e. at each compilation
numba.config.SLP_VECTORIZE = int(os.environ["NUMBA_SLP_VECTORIZE"])

JIT_OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy", "fastmath": {"contract"}}

kernel = njit(**JIT_OPTIONS)
parallel_kernel = njit(parallel=True, **JIT_OPTIONS)
#: A piece of a kernel's loop body, written once and pasted by numba into each
#: place that calls it (``inline="always"`` inlines numba's own IR, before LLVM
#: sees the code), so LLVM compiles it exactly as if it were written out there:
#: a stack array handed to it still becomes registers (docs/numba.md).  Keep
#: such helpers in the file of the kernel that calls them: numba's cache checks
#: only that file.
inline_helper = njit(inline="always", **JIT_OPTIONS)

#: Channel loops run in blocks of this many lanes (8 float32 = one AVX
#: register).  Kernels that need it ask the wrappers to pad the channel axis to
#: a multiple of LANES; the reference model's 8 channels need no padding.
LANES = 8

#: Gradient reductions over the batch (dW = sum over samples) are split into
#: at most this many chunks.  Each chunk owns its own partial-sum buffer and the
#: buffers are added in a fixed order afterwards.  The count depends only on the
#: batch size, never on the number of threads, so results are bit-identical
#: from run to run and for any thread count.  (Across different CPUs the last
#: bits may differ: whether a multiply-add is fused depends on the hardware.)
MAX_REDUCTION_CHUNKS = 8


def reduction_chunks(batch_size):
    """Number of partial-sum buffers for a batch of ``batch_size`` samples."""
    return max(1, min(int(batch_size), MAX_REDUCTION_CHUNKS))


def chunk_bounds(N, items_per_sample, whole_samples=False):
    """Where each reduction chunk starts, over N samples of ``items_per_sample`` work items each.

    Returns ``bounds`` (int64, n_chunks + 1): chunk c takes items
    ``bounds[c] .. bounds[c+1] - 1``.  The N * items_per_sample items are cut
    into at most MAX_REDUCTION_CHUNKS nearly equal chunks, or, with
    ``whole_samples``, into chunks of whole samples (when items of one
    sample write to the same memory).  Like :func:`reduction_chunks`, this
    depends on the batch only, never on the thread count.
    """
    units, size = (N, items_per_sample) if whole_samples else (N * items_per_sample, 1)
    n_chunks = max(1, min(units, MAX_REDUCTION_CHUNKS))
    return np.array([c * units // n_chunks * size for c in range(n_chunks + 1)], dtype=np.int64)
