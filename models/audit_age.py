"""How old an audit is: the one definition the score's audit signal (models/signals.py) and the re-audit cycle
(pipelines/steps/reaudit.py) share.

A month is the mean Gregorian month, 365.25 / 12 = 30.4375 days, so an audit's age in months is a plain number of
days over it (the score maps it continuously to points). An audit is "more than N months old" when that age exceeds
N, which first happens on `lapses_on(last_audit_on, N)`: for 12 months, 366 days after it whatever the calendar (by
calendar months an audit of 2025-11-08 would lapse after 365 days, one spanning a 29 February after 366).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

MONTH_DAYS = 365.25 / 12  # 30.4375: the mean Gregorian month
# A re-audit's trigger when none fired: the cycle itself (marts.reaudit_reasons.trigger; the pages' Why column)
ROUTINE = "routine"


def audit_age_months(last_audit_on, as_of) -> np.ndarray:
    """Months (of MONTH_DAYS) from each `last_audit_on` to `as_of` (a date or one per row); NaN without an audit."""
    days = (pd.to_datetime(as_of) - pd.to_datetime(last_audit_on))
    days = days.dt.days if isinstance(days, pd.Series) else pd.Series(days).dt.days
    return days.to_numpy(dtype=float) / MONTH_DAYS


def lapses_on(last_audit_on: pd.Series, months: int | float) -> pd.Series:
    """The first day on which an audit is more than `months` old (audit_age_months > months); NaT without one."""
    return pd.to_datetime(last_audit_on) + pd.Timedelta(days=math.floor(months * MONTH_DAYS) + 1)
