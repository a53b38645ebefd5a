"""Read one import file into text records with their line numbers, with an explicit dialect per format.

CSV is parsed with a fixed dialect (comma, double quote, header row); the encoding is UTF-8 (with or without
BOM) or GB18030 (a superset of GBK, common in Chinese exports); CRLF, LF and CR line ends are all accepted.
A record whose field count does not match the header is re-read line by line, so a stray quote costs one
rejected line instead of silently swallowing the rows after it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".parquet")
CSV_DIALECT = dict(delimiter=",", quotechar='"', doublequote=True, skipinitialspace=False, strict=False)
ENCODINGS = ("utf-8-sig", "gb18030")


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
    lines: list[str] | None = None


def decode(raw: bytes, file: str) -> tuple[str, str]:
    """Decode bytes as UTF-8 (BOM optional) or GB18030; raise FileError naming the file otherwise."""
    for encoding in ENCODINGS:
        try:
            body = raw[3:] if encoding != "utf-8-sig" and raw.startswith(b"\xef\xbb\xbf") else raw
            return body.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileError(file, "is neither UTF-8 nor GB18030/GBK text; re-export it as UTF-8 CSV")


def _physical_lines(text: str) -> list[str]:
    """Split on CRLF, LF or CR, the way csv with newline='' counts lines."""
    return io.StringIO(text, newline=None).read().split("\n")


def read_csv_records(path: Path) -> ParsedFile:
    """Parse a CSV file with the fixed dialect; see the module docstring for the recovery rules."""
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FileError(name, f"cannot be read ({exc.strerror})") from exc
    text, encoding = decode(raw, name)
    lines = _physical_lines(text)
    reader = csv.reader(io.StringIO(text, newline=""), **CSV_DIALECT)
    try:
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
    blank = 0
    start = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            # e.g. an unclosed quote that ran past the field size limit: re-read its lines one by one
            end = reader.line_num
            _recover(lines, start, end, width, rows, line_numbers, malformed)
            start = end + 1
            continue
        end = reader.line_num
        if not record or all(not cell.strip() for cell in record) and len(record) <= 1:
            blank += 1
        elif len(record) == width and (end == start or not _swallowed_rows(lines, start, end, width)):
            rows.append(record)
            line_numbers.append(start)
        else:
            _recover(lines, start, end, width, rows, line_numbers, malformed)
        start = end + 1
    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header, dtype=object)
    frame["_line"] = pd.Series(line_numbers, dtype="int64")
    return ParsedFile(path, encoding, header, frame, malformed, blank, lines)


def _swallowed_rows(lines: list[str], start: int, end: int, width: int) -> bool:
    """A record spanning lines whose later lines are complete rows on their own: a stray quote ate them.

    A genuine multi-line quoted cell (a note with a line break) does not split into full-width rows.
    """
    for number in range(start + 1, end + 1):
        raw = lines[number - 1] if number - 1 < len(lines) else ""
        if raw.count('"') % 2 == 0 and len(next(csv.reader([raw], **CSV_DIALECT), [])) == width:
            return True
    return False


def _recover(lines, start, end, width, rows, line_numbers, malformed) -> None:
    """Re-read the physical lines of a bad record one by one; keep those that parse alone."""
    if end == start:
        raw = lines[start - 1]
        found = len(next(csv.reader([raw], **CSV_DIALECT), []))
        reason = (f"expected {width} fields, found {found}"
                  + (" (unbalanced quote?)" if raw.count('"') % 2 else ""))
        malformed.append((start, raw, reason))
        return
    for number in range(start, end + 1):
        raw = lines[number - 1] if number - 1 < len(lines) else ""
        if not raw.strip():
            continue
        balanced = raw.count('"') % 2 == 0
        cells = next(csv.reader([raw], **CSV_DIALECT), [])
        if balanced and len(cells) == width:
            rows.append(cells)
            line_numbers.append(number)
        else:
            reason = "unbalanced quote: the field never closes" if not balanced else (
                f"expected {width} fields, found {len(cells)}")
            malformed.append((number, raw, reason))


def read_table_file(path: Path) -> ParsedFile:
    """Read a .csv, .xlsx or .parquet file into text cells with line numbers."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv_records(path)
    name = path.name
    try:
        if suffix == ".xlsx":
            frame = pd.read_excel(path, dtype=object, engine="openpyxl", keep_default_na=False)
            first_line = 2  # row 1 is the header in the sheet
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
            first_line = 1  # parquet has no header line: rows are numbered from 1
        else:
            raise FileError(name, f"has an unsupported format; use one of {', '.join(SUPPORTED_SUFFIXES)}")
    except FileError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure is a file-level error for the user
        raise FileError(name, f"cannot be read ({type(exc).__name__}: {exc})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    header = list(frame.columns)
    text = frame.astype(object).apply(lambda col: col.map(_cell_text))
    text["_line"] = pd.Series(range(first_line, first_line + len(frame)), dtype="int64")
    return ParsedFile(path, "binary" if suffix == ".parquet" else "xlsx", header, text.reset_index(drop=True))


def _cell_text(value) -> str:
    """Render a spreadsheet/parquet cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return repr(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def raw_line(parsed: ParsedFile, index: int) -> str:
    """The record as a CSV line, for the rejected-rows report."""
    values = parsed.frame.iloc[index][parsed.header].tolist()
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(["" if v is None else v for v in values])
    return buffer.getvalue()
