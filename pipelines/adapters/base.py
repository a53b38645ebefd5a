"""What every importer shares: the format description, the source file read as it is, and the conversion result.

An importer is one module with a `FORMAT` (a `Format`: its name, the tables it writes, the headers it expects and a
`convert(source, options)` function) registered in `pipelines.adapters.registry.FORMATS`. It turns a `Source` (the
export read by `sniff`, columns renamed to the format's published header names) into a `Converted`: rows in the
import format for direct tables, line-level `ledger` facts for tables that are sums (sales), and a `Problem` for
every line it did not write — an error (`rejected`) or a documented rule (`left out`, e.g. a cancelled order).
Every line read is written, rejected or left out.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from pipelines.adapters import sniff
from pipelines.readers import FileError
from pipelines.validate import Rejection

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"


class AdapterError(Exception):
    """The file cannot be converted at all (not this format, a missing column, a broken code map)."""


@dataclass(frozen=True)
class Format:
    name: str                          # `--format` name, e.g. "amazon-fba-returns"
    title: str                         # "Amazon FBA customer returns report"
    tables: tuple[str, ...]            # contract tables it writes
    columns: tuple[str, ...]           # the published header names it reads (shown by `supplier-risk formats`)
    required: tuple[str, ...]          # headers that must be present for the file to be this format
    convert: Callable[["Source", "Options"], "Converted"]
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # other spellings of a header
    quoting: bool = True               # False for unquoted tab files (Amazon reports)
    doc: str = "docs/importers.md"
    fixed_dates: str = ""              # the published form of the format's dates when it has one (no --date-format)
    channel_default: str = ""          # the sales channel written when the file does not name its marketplace
                                       # (Options.channel, `--channel` or the Data page's choice names another)
    reads: tuple[str, ...] = ()        # formats whose lines it reads from the import folder (converted before it)

    def header_map(self, header: list[str]) -> dict[str, str]:
        """{published name: header as written in the file} for the columns found (case-insensitive)."""
        found = {h.strip().lower(): h for h in header}
        out = {}
        for name in self.columns:
            for spelling in (name, *self.synonyms.get(name, ())):
                if spelling.lower() in found:
                    out[name] = found[spelling.lower()]
                    break
        return out

    def matches(self, header: list[str]) -> bool:
        mapped = self.header_map(header)
        return all(name in mapped for name in self.required)


@dataclass
class Options:
    encoding: str | None = None
    channel: str | None = None         # the sales channel to write instead of the format's own
    date_format: str | None = None     # a declared date format (dates.DECLARED, e.g. DD/MM/YYYY) for the file's dates
    context_dir: Path | None = None    # the import folder, for formats matched against its tables (payments to POs)
    pending: Sequence["Converted"] = ()  # conversions of the same batch not written to context_dir yet (Data page)


@dataclass
class Source:
    """One export read as it is: `frame` has the format's published column names (absent ones empty) + `_line`."""

    path: Path
    read_as: str
    frame: pd.DataFrame
    lines: Sequence[str]  # physical lines: a list, or sniff.Lines cut from the text on demand
    malformed: list[tuple[int, str, str]]
    notices: list[str]
    titles: list[tuple[int, str]] = field(default_factory=list)  # title lines above the header: (line, text)
    _texts: dict[str, pd.Series] = field(default_factory=dict, repr=False)

    def raw(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def text(self, column: str) -> pd.Series:
        """A column's cells stripped, empty cells as NA (computed once per column: converters read a column again
        inside their loops, and a whole-column conversion a line is quadratic); a copy, so a caller may change it."""
        cached = self._texts.get(column)
        if cached is None:
            values = self.frame[column].astype("string").str.strip()
            cached = self._texts[column] = values.mask(values == "")
        return cached.copy()


def open_source(path: Path, fmt: Format, options: Options, got: sniff.Sniffed | None = None) -> Source:
    """Read `path` for `fmt` (or take `got`, the same file already read with the format's quoting): sniff it, check
    the required headers, rename to the published names."""
    got = got or sniff.read_export(path, options.encoding, quoting=fmt.quoting)
    header = got.parsed.header
    mapped = fmt.header_map(header)
    missing = [name for name in fmt.required if name not in mapped]
    if missing:
        raise FileError(Path(path).name, f"is not a {fmt.title}: required column {missing[0]!r} is not in its "
                                         f"header ({', '.join(header[:12])}{'…' if len(header) > 12 else ''})",
                        column=missing[0])
    frame = got.parsed.frame.rename(columns={v: k for k, v in mapped.items()})
    for name in fmt.columns:
        if name not in frame.columns:
            frame[name] = None
    lines = got.parsed.lines or []
    if not lines:  # a spreadsheet: re-serialise the cells so a rejected row can be shown as it was
        lines = [""] * (int(frame["_line"].max()) if len(frame) else 0)
        for _, row in got.parsed.frame.iterrows():
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="").writerow(["" if pd.isna(row[h]) else row[h] for h in header])
            lines[int(row["_line"]) - 1] = buffer.getvalue()
    frame = frame[[*fmt.columns, "_line"]].reset_index(drop=True)  # labels are positions: converters may use lists
    return Source(Path(path), got.description, frame, lines, got.parsed.malformed,
                  list(got.notices), list(got.parsed.titles))


@dataclass
class Problem:
    """A source line not written: rejected (an error, with the column and why) or left out by a documented rule."""

    line: int
    column: str
    reason: str
    raw: str
    left_out: bool = False


@dataclass
class Converted:
    format: Format
    source: Path
    read_as: str
    rows_read: int
    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)     # import-format rows per table
    ledgers: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # line-level facts per summed table
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what needs the user's attention before paying (new accounts)

    @property
    def rejected_lines(self) -> set[int]:
        return {p.line for p in self.problems if not p.left_out}

    @property
    def left_out_lines(self) -> set[int]:
        return {p.line for p in self.problems if p.left_out} - self.rejected_lines

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected_lines)

    @property
    def rows_left_out(self) -> int:
        return len(self.left_out_lines)

    @property
    def rows_written(self) -> int:
        return self.rows_read - self.rows_rejected - self.rows_left_out

    def rejections(self) -> list[Rejection]:
        """Every problem as the validator's Rejection (table = the format), sorted by line."""
        return [Rejection(self.format.name, self.source.name, p.line, p.column,
                          ("left out: " if p.left_out else "") + p.reason, p.raw)
                for p in sorted(self.problems, key=lambda p: (p.line, p.left_out, p.column))]

    def by_reason(self, left_out: bool) -> Counter:
        """Lines per reason kind (the reason up to its first colon)."""
        return Counter(kind for _, kind in {(p.line, p.reason.split(":")[0]) for p in self.problems
                                            if p.left_out == left_out})


class Collector:
    """Builds a Converted line by line: `reject`/`leave_out` record problems; a line with none is written."""

    def __init__(self, fmt: Format, source: Source):
        self.fmt, self.source = fmt, source
        self.problems: list[Problem] = [Problem(line, "(row)", reason, raw)
                                        for line, raw, reason in source.malformed]
        self.notices: list[str] = list(source.notices)
        self.warnings: list[str] = []

    def reject(self, line: int, column: str, reason: str) -> None:
        self.problems.append(Problem(int(line), column, reason, self.source.raw(int(line))))

    def reject_where(self, mask: pd.Series, column: str, reasons: pd.Series | str) -> None:
        """Reject every line where `mask` holds, with one reason or a reason per row."""
        self._where(mask, column, reasons, left_out=False)

    def leave_out(self, line: int, column: str, reason: str) -> None:
        self.problems.append(Problem(int(line), column, reason, self.source.raw(int(line)), left_out=True))

    def leave_out_where(self, mask: pd.Series, column: str, reason: str) -> None:
        """Leave out every line where `mask` holds, for one reason."""
        self._where(mask, column, reason, left_out=True)

    def _where(self, mask: pd.Series, column: str, reasons: pd.Series | str, left_out: bool) -> None:
        hit = mask.fillna(False).astype(bool)
        if not hit.any():
            return
        lines = self.source.frame["_line"][hit].tolist()
        said = [reasons] * len(lines) if isinstance(reasons, str) else [str(r) for r in reasons[hit].tolist()]
        raw = self.source.raw
        self.problems.extend(Problem(line, column, reason, raw(line), left_out=left_out)
                             for line, reason in zip(lines, said))

    def bad(self) -> pd.Series:
        """Rows of the source frame with any problem so far."""
        lines = {p.line for p in self.problems}
        return self.source.frame["_line"].isin(lines)

    def result(self, rows=None, ledgers=None) -> Converted:
        done = Converted(self.fmt, self.source.path, self.source.read_as,
                         len(self.source.frame) + len(self.source.malformed), rows or {}, ledgers or {},
                         self.problems, self.notices, self.warnings)
        assert done.rows_written >= 0
        return done


def as_lists(**columns) -> dict[str, list]:
    """Each column (a Series over the source frame, whose labels are positions) as a plain list, for a converter's
    line loop: indexing a pandas Series cell by cell costs microseconds a cell, minutes for a large export."""
    return {name: values.tolist() for name, values in columns.items()}


def order_line_keys(orders: list, skus: list) -> list[str | None]:
    """The ledger key of each line of an orders export: order, SKU and the occurrence of the pair in the file, so a
    later export of the same orders keys their lines alike (and removes one cancelled since); None for a line that
    names no order or no SKU."""
    seen: Counter = Counter()
    keys: list[str | None] = []
    for order, sku in zip(orders, skus):
        seen[(order, sku)] += 1
        keys.append(None if pd.isna(order) or pd.isna(sku) else f"{order}:{sku}#{seen[(order, sku)]}")
    return keys


def account_level_notice(source: Source, currency: str, totals: dict[str, float]) -> str:
    """The notice for a payments report's lines without a SKU (subscriptions, storage, transfers), with their totals."""
    listed = "; ".join(f"{k}: {v:,.2f}" for k, v in sorted(totals.items()))
    return f"{source.path.name}: account-level amounts in {currency} not written (no SKU): {listed}"


def load_code_map(name: str, key: str) -> dict[str, dict[str, str]]:
    """A dated, user-editable code map from data/reference/<name>.csv as {code (upper case): row}.

    Every row must name its source and as_of date; a code given twice is an error."""
    path = REFERENCE_DIR / name
    out: dict[str, dict[str, str]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            code = (row.get(key) or "").strip().upper()
            if not code or not (row.get("source") or "").strip() or not (row.get("as_of") or "").strip():
                raise AdapterError(f"data/reference/{name} line {line}: every row needs {key}, as_of and source")
            if code in out:
                raise AdapterError(f"data/reference/{name} line {line}: {code} is given twice")
            out[code] = {k: (v or "").strip() for k, v in row.items()}
    return out


CHANNEL_NAME = re.compile(r"[a-z0-9][a-z0-9_]*")  # how sales.channel spells a channel (amazon_ca, shopify_dtc)


def channel_name(chosen: str) -> str:
    """A chosen sales channel (`--channel`, the Data page) as sales.channel spells it (lower case); AdapterError for
    a name that is not a channel name (`Amazon Canada`)."""
    channel = chosen.strip().lower()
    if not CHANNEL_NAME.fullmatch(channel):
        raise AdapterError(f"{chosen!r} is not a sales channel name: use letters, digits and _ (e.g. amazon_ca)")
    return channel


def written_channel(options: Options, default: str) -> str:
    """The sales channel to write: the one chosen (`--channel`, the Data page) else the format's own."""
    return options.channel or default


def fmt_number(value: float, places: int = 2) -> str:
    """A number as import-format text: fixed places, trailing zeros dropped."""
    text = f"{round(value, places):.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
