"""Portfolio: which suppliers put the business at risk, at a glance."""

import streamlit as st

from dashboard import components as ui
from dashboard import queries

st.title("Supplier portfolio")
if ui.require_warehouse():
    kpis = queries.supplier_kpis()
    if kpis.empty:
        st.info("The warehouse has no suppliers yet.")
    else:
        info = queries.build_info()
        if not info.empty:
            st.caption(f"Data as of {info['as_of'].iloc[0]:%Y-%m-%d}")
        c1, c2, c3 = st.columns(3)
        c1.metric("Spend", ui.money(kpis["spend"].sum()), help="Sum of quantity × unit price over all purchase orders.")
        c2.metric("Suppliers", f"{len(kpis):,}", help="Suppliers in the warehouse.")
        c3.metric("Deposits at risk", ui.money(kpis["deposit_at_risk"].sum()),
                  help="Money paid on purchase orders that have not shipped yet.")
        st.dataframe(kpis, hide_index=True, key="portfolio_kpis")
