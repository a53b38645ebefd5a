"""Recognise the dates of one column as a whole, so that no date is ever silently wrong.

A value is read in one of three families:
- **year first**: `2024-06-02`, `2024/06/02`, ISO timestamps `2024-06-02T18:22:11+00:00`, `2024-06-02 18:22:11 UTC`,
  `2024-05-14 10:22:31 -0400`. The date is the calendar day *as written*, in the offset the export wrote it in (a
  Shopify order at `2024-05-31 23:10:00 -0400` is a May sale, as the shop saw it), never shifted to UTC;
- **numeric day/month**: `3/4/2024`, `03.04.24`, `3-4-2024` (optionally with a time). Day first or month first is
  decided for the **column**: a value whose first part is above 12 proves day first, one whose second part is above
  12 proves month first. A column with proof of both is refused (it mixes two orders); a column with proof of
  neither is refused as ambiguous with the rows that show it (`03/04/2024` is 3 April or 4 March) — unless every
  value reads the same both ways (`05/05/2024`);
- **month name**: `2-Jun-06`, `02 June 2024`, `Jun 2, 2024`.
A two-digit year is 20yy up to 68 and 19yy from 69 (the POSIX rule); the contract's plausible range then rejects
1990s dates. A column whose values fall in **two families** is refused whole (e.g. `12/14/06` and `2012-01-06`: a
tool rewrote some dates), never half-converted. A declared format (`DD/MM/YYYY`, `MM/DD/YY`, `YYYY-MM-DD`,
`D-MMM-YY`, `ISO`) replaces the column-level recognition: every value must be in it (numeric dates with its
separator), the others are rejected row by row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

YEAR_FIRST, NUMERIC, NAMED = "year first", "numeric day/month", "month name"
MONTHS = {name: i for i, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for name in names}
_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AaPp][Mm])?\s*(?:Z|[+-]\d{2}:?\d{2}|[A-Z]{3,4})?)?"
_YMD = re.compile(rf"^(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){_TIME}$")
_NUM = re.compile(rf"^(?P<a>\d{{1,2}})(?P<sep>[/.\-])(?P<b>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}|\d{{2}}){_TIME}$")
_DMONY = re.compile(rf"^(?P<d>\d{{1,2}})[-\s](?P<mon>[A-Za-z]{{3,9}})\.?[-\s](?P<y>\d{{4}}|\d{{2}}){_TIME}$")
_MONDY = re.compile(rf"^(?P<mon>[A-Za-z]{{3,9}})\.?\s+(?P<d>\d{{1,2}}),?\s+(?P<y>\d{{4}}){_TIME}$")
AMBIGUOUS_DATES = "day-first or month-first cannot be told"  # how a column of such dates is refused
DECLARED = {
    "ISO": (YEAR_FIRST, None), "YYYY-MM-DD": (YEAR_FIRST, None), "YYYY/MM/DD": (YEAR_FIRST, None),
    "DD/MM/YYYY": (NUMERIC, "day"), "DD/MM/YY": (NUMERIC, "day"), "DD.MM.YYYY": (NUMERIC, "day"),
    "DD.MM.YY": (NUMERIC, "day"), "DD-MM-YYYY": (NUMERIC, "day"), "D/M/YYYY": (NUMERIC, "day"),
    "D/M/YY": (NUMERIC, "day"),
    "MM/DD/YYYY": (NUMERIC, "month"), "MM/DD/YY": (NUMERIC, "month"), "M/D/YYYY": (NUMERIC, "month"),
    "M/D/YY": (NUMERIC, "month"), "MM-DD-YYYY": (NUMERIC, "month"),
    "D-MMM-YY": (NAMED, None), "DD-MMM-YYYY": (NAMED, None), "D MMMM YYYY": (NAMED, None),
    "MMM D, YYYY": (NAMED, None),
}


@dataclass
class DateColumn:
    """Dates of one column: `values` (datetime64, NaT when empty or rejected), `errors` (reason or None per row)."""

    values: pd.Series
    errors: pd.Series
    recognised: str = ""        # e.g. "numeric day/month, month first (proven by line 7 '12/14/06')"
    column_error: str | None = None

    @property
    def rejected(self) -> pd.Series:
        return self.errors.notna()


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year <= 68 else 1900
    return year


def _to_dates(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    """Build dates from numeric parts; NaT where the day does not exist (31 February)."""
    frame = pd.DataFrame({"year": year, "month": month, "day": day})
    return pd.to_datetime(frame, errors="coerce")


def declared_format(text: str) -> tuple[str, str | None]:
    """(family, order) of a declared date format such as `DD/MM/YYYY`; ValueError for one we do not know."""
    key = text.strip().upper()
    if key not in DECLARED:
        raise ValueError(f"unknown date format {text!r}; use one of {', '.join(DECLARED)}")
    return DECLARED[key]


def _example(text: pd.Series, lines: pd.Series, mask: pd.Series) -> str:
    i = mask[mask].index[0]
    return f"line {lines[i]} {text[i]!r}"


_GROUP = re.compile(r"\(\?P<(\w+)>([^()]*)\)")
# what `\s` means to Python on ASCII text: RE2's `\s` leaves out the vertical tab and the separators \x1c-\x1f
_ASCII_SPACES = r"\t\n\x0b\x0c\r\x1c-\x1f "


def _arrow_pattern(pattern: re.Pattern) -> tuple[str, dict[str, str]]:
    """`pattern` for Arrow's RE2, meaning on ASCII text what Python's re means: `\\d` and `\\s` spelled as the ASCII
    characters Python matches, and a back-reference `(?P=name)`, which RE2 has not, as a group of its own
    (`name_again`) that must equal `name` (returned as {copy: name})."""
    groups = {name: body for name, body in _GROUP.findall(pattern.pattern)}
    copies: dict[str, str] = {}

    def again(match: re.Match) -> str:
        name = match.group(1)
        copies[f"{name}_again"] = name
        return f"(?P<{name}_again>{groups[name]})"

    text = re.sub(r"\(\?P=(\w+)\)", again, pattern.pattern)
    text = re.sub(r"\[[^\]]*\]", lambda m: m.group(0).replace(r"\s", _ASCII_SPACES), text)  # inside a class
    return text.replace(r"\s", f"[{_ASCII_SPACES}]").replace(r"\d", "[0-9]"), copies


def _extract(text: pd.Series, rows: pd.Series, pattern: re.Pattern) -> pd.DataFrame:
    """The pattern's groups for `rows` of `text`, NA elsewhere (on every row of `text`). ASCII values are matched by
    Arrow (RE2, compiled code: a million timestamps in a fraction of a second, where pandas runs Python's re row by
    row) with the pattern as `_arrow_pattern` spells it, the others by Python's re: the same groups either way."""
    part = text[rows]
    values = pa.array(part.astype("string[pyarrow]").array)
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    ascii_ = pc.fill_null(pc.string_is_ascii(values), False).to_numpy(zero_copy_only=False)
    names = list(pattern.groupindex)
    fast = part[ascii_]
    found = pd.DataFrame(index=fast.index, columns=names, dtype=part.dtype)
    if len(fast):
        spelled, copies = _arrow_pattern(pattern)
        got = pc.extract_regex(values.filter(pa.array(ascii_)), spelled)
        matched = got.is_valid().to_numpy(zero_copy_only=False)
        for copy, name in copies.items():
            matched &= pc.equal(got.field(copy), got.field(name)).to_numpy(zero_copy_only=False)
        for name in names:
            found[name] = pd.Series(got.field(name).to_numpy(zero_copy_only=False), index=fast.index,
                                    dtype=part.dtype).where(matched)
    slow = part[~ascii_].str.extract(pattern)
    return pd.concat([found, slow]).reindex(text.index)


def parse_dates(text: pd.Series, lines: pd.Series | None = None, declared: str | None = None) -> DateColumn:
    """Read a column of date text (None/NaN/'' = empty) by the rules of the module docstring."""
    text = text.astype("string").str.strip()
    text = text.mask(text == "")
    lines = pd.Series(np.arange(2, len(text) + 2), index=text.index) if lines is None else lines
    present = text.notna()
    values = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    errors = pd.Series(None, index=text.index, dtype=object)

    # each form is tried only on the values no earlier form read (pandas runs a pattern row by row in Python: an
    # all-ISO column of a million timestamps is read once, not four times)
    ymd = _extract(text, present, _YMD)
    num = _extract(text, present & ymd["y"].isna(), _NUM)
    dmony = _extract(text, present & ymd["y"].isna() & num["a"].isna(), _DMONY)
    mondy = _extract(text, present & ymd["y"].isna() & num["a"].isna() & dmony["d"].isna(), _MONDY)
    is_ymd = ymd["y"].notna()
    is_num = num["a"].notna() & ~is_ymd
    is_named = (dmony["d"].notna() | mondy["d"].notna()) & ~is_ymd & ~is_num
    family = pd.Series(None, index=text.index, dtype=object)
    family[is_ymd] = YEAR_FIRST
    family[is_num] = NUMERIC
    family[is_named] = NAMED

    unrecognised = present & family.isna()
    errors[unrecognised] = "not a date in a known form: " + text[unrecognised].map(repr)

    order = None
    if declared:
        want_family, order = declared_format(declared)
        wrong = present & family.notna() & (family != want_family)
        if want_family == NUMERIC:  # the declared separator too: `06.02.2006` is not in `M/D/YY`
            separator = re.search(r"[/.\-]", declared).group(0)
            wrong |= present & (family == NUMERIC) & (num["sep"] != separator)
        errors[wrong] = (f"not in the declared date format {declared.strip().upper()}: "
                         + text[wrong].map(repr))
        family = family.where(~wrong)
        recognised = f"declared {declared.strip().upper()}"
    else:
        found = [f for f in (YEAR_FIRST, NUMERIC, NAMED) if (family == f).any()]
        if len(found) > 1:
            parts = ", ".join(f"{f} ({_values(int((family == f).sum()))}, e.g. {_example(text, lines, family == f)})"
                              for f in found)
            reason = (f"the column mixes date formats: {parts}; one of them was probably rewritten by a tool, so no "
                      "value of this column is read — fix the column or declare its format")
            errors[present & errors.isna()] = reason
            return DateColumn(values, errors, "", reason)
        recognised = found[0] if found else ""
        if found == [NUMERIC]:
            a = num["a"].astype(float)
            b = num["b"].astype(float)
            day_proof = is_num & (a > 12) & (b <= 12)
            month_proof = is_num & (b > 12) & (a <= 12)
            if day_proof.any() and month_proof.any():
                reason = (f"the column mixes day-first dates ({_example(text, lines, day_proof)}) and month-first "
                          f"dates ({_example(text, lines, month_proof)}), so no value of it can be trusted")
                errors[present & errors.isna()] = reason
                return DateColumn(values, errors, "", reason)
            if day_proof.any():
                order = "day"
                recognised = f"{NUMERIC}, day first (proven by {_example(text, lines, day_proof)})"
            elif month_proof.any():
                order = "month"
                recognised = f"{NUMERIC}, month first (proven by {_example(text, lines, month_proof)})"
            elif (a[is_num] == b[is_num]).all():
                order = "day"   # every value reads the same either way
                recognised = f"{NUMERIC} (day and month equal in every value)"
            else:
                differ = is_num & (a != b)
                shown = differ[differ].index[:3]
                examples = "; ".join(f"line {lines[i]} {text[i]!r} is {_spell(int(a[i]), int(b[i]))} or "
                                     f"{_spell(int(b[i]), int(a[i]))}" for i in shown)
                reason = (f"{AMBIGUOUS_DATES}: no value has a day above 12 ({examples}); "
                          "declare the date format (DD/MM/YYYY or MM/DD/YYYY: `supplier-risk import --date-format`, the Data page's "
                          "date format, or `date` in a mapping file)")
                errors[present & errors.isna()] = reason
                return DateColumn(values, errors, "", reason)

    ok = errors.isna()
    take = ok & (family == YEAR_FIRST)
    values[take] = _to_dates(ymd.loc[take, "y"].astype(int), ymd.loc[take, "m"].astype(int),
                             ymd.loc[take, "d"].astype(int))
    take = ok & (family == NUMERIC)
    if take.any():
        a, b = num.loc[take, "a"].astype(int), num.loc[take, "b"].astype(int)
        day, month = (a, b) if order == "day" else (b, a)
        values[take] = _to_dates(num.loc[take, "y"].map(_year), month, day)
    take = ok & (family == NAMED)
    if take.any():
        parts = dmony.loc[take].combine_first(mondy.loc[take])
        month = parts["mon"].str.lower().map(MONTHS)
        unknown = month.isna()
        if unknown.any():
            bad = unknown[unknown].index
            errors[bad] = "unknown month name: " + text[bad].map(repr)
        good = parts.index[~unknown]
        values[good] = _to_dates(parts.loc[good, "y"].map(_year), month[good].astype(int),
                                 parts.loc[good, "d"].astype(int))
    impossible = present & errors.isna() & values.isna()
    errors[impossible] = "not a real calendar day: " + text[impossible].map(repr)
    return DateColumn(values.dt.normalize(), errors, recognised)


# How the spreadsheet reader writes a cell Excel typed as a date or timestamp (pipelines/readers.py): ISO.
_TYPED_CELL = r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?)?"


def parse_published_dates(text: pd.Series, lines: pd.Series, published: str, spreadsheet: bool) -> DateColumn:
    """A column of a format whose dates have one published form (`MM/DD/YYYY`): every value in that form, as
    `parse_dates(declared=published)`, except that in a spreadsheet a cell Excel typed as a date, which the reader
    writes `YYYY-MM-DD` and which cannot be read two ways, is read too (a workbook saved from the export types its
    dates; refusing them would refuse every row). In a text export an ISO date among `MM/DD/YYYY` ones is still
    refused: some tool rewrote it."""
    if not spreadsheet:
        return parse_dates(text, lines, declared=published)
    typed = text.astype("string").str.strip().str.fullmatch(_TYPED_CELL).fillna(False).astype(bool)
    if not typed.any():
        return parse_dates(text, lines, declared=published)
    written = parse_dates(text.where(~typed), lines, declared=published)
    cells = parse_dates(text.where(typed), lines, declared="YYYY-MM-DD")
    return DateColumn(written.values.where(~typed, cells.values), written.errors.where(~typed, cells.errors),
                      f"{written.recognised}, or a date-typed cell of the spreadsheet")


def parse_dates_proven_by(text: pd.Series, lines: pd.Series, others: list[pd.Series], declared: str | None = None,
                          by: str = "the file's other dates") -> tuple[DateColumn, str]:
    """A column's dates as declared, else as they prove their order, else as the same writer's other date columns
    of the file (`others`, the same rows) prove it together with them; and how they were read. Ambiguous dates
    stay refused when the other columns prove nothing either."""
    if declared:
        return parse_dates(text, lines, declared=declared), "as declared"
    alone = parse_dates(text, lines)
    if alone.errors.isna().all() or not others:
        return alone, "as they prove"
    n = len(text)
    together = parse_dates(pd.concat([text, *others], ignore_index=True),
                           pd.concat([lines] * (1 + len(others)), ignore_index=True))
    if together.errors.iloc[:n].notna().sum() < alone.errors.notna().sum():
        values = together.values.iloc[:n].set_axis(text.index)
        errors = together.errors.iloc[:n].set_axis(text.index)
        return DateColumn(values, errors, together.recognised), f"as {by} prove"
    return alone, "as they prove"


def _values(n: int) -> str:
    return f"{n:,} value" + ("" if n == 1 else "s")


def _spell(day: int, month: int) -> str:
    names = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")
    return f"{day} {names[month - 1]}" if 1 <= month <= 12 else f"day {day} of month {month}"
