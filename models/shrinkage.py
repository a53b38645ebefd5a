"""Empirical-Bayes shrinkage of rates toward a peer cohort (beta-binomial, method of moments).

A supplier with 1 failed inspection out of 2 is not a "50% failer": its observed rate is pulled toward the
rate of its peers, the more so the less evidence it has. The prior for each cohort is fitted by the method of
moments from the suppliers in that cohort; cohorts with too few suppliers fall back to a broader cohort.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


# mean(1/n) this close to 1 means every supplier has a single trial: τ² is not identifiable
_ALL_SINGLE_TRIALS = 1e-12


@dataclass(frozen=True)
class BetaPrior:
    """Beta(mean·strength, (1-mean)·strength): `strength` acts as that many pseudo-trials at `mean`."""

    mean: float
    strength: float
    suppliers: int = 0  # how many suppliers the prior was fitted on

    @property
    def alpha(self) -> float:
        return self.mean * self.strength

    @property
    def beta(self) -> float:
        return (1.0 - self.mean) * self.strength


def fit_beta_prior(k: np.ndarray, n: np.ndarray, min_strength: float, max_strength: float,
                   default_mean: float) -> BetaPrior:
    """Method-of-moments beta prior from per-supplier successes `k` out of trials `n` (suppliers with n > 0).

    mean = Σk / Σn (pooled); the between-supplier variance is the spread of the observed rates minus the part
    binomial sampling noise explains (mean·(1-mean)·avg(1/n)), divided by (1 - avg(1/n)) because under a
    beta-binomial Var(k/n) = τ²·(1 - 1/n) + mean·(1-mean)/n, so spread - noise estimates τ²·(1 - avg(1/n)),
    not τ²; strength = mean·(1-mean)/variance - 1, clipped to [min_strength, max_strength] (the clip handles
    "no excess spread" and tiny cohorts). When every n = 1 the rates say nothing about τ²: min_strength.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    keep = n > 0
    k, n = k[keep], n[keep]
    if len(n) == 0 or n.sum() == 0:
        return BetaPrior(default_mean, min_strength, 0)
    mean = float(k.sum() / n.sum())
    if len(n) < 2 or mean <= 0.0 or mean >= 1.0:
        return BetaPrior(mean, max_strength if len(n) >= 2 else min_strength, len(n))
    inv_n = float(np.mean(1.0 / n))
    if inv_n >= 1.0 - _ALL_SINGLE_TRIALS:
        return BetaPrior(mean, min_strength, len(n))  # every n = 1: no information about τ²
    p = k / n
    spread = float(np.var(p, ddof=1))
    noise = mean * (1.0 - mean) * inv_n
    excess = (spread - noise) / (1.0 - inv_n)
    strength = max_strength if excess <= 0 else mean * (1.0 - mean) / excess - 1.0
    return BetaPrior(mean, float(np.clip(strength, min_strength, max_strength)), len(n))


def shrink(k: np.ndarray, n: np.ndarray, mean: np.ndarray, strength: np.ndarray) -> np.ndarray:
    """Posterior mean rate (k + mean·strength) / (n + strength)."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    return (k + np.asarray(mean) * np.asarray(strength)) / (n + np.asarray(strength))


def fit_beta_priors_grouped(k: np.ndarray, n: np.ndarray, codes: np.ndarray, n_groups: int, min_strength: float,
                            max_strength: float, default_mean: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`fit_beta_prior` for every group at once (vectorised): per group mean, strength and supplier count."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    has = n > 0
    c = codes[has]
    kk, nn = k[has], n[has]
    p = kk / nn
    cnt = np.bincount(c, minlength=n_groups).astype(float)
    sk = np.bincount(c, kk, n_groups)
    sn = np.bincount(c, nn, n_groups)
    sp = np.bincount(c, p, n_groups)
    sp2 = np.bincount(c, p * p, n_groups)
    sinv = np.bincount(c, 1.0 / nn, n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(sn > 0, sk / sn, default_mean)
        spread = np.where(cnt >= 2, (sp2 - sp * sp / cnt) / (cnt - 1), 0.0)
        inv_n = np.where(cnt > 0, sinv / cnt, 0.0)
        noise = mean * (1 - mean) * inv_n
        single = inv_n >= 1.0 - _ALL_SINGLE_TRIALS
        excess = (spread - noise) / np.where(single, 1.0, 1.0 - inv_n)
        strength = np.where(excess > 0, mean * (1 - mean) / excess - 1.0, max_strength)
    degenerate = (mean <= 0) | (mean >= 1)
    strength = np.where(degenerate, max_strength, strength)
    strength = np.where(single & ~degenerate, min_strength, strength)
    strength = np.where(cnt < 2, min_strength, strength)
    return mean, np.clip(strength, min_strength, max_strength), cnt


def cohort_priors(frame: pd.DataFrame, k: str, n: str, levels: list[list[str]], min_suppliers: int,
                  min_strength: float, max_strength: float, default_mean: float,
                  groups: np.ndarray | None = None) -> pd.DataFrame:
    """Fit a prior for each row's cohort, falling back level by level when a cohort has too few suppliers.

    `levels` lists cohort definitions from narrowest to broadest (e.g. [["supplier_type", "main_category"],
    ["supplier_type"], []]); the last one should be [] (everyone). Returns columns prior_mean, prior_strength,
    cohort (a label such as "trading_company/kitchen"), aligned with `frame`. `groups` (an integer per row, e.g. the
    cutoff) fits every group separately in one pass: the same priors as calling this once per group's rows.
    """
    m = len(frame)
    group = np.zeros(m, dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    mean_out = np.full(m, np.nan)
    strength_out = np.full(m, np.nan)
    label_out = np.empty(m, dtype=object)
    todo = np.ones(m, dtype=bool)
    kv, nv = frame[k].to_numpy(dtype=float), frame[n].to_numpy(dtype=float)
    for li, cols in enumerate(levels):
        last = li == len(levels) - 1
        if not cols:
            labels = np.full(m, "all", dtype=object)
        elif len(cols) == 1:
            labels = frame[cols[0]].astype(str).to_numpy(dtype=object)
        else:
            labels = frame[cols[0]].astype(str).to_numpy(dtype=object)
            for col in cols[1:]:
                labels = labels + "/" + frame[col].astype(str).to_numpy(dtype=object)
        uniq, codes = np.unique(labels.astype(str), return_inverse=True)
        # one cohort per group and label; each cohort's sums add its rows in frame order, as a per-group call would
        cohorts, codes = np.unique(group * len(uniq) + codes.reshape(-1), return_inverse=True)
        mean, strength, cnt = fit_beta_priors_grouped(kv, nv, codes, len(cohorts), min_strength, max_strength,
                                                      default_mean)
        ok = todo & ((cnt[codes] >= min_suppliers) | last)
        mean_out[ok] = mean[codes[ok]]
        strength_out[ok] = strength[codes[ok]]
        label_out[ok] = labels[ok]
        todo &= ~ok
        if not todo.any():
            break
    return pd.DataFrame({"prior_mean": mean_out, "prior_strength": strength_out,
                         "cohort": pd.array(label_out, dtype="string")}, index=frame.index)
