"""Walmart Marketplace payment report, the reconciliation ("recon") report (Seller Center → Reports → Payments and
fees, one file per settlement cycle; the same CSV as the Recon Report API's v1 file) → units, revenue and Walmart's
fees per SKU and month.

One line per amount of one transaction: `Transaction Type` (Sale, Refund, Adjustment, Reserve, Release Reserve,
PaymentSummary, …), `Amount Type` (Product Price, Product tax, Shipping Price, Commission on Product,
Fee/Reimbursement, …) and `Amount`, with `Customer Order #` and line, `Partner Item Id` (the seller's SKU), `Ship
Qty` and `Transaction Posted Timestamp`. A PaymentSummary line carries the cycle's `Period Start Date`, `Period End
Date`, `Total Payable` and `Currency`. What is written, per SKU, month of the posted date and channel (`walmart_us`
unless `--channel` says otherwise), in USD at the month's rate of the report currency, into the same ledger as the
Amazon settlement report (pipelines/adapters/store.py):
- `marketplace_fees` = minus every commission amount (`Amount Type` naming a commission: charged on sales, given
  back on refunds) and every `Fee/Reimbursement` amount of a SKU line (shipping labels bought through Walmart, WFS
  fulfilment fees; reimbursements reduce them);
- units and revenue: `Ship Qty` and `Amount` of the Sale lines whose `Amount Type` is `Product Price` (only for
  SKU-months no order report covers, as for the Amazon settlement report).
Left out by rule, with their totals: the PaymentSummary line (and a line count under the header, `Number of Lines
in file 81`, which some downloads carry); lines without a SKU (reserves, storage and other
account-level amounts); refunds (the report does not say why an item came back, and a return without its reason
cannot be told defective or not: import the returns themselves, e.g. through a column mapping); SKU lines that are
neither fees nor product revenue (taxes, shipping charged to the customer, withheld tax).
The currency is the report's own (`Currency` of the lines that carry it, the PaymentSummary line): a report that
names none, or two, is refused line by line, never assumed USD. Dates are read as declared (`--date-format`), else
as the posted dates prove their order, else as the report's other dates (the cycle's period start and end, written
by the same export) prove it; with no proof at all the lines are refused as ambiguous, never guessed.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pandas as pd

from pipelines import fx
from pipelines.adapters.base import (Collector, Converted, Format, Options, Source, account_level_notice, as_lists,
                                     fmt_number, written_channel)
from pipelines.adapters.dates import DateColumn, parse_dates_proven_by
from pipelines.adapters.numbers import parse_numbers
from pipelines.adapters.store import SALES_FEES

COLUMNS = (
    "Period Start Date", "Period End Date", "Total Payable", "Currency", "Transaction Key",
    "Transaction Posted Timestamp", "Transaction Type", "Transaction Description", "Customer Order #",
    "Customer Order line #", "Purchase Order #", "Purchase Order line #", "Amount", "Amount Type", "Ship Qty",
    "Commission Rate", "Transaction Reason Description", "Partner Item Id", "Partner GTIN", "Partner Item Name",
    "Product Tax Code", "Ship to State", "Ship to City", "Ship to Zipcode", "Contract Category", "Product Type",
    "Commission Rule", "Shipping Method", "Fulfillment Type", "Fulfillment Details", "Original Commission",
)
REQUIRED = ("Transaction Key", "Transaction Posted Timestamp", "Transaction Type", "Customer Order #", "Amount",
            "Amount Type", "Ship Qty", "Partner Item Id")
CHANNEL = "walmart_us"
SUMMARY = "PaymentSummary"
PRODUCT_PRICE = "product price"
FEE_AMOUNT = "fee/reimbursement"
LINE_COUNT = re.compile(r'^[\s",]*Number of Lines in file\W*\d+[\s",]*$', re.IGNORECASE)


def _currency(source: Source) -> tuple[str | None, str]:
    """The report currency from its `Currency` cells, and the evidence (the first line that says it, or why none)."""
    named = source.text("Currency").str.upper().dropna()  # cells are stripped, an empty one is NA
    codes = sorted(set(named))
    if len(codes) == 1:
        return codes[0], f"line {int(source.frame['_line'][named.index[0]])}"
    if codes:
        return None, f"its Currency cells name {len(codes)} currencies ({', '.join(codes)})"
    return None, "no line names its Currency (the PaymentSummary line does, in the report as Walmart writes it)"


def _dates(source: Source, options: Options) -> tuple[DateColumn, str]:
    """The posted dates: as declared, else as they prove their order, else as the report's period dates prove it."""
    return parse_dates_proven_by(source.text("Transaction Posted Timestamp"), source.frame["_line"],
                                 [source.text(c) for c in ("Period Start Date", "Period End Date")],
                                 options.date_format, by="the report's period dates")


def convert(source: Source, options: Options) -> Converted:
    out = Collector(FORMAT, source)
    # a line under the header giving the file's line count (`Number of Lines in file 81`, as some downloads carry)
    # is not a malformed transaction
    for problem in out.problems:
        if problem.column == "(row)" and LINE_COUNT.match(problem.raw):
            problem.left_out, problem.reason = True, "the file's count of its lines, not a transaction"
    frame, lines = source.frame, source.frame["_line"]
    currency, evidence = _currency(source)
    if currency is None:
        out.reject_where(pd.Series(True, index=frame.index), "Currency",
                         f"the report's currency is unknown: {evidence}; amounts are never assumed to be USD "
                         "(download the report again whole, with its PaymentSummary line)")
        return out.result()
    kind = source.text("Transaction Type").fillna("")
    amount_type = source.text("Amount Type").fillna("")
    sku = source.text("Partner Item Id")
    summary = kind.str.casefold() == SUMMARY.casefold()
    account = ~summary & sku.isna()
    lowered = amount_type.str.casefold()
    is_fee = lowered.str.contains("commission", regex=False) | (lowered == FEE_AMOUNT)
    is_sale = (kind.str.casefold() == "sale") & (lowered == PRODUCT_PRICE)
    is_refund = kind.str.casefold() == "refund"
    used = ~summary & ~account & (is_fee | is_sale)
    channel = written_channel(options, CHANNEL)
    dates, read_as = _dates(source, options)
    out.reject_where(used & dates.errors.notna(), "Transaction Posted Timestamp", dates.errors)
    out.reject_where(used & dates.values.isna() & dates.errors.isna(), "Transaction Posted Timestamp",
                     "required value is missing: Transaction Posted Timestamp")
    amount = parse_numbers(source.text("Amount").where(~summary), lines)
    out.reject_where(~summary & amount.errors.notna(), "Amount", amount.errors)
    quantity = parse_numbers(source.text("Ship Qty").where(used & is_sale), lines, decimal=".")
    out.reject_where(used & is_sale & quantity.errors.notna(), "Ship Qty", quantity.errors)
    out.reject_where(used & is_sale & quantity.values.notna() & (quantity.values % 1 != 0), "Ship Qty",
                     "not a whole number of units: " + source.text("Ship Qty").map(repr))
    out.reject_where(used & is_sale & quantity.values.isna() & quantity.errors.isna(), "Ship Qty",
                     "required value is missing: Ship Qty")

    table = fx.table()
    rates = pd.Series(table.units_per_usd(pd.Series(currency, index=frame.index), dates.values), index=frame.index)
    out.leave_out_where(summary, "Transaction Type",
                        "the cycle's payment summary (period, total payable, currency): not a transaction")
    account_total: dict[str, float] = defaultdict(float)
    left_totals: dict[str, float] = defaultdict(float)
    refunds: dict[str, float] = defaultdict(float)
    bad = out.bad()
    cols = as_lists(kind=kind, amount_type=amount_type, sku=sku, key=source.text("Transaction Key"),
                    order=source.text("Customer Order #"), order_line=source.text("Customer Order line #"),
                    amount=amount.values, qty=quantity.values, date=dates.values, rate=rates, line=lines,
                    summary=summary, account=account, used=used, is_sale=is_sale, is_refund=is_refund, bad=bad)
    fees: list[dict[str, str]] = []
    occurrences: dict[tuple, int] = {}
    for i in range(len(frame)):
        if cols["summary"][i] or cols["bad"][i]:
            continue
        value = cols["amount"][i]
        value = 0.0 if pd.isna(value) else float(value)
        what = cols["kind"][i] or "no type"
        if cols["account"][i]:
            account_total[f"{what} ({cols['amount_type'][i] or 'no amount type'})"] += value
            out.leave_out(cols["line"][i], "Partner Item Id", f"account-level line without a SKU ({what}): not "
                                                              "attributable to a SKU")
            continue
        if cols["is_refund"][i] and not cols["used"][i]:
            refunds[cols["amount_type"][i] or "no amount type"] += value
            out.leave_out(cols["line"][i], "Transaction Type", "a refund: the report does not say why the item came "
                                                               "back (import the returns with their reasons)")
            continue
        if not cols["used"][i]:
            left_totals[f"{what} ({cols['amount_type'][i] or 'no amount type'})"] += value
            out.leave_out(cols["line"][i], "Amount Type", f"neither a fee nor product revenue ({what}, "
                                                          f"{cols['amount_type'][i] or 'no amount type'})")
            continue
        month = cols["date"][i].strftime("%Y-%m")
        rate = cols["rate"][i]
        if pd.isna(rate):
            out.reject(cols["line"][i], "Amount", f"amounts in {currency} cannot be converted to USD: "
                                                  f"{table.missing(currency, month)}")
            continue
        usd = value / rate
        ident = tuple("" if pd.isna(v) else str(v) for v in (
            cols["key"][i], cols["order"][i], cols["order_line"][i], cols["sku"][i], cols["kind"][i],
            cols["amount_type"][i])) + (cols["date"][i].strftime("%Y-%m-%d"),)
        occurrences[ident] = occurrences.get(ident, 0) + 1
        key = "walmart-recon:" + ":".join(ident) + f"#{occurrences[ident]}"
        sale = cols["is_sale"][i]
        fees.append(dict(_format=FORMAT.name, _key=key, settlement="", sku=cols["sku"][i], month=month,
                         channel=channel, fees=fmt_number(0.0 if sale else -usd),
                         units=str(int(cols["qty"][i])) if sale else "0", revenue=fmt_number(usd if sale else 0.0)))
    out.notices.append(f"{source.path.name}: amounts in {currency} ({evidence} of the report says so); posted dates "
                       f"read {read_as}")
    if account_total:
        out.notices.append(account_level_notice(source, currency, account_total))
    if refunds:
        listed = "; ".join(f"{k}: {v:,.2f}" for k, v in sorted(refunds.items()))
        out.notices.append(f"{source.path.name}: refunds in {currency} not written (the report gives no return "
                           f"reason; import the returns with their reasons): {listed}")
    if left_totals:
        listed = "; ".join(f"{k}: {v:,.2f}" for k, v in sorted(left_totals.items()))
        out.notices.append(f"{source.path.name}: SKU amounts in {currency} that are neither fees nor product revenue, "
                           f"not written: {listed}")
    return out.result({}, {SALES_FEES: fees})


FORMAT = Format(
    name="walmart-recon",
    title="Walmart Marketplace payment (reconciliation) report",
    tables=("sales",),
    columns=COLUMNS,
    required=REQUIRED,
    convert=convert,
    doc="docs/importers.md#walmart-marketplace-payment-reconciliation-report",
    channel_default=CHANNEL,
)
