"""Wise (formerly TransferWise) transactions list, CSV → `payments`.

Wise → Transactions → Download (the list of every transfer, including those paid from a bank account or card rather
than a Wise balance, which a balance statement does not show): `ID, Status, Direction, Created on, Finished on,
Source fee amount, Source fee currency, Target fee amount, Target fee currency, Source name, Source amount (after
fees), Source currency, Target name, Target amount (after fees), Target currency, Exchange rate, Reference, Batch,
Created by, Category, Note`. Timestamps are ISO (`2026-10-28 03:40:51`), amounts unsigned; `Direction` says which
way the money went.

A completed transfer out (`TRANSFER-…`, `OUT`, `COMPLETED`) is a payment of the purchase order its `Reference` or
`Note` names, decided as every bank transfer is (pipelines/adapters/transfers.py): `amount` = `Target amount (after
fees)`, what the supplier received, in `Target currency` (Wise's fee is already off it); `paid_on` = the day of
`Finished on` (else `Created on`); `payee_name` = `Target name`. The list carries no account numbers, so it leaves
`bank_account_id` blank (a payment a statement import already matched to an account keeps it): import the balance
statement too for the bank-account check.

Left out by rule: money in (`IN`), conversions between balances (`NEUTRAL`), card and other non-transfer lines,
transfers cancelled or refunded (nothing was paid), transfers not completed yet (import a later list), and transfers
whose reference names no purchase order and whose payee is not a supplier.
"""

from __future__ import annotations

import pandas as pd

from pipelines.adapters.base import Collector, Converted, Format, Options, Source, as_lists
from pipelines.adapters.dates import parse_dates
from pipelines.adapters.numbers import parse_numbers
from pipelines.adapters.transfers import Payments, Transfer, reference_text
from pipelines.adapters.wise_statement import id_kind, not_a_transfer

COLUMNS = ("ID", "Status", "Direction", "Created on", "Finished on", "Source fee amount", "Source fee currency",
           "Target fee amount", "Target fee currency", "Source name", "Source amount (after fees)", "Source currency",
           "Target name", "Target amount (after fees)", "Target currency", "Exchange rate", "Reference", "Batch",
           "Created by", "Category", "Note")
REQUIRED = ("ID", "Status", "Direction", "Created on", "Target name", "Target amount (after fees)", "Target currency",
            "Reference")
NOT_PAID = {"CANCELLED": "cancelled: nothing was paid", "REFUNDED": "refunded: the money came back"}


def convert(source: Source, options: Options) -> Converted:
    out = Collector(FORMAT, source)
    payments = Payments(out, options.context_dir, "wise", dict(id="ID", reference="Reference",
                                                              currency="Target currency",
                                                              amount="Target amount (after fees)"))
    frame, lines = source.frame, source.frame["_line"]
    ident, status, direction = (source.text(c) for c in ("ID", "Status", "Direction"))
    status, direction = status.str.upper(), direction.str.upper()
    for column, values in (("ID", ident), ("Status", status), ("Direction", direction)):
        out.reject_where(values.isna(), column, f"required value is missing: {column}")
    out.reject_where(direction.notna() & ~direction.isin(["IN", "OUT", "NEUTRAL"]), "Direction",
                     "not a direction Wise writes (IN, OUT or NEUTRAL): " + source.text("Direction").map(repr))
    dates = {}
    for column in ("Created on", "Finished on"):
        dates[column] = parse_dates(source.text(column), lines, declared=options.date_format)
        out.reject_where(dates[column].errors.notna(), column, dates[column].errors)
    out.reject_where(source.text("Created on").isna(), "Created on", "required value is missing: Created on")
    received = parse_numbers(source.text("Target amount (after fees)"), lines, decimal=".")
    out.reject_where(received.errors.notna(), "Target amount (after fees)", received.errors)

    reference = reference_text(source.text("Reference"), source.text("Note"))
    target, currency = source.text("Target name"), source.text("Target currency").str.upper()
    kind_of_id = id_kind(ident)
    finished = dates["Finished on"].values.dt.strftime("%Y-%m-%d").where(dates["Finished on"].values.notna())
    c = as_lists(line=lines, direction=direction, id_kind=kind_of_id, ident=ident, status=status,
                 status_as_written=source.text("Status"), currency=currency, received=received.values, payee=target,
                 reference=reference, day=finished.fillna(dates["Created on"].values.dt.strftime("%Y-%m-%d")))
    for i in frame.index[~out.bad()]:
        line, direction_i, status_i = int(c["line"][i]), c["direction"][i], c["status"][i]
        if direction_i == "IN":
            out.leave_out(line, "Direction", "money in, not a payment")
        elif direction_i == "NEUTRAL":
            out.leave_out(line, "Direction", "not a transfer to a bank account: a conversion between balances")
        elif c["id_kind"][i] != "TRANSFER":
            out.leave_out(line, "ID", not_a_transfer(c["ident"][i]))
        elif status_i in NOT_PAID:
            out.leave_out(line, "Status", NOT_PAID[status_i])
        elif status_i != "COMPLETED":
            out.leave_out(line, "Status", f"not completed yet: status {c['status_as_written'][i]}; import a later "
                                          "list once it is")
        else:
            received_i, currency_i, payee_i = c["received"][i], c["currency"][i], c["payee"][i]
            payments.add(Transfer(line, c["ident"][i], c["day"][i], currency_i if pd.notna(currency_i) else "",
                                  None if pd.isna(received_i) else float(received_i),
                                  payee_i if pd.notna(payee_i) else None, None, c["reference"][i]))
    if payments.payments:
        out.notices.append(f"{source.path.name}: a transactions list carries no account numbers, so these payments "
                           "name no bank account (unless a statement import already matched one): import the balance "
                           "statement of the same months for the bank-account check")
    return out.result(payments.rows())


FORMAT = Format(
    name="wise-transactions",
    title="Wise transactions list",
    tables=("payments",),
    columns=COLUMNS,
    required=REQUIRED,
    convert=convert,
    doc="docs/importers.md#wise-transactions-list",
)
