"""The one place for display names and formats (dashboard/display.py), and every page read as a founder reads it:
no code, `None` or `nan` in a table or a sentence, and every answer column wide and tall enough to be read whole."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from dashboard import components as ui
from dashboard import display, navigation
from helpers import plain
from models import scoring


def test_numbers_have_separators_blanks_a_dash_and_shares_one_decimal():
    assert display.money(1234567.4) == "$1,234,567" and display.money(-1320.4) == "-$1,320"
    assert display.signed_money(-12.5, 2) == "-$12.50" and display.signed_money(3) == "+$3"
    assert display.signed_money(-0.004, 2) == "+$0.00" and display.signed_money(-0.004, 2, end=True) == "$0.00"
    assert display.number(35787) == "35,787" and display.number(None) == "–"
    assert display.pct(0.05) == "5.0%" and display.pct(0.0283) == "2.8%" and display.pct(-0.003) == "-0.3%"
    assert display.pp(0.0048) == "+0.5 pp" and display.pp(float("nan")) == "–"
    # a difference that rounds to zero has no minus: "(-0.00 to +1.14)" read as a loss that is not there
    assert display.pp(-0.00004, 2) == "+0.00 pp" and display.signed(-0.004, 2, "×") == "+0.00×"
    assert display.signed(-2.64, 1, " pp") == "-2.6 pp"
    # an interval's end that rounds to zero has no sign: "+0.00 to +1.14" would read as above zero when it is not
    assert display.pp(-0.00004, 2, end=True) == "0.00 pp" and display.signed(0.004, 2, "×", end=True) == "0.00×"
    assert display.pp(-0.0004, 2, end=True) == "-0.04 pp" and display.signed(0.0, 1, end=True) == "0.0"
    assert display.money(pd.NA) == display.pct(None) == "–"
    # a negative that rounds to zero reads as zero: a realised margin of -0.004% read "-0.0% (-0.0% – -0.0%)"
    assert display.pct(-0.00004) == "0.0%" and display.pct(-0.0004, 2) == "-0.04%"
    assert display.pct(-0.00004, 2) == "0.00%"
    assert display.money(-0.4) == "$0" and display.money(-0.004, 2) == "$0.00" and display.money(-0.5, 0) == "$0"
    assert display.money(-0.6) == "-$1" and display.number(-0.04, 1) == "0.0" and display.number(-0.06, 1) == "-0.1"
    # an interval in one cell, each end as the column beside it writes it; a dash without both ends
    assert display.interval(0.0212, 0.0789) == "2.1% – 7.9%"
    assert display.interval(0.5834, 0.66149, "{:.3f}".format) == "0.583 – 0.661"
    assert display.interval(0.1, None) == display.interval(float("nan"), 0.2) == display.interval(pd.NA, pd.NA) == "–"


def test_a_band_says_when_red_flags_not_the_score_put_it_there():
    # thresholds low 0, medium 25, high 40, critical 55; one red flag forces high, three critical (risk_score.toml)
    assert display.band_with_reason("high", 12.4, 1) == "High (red flag)"
    assert display.band_raised("high", 12.4, 1) == "raised by a red flag"
    assert display.score_band_below("high", 12.4, 1) == "low"
    assert display.band_with_reason("critical", 41.0, 3) == "Critical (3 red flags)"
    assert display.band_raised("critical", 41.0, 3) == "raised by 3 red flags"
    # the score's own band: nothing to explain, with or without flags
    for band, score, flags in (("high", 45.0, 1), ("critical", 60.0, 2), ("low", 10.0, 0), ("medium", 30.0, 0)):
        assert display.band_with_reason(band, score, flags) == display.words(band, "risk_band")
        assert display.band_raised(band, score, flags) == "" and display.score_band_below(band, score, flags) is None
    assert display.band_raised(None, None, None) == "" and display.band_with_reason(None, 5.0, 1) == display.BLANK
    assert display.band_rule() == ("a red flag puts a supplier in the High band at least, whatever its score, and 3 or "
                                   "more in Critical")
    # a whole portfolio at once: the same answers, the config read once
    rows = [("high", 12.4, 1), ("critical", 41.0, 3), ("high", 45.0, 1), ("low", 10.0, 0), (None, 5.0, 1)]
    assert display.score_bands_below(*zip(*rows)) == ["low", "high", None, None, None]


def test_codes_read_as_words_and_signals_as_the_scores_own_labels():
    assert display.words("trading_company", "supplier_type") == "Trading company"
    # one band list: the score's (models.scoring.BAND_ORDER), each with its words and colour, no others
    assert set(display.ENUMS["risk_band"]) == set(scoring.BAND_ORDER) == set(ui.BAND_COLOURS)
    assert display.words("critical", "risk_band") == "Critical"
    assert display.words("audit_overdue, failed_audit, payment_anomaly", "trigger") == \
        "No audit in 12 months, Failed audit, Another entity paid or on the contract"
    # a band raised by a red flag is not a high score: the trigger names the band
    assert display.words("high_score", "trigger") == "High risk band"
    # open lists read as words whether listed or not: a refund programme, a duty check, an import table
    assert display.words("ieepa", "program") == "IEEPA duties" and display.words("overpaid", "check_status") == \
        "Overpaid"
    assert display.words("assists", "table_name") == "Assists" and display.words("bank_accounts", "table_name") == \
        "Bank accounts"
    assert display.words("critical defect recent", "red_flag") == "Critical defects found recently"  # spaced in SQL
    # a supplier's flags, codes joined by commas (queries.red_flag_suppliers; spaced as sql/red_flags.sql has them)
    assert display.words("failed audit,payee_mismatch", "red_flags") == \
        "Failed its last audit; Paid an entity that is not the supplier"
    # one definition per idea: the signal labels are models.scoring.LABELS, capitalised
    assert display.words("psi_failure_rate", "signal") == "Failed pre-shipment inspections"
    assert all(display.signal_label(s).lower() == label.lower() and display.signal_label(s) != label.lower()
               for s, label in scoring.LABELS.items())
    assert display.signal_label("not_as_described_rate") == "'Not as described' returns"
    # only the first letter: an initialism's next word stays as the label writes it
    assert display.signal_label("ip_protection") == "IP protection (NNN, moulds)"
    assert display.signal_label("legal_entity_consistency") == "PI entity / bank beneficiary vs legal name"
    assert display.words("electronics_accessories", "category") == "Electronics accessories"
    assert display.words(None) == "–" and display.words("S001") == "S001"  # an id is shown as it is
    # every trigger the re-audit step can fire has words (pipelines/steps/reaudit.py)
    from pathlib import Path

    source = (Path(display.__file__).parents[1] / "pipelines" / "steps" / "reaudit.py").read_text()
    fired = set(re.findall(r'trigger\("([a-z_]+)"', source))
    assert fired and fired <= set(display.ENUMS["trigger"])
    # and every configured red flag
    flags = {k for k, v in scoring.load_config()["red_flags"].items() if v is True}
    assert set(display.ENUMS["red_flag"]) == set(scoring.RED_FLAG_SIGNALS)  # every red flag has its words
    assert len(flags) >= 5


def test_explanations_in_a_cell_start_as_a_sentence_and_codes_keep_their_words():
    frame = pd.DataFrame({"red_flag": ["failed_audit", None], "reason": ["the last factory audit failed", None],
                          "status": ["open, overdue", "closed, confirmed by the next lot"],
                          "supplier_name": ["iKitchen Co.", "x"], "n": [1, 2]})
    out = display.humanise(frame)
    assert out["reason"].iloc[0] == "The last factory audit failed" and pd.isna(out["reason"].iloc[1])
    assert out["status"].tolist() == ["Open, overdue", "Closed, confirmed by the next lot"]
    assert out["red_flag"].iloc[0] == "Failed its last audit" and pd.isna(out["red_flag"].iloc[1])
    # a name is data: shown as the supplier writes it; numbers untouched; the input frame is not changed
    assert out["supplier_name"].tolist() == ["iKitchen Co.", "x"] and out["n"].tolist() == [1, 2]
    assert frame["reason"].iloc[0] == "the last factory audit failed"
    # a blank stays blank (the grid draws it as "–"), a number as it is
    assert display.sentence(None) is None and display.sentence(3) == 3 and display.sentence("") == ""


@pytest.mark.parametrize("text", ["None", "nan", "NaT", "<NA>", "trading_company", "lots_inspected", "ci_low"])
def test_raw_identifiers_are_recognised(text):
    assert display.is_raw_identifier(text)


@pytest.mark.parametrize("text", ["Trading company", "S001", "ELEC-0015", "2026-10-31", "$1,234", "Level II"])
def test_words_and_ids_are_not_raw_identifiers(text):
    assert not display.is_raw_identifier(text)


@pytest.mark.parametrize("name", ["Ningbo Alpha Store", "宁波阿尔法有限公司", "A # B", "![x](http://evil.example/x.png)",
                                  "two\nlines"])
def test_a_supplier_link_opens_its_page_and_shows_the_name(name):
    url = display.supplier_url("S 1&x", name)
    assert url.startswith("supplier?supplier=S%201%26x#")  # the id travels encoded; relative to the app
    # the column shows the first capture of LINK_TEXT (a JavaScript regex; the same in Python for this pattern)
    assert re.match(display.LINK_TEXT, url).group(1) == " ".join(name.split())


def test_wrapping_counts_lines_at_word_boundaries():
    px, space = display.text_px("a"), display.text_px(" ")
    assert (px, space) == (7.1, 2.8)  # Source Sans at 14 px, as Chromium measures it
    assert display.wrapped_lines("aaaa aaaa", 8 * px + space) == 1
    assert display.wrapped_lines("aaaa aaaa", 8 * px + space - 0.1) == 2
    assert display.wrapped_lines("aaaa aaaa aaaa", 9 * px + space) == 2
    assert display.wrapped_lines("a" * 25, 10 * px) == 3  # a word longer than a line is broken


def test_answer_columns_share_the_room_so_that_rows_stay_low():
    pad = display.CELL_PADDING_PX
    short = ["a" * 20]  # 142 px: one line in 160 px
    long = [" ".join(["aaaa"] * 30)]  # 30 words of 28.4 px, 2.8 px apart: 933.2 px on one line
    natural = {"short": int(display.text_px(short[0])) + pad, "long": int(display.text_px(long[0])) + pad}
    widths = display.answer_widths({"short": short, "long": long}, natural, room=600)
    # the short answer takes its one line (never half the room), the long one the rest: 3 lines of up to 13 words,
    # where half the room each would have made every row 4 lines high
    assert widths["short"] == natural["short"] and widths["long"] == 600 - natural["short"]
    assert display.wrapped_lines(long[0], widths["long"] - pad) == 3
    assert display.wrapped_lines(long[0], 300 - pad) == 4
    # not enough room: each as narrow as it may be (the rows as low as that allows)
    tight = display.answer_widths({"short": short * 2, "long": long}, natural, room=300)
    assert tight["short"] == natural["short"] and tight["long"] == 160  # 160 px at least, else its one-line width
    assert display.answer_widths({}, {}, 500) == {}


def test_a_table_longer_than_its_box_shows_a_screen_of_rows_and_a_short_one_is_drawn_whole():
    # up to max_rows rows: every row drawn, however tall (the page's own scroll reads them)
    assert display.rows_in_view(20, 94) == 20 and display.table_height(20, 94) == 36 + 20 * 94 + 3
    assert display.rows_in_view(0, 35) == 1
    # more: a box of at most 25 one-line rows' height (875 px of rows), never more than max_rows, at least 2
    assert display.rows_in_view(300, 35) == 25 and display.table_height(300, 35) == 914  # as before
    assert display.rows_in_view(26, 65) == 13  # 875 // 65; it was 25 rows, a 1,664 px box hiding the 26th
    assert display.rows_in_view(74, 94, max_rows=12) == 9
    assert display.rows_in_view(74, 35, max_rows=12) == 12
    assert display.rows_in_view(72, 314) == 2 and display.table_height(72, 314) == 36 + 628 + 3  # not 7,889 px
    assert display.rows_in_view(72, 600) == 2


def test_holds_read_as_what_fails():
    labels = ["Golden sample approved", "Shipping documents received"]
    text = ("Golden sample approved: no golden sample approval on record; Shipping documents received: not shipped "
            "yet: no bill of lading; Something else: kept whole")
    assert display.hold_details(text, labels) == ("No golden sample approval on record; not shipped yet: no bill of "
                                                  "lading; Something else: kept whole")
    assert display.hold_details("", labels) == display.hold_details(None, labels) == "–"
    # the checks that failed first, then those still to come, each in the checklist's order
    pending_first = ("Pre-shipment inspection passed: no pre-shipment inspection yet; Golden sample approved: no golden "
                     "sample approval on record; Payee verified: money went to ACME")
    assert display.hold_details(pending_first, labels + ["Pre-shipment inspection passed", "Payee verified"],
                                failed=["Golden sample approved", "Payee verified"]) == (
        "No golden sample approval on record; money went to ACME; no pre-shipment inspection yet")


def test_a_hold_reads_in_one_short_cell_its_most_telling_reason_first():
    labels = ["Pre-shipment inspection passed", "Payee verified", "Shipping documents received"]
    text = ("Pre-shipment inspection passed: the last pre-shipment inspection failed (2026-10-18); Payee verified: the "
            "proforma invoice names another entity (Suzhou Huaxin Industrial Co., Ltd.) than the legal entity (Jinhua "
            "Huaxin Trading Co., Ltd.); Shipping documents received: not shipped yet: no bill of lading")
    # the payee first (a `first` condition), the company names left out, the two others counted
    assert display.hold_summary(text, labels, ["Payee verified"]) == (
        "The proforma invoice names another entity than the legal entity; and 2 more")
    # no `first` condition fails: the checklist's first failing reason, its one-word aside (a date) kept
    assert display.hold_summary(text, labels) == "The last pre-shipment inspection failed (2026-10-18); and 2 more"
    stopped = ("Pre-shipment inspection passed: passed on a sample though sampling was stopped on 2024-06-10 (ISO "
               "2859-1 discontinued inspection: 5 lots rejected on tightened inspection, no corrective action closed "
               "since): inspect every unit")
    assert display.hold_summary(stopped, labels) == "Passed on a sample though sampling was stopped on 2024-06-10"
    # a legal name in Chinese characters is a name too (one "word": no spaces)
    chinese = text.replace("(Jinhua Huaxin Trading Co., Ltd.)", "(金华市华鑫贸易有限公司)")
    assert display.hold_summary(chinese, labels, ["Payee verified"]) == (
        "The proforma invoice names another entity than the legal entity; and 2 more")
    assert display.hold_summary("Payee verified: paid to Sunrise Trading (HK) Ltd, not the legal entity", labels) == (
        "Paid to Sunrise Trading (HK) Ltd, not the legal entity")
    assert display.hold_summary("Shipping documents received: not shipped yet: no bill of lading", labels) == (
        "Not shipped yet: no bill of lading")
    assert display.hold_summary("", labels) == display.hold_summary(None, labels) == "–"
    # a failed check before one still to come, whatever their order in the checklist: the inspection not yet done
    # (pending) is listed first, the payee that failed leads the cell
    pending_first = ("Pre-shipment inspection passed: no pre-shipment inspection yet; Payee verified: paid to ACME, "
                     "not the legal entity; Shipping documents received: not shipped yet: no bill of lading")
    assert display.hold_summary(pending_first, labels, failed=["Payee verified"]) == (
        "Paid to ACME, not the legal entity; and 2 more")


def test_order_answers_lead_with_a_failed_check_then_what_is_still_to_come():
    """marts.open_orders rows by hand: a hold whose failure (no golden sample) comes after a check still to come in
    the checklist leads with the failure; a not-ready order with what is to come."""
    from models import release

    labels = {n: c["label"] for n, c in release.load_config()["conditions"].items()}
    rows = pd.DataFrame({
        "hold_reasons": [f"{labels['psi_passed']}: no pre-shipment inspection yet; {labels['golden_sample_approved']}: "
                         "no golden sample approval on record",
                         f"{labels['psi_passed']}: no pre-shipment inspection yet"],
        "days_until_balance_due": [3, -2],
        **{n: ["pass", "pass"] for n in release.CONDITIONS}})
    rows.loc[0, ["psi_passed", "golden_sample_approved"]] = ["pending", "fail"]
    rows.loc[1, "psi_passed"] = "pending"
    out = display.order_answers(rows)
    assert out["why_held"].tolist() == ["No golden sample approval on record; and 1 more",
                                        "No pre-shipment inspection yet"]
    assert out["balance_due_in"].tolist() == ["in 3 days", "2 days overdue"]


def test_open_orders_are_listed_in_the_order_a_founder_decides_them():
    """Ready to release, on hold, not ready, paid; within each the most overdue first, then by order id; a verdict
    the rules do not know last; a due date not known last in its verdict."""
    rows = pd.DataFrame({"po_id": ["A", "B", "C", "D", "E", "F", "G"],
                         "verdict": ["not_ready", "hold", "release", "hold", "paid", "release", "other"],
                         "days_until_balance_due": [-9, 3, 5, -2, -30, None, -40]})
    assert display.by_decision(rows)["po_id"].tolist() == ["C", "F", "D", "B", "A", "E", "G"]


def test_orders_late_to_ship_are_listed_latest_first():
    """marts.open_orders rows by hand: the late ones only, the latest first, then by order id; a warehouse built
    before the column has none (not an error)."""
    rows = pd.DataFrame({"po_id": ["A", "B", "C", "D"], "is_late_to_ship": [True, False, True, True],
                         "days_late": [5, None, 30, 5]})
    assert display.late_to_ship(rows)["po_id"].tolist() == ["C", "A", "D"]
    assert display.late_to_ship(rows.drop(columns=["is_late_to_ship", "days_late"])).empty


def test_a_balance_that_waits_for_its_shipment_is_not_overdue():
    """marts.open_orders rows by hand, past their balance's due date: only an order whose due date is the promised ship
    date (no terms of its own) and of which nothing has shipped waits for its shipment; shipped goods, or a due date
    the terms set, make the balance overdue (due_words). The shipment is late once the on-time rule says so
    (is_late_to_ship: 20 days past the promise is; 1 day, within the tolerance, is not yet)."""
    rows = pd.DataFrame({"days_until_balance_due": [-20, -20, -20, -1, 4, None],
                         "is_balance_due_on_assumed": [True, True, False, True, True, True],
                         "shipped_quantity": [0, 500, 0, None, 0, 0],
                         "is_late_to_ship": [True, False, True, False, False, False]})
    assert display.awaits_shipment(rows).tolist() == [True, False, False, True, False, False]
    assert display.balance_due_words(rows).tolist() == ["on shipment, late", "20 days overdue", "20 days overdue",
                                                        "on shipment", "in 4 days", "–"]
    # a warehouse built before is_late_to_ship: a balance waiting for its shipment reads late, as it did
    assert display.balance_due_words(rows.drop(columns="is_late_to_ship"))[3] == "on shipment, late"
    # a warehouse whose marts lack the two columns: every past due date is overdue, as before
    assert display.balance_due_words(rows[["days_until_balance_due"]]).tolist()[:2] == ["20 days overdue"] * 2


REASONS = pd.DataFrame({  # marts.reaudit_reasons rows of two suppliers, as the build writes them
    "supplier_id": ["A", "A", "A", "B"], "reason_no": [1, 2, 3, 1],
    "trigger": ["corrective_action", "failed_inspection", "critical_score", "routine"],
    "finding": ["1 corrective action past its due date; 2 closed whose next lot failed again in the last 90 days",
                "3 of 3 first pre-shipment inspections failed (peers' rate 22%, p = 0.01)",
                "score 63.4 of 100 and 2 red flags", "routine re-verification: due 2027-01-01"]})


def test_statistics_leave_the_plain_reason_and_triggers_are_worded_alike():
    worded = display.reason_words(REASONS)
    assert worded.index.tolist() == ["A", "B"]
    assert worded["A"] == ("Corrective action overdue or failed again: 1 corrective action past its due date; 2 "
                           "closed whose next lot failed again in the last 90 days; Failed inspections: 3 of 3 first "
                           "pre-shipment inspections failed (peers' rate 22%, p = 0.01); Critical risk band: score "
                           "63.4 of 100 and 2 red flags")
    assert display.without_statistics(worded["A"]).endswith(
        "Failed inspections: 3 of 3 first pre-shipment inspections failed; Critical risk band: score 63.4 of 100 and "
        "2 red flags")
    assert worded["B"] == "routine re-verification: due 2027-01-01"  # the cycle's finding says it all
    # a p-value too small to write is said as a bound, and leaves the plain reason too
    assert display.without_statistics("quality inconsistency: 30 of 105 lots that passed inspection came back "
                                      "defective (peers' rate 6%, p < 0.001); price shift: 3 of 11 reorders") == (
        "quality inconsistency: 30 of 105 lots that passed inspection came back defective; price shift: 3 of 11 "
        "reorders")
    assert display.reason_words(REASONS.iloc[:0]).empty and display.reason_words(pd.DataFrame()).empty


def test_the_how_we_know_table_has_a_row_per_reason_in_the_plans_order():
    """B comes first in the plan; each supplier's reasons keep their order, a finding holding "; " stays one row."""
    plan = pd.DataFrame({"plan_rank": [2, 1], "supplier_id": ["A", "B"], "risk_score": [63.4, 10.0],
                         "reason": ["the queue's text, not read", "nor this"]})
    long = display.reaudit_reasons(plan, REASONS.iloc[::-1])
    assert long[["plan_rank", "supplier_id", "risk_score", "trigger"]].values.tolist() == [
        [1, "B", 10.0, "Routine 12-month re-check"], [2, "A", 63.4, "Corrective action overdue or failed again"],
        [2, "A", 63.4, "Failed inspections"], [2, "A", 63.4, "Critical risk band"]]
    assert long["reason"].tolist() == [REASONS["finding"][3], *REASONS["finding"][:3]]
    # a supplier of the plan without reasons (an older build) has no row, nor a reason of a supplier filtered out
    assert display.reaudit_reasons(plan.iloc[:1], REASONS)["supplier_id"].unique().tolist() == ["A"]


def test_reaudit_backlog_terms_word_the_configured_cycle_and_catch_up_days():
    # the shipped config: a 12-month cycle, lapsed audits booked critical 0, high 60, medium 90, low 180 days out
    assert display.reaudit_backlog_terms() == (12, "critical now, high within 60 days, medium 90, low 180")
    cfg = {"reaudit": {"max_months_between_audits": 18,
                       "lapsed_due_days": {"low": 120, "medium": 45, "high": 0, "critical": 0}}}
    assert display.reaudit_backlog_terms(cfg) == (18, "critical now, high now, medium within 45 days, low 120")


def test_reaudit_groups_put_held_suppliers_first_then_by_due_date():
    queue = pd.DataFrame({
        "supplier_id": ["R", "H", "N", "M", "L"], "rank": [1, 2, 3, 4, 5],
        "suggested_action": ["desk re-check", "hold new orders", "on-site audit", "tighter inspection",
                             "on-site audit"],
        "days_until_due": [180, 0, -10, 30, 31], "risk_score": [20.0, 60.0, 40.0, 50.0, 0.0],
        "priority": [2000.0, 600.0, 400.0, 500.0, 0.0], "money_at_stake": [10000.0, 1000.0, 1000.0, 1000.0, 800.0],
        "reason": ["routine re-verification: due 2027-01-01"] * 5, "triggers": [None, "", None, None, None]})
    plan = display.reaudit_plan(queue)
    assert plan["supplier_id"].tolist() == ["H", "N", "M", "R", "L"]  # the routine supplier no longer ranks first
    assert plan["group"].tolist() == ["hold", "now", "30", "later", "later"]
    assert plan["plan_rank"].tolist() == [1, 2, 3, 4, 5]
    # the mart's money at stake travels with its supplier, also for a zero score (whose priority is 0)
    assert plan["money_at_stake"].tolist() == [1000.0, 1000.0, 1000.0, 10000.0, 800.0]
    # when in words, and no empty Why: a supplier in the plan for the cycle alone says so
    assert plan["when"].tolist() == ["today", "10 days overdue", "in 30 days", "in 180 days", "in 31 days"]
    assert plan["triggers"].tolist() == ["routine"] * 5
    assert display.words(plan["triggers"].iloc[0], "trigger") == "Routine 12-month re-check"


def test_a_change_that_rounds_to_nothing_shows_no_arrow():
    assert display.money_delta(0.004, 2) is None and display.money_delta(None) is None
    assert display.money_delta(-1.204, 2) == "-$1.20" and display.money_delta(3.5) == "+$4"


def test_due_dates_read_as_a_person_says_them():  # counts: tests/models/test_explanation_numbers.py
    assert [display.due_words(d) for d in (1, -1, 0, -800, None)] == \
        ["in 1 day", "1 day overdue", "today", "800 days overdue", "–"]


def test_dates_from_duckdb_show_as_dates_and_plain_number_columns_get_separators():
    """A DATE column arrives as datetime64 (it was drawn as epoch milliseconds, 1786579200000, as text); a page's
    NumberColumn without a format gets separators like every other number (3,295, not 3295)."""
    import streamlit as st

    frame = pd.DataFrame({"entry_on_summary": pd.to_datetime(["2026-08-13", "2026-09-01"]),
                          "built_at": pd.to_datetime(["2026-12-02 13:01", "2026-12-01 09:30"]),
                          "row_count": [3295, 160524]})
    prepared = display._prepare(frame, list(frame.columns), False,
                                {"row_count": st.column_config.NumberColumn("Rows")}, None, 25, display.PAGE_PX)
    specs = prepared.specs
    assert specs["entry_on_summary"]["type_config"]["type"] == "date"
    assert specs["built_at"]["type_config"] == {**specs["built_at"]["type_config"], "type": "datetime",
                                                "format": "YYYY-MM-DD HH:mm"}
    assert specs["row_count"]["type_config"]["format"] == "%,d"
    # wide enough for the date and time whole
    assert specs["built_at"]["width"] >= int(display.text_px("2026-12-31 23:59") + display.CELL_PADDING_PX)


def test_inspection_recommendation_is_an_action_with_its_reason_in_plain_words():
    row = pd.Series({"recommended_level": "I", "recommended_aql_major": 0.15, "recommended_sample_size": 80,
                     "recommended_accept": 0, "current_level": "II", "current_aql_major": 2.5,
                     "defect_rate_estimate": 0.028, "p_accept_current_plan": 0.983, "p_accept_recommended": 0.084,
                     "recommendation_meets_target": True})
    assert display.inspection_action(row) == (
        "Ask for level I, AQL 0.15 on the next lot (80 samples, accept 0): at this supplier's estimated defect rate, "
        "2.8%, a lot would pass today's plan (level II, AQL 2.5) 98% of the time; this plan would pass it 8% of the "
        "time.")
    strictest = row.copy()
    strictest[["recommended_level", "recommended_aql_major", "p_accept_recommended",
               "recommendation_meets_target"]] = ["III", 0.065, 0.31, False]
    assert display.inspection_action(strictest) == (
        "Inspect every unit or fix quality at the source: at this supplier's estimated defect rate, 2.8%, a lot "
        "would pass today's plan (level II, AQL 2.5) 98% of the time, and even the strictest plan (level III, AQL "
        "0.065) would pass it 31% of the time.")
    within = row.copy()
    within[["recommended_level", "recommended_aql_major", "defect_rate_estimate", "p_accept_current_plan"]] = [
        "II", 2.5, 0.018, 0.9996]
    # 99.96% would read "100% of the time", and "100.0%" at one decimal: over 99.9%
    assert display.inspection_action(within) == (
        "Keep the plan, level II, AQL 2.5: the supplier's estimated defect rate, 1.8%, is within the AQL, so its lots "
        "should pass (they would over 99.9% of the time).")
    stops = within.copy()
    stops[["defect_rate_estimate", "p_accept_current_plan"]] = [0.06, 0.07]
    assert display.inspection_action(stops) == (
        "Keep the plan, level II, AQL 2.5: at the supplier's estimated defect rate, 6.0%, it already stops most lots "
        "(one would pass 7% of the time).")
    # a lot that would pass once in a million is rare, not never: "0.0%" would say never
    stops[["defect_rate_estimate", "p_accept_current_plan"]] = [0.202, 1e-6]
    assert display.inspection_action(stops).endswith("(one would pass under 0.1% of the time).")
    within["p_accept_current_plan"] = 0.9986  # one decimal when the whole percent would read 100%
    assert display.inspection_action(within).endswith("(they would 99.9% of the time).")
    assert display.inspection_action(row, discontinued=True).startswith("Stop accepting lots on sampling")


def test_a_plan_asked_for_with_a_higher_aql_than_todays_aql_0_says_it_is_the_stricter_one():
    """Inspected at AQL 0 (accept none on the level's 32 samples of a lot of 200), a supplier at an estimated 2.5%
    passes 41% of lots; level I AQL 0.15 accepts none in 80 samples (8%): its AQL reads looser, the page says why it
    is not. A plan change with a lower AQL, or today's accept number raised, says nothing more."""
    row = pd.Series({"recommended_level": "I", "recommended_aql_major": 0.15, "recommended_sample_size": 80,
                     "recommended_accept": 0, "current_level": "II", "current_aql_major": 0.0,
                     "current_sample_size": 32, "current_accept": 0, "defect_rate_estimate": 0.025407,
                     "p_accept_current_plan": 0.414182, "p_accept_recommended": 0.075159,
                     "recommendation_meets_target": True})
    assert display.inspection_action(row) == (
        "Ask for level I, AQL 0.15 on the next lot (80 samples, accept 0): at this supplier's estimated defect rate, "
        "2.5%, a lot would pass today's plan (level II, AQL 0) 41% of the time; this plan would pass it 8% of the "
        "time. Though its AQL reads higher, it is the stricter plan: it accepts no defective unit in 80 samples, "
        "today's plan none in 32.")
    lower = row.copy()
    lower[["current_aql_major", "current_accept"]] = [2.5, 2]
    assert display.inspection_action(lower).endswith("this plan would pass it 8% of the time.")


# ----------------------------------------------------------------------------- every page on the demo

TEXT_KINDS = ("markdown", "caption", "info", "warning", "error", "success", "subheader", "title")
SNAKE_WORD = re.compile(r"(?<![`\w./\\-])[a-z]+(?:_[a-z0-9]+)+(?![`\w./(])")


def _tables(at):
    """(name, frame, column order, column config) of every table on the page."""
    for d in at.dataframe:
        config = json.loads(d.proto.columns) if d.proto.columns else {}
        order = list(d.proto.column_order) or list(d.value.columns)
        yield d.proto.id, d.value, order, config, d.proto


def _problems(at) -> list[str]:
    problems = []
    for name, frame, order, config, proto in _tables(at):
        if "supplier_name" in order:  # every supplier named in a table opens its Supplier page (supplier_link)
            problems.append(f"{name}: supplier names without a link to their page")
        for col in order:
            spec = config.get(col, {})
            label = spec.get("label") or col
            if display.is_raw_identifier(label):
                problems.append(f"{name}: header {label!r}")
            kind = spec.get("type_config", {}).get("type")
            if col in display.ID_COLUMNS or kind == "link" or col not in frame:
                continue
            if frame[col].dtype.kind not in "biufcmM":  # text (object or pandas string)
                bad = sorted({str(v) for v in frame[col] if isinstance(v, str) and display.is_raw_identifier(v)})
                if bad:
                    problems.append(f"{name}: {col} shows {bad[:3]}")
        # answer columns: the longest value fits in the column's width over the row's lines
        row_px = proto.row_height or 35
        lines = max(1, (row_px - 14) // display.LINE_PX)
        for col in order:
            if col in display.ANSWER_COLUMNS and col in frame:
                width = config.get(col, {}).get("width")
                assert isinstance(width, int), f"{name}: answer column {col} has no width"
                for value in frame[col].dropna().astype(str):
                    if display.wrapped_lines(value, width - display.CELL_PADDING_PX) > lines:
                        problems.append(f"{name}: {col} cut off: {value[:60]!r}")
                        break
    for kind in TEXT_KINDS:
        for element in getattr(at, kind):
            text = plain(str(element.value))
            if re.search(r"(?<![\w`])(None|nan|NaN)(?![\w`])", text):
                problems.append(f"{kind}: {text[:100]!r}")
            words = SNAKE_WORD.findall(re.sub(r"`[^`]*`", "", text))
            if words:
                problems.append(f"{kind}: {words} in {text[:100]!r}")
            # "Co., Ltd.." : a name's full stop and the sentence's (bold marks between them ignored)
            if re.search(r"(?<!\.)\.\.(?!\.)", text.replace("**", "")):
                problems.append(f"{kind}: a double full stop in {text[:100]!r}")
    for metric in at.metric:
        for text in (metric.label, str(metric.value)):
            if display.is_raw_identifier(text) or SNAKE_WORD.search(text):
                problems.append(f"metric {metric.label!r}: {text!r}")
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("page", list(navigation.BY_KEY))
def test_every_page_shows_words_not_codes_and_answers_whole(ui, demo_db, page):
    at = ui.open(demo_db, page)
    assert at.dataframe, "the page shows no table"
    assert _problems(at) == []


@pytest.mark.slow
def test_the_supplier_page_of_a_flagged_supplier_shows_words_not_codes(ui, demo_db, demo_con):
    sid = demo_con.execute("select supplier_id from marts.supplier_risk_score order by red_flag_count desc, "
                           "risk_score desc limit 1").fetchone()[0]
    at = ui.open(demo_db, "supplier", query={"supplier": sid})
    assert _problems(at) == []
    texts = ui.texts(at)
    # the re-audit reasons each on its line in the triggers' words, not their codes
    fired = [t for (t,) in demo_con.execute("select trigger from marts.reaudit_reasons where supplier_id = ? "
                                            "order by reason_no", [sid]).fetchall()]
    assert len(fired) > 1 and all(f"- **{display.words(t, 'trigger')}**: " in texts for t in fired)
    assert "Triggers:" not in texts and not any(f"{t}:" in texts for t in fired if "_" in t)
    # "How we know" lists the findings of a statistical test, with their statistics, and only those
    tested = [ui.plain(m.value) for m in at.markdown if m.value.startswith("- **") and "p = " in ui.plain(m.value)]
    assert len(tested) == 1 and all("p = " in line for line in tested[0].split("\n"))
    # each signal's evidence with its unit: inspections counted beside dollars of quality costs, never bare numbers
    shown = next(f for f in ui.frames(at) if "evidence" in f.columns).set_index("signal")["evidence"]
    n = dict(demo_con.execute("select signal, evidence_n from marts.supplier_signals where supplier_id = ?",
                              [sid]).fetchall())
    inspections = int(n["psi_failure_rate"])
    assert shown[display.signal_label("psi_failure_rate")] == (
        f"{inspections:,} pre-shipment inspection{'' if inspections == 1 else 's'}")
    assert shown[display.signal_label("quality_cost_share")] == f"${n['quality_cost_share']:,.0f} of quality costs"
    assert shown[display.signal_label("operating_status")] == "Supplier record"


@pytest.mark.slow
def test_a_legal_name_ending_in_a_full_stop_ends_the_sentence_once(ui, demo_db, demo_con):
    sid, legal = demo_con.execute("select supplier_id, legal_name from marts.supplier_risk_score "
                                  "join staging.suppliers using (supplier_id) where red_flag_count = 0 and "
                                  "legal_name like '%.' order by supplier_id limit 1").fetchone()
    at = ui.open(demo_db, "supplier", query={"supplier": sid})
    said = [plain(str(s.value)).replace("**", "") for s in at.success]
    assert f"Contract, bank and payees all match the legal entity {legal}" in said  # "Co., Ltd.", not "Co., Ltd.."
    assert _problems(at) == []


@pytest.mark.slow
def test_supplier_names_in_tables_link_to_their_supplier_page(ui, demo_db, demo_con):
    at = ui.open(demo_db)
    linked = 0
    for name, frame, order, config, _ in _tables(at):
        if "supplier_name" in frame.columns:
            assert "supplier_link" in order and "supplier_name" not in order, name
            assert config["supplier_link"]["type_config"]["type"] == "link"
            expected = [display.supplier_url(i, n) for i, n in zip(frame["supplier_id"], frame["supplier_name"])]
            assert frame["supplier_link"].tolist() == expected
            linked += 1
    assert linked >= 3  # red flags, movers, all suppliers
    flagged = next(f for f in at.dataframe if "red_flags" in f.value.columns).value
    sid, name = demo_con.execute("select s.supplier_id, s.supplier_name from marts.supplier_risk_score r join "
                                 "staging.suppliers s using (supplier_id) where r.red_flag_count > 0 "
                                 "order by r.risk_score desc, s.supplier_id limit 1").fetchone()
    assert f"supplier?supplier={sid}#{name}" in flagged["supplier_link"].tolist()


def test_the_quote_says_where_its_logistics_came_from_and_splits_the_variance():
    row = {"planned_from_sku": 1200, "variance_from_sku": -1500.4, "planned_from_supplier": 1,
           "variance_from_supplier": 20.0, "planned_without_history": 0, "variance_without_history": 0.0}
    assert display.quote_basis(row).endswith(
        "The variance by where that came from: 1,200 orders planned from the same SKU: -$1,500; 1 order planned "
        "from the supplier's other SKUs: $20.")
    # AD/CVD deposits the broker declared are in the landed duty; the quote plans them at the rate the SKU's
    # earlier entries declared, or none
    assert display.quote_basis({**row, "adcvd_deposits": 2_898.40}).endswith(
        "from the supplier's other SKUs: $20. The landed duty includes $2,898 of AD/CVD cash deposits your broker "
        "declared; the quote planned none: no earlier entry of the same SKU declared one (the duty tables have no "
        "deposit rates).")
    assert display.quote_basis({**row, "adcvd_deposits": 2_898.40, "planned_deposits": 4_782.36}).endswith(
        "The landed duty includes $2,898 of AD/CVD cash deposits your broker declared; the quote planned $4,782 of "
        "deposits, at the rate earlier entries of the same SKU declared.")
    landed = {"units_received": 2_700, "landed_total": 22_616.0}
    assert display.units_landed(landed) == "2,700 units received; landed cost per unit $8.38."
    assert display.units_landed({**landed, "adcvd_deposits": 2_898.40}) == (
        "2,700 units received; landed cost per unit $8.38; its duty includes $2,898 of AD/CVD cash deposits.")
    assert display.units_landed({"units_received": 0, "landed_total": 0.0}) == (
        "0 units received; landed cost per unit –.")


def test_a_failed_lot_says_which_defect_classes_failed_it():
    lots = pd.DataFrame({
        "passed_psi": [False, False, True, None, False],
        "critical_defects": [1, 0, 0, 0, 0], "critical_plan_accept": [0, 0, 0, 0, 0],
        "major_defects": [9, 4, 2, 9, None], "major_plan_accept": [7, 5, 5, 5, 5],
        "minor_defects": [3, 10, 1, 1, 2], "minor_plan_accept": [10, 7, 7, 7, 7]})
    assert display.lot_results(lots) == ["Failed: critical 1 > Ac 0; major 9 > Ac 7", "Failed: minor 10 > Ac 7",
                                         "Passed", "", "Failed (the report's result; no count above its Ac)"]
    # a passed lot that escaped says so, with its field defect rate
    escaped = lots.assign(is_escape=[False, False, True, False, False], field_defect_rate=[None, None, 0.079, None,
                                                                                            None])
    assert display.lot_results(escaped)[2] == "Passed, escaped: 7.9% returned defective"


def test_max_points_show_a_half_point_and_whole_points_without_decimals():
    assert [display.max_points(v) for v in (8.0, 4.5, 41.5, 100.0, None)] == ["8", "4.5", "41.5", "100", "–"]


def test_every_import_field_has_a_label_in_words_distinct_within_its_table():
    from pipelines import contract

    for table, spec in contract.TABLES_BY_NAME.items():
        labels = [display.field_label(c.name) for c in spec.columns]
        assert not [lb for lb in labels if display.is_raw_identifier(lb) or "_" in lb], table
        assert len(set(labels)) == len(labels), table
        assert not display.is_raw_identifier(display.words(table, "table_name")), table
    assert display.field_label("po_id") == "Purchase order number"
    assert display.value_label("supplier_type", "trading_company") == "Trading company"
    assert display.value_label("incoterm", "FOB") == "FOB"
    assert display.value_label("program", "ieepa") == "IEEPA duties"


def test_each_signal_says_what_its_evidence_counts_and_a_rate_without_evidence_says_so():
    signals = pd.DataFrame({
        "signal": ["psi_failure_rate", "quality_cost_share", "operating_status", "passed_but_defective",
                   "bank_account_changes", "late_rate"],
        "explanation": ["2 of 12 pre-shipment inspections failed at first attempt (sample-size adjusted 14.0%, peer "
                        "average 9.0%)", "costs of poor quality $35,787 on orders worth $1,200,000 (3.0%)",
                        "registry operating status: normal",
                        "0 of 0 lots that passed pre-shipment inspection came back with field defect returns above "
                        "the lot's major AQL (sample-size adjusted 8.1%, peer average 8.1%)",
                        "unknown: no bank accounts file was imported (0 points; import it to count this)",
                        "1 of 1 due orders shipped late or not at all (sample-size adjusted 30.0%, peer average 25.0%)"],
        "evidence_n": [12.0, 35787.4, 1.0, 0.0, 0.0, 1.0],
        "raw_value": [2 / 12, 0.03, 0.0, float("nan"), float("nan"), 1.0],
        "prior_mean": [0.09, 0.02, float("nan"), 0.080838, float("nan"), 0.25],
        "points": [1.2, 0.5, 0.0, 0.6, 0.0, 0.4]})
    shown = display.signal_words(signals).set_index("signal")
    assert shown["evidence"].to_dict() == {
        "psi_failure_rate": "12 pre-shipment inspections", "quality_cost_share": "$35,787 of quality costs",
        "operating_status": "Supplier record", "passed_but_defective": "0 passed lots on sale long enough to judge",
        "bank_account_changes": "–", "late_rate": "1 due order"}
    # no lot to judge: the peers' average rate (8.1%) gives its points, and the words say so; the rest unchanged
    assert shown.loc["passed_but_defective", "explanation"] == (
        "No passed lots on sale long enough to judge yet: scored at its peers' average rate, 8.1%, as every supplier "
        "without evidence is, until its own record shows")
    unchanged = ["psi_failure_rate", "quality_cost_share", "operating_status", "bank_account_changes", "late_rate"]
    assert (shown.loc[unchanged, "explanation"] == signals.set_index("signal").loc[unchanged, "explanation"]).all()
    assert (shown["points"] == signals.set_index("signal")["points"]).all()  # words only: the score is the score


@pytest.mark.parametrize("value, shown", [
    (None, "–"), (15_421_367, "$15,421,367"), (99_999_999, "$99,999,999"), (100_000_000, "$100M"),
    (238_926_000, "$238.9M"), (1_400_767_725, "$1.401B"), (999_960_000, "$1B"), (999_940_000, "$999.9M"),
    (-250_000_000, "-$250M")])
def test_metric_tiles_show_large_money_in_four_figures(value, shown):
    # USAID SCMS's $1,400,767,725 of spend was cut to "$1,400,767…" in the Portfolio tile
    assert display.metric_money(value) == shown


def test_every_money_metric_tile_uses_the_tile_format():
    """No page puts a full-length dollar figure in a metric tile (it is cut off with an ellipsis from $100M): no
    `.metric(...)` call has a `ui.money(...)` anywhere in its arguments."""
    import ast
    from pathlib import Path

    pages = Path(display.__file__).resolve().parent / "pages"
    offenders = []
    for page in sorted(pages.glob("*.py")):
        for node in ast.walk(ast.parse(page.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "metric":
                inner = [n for a in [*node.args, *(k.value for k in node.keywords)] for n in ast.walk(a)]
                if any(isinstance(n, ast.Attribute) and n.attr == "money" for n in inner):
                    offenders.append(f"{page.name}:{node.lineno}")
    assert offenders == []



def test_lot_stages_name_the_major_stage_and_any_class_held_to_a_stricter_one():
    lots = pd.DataFrame({"critical_stage": ["normal", "normal", "tightened", None, "tightened"],
                         "major_stage": ["normal", "tightened", "tightened", None, "reduced"],
                         "minor_stage": ["normal", "discontinued", "tightened", None, "normal"]})
    assert display.lot_stages(lots) == ["Normal", "Tightened; minor discontinued", "Tightened", "",
                                        "Reduced; critical tightened; minor normal"]


def test_lot_plans_say_when_the_sample_was_below_the_plans():
    lots = pd.DataFrame({"inspection_level": ["II", "II", "I", "II"], "aql_major": [2.5, 2.5, 1.0, 2.5],
                         "major_plan_sample_size": [125, 80, 50, None], "major_plan_accept": [7, 5, 1, None],
                         "plan_sample_size": [125, 125, 50, None], "sample_size": [125, 50, None, 20],
                         "is_plan_followed": [True, False, False, False]})
    assert display.lot_plans(lots) == ["II · AQL 2.5 · n 125, Ac 7",
                                       "II · AQL 2.5 · n 80, Ac 5; sampled 50 of 125 asked",
                                       "I · AQL 1 · n 50, Ac 1; sample size not recorded", display.BLANK]


def test_pillar_moves_name_the_pillar_that_moved_a_score_most():
    """Per mover: the pillar with the largest move, and the next when it moved at least half as much; a tie goes to
    the pillar listed first (who they are, payments, quality, delivery, commercial); moves under 0.05 are rounding."""
    movers = pd.DataFrame({
        "entity_change": [0.0, 0.6, 0.0, 1.0, 0.04],
        "transaction_change": [0.1, 0.1, 2.1, -1.0, 0.0],
        "quality_change": [2.5, 1.1, 0.0, 0.4, -0.03],
        "delivery_change": [-0.2, 0.2, -1.2, 0.0, 0.0],
        "commercial_change": [-0.1, 0.0, 0.0, 0.0, 0.0]})
    assert display.pillar_moves(movers) == ["Quality +2.5", "Quality +1.1; Who they are +0.6",
                                            "Payments +2.1; Delivery -1.2", "Who they are +1.0; Payments -1.0", "–"]


def test_breakdown_unknowns_name_what_the_landed_cost_cannot_count():
    """Duty and fees of shipments with nothing paid or computable (USAID SCMS: 7,096 of 8,365), inspection costs
    without an inspections file; a count of 0 or no flags row says nothing."""
    scms = pd.Series({"duty_unknown_count": 7096, "fees_unknown_count": 7096, "shipment_count": 8365})
    assert display.breakdown_unknowns(scms, inspections_imported=False) == {
        "duty": "unknown on 7,096 of 8,365 shipments", "fees": "unknown on 7,096 of 8,365 shipments",
        "inspection_cost": "unknown: no inspections file"}
    one = pd.Series({"duty_unknown_count": 1, "fees_unknown_count": 0, "shipment_count": 1})
    assert display.breakdown_unknowns(one, inspections_imported=True) == {"duty": "unknown on 1 of 1 shipment"}
    assert display.breakdown_unknowns(None, inspections_imported=True) == {}


def test_a_supplier_name_too_long_for_the_table_wraps_beside_a_narrow_link():
    """A name is the link to its Supplier page when the table fits; a link cell does not wrap, so when names such as
    USAID SCMS's 'MERCK SHARP & DOHME IDEA GMBH (FORMALLY MERCK SHARP & DOHME B.V.)' would push columns off screen
    the name wraps like an answer and a narrow 'Open ›' link beside it opens the page; the download is unchanged."""
    long = "MERCK SHARP & DOHME IDEA GMBH (FORMALLY MERCK SHARP & DOHME B.V.)"
    frame = pd.DataFrame({"supplier_id": ["msd", "s2"], "supplier_name": [long, "Short Ltd"],
                          "risk_band": ["low", "high"], "spend": [1_234_567.0, 89.0]})
    visible = ["supplier_name", "risk_band", "spend"]
    wide = display._prepare(frame, visible, True, None, None, 25, display.PAGE_PX)
    assert wide.order == ["supplier_link", "risk_band", "spend"]
    assert list(wide.shown["supplier_link"]) == [display.supplier_url("msd", long), display.supplier_url("s2", "Short Ltd")]
    narrow = display._prepare(frame, visible, True, None, None, 25, 420)
    assert narrow.order == ["supplier_name", "supplier_link", "risk_band", "spend"]
    assert list(narrow.shown["supplier_link"]) == [display.supplier_url(i, display.OPEN_TEXT) for i in ("msd", "s2")]
    assert sum(narrow.specs[c]["width"] for c in narrow.order) <= 420 - 2  # the table fits its box
    width = narrow.specs["supplier_name"]["width"]
    assert display.wrapped_lines(long, width - display.CELL_PADDING_PX) >= 2 and narrow.row_px  # the rows hold it
    assert list(narrow.shown[visible].columns) == visible  # what a download reads: the names, not the link


def test_the_main_column_width_a_browser_reports_is_clamped_and_defaults_to_the_1440_px_layout():
    """dashboard.viewport: no report yet (or a value that is not a number) plans for the main column of a 1440 px
    window; a report is rounded down to 10 px and kept within what tables can be planned for."""
    from dashboard import viewport

    assert viewport.clamp(None) == viewport.DEFAULT_PX == display.PAGE_PX == 980
    assert viewport.clamp("820") == 820 and viewport.clamp(820.7) == 820 and viewport.clamp(906) == 900
    assert viewport.clamp("wide") == 980 and viewport.clamp(float("inf")) == 980 and viewport.clamp(float("nan")) == 980
    assert viewport.clamp(100) == viewport.LEAST_PX and viewport.clamp(10_000) == viewport.MOST_PX
    assert viewport.page_px() == 980  # outside a browser session
    assert display.expander_px() == 946  # 944 px of grid, as measured at 1440 px
    assert display.column_px([1, 2], 1) == 642 and display.column_px([1, 2], 0) == 321  # (980 - 16) × 2/3, × 1/3


def test_metric_tiles_go_on_more_rows_only_when_they_would_be_too_narrow():
    """display.tile_rows, by hand: at the layout's 980 px five tiles are (980 - 4 × 16) / 5 = 183.2 px, wide enough
    (TILE_PX 183), so one row; at a 1280 px window's 820 px they would be 150.4, so 3 + 2 (tiles of 262.7); four at
    820 are (820 - 48) / 4 = 193, one row, unless a label needs more: 'Suppliers above their AQL' (152 px of text +
    56 of padding and help icon = 208) puts them 2 + 2; weights [1, 1.3, 1, 1] at 820: 772 / 4.3 = 179.5 < 183."""
    assert display.tile_rows([1] * 5, 980) == [[1] * 5]
    assert display.tile_rows([1] * 5, 820) == [[1, 1, 1], [1, 1]]
    assert display.tile_rows([1] * 4, 820) == [[1] * 4]
    labels = ["Escape rate", "Escaped money", "Suppliers above their AQL", "Lots inspected"]
    assert display.tile_rows([1] * 4, 980, labels) == [[1] * 4]  # 233 px each
    assert display.tile_rows([1] * 4, 820, labels) == [[1, 1], [1, 1]]
    assert display.tile_rows([1, 1.3, 1, 1], 980) == [[1, 1.3, 1, 1]]
    assert display.tile_rows([1, 1.3, 1, 1], 820) == [[1, 1.3], [1, 1]]
    assert display.tile_rows([1] * 3, 500) == [[1, 1], [1]]  # (500 - 16) / 3 = 161 < 183; two of 242
    assert display.tile_rows([1] * 2, 300) == [[1], [1]]


def test_on_a_narrow_screen_every_column_stays_on_screen_by_wrapping_or_the_table_scrolls_with_its_key_pinned():
    """At the layout's width an answer wraps no narrower than MIN_ANSWER_PX (160). Narrower, the answers may go to
    LEAST_ANSWER_PX (96) and other long texts wrap too, so that the columns add up to the box; never narrower than a
    header's text. A table of numbers that cannot fit pins its first column and scrolls."""
    answer = "Hold: the payee's bank account changed last week and was not verified by a call-back; two lots failed"
    frame = pd.DataFrame({"order": ["PO-1", "PO-2"], "category": ["Kitchen storage and organisers", "Lamps"],
                          "spend": [1_234_567.0, 89.0], "units": [12_000, 5], "why": [answer, "Release"]})
    visible = ["order", "category", "spend", "units", "why"]
    config = {"why": "Why on hold"}
    wide = display._prepare(frame, visible, False, config, None, 25, 980)
    assert wide.specs["why"]["width"] >= display.MIN_ANSWER_PX
    assert wide.specs["category"]["width"] == display._natural(frame["category"], "Category", "text")  # one line
    for width in (460, 420):
        narrow = display._prepare(frame, visible, False, config, None, 25, width)
        widths = {c: narrow.specs[c]["width"] for c in narrow.order}
        assert sum(widths.values()) <= width - 2, widths  # every column on screen
        assert not narrow.specs["order"].get("pinned")
        assert display.LEAST_ANSWER_PX <= widths["why"] < display.MIN_ANSWER_PX
        lines = display.wrapped_lines(answer, widths["why"] - display.CELL_PADDING_PX)
        assert narrow.row_px >= display.LINE_PX * lines + 14  # the rows hold the wrapped answer
        assert widths["why"] >= display._header_least_px("Why on hold")
    squeezed = display._prepare(frame, visible, False, config, None, 25, 380)
    assert widths["category"] < display._natural(frame["category"], "Category", "text")  # the long text wraps at 420
    assert sum(squeezed.specs[c]["width"] for c in squeezed.order) > 380 - 2
    assert squeezed.specs["order"]["pinned"] is True  # too many numbers for 380 px: scrolls, each row named
    assert not wide.specs["order"].get("pinned")


def test_a_text_of_one_word_keeps_its_line_on_a_narrow_screen():
    """Open orders' checklist at 1280 px wrapped its order ids mid-word ("PO-2026-003" over "855"): a column whose
    values are single words (ids, folders) never wraps; the table scrolls sideways instead, its first column pinned.
    A text with spaces still wraps."""
    frame = pd.DataFrame({"order": ["PO-2026-003855", "PO-2026-004168"], "supplier": ["Zhongshan Meijia Trading Store",
                                                                                      "Linyi Anke Factory Store"],
                          **{f"check_{i}": ["✓", "✗"] for i in range(6)}})
    config = {f"check_{i}": f"Corrective actions {i}" for i in range(6)}
    visible = list(frame.columns)
    narrow = display._prepare(frame, visible, False, config, None, 25, 820, ("supplier",))
    assert narrow.specs["order"]["width"] == display._natural(frame["order"], "Order", "text")  # on one line
    assert narrow.specs["order"]["pinned"] is True and narrow.squeezed
    assert narrow.specs["supplier"]["width"] < display._natural(frame["supplier"], "Supplier", "text")  # wraps
    spaced = frame.assign(order=["PO 2026 003855", "PO 2026 004168"])
    wrapped = display._prepare(spaced, visible, False, config, None, 25, 820, ("supplier",))
    assert wrapped.specs["order"]["width"] < display._natural(spaced["order"], "Order", "text")


def test_a_narrow_screen_leaves_out_a_tables_optional_columns_before_squeezing_it():
    """display.table(optional=…): at the layout's width every column is shown; where the table would have to squeeze
    its answers under MIN_ANSWER_PX, the optional due date (beside the same date in words) is left out first, and the
    answer keeps MIN_ANSWER_PX; the rows still hold the date for the download."""
    frame = pd.DataFrame({"order": ["PO-1", "PO-2"], "due_on": pd.to_datetime(["2026-12-30", "2027-04-29"]),
                          "when": ["in 26 days", "in 146 days"], "spend": [1_234_567.0, 89.0],
                          "triggers": ["No audit in 12 months, High risk band, failed inspections above peers", "Routine"]})
    visible = ["order", "due_on", "when", "spend", "triggers"]
    config = {"triggers": "Why"}
    wide = display._fitted(frame, visible, False, config, None, 25, 980, (), ("due_on",))
    assert wide.order == visible and not wide.squeezed
    narrow_without = display._prepared(frame, visible, False, config, None, 25, 460)
    assert narrow_without.squeezed  # all five columns need the answer under 160 px
    narrow = display._fitted(frame, visible, False, config, None, 25, 460, (), ("due_on",))
    assert narrow.order == ["order", "when", "spend", "triggers"] and not narrow.squeezed
    assert narrow.specs["triggers"]["width"] >= display.MIN_ANSWER_PX
    assert "due_on" in narrow.shown.columns  # the download's rows


def test_a_narrow_screen_leaves_out_optional_columns_when_rows_grow_more_than_a_line(monkeypatch):
    """Not squeezed (every answer at least MIN_ANSWER_PX), but the rows would be more than a line taller than the same
    table's in a 1440 px window: the optional pillar is left out so that the answer gets its room back. A 760 px main
    column: the full-width table is 758 px (978 in the layout's window), the answer 401 px wide
    (758 - 2 - 125 - 66 - 60 - 104) and its rows 154 px against 114; without the pillar it is 467 px wide and
    134 px, one line more than at 1440, which is allowed."""
    long = ("Three lots failed inspection in the last six months against a peer rate of 4%, the supplier's own earlier "
            "rate was 2%, and two corrective actions are overdue; the latest audit found the production line moved") * 2
    frame = pd.DataFrame({"signal": ["Failed inspections", "Late shipments"], "pillar": ["Quality", "Delivery"],
                          "points_now": [12.5, 3.0], "points_last_month": [10.0, 3.0], "explanation": [long, "On time"]})
    visible = list(frame.columns)
    monkeypatch.setattr(display, "page_px", lambda: 760)
    layout = display._prepared(frame, visible, False, None, None, 25, 978)
    assert layout.row_px == 114 and not layout.squeezed
    every = display._prepared(frame, visible, False, None, None, 25, 758)
    assert not every.squeezed and every.row_px == 154 and every.specs["explanation"]["width"] == 401
    fitted = display._fitted(frame, visible, False, None, None, 25, 758, (), ("pillar",))
    assert fitted.order == ["signal", "points_now", "points_last_month", "explanation"]
    assert fitted.row_px == 134 and fitted.specs["explanation"]["width"] == 467
    monkeypatch.setattr(display, "page_px", lambda: 980)  # the layout's own window: nothing is left out
    assert display._fitted(frame, visible, False, None, None, 25, 978, (), ("pillar",)).order == visible


def test_a_score_change_reads_without_the_head_its_columns_already_say():
    text = ("critical defects: +0.3 pts. Now: 8 critical defects in 2,790 units sampled (sample-size adjusted 2.75 per "
            "1,000). Last month: 6 critical defects in 2,540 units sampled.")
    assert display.score_change_detail(text) == ("Now: 8 critical defects in 2,790 units sampled (sample-size adjusted "
                                                  "2.75 per 1,000). Last month: 6 critical defects in 2,540 units "
                                                  "sampled.")
    assert display.score_change_detail("late shipments: -1.0 pts. Now: 2 of 3. (new supplier since last month)") == (
        "Now: 2 of 3. (new supplier since last month)")
    # a text without the head is kept whole; a blank is a dash
    assert display.score_change_detail("Now: 1 of 2.") == "Now: 1 of 2." and display.score_change_detail(None) == "–"


def test_suppliers_of_the_same_name_are_told_apart_by_their_id():
    """A 300-supplier demo has twelve names held by two suppliers each: the Inspections chart stacked two stores'
    escaped money into one bar and the table beside it listed two identical names. A shared name takes its id."""
    frame = pd.DataFrame({"supplier_id": ["SUP-0007", "SUP-0123", "SUP-0200", "SUP-0007"],
                          "supplier_name": ["Dongguan Kaixin Factory Store", "Dongguan Kaixin Factory Store",
                                            "Wuxi Tianyi Factory Store", "Dongguan Kaixin Factory Store"],
                          "risk_band": ["high", "low", "low", "high"]})
    assert display.supplier_labels(frame).tolist() == [
        "Dongguan Kaixin Factory Store (SUP-0007)", "Dongguan Kaixin Factory Store (SUP-0123)",
        "Wuxi Tianyi Factory Store", "Dongguan Kaixin Factory Store (SUP-0007)"]
    shown = display.humanise(frame)
    assert shown["supplier_name"].tolist() == display.supplier_labels(frame).tolist()
    assert shown["risk_band"].tolist() == ["High", "Low", "Low", "High"]
    # one supplier on several rows, or a frame without ids, is left as it is
    assert display.supplier_labels(frame.iloc[[0, 3, 2]]).tolist() == [
        "Dongguan Kaixin Factory Store", "Dongguan Kaixin Factory Store", "Wuxi Tianyi Factory Store"]
    assert display.humanise(frame[["supplier_name"]])["supplier_name"].tolist() == frame["supplier_name"].tolist()
    # a table links each to its own page, the name with its id as the link's text
    prepared = display._prepare(frame, ["supplier_name", "risk_band"], True, None, None, 25, 980)
    assert prepared.shown["supplier_link"].tolist()[:2] == [
        "supplier?supplier=SUP-0007#Dongguan Kaixin Factory Store (SUP-0007)",
        "supplier?supplier=SUP-0123#Dongguan Kaixin Factory Store (SUP-0123)"]


def test_the_points_a_supplier_owes_its_peers_are_counted_and_named():
    """Signals with points, no evidence of the supplier and a prior read the peers' average: summed, the largest
    three named with their points and the rest counted; a signal with evidence, or with no prior (an own-record
    finding such as 'never audited'), is the supplier's own."""
    signals = pd.DataFrame({
        "signal": ["psi_failure_rate", "late_rate", "major_defects_vs_aql", "customs_hold_rate", "audit", "price_drift",
                   "doc_error_rate"],
        "points": [6.5, 4.2, 4.4, 1.0, 1.2, 0.3, 0.0],
        "evidence_n": [0, 0, 0, 0, 0, 3, 0],
        "prior_mean": [0.33, 0.4, 0.03, 0.2, None, 0.1, 0.2]})
    assert display.at_peer_average(signals).tolist() == [True, True, True, True, False, False, False]
    # 6.5 + 4.2 + 4.4 + 1.0 = 16.1 of 17.6
    assert display.peer_average_note(signals, orders=0) == (
        "**No orders yet: 16.1 of its 17.6 points are its peers' average, not its own record.** 4 signals with no "
        "evidence of this supplier yet (failed pre-shipment inspections 6.5, major defects vs AQL 4.4, late shipments "
        "4.2 and 1 more; hatched in the chart) score its peers' average until its own record builds up.")
    one = signals.assign(evidence_n=[5, 5, 5, 0, 0, 3, 0])
    assert display.peer_average_note(one, orders=4) == (
        "**1.0 of its 17.6 points are its peers' average, not its own record**: 1 signal with no evidence of this "
        "supplier yet (customs holds 1.0; hatched in the chart) scores its peers' average until its own record "
        "builds up.")
    assert display.peer_average_note(signals.assign(evidence_n=1), orders=4) is None


def test_check_examples_say_reference_tables_and_duty_types_in_words_mid_sentence():
    sample = ("shipment SHP-1 entered on 2026-08-17, after duty_rates (verified through 2026-07-23), us_mpf (verified through "
              "2026-09-30), us_hmf (verified through 2026-07-23), us_de_minimis (verified through 2026-07-23); "
              "entry summary E-1 chapter 99 numbers: 9903.03.01 declared: section_122 ended 2026-07-23")
    assert display.check_examples(sample) == (
        "shipment SHP-1 entered on 2026-08-17, after duty rates (verified through 2026-07-23), merchandise processing fee "
        "(verified through 2026-09-30), harbor maintenance fee (verified through 2026-07-23), de minimis (verified "
        "through 2026-07-23); entry summary E-1 chapter 99 numbers: 9903.03.01 declared: Section 122 ended "
        "2026-07-23")
    # a code inside a longer word, an id or a file name is left alone
    assert display.check_examples("shipments.csv:3: my_duty_rates_2 and us_mpf_old") == \
        "shipments.csv:3: my_duty_rates_2 and us_mpf_old"
    assert display.check_examples(None) == display.BLANK


def test_every_warning_check_has_a_name_in_words_for_the_data_page():
    """The Data page names each warned row's check: a check file marked "-- severity: warn" without a name in
    display.ENUMS["check_name"] would read as its file name."""
    from pipelines.build import CHECKS_DIR

    warn = {p.stem for p in CHECKS_DIR.glob("*.sql") if re.search(r"--\s*severity:\s*warn", p.read_text("utf-8"))}
    assert warn == set(display.ENUMS["check_name"])
    assert display.words("dates_far_from_their_order", "check_name") == "Dated far from its order"


def test_the_cape_declaration_note_says_what_the_file_claims_in_how_many_declarations_and_what_it_leaves_out():
    entries = pd.DataFrame({
        "cape_declaration": ["declare", "declare", "declare", "refunded", "not_an_entry_number",
                             "liquidation_unknown", "liquidation_unknown"],
        "cape_entry_number": ["ABC12345678", "ABC12345686", "ABC12345694", "ABC12345702", None, "XYZ76543244",
                              "XYZ76543251"],
        "ieepa_duty_not_refunded": [100.0, 20.25, 0.5, 0.0, 5.0, 20.0, 10.0]})
    assert display.cape_declaration_note(entries, max_entries=2) == (
        "CAPE phase 1 takes 3 of these entries, $121 of IEEPA duty not refunded yet: the declaration below lists "
        "their entry numbers as the CAPE tab of your ACE portal takes them. A declaration lists at most 2 entries, so "
        "the download holds 2 of them (a ZIP): upload each. Once filed, upload *Claims to record* on the Data page "
        "(it is merged into duty_refunds): the next declaration then leaves these entries out. Left out: 1 entry "
        "refunded, 2 "
        "entries whose liquidation "
        "is not in the data (your ES-003 report carries it) and 1 entry whose entry number is not 11 characters "
        "(filer code, 7 digits, check digit).")
    one = entries.iloc[[0, 3]]
    assert display.cape_declaration_note(one, max_entries=9_999) == (
        "CAPE phase 1 takes 1 of these entries, $100 of IEEPA duty not refunded yet: the declaration below lists its "
        "entry number as the CAPE tab of your ACE portal takes it. Once filed, upload *Claims to record* on the Data "
        "page (it is merged into duty_refunds): the next declaration then leaves this entry out. Left out: 1 entry "
        "refunded.")
    assert display.cape_declaration_note(entries.iloc[[3]], max_entries=9_999) == (
        "CAPE phase 1 takes none of these entries. Left out: 1 entry refunded.")


def test_the_adcvd_warning_names_the_products_with_the_most_goods_first_and_what_to_do():
    exposure = pd.DataFrame({
        "sku": ["B1", "A2", "C1", "D1"],
        "order_product": ["mattresses", "petroleum wax candles", "wooden cabinets and vanities and components",
                          "mattresses"],
        "origin_country": ["VN", "CN", "CN", "CN"],
        "cases": ["A-552-827", "A-570-504", "A-570-106 and C-570-107", "A-570-092"],
        "shipment_count": [1, 2, 0, 3], "goods_value": [1_200.0, 800.0, 0.0, 5.0]})
    assert display.adcvd_warning(exposure) == (
        "4 products fall under an antidumping or countervailing duty order: SKU B1 (mattresses from VN, A-552-827: "
        "1 shipment, $1,200 of goods), SKU A2 (petroleum wax candles from CN, A-570-504: 2 shipments, $800 of "
        "goods), SKU C1 (wooden cabinets and vanities and components from CN, A-570-106 and C-570-107: no shipment "
        "yet) and 1 more in the Data page's warnings. The cash deposit, set per producer and exporter, is in "
        "their landed cost only where your broker's entry summary declares it. Ask your broker for the rate, or, "
        "when the goods are outside the order's written scope (its HTS numbers are for convenience; "
        "reference.adcvd_orders), mark the warning reviewed on the Data page with why.")
    # reviewed on the Data page (outside the scope): left out and counted; all reviewed: nothing to say
    reviewed = exposure.assign(reviewed=[False, True, True, False])
    said = display.adcvd_warning(reviewed)
    assert said.startswith("2 products fall under an antidumping or countervailing duty order: SKU B1 (mattresses "
                           "from VN, A-552-827: 1 shipment, $1,200 of goods) and SKU D1 (mattresses from CN, "
                           "A-570-092: 3 shipments, $5 of goods). The cash deposit")
    assert said.endswith("with why. 2 products more are marked reviewed on the Data page (outside the scope: the "
                         "note says why).")
    assert display.adcvd_warning(exposure.assign(reviewed=True)) == ""
    one = display.adcvd_warning(exposure.head(1), shown=lambda v: f"<{v}>")
    assert one.startswith("1 product falls under an antidumping or countervailing duty order: SKU <B1> "
                          "(<mattresses> from <VN>, <A-552-827>: 1 shipment, <$1,200> of goods). The cash deposit")
    assert "is in its landed cost only where your broker's entry summary declares it" in one
    assert display.adcvd_declared(exposure) == ""  # a frame without the mart's deposit columns


def test_products_whose_deposits_the_broker_declared_leave_the_adcvd_warning_and_are_said_in_landed_cost():
    """B1's one shipment has its deposit declared (in landed cost): out of the warning, said in the caption. A2 has
    1 of its 2 shipments declared: still warned, with how many. D1: none declared."""
    exposure = pd.DataFrame({
        "sku": ["B1", "A2", "D1"], "order_product": ["mattresses", "petroleum wax candles", "mattresses"],
        "origin_country": ["VN", "CN", "CN"], "cases": ["A-552-827", "A-570-504", "A-570-092"],
        "shipment_count": [1, 2, 3], "goods_value": [1_200.0, 800.0, 5.0],
        "deposit_shipment_count": [1, 1, 0], "deposits_declared": [2_500.0, 1_082.40, 0.0]})
    assert display.adcvd_warning(exposure).startswith(
        "2 products fall under an antidumping or countervailing duty order: SKU A2 (petroleum wax candles from CN, "
        "A-570-504: 2 shipments, $800 of goods, its deposit declared on 1) and SKU D1 (mattresses from CN, "
        "A-570-092: 3 shipments, $5 of goods). The cash deposit")
    assert display.adcvd_declared(exposure) == (
        "Your broker's entry summaries declare AD/CVD cash deposits of $3,582 on 2 shipments of 2 products under an "
        "order: in their landed cost, with the duty. A deposit is an estimate: CBP sets the duty owed when it "
        "liquidates the entry, after Commerce's review, and refunds or bills the difference.")
    assert display.adcvd_warning(exposure.head(1)) == ""


def test_the_cape_left_out_reasons_of_cbp_s_validations_read_in_words():
    entries = pd.DataFrame({"cape_declaration": ["open_protest", "drawback", "drawback", "entry_type", "declare"]})
    assert display.cape_left_out(entries) == [
        "1 entry with a protest open (CAPE refuses an entry under protest: the protest decides)",
        "2 entries on a drawback claim (CAPE phase 1 excludes such an entry)",
        "1 entry of a type CAPE excludes (08 USMCA duty deferral, 09 reconciliation summary, 47 drawback)"]
    assert [display.words(v, "cape_declaration") for v in ("open_protest", "drawback", "entry_type")] == [
        "A protest is open", "On a drawback claim", "Entry type CAPE excludes"]


def test_whatif_adcvd_words_name_the_first_skus_and_count_the_rest():
    """Seven SKUs under an order now: five named, "2 more"; a move to a country of the same order's goods names the
    SKUs entering it; nothing under an order either side is no words."""
    import pandas as pd

    from dashboard import display

    rows = pd.DataFrame({"sku": [f"S{i}" for i in range(1, 8)], "origin_country": "CN", "order_product": "mattresses",
                         "is_own_origin": True, "cases": "A-570-092"})
    said = display.whatif_adcvd_words(rows)
    assert said.startswith("7 SKUs fall under an antidumping or countervailing duty order now: SKU S1 (mattresses "
                           "from CN, A-570-092), ")
    assert "SKU S5 (mattresses from CN, A-570-092) and 2 more. The cash deposit" in said and "S6" not in said
    vietnam = rows.head(2).assign(origin_country="VN", is_own_origin=False, cases="A-552-827")
    moved = display.whatif_adcvd_words(pd.concat([rows.head(2), vietnam]), ("Hanoi Gamma", "VN"))
    assert ("Moved to Hanoi Gamma (VN): SKU S1 would enter under A-552-827 (mattresses from VN) and SKU S2 would "
            "enter under A-552-827 (mattresses from VN).") in moved
    assert display.whatif_adcvd_words(rows.head(0), ("Hanoi Gamma", "VN")) == ""


def test_adcvd_warning_says_may_fall_for_a_product_code_less_specific_than_the_order_s():
    """A product whose 8-digit code holds the order's 10-digit number only may fall under it: the warning says so,
    and says why beside it; with a product plainly under an order beside it, both are counted as 'fall or may fall'."""
    import pandas as pd

    from dashboard import display

    maybe = pd.DataFrame({"sku": ["B1"], "order_product": ["mattresses"], "origin_country": ["VN"],
                          "cases": ["A-552-827"], "shipment_count": [1], "goods_value": [2000.0],
                          "code_less_specific": [True]})
    said = display.adcvd_warning(maybe)
    assert said.startswith("1 product may fall under an antidumping or countervailing duty order: SKU B1 (mattresses "
                           "from VN, A-552-827, perhaps: its HS code is less specific than the order's; 1 shipment, "
                           "$2,000 of goods). The cash deposit")
    both = pd.concat([maybe.assign(sku="A1", code_less_specific=False), maybe])
    assert display.adcvd_warning(both).startswith("2 products fall or may fall under an antidumping or "
                                                  "countervailing duty order: SKU A1 (mattresses from VN, A-552-827: "
                                                  "1 shipment, $2,000 of goods) and SKU B1 (mattresses from VN, "
                                                  "A-552-827, perhaps")
