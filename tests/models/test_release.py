"""Balance release: the checklist on hand-written orders, each verdict and reason worked out by hand."""

from __future__ import annotations

import copy
from datetime import date

import numpy as np
import pandas as pd
import pytest

from models import release

AS_OF = date(2024, 6, 30)
ALPHA, BETA = "Ningbo Alpha Co., Ltd.", "Yiwu Beta Trading Co., Ltd."


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def _frames() -> dict[str, pd.DataFrame]:
    """P1 (S1) ready to release; P2 (S1) inspected at a looser AQL, an unconfirmed material change, not shipped;
    P3 (S2) no sample approval, a packaging change not approved, a new unverified bank account, an open critical
    CAPA; P4 shipped and paid (not open); P5 ordered more than a year ago with its balance never recorded (a gap,
    not an open order); P6 paid in advance, not shipped (open, nothing to release)."""
    order_cols = ["po_id", "supplier_id", "sku", "ordered_on", "promised_ship_on", "sample_approved_on",
                  "balance_due_on", "is_balance_due_on_assumed", "pi_entity_name", "agreed_aql_major", "quantity",
                  "order_value", "paid_amount", "shipped_quantity", "is_shipped_in_full", "deposit_at_risk"]
    orders = _frame([
        dict(po_id="P1", supplier_id="S1", sku="A", ordered_on="2024-05-01", promised_ship_on="2024-06-20",
             sample_approved_on="2024-04-20", balance_due_on="2024-07-03", is_balance_due_on_assumed=False,
             pi_entity_name=ALPHA, agreed_aql_major=np.nan, quantity=100, order_value=1000.0, paid_amount=300.0,
             shipped_quantity=100, is_shipped_in_full=True, deposit_at_risk=0.0),
        dict(po_id="P2", supplier_id="S1", sku="A", ordered_on="2024-05-10", promised_ship_on="2024-07-10",
             sample_approved_on="2024-04-20", balance_due_on="2024-07-10", is_balance_due_on_assumed=True,
             pi_entity_name="NINGBO ALPHA CO LTD", agreed_aql_major=2.5, quantity=200, order_value=2000.0,
             paid_amount=600.0, shipped_quantity=0, is_shipped_in_full=False, deposit_at_risk=600.0),
        dict(po_id="P3", supplier_id="S2", sku="B", ordered_on="2024-05-15", promised_ship_on="2024-06-08",
             sample_approved_on=None, balance_due_on="2024-06-08", is_balance_due_on_assumed=True,
             pi_entity_name=BETA, agreed_aql_major=1.5, quantity=50, order_value=500.0, paid_amount=150.0,
             shipped_quantity=50, is_shipped_in_full=True, deposit_at_risk=0.0),
        dict(po_id="P4", supplier_id="S2", sku="B", ordered_on="2023-01-10", promised_ship_on="2023-02-10",
             sample_approved_on="2022-12-01", balance_due_on="2023-02-10", is_balance_due_on_assumed=True,
             pi_entity_name=BETA, agreed_aql_major=np.nan, quantity=80, order_value=800.0, paid_amount=800.0,
             shipped_quantity=80, is_shipped_in_full=True, deposit_at_risk=0.0),
        dict(po_id="P5", supplier_id="S1", sku="A", ordered_on="2023-03-01", promised_ship_on="2023-04-01",
             sample_approved_on="2023-02-01", balance_due_on="2023-04-01", is_balance_due_on_assumed=True,
             pi_entity_name=ALPHA, agreed_aql_major=np.nan, quantity=90, order_value=900.0, paid_amount=270.0,
             shipped_quantity=90, is_shipped_in_full=True, deposit_at_risk=0.0),
        dict(po_id="P6", supplier_id="S1", sku="A", ordered_on="2024-06-25", promised_ship_on="2024-08-01",
             sample_approved_on="2024-04-20", balance_due_on="2024-08-01", is_balance_due_on_assumed=True,
             pi_entity_name=ALPHA, agreed_aql_major=np.nan, quantity=40, order_value=400.0, paid_amount=400.0,
             shipped_quantity=0, is_shipped_in_full=False, deposit_at_risk=400.0),
    ], order_cols)
    # marts.po_status by hand, as of 2024-06-30 with 3 days' tolerance: the shipped orders are resolved (P1 left on
    # its promise, P3 on 06-09: 1 day late); P2 (promise 07-10) and P6 (08-01) are not due yet
    orders["is_resolved"] = [True, False, True, True, True, False]
    orders["days_late"] = [0, np.nan, 1, 0, 0, np.nan]
    suppliers = _frame([dict(supplier_id="S1", legal_name=ALPHA, country="CN"),
                        dict(supplier_id="S2", legal_name=BETA, country="CN")], ["supplier_id", "legal_name", "country"])
    ins_cols = ["inspection_id", "po_id", "inspection_type", "inspected_on", "result", "aql_major"]
    inspections = _frame([
        dict(inspection_id="I1", po_id="P1", inspection_type="PSI", inspected_on="2024-06-18", result="pass",
             aql_major=2.5),
        dict(inspection_id="I2", po_id="P2", inspection_type="PSI", inspected_on="2024-06-28", result="pass",
             aql_major=4.0),
        dict(inspection_id="I3", po_id="P3", inspection_type="PSI", inspected_on="2024-06-05", result="fail",
             aql_major=1.5),
        dict(inspection_id="I4", po_id="P3", inspection_type="PSI", inspected_on="2024-06-09", result="pass",
             aql_major=1.5),
        dict(inspection_id="I5", po_id="P6", inspection_type="PSI", inspected_on="2024-06-29", result="pending",
             aql_major=2.5),
        dict(inspection_id="I6", po_id="P2", inspection_type="DUPRO", inspected_on="2024-06-01", result="pass",
             aql_major=2.5),
    ], ins_cols)
    chg_cols = ["change_id", "supplier_id", "po_id", "changed_on", "kind", "is_confirmed_in_writing", "approved_by"]
    changes = _frame([
        dict(change_id="CH1", supplier_id="S1", po_id="P2", changed_on="2024-05-20", kind="material",
             is_confirmed_in_writing=False, approved_by=None),
        dict(change_id="CH2", supplier_id="S1", po_id=None, changed_on="2024-01-01", kind="price",
             is_confirmed_in_writing=False, approved_by=None),  # before every open order: not theirs
        dict(change_id="CH3", supplier_id="S1", po_id=None, changed_on="2024-06-26", kind="lead_time",
             is_confirmed_in_writing=True, approved_by=None),  # lead time: a written notice is enough
        dict(change_id="CH4", supplier_id="S2", po_id="P3", changed_on="2024-05-20", kind="packaging",
             is_confirmed_in_writing=True, approved_by=None),
        dict(change_id="CH5", supplier_id="S1", po_id="P1", changed_on="2024-07-05", kind="spec",
             is_confirmed_in_writing=False, approved_by=None),  # after the build date: not known yet
    ], chg_cols)
    # is_change and is_verified: marts.bank_accounts' rules, by hand (a supplier's second or later account, or an
    # offshore one; verified on or before the build date)
    acc_cols = ["bank_account_id", "supplier_id", "account_number_masked", "bank_country", "first_seen_on",
                "verified_on", "verification_method", "is_change", "is_verified"]
    accounts = _frame([
        dict(bank_account_id="BA1", supplier_id="S1", account_number_masked="••••7890", bank_country="CN",
             first_seen_on="2023-01-01", verified_on="2023-01-03", verification_method="callback",
             is_change=False, is_verified=True),
        dict(bank_account_id="BA2", supplier_id="S2", account_number_masked="••••1111", bank_country="CN",
             first_seen_on="2023-01-01", verified_on=None, verification_method=None, is_change=False,
             is_verified=False),
        # 'verified' by e-mail: staging keeps no verified_on for a method that does not count
        dict(bank_account_id="BA3", supplier_id="S2", account_number_masked="••••4321", bank_country="CN",
             first_seen_on="2024-06-20", verified_on=None, verification_method="email", is_change=True,
             is_verified=False),
    ], acc_cols)
    pay_cols = ["payment_id", "po_id", "paid_on", "amount", "kind", "payee_name", "bank_account_id"]
    payments = _frame([
        dict(payment_id="Y1", po_id="P1", paid_on="2024-05-02", amount=300.0, kind="deposit", payee_name=ALPHA,
             bank_account_id="BA1"),
        dict(payment_id="Y2", po_id="P2", paid_on="2024-05-11", amount=600.0, kind="deposit", payee_name=ALPHA,
             bank_account_id="BA1"),
        dict(payment_id="Y3", po_id="P3", paid_on="2024-05-16", amount=150.0, kind="deposit", payee_name=BETA,
             bank_account_id="BA2"),
        dict(payment_id="Y4", po_id="P4", paid_on="2023-01-11", amount=800.0, kind="deposit", payee_name=BETA,
             bank_account_id="BA2"),
        dict(payment_id="Y6", po_id="P6", paid_on="2024-06-26", amount=400.0, kind="deposit", payee_name=ALPHA,
             bank_account_id="BA1"),
    ], pay_cols)
    # is_open: marts.corrective_actions' state (not closed by the build date), by hand
    capa_cols = ["capa_id", "supplier_id", "severity", "opened_on", "closed_on", "is_open"]
    capas = _frame([
        dict(capa_id="C1", supplier_id="S2", severity="critical", opened_on="2024-06-06", closed_on=None, is_open=True),
        dict(capa_id="C2", supplier_id="S1", severity="critical", opened_on="2024-02-01", closed_on="2024-02-20",
             is_open=False),
        # opened after the build date: not known yet
        dict(capa_id="C3", supplier_id="S1", severity="critical", opened_on="2024-07-02", closed_on=None, is_open=True),
        dict(capa_id="C4", supplier_id="S1", severity="major", opened_on="2024-06-01", closed_on=None, is_open=True),
    ], capa_cols)
    ship_cols = ["shipment_id", "po_id", "shipped_on", "documents_received_on"]
    shipments = _frame([
        dict(shipment_id="SH1", po_id="P1", shipped_on="2024-06-20", documents_received_on="2024-06-25"),
        dict(shipment_id="SH3", po_id="P3", shipped_on="2024-06-10", documents_received_on="2024-06-12"),
        dict(shipment_id="SH4", po_id="P4", shipped_on="2023-02-10", documents_received_on="2023-02-12"),
        dict(shipment_id="SH5", po_id="P5", shipped_on="2023-04-01", documents_received_on=None),
    ], ship_cols)
    return {"orders": orders, "suppliers": suppliers, "inspections": inspections, "changes": changes,
            "bank_accounts": accounts, "payments": payments, "corrective_actions": capas, "shipments": shipments,
            # reference.inspection_settings: an order that agrees no AQL is held to the default major AQL
            "inspection_settings": pd.DataFrame({"setting": ["default_inspection_level", "default_aql_major"],
                                                 "value": ["II", "2.5"]})}


def test_an_order_without_an_agreed_aql_is_held_to_the_reference_default():
    """P1 agrees no AQL and passed its PSI at 2.5: it releases at the reference default 2.5, and is held when
    reference.inspection_settings says 1.5 (the release rules keep no default of their own)."""
    frames = _frames()
    assert release.evaluate(frames, AS_OF).set_index("po_id").loc["P1", "psi_passed"] == "pass"
    frames["inspection_settings"] = frames["inspection_settings"].replace({"value": {"2.5": "1.5"}})
    out = release.evaluate(frames, AS_OF).set_index("po_id")
    assert out.loc["P1", "psi_passed"] == "fail"
    assert out.loc["P1", "hold_reasons"] == ("Pre-shipment inspection passed at the agreed AQL: inspection passed at "
                                             "AQL 2.5, looser than the agreed 1.5")


def test_the_release_checklist_hand_computed():
    out = release.evaluate(_frames(), AS_OF).set_index("po_id")
    # P4 is shipped and paid; P5's balance was never recorded but it was ordered 16 months ago: neither is open
    assert list(out.index) == ["P1", "P2", "P3", "P6"]
    assert out["verdict"].to_dict() == {"P1": "release", "P2": "hold", "P3": "hold", "P6": "paid"}
    # P1: a passed PSI at the default agreed AQL 2.5, sample approved, no change since the order (CH2 is older,
    # CH5 after the build date), one verified account already paid into, no open critical CAPA (C2 closed, C3
    # opened after the build date, C4 only major), documents received on 2024-06-25
    assert out.loc["P1", list(release.CONDITIONS)].tolist() == ["pass"] * 6
    assert out.loc["P1", "hold_reasons"] == "" and out.loc["P1", "not_checked"] == ""
    assert out.loc["P1", "balance_outstanding"] == pytest.approx(700.0)
    assert out.loc["P1", "days_until_balance_due"] == 3 and bool(out.loc["P1", "is_balance_due_soon"])
    # P2: inspected at AQL 4 against the agreed 2.5; the material change CH1 not confirmed; nothing shipped
    assert out.loc["P2", "hold_reasons"] == (
        "Pre-shipment inspection passed at the agreed AQL: inspection passed at AQL 4, looser than the agreed 2.5; "
        "Every change confirmed in writing: material change of 2024-05-20 not confirmed in writing; "
        "Shipping documents received: not shipped yet: no bill of lading")
    assert (out.loc["P2", "days_until_balance_due"], bool(out.loc["P2", "is_balance_due_soon"])) == (10, False)
    assert out.loc["P2", "balance_outstanding"] == pytest.approx(1400.0)
    # P3: the first PSI failed but the latest passed at the agreed 1.5; no sample approval; the packaging change was
    # confirmed but nobody approved it; the newest account BA3 was 'verified' by e-mail only (does not count); C1 open
    assert out.loc["P3", "psi_passed"] == "pass" and out.loc["P3", "shipping_documents_received"] == "pass"
    assert out.loc["P3", "hold_reasons"] == (
        "Golden sample approved: no golden sample approval on record; "
        "Every change confirmed in writing: packaging change of 2024-05-20 confirmed but not approved; "
        "Payee is the contracting entity and the bank account is known or verified: bank account ••••4321 (CN), "
        "first seen 2024-06-20, is not verified: call back on a number already on file before paying; "
        "No open critical corrective action: critical corrective action C1 open since 2024-06-06")
    assert out.loc["P3", "days_until_balance_due"] == -22 and bool(out.loc["P3", "is_balance_due_soon"])
    # P6: paid in advance, nothing to release; its PSI is still pending (to come: nothing has shipped)
    assert out.loc["P6", "balance_outstanding"] == 0 and out.loc["P6", "psi_passed"] == "pending"
    assert out.loc["P6", "shipping_documents_received"] == "pending"
    assert "pre-shipment inspection pending" in out.loc["P6", "hold_reasons"]
    assert (out["rules_version"] == release.load_config()["rules_version"]).all()


def test_an_order_on_its_way_is_not_ready_and_one_shipped_uninspected_is_held():
    """P2 with its change confirmed and no PSI yet: nothing has failed, the inspection and the bill of lading are
    still to come, so its balance is not ready (not on hold: nothing is wrong). P1 shipped without a decided PSI:
    held. A pending check beside a failed one leaves the order on hold, with both reasons in the checklist's order."""
    frames = _frames()
    frames["changes"] = frames["changes"][frames["changes"]["change_id"] != "CH1"]
    frames["inspections"] = frames["inspections"][~frames["inspections"]["inspection_id"].isin(["I1", "I2"])]
    out = release.evaluate(frames, AS_OF).set_index("po_id")
    assert out.loc["P2", "verdict"] == "not_ready"
    assert out.loc["P2", ["psi_passed", "shipping_documents_received"]].tolist() == ["pending", "pending"]
    assert out.loc["P2", "hold_reasons"] == (
        "Pre-shipment inspection passed at the agreed AQL: no pre-shipment inspection yet; "
        "Shipping documents received: not shipped yet: no bill of lading")
    assert out.loc["P1", "verdict"] == "hold" and out.loc["P1", "psi_passed"] == "fail"
    assert out.loc["P1", "hold_reasons"] == (
        "Pre-shipment inspection passed at the agreed AQL: shipped without a decided pre-shipment inspection")
    # the unconfirmed change back: P2 fails a check, so it is on hold, the pending checks listed beside it
    frames["changes"] = _frames()["changes"]
    out = release.evaluate(frames, AS_OF).set_index("po_id")
    assert out.loc["P2", "verdict"] == "hold" and out.loc["P2", "psi_passed"] == "pending"
    assert out.loc["P2", "hold_reasons"] == (
        "Pre-shipment inspection passed at the agreed AQL: no pre-shipment inspection yet; "
        "Every change confirmed in writing: material change of 2024-05-20 not confirmed in writing; "
        "Shipping documents received: not shipped yet: no bill of lading")


def test_the_payee_and_the_contracting_entity_must_be_the_legal_entity():
    frames = _frames()
    orders = frames["orders"]
    orders.loc[orders["po_id"] == "P1", "pi_entity_name"] = "Hong Kong Alpha International Limited"
    pay = frames["payments"]
    pay.loc[pay["po_id"] == "P2", "payee_name"] = "Ningbo Alpha Trading Co., Ltd."  # related: a sister company
    out = release.evaluate(frames, AS_OF).set_index("po_id")
    assert out.loc["P1", "verdict"] == "hold"
    assert out.loc["P1", "hold_reasons"] == (
        "Payee is the contracting entity and the bank account is known or verified: the proforma invoice names "
        "another entity (Hong Kong Alpha International Limited) than the legal entity (Ningbo Alpha Co., Ltd.)")
    assert "paid to Ningbo Alpha Trading Co., Ltd., not the legal entity" in \
        out.loc["P2", "hold_reasons"]


def test_without_a_legal_name_the_payee_is_checked_against_the_proforma_invoice_entity():
    """The score's rule (models.entity.payee_reference): no legal name on record, so a payment is checked against
    the order's PI entity. Before, the checklist checked nothing and released P2 paid to a stranger."""
    frames = _frames()
    frames["suppliers"].loc[frames["suppliers"]["supplier_id"] == "S1", "legal_name"] = None
    pay = frames["payments"]
    pay.loc[pay["po_id"] == "P2", "payee_name"] = "Shenzhen Stranger Electronics Co., Ltd."
    out = release.evaluate(frames, AS_OF).set_index("po_id")
    assert "paid to Shenzhen Stranger Electronics Co., Ltd., not the entity on the proforma " \
           "invoice" in out.loc["P2", "hold_reasons"]
    # P1's payments went to its PI entity (Ningbo Alpha Co., Ltd.): nothing to say about the payee
    assert "money on this order" not in str(out.loc["P1", "hold_reasons"])


def test_a_known_account_is_the_only_onshore_one_already_paid_into_and_anything_newer_needs_a_callback():
    frames = _frames()
    acc = frames["bank_accounts"]
    # S1's only account, never verified, but paid into before: known
    acc.loc[acc["bank_account_id"] == "BA1", ["verified_on", "verification_method", "is_verified"]] = [None, None, False]
    assert release.evaluate(frames, AS_OF).set_index("po_id").loc["P1", "payee_verified"] == "pass"
    # ...unless it is a change (e.g. offshore): to verify however often it was paid (the score's rule and the red
    # flag's, marts.bank_accounts.is_change)
    acc["is_change"] = acc["bank_account_id"].isin(["BA1", "BA3"])
    assert release.evaluate(frames, AS_OF).set_index("po_id").loc["P1", "payee_verified"] == "fail"
    acc["is_change"] = acc["bank_account_id"] == "BA3"
    # a call-back on BA3 clears S2's account
    acc.loc[acc["bank_account_id"] == "BA3", ["verified_on", "verification_method", "is_verified"]] = [
        "2024-06-21", "callback", True]
    assert release.evaluate(frames, AS_OF).set_index("po_id").loc["P3", "payee_verified"] == "pass"
    # ...but not when it happened after the build date (marts.bank_accounts.is_verified is false then)
    acc.loc[acc["bank_account_id"] == "BA3", ["verified_on", "is_verified"]] = ["2024-07-01", False]
    assert release.evaluate(frames, AS_OF).set_index("po_id").loc["P3", "payee_verified"] == "fail"


def test_data_the_import_does_not_carry_is_not_recorded_not_a_hold():
    """No bank accounts, changes or corrective actions imported, no document dates and no sample approvals at all:
    those conditions are 'not recorded' (listed as not checked), so P2 holds only for its AQL and P3 releases."""
    frames = _frames()
    for name in ("bank_accounts", "changes", "corrective_actions"):
        frames[name] = frames[name].iloc[0:0]
    frames["shipments"]["documents_received_on"] = None
    frames["orders"]["sample_approved_on"] = None
    out = release.evaluate(frames, AS_OF).set_index("po_id")
    assert out["verdict"].to_dict() == {"P1": "release", "P2": "hold", "P3": "release", "P6": "paid"}
    for cond in ("golden_sample_approved", "changes_confirmed", "no_open_critical_capa",
                 "shipping_documents_received"):
        assert (out[cond] == "not recorded").all()
    assert out.loc["P3", "not_checked"] == (
        "Golden sample approved; Every change confirmed in writing; No open critical corrective action; "
        "Shipping documents received; bank account (no bank accounts imported)")
    assert out.loc["P2", "hold_reasons"] == (
        "Pre-shipment inspection passed at the agreed AQL: inspection passed at AQL 4, looser than the agreed 2.5")


def test_payments_that_name_no_payee_leave_the_payee_check_to_the_proforma_invoice_and_say_so():
    """A payments ledger without the beneficiary: whom the money went to cannot be compared with the legal entity, so
    no order is held for it and every order lists the payee among what was not checked (the proforma invoice's entity
    and the bank account are still checked)."""
    frames = _frames()
    frames["payments"]["payee_name"] = None
    out = release.evaluate(frames, AS_OF).set_index("po_id")
    assert out["not_checked"].str.endswith("payee (no payment names whom the money went to)").all()
    assert not out["hold_reasons"].str.contains("paid to ").any()
    assert "payee (no payment" not in " ".join(release.evaluate(_frames(), AS_OF)["not_checked"])


ALL_FILES = {"purchase_orders", "suppliers", "inspections", "payments", "shipments", "bank_accounts", "changes",
             "corrective_actions"}


def test_without_a_payments_file_balances_are_unknown_not_the_whole_order():
    """A broker's export has orders and shipments but no payments: nothing is known to be paid or unpaid. Only the
    orders not shipped in full wait for a decision (P2, P6), their balances unknown; P1 and P3, shipped in full, are
    not said to owe their whole value, and P6 is not said to be paid."""
    frames = _frames()
    frames["payments"] = frames["payments"].iloc[0:0]
    out = release.evaluate(frames, AS_OF, imported=ALL_FILES - {"payments"}).set_index("po_id")
    assert list(out.index) == ["P2", "P6"]
    assert out[["paid_amount", "balance_outstanding", "deposit_at_risk"]].isna().all().all()
    assert not out["is_balance_due_soon"].any()
    # the checklist still decides: P2 holds for its AQL; P6 (paid in advance, which the data no longer shows) is not
    # ready (its inspection and its bill of lading still to come) instead of reading "paid"
    assert out["verdict"].to_dict() == {"P2": "hold", "P6": "not_ready"}
    assert out.loc["P6", "not_checked"].endswith("amount paid (no payments imported): the balance is unknown")
    # imported with no rows, the same file says nothing was paid: every recent unpaid order waits, in full
    empty = release.evaluate(frames, AS_OF, imported=ALL_FILES).set_index("po_id")
    assert set(empty.index) >= {"P1", "P2", "P3"}


def test_without_an_inspections_or_shipments_file_nothing_is_held_or_open_for_it():
    frames = _frames()
    out = release.evaluate(frames, AS_OF, imported=ALL_FILES - {"inspections"}).set_index("po_id")
    # P2 held only for its looser AQL before; with no inspections imported that check is not recorded
    assert (out["psi_passed"] == "not recorded").all()
    assert "Pre-shipment inspection" not in " ".join(out["hold_reasons"])
    assert out.loc["P1", "not_checked"].startswith("Pre-shipment inspection passed at the agreed AQL")
    # no shipments file: no order is known to be unshipped, so only the recent unpaid ones wait (P1, P2, P3)
    frames = _frames()
    out = release.evaluate(frames, AS_OF, imported=ALL_FILES - {"shipments"}).set_index("po_id")
    assert list(out.index) == ["P1", "P2", "P3"]
    assert out["is_shipped_in_full"].isna().all()
    assert release.evaluate(frames, AS_OF, imported=ALL_FILES - {"shipments", "payments"}).empty


def test_a_condition_switched_off_neither_holds_nor_is_shown():
    cfg = copy.deepcopy(release.load_config())
    cfg["conditions"]["shipping_documents_received"]["enabled"] = False
    cfg["conditions"]["psi_passed"]["enabled"] = False
    out = release.evaluate(_frames(), AS_OF, cfg).set_index("po_id")
    assert out.loc["P2", "hold_reasons"] == ("Every change confirmed in writing: material change of 2024-05-20 not "
                                             "confirmed in writing")
    assert out["shipping_documents_received"].isna().all() and out["psi_passed"].isna().all()


def test_an_order_with_nothing_shipped_past_its_promise_and_the_tolerance_is_late_to_ship():
    """P2 promised for 2024-06-20, nothing shipped by 06-30: marts.po_status has it resolved (the promise plus 3 days'
    tolerance passed), 10 days late: late to ship. P6 promised for 06-28, 2 days ago, within the tolerance: not yet.
    A shipped order (P1, P3) is never late to ship, whatever its days late."""
    frames = _frames()
    orders = frames["orders"].set_index("po_id")
    orders.loc["P2", ["promised_ship_on", "is_resolved", "days_late"]] = ["2024-06-20", True, 10]
    orders.loc["P6", ["promised_ship_on"]] = ["2024-06-28"]
    frames["orders"] = orders.reset_index()
    out = release.evaluate(frames, AS_OF).set_index("po_id")
    assert out["is_late_to_ship"].to_dict() == {"P1": False, "P2": True, "P3": False, "P6": False}
    assert out.loc["P2", "days_late"] == 10 and out.drop("P2")["days_late"].isna().all()
    # without a shipments file no order is known to be unshipped, so none is known to be late
    none = release.evaluate(frames, AS_OF, imported={"purchase_orders", "payments"})
    assert none["is_late_to_ship"].isna().all() and none["days_late"].isna().all()


def test_no_open_order_gives_an_empty_typed_frame():
    frames = _frames()
    frames["orders"] = frames["orders"][frames["orders"]["po_id"] == "P4"]
    out = release.evaluate(frames, AS_OF)
    assert out.empty and list(out.columns) == release.COLUMNS


def test_no_decided_inspection_no_open_critical_capa_and_no_current_account_are_empty_lookups():
    """Date lookups into empty frames (no PSI decided yet, no critical CAPA open, every account first seen after the
    build date) keep their type: each order fails or passes on its own, nothing breaks."""
    frames = _frames()
    frames["inspections"] = frames["inspections"][frames["inspections"]["result"] == "pending"]
    frames["corrective_actions"] = frames["corrective_actions"][frames["corrective_actions"]["capa_id"] == "C2"]
    frames["bank_accounts"]["first_seen_on"] = "2024-07-01"
    out = release.evaluate(frames, AS_OF).set_index("po_id")
    assert out.loc["P1", "hold_reasons"] == (
        "Pre-shipment inspection passed at the agreed AQL: shipped without a decided pre-shipment inspection; "
        "Payee is the contracting entity and the bank account is known or verified: no bank account on record for "
        "this supplier")
    assert (out["no_open_critical_capa"] == "pass").all()


def test_a_pass_on_sampling_after_a_discontinuation_does_not_release():
    """S1's major-defect inspection was discontinued after its lot of 2024-06-10 (no corrective action closed since):
    P1's PSI passed on 2024-06-18, on sampling the standard no longer allows, so P1 is held. P2 keeps its first
    reason (a looser AQL). S2 was discontinued on 2024-06-09, the day of P3's pass (not after it): P3's inspection
    condition passes. A class on tightened inspection changes nothing."""
    frames = _frames()
    frames["inspection_switching"] = pd.DataFrame({
        "supplier_id": ["S1", "S1", "S2"], "defect_class": ["major", "minor", "major"],
        "current_stage": ["discontinued", "tightened", "discontinued"],
        "last_transition_on": pd.to_datetime(["2024-06-10", "2024-05-01", "2024-06-09"])})
    out = release.evaluate(frames, AS_OF).set_index("po_id")
    assert out.loc["P1", "psi_passed"] == "fail" and out.loc["P1", "verdict"] == "hold"
    assert out.loc["P1", "hold_reasons"] == (
        "Pre-shipment inspection passed at the agreed AQL: passed on a sample though sampling was stopped on "
        "2024-06-10 (ISO 2859-1 discontinued inspection: 5 lots rejected on tightened inspection, no corrective "
        "action closed since): inspect every unit")
    assert out.loc["P2", "hold_reasons"].startswith("Pre-shipment inspection passed at the agreed AQL: inspection "
                                                    "passed at AQL 4, looser than the agreed 2.5")
    assert out.loc["P3", "psi_passed"] == "pass"
    # resumed on tightened (a corrective action closed): the pass counts again
    frames["inspection_switching"]["current_stage"] = "tightened"
    assert release.evaluate(frames, AS_OF).set_index("po_id").loc["P1", "verdict"] == "release"
