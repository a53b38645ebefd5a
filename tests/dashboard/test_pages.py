"""Pages opened with AppTest on the tiny warehouse and on an absent one, driven by widget key."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard import display, navigation
from helpers import TINY, blank_columns

PAGE_NAMES = list(navigation.BY_KEY)  # every page (dashboard/navigation.py)

# Hand-computed from tests/fixtures/tiny/purchase_orders.csv and payments.csv:
# S1: P1 1000 × 5.00 + P2 1000 × 5.50 + P3 500 × 2.00 = 11,500; S2: P4 2,000 + P5 3,300 + P6 1,100 = 6,400.
# Open deposits: P5 (990) and P6 (330) are paid but have no shipment = 1,320.
TINY_SPEND, S2_SPEND, TINY_DEPOSITS = "$17,900", "$6,400", "$1,320"


@pytest.mark.parametrize("page", PAGE_NAMES)
def test_every_page_on_a_missing_warehouse_shows_an_empty_state(ui, tmp_path, page):
    at = ui.open(tmp_path / "nothing.duckdb", page)
    shown = ui.texts(at)
    if page == "inspections":  # the calculator needs no data
        assert ui.metrics(at)["Sample size (n)"] == "200"
    assert "No warehouse yet" in shown


@pytest.mark.parametrize("page", PAGE_NAMES)
def test_every_page_opens_on_the_tiny_warehouse(ui, tiny_db, page):
    at = ui.open(tiny_db, page)
    assert at.title[0].value
    assert "No warehouse yet" not in ui.texts(at)


@pytest.mark.parametrize("page", PAGE_NAMES)
def test_every_page_with_money_names_the_reporting_currency(ui, tiny_db, page):
    at = ui.open(tiny_db, page)
    assert "amounts in USD, the reporting currency" in ui.texts(at)


@pytest.mark.parametrize("page", PAGE_NAMES)
def test_every_page_on_a_partial_warehouse_names_the_missing_marts(ui, partial_db, page):
    at = ui.open(partial_db, page)
    shown = ui.texts(at)
    if page == "portfolio":  # what the older build has is still shown
        assert ui.metrics(at)["Spend"] == TINY_SPEND and ui.metrics(at)["Margin leakage"] == "–"
        assert "this warehouse has no `marts.supplier_risk_score` table" in shown
    elif page in ("supplier", "open_orders", "trader_vs_factory", "costs", "whatif", "reaudit"):
        assert "this warehouse has no `marts." in shown
    elif page == "inspections":
        assert "this warehouse has no `marts.inspection_blind_spot` table" in shown
    else:
        assert "Freshness per table" in shown


@pytest.mark.parametrize("page", PAGE_NAMES)
def test_every_page_on_a_warehouse_without_rows_shows_an_empty_state(ui, hollow_db, page):
    at = ui.open(hollow_db, page)
    assert "No warehouse yet" not in ui.texts(at)
    if page == "portfolio":
        assert "The warehouse has no suppliers yet." in ui.texts(at)
    if page == "supplier":
        assert "The warehouse has no suppliers." in ui.texts(at)


def test_portfolio_headline_figures_equal_the_hand_computed_totals(ui, tiny_db):
    at = ui.open(tiny_db)
    shown = ui.metrics(at)
    assert shown["Spend"] == TINY_SPEND
    assert shown["Suppliers"] == "3"
    assert shown["Open deposits at risk"] == TINY_DEPOSITS


def test_portfolio_and_supplier_say_how_much_of_the_score_the_data_can_see(ui, tiny_db, demo_db):
    from models import scoring

    with duckdb.connect(str(tiny_db), read_only=True) as con:
        unknown = con.execute("select * from marts.score_unknown_signals").df()
    # the tiny portfolio has none of the playbook's control files and no background-check dates: 3 + 2 + 3 + 1.5 + 1
    assert unknown["max_points"].sum() == 10.5
    said = scoring.coverage_words(unknown, pillar_name=lambda p: {"entity": "who they are",
                                                                   "transaction": "payments"}.get(p, p))
    assert said[0].startswith("On this data the score can see 89.5 of its 100 points (delivery 17.5 of 17.5, ")
    at = ui.open(tiny_db)
    # 10.5 unknown points lower confidence: a warning, under the band counts, in the pillars' page names
    # (beside the warning that the tiny portfolio's data of 2024 is long past: test_a_page_that_counts_to_the_as_of_…)
    assert [ui.plain(w.value) for w in at.warning if not w.value.startswith("These figures are as of")] == \
        [" ".join(said)]
    # the Data page says it in full under the current warehouse, where a founder who just imported looks
    at = ui.open(tiny_db, "data")
    assert [ui.plain(w.value) for w in at.warning if "can see" in w.value] == [" ".join(said)]
    at = ui.open(tiny_db, "supplier", query={"supplier": "S1"})
    assert said[0] in ui.texts(at) + "\n".join(ui.plain(w.value) for w in at.warning)
    assert said[1] not in "\n".join(ui.plain(w.value) for w in at.warning)  # the page says the first sentence only
    # the demo carries every file and field: nothing to say
    at = ui.open(demo_db)
    assert not any("can see" in ui.plain(w.value) for w in list(at.warning) + list(at.info))


def test_red_flags_the_data_cannot_raise_are_said_not_checked(ui, tiny_db, demo_db):
    """The tiny portfolio has no bank-accounts file: the unverified-bank-account flag cannot fire, so no flag there is
    'not checked', not a clean bill of health; the demo carries every file."""
    unchecked = ("1 of the 7 red-flag checks cannot be made on this data (new or offshore bank account not verified). "
                 "The note on what the score can see, above, says which files or columns would allow them.")
    at = ui.open(tiny_db)
    shown = next(f for f in ui.frames(at) if "red_flags" in f.columns)
    assert (list(shown["supplier_id"]), list(shown["red_flags"])) == (["S2"], ["Suspected subcontracting"])
    assert f"Not checked: {unchecked}" in ui.texts(at)
    # the manufacturers have no red flag: said with what could not be checked, as a note, not a success
    at = ui.open(tiny_db, query={"type": "manufacturer"})
    assert [ui.plain(i.value) for i in at.info if "red flag" in i.value] == [
        f"No supplier in this selection has a red flag on what this data shows, but {unchecked}"]
    assert not any("red flag" in s.value for s in at.success)
    # every check can be made on the demo: its low band has no red flag, a plain success
    at = ui.open(demo_db, query={"band": "low"})
    assert [s.value for s in at.success] == ["No supplier in this selection has a red flag."]
    assert "Not checked" not in ui.texts(at)


def test_filters_narrow_every_figure_and_live_in_the_url(ui, tiny_db):
    at = ui.open(tiny_db)
    at.multiselect(key="f_type").set_value(["trading_company"]).run()
    assert ui.metrics(at)["Spend"] == S2_SPEND
    assert ui.metrics(at)["Suppliers"] == "1"
    assert at.query_params["type"] == ["trading_company"] or at.query_params["type"] == "trading_company"
    # the filter survives a page switch and still applies there
    at.switch_page(ui.pages["inspections"]).run()
    assert at.multiselect(key="f_type").value == ["trading_company"]
    at.switch_page(ui.pages["portfolio"]).run()
    assert ui.metrics(at)["Spend"] == S2_SPEND
    at.multiselect(key="f_type").set_value([]).run()
    assert ui.metrics(at)["Spend"] == TINY_SPEND
    assert "type" not in at.query_params


def test_a_shared_url_seeds_the_filters(ui, tiny_db):
    at = ui.open(tiny_db, query={"category": "home_lighting"})
    assert at.multiselect(key="f_category").value == ["home_lighting"]
    assert ui.metrics(at)["Spend"] == "$11,500"  # only S1 sells home_lighting
    at = ui.open(tiny_db, query={"country": "VN"})
    assert ui.metrics(at)["Suppliers"] == "1" and ui.metrics(at)["Spend"] == "$0"


def test_a_url_value_the_warehouse_does_not_have_is_ignored(ui, tiny_db):
    at = ui.open(tiny_db, query={"country": "ZZ"})
    assert at.multiselect(key="f_country").value == []
    assert ui.metrics(at)["Spend"] == TINY_SPEND


def test_inspections_page_gives_its_answers_before_the_calculator(ui, tiny_db):
    """A founder reads what escaped and what to ask for next first; the calculator, a tool to try a plan, is last."""
    heads = [h.value for h in ui.open(tiny_db, "inspections").main.subheader]  # not the sidebar's
    assert heads[0] == "Escapes: lots that passed inspection but failed in the field"
    assert heads[-1].startswith("Sampling-plan calculator")


def test_calculator_worked_example_and_inputs(ui, tmp_path):
    at = ui.open(tmp_path / "none.duckdb", "inspections")
    shown = ui.metrics(at)
    # docs/inspection.md §4: lot 10,000, level II, AQL 2.5, normal → L, n 200, Ac 10, Re 11; P(accept | 5 %) 0.583067
    assert (shown["Code letter"], shown["Sample size (n)"], shown["Accept (Ac)"], shown["Reject (Re)"]) == \
        ("L", "200", "10", "11")
    assert shown["P(pass) at 5%"] == "58.3%"
    at.selectbox(key="calc_stage").set_value("tightened").run()
    assert ui.metrics(at)["Accept (Ac)"] == "8"  # II-B row L, AQL 2.5: Ac 8 Re 9, P(accept | 5 %) = 0.327
    assert ui.metrics(at)["P(pass) at 5%"] == "32.7%"
    at.selectbox(key="calc_stage").set_value("normal").run()
    # lot 500 at AQL 0.65 is a down arrow in Table II-A: plan of letter J, n = 80, Ac 1, Re 2
    at.number_input(key="calc_lot_size").set_value(500)
    at.selectbox(key="calc_aql").set_value(0.65).run()
    shown = ui.metrics(at)
    assert (shown["Code letter"], shown["Sample size (n)"], shown["Accept (Ac)"], shown["Reject (Re)"]) == \
        ("J", "80", "1", "2")
    # P(0 or 1 defective in 80 | 2 %) = 0.98^80 + 80 · 0.02 · 0.98^79, computed here independently
    at.number_input(key="calc_defect_rate").set_value(2.0).run()
    expected = 0.98 ** 80 + 80 * 0.02 * 0.98 ** 79
    assert ui.metrics(at)["P(pass) at 2%"] == f"{expected * 100:.1f}%"
    at.selectbox(key="calc_level").set_value("S-1").run()
    assert ui.metrics(at)["Sample size (n)"] != "80"


def test_data_page_shows_freshness_and_load_log(ui, tiny_db):
    at = ui.open(tiny_db, "data")
    fresh = next(f for f in ui.frames(at) if "latest_on" in f.columns)
    latest = dict(zip(fresh["table_name"], fresh["latest_on"].astype(str)))  # tables named in words
    assert latest["Purchase orders"].startswith("2024-06-20")
    assert latest["Payments"].startswith("2024-06-21")
    earliest = dict(zip(fresh["table_name"], fresh["earliest_on"]))  # where each feed starts
    assert (str(earliest["Sales"])[:10], str(earliest["Returns"])[:10]) == ("2024-03-01", "2024-03-25")
    assert pd.isna(earliest["Products"])
    counts = dict(zip(fresh["table_name"], fresh["row_count"]))
    assert counts["Purchase orders"] == 6 and counts["Suppliers"] == 3
    # how far each table lags the analysis date, in whole days (a table with no date has none, not "123.00")
    as_of = max(fresh["latest_on"].dropna())
    lag = dict(zip(fresh["table_name"], fresh["days_before_as_of"]))
    assert lag["Purchase orders"] == (as_of - fresh.set_index("table_name").loc["Purchase orders", "latest_on"]).days
    assert ui.column_config(at, "days_before_as_of")["type_config"]["format"] == "%,d"
    assert "Rows rejected by the last build: 0" in ui.texts(at)
    assert "Warnings of the last build's data checks: 0" in ui.texts(at)  # the tiny portfolio warns of nothing
    assert "The last build rejected 0 rows and kept 0 rows worth a look: listed at the end of this page." in \
        ui.texts(at)
    assert set(fresh["in_import"]) == {"file imported"}  # the tiny portfolio has a file for each


def test_data_page_lists_the_last_builds_check_warnings_in_words(ui, tiny_dir, tmp_path, built, downloads):
    """A shipment typed before its order (H2, 2024-02-20; P2 ordered 2024-03-01): the build warns and keeps the row;
    the Data page lists the warning with the current warehouse, what the check looks for in words, the row's file
    and line, and the check's code in the download only."""
    path = tiny_dir / "shipments.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("H2,P2,sea,2024-04-10", "H2,P2,sea,2024-02-20", 1),
                    encoding="utf-8")
    at = ui.open(built(tiny_dir, tmp_path / "w.duckdb"), "data")
    assert "Warnings of the last build's data checks: 1" in ui.texts(at)
    # said at a glance under the current warehouse, at the top
    assert "The last build rejected 0 rows and kept 1 row worth a look: listed at the end of this page." in \
        ui.texts(at)
    shown = next(f for f in ui.frames(at) if "examples" in f.columns)
    assert shown["rows"].tolist() == [1]
    drawn = next(d for d in at.dataframe if "examples" in d.proto.column_order)
    assert list(drawn.proto.column_order) == ["description", "rows", "examples"]  # the code only in the download
    assert shown["examples"].iloc[0] == ("shipments.csv:3: shipment H2 shipped on 2024-02-20, before its order P2 "
                                        "was placed on 2024-03-01")
    assert shown["description"].iloc[0].startswith("Shipments and inspections dated before their purchase order")
    got = pd.read_csv(io.BytesIO(downloads["last_build_warnings.csv"]), dtype=str)
    assert got["check_name"].tolist() == ["dates_before_their_order"]
    # every warned row, under an expander, the check named in words and its code in the download
    assert "Every row the checks warned of: 1" in [e.label for e in at.expander]
    every = next(f for f in ui.frames(at) if "row_key" in f.columns)
    assert every[["check", "row_key", "problem"]].values.tolist() == [[
        "Dated before its order", "shipments.csv:3",
        "Shipment H2 shipped on 2024-02-20, before its order P2 was placed on 2024-03-01"]]
    rows = pd.read_csv(io.BytesIO(downloads["last_build_warned_rows.csv"]), dtype=str)
    assert rows[["check_name", "row_key"]].values.tolist() == [["dates_before_their_order", "shipments.csv:3"]]
    # and the problem exactly as the check gives it: what reviewed_warnings.csv names, by hand
    assert rows["problem_exact"].tolist() == ["shipment H2 shipped on 2024-02-20, before its order P2 was placed on "
                                              "2024-03-01"]


def test_an_admin_marks_a_warned_row_reviewed_and_takes_it_back_from_the_data_page(ui, tiny_dir, tmp_path, built,
                                                                                   downloads):
    """H2 shipped and I2 inspected before their order P2: two rows worth a look. Ticking H2 reviewed with a note
    rebuilds the warehouse from a private copy of its input with reviewed_warnings.csv: the page says 1 row worth a
    look and 1 marked reviewed, the row shows who reviewed it and why, and the warehouse holds the review with the
    visitor's name. Taking the review back makes it 2 worth a look again. A nightly build from the founder's own
    folder afterwards keeps the reviews made on the page."""
    for name, old, new in [("shipments.csv", "H2,P2,sea,2024-04-10", "H2,P2,sea,2024-02-20"),
                           ("inspections.csv", "I2,P2,PSI,2024-04-05", "I2,P2,PSI,2024-02-25")]:
        path = tiny_dir / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    db = built(tiny_dir, tmp_path / "w.duckdb")
    at = ui.open(db, "data")
    assert "The last build rejected 0 rows and kept 2 rows worth a look: listed at the end of this page." in \
        ui.texts(at)
    # each row as the check, its file and line and the problem in words; picked by its place in the list
    h2 = ("Dated before its order · shipments.csv:3: Shipment H2 shipped on 2024-02-20, before its order P2 was "
          "placed on 2024-03-01")
    mark = at.multiselect(key="data_review_mark")
    assert mark.options == ["Dated before its order · inspections.csv:3: Inspection I2 (PSI) on 2024-02-25, before "
                            "its order P2 was placed on 2024-03-01", h2]
    mark.set_value([1])
    at.text_input(key="data_review_note").input("Order raised after shipping: agreed")
    at.button(key="data_review_save").click().run()
    assert not at.exception
    texts = ui.texts(at)
    assert "1 row marked reviewed; the warehouse was rebuilt with 1 review in reviewed_warnings.csv." in \
        [ui.plain(s.value) for s in at.success]
    assert "The last build rejected 0 rows and kept 1 row worth a look and 1 marked reviewed: listed at the end of " \
           "this page." in texts
    assert "Every row the checks warned of: 2, 1 marked reviewed" in [e.label for e in at.expander]
    every = next(f for f in ui.frames(at) if "row_key" in f.columns)
    reviewed_by = dict(zip(every["row_key"], every["review"]))
    assert pd.isna(reviewed_by["inspections.csv:3"])
    with duckdb.connect(str(db), read_only=True) as con:
        kept = con.execute("select check_name, problem, reviewed_on, reviewed_by, note "
                           "from raw.reviewed_warnings").fetchall()
        input_dir = Path(con.execute("select input_dir from ingest.build_info").fetchone()[0])
    assert [(c, p, b, n) for c, p, _, b, n in kept] == [(
        "dates_before_their_order", "shipment H2 shipped on 2024-02-20, before its order P2 was placed on 2024-03-01",
        "local user", "Order raised after shipping: agreed")]
    assert reviewed_by["shipments.csv:3"] == f"{kept[0][2]:%Y-%m-%d}, local user: Order raised after " \
                                             "shipping: agreed"
    assert (input_dir / "reviewed_warnings.csv").is_file() and not (tiny_dir / "reviewed_warnings.csv").exists()
    # take it back
    back = at.multiselect(key="data_review_back")
    assert back.options == [h2]
    back.set_value([1])
    at.button(key="data_review_save").click().run()
    assert not at.exception
    assert "The last build rejected 0 rows and kept 2 rows worth a look: listed at the end of this page." in \
        ui.texts(at)
    # a whole check found right: both rows, with no row picked
    whole = at.multiselect(key="data_review_whole")
    assert whole.options == ["Dated before its order (2 rows)"]
    whole.set_value(["dates_before_their_order"])
    at.button(key="data_review_save").click().run()
    assert "2 rows marked reviewed; the warehouse was rebuilt with 2 reviews in reviewed_warnings.csv." in \
        [ui.plain(s.value) for s in at.success]
    assert "The last build rejected 0 rows and kept 0 rows worth a look and 2 marked reviewed: listed at the end of " \
           "this page." in ui.texts(at)
    # the reviews in the import format, to keep with the files a nightly build reads
    got = pd.read_csv(io.BytesIO(downloads["reviewed_warnings.csv"]), dtype=str)
    assert got.columns.tolist() == ["check_name", "problem", "reviewed_on", "reviewed_by", "note"]
    assert got["problem"].str.startswith(("inspection I2 (PSI) on 2024-02-25", "shipment H2 shipped")).all()
    assert len(got) == 2 and (got["reviewed_by"] == "local user").all()
    # the nightly build from the founder's own folder (no reviews file there) keeps the page's reviews, and says so
    from pipelines.build import build
    build(tiny_dir, db, log=lambda _: None)
    at = ui.open(db, "data")
    texts = ui.texts(at)
    assert "The last build rejected 0 rows and kept 0 rows worth a look and 2 marked reviewed: listed at the end of " \
           "this page." in texts
    assert "Notice (Reviewed warnings): no reviewed_warnings file in the input folder: kept the 2 reviews of the " \
           "warehouse it replaces (made on the Data page or by supplier-risk review); a reviewed_warnings.csv in the " \
           "folder replaces them, one with its header only takes them all back" in texts


def test_data_page_load_log_counts_in_one_line_rows_and_its_notices_in_full_below(ui, tiny_db, tiny_con, downloads):
    at = ui.open(tiny_db, "data")
    log = next(f for f in ui.frames(at) if "rows_loaded" in f.columns and "encoding" in f.columns)
    # a notice in a column made every row of the table as tall as the longest (154 px, 12 of 15 empty)
    assert "notices" not in next(d for d in at.dataframe if "encoding" in d.proto.column_order).proto.column_order
    assert next(d for d in at.dataframe if "encoding" in d.proto.column_order).proto.row_height in (0, 35)
    expected = [(t, n) for t, n in tiny_con.execute("select table_name, notices from ingest.load_log "
                                                     "order by table_name").fetchall() if n]
    assert len(expected) == 5 and len(log) == 16  # reviewed_warnings without a file: no notice, the usual case
    texts = ui.texts(at)
    for table_name, notice in expected:  # each in full, named by its table in words
        assert f"Notice ({display.words(table_name, 'table_name')}): {notice}" in texts
    assert "Notice (Purchase orders): purchase_orders.csv: optional columns agreed_aql_major, balance_due_on not in " \
           "the file, left empty" in texts
    every = pd.read_csv(io.BytesIO(downloads["load_log.csv"]), dtype=str, keep_default_na=False)
    assert dict(zip(every["table_name"], every["notices"])) == {  # the download keeps them beside the counts
        display.words(t, "table_name"): n for t, n in tiny_con.execute(
            "select table_name, notices from ingest.load_log").fetchall()}


def test_data_page_says_a_table_without_a_file_is_unknown_not_empty(ui, tiny_dir, tmp_path, built):
    (tiny_dir / "quality_costs.csv").unlink()
    db = tmp_path / "noquality.duckdb"
    built(tiny_dir, db)
    fresh = next(f for f in ui.frames(ui.open(db, "data")) if "latest_on" in f.columns).set_index("table_name")
    assert fresh.loc["Quality costs", "in_import"] == "no file: unknown, not empty"
    assert fresh.loc["Quality costs", "row_count"] == 0
    assert (fresh.drop("Quality costs")["in_import"] == "file imported").all()


def test_portfolio_kpis_say_quality_costs_are_unknown_without_their_file(ui, tiny_dir, tmp_path, built, tiny_db,
                                                                        tiny_con):
    """The KPI table's quality costs: the mart's sum per supplier on the tiny import (S1's costs by SQL, S3 none: $0);
    built without quality_costs.csv no cost is known, so every supplier's is blank, not $0, and the help says why."""
    def kpis(db):
        at = ui.open(db)
        frame = next(f for f in ui.frames(at) if "quality_cost_total" in f.columns).set_index("supplier_id")
        return frame["quality_cost_total"], ui.column_config(at, "quality_cost_total")["help"]

    costs, help_ = kpis(tiny_db)
    by_sql = dict(tiny_con.execute("select supplier_id, sum(amount) from marts.quality_costs group by all").fetchall())
    assert by_sql and costs.to_dict() == {s: by_sql.get(s, 0.0) for s in costs.index}
    assert "Unknown" not in help_
    (tiny_dir / "quality_costs.csv").unlink()
    built(tiny_dir, tmp_path / "noquality.duckdb")
    costs, help_ = kpis(tmp_path / "noquality.duckdb")
    assert len(costs) == 3 and costs.isna().all()
    assert help_.endswith("Unknown: no quality costs file was imported.")


def _bad_files() -> list[tuple[str, bytes, str]]:
    suppliers = (TINY / "suppliers.csv").read_bytes() + b"S4,Bad Co,wholesaler,CN,,,,,,,,,,,,,,,,\n"
    orders = (TINY / "purchase_orders.csv").read_bytes() + b"P7,S1,A1,2024-13-01,10,1.0,USD,FOB,,,,\n"
    return [("suppliers.csv", suppliers, "text/csv"), ("purchase_orders.csv", orders, "text/csv")]


def test_upload_with_bad_rows_lists_each_rejection_with_line_and_reason(ui, tiny_db):
    at = ui.open(tiny_db, "data")
    at.file_uploader(key="data_upload").set_value(_bad_files()).run()
    assert not at.exception
    # the tables not uploaded are kept from the current warehouse's input folder (the tiny fixture)
    assert at.checkbox(key="data_keep_others").value is True
    assert "Kept from the current input: Products, Payments, Inspections" in ui.texts(at)
    shown = ui.metrics(at)
    assert shown["Rows rejected"] == "2"
    assert shown["Rows read"] == "39"  # 4 + 7 uploaded rows, 28 kept rows of the other seven tables
    rejected = next(f for f in ui.frames(at) if "reason" in f.columns)
    rows = {(r.table, r.line, r.column): r.reason for r in rejected.itertuples()}
    assert rows == {
        ("suppliers", 5, "supplier_type"): "Not one of manufacturer, trading_company: 'wholesaler'",
        ("purchase_orders", 8, "ordered_on"): "Not a date in YYYY-MM-DD form: '2024-13-01'",
    }
    # without the other tables every order is an orphan of the (absent) products table: 1 supplier + 7 orders
    at.checkbox(key="data_keep_others").uncheck().run()
    assert ui.metrics(at)["Rows rejected"] == "8"


def test_folder_validation_and_rebuild_publish_a_new_warehouse(ui, tmp_path, tiny_dir):
    db = tmp_path / "live.duckdb"
    at = ui.open(db, "data")
    at.radio(key="data_source").set_value("Folder on this machine").run()
    at.text_input(key="data_folder").input(str(tiny_dir)).run()
    assert ui.metrics(at)["Rows to load"] == "37"
    assert ui.metrics(at)["Rows rejected"] == "0"
    at.button(key="data_rebuild").click().run()
    assert not at.exception
    assert db.exists()
    assert any("Warehouse rebuilt as of 2024-06-21" in s.value for s in at.success)
    # the new warehouse is read at once (caches keyed on the file version)
    at.switch_page(ui.pages["portfolio"]).run()
    assert ui.metrics(at)["Spend"] == TINY_SPEND


def test_a_folder_with_a_broken_file_is_refused_with_the_file_named(ui, tmp_path, tiny_dir):
    (tiny_dir / "suppliers.csv").write_text("supplier_id,supplier_name\nS1,x\n", encoding="utf-8")
    at = ui.open(tmp_path / "none.duckdb", "data")
    at.radio(key="data_source").set_value("Folder on this machine").run()
    at.text_input(key="data_folder").input(str(tiny_dir)).run()
    message = ui.plain(at.error[0].value)
    assert "cannot be imported" in message and "suppliers.csv" in message


def test_router_lists_every_page(ui):
    """app.py builds its navigation from dashboard/navigation.py, which lists every page script there is, once."""
    root = Path(__file__).resolve().parents[2]
    assert "for p in PAGES" in root.joinpath("app.py").read_text(encoding="utf-8")
    scripts = [p.script for p in navigation.PAGES]
    assert len(set(scripts)) == len(scripts) and sum(p.default for p in navigation.PAGES) == 1
    assert set(scripts) == {str(f.relative_to(root)) for f in (root / "dashboard" / "pages").glob("*.py")
                            if f.name != "__init__.py"}
    assert set(ui.pages.values()) == set(scripts)


def test_supplier_page_follows_the_url_and_shows_its_evidence(ui, tiny_db):
    at = ui.open(tiny_db, "supplier", query={"supplier": "S1"})
    assert at.selectbox(key="supplier").value == "S1"
    assert ui.metrics(at)["Spend"] == "$11,500"
    # S1 is verified and a Gold supplier in the fixture; S2 is verified only
    assert any("· Verified · Gold" in c.value for c in at.caption)
    at.toggle(key="supplier_timeline_show").set_value(True).run()  # the events as a table, asked for
    timeline = next(f for f in ui.frames(at) if "event_on" in f.columns)
    # S1 in the fixture: 3 orders, 4 payments, 3 inspections, 4 shipments, 4 deliveries, 3 returns of A1/A2
    assert timeline["event"].value_counts().to_dict() == {
        "Payment": 4, "Shipment": 4, "Delivery": 4, "Order": 3, "Inspection": 3, "Return": 3}
    entities = next(f for f in ui.frames(at) if "name_check" in f.columns)
    assert set(entities["name"]) == {"Ningbo Alpha Store", "Ningbo Alpha Co., Ltd."}
    pi = entities[entities["source"] == "Seller on proforma invoice"].iloc[0]
    assert pi["documents"] == 3 and pi["amount"] == 11500
    # choosing another supplier updates the figures and the URL
    at.selectbox(key="supplier").set_value("S2").run()
    assert ui.metrics(at)["Spend"] == S2_SPEND
    badges = next(c.value for c in at.caption if "on Alibaba" in c.value)
    assert "· Verified" in badges and "Gold" not in badges
    assert at.query_params["supplier"] in ("S2", ["S2"])


def test_without_a_payments_file_deposits_and_balances_are_unknown_not_zero(ui, tiny_dir, tmp_path, built):
    (tiny_dir / "payments.csv").unlink()  # a broker's export: orders and shipments, no payments
    db = tmp_path / "nopay.duckdb"
    built(tiny_dir, db)
    with duckdb.connect(str(db), read_only=True) as con:
        open_rows = con.execute("select po_id, verdict, balance_outstanding, paid_amount, not_checked "
                                "from marts.open_orders order by po_id").fetchall()
        unshipped = con.execute("select po_id from marts.po_status where not is_shipped_in_full and ordered_on <= "
                                "(select as_of from ingest.build_info) order by po_id").fetchall()
    # only the orders not shipped in full wait for a decision, with nothing said about what was paid
    assert [r[0] for r in open_rows] == [r[0] for r in unshipped] and open_rows
    assert all(r[2] is None and r[3] is None and r[4].endswith("the balance is unknown") for r in open_rows)
    at = ui.open(db)
    assert ui.metrics(at)["Open deposits at risk"] == "–"
    at = ui.open(db, "open_orders")
    shown = ui.metrics(at)
    assert shown["Deposits at risk"] == "–" and shown["Balances due in 7 days"] == "–"
    holds = sum(r[1] == "hold" for r in open_rows)
    assert shown["Balances on hold"] == f"{holds} of {len(open_rows)} orders"
    # the weekly digest says the balances are not known rather than "No balance is due."
    from dashboard import db as dashboard_db, digest

    con = dashboard_db.connect(db)
    try:
        week = digest.build(dashboard_db.runner(con), 7)
    finally:
        con.close()
    orders = next(s for s in week.sections if s.key == "orders")
    assert not orders.rows and orders.empty == ("Not known: no payments file was imported, so no balance is known "
                                                "to be due.")
    # a file never imported is not 'stale data' every week (the coverage notice says it is missing); the tables
    # imported are still judged
    stale = [r[0] for r in next(s for s in week.sections if s.key == "stale").rows]
    assert "Payments" not in stale and stale


def test_trader_vs_factory_says_when_the_brand_buys_from_one_type_only(ui, tiny_dir, tmp_path, built, tiny_db):
    """Every supplier a manufacturer: said once up front, with what to change, and as each measure's verdict
    (it read 'Too few suppliers (n<3)' beside a dash, as if a few more would do)."""
    path = tiny_dir / "suppliers.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",trading_company,", ",manufacturer,"), encoding="utf-8")
    db = tmp_path / "makers.duckdb"
    built(tiny_dir, db)
    at = ui.open(db, "trader_vs_factory")
    assert ("No trading company in this data to compare the manufacturers with: the figures below are the "
            "manufacturers' alone. If some suppliers resell goods made elsewhere, say so in the suppliers file's "
            "supplier_type column (trading_company; docs/data-contract.md) and rebuild.") in [i.value for i in at.info]
    side = next(f for f in ui.frames(at) if "Verdict" in f.columns)
    assert set(side["Verdict"]) <= {"No trading company in this data",
                                    "No supplier has this measure in this data and period"}
    assert "No trading company in this data" in set(side["Verdict"])
    # a brand with both types is not told so
    assert not any(i.value.startswith("No trading company") for i in ui.open(tiny_db, "trader_vs_factory").info)


def test_trader_vs_factory_says_a_measure_has_no_data_instead_of_drawing_empty_axes(ui, tiny_dir, tmp_path, built):
    (tiny_dir / "sales.csv").unlink()  # no marketplace sales: nothing per unit sold can be measured
    db = tmp_path / "nosales.duckdb"
    built(tiny_dir, db)
    at = ui.open(db, "trader_vs_factory")
    layout = ui.chart(at, "tvf_chart")["layout"]
    # the panels, in order (the title's first line; its unit is on the second)
    titles = [a["text"].split("<br>")[0] for a in layout["annotations"] if a.get("yref") == "paper"]
    said = {a["xref"] for a in layout["annotations"] if a.get("text", "").startswith("No supplier has this measure")}
    hidden = [t for i, t in enumerate(titles) if layout["yaxis" + ("" if i == 0 else str(i + 1))].get("visible") is
              False and f"x{i + 1 if i else ''} domain" in said]
    # the three measures per unit sold have nothing to show without sales; delivery and landed cost still do
    assert sorted(hidden) == ["Defect returns per unit sold", "Margin leakage per unit sold", "Realised margin"]
    assert len(said) == 3 and "On-time shipment rate" in titles
    # an axis of whole percents a few points wide gets a decimal, so no two ticks read the same
    with duckdb.connect(str(db), read_only=True) as con:
        low, high = con.execute("select min(ci_low), max(ci_high) from marts.type_comparison where category = 'all' "
                                "and metric = 'on_time_rate' and supplier_type <> 'trader_minus_factory'").fetchone()
    on_time = layout["yaxis" + ("" if titles.index("On-time shipment rate") == 0 else
                                str(titles.index("On-time shipment rate") + 1))]
    assert on_time["tickformat"] == (".1%" if high - low < 0.05 else ".0%")
    # the side-by-side table says it once per measure, not "– (– – –)" in each cell and "--" as the difference
    side = next(f for f in ui.frames(at) if "Verdict" in f.columns).set_index("metric")
    none = ["Defect returns per unit sold", "Margin leakage per unit sold", "Realised margin"]
    assert (side.loc[none, "Verdict"] == "No supplier has this measure in this data and period").all()
    assert side.loc[none, ["Manufacturer", "Trading company", "Trader − factory"]].isna().all().all()
    assert side.loc["On-time shipment rate", "Verdict"] != "No supplier has this measure in this data and period"
    # by category, only the measures some supplier has are offered: the chart opens on one that draws
    offered = list(at.selectbox(key="tvf_metric").options)  # as shown, in words
    assert offered and not set(offered) & set(none)
    assert "No supplier has this measure" not in ui.texts(at)


def test_a_section_whose_file_was_not_imported_says_so(ui, tiny_dir, tmp_path, built):
    """Without an inspections or a sales file the sections made from them say which file to bring in, not that a
    mart 'has no matching rows'; a file imported whose rows the selection filters out keeps the filter's note."""
    (tiny_dir / "sales.csv").unlink()
    (tiny_dir / "inspections.csv").unlink()
    db = tmp_path / "noinspections.duckdb"
    built(tiny_dir, db)
    said = {page: "\n".join(ui.plain(i.value) for i in ui.open(db, page, query=q).info)
            for page, q in (("inspections", None), ("supplier", {"supplier": "S1"}))}
    import_it = "Bring it in on the Data page (docs/importers.md lists the exports read as they are)."
    assert f"No escape rates: no inspections file was imported. {import_it}" in said["inspections"]
    assert f"No switching stages: no inspections file was imported. {import_it}" in said["inspections"]
    assert f"No inspected lots: no inspections file was imported. {import_it}" in said["supplier"]
    assert "has no matching rows" not in "".join(said.values())
    # without sales the planned contribution is unknown, not $0; the leakage that needs no sale (quality costs) stays
    costs = ui.open(db, "costs")
    tiles = {m.label: m for m in costs.metric}
    assert tiles["Planned contribution"].value == "–"
    assert tiles["Planned contribution"].help.endswith("Unknown: no sales file was imported.")
    assert tiles["Margin leakage"].value != "–" and "only the costs that need no sale count" in tiles["Margin leakage"].help
    portfolio = next(m for m in ui.open(db).metric if m.label == "Margin leakage")
    assert portfolio.value == tiles["Margin leakage"].value and "only the costs that need no sale" in portfolio.help
    # with no quality costs or returns either, nothing leaks without a sale: the waterfall says which file to bring
    (tiny_dir / "quality_costs.csv").unlink()
    (tiny_dir / "returns.csv").unlink()
    built(tiny_dir, tmp_path / "nosales.duckdb")
    costs = ui.open(tmp_path / "nosales.duckdb", "costs")
    assert f"No leakage waterfall: no sales file was imported. {import_it}" in [ui.plain(i.value) for i in costs.info]
    assert ui.metrics(costs)["Landed cost"] != "–"  # the landed cost needs no sale


def test_costs_breakdown_says_beside_each_bar_what_it_cannot_count(ui, tiny_dir, tmp_path, built, tiny_db):
    """Tiny without its inspections file and without A1's HS code (shipments H1-H3 carry A1, with no duty paid): the
    Duty bar says on how many shipments it is unknown, the Inspections bar that no file was imported; on the whole
    tiny every bar is its amount and share alone."""
    import duckdb

    from dashboard.display import money

    def bars(db):
        at = ui.open(db, "costs")
        return dict(zip(*(ui.chart(at, "costs_breakdown_chart")["data"][0][k] for k in ("y", "text"))))

    whole = bars(tiny_db)
    assert not any(";" in t for t in whole.values())  # nothing unknown: amount and share alone
    con = duckdb.connect(str(tiny_db), read_only=True)
    try:  # the bars are the landed orders' components, shares of their landed total
        duty, total = con.execute("select sum(duty), sum(landed_total) from marts.landed_cost_po where is_landed"
                                  ).fetchone()
    finally:
        con.close()
    assert whole["Duty"] == f"{money(duty)} ({duty / total:.1%})"
    (tiny_dir / "inspections.csv").unlink()
    products = pd.read_csv(tiny_dir / "products.csv", dtype=str, keep_default_na=False)
    products.loc[products["sku"] == "A1", "hs_code"] = ""
    products.to_csv(tiny_dir / "products.csv", index=False)
    db = built(tiny_dir, tmp_path / "unknowns.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    try:
        unknown, shipments = con.execute(
            "select count(*) filter (where duty_source = 'unknown'), count(*) from marts.landed_cost_shipment").fetchone()
    finally:
        con.close()
    assert unknown >= 1
    shown = bars(db)
    # the note on its own line under the amount, so that it stays inside a half-width chart
    assert shown["Duty"].endswith(f";<br>unknown on {unknown:,} of {shipments:,} shipments")
    assert shown["Inspections"] == "$0 (0.0%);<br>unknown: no inspections file"


def test_with_every_order_shipped_the_bubbles_are_one_small_size_and_the_title_says_why(ui, tiny_dir, tmp_path, built):
    """Every order has shipped (a delivery history, as SCMS's): no supplier has open exposure, so no bubble is sized
    by it; they were each drawn the largest size (exposure 0 + 1 everywhere is the maximum), on top of each other."""
    import base64

    import numpy as np

    shipments = tiny_dir / "shipments.csv"
    shipments.write_text(shipments.read_text(encoding="utf-8")
                         + "H6,P5,sea,2024-06-05,2024-06-14,2024-06-15,300,150,6,,90,0,0\n"
                         + "H7,P6,air,2024-06-21,2024-06-24,,100,90,2,,40,0,0\n", encoding="utf-8")
    at = ui.open(built(tiny_dir, tmp_path / "shipped.duckdb"))
    assert not at.exception
    chart = ui.chart(at, "portfolio_matrix_chart")
    assert chart["layout"]["title"]["text"].startswith(
        "Risk score against spend (no open exposure: every order has shipped)")
    markers = [t["marker"] for t in chart["data"]]
    sizes = {float(v) for m in markers for v in np.frombuffer(base64.b64decode(m["size"]["bdata"]),
                                                                  dtype=m["size"]["dtype"])}
    assert sizes == {1.0}
    # size_max BUBBLE_PX // 3 (13), as without shipments, not 40
    assert [m["sizeref"] for m in markers] == [pytest.approx(1.0 / 13 ** 2)] * len(markers)


def test_without_shipments_deposits_and_open_exposure_are_unknown(ui, tiny_dir, tmp_path, built):
    """No shipments file: no order is known to have shipped nothing, so the deposits at risk read '–' with why (they
    read $0 summed over unknowns, and every payment counted as a deposit before), and the bubbles are one size."""
    (tiny_dir / "shipments.csv").unlink()
    db = tmp_path / "noshipments.duckdb"
    built(tiny_dir, db)
    at = ui.open(db)
    tile = next(m for m in at.metric if m.label == "Open deposits at risk")
    assert tile.value == "–"
    assert tile.help.endswith("Unknown: no shipments file was imported, so no order is known to have shipped nothing.")
    layout = ui.chart(at, "portfolio_matrix_chart")["layout"]
    assert layout["title"]["text"].startswith(
        "Risk score against spend (open exposure unknown: no shipments file was imported)")
    # nothing has landed without shipments: the Costs page says which file would land them
    costs = [ui.plain(i.value) for i in ui.open(db, "costs").info]
    assert costs.count("No landed purchase orders: no shipments file was imported. Bring it in on the Data page "
                       "(docs/importers.md lists the exports read as they are).") == 2  # breakdown and by supplier
    # Open orders (the recent unpaid ones): none is known to be late to ship, so neither the tile nor the view says 0
    orders = ui.open(db, "open_orders")
    assert next(m for m in orders.metric if m.label == "Open orders").delta in (None, "")
    orders.segmented_control(key="open_orders_view").set_value("late").run()
    assert "Not known: no shipments file was imported, so no order is known to be unshipped." in \
        [ui.plain(i.value) for i in orders.info]
    from dashboard import db as dbm
    from dashboard import digest

    con = dbm.connect(db)
    try:  # the weekly digest says the same
        late = digest.build(dbm.runner(con), 7).section("late")
    finally:
        con.close()
    assert late.rows == [] and late.empty == "Not known: no shipments file was imported, so no order is known to be " \
                                            "unshipped."
    # the tiny portfolio with its shipments: the figure, and the bubbles sized by exposure
    at = ui.open(built(TINY, tmp_path / "tiny.duckdb"))
    assert ui.metrics(at)["Open deposits at risk"] == TINY_DEPOSITS
    assert "bubble size: open exposure" in ui.chart(at, "portfolio_matrix_chart")["layout"]["title"]["text"]


def test_supplier_header_says_unknown_rather_than_a_blank(ui, tiny_dir, tmp_path, built):
    # a broker's export: no store age, and a country only the ISO "unknown" code ZZ stands for
    sup = tiny_dir / "suppliers.csv"
    sup.write_text(sup.read_text(encoding="utf-8").replace("S3,Hanoi Gamma,manufacturer,VN,Hanoi,2,",
                                                           "S3,Hanoi Gamma,manufacturer,ZZ,,,"), encoding="utf-8")
    db = tmp_path / "zz.duckdb"
    built(tiny_dir, db)
    header = next(c.value for c in ui.open(db, "supplier", query={"supplier": "S3"}).caption
                  if c.value.startswith("Manufacturer"))
    assert header == "Manufacturer · country unknown"  # not "ZZ · on Alibaba – years"
    from dashboard import db as dashboard_db, scorecard

    con = dashboard_db.connect(db)
    try:
        assert scorecard.build(dashboard_db.runner(con), "S3").facts == "Manufacturer · country unknown"  # the PDF too
    finally:
        con.close()
    header = next(c.value for c in ui.open(db, "supplier", query={"supplier": "S2"}).caption
                  if c.value.startswith("Trading company"))
    assert header == "Trading company · CN · Zhejiang · on Alibaba 3 years · Verified"


def test_supplier_page_flags_a_payee_that_is_not_the_legal_entity(ui, tiny_dir, tmp_path, built):

    payments = tiny_dir / "payments.csv"
    payments.write_text(payments.read_text(encoding="utf-8").replace(
        'Y6,P6,2024-06-21,330,deposit,"Yiwu Beta Trading Co., Ltd."', 'Y6,P6,2024-06-21,330,deposit,"HK Beta Ltd"'),
        encoding="utf-8")
    db = tmp_path / "payee.duckdb"
    built(tiny_dir, db)  # cached on the code and these files
    at = ui.open(db, "supplier", query={"supplier": "S2"})
    entities = next(f for f in ui.frames(at) if "name_check" in f.columns)
    odd = entities[entities["name"] == "HK Beta Ltd"].iloc[0]
    assert odd["source"] == "Payee of payments" and odd["amount"] == 330 and odd["name_check"] == "Another entity"
    assert any("1 name differs from the registered legal entity" in w.value for w in at.warning)


def test_supplier_timeline_files_a_return_under_the_supplier_it_counts_against(ui, tiny_dir, tmp_path, built):
    """A return traced to S2's lot P4 counts against S2 (marts.return_costs), though its SKU A1 is S1's product."""

    returns = tiny_dir / "returns.csv"
    returns.write_text(returns.read_text(encoding="utf-8") + "R5,A1,P4,2024-04-25,1,defective,amazon_us,40,unsellable\n",
                       encoding="utf-8")
    db = tmp_path / "traced.duckdb"
    built(tiny_dir, db)  # cached on the code and these files
    for supplier, returns_shown in (("S1", 3), ("S2", 2)):   # S1: R1, R2, R3 (not R5); S2: R4 and R5
        at = ui.open(db, "supplier", query={"supplier": supplier})
        at.toggle(key="supplier_timeline_show").set_value(True).run()  # the events as a table, asked for
        timeline = next(f for f in ui.frames(at) if "event_on" in f.columns)
        assert (timeline["event"] == "Return").sum() == returns_shown, supplier
    con = duckdb.connect(str(db), read_only=True)
    try:
        counted = dict(con.execute("select supplier_id, count(*) from marts.return_costs group by 1").fetchall())
    finally:
        con.close()
    assert counted == {"S1": 3, "S2": 2}   # the timeline agrees with the mart the KPIs and the score read


def test_supplier_page_compares_names_like_the_score(ui, tiny_dir, tmp_path, built):
    """A Chinese-script payee is read (place, trade name in pinyin, business terms translated): 义乌贝塔贸易 reads
    "Yiwu Beita Trading", not the legal "Yiwu Beta Trading", so it is a mismatch; one with a word the term table
    cannot translate cannot be verified; a spelled-out legal form matches."""
    from models.entity import CANNOT_VERIFY, MATCH, MISMATCH, compare_names

    legal = "Yiwu Beta Trading Co., Ltd."
    unreadable = "Yiwu Beta Rubber & Plastic Co., Ltd."
    payments = tiny_dir / "payments.csv"
    text = payments.read_text(encoding="utf-8")
    text = text.replace(f'Y6,P6,2024-06-21,330,deposit,"{legal}"', "Y6,P6,2024-06-21,330,deposit,义乌贝塔贸易有限公司")
    text = text.replace(f'Y5,P5,2024-05-02,990,deposit,"{legal}"',
                        'Y5,P5,2024-05-02,990,deposit,"Yiwu Beta Trading Company Limited"')
    payments.write_text(text, encoding="utf-8")
    # the score's own verdicts on these pairs, so the page is checked against the model, not against itself
    assert compare_names(legal, "义乌贝塔贸易有限公司") == MISMATCH
    assert compare_names(legal, "Yiwu Beta Trading Company Limited") == MATCH
    db = tmp_path / "script.duckdb"
    built(tiny_dir, db)  # cached on the code and these files
    at = ui.open(db, "supplier", query={"supplier": "S2"})
    entities = next(f for f in ui.frames(at) if "name_check" in f.columns).set_index("name")
    assert entities.loc["义乌贝塔贸易有限公司", "name_check"] == "Another entity"
    assert entities.loc["义乌贝塔贸易有限公司", "amount"] == 330
    assert entities.loc["Yiwu Beta Trading Company Limited", "name_check"] == "Matches"
    assert entities.loc["Yiwu Beta Trading", "name_check"] == "–"  # the store name is not an entity
    # named for what it is in any import (an Alibaba store, or a vendor's trading name in SCMS)
    assert entities.loc["Yiwu Beta Trading", "source"] == "Store or trading name"
    assert any("1 name differs from the registered legal entity" in w.value for w in at.warning)

    # a legal name in Chinese script and a payee with a word the table cannot translate: not a mismatch
    suppliers = tiny_dir / "suppliers.csv"
    suppliers.write_text(suppliers.read_text(encoding="utf-8").replace(
        'S2,Yiwu Beta Trading,trading_company,CN,Zhejiang,3,true,false,"Yiwu Beta Trading Co., Ltd."',
        "S2,Yiwu Beta Trading,trading_company,CN,Zhejiang,3,true,false,义乌贝塔橡塑有限公司"), encoding="utf-8")
    text = payments.read_text(encoding="utf-8").replace("义乌贝塔贸易有限公司", "义乌贝塔橡塑有限公司")
    payments.write_text(text.replace('"Yiwu Beta Trading Company Limited"', '"Yiwu Beita Rubber & Plastic Co., Ltd."'),
                        encoding="utf-8")
    # 贝塔 reads bei ta; 橡塑 (rubber and plastic) is not in the term table
    assert compare_names("义乌贝塔橡塑有限公司", "Yiwu Beita Rubber & Plastic Co., Ltd.") == CANNOT_VERIFY
    assert compare_names("义乌贝塔橡塑有限公司", unreadable) == MISMATCH  # beta is not bei ta
    db = tmp_path / "script2.duckdb"
    built(tiny_dir, db)  # cached on the code and these files
    at = ui.open(db, "supplier", query={"supplier": "S2"})
    entities = next(f for f in ui.frames(at) if "name_check" in f.columns).set_index("name")
    assert entities.loc["Yiwu Beita Rubber & Plastic Co., Ltd.", "name_check"] == "cannot verify (translation uncertain)"
    assert list(entities.loc[["义乌贝塔橡塑有限公司"], "name_check"]) == ["Matches", "Matches"]  # legal name, payee
    notes = [m.value for m in (*at.warning, *at.info)]
    assert any("1 name in another script could not be read with certainty" in n for n in notes)


def test_costs_page_figures_match_the_marts(ui, tiny_db, tiny_con):
    at = ui.open(tiny_db, "costs")
    landed = tiny_con.execute("select sum(landed_total) from marts.landed_cost_po where is_landed").fetchone()[0]
    planned, realised = tiny_con.execute(
        "select sum(amount) filter (where step = 'planned_contribution'), "
        "sum(amount) filter (where step = 'realised_contribution') from marts.margin_leakage").fetchone()
    shown = ui.metrics(at)
    assert shown["Landed cost"] == f"${float(landed):,.0f}"
    assert shown["Planned contribution"] == f"${float(planned):,.0f}"
    assert shown["Margin leakage"] == f"${float(planned - realised):,.0f}"
    # what the quote is: every landed order of the tiny portfolio is the first of its SKU and of its supplier to land
    # (P2 was ordered before P1 landed), so nothing was known of their logistics: 970 + 1,290 + 48 + 46 over the quote
    assert shown["Landed over quote, orders received"] == "$2,354"
    assert ("The quote is each order's unit price, plus duty at the order date's rates, plus the logistics cost per "
            "unit (freight, insurance, fees, inspections) of the orders landed before it was placed. The variance by "
            "where that came from: 4 orders with no earlier landed order to plan from (all logistics over the "
            "quote): $2,354.") in [c.value.replace("\\", "") for c in at.caption]
    # one SKU: B1 is S2's only SKU, landed on P4 (P5, P6 have not shipped)
    at.radio(key="costs_scope").set_value("SKU").run()
    at.selectbox(key="costs_sku").set_value("B1").run()
    p4 = tiny_con.execute("select landed_total from marts.landed_cost_po where po_id = 'P4'").fetchone()[0]
    assert ui.metrics(at)["Landed cost"] == f"${float(p4):,.0f}"
    at.radio(key="costs_scope").set_value("Supplier").run()
    at.selectbox(key="costs_supplier").set_value("S1").run()
    s1 = tiny_con.execute("select sum(landed_total) from marts.landed_cost_po where is_landed and supplier_id = 'S1'"
                          ).fetchone()[0]
    assert ui.metrics(at)["Landed cost"] == f"${float(s1):,.0f}"


def test_the_costs_page_marks_a_month_the_data_stops_in(ui, tiny_dir, tmp_path, built):
    """The tiny portfolio is as of 2024-06-21: with June's sales in, June's leakage bars sum three weeks, and both
    monthly charts shade June and say how far it goes, so its bar does not read as a fall."""
    with (tiny_dir / "sales.csv").open("a", encoding="utf-8") as f:
        f.write("A1,2024-06,amazon_us,200,8000,2000\n")
    db = built(tiny_dir, tmp_path / "june.duckdb")
    at = ui.open(db, "costs")
    for key in ("costs_leakage_month_chart", "costs_channel_month_chart"):
        layout = ui.chart(at, key)["layout"]
        assert [a["text"] for a in layout["annotations"]] == ["to 21 Jun"], key
        (shape,) = layout["shapes"]
        assert shape["x0"] < "2024-06-01" < shape["x1"] < "2024-06-30", key


def test_the_inspections_page_says_escapes_are_a_floor_when_some_returns_name_no_lot(ui, tiny_dir, tmp_path, built):
    """Returns that name their lot beside defect returns that do not (Amazon's reports carry no purchase order): the
    lots are judged, and the page says by how much the escapes may be short, per channel."""
    with (tiny_dir / "returns.csv").open("a", encoding="utf-8") as f:
        f.write("R5,A1,,2024-05-10,2,defective,amazon_us,80,unsellable\n"
                "R6,A2,,2024-05-12,1,not_as_described,shopify_dtc,20,sellable\n")
    db = built(tiny_dir, tmp_path / "floor.duckdb")
    at = ui.open(db, "inspections")
    # defect-coded units: R1 3 (P1), R3 1 (P3), R5 2 and R6 1 without a lot
    floor = ("Escapes are a floor: 3 of the 7 defect-coded returned units name no purchase order (Amazon US 2 and "
             "Shopify (own store) 1; Amazon's returns reports carry none), so they count against their supplier but "
             "judge no lot, and a lot whose goods sold there reads fewer escapes than it had.")
    assert floor in [ui.plain(c.value) for c in at.caption]  # shown as text: a channel is a data value
    assert not [i for i in at.info if i.value.startswith("Escapes are not known")]
    at = ui.open(db, "inspections", query={"type": "trading_company"})
    assert not [c for c in at.caption if ui.plain(c.value).startswith("Escapes are a floor")]  # S2: none untraced


def test_two_supplier_records_of_one_legal_entity_are_found_and_said(ui, tiny_dir, tmp_path, built):
    """S4 writes S1's legal name in capitals without punctuation, S5 S2's registration id with spaces: each pair is
    one legal entity (a supplier entered twice, or one company behind two stores). The mart pairs them both ways, the
    Supplier page warns on each, the Portfolio names each pair once; names are data, shown as text."""
    from dashboard.components import md

    odd = "Yiwu *Beta* Factory"
    with (tiny_dir / "suppliers.csv").open("a", encoding="utf-8") as f:
        f.write('S4,Ningbo Alpha Trading Store,trading_company,CN,Zhejiang,2,true,false,"NINGBO ALPHA CO LTD",,,'
                "2024-01-01,,,0,0,normal,none,no,none\n"
                f"S5,{odd},manufacturer,CN,Zhejiang,2,true,false,Yiwu Beta Manufacturing Co. Ltd.,91330782 MA2J 0ABC2X,"
                ",2024-01-01,,,0,0,normal,none,no,none\n"
                "S6,Saigon Delta,trading_company,VN,,2,false,false,Delta Trading LLC,,GAMMA VIETNAM J.S.C.,"
                "2024-01-01,,,0,0,normal,none,no,none\n")
    db = built(tiny_dir, tmp_path / "same.duckdb")
    with duckdb.connect(str(db), read_only=True) as con:
        pairs = con.execute("select supplier_id, other_supplier_id, shared from marts.supplier_same_entity "
                            "order by all").fetchall()
    # S6 asks to be paid to Gamma Vietnam JSC, S3's own beneficiary: the money for both goes to one entity
    assert pairs == [("S1", "S4", "legal_name"), ("S2", "S5", "registration_id"), ("S3", "S6", "bank_beneficiary"),
                     ("S4", "S1", "legal_name"), ("S5", "S2", "registration_id"), ("S6", "S3", "bank_beneficiary")]
    at = ui.open(db, "supplier", query={"supplier": "S2"})
    said = [w.value for w in at.warning if w.value.startswith("**One legal entity")]
    assert said == [f"**One legal entity with {md(odd)} (S5): the same registration id, 91330782MA2J0ABC2X.** Either "
                    "the supplier was entered twice, and its orders and record are split between the records (each "
                    "reads thinner than it is), or one company runs both stores, and buying from both is no second "
                    "source. Merge the records in your supplier file, or keep both knowing they are one company."]
    at = ui.open(db)
    assert ("3 pairs of suppliers are one legal entity or paid to one: Ningbo Alpha Store and Ningbo Alpha Trading "
            f"Store (the same legal name); Yiwu Beta Trading and {md(odd)} (the same registration id); Hanoi Gamma and "
            "Saigon Delta (the same bank beneficiary). A second source from the same company is no second source, and "
            "a supplier entered twice has its record split in two (each page says more).") in [c.value for c in
                                                                                               at.caption]
    at = ui.open(db, "supplier", query={"supplier": "S6"})
    assert [w.value for w in at.warning if w.value.startswith("**Paid to")] == [
        "**Paid to the same entity as Hanoi Gamma (S3): the same bank beneficiary, Gamma Vietnam JSC.** The money for "
        "both goes to one company: one company behind both stores (no second source), or one collecting for the "
        "other. Ask who makes the goods and whose account it is before the next payment."]
    assert not [w for w in at.warning if w.value.startswith("**One legal entity")]


def test_a_folder_that_does_not_exist_is_reported(ui, tmp_path):
    at = ui.open(tmp_path / "none.duckdb", "data")
    at.radio(key="data_source").set_value("Folder on this machine").run()
    at.text_input(key="data_folder").input(str(tmp_path / "nowhere")).run()
    assert "is not a folder" in at.error[0].value


def test_a_warehouse_built_by_other_code_says_so_on_every_page_and_still_opens(ui, tiny_db, tmp_path):
    """Its pages may miss a column they read now and its figures follow other rules: each page says to rebuild it; the
    Portfolio still opens on a warehouse from before the score history kept its red flags (the digest line is left
    out, not an error)."""
    from dashboard.components import md
    from pipelines.code_version import code_version

    assert not any("another version" in w.value for w in ui.open(tiny_db).warning)  # this code's build
    db = tmp_path / "old.duckdb"
    shutil.copy(tiny_db, db)
    con = duckdb.connect(str(db))
    folder = con.execute("select input_dir from ingest.build_info").fetchone()[0]
    con.execute("alter table ingest.build_info drop column code_version")  # as built before the stamp
    con.execute("alter table marts.supplier_risk_history drop column red_flags")
    con.execute("alter table staging.sales drop column returns_recorded")  # before channels without returns
    con.execute("alter table marts.margin_leakage_wide drop column units_sold_returns_recorded")
    con.close()
    said = (f"This warehouse was built by another version of the cockpit (no version; this is {code_version()}): "
            "some sections may be missing and its figures follow that version's rules and reference tables. Rebuild "
            f"it from its input folder ({md(folder)}) on the Data page or with `supplier-risk build`.")
    for page in ("portfolio", "costs", "data", "supplier", "trader_vs_factory", "whatif"):
        at = ui.open(db, page)  # no exception
        assert said in [w.value for w in at.warning], page
    assert any(w.value.startswith("The what-if needs this warehouse rebuilt") for w in ui.open(db, "whatif").warning)
    assert not any("Last 7 days" in m.value for m in ui.open(db).markdown)


def test_a_supplier_vetted_before_its_first_order_is_scored_and_says_how_much_is_its_peers(ui, tiny_dir, tmp_path,
                                                                                          built):
    """A supplier in the file with no onboarding date and no purchase order (being vetted) is scored from the as-of
    date: the bands add up to the Suppliers tile, and its page says first that most of its score is its peers'
    average (hatched in the chart), its registry finding its own."""
    from dashboard.components import md

    name = "Quiet [Delta](http://evil.example) Store"  # a name is data: shown as text, never a link
    with (tiny_dir / "suppliers.csv").open("a", encoding="utf-8") as f:
        f.write(f"S9,{name},manufacturer,CN,Zhejiang,2,true,false,,,,,,,0,0,abnormal,none,no,supplier\n")
    db = tmp_path / "x.duckdb"
    built(tiny_dir, db)
    with duckdb.connect(str(db), read_only=True) as con:
        signals = con.execute("select signal, points, evidence_n, prior_mean from marts.supplier_signals "
                              "where supplier_id = 'S9' and points > 0").df()
        score, flags = con.execute("select risk_score, red_flags from marts.supplier_risk_score "
                                   "where supplier_id = 'S9'").fetchone()
    peer = signals[(signals["evidence_n"] == 0) & signals["prior_mean"].notna()]
    assert len(peer) >= 5 and "abnormal_operating_status" in flags
    at = ui.open(db)
    shown = ui.metrics(at)
    assert shown["Suppliers"] == "4" and sum(int(v) for k, v in shown.items() if k.endswith(" band")) == 4
    at = ui.open(db, "supplier", query={"supplier": "S9"})
    assert at.header[0].value == md(name)
    top = (f"**No orders yet: {peer['points'].sum():.1f} of its {score:.1f} points are its peers' average, not its "
           f"own record.** {len(peer)} signals with no evidence of this supplier yet (")
    assert [i.value for i in at.info if i.value.startswith("**No orders yet")][0].startswith(top)
    bars = [b for b in ui.chart(at, "supplier_signals_chart")["data"] if b.get("showlegend") is False]  # not swatches
    hatched = {y for b in bars for y, shape in zip(b["y"], b["marker"]["pattern"]["shape"]) if shape == "/"}
    assert len(hatched) == len(peer)


def test_risk_matrix_sizes_suppliers_by_open_exposure(ui, tiny_db):
    from dashboard import queries

    ui.open(tiny_db)  # sets SUPPLIER_RISK_DB
    matrix = queries.portfolio_matrix().set_index("supplier_id")
    # S2: P5 (300 × 11.00) and P6 (100 × 11.00) have not shipped; P4 shipped in full. S1 shipped everything.
    assert matrix.loc["S2", "open_exposure"] == 4400.0
    assert matrix.loc["S1", "open_exposure"] == 0.0
    assert matrix.loc["S2", "spend"] == 6400.0


def test_risk_matrix_spend_axis_has_few_readable_ticks(ui, tiny_db):
    at = ui.open(tiny_db)
    axis = ui.chart(at, "portfolio_matrix_chart")["layout"]["xaxis"]
    # tiny spends: S3 $0 (drawn at $1), S2 $6,400, S1 $11,500 → one tick per decade from $1 to $10k
    assert axis["type"] == "log"
    assert axis["tickvals"] == [1, 10, 100, 1_000, 10_000]
    assert axis["ticktext"] == ["$1", "$10", "$100", "$1k", "$10k"]
    # filtered to S1 and S2 ($6,400..$11,500): the dense steps 1-1.5-2-3-5-7 give $7k and $10k
    at.multiselect(key="f_country").set_value(["CN"]).run()
    axis = ui.chart(at, "portfolio_matrix_chart")["layout"]["xaxis"]
    assert axis["ticktext"] == ["$7k", "$10k"]


def test_reaudit_priority_is_shown_in_whole_dollars_and_kept_exact(ui, tiny_db, tiny_con):
    from dashboard import display

    at = ui.open(tiny_db, "reaudit")
    # 70,933.74 → "$70,934", -1,320.4 → "-$1,320": the "dollar" preset (the minus before the sign; the page's printf
    # "$%,.0f" read "$-1,320") with a step of 1, whole dollars
    config = ui.column_config(at, "priority")["type_config"]
    assert (config["format"], config["step"]) == ("dollar", 1)
    # the grid cuts a number to its step's decimals, so it is sent rounded (half away from zero) to whole dollars:
    # what a person reads; the download keeps the mart's exact values, cents included
    table = next(f for f in ui.frames(at) if "priority" in f.columns).drop_duplicates("supplier_id") \
        .set_index("supplier_id")  # a row per reason: each supplier's priority on each
    exact = dict(tiny_con.execute("select supplier_id, priority from marts.reaudit_queue").fetchall())
    assert table["priority"].to_dict() == {s: float(int(abs(v) + 0.5)) * (1 if v >= 0 else -1)
                                           for s, v in exact.items()}
    assert any(v != round(v) for v in exact.values())  # the rounding shows: some priority has cents
    frame = pd.DataFrame({"supplier_id": list(exact), "supplier_name": list(exact), "priority": list(exact.values())})
    prepared = display._prepare(frame, ["supplier_name", "priority"], True, {"priority": ui_money_col()}, None, 25,
                                display.PAGE_PX)
    assert prepared.shown["priority"].tolist() == list(exact.values())  # what the CSV is made of
    assert prepared.drawn["priority"].tolist() == list(table["priority"].reindex(list(exact)))
    # S2: its score / 100 × $6,400 (the 12-month spend already holds P5 and P6, whose unshipped $4,400 is the open
    # exposure, counted once): a value with cents (39.8 → 2,547.20, shown as $2,547)
    score = tiny_con.execute("select risk_score from marts.supplier_risk_score where supplier_id = 'S2'").fetchone()[0]
    assert exact["S2"] == pytest.approx(score / 100 * 6400)
    # beside it the money at stake itself: S2's $6,400
    plan = pd.concat([f for f in ui.frames(at) if "money_at_stake" in f.columns]).set_index("supplier_id")
    assert plan.loc["S2", "money_at_stake"] == pytest.approx(6400)
    # the legend lists the actions in the queue strongest first (models/config/risk_score.toml), not alphabetically,
    # in words
    present = {a for (a,) in tiny_con.execute("select distinct suggested_action from marts.reaudit_queue").fetchall()}
    severity = ["Hold new orders", "On-site audit", "Tighter inspection", "Desk re-check"]
    legend = [t["name"] for t in ui.chart(at, "reaudit_chart")["data"]]
    assert legend == [a for a in severity if a.lower() in present] and len(legend) >= 2


def test_reaudit_downloads_say_the_plan_in_words_with_the_trigger_codes_beside(ui, tiny_db, downloads):
    """S1 (audit overdue, rising score; due in 45 days), S2 (never audited, subcontracting, high band, rising; 14
    days) and S3 (never audited, no order yet; 90 days): the CSV a founder opens reads as the page, the codes only in their column."""
    import io

    from dashboard import display

    ui.open(tiny_db, "reaudit")
    got = pd.read_csv(io.BytesIO(downloads["reaudit_queue.csv"]), dtype=str, keep_default_na=False)
    got = got.set_index("supplier_id")
    assert got["triggers"].to_dict() == {
        "S1": "No audit in 12 months, Rising score",
        "S2": "No audit on record, Suspected subcontracting, High risk band, Rising score",
        "S3": "No audit, no order yet"}  # being vetted: never audited and no order yet
    assert got.loc["S1", "trigger_codes"] == "audit_overdue, rising_score"
    assert got["group"].to_dict() == {"S1": "Later", "S2": "Next 30 days", "S3": "Later"}
    assert (got.loc["S2", "suggested_action"], got.loc["S2", "risk_band"]) == ("On-site audit", "High")
    # the reason from marts.reaudit_reasons, each trigger in the Triggers column's words and in the reason's order
    assert got.loc["S3", "reason"] == ("No audit, no order yet: no audit or verification on record; audit before "
                                       "the first order")
    assert [p.split(": ")[0] for p in got.loc["S2", "reason"].split("; ")] == got.loc["S2", "triggers"].split(", ")
    assert [(c, v) for c in got.columns if c != "trigger_codes" for v in got[c] if display.is_raw_identifier(v)] == []


def test_a_warehouse_built_before_the_reasons_mart_still_plans_and_says_what_is_missing(ui, tiny_db, tmp_path,
                                                                                      downloads):
    """A warehouse from before marts.reaudit_reasons: the plan is shown, "How we know" says the table is missing and
    to rebuild, and the download and the Supplier page fall back on the queue's own reason text."""

    db = tmp_path / "older.duckdb"
    shutil.copy(tiny_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("drop table marts.reaudit_reasons")
        raw = dict(con.execute("select supplier_id, reason from marts.reaudit_queue").fetchall())
    at = ui.open(db, "reaudit")
    assert "this warehouse has no `marts.reaudit_reasons` table" in ui.texts(at)
    assert sum(len(f) for f in ui.frames(at) if "suggested_action" in f.columns) == 3
    got = pd.read_csv(io.BytesIO(downloads["reaudit_queue.csv"]), dtype=str, keep_default_na=False)
    # as the queue has it (a cell starts as a sentence: its first letter capitalised)
    assert got.set_index("supplier_id")["reason"].to_dict() == {s: r[0].upper() + r[1:] for s, r in raw.items()}
    at = ui.open(db, "supplier", query={"supplier": "S2"})
    assert "never audited: " in ui.texts(at) and not at.exception


def test_supplier_page_says_when_its_re_audit_is_due_in_the_planner_s_words(ui, tiny_db, tiny_con):
    """S2 (on-site audit due in 14 days, the only one of the 3 due within 30 days): the Supplier page's next action
    names the due date, the days in the planner's words (display.due_words) and the place in the plan (the action
    escaped as Markdown, as every value from the data is)."""
    as_of, due, days = tiny_con.execute("select b.as_of, q.due_on, q.days_until_due from marts.reaudit_queue q, "
                                        "ingest.build_info b where q.supplier_id = 'S2'").fetchone()
    assert (str(as_of), str(due), days) == ("2024-06-21", "2024-07-05", 14)
    at = ui.open(tiny_db, "supplier", query={"supplier": "S2"})
    said = [w.body for w in at.warning if "re-audit due" in w.body]
    assert len(said) == 1 and said[0].startswith(
        "**On\\-site audit**: re-audit due 2024-07-05 (in 14 days; #1 of 3 in the re-audit plan, next 30 days).")
    # then each reason on its own line, named as in the Why column, in the mart's order (no "Why:" line repeating the
    # names): marts.reaudit_reasons' rows for S2
    rows = tiny_con.execute("select trigger, finding from marts.reaudit_reasons where supplier_id = 'S2' "
                            "order by reason_no").fetchall()
    assert [t for t, _ in rows] == ["never_audited", "subcontracting", "high_score", "rising_score"]
    lines = [line for line in ui.plain(said[0]).split("\n") if line.startswith("- ")]
    assert lines == [f"- **{display.words(t, 'trigger')}**: {display.without_statistics(f)}" for t, f in rows]
    assert "Why:" not in said[0]


def test_background_checks_the_data_does_not_carry_are_not_recorded_not_never_checked(ui, tiny_dir, tmp_path, built):
    """A suppliers file without any check (no registry_checked_on or records_checked_on, and here no litigation,
    penalties or operating status either, as in USAID SCMS): a check may have been done without the file saying so,
    so the page says 'not recorded in the imported data', never 'never checked'; both unknown, never clean. (The
    controls fixture, which carries the columns, keeps 'never checked' for its blank ones.)"""
    suppliers = pd.read_csv(tiny_dir / "suppliers.csv", dtype=str, keep_default_na=False)
    suppliers.drop(columns=["litigation_cases", "admin_penalties", "operating_status"]).to_csv(
        tiny_dir / "suppliers.csv", index=False)
    db = built(tiny_dir, tmp_path / "nochecks.duckdb")
    at = ui.open(db, "supplier", query={"supplier": "S1"})
    said = [w.body for w in at.warning if "Public records" in w.body]
    assert said == ["Public records (court cases, penalties): not recorded in the imported data, so unknown (not "
                    "clean); Business registry (operating status): not recorded in the imported data, so unknown "
                    "(not clean). Re-check before the next order and record the dates in the suppliers file "
                    "(registry_checked_on, records_checked_on) so that they count."]
    states = next(f for f in ui.frames(at) if "expires_on" in f.columns)["state"].tolist()
    assert states == ["not recorded", "not recorded"]  # shown with a capital, as every state
    assert "never checked" not in ui.texts(at).lower()


def test_supplier_page_states_the_switching_stage_of_a_supplier_still_sampled(ui, tiny_db, tiny_con):
    stages = dict(tiny_con.execute("select defect_class, current_stage from marts.inspection_switching "
                                   "where supplier_id = 'S1'").fetchall())
    assert stages == {"critical": "normal", "major": "normal", "minor": "normal"}
    at = ui.open(tiny_db, "supplier", query={"supplier": "S1"})
    normal = "normal (the standard plan for the lot size, level and AQL)"
    assert (f"Switching rules (ISO 2859-1): critical, major and minor defects {normal}."
            in [c.value for c in at.caption])
    assert "stop accepting" not in ui.texts(at)
    assert ui.metrics(at)["Next lot"] != "Discontinued"
    # the Inspections page explains each stage with the same words
    at.switch_page(ui.pages["inspections"]).run()
    help_text = next(m.help for m in at.metric if m.label == "Discontinued (major)")
    assert help_text == ("5 lots rejected while tightened; stop accepting lots under sampling until the supplier "
                         "closes a corrective action (inspection then resumes on tightened).")
    assert ui.metrics(at)["Discontinued (major)"] == "0" and "Stop accepting lots of" not in ui.texts(at)


def test_costs_page_says_when_duty_or_fees_are_unknown(ui, tiny_db, tiny_dir, tmp_path, built):
    # the tiny portfolio knows every shipment's duty and fees: nothing to say
    assert not any("Unknown: the duty" in w.value for w in ui.open(tiny_db, "costs").warning)
    # without A2's HS code, P3's two shipments (H3, H4: no duty paid) have no duty to compute; their fees were paid
    products = tiny_dir / "products.csv"
    products.write_text(products.read_text(encoding="utf-8").replace("A2,Lamp shade,home_lighting,S1,9405.42.8440,",
                                                                     "A2,Lamp shade,home_lighting,S1,,"),
                        encoding="utf-8")
    db = tmp_path / "nohs.duckdb"
    built(tiny_dir, db)
    with duckdb.connect(str(db), read_only=True) as con:
        unknown = con.execute("select shipment_id from marts.landed_cost_shipment where duty_source = 'unknown' "
                              "order by 1").fetchall()
    assert unknown == [("H3",), ("H4",)]
    said = [ui.plain(w.value) for w in ui.open(db, "costs").warning if "Unknown: the duty" in w.value]
    assert said == ["Unknown: the duty of 2 of 5 shipments. No amount paid was imported for them and there is no HS "
                    "code or duty_rates row to compute it, so they count $0 in the landed cost, which is understated "
                    "by that much. Add `duty_paid` / `other_fees` to the shipments file or the products' `hs_code` "
                    "(docs/landed-cost.md)."]



def test_costs_page_names_goods_of_china_missing_their_section_301_row(ui, tiny_dir, tmp_path, monkeypatch):
    """A2 given the code of an upholstered wooden chair, 9401.61.4011, whose MFN row a brand added (Free) but not its
    Section 301 row: its duty is unknown (listed_duties.csv), and the warning says what to add. Built directly, not
    through the cached `built`: the reference tables are the test's own."""
    import shutil

    from models import landed_cost as lc
    from pipelines.build import build

    ref = tmp_path / "reference"
    shutil.copytree(lc.REFERENCE_DIR, ref)
    with (ref / "duty_rates.csv").open("a", encoding="utf-8") as f:
        f.write("9401.61.40,*,mfn,0,2018-01-01,,,value,,,,verified,test MFN row,\n")
    monkeypatch.setattr(lc, "REFERENCE_DIR", ref)
    products = tiny_dir / "products.csv"
    products.write_text(products.read_text(encoding="utf-8").replace("A2,Lamp shade,home_lighting,S1,9405.42.8440,",
                                                                     "A2,Bar stool,home_lighting,S1,9401.61.4011,"),
                        encoding="utf-8")
    build(tiny_dir, tmp_path / "w.duckdb", log=lambda _: None)
    said = [ui.plain(w.value) for w in ui.open(tmp_path / "w.duckdb", "costs").warning if "Unknown: the duty" in w.value]
    assert said == ["Unknown: the duty of 2 of 5 shipments. No amount paid was imported for them and there is no HS "
                    "code or duty_rates row to compute it, so they count $0 in the landed cost, which is understated "
                    "by that much. Add `duty_paid` / `other_fees` to the shipments file or the products' `hs_code` "
                    "(docs/landed-cost.md). 2 are goods of China whose HS code has an MFN row but no Section 301 row: "
                    "add the rate of its list to data/reference/duty_rates.csv, or 0% if it is on none (the Data page "
                    "names each code)."]

def test_costs_pickers_offer_only_the_suppliers_and_skus_inside_the_filters(ui, tiny_db, tiny_con):
    at = ui.open(tiny_db, "costs")
    at.radio(key="costs_scope").set_value("Supplier").run()
    assert at.selectbox(key="costs_supplier").options == [
        f"{name} ({sid})" for sid, name in
        tiny_con.execute("select supplier_id, supplier_name from staging.suppliers order by supplier_name").fetchall()]
    at.selectbox(key="costs_supplier").set_value("S1").run()
    # a type filter narrows the picker; the chosen S1 is outside it, so the picker falls back to the one left (S2)
    at.multiselect(key="f_type").set_value(["trading_company"]).run()
    traders = [r[0] for r in tiny_con.execute(
        "select supplier_id from staging.suppliers where supplier_type = 'trading_company'").fetchall()]
    assert traders == ["S2"]
    assert at.selectbox(key="costs_supplier").options == ["Yiwu Beta Trading (S2)"]
    assert at.selectbox(key="costs_supplier").value == "S2"
    s2 = tiny_con.execute("select sum(landed_total) from marts.landed_cost_po where is_landed and supplier_id = 'S2'"
                          ).fetchone()[0]
    assert ui.metrics(at)["Landed cost"] == f"${float(s2):,.0f}"
    at.radio(key="costs_scope").set_value("SKU").run()
    skus = [r[0] for r in tiny_con.execute(
        "select sku from staging.products where supplier_id in ('S2') order by sku").fetchall()]
    assert [o.split(" · ")[0] for o in at.selectbox(key="costs_sku").options] == skus == ["B1"]
    # Vietnam alone: S3, which sells no SKU → the SKU picker says so instead of offering nothing
    at.multiselect(key="f_type").set_value([]).run()
    at.multiselect(key="f_country").set_value(["VN"]).run()
    assert not [s for s in at.selectbox if s.key == "costs_sku"]
    assert "The 1 supplier passing the filters (Country: VN) has no SKU." in ui.texts(at)
    at.radio(key="costs_scope").set_value("Supplier").run()
    assert at.selectbox(key="costs_supplier").options == ["Hanoi Gamma (S3)"]
    # trading companies in Vietnam: none → one clear empty state, no picker and no figures
    at.multiselect(key="f_type").set_value(["trading_company"]).run()
    assert "No supplier passes the sidebar filters (Supplier type: Trading company; Country: VN)" in ui.texts(at)
    assert not [s for s in at.selectbox if s.key == "costs_supplier"] and not ui.metrics(at)


def ui_money_col():
    from dashboard import components

    return components.money_col("Priority")


def test_data_page_says_how_current_each_reference_table_is(ui, demo_db, downloads):
    """The Data page lists every dated reference table (reference.verified_through, from data/reference/
    verified_through.csv) with the date it was checked through and how many days the data (as of 2026-10-31) runs past
    it: duty rates, de minimis and HMF checked through 2026-07-23 (100 days), MPF 2026-09-30 (31), exchange rates
    2026-10-31 (0); the caption names the four the data runs past. The notes ride in the download."""
    import duckdb

    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        stored = dict(con.execute("select table_name, cast(verified_through as date) from reference.verified_through")
                      .fetchall())
        as_of = con.execute("select as_of from ingest.build_info").fetchone()[0]
    finally:
        con.close()
    at = ui.open(demo_db, "data")
    shown = next(f for f in ui.frames(at) if "verified_through" in f.columns).set_index("table_name")
    names = {"duty_rates": "Duty rates", "us_mpf": "Merchandise processing fee", "us_hmf": "Harbor maintenance fee",
             "us_de_minimis": "De minimis", "fx_rates": "Exchange rates"}
    assert set(shown.index) == {names[t] for t in stored}
    for table, on in stored.items():
        assert pd.Timestamp(shown.loc[names[table], "verified_through"]).date() == on
        assert shown.loc[names[table], "days_past"] == max(0, (as_of - on).days)
    # furthest past first (ties in the reference table's order)
    assert list(shown["days_past"].items()) == [("Duty rates", 100), ("De minimis", 100),
                                                ("Harbor maintenance fee", 100), ("Merchandise processing fee", 31),
                                                ("Exchange rates", 0)]
    assert ("The data (as of 2026-10-31) runs past the date the duty rates, de minimis, harbor maintenance fee and "
            "merchandise processing fee tables were last checked against their sources.") in ui.texts(at)
    # and how such entries are costed, in the Costs page's words
    assert ("costed with the table's rows as written for that date, not yet checked against official sources, and "
            "flagged estimated") in ui.texts(at)
    # the sources without their asides on screen, whole in the download
    assert shown.loc["Duty rates", "source_short"] == "CBP CSMS #67834313; CSMS #67844987; USTR FR Doc 2025-21671"
    assert shown.loc["Harbor maintenance fee", "source_short"] == "19 CFR 24.24(a)"
    grid = next(d for d in at.dataframe if "verified_through" in d.value.columns)
    assert "source" not in grid.proto.column_order and "source_short" in grid.proto.column_order
    assert grid.proto.row_height == 65  # was 94 px at the layout's width with the sources whole
    got = pd.read_csv(io.BytesIO(downloads["reference_tables.csv"]), dtype=str).set_index("table_name")
    assert got.loc["Duty rates", "source"].startswith("CBP CSMS #67834313 (IEEPA duties end for entries from "
                                                      "2026-02-24)")
    assert "notes" in got.columns


def test_data_page_on_data_within_every_reference_table_says_so(ui, tiny_db):
    # the tiny portfolio is as of 2024-06-21, before every table's date: nothing runs past it
    at = ui.open(tiny_db, "data")
    shown = next(f for f in ui.frames(at) if "verified_through" in f.columns)
    assert len(shown) == 5 and (shown["days_past"] == 0).all()
    assert "Every reference table was checked against its sources up to the data's as-of date or later." in \
        ui.texts(at)


def test_escapes_are_said_unknown_when_no_return_names_its_lot(ui, tiny_db, tiny_dir, tmp_path, built):
    """The tiny portfolio's returns without their purchase order (as Amazon's reports give them): the Inspections page
    says escapes are not known and why, and S1's escape rate says no return names its lot (with the lots named, it
    says no passed lot has been on sale long enough)."""
    blank_columns(tiny_dir / "returns.csv", ["po_id"])
    db_path = built(tiny_dir, tmp_path / "w.duckdb")
    at = ui.open(db_path, "inspections")
    assert [i.value for i in at.info if i.value.startswith("Escapes are not known: no return in the data names the "
                                                           "purchase order (lot) it came from")]
    assert (ui.metrics(at)["Escape rate"], ui.metrics(at)["Escaped money"]) == ("–", "–")   # not 0% and $0
    table = next(f for f in ui.frames(at) if "escapes" in f.columns)
    assert table[["escapes", "escaped_value"]].isna().all().all()
    tile = next(m for m in ui.open(db_path, "supplier", query={"supplier": "S1"}).metric if m.label == "Escape rate")
    assert (tile.value, tile.delta) == ("–", "no return names its lot")
    assert ui.metrics(ui.open(db_path, "supplier", query={"supplier": "S1"}))["Escaped value"] == "–"
    named = next(m for m in ui.open(tiny_db, "supplier", query={"supplier": "S1"}).metric if m.label == "Escape rate")
    assert named.delta == "no passed lot on sale long enough"
    assert not [i.value for i in ui.open(tiny_db, "inspections").info if i.value.startswith("Escapes are not known")]


def test_an_admin_adds_the_ecbs_exchange_rates_from_the_data_page_and_the_warehouse_is_rebuilt(
        ui, tiny_dir, tmp_path, built, monkeypatch):
    """The exchange-rate table (a copy here) has CNY to 2026-08: the ECB's history file (the excerpt of its published
    layout, complete to October 2026) uploaded on the Data page adds CNY's September and October, sourced to the file,
    the warehouse is rebuilt and the page says so; a file that is not the ECB's is refused with why, nothing added."""
    from pipelines import fx

    table = tmp_path / "fx_rates.csv"
    table.write_text("currency,month,units_per_usd,as_of,source,notes\nCNY,2026-08,7.1,2026-09-01,Fed,\n",
                     encoding="utf-8")
    monkeypatch.setattr(fx, "FX_PATH", table)
    db = built(tiny_dir, tmp_path / "w.duckdb")
    at = ui.open(db, "data")
    assert "Add exchange rates after 2026-08 from the ECB (admins)" in [e.label for e in at.expander]
    ecb = Path(__file__).resolve().parents[1] / "fixtures" / "reference" / "eurofxref-hist_excerpt.csv"
    shopify = Path(__file__).resolve().parents[1] / "fixtures" / "exports" / "shopify_orders_export.csv"
    at.file_uploader(key="data_fx_file").set_value(("orders.csv", shopify.read_bytes(), "text/csv")).run()
    at.button(key="data_fx_add").click().run()
    assert not at.exception
    assert [ui.plain(e.value) for e in at.error] == [
        "No rate added: orders.csv: not the ECB's eurofxref-hist layout (a Date column and one column per currency, "
        "USD among them); its header is Name, Email, Financial Status, Paid at, Fulfillment Status, Fulfilled at"]
    assert len(fx.load(table).rates) == 1
    at.file_uploader(key="data_fx_file").set_value(("eurofxref-hist.csv", ecb.read_bytes(), "text/csv")).run()
    at.button(key="data_fx_add").click().run()
    assert not at.exception
    assert "2 exchange rates added (CNY, 2026-09 to 2026-10); the warehouse was rebuilt with them." in \
        [ui.plain(s.value) for s in at.success]
    assert fx.load(table).rates == {("CNY", "2026-08"): 7.1, ("CNY", "2026-09"): pytest.approx(7.0),
                                    ("CNY", "2026-10"): pytest.approx(7.0)}
    assert "file eurofxref-hist.csv to 2026-11-03" in table.read_text(encoding="utf-8")
    assert "Add exchange rates after 2026-10 from the ECB (admins)" in [e.label for e in at.expander]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select built_by from ingest.build_info").fetchone()[0] == "local user (local)"


def test_every_page_says_how_many_rows_the_last_build_refused(ui, tiny_dir, tmp_path, built, tiny_db):
    """A supplier of an unknown type is refused: the line under the title of a page (Portfolio, Costs) says 1 row was
    refused and is in no figure; a build that refused none says nothing of it."""
    suppliers = tiny_dir / "suppliers.csv"
    suppliers.write_text(suppliers.read_text(encoding="utf-8") + "S9,Bad Co,wholesaler,CN,,,,,,,,,,,,,,,,\n",
                         encoding="utf-8")
    db = built(tiny_dir, tmp_path / "w.duckdb")
    for page in ("portfolio", "costs"):
        at = ui.open(db, page)
        assert not at.exception
        caption = next(c.value for c in at.caption if c.value.startswith("Data as of"))
        assert caption.endswith(" · 1 row refused by the last build, in no figure until corrected (Data page)")
    at = ui.open(tiny_db, "portfolio")
    assert "refused" not in next(c.value for c in at.caption if c.value.startswith("Data as of"))


def test_data_page_counts_a_row_breaking_two_rules_once(ui, tiny_dir, tmp_path, built):
    """A supplier of an unknown type whose store years are not a number breaks two rules: the Data page's glance and
    the heading over the rejected rows both say 1 row, the heading adding that the table below has a line per rule."""
    suppliers = tiny_dir / "suppliers.csv"
    suppliers.write_text(suppliers.read_text(encoding="utf-8") + "S9,Bad Co,wholesaler,CN,,many,,,,,,,,,,,,,,\n",
                         encoding="utf-8")
    at = ui.open(built(tiny_dir, tmp_path / "w.duckdb"), "data")
    assert not at.exception
    assert any(c.value.startswith("The last build rejected 1 row ") for c in at.caption)
    assert "**Rows rejected by the last build: 1** (2 lines below: one per rule a row breaks)" in ui.texts(at)
