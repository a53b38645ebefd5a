"""constraints.txt pins every library the project installs (run.py installs with it), so a fresh machine and CI get
the versions the suite last passed with, and a dependency added to pyproject.toml without a pin is caught here."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    """A requirement's distribution name, normalised as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group(0)).lower()


def test_every_dependency_is_pinned_once_to_an_exact_version():
    lines = [ln.strip() for ln in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()]
    pins = [ln for ln in lines if ln and not ln.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[0-9][0-9A-Za-z.+!-]*", p) for p in pins), pins
    names = [_name(p) for p in pins]
    assert len(names) == len(set(names))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    assert sorted({_name(r) for r in wanted} - set(names)) == []
    assert "supplier-risk" not in names  # the project itself is installed from the checkout


def test_run_py_installs_with_the_constraints_and_again_when_they_change(tmp_path, monkeypatch):
    """run.py's setup on a fresh environment (its commands recorded, not run): the project is installed with
    `-c constraints.txt`; once done it is not repeated; new pins install again."""
    spec = importlib.util.spec_from_file_location("run_py", ROOT / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    venv = tmp_path / ".venv"
    venv.mkdir()
    python = venv / "python"
    python.touch()  # the environment exists: only the install is recorded
    pins = tmp_path / "constraints.txt"
    pins.write_text("duckdb==2.0.1\n", encoding="utf-8")
    commands: list[list[str]] = []
    monkeypatch.setattr(run, "VENV", venv)
    monkeypatch.setattr(run, "PY", python)
    monkeypatch.setattr(run, "CONSTRAINTS", pins)
    monkeypatch.setattr(run, "sh", lambda *cmd, **kw: commands.append([str(c) for c in cmd]))
    run.ensure_env("[test]")
    assert commands[-1] == [str(python), "-m", "pip", "install", "--quiet", "-e", ".[test]", "-c", str(pins)]
    n = len(commands)
    run.ensure_env("[test]")
    assert len(commands) == n  # installed once per pyproject.toml and constraints.txt
    pins.write_text("duckdb==2.0.2\n", encoding="utf-8")
    run.ensure_env("[test]")
    assert len(commands) == 2 * n and commands[-1][-1] == str(pins)
