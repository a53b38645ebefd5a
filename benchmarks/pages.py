"""Cold and warm render time of every dashboard page (AppTest run time), on the demo warehouse and a large one.

    .venv/bin/python benchmarks/pages.py                      # demo portfolio + a --suppliers 2000 one
    .venv/bin/python benchmarks/pages.py --suppliers 500 --repeat 5
    .venv/bin/python benchmarks/pages.py --db path/to.duckdb  # time an existing warehouse only
    .venv/bin/python benchmarks/pages.py --db path/to.duckdb --query "type=manufacturer&band=high"  # a filtered view

Cold = st.cache_data and st.cache_resource cleared before the run (every query hits DuckDB, every figure and table
is built); warm = the same page run again in a new session with the caches filled (what a second visitor or a page
switch costs); an hour later = the same again with the caches' clock an hour on (a visitor after a pause: any cache
with a time limit has expired). Times are medians over --repeat runs.

"server" is the (wall) time the script run takes in the script thread (app.py and the page: login, filters, queries,
figures, tables, everything a server does to render the page); "AppTest" is the harness's wall time around it, which
adds what a running server does not do per page view: AppTest scans installed packages for components and compiles
the page scripts on every run, and polls for the result. A shared script cache stands in for the server's (a running
server compiles a page once). "CPU" is the script thread's CPU time: on a machine shared with other work, wall
times grow with the load while the CPU time stays what the page costs. Below each table: how many full garbage
collections fell in the warm and hour-later runs and how long each took (a median hides them; dashboard/collector.py
keeps them short). Prints figures; nothing is asserted.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs

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


_SCRIPT_SECONDS: list[tuple[float, float]] = []  # (wall, CPU of the script thread) per script run
_FULL_COLLECTIONS: list[float] = []  # seconds of each full (generation 2) garbage collection while recording
_RECORDING = [False]
_STARTED = [0.0]


def _time_full_collections(phase: str, info: dict) -> None:
    """gc callback: the length of every generation-2 collection while _RECORDING (the warm runs: a page's first run
    collects on purpose, dashboard/collector.py)."""
    if info["generation"] != 2 or not _RECORDING[0]:
        return
    if phase == "start":
        _STARTED[0] = time.perf_counter()
    else:
        _FULL_COLLECTIONS.append(time.perf_counter() - _STARTED[0])
_CLOCK_AHEAD = [0.0]  # seconds added to the clock streamlit's caches read their time limits on


def _instrument() -> None:
    """Time every script run in its own thread, and keep one script cache across AppTest sessions (as a server
    does)."""
    from streamlit.runtime.caching import cache_utils
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test

    if getattr(script_runner, "_pages_benchmark", False):
        return
    run = script_runner.exec_func_with_error_handling

    def timed(func, ctx):
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return run(func, ctx)
        finally:
            _SCRIPT_SECONDS.append((time.perf_counter() - started, time.thread_time() - cpu))

    script_runner.exec_func_with_error_handling = timed
    gc.callbacks.append(_time_full_collections)
    # the caches are made on their first call, after this: they read their time limits (ttl) on this clock
    cache_utils.TTLCACHE_TIMER = lambda: time.monotonic() + _CLOCK_AHEAD[0]
    shared = ScriptCache()
    app_test.ScriptCache = lambda: shared
    script_runner._pages_benchmark = True


def time_page(path: str, query: str = "") -> tuple[float, float, float]:
    """(server, server CPU, AppTest) seconds for one AppTest session to render the router on `path` (the sidebar
    filters included), opened with the URL's `query` (the filters and choices a shared link carries, e.g.
    "band=high&type=manufacturer"): the script run itself (wall time, and CPU time of its thread), and the harness's
    wall time."""
    import streamlit as st  # noqa: F401 - imported for the cache
    from streamlit.testing.v1 import AppTest

    _quieten_streamlit()
    _instrument()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.switch_page(path)
    for name, values in parse_qs(query).items():
        at.query_params[name] = values
    _SCRIPT_SECONDS.clear()
    started = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{path}: {at.exception[0].message}")
    return sum(w for w, _ in _SCRIPT_SECONDS), sum(c for _, c in _SCRIPT_SECONDS), seconds


def time_warehouse(db: Path, repeat: int, pages: list[str] | None = None, query: str = "") -> list[tuple[str, ...]]:
    """Per page: median cold server, warm server, warm server CPU, warm AppTest, and an hour later server and server
    CPU seconds."""
    import streamlit as st

    os.environ["SUPPLIER_RISK_DB"] = str(db)
    rows = []
    _FULL_COLLECTIONS.clear()
    for name, path in PAGES.items():
        if pages and name not in pages:
            continue
        cold, warm, cpu, harness, later, later_cpu = [], [], [], [], [], []
        for _ in range(repeat):
            st.cache_data.clear()
            st.cache_resource.clear()
            cold.append(time_page(path, query)[0])
            _RECORDING[0] = True
            server, thread, wall = time_page(path, query)
            warm.append(server)
            cpu.append(thread)
            harness.append(wall)
            _CLOCK_AHEAD[0] += 3600
            server, thread, _ = time_page(path, query)
            later.append(server)
            later_cpu.append(thread)
            _RECORDING[0] = False
        rows.append((name, *(statistics.median(v) for v in (cold, warm, cpu, harness, later, later_cpu))))
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
    parser.add_argument("--page", action="append", help="time only this page (its title; repeatable)")
    parser.add_argument("--query", default="", help="open every page with this URL query (filters, choices), e.g. "
                                                   "'band=high&type=manufacturer'")
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
            rows = time_warehouse(db, args.repeat, args.page, args.query)
            print(f"\n{label}: {describe(db)}" + (f", ?{args.query}" if args.query else "")
                  + f"  (median of {args.repeat}; load average "
                  f"{os.getloadavg()[0]:.1f})")
            print(f"{'page':<30} {'cold server s':>14} {'warm server s':>14} {'warm CPU s':>11} {'warm AppTest s':>15} "
                  f"{'hour later server s':>20} {'hour later CPU s':>17}")
            for name, cold, warm, cpu, wall, later, later_cpu in rows:
                print(f"{name:<30} {cold:>14.3f} {warm:>14.3f} {cpu:>11.3f} {wall:>15.3f} {later:>20.3f} "
                      f"{later_cpu:>17.3f}", flush=True)
            pauses = _FULL_COLLECTIONS
            print(f"full garbage collections during the {2 * len(rows) * args.repeat} warm and hour-later runs: "
                  f"{len(pauses)}" + (f", {min(pauses) * 1000:.0f}-{max(pauses) * 1000:.0f} ms each" if pauses
                                      else "") + " (the medians above hide them)", flush=True)


if __name__ == "__main__":
    main()
