"""Shared fixtures: the tiny hand-written portfolio (tests/fixtures/tiny) and warehouses built from it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.build import build

FIXTURES = Path(__file__).parent / "fixtures"
TINY = FIXTURES / "tiny"
SHARED_REAL = Path(__file__).resolve().parents[2] / "shared" / "real"


def quiet(_: str) -> None:
    """A build log that prints nothing."""


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    """A writable copy of the tiny portfolio, for tests that edit files."""
    target = tmp_path / "input"
    shutil.copytree(TINY, target)
    return target


@pytest.fixture(scope="session")
def tiny_db(tmp_path_factory) -> Path:
    """The tiny portfolio built once per session (read-only use)."""
    db = tmp_path_factory.mktemp("tiny") / "tiny.duckdb"
    build(TINY, db, log=quiet)
    return db


@pytest.fixture
def tiny_con(tiny_db: Path):
    con = duckdb.connect(str(tiny_db), read_only=True)
    yield con
    con.close()


def write_csv(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    """Write CSV text with the given encoding and line ends (the text uses \\n)."""
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path
