"""Read an export as it really is: find its encoding and delimiter from the bytes, refuse what is ambiguous.

Encodings (in this order of evidence):
1. a byte-order mark decides: UTF-8 (`EF BB BF`), UTF-16 LE/BE (`FF FE` / `FE FF`, Excel's "Unicode text"),
   GB18030 (`84 31 95 33`);
2. without a BOM, NUL bytes in every other position are UTF-16 (LE or BE by where the NULs sit);
3. pure ASCII is UTF-8;
4. bytes that are valid UTF-8 are UTF-8, unless they are *also* plausible GB18030 Chinese text (every double-byte
   character in the GB2312 rows, none in the private-use area): then the two readings are compared. A UTF-8
   reading whose non-ASCII characters are all Latin letters sitting inside words (`café`, `Müller`) is UTF-8
   (read as GB18030 it would put a Chinese character inside a Latin word); anything else is **ambiguous** and
   refused with the line and both readings;
5. bytes that are not UTF-8 but are plausible GB18030 Chinese text are GB18030 (GBK exports from Chinese Excel);
6. anything else is refused: we do not guess a Windows code page. `encoding=` (CLI `--encoding`, mapping file
   `encoding:`) forces a codec, e.g. `cp1252` for a Western "ANSI" export.

Delimiters: comma, tab or semicolon. The header row is split with each; the one candidate that splits it into
more than one field (and splits the next records into as many fields) wins. Two candidates that both work are
refused as ambiguous. Tab-delimited Amazon reports are not quoted: the caller passes `quoting=False` so a `"` in a
product name is text, not the start of a quoted field.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import re
import unicodedata
from array import array
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.readers import (MAX_TITLE_ROWS, TITLE_FIT, FileError, ParsedFile, is_title_row, read_table_file,
                               title_notice)

DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon"}
TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".tab")
SPREADSHEET_SUFFIXES = (".xlsx",)
ARCHIVE_SUFFIXES = (".zip", ".gz")  # a report delivered compressed (Walmart's recon .zip, an SP-API report .gz)
MAX_UNZIPPED_BYTES = 2 * 1024 ** 3  # a member larger than this is refused (unzip it and import the file itself)
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
    (b"\x84\x31\x95\x33", "gb18030", "GB18030 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 LE (Excel Unicode text)"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 BE"),
)
FORCED = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-16-le": "UTF-16 LE",
          "utf-16-be": "UTF-16 BE", "gb18030": "GB18030", "gbk": "GB18030", "cp1252": "Windows-1252",
          "latin-1": "ISO-8859-1", "shift_jis": "Shift_JIS"}
# Western punctuation and symbols a UTF-8 export commonly holds (curly quotes, dashes, €, ™, °, ×, NBSP…).
_WESTERN_SYMBOLS = set("\u00a0\u00a9\u00ae\u00b0\u00b7\u00d7\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026"
                       "\u20ac\u00a3\u00a5\u2122\u00ba\u00aa\u00b2\u00b3\u00bd\u00bc\u00be")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str   # the Python codec used
    label: str      # what to tell the user ("UTF-16 LE (Excel Unicode text)")


@dataclass
class Sniffed:
    """A text export decoded and split: header, text cells with their 1-based line numbers, the raw lines."""

    decoded: Decoded
    delimiter: str
    parsed: ParsedFile
    notices: list[str] = field(default_factory=list)
    quoting: bool = True        # read with quotes honoured (False: Amazon's unquoted tab reports)
    complete: bool = True       # the whole file (False: only its head, read to recognise it, see read_head)

    @property
    def description(self) -> str:
        """How the file was read: its encoding and delimiter, or a workbook's sheet (it has no delimiter)."""
        if not self.delimiter:
            return self.decoded.label
        return f"{self.decoded.label}, {DELIMITERS.get(self.delimiter, repr(self.delimiter))}-delimited"


# ------------------------------------------------------------------------------------------------ encodings
def _is_ascii(raw: bytes) -> bool:
    return raw.isascii()  # in C: a million-line export in milliseconds, not seconds byte by byte


def _utf16_without_bom(raw: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when NUL bytes sit in every other position (ASCII text in UTF-16), else None."""
    sample = raw[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    even = sum(1 for b in sample[0::2] if b == 0)
    odd = sum(1 for b in sample[1::2] if b == 0)
    half = len(sample) // 2
    if odd >= 0.6 * half and even <= 0.05 * half:
        return "utf-16-le"
    if even >= 0.6 * half and odd <= 0.05 * half:
        return "utf-16-be"
    return None


def _gb_chars(raw: bytes):
    """Yield the multi-byte GB18030 byte sequences of `raw` (assumes it decodes as GB18030)."""
    i, n = 0, len(raw)
    while i < n:
        b = raw[i]
        if b < 0x80:
            i += 1
        elif i + 1 < n and 0x30 <= raw[i + 1] <= 0x39:  # four-byte sequence
            yield raw[i:i + 4]
            i += 4
        else:
            yield raw[i:i + 2]
            i += 2


def gb_plausible(raw: bytes) -> bool:
    """Whether GB18030 bytes look like Chinese text: every double-byte character in the GB2312 rows
    (lead A1–F7, trail A1–FE: hanzi and CJK punctuation), no four-byte sequence, at least one character."""
    seen = 0
    for seq in _gb_chars(raw):
        if len(seq) != 2 or not (0xA1 <= seq[0] <= 0xF7 and 0xA1 <= seq[1] <= 0xFE) or 0xAA <= seq[0] <= 0xAF:
            return False
        seen += 1
    return seen > 0


def _latin_in_words(text: str) -> bool:
    """Every non-ASCII character is a Latin letter next to an ASCII letter, or Western punctuation."""
    for i, ch in enumerate(text):
        if ord(ch) < 0x80 or ch in _WESTERN_SYMBOLS:
            continue
        if not unicodedata.name(ch, "").startswith("LATIN"):
            return False
        left = text[i - 1] if i else " "
        right = text[i + 1] if i + 1 < len(text) else " "
        if not (left.isalpha() or right.isalpha()):
            return False
    return True


def _first_line_with(text: str, other: str) -> tuple[int, str, str]:
    """The first line where two readings of the same bytes differ: (line number, reading 1, reading 2)."""
    for number, (a, b) in enumerate(zip(text.splitlines(), other.splitlines()), start=1):
        if a != b:
            return number, a, b
    return 1, text.splitlines()[0] if text else "", other.splitlines()[0] if other else ""


def decode(raw: bytes, name: str, encoding: str | None = None) -> Decoded:
    """Decode an export's bytes by the rules in the module docstring; raise FileError when unsure."""
    if encoding:
        codec = encoding.lower().replace("_", "-") if encoding.lower() != "shift_jis" else "shift_jis"
        try:
            codecs.lookup(codec)
        except LookupError:
            raise FileError(name, f"unknown encoding {encoding!r}; use one of {', '.join(FORCED)}") from None
        if codec in ("utf-8", "utf-8-sig"):
            codec = "utf-8-sig"
        try:
            return Decoded(raw.decode(codec), codec, f"{FORCED.get(codec, encoding)} (as told)")
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].count(b"\n") + 1
            raise FileError(name, f"is not {encoding} text: byte {raw[exc.start]:#04x} on line {line} "
                                  "cannot be decoded") from None
    for bom, codec, label in BOMS:
        if raw.startswith(bom):
            body = raw[len(bom):]
            try:
                text = body.decode(codec if codec != "utf-16" else ("utf-16-le" if bom == codecs.BOM_UTF16_LE
                                                                    else "utf-16-be"))
            except UnicodeDecodeError as exc:
                line = body[:exc.start].count(b"\n" if codec != "utf-16" else "\n".encode(
                    "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be")) + 1
                raise FileError(name, f"starts with a {label.split(' (')[0]} byte-order mark but line {line} is "
                                      "not text in that encoding") from None
            return Decoded(text, codec, label)
    utf16 = _utf16_without_bom(raw)
    if utf16:
        try:
            return Decoded(raw.decode(utf16), utf16, f"UTF-16 {utf16[-2:].upper()} without BOM")
        except UnicodeDecodeError:
            pass
    if b"\x00" in raw[:4096]:
        raise FileError(name, "holds NUL bytes but is not UTF-16 text: is it a spreadsheet or another binary "
                              "file with a text extension? Save it as .xlsx or CSV")
    if _is_ascii(raw):
        return Decoded(raw.decode("ascii"), "utf-8", "UTF-8 (plain ASCII)")
    try:
        utf8 = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8 = None
        utf8_error = exc
    try:
        gb = raw.decode("gb18030")
    except UnicodeDecodeError:
        gb = None
    gb_ok = gb is not None and gb_plausible(raw)
    if utf8 is not None:
        if not gb_ok or _latin_in_words(utf8):
            return Decoded(utf8, "utf-8", "UTF-8")
        line, a, b = _first_line_with(utf8, gb)
        raise FileError(name, f"is ambiguous: its bytes are valid UTF-8 and valid GB18030, and line {line} reads "
                              f"{a!r} in UTF-8 but {b!r} in GB18030. Re-export it as UTF-8 with BOM, or say which "
                              "it is (--encoding utf-8 or --encoding gb18030)")
    if gb_ok:
        return Decoded(gb, "gb18030", "GB18030/GBK (Chinese)")
    line = raw[:utf8_error.start].count(b"\n") + 1
    raise FileError(name, f"is not UTF-8, UTF-16 or GB18030 text (line {line} holds byte "
                          f"{raw[utf8_error.start]:#04x}); re-export it as UTF-8, or if it is a Windows 'ANSI' "
                          "export say so with --encoding cp1252")


# ------------------------------------------------------------------------------------------------ delimiters
def _records(text: str, delimiter: str, quoting: bool, limit: int | None = None):
    """csv records of `text` with the line each starts on (1-based) and the line it ends on; a record the csv reader
    cannot read is (start, end, None, the reader's error), and reading goes on after it."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                        quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE, strict=False)
    start, count = 1, 0
    while limit is None or count < limit:
        try:
            for record in reader:
                end = reader.line_num
                yield start, end, record, ""
                start = end + 1
                count += 1
                if limit is not None and count >= limit:
                    return
            return
        except csv.Error as exc:
            yield start, reader.line_num, None, str(exc)
            start = reader.line_num + 1


_BREAK = re.compile(r"\r\n|\r|\n")  # a line break as the csv reader counts lines
HEAD_LINES = 2_000  # physical lines that hold a file's title rows, header and the records that decide both


def head_of(text: str, lines: int = HEAD_LINES) -> str:
    """The text up to and including its `lines`-th line break (the whole text when it has fewer): enough to find
    the delimiter, the title rows and the header without splitting a large export into lines."""
    for n, found in enumerate(_BREAK.finditer(text), start=1):
        if n == lines:
            return text[:found.end()]
    return text


def sniff_delimiter(text: str, name: str, quoting: bool = True, delimiter: str | None = None) -> str:
    """The delimiter of a text export (comma, tab or semicolon), or FileError when none or several fit.

    The header row decides when exactly one candidate splits it into columns; when several do, the one that also
    splits the next 50 records into as many fields wins; a tie is refused."""
    if delimiter:
        return delimiter
    head = head_of(text)
    lines = [line for line in head.splitlines() if line.strip()]
    if len(lines) <= MAX_TITLE_ROWS and len(head) < len(text):  # blank lines galore: the header may lie further down
        lines = [line for line in text.splitlines() if line.strip()]
    # the header: the first line that some delimiter splits into columns (title lines above it are one cell each)
    first = next((line for line in lines[:MAX_TITLE_ROWS + 1]
                  if any(not is_title_row(next(csv.reader([line], delimiter=d), [])) for d in DELIMITERS)),
                 lines[0] if lines else "")
    widths = {d: len(next(csv.reader([first], delimiter=d), [])) for d in DELIMITERS}
    fits = {d: w for d, w in widths.items() if w >= 2}
    if len(fits) > 1:
        consistent = {}
        for candidate, width in fits.items():
            rows = [rec for _, _, rec, _ in _records(text, candidate, quoting, limit=51)
                    if rec and any(cell.strip() for cell in rec)][1:]
            if rows and sum(1 for r in rows if len(r) == width) >= 0.8 * len(rows):
                consistent[candidate] = width
        fits = consistent or fits
    if len(fits) == 1:
        return next(iter(fits))
    if not fits:
        raise FileError(name, f"has no comma, tab or semicolon that splits its header row into columns "
                              f"(header: {first[:120]!r})")
    names = " and ".join(f"{DELIMITERS[d]} ({w} columns)" for d, w in fits.items())
    raise FileError(name, f"could be split by {names}: say which delimiter it uses (header: {first[:120]!r})")


# --------------------------------------------------------------------------------------------------- reading
class Lines(Sequence):
    """The physical lines of a text (a line ends at `\\r\\n`, `\\r` or `\\n`, as the csv reader counts them), each
    cut from the text when asked: a rejected row is reported as it was written without a second copy of the file
    in memory, and a file without problems never pays for finding where its lines start. Indexed from 0, like the
    list of `text.splitlines()` plus the empty text after a final break."""

    def __init__(self, text: str):
        self.text = text

    @cached_property
    def _spans(self) -> tuple[array, array]:
        """Where each line starts and ends (before its break), found once, when a line is first asked for."""
        starts, ends = array("q", [0]), array("q")
        for m in _BREAK.finditer(self.text):
            ends.append(m.start())
            starts.append(m.end())
        ends.append(len(self.text))
        return starts, ends

    def __len__(self) -> int:
        return len(self._spans[0])

    def __bool__(self) -> bool:
        """Always true, as the list of a text's lines is (an empty text is one empty line): `lines or []` must not
        find where every line starts."""
        return True

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        starts, ends = self._spans
        return self.text[starts[index]:ends[index]]


@contextmanager
def bulk():
    """Python's cyclic garbage collector paused while millions of rows are made: it would scan every list created
    again and again (10 of 25 s of a million-line read) for cycles that cells and rows never form. Reference counting
    still frees everything; the collector resumes as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _blank(record: list[str]) -> bool:
    return not "".join(record).strip()


CHUNK_ROWS = 100_000
ARROW_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # Arrow strings: one buffer a column, not an object a cell


def _cells(rows: list[list[str]], width: int) -> pd.DataFrame:
    """Rows of text cells (each of `width`) as a frame of Arrow string columns, labelled by position: a file's cells
    take about their size in memory (a million-line export held as Python strings took 3 GB), read in chunks so that
    only one chunk is ever held as Python strings."""
    if not rows:
        return pd.DataFrame({i: pd.array([], dtype=ARROW_TEXT) for i in range(width)})
    cells = np.array(rows, dtype=object)
    return pd.DataFrame({i: pd.array(cells[:, i], dtype=ARROW_TEXT) for i in range(width)})


def read_text(text: str, path: Path, decoded: Decoded, delimiter: str, quoting: bool = True) -> ParsedFile:
    """Split decoded text into a ParsedFile: header, text cells with line numbers, malformed records apart.

    Records are read as a stream: the first ones (title rows, the header and the 20 records under it, which decide
    whether one-cell rows above are titles) are held, every later one goes straight to its row, blank count or
    malformed line."""
    name = path.name
    lines = Lines(text)
    with bulk():
        records = _records(text, delimiter, quoting)
        head: list[tuple[int, int, list[str] | None, str]] = []
        filled: list[int] = []  # indices in `head` of records with a value
        for item in records:
            head.append(item)
            if item[2] and not _blank(item[2]):
                filled.append(len(head) - 1)
                if len(filled) > MAX_TITLE_ROWS + 21:
                    break
        if not filled:
            raise FileError(name, "is empty (no header row)")
        # title rows (one cell each) above the header are not data; more of them than MAX_TITLE_ROWS, or nothing but
        # them, is not a title: the first row is then the header, as written
        lead = next((n for n, k in enumerate(filled[:MAX_TITLE_ROWS + 1]) if not is_title_row(head[k][2])), None)
        if lead:  # a header below title rows must fit the rows under it, else the one-cell rows were the table's own
            width = len(head[filled[lead]][2])
            below = [head[k][2] for k in filled[lead + 1:lead + 21]]
            fits = sum(1 for r in below if len(r) == width or (len(r) == width + 1 and r[-1] == ""))
            lead = lead if below and fits >= TITLE_FIT * len(below) else 0
        lead = lead or 0
        titles = [(head[k][0], " ".join(c.strip() for c in head[k][2] if c.strip())) for k in filled[:lead]]
        header = [h.strip() for h in head[filled[lead]][2]]
        width = len(header)
        rows, numbers, malformed, blank, chunks = [], [], [], 0, []
        for start, end, record, error in chain(head[filled[lead] + 1:], records):
            if len(rows) == CHUNK_ROWS:
                chunks.append(_cells(rows, width))
                rows = []
            if record is None:
                malformed.append((start, lines[start - 1] if start - 1 < len(lines) else "", f"unreadable: {error}"))
            elif len(record) == width and not _blank(record):
                rows.append(record)
                numbers.append(start)
            elif _blank(record):
                blank += 1
            elif len(record) == width + 1 and record[-1] == "":
                # A trailing empty field some exporters add (`a,b,c,`) is not a problem; anything else is.
                rows.append(record[:-1])
                numbers.append(start)
            else:
                raw = "\n".join(lines[start - 1:end])
                hint = " (unbalanced quote?)" if quoting and raw.count('"') % 2 else ""
                malformed.append((start, raw, f"expected {width} fields, found {len(record)}{hint}"))
        chunks.append(_cells(rows, width))
        del rows
        frame = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
        frame.columns = header
    frame["_line"] = pd.Series(numbers, dtype="int64")
    return ParsedFile(path, decoded.encoding, header, frame, malformed, blank, lines, titles=titles)


def read_export(path: Path, encoding: str | None = None, delimiter: str | None = None,
                quoting: bool = True, whole: bool = True) -> Sniffed:
    """Read a .csv/.tsv/.txt export (encoding and delimiter sniffed) or an .xlsx sheet into a Sniffed file; with
    `whole=False` only the head of a text export (`read_head`)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        parsed = read_table_file(path)
        return Sniffed(Decoded("", "xlsx", "Excel workbook (first sheet)"), "", parsed,
                       [title_notice(path.name, parsed.titles)] if parsed.titles else [], quoting)
    notices: list[str] = []
    if suffix in ARCHIVE_SUFFIXES:
        member, raw = _unzip(path) if suffix == ".zip" else _gunzip(path)
        notices.append(f"{path.name}: read {member}, the export in the archive")
    elif suffix not in TEXT_SUFFIXES:
        raise FileError(path.name, f"has an unsupported type; use one of "
                                   f"{', '.join(TEXT_SUFFIXES + SPREADSHEET_SUFFIXES + ARCHIVE_SUFFIXES)}")
    else:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise FileError(path.name, f"cannot be read ({exc.strerror})") from exc
    decoded = decode(raw, path.name, encoding)
    text = decoded.text if whole else head_of(decoded.text)
    sep = sniff_delimiter(text, path.name, quoting, delimiter)
    parsed = read_text(text, path, decoded, sep, quoting)
    notices += [title_notice(path.name, parsed.titles)] if parsed.titles else []
    if decoded.encoding == "gb18030":
        notices.append(f"{path.name}: read as GB18030/GBK (Chinese); if names look garbled, re-export as UTF-8")
    return Sniffed(decoded, sep, parsed, notices, quoting, complete=len(text) == len(decoded.text))


def _unzip(path: Path) -> tuple[str, bytes]:
    """The one text export in a .zip archive (its name and bytes), read in memory, never extracted to disk; a FileError
    for an archive that is unreadable, encrypted, holds no such file or several, or one larger than
    MAX_UNZIPPED_BYTES."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX/")
                       and not Path(m.filename).name.startswith(".")]
            exports = [m for m in members if Path(m.filename).suffix.lower() in TEXT_SUFFIXES]
            if len(exports) != 1:
                listed = ", ".join(m.filename for m in members[:5]) or "nothing"
                raise FileError(path.name, f"is an archive holding {len(exports)} text exports (.csv, .tsv, .txt) "
                                           f"where one is read ({listed}): unzip it and import each file")
            member = exports[0]
            if member.flag_bits & 0x1:
                raise FileError(path.name, f"is an encrypted archive: unzip {member.filename} and import it")
            if member.file_size > MAX_UNZIPPED_BYTES:
                raise FileError(path.name, f"holds {member.filename} of {member.file_size:,} bytes unzipped, more "
                                           f"than {MAX_UNZIPPED_BYTES:,}: unzip it and import the file itself")
            with archive.open(member) as handle:
                raw = handle.read(MAX_UNZIPPED_BYTES + 1)
            if len(raw) > MAX_UNZIPPED_BYTES:  # the size written in the archive understated it
                raise FileError(path.name, f"holds {member.filename} larger than {MAX_UNZIPPED_BYTES:,} bytes "
                                           "unzipped: unzip it and import the file itself")
            return Path(member.filename).name, raw
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileError(path.name, f"cannot be read as a .zip archive ({exc})") from exc


def _gunzip(path: Path) -> tuple[str, bytes]:
    """The text export a .gz file compresses (`report.txt.gz` holds `report.txt`), read in memory up to
    MAX_UNZIPPED_BYTES; a FileError for one that is not gzip, holds no text export, or is larger."""
    import gzip
    import zlib

    inner = Path(path.name[:-len(".gz")])
    if inner.suffix.lower() not in TEXT_SUFFIXES:
        raise FileError(path.name, f"is a compressed file whose name does not say it holds a text export "
                                   f"({', '.join(TEXT_SUFFIXES)}): decompress it and import the file")
    try:
        with gzip.open(path, "rb") as handle:
            raw = handle.read(MAX_UNZIPPED_BYTES + 1)
    except (gzip.BadGzipFile, zlib.error, EOFError, OSError) as exc:
        raise FileError(path.name, f"cannot be read as a .gz file ({exc})") from exc
    if len(raw) > MAX_UNZIPPED_BYTES:
        raise FileError(path.name, f"holds more than {MAX_UNZIPPED_BYTES:,} bytes decompressed: decompress it and "
                                   "import the file itself")
    return inner.name, raw


def read_head(path: Path, encoding: str | None = None, quoting: bool = True) -> Sniffed:
    """The top of an export (its first HEAD_LINES lines) read as `read_export` reads the whole: the same encoding,
    delimiter, title rows and header, to recognise its format without splitting every line; `complete` says whether
    that was the whole file. A workbook is read whole."""
    return read_export(path, encoding, quoting=quoting, whole=False)


def header_of(path: Path, encoding: str | None = None) -> list[str]:
    """Only the header row of an export (for recognising its format)."""
    return read_head(path, encoding).parsed.header
