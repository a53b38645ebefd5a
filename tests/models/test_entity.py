"""Entity consistency: name normalisation, comparisons across scripts, and the GB 32100-2015 check character."""

from __future__ import annotations

import pytest

from models import entity


@pytest.mark.parametrize("a, b", [
    ("Ningbo Bright Home Products Co., Ltd.", "NINGBO BRIGHT HOME PRODUCTS CO LTD"),
    ("Ningbo Bright Home Products Co., Ltd.", "Ningbo Bright Home Products Company Limited"),
    ("Ningbo Bright Home Products Co. Ltd", "ningbo bright home products limited"),
    ("Ｎｉｎｇｂｏ　Ａｌｐｈａ Ｃｏ．，Ｌｔｄ．", "Ningbo Alpha Co Ltd"),  # full-width characters
    ("Yiwu Beta Mfg. Co., Ltd.", "Yiwu Beta Manufacturing Company Limited"),
    ("Yiwu Beta Trade Co Ltd", "YIWU BETA TRADING CO., LTD."),
    ("Shenzhen A&B Electronics Co., Ltd.", "Shenzhen A and B Electronic Co Ltd"),
    ("宁波市恒达贸易有限公司", "宁波恒达贸易有限责任公司"),
    ("宁波恒达贸易有限公司", "宁波恒达贸易（有限公司）"),
])
def test_same_entity_after_normalisation(a, b):
    assert entity.compare_names(a, b) == entity.MATCH


def test_normalised_forms_are_written_out():
    assert entity.normalise_name("Ningbo Bright Home Products Co., Ltd.") == "ningbo bright home products"
    assert entity.normalise_name("Ningbo Bright Home Products Co., Ltd.", drop_descriptors=True) == "ningbo bright home"
    assert entity.normalise_name("宁波市恒达贸易有限公司") == "宁波恒达贸易"
    assert entity.normalise_name("宁波市恒达贸易有限公司", drop_descriptors=True) == "宁波恒达"
    assert entity.normalise_name("义乌市佳丽实业有限责任公司", drop_descriptors=True) == "义乌佳丽"
    assert entity.normalise_name(None) == ""
    assert entity.normalise_name("   ") == ""


@pytest.mark.parametrize("a, b", [
    ("Ningbo Hengda Trading Co., Ltd.", "Ningbo Hengda Industrial Co., Ltd."),
    ("宁波恒达贸易有限公司", "宁波恒达实业有限公司"),
])
def test_only_the_business_descriptor_differs_is_related(a, b):
    assert entity.compare_names(a, b) == entity.RELATED


def test_chinese_vs_latin_cannot_be_verified_by_name():
    assert entity.compare_names("Wuxi Mingzhu Textile Co., Ltd.", "无锡市明珠纺织品有限公司") == entity.CANNOT_VERIFY
    assert entity.compare_names("无锡市明珠纺织品有限公司", "Wuxi Mingzhu Textile Co., Ltd.") == entity.CANNOT_VERIFY


def test_another_entity_is_a_mismatch_even_across_scripts_when_one_is_a_hong_kong_company():
    assert entity.compare_names("Ningbo Hengda Home Products Co., Ltd.",
                                "Hong Kong Hengda International Trading Limited") == entity.MISMATCH
    assert entity.compare_names("苏州市盛泰五金制品有限公司",
                                "Hong Kong Shengtai International Holdings Limited") == entity.MISMATCH
    assert entity.compare_names("Jinhua Huaxin Trading Co., Ltd.", "Suzhou Huaxin Industrial Co., Ltd.") == \
        entity.MISMATCH
    assert entity.compare_names("香港恒达国际有限公司", "宁波恒达贸易有限公司") == entity.MISMATCH


def test_missing_names():
    assert entity.compare_names(None, "Ningbo Alpha Co., Ltd.") == entity.MISSING
    assert entity.compare_names("Ningbo Alpha Co., Ltd.", "") == entity.MISSING


def test_worst_comparison_names_the_culprit():
    outcome, culprit = entity.worst_comparison("Ningbo Alpha Co., Ltd.", [
        "NINGBO ALPHA CO LTD", "宁波阿尔法有限公司", "Hong Kong Alpha Holdings Limited"])
    assert (outcome, culprit) == (entity.MISMATCH, "Hong Kong Alpha Holdings Limited")


def test_uscc_check_character_hand_computed():
    # 9·1 + 1·3 + 3·9 + 3·27 + 0·19 + 2·26 + 0·16 + 1·17 + 0… + 1·28 = 217 = 7·31 → (31 − 0) mod 31 = 0 → '0'
    assert entity.uscc_check_char("91330201000000001") == "0"
    # last digit 2 instead of 1: 217 + 28 = 245, 245 mod 31 = 28, 31 − 28 = 3 → '3'
    assert entity.uscc_check_char("91330201000000002") == "3"
    # a letter: 'A' is value 10 at position 9 (weight 20): 217 + 200 = 417, 417 mod 31 = 14, 31 − 14 = 17 → 'H'
    assert entity.uscc_check_char("91330201A00000001") == "H"


def test_registration_id_status():
    assert entity.registration_id_status("913302010000000010", "CN") == "valid"
    assert entity.registration_id_status("913302010000000011", "CN") == "invalid_check"
    assert entity.registration_id_status("91330201MA2H3XYZ1K", "CN") == "invalid_format"  # Z is not in the charset
    assert entity.registration_id_status("9133020100000001", "CN") == "invalid_format"  # 16 characters
    assert entity.registration_id_status("", "CN") == "missing"
    assert entity.registration_id_status(None, "CN") == "missing"
    assert entity.registration_id_status("0101234567", "VN") == "not_checked"


def test_demo_generator_codes_validate():
    import numpy as np

    from pipelines.demo import _uscc

    rng = np.random.default_rng(1)
    codes = [_uscc(rng, "3302") for _ in range(50)]
    assert all(entity.registration_id_status(c, "CN") == "valid" for c in codes)
    broken = [c[:-1] + ("0" if c[-1] != "0" else "1") for c in codes]
    assert all(entity.registration_id_status(c, "CN") == "invalid_check" for c in broken)


@pytest.mark.parametrize("a, b", [
    ("International Trading Co., Ltd.", "Electronic Technology Co Ltd"),  # core empty once descriptors go
    ("Ningbo Trading Co., Ltd.", "Ningbo Technology Co., Ltd."),  # core is only a place name
    ("宁波贸易有限公司", "宁波科技有限公司"),  # the same in Chinese script
])
def test_a_core_that_is_empty_or_only_a_place_is_not_related(a, b):
    assert entity.compare_names(a, b) == entity.MISMATCH


@pytest.mark.parametrize("a, b", [
    ("Yiwu Hengda Trading Co., Ltd.", "Yiwu Hengda Industrial Co., Ltd."),  # a true sister company
    ("宁波恒达贸易有限公司", "宁波恒达实业有限公司"),
])
def test_a_sister_company_with_a_real_core_name_stays_related(a, b):
    assert entity.compare_names(a, b) == entity.RELATED
