"""marts.supplier_kpis on the tiny hand-written portfolio: hand-computed values and parity with pandas."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from reference.supplier_kpis import KPI_COLUMNS, supplier_kpis


def kpis(con) -> pd.DataFrame:
    return con.execute("select * from marts.supplier_kpis order by supplier_id").df().set_index("supplier_id")


def test_as_of_is_the_latest_activity(tiny_con):
    # latest date in the data: deposit Y6 paid 2024-06-21
    assert str(tiny_con.execute("select as_of from ingest.build_info").fetchone()[0]) == "2024-06-21"


def test_spend_orders_and_delivery_by_hand(tiny_con):
    k = kpis(tiny_con)
    # S1: 1000*5.00 + 1000*5.50 + 500*2.00
    assert k.loc["S1", "spend"] == pytest.approx(11_500.0)
    # S2: 200*10 + 300*11 + 100*11
    assert k.loc["S2", "spend"] == pytest.approx(6_400.0)
    assert list(k["po_count"]) == [3, 3, 0]
    # S1: P1 shipped 2 days after promise (within the 3-day tolerance), P2 9 days late, P3 on time
    assert k.loc["S1", "resolved_po_count"] == 3
    assert k.loc["S1", "on_time_rate"] == pytest.approx(2 / 3)
    # OTIF: P1 in full on time; P3 only 400 of 500 on time (< 98%); P2 late
    assert k.loc["S1", "otif_rate"] == pytest.approx(1 / 3)
    # lead times 32, 40, 48 days -> mean 40, sample sd sqrt((64 + 0 + 64) / 2) = 8
    assert k.loc["S1", "lead_time_mean_days"] == pytest.approx(40.0)
    assert k.loc["S1", "lead_time_sd_days"] == pytest.approx(8.0)
    # S2: P4 on time; P5 never shipped and its promise (+3 days) passed before 2024-06-21 -> resolved, late;
    # P6 promised 2024-07-20 is not resolved yet
    assert k.loc["S2", "resolved_po_count"] == 2
    assert k.loc["S2", "on_time_rate"] == pytest.approx(0.5)
    assert k.loc["S2", "lead_time_mean_days"] == pytest.approx(30.0)
    assert math.isnan(k.loc["S2", "lead_time_sd_days"])
    # S3 has no orders: rates are unknown, not zero
    assert math.isnan(k.loc["S3", "on_time_rate"])


def test_quality_and_cost_kpis_by_hand(tiny_con):
    k = kpis(tiny_con)
    # S1 first PSI per PO: P1 pass, P2 fail (re-inspected to pass later) -> 1/2
    assert k.loc["S1", "first_pass_rate"] == pytest.approx(0.5)
    # S1 samples 80 * 3 = 240 units, major 2 + 6 + 1 = 9, minor 3
    assert k.loc["S1", "major_defect_rate"] == pytest.approx(9 / 240)
    assert k.loc["S1", "minor_defect_rate"] == pytest.approx(3 / 240)
    assert k.loc["S2", "minor_defect_rate"] == pytest.approx(1 / 32)
    # defect-coded returns: R1 defective 3 + R3 missing_parts 1; remorse and wrong item do not count
    assert k.loc["S1", "defect_return_units"] == 4
    assert k.loc["S1", "defect_return_rate"] == pytest.approx(4 / 1200)
    assert k.loc["S2", "defect_return_units"] == 0
    # price drift: A1 5.00 -> 5.50 (+10%) on 10,500 of spend, A2 flat: 1,050 / 11,500
    assert k.loc["S1", "price_drift_pct"] == pytest.approx(1050 / 11500)
    assert k.loc["S2", "max_price_jump_pct"] == pytest.approx(0.1)
    assert k.loc["S1", "customs_hold_days"] == 3
    assert k.loc["S1", "shipments_with_hold"] == 1
    # Q1 has no supplier but its PO belongs to S1; Q2 names S2 directly
    assert k.loc["S1", "quality_cost_total"] == pytest.approx(200.0)
    assert k.loc["S2", "quality_cost_total"] == pytest.approx(150.0)
    # P5 (990) and P6 (330) are paid but not shipped
    assert k.loc["S2", "deposit_at_risk"] == pytest.approx(1320.0)
    # P5 (300 × 11.00) and P6 (100 × 11.00) are ordered and unshipped; S1 has nothing open
    assert k.loc["S2", "open_exposure"] == pytest.approx(4400.0)
    assert k.loc["S1", "open_exposure"] == 0


def raw_tables(con) -> dict[str, pd.DataFrame]:
    names = [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'raw'").fetchall()]
    return {n: con.execute(f"select * from raw.{n}").df() for n in names}


def reference_kpis(con) -> pd.DataFrame:
    """The pandas reference's KPIs from the warehouse's raw tables, with its settings and as-of date."""
    settings = dict(con.execute("select setting, value from reference.kpi_settings").fetchall())
    reasons = {r[0] for r in con.execute(
        "select reason from reference.return_reasons where is_defect_coded").fetchall()}
    as_of = pd.Timestamp(con.execute("select as_of from ingest.build_info").fetchone()[0])
    return supplier_kpis(raw_tables(con), as_of, int(settings["on_time_tolerance_days"]),
                         settings["in_full_tolerance_pct"] / 100, reasons, int(settings["return_lag_months"]),
                         settings["returns_gap_expected_units"], settings["returns_reasons_missing_units"])


def test_sql_matches_the_pandas_reference(tiny_con):
    expected = reference_kpis(tiny_con)
    actual = kpis(tiny_con)[KPI_COLUMNS]
    pd.testing.assert_frame_equal(actual.astype(float), expected.astype(float), check_names=False,
                                  check_exact=False, rtol=1e-9)


def test_a_supplier_that_sold_without_returns_has_a_zero_return_rate(tmp_path, tiny_dir, built):
    import duckdb

    # drop S2's only return: it sold 150 units of B1 and nothing came back
    lines = (tiny_dir / "returns.csv").read_text().splitlines()
    (tiny_dir / "returns.csv").write_text("\n".join(line for line in lines if not line.startswith("R4,")) + "\n")
    db = tmp_path / "w.duckdb"
    built(tiny_dir, db)
    with duckdb.connect(str(db), read_only=True) as con:
        k = kpis(con)
    assert k.loc["S2", "defect_return_rate"] == 0.0  # known to be zero, not unknown
    assert math.isnan(k.loc["S3", "defect_return_rate"])  # S3 sold nothing: unknown


def blank_counts(folder, inspection_id: str, columns: tuple[str, ...]) -> None:
    """Leave `columns` of one inspection blank in the brand's file (as if the count was never recorded)."""
    path = folder / "inspections.csv"
    header, *rows = path.read_text().splitlines()
    idx = [header.split(",").index(c) for c in columns]
    rows = [",".join("" if (row.startswith(f"{inspection_id},") and i in idx) else cell
                     for i, cell in enumerate(row.split(","))) for row in rows]
    path.write_text("\n".join([header, *rows]) + "\n")


@pytest.mark.parametrize("blank, expected", [
    # I1 (P1, 80 units, 0 critical / 2 major / 3 minor, pass) with no counts at all: its 80 units leave every
    # class; S1 keeps I2 (0/6/0) and I3 (0/1/0), 160 units. Read as zeros it would give major 7/240.
    (("critical_defects", "major_defects", "minor_defects"),
     {"critical_defect_rate": 0 / 160, "major_defect_rate": 7 / 160, "minor_defect_rate": 0 / 160}),
    # only the major count blank: major over 160 units, minor and critical still over all 240
    (("major_defects",),
     {"critical_defect_rate": 0 / 240, "major_defect_rate": 7 / 160, "minor_defect_rate": 3 / 240}),
], ids=["all_counts_blank", "major_blank"])
def test_a_blank_defect_count_leaves_that_sample_out_of_the_rate(tmp_path, tiny_dir, blank, expected, built):
    import duckdb


    blank_counts(tiny_dir, "I1", blank)
    db = tmp_path / "w.duckdb"
    built(tiny_dir, db)
    with duckdb.connect(str(db), read_only=True) as con:
        staged = con.execute("select critical_defects, major_defects, minor_defects, result, is_passed "
                             "from staging.inspections where inspection_id = 'I1'").fetchone()
        k = kpis(con)
        # the pandas reference reads the raw file and agrees with the SQL on the blank
        reference = reference_kpis(con)
    # staging keeps the blank as NULL (unknown), and the pass still counts
    given = dict(zip(("critical_defects", "major_defects", "minor_defects"), (0, 2, 3)))
    assert staged == tuple(None if c in blank else given[c] for c in given) + ("pass", True)
    for col, value in expected.items():
        assert k.loc["S1", col] == pytest.approx(value), col
    assert k.loc["S1", "first_pass_rate"] == pytest.approx(0.5)  # P1's first PSI still passed
    assert k.loc["S2", "minor_defect_rate"] == pytest.approx(1 / 32)  # other suppliers untouched
    pd.testing.assert_frame_equal(k[KPI_COLUMNS].astype(float), reference.astype(float), check_names=False,
                                  check_exact=False, rtol=1e-9)


@pytest.mark.parametrize("return_channel, s1_units_in_rate", [
    # every return names a channel and none names tiktok_shop_us: its 800 units are a channel whose returns were never
    # imported, and would dilute S1's rate from 4/1,200 to 4/2,000
    ("shopify_dtc", 1200),
    # one return without a channel could be any channel's: every unit counts
    ("", 2000),
    # nor can one naming a channel no sale has ("Amazon" beside sales on amazon_us): leaving amazon_us out on a spelling
    # would inflate its rate
    ("Amazon", 2000),
], ids=["channel_without_returns", "a_return_without_channel", "a_return_on_a_channel_without_sales"])
def test_a_channel_without_returns_is_left_out_of_the_return_rate(tmp_path, tiny_dir, built, return_channel,
                                                                  s1_units_in_rate):
    import duckdb

    with (tiny_dir / "sales.csv").open("a") as f:
        f.write("A1,2024-04,TikTok_Shop_US ,800,24000,\n")  # in a month the returns on record cover
    path = tiny_dir / "returns.csv"
    path.write_text(path.read_text().replace("R3,A2,P3,2024-04-20,1,missing_parts,shopify_dtc,",
                                             f"R3,A2,P3,2024-04-20,1,missing_parts,{return_channel},"))
    db = tmp_path / "w.duckdb"
    log: list[str] = []
    built(tiny_dir, db, log.append)
    with duckdb.connect(str(db), read_only=True) as con:
        k = kpis(con)
        recorded = dict(con.execute("select channel, bool_and(returns_recorded) from staging.sales "
                                    "group by channel").fetchall())
        expected = reference_kpis(con)
        signal = con.execute("select raw_value from marts.supplier_signals "
                             "where supplier_id = 'S1' and signal = 'defect_return_rate'").fetchone()[0]
    assert recorded == {"amazon_us": True, "shopify_dtc": True, "tiktok_shop_us": s1_units_in_rate == 2000}
    notice = ("      notice: no return in the data names channel tiktok_shop_us: its 800 units sold are left out of the "
              "return rates (defect returns, 'not as described'); import its returns if there were any")
    assert (notice in log) == (s1_units_in_rate == 1200)   # the build says so
    assert k.loc["S1", "units_sold"] == 2000  # what was sold is still what was sold
    assert k.loc["S1", "units_sold_returns_recorded"] == s1_units_in_rate
    assert k.loc["S1", "defect_return_rate"] == pytest.approx(4 / s1_units_in_rate)
    assert signal == pytest.approx(4 / s1_units_in_rate)  # the score reads the same units (pipelines.loaders)
    pd.testing.assert_frame_equal(k[KPI_COLUMNS].astype(float), expected.astype(float), check_names=False,
                                  check_exact=False, rtol=1e-9)


def test_a_supplier_selling_only_where_no_return_is_recorded_has_an_unknown_return_rate(tmp_path, tiny_dir, built):
    import duckdb

    # S2's only sales (B1) move to a channel no return names: nothing is known about its returns there
    path = tiny_dir / "sales.csv"
    path.write_text(path.read_text().replace("B1,2024-03,amazon_us,", "B1,2024-03,walmart_us,"))
    returns = tiny_dir / "returns.csv"
    returns.write_text("\n".join(line for line in returns.read_text().splitlines() if not line.startswith("R4,"))
                       + "\n")
    db = tmp_path / "w.duckdb"
    built(tiny_dir, db)
    with duckdb.connect(str(db), read_only=True) as con:
        k = kpis(con)
        compared = con.execute("select defect_return_rate from marts.type_comparison_suppliers "
                               "where supplier_id = 'S2' and category = 'all'").fetchone()[0]
    assert compared is None   # the trader-vs-factory comparison reads the same
    assert k.loc["S2", "units_sold"] == 150
    assert k.loc["S2", "units_sold_returns_recorded"] == 0
    assert math.isnan(k.loc["S2", "defect_return_rate"])  # unknown, not "sold 150 and nothing came back"


def _built_and_checked(tmp_path, tiny_dir, built):
    """Build the (edited) tiny portfolio: its KPIs, already checked against the pandas reference, the build log and
    the warehouse's path."""
    import duckdb

    db = tmp_path / "w.duckdb"
    log: list[str] = []
    built(tiny_dir, db, log.append)
    with duckdb.connect(str(db), read_only=True) as con:
        k = kpis(con)
        expected = reference_kpis(con)
    pd.testing.assert_frame_equal(k[KPI_COLUMNS].astype(float), expected.astype(float), check_names=False,
                                  check_exact=False, rtol=1e-9)
    return k, log, db


def test_sales_months_before_the_returns_on_record_are_left_out_of_the_return_rate(tmp_path, tiny_dir, built):
    """A1 sold 3,000 units on Amazon US in October-December 2023, months before the first Amazon US return on record
    (March 2024: a returns report pulled for a shorter period than the sales). Hand-computed: Amazon US's 7 returned
    units over the 650 units it sold February-April 2024 (the returns' months, from a month before the first) would
    have brought 32.3 returns from those 3,000 units, and the data has none: they are left out of S1's rate, which
    stays 4 of 1,200 instead of 4 of 4,200. May's 400 units (4.3 returns expected, fewer than 5) are kept."""
    import duckdb

    with (tiny_dir / "sales.csv").open("a") as f:
        f.write("A1,2023-10,amazon_us,1000,40000,10000\nA1,2023-11,amazon_us,1000,40000,10000\n"
                "A1,2023-12,amazon_us,1000,40000,10000\n")
    k, log, db = _built_and_checked(tmp_path, tiny_dir, built)
    with duckdb.connect(str(db), read_only=True) as con:
        amazon = con.execute("select expected_before, expected_after, recorded_from, recorded_to "
                             "from staging.returns_coverage where channel = 'amazon_us'").fetchone()
    assert amazon[0] == pytest.approx(3000 * 7 / 650) and amazon[1] == pytest.approx(400 * 7 / 650)
    assert (str(amazon[2]), amazon[3]) == ("2024-02-01", None)
    assert k.loc["S1", "units_sold"] == 4200
    assert k.loc["S1", "units_sold_returns_recorded"] == 1200
    assert k.loc["S1", "defect_return_rate"] == pytest.approx(4 / 1200)
    assert ("      notice: at the return rate of channel amazon_us over the months its returns cover (1.08% of units "
            "sold), 32 returned units would be expected from the sales of 2023-10 to 2023-12, and the data has none "
            "before 2024-03: those months' 3,000 units sold are left out of the return rates (defect returns, 'not as "
            "described'); import their returns if there were any") in log


def test_months_after_the_returns_on_record_are_left_out_and_the_build_says_why(tmp_path, tiny_dir, built):
    """Only A1's sales are kept, so R3's channel (shopify_dtc) is one no sale has: the returns cannot be told apart by
    channel and pool every channel. Hand-computed: their 8 units over the 500 sold February-April (the returns run
    March-April, from a month before the first) would have brought 6.4 returns from May's 400 units, and the data has
    none after April: May is left out, S1's rate is 4 of 500."""

    path = tiny_dir / "sales.csv"
    path.write_text("\n".join(line for line in path.read_text().splitlines() if not line.startswith(("A2,", "B1,")))
                    + "\n")
    k, log, _ = _built_and_checked(tmp_path, tiny_dir, built)
    assert k.loc["S1", "units_sold_returns_recorded"] == 500
    assert k.loc["S1", "defect_return_rate"] == pytest.approx(4 / 500)
    assert ("      notice: at the return rate of every channel together (a return names no channel, or one no sale "
            "has) over the months its returns cover (1.60% of units sold), 6 returned units would be expected from "
            "the sales of 2024-05, and the data has none after 2024-04: those months' 400 units sold are left out of "
            "the return rates (defect returns, 'not as described'); import their returns if there were any") in log


def test_a_channel_whose_returns_give_no_reason_is_left_out_and_the_build_says_why(tmp_path, tiny_dir, built):
    """Amazon US's returns come from a spreadsheet mapped without its reason column: R1, R2 and R4 (7 units) give no
    reason, so whether any was a defect cannot be told. Amazon US's 1,050 units sold leave the rates: S1's rate is
    Shopify's 1 missing-parts unit of 300, not 1 of 1,200; S2 sold only on Amazon US, so its rate is unknown (not 0),
    and the score reads the same."""
    import duckdb

    path = tiny_dir / "returns.csv"
    path.write_text(path.read_text().replace(",defective,amazon_us,", ",,amazon_us,")
                    .replace(",customer_remorse,amazon_us,", ",,amazon_us,")
                    .replace(",wrong_item,amazon_us,", ",,amazon_us,"))
    k, log, db = _built_and_checked(tmp_path, tiny_dir, built)
    with duckdb.connect(str(db), read_only=True) as con:
        left_out = dict(con.execute("select channel, any_value(returns_left_out) from staging.sales "
                                    "group by channel").fetchall())
        signal = con.execute("select raw_value from marts.supplier_signals "
                             "where supplier_id = 'S1' and signal = 'defect_return_rate'").fetchone()[0]
        blank = con.execute("select count(*) from staging.returns where reason is null").fetchone()[0]
    assert blank == 3  # kept, not rejected: a return without a reason still costs its refund
    assert left_out == {"amazon_us": "reasons", "shopify_dtc": None}
    assert k.loc["S1", "units_sold_returns_recorded"] == 300
    assert k.loc["S1", "defect_return_rate"] == pytest.approx(1 / 300)
    assert signal == pytest.approx(1 / 300)
    assert math.isnan(k.loc["S2", "defect_return_rate"])
    assert ("      notice: the 7 returned units of channel amazon_us give no reason, so whether any was a defect "
            "cannot be told: its 1,050 units sold are left out of the return rates (defect returns, 'not as described') and "
            "none of its returns counts against a supplier; import its returns with their reasons (map the reason "
            "column)") in log


def test_a_few_returns_without_a_reason_are_counted_and_said(tmp_path, tiny_dir, built):
    """R2 (2 of Amazon US's 7 returned units) gives no reason; the others do: the reasons are recorded, the rates keep
    Amazon's sales, and the build says how many give none."""
    path = tiny_dir / "returns.csv"
    path.write_text(path.read_text().replace(",customer_remorse,amazon_us,", ",,amazon_us,"))
    k, log, _ = _built_and_checked(tmp_path, tiny_dir, built)
    assert k.loc["S1", "units_sold_returns_recorded"] == 1200
    assert ("      notice: 2 of the 7 returned units on channel amazon_us give no reason: they count as not caused by "
            "the supplier (28.6% of the returns: if they were defects, the defect-return rates read that many returns "
            "low); import their reasons if you have them") in log


def test_months_inside_the_span_whose_returns_were_not_imported_are_left_out(tmp_path, tiny_dir, built):
    """A1 sells 1,000 units a month on Amazon US in June-August; an August return is on record, but May-July's returns
    reports were skipped. Hand-computed: Amazon US's 27 returned units over the 4,050 it sold February-August (0.667%)
    would have brought 16 returns from May-July's 2,400 units, and none is dated in them: left out, so S1's rate is 4
    of 1,800 (April's 500, August's 1,000, Shopify's 300)."""
    with (tiny_dir / "sales.csv").open("a") as f:
        f.write("A1,2024-06,amazon_us,1000,40000,10000\nA1,2024-07,amazon_us,1000,40000,10000\n"
                "A1,2024-08,amazon_us,1000,40000,10000\n")
    with (tiny_dir / "returns.csv").open("a") as f:
        f.write("R9,A1,,2024-08-10,20,customer_remorse,amazon_us,800,sellable\n")
    k, log, _ = _built_and_checked(tmp_path, tiny_dir, built)
    assert k.loc["S1", "units_sold_returns_recorded"] == 1800
    assert k.loc["S1", "defect_return_rate"] == pytest.approx(4 / 1800)
    assert ("      notice: at the return rate of channel amazon_us over the months its returns cover (0.67% of units "
            "sold), 16 returned units would be expected from the sales of 2024-05 to 2024-07, and the data has no "
            "return dated in those months, between others: those months' 2,400 units sold are left out of the return "
            "rates (defect returns, 'not as described'); import their returns if there were any") in log
