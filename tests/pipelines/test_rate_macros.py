"""The on-time and defect-return rates are defined once, as SQL macros (pipelines/sql/macros.sql) that
marts.supplier_kpis and the trader-vs-factory comparison both call; worked by hand here."""

from __future__ import annotations

import duckdb
import pytest

from pipelines import ingest
from pipelines.build import create_macros


@pytest.fixture
def con():
    c = duckdb.connect()
    ingest.load_reference_tables(c)  # the other macros read reference tables
    create_macros(c)
    yield c
    c.close()


def test_on_time_rate_counts_resolved_orders_only(con):
    # four orders: two resolved on time, one resolved late, one unresolved (on time or not, it does not count)
    rows = "values (true, true), (true, true), (false, true), (true, false)"
    assert con.execute(f"select on_time_rate_of(t.on_time, t.resolved) from ({rows}) as t(on_time, resolved)"
                       ).fetchone()[0] == pytest.approx(2 / 3)
    # nothing resolved: no rate, not 0
    assert con.execute("select on_time_rate_of(t.on_time, t.resolved) from (values (true, false)) as "
                       "t(on_time, resolved)").fetchone()[0] is None


def test_defect_return_rate_is_defect_units_per_unit_sold(con):
    assert con.execute("select defect_return_rate_of(3, 200)").fetchone()[0] == pytest.approx(0.015)
    assert con.execute("select defect_return_rate_of(3, 0)").fetchone()[0] is None  # nothing sold: no rate
    assert con.execute("select defect_return_rate_of(0, 50)").fetchone()[0] == 0.0
