"""One cached, parameterised function per mart read. Results are keyed on the warehouse file's version."""

from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from dashboard import db


@st.cache_data(ttl=600, max_entries=256, show_spinner=False)
def _query(name: str, params: tuple, version: str) -> pd.DataFrame:
    """Run dashboard/sql/<name>.sql with bound parameters; an absent table reads as an empty frame."""
    con = db.connect()
    if con is None:
        return pd.DataFrame()
    try:
        return con.execute(db.read_sql(name), list(params)).df()
    except duckdb.CatalogException:
        return pd.DataFrame()  # the mart is not in this warehouse (partial or older build)
    finally:
        con.close()


def query(name: str, *params) -> pd.DataFrame:
    return _query(name, tuple(params), db.db_version())


def warehouse_exists() -> bool:
    return db.db_path().exists()


def build_info() -> pd.DataFrame:
    return query("build_info")


def supplier_kpis() -> pd.DataFrame:
    return query("supplier_kpis")
