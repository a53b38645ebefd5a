"""AppTest helpers: point the dashboard at a warehouse and start every test with empty caches."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import navigation
from helpers import plain

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGES = {p.key: p.script for p in navigation.PAGES}  # page name → script (dashboard/navigation.py)


@pytest.fixture(autouse=True)
def _fresh_cache():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()


@pytest.fixture(autouse=True)
def _folders_under_the_test_area(monkeypatch, tmp_path_factory):
    """The Data page reads folders only under configured roots (dashboard/auth.py): tests read theirs from the
    pytest temporary area."""
    from dashboard.auth import ROOTS_ENV

    monkeypatch.setenv(ROOTS_ENV, str(tmp_path_factory.getbasetemp()))


@pytest.fixture(autouse=True)
def _visitor_on_this_machine(monkeypatch):
    """AppTest has no real connection (st.context.ip_address is a mock), so tests visit as from this machine, as
    the browser test does for real; tests of a remote visitor patch this back."""
    from dashboard import auth

    monkeypatch.setattr(auth, "_is_local_request", lambda: True)


@pytest.fixture(autouse=True)
def _errors_fail_tests(monkeypatch):
    """A page error is shown as a message with a log reference (dashboard/errors.py); in tests it is also re-raised
    so AppTest records it and the test that caused it fails. Tests of the message itself delete this variable."""
    from dashboard.errors import RAISE_ENV

    monkeypatch.setenv(RAISE_ENV, "1")


def open_app(monkeypatch, db: Path, page: str | None = None, query: dict | None = None,
             secrets: dict | None = None, user: dict | None = None) -> AppTest:
    """Run the router on `db` (optionally on one page, with URL query parameters, .streamlit/secrets.toml sections
    and an OIDC user as st.user) and return the AppTest."""
    monkeypatch.setenv("SUPPLIER_RISK_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.secrets.update(secrets or {})
    if user is not None:
        at.user = user
    at.run()
    if page is not None and page != "portfolio":
        at.switch_page(PAGES[page]).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(at: AppTest) -> str:
    """Every info, success, warning, error, caption, markdown and header text on the page, joined, as read (escapes
    of data values removed; tests/dashboard/test_security.py checks that those values never render as Markdown)."""
    parts = []
    for kind in ("info", "success", "warning", "error", "caption", "markdown", "title", "subheader"):
        parts.extend(plain(str(e.value)) for e in getattr(at, kind))
    return "\n".join(parts)


def frames(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


def chart(at: AppTest, key: str) -> dict:
    """The plotly figure (data and layout, as JSON) of the chart drawn with widget key `key`."""
    found = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    assert found, f"no chart with key {key!r}"
    return json.loads(found[0].proto.spec)


def column_config(at: AppTest, column: str) -> dict:
    """The configuration (label, format, step) sent for `column` of the first table that shows that column."""
    found = [d for d in at.dataframe if column in d.value.columns]
    assert found, f"no table shows {column!r}"
    return json.loads(found[0].proto.columns)[column]


@pytest.fixture
def ui(monkeypatch) -> SimpleNamespace:
    """open(db, page=None, query=None) → AppTest, plus metrics / texts / frames / chart / column_config readers and
    the page paths."""
    return SimpleNamespace(open=lambda db, page=None, query=None, secrets=None, user=None:
                           open_app(monkeypatch, db, page, query, secrets, user),
                           metrics=metrics, texts=texts, plain=plain, frames=frames, chart=chart,
                           column_config=column_config, pages=PAGES)


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


def _copy_warehouse(source: Path, target: Path, keep, empty: bool) -> Path:
    """A copy of `source` with only the tables `keep(schema, table)` accepts, emptied when `empty`."""
    import duckdb

    con = duckdb.connect(str(target))
    try:
        con.execute(f"attach '{source}' as src (read_only)")
        tables = con.execute("select schema_name, table_name from duckdb_tables() where database_name = 'src'"
                             ).fetchall()
        for schema, table in tables:
            if not keep(schema, table):
                continue
            con.execute(f"create schema if not exists {schema}")
            con.execute(f"create table {schema}.{table} as select * from src.{schema}.{table}"
                        + (" limit 0" if empty and schema != "ingest" else ""))
        con.execute("detach src")
    finally:
        con.close()
    return target


@pytest.fixture(scope="session")
def partial_db(tiny_db, tmp_path_factory) -> Path:
    """An older build: the import, staging, po_status and supplier_kpis only (no score, cost or inspection marts)."""
    return _copy_warehouse(tiny_db, tmp_path_factory.mktemp("partial") / "partial.duckdb",
                           lambda s, t: s in ("raw", "ingest", "staging", "reference")
                           or (s, t) in (("marts", "po_status"), ("marts", "supplier_kpis")), empty=False)


@pytest.fixture(scope="session")
def hollow_db(tiny_db, tmp_path_factory) -> Path:
    """Every table of a full build, none with a row (a build of empty exports)."""
    return _copy_warehouse(tiny_db, tmp_path_factory.mktemp("hollow") / "hollow.duckdb", lambda s, t: True,
                           empty=True)
