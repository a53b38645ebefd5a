"""Blind-spot statistics against values worked out by hand or computed independently with scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from models.blind_spot import (
    InspectionSettings,
    blind_spot,
    blind_spot_note,
    jeffreys_interval,
    lot_evidence,
    lot_plans,
    portfolio_prior,
    return_propensity,
    switching,
)

SETTINGS = InspectionSettings(
    field_return_maturity_days=120, target_escape_probability=0.10, default_inspection_level="II",
    default_aql_major=2.5, default_aql_minor=4.0, default_aql_critical=0.0, prior_strength_units=50,
    lot_effective_units_cap=200, credible_level=0.9, recommendation_levels=("I", "II", "III"),
)


def lot(po, supplier="S", day="2024-01-01", lot_size=1000, sample=80, major=0, minor=0, critical=0,
        passed=True, mature=True, delivered=1000, returns=0, reinspected=False, aql_major=2.5):
    return {"po_id": po, "supplier_id": supplier, "inspected_on": pd.Timestamp(day), "lot_size": lot_size,
            "inspection_level": "II", "aql_critical": 0.0, "aql_major": aql_major, "aql_minor": 4.0,
            "sample_size": sample, "major_defects": major, "minor_defects": minor, "critical_defects": critical,
            "passed_psi": passed, "is_mature": mature, "delivered_quantity": delivered,
            "defect_return_units": returns, "is_reinspected": reinspected, "is_escape": False,
            "escaped_value": 0.0}


def test_jeffreys_interval_matches_beta_quantiles_and_edges():
    lower, upper = jeffreys_interval(np.array([3, 0, 10, 0]), np.array([10, 10, 10, 0]), 0.9)
    assert lower[0] == pytest.approx(stats.beta.ppf(0.05, 3.5, 7.5))
    assert upper[0] == pytest.approx(stats.beta.ppf(0.95, 3.5, 7.5))
    assert lower[1] == 0.0 and upper[1] == pytest.approx(stats.beta.ppf(0.95, 0.5, 10.5))
    assert upper[2] == 1.0 and lower[2] == pytest.approx(stats.beta.ppf(0.05, 10.5, 0.5))
    assert np.isnan(lower[3]) and np.isnan(upper[3])


def test_lot_plans_flag_a_sample_smaller_than_the_plan():
    lots = pd.DataFrame([lot("A", lot_size=10_000, sample=200), lot("B", lot_size=10_000, sample=125),
                         lot("C", lot_size=500, sample=None)])
    plans = lot_plans(lots)
    # 10 000 at level II: letter L, n 200; AQL 2.5 -> Ac 10 Re 11 (the issue's worked example)
    assert plans.loc[0, ["major_code_letter", "major_plan_sample_size", "major_plan_accept",
                         "major_plan_reject"]].tolist() == ["L", 200, 10, 11]
    assert plans["is_plan_followed"].tolist() == [True, False, False]
    # 500 at level II: letter H (n 50); AQL 2.5 -> 3/4, AQL 4.0 -> 5/6
    assert plans.loc[2, ["major_plan_sample_size", "major_plan_accept", "minor_plan_accept"]].tolist() == [50, 3, 5]


def test_return_propensity_and_capped_evidence_by_hand():
    lots = pd.DataFrame([
        lot("A", sample=100, major=4, delivered=1000, returns=10),   # shipped as inspected, mature
        lot("B", sample=100, major=2, delivered=2000, returns=10),   # shipped as inspected, mature
        lot("C", sample=100, major=9, passed=False, reinspected=True, delivered=1000, returns=1),  # reworked
        lot("D", sample=50, major=1, mature=False, delivered=500, returns=0),  # too recent for field evidence
    ])
    # pooled over A and B: field 20 / 3000, sample 6 / 200 -> q = (20/3000) / (6/200) = 2/9
    q = return_propensity(lots)
    assert q == pytest.approx(2 / 9)
    ev = lot_evidence(lots, q, cap=200)
    # A: 100 sample + 1000 * 2/9 field units = 322.2 units, 14 defects -> scaled by 200/322.2
    scale_a = 200 / (100 + 2000 / 9)
    assert ev.loc[0, "evidence_units"] == pytest.approx(200)
    assert ev.loc[0, "evidence_defects"] == pytest.approx(14 * scale_a)
    # C: reworked, no field evidence; 100 units, 9 defects, under the cap
    assert ev.loc[2, ["evidence_units", "evidence_defects", "field_effective_units"]].tolist() == [100, 9, 0]
    # D: not mature, sample only
    assert ev.loc[3, ["evidence_units", "evidence_defects"]].tolist() == [50, 1]
    alpha, beta = portfolio_prior(ev, 50)
    pooled = ev["evidence_defects"].sum() / ev["evidence_units"].sum()
    assert alpha == pytest.approx(50 * pooled) and beta == pytest.approx(50 * (1 - pooled))


def test_posterior_matches_hand_computed_beta():
    # No field evidence (nothing mature): the posterior is the prior plus the sample counts.
    lots = pd.DataFrame([lot("A", "S1", sample=80, major=2, mature=False),
                         lot("B", "S1", day="2024-02-01", sample=80, major=6, mature=False),
                         lot("C", "S2", lot_size=200, sample=32, major=0, mature=False)])
    lots = lots.join(lot_plans(lots))
    sup, out = blind_spot(lots, SETTINGS)
    sup = sup.set_index("supplier_id")
    # prior mean = pooled 8 / 192; strength 50 -> Beta(2.0833, 47.9167); S1 adds 8 defects in 160 units
    a, b = 50 * 8 / 192 + 8, 50 * (1 - 8 / 192) + 152
    s1 = sup.loc["S1"]
    assert s1["posterior_alpha"] == pytest.approx(a) and s1["posterior_beta"] == pytest.approx(b)
    assert s1["defect_rate_estimate"] == pytest.approx(a / (a + b))  # 0.048016
    assert s1["defect_rate_estimate"] == pytest.approx(0.048016, abs=1e-6)
    assert s1["defect_rate_lower"] == pytest.approx(stats.beta.ppf(0.05, a, b))
    assert s1["defect_rate_upper"] == pytest.approx(stats.beta.ppf(0.95, a, b))
    # current plan: lot 1000, II, 2.5 -> n 80, Ac 5; P(accept) hypergeometric at the estimate
    expected = stats.hypergeom.cdf(5, 1000, round(a / (a + b) * 1000), 80)
    assert s1["p_accept_current_plan"] == pytest.approx(expected)
    assert out.loc[out["po_id"] == "A", "p_accept_at_estimate"].item() == pytest.approx(expected)
    assert s1["is_above_aql"]
    assert s1["recommended_level"] in ("I", "II", "III")
    assert s1["p_accept_recommended"] <= 0.10 and s1["recommendation_meets_target"]


def test_note_reads_like_the_issue_example():
    note = blind_spot_note(0.061, 0.58, "level II AQL 2.5: 200 samples, accept 10", 2.5,
                           "level III AQL 1.0: 315 samples, accept 7", 0.09, True)
    assert note == ("At an estimated 6.1% defect rate, 58% of this supplier's lots would pass your current plan "
                    "(level II AQL 2.5: 200 samples, accept 10); switch to level III AQL 1.0: 315 samples, accept 7 "
                    "to cut that to 9%.")
    keep = blind_spot_note(0.01, 0.99, "level II AQL 2.5: 200 samples, accept 10", 2.5, None, None, True)
    assert keep.endswith("within your AQL of 2.5%, so passing them is right: keep the plan.")


def test_switching_through_the_step_matches_a_hand_replay():
    # Lot 1000, level II, AQL 2.5: normal J n 80 Ac 5 Re 6; tightened J n 80 Ac 3 Re 4 (Table II-B).
    majors = [6, 0, 7, 0, 0, 0, 0, 0, 0]
    lots = pd.DataFrame([lot(f"P{i}", day=f"2024-01-{i + 1:02d}", major=d, passed=d <= 5)
                         for i, d in enumerate(majors)])
    lots = lots.join(lot_plans(lots))
    out = switching(lots).suppliers.set_index("defect_class")
    major = out.loc["major"]
    # Hand replay: lot 0 rejected, lot 2 rejected (2 of 3) -> tightened from lot 3; lots 3-7 accepted (5 in a
    # row) -> normal from lot 8; lot 8 on normal with 0 defects: Ac 5 >= 2 and 0 <= Ac 3 of the 1.5 column
    # in row J -> switching score 3.
    assert major["current_stage"] == "normal"
    assert major["transitions"] == 2
    assert major["last_transition_po_id"] == "P7"
    assert (major["last_transition_from"], major["last_transition_to"]) == ("tightened", "normal")
    assert major["switching_score"] == 3
    assert major["lots_replayed"] == 9
    assert (major["next_sample_size"], major["next_accept"], major["next_reject"]) == (80, 5, 6)
    # minor and critical: never rejected; minor (Ac 7 at 4.0) earns 3 a lot -> 27 after 9 lots, still normal
    assert out.loc["minor", "current_stage"] == "normal" and out.loc["minor", "switching_score"] == 27
    # critical (AQL 0, accept 0) earns no points by policy
    assert out.loc["critical", "switching_score"] == 0 and out.loc["critical", "transitions"] == 0


def test_settings_parse_and_refuse_unknown_levels():
    values = {"field_return_maturity_days": "120", "target_escape_probability": "0.1",
              "default_inspection_level": "II", "default_aql_major": "2.5", "default_aql_minor": "4.0",
              "default_aql_critical": "0", "prior_strength_units": "50", "lot_effective_units_cap": "200",
              "credible_level": "0.9", "recommendation_levels": "I II III"}
    assert InspectionSettings.from_mapping(values) == SETTINGS
    with pytest.raises(ValueError, match="unknown level"):
        InspectionSettings.from_mapping({**values, "recommendation_levels": "II IV"})


def test_the_docs_worked_example_is_what_the_engine_computes():
    from pathlib import Path

    from models.aql import acceptance_probability, recommend_plan, sampling_plan

    doc = (Path(__file__).resolve().parents[2] / "docs" / "inspection-blind-spot.md").read_text()
    plan = sampling_plan(10_000, 2.5, "II")
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == ("L", 200, 10, 11)
    exact = sum(stats.binom.pmf(d, 200, 0.05) for d in range(11))
    assert acceptance_probability(200, 10, 0.05) == pytest.approx(exact)
    assert f"{exact:.3f}" == "0.583" and "**0.583**" in doc and "0.5830671820811717" in doc
    rec = recommend_plan(10_000, 0.05, 0.10, levels=("I", "II", "III"))
    assert (rec.plan.level, rec.plan.aql, rec.plan.sample_size, rec.plan.accept) == ("I", 0.25, 50, 0)
    assert "level I, AQL 0.25 (n = 50, accept 0): P(accept) = 0.076" in doc and f"{rec.p_accept:.3f}" == "0.076"


def test_switching_judges_a_short_sample_by_the_psi_decision():
    # 10 lots of 10 000 units (level II, AQL 2.5 -> normal L n 200, Ac 10, Re 11) sampled 80 each with 6 major
    # defects (7.5 %), all failed at PSI. 6 < Re 11 would call them accepted and earn points up to reduced; the
    # inspector's decision instead rejects lots 0 and 1 (tightened) and lots 2-6 on tightened (discontinued).
    lots = pd.DataFrame([lot(f"P{i}", day=f"2024-01-{i + 1:02d}", lot_size=10000, sample=80, major=6,
                             passed=False) for i in range(10)])
    lots = lots.join(lot_plans(lots))
    major = switching(lots).suppliers.set_index("defect_class").loc["major"]
    assert major["current_stage"] == "discontinued"
    assert major["switching_score"] == 0 and major["tightened_rejections"] == 5
    assert (major["last_transition_po_id"], major["last_transition_to"]) == ("P6", "discontinued")


def test_prior_is_floored_at_one_half_when_the_portfolio_has_no_defects():
    none = pd.DataFrame({"evidence_units": [80.0, 32.0], "evidence_defects": [0.0, 0.0]})
    # pooled rate 0: Beta(0 x 50, 50) would be degenerate; floored at Beta(1/2, 50)
    assert portfolio_prior(none, 50) == (0.5, 50.0)
    empty = pd.DataFrame({"evidence_units": [0.0], "evidence_defects": [0.0]})
    assert portfolio_prior(empty, 50) == (0.5, 50.0)
    # The floored prior's mean 0.5 / 50.5 = 0.0099 lies inside its 90% equal-tailed interval.
    assert stats.beta.ppf(0.05, 0.5, 50) < 0.5 / 50.5 < stats.beta.ppf(0.95, 0.5, 50)


def test_a_blank_major_count_adds_no_sample_evidence_and_no_switching_points():
    # as read from the mart: Int64 counts, <NA> where the brand left the count blank
    lots = pd.DataFrame([
        lot("A", day="2024-01-01", sample=100, major=4, delivered=1000, returns=10),
        lot("B", day="2024-02-01", sample=100, major=None, delivered=2000, returns=10),
        lot("C", day="2024-03-01", sample=80, major=0, delivered=1000, returns=0),
    ])
    lots["major_defects"] = lots["major_defects"].astype("Int64")
    # q uses only lots with a count, A and C: field 10 / 2000, sample 4 / 180 -> q = 0.005 / (4/180) = 0.225.
    # Reading B as "100 units, 0 defects" would give (20 / 4000) / (4 / 280) = 0.35.
    q = return_propensity(lots)
    assert q == pytest.approx(0.225)
    ev = lot_evidence(lots, q, cap=200)
    # B: no sample units or defects; its field evidence still counts: 10 returns in 0.225 x 2000 = 450 units,
    # scaled to the 200-unit cap (x 4/9): 200 units, 40/9 defects
    assert ev.loc[1, ["sample_units", "sample_defects"]].tolist() == [0, 0]
    assert ev.loc[1, "field_effective_units"] == pytest.approx(450)
    assert ev.loc[1, "evidence_units"] == pytest.approx(200)
    assert ev.loc[1, "evidence_defects"] == pytest.approx(40 / 9)
    # A: 100 sample + 225 field units, 4 + 10 defects, scaled by 200 / 325
    assert ev.loc[0, "evidence_defects"] == pytest.approx(14 * 200 / 325)
    # switching, major (lot 1000, II, AQL 2.5: n 80, Ac 5; one step tighter, AQL 1.5: Ac 3): A (4 > 3) resets to 0,
    # B has no count and enters as its pass (no points), C (0 ≤ 3) earns 3. Read as 0, B would have earned 3 more.
    major = switching(lots.join(lot_plans(lots))).suppliers.set_index("defect_class").loc["major"]
    assert (major["lots_replayed"], major["switching_score"], major["current_stage"]) == (3, 3, "normal")


def test_a_closed_corrective_action_resumes_a_discontinued_supplier_on_tightened():
    # Lot 1000, level II, AQL 2.5: normal J n 80 Ac 5 Re 6, tightened J n 80 Ac 3 Re 4 (Table II-B). Seven lots with
    # 7 major defects (rejected on either plan): lots 0-1 tighten, lots 2-6 are the 5 rejections that discontinue.
    days = ["2024-01-05", "2024-02-05", "2024-03-05", "2024-04-05", "2024-05-05", "2024-06-05", "2024-07-05",
            "2024-08-05", "2024-09-05"]
    majors = [7] * 7 + [2, 7]
    lots = pd.DataFrame([lot(f"P{i}", day=d, major=m, passed=m <= 5) for i, (d, m) in enumerate(zip(days, majors))])
    lots = lots.join(lot_plans(lots))
    capa = pd.DataFrame({"supplier_id": ["S", "S", "S"], "capa_id": ["C-1", "C-2", "C-3"],
                         "closed_on": pd.to_datetime(["2024-07-05", "2024-07-20", "2024-07-25"])})
    # Without actions, lots 7 and 8 are inspected while discontinued and change nothing.
    alone = switching(lots)
    assert alone.lot_stages["major_stage"].tolist() == ["normal"] * 2 + ["tightened"] * 5 + ["discontinued"] * 2
    assert alone.suppliers.set_index("defect_class").loc["major", "current_stage"] == "discontinued"
    # C-1 closed on the day of the discontinuing lot (before the discontinuation took effect): it does not count.
    # C-2, closed 2024-07-20, is the first after it: lot 7 is on tightened (2 <= Ac 3, accepted), lot 8 rejected.
    out = switching(lots, capa)
    assert out.lot_stages["major_stage"].tolist() == ["normal"] * 2 + ["tightened"] * 5 + ["tightened"] * 2
    major = out.suppliers.set_index("defect_class").loc["major"]
    assert (major["current_stage"], major["tightened_rejections"], major["times_discontinued"]) == ("tightened", 1, 1)
    assert (major["last_transition_from"], major["last_transition_to"]) == ("discontinued", "tightened")
    assert major["last_transition_reason"] == "corrective action C-2 closed 2024-07-20: resumed on tightened"
    assert major["last_transition_po_id"] is None
    assert pd.Timestamp(major["last_transition_on"]) == pd.Timestamp("2024-07-20")
    assert (major["next_sample_size"], major["next_accept"], major["next_reject"]) == (80, 3, 4)
    # An action closed only after the last lot resumes the next lot; the lots keep the stage they were inspected on.
    late = pd.DataFrame({"supplier_id": ["S"], "capa_id": ["C-9"], "closed_on": pd.to_datetime(["2024-10-01"])})
    after = switching(lots, late)
    assert after.lot_stages["major_stage"].tolist() == alone.lot_stages["major_stage"].tolist()
    major = after.suppliers.set_index("defect_class").loc["major"]
    assert (major["current_stage"], major["transitions"], major["last_transition_po_id"]) == ("tightened", 3, None)
    assert pd.Timestamp(major["last_transition_on"]) == pd.Timestamp("2024-10-01")
    # another supplier's action resumes nothing
    other = switching(lots, late.assign(supplier_id="T"))
    assert other.suppliers.set_index("defect_class").loc["major", "current_stage"] == "discontinued"
