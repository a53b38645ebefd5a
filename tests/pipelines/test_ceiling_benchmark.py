"""benchmarks/ceiling.py's two references, worked by hand: the suppliers' test-period incident rates as scores (without
and with the order itself) and a pillar "measured perfectly" (its points handed out in the order of the true trait)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(ROOT / "benchmarks"))  # ceiling.py imports its sibling reweight.py, as when run as a script
    try:
        spec = importlib.util.spec_from_file_location("ceiling_bench", ROOT / "benchmarks" / "ceiling.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def test_hindsight_rates_by_hand(bench):
    # supplier A: incident, incident, clean; supplier B: clean, clean, incident
    orders = pd.DataFrame({"supplier_id": list("AAABBB"), "is_incident": [True, True, False, False, False, True],
                           "predicted_incident_probability": [0.9, 0.8, 0.3, 0.2, 0.1, 0.7],
                           "naive_baseline_probability": [0.5, 0.5, 0.5, 0.4, 0.4, 0.4]})
    got = bench.hindsight_auc(orders)
    # without the order: A's incidents get 1/2, A's clean order 2/2; B's clean orders 1/2, B's incident 0/2.
    # incidents {.5, .5, 0} vs clean {1, .5, .5}: each .5 wins nothing over 1 and ties twice (1 win), 0 wins none: 2/9
    assert got["leave_one_out"] == pytest.approx(2 / 9)
    # with it: A's orders 2/3, B's 1/3. incidents {2/3, 2/3, 1/3} vs clean {2/3, 1/3, 1/3}: 2.5 + 2.5 + 1 = 6 of 9
    assert got["with_itself"] == pytest.approx(6 / 9)
    # the model ranks every incident above every clean order but B's incident (0.7) above A's clean (0.3): 9 of 9
    assert got["model"] == pytest.approx(1.0)
    # naive: A's 0.5 beats B's 0.4: incidents {.5, .5, .4} vs clean {.5, .4, .4}: 2.5 + 2.5 + 1 = 6 of 9
    assert got["naive"] == pytest.approx(6 / 9)


def test_a_perfectly_measured_pillar_keeps_its_points_in_the_traits_order(bench):
    pillar = pd.Series({"a": 1.0, "b": 5.0, "c": 3.0})
    score = pillar + 10.0
    trait = pd.Series({"a": 0.3, "b": 0.1, "c": 0.2, "z": 0.9})  # a supplier without a score is ignored
    got = bench.perfect_pillar(score, pillar, trait)
    assert got.to_dict() == {"a": 15.0, "b": 11.0, "c": 13.0}
