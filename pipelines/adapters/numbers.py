"""Read the numbers of one column as a whole: decimal point or decimal comma is proven by the data, never guessed.

Which separator a value proves is written once, for this parser and the import format's validation:
pipelines/separators.py. `1,234.50` and `1.234,50` are unambiguous (the last separator is the decimal one); `19,99`
proves a decimal comma (two digits after it) and `19.99` a decimal point, as do `0,008` and `0.008` (a first group
of 0 is no thousand). A column whose only separated values look like `1,234` or `1.234` (three digits after one
separator) could be a thousand or one-point-something: it is refused with the rows that show it, unless the locale
is declared (mapping file `decimal: ","`). A column with proof of both locales is refused whole; a malformed value
(`12,34.5`) proves nothing and is refused on its own. Currency symbols and codes around the number (`$12.50`,
`¥ 45`, `12.50 USD`) and spaces as thousands separators (`1 234,50`) are accepted; a leading minus or parentheses
make it negative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.separators import COMMA, POINT, PROOF, UNCLEAR

_AFFIX = re.compile(r"^\s*(?:[A-Z]{3}\s*|[$€£¥￥]\s*)?(?P<body>.*?)(?:\s*[A-Z]{3}|\s*[$€£¥￥])?\s*$")
_PLAIN = r"[+-]?[\d.,]+"  # no currency, space or parenthesis: nothing for _AFFIX to take off
_SHAPE = re.compile(r"^[+-]?[\d.,\u00a0\u202f ]*\d$|^[+-]?\d+[.,]$")


@dataclass
class NumberColumn:
    values: pd.Series           # float64, NaN where empty or rejected
    errors: pd.Series           # reason or None per row
    decimal: str | None = None  # "." or ","
    column_error: str | None = None


def _strip(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(body without currency affixes and sign, negative mask). A value of only digits, separators and a sign (most
    of any export) has no affix to take off: only the others go through the affix pattern, which pandas runs row by
    row in Python (seconds for a million values)."""
    body = text.copy()
    other = text.notna() & ~text.str.fullmatch(_PLAIN).fillna(False).astype(bool)
    if other.any():
        body[other] = text[other].str.extract(_AFFIX)["body"].fillna(text[other])
    negative = body.str.startswith("-") | (body.str.startswith("(") & body.str.endswith(")"))
    body = body.str.strip("()").str.lstrip("+-")
    if other.any():
        body[other] = body[other].str.replace(r"[\u00a0\u202f ]", "", regex=True)
    return body, negative


def _example(text, lines, mask) -> str:
    i = mask[mask].index[0]
    return f"line {lines[i]} {text[i]!r}"


def parse_numbers(text: pd.Series, lines: pd.Series | None = None, decimal: str | None = None,
                  thousands: str | None = None) -> NumberColumn:
    """Parse a column of number text by the rules of the module docstring (decimal declared or proven)."""
    text = text.astype("string").str.strip()
    text = text.mask(text == "")
    lines = pd.Series(np.arange(2, len(text) + 2), index=text.index) if lines is None else lines
    present = text.notna()
    errors = pd.Series(None, index=text.index, dtype=object)
    values = pd.Series(np.nan, index=text.index, dtype="float64")
    body, negative = _strip(text)
    shaped = present & body.str.match(_SHAPE).fillna(False).astype(bool)
    errors[present & ~shaped] = "not a number: " + text[present & ~shaped].map(repr)
    if decimal is None:
        point_proof = shaped & body.str.fullmatch(PROOF[POINT]).fillna(False).astype(bool)
        comma_proof = shaped & body.str.fullmatch(PROOF[COMMA]).fillna(False).astype(bool)
        if point_proof.any() and comma_proof.any():
            reason = (f"the column mixes decimal points ({_example(text, lines, point_proof)}) and decimal commas "
                      f"({_example(text, lines, comma_proof)}), so no value of it can be trusted")
            errors[shaped] = reason
            return NumberColumn(values, errors, None, reason)
        if point_proof.any():
            decimal = POINT
        elif comma_proof.any():
            decimal = COMMA
        else:
            unclear = shaped & body.str.fullmatch(UNCLEAR).fillna(False).astype(bool)
            if unclear.any():
                shown = unclear[unclear].index[:3]
                examples = "; ".join(f"line {lines[i]} {text[i]!r}" for i in shown)
                reason = (f"the decimal separator cannot be told: {examples} could be a thousand or one and a "
                          "fraction, and no value shows which; declare the number format (decimal \".\" or \",\")")
                errors[shaped] = reason
                return NumberColumn(values, errors, None, reason)
            decimal = "."
    thousands = thousands if thousands is not None else ("," if decimal == "." else ".")
    ok = shaped & errors.isna()
    cleaned = body[ok]
    if thousands:
        grouped = cleaned.str.contains(re.escape(thousands), regex=True)
        # a first group of 0 is no thousand: 0,008 is not eight
        well_grouped = cleaned.str.match(rf"^[1-9]\d{{0,2}}({re.escape(thousands)}\d{{3}})+({re.escape(decimal)}\d+)?$")
        bad_group = grouped & ~well_grouped.fillna(False).astype(bool)
        errors[bad_group[bad_group].index] = (f"not a number with {thousands!r} thousands and {decimal!r} decimals: "
                                              + text[bad_group[bad_group].index].map(repr))
        cleaned = cleaned.str.replace(thousands, "", regex=False)
    cleaned = cleaned.str.replace(decimal, ".", regex=False)
    parsed = pd.to_numeric(cleaned.astype(object), errors="coerce").astype("float64")
    parsed = parsed.where(~negative[ok], -parsed)
    values[ok] = parsed
    values[errors.notna()] = np.nan
    unreadable = ok & values.isna() & errors.isna()
    errors[unreadable] = "not a number: " + text[unreadable].map(repr)
    return NumberColumn(values, errors, decimal)
