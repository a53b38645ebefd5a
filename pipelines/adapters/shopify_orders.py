"""Shopify orders export (Orders → Export, CSV) → `sales` by SKU, month and channel.

One row per line item; the order's own fields (`Financial Status`, `Created at`, `Currency`, `Cancelled at`,
`Refunded Amount`, …) are written on the order's **first** row only, and are carried to its other rows by `Name`.
A line is a sale of `Lineitem quantity` × `Lineitem sku` in the month of `Created at` (the shop's local day, as
written with its offset); revenue is `Lineitem price` × quantity less `Lineitem discount`, converted to USD at the
month's rate when the order's `Currency` is not USD. Channel: `shopify_dtc` (the channel of
data/reference/marketplace_fees.csv) unless `--channel` says otherwise. Left out by rule: cancelled orders
(`Cancelled at` set) and voided payments. Refunds: the export gives only an order-level `Refunded Amount`, with no
line, date or reason, so no return can be written from it honestly; the total refunded is reported instead (write
returns through a mapping if you track them). Lines are kept in `DIR/_imports/sales_lines.csv` under order name and
SKU, so a later, overlapping export replaces them (an order cancelled since is removed).
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from pipelines import fx
from pipelines.adapters.base import (Collector, Converted, Format, Options, Source, as_lists, fmt_number,
                                     order_line_keys, written_channel)
from pipelines.adapters.dates import parse_dates
from pipelines.adapters.numbers import parse_numbers
from pipelines.adapters.store import SALES_LINES

DEFAULT_CHANNEL = "shopify_dtc"
COLUMNS = (
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing",
    "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method",
    "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price",
    "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status", "Billing Name",
    "Billing Street", "Billing Address1", "Billing Address2", "Billing Company", "Billing City", "Billing Zip",
    "Billing Province", "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street", "Shipping Address1",
    "Shipping Address2", "Shipping Company", "Shipping City", "Shipping Zip", "Shipping Province",
    "Shipping Country", "Shipping Phone", "Notes", "Note Attributes", "Cancelled at", "Payment Method",
    "Payment Reference", "Refunded Amount", "Vendor", "Outstanding Balance", "Employee", "Location", "Device ID",
    "Id", "Tags", "Risk Level", "Source", "Lineitem discount", "Tax 1 Name", "Tax 1 Value", "Phone",
    "Receipt Number", "Duties", "Billing Province Name", "Shipping Province Name", "Payment ID",
    "Payment Terms Name", "Next Payment Due At", "Payment References",
)
REQUIRED = ("Name", "Financial Status", "Currency", "Created at", "Lineitem quantity", "Lineitem price",
            "Lineitem sku")
ORDER_FIELDS = ("Financial Status", "Currency", "Created at", "Cancelled at", "Refunded Amount")


def convert(source: Source, options: Options) -> Converted:
    out = Collector(FORMAT, source)
    frame, lines = source.frame, source.frame["_line"]
    name = source.text("Name")
    out.reject_where(name.isna(), "Name", "required value is missing: Name (the order)")
    # Carry the order's fields from its first row to its other rows.
    first = ~name.duplicated() & name.notna()
    order = {f: source.text(f).where(first).groupby(name).transform("first") for f in ORDER_FIELDS}
    continuation = name.notna() & ~first
    stray = continuation & (source.text("Created at").notna()
                            & (source.text("Created at") != order["Created at"]))
    out.reject_where(stray, "Name", "the order " + name.map(repr) + " appears again after other orders with "
                     "different order fields; Shopify writes an order's rows together")

    cancelled = order["Cancelled at"].notna()
    voided = ~cancelled & (order["Financial Status"].fillna("").str.lower() == "voided")
    for mask, column, reason in ((cancelled, "Cancelled at", "cancelled order: no sale"),
                                 (voided, "Financial Status", "voided payment: no sale")):
        for i in frame.index[mask & name.notna()]:
            out.leave_out(lines[i], column, reason)
    skipped = (cancelled | voided) & name.notna()

    created = parse_dates(order["Created at"].where(~skipped), lines, declared=options.date_format)
    out.reject_where(~skipped & created.errors.notna(), "Created at", created.errors)
    out.reject_where(~skipped & name.notna() & order["Created at"].isna(), "Created at",
                     "the order's first row has no Created at")
    sku = source.text("Lineitem sku")
    out.reject_where(~skipped & sku.isna(), "Lineitem sku", "Lineitem sku is empty (a custom item, gift card or a "
                     "product without a SKU): give it a SKU in Shopify, or import it through a mapping")
    quantity = parse_numbers(source.text("Lineitem quantity").where(~skipped), lines, decimal=".")
    out.reject_where(~skipped & quantity.errors.notna(), "Lineitem quantity", quantity.errors)
    bad_qty = ~skipped & quantity.values.notna() & ((quantity.values <= 0) | (quantity.values % 1 != 0))
    out.reject_where(bad_qty | (~skipped & source.text("Lineitem quantity").isna()), "Lineitem quantity",
                     "Lineitem quantity must be a whole number > 0: " + source.text("Lineitem quantity").map(repr))
    price = parse_numbers(source.text("Lineitem price").where(~skipped), lines)
    out.reject_where(~skipped & price.errors.notna(), "Lineitem price", price.errors)
    out.reject_where(~skipped & source.text("Lineitem price").isna(), "Lineitem price",
                     "required value is missing: Lineitem price")
    discount = parse_numbers(source.text("Lineitem discount").where(~skipped), lines, decimal=price.decimal or ".")
    out.reject_where(~skipped & discount.errors.notna(), "Lineitem discount", discount.errors)
    refunded = parse_numbers(order["Refunded Amount"].where(first & ~skipped), lines, decimal=price.decimal or ".")
    currency = order["Currency"].fillna("").str.upper()

    table = fx.table()
    rates = pd.Series(table.units_per_usd(currency.mask(currency == "", "?"), created.values), index=frame.index)
    channel = written_channel(options, DEFAULT_CHANNEL)
    good = ~skipped & ~out.bad()
    ledger = []
    refunds: dict[str, float] = defaultdict(float)
    refunded_orders = 0
    c = as_lists(name=name, sku=sku, skipped=skipped, good=good, month=created.values.dt.strftime("%Y-%m"),
                 rate=rates, currency=currency, line=lines, price=price.values, quantity=quantity.values,
                 discount=discount.values, first=first, refunded=refunded.values)
    keys = order_line_keys(c["name"], c["sku"])
    for i in frame.index:
        name_i, sku_i, ledger_key = c["name"][i], c["sku"][i], keys[i]
        if c["skipped"][i]:   # cancelled since an earlier export: its sale is removed
            if ledger_key:
                ledger.append(dict(_format=FORMAT.name, _key=ledger_key, _drop="1"))
            continue
        if not c["good"][i]:
            continue
        month, rate = c["month"][i], c["rate"][i]
        if pd.isna(rate):
            out.reject(c["line"][i], "Currency", f"prices in {c['currency'][i] or '(blank)'} cannot be converted to "
                                                 f"USD: {table.missing(c['currency'][i] or '(blank)', month)}")
            continue
        units = int(c["quantity"][i])
        gross = float(c["price"][i]) * units
        net = gross - abs(float(0 if pd.isna(c["discount"][i]) else c["discount"][i]))
        ledger.append(dict(_format=FORMAT.name, _key=ledger_key, sku=sku_i, month=month, channel=channel,
                           units=str(units), revenue=fmt_number(net / rate), order_id=name_i))
        refund = c["refunded"][i]
        if c["first"][i] and pd.notna(refund) and refund > 0:
            refunded_orders += 1
            refunds[month] += float(refund) / rate
    if refunded_orders:
        per_month = ", ".join(f"{m}: {v:,.2f}" for m, v in sorted(refunds.items()))
        out.notices.append(f"{source.path.name}: {refunded_orders} order(s) had refunds (USD {sum(refunds.values()):,.2f}"
                           f"; {per_month}); the export gives no line, date or reason for a refund, so none is "
                           "written as a return")
    return out.result({}, {SALES_LINES: ledger})


FORMAT = Format(
    name="shopify-orders",
    title="Shopify orders export",
    tables=("sales",),
    columns=COLUMNS,
    required=REQUIRED,
    convert=convert,
    doc="docs/importers.md#shopify-orders-export",
    channel_default=DEFAULT_CHANNEL,
)
