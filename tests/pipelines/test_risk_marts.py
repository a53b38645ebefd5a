"""Risk-score marts in the built warehouse: columns, point-in-time history, changes, parity with po_status/kpis."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from helpers import quiet
from models import scoring
from pipelines import loaders
from pipelines.build import build

COLUMNS = {
    "supplier_risk_score": ["supplier_id", "risk_score", "risk_band", "confidence", "red_flags", "red_flag_count",
                            "top_reasons", "entity_points", "transaction_points", "quality_points", "delivery_points",
                            "commercial_points", "score_version", "as_of"],
    "supplier_signals": ["supplier_id", "pillar", "signal", "raw_value", "shrunk_value", "evidence_n", "points",
                         "max_points", "explanation", "detail", "cohort", "prior_mean"],
    "supplier_risk_history": ["supplier_id", "month_on", "as_of", "risk_score", "risk_band", "confidence",
                              "red_flag_count", "red_flags", "entity_points", "transaction_points", "quality_points",
                              "delivery_points", "commercial_points", "score_version"],
    "supplier_score_changes": ["supplier_id", "since", "signal", "pillar", "points_last_month", "points_now", "delta",
                               "explanation", "as_of"],
}


@pytest.mark.parametrize("table", sorted(COLUMNS))
def test_marts_have_the_documented_columns(tiny_con, table):
    cols = [r[0] for r in tiny_con.execute(f"describe marts.{table}").fetchall()]
    assert cols == COLUMNS[table]


def test_tiny_history_months_and_current_score(tiny_con):
    hist = tiny_con.execute("select supplier_id, as_of, month_on from marts.supplier_risk_history "
                            "order by as_of, supplier_id").df()
    # first order 2024-01-02 → month ends Jan…May 2024 (June is not over on 2024-06-21); S3 onboarded 2024-05-01
    assert sorted(set(hist["as_of"].dt.date)) == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31),
                                                  date(2024, 4, 30), date(2024, 5, 31)]
    assert hist.groupby("supplier_id").size().to_dict() == {"S1": 5, "S2": 5, "S3": 1}
    assert (hist["month_on"] - hist["as_of"]).dt.days.eq(1).all()
    n, as_of = tiny_con.execute("select count(*), max(as_of) from marts.supplier_risk_score").fetchone()
    assert (n, as_of) == (3, date(2024, 6, 21))


def test_history_ignores_rows_dated_after_its_cutoff(tiny_db, tiny_dir, tmp_path, built):
    """Append June-2024 rows (an order, a failed inspection, payments, a defect return, a quality cost and a
    shipment) and rebuild: every history row up to 2024-05-31 is unchanged, the current score is not."""
    def append(name, text):
        with (tiny_dir / f"{name}.csv").open("a", encoding="utf-8") as f:
            f.write(text)
    append("purchase_orders", "P7,S1,A1,2024-06-03,800,7.00,USD,FOB,2024-06-10,2023-12-20,"
                              "Hong Kong Alpha Holdings Limited,wire\n")
    append("inspections", "I5,P7,PSI,2024-06-08,QIMA,II,0,2.5,4.0,800,80,2,9,4,fail,300\n")
    append("payments", "Y7,P7,2024-06-04,5600,balance,Hong Kong Alpha Holdings Limited,wire\n")
    # on Shopify, whose one sales month (April) its returns already cover: which months a channel's returns cover is
    # judged on the whole data (staging.returns_coverage, staging.returns_gaps), so an Amazon US return in June would
    # make May, with none, a month whose returns were not imported, for every month end (docs/risk-score.md)
    append("returns", "R5,A1,P2,2024-06-15,40,defective,shopify_dtc,1600,unsellable\n")
    append("quality_costs", "Q3,P2,,2024-06-12,write_off,3000,defective units\n")
    append("shipments", "H6,P7,sea,2024-06-20,2024-07-20,,800,400,10,,100,5,2\n")
    db = tmp_path / "after.duckdb"
    built(tiny_dir, db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        after = con.execute("select * from marts.supplier_risk_history order by supplier_id, as_of").df()
        now_after = con.execute("select supplier_id, risk_score, red_flags from marts.supplier_risk_score "
                                "order by supplier_id").df()
        assert con.execute("select as_of from ingest.build_info").fetchone()[0] == date(2024, 6, 21)
    finally:
        con.close()
    con = duckdb.connect(str(tiny_db), read_only=True)
    try:
        before = con.execute("select * from marts.supplier_risk_history order by supplier_id, as_of").df()
        now_before = con.execute("select supplier_id, risk_score from marts.supplier_risk_score "
                                 "order by supplier_id").df()
    finally:
        con.close()
    pd.testing.assert_frame_equal(after.reset_index(drop=True), before.reset_index(drop=True))
    s1_after = now_after.set_index("supplier_id").loc["S1"]
    assert s1_after["risk_score"] > now_before.set_index("supplier_id").loc["S1", "risk_score"]
    assert "payee_mismatch" in s1_after["red_flags"] and "legal_entity_mismatch" in s1_after["red_flags"]


def _truncate(tables: dict, cut: date) -> dict:
    """What the brand's files would have held on `cut`: every row dated after it removed."""
    c = pd.Timestamp(cut)
    t = {k: v.copy() for k, v in tables.items()}
    po = t["purchase_orders"]
    po["ordered_on"] = pd.to_datetime(po["ordered_on"])
    t["purchase_orders"] = po[po["ordered_on"] <= c]
    for name, col in (("payments", "paid_on"), ("inspections", "inspected_on"), ("returns", "returned_on"),
                      ("quality_costs", "incurred_on"), ("shipments", "shipped_on")):
        frame = t[name]
        frame[col] = pd.to_datetime(frame[col])
        t[name] = frame[frame[col] <= c]
    sh = t["shipments"]
    sh["delivered_on"] = pd.to_datetime(sh["delivered_on"])
    sh.loc[sh["delivered_on"] > c, "delivered_on"] = pd.NaT
    sales = t["sales"]
    t["sales"] = sales[pd.to_datetime(sales["month_on"]) + pd.offsets.MonthEnd(0) <= c]
    sup = t["suppliers"]
    sup["last_audit_on"] = pd.to_datetime(sup["last_audit_on"])
    later = sup["last_audit_on"] > c
    sup.loc[later, "last_audit_on"] = pd.NaT
    sup.loc[later, "last_audit_result"] = None
    return t


def test_history_row_equals_a_score_computed_on_files_truncated_at_the_cutoff(demo_con):
    tables = loaders.load_tables(demo_con)
    cut = date(2025, 6, 30)
    hist = demo_con.execute("select * from marts.supplier_risk_history where as_of = ? order by supplier_id",
                            [cut]).df()
    cfg = scoring.load_config()
    truncated = scoring.score(scoring.compute_signals(_truncate(tables, cut), cut, cfg), cfg)
    truncated = truncated.sort_values("supplier_id").reset_index(drop=True)
    assert len(hist) == len(truncated) > 0
    assert hist["supplier_id"].tolist() == truncated["supplier_id"].tolist()
    for col in ("risk_score", "risk_band", "confidence", "red_flag_count", "quality_points", "delivery_points"):
        assert hist[col].tolist() == truncated[col].tolist(), col


def test_changes_add_up_to_the_move_since_last_month(demo_con):
    since = demo_con.execute("select max(since) from marts.supplier_score_changes").fetchone()[0]
    assert since == date(2026, 9, 30)
    moved = demo_con.execute("""
        select changes.supplier_id, sum(changes.delta) as delta,
            any_value(now.risk_score) - any_value(history.risk_score) as score_move
        from marts.supplier_score_changes as changes
        join marts.supplier_risk_score as now on changes.supplier_id = now.supplier_id
        join marts.supplier_risk_history as history
            on changes.supplier_id = history.supplier_id and history.as_of = changes.since
        group by changes.supplier_id""").df()
    assert len(moved) > 0
    assert np.allclose(moved["delta"], moved["score_move"], atol=1e-6)
    changes = demo_con.execute("select * from marts.supplier_score_changes").df()
    assert (changes["delta"].abs() >= 0.1 - 1e-9).all()
    assert np.allclose(changes["points_now"] - changes["points_last_month"], changes["delta"], atol=1e-9)
    assert changes["explanation"].str.contains("Now:").all()


def test_point_in_time_order_status_matches_po_status(demo_con):
    """The score's order × cutoff panel, read at the build date, is marts.po_status (one definition of PO status)."""
    from models import risk_panel

    tables = scoring.prepare_tables(loaders.load_tables(demo_con))
    as_of = demo_con.execute("select as_of from ingest.build_info").fetchone()[0]
    ours = risk_panel.order_panel(tables, risk_panel.Cutoffs([pd.Timestamp(as_of)]))
    ours["po_id"] = tables["_po_ids"][ours["po_id"].to_numpy()]  # the prepared frames use integer keys
    ours = ours.set_index("po_id").sort_index()
    theirs = demo_con.execute("select * from marts.po_status").df().set_index("po_id").sort_index()
    assert ours.index.tolist() == theirs.index.tolist()
    for col in ("is_resolved", "is_on_time", "is_balance_before_psi_pass"):
        assert ours[col].astype(bool).tolist() == theirs[col].astype(bool).tolist(), col
    for col in ("shipped_quantity", "delivered_quantity", "paid_amount", "deposit_at_risk", "days_late",
                "lead_time_days"):
        a = ours[col].astype(float).to_numpy()
        b = theirs[col].astype(float).to_numpy()
        assert np.allclose(a, b, equal_nan=True), col
    assert (ours["first_psi_result"].fillna("") == theirs["first_psi_result"].fillna("")).all()


# ---- re-audit queue (tiny portfolio, as of 2024-06-21) ----------------------------------------------------------

def test_reaudit_queue_hand_computed(tiny_con):
    q = tiny_con.execute("select * from marts.reaudit_queue order by rank").df().set_index("supplier_id")
    score = tiny_con.execute("select supplier_id, risk_score, risk_band from marts.supplier_risk_score").df(
        ).set_index("supplier_id")
    scores = score["risk_score"]
    assert score["risk_band"].to_dict() == {"S1": "medium", "S2": "high", "S3": "medium"}
    assert list(q.index) == ["S1", "S2", "S3"]  # ranked by priority (S2 first only when its open orders counted twice)
    # S1: spend 5000 + 5500 + 1000 within 12 months, everything shipped; audited 2023-06-15 → lapsed 2024-06-15
    s1 = q.loc["S1"]
    assert (s1["spend_12m"], s1["open_exposure"], s1["deposits_at_risk"]) == (11500.0, 0.0, 0.0)
    assert s1["priority"] == pytest.approx(round(scores["S1"] / 100 * 11500, 2))
    # lapsed, band medium → catch-up within 90 days (2024-09-19); the score rose from 9.3 (2024-03-31) to 32.0,
    # ≥ 8 points → rising_score pulls it to 45 days: 2024-08-05
    assert s1["triggers"] == "audit_overdue, rising_score"
    assert pd.Timestamp(s1["due_on"]).date() == date(2024, 8, 5) and s1["days_until_due"] == 45
    assert (s1["urgency"], bool(s1["is_audit_lapsed"])) == ("soon", True)
    # no failed_inspection: the one first PSI in the last 90 days (P2, 2024-04-05) failed, but 1 of 1 at the
    # cohort rate 1/3 has p = 1/3; no price_shift: P2 reordered A1 10% higher (1 of 1 reorders) at a cohort jump
    # rate of 2/3, p = 2/3
    assert s1["suggested_action"] == "desk re-check"
    # S2: never audited; P5 (300 × 11) and P6 (100 × 11) unshipped → 4400 open, deposits 990 + 330
    s2 = q.loc["S2"]
    assert (s2["spend_12m"], s2["open_exposure"], s2["deposits_at_risk"]) == (6400.0, 4400.0, 1320.0)
    # P5 and P6 were ordered within 12 months, so their 4400 is in spend_12m and in open_exposure: counted once,
    # exposure = shipped P4 (200 × 10 = 2000) + open 4400 = 6400, not 6400 + 4400
    assert s2["priority"] == pytest.approx(round(scores["S2"] / 100 * (2000 + 4400), 2))
    assert s2["priority"] != pytest.approx(round(scores["S2"] / 100 * (6400 + 4400), 2))
    # never audited + band high → catch-up 60 days, suspected subcontracting pulls it to 14: 2024-07-05
    assert s2["triggers"] == "never_audited, subcontracting, high_score, rising_score"
    # the band said with what sets it: the score and the red flag (suspected subcontracting)
    assert f"high score: score {round(scores['S2'], 1)} of 100 and 1 red flag" in s2["reason"]
    assert pd.Timestamp(s2["due_on"]).date() == date(2024, 7, 5) and s2["days_until_due"] == 14
    assert s2["urgency"] == "soon" and s2["suggested_action"] == "on-site audit"
    # S3: onboarded 2024-05-01 without an audit and without orders: catch-up by band (medium: 90 days)
    s3 = q.loc["S3"]
    assert (s3["triggers"], s3["days_until_due"], s3["priority"], s3["urgency"]) == ("no_audit_no_order", 90, 0.0,
                                                                                     "catch-up")


def _tiny_frames(con) -> dict:
    from pipelines.steps import reaudit

    return reaudit.load_frames(con)


def test_failed_inspections_trigger_only_beyond_the_cohort_rate(tiny_con):
    """S1's first PSIs in the 90 days before 2024-06-21 vs a cohort failure rate of 10%: 1 failed of 2 has
    p = 1 − 0.9² = 0.19 (no trigger); 2 failed of 2 has p = 0.1² = 0.01 < 0.05 (due in 30 days)."""
    from pipelines.steps import reaudit

    cfg = scoring.load_config()
    frames = _tiny_frames(tiny_con)
    sig = frames["signals"]
    sig.loc[sig["signal"] == "psi_failure_rate", "prior_mean"] = 0.10
    ins = frames["inspections"]
    p3 = pd.DataFrame({"inspection_id": ["I9"], "po_id": ["P3"], "inspection_type": ["PSI"],
                       "inspected_on": [pd.Timestamp("2024-05-10")],
                       "result": ["pass"]})
    frames["inspections"] = pd.concat([ins, p3], ignore_index=True)
    s1 = reaudit.plan(frames, date(2024, 6, 21), cfg).set_index("supplier_id").loc["S1"]
    assert "failed_inspection" not in s1["triggers"]
    frames["inspections"] = pd.concat([ins, p3.assign(result="fail")], ignore_index=True)
    s1 = reaudit.plan(frames, date(2024, 6, 21), cfg).set_index("supplier_id").loc["S1"]
    assert "failed_inspection" in s1["triggers"].split(", ")
    assert "2 of 2 first pre-shipment inspections failed in the last 90 days, latest 2024-05-10 (peers' rate " \
           "10%, p = 0.01)" in s1["reason"]
    # 2024-06-21 + 30 days, earlier than the rising score's 45 and the catch-up's 90
    assert (s1["days_until_due"], s1["urgency"], s1["suggested_action"]) == (30, "soon", "tighter inspection")


def test_binomial_and_fisher_p_values_match_hand_computation():
    from math import comb

    from pipelines.steps.reaudit import binomial_excess_p, fisher_worse_p

    p = binomial_excess_p(pd.Series([2, 1, 0, 3, 1]), pd.Series([2, 2, 5, 4, 0]),
                          pd.Series([0.1, 0.1, 0.3, 0.25, 0.5]))
    assert p.tolist() == pytest.approx([0.01, 0.19, 1.0, 4 * 0.25 ** 3 * 0.75 + 0.25 ** 4, 1.0])
    # recent 3 late of 4 vs prior 1 late of 10: P(≥ 3 of the 4 late orders fall in the recent 4 of 14)
    expected = (comb(4, 3) * comb(10, 1) + comb(4, 4) * comb(10, 0)) / comb(14, 4)
    assert fisher_worse_p(3, 1, 1, 9) == pytest.approx(expected)  # 41/1001 ≈ 0.041
    assert fisher_worse_p(0, 4, 1, 9) == pytest.approx(1.0)
    assert fisher_worse_p(1, 2, 0, 0) == 1.0  # no prior window: nothing to compare with


def test_a_supplier_vetted_before_its_first_order_is_queued_for_an_audit_before_it(tiny_dir, tmp_path, built):
    """S9, in the file with neither an onboarding date nor an order nor an audit: the planner queues it for an on-site
    audit before the first order, after the suppliers with money at stake (it has none: priority 0)."""
    with (tiny_dir / "suppliers.csv").open("a", encoding="utf-8") as f:
        f.write("S9,Quiet Delta Store,manufacturer,CN,Zhejiang,2,true,false,Quiet Delta Co. Ltd.,,,,,,0,0,normal,none,"
                "no,brand\n")
    db = built(tiny_dir, tmp_path / "w.duckdb")
    with duckdb.connect(str(db), read_only=True) as con:
        queue = con.execute("select supplier_id, triggers, suggested_action, reason, money_at_stake, priority, rank "
                            "from marts.reaudit_queue order by rank").df()
    s9 = queue.set_index("supplier_id").loc["S9"]
    assert (s9["triggers"], s9["suggested_action"]) == ("no_audit_no_order", "on-site audit")
    assert s9["reason"] == "no audit no order: no audit or verification on record; audit before the first order"
    assert s9["money_at_stake"] == 0 and s9["priority"] == 0 and s9["rank"] == len(queue)
    # S3, onboarded without an order either, gets the same words; S2 (orders, no audit) the plain ones
    reasons = queue.set_index("supplier_id")["reason"]
    assert reasons["S3"] == s9["reason"]
    assert reasons["S2"].startswith("never audited: no audit or verification on record; ")


def test_an_empty_folder_gives_a_typed_empty_reaudit_queue_and_reasons(tmp_path):
    from pipelines.steps.reaudit import COLUMNS, REASON_COLUMNS, REASON_TYPES, TYPES

    folder = tmp_path / "in"
    folder.mkdir()
    db = tmp_path / "w.duckdb"
    build(folder, db, log=quiet)
    typed = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for table, columns, types in (("reaudit_queue", COLUMNS, TYPES), ("reaudit_reasons", REASON_COLUMNS,
                                                                            REASON_TYPES)):
            assert con.execute(f"select count(*) from marts.{table}").fetchone()[0] == 0
            cols = con.execute("select column_name, data_type from information_schema.columns where table_schema = "
                               "'marts' and table_name = ? order by ordinal_position", [table]).fetchall()
            assert [c for c, _ in cols] == columns
            assert dict(cols) == {c: t.upper() for c, t in types.items()}
            typed.update(dict(cols))
    assert (typed["due_on"], typed["rank"], typed["risk_score"], typed["reason_no"]) == ("DATE", "BIGINT", "DOUBLE",
                                                                                       "BIGINT")


def test_reaudit_reasons_are_the_queues_reasons_one_a_row(demo_con):
    """marts.reaudit_reasons holds each queued supplier's reasons in the reason's order, numbered from 1: its fired
    triggers as the Triggers column lists them (the routine cycle when none fired), and joined with their codes in
    words they are the queue's reason, character for character."""
    q = demo_con.execute("select supplier_id, triggers, reason from marts.reaudit_queue").df().set_index("supplier_id")
    r = demo_con.execute("select * from marts.reaudit_reasons order by supplier_id, reason_no").df()
    assert set(r["supplier_id"]) == set(q.index)
    assert not r.duplicated(["supplier_id", "reason_no"]).any()
    routine = 0
    for sid, g in r.groupby("supplier_id"):
        assert g["reason_no"].tolist() == list(range(1, len(g) + 1))
        if q.loc[sid, "triggers"] == "":
            routine += 1
            assert g["trigger"].tolist() == ["routine"]
            assert g["finding"].iloc[0] == q.loc[sid, "reason"] and q.loc[sid, "reason"].startswith(
                "routine re-verification: due ")
        else:
            assert ", ".join(g["trigger"]) == q.loc[sid, "triggers"]
            assert "; ".join(t.replace("_", " ") + ": " + f for t, f in zip(g["trigger"], g["finding"])) == \
                q.loc[sid, "reason"]
    assert routine > 0 and len(r) > len(q)  # both kinds on the demo
    assert (r["finding"].str.len() > 0).all()


def test_a_finding_that_quotes_a_trigger_stays_one_reason(tiny_con):
    """A payee's name comes from the data: one that reads "X; price shift: Y" is one payment-anomaly finding, not two
    reasons (the queue's reason text alone could not tell them apart)."""
    from pipelines.steps import reaudit

    frames = _tiny_frames(tiny_con)
    sig = frames["signals"]
    odd = "paid ACME; price shift: 12% up Ltd, not the supplier"
    row = (sig["supplier_id"] == "S1") & (sig["signal"] == "payee_consistency")
    sig.loc[row, ["raw_value", "detail"]] = [float(reaudit.OUTCOME_VALUE["mismatch"]), odd]
    result = reaudit.schedule(frames, date(2024, 6, 21), scoring.load_config())
    s1 = result.reasons[result.reasons["supplier_id"] == "S1"].set_index("trigger")
    assert s1.loc["payment_anomaly", "finding"] == odd
    assert "price_shift" not in s1.index  # the queue's triggers: no price shift fired
    assert "price_shift" not in result.queue.set_index("supplier_id").loc["S1", "triggers"]
    assert f"payment anomaly: {odd}" in result.queue.set_index("supplier_id").loc["S1", "reason"]


def test_the_plan_ranks_holds_then_due_now_then_the_rest():
    """By hand: a hold comes first whatever its due date, then what is due today or overdue, then the rest."""
    from pipelines.steps.reaudit import order_tier

    rules = scoring.load_config()["reaudit"]["actions"]
    actions = pd.Series(["desk re-check", "hold new orders", "on-site audit", "tighter inspection", "hold new orders"])
    due = pd.Series([0, 40, -3, 12, 0])
    assert order_tier(actions, due, rules).tolist() == [1, 0, 1, 2, 0]


def test_reaudit_queue_on_the_demo_follows_its_rules(demo_con):
    q = demo_con.execute("select * from marts.reaudit_queue order by rank").df()
    as_of = demo_con.execute("select as_of from ingest.build_info").fetchone()[0]
    cfg = scoring.load_config()["reaudit"]
    # three groups in order (hold new orders, due now, the rest), each by priority; the demo's one supplier due now
    # without a hold (SUP-0021) turned critical at score version 2026.12-returns-months: the due-now tier's place is
    # tested by hand below (test_the_plan_ranks_holds_then_due_now_then_the_rest)
    tier = np.where(q["suggested_action"] == "hold new orders", 0, np.where(q["days_until_due"] <= 0, 1, 2))
    assert pd.Series(tier).is_monotonic_increasing and {0, 2} <= set(tier)
    assert all(g["priority"].is_monotonic_decreasing for _, g in q.groupby(tier))
    assert (q["days_until_due"] == (pd.to_datetime(q["due_on"]) - pd.Timestamp(as_of)).dt.days).all()
    audited = q["last_audit_on"].notna()
    latest = pd.to_datetime(q.loc[audited, "last_audit_on"]) + pd.Timedelta(days=366)
    current = audited & ~q["is_audit_lapsed"]
    # an audit still in its cycle: never later than the day it is more than 12 months (of 365.25 / 12 days) old
    assert (pd.to_datetime(q.loc[current, "due_on"]) <= latest[current]).all()
    # a lapsed cycle or none: never later than the band's catch-up
    lapsed = q[q["is_audit_lapsed"]]
    assert (~audited <= q["is_audit_lapsed"]).all()
    assert (lapsed["days_until_due"] <= lapsed["risk_band"].map(cfg["lapsed_due_days"])).all()
    # overdue only for a failed audit never followed up within 90 days
    overdue = q[q["days_until_due"] < 0]
    assert len(overdue) > 0 and overdue["triggers"].str.contains("failed_audit").all()
    assert (overdue["urgency"] == "now").all()
    payment = q["triggers"].str.contains("payment_anomaly")
    assert payment.any() and (q.loc[payment, "suggested_action"] == "hold new orders").all()
    assert (q.loc[payment, "days_until_due"] <= 0).all()
    assert (q["reason"].str.len() > 0).all()
    assert set(q["urgency"]) <= {"now", "soon", "catch-up", "routine"}
    assert (q["urgency"].eq("now") == q["days_until_due"].le(0)).all()
    scores = demo_con.execute("select supplier_id, risk_band from marts.supplier_risk_score").df().set_index(
        "supplier_id")["risk_band"]
    band = q["supplier_id"].map(scores)
    assert q[band == "high"]["triggers"].str.contains("high_score").all()
    assert (q[band == "critical"]["triggers"].str.contains("critical_score")).all()
    assert (q.loc[band == "critical", "days_until_due"] <= 0).all()


def test_reaudit_planner_on_the_demo_is_selective_and_finds_hidden_risk(demo_con, ground_truth):
    """The 30-day list is a minority of the portfolio and the front of the work order is enriched for the
    generator's hidden risk (never loaded into the warehouse).

    Bound: with a 12-month cycle an ops team audits 1/12 of the portfolio a month; the 30-day list may add
    the hold-worthy and freshly triggered suppliers on top, but once it holds half the portfolio or more it no
    longer says who comes first (before the rule change: 70 of 72)."""
    q = demo_con.execute("select supplier_id, rank, days_until_due from marts.reaudit_queue").df().merge(
        ground_truth[["supplier_id", "hidden_risk"]], on="supplier_id")
    assert len(q) == 72
    due30 = q["days_until_due"] <= 30
    assert due30.mean() < 0.5
    assert q.loc[due30, "hidden_risk"].mean() > q.loc[~due30, "hidden_risk"].mean()
    # work order: due date, then rank; its first 10 vs the top quarter of hidden risk (base rate 25%)
    top_quarter = set(q.nlargest(len(q) // 4, "hidden_risk")["supplier_id"])
    first10 = q.sort_values(["days_until_due", "rank"]).head(10)["supplier_id"]
    assert first10.isin(top_quarter).mean() >= 0.5  # at least twice the base rate


def test_passed_but_defective_matches_the_inspection_lots_mart(demo_con):
    """The quality pillar's escape signal counts the same lots as marts.inspection_lots (is_escape)."""
    ours = demo_con.execute("""
        select supplier_id, evidence_n as n, round(coalesce(raw_value, 0) * evidence_n) as k
        from marts.supplier_signals where signal = 'passed_but_defective'""").df().set_index("supplier_id")
    theirs = demo_con.execute("""
        select supplier_id, count(*) filter (where passed_psi and is_mature) as n,
            count(*) filter (where is_escape) as k
        from marts.inspection_lots group by supplier_id""").df().set_index("supplier_id")
    joined = ours.merge(theirs, left_index=True, right_index=True, suffixes=("", "_lots"))
    assert len(joined) == len(theirs) > 0 and joined["k"].sum() > 0
    assert (joined["n"] == joined["n_lots"]).all() and (joined["k"] == joined["k_lots"]).all()


def test_an_abnormal_registry_status_puts_the_supplier_on_hold_now(tiny_con):
    """S1 (normal, no payment anomaly) becomes abnormal in the registry: re-verify today and hold new orders."""
    from pipelines.steps import reaudit

    cfg = scoring.load_config()
    frames = _tiny_frames(tiny_con)
    before = reaudit.plan(frames, date(2024, 6, 21), cfg).set_index("supplier_id").loc["S1"]
    assert "abnormal_status" not in before["triggers"]
    sup = frames["suppliers"]
    frames["suppliers"] = sup.assign(operating_status=sup["operating_status"].where(sup["supplier_id"] != "S1",
                                                                                   "abnormal"))
    s1 = reaudit.plan(frames, date(2024, 6, 21), cfg).set_index("supplier_id").loc["S1"]
    assert "abnormal_status" in s1["triggers"].split(", ")
    assert s1["days_until_due"] == 0 and s1["urgency"] == "now" and s1["suggested_action"] == "hold new orders"
    assert "registry lists the company as abnormal" in s1["reason"]


def test_a_passed_audit_answers_the_evidence_dated_before_it(tiny_con):
    """S1's first PSIs in the 90 days before 2024-06-21: I2 failed (04-05) and a P3 PSI failed (05-10). Against a
    1% cohort rate, 2 of 2 fire the trigger; after a passed audit on 04-20 only P3 counts (1 of 1, p = 0.01: still
    fires, and says so); after a passed audit on 06-01 nothing is left; a FAILED audit on 06-01 answers nothing."""
    from pipelines.steps import reaudit

    cfg = scoring.load_config()
    frames = _tiny_frames(tiny_con)
    sig = frames["signals"]
    sig.loc[sig["signal"] == "psi_failure_rate", "prior_mean"] = 0.01
    p3 = pd.DataFrame({"inspection_id": ["I9"], "po_id": ["P3"], "inspection_type": ["PSI"],
                       "inspected_on": [pd.Timestamp("2024-05-10")], "result": ["fail"]})
    frames["inspections"] = pd.concat([frames["inspections"], p3], ignore_index=True)
    sup = frames["suppliers"].copy()

    def s1_with_audit(on: str | None, result: str = "pass") -> pd.Series:
        is_s1 = sup["supplier_id"] == "S1"
        frames["suppliers"] = sup.assign(
            last_audit_on=pd.to_datetime(sup["last_audit_on"]).where(~is_s1, pd.Timestamp(on) if on else pd.NaT),
            last_audit_result=sup["last_audit_result"].where(~is_s1, result))
        return reaudit.plan(frames, date(2024, 6, 21), cfg).set_index("supplier_id").loc["S1"]

    old = s1_with_audit("2023-06-15")  # the fixture's own audit, before the window
    assert ("failed inspection: 2 of 2 first pre-shipment inspections failed in the last 90 days, latest"
            in old["reason"])
    mid = s1_with_audit("2024-04-20")
    # one inspection: "1 of 1 first pre-shipment inspection", its noun in the singular
    assert ("failed inspection: 1 of 1 first pre-shipment inspection failed in the last 90 days (only after the "
            "passed audit on 2024-04-20), latest 2024-05-10") in mid["reason"]
    assert "failed_inspection" not in s1_with_audit("2024-06-01")["triggers"]
    failed = s1_with_audit("2024-06-01", "fail")
    assert {"failed_inspection", "failed_audit"} <= set(failed["triggers"].split(", "))


def test_sampling_stopped_by_the_switching_rules_brings_an_on_site_audit_within_two_weeks(tiny_con):
    """S2's major and minor defects' sampling inspection was discontinued (ISO 2859-1: 5 lots rejected on tightened
    inspection), the minor defects first on 2024-05-02 and for the second time, the major on 2024-05-20, and no
    corrective action was closed since: the queue says so, pulls the re-audit to 14 days after 2024-06-21 and
    suggests an on-site audit (S2 is not to be held). A class resumed on tightened fires nothing; a passed audit
    after a class's discontinuation answers that class, one before it does not."""
    from pipelines.steps import reaudit

    cfg = scoring.load_config()
    frames = _tiny_frames(tiny_con)
    assert "sampling_stopped" not in reaudit.plan(frames, date(2024, 6, 21), cfg)["triggers"].str.cat(sep=", ")
    frames["switching"] = pd.DataFrame({
        "supplier_id": ["S2", "S2", "S2", "S1"], "defect_class": ["minor", "major", "critical", "major"],
        "current_stage": ["discontinued", "discontinued", "normal", "tightened"],
        "last_transition_on": pd.to_datetime(["2024-05-02", "2024-05-20", "2023-01-01", "2024-06-01"]),
        "times_discontinued": [2, 1, 0, 1]})

    def s2_with_audit(on: str | None) -> pd.Series:
        sup = frames["suppliers"]
        is_s2 = sup["supplier_id"] == "S2"
        frames["suppliers"] = sup.assign(
            last_audit_on=pd.to_datetime(sup["last_audit_on"]).where(~is_s2, pd.Timestamp(on) if on else pd.NaT),
            last_audit_result=sup["last_audit_result"].where(~is_s2, "pass"))
        return reaudit.plan(frames, date(2024, 6, 21), cfg).set_index("supplier_id")

    q = s2_with_audit("2024-01-10")
    assert "sampling_stopped" not in q.loc["S1", "triggers"]
    s2 = q.loc["S2"]
    assert "sampling_stopped" in s2["triggers"].split(", ")
    assert ("sampling stopped: sampling inspection of major and minor defects discontinued on 2024-05-02 (2 times so "
            "far) under the ISO 2859-1 switching rules, with no corrective action closed since: until one is closed "
            "and verified, inspect every unit") in s2["reason"]
    assert pd.Timestamp(s2["due_on"]).date() == date(2024, 7, 5) and s2["days_until_due"] == 14
    assert (s2["urgency"], s2["suggested_action"]) == ("soon", "on-site audit")
    # a passed audit after the minor defects' discontinuation answers it, not the major defects' after it
    assert ("sampling stopped: sampling inspection of major defects discontinued on 2024-05-20 under the ISO 2859-1 "
            "switching rules") in s2_with_audit("2024-05-10").loc["S2", "reason"]
    assert "sampling_stopped" not in s2_with_audit("2024-06-01").loc["S2", "triggers"].split(", ")


def test_demo_queue_names_every_supplier_whose_sampling_is_stopped(demo_con):
    """On the demo, the queued suppliers with the sampling_stopped trigger are, by SQL over the marts, exactly those
    with a defect class still discontinued after their last passed audit (or with none), each due within 14 days
    of the build date and never left to a desk re-check or tighter inspection."""
    expected = {r[0] for r in demo_con.execute("""
        select q.supplier_id from marts.reaudit_queue q
        join marts.inspection_switching w using (supplier_id)
        join staging.suppliers s using (supplier_id)
        where w.current_stage = 'discontinued'
          and (s.last_audit_result is distinct from 'pass' or s.last_audit_on is null
               or w.last_transition_on > s.last_audit_on)""").fetchall()}
    rows = demo_con.execute("""select supplier_id, days_until_due, suggested_action from marts.reaudit_queue
                               where list_contains(string_split(triggers, ', '), 'sampling_stopped')""").fetchall()
    assert expected and {r[0] for r in rows} == expected
    assert all(r[1] <= 14 and r[2] in ("hold new orders", "on-site audit") for r in rows)


def test_hold_new_orders_and_due_now_come_first_whatever_the_priority(tiny_con):
    """Tiny queue as of 2024-06-21 ranks S1, S2, S3 by priority (none due now, none to hold). S3 (no spend, priority
    0) becomes due now through a failed audit never followed up: it moves above S1 and S2. S1 (largest priority)
    stays first only until S2 must be put on hold: the order is then S2 (hold), S3 (due now), S1."""
    from pipelines.steps import reaudit

    cfg = scoring.load_config()
    frames = _tiny_frames(tiny_con)
    assert list(reaudit.plan(frames, date(2024, 6, 21), cfg)["supplier_id"]) == ["S1", "S2", "S3"]
    sup = frames["suppliers"]
    s3 = sup["supplier_id"] == "S3"
    frames["suppliers"] = sup.assign(last_audit_on=sup["last_audit_on"].where(~s3, pd.Timestamp("2024-05-05")),
                                     last_audit_result=sup["last_audit_result"].where(~s3, "fail"))
    q = reaudit.plan(frames, date(2024, 6, 21), cfg)
    # S3's failed audit of 2024-05-05 was due for follow-up 90 days later: 2024-08-03, not yet due; a failed
    # audit of 2024-03-01 was due 2024-05-30, 22 days overdue
    assert list(q["supplier_id"]) == ["S1", "S2", "S3"]
    frames["suppliers"] = frames["suppliers"].assign(
        last_audit_on=frames["suppliers"]["last_audit_on"].where(~s3, pd.Timestamp("2024-03-01")))
    q = reaudit.plan(frames, date(2024, 6, 21), cfg).set_index("supplier_id")
    assert q.loc["S3", "days_until_due"] == -22 and q.loc["S3", "priority"] == 0.0
    assert list(q.sort_values("rank").index) == ["S3", "S1", "S2"]
    s2 = frames["suppliers"]["supplier_id"] == "S2"
    frames["suppliers"] = frames["suppliers"].assign(
        operating_status=frames["suppliers"]["operating_status"].where(~s2, "abnormal"))
    q = reaudit.plan(frames, date(2024, 6, 21), cfg).set_index("supplier_id")
    assert q.loc["S2", "suggested_action"] == "hold new orders"
    assert q.loc["S1", "priority"] > q.loc["S2", "priority"]
    assert list(q.sort_values("rank").index) == ["S2", "S3", "S1"]
    assert list(q.sort_values("rank")["rank"]) == [1, 2, 3]


def test_red_flags_mart_is_the_score_rows_flags_one_per_row(demo_con):
    """marts.supplier_red_flags holds each red flag as a row: per supplier, as many as red_flag_count, and joined
    as "flag: reason; …" they give the score row's red_flags text."""
    score = demo_con.execute("select supplier_id, red_flag_count, red_flags from marts.supplier_risk_score").df()
    flags = demo_con.execute("select * from marts.supplier_red_flags").df()
    assert len(flags) == score["red_flag_count"].sum() > 0
    joined = flags.groupby("supplier_id").apply(lambda g: "; ".join(f"{f}: {r}" for f, r in zip(g["flag"], g["reason"])),
                                                include_groups=False)
    for row in score.itertuples():
        assert joined.get(row.supplier_id, "") == (row.red_flags or ""), row.supplier_id


def test_an_audit_cycle_lapses_when_the_audit_is_more_than_12_months_old_as_the_score_counts_them(tiny_con):
    """One month is 365.25 / 12 days for the score's audit age and the re-audit cycle alike (models/audit_age.py):
    S1 audited 2024-06-21 is 365 days (11.99 months) old on 2025-06-21, still in its cycle (by calendar months it
    would have lapsed that day); 366 days (12.02 months) old on 2025-06-22, lapsed."""
    from pipelines.steps import reaudit

    cfg = scoring.load_config()
    frames = _tiny_frames(tiny_con)
    sup = frames["suppliers"]
    frames["suppliers"] = sup.assign(
        last_audit_on=pd.to_datetime(sup["last_audit_on"]).where(sup["supplier_id"] != "S1", pd.Timestamp("2024-06-21")),
        last_audit_result=sup["last_audit_result"].where(sup["supplier_id"] != "S1", "pass"))
    current = reaudit.plan(frames, date(2025, 6, 21), cfg).set_index("supplier_id").loc["S1"]
    assert not current["is_audit_lapsed"] and "audit_overdue" not in current["triggers"]
    assert (pd.Timestamp(current["due_on"]).date(), current["urgency"]) == (date(2025, 6, 22), "routine")
    lapsed = reaudit.plan(frames, date(2025, 6, 22), cfg).set_index("supplier_id").loc["S1"]
    assert lapsed["is_audit_lapsed"] and "audit_overdue" in lapsed["triggers"]
    assert "last audit on 2024-06-21 is more than 12 months old" in lapsed["reason"]


def test_the_red_flag_band_check_reads_the_configured_bands(tiny_db, tmp_path):
    """pipelines/checks/risk_red_flags_force_band.sql returns each supplier below the band its red flags force, as
    marts.risk_band_levels (written from the config by the build) says: no literal band in the check."""
    import shutil

    from pipelines.build import CHECKS_DIR

    check = (CHECKS_DIR / "risk_red_flags_force_band.sql").read_text(encoding="utf-8")
    assert "'high'" not in check and "'critical'" not in check
    db = shutil.copy(tiny_db, tmp_path / "w.duckdb")
    con = duckdb.connect(str(db))
    try:
        assert con.execute("select band, band_rank, min_red_flags from marts.risk_band_levels order by band_rank"
                           ).fetchall() == [("low", 0, 0), ("medium", 1, 1), ("high", 2, 1), ("critical", 3, 3)]
        assert con.execute(check).fetchall() == []
        set_s1 = "update marts.supplier_risk_score set risk_band = ?, red_flag_count = ? where supplier_id = 'S1'"
        con.execute(set_s1, ["medium", 1])
        assert [r[0] for r in con.execute(check).fetchall()] == ["S1"]  # one flag forces high
        con.execute(set_s1, ["high", 1])
        assert con.execute(check).fetchall() == []
        con.execute(set_s1, ["high", 3])
        assert [r[0] for r in con.execute(check).fetchall()] == ["S1"]  # three force critical
        con.execute(set_s1, ["severe", 1])
        assert [r[0] for r in con.execute(check).fetchall()] == ["S1"]  # a band the configuration does not know
        # configured otherwise (one red flag forces critical): the same check follows
        con.execute(set_s1, ["high", 1])
        con.execute("update marts.risk_band_levels set min_red_flags = 1 where band = 'critical'")
        assert sorted(r[0] for r in con.execute(check).fetchall()) == ["S1", "S2"]  # S2: high with a red flag
    finally:
        con.close()


def test_a_reasons_counts_and_p_values_read_in_words():
    """'1 of 1 lots' and 'p = 0.0' (a p-value that rounds to 0, read as certainty) in the re-audit reasons."""
    import pandas as pd

    from pipelines.steps.reaudit import _counted, _p_value

    assert _counted(pd.Series([1, 105, 0]), "lot").tolist() == ["1 lot", "105 lots", "0 lots"]
    assert _p_value(pd.Series([0.0001, 0.0005, 0.0006, 0.035])).tolist() == [
        "p < 0.001", "p < 0.001", "p = 0.001", "p = 0.035"]
