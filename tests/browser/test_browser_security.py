"""The real app in headless Chromium on a warehouse whose names carry Markdown, HTML, links and images: the browser
fetches nothing from them, shows no link or image from them and runs no script; a supplier name reads as typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import navigation
from helpers import EVIL_HOST, HOSTILE, HOSTILE_PRODUCT, ServedApp, quiet, settle, write_hostile_portfolio

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")

# url path → text shown once the page has rendered
# every page of dashboard/navigation.py, the Supplier page once per supplier
PAGES = {path: text for p in navigation.PAGES
         for path, text in ([(f"supplier?supplier={s}", p.landmark) for s in ("S1", "S2", "S3")]
                            if p.key == "supplier" else [(p.url_path, p.landmark)])}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from pipelines.build import build

    work = tmp_path_factory.mktemp("hostile_browser")
    db = work / "hostile.duckdb"
    build(write_hostile_portfolio(work / "input"), db, log=quiet)
    app = ServedApp(db, work / "server.log").wait()
    yield app.url
    app.close()


def _picker(pg, label: str) -> str:
    """What a select box shows (its text and its input's value)."""
    box = pg.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    return box.inner_text() + " " + " ".join(i.input_value() for i in box.locator("input").all())


def test_hostile_names_render_as_text_and_fetch_nothing(server):
    fetched = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()

        def refuse(route):  # record and block any request the data could trigger
            fetched.append(route.request.url)
            route.abort()

        page.route(f"**://{EVIL_HOST}/**", refuse)
        page.route(f"**://www.{EVIL_HOST}/**", refuse)
        problems = []
        for path, text in PAGES.items():
            page.goto(f"{server}/{path}")
            settle(page, text)
            found = page.evaluate(
                """host => ({
                    images: [...document.querySelectorAll('img')].map(e => e.src).filter(s => s.includes(host)),
                    links: [...document.querySelectorAll('a')].map(e => e.href).filter(s => s.includes(host)),
                    svgLinks: [...document.querySelectorAll('svg a')].length,
                    pwned: window.pwned !== undefined,
                    scripts: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('pwned'))
                             .length,
                })""", EVIL_HOST)
            if any(found.values()):
                problems.append((path, found))
            if path.startswith("supplier?supplier="):
                name = HOSTILE[path.rsplit("=", 1)[1]][0]
                heading = page.get_by_role("heading", level=2).filter(has_text=name[:6]).first.inner_text()
                # the name, character for character, as plain text (with invisible word joiners that stop
                # http:// becoming a link: dashboard.components.md)
                assert heading.strip().replace("\u2060", "") == name
                # the picker shows it as text too
                shown = _picker(page, "Supplier")  # (select boxes show plain text: no joiners needed)
                assert f"{name} ({path.rsplit('=', 1)[1]})" in shown, shown
        page.goto(f"{server}/costs")
        settle(page, "Quote-to-landed variance by supplier")
        page.get_by_text("SKU", exact=True).first.click()
        settle(page, "Quote-to-landed variance by supplier")
        assert f"A1 · {HOSTILE_PRODUCT}" in _picker(page, "SKU")  # the product name, shown literally
        browser.close()
    assert problems == []
    assert fetched == []
