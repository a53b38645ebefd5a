"""A signal's reading in words wherever it is shown (the Supplier page's signal table and evidence column, the
score's "what changed since last month"): what each signal's evidence counts, and how a rate with no evidence at all
is said. No streamlit, so models/, pipelines/ and dashboard/ share one wording."""

from __future__ import annotations

import pandas as pd

# What each signal's evidence_n counts (models/signals.py, the Reading's n), so the Evidence column says its unit on
# every row ("12 pre-shipment inspections", "$35,787 of quality costs"), never a bare 35,787 beside 12.
_PAID = ("order with its balance paid", "orders with their balance paid")
EVIDENCE_COUNTS: dict[str, tuple[str, str]] = {
    "psi_failure_rate": ("pre-shipment inspection", "pre-shipment inspections"),
    "major_defects_vs_aql": ("unit sampled", "units sampled"), "critical_defects": ("unit sampled", "units sampled"),
    "bulk_vs_sample_drift": ("unit sampled", "units sampled"),
    "defect_return_rate": ("unit sold", "units sold"), "not_as_described_rate": ("unit sold", "units sold"),
    "passed_but_defective": ("passed lot on sale long enough to judge", "passed lots on sale long enough to judge"),
    "changes_after_sample": ("recent change", "recent changes"),
    "undocumented_changes": ("recent change", "recent changes"),
    "corrective_actions": ("corrective action asked", "corrective actions asked"),
    "late_rate": ("due order", "due orders"), "severe_late_rate": ("due order", "due orders"),
    "lead_time_variability": ("completed order", "completed orders"),
    "customs_hold_rate": ("delivered shipment", "delivered shipments"),
    "doc_error_rate": ("delivered shipment", "delivered shipments"),
    "payee_consistency": ("payment", "payments"), "payee_changes": ("payment", "payments"),
    "outside_trade_assurance": ("payment", "payments"), "balance_before_psi": _PAID, "cost_overrun": _PAID,
    "bank_account_changes": ("bank account", "bank accounts"),
    "legal_entity_consistency": ("name compared", "names compared"),
    "audit": ("audit on record", "audits on record"), "background_checks": ("check", "checks"),
    "price_jumps": ("reorder", "reorders"), "price_drift": ("reorder", "reorders"),
}
EVIDENCE_MONEY = {"quality_cost_share": "of quality costs", "deposits_at_risk": "paid on overdue orders"}
# signals read from the supplier's own record (one row: nothing to count)
EVIDENCE_RECORD = {"registration_id", "public_records", "operating_status", "subcontracting", "marketplace_profile",
                   "ip_protection"}
# signals that are a rate shrunk towards the peers (models/signals.py, Context.rate): with no evidence at all a
# supplier is scored at its cohort's mean (docs/risk-score.md, "Honest statistics")
RATE_SIGNALS = {"psi_failure_rate", "major_defects_vs_aql", "critical_defects", "defect_return_rate",
                "not_as_described_rate", "passed_but_defective", "late_rate", "severe_late_rate", "customs_hold_rate",
                "doc_error_rate", "outside_trade_assurance", "balance_before_psi", "price_jumps"}


def _blank(value: object) -> bool:
    return value is None or bool(pd.isna(value))


def explanation_words(signal: str, explanation: object, n: object, raw: object, prior: object) -> str:
    """The score's explanation of a signal, a rate with no evidence at all said in words: "0 of 0 lots … (sample-
    size adjusted 8.1%, peer average 8.1%)" giving 0.6 points reads "No passed lots on sale long enough to judge yet:
    scored at its peers' average rate, 8.1%, …". The points are the score's (a supplier without evidence is taken to
    be like its peers, docs/risk-score.md); only the words change."""
    if signal in RATE_SIGNALS and not _blank(n) and float(n) == 0 and _blank(raw) and not _blank(prior):
        return (f"No {EVIDENCE_COUNTS[signal][1]} yet: scored at its peers' average rate, {float(prior) * 100:,.1f}%, "
                "as every supplier without evidence is, until its own record shows")
    return str(explanation)
