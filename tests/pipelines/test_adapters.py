"""`supplier-risk import`: each export format from fixtures written to the published layouts (tests/fixtures/exports),
line accounting, hand-checked rows, idempotent re-import, and the CLI report."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from helpers import FIXTURES, quiet
from pipelines.adapters import registry, store
from pipelines.adapters.base import AdapterError, Options
from pipelines.build import build
from pipelines.cli import main as cli_main

EXPORTS = FIXTURES / "exports"
RETURNS, ORDERS, SHOPIFY = EXPORTS / "amazon_fba_returns.txt", EXPORTS / "amazon_all_orders.txt", \
    EXPORTS / "shopify_orders_export.csv"
SETTLEMENT, INSPECTIONS = EXPORTS / "amazon_settlement_v2.txt", EXPORTS / "inspection_summary.txt"
DATE_RANGE = EXPORTS / "amazon_date_range.csv"
CAD_2024_05 = 1.3667  # Federal Reserve G.5, Canadian dollars per USD, May 2024 (typed from the release)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def sales(folder: Path) -> dict[tuple[str, str, str], tuple[str, str, str]]:
    return {(r["sku"], r["month"], r["channel"]): (r["units_sold"], r["gross_revenue"], r["marketplace_fees"])
            for r in rows(folder / "sales.csv")}


def accounted(converted) -> None:
    """Every line read is written, rejected or left out by a rule."""
    assert converted.rows_read == converted.rows_written + converted.rows_rejected + converted.rows_left_out
    assert not converted.rejected_lines & converted.left_out_lines


@pytest.mark.parametrize("path, name", [
    (RETURNS, "amazon-fba-returns"), (ORDERS, "amazon-all-orders"), (SETTLEMENT, "amazon-settlement-v2"),
    (SHOPIFY, "shopify-orders"), (INSPECTIONS, "inspection-summary"), (DATE_RANGE, "amazon-date-range"),
])
def test_each_format_is_recognised_from_its_header(path, name):
    assert registry.detect(path).name == name


def test_an_unknown_or_ambiguous_header_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("Order,Widget,Qty\n1,a,2\n", encoding="utf-8")
    with pytest.raises(AdapterError, match="not a format we know .*--mapping"):
        registry.detect(path)
    with pytest.raises(AdapterError, match="unknown format 'amazon'"):
        registry.by_name("amazon")


def test_amazon_returns_map_codes_by_who_caused_the_return():
    got = registry.convert(RETURNS)
    accounted(got)
    assert (got.rows_read, got.rows_written, got.rows_rejected, got.rows_left_out) == (12, 9, 2, 1)
    by_id = {r["return_id"]: r for r in got.rows["returns"]}
    assert by_id["amz:111-1234567-1000001:A1:LPNRR0000001"] == dict(
        return_id="amz:111-1234567-1000001:A1:LPNRR0000001", sku="A1", returned_on="2024-04-10", quantity="2",
        reason="defective", channel="amazon_us", disposition="unsellable")
    reasons = [(r["sku"], r["reason"], r["disposition"], r["returned_on"]) for r in got.rows["returns"]]
    assert reasons == [
        ("A1", "defective", "unsellable", "2024-04-10"),         # DEFECTIVE / DEFECTIVE
        ("A1", "customer_remorse", "unsellable", "2024-04-11"),  # UNWANTED_ITEM (Chinese comment with commas)
        ("A1", "carrier_damage", "sellable", "2024-04-15"),      # DAMAGED_BY_CARRIER: not the supplier's
        ("A2", "missing_parts", "unsellable", "2024-05-02"),     # MISSING_PARTS
        ("A1", "not_as_described", "sellable", "2024-05-03"),    # 10:00 at -07:00: the day as written
        ("B1", "warehouse_damage", "unsellable", "2024-05-20"),  # DAMAGED_BY_FC: not the supplier's
        ("B1", "defective", "unsellable", "2024-05-21"),         # QUALITY_UNACCEPTABLE
        ("B1", "customer_remorse", "sellable", "2024-05-22"),    # FOUND_BETTER_PRICE
        ("A2", "customer_remorse", "unsellable", "2024-06-01"),  # ORDERED_WRONG_ITEM, no licence plate
    ]
    assert "amz:111-1234567-1000011:A2:2024-06-01T10:00:00+00:00#1" in by_id
    problems = {(r.line, r.column): r.reason for r in got.rejections()}
    assert problems == {
        (10, "reason"): "unknown Amazon return reason code 'CHANGED_MY_MIND': add it to "
                        "data/reference/amazon_return_reasons.csv with the contract reason it means",
        (11, "quantity"): "not a number: 'two'",
        (12, "license-plate-number"): "left out: the same return (order, SKU and licence plate) is already on line 2",
    }
    assert got.rejections()[0].raw.startswith("2024-05-23T11:30:00+00:00\t111-1234567-1000009\tA1")


def test_amazon_all_orders_sales_by_sku_month_and_channel(tmp_path):
    got = registry.convert(ORDERS)
    accounted(got)
    assert (got.rows_read, got.rows_written, got.rows_rejected, got.rows_left_out) == (13, 9, 1, 3)
    left_out = {r.line: r.reason for r in got.rejections() if r.reason.startswith("left out")}
    assert left_out == {4: "left out: cancelled order or item: no sale",
                        6: "left out: pending order: not charged yet (import a later report)",
                        8: "left out: Non-Amazon: multi-channel fulfilment of a sale another channel's export counts"}
    store.write(got, tmp_path)
    assert sales(tmp_path) == {
        ("A1", "2024-04", "amazon_us"): ("3", "114.97", ""),   # 79.98 (2 units) + 39.99 less the 5.00 promotion
        ("B1", "2024-04", "amazon_us"): ("3", "89.97", ""),    # 23:59:59 -07:00 on 30 April is an April sale
        ("A2", "2024-05", "amazon_us"): ("4", "79.96", ""),    # a product name with quotes, unquoted tab file
        ("A1", "2024-05", "amazon_ca"): ("1", f"{54.99 / CAD_2024_05:.2f}", ""),  # CAD 54.99 = USD 40.24
        ("A1", "2024-05", "amazon_us"): ("1", "39.99", ""),
        ("B1", "2024-05", "amazon_us"): ("1", "29.99", ""),    # the same order's second item
        ("A1", "2024-06", "amazon_us"): ("4", "159.96", ""),   # Shipped + Shipping (charged, partly shipped)
    }
    assert f"{54.99 / CAD_2024_05:.2f}" == "40.24"


def test_shopify_orders_carry_order_fields_from_the_first_row_and_leave_out_cancelled_and_voided(tmp_path):
    got = registry.convert(SHOPIFY)
    accounted(got)
    assert (got.rows_read, got.rows_written, got.rows_rejected, got.rows_left_out) == (8, 5, 1, 2)
    problems = {(r.line, r.column): r.reason for r in got.rejections()}
    assert problems[(4, "Cancelled at")] == "left out: cancelled order: no sale"
    assert problems[(5, "Financial Status")] == "left out: voided payment: no sale"
    assert problems[(8, "Lineitem sku")].startswith("Lineitem sku is empty (a custom item, gift card")
    assert any("1 order(s) had refunds (USD 22.00; 2024-05: 22.00)" in n for n in got.notices)
    store.write(got, tmp_path)
    assert sales(tmp_path) == {
        ("A1", "2024-04", "shopify_dtc"): ("1", "42", ""),
        ("A2", "2024-04", "shopify_dtc"): ("2", "40", ""),   # second row of #1001: 2 x 22.00 less 4.00 discount
        ("A2", "2024-05", "shopify_dtc"): ("1", "22", ""),   # 2024-05-31 23:10 -0400: a May sale for the shop
        ("B1", "2024-05", "shopify_dtc"): ("2", "62", ""),   # second row of #1004, order fields carried over
        ("A1", "2024-06", "shopify_dtc"): ("1", "42", ""),   # #1005's gift card line rejected, its lamp kept
    }


def test_settlement_fees_and_refunds_join_the_orders_and_returns_of_the_same_folder(tmp_path):
    for path in (RETURNS, ORDERS):
        store.write(registry.convert(path), tmp_path)
    got = registry.convert(SETTLEMENT)
    accounted(got)
    assert (got.rows_read, got.rows_written, got.rows_rejected, got.rows_left_out) == (16, 11, 0, 5)
    store.write(got, tmp_path)
    table = sales(tmp_path)
    # A2 May: commission 11.99 + FBA 19.32, less 9.00 commission refunded, plus 1.80 refund commission = 24.11
    assert table[("A2", "2024-05", "amazon_us")] == ("4", "79.96", "24.11")
    # A1 May: 6.00 + 5.40; units and revenue stay the order report's (1, 39.99), not the settlement's 35.99
    assert table[("A1", "2024-05", "amazon_us")] == ("1", "39.99", "11.4")
    assert table[("A1", "2024-04", "amazon_us")] == ("3", "114.97", "")       # no fee line: left to estimates
    refunds = {r["return_id"]: r["refund_amount"] for r in rows(tmp_path / "returns.csv")}
    assert refunds["amz:111-1234567-1000004:A2:LPNRR0000004"] == "59.97"      # order 1000004, A2 refunded
    assert refunds["amz:111-1234567-1000001:A1:LPNRR0000001"] == ""          # no refund in this settlement
    assert any("1 refunded order/SKU pair(s) (USD 34.99) have no return" in n for n in got.notices)
    assert any("Storage Fee: -23.45; other-transaction Subscription Fee: -39.99" in n for n in got.notices)
    assert any("fees of 2024-05 are complete only with that month's other settlements" in n for n in got.notices)


def test_a_settlement_alone_gives_units_and_revenue_for_the_months_no_order_report_covers(tmp_path):
    store.write(registry.convert(SETTLEMENT), tmp_path)
    table = sales(tmp_path)
    assert table[("A1", "2024-05", "amazon_us")] == ("1", "35.99", "11.4")   # 39.99 less the 4.00 promotion
    assert table[("A2", "2024-05", "amazon_us")] == ("4", "79.96", "24.11")


def _day_first(text: str) -> str:
    """2024-05-03 (…) → 03.05.2024 (…), as EU marketplaces write settlement dates."""
    if not text:
        return text
    day, rest = text[:10], text[10:]
    y, m, d = day.split("-")
    return f"{d}.{m}.{y}{rest}"


def test_an_eu_settlement_with_decimal_commas_and_day_first_dates(tmp_path):
    lines = SETTLEMENT.read_text(encoding="utf-8").splitlines()
    eu = [lines[0]]
    for line in lines[1:]:
        cells = line.split("\t")
        cells[4], cells[14] = cells[4].replace(".", ","), cells[14].replace(".", ",")   # total-amount, amount
        cells[5] = "EUR" if cells[5] else ""
        cells[11] = cells[11].replace("Amazon.com", "Amazon.de")
        for i in (1, 2, 3, 16):
            cells[i] = _day_first(cells[i])
        eu.append("\t".join(cells))
    path = tmp_path / "settlement_de.txt"
    path.write_text("\n".join(eu) + "\n", encoding="utf-8")
    got = registry.convert(path)
    assert (got.rows_written, got.rows_rejected) == (11, 0)
    fees = got.ledgers["sales_fees"]
    assert {(f["sku"], f["month"], f["channel"]) for f in fees} == {("A2", "2024-05", "amazon_de"),
                                                                    ("A1", "2024-05", "amazon_de")}
    fba = next(f for f in fees if f["sku"] == "A2" and "FBAPerUnitFulfillmentFee" in f["_key"])
    # EUR 19,32 at 0.9251 EUR per USD (G.5, May 2024: USD 1.0810 per euro) = USD 20.88
    assert fba["fees"] == f"{19.32 / 0.9251:.2f}" == "20.88"
    assert any("covers 2024-05-01 to 2024-05-15" in n for n in got.notices)


def test_inspection_summary_in_excel_unicode_text():
    got = registry.convert(INSPECTIONS)
    accounted(got)
    assert got.read_as == "UTF-16 LE (Excel Unicode text), tab-delimited"
    assert (got.rows_read, got.rows_written, got.rows_rejected) == (6, 4, 2)
    by_id = {r["inspection_id"]: r for r in got.rows["inspections"]}
    assert by_id["R-24-0103"] == dict(
        inspection_id="R-24-0103", po_id="P3", inspection_type="DUPRO", inspected_on="2024-02-05",
        inspector="华测检测 CTI", inspection_level="S-2", aql_critical="0", aql_major="1.5", aql_minor="4",
        lot_size="500", sample_size="13", critical_defects="0", major_defects="0", minor_defects="1", result="pass",
        cost="1200")
    assert (by_id["R-24-0101"]["inspection_type"], by_id["R-24-0101"]["inspected_on"]) == ("PSI", "2024-01-26")
    assert (by_id["R-24-0102"]["result"], by_id["R-24-0104"]["result"]) == ("fail", "pending")
    problems = {(r.line, r.column): r.reason for r in got.rejections()}
    assert problems == {(6, "Inspection Date"): "not a real calendar day: '31/04/2024'",
                        (7, "Service"): "unknown inspection service 'Re-inspection': add it to "
                                        "data/reference/inspection_services.csv (PPI, DUPRO, PSI or CLC)"}


def test_reimporting_the_same_exports_changes_nothing_and_keeps_other_rows(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "returns.csv").write_text(
        "return_id,sku,po_id,returned_on,quantity,reason,channel,refund_amount,disposition\n"
        "R-OWN,A1,,2024-03-01,1,defective,wholesale,10,sellable\n", encoding="utf-8")
    for path in (RETURNS, ORDERS, SHOPIFY, SETTLEMENT, INSPECTIONS):
        store.write(registry.convert(path), folder)
    first = {p.name: p.read_bytes() for p in folder.glob("*.csv")}
    for path in (SETTLEMENT, RETURNS, SHOPIFY, INSPECTIONS, ORDERS):  # again, in another order
        written = store.write(registry.convert(path), folder)
        assert all(w.added == 0 for w in written), written
    assert {p.name: p.read_bytes() for p in folder.glob("*.csv")} == first
    ids = [r["return_id"] for r in rows(folder / "returns.csv")]
    assert ids[0] == "R-OWN" and len(ids) == 1 + 9


def test_an_overlapping_later_report_replaces_lines_and_removes_an_order_cancelled_since(tmp_path):
    store.write(registry.convert(ORDERS), tmp_path)
    text = ORDERS.read_text(encoding="utf-8").splitlines()
    later = [text[0]] + [line.replace("\tShipped\tAmazon\tAmazon.com", "\tCancelled\tAmazon\tAmazon.com")
                         .replace("\tShipped\t3\t", "\tCancelled\t0\t")
                         if line.startswith("111-2000001-0000011") else line for line in text[1:]]
    path = tmp_path / "later.txt"
    path.write_text("\n".join(later) + "\n", encoding="utf-8")
    store.write(registry.convert(path), tmp_path)
    assert sales(tmp_path)[("A1", "2024-06", "amazon_us")] == ("1", "39.99", "")  # was 4 units, 159.96


def test_cli_imports_several_files_or_a_folder_and_one_bad_file_stops_none_of_the_others(tmp_path, capsys):
    """A year of reports is a folder of files: `import --input` takes files and folders (every export in a folder, by
    name; hidden and underscore files skipped); a file that cannot be imported is reported, the others are written;
    the exit code is the worst (2: a file not imported)."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    for name in ("amazon_fba_returns.txt", "walmart_recon.csv", "po_tracker_gbk.csv"):
        shutil.copy(EXPORTS / name, folder / name)
    (folder / ".DS_Store").write_bytes(b"\x00")
    out = tmp_path / "in"
    assert cli_main(["import", "--input", str(folder), str(SHOPIFY), "--out", str(out)]) == 2
    printed, err = capsys.readouterr()
    assert [line for line in printed.splitlines() if line.startswith("[")] == [
        f"[1/4] {folder / 'amazon_fba_returns.txt'}", f"[2/4] {folder / 'po_tracker_gbk.csv'}",
        f"[3/4] {folder / 'walmart_recon.csv'}", f"[4/4] {SHOPIFY}"]
    assert "po_tracker_gbk.csv: not a format we know" in err and "nothing was written to" in err
    assert "imported 3 of 4 files into" in printed
    assert len(rows(out / "returns.csv")) == 9
    assert {r["channel"] for r in rows(out / "sales.csv")} == {"walmart_us", "shopify_dtc"}
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli_main(["import", "--input", str(empty), "--out", str(out)]) == 2
    assert "holds no export" in capsys.readouterr().err


def test_cli_import_prints_the_report_and_formats_lists_the_headers(tmp_path, capsys):
    out = tmp_path / "in"
    assert cli_main(["import", "--input", str(RETURNS), "--out", str(out)]) == 1   # 2 rejected lines
    printed = capsys.readouterr().out
    assert "recognised amazon_fba_returns.txt as Amazon FBA customer returns report (amazon-fba-returns); " \
           "read as UTF-8, tab-delimited" in printed
    assert "read 12 lines from amazon_fba_returns.txt: 9 written, 2 rejected, 1 left out by rule" in printed
    assert "amazon_fba_returns.txt:10 [reason] unknown Amazon return reason code 'CHANGED_MY_MIND'" in printed
    assert "9 rows written to" in printed and "(9 new, 0 replaced" in printed
    rejections = out / "_imports" / "amazon_fba_returns.txt.amazon-fba-returns.rejections.csv"
    assert sorted(int(r["line"]) for r in rows(rejections)) == [10, 11, 12]
    assert cli_main(["import", "--input", str(RETURNS), "--out", str(out)]) == 1
    assert "(0 new, 9 replaced an earlier import of the same rows, 0 other rows kept)" in capsys.readouterr().out
    assert cli_main(["import", "--input", str(SHOPIFY), "--out", str(out), "--format", "amazon-all-orders"]) == 2
    assert "is not a Amazon All Orders report" in capsys.readouterr().err
    assert cli_main(["formats"]) == 0
    listed = capsys.readouterr().out
    for name in ("amazon-fba-returns", "amazon-all-orders", "amazon-settlement-v2", "shopify-orders",
                 "inspection-summary", "usaid-scms"):
        assert f"{name}: " in listed
    assert "required headers: return-date, order-id, sku, quantity, detailed-disposition, reason" in listed


def test_a_channel_can_be_named_for_a_report_without_one(tmp_path):
    got = registry.convert(RETURNS, options=Options(channel="amazon_ca"))
    assert {r["channel"] for r in got.rows["returns"]} == {"amazon_ca"}
    assert {r["channel"] for r in registry.convert(RETURNS, options=Options(channel=" Amazon_CA ")).rows["returns"]} \
        == {"amazon_ca"}    # as sales.channel spells it
    # a name typed on the Data page or given to --channel that is not a channel name: refused, nothing converted
    with pytest.raises(AdapterError, match=r"^amazon_fba_returns.txt: 'Amazon Canada' is not a sales channel name: "
                                           r"use letters, digits and _ \(e.g. amazon_ca\); nothing of the file is "
                                           r"written$"):
        registry.convert(RETURNS, options=Options(channel="Amazon Canada"))


def test_the_channels_offered_for_a_report_without_one_are_those_of_its_kind():
    """The Data page's choice: the format's own channel first, then the other channels of its marketplace in the
    reference tables (Amazon's from data/reference/amazon_channels.csv); none for a format whose files name their
    channel."""
    returns = registry.channel_choices(registry.by_name("amazon-fba-returns"))
    assert returns[:3] == ["amazon_us", "amazon_ae", "amazon_au"] and len(returns) == 20 and "amazon_ca" in returns
    assert registry.channel_choices(registry.by_name("amazon-mfn-returns")) == returns
    # no other Shopify or Walmart channel is known: the page offers the format's own, and a second store is typed
    assert registry.channel_choices(registry.by_name("shopify-orders")) == ["shopify_dtc"]
    assert registry.channel_choices(registry.by_name("walmart-recon")) == ["walmart_us"]
    assert registry.channel_choices(registry.by_name("amazon-settlement-v2")) == []   # names its marketplace


def test_an_import_folder_holding_a_spreadsheet_table_is_not_overwritten(tmp_path):
    shutil.copy(FIXTURES / "tiny" / "returns.csv", tmp_path / "returns.csv")
    (tmp_path / "returns.csv").rename(tmp_path / "returns.xlsx")
    with pytest.raises(AdapterError, match="returns.xlsx is not CSV"):
        store.write(registry.convert(RETURNS), tmp_path)


def test_a_portfolio_whose_sales_and_returns_come_only_from_marketplace_exports(tmp_path):
    """The tiny portfolio without its sales and returns files; they come from an Amazon returns report, an Amazon All
    Orders report and a Shopify export instead. Hand sums from the fixtures:
    units sold  S1: Amazon A1 2+1+1(.ca)+1+3+1, A2 4 = 13; Shopify A1 1+1, A2 2+1 = 5 → 18
                S2: Amazon B1 3+1 = 4; Shopify B1 2 → 6
    supplier-caused returns  S1: A1 DEFECTIVE 2 + A2 MISSING_PARTS 3 + A1 NOT_AS_DESCRIBED 1 = 6
                             S2: B1 QUALITY_UNACCEPTABLE 1 (DAMAGED_BY_FC 2 and FOUND_BETTER_PRICE 1 are not its)."""
    folder = tmp_path / "in"
    shutil.copytree(FIXTURES / "tiny", folder)
    (folder / "sales.csv").unlink()
    (folder / "returns.csv").unlink()
    for path in (RETURNS, ORDERS, SHOPIFY):
        store.write(registry.convert(path), folder)
    db = tmp_path / "w.duckdb"
    report = build(folder, db, log=quiet)
    assert report.ingest.rejections == []
    con = duckdb.connect(str(db), read_only=True)
    try:
        kpis = {s: (u, d) for s, u, d in con.execute(
            "select supplier_id, units_sold, defect_return_units from marts.supplier_kpis").fetchall()}
        assert kpis == {"S1": (18, 6), "S2": (6, 1), "S3": (0, 0)}
        caused = dict(con.execute("select supplier_id, sum(supplier_units_returned) from marts.margin_leakage_wide "
                                  "group by 1").fetchall())
        assert caused == {"S1": 6, "S2": 1}
        sold = dict(con.execute("select supplier_id, sum(units_sold) from marts.margin_leakage_wide "
                                "group by 1").fetchall())
        assert sold == {"S1": 18, "S2": 6}
    finally:
        con.close()


def test_an_inspection_summary_saved_as_an_excel_workbook(tmp_path):
    """Excel stores dates as dates: the workbook's cells arrive as ISO days, the rest as in the text export."""
    import pandas as pd

    frame = pd.DataFrame({"Report Number": ["R-24-0101", "R-24-0102"], "PO Number": ["P1", "P2"],
                          "Date of Inspection": pd.to_datetime(["2024-01-26", "2024-02-27"]),
                          "Inspection Type": ["FRI", "DUPRO"], "Sampling Level": ["G-II", "Level III"],
                          "Order Qty": [1000, 1000], "Sample Qty": [80, 125], "Major Defects": [1, 4],
                          "Conclusion": ["PASS", "不合格"]})
    path = tmp_path / "summary.xlsx"
    frame.to_excel(path, index=False)
    got = registry.convert(path)
    assert got.format.name == "inspection-summary" and got.rows_rejected == 0
    assert got.read_as == "Excel workbook (first sheet)"  # was "…, ''-delimited": a workbook has none
    assert [(r["inspection_id"], r["inspected_on"], r["inspection_type"], r["inspection_level"], r["sample_size"],
             r["major_defects"], r["critical_defects"], r["result"]) for r in got.rows["inspections"]] == [
        ("R-24-0101", "2024-01-26", "PSI", "II", "80", "1", "", "pass"),
        ("R-24-0102", "2024-02-27", "DUPRO", "III", "125", "4", "", "fail")]


RESAVED = EXPORTS / "shopify_orders_excel_resaved.csv"  # the Shopify export opened and saved again in Excel (US)


def test_a_resaved_export_whose_dates_cannot_tell_day_from_month_is_refused_until_the_format_is_declared(tmp_path):
    # Excel wrote every date M/D/YYYY H:MM (BOM, CRLF, offsets dropped) and no order falls after the 12th of a month
    # (#1003, 4/11/2024, is a voided payment: left out whichever way its date reads)
    got = registry.convert(RESAVED)
    accounted(got)
    assert got.rows_written == 0
    problems = {(r.line, r.column): r.reason for r in got.rejections()}
    reason = problems[(2, "Created at")]
    assert reason.startswith("day-first or month-first cannot be told: no value has a day above 12 "
                             "(line 2 '4/5/2024 10:22' is 4 May or 5 April;")
    assert "supplier-risk import --date-format" in reason

    month_first = registry.convert(RESAVED, options=Options(date_format="MM/DD/YYYY"))
    accounted(month_first)
    assert (month_first.rows_written, month_first.rows_rejected, month_first.rows_left_out) == (5, 1, 2)
    store.write(month_first, tmp_path / "us")
    assert sales(tmp_path / "us") == {
        ("A1", "2024-04", "shopify_dtc"): ("1", "42", ""), ("A2", "2024-04", "shopify_dtc"): ("2", "40", ""),
        ("A2", "2024-05", "shopify_dtc"): ("1", "22", ""), ("B1", "2024-05", "shopify_dtc"): ("2", "62", ""),
        ("A1", "2024-06", "shopify_dtc"): ("1", "42", ""),
    }
    day_first = registry.convert(RESAVED, options=Options(date_format="DD/MM/YYYY"))
    store.write(day_first, tmp_path / "eu")
    assert sales(tmp_path / "eu") == {
        ("A1", "2024-05", "shopify_dtc"): ("1", "42", ""), ("A2", "2024-05", "shopify_dtc"): ("2", "40", ""),
        ("A2", "2024-03", "shopify_dtc"): ("1", "22", ""), ("B1", "2024-03", "shopify_dtc"): ("2", "62", ""),
        ("A1", "2024-10", "shopify_dtc"): ("1", "42", ""),
    }
    assert any("2024-03: 22.00" in n for n in day_first.notices)  # the refund's month follows the declared format


def test_a_declared_date_format_on_the_command_line(tmp_path, capsys):
    out = tmp_path / "folder"
    assert cli_main(["import", "--input", str(RESAVED), "--out", str(out), "--date-format", "MM/DD/YYYY"]) == 1
    assert "5 written, 1 rejected, 2 left out by rule" in capsys.readouterr().out   # the gift card line is rejected
    assert rows(out / "sales.csv")[0]["month"] == "2024-04"
    assert cli_main(["import", "--input", str(RESAVED), "--out", str(tmp_path / "x"), "--date-format", "YY/DD"]) == 2
    err = capsys.readouterr().err
    assert "unknown date format 'YY/DD'; use one of ISO, YYYY-MM-DD" in err and not (tmp_path / "x").exists()
    # a format whose dates have one published form refuses a declared one instead of ignoring it
    assert cli_main(["import", "--input", str(EXPORTS / "cbp_7501_lines.csv"), "--out", str(tmp_path / "y"),
                     "--date-format", "DD/MM/YYYY"]) == 2
    assert "dates in a Customs entry summary (CBP Form 7501) lines are always in their published form " \
           "(MM/DD/YYYY)" in capsys.readouterr().err


def test_title_rows_above_the_header_are_named_and_skipped_in_a_workbook_and_in_text(tmp_path):
    """Exports often open with a report name or an export date above the header (one cell a row): they are not data,
    the header is found below them, and every line number stays the file's own."""
    import pandas as pd

    frame = pd.DataFrame({"Report Number": ["R-24-0101"], "PO Number": ["P1"],
                          "Date of Inspection": pd.to_datetime(["2024-01-26"]), "Inspection Type": ["FRI"],
                          "Order Qty": [1000], "Sample Qty": [80], "Major Defects": [1], "Conclusion": ["PASS"]})
    book = tmp_path / "list.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame([["Inspection report list"], ["exported 2024-03-01 by QC"]]).to_excel(
            writer, index=False, header=False)
        frame.to_excel(writer, index=False, startrow=3)   # row 3 blank, header on row 4, data from row 5
    got = registry.convert(book)
    assert got.format.name == "inspection-summary" and got.rows_written == 1
    assert [(r["inspection_id"], r["inspected_on"], r["result"]) for r in got.rows["inspections"]] == [
        ("R-24-0101", "2024-01-26", "pass")]
    assert ("list.xlsx: 2 title rows above the header, not data: line 1 'Inspection report list'; "
            "line 2 'exported 2024-03-01 by QC'") in got.notices

    text = tmp_path / "titled.csv"
    text.write_bytes(b'"Orders export"\r\nGenerated 2024-07-01\r\n\r\n' + SHOPIFY.read_bytes())
    titled, plain = registry.convert(text), registry.convert(SHOPIFY)
    assert titled.rows == plain.rows
    assert {(r.line - 3, r.column, r.reason) for r in titled.rejections()} == \
        {(r.line, r.column, r.reason) for r in plain.rejections()}   # the same lines, three further down
    assert any(n.startswith("titled.csv: 2 title rows above the header") for n in titled.notices)


def test_more_one_cell_rows_than_a_title_has_are_read_as_written():
    from pipelines.adapters.sniff import Decoded, read_text
    from pipelines.readers import MAX_TITLE_ROWS

    text = "".join(f"note {i}\n" for i in range(MAX_TITLE_ROWS + 1)) + "sku,units\nA1,3\n"
    parsed = read_text(text, Path("notes.csv"), Decoded(text, "utf-8", "UTF-8"), ",")
    assert parsed.header == ["note 0"] and parsed.titles == []   # not a title above a table: judged as written


def test_amazon_date_range_report_gives_fees_units_revenue_and_refunds_per_sku_month(tmp_path):
    """Seven title lines above the header (the currency is on one of them), one line per transaction, quoted CSV."""
    got = registry.convert(DATE_RANGE)
    accounted(got)
    assert (got.rows_read, got.rows_written, got.rows_rejected, got.rows_left_out) == (8, 4, 0, 4)
    problems = {(r.line, r.column): r.reason for r in got.rejections()}
    assert problems[(11, "sku")] == "left out: account-level line without a SKU (FBA Inventory Fee): not " \
                                    "attributable to a SKU"
    assert problems[(14, "type")] == "left out: neither an order, a refund nor a fee (Adjustment)"
    assert "amazon_date_range.csv: amounts in USD (line 2 of the report says so)" in got.notices
    assert ("amazon_date_range.csv: account-level amounts in USD not written (no SKU): FBA Inventory Fee: -23.45; "
            "Service Fee: -39.99; Transfer: -1,200.00") in got.notices
    store.write(registry.convert(RETURNS), tmp_path)
    store.write(got, tmp_path)
    assert sales(tmp_path) == {
        # order of 2 (79.98 less a 5.00 rebate); fees 11.25 + 9.66 charged, 4.80 given back on the refund of 20 May
        ("A1", "2024-05", "amazon_us"): ("2", "74.98", "16.11"),
        ("A2", "2024-05", "amazon_us"): ("1", "19.99", "7.83"),     # 3.00 + 4.83
        ("A1", "2024-06", "amazon_us"): ("1", "39.99", "10.83"),    # 2 June 1:05 AM PDT is a June sale
    }
    refunds = {r["return_id"]: r["refund_amount"] for r in rows(tmp_path / "returns.csv")}
    assert refunds["amz:111-1234567-1000001:A1:LPNRR0000001"] == "39.99"   # the refund line's product sales, negated


def test_a_date_range_report_without_its_currency_line_is_refused_not_assumed_usd(tmp_path):
    text = DATE_RANGE.read_text(encoding="utf-8").replace('"All amounts in USD, unless specified"\n', "")
    path = tmp_path / "no_currency.csv"
    path.write_text(text, encoding="utf-8")
    got = registry.convert(path)
    assert got.rows_written == 0 and got.rows_rejected == 8
    assert got.rejections()[0].reason.startswith(
        "the report's currency is unknown: no title line says 'All amounts in <currency>' (title lines: line 1 "
        "'Includes Amazon Marketplace, Fulfillment by Amazon (FBA)")
    assert got.rejections()[0].reason.endswith("amounts are never assumed to be USD (download the report again with "
                                               "its title lines)")


def test_one_settlement_imported_from_two_reports_is_refused_so_fees_never_count_twice(tmp_path):
    store.write(registry.convert(SETTLEMENT), tmp_path)          # settlement 11223344556, flat file V2
    before = (tmp_path / "sales.csv").read_bytes()
    path = tmp_path.parent / "same_settlement.csv"
    path.write_text(DATE_RANGE.read_text(encoding="utf-8").replace("18765432101", "11223344556"), encoding="utf-8")
    with pytest.raises(AdapterError, match=r"same_settlement.csv: settlement\(s\) 11223344556 \(from amazon-settlement-v2\) "
                                           r"are already imported from another report; .* their fees would count twice"):
        store.write(registry.convert(path), tmp_path)
    assert (tmp_path / "sales.csv").read_bytes() == before      # nothing written
    store.write(registry.convert(DATE_RANGE), tmp_path)          # other settlements are welcome


def test_a_folder_imported_before_ledgers_named_their_settlement_is_checked_by_its_keys(tmp_path):
    store.write(registry.convert(SETTLEMENT), tmp_path)
    for name in ("sales_fees", "refunds"):   # as written before the `settlement` column existed
        path = tmp_path / "_imports" / f"{name}.csv"
        kept = [{k: v for k, v in r.items() if k != "settlement"} for r in rows(path)]
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(kept[0]))
            writer.writeheader()
            writer.writerows(kept)
    path = tmp_path.parent / "same_settlement.csv"
    path.write_text(DATE_RANGE.read_text(encoding="utf-8").replace("18765432101", "11223344556"), encoding="utf-8")
    with pytest.raises(AdapterError, match="settlement.s. 11223344556 .from amazon-settlement-v2. are already imported"):
        store.write(registry.convert(path), tmp_path)


def test_date_range_fees_count_on_every_sku_line_and_a_resaved_copy_replaces_its_lines(tmp_path):
    header_and_titles, body = DATE_RANGE.read_text(encoding="utf-8").split('"May 3, 2024', 1)
    chargeback = ('"May 24, 2024 8:00:00 AM PDT","18765432101","Chargeback Refund","111-1234567-2000002","A2",'
                  '"Lamp shade - linen","1","amazon.com","Standard Orders","Amazon","AUSTIN","TX","78701",'
                  '"MarketplaceFacilitator","-19.99","0","0","0","0","0","0","0","0","0","0","1.50","0","0","0",'
                  '"-18.49"\n')
    path = tmp_path / "with_chargeback.csv"
    path.write_text(header_and_titles + '"May 3, 2024' + body + chargeback, encoding="utf-8")
    got = registry.convert(path)
    store.write(got, tmp_path / "folder")
    # the chargeback gives 1.50 of A2's May fees back (3.00 + 4.83 - 1.50); it is not a refund of a return
    assert sales(tmp_path / "folder")[("A2", "2024-05", "amazon_us")] == ("1", "19.99", "6.33")
    # the same report re-saved by Excel (every date M/D/YYYY H:MM) replaces its lines: nothing counts twice
    import re
    from datetime import datetime

    def excel(m: re.Match) -> str:
        d = datetime.strptime(m.group(1), "%b %d, %Y %I:%M:%S %p")
        return f'"{d.month}/{d.day}/{d.year} {d.hour}:{d.minute:02d}"'

    resaved = re.sub(r'"([A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M) P[DS]T"', excel,
                     path.read_text(encoding="utf-8"))
    assert '"5/3/2024 10:15"' in resaved and "PDT" not in resaved
    (tmp_path / "resaved.csv").write_text(resaved, encoding="utf-8")
    again = registry.convert(tmp_path / "resaved.csv", options=Options(date_format="M/D/YYYY"))
    assert again.rows_rejected == 0
    before = (tmp_path / "folder" / "sales.csv").read_bytes()
    store.write(again, tmp_path / "folder")
    assert (tmp_path / "folder" / "sales.csv").read_bytes() == before


def test_a_one_column_list_with_a_stray_comma_keeps_its_header(tmp_path):
    """One-cell rows are titles only when the row below them is the header of the rows under it."""
    import pandas as pd

    from pipelines.adapters.sniff import Decoded, read_text

    text = "sku\nA1\nA2\nB1,see note\nB2\n"
    parsed = read_text(text, Path("list.csv"), Decoded(text, "utf-8", "UTF-8"), ",")
    assert parsed.header == ["sku"] and parsed.titles == []
    assert parsed.frame["sku"].tolist() == ["A1", "A2", "B2"] and parsed.frame["_line"].tolist() == [2, 3, 5]
    assert [(line, reason) for line, _, reason in parsed.malformed] == [(4, "expected 1 fields, found 2")]
    book = tmp_path / "list.xlsx"
    pd.DataFrame([["sku", None], ["A1", None], ["A2", None], ["B1", "see note"], ["B2", None]]).to_excel(
        book, index=False, header=False)
    from pipelines.readers import read_table_file

    sheet = read_table_file(book)
    assert sheet.header == ["sku"] and sheet.titles == [] and sheet.frame["sku"].tolist() == ["A1", "A2", "B1", "B2"]
