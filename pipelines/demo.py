"""Deterministic demo portfolio: the contract tables generated from hidden per-supplier traits.

One latent risk variable per supplier drives (with noise) its defect rate, substitution, drift, lateness,
price jumps, paperwork and entity red flags. Observable tables are simulated from those traits; the traits
and each lot's true defect rate are written to `ground_truth/` so scores can be checked against the truth.
See docs/demo-data.md for every trait and how it shows up in the data.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from pipelines.contract import TABLES, TABLES_BY_NAME

# The import tables the demo writes: a brand's data, not the decisions a founder makes later on the Data page (the
# reviews of warned rows).
DEMO_TABLES = tuple(t for t in TABLES if not t.holds_decisions)

EPOCH = np.datetime64("1970-01-01", "D")

# --- reference pools (fixed order: determinism must not depend on dict/set iteration) -------------------------

CITIES = (  # (latin, hanzi, province)
    ("Ningbo", "宁波", "Zhejiang"), ("Yiwu", "义乌", "Zhejiang"), ("Jinhua", "金华", "Zhejiang"),
    ("Hangzhou", "杭州", "Zhejiang"), ("Wenzhou", "温州", "Zhejiang"), ("Taizhou", "台州", "Zhejiang"),
    ("Yongkang", "永康", "Zhejiang"), ("Shenzhen", "深圳", "Guangdong"), ("Guangzhou", "广州", "Guangdong"),
    ("Dongguan", "东莞", "Guangdong"), ("Foshan", "佛山", "Guangdong"), ("Zhongshan", "中山", "Guangdong"),
    ("Shantou", "汕头", "Guangdong"), ("Huizhou", "惠州", "Guangdong"), ("Xiamen", "厦门", "Fujian"),
    ("Quanzhou", "泉州", "Fujian"), ("Fuzhou", "福州", "Fujian"), ("Suzhou", "苏州", "Jiangsu"),
    ("Wuxi", "无锡", "Jiangsu"), ("Changzhou", "常州", "Jiangsu"), ("Nantong", "南通", "Jiangsu"),
    ("Qingdao", "青岛", "Shandong"), ("Linyi", "临沂", "Shandong"), ("Shanghai", "上海", "Shanghai"),
    ("Hefei", "合肥", "Anhui"), ("Cangzhou", "沧州", "Hebei"),
)
WORDS = (
    ("Hengda", "恒达"), ("Xinyuan", "鑫源"), ("Jiali", "佳丽"), ("Huamei", "华美"), ("Mingzhu", "明珠"),
    ("Tianyi", "天逸"), ("Hongxing", "宏兴"), ("Ruifeng", "瑞丰"), ("Jinsheng", "金盛"), ("Haoyu", "浩宇"),
    ("Shengtai", "盛泰"), ("Boya", "博雅"), ("Kaixin", "凯鑫"), ("Longteng", "龙腾"), ("Fuda", "富达"),
    ("Jiahe", "嘉禾"), ("Xinghui", "星辉"), ("Baicheng", "百诚"), ("Zhongxin", "众信"), ("Yuanda", "远大"),
    ("Huaxin", "华新"), ("Lianfa", "联发"), ("Dingsheng", "鼎盛"), ("Hongtai", "宏泰"), ("Jinhui", "金辉"),
    ("Meijia", "美佳"), ("Anke", "安科"), ("Weiye", "伟业"), ("Xinda", "信达"), ("Taifeng", "泰丰"),
    ("Guanghui", "光辉"), ("Yongxin", "永鑫"), ("Chuangxin", "创新"), ("Haina", "海纳"), ("Zhicheng", "至诚"),
    ("Jiayi", "嘉益"), ("Runze", "润泽"), ("Tengfei", "腾飞"), ("Shunda", "顺达"), ("Lihua", "丽华"),
)
# Manufacturer industries: (latin, hanzi, categories they make)
MFG_INDUSTRIES = (
    ("Home Products", "家居用品", ("home_storage", "kitchen")),
    ("Lighting", "照明电器", ("home_lighting",)),
    ("Electronic Technology", "电子科技", ("electronics_accessories",)),
    ("Plastic Products", "塑料制品", ("home_storage", "pet_supplies")),
    ("Hardware Products", "五金制品", ("tools_hardware", "kitchen")),
    ("Textile", "纺织品", ("textiles",)),
    ("Arts & Crafts", "工艺品", ("home_decor",)),
    ("Sporting Goods", "体育用品", ("sports_outdoor",)),
    ("Pet Products", "宠物用品", ("pet_supplies",)),
    ("Toys", "玩具", ("toys",)),
)
TRADE_INDUSTRIES = (
    ("Trading", "贸易"), ("Import & Export", "进出口"), ("International Trade", "国际贸易"),
    ("Supply Chain Management", "供应链管理"), ("Commerce", "商贸"),
)
# Category: (sku prefix, factory cost lo/hi USD, hs codes, unit kg lo/hi, product nouns). Duty comes from the
# reference tables (data/reference/duty_rates.csv) for each shipment's entry date.
CATEGORIES = {
    "home_lighting": ("LAMP", 4.0, 24.0, ("9405.21.8000", "9405.42.8440"), 0.5, 2.5,
                      ("Bedside lamp", "Desk lamp", "LED strip light", "Floor lamp", "Wall sconce", "Night light")),
    "kitchen": ("KIT", 1.2, 12.0, ("7323.93.0080", "3924.10.4000", "8215.99.5000"), 0.2, 1.5,
                ("Knife block", "Spice rack", "Silicone spatula set", "Pour-over kettle", "Cutting board",
                 "Oil sprayer")),
    "home_storage": ("STO", 1.5, 14.0, ("3924.90.5650", "4602.19.8000"), 0.3, 2.0,
                     ("Storage bin", "Drawer organiser", "Shoe rack", "Laundry basket", "Under-bed box")),
    "electronics_accessories": ("ELEC", 1.5, 18.0, ("8504.40.9510", "8544.42.9090", "8518.30.2000"), 0.05, 0.6,
                                ("USB-C charger", "Braided cable", "Wireless earbuds", "Power bank", "Phone stand",
                                 "Car mount")),
    "textiles": ("TEX", 2.0, 20.0, ("6302.60.0020", "6301.40.0020", "6304.92.0000"), 0.3, 2.0,
                 ("Bath towel set", "Fleece throw", "Cushion cover", "Table runner", "Blackout curtain")),
    "home_decor": ("DEC", 2.0, 28.0, ("6913.90.5000", "7013.99.9000", "4414.90.0000"), 0.3, 3.0,
                   ("Ceramic vase", "Photo frame", "Wall mirror", "Candle holder", "Planter pot")),
    "sports_outdoor": ("SPT", 3.0, 32.0, ("9506.91.0030", "9506.62.8080", "6307.90.9891"), 0.3, 4.0,
                       ("Yoga mat", "Resistance bands", "Camping lantern", "Jump rope", "Dumbbell set")),
    "pet_supplies": ("PET", 1.0, 15.0, ("4201.00.3000", "3926.90.9990"), 0.1, 2.5,
                     ("Dog harness", "Cat scratcher", "Slow-feed bowl", "Pet bed", "Leash")),
    "tools_hardware": ("TOOL", 2.0, 30.0, ("8205.59.8000", "8204.11.0030", "7318.15.2095"), 0.2, 3.0,
                       ("Screwdriver set", "Wrench set", "Tape measure", "Utility knife", "Wall anchors kit")),
    "toys": ("TOY", 1.5, 20.0, ("9503.00.0073", "9503.00.0090"), 0.1, 1.5,
             ("Building blocks", "Plush toy", "Puzzle", "RC car", "Bubble machine")),
}
CATEGORY_NAMES = tuple(CATEGORIES)
VARIANTS = ("black", "white", "grey", "oak", "walnut", "navy", "sage", "beige", "brass", "pink")
INSPECTORS = (("QIMA", 299.0), ("V-Trust", 268.0), ("Intertek", 338.0), ("SGS", 345.0),
              ("Bureau Veritas", 330.0), ("HQTS", 279.0), ("Pro QC", 289.0))
CHANNELS = ("amazon_us", "shopify_dtc", "walmart_us")
CHANNEL_SHARE = np.array([0.60, 0.25, 0.15])
ISSUED_REGION = {"Zhejiang": "3302", "Guangdong": "4403", "Fujian": "3502", "Jiangsu": "3205",
                 "Shandong": "3702", "Shanghai": "3101", "Anhui": "3401", "Hebei": "1309"}
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


# --- small helpers -----------------------------------------------------------------------------------------------

def _day(d: date) -> int:
    return int((np.datetime64(d, "D") - EPOCH).astype(np.int64))


def _iso(days: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """Day numbers → ISO strings; '' where `present` is False."""
    s = (np.asarray(days, dtype=np.int64).astype("datetime64[D]")).astype(str).astype(object)
    if present is not None:
        s[~np.asarray(present, dtype=bool)] = ""
    return s


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _uscc(rng: np.random.Generator, region: str) -> str:
    """An 18-character unified social credit code with a valid GB 32100-2015 check character."""
    body = "91" + region + f"{int(rng.integers(0, 100)):02d}" + "".join(
        USCC_CHARS[i] for i in rng.integers(0, 31, size=9)) + ""
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, weights))
    return body + USCC_CHARS[(31 - total % 31) % 31]


def _upper_variant(name: str) -> str:
    """'Ningbo Bright Home Products Co., Ltd.' → 'NINGBO BRIGHT HOME PRODUCTS CO LTD' (same entity)."""
    return " ".join(name.upper().replace(",", " ").replace(".", " ").replace("&", "AND").split())


def _freight_index(days: np.ndarray) -> np.ndarray:
    """Transpacific rate index: 1.0 baseline, the 2024 Red Sea spike peaking ~2.3x in July 2024."""
    peak = _day(date(2024, 7, 15))
    return 1.0 + 1.3 * np.exp(-0.5 * ((days - peak) / 45.0) ** 2)


# --- suppliers ---------------------------------------------------------------------------------------------------

def _suppliers(rng: np.random.Generator, n: int, start: int, end: int):
    n_trade = int(round(0.4 * n)) if n >= 2 else 0
    is_trade = np.zeros(n, dtype=bool)
    is_trade[rng.permutation(n)[:n_trade]] = True

    z = rng.normal(size=n)
    latent = _sigmoid(1.2 * z - 0.9)

    def trait_noise(rho: float) -> np.ndarray:
        return rho * z + np.sqrt(1 - rho ** 2) * rng.normal(size=n)

    t = pd.DataFrame({"latent_risk": latent, "is_trading": is_trade})
    t["true_defect_rate"] = np.clip(0.02 * np.exp(0.9 * trait_noise(0.85)), 0.003, 0.15)
    t["substitution_propensity"] = _sigmoid(-4.0 + 1.0 * trait_noise(0.7) + 1.3 * is_trade)
    t["drift_propensity"] = _sigmoid(-4.2 + 1.4 * trait_noise(0.7))
    t["drift_multiplier"] = rng.uniform(1.8, 3.5, n)
    t["late_propensity"] = _sigmoid(-1.6 + 1.0 * trait_noise(0.75))
    t["mean_late_days"] = 5.0 + 20.0 * latent + rng.uniform(0, 4, n)
    t["lead_time_days"] = rng.integers(25, 56, n).astype(float)
    t["lead_time_cv"] = np.clip(0.06 + 0.25 * _sigmoid(trait_noise(0.6)) + rng.normal(0, 0.02, n), 0.04, 0.4)
    t["price_jump_propensity"] = _sigmoid(-3.0 + 0.9 * trait_noise(0.6))
    t["trading_markup"] = np.where(is_trade, rng.uniform(0.08, 0.20, n), 0.0)
    t["doc_error_rate"] = np.exp(-2.3 + 0.9 * trait_noise(0.6))
    t["customs_hold_rate"] = _sigmoid(-3.2 + 0.8 * trait_noise(0.6))
    t["psi_coverage"] = np.clip(0.93 - 0.3 * latent + rng.normal(0, 0.04, n), 0.55, 0.98)
    t["wire_share"] = _sigmoid(-1.6 + 1.5 * trait_noise(0.7))
    t["balance_before_psi_propensity"] = _sigmoid(-2.6 + 1.2 * trait_noise(0.6))
    t["background_return_rate"] = rng.uniform(0.02, 0.05, n)
    t["operating_abnormal"] = rng.random(n) < (0.01 + 0.25 * latent ** 2)
    t["undeclared_subcontracting"] = rng.random(n) < _sigmoid(-2.8 + 1.2 * trait_noise(0.6) + 0.5 * is_trade)
    lit = rng.poisson(0.15 + 2.5 * latent ** 2)
    pen = rng.poisson(0.10 + 1.5 * latent ** 2)

    # Entity mismatch: ~7% of suppliers, chosen with weight rising steeply with latent risk.
    n_mis = max(1, int(round(0.07 * n))) if n >= 4 else 0
    w = latent ** 3 / np.sum(latent ** 3)
    mis_idx = np.sort(rng.choice(n, size=n_mis, replace=False, p=w)) if n_mis else np.array([], int)
    kinds = np.array(["payee", "pi", "payee_change"])[np.arange(n_mis) % 3]
    t["entity_mismatch"] = False
    t["entity_mismatch_kind"] = ""
    t.loc[mis_idx, "entity_mismatch"] = True
    t.loc[mis_idx, "entity_mismatch_kind"] = kinds

    # Names: unique (city, word, industry) triples.
    def pick(pool: int, who: np.ndarray) -> np.ndarray:
        """A distinct triple per supplier in `who`; up to `pool` suppliers, one for every supplier (the draw every
        portfolio of that size has always made), beyond it only for `who` (10,000 suppliers exceed the trading
        names, not the trading companies)."""
        if n <= pool:
            return rng.choice(pool, size=n, replace=False)
        out = np.zeros(n, dtype=np.int64)
        out[who] = rng.choice(pool, size=int(np.sum(who)), replace=False)
        return out

    mfg_pick = pick(len(CITIES) * len(WORDS) * len(MFG_INDUSTRIES), ~is_trade)
    trd_pick = pick(len(CITIES) * len(WORDS) * len(TRADE_INDUSTRIES), is_trade)
    script = rng.random(n)  # < 0.08 legal name in hanzi, < 0.20 harmless latin variant on payee/PI
    rows, cats = [], []
    for i in range(n):
        if is_trade[i]:
            k = int(trd_pick[i])
            ci, wi, ii = k // (len(WORDS) * len(TRADE_INDUSTRIES)), (k // len(TRADE_INDUSTRIES)) % len(WORDS), \
                k % len(TRADE_INDUSTRIES)
            ind_en, ind_zh = TRADE_INDUSTRIES[ii]
            n_cat = int(rng.integers(1, 3))
            cat = tuple(CATEGORY_NAMES[j] for j in np.sort(rng.choice(len(CATEGORY_NAMES), n_cat, replace=False)))
        else:
            k = int(mfg_pick[i])
            ci, wi, ii = k // (len(WORDS) * len(MFG_INDUSTRIES)), (k // len(MFG_INDUSTRIES)) % len(WORDS), \
                k % len(MFG_INDUSTRIES)
            ind_en, ind_zh, cat = MFG_INDUSTRIES[ii]
        city, city_zh, prov = CITIES[ci]
        word, word_zh = WORDS[wi]
        latin = f"{city} {word} {ind_en} Co., Ltd."
        hanzi = f"{city_zh}市{word_zh}{ind_zh}有限公司"
        variant = "none"
        legal = latin
        if script[i] < 0.08:
            legal, variant = hanzi, "hanzi_legal_name"
        beneficiary, pi_name = legal, legal
        if 0.08 <= script[i] < 0.14:
            beneficiary, variant = _upper_variant(latin), "upper_case_no_punctuation"
        elif 0.14 <= script[i] < 0.18:
            beneficiary, variant = hanzi, "hanzi_beneficiary"
        elif 0.18 <= script[i] < 0.22:
            pi_name, variant = _upper_variant(latin), "upper_case_pi"
        # The other entity a mismatch supplier uses: a sister company in another city or a Hong Kong shell.
        oc, _, _ = CITIES[(ci + 1 + int(rng.integers(0, len(CITIES) - 1))) % len(CITIES)]
        if rng.random() < 0.5:
            other = f"{oc} {word} {'Industrial' if is_trade[i] else 'Trading'} Co., Ltd."
        else:
            other = f"Hong Kong {word} International {'Trading' if rng.random() < 0.5 else 'Holdings'} Limited"
        rows.append((latin, hanzi, legal, beneficiary, pi_name, other, variant, prov, city, word,
                     _uscc(rng, ISSUED_REGION[prov])))
        cats.append(cat)
    names = pd.DataFrame(rows, columns=["latin", "hanzi", "legal", "beneficiary", "pi_name", "other", "variant",
                                        "province", "city", "word", "uscc"])
    kind = t["entity_mismatch_kind"].to_numpy()
    names.loc[kind == "payee", "beneficiary"] = names.loc[kind == "payee", "other"]
    names.loc[kind == "pi", "pi_name"] = names.loc[kind == "pi", "other"]
    t["name_variant"] = names["variant"]
    t["mismatch_entity_name"] = np.where(t["entity_mismatch"], names["other"], "")

    # Onboarding: ~65% before the window, the rest during it (at least four months before the end).
    before = rng.random(n) < 0.65
    onboard = np.where(before, start - rng.integers(0, 4 * 365, n),
                       rng.integers(start, max(start + 1, end - 120), n))
    t["onboarded_day"] = onboard
    # Payee change: these suppliers switch the bank account (to the other entity) part-way through their history.
    lo = np.minimum(np.maximum(onboard, start) + 120, end - 60)
    change = np.where(kind == "payee_change", rng.integers(lo, end - 30), -1)
    t["payee_change_day"] = np.where(change > 0, change, -1)

    store_years = np.clip(np.round(8 - 5 * latent + rng.normal(0, 3, n)), 1, 20).astype(int)
    has_audit = rng.random(n) < 0.7
    audit_day = np.minimum(end - 1, np.maximum(onboard, end - 3 * 365) + rng.integers(0, 400, n))
    score = latent + rng.normal(0, 0.12, n)
    audit = np.where(score > 0.6, "fail", np.where(score > 0.38, "conditional", "pass"))
    observed_sub = np.where(t["undeclared_subcontracting"] & (rng.random(n) < 0.6), "suspected",
                            np.where(rng.random(n) < np.where(is_trade, 0.7, 0.12), "declared", "none"))
    mold = np.where(is_trade, np.where(rng.random(n) < 0.6, "none", "supplier"),
                    np.array(["brand", "supplier", "none"])[rng.choice(3, n, p=[0.35, 0.4, 0.25])])
    reg_blank = rng.random(n) < 0.04
    ids = np.array([f"SUP-{i + 1:04d}" for i in range(n)], dtype=object)
    sup = pd.DataFrame({
        "supplier_id": ids,
        "supplier_name": [f"{r.city} {r.word} {'Trading' if tr else 'Factory'} Store"
                          for r, tr in zip(names.itertuples(), is_trade)],
        "supplier_type": np.where(is_trade, "trading_company", "manufacturer"),
        "country": "CN",
        "province": names["province"],
        "alibaba_store_years": store_years,
        "is_verified": np.where(rng.random(n) < 0.85 - 0.5 * latent, "true", "false"),
        "is_gold_supplier": np.where(rng.random(n) < 0.9 - 0.3 * latent, "true", "false"),
        "legal_name": names["legal"],
        "registration_id": np.where(reg_blank, "", names["uscc"]),
        "bank_beneficiary": names["beneficiary"],
        "onboarded_on": _iso(onboard),
        "last_audit_on": _iso(audit_day, has_audit),
        "last_audit_result": np.where(has_audit, audit, ""),
        "litigation_cases": lit,
        "admin_penalties": pen,
        "operating_status": np.where(t["operating_abnormal"], "abnormal", "normal"),
        "subcontracting": observed_sub,
        "nnn_signed": np.where(rng.random(n) < 0.35, "true", "false"),
        "mold_owner": mold,
    })
    t["litigation_cases"] = lit
    t["admin_penalties"] = pen
    t.insert(0, "supplier_id", ids)
    return sup, t, names, cats


def _hidden_risk(t: pd.DataFrame) -> np.ndarray:
    """Fixed-scale composite in [0, 1] (no cross-supplier scaling, so adding suppliers never moves a value)."""
    def cap(x, c):
        return np.minimum(np.asarray(x, dtype=float) / c, 1.0)
    return np.round(
        0.30 * cap(t["true_defect_rate"], 0.12)
        + 0.10 * cap(t["substitution_propensity"], 0.20)
        + 0.10 * cap(t["drift_propensity"], 0.30)
        + 0.15 * cap(t["late_propensity"], 0.60)
        + 0.05 * cap(t["doc_error_rate"], 0.60)
        + 0.05 * cap(t["customs_hold_rate"], 0.15)
        + 0.05 * cap(t["price_jump_propensity"], 0.25)
        + 0.10 * t["entity_mismatch"].astype(float)
        + 0.04 * t["operating_abnormal"].astype(float)
        + 0.03 * cap(t["litigation_cases"], 3)
        + 0.03 * t["undeclared_subcontracting"].astype(float), 4)


# --- products ----------------------------------------------------------------------------------------------------

def _products(rng, sup_t, cats, start, end):
    n = len(sup_t)
    n_sku = rng.integers(2, 7, n)
    sku_sup = np.repeat(np.arange(n), n_sku)
    m = len(sku_sup)
    cat = np.array([cats[s][int(rng.integers(0, len(cats[s])))] for s in sku_sup], dtype=object)
    counters = {c: 0 for c in CATEGORY_NAMES}
    # Each (category, product noun) has a reference factory cost, so SKUs with the same noun are comparable.
    ref_cost = {}
    for c in CATEGORY_NAMES:
        _, clo, chi, *_, nouns = CATEGORIES[c]
        for noun in nouns:
            ref_cost[(c, noun)] = float(np.exp(rng.uniform(np.log(clo), np.log(chi * 0.8))))
    cost = np.empty(m)
    skus, names, hs, kg = [], [], [], []
    for j, c in enumerate(cat):
        prefix, clo, chi, hs_codes, klo, khi, nouns = CATEGORIES[c]
        counters[c] += 1
        skus.append(f"{prefix}-{counters[c]:04d}")
        noun = nouns[int(rng.integers(0, len(nouns)))]
        names.append(f"{noun}, {VARIANTS[int(rng.integers(0, len(VARIANTS)))]}")
        cost[j] = ref_cost[(c, noun)]
        hs.append(hs_codes[int(rng.integers(0, len(hs_codes)))])
        kg.append(rng.uniform(klo, khi))
    kg = np.array(kg)
    cost = np.clip(cost * np.exp(rng.normal(0, 0.2, m)), 0.8, 36.0)  # factory (ex-works maker) price
    markup = sup_t["trading_markup"].to_numpy()[sku_sup]
    base_price = np.round(np.clip(cost * (1 + markup), 1.0, 40.0), 2)
    retail = np.floor(base_price * rng.uniform(2.5, 4.0, m)) + 0.99
    volume = kg * rng.uniform(0.004, 0.012, m)
    demand = 180.0 * np.exp(rng.normal(0, 0.8, m)) * (8.0 / cost) ** 0.6  # units per month
    # Suppliers onboarded before the window already had a running reorder cycle: start it before the window
    # (orders before `start` are dropped later) so the history has no artificial ramp-up.
    sup_first = np.maximum(sup_t["onboarded_day"].to_numpy(), start - 120)
    launch = sup_first[sku_sup] + rng.integers(0, 60, m)
    extra = rng.random(m) < 0.35  # later SKUs added to an existing supplier
    launch = np.where(extra, launch + rng.integers(30, 360, m), launch)
    launch = np.minimum(launch, end - 60)
    discontinued = np.where(rng.random(m) < 0.08, launch + rng.integers(180, 720, m), end + 10_000)
    prod = pd.DataFrame({
        "sku": skus,
        "product_name": names,
        "category": cat,
        "supplier_id": sup_t["supplier_id"].to_numpy()[sku_sup],
        "hs_code": hs,
        "origin_country": "CN",
        "retail_price": retail,
        "unit_weight_kg": np.round(kg, 3),
        "unit_volume_m3": np.round(volume, 4),
        "steel_content_pct": np.nan, "aluminium_content_pct": np.nan, "duty_claims": None,
    })  # steel content is set with the customs data (`_customs`)
    info = pd.DataFrame({"sup": sku_sup, "cost": cost, "base_price": base_price, "retail": retail, "kg": kg,
                         "m3": volume, "demand": demand, "launch": launch,
                         "discontinued": discontinued, "interval": rng.uniform(40, 95, m),
                         "on_walmart": rng.random(m) < 0.55})
    return prod, info


# --- customs: entries, the duty the tariff tables say, fees, assists and refunds -------------------------------

BROKER_FILER = "DM7"  # the demo brand's customs broker (filer code)


def _entry_number(seq: np.ndarray) -> np.ndarray:
    """Demo entry numbers in CBP's layout (filer code, 7 digits, check digit); the check digit is illustrative."""
    digits = np.char.zfill(seq.astype(str), 7)
    check = np.array([sum(int(c) for c in d) % 10 for d in digits])
    return np.char.add(np.char.add(np.char.add(f"{BROKER_FILER}-", digits), "-"), check.astype(str))


SUMMARIES_FROM = date(2026, 6, 1)  # the broker's entry summaries the demo brand keeps: entries from this date


def _broker_summaries(ship: pd.DataFrame, lines: pd.DataFrame, charges: pd.DataFrame, prod: pd.DataFrame,
                      key: pd.Series, eligible: np.ndarray, seed: int, end: int) -> tuple[pd.DataFrame, np.ndarray]:
    """The broker's entry summaries (Form 7501 lines) of the formal entries filed since SUMMARIES_FROM.

    One 7501 line per shipment: its chapter 99 numbers with their duty, then the 10-digit classification with the
    entered value, MFN duty and the line's MPF and HMF, as models.landed_cost computes them. In two entries entered
    after Section 122 ended (2026-07-24) the broker still declared 9903.03.01 at 10% on every line (planted; ground
    truth). Returns (the lines, which shipments carry such a planted overpayment). Own random stream (seed, 12).
    """
    from models.landed_cost import duty_for_lines

    brng = np.random.default_rng([seed, 12])
    on = pd.to_datetime(lines["entry_on"]).to_numpy().astype("datetime64[D]")
    filed_by = EPOCH + end - 10  # an entry summary is filed within ten working days of entry
    ok = (ship["entry_number"].notna().to_numpy() & eligible & (ship["incoterm"] != "DDP").to_numpy()
          & (on >= np.datetime64(SUMMARIES_FROM)) & (on <= filed_by)
          & (charges["entry_type"] == "formal").to_numpy() & ~np.isnan(charges["duty_cents"].to_numpy(dtype=float)))
    ok = pd.Series(ok).groupby(key.to_numpy()).transform("all").to_numpy()  # whole entries only
    sel = np.flatnonzero(ok)
    # no liquidation: the summaries are of entries of the last months, which CBP liquidates about a year later
    cols = ["entry_number", "line_number", "hts_code", "entry_type", "entry_on", "origin_country", "description",
            "entered_value", "rate", "duty", "mpf", "hmf", "liquidated_on", "liquidation_status", "adcvd_cases",
            "adcvd_rate", "ad_duty", "cvd_duty"]
    if not len(sel):
        return pd.DataFrame(columns=cols), np.zeros(len(ship), dtype=bool)
    stack = lines.iloc[sel].assign(loaded_on=pd.to_datetime(lines["shipped_on"].iloc[sel]),
                                   dutiable_cents=charges["dutiable_cents"].to_numpy()[sel].astype(np.int64)) \
        .reset_index(drop=True)
    comp, _ = duty_for_lines(stack)
    comp = comp[comp["amount_cents"] > 0]
    # A component without a chapter 99 number cannot be written on a 7501 line: leave its entry out.
    unnumbered = set(comp.loc[(comp["duty_type"] != "mfn") & (comp["ch99_heading"] == ""), "line"])
    entry_of = key.to_numpy()[sel]
    drop = set(entry_of[list(unnumbered)]) if unnumbered else set()
    keep = ~np.isin(entry_of, list(drop))
    # The planted mistake: two entries after 2026-07-24 where the ended Section 122 surcharge was still declared.
    late = np.unique(entry_of[keep & (on[sel] >= np.datetime64("2026-07-24"))])
    planted = set(brng.choice(late, size=min(2, len(late)), replace=False)) if len(late) else set()
    names = prod.set_index("sku")["product_name"]
    rows = []
    order = sorted(np.flatnonzero(keep), key=lambda i: (entry_of[i], ship["shipment_id"].iloc[sel[i]]))
    line_no: dict[str, int] = {}
    for i in order:
        j = sel[i]
        number = ship["entry_number"].iloc[j]
        line_no[number] = line_no.get(number, 0) + 1
        head = dict(entry_number=number, line_number=line_no[number], entry_type="01",
                    entry_on=str(on[j]), origin_country=lines["origin_country"].iloc[j],
                    description=str(names.get(lines["sku"].iloc[j], "")).upper())
        mine = comp[comp["line"] == i]
        extra = []
        if entry_of[i] in planted:
            extra = [("9903.03.01", 10.0, int(round(stack["dutiable_cents"].iloc[i] * 0.10)))]
        for _, c in mine[mine["duty_type"] != "mfn"].iterrows():
            extra.append((c["ch99_heading"], float(c["rate_pct"]), int(c["amount_cents"])))
        for heading, rate, cents in extra:
            rows.append({**head, "hts_code": heading, "entered_value": np.nan, "rate": f"{rate:g}%",
                         "duty": cents / 100, "mpf": np.nan, "hmf": np.nan})
        mfn = mine[mine["duty_type"] == "mfn"]
        rate = float(mfn["rate_pct"].iloc[0]) if len(mfn) else 0.0
        hmf = charges["hmf_cents"].iloc[j]
        rows.append({**head, "hts_code": lines["hs_code"].iloc[j], "entered_value": stack["dutiable_cents"].iloc[i]
                     / 100, "rate": f"{rate:g}%" if rate else "Free",
                     "duty": int(mfn["amount_cents"].sum()) / 100, "mpf": charges["mpf_cents"].iloc[j] / 100,
                     "hmf": np.nan if pd.isna(hmf) or hmf == 0 else hmf / 100})
    out = pd.DataFrame(rows, columns=cols)
    return out, np.isin(key.to_numpy(), list(planted))


def _customs(ship: pd.DataFrame, prod: pd.DataFrame, sup: pd.DataFrame, seed: int, end: int,
             first_order_day: pd.Series) -> dict[str, pd.DataFrame]:
    """Customs entries, paid duty and fees for the demo shipments, plus the brand's assists and IEEPA refunds.

    Uses a random stream of its own (seed, 11) so the rest of the portfolio does not move. Each shipment's duty is
    what models.landed_cost says for its entry (the reference tables, de minimis and MPF per entry included), except
    a few planted under- and overpayments recorded in ground truth. `ship` has the shipments' columns plus sku,
    supplier_id, hs_code, incoterm, unit_price, duty_known, brokerage, exw_fees, invoice_freight, invoice_insurance.
    """
    from models.landed_cost import amortise_assists, customs_charges, goods_cents
    from pipelines.steps.landed_cost import entry_dates

    crng = np.random.default_rng([seed, 11])
    n = len(ship)
    # Entries: the sea shipments a supplier ships on one day travel in one container and clear on one entry;
    # 12% of shipments have no entry number on record (an entry of their own, dated by eta_on).
    group = ship["supplier_id"] + "|" + ship["shipped_on"] + "|" + ship["mode"]
    group = group.where(ship["mode"] == "sea", ship["shipment_id"])
    numbered = crng.random(n) >= 0.12
    first_line = ~group.duplicated()
    entry_seq = pd.Series(np.cumsum(first_line.to_numpy()), index=ship.index).groupby(group).transform("first")
    number = pd.Series(_entry_number(entry_seq.to_numpy()), index=ship.index)
    keep = pd.Series(numbered, index=ship.index).groupby(group).transform("max")  # a container keeps its number
    ship = ship.assign(entry_number=number.where(keep, None))
    # The entry date: arrival, or the delivery if the goods reached the warehouse before their estimated arrival.
    arrival = pd.concat([pd.to_datetime(ship["eta_on"]), pd.to_datetime(ship["delivered_on"].replace("", None))],
                        axis=1).min(axis=1)
    ship["entry_on"] = np.where(keep, arrival.groupby(group).transform("min").dt.strftime("%Y-%m-%d"), None)

    # Steel content of the steel derivatives (Section 232), recorded on the products.
    steel = prod["hs_code"].str.startswith("7318")
    prod = prod.assign(steel_content_pct=np.where(steel, np.round(crng.uniform(55, 90, len(prod)), 1), np.nan))

    # Assists: moulds and tooling the brand owns at suppliers whose moulds are the brand's (suppliers.mold_owner).
    brand_moulds = set(sup.loc[sup["mold_owner"] == "brand", "supplier_id"])
    cand = prod[prod["supplier_id"].isin(brand_moulds) & prod["sku"].isin(first_order_day.index)]
    cand = cand[crng.random(len(cand)) < 0.7]
    m = len(cand)
    assists = pd.DataFrame({
        "assist_id": [f"AS-{i + 1:04d}" for i in range(m)], "sku": cand["sku"].to_numpy(),
        "supplier_id": cand["supplier_id"].to_numpy(),
        "kind": (kind := np.where(crng.random(m) < 0.75, "mould", "tooling")),
        "description": np.where(kind == "mould", "Injection mould owned by the brand", "Tooling paid by the brand"),
        "cost": np.round(crng.uniform(1_200, 9_000, m), -1),
        "provided_on": _iso(first_order_day.reindex(cand["sku"]).to_numpy() - crng.integers(10, 45, m)),
        "units_declared": (np.round(crng.uniform(8_000, 40_000, m), -3)).astype(np.int64),
    })

    key, entry_on = entry_dates(ship.assign(delivered_on=ship["delivered_on"].replace("", None)))
    lines = ship.merge(prod[["sku", "hs_code", "origin_country", "steel_content_pct"]], on="sku", how="left")
    lines = lines.assign(
        entry_key=key.to_numpy(), entry_on=entry_on.to_numpy(), duty_claims="", aluminium_content_pct=np.nan,
        goods_cents=goods_cents(ship["quantity"], ship["unit_price"]),
        invoice_freight_cents=np.round(ship["invoice_freight"].to_numpy() * 100).astype(np.int64),
        invoice_insurance_cents=np.round(ship["invoice_insurance"].to_numpy() * 100).astype(np.int64))
    lines["assist_cents"] = amortise_assists(lines, assists.assign(cost_cents=np.round(assists["cost"] * 100)
                                                                   .astype(np.int64)))
    charges = customs_charges(lines)
    reference = charges["duty_cents"].to_numpy(dtype=float) / 100

    # A few planted mistakes (ground truth): underpaid (a duty left off the entry), overpaid (an ended duty still
    # paid), only where the gap is well outside the duty check's tolerance.
    known = ship["duty_known"].to_numpy()
    eligible = known & (reference >= 200)
    draw = crng.random(n)
    under = eligible & (draw < 0.012)
    over = eligible & (draw >= 0.012) & (draw < 0.018)
    factor = np.where(under, crng.uniform(0.6, 0.9, n), np.where(over, crng.uniform(1.1, 1.4, n), 1.0))
    paid = np.round(reference * factor, 2)
    ship["duty_paid"] = pd.array(np.where(known, paid, np.nan), dtype="Float64")
    fees = (ship["brokerage"].to_numpy() + (charges["mpf_cents"].to_numpy(dtype=float)
                                            + charges["hmf_cents"].to_numpy(dtype=float)) / 100
            + ship["exw_fees"].to_numpy())
    ship["other_fees"] = np.round(fees, 2)

    # The broker's entry summaries of recent entries; where the broker over-declared (planted), the duty paid is
    # what it declared, split over the entry's shipments as the build splits it (by computed duty).
    summaries, broker_over = _broker_summaries(ship, lines, charges, prod, key, known & ~under & ~over, seed, end)
    if broker_over.any():
        from models.allocation import allocate_cents

        declared = summaries.assign(entry_key=summaries["entry_number"]).groupby("entry_key")["duty"].sum()
        groups = ship["entry_number"].to_numpy()[broker_over]
        total = np.round(declared.reindex(groups).to_numpy() * 100).astype(np.int64)
        paid = np.where(broker_over, np.nan, paid)
        paid[broker_over] = allocate_cents(total, groups, charges["duty_cents"].to_numpy()[broker_over]
                                           .astype(np.int64)) / 100
        ship["duty_paid"] = pd.array(np.where(known, paid, np.nan), dtype="Float64")

    # IEEPA refunds: after Learning Resources v. Trump the brand claims the IEEPA duty of its entries through CBP's
    # refund process (from 2026-04-20); most claims are paid within months, the rest are pending.
    ieepa = charges["ieepa_cents"].to_numpy(dtype=float) / 100
    claimable = known & ~under & ~over & ~broker_over & (ieepa > 0)
    per_entry = pd.DataFrame({"key": key.to_numpy(), "entry_number": ship["entry_number"].to_numpy(),
                              "shipment_id": ship["shipment_id"].to_numpy(), "ieepa": ieepa})[claimable] \
        .groupby("key", sort=False).agg(entry_number=("entry_number", "first"), shipment_id=("shipment_id", "first"),
                                        amount=("ieepa", "sum"), lines=("ieepa", "size"))
    per_entry = per_entry[per_entry["entry_number"].notna() | (per_entry["lines"] == 1)]
    r = len(per_entry)
    claim_day = _day(date(2026, 4, 20)) + crng.integers(0, 90, r)
    claimed = (crng.random(r) < 0.85) & (claim_day <= end)
    received_day = claim_day + crng.integers(45, 150, r)
    received = claimed & (crng.random(r) < 0.75) & (received_day <= end)
    per_entry = per_entry[claimed]
    refunds = pd.DataFrame({
        "refund_id": [f"RF-{i + 1:05d}" for i in range(len(per_entry))],
        "entry_number": per_entry["entry_number"].to_numpy(),
        "shipment_id": np.where(per_entry["entry_number"].isna(), per_entry["shipment_id"], None),
        "program": "ieepa", "claimed_on": _iso(claim_day[claimed]),
        "amount_claimed": np.round(per_entry["amount"].to_numpy(), 2),
        "received_on": _iso(received_day[claimed], received[claimed]),
        "amount_received": np.where(received[claimed], np.round(per_entry["amount"].to_numpy(), 2), np.nan),
        "note": "IEEPA refund declaration (CAPE)",
    })
    truth = pd.DataFrame({"shipment_id": ship["shipment_id"], "reference_duty": np.round(reference, 2),
                          "duty_paid": ship["duty_paid"],
                          "planted_error": np.where(under, "underpaid", np.where(over | broker_over, "overpaid",
                                                                                  "none")),
                          "planted_in": np.where(broker_over, "entry_summary",
                                                 np.where(under | over, "duty_paid", ""))})
    return {"shipments": ship, "products": prod, "assists": assists, "duty_refunds": refunds,
            "entry_summary_lines": summaries, "truth": truth}


# --- the generator -----------------------------------------------------------------------------------------------

class _Orders(SimpleNamespace):
    """The per-order arrays every table is simulated from, one element per purchase order in PO order: set by
    `_purchase_orders` (who, what, when, how many, at what price, the lot's true defect rate), then
    `_inspections` (production lateness, inspections, rework, ship dates), `_payments` and `_shipments` (lot
    deliveries). Each function draws from the one random stream in the same order as the single function it was
    cut from, so a seed gives the same files byte for byte."""


def _purchase_orders(rng: np.random.Generator, info: pd.DataFrame, tr: pd.DataFrame, names: pd.DataFrame,
                     suppliers: int, start: int, end: int) -> _Orders:
    """One purchase order per SKU reorder, laid out as an (sku × reorder) matrix, with prices (jumps), quantities,
    promises, golden-sample dates, payment channels, PI entities and the lot's true defect rate (drift)."""
    m = len(info)
    k_max = int(np.ceil((end - start) / 30.0)) + 2
    gaps = np.round(info["interval"].to_numpy()[:, None] * rng.uniform(0.75, 1.25, (m, k_max)))
    gaps[:, 0] = 0
    order_day = info["launch"].to_numpy()[:, None] + np.cumsum(gaps, axis=1).astype(np.int64)
    valid = (order_day >= start) & (order_day <= end) & (order_day < info["discontinued"].to_numpy()[:, None])
    lot_idx = np.broadcast_to(np.arange(k_max), (m, k_max))
    s_idx = info["sup"].to_numpy()

    jump = rng.random((m, k_max)) < tr["price_jump_propensity"].to_numpy()[s_idx][:, None]
    jump[:, 0] = False
    step = np.where(jump, rng.uniform(1.06, 1.22, (m, k_max)), np.exp(rng.normal(0, 0.012, (m, k_max))))
    step[:, 0] = 1.0
    level = np.cumprod(step, axis=1)
    hazard = rng.random((m, k_max)) < tr["drift_propensity"].to_numpy()[s_idx][:, None]
    hazard[:, 0] = False  # the first bulk order matches the approved sample
    first_drift = np.where(hazard.any(axis=1), hazard.argmax(axis=1), k_max)
    drifted_m = lot_idx >= first_drift[:, None]

    rows_sku, cols = np.nonzero(valid)
    o_day = order_day[rows_sku, cols]
    order = np.lexsort((rows_sku, o_day))  # by date, then SKU
    rows_sku, cols, o_day = rows_sku[order], cols[order], o_day[order]
    n_po = len(o_day)
    sp = s_idx[rows_sku]  # supplier index per PO

    unit_price = np.round(np.clip(info["base_price"].to_numpy()[rows_sku] * level[rows_sku, cols], 1.0, 40.0), 2)
    months = info["interval"].to_numpy()[rows_sku] / 30.4
    qty = info["demand"].to_numpy()[rows_sku] * months * rng.uniform(0.85, 1.2, n_po)
    qty = np.clip(np.round(qty / 50) * 50, 300, 10_000).astype(np.int64)
    is_jump = jump[rows_sku, cols]
    drifted = drifted_m[rows_sku, cols]
    substituted = rng.random(n_po) < tr["substitution_propensity"].to_numpy()[sp]
    years_lbl = o_day.astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
    seq = np.zeros(n_po, dtype=np.int64)
    for y in np.unique(years_lbl):
        sel = years_lbl == y
        seq[sel] = np.arange(1, sel.sum() + 1)
    po_id = np.array([f"PO-{y}-{s:06d}" for y, s in zip(years_lbl, seq)], dtype=object)

    lead = np.round(tr["lead_time_days"].to_numpy()[sp] * rng.uniform(0.9, 1.1, n_po)).astype(np.int64)
    promised = o_day + lead
    golden = order_day[:, 0] - rng.integers(7, 40, m)  # golden sample approved before the first bulk order
    sample_ok = golden[rows_sku]
    wire = rng.random(n_po) < tr["wire_share"].to_numpy()[sp]
    pay_channel = np.where(wire, "wire", np.where(rng.random(n_po) < 0.03, "other", "trade_assurance"))
    incoterm = np.array(["FOB", "EXW", "CIF", "FCA"])[rng.choice(4, suppliers, p=[0.82, 0.08, 0.06, 0.04])][sp]
    mis_kind = tr["entity_mismatch_kind"].to_numpy()
    pi_name = names["pi_name"].to_numpy()[sp].copy()
    pi_name = np.where((mis_kind[sp] == "pi") & (rng.random(n_po) < 0.15), names["legal"].to_numpy()[sp],
                       pi_name)  # mismatch suppliers sometimes use the right entity
    sample_present = rng.random(n_po) < 0.9

    # Lot quality: supplier rate × lot noise × drift × substitution.
    lot_rate = tr["true_defect_rate"].to_numpy()[sp] * np.exp(rng.normal(0, 0.35, n_po))
    lot_rate = np.where(drifted, lot_rate * tr["drift_multiplier"].to_numpy()[sp], lot_rate)

    return _Orders(rows_sku=rows_sku, o_day=o_day, n_po=n_po, sp=sp, unit_price=unit_price, qty=qty,
                   is_jump=is_jump, drifted=drifted, substituted=substituted, po_id=po_id, lead=lead,
                   promised=promised, sample_ok=sample_ok, sample_present=sample_present, pay_channel=pay_channel,
                   incoterm=incoterm, pi_name=pi_name, lot_rate=lot_rate)


def _purchase_order_table(o: _Orders, traits: pd.DataFrame, prod: pd.DataFrame) -> pd.DataFrame:
    """purchase_orders.csv's rows."""
    return pd.DataFrame({
        "po_id": o.po_id, "supplier_id": traits["supplier_id"].to_numpy()[o.sp],
        "sku": prod["sku"].to_numpy()[o.rows_sku], "ordered_on": _iso(o.o_day), "quantity": o.qty,
        "unit_price": o.unit_price, "currency": "USD", "incoterm": o.incoterm, "promised_ship_on": _iso(o.promised),
        "sample_approved_on": _iso(o.sample_ok, o.sample_present), "pi_entity_name": o.pi_name,
        "payment_channel": o.pay_channel,
    })


def _inspections(rng: np.random.Generator, o: _Orders, tr: pd.DataFrame, end: int) -> pd.DataFrame:
    """Production (lateness, ready date), pre-production, during-production, pre-shipment and container-loading
    inspections on ISO 2859-1 plans, rework after a failed PSI, ship dates; inspections.csv's rows. Sets the lot
    outcomes on `o` (substitution caught by a PPI, shipped defect rate, ship day, open orders, ...)."""
    from models.aql import sampling_plan  # imported lazily: the AQL module is developed separately

    n_po, sp, o_day, lead = o.n_po, o.sp, o.o_day, o.lead
    qty, po_id, substituted, lot_rate = o.qty, o.po_id, o.substituted, o.lot_rate
    lateness = np.where(rng.random(n_po) < tr["late_propensity"].to_numpy()[sp],
                        rng.gamma(2.0, tr["mean_late_days"].to_numpy()[sp] / 2.0), 0.0)
    prod_days = lead * np.exp(rng.normal(0, tr["lead_time_cv"].to_numpy()[sp]))
    ready = o_day + np.maximum(10, np.round(prod_days * 0.97 + lateness)).astype(np.int64)

    has_ppi = rng.random(n_po) < 0.06
    ppi_day = o_day + rng.integers(5, 12, n_po)
    ppi_caught = has_ppi & substituted & (rng.random(n_po) < 0.6)
    substituted = substituted & ~ppi_caught  # a PPI that catches swapped material gets it corrected
    lot_rate = np.where(substituted, lot_rate * 1.6, lot_rate)
    lot_rate = np.clip(lot_rate, 0.0005, 0.35)

    levels = np.array(["II", "I", "III"])[rng.choice(3, n_po, p=[0.84, 0.08, 0.08])]
    aql_major = np.array([2.5, 1.5, 4.0])[rng.choice(3, n_po, p=[0.8, 0.1, 0.1])]
    aql_minor = np.where(rng.random(n_po) < 0.85, 4.0, 6.5)
    plans: dict[tuple[int, float, str], tuple[int, int]] = {}

    def plan(lot: np.ndarray, aql: np.ndarray, lvl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keys = pd.DataFrame({"lot": lot, "aql": aql, "lvl": lvl})
        uniq = keys.drop_duplicates().reset_index(drop=True)
        got = []
        for r in uniq.itertuples(index=False):
            key = (int(r.lot), float(r.aql), str(r.lvl))
            if key not in plans:
                p = sampling_plan(key[0], key[1], level=key[2], stage="normal")
                plans[key] = (int(p.sample_size), int(p.accept))
            got.append(plans[key])
        uniq["n"] = np.array([g[0] for g in got], dtype=np.int64)
        uniq["ac"] = np.array([g[1] for g in got], dtype=np.int64)
        res = keys.merge(uniq, on=["lot", "aql", "lvl"], how="left", validate="many_to_one")
        return res["n"].to_numpy(), res["ac"].to_numpy()

    def draw(lot: np.ndarray, rate: np.ndarray, n: np.ndarray) -> np.ndarray:
        bad = rng.binomial(lot, np.clip(rate, 0, 1))
        return rng.hypergeometric(np.maximum(bad, 0), lot - bad, np.minimum(n, lot)) if len(lot) else bad

    def inspect(lot, rate, lvl, amaj, amin):
        n, ac = plan(lot, amaj, lvl)
        _, ac_min = plan(lot, amin, lvl)
        crit = draw(lot, rate * 0.03, n)
        major = draw(lot, rate, n)
        minor = draw(lot, rate * 1.5 + 0.01, n)
        ok = (crit == 0) & (major <= ac) & (minor <= ac_min)
        return n, crit, major, minor, ok

    has_psi = rng.random(n_po) < tr["psi_coverage"].to_numpy()[sp]
    psi_day = ready - rng.integers(1, 4, n_po)
    n1, c1, j1, mi1, ok1 = inspect(qty, lot_rate, levels, aql_major, aql_minor)
    failed = has_psi & ~ok1
    rework = failed & (rng.random(n_po) < 0.75)
    waived = failed & ~rework
    shipped_rate = np.where(rework, lot_rate * rng.uniform(0.2, 0.5, n_po), lot_rate)
    re_day = psi_day + rng.integers(5, 11, n_po)
    n2, c2, j2, mi2, ok2 = inspect(qty, shipped_rate, levels, aql_major, aql_minor)
    ship_day = np.where(rework, re_day + rng.integers(1, 5, n_po), ready + rng.integers(0, 4, n_po))
    ship_day = np.maximum(ship_day, o_day + 1)
    is_open = ship_day > end
    has_dupro = rng.random(n_po) < 0.12
    dupro_day = o_day + np.maximum(3, (ready - o_day) // 2)
    nd, cd, jd, mid, okd = inspect(qty, lot_rate * 1.2, levels, aql_major, aql_minor)
    has_clc = (rng.random(n_po) < 0.04) & ~is_open

    insp_rate = np.array([r for _, r in INSPECTORS])
    insp_pick = rng.choice(len(INSPECTORS), n_po, p=[0.3, 0.2, 0.12, 0.1, 0.1, 0.1, 0.08])
    blocks = []

    def add(mask, kind, day, lot, n, crit, major, minor, ok, man_days):
        mask = mask & (day <= end)
        pending = np.zeros(n_po, dtype=bool) if n is None else (kind == "PSI") & (day >= end - 1) & is_open
        idx = np.nonzero(mask)[0]
        if not len(idx):
            return
        pend = pending[idx]
        result = np.where(pend, "pending", np.where(ok[idx], "pass", "fail"))
        cost = np.round(man_days[idx] * insp_rate[insp_pick[idx]] + np.where(rng.random(len(idx)) < 0.2,
                                                                            rng.integers(20, 90, len(idx)), 0))
        blk = pd.DataFrame({"po": idx, "inspection_type": kind, "day": day[idx], "inspector":
                            np.array([nm for nm, _ in INSPECTORS])[insp_pick[idx]],
                            "inspection_level": levels[idx], "aql_critical": 0.0, "aql_major": aql_major[idx],
                            "aql_minor": aql_minor[idx], "lot_size": lot[idx], "result": result, "cost": cost})
        for col, val in (("sample_size", n), ("critical_defects", crit), ("major_defects", major),
                         ("minor_defects", minor)):
            v = pd.array(np.zeros(len(idx), dtype=np.int64) if val is None else val[idx], dtype="Int64")
            if val is None:
                v[:] = pd.NA
            v[pend] = pd.NA
            blk[col] = v
        blocks.append(blk)

    one = np.ones(n_po)
    add(has_ppi, "PPI", ppi_day, qty, None, None, None, None, ~ppi_caught, one)
    add(has_dupro, "DUPRO", dupro_day, qty, nd, cd, jd, mid, okd, one)
    add(has_psi, "PSI", psi_day, qty, n1, c1, j1, mi1, ok1, np.where((n1 > 125) | (levels == "III"), 2.0, 1.0))
    add(rework, "PSI", re_day, qty, n2, c2, j2, mi2, ok2, np.where(n2 > 125, 2.0, 1.0))
    add(has_clc, "CLC", ship_day, qty, None, None, None, None, np.ones(n_po, dtype=bool), one)
    ins = pd.concat(blocks, ignore_index=True)
    ins = ins.sort_values(["day", "po", "inspection_type"], kind="stable").reset_index(drop=True)
    ins.insert(0, "inspection_id", [f"INS-{i + 1:06d}" for i in range(len(ins))])
    ins["po_id"] = po_id[ins["po"].to_numpy()]
    ins["inspected_on"] = _iso(ins["day"].to_numpy())

    vars(o).update(lateness=lateness, substituted=substituted, lot_rate=lot_rate, aql_major=aql_major,
                   has_psi=has_psi, psi_day=psi_day, failed=failed, rework=rework, waived=waived,
                   shipped_rate=shipped_rate, re_day=re_day, ship_day=ship_day, is_open=is_open,
                   ppi_caught=ppi_caught)
    return ins


def _payments(rng: np.random.Generator, o: _Orders, tr: pd.DataFrame, names: pd.DataFrame, end: int) -> pd.DataFrame:
    """A 30 % deposit on every order and the balance on shipped ones (some before the PSI passed), to the
    supplier's beneficiary or, after a payee change, another name; payments.csv's rows."""
    n_po, sp, o_day, qty, unit_price, po_id = o.n_po, o.sp, o.o_day, o.qty, o.unit_price, o.po_id
    pay_channel, has_psi, psi_day = o.pay_channel, o.has_psi, o.psi_day
    rework, re_day, ship_day, is_open = o.rework, o.re_day, o.ship_day, o.is_open
    total = qty * unit_price
    dep_amt = np.round(total * 0.3, 2)
    bal_amt = np.round(total - dep_amt, 2)
    dep_day = np.minimum(o_day + rng.integers(0, 4, n_po), end)
    last_insp = np.where(rework, re_day, psi_day)
    early = has_psi & (rng.random(n_po) < tr["balance_before_psi_propensity"].to_numpy()[sp])
    bal_day = np.where(early, psi_day - rng.integers(1, 9, n_po),
                       np.where(has_psi, np.maximum(last_insp + 1, ship_day - rng.integers(0, 4, n_po)),
                                ship_day - rng.integers(1, 6, n_po)))
    bal_day = np.clip(bal_day, dep_day + 1, ship_day)
    has_bal = ~is_open & (bal_day <= end)
    payee = names["beneficiary"].to_numpy()[sp]
    change_day = tr["payee_change_day"].to_numpy()[sp]
    other = names["other"].to_numpy()[sp]
    pay = pd.DataFrame({
        "po": np.concatenate([np.arange(n_po), np.nonzero(has_bal)[0]]),
        "day": np.concatenate([dep_day, bal_day[has_bal]]),
        "amount": np.concatenate([dep_amt, bal_amt[has_bal]]),
        "kind": np.array(["deposit"] * n_po + ["balance"] * int(has_bal.sum()), dtype=object),
    })
    pp = pay["po"].to_numpy()
    pay["payee_name"] = np.where((change_day[pp] > 0) & (pay["day"].to_numpy() >= change_day[pp]), other[pp],
                                 payee[pp])
    pay["channel"] = pay_channel[pp]
    pay = pay.sort_values(["day", "po", "kind"], kind="stable").reset_index(drop=True)
    pay.insert(0, "payment_id", [f"PAY-{i + 1:06d}" for i in range(len(pay))])
    pay["po_id"] = po_id[pay["po"].to_numpy()]
    pay["paid_on"] = _iso(pay["day"].to_numpy())

    vars(o).update(early=early, has_bal=has_bal)
    return pay


def _shipments(rng: np.random.Generator, o: _Orders, info: pd.DataFrame, tr: pd.DataFrame, prod: pd.DataFrame,
               sup: pd.DataFrame, seed: int, end: int) -> dict:
    """Shipments of the shipped orders (some split in two), their mode, freight, insurance, delays and customs
    entries (`_customs`). Returns `_customs`'s tables (shipments and products among them); sets each lot's last
    delivery, delivered units and paperwork errors on `o`."""
    n_po, sp, o_day, qty, unit_price = o.n_po, o.sp, o.o_day, o.qty, o.unit_price
    po_id, rows_sku, incoterm = o.po_id, o.rows_sku, o.incoterm
    lateness, ship_day, is_open = o.lateness, o.ship_day, o.is_open
    shipped = np.nonzero(~is_open)[0]
    split = (rng.random(len(shipped)) < 0.10) & (qty[shipped] >= 1000)
    first_q = np.where(split, np.round(qty[shipped] * rng.uniform(0.5, 0.7, len(shipped)) / 50) * 50,
                       qty[shipped]).astype(np.int64)
    sec_day = ship_day[shipped] + rng.integers(7, 22, len(shipped))
    keep2 = split & (sec_day <= end)
    sh_po = np.concatenate([shipped, shipped[keep2]])
    sh_q = np.concatenate([first_q, (qty[shipped] - first_q)[keep2]])
    sh_day = np.concatenate([ship_day[shipped], sec_day[keep2]])
    k = len(sh_po)
    ssp = sp[sh_po]
    sk = rows_sku[sh_po]
    kg = sh_q * info["kg"].to_numpy()[sk]
    m3 = sh_q * info["m3"].to_numpy()[sk]
    very_late = lateness[sh_po] > 14
    expedited = very_late & (rng.random(k) < 0.5)
    mode = np.where(expedited, "air", np.where(rng.random(k) < 0.06, "air", "sea")).astype(object)
    mode[(mode == "sea") & (np.maximum(kg, m3 * 167) < 100) & (rng.random(k) < 0.6)] = "express"
    doc_err = rng.poisson(tr["doc_error_rate"].to_numpy()[ssp])
    hold = rng.random(k) < np.clip(tr["customs_hold_rate"].to_numpy()[ssp] * (1 + doc_err), 0, 0.9)
    hold_days = np.where(hold, rng.integers(2, 15, k), 0)
    nominal = np.select([mode == "sea", mode == "air"], [35, 9], 6)
    actual = nominal + np.round(rng.normal(0, 1, k) * np.select([mode == "sea", mode == "air"], [5, 2], 1))
    deliv = sh_day + np.maximum(1, actual).astype(np.int64) + hold_days
    eta = sh_day + nominal
    idx = _freight_index(sh_day.astype(float))
    chargeable = np.maximum(kg, m3 * 167)
    sea_cost = np.maximum(300.0, m3 * 70 * idx * rng.uniform(0.85, 1.15, k))
    freight = np.select([mode == "sea", mode == "air"],
                        [sea_cost, chargeable * 5.5 * np.sqrt(idx) * rng.uniform(0.9, 1.1, k)],
                        chargeable * 8.0 * rng.uniform(0.9, 1.1, k))
    inco = incoterm[sh_po]
    # CIF: the supplier's price contains the freight and insurance (invoice_freight / invoice_insurance, deducted
    # from the dutiable value); the buyer pays nothing on top. Other terms: the buyer pays them on top.
    cif = np.isin(inco, ["CIF"])
    value = sh_q * unit_price[sh_po]
    invoice_freight = np.where(cif, np.round(np.minimum(freight, 0.25 * value), 2), 0.0)  # at most a quarter
    freight = np.where(cif, 0.0, np.round(freight, 2))
    insured = (rng.random(k) < 0.8) & (inco != "CIF")
    insurance = np.where(insured, np.round(value * 1.1 * 0.0035, 2), 0.0)
    invoice_insurance = np.where(cif, np.round(value * 1.1 * 0.0035, 2), 0.0)
    # Duty and entry fees are what the reference tables say for each customs entry (`_customs`, below); these draws
    # keep their place in the random stream: whether the duty paid is on record, brokerage, EXW origin charges.
    duty_known = rng.random(k) < 0.985
    brokerage = rng.uniform(95, 175, k)
    exw_fees = np.where(inco == "EXW", rng.uniform(80, 200, k), 0)
    ship = pd.DataFrame({
        "po": sh_po, "mode": mode, "day": sh_day, "eta": eta, "deliv": deliv, "quantity": sh_q,
        "freight_cost": freight, "insurance_cost": insurance, "invoice_freight": invoice_freight,
        "invoice_insurance": invoice_insurance, "duty_known": duty_known, "brokerage": brokerage,
        "exw_fees": exw_fees, "customs_hold_days": hold_days, "doc_errors": doc_err,
        "expedited": expedited, "sea_equiv": np.round(sea_cost, 2),
    })
    ship = ship.sort_values(["day", "po", "quantity"], kind="stable").reset_index(drop=True)
    ship.insert(0, "shipment_id", [f"SHP-{i + 1:06d}" for i in range(len(ship))])
    ship["po_id"] = po_id[ship["po"].to_numpy()]
    ship["shipped_on"] = _iso(ship["day"].to_numpy())
    ship["eta_on"] = _iso(ship["eta"].to_numpy())
    is_deliv = ship["deliv"].to_numpy() <= end
    ship["delivered_on"] = _iso(ship["deliv"].to_numpy(), is_deliv)
    ship["is_delivered"] = is_deliv
    p_idx = ship["po"].to_numpy()
    first_order = pd.Series(o_day).groupby(prod["sku"].to_numpy()[rows_sku]).min()
    customs = _customs(ship.assign(sku=prod["sku"].to_numpy()[rows_sku[p_idx]],
                                   supplier_id=tr["supplier_id"].to_numpy()[sp[p_idx]],
                                   incoterm=incoterm[p_idx], unit_price=unit_price[p_idx]),
                       prod, sup, seed, end, first_order)
    ship = customs["shipments"]

    # Lot delivery: the last delivered shipment of the PO; units available = delivered quantity.
    dl = ship[ship["is_delivered"]].groupby("po").agg(deliv=("deliv", "max"), q=("quantity", "sum"),
                                                      doc=("doc_errors", "sum"))
    lot_deliv = np.full(n_po, -1, dtype=np.int64)
    lot_q = np.zeros(n_po, dtype=np.int64)
    lot_doc = np.zeros(n_po, dtype=np.int64)
    lot_deliv[dl.index.to_numpy()] = dl["deliv"].to_numpy()
    lot_q[dl.index.to_numpy()] = dl["q"].to_numpy()
    lot_doc[dl.index.to_numpy()] = dl["doc"].to_numpy()
    delivered_lot = lot_deliv >= 0

    vars(o).update(lot_deliv=lot_deliv, lot_q=lot_q, lot_doc=lot_doc, delivered_lot=delivered_lot)
    return customs


def _sales(rng: np.random.Generator, o: _Orders, info: pd.DataFrame, prod: pd.DataFrame, start: int, end: int,
           end_on: date) -> pd.DataFrame:
    """sales.csv's rows: SKU × month × channel, from each SKU's first delivery (or the window's start) with
    seasonality, the last month prorated."""
    rows_sku, lot_deliv, delivered_lot = o.rows_sku, o.lot_deliv, o.delivered_lot
    first_deliv = pd.Series(lot_deliv[delivered_lot]).groupby(rows_sku[delivered_lot]).min()
    # SKUs already selling when the window opens (launched before it) sell from the first month.
    launched_before = info["launch"].to_numpy()[first_deliv.index.to_numpy()] < start
    first_deliv[:] = np.where(launched_before, start, first_deliv.to_numpy())
    end_month = np.datetime64(end_on, "M")
    start_month = np.datetime64(np.datetime64(start, "D"), "M")
    month_list = np.arange(start_month, end_month + 1)
    n_mon = len(month_list)
    sku_with = first_deliv.index.to_numpy()
    fm = first_deliv.to_numpy().astype("datetime64[D]").astype("datetime64[M]")
    mon_idx = np.arange(n_mon)
    first_i = ((fm - start_month).astype(np.int64))
    disc_m = (info["discontinued"].to_numpy()[sku_with] + 90).astype("datetime64[D]").astype("datetime64[M]")
    last_i = np.minimum(n_mon - 1, (disc_m - start_month).astype(np.int64))
    act = (mon_idx[None, :] >= first_i[:, None]) & (mon_idx[None, :] <= last_i[:, None])
    si, mi = np.nonzero(act)
    sk_s = sku_with[si]
    cal_month = (month_list[mi].astype(np.int64) % 12) + 1
    season = np.array([0.85, 0.8, 0.9, 0.95, 1.0, 0.95, 1.1, 0.95, 0.95, 1.05, 1.35, 1.6])[cal_month - 1]
    frac = np.ones(len(si))
    days_in_last = (end - (month_list[-1].astype("datetime64[D]") - EPOCH).astype(np.int64)) + 1
    month_len = ((month_list[-1] + 1).astype("datetime64[D]") - month_list[-1].astype("datetime64[D]")).astype(int)
    frac[mi == n_mon - 1] = days_in_last / month_len
    units = info["demand"].to_numpy()[sk_s] * season * frac * np.exp(rng.normal(0, 0.2, len(si)))
    share = np.where(info["on_walmart"].to_numpy()[sk_s][:, None], CHANNEL_SHARE[None, :],
                     np.array([0.7, 0.3, 0.0])[None, :])
    ch_units = np.round(units[:, None] * share * np.exp(rng.normal(0, 0.1, (len(si), 3)))).astype(np.int64)
    r_i, c_i = np.nonzero(ch_units > 0)
    u = ch_units[r_i, c_i]
    sku_r = sk_s[r_i]
    retail = info["retail"].to_numpy()[sku_r]
    gross = np.round(u * retail * (1 - rng.uniform(0, 0.1, len(u))), 2)
    w = info["kg"].to_numpy()[sku_r]
    fee = np.select([c_i == 0, c_i == 2],
                    [0.15 * gross + u * (3.0 + 1.1 * w), 0.15 * gross + u * (2.9 + 1.0 * w)],
                    0.029 * gross + u * (0.3 + 2.5 + 0.5 * w))
    sales = pd.DataFrame({"sku": prod["sku"].to_numpy()[sku_r], "month": month_list[mi[r_i]].astype(str),
                          "channel": np.array(CHANNELS)[c_i], "units_sold": u, "gross_revenue": gross,
                          "marketplace_fees": np.round(fee, 2), "_sku_i": sku_r, "_m": mi[r_i], "_c": c_i})
    sales = sales.sort_values(["_sku_i", "_m", "_c"], kind="stable").reset_index(drop=True)

    return sales


def _returns(rng: np.random.Generator, o: _Orders, info: pd.DataFrame, tr: pd.DataFrame, prod: pd.DataFrame,
             end: int) -> pd.DataFrame:
    """returns.csv's rows, driven by each lot's TRUE (shipped) defect rate, not by the inspection."""
    sp, rows_sku, po_id, substituted = o.sp, o.rows_sku, o.po_id, o.substituted
    drifted, shipped_rate = o.drifted, o.shipped_rate
    lot_deliv, lot_q, delivered_lot = o.lot_deliv, o.lot_q, o.delivered_lot
    lots = np.nonzero(delivered_lot)[0]
    sell_days = np.maximum(30.0, info["interval"].to_numpy()[rows_sku[lots]])
    horizon = np.minimum(sell_days, end - lot_deliv[lots])
    sold = np.round(lot_q[lots] * np.clip(horizon / sell_days, 0, 1)).astype(np.int64)
    r = shipped_rate[lots]
    bg = tr["background_return_rate"].to_numpy()[sp[lots]]
    doc_rate = tr["doc_error_rate"].to_numpy()[sp[lots]]
    reason_p = np.stack([
        0.30 * r,                                                        # defective
        0.06 * r + 0.03 * substituted[lots] + 0.01 * drifted[lots],      # not_as_described
        0.06 * r,                                                        # missing_parts
        0.001 + 0.002 * doc_rate,                                        # wrong_item (packing errors)
        bg * 0.65,                                                       # customer_remorse
        bg * 0.20,                                                       # damaged (carrier)
        bg * 0.15,                                                       # other
    ], axis=1)
    reasons = np.array(["defective", "not_as_described", "missing_parts", "wrong_item", "customer_remorse",
                        "damaged", "other"])
    counts = rng.binomial(sold[:, None], np.clip(reason_p, 0, 1))
    lot_r = np.repeat(np.repeat(np.arange(len(lots)), 7), counts.ravel())
    rsn = np.repeat(np.tile(np.arange(7), len(lots)), counts.ravel())
    nr = len(lot_r)
    sale_lag = rng.random(nr) * horizon[lot_r]
    ret_day = lot_deliv[lots][lot_r] + np.floor(sale_lag).astype(np.int64) + 2 + \
        np.round(rng.gamma(2.0, 8.0, nr)).astype(np.int64)
    keep = ret_day <= end
    lot_r, rsn, ret_day = lot_r[keep], rsn[keep], ret_day[keep]
    nr = len(lot_r)
    rpo = lots[lot_r]
    rsku = rows_sku[rpo]
    rq = np.array([1, 2, 3])[rng.choice(3, nr, p=[0.92, 0.06, 0.02])]
    share_r = np.where(info["on_walmart"].to_numpy()[rsku][:, None], CHANNEL_SHARE[None, :],
                       np.array([0.7, 0.3, 0.0])[None, :])
    ch = (rng.random(nr)[:, None] > np.cumsum(share_r, axis=1)).sum(axis=1)
    ch = np.minimum(ch, 2)
    refund = np.round(rq * info["retail"].to_numpy()[rsku] * np.where((rsn == 1) & (rng.random(nr) < 0.1), 0.5, 1),
                      2)
    unsell_p = np.array([0.9, 0.5, 0.6, 0.2, 0.15, 0.85, 0.4])[rsn]
    traceable = rng.random(nr) < 0.88
    ret = pd.DataFrame({"sku": prod["sku"].to_numpy()[rsku], "po_id": np.where(traceable, po_id[rpo], ""),
                        "day": ret_day, "quantity": rq, "reason": reasons[rsn], "channel": np.array(CHANNELS)[ch],
                        "refund_amount": refund,
                        "disposition": np.where(rng.random(nr) < unsell_p, "unsellable", "sellable"),
                        "_po": rpo})
    ret = ret.sort_values(["day", "_po", "reason"], kind="stable").reset_index(drop=True)
    ret.insert(0, "return_id", [f"RET-{i + 1:07d}" for i in range(len(ret))])
    ret["returned_on"] = _iso(ret["day"].to_numpy())

    return ret


def _quality_costs(rng: np.random.Generator, o: _Orders, ship: pd.DataFrame, tr: pd.DataFrame,
                   end: int) -> pd.DataFrame:
    """quality_costs.csv's rows: rework, sorting, write-offs, re-inspections, relabelling, chargebacks, and the air
    freight that recovered a late production."""
    n_po, sp, qty, unit_price, po_id, rework, re_day = o.n_po, o.sp, o.qty, o.unit_price, o.po_id, o.rework, o.re_day
    waived, shipped_rate, lateness = o.waived, o.shipped_rate, o.lateness
    lot_deliv, lot_q, lot_doc, delivered_lot = o.lot_deliv, o.lot_q, o.lot_doc, o.delivered_lot
    qc = []

    def cost(mask, kind, day, amount, note):
        ids = np.nonzero(mask & (day <= end))[0]
        if len(ids):
            qc.append(pd.DataFrame({"po": ids, "day": day[ids], "kind": kind, "amount": np.round(amount[ids], 2),
                                    "note": note if isinstance(note, str) else note[ids]}))

    cost(rework & (rng.random(n_po) < 0.4), "rework", re_day, qty * rng.uniform(0.05, 0.3, n_po),
         "Share of on-site rework after failed PSI")
    after = lot_deliv + rng.integers(5, 31, n_po)
    cost(delivered_lot & (shipped_rate > 0.04) & (rng.random(n_po) < 0.5), "sorting", after,
         lot_q * rng.uniform(0.1, 0.35, n_po), "100% sorting at 3PL after inbound complaints")
    cost(delivered_lot & (shipped_rate > 0.03) & (rng.random(n_po) < 0.6), "write_off",
         lot_deliv + rng.integers(20, 121, n_po), lot_q * shipped_rate * rng.uniform(0.3, 0.8, n_po) * unit_price,
         "Defective units written off")
    cost(delivered_lot & waived, "reinspection", lot_deliv + rng.integers(1, 8, n_po),
         rng.uniform(250, 400, n_po), "Inbound re-inspection of a lot shipped on a waiver")
    cost(delivered_lot & (lot_doc > 0) & (rng.random(n_po) < 0.6), "relabel", lot_deliv + rng.integers(1, 11, n_po),
         150 + lot_q / 24 * rng.uniform(1.0, 2.5, n_po), "FNSKU / carton labels wrong or missing")
    cost(delivered_lot & ((lot_doc > 0) | (lateness > 14)) & (rng.random(n_po) < 0.3), "chargeback",
         lot_deliv + rng.integers(10, 41, n_po), rng.uniform(100, 1500, n_po),
         "Retailer compliance chargeback (labels / late ASN)")
    qc_df = pd.concat(qc, ignore_index=True) if qc else pd.DataFrame(columns=["po", "day", "kind", "amount", "note"])
    ex = ship[ship["expedited"]]
    if len(ex):
        qc_df = pd.concat([qc_df, pd.DataFrame({
            "po": ex["po"].to_numpy(), "day": ex["day"].to_numpy(), "kind": "expedite_freight",
            "amount": np.round(np.maximum(0.0, ex["freight_cost"].to_numpy() - ex["sea_equiv"].to_numpy()), 2),
            "note": "Air freight to recover a late production"})], ignore_index=True)
    qc_df = qc_df.sort_values(["day", "po", "kind"], kind="stable").reset_index(drop=True)
    qpo = qc_df["po"].to_numpy().astype(np.int64)
    qc_df.insert(0, "cost_id", [f"QC-{i + 1:06d}" for i in range(len(qc_df))])
    qc_df["po_id"] = np.where(rng.random(len(qc_df)) < 0.9, po_id[qpo], "")
    qc_df["supplier_id"] = tr["supplier_id"].to_numpy()[sp[qpo]]
    qc_df["incurred_on"] = _iso(qc_df["day"].to_numpy())

    return qc_df


def _write_ground_truth(gt: Path, o: _Orders, po: pd.DataFrame, traits: pd.DataFrame, info: pd.DataFrame,
                        customs: dict, controls_truth: pd.DataFrame) -> None:
    """ground_truth/: the supplier traits, each lot's truth, the duty truth and the planted control cases."""
    po_id, sp, rows_sku, lot_rate = o.po_id, o.sp, o.rows_sku, o.lot_rate
    shipped_rate, substituted = o.shipped_rate, o.substituted
    drifted, is_jump, lateness = o.drifted, o.is_jump, o.lateness
    has_psi, failed, rework, waived = o.has_psi, o.failed, o.rework, o.waived
    early, has_bal, ppi_caught, is_open, lot_q = o.early, o.has_bal, o.ppi_caught, o.is_open, o.lot_q
    gt.mkdir(exist_ok=True)
    trait_cols = ["supplier_id", "supplier_type", "latent_risk", "hidden_risk", "true_defect_rate",
                  "substitution_propensity", "drift_propensity", "drift_multiplier", "late_propensity",
                  "mean_late_days", "lead_time_days", "lead_time_cv", "price_jump_propensity", "trading_markup",
                  "doc_error_rate", "customs_hold_rate", "psi_coverage", "wire_share",
                  "balance_before_psi_propensity", "background_return_rate", "entity_mismatch",
                  "entity_mismatch_kind", "mismatch_entity_name", "payee_change_on", "name_variant",
                  "litigation_cases", "admin_penalties", "operating_abnormal", "undeclared_subcontracting"]
    # the true type (one planted trading company declares itself a manufacturer in suppliers.csv)
    traits["supplier_type"] = np.where(traits["is_trading"], "trading_company", "manufacturer")
    traits["payee_change_on"] = _iso(np.maximum(traits["payee_change_day"].to_numpy(), 0),
                                     traits["payee_change_day"].to_numpy() > 0)
    out_t = traits[trait_cols].copy()
    for c in out_t.columns:
        if out_t[c].dtype == float:
            out_t[c] = out_t[c].round(5)
    _write(out_t, gt / "supplier_traits.csv", [])
    lot = pd.DataFrame({
        "po_id": po_id, "supplier_id": po["supplier_id"], "sku": po["sku"],
        "factory_unit_cost": np.round(info["cost"].to_numpy()[rows_sku], 4),
        "trading_markup": np.round(traits["trading_markup"].to_numpy()[sp], 5),
        "true_defect_rate": np.round(lot_rate, 5), "shipped_defect_rate": np.round(shipped_rate, 5),
        "is_substituted": substituted, "is_drifted": drifted, "is_price_jump": is_jump,
        "late_days": np.round(lateness).astype(np.int64), "has_psi": has_psi, "psi_failed": failed,
        "is_reworked": rework, "shipped_on_waiver": waived, "balance_before_psi": early & has_bal,
        "ppi_caught_substitution": ppi_caught, "is_open": is_open, "delivered_units": lot_q,
    })
    _write(lot, gt / "lot_truth.csv", [])
    _write(customs["truth"], gt / "duty_truth.csv", [])
    _write(controls_truth, gt / "controls_truth.csv", [])


MIN_SUPPLIERS, MIN_YEARS = 2, 1  # the smallest portfolio written (one with few suppliers lacks some planted cases)


def generate_portfolio(out_dir: Path, seed: int = 7, suppliers: int = 72, years: int = 3,
                       end_on: date = date(2026, 10, 31), with_errors: bool = False) -> dict[str, int]:
    """Write the contract CSVs for a simulated brand, plus `ground_truth/`; return rows written per table.

    One function per table, called in the order they draw from the one random stream (the controls draw from their
    own, so adding them left every other table as it was)."""
    if suppliers < MIN_SUPPLIERS or years < MIN_YEARS:
        raise ValueError(f"need at least {MIN_SUPPLIERS} suppliers and {MIN_YEARS} year")
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    end = _day(end_on)
    start = end - int(round(365.25 * years))

    sup, traits, names, cats = _suppliers(rng, suppliers, start, end)
    traits["hidden_risk"] = _hidden_risk(traits)
    prod, info = _products(rng, traits, cats, start, end)
    o = _purchase_orders(rng, info, traits, names, suppliers, start, end)
    ins = _inspections(rng, o, traits, end)
    pay = _payments(rng, o, traits, names, end)
    customs = _shipments(rng, o, info, traits, prod, sup, seed, end)
    ship, prod = customs["shipments"], customs["products"]
    sales = _sales(rng, o, info, prod, start, end, end_on)
    ret = _returns(rng, o, info, traits, prod, end)
    qc_df = _quality_costs(rng, o, ship, traits, end)
    po = _purchase_order_table(o, traits, prod)

    tables = {"suppliers": sup, "products": prod, "purchase_orders": po, "payments": pay, "inspections": ins,
              "shipments": ship, "sales": sales, "returns": ret, "quality_costs": qc_df,
              "assists": customs["assists"], "duty_refunds": customs["duty_refunds"],
              "entry_summary_lines": customs["entry_summary_lines"]}
    controls_truth = _controls(np.random.default_rng([seed, 15]), tables, traits, names,
                               pd.DataFrame({"is_jump": o.is_jump, "is_open": o.is_open, "aql_major": o.aql_major}),
                               end)
    out_dir.mkdir(parents=True, exist_ok=True)
    bad = _bad_rows() if with_errors else {}
    counts_out: dict[str, int] = {}
    for name in (t.name for t in DEMO_TABLES):
        df, cols = tables[name], TABLES_BY_NAME[name].column_names
        counts_out[name] = _write(df[cols], out_dir / f"{name}.csv", bad.get(name, []))
    _write_ground_truth(out_dir / "ground_truth", o, po, traits, info, customs, controls_truth)
    return counts_out


# --- controls: bank accounts, documented changes, corrective actions, background checks ---------------------------

VERIFY_METHODS = ("callback", "bank_letter", "video_call")


def _background_checks(rng: np.random.Generator, sup: pd.DataFrame, latent: np.ndarray, onboard: np.ndarray,
                       end: int) -> None:
    """Registry and public-records checks on `sup` (in place), dated; some expired, a few never checked (and then
    their litigation, penalties and operating status blank)."""
    n = len(sup)
    checked = np.minimum(end - 1, end - rng.integers(10, 330, n))
    stale = rng.random(n) < 0.06 + 0.2 * latent
    checked = np.where(stale, end - rng.integers(400, 800, n), checked)
    clean = (sup["operating_status"] == "normal").to_numpy() & (sup["litigation_cases"] == 0).to_numpy() & (
        sup["admin_penalties"] == 0).to_numpy()
    never = clean & (rng.random(n) < 0.10)
    sup["registry_checked_on"] = _iso(np.maximum(checked, onboard), ~never)
    records_on = np.maximum(checked - rng.integers(0, 20, n), onboard)
    sup["records_checked_on"] = _iso(records_on, ~never)
    for col in ("litigation_cases", "admin_penalties", "operating_status"):
        sup[col] = sup[col].astype(object).where(~never, "")
    sup["verified_type"] = ""



def _bank_accounts(rng: np.random.Generator, sup: pd.DataFrame, po: pd.DataFrame, pay: pd.DataFrame,
                   traits: pd.DataFrame, names: pd.DataFrame, lots: pd.DataFrame, latent: np.ndarray,
                   onboard: np.ndarray, end: int, truth: list) -> tuple[pd.DataFrame, int | None]:
    """bank_accounts.csv's rows: one per supplier at onboarding; the other entity's account for entity-mismatch
    suppliers; every payment (in place) names the account of its payee. Planted 1 (appended to `truth`): a new
    account under the same name a few weeks before the build, not verified. Returns the accounts and the planted
    supplier's index (None in a portfolio too small to have a candidate: the case is then not planted)."""
    n = len(sup)
    ids = sup["supplier_id"].to_numpy()
    kind = traits["entity_mismatch_kind"].to_numpy()
    verified = rng.random(n) < 0.95 - 0.3 * latent
    acc = pd.DataFrame({
        "bank_account_id": [f"BA-{i + 1:04d}" for i in range(n)], "supplier_id": ids,
        "account_number": [f"6222{int(x):012d}" for x in rng.integers(0, 10 ** 12, n)],
        "bank_name": np.array(["Bank of China", "Industrial and Commercial Bank of China", "China Construction Bank",
                               "Agricultural Bank of China", "Bank of Communications"])[rng.integers(0, 5, n)],
        "bank_country": "CN", "beneficiary": names["beneficiary"].to_numpy(),
        "first_seen_on": _iso(onboard), "verified_on": _iso(onboard + rng.integers(1, 6, n), verified),
        "verification_method": np.where(verified, np.array(VERIFY_METHODS)[rng.integers(0, 3, n)], ""),
        "note": "",
    })
    other = names["other"].to_numpy()
    hk = np.array(["Hong Kong" in o for o in other])
    # a payee mismatch from the start: the only account is the other entity's (offshore when a Hong Kong shell)
    payee_kind = kind == "payee"
    acc.loc[payee_kind & hk, "bank_country"] = "HK"
    acc.loc[payee_kind & hk, "bank_name"] = "HSBC Hong Kong"
    # a payee change: a second account, the other entity's, first seen on the day of the switch and never verified
    change = np.flatnonzero(kind == "payee_change")
    extra = pd.DataFrame({
        "bank_account_id": [f"BA-{n + i + 1:04d}" for i in range(len(change))], "supplier_id": ids[change],
        "account_number": [f"{int(x):012d}" for x in rng.integers(0, 10 ** 12, len(change))],
        "bank_name": np.where(hk[change], "HSBC Hong Kong", "China Merchants Bank"),
        "bank_country": np.where(hk[change], "HK", "CN"), "beneficiary": other[change],
        "first_seen_on": _iso(traits["payee_change_day"].to_numpy()[change]), "verified_on": "",
        "verification_method": "", "note": "",
    })
    acc = pd.concat([acc, extra], ignore_index=True)
    # every payment names the account of its payee
    by_payee = dict(zip(zip(acc["supplier_id"], acc["beneficiary"]), acc["bank_account_id"]))
    pay_sup = po.set_index("po_id")["supplier_id"].reindex(pay["po_id"]).to_numpy()
    pay["bank_account_id"] = [by_payee.get((s_, p_), "") for s_, p_ in zip(pay_sup, pay["payee_name"])]

    # planted 1: a new account under the same name, in the same country, a few weeks before the build, not verified
    # (the e-mail "our bank details have changed"): an active, clean manufacturer with an open order
    open_po = po[lots["is_open"].to_numpy()]
    candidates = [i for i in np.argsort(latent) if kind[i] == "" and not traits["is_trading"].iloc[i]
                  and (open_po["supplier_id"] == ids[i]).any() and "Hong Kong" not in names["legal"].iloc[i]]
    if not candidates:
        return acc, None
    bec = candidates[0]
    bec_id = f"BA-{len(acc) + 1:04d}"
    acc = pd.concat([acc, pd.DataFrame([{
        "bank_account_id": bec_id, "supplier_id": ids[bec], "account_number": "6217000011112222",
        "bank_name": "Ping An Bank", "bank_country": "CN", "beneficiary": names["beneficiary"].iloc[bec],
        "first_seen_on": _iso(np.array([end - 12]))[0], "verified_on": "", "verification_method": "",
        "note": "E-mail from sales: 'our company bank details have changed'"}])], ignore_index=True)
    truth.append(("same_name_new_bank_account", ids[bec], bec_id,
                  "a second account under the same beneficiary name, first seen 12 days before the build, not "
                  "verified: red flag and every open order on hold"))

    return acc, bec


def _changes(rng: np.random.Generator, po: pd.DataFrame, lots: pd.DataFrame, latent: np.ndarray, sp: np.ndarray,
             o_day: np.ndarray, n: int, taken: set, end: int, truth: list) -> tuple[pd.DataFrame, pd.Series | None]:
    """changes.csv's rows: price changes on price-jump reorders, confirmed in writing unless the supplier is
    careless, a few documented packaging and lead-time changes. Planted 2 (appended to `truth`): an open order's
    material changed after its golden sample was approved, not confirmed (not at a supplier in `taken`). Returns the
    changes and the planted order (None when no open order has an approved sample: not planted)."""
    open_po = po[lots["is_open"].to_numpy()]
    jumps = np.flatnonzero(lots["is_jump"].to_numpy() & (rng.random(len(po)) < 0.6))
    documented = rng.random(len(jumps)) < 0.97 - 0.6 * latent[sp[jumps]]
    chg = pd.DataFrame({
        "supplier_id": po["supplier_id"].to_numpy()[jumps], "po_id": po["po_id"].to_numpy()[jumps],
        "day": o_day[jumps] - rng.integers(0, 6, len(jumps)), "kind": "price",
        "confirmed_in_writing": np.where(documented, "true", "false"),
        "approved_by": np.where(documented, np.array(["J. Smith", "A. Rivera", "K. Chen"])[
            rng.integers(0, 3, len(jumps))], ""),
        "note": "Unit price raised on the reorder",
    })
    # a few packaging and lead-time changes, documented
    k = max(1, n // 6)
    some = np.sort(rng.choice(len(po), size=min(k, len(po)), replace=False))
    chg = pd.concat([chg, pd.DataFrame({
        "supplier_id": po["supplier_id"].to_numpy()[some], "po_id": po["po_id"].to_numpy()[some],
        "day": o_day[some] + rng.integers(1, 10, len(some)),
        "kind": np.where(rng.random(len(some)) < 0.5, "packaging", "lead_time"), "confirmed_in_writing": "true",
        "approved_by": "J. Smith", "note": "Agreed by e-mail and PI amendment"})], ignore_index=True)
    # planted 2: the material of an open order changed after its golden sample was approved, with no written
    # confirmation and nobody's approval (found at a pre-production check)
    sampled = open_po[(open_po["sample_approved_on"] != "") & ~open_po["supplier_id"].isin(taken)]
    if sampled.empty:
        return _numbered_changes(chg), None
    pick = sampled.iloc[0]
    mat_day = max(_day(date.fromisoformat(pick["ordered_on"])), _day(date.fromisoformat(
        pick["sample_approved_on"]))) + 3
    chg = pd.concat([chg, pd.DataFrame([{
        "supplier_id": pick["supplier_id"], "po_id": pick["po_id"], "day": min(mat_day, end), "kind": "material",
        "confirmed_in_writing": "false", "approved_by": "",
        "note": "ABS housing swapped for recycled PP; noticed by the inspector, not announced"}])], ignore_index=True)
    chg = _numbered_changes(chg)
    material_id = chg.loc[chg["kind"] == "material", "change_id"].iloc[-1]
    truth.append(("undocumented_material_change_after_sample", pick["supplier_id"], material_id,
                  f"material changed on {chg.loc[chg['change_id'] == material_id, 'changed_on'].iloc[0]} after the "
                  f"golden sample of {pick['po_id']} was approved on {pick['sample_approved_on']}, not confirmed in "
                  "writing: change signals and the order on hold"))

    return chg, pick


def _numbered_changes(chg: pd.DataFrame) -> pd.DataFrame:
    """The changes in date order, numbered CHG-00001…, with their date as written in the file."""
    chg = chg.sort_values(["day", "supplier_id", "kind"], kind="stable").reset_index(drop=True)
    chg.insert(0, "change_id", [f"CHG-{i + 1:05d}" for i in range(len(chg))])
    chg["changed_on"] = _iso(chg["day"].to_numpy())
    return chg


def _corrective_actions(rng: np.random.Generator, ins: pd.DataFrame, po: pd.DataFrame, ids: np.ndarray,
                        latent: np.ndarray, taken: set, end: int,
                        truth: list) -> tuple[pd.DataFrame, str | None, str | None]:
    """corrective_actions.csv's rows, after failed first pre-shipment inspections, closed late more often for
    riskier suppliers. Planted 3 and 4 (appended to `truth`, at suppliers not in `taken`): an overdue action, and a
    closed one whose next inspected lot failed again. Returns the actions and the two planted suppliers (None for a case
    a small portfolio has no candidate for: not planted)."""
    psi = ins[(ins["inspection_type"] == "PSI") & (ins["result"] != "pending")].sort_values(
        ["po_id", "day", "inspection_id"], kind="stable").drop_duplicates("po_id")
    failed = psi[psi["result"] == "fail"].copy()
    failed["supplier_id"] = failed["po_id"].map(po.set_index("po_id")["supplier_id"])
    failed = failed.sort_values(["day", "inspection_id"], kind="stable")
    asked = failed[rng.random(len(failed)) < 0.6]
    f_lat = latent[pd.Index(ids).get_indexer(asked["supplier_id"])]
    opened = asked["day"].to_numpy() + rng.integers(1, 4, len(asked))
    due = opened + 30
    # closed on time (7 to 28 days) or late (1 to 90 days after the due date), late more often for riskier suppliers;
    # those not closed by the build date are open (and overdue once past due)
    closed = np.where(rng.random(len(asked)) < 0.85 - 0.5 * f_lat, opened + rng.integers(7, 28, len(asked)),
                      due + rng.integers(1, 90, len(asked)))
    closed_ok = closed <= end
    capa = pd.DataFrame({
        "supplier_id": asked["supplier_id"].to_numpy(), "inspection_id": asked["inspection_id"].to_numpy(),
        "po_id": asked["po_id"].to_numpy(), "day": opened,
        "severity": np.where(asked["critical_defects"].fillna(0).to_numpy() > 0, "critical", "major"),
        "root_cause": "Process not under control at the line (inspection report)",
        "action": "8D report, line re-trained, 100% check of the defect at final packing",
        "due_on": _iso(due), "closed_on": _iso(closed, closed_ok), "next_lot_result": "",
    })
    capa = capa[capa["day"] <= end]
    # planted 3: an overdue corrective action: asked after a failed inspection 40 to 200 days before the build, due
    # 30 days after, still open. Planted 4: a corrective action closed, and the supplier's next inspected lot failed
    # again (a supplier with two failed first inspections more than 20 days apart, the later one recent)
    by_risk = {sid: r for sid, r in zip(ids, latent)}
    recent = failed[(failed["day"] > end - 200) & (failed["day"] < end - 40) & ~failed["supplier_id"].isin(taken)]
    od_ins = recent.loc[recent["supplier_id"].map(by_risk).sort_values(ascending=False, kind="stable").index].iloc[0] \
        if len(recent) else None
    od_sid = None if od_ins is None else od_ins["supplier_id"]
    pairs = []
    for sid, g in failed[~failed["supplier_id"].isin(taken | {od_sid})].groupby("supplier_id", sort=True):
        later = g[g["day"] > end - 200]
        if len(later):
            earlier = g[g["day"] < later["day"].iloc[-1] - 20]
            if len(earlier):
                pairs.append((sid, earlier.iloc[-1], later.iloc[-1]))
    cl_sid, cl_first, cl_next = pairs[0] if pairs else (None, None, None)
    # a portfolio too small to have a candidate (a few suppliers, a few failed inspections) leaves a case unplanted
    planted = [x["inspection_id"] for x in (od_ins, cl_first) if x is not None]
    capa = capa[~capa["inspection_id"].isin(planted)]
    planted_rows = []
    if od_ins is not None:
        od_open = int(od_ins["day"]) + 2
        planted_rows.append(
            {"supplier_id": od_sid, "inspection_id": od_ins["inspection_id"], "po_id": od_ins["po_id"],
             "day": od_open, "severity": "major", "root_cause": "Moisture in the resin: no drying before moulding",
             "action": "Install a dryer; log resin moisture per batch", "due_on": _iso(np.array([od_open + 30]))[0],
             "closed_on": "", "next_lot_result": ""})
    if cl_first is not None:
        # closed on the day of the supplier's last decided pre-shipment inspection before the failed one
        # (re-inspections included), so that failure is the first inspection after the closing date
        decided = ins[(ins["inspection_type"] == "PSI") & (ins["result"] != "pending")]
        decided = decided[decided["po_id"].map(po.set_index("po_id")["supplier_id"]) == cl_sid]
        before_next = decided[decided["day"] < cl_next["day"]]["day"].max()
        cl_close = int(max(before_next, cl_first["day"] + 2))
        planted_rows.append(
            {"supplier_id": cl_sid, "inspection_id": cl_first["inspection_id"], "po_id": cl_first["po_id"],
             "day": int(cl_first["day"]) + 1, "severity": "major", "root_cause": "Operator skipped the torque check",
             "action": "Torque check added to the line's checklist",
             "due_on": _iso(np.array([int(cl_first["day"]) + 31]))[0], "closed_on": _iso(np.array([cl_close]))[0],
             "next_lot_result": ""})
    if planted_rows:
        capa = pd.concat([capa, pd.DataFrame(planted_rows)], ignore_index=True)
    capa = capa.sort_values(["day", "inspection_id"], kind="stable").reset_index(drop=True)
    capa.insert(0, "capa_id", [f"CAPA-{i + 1:04d}" for i in range(len(capa))])
    capa["opened_on"] = _iso(capa["day"].to_numpy())
    if od_ins is not None:
        od_id = capa.loc[capa["inspection_id"] == od_ins["inspection_id"], "capa_id"].iloc[0]
        truth.append(("overdue_capa", od_sid, od_id, f"opened {_iso(np.array([od_open]))[0]} after "
                      f"{od_ins['inspection_id']} failed, due 30 days later, still open at the build"))
    if cl_first is not None:
        cl_id = capa.loc[capa["inspection_id"] == cl_first["inspection_id"], "capa_id"].iloc[0]
        truth.append(("closed_capa_next_lot_failed", cl_sid, cl_id,
                      f"closed {_iso(np.array([cl_close]))[0]}; the next pre-shipment inspection "
                      f"{cl_next['inspection_id']} ({cl_next['inspected_on']}) failed again"))

    return capa, od_sid, cl_sid


def _shipping_documents_and_terms(rng: np.random.Generator, po: pd.DataFrame, pay: pd.DataFrame, ship: pd.DataFrame,
                                  lots: pd.DataFrame, end: int) -> pd.DataFrame:
    """Shipping documents received after loading (a few never arrive), on `ship`; the contract AQL and the balance
    due date on `po` (in place). Returns the payments less the balances not yet due against the documents."""
    # -- shipping documents: copies received a few days after loading; a few never arrive --------------------------
    ship_day = ship["day"].to_numpy()
    docs_day = ship_day + rng.integers(1, 8, len(ship))
    ship["documents_received_on"] = _iso(docs_day, (docs_day <= end) & (rng.random(len(ship)) < 0.97))
    # -- purchase orders: the AQL agreed in the contract (the one inspected at, for most); balance due date blank
    # (the promised ship date) except for orders shipped in the last 10 days, whose balance is due against the
    # shipping documents and not paid yet
    agreed = lots["aql_major"].to_numpy()
    po["agreed_aql_major"] = np.where(rng.random(len(po)) < 0.95, agreed, np.nan)
    last_ship = ship.groupby("po_id")["day"].max()
    docs = pd.Series(docs_day, index=ship.index).groupby(ship["po_id"]).max()
    against_docs = last_ship[last_ship > end - 10].index
    due_docs = po["po_id"].map(docs + 5)
    po["balance_due_on"] = np.where(po["po_id"].isin(against_docs), _iso(due_docs.fillna(end).to_numpy()), "")
    gone = (pay["kind"] == "balance") & pay["po_id"].isin(against_docs)
    return pay[~gone].reset_index(drop=True)



def _controls(rng: np.random.Generator, tables: dict[str, pd.DataFrame], traits: pd.DataFrame,
              names: pd.DataFrame, lots: pd.DataFrame, end: int) -> pd.DataFrame:
    """Add the sourcing playbook's controls to `tables` (in place) and return the planted cases' ground truth.

    Routine records for every supplier (bank accounts verified at onboarding, documented price changes, corrective
    actions after failed inspections, background checks dated within the year) with lapses that rise with latent
    risk, plus five planted cases the build must find, one row each in ground_truth/controls_truth.csv (a portfolio too
    small to have a candidate for a case is written without it)."""
    sup, po, pay, ins, ship = (tables[k] for k in ("suppliers", "purchase_orders", "payments", "inspections",
                                                   "shipments"))
    n = len(sup)
    latent = traits["latent_risk"].to_numpy()
    onboard = traits["onboarded_day"].to_numpy()
    ids = sup["supplier_id"].to_numpy()
    sp = pd.Index(ids).get_indexer(po["supplier_id"])
    o_day = (pd.to_datetime(po["ordered_on"]).to_numpy().astype("datetime64[D]") - EPOCH).astype(np.int64)
    truth: list = []
    _background_checks(rng, sup, latent, onboard, end)
    # each planted case at its own supplier (a portfolio too small to have a candidate leaves the case unplanted)
    acc, bec = _bank_accounts(rng, sup, po, pay, traits, names, lots, latent, onboard, end, truth)
    taken = set() if bec is None else {ids[bec]}
    chg, pick = _changes(rng, po, lots, latent, sp, o_day, n, taken, end, truth)
    taken |= set() if pick is None else {pick["supplier_id"]}
    capa, od_sid, cl_sid = _corrective_actions(rng, ins, po, ids, latent, taken, end, truth)
    taken |= {od_sid, cl_sid} - {None}
    # planted 5: a trading company that declares itself a manufacturer (its legal name says 贸易 / Trading)
    kind = traits["entity_mismatch_kind"].to_numpy()
    traders = [i for i in np.argsort(-latent) if traits["is_trading"].iloc[i] and kind[i] == ""
               and ids[i] not in taken]
    if traders:
        liar = traders[len(traders) // 2]
        sup.loc[liar, "supplier_type"] = "manufacturer"
        truth.append(("trader_declared_as_factory", ids[liar], ids[liar],
                      f"a trading company ({names['legal'].iloc[liar]}) declared as a manufacturer"))

    tables["payments"] = _shipping_documents_and_terms(rng, po, pay, ship, lots, end)
    tables["bank_accounts"] = acc
    tables["changes"] = chg
    tables["corrective_actions"] = capa
    return pd.DataFrame(truth, columns=["case", "supplier_id", "record_id", "what"])


def _write(df: pd.DataFrame, path: Path, extra: list[list[str]]) -> int:
    """UTF-8 CSV, blank for missing, '\\n' line ends; `extra` rows (already text) are appended verbatim."""
    import duckdb  # DuckDB's CSV writer is ~5x faster than pandas on the multi-million-row returns table

    for c in df.columns:
        if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])):
            blank = (df[c] == "").to_numpy()
            if blank.any():  # write a blank, not '""': an empty string means "missing" here
                df[c] = df[c].where(~blank, None)
    con = duckdb.connect()
    try:
        con.register("frame", df)
        con.execute(f"copy (select * from frame) to '{path.as_posix()}' (header, delimiter ',', quote '\"')")
    finally:
        con.close()
    if extra:
        with path.open("a", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerows(extra)
    return len(df) + len(extra)


def _bad_rows() -> dict[str, list[list[str]]]:
    """A handful of clearly invalid rows, one per kind of error, to show the importer's rejection report."""
    def row(table: str, **values: str) -> list[str]:
        return [values.get(c, "") for c in TABLES_BY_NAME[table].column_names]
    return {
        "suppliers": [row("suppliers", supplier_id="SUP-BAD1", supplier_name="Broken Enum Store",
                          supplier_type="factory", country="CN", operating_status="normal")],
        "products": [row("products", sku="ORPHAN-0001", product_name="Orphan widget", supplier_id="SUP-9999",
                         retail_price="19.99")],
        "purchase_orders": [row("purchase_orders", po_id="PO-BAD-000001", supplier_id="SUP-0001",
                                sku="ORPHAN-0001", ordered_on="2025-03-01", quantity="-500", unit_price="4.20",
                                currency="USD", incoterm="FOB")],
        "payments": [row("payments", payment_id="PAY-BAD-1", po_id="PO-BAD-000001", paid_on="31/02/2025",
                         amount="630.00", kind="deposit", channel="wire")],
        "returns": [row("returns", return_id="RET-BAD-1", sku="ORPHAN-0001", returned_on="2025-13-40",
                        quantity="1", reason="broken", channel="amazon_us", refund_amount="19.99")],
        "quality_costs": [row("quality_costs", cost_id="QC-BAD-1", supplier_id="SUP-9999", incurred_on="2025-05-05",
                              kind="bribe", amount="-50")],
    }
