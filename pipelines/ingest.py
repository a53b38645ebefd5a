"""Load an input folder (one file per contract table) into the `raw` schema, with a load log and rejected rows.

Everything happens inside DuckDB: each file is read as text (pipelines/readers.py), validated by SQL compiled from
the contract (pipelines/validate.py) and its good rows inserted into `raw.<table>`, in load order so references
are checked against the parent rows actually loaded.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import contract as c
from pipelines.macros import load_reference_tables  # noqa: F401 (the build calls ingest.load_reference_tables)
from pipelines.readers import SUPPORTED_SUFFIXES, FileError, NotLineByLine, read_into
from pipelines.validate import Rejection, ValidatedTable, in_file_order, validate


@dataclass
class IngestResult:
    tables: list[ValidatedTable] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    con: duckdb.DuckDBPyConnection | None = field(default=None, repr=False)

    @property
    def rejections(self) -> list[Rejection]:
        return [r for t in self.tables for r in t.rejections]

    def __getstate__(self) -> dict:  # cached or sent across processes without its database connection
        return {**self.__dict__, "con": None}


class IngestError(Exception):
    """One or more files cannot be imported; nothing is loaded."""

    def __init__(self, errors: list[FileError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


def find_table_file(input_dir: Path, table: str) -> Path | None:
    """The one file for `table` in `input_dir` (.csv, .xlsx or .parquet); two candidates is an error."""
    found = [p for p in sorted(input_dir.iterdir())
             if p.is_file() and p.stem.lower() == table and p.suffix.lower() in SUPPORTED_SUFFIXES]
    if len(found) > 1:
        raise FileError(found[1].name, f"{table} is given twice ({', '.join(p.name for p in found)}); keep one")
    return found[0] if found else None


def _unrecognised(input_dir: Path) -> list[str]:
    """Notices for files that are not tables of the import format, with the likely table when it is one."""
    known = {f"{t}{s}" for t in c.TABLES_BY_NAME for s in SUPPORTED_SUFFIXES}
    notices = []
    for p in sorted(input_dir.iterdir()):
        if not p.is_file() or p.name.lower() in known or p.name.startswith("."):
            continue
        if p.stem.lower() in c.TABLES_BY_NAME:
            notices.append(f"{p.name}: {p.suffix or 'no extension'} is not a supported format "
                           f"({', '.join(SUPPORTED_SUFFIXES)}), so {p.stem.lower()} is not read from it; "
                           f"rename it {p.stem.lower()}.csv if it is comma-separated text")
        else:
            notices.append(f"{p.name}: not a table of the import format, ignored")
    return notices


def read_and_validate(input_dir: Path, con: duckdb.DuckDBPyConnection | None = None,
                      latest: date | None = None) -> IngestResult:
    """Read and validate every table file in load order into `raw.*` of `con` (a new in-memory database when
    None, kept on the result); raise IngestError listing every file-level problem. `latest`: the latest date of
    something that has happened (contract.latest_event_date() when None)."""
    input_dir = Path(input_dir)
    if not input_dir.is_dir():
        raise FileError(str(input_dir), "is not a folder")
    con = con if con is not None else duckdb.connect()
    con.execute("set enable_progress_bar = false")
    with transaction(con):
        create_raw_tables(con)
    result = IngestResult(con=con)
    result.notices.extend(_unrecognised(input_dir))
    errors: list[FileError] = []
    absent = frozenset(t.name for t in c.TABLES if not _has_file(input_dir, t.name))
    for table in c.TABLES:
        try:
            path = find_table_file(input_dir, table.name)
            if path is None:
                if not table.holds_decisions:  # no reviews yet is the usual case, not news
                    result.notices.append(f"no file for {table.name}: the table is empty")
                validated = ValidatedTable(table.name, "", 0, 0, con=con)
            else:
                validated = load_file(con, path, table, absent=absent, latest=latest)
        except FileError as exc:
            errors.append(exc)
            continue
        result.tables.append(validated)
        result.notices.extend(validated.notices)
    if errors:
        raise IngestError(errors)
    return result


def _has_file(input_dir: Path, table: str) -> bool:
    """Whether the folder has a file for `table` (two is a file too: read_and_validate reports that)."""
    try:
        return find_table_file(input_dir, table) is not None
    except FileError:
        return True


def load_file(con: duckdb.DuckDBPyConnection, path: Path, table: c.Table, references: bool = True,
              absent: frozenset[str] = frozenset(), latest: date | None = None) -> ValidatedTable:
    """Read one file and validate its rows into `raw.<table>` in one transaction (`absent`: the tables without a
    file, `latest`: the latest date of something that has happened, pipelines.validate.validate). A CSV file is
    first read by DuckDB's reader inside the load; when that reader cannot take it line for line, the load is rolled
    back and the file read again by the careful Python reader (pipelines/readers.py)."""
    relation = f"_text_{table.name}"

    def attempt(careful: bool) -> ValidatedTable:
        text = read_into(con, path, relation, table.required_columns, careful=careful)
        try:
            with transaction(con):
                return validate(con, text, table, references, absent, latest)
        finally:
            text.drop(con)

    with in_file_order(con):
        try:
            return attempt(careful=False)
        except NotLineByLine:  # rolled back: the careful reader reads the file again
            return attempt(careful=True)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """Run a group of statements as one transaction (rolled back if one fails): a file-backed database flushes its
    write-ahead log at every commit, so many small statements committed one by one mostly wait for the disk."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        try:
            con.execute("rollback")
        except duckdb.Error:  # the connection is past rolling back: the original error is the one to report
            pass
        raise
    con.execute("commit")


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


def record(con: duckdb.DuckDBPyConnection, result: IngestResult) -> None:
    """Write the load log and every rejection of `result` (whose rows are already in `raw.*` of `con`)."""
    for validated in result.tables:
        con.execute("insert into ingest.load_log values (?, ?, ?, ?, ?, ?, ?, ?)", [
            validated.table, validated.file, validated.encoding, validated.rows_read, validated.rows_loaded,
            validated.rows_rejected, validated.duplicates_collapsed, "; ".join(validated.notices)])
    rejections = result.rejections
    if rejections:
        frame = pd.DataFrame([(r.table, r.file, r.line, r.column, r.reason, r.raw) for r in rejections],
                             columns=["table_name", "file", "line", "column_name", "reason", "raw_line"])
        con.register("_rejected", frame)
        try:
            con.execute("insert into ingest.rejected_rows select * from _rejected")
        finally:
            con.unregister("_rejected")


