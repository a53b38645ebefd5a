"""The Data page's import step (dashboard/mapping.py) with AppTest: a recognised export is converted, a spreadsheet
with other headers goes through the mapping step (table guessed, matches suggested, a value mapped, preview, save,
use, reuse next month) into one validation report and a build."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from dashboard.components import md
from helpers import FIXTURES, WISE_HEADER, WISE_P3_DEPOSIT
from pipelines.adapters import mapping as maps

TRACKER = ("PO No.,Factory,Item,Order Date,Ship by,Qty,Unit Price (RMB),Terms\n"
           "P7,S1,A1,05/03/2024,20/04/2024,1000,36.50,FOB Ningbo\n"
           "P8,S2,B1,13/03/2024,30/04/2024,200,72.00,EXW\n").encode("utf-8")
KEY = "map_po_tracker_csv"


@pytest.fixture(autouse=True)
def _mappings(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPPLIER_RISK_MAPPINGS", str(tmp_path / "mappings"))


def _upload(ui, db, files):
    at = ui.open(db, "data")
    at.file_uploader(key="data_upload").set_value(files).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_a_recognised_export_is_converted_and_validated_with_the_other_tables(ui, tiny_db):
    returns = (FIXTURES / "exports" / "amazon_fba_returns.txt").read_bytes()
    at = _upload(ui, tiny_db, [("amazon_fba_returns.txt", returns, "text/plain")])
    labels = [e.label for e in at.expander]
    assert (f"{md('amazon_fba_returns.txt')}: Amazon FBA customer returns report → Returns · 12 lines read: "
            "9 written, 2 rejected, 1 left out by rule") in labels    # file names are shown literally
    rejected = next(f for f in ui.frames(at) if "reason" in f.columns and "raw_line" in f.columns
                    and set(f["line"]) == {10, 11, 12})
    assert "Unknown Amazon return reason code 'CHANGED_MY_MIND'" in rejected.set_index("line").loc[10, "reason"]
    # one validation report: the tiny portfolio's 37 rows (kept from the current input) + the 9 returns written
    assert ui.metrics(at)["Rows to load"] == "46" and ui.metrics(at)["Rows rejected"] == "0"


def test_the_seller_fulfilled_returns_report_is_recognised_on_the_data_page(ui, tiny_db):
    report = (FIXTURES / "exports" / "amazon_mfn_returns.txt").read_bytes()
    at = _upload(ui, tiny_db, [("returns_by_return_date.txt", report, "text/plain")])
    assert (f"{md('returns_by_return_date.txt')}: Amazon returns report, seller-fulfilled orders → Returns · 7 lines "
            "read: 4 written, 1 rejected, 2 left out by rule") in [e.label for e in at.expander]
    rejected = next(f for f in ui.frames(at) if "reason" in f.columns and "raw_line" in f.columns
                    and 8 in set(f["line"]))
    assert "Unknown Amazon return reason code 'CR-CHANGED_MIND'" in rejected.set_index("line").loc[8, "reason"]
    # the tiny portfolio's 37 rows and the 4 returns written (A1, A2 and B1 are its SKUs)
    assert ui.metrics(at)["Rows to load"] == "41" and ui.metrics(at)["Rows rejected"] == "0"


def test_a_tiktok_shop_orders_export_is_recognised_on_the_data_page(ui, tiny_db):
    orders = (FIXTURES / "exports" / "tiktok_shop_orders.csv").read_bytes()
    at = _upload(ui, tiny_db, [("Order_export_2024-05.csv", orders, "text/csv")])
    assert (f"{md('Order_export_2024-05.csv')}: TikTok Shop orders export → Sales · 10 lines read: 4 written, "
            "3 rejected, 3 left out by rule") in [e.label for e in at.expander]
    problems = next(f for f in ui.frames(at) if "reason" in f.columns and "raw_line" in f.columns
                    and 2 in set(f["line"])).set_index("line")
    assert problems.loc[2, "reason"] == "Left out: the export's line of column descriptions under its header"
    # the tiny portfolio's 37 rows and 3 sales rows (A1, A2 and B1 in May 2024 on tiktok_shop_us); the export names
    # its market, so no channel is asked for
    assert ui.metrics(at)["Rows to load"] == "40" and ui.metrics(at)["Rows rejected"] == "0"
    assert not [s for s in at.selectbox if s.key and s.key.endswith("_channel")]


def test_shopify_payments_fees_find_the_orders_uploaded_with_them(ui, tiny_db):
    """Uploaded together (the transactions first), the orders export is converted first and the fees are split over
    its lines before anything is written."""
    payments = (FIXTURES / "exports" / "shopify_payments_transactions.csv").read_bytes()
    orders = (FIXTURES / "exports" / "shopify_orders_export.csv").read_bytes()
    at = _upload(ui, tiny_db, [("payment_transactions_export_1.csv", payments, "text/csv"),
                               ("orders_export_1.csv", orders, "text/csv")])
    labels = [e.label for e in at.expander]
    assert labels.index(next(x for x in labels if x.startswith(md("orders_export_1.csv")))) < labels.index(
        next(x for x in labels if x.startswith(md("payment_transactions_export_1.csv"))))
    assert (f"{md('payment_transactions_export_1.csv')}: Shopify Payments transactions export → Sales · 8 lines "
            "read: 4 written, 2 rejected, 2 left out by rule") in labels


def test_a_report_that_does_not_name_its_marketplace_is_written_to_the_channel_picked(ui, tiny_db, tmp_path):
    """`--channel` on the page: the FBA returns report does not say which marketplace it is from; the page offers
    Amazon's marketplaces (amazon_us first, the report's own) and the choice reaches the build. (A typed name goes
    through the same conversion as `--channel`: tests/pipelines/test_adapters.py; AppTest cannot type into a
    selectbox.)"""
    db = tmp_path / "live.duckdb"
    shutil.copy(tiny_db, db)
    returns = (FIXTURES / "exports" / "amazon_fba_returns.txt").read_bytes()
    at = _upload(ui, db, [("amazon_fba_returns.txt", returns, "text/plain")])
    key = "map_amazon_fba_returns_txt_channel"
    # shown in words beside the code written
    assert at.selectbox(key=key).value == "amazon_us" and at.selectbox(key=key).options[:2] == [
        "Amazon US (amazon_us)", "Amazon AE (amazon_ae)"]
    assert "Amazon CA (amazon_ca)" in at.selectbox(key=key).options and len(at.selectbox(key=key).options) == 20
    at.selectbox(key=key).set_value("amazon_ca").run()
    assert not at.error and ui.metrics(at)["Rows to load"] == "46"
    at.button(key="data_rebuild").click().run()
    assert not at.exception
    con = duckdb.connect(str(db), read_only=True)
    try:
        channels = con.execute("select channel, count(*) from staging.returns where return_id like 'amz:%' "
                               "group by channel").fetchall()
    finally:
        con.close()
    assert channels == [("amazon_ca", 9)]


def test_the_mapping_step_suggests_previews_saves_and_builds(ui, tiny_db, tmp_path):
    db = tmp_path / "live.duckdb"   # a copy of the tiny warehouse: the rebuild replaces it
    shutil.copy(tiny_db, db)
    at = _upload(ui, db, [("po_tracker.csv", TRACKER, "text/csv")])
    assert f"{md('po_tracker.csv')}: not a format we know — map its columns" in [e.label for e in at.expander]
    assert at.selectbox(key=f"{KEY}_table").value == "purchase_orders"        # the best-fitting table
    suggested = {c: at.selectbox(key=f"{KEY}_col_{c}").value
                 for c in ("po_id", "supplier_id", "sku", "ordered_on", "quantity", "unit_price", "incoterm",
                           "promised_ship_on")}
    assert suggested == {"po_id": "PO No.", "supplier_id": "Factory", "sku": "Item", "ordered_on": "Order Date",
                         "quantity": "Qty", "unit_price": "Unit Price (RMB)", "incoterm": "Terms",
                         "promised_ship_on": "Ship by"}
    assert "suggested: fuzzy" in at.selectbox(key=f"{KEY}_col_unit_price").help
    # a person reads the fields' names in words, the import field's own name only in the help
    assert at.selectbox(key=f"{KEY}_col_po_id").label == "Purchase order number *"
    assert at.selectbox(key=f"{KEY}_col_promised_ship_on").label == "Promised ship date"
    assert "import field `po_id`" in at.selectbox(key=f"{KEY}_col_po_id").help
    assert "Purchase orders" in at.selectbox(key=f"{KEY}_table").options
    assert "Customs entry summary lines" in at.selectbox(key=f"{KEY}_table").options
    # not imported until confirmed: validation sees only the tiny portfolio
    assert ui.metrics(at)["Rows to load"] == "37"
    at.selectbox(key=f"{KEY}_col_sample_approved_on").set_value("Order Date").run()   # a choice by hand
    at.selectbox(key=f"{KEY}_col_sample_approved_on").set_value("—").run()
    at.text_input(key=f"{KEY}_currency").input("CNY").run()
    assert at.selectbox(key=f"{KEY}_val_incoterm_0").label == "FOB Ningbo"
    at.selectbox(key=f"{KEY}_val_incoterm_0").set_value("FOB").run()
    preview = next(f for f in ui.frames(at) if "po_id" in f.columns and "currency" in f.columns)
    assert preview[["po_id", "ordered_on", "promised_ship_on", "unit_price", "currency", "incoterm"]].values.tolist() \
        == [["P7", "2024-03-05", "2024-04-20", "36.5", "CNY", "FOB"], ["P8", "2024-03-13", "2024-04-30", "72", "CNY",
                                                                          "EXW"]]
    at.text_input(key=f"{KEY}_name").input("Ningbo PO tracker").run()
    at.button(key=f"{KEY}_save").click().run()
    saved = maps.load(tmp_path / "mappings" / "Ningbo_PO_tracker.toml")
    assert (saved.table, saved.columns["promised_ship_on"], saved.currency, saved.values) == (
        "purchase_orders", "Ship by", "CNY", {"incoterm": {"FOB Ningbo": "FOB"}})
    at.checkbox(key=f"{KEY}_use").check().run()
    assert ui.metrics(at)["Rows to load"] == "39" and ui.metrics(at)["Rows rejected"] == "0"
    at.button(key="data_rebuild").click().run()
    assert not at.exception
    assert any("Warehouse rebuilt as of 2024-06-21" in s.value for s in at.success)
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("select currency, unit_price_original, fx_units_per_usd, order_value from "
                          "staging.purchase_orders where po_id = 'P7'").fetchone()
    finally:
        con.close()
    # CNY 36.50 x 1,000 at the Fed G.5 March 2024 average of 7.2015 yuan per dollar
    assert row[:3] == ("CNY", 36.5, 7.2015) and round(row[3], 2) == round(36_500 / 7.2015, 2) == 5_068.39


def test_next_month_the_saved_mapping_is_picked_and_fills_every_choice(ui, tiny_db, tmp_path):
    folder = tmp_path / "mappings"
    folder.mkdir()
    mapping = maps.Mapping(table="purchase_orders", name="Ningbo PO tracker", currency="CNY",
                           columns={"po_id": "PO No.", "supplier_id": "Factory", "sku": "Item",
                                    "ordered_on": "Order Date", "promised_ship_on": "Ship by", "quantity": "Qty",
                                    "unit_price": "Unit Price (RMB)", "incoterm": "Terms"},
                           values={"incoterm": {"FOB Ningbo": "FOB"}})
    (folder / "Ningbo_PO_tracker.toml").write_text(maps.dumps(mapping), encoding="utf-8")
    at = _upload(ui, tiny_db, [("po_tracker.csv", TRACKER, "text/csv")])
    at.selectbox(key=f"{KEY}_saved").set_value("Ningbo_PO_tracker").run()
    assert at.selectbox(key=f"{KEY}_col_promised_ship_on").value == "Ship by"
    assert at.text_input(key=f"{KEY}_currency").value == "CNY"
    assert at.selectbox(key=f"{KEY}_val_incoterm_0").value == "FOB"
    at.checkbox(key=f"{KEY}_use").check().run()
    assert ui.metrics(at)["Rows to load"] == "39"


def test_a_file_that_cannot_be_read_is_named_with_the_reason(ui, tiny_db):
    at = _upload(ui, tiny_db, [("weird.txt", "sku,name\nA,小\n".encode("gb18030"), "text/plain")])
    assert any(f"{md('weird.txt')} cannot be read" in e.value and "ambiguous" in e.value for e in at.error)


def test_a_folder_on_this_machine_may_hold_exports_too(ui, tmp_path, tiny_dir):
    shutil.copy(FIXTURES / "exports" / "amazon_fba_returns.txt", tiny_dir / "amazon_fba_returns.txt")
    at = ui.open(tmp_path / "none.duckdb", "data")
    at.radio(key="data_source").set_value("Folder on this machine").run()
    at.text_input(key="data_folder").input(str(tiny_dir)).run()
    assert not at.exception
    assert any(label.startswith(f"{md('amazon_fba_returns.txt')}: Amazon FBA customer returns report") for label
               in [e.label for e in at.expander])
    assert ui.metrics(at)["Rows to load"] == "46"   # the folder's 37 rows + 9 returns
    assert not any(tiny_dir.glob("*exports*")) and sorted(p.name for p in tiny_dir.iterdir())[0] == "amazon_fba_returns.txt"


def test_an_export_resaved_by_a_spreadsheet_is_refused_until_its_dates_are_declared(ui, tiny_db):
    resaved = (FIXTURES / "exports" / "shopify_orders_excel_resaved.csv").read_bytes()  # Excel's 4/5/2024 10:22
    at = _upload(ui, tiny_db, [("orders_export.csv", resaved, "text/csv")])
    title = f"{md('orders_export.csv')}: Shopify orders export → Sales · 8 lines read: "
    assert title + "0 written, 6 rejected, 2 left out by rule" in [e.label for e in at.expander]
    rejected = next(f for f in ui.frames(at) if "reason" in f.columns and "raw_line" in f.columns)
    assert rejected.set_index("line").loc[2, "reason"].startswith(
        "Day-first or month-first cannot be told: no value has a day above 12 (line 2 '4/5/2024 10:22' is 4 May")
    at.selectbox(key="export_dates").set_value("Month first (MM/DD/YYYY)").run()
    assert not at.exception, [e.message for e in at.exception]
    assert title + "5 written, 1 rejected, 2 left out by rule" in [e.label for e in at.expander]
    # the tiny portfolio's 37 rows + 5 SKU-months of Shopify sales (A1 04, A2 04, A2 05, B1 05, A1 06), of which
    # A2 2024-04 shopify_dtc replaces the row the folder had for the same SKU, month and channel
    assert ui.metrics(at)["Rows to load"] == "41"


def test_the_declared_date_order_applies_only_to_the_file_that_needs_it(ui, tiny_db):
    resaved = (FIXTURES / "exports" / "shopify_orders_excel_resaved.csv").read_bytes()
    returns = (FIXTURES / "exports" / "amazon_fba_returns.txt").read_bytes()  # ISO timestamps
    at = _upload(ui, tiny_db, [("orders_export.csv", resaved, "text/csv"),
                               ("amazon_fba_returns.txt", returns, "text/plain")])
    at.selectbox(key="export_dates").set_value("Day first (DD/MM/YYYY)").run()
    assert not at.exception, [e.message for e in at.exception]
    labels = [e.label for e in at.expander]
    assert f"{md('orders_export.csv')}: Shopify orders export → Sales · 8 lines read: 5 written, 1 rejected, " \
           "2 left out by rule" in labels
    assert f"{md('amazon_fba_returns.txt')}: Amazon FBA customer returns report → Returns · 12 lines read: " \
           "9 written, 2 rejected, 1 left out by rule" in labels   # its ISO dates are not re-read day-first


def test_one_settlement_from_two_reports_is_refused_on_the_page_too(ui, tiny_db):
    flat = (FIXTURES / "exports" / "amazon_settlement_v2.txt").read_bytes()
    date_range = (FIXTURES / "exports" / "amazon_date_range.csv").read_text(encoding="utf-8") \
        .replace("18765432101", "11223344556").encode("utf-8")    # the flat file's settlement
    at = _upload(ui, tiny_db, [("settlement.txt", flat, "text/plain"), ("date_range.csv", date_range, "text/csv")])
    errors = [e.value for e in at.error]
    expected = md("date_range.csv: settlement(s) 11223344556 (from amazon-settlement-v2) are already imported from "
                  "another report")
    assert any(expected in e for e in errors), errors   # shown literally (escaped Markdown)
    assert ui.metrics(at)["Rows to load"] == "37"   # the batch is not used: the folder's own rows only


def test_a_bank_statement_is_matched_to_the_purchase_orders_already_in_the_data(ui, tiny_db):
    """Only a Wise statement uploaded: its transfer names the tiny portfolio's P3, kept from the current input, and
    pays an account S1 has not on file, which joins the bank accounts unverified."""
    body = WISE_P3_DEPOSIT + ("CARD-77,16-02-2024,-12.00,USD,Card transaction of 12.00 USD issued by Canva,,4683.00,,"
                              ",,,,,Canva,4417,Dana Whitfield,,,0.00,\n")
    at = _upload(ui, tiny_db, [("statement_USD.csv", (WISE_HEADER + body).encode("utf-8"), "text/csv")])
    assert (f"{md('statement_USD.csv')}: Wise account statement → Payments, Bank accounts · 2 lines read: 1 written, "
            "0 rejected, 1 left out by rule") in [e.label for e in at.expander]
    assert ui.metrics(at)["Rows to load"] == "39"   # the tiny portfolio's 37 rows + the payment + the account
    # in view, not inside the file's expander: a new account is the pattern of bank-detail fraud
    assert [w.value for w in at.warning if "not on file" in w.value] == [md("statement_USD.csv") + ": " + md(
        "1 account paid that the supplier has not on file in bank_accounts: ••••4321 of S1 (paid 2024-02-15, line 2). "
        "Added to bank_accounts unverified, first seen on the payment date: a new account is the pattern of "
        "bank-detail fraud, so the score flags it until you verify it by a call to a number on file (verified_on, "
        "verification_method)")]


def test_a_file_in_a_table_s_own_columns_under_another_name_merges_its_rows_into_that_table(ui, tiny_db):
    """The CAPE claims to record (duty_refunds' columns) uploaded alone: recognised as that table, merged into the
    tables kept from the current input, validated with them."""
    claims = ("refund_id,entry_number,shipment_id,program,claimed_on,amount_claimed,received_on,amount_received,note\n"
              "CAPE-20261207-XYZ76543228,XYZ-7654322-8,,ieepa,2026-12-07,100.00,,,CAPE declaration x.csv\n"
              "CAPE-20261207-XYZ76543251,XYZ-7654325-1,,ieepa,2026-12-07,10.00,,,CAPE declaration x.csv\n")
    at = _upload(ui, tiny_db, [("cape_claims_to_record.csv", claims.encode("utf-8"), "text/csv")])
    assert (f"{md('cape_claims_to_record.csv')}: duty_refunds in the import format's own columns → Duty refunds · 2 "
            "lines read: 2 written, 0 rejected, 0 left out by rule") in [e.label for e in at.expander]
    counts = next(f for f in ui.frames(at) if "rows_loaded" in f.columns).set_index("table")
    assert counts.loc["duty_refunds", "rows_loaded"] == 2
    # the tiny portfolio's 37 rows and the 2 claims
    assert ui.metrics(at)["Rows to load"] == "39" and ui.metrics(at)["Rows rejected"] == "0"


def test_data_page_lists_the_codes_the_duty_table_cannot_price_and_the_rows_to_add(ui, tmp_path, built, downloads):
    """A2 given the code of an upholstered wooden chair, 9401.61.4011, which data/reference/duty_rates.csv has no
    row of (neither MFN nor Section 301): the Data page lists it with its SKU and offers the two rows to fill in; the
    tiny portfolio as given has nothing to add."""
    from helpers import TINY, tiny_with_products

    clean = ui.open(built(TINY, tmp_path / "clean.duckdb"), "data")
    assert "Duty rows to add" not in ui.texts(clean)
    folder = tiny_with_products(tmp_path / "input", ("A2,Lamp shade,home_lighting,S1,9405.42.8440,",
                                                     "A2,Bar stool,home_lighting,S1,9401.61.4011,"))
    at = ui.open(built(folder, tmp_path / "w.duckdb"), "data")
    assert not at.exception
    assert "Duty rows to add: 1 HS code the duty table cannot price" in ui.texts(at)
    table = next(f for f in ui.frames(at) if "skus" in f.columns)
    assert table[["hs_code", "origin_country", "missing", "sku_count", "skus"]].values.tolist() == [
        ["9401.61.4011", "CN", "General rate (MFN) and Section 301", 1, "A2"]]
    rows = downloads["duty_rows_to_add.csv"].decode("utf-8").splitlines()
    assert rows[0].split(",")[:5] == ["hs_code", "origin_country", "duty_type", "rate_pct", "effective_from"]
    assert [r.split(",")[:5] for r in rows[1:]] == [["9401.61.40", "*", "mfn", "", "2018-01-01"],
                                                    ["9401.61.40", "CN", "section_301", "", "2018-07-06"]]
