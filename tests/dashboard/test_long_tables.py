"""Long lists draw their first rows and download every row; the Inspections page's worded columns, computed once per
warehouse and filters, read as the mart says; filters of many suppliers are cached by a digest of their ids."""

from __future__ import annotations

import io
import json

import pandas as pd

from dashboard import components, display, queries


def _csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def test_a_long_list_draws_its_first_rows_and_the_download_has_them_all(ui, demo_db, demo_con, downloads,
                                                                       monkeypatch):
    capas = demo_con.execute("select count(*) from marts.corrective_actions").fetchone()[0]
    blind = demo_con.execute("select count(*) from marts.inspection_blind_spot").fetchone()[0]
    assert capas > 50 and blind > 50
    # the demo's lists are shorter than the limit: drawn whole
    at = ui.open(demo_db, "inspections")
    assert len(next(f for f in ui.frames(at) if "capa_id" in f.columns)) == capas
    assert "are shown; the download has all" not in ui.texts(at)

    monkeypatch.setattr(components, "LONG_TABLE_ROWS", 50)
    at = ui.open(demo_db, "inspections")
    order = [r[0] for r in demo_con.execute(
        "select capa_id from marts.corrective_actions order by is_overdue desc, is_closed_but_next_lot_failed desc, "
        "is_open desc, opened_on desc, capa_id").fetchall()]
    shown = next(f for f in ui.frames(at) if "capa_id" in f.columns)
    assert shown["capa_id"].tolist() == order[:50]  # the ones needing attention first
    in_view = display.rows_in_view(50, next(d for d in at.dataframe if "capa_id" in d.proto.column_order)
                                   .proto.row_height)
    assert in_view < 50
    assert (f"The first 50 of {capas:,} are shown, {in_view} at a time: scroll inside the table for the rest; the "
            f"download has all {capas:,}.") in ui.texts(at)
    every = _csv(downloads["corrective_actions.csv"])
    assert every["capa_id"].tolist() == order
    assert set(every["status"]) <= {"Open", "Open, overdue", "Closed, confirmed by the next lot",
                                    "Closed, but the next lot failed", "Closed, next lot not inspected yet"}
    assert len(_csv(downloads["inspection_blind_spot.csv"])) == blind


def test_inspections_next_lot_and_escape_interval_read_as_the_marts_say(ui, demo_db, demo_con, downloads):
    ui.open(demo_db, "inspections")
    # the next lot's plan: n, Ac and Re of the mart with separators, a dash when the stage has no plan
    plans = demo_con.execute("select s.supplier_name, i.defect_class, i.next_sample_size, i.next_accept, "
                             "i.next_reject from marts.inspection_switching i join staging.suppliers s "
                             "using (supplier_id)").fetchall()
    expected = {(name, cls): "–" if n is None or a is None or r is None else f"n {n:,} · Ac {a:,} · Re {r:,}"
                for name, cls, n, a, r in plans}
    assert "–" in expected.values() and any(v.startswith("n ") for v in expected.values())
    switching = _csv(downloads["inspection_switching.csv"])
    assert len(switching) == len(expected)
    got = {(name, cls): plan for name, cls, plan in
           zip(switching["supplier_name"], switching["defect_class"].str.lower(), switching["next_plan"])}
    assert got == {(name, cls.lower()): plan for (name, cls), plan in expected.items()}
    # the escape rate's interval as one "low – high" cell, a dash without one
    bounds = demo_con.execute("select s.supplier_name, b.escape_rate_lower, b.escape_rate_upper "
                              "from marts.inspection_blind_spot b join staging.suppliers s using (supplier_id)"
                              ).fetchall()
    intervals = _csv(downloads["inspection_blind_spot.csv"]).set_index("supplier_name")["escape_interval"]
    assert intervals.to_dict() == {name: "–" if lo is None or hi is None else f"{lo * 100:.1f}% – {hi * 100:.1f}%"
                                   for name, lo, hi in bounds}


def test_filters_of_many_suppliers_are_cached_by_every_id(demo_db, monkeypatch):
    monkeypatch.setenv("SUPPLIER_RISK_DB", str(demo_db))
    ids = tuple(queries.supplier_directory()["supplier_id"])
    assert len(ids) > 41
    # two selections that differ in their last id only are two results, not one
    assert len(queries.supplier_kpis(ids[:40])) == 40 and len(queries.supplier_kpis(ids[:41])) == 41
    assert set(queries.supplier_kpis(ids[1:41])["supplier_id"]) == set(ids[1:41])
    assert queries.params_key((("ids", ids[:40]),)) != queries.params_key((("ids", ids[1:41]),))
    # figures and computed tables keyed on the ids tell them apart the same way
    assert components._by_value(ids[:40]) != components._by_value(ids[1:41])
    assert components._by_value(ids[:40]) == components._by_value(tuple(list(ids[:40])))
    assert components._by_value(("a", "b")) == ("a", "b")  # a short choice passes through as it is


def test_a_table_longer_than_its_box_says_how_many_rows_are_in_view(ui, demo_db, demo_con):
    due = demo_con.execute("select count(*) from marts.open_orders where is_balance_due_soon").fetchone()[0]
    at = ui.open(demo_db, "open_orders")
    table = next(d for d in at.dataframe if "why_held" in d.proto.column_order)
    assert due > 12 and table.proto.row_height == 74  # 'Why on hold' on up to three lines
    # the page asks for 12 rows at most; 12 rows of 74 px would be taller than a screen: 875 // 74 = 11
    assert f"11 of {due} rows in view: scroll inside the table for the rest." in ui.texts(at)
    # the checklist per order: one-line rows, 25 in view as the box has always shown
    assert f"25 of {due} rows in view: scroll inside the table for the rest." in ui.texts(at)
    # tables drawn whole say nothing
    assert "rows in view" not in ui.texts(ui.open(demo_db, "trader_vs_factory"))


def test_short_numbers_sit_under_short_headers_so_the_text_beside_them_has_the_room(ui, demo_db):
    """The grid's header is one line and sets its column's width: "Times discontinued" over a one-digit count took
    158 px from the switching stages' Why, whose rows were four lines (94 px) instead of two (65 px); "Passes the plan
    asked for" over a percentage made What to do four lines instead of three (74 px)."""
    at = ui.open(demo_db, "inspections")
    heights = {key: next(d for d in at.dataframe if cols <= set(d.proto.column_order)).proto.row_height
               for key, cols in {"switching": {"times_discontinued", "last_transition_reason"},
                                 "recommended": {"what_to_do", "p_accept_recommended"}}.items()}
    assert heights == {"switching": 65, "recommended": 74}
    assert "13 of 216 rows in view: scroll inside the table for the rest." in ui.texts(at)


def test_a_narrow_screen_leaves_a_date_and_a_priority_to_the_download(ui, demo_db, monkeypatch):
    """A 1280 px window (an 820 px main column): the switching stages leave out the date of the last switch (rows
    114 -> 74 px), the re-audit reasons their priority (the # column gives the order; 174 -> 114 px) and the open
    orders their deposit at risk (the tile above has the total; 194 -> 94 px). In a 1440 px window all are shown."""
    from dashboard import display

    def shown(page: str, table_has: str, column: str) -> tuple[bool, int]:
        at = ui.open(demo_db, page)
        grid = next(d for d in at.dataframe if table_has in d.value.columns)
        return column in grid.proto.column_order, grid.proto.row_height

    assert shown("inspections", "times_discontinued", "last_transition_on") == (True, 65)
    assert shown("reaudit", "trigger", "priority") == (True, 94)
    assert shown("open_orders", "why_held", "deposit_at_risk") == (True, 74)
    assert shown("portfolio", "red_flags", "supplier_type") == (True, 65)
    assert shown("costs", "variance_share", "supplier_type") == (True, 0)
    assert shown("data", "input_dir", "is_shrink_allowed")[0]
    assert shown("inspections", "escape_interval", "mature_passed_lots") == (True, 0)  # one-line rows
    monkeypatch.setattr(display, "page_px", lambda: 820)
    assert shown("open_orders", "why_held", "deposit_at_risk") == (False, 94)
    # the Portfolio: the red flags without the type (94 -> 74 px); the KPIs without the type and the PO count, which
    # ran past the screen's edge with its first column pinned, on one-line rows with no column pinned
    assert shown("portfolio", "red_flags", "supplier_type") == (False, 74)
    at = ui.open(demo_db, "portfolio")
    kpis = next(d for d in at.dataframe if "first_pass_rate" in d.value.columns)
    assert "supplier_type" not in kpis.proto.column_order and "po_count" not in kpis.proto.column_order
    assert kpis.proto.row_height in (0, 35) and "pinned" not in str(kpis.proto.columns)
    # the Inspections page's blind spot without its two lot counts, on screen in one-line rows
    at = ui.open(demo_db, "inspections")
    blind = next(d for d in at.dataframe if "escape_interval" in d.value.columns)
    assert [c for c in ("lots_inspected", "mature_passed_lots") if c in blind.proto.column_order] == []
    assert blind.proto.row_height in (0, 35) and "pinned" not in str(blind.proto.columns)
    assert shown("inspections", "times_discontinued", "last_transition_on") == (False, 74)
    # Open orders' checklist: the order ids on one line, pinned, while the checks scroll sideways (before: the ids
    # wrapped mid-word, "PO-2026-003" over "855", and the documents check ran past the box's edge all the same)
    at = ui.open(demo_db, "open_orders")
    checklist = next(d for d in at.dataframe if "shipping_documents_received" in d.value.columns)
    widths = {c["name"] if "name" in c else k: c for k, c in json.loads(checklist.proto.columns).items()}
    assert widths["po_id"]["width"] == display._natural(checklist.value["po_id"], "Order", "text")
    assert widths["po_id"].get("pinned") is True
    assert shown("reaudit", "trigger", "priority") == (False, 114)
    # Costs: the quote-to-landed variance without the supplier's type, on one-line rows with the name as its link
    # (before: 74 px rows of wrapped names beside the link)
    assert shown("costs", "variance_share", "supplier_type") == (False, 0)
    at = ui.open(demo_db, "costs")
    variance = next(d for d in at.dataframe if "variance_share" in d.value.columns)
    assert "supplier_name" not in variance.proto.column_order and "supplier_link" in variance.proto.column_order
    # Data: the build history leaves whether a shrink was confirmed to the download, so that its folder has the room
    # (before: squeezed, the folder wrapped mid-word; a long test folder filled the box to the pixel)
    assert not shown("data", "input_dir", "is_shrink_allowed")[0]


def test_a_narrow_screen_leaves_the_unverified_duty_rows_sources_to_the_download(ui, demo_db, monkeypatch):
    """Costs' duty rows not confirmed in an official source: at 820 px the source goes to the download, and the notes
    (why a row is not confirmed: what to verify) keep the room: rows 254 -> 134 px, two in view instead of one. In a
    1440 px window both are shown (174 px rows)."""
    from dashboard import display

    def unverified() -> tuple[bool, int]:
        at = ui.open(demo_db, "costs")
        grid = next(d for d in at.dataframe if "notes" in d.value.columns and "shipment_count" in d.value.columns)
        return "source" in grid.proto.column_order, grid.proto.row_height

    assert unverified() == (True, 174)
    monkeypatch.setattr(display, "page_px", lambda: 820)
    assert unverified() == (False, 134)


def test_what_changed_reads_without_the_head_its_columns_say(ui, demo_db, demo_con, monkeypatch):
    """The Supplier page's score changes: each row's What changed is its explanation without "Critical defects:
    +0.3 pts. ", which the Signal and Change columns say (the download keeps it whole). The rows keep their height
    (the grid's rows are as tall as its longest answer: 114 px, 134 at 820 px), but each answer starts with what
    changed."""
    from dashboard import display

    sid = demo_con.execute("select supplier_id from marts.supplier_risk_score order by risk_score desc limit 1"
                           ).fetchone()[0]

    def changes() -> tuple[pd.DataFrame, int]:
        at = ui.open(demo_db, "supplier", query={"supplier": sid})
        grid = next(d for d in at.dataframe if "what_changed" in d.value.columns)
        return grid.value, grid.proto.row_height

    table, height = changes()
    expected = demo_con.execute("select explanation from marts.supplier_score_changes where supplier_id = ?",
                                [sid]).df()["explanation"]
    assert sorted(table["what_changed"]) == sorted(display.sentence(display.score_change_detail(t))
                                                   for t in expected)
    assert all(t.startswith("Now: ") for t in table["what_changed"])
    assert height == 114
    monkeypatch.setattr(display, "page_px", lambda: 820)
    assert changes()[1] == 134


def test_a_narrow_screen_leaves_the_recommended_pass_rates_to_what_to_do(ui, demo_db, monkeypatch):
    """Inspections' recommended levels: What to do says both pass rates ("… 98% of the time; this plan would pass it
    8% of the time"), so at 820 px the new plan's rate goes to the download (the rate now stays: how often a bad lot
    passes today) and the rows are 74 px instead of 114. In a 1440 px window both are shown."""
    from dashboard import display

    def recommended() -> tuple[list[str], int]:
        at = ui.open(demo_db, "inspections")
        grid = next(d for d in at.dataframe if "what_to_do" in d.value.columns)
        return list(grid.proto.column_order), grid.proto.row_height

    assert recommended() == (["supplier_link", "what_to_do", "p_accept_current_plan", "p_accept_recommended"], 74)
    monkeypatch.setattr(display, "page_px", lambda: 820)
    assert recommended() == (["supplier_link", "what_to_do", "p_accept_current_plan"], 74)


def test_a_narrow_screen_keeps_the_chapter_99_check_in_view(ui, demo_db, monkeypatch):
    """Costs' broker entry summaries: the check (what differs and why) had run past the table's edge, behind a
    sideways scroll. Now the fee check goes to the download at 1440 px (the digest and the build log say a fee
    mismatch too), and at 1280 px (an 820 px main column) the chapter 99 numbers declared as well; the check stays,
    before the numbers."""
    from dashboard import display

    def order() -> list[str]:
        at = ui.open(demo_db, "costs")
        return list(next(d for d in at.dataframe if "chapter_99_check" in d.value.columns).proto.column_order)

    base = ["entry_number", "entry_on_summary", "duty_summary", "duty_difference", "duty_status", "chapter_99_check"]
    assert order() == base + ["chapter_99_summary"]
    monkeypatch.setattr(display, "page_px", lambda: 820)
    assert order() == base
