"""Shared formatting and export helpers."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import plotly.graph_objects as go
from pytest import approx

from dashboard import components as ui


def test_money_and_percent_formatting():
    assert ui.money(17900) == "$17,900"
    assert ui.money(-1320.4) == "-$1,320"
    assert ui.money(2.5, 2) == "$2.50"
    assert ui.money(None) == "–" and ui.money(float("nan")) == "–"
    assert ui.pct(0.5830671820811717) == "58.3%"
    assert ui.pct(None) == "–"
    assert ui.label("trading_company") == "Trading company"
    assert ui.label("critical") == "Critical"


def test_excel_export_round_trips_the_table():
    frame = pd.DataFrame({
        "rank": [1, 2], "supplier_name": ["Ningbo Alpha Store", "Yiwu Beta Trading"],
        "due_on": pd.to_datetime(["2024-07-01", "2024-08-15"]),
        "built_at": pd.to_datetime(["2024-06-21 10:00", "2024-06-21 10:00"]).tz_localize("UTC"),
        "triggers": [["failed_audit", "price_shift"], ["never_audited"]],
        "priority": [1234.5, 99.0],
    })
    back = pd.read_excel(io.BytesIO(ui.excel_bytes({"Re-audit queue": frame})), sheet_name="Re-audit queue")
    assert back["supplier_name"].tolist() == ["Ningbo Alpha Store", "Yiwu Beta Trading"]
    assert back["due_on"].dt.strftime("%Y-%m-%d").tolist() == ["2024-07-01", "2024-08-15"]
    assert back["triggers"].tolist() == ["failed_audit; price_shift", "never_audited"]
    assert back["priority"].tolist() == [1234.5, 99.0]


def test_compact_money_for_axis_ticks():
    assert [ui.money_short(v) for v in (1, 500, 1500, 20_000, 150_000, 1_000_000, 2_500_000, 3e9, -2000)] == \
        ["$1", "$500", "$1.5k", "$20k", "$150k", "$1M", "$2.5M", "$3B", "-$2k"]


def test_log_money_ticks_are_few_and_round():
    # a spend range like the demo's: 1-2-5 steps (1-2-3-5 would give 8 ticks, over the limit of 7)
    assert ui.log_money_ticks(15_000, 1_000_000) == (
        [20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000], ["$20k", "$50k", "$100k", "$200k", "$500k", "$1M"])
    # a supplier with no spend is drawn at $1: four decades, one tick per decade
    assert ui.log_money_ticks(1, 11_500) == ([1, 10, 100, 1_000, 10_000], ["$1", "$10", "$100", "$1k", "$10k"])
    # a narrow range gets the dense steps
    assert ui.log_money_ticks(150_000, 300_000) == ([150_000, 200_000, 300_000], ["$150k", "$200k", "$300k"])
    # between two steps: its ends
    assert ui.log_money_ticks(120_000, 130_000) == ([120_000, 130_000], ["$120k", "$130k"])
    # ten decades: every other decade, at most 7 ticks
    assert ui.log_money_ticks(1, 3e9)[1] == ["$1", "$100", "$10k", "$1M", "$100M"]


def test_reaudit_actions_are_ordered_by_severity_not_alphabet():
    shown = ["desk re-check", "tighter inspection", "hold new orders", "on-site audit", "desk re-check",
             "call the supplier", None]
    # models/config/risk_score.toml lists the rules strongest first; an action it does not list goes last
    assert ui.action_order(shown) == ["hold new orders", "on-site audit", "tighter inspection", "desk re-check",
                                      "call the supplier"]
    assert ui.action_order(["desk re-check", "on-site audit"]) == ["on-site audit", "desk re-check"]
    assert ui.action_colours(shown) == {"hold new orders": "#8b1a1a", "on-site audit": "#d9480f",
                                        "tighter inspection": "#f08c00", "desk re-check": "#2f9e44",
                                        "call the supplier": "#adb5bd"}


STOP = ("stop accepting lots under sampling until the supplier closes a corrective action (inspection then resumes "
        "on tightened)")


def test_switching_summary_says_plainly_when_inspection_is_discontinued():
    rows = pd.DataFrame({"defect_class": ["critical", "major", "minor"],
                         "current_stage": ["normal", "discontinued", "tightened"],
                         "last_transition_on": pd.to_datetime([None, "2026-01-03", "2025-11-20"])})
    stopped, text = ui.switching_summary(rows)
    assert stopped
    assert text == ("**Inspection discontinued** for major defects since 2026-01-03 (ISO 2859-1 switching rules): "
                    f"5 lots rejected while tightened; {STOP}.")
    # the Inspections page says the same through the same helper
    assert ui.switching_stage("discontinued").endswith(STOP)
    # two classes stopped on different dates: both named, the later date
    rows.loc[0, ["current_stage", "last_transition_on"]] = ["discontinued", pd.Timestamp("2026-02-01")]
    assert ui.switching_summary(rows)[1].startswith(
        "**Inspection discontinued** for critical and major defects since 2026-02-01")


def test_switching_summary_of_a_supplier_still_sampled():
    rows = pd.DataFrame({"defect_class": ["major", "minor"], "current_stage": ["normal", "reduced"],
                         "last_transition_on": pd.to_datetime([None, "2026-03-01"])})
    stopped, text = ui.switching_summary(rows)
    assert not stopped and STOP not in text
    assert text == ("Switching rules (ISO 2859-1): major defects normal (the standard plan for the lot size, level "
                    "and AQL); minor defects reduced (a long run of good lots; smaller samples are allowed).")
    # discontinued before and resumed by a closed corrective action: how often, per class
    resumed = pd.DataFrame({"defect_class": ["critical", "major", "minor"],
                            "current_stage": ["normal", "tightened", "tightened"], "times_discontinued": [0, 2, 1]})
    assert ui.switching_summary(resumed) == (False, (
        "Switching rules (ISO 2859-1): critical defects normal (the standard plan for the lot size, level and AQL); "
        "major and minor defects tightened (2 of 5 consecutive lots rejected, or resumed after a discontinuation; "
        "stricter plans until 5 lots pass in a row). Discontinued before, each time resumed on tightened after a "
        "closed corrective action: major 2 times, minor 1 time."))


def test_cached_figures_tell_large_frames_apart_by_every_value():
    import numpy as np
    import plotly.graph_objects as go

    # streamlit alone hashes frames of 50,000+ rows from a sample of rows: these two differ in one row only
    a = pd.DataFrame({"day": np.arange(60_000), "value": np.zeros(60_000)})
    b = a.copy()
    b.loc[31_337, "value"] = 1.0
    built = []

    def make(frame):
        def build():
            built.append(float(frame["value"].sum()))
            return go.Figure(go.Scatter(x=frame["day"], y=frame["value"]))
        return build

    fa = ui.figure("big_frames", make(a), a)
    fb = ui.figure("big_frames", make(b), b)
    assert built == [0.0, 1.0] and fa is not fb
    assert ui.figure("big_frames", make(a.copy()), a.copy()) is fa and built == [0.0, 1.0]  # equal values: reused
    assert ui._by_value("Kitchen") == "Kitchen"  # choices pass through as they are


def test_a_cached_figure_is_sent_as_plotly_would_send_it():
    import json

    import plotly.graph_objects as go
    import plotly.io as pio

    def build():
        return go.Figure(go.Bar(x=["a", "b"], y=[3, -1])).update_layout(title="t")

    drawn = ui.figure("drawn_equivalence", build, "one")
    # what st.plotly_chart sends for the Drawn is what it would send for the Figure itself
    assert json.loads(pio.to_json(drawn.to_dict(), validate=False)) == json.loads(pio.to_json(build()))
    assert drawn.to_dict() is drawn.to_dict()  # made once, not on every rerun
    assert json.loads(pio.to_json(drawn))["data"][0]["y"] == [3, -1]


def test_computed_results_are_keyed_on_every_value_and_each_caller_gets_a_copy():
    import numpy as np

    a = pd.DataFrame({"day": np.arange(60_000), "value": np.zeros(60_000)})
    b = a.copy()
    b.loc[59_998, "value"] = 2.0  # outside any sample streamlit would take of a 60,000-row frame
    built = []

    def total(frame):
        def build():
            built.append(1)
            return pd.DataFrame({"total": [frame["value"].sum()]})
        return build

    assert ui.computed("sum_of_values", total(a), a)["total"].iloc[0] == 0.0
    assert ui.computed("sum_of_values", total(b), b)["total"].iloc[0] == 2.0
    first = ui.computed("sum_of_values", total(a), a.copy())  # equal values: reused, not rebuilt
    assert len(built) == 2
    first.loc[0, "total"] = 99.0  # a caller changing its copy changes nobody else's
    assert ui.computed("sum_of_values", total(a), a)["total"].iloc[0] == 0.0
    assert ui.computed("sum_of_values", total(a), a, "other choice")["total"].iloc[0] == 0.0 and len(built) == 3


def test_a_table_is_prepared_once_per_values_and_never_shown_for_other_values():
    import numpy as np

    from dashboard import display

    n = 60_000
    a = pd.DataFrame({"supplier_id": [f"S{i:05d}" for i in range(n)], "supplier_name": [f"Name {i}" for i in range(n)],
                      "supplier_type": ["trading_company"] * n, "spend": np.arange(n, dtype=float)})
    b = a.copy()
    b.loc[59_999, "supplier_type"] = "manufacturer"
    inputs = (["supplier_name", "supplier_type", "spend"], True, None, None, 25, display.PAGE_PX)
    pa_ = display._prepared(a, *inputs)
    pb = display._prepared(b, *inputs)
    assert pa_.shown["supplier_type"].iloc[-1] == "Trading company"
    assert pb.shown["supplier_type"].iloc[-1] == "Manufacturer"
    assert display._prepared(a.copy(), *inputs) is pa_  # equal values and options: prepared once
    assert display._prepared(a, *inputs[:-1], 600) is not pa_  # other options: prepared for them
    # what st.dataframe is given is the prepared frame itself, in Arrow form
    assert pa_.arrow.to_pandas()["supplier_link"].iloc[5] == display.supplier_url("S00005", "Name 5")
    assert pa_.arrow.num_rows == n and pa_.arrow.column_names == list(pa_.shown.columns)


def test_a_breakdown_whose_longest_bar_is_under_half_leaves_its_width_again_for_the_label(monkeypatch):
    """The Supplier page's demo supplier at 1280 px: goods $169,900 of $437,123 (38.9%), freight 37.9%. The longest
    bar's amount is written beside it, so the axis runs to twice that bar (at 1.6 times its bracket was cut); a bar
    over half the total carries its amount inside and the axis is left to plotly."""
    row = pd.Series({"goods_value": 169_900.0, "freight": 165_767.0, "insurance": 558.0, "duty": 86_253.0,
                     "fees": 5_285.0, "inspection_cost": 9_360.0, "landed_total": 437_123.0, "po_count": 29})
    fig = ui._breakdown(row, {}, "title")
    assert list(fig.layout.xaxis.range) == [0, 2 * 169_900.0]
    assert list(fig.data[0].textposition) == ["outside"] * 6
    assert fig.data[0].text[0] == "$169,900 (38.9%)"
    # the title in few words: "Landed-cost breakdown: $112.6M over 14,407 landed POs" lost its "s" at 1280 px
    drawn = []
    monkeypatch.setattr(ui, "cached_chart", lambda key, build, *inputs, width_px=None: drawn.append(build()))
    ui.landed_breakdown(row, "k")
    assert drawn[0].layout.title.text == "Landed cost $437,123, 29 POs landed"
    most = row.copy()
    most["goods_value"], most["landed_total"] = 500_000.0, 767_223.0
    assert ui._breakdown(most, {}, "title").layout.xaxis.range is None


def test_the_waterfalls_amounts_stay_inside_its_half_column(monkeypatch):
    """Costs on a 300-supplier portfolio at 1280 px: "$17,340,524" and "$4,973,58…" ran past the waterfall's right
    edge. The amounts now read as the tiles say them, and the range leaves each its pixels beside its bar: right of a
    rise or a positive total, left of a fall, at both window widths."""
    from dashboard import display

    steps = pd.DataFrame({"step": ["planned_contribution", "landed_overrun", "duty_refunds", "returns",
                                   "write_offs", "expedite_freight", "realised_contribution"],
                          "step_order": range(7),
                          "amount": [17_340_524.0, -6_065_081.0, 4_973_580.0, -5_951_760.0, -2_570_947.0,
                                     -3_839_690.0, 3_886_626.0]})
    for page in (980, 820):
        monkeypatch.setattr(display, "page_px", lambda page=page: page)
        width = display.column_px([1, 1], 1)
        fig = ui._waterfall(steps, "title", width)
        labels = list(fig.data[0].y)
        plot = width - 20 - max(display.text_px(t) for t in labels) * ui.CHART_TEXT_SCALE - 10
        low, high = fig.layout.xaxis.range
        per_px = (high - low) / plot
        assert list(fig.data[0].text)[0] == ("$17,340,524" if page == 980 else "$17.34M")
        running = 0.0
        for i, (value, text) in enumerate(zip(steps["amount"], fig.data[0].text)):
            before = 0.0 if i in (0, 6) else running
            running = value if i in (0, 6) else running + value
            px = display.text_px(text) * ui.CHART_TEXT_SCALE + ui.CHART_TEXT_GAP_PX
            if value >= 0:  # its text ends inside the plot on the right
                assert (max(before, running) - low) / per_px + px <= plot, (page, text)
            else:  # and on the left
                assert (min(before, running) - low) / per_px - px >= 0, (page, text)
        assert (17_340_524.0 - 0) / per_px > plot / 3  # the bars keep the room the texts leave them


def test_the_as_of_month_is_marked_when_the_data_stops_before_its_end():
    """A build in the middle of a month: that month's bar sums part of a month, so it is shaded and labelled with the
    day the data reaches; a month-end build, or a chart without that month, is left as it is."""
    import plotly.graph_objects as go

    from dashboard import display

    assert display.partial_month(date(2026, 11, 18)) == display.PartialMonth(date(2026, 11, 1), "to 18 Nov")
    assert display.partial_month(date(2026, 11, 30)) is None and display.partial_month(None) is None
    months = pd.Series(pd.to_datetime(["2026-09-01", "2026-10-01", "2026-11-01"]))

    def drawn(as_of):
        return ui.month_axis(go.Figure(go.Bar(x=months, y=[3, 4, 1])), months, as_of)

    fig = drawn(date(2026, 11, 18))
    (shape,) = fig.layout.shapes
    middle = pd.Timestamp(shape.x0) + (pd.Timestamp(shape.x1) - pd.Timestamp(shape.x0)) / 2
    assert middle == pd.Timestamp("2026-11-01")  # centred on the November bar
    assert [a.text for a in fig.layout.annotations] == ["to 18 Nov"]
    assert not drawn(date(2026, 11, 30)).layout.shapes  # a whole month
    assert not drawn(date(2026, 12, 3)).layout.shapes  # December has no bar here


def test_points_all_on_one_day_get_an_axis_of_dates_either_side_of_it():
    """One inspection: plotly spread its day over the axis and ticked it in milliseconds; the axis runs 15 days either
    side, ticked as dates. Points on several days keep plotly's own axis."""
    import plotly.graph_objects as go

    one = pd.Series(pd.to_datetime(["2024-02-10", "2024-02-10"]))
    fig = ui.day_axis(go.Figure(go.Scatter(x=one, y=[0, 1])), one)
    assert [pd.Timestamp(v) for v in fig.layout.xaxis.range] == [pd.Timestamp("2024-01-26"),
                                                                  pd.Timestamp("2024-02-25")]
    assert fig.layout.xaxis.tickformat == "%b %d, %Y"
    two = pd.Series(pd.to_datetime(["2024-02-10", "2024-03-01"]))
    fig = ui.day_axis(go.Figure(go.Scatter(x=two, y=[0, 1])), two)
    assert fig.layout.xaxis.range is None and fig.layout.xaxis.tickformat is None


def test_the_supplier_page_draws_one_inspected_lot_on_an_axis_of_dates(ui, tiny_db):
    """The tiny portfolio's S2 has one inspected lot (P4, 2024-02-10): its chart's axis runs 15 days either side."""
    at = ui.open(tiny_db, "supplier", query={"supplier": "S2"})
    axis = ui.chart(at, "supplier_inspections_chart")["layout"]["xaxis"]
    assert axis["range"][0][:10] == "2024-01-26" and axis["range"][1][:10] == "2024-02-25"


def test_a_bubbles_name_goes_beside_it_where_it_hides_no_other_and_never_on_another_name():
    """Offsets of each name's centre from its bubble's centre (px, y up), for a line from the name to the rim: above
    the bubble 3 px off its rim when that is free; beside a bubble at the right edge, on its left; below when above
    would hide a large bubble; never over a name already placed, None when the plot has no room left."""
    line = ui.LABEL_FONT_PX * 1.3 + ui.LABEL_PAD_PX  # 18.3 px, the box plotly draws around the name
    half = line / 2
    assert ui.place_labels([(200, 100, 10)], ["Ningbo Alpha Store"], 400, 200) == [approx((0, 10 + 3 + half))]
    w = ui.text_px("Yiwu Beta Trading") * ui.LABEL_FONT_PX / 14 + ui.LABEL_PAD_PX
    spot = ui.place_labels([(395, 100, 4)], ["Yiwu Beta Trading"], 400, 200)[0]
    assert spot == approx((-(4 + 3 + w / 2), 0))  # above and below would leave the plot on the right
    # a large bubble just above: hiding less of it wins over the first spot, the name goes below
    assert ui.place_labels([(200, 100, 5), (200, 130, 15)], ["Ningbo Alpha Store", ""], 400, 200) == [
        approx((0, -(5 + 3 + half))), None]
    # two bubbles side by side: the second name takes the next free spot, the two boxes apart
    spots = ui.place_labels([(200, 100, 5), (202, 100, 5)], ["Ningbo Alpha Store", "Ningbo Alpha Store"], 400, 200)
    assert spots == [approx((0, 5 + 3 + half)), approx((0, -(5 + 3 + half)))]
    # no room: a plot smaller than the name
    assert ui.place_labels([(20, 10, 2)], ["Ningbo Alpha Store"], 40, 20) == [None]


def test_a_chart_title_too_wide_for_its_chart_goes_on_two_lines_before_its_parenthesis():
    """Plotly does not wrap a title: at a 1024 px window (a 564 px main column) the Portfolio matrix's ended "… not yet
    ship". Drawn about 1.2 times display.text_px's width (590 px for 502, measured)."""
    title = "Risk score against spend (bubble size: open exposure, ordered goods not yet shipped)"
    assert round(ui.text_px(title) * ui.TITLE_PX_PER_TEXT_PX) == 603
    assert ui.fitted_title(title, 820) == title  # a 1280 px window
    assert ui.fitted_title(title, 564) == ("Risk score against spend<br>(bubble size: open exposure, ordered goods not "
                                           "yet shipped)")
    # without a parenthesis: after a colon or a comma, else at the last space that leaves a first line that fits
    assert ui.fitted_title("Leakage waterfall: planned to realised contribution", 274) == (
        "Leakage waterfall:<br>planned to realised contribution")  # half a 1024 px window's main column
    assert ui.fitted_title("Landed cost $24.14M, 3,004 POs landed", 274) == "Landed cost $24.14M,<br>3,004 POs landed"
    assert ui.fitted_title("Spend by month and supplier type", 200) == "Spend by month and<br>supplier type"
    # as many lines as it takes; a word wider than the chart stays whole
    assert ui.fitted_title("Spend by month and supplier type", 120) == "Spend by<br>month and<br>supplier type"
    assert ui.fitted_title("Supercalifragilistic", 50) == "Supercalifragilistic"


def test_every_chart_title_is_fitted_to_the_width_it_is_drawn_at_and_the_margin_makes_room_for_its_lines():
    """ui.figure fits a chart's title to the main column's width, or the width the page gives (a half column, an
    expander): the leakage waterfall's title lost 90 px in half a 1024 px window. A title on more lines takes a line's
    height more of the top margin, and a figure is cached per width."""
    def build() -> go.Figure:
        return ui.style(go.Figure(), "Leakage waterfall: planned to realised contribution", "USD", "")

    wide = ui.figure("title_test_chart", build, width_px=474).figure
    narrow = ui.figure("title_test_chart", build, width_px=274).figure
    assert (wide.layout.title.text, wide.layout.margin.t) == ("Leakage waterfall: planned to realised contribution", 60)
    assert narrow.layout.title.text == "Leakage waterfall:<br>planned to realised contribution"
    assert narrow.layout.margin.t == 60 + ui.TITLE_LINE_PX


def test_the_landed_cost_breakdown_and_the_leakage_waterfall_go_one_under_the_other_on_a_narrow_main_column(
        monkeypatch):
    """Side by side in half a 1024 px window's main column (274 px) the breakdown cut its amounts ("$3,511,138 (1")
    and the waterfall's amounts ran into its steps: under 400 px a half, the two charts take the whole column one
    under the other; at 1280 px (410 px halves) and wider they stay side by side. The same rule for the Portfolio's
    band chart and movers table (240 and 500 px of a third and two thirds)."""
    from dashboard import display
    from dashboard.pages.portfolio import MOVERS_ROW

    for page, side_by_side, widths in ((980, True, (482, 482)), (820, True, (402, 402)), (564, False, (564, 564))):
        monkeypatch.setattr(display, "page_px", lambda page=page: page)
        assert display.side_by_side(*display.PAIR_PX) == side_by_side, page
        assert (display.beside_px(*display.PAIR_PX, 0), display.beside_px(*display.PAIR_PX, 1)) == widths
    for page, widths in ((980, (321, 642)), (820, (268, 536)), (564, (564, 564))):
        monkeypatch.setattr(display, "page_px", lambda page=page: page)
        assert (display.beside_px(*MOVERS_ROW, 0), display.beside_px(*MOVERS_ROW, 1)) == widths, page


def test_a_bar_charts_long_names_are_cut_to_two_fifths_of_its_width_and_stay_apart():
    """At a 1024 px window (564 px chart) the SCMS re-audit plan's long names took five sixths of the chart and its
    axis title ran off the edge: a name is cut with "…" to 0.4 of the width (225 px of 12 px text, 263 in the table
    font's units); two cut to the same text stay two bars; a name is made safe for plotly as before."""
    long = "18. JANSSEN SCIENCES IRELAND UC (FORMERLY JANSSEN R&D IRELAND)"
    limit = 564 * ui.CHART_LABEL_SHARE / ui.CHART_TEXT_SCALE
    assert round(limit) == 263 and ui.text_px(long) > limit
    cut = ui.chart_labels([long, "1. SCMS from RDC"], 564)
    assert cut[1] == "1. SCMS from RDC"
    assert cut[0].endswith("…") and long.startswith(cut[0][:-1].replace("&amp;", "&"))
    assert ui.text_px(cut[0]) <= limit < ui.text_px(long[:len(cut[0])] + "…")  # as long as fits, not shorter
    assert ui.chart_labels([long], 980) == [long.replace("&", "&amp;")]  # 392 px: whole
    twins = ui.chart_labels(["Guangzhou Baiyun Household Goods Factory A", "Guangzhou Baiyun Household Goods Factory B",
                             "<b>x</b>"], 300)
    assert twins[0].endswith("…") and twins[1] == twins[0] + "\u200b" and twins[2] == "&lt;b&gt;x&lt;/b&gt;"


def test_a_narrow_charts_legend_goes_under_it_and_the_chart_grows_by_its_rows():
    """Beside the plot a legend took half of a 1024 px window's chart (the Supplier page's signal bars were left
    60 px): under 700 px it goes in rows at the chart's foot, and the chart grows by them so that the plot keeps its
    height. Not on a wide chart, one with a single trace (plotly draws no legend then) or one that placed its own."""
    def fig(names: list[str], **layout) -> go.Figure:
        return ui.style(go.Figure([go.Bar(x=[1], y=[n], name=n) for n in names]).update_layout(**layout),
                        "t", "x", "y", height=400)

    bands = ["Critical", "High", "Medium", "Low"]
    below = ui.legend_below(fig(bands), 564)
    assert (below.layout.legend.orientation, below.layout.legend.yref, below.layout.legend.y) == ("h", "container", 0)
    # one row: the four names and their swatches (4 x 50 px) take 370 px of the 544 the row has
    assert sum(ui.text_px(n) * ui.CHART_TEXT_SCALE + ui.LEGEND_SWATCH_PX for n in bands) < 544
    assert (below.layout.margin.b, below.layout.height) == (10 + 24 + 20, 400 + 24 + 20)
    # two rows where the names do not fit one
    long = ["Rule score, quality and delivery pillars", "Supplier's own past rate", "Incident model"]
    assert ui.legend_below(fig(long), 400).layout.height == 400 + 2 * 24 + 20
    for unchanged in (ui.legend_below(fig(bands), 980), ui.legend_below(fig(["Failed"]), 564),
                      ui.legend_below(fig(bands, legend_orientation="v"), 564)):
        assert (unchanged.layout.legend.yref, unchanged.layout.height) == (None, 400)


def test_a_count_axis_reads_whole_numbers():
    """Two suppliers on the band chart drew ticks at 0, 0.2, 0.4 … 1 "suppliers": up to six, a tick per whole number;
    above, plotly's own (whole) steps; always from zero, with thousands separators."""
    small = ui.count_axis(go.Figure(go.Bar(x=["a", "b"], y=[1, 1])), 1).layout.yaxis
    assert (small.dtick, small.tick0, small.tickformat, small.rangemode) == (1, 0, ",d", "tozero")
    assert ui.count_axis(go.Figure(), 6).layout.yaxis.dtick == 1
    big = ui.count_axis(go.Figure(), 7).layout.yaxis
    assert big.dtick is None and big.tickformat == ",d"
    assert ui.count_axis(go.Figure(), float("nan")).layout.yaxis.dtick == 1  # nothing counted yet
    x = ui.count_axis(go.Figure(), 3, axis="x").layout
    assert x.xaxis.dtick == 1 and x.yaxis.dtick is None
