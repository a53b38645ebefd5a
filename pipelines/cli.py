"""`supplier-risk`: generate demo data, validate and build the warehouse, write templates and docs."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

from models.wording import count_words

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = Path(os.environ.get("SUPPLIER_RISK_DB", ROOT / "data" / "warehouse" / "supplier_risk.duckdb"))
REFERENCE_FX = ROOT / "data" / "reference" / "fx_rates.csv"
DEFAULT_DEMO_DIR = ROOT / "data" / "demo"


def _cmd_demo(args) -> int:
    from pipelines.demo import MIN_SUPPLIERS, MIN_YEARS, generate_portfolio

    if args.suppliers < MIN_SUPPLIERS or args.years < MIN_YEARS:
        print(f"error: a demo portfolio needs at least {MIN_SUPPLIERS} suppliers and {MIN_YEARS} year "
              f"(--suppliers {args.suppliers} --years {args.years})", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    counts = generate_portfolio(Path(args.out), seed=args.seed, suppliers=args.suppliers, years=args.years,
                                with_errors=args.with_errors)
    seconds = time.perf_counter() - t0
    total = sum(counts.values())
    for table, n in counts.items():
        print(f"  {table:<18} {n:>10,} rows")
    print(f"wrote {total:,} rows to {args.out} in {seconds:.1f}s ({total / max(seconds, 1e-9):,.0f} rows/s)")
    return 0


def _cmd_build(args) -> int:
    from pipelines.build import BuildError, build
    from pipelines.ingest import IngestError

    as_of = date.fromisoformat(args.as_of) if args.as_of else None
    try:
        report = build(Path(args.input), Path(args.db), as_of=as_of, allow_shrink=args.allow_shrink,
                       built_by=args.built_by, log=lambda line: print(line, flush=True))
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
        print(f"{count_words(len(rejected), 'problem')} in rejected rows (first 20; all in ingest.rejected_rows):")
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
        print(f"{t.table:<18} read {t.rows_read:>9,}  ok {t.rows_loaded:>9,}  rejected {t.rows_rejected:>6,}  "
              f"duplicates {t.duplicates_collapsed:>5,}")
    for r in result.rejections:
        print(f"  {r.file}:{r.line} [{r.column}] {r.reason}")
    return 1 if result.rejections else 0


def _cmd_templates(args) -> int:
    from pipelines.docs import write_templates

    for path in write_templates(Path(args.out)):
        print(f"  wrote {path}")
    return 0


def _write_or_print(text: str, out: str | None) -> int:
    """A generated document to the file `out` names, or to standard output without one."""
    if out:
        Path(out).write_text(text, encoding="utf-8")
        print(f"wrote {out}")
    else:
        sys.stdout.write(text)
    return 0


def _cmd_dag(args) -> int:
    from pipelines import dag

    text = dag.render_markdown() if args.markdown else dag.render_text(table=args.table)
    return _write_or_print(text, args.out)


def _cmd_contract_doc(args) -> int:
    from pipelines.docs import render_contract

    text = render_contract()
    return _write_or_print(text, args.out)


def _cmd_demo_warehouse(args) -> int:
    """Generate the default demo portfolio and build it, unless a warehouse built by this code already exists (one
    built by other code is rebuilt: its pages could miss columns and its figures follow other rules)."""
    from pipelines.code_version import built_with, code_version

    db = Path(args.db)
    force = args.force
    if db.exists() and not force:
        stamp = built_with(db)
        if stamp == code_version():
            print(f"warehouse already at {db} (use --force to rebuild)")
            return 0
        print(f"warehouse at {db} was built by other code ({stamp or 'no version stamp'}, this is "
              f"{code_version()}): generating the demo again and rebuilding it")
        force = True
    out = Path(args.out)
    if not (out / "suppliers.csv").exists() or force:
        rc = _cmd_demo(argparse.Namespace(out=out, seed=7, suppliers=72, years=3, with_errors=False))
        if rc:
            return rc
    return _cmd_build(argparse.Namespace(input=out, db=db, as_of=None, allow_shrink=force,
                                         built_by="demo-warehouse"))


def _cmd_import(args) -> int:
    """Convert exports (each recognised from its header, named with --format, or mapped with --mapping) into DIR:
    the files given, and every export in a folder given (by name). A file that cannot be imported is reported and
    the others are imported; the exit code is the worst: 2 a file not imported, 1 rejected lines, 0 all written."""
    from pipelines.adapters import registry, store
    from pipelines.adapters.base import AdapterError, Options
    from pipelines.adapters.mapping import MappingError, convert_with
    from pipelines.adapters.report import check_written, report_lines
    from pipelines.adapters.sniff import ARCHIVE_SUFFIXES, SPREADSHEET_SUFFIXES, TEXT_SUFFIXES
    from pipelines.readers import FileError

    suffixes = TEXT_SUFFIXES + SPREADSHEET_SUFFIXES + ARCHIVE_SUFFIXES
    sources: list[Path] = []
    for given in map(Path, args.input):
        if given.is_dir():
            found = sorted(p for p in given.iterdir() if p.is_file() and p.suffix.lower() in suffixes
                           and not p.name.startswith((".", "_")))
            if not found:
                print(f"error: {given} holds no export ({', '.join(suffixes)})", file=sys.stderr)
                return 2
            sources += found
        else:
            sources.append(given)
    if len(sources) > 1 and not (args.format or args.mapping):   # one reading another's lines after it
        sources = registry.in_import_order(sources, args.encoding)
    out = Path(args.out)
    worst, imported = 0, 0
    for n, source in enumerate(sources):
        if len(sources) > 1:
            print(f"{'' if n == 0 else chr(10)}[{n + 1}/{len(sources)}] {source}")
        options = Options(encoding=args.encoding, channel=args.channel, date_format=args.date_format,
                          context_dir=out)
        try:
            if args.mapping:
                converted = convert_with(Path(args.mapping), source, options)
            else:
                converted = registry.convert(source, registry.by_name(args.format) if args.format else None, options)
            written = store.write(converted, out)
        except (FileError, AdapterError, MappingError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            print(f"nothing was written to {out} from {source.name}", file=sys.stderr)
            worst = 2
            continue
        for line in report_lines(converted, written, out):
            print(line)
        contract = check_written(out, [w.table for w in written])
        for r in contract:
            print(f"  {r.file}:{r.line} [{r.column}] {r.reason} (contract check of the written file)")
        worst, imported = max(worst, 1 if converted.rows_rejected or contract else 0), imported + 1
    if len(sources) > 1:
        print(f"\nimported {imported} of {len(sources)} files into {out}")
    if imported:
        print(f"next: supplier-risk check --input {out}, then supplier-risk build --input {out}")
    return worst


def _cmd_formats(args) -> int:
    """List the export formats `import` recognises, with the headers each expects."""
    from pipelines.adapters.contract_tables import TableFormat
    from pipelines.adapters.registry import FORMATS

    for fmt in FORMATS:
        print(f"{fmt.name}: {fmt.title} -> {', '.join(fmt.tables)}  ({fmt.doc})")
        if isinstance(fmt, TableFormat):
            print(f"  the table's columns only, merged by key; required: {', '.join(fmt.required)}")
            continue
        print(f"  required headers: {', '.join(fmt.required)}")
        others = [c for c in fmt.columns if c not in fmt.required]
        if others:
            print(f"  also read: {', '.join(others)}")
        for name, spellings in fmt.synonyms.items():
            print(f"  {name!r} may be written {', '.join(repr(s) for s in spellings)}")
    print("any other spreadsheet: supplier-risk import --input FILE --out DIR --mapping MAPPING.toml "
          "(docs/importers.md#mapping-files)")
    return 0


def _cmd_import_scms(args) -> int:
    """Kept for old scripts: `import --format usaid-scms`."""
    return _cmd_import(argparse.Namespace(input=[args.input], out=args.out, format="usaid-scms", mapping=None,
                                          encoding=None, channel=None, date_format=None))


def _cmd_hash_password(args) -> int:
    """Print an scrypt hash of a password for the dashboard's built-in login (the password itself is never stored)."""
    import getpass

    from dashboard.passwords import hash_password

    if args.stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return 2
    if len(password) < 12:
        print("error: use at least 12 characters", file=sys.stderr)
        return 2
    digest = hash_password(password)
    print(digest)
    print(f"# in .streamlit/secrets.toml:\n# [access.users.{args.user}]\n# role = \"{args.role}\"\n"
          f"# password_hash = \"{digest}\"", file=sys.stderr)
    return 0


def _cmd_tariffs(args) -> int:
    """Print the duty stack for one HS code, origin and entry date, each row with its source and status."""
    from models import landed_cost as lc

    try:
        on = date.fromisoformat(args.on)
        loaded = date.fromisoformat(args.loaded_on) if args.loaded_on else None
        rate = lc.duty_rate(args.hs, args.origin, on, require_known=False, loaded_on=loaded,
                            claims=args.claims or "")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    through = lc.verified_through()
    print(f"HS {args.hs} from {rate.origin_country}, entered {on}"
          + (f", loaded {loaded}" if loaded else "") + (f", claiming {args.claims}" if args.claims else ""))
    if "duty_rates" in through and on > through["duty_rates"]:
        print(f"ESTIMATED: entered after the duty table's verified-through date {through['duty_rates']}; the rows "
              "as written for that date are used, not yet checked against official sources")
    if not rate.is_known:
        print(f"error: {rate.unknown_reason}: add it to data/reference/duty_rates.csv", file=sys.stderr)
        return 1
    amounts = None
    if args.value is not None:
        import pandas as pd

        from models.allocation import cents_array

        line = pd.DataFrame({"hs_code": [args.hs], "origin_country": [args.origin], "entry_on": [on],
                             "loaded_on": [loaded], "duty_claims": [args.claims or ""],
                             "dutiable_cents": cents_array([args.value]),
                             "steel_content_pct": [args.steel_pct], "aluminium_content_pct": [args.aluminium_pct]})
        comp, _ = lc.duty_for_lines(line)
        amounts = comp.set_index("duty_type")["amount_cents"] / 100
    kind = max([18] + [len(c.duty_type) for c in rate.components])  # section_301_forced_labor is 24
    print(f"  {'duty type':<{kind}} {'rate':>7}  {'charged on':<34} {'duty' if amounts is not None else '':>12}  "
          f"{'status':<10}  row (HS, origin, chapter 99)")
    for c in rate.components:
        on_what = c.basis.replace("_", " ") + (f" not under {c.not_stacked_on}" if c.not_stacked_on else "")
        amount = f"{amounts[c.duty_type]:>12,.2f}" if amounts is not None else " " * 12
        print(f"  {c.duty_type:<{kind}} {c.rate_pct:>6g}%  {on_what:<34} {amount}  {c.status:<10}  "
              f"{c.hs_prefix} {c.origin_country} {c.ch99_heading}".rstrip())
        print(f"      source: {c.source}")
        if c.status != "verified" and c.notes:
            print(f"      note: {c.notes}")
    total = f"{amounts.sum():>12,.2f}" if amounts is not None else ""
    print(f"  {'total':<{kind}} {rate.total_pct:>6g}%  {'' if amounts is None else f'on {args.value:,.2f}':<34} "
          f"{total}")
    print(f"duty table verified through {through.get('duty_rates', 'unknown')} (data/reference/verified_through.csv)")
    return 0


def _cmd_duty_gaps(args) -> int:
    """List the products' HS codes and origins the duty table cannot price (no MFN row, or no Section 301 row for
    goods of China), and with --out write the duty_rates.csv rows to fill in for them."""
    import duckdb

    from models import landed_cost as lc
    from pipelines.steps import duty_gaps as step

    db = Path(args.db)
    if not db.is_file():
        print(f"error: no warehouse at {db}: build one first (supplier-risk build or demo-warehouse)", file=sys.stderr)
        return 2
    try:
        on = date.fromisoformat(args.on) if args.on else None
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with duckdb.connect(str(db), read_only=True) as con:
        products = step.products(con)
        as_of = con.execute("select as_of from ingest.build_info").fetchone()[0]
        # on the analysis date: the build's list (marts.duty_gaps); on another date, the same rule asked again
        gaps = step.listed(con) if on is None or on == as_of else lc.duty_gaps(products, on)
    on = on or as_of
    uncoded = int(products["hs_code"].isna().sum())

    def count(n: int, word: str) -> str:
        return f"{n:,} {word}{'' if n == 1 else 's'}"

    print(f"{count(len(products), 'product')} in {db}, entered on {on}: "
          + (f"{count(len(gaps), 'HS code and origin')} ({count(int(gaps['sku_count'].sum()), 'SKU')}) the duty "
             "table cannot price" if len(gaps) else "the duty table prices every HS code and origin")
          + (f"; {count(uncoded, 'product')} without an HS code" if uncoded else ""))
    through = lc.verified_through().get("duty_rates")
    if through is not None and on > through:
        print(f"ESTIMATED: {on} is after the duty table's verified-through date {through}: the codes it prices carry "
              "the rows as written, not yet checked against official sources (supplier-risk tariffs shows each row)")
    for row in gaps.itertuples(index=False):
        print(f"  {row.hs_code} from {row.origin_country}: no {row.missing.replace(', ', ' and no ')} row "
              f"({count(row.sku_count, 'SKU')}: {row.skus})")
    if args.out and len(gaps):
        lc.duty_rows_to_fill(gaps).to_csv(args.out, index=False, lineterminator="\n")
        print(f"wrote the rows to fill in (rate and source blank) to {args.out}: complete them and append them to "
              "data/reference/duty_rates.csv (docs/landed-cost.md); a row left blank is refused with its line")
    if len(gaps):
        print("until then their duty is unknown (never 0): see the data check landed_cost_unknown_costs")
    return 0


def _cmd_validate(args) -> int:
    """Print the validity report card of a built warehouse (models/validity.py, docs/validity.md)."""
    import duckdb
    import pandas as pd

    from models import validity
    from pipelines import loaders

    db = Path(args.db)
    if not db.is_file():
        print(f"error: no warehouse at {db}: build one first (supplier-risk build or demo-warehouse)", file=sys.stderr)
        return 2
    truth = Path(args.ground_truth) if args.ground_truth else None
    if truth is not None and not truth.is_file():
        print(f"error: ground truth {truth} does not exist", file=sys.stderr)
        return 2
    con = duckdb.connect(str(db), read_only=True)
    try:
        card = loaders.card_for(con, truth)
    finally:
        con.close()
    print(f"validity report card of {db} (as of {card.as_of}; settings {validity.load_config().version}; "
          f"ground truth: {card.ground_truth or 'none'})")
    for line in validity.headline(card):
        print(f"- {line}")
    print("\nhow we know:")
    for line in validity.summary(card):
        print(f"- {line}")
    def table(frame: pd.DataFrame, digits: int = 3) -> str:
        """A figures table as text, a figure that cannot be computed blank (never 'NaN': a Spearman of 2 suppliers)."""
        shown = frame.drop(columns="version").round(digits)
        return shown.astype(object).where(shown.notna(), "").to_string(index=False)

    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 70):
        if len(card.rows):
            print("\nfigures (value; ci = 95% interval; reference = what it is compared with):")
            print(table(card.rows))
        if len(card.bands):
            print("\nincident rate per risk band at the order date (backtest test orders; Wilson 95% interval):")
            print(table(card.bands))
        one = card.stability[card.stability["pillar"].notna()]
        if len(one):
            print("\nranking when one pillar's weight changes (Spearman with the unchanged ranking; share of the "
                  "riskiest 15% still there; largest move in places):")
            print(table(one, 4))
        if card.signals is not None and len(card.signals):
            print("\neach signal's predictive value on the backtest's test orders (points as of the month end before "
                  "the order; AUC with its 95% supplier-bootstrap interval; lift = incident rate over the overall "
                  "rate, in the riskiest 10% and among orders with points):")
            print(table(card.signals))
    return 0


def _cmd_review(args) -> int:
    """Mark rows the last build warned of reviewed (or take reviews back) in reviewed_warnings.csv of the input folder
    the next build reads (pipelines/reviews.py), keeping the reviews there (else those the warehouse kept); the next
    build counts them as reviewed."""
    from datetime import date

    import duckdb
    import pandas as pd

    from models.wording import count_words
    from pipelines import contract, reviews
    from pipelines.ingest import find_table_file

    db = Path(args.db)
    if not db.is_file():
        print(f"error: no warehouse at {db}: build one first (supplier-risk build or demo-warehouse)", file=sys.stderr)
        return 2
    if args.check not in contract.WARNING_CHECKS:
        print(f"error: {args.check!r} is not a check that warns; one of: {', '.join(contract.WARNING_CHECKS)}",
              file=sys.stderr)
        return 2
    with duckdb.connect(str(db), read_only=True) as con:
        try:
            warned = con.execute("select row_key, problem, reviewed_on from ingest.check_warning_rows "
                                 "where check_name = ? order by row_no", [args.check]).df()
            built_from = Path(con.execute("select input_dir from ingest.build_info").fetchone()[0])
            # the reviews the build kept, for a folder without a file (made on the Data page, which rebuilds from a
            # copy of the folder): written into the folder's new file with the rest, not lost
            kept = con.execute("select check_name, problem, reviewed_on, reviewed_by, note "
                               "from raw.reviewed_warnings").df()
        except duckdb.Error:
            print(f"error: {db} was built before warned rows were kept: rebuild it first", file=sys.stderr)
            return 2
    folder = Path(args.input) if args.input else built_from
    found = find_table_file(folder, contract.REVIEWED_WARNINGS.name) if folder.is_dir() else None
    if not folder.is_dir() or (found is not None and found.suffix.lower() != ".csv"):
        print(f"error: {folder} is not a folder" if not folder.is_dir() else
              f"error: {found} is not a CSV file: add the reviews to it by hand, or remove it", file=sys.stderr)
        return 2
    words = args.matching.lower() if args.matching else None
    picked = warned[[words is None or words in f"{k} {p}".lower() for k, p in zip(warned["row_key"],
                                                                               warned["problem"])]]
    picked = picked[picked["reviewed_on"].notna() if args.take_back else picked["reviewed_on"].isna()]
    if picked.empty:
        print(f"no row of check {args.check} {'reviewed' if args.take_back else 'worth a look'}"
              + (f" matches {args.matching!r}" if args.matching else "") + f" in {db}: nothing written")
        return 1
    if found is not None:
        current = pd.read_csv(found, dtype=str, keep_default_na=False)
        current = current.where(current != "", None)  # a blank note is no note
    else:
        current = kept
    pairs = [(args.check, p) for p in picked["problem"]]
    after = reviews.reviewed_after(current, [] if args.take_back else pairs, pairs if args.take_back else [],
                                   on=date.today(), by=args.by, note=args.note)
    target = folder / f"{contract.REVIEWED_WARNINGS.name}.csv"
    target.write_bytes(reviews.csv_bytes(after))
    for key, problem in zip(picked["row_key"], picked["problem"]):
        print(f"  {'taken back' if args.take_back else 'reviewed'}: {key}: {problem}")
    print(f"wrote {target}: {count_words(len(picked), 'row')} of check {args.check} "
          f"{'no longer reviewed' if args.take_back else 'marked reviewed'}, {count_words(len(after), 'review')} in "
          f"all; "
          f"the next build from {folder} counts them (supplier-risk build --input {folder})")
    return 0


def _cmd_fx_update(args) -> int:
    """Extend data/reference/fx_rates.csv with the months after its latest from the ECB's reference-rate history
    (pipelines/fx.py)."""
    from pipelines import fx

    source, table_path = Path(args.ecb), Path(args.table)
    if not source.is_file():
        print(f"error: {source} does not exist (download eurofxref-hist.zip from {fx.ECB_HISTORY_URL})",
              file=sys.stderr)
        return 2
    try:
        done = fx.extend_from_ecb(source, table_path)
    except fx.FxTableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for currency, months in done.added.items():
        print(f"added {currency} {months[0]}" + (f" to {months[-1]} ({len(months)} months)" if len(months) > 1 else ""))
    print(f"{sum(map(len, done.added.values()))} rates added to {table_path}; {done.kept} months up to the table's "
          "latest were left as they are" + (f"; not in the ECB file: {', '.join(done.not_in_file)} (add those by hand)"
                                         if done.not_in_file else ""))
    if done.added:
        print("check the new rows, then update fx_rates' verified_through in data/reference/verified_through.csv")
    return 0


def _open_warehouse(path: str):
    """A read-only connection to a built warehouse, or None after saying why not (exit code 2)."""
    db = Path(path)
    if not db.is_file():
        print(f"error: no warehouse at {db}: build one first (supplier-risk build or demo-warehouse)", file=sys.stderr)
        return None
    from dashboard import db as warehouse

    return warehouse.connect(db)


def _cmd_scorecard(args) -> int:
    """Write one supplier's one-page scorecard PDF (dashboard/scorecard.py, docs/dashboard.md)."""
    from dashboard import db, scorecard, scorecard_pdf

    con = _open_warehouse(args.db)
    if con is None:
        return 2
    try:
        card = scorecard.build(db.runner(con), args.supplier)
    except scorecard.UnknownSupplier:
        print(f"error: no supplier with id {args.supplier!r} in {args.db}", file=sys.stderr)
        return 2
    finally:
        con.close()
    out = Path(args.out)
    out.write_bytes(scorecard_pdf.render(card))
    from models.wording import count_words

    print(f"wrote {out}: {card.supplier_name} ({card.supplier_id}), score "
          f"{'–' if card.score is None else f'{card.score:.1f}'} {card.band_words}, "
          f"{count_words(card.open_issue_count, 'open issue')}")
    return 0


def _cmd_digest(args) -> int:
    """Write the weekly digest as HTML (dashboard/digest.py) and, with --send, mail it through SMTP."""
    from dashboard import db, digest

    try:
        days = digest.parse_since(args.since or digest.DEFAULT_SINCE)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    settings = None
    if args.send:
        missing = [name for name, value in (("--smtp-host", args.smtp_host), ("--smtp-from", args.smtp_from),
                                             ("--smtp-to", args.smtp_to)) if not value]
        if missing:
            print(f"error: --send needs {', '.join(missing)} (or their SUPPLIER_RISK_SMTP_* variables)",
                  file=sys.stderr)
            return 2
        settings = digest.Smtp(host=args.smtp_host, port=int(args.smtp_port), sender=args.smtp_from,
                               recipients=[a.strip() for a in args.smtp_to.split(",") if a.strip()],
                               user=args.smtp_user or None, password_env=args.smtp_password_env,
                               starttls=args.starttls, cafile=args.smtp_cafile)
        if settings.user and not os.environ.get(settings.password_env):
            print(f"error: --smtp-user given but {settings.password_env} (the password) is not set", file=sys.stderr)
            return 2
    con = _open_warehouse(args.db)
    if con is None:
        return 2
    try:
        report = digest.build(db.runner(con), days)
    finally:
        con.close()
    out = Path(args.out)
    out.write_text(digest.render_html(report), encoding="utf-8")
    print(f"wrote {out}: {report.subject}")
    if settings is not None:
        import smtplib

        try:
            digest.send(report, settings)
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            print(f"error: the digest was written but not sent: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        print(f"sent to {', '.join(settings.recipients)} through {settings.host}:{settings.port}")
    return 0


def _cmd_cape_declaration(args) -> int:
    """Write the CAPE declaration of a built warehouse's IEEPA entries that CAPE phase 1 takes (pipelines/cape.py):
    the CSV (or, past the limit, several) to upload in the CAPE tab of the ACE portal, and the claims it files as rows
    to add to duty_refunds (cape.claims_to_record)."""
    from dashboard import db, display
    from models.wording import count_words
    from pipelines import cape

    con = _open_warehouse(args.db)
    if con is None:
        return 2
    try:
        entries = db.runner(con)("ieepa_entries", ids=None, supplier_id=None, sku=None)
    finally:
        con.close()
    if "cape_declaration" not in entries:  # a warehouse built by older code (or a partial build)
        print(f"error: {args.db} has no CAPE declaration column (marts.ieepa_entries): it was built by another "
              f"version of the code; rebuild it (supplier-risk build --input FOLDER --db {args.db})", file=sys.stderr)
        return 2
    declare = entries[entries["cape_declaration"] == "declare"]
    left_words = "; ".join(display.cape_left_out(entries))
    if declare.empty:
        print(f"no entry to declare: of {count_words(len(entries), 'IEEPA entry', 'IEEPA entries')} CAPE phase 1 "
              f"takes none{f' ({left_words})' if left_words else ''}", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    numbers = declare["cape_entry_number"].tolist()
    made = cape.files(numbers)
    claims = cape.claims_to_record(numbers, declare["entry_number"].tolist(),
                                   declare["ieepa_duty_not_refunded"].tolist(), args.claimed_on or date.today())
    for name, data in [*made, (cape.CLAIMS_FILE, claims)]:
        (out / name).write_bytes(data)
    print(f"wrote {', '.join(str(out / name) for name, _ in made)}: {count_words(len(declare), 'entry', 'entries')}, "
          f"{float(declare['ieepa_duty_not_refunded'].sum()):,.2f} of IEEPA duty not refunded yet"
          + (f"; left out: {left_words}" if left_words else "")
          + f"\nwrote {out / cape.CLAIMS_FILE}: once filed, import it into your folder (supplier-risk import "
            f"--input {out / cape.CLAIMS_FILE} --out FOLDER) and rebuild, so the next declaration leaves these entries "
            "out")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="supplier-risk", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="write a deterministic demo portfolio in the import format")
    d.add_argument("--out", required=True, help="folder to write the CSV files to")
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--suppliers", type=int, default=72, help="how many suppliers (default 72)")
    d.add_argument("--years", type=int, default=3, help="years of history (default 3)")
    d.add_argument("--with-errors", action="store_true", help="append a few invalid rows to show the rejection report")
    d.set_defaults(func=_cmd_demo)

    b = sub.add_parser("build", help="validate an input folder and publish the warehouse atomically")
    b.add_argument("--input", required=True, help="folder with one file per table (csv, xlsx or parquet)")
    b.add_argument("--db", default=str(DEFAULT_DB), help=f"warehouse file (default {DEFAULT_DB})")
    b.add_argument("--as-of", help="analysis date YYYY-MM-DD (default: latest activity in the data)")
    b.add_argument("--allow-shrink", action="store_true",
                   help="publish even if an import table would be empty or lose more than half of its rows")
    b.add_argument("--built-by", default=os.environ.get("USER") or None,
                   help="who is building (recorded in ingest.build_history; default $USER)")
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

    dg = sub.add_parser("dag", help="every table: the file that makes it, what it reads and its grain")
    dg.add_argument("--table", help="only this table (schema.table or table)")
    dg.add_argument("--markdown", action="store_true", help="as the Markdown of docs/tables.md")
    dg.add_argument("--out")
    dg.set_defaults(func=_cmd_dag)

    dw = sub.add_parser("demo-warehouse", help="generate the demo portfolio and build its warehouse if missing")
    dw.add_argument("--out", default=str(DEFAULT_DEMO_DIR))
    dw.add_argument("--db", default=str(DEFAULT_DB))
    dw.add_argument("--force", action="store_true")
    dw.set_defaults(func=_cmd_demo_warehouse)

    im = sub.add_parser("import", help="convert exports (Amazon, Walmart, Shopify, Wise, inspection summaries, SCMS, "
                                       "a broker's entry summary, or any spreadsheet through a mapping file) into an "
                                       "import folder")
    im.add_argument("--input", required=True, nargs="+",
                    help="export files (.csv, .tsv, .txt, .xlsx, or a .zip or .gz holding one), or folders of them")
    im.add_argument("--out", required=True, help="import folder: rows are merged into its table files")
    im.add_argument("--format", help="the format's name (default: recognised from the header; see `formats`)")
    im.add_argument("--mapping", help="a mapping file naming which column feeds which contract column")
    im.add_argument("--encoding", help="the file's encoding when it cannot be told (e.g. cp1252, gb18030)")
    im.add_argument("--channel", help="sales channel to write (e.g. amazon_ca) instead of the format's own")
    im.add_argument("--date-format", help="the file's date format when its dates cannot tell day-first from "
                    "month-first (e.g. DD/MM/YYYY or MM/DD/YYYY; a file a spreadsheet tool re-saved)")
    im.set_defaults(func=_cmd_import)

    fo = sub.add_parser("formats", help="list the export formats `import` recognises and the headers they expect")
    fo.set_defaults(func=_cmd_formats)

    si = sub.add_parser("import-scms", help="same as `import --format usaid-scms` (kept for old scripts)")
    si.add_argument("--input", required=True, help="SCMS_Delivery_History_Dataset.csv or the data.gov variant")
    si.add_argument("--out", required=True, help="folder to write the import files to")
    si.set_defaults(func=_cmd_import_scms)

    hp = sub.add_parser("hash-password", help="hash a password for the dashboard's built-in login (docs/security.md)")
    hp.add_argument("--user", default="NAME", help="user name to show in the secrets.toml snippet")
    hp.add_argument("--role", default="viewer", choices=("viewer", "admin"))
    hp.add_argument("--stdin", action="store_true", help="read the password from standard input (no prompt)")
    hp.set_defaults(func=_cmd_hash_password)

    tf = sub.add_parser("tariffs", help="print the duty stack for an HS code, origin and entry date, with sources")
    tf.add_argument("--hs", required=True, help="HTS code, dots allowed (4202.92.3131)")
    tf.add_argument("--origin", required=True, help="ISO country of origin (CN)")
    tf.add_argument("--on", required=True, help="entry date YYYY-MM-DD")
    tf.add_argument("--loaded-on", help="date the goods were loaded (for in-transit exemptions)")
    tf.add_argument("--claims", help="chapter 99 headings claimed, e.g. 9903.88.69")
    tf.add_argument("--value", type=float, help="dutiable value: also print each component's duty on it")
    tf.add_argument("--steel-pct", type=float, help="steel content, percent of the value (Section 232)")
    tf.add_argument("--aluminium-pct", type=float, help="aluminium content, percent of the value (Section 232)")
    tf.set_defaults(func=_cmd_tariffs)

    dg = sub.add_parser("duty-gaps", help="list the products' HS codes and origins the duty table cannot price "
                                          "(no MFN row, or no Section 301 row for goods of China)")
    dg.add_argument("--db", default=str(DEFAULT_DB), help="warehouse to read (default: %(default)s)")
    dg.add_argument("--on", help="entry date YYYY-MM-DD (default: the warehouse's analysis date)")
    dg.add_argument("--out", help="also write the duty_rates.csv rows to fill in (rate and source blank) to this file")
    dg.set_defaults(func=_cmd_duty_gaps)

    fu = sub.add_parser("fx-update", help="extend the FX table with the months after its latest from the ECB's "
                                          "reference-rate history (eurofxref-hist.zip or .csv); never changes a "
                                          "month already there")
    fu.add_argument("--ecb", required=True, help="the ECB's eurofxref-hist.zip (or the .csv inside it), from "
                                                  "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip")
    fu.add_argument("--table", default=str(REFERENCE_FX), help="FX table to extend (default: %(default)s)")
    fu.set_defaults(func=_cmd_fx_update)

    va = sub.add_parser("validate", help="print the validity report card of a built warehouse (docs/validity.md)")
    va.add_argument("--db", default=str(DEFAULT_DB), help="warehouse to judge (default: %(default)s)")
    va.add_argument("--ground-truth", help="CSV with supplier_id and hidden_risk (default: ground_truth/"
                                           "supplier_traits.csv in the warehouse's input folder, when it exists)")
    va.set_defaults(func=_cmd_validate)

    rv = sub.add_parser("review", help="mark rows a data check warned of reviewed (found right as they are), or "
                                       "take reviews back, in reviewed_warnings.csv of the input folder")
    rv.add_argument("--check", required=True, help="the check that warned (its file name in pipelines/checks/, "
                                                   "as the build's log names it)")
    rv.add_argument("--matching", help="only the rows whose file:line, key or problem contains this text "
                                       "(e.g. a shipment id); default every row of the check")
    rv.add_argument("--by", help="who reviewed them")
    rv.add_argument("--note", help="why they are right as they are")
    rv.add_argument("--take-back", action="store_true", help="take the reviews of these rows back instead")
    rv.add_argument("--input", help="input folder to write reviewed_warnings.csv in (default: the folder the "
                                    "warehouse was built from)")
    rv.add_argument("--db", default=str(DEFAULT_DB), help="warehouse whose warned rows to review (default: "
                                                           "%(default)s)")
    rv.set_defaults(func=_cmd_review)

    sc = sub.add_parser("scorecard", help="write one supplier's one-page scorecard as a PDF (docs/dashboard.md)")
    sc.add_argument("--supplier", required=True, help="supplier id (supplier_id)")
    sc.add_argument("--out", required=True, help="PDF file to write")
    sc.add_argument("--db", default=str(DEFAULT_DB), help="warehouse to read (default: %(default)s)")
    sc.set_defaults(func=_cmd_scorecard)

    cp = sub.add_parser("cape-declaration", help="write the CAPE declaration (CSV of entry numbers) of the IEEPA "
                                                 "entries CAPE phase 1 takes, to upload in the ACE portal "
                                                 "(docs/landed-cost.md)")
    cp.add_argument("--out", required=True, help="folder to write cape_declaration.csv into (several files past "
                                                 "a declaration's limit) and cape_claims_to_record.csv, the "
                                                 "claims as rows to add to duty_refunds once filed")
    cp.add_argument("--claimed-on", type=date.fromisoformat, default=None,
                    help="the day you file the declaration, the claims' claimed_on (YYYY-MM-DD; default today)")
    cp.add_argument("--db", default=str(DEFAULT_DB), help="warehouse to read (default: %(default)s)")
    cp.set_defaults(func=_cmd_cape_declaration)

    env = os.environ.get
    di = sub.add_parser("digest", help="write the weekly digest (new red flags, movers, balances to decide, re-audits "
                                       "due, stale data) as HTML; --send mails it (docs/dashboard.md)")
    di.add_argument("--since", help="window before the warehouse's as-of date: 7d, 14d, 2w (default: the last "
                                    "week, dashboard.digest.DEFAULT_SINCE)")
    di.add_argument("--out", required=True, help="HTML file to write")
    di.add_argument("--db", default=str(DEFAULT_DB), help="warehouse to read (default: %(default)s)")
    di.add_argument("--send", action="store_true", help="also mail it through the SMTP settings below")
    di.add_argument("--smtp-host", default=env("SUPPLIER_RISK_SMTP_HOST"), help="default $SUPPLIER_RISK_SMTP_HOST")
    di.add_argument("--smtp-port", type=int, default=int(env("SUPPLIER_RISK_SMTP_PORT") or 587),
                    help="default $SUPPLIER_RISK_SMTP_PORT, else 587")
    di.add_argument("--smtp-from", default=env("SUPPLIER_RISK_SMTP_FROM"), help="sender; default $SUPPLIER_RISK_SMTP_FROM")
    di.add_argument("--smtp-to", default=env("SUPPLIER_RISK_SMTP_TO"),
                    help="recipients, comma-separated; default $SUPPLIER_RISK_SMTP_TO")
    di.add_argument("--smtp-user", default=env("SUPPLIER_RISK_SMTP_USER"),
                    help="login user (none: no login); default $SUPPLIER_RISK_SMTP_USER")
    di.add_argument("--smtp-password-env", default="SUPPLIER_RISK_SMTP_PASSWORD",
                    help="environment variable holding the password (default %(default)s; never on the command line)")
    di.add_argument("--starttls", action=argparse.BooleanOptionalAction,
                    default=(env("SUPPLIER_RISK_SMTP_STARTTLS") or "").lower() in ("1", "true", "yes"),
                    help="upgrade the connection with STARTTLS (default $SUPPLIER_RISK_SMTP_STARTTLS, else off)")
    di.add_argument("--smtp-cafile", default=env("SUPPLIER_RISK_SMTP_CAFILE"),
                    help="CA certificate (PEM) that signed the server's STARTTLS certificate, for a private CA "
                         "(default $SUPPLIER_RISK_SMTP_CAFILE, else the system's trusted CAs)")
    di.set_defaults(func=_cmd_digest)
    return p


# commands that only read a warehouse: one built by other code may lack a table or column they read
READING_COMMANDS = ("cape-declaration", "digest", "duty-gaps", "scorecard", "validate")


def _built_by_other_code(args, exc: Exception) -> str | None:
    """What to say when a reading command failed in the database on a warehouse built by another version of the code
    (pipelines.code_version): that, and to rebuild it; None for any other failure (an unexpected error stays one)."""
    import duckdb

    from pipelines.code_version import built_with, code_version

    db = getattr(args, "db", None)
    if args.command not in READING_COMMANDS or db is None or not isinstance(exc, duckdb.Error):
        return None
    stamp = built_with(Path(db))
    if stamp == code_version():
        return None
    return (f"error: {args.command} cannot read the warehouse at {db}: it was built by another version of the code "
            f"({stamp or 'no version stamp'}; this is {code_version()}) and lacks what this version reads. Rebuild "
            f"it (supplier-risk build --input FOLDER --db {db}) and run this again.")


def main(argv: list[str] | None = None) -> int:
    """Run a command. An unexpected error prints one line with a log reference (the traceback goes to the error log,
    pipelines/errors.py) and exits 1, like an uncaught exception would; an interrupt exits 130, output piped into a
    reader that stopped reading (`| head`) 141, quietly."""
    args = parser().parse_args(argv)
    try:
        rc = args.func(args)
        sys.stdout.flush()   # a reader that went away fails here, in the handler below, not at the interpreter's exit
        return rc
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:   # the reader went away (`supplier-risk formats | head`): stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())   # so that the interpreter's final flush does not fail again
        return 141   # 128 + SIGPIPE, what a shell reports for a command killed by a closed pipe
    except Exception as exc:
        import logging

        from pipelines.errors import LOG, log_to_file, log_unexpected

        stale = _built_by_other_code(args, exc)
        if stale:
            print(stale, file=sys.stderr)
            return 2

        try:
            log = log_to_file()
        except OSError as log_error:  # no writable log folder: still no traceback on the terminal
            LOG.addHandler(logging.NullHandler())
            LOG.propagate = False
            log = f"no log ({log_error.strerror}: {log_error.filename}; set SUPPLIER_RISK_LOG_DIR)"
        reference = log_unexpected(exc, f"supplier-risk {args.command}")
        print(f"error: {args.command} stopped by an unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"the traceback is in {log} under reference {reference}; please report it with that reference",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
