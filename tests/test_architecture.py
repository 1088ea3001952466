"""The architecture, checked from the code: which package may import which, and no circles.

The graph is ``scripts/architecture_map.py``'s: every import statement of every
module read with ``ast``, at the top of a file or inside a function,
``TYPE_CHECKING`` blocks included (an import hidden in a function body is still
a dependency).

- ``lorastudio.core`` never imports Qt, pyqtgraph, the app or the command line.
- The core's packages import in one direction: each only those listed before it
  in ``lorastudio.core.LAYERS``.
- No module imports itself back through others (no circle of any length), in
  the whole of ``lorastudio``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from lorastudio.core import LAYERS

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("architecture_map", ROOT / "scripts" / "architecture_map.py")
architecture_map = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(architecture_map)
PACKAGE = architecture_map.PACKAGE


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return architecture_map.graph()


def core_package(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "core" else None


def test_the_core_never_imports_qt_the_app_or_the_command_line(graph):
    forbidden = ("PySide6", "pyqtgraph", "shiboken6", "lorastudio.ui", "lorastudio.cli")
    offenders = {m: sorted(i for i in deps if i.startswith(forbidden))
                 for m, deps in graph.items() if m.startswith("lorastudio.core")}
    assert {m: d for m, d in offenders.items() if d} == {}


def test_every_core_module_belongs_to_a_package_of_the_map(graph):
    flat = [m for m in graph if m.startswith("lorastudio.core.") and core_package(m) not in LAYERS]
    assert flat == []
    assert sorted(p.name for p in (PACKAGE / "core").iterdir() if p.is_dir() and p.name != "__pycache__") == sorted(LAYERS)


def test_core_packages_import_in_one_direction(graph):
    wrong = []
    for module, deps in graph.items():
        here = core_package(module)
        if here is None:
            continue
        for dep in deps:
            there = core_package(dep)
            if there is not None and LAYERS.index(there) > LAYERS.index(here):
                wrong.append(f"{module} imports {dep} ({there} comes after {here})")
    assert wrong == []


def test_no_import_circles(graph):
    ours = {m: {d for d in deps if d in graph} for m, deps in graph.items()}
    circles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(ours[node]):
            if state.get(dep) == 1:
                circles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(ours):
        if node not in state:
            visit(node)
    assert [" -> ".join(c) for c in circles] == []


def test_the_graph_sees_function_level_and_relative_imports(graph):
    """Guards the checks above against reading too little."""
    assert "lorastudio.core.data.checks" in graph["lorastudio.core.data.datasets"]  # relative, top of file
    assert "mlx_lm" in graph["lorastudio.core.models.loading"]  # inside a function
    assert "lorastudio.core.base.blas" in graph["lorastudio"]  # the package itself


def test_the_picture_in_the_docs_is_the_code(graph):
    assert architecture_map.current() == architecture_map.mermaid(graph), "run scripts/architecture_map.py --write"
    for layer in LAYERS:
        assert f"core.{layer}" in architecture_map.current()
