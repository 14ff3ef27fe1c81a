"""The report's notebooks as files: executed, stable to regenerate, importing everything from kmeans_lab.

nbval runs them (``tasks.py test``); these checks cover what nbval cannot see.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
IGNORE = "# NBVAL_IGNORE_OUTPUT"
# What may make a cell's output differ between runs: timing, the machine it ran on, its load.
# (" s" closes a column of seconds, e.g. "median s").
VARYING = ("time", "perf_counter", "seconds", ' s"', " s'", "machine_summary", "getloadavg")


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request) -> Path:
    return request.param


def test_there_is_a_report():
    assert len(NOTEBOOKS) >= 5


def test_every_code_cell_was_executed_and_saved(notebook):
    code = [c for c in _cells(notebook) if c["cell_type"] == "code" and _source(c).strip()]
    assert code and all(c["execution_count"] is not None for c in code)


def test_no_run_timestamps_are_stored(notebook):
    assert not [i for i, c in enumerate(_cells(notebook)) if "execution" in c.get("metadata", {})]


def test_outputs_are_ignored_only_where_they_vary(notebook):
    for i, cell in enumerate(_cells(notebook)):
        source = _source(cell)
        if cell["cell_type"] == "code" and IGNORE in source:
            assert any(word in source for word in VARYING), f"cell {i} ignores an output that should not vary"


def test_cells_hold_no_algorithm_code_and_import_only_the_package(notebook):
    for i, cell in enumerate(_cells(notebook)):
        if cell["cell_type"] != "code":
            continue
        source = "\n".join(line for line in _source(cell).splitlines() if not line.startswith("%"))
        for node in ast.walk(ast.parse(source)):
            assert not isinstance(node, ast.FunctionDef | ast.ClassDef), f"cell {i} defines {node.name}"
            if isinstance(node, ast.ImportFrom) and node.module:
                top = node.module.split(".")[0]
                assert top in {"kmeans_lab", "__future__"}, f"cell {i} imports from {node.module}"


def test_the_report_states_the_machine_it_ran_on(notebook):
    assert any("machine_summary()" in _source(c) for c in _cells(notebook) if c["cell_type"] == "code")
