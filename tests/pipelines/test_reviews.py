"""reviewed_warnings as the Data page rewrites it (pipelines/reviews.py): hand-made reviews, and the file read back
by the import's own validator."""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipelines import reviews
from pipelines.ingest import read_and_validate

A = ("dates_before_their_order", "shipment H2 shipped on 2024-02-20, before its order P2 was placed on 2024-03-01")
B = ("landed_cost_entry_summaries", 'entry summary E1 declares duty $1,234.50, computed $1,000.00: overpaid by '
                                    '$234.50')
C = ("dates_far_from_their_order", "payment Y3 paid 2023-11-01, 121 days before its order P2 was placed on 2024-03-01")


def _current() -> pd.DataFrame:
    return pd.DataFrame([
        {"check_name": A[0], "problem": A[1], "reviewed_on": pd.Timestamp("2026-11-02"), "reviewed_by": "Ana",
         "note": "order raised late"},
        {"check_name": B[0], "problem": B[1], "reviewed_on": pd.Timestamp("2026-11-03"), "reviewed_by": None,
         "note": None}])


def test_marking_replaces_its_review_taking_back_removes_it_and_every_other_review_is_kept():
    after = reviews.reviewed_after(_current(), marked=[C, B], taken_back=[A], on=date(2026, 12, 6), by="Bo",
                                   note="refund claimed")
    assert after.to_dict(orient="records") == [
        {"check_name": C[0], "problem": C[1], "reviewed_on": date(2026, 12, 6), "reviewed_by": "Bo",
         "note": "refund claimed"},
        {"check_name": B[0], "problem": B[1], "reviewed_on": date(2026, 12, 6), "reviewed_by": "Bo",
         "note": "refund claimed"}]
    # nothing picked: the reviews as they were, sorted by check and problem
    same = reviews.reviewed_after(_current(), marked=[], taken_back=[], on=date(2026, 12, 6), by="Bo", note="")
    assert same[["check_name", "problem", "reviewed_by"]].values.tolist() == [[A[0], A[1], "Ana"], [B[0], B[1], None]]
    # the first reviews of a warehouse without any
    first = reviews.reviewed_after(None, marked=[A], taken_back=[], on=date(2026, 12, 6), by="", note="")
    assert first.to_dict(orient="records") == [{"check_name": A[0], "problem": A[1], "reviewed_on": date(2026, 12, 6),
                                                "reviewed_by": None, "note": None}]


def test_the_file_written_is_read_back_whole_by_the_import(tiny_dir):
    """Problems with commas, dollar signs and quotes survive the round trip through the import's validator."""
    quoted = ("landed_cost_entry_summaries", 'entry summary E2 chapter 99 numbers: "9903.03.01" declared, $5')
    after = reviews.reviewed_after(_current(), marked=[quoted], taken_back=[], on=date(2026, 12, 1), by="Bo",
                                   note="agreed, see e-mail")
    (tiny_dir / "reviewed_warnings.csv").write_bytes(reviews.csv_bytes(after))
    result = read_and_validate(tiny_dir)
    assert [r for r in result.rejections if r.table == "reviewed_warnings"] == []
    back = result.con.execute("select check_name, problem, reviewed_on::varchar, reviewed_by, note "
                              "from raw.reviewed_warnings order by check_name, problem").fetchall()
    assert back == [(A[0], A[1], "2026-11-02", "Ana", "order raised late"),
                    (B[0], B[1], "2026-11-03", None, None),
                    (quoted[0], quoted[1], "2026-12-01", "Bo", "agreed, see e-mail")]
