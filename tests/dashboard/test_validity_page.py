"""The validity report card on the Portfolio page: the build's sentences first, the figures behind them below."""

from __future__ import annotations

import json
import pandas as pd
import pytest

from models import validity


@pytest.mark.slow
def test_portfolio_shows_the_report_card_of_the_demo(ui, demo_db, demo_con):
    at = ui.open(demo_db)
    text = ui.texts(at)
    assert "Can this score be trusted?" in text
    rows = demo_con.execute("select * from marts.validity_report").df()
    card = validity.ReportCard(rows, demo_con.execute("select * from marts.validity_band_calibration").df(),
                               demo_con.execute("select * from marts.validity_stability").df(),
                               signals=demo_con.execute("select * from marts.validity_signals").df())
    for line in validity.headline(card) + validity.summary(card):
        assert line in text
    # plain words first: the headline opens the section, the statistics come after it (in "How we know")
    assert text.index(validity.headline(card)[0]) < text.index(validity.summary(card)[0])
    prec = rows[(rows["section"] == "ranking") & (rows["metric"] == "precision_at_top") & (rows["subject"] == "model")]
    assert f"{prec['value'].iloc[0] / prec['reference'].iloc[0]:.1f} times as often" in text
    rho = rows[(rows["metric"] == "spearman_vs_hidden_risk") & (rows["subject"] == "rule_score")]["value"].iloc[0]
    assert f"agrees at Spearman {rho:.2f}" in text
    figures = next(f for f in ui.frames(at) if "verdict" in f.columns)
    assert len(figures) == len(rows)
    # the 95% interval as one cell, its ends with three decimals as the value beside it; – without one
    assert figures["interval"].tolist() == ["–" if pd.isna(lo) or pd.isna(hi) else f"{lo:.3f} – {hi:.3f}"
                                            for lo, hi in zip(rows["ci_low"], rows["ci_high"])]
    assert "–" in set(figures["interval"]) and len(set(figures["interval"])) > 5
    assert any(line.startswith("Signal by signal") for line in validity.summary(card))
    signals = next(f for f in ui.frames(at) if "lift_with_points" in f.columns)
    assert len(signals) == len(card.signals)
    bands = ui.chart(at, "validity_bands_chart")["data"][0]
    expected = demo_con.execute("select risk_band from marts.validity_band_calibration").df()
    assert bands["x"] == [b.capitalize() for b in expected["risk_band"]]  # "Low", not the code "low"
    assert bands["name"] == "Observed incident rate"
    # the statistics in words: subjects and metrics named, the weight changes by the pillar's name
    assert {"Incident model", "Rule score alone", "Supplier's own past rate", "Test orders", "Late"} \
        <= set(figures["subject"])
    assert "AUC against the planted wrong entities" in set(figures["metric"])
    stability = next(f for f in ui.frames(at) if "max_rank_shift" in f.columns)
    assert stability["scenario"].tolist()[:2] == ["Who they are ×0.80", "Who they are ×1.20"]
    # places as a count ("2", "2.5" between tied suppliers), not "2.0"
    grid = next(d for d in at.dataframe if "max_rank_shift" in d.value.columns)
    assert json.loads(grid.proto.columns)["max_rank_shift"]["type_config"]["format"] == "%g"
    grid = next(d for d in at.dataframe if "lift_with_points" in d.value.columns)
    assert json.loads(grid.proto.columns)["max_points"]["type_config"]["format"] == "%g"  # 8, 4.5: not 8.0


def test_portfolio_without_a_report_card_says_what_is_missing(ui, tiny_db):
    at = ui.open(tiny_db)
    text = ui.texts(at)
    assert "Can this score be trusted?" in text
    assert "This data has no known ground truth" in text and "No backtest yet" in text
