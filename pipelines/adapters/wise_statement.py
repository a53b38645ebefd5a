"""Wise (formerly TransferWise) account statement, CSV → `payments`.

Wise → Statements and reports → Statements → CSV, one file per currency balance: `TransferWise ID, Date, Amount,
Currency, Description, Payment Reference, Running Balance, Exchange From, Exchange To, Exchange Rate, Payer Name,
Payee Name, Payee Account Number, Merchant, Card Last Four Digits, Card Holder Full Name, Attachment, Note, Total fees,
Exchange To Amount`. Amounts are signed (money out is negative), in the row's `Currency`.

Many brands pay their Chinese suppliers by Wise transfer, outside Trade Assurance; the statement is then the one
record of who was paid, how much and to which account. A payment belongs to the purchase order whose number its
`Payment Reference` or `Note` carries (pipelines/adapters/transfers.py decides each transfer, for every bank export).

- `payment_id` = `wise:` + the TransferWise ID (importing the statement again replaces, never duplicates);
- `paid_on` = `Date`; `amount` = what the supplier was sent, in the PO's currency: the amount out less Wise's fee
  (`Total fees`), which a statement includes in the amount unless it lists fees as lines of their own
  ("Wise Charges for: …", the accounting statement's *show fees separately*); when the transfer converted currency,
  `Exchange To Amount` (or the amount less the fee times `Exchange Rate`) in the currency it converted to;
- `kind` from the words of the reference and note (data/reference/payment_kinds.csv: `deposit`, `定金` → deposit;
  `balance`, `尾款` → balance; neither → blank, which the build reads from the amounts paid on the order: the
  payment that brings them to its value is the balance, its first payment below that the deposit); `channel` =
  `wire`; `payee_name` = `Payee Name`;
- `bank_account_id`: the PO supplier's account in the folder's bank_accounts file whose number is the
  `Payee Account Number`. An account the supplier has not on file is the pattern of bank-detail fraud: it is added to
  `bank_accounts` unverified, first seen on the earliest payment to it, its country from an IBAN or ZZ (unknown), so
  the score's bank-account signal and red flag see it; the import names it, masked.

Left out by rule: money in, card payments, conversions between balances, Wise's fee lines, a transfer returned in
full (cancelled or bounced: its refund carries the same ID), and transfers whose reference names no purchase order
(rent, advertising, a supplier whose PO number was not written). Rejected: a reference naming several purchase
orders (the amount cannot be split), a payment in another currency than its PO, a reference saying both deposit and
balance, a transfer partly returned, and missing or malformed values.
"""

from __future__ import annotations

import re

import pandas as pd

from pipelines.adapters.base import Collector, Converted, Format, Options, Source, as_lists
from pipelines.adapters.dates import parse_dates
from pipelines.adapters.numbers import parse_numbers
from pipelines.adapters.transfers import Payments, Transfer, reference_text

COLUMNS = ("TransferWise ID", "Date", "Amount", "Currency", "Description", "Payment Reference", "Running Balance",
           "Exchange From", "Exchange To", "Exchange Rate", "Payer Name", "Payee Name", "Payee Account Number",
           "Merchant", "Card Last Four Digits", "Card Holder Full Name", "Attachment", "Note", "Total fees",
           "Exchange To Amount")
REQUIRED = ("TransferWise ID", "Date", "Amount", "Currency", "Description", "Payment Reference", "Payee Name",
            "Payee Account Number")
SYNONYMS = {"TransferWise ID": ("ID",)}
FEE_LINE = "wise charges for"          # how a fee listed as a line of its own begins its Description
_FEE_OF = re.compile(r"wise charges for:?\s*(\S+)", re.IGNORECASE)


def convert(source: Source, options: Options) -> Converted:
    out = Collector(FORMAT, source)
    payments = Payments(out, options.context_dir, "wise", dict(id="TransferWise ID", reference="Payment Reference",
                                                              currency="Currency", amount="Amount"))
    frame, lines = source.frame, source.frame["_line"]
    ident, currency = source.text("TransferWise ID"), source.text("Currency").str.upper()
    description = source.text("Description").fillna("")
    for column, values in (("TransferWise ID", ident), ("Currency", currency)):
        out.reject_where(values.isna(), column, f"required value is missing: {column}")
    dates = parse_dates(source.text("Date"), lines, declared=options.date_format)
    out.reject_where(dates.errors.notna(), "Date", dates.errors)
    out.reject_where(source.text("Date").isna(), "Date", "required value is missing: Date")
    numbers = {}
    for column in ("Amount", "Total fees", "Exchange Rate", "Exchange To Amount"):
        parsed = parse_numbers(source.text(column), lines, decimal=".")
        out.reject_where(parsed.errors.notna(), column, parsed.errors)
        numbers[column] = parsed.values
    amount = numbers["Amount"]
    out.reject_where(source.text("Amount").isna(), "Amount", "required value is missing: Amount")

    is_fee_line = description.str.lower().str.startswith(FEE_LINE)
    fees_apart = bool(is_fee_line.any())
    kind_of_id = id_kind(ident)
    returned = {}  # TransferWise ID -> (line, amount) of money coming back with a transfer's own ID
    for i in frame.index[(amount > 0).fillna(False) & (kind_of_id == "TRANSFER") & ~is_fee_line]:
        returned[ident[i]] = (int(lines[i]), float(amount[i]))

    reference = reference_text(source.text("Payment Reference"), source.text("Note"))
    exchange_to = source.text("Exchange To").str.upper()
    payee, account = source.text("Payee Name"), source.text("Payee Account Number")
    c = as_lists(line=lines, fee_line=is_fee_line, amount=amount, id_kind=kind_of_id, ident=ident,
                 description=description, currency=currency, exchange_to=exchange_to, payee=payee, account=account,
                 reference=reference, fee=numbers["Total fees"], to_amount=numbers["Exchange To Amount"],
                 rate=numbers["Exchange Rate"], day=dates.values.dt.strftime("%Y-%m-%d"))
    for i in frame.index[~out.bad()]:
        line, ident_i, amount_i = int(c["line"][i]), c["ident"][i], c["amount"][i]
        if c["fee_line"][i]:
            out.leave_out(line, "Description", "Wise's fee line, not paid to the supplier: the fee for "
                                               f"{_fee_of(c['description'][i])}")
            continue
        if amount_i >= 0:
            out.leave_out(line, "Amount", "money in, not a payment")
            continue
        if c["id_kind"][i] != "TRANSFER":
            out.leave_out(line, "TransferWise ID", not_a_transfer(ident_i))
            continue
        if ident_i in returned:
            back_line, back = returned[ident_i]
            if abs(back + float(amount_i)) < 0.005:
                out.leave_out(line, "TransferWise ID", f"returned in full (cancelled or bounced): on line "
                                                       f"{back_line}; nothing was paid")
            else:
                out.reject(line, "TransferWise ID", f"partly returned: {back:,.2f} of {-float(amount_i):,.2f} "
                                                    f"on line {back_line}; write the payment in payments.csv by hand")
            continue
        fee = 0.0 if fees_apart or pd.isna(c["fee"][i]) else float(c["fee"][i])
        sent = -float(amount_i) - fee
        paid_in, value = c["currency"][i], sent
        exchange_to_i = c["exchange_to"][i]
        if pd.notna(exchange_to_i) and exchange_to_i != paid_in:
            paid_in = exchange_to_i
            value = (float(c["to_amount"][i]) if pd.notna(c["to_amount"][i])
                     else sent * float(c["rate"][i]) if pd.notna(c["rate"][i]) else None)
        payments.add(Transfer(line, ident_i, c["day"][i], paid_in, value,
                              c["payee"][i] if pd.notna(c["payee"][i]) else None,
                              c["account"][i] if pd.notna(c["account"][i]) else None, c["reference"][i]))
    if fees_apart:
        out.notices.append(f"{source.path.name}: Wise's fees are lines of their own, so each transfer's amount is "
                           "what the supplier was sent")
    return out.result(payments.rows())


def id_kind(ident: pd.Series) -> pd.Series:
    """What a Wise id names, from its prefix (`TRANSFER`, `CARD`, `BALANCE`…): only a TRANSFER pays a bank account."""
    return ident.str.extract(r"^([A-Za-z_]+)-", expand=False).str.upper()


def not_a_transfer(ident: str) -> str:
    """Why a line whose id is not a TRANSFER is left out."""
    return f"not a transfer to a bank account: a {ident.split('-')[0].lower()} line"


def _fee_of(description: str) -> str:
    m = _FEE_OF.match(description.strip())
    return m.group(1) if m else "a transfer"


FORMAT = Format(
    name="wise-statement",
    title="Wise account statement",
    tables=("payments", "bank_accounts"),
    columns=COLUMNS,
    required=REQUIRED,
    convert=convert,
    synonyms=SYNONYMS,
    doc="docs/importers.md#wise-account-statement",
)
