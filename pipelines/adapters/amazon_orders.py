"""Amazon "All Orders" report (flat file, by order date or last update) → `sales` by SKU, month and channel.

Tab-delimited, one line per order item, as Seller Central writes it (Reports → Fulfillment → All Orders, or the
SP-API report GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL). A line is a sale of `quantity` units of `sku`
in the month of `purchase-date` (the day as written, with its offset), on the channel `sales-channel` maps to in
`data/reference/amazon_channels.csv`. Revenue is `item-price` (the line total, not a unit price) less
`item-promotion-discount`, converted to USD at the month's rate when `currency` is not USD; tax, shipping and gift
wrap are not product revenue. Left out by rule: cancelled orders or items (no sale), pending orders (not charged
yet: import a later report), `Non-Amazon` lines (multi-channel fulfilment of another channel's sale, which that
channel's export already counts). Each line is kept in `DIR/_imports/sales_lines.csv` under its order id and SKU,
so a later, overlapping report replaces it instead of adding it twice (a line since cancelled is removed).
"""

from __future__ import annotations

import pandas as pd

from pipelines import fx
from pipelines.adapters.base import (Collector, Converted, Format, Options, Source, as_lists, fmt_number,
                                     load_code_map)
from pipelines.adapters.dates import parse_dates
from pipelines.adapters.numbers import parse_numbers
from pipelines.adapters.store import SALES_LINES

COLUMNS = (
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
    "fulfillment-channel", "sales-channel", "order-channel", "ship-service-level", "product-name", "sku", "asin",
    "item-status", "quantity", "currency", "item-price", "item-tax", "shipping-price", "shipping-tax",
    "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount", "ship-city",
    "ship-state", "ship-postal-code", "ship-country", "promotion-ids", "is-business-order", "purchase-order-number",
    "price-designation",
)
REQUIRED = ("amazon-order-id", "purchase-date", "order-status", "sales-channel", "sku", "item-status", "quantity",
            "currency", "item-price")
CANCELLED, PENDING = "cancelled", "pending"


def convert(source: Source, options: Options) -> Converted:
    out = Collector(FORMAT, source)
    channels = load_code_map("amazon_channels.csv", "sales_channel")
    frame, lines = source.frame, source.frame["_line"]
    order_id, sku = source.text("amazon-order-id"), source.text("sku")
    status = source.text("order-status").fillna("").str.lower()
    item_status = source.text("item-status").fillna("").str.lower()
    sales_channel = source.text("sales-channel")

    # Left out by rule (their ledger entries, if an earlier report wrote them, are removed)
    cancelled = status.str.startswith(CANCELLED) | item_status.str.startswith(CANCELLED)
    pending = ~cancelled & status.str.startswith(PENDING)
    non_amazon = ~cancelled & ~pending & (sales_channel.fillna("").str.lower() == "non-amazon")
    tombstones = []
    for mask, column, reason in (
            (cancelled, "order-status", "cancelled order or item: no sale"),
            (pending, "order-status", "pending order: not charged yet (import a later report)"),
            (non_amazon, "sales-channel", "Non-Amazon: multi-channel fulfilment of a sale another channel's "
                                          "export counts")):
        out.leave_out_where(mask, column, reason)
    skipped = cancelled | pending | non_amazon

    for column, values in (("amazon-order-id", order_id), ("sku", sku), ("sales-channel", sales_channel)):
        out.reject_where(~skipped & values.isna(), column, f"required value is missing: {column}")
    known = sales_channel.str.upper().isin(list(channels))
    out.reject_where(~skipped & sales_channel.notna() & ~known, "sales-channel",
                     "unknown sales channel " + sales_channel.map(repr)
                     + ": add it to data/reference/amazon_channels.csv with the channel name to write")
    dates = parse_dates(source.text("purchase-date").where(~skipped), lines, declared=options.date_format)
    out.reject_where(~skipped & dates.errors.notna(), "purchase-date", dates.errors)
    quantity = parse_numbers(source.text("quantity").where(~skipped), lines, decimal=".")
    out.reject_where(~skipped & quantity.errors.notna(), "quantity", quantity.errors)
    bad_qty = ~skipped & quantity.values.notna() & ((quantity.values <= 0) | (quantity.values % 1 != 0))
    out.reject_where(bad_qty, "quantity", "quantity must be a whole number > 0 on a sold line: "
                     + source.text("quantity").map(repr))
    price = parse_numbers(source.text("item-price").where(~skipped), lines)
    out.reject_where(~skipped & price.errors.notna(), "item-price", price.errors)
    out.reject_where(~skipped & source.text("item-price").isna(), "item-price",
                     "required value is missing: item-price (the line total)")
    discount = parse_numbers(source.text("item-promotion-discount").where(~skipped), lines,
                             decimal=price.decimal or ".")
    out.reject_where(~skipped & discount.errors.notna(), "item-promotion-discount", discount.errors)
    currency = source.text("currency").fillna("").str.upper()

    table = fx.table()
    rates = pd.Series(table.units_per_usd(currency.mask(currency == "", "?"), dates.values), index=frame.index)
    good = ~skipped & ~out.bad()
    c = as_lists(oid=order_id, sku=sku, line=lines, skip=skipped, ok=good, month=dates.values.dt.strftime("%Y-%m"),
                 rate=rates, price=price.values, discount=discount.values, units=quantity.values, currency=currency,
                 channel=sales_channel)
    oid, skus, line_of, skip, ok, months = c["oid"], c["sku"], c["line"], c["skip"], c["ok"], c["month"]
    rate_of, price_of, discount_of = c["rate"], c["price"], c["discount"]
    units_of, currency_of, channel_of = c["units"], c["currency"], c["channel"]
    occurrences: dict[tuple, int] = {}
    ledger = []
    for i in range(len(oid)):
        key = (oid[i], skus[i])
        occurrences[key] = occurrences.get(key, 0) + 1
        ledger_key = f"{oid[i]}:{skus[i]}#{occurrences[key]}"
        if not (skip[i] or ok[i]):
            continue
        if skip[i]:
            if not (pd.isna(oid[i]) or pd.isna(skus[i])):
                tombstones.append(dict(_format=FORMAT.name, _key=ledger_key, _drop="1"))
            continue
        month, rate = months[i], rate_of[i]
        if pd.isna(rate):
            out.reject(line_of[i], "currency", f"item-price in {currency_of[i] or '(blank)'} cannot be converted to "
                                               f"USD: {table.missing(currency_of[i] or '(blank)', month)}")
            continue
        net = float(price_of[i]) - abs(float(0 if pd.isna(discount_of[i]) else discount_of[i]))
        channel = options.channel or channels[channel_of[i].upper()]["channel"]
        ledger.append(dict(_format=FORMAT.name, _key=ledger_key, sku=skus[i], month=month, channel=channel.lower(),
                           units=str(int(units_of[i])), revenue=fmt_number(net / rate), order_id=oid[i]))
    return out.result({}, {SALES_LINES: ledger + tombstones})


FORMAT = Format(
    name="amazon-all-orders",
    title="Amazon All Orders report",
    tables=("sales",),
    columns=COLUMNS,
    required=REQUIRED,
    convert=convert,
    quoting=False,
    doc="docs/importers.md#amazon-all-orders",
)
