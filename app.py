"""Supplier-risk cockpit: page config and navigation only."""

import streamlit as st

st.set_page_config(page_title="Supplier risk cockpit", page_icon=":material/shield:", layout="wide")

pages = [
    st.Page("dashboard/pages/portfolio.py", title="Portfolio", icon=":material/dashboard:", default=True),
]
st.navigation(pages).run()
