"""Write a conversion into an import folder without losing what is already there, idempotently.

- A table the conversion writes row by row (returns, inspections, the SCMS tables) is merged by the contract key:
  a row whose key is already in `DIR/<table>.csv` replaces it (importing the same export again changes nothing),
  every other row of the file is kept.
- A table that is a sum (`sales`: units and revenue per SKU, month and channel) is rebuilt from line-level
  ledgers in `DIR/_imports/` keyed by the export's own identifiers (Amazon order id + SKU, Shopify order name +
  SKU, settlement id + line), so an overlapping second export adds nothing twice. Units and revenue come from the
  order reports (Amazon All Orders, Shopify); a settlement report adds the fees, and gives units and revenue only for
  SKU-months no order report covers. Sales rows of other keys are kept.
- Refunds a settlement report gives per order and SKU become the `refund_amount` of the returns an Amazon returns
  report wrote for the same order and SKU, split over them by quantity to the cent; refunds with no such return
  (Amazon refunds some orders without a return) are reported, not written. A return whose report gave its refund
  (the seller-fulfilled returns report's `Refunded Amount`) keeps it: the settlement's is the same money.
- A line an export now says is cancelled removes the entry an earlier import of it wrote (a tombstone).
- Every line the conversion rejected or left out is written to `DIR/_imports/<file>.<format>.rejections.csv`.
The build reads only `DIR/<table>.csv`; `_imports/` is a folder, which the build ignores.
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from models.allocation import allocate
from pipelines import contract as c
from pipelines.adapters.base import AdapterError, Converted, fmt_number
from pipelines.adapters.sniff import bulk
from pipelines.ingest import find_table_file

IMPORTS = "_imports"
SALES_LINES, SALES_FEES = "sales_lines", "sales_fees"
RETURN_ORDERS, REFUNDS = "return_orders", "refunds"
LEDGER_KEY = ("_format", "_key")


@dataclass
class Written:
    table: str
    path: Path
    added: int
    replaced: int
    kept: int


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    if not path.exists():
        return [], []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), [dict(r) for r in reader]


def ledger(out_dir: Path, name: str) -> list[dict[str, str]]:
    """The rows of one ledger of an import folder (`DIR/_imports/<name>.csv`; none when it has not been written)."""
    return _read_csv(Path(out_dir) / IMPORTS / f"{name}.csv")[1]


def _write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    """Write atomically (a temporary file renamed over the old one): a killed import leaves the old file."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, restval="", extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)


def _table_path(out_dir: Path, table: str) -> Path:
    existing = find_table_file(out_dir, table)
    if existing is not None and existing.suffix.lower() != ".csv":
        raise AdapterError(f"{out_dir / existing.name} is not CSV: the import merges into {table}.csv; convert it "
                           "to CSV or import into another folder")
    return out_dir / f"{table}.csv"


def merge_rows(out_dir: Path, table: str, rows: list[dict[str, str]]) -> Written:
    """Merge `rows` into DIR/<table>.csv by the contract key; the file keeps the contract's columns first, then
    any extra columns it had."""
    spec = c.TABLES_BY_NAME[table]
    path = _table_path(out_dir, table)
    header, old = _read_csv(path)
    key = lambda row: tuple((row.get(k) or "").strip() for k in spec.key)  # noqa: E731
    incoming = {key(r): r for r in rows}
    kept = [r for r in old if key(r) not in incoming]
    replaced = sum(1 for r in old if key(r) in incoming)
    extra = [h for h in header if h not in spec.column_names]
    _write_csv(path, spec.column_names + extra, kept + list(incoming.values()))
    return Written(table, path, len(incoming) - replaced, replaced, len(kept))


def _merge_ledger(out_dir: Path, name: str, facts: list[dict[str, str]]) -> list[dict[str, str]]:
    """Merge line-level facts into DIR/_imports/<name>.csv by (format, key); return the whole ledger."""
    folder = out_dir / IMPORTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    header, old = _read_csv(path)
    ident = lambda row: tuple(row.get(k, "") for k in LEDGER_KEY)  # noqa: E731
    incoming = {ident(f): f for f in facts}
    rows = [r for r in old if ident(r) not in incoming] + [f for f in incoming.values() if not f.get("_drop")]
    columns = list(dict.fromkeys([*LEDGER_KEY, *header, *(k for f in facts for k in f if k != "_drop")]))
    _write_csv(path, columns, rows)
    return rows


def _rebuild_sales(out_dir: Path) -> Written:
    """Sales rows for every (sku, month, channel) a ledger covers: order-report units and revenue, settlement fees."""
    lines, fees = ledger(out_dir, SALES_LINES), ledger(out_dir, SALES_FEES)
    group = lambda r: (r["sku"], r["month"], r["channel"])  # noqa: E731
    units, revenue = defaultdict(int), defaultdict(float)
    for r in lines:
        units[group(r)] += int(r["units"])
        revenue[group(r)] += float(r["revenue"])
    fee_total, fallback_units, fallback_revenue = defaultdict(float), defaultdict(int), defaultdict(float)
    for r in fees:
        fee_total[group(r)] += float(r["fees"] or 0)
        fallback_units[group(r)] += int(r["units"] or 0)
        fallback_revenue[group(r)] += float(r["revenue"] or 0)
    rows = []
    for k in sorted(set(units) | set(fee_total)):
        from_orders = k in units
        rows.append(dict(
            sku=k[0], month=k[1], channel=k[2],
            units_sold=str(units[k] if from_orders else fallback_units[k]),
            gross_revenue=fmt_number(revenue[k] if from_orders else fallback_revenue[k]),
            marketplace_fees=fmt_number(fee_total[k]) if k in fee_total else ""))
    return merge_rows(out_dir, "sales", rows)


def _match_refunds(out_dir: Path) -> tuple[Written | None, list[str]]:
    """Set refund_amount on the Amazon returns whose order and SKU a settlement refunded; report the others."""
    orders, refunds = ledger(out_dir, RETURN_ORDERS), ledger(out_dir, REFUNDS)
    if not orders:
        return None, []
    refunded = defaultdict(float)
    for r in refunds:
        refunded[(r["order_id"], r["sku"])] += float(r["refund"])
    returns_of = defaultdict(list)
    for r in orders:
        returns_of[(r["order_id"], r["sku"])].append(r)
    _, current = _read_csv(_table_path(out_dir, "returns"))
    by_id = {(r.get("return_id") or "").strip(): r for r in current}
    updated = []
    for key, members in returns_of.items():
        if any(m.get("own_refund") for m in members):
            continue  # the returns report gave the refund itself (seller-fulfilled returns): a settlement's is the same
        shares = (allocate(refunded[key], [float(m["quantity"]) for m in members], "returned quantity")
                  if key in refunded else [None] * len(members))
        for member, share in zip(members, shares):
            row = by_id.get(member["return_id"])
            if row is not None:
                updated.append({**row, "refund_amount": "" if share is None else fmt_number(share)})
    unmatched = {k: v for k, v in refunded.items() if k not in returns_of}
    notes = []
    if unmatched:
        notes.append(f"{len(unmatched)} refunded order/SKU pair(s) (USD {sum(unmatched.values()):,.2f}) have no "
                     "return in the returns written so far (a refund without a return, or its returns report is not "
                     "imported yet): not written")
    return (merge_rows(out_dir, "returns", updated) if updated else None), notes


def write_rejections(out_dir: Path, converted: Converted) -> Path:
    folder = out_dir / IMPORTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{converted.source.name}.{converted.format.name}.rejections.csv"
    rows = [dict(table_name=r.table, file=r.file, line=str(r.line), column_name=r.column, reason=r.reason,
                 raw_line=r.raw) for r in converted.rejections()]
    _write_csv(path, ["table_name", "file", "line", "column_name", "reason", "raw_line"], rows)
    return path


def settlement_of(fact: dict[str, str]) -> str:
    """The settlement id of a fee or refund ledger row: its `settlement` column, or for rows written before that
    column existed, the first part of its key (the settlement report's keys start with the settlement id)."""
    if fact.get("settlement"):
        return fact["settlement"]
    key = fact.get("_key") or ""
    return key.split(":", 1)[0] if fact.get("_format") == "amazon-settlement-v2" and ":" in key else ""


def _refuse_twice_counted_settlements(out_dir: Path, converted: Converted) -> None:
    """AdapterError when the conversion brings fees or refunds of a settlement the folder already holds from another
    report (the settlement flat file and the Date Range report carry the same transactions): counted twice, the
    fees would double. Nothing is written."""
    incoming = {settlement_of(f) for name in (SALES_FEES, REFUNDS) for f in converted.ledgers.get(name, [])} - {""}
    if incoming:
        held = [r for name in (SALES_FEES, REFUNDS) for r in ledger(out_dir, name)]
        clash = sorted({(settlement_of(r), r["_format"]) for r in held
                        if settlement_of(r) in incoming and r["_format"] != converted.format.name})
        if clash:
            shown = ", ".join(f"{s} (from {fmt})" for s, fmt in clash[:3]) + ("…" if len(clash) > 3 else "")
            raise AdapterError(f"{converted.source.name}: settlement(s) {shown} are already imported from another "
                               f"report; the {converted.format.title} carries the same transactions, so their fees "
                               "would count twice. Import each settlement from one report only")


def write(converted: Converted, out_dir: Path) -> list[Written]:
    """Merge a conversion into `out_dir` (created when absent); return what changed per table. Notices about
    the merge (refunds without a return) are added to `converted.notices`."""
    with bulk():  # a row dict per line read and written: no cyclic collector passes over millions of them
        return _write(converted, Path(out_dir))


def _write(converted: Converted, out_dir: Path) -> list[Written]:
    _refuse_twice_counted_settlements(out_dir, converted)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [merge_rows(out_dir, table, rows) for table, rows in converted.rows.items()]
    for name, facts in converted.ledgers.items():
        _merge_ledger(out_dir, name, facts)
    if {SALES_LINES, SALES_FEES} & set(converted.ledgers):
        written.append(_rebuild_sales(out_dir))
    if {RETURN_ORDERS, REFUNDS} & set(converted.ledgers):
        refunds, notes = _match_refunds(out_dir)
        converted.notices.extend(notes)
        if refunds is not None and "returns" not in converted.rows:
            written.append(refunds)
    write_rejections(out_dir, converted)
    return written
