"""Trader or factory? (marts.supplier_type_check, one row per supplier): the trading-company markers (贸易, 进出口,
Trading, Import & Export…) in a supplier's legal name, store name and proforma-invoice names against its declared
type; a declared manufacturer whose names carry them is "possibly a trading company" until an audit or visit
verifies it as a manufacturer (models/entity.trading_label_check). Shown on the Supplier page."""

from __future__ import annotations

import duckdb
import pandas as pd

from models import entity
from pipelines.frames import read_frame, write_frame

INPUTS = ["staging.suppliers", "staging.purchase_orders"]
OUTPUTS = ["marts.supplier_type_check"]
GRAIN = {  # each output's grain (supplier-risk dag, docs/tables.md)
    "marts.supplier_type_check": "one row per supplier",
}
COLUMNS = ["supplier_id", "declared_type", "verified_type", "is_possibly_trading_company", "markers",
           "names_with_markers"]
TYPES = {"supplier_id": "varchar", "declared_type": "varchar", "verified_type": "varchar",
         "is_possibly_trading_company": "boolean", "markers": "varchar", "names_with_markers": "varchar"}


def run(con: duckdb.DuckDBPyConnection, context) -> None:
    sup = read_frame(con, "select supplier_id, supplier_type, verified_type, supplier_name, legal_name "
                          "from staging.suppliers")
    pi = read_frame(con, "select distinct supplier_id, pi_entity_name from staging.purchase_orders "
                         "where pi_entity_name is not null")
    pi_names = pi.groupby("supplier_id")["pi_entity_name"].apply(list).to_dict()
    rows = []
    for s in sup.itertuples():
        names = [s.supplier_name, s.legal_name, *pi_names.get(s.supplier_id, [])]
        verified = s.verified_type if isinstance(s.verified_type, str) else None
        flagged, markers, marked = entity.trading_label_check(s.supplier_type, verified, names)
        rows.append({"supplier_id": s.supplier_id, "declared_type": s.supplier_type, "verified_type": verified,
                     "is_possibly_trading_company": flagged, "markers": ", ".join(markers) or None,
                     "names_with_markers": " | ".join(marked) or None})
    write_frame(con, "marts.supplier_type_check", pd.DataFrame(rows, columns=COLUMNS), types=TYPES, columns=COLUMNS)
