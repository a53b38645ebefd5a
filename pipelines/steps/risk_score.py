"""Supplier-risk score marts: today's score and signals, the month-end history and what changed since last month.

Signals are computed by models.scoring.compute_signals from the staging tables, for the build date and for every
month end before it (point-in-time: only rows dated on or before each cutoff). Method: docs/risk-score.md.
"""

from __future__ import annotations

import time

import duckdb
import pandas as pd

from models import scoring
from models import signals as registry
from pipelines import loaders
from pipelines.frames import read_frame, write_frame

INPUTS = [*loaders.TABLES_READ, "ingest.build_info"]
OUTPUTS = ["marts.supplier_risk_score", "marts.supplier_signals", "marts.supplier_risk_history",
           "marts.supplier_score_changes", "marts.score_unknown_signals", "marts.supplier_red_flags",
           "marts.risk_band_levels", "marts.supplier_score_measures"]
GRAIN = {  # each output's grain (supplier-risk dag, docs/tables.md)
    "marts.supplier_risk_score": "one row per supplier",
    "marts.supplier_signals": "one row per supplier and signal",
    "marts.supplier_risk_history": "one row per supplier and month end",
    "marts.supplier_score_changes": "one row per supplier and signal that moved since last month end",
    "marts.score_unknown_signals": "one row per signal the data cannot measure",
    "marts.supplier_red_flags": "one row per supplier and red flag",
    "marts.risk_band_levels": "one row per risk band",
    "marts.supplier_score_measures": "one row per supplier",
}
UNKNOWN_COLUMNS = ["signal", "label", "pillar", "missing_fields", "missing_files", "max_points"]
RED_FLAG_COLUMNS = ["supplier_id", "flag", "reason"]
_RED_FLAG_TYPES = {"supplier_id": "varchar", "flag": "varchar", "reason": "varchar"}
_UNKNOWN_TYPES = {"signal": "varchar", "label": "varchar", "pillar": "varchar", "missing_fields": "varchar",
                  "missing_files": "varchar", "max_points": "double"}

SCORE_COLUMNS = ["supplier_id", "risk_score", "risk_band", "confidence", "red_flags", "red_flag_count",
                 "top_reasons", "entity_points", "transaction_points", "quality_points", "delivery_points",
                 "commercial_points", "score_version", "as_of"]
# The score's measures as of the build date that other marts show rather than define again (12-month spend: the
# re-audit queue; price drift and largest price step: supplier_kpis).
MEASURE_COLUMNS = ["supplier_id", "spend_12m", "price_drift", "max_price_step"]
DATE_COLUMNS = {"as_of", "month_on", "since"}
HISTORY_COLUMNS = ["supplier_id", "month_on", "as_of", "risk_score", "risk_band", "confidence", "red_flag_count",
                   "red_flags", "entity_points", "transaction_points", "quality_points", "delivery_points",
                   "commercial_points", "score_version"]


def _write(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Create `table` from `frame`: NaN becomes NULL, dates stay dates."""
    write_frame(con, table, frame, types={c: "date" for c in DATE_COLUMNS})


def run(con: duckdb.DuckDBPyConnection, context) -> None:
    """Write the score marts as of the build date, and the configured bands."""
    cfg = scoring.load_config()
    # the configured bands, so data checks (pipelines/checks) read them instead of restating them
    write_frame(con, "marts.risk_band_levels", scoring.band_levels(cfg),
                types={"band": "varchar", "band_rank": "integer", "min_red_flags": "integer"})
    t0 = time.perf_counter()
    raw = loaders.load_tables(con)
    if raw["suppliers"].empty:
        _write_empty(con, context.as_of)
        return
    tables = scoring.prepare_tables(raw, copy=False)  # raw is not read again
    del raw
    as_of = context.as_of
    first = tables["purchase_orders"]["ordered_on"].min()
    cutoffs = scoring.month_ends(first.date(), as_of) if pd.notna(first) else []
    # the build date, the month ends of the history and the last one before the build date, measured at once
    panel = scoring.measure(tables, [as_of, *cutoffs], cfg)
    now = scoring.compute_signals(tables, as_of, cfg, panel=panel)
    current = scoring.score(now, cfg)
    _write(con, "marts.supplier_risk_score", current[SCORE_COLUMNS])
    signals = now.signals.merge(now.priors[["supplier_id", "signal", "cohort", "prior_mean"]],
                                on=["supplier_id", "signal"], how="left")
    _write(con, "marts.supplier_signals", signals)
    _write_unknown(con, now, cfg, context)
    _log_channels_left_out(con, context)
    write_frame(con, "marts.supplier_red_flags", now.red_flags, types=_RED_FLAG_TYPES, columns=RED_FLAG_COLUMNS)
    write_frame(con, "marts.supplier_score_measures", now.evidence, types=_MEASURE_TYPES, columns=MEASURE_COLUMNS)
    t1 = time.perf_counter()

    history = scoring.score_history(tables, cutoffs, cfg, keep_signals=getattr(context, "shared", None), panel=panel)
    if history.empty:
        history = pd.DataFrame({c: pd.Series(dtype="object") for c in HISTORY_COLUMNS})
    _write(con, "marts.supplier_risk_history", history[HISTORY_COLUMNS])
    t2 = time.perf_counter()

    before_cut = [d for d in cutoffs if d < as_of]
    if before_cut:
        before = scoring.compute_signals(tables, before_cut[-1], cfg, panel=panel)
        changes = scoring.score_changes(now, before, cfg["history"]["min_change_points"])
    else:
        changes = scoring.score_changes(now, now, float("inf"))
    changes.insert(1, "since", before_cut[-1] if before_cut else as_of)
    changes["as_of"] = as_of
    _write(con, "marts.supplier_score_changes", changes)
    context.log(f"      risk score: signals {t1 - t0:.2f}s, history of {len(cutoffs)} month ends "
                f"{t2 - t1:.2f}s, changes {time.perf_counter() - t2:.2f}s")


# Column types of the four marts when there is nothing to score (an empty or partial input folder).
_EMPTY_TYPES = {
    "risk_score": "double", "red_flag_count": "bigint", "entity_points": "double", "transaction_points": "double",
    "quality_points": "double", "delivery_points": "double", "commercial_points": "double", "as_of": "date",
    "month_on": "date", "since": "date", "raw_value": "double", "shrunk_value": "double", "evidence_n": "double",
    "points": "double", "max_points": "double", "prior_mean": "double", "points_last_month": "double",
    "points_now": "double", "delta": "double",
}
_MEASURE_TYPES = {"supplier_id": "varchar", "spend_12m": "double", "price_drift": "double", "max_price_step": "double"}
_CHANGE_COLUMNS = ["supplier_id", "since", "signal", "pillar", "points_last_month", "points_now", "delta",
                   "explanation", "as_of"]


def _write_unknown(con: duckdb.DuckDBPyConnection, now: scoring.SignalResult, cfg: dict, context) -> None:
    """marts.score_unknown_signals: the signals the data cannot measure (missing is not risky: 0 points, shown as
    unknown, confidence lowered), with the supplier fields it would need; said in the build log too."""
    rows = pd.DataFrame([{"signal": s, "label": now.labels[s], "pillar": cfg["signals"][s]["pillar"],
                          "missing_fields": now.lacking(s), "missing_files": ", ".join(now.missing_files[s]),
                          "max_points": float(cfg["signals"][s]["max_points"])}
                         for s in now.unknown], columns=UNKNOWN_COLUMNS)
    write_frame(con, "marts.score_unknown_signals", rows, types=_UNKNOWN_TYPES, columns=UNKNOWN_COLUMNS)
    for r in rows.itertuples():
        scope = "" if r.missing_files else registry.field_scope(registry.REGISTRY[r.signal].needs)
        context.log(f"      notice: the data has no {r.missing_fields}{scope}: '{r.label}' scores 0 of "
                    f"{r.max_points:g} points and is shown as unknown")


def _log_channels_left_out(con: duckdb.DuckDBPyConnection, context) -> None:
    """Say in the build log which sales the return rates leave out and why (staging.sales.returns_left_out): a channel
    no return in the data names (its returns were never imported), one whose returns give no reason, or months outside
    those its returns cover (staging.returns_coverage: a returns report pulled for a shorter period than the sales)
    or skipped between them (staging.returns_gaps), with the evidence; and returns without a reason where the others
    have one."""
    left_out = read_frame(con, "select channel, sum(units_sold) as units from staging.sales "
                               "where returns_left_out = 'channel' group by channel order by channel")
    for r in left_out.itertuples():
        context.log(f"      notice: no return in the data names channel {r.channel}: its {int(r.units):,} units sold "
                    "are left out of the return rates (defect returns, 'not as described'); import its returns if "
                    "there were any")
    reasons = read_frame(con, """
        select
            case when coverage.pooled then null else sales.channel end as scope,
            sum(sales.units_sold) as units,
            any_value(coverage.returned_units) as returned,
            any_value(coverage.units_without_reason) as blank,
        from staging.sales as sales
        inner join staging.returns_coverage as coverage on coverage.channel = sales.channel
        where sales.returns_left_out = 'reasons'
        group by all
        order by scope nulls first""")
    for r in reasons.itertuples():
        whose = (f"of channel {r.scope}" if isinstance(r.scope, str)
                 else "(every channel together: a return names no channel, or one no sale has)")
        given = ("give no reason" if r.blank == r.returned else "give no reason other than 'other'")
        context.log(f"      notice: the {int(r.returned):,} returned units {whose} {given}, so whether any was a "
                    f"defect cannot be told: its {int(r.units):,} units sold are left out of the return rates (defect "
                    "returns, 'not as described') and none of its returns counts against a supplier; import its "
                    "returns with their reasons (map the reason column)")
    blanks = read_frame(con, """
        select
            case when pooled then null else channel end as scope,
            any_value(units_without_reason) as blank,
            any_value(returned_units) as returned,
        from staging.returns_coverage
        where reasons_recorded and units_without_reason > 0
        group by all
        order by scope nulls first""")
    for r in blanks.itertuples():
        whose = (f"on channel {r.scope}" if isinstance(r.scope, str) else "(every channel together)")
        context.log(f"      notice: {int(r.blank):,} of the {int(r.returned):,} returned units {whose} give no reason: "
                    f"they count as not caused by the supplier ({r.blank / r.returned:.1%} of the returns: if they "
                    "were defects, the defect-return rates read that many returns low); import their reasons if you "
                    "have them")
    months = read_frame(con, """
        select
            case when coverage.pooled then null else sales.channel end as scope,
            sales.returns_left_out = 'before' as before,
            strftime(min(sales.month_on), '%Y-%m') as first_month,
            strftime(max(sales.month_on), '%Y-%m') as last_month,
            sum(sales.units_sold) as units,
            strftime(any_value(coverage.first_return_month), '%Y-%m') as first_return,
            strftime(any_value(coverage.last_return_month), '%Y-%m') as last_return,
            any_value(coverage.return_rate) as rate,
            any_value(case when sales.returns_left_out = 'before' then coverage.expected_before
                           else coverage.expected_after end) as expected,
        from staging.sales as sales
        inner join staging.returns_coverage as coverage on coverage.channel = sales.channel
        where sales.returns_left_out in ('before', 'after')
        group by all
        order by scope nulls first, before desc""")
    for r in months.itertuples():
        edge = f"none before {r.first_return}" if r.before else f"none after {r.last_return}"
        context.log(_months_notice(r.scope, r.rate, r.expected, r.first_month, r.last_month, edge, r.units))
    gaps = read_frame(con, """
        select distinct
            case when gaps.pooled then null else gaps.channel end as scope,
            strftime(gaps.gap_from, '%Y-%m') as first_month,
            strftime(gaps.gap_to, '%Y-%m') as last_month,
            gaps.units_sold as units,
            gaps.expected,
            coverage.return_rate as rate,
        from staging.returns_gaps as gaps
        inner join staging.returns_coverage as coverage on coverage.channel = gaps.channel
        where coverage.reasons_recorded  -- a channel whose returns give no reason is left out whole (said above)
        order by scope nulls first, first_month""")
    for r in gaps.itertuples():   # a monthly returns report skipped between others (staging.returns_gaps)
        edge = f"no return dated in {'that month' if r.first_month == r.last_month else 'those months'}, between others"
        context.log(_months_notice(r.scope, r.rate, r.expected, r.first_month, r.last_month, edge, r.units))


def _months_notice(scope: object, rate: float, expected: float, first_month: str, last_month: str, edge: str,
                   units: float) -> str:
    """The build log's notice for sales months (first_month .. last_month, 'YYYY-MM') left out of the return rates,
    with the evidence: the rate over the months the scope's returns cover, the returns expected from those months'
    sales and what the data has."""
    whose = (f"of channel {scope}" if isinstance(scope, str)
             else "of every channel together (a return names no channel, or one no sale has)")
    span = first_month if first_month == last_month else f"{first_month} to {last_month}"
    return (f"      notice: at the return rate {whose} over the months its returns cover ({rate:.2%} of units sold), "
            f"{expected:,.0f} returned units would be expected from the sales of {span}, and the data has {edge}: "
            f"those months' {int(units):,} units sold are left out of the return rates (defect returns, 'not as "
            "described'); import their returns if there were any")


def _write_empty(con: duckdb.DuckDBPyConnection, as_of) -> None:
    """No suppliers: the marts exist, typed and empty, so pages and later models read them without failing."""
    empty = pd.DataFrame()
    for table, columns in (("marts.supplier_risk_score", SCORE_COLUMNS),
                           ("marts.supplier_signals", scoring.SIGNAL_COLUMNS + ["cohort", "prior_mean"]),
                           ("marts.supplier_risk_history", HISTORY_COLUMNS),
                           ("marts.supplier_score_changes", _CHANGE_COLUMNS),
                           ("marts.score_unknown_signals", UNKNOWN_COLUMNS),
                           ("marts.supplier_red_flags", RED_FLAG_COLUMNS),
                           ("marts.supplier_score_measures", MEASURE_COLUMNS)):
        write_frame(con, table, empty, types={**_EMPTY_TYPES, **_UNKNOWN_TYPES, **_RED_FLAG_TYPES, **_MEASURE_TYPES},
                    columns=columns)
