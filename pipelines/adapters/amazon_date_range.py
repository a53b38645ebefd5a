"""Amazon Date Range Report, transaction view (Payments → Reports Repository → Date Range Reports → Transaction
report, CSV) → marketplace fees, refunds, and units and revenue per SKU and month.

Comma-delimited and quoted, opening with title lines above the header (what the report includes, `All amounts in
USD, unless specified`, a definitions block): the reader skips them (docs/importers.md, title rows) and this adapter
reads the currency from them; a report whose title lines do not say its currency is refused, never assumed USD.
One line per transaction: `date/time` (`Jan 1, 2024 12:03:34 AM PST`), `settlement id`, `type` (Order, Refund,
Adjustment, Service Fee, Transfer, FBA Inventory Fee, …), `order id`, `sku`, `quantity`, `marketplace`
(`amazon.com`) and one column per amount (`product sales`, `promotional rebates`, `selling fees`, `fba fees`, `other
transaction fees`, `other`, `total`, taxes and credits). What is written, per SKU, month of `date/time` (the day as
written, Pacific time) and channel (`marketplace` through data/reference/amazon_channels.csv), in USD at the month's
rate of the report currency, into the same ledgers as the settlement report (pipelines/adapters/store.py):
- `marketplace_fees` = minus (`selling fees` + `fba fees` + `other transaction fees`) of every SKU line (fees charged
  on orders, fees given back on refunds and chargebacks), as the settlement report counts every `ItemFees` amount;
  `Regulatory Fee` and taxes are pass-through amounts, not Amazon's fees;
- refunds: minus `product sales` of Refund lines, per order and SKU, written as the `refund_amount` of the matching
  returns of an Amazon returns report imported into the same folder;
- units and revenue (`quantity`, `product sales` + `promotional rebates` of Order lines) only for SKU-months no
  order report covers.
Left out by rule: lines without a SKU (service fees, transfers, storage: reported with their totals by type) and SKU
lines that are neither orders, refunds nor carry fees (adjustments, reimbursements: reported by type). Dates are read
as the user declares (`--date-format`), else as the marketplace writes them (amazon_channels.csv), else as they prove. The same transactions are in
the settlement reports: a folder that already holds a settlement imported from the other report is refused, so fees
are never counted twice.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pandas as pd

from pipelines import fx
from pipelines.adapters.base import (Collector, Converted, Format, Options, Source, account_level_notice,
                                     fmt_number, load_code_map)
from pipelines.adapters.dates import parse_dates
from pipelines.adapters.numbers import parse_numbers
from pipelines.adapters.store import REFUNDS, SALES_FEES

AMOUNTS = ("product sales", "product sales tax", "shipping credits", "shipping credits tax", "gift wrap credits",
           "giftwrap credits tax", "Regulatory Fee", "Tax On Regulatory Fee", "promotional rebates",
           "promotional rebates tax", "marketplace withheld tax", "selling fees", "fba fees",
           "other transaction fees", "other", "total")
COLUMNS = ("date/time", "settlement id", "type", "order id", "sku", "description", "quantity", "marketplace",
           "account type", "fulfillment", "order city", "order state", "order postal", "tax collection model", *AMOUNTS)
REQUIRED = ("date/time", "settlement id", "type", "order id", "sku", "quantity", "marketplace", "product sales",
            "selling fees", "fba fees", "other transaction fees", "total")
FEES = ("selling fees", "fba fees", "other transaction fees")
USED = ("product sales", "promotional rebates", *FEES)
CURRENCY = re.compile(r"\b(?i:amounts in) ([A-Z]{3})\b")  # `All amounts in USD, unless specified`


def _currency(source: Source) -> tuple[str | None, str]:
    """The report currency from its title lines, and the evidence (the line that says it, or why none does)."""
    found = {(line, m.group(1).upper()) for line, text in source.titles for m in [CURRENCY.search(text)] if m}
    codes = {code for _, code in found}
    if len(codes) == 1:
        line, code = min(found)
        return code, f"line {line}"
    shown = "; ".join(f"line {line} {text[:60]!r}" for line, text in source.titles[:3]) or "none"
    return None, (f"the title lines above the header name {len(codes)} currencies ({', '.join(sorted(codes))})"
                  if codes else f"no title line says 'All amounts in <currency>' (title lines: {shown})")


def convert(source: Source, options: Options) -> Converted:
    out = Collector(FORMAT, source)
    channels = load_code_map("amazon_channels.csv", "sales_channel")
    frame, lines = source.frame, source.frame["_line"]
    currency, evidence = _currency(source)
    if currency is None:
        for i in frame.index:
            out.reject(lines[i], "total", f"the report's currency is unknown: {evidence}; amounts are never assumed "
                                          "to be USD (download the report again with its title lines)")
        return out.result()
    kind = source.text("type").fillna("")
    sku, order_id, settlement = source.text("sku"), source.text("order id"), source.text("settlement id")
    marketplace = source.text("marketplace")
    account = sku.isna()
    # fees count on every SKU line that carries them (as the settlement report counts every ItemFees amount);
    # refunds come from Refund lines, units and revenue from Order lines
    fee_text = pd.concat([source.text(c) for c in FEES], axis=1)
    no_fees = fee_text.apply(lambda col: col.fillna("0").str.strip().isin(["0", "0.00", "-0.00", ""])).all(axis=1)
    used = ~account & (kind.isin(["Order", "Refund"]) | ~no_fees)
    known = marketplace.str.upper().isin(list(channels))
    out.reject_where(used & marketplace.notna() & ~known, "marketplace", "unknown marketplace " + marketplace.map(repr)
                     + ": add it to data/reference/amazon_channels.csv with the channel name to write")
    out.reject_where(used & marketplace.isna(), "marketplace", "required value is missing: marketplace")
    out.reject_where(used & settlement.isna(), "settlement id", "required value is missing: settlement id")
    # the user's declared format, else the marketplace's usual one (amazon_channels.csv), else what the dates prove
    usual = {channels[m.upper()].get("date_format", "") for m in marketplace[used & known].dropna().unique()}
    declared = options.date_format or (next(iter(usual)) if len(usual) == 1 else "")
    dates = parse_dates(source.text("date/time"), lines, declared=declared or None)
    out.reject_where(used & dates.errors.notna(), "date/time", dates.errors)
    amounts = {c: parse_numbers(source.text(c).where(used), lines) for c in USED}
    for column, parsed in amounts.items():
        out.reject_where(used & parsed.errors.notna(), column, parsed.errors)
    quantity = parse_numbers(source.text("quantity").where(used & (kind == "Order")), lines, decimal=".")
    out.reject_where(used & quantity.errors.notna(), "quantity", quantity.errors)
    total = parse_numbers(source.text("total").where(account), lines)

    account_total: dict[str, float] = defaultdict(float)
    table = fx.table()
    rates = pd.Series(table.units_per_usd(pd.Series(currency, index=frame.index), dates.values), index=frame.index)
    fees, refunds = [], []
    occurrences: dict[tuple, int] = {}
    bad = out.bad()
    for i in frame.index:
        if account[i]:
            value = total.values[i]
            account_total[kind[i] or "(no type)"] += 0.0 if pd.isna(value) else float(value)
            out.leave_out(lines[i], "sku", f"account-level line without a SKU ({kind[i] or 'no type'}): not "
                                           "attributable to a SKU")
            continue
        if not used[i]:
            out.leave_out(lines[i], "type", f"neither an order, a refund nor a fee ({kind[i] or 'no type'})")
            continue
        if bad[i]:
            continue
        month = dates.values[i].strftime("%Y-%m")
        rate = rates[i]
        if pd.isna(rate):
            out.reject(lines[i], "total", f"amounts in {currency} cannot be converted to USD: "
                                          f"{table.missing(currency, month)}")
            continue
        usd = {c: (0.0 if pd.isna(v.values[i]) else float(v.values[i])) / rate for c, v in amounts.items()}
        channel = (options.channel or channels[marketplace[i].upper()]["channel"]).lower()
        # the day, not the date text: the same report re-saved by a spreadsheet (another date form) keys alike
        ident = (settlement[i], kind[i], order_id[i], sku[i], dates.values[i].strftime("%Y-%m-%d"))
        occurrences[ident] = occurrences.get(ident, 0) + 1
        key = "date-range:" + ":".join("" if pd.isna(v) else str(v) for v in ident) + f"#{occurrences[ident]}"
        fee = -sum(usd[c] for c in FEES)
        is_order = kind[i] == "Order"
        if kind[i] == "Refund":
            refunds.append(dict(_format=FORMAT.name, _key=key, settlement=settlement[i], order_id=order_id[i],
                                sku=sku[i], month=month, channel=channel, refund=fmt_number(-usd["product sales"])))
        units = int(quantity.values[i]) if is_order and pd.notna(quantity.values[i]) else 0
        revenue = usd["product sales"] + usd["promotional rebates"] if is_order else 0.0
        fees.append(dict(_format=FORMAT.name, _key=key, settlement=settlement[i], sku=sku[i], month=month,
                         channel=channel, fees=fmt_number(fee), units=str(units), revenue=fmt_number(revenue)))
    out.notices.append(f"{source.path.name}: amounts in {currency} ({evidence} of the report says so)")
    if account_total:
        out.notices.append(account_level_notice(source, currency, account_total))
    return out.result({}, {SALES_FEES: fees, REFUNDS: refunds})


FORMAT = Format(
    name="amazon-date-range",
    title="Amazon Date Range transaction report",
    tables=("sales", "returns"),
    columns=COLUMNS,
    required=REQUIRED,
    convert=convert,
    synonyms={"fulfillment": ("fulfilment",), "shipping credits": ("postage credits",)},
    doc="docs/importers.md#amazon-date-range-transaction-report",
)
