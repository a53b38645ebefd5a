"""Query results are kept for as long as the warehouse is the same file, and read again once a build publishes a new
one: a visitor after a pause gets a warm page, not every query run again."""

from __future__ import annotations

import shutil

from dashboard import db, queries, validity_card

# every cache keyed on the warehouse's version (db.db_version)
VERSIONED = (queries._query, queries._tables, queries._type_comparison_over, validity_card._sentences)


def test_caches_keyed_on_the_warehouse_version_have_no_time_limit():
    # with a 10-minute limit, a page opened after a pause ran every query again: up to 1.2 s at 2,000 suppliers
    assert [f.__name__ for f in VERSIONED if f._info.ttl is not None] == []
    assert all(f._info.max_entries for f in VERSIONED)  # the number of entries bounds the memory instead


def test_a_result_is_read_once_per_warehouse_file(demo_db, tmp_path, monkeypatch):
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy2(demo_db, copy)
    monkeypatch.setenv("SUPPLIER_RISK_DB", str(copy))
    runs = []
    run = db.run_sql

    def counted(con, name, **params):
        runs.append(name)
        return run(con, name, **params)

    monkeypatch.setattr(db, "run_sql", counted)
    first = queries.supplier_kpis()
    assert len(first) == 72 and runs == ["supplier_kpis"]
    mine = queries.supplier_kpis()
    mine["spend"] = 0.0  # each caller gets its own copy
    assert queries.supplier_kpis().equals(first) and runs == ["supplier_kpis"]
    # a build publishes a new file in its place (a new version): read again
    published = tmp_path / "new.duckdb"
    shutil.copy2(demo_db, published)
    published.replace(copy)
    assert queries.supplier_kpis().equals(first) and runs == ["supplier_kpis", "supplier_kpis"]
