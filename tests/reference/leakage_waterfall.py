"""Test-only reference: the leakage waterfall of one scope (SKU, supplier, period) worked in exact cent arithmetic,
the independent Python the margin-leakage marts (pipelines/sql/marts/margin_leakage*.sql) are tested against
(tests/pipelines/test_margin_leakage.py). Not product code: the product's waterfall is the SQL mart; moved here from
models/landed_cost.py (#14), where nothing but tests used it. Never imported by pipelines/, models/ or dashboard/.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from models.landed_cost import QUALITY_COST_KINDS, WRITE_OFF_KIND, load_return_reasons
from reference.landed_cost_one import _cents
from reference.landed_cost_one import supplier_attributable_reasons



@dataclass(frozen=True)
class LeakageWaterfall:
    """Planned contribution, signed leakage steps, realised contribution, and the non-supplier returns figure."""

    steps: list[tuple[str, float]]  # first = planned_contribution, last = realised_contribution
    non_supplier_returns: float  # cost of returns not attributable to the supplier (positive), kept outside
    is_balanced: bool  # planned + every middle step == realised, to the cent

    @property
    def planned(self) -> float:
        """Planned contribution (first step)."""
        return self.steps[0][1]

    @property
    def realised(self) -> float:
        """Realised contribution after supplier-attributable leakage (last step)."""
        return self.steps[-1][1]

    @property
    def supplier_leakage(self) -> float:
        """Total supplier-attributable leakage as a positive amount (planned - realised)."""
        return float(_cents(self.planned) - _cents(self.realised))

    def as_dict(self) -> dict[str, float]:
        """Steps as an ordered name -> amount mapping."""
        return dict(self.steps)


def leakage_waterfall(
    gross_revenue: float,
    units_sold: int,
    quoted_landed_cost_per_unit: float,
    actual_landed_cost_per_unit: float,
    marketplace_fees: float,
    returns: Iterable[Mapping[str, object]] = (),
    quality_costs: Mapping[str, float] | None = None,
    return_fee_per_unit: float = 0.0,
    supplier_reasons: Iterable[str] | None = None,
    ref_dir: str | Path | None = None,
    duty_refunds_received: float = 0.0,
) -> LeakageWaterfall:
    """Bridge planned to realised contribution for one scope (SKU, supplier, period) with exact cent arithmetic.

    Every input amount is first rounded to cents (half up); per-unit products are rounded to cents once, on
    the total. Steps (costs negative):
      planned_contribution  = gross_revenue - units_sold x quoted_landed_cost_per_unit - marketplace_fees
      landed_cost_overrun   = -(units_sold x actual_landed_cost_per_unit - units_sold x quoted_landed_cost_per_unit)
      duty_refunds_received = +duty refunds received in the scope (e.g. IEEPA duties paid back): recovered leakage
      refunds_and_return_fees = -sum over supplier-attributable returns of (refund_amount + quantity x return_fee)
      unsellable_write_offs = -(unsellable supplier-attributable units x actual_landed_cost_per_unit)
                              - quality_costs['write_off']
      <kind> for each of QUALITY_COST_KINDS = -quality_costs[kind]   (always present, 0.0 when absent)
      realised_contribution = the sum of all the above
    `returns` rows use the contract's columns: reason, quantity, refund_amount (default 0), disposition
    ('unsellable' counts for write-off). Returns whose reason is not supplier-attributable go, with the same
    formula (refund + fee + unsellable write-off), to `non_supplier_returns` and never into the steps.
    """
    quality_costs = dict(quality_costs or {})
    unknown = set(quality_costs) - set(QUALITY_COST_KINDS) - {WRITE_OFF_KIND}
    if unknown:
        raise ValueError(f"unknown quality-cost kinds: {sorted(unknown)}")
    reasons = frozenset(supplier_reasons) if supplier_reasons is not None else supplier_attributable_reasons(ref_dir)
    known_reasons = set(load_return_reasons(ref_dir)) if supplier_reasons is None else None

    quoted = Decimal(str(quoted_landed_cost_per_unit))
    actual = Decimal(str(actual_landed_cost_per_unit))
    fee = Decimal(str(return_fee_per_unit))
    quoted_cogs = _cents(quoted * units_sold)
    actual_cogs = _cents(actual * units_sold)

    planned = _cents(gross_revenue) - quoted_cogs - _cents(marketplace_fees)
    overrun = -(actual_cogs - quoted_cogs)

    sup_refunds = sup_unsellable_units = Decimal("0")
    non_sup = Decimal("0")
    for row in returns:
        reason = str(row["reason"]).strip().lower()
        if known_reasons is not None and reason not in known_reasons:
            raise ValueError(f"return reason {reason!r} is not in return_reasons.csv")
        qty = int(row["quantity"])  # type: ignore[arg-type]
        refund = _cents(float(row.get("refund_amount") or 0.0))  # type: ignore[arg-type]
        unsellable = qty if str(row.get("disposition") or "").strip().lower() == "unsellable" else 0
        cost = refund + _cents(fee * qty)
        if reason in reasons:
            sup_refunds += cost
            sup_unsellable_units += unsellable
        else:
            non_sup += cost + _cents(actual * unsellable)

    write_offs = -(_cents(actual * sup_unsellable_units) + _cents(quality_costs.get(WRITE_OFF_KIND, 0.0)))
    if duty_refunds_received < 0 or math.isnan(duty_refunds_received):
        raise ValueError("duty_refunds_received must be >= 0")
    recovered = _cents(duty_refunds_received)
    steps: list[tuple[str, Decimal]] = [
        ("planned_contribution", planned),
        ("landed_cost_overrun", overrun),
        ("duty_refunds_received", recovered),
        ("refunds_and_return_fees", -sup_refunds),
        ("unsellable_write_offs", write_offs),
    ]
    steps += [(kind, -_cents(quality_costs.get(kind, 0.0))) for kind in QUALITY_COST_KINDS]
    realised = sum((amount for _, amount in steps), Decimal("0"))

    # Independent recomputation from the inputs, so the check can fail if a step is mis-signed or dropped.
    direct = (_cents(gross_revenue) - actual_cogs - _cents(marketplace_fees) + recovered - sup_refunds
              - _cents(actual * sup_unsellable_units)
              - sum((_cents(v) for v in quality_costs.values()), Decimal("0")))
    steps.append(("realised_contribution", realised))
    return LeakageWaterfall(
        steps=[(name, float(amount)) for name, amount in steps],
        non_supplier_returns=float(non_sup),
        is_balanced=(realised == direct),
    )
