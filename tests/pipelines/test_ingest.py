"""Validated import: every rejection reason, encodings, line ends, duplicates and row conservation."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from helpers import write_csv
from pipelines import contract
from pipelines.ingest import IngestError, read_and_validate
from pipelines.readers import read_into
from pipelines.validate import compile_checks, in_file_order

SUPPLIER_HEADER = ("supplier_id,supplier_name,supplier_type,country,province,alibaba_store_years,is_verified,"
                   "is_gold_supplier,legal_name,registration_id,bank_beneficiary,onboarded_on,last_audit_on,"
                   "last_audit_result,litigation_cases,admin_penalties,operating_status,subcontracting,nnn_signed,"
                   "mold_owner")


def only(tmp_path: Path, name: str, text: str, **kw) -> Path:
    """An input folder holding a single table file."""
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    write_csv(folder / f"{name}.csv", text, **kw)
    return folder


def table(result, name):
    return next(t for t in result.tables if t.table == name)


def reasons(result, name):
    return [(r.line, r.column, r.reason) for r in table(result, name).rejections]


def supplier_rows(*rows: str) -> str:
    return SUPPLIER_HEADER + "\n" + "\n".join(rows) + "\n"


GOOD = "S1,Acme,manufacturer,CN,Zhejiang,5,yes,no,Acme Co. Ltd,91330201MA2H3XYZ1K,Acme Co. Ltd,2023-01-01,,,0,0,normal,none,1,brand"


def test_wrong_type_is_rejected_with_line_and_column(tmp_path):
    bad = GOOD.replace("S1", "S2").replace(",5,", ",five,")
    result = read_and_validate(only(tmp_path, "suppliers", supplier_rows(GOOD, bad)))
    assert reasons(result, "suppliers") == [(3, "alibaba_store_years", "not a whole number: 'five'")]
    t = table(result, "suppliers")
    assert (t.rows_read, t.rows_loaded, t.rows_rejected) == (2, 1, 1)
    assert t.rejections[0].raw == bad
    assert t.rejections[0].file == "suppliers.csv"


def test_bad_enum_is_rejected_but_case_and_spaces_are_normalised(tmp_path):
    fine = GOOD.replace("S1", "S2").replace("manufacturer", "Trading Company")
    bad = GOOD.replace("S1", "S3").replace("manufacturer", "factory")
    result = read_and_validate(only(tmp_path, "suppliers", supplier_rows(fine, bad)))
    assert reasons(result, "suppliers") == [
        (3, "supplier_type", "not one of manufacturer, trading_company: 'factory'")]
    assert table(result, "suppliers").frame["supplier_type"].tolist() == ["trading_company"]


def test_missing_key_is_rejected(tmp_path):
    result = read_and_validate(only(tmp_path, "suppliers", supplier_rows(GOOD, GOOD.replace("S1", "", 1))))
    assert reasons(result, "suppliers") == [(3, "supplier_id", "required value is missing")]


def test_orphan_reference_is_rejected(tiny_dir):
    text = (tiny_dir / "purchase_orders.csv").read_text()
    text += "P9,S404,A1,2024-01-02,10,5.00,USD,FOB,2024-02-01,,,wire\n"
    (tiny_dir / "purchase_orders.csv").write_text(text)
    result = read_and_validate(tiny_dir)
    assert reasons(result, "purchase_orders") == [
        (8, "supplier_id", "'S404' is not in suppliers (orphan reference)")]


def test_a_reference_to_a_file_not_imported_is_kept_unchecked(tiny_dir):
    """Payments naming their bank account, with no bank-accounts file: the reference cannot be checked, so every
    payment is kept and the import says so (each was rejected as an orphan before, and the build refused to publish
    an empty payments table). With a bank-accounts file, an account not in it is still an orphan."""
    pay = pd.read_csv(tiny_dir / "payments.csv", dtype=str)
    pay["bank_account_id"] = "BA-1"
    pay.to_csv(tiny_dir / "payments.csv", index=False)
    result = read_and_validate(tiny_dir)
    assert reasons(result, "payments") == []
    assert table(result, "payments").rows_loaded == len(pay)
    assert "payments.csv: bank_account_id is not checked against bank_accounts: no bank_accounts file was imported" \
        in result.notices
    (tiny_dir / "bank_accounts.csv").write_text("bank_account_id,supplier_id,account_number,bank_country,"
                                                "first_seen_on\nBA-2,S1,6222021234567890,CN,2023-01-01\n")
    result = read_and_validate(tiny_dir)
    assert len(reasons(result, "payments")) == len(pay)
    assert reasons(result, "payments")[0] == (2, "bank_account_id", "'BA-1' is not in bank_accounts (orphan reference)")


def test_children_of_a_rejected_parent_are_rejected_too(tiny_dir):
    text = (tiny_dir / "purchase_orders.csv").read_text().replace("P5,S2,B1,2024-05-01,300", "P5,S2,B1,2024-05-01,-300")
    (tiny_dir / "purchase_orders.csv").write_text(text)
    result = read_and_validate(tiny_dir)
    assert reasons(result, "purchase_orders") == [(6, "quantity", "must be > 0: '-300'")]
    # payment Y5 pays P5: it cannot be loaded without its order, and says why
    assert reasons(result, "payments") == [(6, "po_id", "'P5' is not in purchase_orders (orphan reference)")]


def test_negative_quantity_is_rejected(tiny_dir):
    text = (tiny_dir / "shipments.csv").read_text().replace("H5,P4,sea,2024-02-14,2024-03-18,2024-03-20,200",
                                                            "H5,P4,sea,2024-02-14,2024-03-18,2024-03-20,-200")
    (tiny_dir / "shipments.csv").write_text(text)
    result = read_and_validate(tiny_dir)
    assert reasons(result, "shipments") == [(6, "quantity", "must be > 0: '-200'")]


def test_bad_dates_are_rejected(tiny_dir):
    text = (tiny_dir / "shipments.csv").read_text()
    text = text.replace("H1,P1,sea,2024-02-03", "H1,P1,sea,03/02/2024")  # not ISO
    text = text.replace("H2,P2,sea,2024-04-10,2024-05-12,2024-05-15", "H2,P2,sea,2024-04-10,2024-05-12,2024-04-01")
    text = text.replace("H3,P3,sea,2024-03-01", "H3,P3,sea,1906-03-01")  # mangled year
    (tiny_dir / "shipments.csv").write_text(text)
    result = read_and_validate(tiny_dir)
    assert reasons(result, "shipments") == [
        (2, "shipped_on", "not a date in YYYY-MM-DD form: '03/02/2024'"),
        (3, "delivered_on", "delivered_on is before shipped_on"),
        (4, "shipped_on", "implausible date outside 2000-01-01…2099-12-31: '1906-03-01'"),
    ]


def test_a_date_of_something_that_has_happened_cannot_lie_in_the_future(tiny_dir):
    """As of 2024-06-30 (the tiny portfolio's latest activity is 06-21): a delivery, a return and a sales month after
    it are typos or plans and are rejected with the limit named; a promised ship date and an ETA are plans and kept."""
    def edit(name, old, new):
        path = tiny_dir / f"{name}.csv"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")

    edit("shipments", "H1,P1,sea,2024-02-03,2024-03-08,2024-03-10", "H1,P1,sea,2024-02-03,2024-03-08,2024-07-01")
    edit("shipments", "H2,P2,sea,2024-04-10,2024-05-12,", "H2,P2,sea,2024-04-10,2024-08-12,")
    edit("purchase_orders", "P2,S1,A1,2024-03-01,1000,5.50,USD,FOB,2024-04-01", "P2,S1,A1,2024-03-01,1000,5.50,USD,"
         "FOB,2024-09-01")
    edit("returns", "R2,A1,,2024-04-12", "R2,A1,,2024-07-02")
    edit("sales", "A1,2024-05,amazon_us", "A1,2024-07,amazon_us")
    result = read_and_validate(tiny_dir, latest=date(2024, 6, 30))
    future = ("in the future (after 2024-06-30: today, plus a day for a file written in a time zone ahead): the column "
              "records something that has happened, so a later date is a typo or a plan (leave it blank until it "
              "happens): ")
    assert reasons(result, "shipments") == [(2, "delivered_on", future + "'2024-07-01'")]
    assert reasons(result, "returns") == [(3, "returned_on", future + "'2024-07-02'")]
    assert reasons(result, "sales") == [(3, "month", "a month in the future (after 2024-06): sales are reported for "
                                                     "months that have begun, so the month is a typo: '2024-07'")]
    assert reasons(result, "purchase_orders") == []
    shipments = table(result, "shipments").frame.set_index("shipment_id")
    assert str(shipments.loc["H2", "eta_on"])[:10] == "2024-08-12"  # an ETA is a plan
    assert str(table(result, "purchase_orders").frame.set_index("po_id").loc["P2", "promised_ship_on"])[:10] == \
        "2024-09-01"


def test_the_latest_date_is_today_plus_a_day_for_time_zones_or_a_later_as_of():
    assert contract.latest_event_date(today=date(2026, 12, 6)) == date(2026, 12, 7)
    assert contract.latest_event_date(as_of=date(2026, 1, 1), today=date(2026, 12, 6)) == date(2026, 12, 7)
    assert contract.latest_event_date(as_of=date(2027, 1, 10), today=date(2026, 12, 6)) == date(2027, 1, 10)
    happened = {(t.name, col.name) for t in contract.TABLES for col in t.columns if col.happened}
    assert {("purchase_orders", "ordered_on"), ("payments", "paid_on"), ("shipments", "delivered_on"),
            ("sales", "month"), ("returns", "returned_on"), ("suppliers", "onboarded_on")} <= happened
    planned = {("purchase_orders", "promised_ship_on"), ("purchase_orders", "balance_due_on"),
               ("shipments", "eta_on"), ("shipments", "entry_on"), ("corrective_actions", "due_on")}
    assert not planned & happened


def test_without_a_limit_the_import_reads_the_clock(tmp_path):
    """No `latest` given: tomorrow is accepted (a file from a time zone ahead), the day after is not."""
    tomorrow, after = date.today() + timedelta(days=1), date.today() + timedelta(days=2)
    rows = [GOOD.replace("2023-01-01", tomorrow.isoformat()),
            GOOD.replace("S1,", "S2,", 1).replace("2023-01-01", after.isoformat())]
    result = read_and_validate(only(tmp_path, "suppliers", supplier_rows(*rows)))
    assert table(result, "suppliers").frame["supplier_id"].tolist() == ["S1"]
    assert [(line, col) for line, col, _ in reasons(result, "suppliers")] == [(3, "onboarded_on")]


def test_stray_quote_costs_one_line_not_the_rest_of_the_file(tmp_path):
    stray = 'S2,"Acme Two,manufacturer,CN,,,,,,,,,,,,,,,,'
    rows = [GOOD, stray] + [GOOD.replace("S1", f"S{i}") for i in range(3, 6)]
    result = read_and_validate(only(tmp_path, "suppliers", supplier_rows(*rows)))
    t = table(result, "suppliers")
    assert t.frame["supplier_id"].tolist() == ["S1", "S3", "S4", "S5"]
    assert [(r.line, r.raw) for r in t.rejections] == [(3, stray)]
    assert "unbalanced quote" in t.rejections[0].reason
    assert t.rows_read == t.rows_loaded + t.rows_rejected + t.duplicates_collapsed


def test_quoted_commas_and_doubled_quotes_are_data(tmp_path):
    row = GOOD.replace("Acme,", '"Acme, ""The Best"" Lamps",', 1)
    result = read_and_validate(only(tmp_path, "suppliers", supplier_rows(row)))
    assert table(result, "suppliers").frame["supplier_name"].tolist() == ['Acme, "The Best" Lamps']


def test_utf8_bom_is_not_part_of_the_first_column_name(tmp_path):
    result = read_and_validate(only(tmp_path, "suppliers", "\ufeff" + supplier_rows(GOOD)))
    t = table(result, "suppliers")
    assert t.frame["supplier_id"].tolist() == ["S1"]
    assert t.encoding == "utf-8-sig"


def test_gb18030_chinese_names_are_read(tmp_path):
    row = GOOD.replace("Acme Co. Ltd,", "宁波光明家居用品有限公司,", 1)
    result = read_and_validate(only(tmp_path, "suppliers", supplier_rows(row), encoding="gb18030"))
    t = table(result, "suppliers")
    assert t.encoding == "gb18030"
    assert t.frame["legal_name"].tolist() == ["宁波光明家居用品有限公司"]


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_crlf_cr_and_lf_line_ends(tmp_path, newline):
    rows = [GOOD, GOOD.replace("S1", "S2"), GOOD.replace("S1", "S3").replace(",5,", ",x,")]
    result = read_and_validate(only(tmp_path, "suppliers", supplier_rows(*rows), newline=newline))
    assert table(result, "suppliers").frame["supplier_id"].tolist() == ["S1", "S2"]
    assert reasons(result, "suppliers") == [(4, "alibaba_store_years", "not a whole number: 'x'")]


def test_missing_required_column_is_one_clear_error(tmp_path):
    header = SUPPLIER_HEADER.replace("supplier_type,", "")
    row = GOOD.replace("manufacturer,", "")
    with pytest.raises(IngestError) as info:
        read_and_validate(only(tmp_path, "suppliers", header + "\n" + row + "\n"))
    assert str(info.value) == "suppliers.csv, column supplier_type: required column is missing from the header"


def test_undecodable_file_is_one_clear_error(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "suppliers.csv").write_bytes(SUPPLIER_HEADER.encode() + b"\n\xff\xfe\xfa\xfb,\x80\x80\n")
    with pytest.raises(IngestError, match=r"^suppliers.csv: is neither UTF-8 nor GB18030"):
        read_and_validate(folder)


def test_unknown_column_is_ignored_with_a_notice(tmp_path):
    text = SUPPLIER_HEADER + ",whatsapp\n" + GOOD + ",+86 123\n"
    result = read_and_validate(only(tmp_path, "suppliers", text))
    assert table(result, "suppliers").rows_loaded == 1
    assert "suppliers.csv: ignored unknown column whatsapp" in result.notices


def test_identical_duplicates_collapse_and_conflicting_ones_are_rejected(tmp_path):
    conflicting = GOOD.replace("S1", "S2")
    rows = [GOOD, GOOD, conflicting, conflicting.replace("Acme,", "Other,", 1)]
    result = read_and_validate(only(tmp_path, "suppliers", supplier_rows(*rows)))
    t = table(result, "suppliers")
    assert t.frame["supplier_id"].tolist() == ["S1"]
    assert t.duplicates_collapsed == 1
    assert [(r.line, r.reason) for r in t.rejections] == [
        (4, "duplicate key (S2) with different values on lines 4, 5"),
        (5, "duplicate key (S2) with different values on lines 4, 5")]
    assert t.rows_read == t.rows_loaded + t.rows_rejected + t.duplicates_collapsed == 4


def test_rows_are_conserved_for_every_file(tiny_dir):
    text = (tiny_dir / "returns.csv").read_text()
    text += "R5,A1,P1,2024-05-01,0,defective,amazon_us,0,sellable\nR6,A1,P1,2024-05-01,1,broken,amazon_us,0,\n"
    text += "R1,A1,P1,2024-04-10,3,defective,amazon_us,120,unsellable\n"
    (tiny_dir / "returns.csv").write_text(text)
    result = read_and_validate(tiny_dir)
    for t in result.tables:
        assert t.rows_read == t.rows_loaded + t.rows_rejected + t.duplicates_collapsed, t.table
    r = table(result, "returns")
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.duplicates_collapsed) == (7, 4, 2, 1)


def test_xlsx_and_parquet_files_read_like_csv(tiny_dir):
    frame = pd.read_csv(tiny_dir / "products.csv", dtype=str)
    (tiny_dir / "products.csv").unlink()
    frame.to_excel(tiny_dir / "products.xlsx", index=False)
    sales = pd.read_csv(tiny_dir / "sales.csv")
    (tiny_dir / "sales.csv").unlink()
    sales.to_parquet(tiny_dir / "sales.parquet", index=False)
    result = read_and_validate(tiny_dir)
    assert table(result, "products").frame["sku"].tolist() == ["A1", "A2", "B1"]
    assert table(result, "products").frame["retail_price"].tolist() == [40.0, 20.0, 30.0]
    assert table(result, "sales").frame["units_sold"].sum() == 1350
    assert table(result, "products").frame["source_line"].tolist() == [2, 3, 4]


def test_a_workbook_with_a_title_row_above_its_header_is_read_with_a_notice(tiny_dir):
    frame = pd.read_csv(tiny_dir / "products.csv", dtype=str)
    (tiny_dir / "products.csv").unlink()
    with pd.ExcelWriter(tiny_dir / "products.xlsx") as writer:
        pd.DataFrame([["Products — June"]]).to_excel(writer, index=False, header=False)
        frame.to_excel(writer, index=False, startrow=1)
    result = read_and_validate(tiny_dir)
    assert table(result, "products").frame["sku"].tolist() == ["A1", "A2", "B1"]
    assert table(result, "products").frame["source_line"].tolist() == [3, 4, 5]   # the sheet's own rows
    assert ("products.xlsx: sheet 'Sheet1': 1 title row above the header, not data: line 1 'Products — June'"
            in result.notices)


def test_missing_table_files_give_empty_tables_with_a_notice(tmp_path):
    result = read_and_validate(only(tmp_path, "suppliers", supplier_rows(GOOD)))
    assert "no file for returns: the table is empty" in result.notices
    assert table(result, "returns").rows_loaded == 0


QC_HEADER = "cost_id,po_id,supplier_id,incurred_on,kind,amount,note"


def costs(tmp_path: Path, rows: list[str] | str) -> Path:
    """A folder with supplier S1 and a quality_costs file holding `rows` (or raw text after the header)."""
    body = rows if isinstance(rows, str) else "\n".join(rows) + "\n"
    folder = only(tmp_path, "suppliers", supplier_rows(GOOD))
    write_csv(folder / "quality_costs.csv", QC_HEADER + "\n" + body)
    return folder


def test_an_unclosed_quote_in_a_large_file_costs_one_line(tmp_path):
    # The open quote would swallow everything up to the csv field-size limit (131,072 characters).
    rows = [f"Q{i},,S1,2024-01-01,rework,10,note {i}" for i in range(4000)]
    rows[10] = 'Q10,,S1,2024-01-01,rework,10,"never closed'
    result = read_and_validate(costs(tmp_path, rows))
    t = table(result, "quality_costs")
    assert (t.rows_read, t.rows_loaded, t.rows_rejected) == (4000, 3999, 1)
    assert [(r.line, r.raw) for r in t.rejections] == [(12, rows[10])]


def test_an_unclosed_quote_in_the_last_column_does_not_swallow_the_rows_after_it(tmp_path):
    rows = ['Q1,,S1,2024-01-01,rework,10,"rework after failed PSI', "Q2,,S1,2024-01-02,relabel,20,labels",
            "Q3,,S1,2024-01-03,sorting,30,"]
    result = read_and_validate(costs(tmp_path, rows))
    t = table(result, "quality_costs")
    assert t.frame["cost_id"].tolist() == ["Q2", "Q3"]
    assert t.frame["note"].tolist()[0] == "labels"
    assert [r.line for r in t.rejections] == [2]


def test_a_genuine_line_break_inside_a_quoted_cell_is_kept(tmp_path):
    text = 'Q1,,S1,2024-01-01,rework,10,"first line\nsecond line"\nQ2,,S1,2024-01-02,relabel,20,x\n'
    result = read_and_validate(costs(tmp_path, text))
    t = table(result, "quality_costs")
    assert t.frame["note"].tolist() == ["first line\nsecond line", "x"]
    assert t.frame["source_line"].tolist() == [2, 4]
    assert t.rejections == []


def test_infinite_numbers_are_rejected(tmp_path):
    rows = ["Q1,,S1,2024-01-01,rework,inf,", "Q2,,S1,2024-01-01,rework,1e400,", "Q3,,S1,2024-01-01,rework,5,"]
    result = read_and_validate(costs(tmp_path, rows))
    assert reasons(result, "quality_costs") == [(2, "amount", "not a number: 'inf'"),
                                                (3, "amount", "not a number: '1e400'")]


def test_an_aql_that_is_not_a_column_of_the_standard_is_rejected(tiny_dir):
    text = (tiny_dir / "inspections.csv").read_text().replace("I4,P4,PSI,2024-02-10,V-Trust,II,0,2.5",
                                                              "I4,P4,PSI,2024-02-10,V-Trust,II,0,2")
    (tiny_dir / "inspections.csv").write_text(text)
    result = read_and_validate(tiny_dir)
    [(line, column, reason)] = reasons(result, "inspections")
    assert (line, column) == (5, "aql_major")
    assert reason.startswith("not a number, or not one of 0, 0.01, 0.015,") and reason.endswith(": '2'")


def test_a_gb18030_file_is_read_with_a_notice(tmp_path):
    row = GOOD.replace("Acme Co. Ltd,", "宁波光明家居用品有限公司,", 1)
    result = read_and_validate(only(tmp_path, "suppliers", supplier_rows(row), encoding="gb18030"))
    assert any("read as GB18030" in n for n in result.notices)


def test_a_transcoded_file_leaves_no_copy_behind(tmp_path, monkeypatch):
    """A file not in UTF-8 is given to DuckDB as a UTF-8 copy in a temporary folder of ours: the copy serves the load
    and the raw lines of its rejected rows, then goes (a server importing many such exports kept a copy of each)."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    rows = [GOOD.replace("Acme Co. Ltd,", "宁波光明家居用品有限公司,", 1),
            GOOD.replace("S1", "S2").replace(",5,", ",x,")]
    result = read_and_validate(only(tmp_path, "suppliers", supplier_rows(*rows), encoding="gb18030"))
    assert table(result, "suppliers").frame["supplier_id"].tolist() == ["S1"]
    [rejected] = table(result, "suppliers").rejections
    assert (rejected.line, rejected.column) == (3, "alibaba_store_years")
    assert rejected.raw == rows[1]  # read back from the copy, before it went
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("name", [t.name for t in contract.TABLES])
def test_the_typed_load_keeps_the_file_order(tmp_path, name):
    """A loaded row's position is its record's (its line is position + 2 for a file DuckDB reads directly), so the
    typed load must keep the reader's order: only scans and projections, no join (DuckDB plans an IN list of many
    values as one unless told not to, and a parallel join does not keep the order)."""
    t = contract.TABLES_BY_NAME[name]
    path = tmp_path / f"{name}.csv"
    path.write_text(",".join(t.column_names) + "\n", encoding="utf-8")
    con = duckdb.connect()
    text = read_into(con, path, "_text", t.required_columns)
    assert text.direct  # a file DuckDB reads line for line is read by the load itself
    typed = compile_checks(t, text.header, may_need_trim=True).typed(text.relation, t.column_names)
    with in_file_order(con):
        plan = "\n".join(row[1] for row in con.execute(f"explain {typed}").fetchall())
    assert "JOIN" not in plan.upper() and "READ_CSV" in plan.upper()
