"""Validate one import file's text cells against the data contract, inside DuckDB.

The rules are compiled from pipelines/contract.py into one SQL statement per file: every cell is trimmed, parsed
and checked (type, enum, range, required, default), then rules across columns (dates in order, at least one of),
key uniqueness and references to the parent tables already loaded. A row that breaks any rule is rejected with one
record per broken rule (file, line, column, reason, raw line); every other row is kept, typed, in `raw.<table>`.
Identical duplicates of a key collapse to one row and are counted; conflicting duplicates are all rejected, since we
cannot tell which is right. Nothing is guessed: a number whose thousands/decimal separator depends on the locale is
refused with the value in the reason.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from pipelines import contract as c
from pipelines import fx
from pipelines.separators import COMMA, POINT, PROOF, UNCLEAR
from pipelines.readers import FileError, NotLineByLine, TextTable

# Leading and trailing whitespace as Python's str.strip() sees it (ASCII spaces and controls, NEL, every Unicode
# space separator such as the ideographic space U+3000), as an RE2 pattern.
_EDGE_SPACE = r"^[\s\x{0b}\x{1c}-\x{1f}\x{85}\p{Z}]+|[\s\x{0b}\x{1c}-\x{1f}\x{85}\p{Z}]+$"
_NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
_THOUSANDS = r"[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d+)?"  # 0,008 is not eight
_DOT_THOUSANDS = r"[+-]?[1-9]\d{0,2}(\.\d{3})+(,\d+)?"

# A file that is not comma-delimited (semicolon or tab: how a European spreadsheet saves) may write decimal commas.
# Which separator is the decimal one is proven per column by its own values with the patterns the export adapters
# use (pipelines/separators.py), never guessed. Without proof, a value that could be either (`1,234`, `1.234`: one
# separator, three digits after it) is refused as ambiguous; a column with proof of both is refused whole.
_NOT_ALNUM = r"[^\p{L}\p{N}]"  # what an account number's mask drops (spaces, dashes, dots)
_EXACT_DOUBLE = 2 ** 53  # beyond this a double no longer holds every whole number
_BIGINT_MAX = 2 ** 63 - 1


@dataclass
class Rejection:
    table: str
    file: str
    line: int
    column: str
    reason: str
    raw: str


@dataclass
class ValidatedTable:
    table: str
    file: str
    rows_read: int
    rows_loaded: int
    rejections: list[Rejection] = field(default_factory=list)
    duplicates_collapsed: int = 0
    notices: list[str] = field(default_factory=list)
    encoding: str = ""
    con: duckdb.DuckDBPyConnection | None = field(default=None, repr=False)

    @property
    def rows_rejected(self) -> int:
        return len({(r.file, r.line) for r in self.rejections})

    def __getstate__(self) -> dict:  # cached or sent across processes without its database connection
        return {**self.__dict__, "con": None}

    @property
    def frame(self) -> pd.DataFrame:
        """The loaded rows (typed contract columns, source_file, source_line), in file order."""
        return self.con.execute(f"select * from raw.{self.table}").df()  # a table scan keeps insertion order


def check_header(text: TextTable, table: c.Table) -> list[str]:
    """Raise FileError for a missing required column; return notices for extra or absent optional ones."""
    name = text.path.name
    present = set(text.header)
    duplicated = sorted({h for h in text.header if text.header.count(h) > 1})
    if duplicated:
        raise FileError(name, "appears more than once in the header", column=duplicated[0])
    missing = [n for n in table.required_columns if n not in present]
    if missing:
        raise FileError(name, "required column is missing from the header" + _header_hint(text, table),
                        column=missing[0])
    extra = [h for h in text.header if h not in table.column_names and h]
    absent = [n for n in table.column_names if n not in present]
    for column in extra:  # an absent optional column under another name: its values would be lost silently
        meant = c.likely_meant(column, absent)
        if meant:
            raise FileError(name, f"is not a column of {table.name}; it looks like {meant!r}, which the file "
                                  f"lacks. Rename it to {meant!r} (or remove it) so its values are not lost",
                            column=column)
    notices = []
    if extra:
        notices.append(f"{name}: ignored unknown {'column' if len(extra) == 1 else 'columns'} {', '.join(extra)}")
    if absent:
        notices.append(f"{name}: optional {'column' if len(absent) == 1 else 'columns'} {', '.join(absent)} not in the file, left empty")
    return notices


def _header_hint(text: TextTable, table: c.Table) -> str:
    """Why a required column may look missing: another delimiter, or a header that is not a header."""
    if len(text.header) == 1:
        only = text.header[0][:60] + ("…" if len(text.header[0]) > 60 else "")
        for delimiter, word in (("|", "pipe"), (";", "semicolon"), ("\t", "tab")):
            if delimiter in only:
                return f" (the header is one single column {only!r}: is the file {word}-delimited? Use commas)"
        return f" (the header is one single column {only!r}: is this the right file?)"
    if not any(h in table.column_names for h in text.header):
        return f" (none of the header's columns {', '.join(text.header[:4])}… is a column of {table.name})"
    return ""


# ---- the SQL --------------------------------------------------------------------------------------------------------

def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


def _cell(col: c.Column, header: set[str], may_need_trim: bool) -> str:
    """The trimmed cell, NULL when empty or when the file lacks the column. A cell whose first and last characters
    are printable ASCII needs no regular expression; a file the reader proved free of edge whitespace needs none."""
    if col.name not in header:
        return "cast(null as varchar)"
    name = _q(col.name)
    if not may_need_trim:
        return f"nullif({name}, '')"
    return (f"nullif(case when ascii({name}) between 33 and 126 and ascii(right({name}, 1)) between 33 and 126 "
            f"then {name} else regexp_replace({name}, {_lit(_EDGE_SPACE)}, '', 'g') end, '')")


# The checks are compiled into stacked SELECTs, each reading the columns of the one below by name, so no
# expression is repeated inside another (DuckDB plans a statement of nested CASEs over repeated text slowly):
#   1 text   _t_<col>: the trimmed cell            3 number _f_<col>: a finite double (numbers only)
#   2 clean  _c_<col>: '$' and separators gone     4 typed  <col>: the typed value, default applied
#   5 errors _e<i>_<k>, _r<k>: an error template per broken rule, {value} standing for the cell
# Each step has a cheap test for the usual case (no '$', no comma, an enum already in its canonical form) before
# the regular expression that handles the rest.


def _dollar(col: c.Column) -> str:
    t = _q("_t_" + col.name)
    return f"(case when starts_with({t}, '$') then {t}[2:] else {t} end)"


def _stage_clean(col: c.Column, decimal: str | None) -> list[str]:
    """The number's text without '$' and thousands separators, its decimal separator a point. `decimal`: the
    column's decimal separator, POINT or COMMA, or None when its values do not prove one (a file that is not
    comma-delimited): then only 1,234.50 (both separators) says which comma is which."""
    if col.type not in (c.INT, c.DECIMAL):
        return []
    t, dollar, name = _q("_t_" + col.name), _dollar(col), _q("_c_" + col.name)
    if decimal == COMMA:
        points = (f"case when contains({t}, '.') and regexp_full_match({dollar}, {_lit(_DOT_THOUSANDS)}) "
                  f"then replace({dollar}, '.', '') else {dollar} end")
        return [f"case when contains({t}, ',') or contains({t}, '.') then replace({points}, ',', '.') "
                f"else {dollar} end as {name}"]
    thousands = _THOUSANDS if decimal == POINT else r"[+-]?[1-9]\d{0,2}(,\d{3})+\.\d+"
    return [f"case when contains({t}, ',') and regexp_full_match({dollar}, {_lit(thousands)}) "
            f"then replace({dollar}, ',', '') else {dollar} end as {name}"]


def _stage_number(col: c.Column) -> list[str]:
    if col.type not in (c.INT, c.DECIMAL):
        return []
    cleaned = _q("_c_" + col.name)
    number = f"try_cast({cleaned} as double)"
    # DuckDB's cast also takes '1_000', 'inf' and 'nan', which are not amounts; else it reads what _NUMBER reads
    return [f"case when isfinite({number}) and not contains({cleaned}, '_') then {number} end "
            f"as {_q('_f_' + col.name)}"]


def _stage_typed(col: c.Column) -> str:
    t, cleaned, number = _q("_t_" + col.name), _q("_c_" + col.name), _q("_f_" + col.name)
    if col.type == c.TEXT and col.allowed:
        allowed = ", ".join(_lit(a) for a in col.allowed)
        if col.name in c.UPPERCASE_ENUMS:
            norm = f"upper(replace({t}, ' ', ''))"
        else:
            norm = f"regexp_replace(lower({t}), '[\\s\\-]+', '_', 'g')"
        value = f"case when {t} in ({allowed}) then {t} when {norm} in ({allowed}) then {norm} end"
    elif col.type == c.TEXT and col.masked:
        # only the mask is ever typed, so the full number never reaches raw.<table> (c.mask_account in SQL)
        value = (f"case when {t} is not null then {_lit(c.MASK_CHAR * 4)} || "
                 f"right(regexp_replace({t}, {_lit(_NOT_ALNUM)}, '', 'g'), 4) end")
    elif col.type in (c.TEXT, c.MONTH):
        value = t
    elif col.type == c.INT:
        value = (f"case when {number} = trunc({number}) and abs({number}) < {_EXACT_DOUBLE} then cast({number} as bigint) "
                 f"when {number} is not null and regexp_full_match({cleaned}, '[+-]?\\d+') "
                 f"then try_cast({cleaned} as bigint) end")
    elif col.type == c.DECIMAL:
        value = number
    elif col.type == c.BOOL:
        true, false = ", ".join(map(_lit, sorted(c.TRUE_WORDS))), ", ".join(map(_lit, sorted(c.FALSE_WORDS)))
        value = f"case when lower({t}) in ({true}) then true when lower({t}) in ({false}) then false end"
    elif col.type == c.DATE:
        value = (f"case when length({t}) = 10 and regexp_full_match({t}, '\\d{{4}}-\\d{{2}}-\\d{{2}}') "
                 f"then try_cast({t} as date) end")
    else:
        raise ValueError(f"unknown type {col.type}")
    if col.default is not None:
        default = f"cast({_lit(col.default)} as {c.DUCKDB_TYPES[col.type]})"
        value = f"case when {t} is null then {default} else {value} end"
    return f"{value} as {_q(col.name)}"


def _parse_error(col: c.Column, decimal: str | None, untrusted: str | None = None) -> str:
    """The error template of a cell that does not parse as its column's type (NULL when it does)."""
    t, value, cleaned, number = _q("_t_" + col.name), _q(col.name), _q("_c_" + col.name), _q("_f_" + col.name)
    if col.type == c.TEXT:
        if col.masked:  # the reason carries no {value}: the number is never shown
            return (f"case when length(regexp_replace({t}, {_lit(_NOT_ALNUM)}, '', 'g')) <= 4 "
                    f"then {_lit(MASK_TOO_SHORT)} end")
        if col.allowed:
            return (f"case when {t} is not null and {value} is null "
                    f"then {_lit('not one of ' + ', '.join(col.allowed) + ': {value}')} end")
        return f"case when contains({t}, chr(0)) then {_lit('contains a NUL character (binary or corrupted data)')} end"
    if col.type in (c.INT, c.DECIMAL):
        if col.allowed_numbers is not None:
            listed = ", ".join(f"{v:g}" for v in col.allowed_numbers)
            values = ", ".join(repr(round(v, 6)) for v in col.allowed_numbers)
            return (f"case when {t} is not null and ({value} is null or round({value}, 6) not in ({values})) "
                    f"then {_lit('not a number, or not one of ' + listed + ': {value}')} end")
        separator = ""
        if untrusted:  # the reason refusing every value with a separator in this column
            separator = f"when (contains({t}, ',') or contains({t}, '.')) then {_lit(untrusted)} "
        elif decimal is None:
            separator = (f"when contains({t}, ',') and {number} is null and regexp_full_match(replace({cleaned}, "
                         f"',', ''), {_lit(_NUMBER)}) then {_lit(AMBIGUOUS_COMMA)} "
                         f"when contains({t}, '.') and regexp_full_match({cleaned}, {_lit(UNCLEAR)}) "
                         f"then {_lit(AMBIGUOUS_COMMA)} ")
        if col.type == c.INT:
            return (f"case when {t} is null then null {separator}when {value} is not null then null "
                    f"when regexp_full_match({cleaned}, '[+-]?\\d+') or {number} = trunc({number}) "
                    f"then {_lit('out of range for a whole number (at most 9,223,372,036,854,775,807): {value}')} "
                    f"else {_lit('not a whole number: {value}')} end")
        return (f"case when {t} is null then null {separator}"
                f"when {number} is null then {_lit('not a number: {value}')} "
                f"when abs({number}) >= {_EXACT_DOUBLE} "
                f"then {_lit('too large to store exactly (more than 15 digits before the decimal point): {value}')} end")
    if col.type == c.BOOL:
        return (f"case when {t} is not null and {value} is null "
                f"then {_lit('not a boolean (true/false, yes/no, 1/0): {value}')} end")
    if col.type == c.DATE:
        lo, hi = c.MIN_DATE.isoformat(), c.MAX_DATE.isoformat()
        return (f"case when {t} is not null and {value} is null then {_lit('not a date in YYYY-MM-DD form: {value}')} "
                f"when {value} < date '{lo}' or {value} > date '{hi}' "
                f"then {_lit(f'implausible date outside {lo}…{hi}: ' + '{value}')} end")
    if col.type == c.MONTH:
        return (f"case when {t} is not null and not (length({t}) = 7 and regexp_full_match({t}, "
                f"'\\d{{4}}-(0[1-9]|1[0-2])')) then {_lit('not a month in YYYY-MM form: {value}')} end")
    raise ValueError(f"unknown type {col.type}")


IN_THE_FUTURE = ("in the future (after {latest}: today, plus a day for a file written in a time zone ahead): the "
                 "column records something that has happened, so a later date is a typo or a plan (leave it blank "
                 "until it happens): {value}")
MONTH_IN_THE_FUTURE = ("a month in the future (after {latest}): sales are reported for months that have begun, so "
                       "the month is a typo: {value}")
MASK_TOO_SHORT = ("an account number needs more than 4 letters or digits: only its last 4 are kept, so a shorter "
                  "one would be stored in full")
AMBIGUOUS_COMMA = ("ambiguous number: in a file that is not comma-delimited a comma or point with three digits "
                   "after it could be a decimal or a thousands separator, and no other value of the column shows "
                   "which (such as 19,99 or 19.99); write it with a decimal point and no separators: {value}")
COMMA_IN_COMMA_FILE = ("a comma-delimited file writes decimal points, but this column writes decimal commas "
                       "({example}), so a comma or point in it could be a decimal or a thousands separator; write it "
                       "with a decimal point and no separators: {value}")
MIXED_DECIMALS = ("the column mixes decimal points and decimal commas ({examples}), so none of its numbers with a "
                  "separator can be trusted: {value}")


def _range_errors(col: c.Column, parse_error: str, latest: date) -> list[str]:
    out = []
    value = _q(col.name)
    if col.happened and col.type == c.DATE:
        out.append(f"case when {value} > date '{latest.isoformat()}' and ({parse_error}) is null "
                   f"then {_lit(IN_THE_FUTURE.replace('{latest}', latest.isoformat()))} end")
    if col.happened and col.type == c.MONTH:
        month = f"{latest:%Y-%m}"
        out.append(f"case when {_q('_t_' + col.name)} > '{month}' and ({parse_error}) is null "
                   f"then {_lit(MONTH_IN_THE_FUTURE.replace('{latest}', month))} end")
    if col.type in (c.INT, c.DECIMAL) and col.allowed_numbers is None:
        if col.minimum is not None:
            op, word = ("<=", ">") if col.exclusive_minimum else ("<", "≥")
            out.append(f"case when {value} {op} {col.minimum!r} and ({parse_error}) is null "
                       f"then {_lit(f'must be {word} {col.minimum:g}: ' + '{value}')} end")
        if col.maximum is not None:
            out.append(f"case when {value} > {col.maximum!r} and ({parse_error}) is null "
                       f"then {_lit(f'must be ≤ {col.maximum:g}: ' + '{value}')} end")
    return out


@dataclass
class Compiled:
    """The SQL for one file: `typed(relation)` gives the typed rows and a `_bad` flag; `errors(relation)` gives the
    same rows with one column per rule holding its error template. `rules` lists (alias, column, has {value})."""

    stages: list[list[str]]
    checks: list[tuple[str, str]]  # (alias, SQL of the error template)
    rules: list[tuple[str, str, bool]]

    def _base(self, relation: str) -> str:
        text, *rest = self.stages
        # the text stage keeps only the trimmed cells, so a typed column never meets the raw column of its name
        query = f"select _row, _line, _file, {', '.join(text)} from {relation}"
        for stage in rest:
            if stage:
                query = f"select *, {', '.join(stage)} from (\n{query}\n)"
        return query

    def typed(self, relation: str, columns: list[str]) -> str:
        """The typed rows in the relation's order (so a loaded row's rowid is its record's `_row`)."""
        bad = " or ".join(f"({sql}) is not null" for _, sql in self.checks) or "false"
        keep = ", ".join(_q(col) for col in columns)
        return (f"select {keep}, _file as source_file, _line as source_line, {bad} as _bad "
                f"from (\n{self._base(relation)}\n)")

    def errors(self, relation: str) -> str:
        found = ", ".join(f"{sql} as {alias}" for alias, sql in self.checks)
        return f"select *, {found} from (\n{self._base(relation)}\n)"


def compile_checks(table: c.Table, header: list[str], decimals: dict[str, str | None] | None = None,
                   may_need_trim: bool = True, untrusted: dict[str, str] | None = None,
                   latest: date | None = None) -> Compiled:
    """Compile the contract's rules for `table` over a text relation with the file's `header`. `decimals`: each
    number column's decimal separator as its values prove it (prove_decimals; None: not proven); without it, a
    comma-delimited file's: a point, commas separating thousands. `untrusted`: columns none of whose values with a
    separator can be trusted, with the reason (a template with {value}). `latest`: the latest date a column of
    something that has happened accepts (contract.latest_event_date() when None)."""
    present = set(header)
    untrusted = untrusted or {}
    latest = latest or c.latest_event_date()

    def decimal(col: c.Column) -> str | None:
        return POINT if decimals is None else decimals.get(col.name)

    text = [f"{_cell(col, present, may_need_trim)} as {_q('_t_' + col.name)}" for col in table.columns]
    clean = [e for col in table.columns for e in _stage_clean(col, decimal(col))]
    number = [e for col in table.columns for e in _stage_number(col)]
    typed = [_stage_typed(col) for col in table.columns]
    checks, rules = [], []
    for i, col in enumerate(table.columns):
        parse = _parse_error(col, decimal(col), untrusted.get(col.name))
        more = [parse]
        if col.required:
            more.append(f"case when {_q('_t_' + col.name)} is null then 'required value is missing' end")
        more += _range_errors(col, parse, latest)
        for k, check in enumerate(more):
            checks.append((f"_e{i}_{k}", check))
            rules.append((f"_e{i}_{k}", col.name, True))
    for k, rule in enumerate(table.row_rules):
        left, right = _q(rule.columns[0]), _q(rule.columns[1])
        checks.append((f"_r{k}", f"case when {left} > {right} then {_lit(rule.description)} end"))
        rules.append((f"_r{k}", rule.columns[1], False))
    if table.name in c.AT_LEAST_ONE_OF:
        cols = c.AT_LEAST_ONE_OF[table.name]
        none = " and ".join(f"{_q('_t_' + k)} is null" for k in cols)
        checks.append(("_r_one_of", f"case when {none} then "
                                    f"{_lit('at least one of ' + ', '.join(cols) + ' is required')} end"))
        rules.append(("_r_one_of", cols[0], False))
    return Compiled([text, clean, number, typed], checks, rules)


def prove_decimals(con: duckdb.DuckDBPyConnection, text: TextTable, table: c.Table) -> dict[str, dict[str, str]]:
    """Per number column of the file, the first value proving each decimal separator (separators.PROOF), in one pass
    over the file: {"unit_price": {POINT: "line 3 '5.00'", COMMA: "line 5 '5,50'"}}; a column with no proof maps to {}."""
    columns = [col for col in table.columns if col.type in (c.INT, c.DECIMAL) and col.name in text.header]
    if not columns:
        return {}
    present = set(text.header)
    cells = ", ".join(f"{_cell(col, present, text.may_need_trim)} as {_q('_t_' + col.name)}" for col in columns)
    found = []
    for col in columns:
        t = _q("_t_" + col.name)
        for sep in (POINT, COMMA):
            proof = f"regexp_full_match({_dollar(col)}, {_lit(PROOF[sep])})"
            found += [f"min(_line) filter (where {proof})", f"arg_min({t}, _line) filter (where {proof})"]
    # a file DuckDB read directly has its lines numbered after loading (validate): here, by the records' order
    line = "_line" if not text.direct else "row_number() over () + 1"
    row = con.execute(f"select {', '.join(found)} from (select {line} as _line, {cells} "
                      f"from {text.relation})").fetchone()
    return {col.name: {sep: f"line {row[4 * i + 2 * k]} {row[4 * i + 2 * k + 1]!r}"
                       for k, sep in enumerate((POINT, COMMA)) if row[4 * i + 2 * k] is not None}
            for i, col in enumerate(columns)}


def _decimals(proofs: dict[str, dict[str, str]]) -> tuple[dict[str, str | None], dict[str, str]]:
    """A file that is not comma-delimited: each column's decimal separator as proven (None: neither, or both), and the
    reason refusing a column with proof of both."""
    decimals = {col: next(iter(p)) if len(p) == 1 else None for col, p in proofs.items()}
    mixed = {col: MIXED_DECIMALS.replace("{examples}", f"{p[POINT]}, {p[COMMA]}") for col, p in proofs.items()
             if len(p) == 2}
    return decimals, mixed


def validate(con: duckdb.DuckDBPyConnection, text: TextTable, table: c.Table,
             references: bool = True, absent: frozenset[str] = frozenset(),
             latest: date | None = None) -> ValidatedTable:
    """Validate the text relation of one file into `raw.<table>`; references are checked against the parent rows
    already in `raw.*` (or not at all with references=False: a file checked alone). An optional column's reference to
    a table the import has no file for (`absent`: a payment's bank account without a bank-accounts file) cannot be
    checked: the rows are kept, with a notice, rather than every one rejected as an orphan. `latest`: the latest
    date of something that has happened (contract.latest_event_date() when None). Run inside `in_file_order`
    (pipelines.ingest.load_file does)."""
    latest = latest or c.latest_event_date()
    name = text.path.name
    notices = list(text.notices) + check_header(text, table)
    if text.encoding == "gb18030":
        notices.append(f"{name}: not UTF-8, read as GB18030/GBK (Chinese); if names look garbled, "
                       "re-export the file as UTF-8")
    if text.encoding == "utf-16":
        notices.append(f"{name}: read as UTF-16 (Excel 'Unicode text')")
    decimals, mixed = _decimals(prove_decimals(con, text, table)) if text.delimiter != "," else (None, {})
    if decimals:
        notices += [f"{name}: {col} written with decimal commas (its values show it: 1.234,50 is 1234.50)"
                    for col, sep in decimals.items() if sep == COMMA]
    compiled = compile_checks(table, text.header, decimals, may_need_trim=text.may_need_trim, untrusted=mixed,
                              latest=latest)
    columns = table.column_names
    # The typed rows go straight into raw.<table>, in the file's order (a row's rowid is its record's position,
    # `_row` in the text relation); rejected ones are deleted afterwards (few, usually none), which saves copying
    # every good row once more. A file read directly by DuckDB's reader (text.direct) is read here, once.
    checked = f"raw.{table.name}"
    try:
        con.execute(f"create or replace table {checked} as {compiled.typed(text.relation, columns)}")
    except duckdb.Error as exc:
        if text.direct:  # DuckDB could not split a record: the careful reader will
            raise NotLineByLine(name) from exc
        raise
    if decimals is None and con.execute(f"select count(*) from {checked} where _bad").fetchone()[0]:
        # A comma-delimited file writes decimal points; a column of it that writes decimal commas instead (a
        # spreadsheet in a European locale quoting "1,5") makes every comma in it a guess: "1,250" is a thousand or
        # one and a quarter. Looked for only when some row was refused (a "1,5" always is), so a clean file is read
        # once; such a column refuses every value with a separator, naming the line that shows it.
        contradicted = {col: COMMA_IN_COMMA_FILE.replace("{example}", p[COMMA])
                        for col, p in prove_decimals(con, text, table).items() if list(p) == [COMMA]}
        if contradicted:
            compiled = compile_checks(table, text.header, None, may_need_trim=text.may_need_trim,
                                      untrusted=contradicted, latest=latest)
            con.execute(f"create or replace table {checked} as {compiled.typed(text.relation, columns)}")
    # rows loaded in this transaction are numbered from a base of DuckDB's choosing, one after the other in the
    # file's order: `row` is the record's position (0 = the first), the text relation's `_row`
    loaded, first, last = con.execute(f"select count(*), min(rowid), max(rowid) from {checked}").fetchall()[0]
    if loaded and last - first + 1 != loaded:
        raise RuntimeError(f"{name}: DuckDB numbered the loaded rows with gaps; cannot tell their lines")
    row = f"(rowid - {first or 0})"
    rows = text.rows
    if text.direct:
        rows = loaded
        if rows != text.expected_rows:  # a blank line or a line break inside a quoted cell: lines are not records
            raise NotLineByLine(name)
        con.execute(f"update {checked} set source_line = {row} + 2")

    rate_errors = _missing_rates(con, table, checked, first or 0)

    # Key uniqueness among otherwise-valid rows: identical copies collapse, conflicting ones are all rejected.
    key = ", ".join(_q(k) for k in table.key)
    everything = ", ".join(_q(col) for col in columns)
    key_text = " || ', ' || ".join(f"coalesce(cast({_q(k)} as varchar), 'None')" for k in table.key)
    con.execute(f"""create or replace temp table _excluded as
        with doubled as (
            select {key} from {checked} where not _bad group by all having count(*) > 1),
        members as (
            select t.rowid - {first or 0} as _row, t.* from {checked} as t semi join doubled using ({key})
            where not t._bad),
        groups as (
            select {key}, count(distinct struct_pack({everything})) as variants, min(_row) as first_row,
                   string_agg(cast(source_line as varchar), ', ' order by _row) as lines
            from members group by all)
        select members._row, members.source_line as _line, members.source_file as _file,
               case when groups.variants > 1 then 'duplicate key (' || {key_text}
                    || ') with different values on lines ' || groups.lines end as reason,
               {_lit('+'.join(table.key))} as column_name, cast(null as varchar) as value
        from members join groups using ({key})
        where groups.variants > 1 or members._row > groups.first_row""")
    collapsed = con.execute("select count(*) from _excluded where reason is null").fetchone()[0]

    # References to parent tables (already loaded), for rows still good.
    for col in table.columns:
        if col.references and references:
            parent, parent_col = col.references.split(".")
            if parent in absent and not col.required:
                if con.execute(f"select count({_q(col.name)}) from {checked} where not _bad").fetchone()[0]:
                    notices.append(f"{name}: {col.name} is not checked against {parent}: no {parent} file was "
                                   "imported")
                continue
            con.execute(f"""insert into _excluded
                select {row}, source_line, source_file, '{{value}} is not in {parent} (orphan reference)',
                       {_lit(col.name)},
                       {_q(col.name)}
                from {checked}
                where not _bad and {_q(col.name)} is not null
                  and {row} not in (select _row from _excluded)
                  and {_q(col.name)} not in (select {_q(parent_col)} from raw.{parent}
                                             where {_q(parent_col)} is not null)""")

    rejections = _rejections(con, text, table, compiled, checked, rate_errors, row)
    con.execute(f"delete from {checked} where _bad")
    if con.execute("select count(*) from _excluded").fetchone()[0]:
        con.execute(f"delete from {checked} where {row} in (select _row from _excluded)")
    con.execute("drop table _excluded")
    con.execute(f"alter table {checked} drop column _bad")
    loaded = con.execute(f"select count(*) from {checked}").fetchone()[0]
    return ValidatedTable(table.name, name, rows + len(text.malformed), loaded, rejections, collapsed,
                          notices, text.encoding, con)


@contextmanager
def in_file_order(con: duckdb.DuckDBPyConnection):
    """Plan `validate`'s typed load so its rows keep the text relation's order (a loaded row's position is its
    record's): scans and projections keep it, but DuckDB plans an IN list of many values (an enum's allowed values)
    as a join, which does not; with that rewrite off, IN stays an expression of the row
    (tests/pipelines/test_ingest.py checks every table's plan). Set outside a transaction (a failed statement
    leaves the transaction unable to run the SET that restores it)."""
    before = con.execute("select current_setting('disabled_optimizers')").fetchall()[0][0]
    con.execute("set disabled_optimizers = ?", [",".join(filter(None, [before, IN_AS_JOIN]))])
    try:
        yield
    finally:
        con.execute("set disabled_optimizers = ?", [before])


# DuckDB's optimizer rule that turns an IN list into a join (see in_file_order)
IN_AS_JOIN = "in_clause"


def _missing_rates(con, table: c.Table, checked: str, base: int) -> list[tuple]:
    """Rows whose money cannot be converted to the reporting currency by the FX rule (the macros of
    pipelines/sql/macros.sql that staging converts with: no rate in data/reference/fx_rates.csv for the currency and
    month): marked bad, returned as (file, line, column, reason, value) with what to add."""
    conv = table.conversion
    if conv is None:
        return []
    rates = fx.table()
    rates.install(con)
    if conv.via is None:
        currency, source, column, via = f"currency_code(t.{_q(conv.currency)})", f"{checked} as t", conv.currency, ""
    else:
        parent, parent_col = conv.currency.split(".")
        key = c.TABLES_BY_NAME[parent].key[0]
        currency = f"currency_code(p.{_q(parent_col)})"
        source = f"{checked} as t join raw.{parent} as p on p.{_q(key)} = t.{_q(conv.via)}"
        column = conv.money[0]
        via = f" (the currency of its {parent.rstrip('s').replace('_', ' ')})"
    on = f"t.{_q(conv.on)}"
    found = con.execute(f"""
        select t.rowid - {base}, t.source_file, t.source_line, {currency} as currency, strftime({on}, '%Y-%m')
        from {source}
        where {on} is not null and fx_units_per_usd({currency}, {on}) is null""").fetchall()
    if found:
        con.execute(f"update {checked} set _bad = true where rowid - {base} in (select unnest(?::bigint[]))",
                    [[r[0] for r in found]])
    money = ", ".join(conv.money)
    return [(file, line, column, f"{money} in {cur}{via} cannot be converted to {c.REPORTING_CURRENCY}: "
                                 f"{rates.missing(cur, month)}", None)
            for _, file, line, cur, month in found]


def _rejections(con, text: TextTable, table: c.Table, compiled: Compiled, checked: str,
                extra: list[tuple], row: str) -> list[Rejection]:
    """One Rejection per broken rule, sorted by line and column, with the value and the raw line."""
    found = []
    if con.execute(f"select count(*) from {checked} where _bad").fetchone()[0]:
        text.cells(con)  # the rejected rows' text cells (a direct relation has no row numbers of its own)
        bad_rows = f"(select * from {text.relation} where _row in (select {row} from {checked} where _bad))"
        con.execute(f"create or replace temp table _errors as {compiled.errors(bad_rows)}")
        parts = []
        masked = {col.name for col in table.columns if col.masked}
        for alias, column, with_value in compiled.rules:
            # a masked column's value is shown as stored (••••7890), never as written
            value = (_q(column) if column in masked else _q("_t_" + column)) if with_value else "cast(null as varchar)"
            parts.append(f"select _file, _line, {_lit(column)}, {alias}, {value} from _errors where {alias} is not null")
        found = con.execute(" union all ".join(parts)).fetchall()
        con.execute("drop table _errors")
    found += con.execute("select _file, _line, column_name, reason, value from _excluded "
                         "where reason is not null").fetchall()
    found += extra
    raw = _masked_lines(con, text, table, text.raw_lines(con, {(file, line) for file, line, _, _, _ in found}))
    out = [Rejection(table.name, file, line, column,
                     reason.replace("{value}", repr(value) if value is not None else "''"), raw.get((file, line), ""))
           for file, line, column, reason, value in found]
    for line, raw_text, reason in text.malformed:
        out.append(Rejection(table.name, text.path.name, line, "(row)", reason,
                             _mask_numbers(raw_text) if _masked_columns(table, text) else raw_text))
    out.sort(key=lambda r: (r.file, r.line, r.column))
    return out


# ---- masked columns in rejected lines -------------------------------------------------------------------------------

# A run of letters, digits, spaces and dashes that may be an account number: masked in a rejected line whose cells
# could not be told apart (a malformed record) when it holds 5 or more digits and is not a date.
_ACCOUNT_LIKE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{3,}[A-Za-z0-9]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _masked_columns(table: c.Table, text: TextTable) -> list[str]:
    return [col.name for col in table.columns if col.masked and col.name in text.header]


def _mask_numbers(line: str) -> str:
    return _ACCOUNT_LIKE.sub(lambda m: c.mask_account(m.group()) if sum(ch.isdigit() for ch in m.group()) >= 5
                             and not _ISO_DATE.fullmatch(m.group().strip()) else m.group(), line)


def _masked_lines(con, text: TextTable, table: c.Table, raw: dict[tuple[str, int], str]) -> dict[tuple[str, int], str]:
    """The rejected lines with each masked column's cell replaced by its mask (an account number is never kept in
    full, not even in a rejection); a line where the cell is not found as written is masked by pattern."""
    masked = _masked_columns(table, text)
    if not masked or not raw:
        return raw
    text.cells(con)
    keys = [f"{f}\x00{n}" for f, n in raw]
    cells = ", ".join(_q(name) for name in masked)
    rows = con.execute(f"select _file, _line, {cells} from {text.relation} "
                       f"where _file || chr(0) || _line in (select unnest(?::varchar[]))", [keys]).fetchall()
    out = dict(raw)
    for file, line, *values in rows:
        masked_line = out.get((file, line), "")
        for value in values:
            kept = [ch for ch in value or "" if ch.isalnum()]
            if not kept:
                continue
            # the cell's letters and digits with anything between them (spaces, dashes, quotes as written)
            written = re.compile(r"[\W_]*".join(re.escape(ch) for ch in kept))
            masked_line, found = written.subn(lambda _m, v=value: c.mask_account(v), masked_line)
            if not found:
                masked_line = _mask_numbers(masked_line)
        out[(file, line)] = masked_line
    return out
