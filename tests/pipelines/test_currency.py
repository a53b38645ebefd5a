"""Currencies: POs and payments in CNY are converted at the reference table's monthly rates (hand-checked against the
Federal Reserve G.5 figures typed in here), and a currency or month without a rate is refused with a clear reason."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines import fx
from pipelines.ingest import read_and_validate

# Federal Reserve G.5 monthly averages, yuan per dollar (typed in from the release, not read from our table).
CNY_2024_03, CNY_2024_04 = 7.2015, 7.2374


def _set_cny(folder):
    """P2 (1,000 units) priced CNY 39.60 on 2024-03-01, its deposit and balance paid in CNY in March and April."""
    po = folder / "purchase_orders.csv"
    po.write_text(po.read_text(encoding="utf-8").replace("P2,S1,A1,2024-03-01,1000,5.50,USD,",
                                                         "P2,S1,A1,2024-03-01,1000,39.60,CNY,"), encoding="utf-8")
    pay = folder / "payments.csv"
    pay.write_text(pay.read_text(encoding="utf-8").replace("Y3,P2,2024-03-02,1650,", "Y3,P2,2024-03-02,11880,")
                   .replace("Y4,P2,2024-04-06,3850,", "Y4,P2,2024-04-06,27720,"), encoding="utf-8")


def test_the_table_is_dated_sourced_and_covers_the_currencies_founders_pay_in():
    table = fx.load()
    assert {"CNY", "HKD", "EUR", "GBP", "JPY", "INR"} <= set(table.currencies())
    got = table.units_per_usd(pd.Series(["CNY", "usd", " eur", "", "CNY", "RMB", "CNY"]),
                              pd.Series(pd.to_datetime(["2024-03-31", "1999-01-01", "2024-06-01", "2024-06-01",
                                                        "2030-01-01", "2024-03-01", None])))
    # the SQL rule (pipelines/sql/macros.sql): the month of the date, any case and spacing, a blank is USD; none → NaN
    # G.5: USD 1.0763 per euro in June 2024
    np.testing.assert_array_equal(got, [CNY_2024_03, 1.0, 0.9291, 1.0, np.nan, np.nan, np.nan])
    assert table.verified_through == "2026-06"  # TWD (the ECB does not publish it; the others run to 2026-10)
    assert fx.to_usd(720.15, "CNY", "2024-03-31", table) == pytest.approx(100.0)
    with pytest.raises(ValueError, match="no CNY rate to USD for 2030-01 .*it has 2018-01 to 2026-10"):
        fx.to_usd(1, "CNY", "2030-01-15", table)


def test_a_broken_table_is_refused(tmp_path):
    path = tmp_path / "fx_rates.csv"
    path.write_text("currency,month,units_per_usd,as_of,source,notes\nCNY,2024-01,7.1,2026-07-21,,\n", encoding="utf-8")
    with pytest.raises(fx.FxTableError, match="line 2: every rate needs its source"):
        fx.load(path)
    path.write_text("currency,month,units_per_usd,as_of,source,notes\nCNY,2024-01,7.1,2026-07-21,Fed,\n"
                    "CNY,2024-01,7.2,2026-07-21,Fed,\n", encoding="utf-8")
    with pytest.raises(fx.FxTableError, match="line 3: a second CNY rate for 2024-01"):
        fx.load(path)


def test_a_currency_or_month_without_a_rate_rejects_the_row_and_its_payments_say_why(tiny_dir):
    _set_cny(tiny_dir)
    po = tiny_dir / "purchase_orders.csv"
    po.write_text(po.read_text(encoding="utf-8")
                  .replace("P5,S2,B1,2024-05-01,300,11.00,USD,", "P5,S2,B1,2024-05-01,300,77.00,RMB,")
                  .replace("P6,S2,B1,2024-06-20,100,11.00,USD,", "P6,S2,B1,2026-11-20,100,77.00,cny,")
                  .replace("2024-07-20,2024-01-05", "2026-12-20,2024-01-05"), encoding="utf-8")
    pay = tiny_dir / "payments.csv"
    pay.write_text(pay.read_text(encoding="utf-8") + "Y9,P2,2026-11-05,100,other,,wire\n", encoding="utf-8")
    result = read_and_validate(tiny_dir)
    rejected = {(r.table, r.line): (r.column, r.reason) for r in result.rejections}
    assert rejected[("purchase_orders", 6)] == ("currency", (
        "unit_price in RMB cannot be converted to USD: no rate to USD for currency 'RMB' (RMB is CNY): "
        "data/reference/fx_rates.csv has AUD, CAD, CHF, CNY, EUR, GBP, HKD, INR, JPY, KRW, MXN, MYR, SGD, THB, TWD; "
        "write an ISO 4217 code, or add the currency's monthly rates to the table"))
    assert rejected[("purchase_orders", 7)] == ("currency", (
        "unit_price in CNY cannot be converted to USD: no CNY rate to USD for 2026-11 in data/reference/fx_rates.csv "
        "(it has 2018-01 to 2026-10); add that month's rate (`supplier-risk fx-update --ecb eurofxref-hist.zip` adds "
        "the ECB's reference rates for the months after the table's latest; the file is at "
        "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip)"))
    assert rejected[("payments", 8)] == ("amount", (
        "amount in CNY (the currency of its purchase order) cannot be converted to USD: no CNY rate to USD for "
        "2026-11 in data/reference/fx_rates.csv (it has 2018-01 to 2026-10); add that month's rate (`supplier-risk "
        "fx-update --ecb eurofxref-hist.zip` adds the ECB's reference rates for the months after the table's latest; "
        "the file is at https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip)"))
    # the CNY order and its payments in covered months are kept; payments of the rejected orders are orphans
    pos = next(t for t in result.tables if t.table == "purchase_orders").frame
    assert "P2" in set(pos["po_id"]) and not {"P5", "P6"} & set(pos["po_id"])
    assert rejected[("payments", 6)][0] == "po_id"


def test_a_build_converts_cny_spend_and_payments_at_the_table_rates(tiny_dir, tmp_path, built):
    _set_cny(tiny_dir)
    db = tmp_path / "w.duckdb"
    built(tiny_dir, db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        spend = dict(con.execute("select supplier_id, spend from marts.supplier_kpis").fetchall())
        # S1: P1 1,000 x USD 5.00 + P2 1,000 x CNY 39.60 / 7.2015 + P3 500 x USD 2.00
        assert spend["S1"] == pytest.approx(5_000 + 39_600 / CNY_2024_03 + 1_000, rel=1e-12)
        assert round(spend["S1"], 2) == 11_498.85
        paid = con.execute("select paid_amount, deposit_amount from marts.po_status where po_id = 'P2'").fetchone()
        # deposit CNY 11,880 at March's rate, balance CNY 27,720 at April's
        assert paid[0] == pytest.approx(11_880 / CNY_2024_03 + 27_720 / CNY_2024_04, rel=1e-12)
        assert round(paid[0], 2) == 5_479.76 and round(paid[1], 2) == 1_649.66
        row = con.execute("select currency, unit_price_original, fx_units_per_usd from staging.purchase_orders "
                          "where po_id = 'P2'").fetchone()
        assert row == ("CNY", 39.60, CNY_2024_03)
        assert con.execute("select count(*) from ingest.rejected_rows").fetchone()[0] == 0
    finally:
        con.close()


# An excerpt of the ECB's eurofxref-hist.csv with its published header (every currency the ECB has ever fixed, N/A
# where it no longer does, a trailing comma, newest first); the values are chosen so the cross rates come out round.
ECB_EXCERPT = Path(__file__).resolve().parents[1] / "fixtures" / "reference" / "eurofxref-hist_excerpt.csv"
TABLE_HEAD = "currency,month,units_per_usd,as_of,source,notes\n"


def test_ecb_monthly_rates_are_cross_rates_averaged_over_complete_months():
    """2026-10-29: USD 1.1, CNY 7.7, GBP 0.825 per euro; 10-30: 1.12, 7.84, 0.84; 09-30: 1.125, 7.875, 0.9. Per USD:
    CNY 7.0 on every day; GBP 0.75 in October, 0.8 on 09-30; the euro 1 / 1.1 and 1 / 1.12 (mean 0.900974), 1 / 1.125
    in September. October ends on Friday the 30th: complete. September 30 (a Wednesday) is its last weekday: complete.
    November has two days of the month's 21 weekdays: left out. Currencies the ECB no longer fixes (N/A) give none."""
    rates, last = fx.ecb_monthly(ECB_EXCERPT)
    assert last == date(2026, 11, 3)
    got = rates.set_index(["currency", "month"])["units_per_usd"]
    assert sorted(set(rates["month"])) == ["2026-09", "2026-10"]
    assert got[("CNY", "2026-10")] == pytest.approx(7.0) and got[("CNY", "2026-09")] == pytest.approx(7.0)
    assert got[("GBP", "2026-10")] == pytest.approx(0.75) and got[("GBP", "2026-09")] == pytest.approx(0.8)
    assert got[("EUR", "2026-10")] == pytest.approx((1 / 1.1 + 1 / 1.12) / 2)
    assert got[("EUR", "2026-09")] == pytest.approx(1 / 1.125)
    assert "CYP" not in set(rates["currency"]) and "USD" not in set(rates["currency"])


def test_extending_the_table_adds_only_months_after_its_latest_and_changes_none(tmp_path):
    """The table has CNY to 2026-09 (Fed 7.2 there), the euro to 2026-10 and TWD: the ECB excerpt adds CNY's October
    only, right after its rows, at 7.0000 with the file's last date and the source; CNY's September (7.2) and the euro
    are left as they are; TWD is named as not in the file."""
    table = tmp_path / "fx_rates.csv"
    table.write_text(TABLE_HEAD + "CNY,2026-08,7.1,2026-09-01,Fed,\nCNY,2026-09,7.2,2026-10-01,Fed,\n"
                     "EUR,2026-10,0.9,2026-11-01,Fed,\nTWD,2026-09,31.0,2026-10-01,Fed,\n", encoding="utf-8")
    rates, last = fx.ecb_monthly(ECB_EXCERPT)
    done = fx.extend(table, rates, "ECB test", last, "note")
    assert done == fx.Extension({"CNY": ["2026-10"]}, kept=3, not_in_file=["TWD"])
    assert table.read_text(encoding="utf-8").splitlines()[1:4] == [
        "CNY,2026-08,7.1,2026-09-01,Fed,", "CNY,2026-09,7.2,2026-10-01,Fed,", "CNY,2026-10,7.0000,2026-11-03,ECB test,note"]
    assert fx.load(table).rates == {("CNY", "2026-08"): 7.1, ("CNY", "2026-09"): 7.2, ("CNY", "2026-10"): 7.0,
                                    ("EUR", "2026-10"): 0.9, ("TWD", "2026-09"): 31.0}
    again = fx.extend(table, rates, "ECB test", last)
    assert again.added == {} and again.kept == 4


def test_fx_update_command_extends_the_table_and_refuses_a_file_that_is_not_the_ecbs(tmp_path, capsys):
    from pipelines import cli

    table = tmp_path / "fx_rates.csv"
    table.write_text(TABLE_HEAD + "CNY,2026-08,7.1,2026-09-01,Fed,\n", encoding="utf-8")
    assert cli.main(["fx-update", "--ecb", str(ECB_EXCERPT), "--table", str(table)]) == 0
    out = capsys.readouterr().out
    assert "added CNY 2026-09 to 2026-10 (2 months)" in out and "2 rates added" in out
    assert fx.load(table).rates[("CNY", "2026-10")] == 7.0
    shopify = Path(__file__).resolve().parents[1] / "fixtures" / "exports" / "shopify_orders_export.csv"
    assert cli.main(["fx-update", "--ecb", str(shopify), "--table", str(table)]) == 2
    assert "not the ECB's eurofxref-hist layout (a Date column and one column per currency, USD among them); its " \
           "header is Name, Email" in capsys.readouterr().err
    assert len(fx.load(table).rates) == 3  # nothing written


def test_an_ecb_file_with_a_date_not_in_iso_form_is_refused_with_its_line(tmp_path):
    lines = ECB_EXCERPT.read_text(encoding="utf-8").splitlines()
    resaved = tmp_path / "eurofxref-hist.csv"  # opened and saved by a spreadsheet: 30/10/2026
    resaved.write_text("\n".join(lines[:3] + [lines[3].replace("2026-10-30", "30/10/2026")] + lines[4:]) + "\n",
                       encoding="utf-8")
    with pytest.raises(fx.FxTableError, match=r"eurofxref-hist.csv line 4: date '30/10/2026' is not YYYY-MM-DD"):
        fx.ecb_monthly(resaved)


def test_the_table_runs_to_october_2026_from_the_ecb_and_twd_stops_at_june():
    """The rows added by fx-update (2026-07 to 2026-10, every currency but TWD, which the ECB does not fix) carry the
    ECB as their source and the file's last date; an order of August 2026 in CNY converts at its month's rate (the
    table's 6.7361) where it was refused before, one in TWD is still refused, naming what the table has."""
    table = fx.load()
    with fx.FX_PATH.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["month"] >= "2026-07"]
    assert {r["currency"] for r in rows} == set(table.currencies()) - {"TWD"}
    assert {r["month"] for r in rows} == {"2026-07", "2026-08", "2026-09", "2026-10"} and len(rows) == 14 * 4
    assert all(r["source"].startswith("European Central Bank") and r["as_of"] == "2026-10-30" for r in rows)
    assert table.coverage("CNY") == ("2018-01", "2026-10") and table.coverage("TWD") == ("2018-01", "2026-06")
    assert fx.to_usd(6736.1, "CNY", "2026-08-20", table) == pytest.approx(1000.0)
    with pytest.raises(ValueError, match=r"no TWD rate to USD for 2026-08 .*it has 2018-01 to 2026-06"):
        fx.to_usd(1, "TWD", "2026-08-20", table)


def test_the_ecbs_zip_is_read_and_one_that_unpacks_to_far_more_is_refused_unread(tmp_path, monkeypatch):
    """The ECB publishes eurofxref-hist.zip: read as its .csv; a zip unpacking past ECB_MAX_BYTES (64 MB, the real
    file is about 2 MB) is refused before it is read (a file uploaded on the Data page is read in the app's memory)."""
    import zipfile

    packed = tmp_path / "eurofxref-hist.zip"
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(ECB_EXCERPT, "eurofxref-hist.csv")
    rates, last = fx.ecb_monthly(packed)
    assert last == date(2026, 11, 3) and sorted(set(rates["month"])) == ["2026-09", "2026-10"]
    monkeypatch.setattr(fx, "ECB_MAX_BYTES", ECB_EXCERPT.stat().st_size - 1)
    with pytest.raises(fx.FxTableError, match=r"^mine\.zip: unpacks to 0 MB, not the ECB's eurofxref-hist"):
        fx.ecb_monthly(packed, "mine.zip")
