"""How far the score and the model are from what the data allows: #16's bars against hindsight ceilings.

    .venv/bin/python benchmarks/ceiling.py                      # the design datasets of benchmarks/reweight.py
    .venv/bin/python benchmarks/ceiling.py --keep /tmp/design   # keep the built warehouses (re-used on a re-run)

Issue #16 asks, on every 72-supplier demo dataset, for the incident model's AUC edge over the naive baseline with a
95% interval above 0 and for the score's Spearman against hidden risk of at least 0.9. This prints, per dataset, the
figures beside references that no score built from the same records can reach without hindsight:

1. next-order incidents (the backtest's test orders): the model's and the naive baseline's AUC, and the AUC of each
   supplier's own incident rate over the test period, read after the fact: over the OTHER test orders (leave-one-out,
   pessimistic: an order's own outcome pulls it the other way) and over all of them (optimistic: the order's own
   outcome is in it). The supplier-level rate a model tries to predict lies between the two; a model that only knows
   who the supplier is cannot do much better than it, so when the model is already near it, a larger edge needs
   evidence about the order itself, not better supplier features.
2. the score against hidden risk: Spearman as configured; with the non-negative signal weights that fit the hidden
   risk best over ALL the datasets printed (in-sample least squares, scipy's nnls: the most re-weighting could give);
   and with the quality, the delivery or both pillars measured perfectly (their points, unchanged in distribution,
   handed out in the order of the generator's true defect rate / late propensity).

Figures only; nothing is asserted. Generator traits come from the demo's ground_truth/supplier_traits.csv.
"""

from __future__ import annotations

import argparse
import datetime
import os
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.optimize import nnls
from sklearn.metrics import roc_auc_score

from reweight import DESIGN, built  # benchmarks/ is on the path when run as a script
from models import scoring, validity

PERFECT = {"quality": "true_defect_rate", "delivery": "late_propensity"}


def hindsight_auc(orders: pd.DataFrame) -> dict:
    """AUCs of the model, the naive baseline and each supplier's incident rate over the test orders: without the
    order itself (leave-one-out; a supplier with one test order gets 0) and with it."""
    y = orders["is_incident"].astype(int)
    g = orders.groupby("supplier_id")["is_incident"]
    loo = (g.transform("sum") - y) / (g.transform("count") - 1).clip(lower=1)
    return {"model": roc_auc_score(y, orders["predicted_incident_probability"]),
            "naive": roc_auc_score(y, orders["naive_baseline_probability"]),
            "leave_one_out": roc_auc_score(y, loo), "with_itself": roc_auc_score(y, g.transform("mean"))}


def perfect_pillar(score: pd.Series, pillar_points: pd.Series, trait: pd.Series) -> pd.Series:
    """`score` with the pillar's points re-assigned in the order of `trait` (same points, perfectly ranked)."""
    ranked = np.sort(pillar_points.to_numpy())[trait.reindex(pillar_points.index).rank(method="first")
                                              .astype(int).to_numpy() - 1]
    return score - pillar_points + pd.Series(ranked, index=pillar_points.index)


def read(db: Path, input_dir: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        orders = con.execute("select supplier_id, is_incident, predicted_incident_probability, "
                             "naive_baseline_probability from marts.order_incident_features "
                             "where predicted_incident_probability is not null").df()
        signals = con.execute("select supplier_id, pillar, signal, points, max_points "
                              "from marts.supplier_signals").df()
    finally:
        con.close()
    traits = pd.read_csv(input_dir / "ground_truth" / "supplier_traits.csv").set_index("supplier_id")
    return {"orders": orders, "signals": signals, "traits": traits}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--design", nargs="*", default=DESIGN, help="datasets as seed:suppliers:years")
    parser.add_argument("--keep", type=Path, help="folder for the built warehouses (re-used when present)")
    args = parser.parse_args(argv)
    print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}; score version {scoring.load_config()['score_version']}")
    with tempfile.TemporaryDirectory() as tmp:
        data = {spec: read(*built(spec, args.keep or Path(tmp))) for spec in args.design}

    shares = {k: d["signals"].assign(share=np.where(d["signals"]["max_points"] > 0,
                                                    d["signals"]["points"] / d["signals"]["max_points"], 0.0))
              .pivot_table(index="supplier_id", columns="signal", values="share", aggfunc="sum") for k, d in data.items()}
    names = sorted(set().union(*(s.columns for s in shares.values())))
    x = pd.concat([s.reindex(columns=names, fill_value=0.0).fillna(0.0) for s in shares.values()])
    truth = pd.concat([d["traits"]["hidden_risk"].reindex(shares[k].index) for k, d in data.items()])
    weights, _ = nnls(np.column_stack([x.to_numpy(), np.ones(len(x))]), truth.to_numpy())

    print("\n| dataset | model AUC | naive AUC | supplier's test-period rate AUC (without … with the order) "
          "| model − naive | Spearman | best weights (in-sample) | perfect quality | perfect delivery | both perfect |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for k, d in data.items():
        a = hindsight_auc(d["orders"])
        s, traits = d["signals"], d["traits"]
        score = s.groupby("supplier_id")["points"].sum()
        hidden = traits["hidden_risk"].reindex(score.index)
        pillar = s.pivot_table(index="supplier_id", columns="pillar", values="points", aggfunc="sum") \
            .reindex(score.index).fillna(0.0)
        best = pd.Series(shares[k].reindex(columns=names, fill_value=0.0).fillna(0.0).to_numpy() @ weights[:-1],
                         index=shares[k].index).reindex(score.index)
        perfect = {p: perfect_pillar(score, pillar[p], traits[t]) for p, t in PERFECT.items()}
        both = perfect_pillar(perfect["quality"], pillar["delivery"], traits["late_propensity"])
        sp = [validity.spearman(v, hidden) for v in (score, best, perfect["quality"], perfect["delivery"], both)]
        print(f"| {k} | {a['model']:.3f} | {a['naive']:.3f} | {a['leave_one_out']:.3f} … {a['with_itself']:.3f} "
              f"| {a['model'] - a['naive']:+.3f} | " + " | ".join(f"{v:.3f}" for v in sp) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
