"""Status of each purchase order at the build date (marts.po_status): marts.po_facts judged by models/po_status.py.

The rules (on time, in full, open, resolved, late, a late incident, lead time, balance before a passed inspection,
deposit at risk) are defined once in models/po_status.py, which the risk score also applies at every past cutoff;
this step only reads the facts, the shipments (for the units shipped on time) and the tolerances, and writes the
facts with the judgement beside them, typed as the rest of the warehouse.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from models import po_status
from pipelines import loaders
from pipelines.frames import read_frame

INPUTS = ["marts.po_facts", "staging.shipments", "reference.kpi_settings", "ingest.load_log"]
OUTPUTS = ["marts.po_status"]
GRAIN = {  # each output's grain (supplier-risk dag, docs/tables.md)
    "marts.po_status": "one row per purchase order",
}

# marts.po_status: the facts of marts.po_facts (on_time_quantity among them), then the judgement
FACT_COLUMNS = [
    "po_id", "supplier_id", "sku", "ordered_on", "promised_ship_on", "quantity", "unit_price", "order_value",
    "first_shipped_on", "last_shipped_on", "last_delivered_on", "shipped_quantity", "delivered_quantity",
    "on_time_quantity", "shipment_count", "customs_hold_days", "doc_errors", "psi_count", "first_psi_result",
    "psi_passed_on", "has_failed_psi", "paid_amount", "deposit_amount", "balance_amount", "balance_paid_on",
    "has_payment_outside_trade_assurance",
]
_TYPES = {"days_late": "bigint", "lead_time_days": "bigint", "unshipped_value": "double",
          "deposit_at_risk": "double", "on_time_quantity": "hugeint"}
_EPOCH = pd.Timestamp("1970-01-01")
# the judgements that need to know what shipped: unknown (NULL) when the import carried no shipments file, not
# "nothing shipped" (every due order late and open, every payment a deposit at risk)
SHIPPING_COLUMNS = ("is_shipped_in_full", "is_open", "unshipped_value", "is_resolved", "is_on_time", "is_otif",
                    "days_late", "lead_time_days", "is_late_incident", "deposit_at_risk")


def day_numbers(dates) -> np.ndarray:
    """Days since 1970-01-01 as floats (NaN for a blank date), the unit models/po_status.py judges in."""
    return ((pd.to_datetime(pd.Series(dates)) - _EPOCH).dt.days).to_numpy(dtype=float)


def judge(facts: pd.DataFrame, shipments: pd.DataFrame, as_of, tol: po_status.Tolerances) -> pd.DataFrame:
    """po_id, on_time_quantity and the status columns of each order in `facts` (marts.po_facts) as of `as_of`."""
    promised = pd.Series(day_numbers(facts["promised_ship_on"]), index=facts["po_id"].to_numpy())
    on_time = po_status.shipped_on_time(day_numbers(shipments["shipped_on"]),
                                        shipments["po_id"].map(promised).to_numpy(dtype=float), tol)
    units = shipments.loc[on_time].groupby("po_id")["quantity"].sum()
    days = pd.DataFrame({
        "ordered_day": day_numbers(facts["ordered_on"]),
        "promised_day": promised.to_numpy(),
        "first_shipped_day": day_numbers(facts["first_shipped_on"]),
        "last_shipped_day": day_numbers(facts["last_shipped_on"]),
        "balance_paid_day": day_numbers(facts["balance_paid_on"]),
        "psi_passed_day": day_numbers(facts["psi_passed_on"]),
        "on_time_quantity": facts["po_id"].map(units).fillna(0).to_numpy(dtype=float),
    })
    for col in ("quantity", "shipped_quantity", "unit_price", "paid_amount"):
        days[col] = facts[col].to_numpy(dtype=float)
    status = po_status.order_status(days, float((pd.Timestamp(as_of) - _EPOCH).days), tol)
    out = pd.DataFrame({"po_id": facts["po_id"].to_numpy(), "on_time_quantity": days["on_time_quantity"]})
    for col, values in status.items():
        out[col] = pd.array(values, dtype="Float64") if values.dtype.kind == "f" else values
    return out


def run(con: duckdb.DuckDBPyConnection, context) -> None:
    """Build step: write marts.po_status."""
    facts = read_frame(con, "select * from marts.po_facts")
    shipments = read_frame(con, "select po_id, shipped_on, quantity from staging.shipments")
    tol = po_status.settings_from(read_frame(con, "select setting, value from reference.kpi_settings"))
    status = judge(facts, shipments, context.as_of, tol)
    if "shipments" not in loaders.tables_imported(con):
        for col in SHIPPING_COLUMNS:
            status[col] = pd.array([pd.NA] * len(status), dtype="Float64" if col in _TYPES else "boolean")
    judged = ", ".join(f"cast(status.{c} as {_TYPES[c]}) as {c}" if c in _TYPES else f"status.{c}"
                       for c in po_status.STATUS_COLUMNS)
    facts_cols = ", ".join(f"cast(status.{c} as {_TYPES[c]}) as {c}" if c == "on_time_quantity" else f"facts.{c}"
                           for c in FACT_COLUMNS)
    con.register("_status", status)
    try:
        con.execute(f"create or replace table marts.po_status as select {facts_cols}, {judged} "
                    "from marts.po_facts as facts inner join _status as status on facts.po_id = status.po_id")
    finally:
        con.unregister("_status")
