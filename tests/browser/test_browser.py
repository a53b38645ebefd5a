"""The real app in headless Chromium: start `streamlit run app.py` on the demo warehouse, visit every page, drive the
filters, the calculator and an upload, and save a screenshot of each page (artifacts/screenshots/)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from helpers import settle

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "artifacts" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# url path → text that must appear once the page has rendered
PAGES = {
    "": "Supplier portfolio",
    "supplier": "What drives the score",
    "trader_vs_factory": "Side by side",
    "costs": "Quote-to-landed variance by supplier",
    "inspections": "Sampling-plan calculator",
    "reaudit": "Re-audit planner",
    "data": "Freshness per table",
}

if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {**os.environ, "SUPPLIER_RISK_DB": str(demo_db)}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
             "--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"streamlit did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    pg = context.new_page()
    yield pg
    context.close()


def _settle(pg, text: str, timeout: float = 60_000) -> None:
    settle(pg, text, timeout)


def _metric(pg, label: str) -> str:
    box = pg.locator('[data-testid="stMetric"]', has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _shot(pg, name: str) -> Path:
    """Screenshot of the whole page: the app scrolls inside its own container, so grow the viewport to fit it."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    size = pg.viewport_size
    height = 0
    for _ in range(5):  # grow until the page stops growing (charts below the fold lay out once visible)
        now = pg.evaluate("() => document.querySelector('[data-testid=\"stMainBlockContainer\"]').scrollHeight")
        if now <= height:
            break
        height = now
        pg.set_viewport_size({"width": size["width"], "height": min(max(int(height) + 160, size["height"]), 16_000)})
        pg.wait_for_timeout(1500)  # tables and charts redraw at the new size
    pg.screenshot(path=str(path), full_page=True)
    pg.set_viewport_size(size)
    print(f"screenshot: {path}")
    return path


def test_every_page_renders_without_an_exception(server, page, demo_con):
    errors = []
    for path, text in PAGES.items():
        page.goto(f"{server}/{path}")
        _settle(page, text)
        exceptions = page.locator('[data-testid="stException"]')
        if exceptions.count():
            errors.append((path, exceptions.first.inner_text()[:500]))
        _shot(page, path or "portfolio")
    assert not errors, errors
    page.goto(server)
    _settle(page, PAGES[""])
    spend = demo_con.execute("select sum(spend) from marts.supplier_kpis").fetchone()[0]
    assert _metric(page, "Spend") == f"${spend:,.0f}"


def test_a_shared_url_opens_the_filtered_view(server, page, demo_con):
    spend, n = demo_con.execute("select sum(spend), count(*) from marts.supplier_kpis "
                                "where supplier_type = 'trading_company'").fetchone()
    page.goto(f"{server}/?type=trading_company")
    _settle(page, PAGES[""])
    assert _metric(page, "Spend") == f"${spend:,.0f}"
    assert _metric(page, "Suppliers") == f"{n:,}"
    assert "type=trading_company" in page.url
    _shot(page, "portfolio_traders")


def test_supplier_page_from_the_url(server, page, demo_con):
    sid, name, score = demo_con.execute(
        "select s.supplier_id, s.supplier_name, r.risk_score from marts.supplier_risk_score r "
        "join staging.suppliers s using (supplier_id) where r.red_flag_count > 0 order by r.risk_score limit 1"
    ).fetchone()
    page.goto(f"{server}/supplier?supplier={sid}")
    _settle(page, "What drives the score")
    assert _metric(page, "Risk score") == f"{score:.1f}"
    assert page.get_by_text(name).count() > 0
    _shot(page, "supplier_flagged")


def test_calculator_in_the_browser(server, page):
    page.goto(f"{server}/inspections")
    _settle(page, "Sampling-plan calculator")
    assert _metric(page, "Sample size (n)") == "200"
    assert _metric(page, "Accept (Ac)") == "10"
    assert _metric(page, "P(pass) at 5%") == "58.3%"
    lot = page.get_by_role("spinbutton", name="Lot size (units)")
    lot.fill("500")
    lot.press("Enter")
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')]"
                           ".some(e => e.innerText.trim() === 'H')", timeout=30_000)
    assert _metric(page, "Sample size (n)") == "50"  # lot 500, level II → H, n 50; AQL 2.5 → Ac 3
    assert _metric(page, "Accept (Ac)") == "3"


def test_upload_with_a_bad_row_shows_its_rejection(server, page, tmp_path):
    tiny = ROOT / "tests" / "fixtures" / "tiny"
    files = []
    for source in sorted(tiny.glob("*.csv")):
        target = tmp_path / source.name
        extra = b"S4,Bad Co,wholesaler,CN,,,,,,,,,,,,,,,,\n" if source.name == "suppliers.csv" else b""
        target.write_bytes(source.read_bytes() + extra)
        files.append(str(target))
    page.goto(f"{server}/data")
    _settle(page, "Load new data")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(files)
    _settle(page, "Rejected rows (1 broken rules)")
    assert _metric(page, "Rows rejected") == "1"
    assert _metric(page, "Rows to load") == "37"
    assert page.get_by_text("line 5, supplier_type: not one of manufacturer, trading_company: 'wholesaler'").count()
    _shot(page, "data_upload_rejection")
