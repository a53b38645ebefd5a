"""Benchmark: the build against DuckDB's own raw load of the same files, at several portfolio sizes, in one run.

    .venv/bin/python benchmarks/build.py                         # 72, 500 and 2,000 suppliers
    .venv/bin/python benchmarks/build.py --suppliers 72 500 2000 10000 --years 3

For each size, in a fresh process (so peak memory is that size's own): generate the demo portfolio, load its files
with DuckDB alone into a durable table (`create table … as select * from read_csv(file)`, types auto-detected: the
physical reference), then our whole build (read, validate, load, every model, checks, publish). Prints, side by
side: rows, the raw load, our ingest and its speed as a share of the raw load's, the whole build and its ratio to
the raw load, the slowest steps, and peak memory (max RSS). Prints figures only; nothing is asserted in tests.

Wall-clock times depend on what else the machine runs; the CPU seconds (this process's user + system time, DuckDB's
threads included) and the load average are printed beside them, so a run on a shared machine can be read too.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from pipelines import contract
from pipelines.build import build
from pipelines.demo import generate_portfolio


def one(suppliers: int, years: int, seed: int, keep: Path | None) -> dict:
    """Measure one portfolio size; runs in its own process."""
    work = Path(tempfile.mkdtemp(prefix="sr-bench-"))
    try:
        folder = keep or work / "input"
        if not (folder / "suppliers.csv").exists():
            generate_portfolio(folder, seed=seed, suppliers=suppliers, years=years)
        files = [f for t in contract.TABLES if (f := folder / f"{t.name}.csv").exists()]  # the demo writes no reviews
        rows = sum(sum(1 for _ in open(f, "rb")) - 1 for f in files)
        size_mb = sum(f.stat().st_size for f in files) / 1e6

        con = duckdb.connect(str(work / "raw.duckdb"))
        con.execute("set enable_progress_bar = false")
        t0, c0 = time.perf_counter(), time.process_time()
        for f in files:
            con.execute(f"create table {f.stem} as select * from read_csv(?)", [str(f)])
        con.execute("checkpoint")
        raw_load, raw_cpu = time.perf_counter() - t0, time.process_time() - c0
        con.close()

        steps: list[str] = []
        load_before = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        report = build(folder, work / "w.duckdb", log=steps.append)
        whole, build_cpu = time.perf_counter() - t0, time.process_time() - c0
        timings = {s.name: s.seconds for s in report.steps}
        return {"suppliers": suppliers, "rows": rows, "mb": size_mb, "raw_load": raw_load,
                "ingest": timings["ingest"], "build": whole, "raw_cpu": raw_cpu, "build_cpu": build_cpu,
                "load": (load_before, os.getloadavg()[0]),
                "slowest": sorted(((k, v) for k, v in timings.items() if k != "ingest"), key=lambda kv: -kv[1])[:5],
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--suppliers", type=int, nargs="+", default=[72, 500, 2000])
    p.add_argument("--years", type=int, default=3)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--input", help="measure this folder instead of generating one (with a single --suppliers)")
    args = p.parse_args()
    if args.one:
        print(json.dumps(one(args.suppliers[0], args.years, args.seed, Path(args.input) if args.input else None)))
        return
    results = []
    for n in args.suppliers:
        cmd = [sys.executable, __file__, "--one", "--suppliers", str(n), "--years", str(args.years),
               "--seed", str(args.seed)] + (["--input", args.input] if args.input else [])
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        results.append(json.loads(out))
        r = results[-1]
        print(f"measured {n:,} suppliers: build {r['build']:.1f}s", file=sys.stderr, flush=True)

    print(f"\n{'suppliers':>9} {'rows':>11} {'MB':>7} {'raw load':>9} {'ingest':>8} {'ingest speed':>13} "
          f"{'build':>8} {'build/raw':>10} {'peak MB':>8}")
    for r in results:
        print(f"{r['suppliers']:>9,} {r['rows']:>11,} {r['mb']:>7.0f} {r['raw_load']:>8.2f}s {r['ingest']:>7.2f}s "
              f"{r['raw_load'] / r['ingest']:>12.0%} {r['build']:>7.1f}s {r['build'] / r['raw_load']:>9.1f}x "
              f"{r['peak_mb']:>8,.0f}")
    print("\ningest speed = DuckDB raw load time / our ingest time (100% = as fast as DuckDB loading the files alone)")
    for r in results:
        print(f"CPU seconds at {r['suppliers']:,} suppliers: raw load {r['raw_cpu']:.1f}s, build {r['build_cpu']:.1f}s "
              f"({r['build_cpu'] / r['raw_cpu']:.1f}x); load average {r['load'][0]:.1f} before the build, "
              f"{r['load'][1]:.1f} after")
    for r in results:
        slow = ", ".join(f"{name} {sec:.1f}s" for name, sec in r["slowest"])
        print(f"slowest steps at {r['suppliers']:,} suppliers: {slow}")


if __name__ == "__main__":
    main()
