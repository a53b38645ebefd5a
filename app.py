"""Supplier-risk cockpit: page config, login, the shared sidebar filters and navigation."""

import streamlit as st

from dashboard import auth, collector, errors, filters, viewport
from dashboard.db import db_path
from dashboard.navigation import PAGES

st.set_page_config(page_title="Supplier risk cockpit", page_icon=":material/shield:", layout="wide")
# Before anything else, and outside the error handler below: if this fails, nothing is shown (fail closed).
visitor = auth.gate()

page = st.navigation([st.Page(p.script, title=p.title, icon=p.icon, default=p.default) for p in PAGES])
auth.sidebar(visitor)
viewport.measure()  # how wide this visitor's main column is, so that the page plans its tables for it
with errors.shown_to_people("sidebar filters", "drawing the filters"):
    if db_path().exists():
        filters.sidebar()
with errors.shown_to_people(f"page {page.title}", "showing this page"):
    page.run()
collector.settle_after_first_run(page.url_path)  # a full garbage collection: 100 ms before, 1-9 ms after
