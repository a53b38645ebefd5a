"""The Open orders page on the tiny warehouse: figures worked out by hand from tests/fixtures/tiny."""

from __future__ import annotations

import pandas as pd


def test_open_orders_page_hand_computed(ui, tiny_db):
    """As of 2024-06-21: P3 (S1, 1,000, shipped without a PSI, nothing paid) holds; P4 (S2, 2,000, shipped, nothing
    paid, PSI passed at 2.5) is released; P5 (3,300, 990 paid) and P6 (1,100, 330 paid) are not ready: nothing has
    shipped and no PSI is decided yet, which is an order on its way, not a failure; P1 and P2 are shipped and paid.
    The tiny import has no bank accounts, changes, corrective actions or document dates."""
    at = ui.open(tiny_db, "open_orders")
    m = ui.metrics(at)
    assert m["Open orders"] == "4"
    assert m["Deposits at risk"] == "$1,320"  # P5 990 + P6 330, nothing shipped
    # due within 7 days or overdue, balance = promised ship date: P3 (03-01), P4 (02-15), P5 (06-01)
    assert m["Balances due in 7 days"] == "$5,310"  # 1,000 + 2,000 + (3,300 − 990)
    # the count beside it is a note, not a change: no arrow, no colour
    due = next(x for x in at.metric if x.label == "Balances due in 7 days")
    # P5's promised ship date (its balance's due date, no terms of its own) passed with nothing shipped: its balance
    # waits for the goods, the supplier is late, the brand is not; P3 and P4 shipped and are overdue
    assert due.delta == "3 orders, 2 overdue" and due.proto.direction == 2 and due.proto.color == 2  # NONE, GRAY
    assert m["Balances on hold"] == "1 of 4"
    held = next(x for x in at.metric if x.label == "Balances on hold")
    assert held.delta == "2 more not ready yet" and held.proto.direction == 2 and held.proto.color == 2
    shown = next(f for f in ui.frames(at) if "hold_reasons" in f.columns).set_index("po_id")
    assert list(shown.index) == ["P4", "P3", "P5"]  # by balance due date
    assert shown["verdict"].to_dict() == {"P4": "Release", "P3": "Hold", "P5": "Not ready"}
    assert shown.loc["P3", "hold_reasons"] == ("Pre-shipment inspection passed at the agreed AQL: shipped without a "
                                               "decided pre-shipment inspection")
    # the condition's name left out
    assert shown.loc["P3", "why_held"] == "Shipped without a decided pre-shipment inspection"
    assert shown.loc["P5", "why_held"] == "No pre-shipment inspection yet"
    # a release row says so, and that 4 checks had no data (not a bare dash that reads as "nothing known")
    assert shown.loc["P4", "why_held"] == "Passed every check the data allows; 4 not checked"
    assert shown.loc["P5", "balance_outstanding"] == 2310 and shown.loc["P5", "days_until_balance_due"] == -20
    assert shown.loc["P5", "balance_due_in"] == "on shipment, late"
    assert shown.loc["P3", "balance_due_in"] == "112 days overdue"  # shipped 03-01 … as of 06-21
    assert shown.loc["P4", "not_checked"] == ("Every change confirmed in writing; No open critical corrective "
                                              "action; Shipping documents received; bank account (no bank "
                                              "accounts imported)")
    assert shown.loc["P4", "supplier_name"] == "Yiwu Beta Trading"
    # release or hold and why on screen, the rest in the download; "Not checked" as some order has one here
    grid = next(d for d in at.dataframe if "hold_reasons" in d.value.columns)
    assert list(grid.proto.column_order) == ["po_id", "supplier_link", "verdict", "why_held", "balance_outstanding",
                                             "balance_due_in", "deposit_at_risk", "not_checked"]

    at.segmented_control(key="open_orders_view").set_value("hold").run()
    shown = next(f for f in ui.frames(at) if "hold_reasons" in f.columns)
    assert sorted(shown["po_id"]) == ["P3"]  # on hold: a check found something wrong; P5 and P6 are on their way
    at.segmented_control(key="open_orders_view").set_value("release").run()
    shown = next(f for f in ui.frames(at) if "hold_reasons" in f.columns)
    assert shown["po_id"].tolist() == ["P4"]  # every condition holds: the balance can be paid
    # late to ship: P5 promised 06-01, nothing shipped by 06-21 (past the promise plus 3 days' tolerance), 20 days
    # late; P6 is promised for 07-20. The tile says how many, the view lists them with how late
    opened = next(x for x in at.metric if x.label == "Open orders")
    assert opened.delta == "1 late to ship" and opened.proto.color == 2 and "more than 3 days after" in opened.help
    at.segmented_control(key="open_orders_view").set_value("late").run()
    shown = next(f for f in ui.frames(at) if "hold_reasons" in f.columns)
    assert shown["po_id"].tolist() == ["P5"] and shown["days_late"].tolist() == [20]
    grid = next(d for d in at.dataframe if "hold_reasons" in d.value.columns)
    assert "days_late" in grid.proto.column_order and "balance_due_in" not in grid.proto.column_order
    at.segmented_control(key="open_orders_view").set_value("all").run()
    shown = next(f for f in ui.frames(at) if "hold_reasons" in f.columns)
    assert sorted(shown["po_id"]) == ["P3", "P4", "P5", "P6"]
    assert ("Checks these orders fail, with the number held by each: Pre-shipment inspection passed at the agreed AQL "
            "(1). Still to come on orders on their way: Pre-shipment inspection passed at the agreed AQL (2).") \
        in ui.texts(at)
    checklist = next(f for f in ui.frames(at) if "payee_verified" in f.columns).set_index("po_id")
    assert checklist.loc["P4", "psi_passed"] == "✓" and checklist.loc["P3", "psi_passed"] == "✗ fails"
    assert checklist.loc["P5", "psi_passed"] == "to come"
    assert checklist.loc["P4", "changes_confirmed"] == "not recorded"


def test_open_orders_page_follows_the_sidebar_filter(ui, tiny_db):
    at = ui.open(tiny_db, "open_orders", query={"type": "manufacturer"})
    assert ui.metrics(at)["Open orders"] == "1"  # S1's P3 only
    # S1's only open order is on hold: nothing is ready to release, and the page says why none is
    at.segmented_control(key="open_orders_view").set_value("release").run()
    assert [i.value for i in at.info][-1] == ("No balance is ready to release: every unpaid one fails a check or "
                                              "waits for its inspection, shipment or documents.")


def test_the_supplier_page_says_which_balances_to_pay_hold_or_wait_for(ui, tiny_db):
    """The tiny portfolio as of 2024-06-21: S2's P4 passes every condition (ready to release), its P5 and P6 wait for
    their inspection and shipment (not ready); S1's P3 shipped without a PSI (on hold). The most pressing box first."""
    at = ui.open(tiny_db, "supplier", query={"supplier": "S2"})
    # and P5, promised for 06-01 with nothing shipped, is late to ship: 20 days
    assert [s.value for s in at.success if "ready to release" in s.value] == [
        "1 balance ready to release: every condition of the checklist holds. 2 orders not ready yet: inspection, "
        "shipment or documents still to come. 1 order late to ship, up to 20 days past the promised date: chase "
        "the supplier."]
    assert not [e for e in at.error if "Hold the balance" in e.value]
    at = ui.open(tiny_db, "supplier", query={"supplier": "S1"})
    assert [e.value for e in at.error if "Hold the balance" in e.value] == [
        "Hold the balance of 1 order: see why below (the download and the Open orders page have every reason)."]


def test_a_page_that_counts_to_the_as_of_date_warns_when_that_date_is_long_past(ui, tiny_db, monkeypatch):
    """Every figure is as of the data's as-of date (the tiny portfolio: 2024-06-21). Every page says how long ago that
    was; Open orders, the Portfolio and the Re-audit planner, which count what is due, overdue and late to it, warn
    once it is more than data_stale_after_days (7, data/reference/kpi_settings.csv) before today. Before, a balance
    'due in 3 days' read the same a month later."""
    from datetime import date

    from dashboard import display

    warned = "These figures are as of 2024-06-21, 8 days ago: what is due, overdue or late is counted at that date, " \
             "and what was paid, shipped or inspected since is not in them. Import the latest exports (Data page) " \
             "before releasing a payment or chasing a supplier."
    for today, caption, warnings in ((date(2024, 6, 21), "Data as of 2024-06-21 · built", []),
                                     (date(2024, 6, 22), "Data as of 2024-06-21 (yesterday) · built", []),
                                     (date(2024, 6, 28), "Data as of 2024-06-21 (7 days ago) · built", []),
                                     (date(2024, 6, 29), "Data as of 2024-06-21 (8 days ago) · built", [warned])):
        monkeypatch.setattr(display, "today", lambda today=today: today)
        for page in ("open_orders", "portfolio", "reaudit", "costs"):
            at = ui.open(tiny_db, page)
            assert any(c.value.startswith(caption) for c in at.caption), (today, page)
            stale = [ui.plain(w.value) for w in at.warning if w.value.startswith("These figures")]
            assert stale == (warnings if page != "costs" else []), (today, page)  # Costs counts nothing to it
    # a warehouse built before the setting says the age and no warning
    assert display.stale_after_days(pd.DataFrame({"setting": ["on_time_tolerance_days"], "value": [3.0]})) is None
    assert display.stale_data_warning(date(2024, 6, 21), None) is None


def test_without_promised_ship_dates_lateness_is_said_unknown(ui, tiny_dir, tmp_path, built):
    """A PO tracker without promised ship dates: no open order can be known to be late (not 'none is late'). The
    Open orders tile counts none, its Late to ship view and the weekly digest say why."""
    from dashboard import db, digest
    from helpers import blank_columns

    blank_columns(tiny_dir / "purchase_orders.csv", ["promised_ship_on"])
    db_path = built(tiny_dir, tmp_path / "w.duckdb")
    at = ui.open(db_path, "open_orders")
    assert not next(x for x in at.metric if x.label == "Open orders").delta   # no "0 late to ship"
    at.segmented_control(key="open_orders_view").set_value("late").run()
    said = "Not known: no open order has a promised ship date, so none is known to be late."
    assert said in [i.value for i in at.info]
    con = db.connect(db_path)
    try:
        week = digest.build(db.runner(con), 7)
    finally:
        con.close()
    assert (week.section("late").rows, week.section("late").empty) == ([], said)


def test_the_demo_portfolio_says_it_is_the_demo_rather_than_to_import_the_latest_exports(ui, tiny_db, tmp_path,
                                                                                           monkeypatch):
    """A visitor trying the cockpit on the bundled demo (built from data/demo) is not told to import the latest exports
    before releasing a payment: the page says, as a note, that it is the demo made up to its as-of date and where
    their own exports go; the weekly digest of the demo says the same."""
    import shutil
    from datetime import date

    import duckdb

    from dashboard import db, digest, display

    demo = tmp_path / "demo.duckdb"
    shutil.copy(tiny_db, demo)
    with duckdb.connect(str(demo)) as con:
        con.execute("update ingest.build_info set input_dir = ?", [str(display.DEMO_DIR)])
    monkeypatch.setattr(display, "today", lambda: date(2024, 7, 27))
    said = ("This is the demo portfolio, made up to 2024-06-21 (36 days ago): what is due, overdue or late is counted "
            "at that date. Load your own exports on the Data page to see yours.")
    at = ui.open(demo, "open_orders")
    assert not at.exception
    assert [ui.plain(i.value) for i in at.info if i.value.startswith("This is the demo")] == [said]
    assert not [w for w in at.warning if w.value.startswith("These figures")]
    con = db.connect(demo)
    try:
        assert digest.build(db.runner(con), 7).stale == said
    finally:
        con.close()
    assert display.is_demo(str(display.DEMO_DIR / ".." / "demo")) and not display.is_demo(str(tmp_path))
    assert not display.is_demo(None) and not display.is_demo("")
