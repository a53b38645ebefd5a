"""Query results are kept for as long as the warehouse is the same file, and read again once a build publishes a new
one: a visitor after a pause gets a warm page, not every query run again. The file is opened once for every query of
a version (opening it cost 20-25 ms of CPU per query)."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest

from dashboard import db, queries, validity_card

# every cache keyed on the warehouse's version (db.db_version)
VERSIONED = (queries._query, queries._tables, queries._type_comparison_over, validity_card._sentences)


def test_caches_keyed_on_the_warehouse_version_have_no_time_limit():
    # with a 10-minute limit, a page opened after a pause ran every query again: up to 1.2 s at 2,000 suppliers
    assert [f.__name__ for f in VERSIONED if f._info.ttl is not None] == []
    assert all(f._info.max_entries for f in VERSIONED)  # the number of entries bounds the memory instead


def test_a_result_is_read_once_per_warehouse_file(demo_db, tiny_db, tmp_path, monkeypatch):
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy2(demo_db, copy)
    monkeypatch.setenv("SUPPLIER_RISK_DB", str(copy))
    runs, opened = [], []
    run, opening = db.run_sql, db.opened

    def counted(con, name, **params):
        runs.append(name)
        return run(con, name, **params)

    monkeypatch.setattr(db, "run_sql", counted)
    monkeypatch.setattr(db, "opened", lambda *a: opened.append(1) or opening(*a))
    first = queries.supplier_kpis()
    assert len(first) == 72 and runs == ["supplier_kpis"]
    mine = queries.supplier_kpis()
    mine["spend"] = 0.0  # each caller gets its own copy
    assert queries.supplier_kpis().equals(first) and runs == ["supplier_kpis"]
    assert len(queries.supplier_risk()) == 72 and runs == ["supplier_kpis", "supplier_risk"]
    assert len(opened) == 1  # the file is opened once for every query, not once per query
    # a build publishes another warehouse in its place (a new version): read at once, from the new file
    published = tmp_path / "new.duckdb"
    shutil.copy2(tiny_db, published)
    published.replace(copy)
    tiny = queries.supplier_kpis()
    assert runs == ["supplier_kpis", "supplier_risk", "supplier_kpis"] and len(opened) == 2
    assert list(tiny["supplier_id"]) == ["S1", "S2", "S3"]  # the tiny portfolio's, not the demo's 72


def test_a_query_never_reads_a_python_variable(demo_db, monkeypatch):
    """Each query's connection to the shared opening has replacement scans off, like db.connect: a mart missing
    from an older warehouse reads as absent, never as a frame of the same name in the server's memory."""
    monkeypatch.setenv("SUPPLIER_RISK_DB", str(demo_db))
    con = queries._connect()
    try:
        supplier_kpis_missing = pd.DataFrame({"x": [1]})  # noqa: F841 - what a replacement scan would find
        with pytest.raises(duckdb.CatalogException):
            con.execute("select * from supplier_kpis_missing").fetchall()
        assert con.execute("select count(*) from marts.supplier_kpis").fetchone() == (72,)
    finally:
        con.close()
