"""Portfolio: which suppliers put the business at risk, and why, at a glance."""

import duckdb
import numpy as np
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from dashboard import components as ui
from dashboard import digest, display, filters, queries, validity_card
from models import scoring

# band chart, movers: the table needs the room (score, change, what moved it, band); side by side from 240 and 500 px
# (a 1280 px window), one under the other narrower (at 1024 px the names went on four lines and the table scrolled)
MOVERS_ROW = ([1, 2], [240, 500])

DIGEST_BUTTON_PX = 184  # "Weekly digest (HTML)" with its icon
LABELLED = 8  # bubbles named on the chart
BUBBLE_PX = 40  # plotly express's size_max: the largest bubble is drawn this times sqrt(2) across
# the matrix's plot area at a 1440 px window (the chart's width less its axis titles, ticks and legend; its 520 px
# height less title and x axis), as Chromium draws it (803 x 395 measured), for placing the bubbles' names apart; a
# narrower main column (display.page_px) takes its difference off the width (646 px at a 1280 px window, measured)
PLOT_PX = (800, 395)

st.title("Supplier portfolio")
if ui.require_warehouse():
    ui.as_of_caption(counts_to_as_of=True)
    filters.caption()
    ids = filters.supplier_ids()
    kpis = queries.supplier_kpis(ids)
    risk = queries.supplier_risk(ids)
    chosen = filters.period("portfolio_period")
    leakage = queries.leakage_total(ids, chosen)

    if kpis.empty:
        st.info("No suppliers match this selection." if ids is not None else "The warehouse has no suppliers yet.")
        st.stop()

    c1, c2, c3, c4 = ui.tiles(4)
    c1.metric("Spend", ui.metric_money(kpis["spend"].sum()), border=True,
              help="Sum of quantity × unit price over every purchase order of the selected suppliers "
                   "(marts.supplier_kpis.spend).")
    c2.metric("Suppliers", f"{len(kpis):,}", border=True,
              help="Suppliers in the selection, with or without orders.")
    deposits_unknown = ui.deposits_unknown()
    c3.metric("Open deposits at risk", "–" if deposits_unknown else ui.metric_money(kpis["deposit_at_risk"].sum()),
              border=True, help="Money paid on purchase orders that have not shipped a single unit yet "
                                "(marts.po_status.deposit_at_risk, summed)." + deposits_unknown)
    if leakage.empty or leakage["leakage"].isna().all():
        c4.metric("Margin leakage", "–", border=True,
                  help="Landed cost and quality costs above the quote, summed (marts.margin_leakage); "
                       "not built in this warehouse.")
    else:
        c4.metric("Margin leakage", ui.metric_money(leakage["leakage"].sum()), border=True,
                  help=f"In {filters.describe_period(chosen)} (the From and To months; spend and counts are all-time): "
                       "planned minus realised contribution, supplier-attributable only: landed-cost overrun, "
                       "refunds and return fees for supplier-caused returns, write-offs, rework, relabel, "
                       "chargebacks, expedite freight, sorting and re-inspection "
                       "(marts.margin_leakage_wide.supplier_leakage, summed)."
                       + ("" if queries.imported("sales") else display.LEAKAGE_WITHOUT_SALES))

    # what changed in the last week over the whole portfolio (the weekly digest, also `supplier-risk digest`)
    try:
        week = ui.computed("portfolio_digest", lambda: digest.build(queries.query,
                                                                     digest.parse_since(digest.DEFAULT_SINCE)))
    except LookupError:  # a warehouse without build information has no as-of date to count back from
        week = None
    except duckdb.Error:  # built by other code, without a column the digest reads: the note above says to rebuild
        week = None
    if week is not None:
        # the button keeps its label whole (174 px drawn) on a narrow screen, where a fifth of the row is 160 px
        button_px = max(display.column_px([4, 1], 1), DIGEST_BUTTON_PX)
        said, button = st.columns([display.page_px() - display.COLUMN_GAP_PX - button_px, button_px],
                                  vertical_alignment="center")
        said.markdown(f"**Last {week.days:,} days** ({week.start:%Y-%m-%d} to {week.as_of:%Y-%m-%d}, every "
                      f"supplier): {week.headline}.")
        button.download_button("Weekly digest (HTML)", lambda: digest.render_html(week), file_name=week.file_name,
                               mime="text/html", key="portfolio_digest", icon=":material/mail:",
                               help="New red flags, biggest movers, balances waiting for a release decision, "
                                    "re-audits due and stale data, as a page to read or forward.")

    if risk.empty:
        ui.missing("marts.supplier_risk_score", "risk scores")
    else:
        # every band of the score, worst first, an empty one at 0: the same four tiles on every portfolio (a small
        # one showed a lone "High band 2" across the page)
        bands = risk["risk_band"].value_counts()
        ordered = sorted(set(filters.BAND_ORDER) | set(bands.index), key=filters.band_sort_key)
        bands = bands.reindex(ordered, fill_value=0)
        cols = ui.tiles(len(ordered))
        for col, band in zip(cols, ordered):
            col.metric(f"{display.words(band, 'risk_band')} band", f"{bands[band]:,}",
                       help=f"Suppliers whose current risk score falls in the '{band}' band (marts.supplier_risk_score).")
        same = display.same_entity_pairs(queries.supplier_same_entity(ids), ui.md)
        if same:
            st.caption(same)
        ui.coverage_notice()

    st.subheader("Risk by spend")
    matrix = queries.portfolio_matrix(ids)
    if matrix.empty:
        ui.missing("marts.supplier_risk_score", "risk-by-spend matrix")
    else:
        # open exposure needs the shipments: without them every bubble is one small size, the title says why and the
        # hover leaves out the unknown amounts; so is every bubble when nothing is open (every order shipped: the
        # delivery history of SCMS), rather than all of them the largest size, on top of each other
        sized = queries.imported("shipments")
        any_open = sized and bool((matrix["open_exposure"].fillna(0) > 0).any())
        bubble_px = BUBBLE_PX if any_open else BUBBLE_PX // 3

        page_px = display.page_px()

        def matrix_chart() -> go.Figure:
            plot = matrix.assign(bubble=matrix["open_exposure"].fillna(0) + 1 if any_open else 1.0,
                                 spend_plot=matrix["spend"].clip(lower=1),
                                 supplier_name=ui.chart_text(display.supplier_labels(matrix)),
                                 band=matrix["risk_band"].map(lambda b: display.words(b, "risk_band")),
                                 band_why=[display.band_with_reason(b, sc, n) for b, sc, n in zip(
                                     matrix["risk_band"], matrix["risk_score"], matrix["red_flag_count"])],
                                 type=matrix["supplier_type"].map(lambda t: display.words(t, "supplier_type")))
            # a name beside the bubbles that matter most (riskiest, or largest exposure); every bubble names itself
            # on hover
            named = set(plot.nlargest(LABELLED, "risk_score").index) | set(plot.nlargest(LABELLED // 2, "spend").index)
            bands = sorted(matrix["risk_band"].dropna().unique(), key=filters.band_sort_key)
            fig = px.scatter(plot, x="spend_plot", y="risk_score", color="band", size="bubble", size_max=bubble_px,
                             log_x=True, custom_data=["supplier_id"],
                             color_discrete_map={display.words(b, "risk_band"): ui.BAND_COLOURS.get(b, "#888")
                                                 for b in bands},
                             hover_name="supplier_name",
                             hover_data={"spend": ":$,.0f", "open_exposure": ":$,.0f" if sized else False,
                                         "deposit_at_risk": ":$,.0f" if sized else False,
                                         "risk_score": ":.0f", "band_why": True, "type": True, "bubble": False,
                                         "spend_plot": False, "band": False},
                             labels={"spend": "Spend", "open_exposure": "Open exposure", "risk_score": "Risk score",
                                     "deposit_at_risk": "Deposit at risk", "type": "Type", "band_why": "Band"},
                             category_orders={"band": [display.words(b, "risk_band") for b in bands]})
            # the names as annotations placed where they overlap no other name (plotly's text labels of
            # neighbouring bubbles ran into each other): riskiest first, on axes fixed so that pixels can be worked out
            x = np.log10(plot["spend_plot"].to_numpy(dtype=float))
            y = plot["risk_score"].to_numpy(dtype=float)
            x_range = [x.min() - 0.06 * max(np.ptp(x), 1.0), x.max() + 0.06 * max(np.ptp(x), 1.0)]
            # a band above the riskiest bubble for their names (they were put over the bubbles beneath)
            y_range = [max(0.0, y.min() - 6), y.max() + 16]
            sizeref = plot["bubble"].max() / bubble_px ** 2  # plotly express's own, for size_max
            # the radius plotly.js draws a bubble of area mode at: sqrt(size / 2 / sizeref) (the largest 56.6 px
            # across at size_max 40, measured in Chromium); half that put names on the larger bubbles' rims
            radius = np.sqrt(plot["bubble"].to_numpy(dtype=float) / 2 / sizeref)
            order = plot["risk_score"].rank(method="first", ascending=False).to_numpy().argsort()
            title = ("Risk score against spend (bubble size: open exposure, ordered goods not yet shipped)"
                     if any_open else "Risk score against spend (no open exposure: every order has shipped)" if sized
                     else "Risk score against spend (open exposure unknown: no shipments file was imported)")
            # a title on two lines takes a line's height off the plot (ui.titled_for)
            area = (PLOT_PX[0] + page_px - display.PAGE_PX, PLOT_PX[1] - ui.title_extra_px(title, page_px))
            points = [((x[i] - x_range[0]) / (x_range[1] - x_range[0]) * area[0],
                       (y[i] - y_range[0]) / (y_range[1] - y_range[0]) * area[1], radius[i]) for i in order]
            names = [plot["supplier_name"].iloc[i] if plot.index[i] in named else "" for i in order]
            for i, name, spot in zip(order, names, ui.place_labels(points, names, *area)):
                if spot is not None:  # a grey line from the name to the bubble's rim says whose name it is
                    fig.add_annotation(x=x[i], y=y[i], text=name, showarrow=True, ax=spot[0], ay=-spot[1],
                                       arrowhead=0, arrowwidth=1, arrowcolor="#868e96", standoff=radius[i],
                                       bgcolor="rgba(255,255,255,0.75)",  # readable where it crosses a bubble
                                       font=dict(size=ui.LABEL_FONT_PX, color="#333"))
            fig.update_xaxes(range=x_range)
            fig.update_yaxes(range=y_range)
            fig.update_layout(legend_orientation="v")  # beside the plot at any width: PLOT_PX is measured with it
            ui.style(fig, title, "Spend, USD (log scale)", "Risk score (0–100, higher is riskier)", height=520)
            # explicit 1-2-5 ticks: plotly labels every minor tick of a log axis and the labels run together
            tickvals, ticktext = ui.log_money_ticks(plot["spend_plot"].min(), plot["spend_plot"].max())
            fig.update_xaxes(tickvals=tickvals, ticktext=ticktext)
            return fig

        fig = ui.figure("portfolio_matrix_chart", matrix_chart, ids, width_px=page_px)
        clicked = st.plotly_chart(fig, key="portfolio_matrix_chart", config={"displaylogo": False},
                                  on_select="rerun", selection_mode="points")
        points = (clicked or {}).get("selection", {}).get("points", []) if clicked else []
        if points and points[0].get("customdata"):
            st.session_state["supplier"] = st.session_state["_supplier"] = points[0]["customdata"][0]
            st.switch_page("dashboard/pages/supplier.py", query_params={"supplier": points[0]["customdata"][0]})
        raised = sum(b is not None for b in display.score_bands_below(
            matrix["risk_band"], matrix["risk_score"], matrix["red_flag_count"]))
        st.caption("Top right is where to look first: high spend and high risk. Click a bubble to open its supplier."
                   + (f" The colour is the band: {display.band_rule()}, so "
                      f"{display.count_words(raised, 'supplier')} {'is' if raised == 1 else 'are'} coloured above "
                      f"the band {'its' if raised == 1 else 'their'} score alone gives (the hover says so)."
                      if raised else ""))

    left, right = ui.beside(*MOVERS_ROW)
    with left:
        st.subheader("Bands by supplier type")
        by_type = queries.band_by_type(ids)
        if by_type.empty:
            ui.missing("marts.supplier_risk_score", "band distribution")
        else:
            def band_type_chart() -> go.Figure:
                order = sorted(by_type["risk_band"].unique(), key=filters.band_sort_key)
                bars = by_type.assign(type_label=by_type["supplier_type"].map(ui.label),
                                      band=by_type["risk_band"].map(lambda b: display.words(b, "risk_band")))
                fig = px.bar(bars, x="type_label", y="suppliers", color="band", barmode="stack",
                             color_discrete_map={display.words(b, "risk_band"): ui.BAND_COLOURS.get(b, "#888")
                                                 for b in order}, text="suppliers",
                             category_orders={"band": [display.words(b, "risk_band") for b in order]},
                             labels={"band": "Band", "suppliers": "Suppliers", "type_label": "Type"})
                fig.update_traces(textposition="inside", insidetextanchor="middle", textangle=0)
                fig.update_layout(uniformtext_minsize=10, uniformtext_mode="hide")  # no unreadable labels on thin bands
                ui.count_axis(fig, by_type.groupby("supplier_type")["suppliers"].sum().max())
                return ui.style(fig, "Suppliers per risk band and type", "Supplier type", "Suppliers")

            ui.cached_chart("portfolio_band_type_chart", band_type_chart, ids,
                            width_px=display.beside_px(*MOVERS_ROW, 0))
    with right:
        st.subheader("Biggest movers since last month")
        movers = queries.biggest_movers(ids)
        if movers.empty:
            ui.missing("marts.supplier_risk_history", "score movements")
        else:
            movers = movers.assign(band_now=[display.band_with_reason(b, sc, n) for b, sc, n in zip(
                movers["risk_band"], movers["risk_score"], movers["red_flag_count"])],
                moved_most=display.pillar_moves(movers))
            ui.table(movers, "portfolio_movers", "biggest_movers.csv", width_px=display.beside_px(*MOVERS_ROW, 1),
                     wrap=["moved_most"],
                     columns=["supplier_name", "risk_score", "score_change", "moved_most", "band_now"],
                     download_columns=["previous_score"],
                     column_config={
                         "supplier_name": "Supplier",
                         "risk_score": st.column_config.NumberColumn("Now", format="%.1f"),
                         "score_change": st.column_config.NumberColumn(
                             "Change", format="%+.1f",
                             help="Risk score now minus last month's snapshot (its score then is in the download)."),
                         "moved_most": st.column_config.TextColumn(
                             "Moved most", help="The pillar whose points moved most (and the next when it moved at "
                                                "least half as much); the Supplier page lists each signal that "
                                                "moved."),
                         "band_now": st.column_config.TextColumn(
                             "Band now", help=f"Band today; in brackets when red flags, not the score, put it there: "
                                              f"{display.band_rule()}.")})

    st.subheader("Red flags")
    if risk.empty or "red_flags" not in risk:
        ui.missing("marts.supplier_risk_score", "red flags")
    else:
        # grouped once per warehouse and filter, not on every run (40 ms at 2,000 suppliers)
        flagged = ui.computed("red_flag_suppliers", lambda: queries.red_flag_suppliers(ids), ids)
        # the flags this data cannot raise: no red flag there is "not checked", not a clean bill of health
        blind = scoring.red_flags_unknown(queries.score_unknown_signals())
        unchecked = display.red_flags_unchecked(blind) + ". The note on what the score can see, above, says which " \
            "files or columns would allow them."
        if flagged.empty and blind:
            st.info(f"No supplier in this selection has a red flag on what this data shows, but {unchecked}",
                    icon=":material/visibility_off:")
        elif flagged.empty:
            st.success("No supplier in this selection has a red flag.")
        else:
            # one row per supplier, its flags in words: what is wrong at a glance; the evidence behind each flag is
            # on the supplier's page (the name opens it) and in the download
            ui.table(flagged, "portfolio_red_flags", "red_flags.csv", max_shown=ui.LONG_TABLE_ROWS,
                     columns=["supplier_name", "supplier_type", "risk_score", "risk_band", "red_flags", "spend"],
                     download_columns=["supplier_id", "reasons"],
                     optional=["supplier_type"],  # on a narrow screen (1280 px: rows 94 -> 74 px); in the download
                     column_config={"supplier_name": "Supplier", "supplier_type": "Type",
                                    "risk_score": st.column_config.NumberColumn("Score", format="%.0f"),
                                    "risk_band": "Band", "red_flags": "Red flags", "spend": ui.money_col("Spend")})
            st.caption(f"{display.count_words(len(flagged), 'supplier')} with "
                       f"{display.count_words(int(flagged['red_flag_count'].sum()), 'red flag')}. Open a supplier for "
                       "the evidence behind each; the download has it too.")
            if blind:
                st.caption(f"Not checked: {unchecked[:1].upper()}{unchecked[1:]}")

    with st.expander("All suppliers (KPIs)"):
        # the mart counts a supplier without a cost as $0; without a quality costs file no cost is known: unknown
        costs_known = queries.imported("quality_costs")
        shown = kpis if costs_known else kpis.assign(quality_cost_total=float("nan"))
        # what fits the expander at 1440 px; the download has every KPI. On a narrow screen the type and the PO count
        # go to the download: at 1280 px the table ran past the screen's edge (the last column cut, 94 px rows of
        # wrapped names) and is one-line rows, every figure on screen
        ui.table(shown, "portfolio_kpis", "supplier_kpis.csv", width_px=ui.expander_px(),
                 optional=["supplier_type", "po_count"],
                 columns=["supplier_name", "supplier_type", "spend", "po_count", "on_time_rate", "first_pass_rate",
                          "defect_return_rate", "quality_cost_total"],
                 download_columns=["supplier_id", "country", "otif_rate", "major_defect_rate", "deposit_at_risk"],
                 column_config={"spend": ui.money_col("Spend"), "deposit_at_risk": ui.money_col("Deposit at risk"),
                                "quality_cost_total": ui.money_col(
                                    "Quality costs", help="Costs of poor quality charged to the supplier (rework, "
                                                          "relabel, chargebacks, expedite freight, …), all time."
                                                          + ("" if costs_known else " Unknown: no quality costs "
                                                                                     "file was imported.")),
                                "on_time_rate": ui.pct_col("On time"), "otif_rate": ui.pct_col("OTIF"),
                                "first_pass_rate": ui.pct_col("First-pass PSI"),
                                "major_defect_rate": ui.pct_col("Major defects"),
                                "defect_return_rate": ui.pct_col("Defect returns")})

    validity_card.show()
