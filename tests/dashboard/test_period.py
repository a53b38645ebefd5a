"""The period control: a month range on Portfolio and Costs, kept in the URL, that every leakage and landed-cost figure
on those pages keeps to; leakage by month."""

from __future__ import annotations

import base64
from datetime import date

import numpy as np
import pytest

pytestmark = pytest.mark.slow


def _period(at, key: str) -> tuple[str, str]:
    """The (From, To) months a page's period control shows."""
    return at.selectbox(key=f"{key}_from").value, at.selectbox(key=f"{key}_to").value


def _choose(at, key: str, low: str, high: str):
    at.selectbox(key=f"{key}_from").set_value(low)
    at.selectbox(key=f"{key}_to").set_value(high)
    return at.run()


def _values(encoded) -> list[float]:
    """A plotly array as numbers (plotly sends numeric arrays base64-encoded: {"dtype", "bdata"})."""
    if isinstance(encoded, dict):
        return np.frombuffer(base64.b64decode(encoded["bdata"]), dtype=encoded["dtype"]).tolist()
    return list(encoded)


def test_portfolio_leakage_keeps_to_the_months_in_the_url(ui, demo_db, demo_con):
    at = ui.open(demo_db, query={"from": "2026-01", "to": "2026-03"})
    leaked = demo_con.execute("select sum(supplier_leakage) from marts.margin_leakage_wide "
                              "where month between date '2026-01-01' and date '2026-03-01'").fetchone()[0]
    everything = demo_con.execute("select sum(supplier_leakage) from marts.margin_leakage_wide").fetchone()[0]
    assert ui.metrics(at)["Margin leakage"] == f"${float(leaked):,.0f}" != f"${float(everything):,.0f}"
    assert _period(at, "portfolio_period") == ("2026-01", "2026-03")
    # every month again: the URL forgets the period and the figure is all-time
    first, last = (f"{m:%Y-%m}" for m in demo_con.execute(
        "select min(month), max(month) from (select month from marts.margin_leakage_wide union "
        "select delivery_month from marts.landed_cost_po where is_landed)").fetchone())
    _choose(at, "portfolio_period", first, last)
    assert ui.metrics(at)["Margin leakage"] == f"${float(everything):,.0f}"
    assert "from" not in at.query_params and "to" not in at.query_params


def test_a_month_the_warehouse_does_not_have_is_ignored(ui, demo_db, demo_con):
    at = ui.open(demo_db, query={"from": "1999-01", "to": "not-a-month"})
    everything = demo_con.execute("select sum(supplier_leakage) from marts.margin_leakage_wide").fetchone()[0]
    assert ui.metrics(at)["Margin leakage"] == f"${float(everything):,.0f}"


def test_costs_figures_and_leakage_by_month_keep_to_the_period(ui, demo_db, demo_con):
    at = ui.open(demo_db, "costs", query={"from": "2025-07", "to": "2025-12"})
    planned, realised = demo_con.execute(
        "select sum(amount) filter (where step = 'planned_contribution'), "
        "sum(amount) filter (where step = 'realised_contribution') from marts.margin_leakage "
        "where month between date '2025-07-01' and date '2025-12-01'").fetchone()
    landed = demo_con.execute("select sum(landed_total) from marts.landed_cost_po where is_landed and "
                              "delivery_month between date '2025-07-01' and date '2025-12-01'").fetchone()[0]
    shown = ui.metrics(at)
    assert shown["Planned contribution"] == f"${float(planned):,.0f}"
    assert shown["Margin leakage"] == f"${float(planned - realised):,.0f}"
    assert shown["Landed cost"] == f"${float(landed):,.0f}"
    chart = ui.chart(at, "costs_leakage_month_chart")
    bars = chart["data"][0]
    bars["y"] = _values(bars["y"])
    monthly = demo_con.execute("select month, sum(supplier_leakage) from marts.margin_leakage_wide "
                               "where month between date '2025-07-01' and date '2025-12-01' group by 1 order by 1"
                               ).fetchall()
    assert [x[:7] for x in bars["x"]] == [f"{m:%Y-%m}" for m, _ in monthly]
    assert bars["y"] == pytest.approx([float(v) for _, v in monthly])
    assert sum(bars["y"]) == pytest.approx(float(planned - realised), abs=0.05)  # the months add up to the total
    # the variance table holds only orders delivered in the period
    pos = dict(demo_con.execute("select supplier_id, count(*) from marts.landed_cost_po where is_landed and "
                                "delivery_month between date '2025-07-01' and date '2025-12-01' group by 1"
                                ).fetchall())
    variance = next(f for f in ui.frames(at) if "variance_share" in f.columns).set_index("supplier_id")
    assert variance["po_count"].to_dict() == pos
    # the period travels with the view: the Portfolio page opens on it
    at.switch_page(ui.pages["portfolio"]).run()
    assert _period(at, "portfolio_period") == ("2025-07", "2025-12")


def test_trader_vs_factory_compares_over_the_months_in_the_url(ui, demo_db, demo_con):
    """The manufacturers' on-time rate over Jan-Jun 2026: the mean, over manufacturers with a resolved order promised
    in those months, of each one's on-time share, with the bootstrap interval of those very values."""
    from models.landed_cost import bootstrap_mean_ci
    from pipelines.steps.type_comparison import CI_LEVEL, N_BOOT, SEED

    at = ui.open(demo_db, "trader_vs_factory", query={"from": "2026-01", "to": "2026-06"})
    assert _period(at, "tvf_period") == ("2026-01", "2026-06")
    rates = [float(r) for (r,) in demo_con.execute("""
        select count(*) filter (where po.is_resolved and po.is_on_time) / count(*) filter (where po.is_resolved)
        from marts.po_status as po
        inner join staging.products as products on po.sku = products.sku
        inner join staging.suppliers as suppliers on po.supplier_id = suppliers.supplier_id
        where po.promised_ship_on >= date '2026-01-01' and po.promised_ship_on < date '2026-07-01'
            and coalesce(suppliers.verified_type, suppliers.supplier_type) = 'manufacturer'
        group by po.supplier_id
        having count(*) filter (where po.is_resolved) > 0
        order by po.supplier_id""").fetchall()]
    interval = bootstrap_mean_ci(rates, N_BOOT, CI_LEVEL, SEED)
    expected = f"{interval.mean * 100:.1f}% ({interval.low * 100:.1f}% – {interval.high * 100:.1f}%)"
    row = at.dataframe[0].value.set_index("metric").loc["On-time shipment rate"]
    assert row["Manufacturer"] == expected
    assert row["Manufacturers (n)"] == len(rates)
    all_time = demo_con.execute("select estimate, n_suppliers from marts.type_comparison where category = 'all' "
                                "and metric = 'on_time_rate' and supplier_type = 'manufacturer'").fetchone()
    assert (interval.mean, len(rates)) != pytest.approx(all_time)  # the period really narrows the comparison
    # every month again: the build's all-time mart, and the URL forgets the period
    first, last = at.selectbox(key="tvf_period_from").options[0], at.selectbox(key="tvf_period_to").options[-1]
    _choose(at, "tvf_period", first, last)
    row = at.dataframe[0].value.set_index("metric").loc["On-time shipment rate"]
    assert row["Manufacturers (n)"] == all_time[1]
    assert row["Manufacturer"].startswith(f"{all_time[0] * 100:.1f}% (")
    assert "from" not in at.query_params and "to" not in at.query_params


def test_a_warehouse_with_one_month_says_it_instead_of_a_slider_with_that_month_at_both_ends():
    from streamlit.testing.v1 import AppTest

    def page():
        import pandas as pd
        import streamlit as st

        from dashboard import filters, queries

        months, queries.months = queries.months, lambda: pd.DataFrame({"month": [pd.Timestamp("2024-03-01")]})
        try:  # the module is shared with the other tests of this process: put it back
            st.session_state["chosen"] = filters.period("one_month")
        finally:
            queries.months = months

    at = AppTest.from_function(page).run()
    assert not at.exception
    assert len(at.selectbox) == 0
    assert [c.value for c in at.caption] == ["Months: Mar 2024, the only month with data."]
    assert at.session_state["chosen"] == (None, None)


def _three_months_page():
    import pandas as pd
    import streamlit as st

    from dashboard import filters, queries

    months = queries.months
    queries.months = lambda: pd.DataFrame({"month": pd.to_datetime(["2026-03-01", "2026-04-01", "2026-05-01"])})
    try:  # the module is shared with the other tests of this process: put it back
        st.session_state["chosen"] = filters.period("three")
    finally:
        queries.months = months


def test_one_month_of_several_reads_as_that_month_once():
    """A range slider drew "2026-05 2026-05" over its two thumbs; the From and To selects name the month in words and
    the caption says the range once."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_three_months_page).run()
    assert not at.exception
    assert _period(at, "three") == ("2026-03", "2026-05")
    assert [c.value for c in at.caption] == ["All 3 months: Mar 2026 to May 2026"]
    assert at.session_state["chosen"] == (None, None) and "from" not in at.query_params
    assert at.selectbox(key="three_from").options == ["Mar 2026", "Apr 2026", "May 2026"]  # as shown, in words
    _choose(at, "three", "2026-05", "2026-05")
    assert [c.value for c in at.caption] == ["1 month: May 2026"]
    assert at.session_state["chosen"] == (date(2026, 5, 1), date(2026, 5, 1))
    assert (at.query_params["from"], at.query_params["to"]) == ("2026-05", "2026-05")


def test_moving_one_end_past_the_other_moves_the_other_with_it():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_three_months_page).run()
    at.selectbox(key="three_to").set_value("2026-03").run()
    at.selectbox(key="three_from").set_value("2026-04").run()  # past To (March): To follows
    assert _period(at, "three") == ("2026-04", "2026-04")
    assert [c.value for c in at.caption] == ["1 month: Apr 2026"]
    at.selectbox(key="three_to").set_value("2026-03").run()  # before From: From follows
    assert _period(at, "three") == ("2026-03", "2026-03")


def test_the_url_opens_the_control_on_its_months():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_three_months_page)
    at.query_params["from"], at.query_params["to"] = "2026-04", "2026-05"
    at.run()
    assert _period(at, "three") == ("2026-04", "2026-05")
    assert [c.value for c in at.caption] == ["2 months: Apr 2026 to May 2026"]
    assert at.session_state["chosen"] == (date(2026, 4, 1), date(2026, 5, 1))


def test_one_month_of_leakage_is_drawn_as_a_month(ui, demo_db):
    """With one month chosen, plotly took the bar's width for the x axis and ticked it in fractions of a millisecond
    ("23:59:59.9996"): the axis now reads months and spans a month either side of the bar."""
    from dashboard import components

    at = ui.open(demo_db, "costs", query={"from": "2026-05", "to": "2026-05"})
    for key in ("costs_leakage_month_chart", "costs_channel_month_chart"):
        chart = ui.chart(at, key)
        xaxis = chart["layout"]["xaxis"]
        assert (xaxis["tickformat"], xaxis["dtick"]) == ("%b %Y", "M1"), key
        assert [x[:10] for x in xaxis["range"]] == ["2026-04-01", "2026-06-01"], key
        assert {t["width"] for t in chart["data"] if t["type"] == "bar"} == {components.MONTH_BAR_MS}, key
