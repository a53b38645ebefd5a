"""The Shopify Payments transactions export: a fixture written to the admin's published layout (Finance → Payouts →
Transactions → Export: its 17 columns, ISO times with the shop's offset, one line per charge, refund, chargeback
and adjustment), every line accounted for, each order's fee split over its SKUs by hand, the currency never
assumed, the order of imports, and the months whose fees it cannot complete named."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pandas as pd

from helpers import FIXTURES, edited_export
from pipelines import fx
from pipelines.adapters import registry, store
from pipelines.adapters.base import Options
from pipelines.cli import main as cli_main

PAYMENTS = FIXTURES / "exports" / "shopify_payments_transactions.csv"
ORDERS = FIXTURES / "exports" / "shopify_orders_export.csv"
TINY = FIXTURES / "tiny"


def _sales(folder: Path) -> dict[tuple[str, str], tuple[str, str, str]]:
    with (folder / "sales.csv").open(newline="", encoding="utf-8") as handle:
        return {(r["sku"], r["month"]): (r["units_sold"], r["gross_revenue"], r["marketplace_fees"])
                for r in csv.DictReader(handle) if r["channel"] == "shopify_dtc"}


def _with_orders(folder: Path, orders: Path = ORDERS) -> Path:
    store.write(registry.convert(orders), folder)
    return folder


def test_each_orders_fee_is_split_over_its_skus_by_revenue(tmp_path):
    folder = _with_orders(tmp_path)
    assert registry.detect(PAYMENTS).name == "shopify-payments"
    got = registry.convert(PAYMENTS, options=Options(context_dir=folder))
    assert (got.rows_read, got.rows_written, got.rows_rejected, got.rows_left_out) == (8, 4, 2, 2)
    problems = {(r.line, r.column): r.reason for r in got.rejections()}
    assert problems == {
        (3, "Fee"): "left out: no fee on this transaction (a refund keeps the charge's fee; a payout or adjustment "
                    "costs nothing): no marketplace fee",
        (6, "Order"): "the order '#1010' is not in the Shopify orders imported into this folder: import the orders "
                      "export first, then this one again",
        (7, "Fee"): "left out: no fee on this transaction (a refund keeps the charge's fee; a payout or adjustment "
                    "costs nothing): no marketplace fee",
        (9, "Order"): "a fee that names no order (the account's, not a sale's): not attributable to a SKU"}
    assert got.notices[-1] == (
        "shopify_payments_transactions.csv: Shopify Payments fees of 3 order(s), USD 23.46, written to their sales' "
        "months (2024-04, 2024-05, 2024-06), which now use these fees instead of the fee assumption")
    store.write(got, folder)
    assert _sales(folder) == {
        # #1001: 2.68 over A1 42.00 and A2 40.00 → 137.27 and 130.73 cents: the odd cent to the larger remainder
        ("A1", "2024-04"): ("1", "42", "1.37"), ("A2", "2024-04"): ("2", "40", "1.31"),
        # #1004: 2.74 over A2 22.00 and B1 62.00 → 71.76 and 202.24 cents
        ("A2", "2024-05"): ("1", "22", "0.72"), ("B1", "2024-05"): ("2", "62", "2.02"),
        # #1005: its charge's 3.04 and the chargeback's 15.00 dispute fee, all on its one SKU line (the gift card
        # line has no SKU), in the month of the sale
        ("A1", "2024-06"): ("1", "42", "18.04")}
    # the same export again, and a copy a spreadsheet re-saved (amounts without trailing zeros), add nothing
    store.write(registry.convert(PAYMENTS, options=Options(context_dir=folder)), folder)
    resaved = edited_export(PAYMENTS, tmp_path / "resaved.csv", lambda r: r.update(
        Amount=r["Amount"].replace(".00", "")))
    store.write(registry.convert(resaved, options=Options(context_dir=folder)), folder)
    assert _sales(folder)[("A1", "2024-06")] == ("1", "42", "18.04")


def test_imported_before_the_orders_every_fee_is_refused_and_one_command_orders_them(tmp_path):
    alone = registry.convert(PAYMENTS, options=Options(context_dir=tmp_path))
    refused = {r.line for r in alone.rejections() if r.column == "Order"}
    assert alone.rows_written == 0 and refused == {2, 4, 5, 6, 8, 9}
    out = tmp_path / "both"
    # given in the wrong order, the orders export is imported first
    assert cli_main(["import", "--input", str(PAYMENTS), str(ORDERS), "--out", str(out)]) == 1   # rejected lines
    assert _sales(out)[("B1", "2024-05")] == ("2", "62", "2.02")


def test_a_fee_is_converted_from_the_payout_currency_and_never_assumed(tmp_path):
    folder = _with_orders(tmp_path)
    cad = edited_export(PAYMENTS, tmp_path / "cad.csv", lambda r: r.update(Currency="CAD"))
    store.write(registry.convert(cad, options=Options(context_dir=folder)), folder)
    rate = fx.table().units_per_usd(pd.Series(["CAD"]), pd.Series([pd.Timestamp("2024-04-05")]))[0]   # April's
    assert float(_sales(folder)[("A1", "2024-04")][2]) + float(_sales(folder)[("A2", "2024-04")][2]) == \
        round(2.68 / rate, 2)
    blank = edited_export(PAYMENTS, tmp_path / "blank.csv", lambda r: r.update(Currency=""))
    got = registry.convert(blank, options=Options(context_dir=folder))
    assert got.rows_written == 0 and {r.reason for r in got.rejections() if r.column == "Currency"} == {
        "the payout currency is missing: a fee is never assumed to be in USD"}


def test_orders_of_the_same_months_without_a_transaction_are_named(tmp_path):
    """A month whose fees come from the export no longer gets the fee estimate, so an order of that month the export
    does not hold (paid with PayPal, or outside its dates) is named: its fee is missing from the month."""
    orders = edited_export(ORDERS, tmp_path / "orders.csv", lambda r: r.update(
        {k: v.replace("2024-06-10", "2024-05-10") for k, v in r.items()}))   # #1005 sold in May
    folder = _with_orders(tmp_path / "f", orders)
    without_1004 = edited_export(PAYMENTS, tmp_path / "p.csv", lambda r: r.update(
        Order="#1010" if r["Order"] == "#1004" else r["Order"]))
    got = registry.convert(without_1004, options=Options(context_dir=folder))
    assert got.notices[-1] == (
        "p.csv: 1 order(s) of those months have no transaction in this export (#1004): paid another way or outside "
        "its dates, their fees are not counted; export the transactions of the whole months")


def test_reported_shopify_fees_replace_the_estimate_through_a_build(tmp_path, built):
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    _with_orders(folder)
    store.write(registry.convert(PAYMENTS, options=Options(context_dir=folder)), folder)
    with duckdb.connect(str(built(folder, tmp_path / "w.duckdb")), read_only=True) as con:
        got = con.execute("""
            select sku, strftime(month, '%Y-%m'), cast(marketplace_fees as double), sales_rows_with_estimated_fees
            from marts.sales_by_channel where channel = 'shopify_dtc' order by sku, month""").fetchall()
    # as reported, none estimated (the 2.9% assumption would have said 1.22 + 4.00 x 1 for A1 in April)
    assert got == [("A1", "2024-04", 1.37, 0), ("A1", "2024-06", 18.04, 0), ("A2", "2024-04", 1.31, 0),
                   ("A2", "2024-05", 0.72, 0), ("B1", "2024-05", 2.02, 0)]
