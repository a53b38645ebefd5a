"""`supplier-risk`: generate demo data, validate and build the warehouse, write templates and docs."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

from pipelines import contract

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = Path(os.environ.get("SUPPLIER_RISK_DB", ROOT / "data" / "warehouse" / "supplier_risk.duckdb"))
DEFAULT_DEMO_DIR = ROOT / "data" / "demo"


def _cmd_demo(args) -> int:
    from pipelines.demo import generate_portfolio

    t0 = time.perf_counter()
    counts = generate_portfolio(Path(args.out), seed=args.seed, suppliers=args.suppliers, years=args.years,
                                with_errors=args.with_errors)
    seconds = time.perf_counter() - t0
    total = sum(counts.values())
    for table, n in counts.items():
        print(f"  {table:<16} {n:>10,} rows")
    print(f"wrote {total:,} rows to {args.out} in {seconds:.1f}s ({total / max(seconds, 1e-9):,.0f} rows/s)")
    return 0


def _cmd_build(args) -> int:
    from pipelines.build import BuildError, build
    from pipelines.ingest import IngestError

    as_of = date.fromisoformat(args.as_of) if args.as_of else None
    try:
        report = build(Path(args.input), Path(args.db), as_of=as_of)
    except IngestError as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        print(f"build stopped: nothing was published; {args.db} is unchanged", file=sys.stderr)
        return 2
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(f"build failed: {args.db} is unchanged", file=sys.stderr)
        return 1
    rejected = report.ingest.rejections if report.ingest else []
    if rejected:
        print(f"{len(rejected)} problem(s) in rejected rows (first 20; all in ingest.rejected_rows):")
        for r in rejected[:20]:
            print(f"  {r.file}:{r.line} [{r.column}] {r.reason}")
    return 0


def _cmd_check(args) -> int:
    from pipelines.ingest import IngestError, read_and_validate

    try:
        result = read_and_validate(Path(args.input))
    except IngestError as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        return 2
    for note in result.notices:
        print(f"notice: {note}")
    for t in result.tables:
        print(f"{t.table:<16} read {t.rows_read:>9,}  ok {t.rows_loaded:>9,}  rejected {t.rows_rejected:>6,}  "
              f"duplicates {t.duplicates_collapsed:>5,}")
    for r in result.rejections:
        print(f"  {r.file}:{r.line} [{r.column}] {r.reason}")
    return 1 if result.rejections else 0


def _cmd_templates(args) -> int:
    from pipelines.docs import write_templates

    for path in write_templates(Path(args.out)):
        print(f"  wrote {path}")
    return 0


def _cmd_contract_doc(args) -> int:
    from pipelines.docs import render_contract

    text = render_contract()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _cmd_demo_warehouse(args) -> int:
    """Generate the default demo portfolio and build it, unless a warehouse already exists."""
    db = Path(args.db)
    if db.exists() and not args.force:
        print(f"warehouse already at {db} (use --force to rebuild)")
        return 0
    out = Path(args.out)
    if not (out / "suppliers.csv").exists() or args.force:
        rc = _cmd_demo(argparse.Namespace(out=out, seed=7, suppliers=72, years=3, with_errors=False))
        if rc:
            return rc
    return _cmd_build(argparse.Namespace(input=out, db=db, as_of=None))


def _cmd_import_scms(args) -> int:
    """Convert a USAID SCMS delivery-history export into an import folder and summarise what happened."""
    from pipelines.adapters.scms import REJECTIONS_FILE, AdapterError, import_scms
    from pipelines.readers import FileError

    try:
        result = import_scms(Path(args.input), Path(args.out))
    except (FileError, AdapterError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"read {result.rows_read:,} line(s) from {result.source.name}: {result.lines_written:,} written, "
          f"{result.rows_rejected:,} rejected")
    for table, n in result.rows_written.items():
        if n:
            print(f"  {table:<16} {n:>9,} rows")
    for reason, n in result.rejected_by_reason().most_common():
        print(f"  rejected: {n:>6,} line(s): {reason}")
    print(f"  freight: {result.freight_written:,.2f} USD written (conserved from {result.freight_carried:,.2f}); "
          f"{result.freight_lost:,.2f} USD on shipments whose every line was rejected")
    for note in result.notices:
        print(f"notice: {note}")
    if result.rejections:
        print(f"every rejected line, with file, line, column and reason: {Path(args.out) / REJECTIONS_FILE}")
    print(f"next: supplier-risk build --input {args.out}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="supplier-risk", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="write a deterministic demo portfolio in the import format")
    d.add_argument("--out", required=True, help="folder to write the CSV files to")
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--suppliers", type=int, default=72)
    d.add_argument("--years", type=int, default=3)
    d.add_argument("--with-errors", action="store_true", help="append a few invalid rows to show the rejection report")
    d.set_defaults(func=_cmd_demo)

    b = sub.add_parser("build", help="validate an input folder and publish the warehouse atomically")
    b.add_argument("--input", required=True, help="folder with one file per table (csv, xlsx or parquet)")
    b.add_argument("--db", default=str(DEFAULT_DB), help=f"warehouse file (default {DEFAULT_DB})")
    b.add_argument("--as-of", help="analysis date YYYY-MM-DD (default: latest activity in the data)")
    b.set_defaults(func=_cmd_build)

    c = sub.add_parser("check", help="validate an input folder and list every rejected row; builds nothing")
    c.add_argument("--input", required=True)
    c.set_defaults(func=_cmd_check)

    t = sub.add_parser("templates", help="write empty import templates (header rows only)")
    t.add_argument("--out", required=True)
    t.set_defaults(func=_cmd_templates)

    cd = sub.add_parser("contract-doc", help="print (or write) the data contract as Markdown")
    cd.add_argument("--out")
    cd.set_defaults(func=_cmd_contract_doc)

    dw = sub.add_parser("demo-warehouse", help="generate the demo portfolio and build its warehouse if missing")
    dw.add_argument("--out", default=str(DEFAULT_DEMO_DIR))
    dw.add_argument("--db", default=str(DEFAULT_DB))
    dw.add_argument("--force", action="store_true")
    dw.set_defaults(func=_cmd_demo_warehouse)

    si = sub.add_parser("import-scms", help="convert a USAID SCMS delivery-history CSV into an import folder")
    si.add_argument("--input", required=True, help="SCMS_Delivery_History_Dataset.csv or the data.gov variant")
    si.add_argument("--out", required=True, help="folder to write the import files to")
    si.set_defaults(func=_cmd_import_scms)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
