"""Digest of every table of the demo warehouse: the parity check behind a refactor that must not change behaviour.

    .venv/bin/python benchmarks/warehouse_digest.py --out /tmp/before.json           # generate, build, digest
    .venv/bin/python benchmarks/warehouse_digest.py --out /tmp/after.json --compare /tmp/before.json

Generates the demo portfolio (seed 7, 72 suppliers, 3 years unless told), builds it into a temporary warehouse
and prints one SHA-256 per table over its column names, types and every value (rows sorted, so a table whose row
order is unspecified still digests the same). Floats are hashed exactly (their repr): "scores exact". Columns that
record when or where the build ran (ingest.build_info.built_at / input_dir, build history) are left out, and the
fitted model's stored blob too (it carries library versions and fit timestamps); everything else counts.
`--compare` lists the tables whose digest changed (with the columns that did), were added or disappeared, and exits
1 when any did; a table equal only once floats are rounded to 12 significant digits is listed apart (DuckDB sums
doubles in parallel, so two builds of the same input can differ in the last bits: seen on marts.supplier_kpis).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

import duckdb

from pipelines.build import build
from pipelines.demo import generate_portfolio

# columns that say when, where or by which library a build ran, not what it computed
VOLATILE = {"built_at", "input_dir", "built_by", "finished_at", "started_at", "db_path", "model_blob", "fitted_at",
            "library_versions", "sklearn_version", "python_version", "fit_seconds", "metadata_json"}


def _rounded(value):
    """A float to 12 significant digits (DuckDB's parallel sums of doubles may differ in the last bits)."""
    return float(f"{value:.12g}") if isinstance(value, float) else value


def table_digest(con: duckdb.DuckDBPyConnection, table: str) -> dict:
    """SHA-256 over the kept columns' names, types and every row (sorted by their text), exact and with floats
    rounded to 12 significant digits; the row count; and one exact digest per column (to see what changed)."""
    described = con.execute(f"describe {table}").fetchall()  # noqa: S608 - table names come from the catalogue
    cols = [(name, kind) for name, kind, *_ in described if name not in VOLATILE]
    exact, rounded = hashlib.sha256(repr(cols).encode()), hashlib.sha256(repr(cols).encode())
    per_column = {}
    rows = []
    if cols:
        select = ", ".join(f'"{name}"' for name, _ in cols)
        rows = con.execute(f"select {select} from {table}").fetchall()  # noqa: S608
    for r in sorted(repr(r) for r in rows):
        exact.update(r.encode() + b"\n")
    for r in sorted(repr(tuple(_rounded(v) for v in r)) for r in rows):
        rounded.update(r.encode() + b"\n")
    for i, (name, _) in enumerate(cols):
        per_column[name] = hashlib.sha256("\n".join(sorted(repr(r[i]) for r in rows)).encode()).hexdigest()[:16]
    return {"sha256": exact.hexdigest(), "rounded": rounded.hexdigest(), "rows": len(rows), "columns": per_column}


def warehouse_digests(db: Path) -> dict[str, dict]:
    """{schema.table: table_digest} for every table of the warehouse at `db`."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute("select table_schema || '.' || table_name from information_schema.tables "
                             "order by 1").fetchall()
        return {t: table_digest(con, t) for (t,) in tables}
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--suppliers", type=int, default=72)
    p.add_argument("--years", type=int, default=3)
    p.add_argument("--db", help="digest this warehouse instead of generating and building the demo")
    p.add_argument("--keep", help="build the demo warehouse here and keep it (default: a temporary folder)")
    p.add_argument("--out", help="write the digests here (JSON)")
    p.add_argument("--compare", help="a digest file written before: list what changed")
    args = p.parse_args(argv)
    if args.db:
        digests = warehouse_digests(Path(args.db))
    else:
        with tempfile.TemporaryDirectory(prefix="sr-digest-") as work:
            folder = Path(work) / "input"
            generate_portfolio(folder, seed=args.seed, suppliers=args.suppliers, years=args.years)
            db = Path(args.keep) if args.keep else Path(work) / "w.duckdb"
            build(folder, db, log=lambda _line: None)
            digests = warehouse_digests(db)
    if args.out:
        Path(args.out).write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if not args.compare:
        for t, d in digests.items():
            print(f"{t:<48} {d['rows']:>9,}  {d['sha256'][:16]}")
        return 0
    before = json.loads(Path(args.compare).read_text(encoding="utf-8"))
    both = sorted(before.keys() & digests.keys())
    changed = [t for t in both if before[t]["rounded"] != digests[t]["rounded"]]
    last_bits = [t for t in both if t not in changed and before[t]["sha256"] != digests[t]["sha256"]]
    gone, added = sorted(before.keys() - digests.keys()), sorted(digests.keys() - before.keys())
    for t in changed + last_bits:
        cols = sorted(c for c in before[t]["columns"].keys() | digests[t]["columns"].keys()
                      if before[t]["columns"].get(c) != digests[t]["columns"].get(c))
        label = "changed" if t in changed else "last bits only"
        print(f"{label}: {t} ({before[t]['rows']:,} -> {digests[t]['rows']:,} rows): {', '.join(cols)}")
    for label, names in (("gone", gone), ("added", added)):
        for t in names:
            print(f"{label}: {t}")
    print(f"{len(digests)} tables: {len(changed)} changed, {len(last_bits)} equal to 12 significant digits only, "
          f"{len(gone)} gone, {len(added)} added")
    return 1 if changed or gone or added else 0


if __name__ == "__main__":
    sys.exit(main())
