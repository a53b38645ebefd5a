"""Saved column mappings: bring any other spreadsheet in by naming which of its columns feeds which contract column.

A mapping file is TOML a person can read and edit (docs/importers.md#mapping-files):

    version = 1
    name = "Acme PO tracker"
    table = "purchase_orders"          # the contract table the spreadsheet fills

    [file]
    encoding = "auto"                  # or utf-8, utf-16, gb18030, cp1252
    delimiter = "auto"                 # or ",", "\\t", ";"

    [format]
    date = "DD/MM/YYYY"                # or "auto": recognised per column, refused when day/month is ambiguous
    decimal = "."                      # or "," or "auto"
    thousands = ","                    # or ".", " " or "" (none)
    currency = "CNY"                   # purchase orders / payments: the currency when no column gives it

    [columns]                          # contract column = the spreadsheet's header
    po_id = "PO #"
    ordered_on = "Order date"

    [values.supplier_type]             # spreadsheet value = contract value
    "Factory" = "manufacturer"

    [constants]                        # one value for every row
    incoterm = "FOB"

`convert_with` reads the spreadsheet as it is (sniff), renames, converts dates and numbers with the declared (or
proven) formats, applies value maps and constants, and writes contract rows; a cell that cannot be converted
rejects its line with the reason. `suggest` proposes matches for the Data page: exact (the contract name), synonym
(data/reference/column_synonyms.csv, editable) and fuzzy (similar spelling), each column used once.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines import contract as c
from pipelines.adapters.base import REFERENCE_DIR, Collector, Converted, Format, Options, Source, fmt_number
from pipelines.adapters.dates import DECLARED, declared_format, parse_dates
from pipelines.adapters.numbers import parse_numbers
from pipelines.adapters.sniff import read_export

SYNONYMS_PATH = REFERENCE_DIR / "column_synonyms.csv"
AUTO = "auto"
FUZZY_CUTOFF = 0.75
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class MappingError(Exception):
    """A mapping file that cannot be used (bad TOML, unknown table or column, a required column not mapped)."""


@dataclass
class Mapping:
    table: str
    columns: dict[str, str]                                   # contract column -> source header
    name: str = ""
    encoding: str = AUTO
    delimiter: str = AUTO
    date: str = AUTO
    decimal: str = AUTO
    thousands: str = AUTO
    currency: str = ""
    values: dict[str, dict[str, str]] = field(default_factory=dict)   # contract column -> {source: contract}
    constants: dict[str, str] = field(default_factory=dict)

    def check(self) -> None:
        """Raise MappingError when the mapping cannot fill its table."""
        if self.table not in c.TABLES_BY_NAME:
            raise MappingError(f"unknown table {self.table!r}; one of {', '.join(c.TABLES_BY_NAME)}")
        spec = c.TABLES_BY_NAME[self.table]
        for column in [*self.columns, *self.values, *self.constants]:
            if column not in spec.column_names:
                raise MappingError(f"{self.table} has no column {column!r}")
        missing = [col for col in spec.required_columns if col not in self.columns and col not in self.constants]
        if missing:
            raise MappingError(f"required column {missing[0]!r} of {self.table} is not mapped to a column of the "
                               "file (nor given as a constant)")
        if self.date.upper() != AUTO.upper() and self.date.upper() not in DECLARED:
            raise MappingError(f"unknown date format {self.date!r}; use auto or one of {', '.join(DECLARED)}")
        if self.decimal not in (AUTO, ".", ","):
            raise MappingError(f"decimal must be \".\", \",\" or auto, not {self.decimal!r}")
        if self.thousands not in (AUTO, ",", ".", " ", ""):
            raise MappingError(f"thousands must be \",\", \".\", \" \", \"\" or auto, not {self.thousands!r}")
        if self.currency and not re.fullmatch(r"[A-Z]{3}", self.currency):
            raise MappingError(f"currency must be an ISO 4217 code such as CNY, not {self.currency!r}")


def loads(text: str) -> Mapping:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"not a readable mapping file: {exc}") from None
    if data.get("version", 1) != 1:
        raise MappingError(f"mapping version {data.get('version')!r} is not supported (1 is)")
    file, fmt = data.get("file", {}), data.get("format", {})
    mapping = Mapping(
        table=str(data.get("table", "")), name=str(data.get("name", "")),
        columns={str(k): str(v) for k, v in data.get("columns", {}).items()},
        encoding=str(file.get("encoding", AUTO)), delimiter=str(file.get("delimiter", AUTO)),
        date=str(fmt.get("date", AUTO)), decimal=str(fmt.get("decimal", AUTO)),
        thousands=str(fmt.get("thousands", AUTO)), currency=str(fmt.get("currency", "")).upper(),
        values={str(k): {str(a): str(b) for a, b in v.items()} for k, v in data.get("values", {}).items()},
        constants={str(k): str(v) for k, v in data.get("constants", {}).items()})
    mapping.check()
    return mapping


def load(path: Path) -> Mapping:
    try:
        return loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"{path}: cannot be read ({exc.strerror})") from None
    except MappingError as exc:
        raise MappingError(f"{Path(path).name}: {exc}") from None


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n") + '"'


def dumps(mapping: Mapping) -> str:
    """The mapping as a TOML file a person can edit (comments say what each part does)."""
    mapping.check()
    out = ["# supplier-risk column mapping (docs/importers.md#mapping-files)", "version = 1",
           f"name = {_toml(mapping.name)}", f"table = {_toml(mapping.table)}", "",
           "[file]", f"encoding = {_toml(mapping.encoding)}", f"delimiter = {_toml(mapping.delimiter)}", "",
           "[format]", f"date = {_toml(mapping.date)}", f"decimal = {_toml(mapping.decimal)}",
           f"thousands = {_toml(mapping.thousands)}", f"currency = {_toml(mapping.currency)}", "",
           "[columns]  # contract column = header in the file"]
    out += [f"{k} = {_toml(v)}" for k, v in mapping.columns.items()]
    for column, pairs in mapping.values.items():
        if pairs:
            out += ["", f"[values.{column}]  # value in the file = contract value"]
            out += [f"{_toml(a)} = {_toml(b)}" for a, b in pairs.items()]
    if mapping.constants:
        out += ["", "[constants]  # one value for every row"]
        out += [f"{k} = {_toml(v)}" for k, v in mapping.constants.items()]
    return "\n".join(out) + "\n"


# -------------------------------------------------------------------------------------------------- suggestions
@dataclass(frozen=True)
class Suggestion:
    column: str       # contract column
    source: str       # header in the file
    how: str          # "exact", "synonym" or "fuzzy"
    score: float


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]+", "_", text.strip().lower()).strip("_")


def synonyms(path: Path = SYNONYMS_PATH) -> dict[tuple[str, str], list[str]]:
    """{(table, column): [synonym, …]} from the editable reference list ('*' as table: every table)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    out: dict[tuple[str, str], list[str]] = {}
    for row in frame.itertuples():
        out.setdefault((row.table, row.column), []).append(row.synonym)
    return out


def suggest(header: list[str], table: str) -> list[Suggestion]:
    """One suggested source column per contract column (best first: exact, then synonym, then fuzzy)."""
    spec = c.TABLES_BY_NAME[table]
    known = synonyms()
    candidates: list[Suggestion] = []
    for column in spec.column_names:
        names = [column] + known.get((table, column), []) + known.get(("*", column), [])
        for source in header:
            n = _norm(source)
            if n == _norm(column):
                candidates.append(Suggestion(column, source, "exact", 1.0))
            elif n in {_norm(s) for s in names[1:]}:
                candidates.append(Suggestion(column, source, "synonym", 0.95))
            else:
                score = max(difflib.SequenceMatcher(None, n, _norm(s)).ratio() for s in names)
                if score >= FUZZY_CUTOFF:
                    candidates.append(Suggestion(column, source, "fuzzy", round(score, 2)))
    chosen, used_columns, used_sources = [], set(), set()
    for s in sorted(candidates, key=lambda s: (-s.score, spec.column_names.index(s.column))):
        if s.column not in used_columns and s.source not in used_sources:
            chosen.append(s)
            used_columns.add(s.column)
            used_sources.add(s.source)
    return sorted(chosen, key=lambda s: spec.column_names.index(s.column))


# ---------------------------------------------------------------------------------------------------- convert
def _format_for(mapping: Mapping) -> Format:
    return Format(name=f"mapping:{mapping.name or mapping.table}", title=f"spreadsheet mapped to {mapping.table}"
                  + (f" by {mapping.name!r}" if mapping.name else ""), tables=(mapping.table,),
                  columns=tuple(mapping.columns.values()), required=tuple(mapping.columns.values()),
                  convert=lambda source, options: convert(source, mapping), doc="docs/importers.md#mapping-files")


def read(path: Path, mapping: Mapping, options: Options | None = None) -> Source:
    """Read the spreadsheet as the mapping says (encoding, delimiter); every mapped header must be there."""
    options = options or Options()
    encoding = options.encoding or (None if mapping.encoding == AUTO else mapping.encoding)
    delimiter = None if mapping.delimiter == AUTO else mapping.delimiter.replace("\\t", "\t")
    got = read_export(Path(path), encoding, delimiter)
    header = got.parsed.header
    absent = [h for h in mapping.columns.values() if h not in header]
    if absent:
        raise MappingError(f"{Path(path).name}: the mapping reads column {absent[0]!r}, which is not in the file's "
                           f"header ({', '.join(header[:12])}{'…' if len(header) > 12 else ''})")
    frame = got.parsed.frame
    return Source(Path(path), got.description, frame, got.parsed.lines or [], got.parsed.malformed, list(got.notices))


def convert(source: Source, mapping: Mapping, fmt: Format | None = None) -> Converted:
    """Contract rows for `mapping.table` from a source read by `read` (or for `fmt`, a format whose columns are
    read as the mapping says: pipelines/adapters/contract_tables.py)."""
    spec = c.TABLES_BY_NAME[mapping.table]
    out = Collector(fmt or _format_for(mapping), source)
    lines = source.frame["_line"]
    date_format = None if mapping.date.upper() == AUTO.upper() else mapping.date
    cells: dict[str, pd.Series] = {}
    for column in spec.columns:
        if column.name in mapping.columns:
            header = mapping.columns[column.name]
            text = source.frame[header].astype("string").str.strip()
            text = text.mask(text == "")
        elif column.name in mapping.constants:
            text = pd.Series(mapping.constants[column.name], index=source.frame.index, dtype="string")
            header = f"(constant {column.name})"
        else:
            continue
        pairs = {k.strip().lower(): v for k, v in mapping.values.get(column.name, {}).items()}
        if pairs:
            text = text.map(lambda v, pairs=pairs: pairs.get(v.lower(), v) if isinstance(v, str) else v).astype("string")
        if column.type == c.DATE:
            got = parse_dates(text, lines, declared=date_format)
            out.reject_where(got.errors.notna(), header, got.errors)
            text = got.values.dt.strftime("%Y-%m-%d").astype("string")
        elif column.type == c.MONTH:
            monthly = text.str.match(_MONTH).fillna(False).astype(bool)
            got = parse_dates(text.where(~monthly), lines, declared=date_format)
            out.reject_where(got.errors.notna(), header, got.errors)
            text = text.where(monthly, got.values.dt.strftime("%Y-%m").astype("string"))
        elif column.type in (c.INT, c.DECIMAL):
            got = parse_numbers(text, lines, decimal=None if mapping.decimal == AUTO else mapping.decimal,
                                thousands=None if mapping.thousands == AUTO else mapping.thousands)
            out.reject_where(got.errors.notna(), header, got.errors)
            text = got.values.map(lambda v: "" if pd.isna(v) else fmt_number(v, 6)).astype("string")
        cells[column.name] = text
    conversion = spec.conversion
    if conversion is not None and conversion.via is None and conversion.currency not in cells:
        cells[conversion.currency] = pd.Series(mapping.currency or c.REPORTING_CURRENCY, index=source.frame.index,
                                               dtype="string")
    elif mapping.currency:
        out.notices.append(f"the mapping's currency {mapping.currency} is used only for purchase orders without a "
                           "currency column (payments are in their order's currency, other money is "
                           f"{c.REPORTING_CURRENCY}): not applied to {mapping.table}")
    frame = pd.DataFrame(cells).fillna("")
    good = ~out.bad()
    rows = [{k: str(v) for k, v in r.items()} for r in frame[good.to_numpy()].to_dict("records")]
    return out.result({mapping.table: rows})


def convert_with(mapping_path: Path, path: Path, options: Options | None = None) -> Converted:
    """Read a mapping file and convert `path` with it."""
    mapping = load(mapping_path)
    if options is not None and options.date_format:  # declared on the command line: wins over the file's `date`
        try:
            declared_format(options.date_format)
        except ValueError as exc:
            raise MappingError(str(exc)) from None
        mapping = dataclasses.replace(mapping, date=options.date_format)
    return convert(read(path, mapping, options), mapping)
