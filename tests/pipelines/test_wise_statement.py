"""`supplier-risk import` of a Wise account statement (CSV, the published layout) into `payments`: each transfer
matched to the purchase order its reference names, the amount the supplier was sent in the order's currency, every
other line left out or rejected with why, and payments to accounts not on file named."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest

from helpers import (FIXTURES, WISE_HEADER, WISE_P3_DEPOSIT, write_controls_portfolio,
                     write_controls_portfolio_paid_by_wise)
from models import scoring
from pipelines.adapters import registry, store
from pipelines.adapters.base import AdapterError, Options
from pipelines.adapters.report import check_written
from pipelines.adapters.transfers import iban_country, load_orders
from pipelines.cli import main as cli_main

STATEMENT = FIXTURES / "exports" / "wise_statement_usd.csv"
TIMELINE = Path(__file__).resolve().parents[2] / "dashboard" / "sql" / "supplier_timeline.sql"
HEADER = ["TransferWise ID", "Date", "Amount", "Currency", "Description", "Payment Reference", "Running Balance",
          "Exchange From", "Exchange To", "Exchange Rate", "Payer Name", "Payee Name", "Payee Account Number",
          "Merchant", "Card Last Four Digits", "Card Holder Full Name", "Attachment", "Note", "Total fees",
          "Exchange To Amount"]


def write_csv(path: Path, header: list[str], body: list[list[str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def folder_with_orders(tmp_path: Path) -> Path:
    """An import folder holding the brand's purchase orders, suppliers and bank accounts."""
    folder = tmp_path / "in"
    folder.mkdir()
    po = ["po_id", "supplier_id", "sku", "ordered_on", "promised_on", "quantity", "unit_price", "currency"]
    write_csv(folder / "purchase_orders.csv", po, [
        ["PO-2026-0142", "SUP-0001", "SKU-1", "2026-08-01", "2026-10-15", "3000", "10", "USD"],
        ["PO-2026-0139", "SUP-0002", "SKU-2", "2026-10-01", "2026-12-15", "3000", "10", ""],
        ["PO-2026-0137", "SUP-0003", "SKU-3", "2026-10-01", "2026-12-15", "1000", "700", "CNY"],
        ["PO-2026-0136", "SUP-0004", "SKU-4", "2026-10-01", "2026-12-15", "1000", "10", "USD"],
        ["PO-2026-0133", "SUP-0001", "SKU-1", "2026-08-01", "2026-10-15", "1000", "6", "USD"],
        ["PO-2026-0134", "SUP-0001", "SKU-1", "2026-08-01", "2026-10-15", "1000", "6", "USD"],
        ["PO-2026-0131", "SUP-0001", "SKU-1", "2026-07-01", "2026-09-15", "1000", "6", "USD"],
        ["PO-2026-0130", "SUP-0005", "SKU-5", "2026-07-01", "2026-09-15", "1000", "4", "EUR"]])
    write_csv(folder / "bank_accounts.csv",
              ["bank_account_id", "supplier_id", "account_number", "bank_name", "bank_country", "beneficiary",
               "first_seen_on"],
              [["BA-0001", "SUP-0001", "6222021234567890", "Bank of China", "CN",
                "Ningbo Bright Home Products Co., Ltd.", "2025-03-14"],
               ["BA-0002", "SUP-0002", "6228480012345678", "Agricultural Bank of China", "CN",
                "Shenzhen Topway Trading Co., Ltd.", "2025-05-01"]])
    write_csv(folder / "suppliers.csv", ["supplier_id", "supplier_name", "supplier_type", "country", "legal_name"],
              [["SUP-0001", "Ningbo Bright Home Store", "manufacturer", "CN", "Ningbo Bright Home Products Co., Ltd."],
               ["SUP-0006", "Dongguan Ever Plastic", "manufacturer", "CN",
                "Dongguan Ever Plastic Products Co., Ltd."]])
    return folder


def payments(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "payments.csv").open(newline="", encoding="utf-8") as handle:
        return {r["payment_id"]: r for r in csv.DictReader(handle)}


def test_the_statement_is_recognised_from_its_header():
    assert registry.detect(STATEMENT).name == "wise-statement"


def test_each_transfer_is_a_payment_of_the_order_its_reference_names_in_that_orders_currency(tmp_path):
    folder = folder_with_orders(tmp_path)
    got = registry.convert(STATEMENT, options=Options(context_dir=folder))
    assert got.rows_read == 12 == got.rows_written + got.rows_rejected + got.rows_left_out
    written = {r["payment_id"]: r for r in got.rows["payments"]}
    assert written == {
        # 21,030.00 out, Wise's fee 30.00 included: the supplier was sent 21,000.00 to its account on file
        "wise:TRANSFER-1190000011": dict(payment_id="wise:TRANSFER-1190000011", po_id="PO-2026-0142",
                                         paid_on="2026-10-28", amount="21000", kind="balance",
                                         payee_name="Ningbo Bright Home Products Co., Ltd.", channel="wire",
                                         bank_account_id="BA-0001"),
        # 9,015.50 less 15.50; "deposit 30%"; a PO with a blank currency is in USD; an account not on file
        "wise:TRANSFER-1190000009": dict(payment_id="wise:TRANSFER-1190000009", po_id="PO-2026-0139",
                                         paid_on="2026-10-20", amount="9000", kind="deposit",
                                         payee_name="Shenzhen Topway Trading Co., Ltd.", channel="wire",
                                         bank_account_id="SUP-0002-wise-1001"),
        # USD converted to CNY: the Exchange To Amount, (71,000 - 40) x 7.1; the note says 定金 (deposit)
        "wise:TRANSFER-1190000007": dict(payment_id="wise:TRANSFER-1190000007", po_id="PO-2026-0137",
                                         paid_on="2026-10-15", amount="503816", kind="deposit",
                                         payee_name="义乌市佳美工艺品有限公司", channel="wire",
                                         bank_account_id="SUP-0003-wise-6778"),
        # `po-2026-0131 Final payment`: the PO matched whatever its case; the account written with spaces
        "wise:TRANSFER-1190000003": dict(payment_id="wise:TRANSFER-1190000003", po_id="PO-2026-0131",
                                         paid_on="2026-10-02", amount="6000", kind="balance",
                                         payee_name="Ningbo Bright Home Products Co., Ltd.", channel="wire",
                                         bank_account_id="BA-0001"),
    }
    problems = {p.line: (p.left_out, p.column, p.reason) for p in got.problems}
    assert problems == {
        3: (True, "TransferWise ID", "not a transfer to a bank account: a card line"),
        5: (False, "Payment Reference", "pays a supplier but names no purchase order: SUP-0006, reference "
                                        "'INV-7781'; write it in payments.csv by hand with its PO"),
        7: (True, "Amount", "money in, not a payment"),
        8: (True, "TransferWise ID", "returned in full (cancelled or bounced): on line 7; nothing was paid"),
        9: (False, "Payment Reference", "names several purchase orders: PO-2026-0133, PO-2026-0134; the amount "
                                        "cannot be split, write it in payments.csv by hand, one row per order"),
        10: (True, "TransferWise ID", "not a transfer to a bank account: a balance line"),
        11: (True, "Amount", "money in, not a payment"),
        13: (False, "Currency", "paid in another currency than its order: USD, but PO-2026-0130 is in EUR; write "
                                "it in payments.csv by hand in EUR"),
    }
    # the accounts paid that the supplier has not on file: added unverified, first seen on the payment date
    assert got.rows["bank_accounts"] == [
        dict(bank_account_id="SUP-0002-wise-1001", supplier_id="SUP-0002", account_number="012-345-678901-001",
             bank_country="ZZ", beneficiary="Shenzhen Topway Trading Co., Ltd.", first_seen_on="2026-10-20",
             note="paid by transfer before it was on file (wise_statement_usd.csv); first seen = the payment "
                  "date"),
        dict(bank_account_id="SUP-0003-wise-6778", supplier_id="SUP-0003", account_number="6217 0012 3400 5566 778",
             bank_country="ZZ", beneficiary="义乌市佳美工艺品有限公司", first_seen_on="2026-10-15",
             note="paid by transfer before it was on file (wise_statement_usd.csv); first seen = the payment "
                  "date")]
    notice = next(n for n in got.warnings if "not on file" in n)
    assert notice.startswith("2 accounts paid that the supplier has not on file in bank_accounts: ••••1001 of "
                             "SUP-0002 (paid 2026-10-20, line 4); ••••6778 of SUP-0003 (paid 2026-10-15, line 6). "
                             "Added to bank_accounts unverified")
    assert "678901" not in notice and "5566" not in notice  # account numbers are shown masked


def test_importing_the_statement_again_changes_nothing_and_the_written_file_meets_the_contract(tmp_path, capsys):
    folder = folder_with_orders(tmp_path)
    write_csv(folder / "payments.csv", ["payment_id", "po_id", "paid_on", "amount", "kind"],
              [["PAY-0001", "PO-2026-0142", "2026-08-02", "9000", "deposit"]])
    assert cli_main(["import", "--input", str(STATEMENT), "--out", str(folder)]) == 1  # 3 rejected lines
    first = payments(folder)
    printed = capsys.readouterr().out
    assert "  bank_accounts " in printed and "\nwarning: 2 accounts paid that the supplier has not on file" in printed
    assert cli_main(["import", "--input", str(STATEMENT), "--out", str(folder)]) == 1
    printed = capsys.readouterr().out
    assert "(0 new, 4 replaced an earlier import of the same rows, 1 other rows kept)" in printed
    assert payments(folder) == first and len(first) == 5 and first["PAY-0001"]["amount"] == "9000"
    assert "  bank_accounts " not in printed  # on file now: none added again
    with (folder / "bank_accounts.csv").open(newline="", encoding="utf-8") as handle:
        assert [r["bank_account_id"] for r in csv.DictReader(handle)] == [
            "BA-0001", "BA-0002", "SUP-0002-wise-1001", "SUP-0003-wise-6778"]
    assert check_written(folder, ["payments", "bank_accounts"]) == []


def test_without_purchase_orders_in_the_folder_nothing_is_written(tmp_path, capsys):
    out = tmp_path / "empty"
    assert cli_main(["import", "--input", str(STATEMENT), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "has no purchase_orders file with po_id and supplier_id: import your purchase orders into the same " \
           "folder first" in err and "nothing was written" in err
    assert not (out / "payments.csv").exists()
    with pytest.raises(AdapterError, match="import your purchase orders"):
        registry.convert(STATEMENT)


def line(ident, day, amount, reference, payee="Ningbo Bright Home Products Co., Ltd.", account="6222021234567890",
         fees="0.00", description=None, note=""):
    cells = dict.fromkeys(HEADER, "")
    cells.update({"TransferWise ID": ident, "Date": day, "Amount": amount, "Currency": "USD",
                  "Description": description or f"Sent money to {payee}", "Payment Reference": reference,
                  "Payee Name": payee, "Payee Account Number": account, "Total fees": fees, "Note": note})
    return [cells[h] for h in HEADER]


def test_fees_listed_as_lines_of_their_own_are_left_out_and_not_taken_off_the_transfer(tmp_path):
    folder = folder_with_orders(tmp_path)
    path = write_csv(tmp_path / "statement.csv", HEADER, [
        line("TRANSFER-7", "28-10-2026", "-21000.00", "PO-2026-0142 balance", fees="30.00"),
        line("TRANSFER-7", "28-10-2026", "-30.00", "", payee="", account="",
             description="Wise Charges for: TRANSFER-7"),
    ])
    got = registry.convert(path, options=Options(context_dir=folder))
    assert [(r["payment_id"], r["amount"]) for r in got.rows["payments"]] == [("wise:TRANSFER-7", "21000")]
    assert [(p.line, p.left_out, p.reason) for p in got.problems] == [
        (3, True, "Wise's fee line, not paid to the supplier: the fee for TRANSFER-7")]


def test_references_are_matched_as_whole_words_and_ambiguous_ones_refused(tmp_path):
    folder = folder_with_orders(tmp_path)
    with (folder / "purchase_orders.csv").open("a", encoding="utf-8") as handle:
        handle.write("PO-2026-01,SUP-0001,SKU-1,2026-07-01,2026-09-15,10,6,USD\n")
    path = write_csv(tmp_path / "statement.csv", HEADER, [
        line("TRANSFER-1", "28-10-2026", "-100.00", "PO-2026-0142 deposit"),       # not PO-2026-01
        line("TRANSFER-2", "27-10-2026", "-100.00", "PO-2026-01"),
        line("TRANSFER-3", "26-10-2026", "-100.00", "PO-2026-01424"),              # no such order
        line("TRANSFER-4", "25-10-2026", "-100.00", "PO-2026-0142", note="deposit, final payment next month"),
        line("TRANSFER-5", "24-10-2026", "-100.00", "PO-2026-0142 尾款"),
        line("TRANSFER-6", "23-10-2026", "-500.00", "PO-2026-0142 balance"),
        line("TRANSFER-6", "24-10-2026", "200.00", "", payee="", account=""),     # partly returned
    ])
    got = registry.convert(path, options=Options(context_dir=folder))
    assert [(r["payment_id"], r["po_id"], r["kind"]) for r in got.rows["payments"]] == [
        ("wise:TRANSFER-1", "PO-2026-0142", "deposit"), ("wise:TRANSFER-2", "PO-2026-01", ""),
        ("wise:TRANSFER-5", "PO-2026-0142", "balance")]
    # a reference saying neither is left blank for the build to read from the amounts, and the import says so
    assert [n for n in got.notices if "neither deposit nor balance" in n] == [
        "1 payment whose reference says neither deposit nor balance: written with a blank kind, which the build "
        "reads from the amounts paid on the order (the payment that brings them to the order's value is its "
        "balance, the order's first payment below that its deposit); write the kind in payments.csv to say otherwise"]
    reasons = {p.line: p.reason for p in got.problems}
    assert reasons[4] == "pays a supplier but names no purchase order: SUP-0001, reference 'PO-2026-01424'; " \
                         "write it in payments.csv by hand with its PO"
    assert reasons[5] == "says both deposit and balance: deposit, final payment in 'PO-2026-0142 deposit, final " \
                         "payment next month'"
    assert reasons[7] == "partly returned: 200.00 of 500.00 on line 8; write the payment in payments.csv by hand"


def test_a_statement_whose_dates_cannot_tell_day_from_month_is_refused_until_declared(tmp_path):
    folder = folder_with_orders(tmp_path)
    path = write_csv(tmp_path / "statement.csv", HEADER, [
        line("TRANSFER-1", "02-10-2026", "-100.00", "PO-2026-0142"),
        line("TRANSFER-2", "10-02-2026", "-100.00", "PO-2026-0131"),
    ])
    refused = registry.convert(path, options=Options(context_dir=folder))
    assert refused.rows_rejected == 2 and "day-first or month-first cannot be told" in refused.problems[0].reason
    declared = registry.convert(path, options=Options(context_dir=folder, date_format="DD-MM-YYYY"))
    assert [r["paid_on"] for r in declared.rows["payments"]] == ["2026-10-02", "2026-02-10"]


def test_an_iban_gives_its_country_only_when_its_check_digits_hold():
    assert iban_country("DE89370400440532013000") == "DE"
    assert iban_country("GB82 WEST 1234 5698 7654 32") == "GB"
    assert iban_country("DE89370400440532013001") is None  # one digit off: not an IBAN, country unknown
    assert iban_country("6222 0212 3456 7890") is None and iban_country("HK01 2345 6789 8901") is None


def test_a_payment_to_an_account_not_on_file_is_flagged_by_the_score_after_the_build(tmp_path, built):
    """The tiny portfolio with its controls (S1's one account BA1, ••••7890, verified by call-back): a Wise statement
    pays P3's deposit (S1, 500 x 2.00) to another account. After import and build the account is S1's second, not
    verified: the bank-account signal takes all its points and the red flag holds S1; the country is not known, so
    neither offshore nor a new country is claimed. The payment is in staging.payments, outside Trade Assurance."""
    folder = write_controls_portfolio_paid_by_wise(tmp_path / "input")
    db = built(folder, tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(db), read_only=True) as con:
        account = con.execute("select bank_account_id, account_number_masked, bank_country, first_seen_on::varchar, "
                              "is_new_account, is_new_country, is_offshore, is_unverified_change "
                              "from marts.bank_accounts where supplier_id = 'S1' order by account_order").fetchall()
        paid = con.execute("select po_id, paid_on::varchar, amount, kind, bank_account_id, is_outside_trade_assurance "
                           "from staging.payments where payment_id = 'wise:TRANSFER-50'").fetchall()
        points = con.execute("select points from marts.supplier_signals where supplier_id = 'S1' "
                             "and signal = 'bank_account_changes'").fetchone()[0]
        flags = con.execute("select supplier_id from marts.supplier_red_flags "
                            "where flag = 'unverified_bank_change' order by 1").fetchall()
        hold = con.execute("select hold_reasons from marts.open_orders where po_id = 'P3'").fetchone()[0]
    assert account == [("BA1", "••••7890", "CN", "2023-06-01", False, False, False, False),
                       ("S1-wise-4321", "••••4321", "ZZ", "2024-02-15", True, None, None, True)]
    assert paid == [("P3", "2024-02-15", 300.0, "deposit", "S1-wise-4321", True)]
    assert points == scoring.load_config()["signals"]["bank_account_changes"]["max_points"]
    assert flags == [("S1",), ("S2",)]
    # P3's balance is held until the account is verified, the unknown country said in words
    assert ("bank account ••••4321 (country unknown), first seen 2024-02-15, is not verified: call back on a number "
            "already on file before paying") in hold


def test_transfers_saying_neither_deposit_nor_balance_are_read_from_the_amounts_and_the_control_sees_them(
        tmp_path, built):
    """P3 (S1, 500 x 2.00 = USD 1,000, no inspection) paid by two Wise transfers whose references only name the
    order, to S1's account on file: 300 (the first, below the value: its deposit) and 695 (995 is within 2% of 1,000:
    its balance). The balance was paid before any pre-shipment inspection passed, so the control sees it."""
    folder = write_controls_portfolio(tmp_path / "input")
    statement = tmp_path / "statement_USD.csv"
    statement.write_text(WISE_HEADER + "".join(
        f'TRANSFER-{n},{day},-{amount},USD,"Sent money to Ningbo Alpha Co., Ltd.",{reference},4000.00,,,,,'
        f'"Ningbo Alpha Co., Ltd.",6222 0212 3456 7890,,,,,,5.00,\n'
        for n, day, amount, reference in [(51, "15-02-2024", "305.00", "P3"), (52, "27-02-2024", "700.00", "PO P3")]),
        encoding="utf-8")
    converted = registry.convert(statement, options=Options(context_dir=folder))
    assert [(r["amount"], r["kind"], r["bank_account_id"]) for r in converted.rows["payments"]] == [
        ("300", "", "BA1"), ("695", "", "BA1")]
    store.write(converted, folder)
    db = built(folder, tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(db), read_only=True) as con:
        kinds = con.execute("select payment_id, kind, is_kind_read_from_amounts from staging.payments "
                            "where po_id = 'P3' order by paid_on").fetchall()
        status = con.execute("select deposit_amount, balance_amount, is_balance_before_psi_pass from marts.po_status "
                             "where po_id = 'P3'").fetchone()
        reading = con.execute("select explanation from marts.supplier_signals where supplier_id = 'S1' "
                              "and signal = 'balance_before_psi'").fetchone()[0]
        timeline = con.execute(f"select detail from ({TIMELINE.read_text()}) where po_id = 'P3' and event = 'Payment'",
                               {"supplier_id": "S1"}).fetchall()
    assert kinds == [("wise:TRANSFER-51", "deposit", True), ("wise:TRANSFER-52", "balance", True)]
    # the Supplier page's timeline says the kinds were read, not written
    assert timeline == [("deposit (read from the amounts paid) via wire",),
                        ("balance (read from the amounts paid) via wire",)]
    assert status == (300.0, 695.0, True)
    # S1's balances: P1's after its passed PSI, P2's between its failed and its passed PSI (tiny portfolio), and now
    # P3's, before any: 2 of 3 (1 of 2 without the statement)
    assert reading.startswith("2 of 3 balances paid before a passed pre-shipment")


TRANSACTIONS = FIXTURES / "exports" / "wise_transactions.csv"


def test_the_transactions_list_gives_the_completed_transfers_out_as_received(tmp_path):
    folder = folder_with_orders(tmp_path)
    assert registry.detect(TRANSACTIONS).name == "wise-transactions"
    got = registry.convert(TRANSACTIONS, options=Options(context_dir=folder))
    assert got.rows_read == 11 == got.rows_written + got.rows_rejected + got.rows_left_out
    # the target amount, fee already off, on the day Wise finished the transfer; no account numbers in a list
    assert [(r["payment_id"], r["po_id"], r["paid_on"], r["amount"], r["kind"], r["payee_name"], r["bank_account_id"])
            for r in got.rows["payments"]] == [
        ("wise:TRANSFER-1190000011", "PO-2026-0142", "2026-10-28", "21000", "balance",
         "Ningbo Bright Home Products Co., Ltd.", ""),
        ("wise:TRANSFER-1190000009", "PO-2026-0139", "2026-10-20", "9000", "deposit",
         "Shenzhen Topway Trading Co., Ltd.", ""),
        ("wise:TRANSFER-1190000007", "PO-2026-0137", "2026-10-15", "503816", "deposit", "义乌市佳美工艺品有限公司", "")]
    assert "bank_accounts" not in got.rows
    assert {p.line: (p.left_out, p.column, p.reason) for p in got.problems} == {
        3: (True, "ID", "not a transfer to a bank account: a card line"),
        4: (True, "Status", "not completed yet: status PROCESSING; import a later list once it is"),
        7: (True, "Status", "refunded: the money came back"),
        8: (True, "Status", "cancelled: nothing was paid"),
        9: (True, "Direction", "not a transfer to a bank account: a conversion between balances"),
        10: (True, "Direction", "money in, not a payment"),
        11: (True, "Reference", "names no purchase order: 'Invoice 2291 photography'"),
        12: (False, "Target currency", "paid in another currency than its order: USD, but PO-2026-0130 is in EUR; "
                                       "write it in payments.csv by hand in EUR")}


def test_the_statement_and_the_list_of_the_same_transfers_are_one_payment_each_with_the_statements_account(
        tmp_path, capsys):
    folder = folder_with_orders(tmp_path)
    assert cli_main(["import", "--input", str(STATEMENT), "--out", str(folder)]) == 1
    after_statement = payments(folder)
    assert cli_main(["import", "--input", str(TRANSACTIONS), "--out", str(folder)]) == 1
    assert "(0 new, 3 replaced an earlier import of the same rows, 1 other rows kept)" in capsys.readouterr().out
    assert payments(folder) == after_statement  # same ids, same amounts; the accounts the statement matched kept
    assert after_statement["wise:TRANSFER-1190000009"]["bank_account_id"] == "SUP-0002-wise-1001"


def test_po_numbers_are_found_as_whole_words_the_longest_first(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder / "purchase_orders.csv", ["po_id", "supplier_id"],
              [["PO-1001", "S1"], ["PO-1001-A", "S1"], ["#77", "S2"], ["po 55", "S2"], ["1001", "S3"]])
    orders = load_orders(folder)
    assert orders.named_in("PO-1001-A balance, then po-1001 / PO-1001x") == ["PO-1001-A", "PO-1001"]
    assert orders.named_in("deposit for 77 and PO 55 (and 1001)") == ["#77", "po 55", "1001"]
    assert orders.named_in("PO-10011, 771, A1001") == []


def test_a_transfer_without_its_currency_is_refused_naming_the_column(tmp_path):
    folder = folder_with_orders(tmp_path)
    header = TRANSACTIONS.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "list.csv"
    path.write_text(header + "\nTRANSFER-1,COMPLETED,OUT,2026-10-27 09:14:02,2026-10-28 03:40:51,0,USD,,,Me,100,USD,"
                    '"Ningbo Bright Home Products Co., Ltd.",100,,1.0,PO-2026-0142,,Me,General,\n', encoding="utf-8")
    got = registry.convert(path, options=Options(context_dir=folder))
    assert [(p.line, p.column, p.reason) for p in got.problems] == [
        (2, "Target currency", "required value is missing: Target currency (the currency the supplier was paid in)")]


def test_an_account_of_unknown_country_makes_no_later_account_a_new_country(tmp_path, built):
    """S1 paid by Wise on 2023-05-15 to ••••4321 (country unknown), before its account BA1 (CN, first seen
    2023-06-01) was on file: BA1 becomes S1's second account, but whether it is in a new country cannot be told."""
    folder = write_controls_portfolio(tmp_path / "input")
    statement = tmp_path / "statement.csv"
    statement.write_text(WISE_HEADER + WISE_P3_DEPOSIT.replace("15-02-2024", "15-05-2023"), encoding="utf-8")
    converted = registry.convert(statement, options=Options(context_dir=folder))
    store.write(converted, folder)
    with duckdb.connect(str(built(folder, tmp_path / "warehouse.duckdb")), read_only=True) as con:
        accounts = con.execute("select bank_account_id, account_order, is_new_account, is_new_country, is_offshore "
                               "from marts.bank_accounts where supplier_id = 'S1' order by account_order").fetchall()
    assert accounts == [("S1-wise-4321", 1, False, None, None), ("BA1", 2, True, None, False)]
