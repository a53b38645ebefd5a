"""Inspections: sampling-plan calculator with its OC curve, escapes per supplier, switching stages, levels."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from dashboard import components as ui
from dashboard import filters, queries
from models import aql

st.title("Inspections")

st.subheader("Sampling-plan calculator (ISO 2859-1 / ANSI Z1.4 single sampling)")
c1, c2, c3, c4, c5 = st.columns(5)
lot_size = c1.number_input("Lot size (units)", min_value=2, max_value=10_000_000, value=10_000, step=100,
                           key="calc_lot_size", help="Units in the lot presented for inspection.")
level = c2.selectbox("Inspection level", aql.LEVELS, index=aql.LEVELS.index("II"), key="calc_level",
                     help="General levels I, II (default), III; special levels S-1…S-4 for small samples.")
aql_value = c3.selectbox("AQL (%)", aql.PERCENT_AQLS, index=aql.PERCENT_AQLS.index(2.5), key="calc_aql",
                         format_func=lambda a: f"{a:g}",
                         help="Acceptable quality limit: the worst process average still considered acceptable.")
stage = c4.selectbox("Stage", aql.STAGES, key="calc_stage", format_func=str.capitalize,
                     help="Normal, tightened (after 2 rejections in 5 lots) or reduced (after a run of good lots).")
defect_pct = c5.number_input("Defect rate (%)", min_value=0.0, max_value=100.0, value=5.0, step=0.5,
                             key="calc_defect_rate", format="%.2f",
                             help="The true share of defective units in the lot, to read the OC curve at.")

plan = aql.sampling_plan(int(lot_size), float(aql_value), level, stage)
rate = defect_pct / 100
p_accept = aql.acceptance_probability(plan.sample_size, plan.accept, rate)
p_accept_lot = aql.acceptance_probability(plan.sample_size, plan.accept, rate, lot_size=int(lot_size))

m1, m2, m3, m4, m5 = st.columns(5)
m1.metric("Code letter", plan.code_letter, border=True,
          help=f"Table I letter {plan.initial_code_letter} for this lot size and level"
               + ("" if plan.code_letter == plan.initial_code_letter else
                  f"; the table's arrow leads to the plan of letter {plan.code_letter}") + ".")
m2.metric("Sample size (n)", f"{plan.sample_size:,}", border=True,
          help="Units to draw at random and inspect" + (" (100 % inspection: n ≥ lot)." if plan.is_100_percent
                                                        else "."))
m3.metric("Accept (Ac)", f"{plan.accept}", border=True, help="Accept the lot with this many defectives or fewer.")
m4.metric("Reject (Re)", f"{plan.reject}", border=True, help="Reject the lot with this many defectives or more.")
m5.metric(f"P(pass) at {defect_pct:g}% defective", ui.pct(p_accept), border=True,
          help="Probability that a lot from a process at this defect rate passes: binomial P(defectives in n ≤ Ac). "
               f"For this finite lot (hypergeometric) it is {ui.pct(p_accept_lot, 2)}.")
if plan.note:
    st.caption(plan.note)

top = max(rate * 2.5, aql_value / 100 * 4, 0.05)
rates = np.linspace(0, min(top, 1.0), 201)
curve = aql.oc_curve(plan, rates)
fig = go.Figure()
fig.add_trace(go.Scatter(x=curve["defect_rate"] * 100, y=curve["p_accept"] * 100, mode="lines", name="OC curve",
                         line=dict(color="#1f4e79", width=3),
                         hovertemplate="%{x:.2f}% defective → %{y:.1f}% pass<extra></extra>"))
fig.add_trace(go.Scatter(x=[defect_pct], y=[p_accept * 100], mode="markers", name=f"{defect_pct:g}% defective",
                         marker=dict(color="#d9480f", size=12)))
fig.add_vline(x=aql_value, line_dash="dot", line_color="#2f9e44", annotation_text=f"AQL {aql_value:g}%")
ui.style(fig, f"Operating characteristic: n = {plan.sample_size}, Ac = {plan.accept} ({stage})",
         "Defect rate in the lot (%)", "Probability the lot passes (%)", height=380)
fig.update_yaxes(range=[0, 102])
ui.chart(fig, "calc_oc_chart")

st.divider()
if ui.require_warehouse():
    filters.caption()
    ids = filters.supplier_ids()

    st.subheader("Escapes per supplier")
    blind = queries.inspection_blind_spot(ids)
    if blind.empty:
        ui.missing("marts.inspection_blind_spot", "escape rates")
    else:
        ui.table(blind, "inspections_blind_spot", "inspection_blind_spot.csv",
                 column_config={"escape_rate": ui.pct_col("Escape rate"),
                                "escaped_money": ui.money_col("Escaped money"),
                                "escaped_cost": ui.money_col("Escaped cost")})

    st.subheader("Switching stages and recommended level")
    switching = queries.inspection_switching(ids)
    if switching.empty:
        ui.missing("marts.inspection_switching", "switching stages")
    else:
        ui.table(switching, "inspections_switching", "inspection_switching.csv")
