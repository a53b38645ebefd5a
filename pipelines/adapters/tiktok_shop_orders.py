"""TikTok Shop orders export (Seller Center → Orders → Export, CSV) → `sales` by SKU, month and channel.

One line per SKU of an order. Under the header the export writes a line of column descriptions ("Platform unique
order ID.", …): left out. Cells of IDs and times end with a tab (as the Seller Center writes them so that a
spreadsheet keeps long numbers as text): stripped. A line is a sale of `Quantity` × `Seller SKU` in the month of
`Created Time` (as written; the Seller Center's US exports write month-first dates with a 12-hour clock: read as
declared, else as they prove their order, else as the export's other times prove it, else refused as ambiguous). Revenue is `SKU Subtotal Before Discount` less `SKU
Seller Discount`: what the buyer paid plus TikTok's own (platform) discount, which TikTok pays the seller back and
charges its referral fee on. The export carries no currency: the market, hence the currency and the channel, comes
from the buyer's `Country` through data/reference/tiktok_shop_markets.csv (one market per export; none or several:
every line refused, never assumed USD).

Left out by rule: the description line, unpaid orders, orders on hold (still cancellable: import a later export),
cancelled orders and cancelled lines (`Cancelation/Return Type` = Cancel). An order status the export is not known
to write is rejected. Returns and refunds: the export gives a returned quantity and an order's refunded amount, but
no return reason or date, so no return is written (the totals are reported; import returns through a mapping). Fees
are not in this export: the build estimates them from marketplace_fees.csv. Lines are kept in
`DIR/_imports/sales_lines.csv` under order ID and SKU, so a later, overlapping export replaces them (an order
cancelled since is removed).
"""

from __future__ import annotations

import pandas as pd

from pipelines import fx
from pipelines.adapters.base import (Collector, Converted, Format, Options, Source, as_lists,
                                     fmt_number, load_code_map, order_line_keys, written_channel)
from pipelines.adapters.dates import parse_dates_proven_by
from pipelines.adapters.numbers import parse_numbers
from pipelines.adapters.store import SALES_LINES

MARKETS = "tiktok_shop_markets.csv"
DESCRIPTION = "platform unique order id."   # the Order ID cell of the column-description line under the header
COLUMNS = (
    "Order ID", "Order Status", "Order Substatus", "Cancelation/Return Type", "Normal or Pre-order", "SKU ID",
    "Seller SKU", "Product Name", "Variation", "Quantity", "Sku Quantity of return", "SKU Unit Original Price",
    "SKU Subtotal Before Discount", "SKU Platform Discount", "SKU Seller Discount", "SKU Subtotal After Discount",
    "Shipping Fee After Discount", "Original Shipping Fee", "Shipping Fee Seller Discount",
    "Shipping Fee Platform Discount", "Payment platform discount", "Taxes", "Order Amount", "Order Refund Amount",
    "Created Time", "Paid Time", "RTS Time", "Shipped Time", "Delivered Time", "Cancelled Time", "Cancel By",
    "Cancel Reason", "Fulfillment Type", "Warehouse Name", "Tracking ID", "Delivery Option", "Shipping Provider Name",
    "Buyer Message", "Buyer Username", "Recipient", "Phone #", "Zipcode", "Country", "State", "City",
    "Detail Address", "Additional address information", "Payment Method", "Weight(kg)", "Product Category",
    "Package ID", "Seller Note", "Checked Status", "Checked Marked by",
)
OTHER_TIMES = ("Paid Time", "RTS Time", "Shipped Time", "Delivered Time", "Cancelled Time")  # written alike
REQUIRED = ("Order ID", "Order Status", "Seller SKU", "Quantity", "SKU Subtotal Before Discount",
            "SKU Seller Discount", "Created Time", "Country")
# Order Status as the Seller Center writes it (lower case): a paid order on its way or delivered is a sale.
SOLD = frozenset({"awaiting shipment", "awaiting collection", "partially shipping", "in transit", "shipped",
                  "delivered", "completed", "to ship"})
LEFT_OUT = {"unpaid": "unpaid order: not a sale yet (import a later export)",
            "on hold": "order on hold: the buyer may still cancel it (import a later export)",
            "cancelled": "cancelled order: no sale", "canceled": "cancelled order: no sale"}


def _market(country: pd.Series, used: pd.Series) -> tuple[dict[str, str] | None, str]:
    """The one market the used lines' Country cells name (its row of tiktok_shop_markets.csv), else None and why."""
    markets = load_code_map(MARKETS, "country")
    named = sorted(set(country[used].dropna().str.upper()))
    unknown = [c for c in named if c not in markets]
    if unknown:
        return None, (f"the buyers' Country {unknown[0].title()!r} is not a TikTok Shop market in "
                      f"data/reference/{MARKETS}: its currency is unknown; add the market (country as the export "
                      "writes it, channel, currency, source) to import it")
    found = {markets[c]["channel"]: markets[c] for c in named}
    if not found:
        return None, ("no line names the buyers' Country, which says the shop's market and currency (the export "
                      "carries no currency); amounts are never assumed to be USD")
    if len(found) > 1:
        return None, (f"the lines name {len(found)} markets ({', '.join(sorted(found))}): one export is one shop's, "
                      "in one currency; export each shop on its own")
    return next(iter(found.values())), ""


def convert(source: Source, options: Options) -> Converted:
    out = Collector(FORMAT, source)
    frame, lines = source.frame, source.frame["_line"]
    order_id = source.text("Order ID")
    description = order_id.str.lower().fillna("") == DESCRIPTION
    out.leave_out_where(description, "Order ID", "the export's line of column descriptions under its header")
    out.reject_where(~description & order_id.isna(), "Order ID", "required value is missing: Order ID")
    status = source.text("Order Status").str.lower().fillna("")
    cancel_type = source.text("Cancelation/Return Type").str.lower().fillna("")
    rest = ~description & order_id.notna()
    skipped = pd.Series(False, index=frame.index)
    for value, reason in LEFT_OUT.items():
        hit = rest & (status == value)
        out.leave_out_where(hit, "Order Status", reason)
        skipped |= hit
    line_cancelled = rest & ~skipped & (cancel_type == "cancel")
    out.leave_out_where(line_cancelled, "Cancelation/Return Type", "line cancelled: no sale")
    skipped |= line_cancelled
    used = rest & ~skipped
    out.reject_where(used & (status == ""), "Order Status", "required value is missing: Order Status")
    out.reject_where(used & (status != "") & ~status.isin(SOLD), "Order Status",
                     "an order status this import does not know: " + source.text("Order Status").map(repr)
                     + " (a paid order is Awaiting Shipment, Awaiting Collection, In Transit, Delivered or Completed)")

    created, read_as = parse_dates_proven_by(source.text("Created Time").where(used), lines,
                                             [source.text(c).where(used) for c in OTHER_TIMES], options.date_format,
                                             by="the export's other times")
    out.reject_where(used & created.errors.notna(), "Created Time", created.errors)
    out.reject_where(used & source.text("Created Time").isna(), "Created Time",
                     "required value is missing: Created Time")
    sku = source.text("Seller SKU")
    out.reject_where(used & sku.isna(), "Seller SKU", "Seller SKU is empty: give the product a seller SKU in the "
                     "Seller Center (your SKU, as in products.csv), or import it through a mapping")
    quantity = parse_numbers(source.text("Quantity").where(used), lines, decimal=".")
    out.reject_where(used & quantity.errors.notna(), "Quantity", quantity.errors)
    bad_qty = used & quantity.values.notna() & ((quantity.values <= 0) | (quantity.values % 1 != 0))
    out.reject_where(bad_qty | (used & source.text("Quantity").isna()), "Quantity",
                     "Quantity must be a whole number > 0: " + source.text("Quantity").map(repr))
    subtotal = parse_numbers(source.text("SKU Subtotal Before Discount").where(used), lines)
    out.reject_where(used & subtotal.errors.notna(), "SKU Subtotal Before Discount", subtotal.errors)
    out.reject_where(used & source.text("SKU Subtotal Before Discount").isna(), "SKU Subtotal Before Discount",
                     "required value is missing: SKU Subtotal Before Discount")
    discount = parse_numbers(source.text("SKU Seller Discount").where(used), lines, decimal=subtotal.decimal or ".")
    out.reject_where(used & discount.errors.notna(), "SKU Seller Discount", discount.errors)
    returned = parse_numbers(source.text("Sku Quantity of return").where(used), lines, decimal=".")
    refunded = parse_numbers(source.text("Order Refund Amount").where(used), lines, decimal=subtotal.decimal or ".")

    market, why = _market(source.text("Country"), used)
    if market is None:
        out.reject_where(used & ~out.bad(), "Country", why)
        return out.result({}, {SALES_LINES: []})
    currency = market["currency"].upper()
    channel = written_channel(options, market["channel"].lower())
    table = fx.table()
    rates = pd.Series(table.units_per_usd(pd.Series(currency, index=frame.index), created.values), index=frame.index)
    good = used & ~out.bad()
    ledger = []
    refunds: dict[str, float] = {}
    returned_units = returned_lines = 0
    c = as_lists(order=order_id, sku=sku, skipped=skipped & rest, good=good, month=created.values.dt.strftime("%Y-%m"),
                 rate=rates, line=lines, quantity=quantity.values, subtotal=subtotal.values,
                 discount=discount.values, returned=returned.values, refunded=refunded.values)
    keys = order_line_keys(c["order"], c["sku"])
    for i in frame.index:
        order_i, sku_i, ledger_key = c["order"][i], c["sku"][i], keys[i]
        if c["skipped"][i]:   # cancelled since an earlier export: its sale is removed
            if ledger_key:
                ledger.append(dict(_format=FORMAT.name, _key=ledger_key, _drop="1"))
            continue
        if not c["good"][i]:
            continue
        month, rate = c["month"][i], c["rate"][i]
        if pd.isna(rate):
            out.reject(c["line"][i], "Country", f"amounts in {currency} cannot be converted to USD: "
                                                f"{table.missing(currency, month)}")
            continue
        seller_discount = abs(float(0 if pd.isna(c["discount"][i]) else c["discount"][i]))
        ledger.append(dict(_format=FORMAT.name, _key=ledger_key, sku=sku_i, month=month, channel=channel,
                           units=str(int(c["quantity"][i])),
                           revenue=fmt_number((float(c["subtotal"][i]) - seller_discount) / rate), order_id=order_i))
        if pd.notna(c["returned"][i]) and c["returned"][i] > 0:
            returned_lines += 1
            returned_units += int(c["returned"][i])
        if pd.notna(c["refunded"][i]) and c["refunded"][i] > 0:   # an order's amount, on each of its lines
            refunds[order_i] = float(c["refunded"][i]) / rate
    if returned_lines or refunds:
        out.notices.append(f"{source.path.name}: {returned_lines} line(s) with {returned_units} unit(s) returned and "
                           f"{len(refunds)} order(s) refunded (USD {sum(refunds.values()):,.2f}); the export gives no "
                           "return reason or date, so none is written as a return (import returns through a mapping)")
    out.notices.append(f"{source.path.name}: amounts in {currency}, channel {channel} (the buyers' Country, "
                       f"{market['country']}, through data/reference/{MARKETS}); Created Time read {read_as}")
    return out.result({}, {SALES_LINES: ledger})


FORMAT = Format(
    name="tiktok-shop-orders",
    title="TikTok Shop orders export",
    tables=("sales",),
    columns=COLUMNS,
    required=REQUIRED,
    convert=convert,
    synonyms={"Sku Quantity of return": ("SKU Quantity of return",), "Cancelation/Return Type":
              ("Cancellation/Return Type",)},
    doc="docs/importers.md#tiktok-shop-orders-export",
)
