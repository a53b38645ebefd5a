"""write_frame: NaN becomes NULL, declared types hold, and an empty frame still has its schema. read_frame: the frame
DuckDB's .df() gives (values and dtypes), on every type the warehouse uses and on every table of the demo."""

import datetime as dt

import duckdb
import pandas as pd
import pytest

from pipelines.frames import read_frame, write_frame


def test_nan_becomes_null_and_dates_stay_dates():
    con = duckdb.connect()
    frame = pd.DataFrame({"x": [1.5, float("nan")], "d": pd.to_datetime(["2024-01-01", None]), "s": ["a", "b"]})
    write_frame(con, "t", frame, types={"d": "date"})
    assert con.execute("select * from t").fetchall() == [(1.5, dt.date(2024, 1, 1), "a"), (None, None, "b")]
    assert dict(con.execute("select column_name, column_type from (describe t)").fetchall())["d"] == "DATE"


def test_declared_columns_in_order_with_typed_nulls_for_missing_ones():
    con = duckdb.connect()
    write_frame(con, "t", pd.DataFrame({"b": [2], "a": [1]}), types={"a": "bigint", "c": "date"},
                columns=["a", "b", "c"])
    assert con.execute("select * from t").fetchall() == [(1, 2, None)]
    assert [r[1] for r in con.execute("describe t").fetchall()] == ["BIGINT", "BIGINT", "DATE"]
    write_frame(con, "e", pd.DataFrame(), types={"a": "double", "d": "date"}, columns=["a", "d"])
    assert con.execute("select count(*) from e").fetchone() == (0,)
    assert [tuple(r[:2]) for r in con.execute("describe e").fetchall()] == [("a", "DOUBLE"), ("d", "DATE")]


EVERY_TYPE = """
    select 1::int as a, (case when i = 0 then null else i end)::int as b, i::bigint as c,
        (case when i = 0 then null else i end)::bigint as d, i::double as e, null::double as f, 'x' || i as s,
        case when i = 0 then null else 'y' end as s2, date '2024-01-01' + i::int as dt,
        case when i = 0 then null else date '2024-01-01' end as dt2, i > 0 as bo,
        case when i = 0 then null else true end as bo2, timestamp '2024-01-01 10:00' as ts,
        (-1.25 + i)::decimal(10, 2) as dec, case when i = 0 then null else 2.675::decimal(38, 3) end as wide,
        [1, 2] as li, i::smallint as sm, (case when i = 0 then null else i end)::smallint as sm2, null as nu,
        i::float as fl, null::varchar as nv, null::int as ni, null::date as nd, null::boolean as nb,
        {'a': 1} as st, interval 1 day as iv
    from range(?) as t (i)"""


@pytest.mark.parametrize("rows", [0, 1, 3])
def test_read_frame_is_the_frame_df_gives(rows):
    con = duckdb.connect()
    pd.testing.assert_frame_equal(read_frame(con, EVERY_TYPE, [rows]), con.execute(EVERY_TYPE, [rows]).df(),
                                  check_exact=True)
    # a decimal too wide for 64 bits is converted by .df() itself
    wide = "select 123456789012345678901234.5::decimal(38, 1) as z union all select -7.1"
    pd.testing.assert_frame_equal(read_frame(con, wide), con.execute(wide).df(), check_exact=True)


def test_read_frame_on_every_demo_table(demo_con):
    tables = demo_con.execute("select table_schema, table_name from information_schema.tables "
                              "where table_schema in ('raw', 'staging', 'marts', 'reference')").fetchall()
    assert len(tables) > 60
    for schema, table in tables:
        sql = f'select * from "{schema}"."{table}"'  # names from the catalog
        pd.testing.assert_frame_equal(read_frame(demo_con, sql), demo_con.execute(sql).df(), check_exact=True,
                                      obj=f"{schema}.{table}")
