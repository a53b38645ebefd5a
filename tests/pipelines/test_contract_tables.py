"""Files in the import format's own columns (pipelines/adapters/contract_tables.py): recognised as their table when
every header is one of its columns, read as a mapping of each column onto itself, merged into the folder by key."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipelines.adapters import contract_tables, registry
from pipelines.adapters.base import AdapterError
from pipelines.cli import main as cli_main

TEMPLATES = Path(__file__).parents[2] / "data" / "templates"
REFUNDS = "refund_id,entry_number,shipment_id,program,claimed_on,amount_claimed,received_on,amount_received,note"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("template", sorted(TEMPLATES.glob("*.csv")), ids=lambda p: p.stem)
def test_every_template_is_recognised_as_its_table(template):
    fmt = registry.detect(template)
    assert (fmt.name, fmt.tables) == (f"table-{template.stem}", (template.stem,))


def test_only_the_table_s_own_columns_in_any_order_or_case_and_its_required_ones_make_the_table():
    fmt = contract_tables.FORMATS["duty_refunds"]
    assert fmt.matches(["Amount_Claimed", "REFUND_ID", " program "])
    assert registry.recognise(["refund_id", "amount_claimed"]) is fmt
    assert not fmt.matches(["refund_id", "amount_claimed", "Comments"])   # a column of no table: a mapping
    assert not fmt.matches(["entry_number", "amount_claimed"])             # refund_id (required) missing
    with pytest.raises(AdapterError, match="not a format we know"):
        registry.recognise(["refund_id", "amount_claimed", "Comments"])


def test_the_cape_claims_merge_into_duty_refunds_by_key_and_a_second_import_replaces_them(tmp_path, capsys):
    folder = tmp_path / "brand"
    folder.mkdir()
    (folder / "duty_refunds.csv").write_text(f"{REFUNDS}\nR1,ABC-1234570-2,,ieepa,2026-05-04,3600.00,,,\n",
                                             encoding="utf-8")
    claims = tmp_path / "cape_claims_to_record.csv"
    claims.write_text(f"{REFUNDS}\n"
                      "CAPE-20261207-XYZ76543228,XYZ-7654322-8,,ieepa,2026-12-07,100.00,,,CAPE declaration x.csv\n"
                      "CAPE-20261207-XYZ76543251,XYZ-7654325-1,,ieepa,2026-12-07,10.00,,,CAPE declaration x.csv\n",
                      encoding="utf-8")
    assert cli_main(["import", "--input", str(claims), "--out", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "recognised cape_claims_to_record.csv as duty_refunds in the import format's own columns" in out
    assert "2 rows written to" in out and "(2 new, 0 replaced an earlier import of the same rows, 1 other" in out
    assert [(r["refund_id"], r["entry_number"], r["amount_claimed"]) for r in _rows(folder / "duty_refunds.csv")] == [
        ("R1", "ABC-1234570-2", "3600.00"), ("CAPE-20261207-XYZ76543228", "XYZ-7654322-8", "100"),
        ("CAPE-20261207-XYZ76543251", "XYZ-7654325-1", "10")]
    # the money came back on one: the same row with received_on and amount_received replaces it
    claims.write_text(f"{REFUNDS}\n"
                      "CAPE-20261207-XYZ76543228,XYZ-7654322-8,,ieepa,2026-12-07,100.00,2026-12-07,100.00,\n",
                      encoding="utf-8")
    assert cli_main(["import", "--input", str(claims), "--out", str(folder)]) == 0
    assert "(0 new, 1 replaced an earlier import of the same rows, 2 other rows kept)" in capsys.readouterr().out
    assert [(r["refund_id"], r["received_on"], r["amount_received"])
            for r in _rows(folder / "duty_refunds.csv")] == [
        ("R1", "", ""), ("CAPE-20261207-XYZ76543251", "", ""), ("CAPE-20261207-XYZ76543228", "2026-12-07", "100")]


def test_a_date_that_could_be_either_is_refused_with_its_line_unless_the_file_s_form_is_declared(tmp_path, capsys):
    """A month of new orders in the template's columns, re-saved by a spreadsheet: 04/05/2026 is 4 May or 5 April,
    06/05/2026 as much, and nothing in the column tells; declared day-first, both are read."""
    orders = tmp_path / "new_orders.csv"
    orders.write_text("po_id,supplier_id,sku,ordered_on,quantity,unit_price\n"
                      "P9,S1,A1,04/05/2026,1000,3.65\n"
                      "P10,S1,A1,06/05/2026,500,3.70\n", encoding="utf-8")
    converted = registry.convert(orders)
    assert (converted.format.name, converted.rows_read, converted.rows_written) == ("table-purchase_orders", 2, 0)
    rejected = {(r.line, r.column): r.reason for r in converted.rejections()}
    assert sorted(rejected) == [(2, "ordered_on"), (3, "ordered_on")]
    assert "'04/05/2026'" in rejected[(2, "ordered_on")]
    assert cli_main(["import", "--input", str(orders), "--out", str(tmp_path / "out"),
                     "--date-format", "DD/MM/YYYY"]) == 0
    assert [(r["po_id"], r["ordered_on"], r["quantity"], r["unit_price"])
            for r in _rows(tmp_path / "out" / "purchase_orders.csv")] == [
        ("P9", "2026-05-04", "1000", "3.65"), ("P10", "2026-05-06", "500", "3.7")]
