"""Amazon settlement report, flat file V2 (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2) → marketplace fees and
refunds per SKU and month.

Tab-delimited. The first data line is the settlement's summary (`settlement-id`, period, `deposit-date`,
`total-amount`, `currency`); every other line is one amount of one transaction: `transaction-type` (Order, Refund,
other-transaction, …), `amount-type` (ItemPrice, ItemFees, Promotion, ItemWithheldTax, …), `amount-description`
(Principal, Commission, FBAPerUnitFulfillmentFee, RefundCommission, …) and `amount`, with the `sku` and
`posted-date`. What is written, per SKU, month of `posted-date` and channel (`marketplace-name` through
data/reference/amazon_channels.csv), in USD at the month's rate of the settlement currency:
- `marketplace_fees` = minus the sum of every `ItemFees` amount (fees charged on orders, fees given back on
  refunds), so the Amazon fees you actually paid replace the fee assumptions of marketplace_fees.csv;
- refunds: minus `Refund` / `ItemPrice` / `Principal`, kept per order and SKU in `DIR/_imports/refunds.csv` and
  written as the `refund_amount` of the matching returns (same order id and SKU) of an Amazon returns report
  imported into the same folder;
- units and revenue (`Order` / `ItemPrice` / `Principal` and its `quantity-purchased`, less `Promotion` /
  `Principal`) only for SKU-months no order report covers.
Left out by rule: the summary line, account-level lines without a SKU (subscription, storage, advertising:
reported with their total) and SKU lines that are neither fees, refunds nor product revenue (tax, shipping charges,
withheld tax, reimbursements: reported by kind). A settlement covers about two weeks: fees of a month are complete
only when every settlement of that month is imported (the import says which months are partly covered).
Amounts are read with the decimal separator the file proves (`12,34` in EU marketplaces); dates as the marketplace
writes them (`DD.MM.YYYY` in EU marketplaces, as amazon_channels.csv says).
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from pipelines import fx
from pipelines.adapters.base import (Collector, Converted, Format, Options, Source, account_level_notice,
                                     fmt_number, load_code_map)
from pipelines.adapters.dates import parse_dates
from pipelines.adapters.numbers import parse_numbers
from pipelines.adapters.store import REFUNDS, SALES_FEES

COLUMNS = (
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date", "total-amount", "currency",
    "transaction-type", "order-id", "merchant-order-id", "adjustment-id", "shipment-id", "marketplace-name",
    "amount-type", "amount-description", "amount", "fulfillment-id", "posted-date", "posted-date-time",
    "order-item-code", "merchant-order-item-id", "merchant-adjustment-item-id", "sku", "quantity-purchased",
    "promotion-id",
)
REQUIRED = ("settlement-id", "settlement-start-date", "settlement-end-date", "total-amount", "currency",
            "transaction-type", "order-id", "marketplace-name", "amount-type", "amount-description", "amount",
            "posted-date", "sku", "quantity-purchased")



def convert(source: Source, options: Options) -> Converted:
    out = Collector(FORMAT, source)
    channels = load_code_map("amazon_channels.csv", "sales_channel")
    frame, lines = source.frame, source.frame["_line"]
    kind = source.text("transaction-type")
    summary = kind.isna() & source.text("total-amount").notna()
    out.leave_out_where(summary, "total-amount", "settlement summary (deposit total and currency), not a transaction")
    currencies = source.text("currency")[summary].dropna().str.upper().unique()
    if len(currencies) != 1:
        out.reject_where(~summary, "currency", "the settlement's summary line must give exactly one currency, found "
                                               f"{', '.join(currencies) or 'none'}")
        return out.result()
    currency = currencies[0]
    settlement = source.text("settlement-id").where(summary).dropna().iloc[0]
    sku = source.text("sku")
    amount_type = source.text("amount-type").fillna("")
    description = source.text("amount-description").fillna("")
    tx = ~summary
    account = tx & sku.isna()
    account_total = defaultdict(float)

    marketplace = source.text("marketplace-name")
    known = marketplace.str.upper().isin(list(channels))
    out.reject_where(tx & ~account & marketplace.notna() & ~known, "marketplace-name",
                     "unknown marketplace " + marketplace.map(repr)
                     + ": add it to data/reference/amazon_channels.csv with the channel name to write")
    out.reject_where(tx & ~account & marketplace.isna(), "marketplace-name", "required value is missing: "
                     "marketplace-name")
    date_formats = {channels[m.upper()].get("date_format", "") for m in marketplace[tx & known].dropna().unique()}
    # the user's declared format wins over the marketplace's usual one (a file re-saved by a spreadsheet tool)
    declared = options.date_format or (next(iter(date_formats)) if len(date_formats) == 1 else "")
    dates = parse_dates(source.text("posted-date").where(tx), lines, declared=declared or None)
    out.reject_where(tx & dates.errors.notna(), "posted-date", dates.errors)
    amount = parse_numbers(source.text("amount").where(tx), lines)
    out.reject_where(tx & amount.errors.notna(), "amount", amount.errors)
    quantity = parse_numbers(source.text("quantity-purchased").where(tx), lines, decimal=".")
    out.reject_where(tx & quantity.errors.notna(), "quantity-purchased", quantity.errors)

    is_fee = amount_type == "ItemFees"
    is_refund = (kind == "Refund") & (amount_type == "ItemPrice") & (description == "Principal")
    is_sale = (kind == "Order") & (amount_type == "ItemPrice") & (description == "Principal")
    is_promotion = (kind == "Order") & (amount_type == "Promotion") & (description == "Principal")
    used = is_fee | is_refund | is_sale | is_promotion
    other = defaultdict(int)
    table = fx.table()
    rates = pd.Series(table.units_per_usd(pd.Series(currency, index=frame.index), dates.values), index=frame.index)
    fees, refunds = [], []
    occurrences: dict[tuple, int] = {}
    months_seen = set()
    # one pass over plain lists (positions: the source frame's index is 0..n-1): indexing pandas Series cell by
    # cell costs microseconds a cell, minutes for a year of settlements
    col = {name: values.tolist() for name, values in dict(
        bad=out.bad(), account=account, used=used, refund=is_refund, sale=is_sale, promotion=is_promotion,
        fee=is_fee, kind=kind, description=description, amount_type=amount_type, amount=amount.values,
        quantity=quantity.values, month=dates.values.dt.strftime("%Y-%m"), rate=rates, marketplace=marketplace,
        sku=sku, order=source.text("order-id"), posted=source.text("posted-date-time"),
        item=source.text("order-item-code"), line=lines).items()}
    for i in frame.index[tx]:
        if col["bad"][i]:
            continue
        kind_i, description_i, amount_type_i, line = (col["kind"][i], col["description"][i], col["amount_type"][i],
                                                      col["line"][i])
        if col["account"][i]:
            label = f"{kind_i} {description_i}".strip()
            value = col["amount"][i]
            account_total[label] += 0.0 if pd.isna(value) else float(value)
            out.leave_out(line, "sku", f"account-level line without a SKU ({label}): not attributable to a SKU")
            continue
        if not col["used"][i]:
            other[f"{kind_i} / {amount_type_i} / {description_i}"] += 1
            out.leave_out(line, "amount-type", f"neither a fee, a refund nor product revenue "
                                               f"({kind_i} / {amount_type_i} / {description_i})")
            continue
        month = col["month"][i]
        months_seen.add(month)
        rate = col["rate"][i]
        if pd.isna(rate):
            out.reject(line, "amount", f"amounts in {currency} cannot be converted to USD: "
                                       f"{table.missing(currency, month)}")
            continue
        usd = float(col["amount"][i]) / rate
        sku_i, order_i = col["sku"][i], col["order"][i]
        channel = (options.channel or channels[col["marketplace"][i].upper()]["channel"]).lower()
        ident = (kind_i, order_i, sku_i, amount_type_i, description_i, col["posted"][i], col["item"][i])
        occurrences[ident] = occurrences.get(ident, 0) + 1
        key = f"{settlement}:" + ":".join("" if pd.isna(v) else str(v) for v in ident) + f"#{occurrences[ident]}"
        if col["refund"][i]:
            refunds.append(dict(_format=FORMAT.name, _key=key, settlement=settlement, order_id=order_i, sku=sku_i,
                                month=month, channel=channel, refund=fmt_number(-usd)))
            continue
        sale = col["sale"][i]
        units = int(col["quantity"][i]) if sale and pd.notna(col["quantity"][i]) else 0
        fees.append(dict(_format=FORMAT.name, _key=key, settlement=settlement, sku=sku_i, month=month, channel=channel,
                         fees=fmt_number(-usd) if col["fee"][i] else "0", units=str(units),
                         revenue=fmt_number(usd) if (sale or col["promotion"][i]) else "0"))
    if account_total:
        out.notices.append(account_level_notice(source, currency, account_total))
    start = parse_dates(source.text("settlement-start-date").where(summary), lines,
                        declared=declared or None).values.dropna()
    end = parse_dates(source.text("settlement-end-date").where(summary), lines,
                      declared=declared or None).values.dropna()
    if len(start) and len(end):
        first, last = start.iloc[0], end.iloc[0]
        partial = [m for m in sorted(months_seen)
                   if first > pd.Timestamp(f"{m}-01") or last < pd.Timestamp(f"{m}-01") + pd.offsets.MonthEnd(0)]
        out.notices.append(f"{source.path.name}: settlement {settlement} covers {first:%Y-%m-%d} to {last:%Y-%m-%d}; "
                           + (f"fees of {', '.join(partial)} are complete only with that month's other settlements"
                              if partial else "every month it touches is covered"))
    return out.result({}, {SALES_FEES: fees, REFUNDS: refunds})


FORMAT = Format(
    name="amazon-settlement-v2",
    title="Amazon settlement report (flat file V2)",
    tables=("sales", "returns"),
    columns=COLUMNS,
    required=REQUIRED,
    convert=convert,
    quoting=False,
    doc="docs/importers.md#amazon-settlement-flat-file-v2",
)
