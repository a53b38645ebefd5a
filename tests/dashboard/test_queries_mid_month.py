"""Dashboard SQL on a warehouse built mid-month: "now" is the build date, not the last month end."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from dashboard import db


@pytest.fixture(scope="module")
def mid_month_con(tmp_path_factory, built):
    """The default demo portfolio exported on 2026-10-15: the build date is its latest activity, mid-month."""
    from pipelines.demo import generate_portfolio

    folder = tmp_path_factory.mktemp("mid_month")
    generate_portfolio(folder / "input", end_on=date(2026, 10, 15))
    path = built(folder / "input", folder / "demo.duckdb")
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def test_biggest_movers_compare_the_current_score_with_the_last_month_end(mid_month_con):
    con = mid_month_con
    movers = con.execute(db.read_sql("biggest_movers"), {"ids": None, "limit": 1000, "before": None}).df()
    assert len(movers) > 0
    as_of = con.execute("select as_of from ingest.build_info").fetchone()[0]
    assert date(2026, 10, 1) < as_of <= date(2026, 10, 15)
    assert set(movers["as_of"].dt.date) == {as_of}
    assert set(movers["previous_as_of"].dt.date) == {date(2026, 9, 30)}
    expected = con.execute("""
        select s.supplier_id, s.risk_score - h.risk_score as change
        from marts.supplier_risk_score s
        join marts.supplier_risk_history h on h.supplier_id = s.supplier_id and h.as_of = date '2026-09-30'
        where s.risk_score <> h.risk_score""").df()
    got = movers.set_index("supplier_id")["score_change"]
    assert len(got) == len(expected)
    assert got.reindex(expected["supplier_id"]).to_numpy() == pytest.approx(expected["change"].to_numpy())
    # the Supplier page's "what changed" list compares against the same month end
    since = {r[0] for r in con.execute("select distinct since from marts.supplier_score_changes").fetchall()}
    assert since <= {date(2026, 9, 30)}
    # a supplier filter narrows the list
    one = movers["supplier_id"].iloc[0]
    assert con.execute(db.read_sql("biggest_movers"), {"ids": [one], "limit": 10, "before": None}).df()["supplier_id"].tolist() == [one]
