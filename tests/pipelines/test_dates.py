"""Column-level date recognition: every form real exports use, and every ambiguity refused with its evidence."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pipelines.adapters.dates import parse_dates


def _read(values, **kw):
    result = parse_dates(pd.Series(values, dtype=object), **kw)
    dates = [d.date() if pd.notna(d) else None for d in result.values]
    errors = [e if isinstance(e, str) else None for e in result.errors]
    return result, dates, errors


@pytest.mark.parametrize("text, expected", [
    ("2024-06-02T18:22:11+00:00", date(2024, 6, 2)),     # Amazon report, UTC offset
    ("2024-06-02T23:59:59-07:00", date(2024, 6, 2)),     # the day as written, not shifted to UTC
    ("2024-05-14 10:22:31 -0400", date(2024, 5, 14)),    # Shopify
    ("2024-05-31 23:10:00 -0400", date(2024, 5, 31)),    # … a May sale in the shop's time, June in UTC
    ("2024-06-03 07:00:00 UTC", date(2024, 6, 3)),       # settlement report
    ("2024-06-02T18:22:11.123Z", date(2024, 6, 2)),
    ("2024-06-02", date(2024, 6, 2)),
    ("2024/6/2", date(2024, 6, 2)),
    ("2-Jun-06", date(2006, 6, 2)),
    ("02-JUN-2024", date(2024, 6, 2)),
    ("2 June 2024", date(2024, 6, 2)),
    ("Jun 2, 2024", date(2024, 6, 2)),
    ("Sept 30, 2024", date(2024, 9, 30)),
])
def test_unambiguous_forms(text, expected):
    result, dates, errors = _read([text])
    assert dates == [expected] and errors == [None] and result.column_error is None


def test_day_first_is_proven_by_one_value_and_applies_to_the_whole_column():
    result, dates, errors = _read(["03/04/2024", "13/04/2024", "01.12.24", None, ""])
    assert dates == [date(2024, 4, 3), date(2024, 4, 13), date(2024, 12, 1), None, None]
    assert errors == [None] * 5
    assert result.recognised == "numeric day/month, day first (proven by line 3 '13/04/2024')"


def test_month_first_is_proven_by_one_value():
    result, dates, _ = _read(["03/04/2024", "4/13/2024", "12/1/06"])
    assert dates == [date(2024, 3, 4), date(2024, 4, 13), date(2006, 12, 1)]
    assert "month first (proven by line 3 '4/13/2024')" in result.recognised


def test_a_column_that_could_be_either_is_refused_with_the_proving_rows():
    result, dates, errors = _read(["03/04/2024", "05/06/2024", "07/07/2024"])
    assert dates == [None, None, None]
    assert result.column_error == (
        "day-first or month-first cannot be told: no value has a day above 12 (line 2 '03/04/2024' is 3 April "
        "or 4 March; line 3 '05/06/2024' is 5 June or 6 May); declare the date format (DD/MM/YYYY or MM/DD/YYYY: "
        "`supplier-risk import --date-format`, the Data page's date format, or `date` in a mapping file)")
    assert errors == [result.column_error] * 3


def test_a_column_where_every_value_reads_the_same_both_ways_is_accepted():
    _, dates, errors = _read(["05/05/2024", "12/12/24"])
    assert dates == [date(2024, 5, 5), date(2024, 12, 12)] and errors == [None, None]


def test_a_column_with_proof_of_both_orders_is_refused_whole():
    result, dates, errors = _read(["13/04/2024", "04/13/2024", "01/02/2024"], lines=pd.Series([10, 11, 12]))
    assert dates == [None, None, None]
    assert result.column_error == ("the column mixes day-first dates (line 10 '13/04/2024') and month-first "
                                   "dates (line 11 '04/13/2024'), so no value of it can be trusted")
    assert all(e == result.column_error for e in errors)


def test_a_column_mixing_families_is_refused_never_half_converted():
    """The SCMS mangling: `12/1/06` rewritten as `2012-01-06` next to untouched `12/14/06`."""
    result, dates, errors = _read(["12/14/06", "2012-01-06", "2006-02-06", "Date Not Captured"])
    assert dates == [None, None, None, None]
    assert result.column_error.startswith(
        "the column mixes date formats: year first (2 values, e.g. line 3 '2012-01-06'), numeric day/month "
        "(1 value, e.g. line 2 '12/14/06')")
    assert errors[:3] == [result.column_error] * 3
    assert errors[3] == "not a date in a known form: 'Date Not Captured'"


def test_a_declared_format_reads_its_values_and_rejects_the_others_row_by_row():
    result, dates, errors = _read(["12/14/06", "2012-01-06", "6/2/2006", "2/30/06"], declared="m/d/yy")
    assert dates == [date(2006, 12, 14), None, date(2006, 6, 2), None]
    assert errors == [None, "not in the declared date format M/D/YY: '2012-01-06'", None,
                      "not a real calendar day: '2/30/06'"]
    assert result.recognised == "declared M/D/YY"
    _, dates, _ = _read(["03/04/2024"], declared="DD/MM/YYYY")
    assert dates == [date(2024, 4, 3)]
    with pytest.raises(ValueError, match="unknown date format 'YYYYMMDD'"):
        _read(["20240101"], declared="YYYYMMDD")


@pytest.mark.parametrize("text", ["31/02/2024", "2024-13-01", "June 31, 2024"])
def test_impossible_days_are_rejected(text):
    _, dates, errors = _read([text])
    assert dates == [None] and errors == [f"not a real calendar day: {text!r}"]


@pytest.mark.parametrize("text", ["45444", "20240602", "next Tuesday", "2024-06", "6/2", "2-Jux-06"])
def test_text_that_is_not_a_date_is_rejected(text):
    _, dates, errors = _read([text])
    assert dates == [None] and errors[0] is not None


def test_two_digit_years_follow_the_posix_pivot():
    _, dates, _ = _read(["1-Jan-68", "1-Jan-69"])
    assert dates == [date(2068, 1, 1), date(1969, 1, 1)]


def test_arrow_reads_each_date_form_exactly_as_pythons_re_does():
    """The forms are matched by Arrow's RE2 for ASCII values (`dates._arrow_pattern`) and by Python's re for the
    others: on 20,000 random date-like texts (ASCII and full-width digits, every separator, the whitespace RE2's \\s
    leaves out, mixed separators a back-reference refuses, times, zones, junk) every group of every form is the one
    pandas' str.extract with Python's re gives."""
    import random
    import re

    from pipelines.adapters import dates

    rng = random.Random(7)
    pick = rng.choice
    years, numbers = ["2026", "26", "２０２６", "202", "99"], ["7", "07", "12", "31", "１２", "123", "0"]
    names, seps = ["Oct", "october", "Sept", "Mär", "Okt", "Octobers", "x"], ["/", "-", ".", " ", "  ", "\t", "\x0b",
                                                                                  "\x1c", "\u3000", "\xa0", ""]
    times = ["", "T10:15", " 10:15:32", " 10:15:32.123 PM", "T10:15:32Z", " 10:15 -0400", " 10:15:32 UTC",
             "\x0b10:15", " 10:15:32\x1cam", "T1015", " 10:15 +05:30"]

    def one() -> str:
        form, sep = rng.randrange(4), pick(seps)
        if form == 0:
            text = pick(years) + sep + pick(numbers) + pick([sep, sep, pick(seps)]) + pick(numbers)
        elif form == 1:
            text = pick(numbers) + sep + pick(numbers) + pick([sep, sep, pick(seps)]) + pick(years)
        elif form == 2:
            text = pick(numbers) + sep + pick(names) + pick([".", ""]) + pick(seps) + pick(years)
        else:
            text = pick(names) + pick([".", ""]) + pick(seps) + pick(numbers) + pick([",", ""]) + pick(seps) + pick(years)
        return text + pick(times)

    texts = [one() for _ in range(20_000)]
    texts += ["2026-10-28T10:15:32+00:00", "28.10.2026", "10/28/26", "28-Oct-2026", "Oct 28, 2026 10:15 PM",
              "12/10-2026", "2026-10-28\x0b10:15", "28\x1cOct\x1c2026", None]
    text = pd.Series(texts).astype("string").str.strip()
    text = text.mask(text == "")
    at = pd.Series(range(len(text)))
    rows = text.notna() & ((at % 5 != 0) | (at >= 20_000))  # some random rows not asked
    for pattern in (dates._YMD, dates._NUM, dates._DMONY, dates._MONDY):
        expected = text[rows].str.extract(pattern).reindex(text.index)
        got = dates._extract(text, rows, pattern)
        pd.testing.assert_frame_equal(got, expected, check_dtype=True)
        assert got.notna().all(axis=1).sum() > 100, pattern.pattern  # each form matched many texts
    assert re.search(r"\\s|\\d|\(\?P=", "".join(dates._arrow_pattern(p)[0] for p in (dates._NUM, dates._DMONY))) is None
