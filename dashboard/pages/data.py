"""Data: load files in the import format, see every rejected row, rebuild, and check freshness."""

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import auth, db, display, loader, mapping, queries
from dashboard import components as ui
from models import landed_cost as lc
from models.wording import and_list
from pipelines import fx, reviews
from pipelines.build import BuildBusy, BuildError, ShrinkError
from pipelines.ingest import IngestError
from pipelines.readers import FileError

# what each table's dates are (dashboard/sql/freshness.sql; the download names the column as date_column)
FRESHNESS_DATES = ("The date read: suppliers when onboarded, purchase orders when ordered, payments when paid, "
                   "inspections when inspected, shipments when delivered (else shipped), sales by month, returns "
                   "when returned, quality costs when incurred.")


def _warned_rows_in_words() -> pd.DataFrame | None:
    """Every row the last build's checks warned of, the check and the problem in words (None from an older build)."""
    every = queries.check_warning_rows()
    if every is None:
        return None
    return every.assign(check=every["check_name"].map(lambda c: display.words(c, "check_name")),
                        problem_exact=every["problem"],
                        problem=every["problem"].map(display.check_examples).map(display.sentence),
                        review=[display.review_words(on, by, note) for on, by, note in
                                zip(every["reviewed_on"], every["reviewed_by"], every["review_note"])])


def _review_form(warned_rows: pd.DataFrame, visitor: auth.Visitor) -> None:
    """Admins mark warned rows reviewed (or take a review back): the reviews are written to reviewed_warnings.csv of
    a private copy of the current input and the warehouse is rebuilt from it, so that the counts at the top of the
    page, the weekly digest and the next build all know (pipelines/reviews.py)."""
    open_all = warned_rows[warned_rows["reviewed_on"].isna()]
    open_rows = open_all.head(ui.LONG_TABLE_ROWS)
    done = warned_rows[warned_rows["reviewed_on"].notna()].head(ui.LONG_TABLE_ROWS)
    open_checks = open_all.groupby("check_name", sort=True)["check"].agg(["first", "size"])

    def label(i: int) -> str:
        row = warned_rows.loc[i]
        return f"{row['check']} · {row['row_key']}: {row['problem']}"

    # a rebuild is a deliberate click, not the Enter that ends a note
    with st.form("data_review", border=True, enter_to_submit=False, clear_on_submit=True):
        st.markdown("**Mark rows reviewed**")
        st.caption("A row you checked and found right as it is (a date that really is before its order, an entry "
                   "summary you agree with) stops counting as worth a look, for as long as it gives the same "
                   "problem; if its values change, it warns again. Saving rebuilds the warehouse from the same "
                   "files with your reviews in reviewed_warnings.csv (the button under the form downloads it, to "
                   "keep with your files).")
        marked = st.multiselect("Rows found right as they are", list(open_rows.index), format_func=label,
                                key="data_review_mark", placeholder="Type a shipment, entry or order to find it",
                                help=f"The first {ui.LONG_TABLE_ROWS:,} rows worth a look, in the list's order."
                                if len(open_rows) == ui.LONG_TABLE_ROWS else None)
        # a whole check found right: duty unknown on every shipment of a history kept without HS codes
        whole = st.multiselect("Every row of these checks", list(open_checks.index),
                               format_func=lambda c: f"{open_checks.at[c, 'first']} "
                                                     f"({ui.count_words(int(open_checks.at[c, 'size']), 'row')})",
                               key="data_review_whole",
                               help="Marks every row of the check worth a look reviewed, past the first "
                                    f"{ui.LONG_TABLE_ROWS:,} too: for a check whose rows you know are right as a "
                                    "whole. A row the check finds later is worth a look again.")
        taken_back = st.multiselect("Reviews to take back", list(done.index), format_func=label,
                                    key="data_review_back") if not done.empty else []
        note = st.text_input("Why they are right (kept with the review)", key="data_review_note", max_chars=300)
        saved = st.form_submit_button("Save the reviews and rebuild", type="primary", key="data_review_save")
    current = queries.reviewed_warnings()
    if current is not None and not current.empty:  # to keep with the files a nightly build reads (not in a form)
        st.download_button("Download reviewed_warnings.csv", lambda: reviews.csv_bytes(current),
                           file_name="reviewed_warnings.csv", mime="text/csv", key="data_reviews_csv",
                           on_click="ignore", icon=":material/download:",
                           help="The reviews the last build read, in the import format. A build from a folder "
                                "without such a file keeps them; a folder with one (supplier-risk build --input) "
                                "replaces them with its own: put this file there.")
        stale = int((~current["is_matched"]).sum())
        if stale:
            st.caption(f"Reviews in the file that match no row the last build warned of (the row was corrected, or "
                       f"its values changed and it is listed again): {stale:,}. They stay in the file, harmless.")
    if not saved:
        return
    marked = list(dict.fromkeys(marked + list(open_all.index[open_all["check_name"].isin(whole)])))
    if not marked and not taken_back:
        st.warning("Pick a row or a check to mark reviewed, or a review to take back.", icon=":material/info:")
        return

    def pairs(picked: list[int]) -> list[tuple[str, str]]:
        return [(warned_rows.at[i, "check_name"], warned_rows.at[i, "problem_exact"]) for i in picked]

    after = reviews.reviewed_after(current, pairs(marked), pairs(taken_back), on=date.today(), by=visitor.name,
                                   note=note.strip())
    info = queries.build_info()
    try:
        folder = loader.with_reviews(reviews.csv_bytes(after), Path(info["input_dir"].iloc[0]))
    except loader.UploadFolderError as exc:
        st.error(ui.md(exc), icon=":material/error:")
        return
    if _rebuild(folder, visitor) is not None:
        st.session_state["_data_done"] = (
            f"{ui.count_words(len(marked), 'row')} marked reviewed"
            + (f", {ui.count_words(len(taken_back), 'review')} taken back" if taken_back else "")
            + f"; the warehouse was rebuilt with {ui.count_words(len(after), 'review')} in reviewed_warnings.csv.")
        st.rerun()


def _duty_gaps(as_of) -> None:
    """The products' HS codes and origins the duty table cannot price on the analysis date (no MFN row, or no
    Section 301 row for goods of China: marts.duty_gaps, by models.landed_cost.duty_gaps), with the duty_rates.csv
    rows to fill in, as `supplier-risk duty-gaps --out` writes them. Nothing when every code is priced."""
    gaps = queries.duty_gaps()
    if as_of is None or gaps is None or gaps.empty:
        return
    st.markdown(f"**Duty rows to add: {ui.count_words(len(gaps), 'HS code')} the duty table cannot price**")
    st.caption(f"On the analysis date ({as_of:%Y-%m-%d}) these products' codes have no MFN row, or, for goods of "
               "China, no Section 301 row (the lists name codes one by one: a code on none of them needs a 0% row). "
               "Their duty is unknown: landed cost leaves it out (the Costs page warns of it), so their landed cost "
               "reads low until the rows are added. Download the "
               "rows, fill in each rate and its source (the HTS, U.S. note 20, a CBP ruling or your broker), and "
               "add them to data/reference/duty_rates.csv.")
    ui.table(gaps.assign(missing=gaps["missing"].map(lambda m: " and ".join(
                 display.words(t, "duty_type") for t in m.split(", ")))),
             "data_duty_gaps", "duty_gaps.csv", columns=["hs_code", "origin_country", "missing", "sku_count", "skus"],
             wrap=["skus"], column_config={"hs_code": "HS code", "origin_country": "Origin",
                                           "missing": "Rows missing",
                                           "sku_count": st.column_config.NumberColumn("SKUs"), "skus": "The SKUs"})
    st.download_button("Download the rows to fill in (duty_rates.csv columns)",
                       lambda: ui.csv_bytes(lc.duty_rows_to_fill(gaps)), file_name="duty_rows_to_add.csv",
                       mime="text/csv", key="data_duty_rows_csv", on_click="ignore", icon=":material/download:",
                       help="One row per code and missing duty, rate and source blank: a build refuses a row left "
                            "blank, naming its line.")


def _fx_form(visitor: auth.Visitor) -> None:
    """Admins add the ECB's exchange rates for the months after the table's latest from the ECB's history file (a
    file they download: the app runs offline), as `supplier-risk fx-update` does (pipelines/fx.py); the warehouse is
    then rebuilt from its input folder, so that the orders and payments that waited for a rate are loaded."""
    with st.expander(f"Add exchange rates after {fx.table(fx.FX_PATH).latest} from the ECB (admins)"):
        # the address as text, not a link (no page of ours renders a link: tests/dashboard/test_security.py)
        st.caption("An order or payment in a month the table has no rate for is refused. Download the European "
                   f"Central Bank's reference-rate history (`{fx.ECB_HISTORY_URL.removeprefix('https://www.')}`) "
                   "and add it here: the months "
                   "after each currency's latest are added with the file as their source, a month already in the "
                   "table is never changed, and the warehouse is rebuilt. The table's checked date stays as it is "
                   "until someone compares the new rows with the ECB's (data/reference/verified_through.csv).")
        upload = st.file_uploader("The ECB's eurofxref-hist.zip (or the .csv in it)", type=["zip", "csv"],
                                  key="data_fx_file")
        add = st.button("Add the rates and rebuild", key="data_fx_add", disabled=upload is None)
    if not add or upload is None:
        return
    path = loader.staged_file(upload.name, upload.getvalue())
    try:
        done = fx.extend_from_ecb(path, fx.FX_PATH, upload.name)
    except fx.FxTableError as exc:
        st.error(f"No rate added: {ui.md(exc)}", icon=":material/error:")
        return
    except OSError as exc:
        st.error(f"No rate added: the app cannot write the exchange-rate table {ui.md(fx.FX_PATH)} "
                 f"({ui.md(exc.strerror or exc)}); run `supplier-risk fx-update --ecb eurofxref-hist.zip` as the "
                 "table's owner.", icon=":material/error:")
        return
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    if not done.added:
        st.info("The file has no complete month after the table's latest (a month still running is left for "
                "later): nothing added.", icon=":material/info:")
        return
    months = sorted({m for added in done.added.values() for m in added})
    said = (f"{ui.count_words(sum(map(len, done.added.values())), 'exchange rate')} added ("
            f"{and_list(sorted(done.added))}, {months[0]}" + (f" to {months[-1]}" if len(months) > 1 else "") + ")"
            + (f"; not in the ECB's file: {and_list(done.not_in_file)} (add those by hand)" if done.not_in_file
               else ""))
    info = queries.build_info()
    folder = Path(info["input_dir"].iloc[0]) if not info.empty else None
    if folder is None or not folder.is_dir():
        st.success(f"{ui.md(said)}. Load the files again to build with them.", icon=":material/check_circle:")
        return
    if _rebuild(folder, visitor) is not None:
        st.session_state["_data_done"] = f"{said}; the warehouse was rebuilt with them."
        st.rerun()


def _rebuild(folder: Path, visitor: auth.Visitor, allow_shrink: bool = False, confirming: bool = False):
    """Build the warehouse from `folder` with a progress bar and say how it went; return the build's report, or None
    when it was not published (the current warehouse stays in place). A build refused for shrinking tables is kept in
    the session so that the same files can be confirmed (`confirming`: the confirmation is already on the page)."""
    bar = st.progress(0.0, text="Starting build")
    try:
        report = loader.rebuild(folder, db.db_path(), lambda share, text: bar.progress(share, text=text),
                                allow_shrink=allow_shrink, built_by=f"{visitor.name} ({visitor.method})")
    except BuildBusy as exc:
        st.warning(f"Not started: {ui.md(exc)}. The current warehouse stays in place.",
                   icon=":material/hourglass_top:")
    except ShrinkError as exc:
        st.session_state["_data_shrink"] = (str(folder), list(exc.problems))
        st.error("Not published; the current warehouse is unchanged. This build would empty or shrink:\n\n"
                 + "\n".join(f"- {ui.md(p)}" for p in exc.problems)
                 + "\n\nIf that is intended, tick the confirmation and rebuild.",
                 icon=":material/error:")
        if not confirming:
            st.checkbox("Publish anyway: these tables are meant to shrink", key="data_allow_shrink")
    except (BuildError, IngestError, FileError) as exc:
        st.error(f"Build failed; the previous warehouse is unchanged.\n\n{ui.md(exc)}", icon=":material/error:")
    else:
        queries.clear()
        st.success(f"Warehouse rebuilt as of {report.as_of}: {len(report.steps) - 2} models, "
                   f"{ui.count_words(len(report.warnings), 'warning')}.", icon=":material/check_circle:")
        for name, count, sample in report.warnings:
            st.warning(f"Check {ui.md(name)}: {ui.count_words(count, 'row')}, e.g. {ui.md(sample)}")
        return report
    return None


st.title("Data")
st.caption("One file per table (`suppliers.csv`, `purchase_orders.xlsx`, …) in the import format of "
           "docs/data-contract.md, and any other export: Amazon, Walmart, Shopify and TikTok Shop reports, inspection "
           "summaries, your customs broker's entry summaries and Wise statements are recognised, any other spreadsheet "
           "is mapped to a table (docs/importers.md). Good rows are loaded; every rejected row is listed with its "
           "reason.")

st.subheader("Load new data")
visitor = auth.current()
roots = auth.folder_roots()
source = None
if not visitor.is_admin:  # uploads, server folders and rebuilds are for admins (dashboard/auth.py)
    st.info(f"Loading data and rebuilding the warehouse are for admins; you are {ui.md(visitor.name)} "
            f"({visitor.role or 'no role'}).", icon=":material/lock:")
else:
    source = st.radio("Source", ["Upload files"] + (["Folder on this machine"] if roots else []),
                      key="data_source", horizontal=True,
                      help="Folders can be read only under " + ", ".join(ui.md(r) for r in roots) + "."
                      if roots else "Reading a folder on the server is off: no folder roots are configured "
                                    "(docs/security.md).")
folder: Path | None = None
if source == "Upload files":
    uploads = st.file_uploader("Import files", type=["csv", "xlsx", "parquet", *mapping.EXPORT_TYPES],
                               accept_multiple_files=True, key="data_upload",
                               help="Files named after their table (suppliers, products, purchase_orders, payments, "
                                    "inspections, shipments, sales, returns, quality_costs …), each the whole table; "
                                    "a file in a table's own columns under another name (the Costs page's Claims to "
                                    "record), merged into it; and any other export, recognised or mapped below; at "
                                    "most "
                                    f"{st.get_option('server.maxUploadSize')} MB each (server.maxUploadSize). Kept "
                                    "in a private folder of this session until the build.")
    if uploads:
        try:
            folder = loader.stage_uploads((f.name, f.getvalue()) for f in uploads)
        except loader.UploadFolderError as exc:
            st.error(ui.md(exc), icon=":material/error:")
            st.stop()
        info = queries.build_info()
        previous = Path(info["input_dir"].iloc[0]) if not info.empty else None
        if previous is not None and previous.is_dir():
            keep = st.checkbox(f"Keep the tables I did not upload from the current input folder ({ui.md(previous)})",
                               value=True, key="data_keep_others",
                               help="Otherwise a table without a file is imported as empty.")
            if keep:
                folder, kept = loader.complete_with(folder, previous)
                if kept:
                    st.caption("Kept from the current input: "
                               + ", ".join(display.words(t, "table_name") for t in kept))
        folder = mapping.convert_exports([(f.name, f.getvalue()) for f in uploads], folder)
elif source == "Folder on this machine":
    path_text = st.text_input("Folder path", key="data_folder", placeholder=str(roots[0] / "exports"),
                              help="A folder on the machine running the dashboard, one file per table, under "
                                   + ", ".join(ui.md(r) for r in roots) + ".")
    if path_text.strip():
        try:
            folder = auth.allowed_folder(path_text.strip())
        except auth.FolderRefused as exc:
            st.error(ui.md(exc), icon=":material/block:")
        if folder is not None and folder.is_dir():
            folder = mapping.convert_exports(
                [(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()], folder)

if folder is not None:
    try:
        result = loader.validate(folder)
    except (IngestError, FileError) as exc:
        problems = exc.errors if isinstance(exc, IngestError) else [exc]
        st.error("These files cannot be imported; nothing was loaded:\n\n"
                 + "\n".join(f"- {ui.md(p)}" for p in problems), icon=":material/error:")
        result = None
    if result is not None:
        counts = loader.summary(result)
        rejected = loader.rejections(result)
        c1, c2, c3 = ui.tiles(3)
        c1.metric("Rows read", f"{counts['rows_read'].sum():,}", help="Data rows in the files (header excluded).")
        c2.metric("Rows to load", f"{counts['rows_loaded'].sum():,}",
                  help="Rows that pass every rule (identical duplicates counted once).")
        c3.metric("Rows rejected", f"{counts['rows_rejected'].sum():,}",
                  help="Rows that break at least one rule; each is listed below with its reason.")
        ui.table(counts, "data_validation_counts", "validation_counts.csv",
                 column_config={"rows_read": "Read", "rows_loaded": "Loaded", "rows_rejected": "Rejected",
                                "duplicates_collapsed": "Duplicates collapsed"})
        for note in result.notices:
            st.caption(f"Notice: {ui.md(note)}")
        if rejected.empty:
            st.success("Every row passed validation.")
        else:
            st.markdown(f"**Rejected rows ({display.count_words(len(rejected), 'broken rule')})**")
            first = rejected.head(5)
            st.markdown("\n".join(f"- {ui.md(r.file)} line {r.line}, {ui.md(r.column)}: {ui.md(r.reason)}"
                                   for r in first.itertuples())
                        + (f"\n- … and {len(rejected) - 5:,} more in the table below" if len(rejected) > 5 else ""))
            ui.table(rejected, "data_validation_rejected", "rejected_rows.csv",
                     column_config={"line": st.column_config.NumberColumn("Line", format="%d",
                                                                          help="Line in the file (header = 1)."),
                                    "raw_line": "Row as read"})
        # A build refused for shrinking tables can be confirmed, for the same files only (dashboard/auth.py: admins).
        shrink = st.session_state.get("_data_shrink")
        allow_shrink = False
        confirming = shrink is not None and shrink[0] == str(folder)
        if confirming:
            allow_shrink = st.checkbox("Publish anyway: these tables are meant to shrink", key="data_allow_shrink",
                                       help="The last build from these files was refused because: "
                                            + "; ".join(ui.md(p) for p in shrink[1]))
        if st.button("Rebuild the warehouse with these files", key="data_rebuild", type="primary",
                     help=f"Runs the full build and publishes it atomically at {ui.md(db.db_path())}; the current "
                          "warehouse stays in place if anything fails."):
            if _rebuild(folder, visitor, allow_shrink=allow_shrink, confirming=confirming) is not None:
                st.session_state.pop("_data_shrink", None)

st.divider()
st.subheader("Current warehouse")
if ui.require_warehouse():
    ui.as_of_caption()
    info = queries.build_info()
    last_rejected = queries.rejected_rows()  # a line per rule a row breaks
    refused = queries.rejected_count()  # rows, as every page counts them (a row breaking two rules once)
    # every warned row in words, once per warehouse, not on every rerun (0.6 s at 85,000 rows: a brand without HS
    # codes); None from a build before they were kept
    warned_rows = ui.computed("data_check_warning_rows", _warned_rows_in_words)
    reviewed = 0 if warned_rows is None else int(warned_rows["reviewed_on"].notna().sum())
    if (done := st.session_state.pop("_data_done", None)) is not None:  # an admin action's outcome, after its rebuild
        st.success(ui.md(done), icon=":material/check_circle:")
    if not info.empty:
        st.caption(f"Input folder: {ui.md(info['input_dir'].iloc[0])}")
        # at a glance what the end of the page lists: a founder opening the app after a nightly build
        st.caption(f"The last build rejected {ui.count_words(refused, 'row')}"
                   + ("" if warned_rows is None else
                      f" and kept {ui.count_words(len(warned_rows) - reviewed, 'row')} worth a look"
                      + (f" and {reviewed:,} marked reviewed" if reviewed else ""))
                   + ": listed at the end of this page.")
    ui.coverage_notice()  # what the score can see on the data just built, and which files or columns would add to it
    left_out = display.sales_left_out_of_return_rates(queries.sales_without_returns())
    if left_out:   # a sales channel imported without its returns: the return rates leave its units out
        st.caption(ui.md(left_out))
    history = queries.build_history()
    if not history.empty:
        st.markdown("**Who built what and when**")
        # in a 1280 px window a long input folder wraps: whether a shrink was confirmed goes to the download first
        # (a pytest folder filled the 818 px box exactly and the last column was not drawn)
        ui.table(history, "data_build_history", "build_history.csv", optional=["is_shrink_allowed"],
                 column_config={"built_at": st.column_config.DatetimeColumn("Built at", format="YYYY-MM-DD HH:mm"),
                                "built_by": "Built by", "input_dir": "From folder",
                                "as_of": st.column_config.DateColumn("Data as of"),
                                "rows_loaded": st.column_config.NumberColumn("Rows loaded"),
                                "rows_rejected": st.column_config.NumberColumn("Rows rejected"),
                                "is_shrink_allowed": st.column_config.CheckboxColumn(
                                    "Shrink confirmed", help="Published although a table shrank, after a "
                                                             "confirmation.")})
    fresh = queries.freshness()
    if fresh.empty:
        ui.missing("staging.suppliers", "imported tables")
    else:
        st.markdown("**Freshness per table**")
        as_of = pd.Timestamp(info["as_of"].iloc[0]) if not info.empty else None
        if as_of is not None:
            fresh = fresh.assign(days_before_as_of=(as_of - pd.to_datetime(fresh["latest_on"])).dt.days)
        # a table with no file in the import is unknown, not empty: its 0 rows are not a fact about the business
        fresh = fresh.assign(in_import=["file imported" if queries.imported(t) else "no file: unknown, not empty"
                                        for t in fresh["table_name"]])
        ui.table(fresh, "data_freshness", "freshness.csv",
                 # the date's column goes to the download: beside both dates it no longer fits a 1280 px screen
                 columns=["table_name", "in_import", "row_count", "earliest_on", "latest_on", "days_before_as_of"],
                 download_columns=["date_column"],
                 column_config={"table_name": "Table", "in_import": "In the import",
                                "row_count": st.column_config.NumberColumn("Rows"),
                                "earliest_on": st.column_config.DateColumn(
                                    "Earliest date", help="The table's first date: feeds that start months apart "
                                                          "(returns imported for a shorter period than the sales) "
                                                          "cover different spans. " + FRESHNESS_DATES),
                                "latest_on": st.column_config.DateColumn("Latest date", help=FRESHNESS_DATES),
                                "days_before_as_of": st.column_config.NumberColumn(
                                    "Days before as-of", format="%d",
                                    help="How far the table's latest date lags the analysis date (the latest "
                                         "activity in any table).")})
    through = queries.verified_through()
    if not through.empty:
        st.markdown("**Reference tables: how current**")
        as_of = pd.Timestamp(info["as_of"].iloc[0]) if not info.empty else None
        if as_of is not None:
            past = (as_of - pd.to_datetime(through["verified_through"])).dt.days.clip(lower=0)
            # the tables the data runs furthest past first: what a founder should refresh
            through = through.assign(days_past=past).sort_values("days_past", ascending=False, kind="stable")
            behind = through[through["days_past"] > 0]
            names = and_list([display.words(t, "table_name").lower() for t in behind["table_name"]]) \
                if not behind.empty else ""
            st.caption(
                (f"The data (as of {as_of:%Y-%m-%d}) runs past the date the {names} "
                 f"{'table was' if len(behind) == 1 else 'tables were'} last checked against "
                 f"{'its' if len(behind) == 1 else 'their'} sources. " if not behind.empty else
                 "Every reference table was checked against its sources up to the data's as-of date or later. ")
                + "A shipment entered after a tariff or fee table's date is costed with the table's rows as written "
                "for that date, not yet checked against official sources, and flagged estimated (Costs and "
                "leakage); an order or payment in a month without an exchange rate is refused, "
                "and `supplier-risk fx-update` (or an admin, below) adds the ECB's rates for the months after the "
                "table's latest "
                "(data/reference/README.md). What each table's date means is in the download's notes.")
        # the sources without their asides (what each notice says, which dates it covers), whole in the download: a
        # row was as tall as the exchange rates' five lines of source (120 px at 1280)
        ui.table(through.assign(source_short=through["source"].map(display.without_asides)),
                 "data_reference_tables", "reference_tables.csv",
                 columns=["table_name", "verified_through"] + (["days_past"] if as_of is not None else [])
                 + ["source_short"], download_columns=["source", "notes"], wrap=["source_short"],
                 column_config={"table_name": "Table",
                                "verified_through": st.column_config.DateColumn(
                                    "Checked", help="Checked through: the last date the table was checked against "
                                                    "its sources (data/reference/verified_through.csv)."),
                                "days_past": st.column_config.NumberColumn(
                                    "Data after it", format="%d days",
                                    help="How far the data's as-of date is after that date (0: within it)."),
                                "source_short": st.column_config.TextColumn(
                                    "Source", help="The notices and rulings the table was checked against; the "
                                                   "download has each with what it says and the dates it covers."),
                                "source": "Source in full"})
    _duty_gaps(pd.Timestamp(info["as_of"].iloc[0]).date() if not info.empty else None)
    if visitor.is_admin:
        _fx_form(visitor)
    log = queries.load_log()
    if not log.empty:
        st.markdown("**Load log of the last build**")
        # the counts in the table, one line per table; its notices below it in full (in a column, the longest made
        # every row of the table seven lines tall, most of them empty); the download has both
        ui.table(log, "data_load_log", "load_log.csv", columns=[c for c in log.columns if c != "notices"],
                 download_columns=["notices"], column_config={
                     "rows_read": "Read", "rows_loaded": "Loaded", "rows_rejected": "Rejected",
                     "duplicates_collapsed": st.column_config.NumberColumn(
                         "Duplicates", help="Identical rows counted once.")})
        for table_name, notices in zip(log["table_name"], log["notices"]):
            if isinstance(notices, str) and notices.strip():
                st.caption(f"Notice ({ui.md(display.words(table_name, 'table_name'))}): {ui.md(notices)}")
    st.markdown(f"**Rows rejected by the last build: {refused:,}**"
                + (f" ({len(last_rejected):,} lines below: one per rule a row breaks)"
                   if len(last_rejected) != refused else ""))
    if not last_rejected.empty:
        ui.table(last_rejected, "data_last_rejected", "last_build_rejected_rows.csv")
    warned = queries.check_warnings()
    if warned is not None:  # kept by builds since 2026-12-06
        st.markdown(f"**Warnings of the last build's data checks: {int((warned['rows'] > 0).sum()):,}**")
        if not warned.empty:
            st.caption("Rows kept as given but worth a look: each check says what it looks for, how many rows it "
                       "found that nobody has marked reviewed yet, and the first of them (file and line, or the key).")
            # a check whose every row was reviewed has no first rows worth a look: said, not left blank
            examples = warned["examples"].map(display.check_examples).where(
                warned["rows"] > 0, "Every row marked reviewed (listed below)")
            ui.table(warned.assign(examples=examples),
                     "data_check_warnings", "last_build_warnings.csv",
                     columns=["description", "rows"] + (["reviewed"] if reviewed else []) + ["examples"],
                     download_columns=["check_name", "reviewed"],
                     wrap=["description", "examples"], column_config={
                         "description": "What the check looks for",
                         "rows": st.column_config.NumberColumn("Rows", help="Rows worth a look: not marked reviewed."),
                         "reviewed": st.column_config.NumberColumn("Reviewed", help="Rows marked reviewed."),
                         "examples": "The first rows", "check_name": "Check"})
            if warned_rows is not None and not warned_rows.empty:
                with st.expander(f"Every row the checks warned of: {len(warned_rows):,}"
                                 + (f", {reviewed:,} marked reviewed" if reviewed else "")):
                    ui.table(warned_rows, "data_check_warning_rows", "last_build_warned_rows.csv",
                             columns=["check", "row_key", "problem"] + (["review"] if reviewed else []),
                             # the check's code and its exact words: what reviewed_warnings.csv names by hand
                             download_columns=["check_name", "problem_exact", "reviewed_on", "reviewed_by",
                                               "review_note"],
                             wrap=["problem", "review"], max_shown=ui.LONG_TABLE_ROWS, width_px=ui.expander_px(),
                             column_config={"check": "Check", "row_key": "Row (file:line, or key)",
                                            "problem": "What is worth a look", "check_name": "Check code",
                                            "review": "Reviewed", "problem_exact": "Problem as the check gives it"})
                    if visitor.is_admin:
                        _review_form(warned_rows, visitor)
