"""An independent pandas implementation of `marts.supplier_kpis`.

It reads the raw tables and re-derives every KPI with plain pandas, so the tests can check the SQL against it
(parity). Test-only reference code: it is not used by the product.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KPI_COLUMNS = [
    "spend", "po_count", "resolved_po_count", "on_time_rate", "otif_rate", "lead_time_mean_days",
    "lead_time_sd_days", "inspected_po_count", "first_pass_rate", "critical_defect_rate", "major_defect_rate",
    "minor_defect_rate", "units_sold", "units_sold_returns_recorded", "defect_return_units", "defect_return_rate", "price_drift_pct",
    "max_price_jump_pct", "customs_hold_days", "shipments_with_hold", "doc_errors", "quality_cost_total",
    "deposit_at_risk",
]


def _returns_recorded(sales: pd.DataFrame, returns: pd.DataFrame, lag_months: int, gap_units: float,
                      reasons_units: float) -> pd.Series:
    """Per sales row, whether its returns reach the data: a channel some return names (all of them when there is no
    return, or one without a channel or with a channel no sale has: then every channel is one pool), whose returns
    give reasons (not when `reasons_units` or more returned units are in the pool and none names a reason but
    'other'), in a month the pool's returns cover. Months before the first return's month less the lag, or after
    the last's, are left out when the pool's rate over the months between would have brought at least `gap_units`
    returned units there; so is a run of consecutive months between them in which no return is dated."""
    channel = sales["channel"].str.strip().str.lower()
    month = pd.to_datetime(sales["month"] + "-01")
    ret_channel = returns["channel"].fillna("").str.strip().str.lower().replace("", np.nan)
    if returns.empty:
        return pd.Series(True, index=sales.index)
    pooled = ret_channel.isna().any() or not set(ret_channel) <= set(channel)
    pool_of_sale = pd.Series("*", index=sales.index) if pooled else channel
    pool_of_return = pd.Series("*", index=returns.index) if pooled else ret_channel
    returned_month = pd.to_datetime(returns["returned_on"]).dt.to_period("M").dt.to_timestamp()
    recorded = pool_of_sale.isin(set(pool_of_return))
    for pool in set(pool_of_return):
        mine = pool_of_return == pool
        first, last = returned_month[mine].min(), returned_month[mine].max()
        start = first - pd.DateOffset(months=lag_months)
        in_pool = pool_of_sale == pool
        reason = returns["reason"][mine].fillna("").str.strip()
        if returns["quantity"][mine].sum() >= reasons_units and not (~reason.isin(["", "other"])).any():
            recorded &= ~in_pool
            continue
        units = sales["units_sold"].where(in_pool, 0)
        in_span = units[(month >= start) & (month <= last)].sum()
        if in_span == 0:
            continue
        rate = returns["quantity"][mine].sum() / in_span
        if units[month < start].sum() * rate >= gap_units:
            recorded &= ~(in_pool & (month < start))
        if units[month > last].sum() * rate >= gap_units:
            recorded &= ~(in_pool & (month > last))
        # inside the span: runs of consecutive sales months in which no return is dated
        with_returns = set(returned_month[mine])
        months = sorted(set(month[in_pool & (month >= first) & (month <= last)]))
        quiet = [m for m in months if m not in with_returns]
        runs: list[list[pd.Timestamp]] = []
        for m in quiet:
            if runs and runs[-1][-1] + pd.DateOffset(months=1) == m:
                runs[-1].append(m)
            else:
                runs.append([m])
        for run in runs:
            if units[month.isin(run)].sum() * rate >= gap_units:
                recorded &= ~(in_pool & month.isin(run))
    return recorded


def supplier_kpis(t: dict[str, pd.DataFrame], as_of: pd.Timestamp, on_time_days: int, in_full_share: float,
                  defect_reasons: set[str], lag_months: int, gap_units: float, reasons_units: float) -> pd.DataFrame:
    """KPIs per supplier from raw tables (`t[name]` as read from the warehouse's raw schema)."""
    po = t["purchase_orders"].copy()
    sh = t["shipments"].copy()
    for frame, cols in ((po, ["ordered_on", "promised_ship_on"]), (sh, ["shipped_on", "delivered_on"])):
        for col in cols:
            frame[col] = pd.to_datetime(frame[col])
    po["order_value"] = po["quantity"] * po["unit_price"]
    tol = pd.Timedelta(days=on_time_days)

    sh = sh.merge(po[["po_id", "promised_ship_on"]], on="po_id")
    sh["on_time_qty"] = np.where(sh["shipped_on"] <= sh["promised_ship_on"] + tol, sh["quantity"], 0)
    per_po = sh.groupby("po_id").agg(first_shipped=("shipped_on", "min"), last_shipped=("shipped_on", "max"),
                                     shipped_qty=("quantity", "sum"), on_time_qty=("on_time_qty", "sum"))
    po = po.merge(per_po, left_on="po_id", right_index=True, how="left")
    po["shipped_qty"] = po["shipped_qty"].fillna(0)
    po["on_time_qty"] = po["on_time_qty"].fillna(0)
    has_promise = po["promised_ship_on"].notna()
    po["resolved"] = has_promise & (po["first_shipped"].notna() | (po["promised_ship_on"] + tol < as_of))
    po["on_time"] = has_promise & po["first_shipped"].notna() & (po["first_shipped"] <= po["promised_ship_on"] + tol)
    po["otif"] = has_promise & (po["on_time_qty"] >= po["quantity"] * (1 - in_full_share))
    complete = po["shipped_qty"] >= po["quantity"] * (1 - in_full_share)
    po["lead_time"] = np.where(complete, (po["last_shipped"] - po["ordered_on"]).dt.days, np.nan)

    insp = t["inspections"]
    psi = insp[(insp["inspection_type"] == "PSI") & (insp["result"] != "pending")].copy()
    psi["inspected_on"] = pd.to_datetime(psi["inspected_on"])
    first = psi.sort_values(["po_id", "inspected_on", "inspection_id"]).groupby("po_id")["result"].first()
    po["first_psi"] = po["po_id"].map(first)

    pay = t["payments"]
    paid = pay.groupby("po_id")["amount"].sum()
    po["deposit_at_risk"] = np.where(po["shipped_qty"] == 0, po["po_id"].map(paid).fillna(0), 0.0)

    rows = {}
    for sid, g in po.groupby("supplier_id"):
        resolved = g[g["resolved"]]
        decided = g[g["first_psi"].notna()]
        lead = g["lead_time"].dropna()
        ordered = g.sort_values(["ordered_on", "po_id"])
        drift_num, jumps = 0.0, []
        for _, s in ordered.groupby("sku"):
            prices = s["unit_price"].to_numpy()
            drift_num += (s["order_value"] * (prices[-1] / prices[0] - 1)).sum()
            jumps.extend(prices[1:] / prices[:-1] - 1)
        rows[sid] = {
            "spend": g["order_value"].sum(),
            "po_count": len(g),
            "resolved_po_count": len(resolved),
            "on_time_rate": resolved["on_time"].mean() if len(resolved) else np.nan,
            "otif_rate": resolved["otif"].mean() if len(resolved) else np.nan,
            "lead_time_mean_days": lead.mean() if len(lead) else np.nan,
            "lead_time_sd_days": lead.std(ddof=1) if len(lead) > 1 else np.nan,
            "inspected_po_count": len(decided),
            "first_pass_rate": (decided["first_psi"] == "pass").mean() if len(decided) else np.nan,
            "price_drift_pct": drift_num / g["order_value"].sum(),
            "max_price_jump_pct": max(jumps) if jumps else np.nan,
            "deposit_at_risk": g["deposit_at_risk"].sum(),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")

    psi_sup = psi[psi["sample_size"] > 0].merge(t["purchase_orders"][["po_id", "supplier_id"]], on="po_id")
    for cls in ("critical", "major", "minor"):
        # a blank count is unknown, not 0: that inspection's sample leaves this class's rate entirely
        known = psi_sup[psi_sup[f"{cls}_defects"].notna()]
        d = known.groupby("supplier_id")[["sample_size", f"{cls}_defects"]].sum()
        out[f"{cls}_defect_rate"] = (d[f"{cls}_defects"] / d["sample_size"]).reindex(out.index)

    products = t["products"]
    sales = t["sales"].merge(products[["sku", "supplier_id"]], on="sku")
    sold = sales.groupby("supplier_id")["units_sold"].sum()
    sold_recorded = sales[_returns_recorded(sales, t["returns"], lag_months, gap_units, reasons_units)].groupby(
        "supplier_id")["units_sold"].sum()
    ret = t["returns"].merge(products[["sku", "supplier_id"]], on="sku")
    ret = ret.merge(t["purchase_orders"][["po_id", "supplier_id"]].rename(columns={"supplier_id": "po_sup"}),
                    on="po_id", how="left")
    ret["sup"] = ret["po_sup"].fillna(ret["supplier_id"])
    defect_units = ret[ret["reason"].isin(defect_reasons)].groupby("sup")["quantity"].sum()

    sh_sup = t["shipments"].merge(t["purchase_orders"][["po_id", "supplier_id"]], on="po_id")
    qc = t["quality_costs"].merge(t["purchase_orders"][["po_id", "supplier_id"]].rename(
        columns={"supplier_id": "po_sup"}), on="po_id", how="left")
    qc["sup"] = qc["supplier_id"].fillna(qc["po_sup"])

    all_ids = pd.Index(t["suppliers"]["supplier_id"], name="supplier_id")
    out = out.reindex(all_ids)
    out["spend"] = out["spend"].fillna(0.0)
    for col in ("po_count", "resolved_po_count", "inspected_po_count"):
        out[col] = out[col].fillna(0).astype(int)
    out["deposit_at_risk"] = out["deposit_at_risk"].fillna(0.0)
    out["units_sold"] = sold.reindex(all_ids).fillna(0)
    out["defect_return_units"] = defect_units.reindex(all_ids).fillna(0)
    out["units_sold_returns_recorded"] = sold_recorded.reindex(all_ids).fillna(0)
    out["defect_return_rate"] = out["defect_return_units"] / out["units_sold_returns_recorded"].replace(0, np.nan)
    out["customs_hold_days"] = sh_sup.groupby("supplier_id")["customs_hold_days"].sum().reindex(all_ids).fillna(0)
    out["shipments_with_hold"] = (sh_sup[sh_sup["customs_hold_days"].fillna(0) > 0].groupby("supplier_id").size()
                                  .reindex(all_ids).fillna(0))
    out["doc_errors"] = sh_sup.groupby("supplier_id")["doc_errors"].sum().reindex(all_ids).fillna(0)
    out["quality_cost_total"] = qc.groupby("sup")["amount"].sum().reindex(all_ids).fillna(0)
    return out[KPI_COLUMNS].sort_index()
