"""What an import tells the user: what was recognised, the line counts, every rejected line, what changed per table."""

from __future__ import annotations

from pathlib import Path

import duckdb

from models.wording import count_words
from pipelines import contract as c
from pipelines.adapters.base import Converted
from pipelines.adapters.store import IMPORTS, Written
from pipelines.ingest import create_raw_tables, load_file
from pipelines.readers import FileError
from pipelines.validate import Rejection


def report_lines(converted: Converted, written: list[Written], out_dir: Path) -> list[str]:
    """The import report, one printable line each, in the order a user reads it."""
    fmt = converted.format
    lines = [f"recognised {converted.source.name} as {fmt.title} ({fmt.name}); read as {converted.read_as}",
             f"read {count_words(converted.rows_read, 'line')} from {converted.source.name}: {converted.rows_written:,} written, "
             f"{converted.rows_rejected:,} rejected, {converted.rows_left_out:,} left out by rule"]
    for reason, n in converted.by_reason(left_out=False).most_common():
        lines.append(f"  rejected: {n:>6,} {'line' if n == 1 else 'lines'}: {reason}")
    for reason, n in converted.by_reason(left_out=True).most_common():
        lines.append(f"  left out: {n:>6,} {'line' if n == 1 else 'lines'}: {reason}")
    for w in written:
        lines.append(f"  {w.table:<16} {w.added + w.replaced:>7,} {'row' if w.added + w.replaced == 1 else 'rows'} written to {w.path} ({w.added:,} new, "
                     f"{w.replaced:,} replaced an earlier import of the same rows, {w.kept:,} other rows kept)")
    lines.extend(f"warning: {w}" for w in converted.warnings)
    lines.extend(f"notice: {n}" for n in converted.notices)
    for r in converted.rejections():
        if not r.reason.startswith("left out: "):
            lines.append(f"  {r.file}:{r.line} [{r.column}] {r.reason}")
    if converted.problems:
        lines.append(f"every rejected or left-out line, with file, line, column and reason: "
                     f"{Path(out_dir) / IMPORTS / f'{converted.source.name}.{fmt.name}.rejections.csv'}")
    return lines


def check_written(out_dir: Path, tables: list[str]) -> list[Rejection]:
    """The contract's rules (types, allowed values, ranges, keys) on each written table file alone; references to
    other tables are left to `supplier-risk check`, which sees the whole folder."""
    problems: list[Rejection] = []
    con = duckdb.connect()
    try:
        create_raw_tables(con)
        for table in dict.fromkeys(tables):
            path = Path(out_dir) / f"{table}.csv"
            try:
                problems.extend(load_file(con, path, c.TABLES_BY_NAME[table], references=False).rejections)
            except FileError as exc:
                problems.append(Rejection(table, path.name, 0, exc.column or "(file)", str(exc), ""))
    finally:
        con.close()
    return problems
