"""Empirical-Bayes shrinkage: method-of-moments beta prior, posterior means, cohort fallback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.shrinkage import cohort_priors, fit_beta_prior, fit_beta_priors_grouped, shrink


def test_method_of_moments_hand_computed():
    # k = 1, 3, 0 of n = 10 each: mean 4/30 = 2/15; rates .1 .3 0 have sample variance 7/300;
    # binomial noise (2/15)(13/15)(1/10) = 13/1125; excess (7/300 − 13/1125) / (1 − 1/10) = (53/4500)(10/9)
    # = 53/4050; strength = (26/225)/(53/4050) − 1 = 468/53 − 1 = 415/53
    prior = fit_beta_prior(np.array([1, 3, 0]), np.array([10, 10, 10]), 1.0, 1000.0, 0.0)
    assert prior.mean == pytest.approx(2 / 15, abs=1e-12)
    assert prior.strength == pytest.approx(415 / 53, abs=1e-9)
    assert prior.alpha == pytest.approx(2 / 15 * 415 / 53)
    # posterior of the 1-of-10 supplier: (1 + (2/15)(415/53)) / (10 + 415/53)
    post = shrink(1, 10, prior.mean, prior.strength)
    assert post == pytest.approx((1 + 2 / 15 * 415 / 53) / (10 + 415 / 53), abs=1e-12)
    assert 0.1 < post < 2 / 15


def test_method_of_moments_corrects_for_small_n_hand_computed():
    # k/n = 0/2, 2/2, 1/4, 3/4: mean 6/12 = 1/2; rates 0, 1, 1/4, 3/4 around 1/2 → squared deviations
    # 1/4 + 1/4 + 1/16 + 1/16 = 5/8, sample variance 5/24; mean(1/n) = (1/2 + 1/2 + 1/4 + 1/4)/4 = 3/8;
    # noise (1/4)(3/8) = 3/32; spread − noise = 5/24 − 3/32 = 11/96 estimates τ²·(1 − 3/8), so
    # τ² = (11/96)/(5/8) = 11/60 and strength = (1/4)/(11/60) − 1 = 15/11 − 1 = 4/11
    # (without the 1 − mean(1/n) factor it would be 96/44 − 1 = 13/11)
    k, n = np.array([0, 2, 1, 3]), np.array([2, 2, 4, 4])
    prior = fit_beta_prior(k, n, 0.0, 1000.0, 0.0)
    assert prior.mean == pytest.approx(0.5, abs=1e-12)
    assert prior.strength == pytest.approx(4 / 11, abs=1e-12)
    mean, strength, cnt = fit_beta_priors_grouped(k, n, np.zeros(4, dtype=int), 1, 0.0, 1000.0, 0.0)
    assert mean[0] == pytest.approx(0.5, abs=1e-12)
    assert strength[0] == pytest.approx(4 / 11, abs=1e-12)


def test_every_supplier_with_one_trial_falls_back_to_the_weakest_prior():
    # n = 1 for everyone: rates are 0 or 1 and carry no information about the between-supplier variance
    k, n = np.array([1, 0, 0, 1, 0]), np.ones(5)
    prior = fit_beta_prior(k, n, 4.0, 200.0, 0.0)
    assert prior.mean == pytest.approx(0.4)
    assert prior.strength == 4.0
    mean, strength, _ = fit_beta_priors_grouped(k, n, np.zeros(5, dtype=int), 1, 4.0, 200.0, 0.0)
    assert strength[0] == 4.0


def test_simulated_strength_is_recovered_at_two_trials_per_supplier():
    # true prior Beta(1.5, 8.5): mean .15, strength 10; 400 suppliers with 2 trials each, 200 repetitions
    rng = np.random.default_rng(20261101)
    true_mean, true_strength = 0.15, 10.0
    estimates = []
    for _ in range(200):
        p = rng.beta(true_mean * true_strength, (1 - true_mean) * true_strength, 400)
        n = np.full(400, 2)
        estimates.append(fit_beta_prior(rng.binomial(n, p), n, 0.0, 1e9, 0.0).strength)
    assert abs(np.median(estimates) / true_strength - 1) <= 0.30


def test_no_excess_spread_gives_the_strongest_prior_and_clips():
    # rates .5 and 0 with n = 2 and 1: spread 1/8 is below the binomial noise 1/6 → max strength
    prior = fit_beta_prior(np.array([1, 0]), np.array([2, 1]), 4.0, 200.0, 0.0)
    assert prior.mean == pytest.approx(1 / 3)
    assert prior.strength == 200.0
    # a single supplier: the weakest prior
    assert fit_beta_prior(np.array([1]), np.array([4]), 4.0, 200.0, 0.0).strength == 4.0
    # nobody has evidence: the default mean
    assert fit_beta_prior(np.array([0]), np.array([0]), 4.0, 200.0, 0.07).mean == 0.07


def test_one_clean_observation_stays_near_the_prior():
    prior_mean, strength = 0.2, 20.0
    assert shrink(0, 1, prior_mean, strength) == pytest.approx(4 / 21)  # (0 + 4) / (1 + 20)
    assert shrink(0, 0, prior_mean, strength) == pytest.approx(0.2)
    assert shrink(0, 1000, prior_mean, strength) == pytest.approx(4 / 1020)


def test_grouped_fit_equals_the_scalar_fit_per_group():
    rng = np.random.default_rng(3)
    n = rng.integers(0, 40, 300)
    k = rng.binomial(n, rng.beta(2, 12, 300))
    codes = rng.integers(0, 5, 300)
    mean, strength, cnt = fit_beta_priors_grouped(k, n, codes, 5, 2.0, 500.0, 0.0)
    for g in range(5):
        ref = fit_beta_prior(k[codes == g], n[codes == g], 2.0, 500.0, 0.0)
        assert mean[g] == pytest.approx(ref.mean, abs=1e-12)
        assert strength[g] == pytest.approx(ref.strength, rel=1e-9)
        assert cnt[g] == ref.suppliers


def test_small_cohorts_fall_back_to_the_broader_level():
    frame = pd.DataFrame({
        "supplier_type": ["m"] * 4 + ["t"] * 2,
        "k": [1, 2, 0, 3, 5, 4],
        "n": [10, 10, 10, 10, 10, 10],
    })
    out = cohort_priors(frame, "k", "n", [["supplier_type"], []], min_suppliers=3, min_strength=1.0,
                        max_strength=1000.0, default_mean=0.0)
    assert list(out["cohort"]) == ["m"] * 4 + ["all"] * 2
    assert out["prior_mean"].iloc[0] == pytest.approx(6 / 40)
    assert out["prior_mean"].iloc[5] == pytest.approx(15 / 60)
