"""Landed-cost rules: Incoterms, US dutiable value, stacked duties, MPF/HMF, landed cost per unit, leakage waterfall.

Every regulatory or commercial constant (duty rates, MPF/HMF, marketplace fees, Incoterm splits, return-reason
attribution) is read from the dated, sourced CSV tables in `data/reference/` (see its README); none is written here.
Every loader takes an optional `ref_dir` so tests can point at their own tables. Money is rounded to cents
(half up) at the points documented in `docs/landed-cost.md`.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import numpy as np

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "data" / "reference"

INCOTERMS = ("EXW", "FCA", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP")
BUYER_COST_FLAGS = (
    "export_clearance",
    "main_freight",
    "insurance",
    "import_duty",
    "destination_delivery",
)
# Quality-cost kinds from the data contract, in waterfall order; `write_off` joins the write-off step.
QUALITY_COST_KINDS = ("rework", "relabel", "chargeback", "expedite_freight", "sorting", "reinspection")
WRITE_OFF_KIND = "write_off"
ANY = "*"
CENT = Decimal("0.01")


# ---------------------------------------------------------------------------------------------------------------
# Reference-table rows
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DutyRow:
    """One row of duty_rates.csv."""

    hs_code: str
    origin_country: str
    duty_type: str
    rate_pct: float
    effective_from: date
    effective_to: date | None
    source: str
    notes: str

    @property
    def hs_digits(self) -> str:
        """The HS prefix as bare digits ('' for the wildcard `*`)."""
        return normalise_hs(self.hs_code)

    def is_effective(self, on: date) -> bool:
        """True when `on` falls inside [effective_from, effective_to] (inclusive; open end when empty)."""
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True)
class MpfRow:
    """One fiscal year of us_mpf.csv."""

    fiscal_year: int
    effective_from: date
    effective_to: date | None
    rate_pct: float
    min_usd: float
    max_usd: float
    source: str


@dataclass(frozen=True)
class HmfRow:
    """One row of us_hmf.csv."""

    mode: str
    rate_pct: float
    effective_from: date
    effective_to: date | None
    source: str


@dataclass(frozen=True)
class MarketplaceFee:
    """One channel of marketplace_fees.csv."""

    channel: str
    referral_fee_pct: float
    fulfilment_fee_per_unit: float
    return_processing_fee_per_unit: float
    as_of: date
    source: str
    notes: str


@dataclass(frozen=True)
class IncotermRule:
    """One Incoterms 2020 rule of incoterms.csv: who pays what, and what the invoice price contains."""

    incoterm: str
    buyer_pays_export_clearance: bool
    buyer_pays_main_freight: bool
    buyer_pays_insurance: bool
    buyer_pays_import_duty: bool
    buyer_pays_destination_delivery: bool
    invoice_includes_freight: bool
    invoice_includes_insurance: bool
    source: str


@dataclass(frozen=True)
class ReturnReason:
    """One reason of return_reasons.csv."""

    reason: str
    is_supplier_attributable: bool
    is_defect_coded: bool
    rationale: str


# ---------------------------------------------------------------------------------------------------------------
# Parsing helpers and loaders
# ---------------------------------------------------------------------------------------------------------------


def normalise_hs(hs_code: str) -> str:
    """HS code as bare digits ('9405.42.8440' -> '9405428440'); the wildcard '*' becomes ''."""
    code = (hs_code or "").strip()
    if code == ANY:
        return ""
    digits = "".join(ch for ch in code if ch.isdigit())
    if not digits:
        raise ValueError(f"not an HS code: {hs_code!r}")
    return digits


def _date(text: str) -> date:
    return date.fromisoformat(text.strip())


def _opt_date(text: str | None) -> date | None:
    return _date(text) if text and text.strip() else None


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in {"true", "yes", "1"}:
        return True
    if value in {"false", "no", "0"}:
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _rows(ref_dir: str, name: str, required: Sequence[str]) -> list[dict[str, str]]:
    path = Path(ref_dir) / name
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing columns {missing}")
        rows = [r for r in reader if any((v or "").strip() for v in r.values())]
    if "source" in required:
        unsourced = [i + 2 for i, r in enumerate(rows) if not (r.get("source") or "").strip()]
        if unsourced:
            raise ValueError(f"{path}: rows without a source on lines {unsourced}")
    return rows


def _dir(ref_dir: str | Path | None) -> str:
    return str(Path(ref_dir) if ref_dir is not None else REFERENCE_DIR)


@lru_cache(maxsize=8)
def _load_duty_rates(ref_dir: str) -> tuple[DutyRow, ...]:
    cols = ("hs_code", "origin_country", "duty_type", "rate_pct", "effective_from", "effective_to", "source", "notes")
    rows = tuple(
        DutyRow(
            hs_code=r["hs_code"].strip(),
            origin_country=r["origin_country"].strip().upper(),
            duty_type=r["duty_type"].strip().lower(),
            rate_pct=float(r["rate_pct"]),
            effective_from=_date(r["effective_from"]),
            effective_to=_opt_date(r["effective_to"]),
            source=r["source"].strip(),
            notes=(r["notes"] or "").strip(),
        )
        for r in _rows(ref_dir, "duty_rates.csv", cols)
    )
    _check_no_overlap(rows)
    return rows


def _check_no_overlap(rows: Sequence[DutyRow]) -> None:
    """Two rows for the same HS prefix, origin and duty type must not be in force on the same day."""
    by_key: dict[tuple[str, str, str], list[DutyRow]] = {}
    for row in rows:
        by_key.setdefault((row.hs_digits, row.origin_country, row.duty_type), []).append(row)
    for key, group in by_key.items():
        group = sorted(group, key=lambda r: r.effective_from)
        for prev, nxt in zip(group, group[1:]):
            if prev.effective_to is None or prev.effective_to >= nxt.effective_from:
                raise ValueError(f"duty_rates.csv: overlapping rows for {key}: {prev.effective_from} and "
                                 f"{nxt.effective_from}")


def load_duty_rates(ref_dir: str | Path | None = None) -> tuple[DutyRow, ...]:
    """All rows of duty_rates.csv (cached per directory); raises on overlapping date ranges or missing sources."""
    return _load_duty_rates(_dir(ref_dir))


@lru_cache(maxsize=8)
def _load_mpf(ref_dir: str) -> tuple[MpfRow, ...]:
    cols = ("fiscal_year", "effective_from", "effective_to", "rate_pct", "min_usd", "max_usd", "source")
    return tuple(
        MpfRow(
            fiscal_year=int(r["fiscal_year"]),
            effective_from=_date(r["effective_from"]),
            effective_to=_opt_date(r["effective_to"]),
            rate_pct=float(r["rate_pct"]),
            min_usd=float(r["min_usd"]),
            max_usd=float(r["max_usd"]),
            source=r["source"].strip(),
        )
        for r in _rows(ref_dir, "us_mpf.csv", cols)
    )


def load_mpf(ref_dir: str | Path | None = None) -> tuple[MpfRow, ...]:
    """All fiscal-year rows of us_mpf.csv (cached per directory)."""
    return _load_mpf(_dir(ref_dir))


@lru_cache(maxsize=8)
def _load_hmf(ref_dir: str) -> tuple[HmfRow, ...]:
    cols = ("mode", "rate_pct", "effective_from", "effective_to", "source")
    return tuple(
        HmfRow(
            mode=r["mode"].strip().lower(),
            rate_pct=float(r["rate_pct"]),
            effective_from=_date(r["effective_from"]),
            effective_to=_opt_date(r["effective_to"]),
            source=r["source"].strip(),
        )
        for r in _rows(ref_dir, "us_hmf.csv", cols)
    )


def load_hmf(ref_dir: str | Path | None = None) -> tuple[HmfRow, ...]:
    """All rows of us_hmf.csv (cached per directory)."""
    return _load_hmf(_dir(ref_dir))


@lru_cache(maxsize=8)
def _load_marketplace_fees(ref_dir: str) -> dict[str, MarketplaceFee]:
    cols = ("channel", "referral_fee_pct", "fulfilment_fee_per_unit", "return_processing_fee_per_unit", "as_of",
            "source", "notes")
    return {
        r["channel"].strip().lower(): MarketplaceFee(
            channel=r["channel"].strip().lower(),
            referral_fee_pct=float(r["referral_fee_pct"]),
            fulfilment_fee_per_unit=float(r["fulfilment_fee_per_unit"]),
            return_processing_fee_per_unit=float(r["return_processing_fee_per_unit"]),
            as_of=_date(r["as_of"]),
            source=r["source"].strip(),
            notes=(r["notes"] or "").strip(),
        )
        for r in _rows(ref_dir, "marketplace_fees.csv", cols)
    }


def load_marketplace_fees(ref_dir: str | Path | None = None) -> dict[str, MarketplaceFee]:
    """Fee assumptions per sales channel from marketplace_fees.csv (cached per directory)."""
    return _load_marketplace_fees(_dir(ref_dir))


@lru_cache(maxsize=8)
def _load_incoterms(ref_dir: str) -> dict[str, IncotermRule]:
    flags = ("buyer_pays_export_clearance", "buyer_pays_main_freight", "buyer_pays_insurance",
             "buyer_pays_import_duty", "buyer_pays_destination_delivery", "invoice_includes_freight",
             "invoice_includes_insurance")
    rules = {}
    for r in _rows(ref_dir, "incoterms.csv", ("incoterm", *flags, "source")):
        term = r["incoterm"].strip().upper()
        rules[term] = IncotermRule(incoterm=term, source=r["source"].strip(), **{f: _bool(r[f]) for f in flags})
    return rules


def load_incoterms(ref_dir: str | Path | None = None) -> dict[str, IncotermRule]:
    """Incoterms 2020 rules from incoterms.csv keyed by code (cached per directory)."""
    return _load_incoterms(_dir(ref_dir))


@lru_cache(maxsize=8)
def _load_return_reasons(ref_dir: str) -> dict[str, ReturnReason]:
    cols = ("reason", "is_supplier_attributable", "is_defect_coded", "rationale")
    return {
        r["reason"].strip().lower(): ReturnReason(
            reason=r["reason"].strip().lower(),
            is_supplier_attributable=_bool(r["is_supplier_attributable"]),
            is_defect_coded=_bool(r["is_defect_coded"]),
            rationale=r["rationale"].strip(),
        )
        for r in _rows(ref_dir, "return_reasons.csv", cols)
    }


def load_return_reasons(ref_dir: str | Path | None = None) -> dict[str, ReturnReason]:
    """Return-reason attribution from return_reasons.csv keyed by reason (cached per directory)."""
    return _load_return_reasons(_dir(ref_dir))


def supplier_attributable_reasons(ref_dir: str | Path | None = None) -> frozenset[str]:
    """The return reasons that count against the supplier."""
    return frozenset(r.reason for r in load_return_reasons(ref_dir).values() if r.is_supplier_attributable)


def _cents(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def round_money(value: float) -> float:
    """Round to cents, half up (1.005 -> 1.01), as customs and marketplaces do."""
    return float(_cents(value))


# ---------------------------------------------------------------------------------------------------------------
# Incoterms and dutiable value
# ---------------------------------------------------------------------------------------------------------------


def incoterm_rule(incoterm: str, ref_dir: str | Path | None = None) -> IncotermRule:
    """The Incoterms 2020 row for `incoterm` (case-insensitive); KeyError for an unknown code."""
    rules = load_incoterms(ref_dir)
    code = (incoterm or "").strip().upper()
    if code not in rules:
        raise KeyError(f"unknown Incoterm {incoterm!r}; known: {sorted(rules)}")
    return rules[code]


def buyer_costs(incoterm: str, ref_dir: str | Path | None = None) -> frozenset[str]:
    """Costs the buyer pays on top of the unit price: a subset of BUYER_COST_FLAGS."""
    rule = incoterm_rule(incoterm, ref_dir)
    return frozenset(name for name in BUYER_COST_FLAGS if getattr(rule, f"buyer_pays_{name}"))


def dutiable_value(
    invoice_value: float,
    incoterm: str,
    freight_in_invoice: float = 0.0,
    insurance_in_invoice: float = 0.0,
    other_non_dutiable_in_invoice: float = 0.0,
    ref_dir: str | Path | None = None,
) -> float:
    """US transaction value: the invoice less international freight, insurance (and, for DDP, duty/fees) it includes.

    The US appraises on an FOB-type basis (19 U.S.C. 1401a(b)(4)): freight and insurance from the foreign port are
    excluded even when a price contains them: freight in C- and D-terms, insurance in CIF/CIP/DAP/DPU/DDP (the terms
    where the seller bears insurance, incoterms.csv). Passing freight or insurance for a term whose invoice cannot
    contain it (e.g. insurance on CFR/CPT) is an error, as is a result below zero.
    """
    rule = incoterm_rule(incoterm, ref_dir)
    for name, amount in (("freight_in_invoice", freight_in_invoice), ("insurance_in_invoice", insurance_in_invoice),
                         ("other_non_dutiable_in_invoice", other_non_dutiable_in_invoice), ("invoice_value",
                                                                                            invoice_value)):
        if amount < 0 or math.isnan(amount):
            raise ValueError(f"{name} must be >= 0, got {amount}")
    if freight_in_invoice and not rule.invoice_includes_freight:
        raise ValueError(f"a {rule.incoterm} invoice does not include main freight; pay it separately")
    # Insurance can be in the price only where the seller bears it (buyer_pays_insurance false): CIF/CIP, where it
    # is an invoice line, and D-terms, where the seller may insure its own transit risk. Under E/F terms, CFR and
    # CPT the buyer insures, so the invoice cannot hold insurance even though CFR/CPT hold freight.
    if insurance_in_invoice and rule.buyer_pays_insurance:
        raise ValueError(f"a {rule.incoterm} invoice does not include insurance; the buyer insures separately")
    value = _cents(invoice_value) - _cents(freight_in_invoice) - _cents(insurance_in_invoice) - _cents(
        other_non_dutiable_in_invoice)
    if value < 0:
        raise ValueError("deductions exceed the invoice value")
    return float(value)


# ---------------------------------------------------------------------------------------------------------------
# Duties, MPF, HMF
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DutyComponent:
    """One stacked duty line: its type, rate and the reference row it came from."""

    duty_type: str
    rate_pct: float
    hs_prefix: str
    origin_country: str
    source: str
    notes: str


@dataclass(frozen=True)
class DutyRate:
    """All duty components for an entry and their sum in percent of the dutiable value."""

    hs_code: str
    origin_country: str
    entry_date: date
    components: tuple[DutyComponent, ...]

    @property
    def total_pct(self) -> float:
        """Sum of the component rates, percent (rounded to 6 places to drop float noise)."""
        return round(sum(c.rate_pct for c in self.components), 6)

    @property
    def has_mfn(self) -> bool:
        """Whether an MFN (column 1 general) rate was found; without it the total is incomplete."""
        return any(c.duty_type == "mfn" for c in self.components)


def duty_rate(
    hs_code: str, origin: str, entry_date: date, ref_dir: str | Path | None = None, require_mfn: bool = True
) -> DutyRate:
    """Stacked duty for an entry: per duty type, the longest HS-prefix row matching origin and date, summed.

    A row matches when its HS prefix ('*' = any) is a prefix of the entry's code, its origin is the entry's origin
    or '*', and the entry date lies in its effective range. Within a duty type the longest prefix wins, then an
    exact origin beats '*'. Raises LookupError when no MFN row matches (unless `require_mfn=False`).
    """
    digits = normalise_hs(hs_code)
    origin_code = (origin or "").strip().upper()
    best: dict[str, DutyRow] = {}
    for row in load_duty_rates(ref_dir):
        if not digits.startswith(row.hs_digits):
            continue
        if row.origin_country not in (origin_code, ANY) or not row.is_effective(entry_date):
            continue
        current = best.get(row.duty_type)
        rank = (len(row.hs_digits), row.origin_country != ANY)
        if current is None or rank > (len(current.hs_digits), current.origin_country != ANY):
            best[row.duty_type] = row
    components = tuple(
        DutyComponent(r.duty_type, r.rate_pct, r.hs_code, r.origin_country, r.source, r.notes)
        for r in sorted(best.values(), key=lambda r: (r.duty_type != "mfn", r.duty_type))
    )
    result = DutyRate(hs_code, origin_code, entry_date, components)
    if require_mfn and not result.has_mfn:
        raise LookupError(f"no MFN duty row for HS {hs_code} from {origin_code} on {entry_date}: add it to "
                          f"duty_rates.csv")
    return result


def duty_amount(
    dutiable: float, hs_code: str, origin: str, entry_date: date, ref_dir: str | Path | None = None
) -> float:
    """Duty in USD: dutiable value x stacked rate, each component rounded to cents then summed."""
    rate = duty_rate(hs_code, origin, entry_date, ref_dir)
    total = sum((_cents(Decimal(str(dutiable)) * Decimal(str(c.rate_pct)) / 100) for c in rate.components),
                Decimal("0"))
    return float(total)


def _in_force(rows: Iterable, on: date):
    hits = [r for r in rows if r.effective_from <= on and (r.effective_to is None or on <= r.effective_to)]
    return hits


def mpf_row(entry_date: date, ref_dir: str | Path | None = None) -> MpfRow:
    """The MPF fiscal-year row in force on `entry_date`; LookupError when the table does not cover the date."""
    hits = _in_force(load_mpf(ref_dir), entry_date)
    if len(hits) != 1:
        raise LookupError(f"us_mpf.csv has {len(hits)} rows in force on {entry_date}; expected exactly one")
    return hits[0]


def mpf(entered_value: float, entry_date: date, ref_dir: str | Path | None = None) -> float:
    """Merchandise processing fee for a formal entry: clamp(rate x entered value, min, max), in cents."""
    row = mpf_row(entry_date, ref_dir)
    raw = Decimal(str(entered_value)) * Decimal(str(row.rate_pct)) / 100
    clamped = min(max(raw, Decimal(str(row.min_usd))), Decimal(str(row.max_usd)))
    return float(_cents(clamped))


def hmf(value: float, mode: str, entry_date: date, ref_dir: str | Path | None = None) -> float:
    """Harbor maintenance fee: rate x cargo value for modes listed in us_hmf.csv (sea), else 0; in cents."""
    mode_key = mode.strip().lower() if isinstance(mode, str) else ""  # None/NaN: unknown mode, no HMF
    hits = [r for r in _in_force(load_hmf(ref_dir), entry_date) if r.mode == mode_key]
    if not hits:
        return 0.0
    if len(hits) > 1:
        raise LookupError(f"us_hmf.csv has {len(hits)} rows for {mode} on {entry_date}")
    return float(_cents(Decimal(str(value)) * Decimal(str(hits[0].rate_pct)) / 100))


# ---------------------------------------------------------------------------------------------------------------
# Landed cost and duty check
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LandedCost:
    """Landed cost of one shipment: components, total, per unit received, and variance against the quote."""

    components: dict[str, float]
    total: float
    units_received: int
    per_unit: float
    quoted_unit_price: float | None
    variance_per_unit: float | None
    variance_pct: float | None


def landed_cost_per_unit(
    goods_value: float,
    units_received: int,
    freight: float = 0.0,
    insurance: float = 0.0,
    duty: float = 0.0,
    fees: float = 0.0,
    brokerage: float = 0.0,
    inspection: float = 0.0,
    other: float = 0.0,
    quoted_unit_price: float | None = None,
) -> LandedCost:
    """(goods + freight + insurance + duty + fees + brokerage + inspection + other) / units received.

    `goods_value` is what was paid to the supplier for the goods (quantity x unit price under the PO's Incoterm);
    dividing by units *received* makes short shipments show up as a higher unit cost. When `quoted_unit_price`
    is given, variance_per_unit = per_unit - quoted_unit_price and variance_pct = variance / quoted x 100.
    """
    if units_received <= 0:
        raise ValueError("units_received must be > 0")
    components = {
        "goods": goods_value, "freight": freight, "insurance": insurance, "duty": duty, "fees": fees,
        "brokerage": brokerage, "inspection": inspection, "other": other,
    }
    for name, amount in components.items():
        if amount is None or math.isnan(amount) or amount < 0:
            raise ValueError(f"{name} must be a number >= 0, got {amount}")
    total = sum((_cents(v) for v in components.values()), Decimal("0"))
    per_unit = total / units_received
    variance = variance_pct = None
    if quoted_unit_price is not None:
        if quoted_unit_price <= 0:
            raise ValueError("quoted_unit_price must be > 0")
        variance_dec = per_unit - Decimal(str(quoted_unit_price))
        variance = round(float(variance_dec), 6)
        variance_pct = round(float(variance_dec / Decimal(str(quoted_unit_price)) * 100), 6)
    return LandedCost(
        components={k: float(_cents(v)) for k, v in components.items()},
        total=float(total),
        units_received=units_received,
        per_unit=round(float(per_unit), 6),
        quoted_unit_price=quoted_unit_price,
        variance_per_unit=variance,
        variance_pct=variance_pct,
    )


@dataclass(frozen=True)
class DutyCheck:
    """Computed vs paid duty for one shipment."""

    computed: float
    paid: float | None
    difference: float | None  # paid - computed
    difference_pct: float | None  # of computed
    status: str  # "not_paid_known", "match", "overpaid", "underpaid"


def compare_duty(
    computed: float, paid: float | None, tolerance_usd: float = 1.0, tolerance_pct: float = 1.0
) -> DutyCheck:
    """Flag the gap between computed and paid duty; within max(tolerance_usd, tolerance_pct% of computed) = match.

    The tolerances are review thresholds (not regulatory constants); `paid=None` (shipment without duty_paid)
    returns status "not_paid_known" so it is never mistaken for a match.
    """
    computed_c = _cents(computed)
    if paid is None or (isinstance(paid, float) and math.isnan(paid)):
        return DutyCheck(float(computed_c), None, None, None, "not_paid_known")
    diff = _cents(paid) - computed_c
    pct = float(diff / computed_c * 100) if computed_c else None
    band = max(Decimal(str(tolerance_usd)), computed_c * Decimal(str(tolerance_pct)) / 100)
    status = "match" if abs(diff) <= band else ("overpaid" if diff > 0 else "underpaid")
    return DutyCheck(float(computed_c), float(_cents(paid)), float(diff), None if pct is None else round(pct, 6),
                     status)


def marketplace_fee_amount(
    channel: str, gross_revenue: float, units_sold: int, ref_dir: str | Path | None = None
) -> float:
    """Expected channel fees: referral % x gross revenue + fulfilment fee x units, in cents (KeyError if unknown)."""
    fees = load_marketplace_fees(ref_dir)
    key = (channel or "").strip().lower()
    if key not in fees:
        raise KeyError(f"no fee assumptions for channel {channel!r} in marketplace_fees.csv")
    fee = fees[key]
    referral = _cents(Decimal(str(gross_revenue)) * Decimal(str(fee.referral_fee_pct)) / 100)
    fulfilment = _cents(Decimal(str(fee.fulfilment_fee_per_unit)) * units_sold)
    return float(referral + fulfilment)


# ---------------------------------------------------------------------------------------------------------------
# Leakage waterfall (the reference the SQL marts are tested against)
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeakageWaterfall:
    """Planned contribution, signed leakage steps, realised contribution, and the non-supplier returns figure."""

    steps: list[tuple[str, float]]  # first = planned_contribution, last = realised_contribution
    non_supplier_returns: float  # cost of returns not attributable to the supplier (positive), kept outside
    is_balanced: bool  # planned + every middle step == realised, to the cent

    @property
    def planned(self) -> float:
        """Planned contribution (first step)."""
        return self.steps[0][1]

    @property
    def realised(self) -> float:
        """Realised contribution after supplier-attributable leakage (last step)."""
        return self.steps[-1][1]

    @property
    def supplier_leakage(self) -> float:
        """Total supplier-attributable leakage as a positive amount (planned - realised)."""
        return float(_cents(self.planned) - _cents(self.realised))

    def as_dict(self) -> dict[str, float]:
        """Steps as an ordered name -> amount mapping."""
        return dict(self.steps)


def leakage_waterfall(
    gross_revenue: float,
    units_sold: int,
    quoted_landed_cost_per_unit: float,
    actual_landed_cost_per_unit: float,
    marketplace_fees: float,
    returns: Iterable[Mapping[str, object]] = (),
    quality_costs: Mapping[str, float] | None = None,
    return_fee_per_unit: float = 0.0,
    supplier_reasons: Iterable[str] | None = None,
    ref_dir: str | Path | None = None,
) -> LeakageWaterfall:
    """Bridge planned to realised contribution for one scope (SKU, supplier, period) with exact cent arithmetic.

    Every input amount is first rounded to cents (half up); per-unit products are rounded to cents once, on
    the total. Steps (costs negative):
      planned_contribution  = gross_revenue - units_sold x quoted_landed_cost_per_unit - marketplace_fees
      landed_cost_overrun   = -(units_sold x actual_landed_cost_per_unit - units_sold x quoted_landed_cost_per_unit)
      refunds_and_return_fees = -sum over supplier-attributable returns of (refund_amount + quantity x return_fee)
      unsellable_write_offs = -(unsellable supplier-attributable units x actual_landed_cost_per_unit)
                              - quality_costs['write_off']
      <kind> for each of QUALITY_COST_KINDS = -quality_costs[kind]   (always present, 0.0 when absent)
      realised_contribution = the sum of all the above
    `returns` rows use the contract's columns: reason, quantity, refund_amount (default 0), disposition
    ('unsellable' counts for write-off). Returns whose reason is not supplier-attributable go, with the same
    formula (refund + fee + unsellable write-off), to `non_supplier_returns` and never into the steps.
    """
    quality_costs = dict(quality_costs or {})
    unknown = set(quality_costs) - set(QUALITY_COST_KINDS) - {WRITE_OFF_KIND}
    if unknown:
        raise ValueError(f"unknown quality-cost kinds: {sorted(unknown)}")
    reasons = frozenset(supplier_reasons) if supplier_reasons is not None else supplier_attributable_reasons(ref_dir)
    known_reasons = set(load_return_reasons(ref_dir)) if supplier_reasons is None else None

    quoted = Decimal(str(quoted_landed_cost_per_unit))
    actual = Decimal(str(actual_landed_cost_per_unit))
    fee = Decimal(str(return_fee_per_unit))
    quoted_cogs = _cents(quoted * units_sold)
    actual_cogs = _cents(actual * units_sold)

    planned = _cents(gross_revenue) - quoted_cogs - _cents(marketplace_fees)
    overrun = -(actual_cogs - quoted_cogs)

    sup_refunds = sup_unsellable_units = Decimal("0")
    non_sup = Decimal("0")
    for row in returns:
        reason = str(row["reason"]).strip().lower()
        if known_reasons is not None and reason not in known_reasons:
            raise ValueError(f"return reason {reason!r} is not in return_reasons.csv")
        qty = int(row["quantity"])  # type: ignore[arg-type]
        refund = _cents(float(row.get("refund_amount") or 0.0))  # type: ignore[arg-type]
        unsellable = qty if str(row.get("disposition") or "").strip().lower() == "unsellable" else 0
        cost = refund + _cents(fee * qty)
        if reason in reasons:
            sup_refunds += cost
            sup_unsellable_units += unsellable
        else:
            non_sup += cost + _cents(actual * unsellable)

    write_offs = -(_cents(actual * sup_unsellable_units) + _cents(quality_costs.get(WRITE_OFF_KIND, 0.0)))
    steps: list[tuple[str, Decimal]] = [
        ("planned_contribution", planned),
        ("landed_cost_overrun", overrun),
        ("refunds_and_return_fees", -sup_refunds),
        ("unsellable_write_offs", write_offs),
    ]
    steps += [(kind, -_cents(quality_costs.get(kind, 0.0))) for kind in QUALITY_COST_KINDS]
    realised = sum((amount for _, amount in steps), Decimal("0"))

    # Independent recomputation from the inputs, so the check can fail if a step is mis-signed or dropped.
    direct = (_cents(gross_revenue) - actual_cogs - _cents(marketplace_fees) - sup_refunds
              - _cents(actual * sup_unsellable_units)
              - sum((_cents(v) for v in quality_costs.values()), Decimal("0")))
    steps.append(("realised_contribution", realised))
    return LeakageWaterfall(
        steps=[(name, float(amount)) for name, amount in steps],
        non_supplier_returns=float(non_sup),
        is_balanced=(realised == direct),
    )


# ---------------------------------------------------------------------------------------------------------------
# Bootstrap intervals (trader vs factory)
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeanInterval:
    """A mean with its percentile-bootstrap interval."""

    mean: float
    low: float
    high: float
    n: int
    ci: float


def _clean(values: Iterable[float]) -> np.ndarray:
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    return arr[~np.isnan(arr)]


def bootstrap_mean_ci(
    values: Iterable[float], n_boot: int = 2000, ci: float = 0.9, random_state: int | None = 0
) -> MeanInterval:
    """Percentile-bootstrap interval for the mean (NaN/None dropped); reproducible for a given random_state."""
    arr = _clean(values)
    if arr.size == 0:
        raise ValueError("no values")
    if not 0 < ci < 1:
        raise ValueError("ci must be in (0, 1)")
    rng = np.random.default_rng(random_state)
    means = arr[rng.integers(0, arr.size, size=(n_boot, arr.size))].mean(axis=1)
    alpha = (1 - ci) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return MeanInterval(float(arr.mean()), float(low), float(high), int(arr.size), ci)


@dataclass(frozen=True)
class GroupComparison:
    """Difference of means (a - b) with a bootstrap interval, plus each group's own interval."""

    difference: float
    low: float
    high: float
    a: MeanInterval
    b: MeanInterval

    @property
    def excludes_zero(self) -> bool:
        """True when the interval for the difference does not contain 0."""
        return self.low > 0 or self.high < 0


def compare_groups(
    a: Iterable[float], b: Iterable[float], n_boot: int = 2000, ci: float = 0.9, random_state: int | None = 0
) -> GroupComparison:
    """Bootstrap the difference of means a - b (each group resampled independently), e.g. trader vs factory."""
    arr_a, arr_b = _clean(a), _clean(b)
    if arr_a.size == 0 or arr_b.size == 0:
        raise ValueError("both groups need values")
    rng = np.random.default_rng(random_state)
    means_a = arr_a[rng.integers(0, arr_a.size, size=(n_boot, arr_a.size))].mean(axis=1)
    means_b = arr_b[rng.integers(0, arr_b.size, size=(n_boot, arr_b.size))].mean(axis=1)
    alpha = (1 - ci) / 2
    low, high = np.quantile(means_a - means_b, [alpha, 1 - alpha])
    return GroupComparison(
        difference=float(arr_a.mean() - arr_b.mean()),
        low=float(low),
        high=float(high),
        a=bootstrap_mean_ci(arr_a, n_boot, ci, random_state),
        b=bootstrap_mean_ci(arr_b, n_boot, ci, random_state),
    )


__all__ = [
    "REFERENCE_DIR", "INCOTERMS", "BUYER_COST_FLAGS", "QUALITY_COST_KINDS",
    "DutyRow", "MpfRow", "HmfRow", "MarketplaceFee", "IncotermRule", "ReturnReason",
    "DutyComponent", "DutyRate", "LandedCost", "DutyCheck", "LeakageWaterfall", "MeanInterval", "GroupComparison",
    "normalise_hs", "round_money",
    "load_duty_rates", "load_mpf", "load_hmf", "load_marketplace_fees", "load_incoterms", "load_return_reasons",
    "supplier_attributable_reasons", "incoterm_rule", "buyer_costs", "dutiable_value", "duty_rate", "duty_amount",
    "mpf_row", "mpf", "hmf", "landed_cost_per_unit", "compare_duty", "marketplace_fee_amount", "leakage_waterfall",
    "bootstrap_mean_ci", "compare_groups",
]
