"""Inspection marts: lots with their plans and escapes, the per-supplier blind spot, the switching-rule replay.

Reads marts.inspection_lot_facts (SQL: first decided PSI, deliveries, returns, costs per lot), the corrective actions
closed by the build date (they resume a discontinued inspection on tightened) and the settings,
judges which lots are mature and escaped at the build date (models/po_status.py, as the risk score does), computes the ISO 2859-1 plans and the Beta posterior with models.blind_spot, and writes
marts.inspection_lots, marts.inspection_blind_spot and marts.inspection_switching. Columns:
docs/inspection-blind-spot.md.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from models import po_status
from models.blind_spot import STAGE_COLUMNS, InspectionSettings, blind_spot, lot_plans, switching
from pipelines.frames import read_frame, write_frame

INPUTS = ["marts.inspection_lot_facts", "staging.corrective_actions", "reference.inspection_settings",
          "ingest.build_info"]
OUTPUTS = ["marts.inspection_lots", "marts.inspection_blind_spot", "marts.inspection_switching"]
GRAIN = {  # each output's grain (supplier-risk dag, docs/tables.md)
    "marts.inspection_lots": "one row per purchase order with a decided pre-shipment inspection",
    "marts.inspection_blind_spot": "one row per supplier with at least one inspected lot",
    "marts.inspection_switching": "one row per supplier and defect class (critical, major, minor)",
}

# Column order of marts.inspection_lots (facts first, then the plans, then the judgement).
LOT_COLUMNS = [
    "po_id", "supplier_id", "sku", "inspection_id", "inspected_on", "inspector",
    "lot_size", "is_lot_size_defaulted", "inspection_level", "aql_critical", "aql_major", "aql_minor",
    "is_plan_defaulted",
    "critical_code_letter", "critical_plan_sample_size", "critical_plan_accept", "critical_plan_reject",
    "major_code_letter", "major_plan_sample_size", "major_plan_accept", "major_plan_reject",
    "minor_code_letter", "minor_plan_sample_size", "minor_plan_accept", "minor_plan_reject",
    "plan_sample_size", "sample_size", "is_plan_followed", *STAGE_COLUMNS,
    "critical_defects", "major_defects", "minor_defects", "sample_defect_rate",
    "passed_psi", "decided_psi_count", "is_reinspected", "last_psi_result",
    "unit_price", "order_value", "delivered_on", "delivered_quantity",
    "returned_units", "defect_return_units", "field_defect_rate", "is_mature", "is_escape",
    "refunds", "unsellable_defect_units", "write_offs", "quality_costs", "escaped_value",
    "supplier_defect_rate_estimate", "p_accept_at_estimate",
]

SUPPLIER_COLUMNS = [
    "supplier_id", "lots_inspected", "lots_passed", "mature_passed_lots", "escapes",
    "escape_rate", "escape_rate_lower", "escape_rate_upper", "escaped_value",
    "current_level", "current_aql_major", "typical_lot_size", "current_code_letter", "current_sample_size",
    "current_accept", "current_reject",
    "sample_units", "sample_defects", "field_delivered_units", "field_defect_units", "field_effective_units",
    "evidence_units", "evidence_defects", "return_propensity", "prior_alpha", "prior_beta",
    "posterior_alpha", "posterior_beta", "defect_rate_estimate", "defect_rate_lower", "defect_rate_upper",
    "p_accept_current_plan", "is_above_aql",
    "recommended_level", "recommended_aql_major", "recommended_sample_size", "recommended_accept",
    "recommended_reject", "p_accept_recommended", "recommendation_meets_target", "note",
]

SWITCHING_COLUMNS = [
    "supplier_id", "defect_class", "inspection_level", "aql", "lots_replayed", "current_stage", "switching_score",
    "tightened_rejections", "transitions", "times_discontinued", "last_transition_po_id", "last_transition_on",
    "last_transition_from", "last_transition_to", "last_transition_reason", "recommended_stage", "typical_lot_size",
    "next_sample_size", "next_accept", "next_reject",
]

_INT_LOT_COLUMNS = ["lot_size", "critical_defects", "major_defects", "minor_defects", "decided_psi_count",
                    "delivered_quantity", "returned_units", "defect_return_units", "unsellable_defect_units"]


def read_settings(con: duckdb.DuckDBPyConnection) -> InspectionSettings:
    """reference.inspection_settings as typed settings."""
    rows = con.execute("select setting, cast(value as varchar) from reference.inspection_settings").fetchall()
    return InspectionSettings.from_mapping(dict(rows))


def read_lot_facts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """marts.inspection_lot_facts with integer counts and Python dates."""
    lots = read_frame(con, "select * from marts.inspection_lot_facts order by po_id")
    for col in _INT_LOT_COLUMNS:
        lots[col] = lots[col].astype("Int64")
    lots["sample_size"] = lots["sample_size"].astype("Int64")
    for col in ("passed_psi", "is_reinspected"):
        lots[col] = lots[col].astype(bool)
    return lots


def read_closed_actions(con: duckdb.DuckDBPyConnection, as_of) -> pd.DataFrame:
    """The corrective actions closed on or before `as_of`: supplier_id, capa_id, closed_on."""
    return read_frame(con, "select supplier_id, capa_id, closed_on from staging.corrective_actions "
                           "where closed_on <= ? order by supplier_id, closed_on, capa_id", [as_of])


def judge_lots(lots: pd.DataFrame, as_of, settings: InspectionSettings) -> pd.DataFrame:
    """The lot facts with field_defect_rate, is_mature, is_escape and escaped_value as of `as_of`
    (models.po_status.lot_judgement: the definition the risk score's passed-but-defective signal applies). When no
    return in the data names its lot (returns_name_lots false: marketplace returns reports do not), no lot is judged by
    its field returns: none is mature, its field defect rate is unknown."""
    delivered_day = (pd.to_datetime(lots["delivered_on"]) - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=float)
    judged = po_status.lot_judgement(
        lots["passed_psi"], delivered_day, lots["delivered_quantity"].astype("Float64").to_numpy(float, na_value=np.nan),
        lots["defect_return_units"].astype("Float64").to_numpy(float, na_value=np.nan), lots["aql_major"],
        float((pd.Timestamp(as_of) - pd.Timestamp("1970-01-01")).days), settings.field_return_maturity_days)
    if "returns_name_lots" in lots and not lots["returns_name_lots"].fillna(False).astype(bool).all():
        # no return names its lot: no lot can be judged by its field returns (unknown, not "no defect came back")
        judged = {**judged, "is_mature": np.zeros(len(lots), dtype=bool), "is_escape": np.zeros(len(lots), dtype=bool),
                  "field_defect_rate": np.full(len(lots), np.nan)}
    lots = lots.assign(**judged)
    # an escape costs what came back for it: refunds, written-off units and the quality costs booked on the lot
    lots["escaped_value"] = np.where(lots["is_escape"], lots["refunds"] + lots["write_offs"] + lots["quality_costs"],
                                     0.0)
    return lots


def compute(lots: pd.DataFrame, settings: InspectionSettings, actions: pd.DataFrame | None = None
            ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three marts from the lot facts: (inspection_lots, inspection_blind_spot, inspection_switching).
    `actions`: the corrective actions closed by the build date (read_closed_actions)."""
    if lots.empty:
        return (pd.DataFrame(columns=LOT_COLUMNS), pd.DataFrame(columns=SUPPLIER_COLUMNS),
                pd.DataFrame(columns=SWITCHING_COLUMNS))
    lots = lots.join(lot_plans(lots))
    suppliers, lots = blind_spot(lots, settings)
    switch = switching(lots, actions)
    lots = lots.join(switch.lot_stages)
    return lots[LOT_COLUMNS], suppliers[SUPPLIER_COLUMNS], switch.suppliers[SWITCHING_COLUMNS]


_DATE_COLUMNS = {"inspected_on", "delivered_on", "last_transition_on"}


def _write(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    # pandas carries dates as timestamps; the marts keep DuckDB dates like every other `_on` column
    write_frame(con, table, frame, types={c: "date" for c in _DATE_COLUMNS})


def run(con: duckdb.DuckDBPyConnection, context) -> None:
    """Build step: write the three inspection marts."""
    settings = read_settings(con)
    lots, suppliers, switch = compute(judge_lots(read_lot_facts(con), context.as_of, settings), settings,
                                      read_closed_actions(con, context.as_of))
    _write(con, "marts.inspection_lots", lots)
    _write(con, "marts.inspection_blind_spot", suppliers)
    _write(con, "marts.inspection_switching", switch)
    escapes = int(lots["is_escape"].sum()) if len(lots) else 0
    context.log(f"      inspection: {len(lots):,} lots, {escapes:,} escapes, {len(suppliers):,} suppliers")
