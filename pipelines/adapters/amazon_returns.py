"""Amazon FBA customer returns report → `returns`.

One line per returned unit batch, tab-delimited, as downloaded from Seller Central (Reports → Fulfillment →
Customer returns): `return-date, order-id, sku, asin, fnsku, product-name, quantity, fulfillment-center-id,
detailed-disposition, reason, status, license-plate-number, customer-comments` (`amazon-order-id` in some
marketplaces). `reason` (Amazon's customer reason code) and `detailed-disposition` (the condition Amazon found) map
through the dated, editable code maps `data/reference/amazon_return_reasons.csv` and `amazon_dispositions.csv`: an
unknown code rejects the line rather than being guessed. The report has no refund amount: `refund_amount` stays
empty unless a settlement report imported into the same folder carries the refund (see store.py).
"""

from __future__ import annotations

import pandas as pd

from pipelines.adapters.base import (Collector, Converted, Format, Options, Source, as_lists, load_code_map,
                                     written_channel)
from pipelines.adapters.dates import parse_dates
from pipelines.adapters.numbers import parse_numbers
from pipelines.adapters.store import RETURN_ORDERS

DEFAULT_CHANNEL = "amazon_us"
COLUMNS = ("return-date", "order-id", "sku", "asin", "fnsku", "product-name", "quantity", "fulfillment-center-id",
           "detailed-disposition", "reason", "status", "license-plate-number", "customer-comments")
REQUIRED = ("return-date", "order-id", "sku", "quantity", "detailed-disposition", "reason")


def return_id(order_id: str, sku: str, plate: str | None, returned: str, occurrence: int) -> str:
    """The export's own identity of a return: order, SKU and licence plate (unique per returned unit batch);
    without a plate, the return timestamp as written and its occurrence among identical lines."""
    tail = plate if plate else f"{returned}#{occurrence}"
    return f"amz:{order_id}:{sku}:{tail}"


def convert(source: Source, options: Options) -> Converted:
    out = Collector(FORMAT, source)
    reasons = load_code_map("amazon_return_reasons.csv", "code")
    dispositions = load_code_map("amazon_dispositions.csv", "code")
    frame, lines = source.frame, source.frame["_line"]
    channel = written_channel(options, DEFAULT_CHANNEL)
    if not options.channel:
        out.notices.append(f"{source.path.name}: the returns report does not name its marketplace; channel "
                           f"{DEFAULT_CHANNEL!r} is written (use --channel for another)")

    order_id, sku = source.text("order-id"), source.text("sku")
    for column, values in (("order-id", order_id), ("sku", sku)):
        out.reject_where(values.isna(), column, f"required value is missing: {column}")
    dates = parse_dates(source.text("return-date"), lines, declared=options.date_format)
    out.reject_where(dates.errors.notna(), "return-date", dates.errors)
    out.reject_where(source.text("return-date").isna(), "return-date", "required value is missing: return-date")
    quantity = parse_numbers(source.text("quantity"), lines, decimal=".")
    out.reject_where(quantity.errors.notna(), "quantity", quantity.errors)
    whole = quantity.values.notna() & ((quantity.values <= 0) | (quantity.values % 1 != 0))
    out.reject_where(whole, "quantity", "quantity must be a whole number > 0: " + source.text("quantity").map(repr))
    out.reject_where(source.text("quantity").isna(), "quantity", "required value is missing: quantity")

    reason_code = source.text("reason").str.upper()
    known_reason = reason_code.isin(list(reasons))
    out.reject_where(reason_code.notna() & ~known_reason, "reason",
                     "unknown Amazon return reason code " + reason_code.map(repr)
                     + ": add it to data/reference/amazon_return_reasons.csv with the contract reason it means")
    out.reject_where(reason_code.isna(), "reason", "required value is missing: reason")
    disposition_code = source.text("detailed-disposition").str.upper()
    known_disposition = disposition_code.isin(list(dispositions))
    out.reject_where(disposition_code.notna() & ~known_disposition, "detailed-disposition",
                     "unknown Amazon disposition " + disposition_code.map(repr)
                     + ": add it to data/reference/amazon_dispositions.csv (sellable or unsellable)")
    out.reject_where(disposition_code.isna(), "detailed-disposition", "required value is missing: detailed-disposition")

    good = ~out.bad()
    plate = source.text("license-plate-number")
    raw_date = source.text("return-date")
    seen: dict[tuple, int] = {}
    first_line: dict[str, int] = {}
    rows, ledger = [], []
    c = as_lists(order=order_id, sku=sku, raw_date=raw_date, plate=plate, line=lines, quantity=quantity.values,
                 day=dates.values.dt.strftime("%Y-%m-%d"), reason=reason_code, disposition=disposition_code)
    for i in frame.index[good]:
        order_i, sku_i = c["order"][i], c["sku"][i]
        key = (order_i, sku_i, c["raw_date"][i])
        seen[key] = seen.get(key, 0) + 1
        plate_i = c["plate"][i]
        rid = return_id(order_i, sku_i, None if pd.isna(plate_i) else plate_i, c["raw_date"][i], seen[key])
        if rid in first_line:
            out.leave_out(c["line"][i], "license-plate-number", f"the same return (order, SKU and licence plate) is "
                                                                f"already on line {first_line[rid]}")
            continue
        first_line[rid] = int(c["line"][i])
        qty = int(c["quantity"][i])
        rows.append(dict(return_id=rid, sku=sku_i, returned_on=c["day"][i], quantity=str(qty),
                         reason=reasons[c["reason"][i]]["reason"], channel=channel,
                         disposition=dispositions[c["disposition"][i]]["disposition"]))
        ledger.append(dict(_format=FORMAT.name, _key=rid, return_id=rid, order_id=order_i, sku=sku_i,
                           quantity=str(qty)))
    return out.result({"returns": rows}, {RETURN_ORDERS: ledger})


FORMAT = Format(
    name="amazon-fba-returns",
    title="Amazon FBA customer returns report",
    tables=("returns",),
    columns=COLUMNS,
    required=REQUIRED,
    convert=convert,
    synonyms={"order-id": ("amazon-order-id",), "fulfillment-center-id": ("fulfilment-centre-id",)},
    quoting=False,
    doc="docs/importers.md#amazon-fba-customer-returns",
    channel_default=DEFAULT_CHANNEL,
)
