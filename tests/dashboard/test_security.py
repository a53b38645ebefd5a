"""Safe to share: no traceback on a page, no Markdown from data, neutralised exports, login and roles, uploads."""

from __future__ import annotations

import html
import logging
import re
import time

import pytest

from helpers import HOSTILE, HOSTILE_CATEGORY, plain, write_hostile_portfolio


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

@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory):
    return write_hostile_portfolio(tmp_path_factory.mktemp("hostile") / "input")


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


# GitHub-flavoured Markdown's extended autolinks (spec section 6.9), which Streamlit's renderer applies to the text
# after escapes are resolved: www. or http(s):// followed by a domain with a dot, and e-mail addresses.
_GFM_URL = re.compile(r"(?<![A-Za-z0-9])(?:https?://|www\.)[-\w]+(?:\.[-\w]+)+", re.ASCII | re.IGNORECASE)
_GFM_EMAIL = re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+", re.ASCII)


def _live_markup(parser, texts: list[str]) -> list[tuple[str, str]]:
    """(kind, source) for every link, image or raw HTML the Markdown texts would render, autolinks included."""
    live = []
    for text in texts:
        for block in parser.parse(text):
            for token in [block, *(block.children or [])]:
                if token.type in ("link_open", "image", "html_inline", "html_block"):
                    live.append((token.type, text))
        if _GFM_URL.search(plain(text)) or _GFM_EMAIL.search(plain(text)):
            live.append(("autolink", text))
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
        from dashboard.components import WORD_JOINER

        name = HOSTILE[query["supplier"]][0]
        # the name is on the page, as text: its Markdown source is escaped and renders to exactly the name
        assert parser.renderInline(at.header[0].value).replace(WORD_JOINER, "") == html.escape(name)
    if page == "costs":  # the SKU and supplier pickers and their figures
        at.radio(key="costs_scope").set_value("SKU").run()
        at.selectbox(key="costs_sku").set_value("A1").run()
        _assert_inert(at, parser)
    if page == "portfolio":  # a filter chosen from the data is echoed in a caption
        at.multiselect(key="f_category").set_value([HOSTILE_CATEGORY]).run()
        assert any("Filtered to" in c.value for c in at.caption)
        _assert_inert(at, parser)


def test_rejected_rows_with_hostile_values_are_listed_as_text(ui, hostile_db, hostile_dir):
    from dashboard.components import WORD_JOINER

    parser = _markdown_parser()
    bad = (hostile_dir / "suppliers.csv").read_bytes() \
        + b"S4,Bad,![r](http://evil.example/r.png),CN,,,,,,,,,,,,,,,,\n"
    at = ui.open(hostile_db, "data")
    at.file_uploader(key="data_upload").set_value([("suppliers.csv", bad, "text/csv")]).run()
    listed = next(m.value for m in at.markdown if "line 5" in m.value)
    assert _live_markup(parser, [listed]) == []
    shown = parser.renderInline(listed).replace(WORD_JOINER, "")
    assert "not one of manufacturer, trading_company" in shown
    assert "![r](http://evil.example/r.png)" in shown  # shown literally
    _assert_inert(at, parser)


def test_csv_and_excel_downloads_neutralise_formulas(ui, hostile_db, downloads):
    import io

    import openpyxl
    import pandas as pd

    ui.open(hostile_db, "reaudit")
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
    ui.open(hostile_db)
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


# --- a supplier asked for in the URL is that supplier, or a clear message -------------------------------------------

def test_an_unknown_supplier_in_the_url_is_named_not_replaced(ui, tiny_db):
    at = ui.open(tiny_db, "supplier", query={"supplier": "UNKNOWN"})
    assert [ui.plain(e.value) for e in at.error] == ["No supplier with id UNKNOWN in this warehouse. Choose one below."]
    assert at.selectbox(key="supplier").value is None  # no other supplier's page is shown in its place
    assert not at.metric and not at.header
    # choosing one shows it and puts it in the URL
    at.selectbox(key="supplier").set_value("S2").run()
    assert not any("No supplier with id" in e.value for e in at.error)
    assert at.header[0].value == "Yiwu Beta Trading"
    assert at.query_params["supplier"] in ("S2", ["S2"])


def test_a_supplier_hidden_by_the_filters_is_named_not_replaced(ui, tiny_db):
    at = ui.open(tiny_db, "supplier", query={"supplier": "S1", "type": "trading_company"})
    assert [ui.plain(w.value) for w in at.warning] == [
        "Ningbo Alpha Store (S1) does not pass the sidebar filters (Supplier type: Trading company): clear them to "
        "see it, or choose a supplier below."]
    assert at.selectbox(key="supplier").value is None and not at.metric
    at.multiselect(key="f_type").set_value([]).run()  # clearing the filter shows S1, still in the URL
    assert not any("sidebar filters" in w.value for w in at.warning) and at.header[0].value == "Ningbo Alpha Store"
    assert at.selectbox(key="supplier").value == "S1"


# --- login and roles ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def team():
    """A built-in password login for a small team: one admin, one viewer (hashes only, as in secrets.toml)."""
    from dashboard.passwords import hash_password

    return {"access": {"users": {"ana": {"role": "admin", "password_hash": hash_password("ana-secret-1")},
                                 "bo": {"role": "viewer", "password_hash": hash_password("bo-secret-2")}}}}


def _login(at, name: str, password: str):
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    at.button(key="login_submit").click().run()
    return at


def _admin_controls(at) -> set[str]:
    """Which of the Data page's admin controls (source choice, upload, folder, rebuild, exchange rates) are on the
    page."""
    present = set()
    if any(u.proto.id.endswith("-data_fx_file") for u in at.get("file_uploader")):
        present.add("fx")
    if at.get("radio") and any(r.key == "data_source" for r in at.radio):
        present.add("source")
    if any(u.proto.id.endswith("-data_upload") for u in at.get("file_uploader")):
        present.add("upload")
    if any(t.key == "data_folder" for t in at.text_input):
        present.add("folder")
    if any(b.key == "data_rebuild" for b in at.button):
        present.add("rebuild")
    return present


def test_a_configured_login_is_required_before_any_page(ui, tiny_db, team):
    at = ui.open(tiny_db, secrets=team)
    assert [t.value for t in at.title] == ["Supplier risk cockpit"]  # the login page, nothing else
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    _login(at, "ana", "wrong")
    assert [e.value for e in at.error] == ["Wrong user name or password."] and not at.metric
    _login(at, "nobody", "ana-secret-1")  # a password of another user does not open the door
    assert [e.value for e in at.error] == ["Wrong user name or password."] and not at.metric
    _login(at, "ana", "ana-secret-1")
    assert ui.metrics(at)["Spend"] == "$17,900"  # the portfolio, as without login
    assert any("Signed in as ana (admin)" in ui.plain(c.value) for c in at.sidebar.caption)
    at.button(key="logout").click().run()
    assert not at.metric and at.text_input(key="login_name") is not None


def test_a_viewer_cannot_reach_upload_folder_or_rebuild(ui, tiny_db, team, tmp_path):
    at = ui.open(tiny_db, secrets=team)
    _login(at, "bo", "bo-secret-2")
    at.switch_page(ui.pages["data"]).run()
    assert not at.exception
    assert _admin_controls(at) == set()
    assert "Loading data and rebuilding the warehouse are for admins; you are bo (viewer)." in ui.texts(at)
    assert "Freshness per table" in ui.texts(at)  # what the warehouse holds is still shown
    # forcing the widgets' state from the client does not bring them back
    at.session_state["data_source"] = "Folder on this machine"
    at.session_state["data_folder"] = str(tmp_path)
    at.run()
    assert _admin_controls(at) == set()
    # an admin of the same team sees them
    at = ui.open(tiny_db, secrets=team)
    _login(at, "ana", "ana-secret-1")
    at.switch_page(ui.pages["data"]).run()
    assert {"source", "upload", "fx"} <= _admin_controls(at)


def test_repeated_wrong_passwords_lock_the_user_name(ui, tiny_db, team, monkeypatch):
    from dashboard import auth

    at = ui.open(tiny_db, secrets=team)
    for _ in range(auth.MAX_TRIES):
        _login(at, "ana", "guess")
    _login(at, "ana", "ana-secret-1")  # even the right password waits out the lock
    assert "Too many wrong passwords for this user name: try again in" in at.error[0].value
    assert not at.metric
    _login(at, "bo", "bo-secret-2")  # other users are not locked out
    assert ui.metrics(at)["Spend"] == "$17,900"
    real = time.time
    monkeypatch.setattr(auth.time, "time", lambda: real() + auth.LOCK_SECONDS + 1)
    at = ui.open(tiny_db, secrets=team)
    _login(at, "ana", "ana-secret-1")
    assert ui.metrics(at)["Spend"] == "$17,900"


def test_a_viewer_sees_the_reviews_of_warned_rows_but_cannot_mark_any(ui, team, tiny_dir, tmp_path, built):
    """H2 shipped before its order and reviewed in reviewed_warnings.csv: a viewer reads the row and its review (who,
    when, why) but has no form to mark or take back reviews (each rebuilds the warehouse: admins only)."""
    path = tiny_dir / "shipments.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("H2,P2,sea,2024-04-10", "H2,P2,sea,2024-02-20", 1),
                    encoding="utf-8")
    (tiny_dir / "reviewed_warnings.csv").write_text(
        "check_name,problem,reviewed_on,reviewed_by,note\n"
        'dates_before_their_order,"shipment H2 shipped on 2024-02-20, before its order P2 was placed on 2024-03-01",'
        "2026-12-01,ana,order raised late\n"
        'dates_before_their_order,"shipment H9 shipped on 2024-01-01, before its order P9",2026-11-30,ana,\n',
        encoding="utf-8")
    db = built(tiny_dir, tmp_path / "w.duckdb")
    at = ui.open(db, secrets=team)
    _login(at, "bo", "bo-secret-2")
    at.switch_page(ui.pages["data"]).run()
    assert not at.exception
    every = next(f for f in ui.frames(at) if "row_key" in f.columns)
    assert every["review"].tolist() == ["2026-12-01, ana: order raised late"]
    checks = next(f for f in ui.frames(at) if "examples" in f.columns)
    assert checks[["rows", "reviewed", "examples"]].values.tolist() == [
        [0, 1, "Every row marked reviewed (listed below)"]]
    assert not any(m.key in ("data_review_mark", "data_review_back") for m in at.multiselect)
    assert "Save the reviews and rebuild" not in [b.label for b in at.button]
    # the admin of the same team has the form
    at = ui.open(db, secrets=team)
    _login(at, "ana", "ana-secret-1")
    at.switch_page(ui.pages["data"]).run()
    assert at.multiselect(key="data_review_back").options[0].endswith("before its order P2 was placed on 2024-03-01")
    # the review of a row no longer warned of (H9) is counted, and kept in the file
    assert "Reviews in the file that match no row the last build warned of (the row was corrected, or its values " \
           "changed and it is listed again): 1. They stay in the file, harmless." in ui.texts(at)


OIDC = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-cookie-secret",
                 "client_id": "cockpit", "client_secret": "s", "server_metadata_url":
                 "https://id.example.com/.well-known/openid-configuration"},
        "access": {"admins": ["Ana@Example.com"], "viewers": ["carl@partner.example"],
                   "viewer_domains": ["example.com"]}}


@pytest.mark.parametrize("user,expected", [
    ({"is_logged_in": False}, "login"),
    ({"is_logged_in": True, "email": "ana@example.com", "name": "Ana"}, "admin"),
    ({"is_logged_in": True, "email": "dee@example.com", "name": "Dee"}, "viewer"),
    ({"is_logged_in": True, "email": "carl@partner.example"}, "viewer"),
    ({"is_logged_in": True, "email": "eve@elsewhere.example"}, "refused"),
    ({"is_logged_in": True, "email": "mallory@example.com", "email_verified": False}, "refused"),
])
def test_oidc_login_gives_the_role_of_the_verified_email(ui, tiny_db, user, expected, monkeypatch):
    at = ui.open(tiny_db, secrets=OIDC, user=user)
    if expected == "login":
        assert at.button(key="login_oidc").label == "Log in with your organisation's account"
        assert not at.metric
        # the button hands over to Streamlit's OIDC flow (which reads secrets.toml itself, out of AppTest's reach)
        import streamlit

        calls = []
        monkeypatch.setattr(streamlit, "login", lambda *args: calls.append(args))
        at.button(key="login_oidc").click().run()
        assert calls == [()] and not at.metric
        return
    if expected == "refused":
        assert "may not see this dashboard" in ui.plain(at.error[0].value) and not at.metric
        return
    assert ui.metrics(at)["Spend"] == "$17,900"
    at.switch_page(ui.pages["data"]).run()
    assert bool(_admin_controls(at)) == (expected == "admin")


def test_without_login_a_visitor_from_another_machine_only_reads(ui, tiny_db, monkeypatch):
    from dashboard import auth

    monkeypatch.setattr(auth, "_is_local_request", lambda: False)
    at = ui.open(tiny_db, "data")
    assert _admin_controls(at) == set()
    assert any("Read-only" in c.value for c in at.sidebar.caption)
    monkeypatch.setattr(auth, "_is_local_request", lambda: True)
    at = ui.open(tiny_db, "data")
    assert {"source", "upload"} <= _admin_controls(at)


def test_passwords_are_stored_as_salted_scrypt_hashes():
    from dashboard.passwords import hash_password, verify_password

    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second and "correct horse" not in first  # salted, no plaintext
    prefix, n, r, p, salt, key = first.split("$")
    assert (prefix, int(n), int(r), int(p)) == ("scrypt", 2 ** 14, 8, 5)
    assert verify_password("correct horse", first) and verify_password("correct horse", second)
    assert not verify_password("correct horse.", first) and not verify_password("", first)
    assert not verify_password("correct horse", "plain text") and not verify_password("x", "")


# --- folders only under the configured roots ------------------------------------------------------------------------

def test_folders_outside_the_roots_and_links_out_of_them_are_refused(ui, tmp_path, tiny_dir, monkeypatch):
    from dashboard import auth

    root = tmp_path / "exports"
    root.mkdir()
    monkeypatch.setenv(auth.ROOTS_ENV, str(root))
    inside = root / "march"
    inside.mkdir()
    for f in tiny_dir.iterdir():
        (inside / f.name).write_bytes(f.read_bytes())
    (root / "etc").symlink_to("/etc")  # a link to a folder outside
    leaky = root / "leaky"
    leaky.mkdir()
    (leaky / "suppliers.csv").symlink_to("/etc/passwd")  # a file linked from outside

    assert auth.allowed_folder(str(inside)) == inside.resolve()
    assert auth.allowed_folder("march") == inside.resolve()  # relative to the first root
    for refused in ("/etc", str(root / "etc"), str(root / ".." / ".."), str(leaky)):
        with pytest.raises(auth.FolderRefused):
            auth.allowed_folder(refused)

    at = ui.open(tmp_path / "none.duckdb", "data")
    at.radio(key="data_source").set_value("Folder on this machine").run()
    at.text_input(key="data_folder").input("/etc").run()
    assert "/etc is outside the folders this dashboard may read" in ui.plain(at.error[0].value)
    assert not at.metric and not any(b.key == "data_rebuild" for b in at.button)  # nothing listed, nothing to build
    at.text_input(key="data_folder").input(str(leaky)).run()
    assert "is a link to a file outside the folders" in ui.plain(at.error[0].value)
    at.text_input(key="data_folder").input(str(inside)).run()
    assert ui.metrics(at)["Rows to load"] == "37"


def test_with_a_login_and_no_roots_no_server_folder_is_offered(ui, tiny_db, team, monkeypatch):
    from dashboard import auth

    monkeypatch.delenv(auth.ROOTS_ENV)
    at = ui.open(tiny_db, secrets=team)
    _login(at, "ana", "ana-secret-1")
    at.switch_page(ui.pages["data"]).run()
    assert at.radio(key="data_source").options == ["Upload files"]


# --- uploads: private per-session folder, removed after the build and when the session ends -------------------------

def _mode(path) -> int:
    import stat

    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def upload_root(tmp_path, monkeypatch):
    from dashboard import loader

    root = tmp_path / "uploads"
    monkeypatch.setenv(loader.UPLOAD_ENV, str(root))
    return root


def test_uploads_are_staged_privately_and_removed_after_the_build(ui, tmp_path, tiny_db, upload_root):
    import gc
    import shutil

    import duckdb

    from helpers import TINY

    db = tmp_path / "live.duckdb"
    shutil.copy(tiny_db, db)
    # The first run of the Data page in a process keeps a reference to that first session's state somewhere inside
    # Streamlit (gc.get_referrers sees no holder); every later session is released when it ends. Open the page
    # once first, so that the session measured below is an ordinary one whichever tests ran before in this worker
    # (alone, or first in its worker, the test failed at its last line; after any Data page test it passed).
    ui.open(db, "data")
    at = ui.open(db, "data")
    files = [(p.name, p.read_bytes(), "text/csv") for p in sorted(TINY.iterdir())]
    at.file_uploader(key="data_upload").set_value(files).run()
    assert ui.metrics(at)["Rows to load"] == "37"
    sessions = list(upload_root.glob("session-*"))
    assert len(sessions) == 1
    staged = [p for p in sessions[0].rglob("*") if p.is_file()]
    assert {p.name for p in staged} == {p.name for p in TINY.iterdir()}
    assert _mode(upload_root) == 0o700 and _mode(sessions[0]) == 0o700
    assert all(_mode(p) == 0o600 for p in staged) and all(_mode(p.parent) == 0o700 for p in staged)

    at.button(key="data_rebuild").click().run()
    assert any("Warehouse rebuilt" in s.value for s in at.success)
    assert list(sessions[0].iterdir()) == []  # the session's copies are gone once built
    # the warehouse was built from a private copy beside it, which the next upload can complete missing tables from
    con = duckdb.connect(str(db), read_only=True)
    input_dir = con.execute("select input_dir from ingest.build_info").fetchone()[0]
    con.close()
    kept = tmp_path / "live.inputs"
    assert str(input_dir).startswith(str(kept)) and _mode(kept) == 0o700 and _mode(kept / input_dir) == 0o700
    assert {p.name for p in (kept / input_dir).iterdir()} == {p.name for p in TINY.iterdir()}

    # when the session ends (Streamlit drops its state), its folder goes too
    del at
    gc.collect()
    assert not sessions[0].exists()


def test_a_session_folder_is_removed_when_its_session_ends(upload_root):
    import gc

    from dashboard import loader

    holder = loader.SessionFolder()
    path = holder.path
    loader.stage_uploads([("suppliers.csv", b"supplier_id\n")], folder=path)
    assert path.is_dir() and _mode(path) == 0o700
    del holder
    gc.collect()
    assert not path.exists()


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() != 0,
                    reason="needs root to create a folder owned by another user")
def test_an_upload_folder_owned_by_someone_else_is_refused(upload_root):
    import os

    from dashboard import loader

    upload_root.mkdir(mode=0o777)
    os.chown(upload_root, 65534, 65534)  # as if another user had made it first in the shared /tmp
    with pytest.raises(loader.UploadFolderError, match="belongs to another user"):
        loader.upload_root()


def test_the_upload_size_limit_is_configured_and_shown(ui, tiny_db):
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())
    limit = config["server"]["maxUploadSize"]
    at = ui.open(tiny_db, "data")
    uploader = next(u for u in at.get("file_uploader") if u.proto.id.endswith("-data_upload"))
    assert uploader.proto.max_upload_size_mb == limit == 200  # what the server and the browser enforce
    assert f"at most {limit} MB each" in uploader.proto.help


# --- the Data page and the build's publish guards (pipelines/build.py: shrink guard, one build at a time) ----------

def test_a_shrinking_build_needs_a_confirmation_and_is_recorded(ui, tmp_path, tiny_dir):
    import duckdb

    from helpers import quiet
    from pipelines.build import build

    db = tmp_path / "live.duckdb"
    build(tiny_dir, db, log=quiet, built_by="cli test")
    orders = tiny_dir / "purchase_orders.csv"
    # 2 of the 6 orders: below half of the live table, so the build refuses to publish without a confirmation
    orders.write_text("\n".join(orders.read_text(encoding="utf-8").splitlines()[:3]) + "\n", encoding="utf-8")
    at = ui.open(db, "data")
    at.radio(key="data_source").set_value("Folder on this machine").run()
    at.text_input(key="data_folder").input(str(tiny_dir)).run()
    at.button(key="data_rebuild").click().run()
    refused = ui.plain(at.error[0].value)
    assert refused.startswith("Not published; the current warehouse is unchanged.")
    assert "purchase_orders" in refused
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from staging.purchase_orders").fetchone()[0] == 6  # the live one is intact
    con.close()
    at.checkbox(key="data_allow_shrink").check().run()
    at.button(key="data_rebuild").click().run()
    assert any("Warehouse rebuilt" in s.value for s in at.success)
    history = next(f for f in ui.frames(at) if "built_by" in f.columns)
    newest = history.iloc[0]  # newest first: who built, and that the shrink was confirmed
    assert newest["built_by"] == "local user (local)" and bool(newest["is_shrink_allowed"])
    # the 33 rows read (37 tiny rows less the 4 orders left out) are loaded or rejected (orphans of those orders)
    assert newest["rows_loaded"] + newest["rows_rejected"] == 33 and newest["rows_rejected"] > 0
    # the earlier CLI build is carried over into the new warehouse's history, even though this process has the
    # live file open (the dashboard's connection)
    assert history["built_by"].tolist()[1:] == ["cli test"]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from staging.purchase_orders").fetchone()[0] == 2
    con.close()


def test_a_second_build_is_told_a_build_is_running(ui, tmp_path, tiny_dir, tiny_db):
    import fcntl
    import os
    import shutil

    db = tmp_path / "live.duckdb"
    shutil.copy(tiny_db, db)
    before = db.stat().st_mtime_ns
    at = ui.open(db, "data")
    at.radio(key="data_source").set_value("Folder on this machine").run()
    at.text_input(key="data_folder").input(str(tiny_dir)).run()
    lock = os.open(db.with_name(db.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another visitor's build holds the warehouse
        os.pwrite(lock, b"started 2026-12-01T10:00:00 by ana (password), pid 1", 0)
        at.button(key="data_rebuild").click().run()
    finally:
        os.close(lock)
    message = ui.plain(at.warning[0].value)
    assert message.startswith("Not started: a build of live.duckdb is already running")
    assert "by ana (password)" in message and "The current warehouse stays in place." in message
    assert not at.exception and db.stat().st_mtime_ns == before
