"""Tests for models.aql: expected table values are typed here from MIL-STD-105E, not read from the CSVs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from models import aql
from models.aql import (
    LotOutcome,
    acceptance_probability,
    defect_rate_posterior,
    oc_curve,
    recommend_plan,
    replay_switching,
    sampling_plan,
    sampling_plans_for,
)

# --------------------------------------------------------------------------- Table I (typed)

LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
TABLE_I = [
    # lot_min, lot_max, S-1 S-2 S-3 S-4 I II III
    (2, 8, "AAAAAAB"),
    (9, 15, "AAAAABC"),
    (16, 25, "AABBBCD"),
    (26, 50, "ABBCCDE"),
    (51, 90, "BBCCCEF"),
    (91, 150, "BBCDDFG"),
    (151, 280, "BCDEEGH"),
    (281, 500, "BCDEFHJ"),
    (501, 1200, "CCEFGJK"),
    (1201, 3200, "CDEGHKL"),
    (3201, 10000, "CDFGJLM"),
    (10001, 35000, "CDFHKMN"),
    (35001, 150000, "DEGJLNP"),
    (150001, 500000, "DEGJMPQ"),
    (500001, 10**9, "DEHKNQR"),
]
BOUNDARY_CASES = [
    (lot, level, letters[i])
    for lo, hi, letters in TABLE_I
    for lot in (lo, hi)
    for i, level in enumerate(LEVELS)
]


@pytest.mark.parametrize(("lot", "level", "letter"), BOUNDARY_CASES)
def test_code_letter_at_every_lot_size_boundary(lot: int, level: str, letter: str) -> None:
    assert aql.code_letter(lot, level) == letter
    assert sampling_plan(lot, 2.5, level).initial_code_letter == letter


def test_lot_of_one_uses_first_row() -> None:
    assert [aql.code_letter(1, lv) for lv in LEVELS] == list("AAAAAAB")


# --------------------------------------------------------------------------- Table II-A (typed)

LETTERS = "ABCDEFGHJKLMNPQR"
SIZES = dict(zip(LETTERS, (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000)))
REDUCED_SIZES = dict(zip(LETTERS, (2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800)))
AQLS = (0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5, 4.0, 6.5,
        10, 15, 25, 40, 65, 100, 150, 250, 400, 650, 1000)
# Table II-A runs along diagonals: row i, column j holds the entry for i + j below.
NORMAL_DIAGONAL = {14: (0, 1), 15: "up", 16: "down", 17: (1, 2), 18: (2, 3), 19: (3, 4), 20: (5, 6),
                   21: (7, 8), 22: (10, 11), 23: (14, 15), 24: (21, 22), 25: (30, 31), 26: (44, 45)}


def normal_cell(i: int, j: int):
    """Table II-A cell as printed (typed description of the standard's layout)."""
    k = i + j
    top = 26 if i <= 4 else 24  # rows A-E carry 30/31 and 44/45; rows F-R stop at 21/22
    if k < 14:
        return "down"
    if k > top:
        return "up"
    return NORMAL_DIAGONAL[k]


def hand_follow(i: int, j: int):
    """Follow a Table II-A arrow by hand: the first plan in the arrow's direction."""
    cell = normal_cell(i, j)
    if not isinstance(cell, str):
        return LETTERS[i], cell
    step = 1 if cell == "down" else -1
    r = i + step
    while 0 <= r < 16 and isinstance(normal_cell(r, j), str):
        r += step
    return LETTERS[r], normal_cell(r, j)


def lot_for_letter(letter: str) -> tuple[int, str]:
    """A (lot size, level) pair whose Table I letter is ``letter``, with the largest lot."""
    best = None
    for _lo, hi, letters in TABLE_I:
        for i, lv in enumerate(LEVELS):
            if letters[i] == letter and (best is None or hi > best[0]):
                best = (hi, lv)
    return best


EDGE_CELLS = {(0, 15), (15, 1)}  # (A, 10) up and (R, 0.015) down point off the table
ARROW_CELLS = [
    (i, j) for i in range(16) for j in range(26)
    if isinstance(normal_cell(i, j), str) and (i, j) not in EDGE_CELLS
]
PLAN_CELLS = [(i, j) for i in range(16) for j in range(26) if not isinstance(normal_cell(i, j), str)]


def test_table_shape_counts() -> None:
    assert len(ARROW_CELLS) + len(PLAN_CELLS) + len(EDGE_CELLS) == 16 * 26
    assert len(PLAN_CELLS) == 10 + 4 * 11 + 10 * 9 + 8  # rows A, B-E, F-Q, R


@pytest.mark.parametrize(("i", "j"), ARROW_CELLS)
def test_every_normal_arrow_cell_resolves_to_the_hand_followed_plan(i: int, j: int) -> None:
    lot, level = lot_for_letter(LETTERS[i])
    plan = sampling_plan(lot, AQLS[j], level, "normal")
    letter, (ac, re) = hand_follow(i, j)
    assert plan.initial_code_letter == LETTERS[i]
    assert (plan.code_letter, plan.table_sample_size, plan.accept, plan.reject) == (
        letter, SIZES[letter], ac, re)


@pytest.mark.parametrize(("i", "j"), PLAN_CELLS)
def test_every_normal_plan_cell(i: int, j: int) -> None:
    lot, level = lot_for_letter(LETTERS[i])
    plan = sampling_plan(lot, AQLS[j], level, "normal")
    assert (plan.code_letter, plan.accept, plan.reject) == (LETTERS[i], *normal_cell(i, j))


@pytest.mark.parametrize(
    ("lot", "level", "aql_value", "expected"),
    [
        # typed straight from the printed table: (code letter used, n, Ac, Re)
        (10000, "II", 2.5, ("L", 200, 10, 11)),
        (10000, "II", 0.65, ("L", 200, 3, 4)),
        (10000, "II", 10, ("K", 125, 21, 22)),  # L under 10 is an up arrow
        (1000, "II", 1.0, ("J", 80, 2, 3)),
        (150, "II", 1.0, ("E", 13, 0, 1)),  # F under 1.0: up arrow to E
        (500, "II", 0.65, ("J", 80, 1, 2)),  # H under 0.65: down arrow to J
        (50, "II", 4.0, ("E", 13, 1, 2)),  # D under 4.0: down arrow to E
        (50, "II", 2.5, ("C", 5, 0, 1)),  # D under 2.5: up arrow to C
        (600000, "III", 0.010, ("Q", 1250, 0, 1)),  # R under 0.010: up arrow to Q
        (600000, "III", 1.0, ("Q", 1250, 21, 22)),
        (300, "II", 400, ("D", 8, 44, 45)),  # H under 400: up arrow through G, F, E to D
        (10, "II", 1000, ("B", 3, 44, 45)),
        (5, "II", 1000, ("A", 2, 30, 31)),
    ],
)
def test_normal_spot_cells(lot, level, aql_value, expected) -> None:
    plan = sampling_plan(lot, aql_value, level)
    assert (plan.code_letter, plan.table_sample_size, plan.accept, plan.reject) == expected


def test_edge_arrows_off_the_table_use_the_nearest_plan_the_other_way() -> None:
    a10 = sampling_plan(8, 10, "II")  # A, AQL 10: up arrow with nothing above
    assert (a10.code_letter, a10.table_sample_size, a10.accept, a10.reject) == ("C", 5, 1, 2)
    assert "off the table" in a10.note
    r0015 = sampling_plan(600000, 0.015, "III")  # R, AQL 0.015: down arrow with nothing below
    assert (r0015.code_letter, r0015.sample_size, r0015.accept, r0015.reject) == ("P", 800, 0, 1)
    assert "off the table" in r0015.note
    assert sampling_plan(10000, 2.5).note == ""


# --------------------------------------------------------------------------- II-B and II-C (typed)


@pytest.mark.parametrize(
    ("lot", "level", "aql_value", "expected"),
    [
        (10000, "II", 2.5, ("L", 200, 8, 9)),
        (10000, "II", 1.0, ("L", 200, 3, 4)),
        (10000, "II", 0.065, ("M", 315, 0, 1)),  # L under 0.065: down arrow to M
        (10000, "II", 0.10, ("L", 200, 0, 1)),
        (10000, "II", 0.15, ("N", 500, 1, 2)),  # L under 0.15: down arrow through M to N
        (10000, "II", 6.5, ("L", 200, 18, 19)),
        (10000, "II", 10, ("K", 125, 18, 19)),  # up arrow
        (3000, "II", 1.0, ("K", 125, 2, 3)),
        (1000, "II", 0.65, ("K", 125, 1, 2)),  # J under 0.65: down arrow to K
        (500, "II", 0.65, ("K", 125, 1, 2)),  # H under 0.65: down arrow through J to K
        (150, "II", 1.0, ("F", 20, 0, 1)),
        (8, "II", 10, ("D", 8, 1, 2)),  # A under 10: down arrow (no Ac 0 plan in row A)
        (10, "II", 6.5, ("B", 3, 0, 1)),
        (5, "II", 1000, ("A", 2, 27, 28)),
        (10, "II", 1000, ("B", 3, 41, 42)),
        (600000, "III", 0.010, ("R", 2000, 0, 1)),
        (600000, "III", 0.040, ("R", 2000, 1, 2)),
    ],
)
def test_tightened_cells(lot, level, aql_value, expected) -> None:
    plan = sampling_plan(lot, aql_value, level, "tightened")
    assert (plan.code_letter, plan.table_sample_size, plan.accept, plan.reject) == expected


@pytest.mark.parametrize("aql_value", [0.015, 0.025])
def test_tightened_row_r_down_arrows_reach_row_s(aql_value: float) -> None:
    # II-B row R under 0.015 and 0.025: "use first sampling plan below arrow" = row S, n 3150, Ac 1, Re 2
    # (row S exists only for these arrows). Following them back up to P (800, 0/1) was looser than normal
    # R/0.025 (2000, 1/2): P(accept | 0.1%) = 0.999^800 = 0.449 vs 0.999^2000 + 2000 x 0.001 x 0.999^1999 = 0.406.
    plan = sampling_plan(600000, aql_value, "III", "tightened")
    assert (plan.code_letter, plan.table_sample_size, plan.accept, plan.reject, plan.note) == ("S", 3150, 1, 2, "")


OC_RATES = (0.001, 0.005, 0.01, 0.025, 0.05, 0.10)


def _binomial_accept(n: int, ac: int, p: float) -> float:
    return sum(math.comb(n, d) * p**d * (1 - p) ** (n - d) for d in range(ac + 1))


@pytest.mark.parametrize("level", LEVELS)
def test_tightened_is_never_looser_than_normal(level: str) -> None:
    """For every Table I lot size (both ends of each range), AQL and rate, P(accept) tightened <= normal.

    Type B (binomial) on the tabled sample sizes and Ac, computed here from the binomial sum.
    """
    lots = sorted({lo for lo, _, _ in TABLE_I} | {hi for _, hi, _ in TABLE_I if hi is not None})
    looser = []
    for lot in lots:
        for aql_value in AQLS:
            normal = sampling_plan(lot, aql_value, level, "normal")
            tight = sampling_plan(lot, aql_value, level, "tightened")
            for p in OC_RATES:
                pa_normal = _binomial_accept(normal.table_sample_size, normal.accept, p)
                pa_tight = _binomial_accept(tight.table_sample_size, tight.accept, p)
                if pa_tight > pa_normal + 1e-12:
                    looser.append((lot, aql_value, p, round(pa_normal, 4), round(pa_tight, 4)))
    assert looser == []


@pytest.mark.parametrize(
    ("lot", "level", "aql_value", "expected"),
    [
        (10000, "II", 2.5, ("L", 80, 5, 8)),
        (10000, "II", 1.0, ("L", 80, 2, 5)),
        (10000, "II", 0.65, ("L", 80, 1, 4)),
        (10000, "II", 0.25, ("L", 80, 0, 2)),
        (10000, "II", 0.10, ("K", 50, 0, 1)),  # L under 0.10: up arrow to K
        (10000, "II", 0.15, ("M", 125, 0, 2)),  # L under 0.15: down arrow to M
        (10000, "II", 4.0, ("L", 80, 7, 10)),
        (10000, "II", 6.5, ("L", 80, 10, 13)),
        (10000, "II", 10, ("K", 50, 10, 13)),  # up arrow
        (3000, "II", 1.0, ("K", 50, 1, 4)),
        (1000, "II", 1.0, ("J", 32, 1, 3)),
        (500, "II", 1.0, ("H", 20, 0, 2)),
        (5, "II", 1000, ("A", 2, 14, 17)),
        (10, "II", 1000, ("B", 2, 21, 24)),
    ],
)
def test_reduced_cells_keep_non_consecutive_ac_re(lot, level, aql_value, expected) -> None:
    plan = sampling_plan(lot, aql_value, level, "reduced")
    assert (plan.code_letter, plan.table_sample_size, plan.accept, plan.reject) == expected


def test_reduced_sample_sizes_column() -> None:
    for letter in LETTERS:
        lot, level = lot_for_letter(letter)
        plan = sampling_plan(lot, 0, level, "reduced")  # AQL 0 keeps the level's own letter
        assert plan.table_sample_size == REDUCED_SIZES[letter]


# --------------------------------------------------------------------------- 100 %, AQL 0, errors


def test_sample_size_at_least_lot_size_means_100_percent_inspection() -> None:
    plan = sampling_plan(10, 0.65, "II")  # B, down arrow to F: n = 20 > 10
    assert plan.is_100_percent and plan.sample_size == 10 and plan.table_sample_size == 20
    assert (plan.code_letter, plan.accept, plan.reject) == ("F", 0, 1)
    equal = sampling_plan(8, 6.5, "II")  # A: n = 2 < 8
    assert not equal.is_100_percent and equal.sample_size == 2
    at_n = sampling_plan(2, 6.5, "II")  # n = 2 = lot size
    assert at_n.is_100_percent and at_n.sample_size == 2 and at_n.accept == 0


def test_aql_zero_policy_accept_0_reject_1_with_level_letter_sample_size() -> None:
    plan = sampling_plan(10000, 0, "II")
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == ("L", 200, 0, 1)
    assert sampling_plan(10000, 0, "II", "reduced").sample_size == 80
    assert sampling_plan(10000, 0.0, "S-2").sample_size == 8  # D
    assert sampling_plan(3, 0, "III").is_100_percent  # B: n = 3 = lot


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(lot_size=100, aql=3.0), "AQL"),
        (dict(lot_size=100, aql=2.5, level="IV"), "level"),
        (dict(lot_size=100, aql=2.5, stage="skip"), "stage"),
        (dict(lot_size=0, aql=2.5), "lot_size"),
        (dict(lot_size=-5, aql=2.5), "lot_size"),
    ],
)
def test_errors(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        sampling_plan(**kwargs)


def test_vectorised_helper_matches_scalar() -> None:
    frame = pd.DataFrame({
        "lot_size": [10000, 8, 600000, 10, 10000, 10000, 3],
        "aql": [2.5, 10, 0.015, 0.65, 2.5, 0.0, 0],
        "level": ["II", "II", "III", "II", "II", "II", "III"],
        "stage": ["normal", "normal", "normal", "normal", "reduced", "tightened", "normal"],
    }, index=list("abcdefg"))
    out = sampling_plans_for(frame)
    assert list(out.index) == list("abcdefg")
    for key, row in frame.iterrows():
        p = sampling_plan(int(row.lot_size), row.aql, row.level, row.stage)
        got = out.loc[key]
        assert (got.code_letter, got.sample_size, got.accept, got.reject, got.is_100_percent) == (
            p.code_letter, p.sample_size, p.accept, p.reject, p.is_100_percent)
    assert out.loc["e", "reject"] == 8 and out.loc["b", "code_letter"] == "C"
    with pytest.raises(ValueError):
        sampling_plans_for(frame.assign(aql=3.0))


# --------------------------------------------------------------------------- probabilities


def binom_cdf(ac: int, n: int, p: float) -> float:
    return sum(math.comb(n, d) * p**d * (1 - p) ** (n - d) for d in range(ac + 1))


def hyper_cdf(ac: int, lot: int, defectives: int, n: int) -> float:
    return sum(
        math.comb(defectives, d) * math.comb(lot - defectives, n - d) for d in range(ac + 1)
    ) / math.comb(lot, n)


def test_worked_example_10000_units() -> None:
    plan = sampling_plan(10000, 2.5, "II")
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == ("L", 200, 10, 11)
    pa = acceptance_probability(plan.sample_size, plan.accept, 0.05)
    assert pa == pytest.approx(binom_cdf(10, 200, 0.05), rel=1e-12)
    assert pa == pytest.approx(0.583067182, abs=1e-9)
    pa_lot = acceptance_probability(200, 10, 0.05, lot_size=10000)
    assert pa_lot == pytest.approx(hyper_cdf(10, 10000, 500, 200), rel=1e-10)
    assert pa_lot == pytest.approx(0.583136, abs=1e-6)


@pytest.mark.parametrize(("n", "ac", "p"), [(13, 1, 0.04), (80, 2, 0.01), (125, 3, 0.03), (2, 0, 0.065), (50, 0, 0.0)])
def test_binomial_acceptance_probability(n, ac, p) -> None:
    assert acceptance_probability(n, ac, p) == pytest.approx(binom_cdf(ac, n, p), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("n", "ac", "p", "lot"), [(13, 1, 0.04, 90), (32, 2, 0.05, 280), (20, 0, 0.02, 150), (8, 1, 0.125, 8)])
def test_hypergeometric_acceptance_probability(n, ac, p, lot) -> None:
    defectives = round(p * lot)
    assert acceptance_probability(n, ac, p, lot) == pytest.approx(hyper_cdf(ac, lot, defectives, n), rel=1e-10)


def test_acceptance_probability_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        acceptance_probability(10, 1, 1.5)
    with pytest.raises(ValueError):
        acceptance_probability(10, 1, 0.1, lot_size=5)


def test_oc_curve() -> None:
    plan = sampling_plan(10000, 2.5)
    curve = oc_curve(plan, [0.0, 0.025, 0.05, 0.1])
    assert list(curve.columns) == ["defect_rate", "p_accept"]
    assert curve.p_accept.iloc[0] == 1.0
    assert curve.p_accept.iloc[2] == pytest.approx(binom_cdf(10, 200, 0.05), rel=1e-12)
    assert curve.p_accept.is_monotonic_decreasing
    typed = oc_curve((80, 2), [0.01])
    assert typed.p_accept.iloc[0] == pytest.approx(binom_cdf(2, 80, 0.01), rel=1e-12)
    finite = oc_curve((32, 2), [0.05], lot_size=280)
    assert finite.p_accept.iloc[0] == pytest.approx(hyper_cdf(2, 280, 14, 32), rel=1e-10)


# --------------------------------------------------------------------------- switching rules


def test_two_of_five_rejected_switches_to_tightened() -> None:
    state = replay_switching([True, False, True, False])
    assert state.stage == "tightened"
    assert [(t.lot_index, t.from_stage, t.to_stage) for t in state.transitions] == [(3, "normal", "tightened")]
    assert state.lot_stages == ("normal",) * 4


def test_two_rejections_six_lots_apart_stay_normal() -> None:
    state = replay_switching([False, True, True, True, True, False])
    assert state.stage == "normal" and state.transitions == ()
    assert replay_switching([False, True, True, True, False]).stage == "tightened"  # 5 lots


def test_five_accepted_on_tightened_returns_to_normal() -> None:
    lots = [True, False, False] + [True] * 4 + [False] + [True] * 5
    state = replay_switching(lots)
    assert [(t.lot_index, t.to_stage) for t in state.transitions] == [(2, "tightened"), (12, "normal")]
    # the rejection of lot 7 on tightened belongs to that period: back on normal, none is carried
    assert state.stage == "normal" and state.tightened_rejections == 0
    assert state.lot_stages[3:13] == ("tightened",) * 10


def test_five_cumulative_rejections_on_tightened_discontinue() -> None:
    lots = [False, False, False, False, True, False, True, False, False, True, True]
    state = replay_switching(lots)
    assert [(t.lot_index, t.to_stage) for t in state.transitions] == [(1, "tightened"), (8, "discontinued")]
    assert state.stage == "discontinued" and state.tightened_rejections == 5
    assert state.lot_stages[-2:] == ("discontinued", "discontinued")
    assert state.discontinuations == 1


def test_a_corrective_action_closed_after_discontinuation_resumes_on_tightened() -> None:
    # lots 0-1 rejected (tightened from lot 2); lots 2, 3, 5, 7, 8 rejected on tightened: discontinued after lot 8
    head = [False, False, False, False, True, False, True, False, False]
    # an action closed before lot 8 (while still tightened) changes nothing: it does not pre-empt a discontinuation
    early = replay_switching(head[:8] + [LotOutcome(accepted=False, action_before="CAPA-1 closed 2024-05-01"), True])
    assert early.stage == "discontinued" and early.lot_stages[-1] == "discontinued"
    # closed between lot 8 and lot 9: lot 9 is inspected on tightened, a new tightened period (0 rejections so far)
    state = replay_switching(head + [LotOutcome(accepted=False, action_before="CAPA-2 closed 2024-06-01"), True])
    assert [(t.lot_index, t.from_stage, t.to_stage) for t in state.transitions] == [
        (1, "normal", "tightened"), (8, "tightened", "discontinued"), (8, "discontinued", "tightened")]
    assert state.transitions[-1].reason == "corrective action CAPA-2 closed 2024-06-01: resumed on tightened"
    assert state.lot_stages[8:] == ("tightened", "tightened", "tightened")
    assert state.stage == "tightened" and state.tightened_rejections == 1 and state.discontinuations == 1
    # 5 more rejections discontinue again; an action closed after the last lot resumes the next one
    again = replay_switching(head + [LotOutcome(accepted=False, action_before="CAPA-2")] + [False] * 4,
                             action_after_last="CAPA-3 closed 2024-09-01")
    assert [t.to_stage for t in again.transitions] == ["tightened", "discontinued", "tightened", "discontinued",
                                                       "tightened"]
    assert again.transitions[-1].lot_index == 13 and again.discontinuations == 2
    assert again.stage == "tightened" and again.tightened_rejections == 0
    # without a discontinuation, an action after the last lot changes nothing
    assert replay_switching([True, True], action_after_last="CAPA-4").transitions == ()


def lot(defects: int) -> LotOutcome:
    return LotOutcome(defects=defects, lot_size=10000)


def test_switching_score_to_reduced_with_ac_at_least_2() -> None:
    # L, AQL 2.5: Ac 10; one step tighter (1.5) Ac 7. Lots with <= 7 defects earn 3 points.
    state = replay_switching([lot(7)] * 9, aql=2.5)
    assert state.stage == "normal" and state.switching_score == 27
    state = replay_switching([lot(7)] * 10, aql=2.5)
    assert state.stage == "reduced"
    assert [(t.lot_index, t.from_stage, t.to_stage) for t in state.transitions] == [(9, "normal", "reduced")]
    # 8 defects: accepted at 2.5 but not at 1.5 -> score reset
    state = replay_switching([lot(3)] * 9 + [lot(8)] + [lot(0)] * 9, aql=2.5)
    assert state.stage == "normal" and state.switching_score == 27


def test_switching_score_with_ac_0_or_1_adds_2() -> None:
    state = replay_switching([lot(0)] * 14, aql=0.065)  # L, AQL 0.065: Ac 0
    assert state.stage == "normal" and state.switching_score == 28
    assert replay_switching([lot(0)] * 15, aql=0.065).stage == "reduced"


def test_reduced_needs_approval_and_steady_production() -> None:
    assert replay_switching([lot(0)] * 12, aql=2.5, authority_approves_reduced=False).stage == "normal"
    unsteady = [lot(0)] * 9 + [LotOutcome(defects=0, lot_size=10000, production_steady=False)]
    state = replay_switching(unsteady, aql=2.5)
    assert state.stage == "normal" and state.switching_score == 30


def test_reduced_back_to_normal() -> None:
    head = [lot(0)] * 10  # -> reduced after lot 9; reduced L 2.5: n 80, Ac 5, Re 8
    ok = replay_switching(head + [lot(5)], aql=2.5)
    assert ok.stage == "reduced" and ok.lot_stages[-1] == "reduced"
    between = replay_switching(head + [lot(6)], aql=2.5)
    assert between.stage == "normal" and "Ac < defects < Re" in between.transitions[-1].reason
    rejected = replay_switching(head + [lot(8)], aql=2.5)
    assert rejected.stage == "normal" and rejected.transitions[-1].reason == "lot rejected on reduced"
    assert replay_switching(head + [False], aql=2.5).stage == "normal"


# --------------------------------------------------------------------------- posterior


def beta_cdf_integer(x: float, a: int, b: int) -> float:
    """Beta(a, b) CDF for integer a, b: P(Binomial(a + b - 1, x) >= a)."""
    n = a + b - 1
    return sum(math.comb(n, j) * x**j * (1 - x) ** (n - j) for j in range(a, n + 1))


def test_defect_rate_posterior() -> None:
    post = defect_rate_posterior(2, 48, 1, 1, credible=0.9)  # Beta(3, 47)
    assert (post.alpha, post.beta) == (3, 47)
    assert post.mean == pytest.approx(3 / 50)
    assert beta_cdf_integer(post.lower, 3, 47) == pytest.approx(0.05, abs=1e-9)
    assert beta_cdf_integer(post.upper, 3, 47) == pytest.approx(0.95, abs=1e-9)
    flat = defect_rate_posterior(0, 1, 1, 1, credible=0.5)  # Beta(1, 2): CDF 1 - (1 - x)^2
    assert flat.lower == pytest.approx(1 - math.sqrt(0.75))
    assert flat.upper == pytest.approx(1 - math.sqrt(0.25))
    with pytest.raises(ValueError):
        defect_rate_posterior(5, 4, 1, 1)


# --------------------------------------------------------------------------- recommend_plan


def test_recommend_plan_picks_smallest_sample_meeting_target() -> None:
    # Level I: J, AQL 1.0 -> n 80, Ac 2; level II: L -> n 200, Ac 5 (lot of 10 000, 5 % defective)
    pa_i = hyper_cdf(2, 10000, 500, 80)
    pa_ii = hyper_cdf(5, 10000, 500, 200)
    assert pa_ii < 0.10 < pa_i < 0.30
    rec = recommend_plan(10000, 0.05, 0.10, aql_options=(1.0,), levels=("I", "II"))
    assert rec.meets_target and rec.plan.level == "II" and rec.plan.sample_size == 200
    assert rec.p_accept == pytest.approx(pa_ii, rel=1e-9)
    rec = recommend_plan(10000, 0.05, 0.30, aql_options=(1.0,), levels=("I", "II"))
    assert rec.meets_target and rec.plan.level == "I" and rec.plan.sample_size == 80


def test_recommend_plan_flags_unreachable_target() -> None:
    rec = recommend_plan(10000, 0.01, 0.001, aql_options=(2.5, 4.0), levels=("S-1", "S-2"))
    assert not rec.meets_target
    # strictest available: S-2 -> D (n 8); 2.5 -> D up arrow to C (n 5, Ac 0); 4.0 -> D down to E (n 13, Ac 1)
    assert (rec.plan.sample_size, rec.plan.accept) == (5, 0)
    assert rec.p_accept == pytest.approx(hyper_cdf(0, 10000, 100, 5), rel=1e-9)


# --------------------------------------------------------------------------- data files


def test_tables_keep_arrows_as_printed_and_cite_their_source() -> None:
    import csv

    with open(aql.DATA_DIR / "table_2a_normal.csv", newline="") as handle:
        rows = {r["code_letter"]: r for r in csv.DictReader(handle)}
    # arrow cells are stored as arrows, not pre-resolved plans
    assert (rows["L"]["10"], rows["H"]["0.65"], rows["D"]["2.5"]) == ("up", "down", "up")
    with open(aql.DATA_DIR / "table_2c_reduced.csv", newline="") as handle:
        reduced = {r["code_letter"]: r for r in csv.DictReader(handle)}
    assert reduced["L"]["2.5"] == "5/8"
    readme = (aql.DATA_DIR / "README.md").read_text()
    assert "MIL-STD-105E" in readme and "10 May 1989" in readme and "Table II-C" in readme


def test_bare_booleans_earn_no_switching_points() -> None:
    state = replay_switching([True] * 40, aql=2.5)
    assert state.stage == "normal" and state.switching_score == 0


def test_unsteady_production_ends_reduced_inspection() -> None:
    lots = [lot(0)] * 10 + [LotOutcome(defects=0, lot_size=10000, production_steady=False)]
    state = replay_switching(lots, aql=2.5)
    assert [t.to_stage for t in state.transitions] == ["reduced", "normal"]
    assert state.transitions[-1].reason == "production not steady"


def test_replay_needs_a_decision_for_each_lot() -> None:
    with pytest.raises(ValueError, match="lot 0"):
        replay_switching([LotOutcome(defects=3)], aql=2.5)


def test_replay_judges_each_lot_with_the_plan_of_the_stage_in_force() -> None:
    # 9 defects: accepted on normal (Ac 10) but rejected on tightened (Re 9)
    lots = [lot(11), lot(11), lot(9), lot(9)]
    state = replay_switching(lots, aql=2.5)
    assert state.lot_stages == ("normal", "normal", "tightened", "tightened")
    assert state.tightened_rejections == 2
    assert replay_switching([lot(9)] * 3, aql=2.5).stage == "normal"


def test_a_sample_smaller_than_the_plan_is_judged_by_the_inspector_and_earns_no_points() -> None:
    # Lot 10 000, level II, AQL 2.5: normal L n 200, Ac 10, Re 11. Sampled 80 with 6 defects (7.5 %) and
    # rejected by the inspector: 6 < Re 11 must not count as accepted against a sample of 200 never drawn.
    rejected = [LotOutcome(defects=6, lot_size=10000, sample_size=80, accepted=False)] * 10
    state = replay_switching(rejected, aql=2.5, level="II")
    # lots 0, 1 rejected -> tightened from lot 2; lots 2-6 rejected on tightened (5) -> discontinued
    assert [(t.lot_index, t.to_stage) for t in state.transitions] == [(1, "tightened"), (6, "discontinued")]
    assert state.stage == "discontinued" and state.switching_score == 0
    # Accepted on a sample of 80: the decision stands but earns nothing (15 x 3 = 45 points before).
    passed = [LotOutcome(defects=0, lot_size=10000, sample_size=80, accepted=True)] * 15
    state = replay_switching(passed, aql=2.5, level="II")
    assert (state.stage, state.switching_score, state.transitions) == ("normal", 0, ())
    # A full sample of 200 is judged by its count: 0 <= Ac 7 of the 1.5 column in row L -> 3 a lot, 30 after 10.
    full = [LotOutcome(defects=0, lot_size=10000, sample_size=200, accepted=True)] * 10
    state = replay_switching(full, aql=2.5, level="II")
    assert [(t.lot_index, t.to_stage) for t in state.transitions] == [(9, "reduced")]
    with pytest.raises(ValueError, match="smaller than"):
        replay_switching([LotOutcome(defects=0, lot_size=10000, sample_size=80)], aql=2.5, level="II")
