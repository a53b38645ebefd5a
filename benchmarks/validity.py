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

from models import validity
from pipelines import loaders


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
    with tempfile.TemporaryDirectory() as tmp:
        for seed, suppliers, years in specs:
            folder = Path(tmp) / f"demo-{seed}-{suppliers}-{years}"
            generate_portfolio(folder / "input", seed=seed, suppliers=suppliers, years=years)
            t0 = time.perf_counter()
            build(folder / "input", folder / "w.duckdb", log=lambda _: None)
            print(row(f"demo seed {seed}, {suppliers} suppliers, {years} years", folder / "w.duckdb",
                      time.perf_counter() - t0), flush=True)
        for export in args.exports:
            folder = Path(tmp) / Path(export).stem
            with contextlib.redirect_stdout(io.StringIO()):  # the import's own report is not a figure here
                cli(["import", "--input", export, "--out", str(folder / "input")])
            t0 = time.perf_counter()
            build(folder / "input", folder / "w.duckdb", log=lambda _: None)
            print(row(Path(export).name, folder / "w.duckdb", time.perf_counter() - t0), flush=True)
    print(f"\nload average {', '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
