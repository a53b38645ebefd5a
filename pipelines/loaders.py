"""What the models read from a warehouse: the SQL that turns staging tables and marts into the frames `models/` takes.

models/ takes frames and returns frames (it never runs SQL); the build steps, the command line, the benchmarks and
the tests read a warehouse through these functions:

- `load_tables` — the staging frames and reference settings the risk score reads (models.scoring.prepare_tables);
- `load_inputs` — the incident model's inputs, dates as day numbers (models.incident_model.Inputs);
- `load_evidence`, `signal_history`, `card_for` — the marts the validity report card reads (models.validity).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from models import incident_model as im
from models import scoring, signals, validity
from pipelines import contract
from pipelines.frames import read_frame

# ---- the risk score ---------------------------------------------------------------------------------------------

# the frames attributed to their supplier by a mart (the one place each rule is written), and the SQL reading them
_ATTRIBUTED = {
    # only the returns the score reads (prepare_tables keeps no other): about half the rows at 2,000 suppliers
    "returns": ("marts.return_costs", "select supplier_id, sku, po_id, returned_on, reason, is_defect_coded, "
                                      "sum(quantity) as quantity from marts.return_costs "
                                      "where is_defect_coded or reason = ? group by all"),
    "quality_costs": ("marts.quality_costs", "select cost_id, po_id, supplier_id, incurred_on, kind, amount, note "
                                             "from marts.quality_costs order by cost_id"),
    # each account with whether it is a change to verify (the mart's is_change, the one place that rule is written)
    "bank_accounts": ("marts.bank_accounts", "select bank_account_id, supplier_id, bank_country, first_seen_on, "
                                             "verified_on, is_offshore, is_change from marts.bank_accounts "
                                             "order by bank_account_id"),
    # each corrective action with the lot that tested it and its result (the mart's next_lot_*, the one place that
    # rule is written)
    "corrective_actions": ("marts.corrective_actions", "select capa_id, supplier_id, po_id, opened_on, severity, "
                                                       "due_on, closed_on, next_lot_result_recorded, next_lot_result, "
                                                       "next_lot_inspected_on from marts.corrective_actions "
                                                       "order by capa_id"),
}
# the tables load_tables reads (the INPUTS of the build steps that call it), besides raw.suppliers, the raw files whose
# columns a signal needs (raw.shipments) and ingest.load_log
TABLES_READ = [_ATTRIBUTED[name][0] if name in _ATTRIBUTED else f"staging.{name}" for name in scoring.TABLE_NAMES] + [
    "reference.kpi_settings", "reference.inspection_settings"]
_PARAMETERS = {"returns": [scoring.NOT_AS_DESCRIBED]}


def load_tables(con) -> dict[str, pd.DataFrame]:
    """Staging frames (returns and quality costs attributed to their supplier by marts.return_costs and
    marts.quality_costs; returns and sales pre-summed per day/month) plus the reference settings."""
    t = {}
    for name in scoring.TABLE_NAMES:
        if name in _ATTRIBUTED:
            sql = _ATTRIBUTED[name][1]
        elif name == "sales":  # the units a return rate is over: channels whose returns are recorded (staging.sales)
            sql = ("select sku, month_on, sum(units_sold) as units_sold from staging.sales where returns_recorded "
                   "group by all")
        elif name == "inspections":  # the major AQL each is judged at (the shared macro, as the inspection marts)
            sql = "select *, judged_aql(aql_major, 'major') as judged_aql_major from staging.inspections"
        else:
            sql = f"select * from staging.{name}"  # names from scoring.TABLE_NAMES
        t[name] = read_frame(con, sql, _PARAMETERS.get(name, []))
    # the inspection mart's maturity for field returns, so both marts judge the same lots
    t["inspection_settings"] = read_frame(con, "select * from reference.inspection_settings")
    t["kpi_settings"] = read_frame(con, "select * from reference.kpi_settings")
    # which supplier fields the imported data carries at all (staging fills some blanks, e.g. a badge as false); a
    # column whose every value is the contract's default for a blank (subcontracting 'none') cannot be told from
    # one left blank for every supplier, so it is not counted as carried (the points are the same either way)
    raw = read_frame(con, "select * from raw.suppliers")
    defaults = {col.name: col.default for col in contract.TABLES_BY_NAME["suppliers"].columns
                if col.default is not None}
    t["supplier_fields_carried"] = pd.DataFrame({"field": [
        c for c in raw.columns if raw[c].notna().any()
        and not (c in defaults and (raw[c].dropna().astype(str) == defaults[c]).all())]})
    # which "table.column" fields of other files a signal reads (models/signals.py `needs`) some row carries: a file
    # without rows carries them all (it is known to hold none)
    wanted: dict[str, list[str]] = {}
    for s in signals.REGISTRY.values():
        for need in s.needs:
            if "." in need:
                table, column = need.split(".")
                wanted.setdefault(table, []).append(column)
    carried = []
    for table, columns in wanted.items():  # names from the signal registry, never from data
        row = con.execute(f"select count(*) = 0, {', '.join(f'count({c}) > 0' for c in columns)} "
                          f"from raw.{table}").fetchall()[0]
        carried += [f"{table}.{c}" for c, has in zip(columns, row[1:]) if has or row[0]]
    t["columns_carried"] = pd.DataFrame({"field": carried}, dtype=object)
    t["tables_carried"] = pd.DataFrame({"table_name": sorted(tables_imported(con))})
    return t


def tables_imported(con) -> set[str]:
    """The tables the import carried a file for, even one without rows (ingest.load_log): what is not here is unknown,
    not empty."""
    return set(read_frame(con, "select distinct table_name from ingest.load_log where coalesce(file, '') <> ''")
               ["table_name"])


# ---- the incident model -----------------------------------------------------------------------------------------

_D = "- date '1970-01-01'"
INPUT_QUERIES = {
    "suppliers": f"""
        select supplier_id, supplier_type, is_trading_company, country, alibaba_store_years, is_verified,
            is_gold_supplier, legal_name, registration_id, bank_beneficiary, onboarded_on {_D} as onboarded_day,
            last_audit_on {_D} as last_audit_day, last_audit_result, nnn_signed, mold_owner
        from staging.suppliers order by supplier_id""",
    "products": "select sku, supplier_id from staging.products order by sku",
    "orders": f"""
        select po_id, supplier_id, sku, ordered_on {_D} as day, promised_ship_on {_D} as promised_day, quantity,
            unit_price, is_outside_trade_assurance, pi_entity_name
        from staging.purchase_orders order by po_id""",
    "shipments": f"""
        select shipment_id, po_id, shipped_on {_D} as shipped_day, delivered_on {_D} as delivered_day, quantity,
            doc_errors
        from staging.shipments order by shipment_id""",
    "inspections": f"""
        select inspection_id, po_id, inspection_type, inspected_on {_D} as day, result, sample_size,
            critical_defects, major_defects
        from staging.inspections order by inspection_id""",
    "payments": f"""
        select payment_id, po_id, paid_on {_D} as day, kind, payee_name, is_outside_trade_assurance
        from staging.payments order by payment_id""",
    # returns and quality costs attributed to their supplier by their marts (the one place each rule is written);
    # only the defect-coded returns, the only ones the model reads (a third of the rows at 2,000 suppliers)
    "returns": f"""
        select return_id, sku, po_id, supplier_id, returned_on {_D} as day, quantity, reason, is_defect_coded
        from marts.return_costs where is_defect_coded order by return_id""",
    "quality_costs": f"""
        select cost_id, po_id, supplier_id, incurred_on {_D} as day, amount
        from marts.quality_costs order by cost_id""",
}


def load_inputs(con) -> im.Inputs:
    """Read the staging tables and the two reference settings the incident label needs."""
    frames = {name: read_frame(con, sql) for name, sql in INPUT_QUERIES.items()}
    for frame in frames.values():  # day numbers as plain floats: a blank date is NaN (comparisons False), never NA
        for col in [c for c in frame.columns if c == "day" or c.endswith("_day")]:
            frame[col] = frame[col].astype("float64")
    late = con.execute("select value from reference.kpi_settings where setting = 'late_incident_days'").fetchone()
    if late is None:
        raise ValueError("reference.kpi_settings has no late_incident_days")
    return im.Inputs(**frames, late_incident_days=int(late[0]), shipments_known="shipments" in tables_imported(con))


# ---- the validity report card -----------------------------------------------------------------------------------

def _has(con, table: str) -> bool:
    schema, name = table.split(".")
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? "
                            "and table_name = ?", [schema, name]).fetchall()[0][0])


def _columns(con, table: str) -> set[str]:
    schema, name = table.split(".")
    return {r[0] for r in con.execute("select column_name from information_schema.columns where table_schema = ? "
                                      "and table_name = ?", [schema, name]).fetchall()}


def _read(con, table: str, sql: str) -> pd.DataFrame:
    return read_frame(con, sql) if _has(con, table) else pd.DataFrame()


def signal_history(con, before, computed: pd.DataFrame | None = None) -> pd.DataFrame:
    """models.validity.signal_history on this warehouse: the score history's month ends from the latest one before
    `before` (the first order judged) on, and the staging tables (not read when the points were `computed` by this
    build's score step). Empty without a score history or staging."""
    if before is None or pd.isna(before) or not _has(con, "marts.supplier_risk_history") \
            or not _has(con, "staging.suppliers"):
        return validity.signal_history({}, [])
    months = validity.history_months([r[0] for r in con.execute(
        "select distinct as_of from marts.supplier_risk_history order by as_of").fetchall()], before)
    return validity.signal_history(load_tables(con) if months and computed is None else {}, months, computed)


def load_evidence(con, signal_points: pd.DataFrame | None = None) -> validity.Evidence:
    """Read the marts the card needs; a table that is missing (a warehouse without a trained model) reads empty.
    `signal_points`: the month-end signal points the build's score step kept (signal_history's `computed`)."""
    comparison = _read(con, "marts.model_comparison", "select * from marts.model_comparison")
    backtest = _read(con, "marts.model_backtest", "select * from marts.model_backtest where fold = 0")
    orders = pd.DataFrame()
    if _has(con, "marts.order_incident_features"):
        cols = _columns(con, "marts.order_incident_features")
        wanted = ["po_id", "supplier_id", "ordered_on", "fold", "is_incident", "is_late", "is_psi_failed",
                  "is_return_incident", *validity.ORDER_SCORES.values()]
        orders = read_frame(con, f"select {', '.join(c for c in wanted if c in cols)} "  # names from the list above
                                 "from marts.order_incident_features where predicted_incident_probability is not null "
                                 "order by po_id")
        history = _read(con, "marts.supplier_risk_history",
                        "select supplier_id, as_of, risk_band from marts.supplier_risk_history")
        orders["risk_band"] = validity.band_at_order(orders, history)
    suppliers = _read(con, "marts.supplier_risk_score",
                      "select supplier_id, risk_score, round(quality_points + delivery_points, 1) as operations_points, "
                      "entity_points, transaction_points from marts.supplier_risk_score")
    if not suppliers.empty and _has(con, "marts.incident_predictions"):
        pred = read_frame(con, "select supplier_id, predicted_incident_probability from marts.incident_predictions")
        suppliers = suppliers.merge(pred, on="supplier_id", how="left")
    signals = _read(con, "marts.supplier_signals", "select supplier_id, pillar, signal, points "
                                                   "from marts.supplier_signals")
    # fetchall, not fetchone: a build step's connection must hold no unfinished result when it writes next
    info = con.execute("select as_of, input_dir from ingest.build_info").fetchall()[0] \
        if _has(con, "ingest.build_info") else None
    history = signal_history(con, orders["ordered_on"].min() if len(orders) else None, signal_points)
    unknown = _read(con, "marts.score_unknown_signals", "select signal from marts.score_unknown_signals")
    return validity.Evidence(comparison, backtest, orders, suppliers, signals,
                             as_of=info[0] if info else None, input_dir=info[1] if info else None,
                             signal_history=history,
                             unknown_signals=frozenset(unknown["signal"]) if len(unknown) else frozenset())


def card_for(con, truth_path: Path | None = None, cfg: validity.ValidityConfig | None = None,
             signal_points: pd.DataFrame | None = None) -> validity.ReportCard:
    """The report card of a warehouse: its marts, and the ground truth at `truth_path` or beside its input folder
    (`signal_points`: see load_evidence)."""
    return validity.card_from(load_evidence(con, signal_points), truth_path, cfg)
