"""Shared fixtures: the tiny hand-written portfolio (tests/fixtures/tiny) and warehouses built from it."""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from helpers import TINY, quiet
from pipelines.build import build
from pipelines.code_version import code_version
from pipelines.contract import latest_event_date


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook (the test extras install it)
def pytest_xdist_make_scheduler(config, log):
    """With -n, every browser test runs on one test worker: one Streamlit server and one Chromium per module instead
    of one per worker that happens to get a browser test, and they start first (the largest unit is sent first);
    every other test is its own unit, sent to whichever worker is free. (xdist's own `--dist loadgroup` does not
    group under pytest 9: it renames `item._nodeid`, which pytest 9 no longer reads.)"""
    if config.getvalue("dist") != "load":  # another --dist asked for on the command line
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "browser" if nodeid.startswith("tests/browser/") else nodeid

    return BrowserTestsTogether(config, log)


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    """A writable copy of the tiny portfolio, for tests that edit files."""
    target = tmp_path / "input"
    shutil.copytree(TINY, target)
    return target


@pytest.fixture(scope="session")
def tiny_db(tmp_path_factory, built) -> Path:
    """The tiny portfolio's warehouse, built once per code version (read-only use)."""
    return built(TINY, tmp_path_factory.mktemp("tiny") / "tiny.duckdb")


@pytest.fixture
def tiny_con(tiny_db: Path):
    con = duckdb.connect(str(tiny_db), read_only=True)
    yield con
    con.close()


# Everything a demo warehouse depends on (the code that generates and builds it and the reference data: the version
# a build stamps, pipelines.code_version), so a cached warehouse is reused only while it is exactly what a fresh build
# would give. Computed once when a test process starts, so a file saved while the tests run cannot make two workers
# disagree.
CODE_HASH = code_version()


def _once(cache: Path, make) -> Path:
    """`make(cache)` run once per cache folder by whichever test worker gets there first (the others wait, then reuse
    what it made); a folder without its `ready` mark (a killed run) is made again."""
    done = cache / "ready"
    lock = cache.with_name(cache.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(cache, ignore_errors=True)
            make(cache)
            done.touch()
    done.touch()  # in use: not stale
    return cache


def _remove_stale(root: Path, pattern: str, keep: set[Path]) -> None:
    """Cached builds no run has used for 3 hours (older code versions or inputs). Every test worker does this when
    its session ends, so a folder may be gone between the listing and its look (another worker removed it)."""
    for stale in root.glob(pattern):
        if stale in keep or stale.name.endswith(".lock"):
            continue
        mark = stale / "ready"
        try:
            age = time.time() - (mark if mark.exists() else stale).stat().st_mtime
        except FileNotFoundError:
            continue
        if age > 3 * 3600:
            shutil.rmtree(stale, ignore_errors=True)


def _folder_hash(folder: Path) -> str:
    """A digest of the code (CODE_HASH), of the latest date an import accepts (today's: a row dated after it is
    rejected) and of every file of an input folder, names and bytes."""
    digest = hashlib.sha256(CODE_HASH.encode() + latest_event_date().isoformat().encode())
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def built(request):
    """`built(folder, db, log)`: the warehouse `build(folder, ...)` publishes, copied to `db`, its log lines sent to
    `log`. Built once per code version and input (cached under .pytest_cache on a hash of the code, the reference
    data and every input file), so the fixtures that build the same portfolio, in any worker and any later run, build
    it once; ingest.build_info names `folder` as its input."""
    root = Path(request.config.cache.mkdir("supplier-risk"))
    used: set[Path] = set()

    def first_build(folder: Path, cache: Path) -> None:
        lines: list[str] = []
        cache.mkdir(parents=True)
        build(folder, cache / "w.duckdb", log=lines.append)
        (cache / "build-log.json").write_text(json.dumps(lines), encoding="utf-8")

    def make(folder: Path, db: Path, log=quiet) -> Path:
        """Copy the cached warehouse of `folder` to `db`; `log` receives the lines its build logged."""
        cache = root / f"build-{_folder_hash(folder)}"
        _once(cache, lambda c: first_build(folder, c))
        used.add(cache)
        Path(db).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(cache / "w.duckdb", db)
        # the copy names `folder` as its input, as a build of it does: the cached one names the folder of the run
        # that built it, gone once pytest has removed that run's tmp_path (a page that rebuilds from it found none)
        with duckdb.connect(str(db)) as con:
            con.execute("update ingest.build_info set input_dir = ?", [str(Path(folder).resolve())])
        for line in json.loads((cache / "build-log.json").read_text(encoding="utf-8")):
            log(line)
        return Path(db)

    yield make
    _remove_stale(root, "build-*", used)


@pytest.fixture(scope="session")
def _demo_cache(request) -> Path:
    """The default demo portfolio and its warehouse, built once per code version and shared by every test worker
    and every later run (cached under .pytest_cache, keyed on a hash of code, reference data and seed)."""
    from pipelines.demo import generate_portfolio

    cache = Path(request.config.cache.mkdir("supplier-risk")) / f"demo-seed7-{CODE_HASH}"

    def make(folder: Path) -> None:
        generate_portfolio(folder / "input")
        build(folder / "input", folder / "demo.duckdb", log=quiet)

    _once(cache, make)
    _remove_stale(cache.parent, "demo-seed7-*", {cache})
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
