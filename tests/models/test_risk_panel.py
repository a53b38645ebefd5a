"""The risk score measured for every cutoff at once equals the per-cutoff loop it replaced (a frozen copy in
tests/reference/scoring_loop.py): same points, bands, confidence and red flags at every month end.

The loop predates the control signals (#15: bank accounts, changes, corrective actions, background checks), so it
is compared on data without them: their files not imported and no check dates, so the control signals are unknown
and score 0 (tests/models/test_control_signals.py hand-computes them), with the confidence step for unknown signals
(which the loop does not have) switched off. A signal registered later gets no points here (`_config`), so adding
one needs no change to this test (one that also raises a red flag would show in the red-flag comparison)."""

from __future__ import annotations

import copy
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from models import risk_panel, scoring
from pipelines import loaders
from reference import scoring_loop as loop

HISTORY = ["supplier_id", "as_of", "risk_score", "risk_band", "confidence", "red_flag_count", "entity_points",
           "transaction_points", "quality_points", "delivery_points", "commercial_points", "month_on"]


def _tables(db) -> dict:
    """The score's input tables without the control records (see the module docstring)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        t = loaders.load_tables(con)
        # the loop attributes returns itself (reason -> is_defect_coded, PO else SKU -> supplier), independently of
        # marts.return_costs, so the parity below checks the mart's attribution too
        t["return_reasons"] = con.execute("select * from reference.return_reasons").df()
    finally:
        con.close()
    t["tables_carried"] = t["tables_carried"][~t["tables_carried"]["table_name"].isin(scoring.CONTROL_TABLES)]
    t["suppliers"] = t["suppliers"].assign(registry_checked_on=None, records_checked_on=None)
    return t


CONTROL_SIGNALS = {"bank_account_changes", "changes_after_sample", "undocumented_changes", "corrective_actions",
                   "background_checks"}


def _config() -> dict:
    """The score's config as the loop can reproduce it: no confidence step for unknown signals, and no points for a
    signal registered after the loop and the control signals (so adding one does not need this test changed)."""
    cfg = copy.deepcopy(scoring.load_config())
    cfg["evidence"]["unknown_points_lower_grade"] = float("inf")
    for name in set(cfg["signals"]) - loop.SIGNALS - CONTROL_SIGNALS:
        cfg["signals"][name]["max_points"] = 0.0
    return cfg


@pytest.fixture(scope="module")
def small_db(tmp_path_factory, built):
    """A small demo portfolio of another seed (every kind of event, a few years), built once."""
    from pipelines.demo import generate_portfolio

    folder = tmp_path_factory.mktemp("small")
    generate_portfolio(folder / "input", seed=11, suppliers=14, years=2)
    return built(folder / "input", folder / "w.duckdb")


@pytest.mark.parametrize("which", ["tiny", "small"])
def test_history_equals_the_per_month_loop(which, tiny_db, small_db):
    raw = _tables(tiny_db if which == "tiny" else small_db)
    cfg = _config()
    new_t, old_t = scoring.prepare_tables(raw), loop.prepare_tables(raw)
    first = new_t["purchase_orders"]["ordered_on"].min()
    last = max(new_t["purchase_orders"]["ordered_on"].max(), new_t["shipments"]["shipped_on"].max())
    cutoffs = scoring.month_ends(first.date(), (last + pd.offsets.MonthEnd(2)).date())
    assert len(cutoffs) >= 5
    new = scoring.score_history(new_t, cutoffs, cfg)[HISTORY].sort_values(["as_of", "supplier_id"])
    old = loop.score_history(old_t, cutoffs, cfg)[HISTORY].sort_values(["as_of", "supplier_id"])
    pd.testing.assert_frame_equal(new.reset_index(drop=True), old.reset_index(drop=True), check_dtype=False)


def test_a_history_of_one_month_end_is_the_score_at_that_month_end(tiny_db):
    """A brand whose orders began last month has one month end to its history: the build stopped with KeyError
    'as_of' (one cutoff's frames were written without it). That month's row is the score computed as of it."""
    t = scoring.prepare_tables(_tables(tiny_db))
    cut = date(2024, 3, 31)
    history = scoring.score_history(t, [cut], keep_signals=(kept := {}))
    now = scoring.score(scoring.compute_signals(t, cut)).set_index("supplier_id")
    assert set(pd.to_datetime(history["as_of"])) == {pd.Timestamp(cut)}
    assert history.set_index("supplier_id")["risk_score"].to_dict() == now.loc[history["supplier_id"], "risk_score"
                                                                               ].to_dict()
    assert set(kept["signal_history"]["as_of"]) == {pd.Timestamp(cut)}


def test_a_brands_only_supplier_has_no_peer_average(tiny_db):
    """A one-supplier brand read "sample-size adjusted 27.3%, peer average 27.3%": its peers' average was its own
    rate. Its explanations say there is no other supplier; with peers they give the average, as before."""
    from models.signals import NO_PEERS

    raw = _tables(tiny_db)
    cut = date(2024, 6, 21)
    with_peers = scoring.compute_signals(scoring.prepare_tables(raw), cut).signals
    alone = dict(raw, suppliers=raw["suppliers"][raw["suppliers"]["supplier_id"] == "S1"])
    signals = scoring.compute_signals(scoring.prepare_tables(alone), cut).signals
    late = signals.set_index(["supplier_id", "signal"]).loc[("S1", "late_rate"), "explanation"]
    assert late.endswith(f", peer average {NO_PEERS})")
    assert not signals["explanation"].str.contains(r"peer average \d", regex=True).any()
    assert with_peers["explanation"].str.contains(r"peer average \d", regex=True).any()
    assert NO_PEERS not in " ".join(with_peers["explanation"].dropna())


def test_signals_at_one_cutoff_equal_the_loop(small_db):
    raw = _tables(small_db)
    cfg = _config()
    new_t, old_t = scoring.prepare_tables(raw), loop.prepare_tables(raw)
    cut = (new_t["purchase_orders"]["ordered_on"].max() - pd.Timedelta(days=200)).date()
    a, b = loop.compute_signals(old_t, cut, cfg), scoring.compute_signals(new_t, cut, cfg)
    assert set(a.signals["signal"]) == loop.SIGNALS
    newer = ~b.signals["signal"].isin(loop.SIGNALS)  # the control signals and any registered since (no points)
    control = newer & b.signals["signal"].isin(b.unknown)
    assert set(b.signals.loc[control, "signal"]) == CONTROL_SIGNALS
    assert (b.signals.loc[newer, "points"] == 0).all()
    m = a.signals.merge(b.signals[~newer], on=["supplier_id", "signal"], suffixes=("_old", "_new"), validate="1:1")
    assert len(m) == len(a.signals) == (~newer).sum()
    assert (m["points_old"] == m["points_new"]).all()
    for col in ("raw_value", "shrunk_value", "evidence_n"):
        assert np.allclose(m[f"{col}_old"].astype(float), m[f"{col}_new"].astype(float), equal_nan=True), col
    assert (m["explanation_old"] == m["explanation_new"]).mean() > 0.99  # a sum may round a cent differently
    flags = ["supplier_id", "flag", "reason"]
    assert a.red_flags.sort_values(flags).values.tolist() == b.red_flags.sort_values(flags).values.tolist()


def test_an_event_counts_from_the_first_cutoff_on_or_after_its_date():
    cut = risk_panel.Cutoffs([date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)])
    dates = pd.Series(pd.to_datetime(["2024-01-31", "2024-02-01", "2024-03-31", "2024-04-01", None]))
    assert cut.first_seeing(dates).tolist() == [0, 1, 2, 3, 3]
    grid = risk_panel.Grid(3, 2)
    # supplier 0: one event seen at the first cutoff, one at the third; supplier 1: one never seen (index 3)
    assert grid.add([0, 2, 3], [0, 0, 1]).tolist() == [[1, 0], [1, 0], [2, 0]]
    assert grid.running_max([1, 2], [1, 1], [3.0, 1.0]).tolist() == [[-1, -1], [-1, 3], [-1, 3]]


def test_a_supplier_vetted_before_its_first_order_is_scored_from_the_build_date(tiny_db):
    """A supplier in the file with neither an onboarding date nor an order (being vetted) is known from the last
    cutoff, the build date's: scored there on its profile (entity pillar) with every other signal at the cohort's prior
    and confidence D, and absent from the months before. One with an onboarding date is known from it, as before."""
    raw = _tables(tiny_db)
    sup = raw["suppliers"]
    vetted = sup.iloc[[0]].copy()
    vetted[["supplier_id", "legal_name", "bank_beneficiary", "operating_status"]] = [
        "S9", "Shenzhen Delta Co., Ltd.", "Shenzhen Delta Trading Ltd.", "abnormal"]
    vetted["onboarded_on"] = pd.NaT
    raw["suppliers"] = pd.concat([sup, vetted], ignore_index=True)
    t = scoring.prepare_tables(raw)
    cutoffs = [date(2024, 3, 31), date(2024, 6, 21)]
    panel = scoring.measure(t, cutoffs)
    history = scoring.score_history(t, cutoffs, panel=panel)
    known = history.groupby("as_of")["supplier_id"].agg(sorted)
    assert known.tolist() == [["S1", "S2"], ["S1", "S2", "S3", "S9"]]
    now = scoring.compute_signals(t, cutoffs[1], panel=panel)
    scored = scoring.score(now).set_index("supplier_id")
    assert scored.loc["S9", "confidence"] == "D"
    # its top three reasons are signals it has no evidence for: each says it is scored at its peers' average
    assert scored.loc["S9", "top_reasons"].count(" pts, peers' average)") == 3
    assert "peers' average" not in scored.loc["S1", "top_reasons"]
    flags = now.red_flags[now.red_flags["supplier_id"] == "S9"]
    assert set(flags["flag"]) == {"abnormal_operating_status"}  # vetting finds it before any order
    signals = now.signals.set_index(["supplier_id", "signal"])
    assert signals.loc[("S9", "operating_status"), "points"] == 2.0
    assert signals.loc[("S9", "legal_entity_consistency"), "explanation"] == (
        "same core name, different business descriptor (possible sister company) (bank beneficiary)")
    assert signals.loc[("S9", "late_rate"), "evidence_n"] == 0
