"""Build the warehouse: ingest → staging → marts (SQL and Python models) → data checks → atomic publish.

The build writes a new database file next to the live one and renames it over the live one only when every
model and every error-level check passed. A failed or killed build leaves the last good database untouched.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

import duckdb

from pipelines import ingest

PIPELINE_DIR = Path(__file__).resolve().parent
SQL_DIR = PIPELINE_DIR / "sql"
CHECKS_DIR = PIPELINE_DIR / "checks"
SCHEMAS = ("raw", "ingest", "reference", "staging", "marts")
_REF = re.compile(r"\b(?:from|join)\s+((?:raw|ingest|reference|staging|marts)\.[a-z_0-9]+)", re.IGNORECASE)
_COMMENT = re.compile(r"--[^\n]*")


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
    artifacts_dir: Path
    log: Callable[[str], None] = print


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
    """Every `.sql` file under sql/<schema>/ is the table <schema>.<file stem>."""
    models = []
    for path in sorted(sql_dir.glob("*/*.sql")):
        text = path.read_text(encoding="utf-8")
        name = f"{path.parent.name}.{path.stem}"
        inputs = {m.lower() for m in _REF.findall(_COMMENT.sub("", text))} - {name}
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


def run_checks(con: duckdb.DuckDBPyConnection, checks_dir: Path = CHECKS_DIR):
    """Run every check (SQL returning failing rows); return (errors, warnings) as (name, count, sample)."""
    errors, warnings = [], []
    for path in sorted(checks_dir.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        severity = "warn" if re.search(r"--\s*severity:\s*warn", text) else "error"
        try:
            frame = con.execute(text).df()
        except duckdb.Error as exc:
            raise BuildError(f"check {path.stem} ({path.name}) could not run: {exc}") from exc
        if len(frame):
            sample = frame.head(3).to_dict(orient="records")
            (warnings if severity == "warn" else errors).append((path.stem, len(frame), str(sample)))
    return errors, warnings


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
        )""").fetchone()
    return row[0] or date.today()  # no dated row at all: nothing to be reproducible about


def build(input_dir: Path, db_path: Path, as_of: date | None = None, log: Callable[[str], None] = print,
          artifacts_dir: Path | None = None) -> BuildReport:
    """Build a warehouse from `input_dir` and publish it atomically at `db_path`."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_builds(db_path)
    tmp = db_path.with_name(f"{db_path.name}.building-{os.getpid()}")
    report = BuildReport(db_path)
    started = time.perf_counter()
    try:
        t0 = time.perf_counter()
        result = ingest.read_and_validate(Path(input_dir))
        report.ingest = result
        for note in result.notices:
            log(f"  notice: {note}")
        con = duckdb.connect(str(tmp))
        try:
            ingest.load(con, result)
            for t in result.tables:
                log(f"  load {t.table:<16} read {t.rows_read:>9,}  loaded {t.rows_loaded:>9,}  "
                    f"rejected {t.rows_rejected:>6,}  duplicates {t.duplicates_collapsed:>5,}  {t.file}")
            report.steps.append(StepTiming("ingest", time.perf_counter() - t0,
                                           sum(t.rows_loaded for t in result.tables)))
            ingest.load_reference_tables(con)
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
                        "current_timestamp as built_at, ?::varchar as input_dir",
                        [report.as_of, str(Path(input_dir).resolve())])
            context = BuildContext(report.as_of, Path(artifacts_dir or db_path.parent / "artifacts"), log)
            models = order_models(sql_models(SQL_DIR) + python_models())
            for i, model in enumerate(models, 1):
                t0 = time.perf_counter()
                try:
                    if model.kind == "sql":
                        con.execute(f"create or replace table {model.name} as\n{model.sql}")
                    else:
                        model.run(con, context)
                except Exception as exc:  # noqa: BLE001 - reported with the model's name, build aborted
                    raise BuildError(f"model {model.name} ({model.path.name}) failed: {exc}") from exc
                rows = con.execute(f"select count(*) from {model.name}").fetchone()[0]
                seconds = time.perf_counter() - t0
                report.steps.append(StepTiming(model.name, seconds, rows))
                log(f"  [{i:>2}/{len(models)}] {model.name:<38} {rows:>10,} rows  {seconds:6.2f}s")
            t0 = time.perf_counter()
            errors, warnings = run_checks(con, CHECKS_DIR)
            report.check_failures, report.warnings = errors, warnings
            report.steps.append(StepTiming("checks", time.perf_counter() - t0))
            for name, count, sample in warnings:
                log(f"  warning: check {name}: {count} row(s), e.g. {sample}")
            if errors:
                detail = "; ".join(f"{name}: {count} failing row(s), e.g. {sample}" for name, count, sample in errors)
                raise BuildError(f"data checks failed: {detail}")
            log(f"  checks passed ({len(list(CHECKS_DIR.glob('*.sql')))} checks, {len(warnings)} warning(s))")
            con.execute("checkpoint")
        finally:
            con.close()
        _fsync(tmp)
        _pause_for_tests()
        os.replace(tmp, db_path)
        _fsync(db_path.parent)  # make the rename itself durable
        log(f"  published {db_path} in {time.perf_counter() - started:.1f}s (as of {report.as_of})")
        return report
    except BaseException:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise


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
    """Delete temporary files of killed builds whose process is gone."""
    for path in db_path.parent.glob(f"{db_path.name}.building-*"):
        pid = path.name.rsplit("-", 1)[-1].split(".")[0]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
