"""How the pages say things: the one place for display names and formats.

Enum values become words (`trading_company` → "Trading company"), signal ids their labels (models.scoring.LABELS),
column names headers, numbers get thousands separators, blanks show as "–" and percentages one decimal. The table
helper (`table`) applies all of it, links every supplier name to its Supplier page and sizes answer columns so that
they are read whole (wrapped, never cut off). Pure Python apart from `table`, so tests can check the wording.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd

from dashboard import viewport
from models import scoring
from models.audit_age import ROUTINE  # the trigger of a re-audit reason when none fired: the cycle itself
from models.signal_words import EVIDENCE_COUNTS, EVIDENCE_MONEY, EVIDENCE_RECORD, explanation_words
from models import landed_cost, wording
from models.wording import count_words

BLANK = "–"

# ----------------------------------------------------------------------------- numbers

def _blank(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and arrays are values, not blanks
        return False


def _shown(value: float, digits: int) -> float:
    """`value` as it is written with `digits` decimals: rounded, and a negative that rounds to zero made zero, so
    that it reads $0, 0.0% or 0.0 and never "-$0" or "-0.0%" (a realised margin of -0.004%)."""
    return round(float(value), digits) + 0.0


def money(value: float | None, digits: int = 0) -> str:
    """$1,234 (negative: -$1,234); blank as –."""
    if _blank(value):
        return BLANK
    value = _shown(value, digits)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.{digits}f}"


METRIC_MONEY_SHORT_FROM = 1e8  # from $100,000,000 a metric tile shows $238.9M: the full figure does not fit a tile
NARROW_METRIC_MONEY_SHORT_FROM = 1e6  # on a narrow main column, from $1,000,000


def metric_money(value: float | None, digits: int = 0) -> str:
    """Money for a metric tile: as `money` below $100M, else four significant digits with M or B ($1,400,767,725 →
    $1.401B), so a large brand's spend is not cut off with an ellipsis (tables and downloads keep every dollar). On a
    main column narrower than the layout's (a 1280 px window: tiles of 190 px), from $1M: $15,421,367 → $15.42M."""
    short_from = METRIC_MONEY_SHORT_FROM if page_px() >= PAGE_PX else NARROW_METRIC_MONEY_SHORT_FROM
    if _blank(value) or abs(value) < short_from:
        return money(value, digits)
    sign, value = ("-" if value < 0 else ""), abs(value)
    millions = float(f"{value / 1e6:.4g}")  # $999,960,000 rounds to 1000M: say $1B
    return f"{sign}${value / 1e9:,.4g}B" if millions >= 1000 else f"{sign}${millions:g}M"


def today() -> date:
    """Today where the cockpit runs (the server's clock): how old the data is reads against it; tests set it."""
    return date.today()


@dataclass(frozen=True)
class PartialMonth:
    start: date  # the month's first day
    label: str  # "to 6 Dec": how far into the month the data goes


def partial_month(as_of: date | None) -> PartialMonth | None:
    """The as-of date's month when the data stops before its last day (a build in the middle of a month: every
    monthly sum of it is a part of a month), else None."""
    if as_of is None or pd.isna(as_of):
        return None
    day = pd.Timestamp(as_of)
    if day.is_month_end:
        return None
    return PartialMonth(day.replace(day=1).date(), f"to {day.day} {day:%b}")


def data_age(as_of: date) -> int:
    """Days from the data's as-of date to today (0 or less: the data is of today)."""
    return (today() - as_of).days


def data_age_words(as_of: date) -> str:
    """'35 days ago', 'yesterday', or '' when the data is of today."""
    days = data_age(as_of)
    return "" if days <= 0 else "yesterday" if days == 1 else f"{days:,} days ago"


def stale_after_days(settings: pd.DataFrame) -> int | None:
    """reference.kpi_settings' data_stale_after_days, or None in a warehouse built before the setting."""
    found = settings.loc[settings["setting"] == "data_stale_after_days", "value"] if not settings.empty else []
    return int(float(found.iloc[0])) if len(found) else None


# the bundled demo portfolio's folder (`supplier-risk demo-warehouse` builds it there)
DEMO_DIR = Path(__file__).resolve().parents[1] / "data" / "demo"


def is_demo(input_dir: object) -> bool:
    """Whether a warehouse was built from the bundled demo portfolio (ingest.build_info.input_dir)."""
    return isinstance(input_dir, str) and bool(input_dir) and Path(input_dir).resolve() == DEMO_DIR.resolve()


def stale_data_warning(as_of: date, after_days: int | None, demo: bool = False) -> str | None:
    """What a page that counts to its as-of date (due, overdue, late) says when that date is long past; of the demo
    portfolio (`demo`), that it is the demo, made to that date, and where a brand's own exports go."""
    if after_days is None or data_age(as_of) <= after_days:
        return None
    if demo:
        return (f"This is the demo portfolio, made up to {as_of:%Y-%m-%d} ({data_age_words(as_of)}): what is due, "
                "overdue or late is counted at that date. Load your own exports on the Data page to see yours.")
    return (f"These figures are as of {as_of:%Y-%m-%d}, {data_age_words(as_of)}: what is due, overdue or late is "
            "counted at that date, and what was paid, shipped or inspected since is not in them. Import the latest "
            "exports (Data page) before releasing a payment or chasing a supplier.")


def lot_results(lots: pd.DataFrame) -> list[str]:
    """Each lot's inspection result in words, a failed one with why, from its counts against its plan
    (marts.inspection_lots): every defect class found above its acceptance number ("Failed: minor 10 > Ac 7"), so a
    lot failed with few major defects is not read as a contradiction of the major-defect chart. When no count is
    above its Ac, the inspector's result stands and the cell says so; blank for a lot not decided. A passed lot that
    escaped (`is_escape`: its field defect rate above its major AQL) says so with that rate."""
    out = []
    for r in lots.itertuples():
        if _blank(r.passed_psi):
            out.append("")
        elif bool(r.passed_psi):
            escaped = getattr(r, "is_escape", None)
            rate = getattr(r, "field_defect_rate", None)
            out.append("Passed" if _blank(escaped) or not bool(escaped) else
                       "Passed, escaped" + ("" if _blank(rate) else f": {rate:.1%} returned defective"))
        else:
            over = [f"{cls} {int(found):,} > Ac {int(ac):,}"
                    for cls, found, ac in (("critical", r.critical_defects, r.critical_plan_accept),
                                           ("major", r.major_defects, r.major_plan_accept),
                                           ("minor", r.minor_defects, r.minor_plan_accept))
                    if not _blank(found) and not _blank(ac) and found > ac]
            out.append("Failed: " + "; ".join(over) if over else "Failed (the report's result; no count above its Ac)")
    return out


def lot_plans(lots: pd.DataFrame) -> list[str]:
    """Each lot's normal-inspection plan for its major defects (marts.inspection_lots), "II · AQL 2.5 · n 125, Ac 7",
    and when the sample drawn was below what the plans ask (`is_plan_followed` false: `plan_sample_size`, the larger
    of the major and minor plans' n) how many units were sampled: "…; sampled 50 of 125 asked". BLANK when the lot
    has no plan."""
    out = []
    for r in lots.itertuples():
        if _blank(r.major_plan_sample_size):
            out.append(BLANK)
            continue
        plan = (f"{r.inspection_level} · AQL {r.aql_major:g} · n {int(r.major_plan_sample_size):,}, Ac "
                f"{int(r.major_plan_accept):,}")
        if not _blank(r.is_plan_followed) and not bool(r.is_plan_followed):
            plan += ("; sample size not recorded" if _blank(r.sample_size)
                     else f"; sampled {int(r.sample_size):,} of {int(r.plan_sample_size):,} asked")
        out.append(plan)
    return out


STAGE_STRICTNESS = {"reduced": 0, "normal": 1, "tightened": 2, "discontinued": 3}


def lot_stages(lots: pd.DataFrame) -> list[str]:
    """The ISO 2859-1 switching stage each lot was inspected on (marts.inspection_lots' <class>_stage), in words: the
    major defects' stage, then each other class held to a stricter one ("Tightened; minor discontinued"). Blank when
    the replay did not see the lot (no supplier)."""
    out = []
    for r in lots.itertuples():
        major = r.major_stage
        floor = -1 if _blank(major) else STAGE_STRICTNESS.get(major, -1)
        others = [f"{cls} {words(stage, 'stage').lower()}" for cls, stage in (("critical", r.critical_stage),
                                                                             ("minor", r.minor_stage))
                  if not _blank(stage) and STAGE_STRICTNESS.get(stage, -1) > floor]
        head = "" if _blank(major) else words(major, "stage")
        out.append("; ".join(([head] if head else []) + others))
    return out


# where the logistics part of a landed cost's quote came from (marts.landed_cost_po.expected_logistics_basis), as
# counted by sql/landed_breakdown.sql: orders planned from each source, that part of the variance, the words
QUOTE_SOURCES = (("planned_from_sku", "variance_from_sku", "planned from the same SKU"),
                 ("planned_from_supplier", "variance_from_supplier", "planned from the supplier's other SKUs"),
                 ("planned_without_history", "variance_without_history",
                  "with no earlier landed order to plan from (all logistics over the quote)"))


def quote_basis(row) -> str:
    """What 'landed over quote' compares with, in words: the unit price and the order date's duty are known; the
    logistics per unit is what earlier landed orders had cost, and this says how many orders each source planned and
    the part of the variance each holds (a row of sql/landed_breakdown.sql)."""
    parts = [f"{count_words(int(row[n]), 'order')} {words_}: {money(row[v])}" for n, v, words_ in QUOTE_SOURCES
             if row[n]]
    deposits, planned = float(row.get("adcvd_deposits") or 0.0), float(row.get("planned_deposits") or 0.0)
    said = ""
    if deposits > 0 or planned > 0:
        said = (f" The landed duty includes {money(deposits)} of AD/CVD cash deposits your broker declared; the quote "
                + (f"planned {money(planned)} of deposits, at the rate earlier entries of the same SKU declared."
                   if planned > 0 else "planned none: no earlier entry of the same SKU declared one (the duty tables "
                                       "have no deposit rates)."))
    return ("The quote is each order's unit price, plus duty at the order date's rates, plus the logistics cost per "
            "unit (freight, insurance, fees, inspections) of the orders landed before it was placed. The variance by "
            "where that came from: " + "; ".join(parts) + "." + said)


def units_landed(row) -> str:
    """The landed-cost breakdown's caption (a row of sql/landed_breakdown.sql): units received, the landed cost per
    unit, and the AD/CVD cash deposits inside its duty when the broker declared any."""
    units = int(row["units_received"])
    deposits = float(row.get("adcvd_deposits") or 0.0)
    return (f"{units:,} units received; landed cost per unit "
            f"{money(row['landed_total'] / units, 2) if units else '–'}"
            + (f"; its duty includes {money(deposits)} of AD/CVD cash deposits." if deposits > 0 else "."))


# what a margin-leakage figure holds on data without sales (said under the Portfolio's and the Costs page's tile)
LEAKAGE_WITHOUT_SALES = (" No sales file was imported: only the costs that need no sale count (quality costs, "
                         "write-offs, duty refunds), not the overrun or returns on units sold.")


def red_flags_unchecked(unchecked: list[str]) -> str:
    """The red-flag checks this data cannot make (models.scoring.red_flags_unknown), in words, or '' when it makes
    them all: "none of the 7 red-flag checks can be made on this data (…)", "1 of the 7 red-flag checks cannot be made
    on this data (new or offshore bank account not verified)". No flag there is not checked, not a clean record."""
    if not unchecked:
        return ""
    total = len(scoring.RED_FLAG_SIGNALS)
    which = "; ".join(words(f, "red_flag").lower() for f in unchecked)
    return ((f"none of the {total:,} red-flag checks can" if len(unchecked) == total else
             f"{len(unchecked):,} of the {total:,} red-flag checks cannot") + f" be made on this data ({which})")


def breakdown_unknowns(flag: pd.Series | None, inspections_imported: bool) -> dict[str, str]:
    """What the landed-cost breakdown cannot count, per component (components.COST_COMPONENTS): duty and fees of
    shipments with no amount paid and nothing to compute it from (sql/landed_rate_flags.sql's counts), inspection
    costs when no inspections file was imported."""
    out: dict[str, str] = {}
    if flag is not None:
        for col, count in (("duty", "duty_unknown_count"), ("fees", "fees_unknown_count")):
            n = flag.get(count)
            if not _blank(n) and int(n):
                out[col] = f"unknown on {int(n):,} of {count_words(int(flag['shipment_count']), 'shipment')}"
    if not inspections_imported:
        out["inspection_cost"] = "unknown: no inspections file"
    return out


def imported(tables: pd.DataFrame, table: str) -> bool:
    """Whether `table` is among the files the import carried (sql/tables_imported.sql's frame); a warehouse without a
    load log (a frame without columns) is taken to carry it."""
    return "table_name" not in tables or table in set(tables["table_name"])


country = wording.country  # a supplier's or an account's country as a page says it ("country unknown" for ZZ)


def score_band_below(band: object, score: object, flags: object, cfg: dict | None = None) -> str | None:
    """The band a supplier's score alone gives (models.scoring.score_band) when red flags put it in a higher one
    (`band`), else None: a High supplier scoring 12 is High because of its red flag, not its points. `cfg`: the
    scoring config, when the caller has read it (score_bands_below)."""
    if _blank(band) or _blank(score) or _blank(flags) or int(flags) <= 0:
        return None
    alone = scoring.score_band(float(score), cfg or scoring.load_config())
    order = scoring.BAND_ORDER
    return alone if band in order and order.index(alone) < order.index(band) else None


def score_bands_below(bands: Iterable, scores: Iterable, flags: Iterable) -> list[str | None]:
    """score_band_below of each supplier, the scoring config read and checked once (once a supplier, it cost the
    Portfolio 28 ms a run at 2,000 suppliers)."""
    cfg = scoring.load_config()
    return [score_band_below(b, s, n, cfg) for b, s, n in zip(bands, scores, flags)]


def _red_flags_said(flags: object) -> str:
    """'red flag' for one, '3 red flags' for more: how a raised band names the flags that raised it."""
    return "red flag" if int(flags) == 1 else count_words(int(flags), "red flag")


def band_with_reason(band: object, score: object, flags: object) -> str:
    """A band as a table or a hover says it, naming the red flags when they, not the score, put it there:
    'High (red flag)', 'Critical (3 red flags)'."""
    said = words(band, "risk_band")
    if score_band_below(band, score, flags) is None:
        return said
    return f"{said} ({_red_flags_said(flags)})"


def pillar_moves(movers: pd.DataFrame) -> list[str]:
    """What moved each supplier's score, by pillar (sql/biggest_movers.sql's <pillar>_change): the pillar that moved
    most, and the next one when it moved at least half as much, in words with their points: "Delivery +1.6",
    "Quality +2.0; Payments -1.1". – when every pillar moved by less than 0.05 (what is shown would read ±0.0)."""
    codes = [c for c in ENUMS["pillar"] if f"{c}_change" in movers]
    out = []
    for row in movers[[f"{c}_change" for c in codes]].itertuples(index=False):
        moved = sorted(((abs(v), c, v) for c, v in zip(codes, row) if not _blank(v) and abs(v) >= 0.05),
                       key=lambda m: (-m[0], codes.index(m[1])))
        shown = moved[:1] + [m for m in moved[1:2] if m[0] >= moved[0][0] / 2]
        out.append("; ".join(f"{words(c, 'pillar')} {v:+.1f}" for _, c, v in shown) or BLANK)
    return out


def band_rule() -> str:
    """The red-flag rule of the bands (models/config/risk_score.toml [bands]) in words."""
    b = scoring.load_config()["bands"]
    return (f"a red flag puts a supplier in the {words(b['red_flag_band'], 'risk_band')} band at least, whatever its "
            f"score, and {b['critical_if_red_flags']:,} or more in {words('critical', 'risk_band')}")


def band_raised(band: object, score: object, flags: object) -> str:
    """Why the band is above the score's own, in words that fit under a tile ('raised by a red flag'); '' when it is
    not."""
    if score_band_below(band, score, flags) is None:
        return ""
    return "raised by " + ("a " if int(flags) == 1 else "") + _red_flags_said(flags)


def signed_money(value: float | None, digits: int = 0, end: bool = False) -> str:
    """+$1,234 / -$1,234 (a change); one that rounds to zero reads +$0, never -$0, and an interval's `end` that
    rounds to zero reads $0, as `signed` says."""
    if _blank(value):
        return BLANK
    rounded = _shown(value, digits)
    return _sign(rounded, end) + money(abs(rounded), digits)


def _sign(rounded: float, end: bool) -> str:
    """The sign a rounded difference is written with: + for zero (never -0), none for an interval's end at zero."""
    return "" if end and rounded == 0 else "+" if rounded >= 0 else "-"


def money_delta(value: float | None, digits: int = 0) -> str | None:
    """A metric's change in money, "+$1.20" / "-$3.40", or None (no arrow at all) when it rounds to nothing: a red
    "↑ $0.00" says something changed when nothing did."""
    if _blank(value) or round(float(value), digits) == 0:
        return None
    return signed_money(value, digits)


def money_short(value: float) -> str:
    """Compact money for axis ticks: $500, $1.5k, $20k, $1M."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{sign}${value / size:,.3g}{suffix}"
    return f"{sign}${value:,.3g}"


def pct(value: float | None, digits: int = 1) -> str:
    """A 0..1 share as a percentage with one decimal: 0.0283 → 2.8%."""
    if _blank(value):
        return BLANK
    return f"{_shown(value * 100, digits):,.{digits}f}%"


def interval(low: object, high: object, said: Callable[[float], str] = pct) -> str:
    """An interval as one cell, "2.1% – 7.9%" (each end as `said` writes it); – without both ends. Narrower than two
    columns, so the text beside it has the room, and read as one thing."""
    return BLANK if _blank(low) or _blank(high) else f"{said(low)} – {said(high)}"


def signed(value: float | None, digits: int = 1, unit: str = "", end: bool = False) -> str:
    """A difference with its sign: +0.52, -2.6 pp; one that rounds to zero reads +0.00, never -0.00. An interval's
    `end` that rounds to zero reads 0.00, without a sign: "+0.00 to +1.14" beside "no clear difference" would say the
    interval is above zero when its end is -0.003, and "-0.00" reads as a loss that is not there."""
    if _blank(value):
        return BLANK
    rounded = _shown(value, digits)
    return f"{_sign(rounded, end)}{abs(rounded):,.{digits}f}{unit}"


_CHANGE_HEAD = re.compile(r"^[^.]*: [+-]?\d[\d,]*(?:\.\d+)? pts\. ")


def score_change_detail(text: object) -> str:
    """A marts.supplier_score_changes explanation without its head ("Critical defects: +0.3 pts. "), which the
    signal's name and the change beside it already say: "Now: 8 critical defects … Last month: 6 …"."""
    return BLANK if _blank(text) else _CHANGE_HEAD.sub("", str(text), count=1)


def pp(value: float | None, digits: int = 1, end: bool = False) -> str:
    """A difference of two 0..1 shares in percentage points: +0.5 pp (an interval's `end` as `signed` says)."""
    return BLANK if _blank(value) else signed(value * 100, digits, " pp", end)


def number(value: float | None, digits: int = 0) -> str:
    """1,234 (thousands separators); blank as –."""
    if _blank(value):
        return BLANK
    return f"{_shown(value, digits):,.{digits}f}"


def max_points(value: float | None) -> str:
    """A signal's or pillar's maximum points: 8, 4.5, 41.5 (as configured: whole points without a decimal, a half
    point with one); blank as –."""
    if _blank(value):
        return BLANK
    return number(value, 0 if float(value).is_integer() else 1)


# ----------------------------------------------------------------------------- words for codes

# One dictionary per kind of code the marts carry. Bands, types and actions are configured in models/config; the words
# here are how a reader sees them.
_CYCLE_MONTHS = int(scoring.load_config()["reaudit"]["max_months_between_audits"])
# the scores and models the backtest compares (marts.model_comparison, marts.validity_report)
_MODEL_NAMES = {"model": "Incident model", "rule_score": "Rule score alone",
                "rule_score_operations": "Rule score, quality and delivery pillars",
                "naive_baseline": "Supplier's own past rate"}
ENUMS: dict[str, dict[str, str]] = {
    "supplier_type": {"manufacturer": "Manufacturer", "trading_company": "Trading company",
                      "trader_minus_factory": "Trader − factory"},
    "risk_band": {band: band.capitalize() for band in scoring.BAND_ORDER},  # the score's bands, no others
    "urgency": {"now": "Now", "soon": "Soon (a trigger fired)", "catch-up": "Catch-up (audit lapsed)",
                "routine": f"Routine ({_CYCLE_MONTHS}-month cycle)"},
    "suggested_action": {"hold new orders": "Hold new orders", "on-site audit": "On-site audit",
                         "tighter inspection": "Tighter inspection", "desk re-check": "Desk re-check"},
    # re-audit triggers (pipelines/steps/reaudit.py), worded as what happened
    "trigger": {"never_audited": "No audit on record", "no_audit_no_order": "No audit, no order yet",
                "audit_overdue": f"No audit in {_CYCLE_MONTHS} months",
                ROUTINE: f"Routine {_CYCLE_MONTHS}-month re-check",
                "failed_audit": "Failed audit", "payment_anomaly": "Another entity paid or on the contract",
                "subcontracting": "Suspected subcontracting", "abnormal_status": "Registry lists as abnormal",
                "failed_inspection": "Failed inspections", "quality_inconsistency": "Bulk worse than samples",
                "price_shift": "Price jumps", "delivery_slowdown": "Deliveries slowing",
                "critical_score": "Critical risk band", "high_score": "High risk band", "rising_score": "Rising score",
                "unverified_bank_change": "Unverified new bank account",
                "change_after_sample": "Product changed after sample approval",
                "corrective_action": "Corrective action overdue or failed again",
                "sampling_stopped": "Sampling inspection stopped"},
    # red flags (models/scoring.py)
    "red_flag": {"legal_entity_mismatch": "Bank or invoice entity is not the legal entity",
                 "payee_mismatch": "Paid an entity that is not the supplier",
                 "critical_defect_recent": "Critical defects found recently",
                 "abnormal_operating_status": "Registry lists the company as abnormal",
                 "failed_audit": "Failed its last audit", "suspected_subcontracting": "Suspected subcontracting",
                 "unverified_bank_change": "New or offshore bank account not verified"},
    "pillar": {"entity": "Who they are", "transaction": "Payments", "quality": "Quality", "delivery": "Delivery",
               "commercial": "Commercial"},
    "defect_class": {"critical": "Critical", "major": "Major", "minor": "Minor"},
    "stage": {"normal": "Normal", "tightened": "Tightened", "reduced": "Reduced", "discontinued": "Discontinued"},
    "model_name": _MODEL_NAMES,
    # validity report card (models/validity.py); an unknown metric is still shown in words
    "metric": {"spearman_vs_hidden_risk": "Rank agreement with the hidden risk (Spearman)",
               "worst_capture": "Worst 15% found", "precision_at_top": "Precision in the riskiest 10%",
               "incident_rate": "Incident rate", "share_of_incidents": "Share of incidents", "auc": "AUC",
               "auc_edge_vs_naive_baseline": "AUC edge over the naive baseline",
               "incident_capture": "Incidents in the riskiest 10%",
               "observed_rate_rises_with_band": "Incident rate rises with the band",
               "min_spearman_one_pillar": "Lowest rank agreement, one pillar ±20%",
               "min_top_overlap_one_pillar": "Lowest riskiest-15% overlap, one pillar ±20%",
               "p5_spearman_random_weights": "Rank agreement under random weights (5th percentile)",
               "mean_top_overlap_random_weights": "Riskiest-15% overlap under random weights (mean)",
               "auc_vs_planted_entity_mismatch": "AUC against the planted wrong entities"},
    "step": {"planned_contribution": "Planned contribution", "landed_cost_overrun": "Landed cost vs quote, units sold",
             "duty_refunds_received": "Duty refunds received",
             "refunds_and_return_fees": "Refunds and return fees", "unsellable_write_offs": "Unsellable write-offs",
             "rework": "Rework", "relabel": "Relabel", "chargeback": "Chargebacks",
             "expedite_freight": "Expedite freight", "sorting": "Sorting", "reinspection": "Re-inspection",
             "realised_contribution": "Realised contribution"},
    # sales channels (staging.sales.channel is free text: an unlisted one is humanised); empty = no sale carries it
    "channel": {"amazon_us": "Amazon US", "shopify_dtc": "Shopify (own store)", "walmart_us": "Walmart US",
                "tiktok_shop_us": "TikTok Shop US", "wholesale": "Wholesale"},
    # duty refund programmes (duty_refunds.program, free text lower-cased in staging: an unlisted one is capitalised)
    "program": {"ieepa": "IEEPA duties", "section_301": "Section 301",
                "section_232": "Section 232", "drawback": "Drawback", "other": "Other"},
    # a declared or paid figure against the tariff tables (marts.customs_entries, marts.landed_cost_shipment)
    "check_status": {"match": "Matches", "overpaid": "Overpaid", "underpaid": "Underpaid",
                     "not_paid_known": "No paid figure", "no_entry_summary": "No entry summary",
                     "no_shipments": "No shipment on this entry", "not_computable": "Not computable",
                     "in_price": "In the price (the seller pays duty)"},
    # an entry's IEEPA refund (marts.ieepa_entries)
    "refund_status": {"refunded": "Refunded", "part_refunded": "Partly refunded",
                      "claimed": "Claimed, nothing back yet", "not_claimed": "Not claimed"},
    # where a claim stands on the as-of date (marts.ieepa_entries.claim_window, reference.refund_windows)
    "claim_window": {"not_liquidated": "Not liquidated yet (CAPE phase 1)", "cape_phase_1": "CAPE phase 1 open",
                     "protest": "Protest open (past CAPE phase 1)",
                     "protest_closed": "Liquidation final (a later CAPE phase)",
                     "unknown": "Liquidation not in the data"},
    # whether a CAPE phase 1 declaration takes the entry (marts.ieepa_entries.cape_declaration)
    "cape_declaration": {"declare": "On the CAPE declaration", "refunded": "Refunded",
                         "claim_recorded": "A claim on record",
                         "not_an_entry_number": "Not an 11-character entry number",
                         "open_protest": "A protest is open", "drawback": "On a drawback claim",
                         "entry_type": "Entry type CAPE excludes",
                         "liquidation_unknown": "Liquidation not in the data", "past_phase_1": "Past CAPE phase 1"},
    "verdict": {"release": "Release", "hold": "Hold", "not_ready": "Not ready", "paid": "Paid"},  # marts.open_orders
    # the validity report card's sections and subjects (marts.validity_report); an unlisted subject is capitalised
    "section": {"ground truth": "Ground truth", "label": "What went wrong", "discrimination": "Discrimination",
                "ranking": "Ranking", "calibration": "Calibration", "stability": "Stability"},
    "subject": {**_MODEL_NAMES, "entity_pillar": "Who they are (entity pillar)",
                "transaction_pillar": "Payments (transaction pillar)",
                "entity_and_transaction": "Entity and payment pillars together"},
    # a name against the legal entity (models/entity.py outcomes) and a background check's state (models/controls.py)
    "name_check": {"match": "Matches", "related": "Related name (a sister company?)",
                   "cannot_verify": "Cannot verify by name", "mismatch": "Another entity"},
    "check_state": {"checked": "Checked", "expired": "Expired", "undated": "Undated", "not checked": "Not checked"},
    # duty rows of data/reference/duty_rates.csv (duty_type)
    "duty_type": {"mfn": "General rate (MFN)", "section_301": "Section 301", "section_232": "Section 232",
                  "section_122": "Section 122", "section_301_forced_labor": "Section 301 (forced labor)",
                  "section_301_brazil": "Section 301 (Brazil)",
                  "ieepa_reciprocal": "IEEPA reciprocal",
                  "ieepa_fentanyl": "IEEPA fentanyl"},
    "table_name": {"purchase_orders": "Purchase orders", "quality_costs": "Quality costs",
                   "shipments": "Shipments", "suppliers": "Suppliers", "products": "Products",
                   "payments": "Payments", "inspections": "Inspections", "sales": "Sales", "returns": "Returns",
                   "bank_accounts": "Bank accounts", "changes": "Changes", "corrective_actions": "Corrective actions",
                   "assists": "Assists", "duty_refunds": "Duty refunds",
                   "entry_summary_lines": "Customs entry summary lines",
                   # dated reference tables (data/reference/verified_through.csv)
                   "duty_rates": "Duty rates", "us_mpf": "Merchandise processing fee", "us_hmf": "Harbor maintenance fee",
                   "us_de_minimis": "De minimis", "fx_rates": "Exchange rates"},
    # the data checks that warn (pipelines/checks/*.sql with "-- severity: warn"), as the Data page names them
    "check_name": {"dates_before_their_order": "Dated before its order",
                   "dates_far_from_their_order": "Dated far from its order",
                   "landed_cost_adcvd_orders": "Under an AD/CVD order",
                   "landed_cost_codes_less_specific": "HS code too short",
                   "landed_cost_entry_summaries": "Entry summary differs",
                   "landed_cost_estimated_rates": "Duty and fees estimated",
                   "landed_cost_unknown_costs": "Cost unknown"},
}
# columns holding a code of a kind above
COLUMN_KINDS = {
    "supplier_type": "supplier_type", "risk_band": "risk_band", "previous_band": "risk_band", "band": "risk_band",
    "urgency": "urgency", "suggested_action": "suggested_action", "triggers": "trigger", "red_flag": "red_flag",
    "red_flags": "red_flags",
    "pillar": "pillar", "defect_class": "defect_class", "current_stage": "stage", "critical_stage": "stage",
    "major_stage": "stage", "minor_stage": "stage", "model_name": "model_name",
    "step": "step", "table_name": "table_name", "signal": "signal", "category": "category",
    "subject": "subject", "section": "section", "name_check": "name_check", "state": "check_state", "duty_type": "duty_type", "metric": "metric", "program": "program", "duty_status": "check_status",
    "fees_status": "check_status", "verdict": "verdict", "severity": "defect_class", "refund_status": "refund_status",
    "claim_window": "claim_window", "cape_declaration": "cape_declaration",
}
# kinds whose values are free text or open lists: an unlisted value is read with spaces and a capital ("assists")
OPEN_KINDS = {"category", "table_name", "program", "check_status", "subject", "duty_type"}
_SNAKE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)+$")


def words(value: object, kind: str | None = None) -> str:
    """A code in words: the kind's dictionary (any kind when not given), a signal id its label, else the code with
    underscores as spaces and a capital first letter. Blank as –."""
    if _blank(value):
        return BLANK
    text = str(value)
    if kind == "signal":
        return signal_label(text)
    if kind == "trigger":
        return ", ".join(ENUMS["trigger"].get(t.strip(), _humanise(t.strip())) for t in text.split(",") if t.strip())
    if kind == "red_flags":  # a supplier's flags, codes joined by commas: each in words, one after the other
        return "; ".join(words(f.strip(), "red_flag") for f in text.split(",") if f.strip())
    if kind is not None and text in ENUMS.get(kind, {}):
        return ENUMS[kind][text]
    if kind == "channel" and re.fullmatch(r"amazon_[a-z]{2}", text):  # another Amazon marketplace (amazon_channels.csv)
        return f"Amazon {text[-2:].upper()}"
    if kind is not None and text.replace(" ", "_") in ENUMS.get(kind, {}):  # a code already spaced out in SQL
        return ENUMS[kind][text.replace(" ", "_")]
    if kind in OPEN_KINDS:  # free text, e.g. products.csv's "kitchen" reads "Kitchen" beside "Home decor"
        spaced = text.replace("_", " ")
        return spaced[:1].upper() + spaced[1:]
    if kind is None:
        for table in ENUMS.values():
            if text in table:
                return table[text]
        if text in scoring.LABELS:
            return signal_label(text)
    return _humanise(text)


@lru_cache(maxsize=1 << 14)
def _words(value: str, kind: str) -> str:
    return words(value, kind)


def _humanise(text: str) -> str:
    return text.replace("_", " ")[:1].upper() + text.replace("_", " ")[1:] if _SNAKE.match(text) else text


def signal_label(signal: str) -> str:
    """The score's own label of a signal (models.scoring.LABELS), its first letter capitalised ("'Not as described'
    returns"); a label that starts with a capital keeps the rest as written ("IP protection", not "IP Protection")."""
    text = scoring.LABELS.get(str(signal), str(signal).replace("_", " "))
    return re.sub(r"[A-Za-z]", lambda m: m.group().upper(), text, count=1)


UNKNOWN_PREFIX = "unknown: "  # models.signals.unknown_reading: the data does not carry the signal


def evidence_words(signal: str, n: object, explanation: object = None) -> str:
    """A signal's evidence with its unit: "12 pre-shipment inspections", "$35,787 of quality costs", "Supplier
    record"; blank (–) for a signal the data does not carry (its explanation says why)."""
    if _blank(n) or (isinstance(explanation, str) and explanation.startswith(UNKNOWN_PREFIX)):
        return BLANK
    if signal in EVIDENCE_MONEY:
        return f"{money(n)} {EVIDENCE_MONEY[signal]}"
    if signal in EVIDENCE_RECORD:
        return "Supplier record"
    if signal in EVIDENCE_COUNTS:
        return count_words(int(round(float(n))), *EVIDENCE_COUNTS[signal])
    return number(n)


def signal_explanation(signal: str, explanation: object, n: object, raw: object, prior: object) -> str:
    """The score's explanation of a signal in words (models.signal_words.explanation_words: a rate with no evidence
    at all reads "No passed lots on sale long enough to judge yet: scored at its peers' average rate, 8.1%, …")."""
    if _blank(explanation):
        return BLANK
    return explanation_words(signal, explanation, n, raw, prior)


def signal_words(signals: pd.DataFrame) -> pd.DataFrame:
    """marts.supplier_signals rows with `explanation` in words (signal_explanation) and `evidence` (evidence_words)."""
    if signals.empty:
        return signals.assign(evidence=pd.Series(dtype=object))
    cols = [signals[c] if c in signals else pd.Series(None, index=signals.index)
            for c in ("signal", "explanation", "evidence_n", "raw_value", "prior_mean")]
    return signals.assign(
        explanation=[signal_explanation(s, e, n, r, p) for s, e, n, r, p in zip(*cols)],
        evidence=[evidence_words(s, n, e) for s, e, n in zip(cols[0], cols[1], cols[2])])


def at_peer_average(signals: pd.DataFrame) -> pd.Series:
    """marts.supplier_signals rows whose points are wholly their peers' average (models.scoring.at_peer_average)."""
    if signals.empty or "prior_mean" not in signals:
        return pd.Series(False, index=signals.index, dtype=bool)
    return pd.Series(scoring.at_peer_average(signals["points"], signals["evidence_n"], signals["prior_mean"]),
                     index=signals.index)


PEER_AVERAGE_NAMED = 3  # signals named in the note; the rest are counted


def peer_average_note(signals: pd.DataFrame, orders: int) -> str | None:
    """How much of a supplier's score is its peers' average rather than its own record (at_peer_average), in words
    for the top of its signals: the largest such signals by name with their points, the rest counted. None when no
    point is."""
    mask = at_peer_average(signals)
    if not mask.any():
        return None
    part = signals[mask].sort_values(["points", "signal"], ascending=[False, True])
    shown = [f"{scoring.LABELS.get(sig, sig)} {pts:.1f}" for sig, pts in
             zip(part["signal"].head(PEER_AVERAGE_NAMED), part["points"].head(PEER_AVERAGE_NAMED))]
    if len(part) > PEER_AVERAGE_NAMED:
        shown.append(f"{len(part) - PEER_AVERAGE_NAMED} more")
    head = (f"{part['points'].sum():.1f} of its {signals['points'].sum():.1f} points are its peers' average, not its "
            "own record")
    verb = "scores" if len(part) == 1 else "score"
    listed = (f"{count_words(len(part), 'signal')} with no evidence of this supplier yet ({wording.and_list(shown)}; "
              f"hatched in the chart) {verb} its peers' average until its own record builds up")
    if orders == 0:
        return f"**No orders yet: {head}.** {listed[:1].upper() + listed[1:]}."
    return f"**{head}**: {listed}."


def is_raw_identifier(text: object) -> bool:
    """True for what a reader should never see: a snake_case code, `None`, `nan`, `NaT`, `<NA>`."""
    value = str(text).strip()
    return value in ("None", "nan", "NaN", "NaT", "<NA>", "null") or bool(_SNAKE.match(value))


# ----------------------------------------------------------------------------- column headers and formats

HEADERS = {
    "supplier_name": "Supplier", "supplier_id": "Supplier id", "supplier_type": "Type", "country": "Country",
    "risk_score": "Score", "risk_band": "Band", "previous_score": "Last month", "previous_band": "Band then",
    "score_change": "Change", "red_flag": "Red flag", "red_flags": "Red flags", "reason": "Why", "spend": "Spend",
    "spend_12m": "Spend 12 m",
    "po_count": "POs", "on_time_rate": "On time", "otif_rate": "OTIF", "first_pass_rate": "First-pass inspection",
    "major_defect_rate": "Major defects", "defect_return_rate": "Defect returns", "deposit_at_risk": "Deposit at risk",
    "deposits_at_risk": "Deposits at risk", "quality_cost_total": "Quality costs", "open_exposure": "Open exposure",
    "lots_inspected": "Lots inspected", "lots_passed": "Lots passed", "mature_passed_lots": "Mature passed lots",
    "escapes": "Escapes", "escape_rate": "Escape rate", "escaped_value": "Escaped money",
    "ci_low": "Interval low", "ci_high": "Interval high", "po_id": "PO", "sku": "SKU",
    "passed_psi": "Passed inspection", "is_plan_followed": "Plan followed", "is_escape": "Escaped",
    "inspected_on": "Inspected", "lot_size": "Lot size", "inspection_level": "Level", "aql_major": "Major AQL",
    "aql": "AQL", "major_code_letter": "Letter", "major_plan_sample_size": "Plan n", "sample_size": "Sampled",
    "major_plan_accept": "Plan Ac", "major_defects": "Major defects found", "field_defect_rate": "Field defect rate",
    "category": "Category", "n_suppliers": "Suppliers (n)", "estimate": "Estimate", "unit": "Unit", "note": "Note",
    "event": "Event", "event_on": "Date", "quantity": "Quantity", "amount": "Amount", "detail": "Detail",
    "source": "Source", "name": "Name", "documents": "Documents", "signal": "Signal", "pillar": "Pillar",
    "points": "Points", "max_points": "Max", "explanation": "Why", "evidence_n": "Evidence (n)",
    "table_name": "Table", "row_count": "Rows", "latest_on": "Latest date", "date_column": "From column",
    "file": "File", "encoding": "Encoding", "rows_read": "Read", "rows_loaded": "Loaded", "rows_rejected": "Rejected",
    "duplicates_collapsed": "Duplicates collapsed", "notices": "Notices", "line": "Line", "column_name": "Column",
    "raw_line": "Row as read", "source_table": "From table", "source_id": "Row", "charge": "Charge", "basis": "Basis",
    "row_label": "Duty row", "shipment_count": "Shipments", "notes": "Notes", "defect_class": "Defects",
    "current_stage": "Stage now", "lots_replayed": "Lots", "switching_score": "Switching score",
    "tightened_rejections": "Rejections while tightened", "times_discontinued": "Times discontinued",
    "critical_stage": "Critical stage", "major_stage": "Major stage", "minor_stage": "Minor stage",
    "last_transition_on": "Last switch",
    "last_transition_reason": "Why", "next_sample_size": "Next n", "next_accept": "Next Ac",
    "next_reject": "Next Re", "typical_lot_size": "Typical lot", "current_level": "Level now",
    "current_aql_major": "AQL now", "current_sample_size": "n now", "current_accept": "Ac now",
    "days_before_as_of": "Days before as-of", "built_at": "Built at", "built_by": "Built by",
    "input_dir": "From folder", "as_of": "Data as of", "is_shrink_allowed": "Shrink confirmed",
    "po_count_landed": "Landed POs", "units_received": "Units", "quoted_total": "Quoted", "landed_total": "Landed",
    "variance": "Variance", "variance_share": "Variance %", "points_last_month": "Last month",
    "points_now": "Now", "delta": "Change", "triggers": "Triggers", "suggested_action": "Suggested action",
    "due_on": "Due", "days_until_due": "Days left", "urgency": "Urgency", "last_audit_on": "Last audit",
    "priority": "Priority", "rank": "#", "month_on": "Month", "why_held": "Why not released",
    "balance_due_in": "Balance due", "root_cause": "Root cause", "action": "Action",
}
MONEY_COLUMNS = {"spend", "spend_12m", "deposit_at_risk", "deposits_at_risk", "quality_cost_total", "open_exposure",
                 "escaped_value", "amount", "quoted_total", "landed_total", "variance", "refunds", "write_offs",
                 "quality_costs", "order_value", "money_at_stake", "leakage", "landed_cost_overrun"}
SHARE_COLUMNS = {"on_time_rate", "otif_rate", "first_pass_rate", "major_defect_rate", "defect_return_rate",
                 "escape_rate", "escape_rate_lower", "escape_rate_upper", "field_defect_rate", "variance_share",
                 "defect_rate_estimate", "defect_rate_lower", "defect_rate_upper", "p_accept_current_plan",
                 "p_accept_recommended", "sample_defect_rate"}
DATE_COLUMNS = {"due_on", "last_audit_on", "inspected_on", "event_on", "latest_on", "last_transition_on", "as_of",
                "month_on", "delivered_on"}
# free text a reader must be able to read whole: wrapped over several lines instead of cut off
ANSWER_COLUMNS = {"reason", "explanation", "note", "triggers", "last_transition_reason", "notes",
                  "detail", "red_flag", "red_flags", "reasons", "notices", "raw_line", "what_to_do", "why_held",
                  "not_checked", "root_cause", "what_changed",
                  "action", "input_dir"}
# explanations written to sit inside a sentence ("the last factory audit failed", "open, overdue"): shown on their own
# in a table cell, they start with a capital, as a sentence does ("The last factory audit failed")
SENTENCE_COLUMNS = {"reason", "explanation", "why_held", "status", "detail", "what_to_do", "root_cause", "action",
                    "last_transition_reason", "not_checked", "note", "notes", "verdict", "what_changed"}
# ids a reader uses to find a thing (shown as they are)
ID_COLUMNS = {"supplier_id", "po_id", "sku", "inspection_id", "source_id", "file", "input_dir", "date_column",
              "column_name", "encoding", "row_label", "source", "inspection_level", "current_level",
              "recommended_level", "major_code_letter", "current_code_letter", "confidence"}


# The import format's fields (pipelines/contract.py) as the mapping step names them: what a person would call the
# column of their own spreadsheet. The field name itself is secondary (in the help), for whoever reads the contract.
FIELDS = {
    "supplier_id": "Supplier id", "supplier_name": "Supplier name", "supplier_type": "Manufacturer or trader",
    "country": "Country", "province": "Province or state", "alibaba_store_years": "Alibaba store years",
    "is_verified": "Alibaba 'Verified' badge", "is_gold_supplier": "Alibaba 'Gold Supplier' badge",
    "legal_name": "Legal entity name", "registration_id": "Registration number",
    "bank_beneficiary": "Bank beneficiary", "onboarded_on": "Working together since",
    "last_audit_on": "Last audit date", "last_audit_result": "Last audit result",
    "litigation_cases": "Court cases", "admin_penalties": "Administrative penalties",
    "operating_status": "Registry operating status", "subcontracting": "Subcontracting",
    "nnn_signed": "NNN agreement signed", "mold_owner": "Moulds owned by",
    "registry_checked_on": "Registry checked on", "records_checked_on": "Public records checked on",
    "verified_type": "Type as verified", "sku": "SKU", "product_name": "Product name", "category": "Category",
    "hs_code": "HS code", "origin_country": "Country of origin", "retail_price": "Retail price",
    "unit_weight_kg": "Unit weight (kg)", "unit_volume_m3": "Unit volume (m³)",
    "steel_content_pct": "Steel content (%)", "aluminium_content_pct": "Aluminium content (%)",
    "duty_claims": "Chapter 99 headings claimed", "po_id": "Purchase order number", "ordered_on": "Order date",
    "quantity": "Quantity (units)", "unit_price": "Unit price", "currency": "Currency", "incoterm": "Incoterm",
    "promised_ship_on": "Promised ship date", "sample_approved_on": "Golden sample approved on",
    "pi_entity_name": "Seller on the proforma invoice", "payment_channel": "Paid through",
    "agreed_aql_major": "Agreed major AQL (%)", "balance_due_on": "Balance due date",
    "bank_account_id": "Bank account id", "account_number": "Account number or IBAN", "bank_name": "Bank",
    "bank_country": "Bank's country", "beneficiary": "Beneficiary", "first_seen_on": "First seen on",
    "verified_on": "Verified on", "verification_method": "Verified how", "note": "Note",
    "payment_id": "Payment id", "paid_on": "Payment date", "amount": "Amount", "kind": "Kind",
    "payee_name": "Paid to (beneficiary)", "channel": "Channel", "inspection_id": "Inspection id",
    "inspection_type": "Inspection type", "inspected_on": "Inspection date", "inspector": "Inspector",
    "inspection_level": "Inspection level", "aql_critical": "Critical AQL (%)", "aql_major": "Major AQL (%)",
    "aql_minor": "Minor AQL (%)", "lot_size": "Lot size (units)", "sample_size": "Sample size (units)",
    "critical_defects": "Critical defects found", "major_defects": "Major defects found",
    "minor_defects": "Minor defects found", "result": "Result", "cost": "Cost", "shipment_id": "Shipment id",
    "mode": "Transport mode", "shipped_on": "Ship date", "eta_on": "Expected arrival", "delivered_on": "Delivered on",
    "freight_cost": "Freight paid", "insurance_cost": "Insurance paid", "invoice_freight": "Freight in the price",
    "invoice_insurance": "Insurance in the price", "duty_paid": "Duty paid", "other_fees": "Other fees",
    "customs_hold_days": "Days held by customs", "entry_number": "Customs entry number",
    "entry_on": "Customs entry date", "doc_errors": "Documentation errors",
    "documents_received_on": "Shipping documents received on", "month": "Month", "units_sold": "Units sold",
    "gross_revenue": "Gross revenue", "marketplace_fees": "Marketplace fees", "return_id": "Return id",
    "returned_on": "Return date", "reason": "Return reason", "refund_amount": "Refund", "disposition": "Resellable?",
    "cost_id": "Cost id", "incurred_on": "Date incurred", "assist_id": "Assist id", "description": "Description",
    "provided_on": "Provided on", "units_declared": "Units declared", "refund_id": "Refund id",
    "program": "Refund programme", "claimed_on": "Claimed on", "amount_claimed": "Amount claimed",
    "received_on": "Received on", "amount_received": "Amount received", "line_number": "Entry line number",
    "hts_code": "HTS number", "entry_type": "Entry type", "entered_value": "Entered value", "rate": "Duty rate",
    "duty": "Duty", "mpf": "Merchandise processing fee", "hmf": "Harbor maintenance fee", "change_id": "Change id",
    "changed_on": "Change date", "confirmed_in_writing": "Confirmed in writing", "approved_by": "Approved by",
    "capa_id": "Corrective action id", "opened_on": "Opened on", "severity": "Severity", "root_cause": "Root cause",
    "action": "Action", "due_on": "Due date", "closed_on": "Closed on", "next_lot_result": "Next lot's result",
    # marts.ieepa_entries
    "ieepa_duty_declared": "IEEPA duty declared", "ieepa_headings": "IEEPA headings",
    "refund_claimed": "Refund claimed", "refund_received": "Refund received", "refund_status": "Refund",
    "ieepa_duty_not_refunded": "Not refunded yet", "claim_window": "Claim window", "claim_by": "Claim by",
    "liquidated_on": "Liquidated on", "liquidation_status": "Liquidation status",
    "cape_phase_1_by": "CAPE phase 1 until", "protest_by": "Protest until", "cape_entry_number": "CAPE entry number",
    "cape_declaration": "CAPE phase 1",
}


def field_label(name: str) -> str:
    """An import field (pipelines/contract.py) as the mapping step names it: FIELDS, else its column header."""
    return FIELDS.get(name) or header(name)


def fee_basis(channels: pd.DataFrame) -> str:
    """Where each channel's marketplace fees come from (dashboard/sql/channel_fee_basis.sql), in one sentence:
    "Marketplace fees: as reported for Amazon US; estimated from the fee assumptions (data/reference/
    marketplace_fees.csv) for Walmart US; partly estimated for Shopify (own store) (3 of 12 sales rows)."."""
    reported, estimated, partly = [], [], []
    for row in channels.itertuples():
        label = words(row.channel, "channel")
        if not row.estimated_rows:
            reported.append(label)
        elif not row.reported_rows:
            estimated.append(label)
        else:
            partly.append(f"{label} ({int(row.estimated_rows):,} of {count_words(int(row.sales_rows), 'sales row')})")
    parts = ([f"as reported for {wording.and_list(reported)}"] if reported else []) \
        + ([f"estimated from the fee assumptions (data/reference/marketplace_fees.csv) for "
            f"{wording.and_list(estimated)}"] if estimated else []) \
        + ([f"partly estimated for {wording.and_list(partly)}"] if partly else [])
    return ("Marketplace fees: " + "; ".join(parts) + ".") if parts else ""


SHARED_WORDS = {"registration_id": "registration id", "legal_name": "legal name",
                "bank_beneficiary": "bank beneficiary"}
PAID_TO = "bank_beneficiary"  # a tie through whom the money goes to, not whom the supplier is


def same_entity(others: pd.DataFrame, name: Callable[[str], str] = str) -> str | None:
    """One supplier's others that are one legal entity with it, or are paid to one (queries.supplier_same_entity's
    rows for it), in words for its page: who, what they share, and what it means. `name` writes a data value as text
    (components.md)."""
    if others.empty:
        return None

    def listed(rows: pd.DataFrame) -> str:
        return wording.and_list([f"{name(r.other_supplier_name)} ({name(r.other_supplier_id)}): the same "
                                 f"{SHARED_WORDS.get(r.shared, r.shared)}, {name(r.shared_value)}"
                                 for r in rows.itertuples()])

    said = []
    identity, paid = others[others["shared"] != PAID_TO], others[others["shared"] == PAID_TO]
    if len(identity):
        said.append(f"**One legal entity with {listed(identity)}.** Either the supplier was entered twice, and its "
                    "orders and record are split between the records (each reads thinner than it is), or one company "
                    "runs both stores, and buying from both is no second source. Merge the records in your supplier "
                    "file, or keep both knowing they are one company.")
    if len(paid):
        said.append(f"**Paid to the same entity as {listed(paid)}.** The money for both goes to one company: one "
                    "company behind both stores (no second source), or one collecting for the other. Ask who makes "
                    "the goods and whose account it is before the next payment.")
    return " ".join(said)


def same_entity_pairs(rows: pd.DataFrame, name: Callable[[str], str] = str, shown: int = 5) -> str | None:
    """The pairs of suppliers in scope that are one legal entity or paid to one (queries.supplier_same_entity), each
    once, in one sentence for the Portfolio."""
    if rows.empty:
        return None
    seen, pairs = set(), []
    for r in rows.itertuples():
        key = frozenset((r.supplier_id, r.other_supplier_id))
        if key not in seen:
            seen.add(key)
            pairs.append(f"{name(r.supplier_name)} and {name(r.other_supplier_name)} (the same "
                         f"{SHARED_WORDS.get(r.shared, r.shared)})")
    more = f"; and {len(pairs) - shown:,} more" if len(pairs) > shown else ""
    return (f"{count_words(len(pairs), 'pair')} of suppliers {'is' if len(pairs) == 1 else 'are'} one legal entity "
            f"or paid to one: {'; '.join(pairs[:shown])}{more}. A second source from the same company is no second "
            "source, and a supplier entered twice has its record split in two (each page says more).")


def escapes_floor(untraced: pd.DataFrame) -> str | None:
    """When some defect-coded returns name no lot (dashboard/sql/defect_returns_without_lot.sql: units per channel,
    beside all of them) while others do: the escapes counted are a floor, in one sentence naming the channels. None
    when every one names its lot."""
    if untraced.empty:
        return None
    total, without = int(untraced["defect_units"].iloc[0]), int(untraced["units_without_lot"].sum())
    where = [f"{'no channel' if _blank(r.channel) else words(r.channel, 'channel')} {r.units_without_lot:,}"
             for r in untraced.itertuples()]
    return (f"Escapes are a floor: {without:,} of the {total:,} defect-coded returned units name no purchase order "
            f"({wording.and_list(where)}; Amazon's returns reports carry none), so they count against their "
            "supplier but judge no lot, and a lot whose goods sold there reads fewer escapes than it had.")


def channels_without_returns(channels: pd.DataFrame) -> str:
    """The channels in scope that no return in the data names (dashboard/sql/channel_fee_basis.sql's
    returns_recorded, from staging.sales.channel_returns_recorded), in one sentence: their returns were never imported,
    so the return rates leave their units out and their return costs read as zero. A channel with returns in other
    months or SKUs is not named: none here is zero returns. Then the channels whose returns give no reason
    (reasons_recorded), and the chosen months a channel's returns on record do not cover (uncovered_months, said as
    runs of consecutive months): their return costs read as zero too."""
    said = []
    none = [words(r.channel, "channel") for r in channels.itertuples() if r.sales_rows and not r.returns_recorded]
    if none:
        its = "its" if len(none) == 1 else "their"
        said.append(f"No returns recorded for {wording.and_list(none)}: {its} units sold are left out of the return "
                    f"rates and {its} return costs read as zero. If there were returns, import them (TikTok Shop's "
                    "orders export and Walmart's payment report give no return reason: bring them in through a "
                    "column mapping).")
    if "reasons_recorded" in channels.columns:   # a warehouse built before returns could give no reason has none
        blind = [words(r.channel, "channel") for r in channels.itertuples()
                 if r.sales_rows and r.returns_recorded and not r.reasons_recorded]
        if blind:
            its = "its" if len(blind) == 1 else "their"
            said.append(f"The returns on {wording.and_list(blind)} give no reason: none counts as caused by the "
                        f"supplier and {its} units sold are left out of the return rates. Import {its} returns with "
                        "their reasons.")
    if "uncovered_months" in channels.columns:   # a warehouse built before staging.returns_coverage has none
        gaps = {}
        for r in channels.itertuples():
            months = r.uncovered_months if isinstance(r.uncovered_months, (list, np.ndarray)) else []
            if r.sales_rows and r.returns_recorded and len(months):
                span = wording.and_list(month_spans(months))
                gaps.setdefault(span, []).append(words(r.channel, "channel"))
        if gaps:
            parts = [f"{wording.and_list(names)} in {span}" for span, names in gaps.items()]
            # "A in Oct 2023 to Nov 2023 and Apr 2025; B in Oct 2023 to Nov 2023": an "and" inside a span list
            listed = "; ".join(parts) if any(" and " in span for span in gaps) else wording.and_list(parts)
            said.append(f"The returns on record do not cover {listed}: those months' return costs "
                        "read as zero and their units are left out of the return rates. Import those months' returns "
                        "if you have them.")
    return " ".join(said)


def month_span(first: object, last: object) -> str:
    """The months from `first` to `last` in words: "Oct 2023 to Nov 2023", or "Sep 2024" when they are one."""
    a, b = pd.Timestamp(first).to_period("M"), pd.Timestamp(last).to_period("M")
    return f"{a:%b %Y}" if a == b else f"{a:%b %Y} to {b:%b %Y}"


def month_spans(months: Iterable) -> list[str]:
    """Months in words, consecutive ones as one span (month_span): [Oct 2023, Nov 2023, Sep 2024] → ["Oct 2023 to
    Nov 2023", "Sep 2024"]."""
    spans: list[list[pd.Period]] = []
    for m in sorted({pd.Timestamp(m).to_period("M") for m in months}):
        if spans and m == spans[-1][1] + 1:
            spans[-1][1] = m
        else:
            spans.append([m, m])
    return [month_span(a.to_timestamp(), b.to_timestamp()) for a, b in spans]


def ieepa_duty_help(summary: pd.Series | None) -> str:
    """The IEEPA tile's help (dashboard/sql/ieepa_duty_summary.sql): what it adds up and, when some shipments' entry
    summaries were imported, how many of the shipments with IEEPA duty it takes from them."""
    said = ("The IEEPA duties (fentanyl and reciprocal, 2025-02-04 .. 2026-02-23) paid on these shipments: "
            "refundable after Learning Resources v. Trump. Record claims in duty_refunds.")
    if summary is None or not summary["declared_count"]:
        return said + " Computed from the tariff tables (no entry summary declares them)."
    declared, shipments = int(summary["declared_count"]), int(summary["shipment_count"])
    return (said + f" What your entry summaries declare for {declared:,} of the {count_words(shipments, 'shipment')} "
            f"with IEEPA duty ({money(float(summary['ieepa_duty_declared']))}; the tables compute "
            f"{money(float(summary['ieepa_duty_computed']))} on these shipments), the tariff tables' figure for the rest. "
            "marts.ieepa_duty_shipment.")


# why a CAPE phase 1 declaration leaves an entry out, in a sentence's words (marts.ieepa_entries.cape_declaration)
CAPE_LEFT_OUT = {
    "refunded": "refunded",
    "claim_recorded": "with a claim on record (CBP refuses an entry declared twice)",
    "liquidation_unknown": "whose liquidation is not in the data (your ES-003 report carries it)",
    "past_phase_1": "liquidated longer ago than CAPE phase 1 takes (a protest while its window is open, else a "
                    "later CAPE phase)",
    "not_an_entry_number": "whose entry number is not 11 characters (filer code, 7 digits, check digit)",
    "open_protest": "with a protest open (CAPE refuses an entry under protest: the protest decides)",
    "drawback": "on a drawback claim (CAPE phase 1 excludes such an entry)",
    "entry_type": "of a type CAPE excludes (08 USMCA duty deferral, 09 reconciliation summary, 47 drawback)",
}


def cape_left_out(entries: pd.DataFrame) -> list[str]:
    """Each reason the CAPE declaration leaves IEEPA entries (marts.ieepa_entries) out, with its count, in words
    ("2 entries with a claim on record (…)"), in CAPE_LEFT_OUT's order."""
    counts = entries.loc[entries["cape_declaration"] != "declare", "cape_declaration"].value_counts()
    return [f"{count_words(int(counts[reason]), 'entry', 'entries')} {why}" for reason, why in CAPE_LEFT_OUT.items()
            if reason in counts.index]


def cape_declaration_note(entries: pd.DataFrame, max_entries: int) -> str:
    """What the CAPE declaration file of these IEEPA entries (marts.ieepa_entries) holds and what it leaves out, in a
    few sentences: how many entries and how much IEEPA duty not refunded yet it claims, in how many declarations of
    at most `max_entries`, the claims to record once it is filed, the filer codes when several (a broker's declaration
    lists only the entries it filed), and each reason an entry is left out with its count."""
    declare = entries[entries["cape_declaration"] == "declare"]
    said = []
    if declare.empty:
        said.append("CAPE phase 1 takes none of these entries.")
    else:
        files = -(-len(declare) // max_entries)
        many = (f" A declaration lists at most {max_entries:,} entries, so the download holds {files} of them (a "
                "ZIP): upload each." if files > 1 else "")
        one = len(declare) == 1
        said.append(f"CAPE phase 1 takes {len(declare):,} of these entries, "
                    f"{money(float(declare['ieepa_duty_not_refunded'].sum()))} of IEEPA duty not refunded yet: the "
                    f"declaration below lists {'its entry number' if one else 'their entry numbers'} as the CAPE tab "
                    f"of your ACE portal takes {'it' if one else 'them'}." + many
                    + " Once filed, upload *Claims to record* on the Data page (it is merged into duty_refunds): "
                    f"the next declaration then leaves {'this entry' if one else 'these entries'} out.")
        codes = sorted(declare["cape_entry_number"].str[:3].unique())
        if len(codes) > 1:
            said.append(f"They were filed under {len(codes)} filer codes ({wording.and_list(codes)}): a broker's "
                        "declaration may list only the entries it filed.")
    parts = cape_left_out(entries)
    if parts:
        said.append(f"Left out: {wording.and_list(parts)}.")
    return " ".join(said)


LESS_SPECIFIC = "perhaps: its HS code is less specific than the order's"


def _less_specific(rows: pd.DataFrame) -> pd.Series:
    """Per row, whether the product's code only may be under the order (code_less_specific; False when absent)."""
    return rows["code_less_specific"].fillna(False).astype(bool) if "code_less_specific" in rows \
        else pd.Series(False, index=rows.index)


def _fall_under(rows: pd.DataFrame, one: bool) -> str:
    """'falls', 'may fall' or 'fall or may fall' under an order, as `rows`' codes are within it, only may be, or both."""
    maybe = _less_specific(rows)
    if maybe.all():
        return "may fall"
    return ("falls" if one else "fall") + (" or may fall" if maybe.any() else "")


def adcvd_warning(exposure: pd.DataFrame, shown: Callable[[object], str] = str, most: int = 3) -> str:
    """The products of marts.adcvd_exposure in a few sentences: how many fall under an AD/CVD order and why landed
    cost leaves the deposit out, the first `most` (the most goods value first) with their goods, origin, cases and
    shipments, and what to do. Rows marked reviewed on the Data page (a `reviewed` column: the goods found outside the
    written scope) are left out and counted. '' when every row is reviewed. `shown` renders a data value or an amount
    (the page's Markdown escaping: two $ would start a formula)."""
    reviewed = int(exposure["reviewed"].fillna(False).astype(bool).sum()) if "reviewed" in exposure else 0
    if reviewed:
        exposure = exposure[~exposure["reviewed"].fillna(False).astype(bool)]
    exposure = exposure[~_deposits_declared(exposure)]
    aside = (f" {count_words(reviewed, 'product')} more {'is' if reviewed == 1 else 'are'} marked reviewed on the "
             "Data page (outside the scope: the note says why)." if reviewed else "")
    if exposure.empty:
        return ""
    parts = []
    for r, maybe in zip(exposure.head(most).itertuples(), _less_specific(exposure.head(most))):
        shipped = (f"{count_words(int(r.shipment_count), 'shipment')}, {shown(money(float(r.goods_value)))} of goods"
                   if r.shipment_count else "no shipment yet")
        declared = int(getattr(r, "deposit_shipment_count", 0) or 0)
        if declared:
            shipped += f", its deposit declared on {declared:,}"
        parts.append(f"SKU {shown(r.sku)} ({shown(r.order_product)} from {shown(r.origin_country)}, "
                     f"{shown(r.cases)}{', ' + LESS_SPECIFIC + ';' if maybe else ':'} {shipped})")
    more = len(exposure) - len(parts)
    listed = wording.and_list(parts + ([f"{more:,} more in the Data page's warnings"] if more > 0 else []))
    one = len(exposure) == 1
    return (f"{count_words(len(exposure), 'product')} {_fall_under(exposure, one)} under an antidumping or "
            f"countervailing duty order: {listed}. The cash deposit, set per producer and exporter, is in "
            f"{'its' if one else 'their'} landed cost only where your broker's entry summary declares it. Ask your "
            "broker for the rate, or, when the goods are outside "
            "the order's written scope (its HTS numbers are for convenience; reference.adcvd_orders), mark the "
            "warning reviewed on the Data page with why." + aside)


def _deposits_declared(exposure: pd.DataFrame) -> pd.Series:
    """Rows of marts.adcvd_exposure whose every shipment under the order has its AD/CVD deposit declared by the
    broker (in its landed cost); none for a frame without the mart's deposit_shipment_count."""
    if "deposit_shipment_count" not in exposure:
        return pd.Series(False, index=exposure.index)
    declared = exposure["deposit_shipment_count"].fillna(0).astype(int)
    return (declared > 0) & (declared >= exposure["shipment_count"].fillna(0).astype(int))


def adcvd_declared(exposure: pd.DataFrame, shown: Callable[[object], str] = str) -> str:
    """What the broker's entry summaries declared of AD/CVD cash deposits on the products of marts.adcvd_exposure
    (in landed cost, with the duty): '' when none. `shown` renders a data value or an amount."""
    if "deposits_declared" not in exposure:
        return ""
    total = float(exposure["deposits_declared"].fillna(0).sum())
    shipments = int(exposure["deposit_shipment_count"].fillna(0).sum())
    if not shipments:
        return ""
    products = int((exposure["deposit_shipment_count"].fillna(0) > 0).sum())
    return (f"Your broker's entry summaries declare AD/CVD cash deposits of {shown(money(total))} on "
            f"{count_words(shipments, 'shipment')} of {count_words(products, 'product')} under an order: in their "
            "landed cost, with the duty. A deposit is an estimate: CBP sets the duty owed when it liquidates the "
            "entry, after Commerce's review, and refunds or bills the difference.")


def codes_less_specific_warning(rows: pd.DataFrame, shown: Callable[[object], str] = str, most: int = 3) -> str:
    """The products of dashboard/sql/codes_less_specific.sql (an HS code shorter than rows the duty table prices
    apart) in a few sentences: how many, the check's words for the first `most`, the rest counted. `shown` renders a
    data value (the page's Markdown escaping)."""
    n = len(rows)
    if not n:
        return ""
    said = [shown(p) for p in rows["problem"].head(most)]
    if n > most:
        said.append(f"{n - most:,} more in the Data page's warnings")
    return f"Check the HS code{'' if n == 1 else 's'} of {count_words(n, 'product')}: {'; '.join(said)}."


def whatif_adcvd_words(orders: pd.DataFrame, moved_to: tuple[str, str] | None = None,
                       shown: Callable[[object], str] = str, most: int = 5) -> str:
    """The What-if's SKUs under AD/CVD orders (dashboard/sql/whatif_adcvd.sql) in a few sentences: those under one at
    their own origin now, and, when volume moves (`moved_to`: the target supplier's name and country), those whose
    moved share would enter under one of that country and those whose moved share would leave theirs; the first
    `most` of each named, the rest counted. The deposit is in none of the What-if's figures, before or after. '' when
    no SKU is under an order either side. `shown` renders a data value (the page's Markdown escaping)."""
    def first(phrases: list[str]) -> str:
        rest = len(phrases) - most
        return wording.and_list(phrases[:most] + ([f"{rest:,} more"] if rest > 0 else []))

    def named(rows: pd.DataFrame) -> str:
        return first([f"SKU {shown(r.sku)} ({shown(r.order_product)} from {shown(r.origin_country)}, "
                      f"{shown(r.cases)}{', ' + LESS_SPECIFIC if maybe else ''})"
                      for r, maybe in zip(rows.itertuples(), _less_specific(rows))])

    own = orders[orders["is_own_origin"].astype(bool)]
    said = []
    if not own.empty:
        one = own["sku"].nunique() == 1
        said.append(f"{count_words(own['sku'].nunique(), 'SKU')} {_fall_under(own, one)} under an antidumping or "
                    f"countervailing duty order now: {named(own)}.")
    if moved_to is not None:
        name, country = moved_to
        enter = orders[~orders["is_own_origin"].astype(bool) & (orders["origin_country"] == country)]
        leave = own[(own["origin_country"] != country) & ~own["sku"].isin(set(enter["sku"]))]
        moves = [f"SKU {shown(r.sku)} {'might' if maybe else 'would'} enter under {shown(r.cases)} "
                 f"({shown(r.order_product)} from {shown(r.origin_country)}{', ' + LESS_SPECIFIC if maybe else ''})"
                 for r, maybe in zip(enter.itertuples(), _less_specific(enter))] + [
                 f"SKU {shown(r.sku)} would leave {shown(r.cases)}" for r in leave.itertuples()]
        if moves:
            said.append(f"Moved to {shown(name)} ({shown(country)}): {first(moves)}.")
    if not said:
        return ""
    return " ".join(said) + (" The cash deposit, set per producer and exporter, is in none of these figures, before "
                             "or after: ask your broker for the rate.")


def sales_left_out_of_return_rates(left_out: pd.DataFrame) -> str:
    """The units the return rates leave out (dashboard/sql/sales_without_returns.sql: a channel no return in the data
    names, one whose returns give no reason, or months outside those its returns cover), in a few sentences; '' when
    none is."""
    if left_out.empty:
        return ""
    channels = left_out[left_out["reason"] == "channel"]
    reasons = left_out[left_out["reason"] == "reasons"]
    months = left_out[~left_out["reason"].isin(["channel", "reasons"])]
    said = []
    if not channels.empty:
        parts = [f"{int(r.units_sold):,} units sold on {words(r.channel, 'channel')}" for r in channels.itertuples()]
        its, channel = ("its", "that channel") if len(parts) == 1 else ("their", "those channels")
        said.append(f"The return rates leave out {wording.and_list(parts)}: no return in the data names {channel}, "
                    f"so {its} returns were never imported, and counting {its} sales would only make the rates look "
                    "lower. Import them if there were any.")
    if not reasons.empty:
        parts = [f"{int(r.units_sold):,} units sold on {words(r.channel, 'channel')}" for r in reasons.itertuples()]
        its = "its" if len(parts) == 1 else "their"
        said.append(f"{'They also' if said else 'The return rates'} leave out {wording.and_list(parts)}: {its} "
                    "returns give no reason (or only 'other'), so whether any was a defect cannot be told, and none "
                    f"counts against the supplier. Import {its} returns with their reasons.")
    groups = months.groupby(["reason", "first_month", "last_month", "first_return_month", "last_return_month"],
                            sort=False, dropna=False)
    for (reason, first, last, first_return, last_return), rows in groups:
        first, last = pd.Timestamp(first), pd.Timestamp(last)
        span = month_span(first, last)
        if reason == "before":
            edge = f"before the first recorded return ({pd.Timestamp(first_return):%b %Y})"
        elif reason == "after":
            edge = f"after the last recorded return ({pd.Timestamp(last_return):%b %Y})"
        else:
            edge = f"{'a month' if first == last else 'months'} with no recorded return, between others"
        units = [f"{int(r.units_sold):,} on {words(r.channel, 'channel')}" for r in rows.itertuples()]
        said.append(f"{'They also' if said else 'The return rates'} leave out the sales of {span}, {edge}: "
                    f"{wording.and_list(units)}.")
    if not months.empty:
        said.append("At the return rate over the months the returns cover, those sales would have brought returns "
                    "and the data has none: their returns were not imported. Import them if you have them.")
    return " ".join(said)


def value_label(field: str, value: object) -> str:
    """An allowed value of an import field in words ("trading_company" → "Trading company"; "FOB" stays FOB)."""
    return words(value, COLUMN_KINDS.get(field))


def header(column: str) -> str:
    """The header a column is shown under."""
    return HEADERS.get(column, column.replace("_", " ")[:1].upper() + column.replace("_", " ")[1:])


def sentence(text: object) -> object:
    """Free text as a sentence on its own: its first letter a capital ("open, overdue" → "Open, overdue"); anything
    else (a blank, a number) as it is."""
    return text[:1].upper() + text[1:] if isinstance(text, str) else text


def review_words(on: object, by: object, note: object) -> str | None:
    """A warned row's review as a founder reads it: "2026-12-06, Ana: refund claimed"; None when not reviewed."""
    if _blank(on):
        return None
    who = "" if _blank(by) else f", {by}"
    why = "" if _blank(note) else f": {note}"
    return f"{pd.Timestamp(on):%Y-%m-%d}{who}{why}"


def entry_reviews(entries: pd.DataFrame, reviews: pd.DataFrame | None) -> pd.DataFrame:
    """`entries` (rows of marts.customs_entries) with `reviewed`: every row the entry-summary check warned of for the
    entry is marked reviewed (the broker's figures found right, so not an entry to correct), and `review`, who
    reviewed it, when and why in words ("2026-12-06, Ana: exclusion applies"; None when not reviewed).
    `reviews` is entry_summary_reviews.sql (None or without columns from a warehouse built before reviews)."""
    if reviews is None or "reviewed" not in reviews or entries.empty:
        return entries.assign(reviewed=False, review=None)
    found = entries[["entry_number"]].merge(reviews, on="entry_number", how="left")
    reviewed = found["reviewed"].fillna(False).astype(bool).to_numpy()
    review = [review_words(on, by, note) if done else None
              for done, on, by, note in zip(reviewed, found["reviewed_on"], found["reviewed_by"],
                                             found["review_note"])]
    return entries.assign(reviewed=reviewed, review=review)


def supplier_labels(frame: pd.DataFrame) -> pd.Series:
    """Each row's supplier as a founder tells them apart: its name, followed by its id where another supplier of
    the frame has the same name (two stores of one name, a factory and its trading arm): "Dongguan Kaixin Factory
    Store (SUP-0123)". Without the two stores told apart a chart drew them as one bar and a table as two identical
    rows."""
    names, ids = frame["supplier_name"], frame["supplier_id"].astype("string")
    shared = names.map(ids.groupby(names).nunique()).fillna(0).gt(1)
    return names.where(~shared, names.astype("string") + " (" + ids + ")").astype(object)


_DUTY_CODE = re.compile(r"\b(?:mfn|(?:section|ieepa)_[a-z0-9_]+)\b")


def chapter_99_checks(entries: pd.DataFrame) -> pd.Series:
    """Per marts.customs_entries row, its chapter 99 check as a reader says it: "Matches", else what differs with
    the duty types in words ("9903.03.01 declared: Section 122 ended 2026-07-23"); blank when not checked."""
    found = entries["chapter_99_findings"].map(
        lambda t: BLANK if _blank(t) else _DUTY_CODE.sub(lambda m: words(m.group(), "duty_type"), str(t)))
    return found.where(entries["chapter_99_status"] == "differs",
                       entries["chapter_99_status"].map(lambda v: "Matches" if v == "matches" else BLANK))


_DATED_TABLE = re.compile(r"\b(?:" + "|".join(landed_cost.DATED_TABLES) + r")\b")


def check_examples(text: object) -> str:
    """A data check's first rows as a reader says them: the dated reference tables and duty types in words, mid
    sentence ("after duty rates (verified through 2026-07-23); harbor maintenance fee (…)", "Section 122 ended
    2026-07-23"); blank as –."""
    if _blank(text):
        return BLANK
    said = _DATED_TABLE.sub(lambda m: (w := words(m.group(), "table_name"))[:1].lower() + w[1:], str(text))
    return _DUTY_CODE.sub(lambda m: words(m.group(), "duty_type"), said)


def humanise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every code column (types, bands, triggers, signals, …) in words and every explanation
    (SENTENCE_COLUMNS) starting with a capital, and suppliers of the same name told apart (supplier_labels); other
    columns untouched."""
    out = frame.copy()
    if {"supplier_name", "supplier_id"} <= set(out.columns):
        out["supplier_name"] = supplier_labels(out)
    for col in out.columns:
        kind = COLUMN_KINDS.get(col)
        text = out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype)
        if kind is not None and text:
            out[col] = out[col].map(lambda v, k=kind: None if _blank(v) else _words(v, k) if isinstance(v, str)
                                    else words(v, k)).astype(object)
        if col in SENTENCE_COLUMNS and text:
            out[col] = out[col].map(sentence).astype(object)
    return out


# ----------------------------------------------------------------------------- links

SUPPLIER_PAGE = "supplier"
LINK_TEXT = r"^[^#]*#(.*)$"  # the name is the URL's fragment (display text of st.column_config.LinkColumn)
OPEN_TEXT = "Open ›"  # the link's text beside a supplier name too long to be the link itself (display.table)


def supplier_url(supplier_id: str, name: object = None) -> str:
    """The Supplier page of one supplier, relative to the app (works under any base path); the name rides in the
    fragment, which the browser does not send, so the table can show it as the link's text."""
    shown = "" if _blank(name) else " ".join(str(name).split())
    return f"{SUPPLIER_PAGE}?supplier={quote(str(supplier_id), safe='')}#{shown}"


# ----------------------------------------------------------------------------- widths

# Advance widths (px) of the table font, Source Sans at 14 px, as headless Chromium measures them (canvas measureText,
# the way the grid draws its cells), rounded up to 0.1 px; tests/browser checks that every text a page shows in a
# table is never wider than these add up to. Letters not listed (accented, Cyrillic, …) take DEFAULT_CHAR_PX.
_CHAR_WIDTHS = {
    2.8: " ", 3.5: "|',.:;ij·’‘", 3.6: "l", 3.7: "I", 4.1: "!f", 4.3: "()[]{}•", 4.4: "-", 4.7: "°", 4.8: "t",
    4.9: "/\\r", 5.9: "*s", 6.0: "\"?z“”", 6.3: "x", 6.4: "c", 6.6: "vy", 6.7: "Y", 6.8: "J–", 6.9: "L",
    7.0: "#$+0123456789<=>F^_ek~−×±€£¥", 7.1: "ag", 7.2: "X", 7.3: "V", 7.4: "E", 7.5: "S", 7.6: "TZ`o", 7.7: "Ahnu",
    7.8: "bdpq", 8.0: "CPR", 8.2: "K", 8.3: "B", 8.6: "&", 8.7: "DG", 9.1: "NU", 9.2: "H", 9.3: "OQ", 10.1: "w",
    10.2: "M", 11.1: "W", 11.6: "%", 11.7: "m", 11.9: "@", 13.3: "…",
}
CHAR_PX = {c: width for width, chars in _CHAR_WIDTHS.items() for c in chars}
DEFAULT_CHAR_PX = 9.5   # a letter not measured: as wide as a wide capital
WIDE_CHAR_PX = 14.5     # CJK and other full-width characters
SPACE_PX = CHAR_PX[" "]
CELL_PADDING_PX = 18
LINE_PX = 20
# Streamlit's grid wraps a cell's text only in rows taller than 4rem (64 px; DataFrame's isWrappingAllowed): a row of
# two lines is made this tall, or its text would be drawn on one line and cut
WRAP_ROW_PX = 65
MIN_ANSWER_PX = 160
LEAST_ANSWER_PX = 96   # how narrow an answer column may get when the main column is narrow (a 1280 px window)


def _char_px(c: str) -> float:
    if ord(c) > 0x2E80:
        return WIDE_CHAR_PX
    return CHAR_PX.get(c, DEFAULT_CHAR_PX)


def text_px(text: object) -> float:
    """Estimated pixel width of a cell's text in the table font (an upper bound, checked in the browser test)."""
    return _str_px("" if _blank(text) else str(text))


@lru_cache(maxsize=1 << 16)
def _str_px(value: str) -> float:
    # a table re-measures the same names and words on every rerun: remembered, a page draws in milliseconds
    return sum(_char_px(c) for c in value)


def _distinct(values: pd.Series) -> list:
    """The distinct values of a column (all of them when some are unhashable, e.g. lists)."""
    try:
        return list(pd.unique(values))
    except TypeError:
        return list(values)


@lru_cache(maxsize=1 << 14)
def wrapped_lines(text: str, usable_px: float) -> int:
    """Lines `text` takes when wrapped at spaces into `usable_px` (a word longer than a line is broken)."""
    count, line = 1, 0.0
    for word in str(text).split(" "):
        w = text_px(word)
        space = SPACE_PX if line else 0.0
        if line + space + w <= usable_px:
            line += space + w
            continue
        if line:
            count += 1
        while w > usable_px:
            count += 1
            w -= usable_px
        line = w
    return count


# A table that has more rows than its `max_rows` scrolls inside its box, and that box is at most a screen of rows:
# the 25 one-line rows the box has always held. A box taller than the window that also scrolls inside itself hides
# its last rows from the page's own scroll and takes the mouse wheel half-way down the page (at 94 px rows, 25 rows
# made a 2,389 px box; the re-audit reasons at 314 px, 7,889 px)
BOX_ROWS_PX = 25 * 35
LEAST_ROWS_IN_VIEW = 2


def rows_in_view(rows: int, row_px: int, max_rows: int = 25) -> int:
    """How many rows a table's box shows: all of them when they are at most `max_rows` (the page scrolls to read
    them), else as many as fit a screen (BOX_ROWS_PX) up to `max_rows`, at least LEAST_ROWS_IN_VIEW."""
    if rows <= max_rows:
        return max(1, rows)
    return max(LEAST_ROWS_IN_VIEW, min(max_rows, BOX_ROWS_PX // row_px))


def table_height(rows: int, row_px: int, max_rows: int = 25) -> int | str:
    """Height of a box that shows `rows_in_view` rows without an empty space below ("auto" is 10 rows)."""
    return int(36 + rows_in_view(rows, row_px, max_rows) * row_px + 3)


# ----------------------------------------------------------------------------- the table

PAGE_PX = viewport.DEFAULT_PX  # the main column before the visitor's browser has said how wide it is
EXPANDER_INSET_PX = 34  # inside st.expander: a border and 16 px of padding each side (a 944 px grid at 980, measured)
COLUMN_GAP_PX = 16      # between st.columns (gap "small", 1rem)


def page_px() -> int:
    """Width (px) of the page's main column as this visitor's browser draws it (dashboard.viewport)."""
    return viewport.page_px()


def expander_px() -> int:
    """Width (px) of a table inside an st.expander on the main column."""
    return page_px() - EXPANDER_INSET_PX


TILE_PX = 183  # the narrowest metric tile of the layout at PAGE_PX (five in a row): what a tile's label and value fit
TILE_LABEL_PAD_PX = 56  # a bordered tile's padding and its help icon beside the label


def tile_rows(weights: list[float], width_px: int, labels: list[str] | None = None) -> list[list[float]]:
    """A row of metric tiles (st.columns weights) split into rows so that no tile is narrower than TILE_PX, or than
    its label (`labels`, when given) on one line, at `width_px` (a narrow main column: five tiles at 820 px would be
    150 px and cut "$194,400"), as few rows as that allows and the tiles shared out evenly (five: 3 + 2). Where every
    tile fits (the layout's own width) the row stays one row."""
    n = len(weights)
    least = [max(TILE_PX, text_px(label) + TILE_LABEL_PAD_PX) for label in labels] if labels else [TILE_PX] * n
    for rows in range(1, n + 1):
        per_row = math.ceil(n / rows)
        chunks = [weights[i:i + per_row] for i in range(0, n, per_row)]
        # a short last row keeps its tiles as wide as the rows above (an empty column fills the rest)
        if all((width_px - COLUMN_GAP_PX * (per_row - 1)) * w / (sum(c) + (per_row - len(c)) * (sum(c) / len(c)))
               >= least[i + j] for i, c in zip(range(0, n, per_row), chunks) for j, w in enumerate(c)):
            return chunks
    return [[w] for w in weights]


def column_px(weights: list[float], index: int) -> int:
    """Width (px) of column `index` of st.columns(weights) on the main column: the row less its gaps, shared by
    weight (st.columns([1, 2]) at a 980 px column: 321 and 642)."""
    return int((page_px() - COLUMN_GAP_PX * (len(weights) - 1)) * weights[index] / sum(weights))


PAIR_PX = ([1, 1], [400, 400])  # the landed-cost breakdown and the leakage waterfall: 410 px each at a 1280 px window;
# in the 274 px of a 1024 px window's halves the breakdown cut its amounts and the waterfall's ran into its steps


def side_by_side(weights: list[float], min_px: list[int]) -> bool:
    """Whether st.columns(weights) on this visitor's main column gives every column at least its `min_px`; where not,
    what would go in them goes one under the other (components.beside)."""
    return all(column_px(weights, i) >= least for i, least in enumerate(min_px))


def beside_px(weights: list[float], min_px: list[int], index: int) -> int:
    """Width (px) of what goes in column `index` of components.beside(weights, min_px): the column's side by side,
    the whole main column one under the other."""
    return column_px(weights, index) if side_by_side(weights, min_px) else page_px()


def _natural(values: pd.Series, title: str, kind: str) -> int:
    """Width (px) that shows a column's title and its longest value whole on one line, as formatted."""
    if kind in ("money", "share", "number") and pd.api.types.is_numeric_dtype(values):
        # digits, separators and signs all take one width: the longest text is that of the largest or the smallest
        present = values.dropna()
        values = pd.Series(([present.max(), present.min()] if len(present) else [])
                           + ([None] if len(present) < len(values) else []), dtype=object)
    else:
        values = pd.Series(_distinct(values), dtype=object)
    if kind == "money":
        texts = [money(v) for v in values]
    elif kind == "share":
        texts = [pct(v) for v in values]
    elif kind == "number":
        texts = [f"{v:,.2f}" if isinstance(v, float) else f"{v:,}" if not _blank(v) else BLANK for v in values]
    elif kind == "date":
        texts = ["2026-12-31"]
    elif kind == "datetime":
        texts = ["2026-12-31 23:59"]
    elif kind == "check":
        texts = ["xx"]
    else:
        texts = [str(v) for v in values if not _blank(v)]
    return max(math.ceil(max([text_px(t) for t in texts] + [0]) + CELL_PADDING_PX), _header_px(title))


def _header_px(title: str) -> int:
    """Width (px) a column is given for its header on one line (a header does not wrap): drawn a little bolder than
    the cells, with room for the sort arrow."""
    return math.ceil(text_px(title) * 1.1 + 12 + CELL_PADDING_PX)


def _header_least_px(title: str) -> int:
    """The least width (px) that still shows a header's text whole (a wrapping column on a narrow screen gets no
    narrower; without room for the sort arrow)."""
    return math.ceil(text_px(title)) + CELL_PADDING_PX


# A 0..1 share as a percentage with one decimal on every row, as `pct` writes it (streamlit's "percent" preset shows
# as many decimals as a value needs, up to two, unless the step fixes them: a step of 0.001 is 0.1%).
SHARE_FORMAT = {"format": "percent", "step": 0.001}


def money_format(printf: str = "") -> dict[str, object]:
    """A money column's format: whole dollars with separators, the minus before the dollar sign ("-$184,522", as
    `money` writes it; a printf format such as "$%,.0f" shows "$-184,522"). Streamlit's "dollar" preset, its decimals
    set by the step: whole dollars unless the printf format asked for cents ("$%,.2f")."""
    digits = re.search(r"\.(\d+)f", printf)
    places = int(digits.group(1)) if digits else 0
    return {"format": "dollar", "step": 10.0 ** -places if places else 1}


def _kind(col: str, series: pd.Series, spec: object) -> str:
    type_config = (spec or {}).get("type_config", {}) if isinstance(spec, dict) else {}
    declared = type_config.get("type")
    fmt = str(type_config.get("format") or "")
    if col in MONEY_COLUMNS or "$" in fmt or fmt == "dollar":
        return "money"
    if col in SHARE_COLUMNS or fmt == "percent":
        return "share"
    if declared == "datetime" or (pd.api.types.is_datetime64_any_dtype(series) and declared is None
                                  and (series.dropna().dt.normalize() != series.dropna()).any()):
        return "datetime"
    if col in DATE_COLUMNS or declared == "date" or pd.api.types.is_datetime64_any_dtype(series):
        return "date"  # a DATE read from DuckDB arrives as datetime64: shown as 2026-12-31, never 1786579200000
    if declared == "checkbox" or pd.api.types.is_bool_dtype(series):
        return "check"
    if declared in ("number", "progress") or pd.api.types.is_numeric_dtype(series):
        return "number"
    if col in ANSWER_COLUMNS:
        return "answer"
    return "text"


def answer_widths(texts: dict[str, list[str]], natural: dict[str, int], room: float,
                  longest: int = 40, floor: int = MIN_ANSWER_PX,
                  headers: dict[str, int] | None = None) -> dict[str, int]:
    """Widths of a table's answer columns (their texts given) within `room` px that keep its rows lowest: the fewest
    lines the longest answer of any column wraps to, each column as narrow as that allows (at least `floor` px, at
    most its one-line width, never narrower than its header, `headers`), what is left shared by the columns still
    wrapping. Decided on each column's `longest` texts (the row height is then counted over all of them); a column
    of short answers no longer takes half the room while a long one wraps to seven lines."""
    if not texts:
        return {}
    lowest = {c: max(min(floor, natural[c]), (headers or {}).get(c, 0)) for c in texts}
    longest_texts = {c: sorted(t, key=text_px, reverse=True)[:longest] for c, t in texts.items()}

    def lines(c: str, width: int) -> int:
        return max([wrapped_lines(t, width - CELL_PADDING_PX) for t in longest_texts[c]] + [1])

    def narrowest(c: str, n: int) -> int:
        low, high = lowest[c], max(natural[c], lowest[c])
        if lines(c, low) <= n:
            return low
        while high - low > 1:  # lines(low) > n >= lines(high)
            mid = (low + high) // 2
            low, high = (low, mid) if lines(c, mid) <= n else (mid, high)
        return high

    most = max(lines(c, lowest[c]) for c in texts)
    for n in range(1, most + 1):
        widths = {c: narrowest(c, n) for c in texts}
        if sum(widths.values()) <= room:
            break
    spare = room - sum(widths.values())
    wrapping = sorted((c for c in texts if widths[c] < natural[c]), key=lambda c: natural[c] - widths[c])
    for i, c in enumerate(wrapping):  # the spare room, shortest shortfall first
        extra = int(min(natural[c] - widths[c], max(spare, 0) / (len(wrapping) - i)))
        widths[c] += extra
        spare -= extra
    return widths


def table(frame: pd.DataFrame, key: str, file_name: str | None = None, column_config: dict | None = None,
          columns: list[str] | None = None, height: int | str | None = None, link: bool = True,
          max_rows: int = 25, width_px: int | None = None, download_columns: list[str] | None = None,
          wrap: list[str] | None = None, max_shown: int | None = None,
          optional: list[str] | None = None) -> None:
    """A table as a founder reads it: codes in words, headers from HEADERS, money with separators, shares as
    percentages, blanks as –, supplier names linking to their Supplier page, answer columns (ANSWER_COLUMNS) given the
    width left within `width_px` (the main column as the visitor's browser draws it, unless given) and wrapped so that
    they are read whole; with a CSV download of exactly the rows and words shown (column names kept, formulas
    neutralised), or of `download_columns` when the file should carry more than fits on screen. `wrap` names more
    columns to size and wrap like answers (long names, statuses) so that the table fits `width_px`. `max_shown` draws only the first rows (a long list in the order given, with a caption
    saying so); the download still has every row: a table of thousands of rows costs its bytes to the browser and
    their hashing on every run. `optional` names columns a narrow screen may leave out (the download keeps them), in
    the order to leave them out, when the table would otherwise have to squeeze its answers or scroll (a date beside
    the same date in words)."""
    import streamlit as st

    from dashboard import components

    visible = [c for c in (columns if columns is not None else frame.columns) if c in frame.columns]
    linked = link and "supplier_name" in visible and "supplier_id" in frame.columns
    download = visible + [c for c in (download_columns or []) if c in frame.columns and c not in visible]
    # columns only for the download ride along unseen (not in the column order)
    wanted = download + (["supplier_id"] if linked and "supplier_id" not in download else [])
    cut = max_shown is not None and len(frame) > max_shown
    part = frame.head(max_shown) if cut else frame
    data = part if wanted == list(part.columns) else part[wanted]
    width_px = page_px() if width_px is None else width_px
    prepared = _fitted(data, visible, linked, column_config, height, max_rows, width_px, tuple(wrap or ()),
                       tuple(optional or ()))
    st.dataframe(prepared.arrow if prepared.arrow is not None else prepared.drawn, hide_index=True, key=key,
                 column_config=prepared.specs, column_order=prepared.order, height=prepared.height,
                 row_height=prepared.row_px, placeholder=BLANK)
    scrolls = prepared.in_view < len(prepared.shown)
    if cut:
        st.caption(f"The first {max_shown:,} of {len(frame):,} are shown"
                   + (f", {prepared.in_view:,} at a time: scroll inside the table for the rest" if scrolls else "")
                   + (f"; the download has all {len(frame):,}." if file_name else "."))
    elif scrolls:
        st.caption(f"{prepared.in_view:,} of {len(prepared.shown):,} rows in view: scroll inside the table for the "
                   "rest.")
    if file_name:
        # A callable defers building the file until the button is clicked (no CSV work on every rerun); the same
        # words as the table (humanise) for every row, shown or not.
        shown = prepared.shown
        rows = (lambda: humanise(frame[wanted])[download]) if cut else (lambda: shown[download])
        st.download_button("Download CSV", lambda: components.csv_bytes(rows()), file_name=file_name,
                           mime="text/csv", key=f"{key}_csv", on_click="ignore", icon=":material/download:")


@dataclass(frozen=True)
class _Prepared:
    shown: pd.DataFrame      # the rows in words, supplier links added (what the download holds)
    drawn: pd.DataFrame      # `shown` with numbers rounded as the grid shows them
    arrow: object            # `drawn` as a pyarrow table (what st.dataframe sends), or None if pyarrow refused it
    specs: dict
    order: list[str]
    height: int | str
    row_px: int | None
    squeezed: bool = False   # narrower than the layout wants: answers under MIN_ANSWER_PX, other texts wrapped, or
                             # a pinned column and a sideways scroll
    in_view: int = 0         # rows the box shows at a time (the rest by scrolling inside it)


def _fitted(data: pd.DataFrame, visible: list[str], linked: bool, column_config: dict | None,
            height: int | str | None, max_rows: int, width_px: int, wrap: tuple[str, ...],
            optional: tuple[str, ...]) -> _Prepared:
    """The table prepared (_prepared) without its `optional` columns, one by one in order, for as long as it is
    crowded on a narrow screen: squeezed, or its rows more than a line taller than the same table's in a 1440 px
    window (the grid gives every row the height of the longest answer); the rows keep every column for the
    download."""
    prepared = _prepared(data, visible, linked, column_config, height, max_rows, width_px, wrap)
    if not optional:
        return prepared
    layout_px = width_px + PAGE_PX - page_px()  # this table's width in the layout's own window
    reference = _prepared(data, visible, linked, column_config, height, max_rows, layout_px, wrap) \
        if layout_px > width_px else prepared
    for col in optional:
        if not prepared.squeezed and (prepared.row_px or 35) <= (reference.row_px or 35) + LINE_PX:
            break
        if col in visible:
            visible = [c for c in visible if c != col]
            prepared = _prepared(data, visible, linked, column_config, height, max_rows, width_px, wrap)
    return prepared


def _prepared(data: pd.DataFrame, visible: list[str], linked: bool, column_config: dict | None,
              height: int | str | None, max_rows: int, width_px: int, wrap: tuple[str, ...] = ()) -> _Prepared:
    """The words, links, column widths and heights of a table, worked out once per set of values and options and
    shared by every session and rerun (a table costs 5-30 ms to prepare, most of a warm page's time). Keyed on a
    SHA-256 of every value of `data` (components._by_value), never on a sample; st.dataframe deep-copies the specs
    and only reads the frame, and the download slices a new one, so sharing them is safe."""
    from dashboard import components

    inputs = (data, visible, linked, column_config, height, max_rows, width_px, wrap)
    digest = components._by_value(data)
    if not isinstance(digest, tuple):  # cells that cannot be hashed (lists): prepared afresh on every run
        return _prepare(*inputs)
    return components.prepared_table(digest[1], repr(inputs[1:]), inputs)


def _prepare(data: pd.DataFrame, visible: list[str], linked: bool, column_config: dict | None,
             height: int | str | None, max_rows: int, width_px: int, wrap: tuple[str, ...] = ()) -> _Prepared:
    import pyarrow as pa
    import streamlit as st

    shown = humanise(data)
    given = dict(column_config or {})
    order = list(visible)
    specs: dict[str, dict] = {}
    for col in visible:
        spec = given.get(col)
        title = spec if isinstance(spec, str) else (spec or {}).get("label") if isinstance(spec, dict) else None
        title = title or header(col)
        kind = "answer" if col in wrap else _kind(col, shown[col], spec)
        if isinstance(spec, dict):
            specs[col] = dict(spec)
            fmt = str(specs[col].get("type_config", {}).get("format") or "")
            if re.fullmatch(r"%(\.\d+f|d)", fmt) and col not in ("rank", "line", "plan_rank"):
                # thousands separators on every printf number: 35,787, never 35787 beside 1,284
                specs[col]["type_config"] = {**specs[col]["type_config"], "format": "%," + fmt[1:]}
            elif kind == "money" and fmt != "dollar":  # a page's own printf ("$%,.0f") reads "$-184,522"
                specs[col]["type_config"] = {**specs[col]["type_config"], **money_format(fmt)}
            elif kind == "share" and fmt == "percent":  # one decimal on every row: never "5%" beside "2.83%"
                specs[col]["type_config"] = {**specs[col]["type_config"], **SHARE_FORMAT}
            elif kind == "number" and not fmt and col not in ("rank", "line", "plan_rank"):  # a NumberColumn without a format: 3,295, never 3295 beside 3,295
                integer = pd.api.types.is_integer_dtype(shown[col])
                specs[col]["type_config"] = {**specs[col].get("type_config", {}),
                                             "format": "%,d" if integer else "%,.2f"}
        elif kind == "money":
            specs[col] = st.column_config.NumberColumn(title, **money_format())
        elif kind == "share":
            specs[col] = st.column_config.NumberColumn(title, **SHARE_FORMAT)
        elif kind == "date":
            specs[col] = st.column_config.DateColumn(title)
        elif kind == "datetime":
            specs[col] = st.column_config.DatetimeColumn(title, format="YYYY-MM-DD HH:mm")
        elif kind == "check":
            specs[col] = st.column_config.CheckboxColumn(title)
        elif kind == "number":
            integer = pd.api.types.is_integer_dtype(shown[col]) or col in ("line", "rank")
            specs[col] = st.column_config.NumberColumn(title, format=("%d" if col in ("line", "rank") else "%,d")
                                                       if integer else "%,.2f")
        else:
            specs[col] = st.column_config.TextColumn(title)
        specs[col]["label"] = specs[col].get("label") or title
        specs[col]["_kind"] = kind
    natural = {c: _natural(shown[c], specs[c]["label"], specs[c]["_kind"]) for c in order}
    if linked:
        at = list(shown.columns).index("supplier_name")
        # what the other columns need at the least (an answer column wraps down to MIN_ANSWER_PX, answer_widths)
        least = sum(min(MIN_ANSWER_PX, natural[c]) if specs[c]["_kind"] == "answer" else natural[c] for c in order)
        if least <= width_px - 2:
            # the name is the link (its text), on one line: a link cell does not wrap
            # the name as shown: with its id where another supplier of the table has the same name (humanise)
            shown.insert(at, "supplier_link", [supplier_url(i, n) for i, n in zip(data["supplier_id"],
                                                                                  shown["supplier_name"])])
            title = specs.pop("supplier_name")["label"]
            specs["supplier_link"] = {**st.column_config.LinkColumn(title, display_text=LINK_TEXT,
                                                                    help="Opens the supplier's page."),
                                      "label": title, "_kind": "text"}
            natural["supplier_link"] = natural.pop("supplier_name")
            order = ["supplier_link" if c == "supplier_name" else c for c in order]
        else:
            # names too long for one line in the table (real data: "MERCK SHARP & DOHME IDEA GMBH (FORMALLY …)")
            # would push columns off screen: the name wraps like an answer and a narrow link beside it opens the page
            specs["supplier_name"]["_kind"] = "answer"
            shown.insert(at + 1, "supplier_link", [supplier_url(i, OPEN_TEXT) for i in data["supplier_id"]])
            specs["supplier_link"] = {**st.column_config.LinkColumn("", display_text=LINK_TEXT,
                                                                    help="Opens the supplier's page."),
                                      "label": "", "_kind": "text"}
            natural["supplier_link"] = text_px(OPEN_TEXT) + CELL_PADDING_PX + 2
            order.insert(order.index("supplier_name") + 1, "supplier_link")
    # a text of one word (an order id, a folder) would be broken mid-word: it keeps its line, the table scrolls
    unbreakable = {c for c in order if specs[c]["_kind"] == "text" and c in shown
                   and not any(re.search(r"\s", str(v)) for v in _distinct(shown[c]) if not _blank(v))}
    answers, floor, squeezed = _wrapping(order, specs, natural, width_px - 2, unbreakable)
    room = width_px - 2 - sum(natural[c] for c in order if c not in answers)
    widths = answer_widths({c: [str(v) for v in _distinct(shown[c]) if not _blank(v)] for c in answers},
                           natural, room, floor=floor,
                           headers={c: _header_least_px(specs[c]["label"]) for c in answers})
    lines = 1
    for c in order:
        spec = specs[c]
        spec.pop("_kind")
        if c in answers:
            spec["width"] = widths[c]
            lines = max(lines, max([wrapped_lines(str(v), widths[c] - CELL_PADDING_PX) for v in _distinct(shown[c])
                                    if not _blank(v)] + [1]))
        elif spec.get("width") is None:
            spec["width"] = natural[c]
    if sum(specs[c]["width"] for c in order) > width_px - 2 and order:
        # still wider than the screen with everything wrapped that can wrap (many numbers on a narrow screen): the
        # table scrolls sideways, its first column (which supplier, order or entry) pinned so each row stays named
        specs[order[0]]["pinned"] = True
    row_px = max(WRAP_ROW_PX, LINE_PX * lines + 14) if lines > 1 else None
    in_view = len(shown)
    if height is None:
        height = table_height(len(shown), row_px or 35, max_rows)
        in_view = rows_in_view(len(shown), row_px or 35, max_rows)
    drawn = _rounded_to_steps(shown, specs)
    try:  # what st.dataframe would do on every run: done once here
        arrow = pa.Table.from_pandas(drawn)
    except (pa.ArrowException, ValueError, TypeError):  # mixed types: st.dataframe's own conversion fixes them
        arrow = None
    squeezed = squeezed or any(specs[c].get("pinned") for c in order)
    return _Prepared(shown, drawn, arrow, specs, order, height, row_px, squeezed, in_view)


def _wrapping(order: list[str], specs: dict, natural: dict[str, int], room: int,
              unbreakable: set[str] = frozenset()) -> tuple[list[str], int, bool]:
    """The columns that wrap, how narrow they may get (answer_widths' floor) and whether that squeezes the table. The
    answer columns, down to MIN_ANSWER_PX. When that leaves the table wider than `room` (a narrow screen: a 1280 px
    window's main column is 820 px), the table is squeezed: the answers may go as narrow as LEAST_ANSWER_PX, and then
    the widest other text columns wrap too, one by one, until every column is on screen or nothing is left to wrap
    (numbers, dates, links and the `unbreakable` texts of one word do not wrap: the grid would break
    "PO-2026-003855" after "003")."""
    answers = [c for c in order if specs[c]["_kind"] == "answer"]

    def least(floor: int, wrapping: list[str]) -> int:
        return sum(max(min(floor, natural[c]), _header_least_px(specs[c]["label"])) if c in wrapping else natural[c]
                   for c in order)

    if least(MIN_ANSWER_PX, answers) <= room:
        return answers, MIN_ANSWER_PX, False
    floor = LEAST_ANSWER_PX
    texts = sorted((c for c in order if specs[c]["_kind"] == "text" and c not in answers and natural[c] > floor
                    and c not in unbreakable
                    and (specs[c].get("type_config") or {}).get("type") in (None, "text")
                    and specs[c].get("width") is None), key=lambda c: -natural[c])
    for c in texts:
        if least(floor, answers) <= room:
            break
        answers = [a for a in order if a in answers or a == c]
    while floor < MIN_ANSWER_PX and least(floor + 4, answers) <= room:
        floor += 4  # no narrower than it needs to be
    return answers, floor, True


def _rounded_to_steps(shown: pd.DataFrame, specs: dict) -> pd.DataFrame:
    """The table's numbers as the grid shows them: rounded (half away from zero) to the decimals their step fixes.
    The grid cuts a number with a step to the step's decimals instead of rounding it ($1,807,077.90 would read
    $1,807,077 beside a headline of $1,807,078); the download keeps every decimal."""
    out = None
    for col, spec in specs.items():
        config = spec.get("type_config") or {}
        step = config.get("step")
        if col not in shown.columns or config.get("type") != "number" or not step \
                or not pd.api.types.is_float_dtype(shown[col]):
            continue
        places = max(0, -math.floor(math.log10(step) + 1e-9))
        scaled = shown[col] * 10 ** places
        out = shown.copy() if out is None else out
        out[col] = (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)) / 10 ** places
    return shown if out is None else out


# ----------------------------------------------------------------------------- open orders wording

def _told_first(text: str, labels: list[str], failed: Iterable[str] = (), first: Iterable[str] = ()) -> list[str]:
    """A hold's reasons ("Label: reason; …"), most telling first: those of the conditions that failed (`failed`)
    before those still to come, and among each the `first` conditions' before the rest, otherwise in the checklist's
    order (the sort is stable). Each reason keeps its condition's label."""
    failed, rank = set(failed), {lb: i for i, lb in enumerate(first)}

    def order(part: str) -> tuple[bool, int]:
        label = next((lb for lb in labels if part.startswith(f"{lb}: ")), None)
        return label not in failed, rank.get(label, len(rank))

    return sorted(text.split("; "), key=order)


def hold_details(text: object, labels: list[str], failed: Iterable[str] = ()) -> str:
    """The reasons of a hold ("Golden sample approved: no golden sample approval on record; Shipping documents
    received: not shipped yet: no bill of lading") without the names of the checklist conditions (`labels`), each
    reason saying what fails on its own: "No golden sample approval on record; not shipped yet: no bill of lading".
    The reasons of the conditions named in `failed` (the checks that found something wrong) come first, then those
    still to come, each in the checklist's order. Read at a glance in a table; the full wording stays in the download
    and the checklist."""
    if _blank(text) or not str(text).strip():
        return BLANK
    parts = []
    for part in _told_first(str(text), labels, failed):
        label = next((lb for lb in labels if part.startswith(f"{lb}: ")), None)
        parts.append(part[len(label) + 2:] if label else part)
    out = "; ".join(parts)
    return out[:1].upper() + out[1:]


# the release conditions whose failure says money may go to the wrong hands or bad goods ship now: a hold's first
# reason when it fails them (models/config/release.toml names the conditions)
HOLD_FIRST = ("payee_verified", "no_open_critical_capa")
# an aside of several words or in Chinese characters (a company's name: "(Suzhou Huaxin Industrial Co., Ltd.)",
# "(苏州市盛泰五金制品有限公司)"); "(HK)" and a date are kept
_ASIDE = re.compile(r"\s*\((?:[^()]* [^()]*|[^()]*[\u3400-\u9fff][^()]*)\)")


def without_asides(text: object) -> object:
    """Text without its asides of several words or in Chinese characters in parentheses ("CBP CSMS #67834313 (IEEPA
    duties end for entries from 2026-02-24)" → "CBP CSMS #67834313"; "19 CFR 24.24(a)" kept); a blank as it is."""
    return _ASIDE.sub("", text).strip() if isinstance(text, str) else text


def hold_summary(text: object, labels: list[str], first: list[str] = (), failed: Iterable[str] = ()) -> str:
    """A hold in one short cell: its most telling reason (a failure of a `first` condition, else the checklist's first
    failed one, else its first check still to come: `failed` names the labels of the conditions that failed), asides
    of several words in parentheses and what to do (models.release.ACTIONS: "…, is not verified: call back …") left
    out, and how many more ("No pre-shipment inspection yet; and 2 more"). The whole list is in the download and the
    checklist per order; a row of four reasons read 6-9 lines tall, one with its action 6 at 1280 px."""
    from models import release

    if _blank(text) or not str(text).strip():
        return BLANK
    parts = _told_first(str(text), labels, failed, first)
    said = without_asides(hold_details(parts[0], labels))
    for action in release.ACTIONS:
        said = said.removesuffix(f": {action}")
    return said + (f"; and {len(parts) - 1:,} more" if len(parts) > 1 else "")


def balances_by_verdict(orders: pd.DataFrame) -> pd.Series:
    """How many marts.open_orders rows with a balance still to pay have each verdict (release, hold, not_ready); an
    order whose balance is unknown (no payments file) counts in none."""
    if orders.empty:
        return pd.Series(dtype=int)
    return orders.loc[orders["balance_outstanding"] > 0, "verdict"].value_counts()


def failed_checks(orders: pd.DataFrame) -> list[list[str]]:
    """For each marts.open_orders row, the labels of the checklist conditions that failed (not those still to come),
    in the checklist's order."""
    from models import release

    conditions = release.load_config()["conditions"]
    fails = {conditions[n]["label"]: (orders[n] == release.FAIL).to_numpy() for n in release.CONDITIONS
             if n in orders}
    return [[lb for lb, f in fails.items() if f[i]] for i in range(len(orders))]


def order_answers(orders: pd.DataFrame) -> pd.DataFrame:
    """marts.open_orders rows with what a founder reads first: `why_held` (hold_summary of the configured checklist,
    models/config/release.toml; every reason stays in `hold_reasons`) and `balance_due_in` (balance_due_words)."""
    from models import release

    conditions = release.load_config()["conditions"]
    labels = [c["label"] for c in conditions.values()]
    first = [conditions[n]["label"] for n in HOLD_FIRST if n in conditions]
    failed = failed_checks(orders)
    why = [hold_summary(r, labels, first, f) for r, f in zip(orders["hold_reasons"], failed)]
    # a release row says so rather than a bare dash, and what could not be checked (no data imported for it)
    passed = [release_words(n) for n in _column(orders, "not_checked", None)]
    why = [p if v == release.RELEASE and w == BLANK else w
           for w, v, p in zip(why, _column(orders, "verdict", None), passed)]
    return orders.assign(why_held=why, balance_due_in=balance_due_words(orders))


def release_words(not_checked: object) -> str:
    """What a release row's "why not released" cell says: every check passed, or every check the data allows and how
    many could not be run (marts.open_orders.not_checked lists them, "; "-separated)."""
    n = 0 if _blank(not_checked) else len([t for t in str(not_checked).split(";") if t.strip()])
    return "Every check passed" if not n else f"Passed every check the data allows; {n:,} not checked"


def by_decision(orders: pd.DataFrame) -> pd.DataFrame:
    """Open orders in the order a founder decides them (models.release.DECISION_ORDER: ready to release, on hold,
    not ready, paid), each most overdue first, then by order id."""
    from models import release

    rank = {v: i for i, v in enumerate(release.DECISION_ORDER)}
    return (orders.assign(_decision=orders["verdict"].map(rank).fillna(len(rank)))
            .sort_values(["_decision", "days_until_balance_due", "po_id"], na_position="last")
            .drop(columns="_decision"))


def _column(orders: pd.DataFrame, name: str, default: object) -> pd.Series:
    """A column of marts.open_orders, or `default` in a warehouse built before it."""
    return orders[name] if name in orders else pd.Series(default, index=orders.index)


def lateness_unknown(orders: pd.DataFrame, shipments_imported: bool) -> str:
    """Why no open order can be known to be late to ship, in words, or '' when lateness is known: no shipments file
    (nothing is known to be unshipped), or no open order with a promised ship date (a PO tracker without the column:
    none is known to be late, which is not "none is late")."""
    if not shipments_imported:
        return "no shipments file was imported, so no order is known to be unshipped"
    if len(orders) and "promised_ship_on" in orders and orders["promised_ship_on"].isna().all():
        return "no open order has a promised ship date, so none is known to be late"
    return ""


def late_to_ship(orders: pd.DataFrame) -> pd.DataFrame:
    """The open orders late to ship (marts.open_orders.is_late_to_ship: nothing shipped, past the promise and the
    on-time tolerance), the latest first: the suppliers to chase. None in a warehouse built before the column."""
    if "is_late_to_ship" not in orders:
        return orders.iloc[:0]
    late = orders[orders["is_late_to_ship"].fillna(False).astype(bool)]
    return late.sort_values(["days_late", "po_id"], ascending=[False, True])


def awaits_shipment(orders: pd.DataFrame) -> pd.Series:
    """marts.open_orders rows whose balance falls due on shipment and waits for it: no due date of their own (the
    promised ship date stands in, staging.purchase_orders), nothing shipped, and that date has passed. Their balance
    is not overdue: the goods are, and the balance waits for them."""
    days = pd.to_numeric(orders["days_until_balance_due"], errors="coerce")
    nothing_shipped = pd.to_numeric(_column(orders, "shipped_quantity", None), errors="coerce").fillna(0).le(0)
    assumed = _column(orders, "is_balance_due_on_assumed", False).fillna(False).astype(bool)
    return assumed & nothing_shipped & days.lt(0)


def balance_due_words(orders: pd.DataFrame) -> pd.Series:
    """When each open order's balance is due, as a reader says it (due_words): "in 3 days", "2 days overdue"; a
    balance that waits for its shipment (awaits_shipment) says "on shipment", not overdue, and "on shipment, late"
    once the shipment is late by the on-time rule (marts.open_orders.is_late_to_ship: the promise plus the
    tolerance has passed). Short enough for the Open orders table's narrow column: with the days in it, every row
    there was a line taller."""
    if orders.empty:  # none (or the mart's absent: no columns)
        return pd.Series(dtype=object, index=orders.index)
    late = _column(orders, "is_late_to_ship", True).fillna(False).astype(bool)  # an older warehouse: as before
    return pd.Series([("on shipment, late" if is_late else "on shipment") if waits else due_words(d)
                      for d, waits, is_late in zip(orders["days_until_balance_due"], awaits_shipment(orders), late)],
                     index=orders.index, dtype=object)


def is_overdue(orders: pd.DataFrame) -> pd.Series:
    """marts.open_orders rows whose balance is past its due date and does not wait for its shipment
    (awaits_shipment): the ones balance_due_words calls overdue."""
    return pd.to_numeric(orders["days_until_balance_due"], errors="coerce").lt(0) & ~awaits_shipment(orders)


# ----------------------------------------------------------------------------- re-audit wording

_STATISTICS = re.compile(r"\s*\((?:[^()]*?,\s*)?p [=<] [0-9.eE-]+\)")  # "p = 0.046", "p < 0.001"


def without_statistics(text: object) -> str:
    """A reason in plain words: the test statistics in parentheses ("(peers' rate 21%, p = 0.046)") left out; they
    belong in the "How we know" part of a page."""
    return BLANK if _blank(text) else _STATISTICS.sub("", str(text))


def reason_items(reasons: pd.DataFrame) -> list[tuple[str, str]]:
    """marts.reaudit_reasons rows, in their order, as (trigger as in the Triggers column, what was found); the routine
    cycle's trigger is "" (its finding, "routine re-verification: due …", says it). No rows (or no table, in a
    warehouse built before it): none."""
    if reasons.empty:
        return []
    return [("" if trigger == ROUTINE else words(trigger, "trigger"), found)
            for trigger, found in zip(reasons["trigger"], reasons["finding"])]


def reason_words(reasons: pd.DataFrame) -> pd.Series:
    """Each supplier's re-audit reason in words from its marts.reaudit_reasons rows, indexed by supplier_id: every
    trigger named as in the Triggers column ("Failed audit: …; Price jumps: …"), in the reason's order; the routine
    cycle's finding as it is. No rows: an empty Series."""
    if reasons.empty:
        return pd.Series(dtype=object)
    said = [f"{trigger}: {found}" if trigger else found for trigger, found in reason_items(reasons)]
    return pd.Series(said, index=reasons["supplier_id"].to_numpy(), dtype=object).groupby(level=0, sort=False).agg(
        "; ".join)


def reaudit_reasons(plan: pd.DataFrame, reasons: pd.DataFrame) -> pd.DataFrame:
    """The plan (reaudit_plan) with one row per reason (marts.reaudit_reasons), in the plan's order and then the
    reason's: `trigger` in the Triggers column's words (the routine cycle's when none fired) and `reason`, what was
    found with its statistics. A supplier's reasons in one cell made every row of the table as tall as the longest
    (314 px rows, most of them 2 lines of text)."""
    found = reasons[["supplier_id", "reason_no", "trigger", "finding"]]
    out = plan.drop(columns="reason", errors="ignore").merge(found, on="supplier_id", validate="one_to_many")
    out = out.sort_values(["plan_rank", "reason_no"], kind="stable").reset_index(drop=True)
    out["trigger"] = [words(t, "trigger") for t in out["trigger"]]
    return out.rename(columns={"finding": "reason"})


# ----------------------------------------------------------------------------- the release checklist

# Column headers of the checklist per order (models/release.CONDITIONS): short enough for the six conditions, an order
# and its supplier to fit one screen; the configured label (models/config/release.toml) is the column's help.
CONDITION_HEADERS = {"psi_passed": "Inspection", "golden_sample_approved": "Sample", "changes_confirmed": "Changes",
                     "payee_verified": "Payee", "no_open_critical_capa": "Corrective actions",
                     "shipping_documents_received": "Documents"}


# ----------------------------------------------------------------------------- the re-audit plan

# (key, heading, what it means); a supplier is in the first group whose rule holds (reaudit_group)
REAUDIT_GROUPS = (
    ("hold", "Hold new orders now", "Another entity was paid or is on the contract, a new or offshore bank account "
                                    "is not verified, the registry lists the company as abnormal, or the score is "
                                    "critical: place no new order until the re-audit clears it."),
    ("now", "Due now", "Due today or overdue: a failed audit not followed up, a lapsed audit of a critical supplier, "
                       "or a trigger that calls for action now."),
    ("30", "Next 30 days", "Due within a month: recent evidence (failed inspections, bulk worse than samples) or a "
                           "lapsed cycle booked soon."),
    ("later", "Later", "Due after 30 days: drifts, a high band alone, a lapsed cycle of a lower-risk supplier, or the "
                       f"routine {_CYCLE_MONTHS}-month cycle."),
)


def due_words(days: object) -> str:
    """Days until a due date as a reader says it: "in 36 days", "today", "800 days overdue"; blank as –."""
    if _blank(days):
        return BLANK
    n = int(days)
    if n == 0:
        return "today"
    return f"in {count_words(n, 'day')}" if n > 0 else f"{count_words(-n, 'day')} overdue"


def reaudit_group(queue: pd.DataFrame) -> pd.Series:
    """hold / now / 30 / later for each row: the configured strongest action (models/config/risk_score.toml, first
    [[reaudit.actions]] rule) first, then by days until due."""
    hold = scoring.load_config()["reaudit"]["actions"][0]["action"]
    days = pd.to_numeric(queue["days_until_due"], errors="coerce")
    return pd.Series(pd.NA, index=queue.index, dtype=object).mask(days > 30, "later").mask(days <= 30, "30") \
        .mask(days <= 0, "now").mask(queue["suggested_action"] == hold, "hold")


def reaudit_backlog_terms(cfg: dict | None = None) -> tuple[int, str]:
    """The re-audit cycle in months and how soon a lapsed one is booked, by risk band ("critical now, high within 60
    days, medium 90, low 180"), as models/config/risk_score.toml [reaudit] sets them: the page words them, never
    restates them."""
    rc = (cfg or scoring.load_config())["reaudit"]
    parts: list[str] = []
    for band in reversed(scoring.BAND_ORDER):
        days = int(rc["lapsed_due_days"][band])
        booked = "now" if days <= 0 else f"{days}" if any(p.endswith(" days") for p in parts) else f"within {days} days"
        parts.append(f"{band} {booked}")
    return int(rc["max_months_between_audits"]), ", ".join(parts)


def reaudit_plan(queue: pd.DataFrame) -> pd.DataFrame:
    """The queue in the order of the plan: group by group, within a group by the mart's priority (risk × money at
    stake); `plan_rank` is the position; `money_at_stake` (12-month spend + open exposure) comes from the mart."""
    order = {key: i for i, (key, _, _) in enumerate(REAUDIT_GROUPS)}
    out = queue.assign(group=reaudit_group(queue))
    out = out.assign(_g=out["group"].map(order)).sort_values(["_g", "rank"]).drop(columns="_g")
    # no trigger fired: the supplier is in the plan for the routine cycle, and the Why column says so
    out["triggers"] = out["triggers"].where(out["triggers"].fillna("").astype(str).str.strip() != "", ROUTINE)
    out["when"] = out["days_until_due"].map(due_words)
    out["plan_rank"] = range(1, len(out) + 1)
    return out.reset_index(drop=True)


def _how_often(p: object) -> str:
    """A probability as "96% of the time": whole percent; one decimal when that would read 0% or 100%; "under 0.1%"
    or "over 99.9%" when even that would (a lot that passes once in a million reads as rare, not as never)."""
    whole = pct(p, 0)
    if whole not in ("0%", "100%"):
        return f"{whole} of the time"
    tenth = pct(p, 1)
    return {"0.0%": "under 0.1%", "100.0%": "over 99.9%"}.get(tenth, tenth) + " of the time"


def reaudit_download(plan: pd.DataFrame, reasons: pd.DataFrame) -> pd.DataFrame:
    """The plan as its CSV and Excel downloads carry it: codes in words (triggers "No audit in 12 months", the
    action, band, urgency, the group as its heading "Hold new orders now", and the reason from its
    marts.reaudit_reasons rows, reason_words), the trigger codes kept beside as `trigger_codes` for a spreadsheet
    filter; column names as in marts.reaudit_queue."""
    groups = {key: heading for key, heading, _ in REAUDIT_GROUPS}
    out = plan.copy()
    if "reason" in out:  # the queue's own text where the mart has no rows (a warehouse built before it)
        worded = reason_words(reasons)
        out["reason"] = [worded.get(s, r) for s, r in zip(out["supplier_id"], out["reason"])]
    if "triggers" in out:
        out.insert(out.columns.get_loc("triggers") + 1, "trigger_codes", out["triggers"])
    out = humanise(out)
    if "group" in out:
        out["group"] = out["group"].map(groups).fillna(out["group"])
    return out


def inspection_action(row: pd.Series, discontinued: bool = False) -> str:
    """What to ask for on the next lot, from a marts.inspection_blind_spot row, as an instruction with its reason in
    plain words: how often a lot at the supplier's estimated defect rate passes today's plan, and the plan asked for."""
    if discontinued:
        return "Stop accepting lots on sampling until the supplier closes a corrective action (ISO 2859-1)."
    level, aql = row.get("recommended_level"), row.get("recommended_aql_major")
    if _blank(level) or _blank(aql):
        return BLANK
    plan = f"level {level}, AQL {aql:g}"
    sample = (f" ({int(row['recommended_sample_size']):,} samples, accept {int(row['recommended_accept']):,})"
              if not _blank(row.get("recommended_sample_size")) and not _blank(row.get("recommended_accept")) else "")
    rate, now, then = (row.get(c) for c in ("defect_rate_estimate", "p_accept_current_plan", "p_accept_recommended"))
    known = not (_blank(rate) or _blank(now))
    today = (f"level {row['current_level']}, AQL {float(row['current_aql_major']):g}"
             if not _blank(row.get("current_level")) and not _blank(row.get("current_aql_major")) else "today's plan")
    if level == row.get("current_level") and not _blank(row.get("current_aql_major")) \
            and float(aql) == float(row["current_aql_major"]):
        if not known:
            return f"Keep the plan: {plan}{sample}."
        if float(rate) <= float(aql) / 100:
            return (f"Keep the plan, {plan}: the supplier's estimated defect rate, {pct(rate)}, is within the AQL, "
                    f"so its lots should pass (they would {_how_often(now)}).")
        return (f"Keep the plan, {plan}: at the supplier's estimated defect rate, {pct(rate)}, it already stops most "
                f"lots (one would pass {_how_often(now)}).")
    if not known:
        return f"Ask for {plan} on the next lot{sample}."
    why = f"at this supplier's estimated defect rate, {pct(rate)}, a lot would pass today's plan ({today}) {_how_often(now)}"
    meets = row.get("recommendation_meets_target")
    if not _blank(meets) and not bool(meets):
        return (f"Inspect every unit or fix quality at the source: {why}, and even the strictest plan ({plan}) "
                f"would pass it {_how_often(then)}.")
    return (f"Ask for {plan} on the next lot{sample}: {why}; "
            + (f"this plan would pass it {_how_often(then)}." if not _blank(then) else "this plan stops most of them.")
            + _stricter_though_higher_aql(row))


def _stricter_though_higher_aql(row: pd.Series) -> str:
    """When the plan asked for has a higher AQL than today's yet is stricter (today's AQL 0, accept none on the level's
    sample; the plan asked for accepts none too on a larger one), a sentence saying so: "AQL 0.15" next to "AQL 0"
    reads looser."""
    cols = ("current_aql_major", "current_sample_size", "current_accept", "recommended_aql_major",
            "recommended_sample_size", "recommended_accept")
    if any(_blank(row.get(c)) for c in cols):
        return ""
    aql, n, ac, rec_aql, rec_n, rec_ac = (float(row[c]) for c in cols)
    if not (rec_aql > aql and rec_ac <= ac and rec_n > n):
        return ""
    return (f" Though its AQL reads higher, it is the stricter plan: it accepts "
            f"{'no defective unit' if rec_ac == 0 else f'at most {rec_ac:,.0f}'} in {rec_n:,.0f} samples, today's plan "
            f"{'none' if ac == 0 else f'{ac:,.0f}'} in {n:,.0f}.")
