"""Explainable supplier-risk score: signals per pillar, absolute points maps, red flags, bands and history.

`compute_signals(tables, as_of)` reads staging-shaped frames and uses ONLY rows dated on or before `as_of`
(orders ordered, payments paid, inspections inspected, shipments shipped/delivered, returns returned, sales
months ended, costs incurred, audits done); what it measures comes from models/risk_panel.py, which computes every
cutoff at once, so `score_history` scores every month end in one pass with the same definitions. Points come from fixed, configured maps (models/config/risk_score.toml), never from ranks or
min-max scaling across suppliers; rates are shrunk toward the supplier's peer cohort (models/shrinkage.py).
The method is documented in docs/risk-score.md.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from models import entity, po_status, risk_panel, signal_words
from models import signals as sig
from models.wording import count_words

CONFIG_PATH = Path(__file__).resolve().parent / "config" / "risk_score.toml"
PILLARS = ("entity", "transaction", "quality", "delivery", "commercial")

# Staging tables compute_signals reads, and the reference tables it needs. `inspections` carries
# `judged_aql_major`, the major AQL each inspection is judged at (the one it gives, else the default: the SQL macro
# judged_aql, which pipelines.loaders.load_tables applies, as marts.inspection_lot_facts does).
TABLE_NAMES = ("suppliers", "products", "purchase_orders", "payments", "inspections", "shipments", "sales",
               "returns", "quality_costs", "bank_accounts", "changes", "corrective_actions")
# The sourcing playbook's control records: optional imports. Their signals are unknown (0 points, confidence lower)
# unless the file was imported; an imported file with no rows is known to hold none.
CONTROL_TABLES = ("bank_accounts", "changes", "corrective_actions")

_CONTROL_COLUMNS = {
    # is_change: a change to verify before paying (marts.bank_accounts, where the rule is written)
    "bank_accounts": ["bank_account_id", "supplier_id", "bank_country", "first_seen_on", "verified_on", "is_offshore",
                      "is_change"],
    "changes": ["change_id", "supplier_id", "po_id", "changed_on", "kind", "is_confirmed_in_writing"],
    # next_lot_*: the lot that tested the action and its result (marts.corrective_actions, where that rule is written)
    "corrective_actions": ["capa_id", "supplier_id", "po_id", "opened_on", "severity", "due_on", "closed_on",
                           "next_lot_result_recorded", "next_lot_result", "next_lot_inspected_on"],
}

PEER_AVERAGE_WORDS = ", peers' average"  # a top reason scored at its cohort prior: "late shipments (4.2 pts, …)"

# Short labels for top_reasons and the dashboard, given with each signal in models/signals.py.
LABELS = sig.LABELS

SIGNAL_COLUMNS = ["supplier_id", "pillar", "signal", "raw_value", "shrunk_value", "evidence_n", "points",
                  "max_points", "explanation", "detail"]


# ---- configuration ----------------------------------------------------------------------------------------------

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
    if set(cfg["signals"]) != set(sig.REGISTRY):
        missing, unknown = set(sig.REGISTRY) - set(cfg["signals"]), set(cfg["signals"]) - set(sig.REGISTRY)
        raise ValueError(f"signals without config: {sorted(missing)}; config without a signal: {sorted(unknown)}")
    for name, s in cfg["signals"].items():
        if s["pillar"] not in PILLARS:
            raise ValueError(f"signal {name}: unknown pillar {s['pillar']!r}")
        for key in ("map", "age_map"):
            if key in s:
                xs, ys = zip(*s[key])
                if list(xs) != sorted(xs) or list(ys) != sorted(ys):
                    raise ValueError(f"signal {name}: {key} must be non-decreasing in value and share")
    return cfg


map_share = sig.map_share

# the bands, lowest first: risk_score.toml's [bands] levels (by min_score), the one list of them
BAND_ORDER = tuple(level["band"] for level in sorted(load_config()["bands"]["levels"], key=lambda lv: lv["min_score"]))


# the return reason the score reads besides the defect-coded ones: goods that differ from the approved sample
NOT_AS_DESCRIBED = "not_as_described"


def _dates(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    for c in cols:
        if c in frame.columns:
            frame[c] = pd.to_datetime(frame[c])
    return frame


def prepare_tables(tables: dict[str, pd.DataFrame], copy: bool = True) -> dict[str, pd.DataFrame]:
    """Typed copies (datetime64 dates, integer keys) computed once for any cutoff. Returns and quality costs come
    attributed to their supplier (marts.return_costs, marts.quality_costs, read by pipelines.loaders.load_tables);
    sales are the units a return rate is over (the loader reads those of channels whose returns are recorded).
    With copy=False the frames given are changed in place (a caller that no longer needs them saves a copy of
    every table: several hundred MB at 2,000 suppliers)."""
    t = {k: v.copy() for k, v in tables.items()} if copy else dict(tables)
    for name in CONTROL_TABLES:  # hand-made frames without the control records: empty, with the staging columns
        if name not in t:
            t[name] = pd.DataFrame({c: pd.Series(dtype=object) for c in _CONTROL_COLUMNS[name]})
    _dates(t["suppliers"], ["onboarded_on", "last_audit_on", "registry_checked_on", "records_checked_on"])
    _dates(t["bank_accounts"], ["first_seen_on", "verified_on"])
    _dates(t["changes"], ["changed_on"])
    _dates(t["corrective_actions"], ["opened_on", "due_on", "closed_on", "next_lot_inspected_on"])
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
    ret = t["returns"]  # its supplier_id and is_defect_coded as marts.return_costs attributes them
    ret["is_defect_coded"] = ret["is_defect_coded"].astype(bool)
    ret["is_not_as_described"] = ret["reason"] == NOT_AS_DESCRIBED
    # products are undated: a supplier without orders yet is put in the category of its first listed SKU
    sup = t["suppliers"]
    sup["first_category"] = sup["supplier_id"].map(  # object: an empty products table maps to float NaN
        prod.drop_duplicates("supplier_id").set_index("supplier_id")["category"]).astype(object).fillna("uncategorised")
    po["category"] = po["sku"].map(prod.set_index("sku")["category"]).fillna("uncategorised")
    settings = t["kpi_settings"].set_index("setting")["value"]
    tol = po_status.settings_from(t["kpi_settings"])
    # reference.inspection_settings: when a lot is mature for field returns, and the AQL of a PSI that gives none,
    # as the inspection marts read them (one value each, dated and sourced there)
    ins_set = t["inspection_settings"].set_index("setting")["value"]
    t["_settings"] = {"mature_lot_days": int(float(ins_set["field_return_maturity_days"])),
                      "on_time_days": tol.on_time_days, "in_full_share": tol.in_full_share,
                      "late_incident_days": tol.late_incident_days,
                      # the AQL of a PSI that gives none, as marts.inspection_lot_facts reads it
                      "default_aql_major": float(ins_set["default_aql_major"]),
                      "background_check_valid_days": (int(settings["background_check_valid_days"]) if
                                                      "background_check_valid_days" in settings.index else None)}
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
    unknown: tuple[str, ...] = ()  # signals whose fields the data does not carry (0 points, shown as unknown)
    labels: dict[str, str] = field(default_factory=lambda: dict(LABELS))  # short labels, filled from the settings
    missing_files: dict[str, tuple[str, ...]] = field(default_factory=dict)  # unknown signal → files not imported

    def lacking(self, name: str) -> str:
        """What the data lacks for unknown signal `name`, in words: the files not imported, else its fields."""
        return sig.lacks_words(self.missing_files.get(name, ()), sig.REGISTRY[name].needs)


@lru_cache(maxsize=200_000)
def _compare(a: str, b: str) -> str:
    return entity.compare_names(a or None, b or None)


def _worst_names(pairs: pd.DataFrame, ref_col: str, name_col: str) -> pd.DataFrame:
    """Per supplier, the worst comparison of `name_col` values against `ref_col`, and the culprit name."""
    p = pairs.dropna(subset=[name_col]).drop_duplicates(["supplier_id", ref_col, name_col]).copy()
    if p.empty:
        return pd.DataFrame(columns=["outcome", "culprit", "n_names"]).rename_axis("supplier_id")
    p["outcome"] = [_compare(str(r) if isinstance(r, str) else "", str(n)) for r, n in zip(p[ref_col], p[name_col])]
    p["sev"] = p["outcome"].map(entity.SEVERITY)
    p = p.sort_values(["supplier_id", "sev", name_col], ascending=[True, False, True])
    worst = p.drop_duplicates("supplier_id").set_index("supplier_id")
    return pd.DataFrame({"outcome": worst["outcome"], "culprit": worst[name_col],
                         "n_names": p.groupby("supplier_id")[name_col].nunique()})


def measure(tables: dict[str, pd.DataFrame], cutoffs, config: dict | None = None) -> pd.DataFrame:
    """The measured panel (models.risk_panel.measure) at several cutoffs at once, for compute_signals and
    score_history to share: measuring is most of the cost, and a cutoff's rows do not depend on the other cutoffs
    (but for the last bit of a running sum: a few raw values may differ by ~1e-15 from measuring the cutoff alone;
    points, scores and flags do not)."""
    t = tables if tables.get("_prepared") else prepare_tables(tables)
    return risk_panel.measure(t, sorted({pd.Timestamp(c) for c in cutoffs}), config or load_config())


def _at(panel: pd.DataFrame, cutoffs) -> pd.DataFrame:
    """The rows of a measured panel at these cutoffs, in the order risk_panel.measure gives them for these alone."""
    return panel[panel["as_of"].isin([pd.Timestamp(c) for c in cutoffs])].reset_index(drop=True)


def compute_signals(tables: dict[str, pd.DataFrame], as_of: date, config: dict | None = None,
                    frozen_priors: pd.DataFrame | None = None, explain: bool = True,
                    panel: pd.DataFrame | None = None) -> SignalResult:
    """Every signal of every supplier known on `as_of`, from rows dated on or before `as_of` only.

    `frozen_priors` (supplier_id, signal, prior_mean, prior_strength) replaces the fitted cohort priors for the
    suppliers it lists (to show that a supplier's score depends on others only through the prior). `panel`: a
    panel from `measure` that includes `as_of` (else it is measured here).
    """
    cfg = config or load_config()
    t = tables if tables.get("_prepared") else prepare_tables(tables)
    f = _at(panel, [as_of]) if panel is not None else risk_panel.measure(t, [pd.Timestamp(as_of)], cfg)
    return _signals(t, f, cfg, frozen_priors, explain)


def _signals(t: dict, f: pd.DataFrame, cfg: dict, frozen_priors: pd.DataFrame | None,
             explain: bool, by_cutoff: bool = False) -> SignalResult:
    """Every registered signal (models/signals.py) for every row of the measured panel `f` (one row per cutoff and
    supplier): points from the configured maps, rates shrunk toward the cohort prior fitted at the same cutoff,
    explanations when `explain` (one cutoff only). The frames carry an as_of column when there are several cutoffs
    or `by_cutoff` says so (a history of one month end is still a history)."""
    id_names = t["_supplier_ids"]
    sup = t["suppliers"].set_index("supplier_id", drop=False)
    cutoffs = f["as_of"].unique()
    if explain and len(cutoffs) > 1:
        raise ValueError("explanations are written for one cutoff at a time")
    if frozen_priors is not None:
        codes = pd.Series(np.arange(len(id_names)), index=id_names)
        frozen_priors = frozen_priors.assign(supplier_id=frozen_priors["supplier_id"].map(codes))
    outcomes = _name_outcomes(t, f, sup, cutoffs[0] if explain and len(f) else None)
    in_file = set(t["supplier_fields_carried"]["field"]) if "supplier_fields_carried" in t else None
    carried = set(t["tables_carried"]["table_name"]) if "tables_carried" in t else set()
    columns = set(t["columns_carried"]["field"]) if "columns_carried" in t else None
    x = sig.Context(f, sup, cfg, t["_settings"], explain, frozen_priors, outcomes, in_file, carried, columns)
    rows = []
    unknown = tuple(name for name, s in sig.REGISTRY.items() if not x.knows(s))
    for name, s in sig.REGISTRY.items():
        x.name = name
        r = sig.unknown_reading(len(f), s.needs, explain, x.missing_tables(s)) if name in unknown else s.measure(x)
        c = cfg["signals"][name]
        share = np.clip(np.asarray(r.share, dtype=float), 0.0, 1.0)
        rows.append(pd.DataFrame({
            "as_of": f["as_of"].to_numpy(), "supplier_id": f["supplier_id"].to_numpy(), "pillar": c["pillar"],
            "signal": name, "raw_value": np.asarray(r.raw, dtype=float),
            "shrunk_value": (np.asarray(r.shrunk, dtype=float) if r.shrunk is not None else np.full(len(f), np.nan)),
            "evidence_n": np.asarray(r.n, dtype=float), "points_raw": share * c["max_points"],
            "max_points": float(c["max_points"]),
            "explanation": r.explanation if explain else None,
            "detail": r.detail if (explain and r.detail is not None) else None,
        }))
    signals = _round_points(pd.concat(rows, ignore_index=True))
    evidence = f[["as_of", "supplier_id", "resolved_pos", "inspected_pos", "critical_recent_lots",
                  "critical_shipped_uncleared", "spend_12m", "overdue_deposits", "payee_count", "order_value",
                  "bank_unverified_changes", "price_drift", "max_price_step"]].copy()
    if "bank_account_changes" in unknown:  # bank accounts not imported: nothing known, nothing flagged
        evidence["bank_unverified_changes"] = 0.0
    evidence["legal_outcome"] = outcomes["legal"]
    evidence["payee_outcome"] = outcomes["payee"]
    evidence["operating_status"] = x.supplier("operating_status").fillna("normal").to_numpy()
    evidence["subcontracting"] = x.supplier("subcontracting").fillna("none").to_numpy()
    evidence["audit_result"] = sig.audit_state(x)[1]
    flags = _red_flags(evidence, cfg, outcomes["legal_names"], outcomes["legal_culprit"], outcomes["legal_role"],
                       outcomes["payee_culprit"], explain,
                       {"audit": x.supplier("last_audit_on").to_numpy(),
                        "registry": x.supplier("registry_checked_on").to_numpy()} if explain else None)
    priors = pd.concat(x.priors_used, ignore_index=True)[["as_of", "supplier_id", "signal", "prior_mean",
                                                          "prior_strength", "cohort"]]
    for frame in (signals, evidence, priors, flags):
        frame["supplier_id"] = id_names[frame["supplier_id"].to_numpy(dtype=np.int64)]
    as_of = pd.Timestamp(cutoffs[-1]).date() if len(cutoffs) else None
    if len(cutoffs) <= 1 and not by_cutoff:  # one cutoff: the frames keep their usual columns
        signals, evidence, priors, flags = (frame.drop(columns="as_of")
                                            for frame in (signals, evidence, priors, flags))
    return SignalResult(signals, evidence, priors, flags, as_of, unknown, sig.labels(t["_settings"]),
                        {name: x.missing_tables(sig.REGISTRY[name]) for name in unknown})


def _name_outcomes(t: dict, f: pd.DataFrame, sup: pd.DataFrame, explain_at) -> dict:
    """The legal-entity and payee name checks of each panel row: the worst outcome so far (from the panel's
    severities), and at `explain_at` (one cutoff) the exact outcome, the name behind it and its role."""
    legal_names = f["supplier_id"].map(sup["legal_name"]).to_numpy()
    payee = np.array([entity.OUTCOME_OF_SEVERITY.get(int(v), "no_payments") for v in f["payee_severity"]],
                     dtype=object)
    legal = np.array([entity.OUTCOME_OF_SEVERITY.get(int(v), "match") for v in f["legal_severity"]],
                     dtype=object)
    payee_culprit = legal_culprit = np.full(len(f), None, dtype=object)
    legal_role = [""] * len(f)
    if explain_at is not None:
        names_now = _names_at(t, explain_at)
        worst = _worst_names(names_now["payments"], "ref", "payee_name")
        payee = f["supplier_id"].map(worst["outcome"]).astype(object).fillna("no_payments").to_numpy()
        payee_culprit = f["supplier_id"].map(worst["culprit"]).to_numpy()
        names = names_now["names"]
        worst = _worst_names(names, "ref", "name")
        roles = names.drop_duplicates(["supplier_id", "name"]).set_index(["supplier_id", "name"])["role"]
        legal = f["supplier_id"].map(worst["outcome"]).astype(object).fillna("match").to_numpy()
        legal_culprit = f["supplier_id"].map(worst["culprit"]).to_numpy()
        legal_role = [roles.get((s, cu), "name") if isinstance(cu, str) else "" for s, cu in
                      zip(f["supplier_id"], legal_culprit)]
    legal = np.where(pd.isna(legal_names), "missing_legal_name", legal)
    return {"legal": legal, "legal_culprit": legal_culprit, "legal_role": legal_role, "legal_names": legal_names,
            "payee": payee, "payee_culprit": payee_culprit}


def _names_at(t: dict, cutoff) -> dict[str, pd.DataFrame]:
    """The names compared at one cutoff, for explanations: payees (against the legal name, else the order's PI
    entity) and the PI entities and bank beneficiary (against the legal name)."""
    c = pd.Timestamp(cutoff)
    sup = t["suppliers"].set_index("supplier_id", drop=False)
    po = t["purchase_orders"]
    po = po[po["ordered_on"] <= c]
    pay = t["payments"]
    pay = pay[pay["paid_on"] <= c].merge(po[["po_id", "supplier_id", "pi_entity_name"]], on="po_id")
    pay["ref"] = entity.payee_reference(pay["supplier_id"].map(sup["legal_name"]), pay["pi_entity_name"]).to_numpy()
    # known as risk_panel's _Scope knows it (a supplier being vetted: at any cutoff explained, the build date's)
    known = sup[(sup["onboarded_on"] <= c) | sup["supplier_id"].isin(set(po["supplier_id"]))
                | risk_panel.vetted(sup["onboarded_on"], sup["supplier_id"], t["purchase_orders"])]
    names = pd.concat([
        pd.DataFrame({"supplier_id": known["supplier_id"].to_numpy(), "name": known["bank_beneficiary"].to_numpy(),
                      "role": "bank beneficiary"}),
        po[["supplier_id", "pi_entity_name"]].rename(columns={"pi_entity_name": "name"}).assign(role="PI entity"),
    ], ignore_index=True).dropna(subset=["name"])
    names["ref"] = names["supplier_id"].map(sup["legal_name"]).fillna("")
    return {"payments": pay[["supplier_id", "ref", "payee_name"]], "names": names}


def _round_points(signals: pd.DataFrame) -> pd.DataFrame:
    """Round each supplier's contributions to 0.1 point by largest remainder, so they add up to the rounded score
    (per cutoff and supplier when the frame holds several cutoffs)."""
    keys = ["as_of", "supplier_id"] if "as_of" in signals.columns else ["supplier_id"]
    n = len(signals)
    tenths = signals["points_raw"].to_numpy() * 10.0
    floor = np.floor(tenths + 1e-9)
    rem = tenths - floor
    # each row's group (cutoff and supplier) as a number, so the sums and the ranking work on arrays, not on the
    # frame's text columns (millions of rows in the score history)
    codes = signals.groupby(keys, sort=False).ngroup().to_numpy()
    total = pd.Series(signals["points_raw"].to_numpy()).groupby(codes).transform("sum").to_numpy() * 10.0
    target = np.round(total + 1e-9)
    short = target - pd.Series(floor).groupby(codes).transform("sum").to_numpy()
    # rank within the group: largest remainder first, ties in row order
    order = np.lexsort((np.arange(n), -rem, codes))
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]) if n else np.empty(0, dtype=np.int64)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    extra = (rank < short).astype(float)
    signals = signals.copy()
    signals["points"] = (floor + extra) / 10.0
    return signals.drop(columns=["points_raw"])[keys[:-1] + SIGNAL_COLUMNS]


RED_FLAG_COLUMNS = ["supplier_id", "flag", "reason"]
# the signal whose evidence each red flag reads (_red_flags' conditions, in their order): a flag cannot fire on data
# that cannot measure its signal, so "no red flag" there means "not checked", not "clean"
RED_FLAG_SIGNALS = {"legal_entity_mismatch": "legal_entity_consistency", "payee_mismatch": "payee_consistency",
                    "abnormal_operating_status": "operating_status", "failed_audit": "audit",
                    "suspected_subcontracting": "subcontracting", "critical_defect_recent": "critical_defects",
                    "unverified_bank_change": "bank_account_changes"}


def red_flags_unknown(unknown: pd.DataFrame) -> list[str]:
    """The red flags (RED_FLAG_SIGNALS order) this data cannot raise: their signal is unknown
    (marts.score_unknown_signals: `signal`)."""
    missing = set(unknown["signal"]) if len(unknown) else set()
    return [flag for flag, name in RED_FLAG_SIGNALS.items() if name in missing]


def _on(day) -> str:
    """A date in a reason: 2026-03-04, or "an unrecorded date"."""
    return "an unrecorded date" if pd.isna(day) else f"{pd.Timestamp(day):%Y-%m-%d}"


def _red_flags(ev: pd.DataFrame, cfg: dict, legal_names, leg_cul, leg_role, pay_cul,
               explain: bool = True, dates: dict | None = None) -> pd.DataFrame:
    """Conditions averaging cannot hide: one row per supplier (and cutoff) and flag, with a plain-English reason
    when `explain` (`dates`: each row's last audit and registry check dates, which the reasons name)."""
    rf = cfg["red_flags"]
    recent = cfg["windows"]["recent_days"]
    conditions = {
        "legal_entity_mismatch": rf["legal_entity_mismatch"] & (ev["legal_outcome"] == "mismatch"),
        "payee_mismatch": rf["payee_mismatch"] & (ev["payee_outcome"] == "mismatch"),
        "abnormal_operating_status": rf["abnormal_operating_status"] & (ev["operating_status"] == "abnormal"),
        "failed_audit": rf["failed_audit"] & (ev["audit_result"] == "fail"),
        "suspected_subcontracting": rf["suspected_subcontracting"] & (ev["subcontracting"] == "suspected"),
        "critical_defect_recent": ((ev["critical_shipped_uncleared"] >= rf["critical_defect_shipped_uncleared"])
                                   | (ev["critical_recent_lots"] >= rf["critical_defect_recent_lots"])),
        "unverified_bank_change": rf["unverified_bank_change"] & (ev["bank_unverified_changes"] > 0),
    }

    def reason(flag: str, i: int) -> str | None:
        if not explain:
            return None
        r = ev.iloc[i]
        return {
            "legal_entity_mismatch": lambda: f"{leg_role[i]} '{leg_cul[i]}' is not the legal entity '{legal_names[i]}'",
            "payee_mismatch": lambda: f"paid '{pay_cul[i]}', which is not the legal entity '{legal_names[i]}'",
            "abnormal_operating_status": lambda: ("the business registry listed the company as abnormal when "
                                                  f"checked on {_on(dates['registry'][i])}"),
            "failed_audit": lambda: f"the last factory audit, on {_on(dates['audit'][i])}, failed",
            "suspected_subcontracting": lambda: "production is suspected to be subcontracted without declaration",
            "critical_defect_recent": lambda: (
                f"{count_words(int(r.critical_recent_lots), 'lot')} inspected in the last {recent} days had critical "
                "defects, "
                f"{int(r.critical_shipped_uncleared)} shipped without a passed re-inspection"),
            "unverified_bank_change": lambda: (
                f"{count_words(int(r.bank_unverified_changes), 'new or offshore bank account')} not verified by a "
                f"call-back or bank letter: pay nothing to {'it' if r.bank_unverified_changes == 1 else 'them'} until "
                "verified"),
        }[flag]()

    hits = [(i, flag) for flag, mask in conditions.items() for i in np.flatnonzero(np.asarray(mask, dtype=bool))]
    hits.sort()  # supplier by supplier, flags in the order above
    order = {flag: j for j, flag in enumerate(conditions)}
    hits.sort(key=lambda h: (h[0], order[h[1]]))
    rows = ev.iloc[[i for i, _ in hits]]
    out = pd.DataFrame({"supplier_id": rows["supplier_id"].to_numpy(), "flag": [f for _, f in hits],
                        "reason": [reason(f, i) for i, f in hits]})
    if "as_of" in ev.columns:
        out.insert(0, "as_of", rows["as_of"].to_numpy())
    return out


# ---- score ------------------------------------------------------------------------------------------------------

def score_band(score: float, cfg: dict) -> str:
    """Band from the score thresholds alone (the highest level whose `min_score` the score reaches)."""
    band = BAND_ORDER[0]
    for level in cfg["bands"]["levels"]:
        if score >= level["min_score"] - 1e-9:
            band = level["band"]
    return band


def band_for(score: float, flags: int, cfg: dict) -> str:
    """Band from the score thresholds (score_band), raised to `red_flag_band` by any red flag (critical with many)."""
    b = cfg["bands"]
    band = score_band(score, cfg)
    if flags >= b["critical_if_red_flags"]:
        return "critical"
    if flags > 0 and BAND_ORDER.index(band) < BAND_ORDER.index(b["red_flag_band"]):
        return b["red_flag_band"]
    return band


def band_levels(cfg: dict) -> pd.DataFrame:
    """The bands in order (BAND_ORDER: band_rank 0 = lowest) with the fewest red flags that put a supplier at least
    in each (by band_for itself), written to marts.risk_band_levels so data checks read the configured bands."""
    forced = [BAND_ORDER.index(band_for(0.0, n, cfg)) for n in range(int(cfg["bands"]["critical_if_red_flags"]) + 1)]
    return pd.DataFrame({"band": list(BAND_ORDER), "band_rank": range(len(BAND_ORDER)),
                         "min_red_flags": [next((n for n, f in enumerate(forced) if f >= rank), None)
                                           for rank in range(len(BAND_ORDER))]})


def confidence_for(resolved: np.ndarray, inspected: np.ndarray, cfg: dict, unknown: tuple[str, ...] = ()) -> np.ndarray:
    """Confidence grade A–D from resolved orders and decided pre-shipment inspections, one grade lower when the
    signals the data cannot measure (`unknown`) could carry [evidence] unknown_points_lower_grade points or more."""
    ev = cfg["evidence"]
    grades = [g["grade"] for g in ev["confidence_grades"]] + [ev["lowest_grade"]]
    rank = np.full(len(resolved), len(grades) - 1)
    for i, g in reversed(list(enumerate(ev["confidence_grades"]))):
        ok = (np.asarray(resolved) >= g["min_resolved_pos"]) & (np.asarray(inspected) >= g["min_inspections"])
        rank[ok] = i
    if sum(cfg["signals"][s]["max_points"] for s in unknown) >= ev["unknown_points_lower_grade"]:
        rank = np.minimum(rank + 1, len(grades) - 1)
    return np.asarray(grades, dtype=object)[rank]


def coverage(unknown: pd.DataFrame, cfg: dict | None = None) -> pd.DataFrame:
    """Per pillar (config order): its maximum points and how many of them the data can measure, given the unknown
    signals (marts.score_unknown_signals: `signal`, `max_points`)."""
    cfg = cfg or load_config()
    missing = set(unknown["signal"]) if len(unknown) else set()
    rows = [(c["pillar"], float(c["max_points"]), 0.0 if name in missing else float(c["max_points"]))
            for name, c in cfg["signals"].items()]
    out = pd.DataFrame(rows, columns=["pillar", "max_points", "known_points"]).groupby("pillar", sort=False).sum()
    return out.reindex([p for p in PILLARS if p in out.index]).reset_index()


def coverage_words(unknown: pd.DataFrame, cfg: dict | None = None,
                   pillar_name: Callable[[str], str] = str) -> list[str]:
    """What the score can see on this data, for a founder: nothing when it sees every point; else how many of its
    points each pillar can measure, that the rest counts 0 (so a low band means low on what the data shows), and
    the files and supplier fields that would count the rest."""
    if unknown.empty:
        return []
    cfg = cfg or load_config()
    order = list(cfg["signals"])
    unknown = unknown.sort_values("signal", key=lambda s: s.map(order.index), kind="stable")
    cov = coverage(unknown, cfg)
    known, total = cov["known_points"].sum(), cov["max_points"].sum()
    cov = cov.assign(share=cov["known_points"] / cov["max_points"]).sort_values("share", ascending=False, kind="stable")
    parts = ", ".join(f"{pillar_name(r.pillar)} {r.known_points:g} of {r.max_points:g}" for r in cov.itertuples())
    out = [f"On this data the score can see {known:g} of its {total:g} points ({parts}). The other "
           f"{total - known:g} are unknown and count 0, so a low band here means low on what the data shows, not a "
           "clean record."]
    if "missing_files" not in unknown:  # a warehouse built before the column existed: no advice rather than wrong
        return out
    files = sorted({f for v in unknown["missing_files"].fillna("") for f in v.split(", ") if f}, key=TABLE_NAMES.index)
    need = []
    if files:
        need.append("import the " + sig.files_words(tuple(f.replace("_", " ") for f in files)))
    # the fields of the signals unknown for a field, not a file, by the file that carries them (the registry's needs:
    # "legal_name", "nnn_signed or mold_owner", "shipments.doc_errors")
    by_file: dict[str, list[str]] = {}
    for name, missing in zip(unknown["signal"], unknown["missing_files"].fillna("")):
        if missing or name not in sig.REGISTRY:
            continue
        for table, columns in sig.needs_by_file(sig.REGISTRY[name].needs).items():
            by_file.setdefault(table or "suppliers", []).append(" or ".join(columns))
    if by_file:
        need.append("fill " + " and ".join(f"the {name} file's " + ", ".join(cols) for name, cols in by_file.items()))
    if need:
        out.append("To count the rest, " + " and ".join(need) + " (docs/data-contract.md).")
    return out


def at_peer_average(points, evidence_n, prior_mean) -> np.ndarray:
    """Signals whose points are wholly their peers' average: points, no evidence of the supplier (evidence_n 0) and a
    cohort prior, which the signal reads until the supplier's own record builds up (models/shrinkage.py; a supplier
    being vetted has mostly these). The top reasons and the Supplier page say so."""
    points = np.asarray(points, dtype=float)
    n = np.nan_to_num(np.asarray(pd.to_numeric(pd.Series(evidence_n)), dtype=float), nan=0.0)
    return (points > 0) & (n == 0) & pd.notna(pd.Series(prior_mean)).to_numpy()


def _priors_of(result: SignalResult, s: pd.DataFrame) -> np.ndarray:
    """The cohort prior of each of the signal rows `s` (NaN for a signal without one)."""
    return s[["supplier_id", "signal"]].merge(result.priors[["supplier_id", "signal", "prior_mean"]],
                                              on=["supplier_id", "signal"], how="left")["prior_mean"].to_numpy()


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
    out["confidence"] = confidence_for(ev["resolved_pos"].to_numpy(), ev["inspected_pos"].to_numpy(), cfg,
                                       result.unknown)
    if with_text:
        fl = {sid: "; ".join(f"{f}: {r}" for f, r in zip(g["flag"], g["reason"]))
              for sid, g in result.red_flags.groupby("supplier_id")}
        out["red_flags"] = [fl.get(x, "") for x in out["supplier_id"]]
        top = sig[sig["points"] > 0].sort_values(["supplier_id", "points", "signal"], ascending=[True, False, True])
        top = top.groupby("supplier_id").head(3)
        # a signal scored at its peers' average says so: a supplier without orders has not failed an inspection
        top = top.assign(peer=at_peer_average(top["points"], top["evidence_n"], _priors_of(result, top)))
        tr = {sid: "; ".join(f"{result.labels[s]} ({p:.1f} pts{PEER_AVERAGE_WORDS if peer else ''})"
                             for s, p, peer in zip(g["signal"], g["points"], g["peer"]))
              for sid, g in top.groupby("supplier_id")}
        out["top_reasons"] = [tr.get(x, "no risk signal above its threshold") for x in out["supplier_id"]]
    out["score_version"] = cfg["score_version"]
    out["as_of"] = pd.Timestamp(result.as_of).date()
    return out


def month_ends(first: date, last: date) -> list[date]:
    """Month-end dates from the month of `first` up to the last month end on or before `last`."""
    ends = pd.date_range(pd.Timestamp(first) + pd.offsets.MonthEnd(0), pd.Timestamp(last), freq="ME")
    return [d.date() for d in ends]


def score_history(tables: dict[str, pd.DataFrame], cutoffs: list[date], cfg: dict | None = None,
                  keep_signals: dict | None = None, panel: pd.DataFrame | None = None) -> pd.DataFrame:
    """The score as of each cutoff (point-in-time): one row per supplier and cutoff, all cutoffs computed at once.

    With `keep_signals` (a dict), its "signal_history" entry receives each signal's points at each cutoff
    (supplier_id, as_of, pillar, signal, points, max_points; ids and names categorical to keep it small), the frame
    models.validity.signal_history would otherwise recompute. `panel`: a panel from `measure` that includes every
    cutoff (else they are measured here)."""
    cfg = cfg or load_config()
    t = tables if tables.get("_prepared") else prepare_tables(tables)
    if not cutoffs:
        return pd.DataFrame()
    f = _at(panel, cutoffs) if panel is not None else risk_panel.measure(t, [pd.Timestamp(c) for c in cutoffs], cfg)
    if f.empty:
        return pd.DataFrame()
    # by cutoff even when there is one: a brand whose orders began last month has one month end to its history
    res = _signals(t, f, cfg, None, explain=False, by_cutoff=True)
    if keep_signals is not None:
        s = res.signals
        keep_signals["signal_history"] = pd.DataFrame({
            "supplier_id": s["supplier_id"].astype("category"), "as_of": pd.to_datetime(s["as_of"]),
            "pillar": s["pillar"].astype("category"), "signal": s["signal"].astype("category"),
            "points": s["points"].to_numpy(), "max_points": s["max_points"].to_numpy()})
    sig, ev = res.signals, res.evidence
    keys = ["as_of", "supplier_id"]
    pillars = sig.pivot_table(index=keys, columns="pillar", values="points", aggfunc="sum").reindex(
        columns=list(PILLARS), fill_value=0.0).fillna(0.0)
    hist = pillars.index.to_frame(index=False)
    for p in PILLARS:
        hist[f"{p}_points"] = np.round(pillars[p].to_numpy(), 1)
    hist["risk_score"] = np.round(sig.groupby(keys)["points"].sum().reindex(pillars.index).to_numpy(), 1)
    nflags = res.red_flags.groupby(keys).size()
    hist["red_flag_count"] = nflags.reindex(pillars.index).fillna(0).astype(int).to_numpy()
    # which flags, not only how many (codes in order, joined by commas): the weekly digest names the flags raised
    # since a month end, so a supplier that had one and has three shows two new, not three
    codes = res.red_flags.sort_values("flag").groupby(keys)["flag"].agg(",".join)
    hist["red_flags"] = codes.reindex(pillars.index).astype(object).fillna("").to_numpy()  # none at all: float64
    hist["risk_band"] = [band_for(s, n, cfg) for s, n in zip(hist["risk_score"], hist["red_flag_count"])]
    evi = ev.set_index(keys).reindex(pillars.index)
    hist["confidence"] = confidence_for(evi["resolved_pos"].to_numpy(), evi["inspected_pos"].to_numpy(), cfg,
                                        res.unknown)
    hist["score_version"] = cfg["score_version"]
    as_of = pd.to_datetime(hist["as_of"])
    hist["as_of"] = as_of.dt.date
    hist["month_on"] = (as_of + pd.Timedelta(days=1)).dt.date
    return hist


def _worded(result: SignalResult) -> pd.DataFrame:
    """The result's signals, each explanation in words (models.signal_words.explanation_words)."""
    s = result.signals
    return s.assign(explanation=[signal_words.explanation_words(*r) for r in zip(
        s["signal"], s["explanation"], s["evidence_n"], s["raw_value"], _priors_of(result, s))])


def score_changes(now: SignalResult, before: SignalResult, min_delta: float) -> pd.DataFrame:
    """Signals whose points moved by at least `min_delta` between two cutoffs, largest move first. Each side's
    explanation in words (models.signal_words: a rate with no evidence yet says so, as the Supplier page does)."""
    a = _worded(before)[["supplier_id", "signal", "points", "explanation"]].rename(
        columns={"points": "points_last_month", "explanation": "explanation_last_month"})
    b = _worded(now)[["supplier_id", "signal", "pillar", "points", "explanation"]].rename(
        columns={"points": "points_now"})
    m = b.merge(a, on=["supplier_id", "signal"], how="left")
    new = m["points_last_month"].isna()
    m["points_last_month"] = m["points_last_month"].fillna(0.0)
    m["delta"] = np.round(m["points_now"] - m["points_last_month"], 1)
    m = m[m["delta"].abs() >= min_delta - 1e-9].copy()
    m["explanation"] = [
        f"{now.labels[s]}: {'+' if d > 0 else ''}{d:.1f} pts. Now: {e_now}." + (
            " (new supplier since last month)" if n else f" Last month: {e_then}.")
        for s, d, e_now, e_then, n in zip(m["signal"], m["delta"], m["explanation"], m["explanation_last_month"],
                                          new[m.index])]
    m["_abs"] = m["delta"].abs()
    m = m.sort_values(["supplier_id", "_abs", "signal"], ascending=[True, False, True])
    return m[["supplier_id", "signal", "pillar", "points_last_month", "points_now", "delta",
              "explanation"]].reset_index(drop=True)
