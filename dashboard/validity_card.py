"""The validity report card as a page section: plain words first, the statistics in an expander.

Reads marts.validity_report, marts.validity_band_calibration, marts.validity_stability and marts.validity_signals
(computed by the build, models/validity.py); the sentences come from models.validity.summary, the same ones `supplier-risk validate` prints.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboard import components as ui
from dashboard import db, display, queries
from models import validity

SECTION_KEY = "validity"


@st.cache_data(max_entries=16, show_spinner=False)  # kept while the warehouse is the same (queries._query)
def _sentences(version: str) -> tuple[list[str], list[str], list[str]]:
    """models.validity.headline, .summary and .model_headline of this warehouse's report card, worked out once per
    warehouse version."""
    signals = queries.validity_signals() if queries.has_table("marts.validity_signals") else None
    card = validity.ReportCard(queries.validity_report(), queries.validity_band_calibration(),
                               queries.validity_stability(), signals=signals)
    return validity.headline(card), validity.summary(card), validity.model_headline(card)


def model_lines() -> list[str]:
    """How far to trust the incident model, in the card's words (models.validity.model_headline); none in a warehouse
    built without the card."""
    if not queries.has_table("marts.validity_report") or queries.validity_report().empty:
        return []
    return _sentences(db.db_version())[2]


def _intervals(rows) -> list[str]:
    """Each row's 95% interval as one cell, "0.583 – 0.661" (three decimals, as the values beside it)."""
    return [display.interval(lo, hi, "{:.3f}".format) for lo, hi in zip(rows["ci_low"], rows["ci_high"])]


def show() -> None:
    st.subheader("Can this score be trusted?")
    rows = queries.validity_report()
    if rows.empty:
        ui.missing("marts.validity_report", "validity report card")
        return
    bands, stability = queries.validity_band_calibration(), queries.validity_stability()
    signals = queries.validity_signals() if queries.has_table("marts.validity_signals") else None
    plain, sentences, _ = _sentences(db.db_version())
    st.markdown("\n".join(f"- {ui.md(line)}" for line in plain))
    st.caption("For the whole portfolio, whatever the sidebar filters: computed by the build on this warehouse's "
               "own data, judging each score on orders placed after the data it was computed from "
               "(docs/validity.md).")
    with st.expander("How we know: the statistics"):
        st.markdown("\n".join(f"- {ui.md(line)}" for line in sentences))
        if not bands.empty:
            def bands_chart() -> go.Figure:
                fig = go.Figure()
                band_names = [display.words(b, "risk_band") for b in bands["risk_band"]]
                fig.add_trace(go.Bar(
                    x=band_names, y=bands["observed_rate"], name="Observed incident rate",
                    marker_color="#1f4e79",
                    error_y=dict(type="data", symmetric=False, array=bands["ci_high"] - bands["observed_rate"],
                                 arrayminus=bands["observed_rate"] - bands["ci_low"]),
                    customdata=bands[["n_orders", "n_suppliers"]].to_numpy(),
                    hovertemplate="%{x}: %{y:.1%} of %{customdata[0]} orders (%{customdata[1]} suppliers)"
                                  "<extra></extra>"))
                fig.add_trace(go.Scatter(x=band_names, y=bands["mean_predicted"], mode="markers",
                                         name="Incident model's mean prediction",
                                         marker=dict(color="#d9480f", size=11, symbol="diamond")))
                fig.update_yaxes(tickformat=".0%", rangemode="tozero")
                return ui.style(fig, "Incident rate per risk band at the order date (95% interval)", "Risk band",
                                "Orders with an incident", height=340)

            ui.cached_chart(f"{SECTION_KEY}_bands_chart", bands_chart, width_px=ui.expander_px())
        # inside the expander (ui.expander_px()): the long words wrap so that every column is on screen; the 95%
        # interval in one cell (its ends as numbers in the download)
        ui.table(rows.assign(interval=_intervals(rows)), f"{SECTION_KEY}_figures", "validity_report.csv",
                 width_px=ui.expander_px(), wrap=["metric", "subject", "verdict"],
                 download_columns=["section", "ci_low", "ci_high"],
                 columns=["metric", "subject", "value", "interval", "reference", "n", "verdict"],
                 column_config={
                     "value": st.column_config.NumberColumn("Value", format="%.3f"),
                     "interval": st.column_config.TextColumn("95% interval"),
                     "reference": st.column_config.NumberColumn(
                         "Compared with", format="%.3f",
                         help="The naive baseline's AUC, the share a random ranking would reach, the base rate, "
                              "or the bar for stability."),
                     "n": st.column_config.NumberColumn("n", format="%d")})
        if not stability.empty:
            one, top = stability[stability["pillar"].notna()], validity.load_config().capture_share
            # "entity x0.80" as the pages name the pillar: "Who they are ×0.80"
            one = one.assign(scenario=[f"{display.words(p, 'pillar')} ×{f:.2f}" for p, f in
                                       zip(one["pillar"], one["factor"])])
            ui.table(one, f"{SECTION_KEY}_stability", "validity_stability.csv", width_px=ui.expander_px(),
                     columns=["scenario", "spearman", "top_overlap", "max_rank_shift"],
                     column_config={"scenario": "Weight change",
                                    "spearman": st.column_config.NumberColumn("Spearman", format="%.4f"),
                                    "top_overlap": ui.pct_col(f"Riskiest {top:.0%} kept"),
                                    # "2", or "2.5" between tied suppliers (their ranks are averaged), not "2.0"
                                    "max_rank_shift": st.column_config.NumberColumn(
                                        "Largest move (places)", format="%g",
                                        help="The most places any supplier moved in the ranking; a half place "
                                             "between tied suppliers.")})
        if signals is not None and not signals.empty:
            st.markdown(f"**Each signal's predictive value next to its points** ({int(signals['n_orders'].max()):,} "
                        "test orders of the backtest, points as of the month end before each order; AUC 0.5 = "
                        "chance)")
            ui.table(signals.assign(interval=_intervals(signals)), f"{SECTION_KEY}_signals", "validity_signals.csv",
                     width_px=ui.expander_px(), wrap=["signal", "verdict"],
                     download_columns=["ci_low", "ci_high", "lift_with_points", "n_orders"],
                     columns=["signal", "pillar", "max_points", "auc", "interval", "top_decile_lift",
                              "share_with_points", "verdict"],
                     column_config={
                         "max_points": st.column_config.NumberColumn("Max", format="%g",
                                                                     help="The most points the signal can give."),
                         "auc": st.column_config.NumberColumn("AUC", format="%.3f"),
                         "interval": st.column_config.TextColumn("95% interval", help="Of the AUC."),
                         "top_decile_lift": st.column_config.NumberColumn(
                             "Lift, top 10%", format="%.2f",
                             help="Incident rate among the 10% of orders with the most points for this signal, "
                                  "divided by the overall rate."),
                         "share_with_points": ui.pct_col("With points", help="Share of the test orders whose "
                                                                             "supplier had points for this signal."),
                         "lift_with_points": st.column_config.NumberColumn(
                             "Lift with points", format="%.2f",
                             help="Incident rate among orders whose supplier had points for this signal, divided by "
                                  "the overall rate."),
                         "n_orders": st.column_config.NumberColumn("Orders", format="%d")})
