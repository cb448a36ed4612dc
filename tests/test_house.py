"""The house rules a reader relies on: every kernel has its NumPy twin with
the same signature, a math page and a test file of the same name; the
package list in pyproject.toml is complete; every public callable keeps the
numpydoc contract; no module is over 250 lines; imports point one way."""
import ast
import importlib
import importlib.util
import inspect
import pkgutil
import re
import tomllib
from pathlib import Path

import fastcnn
from fastcnn import kernels, reference

ROOT = Path(__file__).resolve().parents[1]
OPS = sorted(info.name for info in pkgutil.iter_modules(kernels.__path__) if not info.name.startswith("_"))


def test_every_kernel_module_has_twin_doc_and_test():
    assert OPS == sorted(["adam", "conv2d", "conv2d_relu_maxpool2d", "dense", "elu", "leaky_relu", "maxpool2d", "relu",
                          "sigmoid", "softmax", "softmax_cross_entropy", "tanh", "batch_normalization", "dropout",
                          "average_pooling2d", "global_average_pooling2d", "global_max_pooling2d", "dihedral"])
    for op in OPS:
        assert (ROOT / "fastcnn" / "reference" / f"{op}.py").is_file(), op
        assert (ROOT / "docs" / "math" / f"{op}.md").is_file(), op
        assert (ROOT / "tests" / "kernels" / f"test_{op}.py").is_file(), op


def test_kernels_and_twins_share_names_and_signatures():
    assert sorted(kernels.__all__) == reference.__all__ and len(reference.__all__) == 22 + 5 + 6 + 1  # + BN, dropout, pools, dihedral
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


# ---- the second storey: docstrings as a contract, small modules, one-way arrows -------------

SOURCES = sorted(list((ROOT / "fastcnn").rglob("*.py")) + list((ROOT / "cli").rglob("*.py")))
MAX_LINES = 250
SECTION = re.compile(r"^[ \t]*(Parameters|Returns|Yields|Raises|Attributes|Notes|Examples|See Also)[ \t]*\n"
                     r"[ \t]*-{3,}[ \t]*\n", re.M)


def module_name(path):
    """``fastcnn/layers/base.py`` -> ``fastcnn.layers.base``; ``cli/x.py`` -> ``fastcnn_cli.x``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    parts[0] = "fastcnn_cli" if parts[0] == "cli" else parts[0]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sections(doc):
    """A numpydoc docstring's sections: {"Parameters": text, ...}."""
    pieces = SECTION.split(doc)
    return {pieces[i]: pieces[i + 1] for i in range(1, len(pieces) - 1, 2)}


def documented(parameters_text):
    """The names a Parameters section documents (``x, y : float`` documents both)."""
    names = set()
    for line in parameters_text.splitlines():
        if line.strip() and len(line) - len(line.lstrip()) <= 4 and not line.strip().startswith(("(", "-")):
            head = line.split(" : ")[0].rstrip(":").strip()
            names.update(name.strip().lstrip("*") for name in head.split(","))
    return names


def own_nodes(function):
    """The AST nodes of ``function``'s own body (not of functions or classes nested in it)."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            yield node
            stack.extend(ast.iter_child_nodes(node))


def arguments(function):
    args = function.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return [name for name in names if name not in ("self", "cls")]


def contract_problems(function, where, doc):
    """What ``function``'s docstring ``doc`` lacks of the numpydoc contract."""
    decorators = [ast.unparse(d) for d in function.decorator_list]
    if any(d.startswith(("click.", "cli.")) for d in decorators):
        return []  # a command's docstring is its --help text; its options carry their own help
    if not doc:
        return [f"{where}: no docstring"]
    if "property" in decorators or any(d.endswith(".setter") for d in decorators):
        return []
    found, problems = sections(doc), []
    names = arguments(function)
    if names and "Parameters" not in found:
        problems.append(f"{where}: no Parameters section for {names}")
    elif names:
        missing = [name for name in names if name not in documented(found["Parameters"])]
        if missing:
            problems.append(f"{where}: Parameters does not document {missing}")
    nodes = list(own_nodes(function))
    if any(isinstance(n, ast.Return) and n.value is not None and not (isinstance(n.value, ast.Constant)
                                                                       and n.value.value is None) for n in nodes) \
            and "Returns" not in found:
        problems.append(f"{where}: returns a value but has no Returns section")
    if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in nodes) and "Yields" not in found:
        problems.append(f"{where}: yields but has no Yields section")
    return problems


def inherits_doc(module, class_name, method):
    """True when a base class documents ``method`` (numpydoc and Sphinx then show that docstring)."""
    cls = getattr(importlib.import_module(module), class_name)
    return any(getattr(getattr(base, method, None), "__doc__", None) for base in cls.__mro__[1:] if base is not object)


def public_modules():
    for path in SOURCES:
        relative = path.relative_to(ROOT)
        if not any(part.startswith("_") and part != "__init__.py" for part in relative.parts):
            yield path, relative, module_name(path)


def test_every_public_callable_has_a_numpydoc_docstring():
    """Public functions, classes and methods of fastcnn/ and cli/ (names without a leading
    underscore, in modules without one): a docstring; a Parameters section naming every
    argument (a class documents its constructor's); Returns when a value is returned;
    Yields for a generator.  A method without a docstring of its own passes only when a
    base class documents it (it is shown with that docstring)."""
    problems = []
    for path, relative, module in public_modules():
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                problems += contract_problems(node, f"{relative}:{node.name}", ast.get_docstring(node))
            if not isinstance(node, ast.ClassDef) or node.name.startswith("_"):
                continue
            class_doc = ast.get_docstring(node)
            if not class_doc:
                problems.append(f"{relative}:{node.name}: no class docstring")
            for item in node.body:
                if not isinstance(item, ast.FunctionDef):
                    continue
                where = f"{relative}:{node.name}.{item.name}"
                if item.name == "__init__":
                    problems += contract_problems(item, where, ast.get_docstring(item) or class_doc or "")
                elif not item.name.startswith("_"):
                    if ast.get_docstring(item) is None and inherits_doc(module, node.name, item.name):
                        continue
                    problems += contract_problems(item, where, ast.get_docstring(item))
    assert not problems, f"{len(problems)} public callables break the docstring contract:\n" + "\n".join(problems)


def test_the_docstring_check_can_fail():
    bare = ast.parse("def f(x, y):\n    '''Sum.'''\n    return x + y\n").body[0]
    assert len(contract_problems(bare, "f", ast.get_docstring(bare))) == 2
    good = ast.parse("def f(x, y):\n    '''Sum.\n\n    Parameters\n    ----------\n    x, y : float\n\n"
                     "    Returns\n    -------\n    float\n    '''\n    return x + y\n").body[0]
    assert contract_problems(good, "f", ast.get_docstring(good)) == []


def test_no_module_is_over_250_lines():
    long = {str(path.relative_to(ROOT)): n for path in SOURCES if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def imports_of(path, module):
    """The fastcnn and fastcnn_cli modules that ``module`` (at ``path``) imports, anywhere in it."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from package import submodule` imports the submodule
            targets = [f"{base}.{alias.name}" if importlib.util.find_spec(base) and _is_module(f"{base}.{alias.name}")
                       else base for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t.split(".")[0] in ("fastcnn", "fastcnn_cli"))
    return found - {module}


def _is_module(name):
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def test_imports_have_no_cycles():
    """Every import (also inside functions) points one way: the module graph has no cycle.

    A package's ``__init__`` re-exporting its submodules is an edge like any
    other, so a submodule importing its own package top would show up as a cycle."""
    graph = {module_name(path): imports_of(path, module_name(path)) for path in SOURCES}
    cycles, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                cycles.append(trail[trail.index(target):] + [target])
            elif target not in state:
                visit(target, trail + [target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in cycles)
