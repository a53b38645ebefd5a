"""pipelines/cape.py: the CAPE declaration CBP's ACE portal takes to claim IEEPA duty back: one column,
`Entry Number`, one 11-character entry number a row, at most 9,999 rows a declaration
(data/reference/cape_declaration.csv)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest

from pipelines import cape


def test_the_rules_are_the_reference_tables():
    assert cape.rules() == cape.Rules(max_entries=9_999, header="Entry Number")


def test_one_declaration_is_the_template_column_and_one_entry_number_a_row():
    assert cape.declaration_csv(["ABC12345678", "9A112345670"]) == (
        b"Entry Number\r\nABC12345678\r\n9A112345670\r\n")
    upload = cape.download(["ABC12345678"])
    assert (upload.file_name, upload.mime, upload.data) == (
        "cape_declaration.csv", "text/csv", b"Entry Number\r\nABC12345678\r\n")


def test_past_the_limit_the_download_is_a_zip_of_declarations_each_within_it():
    numbers = [f"ABC{n:08d}" for n in range(10_000)]
    assert len(cape.download(numbers[:9_999]).data) == len("Entry Number\r\n") + 9_999 * 13  # one CSV
    upload = cape.download(numbers)
    assert (upload.file_name, upload.mime) == ("cape_declarations.zip", "application/zip")
    with zipfile.ZipFile(io.BytesIO(upload.data)) as archive:
        parts = {name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))
                 for name in archive.namelist()}
    assert sorted(parts) == ["cape_declaration_1.csv", "cape_declaration_2.csv"]
    assert parts["cape_declaration_1.csv"][0] == ["Entry Number"]
    assert [row[0] for row in parts["cape_declaration_1.csv"][1:]] == numbers[:9_999]
    assert parts["cape_declaration_2.csv"] == [["Entry Number"], ["ABC00009999"]]
    small = cape.Rules(max_entries=2, header="Entry Number")
    assert cape.declarations(numbers[:5], small) == [numbers[0:2], numbers[2:4], numbers[4:5]]
    with pytest.raises(ValueError, match="3 entry numbers: a CAPE declaration lists at most 2"):
        cape.declaration_csv(numbers[:3], small)


@pytest.mark.parametrize("number", ["ABC-1234567-8", "abc12345678", "ABC1234567", "ABC123456789", "AB#12345678",
                                    "ABCD2345678", ""])
def test_a_number_cbp_would_refuse_is_refused_with_the_number(number):
    with pytest.raises(ValueError, match="not an 11-character entry number") as error:
        cape.download(["XYZ76543228", number])
    assert repr(number) in str(error.value)


def test_an_entry_listed_twice_or_none_at_all_is_refused():
    with pytest.raises(ValueError, match="listed twice .*: ABC12345678$"):
        cape.download(["ABC12345678", "XYZ76543228", "ABC12345678"])
    with pytest.raises(ValueError, match="no entry number to declare"):
        cape.download([])


def test_the_claims_to_record_are_duty_refunds_rows_naming_the_declaration_each_entry_is_in():
    """Three entries over two declarations of at most 2: each a claim of program ieepa dated the filing day, for the
    duty not refunded yet to the cent (0.125 → 0.13, half up), the entry number as the data writes it."""
    small = cape.Rules(max_entries=2, header="Entry Number")
    made = cape.claims_to_record(["XYZ76543228", "DEF76543291", "ABC12345678"],
                                 ["XYZ-7654322-8", "def 7654329 1", "ABC12345678"], [100.0, 0.125, 1_234.5],
                                 date(2026, 12, 7), settings=small)
    assert made.decode("utf-8").splitlines() == [
        "refund_id,entry_number,shipment_id,program,claimed_on,amount_claimed,received_on,amount_received,note",
        "CAPE-20261207-XYZ76543228,XYZ-7654322-8,,ieepa,2026-12-07,100.00,,,CAPE declaration cape_declaration_1.csv",
        "CAPE-20261207-DEF76543291,def 7654329 1,,ieepa,2026-12-07,0.13,,,CAPE declaration cape_declaration_1.csv",
        "CAPE-20261207-ABC12345678,ABC12345678,,ieepa,2026-12-07,1234.50,,,CAPE declaration cape_declaration_2.csv"]
    # the columns are the import format's (data/templates/duty_refunds.csv)
    template = (Path(__file__).parents[2] / "data" / "templates" / "duty_refunds.csv").read_text(encoding="utf-8")
    assert template.splitlines()[0] == made.decode("utf-8").splitlines()[0]
    with pytest.raises(ValueError, match="differ in length"):
        cape.claims_to_record(["XYZ76543228"], [], [1.0], date(2026, 12, 7))
    with pytest.raises(ValueError, match="listed twice"):
        cape.claims_to_record(["XYZ76543228"] * 2, ["a", "b"], [1.0, 2.0], date(2026, 12, 7))
