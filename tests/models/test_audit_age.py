"""An audit's age (models/audit_age.py): one month of 365.25 / 12 days for the score and the re-audit cycle."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from models import audit_age


def test_age_in_months_is_days_over_the_mean_gregorian_month():
    assert audit_age.MONTH_DAYS == 30.4375
    last = pd.Series(pd.to_datetime(["2025-10-31", "2024-10-31", None]))
    age = audit_age.audit_age_months(last, pd.Timestamp("2026-10-31"))
    # 365 days / 30.4375 = 11.9918; 730 days (2024-10-31 → 2026-10-31, no 29 February between) = 23.9836
    np.testing.assert_allclose(age[:2], [365 / 30.4375, 730 / 30.4375])
    assert round(age[0], 4) == 11.9918 and np.isnan(age[2])
    # one cutoff per row (the score's history): the row's own cutoff counts
    rows = audit_age.audit_age_months(pd.Series(pd.to_datetime(["2026-01-01", "2026-01-01"])),
                                      pd.Series(pd.to_datetime(["2026-01-31", "2026-03-02"])))
    np.testing.assert_allclose(rows, [30 / 30.4375, 60 / 30.4375])


def test_an_audit_lapses_the_first_day_it_is_more_than_the_cycle_old():
    last = pd.Series(pd.to_datetime(["2025-11-08", "2023-03-01", None]))
    due = audit_age.lapses_on(last, 12)
    # 12 × 30.4375 = 365.25 days: 365 days old is 11.99 months (not lapsed), 366 is 12.02 (lapsed), leap year or not
    assert list(due[:2].dt.date) == [date(2026, 11, 9), date(2024, 3, 1)] and pd.isna(due[2])
    for days in (365, 366):
        age = audit_age.audit_age_months(last[:1], last[0] + pd.Timedelta(days=days))[0]
        assert (age > 12) == (last[0] + pd.Timedelta(days=days) >= due[0]) == (days == 366)
    # 48 months = 1461 days exactly: more than that is 1462 days
    assert audit_age.lapses_on(last[:1], 48)[0] == last[0] + pd.Timedelta(days=1462)
