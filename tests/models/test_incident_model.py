"""Incident model: hand-computed features, point-in-time guarantees, labels, metrics and the estimator."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from models import incident_model as im
from pipelines import loaders


@pytest.fixture
def cfg():
    return im.load_config()


@pytest.fixture
def tiny_inputs(tiny_con):
    return loaders.load_inputs(tiny_con)


@pytest.fixture(scope="module")
def demo_inputs(demo_db):
    import duckdb

    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        return loaders.load_inputs(con)
    finally:
        con.close()


def _order(inp, po_id):
    return inp.orders[inp.orders["po_id"] == po_id].reset_index(drop=True)


def test_hand_computed_feature_row(tiny_inputs, cfg):
    """P5: supplier S2 orders 300 × B1 at 11.00 by wire on 2024-05-01; everything below is worked by hand."""
    f = im.order_features(tiny_inputs, _order(tiny_inputs, "P5"), cfg=cfg).iloc[0]
    assert f["prior_orders"] == 1  # P4
    assert f["log_quantity_vs_usual"] == pytest.approx(math.log(300 / 200))
    assert f["price_change_vs_prev"] == pytest.approx(11.0 / 10.0 - 1)
    assert f["past_psi_count"] == 1  # I4 passed; portfolio PSIs before May: 1 fail of 4
    assert f["past_psi_fail_rate"] == pytest.approx((0 + 5 * 0.25) / (1 + 5))
    # critical + major defects 9 in 272 sampled units portfolio-wide; none in S2's 32
    assert f["past_psi_defect_rate"] == pytest.approx((0 + 500 * 9 / 272) / (32 + 500))
    assert f["sku_past_psi_fail_rate"] == pytest.approx((0 + 5 * (1.25 / 6)) / (1 + 5))
    assert f["sku_last_psi_defect_rate"] == 0 and f["sku_last_psi_failed"] == 0
    w = math.exp(-81 * math.log(2) / 120)  # I4 on 2024-02-10 is 81 days before the order
    assert f["recent_psi_fail_rate"] == pytest.approx((0 * w + 1.25 / 6) / (w + 1))
    assert f["past_late_known"] == 1 and f["past_late_rate"] == 0  # P4 shipped a day early
    # early label, known the day after promise + 14 days for every order: P1 (02-16), P3 (03-16), P4 (03-01) on time
    # with no failed PSI; P2 (04-16) had I2 fail on 04-05. Portfolio 1 of 4; S2 has P4 only (0 of 1)
    assert f["past_early_known"] == 1 and f["portfolio_early_incident_rate"] == pytest.approx(0.25)
    assert f["past_early_incident_rate"] == pytest.approx((0 + 5 * 0.25) / (1 + 5))
    w_early = math.exp(-61 * math.log(2) / 120)  # P4's early label is known on 2024-03-01, 61 days before
    assert f["recent_early_incident_rate"] == pytest.approx((0 * w_early + 1.25 / 6) / (w_early + 1))
    assert f["portfolio_psi_fail_rate"] == pytest.approx(0.25)
    assert f["portfolio_defect_return_rate"] == pytest.approx(4 / 1700)
    assert f["past_mean_days_late"] == -1
    assert np.isnan(f["past_first_ship_days_cv"])  # one shipped order: no spread yet
    assert f["past_delivered_units"] == 200  # H5; wrong_item return R4 is not defect-coded
    # portfolio before May: 1,700 units delivered, 4 defect-coded units returned (R1 defective, R3 missing_parts)
    assert f["past_defect_return_rate"] == pytest.approx((0 + 5000 * 4 / 1700) / (200 + 5000))
    assert f["past_payment_count"] == 0  # Y5 is dated after the order
    # portfolio balances before May: Y2 after P1's PSI pass, Y4 (04-06) before P2's pass (04-08): 1 of 2 early
    assert f["past_balance_before_psi_share"] == pytest.approx((0 + 5 * 0.5) / (0 + 5))
    assert f["is_outside_ta_order"] == 1
    assert f["past_quality_cost_share"] == pytest.approx(150 / 2000)  # Q2 against P4's 2,000 of spend
    assert f["past_closed_orders"] == 0 and f["past_incident_rate"] == 0  # nothing closed yet
    assert np.isnan(f["days_since_audit"]) and f["audit_result"] == "none"
    assert f["supplier_age_days"] == (date(2024, 5, 1) - date(2023, 9, 1)).days
    # S2's code 91330782MA2J0ABC2X has the USCC shape, but its check character should be '8' (GB 32100-2015):
    # the model judges registrations with the score's one rule (models.entity), so it is not valid
    assert f["has_valid_registration"] == 0 and f["is_trading_company"] == 1 and f["alibaba_store_years"] == 3
    assert f["is_pi_entity_mismatch"] == 0 and f["mold_owner"] == "supplier"


def test_price_change_is_the_score_price_step_from_an_earlier_day(tiny_inputs, cfg):
    """P5 (S2, B1 at 11.00, 2024-05-01) against S2's P4 at 10.00, as the score's price_steps pairs them: another
    supplier's order of the same SKU in between (S1 at 20.00) is not S2's previous price, and an S2 order of B1 on
    P5's own day (at 30.00, PO id before it) is not dated before P5, so neither moves the feature."""
    p5 = _order(tiny_inputs, "P5")
    other = p5.assign(po_id="PX1", supplier_id="S1", unit_price=20.0, day=p5["day"] - 5)
    same_day = p5.assign(po_id="P0", unit_price=30.0)
    inp = replace(tiny_inputs, orders=pd.concat([tiny_inputs.orders, other, same_day], ignore_index=True))
    f = im.order_features(inp, p5, cfg=cfg).iloc[0]
    assert f["price_change_vs_prev"] == pytest.approx(11.0 / 10.0 - 1)


def test_labels_on_hand_written_rows(tiny_inputs, cfg):
    """Every order closes at promise + 14 days (late_incident_days) + the horizon, whatever happened to it."""
    out = im.order_outcomes(tiny_inputs, replace(cfg, outcome_horizon_days=40)).set_index("po_id")
    # P1 (promise 02-01) closes 03-26: H1 (delivered 03-10) counts, R1 (3 defective, returned 04-10) does not
    assert out.loc["P1", "close_day"] == im.to_day(date(2024, 3, 26))
    assert out.loc["P1", "delivered_units"] == 1000 and out.loc["P1", "defect_return_units"] == 0
    assert not out.loc["P1", "is_late"] and not out.loc["P1", "is_incident"]  # shipped 2 days late: tolerated
    assert out.loc["P2", "is_psi_failed"] and out.loc["P2", "is_incident"]  # I2 failed (I3 passed later)
    assert not out.loc["P2", "is_late"]  # shipped 04-10 for 04-01: 9 days is within 14
    # P3 (promise 03-01) closes 04-24: H4 (03-26) and H3 (04-03) delivered, R3 (04-20, missing parts) inside
    assert out.loc["P3", "close_day"] == im.to_day(date(2024, 4, 24))
    assert out.loc["P3", "defect_return_units"] == 1 and out.loc["P3", "delivered_units"] == 500
    assert out.loc["P3", "defect_return_rate"] == pytest.approx(1 / 500)
    assert not out.loc["P3", "is_return_incident"]  # 0.2% is under the 3% threshold
    # P4 shipped on 02-14 for a 02-15 promise: on time; its wrong_item return is not defect-coded
    assert not out.loc["P4", "is_late"] and out.loc["P4", "defect_return_units"] == 0
    # P5 never shipped: it still closes (07-25) and is late, so it is labelled an incident, not left out
    assert out.loc["P5", "close_day"] == im.to_day(date(2024, 7, 25))
    assert out.loc["P5", "is_late"] and out.loc["P5", "is_incident"] and out.loc["P5", "delivered_units"] == 0
    # a 60-day horizon closes P1 on 04-15, after R1: 3 of 1,000 units back (0.3%, still under 3%)
    longer = im.order_outcomes(tiny_inputs, replace(cfg, outcome_horizon_days=60)).set_index("po_id")
    assert longer.loc["P1", "close_day"] == im.to_day(date(2024, 4, 15))
    assert longer.loc["P1", "defect_return_units"] == 3 and not longer.loc["P1", "is_return_incident"]


def test_a_portfolio_without_a_failed_inspection_or_a_defect_return_is_labelled(tiny_inputs, cfg):
    """A one-supplier brand with no failed pre-shipment inspection stopped the build ("Invalid comparison between
    dtype=str and ndarray": the empty rows' close days were text, not numbers): its orders are labelled by lateness
    alone, as they are without those rows."""
    ins, ret = tiny_inputs.inspections, tiny_inputs.returns
    clean = replace(tiny_inputs, inspections=ins[ins["result"] != "fail"],
                    returns=ret[~ret["is_defect_coded"].fillna(False).astype(bool)])
    out = im.order_outcomes(clean, replace(cfg, outcome_horizon_days=40)).set_index("po_id")
    assert not out["is_psi_failed"].any() and not out["is_return_incident"].any()
    assert (out["defect_return_units"] == 0).all()
    assert out["is_incident"].to_dict() == out["is_late"].to_dict()
    assert out.loc["P5", "is_incident"] and not out.loc["P2", "is_incident"]  # P2's failed PSI is gone


def test_without_a_shipments_file_no_order_is_known_to_be_late(tiny_inputs, cfg):
    """No shipments imported: nothing is known to have shipped, so no order is late (P5, never shipped, was), and
    the label is the failed inspections alone (P2); the lateness history is unknown, not 'every order late'."""
    blind = replace(tiny_inputs, shipments=tiny_inputs.shipments.iloc[0:0], shipments_known=False)
    out = im.order_outcomes(blind, replace(cfg, outcome_horizon_days=40)).set_index("po_id")
    assert not out["is_late"].any()
    assert out["is_incident"].to_dict() == out["is_psi_failed"].to_dict()
    assert out.loc["P2", "is_incident"] and not out.loc["P5", "is_incident"]
    feats = im.order_features(blind, blind.orders, cfg=cfg)
    assert (feats["past_late_known"] == 0).all()
    # the same empty shipments read as 'imported, none shipped' still make every due order late
    known = im.order_outcomes(replace(blind, shipments_known=True), replace(cfg, outcome_horizon_days=40))
    assert known.set_index("po_id").loc["P5", "is_late"]


def test_which_orders_are_labelled_does_not_depend_on_their_outcome(demo_inputs, cfg):
    """The close date is a function of the promise alone: a late or failed order closes with its on-time peers."""
    out = im.order_outcomes(demo_inputs, cfg).merge(demo_inputs.orders[["po_id", "promised_day"]], on="po_id")
    expected = out["promised_day"] + demo_inputs.late_incident_days + cfg.outcome_horizon_days
    assert (out["close_day"] == expected).all()
    unshipped = out[out["first_shipped_day"].isna()]
    assert len(unshipped) and unshipped["is_late"].all()


def _truncate(inp: im.Inputs, day: int) -> im.Inputs:
    """What the brand's exports looked like the day before `day`."""
    sh = inp.shipments[inp.shipments["shipped_day"] < day].copy()
    sh.loc[sh["delivered_day"] >= day, "delivered_day"] = np.nan
    sup = inp.suppliers.copy()
    sup.loc[sup["last_audit_day"] >= day, ["last_audit_day", "last_audit_result"]] = [np.nan, None]
    return im.Inputs(
        suppliers=sup, products=inp.products, orders=inp.orders[inp.orders["day"] < day], shipments=sh,
        inspections=inp.inspections[inp.inspections["day"] < day], payments=inp.payments[inp.payments["day"] < day],
        returns=inp.returns[inp.returns["day"] < day], quality_costs=inp.quality_costs[inp.quality_costs["day"] < day],
        late_incident_days=inp.late_incident_days)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_exact=False, rtol=1e-9)


def test_features_use_only_data_dated_before_the_order(demo_inputs, cfg):
    """Features of an order from the full data equal those computed from the data as it stood the day before."""
    orders = demo_inputs.orders.sort_values(["day", "po_id"]).reset_index(drop=True)
    picks = orders.iloc[np.linspace(len(orders) * 0.3, len(orders) - 1, 6).astype(int)]
    full = im.order_features(demo_inputs, picks, cfg=cfg)
    for i, (_, order) in enumerate(picks.iterrows()):
        past = _truncate(demo_inputs, int(order["day"]))
        alone = im.order_features(past, picks.iloc[[i]], cfg=cfg)
        _same(full.iloc[[i]], alone)


def test_rows_dated_on_or_after_the_order_change_nothing(demo_inputs, cfg):
    """Append alarming rows dated on and after an order's date (failed PSIs, defect returns, wire payments to
    another payee, a late shipment, a pricier re-order, quality costs): its features and every
    earlier order's features are unchanged."""
    orders = demo_inputs.orders.sort_values(["day", "po_id"]).reset_index(drop=True)
    target = orders.iloc[int(len(orders) * 0.6)]
    d, s, sku = int(target["day"]), target["supplier_id"], target["sku"]
    before = orders[orders["day"] <= d]
    base = im.order_features(demo_inputs, before, cfg=cfg)
    po = target["po_id"]
    earlier_po = orders[(orders["supplier_id"] == s) & (orders["day"] < d)]["po_id"].iloc[-1]
    inp = demo_inputs
    days = [d, d + 1, d + 40]
    polluted = im.Inputs(
        suppliers=inp.suppliers, products=inp.products,
        orders=pd.concat([inp.orders, pd.DataFrame({
            "po_id": [f"X-PO-{k}" for k in range(3)], "supplier_id": s, "sku": sku, "day": days,
            "promised_day": [x + 5 for x in days], "quantity": 99_999, "unit_price": 999.0,
            "is_outside_trade_assurance": True, "pi_entity_name": "Somebody Else Holdings Limited"})],
            ignore_index=True),
        shipments=pd.concat([inp.shipments, pd.DataFrame({
            "shipment_id": [f"X-SH-{k}" for k in range(3)], "po_id": [earlier_po, po, "X-PO-0"],
            "shipped_day": days, "delivered_day": [x + 1 for x in days], "quantity": 50_000, "doc_errors": 9})],
            ignore_index=True),
        inspections=pd.concat([inp.inspections, pd.DataFrame({
            "inspection_id": [f"X-IN-{k}" for k in range(3)], "po_id": [earlier_po, po, "X-PO-1"],
            "inspection_type": "PSI", "day": days, "result": "fail", "sample_size": 80, "critical_defects": 5,
            "major_defects": 40})], ignore_index=True),
        payments=pd.concat([inp.payments, pd.DataFrame({
            "payment_id": [f"X-PAY-{k}" for k in range(3)], "po_id": [earlier_po, po, "X-PO-2"], "day": days,
            "kind": "balance", "payee_name": "Somebody Else Holdings Limited",
            "is_outside_trade_assurance": True})], ignore_index=True),
        returns=pd.concat([inp.returns, pd.DataFrame({
            "return_id": [f"X-RET-{k}" for k in range(3)], "sku": sku, "po_id": [earlier_po, po, None], "day": days,
            "quantity": 5_000, "reason": "defective", "supplier_id": s, "is_defect_coded": True})], ignore_index=True),
        quality_costs=pd.concat([inp.quality_costs, pd.DataFrame({
            "cost_id": [f"X-QC-{k}" for k in range(3)], "po_id": [earlier_po, po, None], "supplier_id": s,
            "day": days, "amount": 1e6})], ignore_index=True),
        late_incident_days=inp.late_incident_days)
    after = im.order_features(polluted, before, cfg=cfg)
    _same(base, after)
    # and the pollution is visible to an order placed after it (the test can fail)
    later = im.order_features(polluted, target.to_frame().T.assign(day=d + 41), cfg=cfg).iloc[0]
    own = base.iloc[int(np.flatnonzero(before["po_id"].to_numpy() == po)[0])]
    assert later["past_psi_count"] >= own["past_psi_count"] + 3
    assert later["past_psi_fail_rate"] > own["past_psi_fail_rate"]


def test_labels_agree_with_po_status(demo_con, demo_inputs, cfg):
    """For orders closed by the build date: a failed PSI and a late incident (shipped more than 14 days after the
    promise, or not shipped at all) mean the same as marts.po_status."""
    as_of = demo_con.execute("select as_of from ingest.build_info").fetchone()[0]
    out = im.order_outcomes(demo_inputs, cfg)
    out = out[out["close_day"] <= im.to_day(as_of)]
    po = demo_con.execute("select po_id, has_failed_psi, is_late_incident from marts.po_status").df()
    m = out.merge(po, on="po_id", validate="one_to_one")
    assert len(m) > 1000
    assert (m["is_psi_failed"] == m["has_failed_psi"]).all()
    assert (m["is_late"] == m["is_late_incident"]).all()


def test_top_decile_lift_counts_ties_at_their_average():
    y = np.array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0])  # base rate 0.2
    p = np.array([0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    assert im.top_share_lift(y, p, 0.1) == pytest.approx(1.0 / 0.2)
    tied = np.full(10, 0.5)
    assert im.top_share_lift(y, tied, 0.2) == pytest.approx(1.0)  # ties cannot flatter a score


def test_calibration_table_is_equal_count_and_exact():
    y = np.array([0, 0, 1, 0, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.4, 0.8, 0.9])
    t = im.calibration_table(y, p, 3)
    assert t["n"].tolist() == [2, 2, 2]
    assert t["mean_predicted"].tolist() == pytest.approx([0.15, 0.35, 0.85])
    assert t["observed_rate"].tolist() == pytest.approx([0.0, 0.5, 1.0])


def test_naive_baseline_shrinks_toward_the_prior():
    frame = pd.DataFrame({"past_incidents": [0, 3], "past_closed_orders": [0, 5]})
    got = im.naive_baseline(frame, prior_rate=0.2, strength=5)
    assert got.tolist() == pytest.approx([0.2, (3 + 1) / 10])


def test_rule_score_is_the_latest_before_the_order():
    frame = pd.DataFrame({"supplier_id": ["S1", "S1", "S2"], "day": [100, 131, 131]})
    hist = pd.DataFrame({"supplier_id": ["S1", "S1"], "as_of_day": [99, 131], "risk_score": [40.0, 70.0]})
    got = im.attach_rule_score(frame, hist)["rule_score"]
    assert got.iloc[0] == 40.0 and got.iloc[1] == 40.0  # the score dated on the order day is not yet known
    assert np.isnan(got.iloc[2])


def test_operations_rule_score_is_the_quality_and_delivery_points_before_the_order():
    frame = pd.DataFrame({"supplier_id": ["S1", "S1", "S2"], "day": [100, 132, 131]})
    hist = pd.DataFrame({"supplier_id": ["S1", "S1", "S2"], "as_of_day": [99, 131, 140],
                         "risk_score": [40.0, 70.0, 10.0], "operations_points": [12.5, 30.0, 4.0]})
    got = im.attach_rule_score(frame, hist)
    assert got["rule_score"].tolist()[:2] == [40.0, 70.0]
    assert got["rule_score_operations"].tolist()[:2] == [12.5, 30.0]
    assert np.isnan(got["rule_score_operations"].iloc[2])  # S2's only score is dated after its order
    # a history without the pillar points (an older warehouse) leaves the column empty, the whole score still there
    old = im.attach_rule_score(frame, hist.drop(columns="operations_points"))
    assert old["rule_score"].tolist()[:2] == [40.0, 70.0] and old["rule_score_operations"].isna().all()


def test_estimator_is_deterministic_and_trains_only_on_closed_orders(demo_inputs, cfg):
    frame = im.labelled_orders(demo_inputs, cfg, date(2026, 10, 31))
    a = im.predict(im.fit(frame, cfg), frame.head(50))
    b = im.predict(im.fit(frame, cfg), frame.head(50))
    assert np.array_equal(a, b)
    for fd in im.folds(frame, cfg):
        train = frame[(frame["day"] < fd.cutoff) & (frame["close_day"] < fd.cutoff)]
        assert train["close_day"].max() < fd.cutoff
    assert (frame["close_day"] <= im.to_day(date(2026, 10, 31))).all()


def test_boosting_without_trees_is_the_naive_baseline():
    """Too few incidents for a hold-out: no tree is grown and the model's probability is (k + m·p̄)/(n + m)."""
    x = np.array([[0.0, 0.0], [3.0, 5.0], [1.0, 1.0]])
    clf = im.BaselineBoostedClassifier(strength=5).fit(x, np.array([1, 0, 0]))
    assert clf.prior_rate_ == pytest.approx(1 / 3) and clf.booster_ is None and clf.n_estimators_ == 0
    p0 = 1 / 3
    assert clf.predict_proba(x)[:, 1].tolist() == pytest.approx([p0, (3 + 5 * p0) / 10, (1 + 5 * p0) / 6])
    assert clf.predict_proba(x).sum(axis=1) == pytest.approx(np.ones(3))


def test_boosted_model_start_by_hand():
    """The start: logit(p̄) + the mean of (logit(baseline) − logit(p̄)) and each rate's (logit(rate) − logit(level));
    a rate whose level is 0 (the portfolio had no such event yet, or the data carries none) drops out of the mean."""
    # columns: past incidents, past closed orders, one rate, its level; no trees (too few orders for a hold-out)
    x = np.array([[1.0, 3.0, 0.5, 0.25], [0.0, 0.0, 0.1, 0.25], [2.0, 2.0, 0.0, 0.0]])
    clf = im.BaselineBoostedClassifier(strength=5, n_rates=1, rate_floor=0.01).fit(x, np.array([1, 0, 0]))
    heavy = im.BaselineBoostedClassifier(strength=5, n_rates=1, rate_floor=0.01, baseline_weight=3).fit(
        x, np.array([1, 0, 0]))
    p0 = 1 / 3

    def logit(v):
        return math.log(v / (1 - v))

    naive = [(1 + 5 * p0) / 8, p0, (2 + 5 * p0) / 7]
    rel = [logit(0.5) - logit(0.25), logit(0.1) - logit(0.25), 0.0]
    counted = [1, 1, 0]  # the third order's level is 0: its rate is not averaged in
    expected = [logit(p0) + (logit(b) - logit(p0) + r) / (1 + c) for b, r, c in zip(naive, rel, counted)]
    assert clf._offset(x) == pytest.approx(expected)
    assert expected[2] == pytest.approx(logit(naive[2]))  # the baseline alone
    assert heavy._offset(x) == pytest.approx([logit(p0) + (3 * (logit(b) - logit(p0)) + r) / (3 + c)
                                              for b, r, c in zip(naive, rel, counted)])
    assert clf.predict_proba(x)[:, 1] == pytest.approx(1 / (1 + np.exp(-np.array(expected))))


def test_boosted_model_starts_from_the_baseline_and_the_configured_rates(demo_inputs, cfg):
    """Every order's starting log-odds is the naive baseline's (prior: the training incident rate) averaged with the
    configured rates relative to their portfolio levels; the trees, their number chosen by early stopping, then
    correct it. Without configured rates the start is the naive baseline itself."""
    frame = im.labelled_orders(demo_inputs, cfg, date(2026, 10, 31))
    model = im.fit(frame, cfg)
    clf = model[-1]
    start = clf._offset(model[:-1].transform(im._x(frame)))
    assert clf.prior_rate_ == pytest.approx(frame["is_incident"].mean())

    def logit(v, floor):
        v = np.clip(np.asarray(v, dtype=float), floor, 1 - floor)
        return np.log(v / (1 - v))

    p0, floor = clf.prior_rate_, float(cfg.estimator["offset_rate_floor"])
    w, pairs = float(cfg.estimator["offset_baseline_weight"]), cfg.estimator["offset_rates"]
    naive = im.naive_baseline(frame, p0, cfg.prior_strength)
    known = [frame[lv].to_numpy() > 0 for _, lv in pairs]  # a level of 0: no such event in the portfolio yet
    total = w * (logit(naive, 1e-6) - logit(p0, 1e-6)) + sum(
        np.where(k, logit(frame[r].fillna(frame[r].median()), floor) - logit(frame[lv], floor), 0.0)
        for (r, lv), k in zip(pairs, known))
    assert start == pytest.approx(logit(p0, 1e-6) + total / (w + sum(known)), abs=1e-9)
    assert all(k.any() and not k.all() for k in known)  # the demo's first orders came before any such event
    assert 0 < clf.n_estimators_ < int(cfg.estimator["boost_max_trees"])  # early stopping chose the count
    assert not np.allclose(im.predict(model, frame), 1 / (1 + np.exp(-start)), atol=1e-3)

    plain = im.fit(frame, replace(cfg, estimator={**cfg.estimator, "offset_rates": []}))[:-1]
    bare = im.BaselineBoostedClassifier(strength=cfg.prior_strength).fit(plain.transform(im._x(frame)),
                                                                          frame["is_incident"].astype(int))
    assert 1 / (1 + np.exp(-bare._offset(plain.transform(im._x(frame))))) == pytest.approx(naive, abs=1e-9)


def test_weighted_aucs_equal_sklearn_with_sample_weights():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 60)
    scores = np.round(rng.random(60), 1)  # many ties
    clusters = rng.integers(0, 7, 60)
    draws = rng.integers(0, 3, (5, 7))
    draws[0] = [1, 1, 1, 1, 1, 1, 1]
    got = im.weighted_aucs(y, scores, clusters, draws)
    for r, d in enumerate(draws):
        assert got[r] == pytest.approx(roc_auc_score(y, scores, sample_weight=d[clusters]))
    assert got[0] == pytest.approx(roc_auc_score(y, scores))
    only_clean = np.zeros((1, 7), dtype=int)
    only_clean[0, clusters[y == 0][0]] = 1
    if not (y[clusters == clusters[y == 0][0]] == 1).any():
        assert np.isnan(im.weighted_aucs(y, scores, clusters, only_clean)[0])


def test_paired_bootstrap_resamples_suppliers():
    # each supplier has one incident and one clean order: every resample has both classes
    y, groups = [1, 0, 1, 0], ["S1", "S1", "S2", "S2"]
    perfect, reversed_ = [0.9, 0.1, 0.8, 0.2], [0.1, 0.9, 0.2, 0.8]
    got = im.paired_auc_bootstrap(y, perfect, reversed_, groups, n_resamples=200, seed=1)
    assert got["auc_difference"] == 1.0 and got["ci_low"] == 1.0 and got["ci_high"] == 1.0
    assert got["share_not_better"] == 0.0 and got["n_resamples"] == 200 and got["n_suppliers"] == 2
    same = im.paired_auc_bootstrap(y, perfect, perfect, groups, n_resamples=200, seed=1)
    assert same["auc_difference"] == 0 and same["ci_low"] == same["ci_high"] == 0 and same["share_not_better"] == 1
    # a supplier with only clean orders: resamples drawing it alone have one class and are skipped
    mixed = im.paired_auc_bootstrap([1, 0, 0, 0], [0.9, 0.1, 0.3, 0.2], [0.1, 0.9, 0.3, 0.2],
                                    ["S1", "S1", "S2", "S2"], n_resamples=400, seed=2)
    assert 0 < 400 - mixed["n_resamples"] < 200  # about a quarter of draws are {S2, S2}
    none = im.paired_auc_bootstrap(y, perfect, reversed_, groups, n_resamples=0, seed=1)
    assert none["auc_difference"] == 1.0 and np.isnan(none["ci_low"]) and none["n_resamples"] == 0


def test_too_few_orders_for_a_hold_out_leave_the_naive_baseline(demo_inputs, cfg):
    frame = im.labelled_orders(demo_inputs, cfg, date(2026, 10, 31)).head(60)
    assert 0 < frame["is_incident"].sum() * 0.2 < 10  # fewer than 10 incidents would be held out
    model = im.fit(frame, cfg)
    assert model[-1].booster_ is None
    expected = im.naive_baseline(frame, float(frame["is_incident"].mean()), cfg.prior_strength)
    assert im.predict(model, frame) == pytest.approx(expected)


def test_rule_probability_keeps_the_points_order_even_when_training_falls_with_them():
    from sklearn.metrics import roc_auc_score

    test_points, test_y = np.array([0.0, 5.0, 10.0, 20.0, 3.0]), np.array([0, 0, 1, 1, 0])
    # training orders where incidents come with more points: the ordinary Platt fit, rising
    rising = im.rule_probability([0, 2, 8, 12, 15, 20], [0, 0, 1, 0, 1, 1], test_points)
    assert np.all(np.diff(rising[np.argsort(test_points)]) > 0)
    # training orders where incidents came with FEWER points (e.g. scored on almost no history): the fit would reverse
    # the ranking; instead every order gets the training rate (2/4) and the points' order is kept
    falling = im.rule_probability([0, 1, 10, 20], [1, 1, 0, 0], test_points)
    assert falling == pytest.approx(np.full(5, 0.5), abs=1e-4)
    assert np.all(np.diff(falling[np.argsort(test_points)]) > 0)
    assert roc_auc_score(test_y, falling) == roc_auc_score(test_y, test_points) == 1.0


def test_incident_definition_in_words_reads_its_numbers_from_the_settings(cfg):
    assert im.incident_definition(14, cfg) == ("a failed pre-shipment inspection, a shipment more than 14 days late, "
                                               "or defect-coded returns above 3% of the units delivered")
    # other settings, other words: nothing in the sentence is a literal of its own
    other = replace(cfg, defect_return_threshold=0.025)
    assert im.incident_definition(21, other) == ("a failed pre-shipment inspection, a shipment more than 21 days late, "
                                                 "or defect-coded returns above 2.5% of the units delivered")


def test_a_balance_paid_the_day_its_inspection_passed_is_not_paid_before_it(tiny_inputs, cfg):
    """marts.po_status' rule (models.po_status.is_balance_before_psi_pass), per balance payment: Y4 moved from 04-06
    to 04-08, the day P2's PSI passed, no longer counts as early, so before May the portfolio has 0 of 2 balances
    paid before a pass (1 of 2 before) and S2, with none of its own, gets that rate."""
    pay = tiny_inputs.payments.copy()
    y4 = pay["payment_id"] == "Y4"
    assert pay.loc[y4, "day"].item() == im.to_day(date(2024, 4, 6))
    pay.loc[y4, "day"] = im.to_day(date(2024, 4, 8))
    f = im.order_features(replace(tiny_inputs, payments=pay), _order(tiny_inputs, "P5"), cfg=cfg).iloc[0]
    assert f["past_balance_before_psi_share"] == 0.0
    pay.loc[y4, "day"] = im.to_day(date(2024, 4, 7))  # a day before the pass: early again
    f = im.order_features(replace(tiny_inputs, payments=pay), _order(tiny_inputs, "P5"), cfg=cfg).iloc[0]
    assert f["past_balance_before_psi_share"] == pytest.approx((0 + 5 * 0.5) / (0 + 5))
