"""Entity consistency: name normalisation, comparisons across scripts, and the GB 32100-2015 check character."""

from __future__ import annotations

import pandas as pd
import pytest

from models import entity
from reference.entity_names import worst_comparison


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


# ---- Chinese script vs Latin script (hand-made pairs; the reading of each is written beside it) ------------------

@pytest.mark.parametrize("chinese, latin", [
    # 宁波 Ningbo · 明泰 ming tai · 塑料 plastic · 制品 products
    ("宁波明泰塑料制品有限公司", "Ningbo Mingtai Plastic Products Co., Ltd."),
    ("宁波市明泰塑料制品有限公司", "NINGBO MINGTAI PLASTIC PRODUCTS CO LTD"),
    ("宁波明泰塑料制品有限公司", "Ningbo Ming Tai Plastics Products Company Limited"),  # spaced, plural
    ("浙江宁波明泰塑料制品有限公司", "Ningbo Mingtai Plastic Products Co., Ltd."),  # the province left out
    ("宁波明泰塑料制品有限公司", "Mingtai Plastic Products Co., Ltd."),  # no place in the Latin name
    ("无锡市明珠纺织品有限公司", "Wuxi Mingzhu Textile Co., Ltd."),  # 纺织品 textile
    ("重庆长兴五金制品有限公司", "Chongqing Changxing Hardware Products Co., Ltd."),  # 重 chong/zhong, 长 chang/zhang
    ("陕西长兴五金制品有限公司", "Shaanxi Changxing Hardware Products Co., Ltd."),  # the conventional spelling
    ("宁波绿源塑料制品有限公司", "Ningbo Lvyuan Plastic Products Co., Ltd."),  # 绿 lü written lv...
    ("宁波绿源塑料制品有限公司", "Ningbo Luyuan Plastic Products Co., Ltd."),  # ...or lu
    ("沧州恒达进出口有限公司", "Cangzhou Hengda Import & Export Co., Ltd."),  # a city not in the place list
    ("义乌市佳丽工艺品有限公司", "Yiwu Jiali Arts & Crafts Co., Ltd."),
    ("广州天逸体育用品有限公司", "Guangzhou Tianyi Sporting Goods Co., Ltd."),
    ("深圳市浩宇电子科技有限公司", "Shenzhen Haoyu Electronic Technology Co., Ltd."),
    ("东莞鼎盛供应链管理有限公司", "Dongguan Dingsheng Supply Chain Management Co., Ltd."),
])
def test_a_chinese_name_that_reads_as_the_latin_one_matches(chinese, latin):
    assert entity.compare_names(chinese, latin) == entity.MATCH
    assert entity.compare_names(latin, chinese) == entity.MATCH


@pytest.mark.parametrize("chinese, latin", [
    ("宁波明泰塑料制品有限公司", "Ningbo Hengda Plastic Products Co., Ltd."),  # another trade name
    ("宁波明泰塑料制品有限公司", "Yiwu Mingtai Plastic Products Co., Ltd."),  # another city
    ("浙江宁波明泰塑料制品有限公司", "Hangzhou Mingtai Plastic Products Co., Ltd."),
    ("宁波明泰塑料制品有限公司", "Ningbo Mingtai Hardware Products Co., Ltd."),  # another trade (as in Latin)
    ("义乌贝塔贸易有限公司", "Yiwu Beta Trading Co., Ltd."),  # 贝塔 reads bei ta: an English brand is not the name
    ("宁波明泰塑料制品有限公司", "Ningbo Trading Co., Ltd."),  # no trade name at all
    # 沧州 (a city the place list lacks) reads as Cangzhou, then 恒达 heng da is not xin yuan: another trade name
    ("沧州恒达贸易有限公司", "Cangzhou Xinyuan Trading Co., Ltd."),
    ("宁波恒达贸易有限公司", "Hong Kong Hengda International Trading Limited"),  # Hong Kong vs mainland
])
def test_a_chinese_name_that_reads_as_no_latin_name_is_a_mismatch(chinese, latin):
    assert entity.compare_names(chinese, latin) == entity.MISMATCH
    assert entity.compare_names(latin, chinese) == entity.MISMATCH


@pytest.mark.parametrize("chinese, latin", [
    ("宁波明泰贸易有限公司", "Ningbo Mingtai Industrial Co., Ltd."),  # 贸易 trading vs Industrial: a sister company
    ("宁波明泰塑料制品有限公司", "Ningbo Mingtai Plastic Co., Ltd."),  # Products dropped, as in Latin-Latin
])
def test_the_same_trade_name_with_another_business_descriptor_is_related(chinese, latin):
    assert entity.compare_names(chinese, latin) == entity.RELATED


@pytest.mark.parametrize("chinese, latin", [
    # 橡塑 (rubber and plastic) is not in the term table: the trade names agree, the rest cannot be read
    ("宁波明泰橡塑制品有限公司", "Ningbo Mingtai Rubber Plastic Products Co., Ltd."),
    # Houseware is not a translation the table knows
    ("宁波明泰塑料制品有限公司", "Ningbo Mingtai Houseware Co., Ltd."),
    # both sides have a word left, and Elastomer does not read as pinyin: an untranslated term, not a trade name
    ("宁波明泰橡塑有限公司", "Ningbo Mingtai Elastomer Co., Ltd."),
    # Hong Kong names are romanised from Cantonese (恒达 = Hang Tat), not pinyin
    ("香港恒达国际有限公司", "Hang Tat International Limited Hong Kong"),
])
def test_a_pair_that_hinges_on_an_untranslatable_word_cannot_be_verified(chinese, latin):
    assert entity.compare_names(chinese, latin) == entity.CANNOT_VERIFY


def test_every_demo_name_reads_as_its_latin_name_and_not_as_another_suppliers():
    """The demo writes each supplier in both scripts: every (city, trade name, industry) reads back as its Latin
    name, and the Latin name of the next trade name in the list is a mismatch."""
    from pipelines.demo import CITIES, MFG_INDUSTRIES, TRADE_INDUSTRIES, WORDS

    industries = [(en, zh) for en, zh, _ in MFG_INDUSTRIES] + list(TRADE_INDUSTRIES)
    for (city, city_zh, _), (ind, ind_zh) in zip(CITIES * 2, industries * 4):
        for i, (word, word_zh) in enumerate(WORDS):
            hanzi = f"{city_zh}市{word_zh}{ind_zh}有限公司"
            assert entity.compare_names(hanzi, f"{city} {word} {ind} Co., Ltd.") == entity.MATCH, hanzi
            other = WORDS[(i + 1) % len(WORDS)][0]
            assert entity.compare_names(hanzi, f"{city} {other} {ind} Co., Ltd.") == entity.MISMATCH, hanzi


def test_trading_company_markers_in_names():
    assert entity.trading_markers("宁波恒达贸易有限公司") == ["贸易"]
    assert entity.trading_markers("义乌市鑫源进出口有限公司") == ["进出口"]
    assert entity.trading_markers("Yiwu Xinyuan Imp. & Exp. Co., Ltd.") == ["import export"]
    assert entity.trading_markers("Yiwu Xinyuan Import and Export Co., Ltd.") == ["import export"]
    assert entity.trading_markers("Ningbo Hengda Trade Co Ltd") == ["trading"]
    assert entity.trading_markers("Shenzhen Haoyu Supply Chain Management Co., Ltd.") == ["supply chain"]
    # a factory: no marker; "Industry & Trade" (工贸) is how factories that export themselves are named
    assert entity.trading_markers("Ningbo Mingtai Plastic Products Co., Ltd.") == []
    assert entity.trading_markers("Yongkang Hengda Industry & Trade Co., Ltd.") == []
    assert entity.trading_markers("永康市恒达工贸有限公司") == []
    assert entity.trading_markers(None) == [] and entity.trading_markers("") == []


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
    outcome, culprit = worst_comparison("Ningbo Alpha Co., Ltd.", [
        "NINGBO ALPHA CO LTD", "Ningbo Alpha Trading Co Ltd", "Hong Kong Alpha Holdings Limited"])
    assert (outcome, culprit) == (entity.MISMATCH, "Hong Kong Alpha Holdings Limited")
    # the first of the worst is named: 阿尔法 reads a er fa, not Alpha
    outcome, culprit = worst_comparison("Ningbo Alpha Co., Ltd.", [
        "Ningbo Alpha Trading Co Ltd", "宁波阿尔法有限公司", "Hong Kong Alpha Holdings Limited"])
    assert (outcome, culprit) == (entity.MISMATCH, "宁波阿尔法有限公司")


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


def test_trading_label_check_flags_a_declared_factory_whose_names_say_trading():
    from models.entity import trading_label_check

    names = ["Mingtai Home", "Ningbo Mingtai Plastic Products Co., Ltd.", "宁波明泰贸易有限公司",
             "Shenzhen Bright Import & Export Co., Ltd.", None]
    assert trading_label_check("manufacturer", None, names) == (
        True, ["贸易", "import export"], ["宁波明泰贸易有限公司", "Shenzhen Bright Import & Export Co., Ltd."])
    # verified as a factory by an audit or visit: not questioned; a declared trader is what it says
    assert trading_label_check("manufacturer", "manufacturer", names)[0] is False
    assert trading_label_check("trading_company", None, names)[0] is False
    # "Industry & Trade" (工贸) is the usual name of a factory that exports itself
    assert trading_label_check("manufacturer", None, ["Yiwu Huafeng Industry & Trade Co., Ltd."]) == (False, [], [])


def test_pairs_are_judged_as_compare_names_judges_each_one():
    legal = ["Ningbo Alpha Co., Ltd.", "Ningbo Alpha Co., Ltd.", None, "Ningbo Alpha Co., Ltd.", "Ningbo Alpha Co., Ltd.",
             "宁波明泰塑料制品有限公司", "Ningbo Alpha Co., Ltd."]
    names = ["NINGBO ALPHA CO LTD", "Ningbo Alpha Trading Co., Ltd.", "Anyone Ltd.",
             "Hong Kong Alpha International Limited", "", "Ningbo Mingtai Plastic Products Co., Ltd.",
             "NINGBO ALPHA CO LTD"]
    got = entity.severities(legal, names)
    # as compare_names judges each pair; a missing reference or name compares as empty: nothing against it
    assert got.tolist() == [entity.SEVERITY[entity.compare_names(a, b or None)] for a, b in zip(legal, names)]
    assert got.tolist()[:5] == [0, 2, 0, 3, 0] and got[6] == got[0]
    # another entity: a related or unrelated one; a blank or missing name never is
    assert entity.is_other_entity(legal, names).tolist() == [False, True, False, True, False, False, False]
    assert entity.is_other_entity(["Ningbo Alpha Co., Ltd."], [None]).tolist() == [False]


def test_a_payee_is_checked_against_the_legal_name_else_the_orders_proforma_entity():
    ref = entity.payee_reference(pd.Series(["Ningbo Alpha Co., Ltd.", None], index=[7, 9]),
                                 pd.Series(["Hong Kong Alpha International Limited", "Yiwu Beta Co., Ltd."],
                                           index=[3, 4]))
    assert ref.tolist() == ["Ningbo Alpha Co., Ltd.", "Yiwu Beta Co., Ltd."]  # by position, whatever the indexes
