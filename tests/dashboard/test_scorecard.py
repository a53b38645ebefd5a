"""The supplier scorecard (dashboard/scorecard.py, scorecard_pdf.py): its content against the marts of the tiny
portfolio with the sourcing controls (tests/fixtures/controls, as of 2024-06-21), with S1's legal entity written in
Chinese everywhere it appears; the PDF's text; `supplier-risk scorecard`; the Supplier page's download button."""

from __future__ import annotations

import dataclasses
import io
from datetime import date
from pathlib import Path

import pypdf
import pytest

from dashboard import db, scorecard, scorecard_pdf
from helpers import write_controls_portfolio
from models import scoring

HANZI = "宁波明泰塑料制品有限公司"


@pytest.fixture(scope="module")
def cjk_db(tmp_path_factory, built) -> Path:
    """The controls portfolio with S1's legal entity (legal name, bank beneficiary, payees, PI entity) in Chinese: every
    document still names the same entity, so the scores equal those of the Latin spelling."""

    folder = write_controls_portfolio(tmp_path_factory.mktemp("scorecard") / "input")
    for path in folder.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace('"Ningbo Alpha Co., Ltd."', HANZI).replace("Ningbo Alpha Co., Ltd.", HANZI),
                        encoding="utf-8")
    db_path = folder.parent / "cjk.duckdb"
    return built(folder, db_path)


@pytest.fixture
def run(cjk_db):
    con = db.connect(cjk_db)
    yield db.runner(con)
    con.close()


def _card(path: Path, supplier_id: str) -> scorecard.Scorecard:
    con = db.connect(path)
    try:
        return scorecard.build(db.runner(con), supplier_id)
    finally:
        con.close()


def _pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_scorecard_of_a_supplier_with_every_kind_of_open_issue(run):
    card = scorecard.build(run, "S2")
    # marts.supplier_risk_score: 5.8 + 9.1 + 13.6 + 11.6 + 5.2 = 45.3, high (also forced by its red flags)
    assert (card.supplier_name, card.legal_name, card.facts) == ("Yiwu Beta Trading", "Yiwu Beta Trading Co., Ltd.",
                                                                 "Trading company · CN · Zhejiang")
    assert (card.score, card.band, card.band_words, card.confidence, card.as_of) == (45.3, "high", "High", "C",
                                                                                     date(2024, 6, 21))
    assert [(p.name, p.points) for p in card.pillars] == [("Who they are", 5.8), ("Payments", 9.1),
                                                          ("Quality", 13.6), ("Delivery", 11.6), ("Commercial", 5.2)]
    assert round(sum(p.points for p in card.pillars), 1) == card.score
    assert sum(p.max_points for p in card.pillars) == 100  # the signals' maximum points add up to the scale
    # the last month-end snapshot (marts.supplier_risk_history, 2024-05-31): 31.7, high
    assert (card.previous_as_of, card.previous_score, card.previous_band) == (date(2024, 5, 31), 31.7, "high")
    assert card.change_summary == "Score 45.3, up 13.6 points since 2024-05-31 (31.7, High)."
    # marts.supplier_score_changes, largest move first: BA3 (first seen 06-10) and C3 (overdue since 06-10) are new
    assert [c.head for c in card.changes] == ["Shipments >14 days late: +4.5 pts",
                                              "Bank account changes not verified: +3.0 pts",
                                              "Late shipments: +2.1 pts", "Deposits on overdue orders: +2.0 pts",
                                              "Corrective actions overdue or failed again: +1.5 pts"]
    assert card.changes[0].detail.startswith("From 0.0 to 4.5 pts. Now: 1 of 2 due orders more than 14 days late")
    assert [r.head for r in card.reasons][:2] == ["Failed pre-shipment inspections: 6.4 pts of 8",
                                                  "Shipments >14 days late: 4.5 pts of 4.5"]
    # to Medium: both red flags must go (any red flag keeps the band at High) and the score below 40 (45.3 - 5.4 =
    # 39.9); the largest signal alone (6.4 points) covers 5.4
    assert card.next_band == "medium"
    assert [s.head for s in card.next_band_steps] == ["Clear all 2 red flags", "Bring the score below 40",
                                                      "Failed pre-shipment inspections: 6.4 pts"]
    assert card.next_band_steps[0].detail.startswith("Suspected subcontracting; New or offshore bank account not")
    assert card.next_band_steps[1].detail.startswith("now 45.3: at least 5.4 points less.")
    issues = {i.title: i for i in card.issues}
    assert [(i.head, i.detail) for i in issues["Red flags"].items] == [
        ("Suspected subcontracting", "production is suspected to be subcontracted without declaration"),
        ("New or offshore bank account not verified", "1 new or offshore bank account not verified by a "
                                                      "call-back or bank letter: pay nothing to it until verified")]
    # C3 critical open past its 06-10 due date; C2 closed but the next lot failed; nothing else of S2's
    assert [i.head for i in issues["Corrective actions open or failed again"].items] == [
        "C3 (critical): open, overdue", "C2 (critical): closed, but the next lot failed"]
    # BA3: new Hong Kong account, 'verified' by e-mail only (which does not count); BA2 was verified by bank letter
    assert [(i.head, i.detail) for i in issues["Bank accounts not verified"].items] == [
        ("Account ••••8901 at HSBC Hong Kong (HK)", "first seen 2024-06-10, not verified (email does not count), a "
                                                    "new account, in a new country, offshore")]
    assert issues["Changes not confirmed in writing or not approved"].items == []  # CH3: lead time, in writing
    # P4 (2,000 unpaid), P5 (3,300 - 990) and P6 (1,100 - 330): all held
    assert [i.head for i in issues["Open orders on hold"].items] == ["P4: balance $2,000 on hold",
                                                                     "P5: balance $2,310 on hold",
                                                                     "P6: balance $770 on hold"]
    assert "critical corrective action C3 open since 2024-05-20" in issues["Open orders on hold"].items[0].detail
    assert card.open_issue_count == 2 + 2 + 1 + 0 + 3


def test_scorecard_of_a_chinese_legal_entity_with_an_unconfirmed_change(run):
    card = scorecard.build(run, "S1")
    assert (card.legal_name, card.score, card.band) == (HANZI, 31.1, "medium")
    assert card.change_summary == "Score 31.1, up 3.9 points since 2024-05-31 (27.2, Medium)."
    # to Low: below 25, 6.2 points less; failed inspections (6.5 of its 8) alone cover it
    assert [s.head for s in card.next_band_steps] == ["Bring the score below 25",
                                                      "Failed pre-shipment inspections: 6.5 pts"]
    issues = {i.title: i for i in card.issues}
    assert [(i.head, i.detail) for i in issues["Changes not confirmed in writing or not approved"].items] == [
        ("Material change of 2024-02-10 on P3", "not confirmed in writing: Steel gauge reduced from 1.2 to 1.0 mm")]
    assert [i.head for i in issues["Open orders on hold"].items] == ["P3: balance $1,000 on hold"]
    assert issues["Red flags"].items == issues["Bank accounts not verified"].items == []
    assert card.open_issue_count == 2


def test_last_month_is_the_biggest_movers_last_month(run):
    movers = run("biggest_movers", ids=None, limit=100, before=None).set_index("supplier_id")
    assert len(movers) == 3
    for supplier_id, row in movers.iterrows():
        card = scorecard.build(run, supplier_id)
        assert (card.previous_score, card.previous_band) == (row["previous_score"], row["previous_band"])
        assert round(card.score - card.previous_score, 1) == round(row["score_change"], 1)


def test_band_steps_count_the_red_flags_the_better_band_allows():
    cfg = scoring.load_config()  # low 0, medium 25, high 40, critical 55; a flag: high; 3 flags: critical
    flags = [scorecard.Item(f"Flag {i}") for i in range(3)]
    signals = scorecard.pd.DataFrame({"signal": ["late_rate", "price_jumps", "psi_failure_rate"],
                                      "points": [8.0, 6.0, 0.0], "explanation": ["a", "b", "c"]})
    target, steps = scorecard.band_steps(56.0, "critical", flags, signals, cfg)
    # to High: two flags may stay; the score below 55 (1.1 less) is covered by the largest signal alone
    assert target == "high"
    assert [s.head for s in steps] == ["Clear 1 of the 3 red flags", "Bring the score below 55",
                                       f"{scorecard.display.signal_label('late_rate')}: 8.0 pts"]
    target, steps = scorecard.band_steps(12.0, "high", flags[:2], signals, cfg)
    assert (target, [s.head for s in steps]) == ("medium", ["Clear all 2 red flags"])  # the score is low already
    assert scorecard.band_steps(3.0, "low", [], signals, cfg) == (None, [])


def test_pdf_is_one_page_with_the_content_and_the_chinese_name(run):
    card = scorecard.build(run, "S1")
    pages, text = _pdf_text(scorecard_pdf.render(card, made_on=date(2026, 12, 2)))
    assert pages == 1
    assert f"Legal entity: {HANZI} · Manufacturer · CN · Zhejiang · id S1" in text
    assert "Supplier scorecard · data as of 2024-06-21 · made 2026-12-02" in text
    assert "31.1 / 100" in text and "Medium risk band" in text and "2 open issues" in text
    assert "Score 31.1, up 3.9 points since 2024-05-31 (27.2, Medium)." in text
    assert "What would move it to Low" in text and "Bring the score below 25 – now 31.1: at least 6.2 points less." in text
    assert "P3: balance $1,000 on hold" in text and "Red flags: none." in text
    for pillar in card.pillars:
        assert f"{pillar.name}\n{pillar.points:.1f}\n{pillar.max_points:g}" in text  # 41.5, 16


def test_pdf_prints_markup_in_names_as_text(run):
    card = dataclasses.replace(scorecard.build(run, "S2"), supplier_name="<script>alert(1)</script> & <b>Co</b>")
    _, text = _pdf_text(scorecard_pdf.render(card))
    assert "<script>alert(1)</script> & <b>Co</b>" in text
    assert scorecard_pdf.markup("a<b>&" + HANZI) == f'a&lt;b&gt;&amp;<font name="STSong-Light">{HANZI}</font>'


def test_scorecard_command(cjk_db, tmp_path, capsys):
    from pipelines.cli import main

    out = tmp_path / "s2.pdf"
    assert main(["scorecard", "--supplier", "S2", "--out", str(out), "--db", str(cjk_db)]) == 0
    assert capsys.readouterr().out == f"wrote {out}: Yiwu Beta Trading (S2), score 45.3 High, 8 open issues\n"
    pages, text = _pdf_text(out.read_bytes())
    assert pages == 1 and "Yiwu Beta Trading" in text and "C3 (critical): open, overdue" in text
    assert main(["scorecard", "--supplier", "S9", "--out", str(tmp_path / "x.pdf"), "--db", str(cjk_db)]) == 2
    assert "no supplier with id 'S9'" in capsys.readouterr().err
    assert main(["scorecard", "--supplier", "S1", "--out", str(tmp_path / "x.pdf"),
                 "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "no warehouse at" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_supplier_page_offers_the_scorecard(ui, cjk_db, downloads):
    at = ui.open(cjk_db, "supplier", query={"supplier": "S1"})
    button = next(b for b in at.get("download_button") if b.proto.id.endswith("-supplier_scorecard_pdf"))
    assert button.proto.label == "Scorecard (PDF)"
    pages, text = _pdf_text(downloads["S1_scorecard.pdf"])
    assert pages == 1 and HANZI in text and "31.1 / 100" in text and "P3: balance $1,000 on hold" in text
    # the same page as the command line draws from the same warehouse
    con = db.connect(cjk_db)
    try:
        assert _pdf_text(scorecard_pdf.render(scorecard.build(db.runner(con), "S1")))[1] == text
    finally:
        con.close()


def test_controls_the_import_does_not_carry_are_unknown_not_clean(tiny_db):
    # the tiny portfolio has no bank accounts, changes or corrective actions at all: nothing can be said about them
    card = _card(tiny_db, "S1")
    issues = {i.title: i for i in card.issues}
    for title, table in (("Corrective actions open or failed again", "corrective actions"),
                         ("Bank accounts not verified", "bank accounts"),
                         ("Changes not confirmed in writing or not approved", "changes")):
        assert issues[title].items == []
        assert issues[title].unknown == f"not recorded: the import has no {table}, so unknown (not clean)"
    # no red flag found, but without bank accounts one of the seven checks cannot be made: not a clean record
    assert issues["Red flags"].items == [] and issues["Red flags"].unknown == (
        "none found, but 1 of the 7 red-flag checks cannot be made on this data (new or offshore bank account not "
        "verified), so that one is unknown (not clean)")
    assert [i.head for i in issues["Open orders on hold"].items] == ["P3: balance $1,000 on hold"]
    # what the data can see of each pillar (the Portfolio's notice: 89.5 of 100), beside its points
    assert [(p.name, p.max_points, p.known_points) for p in card.pillars] == [
        ("Who they are", 16, 15), ("Payments", 16, 13), ("Quality", 41.5, 36.5), ("Delivery", 17.5, 17.5),
        ("Commercial", 9, 7.5)]
    assert card.coverage.startswith("On this data the score can see 89.5 of its 100 points (delivery 17.5 of 17.5, "
                                    "who they are 15 of 16, quality 36.5 of 41.5, commercial 7.5 of 9, payments 13 of "
                                    "16). The other 10.5 are unknown and count 0")
    pages, text = _pdf_text(scorecard_pdf.render(card))
    assert pages == 1 and "Bank accounts not verified: not recorded: the import has no bank accounts, so unknown (not " \
        "clean)." in text
    assert "The data can see" in text and "On this data the score can see 89.5 of its 100 points" in text


def test_a_warehouse_without_the_score_says_what_it_cannot_know(partial_db):
    # an older build: import, staging and KPIs only (no score, red flags, open orders or control marts)
    card = _card(partial_db, "S1")
    assert (card.score, card.band_words, card.pillars, card.next_band) == (None, "–", [], None)
    assert card.change_summary == "No risk score in this warehouse."
    assert {i.title: i.unknown for i in card.issues} == {
        "Red flags": scorecard.NOT_BUILT, scorecard.SAMPLING_STOPPED: scorecard.NOT_BUILT,
        "Corrective actions open or failed again": scorecard.NOT_BUILT,
        "Bank accounts not verified": scorecard.NOT_BUILT,
        "Changes not confirmed in writing or not approved": "not recorded: the import has no changes, so unknown "
                                                            "(not clean)",
        "Open orders on hold": scorecard.NOT_BUILT}
    pages, text = _pdf_text(scorecard_pdf.render(card))
    assert pages == 1 and "– / 100" in text and "No score yet." in text
    assert f"Red flags: {scorecard.NOT_BUILT}." in text


def test_sampling_stopped_by_the_switching_rules_is_an_open_issue(demo_db):
    """On the demo, SUP-0057's major and minor defects' sampling inspection is discontinued (ISO 2859-1), both since
    2026-10-05, for the seventh time, with no corrective action closed since (by SQL over
    marts.inspection_switching): the scorecard lists it among the open issues and the PDF prints it. A supplier
    whose sampling was resumed (SUP-0003: discontinued twice before, now tightened) has none."""
    import duckdb

    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        stopped = con.execute("""select string_agg(defect_class, ',' order by defect_class), min(last_transition_on),
                                        max(times_discontinued)
                                 from marts.inspection_switching
                                 where supplier_id = 'SUP-0057' and current_stage = 'discontinued'""").fetchone()
        resumed = con.execute("""select count(*) filter (where current_stage = 'discontinued'),
                                        max(times_discontinued)
                                 from marts.inspection_switching where supplier_id = 'SUP-0003'""").fetchone()
    finally:
        con.close()
    assert stopped == ("major,minor", date(2026, 10, 5), 7)
    card = _card(demo_db, "SUP-0057")
    issue = {i.title: i for i in card.issues}[scorecard.SAMPLING_STOPPED]
    assert [(i.head, i.detail) for i in issue.items] == [(
        "Major and minor defects since 2026-10-05",
        "5 lots rejected on tightened inspection and no corrective action closed since: pay no balance on a sampled "
        "pass, inspect every unit (stopped 7 times so far)")]
    pages, text = _pdf_text(scorecard_pdf.render(card))
    assert pages == 1 and "Sampling inspection stopped (ISO 2859-1) (1)" in " ".join(text.split())
    assert resumed[0] == 0 and resumed[1] >= 1
    assert {i.title: i for i in _card(demo_db, "SUP-0003").issues}[scorecard.SAMPLING_STOPPED].items == []


def test_on_data_that_carries_every_signal_the_card_says_no_more(demo_db):
    """The demo carries every file and column: every pillar's points are all visible (no 'The data can see' column,
    no coverage line), and a supplier without a red flag reads 'none', every check having been made."""
    import duckdb

    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        clean = con.execute("select supplier_id from marts.supplier_risk_score where red_flag_count = 0 "
                            "order by risk_score desc, supplier_id limit 1").fetchone()[0]
        unknown = con.execute("select count(*) from marts.score_unknown_signals").fetchone()[0]
    finally:
        con.close()
    assert unknown == 0
    card = _card(demo_db, clean)
    assert all(p.known_points == p.max_points for p in card.pillars) and card.coverage == ""
    flags = {i.title: i for i in card.issues}["Red flags"]
    assert (flags.items, flags.unknown) == ([], None)
    _, text = _pdf_text(scorecard_pdf.render(card))
    assert "The data can see" not in text and "Red flags: none." in text
