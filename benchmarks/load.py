"""N concurrent viewers against the running dashboard: errors and p50/p95 page times.

    .venv/bin/python benchmarks/load.py                       # 20 viewers on the demo warehouse
    .venv/bin/python benchmarks/load.py --viewers 5 --rounds 2
    .venv/bin/python benchmarks/load.py --db path/to.duckdb   # another warehouse

Starts `streamlit run app.py` on 127.0.0.1 (a free port; tests/helpers.py ServedApp) on the demo warehouse (data/warehouse/supplier_risk.duckdb
when it exists, else a demo built in a temporary folder), then opens N real browser sessions at once (Debian's
Chromium through Playwright, one browser context per viewer, so each is its own Streamlit session over its own
websocket). Every viewer visits every page --rounds times, starting at a different page. A page time runs from the
navigation until the page's own text is shown, the app has stopped running and every chart has drawn. An error is a
page that does not get there within --timeout seconds, or that shows an exception or an error message of ours.
The browser runs on the same machine as the server, so the figures include its CPU use. Prints figures; nothing is
asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from dashboard.navigation import PAGES as NAV  # noqa: E402  (after the sys.path line)

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]
# url path → text that is on the page once it has rendered
PAGES = {p.url_path: p.landmark for p in NAV}
SETTLED = ("() => { const s = document.querySelector('[data-testid=\"stStatusWidget\"]');"
           " return (!s || !s.innerText.includes('Running'))"
           " && [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')].every(e => e.querySelector('.main-svg'));"
           " }")


def demo_warehouse(db: Path | None) -> Path:
    """The warehouse to serve: --db, else the demo one run.py builds, else a demo built now in a temporary folder."""
    if db is not None:
        return db
    default = ROOT / "data" / "warehouse" / "supplier_risk.duckdb"
    if default.exists():
        return default
    from pipelines.build import build
    from pipelines.demo import generate_portfolio

    work = Path(tempfile.mkdtemp(prefix="supplier-risk-load-"))
    print(f"building the demo warehouse in {work} …", flush=True)
    generate_portfolio(work / "input")
    build(work / "input", work / "demo.duckdb", log=lambda _: None)
    return work / "demo.duckdb"


async def viewer(browser, url: str, index: int, rounds: int, timeout: float, times: dict, errors: list) -> None:
    """One viewer: its own browser context (cookies, websocket, Streamlit session), every page `rounds` times."""
    paths = list(PAGES)
    order = paths[index % len(paths):] + paths[:index % len(paths)]
    context = await browser.new_context(viewport={"width": 1440, "height": 1000})
    page = await context.new_page()
    try:
        for _ in range(rounds):
            for path in order:
                started = time.perf_counter()
                try:
                    await page.goto(f"{url}/{path}", timeout=timeout * 1000)
                    await page.get_by_text(PAGES[path], exact=False).first.wait_for(timeout=timeout * 1000)
                    await page.wait_for_function(SETTLED, timeout=timeout * 1000)
                except Exception as exc:  # a timeout or a crash is an error of this page view, not of the script
                    errors.append((index, path or "portfolio", type(exc).__name__, str(exc).splitlines()[0][:160]))
                    continue
                elapsed = time.perf_counter() - started
                broken = await page.locator('[data-testid="stException"]').count()
                ours = await page.get_by_text("Something went wrong while").count()
                if broken or ours:
                    errors.append((index, path or "portfolio", "error shown", f"{broken} exception(s), {ours} ours"))
                    continue
                times.setdefault(path or "portfolio", []).append(elapsed)
    finally:
        await context.close()


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


async def run(url: str, viewers: int, rounds: int, timeout: float) -> tuple[dict, list, float]:
    from playwright.async_api import async_playwright

    times: dict[str, list[float]] = {}
    errors: list[tuple] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        started = time.perf_counter()
        await asyncio.gather(*(viewer(browser, url, i, rounds, timeout, times, errors) for i in range(viewers)))
        wall = time.perf_counter() - started
        await browser.close()
    return times, errors, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, default=20, help="concurrent viewer sessions (default 20)")
    parser.add_argument("--rounds", type=int, default=1, help="visits of every page per viewer (default 1)")
    parser.add_argument("--db", type=Path, help="warehouse to serve (default: the demo)")
    parser.add_argument("--timeout", type=float, default=180, help="seconds before a page view counts as an error")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit("needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")

    from helpers import ServedApp  # tests/helpers.py: `streamlit run app.py` on 127.0.0.1, a free port

    db = demo_warehouse(args.db)
    log = Path(tempfile.mkdtemp(prefix="supplier-risk-load-log-")) / "server.log"
    app = ServedApp(db, log).wait(timeout=90)
    try:
        times, errors, wall = asyncio.run(run(app.url, args.viewers, args.rounds, args.timeout))
    finally:
        app.close()

    every = [t for values in times.values() for t in values]
    views = args.viewers * args.rounds * len(PAGES)
    print(f"warehouse {db}; {args.viewers} concurrent viewers × {args.rounds} round(s) × {len(PAGES)} pages = "
          f"{views} page views in {wall:.1f} s on {os.cpu_count()} CPU(s) (browser on the same machine)")
    print(f"{'page':<20}{'views':>7}{'p50 s':>9}{'p95 s':>9}{'max s':>9}")
    for name in [p or "portfolio" for p in PAGES]:
        values = times.get(name, [])
        if values:
            print(f"{name:<20}{len(values):>7}{statistics.median(values):>9.2f}{percentile(values, 0.95):>9.2f}"
                  f"{max(values):>9.2f}")
    if every:
        print(f"{'all pages':<20}{len(every):>7}{statistics.median(every):>9.2f}{percentile(every, 0.95):>9.2f}"
              f"{max(every):>9.2f}")
    print(f"errors: {len(errors)} of {views} page views")
    for index, page, kind, detail in errors[:20]:
        print(f"  viewer {index} {page}: {kind}: {detail}")
    print(f"server log: {log}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
