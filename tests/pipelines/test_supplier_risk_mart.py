"""marts.supplier_risk: one row per supplier, the rule score beside the model's probability, nothing lost."""

import pandas as pd


def test_one_row_per_supplier_with_score_and_probability(demo_con):
    risk = demo_con.execute("select * from marts.supplier_risk").df()
    suppliers = demo_con.execute("select supplier_id from staging.suppliers").df()
    assert sorted(risk["supplier_id"]) == sorted(suppliers["supplier_id"])
    assert risk["supplier_id"].is_unique
    score = demo_con.execute("select supplier_id, risk_score, risk_band from marts.supplier_risk_score").df()
    merged = risk.merge(score, on="supplier_id", suffixes=("", "_score"))
    assert (merged["risk_score"] == merged["risk_score_score"]).all()
    assert (merged["risk_band"] == merged["risk_band_score"]).all()
    pred = demo_con.execute("select supplier_id, predicted_incident_probability p from marts.incident_predictions").df()
    both = risk.merge(pred, on="supplier_id", how="left")
    pd.testing.assert_series_equal(both["predicted_incident_probability"], both["p"], check_names=False)
    assert both["p"].between(0, 1).all()
    assert set(risk["score_version"]) == {demo_con.execute(
        "select any_value(score_version) from marts.supplier_risk_score").fetchone()[0]}
