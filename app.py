"""Supplier-risk cockpit: page config, login, the shared sidebar filters and navigation."""

import streamlit as st

from dashboard import auth, errors, filters
from dashboard.db import db_path

st.set_page_config(page_title="Supplier risk cockpit", page_icon=":material/shield:", layout="wide")
# Before anything else, and outside the error handler below: if this fails, nothing is shown (fail closed).
visitor = auth.gate()

PAGES = [
    st.Page("dashboard/pages/portfolio.py", title="Portfolio", icon=":material/dashboard:", default=True),
    st.Page("dashboard/pages/supplier.py", title="Supplier", icon=":material/factory:"),
    st.Page("dashboard/pages/open_orders.py", title="Open orders", icon=":material/request_quote:"),
    st.Page("dashboard/pages/trader_vs_factory.py", title="Trader vs factory", icon=":material/compare_arrows:"),
    st.Page("dashboard/pages/costs.py", title="Costs and leakage", icon=":material/payments:"),
    st.Page("dashboard/pages/whatif.py", title="What-if: tariffs and sourcing", icon=":material/calculate:"),
    st.Page("dashboard/pages/inspections.py", title="Inspections", icon=":material/fact_check:"),
    st.Page("dashboard/pages/reaudit.py", title="Re-audit planner", icon=":material/event_upcoming:"),
    st.Page("dashboard/pages/data.py", title="Data", icon=":material/database:"),
]
page = st.navigation(PAGES)
auth.sidebar(visitor)
with errors.shown_to_people("sidebar filters", "drawing the filters"):
    if db_path().exists():
        filters.sidebar()
with errors.shown_to_people(f"page {page.title}", "showing this page"):
    page.run()
