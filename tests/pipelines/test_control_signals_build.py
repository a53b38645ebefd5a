"""The control signals (#15) through real builds: hand-computed on the tiny portfolio with tests/fixtures/controls,
the same definitions as marts.bank_accounts and marts.corrective_actions on the demo at the build date, and the
demo's planted cases found by the score (not only by the control marts)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from helpers import write_controls_portfolio
from models import scoring

CONTROL_SIGNALS = ("bank_account_changes", "changes_after_sample", "undocumented_changes", "corrective_actions",
                   "background_checks")


@pytest.fixture(scope="module")
def controls_db(tmp_path_factory, built) -> Path:
    folder = write_controls_portfolio(tmp_path_factory.mktemp("control_signals") / "input")
    db = folder.parent / "warehouse.duckdb"
    return built(folder, db)


def _signals(con) -> pd.DataFrame:
    return con.execute("select supplier_id, signal, raw_value, evidence_n, points from marts.supplier_signals "
                       "where signal in ?", [list(CONTROL_SIGNALS)]).df().set_index(["supplier_id", "signal"])


def test_control_signals_hand_computed_through_the_build(controls_db):
    """As of 2024-06-21 (tests/fixtures/controls; points from the config's maps):
    - bank: S2's BA3 is its second account, in HK, 'verified' by e-mail (does not count): a change, unverified → all
      3 points and the red flag; S1's only account verified by call-back → 0; S3 has none → 0.
    - changes: S1's CH1 changed P3's material on 02-10, after its sample approval (01-20), unconfirmed → all 2 points;
      CH2 (price) is confirmed; S2's CH3 (lead time) is confirmed.
    - corrective actions: S2's C2 closed with a failed next lot recorded, C3 due 06-10 still open → 2 → all 2 points;
      S1's C1 was confirmed by its next lot (I3 passed) → 0.
    - background checks: S1 checked 2024-03-01 → 0; S2's registry check expired (1) and records undated (0.5) → 0.75
      of 1 point; S3 never checked → 1."""
    cfg = scoring.load_config()
    mx = {name: cfg["signals"][name]["max_points"] for name in CONTROL_SIGNALS}
    with duckdb.connect(str(controls_db), read_only=True) as con:
        s = _signals(con)
        flags = con.execute("select supplier_id, flag from marts.supplier_red_flags "
                            "where flag = 'unverified_bank_change'").fetchall()
        unknown = con.execute("select signal from marts.score_unknown_signals").fetchall()
    assert (s.loc[("S2", "bank_account_changes"), "raw_value"], s.loc[("S2", "bank_account_changes"), "points"]) == (
        2.0, mx["bank_account_changes"])
    assert s.loc[("S1", "bank_account_changes"), "points"] == 0 and s.loc[("S3", "bank_account_changes"), "points"] == 0
    assert flags == [("S2", "unverified_bank_change")]
    assert s.loc[("S1", "changes_after_sample"), "points"] == mx["changes_after_sample"]
    assert s.loc[("S1", "undocumented_changes"), ["raw_value", "evidence_n"]].tolist() == [0.0, 2.0]
    assert s.loc[("S2", "undocumented_changes"), "points"] == 0 and s.loc[("S2", "changes_after_sample"), "points"] == 0
    assert s.loc[("S2", "corrective_actions"), ["raw_value", "evidence_n", "points"]].tolist() == [
        2.0, 2.0, mx["corrective_actions"]]
    assert s.loc[("S1", "corrective_actions"), ["raw_value", "evidence_n"]].tolist() == [0.0, 1.0]
    assert s.loc[("S1", "background_checks"), "points"] == 0.0
    assert s.loc[("S2", "background_checks"), "points"] == pytest.approx(0.75, abs=0.05 + 1e-9)
    assert s.loc[("S3", "background_checks"), "points"] == 1.0
    assert not {name for (name,) in unknown} & set(CONTROL_SIGNALS)


def test_the_score_and_the_control_marts_agree_at_the_build_date(demo_con):
    """One definition each: the score's bank and corrective-action measures at the build date equal what
    marts.bank_accounts and marts.corrective_actions say (failures of the next lot within the signal's window)."""
    s = _signals(demo_con).reset_index()
    window = scoring.load_config()["windows"]["control_days"]
    bank = demo_con.execute("""
        select supplier_id, bool_or(is_unverified_change) as change,
               bool_or(not is_verified and account_order = 1 and not is_offshore) as first
        from marts.bank_accounts group by supplier_id""").df().set_index("supplier_id")
    raw = s[s["signal"] == "bank_account_changes"].set_index("supplier_id")["raw_value"]
    b = bank.reindex(raw.index).fillna(False).astype(bool)
    expected = np.where(b["change"], 2.0, np.where(b["first"], 1.0, 0.0))
    assert (raw.to_numpy() == expected).all()
    assert (raw == 2).sum() >= 2  # the planted same-name account and the demo's payee changes
    capa = demo_con.execute("""
        select c.supplier_id,
               count(*) filter (where c.is_overdue)
               + count(*) filter (where c.is_closed_but_next_lot_failed
                                  and coalesce(c.next_lot_inspected_on, c.closed_on) > b.as_of - ?::integer)
                   as expected,
               count(*) filter (where c.opened_on <= b.as_of) as asked
        from marts.corrective_actions c cross join ingest.build_info b group by c.supplier_id""",
                                [window]).df().set_index("supplier_id")
    got = s[s["signal"] == "corrective_actions"].set_index("supplier_id")
    both = got.join(capa, how="left").fillna({"expected": 0, "asked": 0})
    assert (both["raw_value"] == both["expected"]).all()
    assert (both["evidence_n"] == both["asked"]).all()
    assert (both["raw_value"] > 0).sum() >= 2


def test_the_score_finds_the_demos_planted_control_cases(demo_con, demo_dir):
    truth = pd.read_csv(demo_dir / "ground_truth" / "controls_truth.csv", dtype=str).set_index("case")
    s = _signals(demo_con)
    bec = truth.loc["same_name_new_bank_account", "supplier_id"]
    assert s.loc[(bec, "bank_account_changes"), "raw_value"] == 2.0
    assert demo_con.execute("select count(*) from marts.supplier_red_flags where supplier_id = ? and flag = "
                            "'unverified_bank_change'", [bec]).fetchone()[0] == 1
    assert demo_con.execute("select risk_band from marts.supplier_risk_score where supplier_id = ?",
                            [bec]).fetchone()[0] in ("high", "critical")
    material = truth.loc["undocumented_material_change_after_sample", "supplier_id"]
    assert s.loc[(material, "changes_after_sample"), "raw_value"] >= 1
    assert s.loc[(material, "changes_after_sample"), "points"] > 0
    for case in ("overdue_capa", "closed_capa_next_lot_failed"):
        assert s.loc[(truth.loc[case, "supplier_id"], "corrective_actions"), "raw_value"] >= 1, case


def test_control_triggers_in_the_reaudit_queue(controls_db):
    """S2's unverified Hong Kong account holds new orders now; its corrective actions (C3 overdue, C2 failed again)
    and S1's material change after sample approval each trigger, with the score's explanation as the reason."""
    with duckdb.connect(str(controls_db), read_only=True) as con:
        q = con.execute("select supplier_id, triggers, suggested_action, days_until_due, reason "
                        "from marts.reaudit_queue").df().set_index("supplier_id")
    s2 = q.loc["S2"]
    assert {"unverified_bank_change", "corrective_action"} <= set(s2["triggers"].split(", "))
    assert (s2["suggested_action"], s2["days_until_due"]) == ("hold new orders", 0)
    assert "unverified bank change: 1 new or offshore bank account not verified" in s2["reason"]
    # C3 overdue; C2's failed next lot is recorded on the action, closed 2024-02-01: more than 90 days ago
    assert "corrective action: 1 corrective action past its due date" in s2["reason"]
    assert "failed again in the last" not in s2["reason"]
    s1 = q.loc["S1"]
    assert "change_after_sample" in s1["triggers"].split(", ") and "unverified_bank_change" not in s1["triggers"]
    assert s1["days_until_due"] <= 14
    assert "change after sample: 1 change to the product" in s1["reason"]
