"""Leakage by sales channel (pipelines/sql/marts/margin_leakage_by_channel.sql, summed by
dashboard/sql/leakage_by_channel.sql): hand-written rows with figures worked by hand, and the Costs page's channel
table against the demo's marts."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from dashboard import db, display
from dashboard.components import md
from pipelines import ingest
from pipelines.build import SQL_DIR, create_macros

WIDE = """
create schema marts;
create table marts.margin_leakage_wide as select * from (values
    ('S1', 'K1', date '2026-01-01', 10.0, 12.0, -55.0, -124.0, 2, 20.0),
    ('S2', 'K2', date '2026-02-01', 5.0, 5.0, 0.0, 0.0, 0, 0.0)
) as t(supplier_id, sku, month, quoted_landed_cost_per_unit, actual_landed_cost_per_unit, quality_costs,
       unsellable_write_offs, supplier_unsellable_units, duty_refunds_received);
create table marts.sales_by_channel as select * from (values
    ('S1', 'K1', date '2026-01-01', 'amazon_us', 10, 300.00, 45.00),
    ('S1', 'K1', date '2026-01-01', 'shopify_dtc', 5, 150.00, 10.00),
    ('S2', 'K2', date '2026-02-01', 'amazon_us', 4, 80.00, 12.00)
) as t(supplier_id, sku, month, channel, units_sold, gross_revenue, marketplace_fees);
create table marts.return_costs as select * from (values
    ('R1', 'S1', 'K1', date '2026-01-01', 'amazon_us', 2, true, true, 62.00),
    ('R2', 'S1', 'K1', date '2026-01-01', 'shopify_dtc', 1, false, true, 36.00),
    ('R3', 'S1', 'K1', date '2026-01-01', 'amazon_us', 1, true, false, 30.00),
    ('R4', 'S1', 'K1', date '2026-01-01', null, 1, false, true, 25.00)
) as t(return_id, supplier_id, sku, month, channel, quantity, is_unsellable, is_supplier_attributable, return_cost);
"""


def _with_mart(con):
    """The hand-written marts above, the shared money rules (pipelines/sql/macros.sql) and the channel mart."""
    con.execute(WIDE)
    ingest.load_reference_tables(con)
    create_macros(con)
    con.execute("create table marts.margin_leakage_by_channel as\n"
                + (SQL_DIR / "marts" / "margin_leakage_by_channel.sql").read_text(encoding="utf-8"))
    return con


def _run(con, **params):
    defaults = {"ids": None, "supplier_id": None, "sku": None, "month_from": None, "month_to": None}
    return db.run_sql(con, "leakage_by_channel", **{**defaults, **params})


def test_each_channel_carries_its_own_sales_and_returns_and_the_rest_has_no_channel():
    con = _with_mart(duckdb.connect())
    rows = _run(con, month_to=date(2026, 1, 1))
    got = {r.channel if isinstance(r.channel, str) else None: r for r in rows.itertuples()}
    assert set(got) == {"amazon_us", "shopify_dtc", None}
    # Amazon: 10 units at quote 10 / landed 12: planned 300 - 45 - 100 = 155, overrun 120 - 100 = 20;
    # its supplier-caused return R1 costs 62 plus 2 unsellable units at 12 = 24 (R3 is not the supplier's)
    a = got["amazon_us"]
    assert (a.units_sold, a.gross_revenue, a.marketplace_fees) == (10, 300, 45)
    assert (a.planned_contribution, a.landed_cost_overrun, a.refunds_and_return_fees, a.unsellable_write_offs) == \
        (155, 20, 62, 24)
    assert a.leakage == 106
    # Shopify: planned 150 - 10 - 50 = 90, overrun 60 - 50 = 10, return R2 36 (sellable): leakage 46
    s = got["shopify_dtc"]
    assert (s.planned_contribution, s.landed_cost_overrun, s.refunds_and_return_fees, s.leakage) == (90, 10, 36, 46)
    # no channel: R4 25, the write-off beyond the unsellable units 124 - 24 = 100, quality costs 55 (rework 40 +
    # chargeback 15), less the duty refund 20: 160
    n = got[None]
    assert (n.refunds_and_return_fees, n.unsellable_write_offs, n.quality_costs, n.duty_refunds_received,
            n.leakage) == (25, 100, 55, 20, 160)
    assert n.units_sold == 0 and n.planned_contribution == 0
    # the channels add up to the waterfall's leakage: overrun 30 + returns 123 + write-offs 124 + 55 - 20 = 312
    assert rows["leakage"].sum() == 312
    # the months and the supplier filter: S2's February sale alone (4 units at 5: 80 - 12 - 20 planned, no leakage)
    only_s2 = _run(con, supplier_id="S2", month_from=date(2026, 2, 1))
    amazon = only_s2[only_s2["channel"] == "amazon_us"]
    assert (amazon["planned_contribution"].item(), amazon["leakage"].item()) == (48, 0)
    assert only_s2["leakage"].sum() == 0 and only_s2["month"].nunique() == 1


@pytest.mark.slow
def test_costs_page_splits_the_periods_leakage_by_channel(ui, demo_db, demo_con):
    at = ui.open(demo_db, "costs", query={"from": "2026-01", "to": "2026-06"})
    table = next(f for f in ui.frames(at) if "leakage_share" in f.columns).set_index("channel")
    sales = demo_con.execute("""
        select channel, sum(units_sold), sum(gross_revenue) from staging.sales
        where month_on between date '2026-01-01' and date '2026-06-01' group by 1""").fetchall()
    for channel, units, revenue in sales:
        label = {"amazon_us": "Amazon US", "shopify_dtc": "Shopify (own store)", "walmart_us": "Walmart US"}[channel]
        assert table.loc[label, "units_sold"] == units
        assert table.loc[label, "gross_revenue"] == pytest.approx(float(revenue))
        # as shown: a percentage to one decimal (0.001 of revenue)
        assert table.loc[label, "leakage_share"] == pytest.approx(table.loc[label, "leakage"] / float(revenue),
                                                                  abs=0.0005 + 1e-9)
    assert table.index[-1] == "No channel"
    leaked, rows = demo_con.execute("select sum(supplier_leakage), count(*) from marts.margin_leakage_wide "
                                    "where month between date '2026-01-01' and date '2026-06-01'").fetchone()
    # every row of the waterfall is split once: the channels add up to its leakage, up to a cent of rounding a row
    assert table["leakage"].sum() == pytest.approx(float(leaked), abs=0.01 * rows)
    assert ui.metrics(at)["Margin leakage"] == f"${float(leaked):,.0f}"
    months = ui.chart(at, "costs_channel_month_chart")["data"]
    assert [trace["name"] for trace in months] == list(table.index)


@pytest.mark.slow
def test_months_below_zero_are_explained(ui, demo_db, demo_con):
    below = [m for m, in demo_con.execute("select month from marts.margin_leakage_wide group by month "
                                          "having sum(supplier_leakage) < 0 order by month").fetchall()]
    assert below  # the demo's IEEPA refunds arrive in late 2026
    at = ui.open(demo_db, "costs")
    said = [t for t in ui.texts(at).split("\n") if t.startswith("Below zero in")]
    words = f"{len(below)} month" + ("" if len(below) == 1 else "s")
    first = ", ".join(f"{m:%b %Y}" for m in below[:3])
    assert said and said[0].startswith(f"Below zero in {words} ({first}")
    assert "money came back that month" in said[0]


def test_a_channel_without_a_fee_assumption_is_named_on_the_costs_page(ui, tiny_dir, tmp_path, built):
    """Sales on amazon_ca (no marketplace_fees.csv row) without reported fees, and a return there: the build counts
    their fees and the return's processing fee as $0, and the Costs page says so instead of showing the planned
    contribution as if they were known. Sales that report their fees are not named."""
    with (tiny_dir / "sales.csv").open("a", encoding="utf-8") as handle:
        handle.write("A1,2024-05,amazon_ca,100,4000,\nA2,2024-05,amazon_ca,20,400,\nA2,2024-04,amazon_mx,5,100,12\n"
                     "A1,2024-06,amazon_ca,10,400,50\nB1,2024-05,walmart_us,10,300,3\n")
    with (tiny_dir / "returns.csv").open("a", encoding="utf-8") as handle:
        handle.write("R5,A1,P1,2024-05-10,2,defective,amazon_ca,80,sellable\n")
    db_path = built(tiny_dir, tmp_path / "w.duckdb")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = db.run_sql(con, "channels_without_fees", ids=None, supplier_id=None, sku=None)
        fees = con.execute("select cast(sum(marketplace_fees) as double) from marts.sales_by_channel "
                           "where channel = 'amazon_ca' and month = date '2024-05-01'").fetchone()[0]
        cost = con.execute("select cast(return_cost as double) from marts.return_costs where return_id = 'R5'") \
            .fetchone()[0]
        only_b1 = db.run_sql(con, "channels_without_fees", ids=None, supplier_id=None, sku="B1")
        every = {"ids": None, "supplier_id": None, "sku": None, "month_from": None, "month_to": None}
        basis = db.run_sql(con, "channel_fee_basis", **every)
        basis_a2 = db.run_sql(con, "channel_fee_basis", **{**every, "sku": "A2"})
        basis_may = db.run_sql(con, "channel_fee_basis", **{**every, "sku": "A1", "month_from": date(2024, 5, 1)})
        left_out = {s: db.run_sql(con, "sales_without_returns", ids=None, supplier_id=s, sku=None)
                    for s in (None, "S1", "S2")}
    finally:
        con.close()
    assert fees == 0 and cost == 80   # no fee, no return-processing fee: the refund alone
    # amazon_mx and walmart_us reported their fees: not named
    assert rows[["channel", "sales_rows", "revenue", "returns", "units_returned"]].values.tolist() == [
        ["amazon_ca", 2, 4400, 1, 2]]
    assert only_b1.empty    # the filters apply: B1's sales report their fees
    # and where every channel's fees come from: the tiny portfolio's sales report theirs, the added amazon_ca ones not
    assert display.fee_basis(basis) == (
        "Marketplace fees: as reported for Amazon MX, Amazon US, Shopify (own store) and Walmart US; partly "
        "estimated for Amazon CA (2 of 3 sales rows).")
    assert display.fee_basis(basis_a2) == (
        "Marketplace fees: as reported for Amazon MX and Shopify (own store); estimated from the fee assumptions "
        "(data/reference/marketplace_fees.csv) for Amazon CA.")
    assert display.fee_basis(basis_may) == ("Marketplace fees: as reported for Amazon US; partly estimated for "
                                            "Amazon CA (1 of 2 sales rows).")
    # and the channels no return names at all (amazon_mx and walmart_us sold and had none): their returns were never
    # imported. From May, A1's Amazon US returns (April) are outside the months, but Amazon US has returns: none
    # in these months is zero, not unknown
    assert basis.set_index("channel")["returns"].to_dict() == {"amazon_ca": 1, "amazon_mx": 0, "amazon_us": 3,
                                                               "shopify_dtc": 1, "walmart_us": 0}
    no_returns = ("units sold are left out of the return rates and their return costs read as zero. If there were "
                  "returns, import them (TikTok Shop's orders export and Walmart's payment report give no return "
                  "reason: bring them in through a column mapping).")
    assert display.channels_without_returns(basis) == (
        f"No returns recorded for Amazon MX and Walmart US: their {no_returns}")
    assert display.channels_without_returns(basis_may) == ""
    assert display.channels_without_returns(basis_a2) == (   # R5 names amazon_ca: A1's, but the channel has returns
        "No returns recorded for Amazon MX: its " + no_returns.replace("their", "its"))
    at = ui.open(db_path, "costs")
    captions = [c.value for c in at.caption]
    assert md(display.fee_basis(basis)) in captions and md(display.channels_without_returns(basis)) in captions
    # the units the return rates leave out: amazon_mx (A2, S1's) and walmart_us (B1, S2's), all months
    assert left_out[None][["channel", "reason", "units_sold"]].values.tolist() == [
        ["walmart_us", "channel", 10], ["amazon_mx", "channel", 5]]
    assert display.sales_left_out_of_return_rates(left_out["S1"]) == (
        "The return rates leave out 5 units sold on Amazon MX: no return in the data names that channel, so its "
        "returns were never imported, and counting its sales would only make the rates look lower. Import them if "
        "there were any.")
    assert display.sales_left_out_of_return_rates(left_out[None]).startswith(
        "The return rates leave out 10 units sold on Walmart US and 5 units sold on Amazon MX: no return in the data "
        "names those channels, so their returns")
    supplier = ui.open(db_path, "supplier", query={"supplier": "S1"})
    assert md(display.sales_left_out_of_return_rates(left_out["S1"])) in [c.value for c in supplier.caption]
    data = ui.open(db_path, "data")   # and where the build is read: every supplier's
    assert md(display.sales_left_out_of_return_rates(left_out[None])) in [c.value for c in data.caption]
    warned = [w.value for w in at.warning if w.value.startswith("No fee assumption")]
    assert warned == [
        "No fee assumption for Amazon CA (2 sales rows without reported fees, \\$4\\,400 revenue; 1 return): "
        "their marketplace fees and return-processing fees count \\$0, so the planned contribution is overstated "
        "and the returns' cost understated. Import the channel's settlement report (its fees replace the "
        "assumption) or add the channel to data/reference/marketplace_fees.csv."]


def test_sales_months_before_the_returns_on_record_are_named_where_the_rates_are_read(ui, tiny_dir, tmp_path, built):
    """A1 sold on Amazon US in October-December 2023, months the Amazon US returns on record (from March 2024) do not
    cover: the Supplier page of S1 and the Data page say which sales the return rates leave out and why; S2's page
    (B1 sold in March 2024, covered) says nothing."""
    with (tiny_dir / "sales.csv").open("a", encoding="utf-8") as handle:
        handle.write("A1,2023-10,amazon_us,1000,40000,10000\nA1,2023-11,amazon_us,1000,40000,10000\n"
                     "A1,2023-12,amazon_us,1000,40000,10000\n")
    db_path = built(tiny_dir, tmp_path / "w.duckdb")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        left_out = {s: db.run_sql(con, "sales_without_returns", ids=None, supplier_id=s, sku=None)
                    for s in (None, "S1", "S2")}
        every = {"ids": None, "supplier_id": None, "sku": None, "month_from": None, "month_to": None}
        basis = db.run_sql(con, "channel_fee_basis", **every)
        basis_2024 = db.run_sql(con, "channel_fee_basis", **{**every, "month_from": date(2024, 1, 1)})
    finally:
        con.close()
    # the Costs page, over the chosen months: those months' return costs read as zero; from 2024 every month is covered
    gap = ("The returns on record do not cover Amazon US in Oct 2023 to Dec 2023: those months' return costs read as "
           "zero and their units are left out of the return rates. Import those months' returns if you have them.")
    assert display.channels_without_returns(basis) == gap
    assert display.channels_without_returns(basis_2024) == ""
    assert md(gap) in [c.value for c in ui.open(db_path, "costs").caption]
    assert left_out["S2"].empty
    assert left_out[None][["channel", "reason", "units_sold"]].values.tolist() == [["amazon_us", "before", 3000]]
    said = ("The return rates leave out the sales of Oct 2023 to Dec 2023, before the first recorded return (Mar "
            "2024): 3,000 on Amazon US. At the return rate over the months the returns cover, those sales would have "
            "brought returns and the data has none: their returns were not imported. Import them if you have them.")
    assert display.sales_left_out_of_return_rates(left_out["S1"]) == said
    assert display.sales_left_out_of_return_rates(left_out[None]) == said
    supplier = ui.open(db_path, "supplier", query={"supplier": "S1"})
    assert md(said) in [c.value for c in supplier.caption]
    data = ui.open(db_path, "data")
    assert md(said) in [c.value for c in data.caption]
    other = ui.open(db_path, "supplier", query={"supplier": "S2"})
    assert not [c.value for c in other.caption if "return rates leave out" in c.value]


def test_a_channel_whose_returns_give_no_reason_is_named_where_the_rates_and_costs_are_read(ui, tiny_dir, tmp_path,
                                                                                           built):
    """Amazon US's returns (R1, R2, R4) come from a spreadsheet mapped without its reason column: the Supplier page of
    S1, the Data page and the Costs page say that its sales leave the return rates and why; S1's timeline says the
    return gave no reason."""
    path = tiny_dir / "returns.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",defective,amazon_us,", ",,amazon_us,")
                    .replace(",customer_remorse,amazon_us,", ",,amazon_us,")
                    .replace(",wrong_item,amazon_us,", ",,amazon_us,"), encoding="utf-8")
    db_path = built(tiny_dir, tmp_path / "w.duckdb")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        left_out = {s: db.run_sql(con, "sales_without_returns", ids=None, supplier_id=s, sku=None)
                    for s in (None, "S1")}
        basis = db.run_sql(con, "channel_fee_basis", ids=None, supplier_id=None, sku=None, month_from=None,
                           month_to=None)
        timeline = db.run_sql(con, "supplier_timeline", supplier_id="S1")
    finally:
        con.close()
    assert left_out[None][["channel", "reason", "units_sold"]].values.tolist() == [["amazon_us", "reasons", 1050]]
    said = ("The return rates leave out 900 units sold on Amazon US: its returns give no reason (or only 'other'), so "
            "whether any was a defect cannot be told, and none counts against the supplier. Import its returns with "
            "their reasons.")
    assert display.sales_left_out_of_return_rates(left_out["S1"]) == said
    assert md(said) in [c.value for c in ui.open(db_path, "supplier", query={"supplier": "S1"}).caption]
    assert md(said.replace("900", "1,050")) in [c.value for c in ui.open(db_path, "data").caption]
    costs = ("The returns on Amazon US give no reason: none counts as caused by the supplier and its units sold are "
             "left out of the return rates. Import its returns with their reasons.")
    assert display.channels_without_returns(basis) == costs
    assert md(costs) in [c.value for c in ui.open(db_path, "costs").caption]
    assert "3 × A1: no reason given" in timeline["detail"].tolist()


def test_months_whose_returns_were_not_imported_are_named_as_runs(ui, tiny_dir, tmp_path, built):
    """A1 sells on Amazon US from June to August with a return on record in August only (May-July's returns reports
    skipped): May-July's sales are left out (tests/pipelines/test_supplier_kpis.py has the evidence by hand). The
    Supplier page names the run of months; the Costs page names it too, and
    with sales in October-December 2023 (before the first return) as a second run, not one span over the covered
    months between."""
    with (tiny_dir / "sales.csv").open("a", encoding="utf-8") as f:
        f.write("A1,2024-06,amazon_us,1000,40000,10000\nA1,2024-07,amazon_us,1000,40000,10000\n"
                "A1,2024-08,amazon_us,1000,40000,10000\nA1,2023-10,amazon_us,1000,40000,10000\n"
                "A1,2023-11,amazon_us,1000,40000,10000\n")
    with (tiny_dir / "returns.csv").open("a", encoding="utf-8") as f:
        f.write("R9,A1,,2024-08-10,20,customer_remorse,amazon_us,800,sellable\n")
    db_path = built(tiny_dir, tmp_path / "w.duckdb")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        left_out = db.run_sql(con, "sales_without_returns", ids=None, supplier_id="S1", sku=None)
        basis = db.run_sql(con, "channel_fee_basis", ids=None, supplier_id=None, sku=None, month_from=None,
                           month_to=None)
    finally:
        con.close()
    assert left_out[["reason", "units_sold"]].values.tolist() == [["gap", 2400], ["before", 2000]]
    said = ("The return rates leave out the sales of May 2024 to Jul 2024, months with no recorded return, between "
            "others: 2,400 on Amazon US. They also leave out the sales of Oct 2023 to Nov 2023, before the first "
            "recorded return (Mar 2024): 2,000 on Amazon US. At the return rate over the months the returns cover, "
            "those sales would have brought returns and the data has none: their returns were not imported. Import "
            "them if you have them.")
    assert display.sales_left_out_of_return_rates(left_out) == said
    assert md(said) in [c.value for c in ui.open(db_path, "supplier", query={"supplier": "S1"}).caption]
    costs = ("The returns on record do not cover Amazon US in Oct 2023 to Nov 2023 and May 2024 to Jul 2024: those "
             "months' return costs read as zero and their units are left out of the return rates. Import those "
             "months' returns if you have them.")
    assert display.channels_without_returns(basis) == costs
    assert md(costs) in [c.value for c in ui.open(db_path, "costs").caption]


def test_channels_with_several_uncovered_spans_are_told_apart():
    """Amazon US misses two runs of months, Shopify one: the channels are separated by semicolons, not a third
    "and"."""
    basis = pd.DataFrame({"channel": ["amazon_us", "shopify_dtc"], "sales_rows": [10, 5], "returns_recorded": True,
                          "reasons_recorded": True,
                          "uncovered_months": [[date(2023, 10, 1), date(2023, 11, 1), date(2025, 4, 1)],
                                               [date(2023, 10, 1), date(2023, 11, 1)]]})
    assert display.channels_without_returns(basis).startswith(
        "The returns on record do not cover Amazon US in Oct 2023 to Nov 2023 and Apr 2025; Shopify (own store) in "
        "Oct 2023 to Nov 2023: those months' return costs read as zero")


def test_month_spans_join_consecutive_months():
    months = [date(2024, 9, 1), date(2023, 10, 1), date(2023, 11, 1), date(2023, 11, 1), date(2024, 1, 1)]
    assert display.month_spans(months) == ["Oct 2023 to Nov 2023", "Jan 2024", "Sep 2024"]
    assert display.month_span(months[1], months[0]) == "Oct 2023 to Sep 2024"
    assert display.month_spans([]) == []
