"""The landed-cost step equals the row-wise computation it replaced (a frozen copy in
tests/reference/landed_cost_rowwise.py), table by table, column by column, to the cent.

Compared: the six tables the step writes and the SQL marts built on them (landed cost per SKU and supplier-month,
margin leakage), on the demo warehouse and on a hand-made portfolio of edge cases: blank fees, entry-summary
overrides, entries spanning a rate change (the end of the IEEPA duties and the start of Section 122 on
2026-02-23/24, the MPF fiscal year on 2025-10-01, the fentanyl increase on 2025-03-04), allocation remainders
(MPF, entry-summary duty, refunds and quality costs split over lines by weights that leave cents over), a DDP
order, a CIF invoice with freight and insurance in the price, a product without an HS code, an assist, a refund
on an unknown entry and an order without shipments.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from helpers import TINY
from pipelines.build import order_models, python_models, sql_models
from pipelines.frames import write_frame
from pipelines.steps import landed_cost
from reference import landed_cost_rowwise as rowwise

STEP_TABLES = tuple(landed_cost.OUTPUTS)
# Column types the step declared after the reference was frozen (the values are the same; the reference, as the step
# then, stored them as text): applied to the reference's output before comparing.
DECLARED_AFTER_FREEZE = {"expected_logistics_per_unit": "decimal(18, 6)"}


def _downstream_sql() -> list:
    """The SQL marts that read the step's tables, directly or through one another, in build order."""
    models = order_models(sql_models() + python_models())
    reached, out = set(STEP_TABLES), []
    for model in models:
        if model.kind == "sql" and model.inputs & reached:
            reached.add(model.name)
            out.append(model)
    return out


def _described(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"describe {table}").fetchall()]


def _snapshot(con: duckdb.DuckDBPyConnection, tables) -> None:
    con.execute("create schema if not exists built")
    for table in tables:
        con.execute(f"create table built.{table.split('.')[1]} as select * from {table}")


def assert_parity(db: Path, tmp_path: Path) -> dict[str, int]:
    """Recompute the landed-cost tables of a built warehouse with the reference and compare every column of every
    row (and each table's column names and types). Returns the row count per table compared."""
    copy = tmp_path / "parity.duckdb"
    shutil.copy(db, copy)
    con = duckdb.connect(str(copy))
    try:
        downstream = _downstream_sql()
        tables = [*STEP_TABLES, *(m.name for m in downstream)]
        _snapshot(con, tables)
        for table, (frame, types) in rowwise.outputs(con).items():
            types = {c: DECLARED_AFTER_FREEZE.get(c, t) for c, t in types.items()}
            write_frame(con, table, frame, types=types)
        for model in downstream:
            con.execute(f"create or replace table {model.name} as\n{model.sql}")
        counts = {}
        for table in tables:
            built = f"built.{table.split('.')[1]}"
            assert _described(con, built) == _described(con, table), table
            n_built, n_ref = (con.execute(f"select count(*) from {t}").fetchone()[0] for t in (built, table))
            assert n_built == n_ref, (table, n_built, n_ref)
            for a, b in ((built, table), (table, built)):
                extra = con.execute(f"select * from {a} except all select * from {b}").df()
                assert extra.empty, f"{table}: rows in {a} and not in {b}:\n{extra.head(5).T}"
            counts[table] = n_built
        return counts
    finally:
        con.close()


def test_demo_landed_cost_equals_the_rowwise_reference(demo_db, tmp_path):
    counts = assert_parity(demo_db, tmp_path)
    assert {"marts.landed_cost_sku", "marts.margin_leakage"} <= set(counts)
    # The demo has rows in every table the step writes but unallocated_costs (the edge cases below have some).
    assert all(counts[t] > 0 for t in STEP_TABLES if t != "marts.unallocated_costs"), counts


def _append(path: Path, rows: list[dict]) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False) if path.exists() else pd.DataFrame()
    pd.concat([frame, pd.DataFrame(rows, dtype=str)], ignore_index=True).fillna("").to_csv(path, index=False)


def edge_case_portfolio(folder: Path) -> Path:
    """The tiny portfolio plus hand-made orders that reach every branch of the landed-cost rules (see the module
    docstring); blank cells are left blank in the files, as a real export leaves them."""
    shutil.copytree(TINY, folder)
    _append(folder / "products.csv", [
        {"sku": "C1", "product_name": "Gift set", "category": "home_lighting", "supplier_id": "S1", "hs_code": "",
         "origin_country": "CN", "retail_price": "25"},
        {"sku": "D1", "product_name": "Bolt kit", "category": "kitchenware", "supplier_id": "S2",
         "hs_code": "7323.93.0045", "origin_country": "CN", "retail_price": "9", "unit_weight_kg": "0.3",
         "unit_volume_m3": "0.001", "steel_content_pct": "60"},
    ])
    po = {"currency": "USD", "incoterm": "FOB", "promised_ship_on": "2026-06-01", "sample_approved_on": "",
          "pi_entity_name": "", "payment_channel": "wire"}
    _append(folder / "purchase_orders.csv", [
        {**po, "po_id": "P10", "supplier_id": "S1", "sku": "A1", "ordered_on": "2026-01-10", "quantity": "3000",
         "unit_price": "3.33"},
        {**po, "po_id": "P11", "supplier_id": "S2", "sku": "B1", "ordered_on": "2025-08-01", "quantity": "777",
         "unit_price": "7.77", "incoterm": "CIF"},
        {**po, "po_id": "P12", "supplier_id": "S1", "sku": "A2", "ordered_on": "2025-02-01", "quantity": "500",
         "unit_price": "2.01", "incoterm": "DDP"},
        {**po, "po_id": "P13", "supplier_id": "S1", "sku": "C1", "ordered_on": "2025-05-01", "quantity": "120",
         "unit_price": "4.10"},
        {**po, "po_id": "P14", "supplier_id": "S2", "sku": "D1", "ordered_on": "2025-05-02", "quantity": "999",
         "unit_price": "0.37"},
        {**po, "po_id": "P15", "supplier_id": "S1", "sku": "A1", "ordered_on": "2026-05-01", "quantity": "100",
         "unit_price": "3.40"},
    ])
    ship = {"mode": "sea", "freight_cost": "", "insurance_cost": "", "duty_paid": "", "other_fees": "",
            "customs_hold_days": "", "doc_errors": ""}
    _append(folder / "shipments.csv", [
        # One entry (E-100) over two shipments arriving either side of 2026-02-24, dated by its entry summary.
        {**ship, "shipment_id": "H10", "po_id": "P10", "shipped_on": "2026-02-10", "eta_on": "2026-02-20",
         "delivered_on": "2026-02-26", "quantity": "1000", "entry_number": "E-100", "freight_cost": "333.33"},
        {**ship, "shipment_id": "H11", "po_id": "P10", "shipped_on": "2026-02-18", "eta_on": "2026-02-27",
         "delivered_on": "2026-03-03", "quantity": "1001", "entry_number": "e100", "freight_cost": "333.34"},
        # Its own entry, loaded before Section 122 and entered after its in-transit window; fee paid.
        {**ship, "shipment_id": "H12", "po_id": "P10", "shipped_on": "2026-02-20", "eta_on": "2026-03-01",
         "delivered_on": "2026-03-04", "quantity": "999", "other_fees": "41.07"},
        # CIF: freight and insurance inside the price; one entry across the MPF fiscal year (FY2025 -> FY2026).
        {**ship, "shipment_id": "H13", "po_id": "P11", "shipped_on": "2025-09-01", "eta_on": "2025-09-28",
         "delivered_on": "2025-10-02", "quantity": "400", "entry_number": "E-200", "entry_on": "2025-09-30",
         "invoice_freight": "51.49", "invoice_insurance": "6.17"},
        {**ship, "shipment_id": "H14", "po_id": "P11", "shipped_on": "2025-09-03", "eta_on": "2025-10-02",
         "delivered_on": "2025-10-05", "quantity": "377", "entry_number": "E-200", "entry_on": "2025-10-01",
         "invoice_freight": "48.52", "invoice_insurance": "6.17"},
        # DDP across the fentanyl increase (arrives 2025-03-05): duty in the price.
        {**ship, "shipment_id": "H15", "po_id": "P12", "mode": "air", "shipped_on": "2025-03-01",
         "eta_on": "2025-03-05", "delivered_on": "2025-03-07", "quantity": "500"},
        # No HS code: duty unknown; fee blank.
        {**ship, "shipment_id": "H16", "po_id": "P13", "mode": "", "shipped_on": "2025-05-20",
         "delivered_on": "2025-06-20", "quantity": "120", "duty_paid": "19.99"},
        # Steel content; paid duty; delivered late, no eta.
        {**ship, "shipment_id": "H17", "po_id": "P14", "mode": "air", "shipped_on": "2025-06-01",
         "delivered_on": "2025-06-09", "quantity": "999", "duty_paid": "100.00", "entry_on": "2025-06-08",
         "entry_number": "E-300"},
    ])
    (folder / "entry_summary_lines.csv").write_text(
        "entry_number,line_number,hts_code,entry_type,entry_on,origin_country,description,entered_value,rate,duty,"
        "mpf,hmf,adcvd_cases,ad_duty,cvd_duty\n"
        "E-100,1,9405.42.8440,01,2026-02-21,CN,lamps,6663.33,3.9%,1234.57,33.58,,A-570-999-000,1000.01,\n"
        "E-100,1,9903.88.03,01,2026-02-21,CN,,,25%,,,,,,\n"
        "E-200,1,7323.93.0045,01,2025-09-30,CN,pans,5925.19,2%,,20.53,7.41,C-570-998-000,,12.35\n"
        "E-999,1,9405.42.8440,11,2026-04-01,CN,not on a shipment,100.00,3.9%,3.90,2.69,,,,\n",
        encoding="utf-8")
    (folder / "duty_refunds.csv").write_text(
        "refund_id,entry_number,shipment_id,program,claimed_on,amount_claimed,received_on,amount_received,note\n"
        "F1,E-100,,ieepa,2026-05-01,100.01,2026-06-01,100.01,\n"
        "F2,,H15,ieepa,2026-05-01,12.34,,,\n"
        "F3,E-404,,ieepa,2026-05-01,50.00,,,unknown entry\n",
        encoding="utf-8")
    (folder / "assists.csv").write_text(
        "assist_id,sku,supplier_id,kind,description,cost,provided_on,units_declared\n"
        "AS1,A1,S1,mould,lamp base mould,1000.00,2026-01-01,1500\n",
        encoding="utf-8")
    _append(folder / "sales.csv", [
        {"sku": "A1", "month": "2026-03", "channel": "amazon_us", "units_sold": "10", "gross_revenue": "1000",
         "marketplace_fees": "150"},
        {"sku": "A2", "month": "2026-03", "channel": "amazon_us", "units_sold": "20", "gross_revenue": "2000",
         "marketplace_fees": "300"},
    ])
    _append(folder / "quality_costs.csv", [
        {"cost_id": "Q10", "po_id": "", "supplier_id": "S1", "incurred_on": "2026-03-15", "kind": "rework",
         "amount": "100.00", "note": "split over A1 and A2 by sales: 33.33 / 66.67"},
        {"cost_id": "Q11", "po_id": "", "supplier_id": "S2", "incurred_on": "2026-03-15", "kind": "sorting",
         "amount": "10.00", "note": "no sales that month: unallocated"},
        {"cost_id": "Q12", "po_id": "P10", "supplier_id": "", "incurred_on": "2026-03-20", "kind": "relabel",
         "amount": "12.34", "note": ""},
    ])
    return folder


@pytest.fixture(scope="module")
def edge_db(tmp_path_factory, built) -> Path:
    root = tmp_path_factory.mktemp("edge")
    return built(edge_case_portfolio(root / "input"), root / "edge.duckdb")


def test_edge_cases_equal_the_rowwise_reference(edge_db, tmp_path):
    counts = assert_parity(edge_db, tmp_path)
    assert all(counts[t] > 0 for t in STEP_TABLES), counts


def test_the_edge_cases_reach_the_branches_they_are_for(edge_db):
    """The portfolio above exercises what it claims (else the parity test would compare nothing there)."""
    con = duckdb.connect(str(edge_db), read_only=True)
    try:
        ship = con.execute("select * from marts.landed_cost_shipment").df().set_index("shipment_id")
        unalloc = con.execute("select source_id from marts.unallocated_costs").df()["source_id"].tolist()
        quality = con.execute("select sku, amount from marts.margin_leakage_quality_costs where kind = 'rework' "
                              "and month = date '2026-03-01'").df()
        f1 = con.execute("select shipment_id, amount_received::double from marts.duty_refunds "
                         "where refund_id = 'F1' order by shipment_id").fetchall()
        planned = dict(con.execute("select po_id, expected_deposit_per_unit from marts.landed_cost_po").fetchall())
    finally:
        con.close()
    # Blank other_fees stays blank (NULL), so the fee is computed; a given one is paid.
    assert pd.isna(ship.loc["H10", "fees_paid"]) and ship.loc["H10", "fees_source"] == "entry_summary"
    assert ship.loc["H12", "fees_source"] == "paid" and float(ship.loc["H12", "fees"]) == 41.07
    assert ship.loc["H13", "fees_source"] == "entry_summary" and ship.loc["H16", "fees_source"] == "computed"
    # E-100 / e100 are one entry, dated by its entry summary (2026-02-21, under the IEEPA duties) though H11
    # arrived after they ended; the broker's duty is split over both shipments to the cent.
    assert ship.loc["H10", "entry_ref"] == ship.loc["H11", "entry_ref"] == "E100"
    assert str(ship.loc["H11", "entry_on"])[:10] == "2026-02-21"
    assert round(float(ship.loc["H10", "duty_entry_summary"]) + float(ship.loc["H11", "duty_entry_summary"]),
                 2) == 1234.57
    # Its AD deposit, 1,000.01, is split over them by dutiable value to the cent and added to their duty; E-200's
    # CVD deposit, 12.35, over H13 and H14 (the pans the line classifies); no other shipment takes one.
    deposits = ship["adcvd_entry_summary"].dropna().astype(float)
    assert sorted(deposits.index) == ["H10", "H11", "H13", "H14"]
    assert (round(deposits[["H10", "H11"]].sum(), 2), round(deposits[["H13", "H14"]].sum(), 2)) == (1000.01, 12.35)
    assert round(float(ship.loc["H10", "duty"]) + float(ship.loc["H11", "duty"]), 2) == 2234.58
    # P15 (A1, ordered 2026-05-01, after E-100) plans A1's deposits at E-100's rate; P10 (before it) plans none
    assert float(planned["P15"]) > 0 and float(planned["P10"]) == 0
    assert ship.loc["H10", "duty_source"] == "entry_summary"
    # F1, a refund of E-100, is the entry's: split over H10 and H11 (e100) by their duty, to the cent.
    assert [r[0] for r in f1] == ["H10", "H11"] and round(sum(r[1] for r in f1), 2) == 100.01
    # E-200 spans the fiscal year and is dated 2025-09-30 (FY2025); the MPF comes from the summary.
    assert str(ship.loc["H14", "entry_on"])[:10] == "2025-09-30"
    assert ship.loc["H15", "duty_source"] == "in_price" and ship.loc["H16", "duty_source"] == "paid"
    assert float(ship.loc["H10", "assist_value"]) > 0
    assert "F3" in unalloc and "Q11" in unalloc
    assert sorted(quality.dropna()["amount"].astype(float)) == [33.33, 66.67]


def test_listed_duties_missing_equal_the_rowwise_reference(tmp_path):
    """The demo's and the edge cases' codes all have their Section 301 rows, so the parity above never meets a
    missing one: this compares the two implementations on lines that do, with a brand's rows added (MFN only for a
    chair; a code whose only Section 301 row is a claimed exclusion), across origins, dates and claims."""
    from models import landed_cost as lc

    ref = tmp_path / "reference"
    shutil.copytree(lc.REFERENCE_DIR, ref)
    with (ref / "duty_rates.csv").open("a", encoding="utf-8") as f:
        f.write("9401.61.40,*,mfn,0,2018-01-01,,,value,,,,verified,test,\n"
                "1234.56.78,*,mfn,1,2018-01-01,,,value,,,,verified,test,\n"
                "1234.56.78,CN,section_301,0,2018-07-06,,9903.88.69,value,,,9903.88.69,verified,test,\n")
    lines = pd.DataFrame({
        "hs_code": ["9401.61.4011", "9401.61.4011", "9401.61.4011", "1234.56.7800", "1234.56.7800", "9405.42.8440",
                    None, "9401.61.4011"],
        "origin_country": ["CN", "VN", "CN", "CN", "CN", "CN", "CN", "cn "],
        "entry_on": pd.to_datetime(["2024-06-01", "2024-06-01", "2018-07-05", "2024-06-01", "2024-06-01",
                                    "2024-06-01", "2024-06-01", "2026-12-01"]),
        "duty_claims": ["", "", "", "", "9903.88.69", "", "", ""]})
    expected = ["section_301", None, None, "section_301", None, None, "section_301", "section_301"]
    assert [None if pd.isna(v) else v for v in lc.duty_rows_missing(lines, ref)] == expected
    assert list(rowwise.duty_rows_missing(lines, ref)) == expected
