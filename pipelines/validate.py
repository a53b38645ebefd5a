"""Validate the text cells of one import file against the data contract.

Every rule is vectorised over the file. A row that breaks any rule is rejected with one record per broken
rule (file, line, column, reason, raw line); every other row is kept, typed. Identical duplicates of a key
collapse to one row and are counted; conflicting duplicates are all rejected, since we cannot tell which is right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipelines import contract as c
from pipelines import fx
from pipelines.readers import FileError, ParsedFile, raw_line

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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
    frame: pd.DataFrame  # typed, contract columns + source_file, source_line
    rejections: list[Rejection] = field(default_factory=list)
    duplicates_collapsed: int = 0
    notices: list[str] = field(default_factory=list)
    encoding: str = ""

    @property
    def rows_loaded(self) -> int:
        return len(self.frame)

    @property
    def rows_rejected(self) -> int:
        return len({r.line for r in self.rejections})


def check_header(parsed: ParsedFile, table: c.Table) -> list[str]:
    """Raise FileError for a missing required column; return notices for extra or absent optional ones."""
    present = set(parsed.header)
    duplicated = sorted({h for h in parsed.header if parsed.header.count(h) > 1})
    if duplicated:
        raise FileError(parsed.path.name, "appears more than once in the header", column=duplicated[0])
    missing = [name for name in table.required_columns if name not in present]
    if missing:
        raise FileError(parsed.path.name, "required column is missing from the header", column=missing[0])
    notices = []
    extra = [h for h in parsed.header if h not in table.column_names]
    if extra:
        notices.append(f"{parsed.path.name}: ignored unknown column(s) {', '.join(extra)}")
    absent = [n for n in table.column_names if n not in present]
    if absent:
        notices.append(f"{parsed.path.name}: optional column(s) {', '.join(absent)} not in the file, left empty")
    return notices


def _parse_number(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse numbers written plainly, with thousands separators or a leading $; return values and a bad mask."""
    cleaned = text.str.replace(r"^\$", "", regex=True)
    cleaned = cleaned.where(~cleaned.str.match(_THOUSANDS).fillna(False), cleaned.str.replace(",", "", regex=False))
    values = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    values = values.where(np.isfinite(values.fillna(0.0)))  # "inf", "1e400" and "nan" are not amounts
    bad = text.notna() & values.isna()
    return values, bad


def _parse_column(col: c.Column, text: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    """Return (typed values, bad-mask, reason for bad cells)."""
    if col.type == c.TEXT:
        values = text
        if col.allowed:
            if col.name in c.UPPERCASE_ENUMS:
                values = text.str.upper().str.replace(" ", "", regex=False)
            else:
                values = text.str.lower().str.replace(r"[\s\-]+", "_", regex=True)
            bad = values.notna() & ~values.isin(col.allowed)
            return values, bad, f"not one of {', '.join(col.allowed)}"
        return values, pd.Series(False, index=text.index), ""
    if col.type in (c.INT, c.DECIMAL):
        values, bad = _parse_number(text)
        reason = "not a number"
        if col.type == c.INT:
            fractional = values.notna() & (values != np.floor(values.fillna(0)))
            bad = bad | fractional
            reason = "not a whole number"
        if col.allowed_numbers is not None:
            outside = values.notna() & ~values.round(6).isin([round(v, 6) for v in col.allowed_numbers])
            if outside.any():
                listed = ", ".join(f"{v:g}" for v in col.allowed_numbers)
                return values, bad | outside, f"not a number, or not one of {listed}"
        return values, bad, reason
    if col.type == c.BOOL:
        lowered = text.str.lower()
        values = pd.Series(pd.NA, index=text.index, dtype="boolean")
        values[lowered.isin(c.TRUE_WORDS)] = True
        values[lowered.isin(c.FALSE_WORDS)] = False
        bad = text.notna() & values.isna()
        return values, bad, "not a boolean (true/false, yes/no, 1/0)"
    if col.type == c.DATE:
        shaped = text.str.match(_ISO_DATE).fillna(False).astype(bool)
        values = pd.to_datetime(text.where(shaped), format="%Y-%m-%d", errors="coerce")
        bad = text.notna() & values.isna()
        return values, bad, "not a date in YYYY-MM-DD form"
    if col.type == c.MONTH:
        bad = text.notna() & ~text.str.match(_MONTH).fillna(False).astype(bool)
        return text, bad, "not a month in YYYY-MM form"
    raise ValueError(f"unknown type {col.type}")


def validate(parsed: ParsedFile, table: c.Table, parent_keys: dict[str, set[str] | dict[str, str]]) -> ValidatedTable:
    """Validate one parsed file; `parent_keys` maps "table.column" to the keys already loaded (and, for a column
    later tables convert money by, e.g. "purchase_orders.currency", to {key: value} of the loaded rows)."""
    name = parsed.path.name
    notices = check_header(parsed, table)
    if parsed.encoding == "gb18030":
        notices.append(f"{name}: not UTF-8, read as GB18030/GBK (Chinese); if names look garbled, "
                       "re-export the file as UTF-8")
    frame = parsed.frame
    n = len(frame)
    rejections: list[Rejection] = []
    bad_rows = np.zeros(n, dtype=bool)
    problems: list[tuple[np.ndarray, str, str]] = []  # (mask, column, reason)

    def flag(mask, column: str, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            problems.append((mask, column, reason))

    typed = {}
    for col in table.columns:
        if col.name in frame.columns:
            text_str = frame[col.name].astype("string").str.strip()
            text_str = text_str.mask(text_str == "")
        else:
            text_str = pd.Series(pd.NA, index=frame.index, dtype="string")
        values, bad, reason = _parse_column(col, text_str)
        flag(bad, col.name, f"{reason}: {{value}}")
        missing = text_str.isna()
        if col.required:
            flag(missing, col.name, "required value is missing")
        if col.default is not None:
            values = values.where(~missing, col.default)
        if col.type in (c.INT, c.DECIMAL):
            if col.minimum is not None:
                below = values < col.minimum if not col.exclusive_minimum else values <= col.minimum
                rule = f"must be {'>' if col.exclusive_minimum else '≥'} {col.minimum:g}"
                flag(below.fillna(False) & ~bad, col.name, f"{rule}: {{value}}")
            if col.maximum is not None:
                flag((values > col.maximum).fillna(False) & ~bad, col.name, f"must be ≤ {col.maximum:g}: {{value}}")
            if col.type == c.INT:
                values = values.astype("Int64")
        if col.type == c.DATE:
            lo, hi = pd.Timestamp(c.MIN_DATE), pd.Timestamp(c.MAX_DATE)
            implausible = values.notna() & ((values < lo) | (values > hi))
            flag(implausible, col.name, f"implausible date outside {c.MIN_DATE}…{c.MAX_DATE}: {{value}}")
        typed[col.name] = (values, text_str)

    for rule in table.row_rules:
        left, right = typed[rule.columns[0]][0], typed[rule.columns[1]][0]
        broken = (left > right).fillna(False).astype(bool)
        flag(broken, rule.columns[1], rule.description)

    if table.name in c.AT_LEAST_ONE_OF:
        cols = c.AT_LEAST_ONE_OF[table.name]
        none = np.logical_and.reduce([typed[k][1].isna().to_numpy() for k in cols])
        flag(none, cols[0], f"at least one of {', '.join(cols)} is required")

    if table.conversion is not None:
        for mask, column, reason in _missing_rates(table.conversion, typed, parent_keys):
            flag(mask, column, reason)

    for mask, _, _ in problems:
        bad_rows |= mask

    # Key uniqueness among otherwise-valid rows.
    out = pd.DataFrame({k: v[0] for k, v in typed.items()}, index=frame.index)
    key_cols = list(table.key)
    duplicates_collapsed = 0
    candidate = out[~bad_rows]
    dup_mask = candidate.duplicated(subset=key_cols, keep=False)
    if dup_mask.any():
        dups = candidate[dup_mask]
        compare = dups.astype(object).where(dups.notna(), "\0")
        identical_groups = compare.groupby(key_cols, dropna=False).nunique().le(1).all(axis=1)
        for key_value, is_identical in identical_groups.items():
            key_tuple = key_value if isinstance(key_value, tuple) else (key_value,)
            members = dups.index[np.logical_and.reduce([dups[k] == v for k, v in zip(key_cols, key_tuple)])]
            if is_identical:
                duplicates_collapsed += len(members) - 1
                # dropped, not rejected: marked apart so they are not reported
                collapsed = np.zeros(n, dtype=bool)
                collapsed[frame.index.get_indexer(members[1:])] = True
                bad_rows |= collapsed
                problems.append((collapsed, "__collapsed__", ""))
            else:
                lines = frame.loc[members, "_line"].tolist()
                mask = np.zeros(n, dtype=bool)
                mask[frame.index.get_indexer(members)] = True
                bad_rows |= mask
                key_text = ", ".join(str(v) for v in key_tuple)
                problems.append((mask, "+".join(key_cols),
                                 f"duplicate key ({key_text}) with different values on lines "
                                 f"{', '.join(map(str, lines))}"))

    # References to parent tables (only for rows still good).
    for col in table.columns:
        if col.references and col.references in parent_keys:
            values = out[col.name]
            orphan = values.notna() & ~values.isin(parent_keys[col.references]) & ~bad_rows
            parent = col.references.split(".")[0]
            flag(orphan.to_numpy(), col.name, f"{{value}} is not in {parent} (orphan reference)")
            bad_rows |= orphan.to_numpy()

    for mask, column, reason in problems:
        if column == "__collapsed__":
            continue
        for i in np.flatnonzero(mask):
            value = typed[column][1].iloc[i] if column in typed else None
            rejections.append(Rejection(table.name, name, int(frame["_line"].iloc[i]), column,
                                        reason.replace("{value}", repr(value) if value is not None else "''"),
                                        _raw(parsed, i)))
    for line, raw, reason in parsed.malformed:
        rejections.append(Rejection(table.name, name, line, "(row)", reason, raw))
    rejections.sort(key=lambda r: (r.line, r.column))

    good = out[~bad_rows].copy()
    parent_keys.update(_converted_by(table, good))
    good["source_file"] = name
    good["source_line"] = frame.loc[~bad_rows, "_line"].astype("int64")
    rows_read = n + len(parsed.malformed)
    return ValidatedTable(table.name, name, rows_read, good.reset_index(drop=True), rejections,
                          duplicates_collapsed, notices, parsed.encoding)


def _missing_rates(conv: c.Conversion, typed: dict, parent_keys: dict):
    """(mask, column, reason) per currency and month that data/reference/fx_rates.csv has no rate for."""
    dates = typed[conv.on][0]
    if conv.via is None:
        currency, column = typed[conv.currency][0], conv.currency
    else:
        lookup = parent_keys.get(conv.currency)
        if not isinstance(lookup, dict):
            return []
        currency, column = typed[conv.via][0].map(lookup), conv.money[0]  # orphans: NaN, rejected as orphans
    table = fx.table()
    rates = table.rates_for(currency.fillna(c.REPORTING_CURRENCY), dates)
    missing = (currency.notna() & dates.notna() & rates.isna()).to_numpy()
    if not missing.any():
        return []
    months = pd.to_datetime(dates).dt.strftime("%Y-%m")
    groups = pd.DataFrame({"currency": currency, "month": months})[missing].drop_duplicates()
    via = f" (the currency of its {conv.currency.split('.')[0].rstrip('s').replace('_', ' ')})" if conv.via else ""
    return [((missing & (currency == g.currency).to_numpy() & (months == g.month).to_numpy()), column,
             f"{', '.join(conv.money)} in {str(g.currency).upper()}{via} cannot be converted to "
             f"{c.REPORTING_CURRENCY}: {table.missing(g.currency, g.month)}")
            for g in groups.itertuples()]


def _converted_by(table: c.Table, good: pd.DataFrame) -> dict[str, dict[str, str]]:
    """{"table.column": {key: value}} for the columns of `table` that a later table converts its money by."""
    out = {}
    for later in c.TABLES:
        conv = later.conversion
        if conv is not None and conv.via and conv.currency.startswith(f"{table.name}.") and len(table.key) == 1:
            column = conv.currency.split(".", 1)[1]
            values = good[column].astype("string").str.strip().str.upper().fillna(c.REPORTING_CURRENCY)
            out[conv.currency] = dict(zip(good[table.key[0]], values))
    return out


def _raw(parsed: ParsedFile, index: int) -> str:
    """The physical line as it was in a CSV file, or the cells re-serialised for spreadsheets."""
    if parsed.lines is not None:
        return parsed.lines[int(parsed.frame["_line"].iloc[index]) - 1]
    return raw_line(parsed, index)
