"""Open orders and the balance-release verdict of each (marts.open_orders, one row per open purchase order).

The rules are models/release.py with models/config/release.toml; this step only reads the staging tables,
marts.po_status, marts.bank_accounts, marts.corrective_actions and marts.inspection_switching, and writes the mart (typed even when no order is open).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from models import release
from pipelines import loaders
from pipelines.frames import read_frame, write_frame

INPUTS = ["staging.purchase_orders", "marts.po_status", "staging.suppliers", "staging.inspections",
          "staging.changes", "marts.bank_accounts", "staging.payments", "marts.corrective_actions",
          "staging.shipments", "marts.inspection_switching", "reference.inspection_settings", "ingest.build_info",
          "ingest.load_log"]
OUTPUTS = ["marts.open_orders"]
GRAIN = {  # each output's grain (supplier-risk dag, docs/tables.md)
    "marts.open_orders": "one row per open purchase order",
}


def load_frames(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The staging rows and order states the release rules read."""
    orders = read_frame(con, "select * from staging.purchase_orders")
    # with is_resolved and days_late: whether the promise plus the on-time tolerance has passed, and by how much
    # (marts.po_status, where the on-time rule lives)
    status = read_frame(con, "select po_id, paid_amount, shipped_quantity, is_shipped_in_full, deposit_at_risk, "
                             "is_resolved, days_late from marts.po_status")
    return {
        "orders": orders.merge(status, on="po_id", how="left"),
        "suppliers": read_frame(con, "select * from staging.suppliers"),
        "inspections": read_frame(con, "select * from staging.inspections"),
        "changes": read_frame(con, "select * from staging.changes"),
        # with is_change: whether the account is a change to verify (marts.bank_accounts, where that rule lives)
        "bank_accounts": read_frame(con, "select * from marts.bank_accounts"),
        "payments": read_frame(con, "select * from staging.payments"),
        # with is_open: the action's state at the build date (marts.corrective_actions, where that rule lives)
        "corrective_actions": read_frame(con, "select * from marts.corrective_actions"),
        "shipments": read_frame(con, "select * from staging.shipments"),
        # the ISO 2859-1 switching state per supplier and defect class (a pass on sampling after a discontinuation
        # does not count)
        "inspection_switching": read_frame(con, "select supplier_id, defect_class, current_stage, last_transition_on "
                                                "from marts.inspection_switching"),
        "inspection_settings": read_frame(con, "select setting, value from reference.inspection_settings"),
    }


def run(con: duckdb.DuckDBPyConnection, context) -> None:
    """Write marts.open_orders as of the build date."""
    # the files the import carried: without payments the balances are unknown, without inspections the inspection
    # check is not recorded, without shipments no order is known to be unshipped
    frame = release.evaluate(load_frames(con), context.as_of, imported=loaders.tables_imported(con))
    write_frame(con, "marts.open_orders", frame, types=release.TYPES, columns=release.COLUMNS)
