"""Benchmark: `supplier-risk import` of each export format at a large seller's size, against a plain read of the same
file, in one run.

    .venv/bin/python benchmarks/imports.py                       # 10,000 and 100,000 lines
    .venv/bin/python benchmarks/imports.py --lines 10000 200000 1000000 --formats amazon-all-orders

Each format's fixture (tests/fixtures/exports, written to the published layout) is grown to the size asked by
repeating its data lines with the export's own identifiers made unique per copy (an Amazon order id or RMA, a Shopify
order name, a TikTok Shop order ID, an inspection report number, a Wise transfer id, a Walmart transaction key); the Wise formats import into
a folder holding the fixture's purchase orders, the Shopify Payments export into one holding the orders export grown
alike (imported first, not timed). Then, each in a fresh process so that peak memory is its own: DuckDB's `read_csv` of the file (the
physical reference: every cell as text, nothing checked) and the whole import (recognise, read, check every value,
convert, merge into an empty folder, write). Prints, side by side: lines, the raw read, the import, their ratio, lines
a second, and the import's peak memory (max RSS). Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "tests" / "fixtures" / "exports"
# format -> (fixture, delimiter, the columns made unique per copy, data lines that come before the repeated ones)
FORMATS = {
    "amazon-all-orders": ("amazon_all_orders.txt", "\t", ["amazon-order-id"], 0),
    "amazon-fba-returns": ("amazon_fba_returns.txt", "\t", ["order-id", "license-plate-number"], 0),
    "amazon-settlement-v2": ("amazon_settlement_v2.txt", "\t", ["order-id", "adjustment-id"], 1),
    "amazon-mfn-returns": ("amazon_mfn_returns.txt", "\t", ["Order ID", "Amazon RMA ID"], 0),
    "shopify-orders": ("shopify_orders_export.csv", ",", ["Name", "Id"], 0),
    "shopify-payments": ("shopify_payments_transactions.csv", ",", ["Order"], 0),
    "walmart-recon": ("walmart_recon.csv", ",", ["Transaction Key", "Customer Order #"], 1),
    "tiktok-shop-orders": ("tiktok_shop_orders.csv", ",", ["Order ID"], 1),
    "inspection-summary": ("inspection_summary.txt", None, ["Report No."], 0),
    "wise-statement": ("wise_statement_usd.csv", ",", ["TransferWise ID"], 0),
    "wise-transactions": ("wise_transactions.csv", ",", ["ID"], 0),
}
# a format whose fees are split over another's lines: that one, grown alike (same orders), is imported first, untimed
NEEDS = {"shopify-payments": "shopify-orders"}
PURCHASE_ORDERS = ("po_id,supplier_id,sku,ordered_on,promised_ship_on,quantity,unit_price,currency\n"
                   + "".join(f"PO-2026-{n},SUP-0001,SKU-1,2026-08-01,2026-10-15,100,10,{cur}\n"
                             for n, cur in (("0142", "USD"), ("0139", "USD"), ("0137", "CNY"), ("0136", "USD"),
                                            ("0133", "USD"), ("0134", "USD"), ("0131", "USD"), ("0130", "EUR"))))


def grow(fmt: str, lines: int, out: Path) -> tuple[Path, str]:
    """The fixture of `fmt` with its data lines repeated to `lines`, identifiers unique per copy, and its
    delimiter."""
    name, delimiter, keys, fixed = FORMATS[fmt]
    raw = (EXPORTS / name).read_bytes()
    encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    text = raw.decode(encoding)
    delimiter = delimiter or ("\t" if "\t" in text.splitlines()[0] else ",")
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, quoting=csv.QUOTE_NONE if delimiter == "\t"
                           else csv.QUOTE_MINIMAL))
    header, body = rows[0], [r for r in rows[1:] if any(r)]
    head, repeated = body[:fixed], body[fixed:]
    at = [header.index(k) for k in keys if k in header]
    grown = list(head)
    copy = 0
    while len(grown) < lines:
        for row in repeated:
            row = list(row)
            for i in at:
                if row[i]:
                    core, tab = (row[i][:-1], "\t") if row[i].endswith("\t") else (row[i], "")  # TikTok's IDs
                    row[i] = (f"{core}-{copy}" if not core.startswith("#") else f"#{copy}{core[1:]}") + tab
            grown.append(row)
            if len(grown) == lines:
                break
        copy += 1
    path = out / f"{fmt}-{lines}{Path(name).suffix}"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n",
                            quoting=csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL, escapechar="\\"
                            if delimiter == "\t" else None)
        writer.writerow(header)
        writer.writerows(grown)
    return path, delimiter


CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
what, path, folder, delimiter = sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), sys.argv[5]
started = time.perf_counter()
if what == "raw":
    import duckdb
    quote = ", quote = ''" if delimiter == "\t" else ""
    n = duckdb.execute(f"select count(*) from read_csv(?, all_varchar = true, header = true, delim = ?{quote})",
                       [str(path), delimiter]).fetchone()[0]
else:
    from pipelines.adapters import registry, store
    from pipelines.adapters.base import Options
    converted = registry.convert(path, options=Options(context_dir=folder))
    store.write(converted, folder)
    n = converted.rows_read
print(json.dumps({"seconds": time.perf_counter() - started, "lines": n,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(what: str, path: Path, folder: Path, delimiter: str) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), what, str(path), str(folder), delimiter],
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{what} of {path.name} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--formats", nargs="+", default=list(FORMATS), choices=list(FORMATS))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="supplier-risk-imports-"))
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}; files in {work}")
    print(f"{'format':<22}{'lines':>10}{'raw read':>10}{'import':>9}{'ratio':>7}{'lines/s':>10}{'peak MB':>9}")
    try:
        for fmt in args.formats:
            for lines in args.lines:
                path, delimiter = grow(fmt, lines, work)
                folder = work / f"{fmt}-{lines}-folder"
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                (folder / "purchase_orders.csv").write_text(PURCHASE_ORDERS, encoding="utf-8")
                if fmt in NEEDS:
                    run("import", grow(NEEDS[fmt], lines, work)[0], folder, ",")
                raw = run("raw", path, folder, delimiter)
                ours = run("import", path, folder, delimiter)
                print(f"{fmt:<22}{ours['lines']:>10,}{raw['seconds']:>9.2f}s{ours['seconds']:>8.2f}s"
                      f"{ours['seconds'] / raw['seconds']:>6.0f}x{ours['lines'] / ours['seconds']:>10,.0f}"
                      f"{ours['rss_mb']:>9,.0f}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
