"""Entity consistency: normalise company names and compare them; validate Chinese unified social credit codes.

A brand pays the entity named on the proforma invoice; fraud and "sister company" invoicing show up as a
payee, bank beneficiary or PI entity that is not the supplier's registered legal entity. Names are compared
after normalisation (case, punctuation, full-width characters, legal-form suffixes such as "Co., Ltd." /
"Company Limited" / 有限公司, spelling variants of business descriptors). A Chinese-script name is compared with a
Latin one by reading it: its place is transliterated, its trade name (字号) spelled in pinyin (pypinyin, every reading
of a character with several), and its business terms (塑料制品 → Plastic Products) translated from the table in the
scoring config; a pair that reads the same is a match, a trade name or place that reads otherwise is a mismatch, and
a pair that hinges on a word the table cannot translate is "cannot verify", never a guessed match.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

# Outcomes of comparing two names, from reassuring to alarming.
MATCH = "match"  # same entity after normalisation
RELATED = "related"  # same core name, only a business descriptor differs (e.g. "Trading" vs "Industrial")
CANNOT_VERIFY = "cannot_verify"  # Chinese vs Latin script and a word we cannot translate: reading cannot tell
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
def _entity_config() -> dict:
    """The [entity] table of the scoring config (place names, name terms, trading-company markers)."""
    with _CONFIG_PATH.open("rb") as fh:
        return tomllib.load(fh).get("entity", {})


@lru_cache(maxsize=1)
def _place_names() -> tuple[frozenset[str], tuple[str, ...]]:
    """Latin place-name words and Chinese place names (longest first) from the [entity] config table."""
    cfg = _entity_config()
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


@lru_cache(maxsize=1 << 16)  # pure and called once per order or payment row: the same names recur
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


@lru_cache(maxsize=1 << 16)  # pure and called once per order or payment row: the same names recur
def compare_names(a: str | None, b: str | None) -> str:
    """Compare two entity names: match, related, cannot_verify, mismatch or missing."""
    na, nb = normalise_name(a), normalise_name(b)
    if not na or not nb:
        return MISSING
    if is_hong_kong(a) != is_hong_kong(b):
        # a Hong Kong company and a mainland one are different legal entities, whatever the script
        return MISMATCH
    if has_cjk(a) != has_cjk(b):
        return _compare_across_scripts(a, b) if has_cjk(a) else _compare_across_scripts(b, a)
    if na == nb:
        return MATCH
    core = normalise_name(a, drop_descriptors=True)
    if core == normalise_name(b, drop_descriptors=True) and _identifies(core):
        # same core name, only a descriptor differs; an empty core or a bare place name ("Ningbo Trading" vs
        # "Ningbo Technology") says nothing about the entity, so that pair stays a mismatch
        return RELATED
    return MISMATCH


# ---- Chinese script vs Latin script -----------------------------------------------------------------------------

def _stem(word: str) -> str:
    """A Latin word as compared across scripts: descriptor spelling unified, plural dropped (Plastics = plastic)."""
    word = _DESCRIPTOR_VARIANTS.get(word, word)
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@lru_cache(maxsize=1)
def _name_terms() -> tuple[tuple[tuple[str, tuple[frozenset[str], ...]], ...], frozenset[str]]:
    """Chinese business terms (longest first) with their accepted translations as sets of stemmed words, and every
    Latin word such a translation or a business descriptor uses (the words that are not part of a trade name)."""
    terms = []
    known = {_stem(w) for w in _DESCRIPTORS} | {"group"}
    for term, translations in _entity_config().get("name_terms_cn", {}).items():
        alts = tuple(frozenset(_stem(w) for w in alt.split()) for alt in translations.split("|"))
        terms.append((term, alts))
        known.update(w for alt in alts for w in alt)
    return tuple(sorted(terms, key=lambda t: len(t[0]), reverse=True)), frozenset(known)


@lru_cache(maxsize=4096)
def _readings(char: str) -> tuple[str, ...]:
    """Every pinyin reading of one character without tones (ü as v or u); other characters stand for themselves."""
    if not _CJK.match(char):
        return (char.lower(),)
    from pypinyin import Style, pinyin  # imported on first use: a 2-script name is rare, the dictionary is large

    out: list[str] = []
    for reading in pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")[0]:
        for spelling in (reading, reading.replace("v", "u")):
            if spelling and spelling not in out:
                out.append(spelling)
    return tuple(out)


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable of pypinyin's dictionary (ü as u and as v)."""
    from pypinyin.constants import PINYIN_DICT

    out = set()
    for readings in PINYIN_DICT.values():
        for reading in readings.split(","):
            plain = "".join(ch for ch in unicodedata.normalize("NFD", reading) if not unicodedata.combining(ch))
            out.add(plain.lower())
            if "ü" in unicodedata.normalize("NFC", reading):
                out.add(plain.lower().replace("u", "v"))
    return frozenset(out)


@lru_cache(maxsize=4096)
def _reads_as_pinyin(word: str) -> bool:
    """Whether a Latin word splits into pinyin syllables (xinyuan = xin·yuan; elastomer does not)."""
    syllables = _syllables()
    ends = {0}
    for i in range(1, len(word) + 1):
        if any(word[j:i] in syllables for j in ends if i - j <= 6):
            ends.add(i)
    return len(word) in ends


def _spelled_by(chars: str, target: str) -> set[int]:
    """The k such that the first k characters of `chars`, read in pinyin (any reading of each), spell `target`."""
    found: set[int] = set()
    stack = [(0, 0)]
    seen = set()
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if j == len(target):
            found.add(i)
            continue
        if i == len(chars):
            continue
        for reading in _readings(chars[i]):
            if target.startswith(reading, j):
                stack.append((i + 1, j + len(reading)))
    return found


def _reads_as_place(places: list[str], latin: str) -> bool:
    """Whether the Latin place words (joined) read as the Chinese places, or as the last of them (the Latin name may
    leave out the province: 浙江宁波 = Ningbo): in pinyin, or as the configured spelling (陕西 = Shaanxi)."""
    spellings = _entity_config().get("place_spellings", {})
    for k in range(len(places)):
        tail = "".join(places[k:])
        if len(tail) in _spelled_by(tail, latin) or spellings.get(tail, "").replace(" ", "") == latin:
            return True
    return False


def _read_chinese(name: str) -> tuple[list[str], str, list[tuple[frozenset[str], ...]]]:
    """A Chinese name as (places at its start, trade name, business terms at its end), legal forms removed."""
    core = normalise_name(name)
    _, cn_places = _place_names()
    places = []
    while True:
        place = next((p for p in cn_places if core.startswith(p) and len(core) > len(p)), None)
        if place is None:
            break
        places.append(place)
        core = core[len(place):]
    terms, _ = _name_terms()
    found = []
    while True:
        hit = next(((t, alts) for t, alts in terms if core.endswith(t)), None)
        if hit is None:
            break
        found.insert(0, hit[1])
        core = core[: -len(hit[0])]
    return places, core, found


def _read_latin(name: str) -> tuple[list[str], list[str], list[str]]:
    """A Latin name as (places at its start, trade-name words, business words after them), legal forms removed."""
    words = normalise_name(name).split()
    latin_places, _ = _place_names()
    _, known = _name_terms()
    i = 0
    while i < len(words) - 1 and words[i] in latin_places:
        i += 1
    j = i
    while j < len(words) and _stem(words[j]) not in known:
        j += 1
    return words[:i], words[i:j], [_stem(w) for w in words[j:]]


def _compare_across_scripts(chinese: str, latin: str) -> str:
    """A Chinese-script name vs a Latin one: read the Chinese one (place, trade name in pinyin, business terms
    translated) and compare. Match only when every part reads the same; a trade name or place that reads otherwise is
    a mismatch; a pair that hinges on a word the term table cannot translate is cannot_verify."""
    if is_hong_kong(chinese) and is_hong_kong(latin):
        return CANNOT_VERIFY  # Hong Kong names are romanised from Cantonese, not pinyin: reading cannot tell
    cn_places, trade, cn_terms = _read_chinese(chinese)
    lat_places, lat_trade, lat_terms = _read_latin(latin)
    _, known = _name_terms()
    if cn_places and lat_places and not _reads_as_place(cn_places, "".join(lat_places)):
        return MISMATCH
    target = "".join(lat_trade)
    if not trade or not target:
        return MATCH if not trade and not target and _terms_agree(cn_terms, lat_terms) == MATCH else MISMATCH
    if len(trade) not in _spelled_by(trade, target):
        # the same trade name followed by characters we cannot translate (橡塑 of 明泰橡塑) or by Latin words the table
        # does not know (Houseware): two or more first characters read as the first Latin word(s) and the rest cannot
        # be read, so whether it is the same company cannot be told. When both sides have words left and the Latin
        # ones read as pinyin (沧州恒达 vs Cangzhou Xinyuan: 沧州 is a city the place list lacks), the rest is another
        # trade name, not an untranslated term: a mismatch.
        for cut in range(1, len(lat_trade) + 1):
            consumed = [k for k in _spelled_by(trade, "".join(lat_trade[:cut])) if k >= 2]
            if consumed and (cut == len(lat_trade) or len(trade) in consumed
                             or not all(_reads_as_pinyin(w) for w in lat_trade[cut:])):
                return CANNOT_VERIFY
        return MISMATCH
    if any(w not in known for w in lat_terms):
        return CANNOT_VERIFY
    return _terms_agree(cn_terms, lat_terms)


def _terms_agree(cn_terms: list[tuple[frozenset[str], ...]], lat_terms: list[str]) -> str:
    """MATCH when some translation of the Chinese terms gives the Latin business words, RELATED when they differ
    only in business descriptors (Trading vs Industrial), else MISMATCH (Plastic vs Hardware)."""
    latin = frozenset(lat_terms) - {"group"}
    descriptors = {_stem(w) for w in _DESCRIPTORS}
    options = [frozenset()]
    for alts in cn_terms:
        options = [o | a for o in options for a in alts]
    if latin in options:
        return MATCH
    if any(latin - descriptors == o - descriptors for o in options):
        return RELATED
    return MISMATCH


# ---- trading companies declared as factories -------------------------------------------------------------------

def trading_markers(name: str | None) -> list[str]:
    """The trading-company markers in a company name (贸易, 进出口, Trading, Import & Export…; [entity] config)."""
    if name is None or isinstance(name, float) or not str(name).strip():
        return []
    cfg = _entity_config()
    text = _fold(str(name))
    found = [m for m in cfg.get("trading_markers_cn", []) if m in text]
    words = " " + " ".join(_DESCRIPTOR_VARIANTS.get(w, w) for w in re.sub(r"[^a-z0-9]+", " ", text).split()
                           if w not in _LEGAL_FORMS) + " "
    for exception in cfg.get("trading_marker_exceptions", []):
        words = words.replace(f" {exception} ", " ")
    found += [m for m in cfg.get("trading_markers", []) if f" {m} " in words]
    return found


# How far a comparison's outcome is from "the same entity": 0 = nothing against it (a match, or no name to compare),
# 1 = cannot be verified by spelling, 2 = a related company, 3 = an unrelated entity. The score keeps the worst.
SEVERITY = {MATCH: 0, MISSING: 0, CANNOT_VERIFY: 1, RELATED: 2, MISMATCH: 3}
OUTCOME_OF_SEVERITY = {0: MATCH, 1: CANNOT_VERIFY, 2: RELATED, 3: MISMATCH}
# Outcomes that say the name is another entity than the reference (a new payee, a proforma invoice or payment to
# someone else than the legal entity). The red flags are stricter: they fire on an unrelated entity (MISMATCH) alone.
OTHER_ENTITY = (RELATED, MISMATCH)


def severities(refs, names) -> np.ndarray:
    """SEVERITY of each (reference, name) comparison (`compare_names`), each distinct pair compared once: a missing
    reference compares as empty (MISSING: nothing against it), a missing name as its text ("nan", "None"), as a
    row-by-row loop would (callers drop missing names first)."""
    refs, names = pd.Series(refs, dtype=object).reset_index(drop=True), pd.Series(names, dtype=object).reset_index(
        drop=True)
    ref_codes, ref_values = pd.factorize(refs)
    name_codes, name_values = pd.factorize(names)
    ref_text = [v if isinstance(v, str) else "" for v in ref_values] + [""]  # code -1 (missing) is the last
    name_text = [str(v) for v in name_values]
    missing = name_codes < 0
    if missing.any():
        extra_codes, extra = pd.factorize(np.array([str(v) for v in names.to_numpy(dtype=object)[missing]],
                                                   dtype=object))
        name_codes = name_codes.copy()
        name_codes[missing] = len(name_text) + extra_codes
        name_text += list(extra)
    pair = np.where(ref_codes < 0, len(ref_text) - 1, ref_codes).astype(np.int64) * len(name_text) + name_codes
    distinct, inverse = np.unique(pair, return_inverse=True)
    severity = np.array([SEVERITY[compare_names(ref_text[p // len(name_text)] or None,
                                                name_text[p % len(name_text)] or None)] for p in distinct],
                        dtype=np.int64)
    return severity[inverse.reshape(-1)] if len(pair) else np.empty(0, dtype=np.int64)


def is_other_entity(refs, names) -> np.ndarray:
    """Whether each name is another entity than its reference (an OTHER_ENTITY outcome); a blank name or reference
    never is."""
    names = pd.Series(names, dtype=object).reset_index(drop=True)
    blank = names.map(lambda n: not isinstance(n, str) or not n.strip()).to_numpy(dtype=bool)
    other = severities(refs, names) >= min(SEVERITY[o] for o in OTHER_ENTITY)
    return other & ~blank


def payee_reference(legal_name, pi_entity_name) -> pd.Series:
    """The name a payment's payee is checked against: the supplier's legal name, else (none on record) the
    proforma invoice's entity of the order paid. The score, the release checklist and the incident model use it."""
    legal = pd.Series(legal_name, dtype=object).reset_index(drop=True)
    return legal.where(legal.notna(), pd.Series(pi_entity_name, dtype=object).reset_index(drop=True))


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character for the first 17 characters of a unified social credit code."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


@lru_cache(maxsize=1 << 16)  # pure and called once per order or payment row: the same names recur
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


def trading_label_check(declared_type: str | None, verified_type: str | None,
                        names: list[str]) -> tuple[bool, list[str], list[str]]:
    """(possibly a trading company, the markers found, the names carrying them) of a supplier whose legal, trading
    or proforma-invoice names are `names`: a declared manufacturer with trading-company markers in a name is
    possibly a trading company, unless an audit or visit verified it as a manufacturer (verified_type)."""
    marked = [(n, trading_markers(n)) for n in dict.fromkeys(n for n in names if isinstance(n, str) and n.strip())]
    marked = [(n, m) for n, m in marked if m]
    markers = list(dict.fromkeys(m for _, found in marked for m in found))
    flagged = declared_type == "manufacturer" and bool(markers) and verified_type != "manufacturer"
    return flagged, markers, [n for n, _ in marked]
