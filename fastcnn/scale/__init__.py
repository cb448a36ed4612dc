"""Many independent jobs at once: hyper-parameter sweeps and survey-sized prediction (docs/scale.md).

:mod:`fastcnn.scale.backends` runs tasks on a local process pool (always
available) or on Ray (``pip install "fastcnn[ray]"``, :mod:`fastcnn.scale.ray_backend`); :mod:`fastcnn.scale.grid`
turns ``--grid`` options into trials; :mod:`fastcnn.scale.results` keeps a
sweep's results table; :mod:`fastcnn.scale.shards` splits an image list into
shards and writes their predictions.
"""
from .backends import ProcessBackend, check_backend, make_backend, plan_workers
from .task import Backend, TaskFailure

__all__ = ["Backend", "ProcessBackend", "TaskFailure", "check_backend", "make_backend", "plan_workers"]
