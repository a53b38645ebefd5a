"""Print the incident model's backtest on a freshly generated demo portfolio: model vs rule score vs naive baseline.

    .venv/bin/python -m pipelines.reports.backtest_report [--suppliers N] [--years N] [--seed N]

Generates the demo in a temporary folder, builds its warehouse (which trains and backtests the model), and prints
marts.model_backtest, marts.model_comparison (AUC difference vs the naive baseline with its supplier-bootstrap
interval) and the pooled calibration table. Figures only; nothing is asserted here.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suppliers", type=int, default=72)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    from pipelines.build import build
    from pipelines.demo import generate_portfolio

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generate_portfolio(tmp / "input", seed=args.seed, suppliers=args.suppliers, years=args.years)
        t0 = time.perf_counter()
        report = build(tmp / "input", tmp / "demo.duckdb", log=lambda _: None)
        step = next((s for s in report.steps if s.name == "marts.incident_predictions"), None)
        con = duckdb.connect(str(tmp / "demo.duckdb"), read_only=True)
        try:
            bt = con.execute("""
                select model_name, fold, test_start, test_end, n_train, n_test,
                    round(incident_rate_test, 3) as incident_rate, round(roc_auc, 3) as roc_auc,
                    round(brier, 3) as brier, round(top_decile_lift, 2) as top_decile_lift
                from marts.model_backtest order by fold = 0, fold, model_name""").df()
            cal = con.execute("""
                select model_name, bin, round(mean_predicted, 3) as mean_predicted,
                    round(observed_rate, 3) as observed_rate, n
                from marts.model_calibration where model_name = 'model' order by bin""").df()
            comparison = con.execute("""
                select model_name, baseline_name, n_test, n_suppliers, round(roc_auc, 3) as roc_auc,
                    round(baseline_roc_auc, 3) as baseline_roc_auc, round(auc_difference, 4) as auc_difference,
                    round(ci_low, 4) as ci_low, round(ci_high, 4) as ci_high,
                    round(share_not_better, 3) as share_not_better, n_resamples
                from marts.model_comparison order by model_name""").df()
            labelled = con.execute("select count(*), avg(is_incident::int) from marts.order_incident_features"
                                   ).fetchone()
        finally:
            con.close()
    print(f"demo portfolio: {args.suppliers} suppliers, {args.years} years, seed {args.seed}; as of {report.as_of}")
    print(f"labelled (closed) orders: {labelled[0]:,}, incident rate {labelled[1]:.3f}")
    print(f"build {time.perf_counter() - t0:.1f}s; incident-model step {step.seconds:.1f}s" if step else "")
    print("\nbacktest (fold 0 = all test orders pooled):")
    print(bt.to_string(index=False))
    print("\nAUC difference vs the naive baseline on the pooled test orders, 95% interval from resampling suppliers:")
    print(comparison.to_string(index=False))
    print("\ncalibration of the model (pooled test orders, equal-count bins):")
    print(cal.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
