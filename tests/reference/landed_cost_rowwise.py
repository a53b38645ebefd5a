"""FROZEN reference for parity tests: landed cost as the build computed it before the step was vectorised
(tests/pipelines/test_landed_cost_parity.py). Not product code; never imported by pipelines/, models/ or dashboard/.

Three parts, copied verbatim on 2026-12-02 (main at f44408c): models/allocation.py's allocate_frame, the frame
rules of models/landed_cost.py (duty stack, entry fees, customs charges) and the whole of
pipelines/steps/landed_cost.py (it read `other_fees` from raw.shipments, since staging turned a blank fee into 0).
Only the reference-table loaders and the small helpers the vectorisation did not touch are imported.

Changed since, each with the rule it mirrors: duty_refunds matches a refund's entry number as entry_ref (2026-12-07:
a refund of E-100 belongs to the shipments of entry e100 too, as the entry summaries always did); the broker's AD/CVD
deposits (2026-12-08: adcvd_deposits, row by row, into duty and the new adcvd columns), the quote's deposits at the
rate the SKU's earlier entries declared (2026-12-08: expected_deposit_per_unit, row by row) and the broker's duty split
by dutiable value when one of the entry's shipments has no computable duty (2026-12-08).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from models.allocation import (
    FALLBACKS,
    AllocationError,
    FrameAllocation,
    _exact,
    _largest_remainder,
    allocate_cents,
    cents_array,
    to_cents,
)
from models.landed_cost import (
    ANY,
    FAR_FUTURE,
    IEEPA_PREFIX,
    _dir,
    _load_duty_rates,
    _load_listed_duties,
    amortise_assists,
    chapter_99_check,
    compare_duty_frame,
    dutiable_values,
    goods_cents,
    incoterm_flags,
    load_de_minimis,
    load_hmf,
    load_mpf,
    verified_through,
)
from pipelines.contract import ENTRY_DATE_ORDER

# ---------------------------------------------------------------------------------------------------------------
# models/allocation.py: allocate_frame (one charge at a time)
# ---------------------------------------------------------------------------------------------------------------

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
        # Exact arithmetic per charge, the same as `allocate`: float quotas can turn an exact tie between
        # remainders (e.g. weights 0.01 / 0.05) into a different winner than the one `allocate` picks.
        sub = work[ok]
        for _, charge in sub.groupby("group", sort=False, dropna=False):
            parts = _largest_remainder(to_cents(float(charge["amount"].iloc[0])),
                                       [_exact(w) for w in charge["w"]])
            cents[charge["pos"].to_numpy()] = parts
    allocated = pd.Series(cents / 100.0, index=df.index, name="allocated")
    allocated[~ok.to_numpy()] = np.nan
    return FrameAllocation(allocated, pd.DataFrame(problems, columns=report_cols))


# ---------------------------------------------------------------------------------------------------------------
# models/landed_cost.py (frame rules)
# ---------------------------------------------------------------------------------------------------------------

def _days(values) -> np.ndarray:
    """Dates (date objects, strings, Timestamps, None) as numpy datetime64[D]; missing -> NaT."""
    return pd.to_datetime(pd.Series(values, dtype=object), errors="raise").to_numpy().astype("datetime64[D]")


def _validity(rows: Sequence) -> dict[str, np.ndarray]:
    """valid_from / valid_to columns of dated reference rows (an open end becomes the far future)."""
    to = pd.Series(_days([r.effective_to for r in rows]), dtype="datetime64[s]").fillna(FAR_FUTURE)
    return {"valid_from": _days([r.effective_from for r in rows]), "valid_to": to.to_numpy()}


def _half_up_div(numerator: np.ndarray, divisor: int) -> np.ndarray:
    """Integer division rounded half up (non-negative numerators): exact cents from integer products."""
    return (numerator + divisor // 2) // divisor


def _rate_e4(rate_pct) -> np.ndarray:
    """Percent rates as integers in 1/10,000 of a percent (17.6 -> 176,000; 0.3464 -> 3,464)."""
    return np.round(np.asarray(rate_pct, dtype=float) * 10_000).astype(np.int64)


def percent_of_cents(cents, rate_pct) -> np.ndarray:
    """round_half_up(cents x rate / 100) in exact integer arithmetic (rates have at most 4 decimals)."""
    return _half_up_div(np.asarray(cents, dtype=np.int64) * _rate_e4(rate_pct), 1_000_000)


@lru_cache(maxsize=8)
def _duty_frame(ref_dir: str) -> pd.DataFrame:
    rows = _load_duty_rates(ref_dir)
    frame = pd.DataFrame({
        "prefix": [r.hs_digits for r in rows],
        "hs_prefix": [r.hs_code for r in rows],
        "row_origin": [r.origin_country for r in rows],
        "duty_type": [r.duty_type for r in rows],
        "rate_pct": [r.rate_pct for r in rows],
        **_validity(rows),
        "loaded_before": _days([r.loaded_before for r in rows]),
        "requires_claim": [r.requires_claim for r in rows],
        "ch99_heading": [r.ch99_heading for r in rows],
        "basis": [r.basis for r in rows],
        "not_stacked_on": [r.not_stacked_on for r in rows],
        "status": [r.status for r in rows],
        "source": [r.source for r in rows],
        "notes": [r.notes for r in rows],
    })
    return frame


def duty_components(lines: pd.DataFrame, ref_dir: str | Path | None = None) -> pd.DataFrame:
    """The duty rows in force for each line: one row per line and duty type (vectorised over `lines`).

    `lines` has `hs_code`, `origin_country`, `entry_on` and optionally `loaded_on` (date the goods were loaded,
    for in-transit rules) and `duty_claims` (chapter 99 headings the product claims, e.g. '9903.88.69'). Per duty
    type the row that matches and ranks first wins: a row whose condition (loaded_before / requires_claim) holds
    beats an unconditional one, then the longest HS prefix, then the exact origin over '*'. The result's `line`
    is the position of the line in `lines`; lines without an `mfn` component are simply absent from `mfn` rows.
    """
    rates = _duty_frame(_dir(ref_dir))
    n = len(lines)
    work = pd.DataFrame({
        "line": np.arange(n),
        "digits": lines["hs_code"].fillna("").astype(str).str.replace(r"\D", "", regex=True).to_numpy(),
        "origin": lines["origin_country"].fillna("").astype(str).str.strip().str.upper().to_numpy(),
        "entry": _days(lines["entry_on"]),
        "loaded": _days(lines["loaded_on"]) if "loaded_on" in lines else np.full(n, np.datetime64("NaT"), "M8[D]"),
        "claims": (lines["duty_claims"].fillna("").astype(str).to_numpy() if "duty_claims" in lines
                   else np.full(n, "", dtype=object)),
    })
    key_cols = ["digits", "origin", "entry", "loaded", "claims"]
    keys = work.drop_duplicates(key_cols)[key_cols].reset_index(drop=True)
    keys["key"] = np.arange(len(keys))
    work = work.merge(keys, on=key_cols, how="left")
    # Every prefix of each code (0 .. its length): a fixed loop over at most 10 digit counts, not over lines.
    lengths = keys["digits"].str.len()
    prefixes = pd.concat([pd.DataFrame({"key": keys.loc[lengths >= k, "key"],
                                        "prefix": keys.loc[lengths >= k, "digits"].str[:k]})
                          for k in range(int(lengths.max()) + 1 if len(keys) else 0)], ignore_index=True) \
        if len(keys) else pd.DataFrame(columns=["key", "prefix"])
    cand = prefixes.merge(rates, on="prefix").merge(keys, on="key")
    ok = ((cand["row_origin"] == ANY) | (cand["row_origin"] == cand["origin"])) \
        & (cand["valid_from"] <= cand["entry"]) & (cand["entry"] <= cand["valid_to"])
    has_loaded = cand["loaded_before"].notna()
    ok &= ~has_loaded | (cand["loaded"].notna() & (cand["loaded"] < cand["loaded_before"]))
    needs_claim = cand["requires_claim"] != ""
    if needs_claim.any():
        pairs = keys[["key", "claims"]].assign(claim=keys["claims"].str.upper().str.split(r"[\s,;]+")).explode("claim")
        claimed_keys = set(pairs["key"].astype(str) + "|" + pairs["claim"].fillna(""))
        claimed = (cand["key"].astype(str) + "|" + cand["requires_claim"].str.upper()).isin(claimed_keys)
        ok &= ~needs_claim | claimed
    cand = cand[ok].assign(specific=(has_loaded | needs_claim)[ok].astype(int), plen=lambda d: d["prefix"].str.len(),
                           exact=lambda d: (d["row_origin"] != ANY).astype(int))
    best = (cand.sort_values(["key", "duty_type", "specific", "plen", "exact"], ascending=[True, True, False, False,
                                                                                          False], kind="stable")
            .drop_duplicates(["key", "duty_type"]))
    cols = ["duty_type", "rate_pct", "hs_prefix", "row_origin", "ch99_heading", "basis", "not_stacked_on", "status",
            "source", "notes"]
    out = work[["line", "key"]].merge(best[["key", *cols]], on="key").drop(columns="key")
    out["is_mfn"] = out["duty_type"] != "mfn"  # sort key: MFN first, then by duty type
    return out.sort_values(["line", "is_mfn", "duty_type"], kind="stable").drop(columns="is_mfn") \
        .reset_index(drop=True)


def duty_for_lines(lines: pd.DataFrame, ref_dir: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Duty per line in cents, each component rounded half up then summed (vectorised).

    `lines` is `duty_components`' input plus `dutiable_cents` (integer) and optionally `steel_content_pct` /
    `aluminium_content_pct` (percent of the value; NaN = not recorded). A component on metal content is charged
    on that share of the value, on the whole value when the share is not recorded (`content_assumed_full`); a
    component with `not_stacked_on = section_232` is charged only on the value not covered by Section 232.
    Returns (components with `base_cents` and `amount_cents`, one summary row per line in the order of `lines`).
    """
    comp, summary = price_components(duty_components(lines, ref_dir), lines)
    summary["duty_rows_missing"] = duty_rows_missing(lines, ref_dir)
    summary["duty_known"] = summary["has_mfn"] & summary["duty_rows_missing"].isna()
    return comp, summary


def duty_rows_missing(lines: pd.DataFrame, ref_dir: str | Path | None = None) -> pd.Series:
    """Line by line: the listed duties in force for the line's origin on its entry date (listed_duties.csv) of which
    duty_rates.csv has no row, at any date, whose HS prefix starts the line's code, whose origin is the line's or '*'
    and whose claim (if any) the product makes; joined by ', ', None when none is missing."""
    ref = _dir(ref_dir)
    listed = _load_listed_duties(ref)
    rows = _load_duty_rates(ref)
    out = []
    for hs, origin, entry, claims in zip(lines["hs_code"], lines["origin_country"], pd.to_datetime(lines["entry_on"]),
                                         lines["duty_claims"] if "duty_claims" in lines else [""] * len(lines)):
        digits = re.sub(r"\D", "", "" if pd.isna(hs) else str(hs))
        origin = ("" if pd.isna(origin) else str(origin)).strip().upper()
        claimed = set(re.split(r"[\s,;]+", ("" if pd.isna(claims) else str(claims)).upper()))
        missing = sorted({
            need.duty_type for need in listed
            if need.origin_country == origin and need.effective_from <= entry.date()
            and (need.effective_to is None or entry.date() <= need.effective_to)
            and not any(r.duty_type == need.duty_type and digits.startswith(r.hs_digits)
                        and r.origin_country in (ANY, origin) and (not r.requires_claim
                                                                   or r.requires_claim.upper() in claimed)
                        for r in rows)})
        out.append(", ".join(missing) or None)
    return pd.Series(out, dtype=object)


def price_components(comp: pd.DataFrame, lines: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The amounts of a stack of components (`duty_components`' rows, possibly changed by a what-if) on `lines`.

    See `duty_for_lines`; this is its second half, so a scenario's stack is priced by the same rule.
    """
    comp = comp.copy()
    n = len(lines)
    dutiable = np.asarray(lines["dutiable_cents"], dtype=np.int64)
    line = comp["line"].to_numpy()
    d = dutiable[line]

    def pct(col: str) -> np.ndarray:
        return (np.asarray(lines[col], dtype=float) if col in lines else np.full(n, np.nan))[line]

    share = np.where(comp["basis"] == "steel_content", pct("steel_content_pct"),
                     np.where(comp["basis"] == "aluminium_content", pct("aluminium_content_pct"), np.nan))
    on_content = (comp["basis"] != "value").to_numpy()
    recorded = ~np.isnan(share)
    content = np.where(on_content & recorded, percent_of_cents(d, np.nan_to_num(share)), d)
    base = np.minimum(content, d)
    for other in sorted(set(comp["not_stacked_on"]) - {""}):
        covered = np.bincount(line, weights=np.where(comp["duty_type"] == other, base, 0), minlength=n)
        covered = np.minimum(covered.round().astype(np.int64)[line], d)
        base = np.where(comp["not_stacked_on"] == other, d - covered, base)
    comp["base_cents"] = base
    comp["amount_cents"] = percent_of_cents(base, comp["rate_pct"].to_numpy())
    comp["content_assumed_full"] = on_content & ~recorded
    amounts = comp["amount_cents"].to_numpy()
    is_ieepa = comp["duty_type"].str.startswith(IEEPA_PREFIX).to_numpy()
    # Effective rate: sum of rate x base / dutiable, the rate a one-unit plan should use (6 decimals).
    weighted = comp["rate_pct"].to_numpy() * np.where(d > 0, base / np.maximum(d, 1), 1.0)
    label = comp["duty_type"] + " " + comp["rate_pct"].map(lambda r: f"{r:g}") + "%" \
        + np.where(on_content & recorded, " of " + comp["basis"].str.replace("_", " "), "") \
        + np.where(comp["content_assumed_full"], " (content not recorded: full value)", "")
    unverified = comp["status"] != "verified"
    heading = comp["ch99_heading"].fillna("").astype(str) if "ch99_heading" in comp else pd.Series("", comp.index)
    row_labels = (comp["duty_type"] + " " + comp["hs_prefix"] + " " + comp["row_origin"] + " " + heading) \
        .str.rstrip()
    grouped = comp.assign(label=label, unv=np.where(unverified, row_labels, None)).groupby("line")
    summary = pd.DataFrame(index=pd.RangeIndex(n))
    summary["duty_cents"] = np.bincount(line, weights=amounts, minlength=n).round().astype(np.int64)
    summary["ieepa_cents"] = np.bincount(line, weights=np.where(is_ieepa, amounts, 0), minlength=n).round() \
        .astype(np.int64)
    summary["effective_rate_pct"] = np.round(np.bincount(line, weights=weighted, minlength=n), 6)
    summary["stacked_rate_pct"] = np.round(np.bincount(line, weights=comp["rate_pct"], minlength=n), 6)
    summary["has_mfn"] = np.bincount(line, weights=(comp["duty_type"] == "mfn"), minlength=n) > 0
    summary["content_assumed_full"] = np.bincount(line, weights=comp["content_assumed_full"], minlength=n) > 0
    summary["duty_components"] = grouped["label"].agg(" + ".join).reindex(summary.index)
    summary["unverified_rows"] = grouped["unv"].agg(lambda s: "; ".join(s.dropna())).reindex(summary.index) \
        .replace("", None)
    # per line, row by row: the numbers of the rows in force, of those charging duty, the types without a number
    for col, keep in (("chapter_99_applicable", heading != ""), ("chapter_99_charged", (heading != "") & (amounts > 0))):
        summary[col] = [", ".join(heading[(line == i) & keep]) or None for i in range(n)]
    summary["chapter_99_unnumbered"] = [", ".join(comp["duty_type"][(line == i) & (heading == "")]) or None
                                        for i in range(n)]
    return comp, summary


def _dated_lookup(table: pd.DataFrame, dates: np.ndarray, after: date | None) -> pd.DataFrame:
    """Row of `table` (valid_from/valid_to, one row in force per date) for each date; NaN where none is in force.

    A date after `after` (the table's verified-through date) that no row covers takes the latest row, carried
    forward (`carried_forward` True); a date before the table starts stays uncovered (unknown, never 0).
    """
    n = len(dates)
    out = pd.DataFrame({"pos": np.arange(n), "date": dates})
    if table.empty or n == 0:
        return out.assign(row=np.nan, carried_forward=False)
    cross = out.merge(table.reset_index(names="row")[["row", "valid_from", "valid_to"]], how="cross")
    hit = cross[(cross["valid_from"] <= cross["date"]) & (cross["date"] <= cross["valid_to"])]
    hit = hit.drop_duplicates("pos")
    out = out.merge(hit[["pos", "row"]], on="pos", how="left")
    out["carried_forward"] = False
    if after is not None:
        latest = table["valid_from"].idxmax()
        late = out["row"].isna() & (out["date"] > np.datetime64(after, "D"))
        out.loc[late, "row"] = latest
        out.loc[late, "carried_forward"] = True
    return out


def _mpf_frame(ref_dir: str) -> pd.DataFrame:
    rows = load_mpf(ref_dir)
    frame = pd.DataFrame({
        "fiscal_year": [r.fiscal_year for r in rows], "entry_type": [r.entry_type for r in rows], **_validity(rows),
        "rate_pct": [r.rate_pct for r in rows],
        "min_cents": [round(r.min_usd * 100) for r in rows], "max_cents": [round(r.max_usd * 100) for r in rows],
        "max_entry_cents": [np.nan if r.max_entry_value_usd is None else round(r.max_entry_value_usd * 100)
                            for r in rows],
        "status": [r.status for r in rows],
    })
    return frame


def _by_origin_lookup(table: pd.DataFrame, origins: np.ndarray, dates: np.ndarray, after: date | None) -> pd.DataFrame:
    """Per (origin, date): the exact-origin row in force, else the '*' row (carry-forward as `_dated_lookup`)."""
    results = []
    for origin_rows, label in ((table[table["origin"] != ANY], "exact"), (table[table["origin"] == ANY], "any")):
        found = pd.DataFrame({"pos": np.arange(len(dates)), "row": np.nan, "carried_forward": False})
        for origin, sub in origin_rows.groupby("origin"):  # a loop over the table's few origins, not over lines
            mask = (origins == origin) if label == "exact" else np.ones(len(dates), dtype=bool)
            if not mask.any():
                continue
            hit = _dated_lookup(sub, dates[mask], after)
            idx = np.flatnonzero(mask)
            found.loc[idx, "row"] = hit["row"].to_numpy()
            found.loc[idx, "carried_forward"] = hit["carried_forward"].to_numpy()
        results.append(found)
    exact, anyrow = results
    use_exact = exact["row"].notna()
    return exact.where(use_exact, anyrow)


def de_minimis_cents(origins, dates, ref_dir: str | Path | None = None) -> np.ndarray:
    """Duty-free de minimis threshold per line in cents (0 when suspended or when no row covers the date)."""
    rows = load_de_minimis(ref_dir)
    origins = pd.Series(origins).fillna("").astype(str).str.strip().str.upper().to_numpy()
    dates = _days(dates)
    if not rows:
        return np.zeros(len(dates), dtype=np.int64)
    table = pd.DataFrame({"origin": [r.origin_country for r in rows], **_validity(rows),
                          "threshold_cents": [round(r.threshold_usd * 100) for r in rows]})
    hit = _by_origin_lookup(table, origins, dates, verified_through(ref_dir).get("us_de_minimis"))
    rows_idx = hit["row"].to_numpy()
    found = ~np.isnan(rows_idx)
    out = np.zeros(len(dates), dtype=np.int64)
    out[found] = table["threshold_cents"].to_numpy()[rows_idx[found].astype(int)]
    return out


def entry_fees(entries: pd.DataFrame, ref_dir: str | Path | None = None) -> pd.DataFrame:
    """MPF per customs entry (vectorised): de minimis, informal flat fee or formal clamp(rate x value, min, max).

    `entries` has `entry_on`, `entered_cents` (the entry's whole entered value) and optionally
    `de_minimis_cents` (the entry's threshold, 0 = none). An entry at or under its de minimis threshold pays no MPF
    (`entry_type` de_minimis); one under an informal row's `max_entry_value_usd` pays that row's flat fee
    (informal); any other pays the formal fee of its fiscal year. Returns, per entry: entry_type, mpf_cents (NaN
    when no row covers the date), mpf_fiscal_year, mpf_status, mpf_carried_forward.
    """
    ref = _dir(ref_dir)
    table = _mpf_frame(ref)
    after = verified_through(ref).get("us_mpf")
    dates = _days(entries["entry_on"])
    value = np.asarray(entries["entered_cents"], dtype=np.int64)
    threshold = (np.asarray(entries["de_minimis_cents"], dtype=np.int64) if "de_minimis_cents" in entries
                 else np.zeros(len(entries), dtype=np.int64))
    out = pd.DataFrame(index=entries.index)
    formal = table[table["entry_type"] == "formal"].reset_index(drop=True)
    informal = table[table["entry_type"] == "informal"].reset_index(drop=True)
    f_hit = _dated_lookup(formal, dates, after)
    i_hit = _dated_lookup(informal, dates, after)

    def take(frame: pd.DataFrame, hit: pd.DataFrame, col: str) -> np.ndarray:
        rows = hit["row"].to_numpy()
        found = ~np.isnan(rows)
        values = np.full(len(rows), np.nan, dtype=object)
        values[found] = frame[col].to_numpy()[rows[found].astype(int)]
        return values

    i_max = take(informal, i_hit, "max_entry_cents").astype(float)
    is_de_minimis = (threshold > 0) & (value <= threshold)
    is_informal = ~is_de_minimis & ~np.isnan(i_max) & (value <= np.nan_to_num(i_max, nan=-1))
    f_rate = take(formal, f_hit, "rate_pct").astype(float)
    f_min, f_max = take(formal, f_hit, "min_cents").astype(float), take(formal, f_hit, "max_cents").astype(float)
    raw = np.where(np.isnan(f_rate), np.nan,
                   percent_of_cents(value, np.nan_to_num(f_rate)).astype(float))
    formal_fee = np.clip(raw, f_min, f_max)
    fee = np.where(is_de_minimis, 0.0, np.where(is_informal, take(informal, i_hit, "min_cents").astype(float),
                                                formal_fee))
    out["entry_type"] = np.where(is_de_minimis, "de_minimis", np.where(is_informal, "informal", "formal"))
    out["mpf_cents"] = fee
    out["mpf_fiscal_year"] = np.where(is_informal, take(informal, i_hit, "fiscal_year"),
                                      take(formal, f_hit, "fiscal_year"))
    out.loc[is_de_minimis, "mpf_fiscal_year"] = None
    out["mpf_status"] = np.where(is_informal, take(informal, i_hit, "status"), take(formal, f_hit, "status"))
    out.loc[is_de_minimis, "mpf_status"] = None
    out["mpf_carried_forward"] = np.where(is_informal, i_hit["carried_forward"], f_hit["carried_forward"]) \
        & ~is_de_minimis
    return out


def hmf_cents(values_cents, modes, dates, ref_dir: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Harbor maintenance fee per (entry, mode) group: rate x cargo value for the modes us_hmf.csv lists, else 0.

    Returns (fee in cents, carried_forward flags). A mode without a row (air, express, rail, truck, unknown)
    pays 0 — HMF is an ocean-cargo fee.
    """
    ref = _dir(ref_dir)
    rows = load_hmf(ref)
    modes = pd.Series(modes).fillna("").astype(str).str.strip().str.lower().to_numpy()
    dates = _days(dates)
    values = np.asarray(values_cents, dtype=np.int64)
    fee = np.zeros(len(values), dtype=np.int64)
    carried = np.zeros(len(values), dtype=bool)
    table = pd.DataFrame({"origin": [r.mode for r in rows], **_validity(rows),
                          "rate_pct": [r.rate_pct for r in rows]})
    after = verified_through(ref).get("us_hmf")
    for mode, sub in table.groupby("origin"):  # the table's few modes
        mask = modes == mode
        if not mask.any():
            continue
        hit = _dated_lookup(sub.reset_index(drop=True), dates[mask], after)
        found = hit["row"].notna().to_numpy()
        rate = np.zeros(mask.sum())
        rate[found] = sub["rate_pct"].to_numpy()[hit["row"].to_numpy()[found].astype(int)]
        fee[mask] = np.where(found, percent_of_cents(values[mask], rate), 0)
        carried[mask] = hit["carried_forward"].to_numpy()
    return fee, carried


def estimated_tables(dates, tables: Sequence[str], ref_dir: str | Path | None = None) -> pd.Series:
    """For each entry date, the dated tables it lies beyond the verified-through date of ('' when none).

    Such an entry is costed with the rows as written (the latest carried forward) and flagged estimated.
    """
    through = verified_through(ref_dir)
    days = _days(dates)
    out = pd.Series([""] * len(days), dtype=object)
    for table in tables:  # a handful of tables, each vectorised over the dates
        if table not in through:
            continue
        late = pd.Series(days > np.datetime64(through[table], "D"))
        note = f"{table} (verified through {through[table]})"
        out = out.where(~late, np.where(out == "", note, out + "; " + note))
    return out


# ---------------------------------------------------------------------------------------------------------------
# A frame of customs-entry lines, costed: what the landed-cost step and the demo generator both use
# ---------------------------------------------------------------------------------------------------------------


def customs_charges(lines: pd.DataFrame, ref_dir: str | Path | None = None) -> pd.DataFrame:
    """Dutiable value, duty and the entry's de minimis / MPF / HMF per line of a frame of entry lines (vectorised).

    `lines` columns: entry_key (lines sharing it are one customs entry), entry_on, shipped_on (loading date for
    in-transit rules), mode, incoterm, goods_cents, invoice_freight_cents, invoice_insurance_cents, assist_cents,
    hs_code, origin_country, duty_claims, steel_content_pct, aluminium_content_pct. Returns, in the order of
    `lines`: dutiable_cents (NaN when refused), dutiable_note, duty_cents (NaN when not computable), ieepa_cents,
    duty_rate_pct (effective), duty_components, unverified_rows, content_assumed_full, entry_type, entry_value_cents,
    entry_mpf_cents, mpf_cents and hmf_cents (the line's share, split by dutiable value to the cent; NaN when no row
    covers the date), estimated_tables ('' when none).
    """
    from models.allocation import allocate_cents

    n = len(lines)
    index = lines.index
    lines = lines.reset_index(drop=True)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    dutiable_f, note = dutiable_values(lines["goods_cents"], lines["incoterm"], lines["invoice_freight_cents"],
                                       lines["invoice_insurance_cents"], lines["assist_cents"], 0, ref_dir)
    ok = ~np.isnan(dutiable_f)
    dutiable = np.nan_to_num(dutiable_f).astype(np.int64)
    out["dutiable_cents"] = dutiable_f
    out["dutiable_note"] = note
    entry_on = pd.to_datetime(lines["entry_on"])
    key = lines["entry_key"].astype(str).to_numpy()

    # The duty stack per line, on the entry date.
    has_hs = lines["hs_code"].notna().to_numpy() & ok
    idx = np.flatnonzero(has_hs)
    duty = np.full(n, np.nan)
    ieepa = np.full(n, np.nan)
    ch99 = ("chapter_99_applicable", "chapter_99_charged", "chapter_99_unnumbered")
    for col, default in (("duty_rate_pct", np.nan), ("duty_components", None), ("unverified_rows", None),
                         ("content_assumed_full", False), *((c, None) for c in ch99), ("duty_rows_missing", None)):
        out[col] = default
    if len(idx):
        stack = lines.iloc[idx].assign(loaded_on=pd.to_datetime(lines["shipped_on"].iloc[idx]),
                                       dutiable_cents=dutiable[idx]).reset_index(drop=True)
        _, summary = duty_for_lines(stack, ref_dir)
        known = summary["duty_known"].to_numpy()
        duty[idx[known]] = summary["duty_cents"].to_numpy()[known]
        ieepa[idx[known]] = summary["ieepa_cents"].to_numpy()[known]
        out.loc[idx[known], "duty_rate_pct"] = summary["effective_rate_pct"].to_numpy()[known]
        for col in ("duty_components", "unverified_rows", "content_assumed_full", *ch99):
            out.loc[idx[known], col] = summary[col].to_numpy()[known]
        mfn = summary["has_mfn"].to_numpy()
        out.loc[idx[mfn], "duty_rows_missing"] = summary["duty_rows_missing"].to_numpy()[mfn]

    # The entry: de minimis, MPF (formal / informal) and HMF, once per entry, then split by dutiable value.
    value = pd.Series(np.where(ok, dutiable, np.nan))
    entries = pd.DataFrame({"key": key, "value": value,
                            "threshold": de_minimis_cents(lines["origin_country"], entry_on, ref_dir),
                            "entry_on": entry_on}) \
        .groupby("key", sort=False).agg(entered=("value", lambda v: v.sum(min_count=len(v))),
                                        threshold=("threshold", "min"), entry_on=("entry_on", "first"))
    known = entries[entries["entered"].notna()]
    fees = entry_fees(pd.DataFrame({"entry_on": known["entry_on"], "entered_cents": known["entered"].astype(np.int64),
                                    "de_minimis_cents": known["threshold"].astype(np.int64)}), ref_dir) \
        .reindex(entries.index).reindex(key)
    out["entry_type"] = fees["entry_type"].to_numpy()
    out["entry_value_cents"] = entries["entered"].reindex(key).to_numpy()
    out["entry_mpf_cents"] = fees["mpf_cents"].to_numpy(dtype=float)
    de_minimis = (out["entry_type"] == "de_minimis").to_numpy()
    duty = np.where(de_minimis & ~np.isnan(duty), 0.0, duty)
    ieepa = np.where(de_minimis & ~np.isnan(ieepa), 0.0, ieepa)
    out.loc[de_minimis, "duty_components"] = "de minimis (no duty, no entry)"
    out.loc[de_minimis, list(ch99)] = None
    out.loc[de_minimis, "duty_rate_pct"] = 0.0
    out["duty_cents"] = duty
    out["ieepa_cents"] = ieepa
    mpf_known = ~np.isnan(out["entry_mpf_cents"].to_numpy()) & ok
    mpf = np.full(n, np.nan)
    if mpf_known.any():
        mpf[mpf_known] = allocate_cents(out["entry_mpf_cents"].to_numpy()[mpf_known].astype(np.int64),
                                        key[mpf_known], dutiable[mpf_known])
    out["mpf_cents"] = mpf
    mode = lines["mode"].fillna("").astype(str).str.strip().str.lower()
    mode_key = pd.Series(key) + "|" + mode
    groups = pd.DataFrame({"key": mode_key, "value": value, "mode": mode, "entry_on": entry_on}) \
        .groupby("key", sort=False).agg(value=("value", lambda v: v.sum(min_count=len(v))), mode=("mode", "first"),
                                        entry_on=("entry_on", "first"))
    hmf = np.full(n, np.nan)
    known_groups = groups[groups["value"].notna()]
    if len(known_groups):
        fee, _ = hmf_cents(known_groups["value"].astype(np.int64), known_groups["mode"], known_groups["entry_on"],
                           ref_dir)
        group_fee = pd.Series(fee, index=known_groups.index).reindex(mode_key.to_numpy())
        has_fee = group_fee.notna().to_numpy() & ok
        hmf[has_fee] = allocate_cents(group_fee.to_numpy()[has_fee].astype(np.int64), mode_key.to_numpy()[has_fee],
                                      dutiable[has_fee])
    out["hmf_cents"] = hmf
    # Tables read beyond their verified-through date (HMF only matters by sea).
    sea = (mode == "sea").to_numpy()
    late_all = estimated_tables(entry_on, ["duty_rates", "us_mpf", "us_hmf", "us_de_minimis"], ref_dir)
    late_other = estimated_tables(entry_on, ["duty_rates", "us_mpf", "us_de_minimis"], ref_dir)
    out["estimated_tables"] = np.where(sea, late_all, late_other)
    out.index = index
    return out




# ---------------------------------------------------------------------------------------------------------------
# pipelines/steps/landed_cost.py
# ---------------------------------------------------------------------------------------------------------------

BASES = ("value", "weight", "volume", "quantity")
# The allocation basis is a setting: SUPPLIER_RISK_ALLOCATION_BASIS overrides the default (value, as the issue asks).
BASIS_ENV = "SUPPLIER_RISK_ALLOCATION_BASIS"
DEFAULT_BASIS = "value"
SHIPMENT_CHARGES = ("freight", "insurance", "duty", "fees")


def allocation_basis() -> str:
    """The configured allocation basis (value, weight, volume or quantity)."""
    basis = os.environ.get(BASIS_ENV, DEFAULT_BASIS).strip().lower()
    if basis not in BASES:
        raise ValueError(f"{BASIS_ENV} must be one of {BASES}, got {basis!r}")
    return basis


def _money(x: float | None) -> float | None:
    return None if x is None or pd.isna(x) else to_cents(x) / 100


def _dollars(cents) -> np.ndarray:
    """Integer (or NaN) cents as dollars, NaN kept."""
    return np.asarray(cents, dtype=float) / 100


def entry_dates(ship: pd.DataFrame, summary_on: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """(entry key, entry date) per shipment, by the contract's one rule (contract.ENTRY_DATE_ORDER).

    A shipment's own date is `entry_on`, else the earlier of `eta_on` and `delivered_on`, else `shipped_on`: duty
    applies at the date of entry, which comes with arrival and before delivery to the warehouse, so a tariff change
    between the two is not charged. Shipments sharing an `entry_number` are one entry, dated by the earliest
    `entry_on` among them, else the entry date of its imported entry summary (`summary_on`, per shipment), else the
    earliest own date. A shipment without an entry number is an entry of its own.
    """
    own = pd.Series(pd.NaT, index=ship.index, dtype="datetime64[ns]")
    for source in reversed(ENTRY_DATE_ORDER):
        cols = (source,) if isinstance(source, str) else source
        given = pd.concat([pd.to_datetime(ship[c]) for c in cols], axis=1).min(axis=1)
        own = given.where(given.notna(), own)
    number = ship["entry_number"].astype(object).where(ship["entry_number"].notna(), None)
    key = number.where(number.notna(), "shipment:" + ship["shipment_id"].astype(str))
    declared = pd.to_datetime(ship["entry_on"]).groupby(key).transform("min")
    if summary_on is not None:
        declared = declared.where(declared.notna(), pd.to_datetime(summary_on))
    earliest = own.groupby(key).transform("min")
    return key, declared.where(declared.notna(), earliest)


def entry_ref(numbers: pd.Series) -> pd.Series:
    """An entry number compared without case and separators (ABC-1234567-8 = abc12345678): the key that matches an
    entry summary to shipments (`entry_ref` in marts.landed_cost_shipment and marts.customs_entries)."""
    return numbers.astype("string").str.upper().str.replace(r"[^A-Z0-9]", "", regex=True).replace("", pd.NA)


def entry_summaries(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The broker's figures per customs entry from its Form 7501 lines, indexed by `entry_ref`.

    duty / mpf / hmf / entered_value are the sums over the entry's lines (NaN when no line gives one), with the
    entry date, entry type, number of lines and the chapter 99 numbers declared.
    """
    lines = con.execute("""
        select entry_number, line_number, hts_code, is_chapter_99, entry_type, entry_on, entered_value, duty, mpf,
            hmf, ad_duty, cvd_duty, adcvd_cases,
        from staging.entry_summary_lines
        order by entry_number, line_number, hts_code
    """).df()
    cols = ["entry_number", "entry_on", "entry_type", "lines", "entered_value", "duty", "mpf", "hmf", "adcvd",
            "chapter_99", "adcvd_cases"]
    if lines.empty:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="entry_ref"))
    lines["entry_ref"] = entry_ref(lines["entry_number"]).to_numpy()
    g = lines.groupby("entry_ref", sort=True)
    ch99 = lines[lines["is_chapter_99"]].groupby("entry_ref")["hts_code"] \
        .agg(lambda s: ", ".join(sorted(set(s))))
    adcvd, cases = {}, {}
    for row in lines.itertuples(index=False):
        if pd.notna(row.ad_duty) or pd.notna(row.cvd_duty):
            amount = (0.0 if pd.isna(row.ad_duty) else float(row.ad_duty)) + \
                (0.0 if pd.isna(row.cvd_duty) else float(row.cvd_duty))
            adcvd[row.entry_ref] = adcvd.get(row.entry_ref, 0.0) + amount
        if isinstance(row.adcvd_cases, str):
            cases.setdefault(row.entry_ref, set()).update(c.strip() for c in row.adcvd_cases.split(",") if c.strip())
    return pd.DataFrame({
        "entry_number": g["entry_number"].first(),
        "entry_on": pd.to_datetime(g["entry_on"].min()),
        "entry_type": g["entry_type"].agg(lambda s: ", ".join(sorted(set(s.dropna())))).replace("", None),
        "lines": g["line_number"].nunique(),
        **{c: g[c].sum(min_count=1) for c in ("entered_value", "duty", "mpf", "hmf")},
        "adcvd": pd.Series(adcvd, dtype=float).reindex(g.size().index),
        "chapter_99": ch99.reindex(g.size().index),
        "adcvd_cases": pd.Series({k: ", ".join(sorted(v)) for k, v in cases.items()}, dtype=object)
        .reindex(g.size().index),
    })[cols]


def adcvd_deposits(con: duckdb.DuckDBPyConnection, refs: pd.Series, hs_codes: pd.Series,
                   dutiable_cents: np.ndarray) -> np.ndarray:
    """Row by row: each entry summary line's AD and CVD deposits to the entry's shipments whose product code is the
    line's classification or a code of 6+ digits it starts with (else to all the entry's shipments), by dutiable
    value, to the cent; NaN for a shipment that takes none."""
    rows = con.execute("""
        select entry_number, line_number, hts_code, is_chapter_99, ad_duty, cvd_duty
        from staging.entry_summary_lines order by entry_number, line_number, hts_code
    """).df()
    out = np.full(len(refs), np.nan)
    lines: dict[tuple, dict] = {}
    for r in rows.itertuples(index=False):
        line = lines.setdefault((entry_ref(pd.Series([r.entry_number])).iloc[0], r.line_number),
                                {"cents": 0, "declared": False, "classification": ""})
        for amount in (r.ad_duty, r.cvd_duty):
            if pd.notna(amount):
                line["declared"] = True
                line["cents"] += int(round(float(amount) * 100))
        if not r.is_chapter_99:
            line["classification"] = re.sub(r"\D", "", r.hts_code)
    for (ref, _), line in lines.items():
        if not line["declared"]:
            continue
        entry = [i for i in range(len(refs)) if pd.notna(refs.iloc[i]) and refs.iloc[i] == ref]
        digits = {i: re.sub(r"\D", "", "" if pd.isna(hs_codes.iloc[i]) else str(hs_codes.iloc[i])) for i in entry}
        under = [i for i in entry if len(digits[i]) >= 6 and line["classification"].startswith(digits[i])]
        chosen = under or entry
        if not chosen:
            continue
        parts = allocate_cents([line["cents"]] * len(chosen), [0] * len(chosen),
                               [int(dutiable_cents[i]) for i in chosen])
        for i, cents in zip(chosen, parts):
            out[i] = (0.0 if np.isnan(out[i]) else out[i]) + cents / 100
    return out


SHIPMENTS_SQL = """
    select
        shipments.shipment_id, shipments.po_id, purchase_orders.supplier_id, purchase_orders.sku,
        purchase_orders.incoterm, purchase_orders.unit_price, purchase_orders.ordered_on, shipments.mode,
        shipments.shipped_on, shipments.eta_on, shipments.delivered_on, shipments.entry_on, shipments.entry_number,
        shipments.quantity, shipments.freight_cost, shipments.insurance_cost, shipments.invoice_freight,
        shipments.invoice_insurance, shipments.duty_paid,
        raw_fees.other_fees as fees_paid,
        products.hs_code, products.origin_country, products.unit_weight_kg, products.unit_volume_m3,
        products.steel_content_pct, products.aluminium_content_pct, products.duty_claims,
    from staging.shipments as shipments
    inner join staging.purchase_orders as purchase_orders on shipments.po_id = purchase_orders.po_id
    inner join staging.products as products on purchase_orders.sku = products.sku
    left join (select trim(shipment_id) as shipment_id, other_fees from raw.shipments) as raw_fees
        on shipments.shipment_id = raw_fees.shipment_id
    order by shipments.shipment_id
"""


def _assists(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """staging.assists with the supplier defaulted to the SKU's and the cost in cents (empty when none)."""
    frame = con.execute("""
        select
            assists.assist_id, assists.sku, coalesce(assists.supplier_id, products.supplier_id) as supplier_id,
            assists.cost, assists.provided_on, assists.units_declared,
        from staging.assists as assists
        inner join staging.products as products on assists.sku = products.sku
        order by assists.assist_id
    """).df()
    return frame.assign(cost_cents=cents_array(frame["cost"]) if len(frame) else np.zeros(0, dtype=np.int64))


def duty_refunds(con: duckdb.DuckDBPyConnection, ship: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Refunds per shipment: an entry's refund split over its shipments by the duty they carry; and the unmatched.

    A refund names a shipment, or an entry number whose shipments share it in proportion to their duty in landed
    cost (equally when none carries duty). A refund whose entry or shipment is not in the data is reported in
    marts.unallocated_costs, never dropped.
    """
    refunds = con.execute("""
        select refund_id, entry_number, shipment_id, program, claimed_on, amount_claimed, received_on,
            amount_received,
        from staging.duty_refunds
        order by refund_id
    """).df()
    cols = ["refund_id", "program", "entry_key", "shipment_id", "po_id", "supplier_id", "sku", "claimed_on",
            "amount_claimed", "received_on", "amount_received"]
    unalloc_cols = ["source_table", "source_id", "charge", "amount", "basis", "reason"]
    if refunds.empty:
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=unalloc_cols)
    lines = ship[["shipment_id", "entry_number", "entry_key", "po_id", "supplier_id", "sku", "duty"]]
    by_shipment = refunds[refunds["shipment_id"].notna()].merge(lines.drop(columns="entry_number"),
                                                                 on="shipment_id")
    by_entry = refunds[refunds["shipment_id"].isna()].drop(columns="shipment_id")
    by_entry["ref"] = entry_ref(by_entry["entry_number"]).to_numpy()
    numbered = lines[lines["entry_number"].notna()].copy()
    numbered["ref"] = entry_ref(numbered["entry_number"]).to_numpy()
    by_entry = by_entry.drop(columns="entry_number").merge(numbered, on="ref").drop(columns="ref")
    matched = pd.concat([by_shipment, by_entry], ignore_index=True).sort_values(["refund_id", "shipment_id"])
    weights = cents_array(matched["duty"].astype(float))
    for col in ("amount_claimed", "amount_received"):
        known = matched[col].notna().to_numpy()
        parts = np.full(len(matched), np.nan)
        if known.any():
            parts[known] = allocate_cents(cents_array(matched.loc[known, col].astype(float)),
                                          matched.loc[known, "refund_id"], weights[known]) / 100
        matched[col] = parts
    missing = refunds[~refunds["refund_id"].isin(matched["refund_id"])]
    unallocated = pd.DataFrame({
        "source_table": "duty_refunds", "source_id": missing["refund_id"], "charge": "refund_" + missing["program"],
        "amount": missing["amount_received"].fillna(missing["amount_claimed"]).fillna(0.0).astype(float),
        "basis": "duty",
        "reason": "no shipment with this shipment_id or entry_number: refund not attributed to a PO or SKU",
    })
    return matched[cols].reset_index(drop=True), unallocated[unalloc_cols]


def shipment_costs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per shipment: dutiable value, duty (paid / computed), its entry's MPF and HMF share, fees, flags.

    Vectorised over the shipments: `models.landed_cost.customs_charges` computes the duty stack per line and the
    de minimis, MPF and HMF of each customs entry (split over its shipments by dutiable value to the cent); this
    step reads the data, applies the paid figures and the Incoterm, and names the columns of the mart.
    """
    ship = con.execute(SHIPMENTS_SQL).df()
    if ship.empty:
        return pd.DataFrame(columns=rows_columns())
    buyer_pays_duty = incoterm_flags(ship["incoterm"])["buyer_pays_import_duty"].to_numpy(dtype=bool)
    quantity = ship["quantity"].to_numpy(dtype=np.int64)
    goods = goods_cents(quantity, ship["unit_price"])
    freight_cost = cents_array(ship["freight_cost"].fillna(0.0))
    insurance_cost = cents_array(ship["insurance_cost"].fillna(0.0))
    invoice_freight = cents_array(ship["invoice_freight"].fillna(0.0))
    invoice_insurance = cents_array(ship["invoice_insurance"].fillna(0.0))
    # The broker's entry summary (Form 7501 lines), matched on the entry number.
    broker = entry_summaries(con)
    ref = entry_ref(ship["entry_number"])
    has_summary = ref.isin(broker.index).fillna(False).to_numpy(dtype=bool)
    declared = broker.reindex(ref.fillna("").where(has_summary, "").to_numpy())
    entry_key, entry_on = entry_dates(ship, declared["entry_on"].set_axis(ship.index))
    # Assists (moulds, tooling the brand provided) add to the dutiable value, spread over the units declared.
    assist = amortise_assists(ship.assign(entry_on=entry_on), _assists(con))
    # freight_cost / insurance_cost are what the buyer paid on top of the price: always landed, never dutiable.
    # invoice_freight / invoice_insurance are the parts of a C- or D-term price: deducted from the dutiable value.
    charges = customs_charges(ship.assign(
        entry_key=entry_key, entry_on=entry_on, goods_cents=goods, invoice_freight_cents=invoice_freight,
        invoice_insurance_cents=invoice_insurance, assist_cents=assist))
    out = ship[["shipment_id", "po_id", "supplier_id", "sku", "incoterm", "mode", "shipped_on", "delivered_on",
                "entry_number"]].copy()
    out["entry_key"] = entry_key.to_numpy()
    out["entry_ref"] = ref.to_numpy()
    out["entry_on"] = entry_on.dt.date.to_numpy()
    out["entry_type"] = charges["entry_type"]
    out["entry_value"] = _dollars(charges["entry_value_cents"])
    out["quantity"] = quantity
    out["goods_value"] = _dollars(goods)
    out["freight_cost"] = _dollars(freight_cost)
    out["insurance_cost"] = _dollars(insurance_cost)
    out["invoice_freight"] = _dollars(invoice_freight)
    out["invoice_insurance"] = _dollars(invoice_insurance)
    out["assist_value"] = _dollars(assist)
    out["freight"] = _dollars(freight_cost)
    out["insurance"] = _dollars(insurance_cost)
    out["dutiable_value"] = _dollars(charges["dutiable_cents"])
    out["dutiable_note"] = charges["dutiable_note"]
    out["duty_rate_pct"] = charges["duty_rate_pct"].astype(float)
    # The rate the plan used: the stack in force on the order date, on the same dutiable value.
    on_order = np.full(len(ship), np.nan)
    has_hs = ship["hs_code"].notna().to_numpy() & ~np.isnan(charges["dutiable_cents"].to_numpy())
    if has_hs.any():
        ordered = ship[has_hs].assign(entry_on=ship.loc[has_hs, "ordered_on"], loaded_on=pd.NaT,
                                      dutiable_cents=charges.loc[has_hs, "dutiable_cents"].astype(np.int64))
        _, summary = duty_for_lines(ordered.reset_index(drop=True))
        on_order[has_hs] = summary["effective_rate_pct"].where(summary["duty_known"]).to_numpy()
    out["duty_rate_on_order_pct"] = on_order
    out["duty_components"] = charges["duty_components"]
    for col in ("chapter_99_applicable", "chapter_99_charged", "chapter_99_unnumbered", "duty_rows_missing"):
        out[col] = charges[col]

    computed = _dollars(charges["duty_cents"])
    has_computed = ~np.isnan(computed)
    # The broker's duty, MPF and HMF of an entry, split over its shipments: duty by their computed duty (by
    # dutiable value when one is not computable or all are 0), MPF and HMF by dutiable value, as the computed ones
    # are.
    dutiable = np.nan_to_num(charges["dutiable_cents"].to_numpy(dtype=float)).astype(np.int64)
    by_duty = np.nan_to_num(charges["duty_cents"].to_numpy(dtype=float)).astype(np.int64)
    shares = {}
    for col in ("duty", "mpf", "hmf"):
        shares[col] = np.full(len(ship), np.nan)
        known = has_summary & declared[col].notna().to_numpy()
        if known.any():
            groups = ref[known].to_numpy()
            weight = by_duty[known] if col == "duty" else dutiable[known]
            if col == "duty":
                # a shipment whose duty is not computable would otherwise take none of what was declared for it
                unknown = pd.Series(np.isnan(charges["duty_cents"].to_numpy(dtype=float))[known])
                none = (pd.Series(weight).groupby(groups).transform("sum").to_numpy() == 0) \
                    | unknown.groupby(groups).transform("any").to_numpy(dtype=bool)
                weight = np.where(none, dutiable[known], weight)
            shares[col][known] = allocate_cents(cents_array(declared[col].to_numpy(dtype=float)[known]), groups,
                                                weight) / 100
    out["duty_entry_summary"] = shares["duty"]
    out["mpf_entry_summary"] = shares["mpf"]
    out["hmf_entry_summary"] = shares["hmf"]
    adcvd = adcvd_deposits(con, ref, ship["hs_code"], dutiable)
    out["adcvd_entry_summary"] = adcvd

    # What goes into landed cost: the broker's entry summary, then the paid figure, then what the Incoterm puts in
    # the price, then computed.
    has_broker = ~np.isnan(shares["duty"])
    paid = np.where(has_broker, shares["duty"], ship["duty_paid"].to_numpy(dtype=float))
    has_paid = ~np.isnan(paid)
    out["duty_paid"] = ship["duty_paid"].to_numpy(dtype=float)
    out["duty_computed"] = computed
    out["duty"] = np.round(np.where(has_paid, paid, np.where(~buyer_pays_duty, 0.0, np.where(
        has_computed, computed, 0.0))) + np.nan_to_num(adcvd), 2)
    out["duty_source"] = np.where(has_broker, "entry_summary", np.where(has_paid, "paid", np.where(
        ~buyer_pays_duty, "in_price", np.where(has_computed, "computed", "unknown"))))
    check = compare_duty_frame(np.nan_to_num(computed), paid)
    # Under DDP the seller pays the duty: without a paid figure there is nothing of the buyer's to check.
    out["duty_status"] = np.where(~has_computed, "not_computable",
                                  np.where(~has_paid & ~buyer_pays_duty, "in_price", check["status"]))
    out["duty_variance"] = np.where(has_computed, check["difference"], np.nan)
    out["ieepa_duty_computed"] = _dollars(charges["ieepa_cents"])
    out["entry_mpf"] = _dollars(charges["entry_mpf_cents"])
    mpf, hmf = charges["mpf_cents"].to_numpy(dtype=float), charges["hmf_cents"].to_numpy(dtype=float)
    out["mpf_computed"] = _dollars(mpf)
    out["hmf_computed"] = _dollars(hmf)
    fees_paid = ship["fees_paid"].to_numpy(dtype=float)
    # other_fees, when given, is what was paid for brokerage, MPF, HMF and port fees: it replaces the computed
    # MPF/HMF (shown beside it) so they are never counted twice. Without it, the entry summary's MPF and HMF.
    fees_computed = ~np.isnan(mpf) & ~np.isnan(hmf)
    has_fees = ~np.isnan(fees_paid)
    broker_fees = ~np.isnan(shares["mpf"]) | ~np.isnan(shares["hmf"])
    out["fees_paid"] = fees_paid
    out["fees"] = np.where(has_fees, fees_paid, np.where(
        broker_fees, np.round(np.nan_to_num(shares["mpf"]) + np.nan_to_num(shares["hmf"]), 2), np.where(
            ~buyer_pays_duty, 0.0, np.where(fees_computed, _dollars(np.nan_to_num(mpf) + np.nan_to_num(hmf)), 0.0))))
    out["fees_source"] = np.where(has_fees, "paid", np.where(broker_fees, "entry_summary", np.where(
        ~buyer_pays_duty, "in_price", np.where(fees_computed, "computed", "unknown"))))

    # Rates read beyond a table's verified-through date: costed with the rows as written, flagged estimated.
    late = charges["estimated_tables"].to_numpy(dtype=object)
    out["rates_estimated"] = late != ""
    relies = (out["duty_source"] == "computed") | (out["fees_source"] == "computed")
    out["is_estimated"] = out["rates_estimated"] & relies
    out["estimated_tables"] = pd.Series(late, index=out.index, dtype=object).where(out["rates_estimated"], None)
    out["unverified_rows"] = charges["unverified_rows"]
    out["uses_unverified_rows"] = out["unverified_rows"].notna()
    out["content_assumed_full"] = charges["content_assumed_full"].astype(bool)
    out["unit_weight_kg"] = ship["unit_weight_kg"]
    out["unit_volume_m3"] = ship["unit_volume_m3"]
    return out[rows_columns()]


ENTRY_COLUMNS = ["entry_number", "entry_ref", "entry_on", "entry_on_summary", "entry_type_summary", "shipment_count", "po_count",
                 "has_entry_summary", "summary_lines", "dutiable_value", "entered_value_summary", "duty_computed",
                 "duty_summary", "duty_difference", "duty_status", "mpf_computed", "mpf_summary", "hmf_computed",
                 "hmf_summary", "fees_difference", "fees_status", "adcvd_summary", "adcvd_cases", "chapter_99_summary",
                 "chapter_99_expected",
                 "chapter_99_status", "chapter_99_findings", "duty_components", "is_estimated"]


def customs_entries(ship: pd.DataFrame, broker: pd.DataFrame) -> pd.DataFrame:
    """One row per customs entry number (on shipments or on an imported entry summary): the broker's figures beside
    the computed ones.

    duty_status / fees_status compare the entry summary's duty (MPF + HMF) with the computed one by
    `compare_duty_frame` (match within max(1.00, 1%)): `overpaid` / `underpaid` = the broker declared more / less;
    `no_entry_summary` when none was imported, `no_shipments` when the summary's entry is on no shipment,
    `not_computable` when a shipment's duty could not be computed.
    """
    numbered = ship[ship["entry_ref"].notna()]
    if numbered.empty and broker.empty:
        return pd.DataFrame(columns=ENTRY_COLUMNS)
    g = numbered.groupby("entry_ref", sort=True)
    n = g.size()

    def all_or_none(col: str) -> pd.Series:
        return g[col].sum(min_count=1).where(g[col].count() == n)

    ours = pd.DataFrame({
        "entry_number": g["entry_number"].first(), "entry_on": g["entry_on"].min(), "shipment_count": n,
        "po_count": g["po_id"].nunique(), "dutiable_value": all_or_none("dutiable_value"),
        "duty_computed": all_or_none("duty_computed"), "mpf_computed": all_or_none("mpf_computed"),
        "hmf_computed": all_or_none("hmf_computed"),
        "duty_components": g["duty_components"].agg(lambda s: " | ".join(dict.fromkeys(s.dropna()))),
        "is_estimated": g["rates_estimated"].any(),
    })
    theirs = broker.rename(columns={"entry_number": "summary_entry_number", "entry_on": "entry_on_summary",
                                    "entry_type": "entry_type_summary", "lines": "summary_lines",
                                    "entered_value": "entered_value_summary", "duty": "duty_summary",
                                    "mpf": "mpf_summary", "hmf": "hmf_summary", "adcvd": "adcvd_summary",
                                    "chapter_99": "chapter_99_summary"})
    df = ours.join(theirs, how="outer").rename_axis("entry_ref").reset_index()
    # The entry summary's spelling of the number when there is one (shipments may write it without separators).
    df["entry_number"] = df["summary_entry_number"].fillna(df["entry_number"])
    df["has_entry_summary"] = df["summary_lines"].notna()
    df["shipment_count"] = df["shipment_count"].fillna(0).astype(np.int64)
    df["po_count"] = df["po_count"].fillna(0).astype(np.int64)
    df["is_estimated"] = df["is_estimated"].fillna(False).astype(bool)
    for col in ("dutiable_value", "entered_value_summary", "duty_computed", "duty_summary", "mpf_computed",
                "mpf_summary", "hmf_computed", "hmf_summary", "adcvd_summary"):
        df[col] = _dollars(cents_array(df[col].astype(float)))
    fees_computed = df["mpf_computed"] + df["hmf_computed"]
    fees_summary = df["mpf_summary"].fillna(0.0) + df["hmf_summary"].fillna(0.0)
    fees_summary = fees_summary.where(df["mpf_summary"].notna() | df["hmf_summary"].notna())

    def status(computed: pd.Series, declared: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        check = compare_duty_frame(computed.fillna(0.0), declared)
        label = np.where(~df["has_entry_summary"], "no_entry_summary",
                         np.where(df["shipment_count"] == 0, "no_shipments",
                                  np.where(computed.isna(), "not_computable", check["status"])))
        diff = np.where(label == check["status"], check["difference"], np.nan)
        return label, diff

    df["duty_status"], df["duty_difference"] = status(df["duty_computed"], df["duty_summary"])
    df["fees_status"], df["fees_difference"] = status(fees_computed, fees_summary)
    df["entry_on"] = pd.to_datetime(df["entry_on"]).dt.date
    df["entry_on_summary"] = pd.to_datetime(df["entry_on_summary"]).dt.date
    # the chapter 99 check, entry by entry: the numbers of its shipments' rows against the ones declared
    def numbers(mine: pd.DataFrame, col: str) -> list[str]:
        return list(dict.fromkeys(h for text in mine[col].dropna() for h in text.split(", ")))

    expected, status, findings = [], [], []
    for _, row in df.iterrows():
        mine = numbered[numbered["entry_ref"] == row["entry_ref"]]
        charged = numbers(mine, "chapter_99_charged")
        expected.append(", ".join(sorted(charged)) or None)
        if not row["has_entry_summary"] or row["duty_status"] not in ("match", "overpaid", "underpaid"):
            status.append(None)
            findings.append(None)
            continue
        summary = row["chapter_99_summary"]
        declared = summary.split(", ") if isinstance(summary, str) and summary else []
        on = row["entry_on_summary"] if pd.notna(row["entry_on_summary"]) else row["entry_on"]
        found = chapter_99_check(declared, numbers(mine, "chapter_99_applicable"), charged, on,
                                 numbers(mine, "chapter_99_unnumbered"))
        status.append("differs" if found else "matches")
        findings.append("; ".join(found) or None)
    df["chapter_99_expected"], df["chapter_99_status"], df["chapter_99_findings"] = expected, status, findings
    return df.sort_values("entry_number", kind="stable").reset_index(drop=True)[ENTRY_COLUMNS]


def rows_columns() -> list[str]:
    """Columns of marts.landed_cost_shipment (used for an empty table)."""
    return ["shipment_id", "po_id", "supplier_id", "sku", "incoterm", "mode", "shipped_on", "delivered_on",
            "entry_number", "entry_key", "entry_ref", "entry_on", "entry_type", "entry_value", "quantity", "goods_value",
            "freight_cost", "insurance_cost", "invoice_freight", "invoice_insurance", "assist_value", "freight",
            "insurance", "dutiable_value", "dutiable_note", "duty_rate_pct",
            "duty_rate_on_order_pct", "duty_components", "chapter_99_applicable", "chapter_99_charged",
            "chapter_99_unnumbered", "duty_rows_missing", "duty_paid", "duty_entry_summary", "adcvd_entry_summary",
            "duty_computed", "duty", "duty_source",
            "duty_status", "duty_variance", "ieepa_duty_computed", "entry_mpf", "mpf_computed", "hmf_computed",
            "mpf_entry_summary", "hmf_entry_summary", "fees_paid", "fees", "fees_source", "rates_estimated",
            "is_estimated", "estimated_tables",
            "uses_unverified_rows", "unverified_rows", "content_assumed_full", "unit_weight_kg", "unit_volume_m3"]


def _weight(frame: pd.DataFrame, basis: str) -> pd.Series:
    if basis == "value":
        return frame["goods_value"].astype(float)
    if basis == "quantity":
        return frame["quantity"].astype(float)
    per_unit = frame["unit_weight_kg" if basis == "weight" else "unit_volume_m3"].astype(float)
    return frame["quantity"].astype(float) * per_unit


def allocate_shipment_charges(ship: pd.DataFrame, basis: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split each shipment charge over the PO lines it carries; returns (allocated lines, unallocated charges).

    In this contract a shipment carries one PO line, so each charge lands on that line whole unless its weight
    on the chosen basis is zero or missing (e.g. no unit weight with basis=weight): then the charge is reported.
    """
    lines = ship[["shipment_id", "po_id", "quantity", "goods_value", "unit_weight_kg", "unit_volume_m3"]].copy()
    lines["weight"] = _weight(lines, basis)
    parts, unallocated = [], []
    for charge in SHIPMENT_CHARGES:
        frame = lines.assign(charge=charge, amount=ship[charge].astype(float), group=ship["shipment_id"])
        frame = frame[frame["amount"] != 0]
        if frame.empty:
            continue
        # A shipment of one line (the contract's case) takes its charge whole when its weight is positive, and
        # reports it when the weight is zero or missing, without the per-charge loop of allocate_frame.
        single = ~frame["group"].duplicated(keep=False)
        weight = frame["weight"].astype(float)
        whole = frame[single & (weight > 0)].assign(allocated=lambda d: d["amount"].astype(float))
        weightless = frame[single & ~(weight > 0)]
        many = frame[~single]
        pieces = [whole, weightless.assign(allocated=np.nan)]
        reports = [pd.DataFrame({"group": weightless["group"], "amount": weightless["amount"].astype(float),
                                 "reason": "every weight is zero or missing"})]
        if not many.empty:
            result = allocate_frame(many, "amount", "group", "weight", fallback="report")
            pieces.append(many.assign(allocated=result.allocated.to_numpy()))
            reports.append(result.unallocated[["group", "amount", "reason"]])
        parts.append(pd.concat(pieces)[["shipment_id", "po_id", "charge", "amount", "allocated"]])
        for rep in pd.concat(reports, ignore_index=True).itertuples(index=False):
            unallocated.append({"source_table": "shipments", "source_id": rep.group, "charge": charge,
                                "amount": float(rep.amount), "basis": basis, "reason": rep.reason})
    allocated = (pd.concat(parts, ignore_index=True) if parts
                 else pd.DataFrame(columns=["shipment_id", "po_id", "charge", "amount", "allocated"]))
    return allocated, pd.DataFrame(unallocated, columns=["source_table", "source_id", "charge", "amount", "basis",
                                                         "reason"])


def allocate_quality_costs(con: duckdb.DuckDBPyConnection, basis: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quality costs per supplier, SKU, month and kind; a cost without a PO is split over the supplier's SKUs.

    The weights are that month's sales of each of the supplier's SKUs on the basis (value = gross revenue,
    quantity = units, weight/volume = units x unit weight/volume). A cost that cannot be split (no sales that
    month) keeps sku = NULL in margin_leakage and is listed in unallocated_costs.
    """
    costs = con.execute("""
        select
            quality_costs.cost_id,
            coalesce(quality_costs.supplier_id, purchase_orders.supplier_id) as supplier_id,
            purchase_orders.sku,
            cast(date_trunc('month', quality_costs.incurred_on) as date) as month_on,
            quality_costs.kind,
            quality_costs.amount,
        from staging.quality_costs as quality_costs
        left join staging.purchase_orders as purchase_orders on quality_costs.po_id = purchase_orders.po_id
        order by quality_costs.cost_id
    """).df()
    sales = con.execute("""
        select
            products.supplier_id, sales.sku, sales.month_on,
            sum(sales.gross_revenue) as value,
            sum(sales.units_sold) as quantity,
            sum(sales.units_sold * products.unit_weight_kg) as weight,
            sum(sales.units_sold * products.unit_volume_m3) as volume,
        from staging.sales as sales
        inner join staging.products as products on sales.sku = products.sku
        group by all
        order by sales.sku
    """).df()
    direct = costs[costs["sku"].notna()].assign(allocated=lambda d: d["amount"].astype(float))
    loose = costs[costs["sku"].isna()].drop(columns="sku")
    unallocated: list[dict] = []
    split = pd.DataFrame(columns=[*direct.columns])
    if not loose.empty:
        cand = loose.merge(sales, on=["supplier_id", "month_on"], how="left")
        cand["weight"] = cand[basis].astype(float)
        has_line = cand["sku"].notna()
        result = allocate_frame(cand[has_line], "amount", "cost_id", "weight", fallback="report")
        split = cand[has_line].assign(allocated=result.allocated.to_numpy())
        failed = set(result.unallocated["group"]) | set(cand.loc[~has_line, "cost_id"])
        split = split[~split["cost_id"].isin(failed)]
        for cost in loose[loose["cost_id"].isin(failed)].itertuples(index=False):
            unallocated.append({"source_table": "quality_costs", "source_id": cost.cost_id, "charge": cost.kind,
                                "amount": float(cost.amount), "basis": basis,
                                "reason": "no PO and no sales of the supplier's SKUs that month to split it by; "
                                          "kept in margin_leakage with sku = NULL"})
            split = pd.concat([split, pd.DataFrame([{**cost._asdict(), "sku": None,
                                                     "allocated": float(cost.amount)}])], ignore_index=True)
    cols = ["cost_id", "supplier_id", "sku", "month_on", "kind", "allocated"]
    every = pd.concat([direct[cols], split[cols]], ignore_index=True)
    out = (every.groupby(["supplier_id", "sku", "month_on", "kind"], dropna=False, as_index=False)["allocated"]
           .sum().rename(columns={"allocated": "amount"}))
    out["amount"] = out["amount"].map(_money)
    return out, pd.DataFrame(unallocated, columns=["source_table", "source_id", "charge", "amount", "basis",
                                                   "reason"])


def _common(g, col: str) -> pd.Series:
    """Per group: the one value all rows share, else 'mixed' (vectorised through nunique/first)."""
    return g[col].first().where(g[col].nunique() <= 1, "mixed")


def landed_cost_po(con: duckdb.DuckDBPyConnection, ship: pd.DataFrame, allocated: pd.DataFrame,
                   basis: str) -> pd.DataFrame:
    """One row per purchase order: landed components, totals, per-unit cost and quote-to-landed variance."""
    pos = con.execute("""
        select
            po_status.po_id, po_status.supplier_id, suppliers.supplier_type, po_status.sku, products.category,
            purchase_orders.incoterm, po_status.ordered_on, po_status.quantity, po_status.unit_price,
            po_status.shipment_count, po_status.shipped_quantity as units_shipped,
            po_status.delivered_quantity as units_received, po_status.first_shipped_on, po_status.last_delivered_on,
            po_status.is_open,
            coalesce(inspected.inspection_cost, 0) as inspection_cost,
        from marts.po_status as po_status
        inner join staging.purchase_orders as purchase_orders on po_status.po_id = purchase_orders.po_id
        inner join staging.products as products on po_status.sku = products.sku
        inner join staging.suppliers as suppliers on po_status.supplier_id = suppliers.supplier_id
        left join (select po_id, sum(cost) as inspection_cost from staging.inspections group by po_id) as inspected
            on po_status.po_id = inspected.po_id
        order by po_status.po_id
    """).df()
    charges = (allocated.pivot_table(index="po_id", columns="charge", values="allocated", aggfunc="sum")
               .reindex(columns=list(SHIPMENT_CHARGES)) if not allocated.empty
               else pd.DataFrame(columns=list(SHIPMENT_CHARGES)))
    unalloc = allocated[allocated["allocated"].isna()].groupby("po_id").size() if not allocated.empty else pd.Series()
    df = pos.merge(charges.fillna(0.0), left_on="po_id", right_index=True, how="left")
    for c in SHIPMENT_CHARGES:
        df[c] = _dollars(cents_array(df[c].fillna(0.0)))
    df["has_unallocated_costs"] = df["po_id"].isin(unalloc.index)

    per_cols = ["dutiable_value", "duty_source", "duty_paid", "adcvd_entry_summary", "duty_computed",
                "ieepa_duty_computed", "mpf_computed",
                "hmf_computed", "fees_paid", "fees_source", "is_estimated", "rates_estimated", "uses_unverified_rows",
                "paid", "computed", "dutiable_units", "rate_on_order"]
    per_po = pd.DataFrame(columns=per_cols)
    if not ship.empty:
        g = ship.groupby("po_id")
        n = g.size()

        def all_or_none(col: str) -> pd.Series:
            # A PO total is only known when every shipment's part is known.
            return g[col].sum(min_count=1).where(g[col].count() == n)

        # Duty check over the shipments whose duty was both paid and computable.
        both = ship["duty_paid"].notna() & ship["duty_computed"].notna()
        checked = ship[both].groupby("po_id")
        per_po = pd.DataFrame({
            "dutiable_value": all_or_none("dutiable_value"),
            "duty_source": _common(g, "duty_source"),
            "duty_paid": g["duty_paid"].sum(min_count=1),
            "adcvd_entry_summary": g["adcvd_entry_summary"].sum(min_count=1),
            "duty_computed": all_or_none("duty_computed"),
            "ieepa_duty_computed": all_or_none("ieepa_duty_computed"),
            "mpf_computed": all_or_none("mpf_computed"),
            "hmf_computed": all_or_none("hmf_computed"),
            "fees_paid": g["fees_paid"].sum(min_count=1),
            "fees_source": _common(g, "fees_source"),
            "is_estimated": g["is_estimated"].any(),
            "rates_estimated": g["rates_estimated"].any(),
            "uses_unverified_rows": g["uses_unverified_rows"].any(),
            "paid": checked["duty_paid"].sum(),
            "computed": checked["duty_computed"].sum(),
            "dutiable_units": g["dutiable_value"].sum() / g["quantity"].sum(),
            "rate_on_order": g["duty_rate_on_order_pct"].first(),
        })
    df = df.merge(per_po, left_on="po_id", right_index=True, how="left")
    check = compare_duty_frame(df["computed"].fillna(0.0), df["paid"])
    has_check = df["paid"].notna().to_numpy()
    df["duty_status"] = np.where(has_check, check["status"],
                                 np.where(df["shipment_count"].fillna(0) > 0, "not_paid_known", None))
    df["duty_variance"] = np.where(has_check, check["difference"], np.nan)
    df["duty_variance_pct"] = np.where(has_check, check["difference_pct"], np.nan)
    for c in ("is_estimated", "rates_estimated", "uses_unverified_rows"):
        df[c] = df[c].fillna(False).astype(bool)
    for c in ("dutiable_value", "duty_paid", "adcvd_entry_summary", "duty_computed", "ieepa_duty_computed",
              "mpf_computed", "hmf_computed", "fees_paid"):
        df[c] = _dollars(cents_array(df[c].astype(float)))

    df["goods_value"] = _dollars(goods_cents(df["quantity"], df["unit_price"]))
    cents = sum(cents_array(df[c].astype(float)) for c in ("goods_value", "freight", "insurance", "duty", "fees",
                                                           "inspection_cost"))
    df["landed_total"] = _dollars(cents)
    # Landed: shipped in full (po_status tolerance) and every shipment delivered; before that a per-unit figure
    # would spread the whole PO's goods value over part of its units.
    df["is_landed"] = (~df["is_open"]) & (df["units_received"] > 0) & (df["units_received"] == df["units_shipped"])
    df["delivery_month"] = pd.to_datetime(df["last_delivered_on"]).dt.to_period("M").dt.to_timestamp().dt.date
    df.loc[~df["is_landed"], "delivery_month"] = None
    units = df["units_received"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        df["landed_cost_per_unit"] = np.where(df["is_landed"], np.round(cents / 100 / units, 6), np.nan)
    # What the brand planned: the quoted unit price, plus duty at the effective rate in force on the order date on
    # the same dutiable value per unit (0 when the Incoterm puts duty on the seller, or the rate is unknown), plus
    # the logistics cost per unit it already knew from earlier landed orders (expected_logistics_per_unit).
    # Expedited freight, holds, tariff changes and short shipments therefore show up as the quote-to-landed
    # variance, not normal freight.
    rate = df["rate_on_order"].astype(float)
    missing_rate = rate.isna() & df["shipment_count"].fillna(0).eq(0)
    if missing_rate.any():
        rate = rate.where(~missing_rate, _order_rates(con, df.loc[missing_rate]))
    base = df["dutiable_units"].astype(float).fillna(df["unit_price"].astype(float))
    buyer_pays = incoterm_flags(df["incoterm"])["buyer_pays_import_duty"].to_numpy()
    duty_pu = np.where(buyer_pays & rate.notna().to_numpy(), base * rate.fillna(0.0) / 100, 0.0)
    # AD/CVD deposits at the rate the SKU's entries with a summary declared before the order date, row by row
    entered: dict[str, list] = {}  # per SKU, its shipments with an entry summary: (entry date, deposit, value)
    for s in ship.itertuples(index=False):
        if s.duty_source == "entry_summary" and pd.notna(s.entry_on) and float(s.dutiable_value) > 0:
            entered.setdefault(s.sku, []).append((pd.Timestamp(s.entry_on), 0.0 if pd.isna(s.adcvd_entry_summary)
                                                  else float(s.adcvd_entry_summary), float(s.dutiable_value)))
    deposit_rate = []
    for sku, ordered_on in zip(df["sku"], pd.to_datetime(df["ordered_on"])):
        before = [(deposit, value) for on, deposit, value in entered.get(sku, []) if on < ordered_on]
        deposits, values = sum(d for d, _ in before), sum(v for _, v in before)
        deposit_rate.append(deposits / values if deposits > 0 else np.nan)
    deposit_rate = pd.Series(deposit_rate, index=df.index, dtype=float)
    deposit_pu = np.where(buyer_pays & deposit_rate.notna().to_numpy(), base * deposit_rate.fillna(0.0), 0.0)
    planned = df["unit_price"].astype(float).to_numpy() + duty_pu + deposit_pu
    expected, basis_used = expected_logistics_per_unit(df, pd.Series(cents, index=df.index))
    planned = np.round(planned + np.asarray(expected), 6)
    df["expected_deposit_per_unit"] = np.round(deposit_pu, 6)
    df["expected_logistics_per_unit"] = np.round(np.asarray(expected, dtype=float), 6)
    df["expected_logistics_basis"] = basis_used
    df["quoted_landed_cost_per_unit"] = planned
    actual = df["landed_cost_per_unit"].to_numpy(dtype=float)
    df["quote_to_landed_variance"] = np.round(actual - planned, 6)
    with np.errstate(divide="ignore", invalid="ignore"):
        df["quote_to_landed_variance_pct"] = np.round((actual - planned) / planned * 100, 6)
    df["allocation_basis"] = basis
    cols = ["po_id", "supplier_id", "supplier_type", "sku", "category", "incoterm", "ordered_on", "quantity",
            "unit_price", "goods_value", "shipment_count", "units_shipped", "units_received", "first_shipped_on",
            "last_delivered_on", "delivery_month", "is_landed", "freight", "insurance", "dutiable_value", "duty",
            "duty_source", "duty_paid", "adcvd_entry_summary", "duty_computed", "duty_status", "duty_variance",
            "duty_variance_pct",
            "ieepa_duty_computed", "mpf_computed", "hmf_computed", "fees_paid", "fees", "fees_source",
            "inspection_cost", "landed_total", "landed_cost_per_unit", "expected_deposit_per_unit",
            "expected_logistics_per_unit",
            "expected_logistics_basis", "quoted_landed_cost_per_unit", "quote_to_landed_variance",
            "quote_to_landed_variance_pct", "has_unallocated_costs", "is_estimated", "rates_estimated",
            "uses_unverified_rows", "allocation_basis"]
    return df[cols]


def _order_rates(con: duckdb.DuckDBPyConnection, pos: pd.DataFrame) -> pd.Series:
    """Effective duty rate on the order date for POs without shipments (on the unit price as dutiable value)."""
    products = con.execute("""
        select sku, hs_code, origin_country, steel_content_pct, aluminium_content_pct, duty_claims
        from staging.products
    """).df()
    lines = pos[["sku", "ordered_on", "unit_price"]].merge(products, on="sku", how="left")
    rates = pd.Series(np.nan, index=pos.index)
    has_hs = lines["hs_code"].notna().to_numpy()
    if has_hs.any():
        sub = lines[has_hs].reset_index(drop=True)
        _, summary = duty_for_lines(sub.assign(entry_on=sub["ordered_on"],
                                               dutiable_cents=cents_array(sub["unit_price"] * 1000)), None)
        values = summary["effective_rate_pct"].where(summary["has_mfn"])
        rates.iloc[np.flatnonzero(has_hs)] = values.to_numpy()
    return rates


def expected_logistics_per_unit(df: pd.DataFrame, landed_cents: pd.Series) -> tuple[list[float], list[str]]:
    """Logistics cost per unit known when each PO was ordered: from earlier landed POs, point-in-time.

    Logistics = landed total − goods value − duty: freight, insurance, fees and inspection (duty is planned
    separately, at the order date's rates). The basis is the same SKU's POs landed (last delivery) strictly before
    the order date; else the same supplier's; else none (0, so a first order's whole logistics cost is variance:
    nothing was known yet).
    """
    logistics = (landed_cents - df["goods_value"].map(to_cents) - df["duty"].map(to_cents)) / 100
    hist = pd.DataFrame({"sku": df["sku"], "supplier_id": df["supplier_id"], "logistics": logistics,
                         "units": df["units_received"], "landed_on": pd.to_datetime(df["last_delivered_on"]),
                         "is_landed": df["is_landed"]})
    hist = hist[hist["is_landed"] & (hist["units"] > 0)]
    ordered_on = pd.to_datetime(df["ordered_on"])

    def known_before(key: str) -> pd.Series:
        """Σ logistics / Σ units over `key`'s POs landed strictly before each PO's order date."""
        out = pd.Series(np.nan, index=df.index)
        for value, h in hist.sort_values("landed_on").groupby(key):
            mask = (df[key] == value).to_numpy()
            if not mask.any():
                continue
            dates = h["landed_on"].to_numpy()
            cum_cost, cum_units = np.cumsum(h["logistics"].to_numpy()), np.cumsum(h["units"].to_numpy())
            idx = np.searchsorted(dates, ordered_on[mask].to_numpy(), side="left")  # strictly before
            known = idx > 0
            vals = np.full(mask.sum(), np.nan)
            vals[known] = cum_cost[idx[known] - 1] / cum_units[idx[known] - 1]
            out[mask] = vals
        return out

    by_sku, by_supplier = known_before("sku"), known_before("supplier_id")
    expected = by_sku.fillna(by_supplier).fillna(0.0)
    basis = np.where(by_sku.notna(), "sku_history", np.where(by_supplier.notna(), "supplier_history", "none"))
    return expected.tolist(), basis.tolist()


MONEY = "decimal(18, 2)"
UNIT = "decimal(18, 6)"


def outputs(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[pd.DataFrame, dict[str, str]]]:
    """What `run` wrote: each landed-cost table's frame and column types (written by the test, not here)."""
    written = {}

    def _write(_con, table, frame, sql_types):
        written[table] = (frame, {c: sql_types.get(c, "varchar") for c in frame.columns})

    basis = allocation_basis()
    ship = shipment_costs(con)
    allocated, unalloc_ship = allocate_shipment_charges(ship, basis)
    po = landed_cost_po(con, ship, allocated, basis)
    quality, unalloc_quality = allocate_quality_costs(con, basis)
    refunds, unalloc_refunds = duty_refunds(con, ship)
    entries = customs_entries(ship, entry_summaries(con))
    money = {c: MONEY for c in ("goods_value", "freight_cost", "insurance_cost", "freight", "insurance",
                                "dutiable_value", "duty_paid", "duty_computed", "duty", "duty_variance",
                                "ieepa_duty_computed", "entry_value", "entry_mpf", "mpf_computed", "hmf_computed",
                                "fees_paid", "fees", "inspection_cost", "landed_total", "amount", "unit_price",
                                "invoice_freight", "invoice_insurance", "assist_value", "amount_claimed",
                                "amount_received", "duty_entry_summary", "adcvd_entry_summary", "mpf_entry_summary",
                                "hmf_entry_summary", "entered_value_summary", "duty_summary", "duty_difference",
                                "adcvd_summary",
                                "mpf_summary", "hmf_summary", "fees_difference")}
    flags = {c: "boolean" for c in ("is_estimated", "rates_estimated", "uses_unverified_rows",
                                    "content_assumed_full")}
    types = {**money, **flags, "ordered_on": "date", "first_shipped_on": "date", "last_delivered_on": "date",
             "delivery_month": "date", "shipped_on": "date", "delivered_on": "date", "entry_on": "date",
             "month_on": "date", "entry_on_summary": "date", "has_entry_summary": "boolean",
             "po_count": "bigint", "summary_lines": "bigint", "claimed_on": "date", "received_on": "date",
             "quantity": "bigint", "shipment_count": "bigint", "units_shipped": "bigint",
             "units_received": "bigint", "is_landed": "boolean", "has_unallocated_costs": "boolean",
             "landed_cost_per_unit": UNIT, "expected_deposit_per_unit": UNIT, "quoted_landed_cost_per_unit": UNIT,
             "quote_to_landed_variance": UNIT,
             "quote_to_landed_variance_pct": "double", "duty_variance_pct": "double", "duty_rate_pct": "double",
             "duty_rate_on_order_pct": "double", "unit_weight_kg": "double", "unit_volume_m3": "double"}
    _write(con, "marts.landed_cost_po", po, types)
    _write(con, "marts.landed_cost_shipment", ship[rows_columns()] if not ship.empty else
           pd.DataFrame(columns=rows_columns()), types)
    unallocated = pd.concat([unalloc_ship, unalloc_quality, unalloc_refunds], ignore_index=True)
    _write(con, "marts.duty_refunds", refunds, types)
    _write(con, "marts.customs_entries", entries, types)
    _write(con, "marts.unallocated_costs", unallocated, types)
    _write(con, "marts.margin_leakage_quality_costs", quality.rename(columns={"month_on": "month"}),
           {**types, "month": "date"})
    return written


__all__ = ["outputs", "shipment_costs", "customs_entries", "entry_summaries"]
