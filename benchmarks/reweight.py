"""Re-weighting the risk score's quality, delivery and commercial signals by their evidence on the DESIGN datasets.

    .venv/bin/python benchmarks/reweight.py                       # the design seeds and settings below
    .venv/bin/python benchmarks/reweight.py --keep /tmp/design    # keep the built warehouses (re-used on a re-run)

Builds each design dataset (`seed:suppliers:years`; by default demo seeds 1–5 and 7 at 72 suppliers and 3 years, seed
1 at 2 years and seed 1 at 300 suppliers: the datasets the incident model was designed on, never the seeds that test
it), reads every signal's share of its max points at each backtest test order (the month end before the order, as the
report card does), fits the non-negative logistic regression of models/reweight.py and prints:
1. per signal: its configured points, its AUC alone (mean over the datasets), the fitted weight, the proposed points;
2. per dataset: the quality-and-delivery part's and the whole score's AUC edge over the naive baseline and the
   Spearman of today's score against hidden risk, with the configured points and with the proposed ones (points are
   linear in max_points, so this is the score those points would give, up to the 0.1 rounding of each signal).

The proposal moves a half step from the configured points toward the fit (models/reweight.py says why): run at score
version 2026.12-controls it gave the points of 2026.12-evidence; run again, it proposes the next half step. Judge a
proposal on the unseen seeds with benchmarks/validity.py before adopting it. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime
import os
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from models import reweight, scoring, validity
from pipelines import loaders

DESIGN = ["1:72:3", "2:72:3", "3:72:3", "4:72:3", "5:72:3", "7:72:3", "1:72:2", "1:300:3"]


def built(spec: str, root: Path) -> tuple[Path, Path]:
    """The warehouse and input folder of the demo dataset `spec` (seed:suppliers:years) under `root`, generated and
    built unless a warehouse is already there."""
    from pipelines.build import build
    from pipelines.demo import generate_portfolio

    seed, suppliers, years = (int(x) for x in spec.split(":"))
    folder = root / f"demo-{seed}-{suppliers}-{years}"
    if not (folder / "w.duckdb").exists():
        generate_portfolio(folder / "input", seed=seed, suppliers=suppliers, years=years)
        t0 = time.perf_counter()
        build(folder / "input", folder / "w.duckdb", log=lambda _: None)
        print(f"built {spec} in {time.perf_counter() - t0:.0f} s", flush=True)
    return folder / "w.duckdb", folder / "input"


def extract(db: Path, input_dir: Path) -> dict:
    """Signal shares at each test order, today's signal shares per supplier and the hidden risk of one built dataset
    (warehouse `db`, built from `input_dir`, whose ground_truth/ the demo generator wrote)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        ev = loaders.load_evidence(con)
        today = con.execute("select supplier_id, signal, points, max_points from marts.supplier_signals").df()
    finally:
        con.close()
    h = ev.signal_history.assign(points=lambda d: np.where(d["max_points"] > 0, d["points"] / d["max_points"], 0.0))
    orders, at_order = validity.signal_points_at_orders(ev.orders, h)
    today = today.assign(share=np.where(today["max_points"] > 0, today["points"] / today["max_points"], 0.0))
    truth = pd.read_csv(input_dir / "ground_truth" / "supplier_traits.csv")
    return {"orders": orders.reset_index(drop=True), "at_order": at_order.reset_index(drop=True),
            "today": today.pivot_table(index="supplier_id", columns="signal", values="share", aggfunc="sum")
            .fillna(0.0), "truth": truth.set_index("supplier_id")["hidden_risk"]}


def judge(d: dict, points: pd.Series, pillars: pd.Series) -> dict:
    """AUC edges over the naive baseline and Spearman vs hidden risk of the score the `points` would give (sums
    rounded to 1e-6 so that equal scores tie as the stored ones do)."""
    y = d["orders"]["is_incident"].astype(int).to_numpy()
    x = d["at_order"].reindex(columns=points.index, fill_value=0.0)
    ops = [s for s in points.index if pillars[s] in ("quality", "delivery")]
    naive = roc_auc_score(y, d["orders"]["naive_baseline_probability"])
    today = (d["today"].reindex(columns=points.index, fill_value=0.0) @ points).round(6)
    return {"ops_edge": roc_auc_score(y, (x[ops] @ points[ops]).round(6)) - naive,
            "rule_edge": roc_auc_score(y, (x @ points).round(6)) - naive,
            "spearman": validity.spearman(today, d["truth"].reindex(today.index))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--design", nargs="*", default=DESIGN, help="datasets as seed:suppliers:years")
    parser.add_argument("--step", type=float, default=0.5, help="share of the way from the points to the fit")
    parser.add_argument("--floor", type=float, default=1.0, help="no signal below this many points")
    parser.add_argument("--keep", type=Path, help="folder for the built warehouses (re-used when present)")
    args = parser.parse_args(argv)

    print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}; score version {scoring.load_config()['score_version']}")
    with tempfile.TemporaryDirectory() as tmp:
        data = {spec: extract(*built(spec, args.keep or Path(tmp))) for spec in args.design}

    cfg = scoring.load_config()["signals"]
    pillars = pd.Series({s: c["pillar"] for s, c in cfg.items()})
    current = pd.Series({s: float(c["max_points"]) for s, c in cfg.items()})
    judged = [s for s in current.index if pillars[s] in reweight.JUDGED_PILLARS]
    shares = pd.concat([d["at_order"].reindex(columns=judged, fill_value=0.0) for d in data.values()],
                       ignore_index=True)
    y = np.concatenate([d["orders"]["is_incident"].astype(int).to_numpy() for d in data.values()])
    dataset = np.concatenate([[k] * len(d["orders"]) for k, d in data.items()])
    varied = {s for s in judged if np.ptp(shares[s]) > 0}  # a signal no design order ever had points for is kept
    coef = reweight.fit_signal_weights(shares, y, dataset)
    proposed = reweight.propose_points(current, coef, varied, step=args.step, floor=args.floor)

    def alone(s: str) -> float:
        aucs = [roc_auc_score(d["orders"]["is_incident"].astype(int), d["at_order"][s]) for d in data.values()
                if s in d["at_order"] and np.ptp(d["at_order"][s]) > 0]
        return float(np.mean(aucs)) if aucs else float("nan")

    print("\n| signal | pillar | points now | AUC alone (mean) | fitted weight | proposed points |")
    print("|---|---|---:|---:|---:|---:|")
    for s in judged:
        note = "" if s in varied else " (never varied: kept)"
        print(f"| {s} | {pillars[s]} | {current[s]:g} | {alone(s):.3f} | {coef[s]:.3f} | {proposed[s]:g}{note} |")
    print(f"\ntotal {current.sum():g} → {proposed.sum():g}")
    print("\n| dataset | ops − naive now | ops − naive proposed | rule − naive now | rule − naive proposed "
          "| Spearman now | Spearman proposed |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for k, d in data.items():
        a, b = judge(d, current, pillars), judge(d, proposed, pillars)
        print(f"| {k} | {a['ops_edge']:+.4f} | {b['ops_edge']:+.4f} | {a['rule_edge']:+.4f} | {b['rule_edge']:+.4f} "
              f"| {a['spearman']:.3f} | {b['spearman']:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
