"""Inspection blind spot: what pre-shipment sampling lets through, per lot and per supplier.

Pure pandas/numpy on top of `models.aql` (no database): the build step `pipelines/steps/inspection.py` feeds it
`marts.inspection_lot_facts` and writes the three inspection marts. Method and every column: docs/inspection-blind-spot.md.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from models.aql import (
    LEVELS,
    PERCENT_AQLS,
    LotOutcome,
    acceptance_probabilities,
    acceptance_probability,
    defect_rate_posterior,
    recommend_plan,
    replay_switching,
    sampling_plan,
    sampling_plans_for,
)

DEFECT_CLASSES: tuple[str, ...] = ("critical", "major", "minor")
# the bundled settings a build loads as reference.inspection_settings
SETTINGS_CSV = Path(__file__).resolve().parents[1] / "data" / "reference" / "inspection_settings.csv"


@dataclass(frozen=True)
class InspectionSettings:
    """The settings of reference.inspection_settings, typed (rationale and sources live in the CSV)."""

    field_return_maturity_days: int
    target_escape_probability: float
    default_inspection_level: str
    default_aql_major: float
    default_aql_minor: float
    default_aql_critical: float
    prior_strength_units: float
    lot_effective_units_cap: float
    credible_level: float
    recommendation_levels: tuple[str, ...]

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> InspectionSettings:
        """Parse {setting: value-as-text}; a missing setting raises KeyError naming it."""
        levels = tuple(str(values["recommendation_levels"]).split())
        unknown = [lv for lv in levels if lv not in LEVELS]
        if unknown:
            raise ValueError(f"recommendation_levels: unknown level(s) {unknown}")
        return cls(
            field_return_maturity_days=int(float(values["field_return_maturity_days"])),
            target_escape_probability=float(values["target_escape_probability"]),
            default_inspection_level=str(values["default_inspection_level"]).strip(),
            default_aql_major=float(values["default_aql_major"]),
            default_aql_minor=float(values["default_aql_minor"]),
            default_aql_critical=float(values["default_aql_critical"]),
            prior_strength_units=float(values["prior_strength_units"]),
            lot_effective_units_cap=float(values["lot_effective_units_cap"]),
            credible_level=float(values["credible_level"]),
            recommendation_levels=levels,
        )


def bundled_settings(path: Path = SETTINGS_CSV) -> InspectionSettings:
    """The settings of data/reference/inspection_settings.csv (what the next build loads), for tools that need no
    warehouse, e.g. the Inspections page's calculator opening on the default plan. Read once per version of the file
    (it is user-editable), not on every page run."""
    return _read_settings(str(path), Path(path).stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _read_settings(path: str, mtime_ns: int) -> InspectionSettings:
    with Path(path).open(newline="", encoding="utf-8") as handle:
        return InspectionSettings.from_mapping({row["setting"]: row["value"] for row in csv.DictReader(handle)})


# --------------------------------------------------------------------------- per lot


def lot_plans(lots: pd.DataFrame) -> pd.DataFrame:
    """Normal-stage plan per defect class for each lot, and whether the sample drawn was big enough.

    In: lot_size, inspection_level, aql_critical, aql_major, aql_minor, sample_size. Out (same index):
    <class>_code_letter, <class>_plan_sample_size, <class>_plan_accept, <class>_plan_reject for each class,
    plan_sample_size (largest sample the major and minor plans ask for) and is_plan_followed.
    """
    out = pd.DataFrame(index=lots.index)
    for cls in DEFECT_CLASSES:
        plans = sampling_plans_for(pd.DataFrame({
            "lot_size": lots["lot_size"].astype("int64"),
            "aql": lots[f"aql_{cls}"].astype(float),
            "level": lots["inspection_level"].astype(str),
            "stage": "normal",
        }, index=lots.index))
        out[f"{cls}_code_letter"] = plans["code_letter"]
        out[f"{cls}_plan_sample_size"] = plans["sample_size"].astype("int64")
        out[f"{cls}_plan_accept"] = plans["accept"].astype("int64")
        out[f"{cls}_plan_reject"] = plans["reject"].astype("int64")
    # One sample serves every class; critical (AQL 0, accept 0) sets no sample size of its own by our policy.
    out["plan_sample_size"] = np.maximum(out["major_plan_sample_size"], out["minor_plan_sample_size"])
    sample = pd.to_numeric(lots["sample_size"], errors="coerce")
    out["is_plan_followed"] = (sample >= out["plan_sample_size"]).fillna(False).astype(bool)
    return out


# --------------------------------------------------------------------------- intervals and evidence


def jeffreys_interval(successes: np.ndarray, trials: np.ndarray, credible: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed Jeffreys interval, Beta(x + 1/2, n - x + 1/2), with 0 / 1 at the edges (Brown, Cai, DasGupta 2001).

    NaN where trials is 0.
    """
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    tail = (1.0 - credible) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = stats.beta.ppf(tail, x + 0.5, n - x + 0.5)
        upper = stats.beta.ppf(1.0 - tail, x + 0.5, n - x + 0.5)
    lower = np.where(x == 0, 0.0, lower)
    upper = np.where(x == n, 1.0, upper)
    empty = n <= 0
    return np.where(empty, np.nan, lower), np.where(empty, np.nan, upper)


def _shipped_as_inspected(lots: pd.DataFrame) -> pd.Series:
    """Mature delivered lots whose first PSI sample describes what shipped: no re-inspection (so no rework).

    Lots passed at first PSI and lots shipped on a failed PSI without re-inspection (a waiver) both qualify;
    keeping the waived ones avoids judging field returns only on lots selected for a clean sample.
    """
    return (~lots["is_reinspected"]) & lots["is_mature"] & (lots["delivered_quantity"].fillna(0) > 0)


def return_propensity(lots: pd.DataFrame) -> float | None:
    """Share of defective delivered units that come back as defect-coded, traced returns (portfolio-wide).

    Estimated on the mature lots shipped as first inspected (see `_shipped_as_inspected`): their pooled field
    defect-return rate divided by their pooled PSI sample major-defect rate. None when there is no such evidence.
    """
    # a lot whose major count was left blank has no sample rate (unknown is not 0 defects): left out
    used = lots[_shipped_as_inspected(lots) & (lots["sample_size"].fillna(0) > 0) & lots["major_defects"].notna()]
    sample_rate = used["major_defects"].sum() / used["sample_size"].sum() if len(used) else 0.0
    field_rate = used["defect_return_units"].sum() / used["delivered_quantity"].sum() if len(used) else 0.0
    if sample_rate <= 0 or field_rate <= 0:
        return None
    return float(min(field_rate / sample_rate, 1.0))


def lot_evidence(lots: pd.DataFrame, propensity: float | None, cap: float) -> pd.DataFrame:
    """Defect-rate evidence of each lot, in (defects, units) of one Beta update, capped per lot.

    Sample: major defects in the first PSI sample; a sample whose major count was left blank adds neither units
    nor defects (unknown, not a clean sample), though the lot's field evidence still counts. Field (mature lots
    shipped as first inspected): k defect-coded returns out of N delivered units are a thinned count,
    k ~ Binomial(N, q p), whose likelihood for small q p is that of k defects in q N units; so the field adds
    k defects and q N units. A lot's total is then scaled down to at most `cap` units (lots differ, so one lot
    cannot pin down the supplier's rate).
    """
    counted = lots["major_defects"].notna()
    n = lots["sample_size"].fillna(0).astype(float).clip(lower=0).where(counted, 0.0)
    d = lots["major_defects"].astype(float).where(counted & (n > 0), 0.0)
    field = _shipped_as_inspected(lots)
    if propensity is None:
        field = field & False
    q = propensity or 0.0
    k = lots["defect_return_units"].fillna(0).astype(float).where(field, 0.0)
    field_units = (q * lots["delivered_quantity"].fillna(0).astype(float)).where(field, 0.0)
    field_units = np.maximum(field_units, k)  # a lot cannot have more defects than units of evidence
    units = n + field_units
    scale = np.where(units > cap, cap / np.where(units > 0, units, 1.0), 1.0)
    return pd.DataFrame({
        "sample_units": n, "sample_defects": d,
        "field_delivered_units": lots["delivered_quantity"].fillna(0).astype(float).where(field, 0.0),
        "field_defect_units": k, "field_effective_units": field_units,
        "evidence_units": units * scale, "evidence_defects": (d + k) * scale,
    }, index=lots.index)


PRIOR_MIN_PARAMETER = 0.5  # Jeffreys' Beta(1/2, 1/2) parameters: the least informative a prior count may be


def portfolio_prior(evidence: pd.DataFrame, strength: float) -> tuple[float, float]:
    """Beta prior centred on the portfolio's pooled (capped) evidence rate, worth `strength` units.

    Each parameter is floored at 1/2 (a prior mean of at least 1 / (2 x strength), 1 % at 50 units): a portfolio
    with no defects (or no counts) would otherwise give Beta(0.005, 49.995), whose mass sits at ~0 with a mean of
    1e-4 above its 95th percentile (4e-7), a degenerate prior that claims certainty from no defects.
    """
    units = float(evidence["evidence_units"].sum())
    mean = float(evidence["evidence_defects"].sum()) / units if units > 0 else 0.0
    return max(mean * strength, PRIOR_MIN_PARAMETER), max((1.0 - mean) * strength, PRIOR_MIN_PARAMETER)


# --------------------------------------------------------------------------- per supplier


def _mode(frame: pd.DataFrame, by: list[str], cols: list[str]) -> pd.DataFrame:
    """Most frequent combination of `cols` per group; ties go to the most recent lot."""
    counted = (frame.assign(_n=1).groupby(by + cols, dropna=False)
               .agg(_n=("_n", "sum"), _last=("inspected_on", "max")).reset_index())
    counted = counted.sort_values(by + ["_n", "_last"], ascending=[True] * len(by) + [False, False], kind="stable")
    return counted.drop_duplicates(by).set_index(by)[cols]


def blind_spot_note(rate: float, p_accept_current: float, current: str, aql_major: float,
                    recommended: str | None, p_accept_recommended: float | None, meets_target: bool,
                    target: float | None = None) -> str:
    """One plain-English sentence for a founder: how often bad lots pass now and what to change."""
    head = f"At an estimated {rate:.1%} defect rate, {p_accept_current:.0%} of this supplier's lots would pass " \
           f"your current plan ({current})"
    if rate <= aql_major / 100.0:
        return f"{head}; that rate is within your AQL of {aql_major:g}%, so passing them is right: keep the plan."
    if recommended is None:
        return (f"{head}; that already meets your {target:.0%} target: keep the plan." if target is not None
                else f"{head}.")
    if meets_target:
        return f"{head}; switch to {recommended} to cut that to {p_accept_recommended:.0%}."
    return (f"{head}; even the strictest plan ({recommended}) would pass {p_accept_recommended:.0%}: "
            f"sampling cannot protect you here, fix quality at the source or inspect 100%.")


def _plan_label(level: str, aql: float, n: int, ac: int) -> str:
    return f"level {level} AQL {aql:g}: {n} samples, accept {ac}"


def blind_spot(lots: pd.DataFrame, settings: InspectionSettings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-supplier blind spot and per-lot p_accept_at_estimate.

    `lots` is marts.inspection_lot_facts plus lot_plans(). Returns (suppliers frame, lots frame with
    supplier_defect_rate_estimate and p_accept_at_estimate added).
    """
    lots = lots.copy()
    q = return_propensity(lots)
    evidence = lot_evidence(lots, q, settings.lot_effective_units_cap)
    prior_a, prior_b = portfolio_prior(evidence, settings.prior_strength_units)
    ev = evidence.assign(supplier_id=lots["supplier_id"]).groupby("supplier_id").sum()

    mature_passed = lots["passed_psi"] & lots["is_mature"]
    g = lots.assign(_mp=mature_passed, _pass=lots["passed_psi"], _esc=lots["is_escape"]).groupby("supplier_id")
    sup = pd.DataFrame({
        "lots_inspected": g.size(),
        "lots_passed": g["_pass"].sum(),
        "mature_passed_lots": g["_mp"].sum(),
        "escapes": g["_esc"].sum(),
        "escaped_value": g["escaped_value"].sum(),
        "typical_lot_size": g["lot_size"].median().round().astype("int64"),
    }).astype({"lots_inspected": "int64", "lots_passed": "int64", "mature_passed_lots": "int64",
               "escapes": "int64"})
    sup["escape_rate"] = (sup["escapes"] / sup["mature_passed_lots"]).where(sup["mature_passed_lots"] > 0)
    sup["escape_rate_lower"], sup["escape_rate_upper"] = jeffreys_interval(
        sup["escapes"].to_numpy(), sup["mature_passed_lots"].to_numpy(), settings.credible_level)
    current = _mode(lots, ["supplier_id"], ["inspection_level", "aql_major"])
    sup["current_level"] = current["inspection_level"]
    sup["current_aql_major"] = current["aql_major"].astype(float)
    sup = sup.join(ev)
    sup["return_propensity"] = np.nan if q is None else q
    sup["prior_alpha"], sup["prior_beta"] = prior_a, prior_b

    rows = []
    for sid, r in sup.iterrows():
        post = defect_rate_posterior(r["evidence_defects"], r["evidence_units"], prior_a, prior_b,
                                     settings.credible_level)
        plan = sampling_plan(int(r["typical_lot_size"]), r["current_aql_major"], r["current_level"], "normal")
        pa = acceptance_probability(plan.sample_size, plan.accept, post.mean, plan.lot_size)
        above = post.mean > r["current_aql_major"] / 100.0
        rec_level = rec_aql = rec_n = rec_ac = rec_re = rec_pa = rec_meets = None
        rec_label = None
        if above and pa > settings.target_escape_probability:
            rec = recommend_plan(plan.lot_size, post.mean, settings.target_escape_probability,
                                 aql_options=PERCENT_AQLS, levels=settings.recommendation_levels)
            rec_level, rec_aql, rec_n = rec.plan.level, rec.plan.aql, rec.plan.sample_size
            rec_ac, rec_re, rec_pa, rec_meets = rec.plan.accept, rec.plan.reject, rec.p_accept, rec.meets_target
            rec_label = _plan_label(rec_level, rec_aql, rec_n, rec_ac)
        else:  # within the AQL (passing is right) or already rejecting enough: keep the plan
            rec_level, rec_aql, rec_n, rec_ac, rec_re = (plan.level, plan.aql, plan.sample_size, plan.accept,
                                                         plan.reject)
            rec_pa, rec_meets = pa, True
        rows.append({
            "supplier_id": sid,
            "current_code_letter": plan.code_letter, "current_sample_size": plan.sample_size,
            "current_accept": plan.accept, "current_reject": plan.reject,
            "posterior_alpha": post.alpha, "posterior_beta": post.beta,
            "defect_rate_estimate": post.mean, "defect_rate_lower": post.lower, "defect_rate_upper": post.upper,
            "p_accept_current_plan": pa, "is_above_aql": bool(above),
            "recommended_level": rec_level, "recommended_aql_major": float(rec_aql),
            "recommended_sample_size": int(rec_n), "recommended_accept": int(rec_ac),
            "recommended_reject": int(rec_re), "p_accept_recommended": float(rec_pa),
            "recommendation_meets_target": bool(rec_meets),
            "note": blind_spot_note(post.mean, pa, _plan_label(plan.level, plan.aql, plan.sample_size, plan.accept),
                                    plan.aql, rec_label, rec_pa, bool(rec_meets),
                                    settings.target_escape_probability),
        })
    sup = sup.join(pd.DataFrame(rows).set_index("supplier_id")).reset_index()

    rate = lots["supplier_id"].map(sup.set_index("supplier_id")["defect_rate_estimate"])
    lots["supplier_defect_rate_estimate"] = rate.astype(float)
    lots["p_accept_at_estimate"] = acceptance_probabilities(
        lots["major_plan_sample_size"].to_numpy(dtype=np.int64), lots["major_plan_accept"].to_numpy(dtype=np.int64),
        rate.to_numpy(dtype=float), lots["lot_size"].to_numpy(dtype=np.int64))
    return sup, lots


# --------------------------------------------------------------------------- switching rules


STAGE_COLUMNS = tuple(f"{cls}_stage" for cls in DEFECT_CLASSES)


@dataclass(frozen=True)
class Switching:
    """The switching-rule replay: `suppliers` has one row per supplier and defect class (marts.inspection_switching);
    `lot_stages` has, on the lots' index, the stage each class was on when the lot was inspected (STAGE_COLUMNS;
    None for a lot without a supplier)."""

    suppliers: pd.DataFrame
    lot_stages: pd.DataFrame


def _closed_actions(sid, days: np.ndarray, actions: pd.DataFrame | None) -> list[tuple[str, object] | None]:
    """For each of a supplier's lots (inspection days ascending) the first corrective action it closed after the
    previous lot and on or before this one, and at the end one closed after the last lot: (text, closed_on) or None.
    `actions` holds closed actions only (supplier_id, capa_id, closed_on), each dated on or before the build date."""
    out: list[tuple[str, object] | None] = [None] * (len(days) + 1)
    if actions is None or sid not in actions.index:
        return out
    mine = actions.loc[[sid]].sort_values(["closed_on", "capa_id"], kind="stable")
    closed = mine["closed_on"].to_numpy(dtype="datetime64[D]")
    bounds = np.r_[np.datetime64("NaT"), days]
    for i in range(len(days) + 1):
        first = 0 if i == 0 else int(np.searchsorted(closed, bounds[i], side="right"))
        if first < len(closed) and (i == len(days) or closed[first] <= days[i]):
            on = pd.Timestamp(closed[first])
            out[i] = (f"{mine['capa_id'].iloc[first]} closed {on:%Y-%m-%d}", on)
    return out


def switching(lots: pd.DataFrame, actions: pd.DataFrame | None = None) -> Switching:
    """Replay each supplier's PSI lots (date order) through the switching rules, per defect class.

    Each lot's defect count in its sample is judged against the plan of the stage in force for the supplier's
    usual level and AQL of that class when the sample was at least that plan's sample size; lots with a smaller
    sample or without a count enter as their PSI decision (passed_psi) and earn no switching points (see docs).
    `actions` (supplier_id, capa_id, closed_on: the corrective actions closed by the build date) resume a
    discontinued class on tightened inspection from the first lot after one of them was closed, or for the next lot
    when it was closed after the last (ISO 2859-1:1999 9.4).
    """
    ordered = lots[lots["supplier_id"].notna()].sort_values(["supplier_id", "inspected_on", "po_id"], kind="stable")
    original_index = ordered.index
    ordered = ordered.reset_index(drop=True)
    if actions is not None:
        actions = actions.assign(closed_on=pd.to_datetime(actions["closed_on"])).set_index("supplier_id")
    # each supplier's lots are one run of rows (sorted by supplier first): read as plain arrays, once
    sids = ordered["supplier_id"].to_numpy(dtype=object)
    starts = np.flatnonzero(np.r_[True, sids[1:] != sids[:-1]]) if len(sids) else np.empty(0, dtype=np.int64)
    ends = np.r_[starts[1:], len(sids)].astype(np.int64)
    lot_size = ordered["lot_size"].to_numpy(dtype=float, na_value=np.nan)
    sample = ordered["sample_size"].to_numpy(dtype=float, na_value=np.nan)
    days = pd.to_datetime(ordered["inspected_on"]).to_numpy(dtype="datetime64[D]")
    passed = [bool(v) for v in ordered["passed_psi"]]
    closed = {sids[start]: _closed_actions(sids[start], days[start:end], actions)
              for start, end in zip(starts.tolist(), ends.tolist())}
    stages = pd.DataFrame(None, index=lots.index, columns=list(STAGE_COLUMNS), dtype=object)
    rows = []
    for cls in DEFECT_CLASSES:
        usual = _mode(ordered, ["supplier_id"], ["inspection_level", f"aql_{cls}"])
        levels, aqls = usual["inspection_level"].to_dict(), usual[f"aql_{cls}"].to_dict()
        defects = ordered[f"{cls}_defects"].to_numpy(dtype=float, na_value=np.nan)
        # A count left blank is unknown, not 0: the count-based accept/reject is skipped for that lot, which
        # enters as its PSI decision and earns no switching points (like a sample smaller than the plan's).
        counted = ~np.isnan(sample) & (np.nan_to_num(sample) > 0) & ~np.isnan(defects)
        lot_stages = np.empty(len(ordered), dtype=object)
        for start, end in zip(starts.tolist(), ends.tolist()):
            sid = sids[start]
            level, aql = levels[sid], float(aqls[sid])
            acts = closed[sid]
            named = [None if a is None else a[0] for a in acts]
            outcomes = [
                LotOutcome(defects=int(defects[i]), lot_size=int(lot_size[i]), sample_size=int(sample[i]),
                           accepted=passed[i], action_before=named[i - start])
                if counted[i] else LotOutcome(accepted=passed[i], action_before=named[i - start])
                for i in range(start, end)
            ]
            state = replay_switching(outcomes, aql=aql, level=level, action_after_last=named[-1])
            lot_stages[start:end] = state.lot_stages
            last = state.transitions[-1] if state.transitions else None
            # a resumption takes effect from the lot after `lot_index`, on the closing date of the action behind it
            resumed = acts[last.lot_index + 1] if last is not None and last.from_stage == "discontinued" else None
            size = int(round(float(np.nanmedian(lot_size[start:end]))))
            nxt = sampling_plan(size, aql, level, state.stage) if state.stage != "discontinued" else None
            rows.append({
                "supplier_id": sid, "defect_class": cls, "inspection_level": level, "aql": aql,
                "lots_replayed": len(outcomes),
                "current_stage": state.stage, "switching_score": state.switching_score,
                "tightened_rejections": state.tightened_rejections, "transitions": len(state.transitions),
                "times_discontinued": state.discontinuations,
                "last_transition_po_id": None if last is None or resumed is not None
                else ordered["po_id"].iloc[start + last.lot_index],
                "last_transition_on": None if last is None else resumed[1] if resumed is not None
                else ordered["inspected_on"].iloc[start + last.lot_index],
                "last_transition_from": None if last is None else last.from_stage,
                "last_transition_to": None if last is None else last.to_stage,
                "last_transition_reason": None if last is None else last.reason,
                "recommended_stage": state.stage,
                "typical_lot_size": size,
                "next_sample_size": None if nxt is None else nxt.sample_size,
                "next_accept": None if nxt is None else nxt.accept,
                "next_reject": None if nxt is None else nxt.reject,
            })
        stages.loc[original_index, f"{cls}_stage"] = lot_stages
    out = pd.DataFrame(rows)
    if out.empty:
        return Switching(out, stages)
    out["defect_class"] = pd.Categorical(out["defect_class"], ["critical", "major", "minor"])
    out = out.sort_values(["supplier_id", "defect_class"]).reset_index(drop=True)
    out["defect_class"] = out["defect_class"].astype(str)
    for col in ("next_sample_size", "next_accept", "next_reject"):
        out[col] = out[col].astype("Int64")
    return Switching(out, stages)


def sampling_stopped(switching: pd.DataFrame) -> pd.DataFrame:
    """The suppliers whose sampling inspection is stopped now: one row per supplier (index supplier_id) with a defect
    class still discontinued in `switching` (marts.inspection_switching rows: no corrective action closed since), its
    `classes` (in DEFECT_CLASSES order), `since` (the earliest of their discontinuations) and `times_discontinued`
    (the most of them; 1 when the rows carry no count, a warehouse built before it). What the release checklist and
    the weekly digest read."""
    columns = ["classes", "since", "times_discontinued"]
    if switching.empty or "current_stage" not in switching:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="supplier_id"))
    now = switching[switching["current_stage"] == "discontinued"]
    times = now["times_discontinued"] if "times_discontinued" in now else pd.Series(1, index=now.index)
    per = now.assign(since=pd.to_datetime(now["last_transition_on"]), times_discontinued=times).groupby("supplier_id")
    out = pd.DataFrame({
        "classes": per["defect_class"].agg(lambda c: [k for k in DEFECT_CLASSES if k in set(c)]),
        "since": per["since"].min(), "times_discontinued": per["times_discontinued"].max().astype(int)})
    return out[columns]


__all__ = [
    "DEFECT_CLASSES",
    "PRIOR_MIN_PARAMETER",
    "STAGE_COLUMNS",
    "InspectionSettings",
    "Switching",
    "blind_spot",
    "blind_spot_note",
    "jeffreys_interval",
    "lot_evidence",
    "lot_plans",
    "portfolio_prior",
    "return_propensity",
    "sampling_stopped",
    "switching",
]
