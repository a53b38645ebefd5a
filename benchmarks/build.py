"""Benchmark: demo generation, import and build, and supplier_kpis in DuckDB vs the pandas reference.

    .venv/bin/python benchmarks/build.py --suppliers 2000 --years 3

Prints figures only; nothing here is asserted by the test suite.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipelines.build import SQL_DIR, build
from pipelines.demo import generate_portfolio
from pipelines.ingest import read_and_validate
from pipelines.reference.supplier_kpis import KPI_COLUMNS, supplier_kpis


def timed(fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--suppliers", type=int, default=72)
    p.add_argument("--years", type=int, default=3)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--repeat", type=int, default=3, help="runs of each KPI implementation (best is reported)")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sr-bench-"))
    try:
        counts, t_gen = timed(generate_portfolio, work / "input", seed=args.seed, suppliers=args.suppliers,
                              years=args.years)
        rows = sum(counts.values())
        result, t_validate = timed(read_and_validate, work / "input")
        steps: list[str] = []
        report, t_build = timed(build, work / "input", work / "w.duckdb", log=steps.append)
        model_seconds = {s.name: s.seconds for s in report.steps}

        print(f"\nportfolio: {args.suppliers:,} suppliers, {args.years} years, {rows:,} rows in 9 files")
        print(f"{'step':<34}{'seconds':>10}{'rows/s':>14}")
        print(f"{'generate demo':<34}{t_gen:>10.2f}{rows / t_gen:>14,.0f}")
        print(f"{'read + validate (no DB)':<34}{t_validate:>10.2f}{rows / t_validate:>14,.0f}")
        print(f"{'ingest (read, validate, load)':<34}{model_seconds['ingest']:>10.2f}"
              f"{rows / model_seconds['ingest']:>14,.0f}")
        for name, secs in sorted(model_seconds.items(), key=lambda kv: -kv[1])[:8]:
            if name != "ingest":
                print(f"  {name:<32}{secs:>10.2f}")
        print(f"{'whole build (publish included)':<34}{t_build:>10.2f}{rows / t_build:>14,.0f}")

        # supplier_kpis: the SQL models vs the pandas reference, on the same raw tables.
        db = work / "kpi.duckdb"
        shutil.copy(work / "w.duckdb", db)
        con = duckdb.connect(str(db))
        sqls = [(f"marts.{n}", (SQL_DIR / "marts" / f"{n}.sql").read_text()) for n in ("po_status", "supplier_kpis")]
        best_sql = min(timed(lambda: [con.execute(f"create or replace table {t} as {q}") for t, q in sqls])[1]
                       for _ in range(args.repeat))
        raw = {n: con.execute(f"select * from raw.{n}").df() for n in
               ("suppliers", "products", "purchase_orders", "payments", "inspections", "shipments", "sales",
                "returns", "quality_costs")}
        settings = dict(con.execute("select setting, value from reference.kpi_settings").fetchall())
        reasons = {r[0] for r in con.execute("select reason from reference.return_reasons where is_defect_coded")
                   .fetchall()}
        as_of = pd.Timestamp(con.execute("select as_of from ingest.build_info").fetchone()[0])
        runs = [timed(supplier_kpis, raw, as_of, int(settings["on_time_tolerance_days"]),
                      settings["in_full_tolerance_pct"] / 100, reasons) for _ in range(args.repeat)]
        expected, best_pd = runs[0][0], min(t for _, t in runs)
        actual = con.execute("select * from marts.supplier_kpis").df().set_index("supplier_id")[KPI_COLUMNS]
        actual = actual.sort_index().astype(float)
        diff = np.nanmax(np.abs(actual.to_numpy() - expected.astype(float).to_numpy()))
        same_nulls = (actual.isna().to_numpy() == expected.astype(float).isna().to_numpy()).all()
        con.close()
        print(f"\nsupplier_kpis (po_status + supplier_kpis), best of {args.repeat}:")
        print(f"  DuckDB SQL      {best_sql:8.3f} s")
        print(f"  pandas reference{best_pd:8.3f} s")
        print(f"  ratio pandas/DuckDB {best_pd / best_sql:6.1f}x   parity: max |diff| = {diff:.2e}, "
              f"same NULLs = {same_nulls}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
