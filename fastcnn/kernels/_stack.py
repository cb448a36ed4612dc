"""Small fixed-size arrays on the stack, for accumulators inside a kernel.

A kernel's innermost loops add into a handful of running sums: the
convolution keeps ``(2, 2, LANES)`` of them, one per pixel of a pooling
window and output channel.  Where those sums live decides the speed:

* ``np.empty(...)`` inside a ``prange`` body is a heap allocation (and a
  free) on every iteration: 2-6x slower in this project's kernels;
* an array passed in as an argument may, for all LLVM knows, overlap the
  input arrays, so every update is stored back to memory before the next
  input is read, and nothing stays in a register;
* a *stack* array of a size known at compile time is private to the
  function, so LLVM's SROA pass turns it into plain values: with the loops
  over it fully unrolled, ``(2, 2, 8)`` float32 sums become four SIMD
  registers and never touch memory.

Numba has no stack arrays, so :func:`stack_array` makes one: an
``@intrinsic`` (a function that emits LLVM IR directly) places an ``alloca``
of ``prod(shape)`` elements in the function's entry block, and
``numba.carray`` views that memory as an array of ``shape``.  The size of an
``alloca`` in the entry block must be known when the function is compiled, so
``shape`` must be a tuple of ints defined at module level, e.g.
``WINDOW_SUMS = (2, 2, LANES)``: numba freezes a module's globals into the
compiled code as constants.  (A tuple written inline inside a ``prange`` body
does not work: numba hoists it out of the loop and passes it in as a
variable.)  The memory is uninitialised, like ``np.empty``, and lives until
the function returns: never return it.

Under ``NUMBA_DISABLE_JIT=1`` the plain-Python :func:`stack_array` below runs
instead and returns ``np.empty(shape, dtype)``.
"""
import math

import numpy as np
from numba import carray, types
from numba.core import cgutils
from numba.extending import intrinsic, overload


def stack_array(shape, dtype):
    """An uninitialised array of constant ``shape`` on the stack (``np.empty`` without the JIT)."""
    return np.empty(shape, dtype)


@intrinsic
def _alloca(typingctx, count, dtype):
    """Pointer to ``count`` (a compile-time constant) uninitialised elements of ``dtype`` on the stack."""
    if not isinstance(count, types.IntegerLiteral):
        return None
    element = dtype.dtype

    def codegen(context, builder, signature, args):
        size = context.get_constant(types.intp, count.literal_value)
        return cgutils.alloca_once(builder, context.get_value_type(element), size=size)

    return types.CPointer(element)(count, dtype), codegen


def _constant_shape(shape):
    """The shape as a tuple of ints, if numba typed it as integer literals; else None."""
    if isinstance(shape, types.IntegerLiteral):
        return (shape.literal_value,)
    if isinstance(shape, types.BaseTuple) and all(isinstance(t, types.IntegerLiteral) for t in shape.types):
        return tuple(t.literal_value for t in shape.types)
    return None


@overload(stack_array, prefer_literal=True)
def _stack_array_jit(shape, dtype):
    """The compiled version of :func:`stack_array` (chosen by numba inside jitted code)."""
    dims = _constant_shape(shape)
    if dims is None:
        return None  # numba reports "no implementation": shape must be a module-level tuple of ints
    count = math.prod(dims)

    def implementation(shape, dtype):
        return carray(_alloca(count, dtype), dims)

    return implementation
