"""Convert the USAID SCMS delivery history (either published variant) into the import format.

The SCMS export is one row per line item: vendor, item, order and delivery dates, quantity, value, freight and
insurance. It becomes four contract tables (suppliers, products, purchase_orders, shipments). The mapping and every
judgement call are documented in docs/importers.md; `supplier-risk import --format usaid-scms` runs it.

Lines that cannot be converted honestly (a zero value, no order date, a date not in the dataset's own form, impossible
date orders such as a purchase order after delivery, dates before the programme started) are returned as
`Rejection` records with the file, line, column, reason and raw line; they are not written to the tables.
Freight that one line carries for its whole ASN/DN (`See ASN-93 (ID#:1281)` on the others) is split over the
written lines of that shipment by line value, to the cent (models.allocation.allocate), so the total is conserved.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from models.allocation import allocate, to_cents
from pipelines import contract as c
from pipelines.adapters.base import AdapterError, Converted, Format, Options, Problem, Source, fmt_number
from pipelines.adapters.dates import DateColumn, parse_dates
from pipelines.readers import FileError, read_csv_records
from pipelines.validate import Rejection

SETTINGS_PATH = Path(__file__).resolve().parents[2] / "data" / "reference" / "scms_settings.csv"
ADAPTER_TABLE = "scms"  # Rejection.table for problems in the source file itself

# Canonical (common-copy) column names; the data.gov copy has the same names in lower case.
COLUMNS = (
    "ID", "Project Code", "PQ #", "PO / SO #", "ASN/DN #", "Country", "Managed By", "Fulfill Via",
    "Vendor INCO Term", "Shipment Mode", "PQ First Sent to Client Date", "PO Sent to Vendor Date",
    "Scheduled Delivery Date", "Delivered to Client Date", "Delivery Recorded Date", "Product Group",
    "Sub Classification", "Vendor", "Item Description", "Molecule/Test Type", "Brand", "Dosage", "Dosage Form",
    "Unit of Measure (Per Pack)", "Line Item Quantity", "Line Item Value", "Pack Price", "Unit Price",
    "Manufacturing Site", "First Line Designation", "Weight (Kilograms)", "Freight Cost (USD)",
    "Line Item Insurance (USD)",
)
PQ_DATE, PO_DATE = "PQ First Sent to Client Date", "PO Sent to Vendor Date"
SCHEDULED, DELIVERED = "Scheduled Delivery Date", "Delivered to Client Date"
FREIGHT, INSURANCE, VALUE, QUANTITY = ("Freight Cost (USD)", "Line Item Insurance (USD)", "Line Item Value",
                                       "Line Item Quantity")

# Text the dataset writes where a date is not known: not an error, just no date.
DATE_MISSING = {"", "pre-pq process", "date not captured", "n/a - from rdc", "n/a"}
# The forms the dataset writes its dates in (both published variants): quote and order dates month first
# (`6/2/06`, `6/2/2006`), delivery dates with a month name (`2-Jun-06`). A date in any other form (`2012-01-06`, a
# copy whose m/d/yy dates a tool read as yy-mm-dd) is not trusted: its line is rejected.
DATE_FORMS = {PQ_DATE: "M/D/YY", PO_DATE: "M/D/YY", SCHEDULED: "D-MMM-YY", DELIVERED: "D-MMM-YY"}
_NUMBER = re.compile(r"^\d+(\.\d+)?$|^\d{1,3}(,\d{3})+(\.\d+)?$")
_FREIGHT_REF = re.compile(r"^See\s+((?:ASN|DN)-\d+)\s*\(ID#:\s*(\d+)\s*\)$", re.IGNORECASE)

INCOTERMS_2020 = set(c.PURCHASE_ORDERS.column("incoterm").allowed)
# DDU was dropped in Incoterms 2010; the ICC names DAP as the rule that replaces it.
INCOTERM_RENAMES = {"DDU": "DAP"}
INCOTERM_MISSING = {"", "N/A - FROM RDC", "N/A"}
MODES = {"air": "air", "air charter": "air", "truck": "truck", "ocean": "sea"}
MODE_MISSING = {"", "n/a"}
TRUE_TEXT, FALSE_TEXT = {"yes", "true"}, {"no", "false"}

# Vendor country: only when the data names it (see docs/importers.md). Multi-word names are matched first.
COUNTRY_NAMES = {
    "south africa": "ZA", "puerto rico": "PR", "hong kong": "HK", "nigeria": "NG", "ireland": "IE",
    "france": "FR", "india": "IN", "germany": "DE", "japan": "JP", "korea": "KR", "china": "CN",
    "thailand": "TH", "canada": "CA", "australia": "AU", "norway": "NO", "usa": "US", "uk": "GB",
    "basel": "CH", "shanghai": "CN", "nashik": "IN", "hyderabad": "IN", "goa": "IN", "pune": "IN",
    "bangalore": "IN", "wiesbaden": "DE", "ludwigshafen": "DE", "haarlem": "NL", "meymac": "FR",
}
# Upper-case codes as the manufacturing-site field writes them ("Hetero Unit III Hyderabad IN").
SITE_CODES = {"IN": "IN", "DE": "DE", "IT": "IT", "NL": "NL", "US": "US", "UK": "GB", "CY": "CY", "SA": "ZA"}

# Words that do not identify a company, ignored when comparing a vendor with a manufacturing site.
GENERIC_WORDS = {
    "limited", "ltd", "inc", "plc", "co", "corp", "corporation", "company", "gmbh", "kg", "bv", "srl", "sa", "llc",
    "pty", "the", "of", "and", "laboratories", "laboratory", "labs", "lab", "pharma", "pharmaceutical",
    "pharmaceuticals", "medical", "diagnostic", "diagnostics", "international", "export", "import", "group",
    "services", "sciences", "logistics", "industries", "formerly", "formally", "aka", "subsidiary", "south",
    "africa", "east", "hong", "kong", "nigeria", "ireland", "france", "india", "usa", "uk", "unit", "not",
    "applicable", "health", "healthcare", "distributors", "wholesaler", "institute", "foundation", "supplies",
    "technologies", "biotech", "systems", "sys", "instrument", "innovations", "america", "latin",
    "scms", "from", "rdc", "per", "de", "idea", "ag", "uc", "rd", "lc",
}
# Company-name aliases the data itself uses: sites are written "ABBVIE (Abbott)" and "GSK".
NAME_ALIASES = {"abbott": "abbvie", "glaxosmithkline": "gsk"}


@dataclass
class ScmsResult:
    """What one conversion did: counts, rejections, freight bookkeeping and the written tables."""

    source: Path
    rows_read: int
    lines_written: int
    rows_written: dict[str, int]
    rejections: list[Rejection]
    notices: list[str] = field(default_factory=list)
    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    freight_carried: float = 0.0   # freight of the shipment groups with at least one written line
    freight_written: float = 0.0   # sum of freight_cost written (equals freight_carried to the cent)
    freight_lost: float = 0.0      # freight whose whole shipment group was rejected

    @property
    def rows_rejected(self) -> int:
        return len({r.line for r in self.rejections})

    def rejected_by_reason(self) -> Counter:
        """Rejected lines per reason kind (the reason up to its first colon); a line with two problems counts twice."""
        return Counter(kind for _, kind in {(r.line, r.reason.split(":")[0]) for r in self.rejections})


# --------------------------------------------------------------------------------------------------- parsing
def load_settings(path: Path = SETTINGS_PATH) -> dict[str, str]:
    """The adapter's dated, sourced settings (data/reference/scms_settings.csv) as setting -> value."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["setting"]: row["value"] for row in csv.DictReader(handle)}


def programme_start(path: Path = SETTINGS_PATH) -> date:
    return date.fromisoformat(load_settings(path)["programme_start_on"])


def read_dates(frame: pd.DataFrame) -> dict[str, DateColumn]:
    """Each date column read as a whole in its SCMS form (DATE_FORMS); the no-date markers are empty."""
    out = {}
    for column, form in DATE_FORMS.items():
        text = frame[column].astype("string").str.strip()
        text = text.mask(text.str.lower().isin(DATE_MISSING))
        out[column] = parse_dates(text, frame["_line"], declared=form)
    return out


def date_form_notices(name: str, frame: pd.DataFrame, read: dict) -> list[str]:
    """One notice per date column holding values in another form than the dataset's (a rewritten copy)."""
    notes = []
    for column, result in read.items():
        wrong = result.errors.astype("string").str.startswith("not in the declared date format").fillna(False)
        if wrong.any():
            i = wrong[wrong].index[0]
            notes.append(f"{name}: {column} holds {int(wrong.sum()):,} date(s) not in the dataset's form "
                         f"{DATE_FORMS[column]} (e.g. line {frame['_line'][i]} {frame[column][i]!r}) beside "
                         f"{int(result.values.notna().sum()):,} in it: a tool rewrote dates in this copy, so those "
                         "lines are rejected rather than read")
    return notes


def parse_number(text: str | None) -> float | None:
    """A plain number (thousands separators allowed); None when empty; ValueError for other text."""
    value = (text or "").strip()
    if not value:
        return None
    if not _NUMBER.match(value):
        raise ValueError(f"not a number: {value!r}")
    return float(value.replace(",", ""))


@dataclass(frozen=True)
class Freight:
    """One freight cell: kind is amount, included (in commodity cost), separate (invoiced separately) or reference."""

    kind: str
    amount: float | None = None
    ref_shipment: str | None = None
    ref_id: int | None = None


def parse_freight(text: str | None) -> Freight:
    """Classify a `Freight Cost (USD)` cell; ValueError for text we do not know (never guessed)."""
    value = (text or "").strip()
    lowered = value.lower()
    if lowered == "freight included in commodity cost":
        return Freight("included", 0.0)
    if lowered == "invoiced separately":
        return Freight("separate")
    if m := _FREIGHT_REF.match(value):
        return Freight("reference", ref_shipment=m.group(1).upper(), ref_id=int(m.group(2)))
    number = parse_number(value)
    if number is None:
        return Freight("separate")  # blank: not known, like "Invoiced Separately"
    return Freight("amount", number)


def slug(text: str) -> str:
    """Lower-case ASCII-ish identifier: runs of anything but letters and digits become one hyphen."""
    return re.sub(r"[^0-9a-z]+", "-", text.lower()).strip("-")


def _name_tokens(text: str) -> set[str]:
    words = [NAME_ALIASES.get(w, w) for w in re.findall(r"[a-z0-9]+", text.lower())]
    return {w for w in words if w not in GENERIC_WORDS and len(w) >= 2}


def _acronym(text: str) -> str:
    """Initials of the first three words (`BRISTOL-MYERS SQUIBB` -> `bms`, `MERCK SHARP & DOHME` -> `msd`)."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "".join(w[0] for w in words[:3]) if len(words) >= 3 else ""


def is_own_site(vendor: str, site: str) -> bool:
    """Whether a manufacturing site belongs to the vendor: a shared distinctive name word or the vendor's initials."""
    site_tokens = _name_tokens(site)
    vendor_tokens = _name_tokens(vendor)
    if vendor_tokens & site_tokens:
        return True
    acronym = _acronym(vendor)
    return bool(acronym) and acronym in site_tokens


def country_in(text: str, codes: bool = False) -> str | None:
    """ISO alpha-2 of the last country (or known city) named in `text`; with codes=True also `IN`, `DE`…"""
    lowered = " " + re.sub(r"[^a-z]+", " ", text.lower()) + " "
    best: tuple[int, str] | None = None
    for name, code in COUNTRY_NAMES.items():
        at = lowered.rfind(f" {name} ")
        if at >= 0 and (best is None or at > best[0]):
            best = (at, code)
    if codes:
        for m in re.finditer(r"\b([A-Z]{2})\b", text):
            if m.group(1) in SITE_CODES and (best is None or m.start() >= best[0]):
                best = (m.start(), SITE_CODES[m.group(1)])
    return best[1] if best else None


# ------------------------------------------------------------------------------------------------ conversion
def _canonical_frame(path: Path):
    parsed = read_csv_records(path)
    by_lower = {h.lower(): h for h in parsed.header}
    missing = [name for name in COLUMNS if name.lower() not in by_lower]
    if missing:
        raise FileError(path.name, "required SCMS column is missing from the header", column=missing[0])
    frame = parsed.frame.rename(columns={by_lower[n.lower()]: n for n in COLUMNS})
    return parsed, frame


def convert(path: Path, start: date | None = None) -> ScmsResult:
    """Convert one SCMS file (common or data.gov variant) into contract rows; nothing is written to disk."""
    path = Path(path)
    start = start or programme_start()
    parsed, frame = _canonical_frame(path)
    records = frame.to_dict("records")
    rejections: list[Rejection] = []
    read = read_dates(frame)
    notices: list[str] = date_form_notices(path.name, frame, read)

    def reject(rec: dict, column: str, reason: str, table: str = ADAPTER_TABLE) -> None:
        line = int(rec["_line"])
        rejections.append(Rejection(table, path.name, line, column, reason, parsed.lines[line - 1]))

    for line, raw, reason in parsed.malformed:
        rejections.append(Rejection(ADAPTER_TABLE, path.name, line, "(row)", reason, raw))

    ids = Counter(r["ID"].strip() for r in records)
    lines: list[dict] = []
    for row, rec in zip(frame.index, records):
        before = len(rejections)
        line_id = rec["ID"].strip()
        if not line_id.isdigit():
            reject(rec, "ID", f"not a line ID: {line_id!r}")
        elif ids[line_id] > 1:
            reject(rec, "ID", f"duplicate line ID: {line_id} appears {ids[line_id]} times")
        if not rec["Vendor"].strip():
            reject(rec, "Vendor", "required value is missing: Vendor", "suppliers")
        quantity = value = insurance = None
        try:
            quantity = parse_number(rec[QUANTITY])
            if quantity is None or quantity <= 0 or quantity != int(quantity):
                reject(rec, QUANTITY, f"quantity must be a whole number > 0: {rec[QUANTITY]!r}", "purchase_orders")
        except ValueError as exc:
            reject(rec, QUANTITY, str(exc), "purchase_orders")
        try:
            value = parse_number(rec[VALUE])
            if value is None or value <= 0:
                reject(rec, VALUE, f"line value is 0 or missing, so unit_price (value / quantity) would not be > 0: "
                                   f"{rec[VALUE]!r}", "purchase_orders")
        except ValueError as exc:
            reject(rec, VALUE, str(exc), "purchase_orders")
        try:
            insurance = parse_number(rec[INSURANCE])
        except ValueError as exc:
            reject(rec, INSURANCE, str(exc), "shipments")
        dates: dict[str, date | None] = {}
        for column in (PQ_DATE, PO_DATE, SCHEDULED, DELIVERED):
            error, day = read[column].errors[row], read[column].values[row]
            if isinstance(error, str):
                reject(rec, column, error.replace("declared date format", "dataset's date form")
                       + (" (a date rewritten by a tool?)" if "declared date format" in error else ""))
            dates[column] = None if pd.isna(day) else day.date()
        for column, day in dates.items():
            if day is not None and day < start:
                reject(rec, column, f"date before the programme start ({start.isoformat()}): {day.isoformat()} "
                                    f"(written {rec[column]!r}; a mangled m/d/yy date?)")
        ordered_on, ordered_from = dates[PO_DATE], PO_DATE
        if ordered_on is None:
            ordered_on, ordered_from = dates[PQ_DATE], PQ_DATE
        if ordered_on is None and all(rec[col].strip().lower() in DATE_MISSING for col in (PO_DATE, PQ_DATE)):
            reject(rec, PO_DATE, f"no order date: {PO_DATE} is {rec[PO_DATE]!r} and {PQ_DATE} is {rec[PQ_DATE]!r}",
                   "purchase_orders")
        if dates[SCHEDULED] is None and rec[SCHEDULED].strip().lower() in DATE_MISSING:
            reject(rec, SCHEDULED, "required value is missing: Scheduled Delivery Date (the shipment date)",
                   "shipments")
        if dates[DELIVERED] is None and rec[DELIVERED].strip().lower() in DATE_MISSING:
            reject(rec, DELIVERED, "required value is missing: Delivered to Client Date (the shipment date)",
                   "shipments")
        if ordered_on is not None and dates[DELIVERED] is not None and ordered_on > dates[DELIVERED]:
            reject(rec, ordered_from, f"order date after delivery: {ordered_from} {ordered_on.isoformat()} is after "
                                      f"{DELIVERED} {dates[DELIVERED].isoformat()}")
        elif ordered_on is not None and dates[SCHEDULED] is not None and ordered_on > dates[SCHEDULED]:
            reject(rec, ordered_from, f"order date after scheduled delivery: {ordered_from} {ordered_on.isoformat()} "
                                      f"is after {SCHEDULED} {dates[SCHEDULED].isoformat()}")
        try:
            freight = parse_freight(rec[FREIGHT])
        except ValueError:
            reject(rec, FREIGHT, f"unknown freight text: {rec[FREIGHT]!r}", "shipments")
            freight = None
        mode_text = rec["Shipment Mode"].strip().lower()
        if mode_text not in MODES and mode_text not in MODE_MISSING:
            reject(rec, "Shipment Mode", f"unknown shipment mode: {rec['Shipment Mode']!r}", "shipments")
        inco = rec["Vendor INCO Term"].strip().upper()
        inco = INCOTERM_RENAMES.get(inco, inco)
        if inco in INCOTERM_MISSING:
            inco = ""
        elif inco not in INCOTERMS_2020:
            reject(rec, "Vendor INCO Term", f"not an Incoterms 2020 rule: {rec['Vendor INCO Term']!r}",
                   "purchase_orders")
        lines.append(dict(rec=rec, ok=len(rejections) == before, id=int(line_id) if line_id.isdigit() else None,
                          quantity=quantity, value=value, insurance=insurance, dates=dates, ordered_on=ordered_on,
                          freight=freight, mode=MODES.get(mode_text, ""), incoterm=inco))

    # ---- freight: each written line's share of the freight its shipment group paid
    by_id = {ln["id"]: ln for ln in lines if ln["id"] is not None and ids[str(ln["id"])] == 1}
    groups: dict[int, list[dict]] = defaultdict(list)   # carrying line ID -> written lines sharing its freight
    for ln in lines:
        f = ln["freight"]
        if not ln["ok"]:
            continue
        if f.kind == "amount":
            groups[ln["id"]].append(ln)
        elif f.kind == "reference":
            groups[f.ref_id].append(ln)
        else:
            ln["freight_cost"] = f.amount  # included -> 0, separate -> unknown
    carried = written = lost = 0
    for carrier_id, members in groups.items():
        carrier = by_id.get(carrier_id)
        if carrier is None or carrier["freight"] is None or carrier["freight"].kind not in ("amount", "included",
                                                                                            "separate"):
            notices.append(f"{path.name}: freight reference to line ID {carrier_id} that carries no freight "
                           f"amount; freight left empty on {len(members)} line(s)")
            for ln in members:
                ln["freight_cost"] = None
            continue
        amount = carrier["freight"].amount
        if amount is None:  # carrier says "Invoiced Separately": unknown for the whole group
            for ln in members:
                ln["freight_cost"] = None
            continue
        shares = allocate(amount, [ln["value"] for ln in members], basis_name="line value", fallback="equal")
        for ln, share in zip(members, shares):
            ln["freight_cost"] = share
        carried += to_cents(amount)
        written += sum(to_cents(s) for s in shares)
    for ln in lines:  # carriers rejected together with every line of their group: freight not written
        f = ln["freight"]
        if not ln["ok"] and f is not None and f.kind == "amount" and ln["id"] not in groups and ln["id"] is not None:
            lost += to_cents(f.amount)

    # ---- suppliers: one per vendor (all lines, so a vendor whose lines were all rejected is still listed)
    vendor_lines: dict[str, list[dict]] = defaultdict(list)
    for ln in lines:
        if ln["rec"]["Vendor"].strip():
            vendor_lines[ln["rec"]["Vendor"].strip()].append(ln["rec"])
    suppliers, supplier_ids = [], {}
    for vendor in sorted(vendor_lines):
        supplier_id = slug(vendor)
        if supplier_id in supplier_ids.values():
            raise AdapterError(f"two vendor names give the same supplier_id {supplier_id!r}")
        supplier_ids[vendor] = supplier_id
        sites = Counter(r["Manufacturing Site"].strip() for r in vendor_lines[vendor])
        own = Counter({s: n for s, n in sites.items() if is_own_site(vendor, s)})
        is_manufacturer = sum(own.values()) * 2 > sum(sites.values())
        country = country_in(vendor)
        if country is None and is_manufacturer:
            country = country_in(own.most_common(1)[0][0], codes=True)
        suppliers.append(dict(supplier_id=supplier_id, supplier_name=vendor,
                              supplier_type="manufacturer" if is_manufacturer else "trading_company",
                              country=country or c.UNKNOWN_COUNTRY))

    # ---- products: one per item and vendor (the contract gives every SKU one supplier)
    products: dict[str, dict] = {}
    for ln in lines:
        rec = ln["rec"]
        vendor = rec["Vendor"].strip()
        if not vendor:
            continue
        sku = f"{slug(rec['Item Description'])}--{supplier_ids[vendor]}"
        ln["sku"] = sku
        if sku not in products:
            products[sku] = dict(sku=sku, product_name=rec["Item Description"].strip(),
                                 category=slug(f"{rec['Product Group']} {rec['Sub Classification']}").replace("-", "_"),
                                 supplier_id=supplier_ids[vendor], origin_country="")
        site_country = country_in(rec["Manufacturing Site"], codes=True)
        products[sku].setdefault("_origins", Counter())[site_country or c.UNKNOWN_COUNTRY] += 1
    for product in products.values():
        product["origin_country"] = product.pop("_origins").most_common(1)[0][0]

    # ---- purchase orders and shipments: one of each per written line
    purchase_orders, shipments = [], []
    for ln in sorted((ln for ln in lines if ln["ok"]), key=lambda ln: ln["id"]):
        rec = ln["rec"]
        po_id = f"{rec['PO / SO #'].strip()}/{ln['id']}"
        quantity = int(ln["quantity"])
        purchase_orders.append(dict(
            po_id=po_id, supplier_id=supplier_ids[rec["Vendor"].strip()], sku=ln["sku"],
            ordered_on=ln["ordered_on"].isoformat(), quantity=str(quantity),
            unit_price=fmt_number(ln["value"] / quantity, 6), currency="USD", incoterm=ln["incoterm"],
            promised_ship_on=ln["dates"][SCHEDULED].isoformat()))
        shipments.append(dict(
            shipment_id=f"{rec['ASN/DN #'].strip()}/{ln['id']}", po_id=po_id, mode=ln["mode"],
            shipped_on=ln["dates"][DELIVERED].isoformat(), delivered_on=ln["dates"][DELIVERED].isoformat(),
            quantity=str(quantity), freight_cost=_text(ln.get("freight_cost")),
            insurance_cost=_text(ln["insurance"])))

    tables = {t.name: [] for t in c.TABLES}
    tables.update(suppliers=suppliers, products=sorted(products.values(), key=lambda p: p["sku"]),
                  purchase_orders=purchase_orders, shipments=shipments)
    rejections.sort(key=lambda r: (r.line, r.column))
    result = ScmsResult(path, rows_read=len(records) + len(parsed.malformed), lines_written=len(purchase_orders),
                        rows_written={name: len(rows) for name, rows in tables.items()}, rejections=rejections,
                        notices=notices, tables=tables, freight_carried=carried / 100, freight_written=written / 100,
                        freight_lost=lost / 100)
    assert result.rows_read == result.lines_written + result.rows_rejected, "every line is written or rejected"
    return result


def _text(value: float | None) -> str:
    return "" if value is None else fmt_number(value)


def convert_source(source: Source, options: Options) -> Converted:
    """The registry's entry point: convert the SCMS file and report it like every other format."""
    result = convert(source.path)
    problems = [Problem(r.line, r.column, r.reason, r.raw) for r in result.rejections]
    notices = list(result.notices) + [
        f"{source.path.name}: freight {result.freight_written:,.2f} USD written (conserved from "
        f"{result.freight_carried:,.2f}); {result.freight_lost:,.2f} USD on shipments whose every line was rejected"]
    rows = {table: rows for table, rows in result.tables.items() if rows}
    return Converted(FORMAT, source.path, source.read_as, result.rows_read, rows, {}, problems, notices)


FORMAT = Format(
    name="usaid-scms",
    title="USAID SCMS delivery history",
    tables=("suppliers", "products", "purchase_orders", "shipments"),
    columns=COLUMNS,
    required=COLUMNS,
    convert=convert_source,
    doc="docs/importers.md#usaid-scms-delivery-history",
    fixed_dates=", ".join(f"{column}: {form}" for column, form in DATE_FORMS.items()),
)

__all__ = ["ScmsResult", "Freight", "FORMAT", "convert", "convert_source", "read_dates", "parse_freight",
           "parse_number", "is_own_site", "country_in", "programme_start", "slug"]
