"""Where the warehouse is and how pages open it (read-only; the build publishes a new file atomically)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = Path(__file__).resolve().parent / "sql"


def db_path() -> Path:
    """The live warehouse: $SUPPLIER_RISK_DB, else data/warehouse/supplier_risk.duckdb."""
    return Path(os.environ.get("SUPPLIER_RISK_DB", ROOT / "data" / "warehouse" / "supplier_risk.duckdb"))


def db_version(path: Path | None = None) -> str:
    """Changes whenever a build publishes a new file, so cached query results are keyed on it."""
    path = path or db_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return "missing"
    return f"{path}:{stat.st_mtime_ns}:{stat.st_size}:{stat.st_ino}"


def connect(path: Path | None = None) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection, or None when no warehouse has been built yet."""
    path = path or db_path()
    if not path.exists():
        return None
    con = duckdb.connect(str(path), read_only=True)
    # No replacement scans: a missing mart must read as "absent", never as a Python variable of the same name.
    # (Set per connection, not as connect() config, so other readers of the same file in this process agree.)
    con.execute("set python_enable_replacements = false")
    return con


# The catalog a shared opening of the warehouse attaches it as (opened()); each query's cursor reads it by default.
CATALOG = "warehouse"


def opened(path: Path | None = None) -> duckdb.DuckDBPyConnection | None:
    """The warehouse file opened once, read-only, for many queries: an in-memory DuckDB with the file attached (so
    that a file published in its place later is opened anew rather than found in DuckDB's cache of open databases by
    its path); `cursor` gives each query its own connection to it. Opening the file costs 20-25 ms of CPU (reading its
    catalog); a cursor, under a millisecond. None when no warehouse has been built yet."""
    path = path or db_path()
    if not path.exists():
        return None
    con = duckdb.connect()
    literal = str(path).replace("'", "''")
    con.execute(f"attach '{literal}' as {CATALOG} (read_only)")
    return con


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A connection of its own (safe in its thread) to an opened() warehouse, reading it by default, with no
    replacement scans (connect())."""
    cur = con.cursor()
    cur.execute(f"use {CATALOG}")
    cur.execute("set python_enable_replacements = false")
    return cur


def read_sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run_sql(con: duckdb.DuckDBPyConnection, name: str, **params):
    """dashboard/sql/<name>.sql on `con` with bound parameters (a tuple binds as a list) as a pandas frame; a mart
    that is not in this warehouse (partial or older build) reads as an empty frame."""
    import pandas as pd

    bound = {key: (list(value) if isinstance(value, tuple) else value) for key, value in params.items()}
    try:
        return con.execute(read_sql(name), bound).df()
    except duckdb.CatalogException:
        return pd.DataFrame()


def runner(con: duckdb.DuckDBPyConnection):
    """`run(name, **params)` over one open connection: the uncached twin of dashboard.queries.query, for the command
    line (scorecard, digest)."""
    return lambda name, **params: run_sql(con, name, **params)
