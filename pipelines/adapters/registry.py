"""The export formats `supplier-risk import` knows, and how a file is recognised by its header.

Adding a format is one module with a `FORMAT` (see pipelines/adapters/base.py) and one line in FORMATS below.
A file is recognised when every required header of exactly one format is in its header row (case-insensitive,
the format's synonyms allowed); when several formats fit, the one that finds the most of its columns wins, and a
tie is refused (name the format with `--format`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pipelines.adapters import (ace_es003, amazon_date_range, amazon_mfn_returns, amazon_orders, amazon_returns,
                                amazon_settlement, contract_tables, entry_summary, inspection_summary, scms,
                                shopify_orders, shopify_payments, tiktok_shop_orders, walmart_recon, wise_statement,
                                wise_transactions)
from pipelines.adapters.base import (AdapterError, Converted, Format, Options, channel_name, load_code_map,
                                     open_source)
from pipelines.adapters.dates import declared_format
from pipelines.adapters.sniff import Sniffed, bulk, read_head
from pipelines.readers import FileError

FORMATS: list[Format] = [
    amazon_returns.FORMAT,
    amazon_mfn_returns.FORMAT,
    amazon_orders.FORMAT,
    amazon_settlement.FORMAT,
    amazon_date_range.FORMAT,
    shopify_orders.FORMAT,
    shopify_payments.FORMAT,
    walmart_recon.FORMAT,
    tiktok_shop_orders.FORMAT,
    inspection_summary.FORMAT,
    scms.FORMAT,
    entry_summary.FORMAT,
    ace_es003.FORMAT,
    wise_statement.FORMAT,
    wise_transactions.FORMAT,
    *contract_tables.FORMATS.values(),  # a file in a table's own columns (templates, rows the cockpit writes)
]


def by_name(name: str) -> Format:
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise AdapterError(f"unknown format {name!r}; `supplier-risk formats` lists {', '.join(f.name for f in FORMATS)}")


def channel_choices(fmt: Format) -> list[str]:
    """The sales channels a file of `fmt` that does not name its marketplace may be written to: the format's own
    first, then the other channels of its marketplace the reference tables know (Amazon's from amazon_channels.csv
    and marketplace_fees.csv: amazon_ca, amazon_uk, …). Empty for a format whose files name their channel."""
    if not fmt.channel_default:
        return []
    family = fmt.channel_default.split("_")[0] + "_"
    known = {r["channel"].strip().lower() for table, key in (("amazon_channels.csv", "sales_channel"),
                                                             ("marketplace_fees.csv", "channel"))
             for r in load_code_map(table, key).values()}
    return [fmt.channel_default, *sorted(c for c in known - {fmt.channel_default} if c.startswith(family))]


def recognise(header: list[str], file_name: str = "the file") -> Format:
    """The one format whose required headers are all in `header`; AdapterError naming the candidates otherwise."""
    fits = [f for f in FORMATS if f.matches(header)]
    if not fits:
        shown = ", ".join(header[:10]) + ("…" if len(header) > 10 else "")
        raise AdapterError(f"{file_name}: not a format we know (header: {shown}); name it with --format, or map its "
                           "columns with a mapping file (--mapping, or the Data page's mapping step)")
    best = max(len(f.header_map(header)) for f in fits)
    top = [f for f in fits if len(f.header_map(header)) == best]
    if len(top) > 1:
        raise AdapterError(f"{file_name}: the header fits {' and '.join(f.name for f in top)} equally; name the "
                           "format with --format")
    return top[0]


def detect(path: Path, encoding: str | None = None) -> Format:
    """Recognise a file's format from its header row (see `_detect`)."""
    return _detect(path, encoding)[0]


def _detect(path: Path, encoding: str | None = None) -> tuple[Format, Sniffed]:
    """The format and the file as read to recognise it: its head only (sniff.read_head: title rows and header),
    unquoted first (Amazon's tab reports, where a `"` is text), then quoted, when quoted title lines above the header
    hold the delimiter (Amazon's Date Range report). A large export is then read once, with the format's quoting;
    a read that was the whole file is returned so that converting a small one does not read it again."""
    read = read_head(path, encoding, quoting=False)
    if not any(f.matches(read.parsed.header) for f in FORMATS):
        quoted = read_head(path, encoding, quoting=True)
        read = quoted if any(f.matches(quoted.parsed.header) for f in FORMATS) else read
    return recognise(read.parsed.header, Path(path).name), read


def converted_last(fmt: Format | None) -> bool:
    """Whether an export of `fmt` is converted after the others of a batch: its format reads other formats' lines
    (Shopify Payments reads the Shopify orders import's). The sort key of `in_import_order` and the Data page."""
    return fmt is not None and bool(fmt.reads)


def in_import_order(paths: list[Path], encoding: str | None = None) -> list[Path]:
    """`paths` in the order to import them (`converted_last`), each group in its given order; a file that cannot be
    recognised keeps its place among the first (its import reports why)."""
    def format_of(path: Path) -> Format | None:
        try:
            return _detect(path, encoding)[0]
        except (AdapterError, FileError):
            return None
    return sorted(paths, key=lambda path: converted_last(format_of(path)))


def check_declared(date_format: str) -> None:
    """AdapterError for a declared date format we do not know, before anything is read."""
    try:
        declared_format(date_format)
    except ValueError as exc:
        raise AdapterError(str(exc)) from None


def convert(path: Path, fmt: Format | None = None, options: Options | None = None) -> Converted:
    """Read `path` as `fmt` (recognised from its header when None) and convert it; nothing is written."""
    options = options or Options()
    if options.channel:
        try:
            options = replace(options, channel=channel_name(options.channel))
        except AdapterError as exc:
            raise AdapterError(f"{Path(path).name}: {exc}; nothing of the file is written") from None
    read = None
    if fmt is None:
        fmt, read = _detect(path, options.encoding)
        # a workbook has no quoting to differ in (it has no delimiter)
        read = read if read.complete and (read.quoting == fmt.quoting or not read.delimiter) else None
    if options.date_format:
        if fmt.fixed_dates:
            raise AdapterError(f"{Path(path).name}: dates in a {fmt.title} are always in their published form "
                               f"({fmt.fixed_dates}); a declared date format is not used for this format")
        check_declared(options.date_format)
    with bulk():  # a converter makes a row or ledger entry per line: no collector passes over millions
        return fmt.convert(open_source(path, fmt, options, read), options)
