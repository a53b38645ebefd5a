"""What-if page on the tiny warehouse, with a scenario worked by hand.

Tiny, as of 2024-06-21: supplier S1 sells A1 (lamp 9405.42.8440 from CN, latest PO P2 at 5.50 FOB) and A2 (lamp shade,
same code, P3 at 2.00). Stack on 2024-06-21: MFN 3.9% + Section 301 25%.
A1: 900 units sold in the year; lots P1 and P2 (2,000 units): freight 1,020.00, insurance 40.00, fees 300.00 (HMF
    13.13 of it), inspections 900.00 -> 0.51 + 0.02 + 0.15 + 0.45 per unit; duty 4,950 x 28.9% = 1,430.55 / 900 =
    1.5895 -> landed 5.50 + 0.51 + 0.02 + 1.5895 + 0.15 + 0.45 = 8.2195. With Section 301 +25 points: duty
    193.05 + 2,475.00 = 2,668.05 / 900 = 2.9645 -> landed 9.5945. Net price 36,000 / 900 = 40.00, marketplace fees
    9,000 / 900 = 10.00, S1's quality cost 377.25 / 1,200 units = 0.314375 -> margin 21.4661 before, 20.0911 after.
A2: 300 units; P3 500 units: freight 210.00, insurance 7.00, fees 120.00 -> 0.42 + 0.014 + 0.24; duty 600 x 28.9% =
    173.40 / 300 = 0.578 -> landed 3.252; after 600 x 53.9% = 23.40 + 300.00 = 323.40 / 300 = 1.078 -> 3.752.
Margin change over a year: -1.375 x 900 - 0.50 x 300 = -1,387.50.
"""

from __future__ import annotations

from datetime import date

import pytest


def test_whatif_section_301_plus_25_on_a_supplier(ui, tiny_db):
    at = ui.open(tiny_db, "whatif")
    at.radio(key="whatif_scope").set_value("Supplier").run()
    at.selectbox(key="whatif_supplier").set_value("S1").run()
    at.multiselect(key="whatif_presets").set_value(["Section 301 +25%"]).run()
    assert not at.exception
    table = [f for f in ui.frames(at) if "landed_after_pu" in f.columns][0].set_index("sku")
    # per-unit amounts to the cent, before → after, as the table shows them; the download keeps every decimal
    assert table.loc["A1", "landed"] == "$8.22 → $9.59" and table.loc["A2", "landed"] == "$3.25 → $3.75"
    assert table.loc["A1", "margin"] == "$21.47 → $20.09"
    assert table.loc["A1", "landed_before_pu"] == 8.2195 and table.loc["A1", "landed_after_pu"] == 9.5945
    assert table.loc["A1", "product"] == "Oak bedside lamp (A1)"
    assert table.loc["A1", "supplier_name"] == "Ningbo Alpha Store"
    grid = next(d for d in at.dataframe if "landed" in d.value.columns)
    assert list(grid.proto.column_order) == ["product", "landed", "margin", "margin_change_total"]  # one supplier
    assert ui.column_config(at, "margin_change_total")["type_config"] == {"type": "number", "format": "dollar",
                                                                          "step": 1}
    # a year in whole dollars, half away from zero: -1,237.50 reads -$1,238
    assert table.loc["A1", "margin_change_total"] == -1_238.0 and table.loc["A2", "margin_change_total"] == -150.00
    assert ui.metrics(at)["Margin change over a year"] == "-$1,388"
    assert "Tariff changes: section 301 +25 points." in ui.texts(at)
    # The download is the table shown.
    csv = at.get("download_button")[0]
    assert csv.proto.label == "Download CSV"


def test_whatif_offers_the_suppliers_largest_spend_first(ui, tiny_db, tiny_con):
    """The supplier list starts with the supplier whose change moves most money: spend (marts.supplier_kpis) largest
    first, shown beside the name; a supplier without spend after them, by name."""
    at = ui.open(tiny_db, "whatif")
    spend = dict(tiny_con.execute("select supplier_id, spend from marts.supplier_kpis where spend is not null")
                 .fetchall())
    names = dict(tiny_con.execute("select supplier_id, supplier_name from staging.suppliers").fetchall())
    box = at.selectbox(key="whatif_supplier")
    expected = sorted(names, key=lambda s: (-spend.get(s, 0), names[s], s))
    assert box.options == [f"{names[s]} ({s})" + (f" · ${spend[s]:,.0f} spend" if s in spend else "")
                           for s in expected]
    assert box.value == expected[0] and spend[expected[0]] == max(spend.values())
    assert len(spend) >= 2 and len(set(spend.values())) == len(spend)  # the order is the spend's, not a tie's


def test_whatif_needs_a_choice_of_skus(ui, tiny_db):
    at = ui.open(tiny_db, "whatif")
    at.radio(key="whatif_scope").set_value("SKUs").run()
    assert "Pick a supplier with purchase orders, or at least one SKU." in ui.texts(at)
    at.multiselect(key="whatif_skus").set_value(["B1"]).run()
    table = [f for f in ui.frames(at) if "landed_after_pu" in f.columns][0]
    assert list(table["sku"]) == ["B1"]
    # No change chosen: after equals before.
    assert (table["landed_after_pu"] == table["landed_before_pu"]).all()


def test_a_margin_without_a_selling_price_is_unknown_not_zero(ui, built, tmp_path):
    """The tiny portfolio with no sales and no retail price of A2 and B1: their margin is unknown (no selling price,
    whatif_baseline.sql). S1's tile is A1's
    margin alone, and says so; S2 sells nothing, so its margin tiles read '–', not $0.00 (USAID SCMS, which has no
    sales at all, showed 'Margin per unit $0.00' for every vendor)."""
    import shutil

    import pandas as pd

    from helpers import TINY

    folder = tmp_path / "input"
    shutil.copytree(TINY, folder)
    sales = pd.read_csv(folder / "sales.csv", dtype=str)
    sales[sales["sku"] == "A1"].to_csv(folder / "sales.csv", index=False)
    products = pd.read_csv(folder / "products.csv", dtype=str)
    products.loc[products["sku"] != "A1", "retail_price"] = None
    products.to_csv(folder / "products.csv", index=False)
    db = built(folder, tmp_path / "w.duckdb")
    at = ui.open(db, "whatif")
    at.radio(key="whatif_scope").set_value("Supplier").run()
    at.selectbox(key="whatif_supplier").set_value("S1").run()
    table = [f for f in ui.frames(at) if "landed_after_pu" in f.columns][0].set_index("sku")
    assert pd.isna(table.loc["A2", "margin_after_pu"]) and pd.notna(table.loc["A1", "margin_after_pu"])
    tile = next(m for m in at.metric if m.label == "Margin per unit")
    assert tile.value == f"${table.loc['A1', 'margin_after_pu']:,.2f}"  # over A1 alone
    assert tile.help.endswith("Unknown for 1 SKU of 2 (neither sales in the last 12 months nor a retail price): the "
                              "figure is over the others.")
    at.selectbox(key="whatif_supplier").set_value("S2").run()
    shown = ui.metrics(at)
    assert shown["Margin per unit"] == "–" and shown["Margin change over a year"] == "–"
    assert next(m for m in at.metric if m.label == "Margin per unit").help.endswith(
        "Unknown for every one of these SKUs (neither sales in the last 12 months nor a retail price).")
    assert shown["Landed cost per unit"] != "–"  # the landed cost is still known


def test_whatif_names_duty_types_and_transport_modes_in_words(ui, tiny_db):
    """The duty types a visitor may change and the transport modes read as the Costs page names them, not as codes."""
    at = ui.open(tiny_db, "whatif")
    assert at.selectbox(key="whatif_custom_type").options == [
        "(keep)", "General rate (MFN)", "Section 301", "Section 301 (forced labor)", "Section 122", "Section 232",
        "IEEPA reciprocal",
        "IEEPA fentanyl"]
    assert at.selectbox(key="whatif_mode").options == ["(keep)", "Sea", "Air", "Express", "Rail", "Truck"]
    # the scenario still reads the code behind the words: +25 points of Section 301 chosen by its name costs what the
    # preset "Section 301 +25%" costs (hand-computed in test_whatif_section_301_plus_25_on_a_supplier)
    before = ui.metrics(at)["Landed cost per unit"]
    at.selectbox(key="whatif_custom_type").set_value("section_301")
    at.number_input(key="whatif_custom_points").set_value(25.0).run()
    custom = ui.metrics(at)["Landed cost per unit"]
    preset = ui.open(tiny_db, "whatif")
    preset.multiselect(key="whatif_presets").set_value(["Section 301 +25%"]).run()
    assert custom == ui.metrics(preset)["Landed cost per unit"] != before


def test_whatif_after_the_tariff_table_is_verified_through_says_the_figures_are_estimates(ui, tiny_db):
    """A costing date after duty_rates' verified-through date (verified_through.csv) warns, in the Costs page's words:
    the rows as written for that date, not checked against official sources; on the analysis date, no warning."""
    from models import landed_cost as lc

    through = lc.verified_through()["duty_rates"]
    at = ui.open(tiny_db, "whatif")
    at.radio(key="whatif_scope").set_value("Supplier").run()
    at.selectbox(key="whatif_supplier").set_value("S1").run()
    assert not [w for w in at.warning if "verified through" in w.value]
    at.date_input(key="whatif_date").set_value(date(2026, 10, 1)).run()
    said = [w.value for w in at.warning if "verified through" in w.value]
    assert said == [f"The costing date is after the date the tariff table is verified through ({through:%Y-%m-%d}): "
                    "the stack is the table's rows as written for that date, not yet checked against official "
                    "sources, and the figures are estimates."]


def test_a_target_suppliers_return_costs_are_per_unit_sold_where_returns_are_recorded(tiny_dir, tmp_path, built):
    """S1 sells 800 more A1 on TikTok Shop, whose returns were never imported: its returns' refunds and fees and the
    unsellable returned unit at landed cost (129 + 22.25 + 26 = 177.25) stay over the 1,200 units sold where returns
    are recorded; its other quality costs (200, a rework) and a lot written off (100, Q3) are over all 2,000 units:
    0.147708 + 0.15 = 0.297708 per unit (0.238625 if the TikTok units diluted the returns too)."""
    import duckdb

    from dashboard import db
    from models import whatif

    with (tiny_dir / "sales.csv").open("a", encoding="utf-8") as handle:
        handle.write("A1,2024-05,tiktok_shop_us,800,24000,\n")
    with (tiny_dir / "quality_costs.csv").open("a", encoding="utf-8") as handle:
        handle.write("Q3,P2,,2024-05-20,write_off,100,water-damaged cartons scrapped\n")
    db_path = built(tiny_dir, tmp_path / "w.duckdb")
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = db.run_sql(con, "whatif_suppliers", window_days=whatif.WINDOW_DAYS).set_index("supplier_id")
    assert rows.loc["S1", "quality_cost_pu"] == pytest.approx(177.25 / 1200 + 300 / 2000)
    assert rows.loc["S1", "units_sold_12m"] == 2000
    assert rows.loc["S2", "quality_cost_pu"] == pytest.approx(150 / 150)   # a rework of 150 on its 150 units


def test_whatif_leaves_a_sku_of_unknown_duty_out_of_the_figures_and_says_so(ui, tmp_path, built):
    """A2 given a code the duty table has no rate for: its duty, landed cost and margin are unknown (never costed at
    0% duty), a warning says so above the figures, the tiles are over A1 alone and the Notes column says why."""
    import shutil

    import pandas as pd

    from helpers import TINY

    folder = tmp_path / "input"
    shutil.copytree(TINY, folder)
    products = pd.read_csv(folder / "products.csv", dtype=str)
    products.loc[products["sku"] == "A2", "hs_code"] = "9999.99.9999"
    products.to_csv(folder / "products.csv", index=False)
    at = ui.open(built(folder, tmp_path / "w.duckdb"), "whatif")
    at.radio(key="whatif_scope").set_value("Supplier").run()
    at.selectbox(key="whatif_supplier").set_value("S1").run()
    assert not at.exception
    assert [w.value for w in at.warning if w.value.startswith("Duty unknown")] == [
        "Duty unknown for 1 SKU of 2: duty_rates.csv has no rate for its HS code and origin (an MFN row, and for "
        "goods of China a Section 301 row, 0% when the code is on none of the lists), or the product has no HS code. "
        "Their landed cost and margin are left out of the figures below; the Notes column says which row is "
        "missing."]
    table = [f for f in ui.frames(at) if "landed_after_pu" in f.columns][0].set_index("sku")
    assert pd.isna(table.loc["A2", "landed_after_pu"]) and table.loc["A1", "landed_after_pu"] == 8.2195
    assert table.loc["A2", "notes"] == ("Duty unknown: no MFN and no section_301 row for its HS code from CN in "
                                        "duty_rates.csv (Section 301: 0% if the code is on none of its lists)")
    shown = ui.metrics(at)
    assert shown["Landed cost per unit"] == "$8.22"  # A1 alone
    assert next(m for m in at.metric if m.label == "Margin per unit").help.endswith(
        "Unknown for 1 SKU of 2 (their duty is unknown): the figure is over the others.")


def test_whatif_names_the_adcvd_orders_its_skus_are_under_and_those_a_move_would_enter_or_leave(ui, tmp_path, built):
    """S1's A1 made a mattress from CN (9404.21.0010: A-570-092) and A2 a paraffin candle from CN (3406.00.0000:
    A-570-504). Without a move, both are named as under their orders now; half their volume moved to Hanoi Gamma (S3,
    VN): the mattress would enter Vietnam's mattress order (A-552-827), the candle would leave its order (no order on
    Vietnam's candles). The deposit is in none of the figures. The tiny portfolio's lamps are under none: no warning."""
    from helpers import TINY, tiny_with_products

    plain = ui.open(built(TINY, tmp_path / "t.duckdb"), "whatif")
    assert not [w for w in plain.warning if "antidumping" in w.value]
    folder = tiny_with_products(
        tmp_path / "in",
        ("A1,Oak bedside lamp,home_lighting,S1,9405.42.8440,CN", "A1,Foam mattress,bedding,S1,9404.21.0010,CN"),
        ("A2,Lamp shade,home_lighting,S1,9405.42.8440,CN", "A2,Paraffin candle,home,S1,3406.00.0000,CN"))
    at = ui.open(built(folder, tmp_path / "w.duckdb"), "whatif")
    at.radio(key="whatif_scope").set_value("Supplier").run()
    at.selectbox(key="whatif_supplier").set_value("S1").run()
    assert not at.exception

    def said() -> list[str]:
        return [w.value.replace("\\", "") for w in at.warning if "antidumping" in w.value]

    deposit = " The cash deposit, set per producer and exporter, is in none of these figures, before or after: ask " \
              "your broker for the rate."
    now = ("2 SKUs fall under an antidumping or countervailing duty order now: SKU A1 (mattresses from CN, "
           "A-570-092) and SKU A2 (petroleum wax candles from CN, A-570-504).")
    assert said() == [now + deposit]
    target = at.selectbox(key="whatif_target")
    assert "Hanoi Gamma (S3) · VN" in target.options   # the country beside the name: its stack and its orders
    target.set_value("S3").run()
    assert said() == [now + deposit]   # a target chosen, nothing moved yet
    at.slider(key="whatif_share").set_value(50).run()
    assert said() == [now + " Moved to Hanoi Gamma (VN): SKU A1 would enter under A-552-827 (mattresses from VN) and "
                            "SKU A2 would leave A-570-504." + deposit]


def test_whatif_says_when_a_sku_s_code_is_shorter_than_rows_the_duty_table_prices_apart(ui, tmp_path):
    """As of 2026-03-01, S1's A1 a power bank from CN given 8507.60.00 (the table prices 8507.60.0010 and
    8507.60.0020 apart): the What-if on S1 says to check its code, in the data check's words; on S2, nothing."""
    from helpers import tiny_with_products
    from pipelines.build import build

    folder = tiny_with_products(tmp_path / "in", ("A1,Oak bedside lamp,home_lighting,S1,9405.42.8440,CN",
                                                  "A1,Power bank,electronics,S1,8507.60.00,CN"))
    build(folder, tmp_path / "w.duckdb", as_of=date(2026, 3, 1), log=lambda _: None)
    at = ui.open(tmp_path / "w.duckdb", "whatif")
    at.radio(key="whatif_scope").set_value("Supplier").run()
    at.selectbox(key="whatif_supplier").set_value("S1").run()
    said = [w.value.replace("\\", "") for w in at.warning if w.value.startswith("Check the HS code")]
    assert said == ["Check the HS code of 1 product: SKU A1 (HS 8507.60.00, made in CN): the duty table prices lines "
                    "under that code apart (section 301 on 8507.60.0010, section 301 on 8507.60.0020), so its duty, "
                    "costed with the rows of 8507.60.00, may be wrong: give the product its 10-digit code."]
    at.selectbox(key="whatif_supplier").set_value("S2").run()
    assert not [w for w in at.warning if w.value.startswith("Check the HS code")]
