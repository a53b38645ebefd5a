"""No traceback on a page: an unexpected error shows a plain message and a log reference; the server log (the
streamlit process's standard error) gets the full traceback under the same reference."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator

import streamlit as st

from pipelines.errors import LOG, log_unexpected

# Tests set this so an error caught here still fails the test that caused it (AppTest records it as an exception);
# the page shows the same message either way.
RAISE_ENV = "SUPPLIER_RISK_RAISE_ERRORS"


def _log_to_stderr() -> None:
    if not any(getattr(h, "_supplier_risk", False) for h in LOG.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._supplier_risk = True  # type: ignore[attr-defined]
        LOG.addHandler(handler)
        LOG.setLevel(logging.INFO)
        LOG.propagate = False


_log_to_stderr()


def show(exc: Exception, where: str, what: str) -> str:
    """Log `exc` with its traceback and show a plain message with the log reference; return the reference."""
    reference = log_unexpected(exc, where)
    st.error(f"Something went wrong while {what}. The details are in the server log under reference "
             f"**{reference}**: quote it to whoever runs this dashboard.", icon=":material/error:")
    return reference


@contextlib.contextmanager
def shown_to_people(where: str, what: str) -> Iterator[None]:
    """Run a block; an unexpected exception becomes `show(...)` instead of a traceback on the page.

    st.stop() and st.rerun() pass through (they are not Exceptions)."""
    try:
        yield
    except Exception as exc:
        show(exc, where, what)
        if os.environ.get(RAISE_ENV) == "1":
            raise
