"""What-if scenarios worked by hand: tariff changes, Incoterm, transport mode and a volume move (models/whatif.py).

Rates typed from data/reference/duty_rates.csv: lamps 9405.42.84 MFN 3.9% + Section 301 25% (CN); bags 4202.92.31
MFN 17.6% + Section 301 25% (CN) + Section 122 10% (2026-02-24 .. 2026-07-23); HMF 0.125% by sea.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from models import whatif


def _base(**overrides) -> pd.DataFrame:
    row = dict(sku="A1", product_name="Lamp", supplier_id="S1", hs_code="9405.42.8440", origin_country="CN",
               duty_claims="", steel_content_pct=float("nan"), aluminium_content_pct=float("nan"), incoterm="FOB",
               mode="sea", units=900, unit_price=5.50, dutiable_ratio=1.0, freight_pu=0.51, insurance_pu=0.02,
               fees_pu=0.143435, hmf_pu=0.006565, inspection_pu=0.45, net_price_pu=40.0, marketplace_fee_pu=10.0,
               quality_cost_pu=0.314375, has_landed_lots=True)
    row.update(overrides)
    return pd.DataFrame([row])


def test_section_301_plus_25_points_on_a_chinese_lamp():
    # Yearly dutiable value 900 x 5.50 = 4,950.00.
    # Before (2024-06-21): 4,950 x 3.9% = 193.05 + x 25% = 1,237.50 -> 1,430.55 / 900 = 1.5895 per unit.
    # After: 301 at 50%: 193.05 + 2,475.00 = 2,668.05 / 900 = 2.9645 per unit.
    # Landed before = 5.50 + 0.51 + 0.02 + 1.5895 + (0.143435 + 0.006565) + 0.45 = 8.2195; after 9.5945.
    # Margin = 40.00 - 10.00 - landed - 0.314375: 21.466125 -> 20.091125; change -1.375 x 900 = -1,237.50.
    out = whatif.run_scenario(_base(), whatif.Scenario(date(2024, 6, 21), whatif.PRESETS["Section 301 +25%"])).iloc[0]
    assert (out["duty_before_pu"], out["duty_after_pu"]) == (1.5895, 2.9645)
    assert (out["landed_before_pu"], out["landed_after_pu"]) == (8.2195, 9.5945)
    assert out["margin_before_pu"] == pytest.approx(21.4661, abs=1e-4)
    assert out["margin_after_pu"] == pytest.approx(20.0911, abs=1e-4)
    assert out["margin_change_total"] == -1_237.50


def test_section_122_ends_and_comes_back_at_15_percent():
    # Bag 4202.92.3131, 1,000 units a year at 12.00, costed 2026-03-10: 17.6 + 25 + 10 = 52.6% -> 6.312 per unit.
    # "Section 122 ends": 42.6% -> 5.112 per unit (-1.20). "Section 122 at 15%": 57.6% -> 6.912 per unit (+0.60).
    base = _base(sku="BAG", hs_code="4202.92.3131", units=1000, unit_price=12.00)
    on = date(2026, 3, 10)
    ends = whatif.run_scenario(base, whatif.Scenario(on, whatif.PRESETS["Section 122 ends"])).iloc[0]
    assert (ends["duty_before_pu"], ends["duty_after_pu"]) == (6.312, 5.112)
    assert ends["landed_change_pu"] == -1.20
    higher = whatif.run_scenario(base, whatif.Scenario(on, whatif.PRESETS["Section 122 at 15%"])).iloc[0]
    assert higher["duty_after_pu"] == 6.912
    # After Section 122 ended (2026-08-01) the forced-labor duty applies: 17.6 + 25 + 12.5 = 55.1% -> 6.612 per unit;
    # "back at 10%" adds Section 122 to every origin: 65.1% -> 7.812; "forced-labor Section 301 ends": 5.112.
    back = whatif.run_scenario(base, whatif.Scenario(date(2026, 8, 1),
                                                     whatif.PRESETS["Section 122 back at 10% (all origins)"])).iloc[0]
    assert (back["duty_before_pu"], back["duty_after_pu"]) == (6.612, 7.812)
    gone = whatif.run_scenario(base, whatif.Scenario(date(2026, 8, 1),
                                                     whatif.PRESETS["Forced-labor Section 301 ends"])).iloc[0]
    assert (gone["duty_before_pu"], gone["duty_after_pu"]) == (6.612, 5.112)


def test_section_301_plus_25_leaves_a_vietnamese_product_alone():
    # No Section 301 outside China: the +25 points apply to no component.
    out = whatif.run_scenario(_base(origin_country="VN"),
                              whatif.Scenario(date(2024, 6, 21), whatif.PRESETS["Section 301 +25%"])).iloc[0]
    assert out["duty_before_pu"] == out["duty_after_pu"] == 0.2145  # 4,950 x 3.9% = 193.05 / 900


def test_incoterm_changes_move_costs_into_the_price():
    # FOB -> CIF: the supplier takes over freight (0.51) and insurance (0.02) at the same cost: price 6.03, freight and
    # insurance 0; the duty stays on the goods (5.50), so landed cost is unchanged (8.2195).
    cif = whatif.run_scenario(_base(), whatif.Scenario(date(2024, 6, 21), incoterm="CIF")).iloc[0]
    assert cif["landed_after_pu"] == 8.2195 and cif["duty_after_pu"] == 1.5895
    # FOB -> DDP with a 2% dearer quote: price = (5.50 + 0.51 + 0.02) x 1.02 = 6.1506, then + duty 1.5895 + fees 0.15
    # the seller now pays = 7.8901; landed = 7.8901 + inspection 0.45 = 8.3401.
    ddp = whatif.run_scenario(_base(), whatif.Scenario(date(2024, 6, 21), incoterm="DDP", price_change_pct=2.0)).iloc[0]
    assert ddp["landed_after_pu"] == pytest.approx(8.3401, abs=1e-4)
    assert ddp["duty_after_pu"] == 0.0


def test_mode_change_uses_the_skus_own_freight_by_mode_and_drops_hmf():
    # Air freight for A1 from its history: 1.40 per unit. HMF (0.006565 by sea) falls away by air.
    # Landed after = 8.2195 - 0.51 + 1.40 - 0.006565 = 9.102935
    freight = pd.DataFrame({"sku": ["A1", "A1"], "mode": ["sea", "air"], "freight_pu": [0.51, 1.40]})
    out = whatif.run_scenario(_base(), whatif.Scenario(date(2024, 6, 21), mode="air"), freight).iloc[0]
    assert out["landed_after_pu"] == pytest.approx(9.1029, abs=1e-4)
    # No history by rail: freight unchanged, and the note says so (HMF still drops: not by sea).
    rail = whatif.run_scenario(_base(), whatif.Scenario(date(2024, 6, 21), mode="rail"), freight).iloc[0]
    assert rail["notes"] == "no rail freight history for this SKU: freight unchanged"
    assert rail["landed_after_pu"] == pytest.approx(8.2195 - 0.006565, abs=1e-4)


def test_moving_half_the_volume_to_a_vietnamese_supplier():
    # Target VN at 5.80 with a quality cost of 0.10 per unit; 50% of the volume moves (costed 2024-06-21).
    # VN lamp: 3.9% only: 900 x 5.80 = 5,220.00 x 3.9% = 203.58 / 900 = 0.2262 per unit.
    # Target landed = 5.80 + 0.51 + 0.02 + 0.2262 + 0.15 + 0.45 = 7.1562; blended = (8.2195 + 7.1562) / 2 = 7.68785
    # Quality blended = (0.314375 + 0.10) / 2 = 0.2071875; margin after = 30 - 7.68785 - 0.2071875 = 22.1049625
    suppliers = pd.DataFrame({"supplier_id": ["S9"], "country": ["VN"], "quality_cost_pu": [0.10]})
    out = whatif.run_scenario(_base(), whatif.Scenario(date(2024, 6, 21), target_supplier_id="S9", move_share=0.5,
                                                       target_unit_price=5.80), suppliers=suppliers).iloc[0]
    assert out["landed_after_pu"] == pytest.approx(7.68785, abs=1e-4)
    assert out["margin_after_pu"] == pytest.approx(22.10496, abs=1e-4)
    assert out["supplier_after"] == "S1 / S9 (50%)"


def test_tariff_change_validation():
    with pytest.raises(ValueError):
        whatif.TariffChange("section_301", "double")
    assert whatif.TariffChange("section_301", "add", 25).describe() == "section 301 +25 points"


def test_a_higher_general_rate_is_absorbed_by_a_minimum_total():
    # Exercise bands 9506.91.0030 from TW, 1,000 units at 10.00, costed 2026-09-10: MFN 4.6% + the forced-labor
    # minimum total of 10% -> 10% = 1.00 per unit. MFN +5 points (9.6%): the top-up shrinks to 0.4%, still 1.00.
    # MFN +8 points (12.6%): above the minimum, nothing added -> 1.26.
    base = _base(sku="BAND", hs_code="9506.91.0030", origin_country="TW", units=1000, unit_price=10.00)
    on = date(2026, 9, 10)
    for points, after in ((5.0, 1.00), (8.0, 1.26)):
        out = whatif.run_scenario(base, whatif.Scenario(on, (whatif.TariffChange("mfn", "add", points),))).iloc[0]
        assert (out["duty_before_pu"], out["duty_after_pu"]) == (1.00, after)


def test_a_sku_whose_duty_is_unknown_is_not_costed_at_zero_duty():
    """A SKU without a duty rate (a code the table has no MFN row for, or no HS code at all) has an unknown duty,
    landed cost and margin before and after, and says why; the lamp beside it is costed as before."""
    base = pd.concat([_base(), _base(sku="X1", hs_code="9999.99.9999"), _base(sku="X2", hs_code=None),
                      _base(sku="X3", hs_code="9999.99.9999", origin_country="VN")], ignore_index=True)
    out = whatif.run_scenario(base, whatif.Scenario(date(2024, 6, 21), whatif.PRESETS["Section 301 +25%"])) \
        .set_index("sku")
    assert (out.at["A1", "duty_before_pu"], out.at["A1", "duty_after_pu"]) == (1.5895, 2.9645)
    for sku in ("X1", "X2", "X3"):
        assert out.loc[sku, ["duty_before_pu", "duty_after_pu", "landed_before_pu", "landed_after_pu",
                             "margin_before_pu", "margin_after_pu", "margin_change_total"]].isna().all()
    assert out.at["X1", "notes"] == ("duty unknown: no MFN and no section_301 row for its HS code from CN in "
                                     "duty_rates.csv (Section 301: 0% if the code is on none of its lists)")
    assert out.at["X2", "notes"] == "duty unknown: the product has no HS code"
    # from VN only the MFN row is missing: Section 301 is China's
    assert out.at["X3", "notes"] == "duty unknown: no MFN row for its HS code from VN in duty_rates.csv"
    assert out.at["A1", "notes"] == ""
