"""Background checks at the build date (marts.background_checks, one row per supplier and source): when each was
done, until when it counts, and what it found; blank and undated is "not checked", never clean (models/controls.py).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from models import controls
from models.wording import count_words
from pipelines.frames import read_frame, write_frame

INPUTS = ["staging.suppliers", "reference.kpi_settings", "ingest.build_info"]
OUTPUTS = ["marts.background_checks"]
GRAIN = {  # each output's grain (supplier-risk dag, docs/tables.md)
    "marts.background_checks": "one row per supplier and background-check source",
}
COLUMNS = ["supplier_id", "source", "checked_on", "expires_on", "state", "finding"]
TYPES = {"supplier_id": "varchar", "source": "varchar", "checked_on": "date", "expires_on": "date",
         "state": "varchar", "finding": "varchar"}


def valid_days(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute("select value from reference.kpi_settings "
                       "where setting = 'background_check_valid_days'").fetchall()
    if not rows:
        raise ValueError("reference.kpi_settings has no background_check_valid_days")
    return int(rows[0][0])


def run(con: duckdb.DuckDBPyConnection, context) -> None:
    sup = read_frame(con, "select * from staging.suppliers")
    states = controls.check_states(sup, context.as_of, valid_days(con))
    by_id = sup.set_index("supplier_id")

    def finding(sid: str, source: str, state: str) -> str | None:
        if state == controls.NOT_CHECKED:
            return None
        s = by_id.loc[sid]
        if source == "registry":
            return f"operating status {s['operating_status']}" if pd.notna(s["operating_status"]) \
                else "nothing abnormal recorded"
        nouns = {"litigation_cases": ("court case", None),
                 "admin_penalties": ("administrative penalty", "administrative penalties")}
        parts = [count_words(int(s[col]), *noun) for col, noun in nouns.items() if pd.notna(s[col])]
        return ", ".join(parts) if parts else "nothing recorded"

    states["finding"] = [finding(r.supplier_id, r.source, r.state) for r in states.itertuples()]
    write_frame(con, "marts.background_checks", states, types=TYPES, columns=COLUMNS)
