"""Writing a pandas frame as a warehouse table, the one way every Python build step does it."""

from __future__ import annotations

import duckdb
import pandas as pd


def write_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame,
                types: dict[str, str] | None = None, columns: list[str] | None = None) -> None:
    """Create (or replace) `table` from `frame`.

    Float NaN becomes NULL. Columns named in `types` are cast to that SQL type, so dates stay dates and an empty
    frame still gets the right schema. With `columns`, the table has exactly those columns in that order; any the
    frame lacks are typed NULLs.
    """
    types = types or {}
    frame = frame.copy()
    for col in frame.columns:
        if pd.api.types.is_float_dtype(frame[col]):
            frame[col] = frame[col].astype("Float64")  # NaN → NULL in DuckDB
    selected = []
    for col in columns if columns is not None else list(frame.columns):
        if col not in frame.columns:
            selected.append(f'cast(null as {types.get(col, "varchar")}) as "{col}"')
        elif col in types:
            selected.append(f'cast("{col}" as {types[col]}) as "{col}"')
        else:
            selected.append(f'"{col}"')
    if frame.shape[1] == 0:  # DuckDB cannot scan a frame without columns: give it one to select nothing from
        frame = pd.DataFrame({"_empty": pd.Series(dtype="Int64")})
    con.register("_frame", frame)
    try:
        con.execute(f"create or replace table {table} as select {', '.join(selected)} from _frame")
    finally:
        con.unregister("_frame")
