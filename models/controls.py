"""Controls as of a date: background checks per source.

(Which bank accounts are changes to verify is marts.bank_accounts.is_change, in SQL: the score and the release
checklist read that column.)

Background checks: checked (and until when), expired, undated or not checked, per source.

One definition for the Supplier page (marts.background_checks at the build date) and the score's signal (every
month end): a check counts from its date for `valid_days` (data/reference/kpi_settings.csv,
background_check_valid_days); a check dated after the date asked about is not known yet. Blank values with no date
are "not checked" — unknown, never clean. Values without a date (an import without the date columns) are "undated":
what they say is used, but nobody knows how old it is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CHECKED, EXPIRED, UNDATED, NOT_CHECKED = "checked", "expired", "undated", "not checked"
# source → (date column, the columns it fills)
SOURCES = {
    "registry": ("registry_checked_on", ("operating_status",)),
    "public_records": ("records_checked_on", ("litigation_cases", "admin_penalties")),
}


def check_states(suppliers: pd.DataFrame, at, valid_days: int) -> pd.DataFrame:
    """One row per supplier and source: checked_on (only when on or before `at`), expires_on, state."""
    at = pd.Timestamp(at)
    rows = []
    for source, (date_col, value_cols) in SOURCES.items():
        on = pd.to_datetime(suppliers[date_col]) if date_col in suppliers else pd.Series(pd.NaT, suppliers.index)
        known = on.notna() & (on <= at)
        has_values = suppliers[list(value_cols)].notna().any(axis=1)
        expires = on + pd.Timedelta(days=valid_days)
        state = np.select([known & (expires > at), known, on.isna() & has_values], [CHECKED, EXPIRED, UNDATED],
                          NOT_CHECKED)
        rows.append(pd.DataFrame({"supplier_id": suppliers["supplier_id"].to_numpy(), "source": source,
                                  "checked_on": on.where(known).dt.date.to_numpy(),
                                  "expires_on": expires.where(known).dt.date.to_numpy(), "state": state}))
    return pd.concat(rows, ignore_index=True).sort_values(["supplier_id", "source"], kind="stable") \
        .reset_index(drop=True)
