"""Every build is stamped with the version of the code that computed it; the demo is rebuilt when the stamp is not
this code's (a warehouse of other code may lack columns the pages read, and its figures follow other rules)."""

from __future__ import annotations

import shutil

import duckdb

from pipelines.cli import main
from pipelines.code_version import built_with, code_version, fingerprint, source_files


def test_the_fingerprint_reads_the_code_and_reference_tables_and_nothing_else(tmp_path):
    for name, text in (("pipelines/build.py", "x = 1\n"), ("pipelines/sql/marts/a.sql", "select 1\n"),
                       ("models/config/risk_score.toml", "v = 1\n"), ("data/reference/duty_rates.csv", "a,b\n"),
                       ("pipelines/__pycache__/build.cpython-311.pyc", "bytes"), ("dashboard/app.py", "y = 2\n"),
                       ("data/demo/suppliers.csv", "s\n")):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in source_files(tmp_path)] == [
        "data/reference/duty_rates.csv", "models/config/risk_score.toml", "pipelines/build.py",
        "pipelines/sql/marts/a.sql"]
    before = fingerprint(tmp_path)
    assert len(before) == 12 and before == fingerprint(tmp_path)  # the same files, the same version
    (tmp_path / "dashboard/app.py").write_text("y = 3\n", encoding="utf-8")  # pages compute no figure
    assert fingerprint(tmp_path) == before
    (tmp_path / "data/reference/duty_rates.csv").write_text("a,b\n1,2\n", encoding="utf-8")  # a rate changed
    assert fingerprint(tmp_path) != before


def test_the_process_reads_its_code_once_and_the_exchange_rates_as_they_are(tmp_path, monkeypatch):
    """Rates added while the app runs (Data page) are what its next build reads: the version it stamps and compares
    with follows the FX table, so after a restart that build is not taken for another version's; a code file saved
    while it runs does not change the version (the process still runs the code it read)."""
    from pipelines import code_version as versions

    for name, text in (("pipelines/build.py", "x = 1\n"), ("data/reference/fx_rates.csv", "currency,month\n")):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(versions, "ROOT", tmp_path)
    versions._code_digest.cache_clear()
    try:
        first = versions.code_version()
        assert first == fingerprint(tmp_path)
        (tmp_path / "data/reference/fx_rates.csv").write_text("currency,month\nCNY,2026-11\n", encoding="utf-8")
        added = versions.code_version()
        assert added != first and added == fingerprint(tmp_path)  # what a restarted process computes
        (tmp_path / "pipelines/build.py").write_text("x = 2\n", encoding="utf-8")
        assert versions.code_version() == added and fingerprint(tmp_path) != added
    finally:
        versions._code_digest.cache_clear()


def test_a_build_is_stamped_with_this_code_and_a_non_warehouse_has_no_stamp(tiny_db, tmp_path):
    assert built_with(tiny_db) == code_version()
    (tmp_path / "empty.duckdb").write_bytes(b"")
    assert built_with(tmp_path / "nothing.duckdb") is None and built_with(tmp_path / "empty.duckdb") is None


def test_demo_warehouse_rebuilds_a_warehouse_built_by_other_code(tiny_db, tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    shutil.copy(tiny_db, db)
    con = duckdb.connect(str(db))
    con.execute("update ingest.build_info set code_version = 'old'")
    con.close()
    assert main(["demo-warehouse", "--db", str(db), "--out", str(tmp_path / "demo")]) == 0
    assert f"was built by other code (old, this is {code_version()})" in capsys.readouterr().out
    assert built_with(db) == code_version()
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from staging.suppliers").fetchone()[0] == 72  # the demo, not the tiny data
    con.close()
    assert main(["demo-warehouse", "--db", str(db), "--out", str(tmp_path / "demo")]) == 0  # this code's: kept
    assert "warehouse already at" in capsys.readouterr().out


def test_a_reading_command_on_a_warehouse_of_other_code_says_to_rebuild_it(tiny_db, tmp_path, capsys, monkeypatch):
    """The digest reads the history's red flags, which a warehouse built before them lacks: it says what is wrong and
    what to do (exit 2), not an unexpected error; on this code's warehouse it runs."""
    monkeypatch.setenv("SUPPLIER_RISK_LOG_DIR", str(tmp_path / "logs"))
    db = tmp_path / "old.duckdb"
    shutil.copy(tiny_db, db)
    con = duckdb.connect(str(db))
    con.execute("alter table ingest.build_info drop column code_version")
    con.execute("alter table marts.supplier_risk_history drop column red_flags")
    con.close()
    assert main(["digest", "--db", str(db), "--out", str(tmp_path / "d.html")]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (f"error: digest cannot read the warehouse at {db}: it was built by another version of the "
                           f"code (no version stamp; this is {code_version()}) and lacks what this version reads. "
                           f"Rebuild it (supplier-risk build --input FOLDER --db {db}) and run this again.")
    assert main(["digest", "--db", str(tiny_db), "--out", str(tmp_path / "d.html")]) == 0
