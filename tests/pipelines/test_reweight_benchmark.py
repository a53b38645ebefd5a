"""benchmarks/reweight.py judges a re-weighting by rebuilding scores from signal shares: with the configured points it
must give back exactly what the build stored (the backtest's AUC edges and the report card's Spearman on the demo)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from models import scoring

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("reweight_bench", ROOT / "benchmarks" / "reweight.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_configured_points_give_back_the_stored_edges_and_spearman(demo_db, demo_dir):
    bench = _bench()
    cfg = scoring.load_config()["signals"]
    points = pd.Series({s: float(c["max_points"]) for s, c in cfg.items()})
    pillars = pd.Series({s: c["pillar"] for s, c in cfg.items()})
    got = bench.judge(bench.extract(demo_db, demo_dir), points, pillars)
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        edge = dict(con.execute("select model_name, roc_auc - baseline_roc_auc from marts.model_comparison").fetchall())
        rho = con.execute("select value from marts.validity_report where metric = 'spearman_vs_hidden_risk' "
                          "and subject = 'rule_score'").fetchone()[0]
    finally:
        con.close()
    assert got["rule_edge"] == pytest.approx(edge["rule_score"], abs=1e-9)
    assert got["ops_edge"] == pytest.approx(edge["rule_score_operations"], abs=1e-9)
    assert got["spearman"] == pytest.approx(rho, abs=1e-9)
