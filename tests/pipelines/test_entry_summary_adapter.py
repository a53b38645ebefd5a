"""The customs broker's entry summary (CBP Form 7501 lines) import, from a fixture written to the form's layout
(tests/fixtures/exports/cbp_7501_lines.csv: block labels as headers, the entry's blocks and each line number written
once, chapter 99 numbers before the classification, MM/DD/YYYY dates), and its figures through a build.

The fixture's entries, worked by hand from data/reference/duty_rates.csv and us_mpf.csv / us_hmf.csv:
- ABC-1234567-8, the issue's bag entered 03/10/2026: 12,000 x (17.6% + 25% + Section 122 10%) = 2,112.00 + 3,000.00
  + 1,200.00 = 6,312.00; MPF 41.57, HMF 15.00.
- ABC-1234568-6, two lines of bags (5,000 and 7,000) entered 03/11/2026: 2,630.00 + 3,682.00 = 6,312.00.
- ABC-1234569-4, the tiny portfolio's H2 (P2: 1,000 lamps 9405.42.8440 at 5.50 = 5,500.00) entered 05/12/2024:
  3.9% 214.50 + List 3 25% 1,375.00 = 1,589.50; MPF 5,500 x 0.3464% = 19.05 -> FY2024 minimum 31.67; HMF 5,500 x
  0.125% = 6.875 -> 6.88.
Lines 13-17 are rejected: an ISO date (13, and 14 which continues that entry), an 8-digit classification (15), an
entry number without a filer code (16), and line 12 again (17).
"""

from __future__ import annotations

import csv
from datetime import date, datetime

import duckdb
import openpyxl

from helpers import FIXTURES, quiet, tiny_with_entry_number
from pipelines.adapters import registry, store
from pipelines.adapters.entry_summary import entry_number, hts_number
from pipelines.build import build
from pipelines.cli import main as cli_main

SUMMARY = FIXTURES / "exports" / "cbp_7501_lines.csv"


def test_the_7501_layout_is_recognised_and_every_line_is_accounted_for():
    assert registry.detect(SUMMARY).name == "cbp-7501-lines"
    got = registry.convert(SUMMARY)
    assert (got.rows_read, got.rows_written, got.rows_rejected, got.rows_left_out) == (16, 11, 5, 0)
    problems = {(r.line, r.column): r.reason for r in got.rejections()}
    assert problems == {
        (13, "Entry Date"): "not in the declared date format MM/DD/YYYY: '2026-03-12'",
        (14, "Entry Date"): "not in the declared date format MM/DD/YYYY: '2026-03-12'",
        (15, "HTSUS No."): "not an HTSUS number (10 digits, or an 8-digit chapter 99 number): '7318.15.20'",
        (16, "Filer Code/Entry Number"): "not an entry number (3-character filer code, 7 digits, check digit): "
                                         "'12345678'",
        (17, "HTSUS No."): "entry ABC-1234569-4 line 1 9405.42.8440 is already on line 12",
    }
    rows = got.rows["entry_summary_lines"]
    # Line 4 continues entry ABC-1234567-8's line 1: the entry's blocks, line number and description carried down.
    assert rows[2] == dict(
        entry_number="ABC-1234567-8", line_number="1", hts_code="4202.92.3131", entry_type="01",
        entry_on="2026-03-10", origin_country="CN", description="TRAVEL BAGS, OUTER SURFACE OF TEXTILE MATERIALS",
        entered_value="12000", rate="17.6%", duty="2112", mpf="41.57", hmf="15", liquidated_on="",
        liquidation_status="", adcvd_cases="", adcvd_rate="", ad_duty="", cvd_duty="")
    duty = {}
    for r in rows:
        duty[r["entry_number"]] = round(duty.get(r["entry_number"], 0.0) + float(r["duty"]), 2)
    assert duty == {"ABC-1234567-8": 6_312.00, "ABC-1234568-6": 6_312.00, "ABC-1234569-4": 1_589.50}
    assert [(r["line_number"], r["hts_code"]) for r in rows if r["entry_number"] == "ABC-1234568-6"] == [
        ("1", "9903.88.03"), ("1", "9903.03.01"), ("1", "4202.92.3131"),
        ("2", "9903.88.03"), ("2", "9903.03.01"), ("2", "4202.92.3131")]


def test_a_listing_saved_as_a_workbook_with_typed_dates_reads_the_same(tmp_path):
    # Excel types a date cell; the reader writes it 2026-03-10, which cannot be read two ways: read, not refused as
    # "not MM/DD/YYYY" (every row was refused before). Lines 13-14's date, text 2026-03-12 in the CSV, is typed
    # here too and read; the other three rejections stay.
    with open(SUMMARY, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append([datetime.strptime(v, "%m/%d/%Y") if rows[0][i].endswith("Date") and "/" in v
                      else datetime.fromisoformat(v) if rows[0][i].endswith("Date") and "-" in v else v
                      for i, v in enumerate(row)])
    path = tmp_path / "entry summaries.xlsx"
    book.save(path)
    got = registry.convert(path)
    assert (got.rows_read, got.rows_written, got.rows_rejected) == (16, 13, 3)
    assert {r.line for r in got.rejections()} == {15, 16, 17}
    assert registry.convert(SUMMARY).rows["entry_summary_lines"] == [
        r for r in got.rows["entry_summary_lines"] if r["entry_number"] != "ABC-1234570-9"]
    assert {r["entry_on"] for r in got.rows["entry_summary_lines"] if r["entry_number"] == "ABC-1234570-9"} == {
        "2026-03-12"}


def test_entry_and_hts_numbers_are_read_in_their_usual_spellings_and_refused_otherwise():
    assert entry_number("abc 1234567 8") == entry_number("ABC12345678") == "ABC-1234567-8"
    assert entry_number("AB-1234567-8") is None and entry_number("ABC-123456-8") is None
    assert hts_number("4202923131") == hts_number(" 4202.92.3131 ") == "4202.92.3131"
    assert hts_number("99038803") == "9903.88.03"
    assert hts_number("4202.92.31") is None and hts_number("4202.92.3131A") is None


def test_adcvd_cases_rates_and_deposits_are_read_as_the_form_and_brokers_write_them(tmp_path):
    """Goods under an AD/CVD order, as a broker's listing carries them: the case number under the HTS number (block
    33B), the deposit rate (37B) and the deposits by class (012 ADD, 013 CVD), amounts with thousands separators. The
    case is written as CBP does (A-570-092-000) whatever the spelling; a case that is not one is refused with what
    was written, the rest of the listing kept."""
    path = tmp_path / "entry summaries.csv"
    path.write_text(
        "Filer Code/Entry Number,Entry Type,Entry Date,Country of Origin,Line No.,HTSUS No.,Entered Value,"
        "HTSUS Rate,Duty and IR Tax,MPF,HMF,ADD/CVD Case Number,AD/CVD Rate,ADD (012),CVD (013)\n"
        "MAT-0000001-1,01 ABI/A,03/10/2026,CN,001,9404.21.0010,\"$10,000.00\",3%,300.00,34.64,12.50,"
        "a570092000,1731.75%,\"173,175.00\",\n"
        "MAT-0000002-9,01,03/11/2026,CN,001,9403.60.8081,\"5,000.00\",Free,0.00,33.58,6.25,"
        "\"A-570-106-000, C-570-107-000\",262.18% / 13.33%,\"13,109.00\",666.50\n"
        "MAT-0000003-7,01,03/12/2026,CN,001,9404.21.0010,1000.00,3%,30.00,33.58,,A-570-92,,100.00,\n",
        encoding="utf-8")
    assert registry.detect(path).name == "cbp-7501-lines"
    got = registry.convert(path)
    assert (got.rows_read, got.rows_written, got.rows_rejected) == (3, 2, 1)
    assert [(r.line, r.column, r.reason) for r in got.rejections()] == [
        (4, "AD/CVD Case No.", "not AD/CVD case numbers (A or C, then 3, 3 and 3 digits, e.g. A-570-092-000; several "
                               "separated by commas): 'A-570-92'")]
    rows = got.rows["entry_summary_lines"]
    assert [(r["adcvd_cases"], r["adcvd_rate"], r["ad_duty"], r["cvd_duty"]) for r in rows] == [
        ("A-570-092-000", "1731.75%", "173175", ""),
        ("A-570-106-000, C-570-107-000", "262.18% / 13.33%", "13109", "666.5")]
    # a listing without the AD/CVD columns reads as before: empty
    assert all(r["adcvd_cases"] == r["ad_duty"] == "" for r in registry.convert(SUMMARY).rows["entry_summary_lines"])


def test_the_broker_figures_reach_landed_cost_and_are_reconciled_in_a_build(tmp_path, capsys):
    # The tiny portfolio with H2 on entry ABC-1234569-4; the summary imported with the CLI, then a build.
    folder = tiny_with_entry_number(tmp_path / "in", "H2", "ABC12345694")
    assert cli_main(["import", "--input", str(SUMMARY), "--out", str(folder)]) == 1  # 5 lines rejected
    assert "read 16 lines from cbp_7501_lines.csv: 11 written, 5 rejected" in capsys.readouterr().out
    db = tmp_path / "w.duckdb"
    report = build(folder, db, log=quiet)
    assert report.ingest.rejections == []
    con = duckdb.connect(str(db), read_only=True)
    try:
        h2 = con.execute("""select duty, duty_source, duty_status, duty_computed, mpf_entry_summary,
                                   hmf_entry_summary, fees, fees_source, entry_on
                            from marts.landed_cost_shipment where shipment_id = 'H2'""").fetchone()
        # other_fees (150.00: brokerage, MPF, HMF, port) was paid and stays the fee; the broker's MPF and HMF
        # are shown beside it.
        assert tuple(float(x) if i not in (1, 2, 7, 8) else x for i, x in enumerate(h2)) == (
            1_589.50, "entry_summary", "match", 1_589.50, 31.67, 6.88, 150.00, "paid",
            date(2024, 5, 12))
        entries = {r[0]: r[1:] for r in con.execute("""
            select entry_number, duty_status, fees_status, shipment_count, duty_summary, duty_computed
            from marts.customs_entries order by entry_number""").fetchall()}
        assert {k: v[:3] for k, v in entries.items()} == {
            "ABC-1234567-8": ("no_shipments", "no_shipments", 0),
            "ABC-1234568-6": ("no_shipments", "no_shipments", 0),
            "ABC-1234569-4": ("match", "match", 1)}
        assert tuple(float(x) for x in entries["ABC-1234569-4"][3:]) == (1_589.50, 1_589.50)
        warned = {w[0]: w[1] for w in report.warnings}
        assert warned["landed_cost_entry_summaries"] == 2  # the two summaries of entries no shipment carries
    finally:
        con.close()
    # Importing the same summary again replaces its rows: nothing added.
    before = (folder / "entry_summary_lines.csv").read_text(encoding="utf-8")
    store.write(registry.convert(SUMMARY), folder)
    assert (folder / "entry_summary_lines.csv").read_text(encoding="utf-8") == before
