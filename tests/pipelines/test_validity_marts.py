"""The validity report card in built warehouses (demo, tiny, SCMS when present) and `supplier-risk validate`."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from scipy import stats

from helpers import SCMS
from models import validity
from pipelines import loaders
from pipelines.cli import main as cli_main



def _report(con) -> pd.DataFrame:
    return con.execute("select * from marts.validity_report").df().set_index(["section", "metric", "subject"])


def test_demo_card_recovers_the_hidden_risk_as_scipy_does(demo_con, ground_truth):
    r = _report(demo_con)
    score = demo_con.execute("select supplier_id, risk_score from marts.supplier_risk_score").df()
    m = score.merge(ground_truth[["supplier_id", "hidden_risk"]], on="supplier_id")
    row = r.loc[("ground truth", "spearman_vs_hidden_risk", "rule_score")]
    assert row["value"] == pytest.approx(stats.spearmanr(m["risk_score"], m["hidden_risk"]).statistic)
    assert row["n"] == len(ground_truth) and row["ci_low"] < row["value"] < row["ci_high"]
    worst = m.nlargest(validity.top_count(len(m), 0.15), "hidden_risk")["supplier_id"]
    assert r.loc[("ground truth", "worst_capture", "rule_score"), "n"] == len(worst)


def test_demo_card_reads_the_backtest_comparison_once(demo_con):
    r = _report(demo_con)
    cmp = demo_con.execute("select * from marts.model_comparison").df()
    assert set(cmp["model_name"]) == {"model", "rule_score", "rule_score_operations"}
    for c in cmp.itertuples():
        edge = r.loc[("discrimination", "auc_edge_vs_naive_baseline", c.model_name)]
        assert (edge["value"], edge["ci_low"], edge["ci_high"]) == pytest.approx(
            (c.auc_difference, c.ci_low, c.ci_high))
        assert edge["verdict"] == validity.edge_verdict(c.ci_low, c.ci_high)
        assert r.loc[("discrimination", "auc", c.model_name), "value"] == pytest.approx(c.roc_auc)


def test_demo_band_calibration_covers_the_orders_the_rule_score_scored(demo_con):
    """The band at the order date comes from the same history row as the backtest's rule score, so the bands hold
    exactly the test orders that have a rule score, and their incidents."""
    bands = demo_con.execute("select * from marts.validity_band_calibration").df()
    n, incidents = demo_con.execute("""
        select count(*), sum(is_incident::int) from marts.order_incident_features
        where predicted_incident_probability is not null and rule_score is not null""").fetchall()[0]
    assert bands["n_orders"].sum() == n and bands["n_incidents"].sum() == incidents
    assert bands["risk_band"].tolist() == [b for b in ("low", "medium", "high", "critical")
                                           if b in set(bands["risk_band"])]
    assert (bands["ci_low"] <= bands["observed_rate"]).all() and (bands["observed_rate"] <= bands["ci_high"]).all()


def test_demo_stability_scenarios(demo_con):
    st = demo_con.execute("select * from marts.validity_stability").df()
    cfg = validity.load_config()
    pillars = demo_con.execute("select distinct pillar from marts.supplier_signals").df()["pillar"]
    assert len(st[st["pillar"].notna()]) == 2 * len(pillars)
    assert len(st[st["pillar"].isna()]) == cfg.random_draws
    assert st["spearman"].between(-1, 1).all() and st["top_overlap"].between(0, 1).all()


def test_demo_signal_values_are_judged_on_the_points_the_rule_score_had(demo_con):
    """Each signal's month-end points add up to the stored score history, and at each test order they add up to the
    rule score the backtest used (the same point-in-time row); a signal's AUC is scikit-learn's on those points."""
    sv = demo_con.execute("select * from marts.validity_signals").df().set_index("signal")
    signals = demo_con.execute("select signal, pillar, max_points from marts.supplier_signals").df() \
        .drop_duplicates("signal").set_index("signal")
    assert set(sv.index) == set(signals.index)
    assert (sv["max_points"] == signals.loc[sv.index, "max_points"]).all()
    assert (sv["pillar"] == signals.loc[sv.index, "pillar"]).all()

    orders = demo_con.execute("""
        select po_id, supplier_id, ordered_on, is_incident, rule_score from marts.order_incident_features
        where predicted_incident_probability is not null order by po_id""").df()
    history = loaders.signal_history(demo_con, orders["ordered_on"].min())
    sums = history.groupby(["supplier_id", "as_of"])["points"].sum().round(1).rename("points").reset_index()
    stored = demo_con.execute("select supplier_id, as_of, risk_score from marts.supplier_risk_history").df()
    m = sums.merge(stored.assign(as_of=pd.to_datetime(stored["as_of"])), on=["supplier_id", "as_of"])
    assert len(m) == len(sums) > 0 and (m["points"] - m["risk_score"]).abs().max() < 1e-9

    # the latest month end strictly before each order, found by a plain filter (not merge_asof)
    h = history.assign(day=pd.to_datetime(history["as_of"]))
    scored = orders.dropna(subset=["rule_score"])
    sample = scored.iloc[:: max(1, len(scored) // 60)]
    at = []
    for o in sample.itertuples():
        mine = h[(h["supplier_id"] == o.supplier_id) & (h["day"] < pd.Timestamp(o.ordered_on))]
        last = mine[mine["day"] == mine["day"].max()]
        at.append(last.set_index("signal")["points"])
    at = pd.DataFrame(at).fillna(0.0)
    assert at.sum(axis=1).round(1).to_numpy() == pytest.approx(sample["rule_score"].to_numpy())
    assert sv["n_orders"].eq(len(scored)).all() and sv["n_incidents"].eq(int(scored["is_incident"].sum())).all()
    varied = sv[sv["auc"].notna()]
    assert len(varied) >= 20
    assert (varied["ci_low"] <= varied["auc"]).all() and (varied["auc"] <= varied["ci_high"]).all()
    flat = sv[sv["auc"].isna()]
    assert flat["verdict"].str.startswith(("no variation", "unknown")).all()


def test_validate_cli_prints_the_card_of_the_demo(demo_db, capsys):
    assert cli_main(["validate", "--db", str(demo_db)]) == 0
    out = capsys.readouterr().out
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        rho = _report(con).loc[("ground truth", "spearman_vs_hidden_risk", "rule_score"), "value"]
    finally:
        con.close()
    # the ground truth is found beside the build's input folder; the CLI recomputes what the build stored
    assert f"the rule score's ranking agrees at Spearman {rho:.2f}" in out
    assert "ground truth: " in out and "supplier_traits.csv" in out
    assert "rule_score_operations" in out and "incident rate per risk band" in out
    assert "each signal's predictive value" in out and "Signal by signal, on " in out


def test_validate_cli_on_a_warehouse_without_backtest_or_truth(tiny_db, tmp_path, capsys):
    assert cli_main(["validate", "--db", str(tiny_db)]) == 0
    out = capsys.readouterr().out
    assert "This data has no known ground truth" in out and "No backtest yet" in out
    assert cli_main(["validate", "--db", str(tmp_path / "absent.duckdb")]) == 2
    assert "no warehouse at" in capsys.readouterr().err
    assert cli_main(["validate", "--db", str(tiny_db), "--ground-truth", str(tmp_path / "none.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.skipif(not SCMS.exists(), reason=f"real SCMS data not present at {SCMS}")
def test_scms_card_is_a_late_delivery_backtest_with_its_interval(tmp_path, capsys, built):
    out = tmp_path / "scms"
    assert cli_main(["import", "--input", str(SCMS), "--out", str(out)]) == 1  # rejected lines: exit 1
    db = built(out, tmp_path / "scms.duckdb")
    capsys.readouterr()
    assert cli_main(["validate", "--db", str(db)]) == 0
    printed = capsys.readouterr().out
    assert "every incident here is a late order" in printed and "late-order backtest" in printed
    assert "This data has no known ground truth" in printed
    con = duckdb.connect(str(db), read_only=True)
    try:
        r = _report(con)
        late = r.loc[("label", "share_of_incidents", "late"), "value"]
        edge = r.loc[("discrimination", "auc_edge_vs_naive_baseline", "model")]
        incidents = con.execute("select count(*) filter (where is_incident), count(*) filter (where is_late) "
                                "from marts.order_incident_features").fetchall()[0]
    finally:
        con.close()
    assert late == 1.0 and incidents[0] == incidents[1]  # no inspections or returns in SCMS: only lateness
    assert edge["ci_low"] <= edge["value"] <= edge["ci_high"]
    assert f"95% interval {edge['ci_low']:+.3f} to {edge['ci_high']:+.3f}" in printed


def test_signal_points_kept_by_the_score_step_are_the_ones_validity_would_recompute(demo_con):
    """The build hands the score history's month-end signal points to the validity step (no second measurement); they
    are exactly the points signal_history measures from the staging tables on its own."""
    from models import scoring

    first = demo_con.execute("select min(ordered_on) from marts.order_incident_features "
                             "where predicted_incident_probability is not null").fetchall()[0][0]
    t = scoring.prepare_tables(loaders.load_tables(demo_con))
    as_of = demo_con.execute("select as_of from ingest.build_info").fetchall()[0][0]
    kept: dict = {}
    scoring.score_history(t, scoring.month_ends(t["purchase_orders"]["ordered_on"].min().date(), as_of),
                          keep_signals=kept)
    reused = loaders.signal_history(demo_con, first, kept["signal_history"])
    measured = loaders.signal_history(demo_con, first)
    assert len(reused) > 1000 and reused["as_of"].nunique() > 1
    pd.testing.assert_frame_equal(reused.reset_index(drop=True), measured.reset_index(drop=True))
