"""Inspection report summary (the one-line-per-report table inspection companies send or export) → `inspections`.

There is no industry-standard layout, so the importer knows the usual spellings of each field (English and the
Chinese labels of Chinese inspection companies): report number, PO, date, service (PSI/FRI, DUPRO/DPI/IPI, PPI,
CLC/LS), inspection level (`General II`, `S-2`), the three AQLs (separate columns, or one `AQL (Cr/Ma/Mi)` column such
as `0/2.5/4.0`), lot and sample size, critical / major / minor defects found, result (`Passed`, `Failed`, `On hold`,
`合格`…) and fee. Services and results map through the dated, editable code maps
data/reference/inspection_services.csv and inspection_results.csv; an unknown code rejects the line. The report
number is the inspection's id, so importing the same summary again replaces, never duplicates.
"""

from __future__ import annotations

import re

import pandas as pd

from pipelines.adapters.base import (Collector, Converted, Format, Options, Source, as_lists, fmt_number,
                                     load_code_map)
from pipelines.adapters.dates import parse_dates
from pipelines.adapters.numbers import parse_numbers

COLUMNS = ("Report No.", "PO No.", "Inspection Date", "Service", "Inspection Level", "AQL Critical", "AQL Major",
           "AQL Minor", "AQL (Cr/Ma/Mi)", "Lot Size", "Sample Size", "Critical Found", "Major Found", "Minor Found",
           "Result", "Inspector", "Fee")
REQUIRED = ("Report No.", "PO No.", "Inspection Date", "Service", "Result")
SYNONYMS = {
    "Report No.": ("Report Number", "Report #", "Report ID", "Report No", "报告编号", "报告号"),
    "PO No.": ("PO Number", "PO #", "PO", "Purchase Order", "Order No.", "Order Number", "订单号", "PO号"),
    "Inspection Date": ("Date", "Date of Inspection", "Inspection Day", "验货日期", "检验日期"),
    "Service": ("Inspection Type", "Service Type", "Type", "检验类型", "验货类型"),
    "Inspection Level": ("Sampling Level", "Level", "AQL Level", "检验水平"),
    "AQL Critical": ("Critical AQL", "AQL Cr", "AQL Crit"),
    "AQL Major": ("Major AQL", "AQL Ma", "AQL Maj"),
    "AQL Minor": ("Minor AQL", "AQL Mi", "AQL Min"),
    "AQL (Cr/Ma/Mi)": ("AQL", "AQL Cr/Ma/Mi", "AQL (Critical/Major/Minor)"),
    "Lot Size": ("Order Qty", "Order Quantity", "Lot Quantity", "Inspected Quantity", "Lot Qty", "批量"),
    "Sample Size": ("Sample Qty", "Sample Quantity", "Sampling Size", "抽样数量", "样本量"),
    "Critical Found": ("Critical", "Critical Defects", "Cr Found", "Critical Defects Found", "致命缺陷"),
    "Major Found": ("Major", "Major Defects", "Ma Found", "Major Defects Found", "严重缺陷"),
    "Minor Found": ("Minor", "Minor Defects", "Mi Found", "Minor Defects Found", "轻微缺陷"),
    "Result": ("Overall Result", "Inspection Result", "Conclusion", "Final Result", "结果", "检验结果"),
    "Inspector": ("Inspection Company", "Inspector Name", "Inspected By", "验货公司"),
    "Fee": ("Cost", "Inspection Fee", "Price", "费用"),
}
_LEVEL = re.compile(r"^(?:general\s*(?:inspection\s*)?(?:level\s*)?|level\s*|g-?|gl-?)?(I{1,3})$", re.IGNORECASE)
_SPECIAL = re.compile(r"^(?:special\s*(?:level\s*)?)?S\s*-?\s*([1-4])$", re.IGNORECASE)


def level(text: str | None) -> str | None:
    """ISO 2859-1 level as the contract writes it (`II`, `S-2`) from `General II`, `G-II`, `Level II`, `S2`…;
    None when not recognised."""
    if text is None or pd.isna(text):
        return None
    value = str(text).strip()
    if m := _LEVEL.match(value):
        return m.group(1).upper()
    if m := _SPECIAL.match(value):
        return f"S-{m.group(1)}"
    return None


def convert(source: Source, options: Options) -> Converted:
    out = Collector(FORMAT, source)
    services = load_code_map("inspection_services.csv", "code")
    results = load_code_map("inspection_results.csv", "code")
    frame, lines = source.frame, source.frame["_line"]
    report, po = source.text("Report No."), source.text("PO No.")
    for column, values in (("Report No.", report), ("PO No.", po)):
        out.reject_where(values.isna(), column, f"required value is missing: {column}")
    dates = parse_dates(source.text("Inspection Date"), lines, declared=options.date_format)
    out.reject_where(dates.errors.notna(), "Inspection Date", dates.errors)
    out.reject_where(source.text("Inspection Date").isna(), "Inspection Date", "required value is missing")
    service = source.text("Service").str.upper()
    out.reject_where(service.notna() & ~service.isin(list(services)), "Service",
                     "unknown inspection service " + source.text("Service").map(repr)
                     + ": add it to data/reference/inspection_services.csv (PPI, DUPRO, PSI or CLC)")
    out.reject_where(service.isna(), "Service", "required value is missing: Service")
    result = source.text("Result").str.upper()
    out.reject_where(result.notna() & ~result.isin(list(results)), "Result",
                     "unknown inspection result " + source.text("Result").map(repr)
                     + ": add it to data/reference/inspection_results.csv (pass, fail or pending)")
    out.reject_where(result.isna(), "Result", "required value is missing: Result")
    levels = source.text("Inspection Level").map(level, na_action="ignore")
    out.reject_where(source.text("Inspection Level").notna() & levels.isna(), "Inspection Level",
                     "not an ISO 2859-1 inspection level (I, II, III, S-1…S-4): "
                     + source.text("Inspection Level").map(repr))

    aql = {name: source.text(f"AQL {name}") for name in ("Critical", "Major", "Minor")}
    combined = source.text("AQL (Cr/Ma/Mi)")
    split = combined.str.split(r"\s*/\s*", regex=True)
    has_combined = combined.notna()
    out.reject_where(has_combined & (split.str.len() != 3), "AQL (Cr/Ma/Mi)",
                     "not three AQLs written critical/major/minor: " + combined.map(repr))
    for n, name in enumerate(("Critical", "Major", "Minor")):
        from_combined = split.map(lambda parts, n=n: parts[n] if isinstance(parts, list) and len(parts) == 3
                                  else None)
        aql[name] = aql[name].fillna(from_combined.astype("string"))
    numbers = {}
    for column, text in (("AQL Critical", aql["Critical"]), ("AQL Major", aql["Major"]), ("AQL Minor", aql["Minor"]),
                         ("Lot Size", source.text("Lot Size")), ("Sample Size", source.text("Sample Size")),
                         ("Critical Found", source.text("Critical Found")), ("Major Found", source.text("Major Found")),
                         ("Minor Found", source.text("Minor Found")), ("Fee", source.text("Fee"))):
        parsed = parse_numbers(text, lines, decimal=None if column == "Fee" else ".")
        out.reject_where(parsed.errors.notna(), column, parsed.errors)
        numbers[column] = parsed.values

    good = ~out.bad()
    seen: dict[str, int] = {}
    rows = []
    c = as_lists(report=report, po=po, line=lines, service=service, result=result, level=levels,
                 day=dates.values.dt.strftime("%Y-%m-%d"), inspector=source.text("Inspector"),
                 **{column: values for column, values in numbers.items()})
    for i in frame.index[good]:
        report_i = c["report"][i]
        if report_i in seen:
            out.leave_out(c["line"][i], "Report No.", f"report {report_i} is already on line {seen[report_i]}")
            continue
        seen[report_i] = int(c["line"][i])
        counts = {k: ("" if pd.isna(c[k][i]) else fmt_number(c[k][i], 6)) for k in numbers}
        rows.append(dict(
            inspection_id=report_i, po_id=c["po"][i], inspection_type=services[c["service"][i]]["inspection_type"],
            inspected_on=c["day"][i], inspector=(c["inspector"][i] if pd.notna(c["inspector"][i]) else ""),
            inspection_level=c["level"][i] if pd.notna(c["level"][i]) else "",
            aql_critical=counts["AQL Critical"], aql_major=counts["AQL Major"], aql_minor=counts["AQL Minor"],
            lot_size=counts["Lot Size"], sample_size=counts["Sample Size"],
            critical_defects=counts["Critical Found"], major_defects=counts["Major Found"],
            minor_defects=counts["Minor Found"], result=results[c["result"][i]]["result"], cost=counts["Fee"]))
    return out.result({"inspections": rows})


FORMAT = Format(
    name="inspection-summary",
    title="Inspection report summary",
    tables=("inspections",),
    columns=COLUMNS,
    required=REQUIRED,
    convert=convert,
    synonyms=SYNONYMS,
    doc="docs/importers.md#inspection-report-summary",
)
