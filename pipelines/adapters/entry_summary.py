"""Customs broker's entry summary lines (CBP Form 7501, one row per HTS number of a line) → `entry_summary_lines`.

A broker lists an entry summary the way the form lays it out: the entry's own blocks (1 entry number, 2 entry type,
3 summary date, 7 entry date, 10 country of origin), then per line (block 31) its HTSUS numbers (33A) — chapter 99
numbers first, the 10-digit classification last — with the entered value (36A, on the classification), the rate
(37A) and the duty (38), and the line's fees (class 499 MPF, 501 HMF). Goods under an antidumping or countervailing
duty order carry their case numbers (33B), the deposit rate (37B) and the deposits, class 012 ADD and 013 CVD, as
the fees are. Headers are the form's block labels (the usual spellings of broker listings are synonyms). As on the
form, the entry's blocks and the line number are written once: a blank cell in those columns takes the value of the
row above within the same entry (a blank entry number continues the entry above). Dates are MM/DD/YYYY, the form's
own; amounts are US dollars with a decimal point. Rejected: an entry number that is not a filer code, 7 digits and a
check digit; an HTS number that is not 10 digits (or an 8-digit chapter 99 number); an AD/CVD case that is not A or
C and 3, 3 (and 3) digits; a date not in MM/DD/YYYY; a line number that is not a whole number > 0; a negative or
unreadable amount; the same entry, line and HTS number twice. The key is entry + line + HTS number, so importing the
same summary again replaces its rows.
"""

from __future__ import annotations

import re

import pandas as pd

from pipelines.adapters.base import Collector, Converted, Format, Options, Source, fmt_number
from pipelines.adapters.dates import parse_published_dates
from pipelines.adapters.numbers import parse_numbers
from pipelines.adapters.sniff import SPREADSHEET_SUFFIXES

ENTRY, LINE, HTS = "Filer Code/Entry Number", "Line No.", "HTSUS No."
CASES = "AD/CVD Case No."
COLUMNS = (ENTRY, "Entry Type", "Summary Date", "Entry Date", "Country of Origin", LINE,
           "Description of Merchandise", HTS, "Entered Value", "HTSUS Rate", "Duty and IR Tax", "MPF", "HMF",
           CASES, "AD/CVD Rate", "ADD", "CVD", "Liquidation Date", "Liquidation Status")
REQUIRED = (ENTRY, "Entry Date", LINE, HTS, "Duty and IR Tax")
SYNONYMS = {
    ENTRY: ("Entry Number", "Entry No.", "Entry No", "Entry #", "Filer Code / Entry Number", "Filer Code/Entry No."),
    "Entry Type": ("Entry Type Code",),
    "Entry Date": ("Entry Dt",),
    "Country of Origin": ("Origin Country", "COO"),
    LINE: ("Line Number", "Line No", "Line #", "Line"),
    "Description of Merchandise": ("Description", "Merchandise Description"),
    HTS: ("HTSUS Number", "HTSUS No", "HTS Number", "HTS No.", "HTS No", "HTS", "Tariff Number"),
    "Entered Value": ("Line Entered Value", "Entered Value (USD)"),
    "HTSUS Rate": ("HTS Rate", "Duty Rate", "Rate"),
    "Duty and IR Tax": ("Duty and I.R. Tax", "Duty & IR Tax", "Duty Amount", "Line Duty", "Duty"),
    "MPF": ("499 MPF", "MPF (499)", "Merchandise Processing Fee", "499"),
    "HMF": ("501 HMF", "HMF (501)", "Harbor Maintenance Fee", "501"),
    CASES: ("AD/CVD Case Number", "AD/CVD Case No", "ADD/CVD Case No.", "ADD/CVD Case Number", "AD/CVD Case",
            "ADCVD Case Number"),
    "AD/CVD Rate": ("ADD/CVD Rate", "ADCVD Rate"),
    "ADD": ("012 ADD", "ADD (012)", "AD Duty", "ADD Amount", "Antidumping Duty", "Anti-Dumping Duty"),
    "CVD": ("013 CVD", "CVD (013)", "CV Duty", "CVD Amount", "Countervailing Duty"),
    "Liquidation Date": ("Liquidated On", "Liq Date", "Liquidation Dt"),
    "Liquidation Status": ("Liq Status",),
}
# The entry's blocks, written once per entry on the form; blank cells below continue the entry above (the
# liquidation, not on the form, is the entry's too).
ENTRY_BLOCKS = ("Entry Type", "Summary Date", "Entry Date", "Country of Origin", "Liquidation Date",
                "Liquidation Status")
DATE_FORM = "MM/DD/YYYY"  # the form's instructions (block 3): month, day and year, MM/DD/YYYY
_ENTRY = re.compile(r"^([A-Z0-9]{3})[\s-]?(\d{7})[\s-]?(\d)$")


def entry_number(text: str | None) -> str | None:
    """`ABC-1234567-8` from `ABC-1234567-8`, `abc 1234567 8` or `ABC12345678`; None when not that shape."""
    if text is None or pd.isna(text):
        return None
    m = _ENTRY.match(str(text).strip().upper())
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else None


def hts_number(text: str | None) -> str | None:
    """`4202.92.3131` from `4202.92.3131` or `4202923131`, `9903.88.03` from `99038803`; None otherwise."""
    if text is None or pd.isna(text):
        return None
    value = str(text).strip()
    if re.search(r"[^\d.\s]", value):
        return None
    digits = re.sub(r"\D", "", value)
    if len(digits) == 10:
        return f"{digits[:4]}.{digits[4:6]}.{digits[6:]}"
    if len(digits) == 8 and digits.startswith("99"):
        return f"{digits[:4]}.{digits[4:6]}.{digits[6:]}"
    return None


_CASE = re.compile(r"^([AC])-?(\d{3})-?(\d{3})(?:-?(\d{3}))?$")


def adcvd_cases(text: str | None) -> str | None:
    """`A-570-092-000, C-570-093-000` from the case numbers of block 33B as written (`A570092000`, `a-570-092-000`;
    several separated by commas, semicolons, slashes or spaces; Commerce's `A-570-092` without the company's suffix
    too); None when one of them is not a case number."""
    if text is None or pd.isna(text):
        return None
    parts = [p for p in re.split(r"[,;/\s]+", str(text).strip().upper()) if p]
    found = [_CASE.match(p) for p in parts]
    if not parts or not all(found):
        return None
    return ", ".join("-".join(g for g in m.groups() if g) for m in found)


def convert(source: Source, options: Options) -> Converted:
    return convert_lines(source, Collector(FORMAT, source), carry_down=True)


def convert_lines(source: Source, out: Collector, carry_down: bool) -> Converted:
    """Entry summary lines from `source`, whose columns have this format's names (COLUMNS), one row per HTS
    number of a line. `carry_down`: the form's layout, an entry's blocks and a line's number and description
    written once, blank below (a listing that repeats them on every row, as ACE's reports do, reads the same)."""
    frame, lines = source.frame, source.frame["_line"]
    written = source.text(ENTRY)
    # The form writes an entry's blocks once: a blank entry number continues the entry above, and within an entry
    # a blank block or line number takes the row above's.
    entry_raw = written.ffill() if carry_down else written
    out.reject_where(entry_raw.isna(), ENTRY, "required value is missing: no entry number on this row or above"
                     if carry_down else "required value is missing: no entry number")
    numbers = entry_raw.map(entry_number, na_action="ignore")
    out.reject_where(entry_raw.notna() & numbers.isna(), ENTRY,
                     "not an entry number (3-character filer code, 7 digits, check digit): " + entry_raw.map(repr))
    starts = written.notna()
    block = starts.cumsum()
    carried = {name: source.text(name).groupby(block).ffill() if carry_down else source.text(name)
               for name in (*ENTRY_BLOCKS, LINE)}
    # The description is written once per line, like the line number.
    carried["Description of Merchandise"] = source.text("Description of Merchandise") \
        .groupby([block, carried[LINE]]).ffill() if carry_down else source.text("Description of Merchandise")
    out.reject_where(starts & source.text(LINE).isna(), LINE, "required value is missing: the first row of an "
                     "entry needs its line number" if carry_down else "required value is missing: no line number")

    spreadsheet = source.path.suffix.lower() in SPREADSHEET_SUFFIXES
    dates = {name: parse_published_dates(carried[name], lines, DATE_FORM, spreadsheet)
             for name in ("Summary Date", "Entry Date", "Liquidation Date")}
    for name, parsed in dates.items():
        out.reject_where(parsed.errors.notna(), name, parsed.errors)
    out.reject_where(carried["Entry Date"].isna(), "Entry Date", "required value is missing: Entry Date")
    line_no = parse_numbers(carried[LINE], lines, decimal=".")
    out.reject_where(line_no.errors.notna(), LINE, line_no.errors)
    bad_line = line_no.values.notna() & ((line_no.values < 1) | (line_no.values % 1 != 0))
    out.reject_where(bad_line, LINE, "not a line number (a whole number > 0): " + carried[LINE].map(repr))
    hts_text = source.text(HTS)
    hts = hts_text.map(hts_number, na_action="ignore")
    out.reject_where(hts_text.isna(), HTS, "required value is missing: HTSUS No.")
    out.reject_where(hts_text.notna() & hts.isna(), HTS, "not an HTSUS number (10 digits, or an 8-digit chapter 99 "
                     "number): " + hts_text.map(repr))
    # Block 2 is the two-digit type code, followed by the ABI status indicator on ABI entries (`01 ABI/A`).
    entry_type = carried["Entry Type"].str.extract(r"^(\d{2})(?:\s|$)", expand=False)
    out.reject_where(carried["Entry Type"].notna() & entry_type.isna(), "Entry Type",
                     "not an entry type code (two digits, e.g. 01 or 11): " + carried["Entry Type"].map(repr))
    origin = carried["Country of Origin"].str.upper()
    out.reject_where(origin.notna() & ~origin.str.fullmatch(r"[A-Z]{2}").fillna(False).astype(bool),
                     "Country of Origin", "not an ISO 3166 alpha-2 country code: " + origin.map(repr))
    amounts = {}
    for name in ("Entered Value", "Duty and IR Tax", "MPF", "HMF", "ADD", "CVD"):
        parsed = parse_numbers(source.text(name), lines, decimal=".")
        out.reject_where(parsed.errors.notna(), name, parsed.errors)
        out.reject_where(parsed.values < 0, name, "a negative amount: " + source.text(name).map(repr))
        amounts[name] = parsed.values
    out.reject_where(source.text("Duty and IR Tax").isna(), "Duty and IR Tax",
                     "required value is missing: Duty and IR Tax (write 0.00 for a free line)")

    cases_text = source.text(CASES)
    cases = cases_text.astype(object).map(adcvd_cases, na_action="ignore")
    out.reject_where(cases_text.notna() & cases.isna(), CASES, "not AD/CVD case numbers (A or C, then 3, 3 and 3 "
                     "digits, e.g. A-570-092-000; several separated by commas): " + cases_text.map(repr))
    cases = cases.fillna("")

    liquidated = dates["Liquidation Date"].values
    good = ~out.bad()
    seen: dict[tuple, int] = {}
    rows = []
    for i in frame.index[good]:
        key = (numbers[i], int(line_no.values[i]), hts[i])
        if key in seen:
            out.reject(lines[i], HTS, f"entry {key[0]} line {key[1]} {key[2]} is already on line {seen[key]}")
            continue
        seen[key] = int(lines[i])

        def text(name: str, i: int = i) -> str:
            value = carried[name][i] if name in carried else source.text(name)[i]
            return "" if pd.isna(value) else str(value)

        def money(name: str, i: int = i) -> str:
            return "" if pd.isna(amounts[name][i]) else fmt_number(amounts[name][i], 2)

        # A chapter 99 number carries no entered value of its own (block 36A is on the classification); a listing
        # that writes 0.00 there means none.
        value = "" if key[2].startswith("99") and amounts["Entered Value"][i] == 0 else money("Entered Value")
        rows.append(dict(
            entry_number=numbers[i], line_number=str(key[1]), hts_code=hts[i],
            entry_type="" if pd.isna(entry_type[i]) else entry_type[i],
            entry_on=dates["Entry Date"].values[i].date().isoformat(),
            origin_country="" if pd.isna(origin[i]) else origin[i], description=text("Description of Merchandise"),
            entered_value=value, rate=text("HTSUS Rate"), duty=money("Duty and IR Tax"),
            mpf=money("MPF"), hmf=money("HMF"),
            liquidated_on="" if pd.isna(liquidated[i]) else liquidated[i].date().isoformat(),
            liquidation_status=text("Liquidation Status"), adcvd_cases=cases[i], adcvd_rate=text("AD/CVD Rate"),
            ad_duty=money("ADD"), cvd_duty=money("CVD")))
    return out.result({"entry_summary_lines": rows})


FORMAT = Format(
    name="cbp-7501-lines",
    title="Customs entry summary (CBP Form 7501) lines",
    tables=("entry_summary_lines",),
    columns=COLUMNS,
    required=REQUIRED,
    convert=convert,
    synonyms=SYNONYMS,
    doc="docs/importers.md#customs-entry-summary-cbp-form-7501",
    fixed_dates=DATE_FORM,
)
