"""The validity report card on several datasets at once: demo seeds, other generator settings, imported exports.

    .venv/bin/python benchmarks/validity.py --seeds 101 102 103 104 105 --settings 101:72:2 101:300:3 \
        --import ../shared/real/scms/SCMS_Delivery_History_Dataset.csv

Each demo dataset (`seed:suppliers:years`) is generated in a temporary folder and built; each export is converted
with `supplier-risk import` and built. Prints the date, the load average and the command, then one Markdown row per
dataset with the figures issue #16 asks for: Spearman of the score against hidden risk (where known), the model's
AUC edge over the naive baseline with its 95% supplier-bootstrap interval (and the model's fit time over the backtest
folds), the quality-and-delivery part of the rule score (`rule_score_operations`) against the naive baseline (both
AUCs and the edge's interval), the whole rule score's edge, whether the incident rate rises with every band, and
which of the issue's bars the dataset misses (model interval above 0, quality-and-delivery AUC at least the naive
baseline's, Spearman at least 0.9). Figures only; nothing is asserted.

Then the demo datasets pooled, each weighing the same (`pooled`): the mean over datasets of each edge over the naive
baseline and of the Spearman against hidden risk, with a 95% interval from resampling suppliers within every dataset
at once (1,000 resamples). A bar stated on pooled unseen datasets is the product owner's call (issue #16); this is
the figure such a bar would read.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from models import incident_model as im
from models import validity
from pipelines import loaders

RESAMPLES, SEED = 1000, 20261204


def _edge(card: validity.ReportCard, subject: str) -> str:
    r = card.rows
    hit = r[(r["metric"] == "auc_edge_vs_naive_baseline") & (r["subject"] == subject)]
    if hit.empty:
        return "–"
    e = hit.iloc[0]
    return f"{e['value']:+.3f} ({e['ci_low']:+.3f} … {e['ci_high']:+.3f})"


def _value(card: validity.ReportCard, metric: str, subject: str, fmt: str = "{:.3f}") -> str:
    r = card.rows
    hit = r[(r["metric"] == metric) & (r["subject"] == subject)]
    return fmt.format(hit["value"].iloc[0]) if len(hit) and hit["value"].notna().iloc[0] else "–"


def _auc(card: validity.ReportCard, subject: str) -> tuple[float, float] | None:
    """The subject's backtest AUC and the naive baseline's on the same orders."""
    r = card.rows
    hit = r[(r["metric"] == "auc") & (r["subject"] == subject)]
    return (float(hit["value"].iloc[0]), float(hit["reference"].iloc[0])) if len(hit) else None


def bars_missed(card: validity.ReportCard, min_spearman: float = 0.9) -> list[str]:
    """Which of issue #16's bars this dataset misses: the model's edge interval above 0, the quality-and-delivery
    part's AUC at least the naive baseline's, the rule score's Spearman against hidden risk at least 0.9 (where
    known)."""
    r, missed = card.rows, []
    edge = r[(r["metric"] == "auc_edge_vs_naive_baseline") & (r["subject"] == "model")]
    if edge.empty or not edge["ci_low"].iloc[0] > 0:
        missed.append("model interval not above 0")
    ops = _auc(card, "rule_score_operations")
    if ops is None or not ops[0] >= ops[1]:
        missed.append("quality+delivery below naive")
    rho = r[(r["metric"] == "spearman_vs_hidden_risk") & (r["subject"] == "rule_score")]
    if len(rho) and not rho["value"].iloc[0] >= min_spearman:
        missed.append(f"Spearman below {min_spearman}")
    return missed


def evidence(db: Path, truth_csv: Path) -> dict:
    """What the pooled figures read from one built demo warehouse: its backtest's test orders (outcome, supplier, the
    model's and the naive baseline's probabilities, the quality-and-delivery points at the order date) and each
    supplier's score now beside its hidden risk."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        orders = con.execute("select supplier_id, is_incident::int as y, predicted_incident_probability as model, "
                             "naive_baseline_probability as naive, rule_score_operations as operations "
                             "from marts.order_incident_features where fold is not null").df()
        scores = con.execute("select supplier_id, risk_score from marts.supplier_risk_score").df()
    finally:
        con.close()
    truth = pd.read_csv(truth_csv, usecols=["supplier_id", "hidden_risk"])
    return {"orders": orders, "suppliers": scores.merge(truth, on="supplier_id")}


def pooled(parts: list[dict], resamples: int = RESAMPLES, seed: int = SEED) -> dict[str, tuple[float, float, float]]:
    """The mean over datasets (each weighing the same) of the model's and the quality-and-delivery points' AUC edge
    over the naive baseline on the same test orders (a rule score judged on its points, as marts.model_comparison
    does) and of the score's Spearman against hidden risk: (mean, 2.5th, 97.5th percentile) over `resamples` draws
    that resample suppliers with replacement within every dataset (the paired cluster bootstrap of one dataset's
    edge, models.incident_model.paired_auc_bootstrap, run on all datasets at once)."""
    rng = np.random.default_rng(seed)
    edges = {"model": [], "rule_score_operations": []}
    point = {"model": [], "rule_score_operations": []}
    rhos, rho_point = [], []
    for part in parts:
        o = part["orders"]
        clusters, uniques = pd.factorize(o["supplier_id"].astype(str))
        k = len(uniques)
        draws = np.stack([np.bincount(rng.integers(0, k, k), minlength=k) for _ in range(resamples)])
        for name, column in (("model", "model"), ("rule_score_operations", "operations")):
            ok = (o[column].notna() & o["naive"].notna()).to_numpy()
            y, c = o["y"].to_numpy()[ok], clusters[ok]
            a, b = o[column].to_numpy(float)[ok], o["naive"].to_numpy(float)[ok]
            edges[name].append(im.weighted_aucs(y, a, c, draws) - im.weighted_aucs(y, b, c, draws))
            full = np.ones((1, k))
            point[name].append(float((im.weighted_aucs(y, a, c, full) - im.weighted_aucs(y, b, c, full))[0]))
        s = part["suppliers"]
        x, h = s["risk_score"].to_numpy(float), s["hidden_risk"].to_numpy(float)
        rhos.append(validity._resampled_spearman(x, h, rng.integers(0, len(x), (resamples, len(x)))))
        rho_point.append(validity.spearman(x, h))

    def summary(per_dataset: list[np.ndarray], points: list[float]) -> tuple[float, float, float]:
        mean = np.nanmean(np.vstack(per_dataset), axis=0)
        return float(np.mean(points)), float(np.nanpercentile(mean, 2.5)), float(np.nanpercentile(mean, 97.5))

    return {"model": summary(edges["model"], point["model"]),
            "rule_score_operations": summary(edges["rule_score_operations"], point["rule_score_operations"]),
            "spearman": summary(rhos, rho_point)}


def row(name: str, db: Path, seconds: float) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        card = loaders.card_for(con)
        n = con.execute("select count(*) from marts.order_incident_features "
                        "where predicted_incident_probability is not null").fetchall()[0][0]
        fit = con.execute("select fit_seconds from marts.model_backtest where model_name = 'model' and fold = 0") \
            .fetchall()
    finally:
        con.close()
    rho = card.rows[(card.rows["metric"] == "spearman_vs_hidden_risk") & (card.rows["subject"] == "rule_score")]
    spearman = (f"{rho['value'].iloc[0]:.3f} ({rho['ci_low'].iloc[0]:.3f} … {rho['ci_high'].iloc[0]:.3f})"
                if len(rho) else "unknown")
    bands = card.rows[card.rows["metric"] == "observed_rate_rises_with_band"]
    rising = ("yes" if bands["value"].iloc[0] == 1 else "one band" if bands["value"].isna().iloc[0] else "no") \
        if len(bands) else "–"
    ops = _auc(card, "rule_score_operations")
    ops_text = f"{ops[0]:.3f} vs {ops[1]:.3f}" if ops else "–"
    fit_text = f"{fit[0][0]:.1f} s" if fit and fit[0][0] is not None else "–"
    missed = bars_missed(card)
    return (f"| {name} | {n:,} | {spearman} | {_edge(card, 'model')} | {fit_text} | {ops_text} | "
            f"{_edge(card, 'rule_score_operations')} | {_edge(card, 'rule_score')} | {rising} | "
            f"{'; '.join(missed) if missed else 'all met'} | {seconds:.0f} s |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[101, 102, 103, 104, 105],
                        help="demo seeds at the default size (72 suppliers, 3 years)")
    parser.add_argument("--settings", nargs="*", default=[], help="more demos as seed:suppliers:years")
    parser.add_argument("--import", dest="exports", nargs="*", default=[], help="exports to import and judge")
    args = parser.parse_args(argv)

    from pipelines.build import build
    from pipelines.cli import main as cli
    from pipelines.demo import generate_portfolio

    specs = [(s, 72, 3) for s in args.seeds] + [tuple(int(x) for x in s.split(":")) for s in args.settings]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, load average {load} at the start; "
          f"python benchmarks/validity.py {' '.join(argv if argv is not None else sys.argv[1:])}\n")
    print("| dataset | test orders | Spearman vs hidden risk (95%) | model − naive AUC (95%) | model fit (3 folds) "
          "| quality+delivery AUC vs naive | quality+delivery − naive (95%) | rule score − naive (95%) "
          "| incident rate rises with band | #16 bars | build |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    parts = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed, suppliers, years in specs:
            folder = Path(tmp) / f"demo-{seed}-{suppliers}-{years}"
            generate_portfolio(folder / "input", seed=seed, suppliers=suppliers, years=years)
            t0 = time.perf_counter()
            build(folder / "input", folder / "w.duckdb", log=lambda _: None)
            print(row(f"demo seed {seed}, {suppliers} suppliers, {years} years", folder / "w.duckdb",
                      time.perf_counter() - t0), flush=True)
            parts.append(evidence(folder / "w.duckdb", folder / "input" / "ground_truth" / "supplier_traits.csv"))
        for export in args.exports:
            folder = Path(tmp) / Path(export).stem
            with contextlib.redirect_stdout(io.StringIO()):  # the import's own report is not a figure here
                cli(["import", "--input", export, "--out", str(folder / "input")])
            t0 = time.perf_counter()
            build(folder / "input", folder / "w.duckdb", log=lambda _: None)
            print(row(Path(export).name, folder / "w.duckdb", time.perf_counter() - t0), flush=True)
    if len(parts) > 1:
        p = pooled(parts)
        print(f"\nPooled over the {len(parts)} demo datasets, each weighing the same (mean, 95% interval from "
              f"{RESAMPLES:,} resamples of suppliers within every dataset): model − naive AUC "
              f"{p['model'][0]:+.3f} ({p['model'][1]:+.3f} … {p['model'][2]:+.3f}); quality+delivery − naive "
              f"{p['rule_score_operations'][0]:+.3f} ({p['rule_score_operations'][1]:+.3f} … "
              f"{p['rule_score_operations'][2]:+.3f}); Spearman vs hidden risk {p['spearman'][0]:.3f} "
              f"({p['spearman'][1]:.3f} … {p['spearman'][2]:.3f})")
    print(f"\nload average {', '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
