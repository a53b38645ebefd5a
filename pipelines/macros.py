"""The shared SQL macros (pipelines/sql/macros.sql) and the reference tables they read (data/reference/*.csv).

One home for both, so any connection can run a rule where it is defined: the build creates them all
(pipelines/build.py), and Python code that needs one rule outside a build (the FX rule in validation and in the
marketplace adapters, pipelines/fx.py) creates just that rule and the reference table it reads.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

PIPELINE_DIR = Path(__file__).resolve().parent
MACROS = PIPELINE_DIR / "sql" / "macros.sql"  # SQL macros the models share (e.g. the FX rule)
REFERENCE_DIR = PIPELINE_DIR.parent / "data" / "reference"
_MACRO = re.compile(r"create\s+or\s+replace\s+macro\s+([a-z_0-9]+)\s*\(", re.IGNORECASE)
TABLE_REF = re.compile(r"\b(?:from|join)\s+((?:raw|ingest|reference|staging|marts)\.[a-z_0-9]+)", re.IGNORECASE)
SQL_COMMENT = re.compile(r"--[^\n]*")


def macro_inputs(path: Path = MACROS) -> dict[str, set[str]]:
    """Each macro of `path` (sql/macros.sql) and the tables its body reads."""
    text = SQL_COMMENT.sub("", path.read_text(encoding="utf-8")) if path.exists() else ""
    starts = list(_MACRO.finditer(text))
    return {m.group(1).lower(): {r.lower() for r in TABLE_REF.findall(text[m.end():nxt.start() if nxt else len(text)])}
            for m, nxt in zip(starts, starts[1:] + [None])}


def create_macros(con: duckdb.DuckDBPyConnection, path: Path = MACROS, *, reading_marts: bool = False,
                  only: tuple[str, ...] | None = None) -> None:
    """Create the shared macros of `path`. DuckDB binds a macro's tables when it is created, so the build calls this
    twice: before the models for the macros they call (reading reference tables), and after the models with
    `reading_marts` for those that read marts (the dashboard's shared rules, e.g. score_snapshot_before).
    `only` names the macros to create (in the file's order), e.g. one rule and the macros it calls."""
    if not path.exists():
        return
    text = path.read_text(encoding="utf-8")
    reads = macro_inputs(path)
    starts = list(_MACRO.finditer(text))
    for m, nxt in zip(starts, starts[1:] + [None]):
        name = m.group(1).lower()
        if only is not None and name not in only:
            continue
        if any(t.startswith("marts.") for t in reads[name]) == reading_marts:
            con.execute(text[m.start():nxt.start() if nxt else len(text)])


def reference_table_name(path: Path, reference_dir: Path = REFERENCE_DIR) -> str:
    """reference.<name> of a reference CSV: its path under data/reference joined by '_' (aql/code_letters.csv →
    reference.aql_code_letters)."""
    rel = Path(path).relative_to(reference_dir).with_suffix("")
    return "reference." + "_".join(rel.parts).lower().replace("-", "_")


def load_reference_table(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> None:
    """Load one reference CSV into the table `name` (reference.<…>), as the build does."""
    con.execute("create schema if not exists reference")
    con.execute(f"create or replace table {name} as "
                f"select * from read_csv(?, header = true, delim = ',', quote = '\"', all_varchar = false)",
                [str(path)])


def load_reference_tables(con: duckdb.DuckDBPyConnection, reference_dir: Path = REFERENCE_DIR) -> list[str]:
    """Load every reference CSV (dated, sourced constants) into the `reference` schema; return table names."""
    con.execute("create schema if not exists reference")
    names = []
    for path in sorted(Path(reference_dir).rglob("*.csv")):
        name = reference_table_name(path, reference_dir)
        load_reference_table(con, path, name)
        names.append(name)
    return names
