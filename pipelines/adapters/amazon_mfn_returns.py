"""Amazon returns report for seller-fulfilled orders, by return date (Seller Central → Reports → Return reports, the
flat file `GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE`) → `returns`, with the refund.

The FBA customer returns report covers the units Amazon's warehouses take back; a brand that ships some orders
itself (Merchant Fulfilled, Seller Fulfilled Prime) gets those returns only in this report. Tab-delimited, one line
per returned item of a return request: `Order ID, Order date, Return request date, Return request status, Amazon RMA
ID, Merchant RMA ID, Label type, Label cost, Currency code, Return carrier, Tracking ID, Label to be paid by, A-to-Z
Claim, Is prime, ASIN, Merchant SKU, Item Name, Return quantity, Return Reason, In policy, Return type, Resolution,
Invoice number, Return delivery date, Order Amount, Order quantity, SafeT Action reason, SafeT claim id, SafeT claim
state, SafeT claim creation time, SafeT claim reimbursement amount, Refunded Amount` (a report of an older layout
without the RMA or the refund column is read too: its returns are keyed by request day, their refunds left empty).
Dates are written `14-Aug-2026`.

`Return Reason` is Amazon's customer reason code: `CR-` and the code the FBA report writes without it
(`CR-DEFECTIVE` is `DEFECTIVE`), or one of the `AMZ-PG-` codes; each maps through the same dated, editable code map
as the FBA report (`data/reference/amazon_return_reasons.csv`), and an unknown code rejects the line rather than
being guessed. `Refunded Amount` is in `Currency code`, converted to USD at the month's rate of the request date
(a refund whose currency is missing or has no rate rejects its line; an empty one is written empty, and filled by a
settlement report of the same order and SKU imported into the same folder, as for the FBA report). The report has
no disposition: the seller inspects the unit, so `disposition` stays empty. A request the seller rejected
(`Return request status` Rejected) is not a return and is left out by rule.
"""

from __future__ import annotations

import pandas as pd

from pipelines import fx
from pipelines.adapters.base import (Collector, Converted, Format, Options, Source, as_lists, fmt_number,
                                     load_code_map, written_channel)
from pipelines.adapters.dates import parse_dates
from pipelines.adapters.numbers import parse_numbers
from pipelines.adapters.store import RETURN_ORDERS

DEFAULT_CHANNEL = "amazon_us"
COLUMNS = (
    "Order ID", "Order date", "Return request date", "Return request status", "Amazon RMA ID", "Merchant RMA ID",
    "Label type", "Label cost", "Currency code", "Return carrier", "Tracking ID", "Label to be paid by",
    "A-to-Z Claim", "Is prime", "ASIN", "Merchant SKU", "Item Name", "Return quantity", "Return Reason", "In policy",
    "Return type", "Resolution", "Invoice number", "Return delivery date", "Order Amount", "Order quantity",
    "SafeT Action reason", "SafeT claim id", "SafeT claim state", "SafeT claim creation time",
    "SafeT claim reimbursement amount", "Refunded Amount",
)
REQUIRED = ("Order ID", "Return request date", "Merchant SKU", "Return quantity", "Return Reason")
CUSTOMER_REASON = "CR-"  # the prefix of the customer reason codes the FBA report writes without it


def reason_code(text: pd.Series) -> pd.Series:
    """The code as amazon_return_reasons.csv keys it: upper case, `CR-DEFECTIVE` → `DEFECTIVE`."""
    upper = text.str.strip().str.upper()
    return upper.where(~upper.str.startswith(CUSTOMER_REASON, na=False), upper.str[len(CUSTOMER_REASON):])


def convert(source: Source, options: Options) -> Converted:
    out = Collector(FORMAT, source)
    reasons = load_code_map("amazon_return_reasons.csv", "code")
    frame, lines = source.frame, source.frame["_line"]
    channel = written_channel(options, DEFAULT_CHANNEL)
    if not options.channel:
        out.notices.append(f"{source.path.name}: the returns report does not name its marketplace; channel "
                           f"{DEFAULT_CHANNEL!r} is written (use --channel for another)")
    status = source.text("Return request status").fillna("")
    rejected = status.str.strip().str.casefold() == "rejected"
    out.leave_out_where(rejected, "Return request status", "a return request the seller rejected: not a return")

    order_id, sku = source.text("Order ID"), source.text("Merchant SKU")
    for column, values in (("Order ID", order_id), ("Merchant SKU", sku)):
        out.reject_where(~rejected & values.isna(), column, f"required value is missing: {column}")
    requested = source.text("Return request date")
    dates = parse_dates(requested, lines, declared=options.date_format)
    out.reject_where(~rejected & dates.errors.notna(), "Return request date", dates.errors)
    out.reject_where(~rejected & requested.isna(), "Return request date",
                     "required value is missing: Return request date")
    quantity = parse_numbers(source.text("Return quantity"), lines, decimal=".")
    out.reject_where(~rejected & quantity.errors.notna(), "Return quantity", quantity.errors)
    bad_quantity = quantity.values.notna() & ((quantity.values <= 0) | (quantity.values % 1 != 0))
    out.reject_where(~rejected & bad_quantity, "Return quantity",
                     "quantity must be a whole number > 0: " + source.text("Return quantity").map(repr))
    out.reject_where(~rejected & source.text("Return quantity").isna(), "Return quantity",
                     "required value is missing: Return quantity")

    code = reason_code(source.text("Return Reason"))
    known = code.isin(list(reasons))
    out.reject_where(~rejected & code.notna() & ~known, "Return Reason",
                     "unknown Amazon return reason code " + source.text("Return Reason").map(repr)
                     + ": add it to data/reference/amazon_return_reasons.csv (without CR-) with the contract reason "
                       "it means")
    out.reject_where(~rejected & code.isna(), "Return Reason", "required value is missing: Return Reason")

    refund = parse_numbers(source.text("Refunded Amount"), lines)
    out.reject_where(~rejected & refund.errors.notna(), "Refunded Amount", refund.errors)
    currency = source.text("Currency code").str.upper()
    has_refund = refund.values.notna()
    out.reject_where(~rejected & has_refund & currency.isna(), "Currency code",
                     "the refund's currency is missing: amounts are never assumed to be USD")
    table = fx.table()
    rates = pd.Series(table.units_per_usd(currency.fillna(""), dates.values), index=frame.index)
    no_rate = ~rejected & has_refund & currency.notna() & rates.isna() & dates.values.notna()
    for i in frame.index[no_rate & ~out.bad()]:
        out.reject(lines[i], "Refunded Amount", f"amounts in {currency[i]} cannot be converted to USD: "
                                                f"{table.missing(currency[i], dates.values[i].strftime('%Y-%m'))}")

    good = ~rejected & ~out.bad()
    rma = source.text("Amazon RMA ID")
    seen: dict[tuple, int] = {}
    first_line: dict[str, int] = {}
    rows, ledger = [], []
    c = as_lists(order=order_id, sku=sku, rma=rma, line=lines, quantity=quantity.values,
                 day=dates.values.dt.strftime("%Y-%m-%d"), code=code, refund=refund.values, rate=rates)
    for i in frame.index[good]:
        order_i, sku_i, rma_i = c["order"][i], c["sku"][i], c["rma"][i]
        if pd.isna(rma_i):  # a refund without a return authorisation (returnless): its request day and occurrence
            key = (order_i, sku_i, c["day"][i])  # the day, not the text: a copy re-saved by a spreadsheet keys alike
            seen[key] = seen.get(key, 0) + 1
            tail = f"{c['day'][i]}#{seen[key]}"
        else:
            tail = rma_i
        rid = f"amz-mfn:{order_i}:{sku_i}:{tail}"
        if rid in first_line:
            out.leave_out(c["line"][i], "Amazon RMA ID", f"the same return (order, SKU and RMA) is already on line "
                                                         f"{first_line[rid]}")
            continue
        first_line[rid] = int(c["line"][i])
        value = c["refund"][i]
        qty = str(int(c["quantity"][i]))
        rows.append(dict(return_id=rid, sku=sku_i, returned_on=c["day"][i], quantity=qty,
                         reason=reasons[c["code"][i]]["reason"], channel=channel,
                         refund_amount="" if pd.isna(value) else fmt_number(float(value) / c["rate"][i])))
        # a settlement's refund of the same order and SKU fills a refund this report has not seen yet
        ledger.append(dict(_format=FORMAT.name, _key=rid, return_id=rid, order_id=order_i, sku=sku_i, quantity=qty,
                           own_refund="" if pd.isna(value) else "1"))
    return out.result({"returns": rows}, {RETURN_ORDERS: ledger})


FORMAT = Format(
    name="amazon-mfn-returns",
    title="Amazon returns report, seller-fulfilled orders",
    tables=("returns",),
    columns=COLUMNS,
    required=REQUIRED,
    convert=convert,
    quoting=False,
    doc="docs/importers.md#amazon-returns-report-seller-fulfilled-orders",
    channel_default=DEFAULT_CHANNEL,
)
