"""Landed cost per shipment and purchase order, with shipment charges allocated to PO lines to the cent.

Python rather than SQL because duties, MPF and HMF come from the dated reference rules in
`models.landed_cost` (the same code the worked examples test), and allocation needs `models.allocation`'s
largest-remainder method. Formulas and choices: docs/landed-cost.md ("Landed-cost and margin marts").
"""

from __future__ import annotations

import os
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import duckdb
import numpy as np
import pandas as pd

from models.allocation import allocate_frame, to_cents
from models.landed_cost import (
    compare_duty,
    dutiable_value,
    duty_rate,
    hmf,
    incoterm_rule,
    mpf,
)
from pipelines.frames import write_frame

INPUTS = [
    "staging.shipments",
    "staging.purchase_orders",
    "staging.products",
    "staging.suppliers",
    "staging.inspections",
    "staging.sales",
    "staging.quality_costs",
    "marts.po_status",
    "raw.shipments",
]
OUTPUTS = [
    "marts.landed_cost_po",
    "marts.landed_cost_shipment",
    "marts.unallocated_costs",
    "marts.margin_leakage_quality_costs",
]

BASES = ("value", "weight", "volume", "quantity")
# The allocation basis is a setting: SUPPLIER_RISK_ALLOCATION_BASIS overrides the default (value, as the issue asks).
BASIS_ENV = "SUPPLIER_RISK_ALLOCATION_BASIS"
DEFAULT_BASIS = "value"
SHIPMENT_CHARGES = ("freight", "insurance", "duty", "fees")
QUALITY_KINDS = ("rework", "relabel", "chargeback", "expedite_freight", "write_off", "sorting", "reinspection")


def allocation_basis() -> str:
    """The configured allocation basis (value, weight, volume or quantity)."""
    basis = os.environ.get(BASIS_ENV, DEFAULT_BASIS).strip().lower()
    if basis not in BASES:
        raise ValueError(f"{BASIS_ENV} must be one of {BASES}, got {basis!r}")
    return basis


def _money(x: float | None) -> float | None:
    return None if x is None or pd.isna(x) else to_cents(x) / 100


def _try(fn, *args):
    """Call a reference rule; a date or code the tables do not cover gives None (reported, never a made-up 0)."""
    try:
        return fn(*args)
    except (LookupError, ValueError):
        return None


@lru_cache(maxsize=65536)
def _rate(hs_code: str, origin: str, on: date):
    """duty_rate, cached per (code, origin, date): thousands of shipments share a handful of lookups."""
    return _try(duty_rate, hs_code, origin, on)


def _duty(dutiable: float, hs_code: str, origin: str, on: date) -> float | None:
    """models.landed_cost.duty_amount on the cached rate: each component rounded to cents, then summed."""
    rate = _rate(hs_code, origin, on)
    if rate is None:
        return None
    cents = Decimal("0.01")
    return float(sum((Decimal(str(dutiable)) * Decimal(str(c.rate_pct)) / 100).quantize(cents, ROUND_HALF_UP)
                     for c in rate.components))


def _entry_date(eta_on, delivered_on, shipped_on):
    """Date the duty rates are read on: arrival (eta_on), else warehouse delivery, else shipment.

    Duty applies at the date of entry, when the goods arrive for customs, which comes before delivery to the
    warehouse; a tariff change between the two must not be charged. docs/landed-cost.md, "Per shipment".
    """
    for on in (eta_on, delivered_on, shipped_on):
        if on is not None and not pd.isna(on):
            return on
    return None


def shipment_costs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per shipment: dutiable value, duty (paid / computed), MPF, HMF, fees and what the buyer bears."""
    ship = con.execute("""
        select
            shipments.shipment_id, shipments.po_id, purchase_orders.supplier_id, purchase_orders.sku,
            purchase_orders.incoterm, purchase_orders.unit_price, purchase_orders.ordered_on, shipments.mode,
            shipments.shipped_on, shipments.eta_on, shipments.delivered_on, shipments.quantity, shipments.freight_cost,
            shipments.insurance_cost, shipments.duty_paid, raw_fees.other_fees as fees_paid,
            products.hs_code, products.origin_country, products.unit_weight_kg, products.unit_volume_m3,
        from staging.shipments as shipments
        inner join staging.purchase_orders as purchase_orders on shipments.po_id = purchase_orders.po_id
        inner join staging.products as products on purchase_orders.sku = products.sku
        left join (select trim(shipment_id) as shipment_id, other_fees from raw.shipments) as raw_fees
            on shipments.shipment_id = raw_fees.shipment_id
        order by shipments.shipment_id
    """).df()
    rows = []
    for r in ship.itertuples(index=False):
        rule = incoterm_rule(r.incoterm)
        entry_on = pd.Timestamp(_entry_date(r.eta_on, r.delivered_on, r.shipped_on)).date()
        goods = to_cents(r.quantity * Decimal(str(r.unit_price))) / 100
        # A recorded freight/insurance on a term whose price contains it is the invoice's own component:
        # deducted from the dutiable value and not added again (it is already in the goods value).
        freight_in_invoice = r.freight_cost if rule.invoice_includes_freight else 0.0
        insurance_in_invoice = r.insurance_cost if rule.invoice_includes_insurance else 0.0
        dutiable = _try(dutiable_value, goods, r.incoterm, freight_in_invoice, insurance_in_invoice)
        computed = None
        if dutiable is not None and r.hs_code is not None and not pd.isna(r.hs_code):
            computed = _duty(dutiable, r.hs_code, r.origin_country, entry_on)
        paid = None if pd.isna(r.duty_paid) else float(r.duty_paid)
        if paid is not None:
            duty, duty_source = paid, "paid"
        elif not rule.buyer_pays_import_duty:
            duty, duty_source = 0.0, "in_price"
        elif computed is not None:
            duty, duty_source = computed, "computed"
        else:
            duty, duty_source = 0.0, "unknown"
        mpf_c = _try(mpf, dutiable, entry_on) if dutiable is not None else None
        hmf_c = _try(hmf, dutiable, r.mode, entry_on) if dutiable is not None else None
        fees_paid = None if pd.isna(r.fees_paid) else float(r.fees_paid)
        # other_fees, when given, is what was paid for brokerage, MPF, HMF and port fees: it replaces the computed
        # MPF/HMF (shown beside it) so they are never counted twice.
        if fees_paid is not None:
            fees, fees_source = fees_paid, "paid"
        elif not rule.buyer_pays_import_duty:
            fees, fees_source = 0.0, "in_price"
        elif mpf_c is not None and hmf_c is not None:
            fees, fees_source = mpf_c + hmf_c, "computed"
        else:
            fees, fees_source = 0.0, "unknown"
        check = compare_duty(computed, paid) if computed is not None else None
        rate_on_order = None
        if r.hs_code is not None and not pd.isna(r.hs_code):
            rate = _rate(r.hs_code, r.origin_country, pd.Timestamp(r.ordered_on).date())
            rate_on_order = None if rate is None else rate.total_pct
        rows.append({
            "shipment_id": r.shipment_id, "po_id": r.po_id, "supplier_id": r.supplier_id, "sku": r.sku,
            "incoterm": r.incoterm, "mode": r.mode, "shipped_on": r.shipped_on, "delivered_on": r.delivered_on,
            "entry_on": entry_on, "quantity": int(r.quantity), "goods_value": goods,
            "freight_cost": float(r.freight_cost), "insurance_cost": float(r.insurance_cost),
            "freight": 0.0 if rule.invoice_includes_freight else float(r.freight_cost),
            "insurance": 0.0 if rule.invoice_includes_insurance else float(r.insurance_cost),
            "dutiable_value": dutiable, "duty_rate_pct": None if computed is None else
            _rate(r.hs_code, r.origin_country, entry_on).total_pct,
            "duty_rate_on_order_pct": rate_on_order,
            "duty_paid": paid, "duty_computed": computed, "duty": duty, "duty_source": duty_source,
            "duty_status": "not_computable" if check is None else check.status,
            "duty_variance": None if check is None else check.difference,
            "mpf_computed": mpf_c, "hmf_computed": hmf_c, "fees_paid": fees_paid, "fees": _money(fees),
            "fees_source": fees_source,
            "unit_weight_kg": r.unit_weight_kg, "unit_volume_m3": r.unit_volume_m3,
        })
    out = pd.DataFrame(rows)
    if out.empty:
        out = pd.DataFrame(columns=[*rows_columns()])
    return out


def rows_columns() -> list[str]:
    """Columns of marts.landed_cost_shipment (used for an empty table)."""
    return ["shipment_id", "po_id", "supplier_id", "sku", "incoterm", "mode", "shipped_on", "delivered_on",
            "entry_on", "quantity", "goods_value", "freight_cost", "insurance_cost", "freight", "insurance",
            "dutiable_value", "duty_rate_pct", "duty_rate_on_order_pct", "duty_paid", "duty_computed", "duty",
            "duty_source", "duty_status", "duty_variance", "mpf_computed", "hmf_computed", "fees_paid", "fees",
            "fees_source", "unit_weight_kg", "unit_volume_m3"]


def _weight(frame: pd.DataFrame, basis: str) -> pd.Series:
    if basis == "value":
        return frame["goods_value"].astype(float)
    if basis == "quantity":
        return frame["quantity"].astype(float)
    per_unit = frame["unit_weight_kg" if basis == "weight" else "unit_volume_m3"].astype(float)
    return frame["quantity"].astype(float) * per_unit


def allocate_shipment_charges(ship: pd.DataFrame, basis: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split each shipment charge over the PO lines it carries; returns (allocated lines, unallocated charges).

    In this contract a shipment carries one PO line, so each charge lands on that line whole unless its weight
    on the chosen basis is zero or missing (e.g. no unit weight with basis=weight): then the charge is reported.
    """
    lines = ship[["shipment_id", "po_id", "quantity", "goods_value", "unit_weight_kg", "unit_volume_m3"]].copy()
    lines["weight"] = _weight(lines, basis)
    parts, unallocated = [], []
    for charge in SHIPMENT_CHARGES:
        frame = lines.assign(charge=charge, amount=ship[charge].astype(float), group=ship["shipment_id"])
        frame = frame[frame["amount"] != 0]
        if frame.empty:
            continue
        result = allocate_frame(frame, "amount", "group", "weight", fallback="report")
        frame = frame.assign(allocated=result.allocated.to_numpy())
        parts.append(frame[["shipment_id", "po_id", "charge", "amount", "allocated"]])
        for rep in result.unallocated.itertuples(index=False):
            unallocated.append({"source_table": "shipments", "source_id": rep.group, "charge": charge,
                                "amount": float(rep.amount), "basis": basis, "reason": rep.reason})
    allocated = (pd.concat(parts, ignore_index=True) if parts
                 else pd.DataFrame(columns=["shipment_id", "po_id", "charge", "amount", "allocated"]))
    return allocated, pd.DataFrame(unallocated, columns=["source_table", "source_id", "charge", "amount", "basis",
                                                         "reason"])


def allocate_quality_costs(con: duckdb.DuckDBPyConnection, basis: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quality costs per supplier, SKU, month and kind; a cost without a PO is split over the supplier's SKUs.

    The weights are that month's sales of each of the supplier's SKUs on the basis (value = gross revenue,
    quantity = units, weight/volume = units x unit weight/volume). A cost that cannot be split (no sales that
    month) keeps sku = NULL in margin_leakage and is listed in unallocated_costs.
    """
    costs = con.execute("""
        select
            quality_costs.cost_id,
            coalesce(quality_costs.supplier_id, purchase_orders.supplier_id) as supplier_id,
            purchase_orders.sku,
            cast(date_trunc('month', quality_costs.incurred_on) as date) as month_on,
            quality_costs.kind,
            quality_costs.amount,
        from staging.quality_costs as quality_costs
        left join staging.purchase_orders as purchase_orders on quality_costs.po_id = purchase_orders.po_id
        order by quality_costs.cost_id
    """).df()
    sales = con.execute("""
        select
            products.supplier_id, sales.sku, sales.month_on,
            sum(sales.gross_revenue) as value,
            sum(sales.units_sold) as quantity,
            sum(sales.units_sold * products.unit_weight_kg) as weight,
            sum(sales.units_sold * products.unit_volume_m3) as volume,
        from staging.sales as sales
        inner join staging.products as products on sales.sku = products.sku
        group by all
        order by sales.sku
    """).df()
    direct = costs[costs["sku"].notna()].assign(allocated=lambda d: d["amount"].astype(float))
    loose = costs[costs["sku"].isna()].drop(columns="sku")
    unallocated: list[dict] = []
    split = pd.DataFrame(columns=[*direct.columns])
    if not loose.empty:
        cand = loose.merge(sales, on=["supplier_id", "month_on"], how="left")
        cand["weight"] = cand[basis].astype(float)
        has_line = cand["sku"].notna()
        result = allocate_frame(cand[has_line], "amount", "cost_id", "weight", fallback="report")
        split = cand[has_line].assign(allocated=result.allocated.to_numpy())
        failed = set(result.unallocated["group"]) | set(cand.loc[~has_line, "cost_id"])
        split = split[~split["cost_id"].isin(failed)]
        for cost in loose[loose["cost_id"].isin(failed)].itertuples(index=False):
            unallocated.append({"source_table": "quality_costs", "source_id": cost.cost_id, "charge": cost.kind,
                                "amount": float(cost.amount), "basis": basis,
                                "reason": "no PO and no sales of the supplier's SKUs that month to split it by; "
                                          "kept in margin_leakage with sku = NULL"})
            split = pd.concat([split, pd.DataFrame([{**cost._asdict(), "sku": None,
                                                     "allocated": float(cost.amount)}])], ignore_index=True)
    cols = ["cost_id", "supplier_id", "sku", "month_on", "kind", "allocated"]
    every = pd.concat([direct[cols], split[cols]], ignore_index=True)
    out = (every.groupby(["supplier_id", "sku", "month_on", "kind"], dropna=False, as_index=False)["allocated"]
           .sum().rename(columns={"allocated": "amount"}))
    out["amount"] = out["amount"].map(_money)
    return out, pd.DataFrame(unallocated, columns=["source_table", "source_id", "charge", "amount", "basis",
                                                   "reason"])


def landed_cost_po(con: duckdb.DuckDBPyConnection, ship: pd.DataFrame, allocated: pd.DataFrame,
                   basis: str) -> pd.DataFrame:
    """One row per purchase order: landed components, totals, per-unit cost and quote-to-landed variance."""
    pos = con.execute("""
        select
            po_status.po_id, po_status.supplier_id, suppliers.supplier_type, po_status.sku, products.category,
            purchase_orders.incoterm, po_status.ordered_on, po_status.quantity, po_status.unit_price,
            po_status.shipment_count, po_status.shipped_quantity as units_shipped,
            po_status.delivered_quantity as units_received, po_status.first_shipped_on, po_status.last_delivered_on,
            po_status.is_open,
            coalesce(inspected.inspection_cost, 0) as inspection_cost,
        from marts.po_status as po_status
        inner join staging.purchase_orders as purchase_orders on po_status.po_id = purchase_orders.po_id
        inner join staging.products as products on po_status.sku = products.sku
        inner join staging.suppliers as suppliers on po_status.supplier_id = suppliers.supplier_id
        left join (select po_id, sum(cost) as inspection_cost from staging.inspections group by po_id) as inspected
            on po_status.po_id = inspected.po_id
        order by po_status.po_id
    """).df()
    charges = (allocated.pivot_table(index="po_id", columns="charge", values="allocated", aggfunc="sum")
               .reindex(columns=list(SHIPMENT_CHARGES)) if not allocated.empty
               else pd.DataFrame(columns=list(SHIPMENT_CHARGES)))
    unalloc = allocated[allocated["allocated"].isna()].groupby("po_id").size() if not allocated.empty else pd.Series()
    df = pos.merge(charges.fillna(0.0), left_on="po_id", right_index=True, how="left")
    for c in SHIPMENT_CHARGES:
        df[c] = df[c].fillna(0.0).map(_money)
    df["has_unallocated_costs"] = df["po_id"].isin(unalloc.index)

    per_po = pd.DataFrame(columns=["dutiable_value", "duty_source", "duty_paid", "duty_computed", "mpf_computed",
                                   "hmf_computed", "fees_paid", "fees_source"])
    if not ship.empty:
        g = ship.groupby("po_id")
        n = g.size()

        def all_or_none(col: str) -> pd.Series:
            # A PO total is only known when every shipment's part is known.
            return g[col].sum(min_count=1).where(g[col].count() == n)

        per_po = pd.DataFrame({
            "dutiable_value": all_or_none("dutiable_value"),
            "duty_source": g["duty_source"].agg(lambda s: s.iloc[0] if s.nunique() == 1 else "mixed"),
            "duty_paid": g["duty_paid"].sum(min_count=1),
            "duty_computed": all_or_none("duty_computed"),
            "mpf_computed": all_or_none("mpf_computed"),
            "hmf_computed": all_or_none("hmf_computed"),
            "fees_paid": g["fees_paid"].sum(min_count=1),
            "fees_source": g["fees_source"].agg(lambda s: s.iloc[0] if s.nunique() == 1 else "mixed"),
        })
    # Duty check over the shipments whose duty was both paid and computable.
    both = ship[ship["duty_paid"].notna() & ship["duty_computed"].notna()] if not ship.empty else ship
    checked = both.groupby("po_id").agg(paid=("duty_paid", "sum"), computed=("duty_computed", "sum"))
    df = df.merge(per_po, left_on="po_id", right_index=True, how="left")
    df = df.merge(checked, left_on="po_id", right_index=True, how="left")
    status, variance, variance_pct = [], [], []
    for r in df.itertuples(index=False):
        if pd.isna(r.paid):
            status.append("not_paid_known" if r.shipment_count else None)
            variance.append(None)
            variance_pct.append(None)
            continue
        check = compare_duty(r.computed, r.paid)
        status.append(check.status)
        variance.append(check.difference)
        variance_pct.append(check.difference_pct)
    df["duty_status"], df["duty_variance"], df["duty_variance_pct"] = status, variance, variance_pct
    df = df.drop(columns=["paid", "computed"])
    for c in ("dutiable_value", "duty_paid", "duty_computed", "mpf_computed", "hmf_computed", "fees_paid"):
        df[c] = df[c].map(_money)

    df["goods_value"] = [to_cents(q * Decimal(str(p))) / 100 for q, p in zip(df["quantity"], df["unit_price"])]
    cents = sum(df[c].map(to_cents) for c in ("goods_value", "freight", "insurance", "duty", "fees",
                                              "inspection_cost"))
    df["landed_total"] = cents / 100
    # Landed: shipped in full (po_status tolerance) and every shipment delivered; before that a per-unit figure
    # would spread the whole PO's goods value over part of its units.
    df["is_landed"] = (~df["is_open"]) & (df["units_received"] > 0) & (df["units_received"] == df["units_shipped"])
    df["delivery_month"] = pd.to_datetime(df["last_delivered_on"]).dt.to_period("M").dt.to_timestamp().dt.date
    df.loc[~df["is_landed"], "delivery_month"] = None
    per_unit = [round(float(Decimal(int(t)) / 100 / int(u)), 6) if landed else None
                for t, u, landed in zip(cents, df["units_received"], df["is_landed"])]
    df["landed_cost_per_unit"] = per_unit
    # What the brand planned: the quoted unit price, plus duty at the rates in force on the order date on the same
    # dutiable value per unit (0 when the Incoterm puts duty on the seller), plus the logistics cost per unit it
    # already knew from earlier landed orders (expected_logistics_per_unit). Expedited freight, holds, tariff
    # changes and short shipments therefore show up as the quote-to-landed variance, not normal freight.
    rate_on_order = ship.groupby("po_id")["duty_rate_on_order_pct"].first() if not ship.empty else pd.Series()
    dut_per_unit = (ship.groupby("po_id")["dutiable_value"].sum() / ship.groupby("po_id")["quantity"].sum()
                    if not ship.empty else pd.Series())
    products = {sku: (hs, origin) for sku, hs, origin in
                con.execute("select sku, hs_code, origin_country from staging.products").fetchall()}
    planned = []
    for r in df.itertuples(index=False):
        rule = incoterm_rule(r.incoterm)
        rate = rate_on_order.get(r.po_id)
        if rate is None or pd.isna(rate):
            rate = _po_rate(products, r.sku, r.ordered_on)
        base = dut_per_unit.get(r.po_id)
        base = float(r.unit_price) if base is None or pd.isna(base) else float(base)
        duty_pu = base * rate / 100 if (rule.buyer_pays_import_duty and rate is not None) else 0.0
        planned.append(float(r.unit_price) + duty_pu)
    expected, basis_used = expected_logistics_per_unit(df, cents)
    planned = [round(p + e, 6) for p, e in zip(planned, expected)]
    df["expected_logistics_per_unit"] = [round(e, 6) for e in expected]
    df["expected_logistics_basis"] = basis_used
    df["quoted_landed_cost_per_unit"] = planned
    df["quote_to_landed_variance"] = [None if a is None else round(a - q, 6)
                                      for a, q in zip(df["landed_cost_per_unit"], planned)]
    df["quote_to_landed_variance_pct"] = [None if a is None else round((a - q) / q * 100, 6)
                                          for a, q in zip(df["landed_cost_per_unit"], planned)]
    df["allocation_basis"] = basis
    cols = ["po_id", "supplier_id", "supplier_type", "sku", "category", "incoterm", "ordered_on", "quantity",
            "unit_price", "goods_value", "shipment_count", "units_shipped", "units_received", "first_shipped_on",
            "last_delivered_on", "delivery_month", "is_landed", "freight", "insurance", "dutiable_value", "duty",
            "duty_source", "duty_paid", "duty_computed", "duty_status", "duty_variance", "duty_variance_pct",
            "mpf_computed", "hmf_computed", "fees_paid", "fees", "fees_source", "inspection_cost", "landed_total",
            "landed_cost_per_unit", "expected_logistics_per_unit", "expected_logistics_basis",
            "quoted_landed_cost_per_unit", "quote_to_landed_variance",
            "quote_to_landed_variance_pct", "has_unallocated_costs", "allocation_basis"]
    return df[cols]


def expected_logistics_per_unit(df: pd.DataFrame, landed_cents: pd.Series) -> tuple[list[float], list[str]]:
    """Logistics cost per unit known when each PO was ordered: from earlier landed POs, point-in-time.

    Logistics = landed total − goods value − duty: freight, insurance, fees and inspection (duty is planned
    separately, at the order date's rates). The basis is the same SKU's POs landed (last delivery) strictly before
    the order date; else the same supplier's; else none (0, so a first order's whole logistics cost is variance:
    nothing was known yet).
    """
    logistics = (landed_cents - df["goods_value"].map(to_cents) - df["duty"].map(to_cents)) / 100
    hist = pd.DataFrame({"sku": df["sku"], "supplier_id": df["supplier_id"], "logistics": logistics,
                         "units": df["units_received"], "landed_on": pd.to_datetime(df["last_delivered_on"]),
                         "is_landed": df["is_landed"]})
    hist = hist[hist["is_landed"] & (hist["units"] > 0)]
    ordered_on = pd.to_datetime(df["ordered_on"])

    def known_before(key: str) -> pd.Series:
        """Σ logistics / Σ units over `key`'s POs landed strictly before each PO's order date."""
        out = pd.Series(np.nan, index=df.index)
        for value, h in hist.sort_values("landed_on").groupby(key):
            mask = (df[key] == value).to_numpy()
            if not mask.any():
                continue
            dates = h["landed_on"].to_numpy()
            cum_cost, cum_units = np.cumsum(h["logistics"].to_numpy()), np.cumsum(h["units"].to_numpy())
            idx = np.searchsorted(dates, ordered_on[mask].to_numpy(), side="left")  # strictly before
            known = idx > 0
            vals = np.full(mask.sum(), np.nan)
            vals[known] = cum_cost[idx[known] - 1] / cum_units[idx[known] - 1]
            out[mask] = vals
        return out

    by_sku, by_supplier = known_before("sku"), known_before("supplier_id")
    expected = by_sku.fillna(by_supplier).fillna(0.0)
    basis = np.where(by_sku.notna(), "sku_history", np.where(by_supplier.notna(), "supplier_history", "none"))
    return expected.tolist(), basis.tolist()


def _po_rate(products: dict[str, tuple[str | None, str]], sku: str, ordered_on) -> float | None:
    hs, origin = products[sku]
    if hs is None:
        return None
    rate = _rate(hs, origin, pd.Timestamp(ordered_on).date())
    return None if rate is None else rate.total_pct


def _write(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, sql_types: dict[str, str]) -> None:
    """Create `table` from `frame` with explicit column types (so an empty frame still has the right schema)."""
    write_frame(con, table, frame, types={c: sql_types.get(c, "varchar") for c in frame.columns})


MONEY = "decimal(18, 2)"
UNIT = "decimal(18, 6)"


def run(con: duckdb.DuckDBPyConnection, context) -> None:
    """Build the landed-cost tables and the allocated quality costs the margin-leakage mart reads."""
    basis = allocation_basis()
    ship = shipment_costs(con)
    allocated, unalloc_ship = allocate_shipment_charges(ship, basis)
    po = landed_cost_po(con, ship, allocated, basis)
    quality, unalloc_quality = allocate_quality_costs(con, basis)
    money = {c: MONEY for c in ("goods_value", "freight_cost", "insurance_cost", "freight", "insurance",
                                "dutiable_value", "duty_paid", "duty_computed", "duty", "duty_variance",
                                "mpf_computed", "hmf_computed", "fees_paid", "fees", "inspection_cost",
                                "landed_total", "amount", "unit_price")}
    types = {**money, "ordered_on": "date", "first_shipped_on": "date", "last_delivered_on": "date",
             "delivery_month": "date", "shipped_on": "date", "delivered_on": "date", "entry_on": "date",
             "month_on": "date", "quantity": "bigint", "shipment_count": "bigint", "units_shipped": "bigint",
             "units_received": "bigint", "is_landed": "boolean", "has_unallocated_costs": "boolean",
             "landed_cost_per_unit": UNIT, "quoted_landed_cost_per_unit": UNIT, "quote_to_landed_variance": UNIT,
             "quote_to_landed_variance_pct": "double", "duty_variance_pct": "double", "duty_rate_pct": "double",
             "duty_rate_on_order_pct": "double", "unit_weight_kg": "double", "unit_volume_m3": "double"}
    _write(con, "marts.landed_cost_po", po, types)
    _write(con, "marts.landed_cost_shipment", ship[rows_columns()] if not ship.empty else
           pd.DataFrame(columns=rows_columns()), types)
    unallocated = pd.concat([unalloc_ship, unalloc_quality], ignore_index=True)
    _write(con, "marts.unallocated_costs", unallocated, types)
    _write(con, "marts.margin_leakage_quality_costs", quality.rename(columns={"month_on": "month"}),
           {**types, "month": "date"})
    context.log(f"    landed cost: {int(po['is_landed'].sum())} landed POs, basis {basis}, "
                f"{len(unallocated)} unallocated charge(s)")


__all__ = ["run", "allocation_basis", "shipment_costs", "allocate_shipment_charges", "allocate_quality_costs",
           "landed_cost_po", "BASES", "DEFAULT_BASIS", "BASIS_ENV"]
