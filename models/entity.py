"""Entity consistency: normalise company names and compare them; validate Chinese unified social credit codes.

A brand pays the entity named on the proforma invoice; fraud and "sister company" invoicing show up as a
payee, bank beneficiary or PI entity that is not the supplier's registered legal entity. Names are compared
after normalisation (case, punctuation, full-width characters, legal-form suffixes such as "Co., Ltd." /
"Company Limited" / 有限公司, spelling variants of business descriptors). A Chinese-script name cannot be compared
with a Latin one by spelling, so that pair is "cannot verify by name", never an automatic mismatch.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Iterable

# Outcomes of comparing two names, from reassuring to alarming.
MATCH = "match"  # same entity after normalisation
RELATED = "related"  # same core name, only a business descriptor differs (e.g. "Trading" vs "Industrial")
CANNOT_VERIFY = "cannot_verify"  # Chinese script vs Latin script: spelling cannot tell
MISMATCH = "mismatch"  # a different entity
MISSING = "missing"  # one side is empty

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[a-z]")

# Latin legal-form words: dropped, they say nothing about which entity it is.
_LEGAL_FORMS = {
    "co", "company", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "llc", "plc", "gmbh",
    "jsc", "pte", "pvt", "sa", "srl", "bv", "ag", "the", "and",
}
# Spelling variants of business descriptors, mapped to one canonical word.
_DESCRIPTOR_VARIANTS = {
    "trade": "trading", "trading": "trading", "traders": "trading",
    "ind": "industrial", "industry": "industrial", "industries": "industrial", "industrial": "industrial",
    "mfg": "manufacturing", "manufacture": "manufacturing", "manufacturer": "manufacturing",
    "manufacturing": "manufacturing", "factory": "manufacturing",
    "intl": "international", "international": "international",
    "imp": "import", "exp": "export", "import": "import", "export": "export",
    "tech": "technology", "technology": "technology", "technologies": "technology",
    "prod": "products", "products": "products", "product": "products",
    "commerce": "commerce", "commercial": "commerce",
    "holding": "holdings", "holdings": "holdings", "group": "group",
    "elec": "electronic", "electronics": "electronic", "electronic": "electronic",
}
_DESCRIPTORS = set(_DESCRIPTOR_VARIANTS.values()) | {"supply", "chain", "management", "enterprise", "development"}
# Chinese legal forms (longest first, so 有限责任公司 is removed before 公司) and descriptors.
_CN_LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "分公司", "公司", "集团", "厂")
_CN_DESCRIPTORS = ("国际贸易", "进出口", "供应链管理", "贸易", "商贸", "工贸", "实业", "工业", "制造", "科技", "国际",
                   "电子", "用品", "制品")
_CN_ADMIN = ("省", "市", "区", "县")

_CONFIG_PATH = Path(__file__).resolve().parent / "config" / "risk_score.toml"


@lru_cache(maxsize=1)
def _place_names() -> tuple[frozenset[str], tuple[str, ...]]:
    """Latin place-name words and Chinese place names (longest first) from the [entity] config table."""
    with _CONFIG_PATH.open("rb") as fh:
        cfg = tomllib.load(fh).get("entity", {})
    latin = frozenset(w.lower() for w in cfg.get("place_names", []))
    cn = tuple(sorted(cfg.get("place_names_cn", []), key=len, reverse=True))
    return latin, cn


def _identifies(core: str) -> bool:
    """True when a descriptor-free core name still names a company: non-empty and not only place names."""
    if not core:
        return False
    latin, cn = _place_names()
    if has_cjk(core):
        for place in cn:
            core = core.replace(place, "")
        return bool(core)
    return any(w not in latin for w in core.split())


USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: 31 characters, no I O S V Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3^i mod 31


def has_cjk(name: str | None) -> bool:
    """True when the name contains Chinese characters."""
    return bool(name) and bool(_CJK.search(name))


def _fold(name: str) -> str:
    """NFKC (full-width → half-width), lower case, '&' → 'and'."""
    return unicodedata.normalize("NFKC", name).lower().replace("&", " and ")


def normalise_name(name: str | None, drop_descriptors: bool = False) -> str:
    """Canonical form of a company name: the words that identify the entity, legal forms removed.

    Latin names become space-separated words; Chinese names become the characters left after removing
    legal forms (and administrative suffixes such as 市). With `drop_descriptors` business descriptors
    ("Trading", "Industrial", 贸易, 实业…) are removed too, leaving the core name.
    """
    if name is None or (isinstance(name, float)) or not str(name).strip():
        return ""
    text = _fold(str(name))
    if has_cjk(text):
        core = "".join(ch for ch in text if _CJK.match(ch) or ch.isalnum())
        for suffix in _CN_LEGAL_FORMS:
            core = core.replace(suffix, "")
        for admin in _CN_ADMIN:
            core = core.replace(admin, "")
        if drop_descriptors:
            for word in _CN_DESCRIPTORS:
                core = core.replace(word, "")
        return core
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    out = []
    for w in words:
        if w in _LEGAL_FORMS:
            continue
        w = _DESCRIPTOR_VARIANTS.get(w, w)
        if drop_descriptors and w in _DESCRIPTORS:
            continue
        out.append(w)
    return " ".join(out)


_HONG_KONG = re.compile(r"hong\s*kong|\bhk\b|香港")


def is_hong_kong(name: str | None) -> bool:
    """True when the name says it is a Hong Kong company (a separate legal entity from a mainland one)."""
    return bool(name) and bool(_HONG_KONG.search(_fold(str(name))))


def compare_names(a: str | None, b: str | None) -> str:
    """Compare two entity names: match, related, cannot_verify, mismatch or missing."""
    na, nb = normalise_name(a), normalise_name(b)
    if not na or not nb:
        return MISSING
    if is_hong_kong(a) != is_hong_kong(b):
        # a Hong Kong company and a mainland one are different legal entities, whatever the script
        return MISMATCH
    if has_cjk(a) != has_cjk(b):
        return CANNOT_VERIFY
    if na == nb:
        return MATCH
    core = normalise_name(a, drop_descriptors=True)
    if core == normalise_name(b, drop_descriptors=True) and _identifies(core):
        # same core name, only a descriptor differs; an empty core or a bare place name ("Ningbo Trading" vs
        # "Ningbo Technology") says nothing about the entity, so that pair stays a mismatch
        return RELATED
    return MISMATCH


_SEVERITY = {MATCH: 0, MISSING: 0, CANNOT_VERIFY: 1, RELATED: 2, MISMATCH: 3}


def worst_comparison(reference: str | None, names: Iterable[str | None]) -> tuple[str, str | None]:
    """The worst outcome of comparing `reference` with each name, and the name that caused it."""
    worst, culprit = MATCH, None
    for n in names:
        outcome = compare_names(reference, n)
        if _SEVERITY[outcome] > _SEVERITY[worst]:
            worst, culprit = outcome, n
    return worst, culprit


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character for the first 17 characters of a unified social credit code."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def registration_id_status(reg_id: str | None, country: str | None) -> str:
    """'valid', 'invalid_check', 'invalid_format', 'missing' or 'not_checked' (non-CN registries)."""
    if reg_id is None or (isinstance(reg_id, float)) or not str(reg_id).strip():
        return "missing"
    code = str(reg_id).strip().upper().replace(" ", "")
    if (country or "").upper() != "CN":
        return "not_checked"
    if len(code) != 18 or any(c not in USCC_CHARSET for c in code):
        return "invalid_format"
    return "valid" if uscc_check_char(code[:17]) == code[17] else "invalid_check"
