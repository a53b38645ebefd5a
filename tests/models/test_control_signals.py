"""The control signals of #15, hand-computed on the tiny portfolio (tests/fixtures/tiny) with control records written
here in the staging shape: bank accounts, documented changes, corrective actions (CAPA) and dated background checks.
Each is checked at the build date and at an earlier cutoff (point in time), and a control file that was not imported
scores nothing and is said to be unknown."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from models import scoring
from pipelines import loaders

AS_OF = date(2024, 6, 21)
ROUNDING = 0.05 + 1e-9  # points are rounded to 0.1 so that a supplier's points add up to its rounded score
D = pd.Timestamp


@pytest.fixture(scope="module")
def cfg():
    return scoring.load_config()


def _max(cfg, name: str) -> float:
    return cfg["signals"][name]["max_points"]


@pytest.fixture(scope="module")
def tiny(tiny_db):
    con = duckdb.connect(str(tiny_db), read_only=True)
    try:
        return loaders.load_tables(con)
    finally:
        con.close()


def _with_controls(tiny: dict, bank=None, changes=None, capa=None, checks: dict | None = None) -> dict:
    """The tiny tables with these control records, each control file imported (empty when not given) and the
    background checks of `checks` (supplier → (registry_checked_on, records_checked_on)); others checked 30 days
    before AS_OF."""
    t = {k: v.copy() for k, v in tiny.items()}
    t["bank_accounts"] = pd.DataFrame(bank or [], columns=["bank_account_id", "supplier_id", "bank_country",
                                                           "first_seen_on", "verified_on", "is_offshore", "is_change"])
    t["changes"] = pd.DataFrame(changes or [], columns=["change_id", "supplier_id", "po_id", "changed_on", "kind",
                                                        "is_confirmed_in_writing"])
    t["corrective_actions"] = pd.DataFrame(capa or [], columns=[
        "capa_id", "supplier_id", "po_id", "opened_on", "severity", "due_on", "closed_on", "next_lot_result_recorded",
        "next_lot_result", "next_lot_inspected_on"])
    t["tables_carried"] = pd.DataFrame({"table_name": list(t["tables_carried"]["table_name"])
                                        + list(scoring.CONTROL_TABLES)})
    sup = t["suppliers"].copy()
    month_before = D(AS_OF) - pd.Timedelta(days=30)
    sup["registry_checked_on"] = month_before
    sup["records_checked_on"] = month_before
    for sid, (registry, records) in (checks or {}).items():
        sup.loc[sup["supplier_id"] == sid, ["registry_checked_on", "records_checked_on"]] = [registry, records]
    t["suppliers"] = sup
    t["supplier_fields_carried"] = pd.DataFrame({"field": list(t["supplier_fields_carried"]["field"])
                                                 + ["registry_checked_on", "records_checked_on"]})
    return t


def _sig(result, supplier_id: str, name: str) -> pd.Series:
    s = result.signals
    return s[(s["supplier_id"] == supplier_id) & (s["signal"] == name)].iloc[0]


def _flags(result, supplier_id: str) -> set[str]:
    return set(result.red_flags.loc[result.red_flags["supplier_id"] == supplier_id, "flag"])


# ---- bank accounts ------------------------------------------------------------------------------------------------

BANK = [
    # S1: verified at onboarding, then a second account under the same name, not verified (the BEC pattern)
    ("BA1", "S1", "CN", D("2023-06-01"), D("2023-06-02"), False, False),
    ("BA2", "S1", "CN", D("2024-05-10"), pd.NaT, False, True),
    # S2: its only account, never verified
    ("BA3", "S2", "CN", D("2024-01-01"), pd.NaT, False, False),
    # S3 (Vietnam): its only account is in Hong Kong (offshore, so a change: marts.bank_accounts.is_change), not verified
    ("BA4", "S3", "HK", D("2024-05-02"), pd.NaT, True, True),
]


def test_an_unverified_new_account_is_full_points_and_a_red_flag_until_verified(tiny, cfg):
    r = scoring.compute_signals(_with_controls(tiny, bank=BANK), AS_OF, cfg)
    s1 = _sig(r, "S1", "bank_account_changes")
    assert s1["points"] == _max(cfg, "bank_account_changes")  # 1.0 × 3
    assert (s1["raw_value"], s1["evidence_n"]) == (2.0, 2.0)
    assert s1["explanation"] == ("1 new or offshore bank account not verified by a call-back or bank letter: the pattern "
                                 "of bank-detail fraud; pay nothing to it until verified")
    assert "unverified_bank_change" in _flags(r, "S1")
    # the offshore account of S3 is a change even as its first account
    assert _sig(r, "S3", "bank_account_changes")["points"] == _max(cfg, "bank_account_changes")
    assert "unverified_bank_change" in _flags(r, "S3")
    # S2's only account, unverified: 0.3 × 3 = 0.9, no red flag
    assert _sig(r, "S2", "bank_account_changes")["points"] == pytest.approx(0.9, abs=ROUNDING)
    assert "unverified_bank_change" not in _flags(r, "S2")


def test_bank_accounts_point_in_time_and_after_verification(tiny, cfg):
    # on 2024-05-09 S1's second account had not been seen: its first, verified, account only
    before = scoring.compute_signals(_with_controls(tiny, bank=BANK), date(2024, 5, 9), cfg)
    assert _sig(before, "S1", "bank_account_changes")["points"] == 0.0
    assert _sig(before, "S1", "bank_account_changes")["explanation"] == "1 bank account, verified"
    assert "unverified_bank_change" not in _flags(before, "S1")
    # verified by a call-back on 2024-06-01: no points, no flag from then on
    verified = [row if row[0] != "BA2" else row[:4] + (D("2024-06-01"),) + row[5:] for row in BANK]
    r = scoring.compute_signals(_with_controls(tiny, bank=verified), AS_OF, cfg)
    assert _sig(r, "S1", "bank_account_changes")["points"] == 0.0
    assert "unverified_bank_change" not in _flags(r, "S1")
    mid = scoring.compute_signals(_with_controls(tiny, bank=verified), date(2024, 5, 31), cfg)
    assert _sig(mid, "S1", "bank_account_changes")["points"] == _max(cfg, "bank_account_changes")


# ---- documented changes -------------------------------------------------------------------------------------------

CHANGES = [
    # S1: P2's material changed after its sample was approved (2023-12-20), not confirmed → after-sample change
    ("C1", "S1", "P2", D("2024-03-05"), "material", False),
    # S1: a confirmed price change, and a lead-time change nobody confirmed (no order named)
    ("C2", "S1", "P1", D("2024-01-01"), "price", True),
    ("C3", "S1", None, D("2024-02-01"), "lead_time", False),
    # S2: packaging changed after the sample (2024-01-05), confirmed in writing: change control working, no points
    ("C4", "S2", "P4", D("2024-01-10"), "packaging", True),
    # S2: unconfirmed price changes: one 365 days before AS_OF (out of the window), one 364 days before (in it)
    ("C5", "S2", None, D("2023-06-22"), "price", False),
    ("C6", "S2", None, D("2023-06-23"), "price", False),
]


def test_changes_after_sample_approval_and_undocumented_changes(tiny, cfg):
    r = scoring.compute_signals(_with_controls(tiny, changes=CHANGES), AS_OF, cfg)
    s1 = _sig(r, "S1", "changes_after_sample")
    assert (s1["raw_value"], s1["points"]) == (1.0, _max(cfg, "changes_after_sample"))  # map: 1 change → full
    assert s1["explanation"].startswith("1 change to the product")
    assert "1 not confirmed in writing: the goods may no longer be what was approved" in s1["explanation"]
    # C3 only (C1 counts above, C2 is confirmed): 1 of 3 on the map → 1/3 × 2 = 0.67
    u1 = _sig(r, "S1", "undocumented_changes")
    assert u1["raw_value"] == 1.0 and u1["evidence_n"] == 3.0
    assert u1["points"] == pytest.approx(_max(cfg, "undocumented_changes") / 3, abs=ROUNDING)
    # S2: a confirmed change after the sample scores nothing; C6 is in the window, C5 no longer
    assert _sig(r, "S2", "changes_after_sample")["points"] == 0.0
    assert _sig(r, "S2", "changes_after_sample")["explanation"].startswith("1 change to the product")
    assert _sig(r, "S2", "undocumented_changes")["raw_value"] == 1.0
    assert _sig(r, "S2", "undocumented_changes")["evidence_n"] == 2.0  # C4 and C6


def test_changes_point_in_time(tiny, cfg):
    r = scoring.compute_signals(_with_controls(tiny, changes=CHANGES), date(2024, 2, 29), cfg)
    assert _sig(r, "S1", "changes_after_sample")["raw_value"] == 0.0  # C1 is dated 03-05
    assert _sig(r, "S1", "undocumented_changes")["raw_value"] == 1.0  # C3
    assert _sig(r, "S2", "undocumented_changes")["raw_value"] == 2.0  # C5 and C6 both within 365 days of 02-29


# ---- corrective actions -------------------------------------------------------------------------------------------

CAPA = [  # ..., next_lot_result_recorded, and the next lot's result and date as marts.corrective_actions finds them
    # S1: after I2 failed (04-05), closed 04-07; the next decided PSI of S1 after 04-07 is I3 (04-08), a pass
    ("K1", "S1", "P2", D("2024-04-06"), "major", D("2024-05-06"), D("2024-04-07"), None, "pass", D("2024-04-08")),
    # S1: opened 05-01, due 05-31, still open
    ("K2", "S1", "P2", D("2024-05-01"), "major", D("2024-05-31"), pd.NaT, None, None, pd.NaT),
    # S2: closed 02-01, its next PSI I4 (02-10) passed; K4 closed 03-01 with a failed next lot recorded on it
    ("K3", "S2", "P4", D("2024-01-20"), "major", D("2024-02-20"), D("2024-02-01"), None, "pass", D("2024-02-10")),
    ("K4", "S2", "P4", D("2024-02-15"), "minor", D("2024-03-15"), D("2024-03-01"), "fail", "fail", pd.NaT),
]


def test_overdue_and_failed_again_corrective_actions(tiny, cfg):
    r = scoring.compute_signals(_with_controls(tiny, capa=CAPA), AS_OF, cfg)
    s1 = _sig(r, "S1", "corrective_actions")
    # K2 overdue (due 05-31 < 06-21, open); K1 confirmed by the next lot: 1 on the map [0 → 0, 2 → 1] → 0.5 × 2
    assert (s1["raw_value"], s1["evidence_n"]) == (1.0, 2.0)
    assert s1["points"] == pytest.approx(0.5 * _max(cfg, "corrective_actions"))
    assert s1["explanation"].startswith("1 corrective action open, 1 past its due date; 0 closed whose next")
    s2 = _sig(r, "S2", "corrective_actions")
    assert (s2["raw_value"], s2["evidence_n"]) == (1.0, 2.0)  # K4 failed again, K3 confirmed
    assert "1 closed whose next inspected lot failed again" in s2["explanation"]


def test_corrective_actions_point_in_time(tiny, cfg):
    t = _with_controls(tiny, capa=CAPA)
    # on its due date K2 is not overdue yet
    assert _sig(scoring.compute_signals(t, date(2024, 5, 31), cfg), "S1", "corrective_actions")["raw_value"] == 0.0
    # before K1 was closed: open, not due, nothing failed
    early = scoring.compute_signals(t, date(2024, 4, 6), cfg)
    assert _sig(early, "S1", "corrective_actions")["raw_value"] == 0.0
    assert _sig(early, "S1", "corrective_actions")["explanation"].startswith("1 corrective action open, 0 past")
    # K1's next lot failing instead (recorded): known from its closing date
    failed = [row if row[0] != "K1" else row[:7] + ("fail", "fail", pd.NaT) for row in CAPA]
    t = _with_controls(tiny, capa=failed)
    assert _sig(scoring.compute_signals(t, date(2024, 4, 6), cfg), "S1", "corrective_actions")["raw_value"] == 0.0
    assert _sig(scoring.compute_signals(t, date(2024, 4, 7), cfg), "S1", "corrective_actions")["raw_value"] == 1.0


# ---- background checks --------------------------------------------------------------------------------------------

def test_background_checks_never_done_or_expired_are_not_clean(tiny, cfg):
    t = _with_controls(tiny, checks={
        "S1": (D("2023-06-01"), D("2024-06-01")),  # registry check 386 days old: expired (valid 365 days)
        "S2": (pd.NaT, pd.NaT),  # findings on file, undated
        "S3": (pd.NaT, pd.NaT),  # nothing on file: not checked
    })
    sup = t["suppliers"]
    sup.loc[sup["supplier_id"] == "S3", ["litigation_cases", "admin_penalties", "operating_status"]] = np.nan
    r = scoring.compute_signals(t, AS_OF, cfg)
    # shares per source: checked 0, undated 0.5, expired / not checked 1; averaged over the 2 sources, × 1 point
    s1 = _sig(r, "S1", "background_checks")
    assert (s1["raw_value"], s1["points"]) == (1.0, pytest.approx(0.5))
    assert s1["explanation"] == "registry check: expired, public records check: checked"
    assert _sig(r, "S2", "background_checks")["points"] == pytest.approx(0.5)
    assert _sig(r, "S2", "background_checks")["raw_value"] == 0.0  # undated is not lapsed
    assert _sig(r, "S3", "background_checks")["points"] == pytest.approx(1.0)
    # S1 on 2023-07-31: the registry check was 2 months old; the records check (2024-06-01) not done yet
    early = scoring.compute_signals(t, date(2023, 7, 31), cfg)
    assert _sig(early, "S1", "background_checks")["explanation"] == (
        "registry check: checked, public records check: not checked")


# ---- missing is not risky -----------------------------------------------------------------------------------------

def test_control_files_not_imported_score_nothing_and_are_unknown(tiny, cfg):
    r = scoring.compute_signals({k: v.copy() for k, v in tiny.items()}, AS_OF, cfg)
    control = {"bank_account_changes", "changes_after_sample", "undocumented_changes", "corrective_actions",
               "background_checks"}
    assert control <= set(r.unknown)
    rows = r.signals[r.signals["signal"].isin(control)]
    assert (rows["points"] == 0).all() and rows["raw_value"].isna().all()
    bank = _sig(r, "S1", "bank_account_changes")["explanation"]
    assert bank == "unknown: no bank accounts file was imported (0 points; import it to count this)"
    # imported with no rows: known to hold none — no points and not unknown
    known = scoring.compute_signals(_with_controls(tiny), AS_OF, cfg)
    assert not control & set(known.unknown)
    assert (known.signals[known.signals["signal"].isin(control)]["points"] == 0).all()
