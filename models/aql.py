"""ISO 2859-1 / MIL-STD-105E single-sampling inspection engine (pure Python, no database).

The standard's tables live as CSV files under ``data/reference/aql`` (see the README there); this
module reads them once, follows their arrows exactly as the standard says, and adds the operating
characteristic, the switching rules, a Beta posterior for the defect rate and a plan recommender.
Policies that the standard leaves open are documented in ``docs/inspection.md``.
"""

from __future__ import annotations

import bisect
import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "reference" / "aql"

LEVELS: tuple[str, ...] = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
STAGES: tuple[str, ...] = ("normal", "tightened", "reduced")
AQL_COLUMNS: tuple[float, ...] = (
    0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5, 4.0, 6.5,
    10.0, 15.0, 25.0, 40.0, 65.0, 100.0, 150.0, 250.0, 400.0, 650.0, 1000.0,
)
# Columns that may be read as percent nonconforming (the larger ones are defects per hundred units).
PERCENT_AQLS: tuple[float, ...] = AQL_COLUMNS[:16]
SWITCH_TO_REDUCED_SCORE = 30  # ISO 2859-1:1999 9.3.3.2 a)
_TABLE_FILES = {
    "normal": "table_2a_normal.csv",
    "tightened": "table_2b_tightened.csv",
    "reduced": "table_2c_reduced.csv",
}
_AQL_INDEX = {round(a, 6): i for i, a in enumerate(AQL_COLUMNS)}


@dataclass(frozen=True)
class SamplingPlan:
    """One single-sampling plan as applied to one lot (after arrows and the 100 % rule)."""

    lot_size: int
    aql: float
    level: str
    stage: str
    initial_code_letter: str  # from Table I
    code_letter: str  # letter whose plan is used, after following arrows
    sample_size: int  # units to inspect (= lot_size when is_100_percent)
    accept: int
    reject: int
    is_100_percent: bool
    table_sample_size: int  # the tabled sample size before the 100 % rule
    note: str = ""


# --------------------------------------------------------------------------- tables


@lru_cache(maxsize=1)
def _code_letter_table() -> tuple[tuple[int, ...], dict[str, tuple[str, ...]]]:
    """Table I as (sorted lot_min values, level -> letters per range)."""
    with open(DATA_DIR / "code_letters.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    mins = tuple(int(r["lot_min"]) for r in rows)
    letters = {level: tuple(r[level] for r in rows) for level in LEVELS}
    return mins, letters


@lru_cache(maxsize=None)
def _master_table(stage: str) -> tuple[tuple[str, ...], dict[str, int], tuple[tuple[str, ...], ...]]:
    """A master table as (letters top to bottom, letter -> sample size, cells[row][aql_index])."""
    with open(DATA_DIR / _TABLE_FILES[stage], newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        columns = tuple(round(float(c), 6) for c in header[2:])
        if columns != tuple(round(a, 6) for a in AQL_COLUMNS):
            raise ValueError(f"{_TABLE_FILES[stage]}: unexpected AQL columns {header[2:]}")
        letters, sizes, cells = [], {}, []
        for row in reader:
            letters.append(row[0])
            sizes[row[0]] = int(row[1])
            cells.append(tuple(c.strip() for c in row[2:]))
    return tuple(letters), sizes, tuple(cells)


def _is_plan(cell: str) -> bool:
    return "/" in cell


def _walk(cells: tuple[tuple[str, ...], ...], row: int, col: int, step: int) -> int | None:
    """Row of the first plan from ``row`` in direction ``step`` (skipping arrow cells), or None."""
    r = row + step
    while 0 <= r < len(cells):
        cell = cells[r][col]
        if _is_plan(cell):
            return r
        if cell not in ("up", "down"):  # empty: not in the table
            return None
        r += step
    return None


@lru_cache(maxsize=None)
def _resolve(stage: str, letter: str, aql_index: int) -> tuple[str, int, int, int, str]:
    """Follow the arrows of one master-table cell: (letter used, n, Ac, Re, note)."""
    letters, sizes, cells = _master_table(stage)
    row = letters.index(letter)
    cell = cells[row][aql_index]
    note = ""
    if not _is_plan(cell):
        if cell not in ("up", "down"):
            raise ValueError(f"{stage} table has no entry for letter {letter}, AQL {AQL_COLUMNS[aql_index]}")
        step = 1 if cell == "down" else -1
        target = _walk(cells, row, aql_index, step)
        if target is None:
            # The arrow points off the printed table (see data/reference/aql/README.md): use the
            # nearest plan the other way rather than refusing the lot.
            target = _walk(cells, row, aql_index, -step)
            if target is None:  # pragma: no cover - impossible with the shipped tables
                raise ValueError(f"no plan reachable from {stage} {letter} AQL {AQL_COLUMNS[aql_index]}")
            note = f"'{cell}' arrow points off the table; nearest plan in the other direction used"
        row = target
        cell = cells[row][aql_index]
    ac, re = (int(x) for x in cell.split("/"))
    used = letters[row]
    return used, sizes[used], ac, re, note


def _aql_index(aql: float) -> int:
    try:
        return _AQL_INDEX[round(float(aql), 6)]
    except (KeyError, TypeError, ValueError):
        raise ValueError(
            f"AQL {aql!r} is not a column of the ISO 2859-1 tables; use one of "
            f"{', '.join(f'{a:g}' for a in AQL_COLUMNS)} (or 0 for critical defects)"
        ) from None


def _check_level_stage(level: str, stage: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"inspection level {level!r} is not one of {', '.join(LEVELS)}")
    if stage not in STAGES:
        raise ValueError(f"inspection stage {stage!r} is not one of {', '.join(STAGES)}")


def code_letter(lot_size: int, level: str = "II") -> str:
    """Sample-size code letter of Table I for a lot size and inspection level."""
    if level not in LEVELS:
        raise ValueError(f"inspection level {level!r} is not one of {', '.join(LEVELS)}")
    if int(lot_size) != lot_size or lot_size < 1:
        raise ValueError(f"lot_size must be a positive integer, got {lot_size!r}")
    mins, letters = _code_letter_table()
    # Lots of 1 unit are below Table I's first range (2-8); they use its first row.
    position = max(bisect.bisect_right(mins, int(lot_size)) - 1, 0)
    return letters[level][position]


# --------------------------------------------------------------------------- plans


@lru_cache(maxsize=262_144)
def sampling_plan(lot_size: int, aql: float, level: str = "II", stage: str = "normal") -> SamplingPlan:
    """The single-sampling plan for one lot: Table I letter, master-table cell, arrows, 100 % rule.

    AQL 0 (critical defects) is a house policy, not a table column: accept 0, reject 1, with the
    sample size of the level's code letter in the stage's master table. When the sample size is at
    least the lot size the whole lot is inspected and the table's Ac/Re are kept unchanged.
    """
    _check_level_stage(level, stage)
    initial = code_letter(lot_size, level)
    lot_size = int(lot_size)
    if float(aql) == 0.0:
        _, sizes, _ = _master_table(stage)
        used, n, ac, re, note = initial, sizes[initial], 0, 1, "AQL 0 policy: accept 0, reject 1"
    else:
        used, n, ac, re, note = _resolve(stage, initial, _aql_index(aql))
    full = n >= lot_size
    return SamplingPlan(
        lot_size=lot_size,
        aql=float(aql),
        level=level,
        stage=stage,
        initial_code_letter=initial,
        code_letter=used,
        sample_size=lot_size if full else n,
        accept=ac,
        reject=re,
        is_100_percent=full,
        table_sample_size=n,
        note=note,
    )


def sampling_plans_for(frame: pd.DataFrame) -> pd.DataFrame:
    """Vectorised sampling_plan over a frame with lot_size, aql, level and stage columns.

    Returns a frame on the same index with initial_code_letter, code_letter, sample_size, accept,
    reject and is_100_percent. Missing level/stage columns default to "II"/"normal".
    """
    lots = frame["lot_size"].to_numpy()
    if len(lots) and (np.any(lots < 1) or np.any(np.asarray(lots, dtype=float) % 1 != 0)):
        raise ValueError("lot_size must hold positive integers")
    lots = lots.astype(np.int64)
    n_rows = len(frame)
    level = frame["level"].astype(str).to_numpy() if "level" in frame else np.full(n_rows, "II")
    stage = frame["stage"].astype(str).to_numpy() if "stage" in frame else np.full(n_rows, "normal")
    aql = frame["aql"].astype(float).to_numpy()

    mins, letters = _code_letter_table()
    position = np.maximum(np.searchsorted(np.asarray(mins), lots, side="right") - 1, 0)
    initial = np.empty(n_rows, dtype=object)
    for lv in pd.unique(level):
        if lv not in LEVELS:
            raise ValueError(f"inspection level {lv!r} is not one of {', '.join(LEVELS)}")
        mask = level == lv
        initial[mask] = np.asarray(letters[lv], dtype=object)[position[mask]]

    keys = pd.DataFrame({"stage": stage, "letter": initial, "aql": aql})
    combos = keys.drop_duplicates().reset_index(drop=True)
    resolved = []
    for st, letter, a in combos.itertuples(index=False):
        _check_level_stage("II", st)
        if a == 0.0:
            resolved.append((letter, _master_table(st)[1][letter], 0, 1))
        else:
            resolved.append(_resolve(st, letter, _aql_index(a))[:4])
    combos[["code_letter", "n", "accept", "reject"]] = pd.DataFrame(resolved, columns=range(4))
    merged = keys.merge(combos, on=["stage", "letter", "aql"], how="left")
    n = merged["n"].to_numpy(dtype=np.int64)
    full = n >= lots
    return pd.DataFrame(
        {
            "initial_code_letter": initial.astype(str),
            "code_letter": merged["code_letter"].to_numpy(dtype=str),
            "sample_size": np.where(full, lots, n),
            "accept": merged["accept"].to_numpy(dtype=np.int64),
            "reject": merged["reject"].to_numpy(dtype=np.int64),
            "is_100_percent": full,
        },
        index=frame.index,
    )


# --------------------------------------------------------------------------- probabilities


def acceptance_probability(
    sample_size: int, accept: int, defect_rate: float, lot_size: int | None = None
) -> float:
    """P(defectives in sample <= Ac): binomial, or hypergeometric when lot_size is given.

    With a lot size the lot holds round(defect_rate * lot_size) defectives (Python's round, half to
    even) and the sample is drawn without replacement.
    """
    if not 0.0 <= defect_rate <= 1.0:
        raise ValueError(f"defect_rate must be within [0, 1], got {defect_rate!r}")
    if sample_size < 0 or accept < 0:
        raise ValueError("sample_size and accept must be non-negative")
    if lot_size is None:
        return float(stats.binom.cdf(accept, sample_size, defect_rate))
    if lot_size < sample_size:
        raise ValueError(f"lot_size {lot_size} is smaller than sample_size {sample_size}")
    defectives = int(round(defect_rate * lot_size))
    return float(stats.hypergeom.cdf(accept, lot_size, defectives, sample_size))


def acceptance_probabilities(sample_size, accept, defect_rate, lot_size) -> np.ndarray:
    """acceptance_probability for many lots at once (arrays of equal length, hypergeometric, same rules and errors):
    one call into scipy instead of one per lot."""
    n, ac = np.asarray(sample_size, dtype=np.int64), np.asarray(accept, dtype=np.int64)
    p, size = np.asarray(defect_rate, dtype=float), np.asarray(lot_size, dtype=np.int64)
    bad = ~((p >= 0.0) & (p <= 1.0))
    if bad.any():
        raise ValueError(f"defect_rate must be within [0, 1], got {float(p[bad][0])!r}")
    if (n < 0).any() or (ac < 0).any():
        raise ValueError("sample_size and accept must be non-negative")
    small = size < n
    if small.any():
        i = int(np.flatnonzero(small)[0])
        raise ValueError(f"lot_size {size[i]} is smaller than sample_size {n[i]}")
    defectives = np.rint(p * size).astype(np.int64)  # half to even, as Python's round
    return np.asarray(stats.hypergeom.cdf(ac, size, defectives, n), dtype=float).reshape(n.shape)


def oc_curve(
    plan_or_numbers: SamplingPlan | Sequence[int],
    rates: Iterable[float],
    lot_size: int | None = None,
) -> pd.DataFrame:
    """Operating characteristic: a frame of defect_rate and p_accept for a plan or (n, Ac).

    Binomial (type B, the process curve) unless lot_size is given (type A, hypergeometric).
    """
    if isinstance(plan_or_numbers, SamplingPlan):
        n, ac = plan_or_numbers.sample_size, plan_or_numbers.accept
    else:
        n, ac = int(plan_or_numbers[0]), int(plan_or_numbers[1])
    p = np.asarray(list(rates), dtype=float)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("rates must be within [0, 1]")
    if lot_size is None:
        pa = stats.binom.cdf(ac, n, p)
    else:
        pa = np.array([acceptance_probability(n, ac, float(r), lot_size) for r in p])
    return pd.DataFrame({"defect_rate": p, "p_accept": np.asarray(pa, dtype=float)})


# --------------------------------------------------------------------------- switching rules


@dataclass(frozen=True)
class LotOutcome:
    """One lot's result on original inspection.

    Give ``defects`` (count in the sample) and ``lot_size`` to let the replay look up the plan of
    the stage in force and apply the switching score; or just ``accepted`` when only the decision is
    known (such lots cannot earn switching-score points). With ``sample_size`` too, the count is
    judged only when the sample was at least the plan's sample size for the stage in force; a smaller
    sample says nothing about that plan, so the lot then enters as ``accepted`` (the inspector's
    decision) and earns no points.

    ``action_before`` names a corrective action the supplier closed since its previous lot (e.g. "CAPA-0308 closed
    2026-08-03"): when inspection was discontinued, it resumes on tightened inspection from this lot (ISO 2859-1:1999
    9.4: acceptance procedures resume once the supplier has acted to improve, on tightened as if it had just been
    invoked). Otherwise it changes nothing.
    """

    defects: int | None = None
    lot_size: int | None = None
    accepted: bool | None = None
    production_steady: bool = True
    sample_size: int | None = None
    action_before: str | None = None


@dataclass(frozen=True)
class Transition:
    """A change of inspection stage, effective from the lot after ``lot_index``."""

    lot_index: int
    from_stage: str
    to_stage: str
    reason: str


@dataclass(frozen=True)
class SwitchingState:
    """Outcome of replaying a supplier's lots through the switching rules."""

    stage: str  # stage recommended for the next lot: normal, tightened, reduced or discontinued
    switching_score: int
    transitions: tuple[Transition, ...]
    lot_stages: tuple[str, ...]  # stage under which each lot was inspected ("discontinued": not)
    tightened_rejections: int  # cumulative rejections in the current tightened period
    discontinuations: int = 0  # times inspection was discontinued during the replay (resumed or not)


def _score_points(outcome: LotOutcome, accepted: bool, aql: float | None, level: str,
                  by_counts: bool = True) -> int | None:
    """ISO 2859-1:1999 9.3.3 points for a lot on normal inspection; None means reset to zero."""
    if not accepted:
        return None
    if (not by_counts or outcome.defects is None or outcome.lot_size is None or aql is None
            or float(aql) == 0.0):
        return 0  # no defect count judged against the plan: nothing earned, nothing reset
    plan = sampling_plan(outcome.lot_size, aql, level, "normal")
    if plan.accept <= 1:
        return 2
    letters, _, cells = _master_table("normal")
    tighter = cells[letters.index(plan.code_letter)][_aql_index(aql) - 1]
    if not _is_plan(tighter):  # pragma: no cover - Ac >= 2 cells always have a plan to their left
        raise ValueError(f"no tighter plan next to {plan.code_letter} AQL {aql}")
    return 3 if outcome.defects <= int(tighter.split("/")[0]) else None


def replay_switching(
    lot_results: Iterable[bool | LotOutcome],
    aql: float | None = None,
    level: str = "II",
    *,
    authority_approves_reduced: bool = True,
    start_stage: str = "normal",
    action_after_last: str | None = None,
) -> SwitchingState:
    """Replay one supplier's lots (one defect class) through the normal/tightened/reduced rules.

    Rules (ISO 2859-1:1999 clause 9, MIL-STD-105E 8.3): normal -> tightened when 2 of 5 or fewer
    consecutive lots are rejected; tightened -> normal after 5 consecutive accepted lots;
    discontinue when 5 lots (cumulative) are rejected during one tightened period; normal -> reduced
    when the switching score reaches 30, production is steady and the authority approves;
    reduced -> normal when a lot is rejected, accepted with Ac < d < Re (MIL-STD-105E 10.1.4),
    or production is not steady. Lots after discontinuation are recorded but change nothing, until a corrective
    action is closed (`LotOutcome.action_before`; `action_after_last` for one closed after the last lot): inspection
    then resumes on tightened (ISO 2859-1:1999 9.4), a new tightened period.
    """
    _check_level_stage(level, start_stage)
    stage = start_stage
    score = 0
    recent_normal: list[bool] = []  # accepted flags since normal inspection (re)started
    consecutive_accepted = 0
    tightened_rejections = 0
    discontinuations = 0
    transitions: list[Transition] = []
    lot_stages: list[str] = []

    def switch(index: int, to: str, reason: str) -> None:
        nonlocal stage, score, consecutive_accepted, tightened_rejections
        transitions.append(Transition(index, stage, to, reason))
        stage = to
        score = 0
        consecutive_accepted = 0
        recent_normal.clear()
        tightened_rejections = 0  # counted within one tightened period; none outside one

    def resume(index: int, action: str | None) -> None:
        """Discontinued inspection resumes on tightened once the supplier has closed a corrective action."""
        if stage == "discontinued" and action:
            switch(index, "tightened", f"corrective action {action}: resumed on tightened")

    for index, item in enumerate(lot_results):
        outcome = item if isinstance(item, LotOutcome) else LotOutcome(accepted=bool(item))
        resume(index - 1, outcome.action_before)
        lot_stages.append(stage)
        if stage == "discontinued":
            continue
        reinstate = False
        by_counts = False
        if outcome.defects is not None and outcome.lot_size is not None and aql is not None:
            plan = sampling_plan(outcome.lot_size, aql, level, stage)
            # A count from a sample smaller than this plan's cannot be judged by it (6 defects in 80 units
            # are not "accepted" by n 200, Re 11): then the inspector's decision stands, without points.
            by_counts = outcome.sample_size is None or outcome.sample_size >= plan.sample_size
            if not by_counts and outcome.accepted is None:
                raise ValueError(f"lot {index}: sample of {outcome.sample_size} is smaller than the {stage} plan's "
                                 f"{plan.sample_size}; give accepted (the inspector's decision)")
        if by_counts:
            accepted = outcome.defects < plan.reject
            reinstate = plan.accept < outcome.defects < plan.reject
        elif outcome.accepted is not None:
            accepted = outcome.accepted
        else:
            raise ValueError(f"lot {index}: give accepted, or defects and lot_size with aql")

        if stage == "normal":
            recent_normal.append(accepted)
            window = recent_normal[-5:]
            if not accepted and window.count(False) >= 2:
                switch(index, "tightened", "2 of 5 or fewer consecutive lots rejected on normal")
                continue
            points = _score_points(outcome, accepted, aql, level, by_counts)
            score = 0 if points is None else score + points
            if (
                score >= SWITCH_TO_REDUCED_SCORE
                and outcome.production_steady
                and authority_approves_reduced
            ):
                switch(index, "reduced", f"switching score {score} >= {SWITCH_TO_REDUCED_SCORE}")
        elif stage == "tightened":
            if accepted:
                consecutive_accepted += 1
                if consecutive_accepted >= 5:
                    switch(index, "normal", "5 consecutive lots accepted on tightened")
            else:
                consecutive_accepted = 0
                tightened_rejections += 1
                if tightened_rejections >= 5:
                    transitions.append(
                        Transition(index, stage, "discontinued", "5 lots rejected on tightened")
                    )
                    stage = "discontinued"
                    discontinuations += 1
        elif stage == "reduced":
            if not accepted:
                switch(index, "normal", "lot rejected on reduced")
            elif reinstate:
                switch(index, "normal", "Ac < defects < Re on reduced: accepted, normal reinstated")
            elif not outcome.production_steady:
                switch(index, "normal", "production not steady")
    resume(len(lot_stages) - 1, action_after_last)
    return SwitchingState(
        stage=stage,
        switching_score=score,
        transitions=tuple(transitions),
        lot_stages=tuple(lot_stages),
        tightened_rejections=tightened_rejections,
        discontinuations=discontinuations,
    )


# --------------------------------------------------------------------------- estimation


@dataclass(frozen=True)
class DefectRatePosterior:
    """Beta posterior of a defect rate with its equal-tailed credible interval."""

    alpha: float
    beta: float
    mean: float
    lower: float
    upper: float
    credible: float


def defect_rate_posterior(
    defects: int,
    inspected: int,
    prior_alpha: float = 1.0,
    prior_beta: float = 1.0,
    credible: float = 0.9,
) -> DefectRatePosterior:
    """Beta(prior_alpha + defects, prior_beta + inspected - defects) mean and equal-tailed interval."""
    if not 0 <= defects <= inspected:
        raise ValueError(f"need 0 <= defects <= inspected, got {defects} of {inspected}")
    if prior_alpha <= 0 or prior_beta <= 0:
        raise ValueError("prior_alpha and prior_beta must be positive")
    if not 0 < credible < 1:
        raise ValueError("credible must be within (0, 1)")
    a = prior_alpha + defects
    b = prior_beta + inspected - defects
    tail = (1.0 - credible) / 2.0
    return DefectRatePosterior(
        alpha=a,
        beta=b,
        mean=a / (a + b),
        lower=float(stats.beta.ppf(tail, a, b)),
        upper=float(stats.beta.ppf(1.0 - tail, a, b)),
        credible=credible,
    )


# --------------------------------------------------------------------------- recommendation


@dataclass(frozen=True)
class PlanRecommendation:
    """The recommended plan, its acceptance probability at the given rate, and whether it meets the target."""

    plan: SamplingPlan
    p_accept: float
    meets_target: bool
    candidates: int = field(default=0)


def recommend_plan(
    lot_size: int,
    defect_rate: float,
    target_escape_probability: float,
    aql_options: Iterable[float] = PERCENT_AQLS,
    levels: Iterable[str] = LEVELS,
) -> PlanRecommendation:
    """Least-inspection normal plan whose P(accept | defect_rate) <= target, else the strictest.

    P(accept) is hypergeometric on the lot. Among plans meeting the target the smallest sample
    wins (ties: lower P(accept), then the order of levels and AQLs given). When none meets it,
    the plan with the lowest P(accept) is returned (ties: smaller sample) with meets_target False.
    """
    if not 0.0 <= target_escape_probability <= 1.0:
        raise ValueError("target_escape_probability must be within [0, 1]")
    plans = [(sampling_plan(lot_size, aql, level, "normal"), level_order, aql_order)
             for level_order, level in enumerate(levels) for aql_order, aql in enumerate(aql_options)]
    if not plans:
        raise ValueError("recommend_plan needs at least one level and one AQL")
    # every plan's P(accept) in one call (acceptance_probabilities: the same hypergeometric values, one per plan)
    pas = acceptance_probabilities([p.sample_size for p, _, _ in plans], [p.accept for p, _, _ in plans],
                                   np.full(len(plans), defect_rate), [p.lot_size for p, _, _ in plans])
    scored = [(plan, float(pa), level_order, aql_order) for (plan, level_order, aql_order), pa in zip(plans, pas)]
    meeting = [s for s in scored if s[1] <= target_escape_probability]
    if meeting:
        best = min(meeting, key=lambda s: (s[0].sample_size, s[1], s[2], s[3]))
        return PlanRecommendation(best[0], best[1], True, len(scored))
    best = min(scored, key=lambda s: (s[1], s[0].sample_size, s[2], s[3]))
    return PlanRecommendation(best[0], best[1], False, len(scored))


__all__ = [
    "AQL_COLUMNS",
    "DATA_DIR",
    "LEVELS",
    "PERCENT_AQLS",
    "STAGES",
    "DefectRatePosterior",
    "LotOutcome",
    "PlanRecommendation",
    "SamplingPlan",
    "SwitchingState",
    "Transition",
    "acceptance_probabilities",
    "acceptance_probability",
    "code_letter",
    "defect_rate_posterior",
    "oc_curve",
    "recommend_plan",
    "replay_switching",
    "sampling_plan",
    "sampling_plans_for",
]
