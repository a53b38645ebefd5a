"""Which version of the rules built a warehouse: a fingerprint of the code and reference tables that compute its
figures, stamped on every build (ingest.build_info.code_version).

A warehouse built by other code can miss columns the pages read now, and its figures follow that code's rules and
tables. `supplier-risk demo-warehouse` rebuilds the demo when the stamp differs, and every page says so for a
warehouse of your own data, so it is rebuilt before it is read (docs/dashboard.md).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# what computes a warehouse's figures: the pipelines, the models and their settings, the reference tables
SOURCES = (("pipelines", ("*.py", "*.sql")), ("models", ("*.py", "*.toml", "*.csv")), ("data/reference", ("*",)))


def source_files(root: Path = ROOT) -> list[Path]:
    """Every file the fingerprint reads, in a fixed order (paths relative to `root`, sorted)."""
    files = {p for folder, patterns in SOURCES for pattern in patterns for p in (root / folder).rglob(pattern)
             if p.is_file() and "__pycache__" not in p.parts}
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


# re-read by every build when it changes (pipelines/fx.py: admins add rates from the Data page while the app runs), so
# hashed as it is when a build is stamped or compared; the rest is hashed once per process, as the code it runs
LIVE = ("data/reference/fx_rates.csv",)


def _hashed(digest, root: Path, paths: list[Path]):
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest


def _code_files(root: Path) -> list[Path]:
    return [p for p in source_files(root) if p.relative_to(root).as_posix() not in LIVE]


def _with_live(code, root: Path) -> str:
    """The version: the code's digest (`code`, left as it is) followed by the live tables as they are now."""
    return _hashed(code.copy(), root, [root / name for name in LIVE if (root / name).is_file()]).hexdigest()[:12]


def fingerprint(root: Path = ROOT) -> str:
    """The first 12 hex digits of a SHA-256 over each source file's relative path and bytes (the live tables last):
    equal for the same code and reference tables on any machine, different after any change to them."""
    return _with_live(_hashed(hashlib.sha256(), root, _code_files(root)), root)


@lru_cache(maxsize=1)
def _code_digest():
    return _hashed(hashlib.sha256(), ROOT, _code_files(ROOT))


def code_version() -> str:
    """This process's code version (`fingerprint` of the code it runs): the code and the reference tables it reads
    once are read once, so a file saved while it runs does not change what it stamps or compares with; the live
    tables (`LIVE`) are read as they are, so a build after rates were added is not taken for another version's."""
    return _with_live(_code_digest(), ROOT)


def built_with(db: Path) -> str | None:
    """The code version stamped on the warehouse at `db` (None when it has none: built before the stamp existed, or
    not a warehouse)."""
    import duckdb

    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return None
    try:
        info = con.execute("select * from ingest.build_info").df()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return str(info["code_version"].iloc[0]) if "code_version" in info and len(info) else None
