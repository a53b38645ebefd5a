"""Inspection marts: hand-computed lot rows on the tiny portfolio, switching replay, and recovery of the demo truth."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from scipy import stats

from helpers import quiet
from models.aql import LotOutcome, replay_switching
from pipelines.build import build


@pytest.fixture(scope="module")
def escape_db(tmp_path_factory) -> Path:
    """The tiny portfolio with a bad field record on P1 and a late analysis date, so lots are mature."""
    import shutil

    from helpers import TINY

    folder = tmp_path_factory.mktemp("escape") / "input"
    shutil.copytree(TINY, folder)
    with (folder / "returns.csv").open("a") as fh:
        fh.write("R5,A1,P1,2024-05-02,30,defective,amazon_us,1200,unsellable\n")
        fh.write("R6,A1,P1,2024-05-03,4,missing_parts,amazon_us,160,sellable\n")
        fh.write("R7,A1,P1,2024-05-04,5,customer_remorse,amazon_us,200,unsellable\n")
    with (folder / "quality_costs.csv").open("a") as fh:
        fh.write("Q3,P1,,2024-05-10,sorting,50,3PL sorting\n")
    db = folder.parent / "escape.duckdb"
    build(folder, db, as_of=date(2024, 9, 30), log=quiet)
    return db


def lots_of(db: Path) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select * from marts.inspection_lots order by po_id").df().set_index("po_id")


def test_one_row_per_po_with_a_decided_psi_and_the_first_psi_decides(tiny_con):
    lots = tiny_con.execute("select po_id, inspection_id, passed_psi, is_reinspected, decided_psi_count, "
                            "last_psi_result from marts.inspection_lots order by po_id").fetchall()
    # P2 failed I2 on 2024-04-05 and passed the re-inspection I3: the lot decision is the failure.
    assert lots == [("P1", "I1", True, False, 1, "pass"), ("P2", "I2", False, True, 2, "pass"),
                    ("P4", "I4", True, False, 1, "pass")]


def test_plans_per_class_follow_the_standard(tiny_con):
    got = tiny_con.execute("""
        select po_id, major_code_letter, major_plan_sample_size, major_plan_accept, major_plan_reject,
               minor_plan_accept, minor_plan_reject, critical_plan_sample_size, critical_plan_accept,
               critical_plan_reject, plan_sample_size, sample_size, is_plan_followed
        from marts.inspection_lots order by po_id""").fetchall()
    # Lot 1000 level II: Table I letter J (n 80); II-A row J: AQL 2.5 -> 5/6, AQL 4.0 -> 7/8; AQL 0 -> 0/1.
    # Lot 200 level II: letter G (n 32); AQL 2.5 -> 2/3, AQL 4.0 -> 3/4.
    assert got == [
        ("P1", "J", 80, 5, 6, 7, 8, 80, 0, 1, 80, 80, True),
        ("P2", "J", 80, 5, 6, 7, 8, 80, 0, 1, 80, 80, True),
        ("P4", "G", 32, 2, 3, 3, 4, 32, 0, 1, 32, 32, True),
    ]


def test_field_rate_maturity_and_money_before_maturity(tiny_con):
    lots = lots_of_con(tiny_con)
    p1 = lots.loc["P1"]
    assert p1["delivered_on"] == pd.Timestamp("2024-03-10")
    assert p1["delivered_quantity"] == 1000
    assert p1["defect_return_units"] == 3  # R1 (defective); R2 has no po_id and is not defect-coded
    assert p1["field_defect_rate"] == pytest.approx(3 / 1000)
    assert p1["refunds"] == pytest.approx(120.0)
    assert p1["write_offs"] == pytest.approx(3 * 5.00)  # unsellable defect-coded units x unit price
    assert lots.loc["P2", "quality_costs"] == pytest.approx(200.0)
    # as_of is 2024-06-21: P1 was delivered 103 days before, short of the 120-day maturity window
    assert not lots["is_mature"].any()
    assert not lots["is_escape"].any()
    assert (lots["escaped_value"] == 0).all()
    assert lots.loc["P4", "sample_defect_rate"] == 0.0
    assert lots.loc["P2", "sample_defect_rate"] == pytest.approx(6 / 80)


def lots_of_con(con) -> pd.DataFrame:
    return con.execute("select * from marts.inspection_lots order by po_id").df().set_index("po_id")


def test_escape_flag_and_escaped_value_by_hand(escape_db):
    lots = lots_of(escape_db)
    p1 = lots.loc["P1"]
    assert p1["is_mature"]  # delivered 2024-03-10, 204 days before 2024-09-30
    assert p1["defect_return_units"] == 3 + 30 + 4  # defective + defective + missing_parts; remorse excluded
    assert p1["field_defect_rate"] == pytest.approx(37 / 1000)  # above AQL 2.5 % -> escape
    assert p1["is_escape"]
    assert p1["refunds"] == pytest.approx(120 + 1200 + 160)
    assert p1["write_offs"] == pytest.approx((3 + 30) * 5.00)
    assert p1["quality_costs"] == pytest.approx(50.0)
    assert p1["escaped_value"] == pytest.approx(1480 + 165 + 50)
    # P2 failed its first PSI: never an escape, whatever came back
    assert lots.loc["P2", "is_mature"] and not lots.loc["P2", "is_escape"]
    assert lots.loc["P2", "escaped_value"] == 0
    # P4 passed and is mature but had no defect-coded returns
    assert lots.loc["P4", "is_mature"] and lots.loc["P4", "field_defect_rate"] == 0 and not lots.loc["P4", "is_escape"]


def test_lot_dates_are_dates(tiny_con):
    types = dict(tiny_con.execute("select column_name, data_type from information_schema.columns "
                                  "where table_schema = 'marts' and table_name = 'inspection_lots'").fetchall())
    assert types["inspected_on"] == "DATE" and types["delivered_on"] == "DATE"
    assert types["is_escape"] == "BOOLEAN" and types["passed_psi"] == "BOOLEAN"


def test_p_accept_at_estimate_uses_the_lot_plan_at_the_supplier_estimate(tiny_con):
    lots = lots_of_con(tiny_con)
    for po in ("P1", "P4"):
        row = lots.loc[po]
        p = row["supplier_defect_rate_estimate"]
        defectives = round(p * row["lot_size"])
        expected = stats.hypergeom.cdf(row["major_plan_accept"], row["lot_size"], defectives,
                                       row["major_plan_sample_size"])
        assert row["p_accept_at_estimate"] == pytest.approx(expected, abs=1e-12)


def test_escape_view_sums_match_lots(escape_db):
    with duckdb.connect(str(escape_db), read_only=True) as con:
        got = con.execute("select supplier_id, lots_inspected, lots_passed, mature_passed_lots, escapes, "
                          "escaped_value from marts.inspection_blind_spot order by 1").fetchall()
    assert got == [("S1", 2, 1, 1, 1, pytest.approx(1695.0)), ("S2", 1, 1, 1, 0, 0.0)]


# --------------------------------------------------------------------------- demo portfolio vs hidden truth


@pytest.fixture(scope="module")
def demo_frames(demo_db, demo_dir, ground_truth):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        suppliers = con.execute("select * from marts.inspection_blind_spot").df()
        lots = con.execute("select * from marts.inspection_lots").df()
    truth = pd.read_csv(demo_dir / "ground_truth" / "lot_truth.csv")
    return suppliers.merge(ground_truth, on="supplier_id"), lots.merge(truth[["po_id", "true_defect_rate"]],
                                                                         on="po_id")


def test_posterior_defect_rate_ranks_suppliers_like_the_hidden_rate(demo_frames):
    suppliers, _ = demo_frames
    rho = stats.spearmanr(suppliers["defect_rate_estimate"], suppliers["true_defect_rate"]).statistic
    assert rho >= 0.85


def test_posterior_interval_covers_the_suppliers_realised_lot_rate_for_most(demo_frames):
    suppliers, lots = demo_frames
    # The generator scales each lot's rate (lot noise, drift, substitution) around the supplier's base rate;
    # what the data can reveal is the mean rate of the lots it inspected.
    realised = lots.groupby("supplier_id")["true_defect_rate"].mean()
    s = suppliers.set_index("supplier_id")
    covered = (s["defect_rate_lower"] <= realised) & (realised <= s["defect_rate_upper"])
    assert covered.mean() >= 0.5
    # and the estimate is not biased by more than 15% either way on the median supplier
    assert 0.85 <= float((s["defect_rate_estimate"] / realised).median()) <= 1.15


def test_bad_lots_that_passed_escape_more_often_than_clean_ones(demo_frames):
    _, lots = demo_frames
    judged = lots[lots["passed_psi"] & lots["is_mature"]]
    bad = judged[judged["true_defect_rate"] >= 0.05]
    clean = judged[judged["true_defect_rate"] < 0.02]
    assert len(bad) >= 20 and len(clean) >= 200
    assert bad["is_escape"].mean() >= 5 * clean["is_escape"].mean()
    assert bad["is_escape"].mean() >= 0.3


def test_escape_rate_rises_with_the_hidden_defect_rate(demo_frames):
    suppliers, _ = demo_frames
    judged = suppliers[suppliers["mature_passed_lots"] >= 5]
    rho = stats.spearmanr(judged["escape_rate"], judged["true_defect_rate"]).statistic
    assert rho >= 0.5
    # escaped money only where lots escaped
    assert (judged.loc[judged["escapes"] == 0, "escaped_value"] == 0).all()
    assert (judged.loc[judged["escapes"] > 0, "escaped_value"] > 0).all()


def test_demo_switching_has_one_row_per_supplier_and_class(demo_con):
    rows = demo_con.execute("select count(*), count(distinct supplier_id), "
                            "count(*) filter (where current_stage not in "
                            "('normal', 'tightened', 'reduced', 'discontinued')) "
                            "from marts.inspection_switching").fetchone()
    suppliers = demo_con.execute("select count(*) from marts.inspection_blind_spot").fetchone()[0]
    assert rows == (3 * suppliers, suppliers, 0)


def _outcomes(lots: pd.DataFrame, cls: str, actions: list | None = None) -> list[LotOutcome]:
    """A supplier's lots (marts.inspection_lots, date order) as the replay reads them: a count judged with its sample,
    else the inspector's decision; `actions` names the corrective action closed before each lot, if any."""
    actions = actions or [None] * len(lots)
    return [LotOutcome(defects=int(d), lot_size=int(n), sample_size=int(m), accepted=bool(p), action_before=a)
            if not pd.isna(d) and not pd.isna(m) and m > 0 else LotOutcome(accepted=bool(p), action_before=a)
            for d, n, m, p, a in zip(lots[f"{cls}_defects"], lots["lot_size"], lots["sample_size"], lots["passed_psi"],
                                     actions)]


def test_switching_replay_matches_the_engine_on_a_demo_supplier(demo_con):
    lots = demo_con.execute("select * from marts.inspection_lots where supplier_id = 'SUP-0001' "
                            "order by inspected_on, po_id").df()
    row = demo_con.execute("select * from marts.inspection_switching where supplier_id = 'SUP-0001' "
                           "and defect_class = 'major'").df().iloc[0]
    assert row["times_discontinued"] == 0  # no corrective action plays a part: the lots alone
    state = replay_switching(_outcomes(lots, "major"), aql=row["aql"], level=row["inspection_level"])
    assert (row["current_stage"], row["switching_score"], row["transitions"]) == (
        state.stage, state.switching_score, len(state.transitions))
    assert tuple(lots["major_stage"]) == state.lot_stages


def test_demo_discontinued_inspections_resume_on_a_corrective_action_closed_after_them(demo_con):
    """Every supplier and class the demo discontinued, replayed by hand with its corrective actions: an action closed
    after a lot and on or before the next resumes that next lot on tightened; the mart agrees lot by lot."""
    rows = demo_con.execute("select * from marts.inspection_switching where times_discontinued > 0").df()
    assert len(rows) >= 10 and (rows["current_stage"] != "discontinued").any()
    actions = demo_con.execute("select supplier_id, capa_id, closed_on from staging.corrective_actions "
                               "where closed_on <= (select as_of from ingest.build_info)").df()
    for r in rows.itertuples():
        lots = demo_con.execute("select * from marts.inspection_lots where supplier_id = ? order by inspected_on, "
                                "po_id", [r.supplier_id]).df()
        mine = actions[actions["supplier_id"] == r.supplier_id].sort_values(["closed_on", "capa_id"])
        dates = [pd.Timestamp(d) for d in lots["inspected_on"]] + [pd.Timestamp.max]

        def first_closed(after, until, mine=mine):
            hit = mine[(mine["closed_on"] > after) & (mine["closed_on"] <= until)]
            return None if hit.empty else f"{hit['capa_id'].iloc[0]} closed {hit['closed_on'].iloc[0]:%Y-%m-%d}"

        acts = [first_closed(dates[i - 1] if i else pd.Timestamp.min, dates[i]) for i in range(len(dates))]
        state = replay_switching(_outcomes(lots, r.defect_class, acts), aql=r.aql, level=r.inspection_level,
                                 action_after_last=acts[-1])
        assert (r.current_stage, r.times_discontinued, r.transitions) == (
            state.stage, state.discontinuations, len(state.transitions)), r.supplier_id
        assert tuple(lots[f"{r.defect_class}_stage"]) == state.lot_stages, r.supplier_id
        if r.last_transition_from == "discontinued":  # resumed: dated on the action that resumed it, no lot
            capa = r.last_transition_reason.split()[2]
            assert pd.Timestamp(r.last_transition_on) == mine.loc[mine["capa_id"] == capa, "closed_on"].item()
            assert pd.isna(r.last_transition_po_id)


@pytest.mark.parametrize("major", ["0", ""], ids=["no_major_defects", "no_defect_counts"])
def test_a_portfolio_without_major_defects_builds_and_publishes(tiny_dir: Path, tmp_path: Path, major: str, built):
    """Every PSI with 0 (or no) major defects used to give the degenerate prior Beta(0.005, 49.995) and fail the build."""
    path = tiny_dir / "inspections.csv"
    header, *rows = path.read_text().splitlines()
    col = header.split(",").index("major_defects")
    rows = [",".join(major if i == col else cell for i, cell in enumerate(row.split(","))) for row in rows]
    path.write_text("\n".join([header, *rows]) + "\n")
    if major == "":  # no counts at all: minor and critical blank too
        header, *rows = path.read_text().splitlines()
        cols = [header.split(",").index(c) for c in ("critical_defects", "minor_defects")]
        rows = [",".join("" if i in cols else cell for i, cell in enumerate(row.split(","))) for row in rows]
        path.write_text("\n".join([header, *rows]) + "\n")
    db = tmp_path / "w.duckdb"
    built(tiny_dir, db)  # the inspection_marts_consistent check runs inside the build
    con = duckdb.connect(str(db), read_only=True)
    try:
        sup = con.execute("""select supplier_id, sample_units, evidence_defects, prior_alpha, prior_beta,
            posterior_alpha, posterior_beta, defect_rate_estimate, defect_rate_lower, defect_rate_upper
            from marts.inspection_blind_spot order by supplier_id""").df().set_index("supplier_id")
    finally:
        con.close()
    # Pooled rate 0 -> prior floored at Beta(1/2, 50) (strength 50 units); no defects, so the posterior adds units only.
    assert (sup["evidence_defects"] == 0).all()
    assert sup["prior_alpha"].tolist() == [0.5] * len(sup) and sup["prior_beta"].tolist() == [50.0] * len(sup)
    for sid, r in sup.iterrows():
        a, b = 0.5, 50.0 + float(r["sample_units"])
        assert (r["posterior_alpha"], r["posterior_beta"]) == pytest.approx((a, b)), sid
        assert r["defect_rate_estimate"] == pytest.approx(a / (a + b))
        assert r["defect_rate_lower"] == pytest.approx(stats.beta.ppf(0.05, a, b))
        assert r["defect_rate_upper"] == pytest.approx(stats.beta.ppf(0.95, a, b))
        assert r["defect_rate_lower"] < r["defect_rate_estimate"] < r["defect_rate_upper"]


def test_a_lot_with_blank_defect_counts_is_left_out_of_the_sample_evidence(tiny_dir: Path, tmp_path: Path, built):
    """I1 (P1's only PSI: 80 units, 0 critical / 2 major / 3 minor, pass) with its counts left blank."""
    path = tiny_dir / "inspections.csv"
    text = path.read_text()
    row = "I1,P1,PSI,2024-01-30,QIMA,II,0,2.5,4.0,1000,80,0,2,3,pass,300"
    assert row in text
    path.write_text(text.replace(row, "I1,P1,PSI,2024-01-30,QIMA,II,0,2.5,4.0,1000,80,,,,pass,300"))
    db = tmp_path / "w.duckdb"
    built(tiny_dir, db)
    lots = lots_of(db)
    with duckdb.connect(str(db), read_only=True) as con:
        sup = con.execute("select * from marts.inspection_blind_spot order by supplier_id").df().set_index(
            "supplier_id")
        minor = con.execute("select switching_score, current_stage from marts.inspection_switching "
                            "where supplier_id = 'S1' and defect_class = 'minor'").fetchone()
    p1 = lots.loc["P1"]
    # the lot is still inspected and passed, with its 80 units drawn, but its counts are unknown, not zero
    assert p1["passed_psi"] and p1["sample_size"] == 80
    assert pd.isna(p1["critical_defects"]) and pd.isna(p1["major_defects"]) and pd.isna(p1["minor_defects"])
    assert pd.isna(p1["sample_defect_rate"])
    assert lots.loc["P2", "sample_defect_rate"] == pytest.approx(6 / 80)
    # S1's sample evidence is P2's first PSI only (I2: 6 major in 80; I3 is a re-inspection): 80 units, not 160
    assert (sup.loc["S1", "sample_units"], sup.loc["S1", "sample_defects"]) == (80, 6)
    assert (sup.loc["S2", "sample_units"], sup.loc["S2", "sample_defects"]) == (32, 0)
    assert sup.loc["S1", "lots_inspected"] == 2 and sup.loc["S1", "lots_passed"] == 1
    # nothing is mature on 2024-06-21, so no field evidence: prior from the pooled 6 / 112 at 50 units
    assert pd.isna(sup.loc["S1", "return_propensity"])
    a0, b0 = 50 * 6 / 112, 50 * 106 / 112
    assert (sup.loc["S1", "prior_alpha"], sup.loc["S1", "prior_beta"]) == (pytest.approx(a0), pytest.approx(b0))
    a, b = a0 + 6, b0 + 80 - 6
    assert (sup.loc["S1", "posterior_alpha"], sup.loc["S1", "posterior_beta"]) == (pytest.approx(a), pytest.approx(b))
    # mean a / (a + b): (2.6786 + 6) / (50 + 80) = 0.066758
    assert sup.loc["S1", "defect_rate_estimate"] == pytest.approx(0.066758, abs=1e-6)
    # switching (minor, AQL 4.0, letter J: Ac 7; one step tighter AQL 2.5: Ac 5): P1 has no count, so it enters as
    # its pass and earns no points; P2's 0 minor earns 3. Counted as 3 minor, P1 would have earned 3 more (6).
    assert minor == (3, "normal")
