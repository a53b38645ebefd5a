"""FROZEN reference for parity tests: the risk score as it was computed before it was vectorised (a per-cutoff loop
over compute_signals). Not product code; never imported by pipelines/, models/ or dashboard/.

Original docstring: Explainable supplier-risk score: signals per pillar, absolute points maps, red flags, bands and history.

`compute_signals(tables, as_of)` reads staging-shaped frames and uses ONLY rows dated on or before `as_of`
(orders ordered, payments paid, inspections inspected, shipments shipped/delivered, returns returned, sales
months ended, costs incurred, audits done), so the same function gives today's score and any month-end score of
the history. Points come from fixed, configured maps (models/config/risk_score.toml), never from ranks or
min-max scaling across suppliers; rates are shrunk toward the supplier's peer cohort (models/shrinkage.py).
The method is documented in docs/risk-score.md.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from models import entity
from models.shrinkage import cohort_priors, shrink
from models.wording import count_words

CONFIG_PATH = Path(__file__).resolve().parent / "config" / "risk_score.toml"
PILLARS = ("entity", "transaction", "quality", "delivery", "commercial")
BAND_ORDER = ("low", "medium", "high", "critical")

# Staging tables compute_signals reads, and the reference tables it needs.
TABLE_NAMES = ("suppliers", "products", "purchase_orders", "payments", "inspections", "shipments", "sales",
               "returns", "quality_costs")

# Short labels for top_reasons and the dashboard.
LABELS = {
    "legal_entity_consistency": "PI entity / bank beneficiary vs legal name",
    "registration_id": "registration id",
    "public_records": "litigation and penalties",
    "operating_status": "operating status",
    "subcontracting": "subcontracting",
    "audit": "audit result and age",
    "marketplace_profile": "marketplace profile",
    "payee_consistency": "payees vs legal entity",
    "payee_changes": "payee changes",
    "outside_trade_assurance": "payments outside Trade Assurance",
    "balance_before_psi": "balance paid before a passed inspection",
    "deposits_at_risk": "deposits on overdue orders",
    "psi_failure_rate": "failed pre-shipment inspections",
    "major_defects_vs_aql": "major defects vs AQL",
    "critical_defects": "critical defects",
    "defect_return_rate": "defect returns",
    "not_as_described_rate": "'not as described' returns",
    "passed_but_defective": "lots passed at inspection but returned defective",
    "bulk_vs_sample_drift": "bulk-vs-sample drift",
    "quality_cost_share": "cost of poor quality",
    "late_rate": "late shipments",
    "severe_late_rate": "shipments >14 days late",
    "lead_time_variability": "lead-time variability",
    "customs_hold_rate": "customs holds",
    "doc_error_rate": "documentation errors",
    "price_jumps": "sudden price increases",
    "price_drift": "price drift",
    "cost_overrun": "payments above order value",
    "ip_protection": "IP protection (NNN, moulds)",
}

SIGNAL_COLUMNS = ["supplier_id", "pillar", "signal", "raw_value", "shrunk_value", "evidence_n", "points",
                  "max_points", "explanation", "detail"]


# ---- configuration ----------------------------------------------------------------------------------------------

# The signals this frozen loop computes (it predates every signal registered since, e.g. the control signals).
SIGNALS = frozenset({
    "audit", "balance_before_psi", "bulk_vs_sample_drift", "cost_overrun", "critical_defects", "customs_hold_rate",
    "defect_return_rate", "deposits_at_risk", "doc_error_rate", "ip_protection", "late_rate",
    "lead_time_variability", "legal_entity_consistency", "major_defects_vs_aql", "marketplace_profile",
    "not_as_described_rate", "operating_status", "outside_trade_assurance", "passed_but_defective", "payee_changes",
    "payee_consistency", "price_drift", "price_jumps", "psi_failure_rate", "public_records", "quality_cost_share",
    "registration_id", "severe_late_rate", "subcontracting",
})


@lru_cache(maxsize=4)
def _load(path: str) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


def load_config(path: Path | None = None) -> dict:
    """The scoring config (validated: points add to 100, maps non-decreasing)."""
    cfg = _load(str(path or CONFIG_PATH))
    total = sum(s["max_points"] for s in cfg["signals"].values())
    if abs(total - 100.0) > 1e-9:
        raise ValueError(f"max_points of all signals add up to {total}, not 100")
    for name, s in cfg["signals"].items():
        if s["pillar"] not in PILLARS:
            raise ValueError(f"signal {name}: unknown pillar {s['pillar']!r}")
        for key in ("map", "age_map"):
            if key in s:
                xs, ys = zip(*s[key])
                if list(xs) != sorted(xs) or list(ys) != sorted(ys):
                    raise ValueError(f"signal {name}: {key} must be non-decreasing in value and share")
    return cfg


def map_share(values: np.ndarray | pd.Series, knots: list[list[float]]) -> np.ndarray:
    """Piecewise-linear absolute map from a value to a share 0..1 (flat outside the knots; NaN → 0)."""
    xs, ys = zip(*knots)
    v = np.asarray(values, dtype=float)
    return np.where(np.isnan(v), 0.0, np.interp(np.nan_to_num(v, nan=xs[0]), xs, ys))


# ---- loading ----------------------------------------------------------------------------------------------------

def load_tables(con) -> dict[str, pd.DataFrame]:
    """Staging frames (returns and sales pre-summed per day/month; same columns) plus the reference settings."""
    t = {}
    for name in TABLE_NAMES:
        if name == "returns":
            sql = ("select sku, po_id, returned_on, reason, sum(quantity) as quantity from staging.returns "
                   "group by all")
        elif name == "sales":
            sql = ("select sku, month_on, sum(units_sold) as units_sold from staging.sales where returns_recorded "
                   "group by all")
        else:
            sql = f"select * from staging.{name}"
        t[name] = con.execute(sql).df()
    t["return_reasons"] = con.execute("select * from reference.return_reasons").df()
    # the inspection mart's maturity for field returns, so both marts judge the same lots
    has_settings = con.execute("select count(*) from information_schema.tables where table_schema = 'reference' "
                               "and table_name = 'inspection_settings'").fetchone()[0]
    if has_settings:
        t["inspection_settings"] = con.execute("select * from reference.inspection_settings").df()
    t["kpi_settings"] = con.execute("select * from reference.kpi_settings").df()
    return t


def _dates(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    for c in cols:
        if c in frame.columns:
            frame[c] = pd.to_datetime(frame[c])
    return frame


def prepare_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Typed copies (datetime64 dates, supplier attribution of returns and costs) computed once for any cutoff."""
    t = {k: v.copy() for k, v in tables.items()}
    _dates(t["suppliers"], ["onboarded_on", "last_audit_on"])
    _dates(t["purchase_orders"], ["ordered_on", "promised_ship_on", "sample_approved_on"])
    _dates(t["payments"], ["paid_on"])
    _dates(t["inspections"], ["inspected_on"])
    _dates(t["shipments"], ["shipped_on", "delivered_on"])
    _dates(t["returns"], ["returned_on"])
    _dates(t["quality_costs"], ["incurred_on"])
    sales = t["sales"]
    if "month_on" not in sales.columns:
        sales["month_on"] = pd.to_datetime(sales["month"] + "-01")
    sales["month_on"] = pd.to_datetime(sales["month_on"])
    sales["month_end"] = sales["month_on"] + pd.offsets.MonthEnd(0)
    po = t["purchase_orders"]
    if "order_value" not in po.columns:
        po["order_value"] = po["quantity"] * po["unit_price"]
    prod = t["products"][["sku", "supplier_id", "category"]]
    sales["supplier_id"] = sales["sku"].map(prod.set_index("sku")["supplier_id"])
    ret = t["returns"]
    reasons = t["return_reasons"].set_index("reason")
    ret["is_defect_coded"] = ret["reason"].map(reasons["is_defect_coded"].astype(bool)).fillna(False).astype(bool)
    ret["is_not_as_described"] = ret["reason"] == "not_as_described"
    ret["supplier_id"] = ret["po_id"].map(po.set_index("po_id")["supplier_id"]).fillna(
        ret["sku"].map(prod.set_index("sku")["supplier_id"]))
    qc = t["quality_costs"]
    qc["supplier_id"] = qc["supplier_id"].fillna(qc["po_id"].map(po.set_index("po_id")["supplier_id"]))
    # products are undated: a supplier without orders yet is put in the category of its first listed SKU
    sup = t["suppliers"]
    sup["first_category"] = sup["supplier_id"].map(  # object: an empty products table maps to float NaN
        prod.drop_duplicates("supplier_id").set_index("supplier_id")["category"]).astype(object).fillna("uncategorised")
    po["category"] = po["sku"].map(prod.set_index("sku")["category"]).fillna("uncategorised")
    settings = t["kpi_settings"].set_index("setting")["value"]
    maturity = None
    if "inspection_settings" in t:
        ins_set = t["inspection_settings"].set_index("setting")["value"]
        if "field_return_maturity_days" in ins_set.index:
            maturity = int(float(ins_set["field_return_maturity_days"]))
    t["_settings"] = {"mature_lot_days": maturity,
                      "on_time_days": int(settings["on_time_tolerance_days"]),
                      "in_full_share": float(settings["in_full_tolerance_pct"]) / 100.0,
                      "late_incident_days": int(settings["late_incident_days"])}
    # python-object strings: filtering and hashing them is several times faster than Arrow-backed strings here
    for name in TABLE_NAMES:
        frame = t[name]
        for col in frame.columns:
            if pd.api.types.is_string_dtype(frame[col]) and not pd.api.types.is_object_dtype(frame[col]):
                frame[col] = frame[col].astype(object)
    # integer keys (-1 = missing): grouping, merging and mapping on ints is much faster than on strings;
    # compute_signals decodes supplier ids in everything it returns
    keys = {"supplier_id": pd.Index(t["suppliers"]["supplier_id"].unique()),
            "po_id": pd.Index(t["purchase_orders"]["po_id"].unique()),
            "sku": pd.Index(t["products"]["sku"].unique())}
    for name in TABLE_NAMES:
        frame = t[name]
        for col, index in keys.items():
            if col in frame.columns:
                frame[col] = index.get_indexer(frame[col]).astype(np.int64)
    t["_supplier_ids"] = keys["supplier_id"].to_numpy(dtype=object)
    t["_po_ids"] = keys["po_id"].to_numpy(dtype=object)
    # payee names normalised once (not per cutoff)
    pay = t["payments"]
    uniq = pd.Series(pay["payee_name"].dropna().unique())
    norm = dict(zip(uniq, (entity.normalise_name(p) for p in uniq)))
    pay["payee_norm"] = pay["payee_name"].map(norm)
    # only defect-coded and 'not as described' returns are read; summing them per lot and day keeps any cutoff
    ret = ret[ret["is_defect_coded"] | ret["is_not_as_described"]]
    t["returns"] = ret.groupby(["supplier_id", "po_id", "returned_on", "is_defect_coded", "is_not_as_described"],
                               as_index=False, observed=True)["quantity"].sum()
    t["sales"] = t["sales"].groupby(["supplier_id", "month_end"], as_index=False)["units_sold"].sum()
    t["_prepared"] = True
    return t


# ---- signals ----------------------------------------------------------------------------------------------------

@dataclass
class SignalResult:
    """Signals (one row per supplier and signal), evidence per supplier, and the cohort priors used."""

    signals: pd.DataFrame
    evidence: pd.DataFrame  # supplier_id, resolved_pos, inspected_pos, red flag inputs
    priors: pd.DataFrame  # supplier_id, signal, prior_mean, prior_strength, cohort
    red_flags: pd.DataFrame  # supplier_id, flag, reason
    as_of: date


def _po_status(t: dict, c: pd.Timestamp) -> pd.DataFrame:
    """marts.po_status re-derived as of cutoff `c` from rows dated on or before it (same definitions)."""
    s = t["_settings"]
    tol = pd.Timedelta(days=s["on_time_days"])
    po = t["purchase_orders"]
    po = po[po["ordered_on"] <= c].copy()
    sh = t["shipments"]
    sh = sh[sh["shipped_on"] <= c].merge(po[["po_id", "promised_ship_on"]], on="po_id")
    delivered = sh["delivered_on"].notna() & (sh["delivered_on"] <= c)
    sh = sh.assign(
        on_time_qty=np.where(sh["shipped_on"] <= sh["promised_ship_on"] + tol, sh["quantity"], 0),
        delivered_qty=np.where(delivered, sh["quantity"], 0),
        delivered_on_c=sh["delivered_on"].where(delivered),
    )
    agg = sh.groupby("po_id").agg(first_shipped_on=("shipped_on", "min"), last_shipped_on=("shipped_on", "max"),
                                  shipped_quantity=("quantity", "sum"), on_time_quantity=("on_time_qty", "sum"),
                                  delivered_quantity=("delivered_qty", "sum"),
                                  last_delivered_on=("delivered_on_c", "max"))
    po = po.merge(agg, left_on="po_id", right_index=True, how="left")
    for col in ("shipped_quantity", "on_time_quantity", "delivered_quantity"):
        po[col] = po[col].fillna(0)
    ins = t["inspections"]
    psi = ins[(ins["inspection_type"] == "PSI") & (ins["result"] != "pending") & (ins["inspected_on"] <= c)]
    psi = psi.sort_values(["po_id", "inspected_on", "inspection_id"])
    first = psi.drop_duplicates("po_id").set_index("po_id")
    po["first_psi_result"] = po["po_id"].map(first["result"]) if len(first) else None
    po["psi_passed_on"] = _lookup(po["po_id"], psi[psi["result"] == "pass"].groupby("po_id")["inspected_on"].min())
    pay = t["payments"]
    pay = pay[pay["paid_on"] <= c]
    paid = pay.groupby("po_id")["amount"].sum()
    bal_on = pay[pay["kind"] == "balance"].groupby("po_id")["paid_on"].min()
    po["paid_amount"] = _lookup(po["po_id"], paid).astype(float).fillna(0.0)
    po["balance_paid_on"] = _lookup(po["po_id"], bal_on)
    prom = po["promised_ship_on"]
    has_prom = prom.notna()
    shipped = po["first_shipped_on"].notna()
    po["is_resolved"] = has_prom & (shipped | (prom + tol < c))
    po["is_on_time"] = has_prom & shipped & (po["first_shipped_on"] <= prom + tol)
    po["days_late"] = np.where(has_prom & (shipped | (prom < c)),
                               (po["first_shipped_on"].fillna(c) - prom).dt.days, np.nan)
    complete = po["shipped_quantity"] >= po["quantity"] * (1 - s["in_full_share"])
    po["is_open"] = ~complete
    po["lead_time_days"] = np.where(complete, (po["last_shipped_on"] - po["ordered_on"]).dt.days, np.nan)
    po["is_balance_before_psi_pass"] = po["balance_paid_on"].notna() & (
        po["psi_passed_on"].isna() | (po["balance_paid_on"] < po["psi_passed_on"]))
    po["deposit_at_risk"] = np.where(po["shipped_quantity"] == 0, po["paid_amount"], 0.0)
    return po


def is_price_jump(step_pct: pd.Series, windows: dict) -> pd.Series:
    """A reorder priced at least `price_step_pct` percent above the SKU's previous order (score and re-audit)."""
    return step_pct >= windows["price_step_pct"] / 100.0


def _lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """keys.map(values), also when `values` is empty (pandas cannot map through an empty datetime Series)."""
    if values.empty:
        kind = "datetime64[us]" if pd.api.types.is_datetime64_any_dtype(values) else float
        return pd.Series(np.nan if kind is float else pd.NaT, index=keys.index, dtype=kind)
    return keys.map(values)


@lru_cache(maxsize=200_000)
def _compare(a: str, b: str) -> str:
    return entity.compare_names(a or None, b or None)


def _worst_names(pairs: pd.DataFrame, ref_col: str, name_col: str) -> pd.DataFrame:
    """Per supplier, the worst comparison of `name_col` values against `ref_col`, and the culprit name."""
    severity = {"match": 0, "missing": 0, "cannot_verify": 1, "related": 2, "mismatch": 3}
    p = pairs.dropna(subset=[name_col]).drop_duplicates(["supplier_id", ref_col, name_col]).copy()
    if p.empty:
        return pd.DataFrame(columns=["outcome", "culprit", "n_names"]).rename_axis("supplier_id")
    p["outcome"] = [_compare(str(r) if isinstance(r, str) else "", str(n)) for r, n in zip(p[ref_col], p[name_col])]
    p["sev"] = p["outcome"].map(severity)
    p = p.sort_values(["supplier_id", "sev", name_col], ascending=[True, False, True])
    worst = p.drop_duplicates("supplier_id").set_index("supplier_id")
    return pd.DataFrame({"outcome": worst["outcome"], "culprit": worst[name_col],
                         "n_names": p.groupby("supplier_id")[name_col].nunique()})


_NEW_PAYEE = ("mismatch", "related")


def _payee_count(pay: pd.DataFrame) -> pd.Series:
    """Per supplier, how many payees were paid: the first one, plus every later payee (date order) that is a
    mismatch or related when compared with each payee already seen. A spelling in another script
    (cannot_verify) or a variant of a known name (match) is not a new payee, so one payee written in Chinese
    and in Latin letters counts once. `pay` holds only payments on or before the cutoff (point in time)."""
    p = pay.dropna(subset=["payee_norm"])
    if p.empty:
        return pd.Series(dtype=float)
    p = p.sort_values(["supplier_id", "paid_on", "payment_id"]).drop_duplicates(["supplier_id", "payee_name"])
    counts = p.groupby("supplier_id").size().astype(float)
    for sid in counts.index[counts > 1]:
        seen: list[str] = []
        n = 0
        for name in p.loc[p["supplier_id"] == sid, "payee_name"]:
            if all(_compare(str(old), str(name)) in _NEW_PAYEE for old in seen):
                n += 1
            seen.append(name)
        counts[sid] = n
    return counts


def compute_signals(tables: dict[str, pd.DataFrame], as_of: date, config: dict | None = None,
                    frozen_priors: pd.DataFrame | None = None, explain: bool = True) -> SignalResult:
    """Every signal of every supplier known on `as_of`, from rows dated on or before `as_of` only.

    `frozen_priors` (supplier_id, signal, prior_mean, prior_strength) replaces the fitted cohort priors for the
    suppliers it lists (to show that a supplier's score depends on others only through the prior).
    """
    cfg = config or load_config()
    t = tables if tables.get("_prepared") else prepare_tables(tables)
    c = pd.Timestamp(as_of)
    st = t["_settings"]
    id_names = t["_supplier_ids"]
    if frozen_priors is not None:
        codes = pd.Series(np.arange(len(id_names)), index=id_names)
        frozen_priors = frozen_priors.assign(supplier_id=frozen_priors["supplier_id"].map(codes))
    win = cfg["windows"]
    ev = cfg["evidence"]

    po_all = t["purchase_orders"]
    sup = t["suppliers"]
    active_ids = set(po_all.loc[po_all["ordered_on"] <= c, "supplier_id"])
    sup = sup[(sup["onboarded_on"] <= c) | sup["supplier_id"].isin(active_ids)].copy()
    sup = sup.set_index("supplier_id", drop=False)
    ids = sup.index
    po = _po_status(t, c)
    po = po[po["supplier_id"].isin(ids)]
    # cohort label: the category with the most order value so far (point-in-time, like everything else)
    main = (po.groupby(["supplier_id", "category"], as_index=False)["order_value"].sum()
            .sort_values(["supplier_id", "order_value", "category"], ascending=[True, False, True])
            .drop_duplicates("supplier_id").set_index("supplier_id")["category"])
    sup["main_category"] = _lookup(sup["supplier_id"], main).astype(object).fillna(sup["first_category"])
    f = pd.DataFrame(index=ids)  # one row per supplier: every measured quantity
    g = po.groupby("supplier_id")

    # -- delivery ----------------------------------------------------------------------------------------------
    res = po[po["is_resolved"]]
    rg = res.groupby("supplier_id")
    f["resolved_pos"] = rg.size()
    f["late_k"] = (~res["is_on_time"]).groupby(res["supplier_id"]).sum()
    f["severe_k"] = (res["days_late"] > st["late_incident_days"]).groupby(res["supplier_id"]).sum()
    lt = po.dropna(subset=["lead_time_days"]).groupby("supplier_id")["lead_time_days"]
    f["lead_n"] = lt.size()
    f["lead_mean"] = lt.mean()
    f["lead_sd"] = lt.std(ddof=1)
    sh = t["shipments"]
    sh = sh[(sh["delivered_on"] <= c) & sh["po_id"].isin(po["po_id"])].merge(po[["po_id", "supplier_id"]], on="po_id")
    shg = sh.groupby("supplier_id")
    f["ship_n"] = shg.size()
    f["hold_k"] = (sh["customs_hold_days"].fillna(0) > 0).groupby(sh["supplier_id"]).sum()
    f["doc_k"] = (sh["doc_errors"].fillna(0) > 0).groupby(sh["supplier_id"]).sum()

    # -- quality -----------------------------------------------------------------------------------------------
    decided = po[po["first_psi_result"].notna()]
    dg = decided.groupby("supplier_id")
    f["inspected_pos"] = dg.size()
    f["psi_fail_k"] = (decided["first_psi_result"] == "fail").groupby(decided["supplier_id"]).sum()
    ins = t["inspections"]
    psi = ins[(ins["inspection_type"] == "PSI") & (ins["result"] != "pending") & (ins["inspected_on"] <= c)
              & (ins["sample_size"].fillna(0) > 0)].merge(po[["po_id", "supplier_id", "sku", "ordered_on",
                                                              "psi_passed_on"]], on="po_id")
    # A count left blank is unknown, not 0: each class's rate counts only the samples whose count of that class
    # was recorded (units and defects both), so a blank does not pass for a clean sample.
    major_known, critical_known = psi["major_defects"].notna(), psi["critical_defects"].notna()
    psi = psi.assign(major_units=psi["sample_size"].where(major_known, 0),
                     critical_units=psi["sample_size"].where(critical_known, 0),
                     aql_units=(psi["sample_size"] * psi["aql_major"].fillna(2.5) / 100.0).where(major_known, 0))
    pg = psi.groupby("supplier_id")
    f["major_units"] = pg["major_units"].sum()
    f["critical_units"] = pg["critical_units"].sum()
    f["major_k"] = pg["major_defects"].sum()
    f["critical_k"] = pg["critical_defects"].sum()
    f["aql_units"] = pg["aql_units"].sum()
    # the red flag needs a count: a lot whose critical count is blank is skipped (NaN > 0 is False), not cleared
    recent = psi[(psi["inspected_on"] > c - pd.Timedelta(days=win["recent_days"])) & (psi["critical_defects"] > 0)]
    f["critical_recent_lots"] = recent.groupby("supplier_id")["po_id"].nunique()
    # shipped although the critical finding was never cleared by a later passed inspection
    shipped_ids = set(po.loc[po["shipped_quantity"] > 0, "po_id"])
    uncleared = recent[(recent["psi_passed_on"].isna() | (recent["psi_passed_on"] < recent["inspected_on"]))
                       & recent["po_id"].isin(shipped_ids)]
    f["critical_shipped_uncleared"] = uncleared.groupby("supplier_id")["po_id"].nunique()

    # drift: first PSI of each lot; the first N lots of each SKU vs the later ones
    first_psi = psi.sort_values(["po_id", "inspected_on", "inspection_id"]).drop_duplicates("po_id")
    lots = po[["po_id", "supplier_id", "sku", "ordered_on", "sample_approved_on"]].copy()
    lots = lots.sort_values(["sku", "ordered_on", "po_id"])
    lots["lot_rank"] = lots.groupby("sku").cumcount() + 1
    # early = ordered within drift_early_days of the golden-sample approval (or, with no approval date, the
    # first early_lots_per_sku lots of the SKU); later = every lot after that
    since = (lots["ordered_on"] - lots["sample_approved_on"]).dt.days
    lots["early"] = np.where(since.notna(), since <= win["drift_early_days"],
                             lots["lot_rank"] <= win["early_lots_per_sku"])
    # a first PSI with a blank major or critical count is unknown: the lot leaves the comparison (units and defects)
    fp = first_psi[["po_id", "sample_size", "major_defects", "critical_defects"]].dropna(
        subset=["major_defects", "critical_defects"]).merge(lots[["po_id", "supplier_id", "early"]], on="po_id")
    fp["bad"] = fp["major_defects"] + fp["critical_defects"]
    fp["early"] = fp["early"].astype(bool)
    for side, mask in (("early", fp["early"]), ("later", ~fp["early"])):
        sg = fp[mask].groupby("supplier_id")
        f[f"{side}_n"] = sg["sample_size"].sum()
        f[f"{side}_k"] = sg["bad"].sum()

    sales = t["sales"]
    sold = sales[sales["month_end"] <= c].groupby("supplier_id")["units_sold"].sum()
    f["units_sold"] = sold
    ret = t["returns"]
    ret = ret[(ret["returned_on"] <= c) & ret["supplier_id"].isin(ids)]
    f["defect_return_k"] = ret[ret["is_defect_coded"]].groupby("supplier_id")["quantity"].sum()
    f["nad_k"] = ret[ret["is_not_as_described"]].groupby("supplier_id")["quantity"].sum()
    # lots that passed inspection but came back defective (mature, delivered lots)
    # same lots as marts.inspection_lots.is_escape: the first decided PSI passed, delivered long enough ago,
    # and the defect-coded returns traced to the lot exceed that inspection's major AQL
    decided_psi = ins[(ins["inspection_type"] == "PSI") & (ins["result"] != "pending") & (ins["inspected_on"] <= c)]
    aql_of_pass = decided_psi.sort_values(["po_id", "inspected_on", "inspection_id"]).drop_duplicates(
        "po_id").set_index("po_id")["aql_major"]
    mature_days = st["mature_lot_days"]
    mature = po[(po["first_psi_result"] == "pass") & (po["delivered_quantity"] > 0)
                & (po["last_delivered_on"] + pd.Timedelta(days=mature_days) <= c)].copy()
    lot_def = ret[ret["is_defect_coded"] & (ret["po_id"] >= 0)].groupby("po_id")["quantity"].sum()
    mature["field_defect_rate"] = (_lookup(mature["po_id"], lot_def).astype(float).fillna(0.0)
                                   / mature["delivered_quantity"])
    mature["is_escape"] = mature["field_defect_rate"] > (
        _lookup(mature["po_id"], aql_of_pass).astype(float).fillna(2.5) / 100.0)
    mg = mature.groupby("supplier_id")
    f["mature_lots"] = mg.size()
    f["escape_k"] = mg["is_escape"].sum()
    qc = t["quality_costs"]
    f["quality_cost"] = qc[qc["incurred_on"] <= c].groupby("supplier_id")["amount"].sum()
    f["order_value"] = g["order_value"].sum()

    # -- transaction -------------------------------------------------------------------------------------------
    pay = t["payments"]
    pay = pay[pay["paid_on"] <= c].merge(po[["po_id", "supplier_id", "pi_entity_name"]], on="po_id")
    yg = pay.groupby("supplier_id")
    f["payments_n"] = yg.size()
    f["outside_ta_k"] = (pay["channel"].fillna("other") != "trade_assurance").groupby(pay["supplier_id"]).sum()
    bal = po[po["balance_paid_on"].notna()].groupby("supplier_id")
    f["balance_pos"] = bal.size()
    f["balance_early_k"] = bal["is_balance_before_psi_pass"].sum()
    overdue = po[(po["shipped_quantity"] == 0) & po["promised_ship_on"].notna()
                 & (po["promised_ship_on"] + pd.Timedelta(days=win["overdue_deposit_grace_days"]) < c)]
    f["overdue_deposits"] = overdue.groupby("supplier_id")["deposit_at_risk"].sum()
    f["spend_12m"] = po[po["ordered_on"] > c - pd.Timedelta(days=win["spend_days"])].groupby(
        "supplier_id")["order_value"].sum()
    f["payee_count"] = _payee_count(pay)
    pay["legal_name"] = pay["supplier_id"].map(sup["legal_name"])
    pay["ref"] = pay["legal_name"].fillna(pay["pi_entity_name"])
    payee = _worst_names(pay[["supplier_id", "ref", "payee_name"]], "ref", "payee_name")
    # paid above the order value on orders with their balance paid
    closed = po[po["balance_paid_on"].notna()]
    over = (closed["paid_amount"] - closed["order_value"]).clip(lower=0)
    f["overrun"] = over.groupby(closed["supplier_id"]).sum()
    f["closed_value"] = closed.groupby("supplier_id")["order_value"].sum()

    # -- commercial --------------------------------------------------------------------------------------------
    pr = po.sort_values(["supplier_id", "sku", "ordered_on", "po_id"])[
        ["supplier_id", "sku", "unit_price", "order_value"]].copy()
    pr["prev"] = pr.groupby(["supplier_id", "sku"])["unit_price"].shift()
    steps = pr.dropna(subset=["prev"])
    step_pct = steps["unit_price"] / steps["prev"] - 1
    f["price_steps"] = steps.groupby("supplier_id").size()
    f["price_jump_k"] = is_price_jump(step_pct, win).groupby(steps["supplier_id"]).sum()
    grp = pr.groupby(["supplier_id", "sku"])["unit_price"]
    pr["first_price"] = grp.transform("first")
    pr["latest_price"] = grp.transform("last")
    pr["w"] = pr["order_value"] * (pr["latest_price"] / pr["first_price"] - 1)
    pw = pr.groupby("supplier_id")[["w", "order_value"]].sum()
    f["price_drift"] = pw["w"] / pw["order_value"]

    # -- entity ------------------------------------------------------------------------------------------------
    names = pd.concat([
        pd.DataFrame({"supplier_id": ids, "name": sup["bank_beneficiary"].to_numpy(), "role": "bank beneficiary"}),
        po[["supplier_id", "pi_entity_name"]].rename(columns={"pi_entity_name": "name"}).assign(role="PI entity"),
    ], ignore_index=True).dropna(subset=["name"])
    names["ref"] = names["supplier_id"].map(sup["legal_name"]).fillna("")
    legal = _worst_names(names, "ref", "name")
    legal_role = names.drop_duplicates(["supplier_id", "name"]).set_index(["supplier_id", "name"])["role"]

    counts = [col for col in f.columns if col not in ("lead_mean", "lead_sd", "price_drift")]
    f[counts] = f[counts].astype(float).fillna(0.0)
    f[["lead_mean", "lead_sd", "price_drift"]] = f[["lead_mean", "lead_sd", "price_drift"]].astype(float)
    f["supplier_type"] = sup["supplier_type"]
    f["main_category"] = sup["main_category"]
    f = f.reset_index().rename(columns={"index": "supplier_id"})
    if "supplier_id" not in f.columns:
        f = f.rename(columns={f.columns[0]: "supplier_id"})

    rows: list[pd.DataFrame] = []
    priors_used: list[pd.DataFrame] = []
    sigcfg = cfg["signals"]

    def emit(name: str, raw, shrunk, n, share, explanation, detail=None) -> None:
        s = sigcfg[name]
        share = np.clip(np.asarray(share, dtype=float), 0.0, 1.0)
        rows.append(pd.DataFrame({
            "supplier_id": f["supplier_id"].to_numpy(), "pillar": s["pillar"], "signal": name,
            "raw_value": np.asarray(raw, dtype=float),
            "shrunk_value": (np.asarray(shrunk, dtype=float) if shrunk is not None else np.full(len(f), np.nan)),
            "evidence_n": np.asarray(n, dtype=float), "points_raw": share * s["max_points"],
            "max_points": float(s["max_points"]),
            "explanation": explanation if explain else None,
            "detail": detail if (explain and detail is not None) else None,
        }))

    # cohort labels once per cutoff (every rate signal uses the same cohorts)
    levels = []
    for i, cols in enumerate(ev["cohort_levels"]):
        if cols:
            lab = f[cols[0]].astype(str).to_numpy(dtype=object)
            for col in cols[1:]:
                lab = lab + "/" + f[col].astype(str).to_numpy(dtype=object)
            f[f"_cohort_{i}"] = lab
            levels.append([f"_cohort_{i}"])
        else:
            levels.append([])

    def shrunk_rate(name: str, k: str, n: str, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
        pri = cohort_priors(f, k, n, levels, ev["min_cohort_suppliers"], ev["prior_min_strength"],
                            ev["prior_max_strength"], default_mean=0.0)
        pri["supplier_id"] = f["supplier_id"].to_numpy()
        pri["signal"] = name
        if frozen_priors is not None:
            fz = frozen_priors[frozen_priors["signal"] == name].set_index("supplier_id")
            hit = pri["supplier_id"].isin(fz.index).to_numpy()
            pri.loc[hit, "prior_mean"] = pri.loc[hit, "supplier_id"].map(fz["prior_mean"]).to_numpy()
            pri.loc[hit, "prior_strength"] = pri.loc[hit, "supplier_id"].map(fz["prior_strength"]).to_numpy()
        priors_used.append(pri)
        kk = np.minimum(f[k].to_numpy(dtype=float), f[n].to_numpy(dtype=float))
        raw = np.where(f[n] > 0, kk / f[n].where(f[n] > 0).to_numpy(dtype=float), np.nan)
        post = shrink(kk, f[n].to_numpy(dtype=float), pri["prior_mean"].to_numpy(), pri["prior_strength"].to_numpy())
        return raw * scale, post * scale, pri

    def cohort_fill(name: str, values: pd.Series, has: np.ndarray) -> np.ndarray:
        """Missing evidence → the median of the supplier's cohort (type), else everyone's, else NaN.

        The fill value is this signal's cohort prior (recorded in `priors`, frozen by `frozen_priors`)."""
        v = pd.Series(np.where(has, values, np.nan), index=f.index)
        fill = v.groupby(f["supplier_type"]).transform("median").fillna(v.median())
        if frozen_priors is not None:
            fz = frozen_priors[frozen_priors["signal"] == name].set_index("supplier_id")["prior_mean"]
            hit = f["supplier_id"].isin(fz.index).to_numpy()
            fill[hit] = f.loc[hit, "supplier_id"].map(fz).to_numpy()
        priors_used.append(pd.DataFrame({"supplier_id": f["supplier_id"].to_numpy(), "signal": name,
                                         "prior_mean": fill.to_numpy(dtype=float), "prior_strength": np.nan,
                                         "cohort": f["supplier_type"].astype(str).to_numpy()}))
        return v.fillna(fill).to_numpy()

    def pct(x) -> list[str]:
        return [("n/a" if (x_ is None or (isinstance(x_, float) and math.isnan(x_))) else f"{100 * x_:.1f}%")
                for x_ in np.asarray(x, dtype=float)]

    def txt(*parts) -> list[str] | None:
        if not explain:
            return None
        return ["".join(str(p[i]) if isinstance(p, (list, np.ndarray, pd.Series)) else str(p) for p in parts)
                for i in range(len(f))]

    def peer(pri: pd.DataFrame, scale: float = 1.0, fmt=pct):
        return fmt(pri["prior_mean"].to_numpy() * scale)

    def ints(col: str) -> list[str]:  # counts with thousands separators, as models/signals.py words them
        return [f"{v:,}" for v in f[col].to_numpy().astype(int)]

    def counted(col: str, one: str, many: str | None = None) -> list[str]:  # "1 lot", "3 lots" (models/wording)
        return [count_words(int(v), one, many) for v in f[col].to_numpy()]

    # ---- quality signals ------------------------------------------------------------------------------------
    raw, post, pri = shrunk_rate("psi_failure_rate", "psi_fail_k", "inspected_pos")
    emit("psi_failure_rate", raw, post, f["inspected_pos"], map_share(post, sigcfg["psi_failure_rate"]["map"]),
         txt(ints("psi_fail_k"), " of ", ints("inspected_pos"), " pre-shipment inspections failed at first attempt "
             "(sample-size adjusted ", pct(post), ", peer average ", peer(pri), ")"))
    raw, post, pri = shrunk_rate("major_defects_vs_aql", "major_k", "major_units")
    aql = (f["aql_units"] / f["major_units"].where(f["major_units"] > 0)).fillna(0.025).to_numpy()
    emit("major_defects_vs_aql", raw / aql, post / aql, f["major_units"],
         map_share(post / aql, sigcfg["major_defects_vs_aql"]["map"]),
         txt(counted("major_k", "major defect"), " in ", ints("major_units"), " units sampled (sample-size adjusted ",
             pct(post), " vs an average major AQL of ", [f"{100 * a:.1f}%" for a in aql], ": ",
             [f"{x:.2f}" for x in post / aql], "× the AQL)"))
    raw, post, pri = shrunk_rate("critical_defects", "critical_k", "critical_units", scale=1000.0)
    emit("critical_defects", raw, post, f["critical_units"], map_share(post, sigcfg["critical_defects"]["map"]),
         txt(counted("critical_k", "critical defect"), " in ", ints("critical_units"), " units sampled (sample-size adjusted ",
             [f"{x:.2f}" for x in post], " per 1,000, peer average ",
             peer(pri, 1000, lambda a: [f"{x:.2f}" for x in a]),
             "); ", counted("critical_recent_lots", "recent lot"), " with a critical defect, ",
             ints("critical_shipped_uncleared"), " shipped without a passed re-inspection"))
    raw, post, pri = shrunk_rate("defect_return_rate", "defect_return_k", "units_sold")
    emit("defect_return_rate", raw, post, f["units_sold"], map_share(post, sigcfg["defect_return_rate"]["map"]),
         txt(counted("defect_return_k", "defect-coded returned unit"), " of ", ints("units_sold"), " sold (",
             pct(raw), ", sample-size adjusted ", pct(post), ", peer average ", peer(pri), ")"))
    raw, post, pri = shrunk_rate("not_as_described_rate", "nad_k", "units_sold")
    emit("not_as_described_rate", raw, post, f["units_sold"], map_share(post, sigcfg["not_as_described_rate"]["map"]),
         txt(counted("nad_k", "unit"), " returned as 'not as described' of ", ints("units_sold"), " sold (sample-size adjusted ",
             pct(post), ", peer average ", peer(pri), "): goods differing from the approved sample"))
    raw, post, pri = shrunk_rate("passed_but_defective", "escape_k", "mature_lots")
    emit("passed_but_defective", raw, post, f["mature_lots"], map_share(post, sigcfg["passed_but_defective"]["map"]),
         txt(ints("escape_k"), " of ", ints("mature_lots"), " lots that passed pre-shipment inspection came back "
             "with field defect returns above the lot's major AQL (sample-size adjusted ", pct(post), ", peer average ",
             peer(pri), ")"))
    has_drift = ((f["early_n"] >= win["drift_min_units_sampled"])
                 & (f["later_n"] >= win["drift_min_units_sampled"])).to_numpy()
    # +0.5/+1 (Jeffreys-style) keeps a zero-defect early side from dividing by zero
    ratio = (((f["later_k"] + 0.5) / (f["later_n"] + 1)) / ((f["early_k"] + 0.5) / (f["early_n"] + 1))).to_numpy()
    filled = cohort_fill("bulk_vs_sample_drift", pd.Series(ratio), has_drift)
    emit("bulk_vs_sample_drift", np.where(has_drift, ratio, np.nan), filled, f["later_n"] + f["early_n"],
         map_share(filled, sigcfg["bulk_vs_sample_drift"]["map"]),
         txt(np.where(has_drift, [f"later lots: {k} defects in {n} units sampled vs first lots of each SKU: "
                                  f"{k2} in {n2} ({r:.2f}×)" for k, n, k2, n2, r in
                                  zip(ints("later_k"), ints("later_n"), ints("early_k"), ints("early_n"), ratio)],
                      [f"not enough inspected lots to compare (peer typical {x:.2f}× used)" for x in filled])))
    share_q = (f["quality_cost"] / f["order_value"].where(f["order_value"] > 0)).to_numpy()
    has_q = (f["order_value"] > 0).to_numpy()
    filled = cohort_fill("quality_cost_share", pd.Series(share_q), has_q)
    emit("quality_cost_share", np.where(has_q, share_q, np.nan), filled, f["quality_cost"],
         map_share(filled, sigcfg["quality_cost_share"]["map"]),
         txt("costs of poor quality ", [f"${x:,.0f}" for x in f["quality_cost"]], " on orders worth ",
             [f"${x:,.0f}" for x in f["order_value"]], " (", pct(filled), ")"))

    # ---- delivery signals -----------------------------------------------------------------------------------
    raw, post, pri = shrunk_rate("late_rate", "late_k", "resolved_pos")
    emit("late_rate", raw, post, f["resolved_pos"], map_share(post, sigcfg["late_rate"]["map"]),
         txt(ints("late_k"), " of ", ints("resolved_pos"), " due orders shipped late or not at all (sample-size adjusted ",
             pct(post), ", peer average ", peer(pri), ")"))
    raw, post, pri = shrunk_rate("severe_late_rate", "severe_k", "resolved_pos")
    emit("severe_late_rate", raw, post, f["resolved_pos"], map_share(post, sigcfg["severe_late_rate"]["map"]),
         txt(ints("severe_k"), " of ", ints("resolved_pos"), " due orders more than ", st["late_incident_days"],
             " days late (sample-size adjusted ", pct(post), ", peer average ", peer(pri), ")"))
    has_lt = (f["lead_n"] >= win["lead_time_min_pos"]).to_numpy()
    cv = (f["lead_sd"] / f["lead_mean"]).to_numpy()
    filled = cohort_fill("lead_time_variability", pd.Series(cv), has_lt)
    emit("lead_time_variability", np.where(has_lt, cv, np.nan), filled, f["lead_n"],
         map_share(filled, sigcfg["lead_time_variability"]["map"]),
         txt(np.where(has_lt, [f"lead time {m:.0f} ± {s:.1f} days over {n} completed orders (variation {x:.2f})"
                               for m, s, n, x in zip(f["lead_mean"].fillna(0), f["lead_sd"].fillna(0),
                                                     ints("lead_n"), np.nan_to_num(cv))],
                      [f"fewer than {win['lead_time_min_pos']} completed orders (peer typical variation {x:.2f} "
                       f"used)" for x in np.nan_to_num(filled)])))
    raw, post, pri = shrunk_rate("customs_hold_rate", "hold_k", "ship_n")
    emit("customs_hold_rate", raw, post, f["ship_n"], map_share(post, sigcfg["customs_hold_rate"]["map"]),
         txt(ints("hold_k"), " of ", ints("ship_n"), " delivered shipments held by customs (sample-size adjusted ",
             pct(post), ", peer average ", peer(pri), ")"))
    raw, post, pri = shrunk_rate("doc_error_rate", "doc_k", "ship_n")
    emit("doc_error_rate", raw, post, f["ship_n"], map_share(post, sigcfg["doc_error_rate"]["map"]),
         txt(ints("doc_k"), " of ", ints("ship_n"), " delivered shipments had documentation errors "
             "(sample-size adjusted ", pct(post), ", peer average ", peer(pri), ")"))

    # ---- transaction signals --------------------------------------------------------------------------------
    pay_out = f["supplier_id"].map(payee["outcome"]).astype(object).fillna("no_payments").to_numpy()
    pay_culprit = f["supplier_id"].map(payee["culprit"]).to_numpy()
    legal_names = f["supplier_id"].map(sup["legal_name"]).to_numpy()
    share_map = sigcfg["payee_consistency"]["outcome_share"]
    payee_text = {"match": "every payee is the legal entity (after normalising names)",
                  "no_payments": "no payments yet",
                  "cannot_verify": "a payee is written in another script than the legal name: cannot verify by "
                                   "name, check the bank letter",
                  "related": "a payee shares the core name but not the business descriptor (a sister company?)",
                  "mismatch": "money went to an entity that is not the legal / contracting entity"}
    emit("payee_consistency", [BAND_VALUE.get(o, 0) for o in pay_out], None, f["payments_n"],
         [share_map.get(o, 0.0) for o in pay_out],
         txt([payee_text.get(o, o) for o in pay_out]),
         [None if o in ("match", "no_payments") else f"legal: {lg} | payee: {cu}"
          for o, lg, cu in zip(pay_out, legal_names, pay_culprit)])
    emit("payee_changes", f["payee_count"], None, f["payments_n"],
         map_share(f["payee_count"], sigcfg["payee_changes"]["map"]),
         txt(counted("payee_count", "distinct payee"), " used over ", counted("payments_n", "payment")))
    raw, post, pri = shrunk_rate("outside_trade_assurance", "outside_ta_k", "payments_n")
    emit("outside_trade_assurance", raw, post, f["payments_n"],
         map_share(post, sigcfg["outside_trade_assurance"]["map"]),
         txt(ints("outside_ta_k"), " of ", ints("payments_n"), " payments made outside Trade Assurance "
             "(sample-size adjusted ", pct(post), ", peer average ", peer(pri), ")"))
    raw, post, pri = shrunk_rate("balance_before_psi", "balance_early_k", "balance_pos")
    emit("balance_before_psi", raw, post, f["balance_pos"], map_share(post, sigcfg["balance_before_psi"]["map"]),
         txt(ints("balance_early_k"), " of ", ints("balance_pos"), " balances paid before a passed pre-shipment "
             "inspection: the payment outran control of the goods (sample-size adjusted ", pct(post), ", peer average ",
             peer(pri), ")"))
    dep_share = np.where(f["spend_12m"] > 0, f["overdue_deposits"] / f["spend_12m"].where(f["spend_12m"] > 0),
                         np.where(f["overdue_deposits"] > 0, 1.0, 0.0))
    emit("deposits_at_risk", dep_share, None, f["overdue_deposits"],
         map_share(dep_share, sigcfg["deposits_at_risk"]["map"]),
         txt([f"${d:,.0f}" for d in f["overdue_deposits"]], " paid on orders past their promised ship date + ",
             win["overdue_deposit_grace_days"], " days with nothing shipped (", pct(dep_share),
             " of 12-month spend)"))

    # ---- entity signals -------------------------------------------------------------------------------------
    leg_out = f["supplier_id"].map(legal["outcome"]).astype(object).fillna("match").to_numpy()
    leg_out = np.where(pd.isna(legal_names), "missing_legal_name", leg_out)
    leg_cul = f["supplier_id"].map(legal["culprit"]).to_numpy()
    leg_role = [legal_role.get((s, cu), "name") if isinstance(cu, str) else "" for s, cu in
                zip(f["supplier_id"], leg_cul)]
    share_map = sigcfg["legal_entity_consistency"]["outcome_share"]
    leg_text = {"match": "PI entity names and bank beneficiary match the legal name",
                "missing_legal_name": "no legal name on file: entity cannot be checked",
                "cannot_verify": "a name is in Chinese script and the other in Latin script: cannot verify by name",
                "related": "same core name, different business descriptor (possible sister company)",
                "mismatch": "another entity appears on the contract or bank details"}
    emit("legal_entity_consistency", [BAND_VALUE.get(o, 0) for o in leg_out], None, f["supplier_id"].map(
        legal["n_names"]).fillna(0), [share_map.get(o, 0.0) for o in leg_out],
         txt([leg_text[o] + (f" ({r})" if o not in ("match", "missing_legal_name") else "")
              for o, r in zip(leg_out, leg_role)]),
         [None if o in ("match", "missing_legal_name") else f"legal: {lg} | {r}: {cu}"
          for o, lg, r, cu in zip(leg_out, legal_names, leg_role, leg_cul)])
    reg = [entity.registration_id_status(r if isinstance(r, str) else None, cn)
           for r, cn in zip(f["supplier_id"].map(sup["registration_id"]), f["supplier_id"].map(sup["country"]))]
    share_map = sigcfg["registration_id"]["outcome_share"]
    reg_text = {"valid": "unified social credit code well-formed with a correct check character",
                "invalid_check": "unified social credit code fails its GB 32100-2015 check character",
                "invalid_format": "registration id is not an 18-character unified social credit code",
                "missing": "no registration id on file", "not_checked": "non-Chinese registry number (not checked)"}
    emit("registration_id", [BAND_VALUE.get(o, 0) for o in reg], None, np.ones(len(f)),
         [share_map[o] for o in reg], txt([reg_text[o] for o in reg]),
         list(f["supplier_id"].map(sup["registration_id"])))
    lit = f["supplier_id"].map(sup["litigation_cases"]).fillna(0).to_numpy(dtype=float)
    pen = f["supplier_id"].map(sup["admin_penalties"]).fillna(0).to_numpy(dtype=float)
    emit("public_records", lit + pen, None, np.ones(len(f)), map_share(lit + pen, sigcfg["public_records"]["map"]),
         txt([count_words(int(v), "litigation case") for v in lit], " and ",
             [count_words(int(v), "administrative penalty", "administrative penalties") for v in pen],
             " in public records"))
    status = f["supplier_id"].map(sup["operating_status"]).fillna("normal").to_numpy()
    emit("operating_status", (status == "abnormal").astype(float), None, np.ones(len(f)),
         [sigcfg["operating_status"]["outcome_share"].get(s_, 0.0) for s_ in status],
         txt(["registry operating status: " + s_ for s_ in status]))
    sub = f["supplier_id"].map(sup["subcontracting"]).fillna("none").to_numpy()
    emit("subcontracting", [{"none": 0, "declared": 1, "suspected": 2}.get(s_, 0) for s_ in sub], None,
         np.ones(len(f)), [sigcfg["subcontracting"]["outcome_share"].get(s_, 0.0) for s_ in sub],
         txt(["subcontracting: " + s_ for s_ in sub]))
    acfg = sigcfg["audit"]
    audit_on = f["supplier_id"].map(sup["last_audit_on"])
    known = (audit_on.notna() & (audit_on <= c)).to_numpy()
    result = np.where(known, f["supplier_id"].map(sup["last_audit_result"]).fillna("never").to_numpy(), "never")
    age_m = np.where(known, (c - audit_on).dt.days.to_numpy(dtype=float) / 30.4375, np.nan)
    audit_share = np.maximum([acfg["outcome_share"].get(r, 0.6) for r in result],
                             map_share(age_m, acfg["age_map"]))
    emit("audit", age_m, None, known.astype(float), audit_share,
         txt([f"last audit {r} {a:.0f} months ago" if k else "no audit on record" for r, a, k in
              zip(result, np.nan_to_num(age_m), known)]))
    verified = f["supplier_id"].map(sup["is_verified"]).fillna(False).astype(bool).to_numpy()
    years = f["supplier_id"].map(sup["alibaba_store_years"]).to_numpy(dtype=float)
    young = ~(years >= sigcfg["marketplace_profile"]["young_store_years"])
    mp = sigcfg["marketplace_profile"]["outcome_share"]
    emit("marketplace_profile", (~verified).astype(float) + young, None, np.ones(len(f)),
         (~verified) * mp["unverified"] + young * mp["young_store"],
         txt(np.where(verified, "verified badge", "no verified badge"),
             [", store age unknown" if math.isnan(y) else f", store open {count_words(round(y), 'year')}"
              for y in years], " (badges count for little)"))

    # ---- commercial signals ---------------------------------------------------------------------------------
    raw, post, pri = shrunk_rate("price_jumps", "price_jump_k", "price_steps")
    emit("price_jumps", raw, post, f["price_steps"], map_share(post, sigcfg["price_jumps"]["map"]),
         txt(ints("price_jump_k"), " of ", ints("price_steps"), " reorders priced ", win["price_step_pct"],
             "% or more above the previous order of the SKU (sample-size adjusted ", pct(post), ", peer average ",
             peer(pri), ")"))
    drift = f["price_drift"].to_numpy(dtype=float)
    emit("price_drift", drift, None, f["price_steps"], map_share(drift, sigcfg["price_drift"]["map"]),
         txt("spend-weighted change from first to latest price of each SKU: ", pct(np.nan_to_num(drift))))
    ovr = (f["overrun"] / f["closed_value"].where(f["closed_value"] > 0)).fillna(0).to_numpy()
    emit("cost_overrun", ovr, None, f["balance_pos"], map_share(ovr, sigcfg["cost_overrun"]["map"]),
         txt([f"${x:,.0f}" for x in f["overrun"]], " paid above the order value on orders paid in full (",
             pct(ovr), ")"))
    nnn = f["supplier_id"].map(sup["nnn_signed"]).fillna(False).astype(bool).to_numpy()
    mold = f["supplier_id"].map(sup["mold_owner"]).fillna("none").to_numpy()
    ip = sigcfg["ip_protection"]["outcome_share"]
    emit("ip_protection", (~nnn).astype(float) + (mold == "supplier"), None, np.ones(len(f)),
         (~nnn) * ip["no_nnn"] + (mold == "supplier") * ip["supplier_owns_moulds"],
         txt(np.where(nnn, "NNN agreement signed", "no NNN agreement"), "; moulds owned by: ", mold))

    signals = pd.concat(rows, ignore_index=True)
    signals = _round_points(signals)
    evidence = f[["supplier_id", "resolved_pos", "inspected_pos", "critical_recent_lots",
                  "critical_shipped_uncleared", "spend_12m",
                  "overdue_deposits", "payee_count", "order_value"]].copy()
    evidence["legal_outcome"] = leg_out
    evidence["payee_outcome"] = pay_out
    evidence["operating_status"] = status
    evidence["subcontracting"] = sub
    evidence["audit_result"] = result
    flags = _red_flags(evidence, cfg, legal_names, leg_cul, leg_role, pay_culprit,
                       f["supplier_id"].map(sup["last_audit_on"]).to_numpy(),
                       f["supplier_id"].map(sup["registry_checked_on"]).to_numpy())
    priors = pd.concat(priors_used, ignore_index=True)[["supplier_id", "signal", "prior_mean", "prior_strength",
                                                        "cohort"]]
    for frame in (signals, evidence, priors, flags):
        frame["supplier_id"] = id_names[frame["supplier_id"].to_numpy(dtype=np.int64)]
    return SignalResult(signals, evidence, priors, flags, c.date())


# Outcome codes as numbers for raw_value (0 = reassuring … 3 = mismatch), so raw_value stays numeric.
BAND_VALUE = {"match": 0, "no_payments": 0, "valid": 0, "not_checked": 1, "missing": 2, "missing_legal_name": 2,
              "cannot_verify": 1, "related": 2, "mismatch": 3, "invalid_format": 3, "invalid_check": 3}


def _round_points(signals: pd.DataFrame) -> pd.DataFrame:
    """Round each supplier's contributions to 0.1 point by largest remainder, so they add up to the rounded score."""
    tenths = signals["points_raw"].to_numpy() * 10.0
    floor = np.floor(tenths + 1e-9)
    rem = tenths - floor
    s = signals.assign(_floor=floor, _rem=rem, _i=np.arange(len(signals)))
    total = s.groupby("supplier_id")["points_raw"].transform("sum").to_numpy() * 10.0
    target = np.round(total + 1e-9)
    short = target - s.groupby("supplier_id")["_floor"].transform("sum").to_numpy()
    rank = s.sort_values(["supplier_id", "_rem", "_i"], ascending=[True, False, True]).groupby(
        "supplier_id").cumcount()
    s["_rank"] = rank
    extra = (s["_rank"].to_numpy() < short).astype(float)
    signals = signals.copy()
    signals["points"] = (floor + extra) / 10.0
    return signals.drop(columns=["points_raw"])[SIGNAL_COLUMNS]


def _red_flags(ev: pd.DataFrame, cfg: dict, legal_names, leg_cul, leg_role, pay_cul, audit_on,
               registry_on) -> pd.DataFrame:
    """Conditions averaging cannot hide: one row per supplier and flag, with a plain-English reason."""
    def on(day) -> str:
        return "an unrecorded date" if pd.isna(day) else f"{pd.Timestamp(day):%Y-%m-%d}"

    rf = cfg["red_flags"]
    out = []
    for i, r in enumerate(ev.itertuples(index=False)):
        if rf["legal_entity_mismatch"] and r.legal_outcome == "mismatch":
            out.append((r.supplier_id, "legal_entity_mismatch",
                        f"{leg_role[i]} '{leg_cul[i]}' is not the legal entity '{legal_names[i]}'"))
        if rf["payee_mismatch"] and r.payee_outcome == "mismatch":
            out.append((r.supplier_id, "payee_mismatch",
                        f"paid '{pay_cul[i]}', which is not the legal entity '{legal_names[i]}'"))
        if rf["abnormal_operating_status"] and r.operating_status == "abnormal":
            out.append((r.supplier_id, "abnormal_operating_status", "the business registry listed the company as "
                        f"abnormal when checked on {on(registry_on[i])}"))
        if rf["failed_audit"] and r.audit_result == "fail":
            out.append((r.supplier_id, "failed_audit", f"the last factory audit, on {on(audit_on[i])}, failed"))
        if rf["suspected_subcontracting"] and r.subcontracting == "suspected":
            out.append((r.supplier_id, "suspected_subcontracting", "production is suspected to be subcontracted "
                        "without declaration"))
        if (r.critical_shipped_uncleared >= rf["critical_defect_shipped_uncleared"]
                or r.critical_recent_lots >= rf["critical_defect_recent_lots"]):
            out.append((r.supplier_id, "critical_defect_recent",
                        f"{count_words(int(r.critical_recent_lots), 'lot')} inspected in the last "
                        f"{cfg['windows']['recent_days']} days had critical defects, "
                        f"{int(r.critical_shipped_uncleared)} shipped without a passed re-inspection"))
    return pd.DataFrame(out, columns=["supplier_id", "flag", "reason"])


# ---- score ------------------------------------------------------------------------------------------------------

def band_for(score: float, flags: int, cfg: dict) -> str:
    """Band from the score thresholds, raised to `red_flag_band` by any red flag (critical with many)."""
    b = cfg["bands"]
    band = "low"
    for level in b["levels"]:
        if score >= level["min_score"] - 1e-9:
            band = level["band"]
    if flags >= b["critical_if_red_flags"]:
        return "critical"
    if flags > 0 and BAND_ORDER.index(band) < BAND_ORDER.index(b["red_flag_band"]):
        return b["red_flag_band"]
    return band


def confidence_for(resolved: np.ndarray, inspected: np.ndarray, cfg: dict) -> np.ndarray:
    """Confidence grade A–D from resolved orders and decided pre-shipment inspections."""
    ev = cfg["evidence"]
    out = np.full(len(resolved), ev["lowest_grade"], dtype=object)
    for g in reversed(ev["confidence_grades"]):
        ok = (np.asarray(resolved) >= g["min_resolved_pos"]) & (np.asarray(inspected) >= g["min_inspections"])
        out[ok] = g["grade"]
    return out


def score(result: SignalResult, cfg: dict | None = None, with_text: bool = True) -> pd.DataFrame:
    """One row per supplier: risk_score, band, confidence, red flags, top reasons and pillar points."""
    cfg = cfg or load_config()
    sig = result.signals
    pillars = sig.pivot_table(index="supplier_id", columns="pillar", values="points", aggfunc="sum").reindex(
        columns=list(PILLARS), fill_value=0.0).fillna(0.0)
    out = pd.DataFrame({"supplier_id": pillars.index})
    for p in PILLARS:
        out[f"{p}_points"] = np.round(pillars[p].to_numpy(), 1)
    out["risk_score"] = np.round(sig.groupby("supplier_id")["points"].sum().reindex(pillars.index).to_numpy(), 1)
    nflags = result.red_flags.groupby("supplier_id").size()
    out["red_flag_count"] = out["supplier_id"].map(nflags).fillna(0).astype(int)
    out["risk_band"] = [band_for(s, n, cfg) for s, n in zip(out["risk_score"], out["red_flag_count"])]
    ev = result.evidence.set_index("supplier_id").reindex(out["supplier_id"])
    out["confidence"] = confidence_for(ev["resolved_pos"].to_numpy(), ev["inspected_pos"].to_numpy(), cfg)
    if with_text:
        fl = {sid: "; ".join(f"{f}: {r}" for f, r in zip(g["flag"], g["reason"]))
              for sid, g in result.red_flags.groupby("supplier_id")}
        out["red_flags"] = [fl.get(x, "") for x in out["supplier_id"]]
        top = sig[sig["points"] > 0].sort_values(["supplier_id", "points", "signal"], ascending=[True, False, True])
        top = top.groupby("supplier_id").head(3)
        tr = {sid: "; ".join(f"{LABELS[s]} ({p:.1f} pts)" for s, p in zip(g["signal"], g["points"]))
              for sid, g in top.groupby("supplier_id")}
        out["top_reasons"] = [tr.get(x, "no risk signal above its threshold") for x in out["supplier_id"]]
    out["score_version"] = cfg["score_version"]
    out["as_of"] = pd.Timestamp(result.as_of).date()
    return out


def month_ends(first: date, last: date) -> list[date]:
    """Month-end dates from the month of `first` up to the last month end on or before `last`."""
    ends = pd.date_range(pd.Timestamp(first) + pd.offsets.MonthEnd(0), pd.Timestamp(last), freq="ME")
    return [d.date() for d in ends]


def score_history(tables: dict[str, pd.DataFrame], cutoffs: list[date], cfg: dict | None = None) -> pd.DataFrame:
    """The score as of each cutoff (point-in-time): one row per supplier and cutoff."""
    cfg = cfg or load_config()
    t = tables if tables.get("_prepared") else prepare_tables(tables)
    frames = []
    for cut in cutoffs:
        res = compute_signals(t, cut, cfg, explain=False)
        s = score(res, cfg, with_text=False)
        frames.append(s)
    if not frames:
        return pd.DataFrame()
    hist = pd.concat(frames, ignore_index=True)
    hist["month_on"] = [(pd.Timestamp(a) + pd.Timedelta(days=1)).date() for a in hist["as_of"]]
    return hist

