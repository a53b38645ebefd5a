"""The importer's own ACE report ES-003 (Entry Summary Line Tariff Details), from a fixture written to the report's
layout (tests/fixtures/exports/ace_es003_line_tariff_details.csv: ACE's column names and order, every field quoted,
one row per tariff ordinal with the entry's fields repeated, entry summary numbers without dashes, MM/DD/YYYY dates,
`$1,375.00` amounts, the liquidation date and status added as the refund guides tell importers to), as CSV and as an
Excel workbook with typed cells, and its figures through a build.

The fixture's entries, worked by hand from data/reference/duty_rates.csv:
- ABC12345694, the tiny portfolio's H2 (P2: 1,000 lamps 9405.42.8440 at 5.50 = 5,500.00) entered 05/12/2024:
  ordinal 1 Section 301 List 3 9903.88.03 25% = 1,375.00; ordinal 2 the classification, MFN 3.9% = 214.50.
- ABC12345702, travel bags 4202.92.3131 entered 04/08/2025: 12,000.00 x (IEEPA fentanyl 20% 9903.01.24 + IEEPA
  reciprocal 10% 9903.01.25 + List 3 25% 9903.88.03 + MFN 17.6%) = 2,400.00 + 1,200.00 + 3,000.00 + 2,112.00.
Lines 8-11 are rejected: an entry number without a filer code (8), an ISO date in the text export (9), an 8-digit
classification (10), a missing duty (11).
"""

from __future__ import annotations

import csv
from datetime import date, datetime

import duckdb
import openpyxl

from helpers import FIXTURES, quiet, tiny_with_entry_number
from pipelines.adapters import registry
from pipelines.build import build
from pipelines.cli import main as cli_main

REPORT = FIXTURES / "exports" / "ace_es003_line_tariff_details.csv"


def _row(entry, line, hts, value, duty, on, liquidated=""):
    return dict(entry_number=entry, line_number=line, hts_code=hts, entry_type="01", entry_on=on,
                origin_country="CN", description="", entered_value=value, rate="", duty=duty, mpf="", hmf="",
                liquidated_on=liquidated, liquidation_status="Liquidated" if liquidated else "", adcvd_cases="",
                adcvd_rate="", ad_duty="", cvd_duty="")


EXPECTED = [
    _row("ABC-1234569-4", "1", "9903.88.03", "", "1375", "2024-05-12", "2025-04-04"),
    _row("ABC-1234569-4", "1", "9405.42.8440", "5500", "214.5", "2024-05-12", "2025-04-04"),
    _row("ABC-1234570-2", "1", "9903.01.24", "", "2400", "2025-04-08", "2026-08-21"),
    _row("ABC-1234570-2", "1", "9903.01.25", "", "1200", "2025-04-08", "2026-08-21"),
    _row("ABC-1234570-2", "1", "9903.88.03", "", "3000", "2025-04-08", "2026-08-21"),
    _row("ABC-1234570-2", "1", "4202.92.3131", "12000", "2112", "2025-04-08", "2026-08-21"),
]


def test_the_es003_layout_is_recognised_and_every_line_is_accounted_for():
    assert registry.detect(REPORT).name == "ace-es003"
    got = registry.convert(REPORT)
    assert (got.rows_read, got.rows_written, got.rows_rejected, got.rows_left_out) == (10, 6, 4, 0)
    # Each rejection names ACE's column, as the file shows it.
    assert {(r.line, r.column): r.reason for r in got.rejections()} == {
        (8, "Entry Summary Number"): "not an entry number (3-character filer code, 7 digits, check digit): "
                                     "'BII0001'",
        (9, "Entry Date"): "not in the declared date format MM/DD/YYYY: '2025-04-09'",
        (10, "HTS Number - Full"): "not an HTSUS number (10 digits, or an 8-digit chapter 99 number): '3923.90'",
        (11, "Line Tariff Duty Amount"): "required value is missing: Line Tariff Duty Amount (write 0.00 for a "
                                         "free line)",
    }
    # A chapter 99 ordinal's $0.00 goods value is no entered value of its own: blank, as on the form.
    assert got.rows["entry_summary_lines"] == EXPECTED
    duty = {}
    for r in got.rows["entry_summary_lines"]:
        duty[r["entry_number"]] = round(duty.get(r["entry_number"], 0.0) + float(r["duty"]), 2)
    assert duty == {"ABC-1234569-4": 1_589.50, "ABC-1234570-2": 8_712.00}


def test_an_excel_export_with_typed_cells_reads_the_same(tmp_path):
    # The report saved as a workbook: dates typed as dates, amounts and numbers as numbers, the entry type code
    # stored as the number 1. A typed date cannot be read two ways, so line 9's date is read here.
    with open(REPORT, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows[1:]:
        cells = []
        for name, value in zip(header, row):
            if name.endswith("Date") and value:
                m, d, y = (value.split("/") if "/" in value else value.split("-")[1:] + value.split("-")[:1])
                cells.append(datetime(int(y), int(m), int(d)))
            elif name.endswith("Amount") and value:
                cells.append(float(value.replace("$", "").replace(",", "")))
            elif name == "Entry Type Code":
                cells.append(int(value))
            else:
                cells.append(value)
        sheet.append(cells)
    path = tmp_path / "ES-003 Entry Summary Line Tariff Details.xlsx"
    book.save(path)
    got = registry.convert(path)
    assert (got.rows_read, got.rows_written, got.rows_rejected) == (10, 7, 3)
    assert {r.line for r in got.rejections()} == {8, 10, 11}
    written = got.rows["entry_summary_lines"]
    assert written[:6] == EXPECTED
    assert written[6] == _row("ABC-1234571-0", "1", "4202.92.3131", "1200", "211.2", "2025-04-09")


def test_the_report_s_duty_reaches_landed_cost_in_a_build(tmp_path, capsys):
    # The tiny portfolio with H2 on entry ABC12345694; the report imported with the CLI, then a build.
    folder = tiny_with_entry_number(tmp_path / "in", "H2", "ABC12345694")
    assert cli_main(["import", "--input", str(REPORT), "--out", str(folder)]) == 1  # 4 lines rejected
    assert "read 10 lines from ace_es003_line_tariff_details.csv: 6 written, 4 rejected" in capsys.readouterr().out
    db = tmp_path / "w.duckdb"
    report = build(folder, db, log=quiet)
    assert report.ingest.rejections == []
    con = duckdb.connect(str(db), read_only=True)
    try:
        h2 = con.execute("""select duty, duty_source, duty_status, duty_computed, mpf_entry_summary, entry_on
                            from marts.landed_cost_shipment where shipment_id = 'H2'""").fetchone()
        # 1,375.00 + 214.50 declared = 1,589.50 computed (3.9% + 25% of 5,500.00); the report has no MPF.
        assert (float(h2[0]), h2[1], h2[2], float(h2[3]), h2[4], h2[5]) == (
            1_589.50, "entry_summary", "match", 1_589.50, None, date(2024, 5, 12))
        entries = {r[0]: r[1:] for r in con.execute(
            "select entry_number, duty_status, shipment_count from marts.customs_entries").fetchall()}
        assert entries == {"ABC-1234569-4": ("match", 1), "ABC-1234570-2": ("no_shipments", 0)}
    finally:
        con.close()
