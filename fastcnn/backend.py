"""Which implementation the layers call: the Numba kernels or the NumPy twins.

Layers never import a kernel directly; they ask :func:`ops` for the current
namespace.  Both namespaces expose the same functions with the same
signatures, so switching is a one-liner::

    from fastcnn.backend import use_backend
    with use_backend("reference"):       # plain NumPy, slow, easy to read
        model.fit(x, y, epochs=1)

The default is ``"numba"``.  The benchmarks use the switch to time the same
model on both; the tests use it to check both agree layer by layer.
"""
from contextlib import contextmanager

from . import kernels, reference
from .errors import InvalidArgumentError

BACKENDS = {"numba": kernels, "reference": reference}
_current = "numba"


def ops():
    """The namespace of the active backend (``fastcnn.kernels`` by default).

    Returns
    -------
    module
        ``fastcnn.kernels`` or ``fastcnn.reference``.
    """
    return BACKENDS[_current]


def current_backend():
    """The active backend's name.

    Returns
    -------
    {"numba", "reference"}
    """
    return _current


@contextmanager
def use_backend(name):
    """Run the enclosed code with backend ``name`` (``"numba"`` or ``"reference"``).

    Parameters
    ----------
    name : {"numba", "reference"}

    Yields
    ------
    None
        The previous backend is restored on leaving, even after an error.
    """
    global _current
    if name not in BACKENDS:
        raise InvalidArgumentError(f"backend must be one of {sorted(BACKENDS)}, got {name!r}")
    previous, _current = _current, name
    try:
        yield
    finally:
        _current = previous
