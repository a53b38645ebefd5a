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
