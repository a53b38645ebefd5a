"""Cold and warm render time of every dashboard page (AppTest run time), on the demo warehouse and a large one.

    .venv/bin/python benchmarks/pages.py                      # demo portfolio + a --suppliers 2000 one
    .venv/bin/python benchmarks/pages.py --suppliers 500 --repeat 5
    .venv/bin/python benchmarks/pages.py --db path/to.duckdb  # time an existing warehouse only

Cold = st.cache_data cleared before the run (every query hits DuckDB); warm = the same page run again in a new
session with the cache filled (what a second visitor or a page switch costs). Times are medians over --repeat runs.
Prints figures; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard.navigation import PAGES as NAV  # noqa: E402  (after the sys.path line)

PAGES = {p.title: p.script for p in NAV}


def _quiet(_: str) -> None:
    pass


def build_warehouse(out: Path, suppliers: int | None, seed: int = 7) -> tuple[Path, float]:
    """Generate a demo portfolio (default size when suppliers is None) and build its warehouse; return path, seconds."""
    from pipelines.build import build
    from pipelines.demo import generate_portfolio

    started = time.perf_counter()
    input_dir = out / "input"
    if suppliers is None:
        generate_portfolio(input_dir, seed=seed)
    else:
        generate_portfolio(input_dir, seed=seed, suppliers=suppliers)
    db = out / "warehouse.duckdb"
    build(input_dir, db, log=_quiet)
    return db, time.perf_counter() - started


def _quieten_streamlit() -> None:
    """AppTest outside a server warns on every cached call; keep the output to the table."""
    import logging

    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def time_page(path: str) -> float:
    """Seconds for one AppTest session to render the router on `path` (the sidebar filters included)."""
    import streamlit as st  # noqa: F401 - imported for the cache
    from streamlit.testing.v1 import AppTest

    _quieten_streamlit()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.switch_page(path)
    started = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{path}: {at.exception[0].message}")
    return seconds


def time_warehouse(db: Path, repeat: int) -> list[tuple[str, float, float]]:
    import streamlit as st

    os.environ["SUPPLIER_RISK_DB"] = str(db)
    rows = []
    for name, path in PAGES.items():
        cold, warm = [], []
        for _ in range(repeat):
            st.cache_data.clear()
            cold.append(time_page(path))
            warm.append(time_page(path))
        rows.append((name, statistics.median(cold), statistics.median(warm)))
    return rows


def describe(db: Path) -> str:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        suppliers = con.execute("select count(*) from staging.suppliers").fetchone()[0]
        orders = con.execute("select count(*) from staging.purchase_orders").fetchone()[0]
        returns = con.execute("select count(*) from staging.returns").fetchone()[0]
    finally:
        con.close()
    return f"{suppliers:,} suppliers, {orders:,} POs, {returns:,} returns, {db.stat().st_size / 1e6:.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suppliers", type=int, default=2000, help="size of the large portfolio (default 2000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per page and state; the median is shown")
    parser.add_argument("--db", type=Path, help="time this warehouse only (no generation)")
    parser.add_argument("--skip-large", action="store_true", help="only the default demo portfolio")
    args = parser.parse_args()


    warehouses: list[tuple[str, Path]] = []
    with tempfile.TemporaryDirectory(prefix="pages-bench-") as tmp:
        if args.db:
            warehouses.append((str(args.db), args.db))
        else:
            db, seconds = build_warehouse(Path(tmp) / "demo", None)
            print(f"demo warehouse generated and built in {seconds:.1f}s", flush=True)
            warehouses.append(("demo", db))
            if not args.skip_large:
                db, seconds = build_warehouse(Path(tmp) / "large", args.suppliers)
                print(f"--suppliers {args.suppliers} warehouse generated and built in {seconds:.1f}s", flush=True)
                warehouses.append((f"--suppliers {args.suppliers}", db))
        for label, db in warehouses:
            rows = time_warehouse(db, args.repeat)
            print(f"\n{label}: {describe(db)}  (median of {args.repeat})")
            print(f"{'page':<20} {'cold s':>8} {'warm s':>8} {'cold/warm':>10}")
            for name, cold, warm in rows:
                print(f"{name:<20} {cold:>8.3f} {warm:>8.3f} {cold / warm if warm else float('nan'):>10.1f}")


if __name__ == "__main__":
    main()
