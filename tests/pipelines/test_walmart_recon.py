"""The Walmart Marketplace payment (reconciliation) report: a fixture written to the published layout (the recon v1
file's header, the PaymentSummary line first, M/D/Y dates, one amount per line), every line accounted for, fees,
units and revenue by hand, the currency and the date order never assumed, and a re-import that adds nothing twice."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from helpers import FIXTURES, edited_export
from pipelines.adapters import registry, store
from pipelines.adapters.base import Options

RECON = FIXTURES / "exports" / "walmart_recon.csv"


def _sales(folder: Path) -> dict[tuple[str, str, str], tuple[str, str, str]]:
    with (folder / "sales.csv").open(newline="", encoding="utf-8") as handle:
        return {(r["sku"], r["month"], r["channel"]): (r["units_sold"], r["gross_revenue"], r["marketplace_fees"])
                for r in csv.DictReader(handle)}


def _edited(tmp_path: Path, name: str, edit) -> Path:
    """The fixture with `edit(row)` applied to every line (a dict by header), written as `name`."""
    return edited_export(RECON, tmp_path / name, edit)


def test_the_recon_report_is_recognised_and_gives_units_revenue_and_fees_per_sku_month(tmp_path):
    assert registry.detect(RECON).name == "walmart-recon"
    got = registry.convert(RECON)
    assert got.rows_read == got.rows_written + got.rows_rejected + got.rows_left_out
    assert (got.rows_read, got.rows_written, got.rows_rejected, got.rows_left_out) == (12, 7, 0, 5)
    problems = {(r.line, r.column): r.reason for r in got.rejections()}
    assert problems[(2, "Transaction Type")] == ("left out: the cycle's payment summary (period, total payable, "
                                                 "currency): not a transaction")
    assert problems[(4, "Amount Type")] == "left out: neither a fee nor product revenue (Sale, Product tax)"
    assert problems[(10, "Transaction Type")] == ("left out: a refund: the report does not say why the item came "
                                                  "back (import the returns with their reasons)")
    assert problems[(12, "Partner Item Id")] == ("left out: account-level line without a SKU (Reserve): not "
                                                 "attributable to a SKU")
    assert ("walmart_recon.csv: amounts in USD (line 2 of the report says so); posted dates read as they prove"
            in got.notices)
    assert ("walmart_recon.csv: account-level amounts in USD not written (no SKU): Adjustment (Fee/Reimbursement): "
            "-12.30; Reserve (Reserve): -5.00") in got.notices
    assert ("walmart_recon.csv: refunds in USD not written (the report gives no return reason; import the returns "
            "with their reasons): Product Price: -29.99") in got.notices
    store.write(got, tmp_path)
    assert _sales(tmp_path) == {
        # 2 lamps at 59.98; fees: commission 9.00 + the shipping label bought through Walmart 11.33
        ("LAMP-1", "2026-04", "walmart_us"): ("2", "59.98", "20.33"),
        # the commission of April's... refunded order given back on 3 May: May's fees are below zero
        ("LAMP-1", "2026-05", "walmart_us"): ("0", "0", "-4.5"),
        # 1 shade at 19.99; commission 3.00 + WFS fulfilment fee 3.45
        ("SHADE-2", "2026-05", "walmart_us"): ("1", "19.99", "6.45"),
    }
    # the same report again (and a copy of it) replaces its ledger lines: nothing counts twice
    store.write(registry.convert(RECON), tmp_path)
    assert _sales(tmp_path)[("LAMP-1", "2026-04", "walmart_us")] == ("2", "59.98", "20.33")
    # another channel name when the user asks for one
    other = registry.convert(RECON, options=Options(channel="Walmart_CA"))
    store.write(other, tmp_path / "ca")
    assert set(_sales(tmp_path / "ca")) == {("LAMP-1", "2026-04", "walmart_ca"), ("LAMP-1", "2026-05", "walmart_ca"),
                                            ("SHADE-2", "2026-05", "walmart_ca")}


def test_a_report_without_its_currency_is_refused_line_by_line_never_assumed_usd(tmp_path):
    path = _edited(tmp_path, "no_currency.csv", lambda r: r.update({"Currency": ""}))
    got = registry.convert(path)
    assert (got.rows_written, got.rows_rejected) == (0, 12)
    assert got.rejections()[0].reason == (
        "the report's currency is unknown: no line names its Currency (the PaymentSummary line does, in the report "
        "as Walmart writes it); amounts are never assumed to be USD (download the report again whole, with its "
        "PaymentSummary line)")
    two = _edited(tmp_path, "two.csv", lambda r: r.update({"Currency": "CAD"}) if r["Amount"] == "-5.00" else None)
    assert registry.convert(two).rejections()[0].reason.startswith(
        "the report's currency is unknown: its Currency cells name 2 currencies (CAD, USD)")


def _early_month(row: dict) -> None:
    """Every posted date moved to a day that reads both ways (29 April → 2 May, 1 → 4, 3 → 5, 5 → 6, 6 → 7)."""
    moved = {"04/29/2026": "05/02/2026", "05/01/2026": "05/04/2026", "05/03/2026": "05/05/2026",
             "05/05/2026": "05/06/2026", "05/06/2026": "05/07/2026", "05/08/2026": "05/08/2026"}
    row["Transaction Posted Timestamp"] = moved[row["Transaction Posted Timestamp"]]


def test_posted_dates_that_read_both_ways_take_the_order_the_reports_period_proves_or_are_refused(tmp_path):
    # the cycle 04/24/2026 - 05/07/2026 proves month first: 2 May, not 5 February
    path = _edited(tmp_path, "early.csv", _early_month)
    got = registry.convert(path)
    assert got.rows_rejected == 0
    assert ("early.csv: amounts in USD (line 2 of the report says so); posted dates read as the report's period "
            "dates prove") in got.notices
    store.write(got, tmp_path / "early")
    assert _sales(tmp_path / "early")[("LAMP-1", "2026-05", "walmart_us")] == ("2", "59.98", "15.83")

    # a cycle whose dates all read both ways too: nothing proves the order, so the dates are refused, not guessed
    def unproven(row: dict) -> None:
        _early_month(row)
        if row["Period Start Date"]:
            row.update({"Period Start Date": "05/01/2026", "Period End Date": "05/08/2026"})
    path = _edited(tmp_path, "unproven.csv", unproven)
    got = registry.convert(path)
    assert got.rows_written == 0 and got.rows_rejected == 7
    reasons = {r.column: r.reason for r in got.rejections()}
    assert "day-first or month-first cannot be told" in reasons["Transaction Posted Timestamp"]
    # declared, they are read as declared
    got = registry.convert(path, options=Options(date_format="MM/DD/YYYY"))
    assert (got.rows_written, got.rows_rejected) == (7, 0)
    assert "posted dates read as declared" in got.notices[0]


def test_a_bad_amount_or_a_fractional_quantity_rejects_its_line_with_the_reason(tmp_path):
    def spoil(row: dict) -> None:
        if row["Amount"] == "-3.45":
            row["Amount"] = "n/a"
        if row["Amount"] == "19.99":
            row["Ship Qty"] = "1.5"
    got = registry.convert(_edited(tmp_path, "spoilt.csv", spoil))
    reasons = {(r.line, r.column): r.reason for r in got.rejections() if not r.reason.startswith("left out")}
    assert reasons == {(9, "Amount"): "not a number: 'n/a'",
                       (7, "Ship Qty"): "not a whole number of units: '1.5'"}
    assert got.rows_read == got.rows_written + got.rows_rejected + got.rows_left_out == 12


def test_walmart_sales_and_fees_reach_the_channel_marts_through_a_build(tmp_path, built):
    """The tiny portfolio with its lamp (A1) and shade (A2) also sold on Walmart in April-May 2024, imported from the
    recon report: the build takes Walmart's own fees (below zero in May for the lamp, as the money moved) instead of
    the channel's fee assumption, beside the Amazon rows the portfolio already had."""
    import shutil

    import duckdb

    from helpers import TINY

    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    amazon = _sales(folder)
    path = _edited(tmp_path, "recon_2024.csv", lambda r: r.update(
        {k: v.replace("/2026", "/2024").replace("2026_", "2024_").replace("LAMP-1", "A1").replace("SHADE-2", "A2")
         for k, v in r.items()}))
    store.write(registry.convert(path), folder)
    assert {k: v for k, v in _sales(folder).items() if k[2] == "walmart_us"} == {
        ("A1", "2024-04", "walmart_us"): ("2", "59.98", "20.33"), ("A1", "2024-05", "walmart_us"): ("0", "0", "-4.5"),
        ("A2", "2024-05", "walmart_us"): ("1", "19.99", "6.45")}
    assert {k: v for k, v in _sales(folder).items() if k[2] != "walmart_us"} == amazon   # kept as they were
    with duckdb.connect(str(built(folder, tmp_path / "w.duckdb")), read_only=True) as con:
        got = con.execute("""
            select sku, month, units_sold, gross_revenue, marketplace_fees from marts.sales_by_channel
            where channel = 'walmart_us' order by sku, month""").fetchall()
    assert [(s, str(m)[:7], u, float(r), float(f)) for s, m, u, r, f in got] == [
        ("A1", "2024-04", 2, 59.98, 20.33), ("A1", "2024-05", 0, 0.0, -4.5), ("A2", "2024-05", 1, 19.99, 6.45)]


def test_the_report_zipped_as_walmart_delivers_it_is_read_from_the_archive(tmp_path, monkeypatch):
    """The Recon Report API delivers the CSV in a .zip: the archive's one export is read in memory, never extracted;
    an archive of several exports, a member larger than the limit, or a file that is not a zip are refused."""
    import zipfile

    from pipelines.adapters import sniff
    from pipelines.readers import FileError

    archive = tmp_path / "10000000354_2026-05-08T02:09:54.438+0000.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(RECON, "walmart_recon.csv")
        z.writestr("__MACOSX/._walmart_recon.csv", b"\x00\x05")   # a Mac's resource fork: not an export
    got = registry.convert(archive)
    assert got.format.name == "walmart-recon"
    assert f"{archive.name}: read walmart_recon.csv, the export in the archive" in got.notices
    store.write(got, tmp_path / "zipped")
    store.write(registry.convert(RECON), tmp_path / "plain")
    assert (tmp_path / "zipped" / "sales.csv").read_bytes() == (tmp_path / "plain" / "sales.csv").read_bytes()
    assert got.rejections()[0].file == archive.name and got.rejections()[0].raw.startswith("04/24/2026,05/07/2026")

    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as z:
        z.write(RECON, "a.csv")
        z.write(RECON, "b.csv")
    with pytest.raises(FileError, match=r"two.zip: is an archive holding 2 text exports .* \(a.csv, b.csv\): unzip it"):
        registry.convert(two)
    monkeypatch.setattr(sniff, "MAX_UNZIPPED_BYTES", 1000)
    with pytest.raises(FileError, match=r"holds walmart_recon.csv of 3,\d\d\d bytes unzipped, more than 1,000"):
        registry.convert(archive)
    fake = tmp_path / "fake.zip"
    fake.write_text("not a zip", encoding="utf-8")
    with pytest.raises(FileError, match="fake.zip: cannot be read as a .zip archive"):
        registry.convert(fake)


def test_a_line_count_under_the_header_is_left_out_not_reported_as_a_broken_line(tmp_path):
    header, body = RECON.read_bytes().split(b"\r\n", 1)
    path = tmp_path / "with_count.csv"
    path.write_bytes(header + b"\r\nNumber of Lines in file 12\r\n" + body)
    got = registry.convert(path)
    assert (got.rows_read, got.rows_written, got.rows_rejected, got.rows_left_out) == (13, 7, 0, 6)
    first = got.rejections()[0]
    assert (first.line, first.reason, first.raw) == (2, "left out: the file's count of its lines, not a transaction",
                                                     "Number of Lines in file 12")
