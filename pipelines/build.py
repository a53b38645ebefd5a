"""Build the warehouse: ingest → staging → marts (SQL and Python models) → data checks → atomic publish.

The build writes a new database file next to the live one and renames it over the live one only when every
model and every error-level check passed. A failed or killed build leaves the last good database untouched; the
fitted model is stored inside the warehouse, so it is published (or not) with the tables. One build per warehouse
runs at a time (a lock file), and a build that would empty an import table or cut it by more than half compared
with the live warehouse is refused unless explicitly allowed.
"""

from __future__ import annotations

import fcntl
import importlib
import os
import pkgutil
import queue
import re
import shutil
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import Callable, Iterable

import duckdb
import pandas as pd

from models.wording import count_words
from pipelines import contract as c
from pipelines import ingest
from pipelines.code_version import code_version
from pipelines.macros import MACROS, SQL_COMMENT, TABLE_REF, create_macros, macro_inputs

PIPELINE_DIR = Path(__file__).resolve().parent
SQL_DIR = PIPELINE_DIR / "sql"
CHECKS_DIR = c.CHECKS_DIR
SCHEMAS = ("raw", "ingest", "reference", "staging", "marts")


class BuildError(Exception):
    """A model or check failed; the live database was not changed."""


@dataclass
class Model:
    """One node of the build graph: a SQL file or a Python step, producing one or more tables."""

    name: str  # "schema.table" of its main output
    kind: str  # "sql" | "python"
    inputs: set[str]
    outputs: list[str]
    sql: str = ""
    run: Callable | None = None
    path: Path | None = None


@dataclass
class BuildContext:
    """What Python steps may need besides the connection."""

    as_of: date
    log: Callable[[str], None] = print
    # frames one step computed and a later step of the same build reads instead of recomputing them (e.g. the risk
    # score's month-end signal points, which the validity card judges); never persisted, gone when the build ends
    shared: dict = field(default_factory=dict)


@dataclass
class StepTiming:
    name: str
    seconds: float
    rows: int | None = None


@dataclass
class BuildReport:
    db_path: Path
    as_of: date | None = None
    ingest: ingest.IngestResult | None = None
    steps: list[StepTiming] = field(default_factory=list)
    check_failures: list[tuple[str, int, str]] = field(default_factory=list)  # (check, failing rows, sample)
    warnings: list[tuple[str, int, str]] = field(default_factory=list)


def sql_models(sql_dir: Path = SQL_DIR) -> list[Model]:
    """Every `.sql` file under sql/<schema>/ is the table <schema>.<file stem>. A model reads the tables it names and
    those of the shared macros it calls (sql/macros.sql)."""
    models = []
    macros = macro_inputs(sql_dir / MACROS.name)
    for path in sorted(sql_dir.glob("*/*.sql")):
        text = path.read_text(encoding="utf-8")
        name = f"{path.parent.name}.{path.stem}"
        code = SQL_COMMENT.sub("", text)
        inputs = {m.lower() for m in TABLE_REF.findall(code)} - {name}
        for macro, reads in macros.items():
            if re.search(rf"\b{macro}\s*\(", code, re.IGNORECASE):
                inputs |= reads
        models.append(Model(name, "sql", inputs, [name], sql=text, path=path))
    return models


def python_models() -> list[Model]:
    """Python steps: modules in pipelines/steps with INPUTS, OUTPUTS and run(con, context)."""
    from pipelines import steps

    models = []
    for info in sorted(pkgutil.iter_modules(steps.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"pipelines.steps.{info.name}")
        if not hasattr(module, "run"):
            continue
        outputs = list(module.OUTPUTS)
        models.append(Model(outputs[0], "python", set(module.INPUTS), outputs, run=module.run,
                            path=Path(module.__file__)))
    return models


def order_models(models: list[Model]) -> list[Model]:
    """Topological order (ties by name) so every model runs after the models whose tables it reads."""
    producer = {out: m for m in models for out in m.outputs}
    remaining = {m.name: m for m in models}
    done: set[str] = set()
    ordered: list[Model] = []
    while remaining:
        ready = sorted(
            (m for m in remaining.values()
             if all(producer[i].name in done for i in m.inputs if i in producer and producer[i].name != m.name)),
            key=lambda m: m.name,
        )
        if not ready:
            raise BuildError(f"dependency cycle among models: {', '.join(sorted(remaining))}")
        for m in ready:
            ordered.append(m)
            done.add(m.name)
            del remaining[m.name]
    return ordered


# DuckDB's share of the build's memory (its default is 80% of the machine): the Python steps need the rest, and a
# query that needs more spills to disk instead of pushing the build past the machine. 1 GB keeps a 2,000-supplier
# build under 3 GB in all (docs/scaling.md); SUPPLIER_RISK_BUILD_MEMORY (e.g. 4GB) gives a larger brand more.
BUILD_MEMORY = os.environ.get("SUPPLIER_RISK_BUILD_MEMORY", "1GB")

# Models run at the same time, at most: one per core, up to two (a Python step and a SQL model, or two steps, use
# both cores; more would only share them and add memory). SUPPLIER_RISK_BUILD_WORKERS=1 runs them one by one.
BUILD_WORKERS = max(1, int(os.environ.get("SUPPLIER_RISK_BUILD_WORKERS", min(2, os.cpu_count() or 1))))


def run_models(con: duckdb.DuckDBPyConnection, models: list[Model], context: BuildContext, report: BuildReport,
               log: Callable[[str], None], workers: int | None = None) -> None:
    """Run every model once the models whose tables it reads are done, `workers` at a time (BUILD_WORKERS).

    Each model runs on its own cursor in its own transaction, so another model sees its tables whole or not at all;
    the build database is new, so a model that read a table it does not declare would fail, not read stale rows.
    Among the models ready to run, those with more models waiting on them start first (the risk score before a
    small mart). The first failure stops the build once the running models end; it is reported with its model."""
    workers = workers or BUILD_WORKERS
    producer = {out: m.name for m in models for out in m.outputs}
    needs = {m.name: {producer[i] for i in m.inputs if i in producer and producer[i] != m.name} for m in models}
    waiting_on: dict[str, set[str]] = {m.name: set() for m in models}
    for m in reversed(models):  # reverse topological order: a model's dependents are counted before it
        for need in needs[m.name]:
            waiting_on[need] |= {m.name} | waiting_on[m.name]
    rank = {m.name: (-len(waiting_on[m.name]), i) for i, m in enumerate(models)}
    pending = sorted(models, key=lambda m: rank[m.name])
    done: set[str] = set()
    running: dict = {}
    failure: BaseException | None = None
    # steps log from their threads into a queue; this thread writes the lines, so a caller's log (the Data page's
    # progress bar) is only ever called from the thread that called the build
    lines: queue.SimpleQueue = queue.SimpleQueue()
    step_context = replace(context, log=lines.put)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="model") as pool:
        while pending or running:
            for m in [m for m in pending if needs[m.name] <= done] if failure is None else []:
                if len(running) >= workers:
                    break
                pending.remove(m)
                running[pool.submit(_run_model, con, m, step_context)] = m
            if not running:
                break
            finished, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
            while not lines.empty():
                log(lines.get())
            for future in finished:
                model = running.pop(future)
                try:
                    rows, seconds = future.result()
                except BaseException as exc:  # noqa: BLE001 - the first one is raised once the others end
                    failure = failure or exc
                    continue
                done.add(model.name)
                report.steps.append(StepTiming(model.name, seconds, rows))
                log(f"  [{len(done):>2}/{len(models)}] {model.name:<38} {rows:>10,} rows  {seconds:6.2f}s")
    if failure is not None:
        raise failure


def _run_model(con: duckdb.DuckDBPyConnection, model: Model, context: BuildContext) -> tuple[int, float]:
    """One model in one transaction on its own cursor: (rows of its table, seconds)."""
    t0 = time.perf_counter()
    cur = con.cursor()
    try:
        try:
            with ingest.transaction(cur):  # one commit per model, not one per statement
                if model.kind == "sql":
                    cur.execute(f"create or replace table {model.name} as\n{model.sql}")
                else:
                    model.run(cur, context)
        except Exception as exc:  # noqa: BLE001 - reported with the model's name, build aborted
            raise BuildError(f"model {model.name} ({model.path.name}) failed: {exc}") from exc
        rows = cur.execute(f"select count(*) from {model.name}").fetchall()[0][0]
        return rows, time.perf_counter() - t0
    finally:
        cur.close()


def run_checks(con: duckdb.DuckDBPyConnection, checks_dir: Path = CHECKS_DIR,
               warned_rows: dict[str, pd.DataFrame] | None = None):
    """Run every check (SQL returning failing rows); return (errors, warnings) as (name, count, sample). Given a
    dict, `warned_rows` receives every row of each warning whose check names its rows (row_key, problem), in the
    check's order."""
    errors, warnings = [], []
    for path in sorted(checks_dir.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        severity = c.check_severity(text)
        try:
            frame = con.execute(text).df()
        except duckdb.Error as exc:
            raise BuildError(f"check {path.stem} ({path.name}) could not run: {exc}") from exc
        if len(frame):
            named = {"row_key", "problem"} <= set(frame.columns)
            sample = (first_rows(frame["row_key"], frame["problem"]) if named
                      else str(frame.head(3).to_dict(orient="records")))
            (warnings if severity == "warn" else errors).append((path.stem, len(frame), sample))
            if severity == "warn" and named and warned_rows is not None:
                warned_rows[path.stem] = frame[["row_key", "problem"]]
    return errors, warnings


def first_rows(keys: Iterable, problems: Iterable) -> str:
    """A check's first three rows as a list: "shipments.csv:3: shipment H2 …" (the key left out where the problem
    names it: "shipment SHP-1 entered on …")."""
    return "; ".join(p if str(k) in str(p) else f"{k}: {p}" for k, p in islice(zip(keys, problems), 3))


def read_reviews(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The warned rows the founder reviewed (raw.reviewed_warnings: the import makes it, empty without a file)."""
    return con.execute("select check_name, problem, reviewed_on, reviewed_by, note from raw.reviewed_warnings").df()


def check_description(name: str, checks_dir: Path | None = None) -> str:
    """What a check looks for, in the words of its file's opening comment: its first paragraph, written for the
    person reading the Data page (the severity line left out; a paragraph after a bare "--" line is for engineers)."""
    lines = []
    for line in ((checks_dir or CHECKS_DIR) / f"{name}.sql").read_text(encoding="utf-8").splitlines():
        if not line.startswith("--") or (lines and not line[2:].strip()):
            break
        if not c.SEVERITY.match(line):
            lines.append(line[2:].strip())
    return " ".join(lines)


def _record_warnings(con: duckdb.DuckDBPyConnection, found: list[tuple[str, int, str]],
                     warned_rows: dict[str, pd.DataFrame], reviewed: pd.DataFrame,
                     checks_dir: Path) -> list[tuple[str, int, str]]:
    """ingest.check_warning_rows: every row the warnings of this build's data checks (`found`) name, in the check's
    order (row_no), with its review when the founder marked it reviewed (reviewed_warnings: same check, same
    problem), so that a founder can work through all of them, not only the first three; and ingest.check_warnings:
    per check, what it looks for, the rows worth a look (not reviewed), the rows reviewed and the first rows worth a
    look (the rows are kept; the Data page lists them with the current warehouse, not only right after a build).
    Returns the warnings with rows worth a look, as (name, count, sample): a check whose every row was reviewed is no
    warning."""
    con.execute("""create or replace table ingest.check_warning_rows (
        check_name varchar, row_no bigint, row_key varchar, problem varchar, reviewed_on date, reviewed_by varchar,
        review_note varchar)""")
    con.register("_reviews", reviewed)
    try:
        for name, frame in warned_rows.items():
            con.register("_warned_rows", frame.assign(row_no=range(1, len(frame) + 1)))
            try:
                con.execute("""insert into ingest.check_warning_rows
                    select ?, w.row_no, w.row_key::varchar, w.problem::varchar, r.reviewed_on::date, r.reviewed_by,
                        r.note
                    from _warned_rows w
                    left join _reviews r on r.check_name = ? and r.problem = w.problem::varchar
                    order by w.row_no""", [name, name])
            finally:
                con.unregister("_warned_rows")
    finally:
        con.unregister("_reviews")
    con.execute("""create or replace table ingest.check_warnings (
        check_name varchar, description varchar, rows bigint, reviewed bigint, examples varchar)""")
    worth_a_look = []
    for name, count, sample in found:
        done = 0
        if name in warned_rows:
            still = con.execute("""select row_key, problem from ingest.check_warning_rows
                                   where check_name = ? and reviewed_on is null order by row_no""", [name]).df()
            done, count, sample = count - len(still), len(still), first_rows(still["row_key"], still["problem"])
        con.execute("insert into ingest.check_warnings values (?, ?, ?, ?, ?)",
                    [name, check_description(name, checks_dir), count, done, sample])
        if count:
            worth_a_look.append((name, count, sample))
    return worth_a_look


def _log_reviews(con: duckdb.DuckDBPyConnection, given: int, log: Callable[[str], None]) -> None:
    """Say how many warned rows the founder's reviews cover, and how many reviews match no warned row any more (the
    row was corrected, or its values changed and it warns again)."""
    if not given:
        return
    rows, matched = con.execute("""select count(reviewed_on), count(distinct (check_name, problem)) filter (
                                       where reviewed_on is not null) from ingest.check_warning_rows""").fetchone()
    log(f"  reviewed: {count_words(rows, 'warned row')} marked reviewed in reviewed_warnings"
        + (f"; reviews that match no warned row of this build (corrected, or its values changed): {given - matched:,}"
           if given > matched else ""))


def infer_as_of(con: duckdb.DuckDBPyConnection) -> date:
    """The latest activity date in the data, so re-importing the same files gives the same warehouse."""
    row = con.execute("""
        select max(d) from (
            select max(ordered_on) as d from raw.purchase_orders
            union all select max(paid_on) from raw.payments
            union all select max(inspected_on) from raw.inspections
            union all select max(greatest(shipped_on, coalesce(delivered_on, shipped_on))) from raw.shipments
            union all select max(returned_on) from raw.returns
            union all select max(incurred_on) from raw.quality_costs
            union all select max(greatest(onboarded_on, coalesce(last_audit_on, onboarded_on))) from raw.suppliers
            union all select max(registry_checked_on) from raw.suppliers
            union all select max(records_checked_on) from raw.suppliers
            union all select max(documents_received_on) from raw.shipments
            union all select max(greatest(first_seen_on, coalesce(verified_on, first_seen_on))) from raw.bank_accounts
            union all select max(changed_on) from raw.changes
            union all select max(greatest(opened_on, coalesce(closed_on, opened_on))) from raw.corrective_actions
        )""").fetchone()
    return row[0] or date.today()  # no dated row at all: nothing to be reproducible about


# A build that would cut an import table to less than this share of the live warehouse's rows is refused unless
# allowed (a wrong folder, a renamed file or a changed delimiter looks exactly like this).
MIN_KEPT_SHARE = 0.5
# Import tables a build may empty or shrink without a confirmation: those holding a founder's decisions, not business
# data (unticking reviews on the Data page shrinks reviewed_warnings; a review lost shows its row as worth a look again,
# and the build says so: _carry_decisions).
SHRINK_EXEMPT = frozenset(t.name for t in c.TABLES if t.holds_decisions)


class ShrinkError(BuildError):
    """The new build would empty an import table or drop a large share of its rows; nothing was published."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("refusing to publish: " + "; ".join(problems)
                         + ". If this is intended, build again with --allow-shrink (Data page: confirm the shrink).")


class BuildBusy(BuildError):
    """Another build of the same warehouse is running; this one did not start."""


def build(input_dir: Path, db_path: Path, as_of: date | None = None, log: Callable[[str], None] = print,
          allow_shrink: bool = False, built_by: str | None = None) -> BuildReport:
    """Build a warehouse from `input_dir` and publish it atomically at `db_path`.

    One build per warehouse at a time (a lock file beside it); a build that would empty an import table or drop
    more than half of its rows compared with the live warehouse is refused unless `allow_shrink`.
    """
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock(db_path, built_by):
        return _build_locked(Path(input_dir), db_path, as_of, log, allow_shrink, built_by)


def _build_locked(input_dir: Path, db_path: Path, as_of: date | None, log: Callable[[str], None],
                  allow_shrink: bool, built_by: str | None) -> BuildReport:
    _remove_stale_builds(db_path)
    tmp = db_path.with_name(f"{db_path.name}.building-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    report = BuildReport(db_path)
    started = time.perf_counter()
    try:
        t0 = time.perf_counter()
        con = duckdb.connect(str(tmp))
        con.execute("set memory_limit = ?", [BUILD_MEMORY])
        try:
            result = ingest.read_and_validate(input_dir, con, latest=c.latest_event_date(as_of))
            report.ingest = result
            for note in result.notices:
                log(f"  notice: {note}")
            with ingest.transaction(con):
                ingest.record(con, result)
            for t in result.tables:
                log(f"  load {t.table:<18} read {t.rows_read:>9,}  loaded {t.rows_loaded:>9,}  "
                    f"rejected {t.rows_rejected:>6,}  duplicates {t.duplicates_collapsed:>5,}  {t.file}")
            report.steps.append(StepTiming("ingest", time.perf_counter() - t0,
                                           sum(t.rows_loaded for t in result.tables)))
            live = _live_counts(db_path)
            shrink = shrink_problems(result, live)
            if shrink and not allow_shrink:
                raise ShrinkError(shrink)
            for problem in shrink:
                log(f"  warning: {problem} (allowed)")
            for name, said in _carry_decisions(con, result, db_path).items():  # said, never refused
                log(f"  notice: {said}")
                # the Data page's load log says it under the table too (its counts stay the folder's file's)
                con.execute("update ingest.load_log set notices = concat_ws('; ', nullif(notices, ''), ?) "
                            "where table_name = ?", [said, name])
            with ingest.transaction(con):
                ingest.load_reference_tables(con)
                create_macros(con)
            latest = infer_as_of(con)
            if as_of is not None and as_of < latest:
                raise BuildError(
                    f"as-of date {as_of} is before the latest activity in the data ({latest}): marts would mix "
                    "rows dated after it with a score cut at it. Build as of a date on or after the latest "
                    "activity, or remove the later rows from the files.")
            report.as_of = as_of or latest
            for schema in SCHEMAS:
                con.execute(f"create schema if not exists {schema}")
            con.execute("create or replace table ingest.build_info as select ?::date as as_of, "
                        "current_timestamp as built_at, ?::varchar as input_dir, ?::varchar as built_by, "
                        "?::varchar as code_version",
                        [report.as_of, str(input_dir.resolve()), built_by, code_version()])
            _record_history(con, db_path, result, built_by, bool(shrink))
            context = BuildContext(report.as_of, log)
            models = order_models(sql_models(SQL_DIR) + python_models())
            run_models(con, models, context, report, log)
            t0 = time.perf_counter()
            warned_rows: dict[str, pd.DataFrame] = {}
            reviewed = read_reviews(con)
            errors, found = run_checks(con, CHECKS_DIR, warned_rows)
            warnings = _record_warnings(con, found, warned_rows, reviewed, CHECKS_DIR)
            report.check_failures, report.warnings = errors, warnings
            report.steps.append(StepTiming("checks", time.perf_counter() - t0))
            for name, count, sample in warnings:
                every = (" (every row: the Data page, or ingest.check_warning_rows; one found right: supplier-risk "
                         f"review --check {name})") if name in warned_rows else ""
                log(f"  warning: check {name}: {count_words(count, 'row')}{every}, e.g. {sample}")
            _log_reviews(con, len(reviewed), log)
            if errors:
                detail = "; ".join(f"{name}: {count_words(count, 'failing row')}, e.g. {sample}" for name, count, sample in errors)
                raise BuildError(f"data checks failed: {detail}")
            log(f"  checks passed ({len(list(CHECKS_DIR.glob('*.sql')))} checks, {count_words(len(warnings), 'warning')})")
            with ingest.transaction(con):
                create_macros(con, reading_marts=True)
            con.execute("checkpoint")
        finally:
            con.close()
        _fsync(tmp)
        _pause_for_tests()
        # A write-ahead log left beside the live file by a crashed writer belongs to the old file: replayed
        # against the new one it makes the warehouse unreadable ("WAL does not match database file").
        db_path.with_name(db_path.name + ".wal").unlink(missing_ok=True)
        os.replace(tmp, db_path)
        _fsync(db_path.parent)  # make the rename itself durable
        log(f"  published {db_path} in {time.perf_counter() - started:.1f}s (as of {report.as_of})")
        return report
    except BaseException:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise


def shrink_problems(result: ingest.IngestResult, live: dict[str, int]) -> list[str]:
    """Why publishing `result` would lose data: a file whose every row was rejected, an import table the live
    warehouse has rows in that would be empty, or one cut below MIN_KEPT_SHARE of its live rows. Of every import
    table but SHRINK_EXEMPT (the founder's decisions: _carry_decisions says what a build drops of those)."""
    wanted = frozenset(t.table for t in result.tables) - SHRINK_EXEMPT
    problems = []
    for t in result.tables:
        if t.table not in wanted:
            continue
        before = live.get(t.table, 0)
        if t.rows_read and not t.rows_loaded:
            problems.append(f"every one of the {count_words(t.rows_read, 'row')} of {t.file} was rejected, so {t.table} would "
                            "be empty")
        elif before and not t.rows_loaded:
            problems.append(f"{t.table} would be empty (the live warehouse has {count_words(before, 'row')}"
                            + (f"; {t.file} has no data rows)" if t.file else "; no file for it in the folder)"))
        elif before and t.rows_loaded < MIN_KEPT_SHARE * before:
            problems.append(f"{t.table} would drop from {before:,} to {count_words(t.rows_loaded, 'row')} "
                            f"({1 - t.rows_loaded / before:.0%} fewer than the live warehouse)")
    return problems


def _live_history(db_path: Path):
    """ingest.build_history of the live warehouse, or None (no warehouse, or one built before the history existed).

    Read through a read-only connection of its own, which shares this process's open instance of the file when the
    dashboard has one (attaching the file a second time from the build's connection conflicts with it)."""
    if not db_path.exists():
        return None
    try:
        with duckdb.connect(str(db_path), read_only=True) as live:
            has = live.execute("select count(*) from duckdb_tables() where schema_name = 'ingest' "
                               "and table_name = 'build_history'").fetchone()[0]
            return live.execute("select * from ingest.build_history").df() if has else None
    except duckdb.Error:
        return None


def _carry_decisions(con: duckdb.DuckDBPyConnection, result: ingest.IngestResult, db_path: Path) -> dict[str, str]:
    """The tables of decisions (Table.holds_decisions: the founder's reviews) against the live warehouse this build
    replaces, {table: what to say}. A table the input folder has no file for keeps the live warehouse's rows (copied
    into `raw`), so that reviews made on the Data page, which rebuilds from a private copy of the folder, outlive the
    next build from the folder itself. A file in the folder, even an empty one, is what the founder decided and wins:
    reviews of the live warehouse it leaves out are said (how many, the first), their rows worth a look again."""
    if not db_path.exists():
        return {}
    try:
        with duckdb.connect(str(db_path), read_only=True) as live:
            tables = {n for (n,) in live.execute("select table_name from duckdb_tables() where schema_name = 'raw'")
                      .fetchall()}
            frames = {t.table: live.execute(f'select * from raw."{t.table}"').df() for t in result.tables
                      if t.table in SHRINK_EXEMPT and t.table in tables}
    except duckdb.Error:  # an unreadable live warehouse: nothing to carry (the build replaces it)
        return {}
    said = {}
    for t in result.tables:
        frame = frames.get(t.table)
        if frame is None or frame.empty:
            continue
        table = c.TABLES_BY_NAME[t.table]
        if not t.file:
            con.register("_kept_rows", frame.reindex(columns=table.column_names + ["source_file", "source_line"]))
            try:
                with ingest.transaction(con):
                    con.execute(f'insert into raw."{t.table}" select * from _kept_rows')
            finally:
                con.unregister("_kept_rows")
            said[t.table] = (f"no {t.table} file in the input folder: kept the {count_words(len(frame), 'review')} "
                             "of the warehouse it replaces (made on the Data page or by supplier-risk review); a "
                             f"{t.table}.csv in the folder replaces them, one with its header only takes them all back")
            continue
        key = list(table.key)
        now = con.execute(f'select {", ".join(key)} from raw."{t.table}"').df()
        gone = frame[key].merge(now.drop_duplicates(), how="left", indicator=True).query("_merge == 'left_only'")
        if len(gone):
            first = ", ".join(f'"{p}"' for p in gone.sort_values(key)[key[-1]].head(2))
            said[t.table] = (f"{t.file} leaves out {count_words(len(gone), 'review')} of the warehouse it replaces "
                             f"(first {first}): taken back, their rows are worth a look again (a review made on the "
                             "Data page reaches a folder of your own only through the page's download of the "
                             "reviews)")
    return said


def _live_counts(db_path: Path) -> dict[str, int]:
    """Rows per import table in the live warehouse (empty when there is none or it cannot be read)."""
    if not db_path.exists():
        return {}
    try:
        with duckdb.connect(str(db_path), read_only=True) as live:
            tables = live.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()
            return {name: live.execute(f'select count(*) from raw."{name}"').fetchone()[0] for (name,) in tables}
    except duckdb.Error:
        return {}


def _record_history(con: duckdb.DuckDBPyConnection, db_path: Path, result: ingest.IngestResult,
                    built_by: str | None, shrink_allowed: bool) -> None:
    """ingest.build_history: every build published at this path (carried over from the live warehouse), this one
    last: when, by whom, from which folder, rows loaded and rejected."""
    con.execute("""create or replace table ingest.build_history (
        built_at timestamp with time zone, built_by varchar, input_dir varchar, as_of date, rows_loaded bigint,
        rows_rejected bigint, is_shrink_allowed boolean)""")
    earlier = _live_history(db_path)
    if earlier is not None and len(earlier):
        con.register("_earlier_builds", earlier)
        try:
            con.execute("insert into ingest.build_history select * from _earlier_builds")
        finally:
            con.unregister("_earlier_builds")
    con.execute("""insert into ingest.build_history
        select built_at, built_by, input_dir, as_of, ?, ?, ? from ingest.build_info""",
                [sum(t.rows_loaded for t in result.tables), sum(t.rows_rejected for t in result.tables),
                 shrink_allowed])


@contextmanager
def _build_lock(db_path: Path, built_by: str | None):
    """Hold `<db>.lock` for the whole build; a second build (another visitor, another shell) gets BuildBusy."""
    lock_path = db_path.with_name(db_path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip() or "another process"
            raise BuildBusy(f"a build of {db_path.name} is already running ({holder}); try again when it "
                            "has finished") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"started {datetime.now().isoformat(timespec='seconds')} by {built_by or 'unknown'}, "
                      f"pid {os.getpid()}".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _fsync(path: Path) -> None:
    """Flush a file (or a folder's entry list) to disk so a power cut cannot leave a half-written warehouse."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _pause_for_tests() -> None:
    """Let the kill-during-build test stop the process between checkpoint and publish."""
    delay = os.environ.get("SUPPLIER_RISK_PAUSE_BEFORE_PUBLISH")
    if delay:
        time.sleep(float(delay))


def _remove_stale_builds(db_path: Path) -> None:
    """Delete what killed builds left (safe: the caller holds the build lock, so none is running): their database
    files, their WALs, and the directories DuckDB spills to beside them (`<file>.tmp`) when a large build needs more
    memory than it may use, which a crash leaves behind. Unlinking only files failed on such a directory, and with it
    every later build of that warehouse."""
    for path in db_path.parent.glob(f"{db_path.name}.building-*"):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
