"""Many independent jobs at once: hyper-parameter sweeps and survey-sized prediction (docs/scale.md).

:mod:`fastcnn.scale.backends` runs tasks on a local process pool (always
available) or on Ray (``pip install "fastcnn[ray]"``, :mod:`fastcnn.scale.ray_backend`); :mod:`fastcnn.scale.grid`
turns ``--grid`` options into trials; :mod:`fastcnn.scale.results` keeps a
sweep's results table; :mod:`fastcnn.scale.shards` splits an image list into
shards and writes their predictions.
"""
_WHERE = {"ProcessBackend": "backends", "check_backend": "backends", "make_backend": "backends",
          "plan_workers": "backends", "Backend": "task", "TaskFailure": "task"}


def __getattr__(name):
    """The public names, imported on first use (the backends load Numba's thread settings)."""
    import importlib

    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)


__all__ = list(_WHERE)
