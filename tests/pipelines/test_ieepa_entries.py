"""marts.ieepa_entries: the IEEPA duty each imported entry summary declares, the IEEPA refunds recorded for it, and
where a claim stands on the build's as-of date (2026-12-07 here).

The tiny portfolio with H2 on entry ABC12345694, the ACE report ES-003 fixture imported (its 2025 entry
ABC-1234570-2 declares 9903.01.24 2,400.00 + 9903.01.25 1,200.00 = 3,600.00 of IEEPA duty beside List 3 3,000.00
and MFN 2,112.00, and was liquidated on 2026-08-21; H2's entry of 2024 declares none), plus entries written to the
contract by hand: XYZ-7654321-0, unliquidated, 9903.02.69 (a country-specific reciprocal heading) 500.00,
9903.88.03 100.00 and its classification 80.00, so 500.00 of IEEPA duty; XYZ-7654322-8, 9903.01.25 100.00,
liquidated 2026-10-01; XYZ-7654323-6, 9903.01.25 50.00, liquidated 2026-03-01; XYZ-7654324-4, 9903.01.24 20.00,
neither a liquidation date nor a status; XYZ-7654325-1, 9903.01.25 10.00, liquidation extended (dated 2026-01-05);
XZ-7654328-0 (a letter short), unliquidated, 9903.01.25 5.00; XYZ-7654327-7, only an exemption heading, 0.00.
Refunds: R1 for ABC-1234570-2 (its number in lower case) claimed 3,600.00,
received 2,400.00; R2 a protest on the same entry (not IEEPA); R3 for XYZ-7654321-0, IEEPA, claimed 500.00, nothing
received yet; R4 a protest of H2's entry, its number written "abc 1234569 4", 10.00 received.

Windows from the liquidation (reference.refund_windows): CAPE phase 1 within 80 days, a protest within 180.
2026-08-21 + 80 = 2026-11-09, + 180 = 2027-02-17: on 2026-12-07 a protest. 2026-10-01 + 80 = 2026-12-20: CAPE
phase 1 (protest by 2027-03-30). 2026-03-01 + 180 = 2026-08-28: both closed.
"""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pandas as pd
import pytest

from helpers import SPLIT_ENTRY, SPLIT_ENTRY_LINES, quiet, tiny_with_ieepa_entries
from pipelines import cli
from pipelines.build import build
from pipelines.macros import create_macros
from pipelines.steps.landed_cost import entry_ref


def test_the_sql_entry_ref_is_the_python_one():
    numbers = ["ABC-1234567-8", "abc 1234567 8", " ABC12345678 ", "a.b.c-123", "", "  ", None, "ÀBC-1"]
    with duckdb.connect() as con:
        create_macros(con, only=("entry_ref_of",))
        sql = [r[0] for r in con.execute("select entry_ref_of(n) from unnest(?::varchar[]) as t(n)",
                                         [numbers]).fetchall()]
    python = entry_ref(pd.Series(numbers, dtype=object)).tolist()
    assert sql == [None if pd.isna(v) else v for v in python]
    assert sql[:4] == ["ABC12345678", "ABC12345678", "ABC12345678", "ABC123"]


@pytest.fixture(scope="module")
def ieepa_db(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("ieepa")
    folder = tiny_with_ieepa_entries(tmp_path / "in", [
        "XYZ-7654321-0,1,9903.02.69,01,2025-09-02,VN,,,,500.00,,,,Unliquidated",
        "XYZ-7654321-0,1,9903.88.03,01,2025-09-02,VN,,,,100.00,,,,Unliquidated",
        "XYZ-7654321-0,1,4202.92.3131,01,2025-09-02,VN,,2500.00,,80.00,,,,Unliquidated",
        "XYZ-7654322-8,1,9903.01.25,01,2025-11-03,CN,,,,100.00,,,2026-10-01,Liquidated",
        "XYZ-7654323-6,1,9903.01.25,01,2025-05-02,CN,,,,50.00,,,2026-03-01,Liquidated",
        "XYZ-7654324-4,1,9903.01.24,01,2025-06-02,CN,,,,20.00,,,,",
        "XYZ-7654325-1,1,9903.01.25,01,2025-04-15,CN,,,,10.00,,,2026-01-05,Extended",
        "XZ-7654328-0,1,9903.01.25,01,2025-07-01,CN,,,,5.00,,,,Unliquidated",
        "XYZ-7654327-7,1,9903.01.32,01,2025-07-01,CN,,,,0.00,,,,Unliquidated",
    ], [
        "R1,abc-1234570-2,,ieepa,2026-05-04,3600.00,2026-07-01,2400.00,",
        "R2,ABC-1234570-2,,protest,2026-05-04,100.00,,,",
        "R3,XYZ-7654321-0,,ieepa,2026-06-01,500.00,,,",
        "R4,abc 1234569 4,,protest,2026-06-01,10.00,2026-07-01,10.00,",
    ])
    db = tmp_path / "w.duckdb"
    build(folder, db, as_of=date(2026, 12, 7), log=quiet)
    return db


def test_ieepa_duty_declared_per_entry_its_refunds_and_its_claim_window(ieepa_db):
    db = ieepa_db
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("""
            select entry_number, entry_on::varchar, ieepa_duty_declared::double, ieepa_headings, shipment_count,
                refund_count, refund_claimed::double, refund_received::double, refund_status,
                ieepa_duty_not_refunded::double
            from marts.ieepa_entries order by entry_number""").fetchall()
        # a refund reaches the shipments of its entry however the number is spelled (H2's is ABC12345694)
        assert con.execute("select refund_id, shipment_id, amount_received::double from marts.duty_refunds "
                           "where refund_id = 'R4'").fetchall() == [("R4", "H2", 10.00)]
        windows = con.execute("""
            select entry_number, liquidated_on::varchar, liquidation_status, cape_phase_1_by::varchar,
                protest_by::varchar, claim_window
            from marts.ieepa_entries order by entry_number""").fetchall()
        cape = con.execute("select entry_number, cape_entry_number, cape_declaration from marts.ieepa_entries "
                           "order by entry_number").fetchall()
    assert rows == [
        ("ABC-1234570-2", "2025-04-08", 3_600.00, "9903.01.24, 9903.01.25", 0, 1, 3_600.00, 2_400.00,
         "part_refunded", 1_200.00),
        ("XYZ-7654321-0", "2025-09-02", 500.00, "9903.02.69", 0, 1, 500.00, None, "claimed", 500.00),
        ("XYZ-7654322-8", "2025-11-03", 100.00, "9903.01.25", 0, 0, None, None, "not_claimed", 100.00),
        ("XYZ-7654323-6", "2025-05-02", 50.00, "9903.01.25", 0, 0, None, None, "not_claimed", 50.00),
        ("XYZ-7654324-4", "2025-06-02", 20.00, "9903.01.24", 0, 0, None, None, "not_claimed", 20.00),
        ("XYZ-7654325-1", "2025-04-15", 10.00, "9903.01.25", 0, 0, None, None, "not_claimed", 10.00),
        ("XZ-7654328-0", "2025-07-01", 5.00, "9903.01.25", 0, 0, None, None, "not_claimed", 5.00),
        # XYZ-7654327-7 declares only an exemption heading with no duty: no IEEPA duty, not an IEEPA entry
    ]
    assert windows == [
        ("ABC-1234570-2", "2026-08-21", "Liquidated", "2026-11-09", "2027-02-17", "protest"),
        ("XYZ-7654321-0", None, "Unliquidated", None, None, "not_liquidated"),
        ("XYZ-7654322-8", "2026-10-01", "Liquidated", "2026-12-20", "2027-03-30", "cape_phase_1"),
        ("XYZ-7654323-6", "2026-03-01", "Liquidated", "2026-05-20", "2026-08-28", "protest_closed"),
        ("XYZ-7654324-4", None, None, None, None, "unknown"),
        # its liquidation extended: not final, whatever the date (CAPE phase 1 takes it)
        ("XYZ-7654325-1", "2026-01-05", "Extended", "2026-03-26", "2026-07-04", "not_liquidated"),
        ("XZ-7654328-0", None, "Unliquidated", None, None, "not_liquidated"),
    ]
    # what a CAPE phase 1 declaration takes: not liquidated or within its 80 days, no refund on record, an
    # 11-character entry number
    assert cape == [
        ("ABC-1234570-2", "ABC12345702", "claim_recorded"),
        ("XYZ-7654321-0", "XYZ76543210", "claim_recorded"),
        ("XYZ-7654322-8", "XYZ76543228", "declare"),
        ("XYZ-7654323-6", "XYZ76543236", "past_phase_1"),
        ("XYZ-7654324-4", "XYZ76543244", "liquidation_unknown"),
        ("XYZ-7654325-1", "XYZ76543251", "declare"),
        ("XZ-7654328-0", None, "not_an_entry_number"),
    ]


def test_the_cape_declaration_command_writes_the_entries_cape_phase_1_takes(ieepa_db, tmp_path, capsys):
    assert cli.main(["cape-declaration", "--db", str(ieepa_db), "--out", str(tmp_path / "cape")]) == 0
    # most not refunded first: XYZ-7654322-8 (100.00), XYZ-7654325-1 (10.00)
    assert (tmp_path / "cape" / "cape_declaration.csv").read_bytes() == (
        b"Entry Number\r\nXYZ76543228\r\nXYZ76543251\r\n")
    out = capsys.readouterr().out
    assert out.startswith(f"wrote {tmp_path / 'cape' / 'cape_declaration.csv'}: 2 entries, 110.00 of IEEPA duty not "
                          "refunded yet; left out: 2 entries with a claim on record")
    assert ("1 entry whose liquidation is not in the data (your ES-003 report carries it); 1 entry liquidated longer "
            "ago than CAPE phase 1 takes (a protest while its window is open, else a later CAPE phase); 1 entry whose "
            "entry number is not 11 "
            "characters") in out


def test_the_claims_it_files_added_to_duty_refunds_take_the_entries_off_the_next_declaration(ieepa_db, tmp_path,
                                                                                                 capsys):
    """The command's cape_claims_to_record.csv imported into the folder as it is (`supplier-risk import`: the file is
    in duty_refunds' own columns), by mistake twice, and the folder rebuilt: both entries read as claimed for the
    IEEPA duty not refunded yet (once), and CAPE phase 1 takes none now."""
    out = tmp_path / "cape"
    assert cli.main(["cape-declaration", "--db", str(ieepa_db), "--out", str(out), "--claimed-on", "2026-12-07"]) == 0
    assert (f"wrote {out / 'cape_claims_to_record.csv'}: once filed, import it into your folder (supplier-risk import "
            f"--input {out / 'cape_claims_to_record.csv'} --out FOLDER) and rebuild") in capsys.readouterr().out
    claims = (out / "cape_claims_to_record.csv").read_text(encoding="utf-8").splitlines()
    assert claims == [
        "refund_id,entry_number,shipment_id,program,claimed_on,amount_claimed,received_on,amount_received,note",
        "CAPE-20261207-XYZ76543228,XYZ-7654322-8,,ieepa,2026-12-07,100.00,,,CAPE declaration cape_declaration.csv",
        "CAPE-20261207-XYZ76543251,XYZ-7654325-1,,ieepa,2026-12-07,10.00,,,CAPE declaration cape_declaration.csv"]
    folder = tmp_path / "in"
    shutil.copytree(ieepa_db.parent / "in", folder)
    for _ in range(2):  # imported into the folder (by mistake twice: the second replaces the first)
        assert cli.main(["import", "--input", str(out / "cape_claims_to_record.csv"), "--out", str(folder)]) == 0
    assert "(0 new, 2 replaced an earlier import of the same rows, 4 other rows kept)" in capsys.readouterr().out
    db = tmp_path / "w.duckdb"
    build(folder, db, as_of=date(2026, 12, 7), log=quiet)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("""
            select entry_number, refund_status, refund_claimed::double, cape_declaration from marts.ieepa_entries
            where entry_number in ('XYZ-7654322-8', 'XYZ-7654325-1') order by entry_number""").fetchall() == [
            ("XYZ-7654322-8", "claimed", 100.00, "claim_recorded"),
            ("XYZ-7654325-1", "claimed", 10.00, "claim_recorded")]
    assert cli.main(["cape-declaration", "--db", str(db), "--out", str(tmp_path / "again")]) == 1
    assert "CAPE phase 1 takes none (4 entries with a claim on record" in capsys.readouterr().err


def test_the_cape_declaration_command_asks_for_a_rebuild_of_a_warehouse_built_before_it(ieepa_db, tmp_path, capsys):
    """Built by older code: the mart without the column (the query fails on it), or no mart at all (a partial
    build reads as no rows, no columns)."""
    old, partial = tmp_path / "old.duckdb", tmp_path / "partial.duckdb"
    for copy in (old, partial):
        copy.write_bytes(ieepa_db.read_bytes())
    with duckdb.connect(str(old)) as con:
        con.execute("alter table marts.ieepa_entries drop column cape_declaration")
        con.execute("update ingest.build_info set code_version = 'older'")
    with duckdb.connect(str(partial)) as con:
        con.execute("drop table marts.ieepa_entries")
    for db in (old, partial):
        assert cli.main(["cape-declaration", "--db", str(db), "--out", str(tmp_path / "cape")]) == 2
        assert f"Rebuild it (supplier-risk build --input FOLDER --db {db})".lower() in capsys.readouterr().err.lower()
    assert not (tmp_path / "cape").exists()


def test_the_ieepa_duty_paid_per_shipment_is_the_entry_summary_s_where_imported(tmp_path):
    """H3 (400 lamp shades at 2.00 = 800.00) and H4 (100 = 200.00), both of P3, on one entry XYZ-7654330-1 of
    2025-06-02 (CN, 9405.42.8440): the tables compute IEEPA duty of 20% (fentanyl) + 10% (reciprocal) = 240.00 and
    60.00; the entry summary declares 9903.01.24 150.00 + 9903.01.25 75.00 = 225.00, split 4 : 1 = 180.00 and 45.00.
    H2's entry (ABC12345694, 2024) declares none: 0 from its summary. H1 and H5 have no entry summary: the tables'
    figure (0: entered in 2024)."""
    folder = tiny_with_ieepa_entries(tmp_path / "in", SPLIT_ENTRY_LINES, [], SPLIT_ENTRY)
    db = tmp_path / "w.duckdb"
    build(folder, db, as_of=date(2026, 12, 7), log=quiet)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("""
            select shipment_id, ieepa_duty_computed::double, ieepa_duty_declared, ieepa_duty_source, ieepa_duty
            from marts.ieepa_duty_shipment order by shipment_id""").fetchall()
        lines = con.execute("select hts_code, duty_program from staging.entry_summary_lines "
                            "where entry_number = 'XYZ-7654330-1' order by hts_code").fetchall()
    assert lines == [("9405.42.8440", None), ("9903.01.24", "ieepa"), ("9903.01.25", "ieepa")]
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("H1", 0.0, "computed"), ("H2", 0.0, "entry_summary"), ("H3", 240.00, "entry_summary"),
        ("H4", 60.00, "entry_summary"), ("H5", 0.0, "computed")]
    # shares are not rounded: to the cent here, and the entry's add up to what it declared
    assert [(r[0], r[2] if r[2] is None else round(r[2], 2), round(r[4], 2)) for r in rows] == [
        ("H1", None, 0.0), ("H2", 0.0, 0.0), ("H3", 180.00, 180.00), ("H4", 45.00, 45.00), ("H5", None, 0.0)]
    assert rows[2][2] + rows[3][2] == pytest.approx(225.00, abs=1e-9)


def test_cape_phase_1_leaves_out_an_entry_under_open_protest_on_drawback_or_of_an_excluded_type(tmp_path):
    """CBP's CAPE validations (CSMS of 2026-04-13): no open or suspended protest, not on a drawback claim, not a type
    08, 09 or 47 entry. Four unliquidated entries declaring 9903.01.25 on 2025-06-02: XYZ-7654340-0 with a protest
    still open (no money back), XYZ-7654341-8 whose protest came back (closed: it is declared), XYZ-7654342-6 on a
    drawback claim, XYZ-7654343-4 a type 09 reconciliation summary."""
    folder = tiny_with_ieepa_entries(tmp_path / "in", [
        "XYZ-7654340-0,1,9903.01.25,01,2025-06-02,CN,,,,40.00,,,,Unliquidated",
        "XYZ-7654341-8,1,9903.01.25,01,2025-06-02,CN,,,,30.00,,,,Unliquidated",
        "XYZ-7654342-6,1,9903.01.25,01,2025-06-02,CN,,,,20.00,,,,Unliquidated",
        "XYZ-7654343-4,1,9903.01.25,09,2025-06-02,CN,,,,10.00,,,,Unliquidated",
    ], [
        "P1,XYZ-7654340-0,,protest,2026-03-02,40.00,,,",
        "P2,XYZ-7654341-8,,protest,2026-03-02,5.00,2026-05-04,5.00,",
        "D1,XYZ-7654342-6,,drawback,2026-03-02,20.00,,,",
    ])
    db = tmp_path / "w.duckdb"
    build(folder, db, as_of=date(2026, 12, 7), log=quiet)
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute("select entry_number, entry_type, protest_open, on_drawback, cape_declaration "
                          "from marts.ieepa_entries where entry_number like 'XYZ-76543%' "
                          "order by entry_number").fetchall()
    assert got == [
        ("XYZ-7654340-0", "01", True, False, "open_protest"),
        ("XYZ-7654341-8", "01", False, False, "declare"),
        ("XYZ-7654342-6", "01", False, True, "drawback"),
        ("XYZ-7654343-4", "09", False, False, "entry_type"),
    ]
