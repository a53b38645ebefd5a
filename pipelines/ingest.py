"""Load an input folder (one file per contract table) into the `raw` schema, with a load log and rejected rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import contract as c
from pipelines.readers import SUPPORTED_SUFFIXES, FileError, read_table_file
from pipelines.validate import Rejection, ValidatedTable, validate

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "data" / "reference"


@dataclass
class IngestResult:
    tables: list[ValidatedTable] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def rejections(self) -> list[Rejection]:
        return [r for t in self.tables for r in t.rejections]


def find_table_file(input_dir: Path, table: str) -> Path | None:
    """The one file for `table` in `input_dir` (.csv, .xlsx or .parquet); two candidates is an error."""
    found = [p for p in sorted(input_dir.iterdir())
             if p.is_file() and p.stem.lower() == table and p.suffix.lower() in SUPPORTED_SUFFIXES]
    if len(found) > 1:
        raise FileError(found[1].name, f"{table} is given twice ({', '.join(p.name for p in found)}); keep one")
    return found[0] if found else None


def read_and_validate(input_dir: Path) -> IngestResult:
    """Parse and validate every table file in load order; raise FileError listing every file-level problem."""
    input_dir = Path(input_dir)
    if not input_dir.is_dir():
        raise FileError(str(input_dir), "is not a folder")
    result = IngestResult()
    known = {f"{t}{s}" for t in c.TABLES_BY_NAME for s in SUPPORTED_SUFFIXES}
    for p in sorted(input_dir.iterdir()):
        if p.is_file() and p.name.lower() not in known and not p.name.startswith("."):
            result.notices.append(f"{p.name}: not a table of the import format, ignored")
    parent_keys: dict[str, set[str]] = {}
    errors: list[FileError] = []
    for table in c.TABLES:
        try:
            path = find_table_file(input_dir, table.name)
            if path is None:
                result.notices.append(f"no file for {table.name}: the table is empty")
                frame = pd.DataFrame(columns=table.column_names + ["source_file", "source_line"])
                validated = ValidatedTable(table.name, "", 0, frame)
            else:
                validated = validate(read_table_file(path), table, parent_keys)
        except FileError as exc:
            errors.append(exc)
            continue
        result.tables.append(validated)
        result.notices.extend(validated.notices)
        if len(table.key) == 1:
            parent_keys[f"{table.name}.{table.key[0]}"] = set(validated.frame[table.key[0]].dropna())
    if errors:
        raise IngestError(errors)
    return result


class IngestError(Exception):
    """One or more files cannot be imported; nothing is loaded."""

    def __init__(self, errors: list[FileError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the typed `raw.*` tables and the `ingest.*` bookkeeping tables."""
    con.execute("create schema if not exists raw")
    con.execute("create schema if not exists ingest")
    for table in c.TABLES:
        cols = ", ".join(f'"{col.name}" {c.DUCKDB_TYPES[col.type]}' for col in table.columns)
        con.execute(f"create or replace table raw.{table.name} ({cols}, source_file varchar, source_line bigint)")
    con.execute("""create or replace table ingest.load_log (
        table_name varchar, file varchar, encoding varchar, rows_read bigint, rows_loaded bigint,
        rows_rejected bigint, duplicates_collapsed bigint, notices varchar)""")
    con.execute("""create or replace table ingest.rejected_rows (
        table_name varchar, file varchar, line bigint, column_name varchar, reason varchar, raw_line varchar)""")


def load(con: duckdb.DuckDBPyConnection, result: IngestResult) -> None:
    """Insert validated rows, the load log and every rejection into the database."""
    create_raw_tables(con)
    for validated in result.tables:
        table = c.TABLES_BY_NAME[validated.table]
        if len(validated.frame):
            casts = ", ".join(f'cast("{col.name}" as {c.DUCKDB_TYPES[col.type]})' for col in table.columns)
            con.register("_incoming", validated.frame)
            con.execute(f"insert into raw.{table.name} select {casts}, source_file, source_line from _incoming")
            con.unregister("_incoming")
        con.execute("insert into ingest.load_log values (?, ?, ?, ?, ?, ?, ?, ?)", [
            validated.table, validated.file, validated.encoding, validated.rows_read, validated.rows_loaded,
            validated.rows_rejected, validated.duplicates_collapsed, "; ".join(validated.notices)])
    rejections = result.rejections
    if rejections:
        frame = pd.DataFrame([(r.table, r.file, r.line, r.column, r.reason, r.raw) for r in rejections],
                             columns=["table_name", "file", "line", "column_name", "reason", "raw_line"])
        con.register("_rejected", frame)
        con.execute("insert into ingest.rejected_rows select * from _rejected")
        con.unregister("_rejected")


def load_reference_tables(con: duckdb.DuckDBPyConnection, reference_dir: Path = REFERENCE_DIR) -> list[str]:
    """Load every reference CSV (dated, sourced constants) into the `reference` schema; return table names."""
    con.execute("create schema if not exists reference")
    names = []
    for path in sorted(Path(reference_dir).rglob("*.csv")):
        rel = path.relative_to(reference_dir).with_suffix("")
        name = "_".join(rel.parts).lower().replace("-", "_")
        con.execute(f"create or replace table reference.{name} as "
                    f"select * from read_csv(?, header = true, delim = ',', quote = '\"', all_varchar = false)",
                    [str(path)])
        names.append(f"reference.{name}")
    return names
