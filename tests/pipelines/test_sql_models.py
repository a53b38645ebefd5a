"""Each staging model and marts.po_status on hand-written rows, in an in-memory DuckDB, against expected output."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from pipelines.build import SQL_DIR, create_macros
from pipelines.ingest import create_raw_tables, load_reference_tables


def run_model(con, name: str):
    schema, table = name.split(".")
    con.execute(f"create schema if not exists {schema}")
    con.execute(f"create or replace table {name} as {(SQL_DIR / schema / f'{table}.sql').read_text()}")
    return con.execute(f"select * from {name}").df()


@pytest.fixture
def con():
    c = duckdb.connect()
    create_raw_tables(c)
    load_reference_tables(c)
    create_macros(c)
    yield c
    c.close()


def test_staging_suppliers_normalises_codes_and_defaults(con):
    con.execute("""insert into raw.suppliers (supplier_id, supplier_name, supplier_type, country, province,
                   registration_id, is_verified, litigation_cases, operating_status, subcontracting)
                   values (' S1 ', 'Acme', 'trading_company', 'cn', '', ' 9133 0201ma2h3xyz1k ', null, null,
                           'normal', 'none')""")
    row = run_model(con, "staging.suppliers").iloc[0]
    assert row["supplier_id"] == "S1"
    assert row["country"] == "CN"
    assert row["province"] is None or row["province"] != row["province"]  # '' becomes NULL
    assert row["registration_id"] == "91330201MA2H3XYZ1K"
    assert bool(row["is_trading_company"]) is True
    assert bool(row["is_verified"]) is False  # unknown badge counts as not verified
    assert pd.isna(row["litigation_cases"])  # blank: not checked (unknown), never 'none found'


def test_staging_products_purchase_orders_and_sales(con):
    con.execute("insert into raw.products (sku, supplier_id, category, hs_code, origin_country) "
                "values ('A1', 'S1', '', '9405.42.8440', null)")
    con.execute("insert into raw.purchase_orders (po_id, supplier_id, sku, ordered_on, quantity, unit_price, "
                "currency, incoterm) values ('P1', 'S1', 'A1', '2024-01-02', 1000, 5.25, null, null)")
    con.execute("insert into raw.sales (sku, month, channel, units_sold, gross_revenue) "
                "values ('A1', '2024-03', 'Amazon_US', 10, null)")
    product = run_model(con, "staging.products").iloc[0]
    assert (product["category"], product["hs_digits"], product["origin_country"]) == (
        "uncategorised", "9405428440", "CN")
    po = run_model(con, "staging.purchase_orders").iloc[0]
    assert (po["currency"], po["incoterm"], po["order_value"]) == ("USD", "FOB", 5250.0)
    run_model(con, "staging.returns")   # none: every channel's units count in a return rate
    run_model(con, "staging.returns_coverage")
    run_model(con, "staging.returns_gaps")
    sale = run_model(con, "staging.sales").iloc[0]
    assert (sale["channel"], sale["month_on"].date(), sale["gross_revenue"]) == ("amazon_us", dt.date(2024, 3, 1), 0)
    assert sale["returns_recorded"]


def _sales_and_returns(con, returns: list[tuple]):
    """Amazon US sells 1,000 units a month through 2024, Walmart US 100 in January and 100 in June, TikTok Shop US
    500 in March; `returns` are (id, returned_on, quantity, channel[, reason]): 'defective' unless given."""
    rows = [f"('A1', '2024-{m:02d}', 'amazon_us', 1000)" for m in range(1, 13)]
    rows += ["('A1', '2024-01', 'Walmart_US', 100)", "('A1', '2024-06', 'walmart_us', 100)",
             "('A1', '2024-03', 'tiktok_shop_us', 500)"]
    con.execute(f"insert into raw.sales (sku, month, channel, units_sold) values {', '.join(rows)}")
    if returns:
        con.executemany("insert into raw.returns (return_id, sku, returned_on, quantity, channel, reason) "
                        "values (?, 'A1', ?, ?, ?, ?)", [(*r[:4], r[4] if len(r) > 4 else "defective")
                                                         for r in returns])
    run_model(con, "staging.returns")
    coverage = run_model(con, "staging.returns_coverage").set_index("channel")
    run_model(con, "staging.returns_gaps")
    sales = run_model(con, "staging.sales")
    recorded = {(r.channel, r.month_on.strftime("%Y-%m")) for r in sales.itertuples() if r.returns_recorded}
    return coverage, sales, recorded


AMAZON_RETURNS = [(f"R{m}", f"2024-{m:02d}-15", 20, "amazon_us") for m in range(7, 12)]  # 100 units, Jul-Nov


def test_sales_months_outside_the_returns_on_record_are_left_out_of_the_return_rates(con):
    """Hand-computed. Amazon US's returns run July to November: with a month's lag they speak for sales from June, and
    100 returned units of the 6,000 sold June-November is 1/60. At that rate January-May's 5,000 units would have
    brought 83.3 returns and December's 1,000 16.7, and the data has none: both are left out (5 or more expected).
    Walmart US's one return (June) speaks for May-June; January's 100 units would have brought 1 (1 of 100 in June),
    fewer than 5: kept. No return names TikTok Shop US: its units are out."""
    coverage, sales, recorded = _sales_and_returns(con, AMAZON_RETURNS + [("W1", "2024-06-20", 1, "walmart_us")])
    amazon, walmart, tiktok = (coverage.loc[c] for c in ("amazon_us", "walmart_us", "tiktok_shop_us"))
    assert (amazon["returned_units"], amazon["units_in_span"], amazon["units_before"], amazon["units_after"]) == (
        100, 6000, 5000, 1000)
    assert amazon["return_rate"] == pytest.approx(1 / 60)
    assert amazon["expected_before"] == pytest.approx(5000 / 60)
    assert amazon["expected_after"] == pytest.approx(1000 / 60)
    assert (amazon["first_return_month"], amazon["last_return_month"]) == (pd.Timestamp(2024, 7, 1), pd.Timestamp(2024, 11, 1))
    assert (amazon["recorded_from"], amazon["recorded_to"]) == (pd.Timestamp(2024, 6, 1), pd.Timestamp(2024, 11, 1))
    assert walmart["expected_before"] == pytest.approx(1.0) and pd.isna(walmart["recorded_from"])
    assert not tiktok["returns_recorded"] and pd.isna(tiktok["first_return_month"])
    assert not coverage["pooled"].any()
    assert recorded == {("amazon_us", f"2024-{m:02d}") for m in range(6, 12)} | {
        ("walmart_us", "2024-01"), ("walmart_us", "2024-06")}
    by_channel = sales.groupby("channel")["channel_returns_recorded"].agg(["min", "max"])
    assert by_channel.to_dict("index") == {"amazon_us": {"min": True, "max": True},
                                           "walmart_us": {"min": True, "max": True},
                                           "tiktok_shop_us": {"min": False, "max": False}}


def test_returns_without_a_channel_pool_every_channel_and_its_months(con):
    """A return naming no channel could be any channel's: every channel is one pool. Hand-computed: its returns run
    June (Walmart's) to November, so sales from May count; 102 returned units of the 7,100 sold May-November (Amazon
    7,000, Walmart 100); January-April's 4,600 units (Amazon 4,000, Walmart 100, TikTok 500) would have brought 66.1,
    December's 1,000 14.4: both sides left out, on every channel."""
    coverage, _, recorded = _sales_and_returns(con, AMAZON_RETURNS + [("W1", "2024-06-20", 1, "walmart_us"),
                                                                      ("X1", "2024-07-02", 1, " ")])
    assert coverage["pooled"].all() and coverage["returns_recorded"].all()
    row = coverage.loc["tiktok_shop_us"]
    assert (row["returned_units"], row["units_in_span"], row["units_before"], row["units_after"]) == (
        102, 7100, 4600, 1000)
    assert row["expected_before"] == pytest.approx(4600 * 102 / 7100)
    assert (row["recorded_from"], row["recorded_to"]) == (pd.Timestamp(2024, 5, 1), pd.Timestamp(2024, 11, 1))
    assert recorded == {("amazon_us", f"2024-{m:02d}") for m in range(5, 12)} | {("walmart_us", "2024-06")}


def test_a_channel_whose_returns_give_no_reason_is_left_out_of_the_return_rates(con):
    """Walmart US's 6 returned units give no reason (a returns sheet mapped without its reason column): whether any
    was a defect cannot be told, so its sales leave the rates ('reasons') rather than read a defect rate of 0.
    Amazon's 3 units without a reason beside 100 with one keep its reasons recorded, and are counted."""
    coverage, sales, recorded = _sales_and_returns(
        con, AMAZON_RETURNS + [("A0", "2024-08-03", 3, "amazon_us", None), ("W1", "2024-06-20", 4, "walmart_us", None),
                               ("W2", "2024-06-21", 2, "walmart_us", None)])
    walmart, amazon = coverage.loc["walmart_us"], coverage.loc["amazon_us"]
    assert (walmart["returns_recorded"], walmart["reasons_recorded"], walmart["units_without_reason"]) == (
        True, False, 6)
    assert (amazon["reasons_recorded"], amazon["units_without_reason"], amazon["returned_units"]) == (True, 3, 103)
    assert set(sales.loc[sales["channel"] == "walmart_us", "returns_left_out"]) == {"reasons"}
    assert recorded == {("amazon_us", f"2024-{m:02d}") for m in range(6, 12)}


@pytest.mark.parametrize(("walmart", "recorded"), [
    ([("W1", "2024-06-20", 5, "walmart_us", "other")], False),      # 5 units, every one 'other': no evidence of why
    ([("W1", "2024-06-20", 4, "walmart_us", "other")], True),       # 4: too few to tell from chance
    ([("W1", "2024-06-20", 3, "walmart_us", None), ("W2", "2024-06-20", 2, "walmart_us", "other")], False),
    ([("W1", "2024-06-20", 5, "walmart_us", "other"), ("W2", "2024-06-20", 1, "walmart_us", "customer_remorse")],
     True),                                                         # one names a reason: the reasons are recorded
])
def test_reasons_are_recorded_unless_five_returned_units_name_none_but_other(con, walmart, recorded):
    coverage, sales, _ = _sales_and_returns(con, AMAZON_RETURNS + walmart)
    assert coverage.loc["walmart_us", "reasons_recorded"] == recorded
    assert coverage.loc["amazon_us", "reasons_recorded"]
    assert (sales.loc[sales["channel"] == "walmart_us", "returns_left_out"] == "reasons").all() == (not recorded)


def test_a_month_inside_the_span_whose_returns_were_not_imported_is_left_out(con):
    """Hand-computed. Amazon US's returns are on record for July, August and November (20 units each): September and
    October's returns reports were skipped. At the span's rate (60 of the 6,000 units sold June-November, 1%) those two
    months' 2,000 units would have brought 20 returns, and none is dated in them: both are left out ('gap'), a month
    of sales for each month of missing returns. The rest as before."""
    returns = [(f"R{m}", f"2024-{m:02d}-15", 20, "amazon_us") for m in (7, 8, 11)]
    coverage, sales, recorded = _sales_and_returns(con, returns)
    gaps = con.execute("select * from staging.returns_gaps").df()
    assert gaps[["channel", "gap_from", "gap_to", "units_sold"]].values.tolist() == [
        ["amazon_us", pd.Timestamp(2024, 9, 1), pd.Timestamp(2024, 10, 1), 2000]]
    assert gaps["expected"].iloc[0] == pytest.approx(20.0)
    assert set(sales.loc[sales["returns_left_out"] == "gap", "month"]) == {"2024-09", "2024-10"}
    assert recorded == {("amazon_us", f"2024-{m:02d}") for m in (6, 7, 8, 11)}


def test_a_quiet_month_of_a_small_channel_is_kept(con):
    """The same months at 2 returned units each: 6 of 6,000 is 0.1%, and September-October's 2,000 units would have
    brought 2 returns, fewer than 5: none in those months is what chance gives, and they stay."""
    returns = [(f"R{m}", f"2024-{m:02d}-15", 2, "amazon_us") for m in (7, 8, 11)]
    _, sales, recorded = _sales_and_returns(con, returns)
    assert con.execute("select * from staging.returns_gaps").df().empty
    assert ("amazon_us", "2024-09") in recorded


def test_a_gap_in_pooled_returns_leaves_that_month_out_on_every_channel(con):
    """A return naming no channel pools every channel: September-October (no pooled return) is left out on Amazon US,
    the only channel selling then; the run's units and expected returns are the pool's."""
    returns = [(f"R{m}", f"2024-{m:02d}-15", 20, "amazon_us") for m in (7, 8, 11)] + [("X1", "2024-07-02", 1, " ")]
    _, sales, _ = _sales_and_returns(con, returns)
    gaps = con.execute("select * from staging.returns_gaps").df()
    assert gaps["pooled"].all() and set(gaps["channel"]) == {"amazon_us", "walmart_us", "tiktok_shop_us"}
    assert set(gaps["gap_from"]) == {pd.Timestamp(2024, 9, 1)} and set(gaps["units_sold"]) == {2000}
    assert set(sales.loc[sales["returns_left_out"] == "gap", "channel"] + "/" +
               sales.loc[sales["returns_left_out"] == "gap", "month"]) == {"amazon_us/2024-09", "amazon_us/2024-10"}


def test_without_any_return_every_sale_counts(con):
    coverage, _, recorded = _sales_and_returns(con, [])
    assert coverage["returns_recorded"].all() and coverage["recorded_from"].isna().all()
    assert len(recorded) == 15


def test_staging_converts_cny_prices_and_payments_at_the_month_rate_and_keeps_the_originals(con):
    """Hand-checked: Fed G.5 monthly averages, CNY per USD 7.2327 in May 2024 and 7.2547 in June 2024."""
    con.execute("insert into raw.purchase_orders (po_id, supplier_id, sku, ordered_on, quantity, unit_price, currency) "
                "values ('P1', 'S1', 'A1', '2024-05-20', 2000, 45.50, 'cny'), "
                "('P2', 'S1', 'A1', '2024-06-03', 100, 6.85, null)")
    con.execute("insert into raw.payments (payment_id, po_id, paid_on, amount) values "
                "('Y1', 'P1', '2024-05-21', 27300.00), ('Y2', 'P1', '2024-06-28', 63700.00), "
                "('Y3', 'P2', '2024-06-28', 685.00)")
    po = run_model(con, "staging.purchase_orders").set_index("po_id")
    assert po.loc["P1", "currency"] == "CNY" and po.loc["P1", "unit_price_original"] == 45.50
    assert po.loc["P1", "fx_units_per_usd"] == 7.2327
    assert po.loc["P1", "unit_price"] == pytest.approx(45.50 / 7.2327, rel=1e-12)      # 6.2909…
    assert po.loc["P1", "order_value"] == pytest.approx(91_000 / 7.2327, rel=1e-12)    # 12,581.75
    assert round(po.loc["P1", "order_value"], 2) == 12_581.75
    assert (po.loc["P2", "currency"], po.loc["P2", "fx_units_per_usd"], po.loc["P2", "order_value"]) == ("USD", 1.0, 685.0)
    pay = run_model(con, "staging.payments").set_index("payment_id")
    # the deposit at May's rate, the balance at June's: 27,300 / 7.2327 = 3,774.52; 63,700 / 7.2547 = 8,780.51
    assert round(pay.loc["Y1", "amount"], 2) == 3_774.52 and pay.loc["Y1", "fx_units_per_usd"] == 7.2327
    assert round(pay.loc["Y2", "amount"], 2) == 8_780.51 and pay.loc["Y2", "fx_units_per_usd"] == 7.2547
    assert (pay.loc["Y2", "currency"], pay.loc["Y2", "amount_original"]) == ("CNY", 63_700.0)
    assert (pay.loc["Y3", "currency"], pay.loc["Y3", "amount"]) == ("USD", 685.0)


def test_staging_payments_shipments_returns_inspections(con):
    con.execute("insert into raw.payments (payment_id, po_id, paid_on, amount, kind, channel) values "
                "('Y1', 'P1', '2024-01-03', 10, null, 'wire'), ('Y2', 'P1', '2024-01-04', 10, 'deposit', null),"
                "('Y3', 'P1', '2024-01-05', 10, 'balance', 'trade_assurance')")
    pay = run_model(con, "staging.payments").set_index("payment_id")
    assert pay["kind"].to_dict() == {"Y1": "other", "Y2": "deposit", "Y3": "balance"}
    # an unknown channel is not Trade Assurance: the money is not protected
    assert pay["is_outside_trade_assurance"].to_dict() == {"Y1": True, "Y2": True, "Y3": False}
    # an order's agreed channel by the same rule (the macro is_outside_trade_assurance; the incident model reads it)
    con.execute("insert into raw.purchase_orders (po_id, supplier_id, sku, ordered_on, quantity, unit_price, "
                "payment_channel) values ('P1', 'S1', 'A1', '2024-01-02', 1, 1, 'wire'), "
                "('P2', 'S1', 'A1', '2024-01-02', 1, 1, null), ('P3', 'S1', 'A1', '2024-01-02', 1, 1, 'trade_assurance')")
    po = run_model(con, "staging.purchase_orders").set_index("po_id")
    assert po["is_outside_trade_assurance"].to_dict() == {"P1": True, "P2": True, "P3": False}
    con.execute("insert into raw.shipments (shipment_id, po_id, shipped_on, delivered_on, quantity) values "
                "('H1', 'P1', '2024-02-01', '2024-03-05', 5), ('H2', 'P1', '2024-02-01', null, 5)")
    sh = run_model(con, "staging.shipments").set_index("shipment_id")
    assert sh.loc["H1", "transit_days"] == 33 and bool(sh.loc["H1", "is_delivered"])
    assert not bool(sh.loc["H2", "is_delivered"]) and pd.isna(sh.loc["H2", "mode"])  # unknown, not assumed sea
    assert sh.loc["H2", "freight_cost"] == 0 and sh.loc["H2", "customs_hold_days"] == 0
    con.execute("insert into raw.returns (return_id, sku, po_id, returned_on, quantity, reason, disposition) "
                "values ('R1', 'A1', '', '2024-04-01', 1, 'defective', null)")
    ret = run_model(con, "staging.returns").iloc[0]
    assert ret["po_id"] is None or ret["po_id"] != ret["po_id"]
    assert (ret["disposition"], bool(ret["is_unsellable"])) == ("sellable", False)
    con.execute("insert into raw.inspections (inspection_id, po_id, inspection_type, inspected_on, result, "
                "critical_defects) values ('I1', 'P1', 'PSI', '2024-01-30', 'fail', null)")
    ins = run_model(con, "staging.inspections").iloc[0]
    assert (bool(ins["is_failed"]), bool(ins["is_passed"]), ins["cost"]) == (True, False, 0)
    assert pd.isna(ins["critical_defects"])  # a blank count is unknown (left out of defect rates), not 0


def test_staging_payments_reads_a_blank_kind_from_the_amounts_paid_on_the_order(con):
    """A payment that does not say what it is for: the one bringing what was paid to the order's value (within
    paid_in_full_tolerance_pct, 2%) is its balance, the order's first below that its deposit, any other other; a kind
    given is kept. Amounts in the order's currency; earlier = paid before (same day: smaller payment_id)."""
    con.execute("insert into raw.purchase_orders (po_id, supplier_id, sku, ordered_on, quantity, unit_price, currency) "
                "values ('P1', 'S1', 'A1', '2024-01-02', 1000, 10, null), ('P2', 'S1', 'A1', '2024-01-02', 100, 10, null), "
                "('P3', 'S1', 'A1', '2024-01-02', 100, 10, null), ('P4', 'S1', 'A1', '2024-05-20', 1000, 70, 'CNY'), "
                "('P5', 'S1', 'A1', '2024-01-02', 100, 10, null)")
    con.execute("insert into raw.payments (payment_id, po_id, paid_on, amount, kind) values "
                # 3,000 of 10,000: the first, below the value -> deposit; +6,850 = 9,850 >= 9,800 -> balance; then other
                "('Y1', 'P1', '2024-01-03', 3000, null), ('Y2', 'P1', '2024-02-01', 6850, null), "
                "('Y3', 'P1', '2024-02-05', 100, null), "
                # paid in full at once: the balance (paid before any inspection, as a balance is)
                "('Y4', 'P2', '2024-01-03', 1000, null), "
                # a stated deposit counts in what was paid; a second payment the same day comes after it (Y5 < Y6)
                "('Y5', 'P3', '2024-01-10', 300, 'deposit'), ('Y6', 'P3', '2024-01-10', 400, null), "
                "('Y7', 'P3', '2024-01-20', 300, null), "
                # CNY 21,000 + 49,000 = the order's CNY 70,000, whatever the months' USD rates
                "('Y8', 'P4', '2024-05-21', 21000, null), ('Y9', 'P4', '2024-06-28', 49000, null), "
                # 30% then 60%: 90% is not the order's value, so the second is other, and no balance is read
                "('Y10', 'P5', '2024-01-03', 300, null), ('Y11', 'P5', '2024-01-04', 600, null), "
                # an order not on file: nothing to read the kind from
                "('Y12', 'P9', '2024-01-04', 600, null)")
    pay = run_model(con, "staging.payments").set_index("payment_id")
    assert pay["kind"].to_dict() == {
        "Y1": "deposit", "Y2": "balance", "Y3": "other", "Y4": "balance", "Y5": "deposit", "Y6": "other",
        "Y7": "balance", "Y8": "deposit", "Y9": "balance", "Y10": "deposit", "Y11": "other", "Y12": "other"}
    assert not pay.loc["Y5", "is_kind_read_from_amounts"] and pay.drop("Y5")["is_kind_read_from_amounts"].all()
    # without the setting a blank kind is not guessed: left NULL, and the build's check names the payment
    con.execute("delete from reference.kpi_settings where setting = 'paid_in_full_tolerance_pct'")
    pay = run_model(con, "staging.payments").set_index("payment_id")
    assert pay["kind"].isna().sum() == 10 and pay.loc["Y5", "kind"] == "deposit"
    check = (SQL_DIR.parent / "checks" / "payment_kinds_known.sql").read_text()
    assert len(con.execute(check).fetchall()) == 10


def test_return_costs_attributes_each_return_once(con):
    """marts.return_costs is the one place a return is attributed: the supplier of its PO when traceable (here S2
    made lot P2 of S1's listed SKU A1), else the SKU's supplier; defect-coded and supplier-caused as
    reference.return_reasons says (damaged: the supplier's packaging, but not a product defect)."""
    con.execute("insert into raw.products (sku, supplier_id) values ('A1', 'S1'), ('B1', 'S2')")
    con.execute("insert into raw.purchase_orders (po_id, supplier_id, sku, ordered_on, quantity, unit_price) values "
                "('P1', 'S1', 'A1', '2024-01-02', 100, 5), ('P2', 'S2', 'A1', '2024-01-03', 100, 5)")
    con.execute("insert into raw.returns (return_id, sku, po_id, returned_on, quantity, reason, channel, "
                "refund_amount) values ('R1', 'A1', 'P2', '2024-04-01', 2, 'defective', 'amazon_us', 20), "
                "('R2', 'A1', null, '2024-04-02', 1, 'damaged', 'shopify_dtc', 10), "
                "('R3', 'B1', null, '2024-05-03', 3, 'customer_remorse', null, 30), "
                "('R4', 'A1', 'P1', '2024-05-04', 1, 'not_as_described', 'amazon_us', 10)")
    for name in ("staging.products", "staging.purchase_orders", "staging.returns"):
        run_model(con, name)
    got = run_model(con, "marts.return_costs").set_index("return_id").sort_index()
    assert got["supplier_id"].to_dict() == {"R1": "S2", "R2": "S1", "R3": "S2", "R4": "S1"}
    assert got["is_defect_coded"].astype(bool).to_dict() == {"R1": True, "R2": False, "R3": False, "R4": True}
    assert got["is_supplier_attributable"].astype(bool).to_dict() == {"R1": True, "R2": True, "R3": False,
                                                                       "R4": True}
    assert got["month"].map(lambda d: d.isoformat()[:10]).to_dict() == {
        "R1": "2024-04-01", "R2": "2024-04-01", "R3": "2024-05-01", "R4": "2024-05-01"}
    # refund plus the channel's return-processing fee per unit (amazon_us 3.00, shopify_dtc 6.00, none without one)
    assert got["return_cost"].astype(float).to_dict() == {"R1": 26.0, "R2": 16.0, "R3": 30.0, "R4": 13.0}


def test_quality_costs_are_charged_to_the_supplier_named_else_to_the_supplier_of_their_po(con):
    """marts.quality_costs is the one place a cost of poor quality is attributed (supplier_kpis, the margin leakage
    allocation and the risk score read it): the supplier it names wins over its PO's supplier."""
    con.execute("insert into raw.purchase_orders (po_id, supplier_id, sku, ordered_on, quantity, unit_price) values "
                "('P1', 'S1', 'A1', '2024-01-02', 100, 5)")
    con.execute("insert into raw.quality_costs (cost_id, po_id, supplier_id, incurred_on, kind, amount) values "
                "('Q1', 'P1', null, '2024-03-05', 'rework', 120), ('Q2', 'P1', 'S2', '2024-03-31', 'relabel', 40), "
                "('Q3', null, 'S3', '2024-04-01', 'chargeback', 75), ('Q4', null, null, '2024-04-02', 'sorting', 9)")
    for name in ("staging.purchase_orders", "staging.quality_costs"):
        run_model(con, name)
    got = run_model(con, "marts.quality_costs").set_index("cost_id").sort_index()
    assert got["supplier_id"].fillna("-").to_dict() == {"Q1": "S1", "Q2": "S2", "Q3": "S3", "Q4": "-"}
    assert got["sku"].fillna("-").to_dict() == {"Q1": "A1", "Q2": "A1", "Q3": "-", "Q4": "-"}
    assert got["month"].map(lambda d: d.isoformat()[:10]).to_dict() == {
        "Q1": "2024-03-01", "Q2": "2024-03-01", "Q3": "2024-04-01", "Q4": "2024-04-01"}
    assert got["amount"].astype(float).to_dict() == {"Q1": 120.0, "Q2": 40.0, "Q3": 75.0, "Q4": 9.0}


def test_po_status_per_order_by_hand(tiny_con):
    s = tiny_con.execute("select * from marts.po_status order by po_id").df().set_index("po_id")
    # as_of 2024-06-21, tolerance 3 days, in-full 98%, incident when > 14 days late
    assert s["is_resolved"].to_dict() == {"P1": True, "P2": True, "P3": True, "P4": True, "P5": True, "P6": False}
    assert s["is_on_time"].to_dict() == {"P1": True, "P2": False, "P3": True, "P4": True, "P5": False, "P6": False}
    assert s["is_otif"].to_dict() == {"P1": True, "P2": False, "P3": False, "P4": True, "P5": False, "P6": False}
    # P1 shipped 2 days after its promise; P2 9 days; P4 1 day early; P5 unshipped: 2024-06-21 - 2024-06-01
    assert s.loc["P1", "days_late"] == 2 and s.loc["P2", "days_late"] == 9 and s.loc["P4", "days_late"] == -1
    assert s.loc["P5", "days_late"] == 20 and bool(s.loc["P5", "is_late_incident"])
    assert not bool(s.loc["P2", "is_late_incident"])
    assert s.loc["P3", "shipped_quantity"] == 500 and s.loc["P3", "on_time_quantity"] == 400
    # P2: first PSI failed on 04-05, passed on 04-08; the balance went out on 04-06, before the pass
    assert s.loc["P2", "first_psi_result"] == "fail" and bool(s.loc["P2", "has_failed_psi"])
    assert bool(s.loc["P2", "is_balance_before_psi_pass"]) and not bool(s.loc["P1", "is_balance_before_psi_pass"])
    assert s.loc["P5", "deposit_at_risk"] == 990 and s.loc["P1", "deposit_at_risk"] == 0
    # open orders' goods not shipped yet at the order price: P5 300 × 11.00, P6 100 × 11.00; shipped P1 nothing
    assert (s.loc["P5", "unshipped_value"], s.loc["P6", "unshipped_value"], s.loc["P1", "unshipped_value"]) == (
        3300, 1100, 0)
    assert bool(s.loc["P5", "is_open"]) and bool(s.loc["P6", "is_open"]) and not bool(s.loc["P1", "is_open"])
    # P5 was paid by wire; P1 through Trade Assurance; P4 has no payments at all
    assert bool(s.loc["P5", "has_payment_outside_trade_assurance"])
    assert not bool(s.loc["P1", "has_payment_outside_trade_assurance"])
    assert not bool(s.loc["P4", "has_payment_outside_trade_assurance"])


def test_score_snapshot_before_is_each_suppliers_latest_month_end_before_now(con):
    """The dashboard's "last month" (macro score_snapshot_before): per supplier, the latest snapshot dated before its
    current score, on or before `before` when given; created only once the marts it reads exist."""
    with pytest.raises(duckdb.CatalogException):  # not created before the models: its marts do not exist yet
        con.execute("select * from score_snapshot_before(null)")
    con.execute("create schema marts")
    con.execute("""create table marts.supplier_risk_score as select * from (values
                   ('S1', date '2026-11-20', 40.0), ('S2', date '2026-11-20', 10.0), ('S3', date '2026-11-20', 5.0))
                   t(supplier_id, as_of, risk_score)""")
    con.execute("""create table marts.supplier_risk_history as select * from (values
                   ('S1', date '2026-08-31', 20.0), ('S1', date '2026-09-30', 30.0), ('S1', date '2026-10-31', 35.0),
                   ('S1', date '2026-11-20', 40.0), ('S2', date '2026-10-31', 12.0)) t(supplier_id, as_of, risk_score)""")
    create_macros(con, reading_marts=True, only=("score_snapshot_before",))  # the others read marts not made here

    def snap(before):
        return dict(con.execute("select supplier_id, as_of::varchar from score_snapshot_before(?::date) order by 1",
                                [before]).fetchall())

    # the current score's own date never counts; S3 has no earlier snapshot
    assert snap(None) == {"S1": "2026-10-31", "S2": "2026-10-31"}
    assert snap(dt.date(2026, 10, 30)) == {"S1": "2026-09-30"}
    assert snap(dt.date(2026, 9, 30)) == {"S1": "2026-09-30"}
    assert snap(dt.date(2026, 8, 1)) == {}


def test_a_decided_psi_is_the_same_in_staging_and_in_frames(con):
    """staging.inspections.is_decided_psi and models.po_status.is_decided_psi: one rule in SQL and for frames."""
    from models import po_status

    con.execute("""insert into raw.inspections (inspection_id, po_id, inspection_type, inspected_on, result) values
                   ('I1', 'P1', 'PSI', '2024-01-30', 'pass'), ('I2', 'P1', 'PSI', '2024-01-31', 'fail'),
                   ('I3', 'P1', 'PSI', '2024-02-01', 'pending'), ('I4', 'P1', 'DUPRO', '2024-01-10', 'pass'),
                   ('I5', 'P1', 'PPI', '2024-01-05', 'fail')""")
    ins = run_model(con, "staging.inspections").sort_values("inspection_id").reset_index(drop=True)
    assert ins["is_decided_psi"].tolist() == [True, True, False, False, False]
    assert po_status.is_decided_psi(ins).tolist() == ins["is_decided_psi"].tolist()
