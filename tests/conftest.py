"""Shared fixtures: the tiny hand-written portfolio (tests/fixtures/tiny) and warehouses built from it."""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import time
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


def _code_hash() -> str:
    """A digest of everything a demo warehouse depends on: the code that generates and builds it and the reference
    data, so a cached warehouse is reused only while it is exactly what a fresh build would give."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for folder in ("pipelines", "models", "data/reference"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".sql", ".csv", ".toml", ".md") and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# Computed once when a test process starts, so a file saved while the tests run cannot make two workers disagree.
CODE_HASH = _code_hash()


@pytest.fixture(scope="session")
def _demo_cache(request) -> Path:
    """The default demo portfolio and its warehouse, built once per code version and shared by every test worker
    and every later run (cached under .pytest_cache, keyed on a hash of code, reference data and seed)."""
    from pipelines.demo import generate_portfolio

    cache = Path(request.config.cache.mkdir("supplier-risk")) / f"demo-seed7-{CODE_HASH}"
    done = cache / "ready"
    lock = cache.with_name(cache.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # one worker builds, the others wait and reuse
        if not done.exists():
            shutil.rmtree(cache, ignore_errors=True)
            generate_portfolio(cache / "input")
            build(cache / "input", cache / "demo.duckdb", log=quiet)
            done.touch()
    for stale in cache.parent.glob("demo-seed7-*"):  # older code versions, no longer used by any run
        if stale != cache and not stale.name.endswith(".lock") and time.time() - stale.stat().st_mtime > 3 * 3600:
            shutil.rmtree(stale, ignore_errors=True)
    return cache


@pytest.fixture(scope="session")
def demo_dir(_demo_cache: Path) -> Path:
    """The default demo portfolio (what the dashboard shows); read-only: copy it before editing."""
    return _demo_cache / "input"


@pytest.fixture(scope="session")
def demo_db(_demo_cache: Path) -> Path:
    """The default demo portfolio's warehouse (read-only use)."""
    return _demo_cache / "demo.duckdb"


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
