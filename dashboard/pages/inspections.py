"""Inspections: escapes per supplier, recommended levels, switching stages, corrective actions, then a
sampling-plan calculator with its OC curve."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import components as ui
from dashboard import display, filters, queries
from models import aql, blind_spot

st.title("Inspections")


def calculator() -> None:
    """The sampling-plan calculator (no warehouse needed): a plan and its OC curve for any lot, level, AQL and stage."""
    st.subheader("Sampling-plan calculator (ISO 2859-1 / ANSI Z1.4 single sampling)")
    # it opens on the plan a PSI that gives none is judged at (data/reference/inspection_settings.csv)
    _defaults = blind_spot.bundled_settings()
    c1, c2, c3, c4, c5 = st.columns(5)
    lot_size = c1.number_input("Lot size (units)", min_value=2, max_value=10_000_000, value=10_000, step=100,
                               key="calc_lot_size", help="Units in the lot presented for inspection.")
    level = c2.selectbox("Inspection level", aql.LEVELS, index=aql.LEVELS.index(_defaults.default_inspection_level),
                         key="calc_level",
                         help="General levels I, II (default), III; special levels S-1…S-4 for small samples.")
    aql_value = c3.selectbox("AQL (%)", aql.PERCENT_AQLS, index=aql.PERCENT_AQLS.index(_defaults.default_aql_major),
                             key="calc_aql",
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

    m1, m2, m3, m4, m5 = ui.tiles(5)
    m1.metric("Code letter", plan.code_letter, border=True,
              help=f"Table I letter {plan.initial_code_letter} for this lot size and level"
                   + ("" if plan.code_letter == plan.initial_code_letter else
                      f"; the table's arrow leads to the plan of letter {plan.code_letter}") + ".")
    m2.metric("Sample size (n)", f"{plan.sample_size:,}", border=True,
              help="Units to draw at random and inspect" + (" (100 % inspection: n ≥ lot)." if plan.is_100_percent
                                                            else "."))
    m3.metric("Accept (Ac)", f"{plan.accept}", border=True, help="Accept the lot with this many defectives or fewer.")
    m4.metric("Reject (Re)", f"{plan.reject}", border=True, help="Reject the lot with this many defectives or more.")
    m5.metric(f"P(pass) at {defect_pct:g}%", ui.pct(p_accept), border=True,
              help="Probability that a lot from a process at this defect rate passes: binomial P(defectives in "
                   f"n ≤ Ac). For this finite lot (hypergeometric) it is {ui.pct(p_accept_lot, 2)}.")
    if plan.note:
        st.caption(plan.note)


    def oc_chart() -> go.Figure:
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
        return fig


    ui.cached_chart("calc_oc_chart", oc_chart, repr(plan), rate, aql_value, defect_pct, p_accept, stage)


if ui.require_warehouse():
    ui.as_of_caption()
    filters.caption()
    ids = filters.supplier_ids()

    st.subheader("Escapes: lots that passed inspection but failed in the field")
    blind = queries.inspection_blind_spot(ids)
    if blind.empty:
        ui.missing("marts.inspection_blind_spot", "escape rates", needs=("inspections",))
    else:
        traced = queries.returns_name_lots()
        if not traced:
            # escapes and their money are not known, not none: shown as –, not 0 and $0
            blind = blind.assign(escapes=np.nan, escaped_value=np.nan)
            st.info("Escapes are not known: no return in the data names the purchase order (lot) it came from, so "
                    "no lot that passed inspection can be judged by its field returns (Amazon's returns reports do "
                    "not name it). The defect-rate estimates below rest on the inspection samples alone. To see "
                    "escapes, import returns with their purchase order (`po_id`), e.g. through a column mapping of "
                    "your returns log.", icon=":material/help:")
        else:
            floor = display.escapes_floor(queries.defect_returns_without_lot(ids))
            if floor:   # a channel is a data value: the sentence is shown as text
                st.caption(ui.md(floor))
        mature = blind["mature_passed_lots"].sum()
        labels = ["Escape rate", "Escaped money", "Suppliers above their AQL", "Lots inspected"]
        e1, e2, e3, e4 = ui.tiles(4, labels)
        e1.metric(labels[0], ui.pct(blind["escapes"].sum() / mature if mature else None), border=True,
                  help="Escapes ÷ mature passed lots, over the selected suppliers. An escape is a lot that passed "
                       "pre-shipment inspection whose field defect rate (defect-coded returns per unit delivered, "
                       "once enough time has passed) exceeded the lot's major AQL.")
        e2.metric(labels[1], ui.metric_money(blind["escaped_value"].sum()) if traced else "–", border=True,
                  help="Refunds, write-offs and quality costs of escaped lots (marts.inspection_blind_spot).")
        e3.metric(labels[2], f"{int(blind['is_above_aql'].fillna(False).sum()):,}", border=True,
                  help="Suppliers whose estimated true defect rate (inspection samples and field returns combined, "
                       "a Bayesian estimate) is above the major AQL they are inspected at.")
        e4.metric(labels[3], f"{int(blind['lots_inspected'].sum()):,}", border=True,
                  help="Pre-shipment inspections with a pass or fail decision.")
        top = blind[blind["escaped_value"] > 0].head(15).iloc[::-1]
        if not top.empty:
            def escapes_chart() -> go.Figure:
                names = display.supplier_labels(top)
                fig = go.Figure(go.Bar(  # a long name cut with "…" on the axis, whole in the hover
                    x=top["escaped_value"], y=ui.chart_labels(names, display.page_px()), orientation="h",
                    marker_color="#d9480f",
                    customdata=list(zip(top["escapes"], top["mature_passed_lots"], top["escape_rate"],
                                        ui.chart_text(names))),
                    hovertemplate="%{customdata[3]}: %{x:$,.0f} escaped<br>%{customdata[0]} of %{customdata[1]} "
                                  "passed lots escaped (%{customdata[2]:.1%})<extra></extra>"))
                fig.update_xaxes(tickformat="$~s")  # $2k, like every money axis
                return ui.style(fig, "Escaped money by supplier (top 15)", "Escaped money, USD", "",
                                height=140 + 26 * len(top))

            ui.cached_chart("inspections_escapes_chart", escapes_chart, ids)
        # the escapes and what they cost, whole at 1440 px: the escape rate's interval as one "low – high" cell; the
        # type, lots passed, the bounds as numbers and the defect rate's interval are in the download
        # worded once per warehouse and filters (keyed on them, not on the frame's values)
        intervals = ui.computed("inspections_escape_intervals", lambda: blind.assign(escape_interval=[
            display.interval(lo, hi) for lo, hi in zip(blind["escape_rate_lower"], blind["escape_rate_upper"])]), ids)
        # on a narrow screen the two lot counts go to the download (the interval says how sure the rate is): at
        # 1280 px the table ran past the screen's edge in 94 px rows of wrapped names, and is one-line rows
        ui.table(intervals, "inspections_blind_spot", "inspection_blind_spot.csv", max_shown=ui.LONG_TABLE_ROWS,
                 optional=["lots_inspected", "mature_passed_lots"],
                 columns=["supplier_name", "lots_inspected", "mature_passed_lots", "escapes", "escape_rate",
                          "escape_interval", "escaped_value", "defect_rate_estimate"],
                 download_columns=["supplier_type", "lots_passed", "escape_rate_lower", "escape_rate_upper",
                                   "defect_rate_lower", "defect_rate_upper", "is_above_aql"],
                 column_config={"supplier_name": "Supplier", "lots_inspected": "Inspected",
                                "mature_passed_lots": st.column_config.NumberColumn(
                                    "Mature passed", format="%d",
                                    help="Lots that passed inspection and have been on sale long enough to judge by "
                                         "their returns."),
                                "escape_rate": ui.pct_col("Escape rate", "Escapes / mature passed lots."),
                                "escape_interval": st.column_config.TextColumn(
                                    "Interval", help="Where the escape rate lies (Jeffreys interval)."),
                                "escaped_value": ui.money_col("Escaped money"),
                                "defect_rate_estimate": ui.pct_col(
                                    "Defect rate", "Estimated true defect rate: inspection samples and field returns "
                                                   "combined; its interval is in the download.")})

        st.subheader("Recommended inspection level per supplier")
        st.caption("What to ask for on each supplier's next lot, and why: how often a lot at its estimated defect "
                   "rate would pass today's plan, and the cheapest plan that would stop most such lots (keep the plan "
                   "when the rate is within the AQL). A supplier whose inspection is discontinued under the "
                   "switching rules gets no sampling plan: stop accepting its lots. The plans' details are in the "
                   "download.")
        stages = queries.inspection_switching(ids)
        stopped = set(stages.loc[stages["current_stage"] == "discontinued", "supplier_id"]) \
            if not stages.empty else set()

        def recommend() -> pd.DataFrame:  # an instruction per supplier: worded once per warehouse and filters
            stop = blind["supplier_id"].isin(stopped)
            plan = ["recommended_level", "recommended_aql_major", "recommended_sample_size", "recommended_accept",
                    "p_accept_recommended"]
            out = blind.assign(note=blind["note"].where(
                ~stop, f"Discontinued (ISO 2859-1 switching): {ui.switching_stage('discontinued')}."))
            out["what_to_do"] = [display.inspection_action(r, discontinued=s) for (_, r), s
                                 in zip(out.iterrows(), stop)]
            out[plan] = out[plan].astype(object).mask(stop, None)  # no plan to offer
            return out

        # blind and stopped are the warehouse's for these filters: keyed on the filters, not on every value
        recommended = ui.computed("inspections_recommended", recommend, ids)
        ui.table(recommended, "inspections_recommended", "recommended_inspection_levels.csv",
                 max_shown=ui.LONG_TABLE_ROWS,
                 columns=["supplier_name", "what_to_do", "p_accept_current_plan", "p_accept_recommended"],
                 # on a narrow screen What to do keeps the room (it says both pass rates in its own words): the new
                 # plan's rate goes to the download first (1280 px: rows 114 -> 74 px), then today's if still crowded
                 optional=["p_accept_recommended", "p_accept_current_plan"],
                 download_columns=["current_level", "current_aql_major", "recommended_level", "recommended_aql_major",
                                   "recommended_sample_size", "recommended_accept", "defect_rate_estimate", "note"],
                 column_config={"supplier_name": "Supplier", "what_to_do": "What to do on the next lot",
                                "current_level": "Level now", "current_aql_major": "AQL now",
                                # short headers over the percentages, so that What to do has the room
                                "p_accept_current_plan": ui.pct_col("Pass rate now",
                                                                    "How often a lot at the supplier's estimated "
                                                                    "defect rate passes today's plan."),
                                "p_accept_recommended": ui.pct_col("With the new plan",
                                                                   "How often it would pass the plan asked for in "
                                                                   "What to do."),
                                "note": "Why"})

    st.subheader("Switching stages (ISO 2859-1 normal / tightened / reduced)")
    switching = queries.inspection_switching(ids)
    if switching.empty:
        ui.missing("marts.inspection_switching", "switching stages", needs=("inspections",))
    else:
        major = switching[switching["defect_class"] == "major"]
        counts = major["current_stage"].value_counts()
        cols = ui.tiles(4)
        for col, stage_name in zip(cols, ("normal", "tightened", "reduced", "discontinued")):
            col.metric(f"{stage_name.capitalize()} (major)", f"{int(counts.get(stage_name, 0)):,}", border=True,
                       help=f"{ui.switching_stage(stage_name).capitalize()}.")
        stopped = int(counts.get("discontinued", 0))
        if stopped:
            one = stopped == 1
            st.error(f"**Stop accepting lots of {ui.count_words(stopped, 'supplier')} on sampling.** "
                     f"{'Its' if one else 'Their'} major-defect inspections are discontinued under the ISO 2859-1 "
                     "switching rules: 5 lots were rejected while already on tightened inspection, and no corrective "
                     "action has been closed since. Sampling resumes, on tightened inspection, once the supplier "
                     "closes one (its closing date in the corrective actions); until then inspect every lot in full or "
                     f"hold orders. {'It is' if one else 'They are'} listed below with Stage now = Discontinued.",
                     icon=":material/block:")
        # the stage, since when and why, and the next lot's plan at 1440 px; the replay's counts and the plan's parts
        # one by one go to the download
        def with_next_plan() -> pd.DataFrame:  # once per warehouse and filters
            plan = switching[["next_sample_size", "next_accept", "next_reject"]]
            known = plan.notna().all(axis=1).tolist()
            counted = switching if "times_discontinued" in switching else switching.assign(times_discontinued=None)
            return counted.assign(next_plan=[
                f"n {int(n):,} · Ac {int(a):,} · Re {int(r):,}" if ok else display.BLANK
                for ok, n, a, r in zip(known, *(plan[c].tolist() for c in plan.columns))])

        ui.table(ui.computed("inspections_next_plan", with_next_plan, ids), "inspections_switching",
                 "inspection_switching.csv", max_shown=ui.LONG_TABLE_ROWS,
                 columns=["supplier_name", "defect_class", "current_stage", "last_transition_on",
                          "last_transition_reason", "times_discontinued", "next_plan"],
                 optional=["last_transition_on"],  # on a narrow screen (1280 px: rows 114 -> 74 px); in the download
                 download_columns=["inspection_level", "aql", "lots_replayed", "switching_score",
                                   "tightened_rejections", "next_sample_size", "next_accept", "next_reject"],
                 column_config={"supplier_name": "Supplier", "defect_class": "Defects", "aql": "AQL",
                                "lots_replayed": "Lots", "current_stage": "Stage now",
                                "switching_score": st.column_config.NumberColumn(
                                    "Switching score", help="Reaching 30 on normal inspection allows reduced."),
                                "last_transition_on": st.column_config.DateColumn("Last switch"),
                                "last_transition_reason": "Why",
                                # a one-digit count under a short header, so that Why has the room
                                "times_discontinued": st.column_config.NumberColumn(
                                    "Stops", help="Times sampling was stopped (discontinued): 5 lots rejected on "
                                                  "tightened inspection. A closed corrective action resumed each "
                                                  "on tightened, unless Stage now is Discontinued."),
                                "next_plan": st.column_config.TextColumn(
                                    "Next lot", help="Sample size n, accept with Ac defects or fewer, reject with Re "
                                                     "or more, at the stage now; level, AQL, switching score and "
                                                     "lots replayed are in the download."),
                                "next_sample_size": "Next n", "next_accept": "Next Ac", "next_reject": "Next Re"})

    st.subheader("Corrective actions after failed inspections")
    capas = queries.corrective_actions(ids)
    if capas.empty:
        ui.missing("marts.corrective_actions", "corrective actions", needs=("corrective_actions",))
    else:
        k1, k2, k3 = ui.tiles(3)
        k1.metric("Open", f"{int(capas['is_open'].fillna(False).astype(bool).sum()):,}", border=True,
                  help="Corrective actions not closed at the analysis date.")
        k2.metric("Overdue", f"{int(capas['is_overdue'].fillna(False).astype(bool).sum()):,}", border=True,
                  help="Open past their due date.")
        k3.metric("Closed, next lot failed", f"{int(capas['is_closed_but_next_lot_failed'].fillna(False).astype(bool).sum()):,}",
                  border=True, help="Closed, but the supplier's next inspected lot failed again: the fix did not hold.")
        ui.table(capas, "inspections_capas", "corrective_actions.csv", columns=ui.CAPA_COLUMNS,
                 max_shown=ui.LONG_TABLE_ROWS,
                 column_config=ui.capa_config(), download_columns=ui.CAPA_DOWNLOAD, wrap=ui.CAPA_WRAP)

# the answers first (what escaped, what to ask for next, where each supplier stands); the calculator to try a plan
st.divider()
calculator()
