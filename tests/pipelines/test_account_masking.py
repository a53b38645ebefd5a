"""Account numbers are never kept in full: not in raw.*, not in a rejection's reason or raw line, for CSV and xlsx."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers import write_csv
from pipelines.contract import mask_account
from pipelines.ingest import read_and_validate

HEADER = ("bank_account_id,supplier_id,account_number,bank_name,bank_country,beneficiary,first_seen_on,verified_on,"
          "verification_method,note")
GOOD = 'BA1,S1,6222 0212 3456 7890,Bank of China,CN,"Ningbo Alpha Co., Ltd.",2023-06-01,2023-06-03,callback,'
IBAN = "BA2,S2,HK01-2345-6789-8901,HSBC Hong Kong,HK,Yiwu Beta,2024-06-10,,email,New account"
BAD_DATE = "BA3,S2,6217000011112222,ICBC,CN,Yiwu Beta,10/06/2024,,,"
TOO_SHORT = "BA4,S1,12-34,ICBC,CN,Ningbo Alpha,2024-01-01,,,"
ORPHAN = "BA5,S9,6228 4800 1234 5678,ABC,CN,Nobody,2024-01-01,,,"
MALFORMED = "BA6,S1,6228 4811 2222 3333,ABC,CN"  # five fields of ten: the cells cannot be told apart
FULL_NUMBERS = ["0212 3456", "021234567890", "2345-6789", "23456789", "000011112222", "4800 1234", "480012345678",
                "4811 2222", "481122223333"]


def _folder(tiny_dir: Path, rows: list[str]) -> Path:
    write_csv(tiny_dir / "bank_accounts.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    return tiny_dir


def _assert_nowhere(texts) -> None:
    for text in texts:
        for full in FULL_NUMBERS:
            assert full not in str(text), f"{full!r} shown in full in {text!r}"


def test_mask_account_keeps_only_the_last_four_letters_or_digits():
    assert mask_account("6222 0212 3456 7890") == "••••7890"
    assert mask_account("HK01-2345-6789-8901") == "••••8901"
    assert mask_account("GB29 NWBK 6016 1331 9268 19") == "••••6819"
    assert mask_account("1234") == "••••"  # four or fewer: nothing kept (the validator refuses them)
    assert mask_account(" - ") is None and mask_account(None) is None


def test_good_rows_are_stored_masked(tiny_dir):
    result = read_and_validate(_folder(tiny_dir, [GOOD, IBAN]))
    t = next(t for t in result.tables if t.table == "bank_accounts")
    assert t.frame["account_number"].tolist() == ["••••7890", "••••8901"]
    assert t.rejections == []
    dump = t.con.execute("select * from raw.bank_accounts").df()
    _assert_nowhere(dump.astype(str).to_numpy().ravel())


def test_rejections_show_neither_the_number_nor_its_line_in_full(tiny_dir):
    result = read_and_validate(_folder(tiny_dir, [GOOD, BAD_DATE, TOO_SHORT, ORPHAN, MALFORMED]))
    t = next(t for t in result.tables if t.table == "bank_accounts")
    assert t.frame["bank_account_id"].tolist() == ["BA1"]
    got = {(r.line, r.column): (r.reason, r.raw) for r in t.rejections}
    # another column is wrong: the line is reported with the number masked in place
    assert got[(3, "first_seen_on")] == ("not a date in YYYY-MM-DD form: '10/06/2024'",
                                         "BA3,S2,••••2222,ICBC,CN,Yiwu Beta,10/06/2024,,,")
    # the number itself is wrong: the reason does not repeat it
    reason, raw = got[(4, "account_number")]
    assert reason.startswith("an account number needs more than 4 letters or digits") and "12" not in reason
    assert raw == "BA4,S1,••••,ICBC,CN,Ningbo Alpha,2024-01-01,,,"
    assert got[(5, "supplier_id")] == ("'S9' is not in suppliers (orphan reference)",
                                       "BA5,S9,••••5678,ABC,CN,Nobody,2024-01-01,,,")
    # a malformed record: masked by pattern (a run with 5 or more digits that is not a date)
    assert got[(6, "(row)")][1] == "BA6,S1,••••3333,ABC,CN"
    _assert_nowhere(x for r in t.rejections for x in (r.reason, r.raw))
    _assert_nowhere(t.con.execute("select * from raw.bank_accounts").df().astype(str).to_numpy().ravel())


def test_a_workbook_is_masked_like_a_csv(tiny_dir):
    frame = pd.DataFrame([["BA1", "S1", "6222 0212 3456 7890", "Bank of China", "CN", "Ningbo Alpha", "2023-06-01"],
                          ["BA3", "S2", "6217000011112222", "ICBC", "CN", "Yiwu Beta", "10/06/2024"]],
                         columns=HEADER.split(",")[:7])
    frame.to_excel(tiny_dir / "bank_accounts.xlsx", index=False)
    result = read_and_validate(tiny_dir)
    t = next(t for t in result.tables if t.table == "bank_accounts")
    assert t.frame["account_number"].tolist() == ["••••7890"]
    assert [(r.line, r.column, r.raw) for r in t.rejections] == [
        (3, "first_seen_on", "BA3,S2,••••2222,ICBC,CN,Yiwu Beta,10/06/2024")]


@pytest.mark.parametrize("quoted", ['"6222 0212 3456 7890"', '" 6222-0212-3456-7890 "'])
def test_a_quoted_or_padded_number_is_masked_in_the_line_as_written(tiny_dir, quoted):
    row = f"BA3,S2,{quoted},ICBC,CN,Yiwu Beta,10/06/2024,,,"
    result = read_and_validate(_folder(tiny_dir, [row]))
    t = next(t for t in result.tables if t.table == "bank_accounts")
    assert len(t.rejections) == 1
    assert "••••7890" in t.rejections[0].raw
    _assert_nowhere([t.rejections[0].raw])
