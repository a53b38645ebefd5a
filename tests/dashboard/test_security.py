"""Safe to share: no traceback on a page, no Markdown from data, neutralised exports, login and roles, uploads."""

from __future__ import annotations

import html
import logging
import re

import pytest


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def error_log():
    """The records the dashboard's error logger writes (its handler goes to the server's standard error)."""
    from pipelines.errors import LOG

    handler = _Records()
    LOG.addHandler(handler)
    yield handler.records
    LOG.removeHandler(handler)


@pytest.mark.parametrize("page", ["portfolio", "data"])
def test_an_unexpected_error_shows_a_message_and_a_log_reference_not_a_traceback(ui, tiny_db, monkeypatch, page,
                                                                              error_log):
    from dashboard import queries
    from dashboard.errors import RAISE_ENV

    monkeypatch.delenv(RAISE_ENV)  # as in production: the error is caught and shown as a message

    def broken(*args, **kwargs):
        raise TypeError("cannot safely cast /srv/secret/warehouse.duckdb")

    monkeypatch.setattr(queries, "supplier_kpis" if page == "portfolio" else "freshness", broken)
    at = ui.open(tiny_db, page)
    assert not at.exception  # nothing reaches Streamlit's own error box (which would show the traceback)
    shown = ui.texts(at)
    assert "/srv/secret" not in shown and "TypeError" not in shown and "Traceback" not in shown
    message = at.error[-1].value
    reference = re.search(r"reference \*\*([0-9A-F]{8})\*\*", message)[1]
    assert message.startswith("Something went wrong while showing this page.")
    # the server log has the full traceback under the same reference
    record = next(r for r in error_log if reference in r.getMessage())
    assert record.exc_info[0] is TypeError and "broken" in logging.Formatter().formatException(record.exc_info)
    # the rest of the app still works: the sidebar and navigation were drawn
    assert at.multiselect(key="f_type") is not None


# --- no injection: data values are never rendered as Markdown or HTML, exports never carry a live formula ---------

EVIL = "evil.example"
HOSTILE = {
    # supplier_id: (supplier_name, legal_name, province)
    "S1": ("![x](http://evil.example/x.png)", "<img src=http://evil.example/legal.png> http://evil.example/auto",
           ":red[www.evil.example]"),
    "S2": ("[link](http://evil.example/l) <script>window.pwned=1</script>", "Yiwu Beta Trading Co., Ltd.",
           "**bold** $x^2$"),
    "S3": ('=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "@SUM(1+1)"),
}
HOSTILE_PRODUCT = '<a href="http://evil.example/p">lamp</a>'
HOSTILE_CATEGORY = "![c](http://evil.example/c.png)"


def _rewrite(path, change) -> None:
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0])
    for row in rows:
        change(row)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory):
    """The tiny portfolio with Markdown, HTML, links, images and formulas in every free-text field."""
    import shutil

    from helpers import TINY

    folder = tmp_path_factory.mktemp("hostile") / "input"
    shutil.copytree(TINY, folder)

    def supplier(row):
        name, legal, province = HOSTILE[row["supplier_id"]]
        row.update(supplier_name=name, legal_name=legal, bank_beneficiary=legal, province=province)

    def product(row):
        if row["sku"] == "A1":
            row["product_name"] = HOSTILE_PRODUCT
        if row["category"] == "home_lighting":
            row["category"] = HOSTILE_CATEGORY

    def payment(row):
        if row["payment_id"] == "Y1":
            row["payee_name"] = "[pay here](http://evil.example/pay)"

    _rewrite(folder / "suppliers.csv", supplier)
    _rewrite(folder / "products.csv", product)
    _rewrite(folder / "payments.csv", payment)
    return folder


@pytest.fixture(scope="module")
def hostile_db(hostile_dir, tmp_path_factory):
    from helpers import quiet
    from pipelines.build import build

    db = tmp_path_factory.mktemp("hostile_wh") / "hostile.duckdb"
    build(hostile_dir, db, log=quiet)
    return db


def _markdown_parser():
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py is a test dependency")
    pytest.importorskip("linkify_it", reason="linkify-it-py is a test dependency")
    # CommonMark plus what GitHub-flavoured Markdown adds that matters here: bare URLs become links (linkify)
    return markdown_it.MarkdownIt("commonmark", {"linkify": True}).enable(["linkify", "strikethrough", "table"])


def _markdown_texts(at) -> list[str]:
    """Every string Streamlit renders as Markdown on the page: bodies of text and alert elements, headings, widget and
    metric labels, radio options and help tooltips (tests/browser checks the rendered page itself)."""
    found = []

    def collect(message):
        for field, value in message.ListFields():
            if field.name in ("spec", "data", "arrow_data", "figure", "columns"):  # charts and tables: not Markdown
                continue
            repeated = getattr(field, "is_repeated", None)
            repeated = field.label == 3 if repeated is None else repeated  # 3 = LABEL_REPEATED (older protobuf)
            if field.message_type is not None:
                for item in (value if repeated else [value]):
                    collect(item)
            elif field.name in ("body", "label", "help", "text", "caption", "content") \
                    or (field.name == "options" and message.DESCRIPTOR.name == "Radio"):
                # (select box and multiselect options are plain text in the browser; radio options are Markdown)
                found.extend(v for v in (value if repeated else [value]) if isinstance(v, str))

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            collect(proto)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def _live_markup(parser, texts: list[str]) -> list[tuple[str, str]]:
    """(token type, source) for every link, image or raw HTML the Markdown texts would render."""
    live = []
    for text in texts:
        for block in parser.parse(text):
            for token in [block, *(block.children or [])]:
                if token.type in ("link_open", "image", "html_inline", "html_block"):
                    live.append((token.type, text))
    return live


def _chart_specs(at) -> list[str]:
    return [c.proto.spec for c in at.get("plotly_chart")]


def _assert_inert(at, parser):
    texts = _markdown_texts(at)
    assert texts, "no Markdown text found on the page"
    assert _live_markup(parser, texts) == []
    for spec in _chart_specs(at):
        # plotly reads <a href>, <b>, <br> in labels and hover texts: data arrives as &lt;…&gt;
        assert "<a href" not in spec and "<img" not in spec and "<script" not in spec


@pytest.mark.parametrize("page,query", [("portfolio", None), ("supplier", {"supplier": "S1"}),
                                        ("supplier", {"supplier": "S2"}), ("supplier", {"supplier": "S3"}),
                                        ("trader_vs_factory", None), ("costs", None), ("inspections", None),
                                        ("reaudit", None), ("data", None)])
def test_hostile_data_is_shown_as_text_on_every_page(ui, hostile_db, page, query):
    parser = _markdown_parser()
    at = ui.open(hostile_db, page, query=query)
    _assert_inert(at, parser)
    if page == "supplier":
        name = HOSTILE[query["supplier"]][0]
        # the name is on the page, as text: its Markdown source is escaped and renders to exactly the name
        assert parser.renderInline(at.header[0].value) == html.escape(name)
    if page == "costs":  # the SKU and supplier pickers and their figures
        at.radio(key="costs_scope").set_value("SKU").run()
        at.selectbox(key="costs_sku").set_value("A1").run()
        _assert_inert(at, parser)
    if page == "portfolio":  # a filter chosen from the data is echoed in a caption
        at.multiselect(key="f_category").set_value([HOSTILE_CATEGORY]).run()
        assert any("Filtered to" in c.value for c in at.caption)
        _assert_inert(at, parser)


def test_rejected_rows_with_hostile_values_are_listed_as_text(ui, hostile_db, hostile_dir):
    parser = _markdown_parser()
    bad = (hostile_dir / "suppliers.csv").read_bytes() \
        + b"S4,Bad,![r](http://evil.example/r.png),CN,,,,,,,,,,,,,,,,\n"
    at = ui.open(hostile_db, "data")
    at.file_uploader(key="data_upload").set_value([("suppliers.csv", bad, "text/csv")]).run()
    listed = next(m.value for m in at.markdown if "line 5" in m.value)
    assert _live_markup(parser, [listed]) == []
    assert "not one of manufacturer, trading_company" in parser.renderInline(listed)
    assert "![r](http://evil.example/r.png)" in parser.renderInline(listed)  # shown literally
    _assert_inert(at, parser)


@pytest.fixture
def downloads(monkeypatch) -> dict:
    """file name → the bytes its download button would send (the deferred callable the server runs on a click)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    made: dict = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)

    class Files(dict):
        def __getitem__(self, name):
            data = made[name]()
            return data.encode("utf-8") if isinstance(data, str) else data

    return Files()


def test_csv_and_excel_downloads_neutralise_formulas(ui, hostile_db, downloads):
    import io

    import openpyxl
    import pandas as pd

    at = ui.open(hostile_db, "reaudit")
    shown = pd.read_csv(io.BytesIO(downloads["reaudit_queue.csv"]), dtype=str, keep_default_na=False)
    names = set(shown["supplier_name"])
    # S3's name starts with "=": it arrives as text with a leading apostrophe, the others unchanged
    assert "'" + HOSTILE["S3"][0] in names and HOSTILE["S3"][0] not in names
    assert HOSTILE["S1"][0] in names
    book = openpyxl.load_workbook(io.BytesIO(downloads["reaudit_queue.xlsx"]))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    column = header.index("supplier_name") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)]
    assert all(c.data_type == "s" for c in cells)  # text cells, not formulas ("f")
    assert "'" + HOSTILE["S3"][0] in {c.value for c in cells}
    assert not any(c.hyperlink for row in sheet.iter_rows() for c in row)  # no http://… turned into a link
    # the same on a table's generic download (ui.table): the portfolio's KPI table
    at = ui.open(hostile_db)
    kpis = pd.read_csv(io.BytesIO(downloads["supplier_kpis.csv"]), dtype=str, keep_default_na=False)
    assert "'" + HOSTILE["S3"][0] in set(kpis["supplier_name"])


def test_formula_neutralisation_covers_every_prefix_and_leaves_numbers_alone():
    import pandas as pd

    from dashboard.components import neutralise_formulas

    frame = pd.DataFrame({"text": ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain", "a=b", None],
                          "number": [-1.5, 2, -3, 4, 5, 6, 7, 8, 9]})
    out = neutralise_formulas(frame)
    assert out["text"].tolist()[:8] == ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "plain", "a=b"]
    assert pd.isna(out["text"].iloc[8])
    assert out["number"].tolist() == frame["number"].tolist()
    assert frame["text"].iloc[0] == "=1+1"  # the shown table is not changed
