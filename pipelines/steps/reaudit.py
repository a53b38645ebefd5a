"""Re-audit planner: which suppliers to re-verify, by when and why (marts.reaudit_queue, one row per supplier).

Due at the latest `max_months_between_audits` after the last audit; a lapsed cycle (or none on record) is caught
up within a lead time set by the risk band, a failed audit's follow-up a fixed time after it, and a trigger pulls
the date in (lead times in models/config/risk_score.toml [reaudit]). Rate-based triggers fire on recent evidence
that the supplier's cohort rate (or its own earlier rate) does not explain. Ranked "hold new orders" first, then
the suppliers due now, then the rest, each group by priority = risk_score / 100 × money at stake. Rules:
docs/risk-score.md.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from models import audit_age, blind_spot, po_status, risk_panel, scoring
from models.audit_age import ROUTINE
from models.lookup import lookup
from models.signals import OUTCOME_VALUE
from models.wording import and_list, count_words
from pipelines.frames import read_frame, write_frame

INPUTS = ["marts.supplier_risk_score", "marts.supplier_score_measures", "marts.supplier_risk_history", "marts.supplier_signals", "marts.po_status",
          "marts.corrective_actions", "marts.supplier_kpis", "marts.inspection_switching",
          "staging.suppliers", "staging.purchase_orders", "staging.inspections", "ingest.build_info"]
OUTPUTS = ["marts.reaudit_queue", "marts.reaudit_reasons"]
GRAIN = {  # each output's grain (supplier-risk dag, docs/tables.md)
    "marts.reaudit_queue": "one row per supplier",
    "marts.reaudit_reasons": "one row per supplier and reason (the routine cycle's when no trigger fired)",
}

COLUMNS = ["supplier_id", "supplier_name", "supplier_type", "risk_score", "risk_band", "spend_12m", "open_exposure",
           "deposits_at_risk", "money_at_stake", "priority", "rank", "last_audit_on", "due_on", "days_until_due", "triggers",
           "suggested_action", "reason", "urgency", "is_audit_lapsed"]
# Declared so the mart keeps its schema when nothing is queued (an empty frame has no dtypes to go by).
TYPES = {"supplier_id": "varchar", "supplier_name": "varchar", "supplier_type": "varchar", "risk_score": "double",
         "risk_band": "varchar", "spend_12m": "double", "open_exposure": "double", "deposits_at_risk": "double",
         "money_at_stake": "double", "priority": "double", "rank": "bigint", "last_audit_on": "date", "due_on": "date",
         "days_until_due": "bigint", "triggers": "varchar", "suggested_action": "varchar", "reason": "varchar",
         "urgency": "varchar", "is_audit_lapsed": "boolean"}
# marts.reaudit_reasons: the queue's reason one trigger a row, in the reason's order, as the step had them before
# joining them into one text (so that a finding holding "; " itself is never split at the wrong place)
REASON_COLUMNS = ["supplier_id", "reason_no", "trigger", "finding"]
REASON_TYPES = {"supplier_id": "varchar", "reason_no": "bigint", "trigger": "varchar", "finding": "varchar"}


class Plan(NamedTuple):
    queue: pd.DataFrame    # marts.reaudit_queue
    reasons: pd.DataFrame  # marts.reaudit_reasons


def plan(frames: dict[str, pd.DataFrame], as_of: date, cfg: dict) -> pd.DataFrame:
    """The re-audit queue (marts.reaudit_queue) of `schedule`."""
    return schedule(frames, as_of, cfg).queue


def schedule(frames: dict[str, pd.DataFrame], as_of: date, cfg: dict) -> Plan:
    """The re-audit queue and its reasons from the score marts and staging frames (pure function, for tests and the
    build).

    The active suppliers and their money at stake, then each trigger in turn (the order in which they are listed in
    a row's reason), then the due date, the suggested action and the rank."""
    rc, win = cfg["reaudit"], cfg["windows"]
    c = pd.Timestamp(as_of)
    f = _typed(frames)
    t = _Triggers(_active_suppliers(f["suppliers"], f["score"], f["measures"], f["kpis"], f["po_status"], c, win, rc),
                  f["signals"], c, rc)
    cycle = _audit_cycle(t, rc)
    _record_triggers(t, f["corrective_actions"], rc)
    _failed_inspections(t, f["inspections"], f["purchase_orders"], rc)
    _sampling_stopped(t, f["switching"])
    _quality_inconsistency(t, rc)
    _price_shift(t, f["purchase_orders"], win)
    _delivery_slowdown(t, f["po_status"], win, rc)
    _score_triggers(t, f["history"], rc)
    return _schedule(t, cycle, rc)


def _typed(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Copies of the frames plan reads, their dates as datetimes."""
    f = {name: frame.copy() for name, frame in frames.items()}
    for name, cols in (("suppliers", ["onboarded_on", "last_audit_on"]), ("po_status", ["ordered_on", "promised_ship_on"]),
                       ("purchase_orders", ["ordered_on"]), ("inspections", ["inspected_on"]), ("history", ["as_of"]),
                       ("corrective_actions", ["failed_on"]), ("switching", ["last_transition_on"])):
        for col in cols:
            f[name][col] = pd.to_datetime(f[name][col])
    return f


def _active_suppliers(sup: pd.DataFrame, score: pd.DataFrame, measures: pd.DataFrame, kpis: pd.DataFrame,
                      po: pd.DataFrame, c: pd.Timestamp, win: dict, rc: dict) -> pd.DataFrame:
    """One row per supplier still doing business (an order or onboarding within active_days, or goods open) or about
    to (in the file with neither an onboarding date nor an order: being vetted, as the score knows it from the build
    date), with its score, 12-month spend (the score's, marts.supplier_score_measures), open exposure and deposits at
    risk (marts.supplier_kpis') and money at stake (spend and exposure counted once)."""
    q = sup[["supplier_id", "supplier_name", "supplier_type", "onboarded_on", "last_audit_on", "last_audit_result",
             "subcontracting", "operating_status"]].merge(
        score[["supplier_id", "risk_score", "risk_band"] + (["red_flag_count"] if "red_flag_count" in score else [])],
        on="supplier_id", how="left")
    q["spend_12m"] = q["supplier_id"].map(measures.set_index("supplier_id")["spend_12m"]).fillna(0.0)
    kpi = kpis.set_index("supplier_id")
    q["open_exposure"] = q["supplier_id"].map(kpi["open_exposure"]).fillna(0.0)
    open_po = po[po["is_open"]]
    unshipped = open_po["unshipped_value"]
    # spend_12m already holds the full value of recent open orders: their unshipped part is open exposure, so it
    # is taken out of the spend before the two are added (money at stake counted once)
    recent_open = (open_po["ordered_on"] > c - pd.Timedelta(days=win["spend_days"])).to_numpy()
    recent_unshipped = unshipped[recent_open].groupby(open_po.loc[recent_open, "supplier_id"]).sum()
    q["money_at_stake"] = np.round(q["spend_12m"] - q["supplier_id"].map(recent_unshipped).fillna(0.0)
                                   + q["open_exposure"], 2)
    q["deposits_at_risk"] = q["supplier_id"].map(kpi["deposit_at_risk"]).fillna(0.0)
    last_order = po.groupby("supplier_id")["ordered_on"].max()
    ordered = lookup(q["supplier_id"], last_order)
    active = (ordered > c - pd.Timedelta(days=rc["active_days"])) | (q["open_exposure"] > 0) | (
        q["onboarded_on"] > c - pd.Timedelta(days=rc["active_days"])) | risk_panel.vetted(
        q["onboarded_on"], q["supplier_id"], po)
    q["no_order_yet"] = ordered.isna().to_numpy()
    q = q[active.fillna(False).to_numpy()].reset_index(drop=True)
    q["risk_score"] = q["risk_score"].fillna(0.0)
    return q


class _Triggers:
    """The queue's suppliers and the triggers fired so far (name → per-row text, '' = not fired, in firing order),
    with what every trigger reads: the score's signals, the build date and the last audit."""

    def __init__(self, q: pd.DataFrame, signals: pd.DataFrame, c: pd.Timestamp, rc: dict) -> None:
        self.q, self.c, self.alpha = q, c, rc["evidence_alpha"]
        self.fired: dict[str, pd.Series] = {}
        self._signals = signals.set_index(["supplier_id", "signal"])
        self.audit_known = q["last_audit_on"].notna() & (q["last_audit_on"] <= c)
        # Evidence in the recent windows (failed PSIs, price jumps, late deliveries) counts only after the last
        # PASSED audit: what happened before it was there for the auditor to review, so a fresh passed audit answers it.
        self._passed_on = pd.Series(q["last_audit_on"].where(self.audit_known & (q["last_audit_result"] == "pass"))
                                    .to_numpy(), index=q["supplier_id"].to_numpy())

    def trigger(self, name: str, mask, text) -> None:
        q = self.q
        mask = np.asarray(mask, dtype=bool)
        text = pd.Series(text, index=q.index) if not isinstance(text, pd.Series) else text.reindex(q.index)
        self.fired[name] = pd.Series(np.where(mask, text.astype(object), ""), index=q.index)

    def sig_col(self, signal: str, col: str) -> pd.Series:
        """One column of the score's signal `signal`, per queue row (NaN where the supplier has none)."""
        q = self.q
        idx = pd.MultiIndex.from_arrays([q["supplier_id"], [signal] * len(q)])
        return pd.Series(self._signals[col].reindex(idx).to_numpy(), index=q.index)

    def after_passed_audit(self, frame: pd.DataFrame, date_col: str) -> pd.DataFrame:
        """The rows of `frame` dated after their supplier's last passed audit (all rows without one)."""
        cut = lookup(frame["supplier_id"], self._passed_on)
        return frame[cut.isna().to_numpy() | (frame[date_col] > cut).to_numpy()]

    def audit_note(self, window_start: pd.Timestamp) -> pd.Series:
        """' (only after the passed audit on …)' where that audit trimmed a window starting at `window_start`."""
        q = self.q
        trimmed = lookup(q["supplier_id"], self._passed_on) > window_start
        return pd.Series(np.where(trimmed, " (only after the passed audit on "
                                  + q["last_audit_on"].dt.strftime("%Y-%m-%d").fillna("") + ")", ""), index=q.index)


class _AuditCycle(NamedTuple):
    due: pd.Series  # the day the last audit is more than max_months_between_audits old (models/audit_age.py)
    lapsed: pd.Series  # no audit on record, or its cycle is over
    failed: pd.Series  # the last audit failed
    follow_up: pd.Series  # when a failed audit's follow-up is due


def _audit_cycle(t: _Triggers, rc: dict) -> _AuditCycle:
    """The audit cycle of each supplier, firing never_audited (no_audit_no_order for a supplier being vetted, with no
    order yet), audit_overdue and failed_audit."""
    q, c = t.q, t.c
    # due on the first day the audit is more than the cycle's months old, as the score's audit signal counts its age
    audit_due = audit_age.lapses_on(q["last_audit_on"], rc["max_months_between_audits"])
    lapsed = ~t.audit_known | (audit_due <= c)
    t.trigger("no_audit_no_order", ~t.audit_known & q["no_order_yet"],
              "no audit or verification on record; audit before the first order")
    t.trigger("never_audited", ~t.audit_known & ~q["no_order_yet"], "no audit or verification on record")
    t.trigger("audit_overdue", t.audit_known & (audit_due <= c),
           "last audit on " + q["last_audit_on"].dt.strftime("%Y-%m-%d").fillna("") + " is more than "
           + str(rc["max_months_between_audits"]) + " months old")
    failed_audit = t.audit_known & (q["last_audit_result"] == "fail")
    follow_up = q["last_audit_on"] + pd.Timedelta(days=rc["failed_audit_follow_up_days"])
    t.trigger("failed_audit", failed_audit,
           "the last audit failed; its follow-up audit is due " + str(rc["failed_audit_follow_up_days"])
           + " days after it, on " + follow_up.dt.strftime("%Y-%m-%d").fillna(""))
    return _AuditCycle(audit_due, lapsed, failed_audit, follow_up)


def _record_triggers(t: _Triggers, capa: pd.DataFrame, rc: dict) -> None:
    """Triggers read from records and the score's entity and control signals: payment anomalies, subcontracting,
    unverified bank changes, changes after sample approval, corrective actions, an abnormal registry status."""
    q, c, sig_col = t.q, t.c, t.sig_col
    # the name checks' outcomes as the score codes them (models.signals.OUTCOME_VALUE): a payee related to or not
    # matching the legal entity, a PI entity or beneficiary that does not match it
    payee_bad = sig_col("payee_consistency", "raw_value").fillna(0) >= OUTCOME_VALUE["related"]
    legal_bad = sig_col("legal_entity_consistency", "raw_value").fillna(0) >= OUTCOME_VALUE["mismatch"]
    changes = sig_col("payee_changes", "raw_value").fillna(0) >= 2
    detail = sig_col("payee_consistency", "detail").fillna(sig_col("legal_entity_consistency", "detail"))
    t.trigger("payment_anomaly", payee_bad | legal_bad | changes,
           np.where(changes, "payee or bank changed over time; ", "") + detail.fillna("").astype(str))
    t.trigger("subcontracting", q["subcontracting"] == "suspected", "production suspected to be subcontracted")
    # the playbook's controls, as the score measured them at the build date (models/signals.py)
    bank_changed = sig_col("bank_account_changes", "raw_value").fillna(0) >= OUTCOME_VALUE["unverified_change"]
    t.trigger("unverified_bank_change", bank_changed,
           sig_col("bank_account_changes", "explanation").fillna("").astype(str))
    t.trigger("change_after_sample", sig_col("changes_after_sample", "raw_value").fillna(0) > 0,
           sig_col("changes_after_sample", "explanation").fillna("").astype(str))
    # corrective actions (marts.corrective_actions): any overdue now, or one closed whose next lot failed again within
    # the failed-inspection window (news, not the whole year the score counts)
    overdue = q["supplier_id"].map(capa[capa["is_overdue"]].groupby("supplier_id").size()).fillna(0).astype(int)
    again = capa[capa["is_closed_but_next_lot_failed"]
                 & (capa["failed_on"] > c - pd.Timedelta(days=rc["failed_inspection_days"]))]
    again = q["supplier_id"].map(again.groupby("supplier_id").size()).fillna(0).astype(int)
    t.trigger("corrective_action", (overdue > 0) | (again > 0),
           pd.Series([f"{count_words(n, 'corrective action')} past {'its' if n == 1 else 'their'} due date" if n > 0
                      else "" for n in overdue],
                     index=q.index)
           + np.where((overdue > 0) & (again > 0), "; ", "")
           + pd.Series(np.where(again > 0, again.astype(str) + " closed whose next lot failed again in the last "
                                + str(rc["failed_inspection_days"]) + " days", ""), index=q.index))
    t.trigger("abnormal_status", q["operating_status"] == "abnormal",
           "the business registry lists the company as abnormal (operating status): confirm it still exists and "
           "trades before placing or paying anything")


def _failed_inspections(t: _Triggers, ins: pd.DataFrame, orders: pd.DataFrame, rc: dict) -> None:
    """failed_inspection: the first PSI of each order inspected in the window, against the cohort's failure rate
    (a supplier failing 1 in 4 first PSIs is the demo's norm, so one failure is no news)."""
    q, c = t.q, t.c
    ins_days = rc["failed_inspection_days"]
    psi = ins[po_status.is_decided_psi(ins) & (ins["inspected_on"] <= c)]
    first = psi.sort_values(["po_id", "inspected_on", "inspection_id"], kind="stable").drop_duplicates("po_id").merge(
        orders[["po_id", "supplier_id"]], on="po_id")
    first = t.after_passed_audit(first[first["inspected_on"] > c - pd.Timedelta(days=ins_days)], "inspected_on")
    first = first.assign(is_fail=first["result"] == "fail")
    by = first.groupby("supplier_id")
    ins_n = q["supplier_id"].map(by.size()).fillna(0).astype(int)
    ins_k = q["supplier_id"].map(by["is_fail"].sum()).fillna(0).astype(int)
    last_fail = lookup(q["supplier_id"], first[first["is_fail"]].groupby("supplier_id")["inspected_on"].max())
    psi_p0 = t.sig_col("psi_failure_rate", "prior_mean").astype(float)
    psi_p = binomial_excess_p(ins_k, ins_n, psi_p0)
    t.trigger("failed_inspection", (ins_k > 0) & (psi_p < t.alpha),
           ins_k.astype(str) + " of " + _counted(ins_n, "first pre-shipment inspection") + " failed in the last "
           + str(ins_days) + " days" + t.audit_note(c - pd.Timedelta(days=ins_days)) + ", latest "
           + last_fail.dt.strftime("%Y-%m-%d").fillna("") + " (peers' rate "
           + _pct(psi_p0) + ", " + _p_value(psi_p) + ")")


def _sampling_stopped(t: _Triggers, switching: pd.DataFrame) -> None:
    """sampling_stopped: the supplier's sampling inspection is discontinued under the ISO 2859-1 switching rules
    (5 lots rejected while on tightened inspection) and no corrective action was closed since
    (models.blind_spot.sampling_stopped over marts.inspection_switching). Until the supplier acts, no lot can be
    accepted on a sample: an auditor verifies the corrective action at the factory. A passed audit after a class's
    discontinuation answers that class, as it answers the other evidence."""
    q = t.q
    stopped = blind_spot.sampling_stopped(t.after_passed_audit(switching, "last_transition_on"))
    since = pd.to_datetime(lookup(q["supplier_id"], stopped["since"]))
    classes = q["supplier_id"].map(stopped["classes"].map(and_list)).astype(object).fillna("")
    times = q["supplier_id"].map(stopped["times_discontinued"]).fillna(0).astype(int)
    t.trigger("sampling_stopped", since.notna(),
              "sampling inspection of " + classes + " defects discontinued on " + since.dt.strftime("%Y-%m-%d").fillna("")
              + pd.Series(np.where(times > 1, " (" + times.astype(str) + " times so far)", ""), index=q.index)
              + " under the ISO 2859-1 switching rules, with no corrective action closed since: until one is closed "
              "and verified, inspect every unit")


def _quality_inconsistency(t: _Triggers, rc: dict) -> None:
    """quality_inconsistency: lots that passed inspection but came back defective, more often than the cohort's rate
    explains; or later lots clearly worse than the first ones after sample approval (measured drift only)."""
    q, sig_col = t.q, t.sig_col
    esc_n = sig_col("passed_but_defective", "evidence_n").fillna(0)
    esc_k = (sig_col("passed_but_defective", "raw_value").fillna(0) * esc_n).round().astype(int)
    esc_n = esc_n.astype(int)
    esc_p0 = sig_col("passed_but_defective", "prior_mean").astype(float)
    esc_p = binomial_excess_p(esc_k, esc_n, esc_p0)
    escapes = (esc_k > 0) & (esc_p < t.alpha)
    drift_raw = sig_col("bulk_vs_sample_drift", "raw_value").astype(float)
    drift = drift_raw.notna() & (sig_col("bulk_vs_sample_drift", "points").fillna(0)
                                 >= rc["quality_drift_points"])
    t.trigger("quality_inconsistency", escapes | drift,
           pd.Series(np.where(escapes, esc_k.astype(str) + " of " + _counted(esc_n, "lot") + " that passed "
                              "inspection came back defective (peers' rate " + _pct(esc_p0) + ", "
                              + _p_value(esc_p) + ")", ""), index=q.index)
           + np.where(escapes & drift, "; ", "")
           + pd.Series(np.where(drift, "later lots " + drift_raw.round(1).astype(str) + "× as defective as the "
                                "first ones after sample approval", ""), index=q.index))


def _price_shift(t: _Triggers, orders: pd.DataFrame, win: dict) -> None:
    """price_shift: reorders in the recent window priced at least windows.price_step_pct above the SKU's previous
    order (the score's price-jump definition), more often than the cohort's jump rate explains."""
    q, c = t.q, t.c
    o = risk_panel.price_steps(orders[orders["ordered_on"] <= c])
    steps = t.after_passed_audit(o[o["price_step"].notna()
                                   & (o["ordered_on"] > c - pd.Timedelta(days=win["recent_days"]))], "ordered_on")
    steps = steps.assign(is_jump=risk_panel.is_price_jump(steps["price_step"], win))
    by = steps.groupby("supplier_id")
    step_n = q["supplier_id"].map(by.size()).fillna(0).astype(int)
    step_k = q["supplier_id"].map(by["is_jump"].sum()).fillna(0).astype(int)
    jump_p0 = t.sig_col("price_jumps", "prior_mean").astype(float)
    jump_p = binomial_excess_p(step_k, step_n, jump_p0)
    top = steps.sort_values("price_step", ascending=False).drop_duplicates("supplier_id").set_index("supplier_id")
    t.trigger("price_shift", (step_k > 0) & (jump_p < t.alpha),
           step_k.astype(str) + " of " + _counted(step_n, "reorder") + " in the last " + str(win["recent_days"])
           + " days" + t.audit_note(c - pd.Timedelta(days=win["recent_days"])) + " priced "
           + str(win["price_step_pct"]) + "% or more above the SKU's previous order (peers' rate "
           + _pct(jump_p0) + ", " + _p_value(jump_p) + "); largest: SKU "
           + q["supplier_id"].map(top["sku"]).astype(object).fillna("").astype(str) + " +"
           + (100 * q["supplier_id"].map(top["price_step"]).fillna(0)).round(0).astype(int).astype(str) + "% on "
           + lookup(q["supplier_id"], top["ordered_on"]).dt.strftime("%Y-%m-%d").fillna(""))


def _delivery_slowdown(t: _Triggers, po: pd.DataFrame, win: dict, rc: dict) -> None:
    """delivery_slowdown: on-time rate of the recent window below the supplier's own prior 12 months, by at least
    delivery_drop_pp and by more than chance (one-sided Fisher exact test on the two windows' counts)."""
    q, c = t.q, t.c
    res = po[po["is_resolved"] & (po["promised_ship_on"] <= c)]
    recent_cut = c - pd.Timedelta(days=win["recent_days"])
    rec = t.after_passed_audit(res[res["promised_ship_on"] > recent_cut], "promised_ship_on").groupby(
        "supplier_id")["is_on_time"].agg(["sum", "size"])
    pri = res[(res["promised_ship_on"] <= recent_cut)
              & (res["promised_ship_on"] > recent_cut - pd.Timedelta(days=rc["history_window_days"]))].groupby(
        "supplier_id")["is_on_time"].agg(["sum", "size"])
    r_on = q["supplier_id"].map(rec["sum"]).fillna(0).astype(int)
    r_n = q["supplier_id"].map(rec["size"]).fillna(0).astype(int)
    p_on = q["supplier_id"].map(pri["sum"]).fillna(0).astype(int)
    p_n = q["supplier_id"].map(pri["size"]).fillna(0).astype(int)
    r_rate = r_on / r_n.where(r_n > 0)
    p_rate = p_on / p_n.where(p_n > 0)
    late_p = pd.Series([fisher_worse_p(a, b, c_, d) for a, b, c_, d in zip(r_n - r_on, r_on, p_n - p_on, p_on)],
                       index=q.index, dtype=float)
    slow = ((r_n >= rc["delivery_min_recent_pos"]) & ((p_rate - r_rate) * 100 >= rc["delivery_drop_pp"])
            & (late_p < t.alpha))
    t.trigger("delivery_slowdown", slow.fillna(False),
           "on time " + r_on.astype(str) + " of " + r_n.astype(str) + " over the last " + str(win["recent_days"])
           + " days" + t.audit_note(recent_cut) + " vs " + p_on.astype(str) + " of " + p_n.astype(str) + " before ("
           + _p_value(late_p) + ")")


def _score_triggers(t: _Triggers, hist: pd.DataFrame, rc: dict) -> None:
    """critical_score and high_score (the band now), rising_score (up rising_score_points or more since
    rising_score_months month ends ago)."""
    q, c = t.q, t.c
    # the band comes from the score and the red flags (a red flag sets a floor): both said
    flags = q["red_flag_count"].fillna(0).astype(int) if "red_flag_count" in q else pd.Series(0, index=q.index)
    said = ("score " + q["risk_score"].round(1).astype(str) + " of 100"
            + pd.Series(np.where(flags > 0, [f" and {count_words(n, 'red flag')}" for n in flags], ""),
                        index=q.index))
    t.trigger("critical_score", q["risk_band"] == "critical", said)
    t.trigger("high_score", q["risk_band"] == "high", said)
    months = sorted(hist["as_of"].dropna().unique())
    back = [m for m in months if m < c]
    if len(back) >= rc["rising_score_months"]:
        ref_on = back[-rc["rising_score_months"]]
        ref = hist[hist["as_of"] == ref_on].set_index("supplier_id")["risk_score"]
        then = q["supplier_id"].map(ref).astype(float)
        rising = (q["risk_score"] - then) >= rc["rising_score_points"]
        t.trigger("rising_score", rising.fillna(False),
               "score rose from " + then.round(1).astype(str) + " on " + pd.Timestamp(ref_on).strftime("%Y-%m-%d")
               + " to " + q["risk_score"].round(1).astype(str))
    else:
        t.trigger("rising_score", np.zeros(len(q), dtype=bool), "")


def _schedule(t: _Triggers, cycle: _AuditCycle, rc: dict) -> Plan:
    """Due date, urgency, triggers, action, reason, priority and rank of each queued supplier, in queue order, and
    its reasons one a row (the routine cycle's when no trigger fired).

    The 12-month cycle; a lapsed cycle (or none) is caught up by risk band from the build date; a failed audit's
    follow-up is due a fixed time after it (overdue when older); a trigger pulls the date in."""
    q, c = t.q, t.c
    band = q["risk_band"].fillna("low")
    catch_up = c + pd.to_timedelta(band.map(rc["lapsed_due_days"]).fillna(0).astype(int), unit="D")
    due = pd.Series(np.where(cycle.lapsed, catch_up, cycle.due), index=q.index).astype("datetime64[ns]")
    source = pd.Series(np.where(cycle.lapsed, "catch-up", "routine"), index=q.index, dtype=object)
    failed_due = cycle.follow_up.astype("datetime64[ns]")
    pull = cycle.failed & (failed_due < due)
    due, source = due.where(~pull, failed_due), source.where(~pull, "trigger")
    due_days = rc["trigger_due_days"]
    fired = pd.Series([[] for _ in range(len(q))], index=q.index, dtype=object)  # (trigger, finding) in firing order
    for name, text in t.fired.items():
        hit = text != ""
        if not hit.any():
            continue
        if name in due_days:
            trig_due = c + pd.Timedelta(days=int(due_days[name]))
            pull = hit & (due > trig_due)
            due, source = due.where(~pull, trig_due), source.where(~pull, "trigger")
        for i in q.index[hit]:
            fired[i].append((name, text[i]))
    names_fired = [[name for name, _ in pairs] for pairs in fired]
    q["due_on"] = due.dt.date
    q["days_until_due"] = (due - c).dt.days.astype(int)
    q["urgency"] = np.where(q["days_until_due"] <= 0, "now", np.where(source == "trigger", "soon", source))
    q["is_audit_lapsed"] = cycle.lapsed.to_numpy(dtype=bool)
    q["triggers"] = [", ".join(n) for n in names_fired]
    q["suggested_action"] = [_action(n, b, rc["actions"]) for n, b in zip(names_fired, q["risk_band"])]
    # each row's reasons as (trigger, finding) pairs; no trigger fired: the routine cycle is the one reason
    q["_reasons"] = [pairs or [(ROUTINE, f"{ROUTINE} re-verification: due {d}")]
                     for pairs, d in zip(fired, q["due_on"])]
    q["reason"] = [r[0][1] if r[0][0] == ROUTINE else "; ".join(f"{n.replace('_', ' ')}: {x}" for n, x in r)
                   for r in q["_reasons"]]
    q["priority"] = np.round(q["risk_score"] / 100.0 * q["money_at_stake"], 2)
    q = q.assign(_tier=order_tier(q["suggested_action"], q["days_until_due"], rc["actions"]))
    q = q.sort_values(["_tier", "priority", "days_until_due", "supplier_id"], ascending=[True, False, True, True])
    q["rank"] = np.arange(1, len(q) + 1)
    q["last_audit_on"] = q["last_audit_on"].dt.date
    reasons = pd.DataFrame([(sid, k, n, x) for sid, r in zip(q["supplier_id"], q["_reasons"])
                            for k, (n, x) in enumerate(r, start=1)], columns=REASON_COLUMNS)
    return Plan(q[COLUMNS].reset_index(drop=True), reasons)


def order_tier(action: pd.Series, days_until_due: pd.Series, rules: list[dict]) -> np.ndarray:
    """0 = the first (strongest) configured action ("hold new orders"), 1 = due now or overdue, 2 = the rest.

    The queue is ranked by tier, then by priority: a routine low-risk supplier with a lot of spend must never
    come before a critical one whose money should be stopped, nor before one whose re-audit is already due."""
    hold = action.eq(rules[0]["action"]).to_numpy()
    now = (pd.to_numeric(days_until_due) <= 0).to_numpy()
    return np.where(hold, 0, np.where(now, 1, 2))


def binomial_excess_p(k: pd.Series, n: pd.Series, rate: pd.Series) -> pd.Series:
    """One-sided p-value P(X >= k) for X ~ Binomial(n, rate): how surprising k events in n trials are when the
    supplier's true rate were its cohort's. 1.0 without trials or without a cohort rate."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    p0 = np.clip(np.asarray(rate, dtype=float), 0.0, 1.0)
    ok = (n > 0) & np.isfinite(p0)
    out = np.ones(len(k))
    out[ok] = stats.binom.sf(k[ok] - 1, n[ok], p0[ok])
    return pd.Series(out, index=getattr(rate, "index", None))


def fisher_worse_p(recent_bad: int, recent_good: int, prior_bad: int, prior_good: int) -> float:
    """One-sided Fisher exact p-value that the recent window's bad share is higher than the prior window's."""
    if recent_bad + recent_good == 0 or prior_bad + prior_good == 0:
        return 1.0
    return float(stats.fisher_exact([[recent_bad, recent_good], [prior_bad, prior_good]],
                                    alternative="greater").pvalue)


def _pct(rate: pd.Series) -> pd.Series:
    return (100 * rate.fillna(0)).round(0).astype(int).astype(str) + "%"


def _p_value(p: pd.Series) -> pd.Series:
    """A test's p-value as a reason says it: "p = 0.035"; "p < 0.001" for one that rounds to 0 ("p = 0.0" read as
    certainty)."""
    shown = p.round(3)
    return pd.Series(np.where(shown == 0, "p < 0.001", "p = " + shown.astype(str)), index=p.index)


def _counted(n: pd.Series, one: str) -> pd.Series:
    """A count of things with its noun in the right number: "1 lot", "105 lots" ("1 of 1 lots" read wrong)."""
    return n.astype(str) + np.where(n == 1, f" {one}", f" {one}s")


def _action(triggers: list[str], band: str, rules: list[dict]) -> str:
    """The first configured action whose triggers or bands match."""
    for rule in rules:
        if set(triggers) & set(rule["when_triggers"]) or band in rule["when_bands"]:
            return rule["action"]
    return rules[-1]["action"]


def load_frames(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The marts and staging rows `plan` reads."""
    return {
        "suppliers": read_frame(con, "select * from staging.suppliers"),
        "score": read_frame(con, "select * from marts.supplier_risk_score"),
        "measures": read_frame(con, "select supplier_id, spend_12m from marts.supplier_score_measures"),
        "kpis": read_frame(con, "select supplier_id, open_exposure, deposit_at_risk from marts.supplier_kpis"),
        "signals": read_frame(con, "select supplier_id, signal, raw_value, evidence_n, points, detail, prior_mean, "
                                   "explanation from marts.supplier_signals"),
        "history": read_frame(con, "select supplier_id, as_of, risk_score from marts.supplier_risk_history"),
        "po_status": read_frame(con, "select * from marts.po_status"),
        "purchase_orders": read_frame(con, "select po_id, supplier_id, sku, ordered_on, unit_price "
                                           "from staging.purchase_orders"),
        "inspections": read_frame(con, "select inspection_id, po_id, inspection_type, inspected_on, result "
                                       "from staging.inspections"),
        "corrective_actions": read_frame(con, "select supplier_id, is_overdue, is_closed_but_next_lot_failed, "
                                              "coalesce(next_lot_inspected_on, closed_on) as failed_on "
                                              "from marts.corrective_actions"),
        "switching": read_frame(con, "select supplier_id, defect_class, current_stage, last_transition_on, "
                                     "times_discontinued from marts.inspection_switching"),
    }


def run(con: duckdb.DuckDBPyConnection, context) -> None:
    """Write marts.reaudit_queue and marts.reaudit_reasons as of the build date (typed even when nothing is queued)."""
    result = schedule(load_frames(con), context.as_of, scoring.load_config())
    write_frame(con, "marts.reaudit_queue", result.queue, types=TYPES, columns=COLUMNS)
    write_frame(con, "marts.reaudit_reasons", result.reasons, types=REASON_TYPES, columns=REASON_COLUMNS)
