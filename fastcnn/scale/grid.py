"""A sweep's trials: every combination of the ``--grid`` values, once per seed.

``--grid learning_rate=1e-3,3e-3 --grid augment=none,dihedral --seeds 0,1``
gives 2 x 2 x 2 = 8 trials.  A value list is split at commas, or at
semicolons when it has any (``lr_schedule=warmup:1,cosine;cosine``).  Each
trial has a stable id made of its position and its settings
(``003_learning_rate=0.003_augment=dihedral_seed=1``), which names its folder.
"""
import itertools
import re

from ..errors import InvalidArgumentError


class Trial:
    """One training run of a sweep.

    Parameters
    ----------
    number : int
        Its position in the sweep (0, 1, ...).
    params : dict of str to str
        The grid's setting for this trial, option name (underscores) -> value as given.
    seed : int
    """

    def __init__(self, number, params, seed):
        self.number, self.params, self.seed = number, dict(params), int(seed)

    @property
    def id(self):
        """The trial's folder name: position, settings and seed, in characters safe in any file system."""
        parts = [f"{self.number:03d}"] + [f"{key}={value}" for key, value in self.params.items()]
        return re.sub(r"[^A-Za-z0-9._=+-]+", "-", "_".join(parts + [f"seed={self.seed}"]))

    @property
    def setting(self):
        """The params without the seed, as a hashable key: trials that differ only in seed share it."""
        return tuple(self.params.items())

    def to_dict(self):
        """{"id", "number", "params", "seed"} for the sweep's JSON file.

        Returns
        -------
        dict
        """
        return {"id": self.id, "number": self.number, "params": self.params, "seed": self.seed}


def parse_grid(specs):
    """``["name=v1,v2", ...]`` -> {name: [v1, v2]}, names with underscores, in the order given.

    Parameters
    ----------
    specs : sequence of str

    Returns
    -------
    dict of str to list of str
    """
    grid = {}
    for spec in specs:
        name, sep, values = spec.partition("=")
        name = name.strip().replace("-", "_").lstrip("_")
        if not sep or not name:
            raise InvalidArgumentError(f"--grid wants NAME=VALUE,VALUE..., got {spec!r}")
        items = [v.strip() for v in values.split(";" if ";" in values else ",")]
        if not all(items):
            raise InvalidArgumentError(f"--grid {spec!r}: an empty value")
        if name in grid:
            raise InvalidArgumentError(f"--grid {name} is given twice")
        if len(set(items)) != len(items):
            raise InvalidArgumentError(f"--grid {spec!r}: a value is repeated")
        grid[name] = items
    return grid


def parse_seeds(text):
    """``"0,1,2"`` or ``"0-4"`` -> [0, 1, 2] or [0, 1, 2, 3, 4].

    Parameters
    ----------
    text : str

    Returns
    -------
    list of int
    """
    seeds = []
    for part in str(text).split(","):
        start, dash, stop = part.strip().partition("-")
        if not (start.isdigit() and (not dash or stop.isdigit())):
            raise InvalidArgumentError(f"--seeds wants numbers like 0,1,2 or 0-4, got {text!r}")
        seeds.extend(range(int(start), int(stop) + 1) if dash else [int(start)])
    if len(set(seeds)) != len(seeds) or not seeds:
        raise InvalidArgumentError(f"--seeds {text!r}: each seed once, at least one")
    return seeds


def expand(grid, seeds):
    """Every combination of the grid's values (the first name varies slowest), once per seed.

    Parameters
    ----------
    grid : dict of str to list of str
    seeds : list of int

    Returns
    -------
    list of Trial
    """
    names = list(grid)
    combos = itertools.product(*(grid[name] for name in names)) if names else [()]
    trials = []
    for values in combos:
        for seed in seeds:
            trials.append(Trial(len(trials), dict(zip(names, values)), seed))
    return trials
