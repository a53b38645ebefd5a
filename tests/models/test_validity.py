"""Validity report card: each metric on small hand-made cases (hand-computed, and against scikit-learn / scipy)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import precision_score, recall_score, roc_auc_score

from models import validity as v


def test_spearman_by_hand_and_scipy():
    x, y = [1, 2, 3, 4, 5], [5, 6, 7, 8, 7]
    # ranks of y with the tie averaged: 1, 2, 3.5, 5, 3.5; deviations from 3: x -2 -1 0 1 2, y -2 -1 .5 2 .5
    assert v.spearman(x, y) == pytest.approx(8 / math.sqrt(10 * 9.5))
    assert v.spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic)
    assert math.isnan(v.spearman([1, 2, 3], [4, 4, 4]))  # no ranking to agree with


def test_spearman_interval_resamples_pairs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    y = x + rng.normal(scale=0.5, size=60)
    lo, hi = v.spearman_interval(x, y, 500, seed=1)
    assert lo < v.spearman(x, y) < hi <= 1
    # the same draws by hand
    draws = np.random.default_rng(1)
    values = [stats.spearmanr(x[i], y[i]).statistic for i in (draws.integers(0, 60, 60) for _ in range(500))]
    assert (lo, hi) == pytest.approx((np.percentile(values, 2.5), np.percentile(values, 97.5)))


@pytest.mark.parametrize("n, decimals", [(4, 0), (5, 8), (40, 1), (300, 1)])
def test_all_draws_at_once_equal_scipy_draw_by_draw(n, decimals):
    """Ties (values rounded), draws that take one distinct value (NaN, skipped) and tiny samples: the count-weighted
    ranks give scipy's Spearman of every draw."""
    rng = np.random.default_rng(n)
    x = np.round(rng.normal(size=n), decimals)
    y = np.round(x + rng.normal(size=n), decimals)
    draws = rng.integers(0, n, (200, n))
    got = v._resampled_spearman(x, y, draws)
    expected = np.array([v.spearman(x[d], y[d]) for d in draws])
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got[~np.isnan(got)], expected[~np.isnan(expected)], rtol=0, atol=1e-12)
    if n == 4:
        assert np.isnan(got).any()  # some draw of 4 takes one distinct value


Y = np.array([1, 0, 1, 1, 0, 0, 0, 0, 0, 0])
SCORE = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])


@pytest.mark.parametrize("share, k", [(0.10, 1), (0.15, 2), (0.30, 3), (0.50, 5)])
def test_precision_and_capture_match_sklearn_without_ties(share, k):
    flagged = np.zeros(10, int)
    flagged[np.argsort(-SCORE)[:k]] = 1
    assert v.top_count(10, share) == k
    assert v.precision_at(Y, SCORE, share) == pytest.approx(precision_score(Y, flagged))
    assert v.capture_at(Y, SCORE, share) == pytest.approx(recall_score(Y, flagged))


def test_precision_and_capture_by_hand():
    assert v.precision_at(Y, SCORE, 0.30) == pytest.approx(2 / 3)  # 1, 0, 1 in the top three
    assert v.capture_at(Y, SCORE, 0.15) == pytest.approx(1 / 3)  # top two hold one of the three incidents
    assert v.capture_at(np.zeros(4), np.arange(4), 0.5) != v.capture_at(np.zeros(4), np.arange(4), 0.5)  # NaN
    assert v.precision_at(np.zeros(4), np.arange(4), 0.5) == 0.0


def test_ties_at_the_cut_count_at_their_average_over_every_tie_order():
    y = np.array([0, 1, 0, 0, 1, 0, 0, 0, 0, 0])
    score = np.array([0.9, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    # top 20% = 2 cases: the 0.9 (clean) and one of three tied at 0.5, of which one is an incident: 1/3 expected hit
    assert v.precision_at(y, score, 0.2) == pytest.approx((1 / 3) / 2)
    assert v.capture_at(y, score, 0.2) == pytest.approx((1 / 3) / 2)
    # the same as sklearn's precision averaged over every order of the tied cases
    tied = [1, 2, 3]
    values = []
    for order in itertools.permutations(tied):
        flagged = np.zeros(10, int)
        flagged[[0, order[0]]] = 1
        values.append(precision_score(y, flagged))
    assert v.precision_at(y, score, 0.2) == pytest.approx(np.mean(values))


def test_worst_share_takes_the_highest_values():
    assert v.worst([5, 1, 3, 9, 7], 0.4).tolist() == [False, False, False, True, True]
    assert v.worst([5, 1, 3, 9, 7], 0.1).tolist() == [False, False, False, True, False]  # at least one


def test_wilson_interval_by_hand():
    k, n = 3, 10
    z = stats.norm.ppf(0.975)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert v.wilson_interval(k, n) == pytest.approx((centre - half, centre + half))
    assert all(math.isnan(b) for b in v.wilson_interval(0, 0))


def test_edge_verdict_reads_the_interval():
    assert v.edge_verdict(0.001, 0.02) == "better than the naive baseline"
    assert v.edge_verdict(-0.03, -0.001) == "worse than the naive baseline"
    assert v.edge_verdict(-0.01, 0.02) == "not distinguishable from the naive baseline"
    assert v.edge_verdict(float("nan"), 0.02) == "no interval"


def test_band_calibration_by_hand():
    orders = pd.DataFrame({
        "risk_band": ["low", "low", "low", "low", "high", "high"],
        "supplier_id": ["S1", "S1", "S2", "S3", "S4", "S4"],
        "y": [1, 0, 0, 0, 1, 1],
        "predicted": [0.1, 0.2, 0.3, 0.4, 0.8, 0.9],
    })
    t = v.band_calibration(orders)
    assert t["risk_band"].tolist() == ["low", "high"]  # band order, the empty medium band left out
    assert t["n_orders"].tolist() == [4, 2] and t["n_suppliers"].tolist() == [3, 1]
    assert t["n_incidents"].tolist() == [1, 2]
    assert t["observed_rate"].tolist() == pytest.approx([0.25, 1.0])
    assert t["mean_predicted"].tolist() == pytest.approx([0.25, 0.85])
    assert (t.loc[0, "ci_low"], t.loc[0, "ci_high"]) == pytest.approx(v.wilson_interval(1, 4))


def _points(rows):
    return pd.DataFrame(rows, columns=["supplier_id", "pillar", "signal", "points"])


def test_stability_of_the_ranking_by_hand():
    # S1 10 points of pillar A, S2 11 of pillar B, S3 5 of A: ranking S2 > S1 > S3
    pts = _points([("S1", "A", "a", 10.0), ("S1", "B", "b", 0.0), ("S2", "A", "a", 0.0), ("S2", "B", "b", 11.0),
                   ("S3", "A", "a", 5.0), ("S3", "B", "b", 0.0)])
    t = v.stability(pts, change=0.2, draws=0, seed=0, top_share=0.2).set_index("scenario")
    assert list(t.index) == ["A x0.80", "A x1.20", "B x0.80", "B x1.20"]
    # A x1.2: S1 12 > S2 11 > S3 6, the top two swap: Spearman 1 - 6·(1 + 1)/(3·8) = 0.5, the top one changes
    assert t.loc["A x1.20", "spearman"] == pytest.approx(0.5)
    assert t.loc["A x1.20", "top_overlap"] == 0.0 and t.loc["A x1.20", "max_rank_shift"] == 1.0
    assert t.loc["B x0.80", "spearman"] == pytest.approx(0.5)  # S2 8.8 < S1 10
    assert t.loc["A x0.80", "spearman"] == pytest.approx(1.0) and t.loc["B x1.20", "top_overlap"] == 1.0
    wider = v.stability(pts, change=0.2, draws=0, seed=0, top_share=0.5).set_index("scenario")
    assert wider.loc["A x1.20", "top_overlap"] == 1.0  # the same two suppliers in the top two


def test_random_weight_draws_are_seeded_and_within_the_change():
    pts = _points([(f"S{i}", p, s, float((i * 7 + j * 3) % 11)) for i in range(12)
                   for j, (p, s) in enumerate([("A", "a1"), ("A", "a2"), ("B", "b1")])])
    a = v.stability(pts, 0.2, 50, seed=3, top_share=0.15)
    b = v.stability(pts, 0.2, 50, seed=3, top_share=0.15)
    pd.testing.assert_frame_equal(a, b)
    draws = a[a["pillar"].isna()]
    assert len(draws) == 50 and (draws["spearman"] > 0.5).all() and (draws["spearman"] <= 1).all()


def _evidence(truth_risk=None):
    """A hand-made warehouse: 6 test orders of 3 suppliers, their comparison row and the current score."""
    orders = pd.DataFrame({
        "po_id": [f"P{i}" for i in range(6)], "supplier_id": ["S1", "S1", "S2", "S2", "S3", "S3"],
        "ordered_on": pd.to_datetime(["2026-03-02"] * 6), "fold": 1,
        "is_incident": [True, True, False, True, False, False], "is_late": [True, False, False, True, False, False],
        "is_psi_failed": [False, True, False, False, False, False], "is_return_incident": False,
        "predicted_incident_probability": [0.9, 0.7, 0.2, 0.6, 0.1, 0.3],
        "rule_score": [60.0, 60.0, 30.0, 30.0, 10.0, 10.0], "rule_score_operations": [20.0, 20.0, 15.0, 15.0, 5.0, 5.0],
        "naive_baseline_probability": [0.5, 0.5, 0.4, 0.4, 0.2, 0.2],
        "risk_band": ["critical", "critical", "medium", "medium", "low", "low"]})
    comparison = pd.DataFrame([{"model_name": "model", "baseline_name": "naive_baseline", "n_test": 6,
                                "n_suppliers": 3, "roc_auc": 1.0, "baseline_roc_auc": 0.9, "auc_difference": 0.1,
                                "ci_low": 0.0, "ci_high": 0.3, "share_not_better": 0.2, "n_resamples": 10}])
    suppliers = pd.DataFrame({"supplier_id": ["S1", "S2", "S3"], "risk_score": [60.0, 30.0, 10.0],
                              "operations_points": [20.0, 15.0, 5.0],
                              "predicted_incident_probability": [0.8, 0.5, 0.2]})
    signals = _points([("S1", "quality", "q", 20.0), ("S1", "entity", "e", 40.0), ("S2", "quality", "q", 15.0),
                       ("S2", "entity", "e", 15.0), ("S3", "quality", "q", 5.0), ("S3", "entity", "e", 5.0)])
    return v.Evidence(comparison, pd.DataFrame(), orders, suppliers, signals)


def test_report_card_on_a_hand_made_warehouse():
    truth = pd.DataFrame({"supplier_id": ["S1", "S2", "S3"], "hidden_risk": [0.2, 0.9, 0.1]})
    card = v.report_card(_evidence(), truth)
    r = card.rows.set_index(["section", "metric", "subject"])
    # ground truth: S2 is the worst; the rule score ranks it second
    assert r.loc[("ground truth", "spearman_vs_hidden_risk", "rule_score"), "value"] == pytest.approx(0.5)
    assert r.loc[("ground truth", "worst_capture", "rule_score"), "value"] == 0.0  # top 15% of 3 = S1 only
    assert r.loc[("ground truth", "precision_at_top", "rule_score"), "value"] == 0.0
    # discrimination is the comparison row as stored; its verdict reads the interval (0.0 is not above 0)
    edge = r.loc[("discrimination", "auc_edge_vs_naive_baseline", "model")]
    assert (edge["value"], edge["ci_low"], edge["ci_high"]) == (0.1, 0.0, 0.3)
    assert edge["verdict"] == "not distinguishable from the naive baseline"
    # ranking on the orders: riskiest 15% of 6 = 1 order (the 0.9, an incident) of 3 incidents
    assert r.loc[("ranking", "precision_at_top", "model"), "value"] == 1.0
    assert r.loc[("ranking", "incident_capture", "model"), "value"] == pytest.approx(
        recall_score([1, 1, 0, 1, 0, 0], [1, 0, 0, 0, 0, 0]))
    # the rule score ties S1's two orders at the top: one of the two is expected in the top order, both incidents
    assert r.loc[("ranking", "precision_at_top", "rule_score"), "value"] == 1.0
    assert r.loc[("label", "share_of_incidents", "late"), "value"] == pytest.approx(2 / 3)
    assert r.loc[("label", "incident_rate", "test orders"), "value"] == pytest.approx(0.5)
    assert card.bands["risk_band"].tolist() == ["low", "medium", "critical"]
    assert card.bands["observed_rate"].tolist() == pytest.approx([0.0, 0.5, 1.0])
    assert r.loc[("calibration", "observed_rate_rises_with_band", "rule_score"), "value"] == 1.0
    # stability: S1 60 > S2 30 > S3 10; no ±20% of one pillar reorders them (entity x0.8: 52 > 27 > 9)
    assert r.loc[("stability", "min_spearman_one_pillar", "rule_score"), "value"] == pytest.approx(1.0)
    # in words, the pillar and its factor, not the scenario's code ("entity x0.80"); ties: the first scenario
    assert r.loc[("stability", "min_spearman_one_pillar", "rule_score"), "verdict"] == (
        "stable: the ranking moves most when the entity pillar's weight is ×0.80")
    lines = v.summary(card)
    assert lines[0].startswith("Against the known hidden risk of these suppliers, the rule score's ranking agrees "
                               "at Spearman 0.50")
    # at a glance, without statistics: the model's riskiest pick (an incident) against the base rate of 3 in 6, the
    # lowest and highest band, and the one worst supplier (S2) not in the score's riskiest 15% (S1)
    top = f"{v.load_config().precision_share:.0%}"
    assert v.headline(card) == [
        # the kinds of incident these orders had: late and failed inspections, no defect returns
        f"Of the orders the model rated riskiest (its top {top}), 100% went wrong (late or failed inspection), "
        "against 50% of all orders: 2.0 times as often.",
        # the supplier's own record (S1's two orders tie at the top, both incidents) against the edge's interval,
        # 0.0 … 0.3: its lower end is not above 0
        f"Ranking orders by each supplier's own past problem rate alone, 100% of its top {top} went wrong. Over all "
        "orders the model is not shown to rank better than that record on this data: the difference could be luck.",
        "Higher bands had more problems: 0% of orders from low-risk suppliers went wrong, 100% from critical-risk ones.",
        "Of the 1 supplier known to be worst, the score puts 0 in its riskiest 15%."]


@pytest.mark.parametrize("truth, said", [
    # a 2-supplier portfolio printed "agrees at Spearman nan (95% interval nan to nan …)"
    ({"S1": 0.2, "S2": 0.9}, "2 suppliers are too few to rank-correlate the score with it. Of the 1 truly worst "
                             "supplier it puts 0% in its own riskiest 15%"),
    ({"S1": 0.5, "S2": 0.5, "S3": 0.5}, "no rank correlation can be computed: every supplier has the same score or the "
                                        "same hidden risk. Of the 3 truly worst suppliers")])
def test_a_rank_correlation_that_cannot_be_computed_is_said_in_words(truth, said):
    frame = pd.DataFrame({"supplier_id": list(truth), "hidden_risk": list(truth.values())})
    card = v.report_card(_evidence(), frame)
    assert pd.isna(card.rows.set_index(["section", "metric", "subject"]).loc[
        ("ground truth", "spearman_vs_hidden_risk", "rule_score"), "value"])
    first = v.summary(card)[0]
    assert first.startswith("Against the known hidden risk of these suppliers, " + said) and "nan" not in first


@pytest.mark.parametrize("ci, said", [
    ((0.01, 0.3), "Over all orders the model ranks better than that record, by more than luck would."),
    ((-0.3, -0.01), "Over all orders that record ranks better than the model on this data: lean on the record."),
    ((float("nan"), float("nan")), None)])
def test_the_headline_sets_the_model_against_the_suppliers_own_record(ci, said):
    ev = _evidence()
    ev.comparison[["ci_low", "ci_high"]] = ci
    line = v.headline(v.report_card(ev, None))[1]
    # the naive baseline's riskiest order is one of S1's two (tied at 0.5, both incidents): 100%
    first = f"Ranking orders by each supplier's own past problem rate alone, 100% of its top {v.load_config().precision_share:.0%} went wrong."
    assert line == (first if said is None else f"{first} {said}")


@pytest.mark.parametrize("share, said", [(0.0, "0%"), (0.0021, "0.2%"), (0.0049, "0.5%"), (0.005, "0.5%"),
                                          (0.00004, "<0.01%"), (0.33, "33%"), (0.994, "99%"), (0.995, "99.5%"),
                                          (0.9999, "99.99%"), (0.99999, ">99.99%"), (1.0, "100%"), (float("nan"), "–")])
def test_shares_in_words_never_round_some_to_none_or_most_to_all(share, said):
    # on SCMS the naive baseline's riskiest tenth of orders was late 0.2% of the time: "0%" would say never
    assert v._pct(share) == said


def test_without_ground_truth_the_card_says_so_and_judges_orders():
    card = v.report_card(_evidence(), None)
    assert "ground truth" not in set(card.rows["section"])
    assert v.summary(card)[0].startswith("This data has no known ground truth")
    assert len(v.headline(card)) == 3  # nothing said of a ground truth it does not have


def test_bands_out_of_order_and_no_backtest_are_said_plainly():
    ev = _evidence()
    ev.orders["is_incident"] = [False, False, True, True, True, True]  # the low band fails most
    assert v.headline(v.report_card(ev, None))[2] == (
        "The bands do not rank problems in order here: 100% of orders from low-risk suppliers went wrong, 0% from "
        "critical-risk ones; read the score with care.")
    empty = v.ReportCard(pd.DataFrame(columns=["section", "metric", "subject", "value", "ci_low", "ci_high",
                                               "reference", "n", "verdict"]), pd.DataFrame(), pd.DataFrame())
    assert v.headline(empty)[0].startswith("Not judged yet")


def test_a_label_made_only_of_late_orders_is_called_a_late_order_backtest():
    ev = _evidence()
    ev.orders["is_psi_failed"] = False
    ev.orders["is_late"] = ev.orders["is_incident"]
    card = v.report_card(ev, None)
    text = " ".join(v.summary(card))
    assert "every incident here is a late order" in text and "late-order backtest" in text
    # at a glance too: on data without inspections or returns (SCMS) an order went wrong by being late, nothing else
    assert "% went wrong (late), against " in v.headline(card)[0]
    ev.orders["is_return_incident"] = ev.orders["is_incident"]
    assert "% went wrong (late or returned defective), against " in v.headline(v.report_card(ev, None))[0]
    # a label of failed inspections alone (no shipments file): said in words, not "a failed inspection order"
    ev.orders["is_late"] = False
    ev.orders["is_return_incident"] = False
    ev.orders["is_psi_failed"] = ev.orders["is_incident"]
    only_psi = v.report_card(ev, None)
    assert ("every incident here is an order that failed its inspection: the data carries no evidence of the other "
            "kinds, so this is a failed-inspection backtest") in " ".join(v.summary(only_psi))
    assert "% went wrong (failed inspection), against " in v.headline(only_psi)[0]
    # no kind recorded at all: every kind the label counts
    assert v._went_wrong(card.rows.iloc[0:0]) == "late, failed inspection or returned defective"


def test_ground_truth_file_needs_its_columns(tmp_path):
    cfg = v.load_config()
    bad = tmp_path / "truth.csv"
    bad.write_text("supplier_id,other\nS1,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="hidden_risk"):
        v.read_ground_truth(bad, cfg)
    assert v.read_ground_truth(tmp_path / "absent.csv", cfg) is None


def test_entity_and_payment_pillars_are_judged_on_the_planted_mismatches(tmp_path):
    ev = _evidence()
    ev.suppliers["entity_points"] = [1.0, 6.0, 0.0]
    ev.suppliers["transaction_points"] = [2.0, 0.0, 3.0]
    truth_file = tmp_path / "traits.csv"
    truth_file.write_text("supplier_id,hidden_risk,entity_mismatch\nS1,0.2,false\nS2,0.9,true\nS3,0.1,false\n",
                          encoding="utf-8")
    truth = v.read_ground_truth(truth_file, v.load_config())
    assert truth["entity_mismatch"].tolist() == [False, True, False]
    r = v.report_card(ev, truth).rows.set_index(["section", "metric", "subject"]).sort_index()
    auc = r.loc[("ground truth", "auc_vs_planted_entity_mismatch"), "value"]
    # S2 is the planted one: entity points 6 > 1, 0 (AUC 1); transaction 0 < 2, 3 (AUC 0); together 6 > 3, 3 (AUC 1)
    assert auc["entity_pillar"] == 1.0 and auc["transaction_pillar"] == 0.0 and auc["entity_and_transaction"] == 1.0
    assert auc["transaction_pillar"] == roc_auc_score([0, 1, 0], [2.0, 0.0, 3.0])
    assert r.loc[("ground truth", "auc_vs_planted_entity_mismatch", "entity_pillar"), "n"] == 1
    assert ("they rank the 1 supplier planted with a wrong legal entity or payee above the others with AUC 1.00"
            in " ".join(v.summary(v.report_card(ev, truth))))


def test_signal_value_matches_sklearn_and_hand_computed_lifts():
    # 10 orders of 4 suppliers: points 0 for 4 orders, 2 for 3, 5 for 3; incidents 1 + 2 + 2 = 5
    y = np.array([0, 0, 0, 1, 0, 1, 1, 1, 1, 0])
    points = np.array([0, 0, 0, 0, 2, 2, 2, 5, 5, 5], float)
    groups = ["A", "A", "B", "B", "C", "C", "C", "D", "D", "D"]
    r = v.signal_value(y, points, groups, v.im.cluster_draws(groups, 200, 1), top_share=0.10)
    assert r["auc"] == pytest.approx(roc_auc_score(y, points))
    # by hand: pairs (incident, clean) = 5 × 5; incident at 0 vs 3 clean at 0: 3 ties; at 2 (2 of them) beat the
    # 3 clean at 0, tie 1 at 2; at 5 (2) beat the 4 clean below, tie 1 at 5 → (0 + 1.5 + 2·3.5 + 2·4.5) / 25
    assert r["auc"] == pytest.approx((1.5 + 7 + 9) / 25)
    # top 10% of 10 = 1 order, tied among the three at 5 points (2 incidents of 3): rate 2/3 over 5/10
    assert r["top_decile_lift"] == pytest.approx((2 / 3) / 0.5)
    # orders with points: 6, 4 incidents → 4/6 over 5/10
    assert r["lift_with_points"] == pytest.approx((4 / 6) / 0.5)
    assert r["share_with_points"] == pytest.approx(0.6)
    assert (r["n_orders"], r["n_suppliers"], r["n_incidents"]) == (10, 4, 5)
    assert r["ci_low"] <= r["auc"] <= r["ci_high"]
    # the bootstrap AUCs are scikit-learn's with each supplier weighted by how often it was drawn
    clusters, draws = v.im.cluster_draws(groups, 5, 1)
    aucs = [roc_auc_score(y, points, sample_weight=d[clusters]) if 0 < (y * d[clusters]).sum() < d[clusters].sum()
            and ((1 - y) * d[clusters]).sum() > 0 else np.nan for d in draws]
    np.testing.assert_allclose(v.im.weighted_aucs(y, points, clusters, draws), aucs)


def test_signal_without_variation_or_outcome_gives_no_auc():
    flat = v.signal_value([0, 1, 1], [3.0, 3.0, 3.0], ["A", "B", "C"], None, 0.1)
    assert math.isnan(flat["auc"]) and flat["verdict"] == "no variation: every test order's supplier had 3 points"
    one = v.signal_value([1, 1], [0.0, 2.0], ["A", "B"], None, 0.1)
    assert math.isnan(one["auc"]) and one["verdict"] == "no test orders with and without an incident"


def test_signal_table_reads_points_as_of_the_month_end_before_the_order():
    history = pd.DataFrame({
        "supplier_id": ["S1", "S1", "S2", "S2", "S1", "S1", "S2", "S2"],
        "as_of": pd.to_datetime(["2026-01-31"] * 4 + ["2026-02-28"] * 4),
        "pillar": ["quality", "entity"] * 4, "signal": ["q", "e"] * 4,
        "points": [1.0, 0.0, 0.0, 0.0, 4.0, 0.0, 2.0, 0.0], "max_points": [5.0, 2.0] * 4})
    orders = pd.DataFrame({
        "po_id": ["P1", "P2", "P3", "P4", "P5"], "supplier_id": ["S1", "S1", "S2", "S2", "S3"],
        # an order reads the latest month end strictly before its date: P1 (on 2026-01-31) has none and is left
        # out, as is P5 (S3 has no score); P2 in March reads February (4); P3 on 2026-02-28 reads January (0)
        "ordered_on": pd.to_datetime(["2026-01-31", "2026-03-05", "2026-02-28", "2026-03-01", "2026-03-01"]),
        "is_incident": [True, True, False, True, True]})
    t = v.signal_table(orders, history, v.load_config(), unknown={"e"}).set_index("signal")
    # judged orders: P2 (q 4, incident), P3 (q 0, clean), P4 (q 2, incident); P1 and P5 have no earlier month end
    assert t.loc["q", "n_orders"] == 3 and t.loc["q", "n_incidents"] == 2
    assert t.loc["q", "auc"] == pytest.approx(roc_auc_score([1, 0, 1], [4.0, 0.0, 2.0]))
    assert t.loc["q", "max_points"] == 5.0 and t.loc["q", "pillar"] == "quality"
    assert t.loc["e", "verdict"].startswith("unknown") and math.isnan(t.loc["e", "auc"])
    assert list(t.index) == ["e", "q"]  # pillars in the score's order (entity before quality)
