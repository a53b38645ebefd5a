"""One lookup of a keyed Series for a column of keys, shared by the score, the panel, the release and re-audit rules."""

from __future__ import annotations

import pandas as pd


def lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """`values` (uniquely indexed) looked up for each key (NaN / NaT where absent), on `keys`' index. It keeps the
    dtype of `values` even when `values` is empty, where `keys.map(values)` fails on a datetime column."""
    return values.reindex(keys.to_numpy()).set_axis(keys.index)
