"""Landed-cost rules: Incoterms, US dutiable value, stacked duties, MPF/HMF, landed cost per unit, leakage waterfall.

Every regulatory or commercial constant (duty rates, MPF/HMF, marketplace fees, Incoterm splits, return-reason
attribution) is read from the dated, sourced CSV tables in `data/reference/` (see its README); none is written here.
Every loader takes an optional `ref_dir` so tests can point at their own tables. Money is rounded to cents
(half up) at the points documented in `docs/landed-cost.md`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "data" / "reference"

INCOTERMS = ("EXW", "FCA", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP")
BUYER_COST_FLAGS = (
    "export_clearance",
    "main_freight",
    "insurance",
    "import_duty",
    "destination_delivery",
)
ANY = "*"


# ---------------------------------------------------------------------------------------------------------------
# Reference-table rows
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DutyRow:
    """One row of duty_rates.csv (the columns after `effective_to` are optional in the file; defaults below)."""

    hs_code: str
    origin_country: str
    duty_type: str
    rate_pct: float
    effective_from: date
    effective_to: date | None
    source: str
    notes: str
    ch99_heading: str = ""  # HTS chapter 99 heading the line is reported under (9903.88.03, 9903.03.01 ...)
    basis: str = "value"  # value, steel_content or aluminium_content (Section 232 derivatives)
    not_stacked_on: str = ""  # a duty type whose part of the value this duty is not charged on (section_232)
    loaded_before: date | None = None  # applies only to goods loaded (shipped) before this date (in-transit rules)
    requires_claim: str = ""  # applies only to products claiming this heading (products.duty_claims)
    status: str = "verified"  # verified, or unverified: not confirmed in an official source (see notes)

    @property
    def hs_digits(self) -> str:
        """The HS prefix as bare digits ('' for the wildcard `*`)."""
        return normalise_hs(self.hs_code)

    def is_effective(self, on: date) -> bool:
        """True when `on` falls inside [effective_from, effective_to] (inclusive; open end when empty)."""
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True)
class MpfRow:
    """One fiscal year and entry type of us_mpf.csv."""

    fiscal_year: int
    effective_from: date
    effective_to: date | None
    rate_pct: float
    min_usd: float
    max_usd: float
    source: str
    entry_type: str = "formal"  # formal (class code 499) or informal (class code 311, flat fee)
    max_entry_value_usd: float | None = None  # informal rows: the largest entered value they apply to
    status: str = "verified"


@dataclass(frozen=True)
class HmfRow:
    """One row of us_hmf.csv."""

    mode: str
    rate_pct: float
    effective_from: date
    effective_to: date | None
    source: str
    status: str = "verified"


@dataclass(frozen=True)
class DeMinimisRow:
    """One row of us_de_minimis.csv: the duty-free threshold per entry for an origin (0 = suspended)."""

    origin_country: str
    threshold_usd: float
    effective_from: date
    effective_to: date | None
    source: str
    status: str = "verified"


@dataclass(frozen=True)
class RenumberingRow:
    """One row of hts_renumbering.csv: a code a tariff revision created and the code its goods had before."""

    hs_code: str  # the successor code (or prefix), as a product master holds it today
    predecessor: str  # the code (or prefix) the same goods were entered under before `effective_from`
    effective_from: date  # the first entry date of the successor code
    source: str
    status: str = "verified"

    @property
    def digits(self) -> str:
        return normalise_hs(self.hs_code)

    @property
    def predecessor_digits(self) -> str:
        return normalise_hs(self.predecessor)


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
        rows, widths = [], []
        for r in reader:
            if None in r or None in r.values():  # more or fewer fields than the header: an unquoted comma
                widths.append(reader.line_num)
            elif any((v or "").strip() for v in r.values()):
                rows.append(r)
    if widths:
        raise ValueError(f"{path}: lines {widths} do not have the header's {len(reader.fieldnames or [])} fields "
                         "(a comma inside a value needs the value in double quotes)")
    if "source" in required:
        unsourced = [i + 2 for i, r in enumerate(rows) if not (r.get("source") or "").strip()]
        if unsourced:
            raise ValueError(f"{path}: rows without a source on lines {unsourced}")
    return rows


def _dir(ref_dir: str | Path | None) -> str:
    return str(Path(ref_dir) if ref_dir is not None else REFERENCE_DIR)


@lru_cache(maxsize=8)
def _load_cost_kinds(ref_dir: str) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    rows = _rows(ref_dir, "cost_kinds.csv", ("kind", "is_quality", "waterfall_order", "rationale"))
    kinds = tuple(r["kind"].strip() for r in rows)
    quality = [r for r in rows if _bool(r["is_quality"])]
    write_off = [k for k, r in zip(kinds, rows) if not _bool(r["is_quality"])]
    orders = sorted(int(r["waterfall_order"]) for r in quality)
    if len(write_off) != 1 or orders != list(range(1, len(quality) + 1)):
        raise ValueError(f"{ref_dir}/cost_kinds.csv: needs one kind with is_quality = false (the write-off) and the "
                         f"quality kinds' waterfall_order 1..n, got {write_off} and {orders}")
    by_order = tuple(r["kind"].strip() for r in sorted(quality, key=lambda r: int(r["waterfall_order"])))
    return kinds, by_order, write_off[0]


def load_cost_kinds(ref_dir: str | Path | None = None) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """cost_kinds.csv, the one list of the kinds of quality cost: (every kind in file order, the quality kinds in
    waterfall order, the write-off kind). The SQL marts read the same file as reference.cost_kinds."""
    return _load_cost_kinds(_dir(ref_dir))


# The contract's quality_costs.kind values; the quality kinds are each a waterfall step, the write-off kind joins
# the write-off step.
COST_KINDS, QUALITY_COST_KINDS, WRITE_OFF_KIND = load_cost_kinds()


STATUSES = ("verified", "unverified")
CONTENT_BASES = ("steel_content", "aluminium_content")
# minimum_total: a duty that tops the line's general (MFN) rate up to its own rate, never below 0 (U.S. note 52's
# rates for the EU, TW, JP, KR and CH: 12.5% less a 6% MFN rate is 6.5%; an MFN rate of 12.5% or more adds nothing)
MINIMUM_TOTAL = "minimum_total"
DUTY_BASES = ("value", *CONTENT_BASES, MINIMUM_TOTAL)


def _opt(r: Mapping[str, str | None], name: str, default: str = "") -> str:
    return (r.get(name) or default).strip()


def _status(r: Mapping[str, str | None], path: str) -> str:
    status = _opt(r, "status", "verified").lower()
    if status not in STATUSES:
        raise ValueError(f"{path}: status must be one of {STATUSES}, got {status!r}")
    return status


@lru_cache(maxsize=8)
def _load_duty_rates(ref_dir: str) -> tuple[DutyRow, ...]:
    cols = ("hs_code", "origin_country", "duty_type", "rate_pct", "effective_from", "effective_to", "source", "notes")
    rows = []
    for line, r in enumerate(_rows(ref_dir, "duty_rates.csv", cols), start=2):
        basis = _opt(r, "basis", "value").lower()
        if basis not in DUTY_BASES:
            raise ValueError(f"duty_rates.csv: basis must be one of {DUTY_BASES}, got {basis!r}")
        rows.append(DutyRow(
            hs_code=r["hs_code"].strip(),
            origin_country=r["origin_country"].strip().upper(),
            duty_type=r["duty_type"].strip().lower(),
            rate_pct=_rate(r["rate_pct"], f"duty_rates.csv line {line}"),
            effective_from=_date(r["effective_from"]),
            effective_to=_opt_date(r["effective_to"]),
            source=r["source"].strip(),
            notes=(r["notes"] or "").strip(),
            ch99_heading=_opt(r, "ch99_heading"),
            basis=basis,
            not_stacked_on=_opt(r, "not_stacked_on").lower(),
            loaded_before=_opt_date(r.get("loaded_before")),
            requires_claim=_opt(r, "requires_claim"),
            status=_status(r, "duty_rates.csv"),
        ))
    rows_t = tuple(rows)
    _check_no_overlap(rows_t)
    return rows_t


def _rate(text: str, table: str) -> float:
    """A percentage with at most 4 decimals (0.3464, 17.6): the integer arithmetic below is exact on it."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{table}: rate {text!r} is not a number (a percentage, e.g. 25 or 3.9)") from None
    if abs(value * 10_000 - round(value * 10_000)) > 1e-6 or value < 0:
        raise ValueError(f"{table}: rate {text!r} must be >= 0 with at most 4 decimals")
    return value


def _check_no_overlap(rows: Sequence[DutyRow]) -> None:
    """Two rows for the same HS prefix, origin, duty type and condition must not be in force on the same day."""
    by_key: dict[tuple, list[DutyRow]] = {}
    for row in rows:
        key = (row.hs_digits, row.origin_country, row.duty_type, row.loaded_before, row.requires_claim)
        by_key.setdefault(key, []).append(row)
    for key, group in by_key.items():
        group = sorted(group, key=lambda r: r.effective_from)
        for prev, nxt in zip(group, group[1:]):
            if prev.effective_to is None or prev.effective_to >= nxt.effective_from:
                raise ValueError(f"duty_rates.csv: overlapping rows for {key[:3]}: {prev.effective_from} and "
                                 f"{nxt.effective_from}")


def load_duty_rates(ref_dir: str | Path | None = None) -> tuple[DutyRow, ...]:
    """All rows of duty_rates.csv (cached per directory); raises on overlapping date ranges or missing sources."""
    return _load_duty_rates(_dir(ref_dir))


@lru_cache(maxsize=8)
def _load_mpf(ref_dir: str) -> tuple[MpfRow, ...]:
    cols = ("fiscal_year", "effective_from", "effective_to", "rate_pct", "min_usd", "max_usd", "source")
    rows = []
    for r in _rows(ref_dir, "us_mpf.csv", cols):
        entry_type = _opt(r, "entry_type", "formal").lower()
        if entry_type not in ("formal", "informal"):
            raise ValueError(f"us_mpf.csv: entry_type must be formal or informal, got {entry_type!r}")
        max_value = _opt(r, "max_entry_value_usd")
        if entry_type == "informal" and not max_value:
            raise ValueError("us_mpf.csv: an informal row needs max_entry_value_usd")
        rows.append(MpfRow(
            fiscal_year=int(r["fiscal_year"]),
            effective_from=_date(r["effective_from"]),
            effective_to=_opt_date(r["effective_to"]),
            rate_pct=_rate(r["rate_pct"], "us_mpf.csv"),
            min_usd=float(r["min_usd"]),
            max_usd=float(r["max_usd"]),
            source=r["source"].strip(),
            entry_type=entry_type,
            max_entry_value_usd=float(max_value) if max_value else None,
            status=_status(r, "us_mpf.csv"),
        ))
    return tuple(rows)


def load_mpf(ref_dir: str | Path | None = None) -> tuple[MpfRow, ...]:
    """All fiscal-year rows of us_mpf.csv (cached per directory)."""
    return _load_mpf(_dir(ref_dir))


@lru_cache(maxsize=8)
def _load_hmf(ref_dir: str) -> tuple[HmfRow, ...]:
    cols = ("mode", "rate_pct", "effective_from", "effective_to", "source")
    return tuple(
        HmfRow(
            mode=r["mode"].strip().lower(),
            rate_pct=_rate(r["rate_pct"], "us_hmf.csv"),
            effective_from=_date(r["effective_from"]),
            effective_to=_opt_date(r["effective_to"]),
            source=r["source"].strip(),
            status=_status(r, "us_hmf.csv"),
        )
        for r in _rows(ref_dir, "us_hmf.csv", cols)
    )


def load_hmf(ref_dir: str | Path | None = None) -> tuple[HmfRow, ...]:
    """All rows of us_hmf.csv (cached per directory)."""
    return _load_hmf(_dir(ref_dir))


@lru_cache(maxsize=8)
def _load_de_minimis(ref_dir: str) -> tuple[DeMinimisRow, ...]:
    if not (Path(ref_dir) / "us_de_minimis.csv").exists():
        return ()  # a reference folder without the table: no de minimis anywhere (everything is entered)
    cols = ("origin_country", "threshold_usd", "effective_from", "effective_to", "source")
    return tuple(
        DeMinimisRow(
            origin_country=r["origin_country"].strip().upper(),
            threshold_usd=float(r["threshold_usd"]),
            effective_from=_date(r["effective_from"]),
            effective_to=_opt_date(r["effective_to"]),
            source=r["source"].strip(),
            status=_status(r, "us_de_minimis.csv"),
        )
        for r in _rows(ref_dir, "us_de_minimis.csv", cols)
    )


def load_de_minimis(ref_dir: str | Path | None = None) -> tuple[DeMinimisRow, ...]:
    """All rows of us_de_minimis.csv (cached per directory); empty when the folder has no such table."""
    return _load_de_minimis(_dir(ref_dir))


@lru_cache(maxsize=8)
def _load_hts_renumbering(ref_dir: str) -> tuple[RenumberingRow, ...]:
    if not (Path(ref_dir) / "hts_renumbering.csv").exists():
        return ()  # a reference folder without the table: every code is read as it is written
    cols = ("hs_code", "predecessor", "effective_from", "source")
    rows = tuple(
        RenumberingRow(hs_code=r["hs_code"].strip(), predecessor=r["predecessor"].strip(),
                       effective_from=_date(r["effective_from"]), source=r["source"].strip(),
                       status=_status(r, "hts_renumbering.csv"))
        for r in _rows(ref_dir, "hts_renumbering.csv", cols)
    )
    seen: dict[tuple[str, date], str] = {}
    for row in rows:
        # 8 or 10 digits with the HTS's dots: a one-dot prefix (9405.42) would be a number to the build's CSV reader
        codes = (row.hs_code, row.predecessor)
        if any(len(normalise_hs(code)) not in (8, 10) or code.count(".") < 2 for code in codes):
            raise ValueError(f"hts_renumbering.csv: {row.hs_code!r} -> {row.predecessor!r}: write both as the HTS "
                             "does, 8 or 10 digits with their dots (9405.42.84)")
        key = (row.digits, row.effective_from)
        if key in seen:
            raise ValueError(f"hts_renumbering.csv: two predecessors for {row.hs_code} from {row.effective_from}: "
                             f"{seen[key]} and {row.predecessor}")
        seen[key] = row.predecessor
    return rows


@dataclass(frozen=True)
class ListedDuty:
    """One row of listed_duties.csv: a duty that names HS codes one by one for goods of an origin, so that every code
    of that origin entered in the span needs a row of the duty type in duty_rates.csv (0% when on none of its
    lists): without one the table cannot tell "not listed" from "not written down", and the duty is unknown."""

    duty_type: str
    origin_country: str
    effective_from: date
    effective_to: date | None
    source: str
    status: str = "verified"


@lru_cache(maxsize=8)
def _load_listed_duties(ref_dir: str) -> tuple[ListedDuty, ...]:
    if not (Path(ref_dir) / "listed_duties.csv").exists():
        return ()  # a reference folder without the table: no duty type is required of a code
    cols = ("duty_type", "origin_country", "effective_from", "effective_to", "source")
    return tuple(
        ListedDuty(duty_type=r["duty_type"].strip().lower(), origin_country=r["origin_country"].strip().upper(),
                   effective_from=_date(r["effective_from"]), effective_to=_opt_date(r["effective_to"]),
                   source=r["source"].strip(), status=_status(r, "listed_duties.csv"))
        for r in _rows(ref_dir, "listed_duties.csv", cols)
    )


def load_listed_duties(ref_dir: str | Path | None = None) -> tuple[ListedDuty, ...]:
    """All rows of listed_duties.csv (cached per directory); empty when the folder has no such table."""
    return _load_listed_duties(_dir(ref_dir))


def load_hts_renumbering(ref_dir: str | Path | None = None) -> tuple[RenumberingRow, ...]:
    """All rows of hts_renumbering.csv (cached per directory); empty when the folder has no such table."""
    return _load_hts_renumbering(_dir(ref_dir))


def codes_in_force(digits, entry_on, ref_dir: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each line's HS digits as the tariff in force on its entry date knew them, and whether that rests on an
    unverified renumbering row.

    A product master holds today's code; a code a revision created (HTS 2022's 9405.42.84) did not exist before
    the revision, and an earlier entry of the same goods was made, and is dutied, under its predecessor
    (9405.40.84). The renumberings are applied newest first, so a chain of revisions reaches the code of the
    entry's date; the digits after the renumbered prefix (a statistical suffix) are kept. A line without a date
    keeps its code.
    """
    codes = pd.Series(np.asarray(digits, dtype=object)).fillna("").astype(str)
    entry = _days(entry_on)
    unverified = np.zeros(len(codes), dtype=bool)
    for row in sorted(load_hts_renumbering(ref_dir), key=lambda r: r.effective_from, reverse=True):
        hit = (codes.str.startswith(row.digits) & (entry < np.datetime64(row.effective_from, "D"))).to_numpy()
        if hit.any():
            codes[hit] = row.predecessor_digits + codes[hit].str[len(row.digits):]
            unverified |= hit & (row.status != "verified")
    return codes.to_numpy(dtype=object), unverified


# The tables whose rows change with the law; each has a "verified through" date in verified_through.csv.
DATED_TABLES = ("duty_rates", "us_mpf", "us_hmf", "us_de_minimis")


@lru_cache(maxsize=8)
def _load_verified_through(ref_dir: str) -> dict[str, date]:
    if not (Path(ref_dir) / "verified_through.csv").exists():
        return {}
    rows = _rows(ref_dir, "verified_through.csv", ("table_name", "verified_through", "source"))
    return {r["table_name"].strip(): _date(r["verified_through"]) for r in rows}


def verified_through(ref_dir: str | Path | None = None) -> dict[str, date]:
    """Per dated table, the last entry date its rows were checked against sources (verified_through.csv).

    An entry after it is still costed (with the rows as written, the latest carried forward) and flagged
    estimated. A folder without the file (a test's own tables) has no date: nothing is flagged.
    """
    return dict(_load_verified_through(_dir(ref_dir)))


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


def incoterm_flags(terms, ref_dir: str | Path | None = None) -> pd.DataFrame:
    """Each row's Incoterms 2020 flags (incoterms.csv), vectorised by a merge on the code; KeyError if unknown."""
    rules = load_incoterms(ref_dir)
    table = pd.DataFrame([{"incoterm": code, **{f: getattr(rule, f) for f in (*(f"buyer_pays_{c}" for c in
                                                                                  BUYER_COST_FLAGS),
                                                                                "invoice_includes_freight",
                                                                                "invoice_includes_insurance")}}
                          for code, rule in rules.items()])
    codes = pd.Series(terms, dtype=object).fillna("").astype(str).str.strip().str.upper()
    unknown = sorted(set(codes.unique()) - set(table["incoterm"]))
    if unknown:
        raise KeyError(f"unknown Incoterm(s) {unknown}; known: {sorted(rules)}")
    return pd.DataFrame({"incoterm": codes}).merge(table, on="incoterm", how="left")


def dutiable_values(
    goods_cents, incoterms, invoice_freight_cents=0, invoice_insurance_cents=0, assist_cents=0, other_cents=0,
    ref_dir: str | Path | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """US transaction value per line, in cents (vectorised): the price less the freight and insurance it contains
    and any other non-dutiable part (DDP duty and fees), plus assists (19 U.S.C. 1401a(b)(1)(C), (h)).

    The US appraises on an FOB-type basis (19 U.S.C. 1401a(b)(4)): freight and insurance from the foreign port are
    excluded even when a price contains them: freight in C- and D-terms, insurance in CIF/CIP/DAP/DPU/DDP (the terms
    where the seller bears insurance, incoterms.csv). Returns (value, NaN where refused; the reason, else None): a
    freight part on a term whose price cannot contain it, insurance where the buyer insures, or deductions above
    the price.
    """
    goods = np.asarray(goods_cents, dtype=np.int64)
    n = len(goods)
    flags = incoterm_flags(incoterms, ref_dir)

    def col(values) -> np.ndarray:
        return np.broadcast_to(np.asarray(values, dtype=np.int64), (n,))

    freight, insurance, assist, other = (col(v) for v in (invoice_freight_cents, invoice_insurance_cents,
                                                          assist_cents, other_cents))
    if (freight < 0).any() or (insurance < 0).any() or (assist < 0).any() or (other < 0).any() or (goods < 0).any():
        raise ValueError("amounts must be >= 0")
    value = goods - freight - insurance - other + assist
    bad_freight = (freight > 0) & ~flags["invoice_includes_freight"].to_numpy(dtype=bool)
    # Insurance can be in the price only where the seller bears it (buyer_pays_insurance false): CIF/CIP, where it
    # is an invoice line, and D-terms, where the seller may insure its own transit risk. Under E/F terms, CFR and
    # CPT the buyer insures, so the invoice cannot hold insurance even though CFR/CPT hold freight.
    bad_insurance = (insurance > 0) & flags["buyer_pays_insurance"].to_numpy(dtype=bool)
    terms = flags["incoterm"].to_numpy(dtype=str)
    reason = np.select(
        [bad_freight, bad_insurance, value < 0],
        [np.char.add(np.char.add("a ", terms), " invoice does not include main freight; pay it separately"),
         np.char.add(np.char.add("a ", terms), " invoice does not include insurance; the buyer insures separately"),
         np.full(n, "deductions exceed the invoice value")], default="")
    refused = reason != ""
    return np.where(refused, np.nan, value.astype(float)), np.where(refused, reason, None)


def amortise_assists(lines: pd.DataFrame, assists: pd.DataFrame) -> np.ndarray:
    """Assist value per line in cents: each assist's cost spread over the first `units_declared` units shipped.

    `lines` has shipment_id, sku, supplier_id, entry_on, quantity; `assists` has sku, supplier_id, cost_cents,
    provided_on (may be missing) and units_declared. An assist reaches the lines of its SKU and supplier entered on
    or after provided_on, in entry order (then shipment id); a line carrying units u_a..u_b of the run gets
    V(u_b) - V(u_a) with V(u) = round_half_up(cost x min(u, units_declared) / units_declared), so the parts add up
    to the cost exactly once the declared units have shipped (19 U.S.C. 1401a(h); 19 CFR 152.103(e)).
    """
    n = len(lines)
    if n == 0 or assists.empty:
        return np.zeros(n, dtype=np.int64)
    left = pd.DataFrame({"line": np.arange(n), "shipment_id": lines["shipment_id"].to_numpy(),
                         "sku": lines["sku"].to_numpy(), "supplier_id": lines["supplier_id"].to_numpy(),
                         "entry_on": _days(lines["entry_on"]),
                         "quantity": np.asarray(lines["quantity"], dtype=np.int64)})
    right = pd.DataFrame({"assist": np.arange(len(assists)), "sku": assists["sku"].to_numpy(),
                          "supplier_id": assists["supplier_id"].to_numpy(),
                          "cost_cents": np.asarray(assists["cost_cents"], dtype=np.int64),
                          "provided_on": _days(assists["provided_on"]),
                          "units": np.asarray(assists["units_declared"], dtype=np.int64)})
    pairs = left.merge(right, on=["sku", "supplier_id"])
    pairs = pairs[pairs["provided_on"].isna() | (pairs["entry_on"] >= pairs["provided_on"])]
    if pairs.empty:
        return np.zeros(n, dtype=np.int64)
    pairs = pairs.sort_values(["assist", "entry_on", "shipment_id"], kind="stable")
    after = pairs.groupby("assist")["quantity"].cumsum().to_numpy()
    before = after - pairs["quantity"].to_numpy()
    units, cost = pairs["units"].to_numpy(), pairs["cost_cents"].to_numpy()

    def amortised(shipped: np.ndarray) -> np.ndarray:
        return _half_up_div(cost * np.minimum(shipped, units), units)

    value = amortised(after) - amortised(before)
    return np.bincount(pairs["line"].to_numpy(), weights=value, minlength=n).round().astype(np.int64)


# ---------------------------------------------------------------------------------------------------------------
# Duties, MPF, HMF: vectorised over frames of entry lines; the scalar functions below run the same code on one line
# ---------------------------------------------------------------------------------------------------------------

FAR_FUTURE = np.datetime64("9999-12-31", "D")
SECTION_232 = "section_232"
IEEPA_PREFIX = "ieepa_"


@dataclass(frozen=True)
class DutyComponent:
    """One stacked duty line: its type, rate, what part of the value it is charged on and the row it came from."""

    duty_type: str
    rate_pct: float
    hs_prefix: str
    origin_country: str
    source: str
    notes: str
    ch99_heading: str = ""
    basis: str = "value"
    not_stacked_on: str = ""
    status: str = "verified"


@dataclass(frozen=True)
class DutyRate:
    """All duty components for an entry and their sum in percent of the dutiable value."""

    hs_code: str
    origin_country: str
    entry_date: date
    components: tuple[DutyComponent, ...]
    missing: tuple[str, ...] = ()  # listed duties (listed_duties.csv) the code and origin have no row of

    @property
    def total_pct(self) -> float:
        """Sum of the component rates, percent (rounded to 6 places to drop float noise).

        This is the stack's headline figure; the duty itself can be lower where a component is charged on part of
        the value only (Section 232 on metal content, and the duties not stacked on it): `duty_amount` applies that.
        A minimum-total component counts what it adds to the MFN rate.
        """
        mfn = sum(c.rate_pct for c in self.components if c.duty_type == "mfn")
        return round(sum(max(c.rate_pct - mfn, 0.0) if c.basis == MINIMUM_TOTAL else c.rate_pct
                         for c in self.components), 6)

    @property
    def has_mfn(self) -> bool:
        """Whether an MFN (column 1 general) rate was found; without it the total is incomplete."""
        return any(c.duty_type == "mfn" for c in self.components)

    @property
    def is_known(self) -> bool:
        """Whether the stack is complete: an MFN rate, and a row of every listed duty in force for the origin."""
        return self.has_mfn and not self.missing

    @property
    def unknown_reason(self) -> str:
        """Why the stack is incomplete, for a message ('' when it is complete)."""
        if not self.has_mfn:
            return f"no MFN row covers HS {self.hs_code} from {self.origin_country} on {self.entry_date}"
        if self.missing:
            return (f"no {' or '.join(self.missing)} row for HS {self.hs_code} from {self.origin_country} "
                    "(listed_duties.csv: such a duty names codes one by one, so a code needs its row, 0% when it is "
                    "on none of the lists)")
        return ""


def _days(values) -> np.ndarray:
    """Dates (date objects, strings, Timestamps, None) as numpy datetime64[D]; missing -> NaT."""
    if isinstance(values, (pd.Series, pd.Index, np.ndarray)) and isinstance(values.dtype, np.dtype) \
            and values.dtype.kind == "M":  # already datetimes: no parsing per value
        return np.asarray(values).astype("datetime64[D]")
    return pd.to_datetime(pd.Series(values, dtype=object), errors="raise").to_numpy().astype("datetime64[D]")


def _validity(rows: Sequence) -> dict[str, np.ndarray]:
    """valid_from / valid_to columns of dated reference rows (an open end becomes the far future)."""
    to = pd.Series(_days([r.effective_to for r in rows]), dtype="datetime64[s]").fillna(FAR_FUTURE)
    return {"valid_from": _days([r.effective_from for r in rows]), "valid_to": to.to_numpy()}


def _half_up_div(numerator: np.ndarray, divisor: int) -> np.ndarray:
    """Integer division rounded half up (non-negative numerators): exact cents from integer products."""
    return (numerator + divisor // 2) // divisor


def _rate_e4(rate_pct) -> np.ndarray:
    """Percent rates as integers in 1/10,000 of a percent (17.6 -> 176,000; 0.3464 -> 3,464)."""
    return np.round(np.asarray(rate_pct, dtype=float) * 10_000).astype(np.int64)


def percent_of_cents(cents, rate_pct) -> np.ndarray:
    """round_half_up(cents x rate / 100) in exact integer arithmetic (rates have at most 4 decimals). A product past
    int64 (a line of about $37 billion at 25%) is worked in Python integers, never wrapped round to a negative duty."""
    cents, rate = np.asarray(cents, dtype=np.int64), _rate_e4(rate_pct)
    if cents.size and rate.size and int(np.abs(cents).max()) * int(np.abs(rate).max()) >= 2**62:
        return np.asarray(_half_up_div(cents.astype(object) * rate.astype(object), 1_000_000), dtype=np.int64)
    return _half_up_div(cents * rate, 1_000_000)


@lru_cache(maxsize=8)
def _duty_frame(ref_dir: str) -> pd.DataFrame:
    rows = _load_duty_rates(ref_dir)
    frame = pd.DataFrame({
        "prefix": [r.hs_digits for r in rows],
        "hs_prefix": [r.hs_code for r in rows],
        "row_origin": [r.origin_country for r in rows],
        "duty_type": [r.duty_type for r in rows],
        "rate_pct": [r.rate_pct for r in rows],
        **_validity(rows),
        "loaded_before": _days([r.loaded_before for r in rows]),
        "requires_claim": [r.requires_claim for r in rows],
        "ch99_heading": [r.ch99_heading for r in rows],
        "basis": [r.basis for r in rows],
        "not_stacked_on": [r.not_stacked_on for r in rows],
        "status": [r.status for r in rows],
        "source": [r.source for r in rows],
        "notes": [r.notes for r in rows],
    })
    return frame


def duty_components(lines: pd.DataFrame, ref_dir: str | Path | None = None) -> pd.DataFrame:
    """The duty rows in force for each line: one row per line and duty type (vectorised over `lines`).

    `lines` has `hs_code`, `origin_country`, `entry_on` and optionally `loaded_on` (date the goods were loaded,
    for in-transit rules) and `duty_claims` (chapter 99 headings the product claims, e.g. '9903.88.69'). Per duty
    type the row that matches and ranks first wins: a row whose condition (loaded_before / requires_claim) holds
    beats an unconditional one, then the longest HS prefix, then the exact origin over '*'. The result's `line`
    is the position of the line in `lines`; lines without an `mfn` component are simply absent from `mfn` rows.
    """
    return _match_duty_rows(lines, _dir(ref_dir))[0]


def duty_rows_missing(lines: pd.DataFrame, ref_dir: str | Path | None = None) -> np.ndarray:
    """Per line of `lines` (as `duty_components` takes them), the listed duties (listed_duties.csv) its HS code and
    origin have no row of at any date, joined by ', ' ('section_301'); None when none is missing. Such a line's
    duty is unknown, as it is without an MFN row: the table cannot tell "on none of the lists" from "not written"."""
    return _match_duty_rows(lines, _dir(ref_dir))[1]


def _match_duty_rows(lines: pd.DataFrame, ref: str) -> tuple[pd.DataFrame, np.ndarray]:
    """`duty_components` and `duty_rows_missing` of `lines`, from one matching of the codes against the table."""
    rates = _duty_frame(ref)
    n = len(lines)
    # The code of the entry's date: a product's code from a later tariff revision reads as its predecessor.
    digits, renumbered_unverified = codes_in_force(
        lines["hs_code"].fillna("").astype(str).str.replace(r"\D", "", regex=True).to_numpy(), lines["entry_on"], ref)
    work = pd.DataFrame({
        "line": np.arange(n),
        "digits": digits,
        "origin": lines["origin_country"].fillna("").astype(str).str.strip().str.upper().to_numpy(),
        "entry": _days(lines["entry_on"]),
        "loaded": _days(lines["loaded_on"]) if "loaded_on" in lines else np.full(n, np.datetime64("NaT"), "M8[D]"),
        "claims": (lines["duty_claims"].fillna("").astype(str).to_numpy() if "duty_claims" in lines
                   else np.full(n, "", dtype=object)),
    })
    # What does not depend on the dates is matched once per product (HS digits, origin, claims), not per line:
    # every prefix of the code (0 .. its length, a fixed loop over at most 10 digit counts), the origin and claims.
    product_cols = ["digits", "origin", "claims"]
    products = work.drop_duplicates(product_cols)[product_cols].reset_index(drop=True)
    products["product"] = np.arange(len(products))
    lengths = products["digits"].str.len()
    prefixes = pd.concat([pd.DataFrame({"product": products.loc[lengths >= k, "product"],
                                        "prefix": products.loc[lengths >= k, "digits"].str[:k]})
                          for k in range(int(lengths.max()) + 1 if len(products) else 0)], ignore_index=True) \
        if len(products) else pd.DataFrame(columns=["product", "prefix"])
    rows = rates.assign(row=np.arange(len(rates)))
    fits = prefixes.merge(rows, on="prefix").merge(products, on="product")
    ok = (fits["row_origin"] == ANY) | (fits["row_origin"] == fits["origin"])
    needs_claim = fits["requires_claim"] != ""
    if needs_claim.any():
        pairs = products[["product", "claims"]].assign(claim=products["claims"].str.upper().str.split(r"[\s,;]+")) \
            .explode("claim")
        claimed_keys = set(pairs["product"].astype(str) + "|" + pairs["claim"].fillna(""))
        claimed = (fits["product"].astype(str) + "|" + fits["requires_claim"].str.upper()).isin(claimed_keys)
        ok &= ~needs_claim | claimed
    fits = fits[ok]
    # Then the dates, per distinct (product, entry date, loading date): the rows in force that day.
    work = work.merge(products, on=product_cols, how="left")
    missing = _listed_duties_missing(work, fits, ref)
    date_cols = ["product", "entry", "loaded"]
    keys = work.drop_duplicates(date_cols)[date_cols].reset_index(drop=True)
    keys["key"] = np.arange(len(keys))
    work = work.merge(keys, on=date_cols, how="left")
    pick = ["product", "row", "valid_from", "valid_to", "loaded_before", "requires_claim", "prefix", "row_origin",
            "duty_type"]
    cand = keys.merge(fits[pick], on="product")
    has_loaded = cand["loaded_before"].notna()
    in_force = (cand["valid_from"] <= cand["entry"]) & (cand["entry"] <= cand["valid_to"]) \
        & (~has_loaded | (cand["loaded"].notna() & (cand["loaded"] < cand["loaded_before"])))
    cand = cand[in_force]
    # Per line and duty type the first by rank: a row whose condition holds, the longest prefix, the exact origin,
    # then the table's order (a stable sort on integer codes).
    specific = (cand["loaded_before"].notna() | (cand["requires_claim"] != "")).to_numpy(dtype=np.int64)
    duty_code = pd.factorize(cand["duty_type"])[0]
    rank = np.lexsort((cand["row"].to_numpy(), -(cand["row_origin"] != ANY).to_numpy(dtype=np.int64),
                       -cand["prefix"].str.len().to_numpy(dtype=np.int64), -specific, duty_code,
                       cand["key"].to_numpy()))
    best = cand.iloc[rank].drop_duplicates(["key", "duty_type"])[["key", "row"]]
    cols = ["duty_type", "rate_pct", "hs_prefix", "row_origin", "ch99_heading", "basis", "not_stacked_on", "status",
            "source", "notes"]
    best = best.merge(rows[["row", *cols]], on="row")
    out = work[["line", "key"]].merge(best[["key", *cols]], on="key").drop(columns="key")
    # A rate reached through an unverified renumbering is no surer than the renumbering.
    out.loc[renumbered_unverified[out["line"].to_numpy()], "status"] = "unverified"
    out["is_mfn"] = out["duty_type"] != "mfn"  # sort key: MFN first, then by duty type
    return out.sort_values(["line", "is_mfn", "duty_type"], kind="stable").drop(columns="is_mfn") \
        .reset_index(drop=True), missing


def _listed_duties_missing(work: pd.DataFrame, fits: pd.DataFrame, ref: str) -> np.ndarray:
    """Per line of `work` (line, product, origin, entry), the listed duties in force for its origin on its entry date
    of which its product matches no row at any date (`fits`: the rows matching each product's code, origin and
    claims); joined by ', ', None when none is missing."""
    n = len(work)
    missing = np.full(n, None, dtype=object)
    listed = _load_listed_duties(ref)
    if not listed or not n:
        return missing
    spans = pd.DataFrame({"origin": [r.origin_country for r in listed], "duty_type": [r.duty_type for r in listed],
                          **_validity(listed)})
    need = work[["line", "product", "origin", "entry"]].merge(spans, on="origin")
    need = need[(need["valid_from"] <= need["entry"]) & (need["entry"] <= need["valid_to"])]
    has = fits[["product", "duty_type"]].drop_duplicates().assign(has=True)
    need = need.merge(has, on=["product", "duty_type"], how="left")
    need = need[need["has"].isna()].drop_duplicates(["line", "duty_type"]).sort_values(["line", "duty_type"])
    return join_by_group(need["line"].to_numpy(), need["duty_type"].to_numpy(dtype=object), n, ", ")


def duty_for_lines(lines: pd.DataFrame, ref_dir: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Duty per line in cents, each component rounded half up then summed (vectorised).

    `lines` is `duty_components`' input plus `dutiable_cents` (integer) and optionally `steel_content_pct` /
    `aluminium_content_pct` (percent of the value; NaN = not recorded). A component on metal content is charged
    on that share of the value, on the whole value when the share is not recorded (`content_assumed_full`); a
    component with `not_stacked_on = section_232` is charged only on the value not charged under Section 232 (a 0%
    Section 232 row, goods declared outside it, covers none). Returns (components with `base_cents` and
    `amount_cents`, one summary row per line in the order of `lines`).
    """
    comp, missing = _match_duty_rows(lines, _dir(ref_dir))
    comp, summary = price_components(comp, lines)
    summary["duty_rows_missing"] = missing
    summary["duty_known"] = summary["has_mfn"] & pd.isna(missing)
    return comp, summary


def effective_rates(lines: pd.DataFrame, ref_dir: str | Path | None = None) -> np.ndarray:
    """Each line's effective duty rate on its `entry_on` date, in percent of `dutiable_cents`: what a plan multiplies
    a unit's value by (`duty_for_lines`' effective_rate_pct). NaN for a line without an HS code, an MFN row or a
    listed duty's row (`duty_rows_missing`)."""
    rates = np.full(len(lines), np.nan)
    has_hs = lines["hs_code"].notna().to_numpy()
    if has_hs.any():
        _, summary = duty_for_lines(lines[has_hs].reset_index(drop=True), ref_dir)
        rates[has_hs] = summary["effective_rate_pct"].where(summary["duty_known"]).to_numpy()
    return rates


def _pct_texts(rates: np.ndarray) -> np.ndarray:
    """Rates as labels write them ('12.5', '10'), formatted once per distinct rate."""
    distinct, at = np.unique(rates, return_inverse=True)
    return np.array([f"{r:g}" for r in distinct], dtype=object)[at]


def entry_lines(products: pd.DataFrame, on: date, origin_col: str = "origin_country") -> pd.DataFrame:
    """`duty_components`' lines for products (hs_code, an origin column, optionally duty_claims) entered on `on`:
    the code and origin as written, trimmed (the origin in capitals), in the products' order."""
    return pd.DataFrame({
        "hs_code": products["hs_code"].astype(object).where(products["hs_code"].isna(),
                                                           products["hs_code"].astype(str).str.strip()).to_numpy(),
        "origin_country": products[origin_col].fillna("").astype(str).str.strip().str.upper().to_numpy(),
        "entry_on": [on] * len(products),
        "duty_claims": products.get("duty_claims", pd.Series("", index=products.index)).fillna("").to_numpy()})


def duty_rows_lacking(lines: pd.DataFrame, ref_dir: str | Path | None = None) -> np.ndarray:
    """Per line of `lines` (as `duty_components` takes them), the duty types the table lacks a row of to price it:
    '' when it can, else 'mfn' and / or the listed duties (`duty_rows_missing`), joined by ', ' ('mfn, section_301').
    The one rule for "the duty of this line is unknown" outside the priced frames (`duty_for_lines`' duty_known)."""
    comp, missing = _match_duty_rows(lines, _dir(ref_dir))
    has_mfn = np.zeros(len(lines), dtype=bool)
    has_mfn[comp.loc[comp["duty_type"] == "mfn", "line"].to_numpy(dtype=np.int64)] = True
    listed = pd.Series(missing, dtype=object).fillna("").to_numpy(dtype=object)
    return np.where(has_mfn, listed, np.where(listed != "", "mfn, " + listed, "mfn")).astype(object)


def duty_gaps(products: pd.DataFrame, on: date, ref_dir: str | Path | None = None) -> pd.DataFrame:
    """The codes the duty table cannot price on `on`, for a brand to fill in: one row per HS code and origin of
    `products` (sku, hs_code, origin_country and optionally duty_claims) whose stack lacks an MFN row or a listed
    duty's row (Section 301 for goods of China), with what is missing ('mfn', or the listed duty types), the SKUs
    and how many; most SKUs first. Products without an HS code are left out (nothing can price them)."""
    cols = ["hs_code", "origin_country", "missing", "sku_count", "skus"]
    coded = products[products["hs_code"].notna() & (products["hs_code"].astype(str).str.strip() != "")] \
        .reset_index(drop=True)
    if coded.empty:
        return pd.DataFrame(columns=cols)
    lines = entry_lines(coded, on)
    found = lines.assign(sku=coded["sku"].astype(str), missing=duty_rows_lacking(lines, ref_dir))
    found = found[found["missing"] != ""]
    if found.empty:
        return pd.DataFrame(columns=cols)
    out = found.groupby(["hs_code", "origin_country", "missing"], sort=True)["sku"] \
        .agg(sku_count="nunique", skus=lambda s: ", ".join(sorted(set(s)))).reset_index()
    return out.sort_values(["sku_count", "hs_code", "origin_country"], ascending=[False, True, True],
                           kind="stable")[cols].reset_index(drop=True)


DUTY_RATE_COLUMNS = ("hs_code", "origin_country", "duty_type", "rate_pct", "effective_from", "effective_to",
                     "ch99_heading", "basis", "not_stacked_on", "loaded_before", "requires_claim", "status", "source",
                     "notes")


def duty_rows_to_fill(gaps: pd.DataFrame, ref_dir: str | Path | None = None) -> pd.DataFrame:
    """The duty_rates.csv rows a brand fills in for `duty_gaps`' codes: one per code (its 8 digits, dotted) and
    missing duty type, MFN for every origin from the table's first MFN date, a listed duty for the origin from its
    first day; rate and source blank (a build refuses a blank one with its line), status unverified until checked."""
    ref = _dir(ref_dir)
    first = {"mfn": min(r.effective_from for r in _load_duty_rates(ref) if r.duty_type == "mfn").isoformat(),
             **{t.duty_type: t.effective_from.isoformat() for t in _load_listed_duties(ref)}}
    rows = []
    for gap in gaps.itertuples(index=False):
        digits = normalise_hs(gap.hs_code)[:8]
        code = f"{digits[:4]}.{digits[4:6]}.{digits[6:8]}"
        for duty_type in gap.missing.split(", "):
            rows.append({"hs_code": code, "origin_country": ANY if duty_type == "mfn" else gap.origin_country,
                         "duty_type": duty_type, "rate_pct": "", "effective_from": first[duty_type],
                         "effective_to": "", "ch99_heading": "", "basis": "value", "not_stacked_on": "",
                         "loaded_before": "", "requires_claim": "", "status": "unverified", "source": "",
                         "notes": f"for {gap.skus}: fill in the rate and its source"})
    # one row per code, origin and type (two origins lacking the same MFN row need it once)
    return pd.DataFrame(rows, columns=list(DUTY_RATE_COLUMNS)) \
        .drop_duplicates(["hs_code", "origin_country", "duty_type"]).reset_index(drop=True)


def price_components(comp: pd.DataFrame, lines: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The amounts of a stack of components (`duty_components`' rows, possibly changed by a what-if) on `lines`.

    See `duty_for_lines`; this is its second half, so a scenario's stack is priced by the same rule.
    """
    comp = comp.copy()
    n = len(lines)
    dutiable = np.asarray(lines["dutiable_cents"], dtype=np.int64)
    line = comp["line"].to_numpy()
    d = dutiable[line]

    def pct(col: str) -> np.ndarray:
        return (np.asarray(lines[col], dtype=float) if col in lines else np.full(n, np.nan))[line]

    share = np.where(comp["basis"] == "steel_content", pct("steel_content_pct"),
                     np.where(comp["basis"] == "aluminium_content", pct("aluminium_content_pct"), np.nan))
    on_content = comp["basis"].isin(CONTENT_BASES).to_numpy()
    recorded = ~np.isnan(share)
    content = np.where(on_content & recorded, percent_of_cents(d, np.nan_to_num(share)), d)
    base = np.minimum(content, d)
    # the part charged under another duty type: its rows' bases, a 0% row (goods declared outside it) charging none
    charging_rate = comp["rate_pct"].to_numpy(dtype=float) > 0
    for other in sorted(set(comp["not_stacked_on"].unique()) - {""}):
        covered = np.bincount(line, weights=np.where((comp["duty_type"] == other).to_numpy() & charging_rate, base, 0),
                              minlength=n)
        covered = np.minimum(covered.round().astype(np.int64)[line], d)
        base = np.where(comp["not_stacked_on"] == other, d - covered, base)
    comp["base_cents"] = base
    # the rate charged: the row's, or for a minimum total what it adds to the line's MFN rate
    charged = comp["rate_pct"].to_numpy(dtype=float)
    topped = (comp["basis"] == MINIMUM_TOTAL).to_numpy()
    if topped.any():
        is_mfn = (comp["duty_type"] == "mfn").to_numpy()
        mfn = np.bincount(line[is_mfn], weights=charged[is_mfn], minlength=n)
        charged = np.where(topped, np.round(np.maximum(charged - mfn[line], 0.0), 4), charged)
    comp["charged_pct"] = charged
    comp["amount_cents"] = percent_of_cents(base, charged)
    comp["content_assumed_full"] = on_content & ~recorded
    amounts = comp["amount_cents"].to_numpy()
    is_ieepa = comp["duty_type"].str.startswith(IEEPA_PREFIX).to_numpy()
    # Effective rate: sum of rate x base / dutiable, the rate a one-unit plan should use (6 decimals).
    weighted = charged * np.where(d > 0, base / np.maximum(d, 1), 1.0)
    label = comp["duty_type"] + " " + _pct_texts(charged) + "%" \
        + np.where(on_content & recorded, " of " + comp["basis"].str.replace("_", " "), "") \
        + np.where(comp["content_assumed_full"], " (content not recorded: full value)", "") \
        + np.where(topped, " (to a " + _pct_texts(comp["rate_pct"].to_numpy(dtype=float))
                   + "% minimum with the general rate)", "")
    unverified = (comp["status"] != "verified").to_numpy()
    # each row's chapter 99 number ('' when the table gives none)
    heading_text = (comp["ch99_heading"].fillna("").astype(str) if "ch99_heading" in comp
                    else pd.Series("", index=comp.index))
    # a row's label: duty type, HS prefix, origin and its chapter 99 number (rows of one type and origin differ by
    # their condition: the in-transit and claimed rows carry numbers of their own)
    unverified_label = (comp["duty_type"] + " " + comp["hs_prefix"] + " " + comp["row_origin"] + " "
                        + heading_text).str.rstrip()
    summary = pd.DataFrame(index=pd.RangeIndex(n))
    summary["duty_cents"] = np.bincount(line, weights=amounts, minlength=n).round().astype(np.int64)
    summary["ieepa_cents"] = np.bincount(line, weights=np.where(is_ieepa, amounts, 0), minlength=n).round() \
        .astype(np.int64)
    summary["effective_rate_pct"] = np.round(np.bincount(line, weights=weighted, minlength=n), 6)
    summary["stacked_rate_pct"] = np.round(np.bincount(line, weights=charged, minlength=n), 6)
    summary["has_mfn"] = np.bincount(line, weights=(comp["duty_type"] == "mfn"), minlength=n) > 0
    summary["content_assumed_full"] = np.bincount(line, weights=comp["content_assumed_full"], minlength=n) > 0
    summary["duty_components"] = join_by_group(line, label.to_numpy(dtype=object), n, " + ")
    # the chapter 99 numbers a broker reports on the line: those of every row in force, and those that charge duty
    heading = heading_text.to_numpy(dtype=object)
    numbered = heading != ""
    summary["chapter_99_applicable"] = join_by_group(line[numbered], heading[numbered], n, ", ")
    charging = numbered & (amounts > 0)
    summary["chapter_99_charged"] = join_by_group(line[charging], heading[charging], n, ", ")
    # duty types in force whose row has no number in the table: a number declared for them cannot be judged
    types = comp["duty_type"].to_numpy(dtype=object)
    summary["chapter_99_unnumbered"] = join_by_group(line[~numbered], types[~numbered], n, ", ")
    summary["unverified_rows"] = join_by_group(line[unverified], unverified_label.to_numpy(dtype=object)[unverified],
                                               n, "; ")
    return comp, summary


def join_by_group(groups, values, n: int, sep: str) -> np.ndarray:
    """Per group 0 .. n-1, its values joined by `sep` in row order; None for a group without values.

    Vectorised over the groups (a loop over the largest group's size, a handful of duty components or shipments),
    instead of a Python function called per group.
    """
    groups = np.asarray(groups, dtype=np.int64)
    values = np.asarray(values, dtype=object)
    out = np.full(n, None, dtype=object)
    if len(groups) == 0:
        return out
    order = np.argsort(groups, kind="stable")
    code, value = groups[order], values[order]
    starts = np.r_[0, np.flatnonzero(np.diff(code)) + 1]
    rank = np.arange(len(code)) - np.repeat(starts, np.diff(np.r_[starts, len(code)]))
    for r in range(int(rank.max()) + 1):
        at = rank == r
        out[code[at]] = value[at] if r == 0 else out[code[at]] + sep + value[at]
    return out


def duty_rate(
    hs_code: str, origin: str, entry_date: date, ref_dir: str | Path | None = None, require_known: bool = True,
    loaded_on: date | None = None, claims: str = "",
) -> DutyRate:
    """Stacked duty for one entry line (the frame rule of `duty_components` on one row).

    Raises LookupError when no MFN row matches or a listed duty in force has no row for the code (unless
    `require_known=False`), so an uncovered code never pays 0%.
    """
    normalise_hs(hs_code)  # raises on a code without digits
    origin_code = (origin or "").strip().upper()
    comp, missing = _match_duty_rows(pd.DataFrame({"hs_code": [hs_code], "origin_country": [origin_code],
                                                   "entry_on": [entry_date], "loaded_on": [loaded_on],
                                                   "duty_claims": [claims]}), _dir(ref_dir))
    components = tuple(
        DutyComponent(r.duty_type, float(r.rate_pct), r.hs_prefix, r.row_origin, r.source, r.notes, r.ch99_heading,
                      r.basis, r.not_stacked_on, r.status)
        for r in comp.itertuples(index=False)
    )
    result = DutyRate(hs_code, origin_code, entry_date, components,
                      tuple(missing[0].split(", ")) if missing[0] else ())
    if require_known and not result.is_known:
        raise LookupError(f"{result.unknown_reason}: add it to duty_rates.csv")
    return result


def duty_amount(
    dutiable: float, hs_code: str, origin: str, entry_date: date, ref_dir: str | Path | None = None,
    steel_content_pct: float | None = None, aluminium_content_pct: float | None = None,
    loaded_on: date | None = None, claims: str = "",
) -> float:
    """Duty in USD on one line: each component rounded to cents (half up), then summed (the frame rule)."""
    duty_rate(hs_code, origin, entry_date, ref_dir, loaded_on=loaded_on, claims=claims)  # LookupError if unknown
    from models.allocation import cents_array

    line = pd.DataFrame({"hs_code": [hs_code], "origin_country": [origin], "entry_on": [entry_date],
                         "loaded_on": [loaded_on], "duty_claims": [claims],
                         "dutiable_cents": cents_array([dutiable]),
                         "steel_content_pct": [np.nan if steel_content_pct is None else steel_content_pct],
                         "aluminium_content_pct": [np.nan if aluminium_content_pct is None else aluminium_content_pct]})
    _, summary = duty_for_lines(line, ref_dir)
    return int(summary["duty_cents"].iloc[0]) / 100


def _in_force(rows: Iterable, on: date):
    hits = [r for r in rows if r.effective_from <= on and (r.effective_to is None or on <= r.effective_to)]
    return hits


def _dated_lookup(table: pd.DataFrame, dates: np.ndarray, after: date | None) -> pd.DataFrame:
    """Row of `table` (valid_from/valid_to, one row in force per date) for each date; NaN where none is in force.

    A date after `after` (the table's verified-through date) that no row covers takes the latest row, carried
    forward (`carried_forward` True); a date before the table starts stays uncovered (unknown, never 0).
    """
    n = len(dates)
    out = pd.DataFrame({"pos": np.arange(n), "date": dates})
    if table.empty or n == 0:
        return out.assign(row=np.nan, carried_forward=False)
    cross = out.merge(table.reset_index(names="row")[["row", "valid_from", "valid_to"]], how="cross")
    hit = cross[(cross["valid_from"] <= cross["date"]) & (cross["date"] <= cross["valid_to"])]
    hit = hit.drop_duplicates("pos")
    out = out.merge(hit[["pos", "row"]], on="pos", how="left")
    out["carried_forward"] = False
    if after is not None:
        latest = table["valid_from"].idxmax()
        late = out["row"].isna() & (out["date"] > np.datetime64(after, "D"))
        out.loc[late, "row"] = latest
        out.loc[late, "carried_forward"] = True
    return out


def _mpf_frame(ref_dir: str) -> pd.DataFrame:
    rows = load_mpf(ref_dir)
    frame = pd.DataFrame({
        "fiscal_year": [r.fiscal_year for r in rows], "entry_type": [r.entry_type for r in rows], **_validity(rows),
        "rate_pct": [r.rate_pct for r in rows],
        "min_cents": [round(r.min_usd * 100) for r in rows], "max_cents": [round(r.max_usd * 100) for r in rows],
        "max_entry_cents": [np.nan if r.max_entry_value_usd is None else round(r.max_entry_value_usd * 100)
                            for r in rows],
        "status": [r.status for r in rows],
    })
    return frame


def _by_origin_lookup(table: pd.DataFrame, origins: np.ndarray, dates: np.ndarray, after: date | None) -> pd.DataFrame:
    """Per (origin, date): the exact-origin row in force, else the '*' row (carry-forward as `_dated_lookup`)."""
    results = []
    for origin_rows, label in ((table[table["origin"] != ANY], "exact"), (table[table["origin"] == ANY], "any")):
        found = pd.DataFrame({"pos": np.arange(len(dates)), "row": np.nan, "carried_forward": False})
        for origin, sub in origin_rows.groupby("origin"):  # a loop over the table's few origins, not over lines
            mask = (origins == origin) if label == "exact" else np.ones(len(dates), dtype=bool)
            if not mask.any():
                continue
            hit = _dated_lookup(sub, dates[mask], after)
            idx = np.flatnonzero(mask)
            found.loc[idx, "row"] = hit["row"].to_numpy()
            found.loc[idx, "carried_forward"] = hit["carried_forward"].to_numpy()
        results.append(found)
    exact, anyrow = results
    use_exact = exact["row"].notna()
    return exact.where(use_exact, anyrow)


def de_minimis_cents(origins, dates, ref_dir: str | Path | None = None) -> np.ndarray:
    """Duty-free de minimis threshold per line in cents (0 when suspended or when no row covers the date)."""
    rows = load_de_minimis(ref_dir)
    origins = pd.Series(origins).fillna("").astype(str).str.strip().str.upper().to_numpy()
    dates = _days(dates)
    if not rows:
        return np.zeros(len(dates), dtype=np.int64)
    table = pd.DataFrame({"origin": [r.origin_country for r in rows], **_validity(rows),
                          "threshold_cents": [round(r.threshold_usd * 100) for r in rows]})
    hit = _by_origin_lookup(table, origins, dates, verified_through(ref_dir).get("us_de_minimis"))
    rows_idx = hit["row"].to_numpy()
    found = ~np.isnan(rows_idx)
    out = np.zeros(len(dates), dtype=np.int64)
    out[found] = table["threshold_cents"].to_numpy()[rows_idx[found].astype(int)]
    return out


def entry_fees(entries: pd.DataFrame, ref_dir: str | Path | None = None) -> pd.DataFrame:
    """MPF per customs entry (vectorised): de minimis, informal flat fee or formal clamp(rate x value, min, max).

    `entries` has `entry_on`, `entered_cents` (the entry's whole entered value) and optionally
    `de_minimis_cents` (the entry's threshold, 0 = none). An entry at or under its de minimis threshold pays no MPF
    (`entry_type` de_minimis); one under an informal row's `max_entry_value_usd` pays that row's flat fee
    (informal); any other pays the formal fee of its fiscal year. Returns, per entry: entry_type, mpf_cents (NaN
    when no row covers the date), mpf_fiscal_year, mpf_status, mpf_carried_forward.
    """
    ref = _dir(ref_dir)
    table = _mpf_frame(ref)
    after = verified_through(ref).get("us_mpf")
    dates = _days(entries["entry_on"])
    value = np.asarray(entries["entered_cents"], dtype=np.int64)
    threshold = (np.asarray(entries["de_minimis_cents"], dtype=np.int64) if "de_minimis_cents" in entries
                 else np.zeros(len(entries), dtype=np.int64))
    out = pd.DataFrame(index=entries.index)
    formal = table[table["entry_type"] == "formal"].reset_index(drop=True)
    informal = table[table["entry_type"] == "informal"].reset_index(drop=True)
    f_hit = _dated_lookup(formal, dates, after)
    i_hit = _dated_lookup(informal, dates, after)

    def take(frame: pd.DataFrame, hit: pd.DataFrame, col: str) -> np.ndarray:
        rows = hit["row"].to_numpy()
        found = ~np.isnan(rows)
        values = np.full(len(rows), np.nan, dtype=object)
        values[found] = frame[col].to_numpy()[rows[found].astype(int)]
        return values

    i_max = take(informal, i_hit, "max_entry_cents").astype(float)
    is_de_minimis = (threshold > 0) & (value <= threshold)
    is_informal = ~is_de_minimis & ~np.isnan(i_max) & (value <= np.nan_to_num(i_max, nan=-1))
    f_rate = take(formal, f_hit, "rate_pct").astype(float)
    f_min, f_max = take(formal, f_hit, "min_cents").astype(float), take(formal, f_hit, "max_cents").astype(float)
    raw = np.where(np.isnan(f_rate), np.nan,
                   percent_of_cents(value, np.nan_to_num(f_rate)).astype(float))
    formal_fee = np.clip(raw, f_min, f_max)
    fee = np.where(is_de_minimis, 0.0, np.where(is_informal, take(informal, i_hit, "min_cents").astype(float),
                                                formal_fee))
    out["entry_type"] = np.where(is_de_minimis, "de_minimis", np.where(is_informal, "informal", "formal"))
    out["mpf_cents"] = fee
    out["mpf_fiscal_year"] = np.where(is_informal, take(informal, i_hit, "fiscal_year"),
                                      take(formal, f_hit, "fiscal_year"))
    out.loc[is_de_minimis, "mpf_fiscal_year"] = None
    out["mpf_status"] = np.where(is_informal, take(informal, i_hit, "status"), take(formal, f_hit, "status"))
    out.loc[is_de_minimis, "mpf_status"] = None
    out["mpf_carried_forward"] = np.where(is_informal, i_hit["carried_forward"], f_hit["carried_forward"]) \
        & ~is_de_minimis
    return out


def hmf_cents(values_cents, modes, dates, ref_dir: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Harbor maintenance fee per (entry, mode) group: rate x cargo value for the modes us_hmf.csv lists, else 0.

    Returns (fee in cents, carried_forward flags). A mode without a row (air, express, rail, truck, unknown)
    pays 0 — HMF is an ocean-cargo fee.
    """
    ref = _dir(ref_dir)
    rows = load_hmf(ref)
    modes = pd.Series(modes).fillna("").astype(str).str.strip().str.lower().to_numpy()
    dates = _days(dates)
    values = np.asarray(values_cents, dtype=np.int64)
    fee = np.zeros(len(values), dtype=np.int64)
    carried = np.zeros(len(values), dtype=bool)
    table = pd.DataFrame({"origin": [r.mode for r in rows], **_validity(rows),
                          "rate_pct": [r.rate_pct for r in rows]})
    after = verified_through(ref).get("us_hmf")
    for mode, sub in table.groupby("origin"):  # the table's few modes
        mask = modes == mode
        if not mask.any():
            continue
        hit = _dated_lookup(sub.reset_index(drop=True), dates[mask], after)
        found = hit["row"].notna().to_numpy()
        rate = np.zeros(mask.sum())
        rate[found] = sub["rate_pct"].to_numpy()[hit["row"].to_numpy()[found].astype(int)]
        fee[mask] = np.where(found, percent_of_cents(values[mask], rate), 0)
        carried[mask] = hit["carried_forward"].to_numpy()
    return fee, carried


def hmf(value: float, mode: str, entry_date: date, ref_dir: str | Path | None = None) -> float:
    """Harbor maintenance fee on one entry's cargo value, in USD (`hmf_cents` on one entry)."""
    from models.allocation import cents_array

    mode_key = mode.strip().lower() if isinstance(mode, str) else ""  # None/NaN: unknown mode, no HMF
    hits = [r for r in _in_force(load_hmf(ref_dir), entry_date) if r.mode == mode_key]
    if len(hits) > 1:
        raise LookupError(f"us_hmf.csv has {len(hits)} rows for {mode} on {entry_date}")
    fee, _ = hmf_cents(cents_array([value]), [mode_key], [entry_date], ref_dir)
    return float(fee[0]) / 100


def estimated_tables(dates, tables: Sequence[str], ref_dir: str | Path | None = None) -> pd.Series:
    """For each entry date, the dated tables it lies beyond the verified-through date of ('' when none).

    Such an entry is costed with the rows as written (the latest carried forward) and flagged estimated.
    """
    through = verified_through(ref_dir)
    days = _days(dates)
    out = pd.Series([""] * len(days), dtype=object)
    for table in tables:  # a handful of tables, each vectorised over the dates
        if table not in through:
            continue
        late = pd.Series(days > np.datetime64(through[table], "D"))
        note = f"{table} (verified through {through[table]})"
        out = out.where(~late, np.where(out == "", note, out + "; " + note))
    return out


# ---------------------------------------------------------------------------------------------------------------
# A frame of customs-entry lines, costed: what the landed-cost step and the demo generator both use
# ---------------------------------------------------------------------------------------------------------------


def _sum_if_all_known(grouped: pd.core.groupby.SeriesGroupBy) -> pd.Series:
    """Per group, the sum of its values; NaN when any is missing (an entry's value is known only in full)."""
    return grouped.sum().where(grouped.count() == grouped.size())


def heading_key(heading: str) -> str:
    """A chapter 99 number compared without separators and padding (9903.03.01 = 99030301 = 9903.03.0100: a system
    that writes every number with ten digits pads an eight-digit heading with zeros)."""
    digits = re.sub(r"[^0-9]", "", str(heading))
    return digits[:8] if len(digits) == 10 and digits.endswith("00") else digits


@lru_cache(maxsize=8)
def _rows_by_heading(ref_dir: str) -> dict[str, tuple[DutyRow, ...]]:
    """duty_rates.csv's rows by chapter 99 number (heading_key), in the table's order."""
    by_key: dict[str, list[DutyRow]] = {}
    for r in _load_duty_rates(ref_dir):
        if r.ch99_heading:
            by_key.setdefault(heading_key(r.ch99_heading), []).append(r)
    return {k: tuple(v) for k, v in by_key.items()}


def chapter_99_check(declared: Iterable[str], applicable: Iterable[str], charged: Iterable[str], entry_on: date,
                     unnumbered: Iterable[str] = (), ref_dir: str | Path | None = None) -> list[str]:
    """What differs between the chapter 99 numbers a broker declared on an entry and the tariff tables' (empty when
    they agree): each number declared that no row in force for the entry's goods carries, with why from
    duty_rates.csv ("9903.03.01 declared: section_122 ended 2026-07-23"), then each number of a row charging duty
    that was not declared ("9903.05.31 not declared: section_301_forced_labor"). `applicable` are the numbers of
    every row in force (a 0% claim row included), `charged` those of rows charging duty on the entry, `unnumbered`
    the duty types of rows in force the table gives no number (a number declared for such a type is not judged:
    the table cannot say it is wrong)."""
    by_key = _rows_by_heading(_dir(ref_dir))
    fits = {heading_key(h) for h in applicable}
    said = {heading_key(h) for h in declared}
    open_types = set(unnumbered)
    out = []
    for h in dict.fromkeys(declared):
        k = heading_key(h)
        known = by_key.get(k, ())
        if k in fits or any(r.duty_type in open_types for r in known):
            continue
        types = " / ".join(dict.fromkeys(r.duty_type for r in known))
        if not known:
            why = "not in the tariff tables"
        elif all(r.effective_to is not None and r.effective_to < entry_on for r in known):
            why = f"{types} ended {max(r.effective_to for r in known).isoformat()}"
        elif all(r.effective_from > entry_on for r in known):
            why = f"{types} starts {min(r.effective_from for r in known).isoformat()}"
        else:
            why = f"{types} not for these goods (HS code, origin, loading date or claim)"
        out.append(f"{h} declared: {why}")
    for h in dict.fromkeys(charged):
        if heading_key(h) not in said:
            types = " / ".join(dict.fromkeys(r.duty_type for r in by_key.get(heading_key(h), ())))
            out.append(f"{h} not declared" + (f": {types}" if types else ""))
    return out


def customs_charges(lines: pd.DataFrame, ref_dir: str | Path | None = None) -> pd.DataFrame:
    """Dutiable value, duty and the entry's de minimis / MPF / HMF per line of a frame of entry lines (vectorised).

    `lines` columns: entry_key (lines sharing it are one customs entry), entry_on, shipped_on (loading date for
    in-transit rules), mode, incoterm, goods_cents, invoice_freight_cents, invoice_insurance_cents, assist_cents,
    hs_code, origin_country, duty_claims, steel_content_pct, aluminium_content_pct. Returns, in the order of
    `lines`: dutiable_cents (NaN when refused), dutiable_note, duty_cents (NaN when not computable), ieepa_cents,
    duty_rate_pct (effective), duty_components, unverified_rows, content_assumed_full, chapter_99_applicable and
    chapter_99_charged (the chapter 99 numbers of the rows in force, and of those charging duty),
    chapter_99_unnumbered (duty types in force without a number in the table), entry_type,
    entry_value_cents,
    entry_mpf_cents, mpf_cents and hmf_cents (the line's share, split by dutiable value to the cent; NaN when no row
    covers the date), estimated_tables ('' when none).
    """
    from models.allocation import allocate_cents

    n = len(lines)
    index = lines.index
    lines = lines.reset_index(drop=True)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    dutiable_f, note = dutiable_values(lines["goods_cents"], lines["incoterm"], lines["invoice_freight_cents"],
                                       lines["invoice_insurance_cents"], lines["assist_cents"], 0, ref_dir)
    ok = ~np.isnan(dutiable_f)
    dutiable = np.nan_to_num(dutiable_f).astype(np.int64)
    out["dutiable_cents"] = dutiable_f
    out["dutiable_note"] = note
    entry_on = pd.to_datetime(lines["entry_on"])
    key = lines["entry_key"].astype(str).to_numpy()

    # The duty stack per line, on the entry date.
    has_hs = lines["hs_code"].notna().to_numpy() & ok
    idx = np.flatnonzero(has_hs)
    duty = np.full(n, np.nan)
    ieepa = np.full(n, np.nan)
    for col, default in (("duty_rate_pct", np.nan), ("duty_components", None), ("unverified_rows", None),
                         ("content_assumed_full", False), ("chapter_99_applicable", None),
                         ("chapter_99_charged", None), ("chapter_99_unnumbered", None), ("duty_rows_missing", None)):
        out[col] = default
    if len(idx):
        stack = lines.iloc[idx].assign(loaded_on=pd.to_datetime(lines["shipped_on"].iloc[idx]),
                                       dutiable_cents=dutiable[idx]).reset_index(drop=True)
        _, summary = duty_for_lines(stack, ref_dir)
        known = summary["duty_known"].to_numpy()
        duty[idx[known]] = summary["duty_cents"].to_numpy()[known]
        ieepa[idx[known]] = summary["ieepa_cents"].to_numpy()[known]
        out.loc[idx[known], "duty_rate_pct"] = summary["effective_rate_pct"].to_numpy()[known]
        for col in ("duty_components", "unverified_rows", "content_assumed_full", "chapter_99_applicable",
                    "chapter_99_charged", "chapter_99_unnumbered"):
            out.loc[idx[known], col] = summary[col].to_numpy()[known]
        has_mfn = summary["has_mfn"].to_numpy()
        out.loc[idx[has_mfn], "duty_rows_missing"] = summary["duty_rows_missing"].to_numpy()[has_mfn]

    # The entry: de minimis, MPF (formal / informal) and HMF, once per entry, then split by dutiable value.
    value = pd.Series(np.where(ok, dutiable, np.nan))
    by_entry = pd.DataFrame({"key": key, "value": value,
                             "threshold": de_minimis_cents(lines["origin_country"], entry_on, ref_dir),
                             "entry_on": entry_on}).groupby("key", sort=False)
    entries = pd.DataFrame({"entered": _sum_if_all_known(by_entry["value"]), "threshold": by_entry["threshold"].min(),
                            "entry_on": by_entry["entry_on"].first()})
    known = entries[entries["entered"].notna()]
    fees = entry_fees(pd.DataFrame({"entry_on": known["entry_on"], "entered_cents": known["entered"].astype(np.int64),
                                    "de_minimis_cents": known["threshold"].astype(np.int64)}), ref_dir) \
        .reindex(entries.index).reindex(key)
    out["entry_type"] = fees["entry_type"].to_numpy()
    out["entry_value_cents"] = entries["entered"].reindex(key).to_numpy()
    out["entry_mpf_cents"] = fees["mpf_cents"].to_numpy(dtype=float)
    de_minimis = (out["entry_type"] == "de_minimis").to_numpy()
    duty = np.where(de_minimis & ~np.isnan(duty), 0.0, duty)
    ieepa = np.where(de_minimis & ~np.isnan(ieepa), 0.0, ieepa)
    out.loc[de_minimis, "duty_components"] = "de minimis (no duty, no entry)"
    out.loc[de_minimis, ["chapter_99_applicable", "chapter_99_charged", "chapter_99_unnumbered"]] = None
    out.loc[de_minimis, "duty_rate_pct"] = 0.0
    out["duty_cents"] = duty
    out["ieepa_cents"] = ieepa
    mpf_known = ~np.isnan(out["entry_mpf_cents"].to_numpy()) & ok
    mpf = np.full(n, np.nan)
    if mpf_known.any():
        mpf[mpf_known] = allocate_cents(out["entry_mpf_cents"].to_numpy()[mpf_known].astype(np.int64),
                                        key[mpf_known], dutiable[mpf_known])
    out["mpf_cents"] = mpf
    mode = lines["mode"].fillna("").astype(str).str.strip().str.lower()
    mode_key = pd.Series(key) + "|" + mode
    by_mode = pd.DataFrame({"key": mode_key, "value": value, "mode": mode, "entry_on": entry_on}) \
        .groupby("key", sort=False)
    groups = pd.DataFrame({"value": _sum_if_all_known(by_mode["value"]), "mode": by_mode["mode"].first(),
                           "entry_on": by_mode["entry_on"].first()})
    hmf = np.full(n, np.nan)
    known_groups = groups[groups["value"].notna()]
    if len(known_groups):
        fee, _ = hmf_cents(known_groups["value"].astype(np.int64), known_groups["mode"], known_groups["entry_on"],
                           ref_dir)
        group_fee = pd.Series(fee, index=known_groups.index).reindex(mode_key.to_numpy())
        has_fee = group_fee.notna().to_numpy() & ok
        hmf[has_fee] = allocate_cents(group_fee.to_numpy()[has_fee].astype(np.int64), mode_key.to_numpy()[has_fee],
                                      dutiable[has_fee])
    out["hmf_cents"] = hmf
    # Tables read beyond their verified-through date (HMF only matters by sea).
    sea = (mode == "sea").to_numpy()
    late_all = estimated_tables(entry_on, ["duty_rates", "us_mpf", "us_hmf", "us_de_minimis"], ref_dir)
    late_other = estimated_tables(entry_on, ["duty_rates", "us_mpf", "us_de_minimis"], ref_dir)
    out["estimated_tables"] = np.where(sea, late_all, late_other)
    out.index = index
    return out


def goods_cents(quantity, unit_price) -> np.ndarray:
    """Quantity x unit price in integer cents, half up (the price read to 6 decimals), vectorised."""
    q = np.asarray(quantity, dtype=np.int64)
    price_micro = np.round(np.asarray(unit_price, dtype=float) * 1_000_000).astype(np.int64)
    return (q * price_micro + 5_000) // 10_000


# ---------------------------------------------------------------------------------------------------------------
# Duty check (one shipment's landed cost, dutiable value, MPF and duty check are re-derived on one row in
# tests/reference/landed_cost_one.py, for the hand-worked tests; the product computes them on frames)
# ---------------------------------------------------------------------------------------------------------------


def compare_duty_frame(
    computed, paid, tolerance_usd: float = 1.0, tolerance_pct: float = 1.0
) -> pd.DataFrame:
    """Vectorised duty check: `status`, `difference` (paid - computed) and `difference_pct` (of computed) per row.

    Within max(tolerance_usd, tolerance_pct% of computed) is a `match`, else `overpaid` / `underpaid`; a missing
    paid figure is `not_paid_known` (never a match). The tolerances are review thresholds, not regulatory
    constants. `computed` must be known (the caller marks uncomputable rows itself).
    """
    from models.allocation import cents_array

    computed_c = cents_array(computed).astype(float)
    paid_c = cents_array(paid).astype(float)
    no_paid = np.isnan(paid_c)
    diff = paid_c - computed_c
    band = np.maximum(tolerance_usd * 100, computed_c * tolerance_pct / 100)
    status = np.where(no_paid, "not_paid_known",
                      np.where(np.abs(diff) <= band, "match", np.where(diff > 0, "overpaid", "underpaid")))
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where((computed_c != 0) & ~no_paid, np.round(diff / computed_c * 100, 6), np.nan)
    return pd.DataFrame({"status": status, "difference": np.where(no_paid, np.nan, diff / 100),
                         "difference_pct": pct})


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


# Bootstrap settings of every interval these give: fixed, so a rebuild of the same data gives the same intervals.
BOOTSTRAP_SAMPLES = 2000
BOOTSTRAP_CI = 0.9
BOOTSTRAP_SEED = 0


def bootstrap_mean_ci(
    values: Iterable[float], n_boot: int = BOOTSTRAP_SAMPLES, ci: float = BOOTSTRAP_CI,
    random_state: int | None = BOOTSTRAP_SEED
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
    a: Iterable[float], b: Iterable[float], n_boot: int = BOOTSTRAP_SAMPLES, ci: float = BOOTSTRAP_CI,
    random_state: int | None = BOOTSTRAP_SEED
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
    "REFERENCE_DIR", "INCOTERMS", "BUYER_COST_FLAGS", "COST_KINDS", "QUALITY_COST_KINDS", "WRITE_OFF_KIND",
    "load_cost_kinds",
    "DutyRow", "MpfRow", "HmfRow", "DeMinimisRow", "RenumberingRow", "MarketplaceFee", "IncotermRule", "ReturnReason",
    "DutyComponent", "DutyRate", "MeanInterval", "GroupComparison",
    "normalise_hs",
    "load_duty_rates", "load_mpf", "load_hmf", "load_marketplace_fees", "load_incoterms", "load_return_reasons",
    "incoterm_rule", "buyer_costs", "duty_rate", "duty_amount",
    "dutiable_values", "incoterm_flags", "amortise_assists", "price_components", "customs_charges", "goods_cents",
    "hmf",
    "duty_components", "duty_for_lines", "percent_of_cents", "entry_fees", "hmf_cents", "de_minimis_cents",
    "load_de_minimis", "load_hts_renumbering", "codes_in_force", "verified_through", "estimated_tables",
    "compare_duty_frame", "DATED_TABLES", "join_by_group",
    "effective_rates", "chapter_99_check", "heading_key", "duty_gaps", "duty_rows_missing", "duty_rows_lacking",
    "entry_lines",
    "duty_rows_to_fill", "DUTY_RATE_COLUMNS",
    "bootstrap_mean_ci", "compare_groups", "BOOTSTRAP_SAMPLES", "BOOTSTRAP_CI", "BOOTSTRAP_SEED",
]
