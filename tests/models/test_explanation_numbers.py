"""Counts in the score's explanations read as the pages write numbers: with thousands separators."""

from __future__ import annotations

import pandas as pd

from models import signals


def test_counts_in_explanations_have_thousands_separators():
    f = pd.DataFrame({"as_of": pd.to_datetime(["2026-10-31"] * 3), "major_units": [3391.0, 999.0, 1_234_567.0]})
    x = signals.Context(f, pd.DataFrame({"supplier_id": []}), {"windows": {}, "evidence": {"cohort_levels": []}}, {}, True, None, {})
    assert x.ints("major_units") == ["3,391", "999", "1,234,567"]
    assert x.text(x.ints("major_units"), " units sampled") == ["3,391 units sampled", "999 units sampled",
                                                               "1,234,567 units sampled"]
