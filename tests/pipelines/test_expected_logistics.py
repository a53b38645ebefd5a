"""The planned landed cost knows only the logistics costs of orders landed before it was placed."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.steps.landed_cost import expected_logistics_per_unit


def po(po_id, sku, supplier, ordered, delivered, units, goods, duty, total, landed=True):
    return dict(po_id=po_id, sku=sku, supplier_id=supplier, ordered_on=ordered, last_delivered_on=delivered,
                units_received=units, goods_value=goods, duty=duty, is_landed=landed, landed_total=total)


def test_expected_logistics_is_point_in_time_by_sku_then_supplier():
    df = pd.DataFrame([
        # A1: landed 2024-03-10 with 500 of logistics (1600 - 1000 goods - 100 duty) on 1000 units -> 0.50/unit
        po("P1", "A1", "S1", "2024-01-02", "2024-03-10", 1000, 1000.0, 100.0, 1600.0),
        # ordered before P1 landed: nothing known for A1 or S1 yet
        po("P2", "A1", "S1", "2024-03-01", "2024-05-15", 1000, 1100.0, 110.0, 1910.0),
        # ordered after P1 landed but before P2: A1's history is P1 alone -> 0.50
        po("P3", "A1", "S1", "2024-04-01", "2024-06-20", 500, 550.0, 55.0, 905.0),
        # ordered after P1 and P2 landed: (500 + 700) / (1000 + 1000) = 0.60
        po("P4", "A1", "S1", "2024-06-01", None, 0, 600.0, 0.0, 600.0, landed=False),
        # a new SKU of S1 ordered after P1 and P2 landed: S1's history (A1 only so far) -> 0.60
        po("P5", "A2", "S1", "2024-06-01", None, 0, 300.0, 0.0, 300.0, landed=False),
        # another supplier: no history at all
        po("P6", "B1", "S2", "2024-06-01", None, 0, 300.0, 0.0, 300.0, landed=False),
    ])
    cents = (df["landed_total"] * 100).round().astype("int64")
    expected, basis = expected_logistics_per_unit(df, cents)
    assert expected == pytest.approx([0.0, 0.0, 0.5, 0.6, 0.6, 0.0])
    assert basis == ["none", "none", "sku_history", "sku_history", "supplier_history", "none"]


def test_the_plan_is_stored_as_a_number_and_an_undeclared_numeric_column_is_refused(demo_con):
    # it was text until declared: a reader multiplying it by units got the string repeated, not dollars
    kind = demo_con.execute("select data_type from information_schema.columns where table_schema = 'marts' and "
                            "table_name = 'landed_cost_po' and column_name = 'expected_logistics_per_unit'").fetchone()
    assert kind == ("DECIMAL(18,6)",)
    import duckdb

    from pipelines.steps.landed_cost import _write

    con = duckdb.connect()
    con.execute("create schema marts")
    frame = pd.DataFrame({"po_id": ["P1"], "plan": [0.5]})
    with pytest.raises(TypeError, match=r"marts.t: no SQL type declared for the numeric column\(s\) plan"):
        _write(con, "marts.t", frame, {})
    _write(con, "marts.t", frame, {"plan": "double"})
    assert con.execute("select po_id, plan from marts.t").fetchall() == [("P1", 0.5)]
