"""Shared fixtures: the tiny hand-written portfolio (tests/fixtures/tiny) and warehouses built from it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from helpers import TINY, quiet
from pipelines.build import build



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


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """The default demo portfolio (what the dashboard shows), generated once per session."""
    from pipelines.demo import generate_portfolio

    target = tmp_path_factory.mktemp("demo") / "input"
    generate_portfolio(target)
    return target


@pytest.fixture(scope="session")
def demo_db(demo_dir: Path, tmp_path_factory) -> Path:
    """The default demo portfolio's warehouse, built once per session (read-only use)."""
    db = tmp_path_factory.mktemp("demo_wh") / "demo.duckdb"
    build(demo_dir, db, log=quiet)
    return db


@pytest.fixture
def demo_con(demo_db: Path):
    con = duckdb.connect(str(demo_db), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def ground_truth(demo_dir: Path):
    """Hidden per-supplier traits of the demo portfolio (never loaded into the warehouse)."""
    import pandas as pd

    return pd.read_csv(demo_dir / "ground_truth" / "supplier_traits.csv")
