"""Costs page: broker entry summaries beside the computed duty and fees, on a built portfolio.

The tiny portfolio with shipment H2 (P2: 1,000 lamps 9405.42.8440 from CN at 5.50 FOB = 5,500.00) on entry
ABC-1234569-4 and the broker's listing tests/fixtures/exports/cbp_7501_lines.csv imported. The broker declared for
that entry (entered 05/12/2024) 3.9% 214.50 + Section 301 25% 1,375.00 = 1,589.50, the computed stack; MPF 31.67
(FY2024 minimum: 5,500 x 0.3464% = 19.05 is below it) + HMF 6.88 (5,500 x 0.125% = 6.875) = 38.55, as computed.
Its two other entries are on no shipment: shown only when nothing is filtered, declared 6,312.00 each.
"""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.components import md
from helpers import (FIXTURES, SPLIT_ENTRY, SPLIT_ENTRY_LINES, demo_with_entry_reviews, tiny_with_adcvd_deposit,
                     tiny_with_adcvd_products, tiny_with_entry_number, tiny_with_ieepa_entries)
from pipelines.adapters import registry, store


@pytest.fixture(scope="module")
def entries_db(tmp_path_factory, built):
    folder = tiny_with_entry_number(tmp_path_factory.mktemp("entries") / "in", "H2", "ABC-1234569-4")
    store.write(registry.convert(FIXTURES / "exports" / "cbp_7501_lines.csv"), folder)
    return built(folder, folder.parent / "w.duckdb")


def test_costs_page_shows_entry_summaries_against_the_tables(ui, entries_db):
    at = ui.open(entries_db, "costs")
    table = [f for f in ui.frames(at) if "duty_summary" in f.columns][0].set_index("entry_number")
    assert list(table.index) == ["ABC-1234567-8", "ABC-1234568-6", "ABC-1234569-4"]
    h2 = table.loc["ABC-1234569-4"]
    assert (h2["duty_summary"], h2["duty_computed"], h2["duty_difference"], h2["duty_status"]) == (
        1_589.50, 1_589.50, 0.0, "Matches")  # the check in words
    assert (h2["fees_summary"], h2["fees_computed"], h2["fees_status"]) == (38.55, 38.55, "Matches")
    assert h2["chapter_99_summary"] == "9903.88.03"
    assert h2["chapter_99_check"] == "Matches"
    assert table.loc["ABC-1234567-8", "duty_status"] == "No shipment on this entry"
    assert table.loc["ABC-1234567-8", "chapter_99_check"] == "–"  # nothing to check it against
    assert not [w for w in at.warning if "chapter 99" in w.value]
    assert table.loc["ABC-1234567-8", "duty_summary"] == 6_312.00

    # Supplier S2 (no shipment on an entry): no entry summary in scope, no table.
    at.radio(key="costs_scope").set_value("Supplier").run()
    at.selectbox(key="costs_supplier").set_value("S2").run()
    assert not [f for f in ui.frames(at) if "duty_summary" in f.columns]
    at.selectbox(key="costs_supplier").set_value("S1").run()
    table = [f for f in ui.frames(at) if "duty_summary" in f.columns][0]
    assert list(table["entry_number"]) == ["ABC-1234569-4"]


def test_costs_page_names_the_chapter_99_number_a_broker_should_not_have_declared(ui, demo_db, demo_con):
    """The demo's two planted entries declared Section 122 (9903.03.01) after it ended on 2026-07-23: a callout
    with the money and the entries first, each saying why in words."""
    at = ui.open(demo_db, "costs")
    over, n = demo_con.execute("select sum(duty_difference), count(*) filter (where chapter_99_status = 'differs') "
                               "from marts.customs_entries where chapter_99_status is not null").fetchone()
    total = demo_con.execute("select count(*) from marts.customs_entries where has_entry_summary").fetchone()[0]
    said = [w.value for w in at.warning if "chapter 99" in w.value]
    assert n == 2 and len(said) == 1
    assert said[0].startswith(f"2 of {total:,} entries declare chapter 99 numbers the tariff tables do not give")
    # 1,386.00 + 391.50, escaped as every value in a callout (a $ pair would start a formula)
    assert f"({md(f'${float(over):,.2f}')} declared over the computed duty)" in said[0]
    table = [f for f in ui.frames(at) if "chapter_99_check" in f.columns][0]
    assert table["chapter_99_check"].tolist()[:2] == ["9903.03.01 declared: Section 122 ended 2026-07-23"] * 2
    assert set(table["chapter_99_check"].tolist()[2:]) == {"Matches"}


def test_costs_page_says_which_entry_summaries_were_found_right(ui, demo_dir, demo_db, tmp_path, built):
    """With both warned rows of the larger planted entry marked reviewed on the Data page (and one of the other's),
    the callout counts the other entry only, and the table says who reviewed the larger one, when and why (the
    partly reviewed entry reads no review: it is still one to correct)."""
    larger, smaller = demo_with_entry_reviews(demo_dir, demo_db, tmp_path / "input")
    at = ui.open(built(tmp_path / "input", tmp_path / "reviewed.duckdb"), "costs")
    said = [w.value for w in at.warning if "chapter 99" in w.value]
    assert len(said) == 1 and said[0].startswith("1 of ")
    table = [f for f in ui.frames(at) if "chapter_99_check" in f.columns][0].set_index("entry_number")
    assert table.loc[larger, "review"] == "2026-12-01, Ana: exclusion applies"
    assert table["review"].notna().sum() == 1 and table["review"].isna()[smaller]  # drawn as a blank
    assert list(table.index[:2]) == [smaller, larger]  # the one to correct first, as the callout says


def test_costs_page_has_no_review_column_while_nothing_is_reviewed(ui, demo_db):
    at = ui.open(demo_db, "costs")
    table = [f for f in ui.frames(at) if "chapter_99_check" in f.columns][0]
    assert "review" not in table.columns
    # no entry declares an AD/CVD deposit: no column of them on screen (the download keeps it, blank)
    shown = [list(d.proto.column_order) for d in at.dataframe if "chapter_99_check" in d.value.columns][0]
    assert "duty_summary" in shown and "adcvd_summary" not in shown


# the IEEPA refund of ABC-1234570-2 (its number in lower case): 3,600.00 claimed, 2,400.00 received
REFUND_R1 = "R1,abc-1234570-2,,ieepa,2026-05-04,3600.00,2026-07-01,2400.00,"


@pytest.fixture(scope="module")
def ieepa_db(tmp_path_factory, built):
    """The tiny portfolio with H2 on entry ABC12345694, the ACE report ES-003 fixture imported and an IEEPA refund
    of its 2025 entry ABC-1234570-2 (declared 9903.01.24 2,400.00 + 9903.01.25 1,200.00 = 3,600.00): 3,600.00
    claimed, 2,400.00 received (the entry number written in lower case)."""
    folder = tiny_with_ieepa_entries(tmp_path_factory.mktemp("ieepa") / "in", [], [REFUND_R1])
    return built(folder, folder.parent / "w.duckdb")


def test_costs_page_lists_the_ieepa_duty_declared_per_entry_and_what_has_not_come_back(ui, ieepa_db):
    at = ui.open(ieepa_db, "costs")
    table = [f for f in ui.frames(at) if "ieepa_duty_declared" in f.columns][0]
    shown = ["entry_number", "ieepa_duty_declared", "refund_status", "ieepa_duty_not_refunded", "claim_window",
             "claim_by"]
    # liquidated on 2026-08-21, after the tiny portfolio's as-of date (2024-06-21): a scheduled liquidation, no
    # window closing yet
    assert table[shown[:-1]].to_dict("records") == [{
        "entry_number": "ABC-1234570-2", "ieepa_duty_declared": 3_600.00, "refund_status": "Partly refunded",
        "ieepa_duty_not_refunded": 1_200.00, "claim_window": "Not liquidated yet (CAPE phase 1)"}]
    assert list(table.columns[:len(shown)]) == shown and table["claim_by"].isna().all()
    # the download's own columns: the entry date, what came back, the headings, the claim and the liquidation
    row = table.iloc[0]
    assert (str(row["entry_on"])[:10], row["refund_received"], row["ieepa_headings"], row["refund_claimed"],
            str(row["liquidated_on"])[:10], row["liquidation_status"]) == (
        "2025-04-08", 2_400.00, "9903.01.24, 9903.01.25", 3_600.00, "2026-08-21", "Liquidated")
    assert ("1 entry declared $3,600 of IEEPA duty; $1,200 of it has not come back yet. It is on no shipment of the "
            "data, so the figures above, over shipments, leave it out.") in ui.texts(at)
    # H2's entry (2024) declared none; a supplier's scope holds no entry with IEEPA duty: no table.
    at.radio(key="costs_scope").set_value("Supplier").run()
    at.selectbox(key="costs_supplier").set_value("S1").run()
    assert not [f for f in ui.frames(at) if "ieepa_duty_declared" in f.columns]


@pytest.fixture(scope="module")
def cape_db(tmp_path_factory, built):
    """The IEEPA portfolio above (ABC-1234570-2 with a refund on record) plus three entries with no refund, each
    declaring 9903.01.25: XYZ-7654322-8 (100.00) and DEF-7654329-1 (30.00) not liquidated yet, XYZ-7654323-6
    (50.00) liquidated on 2024-01-02, longer ago than CAPE phase 1's 80 days on the as-of date 2024-06-21."""
    folder = tiny_with_ieepa_entries(tmp_path_factory.mktemp("cape") / "in", [
        "XYZ-7654322-8,1,9903.01.25,01,2023-11-03,CN,,,,100.00,,,,Unliquidated",
        "DEF-7654329-1,1,9903.01.25,01,2023-12-04,CN,,,,30.00,,,,Unliquidated",
        "XYZ-7654323-6,1,9903.01.25,01,2023-05-02,CN,,,,50.00,,,2024-01-02,Liquidated"], [REFUND_R1])
    return built(folder, folder.parent / "w.duckdb")


def test_costs_page_offers_the_cape_declaration_of_the_entries_cape_phase_1_takes(ui, cape_db, downloads):
    at = ui.open(cape_db, "costs")
    table = [f for f in ui.frames(at) if "ieepa_duty_declared" in f.columns][0].set_index("entry_number")
    assert table["cape_declaration"].to_dict() == {
        "ABC-1234570-2": "A claim on record", "XYZ-7654322-8": "On the CAPE declaration",
        "XYZ-7654323-6": "Past CAPE phase 1", "DEF-7654329-1": "On the CAPE declaration"}
    assert ("CAPE phase 1 takes 2 of these entries, $130 of IEEPA duty not refunded yet: the declaration below "
            "lists their entry numbers as the CAPE tab of your ACE portal takes them. Once filed, upload *Claims to "
            "record* on the Data page (it is merged into duty_refunds): the next declaration then leaves these "
            "entries out. "
            "They were filed under 2 filer "
            "codes (DEF and XYZ): a broker's declaration may list only the entries it filed. Left out: 1 entry with "
            "a claim on record (CBP refuses an entry declared twice) and 1 entry liquidated longer ago than CAPE "
            "phase 1 takes (a protest while its window is open, else a later CAPE phase).") in ui.texts(at)
    # the upload, as the table orders the entries (the most not refunded first), in the CAPE template's one column
    assert downloads["cape_declaration.csv"] == b"Entry Number\r\nXYZ76543228\r\nDEF76543291\r\n"
    # beside it, the claims it files as duty_refunds rows, dated the day of the download
    today = date.today()
    assert downloads["cape_claims_to_record.csv"].decode("utf-8").splitlines()[1:] == [
        f"CAPE-{today:%Y%m%d}-XYZ76543228,XYZ-7654322-8,,ieepa,{today},100.00,,,CAPE declaration cape_declaration.csv",
        f"CAPE-{today:%Y%m%d}-DEF76543291,DEF-7654329-1,,ieepa,{today},30.00,,,CAPE declaration cape_declaration.csv"]
    button = [b for b in at.get("download_button") if b.proto.label == "Claims to record"][0]
    assert "upload this file on the Data page as it is (it is merged into duty_refunds)" in button.proto.help


@pytest.fixture(scope="module")
def split_db(tmp_path_factory, built):
    """H3 and H4 on one entry of 2025-06-02 whose summary declares 225.00 of IEEPA duty (the tables compute 240.00 +
    60.00 = 300.00 on them: 30% of 1,000.00), H2 on the ES-003 fixture's entry of 2024 (none declared)."""
    folder = tiny_with_ieepa_entries(tmp_path_factory.mktemp("split") / "in", SPLIT_ENTRY_LINES, [], SPLIT_ENTRY)
    return built(folder, folder.parent / "w.duckdb")


def test_the_ieepa_tile_adds_up_what_the_entry_summaries_declare_where_imported(ui, split_db):
    at = ui.open(split_db, "costs")
    tile = [m for m in at.metric if m.label == "IEEPA duty on these entries"][0]
    assert tile.value == "$225"  # declared, not the tables' $300
    assert "The IEEPA duty above is the tariff tables' figure" not in ui.texts(at)
    assert tile.help.endswith("What your entry summaries declare for 2 of the 2 shipments with IEEPA duty ($225; the "
                              "tables compute $300 on these shipments), the tariff tables' figure for the rest. "
                              "marts.ieepa_duty_shipment.")
    # SKU A2 (both shipments): the same; SKU A1 (H2, whose entry declares none): no IEEPA duty, no tile
    at.radio(key="costs_scope").set_value("SKU").run()
    at.selectbox(key="costs_sku").set_value("A2").run()
    assert [m for m in at.metric if m.label == "IEEPA duty on these entries"][0].value == "$225"
    at.selectbox(key="costs_sku").set_value("A1").run()
    assert not [m for m in at.metric if m.label == "IEEPA duty on these entries"]


@pytest.fixture(scope="module")
def adcvd_db(tmp_path_factory, built):
    """The tiny portfolio with B1 a mattress from VN (A-552-827; its shipment H5) and A2 a candle from CN
    (A-570-504; H3 and H4): helpers.tiny_with_adcvd_products."""
    folder = tiny_with_adcvd_products(tmp_path_factory.mktemp("adcvd") / "in")
    return built(folder, folder.parent / "w.duckdb")


def test_costs_warns_of_products_under_an_adcvd_order_for_the_scope_chosen(ui, adcvd_db):
    import duckdb

    with duckdb.connect(str(adcvd_db), read_only=True) as con:
        goods = dict(con.execute("select sku, sum(goods_value) from marts.landed_cost_shipment "
                                 "group by sku").fetchall())
    at = ui.open(adcvd_db, "costs")
    warning = [w.value for w in at.warning if "antidumping" in w.value]
    # the most goods first: B1 2,000.00, A2 1,000.00; every value and amount escaped (two $ would start a formula)
    assert (goods["B1"], goods["A2"]) == (2_000, 1_000)
    assert warning == ["2 products fall under an antidumping or countervailing duty order: SKU B1 (mattresses from VN, "
                       "A\\-552\\-827: 1 shipment, \\$2\\,000 of goods) and SKU A2 (petroleum wax candles from CN, "
                       "A\\-570\\-504: 2 shipments, \\$1\\,000 of goods). The cash deposit, set per producer and "
                       "exporter, is in their landed cost only where your broker's entry summary declares it. Ask "
                       "your broker for the rate, or, when the goods are "
                       "outside the order's written scope (its HTS numbers are for convenience; "
                       "reference.adcvd_orders), mark the warning reviewed on the Data page with why."]
    # one supplier's scope: S1 has the candle only
    at.radio(key="costs_scope").set_value("Supplier").run()
    at.selectbox(key="costs_supplier").set_value("S1").run()
    warning = [w.value for w in at.warning if "antidumping" in w.value]
    assert len(warning) == 1 and warning[0].startswith("1 product falls under an antidumping or countervailing duty "
                                                       "order: SKU A2 (petroleum wax candles from CN, A\\-570\\-504: "
                                                       "2 shipments")


def test_costs_says_the_deposits_the_broker_declared_are_in_landed_cost_and_warns_of_the_rest(ui, tmp_path, built):
    """helpers.tiny_with_adcvd_deposit: B1's one shipment has its AD deposit, 2,898.40, declared on its entry summary:
    B1 leaves the warning (A2's candle stays) and the page says the deposit is in landed cost."""
    folder = tiny_with_adcvd_deposit(tmp_path / "in")
    at = ui.open(built(folder, tmp_path / "w.duckdb"), "costs")
    warning = [w.value for w in at.warning if "antidumping" in w.value]
    assert len(warning) == 1 and warning[0].startswith("1 product falls under an antidumping or countervailing duty "
                                                       "order: SKU A2 (petroleum wax candles")
    assert [i.value for i in at.info if "AD/CVD" in i.value] == [
        "Your broker's entry summaries declare AD/CVD cash deposits of \\$2\\,898 on 1 shipment of 1 product under an "
        "order: in their landed cost, with the duty. A deposit is an estimate: CBP sets the duty owed when it "
        "liquidates the entry, after Commerce's review, and refunds or bills the difference."]
    # the breakdown's caption and the quote's say the deposit is inside the landed duty, in no quote
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert any(c.endswith("; its duty includes $2,898 of AD/CVD cash deposits.") for c in captions)
    assert any(c.endswith("The landed duty includes $2,898 of AD/CVD cash deposits your broker declared; the quote "
                          "planned none: no earlier entry of the same SKU declared one (the duty tables have no "
                          "deposit rates).") for c in captions)
    # the entry summary's deposit beside its duty in the table of entries (not in the duty check)
    table = [f for f in ui.frames(at) if "duty_summary" in f.columns][0].set_index("entry_number")
    assert table.loc["ABC-0000005-5", ["duty_summary", "adcvd_summary"]].tolist() == [60.00, 2_898.40]
    assert "adcvd_summary" in [list(d.proto.column_order) for d in at.dataframe if "duty_summary" in d.value.columns][0]


def test_the_supplier_page_warns_of_its_own_products_under_an_adcvd_order(ui, adcvd_db):
    """S1's page names its candle A2 (A-570-504), the same words as the Costs page for S1; S2's names its mattress B1
    (A-552-827) and not S1's candle."""
    s1 = [w.value for w in ui.open(adcvd_db, "supplier", query={"supplier": "S1"}).warning if "antidumping" in w.value]
    s2 = [w.value for w in ui.open(adcvd_db, "supplier", query={"supplier": "S2"}).warning if "antidumping" in w.value]
    assert len(s1) == 1 and s1[0].startswith("1 product falls under an antidumping or countervailing duty order: SKU "
                                             "A2 (petroleum wax candles from CN, A\\-570\\-504: 2 shipments, "
                                             "\\$1\\,000 of goods). The cash deposit")
    assert len(s2) == 1 and s2[0].startswith("1 product falls under an antidumping or countervailing duty order: SKU "
                                             "B1 (mattresses from VN, A\\-552\\-827: 1 shipment")
    assert "A2" not in s2[0]


def test_a_product_marked_outside_the_order_s_scope_leaves_the_costs_warning(ui, tmp_path_factory, built):
    """The candle A2 marked reviewed on the Data page (soy wax: outside the petroleum wax order): the Costs warning
    names the mattress B1 only and counts the reviewed one."""
    folder = tiny_with_adcvd_products(tmp_path_factory.mktemp("adcvd_reviewed") / "in")
    (folder / "reviewed_warnings.csv").write_text(
        "check_name,problem,reviewed_on,reviewed_by,note\n"
        'landed_cost_adcvd_orders,"SKU A2 (HS 3406.00.0000, made in CN) falls under the AD/CVD order A-570-504 on '
        "petroleum wax candles from CN (from 1986-08-26): the cash deposit, set per producer and exporter, is not in "
        'its landed cost",2026-12-01,Ana,soy wax: outside the scope\n', encoding="utf-8")
    at = ui.open(built(folder, folder.parent / "w.duckdb"), "costs")
    warning = [w.value for w in at.warning if "antidumping" in w.value]
    assert len(warning) == 1 and warning[0].startswith("1 product falls under an antidumping or countervailing duty "
                                                       "order: SKU B1 (mattresses from VN")
    assert warning[0].endswith("1 product more is marked reviewed on the Data page (outside the scope: the note says "
                               "why).")


def test_costs_warns_of_a_product_whose_code_is_shorter_than_rows_the_duty_table_prices_apart(ui, tmp_path, built):
    """As of 2026-03-01, A1 a power bank from CN given 8507.60.00 (the table prices 8507.60.0010 and 8507.60.0020
    apart): the Costs page says its duty may be wrong in the check's words; scoped to S2 (the pan), nothing."""
    from datetime import date

    from helpers import tiny_with_products
    from pipelines.build import build

    folder = tiny_with_products(tmp_path / "in", ("A1,Oak bedside lamp,home_lighting,S1,9405.42.8440,CN",
                                                  "A1,Power bank,electronics,S1,8507.60.00,CN"))
    build(folder, tmp_path / "w.duckdb", as_of=date(2026, 3, 1), log=lambda _: None)
    at = ui.open(tmp_path / "w.duckdb", "costs")
    said = [w.value.replace("\\", "") for w in at.warning if "10\\-digit" in w.value]
    assert said == ["Check the HS code of 1 product: SKU A1 (HS 8507.60.00, made in CN): the duty table prices lines "
                    "under that code apart (section 301 on 8507.60.0010, section 301 on 8507.60.0020), so its duty, "
                    "costed with the rows of 8507.60.00, may be wrong: give the product its 10-digit code."]
    at.radio(key="costs_scope").set_value("Supplier").run()
    at.selectbox(key="costs_supplier").set_value("S2").run()
    assert not [w for w in at.warning if "10\\-digit" in w.value]
