"""Re-weighting the risk score's signals by their evidence (issue #16, "calibrate the rule score").

The quality, delivery and commercial signals are judged against the next-order incident label: each signal's share
of its max points (0..1) at the month end before every backtest test order is a feature of a logistic regression with
NON-NEGATIVE coefficients (a worse value never lowers risk, as in the score's own maps) and one intercept per dataset
(portfolios differ in their base rate, which says nothing about a signal). The coefficients say how much one full
signal is worth next to the others once their overlap is accounted for (failed inspections, major defects and defect
returns all see the same bad factory).

Points then move part of the way (`step`, a half step by default) from the configured points toward the fitted ones,
within the same total, so one run never rewrites the score and the score stays absolute and explainable:
- a signal that never varied in the design backtests (`no evidence`) keeps its points: absence of evidence is not
  evidence of no value (a control like "change after sample approval" is rare by design);
- no signal falls below `floor` points (the others share the rest in proportion): every signal in the registry measures a risk the sourcing playbook names, even
  when a next-order label does not see it;
- points are rounded to `granularity` and the total is kept exact (the rounding difference goes to the largest).

Entity and payment signals are not re-weighted here: they measure a fraud risk a late or failed lot does not show and
are judged on their own ground truth (docs/validity.md). Pure functions over frames; the driver that builds the
design datasets and prints the proposal is benchmarks/reweight.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize

JUDGED_PILLARS = ("quality", "delivery", "commercial")


def fit_signal_weights(shares: pd.DataFrame, y, dataset, l2: float = 1e-3) -> pd.Series:
    """Non-negative logistic regression of `y` (1 = incident) on the signal shares (columns of `shares`, 0..1), with
    one free intercept per value of `dataset` and an L2 penalty `l2` on the signal coefficients (none on the
    intercepts). Returns the coefficients by signal (≥ 0), in log-odds per full signal."""
    x = shares.to_numpy(dtype=float)
    y = np.asarray(y, dtype=float)
    codes, _ = pd.factorize(pd.Series(dataset).astype(str))
    d = np.eye(codes.max() + 1)[codes]
    k = x.shape[1]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        b, a = theta[:k], theta[k:]
        z = x @ b + d @ a
        # log(1 + e^z) - y z, computed stably
        value = np.mean(np.logaddexp(0.0, z) - y * z) + l2 * np.sum(b ** 2)
        g = (1.0 / (1.0 + np.exp(-z)) - y) / len(y)
        return value, np.concatenate([x.T @ g + 2 * l2 * b, d.T @ g])

    res = minimize(loss, np.zeros(k + d.shape[1]), jac=True, method="L-BFGS-B",
                   bounds=[(0.0, None)] * k + [(None, None)] * d.shape[1])
    return pd.Series(res.x[:k], index=shares.columns, name="coefficient")


def propose_points(current: pd.Series, coefficients: pd.Series, varied: set[str] | frozenset[str],
                   step: float = 0.5, floor: float = 1.0, granularity: float = 0.5) -> pd.Series:
    """New max points for the signals of `current` (their configured max points): the signals in `varied` (they
    varied in the design backtests, so the fit could judge them) move `step` of the way from their points toward the
    fit's (coefficients scaled to the same total), are kept at or above `floor`, rounded to `granularity`, and their
    total is unchanged; the others keep their points. The index and order of `current` are kept."""
    judged = [s for s in current.index if s in varied]
    budget = float(current[judged].sum())
    coef = coefficients.reindex(judged).fillna(0.0).clip(lower=0.0)
    if not judged or coef.sum() <= 0:
        return current.copy()
    fitted = coef / coef.sum() * budget
    p = (1 - step) * current[judged] + step * fitted
    # signals under the floor are lifted to it and the others share what is left in proportion, until none of those
    # falls under the floor in turn
    floored = pd.Series(False, index=p.index)
    while ((p < floor) & ~floored).any():
        floored |= p < floor
        rest = p[~floored]
        p = pd.concat([pd.Series(floor, index=p.index[floored]),
                       rest / rest.sum() * (budget - floor * floored.sum())]).reindex(p.index)
    rounded = (p / granularity).round() * granularity
    rounded[rounded.idxmax()] += budget - rounded.sum()
    out = current.astype(float).copy()
    out[judged] = rounded
    return out
