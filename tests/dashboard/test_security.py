"""Safe to share: no traceback on a page, no Markdown from data, neutralised exports, login and roles, uploads."""

from __future__ import annotations

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
