"""One cached, parameterised function per mart read. Results are keyed on the warehouse file's version.

SQL lives in dashboard/sql/<name>.sql and receives values only as bound `$name` parameters. A query whose
table is absent from the warehouse (an older or partial build) returns an empty frame, so pages can show an
empty state; any other SQL error is a bug and is raised.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date

import duckdb
import pandas as pd
import streamlit as st

from dashboard import db, display
from models import whatif

Ids = tuple[str, ...] | None  # supplier ids selected by the shared filters; None = every supplier
Period = tuple[date | None, date | None]  # first and last month of a period (their first days); None = open


def _freeze(value):
    if isinstance(value, (list, set, frozenset)):
        return tuple(sorted(value)) if isinstance(value, (set, frozenset)) else tuple(value)
    return value


# Results are keyed on the warehouse's version (a rebuild publishes a new file, a new version), so they never go
# stale and are kept for as long as the warehouse is the same: no time limit (with one of 10 minutes, a visitor after
# a pause paid every query again, up to 1.2 s a page at 2,000 suppliers, instead of 40-120 ms); the number of entries
# bounds the memory (every page's results at 2,000 suppliers, unfiltered: 69 frames, 16 MB), the least recently used
# going first, an older warehouse's among them.
@st.cache_resource(max_entries=512, show_spinner=False)
def _query(name: str, key: str, version: str, _params: tuple) -> pd.DataFrame:
    """Run dashboard/sql/<name>.sql with bound parameters (`_params`, whose digest is `key`); an absent table reads
    as an empty frame. Kept as the frame itself, shared by every session (st.cache_data would unpickle a fresh copy on
    every call, 0.1-1 ms each, ~40 calls a page): `query` hands each caller its own copy."""
    con = _connect()
    if con is None:
        return pd.DataFrame()
    try:
        return db.run_sql(con, name, **dict(_params))
    finally:
        con.close()


def _release(con: duckdb.DuckDBPyConnection | None) -> None:
    if con is not None:
        con.close()


@st.cache_resource(max_entries=2, show_spinner=False, on_release=_release)
def _warehouse(version: str) -> duckdb.DuckDBPyConnection | None:
    """The warehouse of this version opened once per process (db.opened), shared by every session; the previous
    version's is kept until the one before it is released (closed), so a query still reading it is not cut off."""
    return db.opened()


def _connect() -> duckdb.DuckDBPyConnection | None:
    """A connection for one query to the live warehouse (a cursor of the shared opening: opening the file for each
    query cost 20-25 ms of CPU, 0.5 s for the 23 queries of a supplier seen for the first time at 2,000 suppliers),
    or None when no warehouse has been built yet. Close it after use."""
    con = _warehouse(db.db_version())
    return None if con is None else db.cursor(con)


def params_key(params: tuple) -> str:
    """A digest of frozen parameters (names, and values: text, numbers, dates, None and tuples of them, whose repr
    says each value whole). Streamlit hashes a tuple element by element: the 1,000 supplier ids of a filter cost 7 ms
    on every call, the digest of their repr 0.1 ms."""
    return hashlib.sha256(repr(params).encode("utf-8")).hexdigest()


def query(name: str, **params) -> pd.DataFrame:
    """Cached result of dashboard/sql/<name>.sql; keyword arguments bind `$name` parameters."""
    frozen = tuple(sorted((k, _freeze(v)) for k, v in params.items()))
    return _query(name, params_key(frozen), db.db_version(), frozen).copy()


def _query_if_built(name: str, **params) -> pd.DataFrame | None:
    """`query(name, ...)`, or None from a warehouse built by older code without a column or macro it reads (every
    page then says the warehouse was built by another version and to rebuild it)."""
    try:
        return query(name, **params)
    except (duckdb.BinderException, duckdb.CatalogException):
        return None


@st.cache_data(max_entries=64, show_spinner=False)  # kept while the warehouse is the same, like _query
def _tables(version: str) -> frozenset[str]:
    con = _connect()
    if con is None:
        return frozenset()
    try:
        rows = con.execute("select table_schema || '.' || table_name from information_schema.tables").fetchall()
        return frozenset(r[0] for r in rows)
    finally:
        con.close()


def has_table(name: str) -> bool:
    """Whether `schema.table` exists in the live warehouse (to tell 'not built yet' from 'nothing to show')."""
    return name in _tables(db.db_version())


def warehouse_exists() -> bool:
    return db.db_path().exists()


def clear() -> None:
    """Forget every cached result (after a rebuild published a new warehouse)."""
    _query.clear()
    _tables.clear()


def _ids(ids: Iterable[str] | None) -> Ids:
    return None if ids is None else tuple(ids)


# ----------------------------------------------------------------------------- warehouse and filters

def build_info() -> pd.DataFrame:
    return query("build_info")


def supplier_directory() -> pd.DataFrame:
    """Every supplier with its type, country and categories (what the shared filters need)."""
    return query("supplier_directory")


def risk_bands() -> pd.DataFrame:
    """supplier_id and risk_band from marts.supplier_risk (empty before the score is built)."""
    return query("risk_bands")


# ----------------------------------------------------------------------------- portfolio

def supplier_kpis(ids: Ids = None) -> pd.DataFrame:
    return query("supplier_kpis", ids=_ids(ids))


def supplier_risk(ids: Ids = None) -> pd.DataFrame:
    return query("supplier_risk", ids=_ids(ids))


def portfolio_matrix(ids: Ids = None) -> pd.DataFrame:
    """One row per supplier: spend, risk score, band and open exposure (KPIs joined to the score)."""
    return query("portfolio_matrix", ids=_ids(ids))


def band_by_type(ids: Ids = None) -> pd.DataFrame:
    return query("band_by_type", ids=_ids(ids))


def red_flags(ids: Ids = None) -> pd.DataFrame:
    """One row per red flag of the filtered suppliers."""
    return query("red_flags", ids=_ids(ids))


RED_FLAG_SUPPLIER_COLUMNS = ["supplier_name", "supplier_type", "supplier_id", "risk_score", "risk_band", "spend",
                             "red_flag_count", "red_flags", "reasons"]


def red_flag_suppliers(ids: Ids = None) -> pd.DataFrame:
    """One row per filtered supplier with a red flag, riskiest first (the order of `red_flags`): its flags joined by
    commas (in words on the page: display.words, kind "red_flags") and their reasons joined by " | ", in that order."""
    flags = red_flags(ids)
    if flags.empty:
        return pd.DataFrame(columns=RED_FLAG_SUPPLIER_COLUMNS)
    per = flags.groupby("supplier_id", sort=False)
    out = per[["supplier_name", "supplier_type", "risk_score", "risk_band", "spend"]].first()
    out["red_flag_count"] = per.size()
    out["red_flags"] = per["red_flag"].agg(",".join)
    out["reasons"] = per["reason"].agg(lambda r: " | ".join(r.fillna("").astype(str)))
    return out.reset_index()[RED_FLAG_SUPPLIER_COLUMNS]


def biggest_movers(ids: Ids = None, limit: int = 10, before: date | None = None) -> pd.DataFrame:
    """Score now against the last month-end snapshot before the build (or on or before `before`)."""
    return query("biggest_movers", ids=_ids(ids), limit=limit, before=before)


def leakage_total(ids: Ids = None, period: Period = (None, None)) -> pd.DataFrame:
    """Planned and realised contribution and the supplier leakage between them (marts.margin_leakage_wide), within the
    months of `period` (first, last month; None = open)."""
    return query("leakage_total", ids=_ids(ids), month_from=period[0], month_to=period[1])


def leakage_by_month(ids: Ids = None, supplier_id: str | None = None, sku: str | None = None,
                     period: Period = (None, None)) -> pd.DataFrame:
    """Planned, realised and leaked contribution per month (marts.margin_leakage_wide)."""
    return query("leakage_by_month", ids=_ids(ids), supplier_id=supplier_id, sku=sku, month_from=period[0],
                 month_to=period[1])


def leakage_by_channel_month(ids: Ids = None, supplier_id: str | None = None, sku: str | None = None,
                             period: Period = (None, None)) -> pd.DataFrame:
    """Revenue, fees, planned contribution and supplier leakage per sales channel and month; channel empty for costs
    no sale carries (quality costs, write-offs, duty refunds, returns without a channel)."""
    return query("leakage_by_channel", ids=_ids(ids), supplier_id=supplier_id, sku=sku, month_from=period[0],
                 month_to=period[1])


def leakage_by_channel(ids: Ids = None, supplier_id: str | None = None, sku: str | None = None,
                       period: Period = (None, None)) -> pd.DataFrame:
    """leakage_by_channel_month summed over the months, one row per channel (biggest leakage first, the costs no
    sale carries last), with leakage as a share of the channel's revenue."""
    monthly = leakage_by_channel_month(ids, supplier_id, sku, period)
    if monthly.empty:
        return monthly
    totals = monthly.drop(columns="month").groupby("channel", dropna=False, sort=False).sum().reset_index()
    totals["leakage_share"] = totals["leakage"] / totals["gross_revenue"].where(totals["gross_revenue"] != 0)
    totals["_last"] = totals["channel"].isna()
    return totals.sort_values(["_last", "leakage"], ascending=[True, False]).drop(columns="_last") \
        .reset_index(drop=True)


def months() -> pd.DataFrame:
    """Months with sales, returns, costs or a landed delivery (the period control's choices)."""
    return query("months")


# ----------------------------------------------------------------------------- supplier drill-down

def supplier_profile(supplier_id: str) -> pd.DataFrame:
    return query("supplier_profile", supplier_id=supplier_id)


def supplier_score(supplier_id: str) -> pd.DataFrame:
    return query("supplier_score", supplier_id=supplier_id)


def supplier_prediction(supplier_id: str) -> pd.DataFrame:
    """The supplier's marts.supplier_risk row (score plus predicted incident probability)."""
    return query("supplier_prediction", supplier_id=supplier_id)


def kpi_settings() -> pd.DataFrame:
    """reference.kpi_settings (setting, value): the delivery tolerances and when lateness is an incident."""
    return query("kpi_settings")


def supplier_blind_spot(supplier_id: str) -> pd.DataFrame:
    return query("supplier_blind_spot", supplier_id=supplier_id)


def supplier_reaudit(supplier_id: str) -> pd.DataFrame:
    return query("supplier_reaudit", supplier_id=supplier_id)


def supplier_signals(supplier_id: str) -> pd.DataFrame:
    return query("supplier_signals", supplier_id=supplier_id)


def supplier_entities(supplier_id: str) -> pd.DataFrame:
    """Every name the supplier appears under (store, legal, bank, PI, payees) with a match flag."""
    return query("supplier_entities", supplier_id=supplier_id)


def supplier_timeline(supplier_id: str) -> pd.DataFrame:
    """Orders, payments, inspections, shipments and returns of one supplier as dated events."""
    return query("supplier_timeline", supplier_id=supplier_id)


def supplier_control_events(supplier_id: str) -> pd.DataFrame:
    """Documented changes and corrective actions of one supplier as dated events (same columns as the timeline)."""
    return query("supplier_control_events", supplier_id=supplier_id)


def supplier_type_check(supplier_id: str) -> pd.DataFrame:
    return query("supplier_type_check", supplier_id=supplier_id)


def supplier_bank_accounts(supplier_id: str) -> pd.DataFrame:
    return query("supplier_bank_accounts", supplier_id=supplier_id)


def supplier_background_checks(supplier_id: str) -> pd.DataFrame:
    return query("supplier_background_checks", supplier_id=supplier_id)


def corrective_actions(ids: Ids = None, supplier_id: str | None = None) -> pd.DataFrame:
    """Corrective actions with their state (marts.corrective_actions), for the filters or one supplier."""
    return query("corrective_actions", ids=_ids(ids), supplier_id=supplier_id)


def supplier_risk_history(supplier_id: str) -> pd.DataFrame:
    return query("supplier_risk_history", supplier_id=supplier_id)


def supplier_score_changes(supplier_id: str) -> pd.DataFrame:
    return query("supplier_score_changes", supplier_id=supplier_id)


def model_backtest() -> pd.DataFrame:
    return query("model_backtest")


def model_comparison() -> pd.DataFrame:
    return query("model_comparison")


def model_calibration() -> pd.DataFrame:
    return query("model_calibration")


def imported(table: str) -> bool:
    """Whether the build's import carried a file for `table` (an imported file without rows counts: it is known to
    hold none); a warehouse without a load log is taken to carry it."""
    return display.imported(query("tables_imported") if has_table("ingest.load_log") else pd.DataFrame(), table)


def score_unknown_signals() -> pd.DataFrame:
    return query("score_unknown_signals") if has_table("marts.score_unknown_signals") else pd.DataFrame()


def validity_report() -> pd.DataFrame:
    return query("validity_report")


def validity_band_calibration() -> pd.DataFrame:
    return query("validity_band_calibration")


def validity_stability() -> pd.DataFrame:
    return query("validity_stability")


def validity_signals() -> pd.DataFrame:
    return query("validity_signals")


# ----------------------------------------------------------------------------- inspections

def inspection_lots(ids: Ids = None, supplier_id: str | None = None) -> pd.DataFrame:
    return query("inspection_lots", ids=_ids(ids), supplier_id=supplier_id)


def inspection_blind_spot(ids: Ids = None) -> pd.DataFrame:
    return query("inspection_blind_spot", ids=_ids(ids))


def inspection_switching(ids: Ids = None) -> pd.DataFrame:
    return query("inspection_switching", ids=_ids(ids))


# ----------------------------------------------------------------------------- costs

def landed_cost_po(ids: Ids = None, supplier_id: str | None = None) -> pd.DataFrame:
    return query("landed_cost_po", ids=_ids(ids), supplier_id=supplier_id)


def landed_cost_sku(ids: Ids = None, supplier_id: str | None = None) -> pd.DataFrame:
    return query("landed_cost_sku", ids=_ids(ids), supplier_id=supplier_id)


def landed_breakdown(ids: Ids = None, supplier_id: str | None = None, sku: str | None = None,
                     period: Period = (None, None)) -> pd.DataFrame:
    """Landed-cost components summed over landed purchase orders (marts.landed_cost_po) delivered in `period`."""
    return query("landed_breakdown", ids=_ids(ids), supplier_id=supplier_id, sku=sku, month_from=period[0],
                 month_to=period[1])


def leakage_waterfall(ids: Ids = None, supplier_id: str | None = None, sku: str | None = None,
                      period: Period = (None, None)) -> pd.DataFrame:
    """Waterfall steps from planned to realised contribution (marts.margin_leakage) within `period`."""
    return query("leakage_waterfall", ids=_ids(ids), supplier_id=supplier_id, sku=sku, month_from=period[0],
                 month_to=period[1])


def quote_variance(ids: Ids = None, period: Period = (None, None)) -> pd.DataFrame:
    """Quote-to-landed variance per supplier (marts.landed_cost_po) over purchase orders delivered in `period`."""
    return query("quote_variance", ids=_ids(ids), month_from=period[0], month_to=period[1])


def filtered_skus(ids: Ids = None, categories: Iterable[str] | None = None) -> pd.DataFrame:
    """SKUs of the filtered suppliers, only those in `categories` when given (the sidebar's category filter)."""
    chosen = tuple(categories or ()) or None
    return query("filtered_skus", ids=_ids(ids), categories=chosen)


def type_comparison(category: str | None = None, period: Period = (None, None)) -> pd.DataFrame:
    """Trader vs factory estimates with intervals, for one category or all rows: marts.type_comparison over every
    month, else the same comparison recomputed from the marts over the months of `period` (same metrics, bootstrap
    settings and seed as the build; pipelines/steps/type_comparison.py)."""
    if period == (None, None):
        return query("type_comparison", category=category)
    rows = _type_comparison_over(period[0], period[1], db.db_version())
    if rows.empty or category is None:
        return rows
    return rows[rows["category"] == category].reset_index(drop=True)


@st.cache_data(max_entries=32, show_spinner=False)  # kept while the warehouse is the same, like _query
def _type_comparison_over(month_from: date | None, month_to: date | None, version: str) -> pd.DataFrame:
    from pipelines.steps import type_comparison as step

    con = _connect()
    if con is None:
        return pd.DataFrame()
    try:
        result = step.compare(step.supplier_metrics(con, month_from, month_to))
    except (duckdb.CatalogException, duckdb.BinderException):  # an older or partial build without what it reads
        return pd.DataFrame()
    finally:
        con.close()
    return result.sort_values(["category", "metric", "supplier_type"], kind="stable").reset_index(drop=True)


def unallocated_costs() -> pd.DataFrame:
    return query("unallocated_costs")


def landed_rate_flags(ids: Ids = None, supplier_id: str | None = None, sku: str | None = None) -> pd.DataFrame:
    """Duty-check statuses and estimated / unverified-rate counts over the shipments in scope (one row)."""
    return query("landed_rate_flags", ids=_ids(ids), supplier_id=supplier_id, sku=sku)


def ieepa_duty_summary(ids: Ids = None, supplier_id: str | None = None, sku: str | None = None) -> pd.DataFrame:
    """The IEEPA duty to claim back on the shipments in scope, the entry summaries' where imported, else the tables'
    (marts.ieepa_duty_shipment; one row, empty from a warehouse built before that mart)."""
    return query("ieepa_duty_summary", ids=_ids(ids), supplier_id=supplier_id, sku=sku)


def channel_fee_basis(ids: Ids = None, supplier_id: str | None = None, sku: str | None = None,
                      period: Period = (None, None)) -> pd.DataFrame:
    """Per sales channel in scope: sales rows with reported marketplace fees, rows with estimated ones, returns,
    whether any return names the channel; empty from a warehouse built before staging.sales.channel_returns_recorded."""
    found = _query_if_built("channel_fee_basis", ids=_ids(ids), supplier_id=supplier_id, sku=sku,
                            month_from=period[0], month_to=period[1])
    return pd.DataFrame() if found is None else found   # an older build: the captions are left out


def codes_less_specific(ids: Ids = None, supplier_id: str | None = None, sku: str | None = None,
                        skus: Iterable[str] | None = None) -> pd.DataFrame:
    """Products in scope whose HS code is shorter than rows the duty table prices apart (the warning check
    landed_cost_codes_less_specific, not reviewed): sku and the check's words; empty from a build before the check."""
    found = _query_if_built("codes_less_specific", ids=_ids(ids), supplier_id=supplier_id, sku=sku,
                            skus=None if skus is None else tuple(skus))
    return pd.DataFrame() if found is None else found


def sales_without_returns(ids: Ids = None, supplier_id: str | None = None, sku: str | None = None) -> pd.DataFrame:
    """Units sold in scope that the return rates leave out, per channel and reason (a channel no return names, or
    months outside those its returns cover); empty from a warehouse built before staging.returns_coverage."""
    found = _query_if_built("sales_without_returns", ids=_ids(ids), supplier_id=supplier_id, sku=sku)
    return pd.DataFrame() if found is None else found


def returns_name_lots() -> bool:
    """Whether any return names its lot, so lots are judged by their field returns (marts.inspection_lot_facts);
    True from a warehouse built before the flag (as it then judged them) or without an inspected lot."""
    found = _query_if_built("returns_name_lots")
    return found is None or found.empty or found["returns_name_lots"].isna().all() or bool(
        found["returns_name_lots"].iloc[0])


def defect_returns_without_lot(ids: Ids = None) -> pd.DataFrame:
    """Defect-coded returned units of the filtered suppliers that name no lot, per channel, beside all of theirs
    (sql/defect_returns_without_lot.sql); empty when every one names its lot."""
    return query("defect_returns_without_lot", ids=_ids(ids))


def supplier_same_entity(ids: Ids = None, supplier_id: str | None = None) -> pd.DataFrame:
    """Suppliers in scope that are one legal entity with another (marts.supplier_same_entity); empty from a warehouse
    built before it."""
    found = _query_if_built("supplier_same_entity", ids=_ids(ids), supplier_id=supplier_id)
    return pd.DataFrame() if found is None else found


def channels_without_fees(ids: Ids = None, supplier_id: str | None = None, sku: str | None = None) -> pd.DataFrame:
    """Sales channels in scope with no marketplace_fees row: their unreported fees and return fees count $0."""
    return query("channels_without_fees", ids=_ids(ids), supplier_id=supplier_id, sku=sku)


def landed_unverified_rows(ids: Ids = None, supplier_id: str | None = None, sku: str | None = None) -> pd.DataFrame:
    """Duty rows marked unverified that cost shipments in scope, with how many shipments each."""
    return query("landed_unverified_rows", ids=_ids(ids), supplier_id=supplier_id, sku=sku)


def adcvd_exposure(ids: Ids = None, supplier_id: str | None = None, sku: str | None = None) -> pd.DataFrame | None:
    """Products in scope whose HS code and origin fall under an AD/CVD order (marts.adcvd_exposure); None from a
    warehouse built before the mart."""
    return _query_if_built("adcvd_exposure", ids=_ids(ids), supplier_id=supplier_id, sku=sku)


def duty_refunds_summary(ids: Ids = None, supplier_id: str | None = None, sku: str | None = None) -> pd.DataFrame:
    """Duty refunds claimed, received and pending per program over the shipments in scope (marts.duty_refunds)."""
    return query("duty_refunds_summary", ids=_ids(ids), supplier_id=supplier_id, sku=sku)


def ieepa_entries(ids: Ids = None, supplier_id: str | None = None, sku: str | None = None) -> pd.DataFrame | None:
    """Entries in scope whose imported entry summary declares IEEPA duty, with their refunds (marts.ieepa_entries);
    None from a warehouse built before the mart."""
    return _query_if_built("ieepa_entries", ids=_ids(ids), supplier_id=supplier_id, sku=sku)


def customs_entries_summary(ids: Ids = None, supplier_id: str | None = None, sku: str | None = None) -> pd.DataFrame:
    """Entries in scope with a broker entry summary: declared vs computed duty and fees (marts.customs_entries)."""
    return query("customs_entries_summary", ids=_ids(ids), supplier_id=supplier_id, sku=sku)


def whatif_baseline(ids: Ids = None, skus: Iterable[str] | None = None) -> pd.DataFrame:
    """Per SKU of the suppliers `ids` (or the SKUs given): latest quote, landed parts per unit, yearly volume."""
    return query("whatif_baseline", ids=_ids(ids), skus=None if skus is None else tuple(skus),
                 window_days=whatif.WINDOW_DAYS)


def whatif_adcvd(skus: Iterable[str], origin: str | None, costing_on: date) -> pd.DataFrame | None:
    """The AD/CVD orders `skus` fall under on `costing_on`, at their own origin and at `origin` (where volume would
    move); None from a warehouse built before the rule's macro (the page then says nothing of them)."""
    return _query_if_built("whatif_adcvd", skus=tuple(skus), origin=origin, costing_on=costing_on)


def whatif_suppliers() -> pd.DataFrame | None:
    """Every supplier with its country and measured quality cost per unit sold over the last year; None from a
    warehouse built before the columns it reads (the page asks for a rebuild)."""
    return _query_if_built("whatif_suppliers", window_days=whatif.WINDOW_DAYS)


def whatif_freight_by_mode(skus: Iterable[str] | None = None) -> pd.DataFrame:
    """Freight paid per unit by SKU and transport mode (marts.landed_cost_shipment)."""
    return query("whatif_freight_by_mode", skus=None if skus is None else tuple(skus))


def verified_through() -> pd.DataFrame:
    """Verified-through date per dated reference table (reference.verified_through)."""
    return query("verified_through")


def duty_gaps() -> pd.DataFrame | None:
    """The products' HS codes and origins the duty table cannot price on the analysis date (marts.duty_gaps); None
    from a warehouse built before the mart (the page then asks for a rebuild)."""
    return _query_if_built("duty_gaps")


# ----------------------------------------------------------------------------- open orders

def open_orders(ids: Ids = None, supplier_id: str | None = None) -> pd.DataFrame:
    """Open orders with their balance-release verdict (marts.open_orders), for the filters or one supplier."""
    return query("open_orders", ids=_ids(ids), supplier_id=supplier_id)


# ----------------------------------------------------------------------------- re-audit

def reaudit_queue(ids: Ids = None) -> pd.DataFrame:
    return query("reaudit_queue", ids=_ids(ids))


def reaudit_reasons(ids: Ids = None, supplier_id: str | None = None) -> pd.DataFrame:
    """The queue's reasons one a row (marts.reaudit_reasons), for the filters or one supplier."""
    return query("reaudit_reasons", ids=_ids(ids), supplier_id=supplier_id)


# ----------------------------------------------------------------------------- data

def load_log() -> pd.DataFrame:
    return query("load_log")


def build_history() -> pd.DataFrame:
    """Every build published at this warehouse path, newest first (ingest.build_history; absent in older builds)."""
    return query("build_history")


def rejected_rows() -> pd.DataFrame:
    return query("rejected_rows")


def rejected_count() -> int:
    """How many rows the last build refused (0 from a warehouse without ingest.rejected_rows)."""
    found = query("rejected_count")
    return 0 if found.empty else int(found["rows"].iloc[0])


def check_warnings() -> pd.DataFrame | None:
    """The last build's data-check warnings (ingest.check_warnings); None from a warehouse built before they were
    kept."""
    return _query_if_built("check_warnings")


def check_warning_rows() -> pd.DataFrame | None:
    """Every row the last build's data checks warned of (ingest.check_warning_rows); None from a warehouse built
    before they were kept."""
    return _query_if_built("check_warning_rows")


def entry_summary_reviews() -> pd.DataFrame | None:
    """Per entry summary the last build warned of, whether every warned row of it is marked reviewed, by whom, when
    and why (display.entry_reviews); None from a warehouse built before reviews were kept."""
    return _query_if_built("entry_summary_reviews")


def reviewed_warnings() -> pd.DataFrame | None:
    """The reviews of warned rows the last build read (raw.reviewed_warnings); None from a warehouse built before
    they were kept."""
    return _query_if_built("reviewed_warnings")


def freshness() -> pd.DataFrame:
    """Rows and latest date per staging table."""
    return query("freshness")
