"""Customs entries worked by hand through the landed-cost step: the duty stack on the entry date, MPF and HMF once
per entry, the in-transit, de minimis and informal-entry rules, and the estimated flag after a table's
verified-through date.

Every rate below is typed from data/reference/*.csv independently (its source is in the table): MFN 4202.92.31
17.6%; Section 301 List 3 25%; IEEPA fentanyl (CN) 10% from 2025-02-04, 20% from 2025-03-04, 10% from 2025-11-10;
IEEPA reciprocal (CN) 10% from 2025-05-14; both IEEPA duties end 2026-02-23; Section 122 10% 2026-02-24 ..
2026-07-23; Section 301 forced-labor (CN) 12.5% from 2026-07-24, not on goods loaded before that date and entered
before 2026-07-28, not on the part under Section 232; MPF 0.3464% (FY2025 min 32.71; FY2026 min 33.58 max 651.50,
informal 2.69; FY2027 min 34.58 max 670.86); HMF 0.125% by sea. Verified through: duty_rates 2026-07-23, us_mpf
2026-09-30.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.macros import REFERENCE_DIR, load_reference_table
from pipelines.steps.landed_cost import customs_entries, entry_summaries, shipment_costs

STAGING_SUMMARY = (Path(__file__).resolve().parents[2] / "pipelines" / "sql" / "staging"
                   / "entry_summary_lines.sql").read_text(encoding="utf-8")

PRODUCTS = {
    # sku: (hs_code, steel_content_pct, duty_claims)
    "BAG": ("4202.92.3131", None, ""),
    "BAG-X": ("4202.92.3131", None, "9903.88.69"),
    "BAND": ("9506.91.0030", None, ""),
    "TEE": ("6109.10.0012", None, ""),
    "BOLT": ("7318.15.2095", 60.0, ""),
    "BOLT-?": ("7318.15.2095", None, ""),
    "CELL": ("8507.60.0020", None, ""),
    "CHIP": ("8542.31.0000", None, ""),
    "MATTRESS": ("9404.21.0010", None, ""),
    "MATTRESS-8": ("9404.21.00", None, ""),
}


def _con(shipments: list[dict], assists: list[dict] | None = None,
         summary: list[tuple] | None = None) -> duckdb.DuckDBPyConnection:
    """The staging tables shipment_costs reads, one PO per shipment (po_id = shipment_id), origin CN."""
    rows = []
    for s in shipments:
        rows.append({"shipment_id": s["id"], "po_id": s["id"], "mode": s.get("mode", "sea"),
                     "shipped_on": pd.Timestamp(s.get("shipped_on", "2024-01-02")),
                     "eta_on": pd.Timestamp(s["eta_on"]) if s.get("eta_on") else pd.NaT,
                     "delivered_on": pd.NaT, "entry_on": pd.Timestamp(s["entry_on"]) if s.get("entry_on") else pd.NaT,
                     "entry_number": s.get("entry_number"), "quantity": s.get("quantity", 1000),
                     "freight_cost": s.get("freight_cost", 0.0), "insurance_cost": s.get("insurance_cost", 0.0),
                     "invoice_freight": s.get("invoice_freight", 0.0),
                     "invoice_insurance": s.get("invoice_insurance", 0.0),
                     "duty_paid": s.get("duty_paid", float("nan")), "sku": s["sku"], "incoterm": s.get("incoterm", "FOB"),
                     "unit_price": s["value"] / s.get("quantity", 1000), "other_fees": s.get("other_fees", float("nan"))})
    frame = pd.DataFrame(rows)
    products = pd.DataFrame([{"sku": k, "supplier_id": "S1", "hs_code": v[0], "origin_country": "CN",
                              "unit_weight_kg": 1.0,
                              "unit_volume_m3": 0.01, "steel_content_pct": v[1], "aluminium_content_pct": None,
                              "duty_claims": v[2]} for k, v in PRODUCTS.items()])
    con = duckdb.connect()
    con.execute("create schema staging; create schema raw")
    con.register("frame", frame)
    con.register("products_frame", products)
    con.execute("""create table staging.shipments as select shipment_id, po_id, mode, shipped_on::date as shipped_on,
        eta_on::date as eta_on, delivered_on::date as delivered_on, entry_on::date as entry_on, entry_number,
        quantity, freight_cost, insurance_cost, invoice_freight, invoice_insurance, duty_paid, other_fees from frame""")
    con.execute("""create table staging.purchase_orders as select po_id, 'S1' as supplier_id, sku, incoterm,
        unit_price, date '2024-01-01' as ordered_on from frame""")
    con.execute("create table staging.products as select * from products_frame")
    assist_frame = pd.DataFrame(assists or [], columns=["assist_id", "sku", "supplier_id", "cost", "provided_on",
                                                        "units_declared"])
    con.register("assist_frame", assist_frame)
    con.execute("""create table staging.assists as select assist_id::varchar as assist_id, sku::varchar as sku,
        supplier_id::varchar as supplier_id, cost::double as cost, provided_on::date as provided_on,
        units_declared::bigint as units_declared from assist_frame""")
    # Entry summary lines: (entry_number, line, hts, entry_on, entered_value, duty, mpf, hmf[, adcvd_cases, ad_duty,
    # cvd_duty]), through staging.
    lines = pd.DataFrame([(*t, *(None,) * (11 - len(t))) for t in summary or []],
                         columns=["entry_number", "line_number", "hts_code", "entry_on", "entered_value", "duty",
                                  "mpf", "hmf", "adcvd_cases", "ad_duty", "cvd_duty"])
    con.register("summary_frame", lines)
    con.execute("""create table raw.entry_summary_lines as select entry_number::varchar as entry_number,
        line_number::bigint as line_number, hts_code::varchar as hts_code, '01' as entry_type,
        entry_on::date as entry_on, 'CN' as origin_country, null::varchar as description,
        entered_value::decimal(18, 2) as entered_value, null::varchar as rate, duty::decimal(18, 2) as duty,
        mpf::decimal(18, 2) as mpf, hmf::decimal(18, 2) as hmf, adcvd_cases::varchar as adcvd_cases,
        null::varchar as adcvd_rate, ad_duty::decimal(18, 2) as ad_duty, cvd_duty::decimal(18, 2) as cvd_duty,
        null::date as liquidated_on,
        null::varchar as liquidation_status from summary_frame""")
    # staging tells a line's duty program by reference.chapter_99_programs, as the build loads it
    load_reference_table(con, REFERENCE_DIR / "chapter_99_programs.csv", "reference.chapter_99_programs")
    con.execute(f"create table staging.entry_summary_lines as {STAGING_SUMMARY}")
    return con


def _cost(shipments: list[dict], assists: list[dict] | None = None) -> pd.DataFrame:
    con = _con(shipments, assists)
    try:
        return shipment_costs(con).set_index("shipment_id")
    finally:
        con.close()


def _entries(shipments: list[dict], summary: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(shipment rows, customs entry rows) with the broker's entry summary lines."""
    con = _con(shipments, summary=summary)
    try:
        ship = shipment_costs(con)
        return ship.set_index("shipment_id"), customs_entries(ship, entry_summaries(con)).set_index("entry_number")
    finally:
        con.close()


def test_issue_worked_example_fob_bag_after_ieepa_ended():
    # FOB travel bag 4202.92.3131 from CN, entered 2026-03-10, invoice 12,000.00, by sea:
    #   MFN 12,000 x 17.6% = 2,112.00; Section 301 x 25% = 3,000.00; Section 122 x 10% = 1,200.00 -> 6,312.00
    #   MPF FY2026: 12,000 x 0.3464% = 41.568 -> 41.57 (between 33.58 and 651.50); HMF 12,000 x 0.125% = 15.00
    row = _cost([{"id": "E1", "sku": "BAG", "value": 12_000.00, "entry_on": "2026-03-10"}]).loc["E1"]
    assert float(row["duty_computed"]) == 6_312.00
    assert row["duty_components"] == "mfn 17.6% + section_122 10% + section_301 25%"
    assert (float(row["mpf_computed"]), float(row["hmf_computed"])) == (41.57, 15.00)
    assert row["entry_type"] == "formal" and not row["rates_estimated"]
    assert float(row["ieepa_duty_computed"]) == 0.0


def test_the_day_before_ieepa_ended_the_old_stack_applies():
    # Same bag entered 2026-02-23 (last day of the IEEPA duties): 17.6 + 25 + fentanyl 10 + reciprocal 10 = 62.6%
    #   2,112.00 + 3,000.00 + 1,200.00 + 1,200.00 = 7,512.00, of which IEEPA 2,400.00 (refundable)
    row = _cost([{"id": "E2", "sku": "BAG", "value": 12_000.00, "entry_on": "2026-02-23"}]).loc["E2"]
    assert float(row["duty_computed"]) == 7_512.00
    assert float(row["ieepa_duty_computed"]) == 2_400.00


def test_section_122_in_transit_exemption():
    # Loaded 2026-02-20 (before 2026-02-24) and entered 2026-02-26 (before 2026-02-28): no Section 122,
    #   12,000 x (17.6 + 25)% = 2,112.00 + 3,000.00 = 5,112.00.
    # Loaded 2026-02-20 but entered 2026-03-02: the exemption has lapsed, 6,312.00 as above.
    # Loaded 2026-02-24 and entered 2026-02-26: not in transit before the start, 6,312.00.
    cost = _cost([
        {"id": "T1", "sku": "BAG", "value": 12_000.00, "shipped_on": "2026-02-20", "entry_on": "2026-02-26"},
        {"id": "T2", "sku": "BAG", "value": 12_000.00, "shipped_on": "2026-02-20", "entry_on": "2026-03-02"},
        {"id": "T3", "sku": "BAG", "value": 12_000.00, "shipped_on": "2026-02-24", "entry_on": "2026-02-26"},
    ])
    assert cost["duty_computed"].astype(float).to_dict() == {"T1": 5_112.00, "T2": 6_312.00, "T3": 6_312.00}


def test_exw_by_air_either_side_of_the_fentanyl_increase_on_2025_03_04():
    # EXW exercise bands 9506.91.0030, invoice 8,000.00, by air; the buyer's freight is not in the price.
    #   2025-03-03: MFN 4.6% 368.00 + List 4A 7.5% 600.00 + fentanyl 10% 800.00 = 1,768.00
    #   2025-03-04: 368.00 + 600.00 + fentanyl 20% 1,600.00 = 2,568.00
    #   MPF FY2025: 8,000 x 0.3464% = 27.712 -> minimum 32.71; HMF 0 (air)
    cost = _cost([
        {"id": "A1", "sku": "BAND", "value": 8_000.00, "incoterm": "EXW", "mode": "air", "freight_cost": 900.00,
         "entry_on": "2025-03-03"},
        {"id": "A2", "sku": "BAND", "value": 8_000.00, "incoterm": "EXW", "mode": "air", "freight_cost": 900.00,
         "entry_on": "2025-03-04"},
    ])
    assert cost["duty_computed"].astype(float).to_dict() == {"A1": 1_768.00, "A2": 2_568.00}
    assert cost["dutiable_value"].astype(float).to_dict() == {"A1": 8_000.00, "A2": 8_000.00}
    assert cost["mpf_computed"].astype(float).tolist() == [32.71, 32.71]
    assert cost["hmf_computed"].astype(float).tolist() == [0.0, 0.0]
    assert cost["freight"].astype(float).tolist() == [900.00, 900.00]


def test_fentanyl_rate_halves_on_2025_11_10():
    # FOB cotton T-shirts 6109.10.0012, 20,000.00 by sea.
    #   2025-11-09: MFN 16.5% 3,300.00 + List 4A 7.5% 1,500.00 + fentanyl 20% 4,000.00 + reciprocal 10% 2,000.00
    #               = 10,800.00
    #   2025-11-10: 3,300.00 + 1,500.00 + fentanyl 10% 2,000.00 + 2,000.00 = 8,800.00
    #   MPF FY2026 (from 2025-10-01): 20,000 x 0.3464% = 69.28; HMF 20,000 x 0.125% = 25.00
    cost = _cost([{"id": "N1", "sku": "TEE", "value": 20_000.00, "entry_on": "2025-11-09"},
                  {"id": "N2", "sku": "TEE", "value": 20_000.00, "entry_on": "2025-11-10"}])
    assert cost["duty_computed"].astype(float).to_dict() == {"N1": 10_800.00, "N2": 8_800.00}
    assert cost["mpf_computed"].astype(float).tolist() == [69.28, 69.28]
    assert cost["hmf_computed"].astype(float).tolist() == [25.00, 25.00]


def test_section_122_ends_and_an_entry_after_verified_through_is_estimated():
    # Bag 12,000.00 entered 2026-07-23 (last Section 122 day, within verified-through 2026-07-23): 6,312.00.
    # Entered 2026-07-25: Section 122 has ended; the forced-labor duty has begun, but these goods were loaded in
    # 2024 (in transit: entered before 2026-07-28) -> 2,112.00 + 3,000.00 = 5,112.00. Entered 2026-07-28: no longer
    # in transit -> + 12.5% 1,500.00 = 6,612.00. The tariff table is verified only through 2026-07-23, so both are
    # costed with the rows as written and flagged estimated.
    cost = _cost([{"id": "J1", "sku": "BAG", "value": 12_000.00, "entry_on": "2026-07-23"},
                  {"id": "J2", "sku": "BAG", "value": 12_000.00, "entry_on": "2026-07-25"},
                  {"id": "J3", "sku": "BAG", "value": 12_000.00, "entry_on": "2026-07-28"}])
    assert cost["duty_computed"].astype(float).to_dict() == {"J1": 6_312.00, "J2": 5_112.00, "J3": 6_612.00}
    assert not cost.loc["J1", "rates_estimated"] and cost.loc["J1", "estimated_tables"] is None
    assert cost.loc["J2", "rates_estimated"] and cost.loc["J2", "is_estimated"]  # duty is computed, not paid
    assert cost.loc["J2", "estimated_tables"] == ("duty_rates (verified through 2026-07-23); "
                                                  "us_hmf (verified through 2026-07-23); "
                                                  "us_de_minimis (verified through 2026-07-23)")


def test_multi_po_entry_pays_one_mpf_split_by_value_and_fy2027_has_its_own_limits():
    # Entry ABC-1: two POs of 5,000.00 each on one entry, 2026-09-30 (FY2026):
    #   one MPF on 10,000.00: 10,000 x 0.3464% = 34.64 (> minimum 33.58), split 17.32 + 17.32
    #   (per shipment it would be 2 x 33.58 = 67.16). HMF 10,000 x 0.125% = 12.50, split 6.25 + 6.25.
    # Entry ABC-2: the same on 2026-10-01 (FY2027, minimum 34.58; us_mpf verified through 2026-09-30): 34.64 again,
    #   flagged estimated.
    # A 5,000.00 shipment without an entry number is its own entry: FY2026 minimum 33.58; on 2026-10-01 the FY2027
    #   minimum 34.58; 250,000.00 on 2026-10-01: 866.00 -> the FY2027 maximum 670.86 (FY2026's was 651.50).
    cost = _cost([
        {"id": "M1", "sku": "BAG", "value": 5_000.00, "entry_number": "ABC-1", "eta_on": "2026-09-30"},
        {"id": "M2", "sku": "TEE", "value": 5_000.00, "entry_number": "ABC-1", "eta_on": "2026-10-02"},
        {"id": "M3", "sku": "BAG", "value": 5_000.00, "entry_number": "ABC-2", "entry_on": "2026-10-01"},
        {"id": "M4", "sku": "TEE", "value": 5_000.00, "entry_number": "ABC-2", "entry_on": "2026-10-01"},
        {"id": "M5", "sku": "BAG", "value": 5_000.00, "entry_on": "2026-09-30"},
        {"id": "M6", "sku": "BAG", "value": 5_000.00, "entry_on": "2026-10-01"},
        {"id": "M7", "sku": "BAG", "value": 250_000.00, "entry_on": "2026-10-01"},
    ])
    assert cost.loc[["M6", "M7"], "mpf_computed"].astype(float).tolist() == [34.58, 670.86]
    # M2 arrives later but is on the same entry: the entry is dated by its earliest shipment, 2026-09-30.
    assert [str(d) for d in cost.loc[["M1", "M2"], "entry_on"]] == ["2026-09-30", "2026-09-30"]
    assert cost.loc[["M1", "M2", "M3", "M4", "M5"], "mpf_computed"].astype(float).tolist() == [
        17.32, 17.32, 17.32, 17.32, 33.58]
    assert cost.loc[["M1", "M2"], "entry_mpf"].astype(float).tolist() == [34.64, 34.64]
    assert cost.loc[["M1", "M2"], "hmf_computed"].astype(float).tolist() == [6.25, 6.25]
    assert cost.loc["M1", "entry_value"] == 10_000.00
    # Both entries are after the tariff table's verified-through date (2026-07-23); only ABC-2 is also after the
    # MPF table's (2026-09-30).
    assert "us_mpf" not in cost.loc["M1", "estimated_tables"]
    assert "us_mpf (verified through 2026-09-30)" in cost.loc["M3", "estimated_tables"]


def test_section_232_on_steel_content_and_section_122_not_stacked_on_it():
    # Bolts 7318.15.2095 from CN, FOB 10,000.00, entered 2026-03-10, steel content 60%:
    #   MFN Free 0.00; Section 301 25% = 2,500.00; Section 232 50% on the steel 6,000.00 = 3,000.00;
    #   Section 122 10% only on the non-steel part 4,000.00 = 400.00 -> 5,900.00
    # Same bolts without a recorded steel content: 232 on the whole 10,000.00 = 5,000.00 and Section 122 on
    #   nothing left = 0.00 -> 2,500.00 + 5,000.00 = 7,500.00
    cost = _cost([{"id": "B1", "sku": "BOLT", "value": 10_000.00, "entry_on": "2026-03-10"},
                  {"id": "B2", "sku": "BOLT-?", "value": 10_000.00, "entry_on": "2026-03-10"}])
    assert cost["duty_computed"].astype(float).to_dict() == {"B1": 5_900.00, "B2": 7_500.00}
    assert not cost.loc["B1", "content_assumed_full"] and cost.loc["B2", "content_assumed_full"]
    # Effective rate: (25 + 50 x 0.6 + 10 x 0.4) = 59% of the value.
    assert cost.loc["B1", "duty_rate_pct"] == pytest.approx(59.0)
    assert cost.loc["B1", "uses_unverified_rows"]  # the 232 row for 7318.15.20 is marked unverified


def test_section_301_forced_labor_from_2026_07_24_with_its_in_transit_exemption_and_not_on_section_232():
    # T-shirt 6109.10.0012 from CN, FOB 10,000.00, shipped 2026-08-20, entered 2026-09-10: MFN 16.5% 1,650.00 +
    #   List 4A 7.5% 750.00 + forced-labor 12.5% 1,250.00 = 3,650.00 (36.5%).
    # Loaded 2026-07-20 and entered 2026-07-25 (in transit, entered before 2026-07-28): no forced-labor duty ->
    #   2,400.00; the same goods entered 2026-07-28: 3,650.00.
    # Bolts 60% steel, shipped 2026-08-20, entered 2026-09-10: 301 25% 2,500.00 + 232 50% x 6,000.00 = 3,000.00 +
    #   forced-labor 12.5% on the non-steel 4,000.00 = 500.00 -> 6,000.00.
    cost = _cost([{"id": "F1", "sku": "TEE", "value": 10_000.00, "shipped_on": "2026-08-20", "entry_on": "2026-09-10"},
                  {"id": "F2", "sku": "TEE", "value": 10_000.00, "shipped_on": "2026-07-20", "entry_on": "2026-07-25"},
                  {"id": "F3", "sku": "TEE", "value": 10_000.00, "shipped_on": "2026-07-20", "entry_on": "2026-07-28"},
                  {"id": "F4", "sku": "BOLT", "value": 10_000.00, "shipped_on": "2026-08-20",
                   "entry_on": "2026-09-10"}])
    assert cost["duty_computed"].astype(float).to_dict() == {"F1": 3_650.00, "F2": 2_400.00, "F3": 3_650.00,
                                                            "F4": 6_000.00}
    assert cost.loc["F1", "duty_rate_pct"] == pytest.approx(36.5)
    assert cost.loc["F1", "uses_unverified_rows"] and cost.loc["F1", "rates_estimated"]  # read in secondary sources


def test_four_year_review_increases_on_2025_01_01_and_2026_01_01():
    # Processors 8542.31.0000 (MFN Free), 10,000.00: List 2 25% = 2,500.00 on 2024-12-31; 50% = 5,000.00 on
    #   2025-01-01 (before the IEEPA duties began on 2025-02-04).
    # Non-EV lithium-ion batteries 8507.60.0020, 10,000.00:
    #   2025-12-31: MFN 3.4% 340.00 + List 4A 7.5% 750.00 + fentanyl 10% 1,000.00 + reciprocal 10% 1,000.00 = 3,090.00
    #   2026-01-01: 340.00 + 25% 2,500.00 + 1,000.00 + 1,000.00 = 4,840.00
    cost = _cost([{"id": "C1", "sku": "CHIP", "value": 10_000.00, "entry_on": "2024-12-31"},
                  {"id": "C2", "sku": "CHIP", "value": 10_000.00, "entry_on": "2025-01-01"},
                  {"id": "L1", "sku": "CELL", "value": 10_000.00, "entry_on": "2025-12-31"},
                  {"id": "L2", "sku": "CELL", "value": 10_000.00, "entry_on": "2026-01-01"}])
    assert cost["duty_computed"].astype(float).to_dict() == {"C1": 2_500.00, "C2": 5_000.00, "L1": 3_090.00,
                                                            "L2": 4_840.00}


def test_claimed_section_301_exclusion_until_it_expires():
    # Bag claiming exclusion 9903.88.69, 12,000.00 entered 2026-03-10: no Section 301 -> 2,112.00 + 1,200.00 (122)
    #   = 3,312.00. Entered 2026-11-10, after the exclusions expired (2026-11-09) and Section 122 ended, with the
    #   forced-labor duty: 2,112.00 + 3,000.00 + 12.5% 1,500.00 = 6,612.00 (estimated: after 2026-07-23).
    cost = _cost([{"id": "X1", "sku": "BAG-X", "value": 12_000.00, "entry_on": "2026-03-10"},
                  {"id": "X2", "sku": "BAG-X", "value": 12_000.00, "entry_on": "2026-11-10"}])
    assert cost["duty_computed"].astype(float).to_dict() == {"X1": 3_312.00, "X2": 6_612.00}
    assert cost.loc["X2", "rates_estimated"]


def test_de_minimis_until_suspended_and_informal_entries():
    # 600.00 of bags by express:
    #   entered 2025-05-01: under the USD 800 de minimis for CN goods -> no duty, no MPF.
    #   entered 2025-05-02: de minimis suspended for CN, in the 125% reciprocal window (2025-04-10 .. 05-13) ->
    #     600 x (17.6 + 25 + 20 + 125)% = 105.60 + 150.00 + 120.00 + 750.00 = 1,125.60; informal entry (<= 2,500):
    #     FY2025 flat MPF 2.62.
    # 2,000.00 of bags entered 2026-03-10: duty 352.00 + 500.00 + 200.00 (Section 122) = 1,052.00; informal entry,
    #   FY2026 flat fee 2.69 (not the 33.58 formal minimum).
    cost = _cost([{"id": "D1", "sku": "BAG", "value": 600.00, "mode": "express", "entry_on": "2025-05-01"},
                  {"id": "D2", "sku": "BAG", "value": 600.00, "mode": "express", "entry_on": "2025-05-02"},
                  {"id": "D3", "sku": "BAG", "value": 2_000.00, "mode": "air", "entry_on": "2026-03-10"}])
    assert cost["entry_type"].to_dict() == {"D1": "de_minimis", "D2": "informal", "D3": "informal"}
    assert cost["duty_computed"].astype(float).to_dict() == {"D1": 0.0, "D2": 1_125.60, "D3": 1_052.00}
    assert cost["mpf_computed"].astype(float).to_dict() == {"D1": 0.0, "D2": 2.62, "D3": 2.69}


def test_paid_figures_win_and_are_reconciled_against_the_computed_duty():
    # Bag 12,000.00 entered 2026-03-10 with 6,312.00 paid: match; 5,112.00 paid (Section 122 missed): underpaid
    #   by 1,200.00 = -19.011407% of 6,312.00. Fees paid 150.00 replace the computed MPF + HMF (41.57 + 15.00).
    cost = _cost([
        {"id": "P1", "sku": "BAG", "value": 12_000.00, "entry_on": "2026-03-10", "duty_paid": 6_312.00,
         "other_fees": 150.00},
        {"id": "P2", "sku": "BAG", "value": 12_000.00, "entry_on": "2026-03-10", "duty_paid": 5_112.00},
    ])
    assert cost["duty_status"].to_dict() == {"P1": "match", "P2": "underpaid"}
    assert float(cost.loc["P2", "duty_variance"]) == -1_200.00
    assert (cost.loc["P1", "fees"], cost.loc["P1", "fees_source"]) == (150.00, "paid")
    assert (cost.loc["P2", "fees"], cost.loc["P2", "fees_source"]) == (56.57, "computed")


def test_cif_with_invoice_freight_and_buyer_paid_freight():
    # CIF bags, price 12,000.00 of which main freight 1,500.00 and insurance 60.00 (invoice_freight/insurance),
    # entered 2024-06-01; the buyer also paid 180.00 of destination trucking (freight_cost).
    #   dutiable = 12,000.00 - 1,500.00 - 60.00 = 10,440.00; duty 10,440 x 17.6% = 1,837.44 + x 25% = 2,610.00
    #   = 4,447.44; MPF FY2024: 10,440 x 0.3464% = 36.164 -> 36.16 (> min 31.67); HMF 10,440 x 0.125% = 13.05
    #   landed freight = the 180.00 paid on top (the 1,500.00 is already in the price, not added again).
    row = _cost([{"id": "F1", "sku": "BAG", "value": 12_000.00, "incoterm": "CIF", "invoice_freight": 1_500.00,
                  "invoice_insurance": 60.00, "freight_cost": 180.00, "entry_on": "2024-06-01"}]).loc["F1"]
    assert float(row["dutiable_value"]) == 10_440.00
    assert float(row["duty_computed"]) == 4_447.44
    assert (float(row["mpf_computed"]), float(row["hmf_computed"])) == (36.16, 13.05)
    assert (float(row["freight"]), float(row["insurance"])) == (180.00, 0.00)
    assert float(row["goods_value"]) == 12_000.00


def test_ddp_duty_is_in_the_price_and_not_added():
    # DDP bags, price 15,000.00 of which freight 1,200.00 and insurance 40.00, entered 2026-03-10: the seller pays
    # the duty, so landed cost adds none (duty_source in_price, status in_price). For reference the duty on
    # 15,000 - 1,200 - 40 = 13,760.00 is 13,760 x 52.6% = 2,421.76 + 3,440.00 + 1,376.00 = 7,237.76 (an upper
    # bound: the DDP price also contains that duty, which the data does not state).
    row = _cost([{"id": "Q1", "sku": "BAG", "value": 15_000.00, "incoterm": "DDP", "invoice_freight": 1_200.00,
                  "invoice_insurance": 40.00, "entry_on": "2026-03-10"}]).loc["Q1"]
    assert float(row["dutiable_value"]) == 13_760.00
    assert float(row["duty_computed"]) == 7_237.76
    assert (float(row["duty"]), row["duty_source"], row["duty_status"]) == (0.0, "in_price", "in_price")
    assert (float(row["fees"]), row["fees_source"]) == (0.0, "in_price")


def test_invoice_freight_on_a_term_whose_price_cannot_hold_it_is_refused_not_guessed():
    # FOB price with an invoice_freight: the data contradicts the Incoterm; duty is not computed (and said why).
    row = _cost([{"id": "R1", "sku": "BAG", "value": 12_000.00, "incoterm": "FOB", "invoice_freight": 500.00,
                  "entry_on": "2026-03-10"}]).loc["R1"]
    assert pd.isna(row["dutiable_value"]) and pd.isna(row["duty_computed"])
    assert row["duty_status"] == "not_computable" and row["duty_source"] == "unknown"
    assert row["dutiable_note"] == "a FOB invoice does not include main freight; pay it separately"


def test_assist_amortised_over_the_units_declared():
    # A 4,000.00 mould for BAG, provided 2026-01-05, declared over 2,000 units: 2.00 per unit.
    #   G1 entered 2026-03-10, 1,000 units, 12,000.00: assist 1,000 x 2.00 = 2,000.00 -> dutiable 14,000.00,
    #     duty 14,000 x 52.6% = 2,464.00 + 3,500.00 + 1,400.00 = 7,364.00
    #   G2 entered 2026-04-10, 1,500 units (units 1,001..2,500): only 1,000 still carry it -> 2,000.00
    #   G3 entered 2026-05-10: the declared units are used up -> 0.00
    #   G0 entered 2025-12-20, before the mould existed -> 0.00
    cost = _cost([{"id": "G0", "sku": "BAG", "value": 12_000.00, "entry_on": "2025-12-20"},
                  {"id": "G1", "sku": "BAG", "value": 12_000.00, "entry_on": "2026-03-10"},
                  {"id": "G2", "sku": "BAG", "value": 18_000.00, "quantity": 1500, "entry_on": "2026-04-10"},
                  {"id": "G3", "sku": "BAG", "value": 12_000.00, "entry_on": "2026-05-10"}],
                 assists=[{"assist_id": "AS1", "sku": "BAG", "supplier_id": "S1", "cost": 4_000.00,
                           "provided_on": "2026-01-05", "units_declared": 2_000}])
    assert cost["assist_value"].astype(float).to_dict() == {"G0": 0.0, "G1": 2_000.00, "G2": 2_000.00, "G3": 0.0}
    assert float(cost.loc["G1", "dutiable_value"]) == 14_000.00
    assert float(cost.loc["G1", "duty_computed"]) == 7_364.00
    assert float(cost.loc["G1", "goods_value"]) == 12_000.00  # the mould itself is not a landed cost of the goods


def test_broker_entry_summary_replaces_the_computed_figures_and_is_reconciled():
    # Entry ABC-1234567-8, the issue's bag: 12,000.00 FOB from CN; the shipment has no entry_on and an ETA of
    # 2026-03-12, the broker's 7501 says entry date 03/10/2026 (the entry summary's date is the entry date).
    #   7501 line 1: 9903.88.03 25% 3,000.00; 9903.03.01 10% 1,200.00; 4202.92.3131 17.6% on 12,000 = 2,112.00;
    #   MPF 41.57 and HMF 15.00 -> duty 6,312.00 = computed (17.6 + 25 + 10 = 52.6% of 12,000): match.
    # Entry ABC-7654321-0, same bag, entered 2026-03-10, but the broker still declared the ended IEEPA duties
    #   9903.01.24 10% 1,200.00 and 9903.01.25 10% 1,200.00: 8,712.00 declared, overpaid by 2,400.00 against
    #   6,312.00; landed cost carries the 8,712.00 that was paid. The broker's MPF 33.58 is the FY2026 minimum where
    #   41.57 is due (12,000 x 0.3464% = 41.568): fees declared 48.58 vs 56.57, underpaid by 7.99.
    # Entry ABC-1111111-1 is on no shipment: listed, no_shipments. Shipment S4's entry has no summary: computed.
    cost, entries = _entries(
        [{"id": "S1", "sku": "BAG", "value": 12_000.00, "eta_on": "2026-03-12", "entry_number": "ABC-1234567-8"},
         {"id": "S2", "sku": "BAG", "value": 12_000.00, "eta_on": "2026-03-12", "entry_number": "abc76543210"},
         {"id": "S4", "sku": "BAG", "value": 12_000.00, "entry_on": "2026-03-10", "entry_number": "ABC-2222222-2"}],
        [("ABC-1234567-8", 1, "9903.88.03", "2026-03-10", None, 3_000.00, None, None),
         ("ABC-1234567-8", 1, "9903.03.01", "2026-03-10", None, 1_200.00, None, None),
         ("ABC-1234567-8", 1, "4202.92.3131", "2026-03-10", 12_000, 2_112.00, 41.57, 15.00),
         ("ABC-7654321-0", 1, "9903.01.24", "2026-03-10", None, 1_200.00, None, None),
         ("ABC-7654321-0", 1, "9903.01.25", "2026-03-10", None, 1_200.00, None, None),
         ("ABC-7654321-0", 1, "9903.88.03", "2026-03-10", None, 3_000.00, None, None),
         ("ABC-7654321-0", 1, "9903.03.01", "2026-03-10", None, 1_200.00, None, None),
         ("ABC-7654321-0", 1, "4202.92.3131", "2026-03-10", 12_000, 2_112.00, 33.58, 15.00),
         ("ABC-1111111-1", 1, "4202.92.3131", "2026-03-10", 1_000, 176.00, 33.58, None)])
    s1 = cost.loc["S1"]
    assert str(s1["entry_on"]) == "2026-03-10"  # the 7501's date, not the ETA
    assert (float(s1["duty"]), s1["duty_source"], s1["duty_status"]) == (6_312.00, "entry_summary", "match")
    assert (float(s1["fees"]), s1["fees_source"]) == (56.57, "entry_summary")
    s2 = cost.loc["S2"]
    assert (float(s2["duty"]), float(s2["duty_computed"]), s2["duty_status"]) == (8_712.00, 6_312.00, "overpaid")
    assert float(s2["duty_variance"]) == 2_400.00
    assert (float(s2["fees"]), float(s2["mpf_computed"]) + float(s2["hmf_computed"])) == (48.58, 56.57)
    assert (cost.loc["S4", "duty_source"], float(cost.loc["S4", "duty"])) == ("computed", 6_312.00)

    e = entries.loc["ABC-1234567-8"]
    assert (e["duty_status"], float(e["duty_difference"]), e["fees_status"]) == ("match", 0.0, "match")
    assert (float(e["entered_value_summary"]), float(e["dutiable_value"])) == (12_000.00, 12_000.00)
    assert e["chapter_99_summary"] == "9903.03.01, 9903.88.03" and int(e["summary_lines"]) == 1
    e = entries.loc["ABC-7654321-0"]
    assert (e["duty_status"], float(e["duty_difference"])) == ("overpaid", 2_400.00)
    assert (e["fees_status"], float(e["fees_difference"])) == ("underpaid", -7.99)
    assert e["chapter_99_summary"] == "9903.01.24, 9903.01.25, 9903.03.01, 9903.88.03"
    # the chapter 99 check says why: the two IEEPA numbers had ended (9903.01.24 at 20% on 2025-11-09, when the
    # fentanyl duty moved to 10% under another number); the first entry declares exactly the tables'
    assert entries.loc["ABC-1234567-8", ["chapter_99_status", "chapter_99_expected"]].tolist() == [
        "matches", "9903.03.01, 9903.88.03"]
    assert (e["chapter_99_status"], e["chapter_99_findings"]) == (
        "differs", "9903.01.24 declared: ieepa_fentanyl ended 2025-11-09; "
                   "9903.01.25 declared: ieepa_reciprocal ended 2026-02-23")
    assert entries.loc["ABC-1111111-1", "duty_status"] == "no_shipments"
    assert entries.loc[["ABC-1111111-1", "ABC-2222222-2"], "chapter_99_status"].isna().all()  # nothing to check
    assert int(entries.loc["ABC-1111111-1", "shipment_count"]) == 0
    assert entries.loc["ABC-2222222-2", "duty_status"] == "no_entry_summary"


def test_broker_figures_of_a_multi_po_entry_are_split_over_its_shipments():
    # Entry DEF-0000001-5 carries two POs of bags, 5,000.00 and 7,000.00, entered 2026-03-10; the broker declared
    #   line 1 (5,000): 880.00 + 1,250.00 + 500.00 = 2,630.00; line 2 (7,000): 1,232.00 + 1,750.00 + 700.00
    #   = 3,682.00; total 6,312.00, split over the shipments by their computed duty 2,630.00 : 3,682.00 -> exactly
    #   those. MPF on the entry 12,000 x 0.3464% = 41.568 -> 41.57 (broker: 17.32 + 24.25), HMF 15.00 (6.25 +
    #   8.75), split by dutiable value 5:7: MPF 4,157 cents x 5/12 = 1,732.08 -> 1,732, x 7/12 = 2,424.92 -> 2,424,
    #   the cent left to the larger remainder -> 17.32 and 24.25; HMF 6.25 and 8.75.
    ship = [{"id": "M1", "sku": "BAG", "value": 5_000.00, "entry_on": "2026-03-10", "entry_number": "DEF-0000001-5"},
            {"id": "M2", "sku": "BAG", "value": 7_000.00, "entry_on": "2026-03-10", "entry_number": "DEF-0000001-5"}]
    lines = [("DEF-0000001-5", 1, "9903.88.03", "2026-03-10", None, 1_250.00, None, None),
             ("DEF-0000001-5", 1, "9903.03.01", "2026-03-10", None, 500.00, None, None),
             ("DEF-0000001-5", 1, "4202.92.3131", "2026-03-10", 5_000, 880.00, 17.32, 6.25),
             ("DEF-0000001-5", 2, "9903.88.03", "2026-03-10", None, 1_750.00, None, None),
             ("DEF-0000001-5", 2, "9903.03.01", "2026-03-10", None, 700.00, None, None),
             ("DEF-0000001-5", 2, "4202.92.3131", "2026-03-10", 7_000, 1_232.00, 24.25, 8.75)]
    cost, entries = _entries(ship, lines)
    assert cost["duty_entry_summary"].astype(float).to_dict() == {"M1": 2_630.00, "M2": 3_682.00}
    assert cost["mpf_entry_summary"].astype(float).to_dict() == {"M1": 17.32, "M2": 24.25}
    assert cost["hmf_entry_summary"].astype(float).to_dict() == {"M1": 6.25, "M2": 8.75}
    assert (cost["duty_status"] == "match").all() and (cost["fees_source"] == "entry_summary").all()
    e = entries.loc["DEF-0000001-5"]
    assert (int(e["shipment_count"]), int(e["po_count"]), int(e["summary_lines"])) == (2, 2, 2)
    assert (float(e["duty_summary"]), float(e["duty_computed"]), e["duty_status"]) == (6_312.00, 6_312.00, "match")
    assert (float(e["mpf_summary"]), float(e["mpf_computed"]), e["fees_status"]) == (41.57, 41.57, "match")


def test_broker_adcvd_deposits_go_into_landed_cost_on_the_goods_they_were_declared_for():
    # Entry MAT-0000001-1 carries a mattress (10,000.00, 9404.21.0010) and a bag (12,000.00), entered 2026-03-10.
    # The broker declared the mattress line under the AD order on mattresses from China at the country-wide case
    # A-570-092-000, deposit 17,317.50, and the bag line without one. The deposit lands on the mattress's shipment
    # (its HS code is the line's), whole. The broker's duty, 2,412.00, is split by dutiable value, as the mattress's
    # duty cannot be computed (the tables have no row for 9404.21.0010): 2,412 x 10/22 = 1,096.3636 -> 1,096.36 and
    # 2,412 x 12/22 = 1,315.6363 -> 1,315.64 (the cent left to the larger remainder). The mattress's duty in landed
    # cost: 1,096.36 + 17,317.50 = 18,413.86. The entry's duty check compares the declared duty without the deposit
    # (the duty tables hold no deposit rates).
    # Entry MAT-0000002-9: two bags (5,000.00 and 7,000.00) and a line declared as a mattress (9404.21.0010) with
    # AD 1,000.00 and CVD 200.00: no shipment's product is under that number, so the 1,200.00 goes over the entry's
    # shipments by dutiable value, 500.00 and 700.00. Entry MAT-0000003-7: a mattress kept as 9404.21.00 (8 digits
    # that 9404.21.0010 starts with) and a bag; the line's 100.00 lands on the mattress.
    ship = [{"id": "M", "sku": "MATTRESS", "value": 10_000.00, "entry_on": "2026-03-10",
             "entry_number": "MAT-0000001-1"},
            {"id": "B", "sku": "BAG", "value": 12_000.00, "entry_on": "2026-03-10", "entry_number": "MAT-0000001-1"},
            {"id": "B5", "sku": "BAG", "value": 5_000.00, "entry_on": "2026-03-10", "entry_number": "MAT-0000002-9"},
            {"id": "B7", "sku": "BAG", "value": 7_000.00, "entry_on": "2026-03-10", "entry_number": "MAT-0000002-9"},
            {"id": "M8", "sku": "MATTRESS-8", "value": 1_000.00, "entry_on": "2026-03-10",
             "entry_number": "MAT-0000003-7"},
            {"id": "B1", "sku": "BAG", "value": 1_000.00, "entry_on": "2026-03-10", "entry_number": "MAT-0000003-7"}]
    lines = [("MAT-0000001-1", 1, "9404.21.0010", "2026-03-10", 10_000, 300.00, 20.00, 5.00, "A-570-092-000",
              17_317.50),
             ("MAT-0000001-1", 2, "4202.92.3131", "2026-03-10", 12_000, 2_112.00, 21.57, 10.00),
             ("MAT-0000002-9", 1, "4202.92.3131", "2026-03-10", 12_000, 2_112.00, 41.57, 15.00),
             ("MAT-0000002-9", 2, "9404.21.0010", "2026-03-10", 0, 0.00, None, None,
              "A-570-092-000, C-570-093-000", 1_000.00, 200.00),
             ("MAT-0000003-7", 1, "9404.21.0010", "2026-03-10", 1_000, 30.00, None, None, "A-570-092-000", 100.00),
             ("MAT-0000003-7", 2, "4202.92.3131", "2026-03-10", 1_000, 176.00, None, None)]
    cost, entries = _entries(ship, lines)
    deposits = cost["adcvd_entry_summary"].astype(float)
    assert deposits.dropna().to_dict() == {"M": 17_317.50, "B5": 500.00, "B7": 700.00, "M8": 100.00}
    assert deposits[["B", "B1"]].isna().all()
    # duty in landed cost = the broker's duty share + the deposit; the check is on the broker's duty alone
    assert (cost["duty"].astype(float)
            == (cost["duty_entry_summary"].astype(float) + deposits.fillna(0.0)).round(2)).all()
    assert cost.loc[["M", "B"], "duty_entry_summary"].astype(float).tolist() == [1_096.36, 1_315.64]
    assert (float(cost.loc["M", "duty"]), float(cost.loc["B", "duty"])) == (18_413.86, 1_315.64)
    assert (cost["duty_source"] == "entry_summary").all()
    # the bag of MAT-0000003-7 is checked on its share of the broker's duty only, 206.00 x 1/2 = 103.00, against
    # 526.00 computed (17.6% + 25% + 10% of 1,000.00): underpaid by 423.00; the mattress's deposit is not in it
    b1 = cost.loc["B1"]
    assert (float(b1["duty"]), b1["duty_status"], float(b1["duty_variance"])) == (103.00, "underpaid", -423.00)
    e = entries.loc["MAT-0000001-1"]
    assert (float(e["duty_summary"]), float(e["adcvd_summary"]), e["adcvd_cases"]) == (2_412.00, 17_317.50,
                                                                                       "A-570-092-000")
    e = entries.loc["MAT-0000002-9"]
    assert (float(e["adcvd_summary"]), e["adcvd_cases"]) == (1_200.00, "A-570-092-000, C-570-093-000")
    assert float(entries.loc["MAT-0000003-7", "adcvd_summary"]) == 100.00
