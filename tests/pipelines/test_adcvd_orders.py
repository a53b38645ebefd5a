"""The data check landed_cost_adcvd_orders: a product whose HS code and origin fall under an AD/CVD order
(reference.adcvd_orders) is warned of, since the cash deposit is in landed cost only where the broker's entry summary
declares it."""

from __future__ import annotations

import duckdb

from helpers import TINY, quiet, tiny_with_adcvd_deposit, tiny_with_adcvd_products, tiny_with_products, warned_rows
from pipelines.build import build


def test_products_under_an_order_are_warned_with_their_cases_and_shipments(tmp_path):
    """B1 made a mattress from VN (9404.21.0010: A-552-827 from 2021-05-14; one shipment, H5 of 2024), A2 a paraffin
    candle from CN (3406.00.0000: A-570-504 from 1986; P3's two shipments, H3 and H4), A1 stays a lamp. The tiny
    portfolio as given (lamps and a pan) trips nothing."""
    clean = build(TINY, tmp_path / "clean.duckdb", log=quiet)
    assert "landed_cost_adcvd_orders" not in {w[0] for w in clean.warnings}
    folder = tiny_with_adcvd_products(tmp_path / "in")
    report = build(folder, tmp_path / "w.duckdb", log=quiet)
    _, count, _ = next(w for w in report.warnings if w[0] == "landed_cost_adcvd_orders")
    assert count == 2
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        shipments = dict(con.execute("select sku, count(*) from marts.landed_cost_shipment group by sku").fetchall())
        rows = warned_rows(con, "landed_cost_adcvd_orders")
    # no count in the words: a review (matched on them) outlives the next shipment
    assert rows == [
        ("A2 A-570-504", "SKU A2 (HS 3406.00.0000, made in CN) falls under the AD/CVD order A-570-504 on petroleum "
                         "wax candles from CN (from 1986-08-26): the cash deposit, set per producer and exporter, is "
                         "not in its landed cost"),
        ("B1 A-552-827", "SKU B1 (HS 9404.21.0010, made in VN) falls under the AD/CVD order A-552-827 on mattresses "
                         "from VN (from 2021-05-14): the cash deposit, set per producer and exporter, is not in its "
                         "landed cost")]
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        exposure = con.execute("select sku, cases, shipment_count, goods_value::double, in_force, row_key "
                               "from marts.adcvd_exposure order by sku").fetchall()
    # every shipment of each, all after its order: A2's H3 and H4, B1's H5
    assert (shipments["A2"], shipments["B1"]) == (2, 1)
    assert exposure == [("A2", "A-570-504", 2, 1_000.00, True, "A2 A-570-504"),
                        ("B1", "A-552-827", 1, 2_000.00, True, "B1 A-552-827")]


def test_every_order_row_is_sourced_dated_and_lists_hts_numbers():
    """reference.adcvd_orders: one row per case, each with its country, at least one HTS number of 8 or 10 digits (or
    6, a subheading the scope takes whole: ceramic tile), a start date and a source; an AD and a CVD order on the
    same goods are two rows (wooden cabinets)."""
    import csv

    from pipelines.macros import REFERENCE_DIR

    with (REFERENCE_DIR / "adcvd_orders.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    cases = [r["case_number"] for r in rows]
    assert len(cases) == len(set(cases))
    assert {"A-570-504", "A-570-092", "A-552-827", "A-570-106", "C-570-107", "A-570-890"} <= set(cases)
    for r in rows:
        digits = ["".join(ch for ch in code if ch.isdigit()) for code in r["hs_codes"].split()]
        assert digits and all(len(d) in (6, 8, 10) for d in digits), r["case_number"]
        assert r["origin_country"].isalpha() and len(r["origin_country"]) == 2
        assert r["effective_from"] and r["source"] and r["status"] in ("verified", "unverified")


def test_boltless_steel_shelving_from_china_is_under_both_orders_and_bolted_racks_are_not(tmp_path):
    """A1 made a boltless shelving unit from CN (9403.20.0075, the current line of shelving prepackaged for sale:
    A-570-018 and C-570-019 from 2015-10-21, one row with both cases), A2 a bolted steel rack (9403.20.0082: outside
    the scope, no warning), B1 the same shelving made in VN (the Chinese orders do not reach it)."""
    import datetime as dt

    exposure, shipments = _exposure(tmp_path, "A1,Boltless shelf,storage,S1,9403.20.0075,CN",
                                    "A2,Bolted steel rack,storage,S1,9403.20.0082,CN",
                                    "B1,Boltless shelf,storage,S2,9403.20.0075,VN")
    # every shipment of the tiny portfolio is after 2015
    assert exposure == [("A1", "A-570-018 and C-570-019", "boltless steel shelving", dt.date(2015, 10, 21), True,
                         "A1 A-570-018 and C-570-019", shipments)]
    assert shipments > 0


def test_tile_foil_pans_and_paper_bags_are_under_their_orders_by_origin(tmp_path):
    """A1 made a porcelain floor tile from CN (6907.21.9051, within subheading 6907.21 the tile orders take whole:
    A-570-108 and C-570-109 from 2020-06-01, both of its shipments after it), A2 a disposable foil pan from CN
    (7615.10.7125: A-570-170 and C-570-171 from 2025-05-08), B1 a paper gift bag with handles from VN (4819.40.0040:
    the AD order A-552-836 from 2024-07-18; no CVD order on Vietnam's bags). The tiny portfolio's shipments (to
    2024-06) are before the pan's and the bag's orders: listed, in force, with no shipment under them yet."""
    import datetime as dt

    exposure, a1_shipments = _exposure(tmp_path, "A1,Porcelain floor tile,home,S1,6907.21.9051,CN",
                                       "A2,Foil baking pan,kitchenware,S1,7615.10.7125,CN",
                                       "B1,Paper gift bag,packaging,S2,4819.40.0040,VN")
    assert exposure == [
        ("A1", "A-570-108 and C-570-109", "ceramic tile", dt.date(2020, 6, 1), True, "A1 A-570-108 and C-570-109",
         a1_shipments),
        ("A2", "A-570-170 and C-570-171", "disposable aluminum containers, pans, trays and lids", dt.date(2025, 5, 8),
         True, "A2 A-570-170 and C-570-171", 0),
        ("B1", "A-552-836", "paper shopping bags", dt.date(2024, 7, 18), True, "B1 A-552-836", 0)]
    assert a1_shipments > 0


def _exposure(tmp_path, a1: str, a2: str, b1: str) -> tuple[list[tuple], int]:
    """Build the tiny portfolio with A1 and A2 (S1's lamps) and B1 (S2's pan) made the products of the given
    products.csv lines: marts.adcvd_exposure's rows (sku, cases, order_product, order_from, in_force, row_key,
    shipment_count) and how many shipments A1 has."""
    folder = tiny_with_products(tmp_path / "in", ("A1,Oak bedside lamp,home_lighting,S1,9405.42.8440,CN", a1),
                                ("A2,Lamp shade,home_lighting,S1,9405.42.8440,CN", a2),
                                ("B1,Steel pan,kitchenware,S2,7323.93.0045,CN", b1))
    build(folder, tmp_path / "w.duckdb", log=quiet)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        exposure = con.execute("select sku, cases, order_product, order_from, in_force, row_key, shipment_count "
                               "from marts.adcvd_exposure order by sku").fetchall()
        shipments = con.execute("select count(*) from marts.landed_cost_shipment where sku = 'A1'").fetchone()[0]
    return exposure, shipments


def test_hs_under_order_matches_a_code_by_the_digits_of_any_number_the_order_names():
    """The macros hs_under_order and hs_may_be_under_order (pipelines/sql/macros.sql), the rules the mart and the
    What-if use: under, one of the order's numbers (dots and spaces aside) is a prefix of the product's digits; may
    be, also the other way round for a product code of 6 or 8 digits. A blank number, or a product without a code,
    matches nothing (a doubled space once made a blank number that every code started with)."""
    from pipelines.macros import create_macros

    con = duckdb.connect()
    create_macros(con, only=("order_hs_digits", "hs_under_order", "hs_code_holds", "hs_may_be_under_order"))
    cases = [("9404210010", "9404.21.0010 9404.29.1005", True), ("9404291005", "9404.21.0010 9404.29.1005", True),
             ("9405428440", "9404.21.0010", False), ("6907219051", "6907.21  6907.22", True),
             ("9405428440", "6907.21  6907.22", False), ("9405428440", "  ", False), (None, "9404.21", False)]
    got = [con.execute("select hs_under_order(?, ?)", [digits, codes]).fetchone()[0] for digits, codes, _ in cases]
    assert got == [want for _, _, want in cases]
    # may be under: also a code of 6 or 8 digits that one of the order's longer numbers starts with; never without a
    # code, nor a code merely sharing a heading with the order's numbers
    maybe = [("94042100", "9404.21.0010", True), ("940421", "9404.21.0010", True), ("9404210010", "9404.21", True),
             ("94042900", "9404.21.0010", False), ("", "9404.21.0010", False), (None, "9404.21.0010", False),
             ("9404", "9404.21.0010", False), ("94042100", "  ", False)]
    got = [con.execute("select hs_may_be_under_order(?, ?)", [d, c]).fetchone()[0] for d, c, _ in maybe]
    assert got == [want for _, _, want in maybe]


def test_a_product_code_less_specific_than_the_order_s_numbers_may_fall_under_it(tmp_path):
    """B1 a mattress from VN given only its 8-digit code, 9404.21.00, which holds the order's 9404.21.0010: flagged as
    one that may fall under A-552-827 (code_less_specific), in words that say why; A1 with the full 10-digit code
    falls under it plainly. A lamp of 9405.42.84 (8 digits, no order's number within it) is under none."""
    folder = tiny_with_products(
        tmp_path / "in",
        ("A1,Oak bedside lamp,home_lighting,S1,9405.42.8440,CN", "A1,Foam mattress,bedding,S1,9404.21.0010,VN"),
        ("A2,Lamp shade,home_lighting,S1,9405.42.8440,CN", "A2,Lamp shade,home_lighting,S1,9405.42.84,CN"),
        ("B1,Steel pan,kitchenware,S2,7323.93.0045,CN", "B1,Foam mattress,bedding,S2,9404.21.00,VN"))
    build(folder, tmp_path / "w.duckdb", log=quiet)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        exposure = con.execute("select sku, cases, code_less_specific from marts.adcvd_exposure order by sku").fetchall()
        problems = dict(warned_rows(con, "landed_cost_adcvd_orders"))
    assert exposure == [("A1", "A-552-827", False), ("B1", "A-552-827", True)]
    assert problems == {
        "A1 A-552-827": "SKU A1 (HS 9404.21.0010, made in VN) falls under the AD/CVD order A-552-827 on mattresses from "
                        "VN (from 2021-05-14): the cash deposit, set per producer and exporter, is not in its landed "
                        "cost",
        "B1 A-552-827": "SKU B1 (HS 9404.21.00, made in VN) may fall under the AD/CVD order A-552-827 on mattresses from "
                        "VN (from 2021-05-14): its HS code is less specific than the order's HTS numbers; if it does, "
                        "the cash deposit, set per producer and exporter, is not in its landed cost"}


def test_a_deposit_the_broker_declared_is_in_landed_cost_and_the_product_no_longer_warned(tmp_path):
    """helpers.tiny_with_adcvd_deposit: B1's one shipment under A-552-827, H5, has an entry summary declaring the AD
    deposit, 2,898.40 (144.92% of 2,000.00), beside 60.00 of MFN duty. H5's duty in landed cost: 60.00 + 2,898.40 =
    2,958.40 (the duty table has no row for 9404.21.0010, so there is nothing to check the 60.00 against). The mart
    counts the deposit; the check no longer names B1 (every shipment of it under the order has its deposit), A2's
    candle is still named."""
    folder = tiny_with_adcvd_deposit(tmp_path / "in")
    build(folder, tmp_path / "w.duckdb", log=quiet)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        h5 = con.execute("select duty_entry_summary::double, adcvd_entry_summary::double, duty::double, duty_source, "
                         "duty_status from marts.landed_cost_shipment where shipment_id = 'H5'").fetchone()
        po = con.execute("select adcvd_entry_summary::double, duty::double from marts.landed_cost_po "
                         "where po_id = 'P4'").fetchone()
        quoted = dict(con.execute("select po_id, expected_deposit_per_unit::double from marts.landed_cost_po "
                                  "where sku = 'B1'").fetchall())
        entry = con.execute("select duty_summary::double, adcvd_summary::double, adcvd_cases, duty_status "
                            "from marts.customs_entries where entry_number = 'ABC-0000005-5'").fetchone()
        exposure = con.execute("select sku, shipment_count, deposit_shipment_count, deposits_declared::double "
                               "from marts.adcvd_exposure order by sku").fetchall()
        warned = [key for key, _ in warned_rows(con, "landed_cost_adcvd_orders")]
    assert h5 == (60.00, 2_898.40, 2_958.40, "entry_summary", "not_computable")
    assert po == (2_898.40, 2_958.40)
    # the quote plans the deposit at the rate B1's entries declared before the order: none before P4 (2024-01-15);
    # P5 (2024-05-01, 11.00 a unit, not shipped: its price is its dutiable value) at 2,898.40 / 2,000.00 = 144.92%:
    # 15.9412 a unit
    assert quoted == {"P4": 0.0, "P5": 15.9412, "P6": 15.9412}
    assert entry == (60.00, 2_898.40, "A-552-827-000", "not_computable")
    assert exposure == [("A2", 2, 0, 0.0), ("B1", 1, 1, 2_898.40)]
    assert warned == ["A2 A-570-504"]


def test_goods_under_an_ad_and_a_cvd_order_are_counted_once(tmp_path):
    """A2 made a vanity cabinet from CN (9403.40.9060: A-570-106 and C-570-107, both from 2020): one row with both
    cases, its two shipments H3 and H4 and their goods, 1,000.00, once (they were joined one case at a time, and the
    goods of a product under both counted twice)."""
    folder = tiny_with_products(tmp_path / "in", ("A2,Lamp shade,home_lighting,S1,9405.42.8440,CN",
                                                  "A2,Vanity cabinet,furniture,S1,9403.40.9060,CN"))
    build(folder, tmp_path / "w.duckdb", log=quiet)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        exposure = con.execute("select sku, cases, shipment_count, goods_value::double, deposit_shipment_count "
                               "from marts.adcvd_exposure").fetchall()
        goods = con.execute("select sum(goods_value)::double from marts.landed_cost_shipment where sku = 'A2'"
                            ).fetchone()[0]
    assert goods == 1_000.00
    assert exposure == [("A2", "A-570-106 and C-570-107", 2, 1_000.00, 0)]
