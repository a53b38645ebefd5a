"""The TikTok Shop orders export: a fixture written to the Seller Center's published layout (its column list, the line
of column descriptions under the header, IDs and times ending in a tab, a UTF-8 BOM, US month-first times with a
12-hour clock), every line accounted for, units and revenue by hand, the currency and the date order never assumed,
the fee estimate through a build, and a later export that removes an order cancelled since."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb

from helpers import FIXTURES, edited_export
from pipelines.adapters import registry, store, tiktok_shop_orders
from pipelines.adapters.base import Options
from pipelines.adapters.dates import AMBIGUOUS_DATES

ORDERS = FIXTURES / "exports" / "tiktok_shop_orders.csv"
TINY = FIXTURES / "tiny"
IN_TRANSIT = "576461413038786003"   # line 8: the one order created on a day above 12 (05/14/2024)


def _sales(folder: Path) -> dict[tuple[str, str, str], tuple[str, str, str]]:
    with (folder / "sales.csv").open(newline="", encoding="utf-8") as handle:
        return {(r["sku"], r["month"], r["channel"]): (r["units_sold"], r["gross_revenue"], r["marketplace_fees"])
                for r in csv.DictReader(handle)}


def _edited(tmp_path: Path, name: str, edit) -> Path:
    return edited_export(ORDERS, tmp_path / name, edit)


def _order(row: dict) -> str:
    return row["\ufeffOrder ID"].strip()


def test_the_export_is_recognised_and_gives_units_and_revenue_per_sku_and_month(tmp_path):
    assert registry.detect(ORDERS).name == "tiktok-shop-orders"
    got = registry.convert(ORDERS)
    assert (got.rows_read, got.rows_written, got.rows_rejected, got.rows_left_out) == (10, 4, 3, 3)
    problems = {(r.line, r.column): r.reason for r in got.rejections()}
    assert problems == {
        (2, "Order ID"): "left out: the export's line of column descriptions under its header",
        (5, "Order Status"): "left out: cancelled order: no sale",
        (6, "Order Status"): "left out: unpaid order: not a sale yet (import a later export)",
        (9, "Quantity"): "not a number: 'two'",
        (10, "Seller SKU"): "Seller SKU is empty: give the product a seller SKU in the Seller Center (your SKU, as in "
                            "products.csv), or import it through a mapping",
        (11, "Order Status"): "an order status this import does not know: 'Frozen' (a paid order is Awaiting "
                              "Shipment, Awaiting Collection, In Transit, Delivered or Completed)"}
    assert ("tiktok_shop_orders.csv: amounts in USD, channel tiktok_shop_us (the buyers' Country, United States, "
            "through data/reference/tiktok_shop_markets.csv); Created Time read as they prove") in got.notices
    assert ("tiktok_shop_orders.csv: 1 line(s) with 1 unit(s) returned and 1 order(s) refunded (USD 15.50); the "
            "export gives no return reason or date, so none is written as a return (import returns through a "
            "mapping)") in got.notices
    store.write(got, tmp_path)
    assert _sales(tmp_path) == {
        # line 3: 2 x 24.99 = 49.98 less the seller's 2.00 (TikTok's 5.00 platform discount is paid back to the
        # seller: revenue); line 8: 3 x 24.99 = 74.97 → 47.98 + 74.97
        ("A1", "2024-05", "tiktok_shop_us"): ("5", "122.95", ""),
        # line 7: delivered, returned and refunded: the sale stands, the return has no reason to be written with
        ("A2", "2024-05", "tiktok_shop_us"): ("1", "15.5", ""),
        ("B1", "2024-05", "tiktok_shop_us"): ("1", "39", ""),
    }
    store.write(registry.convert(ORDERS), tmp_path)   # the same export again adds nothing
    assert _sales(tmp_path)[("A1", "2024-05", "tiktok_shop_us")] == ("5", "122.95", "")


def test_an_order_cancelled_since_the_last_export_is_removed(tmp_path):
    store.write(registry.convert(ORDERS), tmp_path)
    later = _edited(tmp_path, "later.csv", lambda r: r.update(
        {"Order Status": "Cancelled", "Cancelation/Return Type": "Cancel"} if _order(r) == IN_TRANSIT else {}))
    store.write(registry.convert(later), tmp_path)
    assert _sales(tmp_path)[("A1", "2024-05", "tiktok_shop_us")] == ("2", "47.98", "")


def test_a_line_cancelled_in_a_shipped_order_is_no_sale(tmp_path):
    got = registry.convert(_edited(tmp_path, "partly.csv", lambda r: r.update(
        {"Cancelation/Return Type": "Cancel"} if r["Seller SKU"] == "B1" and r["Order Status"] == "Completed"
        else {})))
    assert {(r.line, r.column): r.reason for r in got.rejections()}[(4, "Cancelation/Return Type")] == \
        "left out: line cancelled: no sale"


def test_ambiguous_times_are_proven_by_the_exports_other_times_or_refused(tmp_path):
    early_days = {"05/14/": "05/04/", "05/20/": "05/02/", "05/21/": "05/01/", "05/22/": "05/09/"}

    def early(r):   # every Created Time on a day up to 12: none proves month-first
        for was, now in early_days.items():
            r["Created Time"] = r["Created Time"].replace(was, now)
    got = registry.convert(_edited(tmp_path, "early.csv", early))
    # the in-transit order's Paid Time (05/14) and Shipped Time (05/15) are written alike and prove it
    assert "Created Time read as the export's other times prove" in got.notices[-1]
    assert got.rows_written == 4

    def unproven(r):
        early(r)
        for column in tiktok_shop_orders.OTHER_TIMES:
            r[column] = ""
    got = registry.convert(_edited(tmp_path, "unproven.csv", unproven))
    assert got.rows_written == 0
    refused = {r.line: r.reason for r in got.rejections() if r.column == "Created Time"}
    assert sorted(refused) == [3, 4, 7, 8, 9, 10, 11] and AMBIGUOUS_DATES in refused[3]
    declared = registry.convert(_edited(tmp_path, "declared.csv", unproven), options=Options(date_format="MM/DD/YYYY"))
    assert declared.rows_written == 4 and "Created Time read as declared" in declared.notices[-1]


def test_the_currency_comes_from_the_buyers_market_and_is_never_assumed(tmp_path, monkeypatch):
    canada = registry.convert(_edited(tmp_path, "ca.csv", lambda r: r.update(Country="Canada")))
    assert canada.rows_written == 0
    reasons = {r.reason for r in canada.rejections() if r.column == "Country"}
    assert reasons == {"the buyers' Country 'Canada' is not a TikTok Shop market in data/reference/"
                       "tiktok_shop_markets.csv: its currency is unknown; add the market (country as the export "
                       "writes it, channel, currency, source) to import it"}
    blank = registry.convert(_edited(tmp_path, "blank.csv", lambda r: r.update(Country="")))
    assert blank.rows_written == 0 and {r.reason for r in blank.rejections() if r.column == "Country"} == {
        "no line names the buyers' Country, which says the shop's market and currency (the export carries no "
        "currency); amounts are never assumed to be USD"}
    # two markets in one export (a second market added to the table): refused, not summed in one currency
    markets = {"UNITED STATES": {"country": "United States", "channel": "tiktok_shop_us", "currency": "USD"},
               "UNITED KINGDOM": {"country": "United Kingdom", "channel": "tiktok_shop_uk", "currency": "GBP"}}
    monkeypatch.setattr(tiktok_shop_orders, "load_code_map", lambda name, key: markets)
    mixed = registry.convert(_edited(tmp_path, "mixed.csv", lambda r: r.update(
        Country="United Kingdom") if _order(r) == IN_TRANSIT else None))
    assert mixed.rows_written == 0 and {r.reason for r in mixed.rejections() if r.column == "Country"} == {
        "the lines name 2 markets (tiktok_shop_uk, tiktok_shop_us): one export is one shop's, in one currency; "
        "export each shop on its own"}
    uk = registry.convert(_edited(tmp_path, "uk.csv", lambda r: r.update(Country="United Kingdom")))
    assert uk.rows_written == 4 and "amounts in GBP, channel tiktok_shop_uk" in uk.notices[-1]


def test_tiktok_sales_get_the_channels_fee_estimate_through_a_build(tmp_path, built):
    """The tiny portfolio with the export's sales: the build estimates TikTok's fees from marketplace_fees.csv
    (tiktok_shop_us: 6% referral fee on revenue + 3.58 per unit, an assumption), as for any sale without reported
    fees."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    store.write(registry.convert(ORDERS), folder)
    with duckdb.connect(str(built(folder, tmp_path / "w.duckdb")), read_only=True) as con:
        got = con.execute("""
            select sku, units_sold, cast(gross_revenue as double), cast(marketplace_fees as double)
            from marts.sales_by_channel where channel = 'tiktok_shop_us' order by sku""").fetchall()
    assert got == [("A1", 5, 122.95, 25.28),    # 6% of 122.95 = 7.377 → 7.38, + 5 x 3.58 = 17.90
                   ("A2", 1, 15.5, 4.51),       # 0.93 + 3.58
                   ("B1", 1, 39.0, 5.92)]       # 2.34 + 3.58


def test_a_channel_named_for_a_second_shop_replaces_the_markets(tmp_path):
    store.write(registry.convert(ORDERS, options=Options(channel="tiktok_shop_us_2")), tmp_path)
    assert {k[2] for k in _sales(tmp_path)} == {"tiktok_shop_us_2"}
