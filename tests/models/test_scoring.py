"""Supplier-risk score: hand-computed signals, exact contributions, monotonicity, shrinkage of thin evidence,
red flags, independence from unrelated suppliers and recovery of the demo's hidden risk."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from models import scoring
from models import signals as sig
from pipelines import loaders

TINY_AS_OF = date(2024, 6, 21)
ROUNDING = 0.05 + 1e-9  # a signal's points are rounded to 0.1 so a supplier's points add up to its rounded score


@pytest.fixture(scope="module")
def cfg():
    return scoring.load_config()


@pytest.fixture(scope="module")
def tiny_tables(tiny_db):
    """The tiny portfolio with its controls on record, so the hand-computed figures are not mixed with unknowns: the
    control files imported with no rows (no bank account, change or corrective action) and both background checks
    done a month before TINY_AS_OF. The tiny portfolio as imported (no control files) is in the tests below."""
    import duckdb

    con = duckdb.connect(str(tiny_db), read_only=True)
    try:
        t = loaders.load_tables(con)
    finally:
        con.close()
    t["tables_carried"] = pd.concat([t["tables_carried"], pd.DataFrame({"table_name": list(scoring.CONTROL_TABLES)})])
    checked = (pd.Timestamp(TINY_AS_OF) - pd.Timedelta(days=30)).date()
    t["suppliers"] = t["suppliers"].assign(registry_checked_on=checked, records_checked_on=checked)
    t["supplier_fields_carried"] = pd.concat([t["supplier_fields_carried"], pd.DataFrame(
        {"field": ["registry_checked_on", "records_checked_on"]})])
    return t


@pytest.fixture(scope="module")
def demo_tables(demo_db):
    import duckdb

    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        tables = loaders.load_tables(con)
        as_of = con.execute("select as_of from ingest.build_info").fetchone()[0]
    finally:
        con.close()
    return tables, as_of


@pytest.fixture(scope="module")
def demo_result(demo_tables, cfg):
    tables, as_of = demo_tables
    prepared = scoring.prepare_tables(tables)
    return prepared, scoring.compute_signals(prepared, as_of, cfg)


def _max(cfg, signal) -> float:
    return cfg["signals"][signal]["max_points"]


def _sig(result, supplier_id, signal):
    s = result.signals
    return s[(s["supplier_id"] == supplier_id) & (s["signal"] == signal)].iloc[0]


def _copy(tables):
    return {k: v.copy() for k, v in tables.items() if not k.startswith("_")}


# ---- points maps and config -----------------------------------------------------------------------------------

def test_points_map_is_piecewise_linear_and_flat_outside():
    knots = [[0.05, 0.0], [0.40, 1.0]]
    got = scoring.map_share(np.array([0.0, 0.05, 0.225, 0.40, 0.9, np.nan]), knots)
    assert got.tolist() == pytest.approx([0.0, 0.0, 0.5, 1.0, 1.0, 0.0])


def test_config_adds_to_100_and_every_map_is_non_decreasing(cfg):
    assert sum(s["max_points"] for s in cfg["signals"].values()) == pytest.approx(100.0)
    grid = np.linspace(-1, 100, 2001)
    for name, s in cfg["signals"].items():
        for key in ("map", "age_map"):
            if key in s:
                assert np.all(np.diff(scoring.map_share(grid, s[key])) >= 0), name
        assert set(cfg["signals"]) <= set(scoring.LABELS), name


def test_a_decreasing_map_is_rejected(tmp_path):
    text = scoring.CONFIG_PATH.read_text(encoding="utf-8").replace(
        "map = [[0.05, 0.0], [0.40, 1.0]]", "map = [[0.05, 1.0], [0.40, 0.0]]", 1)
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="non-decreasing"):
        scoring.load_config(path)


# ---- hand-computed signals on the tiny portfolio (tests/fixtures/tiny, as of 2024-06-21) -------------------------

def test_tiny_signals_hand_computed(tiny_tables, cfg):
    r = scoring.compute_signals(tiny_tables, TINY_AS_OF, cfg)
    raw = lambda s, name: _sig(r, s, name)["raw_value"]  # noqa: E731
    # P1 first PSI pass, P2 first PSI fail (I2, re-inspected I3 pass): 1 of 2
    assert raw("S1", "psi_failure_rate") == pytest.approx(0.5)
    # majors 2 + 6 + 1 = 9 in 3 × 80 = 240 units sampled, AQL 2.5% → 0.0375 / 0.025 = 1.5
    assert raw("S1", "major_defects_vs_aql") == pytest.approx(1.5)
    assert raw("S1", "critical_defects") == 0.0
    # defect-coded returns: R1 defective 3 + R3 missing_parts 1 = 4 of units sold 500 + 400 + 300 = 1200
    assert raw("S1", "defect_return_rate") == pytest.approx(4 / 1200)
    assert _sig(r, "S1", "defect_return_rate")["evidence_n"] == 1200
    # S2: R4 is wrong_item, not defect-coded
    assert raw("S2", "defect_return_rate") == 0.0
    assert raw("S1", "not_as_described_rate") == 0.0
    # maturity is reference.inspection_settings' 120 days: P1 (delivered 03-10) is not mature on 06-21
    assert _sig(r, "S1", "passed_but_defective")["evidence_n"] == 0
    # quality cost Q1 200 on S1's order value 5000 + 5500 + 1000 = 11500
    assert raw("S1", "quality_cost_share") == pytest.approx(200 / 11500)
    # (0.01739−0.005)/0.045 × 2 = 0.55, which the largest-remainder rounding of the supplier's points to 0.1 sends
    # to 0.5 or 0.6 depending on the other signals' remainders
    assert _sig(r, "S1", "quality_cost_share")["points"] == pytest.approx(0.55, abs=ROUNDING)
    # Q2 150 charged to S2 directly; S2 order value 2000 + 3300 + 1100 = 6400
    assert raw("S2", "quality_cost_share") == pytest.approx(150 / 6400)
    # late: P2 shipped 04-10 vs promise 04-01 + 3 days; P1 (02-03 ≤ 02-04) and P3 on time → 1 of 3
    assert raw("S1", "late_rate") == pytest.approx(1 / 3)
    # S2: P4 on time, P5 not shipped and due (06-01 + 3 < 06-21): late, 20 days → severe; P6 not due
    assert raw("S2", "late_rate") == pytest.approx(0.5)
    assert raw("S2", "severe_late_rate") == pytest.approx(0.5)
    assert raw("S1", "severe_late_rate") == 0.0  # P2 was 9 days late
    # lead times 32, 40, 48 days (P3 complete at its second shipment): sd 8 / mean 40 = 0.2 → (0.2−0.1)/0.25 × 2.5
    assert raw("S1", "lead_time_variability") == pytest.approx(0.2)
    assert _sig(r, "S1", "lead_time_variability")["points"] == pytest.approx(0.4 * _max(cfg, "lead_time_variability"))
    # 4 delivered shipments, H2 held 3 days with 1 doc error
    assert raw("S1", "customs_hold_rate") == pytest.approx(0.25)
    assert raw("S1", "doc_error_rate") == pytest.approx(0.25)
    # payments: S1 all via Trade Assurance to the legal entity; S2 both wire
    assert raw("S1", "outside_trade_assurance") == 0.0
    assert raw("S2", "outside_trade_assurance") == 1.0
    assert raw("S1", "payee_consistency") == 0.0 and _sig(r, "S1", "payee_consistency")["points"] == 0.0
    assert raw("S1", "payee_changes") == 1.0
    # balance paid before a passed PSI: P1 02-02 after pass 01-30 (no), P2 04-06 before pass 04-08 (yes)
    assert raw("S1", "balance_before_psi") == pytest.approx(0.5)
    # S2 deposit 990 on P5, nothing shipped, promise 06-01 + 14 < 06-21; 12-month spend 6400 → 0.1547 ≥ 0.10
    assert raw("S2", "deposits_at_risk") == pytest.approx(990 / 6400)
    assert _sig(r, "S2", "deposits_at_risk")["points"] == pytest.approx(2.0)
    # price: A1 5.00 → 5.50 (+10%) is a jump (1 of 1 steps); drift (5000·0.1 + 5500·0.1) / 11500
    assert raw("S1", "price_jumps") == 1.0
    assert raw("S1", "price_drift") == pytest.approx(1050 / 11500)
    assert raw("S2", "price_jumps") == pytest.approx(0.5)  # 10 → 11 → 11
    assert raw("S1", "cost_overrun") == 0.0  # paid 5000 and 5500 on orders worth 5000 and 5500
    # entity: names all match; S1's id has a 'Z' (not in the USCC charset); S3 is a Vietnamese registry number
    assert _sig(r, "S1", "legal_entity_consistency")["points"] == 0.0
    # (points are rounded to 0.1 so that a supplier's points add up to its score: a share of a point may move 0.1)
    assert _sig(r, "S1", "registration_id")["points"] == pytest.approx(_max(cfg, "registration_id"))
    assert _sig(r, "S3", "registration_id")["points"] == pytest.approx(0.25 * 1.5, abs=ROUNDING)  # not checked
    assert _sig(r, "S2", "public_records")["points"] == pytest.approx(0.3 * 2.5, abs=ROUNDING)  # 1 case → 0.3 × 2.5
    assert _sig(r, "S2", "subcontracting")["points"] == pytest.approx(_max(cfg, "subcontracting"))  # suspected
    assert _sig(r, "S2", "audit")["points"] == pytest.approx(1.2)  # never audited: 0.6 × 2
    # S1 audited (pass) 2023-06-15: 372 days = 12.2 months → (0.22/12) × 0.6 × 2 = 0.02 → 0.0
    assert raw("S1", "audit") == pytest.approx(372 / 30.4375)
    assert _sig(r, "S2", "ip_protection")["points"] == pytest.approx(_max(cfg, "ip_protection"))  # no NNN, own moulds
    assert _sig(r, "S3", "ip_protection")["points"] == pytest.approx(  # no NNN, no moulds: half
        0.5 * _max(cfg, "ip_protection"), abs=ROUNDING)
    assert _sig(r, "S3", "marketplace_profile")["raw_value"] == 1.0  # unverified, store 2 years (not young)
    # S3 has no orders: rate signals fall back to the cohort prior (evidence 0), never to 0 or the worst
    s3 = r.signals[(r.signals["supplier_id"] == "S3") & (r.signals["evidence_n"] == 0)
                   & r.signals["shrunk_value"].notna()]
    assert len(s3) >= 8 and (s3["points"] < s3["max_points"]).sum() >= 1


def test_passed_but_defective_hand_computed(tiny_tables, cfg):
    t = _copy(tiny_tables)
    extra = pd.DataFrame({"supplier_id": ["S1"], "sku": ["A1"], "po_id": ["P1"],
                          "returned_on": [pd.Timestamp("2024-07-01")], "reason": ["defective"],
                          "is_defect_coded": [True], "quantity": [30]})
    t["returns"] = pd.concat([t["returns"], extra], ignore_index=True)
    r = scoring.compute_signals(t, date(2024, 8, 31), cfg)
    # mature (delivered ≥ 120 days before 08-31) lots whose FIRST PSI passed: P1 (03-10) for S1 — P2's first PSI
    # failed, P3 had none; P4 (03-20) for S2. P1: (3 + 30) defect-coded units / 1000 delivered = 3.3% > AQL 2.5%
    # → an escape; P4: no defect-coded returns.
    assert _sig(r, "S1", "passed_but_defective")["raw_value"] == 1.0
    assert _sig(r, "S1", "passed_but_defective")["evidence_n"] == 1
    assert _sig(r, "S2", "passed_but_defective")["raw_value"] == 0.0
    assert _sig(r, "S2", "passed_but_defective")["evidence_n"] == 1


def test_tiny_shrinkage_hand_computed(tiny_tables, cfg):
    r = scoring.compute_signals(tiny_tables, TINY_AS_OF, cfg)
    # late: S1 1/3, S2 1/2 → pooled mean 2/5; spread (1/2 − 1/3)²/2 = 1/72 is below the binomial noise
    # 0.24 × (1/3 + 1/2)/2 = 0.1, so the prior takes the maximum strength 200: (1 + 0.4·200) / (3 + 200)
    assert _sig(r, "S1", "late_rate")["shrunk_value"] == pytest.approx(81 / 203)
    assert _sig(r, "S3", "late_rate")["shrunk_value"] == pytest.approx(0.4)
    pri = r.priors[(r.priors["signal"] == "late_rate")].iloc[0]
    assert (pri["prior_mean"], pri["prior_strength"], pri["cohort"]) == (pytest.approx(0.4), 200.0, "all")


def test_tiny_score_bands_and_flags(tiny_tables, cfg):
    r = scoring.compute_signals(tiny_tables, TINY_AS_OF, cfg)
    s = scoring.score(r, cfg).set_index("supplier_id")
    assert s.loc["S2", "red_flag_count"] == 1
    assert s.loc["S2", "red_flags"].startswith("suspected_subcontracting")
    assert s.loc["S2", "risk_band"] in ("high", "critical")
    assert s.loc["S3", "confidence"] == "D"  # no orders
    assert s.loc["S1", "confidence"] == "C"  # 3 resolved orders, 2 inspections
    assert set(s["score_version"]) == {cfg["score_version"]}


# ---- entity and payment consistency on hand-edited frames ---------------------------------------------------------

def test_payee_that_is_not_the_legal_entity_is_a_red_flag_with_both_names(tiny_tables, cfg):
    t = _copy(tiny_tables)
    t["payments"].loc[t["payments"]["payment_id"] == "Y4", "payee_name"] = "Hong Kong Alpha International Limited"
    r = scoring.compute_signals(t, TINY_AS_OF, cfg)
    sig = _sig(r, "S1", "payee_consistency")
    assert sig["points"] == pytest.approx(5.0)
    assert sig["detail"] == "legal: Ningbo Alpha Co., Ltd. | payee: Hong Kong Alpha International Limited"
    assert _sig(r, "S1", "payee_changes")["raw_value"] == 2.0
    assert _sig(r, "S1", "payee_changes")["points"] == pytest.approx(_max(cfg, "payee_changes"))
    s = scoring.score(r, cfg).set_index("supplier_id")
    assert "payee_mismatch" in s.loc["S1", "red_flags"]
    assert s.loc["S1", "risk_band"] in ("high", "critical")


def test_one_payee_in_two_scripts_is_not_a_payee_change(tiny_tables, cfg):
    """A payee counts as new only when it is a mismatch or related to every payee already paid (date order)."""
    from models.entity import compare_names

    latin, chinese = "Wuxi Mingzhu Textile Co., Ltd.", "无锡市明珠纺织品有限公司"
    assert compare_names(latin, chinese) == "match"  # 无锡 Wuxi · 明珠 ming zhu · 纺织品 textile
    t = _copy(tiny_tables)
    pay = t["payments"]
    s1 = pay["po_id"].isin(t["purchase_orders"].loc[t["purchase_orders"]["supplier_id"] == "S1", "po_id"])
    s1 = s1 & pay["paid_on"].notna()
    order = pay[s1].sort_values(["paid_on", "payment_id"]).index
    assert len(order) >= 2
    pay.loc[s1, "payee_name"] = latin
    pay.loc[order[-1], "payee_name"] = chinese
    r = scoring.compute_signals(t, TINY_AS_OF, cfg)
    assert _sig(r, "S1", "payee_changes")["raw_value"] == 1.0
    assert _sig(r, "S1", "payee_changes")["points"] == 0.0
    # a real change: the last payment goes to another company
    pay.loc[order[-1], "payee_name"] = "Shaoxing Keqiao Dyeing Co., Ltd."
    r = scoring.compute_signals(t, TINY_AS_OF, cfg)
    assert _sig(r, "S1", "payee_changes")["raw_value"] == 2.0
    assert _sig(r, "S1", "payee_changes")["points"] == pytest.approx(_max(cfg, "payee_changes"))
    # point in time: before the last payment was made, only one payee had been paid
    before = (pd.Timestamp(pay.loc[order[-1], "paid_on"]) - pd.Timedelta(days=1)).date()
    if pd.Timestamp(pay.loc[order[0], "paid_on"]).date() <= before:
        r = scoring.compute_signals(t, before, cfg)
        assert _sig(r, "S1", "payee_changes")["raw_value"] == 1.0


def test_pi_entity_mismatch_related_and_unverifiable_names(tiny_tables, cfg):
    t = _copy(tiny_tables)
    t["purchase_orders"].loc[t["purchase_orders"]["po_id"] == "P3", "pi_entity_name"] = "Shenzhen Other Co., Ltd."
    r = scoring.compute_signals(t, TINY_AS_OF, cfg)
    sig = _sig(r, "S1", "legal_entity_consistency")
    assert sig["points"] == pytest.approx(_max(cfg, "legal_entity_consistency"))
    assert sig["detail"] == "legal: Ningbo Alpha Co., Ltd. | PI entity: Shenzhen Other Co., Ltd."
    assert (r.red_flags["flag"] == "legal_entity_mismatch").sum() == 1

    t = _copy(tiny_tables)
    t["purchase_orders"].loc[t["purchase_orders"]["po_id"] == "P3", "pi_entity_name"] = "Ningbo Alpha Trading Co Ltd"
    r = scoring.compute_signals(t, TINY_AS_OF, cfg)
    assert _sig(r, "S1", "legal_entity_consistency")["points"] == pytest.approx(  # related: half the points
        0.5 * _max(cfg, "legal_entity_consistency"))
    assert r.red_flags.empty or "legal_entity_mismatch" not in set(r.red_flags["flag"])

    t = _copy(tiny_tables)
    t["suppliers"].loc[t["suppliers"]["supplier_id"] == "S1", "bank_beneficiary"] = "宁波阿尔法有限公司"
    r = scoring.compute_signals(t, TINY_AS_OF, cfg)
    sig = _sig(r, "S1", "legal_entity_consistency")
    # read in pinyin the Chinese trade name is "aerfa", not "alpha": a Chinese name that reads as no Latin one is a
    # mismatch (#15), no longer "cannot verify"
    assert sig["points"] == pytest.approx(_max(cfg, "legal_entity_consistency"))
    assert sig["detail"] == "legal: Ningbo Alpha Co., Ltd. | bank beneficiary: 宁波阿尔法有限公司"
    assert (r.red_flags["flag"] == "legal_entity_mismatch").sum() == 1


def test_abnormal_status_and_failed_audit_flags(tiny_tables, cfg):
    t = _copy(tiny_tables)
    sup = t["suppliers"]
    sup.loc[sup["supplier_id"] == "S1", ["operating_status", "last_audit_result"]] = ["abnormal", "fail"]
    r = scoring.compute_signals(t, TINY_AS_OF, cfg)
    assert set(r.red_flags.loc[r.red_flags["supplier_id"] == "S1", "flag"]) == {
        "abnormal_operating_status", "failed_audit"}
    # the reasons name the dates a founder checks: the audit of 2023-06-15 and the registry check of 2024-05-22
    why = r.red_flags[r.red_flags["supplier_id"] == "S1"].set_index("flag")["reason"]
    assert why["failed_audit"] == "the last factory audit, on 2023-06-15, failed"
    assert why["abnormal_operating_status"] == ("the business registry listed the company as abnormal when checked "
                                                "on 2024-05-22")
    sup.loc[sup["supplier_id"] == "S1", "registry_checked_on"] = pd.NaT
    r = scoring.compute_signals(t, TINY_AS_OF, cfg)
    assert r.red_flags.set_index(["supplier_id", "flag"]).loc[("S1", "abnormal_operating_status"), "reason"] == (
        "the business registry listed the company as abnormal when checked on an unrecorded date")
    assert _sig(r, "S1", "operating_status")["points"] == pytest.approx(_max(cfg, "operating_status"))
    assert _sig(r, "S1", "audit")["points"] == pytest.approx(2.0)


def test_critical_defect_shipped_without_a_passed_reinspection_is_a_red_flag(tiny_tables, cfg):
    t = _copy(tiny_tables)
    ins = t["inspections"]
    ins.loc[ins["inspection_id"] == "I4", ["critical_defects", "result"]] = [1, "fail"]  # P4, shipped 02-14
    r = scoring.compute_signals(t, date(2024, 6, 21), cfg)
    assert "critical_defect_recent" in set(r.red_flags.loc[r.red_flags["supplier_id"] == "S2", "flag"])
    # a critical finding cleared by a later passed inspection is not a red flag: I2 on P2 → I3 passed
    t = _copy(tiny_tables)
    ins = t["inspections"]
    ins.loc[ins["inspection_id"] == "I2", "critical_defects"] = 1
    r = scoring.compute_signals(t, date(2024, 6, 21), cfg)
    assert "critical_defect_recent" not in set(r.red_flags.get("flag", pd.Series(dtype=str)))


def test_a_blank_major_count_leaves_that_sample_out_of_the_defect_signals(tiny_tables, cfg):
    t = _copy(tiny_tables)
    ins = t["inspections"]
    ins.loc[ins["inspection_id"] == "I1", "major_defects"] = np.nan  # P1: 80 units, 2 major, left blank
    r = scoring.compute_signals(t, TINY_AS_OF, cfg)
    # majors 6 + 1 = 7 in the 160 units of I2 and I3 (not 7 in 240): 0.04375 / AQL 0.025 = 1.75
    major = _sig(r, "S1", "major_defects_vs_aql")
    assert major["raw_value"] == pytest.approx(1.75) and major["evidence_n"] == 160
    assert "7 major defects in 160 units sampled" in major["explanation"]
    # the critical count of I1 (0) is still recorded: critical evidence keeps all 240 units
    assert _sig(r, "S1", "critical_defects")["evidence_n"] == 240
    # drift compares first PSIs only: P1's (I1) count is unknown, so only P2's 80 units remain (160 before)
    assert _sig(r, "S1", "bulk_vs_sample_drift")["evidence_n"] == 80


def test_inspections_at_aql_zero_are_no_multiple_of_zero(tiny_tables, cfg):
    """S1's three PSIs (I1-I3, 80 units each, 2 + 6 + 1 majors) at major AQL 0 (no major defect accepted): the rate
    is no multiple of 0 (the sample-size adjusted rate never is 0, so it read "inf× the AQL" and took the most points); it
    is read against the default major AQL (2.5%), said so. One of three at 0: the average AQL counts it."""
    base = _sig(scoring.compute_signals(tiny_tables, TINY_AS_OF, cfg), "S1", "major_defects_vs_aql")
    t = _copy(tiny_tables)
    s1 = t["inspections"]["inspection_id"].isin(["I1", "I2", "I3"])
    t["inspections"].loc[s1, ["aql_major", "judged_aql_major"]] = 0.0
    major = _sig(scoring.compute_signals(t, TINY_AS_OF, cfg), "S1", "major_defects_vs_aql")
    assert major["raw_value"] == pytest.approx(1.5) and np.isfinite(major["points"])
    assert major["points"] == pytest.approx(base["points"])
    assert "vs the default major AQL of 2.5%, its inspections accepting none: " in major["explanation"]
    t = _copy(tiny_tables)
    t["inspections"].loc[t["inspections"]["inspection_id"] == "I1", ["aql_major", "judged_aql_major"]] = 0.0
    major = _sig(scoring.compute_signals(t, TINY_AS_OF, cfg), "S1", "major_defects_vs_aql")
    # 9 majors in 240 units (3.75%) vs (0 + 2 × 80 × 2.5%) / 240 = 1.67%: 2.25× the AQL
    assert major["raw_value"] == pytest.approx(0.0375 / (4 / 240))
    assert "vs an average major AQL of 1.7%: " in major["explanation"]


def test_red_flags_force_the_band(cfg):
    assert scoring.band_for(5.0, 0, cfg) == "low"
    assert scoring.band_for(5.0, 1, cfg) == "high"
    assert scoring.band_for(70.0, 1, cfg) == "critical"
    assert scoring.band_for(5.0, cfg["bands"]["critical_if_red_flags"], cfg) == "critical"


def test_a_red_flag_is_unknown_when_the_data_cannot_measure_its_signal():
    assert set(scoring.RED_FLAG_SIGNALS.values()) <= set(sig.REGISTRY)
    unknown = pd.DataFrame({"signal": ["bank_account_changes", "psi_failure_rate", "audit"]})
    assert scoring.red_flags_unknown(unknown) == ["failed_audit", "unverified_bank_change"]  # the flags' own order
    assert scoring.red_flags_unknown(unknown.iloc[0:0]) == []


@pytest.mark.slow
def test_every_red_flag_reads_the_signal_it_is_mapped_to(demo_con):
    """A flag is raised from its signal's evidence: on the demo (every kind of flag raised) each flagged supplier's
    mapped signal is measured and, but for the critical-defect flag (a recent lot, where the signal is a shrunk
    rate), scores points: a mismatch, a failed audit, an abnormal status, suspected subcontracting or an unverified
    account always does."""
    rows = demo_con.execute("select r.flag, s.signal, s.points from marts.supplier_red_flags r left join "
                            "marts.supplier_signals s on s.supplier_id = r.supplier_id").df()
    rows = rows[rows["signal"] == rows["flag"].map(scoring.RED_FLAG_SIGNALS)]
    flags = demo_con.execute("select flag, count(*) from marts.supplier_red_flags group by 1").fetchall()
    assert dict(flags) == rows.groupby("flag").size().to_dict()  # each flag has its mapped signal's row
    assert set(rows["flag"]) == set(scoring.RED_FLAG_SIGNALS)  # the demo raises every kind
    assert (rows.loc[rows["flag"] != "critical_defect_recent", "points"] > 0).all()


def test_score_band_is_the_thresholds_alone(cfg):
    # levels: low 0, medium 25, high 40, critical 55 (risk_score.toml [bands])
    assert [scoring.score_band(s, cfg) for s in (0.0, 24.9, 25.0, 39.99, 40.0, 54.9, 55.0, 100.0)] == [
        "low", "low", "medium", "medium", "high", "high", "critical", "critical"]
    # without red flags the band is the score's own
    for s in np.linspace(0, 100, 41):
        assert scoring.band_for(s, 0, cfg) == scoring.score_band(s, cfg)


def test_band_levels_hold_the_configured_bands_and_the_red_flags_that_force_each(cfg):
    levels = scoring.band_levels(cfg)
    # red_flag_band = high, critical_if_red_flags = 3: one flag forces medium and high, three force critical
    assert levels.to_dict("list") == {"band": ["low", "medium", "high", "critical"], "band_rank": [0, 1, 2, 3],
                                      "min_red_flags": [0, 1, 1, 3]}
    other = {**cfg, "bands": {**cfg["bands"], "red_flag_band": "medium", "critical_if_red_flags": 2}}
    assert list(scoring.band_levels(other)["min_red_flags"]) == [0, 1, 2, 2]


# ---- the demo portfolio -----------------------------------------------------------------------------------------

def test_contributions_add_up_exactly_to_the_score(demo_result, cfg):
    _, r = demo_result
    s = scoring.score(r, cfg).set_index("supplier_id")
    total = r.signals.groupby("supplier_id")["points"].sum()
    assert np.abs(total.reindex(s.index) - s["risk_score"]).max() < 1e-9
    pillars = s[[f"{p}_points" for p in scoring.PILLARS]].sum(axis=1)
    assert np.abs(pillars - s["risk_score"]).max() < 1e-9
    # every contribution is a whole number of tenths within its maximum
    assert np.allclose(r.signals["points"] * 10, np.round(r.signals["points"] * 10))
    assert (r.signals["points"] <= r.signals["max_points"] + 1e-9).all() and (r.signals["points"] >= 0).all()
    assert s["risk_score"].between(0, 100).all()
    flagged = s[s["red_flag_count"] > 0]
    assert len(flagged) > 0 and flagged["risk_band"].isin(["high", "critical"]).all()


def test_score_recovers_the_hidden_risk(demo_con, ground_truth):
    s = demo_con.execute("select supplier_id, risk_score from marts.supplier_risk_score").df()
    m = s.merge(ground_truth[["supplier_id", "hidden_risk"]], on="supplier_id")
    assert len(m) == len(ground_truth)
    rho = spearmanr(m["risk_score"], m["hidden_risk"]).statistic
    assert rho >= 0.7, rho


def _perturbations():
    """(name, function(tables, supplier, po) that makes one signal worse, signal expected to rise or hold)."""
    def failed_psi(t, s, po):
        ins = t["inspections"]
        row = ins[ins["po_id"] == po].iloc[[0]].copy()
        row["inspection_id"] = "X-PSI"
        row["inspection_type"], row["result"], row["major_defects"] = "PSI", "fail", row["sample_size"]
        row["critical_defects"] = 1
        row["inspected_on"] = t["purchase_orders"].loc[t["purchase_orders"]["po_id"] == po, "ordered_on"].iloc[0]
        t["inspections"] = pd.concat([row, ins], ignore_index=True)

    def defect_return(t, s, po):
        r = t["returns"]
        sku = t["purchase_orders"].loc[t["purchase_orders"]["po_id"] == po, "sku"].iloc[0]
        t["returns"] = pd.concat([r, pd.DataFrame({"supplier_id": [s], "sku": [sku], "po_id": [po],
                                                   "returned_on": [r["returned_on"].min()], "reason": ["defective"],
                                                   "is_defect_coded": [True], "quantity": [500]})],
                                 ignore_index=True)

    def nad_return(t, s, po):
        r = t["returns"]
        sku = t["purchase_orders"].loc[t["purchase_orders"]["po_id"] == po, "sku"].iloc[0]
        t["returns"] = pd.concat([r, pd.DataFrame({"supplier_id": [s], "sku": [sku], "po_id": [po],
                                                   "returned_on": [r["returned_on"].min()],
                                                   "reason": ["not_as_described"], "is_defect_coded": [True],
                                                   "quantity": [300]})], ignore_index=True)

    def late(t, s, po):
        sh = t["shipments"]
        sh.loc[sh["po_id"] == po, "shipped_on"] = sh.loc[sh["po_id"] == po, "shipped_on"] + pd.Timedelta(days=40)
        sh.loc[sh["po_id"] == po, "delivered_on"] = sh.loc[sh["po_id"] == po, "delivered_on"] + pd.Timedelta(days=40)

    def hold(t, s, po):
        sh = t["shipments"]
        sh.loc[sh["po_id"] == po, ["customs_hold_days", "doc_errors"]] = [9, 3]

    def wire(t, s, po):
        p = t["payments"]
        p.loc[p["po_id"] == po, ["channel", "is_outside_trade_assurance"]] = ["wire", True]

    def early_balance(t, s, po):
        p = t["payments"]
        first_day = t["purchase_orders"].loc[t["purchase_orders"]["po_id"] == po, "ordered_on"].iloc[0]
        p.loc[(p["po_id"] == po) & (p["kind"] == "balance"), "paid_on"] = first_day + pd.Timedelta(days=1)

    def payee(t, s, po):
        p = t["payments"]
        p.loc[p["po_id"] == po, "payee_name"] = "Hong Kong Elsewhere Holdings Limited"

    def price(t, s, po):
        # the same spend buys fewer units, so spend-based ratios (quality cost share, deposits) do not move
        o = t["purchase_orders"]
        o.loc[o["po_id"] == po, "unit_price"] = o.loc[o["po_id"] == po, "unit_price"] * 1.5
        o.loc[o["po_id"] == po, "quantity"] = np.round(o.loc[o["po_id"] == po, "order_value"]
                                                       / o.loc[o["po_id"] == po, "unit_price"]).astype("int64")

    def overpay(t, s, po):
        p = t["payments"]
        p.loc[p["po_id"] == po, "amount"] = p.loc[p["po_id"] == po, "amount"] * 1.2

    def cost(t, s, po):
        q = t["quality_costs"]
        t["quality_costs"] = pd.concat([q, pd.DataFrame({"cost_id": ["X-QC"], "po_id": [po], "supplier_id": [s],
                                                         "incurred_on": [q["incurred_on"].min()],
                                                         "kind": ["rework"], "amount": [25000.0]})],
                                       ignore_index=True)

    def profile(col, value):
        def f(t, s, po):
            sup = t["suppliers"]
            sup.loc[sup["supplier_id"] == s, col] = value
        return f

    def both(first, second):
        def f(t, s, po):
            first(t, s, po)
            second(t, s, po)
        return f

    return [
        ("failed PSI", failed_psi, "psi_failure_rate"), ("defect return", defect_return, "defect_return_rate"),
        ("not as described", nad_return, "not_as_described_rate"), ("late shipment", late, "late_rate"),
        ("customs hold + doc errors", hold, "customs_hold_rate"), ("paid by wire", wire, "outside_trade_assurance"),
        ("balance before PSI", early_balance, "balance_before_psi"), ("payee mismatch", payee, "payee_consistency"),
        ("price jump", price, "price_jumps"), ("overpaid", overpay, "cost_overrun"),
        ("quality cost", cost, "quality_cost_share"),
        ("abnormal status", profile("operating_status", "abnormal"), "operating_status"),
        ("litigation", profile("litigation_cases", 9), "public_records"),
        ("suspected subcontracting", profile("subcontracting", "suspected"), "subcontracting"),
        ("failed audit", profile("last_audit_result", "fail"), "audit"),
        ("no NNN", profile("nnn_signed", False), "ip_protection"),
        # both worse at once: the suppliers picked may already lack the badge (they do on the demo)
        ("unverified new store", both(profile("is_verified", False), profile("alibaba_store_years", 0)),
         "marketplace_profile"),
        ("bad registration id", profile("registration_id", "12345"), "registration_id"),
        ("beneficiary mismatch", profile("bank_beneficiary", "Hong Kong Elsewhere Holdings Limited"),
         "legal_entity_consistency"),
    ]


@pytest.mark.parametrize("name, perturb, signal", _perturbations(), ids=[p[0] for p in _perturbations()])
def test_making_a_signal_worse_never_lowers_the_score(demo_tables, demo_result, cfg, name, perturb, signal):
    tables, as_of = demo_tables
    prepared, before = demo_result
    s_before = scoring.score(before, cfg).set_index("supplier_id")
    # a low-risk, a middle and a high-risk supplier, each on an order with a PSI and a balance payment; the
    # priors are frozen, so the three perturbations (one per supplier) do not interact and run in one pass
    order = s_before.sort_values("risk_score").index
    suppliers = (order[2], order[len(order) // 2], order[-3])
    t = {k: v.copy() for k, v in tables.items()}  # staging-shaped frames with string ids, prepared again below
    po, ins, pay, sh = t["purchase_orders"], t["inspections"], t["payments"], t["shipments"]
    for supplier in suppliers:
        ok = po[(po["supplier_id"] == supplier)
                & po["po_id"].isin(ins.loc[ins["inspection_type"] == "PSI", "po_id"])
                & po["po_id"].isin(pay.loc[pay["kind"] == "balance", "po_id"])
                & po["po_id"].isin(sh.loc[sh["delivered_on"].notna(), "po_id"])]
        perturb(t, supplier, ok.sort_values("ordered_on")["po_id"].iloc[len(ok) // 2])
    after = scoring.compute_signals(t, as_of, cfg, frozen_priors=before.priors)
    s_after = scoring.score(after, cfg).set_index("supplier_id")
    for supplier in suppliers:
        assert s_after.loc[supplier, "risk_score"] >= s_before.loc[supplier, "risk_score"], (name, supplier)
        p0 = _sig(before, supplier, signal)["points"]
        p1 = _sig(after, supplier, signal)["points"]
        assert p1 >= p0 - 0.1 + 1e-9, (name, supplier, p0, p1)  # 0.1: largest-remainder rounding of one term
        assert BAND_RANK[s_after.loc[supplier, "risk_band"]] >= BAND_RANK[s_before.loc[supplier, "risk_band"]]
    # the perturbation did reach the signal's input for at least one of the three suppliers
    def same(a, b) -> bool:
        return bool((pd.isna(a) and pd.isna(b)) or a == b)
    moved = [not (same(_sig(after, x, signal)["raw_value"], _sig(before, x, signal)["raw_value"])
                  and same(_sig(after, x, signal)["shrunk_value"], _sig(before, x, signal)["shrunk_value"])
                  and same(_sig(after, x, signal)["points"], _sig(before, x, signal)["points"]))
             for x in suppliers]
    assert any(moved), name
    unrelated = s_before.index.difference(list(suppliers))
    pd.testing.assert_series_equal(s_after.loc[unrelated, "risk_score"], s_before.loc[unrelated, "risk_score"])


BAND_RANK = {b: i for i, b in enumerate(scoring.BAND_ORDER)}


def _new_supplier(tables, as_of, supplier_id="SUP-NEW1"):
    """One clean order: clean profile, passed PSI, on-time shipment, Trade Assurance payments to the legal entity."""
    t = {k: v.copy() for k, v in tables.items() if not k.startswith("_")}
    as_of = pd.Timestamp(as_of)
    ordered = as_of - pd.Timedelta(days=150)
    legal = "Ningbo Newco Home Products Co., Ltd."
    sup = t["suppliers"]
    row = sup.iloc[[0]].copy()
    row[["supplier_id", "supplier_name", "supplier_type", "legal_name", "bank_beneficiary", "registration_id",
         "operating_status", "subcontracting", "last_audit_result", "mold_owner"]] = [
        supplier_id, "Newco Store", "manufacturer", legal, legal, "913302010000000010", "normal", "none", "pass",
        "brand"]
    row[["litigation_cases", "admin_penalties", "alibaba_store_years"]] = [0, 0, 6]
    row[["is_verified", "is_gold_supplier", "nnn_signed"]] = [True, True, True]
    row["onboarded_on"] = ordered - pd.Timedelta(days=30)
    row["last_audit_on"] = ordered - pd.Timedelta(days=20)
    t["suppliers"] = pd.concat([sup, row], ignore_index=True)
    prod = t["products"]
    p = prod.iloc[[0]].copy()
    p[["sku", "supplier_id", "category"]] = [f"{supplier_id}-SKU", supplier_id, "home_storage"]
    t["products"] = pd.concat([prod, p], ignore_index=True)
    po_id = f"{supplier_id}-PO1"
    po = t["purchase_orders"]
    o = po.iloc[[0]].copy()
    o[["po_id", "supplier_id", "sku", "quantity", "unit_price", "pi_entity_name", "payment_channel"]] = [
        po_id, supplier_id, f"{supplier_id}-SKU", 1000, 5.0, legal, "trade_assurance"]
    o["order_value"] = 5000.0
    o["ordered_on"], o["promised_ship_on"] = ordered, ordered + pd.Timedelta(days=40)
    o["sample_approved_on"] = ordered - pd.Timedelta(days=10)
    t["purchase_orders"] = pd.concat([po, o], ignore_index=True)
    ins = t["inspections"]
    i = ins[ins["inspection_type"] == "PSI"].iloc[[0]].copy()
    i[["inspection_id", "po_id", "result", "critical_defects", "major_defects", "minor_defects", "lot_size",
       "sample_size", "aql_major", "judged_aql_major"]] = [f"{supplier_id}-I1", po_id, "pass", 0, 0, 0, 1000, 80, 2.5,
                                                            2.5]
    i["inspected_on"] = ordered + pd.Timedelta(days=37)
    t["inspections"] = pd.concat([ins, i], ignore_index=True)
    pay = t["payments"]
    y = pay.iloc[[0, 0]].copy()
    y["payment_id"] = [f"{supplier_id}-Y1", f"{supplier_id}-Y2"]
    y["po_id"], y["payee_name"], y["channel"], y["is_outside_trade_assurance"] = po_id, legal, "trade_assurance", False
    y["kind"], y["amount"] = ["deposit", "balance"], [1500.0, 3500.0]
    y["paid_on"] = [ordered + pd.Timedelta(days=1), ordered + pd.Timedelta(days=38)]
    t["payments"] = pd.concat([pay, y], ignore_index=True)
    sh = t["shipments"]
    s = sh.iloc[[0]].copy()
    s[["shipment_id", "po_id", "quantity", "customs_hold_days", "doc_errors"]] = [f"{supplier_id}-H1", po_id, 1000,
                                                                                   0, 0]
    s["shipped_on"] = ordered + pd.Timedelta(days=39)
    s["delivered_on"] = ordered + pd.Timedelta(days=75)
    t["shipments"] = pd.concat([sh, s], ignore_index=True)
    return t


def test_a_new_supplier_with_one_clean_order_is_low_confidence_and_not_in_the_extreme_deciles(demo_tables, cfg):
    tables, as_of = demo_tables
    t = _new_supplier(tables, as_of)
    r = scoring.compute_signals(t, as_of, cfg)
    s = scoring.score(r, cfg).set_index("supplier_id")
    new = s.loc["SUP-NEW1"]
    assert new["confidence"] == cfg["evidence"]["lowest_grade"]
    others = s.drop(index="SUP-NEW1")["risk_score"]
    lo, hi = others.quantile(0.1), others.quantile(0.9)
    assert lo < new["risk_score"] < hi, (lo, new["risk_score"], hi)
    # its inspection rate is near the peer prior, not 0% (best) nor anywhere near the worst
    psi = _sig(r, "SUP-NEW1", "psi_failure_rate")
    assert psi["raw_value"] == 0.0 and psi["shrunk_value"] > 0.5 * r.priors.loc[
        (r.priors["supplier_id"] == "SUP-NEW1") & (r.priors["signal"] == "psi_failure_rate"), "prior_mean"].iloc[0]


def test_an_unrelated_supplier_changes_others_only_through_the_cohort_prior(demo_tables, demo_result, cfg):
    tables, as_of = demo_tables
    _, before = demo_result
    s0 = scoring.score(before, cfg).set_index("supplier_id")
    t = _new_supplier(tables, as_of, "SUP-NEW2")
    frozen = scoring.compute_signals(t, as_of, cfg, frozen_priors=before.priors)
    s1 = scoring.score(frozen, cfg).set_index("supplier_id").drop(index="SUP-NEW2")
    pd.testing.assert_series_equal(s1["risk_score"], s0["risk_score"].reindex(s1.index))
    a = before.signals.set_index(["supplier_id", "signal"])[["raw_value", "shrunk_value", "points"]]
    b = frozen.signals.set_index(["supplier_id", "signal"])[["raw_value", "shrunk_value", "points"]].reindex(a.index)
    pd.testing.assert_frame_equal(a, b)
    # with the prior refitted, the only change is the prior's: quantified, and small for one supplier among 72
    free = scoring.score(scoring.compute_signals(t, as_of, cfg), cfg).set_index("supplier_id").drop(index="SUP-NEW2")
    moved = (free["risk_score"] - s0["risk_score"].reindex(free.index)).abs()
    assert moved.max() <= 1.0, moved.max()


# ---- missing is not risky ------------------------------------------------------------------------------------------

def test_a_field_the_data_does_not_carry_scores_nothing_and_changes_no_other_signal(tiny_tables, cfg):
    before = scoring.compute_signals(_copy(tiny_tables), TINY_AS_OF, cfg)
    t = _copy(tiny_tables)
    # a broker's export has no marketplace badge and no registry number for anyone
    t["suppliers"][["is_verified", "alibaba_store_years", "registration_id"]] = None
    after = scoring.compute_signals(t, TINY_AS_OF, cfg)
    assert after.unknown == ("registration_id", "marketplace_profile")
    s0, s1 = before.signals.set_index(["supplier_id", "signal"]), after.signals.set_index(["supplier_id", "signal"])
    for supplier in ("S1", "S2", "S3"):
        for name in after.unknown:
            row = s1.loc[(supplier, name)]
            assert row["points"] == 0.0 and np.isnan(row["raw_value"]) and row["evidence_n"] == 0
            assert row["explanation"].startswith("unknown: the data has no ")
        assert s0.loc[(supplier, "registration_id"), "points"] > 0 or supplier == "S3"  # S3's code is valid
        # every other signal is untouched (up to the largest-remainder rounding of the supplier's points to 0.1, which
        # may move a point's share by 0.1 when the total changes), so the score falls by the unknown signals' points
        others = s0.index.get_level_values("signal").difference(list(after.unknown))
        pd.testing.assert_series_equal(s1.loc[supplier].loc[others, "points"], s0.loc[supplier].loc[others, "points"],
                                       check_exact=False, atol=0.1 + 1e-9, rtol=0)
        assert (s1.loc[supplier].loc[others, "points"] != s0.loc[supplier].loc[others, "points"]).sum() <= 1
    sc0, sc1 = scoring.score(before, cfg).set_index("supplier_id"), scoring.score(after, cfg).set_index("supplier_id")
    lost = s0[s0.index.get_level_values("signal").isin(after.unknown)].groupby("supplier_id")["points"].sum()
    # display rounding only: the two scores and the lost points are each rounded to 0.1
    assert (sc1["risk_score"] - (sc0["risk_score"] - lost)).abs().max() < 0.1 + 1e-9


def _without_file(tables: dict, table: str, imported: bool) -> dict:
    """The tables as the build loads them when `table`'s file holds no rows: imported empty (known to hold none) or
    not imported at all (the table is empty and not in ingest.load_log)."""
    t = _copy(tables)
    t[table] = t[table].iloc[0:0]
    if not imported:
        carried = t["tables_carried"]
        t["tables_carried"] = carried[carried["table_name"] != table]
    return t


@pytest.mark.parametrize("table, unknown", [
    ("inspections", ("psi_failure_rate", "major_defects_vs_aql", "critical_defects", "passed_but_defective",
                     "bulk_vs_sample_drift", "balance_before_psi")),
    ("shipments", ("late_rate", "severe_late_rate", "lead_time_variability", "customs_hold_rate", "doc_error_rate",
                   "deposits_at_risk")),
    ("payments", ("payee_consistency", "payee_changes", "outside_trade_assurance", "balance_before_psi",
                  "deposits_at_risk", "cost_overrun")),
    ("returns", ("defect_return_rate", "not_as_described_rate", "passed_but_defective")),
    ("quality_costs", ("quality_cost_share",))])
def test_a_file_the_data_does_not_carry_scores_nothing_where_an_empty_one_would_score(tiny_tables, cfg, table,
                                                                                      unknown):
    """Missing is not risky for whole files too: a brand that never imported its inspections has not had every
    balance paid before a passed inspection, and one without shipments has not had every order go unshipped."""
    empty = scoring.compute_signals(_without_file(tiny_tables, table, imported=True), TINY_AS_OF, cfg)
    absent = scoring.compute_signals(_without_file(tiny_tables, table, imported=False), TINY_AS_OF, cfg)
    assert empty.unknown == ()
    # the signals that read the file, in registry order; what the data lacks, in words
    assert set(absent.unknown) == set(unknown)
    assert all(table in absent.missing_files[name] and table in absent.lacking(name) for name in absent.unknown)
    s0 = empty.signals.set_index(["supplier_id", "signal"])
    s1 = absent.signals.set_index(["supplier_id", "signal"])
    for supplier in ("S1", "S2", "S3"):
        for name in unknown:
            row = s1.loc[(supplier, name)]
            assert row["points"] == 0.0 and np.isnan(row["raw_value"]) and row["evidence_n"] == 0
            assert row["explanation"].startswith("unknown: no ") and table.replace("_", " ") in row["explanation"]
        others = s0.index.get_level_values("signal").difference(list(unknown))
        pd.testing.assert_series_equal(s1.loc[supplier].loc[others, "points"], s0.loc[supplier].loc[others, "points"],
                                       check_exact=False, atol=0.1 + 1e-9, rtol=0)
    lost = s0[s0.index.get_level_values("signal").isin(unknown)].groupby("supplier_id")["points"].sum()
    if table in ("inspections", "shipments"):
        # an imported empty file is a fact that scores (balances paid with no passed inspection; orders past their
        # promise with nothing shipped); the same rows without the file score nothing
        assert lost.sum() > 0
    sc0, sc1 = scoring.score(empty, cfg).set_index("supplier_id"), scoring.score(absent, cfg).set_index("supplier_id")
    assert (sc1["risk_score"] - (sc0["risk_score"] - lost)).abs().max() < 0.1 + 1e-9


def test_a_column_of_another_file_blank_on_every_row_scores_nothing(tiny_tables, cfg):
    """A broker's shipment export without customs holds or documentation errors has not had none of them."""
    assert {"shipments.customs_hold_days", "shipments.doc_errors"} <= set(tiny_tables["columns_carried"]["field"])
    before = scoring.compute_signals(_copy(tiny_tables), TINY_AS_OF, cfg)
    t = _copy(tiny_tables)
    t["shipments"]["customs_hold_days"] = np.nan
    t["columns_carried"] = _carried_without(tiny_tables, "shipments.customs_hold_days")
    after = scoring.compute_signals(t, TINY_AS_OF, cfg)
    assert after.unknown == ("customs_hold_rate",)
    assert after.lacking("customs_hold_rate") == "customs_hold_days in the shipments file"
    row = _sig(after, "S2", "customs_hold_rate")
    assert row["points"] == 0.0 and row["explanation"] == (
        "unknown: the data has no customs_hold_days in the shipments file (0 points; add the column to count it)")
    assert _sig(before, "S2", "customs_hold_rate")["points"] > 0  # S2's held shipment scored before
    assert _sig(after, "S2", "doc_error_rate")["points"] == _sig(before, "S2", "doc_error_rate")["points"]


def test_per_supplier_blanks_still_count_where_the_data_carries_the_field(tiny_tables, cfg):
    t = _copy(tiny_tables)
    sup = t["suppliers"]
    sup["is_verified"] = sup["is_verified"].astype(object)
    sup.loc[sup["supplier_id"] == "S1", "is_verified"] = True
    sup.loc[sup["supplier_id"] != "S1", "is_verified"] = None  # S1 verified, the others blank: not verified
    r = scoring.compute_signals(t, TINY_AS_OF, cfg)
    assert "marketplace_profile" not in r.unknown
    assert "no verified badge" in _sig(r, "S2", "marketplace_profile")["explanation"]


def test_half_a_signal_counts_when_the_data_carries_only_its_other_field(tiny_tables, cfg):
    t = _copy(tiny_tables)
    t["suppliers"]["nnn_signed"] = None  # no NNN column at all; moulds are known
    t["suppliers"]["mold_owner"] = "supplier"
    r = scoring.compute_signals(t, TINY_AS_OF, cfg)
    ip = _sig(r, "S1", "ip_protection")
    # only the mould half: 0.5 × 1.5 points, and the NNN half is said to be unknown, not "no NNN agreement"
    assert ip["points"] == pytest.approx(0.5 * _max(cfg, "ip_protection"), abs=ROUNDING)
    assert "NNN unknown" in ip["explanation"]


def test_coverage_says_how_many_points_the_data_lets_the_score_see(cfg):
    # a brand that imported no inspections, no sales or returns, and no legal names (rows as in
    # marts.score_unknown_signals, in any order)
    unknown = pd.DataFrame({"signal": ["legal_entity_consistency", "defect_return_rate", "psi_failure_rate"],
                            "missing_fields": ["legal_name", "sales and returns files", "inspections file"],
                            "missing_files": ["", "sales, returns", "inspections"],
                            "max_points": [5.0, 8.5, 8.0]})
    cov = scoring.coverage(unknown, cfg).set_index("pillar")
    assert cov["max_points"].sum() == 100
    assert cov.loc["quality", "known_points"] == cov.loc["quality", "max_points"] - 8.0 - 8.5
    assert cov.loc["entity", "known_points"] == cov.loc["entity", "max_points"] - 5.0
    assert (cov.drop(index=["quality", "entity"])["known_points"] ==
            cov.drop(index=["quality", "entity"])["max_points"]).all()
    q, e = cov.loc["quality", "max_points"], cov.loc["entity", "max_points"]
    words = scoring.coverage_words(unknown, cfg)
    # pillars by the share they can see (whole pillars first, in the config's order), then what would count the rest
    assert words == [
        f"On this data the score can see 78.5 of its 100 points (transaction 16 of 16, delivery 17.5 of 17.5, "
        f"commercial 9 of 9, entity {e - 5:g} of {e:g}, quality {q - 16.5:g} of {q:g}). The other 21.5 are unknown "
        "and count 0, so a low band here means low on what the data shows, not a clean record.",
        "To count the rest, import the inspections, sales and returns files and fill the suppliers file's "
        "legal_name (docs/data-contract.md)."]
    assert (e, q) == (16.0, 41.5)  # the figures above, as the config holds them
    assert scoring.coverage_words(unknown.iloc[0:0], cfg) == []
    # a column of another file: named with its file
    holds = pd.DataFrame({"signal": ["customs_hold_rate"], "missing_fields": ["customs_hold_days in the shipments file"],
                          "missing_files": [""], "max_points": [1.0]})
    assert scoring.coverage_words(holds, cfg)[1] == ("To count the rest, fill the shipments file's customs_hold_days "
                                                     "(docs/data-contract.md).")
    # a warehouse built before marts.score_unknown_signals named the files: the first sentence only
    assert scoring.coverage_words(unknown.drop(columns="missing_files"), cfg) == words[:1]


def test_confidence_is_one_grade_lower_when_unknown_signals_could_carry_enough_points(tiny_tables, cfg):
    before = scoring.score(scoring.compute_signals(_copy(tiny_tables), TINY_AS_OF, cfg), cfg).set_index("supplier_id")
    t = _copy(tiny_tables)
    # 1.5 + 2 + 1 points unknown
    t["suppliers"][["registration_id", "last_audit_on", "last_audit_result", "registry_checked_on",
                    "records_checked_on"]] = None
    result = scoring.compute_signals(t, TINY_AS_OF, cfg)
    assert sum(cfg["signals"][s]["max_points"] for s in result.unknown) == 4.5
    after = scoring.score(result, cfg).set_index("supplier_id")
    order = ["A", "B", "C", "D"]
    for supplier in after.index:
        expected = order[min(order.index(before.loc[supplier, "confidence"]) + 1, 3)]
        assert after.loc[supplier, "confidence"] == expected
    # one field less (1.5 points) stays under the threshold: confidence unchanged
    t = _copy(tiny_tables)
    t["suppliers"]["registration_id"] = None
    same = scoring.score(scoring.compute_signals(t, TINY_AS_OF, cfg), cfg).set_index("supplier_id")
    assert (same["confidence"] == before["confidence"]).all()


def test_score_changes_say_a_rate_with_no_evidence_in_words_as_the_supplier_page_does():
    """S1's escapes signal moved from 0.7 to 0.6 points while it still had no passed lot old enough to judge (0 of 0,
    scored at the peers' average, 8.3% then and 8.1% now); its late rate moved on evidence (1 of 2 → 2 of 3). The
    changes table says the first in words, with each month's own peer rate, and keeps the second as the score wrote
    it; a signal that moved less than the threshold is left out."""
    def result(rows: list[tuple], priors: list[tuple], on: date) -> scoring.SignalResult:
        signals = pd.DataFrame(rows, columns=["supplier_id", "signal", "pillar", "points", "evidence_n", "raw_value",
                                              "explanation"])
        return scoring.SignalResult(signals=signals, evidence=pd.DataFrame(), red_flags=pd.DataFrame(), as_of=on,
                                    priors=pd.DataFrame(priors, columns=["supplier_id", "signal", "prior_mean"]))

    before = result([("S1", "passed_but_defective", "quality", 0.7, 0.0, float("nan"), "0 of 0 lots … (8.3%)"),
                     ("S1", "late_rate", "delivery", 2.0, 2.0, 0.5, "1 of 2 due orders shipped late"),
                     ("S1", "price_jumps", "commercial", 1.0, 4.0, 0.25, "1 of 4 reorders")],
                    [("S1", "passed_but_defective", 0.083), ("S1", "late_rate", 0.3), ("S1", "price_jumps", 0.1)],
                    date(2024, 5, 31))
    now = result([("S1", "passed_but_defective", "quality", 0.6, 0.0, float("nan"), "0 of 0 lots … (8.1%)"),
                  ("S1", "late_rate", "delivery", 3.0, 3.0, 2 / 3, "2 of 3 due orders shipped late"),
                  ("S1", "price_jumps", "commercial", 1.04, 4.0, 0.25, "1 of 4 reorders")],
                 [("S1", "passed_but_defective", 0.081), ("S1", "late_rate", 0.3), ("S1", "price_jumps", 0.1)],
                 date(2024, 6, 30))
    changes = scoring.score_changes(now, before, 0.1).set_index("signal")
    assert list(changes.index) == ["late_rate", "passed_but_defective"]
    assert changes.loc["passed_but_defective", "delta"] == -0.1
    label = now.labels["passed_but_defective"]
    assert changes.loc["passed_but_defective", "explanation"] == (
        f"{label}: -0.1 pts. Now: No passed lots on sale long enough to judge yet: scored at its peers' average rate, "
        "8.1%, as every supplier without evidence is, until its own record shows. Last month: No passed lots on sale "
        "long enough to judge yet: scored at its peers' average rate, 8.3%, as every supplier without evidence is, "
        "until its own record shows.")
    assert changes.loc["late_rate", "explanation"] == (
        f"{now.labels['late_rate']}: +1.0 pts. Now: 2 of 3 due orders shipped late. Last month: 1 of 2 due orders "
        "shipped late.")


def test_returns_that_name_no_lot_leave_the_passed_but_defective_signal_unknown(tiny_tables, cfg):
    """Amazon's returns reports name no purchase order: no lot can be judged by its field returns, so the signal is
    unknown (0 points, said), not 'no passed lot came back defective'."""
    assert "returns.po_id" in set(tiny_tables["columns_carried"]["field"])
    t = _copy(tiny_tables)
    t["returns"]["po_id"] = None
    t["columns_carried"] = _carried_without(tiny_tables, "returns.po_id")
    after = scoring.compute_signals(t, TINY_AS_OF, cfg)
    assert after.unknown == ("passed_but_defective",)
    assert after.lacking("passed_but_defective") == "po_id in the returns file"
    assert _sig(after, "S1", "passed_but_defective")["points"] == 0.0


def _carried_without(tables: dict, *fields: str) -> pd.DataFrame:
    """The tables' columns_carried without `fields` (as the loader writes it when no row carries them)."""
    carried = tables["columns_carried"]
    return carried[~carried["field"].isin(fields)].reset_index(drop=True)


@pytest.mark.parametrize(("table", "column", "signals", "red_flags"), [
    # a payments ledger without the beneficiary: "every payee is the legal entity" of nobody's name
    ("payments", "payee_name", ("payee_consistency", "payee_changes"), ["payee_mismatch"]),
    # ... without the channel: a blank channel is not "outside Trade Assurance"
    ("payments", "channel", ("outside_trade_assurance",), []),
    # a PO tracker without promised ship dates: "0 of 0 due orders shipped late" is not on time
    ("purchase_orders", "promised_ship_on", ("late_rate", "severe_late_rate", "deposits_at_risk"), []),
    # an inspection summary with results but no defect counts: "0 major defects in 0 units" is not a clean sample
    ("inspections", "major_defects", ("major_defects_vs_aql", "bulk_vs_sample_drift"), []),
    ("inspections", "critical_defects", ("critical_defects",), ["critical_defect_recent"]),
])
def test_a_file_without_a_column_its_signals_read_leaves_them_unknown(tiny_tables, cfg, table, column, signals,
                                                                      red_flags):
    """A file mapped from a brand's own sheet may lack a column a signal reads: the signal is unknown (0 points,
    said, its red flag listed as not checked), never read as 'none found'; every other signal is unchanged."""
    assert f"{table}.{column}" in set(tiny_tables["columns_carried"]["field"])
    before = scoring.compute_signals(_copy(tiny_tables), TINY_AS_OF, cfg)
    t = _copy(tiny_tables)
    t[table][column] = None
    t["columns_carried"] = _carried_without(tiny_tables, f"{table}.{column}")
    after = scoring.compute_signals(t, TINY_AS_OF, cfg)
    assert after.unknown == signals
    assert scoring.red_flags_unknown(pd.DataFrame({"signal": list(after.unknown)})) == red_flags
    for s in signals:
        assert after.lacking(s) == f"{column} in the {table} file"
        assert (after.signals.query("signal == @s")["points"] == 0).all()
    # every other signal reads the same values (its points move by at most the 0.1 the exact-sum rounding shifts)
    others = [s for s in scoring.load_config()["signals"] if s not in signals]
    kept, now = (r.signals[r.signals["signal"].isin(others)].reset_index(drop=True) for r in (before, after))
    pd.testing.assert_series_equal(now["shrunk_value"], kept["shrunk_value"])
    pd.testing.assert_series_equal(now["points"], kept["points"], check_exact=False, atol=0.1 + 1e-9, rtol=0)

