"""Column-level number reading: the decimal separator is proven by the data or declared, never guessed."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipelines.adapters.numbers import parse_numbers


def _read(values, **kw):
    got = parse_numbers(pd.Series(values, dtype=object), **kw)
    return got, [None if math.isnan(v) else v for v in got.values], [e if isinstance(e, str) else None
                                                                     for e in got.errors]


def test_decimal_points_with_thousands_currency_signs_and_negatives():
    got, values, errors = _read(["19.99", "1,234.50", "$5", "-3.5", "(2.00)", "12 USD", "¥ 45", None, ""])
    assert values == [19.99, 1234.5, 5.0, -3.5, -2.0, 12.0, 45.0, None, None]
    assert errors == [None] * 9 and got.decimal == "."


def test_decimal_commas_are_proven_by_the_data():
    got, values, _ = _read(["19,99", "1.234,50", "2", "1 234,5"])
    assert values == [19.99, 1234.5, 2.0, 1234.5] and got.decimal == ","


def test_three_digits_after_one_separator_is_refused_unless_declared():
    got, values, errors = _read(["1,234", "2,500", "7"])
    assert values == [None, None, None]
    assert got.column_error == (
        "the decimal separator cannot be told: line 2 '1,234'; line 3 '2,500' could be a thousand or one and a "
        "fraction, and no value shows which; declare the number format (decimal \".\" or \",\")")
    _, values, _ = _read(["1,234", "2,500"], decimal=".")
    assert values == [1234.0, 2500.0]
    _, values, _ = _read(["1,234", "2,500"], decimal=",")
    assert values == [1.234, 2.5]


def test_a_column_mixing_decimal_points_and_commas_is_refused_whole():
    got, values, errors = _read(["1.5", "2,25", "3"])
    assert values == [None, None, None]
    assert got.column_error.startswith("the column mixes decimal points (line 2 '1.5') and decimal commas "
                                       "(line 3 '2,25')")
    assert errors[2] == got.column_error


@pytest.mark.parametrize("text", ["1,23,4", "12..5", "abc", "1.2.3,4,5"])
def test_malformed_numbers_are_rejected(text):
    _, values, errors = _read([text], decimal=".")
    assert values == [None] and errors[0] is not None


def test_a_first_group_of_zero_is_a_decimal_not_a_thousand():
    """0,008 cannot be eight written with a thousands separator (no one writes 0,008 for 8): it proves a decimal
    comma, as 0.5 proves a decimal point; beside decimal points it is refused, never read as 8 (it was)."""
    got, values, _ = _read(["0,008", "1", "0,250"])
    assert values == [0.008, 1.0, 0.25] and got.decimal == ","
    got, values, errors = _read(["0.008", "2"])
    assert values == [0.008, 2.0] and got.decimal == "."
    _, values, errors = _read(["0,008", "1,250"], decimal=".")
    assert values == [None, 1250.0]
    assert errors[0] == "not a number with ',' thousands and '.' decimals: '0,008'"


def test_a_malformed_value_proves_nothing_and_is_refused_on_its_own():
    # '12,34.5' is no proof of a decimal point: the column's decimal commas stand, and only it is refused
    got, values, errors = _read(["1,5", "12,34.5", "2,25"])
    assert got.decimal == "," and got.column_error is None
    assert values == [1.5, None, 2.25]
    assert errors == [None, "not a number with '.' thousands and ',' decimals: '12,34.5'", None]


# the values each pattern of pipelines/separators.py must (and must not) match, in both engines that read them
SEPARATOR_CASES = {
    "point": (["19.99", ".5", "0.008", "1234.5678", "1,234.50", "1,234,567", "-0.5"],
              ["1.234", "1,234", "19,99", "12,34.5", "1.2.3", "1.234.567", "5."]),
    "comma": (["19,99", ",5", "0,008", "1234,5678", "1.234,50", "1.234.567", "-0,5"],
              ["1,234", "1.234", "19.99", "12.34,5", "1,2,3", "1,234,567", "5,"]),
    "unclear": (["1,234", "1.234", "-999,000"], ["0,234", "1234,567", "19,99", "1,234,567"]),
}


@pytest.mark.parametrize("name", sorted(SEPARATOR_CASES))
def test_separator_patterns_read_the_same_in_duckdb_and_python(name):
    import re

    import duckdb

    from pipelines import separators

    pattern = {"point": separators.PROOF[separators.POINT], "comma": separators.PROOF[separators.COMMA],
               "unclear": separators.UNCLEAR}[name]
    yes, no = SEPARATOR_CASES[name]
    con = duckdb.connect()
    for value, expected in [(v, True) for v in yes] + [(v, False) for v in no]:
        in_sql = con.execute("select regexp_full_match(?, ?)", [value, pattern]).fetchone()[0]
        assert (bool(re.fullmatch(pattern, value)), in_sql) == (expected, expected), value
