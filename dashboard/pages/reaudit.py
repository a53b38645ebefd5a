"""Re-audit planner: the ranked queue of suppliers to re-verify, with due dates, triggers and suggested actions."""

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboard import components as ui
from dashboard import filters, queries

COLUMNS = ["rank", "supplier_name", "supplier_type", "risk_score", "risk_band", "priority", "due_on",
           "days_until_due", "urgency", "triggers", "suggested_action", "reason", "spend_12m", "open_exposure",
           "deposits_at_risk", "last_audit_on", "supplier_id"]
# The day windows count from the analysis date forward (0–N days) and leave overdue suppliers to "Overdue",
# so each option lists exactly the suppliers its metric counts.
WINDOWS = {"all": "Whole queue", "overdue": "Overdue", "30": "Due within 30 days (not overdue)",
           "90": "Due within 90 days (not overdue)"}

st.title("Re-audit planner")
if ui.require_warehouse():
    ui.as_of_caption()
    filters.caption()
    queue = queries.reaudit_queue(filters.supplier_ids())
    if queue.empty:
        ui.missing("marts.reaudit_queue", "re-audit queue")
        st.stop()

    days = pd.to_numeric(queue["days_until_due"], errors="coerce")
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric("Suppliers in the queue", f"{len(queue):,}", border=True,
              help="Active suppliers (recent orders, open orders or newly onboarded), each with a due date for "
                   "re-verification (marts.reaudit_queue).")
    c2.metric("Overdue", f"{int((days < 0).sum()):,}", border=True,
              help="Due date before the analysis date: a failed audit whose follow-up is late. A lapsed 12-month "
                   "cycle is not overdue here; it gets a catch-up date by risk band (see Audit lapsed).")
    c3.metric("Due within 30 days", f"{int(((days >= 0) & (days <= 30)).sum()):,}", border=True,
              help="Due date 0–30 days after the analysis date; overdue suppliers are counted under Overdue.")
    lapsed = queue["is_audit_lapsed"].fillna(False).astype(bool) if "is_audit_lapsed" in queue else None
    c4.metric("Audit lapsed", f"{int(lapsed.sum()):,}" if lapsed is not None else "–", border=True,
              help="Last audit more than 12 months ago, or none on record. Each gets a catch-up due date by "
                   "risk band (critical now, high 60 days, medium 90, low 180; models/config/risk_score.toml), "
                   "so the backlog is worked riskiest first.")
    c5.metric("Open exposure", ui.money(queue["open_exposure"].sum()), border=True,
              help="Value of ordered goods not yet shipped by these suppliers (unshipped quantity × unit price "
                   "on open POs).")

    window = st.segmented_control("Show", list(WINDOWS), format_func=WINDOWS.get, key="reaudit_window",
                                  default="all", help="Narrow the list by due date. The 30- and 90-day windows "
                                  "exclude overdue suppliers (pick Overdue for those).") or "all"
    if window == "overdue":
        queue = queue[days < 0]
    elif window in ("30", "90"):
        queue = queue[(days >= 0) & (days <= int(window))]

    if queue.empty:
        st.success("Nothing due in this window.")
        st.stop()

    plot = queue.assign(bubble=queue["open_exposure"].fillna(0) + queue["spend_12m"].fillna(0) + 1,
                        supplier_name=ui.chart_text(queue["supplier_name"]), triggers=ui.chart_text(queue["triggers"]))
    # colour = what to do, legend in order of severity (not alphabetical); the band is on the y axis and in hover
    fig = px.scatter(plot, x="due_on", y="risk_score", color="suggested_action", size="bubble", size_max=32,
                     color_discrete_map=ui.action_colours(plot["suggested_action"]), hover_name="supplier_name",
                     category_orders={"suggested_action": ui.action_order(plot["suggested_action"])},
                     labels={"suggested_action": "suggested action", "risk_band": "band"},
                     hover_data={"risk_band": True, "triggers": True, "bubble": False, "priority": ":$,.0f"})
    fig.add_vline(x=pd.Timestamp(queries.build_info()["as_of"].iloc[0]).timestamp() * 1000,
                  line_dash="dot", line_color="#888", annotation_text="as of")
    ui.chart(ui.style(fig, "When each re-audit is due (bubble size: 12-month spend + open exposure)", "Due date",
                      "Risk score", height=380), "reaudit_chart")

    shown = queue.sort_values("rank")[[c for c in COLUMNS if c in queue.columns]]
    st.dataframe(shown, hide_index=True, key="reaudit_table", column_config={
        "rank": st.column_config.NumberColumn("#", format="%d"), "supplier_name": "Supplier",
        "supplier_type": "Type", "risk_score": st.column_config.NumberColumn("Score", format="%.1f"),
        "risk_band": "Band",
        "priority": st.column_config.NumberColumn(
            # whole dollars, rounded ("dollar" with step=1 would truncate 70,933.74 to $70,933); downloads keep cents
            "Priority", format="$%,.0f",
            help="Risk score ÷ 100 × money at stake (12-month spend + open exposure, the unshipped part of "
                 "recent orders counted once): the money at stake weighted by risk; the queue is ranked on it."),
        "due_on": st.column_config.DateColumn("Due"),
        "days_until_due": st.column_config.NumberColumn(
            "Days left", help="Days from the analysis date to the due date; negative = overdue."),
        "urgency": st.column_config.TextColumn(
            "Urgency", help="now: due today or overdue (red flag, critical band, failed audit not followed up); "
                            "soon: a trigger pulled the date in; catch-up: lapsed or missing audit, dated by band; "
                            "routine: 12 months after the last audit."),
        "triggers": st.column_config.TextColumn("Triggers", width="medium"),
        "suggested_action": st.column_config.TextColumn("Suggested action", width="large"),
        "reason": st.column_config.TextColumn("Why", width="large"),
        "spend_12m": ui.money_col("Spend 12 m"), "open_exposure": ui.money_col("Open exposure"),
        "deposits_at_risk": ui.money_col("Deposits at risk"),
        "last_audit_on": st.column_config.DateColumn("Last audit")})
    d1, d2, _ = st.columns([1, 1, 4])
    d1.download_button("Download CSV", lambda: ui.csv_bytes(shown),
                       file_name="reaudit_queue.csv", mime="text/csv", key="reaudit_csv", on_click="ignore", icon=":material/download:")
    d2.download_button("Download Excel", lambda: ui.excel_bytes({"Re-audit queue": shown}),
                       file_name="reaudit_queue.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="reaudit_xlsx",
                       on_click="ignore", icon=":material/table_view:")
