"""Shopify Payments transactions export (Finance → Payouts → Transactions → Export) → the fees of `sales`.

One line per balance transaction: `Transaction Date, Type, Order, Card Brand, Card Source, Payout Status, Payout
Date, Payout ID, Available On, Amount, Fee, Net, Checkout, Payment Method Name, Presentment Amount, Presentment
Currency, Currency` (newer exports add `VAT`, `Business Entity Name`, `Business Entity ID`). `Fee` is what Shopify
Payments kept of a charge (the card rate and the fixed part per transaction: 2.9% + 30 cents is 4.4% of a $20 order,
which the 2.9% assumption of marketplace_fees.csv cannot see), in the payout `Currency`.

The export names the order (`#1001`), not its SKUs: a fee is split over the order's lines as the Shopify orders
export imported them into the same folder (`_imports/sales_lines.csv`), by their revenue, and written, in USD at the
month's rate, to the month and channel of the sale, into the settlement ledger that Amazon's and Walmart's payment
reports fill. A month whose fees come from this export is no longer estimated: the orders of those months without a
transaction in the export (paid another way, or outside the export's dates) are counted in a notice, since their
fees are then missing from the month.

Left out by rule: lines with no fee (refunds: Shopify keeps the fee of the charge; payouts, adjustments at no cost).
Rejected: a fee line naming no order (a fee of the account, not of a sale), an order the orders import has not
written (import the orders export first, or with it: an import converts the orders export before this one), a fee or
currency that cannot be read or converted. Ledger entries are keyed by the transaction's day, type, order and
amount, so the same export imported again, or a copy re-saved by a spreadsheet, replaces them.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from models.allocation import allocate
from pipelines import fx
from pipelines.adapters.base import Collector, Converted, Format, Options, Source, as_lists, fmt_number
from pipelines.adapters.dates import parse_dates
from pipelines.adapters.numbers import parse_numbers
from pipelines.adapters.store import SALES_FEES, SALES_LINES, ledger

ORDERS_FORMAT = "shopify-orders"   # whose ledger lines give each order's SKUs, months and channel
COLUMNS = ("Transaction Date", "Type", "Order", "Card Brand", "Card Source", "Payout Status", "Payout Date",
           "Payout ID", "Available On", "Amount", "Fee", "Net", "Checkout", "Payment Method Name",
           "Presentment Amount", "Presentment Currency", "Currency", "VAT", "Business Entity Name",
           "Business Entity ID")
REQUIRED = ("Transaction Date", "Type", "Order", "Amount", "Fee", "Net", "Currency")


def _order_lines(options: Options) -> dict[str, list[dict[str, str]]]:
    """The Shopify orders import's sales lines, by order name: those in the import folder and those of the same
    batch not written yet (the Data page converts every upload before writing any)."""
    rows = ledger(options.context_dir, SALES_LINES) if options.context_dir else []
    for converted in options.pending:
        rows += converted.ledgers.get(SALES_LINES, [])
    by_key: dict[str, dict[str, str]] = {}   # a line in the folder and again in the batch is one line, the batch's
    for row in rows:
        if row.get("_format") != ORDERS_FORMAT:
            continue
        if row.get("_drop"):   # cancelled since: no sale any more
            by_key.pop(row["_key"], None)
        elif row.get("order_id"):
            by_key[row["_key"]] = row
    by_order: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in by_key.values():
        by_order[row["order_id"]].append(row)
    return by_order


def convert(source: Source, options: Options) -> Converted:
    out = Collector(FORMAT, source)
    frame, lines = source.frame, source.frame["_line"]
    fee = parse_numbers(source.text("Fee"), lines)
    out.reject_where(fee.errors.notna(), "Fee", fee.errors)
    charged = fee.values.notna() & (fee.values != 0)
    out.leave_out_where(fee.errors.isna() & ~charged, "Fee",
                        "no fee on this transaction (a refund keeps the charge's fee; a payout or adjustment costs "
                        "nothing): no marketplace fee")
    order = source.text("Order")
    out.reject_where(charged & order.isna(), "Order", "a fee that names no order (the account's, not a sale's): not "
                     "attributable to a SKU")
    dates = parse_dates(source.text("Transaction Date").where(charged), lines, declared=options.date_format)
    out.reject_where(charged & dates.errors.notna(), "Transaction Date", dates.errors)
    out.reject_where(charged & source.text("Transaction Date").isna(), "Transaction Date",
                     "required value is missing: Transaction Date")
    currency = source.text("Currency").str.upper()
    out.reject_where(charged & currency.isna(), "Currency", "the payout currency is missing: a fee is never assumed "
                     "to be in USD")

    orders = _order_lines(options)
    table = fx.table()
    rates = pd.Series(table.units_per_usd(currency.fillna("?"), dates.values), index=frame.index)
    good = charged & ~out.bad()
    occurrences: dict[tuple, int] = {}
    ledger = []
    total_usd = 0.0
    months: set[str] = set()
    paid_orders: set[str] = set()
    amount = parse_numbers(source.text("Amount").where(good), lines, decimal=fee.decimal or ".")
    # keyed by the day and the amount read, not their text: a copy re-saved by a spreadsheet keys alike
    c = as_lists(good=good, order=order, fee=fee.values, rate=rates, currency=currency, line=lines,
                 month=dates.values.dt.strftime("%Y-%m"), day=dates.values.dt.strftime("%Y-%m-%d"),
                 kind=source.text("Type").str.lower(), amount=amount.values)
    for i in frame.index:
        if not c["good"][i]:
            continue
        order_i, rate = c["order"][i], c["rate"][i]
        members = orders.get(order_i)
        if not members:
            out.reject(c["line"][i], "Order", f"the order {order_i!r} is not in the Shopify orders imported into this "
                                              "folder: import the orders export first, then this one again")
            continue
        if pd.isna(rate):
            out.reject(c["line"][i], "Currency", f"the fee in {c['currency'][i]} cannot be converted to USD: "
                                                 f"{table.missing(c['currency'][i], c['month'][i])}")
            continue
        usd = float(c["fee"][i]) / rate
        ident = (c["day"][i], c["kind"][i], order_i, "" if pd.isna(c["amount"][i]) else fmt_number(c["amount"][i]))
        occurrences[ident] = occurrences.get(ident, 0) + 1
        base = "shopify-payments:" + ":".join("" if pd.isna(v) else str(v) for v in ident) + f"#{occurrences[ident]}"
        shares = allocate(usd, [float(m["revenue"]) for m in members], "order line revenue")
        for member, share in zip(members, shares):
            ledger.append(dict(_format=FORMAT.name, _key=f"{base}>{member['_key']}", settlement="", sku=member["sku"],
                               month=member["month"], channel=member["channel"], fees=fmt_number(share), units="0",
                               revenue="0"))
            months.add(member["month"])
        total_usd += usd
        paid_orders.add(order_i)
    if paid_orders:
        unpaid = sorted({o for o, members in orders.items() if o not in paid_orders
                         and any(m["month"] in months for m in members)})
        out.notices.append(f"{source.path.name}: Shopify Payments fees of {len(paid_orders)} order(s), USD "
                           f"{total_usd:,.2f}, written to their sales' months ({', '.join(sorted(months))}), which "
                           "now use these fees instead of the fee assumption")
        if unpaid:
            shown = ", ".join(unpaid[:5]) + (", …" if len(unpaid) > 5 else "")
            out.notices.append(f"{source.path.name}: {len(unpaid)} order(s) of those months have no transaction in "
                               f"this export ({shown}): paid another way or outside its dates, their fees are not "
                               "counted; export the transactions of the whole months")
    return out.result({}, {SALES_FEES: ledger})


FORMAT = Format(
    name="shopify-payments",
    title="Shopify Payments transactions export",
    tables=("sales",),
    columns=COLUMNS,
    required=REQUIRED,
    convert=convert,
    doc="docs/importers.md#shopify-payments-transactions-export",
    reads=(ORDERS_FORMAT,),
)
