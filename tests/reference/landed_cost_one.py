"""Test-only reference: landed-cost rules on one invoice, one entry or one shipment, the independent re-derivations
the hand-worked tests (tests/models/test_landed_cost.py) and the landed-cost marts' tests check against.

Not product code: the product computes these on frames (models/landed_cost.py: `dutiable_values`, `entry_fees`,
`compare_duty_frame`; the landed-cost step; pipelines/sql/marts/sales_by_channel.sql for marketplace fees and
return_costs.sql for supplier-attributable returns). Moved here from models/landed_cost.py (#14), where nothing but
tests called them. Never imported by pipelines/, models/ or dashboard/.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from models.allocation import cents_array
from models.landed_cost import (
    MpfRow,
    _in_force,
    compare_duty_frame,
    dutiable_values,
    entry_fees,
    incoterm_rule,
    load_marketplace_fees,
    load_mpf,
    load_return_reasons,
    percent_of_cents,
)

CENT = Decimal("0.01")


def _cents(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def round_money(value: float) -> float:
    """Round to cents, half up (1.005 -> 1.01), as customs and marketplaces do (the product rounds in cents on
    frames: models.allocation.cents_array, models.landed_cost.percent_of_cents)."""
    return float(_cents(value))


def mpf_row(entry_date: date, ref_dir: str | Path | None = None, entry_type: str = "formal") -> MpfRow:
    """The MPF row of `entry_type` in force on `entry_date`; LookupError when the table does not cover the date."""
    hits = [r for r in _in_force(load_mpf(ref_dir), entry_date) if r.entry_type == entry_type]
    if len(hits) != 1:
        raise LookupError(f"us_mpf.csv has {len(hits)} {entry_type} rows in force on {entry_date}; expected one")
    return hits[0]


def supplier_attributable_reasons(ref_dir: str | Path | None = None) -> frozenset[str]:
    """The return reasons that count against the supplier (return_reasons.csv; the product's is return_costs.sql)."""
    return frozenset(r.reason for r in load_return_reasons(ref_dir).values() if r.is_supplier_attributable)


def dutiable_value(
    invoice_value: float,
    incoterm: str,
    freight_in_invoice: float = 0.0,
    insurance_in_invoice: float = 0.0,
    other_non_dutiable_in_invoice: float = 0.0,
    ref_dir: str | Path | None = None,
    assists: float = 0.0,
) -> float:
    """US transaction value of one invoice (`dutiable_values` on one line); ValueError with the reason if refused."""
    incoterm_rule(incoterm, ref_dir)  # KeyError for an unknown code
    for name, amount in (("freight_in_invoice", freight_in_invoice), ("insurance_in_invoice", insurance_in_invoice),
                         ("other_non_dutiable_in_invoice", other_non_dutiable_in_invoice),
                         ("invoice_value", invoice_value), ("assists", assists)):
        if amount < 0 or math.isnan(amount):
            raise ValueError(f"{name} must be >= 0, got {amount}")
    value, reason = dutiable_values(cents_array([invoice_value]), [incoterm], cents_array([freight_in_invoice]),
                                    cents_array([insurance_in_invoice]), cents_array([assists]),
                                    cents_array([other_non_dutiable_in_invoice]), ref_dir)
    if reason[0] is not None:
        raise ValueError(str(reason[0]))
    return float(value[0]) / 100


def mpf(entered_value: float, entry_date: date, ref_dir: str | Path | None = None,
        entry_type: str | None = "formal") -> float:
    """Merchandise processing fee for one entry, in USD (the frame rule of `entry_fees` on one entry).

    `entry_type="formal"` (default) prices a formal entry: clamp(rate x entered value, min, max) of the fiscal
    year; `None` lets the value decide (informal flat fee up to the informal limit). LookupError when no row of
    the type covers the date.
    """
    mpf_row(entry_date, ref_dir, entry_type or "formal")  # raises when uncovered
    fees = entry_fees(pd.DataFrame({"entry_on": [entry_date], "entered_cents": cents_array([entered_value])}),
                      ref_dir)
    if entry_type == "formal" and fees["entry_type"].iloc[0] != "formal":
        row = mpf_row(entry_date, ref_dir, "formal")
        raw = percent_of_cents(cents_array([entered_value]), [row.rate_pct])[0]
        return float(min(max(raw, round(row.min_usd * 100)), round(row.max_usd * 100))) / 100
    return float(fees["mpf_cents"].iloc[0]) / 100


@dataclass(frozen=True)
class LandedCost:
    """Landed cost of one shipment: components, total, per unit received, and variance against the quote."""

    components: dict[str, float]
    total: float
    units_received: int
    per_unit: float
    quoted_unit_price: float | None
    variance_per_unit: float | None
    variance_pct: float | None


def landed_cost_per_unit(
    goods_value: float,
    units_received: int,
    freight: float = 0.0,
    insurance: float = 0.0,
    duty: float = 0.0,
    fees: float = 0.0,
    brokerage: float = 0.0,
    inspection: float = 0.0,
    other: float = 0.0,
    quoted_unit_price: float | None = None,
) -> LandedCost:
    """(goods + freight + insurance + duty + fees + brokerage + inspection + other) / units received.

    `goods_value` is what was paid to the supplier for the goods (quantity x unit price under the PO's Incoterm);
    dividing by units *received* makes short shipments show up as a higher unit cost. When `quoted_unit_price`
    is given, variance_per_unit = per_unit - quoted_unit_price and variance_pct = variance / quoted x 100.
    """
    if units_received <= 0:
        raise ValueError("units_received must be > 0")
    components = {
        "goods": goods_value, "freight": freight, "insurance": insurance, "duty": duty, "fees": fees,
        "brokerage": brokerage, "inspection": inspection, "other": other,
    }
    for name, amount in components.items():
        if amount is None or math.isnan(amount) or amount < 0:
            raise ValueError(f"{name} must be a number >= 0, got {amount}")
    total = sum((_cents(v) for v in components.values()), Decimal("0"))
    per_unit = total / units_received
    variance = variance_pct = None
    if quoted_unit_price is not None:
        if quoted_unit_price <= 0:
            raise ValueError("quoted_unit_price must be > 0")
        variance_dec = per_unit - Decimal(str(quoted_unit_price))
        variance = round(float(variance_dec), 6)
        variance_pct = round(float(variance_dec / Decimal(str(quoted_unit_price)) * 100), 6)
    return LandedCost(
        components={k: float(_cents(v)) for k, v in components.items()},
        total=float(total),
        units_received=units_received,
        per_unit=round(float(per_unit), 6),
        quoted_unit_price=quoted_unit_price,
        variance_per_unit=variance,
        variance_pct=variance_pct,
    )


@dataclass(frozen=True)
class DutyCheck:
    """Computed vs paid duty for one shipment."""

    computed: float
    paid: float | None
    difference: float | None  # paid - computed
    difference_pct: float | None  # of computed
    status: str  # "not_paid_known", "match", "overpaid", "underpaid"


def compare_duty(
    computed: float, paid: float | None, tolerance_usd: float = 1.0, tolerance_pct: float = 1.0
) -> DutyCheck:
    """Flag the gap between computed and paid duty for one shipment (`compare_duty_frame` on one row)."""
    paid_value = np.nan if paid is None else paid
    row = compare_duty_frame([computed], [paid_value], tolerance_usd, tolerance_pct).iloc[0]
    known = row["status"] != "not_paid_known"
    return DutyCheck(round_money(computed), round_money(paid_value) if known else None,
                     float(row["difference"]) if known else None,
                     None if pd.isna(row["difference_pct"]) else float(row["difference_pct"]), str(row["status"]))


def marketplace_fee_amount(
    channel: str, gross_revenue: float, units_sold: int, ref_dir: str | Path | None = None
) -> float:
    """Expected channel fees: referral % x gross revenue + fulfilment fee x units, in cents (KeyError if unknown);
    the product computes them in pipelines/sql/marts/sales_by_channel.sql."""
    fees = load_marketplace_fees(ref_dir)
    key = (channel or "").strip().lower()
    if key not in fees:
        raise KeyError(f"no fee assumptions for channel {channel!r} in marketplace_fees.csv")
    fee = fees[key]
    referral = _cents(Decimal(str(gross_revenue)) * Decimal(str(fee.referral_fee_pct)) / 100)
    fulfilment = _cents(Decimal(str(fee.fulfilment_fee_per_unit)) * units_sold)
    return float(referral + fulfilment)
