"""models.po_status: the one definition of an order's status and of an escaped lot, worked by hand at two dates."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models import po_status

TOL = po_status.Tolerances(on_time_days=3, in_full_share=0.02, late_incident_days=14)
NAN = np.nan


def test_settings_from_kpi_settings_rows():
    rows = pd.DataFrame({"setting": ["on_time_tolerance_days", "in_full_tolerance_pct", "late_incident_days"],
                         "value": [3, 2, 14]})
    assert po_status.settings_from(rows) == TOL


def test_an_order_judged_before_and_after_it_shipped():
    # ordered day 0, promised day 10, 100 units at 2.0; 99 shipped on day 15 (last shipment day 15), 60 paid day 1,
    # balance paid day 16, PSI passed day 18. Judged on day 12 as it was then (nothing shipped, nothing paid
    # after day 12) and on day 30 with everything.
    before = {"ordered_day": [0], "promised_day": [10], "first_shipped_day": [NAN], "last_shipped_day": [NAN],
              "quantity": [100], "shipped_quantity": [0], "unit_price": [2.0], "paid_amount": [60.0],
              "balance_paid_day": [NAN], "psi_passed_day": [NAN], "on_time_quantity": [0]}
    s = po_status.order_status(pd.DataFrame(before), 12.0, TOL)
    assert not s["is_resolved"][0]  # 10 + 3 = 13 is not before 12
    assert s["days_late"][0] == 2  # 12 - 10, unshipped and past the promise
    assert not s["is_late_incident"][0] and s["is_open"][0] and not s["is_on_time"][0]
    assert s["unshipped_value"][0] == 200.0 and s["deposit_at_risk"][0] == 60.0
    assert np.isnan(s["lead_time_days"][0]) and not s["is_balance_before_psi_pass"][0]

    after = dict(before, first_shipped_day=[15], last_shipped_day=[15], shipped_quantity=[99], paid_amount=[200.0],
                 balance_paid_day=[16], psi_passed_day=[18])
    s = po_status.order_status(pd.DataFrame(after), 30.0, TOL)
    assert s["is_resolved"][0] and not s["is_on_time"][0]  # first shipment day 15 > 10 + 3
    assert s["days_late"][0] == 5 and not s["is_late_incident"][0]
    assert s["is_shipped_in_full"][0] and not s["is_open"][0]  # 99 >= 100 x 0.98
    assert s["unshipped_value"][0] == 0.0 and s["deposit_at_risk"][0] == 0.0
    assert s["lead_time_days"][0] == 15
    assert s["is_balance_before_psi_pass"][0]  # balance day 16 before the pass on day 18
    assert not s["is_otif"][0]  # no units shipped by day 13


def test_per_row_dates_judge_each_row_on_its_own_date():
    facts = pd.DataFrame({"ordered_day": [0, 0], "promised_day": [10, 10], "first_shipped_day": [NAN, NAN],
                          "last_shipped_day": [NAN, NAN], "quantity": [10, 10], "shipped_quantity": [0, 0],
                          "unit_price": [1.0, 1.0], "paid_amount": [0.0, 0.0], "balance_paid_day": [NAN, NAN],
                          "psi_passed_day": [NAN, NAN]})
    s = po_status.order_status(facts, np.array([20.0, 30.0]), TOL)
    assert s["days_late"].tolist() == [10, 20]
    assert s["is_late_incident"].tolist() == [False, True]  # 20 days late > 14
    assert "is_otif" not in s  # no on_time_quantity given


def test_lot_judgement_by_hand():
    # lot A: passed, delivered day 0 of 1000 units, 37 defect returns, AQL 2.5 %: 3.7 % > 2.5 % -> escape once
    # mature (120 days); lot B failed its PSI; lot C never delivered.
    j = po_status.lot_judgement([True, False, True], [0, 0, NAN], [1000, 1000, 0], [37, 90, 0], [2.5, 2.5, 2.5],
                                119.0, 120)
    assert j["is_mature"].tolist() == [False, False, False] and not j["is_escape"].any()
    j = po_status.lot_judgement([True, False, True], [0, 0, NAN], [1000, 1000, 0], [37, 90, 0], [2.5, 2.5, 2.5],
                                120.0, 120)
    assert j["is_mature"].tolist() == [True, True, False]
    assert j["is_escape"].tolist() == [True, False, False]
    assert j["field_defect_rate"][0] == pytest.approx(0.037) and np.isnan(j["field_defect_rate"][2])


def test_a_deposit_at_risk_is_overdue_once_the_promised_date_is_past_its_grace():
    # day numbers; as of day 100, grace 14: promised on day 85 is 15 days behind (overdue), day 86 is 14 (not yet)
    at_risk = [500.0, 500.0, 0.0, 500.0]          # the third order shipped something: nothing at risk
    promised = [85.0, 86.0, 10.0, np.nan]          # the fourth has no promised date: never overdue
    assert po_status.is_deposit_overdue(at_risk, promised, 100.0, 14).tolist() == [True, False, False, False]
