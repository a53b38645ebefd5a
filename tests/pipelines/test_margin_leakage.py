"""Margin-leakage marts: the waterfall worked by hand, its sums, and parity with tests/reference/leakage_waterfall.py."""

from __future__ import annotations

import pytest

from models.landed_cost import QUALITY_COST_KINDS, WRITE_OFF_KIND
from reference.leakage_waterfall import leakage_waterfall

STEPS = ["planned_contribution", "landed_cost_overrun", "duty_refunds_received", "refunds_and_return_fees",
         "unsellable_write_offs", *QUALITY_COST_KINDS, "realised_contribution"]


def test_tiny_a1_april_by_hand(tiny_con):
    """S1 / A1 / 2024-04, computed by hand from the tiny files.

    Sales: 500 units, 20,000.00 revenue, 5,000.00 fees. Lots landed by 30 April: P1 only (7,415.00 over 1,000 =
    7.415 actual; quoted 6.445). Planned = 20,000 - 500 x 6.445 (3,222.50) - 5,000 = 11,777.50.
    Overrun = -(500 x 7.415 = 3,707.50 - 3,222.50) = -485.00. R1 defective (supplier): refund 120 + 3 x 3.00
    Amazon return fee = -129.00; its 3 unsellable units x 7.415 = 22.245 -> -22.25. Q1 rework on P2 (A1),
    2024-04-07: -200.00. Realised = 10,941.25. R2 customer remorse (not the supplier's): 80 + 2 x 3.00 = 86.00,
    sellable, shown apart.
    """
    row = tiny_con.execute("select * from marts.margin_leakage_wide where supplier_id = 'S1' and sku = 'A1' "
                           "and month = '2024-04-01'").df().iloc[0]
    expected = {"planned_contribution": 11777.50, "landed_cost_overrun": -485.00, "refunds_and_return_fees": -129.00,
                "unsellable_write_offs": -22.25, "rework": -200.00, "relabel": 0, "chargeback": 0,
                "expedite_freight": 0, "sorting": 0, "reinspection": 0, "realised_contribution": 10941.25,
                "non_supplier_returns": 86.00, "supplier_leakage": 836.25}
    assert {k: float(row[k]) for k in expected} == expected
    assert row["cost_basis"] == "moving_average"
    # May: P1 and P2 landed -> (7,415.00 + 8,379.50) / 2,000 = 7.89725; quoted (6,445 + 7,089.50) / 2,000.
    may = tiny_con.execute("select actual_landed_cost_per_unit, quoted_landed_cost_per_unit, landed_cost_overrun "
                           "from marts.margin_leakage_wide where sku = 'A1' and month = '2024-05-01'").fetchone()
    assert [float(v) for v in may] == [7.89725, 6.76725, -(3158.90 - 2706.90)]


def test_supplier_level_cost_is_split_to_its_sku(tiny_con):
    """Q2 (chargeback 150, S2, no PO, March) goes to B1, S2's only SKU sold in March 2024."""
    rows = tiny_con.execute("select sku, month, chargeback from marts.margin_leakage_wide "
                            "where supplier_id = 'S2'").fetchall()
    assert [(s, str(m), float(c)) for s, m, c in rows] == [("B1", "2024-03-01", -150.00)]
    assert tiny_con.execute("select count(*) from marts.unallocated_costs").fetchone()[0] == 0


@pytest.mark.parametrize("con_name", ["tiny_con", "demo_con"])
def test_steps_sum_from_planned_to_realised(con_name, request):
    con = request.getfixturevalue(con_name)
    unbalanced = con.execute("""
        select count(*) from (
            select supplier_id, sku, month,
                sum(amount) filter (where step_order between 1 and 11) as bridged,
                sum(amount) filter (where step_order = 12) as realised,
                count(*) as n
            from marts.margin_leakage
            group by all
        ) where bridged <> realised or n <> 12
    """).fetchone()[0]
    assert unbalanced == 0
    long_total, wide_total = con.execute("""
        select
            (select sum(amount) from marts.margin_leakage where step = 'realised_contribution'),
            (select sum(realised_contribution) from marts.margin_leakage_wide)
    """).fetchone()
    assert long_total == wide_total
    # Every quality cost reaches the waterfall (none dropped): all quality steps plus write-off kinds = the import.
    imported, shown = con.execute("""
        select
            (select sum(amount) from staging.quality_costs),
            (select -sum(rework + relabel + chargeback + expedite_freight + sorting + reinspection)
                + sum(-unsellable_write_offs - round(supplier_unsellable_units * actual_landed_cost_per_unit, 2))
             from marts.margin_leakage_wide)
    """).fetchone()
    assert float(shown) == pytest.approx(float(imported), abs=0.005)
    # The pages' quality total is the quality steps summed, in every row.
    assert con.execute("""
        select count(*) from marts.margin_leakage_wide
        where quality_costs <> rework + relabel + chargeback + expedite_freight + sorting + reinspection
    """).fetchone()[0] == 0


def _reference(con, supplier_id: str, sku: str, month: str):
    """leakage_waterfall on the raw rows of one scope, read independently of the mart's SQL."""
    mart = con.execute("select * from marts.margin_leakage_wide where supplier_id = ? and sku = ? and month = ?",
                       [supplier_id, sku, month]).df().iloc[0]
    sales = con.execute("""
        select coalesce(sum(units_sold), 0), coalesce(sum(gross_revenue), 0), coalesce(sum(marketplace_fees), 0)
        from staging.sales where sku = ? and month_on = ?""", [sku, month]).fetchone()
    returns = con.execute("""
        select returns.reason, returns.quantity, returns.disposition,
            returns.refund_amount + returns.quantity * coalesce(fees.return_processing_fee_per_unit, 0)
                as refund_amount
        from staging.returns as returns
        inner join staging.products as products on returns.sku = products.sku
        left join staging.purchase_orders as po on returns.po_id = po.po_id
        left join reference.marketplace_fees as fees on returns.channel = fees.channel
        where returns.sku = ? and date_trunc('month', returns.returned_on) = ?
            and coalesce(po.supplier_id, products.supplier_id) = ?""", [sku, month, supplier_id]).df()
    quality = dict(con.execute("""
        select kind, sum(amount) from marts.margin_leakage_quality_costs
        where supplier_id = ? and sku = ? and month = ? group by kind""", [supplier_id, sku, month]).fetchall())
    refunded = con.execute("""
        select coalesce(sum(amount_received), 0) from marts.duty_refunds
        where supplier_id = ? and sku = ? and date_trunc('month', received_on) = ?""",
                           [supplier_id, sku, month]).fetchone()[0]
    ref = leakage_waterfall(
        gross_revenue=float(sales[1]), units_sold=int(sales[0]),
        quoted_landed_cost_per_unit=float(mart["quoted_landed_cost_per_unit"]),
        actual_landed_cost_per_unit=float(mart["actual_landed_cost_per_unit"]),
        marketplace_fees=float(sales[2]), returns=returns.to_dict("records"),
        quality_costs={k: float(v) for k, v in quality.items()}, return_fee_per_unit=0.0,
        duty_refunds_received=float(refunded))
    return mart, ref


def _assert_parity(con, supplier_id, sku, month):
    mart, ref = _reference(con, supplier_id, sku, month)
    assert ref.is_balanced
    assert [float(mart[s]) for s in STEPS] == [amount for _, amount in ref.steps]
    assert float(mart["non_supplier_returns"]) == ref.non_supplier_returns


@pytest.mark.parametrize("scope", [("S1", "A1", "2024-04-01"), ("S1", "A1", "2024-05-01"),
                                   ("S1", "A2", "2024-04-01"), ("S2", "B1", "2024-03-01")])
def test_parity_with_python_reference_tiny(tiny_con, scope):
    _assert_parity(tiny_con, *scope)


def test_parity_with_python_reference_demo(demo_con):
    """Eight demo scopes: most supplier returns, most quality cost, and two costed from later lots."""
    scopes = demo_con.execute("""
        (select supplier_id, sku, cast(month as varchar) from marts.margin_leakage_wide
         where sku is not null order by supplier_units_returned desc, supplier_id, sku, month limit 3)
        union all
        (select supplier_id, sku, cast(month as varchar) from marts.margin_leakage_wide
         where sku is not null order by rework + relabel + chargeback + expedite_freight + sorting + reinspection,
             supplier_id, sku, month limit 3)
        union all
        (select supplier_id, sku, cast(month as varchar) from marts.margin_leakage_wide
         where sku is not null and cost_basis = 'later_lots'
         order by units_returned desc, supplier_id, sku, month limit 2)
    """).fetchall()
    assert len(scopes) == 8
    for scope in scopes:
        _assert_parity(demo_con, *scope)
    assert WRITE_OFF_KIND == "write_off"


def test_duty_refunds_received_are_recovered_in_the_month_they_come_back(tiny_dir, tmp_path, built):
    """An IEEPA-style refund on P1's entry (H1) received in April 2024 raises S1/A1's April realised contribution."""
    import duckdb


    (tiny_dir / "duty_refunds.csv").write_text(
        "refund_id,entry_number,shipment_id,program,claimed_on,amount_claimed,received_on,amount_received,note\n"
        "RF1,,H1,protest,2024-03-20,300.00,2024-04-15,250.00,partly granted\n"
        "RF2,,H2,ieepa,2024-05-20,100.00,,,pending\n"
        "RF3,NOPE-1,,ieepa,2024-05-20,40.00,,,entry not in the data\n")
    db = tmp_path / "w.duckdb"
    built(tiny_dir, db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        # 10,941.25 realised before (test_tiny_a1_april_by_hand) + 250.00 received = 11,191.25; leakage 836.25 - 250.
        row = con.execute("select duty_refunds_received, realised_contribution, supplier_leakage "
                          "from marts.margin_leakage_wide where sku = 'A1' and month = '2024-04-01'").fetchone()
        assert [float(v) for v in row] == [250.00, 11_191.25, 586.25]
        refunds = con.execute("select refund_id, shipment_id, po_id, amount_claimed, amount_received "
                              "from marts.duty_refunds order by refund_id").fetchall()
        assert [(r[0], r[1], r[2], float(r[3]), None if r[4] is None else float(r[4])) for r in refunds] == [
            ("RF1", "H1", "P1", 300.00, 250.00), ("RF2", "H2", "P2", 100.00, None)]
        # The refund for an entry that is not in the data is reported, not dropped.
        assert con.execute("select source_id, amount from marts.unallocated_costs "
                           "where source_table = 'duty_refunds'").fetchall() == [("RF3", 40.00)]
    finally:
        con.close()
