#!/usr/bin/env python3
"""Set-up-and-go for kmeans_lab, with nothing but Python 3.11+ on the machine.

    python3 tasks.py report   # create/reuse .venv, install, regenerate the report
    python3 tasks.py test     # create/reuse .venv, install, run every test

Both create the virtual environment ``.venv`` next to this file on first use and
(re)install the package with its ``test`` extra whenever ``pyproject.toml`` changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".kmeans_lab-installed"

# The test command README.md gives, and .ci/run calls through `tasks.py test`: the linter and the
# formatter's check, then the unit tests, the docstring examples of the package and, under nbval
# strict mode, every notebook in notebooks/ (timing cells carry # NBVAL_IGNORE_OUTPUT).
LINT_COMMANDS = [
    ["-m", "ruff", "check", "."],
    ["-m", "ruff", "format", "--check", "."],
]
TEST_COMMAND = [
    "-m",
    "pytest",
    "tests",
    "kmeans_lab",
    "notebooks",
    "--doctest-modules",
    "--nbval",
    "--nbval-current-env",
    "--nbval-sanitize-with",
    "notebooks/nbval_sanitize.cfg",
]


def run(*args: str | os.PathLike) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


def ensure_environment() -> None:
    """Create .venv if missing; install the package (editable) with its test extra if stale."""
    if sys.version_info < (3, 11):  # noqa: UP036 - tasks.py runs under whatever python3 the machine has
        sys.exit(f"kmeans_lab needs Python >= 3.11, this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]")
    STAMP.write_text(wanted)


def report() -> None:
    """Regenerate every figure under figures/: the command-line demo, then every notebook executed in place."""
    ensure_environment()
    figures = ROOT / "figures"
    figures.mkdir(exist_ok=True)
    run(BIN / "kmeans-lab", "compress", ROOT / "data" / "coffee.png", "-k", "16", "-o", figures / "coffee-k16.png")
    # nbclient lives in the venv, so the notebooks are executed by the venv's interpreter.
    subprocess.run([str(PYTHON), str(Path(__file__).resolve()), "_execute_notebooks"], cwd=ROOT, check=True)


def _execute_notebooks() -> None:
    """Execute every notebooks/*.ipynb in place (run inside .venv, where nbclient is installed)."""
    import tempfile
    import time

    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    start = time.perf_counter()
    for i, path in enumerate(notebooks, 1):
        print(f"[{i}/{len(notebooks)}] {path.relative_to(ROOT)} ...", end="", flush=True)
        t0 = time.perf_counter()
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            cell.metadata.pop("execution", None)  # timestamps of an earlier run
        with tempfile.TemporaryDirectory() as sockets:
            # The kernel talks over local sockets (IPC), not TCP on 127.0.0.1: nothing to
            # eavesdrop on, so ipykernel prints no warning about unencrypted TCP.
            kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets) / "kernel"))
            # record_timing=False: no per-cell timestamps in the stored notebook, so a regenerated
            # report differs from the last one only where its outputs do.
            client = NotebookClient(
                nb, km=kernel, timeout=3600, record_timing=False, resources={"metadata": {"path": str(path.parent)}}
            )
            client.execute()
        nbformat.write(nb, path)
        print(f" done in {time.perf_counter() - t0:.0f} s", flush=True)
    print(f"{len(notebooks)} notebooks in {time.perf_counter() - start:.0f} s", flush=True)


def test() -> None:
    """Lint, then every test; extra arguments go to pytest (e.g. ``-x``, ``-k name``)."""
    ensure_environment()
    for command in LINT_COMMANDS:
        run(PYTHON, *command)
    run(PYTHON, *TEST_COMMAND, *sys.argv[2:])


def main() -> None:
    commands = {"report": report, "test": test}
    if len(sys.argv) >= 2 and sys.argv[1] == "_execute_notebooks":
        return _execute_notebooks()
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: python3 {Path(__file__).name} {{{'|'.join(commands)}}} [pytest options]")
    try:
        commands[sys.argv[1]]()
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)


if __name__ == "__main__":
    main()
