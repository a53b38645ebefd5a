"""The supplier scorecard: one page a founder can read or send to the supplier.

`gather(run, supplier_id)` reads the marts through the dashboard's own read queries (dashboard/sql, the same files the
pages read; `run` is `dashboard.queries.query` on a page, `dashboard.db.runner(con)` on the command line), and
`content(data)` turns them into the scorecard's words and figures: score and band, pillar points, what changed since
the last month-end, the top reasons, what would move it to a better band, and the open issues. Pure Python (no
streamlit), so tests check every value against the marts; dashboard/scorecard_pdf.py draws it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from dashboard import display
from models import blind_spot, release, scoring
from models.wording import and_list

Run = Callable[..., pd.DataFrame]
TOP = 5  # reasons and changes shown; issues show this many each, then "and N more"


@dataclass(frozen=True)
class Pillar:
    name: str        # in words ("Who they are")
    points: float
    max_points: float
    known_points: float  # of max_points, those the data can measure (the rest is unknown and counts 0)


@dataclass(frozen=True)
class Item:
    """One line of a list: a short head (bold in the PDF) and the detail."""
    head: str
    detail: str = ""


@dataclass(frozen=True)
class Issues:
    """Open issues of one kind: the first TOP items and how many more there are."""
    title: str
    items: list[Item]
    more: int = 0
    unknown: str | None = None  # why nothing can be said: the import does not carry this table at all


@dataclass(frozen=True)
class Scorecard:
    supplier_id: str
    supplier_name: str
    legal_name: str | None
    facts: str                          # "Trading company · CN · Zhejiang"
    as_of: date | None
    score: float | None
    band: str | None                    # the code (risk_band); band_words is how it reads
    band_words: str
    confidence: str | None
    pillars: list[Pillar]
    previous_as_of: date | None
    previous_score: float | None
    previous_band: str | None
    change_summary: str
    changes: list[Item]
    reasons: list[Item]
    next_band: str | None               # the better band aimed at (code); None when already the lowest
    next_band_steps: list[Item]
    issues: list[Issues] = field(default_factory=list)
    coverage: str = ""                  # what the score can see on this data, when not every point (else "")

    @property
    def open_issue_count(self) -> int:
        return sum(len(i.items) + i.more for i in self.issues)


class UnknownSupplier(LookupError):
    """The warehouse has no supplier with that id."""


def gather(run: Run, supplier_id: str) -> dict[str, pd.DataFrame]:
    """Every mart read the scorecard needs, through dashboard/sql (one read per file, parameters bound)."""
    one = {"supplier_id": supplier_id}
    return {
        "build": run("build_info"),
        "profile": run("supplier_profile", **one),
        "score": run("supplier_score", **one),
        "signals": run("supplier_signals", **one),
        "changes": run("supplier_score_changes", **one),
        "previous": run("score_snapshot", before=None, **one),
        "red_flags": run("red_flags", ids=(supplier_id,)),
        "capas": run("corrective_actions", ids=None, **one),
        "accounts": run("supplier_bank_accounts", **one),
        "documented_changes": run("supplier_changes", **one),
        "orders": run("open_orders", ids=None, **one),
        "recorded": run("controls_recorded"),
        "switching": run("inspection_switching", ids=(supplier_id,)),
        "imported": run("tables_imported"),
        "unknown": run("score_unknown_signals"),
    }


# ----------------------------------------------------------------------------- rules shared with the pages

def file_name(supplier_id: str) -> str:
    """The PDF's file name: the id with anything but letters, digits, dot, dash and underscore replaced."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", str(supplier_id)) + "_scorecard.pdf"


def on_hold(orders: pd.DataFrame) -> pd.DataFrame:
    """Open orders whose unpaid balance the release checklist holds (marts.open_orders verdict "hold")."""
    if orders.empty:
        return orders
    return orders[(orders["verdict"] == release.HOLD) & (orders["balance_outstanding"] > 0)]


# ----------------------------------------------------------------------------- content

def _date(value: object) -> date | None:
    return None if display._blank(value) else pd.Timestamp(value).date()


def _text(value: object) -> str:
    return "" if display._blank(value) else " ".join(str(value).split())


def _points(value: float) -> str:
    return f"{value:,.1f} pts"


NOT_BUILT = "not in this warehouse (an older or partial build), so unknown"


def _capped(title: str, items: list[Item], source: pd.DataFrame, recorded: pd.DataFrame | None = None,
            table: str | None = None) -> Issues:
    """The first TOP items. No item and why nothing is known when the mart read is absent from the warehouse (a frame
    without columns) or the import holds no row of `table` at all."""
    if len(source.columns) == 0:
        return Issues(title, [], 0, NOT_BUILT)
    if table is not None and (recorded is None or recorded.empty or not int(recorded[table].iloc[0])):
        return Issues(title, [], 0, f"not recorded: the import has no {table.replace('_', ' ')}, so unknown (not "
                                    "clean)")
    return Issues(title, items[:TOP], max(0, len(items) - TOP))


def _red_flags(flags: list[Item], source: pd.DataFrame, unchecked: list[str]) -> Issues:
    """The supplier's red flags; when it has none and this data cannot make some of the checks, says so: none found
    on what the data shows is not a clean record (the Portfolio's red-flags note says the same)."""
    found = _capped("Red flags", flags, source)
    if flags or found.unknown or not unchecked:
        return found
    those = "unknown" if len(unchecked) == len(scoring.RED_FLAG_SIGNALS) else \
        "that one is unknown" if len(unchecked) == 1 else "those are unknown"
    return Issues("Red flags", [], 0,
                  f"none found, but {display.red_flags_unchecked(unchecked)}, so {those} (not clean)")


SAMPLING_STOPPED = "Sampling inspection stopped (ISO 2859-1)"


def _sampling_stopped(switching: pd.DataFrame, imported: pd.DataFrame) -> Issues:
    """The defect classes whose sampling inspection is discontinued under the ISO 2859-1 switching rules with no
    corrective action closed since (models.blind_spot.sampling_stopped: what the release checklist and the digest
    read): until one is closed, a lot passes only on inspecting every unit. Unknown when the import carries no
    inspections or the warehouse has no switching mart."""
    if len(switching.columns) == 0:
        return Issues(SAMPLING_STOPPED, [], 0, NOT_BUILT)
    if not display.imported(imported, "inspections"):
        return Issues(SAMPLING_STOPPED, [], 0, "not recorded: the import has no inspections, so unknown (not clean)")
    items = [Item(f"{and_list(r.classes).capitalize()} defects since {r.since:%Y-%m-%d}",
                  "5 lots rejected on tightened inspection and no corrective action closed since: pay no balance on "
                  "a sampled pass, inspect every unit" + (f" (stopped {r.times_discontinued:,} times so far)"
                                                          if r.times_discontinued > 1 else ""))
             for r in blind_spot.sampling_stopped(switching).itertuples()]
    return Issues(SAMPLING_STOPPED, items[:TOP], max(0, len(items) - TOP))


def band_steps(score: float, band: str, flags: list[Item], signals: pd.DataFrame,
               cfg: dict | None = None) -> tuple[str | None, list[Item]]:
    """What would move a supplier to the next better band (models/config/risk_score.toml [bands]): the red flags to
    clear (a red flag holds the band at `red_flag_band` or above), how far the score must fall (below the lower
    threshold of its band), and the fewest signals, largest first, whose points would cover that fall."""
    cfg = cfg or scoring.load_config()
    order = scoring.BAND_ORDER
    if band not in order or order.index(band) == 0:
        return None, []
    target = order[order.index(band) - 1]
    levels = {level["band"]: float(level["min_score"]) for level in cfg["bands"]["levels"]}
    ceiling = levels[order[order.index(target) + 1]]  # the score has to be below this
    steps: list[Item] = []
    # the most red flags the target band allows (band_for with a zero score is the band the flags alone force)
    allowed = max(n for n in range(len(flags) + 1) if order.index(scoring.band_for(0.0, n, cfg)) <= order.index(target))
    if len(flags) > allowed:
        clear = len(flags) - allowed
        names = "; ".join(f.head for f in flags)
        steps.append(Item("Clear " + ("the red flag" if len(flags) == 1 else f"{clear} of the {len(flags)} red flags"
                                      if clear < len(flags) else f"all {len(flags)} red flags"),
                          f"{names}. With {display.count_words(len(flags), 'red flag')} the band is "
                          f"{display.words(scoring.band_for(0.0, len(flags), cfg), 'risk_band')} or worse, whatever "
                          "the score."))
    shed = round(score - ceiling + 0.1, 1) if score >= ceiling - 1e-9 else 0.0
    if shed > 0:
        steps.append(Item(f"Bring the score below {ceiling:g}",
                          f"now {score:,.1f}: at least {shed:,.1f} points less. The largest points, enough between "
                          "them:"))
        scoring_signals = signals[signals["points"] > 0].sort_values(["points", "signal"], ascending=[False, True])
        covered = 0.0
        for row in scoring_signals.itertuples():
            steps.append(Item(f"{display.signal_label(row.signal)}: {_points(row.points)}",
                              _text(row.explanation)))
            covered += float(row.points)
            if covered >= shed - 1e-9:
                break
    return target, steps


def content(data: dict[str, pd.DataFrame], cfg: dict | None = None) -> Scorecard:
    """The scorecard of the supplier in `data` (from `gather`)."""
    profile = data["profile"]
    if profile.empty:
        raise UnknownSupplier("no such supplier in this warehouse")
    p = profile.iloc[0]
    score_row = data["score"].iloc[0] if not data["score"].empty else None
    as_of = _date(score_row["as_of"]) if score_row is not None else \
        _date(data["build"]["as_of"].iloc[0]) if not data["build"].empty else None
    facts = " · ".join(t for t in (display.words(p["supplier_type"], "supplier_type"), _text(display.country(p.get("country"))),
                                   _text(p.get("province"))) if t and t != display.BLANK)

    signals = display.signal_words(data["signals"])
    maxima = signals.groupby("pillar")["max_points"].sum() if not signals.empty else pd.Series(dtype=float)
    # the signals this data cannot measure (marts.score_unknown_signals, as the pages read them): 0 points, unknown
    unknown = data.get("unknown", pd.DataFrame())
    known = scoring.coverage(unknown, cfg).set_index("pillar")["known_points"]
    pillars = [Pillar(display.words(code, "pillar"), float(score_row[f"{code}_points"]), float(maxima.get(code, 0.0)),
                      float(known.get(code, maxima.get(code, 0.0))))
               for code in display.ENUMS["pillar"] if score_row is not None and f"{code}_points" in score_row]
    seen = scoring.coverage_words(unknown, cfg, pillar_name=lambda code: display.words(code, "pillar").lower())

    score = float(score_row["risk_score"]) if score_row is not None else None
    band = score_row["risk_band"] if score_row is not None else None
    before = data["previous"].iloc[0] if score_row is not None and not data["previous"].empty else None
    if score is None:
        summary = "No risk score in this warehouse."
    elif before is None:
        summary = "No earlier month-end score to compare with."
    else:
        delta = round(score - float(before["risk_score"]), 1)
        moved = "unchanged" if delta == 0 else f"{'up' if delta > 0 else 'down'} {abs(delta):,.1f} points"
        summary = (f"Score {score:,.1f}, {moved} since {pd.Timestamp(before['as_of']):%Y-%m-%d} "
                   f"({float(before['risk_score']):,.1f}, {display.words(before['risk_band'], 'risk_band')})")
        summary += "." if before["risk_band"] == band else \
            f"; band from {display.words(before['risk_band'], 'risk_band')} to {display.words(band, 'risk_band')}."
    changes = [Item(f"{display.signal_label(r.signal)}: {r.delta:+,.1f} pts",
                    f"From {r.points_last_month:,.1f} to {r.points_now:,.1f} pts. "
                    + display.score_change_detail(_text(r.explanation)))
               for r in data["changes"].head(TOP).itertuples()]
    reasons = [Item(f"{display.signal_label(r.signal)}: {_points(r.points)} of {display.max_points(r.max_points)}",
                    _text(r.explanation))
               for r in signals[signals["points"] > 0].head(TOP).itertuples()] if not signals.empty else []

    flags = [Item(display.words(r.red_flag, "red_flag"), _text(r.reason)) for r in data["red_flags"].itertuples()]
    unchecked = scoring.red_flags_unknown(unknown)  # flags this data cannot raise: none found is not none there
    target, steps = band_steps(score, band, flags, signals, cfg) if score is not None else (None, [])

    capas = data["capas"]
    if not capas.empty:
        capas = capas[capas["is_open"].fillna(False).astype(bool)
                      | capas["is_closed_but_next_lot_failed"].fillna(False).astype(bool)]
    capa_items = [Item(f"{r.capa_id} ({_text(r.severity)}): {_text(r.status)}",
                       f"opened {_date(r.opened_on):%Y-%m-%d}"
                       + (f", due {_date(r.due_on):%Y-%m-%d}" if _date(r.due_on) else "")
                       + (f"; {_text(r.root_cause)}" if _text(r.root_cause) else ""))
                  for r in capas.itertuples()]

    accounts = data["accounts"]
    if not accounts.empty:
        accounts = accounts[~accounts["is_verified"].fillna(False).astype(bool)]  # marts.bank_accounts' rule
    account_items = [Item(f"Account {_text(r.account_number_masked)} at {_text(r.bank_name) or 'an unnamed bank'} "
                          f"({_text(display.country(r.bank_country))})",
                          f"first seen {_date(r.first_seen_on):%Y-%m-%d}, not verified"
                          + (f" ({_text(r.verification_method)} does not count)" if _text(r.verification_method)
                             else "")
                          + "".join(f", {w}" for w, on in (("a new account", r.is_new_account),
                                                           ("in a new country", r.is_new_country),
                                                           ("offshore", r.is_offshore))
                                    if not display._blank(on) and bool(on)))
                     for r in accounts.itertuples()]

    documented = data["documented_changes"]
    if not documented.empty:
        documented = documented.assign(problem=release.change_problems(documented))
        documented = documented[documented["problem"] != ""]
    change_items = [Item(f"{_text(r.kind).replace('_', ' ').capitalize()} change of {_date(r.changed_on):%Y-%m-%d}"
                         + (f" on {_text(r.po_id)}" if _text(r.po_id) else ""),
                         r.problem + (f": {_text(r.note)}" if _text(r.note) else ""))
                    for r in documented.itertuples()]

    held = on_hold(data["orders"])
    order_items = [Item(f"{_text(r.po_id)}: balance {display.money(r.balance_outstanding)} on hold",
                        (f"due {_date(r.balance_due_on):%Y-%m-%d}. " if _date(r.balance_due_on) else "")
                        + _text(r.hold_reasons))
                   for r in held.itertuples()]

    recorded = data.get("recorded")
    issues = [_red_flags(flags, data["red_flags"], unchecked),
              _sampling_stopped(data.get("switching", pd.DataFrame()), data.get("imported", pd.DataFrame())),
              _capped("Corrective actions open or failed again", capa_items, data["capas"], recorded,
                      "corrective_actions"),
              _capped("Bank accounts not verified", account_items, data["accounts"], recorded, "bank_accounts"),
              _capped("Changes not confirmed in writing or not approved", change_items, data["documented_changes"],
                      recorded, "changes"),
              _capped("Open orders on hold", order_items, data["orders"])]
    return Scorecard(
        supplier_id=str(p["supplier_id"]), supplier_name=_text(p["supplier_name"]),
        legal_name=_text(p.get("legal_name")) or None, facts=facts, as_of=as_of, score=score, band=band,
        band_words=display.words(band, "risk_band"),
        confidence=None if score_row is None else _text(score_row.get("confidence")) or None,
        pillars=pillars, previous_as_of=None if before is None else _date(before["as_of"]),
        previous_score=None if before is None else float(before["risk_score"]),
        previous_band=None if before is None else before["risk_band"], change_summary=summary, changes=changes,
        reasons=reasons, next_band=target, next_band_steps=steps, issues=issues, coverage=" ".join(seen[:1]))


def build(run: Run, supplier_id: str, cfg: dict | None = None) -> Scorecard:
    """The scorecard of one supplier, read through `run`."""
    return content(gather(run, supplier_id), cfg)
