"""write_frame: NaN becomes NULL, declared types hold, and an empty frame still has its schema."""

import datetime as dt

import duckdb
import pandas as pd

from pipelines.frames import write_frame


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
