"""Incident-model tables in the built warehouse: backtest, calibration, predictions and the persisted model."""

from __future__ import annotations

import numpy as np
import pytest

from models import incident_model as im
from pipelines import loaders
from pipelines.steps import incident_model as incident_step


def test_model_beats_the_naive_baseline_on_the_demo(demo_con):
    """In every fold and pooled, and pooled in at least 90% of the supplier resamples. The 95% interval's lower end is
    not asserted: on this one 72-supplier seed it sits at zero (+0.0001 at incident-model-2.2, -0.005 at 2.4, whose
    mean edge is higher on 12 of 14 design and 10 of 12 unseen datasets); issue #16's bar is measured across datasets
    by benchmarks/validity.py (docs/validity.md)."""
    bt = demo_con.execute("select fold, model_name, roc_auc from marts.model_backtest").df()
    auc = bt.pivot(index="fold", columns="model_name", values="roc_auc")
    assert sorted(auc.index) == [0, 1, 2, 3]
    assert (auc["model"] > auc["naive_baseline"]).all() and (auc["naive_baseline"] > 0.6).all()
    cmp = demo_con.execute("select * from marts.model_comparison where model_name = 'model'").df().iloc[0]
    assert cmp["auc_difference"] == pytest.approx(auc.loc[0, "model"] - auc.loc[0, "naive_baseline"])
    assert cmp["n_test"] == demo_con.execute(
        "select n_test from marts.model_backtest where fold = 0 and model_name = 'model'").fetchone()[0]
    assert cmp["n_resamples"] == im.load_config().bootstrap_resamples
    assert cmp["ci_low"] < cmp["auc_difference"] < cmp["ci_high"] and cmp["auc_difference"] > 0
    assert cmp["share_not_better"] < 0.10


def test_the_rule_score_is_compared_on_the_orders_it_scored(demo_con):
    row = demo_con.execute("""
        select c.n_test, b.n_test, c.roc_auc, b.roc_auc from marts.model_comparison c
        join marts.model_backtest b on b.model_name = c.model_name and b.fold = 0
        where c.model_name = 'rule_score'""").fetchone()
    assert row[0] == row[1] and row[2] == pytest.approx(row[3])


def test_operations_rule_score_row_is_judged_like_the_others(demo_con):
    """rule_score_operations: the quality and delivery points at each order's date, compared on the orders it scored
    with the same paired supplier bootstrap; its AUC recomputed here from the stored per-order points."""
    from sklearn.metrics import roc_auc_score

    cmp = demo_con.execute("select * from marts.model_comparison where model_name = 'rule_score_operations'").df()
    assert len(cmp) == 1
    row = cmp.iloc[0]
    assert row["baseline_name"] == "naive_baseline" and row["n_resamples"] == im.load_config().bootstrap_resamples
    assert row["ci_low"] <= row["auc_difference"] <= row["ci_high"]
    f = demo_con.execute("""
        select fold, is_incident::int as y, rule_score_operations as ops, naive_baseline_probability as naive
        from marts.order_incident_features
        where predicted_incident_probability is not null and rule_score_operations is not null""").df()
    assert len(f) == row["n_test"]
    assert row["baseline_roc_auc"] == pytest.approx(roc_auc_score(f["y"], f["naive"]))
    # within a fold the Platt map is one increasing function (more points, more incidents on the demo), so the
    # fold's AUC is the AUC of the raw points
    folds = dict(demo_con.execute("select fold, roc_auc from marts.model_backtest "
                                  "where model_name = 'rule_score_operations' and fold > 0").fetchall())
    assert sorted(folds) == sorted(f["fold"].unique())
    for fold, part in f.groupby("fold"):
        assert folds[fold] == pytest.approx(roc_auc_score(part["y"], part["ops"]))
    # the operations part never exceeds the whole score it is part of
    over = demo_con.execute("select count(*) from marts.order_incident_features "
                            "where rule_score_operations > rule_score + 1e-9").fetchone()[0]
    assert over == 0


def test_calibration_rows_sum_to_the_test_orders(demo_con):
    rows = demo_con.execute("""
        select b.model_name, b.n_test, sum(c.n), sum(c.n * c.observed_rate), b.incident_rate_test * b.n_test
        from marts.model_backtest b join marts.model_calibration c using (model_name)
        where b.fold = 0 group by all""").fetchall()
    assert {r[0] for r in rows} >= {"model", "naive_baseline"}
    for _, n_test, n_sum, incidents, expected in rows:
        assert n_sum == n_test
        assert abs(incidents - expected) < 1e-6  # observed rates re-add to the test incidents
    folds = demo_con.execute("select sum(n_test) from marts.model_backtest "
                             "where fold > 0 and model_name = 'model'").fetchone()[0]
    assert folds == demo_con.execute("select n_test from marts.model_backtest "
                                     "where fold = 0 and model_name = 'model'").fetchone()[0]


def test_out_of_fold_predictions_cover_the_test_orders(demo_con):
    n_oof, n_test = demo_con.execute("""
        select (select count(*) from marts.order_incident_features where predicted_incident_probability is not null),
               (select n_test from marts.model_backtest where fold = 0 and model_name = 'model')""").fetchone()
    assert n_oof == n_test
    closed_late = demo_con.execute("""
        select count(*) from marts.order_incident_features f cross join ingest.build_info b
        where f.closed_on > b.as_of""").fetchone()[0]
    assert closed_late == 0  # only orders whose outcome is known by the build date are labelled


def test_persisted_model_reproduces_the_stored_predictions(demo_con):
    model, meta = incident_step.load_model(demo_con)
    pred = demo_con.execute("select * from marts.incident_predictions order by supplier_id").df()
    assert len(pred) == demo_con.execute("select count(*) from staging.suppliers").fetchone()[0]
    assert np.allclose(im.predict(model, pred), pred["predicted_incident_probability"], atol=1e-12)
    assert meta["features"] == im.FEATURES and meta["model_version"] == pred["model_version"].iloc[0]
    assert meta["n_training_orders"] == demo_con.execute(
        "select count(*) from marts.order_incident_features").fetchone()[0]
    assert meta["sklearn_version"] and meta["training_window"]["first_order_on"] <= meta["as_of"]


def test_tiny_warehouse_without_closed_orders_has_no_prediction(tiny_con):
    rows = tiny_con.execute("select count(*), count(predicted_incident_probability) "
                            "from marts.incident_predictions").fetchone()
    assert rows == (3, 0)
    assert tiny_con.execute("select count(*) from marts.model_backtest").fetchone()[0] == 0
    assert tiny_con.execute("select count(*) from marts.model_comparison").fetchone()[0] == 0


def test_orders_without_a_promised_ship_date_build_and_are_never_labelled_late(tiny_dir, built):
    """promised_ship_on is optional in the contract: a blank one used to stop the build at the model step (nullable
    day numbers). P3 and P6 without a promise: the build completes, marts.po_status and the model's outcomes agree
    that neither is late (there is nothing to be late against), and P5 (promised 06-01, never shipped) still is."""
    import duckdb


    path = tiny_dir / "purchase_orders.csv"
    text = path.read_text(encoding="utf-8")
    for po, promise in (("P3,S1,A2,2024-02-01,500,2.00,USD,FOB,", "2024-03-01"),
                        ("P6,S2,B1,2024-06-20,100,11.00,USD,FOB,", "2024-07-20")):
        assert po + promise in text
        text = text.replace(po + promise, po)
    path.write_text(text, encoding="utf-8")
    db = tiny_dir.parent / "w.duckdb"
    built(tiny_dir, db)
    with duckdb.connect(str(db), read_only=True) as con:
        late = dict(con.execute("select po_id, is_late_incident from marts.po_status").fetchall())
        inp = loaders.load_inputs(con)
    assert late == {"P1": False, "P2": False, "P3": False, "P4": False, "P5": True, "P6": False}
    outcomes = im.order_outcomes(inp, im.load_config()).set_index("po_id")
    assert not outcomes.loc[["P3", "P6"], "is_late"].any() and outcomes.loc["P5", "is_late"]
    assert inp.orders["promised_day"].dtype == np.float64
