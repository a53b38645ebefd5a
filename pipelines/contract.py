"""The public import format: one file per table, the columns below, their types and rules.

This module is the single source of truth for the data contract. The validator, the empty templates,
the demo generator and `docs/data-contract.md` all read it, so a column is described in exactly one place.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from models import change_kinds
from models.landed_cost import COST_KINDS
from models.wording import UNKNOWN_COUNTRY  # noqa: F401  (ZZ, defined in models/wording.py; importers write it)

# Types a column can have. Every value arrives as text and is parsed by the validator.
TEXT, INT, DECIMAL, BOOL, DATE, MONTH = "text", "int", "decimal", "bool", "date", "month"

DUCKDB_TYPES = {
    TEXT: "varchar",
    INT: "bigint",
    DECIMAL: "double",
    BOOL: "boolean",
    DATE: "date",
    MONTH: "varchar",
}

# Plausible dates: anything outside is a typo or a mangled export (e.g. m/d/yy read as yy-mm-dd).
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2099, 12, 31)

# A date that records something that has happened (an order placed, a payment made, goods shipped or returned, an
# audit done: a column with `happened`) cannot lie in the future. A later one is a typo (2062 for 2026, 2027 for
# 2026) or a planned date in the wrong column, and kept it would move the data's as-of date (pipelines.build's
# infer_as_of) and with it every age, every overdue order and every month of the score history. The latest date
# accepted is the day the import runs plus EVENT_DATE_SLACK_DAYS, for a file written in a time zone ahead of the
# machine's (China is up to 16 hours ahead of the Americas); a build with a later --as-of date accepts up to it.
EVENT_DATE_SLACK_DAYS = 1


def latest_event_date(as_of: date | None = None, today: date | None = None) -> date:
    """The latest date a `happened` column accepts: today plus the slack, or `as_of` when a build is run as of a
    later day."""
    limit = (today or date.today()) + timedelta(days=EVENT_DATE_SLACK_DAYS)
    return max(limit, as_of) if as_of is not None else limit

TRUE_WORDS = {"true", "yes", "y", "1", "t"}

# Money in the warehouse is in this currency; other currencies are converted at data/reference/fx_rates.csv.
REPORTING_CURRENCY = "USD"

_AQL_TABLE = Path(__file__).resolve().parents[1] / "data" / "reference" / "aql" / "table_2a_normal.csv"


def _aql_values() -> tuple[float, ...]:
    """0 (no defect accepted) plus the percent-nonconforming AQL columns of the standard's tables, up to 10."""
    with _AQL_TABLE.open(encoding="utf-8") as fh:
        header = next(csv.reader(line for line in fh if not line.startswith("#")))
    values = []
    for name in header:
        try:
            values.append(float(name.removeprefix("aql_")))
        except ValueError:
            continue
    return (0.0, *sorted(v for v in values if v <= 10))


AQL_VALUES = _aql_values()

# The build's data checks, one SQL file each. A file whose opening comment says "-- severity: warn" keeps the rows it
# finds and warns of them; a founder may mark each such row reviewed (reviewed_warnings); any other check fails the
# build.
CHECKS_DIR = Path(__file__).resolve().parent / "checks"
SEVERITY = re.compile(r"--\s*severity:\s*(\w+)")  # a check file's severity line ("-- severity: warn"; else an error)


def check_severity(text: str) -> str:
    """"warn" or "error": what a check file's text says it is."""
    stated = SEVERITY.search(text)
    return "warn" if stated and stated.group(1) == "warn" else "error"


WARNING_CHECKS = tuple(sorted(p.stem for p in CHECKS_DIR.glob("*.sql")
                              if check_severity(p.read_text(encoding="utf-8")) == "warn"))

FALSE_WORDS = {"false", "no", "n", "0", "f"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    example: str
    required: bool = False
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    exclusive_minimum: bool = False
    maximum: float | None = None
    default: str | None = None
    references: str | None = None  # "table.column"
    allowed_numbers: tuple[float, ...] | None = None  # e.g. the AQL columns of ISO 2859-1
    masked: bool = False  # stored and shown masked beyond the last 4 characters (mask_account)
    happened: bool = False  # a date or month of something that has happened: not after latest_event_date()

    @property
    def rule(self) -> str:
        """Human-readable range rule for the docs."""
        parts = []
        if self.minimum is not None:
            parts.append(f"{'>' if self.exclusive_minimum else '≥'} {self.minimum:g}")
        if self.maximum is not None:
            parts.append(f"≤ {self.maximum:g}")
        if self.type == DATE:
            parts.append(f"{MIN_DATE.isoformat()} … {'today' if self.happened else MAX_DATE.isoformat()}")
        elif self.type == MONTH and self.happened:
            parts.append("not after this month")
        return ", ".join(parts)


@dataclass(frozen=True)
class RowRule:
    """A rule across columns of one row: `check(row)` is False when the row breaks it."""

    columns: tuple[str, str]
    description: str
    op: str  # "<=" : columns[0] <= columns[1] when both are present


@dataclass(frozen=True)
class Conversion:
    """Money columns given in a currency, converted to REPORTING_CURRENCY at the rate of the month of `on`.

    `currency` names the column holding the currency: one of this table's, or "table.column" of the parent row that
    the reference column `via` points to (a payment is in its purchase order's currency). A row whose currency has no
    rate for that month in data/reference/fx_rates.csv is rejected; staging keeps the original amount, the currency
    and the rate used beside the converted amount.
    """

    money: tuple[str, ...]
    on: str
    currency: str
    via: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    description: str
    columns: tuple[Column, ...]
    row_rules: tuple[RowRule, ...] = field(default_factory=tuple)
    conversion: Conversion | None = None
    # a founder's decisions about the data, not business data (reviewed_warnings): no file is the usual case and no
    # notice says it is empty, a build from a folder without the file keeps the live warehouse's rows (made on the
    # Data page, which rebuilds from a copy of the folder), a build may empty or shrink it without a confirmation,
    # and the demo writes none
    holds_decisions: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


MASK_CHAR = "•"


def mask_account(value: str | None) -> str | None:
    """An account number as it is stored and shown: four mask characters and its last 4 letters or digits
    ("6222 0212 3456 7890" → "••••7890"), so neither the number nor its length is kept; one of 4 or fewer keeps
    nothing (the validator refuses it). Blank stays None. The validator types the column with the same rule in SQL."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    kept = "".join(ch for ch in str(value) if ch.isalnum())
    if not kept:
        return None
    return MASK_CHAR * 4 + (kept[-4:] if len(kept) > 4 else "")


def _c(name, type_, description, example, **kw) -> Column:
    return Column(name=name, type=type_, description=description, example=example, **kw)


MONEY = dict(minimum=0.0)

# The customs entry date (the date duty rates, MPF and HMF are read on): the first of these that is given, a tuple
# meaning the earliest of its columns (goods are entered at arrival, never after they reach the warehouse). One
# rule, used by the landed-cost step and written into the contract below. An entry with several shipments takes the
# earliest `entry_on` of its shipments, else the earliest fallback date.
ENTRY_DATE_ORDER: tuple[str | tuple[str, ...], ...] = ("entry_on", ("eta_on", "delivered_on"), "shipped_on")
ENTRY_DATE_RULE = ", else ".join(f"`{c}`" if isinstance(c, str) else "the earlier of " + " and ".join(
    f"`{x}`" for x in c) for c in ENTRY_DATE_ORDER)

SUPPLIERS = Table(
    name="suppliers",
    key=("supplier_id",),
    description="One row per supplier (factory or trading company) the brand buys from.",
    columns=(
        _c("supplier_id", TEXT, "Your identifier for the supplier.", "SUP-0001", required=True),
        _c("supplier_name", TEXT, "Store or trading name as shown on Alibaba.", "Ningbo Bright Home Store", required=True),
        _c("supplier_type", TEXT, "Whether the supplier makes the goods or resells them.", "manufacturer",
           required=True, allowed=("manufacturer", "trading_company")),
        _c("country", TEXT, "ISO 3166-1 alpha-2 country of the supplier.", "CN", required=True),
        _c("province", TEXT, "Province or state.", "Zhejiang"),
        _c("alibaba_store_years", INT, "Years the Alibaba store has been open.", "7", minimum=0, maximum=100),
        _c("is_verified", BOOL, "Alibaba 'Verified' badge.", "true"),
        _c("is_gold_supplier", BOOL, "Alibaba 'Gold Supplier' badge.", "true"),
        _c("legal_name", TEXT, "Registered legal entity (as on the business licence).", "Ningbo Bright Home Products Co., Ltd."),
        _c("registration_id", TEXT, "Unified social credit code (18 characters in China) or other registry number.",
           "91330201MA2H3XYZ1K"),
        _c("bank_beneficiary", TEXT, "Beneficiary name on the bank account the supplier asks you to pay.",
           "Ningbo Bright Home Products Co., Ltd."),
        _c("onboarded_on", DATE, "Date you started working with the supplier.", "2023-03-14", happened=True),
        _c("last_audit_on", DATE, "Date of the last factory audit or verification.", "2024-05-02", happened=True),
        _c("last_audit_result", TEXT, "Outcome of the last audit.", "pass", allowed=("pass", "conditional", "fail")),
        _c("litigation_cases", INT, "Open or recent court cases found in public records.", "0", minimum=0),
        _c("admin_penalties", INT, "Administrative penalties found in public records.", "0", minimum=0),
        _c("operating_status", TEXT, "Registry operating status (blank = not checked: shown as unknown, never as "
           "normal).", "normal", allowed=("normal", "abnormal")),
        _c("subcontracting", TEXT, "Whether production is subcontracted.", "none",
           allowed=("none", "declared", "suspected"), default="none"),
        _c("nnn_signed", BOOL, "A China NNN (non-use, non-disclosure, non-circumvention) agreement is signed.", "false"),
        _c("mold_owner", TEXT, "Who owns the moulds and tooling.", "brand", allowed=("brand", "supplier", "none")),
        _c("registry_checked_on", DATE, "Date the business registry (operating status, registration id) was last "
           "checked. With a date, blank status means nothing abnormal was found; without a date and a status the "
           "registry counts as not checked. Counts for background_check_valid_days (data/reference/kpi_settings.csv).",
           "2026-03-02", happened=True),
        _c("records_checked_on", DATE, "Date public records (court cases, administrative penalties) were last "
           "searched. With a date, blank counts mean none found; without a date and counts they count as not "
           "checked (unknown, never clean).", "2026-03-02", happened=True),
        _c("verified_type", TEXT, "Whether the supplier makes the goods or resells them, as verified by an audit or "
           "site visit (blank = not verified; trader-vs-factory comparisons use it when given).", "manufacturer",
           allowed=("manufacturer", "trading_company")),
    ),
)

PRODUCTS = Table(
    name="products",
    key=("sku",),
    description="One row per SKU you sell, with the supplier that makes it.",
    columns=(
        _c("sku", TEXT, "Your stock-keeping unit.", "LAMP-001", required=True),
        _c("product_name", TEXT, "Product name.", "Bedside lamp, oak"),
        _c("category", TEXT, "Product category used for peer comparison.", "home_lighting"),
        _c("supplier_id", TEXT, "Supplier that makes the SKU.", "SUP-0001", required=True,
           references="suppliers.supplier_id"),
        _c("hs_code", TEXT, "Harmonized System code (6 to 10 digits, dots allowed).", "9405.21.8000"),
        _c("origin_country", TEXT, "Country of origin (ISO alpha-2).", "CN", default="CN"),
        _c("retail_price", DECIMAL, "Your selling price per unit.", "39.99", **MONEY),
        _c("unit_weight_kg", DECIMAL, "Shipping weight per unit, kg.", "1.2", **MONEY),
        _c("unit_volume_m3", DECIMAL, "Shipping volume per unit, cubic metres.", "0.008", **MONEY),
        _c("steel_content_pct", DECIMAL, "Share of the value that is steel, percent: a Section 232 steel-derivative "
           "duty is charged on this share (empty = not recorded: charged on the whole value, as CBP does).", "65",
           minimum=0, maximum=100),
        _c("aluminium_content_pct", DECIMAL, "Share of the value that is aluminium, percent (Section 232 aluminium "
           "derivatives; empty = not recorded: the whole value).", "0", minimum=0, maximum=100),
        _c("duty_claims", TEXT, "Chapter 99 headings claimed for this SKU, separated by spaces (e.g. 9903.88.69 for "
           "a Section 301 product exclusion): duty rows that require the claim then apply.", "9903.88.69"),
    ),
)

PURCHASE_ORDERS = Table(
    name="purchase_orders",
    key=("po_id",),
    description="One row per purchase order line (one SKU per PO).",
    columns=(
        _c("po_id", TEXT, "Purchase order identifier.", "PO-2024-0001", required=True),
        _c("supplier_id", TEXT, "Supplier the order was placed with.", "SUP-0001", required=True,
           references="suppliers.supplier_id"),
        _c("sku", TEXT, "SKU ordered.", "LAMP-001", required=True, references="products.sku"),
        _c("ordered_on", DATE, "Order (PI signature) date.", "2024-01-15", required=True, happened=True),
        _c("quantity", INT, "Units ordered.", "2000", required=True, minimum=0, exclusive_minimum=True),
        _c("unit_price", DECIMAL, "Quoted unit price in `currency` under `incoterm`.", "6.85", required=True,
           minimum=0, exclusive_minimum=True),
        _c("currency", TEXT, "ISO 4217 currency of the price (needs a rate for the order month in "
           "data/reference/fx_rates.csv unless USD).", "CNY", default="USD"),
        _c("incoterm", TEXT, "Incoterms 2020 rule of the quote.", "FOB", default="FOB",
           allowed=("EXW", "FCA", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP")),
        _c("promised_ship_on", DATE, "Ship date the supplier committed to.", "2024-03-01"),
        _c("sample_approved_on", DATE, "Date the golden sample was approved.", "2024-01-05", happened=True),
        _c("pi_entity_name", TEXT, "Seller entity named on the proforma invoice / contract.",
           "Ningbo Bright Home Products Co., Ltd."),
        _c("payment_channel", TEXT, "How the order is paid.", "trade_assurance",
           allowed=("trade_assurance", "wire", "other")),
        _c("agreed_aql_major", DECIMAL, "Major-defect AQL agreed in the contract, percent: the balance is released "
           "only after a pre-shipment inspection passed at this AQL or stricter (blank = default_aql_major of "
           "reference.inspection_settings).", "2.5", minimum=0, maximum=10, allowed_numbers=AQL_VALUES),
        _c("balance_due_on", DATE, "Date the balance falls due under the payment terms (blank = the promised ship "
           "date).", "2024-02-28"),
    ),
    row_rules=(RowRule(("ordered_on", "promised_ship_on"), "promised_ship_on is before ordered_on", "<="),),
    conversion=Conversion(money=("unit_price",), on="ordered_on", currency="currency"),
)

PAYMENTS = Table(
    name="payments",
    key=("payment_id",),
    description="One row per payment made against a purchase order.",
    columns=(
        _c("payment_id", TEXT, "Payment identifier.", "PAY-0001", required=True),
        _c("po_id", TEXT, "Purchase order paid.", "PO-2024-0001", required=True, references="purchase_orders.po_id"),
        _c("paid_on", DATE, "Value date of the payment.", "2024-01-16", required=True, happened=True),
        _c("amount", DECIMAL, "Amount paid, in the PO currency.", "4110.00", required=True, minimum=0,
           exclusive_minimum=True),
        _c("kind", TEXT, "What the payment is for (blank = read from the amounts paid on the order: the payment that "
           "brings them to the order's value, within paid_in_full_tolerance_pct of data/reference/kpi_settings.csv, is "
           "its balance, the order's first payment below that its deposit, any other other).", "deposit",
           allowed=("deposit", "balance", "other")),
        _c("payee_name", TEXT, "Beneficiary name the money went to.", "Ningbo Bright Home Products Co., Ltd."),
        _c("channel", TEXT, "Payment channel.", "trade_assurance", allowed=("trade_assurance", "wire", "other")),
        _c("bank_account_id", TEXT, "Bank account the money went to (blank = not recorded).", "BA-0001",
           references="bank_accounts.bank_account_id"),
    ),
    conversion=Conversion(money=("amount",), on="paid_on", currency="purchase_orders.currency", via="po_id"),
)

BANK_ACCOUNTS = Table(
    name="bank_accounts",
    key=("bank_account_id",),
    description="One row per bank account a supplier asked to be paid to, from the day it first appeared (a new "
                "account under the same name is the classic business-email-compromise fraud).",
    columns=(
        _c("bank_account_id", TEXT, "Your identifier for the account (not the account number).", "BA-0001",
           required=True),
        _c("supplier_id", TEXT, "Supplier whose account it is.", "SUP-0001", required=True,
           references="suppliers.supplier_id"),
        _c("account_number", TEXT, "Account number or IBAN. Stored and shown masked: only its last 4 letters or "
           "digits are kept (••••7890).", "6222021234567890", required=True, masked=True),
        _c("bank_name", TEXT, "Bank.", "Bank of China, Ningbo Branch"),
        _c("bank_country", TEXT, "ISO 3166-1 alpha-2 country of the bank (an account outside the supplier's "
           "country, e.g. HK for a mainland supplier, is offshore); ZZ when not known (an account a bank statement "
           "paid: neither offshore nor a new country is claimed).", "CN", required=True),
        _c("beneficiary", TEXT, "Beneficiary name on the account.", "Ningbo Bright Home Products Co., Ltd."),
        _c("first_seen_on", DATE, "Date the supplier first asked to be paid to this account (PI, invoice or e-mail).",
           "2023-03-14", required=True, happened=True),
        _c("verified_on", DATE, "Date the account was verified independently (blank = not verified).", "2023-03-15",
           happened=True),
        _c("verification_method", TEXT, "How: callback (a call-back to a number already on file, not one from the "
           "e-mail), bank_letter, in_person or video_call count as verification; email does not (the fraud comes "
           "by e-mail).", "callback", allowed=("callback", "bank_letter", "in_person", "video_call", "email",
                                                 "other")),
        _c("note", TEXT, "Free text.", "Confirmed by phone with Ms Li on the number from the 2022 contract"),
    ),
)

INSPECTIONS = Table(
    name="inspections",
    key=("inspection_id",),
    description="One row per quality inspection of a purchase order (pre-production, during, pre-shipment, loading).",
    columns=(
        _c("inspection_id", TEXT, "Inspection identifier.", "INS-0001", required=True),
        _c("po_id", TEXT, "Purchase order inspected.", "PO-2024-0001", required=True,
           references="purchase_orders.po_id"),
        _c("inspection_type", TEXT, "PPI pre-production, DUPRO during production, PSI pre-shipment, CLC container loading.",
           "PSI", required=True, allowed=("PPI", "DUPRO", "PSI", "CLC")),
        _c("inspected_on", DATE, "Inspection date.", "2024-02-27", required=True, happened=True),
        _c("inspector", TEXT, "Inspection company or person.", "QIMA"),
        _c("inspection_level", TEXT, "ISO 2859-1 inspection level.", "II",
           allowed=("I", "II", "III", "S-1", "S-2", "S-3", "S-4")),
        _c("aql_critical", DECIMAL, "AQL for critical defects, percent (0 = none accepted).", "0", minimum=0, maximum=10,
           allowed_numbers=AQL_VALUES),
        _c("aql_major", DECIMAL, "AQL for major defects, percent.", "2.5", minimum=0, maximum=10,
           allowed_numbers=AQL_VALUES),
        _c("aql_minor", DECIMAL, "AQL for minor defects, percent.", "4.0", minimum=0, maximum=10,
           allowed_numbers=AQL_VALUES),
        _c("lot_size", INT, "Units in the inspected lot.", "2000", minimum=0, exclusive_minimum=True),
        _c("sample_size", INT, "Units drawn and checked.", "125", minimum=0),
        _c("critical_defects", INT, "Critical defects found in the sample; blank = not recorded "
           "(that sample is left out of critical defect rates, not counted as 0).", "0", minimum=0),
        _c("major_defects", INT, "Major defects found in the sample; blank = not recorded "
           "(that sample is left out of major defect rates, not counted as 0).", "3", minimum=0),
        _c("minor_defects", INT, "Minor defects found in the sample; blank = not recorded "
           "(that sample is left out of minor defect rates, not counted as 0).", "5", minimum=0),
        _c("result", TEXT, "Inspection outcome.", "pass", required=True, allowed=("pass", "fail", "pending")),
        _c("cost", DECIMAL, "What the inspection cost you.", "298", **MONEY),
    ),
    row_rules=(
        RowRule(("sample_size", "lot_size"), "sample_size is larger than lot_size", "<="),
        RowRule(("critical_defects", "sample_size"), "more critical defects than units sampled", "<="),
        RowRule(("major_defects", "sample_size"), "more major defects than units sampled", "<="),
        RowRule(("minor_defects", "sample_size"), "more minor defects than units sampled", "<="),
    ),
)

# the one list of change kinds: data/reference/change_kinds.csv (models/change_kinds.py)
CHANGE_KINDS = change_kinds.load().kinds

CHANGES = Table(
    name="changes",
    key=("change_id",),
    description="One row per change the supplier made or announced (spec, material, packaging, lead time, price, "
                "bank details, factory address, subcontractor): the playbook asks that each is confirmed clearly and "
                "traceably.",
    columns=(
        _c("change_id", TEXT, "Change identifier.", "CHG-0001", required=True),
        _c("supplier_id", TEXT, "Supplier that made the change.", "SUP-0001", required=True,
           references="suppliers.supplier_id"),
        _c("po_id", TEXT, "Purchase order it affects, when one.", "PO-2024-0001", references="purchase_orders.po_id"),
        _c("changed_on", DATE, "Date the change was announced or found.", "2024-02-10", required=True, happened=True),
        _c("kind", TEXT, "What changed.", "material", required=True, allowed=CHANGE_KINDS),
        _c("confirmed_in_writing", BOOL, "The change is confirmed in writing (signed PI amendment, e-mail with the "
           "new spec); blank = no.", "true"),
        _c("approved_by", TEXT, "Who at your company approved it (blank = not approved).", "J. Smith"),
        _c("note", TEXT, "Free text.", "ABS housing replaced by PP after the sample was approved"),
    ),
)

CORRECTIVE_ACTIONS = Table(
    name="corrective_actions",
    key=("capa_id",),
    description="One row per corrective action (CAPA) asked of a supplier after a failed inspection or a complaint.",
    columns=(
        _c("capa_id", TEXT, "Corrective-action identifier.", "CAPA-0001", required=True),
        _c("supplier_id", TEXT, "Supplier asked to act.", "SUP-0001", required=True,
           references="suppliers.supplier_id"),
        _c("inspection_id", TEXT, "Inspection it answers, when one.", "INS-0001",
           references="inspections.inspection_id"),
        _c("po_id", TEXT, "Purchase order it answers, when one (taken from the inspection when blank).",
           "PO-2024-0001", references="purchase_orders.po_id"),
        _c("opened_on", DATE, "Date the corrective action was asked for.", "2024-02-28", required=True, happened=True),
        _c("severity", TEXT, "Severity of the problem it answers (an open critical one holds balance payments).",
           "major", allowed=("critical", "major", "minor"), default="major"),
        _c("root_cause", TEXT, "Root cause found.", "Worn mould cavity 3"),
        _c("action", TEXT, "Corrective action agreed.", "Cavity 3 re-machined; 100% check of wall thickness"),
        _c("due_on", DATE, "Date it must be closed by.", "2024-03-29"),
        _c("closed_on", DATE, "Date it was closed (blank = open); a closed action resumes the supplier's discontinued "
           "sampling inspection, on tightened (ISO 2859-1).", "2024-03-20", happened=True),
        _c("next_lot_result", TEXT, "Result of the next lot's inspection, if you record it (blank = taken from the "
           "supplier's first pre-shipment inspection after the closing date, of the same SKU when known).", "pass",
           allowed=("pass", "fail")),
    ),
    row_rules=(RowRule(("opened_on", "closed_on"), "closed_on is before opened_on", "<="),
               RowRule(("opened_on", "due_on"), "due_on is before opened_on", "<="),),
)

SHIPMENTS = Table(
    name="shipments",
    key=("shipment_id",),
    description="One row per shipment (or partial shipment) of a purchase order.",
    columns=(
        _c("shipment_id", TEXT, "Shipment identifier (booking, B/L or AWB).", "SHP-0001", required=True),
        _c("po_id", TEXT, "Purchase order shipped.", "PO-2024-0001", required=True, references="purchase_orders.po_id"),
        _c("mode", TEXT, "Transport mode.", "sea", allowed=("sea", "air", "rail", "truck", "express")),
        _c("shipped_on", DATE, "Date the goods left the supplier (cargo ready / on board).", "2024-03-04",
           required=True, happened=True),
        _c("eta_on", DATE, "Estimated arrival at your warehouse (with `delivered_on`, gives the entry date when `entry_on` is empty).",
           "2024-04-10"),
        _c("delivered_on", DATE, "Actual arrival at your warehouse (empty while in transit).", "2024-04-12",
           happened=True),
        _c("quantity", INT, "Units in this shipment.", "2000", required=True, minimum=0, exclusive_minimum=True),
        _c("freight_cost", DECIMAL, "Freight you paid on top of the supplier's price for this shipment (main "
           "carriage under E/F-terms, any leg you paid yourself under C/D-terms): always in landed cost, never in "
           "the dutiable value.", "1850", **MONEY),
        _c("insurance_cost", DECIMAL, "Cargo insurance you paid on top of the supplier's price: always in landed "
           "cost, never in the dutiable value.", "45", **MONEY),
        _c("invoice_freight", DECIMAL, "Part of the supplier's price that is main freight (C- and D-terms, as the "
           "invoice shows it): deducted from the dutiable value, not added to landed cost (it is in the price).",
           "1500", **MONEY),
        _c("invoice_insurance", DECIMAL, "Part of the supplier's price that is insurance (CIF, CIP, D-terms): "
           "deducted from the dutiable value, not added to landed cost.", "60", **MONEY),
        _c("duty_paid", DECIMAL, "Import duty paid (empty = not known; computed from reference rates).", "1030.50",
           **MONEY),
        _c("other_fees", DECIMAL, "Brokerage, MPF/HMF, port and handling fees paid.", "210", **MONEY),
        _c("customs_hold_days", INT, "Days the shipment was held by customs.", "0", minimum=0),
        _c("entry_number", TEXT, "CBP entry number (entry summary, Form 7501 box 1). Shipments with the same number "
           "are one customs entry, which may carry several POs: MPF (within its fiscal year's minimum and maximum) "
           "and HMF are computed once per entry and split over its shipments by value. Empty = the shipment is an "
           "entry of its own.", "ABC-1234567-8"),
        _c("entry_on", DATE, "Date of entry (Form 7501 box 7): duty, MPF and HMF are read on it. Entry date = "
           f"{ENTRY_DATE_RULE}; an entry of several shipments takes the earliest.", "2024-04-08"),
        _c("doc_errors", INT, "Documentation errors found (invoice, packing list, labels, COO).", "0", minimum=0),
        _c("documents_received_on", DATE, "Date copies of the shipping documents (bill of lading or air waybill, "
           "commercial invoice, packing list) were received (blank = not yet).", "2024-03-06", happened=True),
    ),
    row_rules=(
        RowRule(("shipped_on", "delivered_on"), "delivered_on is before shipped_on", "<="),
        RowRule(("shipped_on", "eta_on"), "eta_on is before shipped_on", "<="),
        RowRule(("shipped_on", "entry_on"), "entry_on is before shipped_on", "<="),
    ),
)

SALES = Table(
    name="sales",
    key=("sku", "month", "channel"),
    description="Units and revenue per SKU, month and sales channel (e.g. a marketplace export, summed).",
    columns=(
        _c("sku", TEXT, "SKU sold.", "LAMP-001", required=True, references="products.sku"),
        _c("month", MONTH, "Calendar month, YYYY-MM.", "2024-05", required=True, happened=True),
        _c("channel", TEXT, "Sales channel (free text; fee assumptions are per channel).", "amazon_us", required=True),
        _c("units_sold", INT, "Units sold.", "412", required=True, minimum=0),
        _c("gross_revenue", DECIMAL, "Revenue before fees and refunds.", "16475.88", **MONEY),
        _c("marketplace_fees", DECIMAL, "Referral, fulfilment and other marketplace fees, net of fees the marketplace "
           "gave back on refunds (below zero in a month that gave back more than it charged, e.g. the commission of "
           "an earlier month's sale refunded).", "4118.97"),
    ),
)

RETURNS = Table(
    name="returns",
    key=("return_id",),
    description="One row per customer return.",
    columns=(
        _c("return_id", TEXT, "Return identifier.", "RET-0001", required=True),
        _c("sku", TEXT, "SKU returned.", "LAMP-001", required=True, references="products.sku"),
        _c("po_id", TEXT, "Purchase order (lot) the unit came from, when traceable.", "PO-2024-0001",
           references="purchase_orders.po_id"),
        _c("returned_on", DATE, "Date of the return.", "2024-06-02", required=True, happened=True),
        _c("quantity", INT, "Units returned.", "1", required=True, minimum=0, exclusive_minimum=True),
        _c("reason", TEXT, "Return reason, mapped from the marketplace's codes; blank when the export gives none (the "
                           "return counts in refunds and costs, not as a defect, and a channel whose returns give none "
                           "is left out of the return rates).", "defective",
           allowed=("defective", "damaged", "not_as_described", "wrong_item", "missing_parts",
                    "customer_remorse", "carrier_damage", "warehouse_damage", "other")),
        _c("channel", TEXT, "Channel the sale and return went through.", "amazon_us"),
        _c("refund_amount", DECIMAL, "Refund paid to the customer.", "39.99", **MONEY),
        _c("disposition", TEXT, "Whether the returned unit can be resold.", "unsellable",
           allowed=("sellable", "unsellable")),
    ),
)

QUALITY_COSTS = Table(
    name="quality_costs",
    key=("cost_id",),
    description="One row per cost of poor quality (rework, relabelling, chargebacks, write-offs…).",
    columns=(
        _c("cost_id", TEXT, "Cost identifier.", "QC-0001", required=True),
        _c("po_id", TEXT, "Purchase order the cost belongs to, when known.", "PO-2024-0001",
           references="purchase_orders.po_id"),
        _c("supplier_id", TEXT, "Supplier charged with the cost (taken from the PO when empty).", "SUP-0001",
           references="suppliers.supplier_id"),
        _c("incurred_on", DATE, "Date the cost was incurred.", "2024-04-20", required=True, happened=True),
        _c("kind", TEXT, "Kind of cost.", "relabel", required=True,
           allowed=COST_KINDS),
        _c("amount", DECIMAL, "Amount, in USD.", "640", required=True, minimum=0),
        _c("note", TEXT, "Free text.", "FNSKU labels missing on 300 cartons"),
    ),
)

ASSISTS = Table(
    name="assists",
    key=("assist_id",),
    description="One row per assist: moulds, tooling or other goods or services you provided to the supplier free "
                "or at a reduced cost for producing a SKU (19 U.S.C. 1401a(h)). Its cost is added to the dutiable "
                "value of the SKU's shipments, spread over the units declared.",
    columns=(
        _c("assist_id", TEXT, "Assist identifier.", "AS-0001", required=True),
        _c("sku", TEXT, "SKU produced with the assist.", "LAMP-001", required=True, references="products.sku"),
        _c("supplier_id", TEXT, "Supplier holding the assist (empty = the SKU's supplier).", "SUP-0001",
           references="suppliers.supplier_id"),
        _c("kind", TEXT, "What was provided.", "mould", default="other",
           allowed=("mould", "tooling", "dies", "materials", "engineering", "other")),
        _c("description", TEXT, "Free text.", "Injection mould, 2 cavities"),
        _c("cost", DECIMAL, "What the assist cost you, USD (including transport to the supplier).", "4200",
           required=True, minimum=0, exclusive_minimum=True),
        _c("provided_on", DATE, "Date the supplier received it: shipments entered from this date carry it.",
           "2024-01-10", happened=True),
        _c("units_declared", INT, "Units the cost is spread over (the production you declared to CBP): each of the "
           "first units_declared units shipped carries cost / units_declared.", "20000", required=True, minimum=0,
           exclusive_minimum=True),
    ),
)

DUTY_REFUNDS = Table(
    name="duty_refunds",
    key=("refund_id",),
    description="One row per duty refund claimed for a customs entry (an IEEPA refund, a protest, a post-summary "
                "correction, drawback): what was claimed and what came back.",
    columns=(
        _c("refund_id", TEXT, "Refund identifier.", "RF-0001", required=True),
        _c("entry_number", TEXT, "Entry the refund is for (shipments.entry_number); split over its shipments by "
           "duty.", "ABC-1234567-8"),
        _c("shipment_id", TEXT, "Shipment the refund is for, when the entry has no number.", "SHP-0001",
           references="shipments.shipment_id"),
        _c("program", TEXT, "Why the duty is refunded.", "ieepa", default="other",
           allowed=("ieepa", "protest", "post_summary_correction", "drawback", "other")),
        _c("claimed_on", DATE, "Date the claim was filed.", "2026-04-20", happened=True),
        _c("amount_claimed", DECIMAL, "Duty claimed back, USD.", "2400", **MONEY),
        _c("received_on", DATE, "Date the money came back (empty while pending).", "2026-06-15", happened=True),
        _c("amount_received", DECIMAL, "Duty refunded, USD (interest excluded).", "2400", **MONEY),
        _c("note", TEXT, "Free text.", "CAPE declaration 2026-0001"),
    ),
    row_rules=(RowRule(("claimed_on", "received_on"), "received_on is before claimed_on", "<="),),
)

ENTRY_SUMMARY_LINES = Table(
    name="entry_summary_lines",
    key=("entry_number", "line_number", "hts_code"),
    description="One row per HTS number on a line of a customs entry summary (CBP Form 7501) as your broker filed "
                "it: the line's 10-digit classification and each chapter 99 number reported with it, with their "
                "duty, and the line's MPF and HMF. `supplier-risk import --format cbp-7501-lines` writes it from the "
                "broker's line listing, `--format ace-es003` from the importer's ACE report ES-003 (no MPF or HMF "
                "there). The broker's duty, MPF and HMF replace the computed ones for the shipments "
                "with that `entry_number` and are reconciled against them (`marts.customs_entries`).",
    columns=(
        _c("entry_number", TEXT, "Entry number (Form 7501 block 1: filer code, 7 digits, check digit), as on "
           "`shipments.entry_number`.", "ABC-1234567-8", required=True),
        _c("line_number", INT, "Line number on the entry summary (block 31).", "1", required=True, minimum=1),
        _c("hts_code", TEXT, "HTSUS number (block 33A): the 10-digit classification or a chapter 99 number "
           "reported with it (e.g. 9903.88.03 for Section 301 List 3).", "4202.92.3131", required=True),
        _c("entry_type", TEXT, "Entry type code (block 2): 01 formal consumption, 11 informal, 06 foreign-trade "
           "zone.", "01"),
        _c("entry_on", DATE, "Entry date (block 7).", "2026-03-10"),
        _c("origin_country", TEXT, "Country of origin (block 10 or the line's), ISO 3166 alpha-2.", "CN"),
        _c("description", TEXT, "Description of merchandise (block 32).", "Travel bags, outer surface of textile"),
        _c("entered_value", DECIMAL, "Entered value in USD (block 36A), on the line's 10-digit HTS number (empty "
           "on its chapter 99 numbers).", "12000", **MONEY),
        _c("rate", TEXT, "Rate as declared (block 37A): `17.6%`, `Free`, a specific rate.", "17.6%"),
        _c("duty", DECIMAL, "Duty declared for this HTS number, USD (block 38).", "2112.00", **MONEY),
        _c("mpf", DECIMAL, "Merchandise processing fee of the line (fee class 499), USD.", "41.57", **MONEY),
        _c("hmf", DECIMAL, "Harbor maintenance fee of the line (fee class 501), USD.", "15.00", **MONEY),
        _c("liquidated_on", DATE, "Liquidation date of the entry (ACE): the day CBP made its duty final, from which "
           "the 180 days to protest run; empty while it is not liquidated. A date after the build's as-of date is "
           "a scheduled one.", "2026-01-16"),
        _c("liquidation_status", TEXT, "Liquidation status as ACE writes it (Liquidated, Unliquidated, Suspended, "
           "Extended …).", "Liquidated"),
        _c("adcvd_cases", TEXT, "Antidumping or countervailing duty case number(s) declared under this HTS number "
           "(block 33B), as CBP writes them: A or C, the country, the case and the company's suffix "
           "(`A-570-092-001`; `000` for the all-others or country-wide rate); several separated by commas.",
           "A-570-092-000"),
        _c("adcvd_rate", TEXT, "AD/CVD cash-deposit rate(s) as declared (block 37B).", "62.50%"),
        _c("ad_duty", DECIMAL, "Antidumping duty cash deposit declared on this HTS number, USD (block 38 on its AD "
           "case; class 012). Goes into landed cost with the duty; never compared with the computed duty, which "
           "has no AD/CVD rates.", "7500.00", **MONEY),
        _c("cvd_duty", DECIMAL, "Countervailing duty cash deposit declared on this HTS number, USD (block 38 on its "
           "CVD case; class 013), as `ad_duty`.", "1452.00", **MONEY),
    ),
)

REVIEWED_WARNINGS = Table(
    name="reviewed_warnings",
    key=("check_name", "problem"),
    description="One row per row a data check warned of that you looked at and found right as it is (a shipment "
                "that really was dated before its order, an entry summary you agree with): the build lists it as "
                "reviewed, no longer worth a look, for as long as the row gives the same problem; a row whose values "
                "change warns again. The Data page writes this file when you tick rows reviewed; by hand, copy the "
                "check_name and problem_exact columns of the Data page's download of every warned row (or the "
                "check and the problem as the build's log gives them).",
    columns=(
        _c("check_name", TEXT, "The check that warned (its file name in pipelines/checks/).",
           "dates_before_their_order", required=True, allowed=WARNING_CHECKS),
        _c("problem", TEXT, "The problem exactly as the check gives it, naming the row.",
           "shipment SHP-0001 shipped on 2024-01-03, before its order PO-2024-0001 was placed on 2024-01-05",
           required=True),
        _c("reviewed_on", DATE, "Date you reviewed it.", "2026-12-06", required=True, happened=True),
        _c("reviewed_by", TEXT, "Who reviewed it.", "J. Smith"),
        _c("note", TEXT, "Why it is right as it is.", "Order raised after the goods shipped: agreed by phone"),
    ),
    holds_decisions=True,
)

# In load order: a table's references always point to tables earlier in this list.
TABLES: tuple[Table, ...] = (
    SUPPLIERS, PRODUCTS, PURCHASE_ORDERS, BANK_ACCOUNTS, PAYMENTS, INSPECTIONS, SHIPMENTS, SALES, RETURNS,
    QUALITY_COSTS, ASSISTS, DUTY_REFUNDS, ENTRY_SUMMARY_LINES, CHANGES, CORRECTIVE_ACTIONS, REVIEWED_WARNINGS,
)
TABLES_BY_NAME = {t.name: t for t in TABLES}

# Enum columns whose values are upper-case codes; all others are compared in lower case.
UPPERCASE_ENUMS = {"inspection_type", "incoterm", "inspection_level"}

# Words that name the same idea in other exports' headers (delivery_date for delivered_on, and so on).
_HEADER_SUFFIXES = ("_on", "_date", "_at", "_day", "_dt")


def likely_meant(header: str, absent: list[str]) -> str | None:
    """The absent contract column an unknown header most likely stands for (delivery_date → delivered_on), or None.

    Suffixes that only say "this is a date" are dropped, then the stems are compared (difflib ratio ≥ 0.8), so a
    renamed column is caught while an unrelated extra column (whatsapp, notes) is not.
    """
    import difflib

    def stem(name: str) -> str:
        name = name.strip().lower().replace(" ", "_").replace("-", "_")
        for suffix in _HEADER_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix) + 2:
                return name[: -len(suffix)]
        return name

    mine = stem(header)
    scored = [(difflib.SequenceMatcher(None, mine, stem(a)).ratio(), a) for a in absent]
    best = max(scored, default=(0.0, None))
    return best[1] if best[0] >= 0.8 else None


# A quality-cost row must name at least one of these.
AT_LEAST_ONE_OF = {"quality_costs": ("po_id", "supplier_id"), "duty_refunds": ("entry_number", "shipment_id")}
