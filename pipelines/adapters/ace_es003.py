"""CBP ACE report ES-003, Entry Summary Line Tariff Details → `entry_summary_lines`.

The importer of record's own listing of every formal entry summary filed under its number, whoever the broker was
(ACE Secure Data Portal → Reports → Entry Summary → ES-003; exported as CSV or Excel): one row per tariff ordinal
of a line, the line's chapter 99 numbers and its 10-digit classification each a row, every row repeating its
entry's fields. Headers are ACE's (`Entry Summary Number`, `Entry Summary Line Number`, `Tariff Ordinal Number`,
`HTS Number - Full`, `Line Tariff Goods Value Amount`, `Line Tariff Duty Amount` …, and `Liquidation Date` and
`Liquidation Status` when the report was run with them, as refund guides tell importers to); the report's other
columns (importer and port, review team, manufacturer ID, quantities) are not read. The entry summary number
is written without dashes (`ABC12345678`), dates MM/DD/YYYY, amounts in US dollars (`$2,567.49`). The report has
no merchandise processing or harbor maintenance fee: the build computes them from the entered value.

The rows are read as the broker's Form 7501 lines are (`entry_summary.convert_lines`: the same checks, key and
table), with ACE's column names in every rejection.
"""

from __future__ import annotations

from dataclasses import replace

from pipelines.adapters import entry_summary as form
from pipelines.adapters.base import Collector, Converted, Format, Options, Source

# ACE's column → the Form 7501 column it is (the names entry_summary reads).
AS_FORM = {
    "Entry Summary Number": form.ENTRY,
    "Entry Type Code": "Entry Type",
    "Entry Summary Date": "Summary Date",
    "Entry Date": "Entry Date",
    "Country of Origin Code": "Country of Origin",
    "Entry Summary Line Number": form.LINE,
    "HTS Number - Full": form.HTS,
    "Line Tariff Goods Value Amount": "Entered Value",
    "Line Tariff Duty Amount": "Duty and IR Tax",
    "Liquidation Date": "Liquidation Date",
    "Liquidation Status": "Liquidation Status",
}
COLUMNS = tuple(AS_FORM)
REQUIRED = ("Entry Summary Number", "Entry Summary Line Number", "HTS Number - Full", "Entry Date",
            "Line Tariff Duty Amount")
SYNONYMS = {
    "HTS Number - Full": ("HTS Number Full", "HTS Number"),
    "Line Tariff Goods Value Amount": ("Line Goods Value Amount",),
    "Line Tariff Duty Amount": ("Line Duty Amount", "Line Tariff Amount"),
}
AS_REPORT = {v: k for k, v in AS_FORM.items()}


def convert(source: Source, options: Options) -> Converted:
    frame = source.frame.rename(columns=AS_FORM)
    for name in form.COLUMNS:  # the form's columns the report has no counterpart of: empty
        if name not in frame.columns:
            frame[name] = None
    # A type code a spreadsheet stored as a number lost its leading zero (1 for 01).
    code = frame["Entry Type"].astype("string").str.strip()
    frame["Entry Type"] = code.where(~code.str.fullmatch(r"\d").fillna(False), "0" + code)
    done = form.convert_lines(replace(source, frame=frame, _texts={}), Collector(FORMAT, source), carry_down=False)
    for problem in done.problems:  # the report's own column names, as the file shows them
        problem.column = AS_REPORT.get(problem.column, problem.column)
        for name, reported in AS_REPORT.items():
            problem.reason = problem.reason.replace(f"missing: {name}", f"missing: {reported}")
    return done


FORMAT = Format(
    name="ace-es003",
    title="CBP ACE report ES-003 (Entry Summary Line Tariff Details)",
    tables=("entry_summary_lines",),
    columns=COLUMNS,
    required=REQUIRED,
    convert=convert,
    synonyms=SYNONYMS,
    doc="docs/importers.md#cbp-ace-report-es-003-entry-summary-line-tariff-details",
    fixed_dates=form.DATE_FORM,
)
