"""The weekly digest: what changed in the portfolio over the last N days, as an HTML e-mail.

`gather(run, days)` reads the marts through dashboard/sql (the pages' own read queries); `content(data, days)` turns
them into ten sections, each computed from the warehouse:

* New red flags: each current red flag that was not among the supplier's flags at the last month-end score snapshot
  on or before the window's start (marts.supplier_risk_history keeps each month end's flags; no snapshot then: all
  of its flags are new), with the supplier's count then and now.
* Biggest movers: the score now against that same snapshot (the Portfolio's biggest movers).
* Orders waiting for a release decision: open orders with an unpaid balance due within the release rules'
  `due_soon_days` of the as-of date or overdue (marts.open_orders.is_balance_due_soon), with the verdict and why.
* Orders late to ship: open orders with nothing shipped past the promise and the on-time tolerance
  (marts.open_orders.is_late_to_ship), the latest first: suppliers to chase, money paid at risk.
* Sampling stopped: suppliers whose inspection is discontinued under the ISO 2859-1 switching rules with no
  corrective action closed since (marts.inspection_switching), newest first, those stopped inside the window marked:
  an action outstanding, like a re-audit due, until a closed corrective action resumes it.
* Re-audits due: suppliers of the re-audit plan due within the window after the as-of date or overdue, in the plan's
  order (dashboard.display.reaudit_plan).
* Customs entries to correct: broker entry summaries (CBP Form 7501) whose duty or fees differ from the tariff
  tables' beyond the review threshold, or whose chapter 99 numbers do (marts.customs_entries; the Costs page's
  check): money to claim back or owed, until the broker corrects the summary. Mismatches first, largest first. An
  entry whose every warned row is marked reviewed (the broker's figures found right) is left out and counted.
* Stale data: imported tables with no row dated inside the window (latest date before its start) or no rows at all
  (a table without a file in the import is missing, not stale, and is not listed).
* Data not loaded: the rows the last build refused (ingest.rejected_rows), per table and column, how many and the
  first with its reason (a currency month without a rate, a date that could be day- or month-first): in no figure
  until the file is corrected and loaded again. Not counted in the subject line, as the next section.
* Data worth a look: the last build's data-check warnings (ingest.check_warnings), rows kept as given but flagged (a
  date typed wrong, duty estimated or unknown) and not marked reviewed: each check in words, how many rows, the
  first of them; an entry summary listed under Customs entries to correct is not listed twice. Not counted in the
  subject line: a state of the data, not news of the week.

The window is relative to the warehouse's as-of date (ingest.build_info), not to today: `--since 7d` on a warehouse
as of 2024-06-21 covers 2024-06-14 to 2024-06-21. Every data value is HTML-escaped. `send` mails it through SMTP
(smtplib, STARTTLS optional, the password read from an environment variable). No streamlit.
"""

from __future__ import annotations

import html
import os
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from email.message import EmailMessage

import duckdb
import pandas as pd

from dashboard import display
from models import blind_spot, release, scoring
from models.wording import and_list
from pipelines.build import first_rows

Run = Callable[..., pd.DataFrame]
MOVERS = 10
DEFAULT_SINCE = "7d"  # the command's default window and the Portfolio page's "last 7 days"
MASTER_DATA = {"suppliers", "products"}  # master data, not a feed: its dates say nothing about freshness
PASSWORD_ENV = "SUPPLIER_RISK_SMTP_PASSWORD"
# the data check whose warned rows are broker entry summaries (row key: the entry number; pipelines/checks/)
ENTRY_SUMMARY_CHECK = "landed_cost_entry_summaries"
UNKNOWN = "Not in this warehouse (an older or partial build): unknown, not nothing."


def parse_since(text: str) -> int:
    """"7d" → 7, "2w" → 14 (days); anything else is refused with what is accepted."""
    match = re.fullmatch(r"\s*(\d+)\s*([dw])\s*", str(text).lower())
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"--since {text!r}: give a number of days or weeks, e.g. 7d or 2w")
    return int(match.group(1)) * (7 if match.group(2) == "w" else 1)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    explanation: str
    columns: list[str]            # headers
    rows: list[list[str]]         # formatted cells (plain text; escaped when rendered)
    empty: str                    # said when there is no row
    aside: str = ""               # said after the count in the headline ("14 ready to release")

    @property
    def count(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class Digest:
    as_of: date
    start: date
    days: int
    built_at: str
    sections: list[Section] = field(default_factory=list)
    stale: str | None = None  # the warning when the as-of date is long before today (display.stale_data_warning)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    @property
    def headline(self) -> str:
        """What the window holds, counted: "3 new red flags, 1 re-audit due", or "nothing new"."""
        said = ", ".join(f"{self.section(key).count:,} {one if self.section(key).count == 1 else many}"
                         + (f" ({self.section(key).aside})" if self.section(key).aside else "")
                         for key, (one, many) in SUBJECT.items() if self.section(key).count)
        return said or "nothing new"

    @property
    def subject(self) -> str:
        return f"Supplier-risk digest {self.start:%Y-%m-%d} to {self.as_of:%Y-%m-%d}: {self.headline}"

    @property
    def file_name(self) -> str:
        return f"supplier_risk_digest_{self.as_of:%Y-%m-%d}.html"


# what the subject line counts, in the singular and the plural
SUBJECT = {"red_flags": ("new red flag", "new red flags"),
           "orders": ("order waiting for a release decision", "orders waiting for a release decision"),
           "late": ("order late to ship", "orders late to ship"),
           "stopped": ("supplier with sampling stopped", "suppliers with sampling stopped"),
           "reaudits": ("re-audit due", "re-audits due"),
           "customs": ("customs entry to correct", "customs entries to correct"),
           "ieepa": ("IEEPA entry to claim", "IEEPA entries to claim"),
           "stale": ("stale table", "stale tables")}


def gather(run: Run, days: int) -> dict[str, pd.DataFrame]:
    """Every mart read the digest needs (the window start depends on the warehouse's as-of date)."""
    build = run("build_info")
    if build.empty:
        raise LookupError("the warehouse has no build information (ingest.build_info)")
    start = pd.Timestamp(build["as_of"].iloc[0]).date() - timedelta(days=days)
    return {"build": build, "start": pd.DataFrame({"start": [start]}),
            "red_flags": run("new_red_flags", before=start),
            "movers": run("biggest_movers", ids=None, limit=MOVERS, before=start),
            "orders": run("open_orders", ids=None, supplier_id=None),
            "switching": run("inspection_switching", ids=None),
            "reaudit": run("reaudit_queue", ids=None),
            "customs": run("customs_entries_summary", ids=None, supplier_id=None, sku=None),
            "ieepa": _if_built(run, "ieepa_entries", ids=None, supplier_id=None, sku=None),
            "freshness": run("freshness"),
            "imported": run("tables_imported"),
            "unknown": run("score_unknown_signals"),
            "rejected": run("rejected_summary"),
            "warnings": run("check_warnings"),
            "warning_rows": _if_built(run, "check_warning_rows"),
            "entry_reviews": _if_built(run, "entry_summary_reviews"),
            "kpi_settings": run("kpi_settings")}


def _if_built(run: Run, name: str, **params) -> pd.DataFrame:
    """`run(name, ...)`, or a frame without columns from a warehouse built before a column it reads (unknown)."""
    try:
        return run(name, **params)
    except duckdb.BinderException:
        return pd.DataFrame()


def _day(value: object) -> str:
    return display.BLANK if display._blank(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def _due(day: object, days_until: object, said: str | None = None) -> str:
    """A due date, with how overdue in the planner's words when it has passed: "2024-02-15 (127 days overdue)"; `said`
    words it instead (a balance due on a late shipment: "on shipment, late", display.balance_due_words)."""
    late = not display._blank(days_until) and days_until < 0
    return _day(day) + (f" ({said or display.due_words(days_until)})" if late else "")


def _text(value: object) -> str:
    return display.BLANK if display._blank(value) else " ".join(str(value).split())


def last_month_text(as_of: date) -> str:
    return f"{(pd.Timestamp(as_of).to_period('M') - 1).to_timestamp():%B %Y}"


def waiting_for_decision(orders: pd.DataFrame) -> pd.DataFrame:
    """Open orders whose unpaid balance is due within the release rules' window or overdue: pay it or hold it now.
    Those ready to release first, then those on hold, then those not ready; within each, most overdue first
    (display.by_decision)."""
    if orders.empty:
        return orders
    due = orders["is_balance_due_soon"].fillna(False).astype(bool) & (orders["balance_outstanding"] > 0)
    return display.by_decision(orders[due])


def sampling_stopped(switching: pd.DataFrame) -> pd.DataFrame:
    """One row per supplier whose sampling inspection is stopped now (models.blind_spot.sampling_stopped over
    marts.inspection_switching): its name, the classes in words ("major and minor"), since when, how often it was
    discontinued; the latest stopped first."""
    columns = ["supplier_id", "supplier_name", "classes", "since", "times_discontinued"]
    stopped = blind_spot.sampling_stopped(switching).reset_index()
    if stopped.empty:
        return pd.DataFrame(columns=columns)
    names = switching.drop_duplicates("supplier_id").set_index("supplier_id")["supplier_name"]
    out = stopped.assign(supplier_name=stopped["supplier_id"].map(names),
                         classes=[and_list(c) for c in stopped["classes"]])
    return out.sort_values(["since", "supplier_name"], ascending=[False, True]).reset_index(drop=True)[columns]


def to_correct(entries: pd.DataFrame, reviews: pd.DataFrame | None = None) -> tuple[pd.DataFrame, int]:
    """The customs_entries_summary rows whose duty or fees were over- or underpaid against the tables or whose
    chapter 99 numbers differ, the largest duty difference first, and how many more of them are marked reviewed
    (found right on the Data page: left out; display.entry_reviews)."""
    if entries.empty or "chapter_99_status" not in entries:
        return entries.iloc[:0], 0
    off = entries["duty_status"].isin(["overpaid", "underpaid"]) | entries["fees_status"].isin(
        ["overpaid", "underpaid"]) | (entries["chapter_99_status"] == "differs")
    off = display.entry_reviews(entries[off], reviews)
    return off[~off["reviewed"]].assign(_size=off["duty_difference"].abs()) \
        .sort_values(["_size", "entry_number"], ascending=[False, True], na_position="last") \
        .drop(columns="_size"), int(off["reviewed"].sum())


def ieepa_to_claim(entries: pd.DataFrame) -> pd.DataFrame:
    """The IEEPA entries (marts.ieepa_entries) with duty to claim back: declared, not refunded and no IEEPA refund
    on record, whatever the window (a finally liquidated entry waits for the later CAPE phase CBP announced for
    such entries, not nothing); the window closing soonest first, then the most money."""
    if entries.empty or "cape_declaration" not in entries:
        return entries.iloc[:0]
    open_ = (entries["refund_status"] == "not_claimed") & (entries["ieepa_duty_not_refunded"] > 0)
    return entries[open_].sort_values(["claim_by", "ieepa_duty_not_refunded", "entry_number"],
                                      ascending=[True, False, True], na_position="last")


def worth_a_look(warned: pd.DataFrame, rows: pd.DataFrame, listed: set[str]) -> pd.DataFrame:
    """The build's check warnings (ingest.check_warnings) less the rows another section lists: the entry-summary
    check's rows of the entries "Customs entries to correct" names (`listed`), counted and sampled again from
    `rows` (ingest.check_warning_rows) for what is left (an entry no shipment carries); a check left with no row
    goes."""
    if not listed or not len(warned.columns) or "reviewed_on" not in rows:
        return warned
    entry = warned["check_name"] == ENTRY_SUMMARY_CHECK
    left = rows[(rows["check_name"] == ENTRY_SUMMARY_CHECK) & rows["reviewed_on"].isna()
                & ~rows["row_key"].isin(listed)]
    warned = warned.copy()
    warned.loc[entry, "rows"] = len(left)
    warned.loc[entry, "examples"] = first_rows(left["row_key"], left["problem"])
    return warned[~entry | (warned["rows"] > 0)]


def content(data: dict[str, pd.DataFrame], days: int) -> Digest:
    """The digest of the window of `days` days up to the warehouse's as-of date."""
    # suppliers of the same name told apart by their id, in every list (display.supplier_labels)
    data = {k: v.assign(supplier_name=display.supplier_labels(v))
            if isinstance(v, pd.DataFrame) and {"supplier_name", "supplier_id"} <= set(v.columns) else v
            for k, v in data.items()}
    build = data["build"].iloc[0]
    as_of = pd.Timestamp(build["as_of"]).date()
    start = data["start"]["start"].iloc[0]

    flags = data["red_flags"]
    # the checks this data cannot make: no new flag there is not checked, not a clean record
    unchecked = display.red_flags_unchecked(scoring.red_flags_unknown(data.get("unknown", pd.DataFrame())))
    red_flags = Section(
        "red_flags", "New red flags",
        f"Red flags raised since the last month-end on or before {start:%Y-%m-%d}: not among the supplier's flags "
        "then." + (f" Not checked: {unchecked[:1].upper()}{unchecked[1:]}." if unchecked else ""),
        ["Supplier", "Red flag", "Why", "Red flags then → now", "Score", "Band"],
        [[_text(r.supplier_name), display.words(r.red_flag, "red_flag"), display.sentence(_text(r.reason)),
          f"{int(r.red_flags_before):,} ({_day(r.baseline_as_of)}) → {int(r.red_flags_now):,}",
          display.number(r.risk_score, 1), display.words(r.risk_band, "risk_band")] for r in flags.itertuples()],
        "No new red flag on what this data shows." if unchecked else "No new red flag.")

    movers = data["movers"]
    movers_section = Section(
        "movers", "Biggest movers",
        f"Score now against the last month-end on or before {start:%Y-%m-%d}; the {MOVERS} largest moves.",
        ["Supplier", "Then", "Now", "Change", "Moved most", "Band then → now"],
        [[_text(r.supplier_name), display.number(r.previous_score, 1), display.number(r.risk_score, 1),
          f"{r.score_change:+,.1f}", moved,
          f"{display.words(r.previous_band, 'risk_band')} → {display.words(r.risk_band, 'risk_band')}"]
         for r, moved in zip(movers.itertuples(), display.pillar_moves(movers))],
        "No score moved.")

    orders = waiting_for_decision(data["orders"])
    labels = [c["label"] for c in release.load_config()["conditions"].values()]
    verdicts = display.balances_by_verdict(orders)  # every order here has a balance to pay
    split = ", ".join(f"{int(verdicts[v]):,} {said}" for v, said in (
        (release.RELEASE, "ready to release"), (release.HOLD, "on hold (a check found something wrong)"),
        (release.NOT_READY, "not ready (inspection, shipment or documents still to come)")) if verdicts.get(v, 0))
    orders_section = Section(
        "orders", "Orders waiting for a release decision",
        "Unpaid balances due within the release rules' window or overdue, those ready to release first, then "
        "those on hold, then those not ready: release them, or hold them for the reasons given (Open orders page)."
        + (f" {split[:1].upper()}{split[1:]}." if split else ""),
        ["Order", "Supplier", "Balance", "Due", "Verdict", "Why not released"],
        [[_text(r.po_id), _text(r.supplier_name), display.money(r.balance_outstanding),
          _due(r.balance_due_on, r.days_until_balance_due, said),
          display.words(r.verdict, "verdict"),
          display.hold_details(r.hold_reasons, labels, failed)
          if r.verdict in (release.HOLD, release.NOT_READY) else ""]
         for r, failed, said in zip(orders.itertuples(), display.failed_checks(orders),
                                    display.balance_due_words(orders))],
        "No balance is due." if display.imported(data["imported"], "payments") else
        "Not known: no payments file was imported, so no balance is known to be due.",
        aside=f"{int(verdicts[release.RELEASE]):,} ready to release" if verdicts.get(release.RELEASE, 0) else "")

    late = display.late_to_ship(data["orders"])
    late_section = Section(
        "late", "Orders late to ship",
        "Open orders with nothing shipped past their promised ship date and the on-time tolerance, the latest first: "
        "chase the supplier; what was paid on them is at risk (Open orders page, Late to ship).",
        ["Order", "Supplier", "Promised ship date", "Days late", "Paid on it"],
        [[_text(r.po_id), _text(r.supplier_name), _day(r.promised_ship_on), display.number(r.days_late),
          display.money(r.deposit_at_risk)] for r in late.itertuples()],
        f"Not known: {unknown}." if (unknown := display.lateness_unknown(
            data["orders"], display.imported(data["imported"], "shipments"))) else "No order is late to ship.")

    stopped = sampling_stopped(data["switching"])
    stopped_section = Section(
        "stopped", "Sampling stopped",
        "Suppliers whose inspection is discontinued under the ISO 2859-1 switching rules (5 lots rejected on "
        "tightened inspection) with no corrective action closed since: accept none of their lots on sampling; "
        "inspect every unit or hold orders until the supplier closes one (Inspections page).",
        ["Supplier", "Defects", "Since", "Times discontinued"],
        [[_text(r.supplier_name), r.classes, _day(r.since) + (" (new)" if pd.Timestamp(r.since).date() > start else ""),
          display.number(r.times_discontinued)] for r in stopped.itertuples()],
        "No supplier's sampling inspection is discontinued." if display.imported(data["imported"], "inspections")
        else "Not known: no inspections file was imported.")

    queue = data["reaudit"]
    plan = display.reaudit_plan(queue) if not queue.empty else queue
    if not plan.empty:
        plan = plan[pd.to_numeric(plan["days_until_due"], errors="coerce") <= days]
    groups = {key: heading for key, heading, _ in display.REAUDIT_GROUPS}
    reaudits = Section(
        "reaudits", "Re-audits due",
        f"Due by {as_of + timedelta(days=days):%Y-%m-%d} or overdue, in the order of the re-audit plan.",
        ["#", "Supplier", "Group", "Due", "What to do", "Why"],
        [[f"{int(r.plan_rank):,}", _text(r.supplier_name), groups.get(r.group, display.BLANK),
          _due(r.due_on, r.days_until_due),
          display.words(r.suggested_action, "suggested_action"), display.words(r.triggers, "trigger")]
         for r in plan.itertuples()],
        "No re-audit is due.")

    entries, entries_reviewed = to_correct(data.get("customs", pd.DataFrame()), data.get("entry_reviews"))
    customs = Section(
        "customs", "Customs entries to correct",
        "Broker entry summaries whose duty or fees differ from the tariff tables, or that declare chapter 99 numbers "
        "the tables do not give for the goods on their date: ask the broker for a post-summary correction before "
        "the entry liquidates, or protest after it does (Costs and leakage)."
        + (f" Left out: {display.count_words(entries_reviewed, 'entry', 'entries')} marked reviewed (the broker's "
           "figures found right)." if entries_reviewed else ""),
        ["Entry", "Entry date", "Declared − computed duty", "Duty", "Fees", "Chapter 99"],
        [[_text(r.entry_number), _day(r.entry_on_summary), display.money(r.duty_difference, 2)
          if not display._blank(r.duty_difference) else display.BLANK,
          display.words(r.duty_status, "check_status"), display.words(r.fees_status, "check_status"), check]
         for r, check in zip(entries.itertuples(), display.chapter_99_checks(entries) if len(entries) else [])],
        "No entry summary differs from the tariff tables." if display.imported(data["imported"],
                                                                                "entry_summary_lines")
        else "Not known: no customs entry summaries were imported.")

    claims = ieepa_to_claim(data.get("ieepa", pd.DataFrame()))
    owed = float(claims["ieepa_duty_not_refunded"].sum()) if len(claims) else 0.0
    ieepa = Section(
        "ieepa", "IEEPA duty to claim back",
        "Entries whose entry summary declared IEEPA duty with no refund recorded, the window closing soonest first: "
        "CAPE phase 1 takes those not liquidated or liquidated within its days (the CAPE declaration on the Costs "
        "page, or supplier-risk cape-declaration); past them, a protest until its last day; once the liquidation is "
        "final, the later CAPE phase CBP announced for such entries (check its notice). Record each claim in "
        "duty_refunds."
        + (f" {display.money(owed)} not refunded on {'it' if len(claims) == 1 else 'them'}." if len(claims) else ""),
        ["Entry", "IEEPA duty declared", "Not refunded yet", "Claim window", "Claim by", "CAPE declaration"],
        [[_text(r.entry_number), display.money(r.ieepa_duty_declared), display.money(r.ieepa_duty_not_refunded),
          display.words(r.claim_window, "claim_window"), _day(r.claim_by),
          display.words(r.cape_declaration, "cape_declaration")] for r in claims.itertuples()],
        "No IEEPA duty is left to claim." if display.imported(data["imported"], "entry_summary_lines")
        else "Not known: no customs entry summaries were imported.",
        aside=display.money(owed) if len(claims) else "")

    fresh = data["freshness"]
    if not fresh.empty:
        # a table the import has no file for is not stale but not kept at all (the pages' coverage notice says so)
        fresh = fresh[~fresh["table_name"].isin(MASTER_DATA)
                      & fresh["table_name"].map(lambda t: display.imported(data["imported"], t))]
        latest = pd.to_datetime(fresh["latest_on"])
        # a table of monthly rows (sales) is current while it holds the last complete month before the as-of date
        monthly = fresh["date_column"] == "month"
        last_month = (pd.Timestamp(as_of).to_period("M") - 1).to_timestamp()
        fresh = fresh[(fresh["row_count"] == 0) | latest.isna()
                      | (~monthly & (latest < pd.Timestamp(start))) | (monthly & (latest < last_month))]
    stale = Section(
        "stale", "Stale data",
        f"Imported tables with no row dated after {start:%Y-%m-%d} (monthly sales: none for "
        f"{last_month_text(as_of)}), or no rows at all: nothing happened, or the latest export was not imported.",
        ["Table", "Rows", "Latest date", "Days before the as-of date"],
        [[display.words(r.table_name, "table_name"), display.number(r.row_count), _day(r.latest_on),
          display.number((pd.Timestamp(as_of) - pd.Timestamp(r.latest_on)).days)
          if not display._blank(r.latest_on) else display.BLANK] for r in fresh.itertuples()],
        "Every table has rows dated inside the window.")
    refused = data.get("rejected", pd.DataFrame())
    rejected = Section(
        "rejected", "Data not loaded",
        "Rows the last build refused, so in no figure until the file is corrected and loaded again (a currency month "
        "without an exchange rate, a date that could be day- or month-first, a value that is not a number): each "
        "table and column, how many rows and the first of them; every row with its file, line and reason is on the "
        "Data page.",
        ["Table", "Column", "Rows", "The first of them"],
        [[display.words(r.table_name, "table_name"), _text(r.column_name), display.number(r.refused_rows),
          _text(r.first_row)] for r in refused.itertuples()] if len(refused.columns) else [],
        "The last build refused no row.")
    warned = worth_a_look(data.get("warnings", pd.DataFrame()), data.get("warning_rows", pd.DataFrame()),
                          set(entries.get("entry_number", [])))
    reviewed = int(warned["reviewed"].sum()) if "reviewed" in warned else 0
    checks = Section(
        "data_checks", "Data worth a look",
        "Rows the last build kept as given but its data checks flagged (a date typed wrong, duty estimated or "
        "unknown, an entry summary that differs) and nobody has marked reviewed yet, less the entries listed under "
        "Customs entries to correct: each check, how many rows and the first of them; every row is on the Data page"
        + (f", and the {display.count_words(reviewed, 'row')} marked reviewed." if reviewed else "."),
        ["Check", "Rows", "The first rows"],
        [[display.words(r.check_name, "check_name"), display.number(r.rows), display.check_examples(r.examples)]
         for r in warned.itertuples() if r.rows] if len(warned.columns) else [],
        "The last build's data checks found nothing worth a look"
        + (f" that is not marked reviewed ({display.count_words(reviewed, 'row')} marked reviewed)." if reviewed
           else "."))
    sections = [red_flags, movers_section, orders_section, late_section, stopped_section, reaudits, customs, ieepa,
                stale, rejected, checks]
    # a mart this warehouse does not have (an older or partial build) reads as a frame without columns: unknown, not
    # "nothing"; so does one built before a column the section reads
    sources = {"red_flags": flags, "movers": movers, "orders": data["orders"],
               "late": data["orders"] if "is_late_to_ship" in data["orders"] else pd.DataFrame(),
               "stopped": data["switching"], "reaudits": queue,
               "customs": data["customs"] if "chapter_99_status" in data.get("customs", pd.DataFrame())
               else pd.DataFrame(),
               "ieepa": data["ieepa"] if "cape_declaration" in data.get("ieepa", pd.DataFrame()) else pd.DataFrame(),
               "stale": data["freshness"], "rejected": refused, "data_checks": warned}
    sections = [s if len(sources[s.key].columns) else replace(s, empty=UNKNOWN) for s in sections]
    return Digest(as_of=as_of, start=start, days=days, built_at=display.BLANK if display._blank(build.get("built_at"))
                  else f"{pd.Timestamp(build['built_at']).tz_convert('UTC'):%Y-%m-%d %H:%M} UTC",
                  sections=sections,
                  stale=display.stale_data_warning(as_of, display.stale_after_days(
                      data.get("kpi_settings", pd.DataFrame())), display.is_demo(build.get("input_dir"))))


def build(run: Run, days: int) -> Digest:
    return content(gather(run, days), days)


# ----------------------------------------------------------------------------- rendering

STYLE = ("body{font-family:Helvetica,Arial,sans-serif;color:#212529;max-width:980px}"
         "h1{font-size:20px}h2{font-size:16px;color:#1f4e79;margin-top:22px}"
         "table{border-collapse:collapse;font-size:13px}th,td{border-bottom:1px solid #dee2e6;padding:4px 8px;"
         "text-align:left;vertical-align:top}th{background:#f1f3f5}.note{color:#666;font-size:12px}")


def render_html(digest: Digest) -> str:
    """The digest as one HTML document; every data value escaped (html.escape), so a name like `<script>` is text."""
    e = html.escape
    parts = [f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{e(digest.subject)}</title>"
             f"<style>{STYLE}</style></head><body>",
             f"<h1>Supplier-risk digest: {digest.start:%Y-%m-%d} to {digest.as_of:%Y-%m-%d}</h1>",
             f"<p class=\"note\">The {display.count_words(digest.days, 'day')} up to the warehouse's as-of date {digest.as_of:%Y-%m-%d} "
             f"(built {e(digest.built_at)}).</p>"
             + (f"<p><strong>{e(digest.stale)}</strong></p>" if digest.stale else "") + "<ul>"]
    parts += [f"<li><a href=\"#{s.key}\">{e(s.title)}</a>: {s.count:,}</li>" for s in digest.sections]
    parts.append("</ul>")
    for s in digest.sections:
        parts.append(f"<h2 id=\"{s.key}\">{e(s.title)} ({s.count:,})</h2><p class=\"note\">{e(s.explanation)}</p>")
        if not s.rows:
            parts.append(f"<p>{e(s.empty)}</p>")
            continue
        parts.append("<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in s.columns) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>" for row in s.rows]
        parts.append("</table>")
    parts.append("<p class=\"note\">Made by the supplier-risk cockpit (supplier-risk digest); definitions in "
                 "docs/dashboard.md.</p></body></html>")
    return "\n".join(parts)


def render_text(digest: Digest) -> str:
    """A plain-text version for mail readers that show no HTML."""
    lines = [digest.subject, ""] + ([digest.stale, ""] if digest.stale else [])
    for s in digest.sections:
        lines += [f"{s.title} ({s.count:,})", s.explanation]
        lines += ["  - " + " | ".join(row) for row in s.rows] or [f"  {s.empty}"]
        lines.append("")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- sending

@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    sender: str
    recipients: list[str]
    user: str | None = None
    password_env: str = PASSWORD_ENV
    starttls: bool = False
    cafile: str | None = None  # a private CA's certificate for STARTTLS (default: the system's trusted CAs)
    timeout: float = 30.0


def message(digest: Digest, settings: Smtp) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = digest.subject
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.recipients)
    msg.set_content(render_text(digest))
    msg.add_alternative(render_html(digest), subtype="html")
    return msg


def send(digest: Digest, settings: Smtp) -> None:
    """Mail the digest (plain text and HTML alternatives). With a user, the password is read from the environment
    variable `password_env` (never from the command line); a missing one is an error before anything is sent."""
    password = None
    if settings.user:
        password = os.environ.get(settings.password_env)
        if not password:
            raise ValueError(f"SMTP user {settings.user!r} given but the environment variable {settings.password_env} "
                             "holding the password is not set")
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context(cafile=settings.cafile))
        if settings.user:
            smtp.login(settings.user, password)
        smtp.send_message(message(digest, settings))
