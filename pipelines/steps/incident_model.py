"""Build step: train the incident model on the warehouse, backtest it, persist it, write its tables.

Reads the staging tables (and the rule-score history when the risk-score step exists), writes
`marts.incident_predictions` (next-order probability per supplier as of the build date), `marts.model_backtest`,
`marts.model_calibration`, `marts.model_comparison` (model, rule score and its quality-and-delivery part
`rule_score_operations` vs the naive baseline, with a supplier-cluster bootstrap interval) and `marts.order_incident_features`, and stores the fitted model with its metadata
in `marts.incident_model_artifact` (inside the warehouse, so it is published atomically with the tables it was trained
on). Pages only read these tables; nothing trains in a page.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from models import incident_model as im
from pipelines import loaders
from pipelines.frames import read_frame, write_frame

INPUTS = [
    "staging.suppliers", "staging.products", "staging.purchase_orders", "staging.shipments", "staging.inspections",
    "staging.payments", "marts.return_costs", "marts.quality_costs", "reference.return_reasons",
    "reference.kpi_settings", "ingest.build_info", "marts.supplier_risk_history",
]
OUTPUTS = ["marts.incident_predictions", "marts.model_backtest", "marts.model_calibration",
           "marts.model_comparison", "marts.order_incident_features", "marts.incident_model_artifact"]
GRAIN = {  # each output's grain (supplier-risk dag, docs/tables.md)
    "marts.incident_predictions": "one row per supplier",
    "marts.model_backtest": "one row per model and fold (fold 0: all folds together)",
    "marts.model_calibration": "one row per model and probability bin",
    "marts.model_comparison": "one row per score compared with the naive baseline",
    "marts.order_incident_features": "one row per labelled purchase order",
    "marts.incident_model_artifact": "one row per fitted model (the one used by this build)",
}

_FEATURE_DDL = ", ".join(f"{c} double" for c in im.NUMERIC_FEATURES) + ", " + \
    ", ".join(f"{c} varchar" for c in im.CATEGORICAL_FEATURES)
DDL = {
    "marts.incident_predictions": "supplier_id varchar, predicted_incident_probability double, "
                                  f"{_FEATURE_DDL}, as_of date, model_version varchar, trained_on_window varchar, "
                                  "trained_from date, trained_to date, n_training_orders integer",
    "marts.model_backtest": "model_name varchar, fold integer, train_start date, train_end date, test_start date, "
                            "test_end date, n_train integer, n_test integer, incident_rate_test double, "
                            "roc_auc double, brier double, top_decile_lift double, fit_seconds double, model_version varchar",
    "marts.model_calibration": "model_name varchar, bin integer, mean_predicted double, observed_rate double, "
                               "n integer, model_version varchar",
    "marts.model_comparison": "model_name varchar, baseline_name varchar, n_test integer, n_suppliers integer, "
                              "roc_auc double, baseline_roc_auc double, auc_difference double, ci_low double, "
                              "ci_high double, share_not_better double, n_resamples integer, model_version varchar",
    "marts.order_incident_features": "po_id varchar, supplier_id varchar, ordered_on date, closed_on date, "
                                     "is_incident boolean, is_psi_failed boolean, is_late boolean, "
                                     "is_return_incident boolean, defect_return_rate double, "
                                     f"{_FEATURE_DDL}, rule_score double, rule_score_operations double, fold integer, "
                                     "predicted_incident_probability double, naive_baseline_probability double, "
                                     "model_version varchar",
}


def _write(con, table: str, frame: pd.DataFrame) -> None:
    """Create `table` with its declared types (columns by name; missing ones stay NULL)."""
    declared = [c.split() for c in DDL[table].split(", ")]
    write_frame(con, table, frame, types=dict(declared), columns=[name for name, _ in declared])


def _write_artifact(con, payload: bytes | None, meta: dict | None) -> None:
    """One row with the joblib bytes and metadata JSON of the fitted model (no row when nothing was trained)."""
    con.execute("create or replace table marts.incident_model_artifact "
                "(model_version varchar, metadata_json varchar, payload blob)")
    if payload is not None:
        con.execute("insert into marts.incident_model_artifact values (?, ?, ?)",
                    [meta["model_version"], json.dumps(meta, indent=2, default=str), payload])


def load_model(con) -> tuple | None:
    """The model stored by the last build of this warehouse and its metadata, or None when none was trained."""
    row = con.execute("select payload, metadata_json from marts.incident_model_artifact").fetchone()
    return im.deserialize_model(row[0], row[1]) if row else None


def _rule_history(con) -> pd.DataFrame | None:
    exists = con.execute("select count(*) from information_schema.tables "
                         "where table_schema = 'marts' and table_name = 'supplier_risk_history'").fetchone()[0]
    if not exists:
        return None
    # the quality and delivery pillars together (the part of the score a next-order incident can judge), to the
    # 0.1 point the pillars are rounded to, so equal sums tie exactly
    return read_frame(con, "select supplier_id, as_of - date '1970-01-01' as as_of_day, risk_score, "
                           "round(quality_points + delivery_points, 1) as operations_points "
                           "from marts.supplier_risk_history")


def run(con, context) -> None:
    cfg = im.load_config()
    inp = loaders.load_inputs(con)
    labelled, next_features = im.labelled_and_next_orders(inp, cfg, context.as_of, with_next=True)
    frame = im.attach_rule_score(labelled, _rule_history(con))
    context.log(f"    incident model: {len(frame):,} labelled orders, incident rate "
                f"{frame['is_incident'].mean() if len(frame) else float('nan'):.3f}")

    trainable = bool(len(frame)) and frame["is_incident"].nunique() == 2
    # The model used for predictions (fitted on every labelled order) trains in a second thread while the backtest
    # fits its folds: LightGBM releases the GIL while it grows trees, each fit runs single-threaded and seeded, so
    # the trees are the same as one after the other, in about half the time on two cores.
    with ThreadPoolExecutor(max_workers=1) as pool:
        final = pool.submit(im.fit, frame, cfg) if trainable else None
        result = im.backtest(frame, cfg) if trainable else None
        model = final.result() if final is not None else None
    metrics = result.metrics if result is not None else pd.DataFrame()
    _write(con, "marts.model_backtest", metrics)
    _write(con, "marts.model_calibration",
           result.calibration.assign(model_version=cfg.version) if result is not None else pd.DataFrame())
    comparison = result.comparison.assign(model_version=cfg.version) if result is not None else pd.DataFrame()
    _write(con, "marts.model_comparison", comparison)

    oof = result.out_of_fold if result is not None else pd.DataFrame(columns=["po_id", "fold", "model",
                                                                             "naive_baseline"])
    feats = frame.merge(oof[["po_id", "fold", "model", "naive_baseline"]], on="po_id", how="left")
    feats = feats.rename(columns={"model": "predicted_incident_probability",
                                  "naive_baseline": "naive_baseline_probability"})
    feats["ordered_on"] = pd.to_datetime(feats["day"].map(im.from_day))
    feats["closed_on"] = pd.to_datetime(feats["close_day"].map(im.from_day))
    feats["model_version"] = cfg.version
    _write(con, "marts.order_incident_features", feats)

    pred = pd.concat([pd.DataFrame({"supplier_id": inp.suppliers["supplier_id"]}).reset_index(drop=True),
                      next_features], axis=1)  # the next order of each supplier (im.next_order_template)
    pred["as_of"] = pd.Timestamp(context.as_of)
    pred["model_version"] = cfg.version
    if model is not None:
        pred["predicted_incident_probability"] = im.predict(model, pred)
        start, end = im.from_day(frame["day"].min()), im.from_day(frame["day"].max())
        pred["trained_on_window"] = f"{start}..{end}"
        pred["trained_from"], pred["trained_to"] = pd.Timestamp(start), pd.Timestamp(end)
        pred["n_training_orders"] = len(frame)
        pooled = metrics[metrics["fold"] == 0] if len(metrics) else metrics
        payload, meta = im.serialize_model(model, {
            "as_of": str(context.as_of), "training_window": {"first_order_on": str(start), "last_order_on": str(end)},
            "n_training_orders": len(frame), "training_incident_rate": float(frame["is_incident"].mean()),
            "backtest": pooled.drop(columns=["model_version"]).to_dict(orient="records") if len(pooled) else [],
            "comparison_with_naive_baseline": comparison.drop(columns=["model_version"]).to_dict(orient="records"),
            "n_trees": int(getattr(model[-1], "n_estimators_", 0)),
            "config": {"defect_return_threshold": cfg.defect_return_threshold,
                       "outcome_horizon_days": cfg.outcome_horizon_days,
                       "late_incident_days": inp.late_incident_days, "estimator": cfg.estimator},
        }, cfg)
        _write_artifact(con, payload, meta)
        for row in pooled.itertuples():
            context.log(f"    backtest {row.model_name:<15} AUC {row.roc_auc:.3f}  Brier {row.brier:.3f}  "
                        f"top-decile lift {row.top_decile_lift:.2f}  (n={row.n_test})")
        if len(metrics):
            fits = metrics[(metrics["model_name"] == "model") & (metrics["fold"] > 0)]
            context.log("    fit time per fold: " + ", ".join(f"fold {r.fold} {r.fit_seconds:.1f}s"
                                                           for r in fits.itertuples()))
        for row in comparison.dropna(subset=["ci_low", "ci_high"]).itertuples():
            context.log(f"    {row.model_name} - naive baseline: AUC {row.auc_difference:+.3f} "
                        f"(95% supplier-bootstrap interval {row.ci_low:+.3f} .. {row.ci_high:+.3f})")
    else:
        pred["predicted_incident_probability"] = np.nan
        _write_artifact(con, None, None)
        context.log("    incident model: not trained (needs closed orders with and without incidents)")
    _write(con, "marts.incident_predictions", pred)
