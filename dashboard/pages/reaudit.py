"""Re-audit planner: who to re-verify, grouped by how soon (hold now / due now / next 30 days / later), ranked within
the plan, with the money at stake beside each supplier and what to do in plain words."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import components as ui
from dashboard import display, filters, queries

GROUPS, WINDOWS = display.REAUDIT_GROUPS, {"all": "Whole plan", **{k: h for k, h, _ in display.REAUDIT_GROUPS}}
# the answer at a glance; the reasons in full (with their statistics) are under "How we know"
COLUMNS = ["plan_rank", "supplier_name", "risk_band", "money_at_stake", "due_on", "when", "suggested_action",
           "triggers"]
MAX_ROWS = 60  # rows of a group drawn on the page; every row is in the downloads


st.title("Re-audit planner")
if ui.require_warehouse():
    ui.as_of_caption(counts_to_as_of=True)
    filters.caption()
    queue = queries.reaudit_queue(filters.supplier_ids())
    if queue.empty:
        ui.missing("marts.reaudit_queue", "re-audit queue")
        st.stop()
    queue = display.reaudit_plan(queue)
    counts = queue["group"].value_counts()

    cols = ui.tiles(len(GROUPS) + 1)
    for col, (key, heading, meaning) in zip(cols, GROUPS):
        col.metric(heading, f"{int(counts.get(key, 0)):,}", border=True, help=meaning)
    cols[-1].metric("Money at stake", ui.money_short(queue["money_at_stake"].sum()), border=True,
                    help="12-month spend plus open exposure (goods ordered, not yet shipped) of the suppliers in the "
                         "plan, each order counted once.")
    days = pd.to_numeric(queue["days_until_due"], errors="coerce")
    lapsed = int(queue["is_audit_lapsed"].fillna(False).astype(bool).sum()) if "is_audit_lapsed" in queue else 0
    cycle_months, booked = display.reaudit_backlog_terms()
    held = int(((days < 0) & (queue["group"] == "hold")).sum())
    late = int((days < 0).sum())
    st.caption(f"{display.count_words(len(queue), 'supplier')} in the plan; {late:,} past "
               f"{'its' if late == 1 else 'their'} due date"
               + ((" (in Hold new orders now)" if late == 1 else f" ({held:,} of them in Hold new orders now)")
                  if held else "") + ". "
               f"{lapsed:,} {'has' if lapsed == 1 else 'have'} no audit in the last {cycle_months} months (or none on record): a backlog, each "
               f"booked by risk band ({booked}) so the riskiest are audited first.")

    window = st.segmented_control("Show", list(WINDOWS), format_func=WINDOWS.get, key="reaudit_window",
                                  default="all", help="One group of the plan, or the whole plan.") or "all"
    shown = queue if window == "all" else queue[queue["group"] == window]
    if shown.empty:
        st.success("Nobody in this group.")
        st.stop()

    top = shown.head(20).iloc[::-1]
    def plan_chart() -> go.Figure:
        fig = go.Figure()
        names = top["plan_rank"].astype(str) + ". " + top["supplier_name"]
        # a long name cut with "…" on the axis (the bars keep their room), whole in the hover
        labels = pd.Series(ui.chart_labels(names, display.page_px()), index=top.index)
        for action in ui.action_order(top["suggested_action"]):
            part = top[top["suggested_action"] == action]
            fig.add_trace(go.Bar(
                x=part["money_at_stake"], y=labels[part.index].tolist(),
                orientation="h", name=display.words(action, "suggested_action"),
                marker_color=ui.action_colours(shown["suggested_action"])[action],
                customdata=list(zip(ui.chart_text(part["due_on"].astype(str)), part["risk_score"],
                                    ui.chart_text(names[part.index]))),
                hovertemplate="%{customdata[2]}: %{x:$,.0f} at stake, score %{customdata[1]:.0f}, due "
                              "%{customdata[0]}<extra></extra>"))
        order = labels.tolist()
        fig.update_yaxes(categoryorder="array", categoryarray=order, range=[-0.5, len(order) - 0.5])
        # the legend says what the colour means, also when every bar is one action (plotly leaves it out then)
        fig.update_layout(barmode="stack", legend_traceorder="normal", showlegend=True)
        fig.update_xaxes(tickprefix="$", tickformat="~s")
        # the axis title under the bars, which have at least the width the names leave them (ui.chart_labels)
        axis = ui.fitted_title("Money at stake (12-month spend + open exposure), USD",
                               int(display.page_px() * (1 - ui.CHART_LABEL_SHARE)) - 20)
        return ui.style(fig, f"The first {len(top)} of the plan: money at stake, coloured by what to do",
                        axis, "", height=160 + 24 * len(top))

    ui.cached_chart("reaudit_chart", plan_chart, filters.supplier_ids(), window)

    for key, heading, meaning in GROUPS:
        part = shown[shown["group"] == key]
        if part.empty:
            continue
        st.subheader(f"{heading} ({len(part):,})")
        # a group whose suppliers all get one action (Hold new orders: its heading says so) leaves the What to do
        # column out and says the action once, so that the Why column has the room
        actions = part["suggested_action"].dropna().unique()
        one = len(actions) == 1 and part["suggested_action"].notna().all()
        said = "" if not one or key == "hold" else \
            f" What to do{' for each' if len(part) > 1 else ''}: {display.words(actions[0], 'suggested_action')}."
        st.caption(meaning + said + (f" The first {MAX_ROWS} are shown; the downloads below have all {len(part):,}."
                                     if len(part) > MAX_ROWS else ""))
        display.table(part.head(MAX_ROWS), f"reaudit_table_{key}", None, max_rows=MAX_ROWS,
                      columns=[c for c in COLUMNS if not (one and c == "suggested_action")],
                      download_columns=["suggested_action"], optional=["due_on"],
                      column_config={
            "plan_rank": st.column_config.NumberColumn(
                "#", format="%d", help="Position in the plan: group by group, and within a group by risk score × "
                                      "money at stake."),
            "money_at_stake": st.column_config.NumberColumn(  # short, so that Why has the room
                "At stake", format="$%,.0f", help="Money at stake: 12-month spend plus open exposure, each order "
                                                  "counted once."),
            "when": "When", "suggested_action": "What to do", "triggers": "Why"})

    with st.expander("How we know: the reasons in full, the tests and the ranking"):
        st.markdown("Each reason below names its trigger as in the Why column. A trigger on a rate (failed inspections, lots that passed but came back defective, price jumps, "
                    "slower deliveries) fires only when the count is unlikely under the supplier's peer rate "
                    "(one-sided binomial test) or its own earlier rate (Fisher's exact test) at the 5% level. "
                    "Within a group the plan is ordered by priority = risk score ÷ 100 × money at stake "
                    "(marts.reaudit_queue.priority).")
        if not queries.has_table("marts.reaudit_reasons"):  # built before the reasons had a row each
            ui.missing("marts.reaudit_reasons", "reasons in full")
        else:
            # one row per reason: a supplier's reasons in one cell made every row as tall as the longest
            # (marts.reaudit_reasons), built once per filter and group: 6,000 rows at 2,000 suppliers
            reasons = ui.computed("reaudit_reasons", lambda: display.reaudit_reasons(
                shown[["plan_rank", "supplier_id", "supplier_name", "risk_score", "priority"]],
                queries.reaudit_reasons(filters.supplier_ids())), filters.supplier_ids(), window)
            display.table(reasons, "reaudit_how_we_know", None, max_shown=ui.LONG_TABLE_ROWS,
                          width_px=ui.expander_px(), wrap=["trigger"],
                          optional=["priority"],  # on a narrow screen (1280 px: rows 174 -> 114 px); # is its order
                          columns=["plan_rank", "supplier_name", "risk_score", "priority", "trigger", "reason"],
                          column_config={"plan_rank": st.column_config.NumberColumn("#", format="%d"),
                                         "risk_score": st.column_config.NumberColumn("Score", format="%.1f"),
                                         "priority": st.column_config.NumberColumn(
                                             "Priority", format="$%,.0f",
                                             help="Risk score ÷ 100 × money at stake: the order within a group."),
                                         "trigger": "Reason", "reason": "What we found, with its statistics"})

    def download() -> pd.DataFrame:  # worded when a button is clicked, not on every rerun
        return display.reaudit_download(shown, queries.reaudit_reasons(filters.supplier_ids()))

    downloads = st.container(horizontal=True)  # each button as wide as its label, side by side, on any screen
    downloads.download_button("Download CSV", lambda: ui.csv_bytes(download()),
                       file_name="reaudit_queue.csv", mime="text/csv", key="reaudit_csv", on_click="ignore",
                       icon=":material/download:")
    downloads.download_button("Download Excel", lambda: ui.excel_bytes({"Re-audit queue": download()}),
                       file_name="reaudit_queue.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="reaudit_xlsx",
                       on_click="ignore", icon=":material/table_view:")
