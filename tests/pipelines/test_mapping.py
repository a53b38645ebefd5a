"""Saved column mappings: suggestions, the file format, conversion with declared formats, and the CLI."""

from __future__ import annotations

import csv
import shutil

import pytest

from helpers import FIXTURES
from pipelines.adapters import mapping as maps
from pipelines.cli import main as cli_main
from pipelines.ingest import read_and_validate

TRACKER = FIXTURES / "exports" / "po_tracker_gbk.csv"   # GB18030, semicolons, decimal commas, day-first dates
HEADER = ["PO No.", "Factory", "Item", "Order Date", "Ship by", "Qty", "Unit Price (RMB)", "Terms", "Remarks"]

MAPPING = maps.Mapping(
    table="purchase_orders", name="Ningbo PO tracker",
    columns={"po_id": "PO No.", "supplier_id": "Factory", "sku": "Item", "ordered_on": "Order Date",
             "promised_ship_on": "Ship by", "quantity": "Qty", "unit_price": "Unit Price (RMB)", "incoterm": "Terms"},
    date="DD/MM/YYYY", decimal=",", thousands=".", currency="CNY",
    values={"incoterm": {"FOB Ningbo": "FOB"}}, constants={"payment_channel": "wire"})


def test_suggestions_are_exact_synonym_or_fuzzy_and_use_each_column_once():
    got = {s.column: (s.source, s.how) for s in maps.suggest(HEADER, "purchase_orders")}
    assert got == {
        "po_id": ("PO No.", "synonym"), "supplier_id": ("Factory", "synonym"), "sku": ("Item", "synonym"),
        "ordered_on": ("Order Date", "synonym"), "quantity": ("Qty", "synonym"),
        "unit_price": ("Unit Price (RMB)", "fuzzy"), "incoterm": ("Terms", "synonym"),
        "promised_ship_on": ("Ship by", "synonym"),
    }
    exact = maps.suggest(["po_id", "PO", "sku"], "purchase_orders")
    assert [(s.column, s.source, s.how) for s in exact] == [("po_id", "po_id", "exact"), ("sku", "sku", "exact")]


def test_a_mapping_converts_the_spreadsheet_with_its_declared_formats():
    got = maps.convert(maps.read(TRACKER, MAPPING), MAPPING)
    assert got.read_as == "GB18030/GBK (Chinese), semicolon-delimited"
    assert (got.rows_read, got.rows_written, got.rows_rejected) == (3, 2, 1)
    assert got.rows["purchase_orders"] == [
        dict(po_id="P7", supplier_id="S1", sku="A1", ordered_on="2024-03-05", quantity="1000", unit_price="36.5",
             currency="CNY", incoterm="FOB", promised_ship_on="2024-04-20", payment_channel="wire"),
        dict(po_id="P8", supplier_id="S2", sku="B1", ordered_on="2024-03-13", quantity="200", unit_price="72",
             currency="CNY", incoterm="EXW", promised_ship_on="2024-04-30", payment_channel="wire"),
    ]
    (problem,) = got.rejections()
    assert (problem.line, problem.column, problem.reason) == (4, "Order Date", "not a real calendar day: '31/02/2024'")


def test_without_declared_formats_the_data_must_prove_them():
    auto = maps.Mapping(**{**MAPPING.__dict__, "date": "auto", "decimal": "auto", "thousands": "auto"})
    got = maps.convert(maps.read(TRACKER, auto), auto)
    # dates: 13/03/2024 proves day first; quantities: 1.000 could be one or a thousand, and nothing shows which
    reasons = {(r.line, r.column): r.reason for r in got.rejections()}
    assert reasons[(2, "Qty")].startswith("the decimal separator cannot be told: line 2 '1.000'")
    assert got.rows_written == 0


def test_an_ambiguous_date_column_is_refused_with_its_rows(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("PO,Factory,Item,Date,Qty,Price\nP7,S1,A1,05/03/2024,10,1.5\nP8,S1,A1,06/04/2024,10,1.5\n",
                    encoding="utf-8")
    mapping = maps.Mapping(table="purchase_orders", columns=dict(po_id="PO", supplier_id="Factory", sku="Item",
                                                                 ordered_on="Date", quantity="Qty", unit_price="Price"))
    got = maps.convert(maps.read(path, mapping), mapping)
    assert got.rows_written == 0
    assert got.rejections()[0].reason == (
        "day-first or month-first cannot be told: no value has a day above 12 (line 2 '05/03/2024' is 5 March or "
        "3 May; line 3 '06/04/2024' is 6 April or 4 June); declare the date format (DD/MM/YYYY or MM/DD/YYYY: "
        "`supplier-risk import --date-format`, the Data page's date format, or `date` in a mapping file)")


def test_the_mapping_file_round_trips_and_reads_as_documented(tmp_path):
    text = maps.dumps(MAPPING)
    assert maps.loads(text) == MAPPING
    assert 'po_id = "PO No."' in text and '"FOB Ningbo" = "FOB"' in text and 'date = "DD/MM/YYYY"' in text
    path = tmp_path / "tracker.toml"
    path.write_text(text, encoding="utf-8")
    assert maps.load(path).columns["unit_price"] == "Unit Price (RMB)"


@pytest.mark.parametrize("change, message", [
    (dict(table="orders"), "unknown table 'orders'"),
    (dict(columns={"po_id": "PO No."}), "required column 'supplier_id' of purchase_orders is not mapped"),
    (dict(date="YYYYMMDD"), "unknown date format 'YYYYMMDD'"),
    (dict(currency="RMB "), "currency must be an ISO 4217 code"),
    (dict(constants={"colour": "red"}), "purchase_orders has no column 'colour'"),
])
def test_a_mapping_that_cannot_fill_its_table_is_refused(change, message):
    with pytest.raises(maps.MappingError, match=message):
        maps.Mapping(**{**MAPPING.__dict__, **change}).check()


def test_a_mapped_header_missing_from_the_file_is_a_clear_error():
    broken = maps.Mapping(**{**MAPPING.__dict__, "columns": {**MAPPING.columns, "po_id": "Order #"}})
    with pytest.raises(maps.MappingError, match="reads column 'Order #', which is not in the file's header"):
        maps.read(TRACKER, broken)


def test_cli_import_with_a_mapping_merges_into_a_folder_that_then_passes_check(tmp_path, capsys):
    folder = tmp_path / "in"
    shutil.copytree(FIXTURES / "tiny", folder)
    mapping = tmp_path / "tracker.toml"
    mapping.write_text(maps.dumps(MAPPING), encoding="utf-8")
    assert cli_main(["import", "--input", str(TRACKER), "--out", str(folder), "--mapping", str(mapping)]) == 1
    printed = capsys.readouterr().out
    assert "read 3 lines from po_tracker_gbk.csv: 2 written, 1 rejected" in printed
    assert "(2 new, 0 replaced an earlier import of the same rows, 6 other rows kept)" in printed
    with (folder / "purchase_orders.csv").open(newline="", encoding="utf-8") as handle:
        assert [r["po_id"] for r in csv.DictReader(handle)] == ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"]
    result = read_and_validate(folder)
    assert result.rejections == []
    pos = next(t for t in result.tables if t.table == "purchase_orders").frame.set_index("po_id")
    assert (pos.loc["P7", "currency"], pos.loc["P7", "unit_price"], pos.loc["P7", "quantity"]) == ("CNY", 36.5, 1000)


def test_a_returns_log_without_reasons_maps_and_keeps_every_return(tmp_path):
    """A returns log kept by a 3PL or the brand (RMA, SKU, date received, quantity) names no reason: the reason is
    not required, so the mapping leaves it out and every return is written with a blank reason (the build then leaves
    the channel out of the return rates rather than read a defect rate of 0: tests/pipelines/test_supplier_kpis.py)."""
    path = tmp_path / "walmart_returns_log.csv"
    path.write_text("RMA #,SKU,Received,Qty,Refund\nRMA-1001,A1,2024-04-03,1,39.99\nRMA-1002,A1,2024-04-09,2,79.98\n",
                    encoding="utf-8")
    mapping = maps.Mapping(table="returns", columns=dict(return_id="RMA #", sku="SKU", returned_on="Received",
                                                         quantity="Qty", refund_amount="Refund"),
                           constants={"channel": "walmart_us"})
    mapping.check()
    got = maps.convert(maps.read(path, mapping), mapping)
    assert (got.rows_read, got.rows_written, got.rows_rejected) == (2, 2, 0)
    assert [(r["return_id"], r["quantity"], r.get("reason", "")) for r in got.rows["returns"]] == [
        ("RMA-1001", "1", ""), ("RMA-1002", "2", "")]
