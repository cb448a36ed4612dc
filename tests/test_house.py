"""The house rules a reader relies on: every kernel has its NumPy twin with
the same signature, a math page and a test file of the same name, and the
package list in pyproject.toml is complete."""
import inspect
import pkgutil
import tomllib
from pathlib import Path

import fastcnn
from fastcnn import kernels, reference

ROOT = Path(__file__).resolve().parents[1]
OPS = sorted(info.name for info in pkgutil.iter_modules(kernels.__path__) if not info.name.startswith("_"))


def test_every_kernel_module_has_twin_doc_and_test():
    assert OPS == ["adam", "conv2d", "conv2d_relu_maxpool2d", "dense", "maxpool2d", "relu", "softmax",
                   "softmax_cross_entropy"]
    for op in OPS:
        assert (ROOT / "fastcnn" / "reference" / f"{op}.py").is_file(), op
        assert (ROOT / "docs" / "math" / f"{op}.md").is_file(), op
        assert (ROOT / "tests" / "kernels" / f"test_{op}.py").is_file(), op


def test_kernels_and_twins_share_names_and_signatures():
    assert kernels.__all__ == reference.__all__
    for name in kernels.__all__:
        fast, slow = getattr(kernels, name), getattr(reference, name)
        assert inspect.signature(fast) == inspect.signature(slow), name
        assert fast.__doc__ and slow.__doc__, name


def test_every_package_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {"fastcnn"} | {
        "fastcnn." + info.name for info in pkgutil.walk_packages(fastcnn.__path__) if info.ispkg
    }
    on_disk.add("fastcnn_cli")
    assert on_disk == listed
