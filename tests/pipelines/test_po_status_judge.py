"""pipelines/steps/po_status.judge: the per-shipment on-time rule (the units that left by promise + tolerance) and
the order status built from marts.po_facts, worked by hand at the edges of the tolerances."""

from __future__ import annotations

import math

import pandas as pd

from models import po_status
from pipelines.steps.po_status import judge

TOL = po_status.Tolerances(on_time_days=3, in_full_share=0.05, late_incident_days=14)
AS_OF = "2024-03-20"


def _facts() -> pd.DataFrame:
    rows = [
        # po, ordered, promised, first shipped, last shipped, quantity, shipped, price, paid
        ("P1", "2024-01-10", "2024-03-10", "2024-03-13", "2024-03-14", 1000, 1000, 2.0, 600.0),
        ("P2", "2024-01-10", "2024-03-10", "2024-03-12", "2024-03-12", 1000, 960, 2.0, 600.0),
        ("P3", "2024-01-10", None, "2024-03-01", "2024-03-01", 500, 500, 2.0, 300.0),
        ("P4", "2024-01-10", "2024-03-01", None, None, 800, 0, 2.5, 600.0),
    ]
    f = pd.DataFrame(rows, columns=["po_id", "ordered_on", "promised_ship_on", "first_shipped_on", "last_shipped_on",
                                    "quantity", "shipped_quantity", "unit_price", "paid_amount"])
    return f.assign(balance_paid_on=None, psi_passed_on=None)


def _shipments() -> pd.DataFrame:
    return pd.DataFrame({"po_id": ["P1", "P1", "P2", "P3"],
                         "shipped_on": ["2024-03-13", "2024-03-14", "2024-03-12", "2024-03-01"],
                         "quantity": [600, 400, 960, 500]})


def test_units_on_time_stop_at_promise_plus_tolerance_and_need_a_promise():
    out = judge(_facts(), _shipments(), AS_OF, TOL).set_index("po_id")
    # P1: 600 units left on 03-13 (promise 03-10 + 3 days: on time), 400 on 03-14 (one day past: late)
    assert out.loc["P1", "on_time_quantity"] == 600
    # 600 of 1000 is short of the 950 in full needs: not OTIF, though its first shipment was on time
    assert bool(out.loc["P1", "is_on_time"]) and not bool(out.loc["P1", "is_otif"])
    assert out.loc["P1", "days_late"] == 3 and not bool(out.loc["P1", "is_late_incident"])
    # P2: 960 of 1000 on 03-12 — within the 5% in-full tolerance (≥ 950) and on time: OTIF, in full, not open
    assert out.loc["P2", "on_time_quantity"] == 960 and bool(out.loc["P2", "is_otif"])
    assert bool(out.loc["P2", "is_shipped_in_full"]) and not bool(out.loc["P2", "is_open"])
    # P3: no promise, so nothing can be on time and the order is never resolved or late
    assert out.loc["P3", "on_time_quantity"] == 0 and not bool(out.loc["P3", "is_otif"])
    assert not bool(out.loc["P3", "is_resolved"]) and pd.isna(out.loc["P3", "days_late"])
    # P4: promised 03-01, nothing shipped by 03-20: 19 days late (> 14, a late incident), resolved, open for all
    # 800 units at 2.50, and the 600 paid is a deposit at risk
    assert out.loc["P4", "days_late"] == 19 and bool(out.loc["P4", "is_late_incident"])
    assert bool(out.loc["P4", "is_resolved"]) and bool(out.loc["P4", "is_open"])
    assert math.isclose(out.loc["P4", "unshipped_value"], 2000.0) and out.loc["P4", "deposit_at_risk"] == 600.0
    assert out.loc["P4", "on_time_quantity"] == 0
