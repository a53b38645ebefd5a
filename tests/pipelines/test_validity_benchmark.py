"""benchmarks/validity.py's pooled figures on hand-made datasets: each dataset's point is the same AUC edge as the
incident model's own comparison (models.incident_model.paired_auc_bootstrap) and the same Spearman as scipy's, and
the pooled point is the plain mean over datasets."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("validity_bench", ROOT / "benchmarks" / "validity.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dataset(rng: np.random.Generator, n_suppliers: int, orders_each: int) -> dict:
    sup = np.repeat([f"S{i}" for i in range(n_suppliers)], orders_each)
    risk = np.repeat(rng.uniform(0, 1, n_suppliers), orders_each)
    y = (rng.uniform(0, 1, len(sup)) < 0.2 + 0.6 * risk).astype(int)
    orders = pd.DataFrame({"supplier_id": sup, "y": y, "model": risk + rng.normal(0, 0.2, len(sup)),
                           "naive": risk + rng.normal(0, 0.4, len(sup)),
                           "operations": np.round(10 * risk + rng.normal(0, 3, len(sup)))})
    orders.loc[0, "operations"] = np.nan  # an order without a score at its date is left out of that comparison
    suppliers = pd.DataFrame({"supplier_id": [f"S{i}" for i in range(n_suppliers)],
                              "risk_score": rng.uniform(0, 60, n_suppliers)})
    suppliers["hidden_risk"] = suppliers["risk_score"] / 60 + rng.normal(0, 0.2, n_suppliers)
    return {"orders": orders, "suppliers": suppliers}


def test_pooled_points_are_each_datasets_own_figures_averaged(bench):
    rng = np.random.default_rng(5)
    parts = [dataset(rng, 30, 8), dataset(rng, 20, 12)]
    edges, rhos = [], []
    for part in parts:
        o, s = part["orders"], part["suppliers"]
        ok = o["operations"].notna()
        edge = roc_auc_score(o["y"], o["model"]) - roc_auc_score(o["y"], o["naive"])
        ops = roc_auc_score(o.loc[ok, "y"], o.loc[ok, "operations"]) - roc_auc_score(o.loc[ok, "y"], o.loc[ok, "naive"])
        one = bench.pooled([part], resamples=200)
        assert one["model"][0] == pytest.approx(edge, abs=1e-12)
        assert one["rule_score_operations"][0] == pytest.approx(ops, abs=1e-12)
        rho = stats.spearmanr(s["risk_score"], s["hidden_risk"]).statistic
        assert one["spearman"][0] == pytest.approx(rho, abs=1e-12)
        assert one["model"][1] < edge < one["model"][2]  # the interval holds its point
        edges.append(edge)
        rhos.append(rho)
    both = bench.pooled(parts, resamples=200)
    assert both["model"][0] == pytest.approx(np.mean(edges), abs=1e-12)
    assert both["spearman"][0] == pytest.approx(np.mean(rhos), abs=1e-12)
    # pooling narrows the interval: more suppliers behind the mean than behind either dataset alone
    width = both["model"][2] - both["model"][1]
    assert width < min(bench.pooled([p], resamples=200)["model"][2] - bench.pooled([p], resamples=200)["model"][1]
                       for p in parts)
