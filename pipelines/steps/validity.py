"""Build step: the validity report card of this warehouse (models/validity.py, docs/validity.md).

Reads the incident model's backtest tables and the score marts (and a ground-truth file beside the input folder
when there is one: the demo writes `ground_truth/supplier_traits.csv`; it is read here only, never by the score),
and writes `marts.validity_report` (one row per figure), `marts.validity_band_calibration` (observed vs predicted
incident rate per risk band), `marts.validity_stability` (the ranking under ±20% weight changes) and
`marts.validity_signals` (each signal's predictive value on the backtest's test orders, next to its points; the
signals' month-end points are recomputed from the staging tables the way the score history computes its pillars).
Pages read these; `supplier-risk validate` prints the same card for any built warehouse.
"""

from __future__ import annotations

from models import validity
from pipelines import loaders
from pipelines.frames import write_frame

INPUTS = ["marts.model_comparison", "marts.model_backtest", "marts.order_incident_features",
          "marts.supplier_risk_history", "marts.supplier_risk_score", "marts.supplier_signals",
          "marts.incident_predictions", "marts.score_unknown_signals", "ingest.build_info",
          *loaders.TABLES_READ]
OUTPUTS = ["marts.validity_report", "marts.validity_band_calibration", "marts.validity_stability",
           "marts.validity_signals"]
GRAIN = {  # each output's grain (supplier-risk dag, docs/tables.md)
    "marts.validity_report": "one row per figure of the report card",
    "marts.validity_band_calibration": "one row per risk band",
    "marts.validity_stability": "one row per weight scenario",
    "marts.validity_signals": "one row per signal of the score",
}

TYPES = {
    "marts.validity_report": {"section": "varchar", "metric": "varchar", "subject": "varchar", "value": "double",
                              "ci_low": "double", "ci_high": "double", "reference": "double", "n": "bigint",
                              "verdict": "varchar", "version": "varchar"},
    "marts.validity_band_calibration": {"risk_band": "varchar", "n_orders": "bigint", "n_suppliers": "bigint",
                                        "n_incidents": "bigint", "observed_rate": "double", "ci_low": "double",
                                        "ci_high": "double", "mean_predicted": "double", "version": "varchar"},
    "marts.validity_stability": {"scenario": "varchar", "pillar": "varchar", "factor": "double",
                                 "spearman": "double", "top_overlap": "double", "max_rank_shift": "double",
                                 "version": "varchar"},
    "marts.validity_signals": {"signal": "varchar", "pillar": "varchar", "max_points": "double",
                               "n_orders": "bigint", "n_suppliers": "bigint", "n_incidents": "bigint",
                               "share_with_points": "double", "auc": "double", "ci_low": "double",
                               "ci_high": "double", "top_decile_lift": "double", "lift_with_points": "double",
                               "verdict": "varchar", "version": "varchar"},
}


def run(con, context) -> None:
    # the month-end signal points the score step of this build kept (recomputed when run on its own)
    card = loaders.card_for(con, signal_points=getattr(context, "shared", {}).get("signal_history"))
    for table, frame in (("marts.validity_report", card.rows), ("marts.validity_band_calibration", card.bands),
                         ("marts.validity_stability", card.stability), ("marts.validity_signals", card.signals)):
        write_frame(con, table, frame, types=TYPES[table], columns=list(TYPES[table]))
    for line in validity.summary(card):
        context.log(f"    validity: {line}")
