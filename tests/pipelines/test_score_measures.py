"""marts.supplier_score_measures: the score's 12-month spend and price measures as of the build date, the one
definition the re-audit queue (spend_12m) and supplier_kpis (price_drift_pct, max_price_jump_pct) show."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from models import scoring
from pipelines import loaders


def test_measures_hand_computed_on_the_tiny_portfolio(tiny_con):
    """As of 2024-06-21. S1: P1 A1 1000 x 5.00, P3 A2 500 x 2.00, P2 A1 1000 x 5.50, all within 12 months: spend
    11,500; A1 went 5.00 -> 5.50 (+10%) on 10,500 of spend, A2 one order (0%): drift 1,050 / 11,500; largest step
    +10%. S2: P4 B1 200 x 10, P5 300 x 11, P6 100 x 11: spend 6,400, steps +10% then 0%, drift +10% on all of it.
    S3: no orders: spend 0, no drift, no step."""
    m = tiny_con.execute("select * from marts.supplier_score_measures").df().set_index("supplier_id")
    assert list(m.columns) == ["spend_12m", "price_drift", "max_price_step"]
    assert m.loc["S1"].tolist() == pytest.approx([11500.0, 1050 / 11500, 0.10])
    assert m.loc["S2"].tolist() == pytest.approx([6400.0, 0.10, 0.10])
    assert m.loc["S3", "spend_12m"] == 0.0 and m.loc["S3", ["price_drift", "max_price_step"]].isna().all()


def test_the_largest_price_step_is_the_one_seen_so_far(tiny_con):
    """Before P2 (2024-03-01) S1 has no reorder: no step yet; from then on its +10%."""
    tables = scoring.prepare_tables(loaders.load_tables(tiny_con))
    cfg = scoring.load_config()
    early = scoring.compute_signals(tables, date(2024, 2, 15), cfg).evidence.set_index("supplier_id")
    later = scoring.compute_signals(tables, date(2024, 3, 1), cfg).evidence.set_index("supplier_id")
    assert np.isnan(early.loc["S1", "max_price_step"])
    assert later.loc["S1", "max_price_step"] == pytest.approx(0.10)


def test_the_reaudit_queue_and_the_kpis_show_the_scores_measures(tiny_con):
    """The queue's spend_12m is the mart's (a changed figure there is the queue's), and supplier_kpis' price columns
    are the mart's."""
    from pipelines.steps import reaudit

    frames = reaudit.load_frames(tiny_con)
    cfg = scoring.load_config()
    assert reaudit.plan(frames, date(2024, 6, 21), cfg).set_index("supplier_id")["spend_12m"].to_dict() == \
        {"S1": 11500.0, "S2": 6400.0, "S3": 0.0}
    frames["measures"] = frames["measures"].assign(spend_12m=[20000.0, 6400.0, 0.0])
    assert reaudit.plan(frames, date(2024, 6, 21), cfg).set_index("supplier_id").loc["S1", "spend_12m"] == 20000.0
    kpis = tiny_con.execute("""
        select count(*) from marts.supplier_kpis as kpis
        inner join marts.supplier_score_measures as m on kpis.supplier_id = m.supplier_id
        where kpis.price_drift_pct is distinct from m.price_drift
            or kpis.max_price_jump_pct is distinct from m.max_price_step""").fetchone()[0]
    assert kpis == 0


def test_measures_match_an_independent_pandas_derivation_on_the_demo(demo_con):
    """From staging.purchase_orders alone: spend ordered in the 365 days before the build date, the spend-weighted
    drift of each SKU's latest over its first price, the largest price step of a SKU over its previous order
    (order date, then PO id); then the queue and the KPIs carry the same figures."""
    as_of = pd.Timestamp(demo_con.execute("select as_of from ingest.build_info").fetchone()[0])
    po = demo_con.execute("select po_id, supplier_id, sku, ordered_on, unit_price, order_value "
                          "from staging.purchase_orders").df()
    po["ordered_on"] = pd.to_datetime(po["ordered_on"])
    po = po[po["ordered_on"] <= as_of].sort_values(["supplier_id", "sku", "ordered_on", "po_id"])
    spend = po[po["ordered_on"] > as_of - pd.Timedelta(days=365)].groupby("supplier_id")["order_value"].sum()
    by_sku = po.groupby(["supplier_id", "sku"])["unit_price"]
    po["drift_w"] = po["order_value"] * (by_sku.transform("last") / by_sku.transform("first") - 1)
    sums = po.groupby("supplier_id")[["drift_w", "order_value"]].sum()
    drift = sums["drift_w"] / sums["order_value"]
    jump = (po["unit_price"] / by_sku.shift() - 1).groupby(po["supplier_id"]).max()
    m = demo_con.execute("select * from marts.supplier_score_measures").df().set_index("supplier_id")
    assert len(m) == 72 and (spend > 0).sum() > 30
    assert np.allclose(m["spend_12m"], spend.reindex(m.index).fillna(0.0), rtol=1e-12, atol=1e-9)
    assert np.allclose(m["price_drift"], drift.reindex(m.index), rtol=1e-12, atol=1e-15, equal_nan=True)
    assert np.allclose(m["max_price_step"], jump.reindex(m.index), rtol=1e-12, atol=1e-15, equal_nan=True)
    queue = demo_con.execute("select supplier_id, spend_12m from marts.reaudit_queue").df().set_index("supplier_id")
    assert len(queue) > 0 and (queue["spend_12m"] == m["spend_12m"].reindex(queue.index)).all()
    kpis = demo_con.execute("select supplier_id, price_drift_pct, max_price_jump_pct from marts.supplier_kpis"
                            ).df().set_index("supplier_id").reindex(m.index)
    assert kpis["price_drift_pct"].equals(m["price_drift"]) and kpis["max_price_jump_pct"].equals(m["max_price_step"])
