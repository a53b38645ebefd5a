"""marts.supplier_score_measures: the score's 12-month spend as of the build date, the one definition the re-audit
queue (spend_12m) shows."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from models import scoring


def test_measures_hand_computed_on_the_tiny_portfolio(tiny_con):
    """As of 2024-06-21. S1: P1 A1 1000 x 5.00, P3 A2 500 x 2.00, P2 A1 1000 x 5.50, all within 12 months: spend
    11,500. S2: P4 B1 200 x 10, P5 300 x 11, P6 100 x 11: spend 6,400. S3: no orders: spend 0."""
    m = tiny_con.execute("select * from marts.supplier_score_measures").df().set_index("supplier_id")
    assert m["spend_12m"].to_dict() == {"S1": 11500.0, "S2": 6400.0, "S3": 0.0}


def test_the_reaudit_queue_shows_the_scores_spend(tiny_con):
    """The queue's spend_12m is the mart's: a changed figure there is the queue's."""
    from pipelines.steps import reaudit

    frames = reaudit.load_frames(tiny_con)
    cfg = scoring.load_config()
    assert reaudit.plan(frames, date(2024, 6, 21), cfg).set_index("supplier_id")["spend_12m"].to_dict() == \
        {"S1": 11500.0, "S2": 6400.0, "S3": 0.0}
    frames["measures"] = frames["measures"].assign(spend_12m=[20000.0, 6400.0, 0.0])
    assert reaudit.plan(frames, date(2024, 6, 21), cfg).set_index("supplier_id").loc["S1", "spend_12m"] == 20000.0


def test_measures_match_an_independent_pandas_derivation_on_the_demo(demo_con):
    """From staging.purchase_orders alone: spend ordered in the 365 days before the build date; the queue carries the
    same figures."""
    as_of = pd.Timestamp(demo_con.execute("select as_of from ingest.build_info").fetchone()[0])
    po = demo_con.execute("select po_id, supplier_id, sku, ordered_on, unit_price, order_value "
                          "from staging.purchase_orders").df()
    po["ordered_on"] = pd.to_datetime(po["ordered_on"])
    po = po[po["ordered_on"] <= as_of].sort_values(["supplier_id", "sku", "ordered_on", "po_id"])
    spend = po[po["ordered_on"] > as_of - pd.Timedelta(days=365)].groupby("supplier_id")["order_value"].sum()
    m = demo_con.execute("select * from marts.supplier_score_measures").df().set_index("supplier_id")
    assert len(m) == 72 and (spend > 0).sum() > 30
    assert np.allclose(m["spend_12m"], spend.reindex(m.index).fillna(0.0), rtol=1e-12, atol=1e-9)
    queue = demo_con.execute("select supplier_id, spend_12m from marts.reaudit_queue").df().set_index("supplier_id")
    assert len(queue) > 0 and (queue["spend_12m"] == m["spend_12m"].reindex(queue.index)).all()
