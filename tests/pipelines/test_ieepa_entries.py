"""marts.ieepa_entries: the IEEPA duty each imported entry summary declares, and the IEEPA refunds recorded for it.

The tiny portfolio with H2 on entry ABC12345694, the ACE report ES-003 fixture imported (its 2025 entry
ABC-1234570-2 declares 9903.01.24 2,400.00 + 9903.01.25 1,200.00 = 3,600.00 of IEEPA duty beside List 3 3,000.00
and MFN 2,112.00; H2's entry of 2024 declares none), plus entry XYZ-7654321-0 written to the contract by hand:
9903.02.69 (a country-specific reciprocal heading) 500.00, 9903.88.03 100.00 and its classification 80.00, so
500.00 of IEEPA duty. Refunds: R1 for ABC-1234570-2 (its number in lower case) claimed 3,600.00, received 2,400.00;
R2 a protest on the same entry (not IEEPA); R3 for XYZ-7654321-0, IEEPA, claimed 500.00, nothing received yet.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from helpers import FIXTURES, tiny_with_entry_number
from pipelines.adapters import registry, store
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


def test_ieepa_duty_declared_per_entry_and_its_refunds(tmp_path, built):
    folder = tiny_with_entry_number(tmp_path / "in", "H2", "ABC12345694")
    store.write(registry.convert(FIXTURES / "exports" / "ace_es003_line_tariff_details.csv"), folder)
    lines = folder / "entry_summary_lines.csv"
    lines.write_text(lines.read_text(encoding="utf-8")
                     + "XYZ-7654321-0,1,9903.02.69,01,2025-09-02,VN,,,,500.00,,\n"
                     + "XYZ-7654321-0,1,9903.88.03,01,2025-09-02,VN,,,,100.00,,\n"
                     + "XYZ-7654321-0,1,4202.92.3131,01,2025-09-02,VN,,2500.00,,80.00,,\n", encoding="utf-8")
    (folder / "duty_refunds.csv").write_text(
        "refund_id,entry_number,shipment_id,program,claimed_on,amount_claimed,received_on,amount_received,note\n"
        "R1,abc-1234570-2,,ieepa,2026-05-04,3600.00,2026-07-01,2400.00,\n"
        "R2,ABC-1234570-2,,protest,2026-05-04,100.00,,,\n"
        "R3,XYZ-7654321-0,,ieepa,2026-06-01,500.00,,,\n", encoding="utf-8")
    db = built(folder, tmp_path / "w.duckdb")
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("""
            select entry_number, entry_on::varchar, ieepa_duty_declared::double, ieepa_headings, shipment_count,
                refund_count, refund_claimed::double, refund_received::double, refund_status,
                ieepa_duty_not_refunded::double
            from marts.ieepa_entries order by entry_number""").fetchall()
    assert rows == [
        ("ABC-1234570-2", "2025-04-08", 3_600.00, "9903.01.24, 9903.01.25", 0, 1, 3_600.00, 2_400.00,
         "part_refunded", 1_200.00),
        ("XYZ-7654321-0", "2025-09-02", 500.00, "9903.02.69", 0, 1, 500.00, None, "claimed", 500.00),
    ]
