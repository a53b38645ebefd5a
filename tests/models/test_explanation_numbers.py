"""Counts in the score's explanations read as the pages write numbers: with thousands separators."""

from __future__ import annotations

import pandas as pd

from dashboard import display
from models import scoring, signals, wording


def test_counts_in_explanations_have_thousands_separators():
    f = pd.DataFrame({"as_of": pd.to_datetime(["2026-10-31"] * 3), "major_units": [3391.0, 999.0, 1_234_567.0]})
    x = signals.Context(f, pd.DataFrame({"supplier_id": []}), {"windows": {}, "evidence": {"cohort_levels": []}}, {}, True, None, {})
    assert x.ints("major_units") == ["3,391", "999", "1,234,567"]
    assert x.text(x.ints("major_units"), " units sampled") == ["3,391 units sampled", "999 units sampled",
                                                               "1,234,567 units sampled"]


def test_a_count_takes_its_noun_in_the_right_number():
    assert wording.count_words(1, "lot") == "1 lot"
    assert wording.count_words(0, "lot") == "0 lots"
    assert wording.count_words(1234, "broken rule") == "1,234 broken rules"
    assert wording.count_words(2, "administrative penalty", "administrative penalties") == "2 administrative penalties"
    assert wording.counts_words([1.0, 3.0], "year") == ["1 year", "3 years"]
    assert display.count_words is wording.count_words  # one definition, the pages read it through display


def _context(f: pd.DataFrame, sup: pd.DataFrame, name: str) -> signals.Context:
    cfg = {**scoring.load_config(), "evidence": {"cohort_levels": []}}  # no rates here: no cohorts needed
    x = signals.Context(f, sup.set_index("supplier_id", drop=False), cfg, {}, True, None, {})
    x.name = name
    return x


def test_explanations_say_one_lot_and_three_lots_and_money_with_its_sign():
    ids = ["S1", "S2", "S3"]
    f = pd.DataFrame({"as_of": pd.to_datetime(["2026-10-31"] * 3), "supplier_id": ids,
                      "payee_count": [1, 2, 0], "payments_n": [1, 5, 0],
                      "overdue_deposits": [4330.0, 0.0, 1_250_000.0], "spend_12m": [10_000.0, 5_000.0, 0.0]})
    sup = pd.DataFrame({"supplier_id": ids, "litigation_cases": [1, 3, None], "admin_penalties": [0, 1, 2],
                        "is_verified": [True, False, True], "alibaba_store_years": [1.0, 5.0, None]})
    assert signals.payee_changes(_context(f, sup, "payee_changes")).explanation == [
        "1 distinct payee used over 1 payment", "2 distinct payees used over 5 payments",
        "0 distinct payees used over 0 payments"]
    assert signals.public_records(_context(f, sup, "public_records")).explanation == [
        "1 litigation case and 0 administrative penalties in public records",
        "3 litigation cases and 1 administrative penalty in public records",
        "0 litigation cases and 2 administrative penalties in public records"]
    assert signals.marketplace_profile(_context(f, sup, "marketplace_profile")).explanation == [
        "verified badge, store open 1 year (badges count for little)",
        "no verified badge, store open 5 years (badges count for little)",
        "verified badge, store age unknown (badges count for little)"]
    grace = scoring.load_config()["windows"]["overdue_deposit_grace_days"]
    assert signals.deposits_at_risk(_context(f, sup, "deposits_at_risk")).explanation[::2] == [
        f"$4,330 paid on orders past their promised ship date + {grace} days with nothing shipped (43.3% of 12-month "
        "spend)",
        f"$1,250,000 paid on orders past their promised ship date + {grace} days with nothing shipped (100.0% of "
        "12-month spend)"]
