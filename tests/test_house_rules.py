"""Habits that keep the house in order, run with the tests (and so by CI): Python and SQL lint, and the import
boundaries between the layers (pages → pipelines/models; pipelines → models; models → nothing of ours above, and
no SQL: models take frames)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SQL_DIRS = ["pipelines/sql", "pipelines/checks", "dashboard/sql"]


def _imports(path: Path) -> set[str]:
    """Top-level package of every module `path` imports (at any depth of the file, lazy imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _offenders(package: str, forbidden: set[str]) -> dict[str, set[str]]:
    return {str(p.relative_to(ROOT)): bad for p in sorted((ROOT / package).rglob("*.py"))
            if (bad := _imports(p) & forbidden)}


def test_pipelines_and_models_never_import_streamlit():
    assert _offenders("pipelines", {"streamlit"}) == {}
    assert _offenders("models", {"streamlit"}) == {}


def test_models_never_import_pipelines_or_the_dashboard():
    assert _offenders("models", {"pipelines", "dashboard"}) == {}


def _sql_calls(path: Path) -> set[str]:
    """Methods of a database connection `path` calls (`con.execute(...)`, `.sql(...)`, `.query(...)`)."""
    return {node.func.attr for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path)))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"execute", "executemany", "sql", "query"}}


def test_models_take_frames_and_never_run_sql():
    """models/ reads no warehouse: the SQL that loads its frames is pipelines/loaders.py and the build steps."""
    assert _offenders("models", {"duckdb"}) == {}
    assert {str(p.relative_to(ROOT)): calls for p in sorted((ROOT / "models").rglob("*.py"))
            if (calls := _sql_calls(p))} == {}


def test_the_sql_check_sees_a_connection_call(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f(con):\n    return con.execute('select 1').df()\n")
    assert _sql_calls(module) == {"execute"}


def test_pipelines_never_import_the_dashboard():
    # the command line is a front end like app.py: `hash-password` uses the login's own (streamlit-free) hasher
    assert _offenders("pipelines", {"dashboard"}) == {"pipelines/cli.py": {"dashboard"}}
    assert _imports(ROOT / "dashboard" / "passwords.py") & {"streamlit", "pipelines", "models"} == set()


def test_the_boundary_check_sees_lazy_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from pipelines.build import build\n    import streamlit as st\n")
    assert _imports(module) == {"pipelines", "streamlit"}


def test_python_lint_is_clean():
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise", str(ROOT)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.slow
def test_every_sql_file_parses_as_duckdb_and_is_lint_clean():
    run = subprocess.run([sys.executable, "-m", "sqlfluff", "lint", "--processes", "2", *SQL_DIRS],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
