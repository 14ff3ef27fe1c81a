"""The package's joints: no import cycles, no private names across modules, the library apart from the lab."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import kmeans_lab

PACKAGE = Path(kmeans_lab.__file__).parent
# What the library (everything outside kmeans_lab.lab) may import at module level: the standard
# library, NumPy, Pillow and threadpoolctl. Optional packages are imported where they are used, by _optional.require.
CORE_THIRD_PARTY = {"numpy", "PIL", "threadpoolctl"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(absolute module, imported names, line) of every module-level import of ``path``."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.append((target, [alias.name for alias in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, [], node.lineno) for alias in node.names)
    return found


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _internal_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for target, names, _ in _imports(path):
            if not target.startswith("kmeans_lab"):
                continue
            # `from .pkg import submodule` depends on the submodule, not only on the package.
            for candidate in [f"{target}.{n}" for n in names] + [target]:
                if candidate in MODULES and candidate != name:
                    graph[name].add(candidate)
                    break
    return graph


def test_no_import_cycles():
    graph = _internal_graph()
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " -> ".join(trail[trail.index(nxt) :] + [nxt]))
            if nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_no_private_name_imported_across_modules():
    offences = [
        f"{_module_name(path)}:{line} imports {n} from {target}"
        for path in MODULES.values()
        for target, names, line in _imports(path)
        for n in names
        if n.startswith("_") and not n.endswith("__") and target.startswith("kmeans_lab")
    ]
    assert not offences, offences


def test_library_never_imports_the_lab_and_needs_only_numpy_and_pillow():
    offences = []
    for name, path in MODULES.items():
        if name.startswith("kmeans_lab.lab"):
            continue
        for target, _, line in _imports(path):
            top = target.split(".")[0]
            if target.startswith("kmeans_lab.lab"):
                offences.append(f"{name}:{line} imports the lab ({target})")
            elif (
                top not in ("kmeans_lab", "__future__")
                and top not in sys.stdlib_module_names
                and top not in CORE_THIRD_PARTY
            ):
                offences.append(f"{name}:{line} imports {target} at module level")
    assert not offences, offences


def test_no_function_shadows_a_submodule():
    for name, path in MODULES.items():
        if path.name != "__init__.py":
            continue
        package = sys.modules.get(name) or __import__(name, fromlist=["_"])
        for child in MODULES:
            if child.rpartition(".")[0] == name:
                attribute = getattr(package, child.rpartition(".")[2], None)
                assert attribute is None or type(attribute) is type(sys), f"{child} is shadowed by {attribute!r}"


def _undocumented(obj) -> list[str]:
    """What the docstring of a public function or class fails to explain: its own text, each parameter and field."""
    doc = inspect.getdoc(obj) or ""
    if not doc or doc.startswith(f"{obj.__name__}("):  # missing, or the signature a dataclass writes itself
        return [f"{obj.__name__}: no docstring of its own"]
    names = []
    if inspect.isclass(obj) and dataclasses.is_dataclass(obj):
        names = [field.name for field in dataclasses.fields(obj)]
    elif inspect.isfunction(obj):
        names = [name for name in inspect.signature(obj).parameters if name not in ("self", "cls")]
    return [f"{obj.__name__}: {name} not described" for name in names if not re.search(rf"\b{name}\b", doc)]


def test_public_face_is_documented():
    """Every public name's docstring is its own and names each of its parameters or fields."""
    assert len(kmeans_lab.__all__) <= 20
    missing = [problem for name in kmeans_lab.__all__ for problem in _undocumented(getattr(kmeans_lab, name))]
    assert not missing, missing


def test_the_docstring_check_can_fail():
    @dataclasses.dataclass
    class Bare:
        size: int

    def half(x, y):
        """Half of x."""

    assert _undocumented(Bare) == ["Bare: no docstring of its own"]
    assert _undocumented(half) == ["half: y not described"]


def test_quantizing_loads_no_report_dependency():
    report_only = "{'pandas', 'matplotlib', 'skimage', 'sklearn', 'scipy'}"
    code = (
        "import sys, numpy as np, kmeans_lab;"
        "kmeans_lab.quantize(np.arange(48, dtype=np.uint8).reshape(4, 4, 3), 3);"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {report_only}),"
        " any(m.startswith('kmeans_lab.lab') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[]", "False"]
