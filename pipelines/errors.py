"""Unexpected errors for people: a short message with a log reference; the traceback goes to a log, never to them.

The dashboard (dashboard/errors.py) and the CLI (pipelines/cli.py) both call `log_unexpected`, so a reference a user
reads on a page or in a terminal is the one an operator finds in the log beside the full traceback.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

LOG = logging.getLogger("supplier_risk")


def new_reference() -> str:
    """A short random id to quote when reporting an error (8 hex digits, e.g. 3F9A1C2B)."""
    return secrets.token_hex(4).upper()


def log_unexpected(exc: BaseException, where: str) -> str:
    """Log `exc` with its traceback under a new reference and return the reference."""
    reference = new_reference()
    LOG.error("unexpected error in %s (reference %s)", where, reference,
              exc_info=(type(exc), exc, exc.__traceback__))
    return reference


def log_dir() -> Path:
    """Where command-line runs keep their error log: $SUPPLIER_RISK_LOG_DIR, else $XDG_STATE_HOME/supplier-risk
    (~/.local/state/supplier-risk)."""
    configured = os.environ.get("SUPPLIER_RISK_LOG_DIR")
    if configured:
        return Path(configured)
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "supplier-risk"


def log_to_file() -> Path:
    """Send the error log to `log_dir()/errors.log` (folder 0700, file 0600: tracebacks can quote data values)."""
    folder = log_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / "errors.log"
    path.touch(mode=0o600, exist_ok=True)
    if not any(isinstance(h, logging.FileHandler) and Path(h.baseFilename) == path.resolve() for h in LOG.handlers):
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        LOG.addHandler(handler)
    LOG.propagate = False  # the terminal gets the one-line message, not the traceback
    return path
