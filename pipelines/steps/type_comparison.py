"""Trader vs factory: per-supplier landed cost, leakage, margin, defect returns and on-time rate, with bootstrap
intervals per supplier type and category, and the difference trading company - manufacturer.

Python because the intervals come from `models.landed_cost.bootstrap_mean_ci` / `compare_groups` (seeded; they
resample suppliers, not orders, so a supplier with many POs counts once). Formulas: docs/landed-cost.md.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd

from models.landed_cost import (
    BOOTSTRAP_CI,
    BOOTSTRAP_SAMPLES,
    BOOTSTRAP_SEED,
    bootstrap_mean_ci,
    compare_groups,
)
from pipelines.frames import read_frame, write_frame

INPUTS = [
    "marts.landed_cost_po",
    "marts.margin_leakage_wide",
    "marts.po_status",
    "marts.return_costs",
    "marts.supplier_kpis",
    "staging.suppliers",
    "staging.products",
    "staging.sales",
]
OUTPUTS = ["marts.type_comparison", "marts.type_comparison_suppliers"]
GRAIN = {  # each output's grain (supplier-risk dag, docs/tables.md)
    "marts.type_comparison": "one row per category, metric and group",
    "marts.type_comparison_suppliers": "one row per supplier and category, plus category all",
}

# Bootstrap settings: models.landed_cost's (fixed, so a rebuild of the same data gives the same intervals)
N_BOOT, CI_LEVEL, SEED = BOOTSTRAP_SAMPLES, BOOTSTRAP_CI, BOOTSTRAP_SEED
ALL = "all"
FACTORY, TRADER, DIFFERENCE = "manufacturer", "trading_company", "trader_minus_factory"
# metric -> unit; lower is better for all but realised_margin_pct and on_time_rate.
METRICS = {
    "landed_cost_index": "ratio to category median",
    "quote_to_landed_variance_pct": "percent",
    "leakage_per_unit_sold": "USD per unit sold",
    "realised_margin_pct": "percent of gross revenue",
    "defect_return_rate": "defect-coded units returned per unit sold",
    "on_time_rate": "share of resolved POs",
}


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den != 0)).astype(float)


def supplier_metrics(con: duckdb.DuckDBPyConnection, month_from: date | None = None,
                     month_to: date | None = None) -> pd.DataFrame:
    """One row per supplier and category (plus category 'all'): the six metrics, NaN where there is no data.

    `month_from` / `month_to` (first days of months, None = open) keep every measure to those months: landed cost by
    month of delivery (the category median too), leakage and margin by month of sale, return or cost, on-time by
    month of the promised ship date, defect returns by month of sale and of return. Without a period the
    supplier-wide on-time and defect-return rates are marts.supplier_kpis' own (all-time) figures."""
    period = _period_frames(con, month_from, month_to)
    out = pd.concat([_metrics_by(period, keys) for keys in (["supplier_id", "category"], ["supplier_id"])],
                    ignore_index=True)
    if month_from is not None or month_to is not None:  # supplier_kpis is all-time: a period keeps its own sums
        return _with_types(con, out)
    return _with_types(con, _with_kpi_rates(con, out))


class _PeriodFrames(NamedTuple):
    po: pd.DataFrame  # landed POs with their index to the category median
    leak: pd.DataFrame  # margin leakage per supplier and category, and per supplier (is_all)
    on_time: pd.DataFrame  # on-time rate per supplier and category, and per supplier (is_all)
    defects: pd.DataFrame  # defect-return rate per supplier and category, and per supplier (is_all)


def _period_frames(con: duckdb.DuckDBPyConnection, month_from: date | None, month_to: date | None) -> _PeriodFrames:
    """What the metrics sum, read from the marts and kept to the months from `month_from` to `month_to`."""
    window = {"month_from": month_from, "month_to": month_to}
    within = "($month_from::date is null or {0} >= $month_from::date) and " \
             "($month_to::date is null or {0} <= $month_to::date)"
    po = read_frame(con, f"""
        select supplier_id, category, units_received, landed_total, landed_cost_per_unit,
            quoted_landed_cost_per_unit * units_received as quoted_total,
        from marts.landed_cost_po where is_landed and {within.format("delivery_month")}
    """, window)
    for c in ("units_received", "landed_total", "landed_cost_per_unit", "quoted_total"):
        po[c] = po[c].astype(float)
    # Products differ in price, so a PO's unit cost is compared with the median of its category's landed POs.
    po["index"] = po["landed_cost_per_unit"] / po.groupby("category")["landed_cost_per_unit"].transform("median")
    po["index_x_units"] = po["index"] * po["units_received"]
    # the rates and the leakage per unit by their one definition (pipelines/sql/macros.sql), per supplier and
    # category and per supplier (is_all: the supplier's row over every category)
    leak = read_frame(con, f"""
        with leakage as (
            select supplier_id, coalesce(category, 'unattributed') as category, units_sold,
                units_sold_returns_recorded, gross_revenue, supplier_leakage, supplier_returns_cost,
                realised_contribution,
            from marts.margin_leakage_wide
            where {within.format("month")}
        )
        select supplier_id, category, grouping(category) = 1 as is_all, sum(units_sold) as units_sold,
            sum(gross_revenue) as gross_revenue, sum(realised_contribution) as realised_contribution,
            per_unit_sold_of(sum(supplier_leakage), sum(supplier_returns_cost), sum(units_sold),
                             sum(units_sold_returns_recorded)) as leakage_per_unit_sold,
        from leakage
        group by grouping sets ((supplier_id, category), (supplier_id))
    """, window)
    on_time = read_frame(con, f"""
        select po_status.supplier_id, products.category, grouping(products.category) = 1 as is_all,
            on_time_rate_of(po_status.is_on_time, po_status.is_resolved) as on_time_rate,
        from marts.po_status as po_status
        inner join staging.products as products on po_status.sku = products.sku
        where {within.format("date_trunc('month', po_status.promised_ship_on)")}
        group by grouping sets ((po_status.supplier_id, products.category), (po_status.supplier_id))
    """, window)
    defects = read_frame(con, f"""
        with sold as (
            select products.supplier_id, products.category, sum(sales.units_sold) as units_sold,
            from staging.sales as sales
            inner join staging.products as products on sales.sku = products.sku
            where {within.format("sales.month_on")}
                and sales.returns_recorded  -- a return rate is over the channels whose returns are recorded
            group by all
        ),
        returned as (
            select return_costs.supplier_id, products.category,
                coalesce(sum(return_costs.quantity) filter (where return_costs.is_defect_coded), 0) as defect_units,
            from marts.return_costs as return_costs
            inner join staging.products as products on return_costs.sku = products.sku
            where {within.format("return_costs.month")}
            group by all
        ),
        sold_and_returned as (
            select coalesce(sold.supplier_id, returned.supplier_id) as supplier_id,
                coalesce(sold.category, returned.category) as category,
                coalesce(sold.units_sold, 0) as units_sold, coalesce(returned.defect_units, 0) as defect_units,
            from sold
            full join returned on sold.supplier_id = returned.supplier_id and sold.category = returned.category
        )
        select supplier_id, category, grouping(category) = 1 as is_all,
            defect_return_rate_of(sum(defect_units), sum(units_sold)) as defect_return_rate,
        from sold_and_returned
        group by grouping sets ((supplier_id, category), (supplier_id))
    """, window)

    return _PeriodFrames(po, leak, on_time, defects)


def _sums(frame: pd.DataFrame, cols: list[str], keys: list[str]) -> pd.DataFrame:
    return frame.groupby(keys, as_index=False)[cols].sum(min_count=1)


def _metrics_by(period: _PeriodFrames, keys: list[str]) -> pd.DataFrame:
    """The six metrics per `keys` (supplier and category, or supplier alone: category 'all')."""
    p = _sums(period.po, ["units_received", "landed_total", "quoted_total", "index_x_units"], keys)
    p["landed_cost_index"] = _ratio(p["index_x_units"], p["units_received"])
    p["quote_to_landed_variance_pct"] = (_ratio(p["landed_total"], p["quoted_total"]) - 1) * 100
    level = "category" not in keys  # the supplier's rows over every category (the SQL's grouping set)
    lk = period.leak[period.leak["is_all"] == level].astype(
        {"units_sold": float, "gross_revenue": float, "realised_contribution": float, "leakage_per_unit_sold": float})
    lk["realised_margin_pct"] = _ratio(lk["realised_contribution"], lk["gross_revenue"]) * 100
    ot = period.on_time[period.on_time["is_all"] == level].astype({"on_time_rate": float})
    df = period.defects[period.defects["is_all"] == level].astype({"defect_return_rate": float})
    merged = (p[keys + ["landed_cost_index", "quote_to_landed_variance_pct"]]
              .merge(lk[keys + ["leakage_per_unit_sold", "realised_margin_pct", "units_sold"]], on=keys,
                     how="outer")
              .merge(ot[keys + ["on_time_rate"]], on=keys, how="outer")
              .merge(df[keys + ["defect_return_rate"]], on=keys, how="outer"))
    if "category" not in keys:
        merged["category"] = ALL
    return merged


def _with_kpi_rates(con: duckdb.DuckDBPyConnection, out: pd.DataFrame) -> pd.DataFrame:
    """The supplier-wide (category 'all') on-time and defect-return rates as marts.supplier_kpis' own figures (same
    definitions, all time)."""
    kpis = read_frame(con, "select supplier_id, on_time_rate, defect_return_rate from marts.supplier_kpis")
    overall = out["category"] == ALL
    kp = out.loc[overall, ["supplier_id"]].merge(kpis, on="supplier_id", how="left")
    out.loc[overall, "on_time_rate"] = kp["on_time_rate"].astype(float).to_numpy()
    # 0 for a supplier that sold where returns are recorded and had none; unknown for one that sold only where no
    # return is recorded (staging.sales.returns_recorded), as supplier_kpis says
    out.loc[overall, "defect_return_rate"] = kp["defect_return_rate"].astype(float).to_numpy()
    return out


def _with_types(con: duckdb.DuckDBPyConnection, out: pd.DataFrame) -> pd.DataFrame:
    """The supplier metrics with each supplier's type, in the output's columns and order."""
    # the type an audit or site visit verified, where there is one, over the declared type
    types = read_frame(con, "select supplier_id, coalesce(verified_type, supplier_type) as supplier_type "
                            "from staging.suppliers")
    out = out.merge(types, on="supplier_id", how="left")
    cols = ["supplier_id", "supplier_type", "category", "units_sold", *METRICS]
    return out[cols].sort_values(["category", "supplier_id"], kind="stable").reset_index(drop=True)


def compare(suppliers: pd.DataFrame, n_boot: int = N_BOOT, ci: float = CI_LEVEL, seed: int = SEED) -> pd.DataFrame:
    """Per category and metric: mean and interval per supplier type, and trader - factory with its interval."""
    rows = []
    for category, sub in suppliers.groupby("category", sort=True):
        for metric, unit in METRICS.items():
            values = {t: sub.loc[sub["supplier_type"] == t, metric].dropna().to_numpy(dtype=float)
                      for t in (FACTORY, TRADER)}
            base = {"category": category, "metric": metric, "unit": unit, "ci_level": ci, "n_boot": n_boot,
                    "seed": seed}
            for t, arr in values.items():
                est = bootstrap_mean_ci(arr, n_boot, ci, seed) if arr.size else None
                rows.append({**base, "supplier_type": t, "n_suppliers": int(arr.size),
                             "estimate": est.mean if est else np.nan, "ci_low": est.low if est else np.nan,
                             "ci_high": est.high if est else np.nan, "excludes_zero": None})
            both = values[TRADER].size and values[FACTORY].size
            diff = compare_groups(values[TRADER], values[FACTORY], n_boot, ci, seed) if both else None
            rows.append({**base, "supplier_type": DIFFERENCE,
                         "n_suppliers": int(values[TRADER].size + values[FACTORY].size),
                         "estimate": diff.difference if diff else np.nan, "ci_low": diff.low if diff else np.nan,
                         "ci_high": diff.high if diff else np.nan,
                         "excludes_zero": diff.excludes_zero if diff else None})
    cols = ["category", "metric", "supplier_type", "n_suppliers", "estimate", "ci_low", "ci_high", "excludes_zero",
            "unit", "ci_level", "n_boot", "seed"]
    return pd.DataFrame(rows, columns=cols)


def run(con: duckdb.DuckDBPyConnection, context) -> None:
    """Build marts.type_comparison and the per-supplier figures behind it."""
    suppliers = supplier_metrics(con)
    result = compare(suppliers)
    write_frame(con, "marts.type_comparison_suppliers", suppliers)
    write_frame(con, "marts.type_comparison", result.astype({"excludes_zero": "boolean"}), types={
        "n_suppliers": "bigint", "estimate": "double", "ci_low": "double", "ci_high": "double",
        "excludes_zero": "boolean", "n_boot": "bigint", "seed": "bigint"})
    context.log(f"    type comparison: {suppliers['supplier_id'].nunique()} suppliers, "
                f"{result['category'].nunique()} categories")


__all__ = ["run", "supplier_metrics", "compare", "METRICS", "N_BOOT", "CI_LEVEL", "SEED"]
