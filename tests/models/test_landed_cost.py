"""Landed-cost rules, checked against values worked out by hand (arithmetic in the comments).

Rates and fee limits are typed here independently from data/reference/*.csv, so an edit to a table that changes
a figure makes a test fail on purpose: update both, with the new source.
"""

from __future__ import annotations

import statistics
from datetime import date

import numpy as np
import pandas as pd
import pytest

from models import landed_cost as lc
from reference import landed_cost_one as one
from reference.leakage_waterfall import leakage_waterfall

# ----------------------------------------------------------------------------------------------------------------
# Incoterms: what the buyer pays on top of the unit price
# ----------------------------------------------------------------------------------------------------------------

ALL = {"export_clearance", "main_freight", "insurance", "import_duty", "destination_delivery"}


@pytest.mark.parametrize(
    ("incoterm", "expected"),
    [
        # EXW: the buyer collects at the factory, so it pays everything, export clearance included.
        ("EXW", ALL),
        # FCA / FOB: the seller clears export; the buyer pays main carriage, insures if it wants, duty, delivery.
        ("FCA", ALL - {"export_clearance"}),
        ("FOB", ALL - {"export_clearance"}),
        # CFR / CPT: the seller also pays main carriage; risk still passes early, so insurance is the buyer's.
        ("CFR", {"insurance", "import_duty", "destination_delivery"}),
        ("CPT", {"insurance", "import_duty", "destination_delivery"}),
        # CIF / CIP: the seller pays carriage and insurance.
        ("CIF", {"import_duty", "destination_delivery"}),
        ("CIP", {"import_duty", "destination_delivery"}),
        # DAP / DPU (named place = buyer's warehouse): only import duty and clearance remain.
        ("DAP", {"import_duty"}),
        ("DPU", {"import_duty"}),
        # DDP: nothing on top.
        ("DDP", set()),
    ],
)
def test_buyer_costs_per_incoterm(incoterm: str, expected: set[str]) -> None:
    assert lc.buyer_costs(incoterm) == frozenset(expected)


def test_buyer_costs_is_case_insensitive_and_rejects_unknown_terms() -> None:
    assert lc.buyer_costs("fob") == lc.buyer_costs("FOB")
    with pytest.raises(KeyError):
        lc.buyer_costs("FAS2010")


def test_every_incoterms_2020_rule_has_a_sourced_row() -> None:
    rules = lc.load_incoterms()
    assert set(rules) == set(lc.INCOTERMS)
    assert all("Incoterms 2020" in r.source for r in rules.values())


# ----------------------------------------------------------------------------------------------------------------
# Dutiable value: freight and insurance never carry duty
# ----------------------------------------------------------------------------------------------------------------


def test_cif_invoice_dutiable_value_excludes_freight_and_insurance() -> None:
    # CIF invoice 12,000.00 of which ocean freight 1,500.00 and insurance 60.00.
    # Dutiable value = 12,000.00 - 1,500.00 - 60.00 = 10,440.00
    assert one.dutiable_value(12_000.00, "CIF", freight_in_invoice=1_500.00, insurance_in_invoice=60.00) == 10_440.00


def test_cif_duty_is_charged_on_the_fob_value_not_the_cif_price() -> None:
    # Bag 4202.92.3131 from CN entered 2024-06-01: MFN 17.6% + Section 301 List 3 25%.
    # On 10,440.00: 10,440 x 0.176 = 1,837.44 ; 10,440 x 0.25 = 2,610.00 ; duty = 4,447.44
    value = one.dutiable_value(12_000.00, "CIF", freight_in_invoice=1_500.00, insurance_in_invoice=60.00)
    duty = lc.duty_amount(value, "4202.92.3131", "CN", date(2024, 6, 1))
    assert duty == 4_447.44
    # The classic mistake, duty on the CIF price, would give 12,000 x 0.426 = 5,112.00.
    assert duty != 5_112.00


def test_fob_and_ddp_dutiable_values() -> None:
    # FOB: the invoice is already the transaction value.
    assert one.dutiable_value(6_850.00, "FOB") == 6_850.00
    # DDP 15,000.00 containing freight 1,200.00, insurance 40.00 and duty/fees 2,900.00:
    # 15,000 - 1,200 - 40 - 2,900 = 10,860.00
    assert one.dutiable_value(15_000.00, "DDP", 1_200.00, 40.00, other_non_dutiable_in_invoice=2_900.00) == 10_860.00


def test_dutiable_value_rejects_freight_on_a_term_whose_price_excludes_it() -> None:
    with pytest.raises(ValueError):
        one.dutiable_value(6_850.00, "FOB", freight_in_invoice=500.00)
    with pytest.raises(ValueError):
        one.dutiable_value(1_000.00, "CIF", freight_in_invoice=900.00, insurance_in_invoice=200.00)


@pytest.mark.parametrize("term", ["EXW", "FCA", "FOB", "CFR", "CPT"])
def test_dutiable_value_rejects_insurance_on_a_term_where_the_buyer_insures(term: str) -> None:
    # incoterms.csv: buyer_pays_insurance is true for these; a CFR/CPT price holds freight but never insurance.
    freight = 500.00 if term in ("CFR", "CPT") else 0.0
    with pytest.raises(ValueError, match="does not include insurance"):
        one.dutiable_value(6_850.00, term, freight_in_invoice=freight, insurance_in_invoice=45.00)


@pytest.mark.parametrize("term", ["CIF", "CIP", "DAP", "DPU", "DDP"])
def test_dutiable_value_deducts_insurance_where_the_seller_insures(term: str) -> None:
    # 6,850.00 - freight 500.00 - insurance 45.00 = 6,305.00
    assert one.dutiable_value(6_850.00, term, freight_in_invoice=500.00, insurance_in_invoice=45.00) == 6_305.00


# ----------------------------------------------------------------------------------------------------------------
# Stacked duties, with dates on both sides of each effective date
# ----------------------------------------------------------------------------------------------------------------


def _parts(hs: str, origin: str, on: date) -> dict[str, float]:
    return {c.duty_type: c.rate_pct for c in lc.duty_rate(hs, origin, on).components}


def test_list_3_goes_from_10_to_25_percent_on_2019_05_10() -> None:
    # Bag 4202.92.3131 (MFN 17.6%) from CN.
    # 2019-05-09: 17.6 + 10 = 27.6 ; 2019-05-10: 17.6 + 25 = 42.6
    assert _parts("4202.92.3131", "CN", date(2019, 5, 9)) == {"mfn": 17.6, "section_301": 10.0}
    assert lc.duty_rate("4202.92.3131", "CN", date(2019, 5, 9)).total_pct == 27.6
    assert lc.duty_rate("4202.92.3131", "CN", date(2019, 5, 10)).total_pct == 42.6
    # Before List 3 existed (2018-09-23): MFN only.
    assert lc.duty_rate("4202.92.3131", "CN", date(2018, 9, 23)).total_pct == 17.6


def test_list_4a_starts_at_15_then_drops_to_7_5_percent() -> None:
    # Cotton T-shirt 6109.10.0012 (MFN 16.5%) from CN.
    assert lc.duty_rate("6109.10.0012", "CN", date(2019, 8, 31)).total_pct == 16.5  # 16.5 + 0
    assert lc.duty_rate("6109.10.0012", "CN", date(2019, 9, 1)).total_pct == 31.5  # 16.5 + 15
    assert lc.duty_rate("6109.10.0012", "CN", date(2020, 2, 13)).total_pct == 31.5  # 16.5 + 15
    assert lc.duty_rate("6109.10.0012", "CN", date(2020, 2, 14)).total_pct == 24.0  # 16.5 + 7.5
    # Duty on 10,000.00 entered 2020-02-14: 10,000 x 0.165 = 1,650.00 ; x 0.075 = 750.00 ; total 2,400.00
    assert lc.duty_amount(10_000.00, "6109.10.0012", "CN", date(2020, 2, 14)) == 2_400.00


def test_ieepa_fentanyl_duty_doubles_on_2025_03_04() -> None:
    # Exercise band 9506.91.0030 from CN: MFN 4.6 + List 4A 7.5 + fentanyl 10 (from 2025-02-04) / 20 (from 03-04).
    assert lc.duty_rate("9506.91.0030", "CN", date(2025, 2, 3)).total_pct == 12.1  # 4.6 + 7.5
    assert lc.duty_rate("9506.91.0030", "CN", date(2025, 3, 3)).total_pct == 22.1  # 4.6 + 7.5 + 10
    assert lc.duty_rate("9506.91.0030", "CN", date(2025, 3, 4)).total_pct == 32.1  # 4.6 + 7.5 + 20


def test_toys_pay_no_section_301_but_do_pay_ieepa_duties() -> None:
    # 9503.00.0073 from CN on 2025-04-10: MFN free, List 4B suspended (0), fentanyl 20, reciprocal 125 = 145.
    parts = _parts("9503.00.0073", "CN", date(2025, 4, 10))
    assert parts == {"mfn": 0.0, "section_301": 0.0, "ieepa_fentanyl": 20.0, "ieepa_reciprocal": 125.0}
    # 2025-05-14 the reciprocal rate drops to 10: 0 + 0 + 20 + 10 = 30.
    assert lc.duty_rate("9503.00.0073", "CN", date(2025, 5, 14)).total_pct == 30.0


def test_other_origins_use_the_generic_mfn_row_and_no_china_duties() -> None:
    # LED lamp 9405.42.8440 from VN: only the '*' MFN row (3.9) before the 2025 baseline tariff ...
    assert _parts("9405.42.8440", "VN", date(2024, 6, 1)) == {"mfn": 3.9}
    # ... and 3.9 + 10 while the 10% baseline applied to all origins (2025-04-05 .. 2025-08-06).
    assert lc.duty_rate("9405.42.8440", "VN", date(2025, 5, 1)).total_pct == 13.9
    # Same lamp from CN, 2024-06-01: 3.9 + 25 (List 3).
    assert lc.duty_rate("9405.42.8440", "CN", date(2024, 6, 1)).total_pct == 28.9


@pytest.mark.parametrize(
    ("hs", "mfn"),
    [("9405.42.8440", 3.9), ("7323.93.0045", 2.0), ("3926.90.9990", 5.3), ("6109.10.0012", 16.5),
     ("9503.00.0073", 0.0), ("9506.91.0030", 4.6), ("4201.00.3000", 2.4), ("4202.92.3131", 17.6)],
)
def test_demo_portfolio_codes_have_an_mfn_rate(hs: str, mfn: float) -> None:
    assert _parts(hs, "IN", date(2024, 1, 15))["mfn"] == mfn


def test_unknown_code_raises_instead_of_returning_zero_duty() -> None:
    with pytest.raises(LookupError):
        lc.duty_rate("8501.10.4060", "CN", date(2024, 1, 1))


def test_every_duty_row_is_sourced_and_dated() -> None:
    rows = lc.load_duty_rates()
    assert rows and all(r.source and r.effective_from for r in rows)


DUTY_HEADER = "hs_code,origin_country,duty_type,rate_pct,effective_from,effective_to,source,notes\n"


def test_longest_prefix_and_exact_origin_win_within_a_duty_type(tmp_path) -> None:
    (tmp_path / "duty_rates.csv").write_text(
        DUTY_HEADER
        + "*,*,mfn,5,2020-01-01,,test,\n"
        + "9405,*,mfn,3,2020-01-01,,test,\n"
        + "9405.42,*,mfn,4,2020-01-01,,test,\n"
        + "9405.42,CN,mfn,4.5,2020-01-01,,test,\n"
        + "9405,CN,extra,1,2020-01-01,2020-12-31,test,\n"
    )
    on = date(2020, 6, 1)
    assert lc.duty_rate("9405.42.8440", "VN", on, ref_dir=tmp_path).total_pct == 4.0  # 9405.42 beats 9405 and *
    assert lc.duty_rate("9405.11.4010", "VN", on, ref_dir=tmp_path).total_pct == 3.0  # 9405 beats *
    assert lc.duty_rate("8501.10.4060", "VN", on, ref_dir=tmp_path).total_pct == 5.0  # only *
    assert lc.duty_rate("9405.42.8440", "CN", on, ref_dir=tmp_path).total_pct == 5.5  # 4.5 (CN) + 1 (extra)
    assert lc.duty_rate("9405.42.8440", "CN", date(2021, 1, 1), ref_dir=tmp_path).total_pct == 4.5  # extra ended


def test_overlapping_or_unsourced_rows_are_rejected(tmp_path) -> None:
    overlap = tmp_path / "overlap"
    overlap.mkdir()
    (overlap / "duty_rates.csv").write_text(
        DUTY_HEADER + "9405,*,mfn,3,2020-01-01,,a,\n9405,*,mfn,4,2021-01-01,,b,\n"
    )
    with pytest.raises(ValueError, match="overlapping"):
        lc.load_duty_rates(overlap)
    unsourced = tmp_path / "unsourced"
    unsourced.mkdir()
    (unsourced / "duty_rates.csv").write_text(DUTY_HEADER + "9405,*,mfn,3,2020-01-01,,,\n")
    with pytest.raises(ValueError, match="source"):
        lc.load_duty_rates(unsourced)
    # An unquoted comma in a note gives the row one field too many: refused with its line, as DuckDB's build would.
    unquoted = tmp_path / "unquoted"
    unquoted.mkdir()
    (unquoted / "duty_rates.csv").write_text(
        DUTY_HEADER + "9405,*,mfn,3,2020-01-01,,a,\n9405,CN,x,1,2020-01-01,,b,c, d\n")
    with pytest.raises(ValueError, match=r"lines \[3\] do not have the header's 8 fields"):
        lc.load_duty_rates(unquoted)


RENUMBERING_HEADER = "hs_code,predecessor,effective_from,status,source\n"


def test_renumberings_chain_newest_first_and_ambiguity_is_refused(tmp_path) -> None:
    (tmp_path / "duty_rates.csv").write_text(
        DUTY_HEADER
        + "1111.11.11,*,mfn,1,2010-01-01,2021-12-31,t,\n"
        + "2222.22.22,*,mfn,2,2022-01-01,2026-12-31,t,\n"
        + "3333.33.33,*,mfn,3,2027-01-01,,t,\n")
    (tmp_path / "hts_renumbering.csv").write_text(
        RENUMBERING_HEADER
        + "2222.22.22,1111.11.11,2022-01-01,verified,t\n"
        + "3333.33.33,2222.22.22,2027-01-01,unverified,t\n")
    codes, unverified = lc.codes_in_force(
        ["3333333399", "3333333399", "3333333399", "", "9999999999"],
        [date(2020, 1, 1), date(2024, 1, 1), date(2027, 1, 1), date(2020, 1, 1), None], tmp_path)
    assert list(codes) == ["1111111199", "2222222299", "3333333399", "", "9999999999"]
    assert list(unverified) == [True, True, False, False, False]
    assert _total_in("3333.33.3399", date(2020, 1, 1), tmp_path) == 1.0
    assert _total_in("3333.33.3399", date(2024, 1, 1), tmp_path) == 2.0
    assert _total_in("3333.33.3399", date(2027, 1, 1), tmp_path) == 3.0
    # Without the table every code is read as written.
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "duty_rates.csv").write_text((tmp_path / "duty_rates.csv").read_text())
    with pytest.raises(LookupError):
        lc.duty_rate("3333.33.3399", "CN", date(2020, 1, 1), ref_dir=bare)
    # Two predecessors for one code on one date cannot both be right.
    twice = tmp_path / "twice"
    twice.mkdir()
    (twice / "hts_renumbering.csv").write_text(
        RENUMBERING_HEADER + "2222.22.22,1111.11.11,2022-01-01,verified,a\n"
        "2222.22.22,1111.12.11,2022-01-01,verified,b\n")
    with pytest.raises(ValueError, match="two predecessors"):
        lc.load_hts_renumbering(twice)
    short = tmp_path / "short"
    short.mkdir()
    (short / "hts_renumbering.csv").write_text(RENUMBERING_HEADER + "2222.22,1111.11,2022-01-01,verified,a\n")
    with pytest.raises(ValueError, match="8 or 10 digits with their dots"):
        lc.load_hts_renumbering(short)


def _total_in(hs: str, d: date, ref_dir) -> float:
    return round(lc.duty_rate(hs, "CN", d, ref_dir=ref_dir).total_pct, 4)


# ----------------------------------------------------------------------------------------------------------------
# MPF and HMF
# ----------------------------------------------------------------------------------------------------------------

# FY2025 (2024-10-01 .. 2025-09-30), CBP FR Doc. 2024-15990: 0.3464%, min 32.71, max 634.62.
FY2025 = date(2025, 1, 15)


def test_mpf_below_minimum_pays_the_minimum() -> None:
    # 5,000.00 x 0.003464 = 17.32 < 32.71 -> 32.71
    assert one.mpf(5_000.00, FY2025) == 32.71


def test_mpf_inside_the_band_is_the_ad_valorem_rate() -> None:
    # 50,000.00 x 0.003464 = 173.20
    assert one.mpf(50_000.00, FY2025) == 173.20
    # 12,345.67 x 0.003464 = 42.7654... -> 42.77
    assert one.mpf(12_345.67, FY2025) == 42.77


def test_mpf_above_maximum_pays_the_maximum() -> None:
    # 200,000.00 x 0.003464 = 692.80 > 634.62 -> 634.62
    assert one.mpf(200_000.00, FY2025) == 634.62


def test_mpf_switches_fiscal_year_on_october_1() -> None:
    # 1,000.00 x 0.003464 = 3.46 -> the minimum: FY2025 32.71 on 2025-09-30, FY2026 33.58 on 2025-10-01.
    assert one.mpf(1_000.00, date(2025, 9, 30)) == 32.71
    assert one.mpf(1_000.00, date(2025, 10, 1)) == 33.58
    # FY2026 maximum 651.50 ; FY2024 (2024-09-30) minimum 31.67.
    assert one.mpf(1_000_000.00, date(2026, 3, 1)) == 651.50
    assert one.mpf(1_000.00, date(2024, 9, 30)) == 31.67


def test_mpf_of_the_fiscal_years_before_2023() -> None:
    # CBP's COBRA notices, FY2018 to FY2022 (1,000.00 x 0.003464 = 3.46 -> the minimum; 1,000,000.00 -> the maximum).
    for day, low, high in ((date(2018, 6, 1), 25.67, 497.99), (date(2019, 6, 1), 26.22, 508.70),
                           (date(2020, 6, 1), 26.79, 519.76), (date(2021, 6, 1), 27.23, 528.33),
                           (date(2022, 6, 1), 27.75, 538.40)):
        assert one.mpf(1_000.00, day) == low
        assert one.mpf(1_000_000.00, day) == high
    # 50,000.00 x 0.003464 = 173.20, inside every year's band.
    assert one.mpf(50_000.00, date(2020, 1, 1)) == 173.20
    # FY2022 -> FY2023 on 2022-10-01: minimum 27.75 -> 29.66.
    assert one.mpf(1_000.00, date(2022, 9, 30)) == 27.75
    assert one.mpf(1_000.00, date(2022, 10, 1)) == 29.66


def test_mpf_fy2018_adjustment_took_effect_on_january_1_2018() -> None:
    # CBP Dec. 17-17: the first inflation adjustment (25.00 -> 25.67, 485.00 -> 497.99, informal 2.00 -> 2.05) was
    # required as of 2018-01-01, three months into FY2018; before it the statutory limits applied.
    assert one.mpf(1_000.00, date(2017, 12, 31)) == 25.00
    assert one.mpf(1_000_000.00, date(2017, 12, 31)) == 485.00
    assert one.mpf(1_000.00, date(2018, 1, 1)) == 25.67
    assert one.mpf(1_000_000.00, date(2018, 1, 1)) == 497.99
    assert one.mpf(1_000.00, date(2017, 12, 31), entry_type=None) == 2.00
    assert one.mpf(1_000.00, date(2018, 1, 1), entry_type=None) == 2.05
    # Informal flat fees FY2019 .. FY2022 (CSMS and CBP notices): 2.10, 2.14, 2.18, 2.22.
    for day, fee in ((date(2019, 1, 2), 2.10), (date(2020, 1, 2), 2.14), (date(2021, 1, 2), 2.18),
                     (date(2022, 1, 3), 2.22)):
        assert one.mpf(2_000.00, day, entry_type=None) == fee


def test_mpf_outside_the_table_raises() -> None:
    # The table starts with FY2017 (2016-10-01), the earliest fiscal year checked.
    with pytest.raises(LookupError):
        one.mpf(10_000.00, date(2016, 9, 30))
    assert one.mpf(10_000.00, date(2016, 10, 1)) == 34.64  # 10,000.00 x 0.003464


def test_hmf_only_on_ocean_shipments() -> None:
    # 48,000.00 x 0.00125 = 60.00 by sea; nothing by air, express, rail or truck.
    assert lc.hmf(48_000.00, "sea", FY2025) == 60.00
    for mode in ("air", "express", "rail", "truck"):
        assert lc.hmf(48_000.00, mode, FY2025) == 0.0
    # 10,440.00 x 0.00125 = 13.05
    assert lc.hmf(10_440.00, "SEA", FY2025) == 13.05


# ----------------------------------------------------------------------------------------------------------------
# Landed cost per unit and the duty check
# ----------------------------------------------------------------------------------------------------------------


def test_landed_cost_per_unit_and_quote_variance() -> None:
    # 2,000 lamps at 6.85 FOB = 13,700.00 ; freight 1,850.00 ; insurance 45.00 ; duty 1,030.50 ; fees 210.00 ;
    # brokerage 125.00 ; inspection 298.00 -> total 17,258.50 ; 1,980 units received (20 short).
    # per unit = 17,258.50 / 1,980 = 8.716414... ; variance vs 6.85 = 1.866414... = 27.2469...%
    cost = one.landed_cost_per_unit(13_700.00, 1_980, freight=1_850.00, insurance=45.00, duty=1_030.50, fees=210.00,
                                   brokerage=125.00, inspection=298.00, quoted_unit_price=6.85)
    assert cost.total == 17_258.50
    assert cost.per_unit == pytest.approx(8.716414, abs=1e-6)
    assert cost.variance_per_unit == pytest.approx(1.866414, abs=1e-6)
    assert cost.variance_pct == pytest.approx(27.246922, abs=1e-6)
    assert cost.components["duty"] == 1_030.50


def test_landed_cost_rejects_zero_units_and_negative_costs() -> None:
    with pytest.raises(ValueError):
        one.landed_cost_per_unit(100.0, 0)
    with pytest.raises(ValueError):
        one.landed_cost_per_unit(100.0, 10, freight=-1.0)


@pytest.mark.parametrize(
    ("paid", "status", "difference"),
    [
        (1_030.50, "match", 0.0),
        (1_031.00, "match", 0.50),  # within max(1.00, 1% x 1,030.50 = 10.31)
        (1_200.00, "overpaid", 169.50),  # 1,200.00 - 1,030.50
        (900.00, "underpaid", -130.50),  # 900.00 - 1,030.50
    ],
)
def test_compare_duty_flags_the_gap(paid: float, status: str, difference: float) -> None:
    check = one.compare_duty(1_030.50, paid)
    assert (check.status, check.difference) == (status, difference)


def test_compare_duty_without_a_paid_figure_is_not_a_match() -> None:
    assert one.compare_duty(1_030.50, None).status == "not_paid_known"
    assert one.compare_duty(1_030.50, float("nan")).status == "not_paid_known"


def test_marketplace_fee_amount_uses_the_channel_row() -> None:
    # amazon_us: 15% of 15,996.00 = 2,399.40 ; 5.00 x 400 units = 2,000.00 ; total 4,399.40
    assert one.marketplace_fee_amount("amazon_us", 15_996.00, 400) == 4_399.40
    with pytest.raises(KeyError):
        one.marketplace_fee_amount("etsy", 100.0, 1)


# ----------------------------------------------------------------------------------------------------------------
# Leakage waterfall
# ----------------------------------------------------------------------------------------------------------------

RETURNS = [
    {"reason": "defective", "quantity": 6, "refund_amount": 239.94, "disposition": "unsellable"},
    {"reason": "damaged", "quantity": 2, "refund_amount": 79.98, "disposition": "unsellable"},
    {"reason": "not_as_described", "quantity": 3, "refund_amount": 119.97, "disposition": "sellable"},
    {"reason": "customer_remorse", "quantity": 10, "refund_amount": 399.90, "disposition": "sellable"},
    {"reason": "wrong_item", "quantity": 1, "refund_amount": 39.99, "disposition": "unsellable"},
]
QUALITY = {"rework": 120.00, "relabel": 640.00, "chargeback": 85.50, "sorting": 60.00, "reinspection": 298.00,
           "write_off": 150.00}


def test_leakage_waterfall_steps_sum_from_planned_to_realised() -> None:
    # 400 units at 39.99 -> revenue 15,996.00 ; quoted landed 9.50 -> 3,800.00 ; fees 4,399.40
    # planned = 15,996.00 - 3,800.00 - 4,399.40 = 7,796.60
    # actual landed 10.10 -> 4,040.00 ; overrun = -(4,040.00 - 3,800.00) = -240.00
    # supplier returns (defective, damaged, not_as_described): refunds 239.94 + 79.98 + 119.97 = 439.89,
    #   fees 11 units x 3.00 = 33.00 -> -472.89
    # write-offs: 8 unsellable supplier units x 10.10 = 80.80 + quality write_off 150.00 -> -230.80
    # quality: rework -120.00, relabel -640.00, chargeback -85.50, expedite_freight 0, sorting -60.00,
    #   reinspection -298.00
    # realised = 7,796.60 - 240.00 - 472.89 - 230.80 - 120.00 - 640.00 - 85.50 - 60.00 - 298.00 = 5,649.41
    wf = leakage_waterfall(
        gross_revenue=15_996.00, units_sold=400, quoted_landed_cost_per_unit=9.50, actual_landed_cost_per_unit=10.10,
        marketplace_fees=4_399.40, returns=RETURNS, quality_costs=QUALITY, return_fee_per_unit=3.00,
    )
    assert wf.steps == [
        ("planned_contribution", 7_796.60),
        ("landed_cost_overrun", -240.00),
        ("duty_refunds_received", 0.0),
        ("refunds_and_return_fees", -472.89),
        ("unsellable_write_offs", -230.80),
        ("rework", -120.00),
        ("relabel", -640.00),
        ("chargeback", -85.50),
        ("expedite_freight", 0.0),
        ("sorting", -60.00),
        ("reinspection", -298.00),
        ("realised_contribution", 5_649.41),
    ]
    assert wf.is_balanced
    assert round(sum(amount for _, amount in wf.steps[:-1]), 2) == wf.realised
    # planned - realised = 7,796.60 - 5,649.41 = 2,147.19
    assert wf.supplier_leakage == 2_147.19
    # Non-supplier returns (customer_remorse, wrong_item): refunds 399.90 + 39.99 = 439.89, fees 11 x 3.00 = 33.00,
    # 1 unsellable wrong item x 10.10 = 10.10 -> 482.99, kept out of the waterfall.
    assert wf.non_supplier_returns == 482.99


def test_duty_refunds_received_are_recovered_leakage() -> None:
    # The same scope with 310.50 of IEEPA duty refunded: realised 5,649.41 + 310.50 = 5,959.91; leakage
    # 7,796.60 - 5,959.91 = 1,836.69 (2,147.19 before the refund).
    wf = leakage_waterfall(
        gross_revenue=15_996.00, units_sold=400, quoted_landed_cost_per_unit=9.50, actual_landed_cost_per_unit=10.10,
        marketplace_fees=4_399.40, returns=RETURNS, quality_costs=QUALITY, return_fee_per_unit=3.00,
        duty_refunds_received=310.50,
    )
    assert wf.as_dict()["duty_refunds_received"] == 310.50
    assert (wf.realised, wf.supplier_leakage, wf.is_balanced) == (5_959.91, 1_836.69, True)
    with pytest.raises(ValueError):
        leakage_waterfall(100.0, 1, 1.0, 1.0, 0.0, duty_refunds_received=-1.0)


def test_leakage_waterfall_attribution_follows_the_reasons_given() -> None:
    # Treat only 'defective' as the supplier's: refunds 239.94 + fees 6 x 3.00 = 257.94 ; write-off 6 x 10.10 = 60.60
    wf = leakage_waterfall(15_996.00, 400, 9.50, 10.10, 4_399.40, returns=RETURNS, return_fee_per_unit=3.00,
                              supplier_reasons={"defective"})
    steps = wf.as_dict()
    assert steps["refunds_and_return_fees"] == -257.94
    assert steps["unsellable_write_offs"] == -60.60
    # 7,796.60 - 240.00 - 257.94 - 60.60 = 7,238.06
    assert wf.realised == 7_238.06 and wf.is_balanced


def test_leakage_waterfall_rejects_unknown_reasons_and_kinds() -> None:
    with pytest.raises(ValueError):
        leakage_waterfall(100.0, 1, 1.0, 1.0, 0.0, returns=[{"reason": "lost", "quantity": 1}])
    with pytest.raises(ValueError):
        leakage_waterfall(100.0, 1, 1.0, 1.0, 0.0, quality_costs={"bribe": 1.0})


def test_return_reasons_table_covers_the_contract_values() -> None:
    from pipelines.contract import RETURNS as RETURNS_TABLE

    assert set(lc.load_return_reasons()) == set(RETURNS_TABLE.column("reason").allowed)
    assert one.supplier_attributable_reasons() == {"defective", "damaged", "not_as_described", "missing_parts"}


# ----------------------------------------------------------------------------------------------------------------
# Bootstrap intervals
# ----------------------------------------------------------------------------------------------------------------


def test_bootstrap_interval_contains_the_mean_and_is_reproducible() -> None:
    values = [3.1, 4.7, 2.2, 5.9, 4.4, 3.8, 6.1, 2.9, 4.0, 5.2]
    # mean = 42.3 / 10 = 4.23
    first = lc.bootstrap_mean_ci(values, n_boot=2000, ci=0.9, random_state=0)
    assert first.mean == pytest.approx(4.23)
    assert first.low < 4.23 < first.high
    assert lc.bootstrap_mean_ci(values, random_state=0) == first
    assert lc.bootstrap_mean_ci(values, random_state=1) != first


def test_bootstrap_interval_width_matches_the_normal_approximation() -> None:
    # For n = 400 draws, a 90% interval for the mean is about mean +/- 1.645 x s / sqrt(n).
    sample = np.random.default_rng(42).normal(10.0, 2.0, size=400)
    half_width = 1.645 * statistics.stdev(sample) / 400**0.5
    ci = lc.bootstrap_mean_ci(sample, n_boot=4000, ci=0.9, random_state=0)
    assert (ci.high - ci.low) / 2 == pytest.approx(half_width, rel=0.1)


def test_constant_values_give_a_zero_width_interval() -> None:
    ci = lc.bootstrap_mean_ci([7.5, 7.5, 7.5, None, float("nan")])
    assert (ci.mean, ci.low, ci.high, ci.n) == (7.5, 7.5, 7.5, 3)


def test_compare_groups_trader_vs_factory() -> None:
    # Traders' defect rates sit 2.0 points above the factories': difference of means = 6.0 - 4.0 = 2.0
    traders = [5.0, 6.0, 7.0, 5.5, 6.5, 6.0, 5.0, 7.0]  # mean 48 / 8 = 6.0
    factories = [4.0, 3.5, 4.5, 4.0, 3.0, 5.0, 4.0, 4.0]  # mean 32 / 8 = 4.0
    cmp = lc.compare_groups(traders, factories, random_state=0)
    assert cmp.difference == pytest.approx(2.0)
    assert cmp.low < 2.0 < cmp.high and cmp.excludes_zero
    same = lc.compare_groups(factories, factories, random_state=0)
    assert same.difference == 0.0 and not same.excludes_zero


def test_hmf_is_zero_when_the_mode_is_unknown():
    # an unknown mode (NULL read by pandas as None or NaN) is not assumed to be ocean freight
    assert lc.hmf(10_000.0, None, date(2024, 6, 1)) == 0.0
    assert lc.hmf(10_000.0, float("nan"), date(2024, 6, 1)) == 0.0
    assert lc.hmf(10_000.0, " Sea ", date(2024, 6, 1)) == 12.5  # 0.125% of 10,000


def test_a_minimum_total_tops_the_general_rate_up_and_never_below_it():
    """U.S. note 52's rates for TW, the EU, JP, KR and CH (from 2026-07-24) are minimum totals with the general (MFN)
    rate, typed here from data/reference/duty_rates.csv: TW and the EU 10%, JP 12.5%.
    Exercise bands 9506.91.00 (MFN 4.6%) from TW, 10,000.00: 460.00 + 10% - 4.6% = 540.00 -> 1,000.00 (10%).
    T-shirts 6109.10.00 (MFN 16.5%) from DE: already above 10%, nothing added -> 1,650.00.
    Toys 9503.00.00 (MFN free) from JP: 12.5% -> 1,250.00."""
    on = date(2026, 9, 10)
    assert lc.duty_amount(10_000.00, "9506.91.0030", "TW", on) == 1_000.00
    assert lc.duty_amount(10_000.00, "6109.10.0012", "DE", on) == 1_650.00
    assert lc.duty_amount(10_000.00, "9503.00.0073", "JP", on) == 1_250.00
    assert [lc.duty_rate(hs, origin, on).total_pct for hs, origin in (
        ("9506.91.0030", "TW"), ("6109.10.0012", "DE"), ("9503.00.0073", "JP"))] == [10.0, 16.5, 12.5]
    # the component says what it adds and to what
    line = pd.DataFrame({"hs_code": ["9506.91.0030"], "origin_country": ["TW"], "entry_on": [on],
                         "dutiable_cents": [1_000_000]})
    comp, summary = lc.duty_for_lines(line)
    forced = comp[comp["duty_type"] == "section_301_forced_labor"].iloc[0]
    assert (forced["charged_pct"], forced["amount_cents"]) == (5.4, 54_000)
    assert summary["duty_components"].iloc[0] == ("mfn 4.6% + section_301_forced_labor 5.4% (to a 10% minimum with the "
                                                  "general rate)")
    assert summary["effective_rate_pct"].iloc[0] == 10.0
    # the day before, Section 122's 10% instead (on top of MFN, not a minimum): 460.00 + 1,000.00
    assert lc.duty_amount(10_000.00, "9506.91.0030", "TW", date(2026, 7, 23)) == 1_460.00


def test_forced_labor_on_canada_and_mexico_unless_usmca_and_brazil_stacks_its_own_section_301():
    """From data/reference/duty_rates.csv: CA and MX 10% (9903.05.29 / .55), nothing on goods claiming USMCA
    (9903.05.93 / .94 in products.duty_claims); BR 12.5% (9903.05.27) stacked on Brazil's own Section 301 25%
    (9903.05.01, from 2026-07-22). T-shirts 6109.10.00 (MFN 16.5%), 10,000.00, entered 2026-09-10:
    CA 1,650.00 + 1,000.00 = 2,650.00; MX claiming USMCA 1,650.00; BR 1,650.00 + 2,500.00 + 1,250.00 = 5,400.00."""
    on = date(2026, 9, 10)
    assert lc.duty_amount(10_000.00, "6109.10.0012", "CA", on) == 2_650.00
    assert lc.duty_amount(10_000.00, "6109.10.0012", "MX", on) == 2_650.00
    assert lc.duty_amount(10_000.00, "6109.10.0012", "MX", on, claims="9903.05.94") == 1_650.00
    assert lc.duty_amount(10_000.00, "6109.10.0012", "BR", on) == 5_400.00
    # Brazil's own Section 301 began two days before the forced-labor duty
    assert lc.duty_amount(10_000.00, "6109.10.0012", "BR", date(2026, 7, 22)) == 1_650.00 + 2_500.00 + 1_000.00


def test_every_economy_of_the_forced_labor_action_has_its_row():
    """U.S. note 52 names 60 economies (the EU as one, written here as its 27 members): each origin has one row from
    2026-07-24, 12.5% or 10%, or a minimum total. T-shirts 6109.10.00 (MFN 16.5%), 10,000.00: from Turkiye 16.5% +
    12.5% = 2,900.00; from the UK 16.5% + 10% = 2,650.00; from Kenya (not named) 1,650.00."""
    rows = [r for r in lc.load_duty_rates() if r.duty_type == "section_301_forced_labor"
            and r.loaded_before is None and not r.requires_claim]
    origins = [r.origin_country for r in rows]
    assert len(origins) == len(set(origins)) == 59 + 27
    assert {r.effective_from for r in rows} == {date(2026, 7, 24)}
    assert {(r.rate_pct, r.basis) for r in rows} == {(12.5, "value"), (10.0, "value"), (10.0, "minimum_total"),
                                                     (12.5, "minimum_total")}
    on = date(2026, 9, 10)
    assert [lc.duty_amount(10_000.00, "6109.10.0012", origin, on) for origin in ("TR", "GB", "KE")] == [
        2_900.00, 2_650.00, 1_650.00]


def test_chapter_99_check_says_which_declared_number_the_tables_do_not_give_and_why():
    """A broker's chapter 99 numbers against the bundled duty table, by hand (duty_rates.csv's dates)."""
    from models.landed_cost import chapter_99_check

    # Section 122 (9903.03.01) ran 2026-02-24 .. 2026-07-23: declared on 2026-08-13 it had ended; the number
    # written without dots is the same number
    assert chapter_99_check(["99030301", "9903.88.03"], ["9903.88.03", "9903.05.31"], ["9903.88.03", "9903.05.31"],
                            date(2026, 8, 13)) == ["99030301 declared: section_122 ended 2026-07-23",
                                                   "9903.05.31 not declared: section_301_forced_labor"]
    # the forced-labor action (9903.05.31) starts 2026-07-24; a number no row carries; Section 301 on goods the
    # rows in force do not cover (the date is inside its rows' dates)
    assert chapter_99_check(["9903.05.31", "9903.99.99", "9903.88.03"], [], [], date(2026, 6, 1)) == [
        "9903.05.31 declared: section_301_forced_labor starts 2026-07-24",
        "9903.99.99 declared: not in the tariff tables",
        "9903.88.03 declared: section_301 not for these goods (HS code, origin, loading date or claim)"]
    # from 2025-11-10 the table's fentanyl row (10%) has no number: 9903.01.24 declared then is not judged
    assert chapter_99_check(["9903.01.24"], [], [], date(2025, 12, 1), unnumbered=["mfn", "ieepa_fentanyl"]) == []
    assert chapter_99_check(["9903.01.24"], [], [], date(2025, 12, 1)) == [
        "9903.01.24 declared: ieepa_fentanyl ended 2025-11-09"]
    # the same numbers both ways: nothing to say, however the broker's system writes them
    assert chapter_99_check(["9903.88.03"], ["9903.88.03"], ["9903.88.03"], date(2026, 8, 13)) == []
    assert chapter_99_check(["9903880300"], ["9903.88.03"], ["9903.88.03"], date(2026, 8, 13)) == []


def test_a_product_claiming_a_forced_labor_exemption_pays_none_of_it():
    """U.S. note 52's exemptions 9903.05.86-.92 (CSMS #69326983: "Except for products described in headings
    9903.05.85-9903.05.92"), claimed in products.duty_claims, take the forced-labor duty of every economy to 0; the
    rest of the stack stays. T-shirts 6109.10.00 (MFN 16.5%), 10,000.00, entered 2026-09-10: from CN 16.5 + 7.5
    (List 4A) + 12.5 = 3,650.00, claiming 9903.05.86 2,400.00; from VN 2,900.00 and 1,650.00; toys 9503.00.00 (MFN
    free) from JP, a 12.5% minimum total: 1,250.00, and claiming 9903.05.92 nothing; a claim before 2026-07-24
    changes nothing (Section 122's 10% then)."""
    on = date(2026, 9, 10)
    assert lc.duty_amount(10_000.00, "6109.10.0012", "CN", on) == 3_650.00
    assert lc.duty_amount(10_000.00, "6109.10.0012", "CN", on, claims="9903.05.86") == 2_400.00
    assert lc.duty_amount(10_000.00, "6109.10.0012", "VN", on) == 2_900.00
    assert lc.duty_amount(10_000.00, "6109.10.0012", "VN", on, claims="9903.05.91") == 1_650.00
    assert lc.duty_amount(10_000.00, "9503.00.0073", "JP", on) == 1_250.00
    assert lc.duty_amount(10_000.00, "9503.00.0073", "JP", on, claims="9903.05.92") == 0.00
    assert lc.duty_amount(10_000.00, "6109.10.0012", "CN", date(2026, 7, 1), claims="9903.05.86") == 3_400.00
    claims = sorted(r.requires_claim for r in lc.load_duty_rates()
                    if r.duty_type == "section_301_forced_labor" and r.origin_country == "*" and r.requires_claim)
    assert claims == [f"9903.05.{h}" for h in range(86, 93)]
    assert lc.duty_rate("6109.10.0012", "CN", on, claims="9903.05.86").components[-1].ch99_heading == "9903.05.86"


def test_a_percentage_of_a_huge_line_is_exact_not_wrapped_round_to_a_negative_duty():
    """cents × rate in 1/10,000 % past int64 (a line of $1 trillion at 25%: 10^14 × 250,000 = 2.5 × 10^19) wrapped
    round to a negative duty and failed the build's allocation ('weights must be >= 0'); small products stay int64."""
    got = lc.percent_of_cents(np.array([10**14, 12_345, 10**13]), np.array([25.0, 7.5, 145.0]))
    assert got.tolist() == [25 * 10**12, 926, 145 * 10**11] and got.dtype == np.int64
    # half up as before: 12,345 × 7.5% = 925.875 -> 926; 100 × 2.5% = 2.5 -> 3; 1,005 × 10% = 100.5 -> 101
    assert lc.percent_of_cents(np.array([12_345, 100]), np.array([7.5, 2.5])).tolist() == [926, 3]
    assert int(lc.percent_of_cents(1_005, 10.0)) == 101


@pytest.fixture(scope="module")
def wood_ref(tmp_path_factory):
    """The reference tables plus MFN rows (Free, as the HTS gives these codes) for a wooden chair, a cabinet and a
    softwood board, and the chair's Section 301 rows for CN (List 3: 10%, 25% from 2019-05-10; a CBP New York
    ruling of 2020 on bar stools of 9401.61.4011 quotes the 25%): data/reference ships the Section 232 wood rows, a
    brand adds its codes' MFN and Section 301 rows (listed_duties.csv: a code of China without a Section 301 row
    has an unknown duty)."""
    import shutil

    ref = tmp_path_factory.mktemp("wood_ref")
    for path in lc.REFERENCE_DIR.glob("*.csv"):
        shutil.copy(path, ref / path.name)
    with (ref / "duty_rates.csv").open("a", encoding="utf-8") as f:
        for code in ("9401.61.40", "9403.60.80", "4407.11.00"):
            f.write(f"{code},*,mfn,0,2018-01-01,,,value,,,,verified,test MFN row,\n")
        f.write("9401.61.40,CN,section_301,10,2018-09-24,2019-05-09,9903.88.03,value,,,,verified,test List 3 row,\n")
        f.write("9401.61.40,CN,section_301,25,2019-05-10,,9903.88.03,value,,,,verified,test List 3 row,\n")
    return ref


@pytest.mark.parametrize("hs_code, origin, entered, claims, duty", [
    # upholstered wooden chair from CN, 10,000.00, List 3's 25% (2,500.00) throughout: the day before Proclamation
    # 10976, + fentanyl 20% + reciprocal 10%
    ("9401.61.4011", "CN", date(2025, 10, 13), "", 5_500.00),
    # from 2025-10-14: Section 232 25% (2,500.00), the reciprocal duty not on it, fentanyl 20% on top (2,000.00)
    ("9401.61.4011", "CN", date(2025, 10, 14), "", 7_000.00),
    # the last day before the deferred increase: 232 25%; the forced-labor duty is not on the part under 232
    ("9401.61.4011", "CN", date(2026, 12, 31), "", 5_000.00),
    # from 2027-01-01, as scheduled: 30%
    ("9401.61.4011", "CN", date(2027, 1, 1), "", 5_500.00),
    # a child's chair (9401.61.4001) is outside the annex: forced labor 12.5% + List 3 25%
    ("9401.61.4001", "CN", date(2026, 12, 31), "", 3_750.00),
    # a vanity from VN from 2027-01-01: 50%
    ("9403.60.8093", "VN", date(2027, 1, 1), "", 5_000.00),
    # the same code declared outside the cabinets (9903.76.04): no 232 duty, so the forced-labor 12.5% applies
    ("9403.60.8093", "VN", date(2027, 1, 1), "9903.76.04", 1_250.00),
    # softwood lumber from CA after Section 122: 232 10%, CA's forced-labor 10% not on it
    ("4407.11.00", "CA", date(2026, 8, 3), "", 1_000.00),
])
def test_section_232_on_wood_products_on_both_sides_of_each_change(wood_ref, hs_code, origin, entered, claims, duty):
    assert lc.duty_amount(10_000.00, hs_code, origin, entered, ref_dir=wood_ref, claims=claims) == duty


@pytest.mark.parametrize("origin, entered, claims, duty", [
    # T-shirts 6109.10.00 (MFN 16.5%), 10,000.00. Before the fentanyl duties began (2025-03-04): MFN only
    ("CA", date(2025, 3, 3), "", 1_650.00),
    # Canada 25% (9903.01.10) and no reciprocal 10%: 1,650.00 + 2,500.00; USMCA's exemption only from 2025-03-07
    ("CA", date(2025, 5, 1), "", 4_150.00),
    ("CA", date(2025, 3, 5), "9903.01.14", 4_150.00),
    # Canada 35% from 2025-08-01: 1,650.00 + 3,500.00; claiming USMCA (9903.01.14): MFN only
    ("CA", date(2025, 9, 1), "", 5_150.00),
    ("CA", date(2025, 9, 1), "9903.01.14", 1_650.00),
    # Mexico 25% (9903.01.01) to the last day; claiming USMCA (9903.01.04): MFN only
    ("MX", date(2026, 2, 23), "", 4_150.00),
    ("MX", date(2025, 9, 1), "9903.01.04", 1_650.00),
    # the day the IEEPA duties ended: Section 122's 10% instead
    ("MX", date(2026, 2, 24), "", 2_650.00),
    # another origin still reads its own reciprocal rate (VN 20%, Annex I)
    ("VN", date(2025, 9, 1), "", 3_650.00),
])
def test_canada_and_mexico_paid_the_fentanyl_duty_not_the_reciprocal_one(origin, entered, claims, duty):
    """From data/reference/duty_rates.csv: goods of CA and MX were outside the reciprocal tariff (EO 14257) and paid
    the IEEPA fentanyl duty instead (EO 14193 / 14194): CA 25%, 35% from 2025-08-01; MX 25%; none on goods claiming
    USMCA from 2025-03-07."""
    assert lc.duty_amount(10_000.00, "6109.10.0012", origin, entered, claims=claims) == duty


def test_canada_and_mexico_fentanyl_duty_is_not_charged_on_the_steel_under_section_232():
    """Steel bolts 7318.15.20 (MFN free), 10,000.00 with 40% steel, entered 2025-09-01: Section 232 50% on the steel
    (2,000.00); the fentanyl duty on the rest (6,000.00): CA 35% 2,100.00, MX 25% 1,500.00; DE the reciprocal 10%."""
    on = date(2025, 9, 1)
    assert lc.duty_amount(10_000.00, "7318.15.2065", "CA", on, steel_content_pct=40) == 4_100.00
    assert lc.duty_amount(10_000.00, "7318.15.2065", "MX", on, steel_content_pct=40) == 3_500.00
    assert lc.duty_amount(10_000.00, "7318.15.2065", "DE", on, steel_content_pct=40) == 2_600.00


LISTED_HEADER = "duty_type,origin_country,effective_from,effective_to,status,source,notes\n"


def test_a_listed_duty_needs_a_row_for_the_code_or_the_duty_is_unknown(tmp_path):
    """listed_duties.csv: Section 301 names codes of China one by one from 2018-07-06, so a code of CN without any
    section_301 row (at any date) has an unknown duty, never its MFN alone; a 0% row (on none of the lists) or a
    row of another date makes it known, and other origins and earlier entries need none."""
    (tmp_path / "duty_rates.csv").write_text(
        DUTY_HEADER
        + "1111.11.11,*,mfn,2,2010-01-01,,t,\n"
        + "2222.22.22,*,mfn,3,2010-01-01,,t,\n"
        + "2222.22.22,CN,section_301,0,2018-07-06,,t,on none of the lists\n"
        + "3333.33.33,*,mfn,4,2010-01-01,,t,\n"
        + "3333.33.33,CN,section_301,25,2019-05-10,,t,\n")
    (tmp_path / "listed_duties.csv").write_text(LISTED_HEADER + "section_301,CN,2018-07-06,,verified,t,\n")
    on = date(2024, 6, 1)
    with pytest.raises(LookupError, match=r"no section_301 row for HS 1111\.11\.1100 from CN"):
        lc.duty_rate("1111.11.1100", "CN", on, ref_dir=tmp_path)
    with pytest.raises(LookupError, match="section_301"):
        lc.duty_amount(1_000.00, "1111.11.1100", "CN", on, ref_dir=tmp_path)
    unknown = lc.duty_rate("1111.11.1100", "CN", on, ref_dir=tmp_path, require_known=False)
    assert unknown.has_mfn and not unknown.is_known and unknown.missing == ("section_301",)
    # the same code from VN, or from CN before the lists began: MFN alone is the whole duty
    assert lc.duty_amount(1_000.00, "1111.11.1100", "VN", on, ref_dir=tmp_path) == 20.00
    assert lc.duty_amount(1_000.00, "1111.11.1100", "CN", date(2018, 7, 5), ref_dir=tmp_path) == 20.00
    # a 0% row: 30.00; a row from 2019-05-10 also covers an entry before it (the code's list is known): 40.00
    assert lc.duty_amount(1_000.00, "2222.22.2200", "CN", on, ref_dir=tmp_path) == 30.00
    assert lc.duty_amount(1_000.00, "3333.33.3300", "CN", date(2019, 1, 2), ref_dir=tmp_path) == 40.00
    assert lc.duty_amount(1_000.00, "3333.33.3300", "CN", on, ref_dir=tmp_path) == 290.00
    lines = pd.DataFrame({"hs_code": ["1111.11.1100", "1111.11.1100", "2222.22.2200"],
                          "origin_country": ["CN", "VN", "CN"], "entry_on": [on] * 3,
                          "dutiable_cents": [100_000] * 3})
    _, summary = lc.duty_for_lines(lines, tmp_path)
    assert list(summary["duty_rows_missing"].fillna("")) == ["section_301", "", ""]
    assert list(summary["duty_known"]) == [False, True, True]
    assert np.isnan(lc.effective_rates(lines, tmp_path)[0])
    # without the table no duty type is required of a code
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "duty_rates.csv").write_text((tmp_path / "duty_rates.csv").read_text())
    assert lc.duty_amount(1_000.00, "1111.11.1100", "CN", on, ref_dir=bare) == 20.00


def test_the_shipped_listed_duties_ask_a_section_301_row_of_every_code_of_china():
    rows = lc.load_listed_duties()
    assert [(r.duty_type, r.origin_country, r.effective_from, r.effective_to) for r in rows] == [
        ("section_301", "CN", date(2018, 7, 6), None)]
    assert all(r.source for r in rows)


@pytest.mark.parametrize("origin, entered, duty", [
    # T-shirts 6109.10.00 (MFN 16.5%, List 4A 7.5% for CN only), 10,000.00. Goods of Hong Kong paid China's IEEPA
    # duties but never Section 301: before the reciprocal duty, fentanyl 10%: 1,650.00 + 1,000.00
    ("HK", date(2025, 3, 1), 2_650.00),
    ("CN", date(2025, 3, 1), 3_400.00),
    # at 125% (2025-04-10 .. 05-13): + fentanyl 20% + reciprocal 125%; Macau the reciprocal duty only
    ("HK", date(2025, 4, 12), 16_150.00),
    ("MO", date(2025, 4, 12), 14_150.00),
    # after the Geneva statement: fentanyl 20% + reciprocal 10%; from 2025-11-10 fentanyl 10%
    ("HK", date(2025, 6, 1), 4_650.00),
    ("HK", date(2025, 12, 1), 3_650.00),
    # the IEEPA duties ended: Section 122's 10%, as for every origin
    ("HK", date(2026, 3, 1), 2_650.00),
])
def test_hong_kong_and_macau_paid_chinas_ieepa_duties_but_not_section_301(origin, entered, duty):
    assert lc.duty_amount(10_000.00, "6109.10.0012", origin, entered) == duty


def test_duty_gaps_groups_the_products_by_code_and_origin_most_skus_first():
    products = pd.DataFrame({"sku": ["A", "B", "C", "D", "E", "F"],
                             "hs_code": ["9401.61.4011", "9999.99.9999", "9405.42.8440", None, "9999.99.9999",
                                         "9999.99.9999"],
                             "origin_country": ["CN", "VN", "CN", "CN", "vn", "CN"]})
    gaps = lc.duty_gaps(products, date(2026, 12, 1))
    assert gaps.to_dict(orient="records") == [
        {"hs_code": "9999.99.9999", "origin_country": "VN", "missing": "mfn", "sku_count": 2, "skus": "B, E"},
        {"hs_code": "9401.61.4011", "origin_country": "CN", "missing": "mfn, section_301", "sku_count": 1,
         "skus": "A"},
        {"hs_code": "9999.99.9999", "origin_country": "CN", "missing": "mfn, section_301", "sku_count": 1,
         "skus": "F"}]
    # the lamp is priced and D has no code: neither is listed; nothing missing gives an empty frame
    assert lc.duty_gaps(products.iloc[[2, 3]], date(2026, 12, 1)).empty


def test_duty_rows_to_fill_writes_one_row_per_code_origin_and_missing_duty():
    """9999.99.9999 from VN and CN lacks one MFN row (for every origin: written once) and China's Section 301 row;
    dates from the table's first MFN row (2018-01-01) and the lists' start (2018-07-06); rate and source blank."""
    gaps = lc.duty_gaps(pd.DataFrame({"sku": ["B", "F"], "hs_code": ["9999.99.9999", "9999.99.9999"],
                                      "origin_country": ["VN", "CN"]}), date(2026, 12, 1))
    rows = lc.duty_rows_to_fill(gaps)
    assert list(rows.columns) == list(lc.DUTY_RATE_COLUMNS)
    assert rows[["hs_code", "origin_country", "duty_type", "rate_pct", "effective_from", "source", "status"]] \
        .values.tolist() == [["9999.99.99", "*", "mfn", "", "2018-01-01", "", "unverified"],
                             ["9999.99.99", "CN", "section_301", "", "2018-07-06", "", "unverified"]]
