"""Shared widgets: empty states, formatted metrics and tables."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import db


def require_warehouse() -> bool:
    """Show a clear empty state when no warehouse has been built; return whether pages can go on."""
    if db.db_path().exists():
        return True
    st.info(f"No warehouse yet at `{db.db_path()}`. Build one with `supplier-risk build --input DIR` "
            "or load files on the **Data** page.")
    return False


def money(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"${value:,.0f}"


def pct(value: float | None, digits: int = 1) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"{value * 100:.{digits}f}%"
