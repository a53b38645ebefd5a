"""The build publishes atomically: failed checks, failed models and killed builds leave the last good database."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from helpers import TINY, quiet
from pipelines import build as build_module
from pipelines import contract
from pipelines.build import (
    BuildContext,
    BuildError,
    BuildReport,
    Model,
    build,
    check_description,
    order_models,
    python_models,
    run_models,
    sql_models,
)
from pipelines.ingest import read_and_validate


def supplier_ids(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [r[0] for r in con.execute("select supplier_id from marts.supplier_kpis order by 1").fetchall()]


def add_supplier(folder: Path, supplier_id: str = "S4") -> None:
    with (folder / "suppliers.csv").open("a") as fh:
        fh.write(f"{supplier_id},New One,manufacturer,CN,,,,,,,,,,,,,normal,none,,\n")


def test_models_run_after_the_tables_they_read():
    order = [m.name for m in order_models(sql_models() + python_models())]
    # marts.po_status is a Python step between SQL models: the facts, then the judgement, then what reads it
    assert (order.index("staging.purchase_orders") < order.index("marts.po_facts") < order.index("marts.po_status")
            < order.index("marts.supplier_kpis"))


def _step(name: str, inputs: set[str], events: list, seconds: float = 0.2, fail: bool = False) -> Model:
    def run(con, context):
        events.append(("start", name))
        context.log(f"    {name} is running")
        for table in inputs:  # reads what it declares: committed by the time it starts
            con.execute(f"select count(*) from {table}").fetchall()
        time.sleep(seconds)
        if fail:
            raise ValueError("no such column")
        con.execute(f"create table {name} as select 1 as x")
        events.append(("end", name))
    return Model(name, "python", inputs, [name], run=run, path=Path(f"{name}.py"))


def test_models_run_two_at_a_time_each_after_what_it_reads(tmp_path):
    """a and b are independent (they overlap); c reads both and starts after both ended; d reads c."""
    events: list = []
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema marts")
    models = order_models([_step("marts.a", set(), events), _step("marts.b", set(), events),
                           _step("marts.c", {"marts.a", "marts.b"}, events), _step("marts.d", {"marts.c"}, events)])
    report = BuildReport(tmp_path / "w.duckdb")
    logged: list = []  # (thread, line): a caller's log (the Data page's progress bar) is called from its own thread

    def log(line):
        logged.append((threading.current_thread(), line))

    run_models(con, models, BuildContext(date(2024, 1, 1), log), report, log, workers=2)
    assert {thread for thread, _ in logged} == {threading.current_thread()}
    lines = [line for _, line in logged]
    assert "    marts.a is running" in lines and lines.index("    marts.d is running") < len(lines) - 1
    at = {e: i for i, e in enumerate(events)}
    assert at[("start", "marts.b")] < at[("end", "marts.a")]  # ran at the same time
    assert at[("start", "marts.c")] > max(at[("end", "marts.a")], at[("end", "marts.b")])
    assert at[("start", "marts.d")] > at[("end", "marts.c")]
    assert sorted(s.name for s in report.steps) == ["marts.a", "marts.b", "marts.c", "marts.d"]
    assert all(s.rows == 1 for s in report.steps)


def test_a_model_failing_beside_another_stops_the_build_with_its_name(tmp_path):
    """b fails while a runs: a finishes, nothing else starts, and the error names b."""
    events: list = []
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema marts")
    models = order_models([_step("marts.a", set(), events, seconds=0.5), _step("marts.b", set(), events, fail=True),
                           _step("marts.c", {"marts.a"}, events)])
    with pytest.raises(BuildError, match=r"model marts.b \(marts.b.py\) failed: no such column"):
        run_models(con, models, BuildContext(date(2024, 1, 1), quiet), BuildReport(tmp_path / "w.duckdb"), quiet,
                   workers=2)
    assert ("end", "marts.a") in events and ("start", "marts.c") not in events


def test_a_failing_check_leaves_the_previous_database(tmp_path, tiny_dir, monkeypatch, tiny_db):
    db = tmp_path / "w.duckdb"
    shutil.copy(tiny_db, db)  # the live warehouse: the tiny portfolio, as build(TINY, db) publishes it
    before = db.read_bytes()
    checks = tmp_path / "checks"
    shutil.copytree(build_module.CHECKS_DIR, checks)
    (checks / "no_new_suppliers.sql").write_text("select supplier_id from staging.suppliers where supplier_id = 'S4'")
    monkeypatch.setattr(build_module, "CHECKS_DIR", checks)
    add_supplier(tiny_dir)
    with pytest.raises(BuildError, match=r"data checks failed: no_new_suppliers: 1 failing row"):
        build(tiny_dir, db, log=quiet)
    assert db.read_bytes() == before
    assert supplier_ids(db) == ["S1", "S2", "S3"]
    assert not list(tmp_path.glob("w.duckdb.building-*"))


def test_a_reference_row_given_twice_fails_the_build_instead_of_counting_returns_twice(tmp_path, tiny_dir,
                                                                                       monkeypatch):
    """A newer marketplace_fees row appended beside the old one for amazon_us would give every amazon_us return two
    rows in marts.return_costs, which the KPIs, the score and the incident model all read: the build refuses."""
    from pipelines import ingest

    load = ingest.load_reference_tables

    def doubled(con):
        names = load(con)
        con.execute("insert into reference.marketplace_fees select * from reference.marketplace_fees "
                    "where channel = 'amazon_us'")
        return names

    monkeypatch.setattr(ingest, "load_reference_tables", doubled)
    with pytest.raises(BuildError, match=r"attribution_one_row_each: \d+ failing row.*marts\.return_costs"):
        build(tiny_dir, tmp_path / "w.duckdb", log=quiet)
    assert not (tmp_path / "w.duckdb").exists()


def test_a_failing_model_is_named_and_leaves_the_previous_database(tmp_path, tiny_dir, monkeypatch, tiny_db):
    db = tmp_path / "w.duckdb"
    shutil.copy(tiny_db, db)  # the live warehouse: the tiny portfolio, as build(TINY, db) publishes it
    before = db.read_bytes()
    sql = tmp_path / "sql"
    shutil.copytree(build_module.SQL_DIR, sql)
    (sql / "marts" / "broken.sql").write_text("select no_such_column from marts.supplier_kpis")
    monkeypatch.setattr(build_module, "SQL_DIR", sql)
    with pytest.raises(BuildError, match=r"model marts.broken \(broken.sql\) failed: .*no_such_column"):
        build(tiny_dir, db, log=quiet)
    assert db.read_bytes() == before


def test_an_as_of_before_the_latest_activity_is_refused_and_leaves_the_previous_database(tmp_path, tiny_db):
    """The tiny portfolio's latest activity is 2024-06-21: building it as of 06-01 would count later rows in the
    marts but not in the score, so the build stops with a clear message instead of a failing data check."""
    db = tmp_path / "w.duckdb"
    shutil.copy(tiny_db, db)  # the live warehouse: the tiny portfolio, as build(TINY, db) publishes it
    before = db.read_bytes()
    with pytest.raises(BuildError, match=r"as-of date 2024-06-01 is before the latest activity in the data "
                                         r"\(2024-06-21\)"):
        build(TINY, db, as_of=date(2024, 6, 1), log=quiet)
    assert db.read_bytes() == before
    build(TINY, tmp_path / "later.duckdb", as_of=date(2024, 6, 30), log=quiet)  # a later date is fine


def test_a_typo_in_the_future_is_rejected_and_does_not_move_the_as_of_date(tmp_path, tiny_dir):
    """A quality cost dated next year (a typo) would have made the analysis date next year's, and every order overdue
    against it: it is rejected and the as-of date stays the data's latest real activity. A build run as of a later
    day accepts rows up to that day."""
    typo = date.today().replace(year=date.today().year + 1, month=1, day=15)
    with (tiny_dir / "quality_costs.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"Q9,,S2,{typo.isoformat()},chargeback,75,typo\n")
    report = build(tiny_dir, tmp_path / "w.duckdb", log=quiet)
    assert report.as_of == date(2024, 6, 21)
    assert [(r.table, r.line, r.column) for r in report.ingest.rejections] == [("quality_costs", 4, "incurred_on")]
    later = build(tiny_dir, tmp_path / "later.duckdb", as_of=typo, log=quiet)
    assert later.as_of == typo and later.ingest.rejections == []


def test_a_killed_build_leaves_the_previous_database(tmp_path, tiny_dir, tiny_db):
    db = tmp_path / "w.duckdb"
    shutil.copy(tiny_db, db)  # the live warehouse: the tiny portfolio, as build(TINY, db) publishes it
    before = db.read_bytes()
    add_supplier(tiny_dir)
    env = dict(os.environ, SUPPLIER_RISK_PAUSE_BEFORE_PUBLISH="60")
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "build", "--input", str(tiny_dir),
                             "--db", str(db)], stdout=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        if "checks passed" in line or time.monotonic() > deadline:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert db.read_bytes() == before
    assert supplier_ids(db) == ["S1", "S2", "S3"]
    assert list(tmp_path.glob("w.duckdb.building-*")), "the killed build's temporary file is still there"
    build(tiny_dir, db, log=quiet)  # the next build cleans up and publishes
    assert supplier_ids(db) == ["S1", "S2", "S3", "S4"]
    assert not list(tmp_path.glob("w.duckdb.building-*"))


def test_the_next_build_clears_the_spill_directory_a_crashed_build_left(tmp_path, tiny_db):
    """A large build that crashed (2,000 suppliers, SIGSEGV) left DuckDB's spill directory beside its temporary file;
    the next build unlinked files only, failed on it with IsADirectoryError, and so did every build after it."""
    db = tmp_path / "w.duckdb"
    shutil.copy(tiny_db, db)
    spill = tmp_path / "w.duckdb.building-16310-0bd9c48e.tmp"
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"spilled")
    (tmp_path / "w.duckdb.building-16310-0bd9c48e").write_bytes(b"half a database")
    (tmp_path / "w.duckdb.building-16310-0bd9c48e.wal").write_bytes(b"its log")
    build(TINY, db, log=quiet)
    assert not list(tmp_path.glob("w.duckdb.building-*"))
    assert supplier_ids(db) == ["S1", "S2", "S3"]


def test_the_live_database_stays_readable_while_a_build_publishes(tmp_path, tiny_dir, tiny_db):
    db = tmp_path / "w.duckdb"
    shutil.copy(tiny_db, db)  # the live warehouse: the tiny portfolio, as build(TINY, db) publishes it
    reader = duckdb.connect(str(db), read_only=True)
    add_supplier(tiny_dir)
    build(tiny_dir, db, log=quiet)
    assert reader.execute("select count(*) from marts.supplier_kpis").fetchone()[0] == 3  # old snapshot
    reader.close()
    assert supplier_ids(db) == ["S1", "S2", "S3", "S4"]


def dump(db: Path) -> dict[str, list]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute("""select table_schema || '.' || table_name from information_schema.tables
                                where table_schema in ('raw', 'staging', 'marts', 'reference')
                                   or table_name in ('load_log', 'rejected_rows') order by 1""").fetchall()
        return {t: con.execute(f"select * from {t} order by all").fetchall() for (t,) in tables}


@pytest.fixture(scope="module")
def built_twice(tmp_path_factory) -> tuple[Path, Path]:
    """The tiny portfolio with one rejected return row, built twice from the same files: with the models two at a
    time, then one by one (so the tests below also show the order of the models changes nothing)."""
    folder = tmp_path_factory.mktemp("twice")
    shutil.copytree(TINY, folder / "input")
    with (folder / "input" / "returns.csv").open("a") as fh:
        fh.write("R9,A1,P1,2024-05-01,0,defective,amazon_us,0,sellable\n")  # one rejected row
    first, second = folder / "a.duckdb", folder / "b.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(build_module, "BUILD_WORKERS", 2)
        build(folder / "input", first, log=quiet)
        mp.setattr(build_module, "BUILD_WORKERS", 1)
        build(folder / "input", second, log=quiet)
    return first, second


def test_importing_the_same_files_twice_gives_the_same_warehouse(built_twice):
    a, b = dump(built_twice[0]), dump(built_twice[1])
    assert a == b
    assert len(a["ingest.rejected_rows"]) == 1
    assert "marts.supplier_kpis" in a


def test_load_log_counts_every_row(built_twice):
    with duckdb.connect(str(built_twice[0]), read_only=True) as con:
        log = con.execute("select table_name, rows_read, rows_loaded, rows_rejected, duplicates_collapsed "
                          "from ingest.load_log where table_name = 'returns'").fetchone()
        rejected = con.execute("select table_name, file, line, column_name, reason, raw_line "
                               "from ingest.rejected_rows").fetchall()
        loaded = con.execute("select count(*) from raw.returns").fetchone()[0]
    assert log == ("returns", 5, 4, 1, 0)
    assert loaded == 4
    assert rejected == [("returns", "returns.csv", 6, "quantity", "must be > 0: '0'",
                         "R9,A1,P1,2024-05-01,0,defective,amazon_us,0,sellable")]


@pytest.mark.parametrize("files", [(), ("suppliers.csv",)])
def test_an_empty_or_partial_folder_builds_every_mart(tmp_path, files):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in files:
        shutil.copy(TINY / name, folder / name)
    db = tmp_path / "w.duckdb"
    build(folder, db, log=quiet)
    expected = {m.name for m in order_models(sql_models() + build_module.python_models())}
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {f"{s}.{t}" for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}
        assert expected <= tables
        assert con.execute("select count(*) from marts.supplier_risk_score").fetchone()[0] == len(files) * 3
        if files:  # a supplier's onboarding and audit dates are activity: S3 onboarded 2024-05-01 is the latest
            assert str(con.execute("select as_of from ingest.build_info").fetchone()[0]) == "2024-05-01"


# ---- safe publishing: shrink guard, one build at a time, stale WAL, model inside the warehouse ----------------------

def test_a_folder_whose_every_row_is_rejected_is_not_published_over_the_live_warehouse(tmp_path, tiny_dir, tiny_db):
    """suppliers.txt instead of suppliers.csv: every other table's rows become orphans; the build refuses."""
    db = tmp_path / "w.duckdb"
    shutil.copy(tiny_db, db)  # the live warehouse: the tiny portfolio, as build(TINY, db) publishes it
    before = db.read_bytes()
    (tiny_dir / "suppliers.csv").rename(tiny_dir / "suppliers.txt")
    with pytest.raises(build_module.ShrinkError) as caught:
        build(tiny_dir, db, log=quiet)
    message = str(caught.value)
    assert "suppliers would be empty (the live warehouse has 3 rows; no file for it in the folder)" in message
    assert "every one of the 3 rows of products.csv was rejected, so products would be empty" in message
    assert "--allow-shrink" in message
    assert db.read_bytes() == before
    assert not list(tmp_path.glob("w.duckdb.building-*"))


def test_a_large_drop_is_refused_unless_allowed(tmp_path, tiny_dir, tiny_db):
    db = tmp_path / "w.duckdb"
    shutil.copy(tiny_db, db)  # the live warehouse: the tiny portfolio, as build(TINY, db) publishes it
    lines = (tiny_dir / "returns.csv").read_text().splitlines()
    (tiny_dir / "returns.csv").write_text("\n".join(lines[:2]) + "\n")  # 4 returns → 1
    with pytest.raises(build_module.ShrinkError, match=r"returns would drop from 4 to 1 row \(75% fewer"):
        build(tiny_dir, db, log=quiet)
    build(tiny_dir, db, log=quiet, allow_shrink=True, built_by="ops@brand")
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from raw.returns").fetchone()[0] == 1
        history = con.execute("select built_by, is_shrink_allowed from ingest.build_history "
                              "order by built_at").fetchall()
    assert history == [(None, False), ("ops@brand", True)]  # the first build's row is carried over


def test_shrink_rules_without_a_live_warehouse():
    from pipelines.ingest import IngestResult
    from pipelines.validate import ValidatedTable

    ok = ValidatedTable("sales", "sales.csv", rows_read=10, rows_loaded=10)
    all_rejected = ValidatedTable("returns", "returns.csv", rows_read=5, rows_loaded=0)
    no_file = ValidatedTable("quality_costs", "", rows_read=0, rows_loaded=0)
    problems = build_module.shrink_problems(IngestResult([ok, all_rejected, no_file]), {})
    assert problems == ["every one of the 5 rows of returns.csv was rejected, so returns would be empty"]
    # against a live warehouse: 10 → 5 sales rows is exactly half (kept), 10 → 4 is refused
    assert build_module.shrink_problems(IngestResult([ok]), {"sales": 20}) == []
    assert build_module.shrink_problems(IngestResult([ok]), {"sales": 21}) == [
        "sales would drop from 21 to 10 rows (52% fewer than the live warehouse)"]


def test_a_second_build_of_the_same_warehouse_is_told_one_is_running(tmp_path, tiny_dir, tiny_db):
    db = tmp_path / "w.duckdb"
    shutil.copy(tiny_db, db)  # the live warehouse: the tiny portfolio, as build(TINY, db) publishes it
    env = dict(os.environ, SUPPLIER_RISK_PAUSE_BEFORE_PUBLISH="30")
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "build", "--input", str(tiny_dir),
                             "--db", str(db), "--built-by", "first"], stdout=subprocess.PIPE, text=True, env=env)
    try:
        for line in proc.stdout:
            if "checks passed" in line:
                break
        with pytest.raises(build_module.BuildBusy, match=r"a build of w.duckdb is already running \(started .* by "
                                                          r"first, pid \d+\)"):
            build(tiny_dir, db, log=quiet)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    build(tiny_dir, db, log=quiet)  # the lock died with the process


def test_two_builds_in_one_process_do_not_collide(tmp_path, tiny_dir):
    """Two dashboard visitors are two threads of one process: one builds, the other is told to wait."""
    import threading

    db = tmp_path / "w.duckdb"
    outcomes = []

    def run():
        try:
            build(tiny_dir, db, log=quiet)
            outcomes.append("published")
        except build_module.BuildBusy:
            outcomes.append("busy")

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "published" in outcomes and set(outcomes) <= {"published", "busy"}
    assert supplier_ids(db) == ["S1", "S2", "S3"]


def test_a_stale_wal_beside_the_live_file_does_not_break_the_published_warehouse(tmp_path, tiny_dir, tiny_db):
    db = tmp_path / "w.duckdb"
    shutil.copy(tiny_db, db)  # the live warehouse: the tiny portfolio, as build(TINY, db) publishes it
    writer = duckdb.connect(str(tmp_path / "other.duckdb"))  # a real WAL from another database file
    writer.execute("pragma disable_checkpoint_on_shutdown")
    writer.execute("create table t as select 1 as x")
    wal = tmp_path / "other.duckdb.wal"
    shutil.copy(wal, tmp_path / "w.duckdb.wal")
    writer.close()
    add_supplier(tiny_dir)
    build(tiny_dir, db, log=quiet)
    assert not (tmp_path / "w.duckdb.wal").exists()
    assert supplier_ids(db) == ["S1", "S2", "S3", "S4"]


def test_a_build_killed_during_the_model_step_leaves_the_live_model(tmp_path, demo_dir, demo_db):
    """The model lives inside the warehouse: killing a rebuild while it trains changes neither tables nor model."""
    from pipelines.steps import incident_model as incident_step

    db = tmp_path / "w.duckdb"
    shutil.copy(demo_db, db)
    before = db.read_bytes()
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "build", "--input", str(demo_dir),
                             "--db", str(db)], stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if "incident model:" in line:  # logged when training starts
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert db.read_bytes() == before
    with duckdb.connect(str(db), read_only=True) as con:
        model, meta = incident_step.load_model(con)
    assert meta["model_version"]



def _edit(folder: Path, name: str, old: str, new: str) -> None:
    """Replace the first `old` in the file `name` of `folder` by `new` (a date typed wrong in one row)."""
    path = folder / name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def _warned_after_edits(check: str, tiny_dir: Path, tmp_path: Path, edits: list[tuple[str, str, str]],
                        log=quiet) -> tuple[int, str]:
    """The tiny portfolio as given does not trip `check`; with `edits` ((file, old, new), each a row typed wrong)
    its build warns: (rows, sample) of that warning, the build published at tmp_path / "w.duckdb"."""
    report = build(TINY, tmp_path / "clean.duckdb", log=quiet)
    assert check not in {w[0] for w in report.warnings}
    for name, old, new in edits:
        _edit(tiny_dir, name, old, new)
    report = build(tiny_dir, tmp_path / "w.duckdb", log=log)
    _, count, sample = next(w for w in report.warnings if w[0] == check)
    return count, sample


def test_a_shipment_or_inspection_dated_before_its_order_is_kept_and_warned_with_its_file_and_line(tmp_path,
                                                                                                   tiny_dir):
    """P2 was ordered on 2024-03-01; its shipment H2 typed 2024-02-20 and its inspection I2 2024-02-25 (a year or
    month typed wrong, or an order raised after the goods shipped): both rows are kept as dated, and the build warns
    with each one's file and line. The tiny portfolio as given warns of none."""
    count, sample = _warned_after_edits("dates_before_their_order", tiny_dir, tmp_path, [
        ("shipments.csv", "H2,P2,sea,2024-04-10", "H2,P2,sea,2024-02-20"),
        ("inspections.csv", "I2,P2,PSI,2024-04-05", "I2,P2,PSI,2024-02-25")])
    assert count == 2
    assert sample == ("inspections.csv:3: inspection I2 (PSI) on 2024-02-25, before its order P2 was placed on "
                      "2024-03-01; shipments.csv:3: shipment H2 shipped on 2024-02-20, before its order P2 was placed "
                      "on 2024-03-01")
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        assert str(con.execute("select shipped_on from staging.shipments where shipment_id = 'H2'").fetchone()[0]) \
            == "2024-02-20"
        # kept with the warehouse for the Data page: what the check looks for (its file's comment), rows, examples
        kept = con.execute("select * from ingest.check_warnings where check_name = 'dates_before_their_order'").df()
        assert kept[["rows", "examples"]].values.tolist() == [[2, sample]]
        assert kept["description"].iloc[0].startswith("Shipments and inspections dated before their purchase order "
                                                      "was placed: a year typed wrong")
        assert "severity" not in kept["description"].iloc[0]
    finally:
        con.close()


def test_a_checks_description_is_its_comments_first_paragraph_for_the_reader(tmp_path):
    """The Data page shows what a warning check looks for in its file's opening comment up to the first bare "--"
    line; the paragraph after it is for engineers (table and column names) and the severity line is left out."""
    (tmp_path / "some_check.sql").write_text(
        "-- severity: warn\n-- Orders paid twice: the second payment is kept\n-- and listed.\n--\n"
        "-- For engineers: staging.payments grouped by po_id.\nselect 1 where false\n", encoding="utf-8")
    assert check_description("some_check", tmp_path) == "Orders paid twice: the second payment is kept and listed."
    for name in ("landed_cost_entry_summaries", "landed_cost_estimated_rates", "landed_cost_unknown_costs"):
        said = check_description(name)
        assert "For engineers" not in said and "_" not in said and "marts." not in said, (name, said)


def test_a_payment_months_before_its_order_or_a_row_years_after_it_is_kept_and_warned(tmp_path, tiny_dir):
    """kpi_settings: payment_before_order_days 90, date_after_order_days 730. P1 was ordered 2024-01-02 and P2
    2024-03-01. Y3 paid 2023-11-01 is 121 days before P2 (warned); Y1 paid 2023-10-10 is 84 days before P1 (a deposit
    on a proforma: not warned); I3 inspected 2026-03-10 is 739 days after P2 (warned); Y4 paid 2026-02-28 is 729 days
    after it (not warned). The rows are kept as dated; the tiny portfolio as given warns of none."""
    count, sample = _warned_after_edits("dates_far_from_their_order", tiny_dir, tmp_path, [
        ("payments.csv", "Y3,P2,2024-03-02", "Y3,P2,2023-11-01"),
        ("payments.csv", "Y1,P1,2024-01-03", "Y1,P1,2023-10-10"),
        ("payments.csv", "Y4,P2,2024-04-06", "Y4,P2,2026-02-28"),
        ("inspections.csv", "I3,P2,PSI,2024-04-08", "I3,P2,PSI,2026-03-10")])
    assert count == 2
    assert sample == ("inspections.csv:4: inspection I3 (PSI) on 2026-03-10, 739 days after its order P2 was placed "
                      "on 2024-03-01; payments.csv:4: payment Y3 paid 2023-11-01, 121 days before its order P2 was "
                      "placed on 2024-03-01")
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        kept = dict(con.execute("select payment_id, paid_on::varchar from staging.payments").fetchall())
        assert kept["Y3"] == "2023-11-01" and kept["Y4"] == "2026-02-28"
        assert con.execute("select count(*) from staging.inspections where inspection_id = 'I3'").fetchone()[0] == 1
        # every warned row is kept with the warehouse, in the check's order, not only the first three
        every = con.execute("select row_no, row_key, problem from ingest.check_warning_rows "
                            "where check_name = 'dates_far_from_their_order' order by row_no").fetchall()
        assert [f"{k}: {p}" for _, k, p in every] == sample.split("; ")
        assert [n for n, _, _ in every] == [1, 2]


def test_every_warned_row_is_kept_past_the_first_three_and_a_clean_build_keeps_none(tmp_path, tiny_dir):
    """Four payments dated more than 90 days before their orders: the build's warning samples three, and
    ingest.check_warning_rows keeps all four by file and line; the tiny portfolio as given keeps an empty table."""
    logged: list[str] = []
    count, sample = _warned_after_edits("dates_far_from_their_order", tiny_dir, tmp_path, [
        ("payments.csv", old, new) for old, new in [
            ("Y1,P1,2024-01-03", "Y1,P1,2023-01-03"), ("Y2,P1,2024-02-02", "Y2,P1,2023-02-02"),
            ("Y3,P2,2024-03-02", "Y3,P2,2023-03-02"), ("Y4,P2,2024-04-06", "Y4,P2,2023-04-06")]], log=logged.append)
    with duckdb.connect(str(tmp_path / "clean.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from ingest.check_warning_rows").fetchone()[0] == 0
    assert count == 4 and sample.count("payments.csv:") == 3
    # the log says where the fourth is
    assert f"  warning: check dates_far_from_their_order: 4 rows (every row: the Data page, or " \
           f"ingest.check_warning_rows; one found right: supplier-risk review --check dates_far_from_their_order), " \
           f"e.g. {sample}" in logged
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        every = con.execute("select row_key, problem from ingest.check_warning_rows "
                            "where check_name = 'dates_far_from_their_order' order by row_no").fetchall()
    assert [k for k, _ in every] == ["payments.csv:2", "payments.csv:3", "payments.csv:4", "payments.csv:5"]
    assert every[3][1] == "payment Y4 paid 2023-04-06, 330 days before its order P2 was placed on 2024-03-01"


def _reviews(folder: Path, *rows: tuple[str, str, str]) -> None:
    """reviewed_warnings.csv in `folder`: (check_name, problem, note) reviewed on 2026-12-01 by Ana."""
    lines = ["check_name,problem,reviewed_on,reviewed_by,note"]
    lines += [f'{check},"{problem}",2026-12-01,Ana,{note}' for check, problem, note in rows]
    (folder / "reviewed_warnings.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


H2_EARLY = "shipment H2 shipped on 2024-02-20, before its order P2 was placed on 2024-03-01"
I2_EARLY = "inspection I2 (PSI) on 2024-02-25, before its order P2 was placed on 2024-03-01"


def test_a_reviewed_row_is_no_longer_worth_a_look_until_its_values_change(tmp_path, tiny_dir):
    """H2 shipped and I2 inspected before their order P2 (two warned rows). With H2's problem in reviewed_warnings
    (and a review of a row that is not warned: H9) the build warns of I2 only, keeps H2 with its review and says so in
    the log; with both reviewed, the check is no warning (0 rows worth a look, 2 reviewed). The review follows the
    row's problem, not its line: H2 moved to the file's end stays reviewed; H2 typed 2024-02-21 warns again. A build
    without the reviews file keeps the live warehouse's reviews (made on a copy of the folder by the Data page); one with
an empty file empties the table without a shrink confirmation (a founder's decisions, not data), and a file that
leaves out reviews of the live warehouse says which."""
    db = tmp_path / "w.duckdb"
    _warned_after_edits("dates_before_their_order", tiny_dir, tmp_path, [
        ("shipments.csv", "H2,P2,sea,2024-04-10", "H2,P2,sea,2024-02-20"),
        ("inspections.csv", "I2,P2,PSI,2024-04-05", "I2,P2,PSI,2024-02-25")])
    _reviews(tiny_dir, ("dates_before_their_order", H2_EARLY, "order raised late"),
             ("dates_before_their_order", "shipment H9 shipped on 2024-01-01, before its order P9", "gone"))
    logged: list[str] = []
    report = build(tiny_dir, db, log=logged.append)
    assert [(n, c, s) for n, c, s in report.warnings if n == "dates_before_their_order"] == [
        ("dates_before_their_order", 1, f"inspections.csv:3: {I2_EARLY}")]
    assert "  reviewed: 1 warned row marked reviewed in reviewed_warnings; reviews that match no warned row of this " \
           "build (corrected, or its values changed): 1" in logged
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select rows, reviewed, examples from ingest.check_warnings "
                           "where check_name = 'dates_before_their_order'").fetchall() == [
            (1, 1, f"inspections.csv:3: {I2_EARLY}")]
        assert con.execute("""select row_key, problem, reviewed_on::varchar, reviewed_by, review_note
                              from ingest.check_warning_rows where check_name = 'dates_before_their_order'
                              order by row_no""").fetchall() == [
            ("inspections.csv:3", I2_EARLY, None, None, None),
            ("shipments.csv:3", H2_EARLY, "2026-12-01", "Ana", "order raised late")]
        # a review dated 2026-12-01 is not activity: the data's as-of date stays the tiny portfolio's latest day
        assert con.execute("select as_of::varchar from ingest.build_info").fetchone()[0] == "2024-06-21"

    _reviews(tiny_dir, ("dates_before_their_order", H2_EARLY, "order raised late"),
             ("dates_before_their_order", I2_EARLY, ""))
    lines = (tiny_dir / "shipments.csv").read_text(encoding="utf-8").splitlines()
    moved = [lines[0]] + [line for line in lines[1:] if not line.startswith("H2,")] + [lines[2]]
    (tiny_dir / "shipments.csv").write_text("\n".join(moved) + "\n", encoding="utf-8")
    report = build(tiny_dir, db, log=quiet)
    assert "dates_before_their_order" not in {n for n, _, _ in report.warnings}
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select rows, reviewed, examples from ingest.check_warnings "
                           "where check_name = 'dates_before_their_order'").fetchall() == [(0, 2, "")]
        assert con.execute("select row_key from ingest.check_warning_rows where problem = ?",
                           [H2_EARLY]).fetchone()[0] == f"shipments.csv:{len(moved)}"

    _edit(tiny_dir, "shipments.csv", "H2,P2,sea,2024-02-20", "H2,P2,sea,2024-02-21")
    report = build(tiny_dir, db, log=quiet)
    assert [(n, c, s) for n, c, s in report.warnings if n == "dates_before_their_order"] == [
        ("dates_before_their_order", 1, f"shipments.csv:{len(moved)}: shipment H2 shipped on 2024-02-21, before its "
                                        "order P2 was placed on 2024-03-01")]

    # a folder without the file (a nightly build from the folder the Data page's reviews were made on a copy of):
    # the live warehouse's reviews are kept, I2 stays reviewed
    (tiny_dir / "reviewed_warnings.csv").unlink()
    logged.clear()
    report = build(tiny_dir, db, log=logged.append)
    assert "  notice: no reviewed_warnings file in the input folder: kept the 2 reviews of the warehouse it replaces " \
           "(made on the Data page or by supplier-risk review); a reviewed_warnings.csv in the folder replaces " \
           "them, one with its header only takes them all back" in logged
    assert [c for n, c, _ in report.warnings if n == "dates_before_their_order"] == [1]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select check_name, problem, reviewed_on::varchar, reviewed_by, note "
                           "from raw.reviewed_warnings order by problem").fetchall() == [
            ("dates_before_their_order", I2_EARLY, "2026-12-01", "Ana", None),
            ("dates_before_their_order", H2_EARLY, "2026-12-01", "Ana", "order raised late")]
        assert con.execute("select reviewed from ingest.check_warnings "
                           "where check_name = 'dates_before_their_order'").fetchall() == [(1,)]
        # the Data page's load log says it under the table; its counts are the folder's (no file, no row)
        assert con.execute("select file, rows_loaded, notices from ingest.load_log "
                           "where table_name = 'reviewed_warnings'").fetchall() == [
            ("", 0, "no reviewed_warnings file in the input folder: kept the 2 reviews of the warehouse it replaces "
                    "(made on the Data page or by supplier-risk review); a reviewed_warnings.csv in the folder "
                    "replaces them, one with its header only takes them all back")]

    # a file with its header only takes them all back: no ShrinkError (not business data), but said
    (tiny_dir / "reviewed_warnings.csv").write_text("check_name,problem,reviewed_on,reviewed_by,note\n",
                                                     encoding="utf-8")
    logged.clear()
    report = build(tiny_dir, db, log=logged.append)
    said = ("reviewed_warnings.csv leaves out 2 reviews of the warehouse it replaces (first "
            f'"{I2_EARLY}", "{H2_EARLY}"): taken back, their rows are worth a look again (a review made on the Data '
            "page reaches a folder of your own only through the page's download of the reviews)")
    assert [line for line in logged if "reviewed_warnings" in line and "notice" in line] == [f"  notice: {said}"]
    assert [c for n, c, _ in report.warnings if n == "dates_before_their_order"] == [2]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from raw.reviewed_warnings").fetchone()[0] == 0
        assert con.execute("select notices from ingest.load_log where table_name = 'reviewed_warnings'").fetchone()[
            0] == said

    # a file that keeps one of two reviews says the one it leaves out; the same file again says nothing
    _reviews(tiny_dir, ("dates_before_their_order", I2_EARLY, ""), ("dates_before_their_order", H2_EARLY, ""))
    build(tiny_dir, db, log=quiet)
    _reviews(tiny_dir, ("dates_before_their_order", I2_EARLY, ""))
    for expected in ([f'  notice: reviewed_warnings.csv leaves out 1 review of the warehouse it replaces (first '
                      f'"{H2_EARLY}"): taken back, their rows are worth a look again (a review made on the Data page '
                      "reaches a folder of your own only through the page's download of the reviews)"], []):
        logged.clear()
        build(tiny_dir, db, log=logged.append)
        assert [line for line in logged if "leaves out" in line] == expected


def test_a_review_of_a_check_that_does_not_warn_or_dated_ahead_is_rejected_with_its_line(tiny_dir):
    """reviewed_warnings.csv names a check by its file name; an error check (its rows fail the build, nothing to
    review) or an unknown one is refused, as is a review dated after today; the good review is kept."""
    (tiny_dir / "reviewed_warnings.csv").write_text(
        "check_name,problem,reviewed_on,reviewed_by,note\n"
        f'dates_before_their_order,"{H2_EARLY}",2026-12-01,Ana,\n'
        "landed_cost_balances,anything,2026-12-01,Ana,\n"
        "dates_before_their_order,another,2099-01-01,Ana,\n", encoding="utf-8")
    result = read_and_validate(tiny_dir)
    table = next(t for t in result.tables if t.table == "reviewed_warnings")
    assert (table.rows_read, table.rows_loaded) == (3, 1)
    refused = sorted((r.line, r.column) for r in result.rejections if r.table == "reviewed_warnings")
    assert refused == [(3, "check_name"), (4, "reviewed_on")]
    assert "landed_cost_balances" not in contract.WARNING_CHECKS
    assert set(contract.WARNING_CHECKS) == {p.stem for p in contract.CHECKS_DIR.glob("*.sql")
                                            if "-- severity: warn" in p.read_text(encoding="utf-8")}


def test_a_brand_with_one_supplier_builds_and_scores_it(tmp_path, capsys):
    """A one-supplier brand (the 2-supplier demo, the second supplier's rows taken out) stopped the build in the
    incident model: with no failed pre-shipment inspection left, the empty rows' close days were text. It builds,
    scores its one supplier."""
    import pandas as pd

    from pipelines.demo import generate_portfolio

    source, folder = tmp_path / "two", tmp_path / "one"
    generate_portfolio(source, seed=3, suppliers=2, years=1)
    folder.mkdir()
    frames = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in source.glob("*.csv")}
    keep = {"supplier_id": {"SUP-0001"}}
    keep["po_id"] = set(frames["purchase_orders"].query("supplier_id == 'SUP-0001'")["po_id"])
    keep["sku"] = set(frames["products"].query("supplier_id == 'SUP-0001'")["sku"])
    keep["shipment_id"] = set(frames["shipments"].loc[frames["shipments"]["po_id"].isin(keep["po_id"]),
                                                       "shipment_id"])
    for name, frame in frames.items():
        for key, ids in keep.items():
            if key in frame:  # a blank reference (a return without its order) stays
                frame = frame[frame[key].isin(ids) | (frame[key] == "")]
        frame.to_csv(folder / f"{name}.csv", index=False)
    # the broker's entries of the other supplier's shipments are left behind: entry summaries without a shipment
    build(folder, tmp_path / "w.duckdb", log=quiet)
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        assert con.execute("select supplier_id from marts.supplier_risk_score").fetchall() == [("SUP-0001",)]
        predicted = con.execute("select supplier_id, predicted_incident_probability "
                                "from marts.incident_predictions").fetchall()
        # a year of one supplier's orders has too few closed ones to train on: no probability is made up
        assert predicted == [("SUP-0001", None)]
    finally:
        con.close()
    # its validity card says what cannot be computed for one supplier in words or blanks, never 'nan'
    from pipelines.cli import main as cli_main

    assert cli_main(["validate", "--db", str(tmp_path / "w.duckdb")]) == 0
    out = capsys.readouterr().out
    assert "ranking when one pillar's weight changes" in out and "nan" not in out.lower()


def test_a_product_still_holding_a_replaced_hts_code_is_told_to_update_it(tmp_path, tiny_dir):
    """The lamp shade A2 given its pre-2022 code 9405.40.8440: HTS 2022 replaced it by 9405.42.84 from 2022-01-27,
    so its 2024 shipments have no duty rate. The warning says why and what to do, not only that the duty is
    unknown."""
    count, sample = _warned_after_edits("landed_cost_unknown_costs", tiny_dir, tmp_path, [
        ("products.csv", "A2,Lamp shade,home_lighting,S1,9405.42.8440",
         "A2,Lamp shade,home_lighting,S1,9405.40.8440")])
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        unknown = [r[0] for r in con.execute(
            "select shipment_id from marts.landed_cost_shipment where duty_source = 'unknown' "
            "order by shipment_id").fetchall()]
        problems = [r[0] for r in con.execute(
            "select problem from ingest.check_warning_rows where check_name = 'landed_cost_unknown_costs' "
            "order by row_no").fetchall()]
    assert unknown and count == len(unknown) == len(problems)
    assert problems == [f"shipment {s}: duty unknown: its product's HS code was replaced by 9405.42.84 from "
                        "2022-01-27 (a tariff revision): give the product the code in force, no duty rate is kept "
                        "for the old one" for s in unknown]


def test_a_product_of_china_without_a_section_301_row_has_an_unknown_duty_not_a_zero(tmp_path, tiny_dir,
                                                                                      monkeypatch):
    """The lamp shade A2 (made in CN) given the code of an upholstered wooden chair, 9401.61.4011, whose MFN row (Free)
    a brand added but not its Section 301 row: the lists name codes one by one (reference.listed_duties), so the
    table cannot tell "on none of them" from "not written down". Its shipments' duty is unknown, never MFN alone,
    and the warning names the row to add."""
    import shutil

    from models import landed_cost as lc

    ref = tmp_path / "reference"
    shutil.copytree(lc.REFERENCE_DIR, ref)
    with (ref / "duty_rates.csv").open("a", encoding="utf-8") as f:
        f.write("9401.61.40,*,mfn,0,2018-01-01,,,value,,,,verified,test MFN row,\n")
    monkeypatch.setattr(lc, "REFERENCE_DIR", ref)
    count, _ = _warned_after_edits("landed_cost_unknown_costs", tiny_dir, tmp_path, [
        ("products.csv", "A2,Lamp shade,home_lighting,S1,9405.42.8440", "A2,Lamp shade,home_lighting,S1,9401.61.4011")])
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        rows = con.execute("select shipment_id, duty_computed, duty_rows_missing, duty_source "
                           "from marts.landed_cost_shipment where sku = 'A2' order by shipment_id").fetchall()
        problems = [r[0] for r in con.execute(
            "select problem from ingest.check_warning_rows where check_name = 'landed_cost_unknown_costs' "
            "order by row_no").fetchall()]
        others = con.execute("select count(*) from marts.landed_cost_shipment "
                             "where sku <> 'A2' and duty_rows_missing is not null").fetchone()[0]
    assert rows and all(r[1:] == (None, "section_301", "unknown") for r in rows)
    assert count == len(rows) and others == 0
    assert problems == [f"shipment {r[0]}: duty unknown: no duty paid given, and duty_rates.csv has no section_301 "
                        "row for HS 9401.61.4011 from CN (that duty names codes one by one: add the rate of its list, "
                        "or 0% if it is on none)" for r in rows]
