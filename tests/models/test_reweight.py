"""models/reweight.py: the non-negative logistic fit and the half-step proposal, on hand-made cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from models import reweight


def _synthetic(n: int = 4000, seed: int = 3):
    rng = np.random.default_rng(seed)
    shares = pd.DataFrame({"strong": rng.random(n), "weak": rng.random(n), "harmful": rng.random(n)})
    dataset = np.where(np.arange(n) < n // 2, "a", "b")
    # two portfolios with different base rates; 'harmful' lowers risk, which a risk score must not reward
    z = -1.5 + 2.5 * shares["strong"] + 0.5 * shares["weak"] - 1.0 * shares["harmful"] + np.where(dataset == "a",
                                                                                                  0.0, 1.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return shares, y, dataset


def test_fit_matches_an_unconstrained_logistic_regression_where_no_bound_binds():
    shares, y, dataset = _synthetic()
    free = shares[["strong", "weak"]]
    coef = reweight.fit_signal_weights(free, y, dataset, l2=0.0)
    # the same model by scikit-learn: the dataset as a dummy column next to its own intercept, no penalty
    x = free.assign(b=(dataset == "b").astype(float))
    ref = LogisticRegression(C=np.inf, max_iter=5000, tol=1e-10).fit(x, y).coef_[0]
    assert coef["strong"] == pytest.approx(ref[0], abs=2e-3) and coef["weak"] == pytest.approx(ref[1], abs=2e-3)
    assert coef["strong"] > coef["weak"] > 0


def test_a_signal_that_lowers_risk_gets_no_weight():
    shares, y, dataset = _synthetic()
    coef = reweight.fit_signal_weights(shares, y, dataset)
    assert coef["harmful"] == 0.0 and coef["strong"] > 2 * coef["weak"] > 0


def test_proposal_moves_half_way_keeps_the_total_the_floor_and_unjudged_signals():
    current = pd.Series({"a": 8.0, "b": 4.0, "c": 4.0, "d": 2.0, "entity": 5.0})
    coef = pd.Series({"a": 0.0, "b": 3.0, "c": 1.0, "d": 0.0})
    # judged a, b, c (d never varied, 'entity' is not in the fit): budget 16; fit 0 / 12 / 4
    p = reweight.propose_points(current, coef, varied={"a", "b", "c"})
    # half way: a 4, b 8, c 4; all at least 1 point, total 16 → exact halves, nothing to round
    assert p.to_dict() == {"a": 4.0, "b": 8.0, "c": 4.0, "d": 2.0, "entity": 5.0}
    # the whole way: a would get 0, the floor lifts it to 1 and the other two share the 15 left: 11.25 / 3.75 →
    # halves 11.0 / 4.0 (ties to even), total 16
    p = reweight.propose_points(current, coef, varied={"a", "b", "c"}, step=1.0)
    assert p.to_dict() == {"a": 1.0, "b": 11.0, "c": 4.0, "d": 2.0, "entity": 5.0}
    assert p.sum() == current.sum()
    # a floor that lifts some signals pushes another under it, which is lifted in turn: the fit gives a, b, c, e
    # 0 / 14 / 2 / 0 of 16; a and e are lifted to 2, b and c share the 12 left (10.5 / 1.5), so c is lifted too and
    # b keeps 10
    four = pd.Series({"a": 4.0, "b": 4.0, "c": 4.0, "e": 4.0})
    p = reweight.propose_points(four, pd.Series({"a": 0.0, "b": 14.0, "c": 2.0, "e": 0.0}), varied=set(four.index),
                                step=1.0, floor=2.0)
    assert p.to_dict() == {"a": 2.0, "b": 10.0, "c": 2.0, "e": 2.0} and p.sum() == 16
    # no evidence at all: nothing moves
    assert reweight.propose_points(current, coef * 0, varied={"a", "b"}).equals(current)
