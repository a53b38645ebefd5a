"""Re-audit planner: which suppliers to re-verify, by when and why (marts.reaudit_queue, one row per supplier).

Due at the latest `max_months_between_audits` after the last audit (now when never audited), sooner when one of
the playbook's triggers fires (each trigger has its own lead time in models/config/risk_score.toml [reaudit]).
Ranked by priority = risk_score / 100 × (spend_12m + open_exposure). Rules: docs/risk-score.md.
"""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from models import scoring
from models.scoring import _lookup
from pipelines.frames import write_frame

INPUTS = ["marts.supplier_risk_score", "marts.supplier_risk_history", "marts.supplier_signals", "marts.po_status",
          "staging.suppliers", "staging.purchase_orders", "staging.inspections", "ingest.build_info"]
OUTPUTS = ["marts.reaudit_queue"]

COLUMNS = ["supplier_id", "supplier_name", "supplier_type", "risk_score", "risk_band", "spend_12m", "open_exposure",
           "deposits_at_risk", "priority", "rank", "last_audit_on", "due_on", "days_until_due", "triggers",
           "suggested_action", "reason"]


def _add_months(d: pd.Series, months: int) -> pd.Series:
    return d + pd.DateOffset(months=months)


def plan(frames: dict[str, pd.DataFrame], as_of: date, cfg: dict) -> pd.DataFrame:
    """The re-audit queue from the score marts and staging frames (pure function, for tests and the build)."""
    rc, win = cfg["reaudit"], cfg["windows"]
    c = pd.Timestamp(as_of)
    sup = frames["suppliers"].copy()
    score = frames["score"]
    sig = frames["signals"]
    hist = frames["history"]
    po = frames["po_status"].copy()
    orders = frames["purchase_orders"].copy()
    ins = frames["inspections"].copy()
    for frame, cols in ((sup, ["onboarded_on", "last_audit_on"]), (po, ["ordered_on", "promised_ship_on"]),
                        (orders, ["ordered_on"]), (ins, ["inspected_on"]), (hist, ["as_of"])):
        for col in cols:
            frame[col] = pd.to_datetime(frame[col])

    q = sup[["supplier_id", "supplier_name", "supplier_type", "onboarded_on", "last_audit_on", "last_audit_result",
             "subcontracting"]].merge(score[["supplier_id", "risk_score", "risk_band"]], on="supplier_id", how="left")
    recent_orders = po[po["ordered_on"] > c - pd.Timedelta(days=win["spend_days"])]
    q["spend_12m"] = q["supplier_id"].map(recent_orders.groupby("supplier_id")["order_value"].sum()).fillna(0.0)
    open_po = po[po["is_open"]]
    unshipped = open_po["unshipped_value"]
    q["open_exposure"] = q["supplier_id"].map(unshipped.groupby(open_po["supplier_id"]).sum()).fillna(0.0)
    # spend_12m already holds the full value of recent open orders: their unshipped part is open exposure, so it
    # is taken out of the spend before the two are added (money at stake counted once)
    recent_open = (open_po["ordered_on"] > c - pd.Timedelta(days=win["spend_days"])).to_numpy()
    recent_unshipped = unshipped[recent_open].groupby(open_po.loc[recent_open, "supplier_id"]).sum()
    q["_exposure"] = (q["spend_12m"] - q["supplier_id"].map(recent_unshipped).fillna(0.0)
                      + q["open_exposure"])
    q["deposits_at_risk"] = q["supplier_id"].map(po.groupby("supplier_id")["deposit_at_risk"].sum()).fillna(0.0)
    last_order = po.groupby("supplier_id")["ordered_on"].max()
    active = (_lookup(q["supplier_id"], last_order) > c - pd.Timedelta(days=rc["active_days"])) | (
        q["open_exposure"] > 0) | (q["onboarded_on"] > c - pd.Timedelta(days=rc["active_days"]))
    q = q[active.fillna(False).to_numpy()].reset_index(drop=True)
    q["risk_score"] = q["risk_score"].fillna(0.0)

    fired: dict[str, pd.Series] = {}  # trigger → per-row text ('' = not fired)

    def trigger(name: str, mask, text) -> None:
        mask = np.asarray(mask, dtype=bool)
        text = pd.Series(text, index=q.index) if not isinstance(text, pd.Series) else text.reindex(q.index)
        fired[name] = pd.Series(np.where(mask, text.astype(object), ""), index=q.index)

    audit_known = q["last_audit_on"].notna() & (q["last_audit_on"] <= c)
    audit_due = _add_months(q["last_audit_on"], rc["max_months_between_audits"])
    trigger("never_audited", ~audit_known, "no audit or verification on record")
    trigger("audit_overdue", audit_known & (audit_due <= c),
            "last audit on " + q["last_audit_on"].dt.strftime("%Y-%m-%d").fillna("") + " is more than "
            + str(rc["max_months_between_audits"]) + " months old")
    trigger("failed_audit", audit_known & (q["last_audit_result"] == "fail"), "the last audit failed")

    s = sig.set_index(["supplier_id", "signal"])

    def sig_col(signal: str, col: str) -> pd.Series:
        idx = pd.MultiIndex.from_arrays([q["supplier_id"], [signal] * len(q)])
        return pd.Series(s[col].reindex(idx).to_numpy(), index=q.index)

    payee_bad = sig_col("payee_consistency", "raw_value").fillna(0) >= 2
    legal_bad = sig_col("legal_entity_consistency", "raw_value").fillna(0) >= 3
    changes = sig_col("payee_changes", "raw_value").fillna(0) >= 2
    detail = sig_col("payee_consistency", "detail").fillna(sig_col("legal_entity_consistency", "detail"))
    trigger("payment_anomaly", payee_bad | legal_bad | changes,
            np.where(changes, "payee or bank changed over time; ", "") + detail.fillna("").astype(str))
    trigger("subcontracting", q["subcontracting"] == "suspected", "production suspected to be subcontracted")

    psi = ins[(ins["inspection_type"] == "PSI") & (ins["result"] == "fail")
              & (ins["inspected_on"] > c - pd.Timedelta(days=rc["failed_inspection_days"]))
              & (ins["inspected_on"] <= c)].merge(orders[["po_id", "supplier_id"]], on="po_id")
    last_fail = psi.sort_values("inspected_on").groupby("supplier_id").agg(
        n=("po_id", "nunique"), last=("inspected_on", "max"))
    trigger("failed_inspection", q["supplier_id"].isin(last_fail.index),
            q["supplier_id"].map(last_fail["n"]).fillna(0).astype(int).astype(str) + " failed pre-shipment "
            "inspection(s) in the last " + str(rc["failed_inspection_days"]) + " days, latest "
            + _lookup(q["supplier_id"], last_fail["last"]).dt.strftime("%Y-%m-%d").fillna(""))

    quality_pts = sig_col("bulk_vs_sample_drift", "points").fillna(0) + sig_col("passed_but_defective",
                                                                                  "points").fillna(0)
    trigger("quality_inconsistency", quality_pts >= rc["quality_inconsistency_points"],
            "later lots worse than the first ones after sample approval, or lots that passed inspection came back "
            "defective (" + quality_pts.round(1).astype(str) + " pts)")

    o = orders[orders["ordered_on"] <= c].sort_values(["supplier_id", "sku", "ordered_on", "po_id"])
    o["step"] = o["unit_price"] / o.groupby(["supplier_id", "sku"])["unit_price"].shift() - 1
    jumps = o[(o["step"] >= rc["price_shift_pct"] / 100.0 - 1e-12)
              & (o["ordered_on"] > c - pd.Timedelta(days=win["recent_days"]))]
    top = jumps.sort_values("step", ascending=False).drop_duplicates("supplier_id").set_index("supplier_id")
    trigger("price_shift", q["supplier_id"].isin(top.index),
            "SKU " + q["supplier_id"].map(top["sku"]).astype(object).fillna("").astype(str) + " reordered "
            + (100 * q["supplier_id"].map(top["step"]).fillna(0)).round(0).astype(int).astype(str) + "% above its "
            "previous price on " + _lookup(q["supplier_id"], top["ordered_on"]).dt.strftime("%Y-%m-%d").fillna(""))

    res = po[po["is_resolved"] & (po["promised_ship_on"] <= c)]
    recent_cut = c - pd.Timedelta(days=win["recent_days"])
    rec = res[res["promised_ship_on"] > recent_cut].groupby("supplier_id")["is_on_time"].agg(["mean", "size"])
    prior = res[(res["promised_ship_on"] <= recent_cut)
                & (res["promised_ship_on"] > recent_cut - pd.Timedelta(days=rc["history_window_days"]))].groupby(
        "supplier_id")["is_on_time"].mean()
    r_rate = q["supplier_id"].map(rec["mean"]).astype(float)
    r_n = q["supplier_id"].map(rec["size"]).fillna(0)
    p_rate = q["supplier_id"].map(prior).astype(float)
    slow = (r_n >= rc["delivery_min_recent_pos"]) & ((p_rate - r_rate) * 100 >= rc["delivery_drop_pp"])
    trigger("delivery_slowdown", slow.fillna(False),
            "on time " + (100 * r_rate.fillna(0)).round(0).astype(int).astype(str) + "% over the last "
            + str(win["recent_days"]) + " days vs " + (100 * p_rate.fillna(0)).round(0).astype(int).astype(str)
            + "% before")

    trigger("high_score", q["risk_band"].isin(["high", "critical"]),
            "risk band " + q["risk_band"].fillna("") + " (score " + q["risk_score"].round(1).astype(str) + ")")
    months = sorted(hist["as_of"].dropna().unique())
    back = [m for m in months if m < c]
    if len(back) >= rc["rising_score_months"]:
        ref_on = back[-rc["rising_score_months"]]
        ref = hist[hist["as_of"] == ref_on].set_index("supplier_id")["risk_score"]
        then = q["supplier_id"].map(ref).astype(float)
        rising = (q["risk_score"] - then) >= rc["rising_score_points"]
        trigger("rising_score", rising.fillna(False),
                "score rose from " + then.round(1).astype(str) + " on " + pd.Timestamp(ref_on).strftime("%Y-%m-%d")
                + " to " + q["risk_score"].round(1).astype(str))
    else:
        trigger("rising_score", np.zeros(len(q), dtype=bool), "")

    due_days = rc["trigger_due_days"]
    due = pd.Series(np.where(audit_known, audit_due, c), index=q.index).astype("datetime64[ns]")
    names_fired = pd.Series([[] for _ in range(len(q))], index=q.index, dtype=object)
    reasons = pd.Series([[] for _ in range(len(q))], index=q.index, dtype=object)
    for name, text in fired.items():
        hit = text != ""
        if not hit.any():
            continue
        trig_due = c + pd.Timedelta(days=int(due_days[name]))
        due = due.where(~hit | (due <= trig_due), trig_due)
        for i in q.index[hit]:
            names_fired[i].append(name)
            reasons[i].append(f"{name.replace('_', ' ')}: {text[i]}")
    q["due_on"] = due.dt.date
    q["days_until_due"] = (due - c).dt.days.astype(int)
    q["triggers"] = [", ".join(n) for n in names_fired]
    q["suggested_action"] = [_action(n, b, rc["actions"]) for n, b in zip(names_fired, q["risk_band"])]
    q["reason"] = ["; ".join(r) if r else "routine re-verification: due " + str(d)
                   for r, d in zip(reasons, q["due_on"])]
    q["priority"] = np.round(q["risk_score"] / 100.0 * q["_exposure"], 2)
    q = q.sort_values(["priority", "days_until_due", "supplier_id"], ascending=[False, True, True])
    q["rank"] = np.arange(1, len(q) + 1)
    q["last_audit_on"] = q["last_audit_on"].dt.date
    return q[COLUMNS].reset_index(drop=True)


def _action(triggers: list[str], band: str, rules: list[dict]) -> str:
    """The first configured action whose triggers or bands match."""
    for rule in rules:
        if set(triggers) & set(rule["when_triggers"]) or band in rule["when_bands"]:
            return rule["action"]
    return rules[-1]["action"]


def run(con: duckdb.DuckDBPyConnection, context) -> None:
    """Write marts.reaudit_queue as of the build date."""
    cfg = scoring.load_config()
    frames = {
        "suppliers": con.execute("select * from staging.suppliers").df(),
        "score": con.execute("select * from marts.supplier_risk_score").df(),
        "signals": con.execute("select supplier_id, signal, raw_value, points, detail "
                               "from marts.supplier_signals").df(),
        "history": con.execute("select supplier_id, as_of, risk_score from marts.supplier_risk_history").df(),
        "po_status": con.execute("select * from marts.po_status").df(),
        "purchase_orders": con.execute("select po_id, supplier_id, sku, ordered_on, unit_price "
                                       "from staging.purchase_orders").df(),
        "inspections": con.execute("select po_id, inspection_type, inspected_on, result "
                                   "from staging.inspections").df(),
    }
    queue = plan(frames, context.as_of, cfg)
    write_frame(con, "marts.reaudit_queue", queue, types={"due_on": "date", "last_audit_on": "date"})
