"""Trader vs factory on a hand-made portfolio: two manufacturers, two trading companies, numbers chosen by hand."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest


# T2's suspected subcontracting is a red flag for the risk score (irrelevant here; keeps that step on its
# usual path).
SUPPLIERS = """supplier_id,supplier_name,supplier_type,country,subcontracting
F1,Factory one,manufacturer,CN,none
F2,Factory two,manufacturer,CN,none
T1,Trader one,trading_company,CN,none
T2,Trader two,trading_company,CN,suspected
"""
# Toys (9503.00.0073 from CN in 2024): MFN free and Section 301 List 4B suspended, so duty is 0.
PRODUCTS = """sku,category,supplier_id,hs_code,origin_country,retail_price
W-F1,widgets,F1,9503.00.0073,CN,20
W-F2,widgets,F2,9503.00.0073,CN,20
W-T1,widgets,T1,9503.00.0073,CN,20
W-T2,widgets,T2,9503.00.0073,CN,20
"""
PURCHASE_ORDERS = """po_id,supplier_id,sku,ordered_on,quantity,unit_price,incoterm,promised_ship_on
PF1,F1,W-F1,2024-01-10,100,4.00,FOB,2024-02-01
PF2,F2,W-F2,2024-01-10,100,6.00,FOB,2024-02-01
PT1,T1,W-T1,2024-01-10,100,5.00,FOB,2024-02-01
PT2,T2,W-T2,2024-01-10,100,7.00,FOB,2024-02-01
"""
# T2 ships 9 days after its promise (tolerance 3 days): late. Freight 100 each, duty and fees paid 0.
SHIPMENTS = """shipment_id,po_id,mode,shipped_on,delivered_on,quantity,freight_cost,insurance_cost,duty_paid,other_fees
HF1,PF1,sea,2024-02-01,2024-03-01,100,100,0,0,0
HF2,PF2,sea,2024-02-01,2024-03-01,100,100,0,0,0
HT1,PT1,sea,2024-02-01,2024-03-01,100,100,0,0,0
HT2,PT2,sea,2024-02-10,2024-03-01,100,100,0,0,0
"""
SALES = """sku,month,channel,units_sold,gross_revenue,marketplace_fees
W-F1,2024-03,amazon_us,50,1000,150
W-F2,2024-03,amazon_us,50,1000,150
W-T1,2024-03,amazon_us,50,1000,150
W-T2,2024-03,amazon_us,50,1000,150
"""
PAYMENTS = """payment_id,po_id,paid_on,amount,kind,channel
YF1,PF1,2024-01-11,400,deposit,trade_assurance
YF2,PF2,2024-01-11,600,deposit,trade_assurance
YT1,PT1,2024-01-11,500,deposit,trade_assurance
YT2,PT2,2024-01-11,700,deposit,trade_assurance
"""
RETURNS = """return_id,sku,po_id,returned_on,quantity,reason,channel,refund_amount,disposition
RF2,W-F2,PF2,2024-03-20,1,defective,amazon_us,20,sellable
RT1,W-T1,PT1,2024-03-20,2,defective,amazon_us,40,unsellable
"""

# By hand. Landed per unit = (100 x price + 100 freight) / 100: F1 5, F2 7, T1 6, T2 8; widgets median 6.5.
#   index: F1 5/6.5, F2 7/6.5 (mean 12/13); T1 6/6.5, T2 8/6.5 (mean 14/13); difference 2/13.
# Quoted = unit price (no duty), so quote-to-landed variance: F1 25%, F2 16.667%, T1 20%, T2 14.286%.
# Waterfall (50 units sold, 1,000 revenue, 150 fees, Amazon return fee 3.00):
#   F1 planned 1000-200-150 = 650, overrun -50, realised 600: leakage 50/50 = 1.00, margin 60%.
#   F2 planned 550, overrun -50, refund -(20+3) = -23, realised 477: leakage 1.46, margin 47.7%.
#   T1 planned 600, overrun -50, refund -(40+6) = -46, write-off 2 x 6 = -12, realised 492: 2.16, 49.2%.
#   T2 planned 500, overrun -50, realised 450: 1.00, 45%.
# Defect returns per unit sold: F1 0, F2 1/50, T1 2/50, T2 0. On time: F1, F2, T1 yes, T2 no.
PER_SUPPLIER = {
    "F1": {"landed_cost_index": 5 / 6.5, "quote_to_landed_variance_pct": 25.0, "leakage_per_unit_sold": 1.00,
           "realised_margin_pct": 60.0, "defect_return_rate": 0.0, "on_time_rate": 1.0},
    "F2": {"landed_cost_index": 7 / 6.5, "quote_to_landed_variance_pct": 100 / 6, "leakage_per_unit_sold": 1.46,
           "realised_margin_pct": 47.7, "defect_return_rate": 0.02, "on_time_rate": 1.0},
    "T1": {"landed_cost_index": 6 / 6.5, "quote_to_landed_variance_pct": 20.0, "leakage_per_unit_sold": 2.16,
           "realised_margin_pct": 49.2, "defect_return_rate": 0.04, "on_time_rate": 1.0},
    "T2": {"landed_cost_index": 8 / 6.5, "quote_to_landed_variance_pct": 100 / 7, "leakage_per_unit_sold": 1.00,
           "realised_margin_pct": 45.0, "defect_return_rate": 0.0, "on_time_rate": 0.0},
}


@pytest.fixture(scope="module")
def four_suppliers(tmp_path_factory, built) -> Path:
    folder = tmp_path_factory.mktemp("types")
    data = folder / "input"
    data.mkdir()
    for name, text in {"suppliers": SUPPLIERS, "products": PRODUCTS, "purchase_orders": PURCHASE_ORDERS,
                       "shipments": SHIPMENTS, "payments": PAYMENTS, "sales": SALES, "returns": RETURNS}.items():
        (data / f"{name}.csv").write_text(text)
    return built(data, folder / "types.duckdb")


@pytest.fixture
def con(four_suppliers):
    connection = duckdb.connect(str(four_suppliers), read_only=True)
    yield connection
    connection.close()


def test_per_supplier_figures(con):
    rows = con.execute("select * from marts.type_comparison_suppliers where category = 'all' "
                       "order by supplier_id").df().set_index("supplier_id")
    for supplier, metrics in PER_SUPPLIER.items():
        for metric, expected in metrics.items():
            assert rows.loc[supplier, metric] == pytest.approx(expected, abs=1e-9), (supplier, metric)
    # The one category gives the same figures as the whole portfolio.
    widgets = con.execute("select * from marts.type_comparison_suppliers where category = 'widgets' "
                          "order by supplier_id").df().set_index("supplier_id")
    for supplier, metrics in PER_SUPPLIER.items():
        for metric, expected in metrics.items():
            assert widgets.loc[supplier, metric] == pytest.approx(expected, abs=1e-9), (supplier, metric)


@pytest.mark.parametrize("category", ["all", "widgets"])
@pytest.mark.parametrize("metric", list(PER_SUPPLIER["F1"]))
def test_group_means_intervals_and_difference(con, category, metric):
    """Two suppliers per group: the mean is their average; with 2,000 resamples each value is drawn alone in
    about a quarter of them, so the 5% and 95% quantiles are the two values themselves, and the difference's
    interval runs from (lowest trader - highest factory) to (highest trader - lowest factory) (each ~1/16)."""
    f = [PER_SUPPLIER["F1"][metric], PER_SUPPLIER["F2"][metric]]
    t = [PER_SUPPLIER["T1"][metric], PER_SUPPLIER["T2"][metric]]
    rows = {r[0]: r[1:] for r in con.execute(
        "select supplier_type, n_suppliers, estimate, ci_low, ci_high, excludes_zero from marts.type_comparison "
        "where category = ? and metric = ?", [category, metric]).fetchall()}
    assert set(rows) == {"manufacturer", "trading_company", "trader_minus_factory"}
    for group, values in (("manufacturer", f), ("trading_company", t)):
        n, est, low, high, _ = rows[group]
        assert n == 2
        assert est == pytest.approx(sum(values) / 2, abs=1e-9)
        assert (low, high) == (pytest.approx(min(values), abs=1e-9), pytest.approx(max(values), abs=1e-9))
    n, est, low, high, excludes_zero = rows["trader_minus_factory"]
    assert n == 4
    assert est == pytest.approx(sum(t) / 2 - sum(f) / 2, abs=1e-9)
    assert low == pytest.approx(min(t) - max(f), abs=1e-9)
    assert high == pytest.approx(max(t) - min(f), abs=1e-9)
    assert excludes_zero == (low > 0 or high < 0)


def test_landed_cost_index_difference_by_hand(con):
    est = con.execute("select estimate from marts.type_comparison where category = 'all' "
                      "and metric = 'landed_cost_index' and supplier_type = 'trader_minus_factory'").fetchone()[0]
    assert est == pytest.approx(2 / 13, abs=1e-12)


def test_demo_comparison_is_complete_and_reproducible(demo_con):
    from pipelines.steps.type_comparison import compare, supplier_metrics

    stored = demo_con.execute("select * from marts.type_comparison order by all").df()
    again = compare(supplier_metrics(demo_con))
    again = again.sort_values(list(stored.columns), kind="stable").reset_index(drop=True)
    overall = stored[(stored["category"] == "all") & (stored["supplier_type"] != "trader_minus_factory")]
    n_suppliers = demo_con.execute("select count(*) from staging.suppliers").fetchone()[0]
    assert overall.groupby("metric")["n_suppliers"].sum().max() <= n_suppliers
    # Rebuilding from the same warehouse gives the same seeded intervals.
    merged = stored.merge(again, on=["category", "metric", "supplier_type"], suffixes=("", "_again"))
    assert len(merged) == len(stored)
    for col in ("estimate", "ci_low", "ci_high"):
        assert (merged[col].fillna(-1e9) - merged[f"{col}_again"].fillna(-1e9)).abs().max() < 1e-12
    assert (stored["ci_low"] <= stored["estimate"] + 1e-12).all() and (stored["estimate"] <= stored["ci_high"] + 1e-12).all()


def test_leakage_per_unit_sold_keeps_the_returns_part_over_units_where_returns_are_recorded(tiny_dir, tmp_path, built):
    """The tiny portfolio with 800 A1 sold on TikTok Shop, whose returns were never imported. S1's leakage is
    836.25 + 1,356.00 + 54.80 = 2,247.05, of which its returns (refunds and fees 129 + 26, one unsellable unit 22.25)
    are 177.25: (2,247.05 - 177.25) / 2,000 + 177.25 / 1,200 = 1.0349 + 0.147708 = 1.182608 per unit sold (1.123525
    if the TikTok units diluted the returns too). The what-if's quality cost per unit reads the same macro."""
    with (tiny_dir / "sales.csv").open("a", encoding="utf-8") as handle:
        handle.write("A1,2024-05,tiktok_shop_us,800,24000,\n")
    db = built(tiny_dir, tmp_path / "w.duckdb")
    with duckdb.connect(str(db), read_only=True) as con:
        wide = con.execute("select sum(supplier_leakage), sum(supplier_returns_cost), sum(units_sold), "
                           "sum(units_sold_returns_recorded) from marts.margin_leakage_wide "
                           "where supplier_id = 'S1'").fetchone()
        per_unit = con.execute("select leakage_per_unit_sold from marts.type_comparison_suppliers "
                               "where supplier_id = 'S1' and category = 'all'").fetchone()[0]
    assert [float(v) for v in wide] == pytest.approx([2247.05, 177.25, 2000, 1200])
    assert per_unit == pytest.approx((2247.05 - 177.25) / 2000 + 177.25 / 1200)
