"""Trader vs factory: the two supplier types side by side, with intervals and the suppliers behind each figure."""

from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from dashboard import components as ui
from dashboard import display, filters, queries

# metric → (title, theme, how to show a value, better when, how to show a difference (or, with end=True, an end of
# its interval, which reads 0.00 without a sign when it rounds to zero: display.signed))
METRICS = {
    "defect_return_rate": ("Defect returns per unit sold", "Quality", lambda v: ui.pct(v, 2), "lower",
                           lambda v, end=False: display.pp(v, 2, end)),
    "on_time_rate": ("On-time shipment rate", "Delivery", lambda v: ui.pct(v), "higher",
                     lambda v, end=False: display.pp(v, 1, end)),
    "landed_cost_index": ("Landed cost vs category median", "Landed cost", lambda v: f"{ui.number(v, 2)}×",
                          "lower", lambda v, end=False: display.signed(v, 2, "×", end)),
    "quote_to_landed_variance_pct": ("Landed cost above quote", "Landed cost", lambda v: ui.pct(v / 100), "lower",
                                     lambda v, end=False: display.signed(v, 1, " pp", end)),
    "leakage_per_unit_sold": ("Margin leakage per unit sold", "Leakage", lambda v: ui.money(v, 2), "lower",
                              lambda v, end=False: display.signed_money(v, 2, end)),
    "realised_margin_pct": ("Realised margin", "Realised margin", lambda v: ui.pct(v / 100), "higher",
                            lambda v, end=False: display.signed(v, 1, " pp", end)),
}
TVF_THREE_PANELS_PX = 700  # the main column from which the overview draws three panels a row (820 px at 1280 px)
PANEL_ROW_PX = 340         # the overview's height per row of panels (680 for two rows)
PANEL_GAP_PX = 136         # between two rows of panels: their x labels, the next row's title and unit
# how a metric's axis ticks read (plotly d3 formats): shares as percentages, money with its sign; others as numbers
AXIS_FORMAT = {"defect_return_rate": ".1%", "on_time_rate": ".0%", "leakage_per_unit_sold": "$.2f"}
# measures held in percent or as a ratio: their ticks say so ("-4%", "1.2×"; "-4" read as a count)
AXIS_SUFFIX = {"quote_to_landed_variance_pct": "%", "realised_margin_pct": "%", "landed_cost_index": "×"}


def axis_format(metric: str, low: pd.Series, high: pd.Series) -> str:
    """The metric's tick format; a whole-percent axis spanning under 5 points gets a decimal, else ticks half a
    point apart read 98%, 98%, 99%, 99%."""
    fmt = AXIS_FORMAT.get(metric, "")
    span = (high.max() - low.min()) if len(low) else float("nan")
    return ".1%" if fmt == ".0%" and span < 0.05 else fmt
N_LABELS = {"manufacturer": "Manufacturers (n)", "trading_company": "Trading companies (n)"}
TYPES = ("manufacturer", "trading_company")
# Below this many suppliers a bootstrap interval is zero-width (n=1) or meaningless (n=2): shown grey, no verdict.
MIN_SUPPLIERS = 3
TOO_FEW = f"Too few suppliers (n<{MIN_SUPPLIERS})"
GREY = "#b0b0b0"
TYPE_SYMBOLS = {"manufacturer": "circle", "trading_company": "diamond"}
NO_DATA = "No supplier has this measure<br>in this data and period"
NONE_HAS = NO_DATA.replace("<br>", " ")  # the same words on one line, as a table's verdict


def fmt(metric: str, value) -> str:
    if value is None or pd.isna(value):
        return "–"
    return METRICS.get(metric, (metric, "", lambda v: f"{v:.3g}", ""))[2](value)


def thin(n: object) -> bool:
    """Fewer than MIN_SUPPLIERS suppliers behind a figure (or none): no interval is shown for it, no verdict."""
    return pd.isna(n) or n < MIN_SUPPLIERS


def interval_end(value: float, said: str) -> str:
    """An end of the difference's interval as written, or "just above 0" / "just below 0" when it rounds to zero but
    is not: "Traders worse (0.00 to +1.17)" left a founder asking whether the interval excludes zero (its end was
    +0.003 pp); a difference that is exactly zero reads 0."""
    if any(ch.isdigit() and ch != "0" for ch in said) or pd.isna(value) or value == 0:
        return said
    return "just above 0" if value > 0 else "just below 0"


def with_interval(metric: str, r: pd.Series) -> str:
    """"2.1% (1.4% – 2.9%)"; the estimate alone from fewer than MIN_SUPPLIERS suppliers, whose bootstrap interval
    is zero-width (one supplier: "1.04% (1.04% – 1.04%)" read as certainty) or says nothing."""
    if thin(r["n_suppliers"]):
        return fmt(metric, r["estimate"])
    return f"{fmt(metric, r['estimate'])} ({display.interval(r['ci_low'], r['ci_high'], partial(fmt, metric))})"


st.title("Trader vs factory")
st.caption("Each figure is the mean over suppliers of that type, with its 90% interval (where that mean plausibly "
           "lies, found by drawing the suppliers again and again: a bootstrap); n is the number of suppliers behind it. A difference counts only when its interval excludes zero and each type has at "
           f"least {MIN_SUPPLIERS} suppliers; figures from fewer are greyed out.")
st.info("This comparison covers every supplier in the warehouse: the sidebar's type, country and band filters do "
        "not apply here (a type filter would leave nothing to compare). The From and To months below do apply: every "
        "figure and interval is computed over the chosen months only.", icon=":material/filter_alt_off:")
if ui.require_warehouse():
    ui.as_of_caption()
    everything = queries.type_comparison()
    if everything.empty:
        ui.missing("marts.type_comparison", "trader-vs-factory comparison")
        st.stop()
    # a brand that buys from one type only has nothing to compare: said once, up front, and as each verdict (the
    # types as the comparison counts them, a verified type over the declared one; over every month)
    whole = everything[(everything["category"] == "all") & everything["supplier_type"].isin(TYPES)]
    counts = whole.groupby("supplier_type")["n_suppliers"].max()
    absent = [t for t in TYPES if not counts.get(t, 0) > 0]
    if len(absent) == 1:
        present = next(t for t in TYPES if t != absent[0])
        many = {"manufacturer": "manufacturers", "trading_company": "trading companies"}
        st.info(f"No {ui.label(absent[0]).lower()} in this data to compare the {many[present]} with: the figures "
                f"below are the {many[present]}' alone. If some suppliers "
                + ("resell goods made elsewhere" if present == "manufacturer" else "make the goods they sell")
                + f", say so in the suppliers file's supplier_type column ({absent[0]}; docs/data-contract.md) and "
                "rebuild.", icon=":material/compare_arrows:")
    categories = sorted(c for c in everything["category"].unique() if c != "all")
    chosen = [c for c in filters.selection().category if c in categories]
    options = ["all"] + categories
    if "tvf_category" not in st.session_state and chosen:
        st.session_state["tvf_category"] = chosen[0]
    category = st.selectbox("Category", options, key="tvf_category",
                            format_func=lambda c: "All categories" if c == "all" else ui.label(c, "category"),
                            help="Compare within one product category (like with like) or across all.")
    chosen_period = filters.period("tvf_period")
    if chosen_period != (None, None):
        everything = queries.type_comparison(period=chosen_period)
    rows = everything[everything["category"] == category] if not everything.empty else everything
    if rows.empty:
        st.info(f"No landed orders, sales, returns or resolved orders in {filters.describe_period(chosen_period)} to "
                "compare: widen the months.", icon=":material/filter_alt_off:")
        st.stop()
    level = rows["ci_level"].dropna().iloc[0] if rows["ci_level"].notna().any() else 0.9
    metrics = [m for m in METRICS if m in set(rows["metric"])] + sorted(set(rows["metric"]) - set(METRICS))
    # the measures some supplier of either type has here (data without sales has no defect returns per unit sold)
    measured = set(rows.loc[rows["supplier_type"].isin(TYPES) & rows["estimate"].notna(), "metric"])

    def overview_chart() -> go.Figure:
        # each measure's unit under its title: as a y-axis title it stood in the gap between two panels and, in a
        # 1280 px window, over the left panel's "n=119"
        units = rows.dropna(subset=["unit"]).groupby("metric")["unit"].first() if "unit" in rows else pd.Series()
        titles = [METRICS.get(m, (m,))[0] + (f"<br><span style='font-size:11px'>{units[m]}</span>" if m in units
                                             else "") for m in metrics[:6]]
        # three panels a row, two on a narrow main column (at a 1024 px window three ran their titles and their
        # "Manufacturer" and "Trading company" into each other)
        cols = 3 if display.page_px() >= TVF_THREE_PANELS_PX else 2
        rows_n = -(-len(titles) // cols)
        height = PANEL_ROW_PX * rows_n
        fig = make_subplots(rows=rows_n, cols=cols, subplot_titles=titles,
                            horizontal_spacing=0.08 * 3 / cols, vertical_spacing=PANEL_GAP_PX / height)
        for i, metric in enumerate(metrics[:6]):
            cell = dict(row=i // cols + 1, col=i % cols + 1)  # the metric's panel
            part = rows[(rows["metric"] == metric) & rows["supplier_type"].isin(TYPES)]
            part = part.set_index("supplier_type").reindex(list(TYPES)).dropna(subset=["estimate"])
            fig.add_trace(go.Scatter(
                x=[ui.label(t) for t in part.index], y=part["estimate"], mode="markers",
                marker=dict(size=12, color=[GREY if thin(n) else ui.TYPE_COLOURS[t]
                                            for t, n in zip(part.index, part["n_suppliers"])]),
                error_y=dict(type="data", symmetric=False, array=part["ci_high"] - part["estimate"],
                             arrayminus=part["estimate"] - part["ci_low"], thickness=2, width=8),
                text=[f"n = {int(n)}" for n in part["n_suppliers"]], textposition="middle right",
                customdata=[[fmt(metric, e), "" if thin(n) else f" (interval {fmt(metric, lo)} to {fmt(metric, hi)})",
                             int(n)] for e, lo, hi, n in
                            part[["estimate", "ci_low", "ci_high", "n_suppliers"]].itertuples(index=False)],
                hovertemplate="%{x}: %{customdata[0]}%{customdata[1]}, %{customdata[2]} suppliers<extra></extra>",
                showlegend=False),
                **cell)
            fig.update_yaxes(**cell, ticksuffix=AXIS_SUFFIX.get(metric, ""),
                             tickformat=axis_format(metric, part["ci_low"], part["ci_high"]))
            for t, r in part.iterrows():
                fig.add_annotation(x=ui.label(t), y=r["ci_low"], text=f"n={int(r['n_suppliers'])}", showarrow=False,
                                   yshift=-14, font=dict(size=11, color="#555"), **cell)
            if part.empty:  # no supplier of either type has this measure here: say so, not an empty pair of axes
                fig.update_xaxes(visible=False, **cell)
                fig.update_yaxes(visible=False, **cell)
                fig.add_annotation(text=NO_DATA, x=0.5, y=0.5, showarrow=False, font=dict(size=12, color="#555"),
                                   xref=f"x{i + 1 if i else ''} domain", yref=f"y{i + 1 if i else ''} domain")
        title = "All categories" if category == "all" else ui.chart_text([ui.label(category, "category")])[0]
        fig.update_layout(title=f"{title}, {filters.describe_period(chosen_period)}: manufacturers vs trading "
                                f"companies ({level:.0%} intervals)", height=height,
                          margin=dict(l=10, r=10, t=110, b=10))
        return fig

    ui.cached_chart("tvf_chart", overview_chart, category, chosen_period)

    diff = rows[rows["supplier_type"] == "trader_minus_factory"].set_index("metric")
    table = []
    for metric in metrics:
        by_type = rows[rows["metric"] == metric].set_index("supplier_type")
        d = diff.loc[metric] if metric in diff.index else None
        row = {"metric": METRICS.get(metric, (metric,))[0], "theme": METRICS.get(metric, ("", "—"))[1]}
        if metric not in measured:  # nothing to compare: say so once, not "– (– – –)" in every cell
            table.append({**row, "Verdict": NONE_HAS, **{N_LABELS[t]: 0 for t in TYPES}})
            continue
        for t in TYPES:
            if t in by_type.index:
                r = by_type.loc[t]
                row[ui.label(t)] = with_interval(metric, r)
                row[N_LABELS[t]] = int(r["n_suppliers"])
        if d is not None:
            show = METRICS[metric][4] if metric in METRICS else (lambda v, end=False: f"{v:+.3g}")
            low, high = (interval_end(d[c], show(d[c], end=True).removesuffix(" pp").removesuffix("×"))
                         for c in ("ci_low", "ci_high"))
            too_few = any(t not in by_type.index or thin(by_type.loc[t, "n_suppliers"]) for t in TYPES)
            # the unit once, on the estimate; no interval from too few suppliers (as beside each type)
            row["Trader − factory"] = show(d["estimate"]) + ("" if too_few else f" ({low} to {high})")
            better = METRICS[metric][3] if metric in METRICS else "lower"
            if len(absent) == 1:
                row["Verdict"] = f"No {ui.label(absent[0]).lower()} in this data"
            elif too_few:
                row["Verdict"] = TOO_FEW
            elif pd.notna(d["excludes_zero"]) and bool(d["excludes_zero"]):
                worse = (d["estimate"] > 0) == (better == "lower")
                row["Verdict"] = "Traders worse" if worse else "Traders better"
            else:
                row["Verdict"] = "No clear difference"
        table.append(row)
    st.subheader("Side by side")
    # the answer first and all on screen at 1440 px: the verdict beside the measure, no theme column (the measure
    # says it), n narrow
    ui.table(pd.DataFrame(table), "tvf_table", f"trader_vs_factory_{category}.csv",
             columns=["metric", "Verdict", *(c for t in TYPES for c in (ui.label(t), N_LABELS[t])),
                      "Trader − factory"],
             wrap=["Verdict"],  # "No supplier has this measure in this data and period" would push the last column off
             column_config={"metric": "Measure", **{N_LABELS[t]: st.column_config.NumberColumn(
                 "n", format="%d", help=f"{ui.label(t)}s behind the figure.") for t in TYPES}})

    st.subheader("By category")
    by_category = everything[everything["supplier_type"].isin(TYPES) & (everything["category"] != "all")]
    # only the measures some supplier has in some category (all of them when none has any: the section says so)
    offered = set(by_category.loc[by_category["estimate"].notna(), "metric"])
    metric = st.selectbox("Measure", [m for m in metrics if m in offered] or metrics, key="tvf_metric",
                          format_func=lambda m: METRICS.get(m, (m,))[0])
    per_cat = by_category[by_category["metric"] == metric]
    if per_cat.empty or per_cat["estimate"].isna().all():
        st.info(f"{NONE_HAS} in any category.")
    else:
        def category_chart() -> go.Figure:
            fig = go.Figure()
            cats = sorted(per_cat["category"].unique())
            position = {c: i for i, c in enumerate(cats)}
            for offset, t in zip((-0.15, 0.15), TYPES):  # side by side within each category row
                part = per_cat[per_cat["supplier_type"] == t]
                fig.add_trace(go.Scatter(
                    y=[position[c] + offset for c in part["category"]], x=part["estimate"], mode="markers",
                    name=ui.label(t), text=ui.chart_text(ui.label(c, "category") for c in part["category"]),
                    # a shape per type, so that two grey points (too few suppliers) still say which is which
                    marker=dict(size=10, symbol=TYPE_SYMBOLS[t],
                                color=[GREY if thin(n) else ui.TYPE_COLOURS[t] for n in part["n_suppliers"]]),
                    error_x=dict(type="data", symmetric=False, array=part["ci_high"] - part["estimate"],
                                 arrayminus=part["estimate"] - part["ci_low"]),
                    customdata=[[n, f" · {TOO_FEW.lower()}" if thin(n) else ""] for n in part["n_suppliers"]],
                    hovertemplate="%{text}: %{x:.3g}, %{customdata[0]} suppliers%{customdata[1]}<extra>"
                                  + ui.label(t) + "</extra>"))
            fig.update_yaxes(tickmode="array", tickvals=list(range(len(cats))),
                             ticktext=ui.chart_text(ui.label(c, "category") for c in cats))
            unit = per_cat["unit"].iloc[0]
            fig.update_xaxes(tickformat=axis_format(metric, per_cat["ci_low"], per_cat["ci_high"]))
            return ui.style(fig, f"{METRICS.get(metric, (metric,))[0]} by category, "
                            f"{filters.describe_period(chosen_period)}", unit, "Category",
                            height=120 + 40 * per_cat["category"].nunique())

        ui.cached_chart("tvf_category_chart", category_chart, metric, chosen_period)
        per_cat = per_cat.assign(
            note=per_cat["n_suppliers"].map(lambda n: TOO_FEW if thin(n) else ""),
            shown_estimate=per_cat["estimate"].map(lambda v: fmt(metric, v)),
            shown_interval=[display.BLANK if thin(n) else display.interval(lo, hi, partial(fmt, metric))
                            for lo, hi, n in zip(per_cat["ci_low"], per_cat["ci_high"], per_cat["n_suppliers"])])
        st.caption(f"Grey points rest on fewer than {MIN_SUPPLIERS} suppliers: an interval from so few (zero-width "
                   "or very wide) says nothing, so none is shown and no difference is called for that category.")
        ui.table(per_cat, "tvf_category_table", f"trader_vs_factory_{metric}_by_category.csv",
                 columns=["category", "supplier_type", "n_suppliers", "shown_estimate", "shown_interval", "note"],
                 column_config={"n_suppliers": "Suppliers (n)", "shown_estimate": "Estimate",
                                "shown_interval": f"{level:.0%} interval", "note": "Note"})
