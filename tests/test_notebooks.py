"""Every notebook in notebooks/ runs (``pytest --nbval-lax``) on the small generated set, and the
report notebooks keep the parameters contract.

How a notebook finds the test store: its parameters cell holds plain literals only, and
``db_url = ""`` means "``$HOCBA_DB``, else the default store" (the package's rule).  The test
sets ``HOCBA_DB`` for the nbval run, so the notebooks run unchanged, exactly as committed.
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
REPORTS = sorted((ROOT / "notebooks" / "reports").glob("*.ipynb"))
PARAMETERS = {"db_url", "province", "school_year", "lang", "privacy", "settings", "run_id"}


def _cells(path: Path):
    import nbformat
    return nbformat.read(str(path), as_version=4).cells


def test_there_are_report_notebooks():
    assert {p.stem for p in REPORTS} >= {"inspection", "pilot_evaluation"}


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.stem)
def test_report_notebook_has_a_parameters_cell_of_plain_literals(path):
    code = [c for c in _cells(path) if c.cell_type == "code"]
    first = code[0]
    assert "parameters" in first.metadata.get("tags", []), "the first code cell is tagged parameters"
    assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1
    tree = ast.parse(first.source)
    names = set()
    for node in tree.body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, ast.dump(node)
        assert isinstance(node.value, ast.Constant), f"{path.name}: parameters are plain literals"
        names.add(node.targets[0].id)
    assert names == PARAMETERS
    for line in first.source.splitlines():
        assert "# help:" in line, f"every parameter says what it is: {line}"
    import papermill as pm
    inspected = pm.inspect_notebook(str(path))
    assert set(inspected) == PARAMETERS, "papermill parses every parameter line"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_notebook_holds_no_logic(path):
    """Notebooks call the package: no def, class or lambda in a cell."""
    for cell in _cells(path):
        if cell.cell_type != "code":
            continue
        src = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        bad = [n for n in ast.walk(ast.parse(src))
               if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))]
        assert not bad, f"{path.name}: logic belongs in the package"


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    from procurement import store
    from procurement.ingest import ingest
    from procurement.synthetic import generate
    tmp = tmp_path_factory.mktemp("nb")
    generate("small", 11, tmp / "d")
    url = f"sqlite:///{tmp}/nb.db"
    ingest([str(tmp / "d")], url)
    store.dispose_engines()
    return url


def test_every_notebook_runs_under_nbval_lax(small_db, tmp_path):
    assert NOTEBOOKS
    env = dict(os.environ, HOCBA_DB=small_db, PYTHONDONTWRITEBYTECODE="1")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "--nbval-lax",
           "--rootdir", str(tmp_path), "-o", "testpaths=", *map(str, NOTEBOOKS)]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    tail = (proc.stdout + proc.stderr)[-4000:]
    assert proc.returncode == 0, tail
    assert " passed" in proc.stdout and " failed" not in proc.stdout, tail
