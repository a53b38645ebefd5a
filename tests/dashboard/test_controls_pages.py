"""The sourcing controls on the pages, on the tiny portfolio with tests/fixtures/controls (as of 2024-06-21): the
Supplier page's bank accounts, background checks, corrective actions, open orders and timeline, and the Inspections
page's corrective actions, each figure worked out by hand from the fixture."""

from __future__ import annotations

import pandas as pd

from pathlib import Path

import pytest

from helpers import write_controls_portfolio, write_controls_portfolio_paid_by_wise


@pytest.fixture(scope="module")
def controls_db(tmp_path_factory, built) -> Path:
    folder = write_controls_portfolio(tmp_path_factory.mktemp("controls_pages") / "input")
    db = folder.parent / "controls.duckdb"
    return built(folder, db)


def test_supplier_page_shows_the_new_offshore_account_checks_capas_and_orders_on_hold(ui, controls_db):
    at = ui.open(controls_db, "supplier", query={"supplier": "S2"})
    shown = ui.texts(at)
    # BA3: S2's second account, in HK (S2 and its first account are in CN), 'verified' by e-mail only
    assert ("Bank account ••••8901 at HSBC Hong Kong (HK), first seen 2024-06-10, is a new account, in a new "
            "country, offshore and not verified") in shown
    accounts = next(f for f in ui.frames(at) if "account_number_masked" in f.columns)
    assert accounts["account_number_masked"].tolist() == ["••••2222", "••••8901"]
    assert accounts["is_unverified_change"].tolist() == [False, True]
    # registry checked 2022-01-10: expired a year later; public records filled but undated
    assert "Business registry (operating status): checked 2022-01-10, expired 2023-01-10" in shown
    checks = next(f for f in ui.frames(at) if "finding" in f.columns).set_index("source")
    assert checks["state"].to_dict() == {"Public records (court cases, penalties)": "Undated",
                                         "Business registry (operating status)": "Expired"}
    # C3 critical, due 06-10, open; C2 closed 02-01 with the next lot recorded as failed
    assert ("1 corrective action open past its due date. 1 closed corrective action whose next lot failed "
            "again") in shown
    capas = next(f for f in ui.frames(at) if "capa_id" in f.columns and "status" in f.columns)
    assert capas[["capa_id", "status"]].values.tolist() == [["C3", "Open, overdue"],
                                                            ["C2", "Closed, but the next lot failed"]]
    # P4 (2,000 unpaid), P5 (3,300 − 990) and P6 (1,100 − 330) all hold: the account and C3
    assert "Hold the balance of 3 orders" in shown
    orders = next(f for f in ui.frames(at) if "hold_reasons" in f.columns).set_index("po_id")
    assert orders["balance_outstanding"].to_dict() == {"P4": 2000, "P5": 2310, "P6": 770}
    assert all("critical corrective action C3 open since 2024-05-20" in r for r in orders["hold_reasons"])
    # the cell leads with the unverified account (money to the wrong hands), without what to do, and counts the
    # rest; the download has all, with the call-back
    assert orders["why_held"].to_dict() == {
        "P4": "Bank account ••••8901 (HK), first seen 2024-06-10, is not verified; and 1 more",
        **{po: "Bank account ••••8901 (HK), first seen 2024-06-10, is not verified; and 2 more" for po in ("P5", "P6")}}
    assert all("is not verified: call back on a number already on file before paying" in r
               for r in orders["hold_reasons"])
    # the timeline: S2's change CH3 and two corrective actions join its orders, payments and inspections
    at.toggle(key="supplier_timeline_show").set_value(True).run()  # the events as a table, asked for
    timeline = next(f for f in ui.frames(at) if "event_on" in f.columns)
    assert pd.to_datetime(timeline["event_on"]).is_monotonic_decreasing  # the latest event first
    counts = timeline["event"].value_counts().to_dict()
    assert (counts["Change"], counts["Corrective action"]) == (1, 2)
    change = timeline[timeline["event"] == "Change"].iloc[0]
    assert (change["po_id"], change["detail"]) == ("P5", "Lead time change, confirmed in writing")


def test_supplier_page_says_never_checked_is_unknown_not_clean(ui, controls_db):
    at = ui.open(controls_db, "supplier", query={"supplier": "S3"})
    shown = ui.texts(at)
    assert ("Public records (court cases, penalties): never checked, so unknown (not clean); Business registry "
            "(operating status): never checked, so unknown (not clean). Re-check before the next order.") in shown
    assert not any("account_number_masked" in f.columns for f in ui.frames(at))  # S3 has no bank account on file


def test_supplier_page_timeline_marks_an_unconfirmed_change(ui, controls_db):
    at = ui.open(controls_db, "supplier", query={"supplier": "S1"})
    assert not [f for f in ui.frames(at) if "event_on" in f.columns]  # the events table is drawn when asked for
    at.toggle(key="supplier_timeline_show").set_value(True).run()
    timeline = next(f for f in ui.frames(at) if "event_on" in f.columns)
    changes = timeline[timeline["event"] == "Change"].set_index("po_id", drop=False)
    assert changes["detail"].tolist() == ["Price change, confirmed in writing, approved by J. Smith",  # the latest
                                          "Material change, NOT confirmed in writing"]
    assert "1 corrective action open" not in ui.texts(at)  # C1 closed and confirmed by the next lot: no warning


def test_inspections_page_lists_corrective_actions_needing_attention_first(ui, controls_db):
    at = ui.open(controls_db, "inspections")
    m = ui.metrics(at)
    assert (m["Open"], m["Overdue"], m["Closed, next lot failed"]) == ("1", "1", "1")
    capas = next(f for f in ui.frames(at) if "capa_id" in f.columns)
    assert capas[["capa_id", "supplier_name", "status"]].values.tolist() == [
        ["C3", "Yiwu Beta Trading", "Open, overdue"],
        ["C2", "Yiwu Beta Trading", "Closed, but the next lot failed"],
        ["C1", "Ningbo Alpha Store", "Closed, confirmed by the next lot"]]
    at = ui.open(controls_db, "inspections", query={"type": "manufacturer"})
    assert next(f for f in ui.frames(at) if "capa_id" in f.columns)["capa_id"].tolist() == ["C1"]


def test_supplier_page_questions_a_declared_factory_whose_names_say_trading(ui, demo_db, demo_con):
    """The demo's planted trader declared as a manufacturer (ground_truth/controls_truth.csv) is questioned on its
    page; a declared manufacturer without markers is not."""
    flagged = demo_con.execute("select supplier_id, markers from marts.supplier_type_check "
                               "where is_possibly_trading_company").fetchall()
    assert len(flagged) == 1
    supplier, markers = flagged[0]
    shown = ui.texts(ui.open(demo_db, "supplier", query={"supplier": supplier}))
    assert "Possibly a trading company" in shown and f"carries trading-company words ({markers})" in shown
    clean = demo_con.execute("select supplier_id from marts.supplier_type_check where declared_type = "
                             "'manufacturer' and not is_possibly_trading_company order by supplier_id limit 1"
                             ).fetchone()[0]
    assert "Possibly a trading company" not in ui.texts(ui.open(demo_db, "supplier", query={"supplier": clean}))


def test_an_account_a_bank_statement_paid_is_shown_unverified_with_its_country_unknown(ui, tmp_path, built):
    folder = write_controls_portfolio_paid_by_wise(tmp_path / "input")
    at = ui.open(built(folder, tmp_path / "paid.duckdb"), "supplier", query={"supplier": "S1"})
    assert ("Bank account ••••4321 at an unnamed bank (country unknown), first seen 2024-02-15, is a new account and "
            "not verified") in ui.texts(at)
    accounts = next(f for f in ui.frames(at) if "account_number_masked" in f.columns)
    assert accounts[["account_number_masked", "bank_country", "is_unverified_change"]].values.tolist() == [
        ["••••7890", "CN", False], ["••••4321", "country unknown", True]]
