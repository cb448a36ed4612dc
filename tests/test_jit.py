"""Every kernel is compiled with the shared options, lands in numba's on-disk
cache, and runs as plain Python under NUMBA_DISABLE_JIT=1."""
import importlib
import inspect
import pkgutil
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from numba.core.registry import CPUDispatcher

import fastcnn.kernels
from fastcnn._jit import JIT_OPTIONS

ROOT = Path(__file__).resolve().parents[1]
#: every module of the kernels package, the private ones holding loops and helpers included
KERNEL_MODULES = [
    importlib.import_module(f"fastcnn.kernels.{info.name}") for info in pkgutil.iter_modules(fastcnn.kernels.__path__)
]


def jitted_functions():
    for module in KERNEL_MODULES:
        for name, obj in vars(module).items():
            if isinstance(obj, CPUDispatcher) and obj.py_func.__module__ == module.__name__:
                yield f"{module.__name__}.{name}", obj


def test_every_kernel_uses_the_shared_jit_options():
    found = dict(jitted_functions())
    # a forward and a backward per op (the fused conv+pool and sigmoid, tanh, leaky_relu, elu included;
    # the two global pools have no loops of their own: they run the average and max pools' loops
    # with one H x W window), the fused loss, maxpool's _window_range and _window_argmax helpers,
    # average pooling's _windows_holding helper, the fused kernels' prefetch_item helper,
    # the Adam step, the softmax row that softmax and the fused loss share, and the fused
    # kernels' three inline helpers (add_tap, finish_window, gate_window); batch normalization's
    # training forward, inference and fused backward with the per-channel column sums and the row
    # normalisation they share, dropout's forward and backward, the dihedral views' gather and
    # view_strides, where a view's pixels lie (the gather and the fused kernels share it)
    assert len(found) == 29 + 5 + 2 + 3 + 2
    for name, dispatcher in found.items():
        for option, value in JIT_OPTIONS.items():
            if option == "cache":  # not a target option: it installs an on-disk cache
                assert type(dispatcher._cache).__name__ == "FunctionCache", name
            else:
                assert dispatcher.targetoptions.get(option) == value, (name, option)
    inlined = sorted(name.rsplit(".", 1)[1] for name, d in found.items() if d.targetoptions.get("inline") == "always")
    assert inlined == ["add_tap", "finish_window", "gate_window"]


def test_kernels_never_ask_numba_for_threads():
    # numba 0.68 silently refuses to cache a kernel that calls these
    for module in KERNEL_MODULES:
        source = inspect.getsource(module)
        assert "get_num_threads" not in source and "get_thread_id" not in source, module.__name__


def run_python(code, env_extra):
    env = dict(os.environ, **env_extra)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_every_kernel_is_cached_on_disk(tmp_path):
    """Compile into an empty cache dir (no 'Cannot cache' warning allowed),
    then a second process must load every kernel from that cache."""
    code = """
        import warnings, json
        from numba.core.errors import NumbaWarning
        warnings.simplefilter("error", NumbaWarning)
        from fastcnn.warmup import compile_all
        from tests.test_jit import jitted_functions
        compile_all()
        stats = {name: (sum(d.stats.cache_hits.values()), sum(d.stats.cache_misses.values()))
                 for name, d in jitted_functions()}
        print(json.dumps(stats))
    """
    env = {"NUMBA_CACHE_DIR": str(tmp_path)}
    first = run_python(code, env)
    assert first.returncode == 0, first.stderr
    second = run_python(code, env)
    assert second.returncode == 0, second.stderr
    import json
    stats = json.loads(second.stdout.strip().splitlines()[-1])
    # helpers called only from other kernels (never dispatched from Python)
    # are compiled into their callers and show (0, 0)
    not_cached = {name: s for name, s in stats.items() if s[1] != 0}
    assert sum(hits for hits, _ in stats.values()) >= 12
    assert not not_cached, f"kernels compiled again instead of loading from the cache: {not_cached}"


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="already running without the JIT")
def test_small_subset_passes_with_the_jit_disabled():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-m", "nojit", "-p", "no:cacheprovider", "tests/kernels"],
        cwd=ROOT, env=dict(os.environ, NUMBA_DISABLE_JIT="1"), capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout and "18 passed" in result.stdout, result.stdout[-500:]
