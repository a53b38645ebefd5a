"""Allocation to the cent by the largest-remainder method, worked by hand (cents arithmetic in the comments)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.allocation import AllocationError, allocate, allocate_frame, to_cents


def test_100_split_three_ways() -> None:
    # 10,000 cents / 3 = 3,333.33 each -> floors 3,333 x 3 = 9,999 ; 1 cent left, tie -> first line.
    assert allocate(100.00, [1, 1, 1], basis_name="quantity") == [33.34, 33.33, 33.33]
    # A credit splits the same way with the sign kept.
    assert allocate(-100.00, [1, 1, 1]) == [-33.34, -33.33, -33.33]


def test_by_value() -> None:
    # Freight 1,850.00 over line values 13,700 / 6,850 / 2,055 (total 22,605):
    # 185,000 x 13,700 / 22,605 = 112,121.21 ; x 6,850 / 22,605 = 56,060.61 ; x 2,055 / 22,605 = 16,818.18
    # floors 112,121 + 56,060 + 16,818 = 184,999 -> 1 cent to the largest remainder (.61, line 2)
    parts = allocate(1_850.00, [13_700, 6_850, 2_055], basis_name="value")
    assert parts == [1_121.21, 560.61, 168.18]
    assert round(sum(parts), 2) == 1_850.00


def test_by_weight() -> None:
    # Insurance 45.00 over 1.2 / 1.2 / 2.4 / 0.7 kg (total 5.5):
    # 4,500 x 1.2 / 5.5 = 981.82 (x2) ; x 2.4 / 5.5 = 1,963.64 ; x 0.7 / 5.5 = 572.73
    # floors 981 + 981 + 1,963 + 572 = 4,497 -> 3 cents to remainders .818, .818 (tie: lines 1, 2), .727 (line 4)
    assert allocate(45.00, [1.2, 1.2, 2.4, 0.7], basis_name="weight") == [9.82, 9.82, 19.63, 5.73]


def test_by_volume() -> None:
    # Duty 1,030.50 over 0.008 / 0.012 / 0.030 m3 = 16% / 24% / 60%:
    # 103,050 x 0.16 = 16,488 ; x 0.24 = 24,732 ; x 0.60 = 61,830 (exact, nothing left over)
    assert allocate(1_030.50, [0.008, 0.012, 0.030], basis_name="volume") == [164.88, 247.32, 618.30]


def test_by_quantity_with_a_tiny_line() -> None:
    # Fees 210.00 over 2,000 / 1,000 / 3 units (total 3,003):
    # 21,000 x 2,000 / 3,003 = 13,986.01 ; x 1,000 / 3,003 = 6,993.01 ; x 3 / 3,003 = 20.98
    # floors 13,986 + 6,993 + 20 = 20,999 -> 1 cent to the largest remainder (.98, line 3)
    assert allocate(210.00, [2_000, 1_000, 3], basis_name="quantity") == [139.86, 69.93, 0.21]


def test_fewer_cents_than_lines() -> None:
    # 5 cents over 6 equal lines: floors 0 ; 5 cents to the first five lines by position.
    assert allocate(0.05, [1] * 6) == [0.01, 0.01, 0.01, 0.01, 0.01, 0.0]


def test_zero_and_missing_weights() -> None:
    # A missing weight counts as zero: 10.00 all to the weighted line.
    assert allocate(10.00, [None, 2.0, float("nan")]) == [0.0, 10.00, 0.0]
    # All zero: equal split by default, or an error naming the basis.
    assert allocate(10.00, [0, 0, 0]) == [3.34, 3.33, 3.33]
    with pytest.raises(AllocationError, match="weight"):
        allocate(10.00, [0, None], basis_name="weight", fallback="raise")
    with pytest.raises(AllocationError):
        allocate(10.00, [1, -1])
    with pytest.raises(AllocationError):
        allocate(10.00, [])


def test_to_cents_rounds_half_up() -> None:
    assert (to_cents(1.005), to_cents(-1.005), to_cents(0.1 + 0.2)) == (101, -101, 30)


def _lines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "shipment_id": ["S1", "S1", "S1", "S2", "S2", "S3", "S3", "S4", "S4"],
            "freight": [100.00, 100.00, 100.00, 1_850.00, 1_850.00, 40.00, 40.00, 12.00, 13.00],
            "value": [1.0, 1.0, 1.0, 13_700.0, 8_905.0, 0.0, None, 5.0, 5.0],
        },
        index=[10, 11, 12, 20, 21, 30, 31, 40, 41],
    )


def test_allocate_frame_matches_allocate_per_group_and_reports_the_rest() -> None:
    result = allocate_frame(_lines(), "freight", "shipment_id", "value")
    # S1: 100.00 three ways -> 33.34 / 33.33 / 33.33
    # S2: 185,000 x 13,700 / 22,605 = 112,121.21 ; x 8,905 / 22,605 = 72,878.79 -> floors 184,999, cent to line 2
    assert result.allocated.loc[[10, 11, 12, 20, 21]].tolist() == [33.34, 33.33, 33.33, 1_121.21, 728.79]
    assert result.allocated.loc[[20, 21]].tolist() == allocate(1_850.00, [13_700.0, 8_905.0])
    # S3 (all weights zero/missing) and S4 (two different amounts) are not allocated, and both are reported.
    assert result.allocated.loc[[30, 31, 40, 41]].isna().all()
    report = result.report.set_index("group")
    assert set(report.index) == {"S3", "S4"}
    assert report.loc["S3", "action"] == "unallocated" and report.loc["S3", "amount"] == 40.00
    assert "different amounts" in report.loc["S4", "reason"]
    assert set(result.unallocated["group"]) == {"S3", "S4"}


def test_allocate_frame_equal_fallback_is_still_reported() -> None:
    result = allocate_frame(_lines(), "freight", "shipment_id", "value", fallback="equal")
    # S3: 40.00 split equally -> 20.00 / 20.00, reported as a fallback.
    assert result.allocated.loc[[30, 31]].tolist() == [20.00, 20.00]
    report = result.report.set_index("group")
    assert report.loc["S3", "action"] == "fallback_equal"
    assert report.loc["S4", "action"] == "unallocated"
    with pytest.raises(AllocationError):
        allocate_frame(_lines(), "freight", "shipment_id", "value", fallback="raise")


def test_allocate_frame_sums_to_each_charge_to_the_cent() -> None:
    rng = np.random.default_rng(7)
    n = 600
    df = pd.DataFrame({
        "charge_id": rng.integers(0, 60, size=n).astype(str),
        "weight": rng.uniform(0.01, 5.0, size=n).round(3),
    })
    amounts = {g: round(float(a), 2) for g, a in zip(map(str, range(60)), rng.uniform(0.01, 5_000.0, size=60))}
    df["amount"] = df["charge_id"].map(amounts)
    result = allocate_frame(df, "amount", "charge_id", "weight")
    assert result.report.empty
    totals = (result.allocated * 100).round().astype(int).groupby(df["charge_id"]).sum()
    assert all(totals[g] == to_cents(amounts[g]) for g in totals.index)
    # And every group agrees with the scalar reference, cent for cent.
    for g, sub in df.groupby("charge_id"):
        assert result.allocated.loc[sub.index].tolist() == allocate(amounts[g], sub["weight"].tolist())


def test_exact_tie_breaks_the_same_in_allocate_and_allocate_frame() -> None:
    # 805,627,623 cents x 0.01 / 0.06 = 134,271,270.5 and x 0.05 / 0.06 = 671,356,352.5: an exact tie of
    # remainders (.5 / .5), 1 cent left -> the earlier line. Read as binary doubles, 0.01 and 0.05 are not
    # 1/100 and 5/100, and the tie used to break the other way in `allocate` only.
    expected = [1_342_712.71, 6_713_563.52]
    assert allocate(8_056_276.23, [0.01, 0.05]) == expected
    frame = pd.DataFrame({"amount": [8_056_276.23] * 2, "charge": ["c1", "c1"], "w": [0.01, 0.05]})
    assert allocate_frame(frame, "amount", "charge", "w").allocated.tolist() == expected


def test_allocate_frame_with_weights_of_many_decimals_equals_allocate() -> None:
    # Weights read with more than 6 decimals (0.1 + 0.2, 1/3, kg x units as doubles) take the exact per-charge
    # path; weights of at most 6 decimals the integer one. Both give `allocate`'s parts.
    weights = [0.1 + 0.2, 1 / 3, 2.5, 1.2 * 3, 0.000001, 7.123456]
    frame = pd.DataFrame({"amount": [100.00] * 3 + [0.05] * 3, "charge": ["a"] * 3 + ["b"] * 3, "w": weights})
    got = allocate_frame(frame, "amount", "charge", "w").allocated.tolist()
    assert got == allocate(100.00, weights[:3]) + allocate(0.05, weights[3:])
    tidy = frame.assign(w=[0.3, 0.333333, 2.5, 3.6, 0.000001, 7.123456])
    assert allocate_frame(tidy, "amount", "charge", "w").allocated.tolist() == \
        allocate(100.00, [0.3, 0.333333, 2.5]) + allocate(0.05, [3.6, 0.000001, 7.123456])


def test_vectorised_allocate_cents_equals_allocate_group_by_group():
    """allocate_cents (integer, vectorised) gives exactly `allocate`'s parts, ties to the earlier line included."""
    import numpy as np

    from models.allocation import allocate, allocate_cents

    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(200), rng.integers(1, 6, 200))
    weights = rng.integers(0, 5, len(groups)) * rng.choice([1, 100, 10_000], len(groups))
    amount = np.repeat(rng.integers(-50_000, 50_000, 200), np.bincount(groups))
    got = allocate_cents(amount, groups, weights)
    for g in range(200):
        rows = groups == g
        expected = allocate(amount[rows][0] / 100, list(weights[rows].astype(float)))
        assert list(got[rows] / 100) == expected, g
        assert got[rows].sum() == amount[rows][0]


def test_cents_array_rounds_half_up_like_to_cents():
    from models.allocation import cents_array, to_cents

    values = [1.005, 2.675, -0.005, 17.32, 0.0, 123456.785, 41.568]
    assert cents_array(values).tolist() == [to_cents(v) for v in values] == [101, 268, -1, 1732, 0, 12345679, 4157]
