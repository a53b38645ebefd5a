"""Costs page: the duty check against the tariff tables, the estimated-rates warning and the unverified rows."""

from __future__ import annotations

from pathlib import Path

import pytest



def test_costs_page_shows_the_duty_check_of_the_tiny_portfolio(ui, tiny_db):
    # Tiny shipments: H5 (P4) paid 60.00 against 540.00 computed -> underpaid by 480.00; H1-H4 have no duty_paid.
    at = ui.open(tiny_db, "costs")
    shown = ui.metrics(at)
    assert (shown["Match"], shown["Underpaid"], shown["Overpaid"], shown["No paid figure"]) == ("0", "1", "0", "4")
    assert shown["Net mismatch"] == "-$480"
    assert not at.warning  # every tiny entry is in 2024, well inside the verified-through dates


@pytest.fixture(scope="module")
def late_db(tmp_path_factory, built) -> Path:
    """The tiny portfolio with P1's shipment entered in August 2026, after the tariff table's verified-through."""
    import shutil

    from helpers import TINY

    folder = tmp_path_factory.mktemp("late") / "input"
    shutil.copytree(TINY, folder)
    ships = folder / "shipments.csv"
    ships.write_text(ships.read_text().replace("H1,P1,sea,2024-02-03,2024-03-08,2024-03-10",
                                               "H1,P1,sea,2026-07-01,2026-08-10,2026-08-12"))
    db = tmp_path_factory.mktemp("late_wh") / "late.duckdb"
    built(folder, db)
    return db


def test_costs_page_warns_about_shipments_costed_after_verified_through(ui, late_db):
    # H1 entered 2026-08-10 (eta_on), after duty_rates' 2026-07-23: 1 of 5 shipments estimated; it has no duty_paid,
    # so its landed cost is an estimate.
    at = ui.open(late_db, "costs")
    warning = " ".join(str(w.value) for w in at.warning)
    # one shipment: the words in the singular ("1 of 5 shipments were … 1 of them have" before)
    assert "1 of 5 shipments was entered after the date the tariff and fee tables are verified through " \
           "(duty rates 2026-07-23, MPF 2026-09-30): its computed duty" in warning
    assert "are estimated. It has no paid figure, so its landed cost is an estimate." in warning


def test_costs_page_lists_unverified_duty_rows_in_use(ui, tiny_db, tiny_con):
    # 7323.93.00's Section 301 rows are marked unverified (List 3 not confirmed); B1 (steel pan) uses them on H5.
    at = ui.open(tiny_db, "costs")
    rows = [f for f in ui.frames(at) if "row_label" in f.columns]
    assert rows, "the unverified-rows table is not shown"
    table = rows[0].set_index("row_label")
    assert table.loc["section_301 7323.93.00 CN 9903.88.03", "shipment_count"] == 1
    assert "List 3 assignment of 7323.93.00 not confirmed" in table.loc["section_301 7323.93.00 CN 9903.88.03", "notes"]
    # in words on screen: the duty's name, the HS code and the origin, never the row's code "section_301 … CN"
    assert table.loc["section_301 7323.93.00 CN 9903.88.03", ["duty_type", "hs_code", "origin_country"]].tolist() == \
        ["Section 301", "7323.93.00", "CN"]
    assert set(table["origin_country"]) <= {"CN", "Any"}


def test_unverified_rows_of_one_duty_and_origin_are_told_apart_by_their_chapter_99_number(ui, demo_db):
    """The in-transit forced-labor row (9903.05.85) and the seven claimed exemptions (9903.05.86-.92) are all
    section_301_forced_labor on any HS code from any origin: the demo's 12 shipments loaded before 2026-07-24 use only
    the first, and the table says only its notes (before, the eight rows' notes were joined into one 1,134 px row)."""
    at = ui.open(demo_db, "costs")
    table = next(f for f in ui.frames(at) if "row_label" in f.columns).set_index("row_label")
    row = table.loc["section_301_forced_labor * * 9903.05.85"]
    assert row["shipment_count"] == 12 and row["ch99_heading"] == "9903.05.85"
    assert row["notes"].startswith("Goods loaded before 2026-07-24 and entered before 2026-07-28 pay none.")
    assert "products.duty_claims" not in row["notes"]


def test_the_demos_many_estimated_shipments_are_said_in_the_plural(ui, demo_db, demo_con):
    late, unpaid, total = demo_con.execute(
        "select count(*) filter (where rates_estimated), count(*) filter (where is_estimated), count(*) "
        "from marts.landed_cost_shipment").fetchone()
    assert late > 1 and unpaid > 1
    warning = " ".join(str(w.value) for w in ui.open(demo_db, "costs").warning)
    assert f"{late:,} of {total:,} shipments were entered after the date the tariff and fee tables are verified " \
           "through (duty rates 2026-07-23, MPF 2026-09-30): their computed duty" in warning
    assert f"{unpaid:,} of them have no paid figure, so their landed cost is an estimate." in warning
