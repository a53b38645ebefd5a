"""Split a charge (freight, duty, a quality cost) across lines to the cent, by value, weight, volume or quantity.

Largest-remainder (Hamilton) method on integer cents: each line gets floor(cents x w / W), then the cents left
over go one each to the lines with the largest fractional remainders, ties to the earlier line. The parts
always sum to the charge exactly. A charge whose weights are all zero or missing is never dropped silently: it
is either split equally (and reported) or left unallocated (and reported), as the caller chooses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

FALLBACKS = ("equal", "raise", "report")


class AllocationError(ValueError):
    """A charge cannot be allocated on the requested basis."""


def to_cents(amount: float) -> int:
    """Amount in integer cents, half up away from zero (0.005 -> 1, -0.005 -> -1)."""
    return int(Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)


def _is_missing(w: object) -> bool:
    return w is None or (isinstance(w, float) and math.isnan(w)) or w is pd.NA


def _exact(w: object) -> Fraction:
    """A weight as the decimal it reads as (0.01 -> 1/100, not the binary double 0.01000000000000000020...).

    Both `allocate` and `allocate_frame` use it, so a tie between remainders breaks the same way in both.
    """
    if isinstance(w, (float, np.floating)):
        return Fraction(repr(float(w)))
    return Fraction(str(w))


def _largest_remainder(cents: int, weights: Sequence[Fraction]) -> list[int]:
    total_w = sum(weights, Fraction(0))
    sign = -1 if cents < 0 else 1
    pool = abs(cents)
    quotas = [pool * w / total_w for w in weights]
    floors = [math.floor(q) for q in quotas]
    left = pool - sum(floors)
    # Largest fractional part first; ties by position (stable sort keeps the earlier line first).
    order = sorted(range(len(weights)), key=lambda i: -(quotas[i] - floors[i]))
    for i in order[:left]:
        floors[i] += 1
    return [sign * f for f in floors]


def allocate(
    amount: float,
    weights: Sequence[float | None],
    basis_name: str = "weight",
    fallback: str = "equal",
) -> list[float]:
    """Split `amount` over `weights` to the cent (largest remainder, ties by position); parts sum to the amount.

    Missing (None/NaN) weights count as 0. When every weight is 0 or missing, `fallback` decides: "equal"
    splits equally, "raise" (or "report") raises AllocationError naming `basis_name`. Negative weights raise.
    """
    if fallback not in FALLBACKS:
        raise ValueError(f"fallback must be one of {FALLBACKS}")
    if len(weights) == 0:
        raise AllocationError(f"no lines to allocate {amount} to by {basis_name}")
    clean: list[Fraction] = []
    for w in weights:
        if _is_missing(w):
            clean.append(Fraction(0))
            continue
        if float(w) < 0 or math.isinf(float(w)):  # type: ignore[arg-type]
            raise AllocationError(f"{basis_name} weights must be finite and >= 0, got {w}")
        clean.append(_exact(w))
    if sum(clean) == 0:
        if fallback != "equal":
            raise AllocationError(f"every {basis_name} weight is zero or missing; cannot allocate {amount}")
        clean = [Fraction(1)] * len(clean)
    return [c / 100 for c in _largest_remainder(to_cents(amount), clean)]


@dataclass(frozen=True)
class FrameAllocation:
    """Allocated amounts aligned to the input rows, and the charges that were not (or only by fallback) allocated."""

    allocated: pd.Series
    report: pd.DataFrame  # one row per problem charge: group, amount, reason, action

    @property
    def unallocated(self) -> pd.DataFrame:
        """Charges left unallocated (their rows hold NaN in `allocated`)."""
        return self.report[self.report["action"] == "unallocated"]


def allocate_frame(
    df: pd.DataFrame,
    amount_col: str,
    group_col: str,
    weight_col: str,
    fallback: str = "report",
) -> FrameAllocation:
    """Vectorised `allocate` over groups: each group's charge (`amount_col`, the same on every row) split by weight.

    Returns the allocated column (NaN where a charge could not be allocated) and a report listing every charge
    with all-zero/missing weights (action "fallback_equal" with fallback="equal", else "unallocated") or with
    different amounts on its rows (always "unallocated"). With fallback="raise" any such charge raises.
    """
    if fallback not in FALLBACKS:
        raise ValueError(f"fallback must be one of {FALLBACKS}")
    report_cols = ["group", "amount", "reason", "action"]
    if df.empty:
        return FrameAllocation(pd.Series(dtype=float, index=df.index, name="allocated"),
                               pd.DataFrame(columns=report_cols))
    work = pd.DataFrame({
        "group": df[group_col].to_numpy(),
        "amount": pd.to_numeric(df[amount_col], errors="coerce").to_numpy(dtype=float),
        "w": pd.to_numeric(df[weight_col], errors="coerce").to_numpy(dtype=float),
        "pos": np.arange(len(df)),
    })
    if (work["w"] < 0).any() or np.isinf(work["w"]).any():
        raise AllocationError(f"{weight_col} must be finite and >= 0")
    work["w"] = work["w"].fillna(0.0)
    grouped = work.groupby("group", sort=False, dropna=False)

    problems: list[dict[str, object]] = []
    n_amounts = grouped["amount"].transform("nunique")
    amount_missing = grouped["amount"].transform("count") == 0  # vectorised "every amount is missing"
    bad_amount = (n_amounts > 1) | amount_missing
    for g, sub in work[bad_amount].groupby("group", sort=False, dropna=False):
        reason = "amount missing" if sub["amount"].isna().all() else "different amounts on rows of one charge"
        problems.append({"group": g, "amount": sub["amount"].dropna().iloc[0] if sub["amount"].notna().any()
                         else np.nan, "reason": reason, "action": "unallocated"})

    w_total = grouped["w"].transform("sum")
    zero = (w_total == 0) & ~bad_amount
    for g, sub in work[zero].groupby("group", sort=False, dropna=False):
        if fallback == "raise":
            raise AllocationError(f"every {weight_col} is zero or missing for charge {g!r}")
        problems.append({"group": g, "amount": float(sub["amount"].iloc[0]),
                         "reason": f"every {weight_col} is zero or missing",
                         "action": "fallback_equal" if fallback == "equal" else "unallocated"})
    if fallback == "equal":
        work.loc[zero, "w"] = 1.0
        w_total = work.groupby("group", sort=False, dropna=False)["w"].transform("sum")

    ok = ~bad_amount & ((w_total > 0) | (fallback == "equal"))
    cents = np.zeros(len(work), dtype=np.int64)
    if ok.any():
        # Exact arithmetic, the same as `allocate`: float quotas can turn an exact tie between remainders (e.g.
        # weights 0.01 / 0.05) into a different winner than the one `allocate` picks.
        sub = work[ok]
        weights = sub["w"].to_numpy(dtype=float)
        micro = np.round(weights * 1e6)  # weights of at most 6 decimals as exact integers (same quotas, scaled)
        code = pd.factorize(sub["group"], use_na_sentinel=False)[0]
        if (micro / 1e6 == weights).all() and (np.abs(weights) < 1e9).all() \
                and np.bincount(code, weights=micro).max() < 2**53:
            first = sub.groupby(code, sort=False)["amount"].transform("first").to_numpy(dtype=float)
            charge_cents = {a: to_cents(a) for a in pd.unique(first)}
            cents[sub["pos"].to_numpy()] = allocate_cents(np.array([charge_cents[a] for a in first], dtype=np.int64),
                                                          code, micro.astype(np.int64))
        else:  # weights with more decimals (sums of doubles): one charge at a time in Fractions
            order = np.argsort(code, kind="stable")  # charge by charge, rows in their order
            amounts, ws, pos = (sub["amount"].to_numpy(dtype=float)[order], weights[order],
                                sub["pos"].to_numpy()[order])
            for rows in np.split(np.arange(len(order)), np.flatnonzero(np.diff(code[order])) + 1):
                cents[pos[rows]] = _largest_remainder(to_cents(float(amounts[rows[0]])), [_exact(w) for w in ws[rows]])
    allocated = pd.Series(cents / 100.0, index=df.index, name="allocated")
    allocated[~ok.to_numpy()] = np.nan
    return FrameAllocation(allocated, pd.DataFrame(problems, columns=report_cols))


def cents_array(amounts) -> np.ndarray:
    """Amounts in dollars as int64 cents, half up away from zero, vectorised (1.005 -> 101, as `to_cents`).

    The product x 100 is first rounded to 6 decimals, which removes the binary error of a decimal input
    (1.005 x 100 = 100.49999999999999 -> 100.5) before the half-up step; NaN stays NaN (float result then).
    """
    values = np.asarray(amounts, dtype=float) * 100.0
    scaled = np.round(values, 6)
    cents = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)
    if np.isnan(cents).any():
        return cents
    return cents.astype(np.int64)


def allocate_cents(amount_cents, groups, weights) -> np.ndarray:
    """Vectorised largest remainder on integer cents: each group's charge split over its rows by integer weights.

    `amount_cents` holds the group's charge on every row of the group (int); `weights` are non-negative integers
    (e.g. line values in cents). A group whose weights are all zero is split equally. Same rule as `allocate`:
    floor of the quota first, then the cents left over one each to the largest remainders, ties to the earlier row;
    the parts sum to the charge exactly. Exact integer arithmetic (Python integers where int64 could overflow).
    """
    amount = np.asarray(amount_cents, dtype=np.int64)
    weight = np.asarray(weights, dtype=np.int64)
    if (weight < 0).any():
        raise AllocationError("weights must be >= 0")
    codes, _ = pd.factorize(pd.Series(groups), sort=False)
    if (codes < 0).any():
        raise AllocationError("group keys must not be missing")
    n_groups = codes.max() + 1 if len(codes) else 0
    total = np.bincount(codes, weights=weight, minlength=n_groups).round().astype(np.int64)
    zero = total[codes] == 0
    if zero.any():  # every weight zero: split equally
        weight = np.where(zero, 1, weight)
        total = np.bincount(codes, weights=weight, minlength=n_groups).round().astype(np.int64)
    sign = np.where(amount < 0, -1, 1)
    pool = np.abs(amount)
    big = len(pool) and int(pool.max()) * int(weight.max()) >= 2**62
    if big:  # exact Python integers; slower, only for very large charges x weights
        product = pool.astype(object) * weight.astype(object)
        quota = np.array(product // total[codes].astype(object), dtype=np.int64)
        remainder = np.array(product % total[codes].astype(object), dtype=float)
    else:
        product = pool * weight
        quota = product // total[codes]
        remainder = (product % total[codes]).astype(float)
    left = np.zeros(n_groups, dtype=np.int64)
    first_row = np.unique(codes, return_index=True)[1]
    left[codes[first_row]] = pool[first_row]
    left -= np.bincount(codes, weights=quota, minlength=n_groups).round().astype(np.int64)
    # Rank rows inside each group by remainder (largest first), ties by position.
    order = np.lexsort((np.arange(len(codes)), -remainder, codes))
    sorted_codes = codes[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_codes)) + 1]
    rank_sorted = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = rank_sorted
    extra = (rank < left[codes]).astype(np.int64)
    return sign * (quota + extra)


__all__ = ["AllocationError", "FrameAllocation", "allocate", "allocate_frame", "allocate_cents", "cents_array",
           "to_cents", "FALLBACKS"]
