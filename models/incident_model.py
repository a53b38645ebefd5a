"""Predictive incident model: point-in-time order features, incident labels, estimator, backtest, persistence.

An order is an *incident* when its pre-shipment inspection failed, it shipped more than `late_incident_days`
late, or its defect-coded returns exceeded a share of the units delivered. The model estimates that probability
for a supplier's next order from data dated strictly before the order date (no leakage), and is validated with a
rolling-origin backtest against the rule score and a naive baseline (the supplier's past incident rate).
Dates are handled as integer day numbers (days since 1970-01-01) so every "before" is an explicit comparison.
See docs/predictive-model.md.
"""

from __future__ import annotations

import io
import json
import platform
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import sklearn
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from models import entity, po_status

CONFIG_PATH = Path(__file__).resolve().parent / "config" / "incident_model.toml"
EPOCH = date(1970, 1, 1)

NUMERIC_FEATURES = [
    # static, known at onboarding
    "is_trading_company", "alibaba_store_years", "is_verified", "is_gold_supplier", "has_valid_registration",
    "nnn_signed", "is_beneficiary_mismatch",
    # relationship so far
    "supplier_age_days", "days_since_audit", "prior_orders",
    # outcomes of earlier orders, each counted once its evidence is dated before the order
    "past_closed_orders", "past_incidents", "past_incident_rate",
    "past_psi_count", "past_psi_fail_rate", "past_psi_defect_rate", "sku_past_psi_fail_rate",
    "sku_last_psi_defect_rate", "sku_last_psi_failed", "recent_psi_fail_rate",
    "sku_past_psi_defect_rate", "sku_past_defect_return_rate",
    "past_late_known", "past_late_rate", "past_mean_days_late", "past_first_ship_days_cv",
    "past_early_known", "past_early_incident_rate", "recent_early_incident_rate",
    # the portfolio's rate on the order date (what the supplier rates above are shrunk toward): the level each one is
    # compared with in the model's start, never split on by a tree (it only says when the order was placed)
    "portfolio_early_incident_rate", "portfolio_psi_fail_rate", "portfolio_defect_return_rate",
    "portfolio_psi_defect_rate",
    "past_delivered_units", "past_defect_return_rate",
    "past_payment_count", "past_outside_ta_share", "past_balance_before_psi_share", "past_payee_mismatch_share",
    "past_distinct_payees", "past_doc_errors_per_shipment", "past_quality_cost_share",
    # the order itself (on the PO, known when it is placed)
    "price_change_vs_prev", "log_quantity_vs_usual", "log_order_value", "is_outside_ta_order", "is_pi_entity_mismatch",
]
# Counts grow with the relationship and are heavy-tailed; they enter as log1p, so that early training orders (with
# almost no closed history yet) do not make a later order's count an extreme value after scaling.
COUNT_FEATURES = ["alibaba_store_years", "supplier_age_days", "days_since_audit", "prior_orders",
                  "past_closed_orders", "past_incidents", "past_psi_count", "past_late_known", "past_early_known",
                  "past_delivered_units", "past_payment_count", "past_distinct_payees"]
LEVEL_FEATURES = ["portfolio_early_incident_rate", "portfolio_psi_fail_rate", "portfolio_defect_return_rate",
                  "portfolio_psi_defect_rate"]
# Rates that enter the boosted model only through its start (offset_rates), never split on by a tree: on the design
# datasets the trees gained nothing from the same SKU's rates and lost on the shortest records (docs/predictive-model.md)
START_ONLY_FEATURES = ["sku_past_psi_defect_rate", "sku_past_defect_return_rate"]
CATEGORICAL_FEATURES = ["mold_owner", "audit_result", "country"]
FEATURES = NUMERIC_FEATURES + CATEGORICAL_FEATURES
MODEL_NAMES = ("model", "rule_score", "rule_score_operations", "naive_baseline")
# Rule scores read from the score history at each order's date: the whole risk score, and its quality and delivery
# pillars together (the part a next-order incident can judge; entity and payment risks have their own ground truth).
RULE_SCORES = {"rule_score": "risk_score", "rule_score_operations": "operations_points"}


# --- configuration ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IncidentConfig:
    """Settings from models/config/incident_model.toml (plus `late_incident_days` from reference.kpi_settings)."""

    version: str
    defect_return_threshold: float
    outcome_horizon_days: int
    prior_strength: float
    feature_prior_strength: float
    sample_prior_units: float
    recent_half_life_days: float
    return_prior_units: float
    cutoffs: tuple[float, ...]
    calibration_bins: int
    top_share: float
    bootstrap_resamples: int
    bootstrap_seed: int
    estimator: dict = field(default_factory=dict)

    @property
    def random_state(self) -> int:
        return int(self.estimator["random_state"])


def load_config(path: Path = CONFIG_PATH) -> IncidentConfig:
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return IncidentConfig(
        version=raw["version"],
        defect_return_threshold=float(raw["incident"]["defect_return_threshold"]),
        outcome_horizon_days=int(raw["incident"]["outcome_horizon_days"]),
        prior_strength=float(raw["baseline"]["prior_strength"]),
        feature_prior_strength=float(raw["features"]["prior_strength"]),
        sample_prior_units=float(raw["features"]["sample_prior_units"]),
        recent_half_life_days=float(raw["features"]["recent_half_life_days"]),
        return_prior_units=float(raw["features"]["return_prior_units"]),
        cutoffs=tuple(float(c) for c in raw["backtest"]["cutoffs"]),
        calibration_bins=int(raw["backtest"]["calibration_bins"]),
        top_share=float(raw["backtest"]["top_share"]),
        bootstrap_resamples=int(raw["backtest"]["bootstrap_resamples"]),
        bootstrap_seed=int(raw["backtest"]["bootstrap_seed"]),
        estimator=dict(raw["estimator"]),
    )


def incident_definition(late_incident_days: int, cfg: IncidentConfig | None = None) -> str:
    """What an incident is, in words, with the numbers from the settings that define it (`late_incident_days` from
    reference.kpi_settings, the defect-return share from the config), so no page restates them."""
    cfg = cfg or load_config()
    return (f"a failed pre-shipment inspection, a shipment more than {late_incident_days} days late, or defect-coded "
            f"returns above {cfg.defect_return_threshold * 100:g}% of the units delivered")


def to_day(d: date) -> int:
    return (d - EPOCH).days


def from_day(n: float | int | None) -> date | None:
    return None if n is None or pd.isna(n) else EPOCH + timedelta(days=int(n))


# --- inputs -------------------------------------------------------------------------------------------------------

@dataclass
class Inputs:
    """The cleaned tables the model reads, dates as day numbers (`*day` columns, NaN when missing). Only defect-coded
    returns are read (others may be present: they are ignored); pipelines.loaders reads no other."""

    suppliers: pd.DataFrame
    products: pd.DataFrame
    orders: pd.DataFrame
    shipments: pd.DataFrame
    inspections: pd.DataFrame
    payments: pd.DataFrame
    returns: pd.DataFrame
    quality_costs: pd.DataFrame
    late_incident_days: int
    # False when the import carried no shipments file: no order is known to have shipped, so none is known to be
    # late and none has delivered units to rate its returns against: the label is then failed inspections alone, and
    # no lateness history is read
    shipments_known: bool = True


# --- labels -------------------------------------------------------------------------------------------------------

def order_outcomes(inp: Inputs, cfg: IncidentConfig) -> pd.DataFrame:
    """One row per order: when its outcome closes and whether it was an incident.

    Every order closes at the same fixed horizon from its promise (the order date when there is none): promise +
    `late_incident_days` + `outcome_horizon_days`, whatever happened to it. So whether an order is labelled never
    depends on its outcome (closing on delivery would label the fast, on-time orders first and make recent
    periods look clean). Only evidence dated on or before the close counts (failed PSIs, defect-coded returns
    traced to the order, units delivered), so the label of an order closed before a date never changes when rows
    dated after it are added. An order not shipped within `late_incident_days` of its promise is late, shipped or
    not (models.po_status.is_late_incident, the rule of `marts.po_status.is_late_incident`).
    """
    o = inp.orders[["po_id", "supplier_id", "day", "promised_day", "quantity"]].copy()
    sh = inp.shipments
    first = sh.groupby("po_id").agg(first_shipped_day=("shipped_day", "min"),
                                    first_delivered_day=("delivered_day", "min"))
    o = o.merge(first, left_on="po_id", right_index=True, how="left")
    o["close_day"] = o["promised_day"].fillna(o["day"]) + inp.late_incident_days + cfg.outcome_horizon_days
    close = o.set_index("po_id")["close_day"]

    def closes(rows: pd.DataFrame) -> pd.Series:
        """Each row's order's close day, as a number even when `rows` is empty (its po_id text dtype would stay)."""
        return rows["po_id"].map(close).astype(float)

    d = sh[["po_id", "delivered_day", "quantity"]].dropna(subset=["delivered_day"])
    d = d[d["delivered_day"] <= closes(d)]
    o["delivered_units"] = o["po_id"].map(d.groupby("po_id")["quantity"].sum()).fillna(0)

    psi = inp.inspections
    psi = psi[(psi["inspection_type"] == "PSI") & (psi["result"] == "fail")]
    psi = psi[psi["day"] <= closes(psi)]
    o["is_psi_failed"] = o["po_id"].isin(psi["po_id"])

    o["days_late"] = o["first_shipped_day"] - o["promised_day"]
    # late as marts.po_status judges it, at the close: shipped more than late_incident_days after the promise, or not
    # shipped by the close (which is later than that)
    o["is_late"] = po_status.is_late_incident(o["first_shipped_day"], o["promised_day"], o["close_day"],
                                              inp.late_incident_days) & inp.shipments_known

    r = inp.returns
    r = r[r["po_id"].notna() & r["is_defect_coded"].fillna(False).astype(bool)]
    r = r[r["day"] <= closes(r)]
    o["defect_return_units"] = o["po_id"].map(r.groupby("po_id")["quantity"].sum()).fillna(0)
    o["defect_return_rate"] = np.where(o["delivered_units"] > 0,
                                       o["defect_return_units"] / o["delivered_units"].where(o["delivered_units"] > 0),
                                       np.nan)
    o["is_return_incident"] = (o["defect_return_rate"] > cfg.defect_return_threshold).fillna(False).astype(bool)
    o["is_incident"] = o["is_psi_failed"] | o["is_late"] | o["is_return_incident"]
    return o[["po_id", "supplier_id", "day", "first_shipped_day", "first_delivered_day", "close_day",
              "delivered_units", "is_psi_failed", "days_late", "is_late", "defect_return_units",
              "defect_return_rate", "is_return_incident", "is_incident"]]


# --- point-in-time features ---------------------------------------------------------------------------------------

def _latest_before(left: pd.DataFrame, events: pd.DataFrame, by: str, values: list[str], how: str):
    """The events of each `by` key summed (or averaged) per day and, for each row of `left` (columns `by`, day), the
    position of that key's latest day STRICTLY before the row's day (-1 when none). Keys compare as text. One sorted
    search over (key, day) instead of a merge_asof: the per-key sums and their order are the same, so are the
    results."""
    ev = events.dropna(subset=["day", by])
    codes = pd.factorize(pd.concat([ev[by].astype(str), left[by].astype(str)], ignore_index=True))[0]
    ev_code, left_code = codes[:len(ev)].astype(np.int64), codes[len(ev):].astype(np.int64)
    grouped = ev[values].assign(_key=ev_code, day=ev["day"]).groupby(["_key", "day"], sort=True)[values]
    per_day = grouped.sum() if how == "sum" else grouped.mean()
    if how == "sum":
        per_day = per_day.groupby(level="_key").cumsum()
    key = per_day.index.get_level_values("_key").to_numpy(dtype=np.int64)
    ev_day = per_day.index.get_level_values("day").to_numpy().astype(np.int64)
    day = left["day"].to_numpy().astype(np.int64)
    pos = np.full(len(left), -1, dtype=np.int64)
    if len(key) and len(day):
        base = min(ev_day.min(), day.min())
        pos = np.searchsorted((key << 32) | (ev_day - base), (left_code << 32) | (day - base), side="left") - 1
        found = (pos >= 0) & (left_code >= 0)
        found[found] = key[pos[found]] == left_code[found]
        pos = np.where(found, pos, -1)
    return per_day.to_numpy(dtype=float), pos


def _asof_sums(left: pd.DataFrame, events: pd.DataFrame, by: str, values: list[str]) -> pd.DataFrame:
    """For each row of `left` (columns `by`, day): sums of `values` over the events of the same `by` key dated
    STRICTLY before the row's day (0 when none)."""
    cum, pos = _latest_before(left, events, by, values, "sum")
    out = cum[np.clip(pos, 0, None)] if len(cum) else np.zeros((len(pos), len(values)))
    out = np.where((pos >= 0)[:, None] & ~np.isnan(out), out, 0.0)
    return pd.DataFrame(out, columns=values)


def _asof_last(left: pd.DataFrame, events: pd.DataFrame, by: str, values: list[str]) -> pd.DataFrame:
    """For each row of `left`: `values` of the latest event of the same `by` key dated strictly before its day
    (events on one day are averaged); NaN when there is none."""
    mean, pos = _latest_before(left, events, by, values, "mean")
    out = mean[np.clip(pos, 0, None)] if len(mean) else np.full((len(pos), len(values)), np.nan)
    return pd.DataFrame(np.where((pos >= 0)[:, None], out, np.nan), columns=values)


def _rate(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).astype(float)


def _toward(k, n, prior, strength: float) -> np.ndarray:
    """(k + m·prior) / (n + m): k events in n trials shrunk toward `prior` with m = `strength` pseudo-trials."""
    k, n, prior = (np.asarray(v, dtype=float) for v in (k, n, prior))
    return (k + strength * prior) / (n + strength)


def _smoothed(k: pd.Series, n: pd.Series, portfolio_k: pd.Series, portfolio_n: pd.Series,
              strength: float) -> np.ndarray:
    """(k + m·p0) / (n + m): the supplier's rate shrunk toward the portfolio rate p0 known at the same date
    (0 when the portfolio has no history yet), so one or two past orders cannot make a rate extreme."""
    return _toward(k, n, _rate(portfolio_k, portfolio_n).fillna(0.0), strength)


def order_features(inp: Inputs, orders: pd.DataFrame, outcomes: pd.DataFrame | None = None,
                   cfg: IncidentConfig | None = None) -> pd.DataFrame:
    """Features of each order in `orders` (po_id, supplier_id, sku, day, quantity, unit_price,
    is_outside_trade_assurance, pi_entity_name) from data dated strictly before its `day`, plus static supplier
    attributes.

    Each past event enters at the date it became known: a PSI on its inspection date, an earlier order's
    lateness and its days to the first shipment when it shipped (or when its promise + late_incident_days passed
    unshipped), a delivery on its delivery date, a return on its return date, a payment on its value date, an
    earlier order's incident label on its close date. `orders` may be hypothetical (e.g. the next order after the build date).
    """
    cfg = cfg or load_config()
    outcomes = order_outcomes(inp, cfg) if outcomes is None else outcomes
    q = orders.reset_index(drop=True).copy()
    q["row_id"] = np.arange(len(q))
    q["day"] = q["day"].astype("int64")
    sup = inp.suppliers.set_index("supplier_id")
    po = inp.orders.set_index("po_id")
    po_sup = po["supplier_id"]
    f = pd.DataFrame(index=q.index)

    # static attributes (known at onboarding)
    s = sup.reindex(q["supplier_id"])
    f["is_trading_company"] = s["is_trading_company"].astype(float).to_numpy()
    f["alibaba_store_years"] = s["alibaba_store_years"].astype(float).to_numpy()
    f["is_verified"] = s["is_verified"].astype(float).to_numpy()
    f["is_gold_supplier"] = s["is_gold_supplier"].astype(float).to_numpy()
    f["nnn_signed"] = s["nnn_signed"].astype(float).to_numpy()
    # the same registry check as the score (models.entity): a Chinese USCC must carry a correct check character;
    # another registry's number counts when it is given
    status = [entity.registration_id_status(r if isinstance(r, str) else None, c if isinstance(c, str) else None)
              for r, c in zip(s["registration_id"].astype(object), s["country"].astype(object))]
    f["has_valid_registration"] = np.isin(status, ["valid", "not_checked"]).astype(float)
    # the names against the legal entity as the score checks them (models.entity.is_other_entity)
    f["is_beneficiary_mismatch"] = entity.is_other_entity(s["legal_name"], s["bank_beneficiary"]).astype(float)
    f["mold_owner"] = s["mold_owner"].astype(object).fillna("unknown").astype(str).to_numpy()
    f["country"] = s["country"].astype(object).fillna("unknown").astype(str).to_numpy()
    day = q["day"].to_numpy()
    onboard = s["onboarded_day"].to_numpy(dtype=float)
    f["supplier_age_days"] = np.clip(day - onboard, 0, None)
    audit = s["last_audit_day"].to_numpy(dtype=float)
    audit_known = audit < day  # an audit dated on/after the order was not known when it was placed
    f["days_since_audit"] = np.where(audit_known, day - audit, np.nan)
    f["audit_result"] = np.where(audit_known, s["last_audit_result"].astype(object).fillna("unknown").astype(str),
                                 "none")

    q["portfolio"] = 0
    m = cfg.feature_prior_strength

    def sums(events: pd.DataFrame, values: list[str], by: str = "supplier_id") -> pd.DataFrame:
        return _asof_sums(q, events, by, values)

    levels: dict[str, np.ndarray] = {}

    def shrunk(events: pd.DataFrame, k: str, n: str, strength: float = m,
               level: str | None = None) -> tuple[pd.DataFrame, np.ndarray]:
        """Supplier sums of `k` and `n` before the order, and k/n shrunk toward the portfolio's k/n then (kept in
        `levels[level]` when named; 0 while the portfolio has no such event yet)."""
        own = sums(events[["supplier_id", "day", k, n]], [k, n])
        allp = sums(events[["day", k, n]].assign(portfolio=0), [k, n], by="portfolio")
        if level:
            levels[level] = _rate(allp[k], allp[n]).fillna(0.0).to_numpy()
        return own, _smoothed(own[k], own[n], allp[k], allp[n], strength)

    # earlier orders: count, usual size, spend
    ords = inp.orders.assign(n=1.0, qty=inp.orders["quantity"].astype(float),
                             value=inp.orders["quantity"] * inp.orders["unit_price"])
    past = sums(ords, ["n", "qty", "value"])
    f["prior_orders"] = past["n"].to_numpy()
    f["log_quantity_vs_usual"] = np.log((q["quantity"].astype(float) / _rate(past["qty"], past["n"]))).to_numpy()

    # earlier orders' incident labels, counted on their close date
    closed = outcomes.dropna(subset=["close_day"])
    closed = closed.assign(day=closed["close_day"], closed=1.0, incident=closed["is_incident"].astype(float))
    lab, f["past_incident_rate"] = shrunk(closed, "incident", "closed")
    f["past_closed_orders"] = lab["closed"].to_numpy()
    f["past_incidents"] = lab["incident"].to_numpy()

    # pre-shipment inspections, on their inspection date
    ins = inp.inspections
    ins = ins[po_status.is_decided_psi(ins)]
    # a blank critical or major count is unknown, not 0: that PSI adds no sample and no defects (its pass/fail
    # still counts), and its own defect rate is unknown (NaN) for sku_last_psi_defect_rate
    counted = ins["critical_defects"].notna() & ins["major_defects"].notna()
    ins = ins.assign(supplier_id=ins["po_id"].map(po_sup), n=1.0, fail=(ins["result"] == "fail").astype(float),
                     sample=ins["sample_size"].astype(float).where(counted).fillna(0),
                     defects=(ins["critical_defects"] + ins["major_defects"]).astype(float).where(counted).fillna(0))
    p, f["past_psi_fail_rate"] = shrunk(ins, "fail", "n", level="portfolio_psi_fail_rate")
    # the same SKU's inspections: a lot that drifted from the approved sample tends to stay drifted
    ins_sku = ins.assign(sku=ins["po_id"].map(po["sku"]))
    sk = sums(ins_sku[["sku", "day", "n", "fail", "sample", "defects"]], ["n", "fail", "sample", "defects"], by="sku")
    f["sku_past_psi_fail_rate"] = _toward(sk["fail"], sk["n"], f["past_psi_fail_rate"], m)
    last = _asof_last(q, ins_sku.assign(rate=_rate(ins_sku["defects"], ins_sku["sample"]))[["sku", "day", "rate",
                                                                                            "fail"]],
                      "sku", ["rate", "fail"])
    # recent inspections weigh more: an inspection t days before the order weighs exp(-t / tau). Sums of
    # exp((day - D0) / tau) (D0 a fixed date, 2000-01-01) are cumulative, and rescaled by exp((D0 - d) / tau) at
    # order day d; one pseudo-inspection at the supplier's long-run rate keeps it finite.
    tau = cfg.recent_half_life_days / np.log(2)
    d0 = to_day(date(2000, 1, 1))
    w = np.exp((ins["day"].astype(float) - d0) / tau)
    rec = sums(ins.assign(wn=w, wfail=w * ins["fail"])[["supplier_id", "day", "wn", "wfail"]], ["wn", "wfail"])
    scale = np.exp((d0 - q["day"].astype(float)) / tau)
    f["recent_psi_fail_rate"] = ((rec["wfail"] * scale + pd.Series(f["past_psi_fail_rate"])) /
                                 (rec["wn"] * scale + 1.0)).to_numpy()
    f["sku_last_psi_defect_rate"] = last["rate"].to_numpy()
    f["sku_last_psi_failed"] = last["fail"].to_numpy()
    f["past_psi_count"] = p["n"].to_numpy()
    _, f["past_psi_defect_rate"] = shrunk(ins, "defects", "sample", cfg.sample_prior_units,
                                          level="portfolio_psi_defect_rate")
    # the same SKU's sampled defect rate, shrunk toward the supplier's (a SKU that drifted from its approved sample
    # tends to stay drifted, so its own lots say more about its next lot than the supplier's other SKUs do)
    f["sku_past_psi_defect_rate"] = _toward(sk["defects"], sk["sample"], f["past_psi_defect_rate"],
                                            cfg.sample_prior_units)

    # lateness of earlier orders, known when they shipped or when promise + threshold passed unshipped
    lim = inp.late_incident_days
    oc = outcomes[["po_id", "supplier_id", "day", "first_shipped_day"]].merge(
        inp.orders[["po_id", "promised_day"]], on="po_id")
    oc = oc[oc["promised_day"].notna()]
    # late (models.po_status.is_late_incident) is known once the order shipped, or the day after promise + lim
    on_time_enough = ~po_status.is_late_incident(oc["first_shipped_day"], oc["promised_day"],
                                                 oc["promised_day"] + lim + 1, lim) | (not inp.shipments_known)
    late_events = oc.assign(day=np.where(on_time_enough, oc["first_shipped_day"], oc["promised_day"] + lim + 1),
                            known=1.0, late=(~on_time_enough).astype(float))
    if not inp.shipments_known:  # no shipments file: no order's lateness is known
        late_events = late_events.iloc[0:0]
    lt, f["past_late_rate"] = shrunk(late_events, "late", "known")
    f["past_late_known"] = lt["known"].to_numpy()
    # the early part of earlier orders' labels: late, or failed a PSI dated by the promise + late_incident_days. It is
    # known the day after that for every order, whatever happened to it (the full label closes `outcome_horizon_days`
    # later, so the naive baseline sees only orders placed months before; this sees the recent ones)
    fail_day = ins[ins["fail"] == 1].groupby("po_id")["day"].min()
    early_due = oc["promised_day"] + lim
    early = oc.assign(day=early_due + 1, known=1.0,
                      # as float: on no order with a promise (a PO tracker without the column) an empty map is text
                      bad=((~on_time_enough) | (oc["po_id"].map(fail_day).astype(float) <= early_due)).astype(float))
    ek, f["past_early_incident_rate"] = shrunk(early, "bad", "known", level="portfolio_early_incident_rate")
    f["past_early_known"] = ek["known"].to_numpy()
    ew = np.exp((early["day"].astype(float) - d0) / tau)
    er = sums(early.assign(wn=ew, wbad=ew * early["bad"])[["supplier_id", "day", "wn", "wbad"]], ["wn", "wbad"])
    f["recent_early_incident_rate"] = ((er["wbad"] * scale + pd.Series(f["past_early_incident_rate"])) /
                                       (er["wn"] * scale + 1.0)).to_numpy()
    # days from order to FIRST shipment (known the day it ships), not marts.po_status' lead time (to the last
    # shipment, known only once the order is complete): the model reads the earlier evidence
    shipped = oc[oc["first_shipped_day"].notna()]
    to_first = (shipped["first_shipped_day"] - shipped["day"]).astype(float)
    ship_events = shipped.assign(day=shipped["first_shipped_day"], n=1.0,
                                 days_late=(shipped["first_shipped_day"] - shipped["promised_day"]).astype(float),
                                 to_first=to_first, to_first2=to_first ** 2)
    se = sums(ship_events[["supplier_id", "day", "n", "days_late", "to_first", "to_first2"]],
              ["n", "days_late", "to_first", "to_first2"])
    f["past_mean_days_late"] = _rate(se["days_late"], se["n"]).to_numpy()
    mean = _rate(se["to_first"], se["n"])
    var = (se["to_first2"] - se["n"] * mean ** 2) / (se["n"] - 1).where(se["n"] > 1)
    f["past_first_ship_days_cv"] = (np.sqrt(var.clip(lower=0)) / mean.where(mean > 0)).to_numpy()

    # deliveries and defect-coded returns, on their own dates
    sh = inp.shipments
    dl = sh.assign(supplier_id=sh["po_id"].map(po_sup), day=sh["delivered_day"],
                   units=sh["quantity"].astype(float))
    ret = inp.returns[inp.returns["is_defect_coded"].fillna(False).astype(bool)]
    ret_sup = ret["supplier_id"]  # attributed by marts.return_costs (its lot's supplier, else its SKU's)
    # delivered units and returned units as dated events, each with its supplier and its SKU (returns carry theirs)
    units = pd.concat([dl[["supplier_id", "day", "units"]].assign(sku=sh["po_id"].map(po["sku"]).to_numpy(),
                                                                  returned=0.0),
                       pd.DataFrame({"supplier_id": ret_sup, "sku": ret["sku"], "day": ret["day"], "units": 0.0,
                                     "returned": ret["quantity"].astype(float)})], ignore_index=True)
    du, f["past_defect_return_rate"] = shrunk(units, "returned", "units", cfg.return_prior_units,
                                              level="portfolio_defect_return_rate")
    f["past_delivered_units"] = du["units"].to_numpy()
    # the same SKU's defect-coded return rate, shrunk toward the supplier's
    su = sums(units[["sku", "day", "units", "returned"]], ["units", "returned"], by="sku")
    f["sku_past_defect_return_rate"] = _toward(su["returned"], su["units"], f["past_defect_return_rate"],
                                               cfg.return_prior_units)
    sh_ev = sh.assign(supplier_id=sh["po_id"].map(po_sup), day=sh["shipped_day"], n=1.0,
                      doc=sh["doc_errors"].astype(float))
    dc = sums(sh_ev[["supplier_id", "day", "n", "doc"]], ["n", "doc"])
    f["past_doc_errors_per_shipment"] = _rate(dc["doc"], dc["n"]).to_numpy()

    # payments, on their value date
    pay = inp.payments.assign(supplier_id=inp.payments["po_id"].map(po_sup))
    # the payee against the legal entity, else the order's PI entity (models.entity.payee_reference)
    ref = entity.payee_reference(pay["supplier_id"].map(sup["legal_name"]), pay["po_id"].map(po["pi_entity_name"]))
    pay["mismatch"] = entity.is_other_entity(ref, pay["payee_name"]).astype(float)
    passes = inp.inspections[(inp.inspections["inspection_type"] == "PSI") & (inp.inspections["result"] == "pass")]
    first_pass = passes.groupby("po_id")["day"].min()
    is_bal = (pay["kind"] == "balance").to_numpy()
    pay["bal"] = is_bal.astype(float)
    # each balance payment judged by marts.po_status' rule: paid before any pre-shipment inspection passed
    pay["bal_early"] = (is_bal & po_status.is_balance_before_psi_pass(pay["day"], pay["po_id"].map(first_pass))
                        ).astype(float)
    pay["n"] = 1.0
    pay["outside"] = pay["is_outside_trade_assurance"].astype(float)
    pm, f["past_outside_ta_share"] = shrunk(pay, "outside", "n")
    f["past_payment_count"] = pm["n"].to_numpy()
    f["past_payee_mismatch_share"] = _rate(sums(pay[["supplier_id", "day", "mismatch"]], ["mismatch"])["mismatch"],
                                           pm["n"]).fillna(0.0).to_numpy()
    _, f["past_balance_before_psi_share"] = shrunk(pay, "bal_early", "bal")
    unique_payees = pd.Series(pay["payee_name"].dropna().unique())
    normalised = dict(zip(unique_payees, (entity.normalise_name(str(n)) for n in unique_payees)))
    pay["payee_norm"] = pay["payee_name"].map(normalised).astype(object).fillna("")
    first_payee = pay[pay["payee_norm"] != ""].groupby(["supplier_id", "payee_norm"], as_index=False)["day"].min()
    dp = sums(first_payee.assign(n=1.0), ["n"])
    f["past_distinct_payees"] = dp["n"].to_numpy()

    # costs of poor quality per dollar of earlier spend
    qc = inp.quality_costs
    qc = qc.assign(amount=qc["amount"].astype(float))  # supplier_id attributed by marts.quality_costs
    qs = sums(qc[["supplier_id", "day", "amount"]], ["amount"])
    f["past_quality_cost_share"] = _rate(qs["amount"], past["value"]).to_numpy()

    # the order itself: its price step (models.risk_panel.price_steps: unit price over the supplier's previous order
    # of the SKU, by order date then PO id, minus 1), with that previous order taken from a strictly earlier day, as
    # every feature is (the order may be hypothetical, with no PO id to order by); then channel, PI entity
    keys = ["supplier_id", "sku"]
    prev = inp.orders[[*keys, "day", "unit_price", "po_id"]].sort_values(["day", "po_id"])
    prev = prev.groupby([*keys, "day"], as_index=False)["unit_price"].last()
    prev = prev.assign(day=prev["day"].astype("int64"), **{k: prev[k].astype(str) for k in keys}).sort_values(
        "day", kind="stable")
    lhs = q[["row_id", *keys, "day"]].assign(**{k: q[k].astype(str) for k in keys}).sort_values("day", kind="stable")
    pp = pd.merge_asof(lhs, prev.rename(columns={"unit_price": "prev_price"}), on="day", by=keys,
                       allow_exact_matches=False, direction="backward").set_index("row_id")["prev_price"]
    prev_price = pp.reindex(q["row_id"]).to_numpy(dtype=float)
    f["price_change_vs_prev"] = q["unit_price"].to_numpy(dtype=float) / prev_price - 1.0
    f["log_order_value"] = np.log1p((q["quantity"] * q["unit_price"]).to_numpy(dtype=float))
    # staging.purchase_orders.is_outside_trade_assurance (the rule of staging.payments' column)
    f["is_outside_ta_order"] = q["is_outside_trade_assurance"].astype(float).to_numpy()
    f["is_pi_entity_mismatch"] = entity.is_other_entity(s["legal_name"], q["pi_entity_name"]).astype(float)
    for name in LEVEL_FEATURES:
        f[name] = levels[name]
    return f[FEATURES]


def labelled_orders(inp: Inputs, cfg: IncidentConfig, as_of: date) -> pd.DataFrame:
    """Every order whose outcome closed on or before `as_of`, with its point-in-time features and label."""
    return labelled_and_next_orders(inp, cfg, as_of)[0]


def labelled_and_next_orders(inp: Inputs, cfg: IncidentConfig, as_of: date,
                             with_next: bool = False) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """`labelled_orders`, and with `with_next` the features of `next_order_template` (one row per supplier, in its
    order), from one pass over the events with the outcome labels computed once. An order's features depend only on
    its own fields and the events dated before its day, so computing the two sets together gives each row the values
    it gets alone (the events are summed once instead of twice)."""
    outcomes = order_outcomes(inp, cfg)
    known = outcomes[outcomes["close_day"] <= to_day(as_of)]
    orders = inp.orders[inp.orders["po_id"].isin(known["po_id"])]
    orders = orders.sort_values(["day", "po_id"]).reset_index(drop=True)
    queries = pd.concat([orders, next_order_template(inp, as_of)], ignore_index=True) if with_next else orders
    feats = order_features(inp, queries, outcomes, cfg)
    lab = orders[["po_id", "supplier_id", "day"]].merge(
        outcomes[["po_id", "close_day", "is_psi_failed", "is_late", "is_return_incident", "is_incident",
                  "defect_return_rate"]], on="po_id", how="left")
    labelled = pd.concat([lab, feats.iloc[:len(orders)]], axis=1)
    return labelled, (feats.iloc[len(orders):].reset_index(drop=True) if with_next else None)


def next_order_template(inp: Inputs, as_of: date) -> pd.DataFrame:
    """One hypothetical order per supplier placed the day after `as_of`: a repeat of its latest order (same SKU,
    quantity, price, channel and PI entity), so features use every row dated on or before `as_of`. A supplier
    with no orders gets empty order fields (imputed by the model)."""
    last = inp.orders.sort_values(["day", "po_id"]).groupby("supplier_id").tail(1).set_index("supplier_id")
    t = pd.DataFrame({"supplier_id": inp.suppliers["supplier_id"]})
    for col in ("sku", "quantity", "unit_price", "is_outside_trade_assurance", "pi_entity_name"):
        t[col] = t["supplier_id"].map(last[col])
    t["po_id"] = None
    t["day"] = to_day(as_of) + 1
    return t


# --- estimator ----------------------------------------------------------------------------------------------------

BASELINE_FEATURES = ["past_incidents", "past_closed_orders"]


def shrunk_incident_rate(past_incidents, past_closed_orders, prior_rate: float, strength: float) -> np.ndarray:
    """The naive baseline: a supplier's past incident rate shrunk toward `prior_rate` with `strength`
    pseudo-orders, (k + m·p̄)/(n + m); a supplier without closed orders gets p̄."""
    return _toward(past_incidents, past_closed_orders, prior_rate, strength)


class BaselineBoostedClassifier(ClassifierMixin, BaseEstimator):
    """Histogram gradient boosting (LightGBM) that STARTS from the naive baseline, averaged with a few other rates on
    the log-odds scale: that start is the offset (`init_score`) of every order, and shallow trees learn corrections
    from the other features.

    Reads the first two columns of X (past incidents, past closed orders) for the baseline, the next `n_rates` columns
    for supplier rates (0..1) and the `n_rates` after them for each rate's level (the portfolio's rate on the order
    date). The start is logit(p̄) + (w·(logit(baseline) − logit(p̄)) + Σ (logit(rate) − logit(level))) / (w + k)
    with p̄ the training incident rate, w = `baseline_weight`, and the sum and its count k over the rates whose level
    is above 0 (a level of 0: the portfolio had no such event by the order date, or the data carries none, so the
    rate says nothing and is left out rather than pulling the start toward p̄); rates and levels are clipped to
    [`rate_floor`, 1 − `rate_floor`]. Nothing in the start is fitted, so a short history (a first fold whose training
    orders had almost no closed history) cannot overfit it; with `n_rates` = 0 it is the naive baseline itself. The number of
    trees is chosen by early stopping on a stratified share of the training orders (never the test orders); with too
    few incidents or clean orders in that hold-out there is no evidence for corrections, and the model is the start
    alone. Deterministic for a given random_state.
    """

    def __init__(self, strength: float = 5.0, learning_rate: float = 0.05, max_trees: int = 500, max_depth: int = 2,
                 min_samples_leaf: int = 20, subsample: float = 0.8, patience: int = 10,
                 validation_share: float = 0.2, min_holdout_per_class: int = 10, random_state: int = 42,
                 n_rates: int = 0, rate_floor: float = 1e-3, baseline_weight: float = 1.0):
        self.strength = strength
        self.learning_rate = learning_rate
        self.max_trees = max_trees
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.subsample = subsample
        self.patience = patience
        self.validation_share = validation_share
        self.min_holdout_per_class = min_holdout_per_class
        self.random_state = random_state
        self.n_rates = n_rates
        self.rate_floor = rate_floor
        self.baseline_weight = baseline_weight

    def _offset(self, X) -> np.ndarray:
        """The start (class docstring): logit(p̄) + the weighted mean, over the naive baseline and the `n_rates`
        rates, of each one's log-odds minus its level's (p̄ for the baseline)."""
        def logit(v, floor):
            v = np.clip(np.asarray(v, dtype=float), floor, 1 - floor)
            return np.log(v / (1.0 - v))

        base = logit(self.prior_rate_, 1e-6)
        naive = shrunk_incident_rate(X[:, 0], X[:, 1], self.prior_rate_, self.strength)
        total = self.baseline_weight * (logit(naive, 1e-6) - base)
        weight = np.full(len(X), self.baseline_weight)
        for j in range(self.n_rates):
            level = X[:, 2 + self.n_rates + j]
            known = level > 0  # a level of 0: the portfolio had no such event yet (or the data carries none)
            total = total + np.where(known, logit(X[:, 2 + j], self.rate_floor) - logit(level, self.rate_floor), 0.0)
            weight = weight + known
        return base + total / weight

    def fit(self, X, y):
        import lightgbm

        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=int)
        self.classes_ = np.array([0, 1])
        self.prior_rate_ = float(y.mean())
        self.booster_, self.n_estimators_ = None, 0
        smaller = min(int(y.sum()), int(len(y) - y.sum()))
        if smaller * self.validation_share < self.min_holdout_per_class:
            return self
        from sklearn.model_selection import train_test_split

        fit_idx, val_idx = train_test_split(np.arange(len(y)), test_size=self.validation_share, stratify=y,
                                            random_state=self.random_state)
        offset = self._offset(X)
        params = {"objective": "binary", "learning_rate": self.learning_rate, "max_depth": self.max_depth,
                  "num_leaves": 2 ** self.max_depth, "min_data_in_leaf": self.min_samples_leaf,
                  "bagging_fraction": self.subsample, "bagging_freq": 1, "seed": self.random_state,
                  "deterministic": True, "force_row_wise": True, "num_threads": 1, "verbosity": -1,
                  "boost_from_average": False}
        train = lightgbm.Dataset(X[fit_idx], y[fit_idx], init_score=offset[fit_idx], free_raw_data=False)
        valid = lightgbm.Dataset(X[val_idx], y[val_idx], init_score=offset[val_idx], reference=train)
        booster = lightgbm.train(params, train, num_boost_round=self.max_trees, valid_sets=[valid],
                                 callbacks=[lightgbm.early_stopping(self.patience, verbose=False)])
        self.n_estimators_ = int(booster.best_iteration or 0)
        self.booster_ = booster if self.n_estimators_ > 0 else None
        return self

    def decision_function(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        margin = self._offset(X)
        if self.booster_ is not None:
            margin = margin + self.booster_.predict(X, raw_score=True, num_iteration=self.n_estimators_)
        return margin

    def predict_proba(self, X):
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])


def build_estimator(cfg: IncidentConfig) -> Pipeline:
    """The one place the estimator is defined.

    "boosted" (default): histogram gradient boosting (LightGBM) that STARTS from the naive baseline (the supplier's
    shrunk past incident rate) averaged with the configured rates relative to their portfolio levels (the log-odds
    offset of every order; BaselineBoostedClassifier) and adds shallow trees that correct it from the other features;
    the number of trees is chosen by early stopping on a share of the training orders, never on the test orders.
    Trees need no scaling and do not extrapolate linearly, so counts that grow with the relationship (orders,
    inspections, days) cannot push a later order's prediction to an extreme.
    "logistic": imputed + standardised numerics (counts as log1p) and one-hot categoricals in an L2 logistic
    regression. "hgb": histogram gradient boosting from the portfolio rate, sigmoid-calibrated.
    """
    est = cfg.estimator
    kind = est["kind"]
    if kind == "boosted":
        pairs = [tuple(p) for p in est.get("offset_rates", [])]  # (supplier rate, its portfolio level)
        rates, rate_levels = [r for r, _ in pairs], [lv for _, lv in pairs]
        features = ColumnTransformer([
            ("baseline", SimpleImputer(strategy="constant", fill_value=0.0, keep_empty_features=True),
             BASELINE_FEATURES),
            ("offset_rates", SimpleImputer(strategy="median", keep_empty_features=True), rates),
            ("offset_levels", SimpleImputer(strategy="constant", fill_value=0.0, keep_empty_features=True),
             rate_levels),
            ("numeric", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
             [c for c in NUMERIC_FEATURES if c not in BASELINE_FEATURES + LEVEL_FEATURES + START_ONLY_FEATURES]),
            ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), CATEGORICAL_FEATURES),
        ], sparse_threshold=0)  # baseline columns, then the start's rates: BaselineBoostedClassifier reads them first
        clf = BaselineBoostedClassifier(
            strength=cfg.prior_strength, learning_rate=float(est["boost_learning_rate"]),
            max_trees=int(est["boost_max_trees"]), max_depth=int(est["boost_max_depth"]),
            min_samples_leaf=int(est["boost_min_samples_leaf"]), subsample=float(est["boost_subsample"]),
            patience=int(est["boost_patience"]), validation_share=float(est["boost_validation_share"]),
            min_holdout_per_class=int(est["boost_min_holdout_per_class"]), random_state=cfg.random_state,
            n_rates=len(rates), rate_floor=float(est.get("offset_rate_floor", 1e-3)),
            baseline_weight=float(est.get("offset_baseline_weight", 1.0)))
        return Pipeline([("features", features), ("classifier", clf)])
    numeric = Pipeline([
        ("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
        ("scale", StandardScaler()),
    ])
    counts = Pipeline([
        ("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
        ("log1p", FunctionTransformer(np.log1p, feature_names_out="one-to-one")),
        ("scale", StandardScaler()),
    ])
    features = ColumnTransformer([
        ("counts", counts, COUNT_FEATURES),
        ("numeric", numeric, [c for c in NUMERIC_FEATURES if c not in COUNT_FEATURES]),
        ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL_FEATURES),
    ])
    if kind == "logistic":
        clf = LogisticRegression(C=float(est["C"]), max_iter=int(est["max_iter"]), random_state=cfg.random_state)
    elif kind == "hgb":
        hgb = HistGradientBoostingClassifier(
            learning_rate=float(est["hgb_learning_rate"]), max_iter=int(est["hgb_max_iter"]),
            max_leaf_nodes=int(est["hgb_max_leaf_nodes"]), l2_regularization=float(est["hgb_l2_regularization"]),
            random_state=cfg.random_state)
        clf = CalibratedClassifierCV(hgb, method="sigmoid", cv=3)
    else:
        raise ValueError(f"unknown estimator kind {kind!r}")
    return Pipeline([("features", features), ("classifier", clf)])


def _x(frame: pd.DataFrame) -> pd.DataFrame:
    x = frame[FEATURES].copy()
    for c in NUMERIC_FEATURES:
        x[c] = x[c].astype(float)
    for c in CATEGORICAL_FEATURES:
        x[c] = x[c].astype(object)
    return x


def fit(frame: pd.DataFrame, cfg: IncidentConfig) -> Pipeline:
    """Fit the estimator on labelled orders. The boosted model needs enough orders to hold some out for early
    stopping (`boost_min_holdout_per_class` incidents and clean orders in the hold-out); with fewer, there is no
    evidence for corrections, and the model is the naive baseline alone."""
    model = build_estimator(cfg)
    model.fit(_x(frame), frame["is_incident"].astype(int).to_numpy())
    return model


def predict(model: Pipeline, frame: pd.DataFrame) -> np.ndarray:
    return model.predict_proba(_x(frame))[:, 1]


# --- backtest -----------------------------------------------------------------------------------------------------

def top_share_lift(y: np.ndarray, p: np.ndarray, share: float = 0.10) -> float:
    """Incident rate among the top `share` of predictions / overall incident rate. Ties at the boundary are
    counted at their average rate (the expected value under a random tie-break), so ties cannot flatter a score."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    n = len(y)
    if n == 0 or y.mean() == 0:
        return float("nan")
    k = max(1, int(np.ceil(share * n)))
    threshold = np.sort(p)[::-1][k - 1]
    above = p > threshold
    tied = p == threshold
    hits = y[above].sum() + (k - above.sum()) * y[tied].mean()
    return float(hits / k / y.mean())


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int) -> pd.DataFrame:
    """Reliability table: orders sorted by prediction and cut into `bins` equal-count bins (stable order)."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    order = np.argsort(p, kind="stable")
    rows = []
    for b, idx in enumerate(np.array_split(order, min(bins, len(order))), start=1):
        if len(idx):
            rows.append({"bin": b, "mean_predicted": float(p[idx].mean()), "observed_rate": float(y[idx].mean()),
                         "n": int(len(idx))})
    return pd.DataFrame(rows, columns=["bin", "mean_predicted", "observed_rate", "n"])


def naive_baseline(frame: pd.DataFrame, prior_rate: float, strength: float) -> np.ndarray:
    """The supplier's past incident rate, shrunk toward `prior_rate` with `strength` pseudo-orders."""
    return shrunk_incident_rate(frame["past_incidents"], frame["past_closed_orders"], prior_rate, strength)


def attach_rule_score(frame: pd.DataFrame, history: pd.DataFrame | None) -> pd.DataFrame:
    """Add the RULE_SCORES columns: `rule_score` (the supplier's risk_score) and, when the history carries
    `operations_points`, `rule_score_operations` (its quality + delivery points), each from the latest history row
    whose cutoff (`as_of_day`, data dated ≤ it) is strictly before the order date."""
    out = frame.copy()
    for name in RULE_SCORES:
        out[name] = np.nan
    if history is None or history.empty or frame.empty:
        return out
    h = history.dropna(subset=["as_of_day"])
    h = h.assign(day=h["as_of_day"].astype("int64")).sort_values("day", kind="stable")
    lhs = out[["supplier_id", "day"]].assign(row=np.arange(len(out)), day=out["day"].astype("int64"))
    for name, column in RULE_SCORES.items():
        if column not in h:
            continue
        hc = h.dropna(subset=[column])[["supplier_id", "day", column]]
        m = pd.merge_asof(lhs.sort_values("day", kind="stable"), hc, on="day", by="supplier_id",
                          allow_exact_matches=False, direction="backward")
        out[name] = m.set_index("row")[column].reindex(np.arange(len(out))).to_numpy(dtype=float)
    return out


def rule_probability(train_points, train_y, test_points, random_state: int = 0) -> np.ndarray:
    """A rule score's points as a probability: a one-feature logistic fit on the training orders (Platt scaling),
    increasing in the points. The score is absolute by design (more points, more risk), so a fit that falls with the
    points (a first fold whose training orders were scored on almost no history) must not reverse its ranking: then
    the probability is the training incident rate, with the points' order kept by a slope too small to matter."""
    x = np.asarray(train_points, dtype=float).reshape(-1, 1)
    y = np.asarray(train_y, dtype=int)
    t = np.asarray(test_points, dtype=float)
    platt = LogisticRegression(random_state=random_state).fit(x, y)
    if platt.coef_[0, 0] > 0:
        return platt.predict_proba(t.reshape(-1, 1))[:, 1]
    rate = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    return 1.0 / (1.0 + np.exp(-(np.log(rate / (1 - rate)) + 1e-6 * (t - float(x.mean())))))


@dataclass
class Fold:
    fold: int
    cutoff: int  # day number: train on orders closed before it, test on orders placed from it
    test_end: int  # exclusive


def folds(frame: pd.DataFrame, cfg: IncidentConfig) -> list[Fold]:
    lo, hi = int(frame["day"].min()), int(frame["day"].max())
    cuts = [lo + int(round(c * (hi - lo))) for c in cfg.cutoffs]
    ends = cuts[1:] + [hi + 1]
    return [Fold(i, c, e) for i, (c, e) in enumerate(zip(cuts, ends), start=1)]


@dataclass
class BacktestResult:
    metrics: pd.DataFrame  # one row per model and fold (fold 0 = all test orders pooled)
    calibration: pd.DataFrame  # per model, pooled test orders
    out_of_fold: pd.DataFrame  # po_id, supplier_id, fold, y, each model's out-of-fold probability, rule points
    comparison: pd.DataFrame  # model and rule score vs the naive baseline: paired AUC difference with its interval


def backtest(frame: pd.DataFrame, cfg: IncidentConfig) -> BacktestResult:
    """Rolling-origin backtest of the model, the rule scores (those with values) and the naive baseline.

    Training orders must have CLOSED before the cutoff (their label was knowable then), not just been placed.
    Each rule score (RULE_SCORES, in points) is mapped to a probability by a one-feature logistic fit on the
    training fold, kept increasing in the points (`rule_probability`: the fold's AUC is the points' own, Brier
    comparable); it is scored on the test orders that have one.
    """
    rules = [name for name in RULE_SCORES if name in frame and frame[name].notna().any()]
    rows, preds = [], []
    splits = []
    for fd in folds(frame, cfg):
        train = frame[(frame["day"] < fd.cutoff) & (frame["close_day"] < fd.cutoff)]
        test = frame[(frame["day"] >= fd.cutoff) & (frame["day"] < fd.test_end)]
        if train["is_incident"].nunique() < 2 or test.empty:
            continue
        splits.append((fd, train, test))
    # the folds' models train two at a time (LightGBM releases the GIL; each fit is single-threaded and seeded, so
    # the trees are those of fitting one after the other) while this thread scores the folds already fitted
    with ThreadPoolExecutor(max_workers=2) as pool:
        fitted = [pool.submit(_timed_fit, train, cfg) for _, train, _ in splits]
        for (fd, train, test), done in zip(splits, fitted):
            _score_fold(fd, train, test, *done.result(), rules, cfg, rows, preds)
    return _backtest_result(rows, preds, cfg)


def _timed_fit(train: pd.DataFrame, cfg: IncidentConfig) -> tuple[Pipeline, float]:
    """The fold's model and its fit time in seconds (marts.model_backtest.fit_seconds)."""
    started = time.perf_counter()
    model = fit(train, cfg)
    return model, time.perf_counter() - started


def _score_fold(fd, train: pd.DataFrame, test: pd.DataFrame, model: Pipeline, fit_seconds: float,
                rules: list[str], cfg: IncidentConfig, rows: list, preds: list) -> None:
    """One fold's out-of-fold predictions (model, naive baseline, rule scores) and metrics, appended to `preds`
    and `rows`."""
    y = test["is_incident"].astype(int).to_numpy()
    base = float(train["is_incident"].mean())
    pred = pd.DataFrame({"po_id": test["po_id"].to_numpy(), "supplier_id": test["supplier_id"].to_numpy(),
                         "fold": fd.fold, "y": y,
                         "model": predict(model, test),
                         "naive_baseline": naive_baseline(test, base, cfg.prior_strength),
                         **{name: np.nan for name in RULE_SCORES},
                         **{points_column(name): (test[name].to_numpy(dtype=float) if name in test
                                                  else np.nan) for name in RULE_SCORES}})
    for name in rules:
        tr = train.dropna(subset=[name])
        te = test[name].notna().to_numpy()
        if tr["is_incident"].nunique() == 2 and te.any():
            pred.loc[te, name] = rule_probability(tr[name], tr["is_incident"], test.loc[te, name],
                                                  cfg.random_state)
    window = {"train_start": from_day(train["day"].min()), "train_end": from_day(fd.cutoff - 1),
              "test_start": from_day(fd.cutoff), "test_end": from_day(fd.test_end - 1), "n_train": len(train)}
    for name in MODEL_NAMES:
        rows.append({"model_name": name, "fold": fd.fold, **window, **_metrics(pred, name, cfg),
                     "fit_seconds": fit_seconds if name == "model" else None})
    preds.append(pred)


def _backtest_result(rows: list, preds: list, cfg: IncidentConfig) -> BacktestResult:
    """The folds' metrics and predictions pooled: calibration, pooled metrics, comparison with the baseline."""
    oof = pd.concat(preds, ignore_index=True) if preds else pd.DataFrame(
        columns=["po_id", "supplier_id", "fold", "y", *MODEL_NAMES])
    calib = []
    for name in MODEL_NAMES:
        if not preds:
            break
        ok = oof[name].notna()
        if ok.any():
            t = calibration_table(oof.loc[ok, "y"], oof.loc[ok, name], cfg.calibration_bins)
            calib.append(t.assign(model_name=name))
        folds_of = [r for r in rows if r["model_name"] == name]
        rows.append({"model_name": name, "fold": 0,
                     "train_start": min(r["train_start"] for r in folds_of),
                     "train_end": max(r["train_end"] for r in folds_of),
                     "test_start": min(r["test_start"] for r in folds_of),
                     "test_end": max(r["test_end"] for r in folds_of),
                     "n_train": None, **_metrics(oof, name, cfg, pooled=True),
                     "fit_seconds": sum(r["fit_seconds"] for r in folds_of) if name == "model" else None})
    metrics = pd.DataFrame(rows)
    if not metrics.empty:
        metrics = metrics[metrics["n_test"] > 0].reset_index(drop=True)
        metrics["model_version"] = cfg.version
    calibration = (pd.concat(calib, ignore_index=True)[["model_name", "bin", "mean_predicted", "observed_rate", "n"]]
                   if calib else pd.DataFrame(columns=["model_name", "bin", "mean_predicted", "observed_rate", "n"]))
    return BacktestResult(metrics, calibration, oof, compare_to_baseline(oof, cfg))


def points_column(name: str) -> str:
    """The out-of-fold column holding a rule score's own points (RULE_SCORES), beside its Platt probability."""
    return f"{name}_points"


def _ranking(pred: pd.DataFrame, name: str, pooled: bool) -> np.ndarray:
    """What a score's ranking is judged on: its probability, except a rule score over pooled folds, which is judged
    on its points. The score is absolute (the same points mean the same risk at any date), and each fold's Platt fit
    is a different increasing map, so pooling the probabilities would judge three maps fitted on the folds' training
    orders (a first fold's, on a few hundred orders scored on little history, can put all its orders in one place)
    rather than how the score ranks the orders. Within a fold the two rank alike (`rule_probability`)."""
    column = points_column(name) if pooled and name in RULE_SCORES and points_column(name) in pred else name
    return pred[column].to_numpy(dtype=float)


def _metrics(pred: pd.DataFrame, name: str, cfg: IncidentConfig, pooled: bool = False) -> dict:
    ok = pred[name].notna().to_numpy()
    y, p = pred["y"].to_numpy()[ok].astype(int), pred[name].to_numpy()[ok].astype(float)
    r = _ranking(pred, name, pooled)[ok]
    both = len(y) > 0 and 0 < y.sum() < len(y)
    return {"n_test": int(len(y)), "incident_rate_test": float(y.mean()) if len(y) else None,
            "roc_auc": float(roc_auc_score(y, r)) if both else None,
            "brier": float(brier_score_loss(y, p)) if len(y) else None,
            "top_decile_lift": top_share_lift(y, r, cfg.top_share) if both else None}


COMPARISON_COLUMNS = ["model_name", "baseline_name", "n_test", "n_suppliers", "roc_auc", "baseline_roc_auc",
                      "auc_difference", "ci_low", "ci_high", "share_not_better", "n_resamples"]


def weighted_aucs(y, scores, clusters, draws: np.ndarray) -> np.ndarray:
    """ROC AUC of `scores` once per row of `draws` (resamples × clusters: how many times each cluster was drawn),
    every order weighted by its cluster's count. Equals `roc_auc_score(y, scores, sample_weight=draws[r][clusters])`
    (tests check it) for all resamples at once: the orders are summed per cluster and tie group of the score, so
    the cost is one sparse product per block of resamples instead of a sort per resample. NaN when a resample has
    no incident or no clean order."""
    y = np.asarray(y, dtype=float)
    _, group = np.unique(np.asarray(scores, dtype=float), return_inverse=True)  # tie groups, ascending score
    shape = (draws.shape[1], int(group.max()) + 1)
    pos = sparse.csr_matrix((y, (clusters, group)), shape=shape)
    neg = sparse.csr_matrix((1.0 - y, (clusters, group)), shape=shape)
    out = np.empty(len(draws))
    for start in range(0, len(draws), 200):  # bounded memory: 200 resamples × tie groups at a time
        d = np.asarray(draws[start:start + 200], dtype=float)
        wp, wn = (pos.T @ d.T).T, (neg.T @ d.T).T
        below = np.cumsum(wn, axis=1) - wn  # clean-order weight scored strictly lower, per tie group
        den = wp.sum(axis=1) * wn.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start:start + 200] = (wp * (below + 0.5 * wn)).sum(axis=1) / den
    return out


def cluster_draws(groups, resamples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's cluster code (its supplier) and `resamples` draws of the clusters with replacement (resamples ×
    clusters: how many times each cluster was drawn), for `weighted_aucs`."""
    clusters, uniques = pd.factorize(pd.Series(groups).astype(str))
    rng = np.random.default_rng(seed)
    k = len(uniques)
    draws = (np.stack([np.bincount(rng.integers(0, k, k), minlength=k) for _ in range(resamples)])
             if resamples and k else np.zeros((0, k)))
    return clusters, draws


def paired_auc_bootstrap(y, a, b, groups, n_resamples: int, seed: int) -> dict:
    """AUC(a) − AUC(b) on the same orders, with a 95% percentile interval from a paired cluster bootstrap.

    Orders of one supplier are not independent, so suppliers (not orders) are resampled with replacement; each
    resample scores both predictions on the same drawn orders (paired). A supplier drawn k times weighs k, the
    same as repeating its orders. `share_not_better` is the share of resamples in which a does not beat b.
    Resamples with a single outcome class are skipped.
    """
    y, a, b = np.asarray(y, dtype=int), np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    clusters, draws = cluster_draws(groups, n_resamples, seed)
    k = draws.shape[1]
    d = weighted_aucs(y, a, clusters, draws) - weighted_aucs(y, b, clusters, draws)
    d = d[~np.isnan(d)]
    auc_a, auc_b = float(roc_auc_score(y, a)), float(roc_auc_score(y, b))
    return {"n_test": int(len(y)), "n_suppliers": int(k), "roc_auc": auc_a, "baseline_roc_auc": auc_b,
            "auc_difference": auc_a - auc_b,
            "ci_low": float(np.percentile(d, 2.5)) if len(d) else np.nan,
            "ci_high": float(np.percentile(d, 97.5)) if len(d) else np.nan,
            "share_not_better": float(np.mean(d <= 0)) if len(d) else np.nan, "n_resamples": int(len(d))}


def compare_to_baseline(oof: pd.DataFrame, cfg: IncidentConfig) -> pd.DataFrame:
    """The model and the rule scores against the naive baseline on the pooled test orders both scored (a rule score
    ranked by its points, `_ranking`)."""
    rows = []
    for name in ("model", *RULE_SCORES):
        if name not in oof:
            continue
        ok = (oof[name].notna() & oof["naive_baseline"].notna()).to_numpy()
        y = oof.loc[ok, "y"]
        if ok.any() and 0 < y.sum() < len(y):
            rows.append({"model_name": name, "baseline_name": "naive_baseline", **paired_auc_bootstrap(
                y, _ranking(oof, name, pooled=True)[ok], oof.loc[ok, "naive_baseline"], oof.loc[ok, "supplier_id"],
                cfg.bootstrap_resamples, cfg.bootstrap_seed)})
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


# --- persistence --------------------------------------------------------------------------------------------------

def serialize_model(model: Pipeline, metadata: dict, cfg: IncidentConfig) -> tuple[bytes, dict]:
    """The fitted pipeline as joblib bytes and its metadata (versions, window, metrics), to store in the warehouse.

    The model travels inside the warehouse it was trained on, so a failed or killed build can never leave a model
    that does not match the live tables (it is published, or not, with them).
    """
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    meta = {"model_version": cfg.version, "sklearn_version": sklearn.__version__,
            "python_version": platform.python_version(), "pandas_version": pd.__version__,
            "numpy_version": np.__version__, "features": FEATURES, "numeric_features": NUMERIC_FEATURES,
            "categorical_features": CATEGORICAL_FEATURES, **metadata}
    return buffer.getvalue(), meta


def deserialize_model(payload: bytes, metadata_json: str) -> tuple[Pipeline, dict]:
    """Inverse of serialize_model: the pipeline and its metadata dict."""
    return joblib.load(io.BytesIO(payload)), json.loads(metadata_json)
