"""What a purchase order's status is as of a date: the one definition behind marts.po_status and the risk score.

`order_status` judges orders from what happened to them (ship, delivery, payment and inspection dates as day
numbers, quantities, amounts) as of one date or one date per row. The build step pipelines/steps/po_status.py
applies it at the build date to marts.po_facts and writes marts.po_status; models/risk_panel.py applies it at every
cutoff of the score's order × cutoff panel. `lot_judgement` does the same for an inspected lot (mature? escaped?):
pipelines/steps/inspection.py at the build date, the score's passed-but-defective signal at every cutoff.

Day numbers are floats (days since 1970-01-01); NaN is "no such date". The tolerances come from
reference.kpi_settings (`settings_from`), the maturity from reference.inspection_settings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

STATUS_COLUMNS = ["is_shipped_in_full", "is_open", "unshipped_value", "is_resolved", "is_on_time", "is_otif",
                  "days_late", "lead_time_days", "is_late_incident", "is_balance_before_psi_pass", "deposit_at_risk"]


@dataclass(frozen=True)
class Tolerances:
    """reference.kpi_settings: days of grace on a promise, the in-full tolerance, when lateness is an incident."""

    on_time_days: int
    in_full_share: float  # in_full_tolerance_pct / 100
    late_incident_days: int


def settings_from(kpi_settings: pd.DataFrame) -> Tolerances:
    """The tolerances from the rows of reference.kpi_settings (setting, value)."""
    value = kpi_settings.set_index("setting")["value"]
    return Tolerances(on_time_days=int(value["on_time_tolerance_days"]),
                      in_full_share=float(value["in_full_tolerance_pct"]) / 100.0,
                      late_incident_days=int(value["late_incident_days"]))


def shipped_on_time(shipped_day, promised_day, tol: Tolerances) -> np.ndarray:
    """A shipment (or an order's first one) is on time when it left by the promise plus the grace days."""
    return np.asarray(shipped_day, dtype=float) <= np.asarray(promised_day, dtype=float) + tol.on_time_days


def is_late_incident(first_shipped_day, promised_day, as_of_day, late_incident_days: int) -> np.ndarray:
    """Late enough to be an incident: the first shipment (or `as_of_day`, while nothing has shipped) more than
    `late_incident_days` after the promise; never without a promise. The incident model's label and lateness
    history (models/incident_model.py) judge it with this too."""
    first, promised = np.asarray(first_shipped_day, dtype=float), np.asarray(promised_day, dtype=float)
    reference_day = np.where(np.isnan(first), np.asarray(as_of_day, dtype=float), first)
    with np.errstate(invalid="ignore"):
        return ~np.isnan(promised) & (reference_day - promised > late_incident_days)


def is_deposit_overdue(deposit_at_risk, promised_day, as_of_day, grace_days: int) -> np.ndarray:
    """A deposit at risk (paid on an order with nothing shipped: `order_status`'s `deposit_at_risk`) is overdue once
    the order's promised ship date is more than `grace_days` behind `as_of_day` (the score's overdue deposits)."""
    promised = np.asarray(promised_day, dtype=float)
    return (np.asarray(deposit_at_risk, dtype=float) > 0) & ~np.isnan(promised) \
        & (promised + grace_days < np.asarray(as_of_day, dtype=float))


def is_balance_before_psi_pass(balance_paid_day, psi_passed_day) -> np.ndarray:
    """A balance paid before any pre-shipment inspection passed: paid, and no pass yet or the first pass later than
    the payment (a pass on the day of the payment counts as before it). Per order in marts.po_status; per balance
    payment in the incident model's history."""
    balance, passed = np.asarray(balance_paid_day, dtype=float), np.asarray(psi_passed_day, dtype=float)
    with np.errstate(invalid="ignore"):
        return ~np.isnan(balance) & (np.isnan(passed) | (balance < passed))


def is_decided_psi(inspections: pd.DataFrame) -> pd.Series:
    """Pre-shipment inspections that decided their lot (pass or fail); a pending one decides nothing. The same rule
    as staging.inspections.is_decided_psi, for frames."""
    return (inspections["inspection_type"] == "PSI") & inspections["result"].isin(["pass", "fail"])


def _col(frame, name: str) -> np.ndarray:
    return np.asarray(frame[name], dtype=float)


def order_status(facts, as_of_day, tol: Tolerances) -> dict[str, np.ndarray]:
    """Each order's status columns (STATUS_COLUMNS) as of `as_of_day` (a day number, or one per row).

    `facts` has, per order: ordered_day, promised_day, first_shipped_day, last_shipped_day, quantity,
    shipped_quantity, unit_price, paid_amount, balance_paid_day, psi_passed_day and, for is_otif,
    on_time_quantity (units of shipments that were `shipped_on_time`; without it is_otif is left out).

    - shipped in full: shipped at least the ordered quantity less the in-full tolerance; open otherwise, and the
      unshipped units at the order price are still owed;
    - resolved: it shipped, or its promise plus tolerance has passed without a shipment; on time: the first
      shipment left by the promise plus tolerance; days late: first shipment (or today, while unshipped and past
      the promise) less the promise; a late incident: more than `late_incident_days` of that;
    - lead time: order to last shipment, once shipped in full;
    - balance before a passed inspection: the balance was paid before any pre-shipment inspection passed;
    - deposit at risk: what was paid on an order of which nothing has shipped.
    """
    as_of = np.asarray(as_of_day, dtype=float)
    promised, first, last = _col(facts, "promised_day"), _col(facts, "first_shipped_day"), _col(facts,
                                                                                                 "last_shipped_day")
    quantity, shipped = _col(facts, "quantity"), _col(facts, "shipped_quantity")
    has_promise, has_shipped = ~np.isnan(promised), ~np.isnan(first)
    in_full = shipped >= quantity * (1 - tol.in_full_share)
    open_ = shipped < quantity * (1 - tol.in_full_share)
    reference_day = np.where(has_shipped, first, as_of)
    out = {
        "is_shipped_in_full": in_full,
        "is_open": open_,
        "unshipped_value": np.where(open_, np.maximum(quantity - shipped, 0) * _col(facts, "unit_price"), 0.0),
        "is_resolved": has_promise & (has_shipped | (promised + tol.on_time_days < as_of)),
        "is_on_time": has_promise & has_shipped & shipped_on_time(first, promised, tol),
        "days_late": np.where(has_promise & (has_shipped | (promised < as_of)), reference_day - promised, np.nan),
        "lead_time_days": np.where(in_full, last - _col(facts, "ordered_day"), np.nan),
        "is_late_incident": is_late_incident(first, promised, as_of, tol.late_incident_days),
    }
    if "on_time_quantity" in facts:
        out["is_otif"] = has_promise & (_col(facts, "on_time_quantity") >= quantity * (1 - tol.in_full_share))
    out["is_balance_before_psi_pass"] = is_balance_before_psi_pass(facts["balance_paid_day"], facts["psi_passed_day"])
    out["deposit_at_risk"] = np.where(shipped == 0, _col(facts, "paid_amount"), 0.0)
    return {c: out[c] for c in STATUS_COLUMNS if c in out}


def lot_judgement(passed_psi, delivered_day, delivered_quantity, defect_return_units, aql_major, as_of_day,
                  maturity_days: int) -> dict[str, np.ndarray]:
    """Whether inspected lots are mature and escaped, as of `as_of_day` (a day number, or one per lot).

    Mature: delivered (its last delivery) at least `maturity_days` ago, so field returns have had time to come back.
    Field defect rate: defect-coded returned units over delivered units (NaN when nothing was delivered).
    Escape: the lot passed its first pre-shipment inspection, is mature, and its field defect rate is above the
    inspection's major AQL (per cent).
    """
    delivered_day, delivered = np.asarray(delivered_day, dtype=float), np.asarray(delivered_quantity, dtype=float)
    defects = np.asarray(defect_return_units, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(delivered > 0, defects / np.where(delivered > 0, delivered, 1.0), np.nan)
    mature = ~np.isnan(delivered_day) & (delivered_day <= np.asarray(as_of_day, dtype=float) - maturity_days)
    with np.errstate(invalid="ignore"):
        above = rate > np.asarray(aql_major, dtype=float) / 100.0  # NaN rate or AQL: not above
    escape = np.asarray(passed_psi, dtype=bool) & mature & above
    return {"field_defect_rate": rate, "is_mature": mature, "is_escape": escape}
