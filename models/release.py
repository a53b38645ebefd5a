"""Balance release: for each open order, release the balance or hold it, and why (the sourcing playbook's checklist).

`evaluate(frames, as_of, cfg)` reads staging-shaped frames (orders with their payment and shipping status, suppliers,
inspections, changes, bank accounts with marts.bank_accounts' is_change and is_verified, payments, corrective actions with
marts.corrective_actions' is_open, shipments) and reference.inspection_settings, and
returns one row per open order with each condition's status ("pass", "fail", "pending" or "not recorded"), the
reasons in plain words and the verdict: release, hold (a check failed: something is wrong), not ready (nothing failed,
but the inspection, the shipment or its documents are still to come, as on any order on its way) or paid. Conditions
and their settings: models/config/release.toml. Only rows dated on or before `as_of` count.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from models import blind_spot, change_kinds, entity, po_status
from models.lookup import lookup
from models.wording import country

CONFIG_PATH = Path(__file__).resolve().parent / "config" / "release.toml"
CONDITIONS = ("psi_passed", "golden_sample_approved", "changes_confirmed", "payee_verified", "no_open_critical_capa",
              "shipping_documents_received")
PASS, FAIL, PENDING, NOT_RECORDED = "pass", "fail", "pending", "not recorded"
RELEASE, HOLD, NOT_READY, PAID = "release", "hold", "not_ready", "paid"
# the verdicts in the order a founder acts on them: pay these, fix these, wait for (or chase) these, done
DECISION_ORDER = (RELEASE, HOLD, NOT_READY, PAID)

COLUMNS = ["po_id", "supplier_id", "sku", "ordered_on", "promised_ship_on", "balance_due_on",
           "is_balance_due_on_assumed", "days_until_balance_due", "is_balance_due_soon", "order_value", "paid_amount",
           "balance_outstanding", "deposit_at_risk", "shipped_quantity", "quantity", "is_shipped_in_full",
           "is_late_to_ship", "days_late", "verdict",
           "hold_reasons", "not_checked", *CONDITIONS, "rules_version", "as_of"]
TYPES = {"po_id": "varchar", "supplier_id": "varchar", "sku": "varchar", "ordered_on": "date",
         "promised_ship_on": "date", "balance_due_on": "date", "is_balance_due_on_assumed": "boolean",
         "days_until_balance_due": "bigint", "is_balance_due_soon": "boolean", "order_value": "double",
         "paid_amount": "double", "balance_outstanding": "double", "deposit_at_risk": "double",
         "shipped_quantity": "bigint", "quantity": "bigint", "is_shipped_in_full": "boolean",
         "is_late_to_ship": "boolean", "days_late": "bigint", "verdict": "varchar",
         "hold_reasons": "varchar", "not_checked": "varchar", **{c: "varchar" for c in CONDITIONS},
         "rules_version": "varchar", "as_of": "date"}


@lru_cache(maxsize=4)
def _load(path: str) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def load_config(path: Path | None = None) -> dict:
    """The release rules (every condition configured, nothing else)."""
    cfg = _load(str(path or CONFIG_PATH))
    if set(cfg["conditions"]) != set(CONDITIONS):
        raise ValueError(f"release conditions must be exactly {', '.join(CONDITIONS)}")
    return cfg


def change_problems(changes: pd.DataFrame) -> pd.Series:
    """What is wrong with each documented change (staging.changes rows): "not confirmed in writing", "confirmed but
    not approved" (a kind that needs approval, data/reference/change_kinds.csv, without approved_by) or "" (in
    order). The release checklist's rule, also read by the supplier scorecard."""
    need = set(change_kinds.load().approval_kinds)
    return pd.Series(np.where(~changes["is_confirmed_in_writing"].fillna(False).astype(bool), "not confirmed in writing",
                              np.where(changes["kind"].isin(need) & changes["approved_by"].isna(),
                                       "confirmed but not approved", "")), index=changes.index, dtype=object)


def _dates(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    frame = frame.copy()
    for col in cols:
        if col in frame.columns:
            frame[col] = pd.to_datetime(frame[col])
    return frame



def open_orders(orders: pd.DataFrame, as_of: pd.Timestamp, cfg: dict, payments_known: bool = True,
                shipments_known: bool = True) -> pd.DataFrame:
    """Orders awaiting a release decision as of `as_of`: not shipped in full, or with a balance unpaid and ordered
    within `recent_days`. Wider than an open order's exposure (models.po_status `is_open`, what is still to ship):
    a shipped order whose balance is unpaid still waits for the decision to pay it.

    What the import does not carry is not taken as a fact. Without a payments file (`payments_known` False) nothing
    is known to be paid or unpaid: the amount paid, the balance and the deposit at risk are unknown (NaN), never
    the whole order value as if nothing had been paid. Without a shipments file nothing is known to be unshipped."""
    o = orders[orders["ordered_on"] <= as_of].copy()
    unshipped = ~o["is_shipped_in_full"].astype(bool) if shipments_known else pd.Series(False, index=o.index)
    # late to ship: nothing shipped, and the promise plus the on-time tolerance has passed (is_resolved of
    # models.po_status: chase the supplier; its deposit is at risk); days late from the promise, as there
    nothing = pd.to_numeric(o["shipped_quantity"], errors="coerce").fillna(0) <= 0
    o["is_late_to_ship"] = nothing & o["is_resolved"].fillna(False).astype(bool)
    o["days_late"] = pd.to_numeric(o["days_late"], errors="coerce").where(o["is_late_to_ship"])
    if not shipments_known:
        o[["shipped_quantity", "is_shipped_in_full", "is_late_to_ship", "days_late"]] = None
    if not payments_known:
        o[["paid_amount", "balance_outstanding", "deposit_at_risk"]] = np.nan
        return o[unshipped].reset_index(drop=True)
    o["balance_outstanding"] = np.maximum(o["order_value"] - o["paid_amount"], 0.0)
    unpaid = o["balance_outstanding"] > cfg["paid_tolerance_share"] * o["order_value"]
    o.loc[~unpaid, "balance_outstanding"] = 0.0
    recent = o["ordered_on"] > as_of - pd.Timedelta(days=cfg["recent_days"])
    return o[unshipped | (unpaid & recent)].reset_index(drop=True)


def evaluate(frames: dict[str, pd.DataFrame], as_of: date, cfg: dict | None = None,
             imported: set[str] | None = None) -> pd.DataFrame:
    """One row per open order: each condition's status, the reasons and the verdict (release / hold / not ready /
    paid).
    `imported`: the files the import carried (ingest.load_log); None takes every file as imported. Without payments
    the balances are unknown (open_orders); without inspections the inspection condition is not recorded."""
    cfg = cfg or load_config()
    c = pd.Timestamp(as_of)
    orders = _dates(frames["orders"], ["ordered_on", "promised_ship_on", "sample_approved_on", "balance_due_on"])
    o = open_orders(orders, c, cfg, payments_known=imported is None or "payments" in imported,
                    shipments_known=imported is None or "shipments" in imported)
    if o.empty:
        return pd.DataFrame({col: pd.Series(dtype=object) for col in COLUMNS})
    k = _Checks(o, c)
    if imported is None or "inspections" in imported:
        _psi_passed(k, frames["inspections"], frames["inspection_settings"], frames.get("inspection_switching"))
    else:
        k.not_recorded("psi_passed")
    _golden_sample(k, orders)
    _changes_confirmed(k, frames["changes"], cfg)
    _payee_verified(k, frames["suppliers"], frames["payments"], frames["bank_accounts"])
    _no_open_critical_capa(k, frames["corrective_actions"])
    _shipping_documents(k, frames["shipments"])
    out = _verdict(k, cfg, bank_accounts_imported=bool(len(frames["bank_accounts"])))
    if imported is not None and "payments" not in imported:
        out["not_checked"] = ["; ".join(x for x in (t, "amount paid (no payments imported): the balance is unknown")
                                        if x) for t in out["not_checked"]]
    elif len(frames["payments"]) and frames["payments"]["payee_name"].isna().all() \
            and cfg["conditions"]["payee_verified"].get("enabled", True):
        # whom the money went to is not recorded on any payment: the payee check read only the proforma invoice
        out["not_checked"] = ["; ".join(x for x in (t, "payee (no payment names whom the money went to)") if x)
                              for t in out["not_checked"]]
    return out


# What to do about a failed check, said after its finding (": call back …"): the open-orders table's short cell
# (dashboard.display.hold_summary) leaves it out, the checklist and the download keep it.
INSPECT_EVERY_UNIT = "inspect every unit"
CALL_BACK = "call back on a number already on file before paying"
ACTIONS = (INSPECT_EVERY_UNIT, CALL_BACK)


class _Checks:
    """The open orders and, per condition, each order's status (pass until a check fails it or finds it still to
    come) and its reason."""

    def __init__(self, o: pd.DataFrame, c: pd.Timestamp) -> None:
        self.o, self.c = o, c
        self.status = {name: pd.Series(PASS, index=o.index, dtype=object) for name in CONDITIONS}
        self.reasons = {name: pd.Series("", index=o.index, dtype=object) for name in CONDITIONS}

    def fail(self, name: str, mask, text, as_status: str = FAIL) -> None:
        """Fail condition `name` (or mark it `as_status`) for the orders in `mask` not failed or pending yet (the first
        reason found is kept)."""
        status, o = self.status, self.o
        mask = np.asarray(mask, dtype=bool) & (status[name] == PASS).to_numpy()
        status[name] = status[name].mask(mask, as_status)
        text = pd.Series(text, index=o.index) if not isinstance(text, pd.Series) else text
        self.reasons[name] = self.reasons[name].mask(mask, text.astype(object))

    def pending(self, name: str, mask, text) -> None:
        """Condition `name` not met yet for the orders in `mask`, in the normal course of an order on its way (no
        inspection or bill of lading yet): the balance waits, but nothing is wrong."""
        self.fail(name, mask, text, PENDING)

    def not_recorded(self, name: str) -> None:
        """The data carries nothing to check `name` against."""
        self.status[name][:] = NOT_RECORDED


def _psi_passed(k: _Checks, inspections: pd.DataFrame, settings: pd.DataFrame,
                switching: pd.DataFrame | None = None) -> None:
    """Pre-shipment inspection: the latest decided one passed, at the agreed AQL or stricter (an order that agrees
    none is held to reference.inspection_settings' default_aql_major, the AQL a PSI that gives none is judged at),
    and not on sampling after the supplier's inspection was discontinued under the ISO 2859-1 switching rules
    (`switching`: marts.inspection_switching, a class whose stage is still discontinued: no corrective action closed
    since; a pass then says nothing a sample can say, so every unit must be inspected)."""
    o, c = k.o, k.c
    ins = _dates(inspections, ["inspected_on"])
    psi = ins[(ins["inspection_type"] == "PSI") & (ins["inspected_on"] <= c)]
    decided = psi[po_status.is_decided_psi(psi)].sort_values(["po_id", "inspected_on", "inspection_id"])
    last = decided.drop_duplicates("po_id", keep="last").set_index("po_id")
    pending = set(psi.loc[psi["result"] == "pending", "po_id"])
    default = float(settings.set_index("setting")["value"]["default_aql_major"])
    agreed = o["agreed_aql_major"].astype(float).fillna(default)
    result = o["po_id"].map(last["result"])
    aql = o["po_id"].map(last["aql_major"]).astype(float)
    on = lookup(o["po_id"], last["inspected_on"])
    # before anything ships an inspection still to come is the order's next step; goods shipped without a passed one
    # are a failure
    shipped = o["shipped_quantity"].fillna(0).astype(float) > 0
    k.pending("psi_passed", result.isna() & ~shipped & o["po_id"].isin(pending), "pre-shipment inspection pending")
    k.pending("psi_passed", result.isna() & ~shipped, "no pre-shipment inspection yet")
    k.fail("psi_passed", result.isna(), "shipped without a decided pre-shipment inspection")
    k.fail("psi_passed", result == "fail", "the last pre-shipment inspection failed (" + on.dt.strftime("%Y-%m-%d")
           .fillna("") + ")")
    loose = (result == "pass") & aql.notna() & (aql > agreed + 1e-9)
    k.fail("psi_passed", loose, "inspection passed at AQL " + aql.map("{:g}".format, na_action="ignore").astype(object).fillna("")
           + ", looser than the agreed " + agreed.map("{:g}".format))
    if switching is None or switching.empty:
        return
    stopped_on = lookup(o["supplier_id"], blind_spot.sampling_stopped(switching)["since"])
    after = (result == "pass") & stopped_on.notna() & (on > stopped_on)
    # "sampling stopped": the words the pages use for ISO 2859-1's discontinued inspection
    k.fail("psi_passed", after, "passed on a sample though sampling was stopped on "
           + stopped_on.dt.strftime("%Y-%m-%d").fillna("") + " (ISO 2859-1 discontinued inspection: 5 lots rejected "
           "on tightened inspection, no corrective action closed since): " + INSPECT_EVERY_UNIT)


def _golden_sample(k: _Checks, orders: pd.DataFrame) -> None:
    """Golden sample: approved on or before the build date (not recorded when no order carries an approval)."""
    sample = k.o["sample_approved_on"]
    if orders["sample_approved_on"].notna().any():
        k.fail("golden_sample_approved", sample.isna() | (sample > k.c), "no golden sample approval on record")
    else:
        k.not_recorded("golden_sample_approved")


def _changes_confirmed(k: _Checks, changes: pd.DataFrame, cfg: dict) -> None:
    """Changes: every change to the order (or to the supplier since the order) confirmed in writing."""
    o, c = k.o, k.c
    chg = _dates(changes, ["changed_on"])
    if not len(chg):
        k.not_recorded("changes_confirmed")
        return
    chg = chg[chg["changed_on"] <= c]
    chg = chg.assign(problem=change_problems(chg))
    bad = chg[chg["problem"] != ""]
    on_po = o[["po_id", "supplier_id", "ordered_on"]].merge(bad[bad["po_id"].notna()], on=["po_id"],
                                                            suffixes=("", "_c"))
    on_sup = o[["po_id", "supplier_id", "ordered_on"]].merge(bad[bad["po_id"].isna()].drop(columns="po_id"),
                                                             on="supplier_id")
    on_sup = on_sup[on_sup["changed_on"] >= on_sup["ordered_on"]]
    both = pd.concat([on_po, on_sup], ignore_index=True).sort_values(["po_id", "changed_on", "change_id"])
    text = (both["kind"].str.replace("_", " ") + " change of " + both["changed_on"].dt.strftime("%Y-%m-%d")
            + " " + both["problem"]).groupby(both["po_id"]).agg("; ".join)
    k.fail("changes_confirmed", o["po_id"].isin(text.index), o["po_id"].map(text))


def _payee_verified(k: _Checks, suppliers: pd.DataFrame, payments: pd.DataFrame, bank_accounts: pd.DataFrame) -> None:
    """Payee: the contracting entity is the legal entity, earlier payees too, the bank account known or verified."""
    o, c = k.o, k.c
    sup = suppliers.set_index("supplier_id")
    legal = o["supplier_id"].map(sup["legal_name"])
    pi_check = [entity.compare_names(lg, pi) if isinstance(lg, str) and isinstance(pi, str) else entity.MISSING
                for lg, pi in zip(legal, o["pi_entity_name"])]
    other = np.isin(pi_check, entity.OTHER_ENTITY)
    k.fail("payee_verified", other, "the proforma invoice names another entity (" + o["pi_entity_name"].astype(object).fillna("")
           + ") than the legal entity (" + legal.astype(object).fillna("") + ")")
    pay = _dates(payments, ["paid_on"])
    pay = pay[(pay["paid_on"] <= c) & pay["po_id"].isin(o["po_id"]) & pay["payee_name"].notna()]
    by_po = o.set_index("po_id")
    ref = entity.payee_reference(pay["po_id"].map(by_po["supplier_id"]).map(sup["legal_name"]),
                                 pay["po_id"].map(by_po["pi_entity_name"]))
    pay = pay.assign(other=entity.is_other_entity(ref, pay["payee_name"]))
    wrong = pay[pay["other"]].drop_duplicates("po_id").set_index("po_id")
    k.fail("payee_verified", o["po_id"].isin(wrong.index),
           "paid to " + o["po_id"].map(wrong["payee_name"]).astype(object).fillna("")
           + ", not the " + np.where(legal.notna(), "legal entity", "entity on the proforma invoice"))
    acc = _dates(bank_accounts, ["first_seen_on", "verified_on"])
    if not len(acc):
        return
    acc = acc[acc["first_seen_on"] <= c]
    # is_verified: marts.bank_accounts' (by a method that counts, on or before the build date)
    acc = acc.assign(is_verified=acc["is_verified"].fillna(False).astype(bool))
    used = set(pay.loc[pay["bank_account_id"].notna(), "bank_account_id"]) if "bank_account_id" in pay else set()
    all_pay = _dates(payments, ["paid_on"])
    used |= set(all_pay.loc[(all_pay["paid_on"] <= c) & all_pay["bank_account_id"].notna(), "bank_account_id"])
    acc = acc.sort_values(["supplier_id", "first_seen_on", "bank_account_id"])
    current = acc.drop_duplicates("supplier_id", keep="last").set_index("supplier_id")
    # known: verified, or the supplier's first onshore account already paid into; a change (a newer or offshore
    # account: is_change, from marts.bank_accounts) must be verified
    known = current["is_verified"] | (~current["is_change"] & current["bank_account_id"].isin(used))
    has = o["supplier_id"].isin(current.index)
    k.fail("payee_verified", ~has, "no bank account on record for this supplier")
    ok = o["supplier_id"].isin(known[known.astype(bool)].index)
    desc = (o["supplier_id"].map(current["account_number_masked"]).astype(object).fillna("") + " ("
            + o["supplier_id"].map(current["bank_country"].map(country)).astype(object).fillna("") + "), first seen "
            + lookup(o["supplier_id"], current["first_seen_on"]).dt.strftime("%Y-%m-%d").fillna(""))
    k.fail("payee_verified", has & ~ok, "bank account " + desc + ", is not verified: " + CALL_BACK)


def _no_open_critical_capa(k: _Checks, corrective_actions: pd.DataFrame) -> None:
    """Corrective actions: none critical left open (is_open: marts.corrective_actions' state at the build date, the
    date the build evaluates this checklist at)."""
    o, c = k.o, k.c
    capa = _dates(corrective_actions, ["opened_on", "closed_on"])
    if not len(capa):
        k.not_recorded("no_open_critical_capa")
        return
    open_crit = capa[(capa["severity"] == "critical") & (capa["opened_on"] <= c)
                     & capa["is_open"].fillna(False).astype(bool)]
    first = open_crit.sort_values(["supplier_id", "opened_on", "capa_id"]).drop_duplicates("supplier_id")
    first = first.set_index("supplier_id")
    k.fail("no_open_critical_capa", o["supplier_id"].isin(first.index),
           "critical corrective action " + o["supplier_id"].map(first["capa_id"]).astype(object).fillna("") + " open since "
           + lookup(o["supplier_id"], first["opened_on"]).dt.strftime("%Y-%m-%d").fillna(""))


def _shipping_documents(k: _Checks, shipments: pd.DataFrame) -> None:
    """Shipping documents: every shipment of the order has its documents in hand."""
    o, c = k.o, k.c
    ship = _dates(shipments, ["shipped_on", "documents_received_on"])
    if not ship["documents_received_on"].notna().any():
        k.not_recorded("shipping_documents_received")
        return
    ship = ship[ship["shipped_on"] <= c]
    missing = ship[ship["documents_received_on"].isna() | (ship["documents_received_on"] > c)]
    # documents follow the shipment: still to come, not a failure (chase the supplier for them)
    k.pending("shipping_documents_received", ~o["po_id"].isin(ship["po_id"]), "not shipped yet: no bill of lading")
    k.pending("shipping_documents_received", o["po_id"].isin(missing["po_id"]),
              "shipping documents not received for a shipment")


def _verdict(k: _Checks, cfg: dict, bank_accounts_imported: bool) -> pd.DataFrame:
    """The reasons (failed and still to come, in the checklist's order), what could not be checked, the verdict and
    the balance due, in the output's columns."""
    o, c, status, reasons = k.o, k.c, k.status, k.reasons
    conds = cfg["conditions"]
    enabled = [n for n in CONDITIONS if conds[n].get("enabled", True)]
    failing = pd.DataFrame({n: status[n] == FAIL for n in enabled}, index=o.index)
    waiting = pd.DataFrame({n: status[n] == PENDING for n in enabled}, index=o.index)
    o["hold_reasons"] = ["; ".join(f"{conds[n]['label']}: {reasons[n][i]}" for n in enabled
                                   if failing.at[i, n] or waiting.at[i, n]) for i in o.index]
    o["not_checked"] = ["; ".join(conds[n]["label"] for n in enabled if status[n][i] == NOT_RECORDED)
                        for i in o.index]
    if not bank_accounts_imported and conds["payee_verified"].get("enabled", True):
        # the names were checked; the account itself is not recorded
        o["not_checked"] = ["; ".join(x for x in (t, "bank account (no bank accounts imported)") if x)
                            for t in o["not_checked"]]
    o["verdict"] = np.select([o["balance_outstanding"] <= 0, failing.any(axis=1), waiting.any(axis=1)],
                             [PAID, HOLD, NOT_READY], RELEASE)
    for n in CONDITIONS:
        o[n] = status[n] if n in enabled else None
    o["days_until_balance_due"] = (o["balance_due_on"] - c).dt.days
    o["is_balance_due_soon"] = (o["balance_outstanding"] > 0) & (o["days_until_balance_due"] <= cfg["due_soon_days"])
    o["rules_version"] = cfg["rules_version"]
    o["as_of"] = c.date()
    for col in ("ordered_on", "promised_ship_on", "balance_due_on"):
        o[col] = o[col].dt.date
    return o[COLUMNS]
