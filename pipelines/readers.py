"""Read one import file into DuckDB as text cells with their line numbers, without guessing.

A CSV file is read by DuckDB's own CSV reader (every column as text) when DuckDB reads it exactly as written:
one record per physical line, no record it cannot split. Anything else (a stray quote, a blank line, a line break
inside a quoted cell, a record with the wrong number of fields) is read by the careful Python reader below, which
re-reads a bad record line by line so a stray quote costs one rejected line instead of the rows after it.

DuckDB's reader is not run here: `relation` is then a view over it, read once by the validation that loads
`raw.<table>` (pipelines/validate.py), whose rows keep the file's order, so a record's line is its row number + 2.
Whether DuckDB read the file line for line is known only once it has read it: if it could not (NotLineByLine), the
load is rolled back and the file read again by the careful reader (`read_into(..., careful=True)`). The text cells of
rejected rows are read into a temporary table only when a row is rejected (`TextTable.cells`).

Encodings: UTF-8 (with or without BOM), UTF-16 with BOM (Excel "Unicode text") and GB18030 (a superset of GBK, common
in Chinese exports). A file that is not UTF-8 and whose bytes read as different text in GB18030 and in
Latin-1/Windows-1252 (e.g. 'Müller' or 'M黮ler') is refused with that evidence: we never pick one. Delimiters:
comma, or tab / semicolon when the header line proves it. Spreadsheets (.xlsx) are read cell by cell with their types,
every sheet whose header carries the table's required columns; Parquet by DuckDB with its types (nullable integers,
dates and missing values stay what they are).
"""

from __future__ import annotations

import codecs
import csv
import io
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from models.wording import count_words

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".parquet")
# An export may carry a few title rows above its header (a report name, an export date, a definitions block: Amazon's
# Date Range report has seven); more than this many one-cell rows at the top are not a title.
MAX_TITLE_ROWS = 10
# ...and the row below them is the header only when this share of the (up to 20) rows under it fit it: otherwise the
# one-cell rows were the table's own (a one-column list with a stray comma further down keeps its header)
TITLE_FIT = 0.8
# Python's csv module refuses fields over 131,072 characters; a long note is data, not an error.
csv.field_size_limit(1 << 30)
CSV_DIALECT = dict(delimiter=",", quotechar='"', doublequote=True, skipinitialspace=True, strict=False)
ENCODINGS = ("utf-8-sig", "gb18030")
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon"}
_CHUNK = 1 << 24


class NotLineByLine(Exception):
    """DuckDB's reader did not read a file one record per physical line (or could not split a record): read it
    again with the careful reader."""


class FileError(Exception):
    """A file cannot be imported at all (unreadable, wrong encoding, missing required column)."""

    def __init__(self, file: str, message: str, column: str | None = None):
        self.file, self.column = file, column
        where = f"{file}" + (f", column {column}" if column else "")
        super().__init__(f"{where}: {message}")


@dataclass
class ParsedFile:
    """Text cells of one file: `frame` has the header's columns plus `_line` (1-based line in the file)."""

    path: Path
    encoding: str
    header: list[str]
    frame: pd.DataFrame
    # Records that could not be split into the header's fields: (line, raw text, reason).
    malformed: list[tuple[int, str, str]] = field(default_factory=list)
    # Lines that were entirely empty and skipped.
    blank_lines: int = 0
    # Physical lines of a text file, to report a rejected row exactly as it was written.
    lines: Sequence[str] | None = None  # a list, or sniff.Lines cut from the text on demand
    delimiter: str = ","
    # Records that ended with extra empty fields (a trailing delimiter), read without them.
    trailing_delimiters: int = 0
    # Title rows above the header (a report name, an export date: one cell each), as (line, text); not data.
    titles: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class TextTable:
    """One import file's cells inside DuckDB.

    `relation` is a temporary table with the header's columns (varchar), `_row` (the record's position, from 0),
    `_line` (the line or sheet row a record starts on) and `_file` (the file name, with the sheet for a workbook of
    several sheets). With `direct`, it is a view over DuckDB's CSV reader whose `_row` and `_line` are not known
    before it is loaded (NULL): `expected_rows` records if DuckDB reads the file line for line, the record at row
    number r (in file order) is on line r + 2, and `cells` materialises the text table when rejected rows need it.
    """

    path: Path
    relation: str
    encoding: str
    header: list[str]
    rows: int
    delimiter: str = ","
    malformed: list[tuple[int, str, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    lines: list[str] | None = None  # physical lines when the Python reader read the file
    text_path: Path | None = None  # the UTF-8 text DuckDB read (for rejected rows' raw lines)
    scratch: Path | None = None  # a private folder of ours holding that text (a transcoded file), removed by drop
    is_spreadsheet: bool = False
    may_need_trim: bool = True  # False only when no cell can start or end with whitespace
    direct: bool = False  # a view over DuckDB's CSV reader, read once by the load (see above)
    expected_rows: int | None = None  # direct: the file's physical lines after the header
    reader_sql: str = ""  # direct: the read_csv(...) call

    def cells(self, con: duckdb.DuckDBPyConnection) -> None:
        """Materialise a direct relation as a text table with its row numbers (a second read of the file; only for a
        file with rejected rows). Idempotent; a no-op for a relation that is already a table."""
        if not self.direct:
            return
        con.execute(f"create or replace temp table {self.relation}_cells as select * from {self.reader_sql}")
        # inside a transaction DuckDB numbers new rows from a base of its own, one after the other in file order
        base = con.execute(f"select coalesce(min(rowid), 0) from {self.relation}_cells").fetchall()[0][0]
        con.execute(f"create or replace temp view {self.relation} as select *, rowid - {base} as _row, "
                    f"cast(rowid - {base} + 2 as bigint) as _line, {_sql_literal(self.path.name)} as _file "
                    f"from {self.relation}_cells")
        self.direct = False

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        """Remove the text relation (a view over a table, or a table) and the transcoded copy of the file, if one was
        made: a server reading many non-UTF-8 exports would otherwise keep a copy of each in its temporary folder."""
        is_view = con.execute("select count(*) from duckdb_views() where view_name = ?", [self.relation]).fetchone()[0]
        con.execute(f"drop {'view' if is_view else 'table'} if exists {self.relation}")
        con.execute(f"drop table if exists {self.relation}_cells")
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def raw_lines(self, con: duckdb.DuckDBPyConnection, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
        """The rejected records as written, by (file label, line): physical lines of a text file, re-serialised
        cells of a spreadsheet."""
        if not wanted:
            return {}
        if self.lines is not None:
            return {(f, n): self.lines[n - 1] for f, n in wanted if 0 < n <= len(self.lines)}
        if self.text_path is not None:
            numbers = {n for _, n in wanted}
            found = {}
            with open(self.text_path, encoding="utf-8-sig", newline="") as fh:
                for number, line in enumerate(fh, 1):
                    if number in numbers:
                        found[number] = line.rstrip("\r\n")
                        if len(found) == len(numbers):
                            break
            return {(f, n): found[n] for f, n in wanted if n in found}
        cols = ", ".join(_quote(h) for h in self.header)
        keys = [f"{f}\x00{n}" for f, n in wanted]
        rows = con.execute(f"select _file, _line, {cols} from {self.relation} "
                           f"where _file || chr(0) || _line in (select unnest(?::varchar[]))", [keys]).fetchall()
        out = {}
        for file, line, *cells in rows:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="").writerow(["" if v is None else v for v in cells])
            out[(file, line)] = buffer.getvalue()
        return out


# ---- encodings ----------------------------------------------------------------------------------------------------

def detect_encoding(path: Path) -> str:
    """'utf-8', 'utf-8-sig', 'utf-16' or 'gb18030'; FileError when the file is none of them or is ambiguous."""
    name = path.name
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                return "utf-16"
            fh.seek(0)
            decoder = codecs.getincrementaldecoder("utf-8")()
            try:
                while chunk := fh.read(_CHUNK):
                    if not (chunk.isascii() and not decoder.getstate()[0]):  # ASCII after a whole character: valid
                        decoder.decode(chunk)
                decoder.decode(b"", final=True)
                return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
            except UnicodeDecodeError:
                pass
        raw = path.read_bytes()
    except OSError as exc:
        raise FileError(name, f"cannot be read ({exc.strerror})") from exc
    return _legacy_encoding(raw, name)


def _legacy_encoding(raw: bytes, name: str) -> str:
    """A file that is not UTF-8: GB18030 when every non-ASCII character is plain GB2312 Chinese; refused when its
    bytes also read as European (Latin-1) text, or when they are not GB18030 at all."""
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        raise FileError(name, "is neither UTF-8 nor GB18030/GBK text; re-export it as UTF-8 CSV") from None
    for number, line in enumerate(raw.splitlines(), 1):
        if max(line, default=0) < 0x80:
            continue
        chinese = line.decode("gb18030")
        if all(_is_gb2312(ch) for ch in chinese if ord(ch) >= 0x80):
            continue
        european = line.decode("cp1252", errors="replace")
        raise FileError(name, f"is not UTF-8, and its text reads differently as Chinese (GB18030) and as European "
                              f"(Latin-1/Windows-1252), e.g. line {number}: {_excerpt(chinese)!r} or "
                              f"{_excerpt(european)!r}. We do not guess: re-export the file as UTF-8")
    return "gb18030"


def _is_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _excerpt(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[:width] + "…"


def _text_of(path: Path, encoding: str) -> str:
    raw = path.read_bytes()
    if encoding == "utf-16":
        return raw.decode("utf-16")
    if encoding == "gb18030" and raw.startswith(codecs.BOM_UTF8):
        raw = raw[3:]
    return raw.decode(encoding)


# ---- CSV: the dialect ---------------------------------------------------------------------------------------------

def sniff_delimiter(header_line: str) -> str:
    """Comma unless the header line has none and is split by tabs or semicolons (Excel's 'Unicode text' and
    European CSV exports)."""
    if "," in header_line:
        return ","
    for delimiter in ("\t", ";"):
        if delimiter in header_line:
            return delimiter
    return ","


def _first_line(path: Path, encoding: str) -> str:
    if encoding in ("utf-8", "utf-8-sig"):
        with open(path, encoding=encoding, newline="") as fh:
            return fh.readline()
    return _text_of(path, encoding).split("\n", 1)[0]


# ---- CSV: the careful Python reader -------------------------------------------------------------------------------

def decode(raw: bytes, file: str) -> tuple[str, str]:
    """Decode bytes as UTF-8 (BOM optional), UTF-16 (BOM) or GB18030; raise FileError naming the file otherwise."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8-sig"), ("utf-8-sig" if raw.startswith(codecs.BOM_UTF8) else "utf-8")
    except UnicodeDecodeError:
        pass
    encoding = _legacy_encoding(raw, file)
    body = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw
    return body.decode(encoding), encoding


def _physical_lines(text: str) -> list[str]:
    """Split on CRLF, LF or CR, the way csv with newline='' counts lines."""
    return io.StringIO(text, newline=None).read().split("\n")


def read_csv_records(path: Path, delimiter: str | None = None) -> ParsedFile:
    """Parse a CSV file record by record; see the module docstring for the recovery rules."""
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FileError(name, f"cannot be read ({exc.strerror})") from exc
    text, encoding = decode(raw, name)
    lines = _physical_lines(text)
    delimiter = delimiter or sniff_delimiter(lines[0] if lines else "")
    dialect = dict(CSV_DIALECT, delimiter=delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), **dialect)
    try:
        header = next(reader)
        while not any(cell.strip() for cell in header):  # blank lines before the header
            header = next(reader)
    except StopIteration:
        raise FileError(name, "is empty (no header row)") from None
    except csv.Error as exc:
        raise FileError(name, f"has an unreadable header row ({exc})") from None
    header = [h.strip() for h in header]
    width = len(header)
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    malformed: list[tuple[int, str, str]] = []
    blank = trailing = 0
    start = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            end = reader.line_num
            _recover(lines, start, end, width, rows, line_numbers, malformed, dialect)
            start = end + 1
            continue
        end = reader.line_num
        if len(record) > width and not any(cell.strip() for cell in record[width:]):
            record = record[:width]  # a trailing delimiter: the extra field is empty, nothing is lost
            trailing += 1
        if not record or all(not cell.strip() for cell in record) and len(record) <= 1:
            blank += 1
        elif len(record) == width and (end == start or not _swallowed_rows(lines, start, end, width, dialect)):
            rows.append(record)
            line_numbers.append(start)
        else:
            _recover(lines, start, end, width, rows, line_numbers, malformed, dialect)
        start = end + 1
    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header, dtype=object)
    frame["_line"] = pd.Series(line_numbers, dtype="int64")
    return ParsedFile(path, encoding, header, frame, malformed, blank, lines, delimiter, trailing)


def _swallowed_rows(lines: list[str], start: int, end: int, width: int, dialect: dict) -> bool:
    """A record spanning lines whose later lines are complete rows on their own: a stray quote ate them.

    A genuine multi-line quoted cell (a note with a line break) does not split into full-width rows.
    """
    for number in range(start + 1, end + 1):
        raw = lines[number - 1] if number - 1 < len(lines) else ""
        if raw.count('"') % 2 == 0 and len(next(csv.reader([raw], **dialect), [])) == width:
            return True
    return False


def _recover(lines, start, end, width, rows, line_numbers, malformed, dialect) -> None:
    """Re-read the physical lines of a bad record one by one; keep those that parse alone."""
    if end == start:
        raw = lines[start - 1]
        found = len(next(csv.reader([raw], **dialect), []))
        reason = (f"expected {width} fields, found {found}"
                  + (" (unbalanced quote?)" if raw.count('"') % 2 else ""))
        malformed.append((start, raw, reason))
        return
    for number in range(start, end + 1):
        raw = lines[number - 1] if number - 1 < len(lines) else ""
        if not raw.strip():
            continue
        balanced = raw.count('"') % 2 == 0
        cells = next(csv.reader([raw], **dialect), [])
        if balanced and len(cells) == width:
            rows.append(cells)
            line_numbers.append(number)
        else:
            reason = "unbalanced quote: the field never closes" if not balanced else (
                f"expected {width} fields, found {len(cells)}")
            malformed.append((number, raw, reason))


# ---- into DuckDB --------------------------------------------------------------------------------------------------

def read_into(con: duckdb.DuckDBPyConnection, path: Path, relation: str,
              required: list[str] | None = None, careful: bool = False) -> TextTable:
    """Read a .csv, .xlsx or .parquet file into the temporary table `relation` (text cells, `_line`, `_file`); a
    CSV file DuckDB may read line for line becomes a view over its reader (`TextTable.direct`), unless `careful`."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(con, path, relation, careful)
    if suffix == ".xlsx":
        return _read_xlsx(con, path, relation, required or [])
    if suffix == ".parquet":
        return _read_parquet(con, path, relation)
    raise FileError(path.name, f"has an unsupported format; use one of {', '.join(SUPPORTED_SUFFIXES)}")


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, relation: str, careful: bool = False) -> TextTable:
    name = path.name
    encoding = detect_encoding(path)
    if not careful:
        text_path, scratch = path, None
        if encoding not in ("utf-8", "utf-8-sig"):  # DuckDB reads UTF-8: give it the same lines, transcoded (kept
            # for the load, which reads it, and for the raw lines of rejected rows, until TextTable.drop)
            scratch = Path(tempfile.mkdtemp(prefix="sr-read-"))
            text_path = scratch / "utf8.csv"
        try:
            if scratch is not None:
                text_path.write_text(_text_of(path, encoding), encoding="utf-8", newline="")
            header_line = _first_line(text_path, "utf-8-sig").rstrip("\r\n")
            delimiter = sniff_delimiter(header_line)
            fast = _duckdb_csv(con, text_path, relation, name, header_line, delimiter)
        except BaseException:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
            raise
        if fast is not None:
            header, expected, spaced, reader_sql = fast
            return TextTable(path, relation, encoding, header, -1, delimiter, text_path=text_path, scratch=scratch,
                             notices=_dialect_notices(name, delimiter), may_need_trim=spaced, direct=True,
                             expected_rows=expected, reader_sql=reader_sql)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        delimiter = None
    else:
        delimiter = None
    parsed = read_csv_records(path, delimiter)
    if not parsed.header or parsed.header == [""]:
        raise FileError(name, "is empty (no header row)")
    _register_text(con, relation, parsed.frame, parsed.header, name)
    notices = _dialect_notices(name, parsed.delimiter)
    if parsed.trailing_delimiters:
        notices.append(f"{name}: {count_words(parsed.trailing_delimiters, 'row')} "
                       f"{'ends' if parsed.trailing_delimiters == 1 else 'end'} with an extra empty field (a trailing "
                       "delimiter), ignored")
    return TextTable(path, relation, parsed.encoding, parsed.header, len(parsed.frame), parsed.delimiter,
                     parsed.malformed, notices, lines=parsed.lines)


def _dialect_notices(name: str, delimiter: str) -> list[str]:
    if delimiter == ",":
        return []
    return [f"{name}: read as {DELIMITER_NAMES[delimiter]}-delimited (the header has no comma)"]


def _duckdb_csv(con, text_path: Path, relation: str, name: str, header_line: str,
                delimiter: str) -> tuple[list[str], int, bool, str] | None:
    """A view over DuckDB's reader when it may read the file exactly as written: (header, records expected if it
    reads one per physical line, whether a cell may need trimming, the reader's SQL); None sends the file to the
    Python reader."""
    if not header_line.strip() or '"' in header_line or "\r" in header_line:
        return None
    header = [h.strip() for h in header_line.split(delimiter)]
    if len(set(header)) != len(header) or "" in header:
        return None  # duplicated or empty names: the Python reader and the header check say so
    lines, spaced = _scan_lines(text_path)
    if lines < 1:  # lone carriage returns: DuckDB's line count is not the file's
        return None
    columns = "{" + ", ".join(f"'{_sql_str(h)}': 'varchar'" for h in header) + "}"
    # a view takes no bound parameters: the path and delimiter are quoted literals. DuckDB's default line limit
    # (2 MB) is kept: raising it to 64 MB made every load of a large file 0.3-0.8 s slower (buffers sized for it),
    # and a longer line makes the load fail, so the careful reader reads that file instead (test_malformed_inputs)
    reader = (f"read_csv({_sql_literal(str(text_path))}, header = true, auto_detect = false, columns = {columns}, "
              f"delim = {_sql_literal(delimiter)}, quote = '\"', escape = '\"', strict_mode = true, "
              "null_padding = false)")
    # the load reads it once (pipelines/validate.py); _row and _line are its rows' positions, known once loaded
    con.execute(f"create or replace temp view {relation} as select *, cast(null as bigint) as _row, "
                f"cast(null as bigint) as _line, {_sql_literal(name)} as _file from {reader}")
    return header, lines - 1, spaced, reader


# Bytes that can put whitespace at the edge of a cell: a space beside a delimiter, quote or line end; a tab or
# another ASCII separator anywhere; the UTF-8 lead bytes of NEL / NBSP (C2), U+1680 (E1), the U+2000 block (E2)
# and the ideographic space U+3000 (E3). A file with none of them needs no trimming (the usual case).
_CONTROL_BYTES = tuple(bytes([b]) for b in (0x09, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x1F))
_SPACE_LEADS = np.zeros(256, dtype=bool)
_SPACE_LEADS[[0xC2, 0xE1, 0xE2, 0xE3]] = True
_BESIDE = np.zeros(256, dtype=bool)
_BESIDE[[ord(","), ord(";"), ord("\n"), ord("\r"), ord('"')]] = True
_SPACE_CODES = {"\x85", "\xa0", "\u1680", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000",
                *map(chr, range(0x2000, 0x200B))}


def _may_have_edge_space(chunk: bytes, before: int) -> bool:
    """Whether some cell in `chunk` may start or end with whitespace (`before`: the byte preceding the chunk).
    Byte searches first (a chunk without a space, control byte or non-ASCII byte needs nothing else)."""
    if any(b in chunk for b in _CONTROL_BYTES):
        return True
    data = None
    if b" " in chunk:
        data = np.frombuffer(chunk, dtype=np.uint8)
        spaces = data == 0x20
        beside = _BESIDE[data]
        if (spaces[0] and _BESIDE[before]) or spaces[-1] or (spaces[1:] & beside[:-1]).any() \
                or (spaces[:-1] & beside[1:]).any():
            return True
    if chunk.isascii():
        return False
    data = np.frombuffer(chunk, dtype=np.uint8) if data is None else data
    for lead in np.flatnonzero(_SPACE_LEADS[data]):
        if chunk[lead:lead + 4].decode("utf-8", errors="ignore")[:1] in _SPACE_CODES:
            return True
    return False


def _scan_lines(path: Path) -> tuple[int, bool]:
    """(physical lines, ignoring the line end after the last one, or -1 if the file uses lone CRs; whether some
    cell may start or end with whitespace), in one pass over the bytes."""
    count, last, spaced = 0, b"", False
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            count += chunk.count(b"\n")
            if b"\r" in chunk and chunk.count(b"\r") != chunk.count(b"\r\n"):
                return -1, True
            spaced = spaced or _may_have_edge_space(chunk, last[-1] if last else ord("\n"))
            last = chunk
    return count + (1 if last and not last.endswith(b"\n") else 0), spaced


def _sql_str(text: str) -> str:
    return text.replace("'", "''")


def _sql_literal(text: str) -> str:
    return "'" + _sql_str(text) + "'"


def _register_text(con, relation: str, frame: pd.DataFrame, header: list[str], file_label: str | pd.Series) -> None:
    """Create the temporary text table from a frame of text cells with `_line`."""
    frame = frame.copy()
    frame["_file"] = file_label
    frame["_row"] = range(len(frame))
    con.register("_incoming_text", frame)
    try:
        cols = ", ".join(f"cast({_quote(h)} as varchar) as {_quote(h)}" for h in header)
        con.execute(f"create or replace temp table {relation} as select {cols}, cast(_row as bigint) as _row, "
                    f"cast(_line as bigint) as _line, cast(_file as varchar) as _file from _incoming_text "
                    f"order by _row")
    finally:
        con.unregister("_incoming_text")


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path, relation: str) -> TextTable:
    """Parquet by DuckDB with its own types: each cell rendered as the text a CSV would hold."""
    name = path.name
    try:
        described = [(c[0], str(c[1])) for c in
                     con.execute("select * from read_parquet(?) limit 0", [str(path)]).description]
    except duckdb.Error as exc:
        raise FileError(name, f"cannot be read ({_first_sentence(exc)})") from exc
    header = [str(c[0]).strip() for c in described]
    cells = ", ".join(f'{_text_cast(f"src.{_quote(c[0])}", c[1])} as {_quote(h)}' for c, h in zip(described, header))
    con.execute(f"""create or replace temp table {relation} as
        select {cells}, file_row_number as _row, cast(file_row_number + 1 as bigint) as _line, ?::varchar as _file
        from read_parquet(?, file_row_number = true) as src order by file_row_number""", [name, str(path)])
    rows = con.execute(f"select count(*) from {relation}").fetchone()[0]
    return TextTable(path, relation, "parquet", header, rows, is_spreadsheet=True)


def _quote(identifier: str) -> str:
    return '"' + str(identifier).replace('"', '""') + '"'


def _text_cast(expr: str, sql_type: str) -> str:
    """SQL turning a typed Parquet column into contract text: dates as YYYY-MM-DD, a timestamp at midnight as its
    date, whole doubles without '.0', NULL (NaT, NA) as NULL."""
    t = sql_type.upper()
    if t == "DATE":
        return f"strftime({expr}, '%Y-%m-%d')"
    if t.startswith("TIMESTAMP"):
        return (f"case when cast({expr} as time) = time '00:00:00' then strftime({expr}, '%Y-%m-%d') "
                f"else strftime({expr}, '%Y-%m-%dT%H:%M:%S') end")
    if t in ("DOUBLE", "FLOAT", "REAL"):
        return (f"case when isnan({expr}) then null when {expr} = trunc({expr}) and abs({expr}) < 9007199254740992 "
                f"then cast(cast({expr} as bigint) as varchar) else cast({expr} as varchar) end")
    if t == "BOOLEAN":
        return f"case when {expr} then 'true' when not {expr} then 'false' end"
    return f"cast({expr} as varchar)"


def is_title_row(cells: list[str]) -> bool:
    """A row above a table's header that names the report or the export date: at most one filled cell. A header
    always has two columns or more, so the header is the first row that is not a title."""
    return sum(1 for c in cells if str(c).strip()) <= 1


def title_notice(where: str, titles: list[tuple[int, str]]) -> str:
    """What the import says about title rows it did not read as data."""
    shown = "; ".join(f"line {line} {text[:80]!r}" for line, text in titles[:3]) + ("; …" if len(titles) > 3 else "")
    return f"{where}: {count_words(len(titles), 'title row')} above the header, not data: {shown}"


def _xlsx_sheets(path: Path) -> list[tuple[str, list[str], pd.DataFrame, list[tuple[int, str]]]]:
    """Every non-empty sheet of a workbook as (sheet, header, text cells with `_line`, the sheet's row number,
    title rows above the header as (row, text)), each cell read with its type (a date cell at midnight as
    YYYY-MM-DD)."""
    name = path.name
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl", keep_default_na=False,
                               header=None)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a file-level error for the user
        raise FileError(name, f"cannot be read ({type(exc).__name__}: {_first_sentence(exc)})") from exc
    out = []
    for sheet, grid in sheets.items():
        grid = grid.dropna(how="all")
        grid = grid[[any(_cell_text(v).strip() for v in row) for row in grid.itertuples(index=False)]]
        if grid.empty:
            continue
        cells = {i: [_cell_text(v) for v in grid.loc[i].tolist()] for i in grid.index[:MAX_TITLE_ROWS + 1]}
        titles = [i for i in cells if is_title_row(cells[i])]
        titles = titles[:next((k for k, i in enumerate(titles) if i != grid.index[k]), len(titles))]  # leading ones
        if len(titles) > MAX_TITLE_ROWS or len(titles) == len(grid.index):
            titles = []  # not a title above a table: the sheet is read as it is, and its header judged as written
        elif titles:  # the rows under the header below them must mostly be rows of a table (two filled cells or more)
            below = [[_cell_text(v) for v in grid.loc[i].tolist()] for i in grid.index[len(titles) + 1:len(titles) + 21]]
            if not below or sum(1 for r in below if not is_title_row(r)) < TITLE_FIT * len(below):
                titles = []
        first = grid.index[len(titles)]
        names = [_cell_text(v).strip() for v in grid.loc[first].tolist()]
        while names and not names[-1]:
            names.pop()
        body = grid.loc[grid.index > first].iloc[:, :len(names)]
        text = body.apply(lambda col: col.map(_cell_text)).set_axis(names, axis=1)
        text["_line"] = (body.index + 1).astype("int64")  # the sheet's own row number
        out.append((str(sheet), names, text.reset_index(drop=True),
                    [(int(i) + 1, " ".join(c.strip() for c in cells[i] if c.strip())) for i in titles]))
    return out


def _read_xlsx(con: duckdb.DuckDBPyConnection, path: Path, relation: str, required: list[str]) -> TextTable:
    """Every sheet whose header has the table's required columns (the same header in each); others are named."""
    name = path.name
    frames, notices, header, used = [], [], None, []
    sheets = _xlsx_sheets(path)
    for sheet, names, text, titles in sheets:
        if titles and set(required) <= set(names):
            notices.append(title_notice(f"{name}: sheet {sheet!r}", titles))
        if not set(required) <= set(names):
            notices.append(f"{name}: sheet {sheet!r} has no {', '.join(c for c in required if c not in names)} "
                           "column, so it is not read")
            continue
        if header is not None and names != header:
            raise FileError(name, f"sheets {used[0]!r} and {sheet!r} have different headers; keep one sheet per "
                                  "table, or give them the same columns")
        header = names
        text["_file"] = name
        frames.append(text)
        used.append(sheet)
    if header is None:
        raise FileError(name, "is empty (no sheet with data)" if not sheets else
                        "has no sheet with a header row holding the required columns "
                        f"({', '.join(required) or 'any'})")
    if len(used) > 1:
        for frame, sheet in zip(frames, used):
            frame["_file"] = f"{name} [{sheet}]"
        notices.append(f"{name}: read sheets {', '.join(repr(s) for s in used)}")
    frame = pd.concat(frames, ignore_index=True)
    _register_text(con, relation, frame.drop(columns="_file"), header, frame["_file"])
    return TextTable(path, relation, "xlsx", header, len(frame), notices=notices, is_spreadsheet=True)


def _first_sentence(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _cell_text(value) -> str:
    """Render a spreadsheet cell as the text a CSV would hold (a date cell at midnight as YYYY-MM-DD)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 2 ** 53 else repr(value)
    if isinstance(value, (pd.Timestamp, datetime)):
        if pd.isna(value):
            return ""
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if value is pd.NaT or value is pd.NA:
        return ""
    return str(value)


def read_table_file(path: Path) -> ParsedFile:
    """A .csv file's records (the careful Python reader) or a workbook's one sheet with data, with their line
    numbers, for adapters. A workbook with data on several sheets is refused, never read from its first sheet."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv_records(path)
    if suffix != ".xlsx":
        raise FileError(path.name, "has an unsupported format; use .csv or .xlsx")
    sheets = _xlsx_sheets(path)
    if not sheets:
        raise FileError(path.name, "is empty (no sheet with data)")
    if len(sheets) > 1:
        raise FileError(path.name, f"has data on {len(sheets)} sheets ({', '.join(repr(s[0]) for s in sheets)}); "
                                   "save the sheet to import as a workbook of its own")
    _, header, text, titles = sheets[0]
    return ParsedFile(path, "xlsx", header, text, titles=titles)
