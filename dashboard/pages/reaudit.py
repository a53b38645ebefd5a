"""Re-audit planner: the ranked queue of suppliers to re-audit, with due dates, triggers and suggested actions."""

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboard import components as ui
from dashboard import filters, queries

COLUMNS = ["priority", "supplier_name", "supplier_type", "risk_score", "risk_band", "due_on", "days_until_due",
           "triggers", "suggested_action", "reason", "spend_12m", "open_exposure", "supplier_id"]

st.title("Re-audit planner")
if ui.require_warehouse():
    ui.as_of_caption()
    filters.caption()
    queue = queries.reaudit_queue(filters.supplier_ids())
    if queue.empty:
        ui.missing("marts.reaudit_queue", "re-audit queue")
        st.stop()
    if "triggers" in queue:  # a list of triggers reads better (and exports) as one line
        queue = queue.assign(triggers=queue["triggers"].map(
            lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple)) or hasattr(v, "tolist") and
            not isinstance(v, str) else v))
    priorities = list(dict.fromkeys(queue["priority"].dropna()))
    chosen = st.multiselect("Priority", priorities, key="reaudit_priority", placeholder="All priorities",
                            help="Show only these priorities.")
    if chosen:
        queue = queue[queue["priority"].isin(chosen)]

    days = pd.to_numeric(queue.get("days_until_due"), errors="coerce")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Suppliers in the queue", f"{len(queue):,}", border=True,
              help="Suppliers with at least one re-audit trigger (marts.reaudit_queue).")
    c2.metric("Overdue", f"{int((days < 0).sum()):,}", border=True,
              help="Due date before the analysis date.")
    c3.metric("Due within 30 days", f"{int(((days >= 0) & (days <= 30)).sum()):,}", border=True,
              help="Due date 0–30 days after the analysis date.")
    c4.metric("Open exposure in the queue", ui.money(queue["open_exposure"].sum() if "open_exposure" in queue
                                                     else None), border=True,
              help="Money committed to these suppliers that has not yet landed as goods: deposits and balances "
                   "paid on unshipped orders plus open order value (marts.reaudit_queue.open_exposure).")

    if {"due_on", "risk_score"} <= set(queue.columns) and queue["due_on"].notna().any():
        plot = queue.assign(size=queue.get("open_exposure", pd.Series(0, index=queue.index)).fillna(0) + 1)
        fig = px.scatter(plot, x="due_on", y="risk_score", color="priority", size="size", size_max=30,
                         hover_name="supplier_name", hover_data={"suggested_action": True, "size": False})
        ui.chart(ui.style(fig, "When each re-audit is due (bubble size: open exposure)", "Due date",
                          "Risk score", height=380), "reaudit_chart")

    shown = queue[[c for c in COLUMNS if c in queue.columns]]
    st.dataframe(shown, hide_index=True, key="reaudit_table", column_config={
        "priority": "Priority", "supplier_name": "Supplier", "supplier_type": "Type",
        "risk_score": st.column_config.NumberColumn("Score", format="%.1f"), "risk_band": "Band",
        "due_on": st.column_config.DateColumn("Due"), "days_until_due": st.column_config.NumberColumn(
            "Days left", help="Days from the analysis date to the due date; negative = overdue."),
        "triggers": st.column_config.TextColumn("Triggers", width="medium"),
        "suggested_action": st.column_config.TextColumn("Suggested action", width="large"),
        "reason": st.column_config.TextColumn("Why", width="large"),
        "spend_12m": ui.money_col("Spend 12 m"), "open_exposure": ui.money_col("Open exposure")})
    d1, d2, _ = st.columns([1, 1, 4])
    d1.download_button("Download CSV", shown.to_csv(index=False).encode("utf-8"), file_name="reaudit_queue.csv",
                       mime="text/csv", key="reaudit_csv", on_click="ignore", icon=":material/download:")
    d2.download_button("Download Excel", ui.excel_bytes({"Re-audit queue": shown}), file_name="reaudit_queue.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="reaudit_xlsx",
                       on_click="ignore", icon=":material/table_view:")
