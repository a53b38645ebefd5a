"""The weekly digest (dashboard/digest.py, `supplier-risk digest`): each section against the marts of the controls
portfolio (as of 2024-06-21) in which S2, named `<script>alert(1)</script>`, paid its last deposit (Y6, 2024-06-21) to
another entity, a red flag it did not have at the 2024-05-31 snapshot; the HTML escaping; sending to a local SMTP
server the test starts (aiosmtpd)."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard import db, digest
from dashboard.display import check_examples, words
from helpers import demo_with_entry_reviews, free_port, tiny_with_ieepa_entries, write_controls_portfolio

EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def digest_db(tmp_path_factory, built) -> Path:
    folder = write_controls_portfolio(tmp_path_factory.mktemp("digest") / "input")
    payments = folder / "payments.csv"
    payments.write_text(payments.read_text(encoding="utf-8").replace(
        'Y6,P6,2024-06-21,330,deposit,"Yiwu Beta Trading Co., Ltd."', 'Y6,P6,2024-06-21,330,deposit,"Shenzhen Other Co., '
                                                                       'Ltd."'), encoding="utf-8")
    suppliers = folder / "suppliers.csv"
    suppliers.write_text(suppliers.read_text(encoding="utf-8").replace("S2,Yiwu Beta Trading,", f"S2,{EVIL},"),
                         encoding="utf-8")
    path = folder.parent / "digest.duckdb"
    built(folder, path)
    return path


@pytest.fixture(scope="module")
def week(digest_db) -> digest.Digest:
    con = db.connect(digest_db)
    try:
        return digest.build(db.runner(con), 7)
    finally:
        con.close()


def test_the_window_ends_at_the_warehouse_as_of_date(week):
    assert (week.as_of, week.start, week.days) == (date(2024, 6, 21), date(2024, 6, 14), 7)
    assert week.subject == ("Supplier-risk digest 2024-06-14 to 2024-06-21: 2 new red flags, 3 orders waiting for a "
                            "release decision, 1 order late to ship, 1 re-audit due, 4 stale tables")


def test_new_red_flags_are_counted_against_the_month_end_before_the_window(week, digest_db):
    con = duckdb.connect(str(digest_db), read_only=True)
    try:
        then = con.execute("select red_flag_count, red_flags from marts.supplier_risk_history where supplier_id = "
                           "'S2' and as_of = date '2024-05-31'").fetchone()
        now = con.execute("select red_flag_count, risk_score from marts.supplier_risk_score where supplier_id = 'S2'"
                          ).fetchone()
    finally:
        con.close()
    # subcontracting since January; new: the payee mismatch of 2024-06-21 and the unverified Hong Kong account BA3
    # (first seen 2024-06-10). The flag the supplier already had is not new: two rows, not three
    assert (then, now[0]) == ((1, "suspected_subcontracting"), 3)
    rows = week.section("red_flags").rows
    assert [r[:2] for r in rows] == [[EVIL, "Paid an entity that is not the supplier"],
                                     [EVIL, "New or offshore bank account not verified"]]
    assert rows[0][2] == ("Paid 'Shenzhen Other Co., Ltd.', which is not the legal entity 'Yiwu Beta Trading Co., "
                          "Ltd.'")
    assert rows[0][3] == "1 (2024-05-31) → 3" and rows[0][4] == f"{now[1]:.1f}" and rows[0][5] == "Critical"


def test_an_earlier_window_start_finds_nothing_new_before_the_history_starts(digest_db):
    con = db.connect(digest_db)
    try:
        # a 200-day window starts 2023-12-04, before the first snapshot (2024-01-31): every current flag is new
        long = digest.build(db.runner(con), 200)
        # a 30-day window starts 2024-05-22: the snapshot then is 2024-04-30, S2 already had its first flag
        month = digest.build(db.runner(con), 30)
    finally:
        con.close()
    assert [r[3] for r in long.section("red_flags").rows] == ["0 (–) → 3"] * 3
    assert [r[3] for r in month.section("red_flags").rows] == ["1 (2024-04-30) → 3"] * 2
    assert "Suspected subcontracting" not in [r[1] for r in month.section("red_flags").rows]


def test_movers_orders_reaudits_and_stale_data(week, digest_db):
    # score now vs 2024-05-31: S2 31.7 → its score now; S3 26.6 → 32.1; S1 27.2 → 31.1
    movers = week.section("movers").rows
    assert [r[0] for r in movers] == [EVIL, "Hanoi Gamma", "Ningbo Alpha Store"]
    assert [r[1:4] + r[5:] for r in movers[1:]] == [["26.6", "32.1", "+5.5", "Medium → Medium"],
                                                    ["27.2", "31.1", "+3.9", "Medium → Medium"]]
    # what moved each: the pillar that moved most against the same snapshot (by SQL), and the next when it moved at
    # least half as much
    assert week.section("movers").columns[4] == "Moved most"
    con = db.connect(digest_db)
    try:
        pillars = ["entity", "transaction", "quality", "delivery", "commercial"]
        moves = {r[0]: dict(zip(pillars, r[1:])) for r in con.execute(
            "select st.supplier_name, " + ", ".join(f"s.{p}_points - h.{p}_points" for p in pillars)
            + " from marts.supplier_risk_score s join score_snapshot_before(date '2024-06-14') h using (supplier_id) "
              "join staging.suppliers st using (supplier_id)").fetchall()}
    finally:
        con.close()
    for row in movers:
        top = sorted(((abs(v), pillars.index(p), p, v) for p, v in moves[row[0]].items() if abs(v) >= 0.05),
                     key=lambda m: (-m[0], m[1]))
        said = [top[0]] + [m for m in top[1:2] if m[0] >= top[0][0] / 2]
        assert row[4] == "; ".join(f"{words(p, 'pillar')} {v:+.1f}" for _, _, p, v in said)
    # balances due within 7 days or overdue, most overdue first: P4 (2024-02-15), P3 (03-01), P5 (06-01); P6 is due
    # 2024-07-20, 29 days out. P5's due date is its promised ship date and nothing has shipped: its supplier is late
    orders = week.section("orders").rows
    assert [r[:4] for r in orders] == [["P4", EVIL, "$2,000", "2024-02-15 (127 days overdue)"],
                                       ["P3", "Ningbo Alpha Store", "$1,000", "2024-03-01 (112 days overdue)"],
                                       ["P5", EVIL, "$2,310", "2024-06-01 (on shipment, late)"]]
    assert all(r[4] == "Hold" for r in orders) and "material change of 2024-02-10 not confirmed" in orders[1][5]
    assert week.section("orders").explanation.endswith(" (Open orders page). 3 on hold (a check found something wrong).")
    assert "3 orders waiting for a release decision," in week.subject  # none ready: nothing said in brackets
    # P5 (the script-named supplier's): promised 06-01, nothing shipped by 06-21, past the 3 days' tolerance; 990 paid
    assert week.section("late").rows == [["P5", EVIL, "2024-06-01", "20", "$990"]]
    # S2 paid another entity: hold new orders, due now; S1 (desk re-check in 45 days) and S3 (90 days) are later
    reaudits = week.section("reaudits").rows
    assert [(r[1], r[2], r[4]) for r in reaudits] == [(EVIL, "Hold new orders now", "Hold new orders")]
    assert "Another entity paid or on the contract" in reaudits[0][5]
    # latest dates (freshness): inspections 04-08, shipments 05-15, returns 04-20, quality costs 04-07 are before
    # 2024-06-14; orders (06-20) and payments (06-21) are inside; sales hold May, the last complete month
    assert week.section("stale").rows == [["Inspections", "4", "2024-04-08", "74"], ["Shipments", "5", "2024-05-15", "37"],
                                          ["Returns", "4", "2024-04-20", "62"], ["Quality costs", "2", "2024-04-07", "75"]]
    # the tiny portfolio has no broker entry summaries: not known, not "none to correct"
    assert week.section("customs").rows == []
    assert week.section("customs").empty == "Not known: no customs entry summaries were imported."
    assert week.section("ieepa").empty == "Not known: no customs entry summaries were imported."


def test_sampling_stopped_lists_each_supplier_still_discontinued(digest_db):
    """The controls portfolio has no discontinued inspection; given one (S1 on major and minor, the minor stopped
    inside the window; S3 on major since March; S2 resumed on tightened), each supplier is one row, latest first, its
    classes in words, since the earliest of them, "(new)" when inside the window, the most times discontinued."""
    con = db.connect(digest_db)
    try:
        data = digest.gather(db.runner(con), 7)
    finally:
        con.close()
    quiet = digest.content(data, 7).section("stopped")
    assert (quiet.rows, quiet.empty) == ([], "No supplier's sampling inspection is discontinued.")
    data["switching"] = pd.DataFrame({
        "supplier_id": ["S1", "S1", "S2", "S3", "S3"],
        "supplier_name": ["Ningbo Alpha Store"] * 2 + [EVIL] + ["Hanoi Gamma"] * 2,
        "defect_class": ["minor", "major", "major", "major", "critical"],
        "current_stage": ["discontinued", "discontinued", "tightened", "discontinued", "normal"],
        "last_transition_on": pd.to_datetime(["2024-06-17", "2024-06-18", "2024-06-01", "2024-03-01", None]),
        "times_discontinued": [1, 2, 1, 1, 0]})
    report = digest.content(data, 7)
    assert report.section("stopped").rows == [["Ningbo Alpha Store", "major and minor", "2024-06-17 (new)", "2"],
                                              ["Hanoi Gamma", "major", "2024-03-01", "1"]]
    assert "2 suppliers with sampling stopped" in report.subject
    # two suppliers of one name are told apart by their id
    data["switching"]["supplier_name"] = ["Ningbo Alpha Store"] * 2 + [EVIL] + ["Ningbo Alpha Store"] * 2
    rows = digest.content(data, 7).section("stopped").rows
    assert [r[0] for r in rows] == ["Ningbo Alpha Store (S1)", "Ningbo Alpha Store (S3)"]


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_html_escapes_every_data_value(week):
    page = digest.render_html(week)
    parsed = _Elements()
    parsed.feed(page)
    assert "script" not in parsed.tags and EVIL not in page
    # new flags, movers, orders, late to ship, re-audit
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2 + 1 + 2 + 1 + 1
    assert EVIL in "".join(parsed.text)  # read as text
    assert "New red flags (2)" in "".join(parsed.text)


def test_portfolio_page_says_what_the_week_holds_and_offers_the_digest(ui, digest_db, downloads, week):
    """The Portfolio page counts the last 7 days for every supplier (the filters do not narrow it) and its button
    sends the same HTML as `supplier-risk digest --since 7d` on the same warehouse."""
    at = ui.open(digest_db, "portfolio", query={"supplier_type": "factory"})
    assert not at.exception
    assert ("**Last 7 days** (2024-06-14 to 2024-06-21, every supplier): 2 new red flags, 3 orders waiting for a "
            "release decision, 1 order late to ship, 1 re-audit due, 4 stale tables.") in ui.texts(at)
    button = next(b for b in at.get("download_button") if b.proto.id.endswith("-portfolio_digest"))
    assert button.proto.label == "Weekly digest (HTML)"
    page = downloads["supplier_risk_digest_2024-06-21.html"].decode("utf-8")
    assert page == digest.render_html(week) and "New red flags (2)" in page and EVIL not in page


def test_since_is_days_or_weeks():
    assert (digest.parse_since("7d"), digest.parse_since("2w"), digest.parse_since(" 30D ")) == (7, 14, 30)
    for bad in ("7", "0d", "-7d", "1m", ""):
        with pytest.raises(ValueError, match="give a number of days or weeks"):
            digest.parse_since(bad)


@pytest.fixture
def smtp_server():
    """A local SMTP server (aiosmtpd) that accepts user `digest` with password `s3cret` without TLS and keeps every
    message it receives."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                  email.message_from_bytes(envelope.content, policy=email.policy.default)))
            return "250 OK"

    def authenticate(server, session, envelope, mechanism, auth_data):
        # handled=False: a refusal is answered '535 ... credentials invalid' as a real server does (aiosmtpd's
        # default, handled=True, sends nothing, and the client waited out its 30 s timeout)
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"digest", b"s3cret"), handled=False)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()
    yield controller, inbox
    controller.stop()


def test_digest_command_writes_and_sends_the_digest(digest_db, tmp_path, capsys, monkeypatch, smtp_server, week):
    from pipelines.cli import main

    controller, inbox = smtp_server
    out = tmp_path / "digest.html"
    args = ["digest", "--since", "7d", "--out", str(out), "--db", str(digest_db), "--send", "--smtp-host",
            "127.0.0.1", "--smtp-port", str(controller.port), "--smtp-from", "risk@brand.example",
            "--smtp-to", "founder@brand.example, ops@brand.example", "--smtp-user", "digest", "--no-starttls"]
    monkeypatch.delenv("SUPPLIER_RISK_SMTP_PASSWORD", raising=False)
    assert main(args) == 2  # a user without the password variable: refused before anything is written or sent
    assert "SUPPLIER_RISK_SMTP_PASSWORD (the password) is not set" in capsys.readouterr().err
    assert not out.exists() and inbox.messages == []

    monkeypatch.setenv("SUPPLIER_RISK_SMTP_PASSWORD", "s3cret")
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}: {week.subject}" in printed and "sent to founder@brand.example, ops@brand.example" in printed
    assert out.read_text(encoding="utf-8") == digest.render_html(week)
    [(sender, recipients, received)] = inbox.messages
    assert (sender, recipients) == ("risk@brand.example", ["founder@brand.example", "ops@brand.example"])
    assert received["Subject"] == week.subject
    html_part = received.get_body(("html",)).get_content()
    text_part = received.get_body(("plain",)).get_content()
    assert html_part.replace("\r\n", "\n").strip() == digest.render_html(week).strip()
    assert "&lt;script&gt;" in html_part and EVIL not in html_part
    assert "Orders waiting for a release decision (3)" in text_part and "P5 | " + EVIL in text_part

    monkeypatch.setenv("SUPPLIER_RISK_SMTP_PASSWORD", "wrong")
    assert main(args) == 1
    refused = capsys.readouterr().err
    assert "written but not sent: SMTPAuthenticationError: (535" in refused and len(inbox.messages) == 1


def test_digest_command_refuses_bad_input(digest_db, tmp_path, capsys):
    from pipelines.cli import main

    assert main(["digest", "--since", "7", "--out", str(tmp_path / "d.html"), "--db", str(digest_db)]) == 2
    assert "give a number of days or weeks" in capsys.readouterr().err
    assert main(["digest", "--out", str(tmp_path / "d.html"), "--db", str(digest_db), "--send",
                 "--smtp-host", "", "--smtp-from", "", "--smtp-to", ""]) == 2
    assert "--send needs --smtp-host, --smtp-from, --smtp-to" in capsys.readouterr().err
    assert main(["digest", "--out", str(tmp_path / "d.html"), "--db", str(tmp_path / "none.duckdb")]) == 2
    assert not (tmp_path / "d.html").exists()


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by itself (its own CA), and its key, as PEM files."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_digest_is_sent_over_starttls_to_a_server_that_requires_it(tmp_path, week):
    import ssl

    from aiosmtpd.controller import Controller

    cert, key = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    received = []

    class Inbox:
        async def handle_DATA(self, server, session, envelope):
            received.append((session.ssl is not None, envelope.content))
            return "250 OK"

    controller = Controller(Inbox(), hostname="127.0.0.1", port=free_port(), tls_context=server_tls,
                            require_starttls=True)
    controller.start()
    try:
        plain = digest.Smtp("127.0.0.1", controller.port, "risk@brand.example", ["founder@brand.example"])
        import smtplib

        with pytest.raises(smtplib.SMTPException):  # the server refuses mail before STARTTLS
            digest.send(week, plain)
        unknown_ca = dataclasses.replace(plain, starttls=True)
        with pytest.raises(ssl.SSLCertVerificationError):  # a certificate no trusted CA signed is refused
            digest.send(week, unknown_ca)
        digest.send(week, dataclasses.replace(unknown_ca, cafile=str(cert)))
    finally:
        controller.stop()
    [(encrypted, content)] = received
    assert encrypted
    assert email.message_from_bytes(content, policy=email.policy.default)["Subject"] == week.subject


def test_a_partial_warehouse_says_unknown_not_nothing(partial_db):
    con = db.connect(partial_db)
    try:
        report = digest.build(db.runner(con), 7)
    finally:
        con.close()
    # the score, open orders, switching and re-audit marts are absent; freshness reads staging, which is there
    assert {s.key: s.empty for s in report.sections if not s.rows} == {
        "red_flags": digest.UNKNOWN, "movers": digest.UNKNOWN, "orders": digest.UNKNOWN, "late": digest.UNKNOWN,
        "stopped": digest.UNKNOWN, "reaudits": digest.UNKNOWN, "customs": digest.UNKNOWN, "ieepa": digest.UNKNOWN,
        "rejected": "The last build refused no row.",
        "data_checks": "The last build's data checks found nothing worth a look."}  # ingest is whole
    assert report.subject.endswith("4 stale tables")


def test_a_due_date_says_how_overdue_in_the_planner_s_words():
    """Balances and re-audits: the date, and when it has passed how long ago as display.due_words says it (one day,
    not '1 days'); a date still ahead or unknown alone."""
    assert digest._due("2024-06-20", -1) == "2024-06-20 (1 day overdue)"
    assert digest._due(pd.Timestamp("2024-02-15"), -127) == "2024-02-15 (127 days overdue)"
    assert digest._due("2024-06-22", 1) == "2024-06-22" and digest._due("2024-06-21", 0) == "2024-06-21"
    assert digest._due(None, None) == "–" and digest._due("2024-06-21", None) == "2024-06-21"
    # a balance due on a late shipment says so (display.balance_due_words), only once its date has passed
    assert digest._due("2024-06-01", -20, "on shipment, late") == "2024-06-01 (on shipment, late)"
    assert digest._due("2024-06-25", 4, "in 4 days") == "2024-06-25"


def test_the_window_is_said_in_days_one_day_included(week):
    """The page's note counts the window's days in words: 'The 7 days up to …', and a one-day digest 'The 1 day'."""
    import dataclasses

    assert "The 7 days up to the warehouse's as-of date 2024-06-21" in digest.render_html(week)
    one = dataclasses.replace(week, days=1, start=date(2024, 6, 20))
    assert "The 1 day up to the warehouse's as-of date 2024-06-21" in digest.render_html(one)


def test_new_red_flags_say_which_checks_this_data_cannot_make(week, tiny_db):
    """The tiny import has no bank accounts, so one of the seven red-flag checks cannot be made: the section says so
    and 'no new red flag' is on what the data shows; the controls portfolio carries every check and says neither."""
    con = db.connect(tiny_db)
    try:
        tiny = digest.build(db.runner(con), 7).section("red_flags")
    finally:
        con.close()
    assert tiny.explanation.endswith(" Not checked: 1 of the 7 red-flag checks cannot be made on this data (new or "
                                     "offshore bank account not verified).")
    assert tiny.empty == "No new red flag on what this data shows."
    full = week.section("red_flags")
    assert "Not checked" not in full.explanation and full.empty == "No new red flag."


def _rows(path, sql: str) -> list[tuple]:
    """The rows of `sql` on the warehouse at `path`, read through the app's own connection."""
    con = db.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_the_orders_due_are_counted_by_verdict_on_the_demo(demo_db):
    """On the demo the due balances mix all three verdicts: the section says how many are ready to release, on hold
    and not ready, each counted from marts.open_orders by SQL."""
    con = db.connect(demo_db)
    try:
        week = digest.build(db.runner(con), 7)
        n = dict(con.execute("select verdict, count(*) from marts.open_orders where is_balance_due_soon "
                             "and balance_outstanding > 0 group by verdict").fetchall())
    finally:
        con.close()
    assert set(n) == {"release", "hold", "not_ready"} and sum(n.values()) == week.section("orders").count
    assert week.section("orders").explanation.endswith(
        f" (Open orders page). {n['release']:,} ready to release, {n['hold']:,} on hold (a check found something "
        f"wrong), {n['not_ready']:,} not ready (inspection, shipment or documents still to come).")
    # the decisions in the order a founder makes them: pay, fix, wait; within each the most overdue first (by SQL)
    orders = week.section("orders").rows
    con = db.connect(demo_db)
    try:
        expected = [po for (po,) in con.execute(
            "select po_id from marts.open_orders where is_balance_due_soon and balance_outstanding > 0 order by "
            "case verdict when 'release' then 0 when 'hold' then 1 else 2 end, days_until_balance_due, po_id"
        ).fetchall()]
    finally:
        con.close()
    assert [r[0] for r in orders] == expected
    assert [r[4] for r in orders[:n["release"]]] == ["Release"] * n["release"]
    # a held order's reasons lead with what failed, then what is still to come (by the mart's condition columns)
    row = next(iter(_rows(demo_db, "select po_id, psi_passed from marts.open_orders where verdict = 'hold' and "
                                   "is_balance_due_soon and balance_outstanding > 0 and psi_passed = 'pending' "
                                   "and golden_sample_approved = 'fail' order by po_id limit 1")), None)
    assert row is not None  # the demo has one: no inspection yet, and no golden sample approved
    why = next(r[5] for r in orders if r[0] == row[0])
    assert why.startswith("No golden sample approval on record") and "no pre-shipment inspection yet" in why
    assert why.index("no pre-shipment inspection yet") > why.index("golden sample")
    # a balance whose promised ship date passed with nothing shipped (the demo has such orders, by SQL) waits for a
    # late shipment: its date says so, and only those
    waits = dict(_rows(demo_db, "select po_id, is_late_to_ship from marts.open_orders where is_balance_due_soon and "
                                "balance_outstanding > 0 and days_until_balance_due < 0 and "
                                "is_balance_due_on_assumed and coalesce(shipped_quantity, 0) = 0"))
    assert any(waits.values()) and not all(waits.values())  # late by the on-time rule, and within its tolerance
    said = {r[0]: r[3] for r in orders}
    assert {po for po, due in said.items() if due.endswith(("(on shipment, late)", "(on shipment)"))} == set(waits)
    assert all(said[po].endswith("(on shipment, late)" if late else "(on shipment)") for po, late in waits.items())
    # the subject line (and the Portfolio's week line) says how many can be paid
    assert f"{sum(n.values()):,} orders waiting for a release decision ({n['release']:,} ready to release)" \
        in week.subject
    # customs entries to correct: the two planted entries that still declared Section 122, the larger first (SQL)
    off = _rows(demo_db, "select entry_number, entry_on_summary, duty_difference from marts.customs_entries "
                         "where duty_status in ('overpaid', 'underpaid') or fees_status in ('overpaid', 'underpaid') "
                         "or chapter_99_status = 'differs' order by abs(duty_difference) desc")
    assert week.section("customs").rows == [
        [e, f"{on:%Y-%m-%d}", f"${float(d):,.2f}", "Overpaid", "Matches",
         "9903.03.01 declared: Section 122 ended 2026-07-23"] for e, on, d in off]
    assert len(off) == 2 and "2 customs entries to correct" in week.subject
    # data worth a look: each of the build's check warnings (by SQL), in words, not counted in the subject line; the
    # entry-summary check's rows are all of the two entries listed above, so it is not listed again
    warned = _rows(demo_db, "select check_name, rows, examples from ingest.check_warnings order by check_name")
    assert [r[0] for r in warned] == ["landed_cost_entry_summaries", "landed_cost_estimated_rates"]
    entries = _rows(demo_db, "select distinct row_key from ingest.check_warning_rows "
                             "where check_name = 'landed_cost_entry_summaries'")
    assert {e for e, in entries} == {e for e, _, _ in off}
    assert week.section("data_checks").rows == [[words(c, "check_name"), f"{n:,}", check_examples(e)]
                                                for c, n, e in warned[1:]]
    assert week.section("data_checks").rows[0][0] == "Duty and fees estimated"
    assert "less the entries listed under Customs entries to correct" in week.section("data_checks").explanation
    assert "worth a look" not in week.subject


def test_a_digest_of_data_long_past_says_so_first(digest_db, monkeypatch):
    """Mailed from a warehouse not rebuilt for weeks, the digest's due balances and late orders are of its as-of date:
    past data_stale_after_days (7) before today it says so above the sections, in the HTML and the plain text."""
    from dashboard import display

    con = db.connect(digest_db)
    try:
        monkeypatch.setattr(display, "today", lambda: date(2024, 6, 28))
        assert digest.build(db.runner(con), 7).stale is None  # a week old: fine
        monkeypatch.setattr(display, "today", lambda: date(2024, 7, 21))
        report = digest.build(db.runner(con), 7)
    finally:
        con.close()
    assert report.stale == ("These figures are as of 2024-06-21, 30 days ago: what is due, overdue or late is counted "
                            "at that date, and what was paid, shipped or inspected since is not in them. Import the "
                            "latest exports (Data page) before releasing a payment or chasing a supplier.")
    html = digest.render_html(report)
    assert html.index(f"<p><strong>{report.stale}</strong></p>") < html.index("<h2")
    assert digest.render_text(report).splitlines()[2] == report.stale


def test_a_warehouse_built_before_the_check_warnings_were_kept_says_unknown(tiny_db, tmp_path):
    """ingest.check_warnings is kept by builds since 2026-12-06: an older warehouse's digest says the section is
    unknown, not that the checks found nothing."""
    import shutil

    old = tmp_path / "old.duckdb"
    shutil.copy(tiny_db, old)
    with duckdb.connect(str(old)) as con:
        con.execute("drop table ingest.check_warnings")
    con = db.connect(old)
    try:
        report = digest.build(db.runner(con), 7)
    finally:
        con.close()
    assert report.section("data_checks").rows == [] and report.section("data_checks").empty == digest.UNKNOWN


def test_data_worth_a_look_leaves_out_reviewed_rows_and_says_how_many(tiny_dir, tmp_path, built):
    """H2 shipped and I2 inspected before their order P2, H2 reviewed: the section lists the check with its 1 row not
    reviewed (I2 first) and says 1 row is marked reviewed; with I2 reviewed too, nothing is worth a look, and the
    section says the 2 rows are marked reviewed."""
    for name, old, new in [("shipments.csv", "H2,P2,sea,2024-04-10", "H2,P2,sea,2024-02-20"),
                           ("inspections.csv", "I2,P2,PSI,2024-04-05", "I2,P2,PSI,2024-02-25")]:
        path = tiny_dir / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    h2 = "shipment H2 shipped on 2024-02-20, before its order P2 was placed on 2024-03-01"
    i2 = "inspection I2 (PSI) on 2024-02-25, before its order P2 was placed on 2024-03-01"
    review = "check_name,problem,reviewed_on\n" + "".join(
        f'dates_before_their_order,"{p}",2026-12-01\n' for p in (h2,))
    (tiny_dir / "reviewed_warnings.csv").write_text(review, encoding="utf-8")

    def section(warehouse: Path) -> digest.Section:
        con = db.connect(warehouse)
        try:
            return digest.build(db.runner(con), 7).section("data_checks")
        finally:
            con.close()

    one = section(built(tiny_dir, tmp_path / "one.duckdb"))
    assert one.rows == [["Dated before its order", "1", f"inspections.csv:3: {i2}"]]
    assert one.explanation.endswith("every row is on the Data page, and the 1 row marked reviewed.")
    (tiny_dir / "reviewed_warnings.csv").write_text(
        review + f'dates_before_their_order,"{i2}",2026-12-01\n', encoding="utf-8")
    both = section(built(tiny_dir, tmp_path / "both.duckdb"))
    assert both.rows == []
    assert both.empty == "The last build's data checks found nothing worth a look that is not marked reviewed (2 " \
                         "rows marked reviewed)."


def test_an_entry_summary_found_right_is_not_one_to_correct(demo_dir, demo_db, tmp_path, built):
    """The demo's two entry summaries that still declare Section 122 (each warned twice: duty overpaid, chapter 99):
    with both rows of the larger one marked reviewed, the digest lists only the other to correct, says one is left
    out, and the subject counts one; with one of the other's two rows reviewed, that entry stays to correct. The
    reviewed entry reads its review in words; "Data worth a look" lists neither (both are the customs section's or
    reviewed)."""
    from dashboard.display import entry_reviews

    folder = tmp_path / "input"
    larger, smaller = demo_with_entry_reviews(demo_dir, demo_db, folder)
    con = db.connect(built(folder, tmp_path / "reviewed.duckdb"))
    try:
        run = db.runner(con)
        week = digest.build(run, 7)
        reviews = run("entry_summary_reviews")
    finally:
        con.close()
    assert reviews[["entry_number", "reviewed"]].values.tolist() == sorted([[larger, True], [smaller, False]])
    assert [r[0] for r in week.section("customs").rows] == [smaller]
    assert week.section("customs").explanation.endswith(
        "Left out: 1 entry marked reviewed (the broker's figures found right).")
    assert "1 customs entry to correct" in week.subject
    assert [r[0] for r in week.section("data_checks").rows] == ["Duty and fees estimated"]
    entries = entry_reviews(pd.DataFrame({"entry_number": [smaller, larger, "none"]}), reviews)
    assert entries["reviewed"].tolist() == [False, True, False]
    assert entries["review"].isna().tolist() == [True, False, True]
    assert entries["review"].iloc[1] == "2026-12-01, Ana: exclusion applies"


def test_data_worth_a_look_keeps_an_entry_summary_no_customs_section_lists():
    """worth_a_look takes out of the entry-summary check only the rows of entries listed to correct and reviewed
    rows; an entry no shipment carries (not one to correct) stays, counted and sampled anew; other checks as built."""
    warned = pd.DataFrame({"check_name": ["dates_before_their_order", "landed_cost_entry_summaries"],
                           "rows": [1, 4], "examples": ["shipments.csv:3: shipment H2 …", "E1 …"]})
    rows = pd.DataFrame({"check_name": ["landed_cost_entry_summaries"] * 4,
                         "row_key": ["E1", "E1", "E2", "E3"],
                         "problem": ["entry summary E1 declares duty …", "entry summary E1 chapter 99 numbers: …",
                                     "entry summary E2: no shipment carries this entry number, so …",
                                     "entry summary E3 declares duty …"],
                         "reviewed_on": [None, None, None, pd.Timestamp("2026-12-01")]})
    left = digest.worth_a_look(warned, rows, {"E1"})
    assert left.values.tolist() == [
        ["dates_before_their_order", 1, "shipments.csv:3: shipment H2 …"],
        ["landed_cost_entry_summaries", 1, "entry summary E2: no shipment carries this entry number, so …"]]
    assert digest.worth_a_look(warned, rows[rows["row_key"] != "E2"], {"E1"})["check_name"].tolist() == [
        "dates_before_their_order"]
    assert digest.worth_a_look(warned, rows, set()) is warned  # nothing listed: the build's counts stand


def test_data_not_loaded_lists_the_refused_rows_per_table_and_column(tiny_dir, tmp_path, built):
    """Two purchase orders in CNY in 2026-11 (no exchange rate for that month yet) and a supplier of an unknown type:
    the section lists the orders' currency first (2 rows, the first by file and line, with its reason), then the
    supplier's type (1 row); a build with nothing refused says so; not counted in the subject line."""
    orders = tiny_dir / "purchase_orders.csv"
    orders.write_text(orders.read_text(encoding="utf-8") + "P8,S1,A1,2026-11-02,10,5.0,CNY,FOB,,,,\n"
                      "P9,S1,A1,2026-11-03,10,5.0,CNY,FOB,,,,\n", encoding="utf-8")
    suppliers = tiny_dir / "suppliers.csv"
    suppliers.write_text(suppliers.read_text(encoding="utf-8") + "S9,Bad Co,wholesaler,CN,,,,,,,,,,,,,,,,\n",
                         encoding="utf-8")
    con = db.connect(built(tiny_dir, tmp_path / "w.duckdb"))
    try:
        week = digest.build(db.runner(con), 7)
        lines = {line for (line,) in con.execute("select line from ingest.rejected_rows "
                                                 "where table_name = 'purchase_orders'").fetchall()}
    finally:
        con.close()
    section = week.section("rejected")
    assert [row[:3] for row in section.rows] == [["Purchase orders", "currency", "2"], ["Suppliers", "supplier_type", "1"]]
    first = min(lines)
    assert section.rows[0][3].startswith(f"purchase_orders.csv:{first}: unit_price in CNY cannot be converted to USD: "
                                         "no CNY rate to USD for 2026-11")
    assert section.rows[1][3].startswith("suppliers.csv:")
    assert "not loaded" not in week.subject and "refused" not in week.subject


def test_ieepa_duty_to_claim_lists_the_entries_with_a_window_open_the_soonest_closing_first(tmp_path, built):
    """The tiny portfolio (as of 2024-06-21) with the ES-003 fixture (ABC-1234570-2: a refund on record, left out)
    and four entries declaring 9903.01.25 with no refund: XYZ-7654322-8 100.00 unliquidated (CAPE phase 1);
    XYZ-7654323-6 50.00 liquidated 2024-01-02 (phase 1 closed 2024-03-22, a protest until 2024-06-30);
    XYZ-7654324-4 20.00 liquidated 2023-06-01 (both closed: final, for a later CAPE phase); XYZ-7654325-1 10.00,
    no liquidation."""
    folder = tiny_with_ieepa_entries(tmp_path / "in", [
        "XYZ-7654322-8,1,9903.01.25,01,2023-11-03,CN,,,,100.00,,,,Unliquidated",
        "XYZ-7654323-6,1,9903.01.25,01,2023-05-02,CN,,,,50.00,,,2024-01-02,Liquidated",
        "XYZ-7654324-4,1,9903.01.25,01,2022-12-02,CN,,,,20.00,,,2023-06-01,Liquidated",
        "XYZ-7654325-1,1,9903.01.25,01,2023-06-02,CN,,,,10.00,,,,"],
        ["R1,abc-1234570-2,,ieepa,2026-05-04,3600.00,2026-07-01,2400.00,"])
    con = db.connect(built(folder, tmp_path / "w.duckdb"))
    try:
        report = digest.build(db.runner(con), 7)
    finally:
        con.close()
    section = report.section("ieepa")
    assert section.rows == [
        ["XYZ-7654323-6", "$50", "$50", "Protest open (past CAPE phase 1)", "2024-06-30", "Past CAPE phase 1"],
        ["XYZ-7654322-8", "$100", "$100", "Not liquidated yet (CAPE phase 1)", "–", "On the CAPE declaration"],
        ["XYZ-7654324-4", "$20", "$20", "Liquidation final (a later CAPE phase)", "–", "Past CAPE phase 1"],
        ["XYZ-7654325-1", "$10", "$10", "Liquidation not in the data", "–", "Liquidation not in the data"]]
    assert section.explanation.endswith("Record each claim in duty_refunds. $180 not refunded on them.")
    assert "4 IEEPA entries to claim ($180)" in report.subject
