"""Every HTS code the demo generator uses resolves to a duty rate for Chinese goods, and a few stacks checked by hand.

Rates are typed here independently of data/reference/duty_rates.csv (arithmetic in the comments), so a changed
row makes a test fail on purpose: update both, with the new source. Several of the rows behind these figures are
marked "Not sure" in the table's notes; these tests pin the table, they do not prove the tariff.
"""

from __future__ import annotations

from datetime import date

import pytest

from models import landed_cost as lc
from pipelines.demo import CATEGORIES

DEMO_CODES = sorted({code for spec in CATEGORIES.values() for code in spec[3]})


@pytest.mark.parametrize("entry_date", [date(2024, 6, 1), date(2025, 6, 1)], ids=str)
@pytest.mark.parametrize("hs_code", DEMO_CODES)
def test_every_demo_code_has_a_duty_rate_for_cn(hs_code: str, entry_date: date) -> None:
    rate = lc.duty_rate(hs_code, "CN", entry_date)  # raises LookupError when no MFN row matches
    assert rate.has_mfn
    types = {c.duty_type for c in rate.components}
    # Every demo code has an explicit Section 301 row for CN (0% for List 4B / not-listed determinations), so a
    # missing list determination cannot hide behind a silent 0.
    assert "section_301" in types
    # Each component comes from a row at least 8 digits long or the '*' IEEPA rows, never a heading-level guess.
    for c in rate.components:
        assert c.hs_prefix == "*" or len(lc.normalise_hs(c.hs_prefix)) >= 8, (hs_code, c)


def test_demo_codes_are_the_expected_set() -> None:
    # If the generator gains a code, this fails so the new code gets its rows (and a line in this file).
    assert len(DEMO_CODES) == 26


def _total(hs: str, d: date) -> float:
    return round(lc.duty_rate(hs, "CN", d).total_pct, 4)


def test_storage_bin_list_4a_2024() -> None:
    # 3924.90.5650 (plastic household article), entered 2024-06-01, before the IEEPA duties:
    # MFN 3.4% + Section 301 List 4A 7.5% = 10.9%.
    assert _total("3924.90.5650", date(2024, 6, 1)) == pytest.approx(10.9)
    # Duty on 10,440.00: 10,440.00 x 3.4% = 354.96; x 7.5% = 783.00; sum 1,137.96.
    assert lc.duty_amount(10_440.00, "3924.90.5650", "CN", date(2024, 6, 1)) == pytest.approx(1_137.96)
    # During the 15% List 4A window (2019-09-01 .. 2020-02-13): 3.4 + 15 = 18.4%.
    assert _total("3924.90.5650", date(2019, 12, 1)) == pytest.approx(18.4)


def test_wrench_set_list_3_with_ieepa_2025() -> None:
    # 8204.11.0030 (non-adjustable wrenches), entered 2025-06-01:
    # MFN 9% + Section 301 List 3 25% + IEEPA fentanyl 20% + IEEPA reciprocal 10% = 64%.
    assert _total("8204.11.0030", date(2025, 6, 1)) == pytest.approx(64.0)
    # On 2,000.00: 180.00 + 500.00 + 400.00 + 200.00 = 1,280.00.
    assert lc.duty_amount(2_000.00, "8204.11.0030", "CN", date(2025, 6, 1)) == pytest.approx(1_280.00)


def test_charger_free_mfn_list_3_step_up() -> None:
    # 8504.40.9510 (power supply <= 50 W): MFN Free, so the whole duty is Section 301 (+ IEEPA in 2025).
    # 2019-05-09, last day of List 3 at 10%: 0 + 10 = 10%.
    assert _total("8504.40.9510", date(2019, 5, 9)) == pytest.approx(10.0)
    # 2019-05-10, List 3 at 25%: 0 + 25 = 25%.
    assert _total("8504.40.9510", date(2019, 5, 10)) == pytest.approx(25.0)
    # 2025-06-01: 0 + 25 + 20 + 10 = 55%.
    assert _total("8504.40.9510", date(2025, 6, 1)) == pytest.approx(55.0)


def test_fleece_throw_list_4b_suspended() -> None:
    # 6301.40.0020 (synthetic-fibre blanket): List 4B's 15% never took effect (USTR 84 FR 69447; CBP NY N319556),
    # so 2024-06-01 pays MFN 8.5% + 0% = 8.5%, and 2025-06-01 pays 8.5 + 0 + 20 + 10 = 38.5%.
    assert _total("6301.40.0020", date(2024, 6, 1)) == pytest.approx(8.5)
    assert _total("6301.40.0020", date(2025, 6, 1)) == pytest.approx(38.5)


def test_new_2022_codes_and_existing_prefixes_match() -> None:
    # 9405.21.8000 and 4414.90.0000 exist from HTS 2022, in force in the US from 2022-01-27 (Proclamation 10326).
    # 9405.21.8000 on 2024-06-01: MFN 3.9% + List 3 25% = 28.9%.
    assert _total("9405.21.8000", date(2024, 6, 1)) == pytest.approx(28.9)
    # 4414.90.0000 on 2024-06-01: MFN 3.9% + List 4A 7.5% = 11.4%.
    assert _total("4414.90.0000", date(2024, 6, 1)) == pytest.approx(11.4)
    # 7323.93.0080 resolves through the existing 7323.93.00 rows: 2% + 25% = 27%.
    rate = lc.duty_rate("7323.93.0080", "CN", date(2024, 6, 1))
    assert {c.duty_type: c.hs_prefix for c in rate.components} == {"mfn": "7323.93.00", "section_301": "7323.93.00"}
    assert rate.total_pct == pytest.approx(27.0)


# Every demo code is dutiable on any entry date from the one its last missing rate begins (8518.30.20 reached Free
# under the ITA expansion on a date taken as 2019-07-01) to today, across HTS 2022: products hold today's codes.
@pytest.mark.parametrize("entry_date", [date(2019, 7, 1), date(2020, 6, 1), date(2022, 1, 26), date(2022, 1, 27),
                                        date(2026, 11, 30)], ids=str)
@pytest.mark.parametrize("hs_code", DEMO_CODES)
def test_every_demo_code_has_an_mfn_rate_before_and_after_hts_2022(hs_code: str, entry_date: date) -> None:
    assert lc.duty_rate(hs_code, "CN", entry_date).has_mfn


def test_a_code_hts_2022_created_reads_as_its_predecessor_before_2022_01_27() -> None:
    # 9405.42.8440 (LED lamps) did not exist before 2022-01-27: an entry then was made under 9405.40.84.
    # 2020-06-01: MFN 3.9% + List 3 25% of 9405.40.84 = 28.9%; the statistical suffix 40 is kept (9405.40.8440).
    rate = lc.duty_rate("9405.42.8440", "CN", date(2020, 6, 1))
    assert {c.duty_type: c.hs_prefix for c in rate.components} == {"mfn": "9405.40.84", "section_301": "9405.40.84"}
    assert rate.total_pct == pytest.approx(28.9)
    # 2018-06-01, before List 3 (2018-09-24): MFN 3.9% only. 2018-10-01: List 3 at 10% -> 13.9%.
    assert _total("9405.42.8440", date(2018, 6, 1)) == pytest.approx(3.9)
    assert _total("9405.42.8440", date(2018, 10, 1)) == pytest.approx(13.9)
    # The last day of the old code and the first of the new one.
    assert {c.hs_prefix for c in lc.duty_rate("9405.42.8440", "CN", date(2022, 1, 26)).components} == {"9405.40.84"}
    assert {c.hs_prefix for c in lc.duty_rate("9405.42.8440", "CN", date(2022, 1, 27)).components} == {"9405.42.84"}
    # Wooden frames 4414.90.0000 <- 4414.00.00: 2019-12-01 in List 4A's 15% window: 3.9 + 15 = 18.9%;
    # 2021-06-01: 3.9 + 7.5 = 11.4%. On 1,000.00 in 2021: 39.00 + 75.00 = 114.00.
    assert _total("4414.90.0000", date(2019, 12, 1)) == pytest.approx(18.9)
    assert lc.duty_amount(1_000.00, "4414.90.0000", "CN", date(2021, 6, 1)) == pytest.approx(114.00)
    # 9405.21.8000 <- 9405.20.80 rests on an unverified renumbering: its rates read unverified even where the
    # predecessor's row were verified; 3.9 + 25 = 28.9% in 2021.
    rate = lc.duty_rate("9405.21.8000", "CN", date(2021, 6, 1))
    assert rate.total_pct == pytest.approx(28.9)
    assert {c.hs_prefix for c in rate.components} == {"9405.20.80"}
    assert {c.status for c in rate.components} == {"unverified"}
    # A code no revision touched is read as written on any date.
    assert {c.hs_prefix for c in lc.duty_rate("7323.93.0080", "CN", date(2020, 6, 1)).components} == {"7323.93.00"}
    # An entry summary line under the old code (as the broker declared it then) needs no renumbering; the old code
    # after the revision has no row: unknown, not guessed to be one of the codes it was split into.
    assert _total("9405.40.8440", date(2021, 6, 1)) == pytest.approx(28.9)
    with pytest.raises(LookupError):
        lc.duty_rate("9405.40.8440", "CN", date(2024, 6, 1))
