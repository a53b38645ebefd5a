"""Reviews of warned rows: the reviewed_warnings import table as the founder's ticks change it.

A data check that warns keeps the rows it finds (pipelines/checks/, "-- severity: warn"). A founder who looked at one
and found it right as it is marks it reviewed; the build then counts it as reviewed, not worth a look, for as long as
the check gives the same problem for it (pipelines.build._record_warnings). This module writes the file that records those
decisions, in the import format (contract.REVIEWED_WARNINGS), so that it travels with the other input files.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable

import pandas as pd

from pipelines import contract

COLUMNS = contract.REVIEWED_WARNINGS.column_names
KEY = list(contract.REVIEWED_WARNINGS.key)


def reviewed_after(current: pd.DataFrame | None, marked: Iterable[tuple[str, str]],
                   taken_back: Iterable[tuple[str, str]], on: date, by: str | None, note: str | None) -> pd.DataFrame:
    """The reviews once `marked` (check_name, problem) pairs are reviewed `on` by `by` with `note`, and `taken_back`
    pairs are not any more; every other review of `current` is kept as it was (one whose row was corrected is
    harmless, and holds again if the row comes back). A pair marked again gets the new date, reviewer and note."""
    rows = pd.DataFrame(columns=COLUMNS) if current is None else current.reindex(columns=COLUMNS)
    rows = rows.astype(object).where(rows.notna(), None)
    marked, taken_back = list(dict.fromkeys(marked)), set(taken_back)
    drop = set(marked) | taken_back
    kept = rows[[(c, p) not in drop for c, p in zip(rows["check_name"], rows["problem"])]]
    added = pd.DataFrame([{"check_name": c, "problem": p, "reviewed_on": on, "reviewed_by": by or None,
                           "note": note or None} for c, p in marked], columns=COLUMNS)
    both = pd.concat([kept, added], ignore_index=True) if len(kept) else added
    return both.sort_values(KEY, kind="stable").reset_index(drop=True)


def csv_bytes(reviews: pd.DataFrame) -> bytes:
    """reviewed_warnings.csv as the build reads it: UTF-8, a header of the contract's columns, ISO dates."""
    out = reviews.reindex(columns=COLUMNS).copy()
    # a date as ISO; a value read back from the file as text kept as written (the import says if it is no date)
    out["reviewed_on"] = [v.strftime("%Y-%m-%d") if pd.notna(v) and hasattr(v, "strftime") else v
                          for v in out["reviewed_on"]]
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")
