"""The validity report card on several datasets at once: demo seeds, other generator settings, imported exports.

    .venv/bin/python benchmarks/validity.py --seeds 11 12 13 14 15 --settings 7:72:2 7:300:3
    .venv/bin/python benchmarks/validity.py --seeds --import ../shared/real/scms/SCMS_Delivery_History_Dataset.csv

Each demo dataset (`seed:suppliers:years`) is generated in a temporary folder and built; each export is converted
with `supplier-risk import` and built. Prints one Markdown row per dataset with the figures issue #16 asks for:
Spearman of the score against hidden risk (where known), the AUC edge over the naive baseline with its 95%
supplier-bootstrap interval for the model, the rule score and its quality-and-delivery part, whether the incident
rate rises with every band, and the lowest Spearman under ±20% pillar weights. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time
from pathlib import Path

import duckdb

from models import validity


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


def row(name: str, db: Path, seconds: float) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        card = validity.card_for(con)
        n = con.execute("select count(*) from marts.order_incident_features "
                        "where predicted_incident_probability is not null").fetchall()[0][0]
    finally:
        con.close()
    rho = card.rows[(card.rows["metric"] == "spearman_vs_hidden_risk") & (card.rows["subject"] == "rule_score")]
    spearman = (f"{rho['value'].iloc[0]:.3f} ({rho['ci_low'].iloc[0]:.3f} … {rho['ci_high'].iloc[0]:.3f})"
                if len(rho) else "unknown")
    bands = card.rows[card.rows["metric"] == "observed_rate_rises_with_band"]
    rising = ("yes" if bands["value"].iloc[0] == 1 else "one band" if bands["value"].isna().iloc[0] else "no") \
        if len(bands) else "–"
    return (f"| {name} | {n:,} | {spearman} | {_edge(card, 'model')} | {_edge(card, 'rule_score')} | "
            f"{_edge(card, 'rule_score_operations')} | {rising} | "
            f"{_value(card, 'min_spearman_one_pillar', 'rule_score')} | {seconds:.0f} s |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[11, 12, 13, 14, 15],
                        help="demo seeds at the default size (72 suppliers, 3 years)")
    parser.add_argument("--settings", nargs="*", default=[], help="more demos as seed:suppliers:years")
    parser.add_argument("--import", dest="exports", nargs="*", default=[], help="exports to import and judge")
    args = parser.parse_args(argv)

    from pipelines.build import build
    from pipelines.cli import main as cli
    from pipelines.demo import generate_portfolio

    specs = [(s, 72, 3) for s in args.seeds] + [tuple(int(x) for x in s.split(":")) for s in args.settings]
    print("| dataset | test orders | Spearman vs hidden risk (95%) | model − naive AUC (95%) | rule score − naive "
          "| quality+delivery − naive | incident rate rises with band | min Spearman, one pillar ±20% | build |")
    print("|---|---|---|---|---|---|---|---|---|")
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
