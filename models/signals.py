"""The risk score's signals: one function per signal, registered by name.

A signal reads what was measured for every supplier and cutoff (models/risk_panel.py) through a `Context` and
returns a `Reading`: its raw value, its cohort-shrunk value (for rates), the evidence behind it, the share (0..1) of
its points taken from its configured map, and a plain-English explanation. Its pillar, maximum points and map live in
models/config/risk_score.toml under [signals.<name>]; its short label is given here, a setting it restates written as
a `{setting}` field filled from reference.kpi_settings (`labels`), so the label never states a number of its own.

Adding a signal is its function here + its [signals.<name>] entry in the config + its test (the config check in
scoring.load_config refuses a registered signal without config and the reverse). The method is documented in
docs/risk-score.md.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from models import change_kinds, controls, entity
from models.audit_age import audit_age_months
from models.shrinkage import cohort_priors, shrink
from models.wording import count_words, counts_words


NO_PEERS = "n/a, no other supplier"  # what "peer average" reads for a brand's only supplier


@dataclass(frozen=True)
class Signal:
    name: str
    label: str
    measure: Callable[["Context"], "Reading"]
    needs: tuple[str, ...] = ()  # supplier fields it reads: unknown (0 points) when the data carries none of them
    tables: tuple[str, ...] = ()  # optional imports it reads: unknown (0 points) unless each was imported


REGISTRY: dict[str, Signal] = {}


def signal(label: str, needs: tuple[str, ...] = (), tables: tuple[str, ...] = ()) -> Callable:
    """Register the decorated function as the signal of its name (evaluated in the order of definition). Its pillar
    is its config's (models/config/risk_score.toml), not repeated here.

    `needs`: the supplier fields the signal reads, or "table.column" for another file's. Missing is not risky: when
    the data carries none of them (the column is absent or blank for every supplier or row, e.g. a marketplace badge
    in a broker's export), the signal is not run; it scores 0 points and is shown as unknown (`unknown_reading`), and
    confidence drops.
    `tables`: optional imports (the control records) the signal reads; unknown in the same way unless each was
    imported (an imported file without rows is known to hold none)."""

    def register(fn: Callable[["Context"], "Reading"]) -> Callable:
        REGISTRY[fn.__name__] = Signal(fn.__name__, label, fn, tuple(needs), tuple(tables))
        return fn

    return register


@dataclass
class Reading:
    raw: object
    shrunk: object
    n: object
    share: object
    explanation: list[str] | None = None
    detail: list | None = None


# Outcome codes as numbers for raw_value (0 = reassuring … 3 = mismatch), so raw_value stays numeric. The re-audit
# triggers read raw_value through these codes (pipelines/steps/reaudit.py), never through a number of their own.
OUTCOME_VALUE = {"match": 0, "no_payments": 0, "valid": 0, "not_checked": 1, "missing": 2, "missing_legal_name": 2,
                 "cannot_verify": 1, "related": 2, "mismatch": 3, "invalid_format": 3, "invalid_check": 3,
                 "verified": 0, "unverified_account": 1, "unverified_change": 2}


def map_share(values, knots: list[list[float]]) -> np.ndarray:
    """Piecewise-linear absolute map from a value to a share 0..1 (flat outside the knots; NaN → 0)."""
    xs, ys = zip(*knots)
    v = np.asarray(values, dtype=float)
    return np.where(np.isnan(v), 0.0, np.interp(np.nan_to_num(v, nan=xs[0]), xs, ys))


def files_words(tables: tuple[str, ...]) -> str:
    """'inspections file', 'sales and returns files', 'inspections, sales and returns files'."""
    names = ", ".join(tables[:-1]) + " and " + tables[-1] if len(tables) > 1 else tables[0]
    return f"{names} file{'s' if len(tables) > 1 else ''}"


def needs_by_file(needs: tuple[str, ...]) -> dict[str, list[str]]:
    """A signal's needs by the file that carries them: '' for the suppliers file's fields, else the table of each
    "table.column"."""
    files: dict[str, list[str]] = {}
    for n in needs:
        table, _, column = n.rpartition(".")
        files.setdefault(table, []).append(column)
    return files


def field_scope(needs: tuple[str, ...]) -> str:
    """What 'the data has no …' is measured over: every supplier for the suppliers file's fields, nothing to add for
    another file's columns ('customs_hold_days in the shipments file')."""
    return "" if all("." in n for n in needs) else " for any supplier"


def field_words(needs: tuple[str, ...]) -> str:
    """'legal_name', 'nnn_signed or mold_owner', 'customs_hold_days in the shipments file' (another file's columns
    grouped by file: 'a or b in the shipments file')."""
    return " or ".join(" or ".join(cols) + (f" in the {table} file" if table else "")
                       for table, cols in needs_by_file(needs).items())


def lacks_words(missing_files: tuple[str, ...], needs: tuple[str, ...]) -> str:
    """What keeps a signal from being measured, in words: the files not imported, else the fields."""
    return files_words(missing_files) if missing_files else field_words(needs)


def unknown_reading(n_rows: int, fields: tuple[str, ...], explain: bool, tables: tuple[str, ...] = ()) -> Reading:
    """The reading of a signal whose fields or tables the data does not carry: no value, no evidence, no points
    (`tables`: the optional files it reads that were not imported)."""
    if tables:
        text = (f"unknown: no {' or '.join(t.replace('_', ' ') for t in tables)} file was imported (0 points; import "
                f"{'it' if len(tables) == 1 else 'them'} to count this)" if explain else None)
    else:
        text = (f"unknown: the data has no {field_words(fields)}{field_scope(fields)} (0 points; add the column to "
                "count it)"
                if explain else None)
    return Reading(np.full(n_rows, np.nan), None, np.zeros(n_rows), np.zeros(n_rows),
                   [text] * n_rows if explain else None)


class Context:
    """What a signal function reads: the panel `f` (one row per cutoff and supplier), the supplier master data,
    the settings, and helpers that shrink rates toward the cohort prior of the same cutoff and write explanations."""

    def __init__(self, f: pd.DataFrame, suppliers: pd.DataFrame, cfg: dict, settings: dict, explain: bool,
                 frozen_priors: pd.DataFrame | None, outcomes: dict, in_file: set[str] | None = None,
                 tables_carried: set[str] | None = None, columns_carried: set[str] | None = None) -> None:
        self.f, self.cfg, self.settings, self.explain = f, cfg, settings, explain
        self.win, self.evidence = cfg["windows"], cfg["evidence"]
        self.sup = suppliers
        self.frozen_priors = frozen_priors
        self.outcomes = outcomes  # legal / payee name-check outcomes, culprits and roles
        # supplier fields the data carries at all: some supplier has a value, in the frame and, when `in_file` is
        # given, in the imported file itself (staging fills some blanks: a missing badge becomes false)
        self.carried = {c for c in suppliers.columns if suppliers[c].notna().any()}
        if in_file is not None:
            self.carried &= in_file
        self.tables_carried = set(tables_carried or ())
        # "table.column" fields of other files that some row carries (None: not known, taken as carried)
        self.columns_carried = columns_carried
        self.priors_used: list[pd.DataFrame] = []
        self.name = ""
        self.cutoff_of = f["as_of"]
        cutoffs = self.cutoff_of.unique()
        self._cutoff_code = pd.Index(cutoffs).get_indexer(self.cutoff_of)  # priors are fitted per cutoff
        self._levels = []
        for i, cols in enumerate(self.evidence["cohort_levels"]):
            if cols:
                lab = f[cols[0]].astype(str).to_numpy(dtype=object)
                for col in cols[1:]:
                    lab = lab + "/" + f[col].astype(str).to_numpy(dtype=object)
                f[f"_cohort_{i}"] = lab
                self._levels.append([f"_cohort_{i}"])
            else:
                self._levels.append([])

    @property
    def config(self) -> dict:
        """This signal's [signals.<name>] config."""
        return self.cfg["signals"][self.name]

    def carries(self, column: str) -> bool:
        """Whether the data carries a field at all: a supplier field some supplier has a value for, or a
        "table.column" some row of that file has a value for."""
        if "." in column:
            return self.columns_carried is None or column in self.columns_carried
        return column in self.carried

    def knows(self, s: "Signal") -> bool:
        """Whether the data lets signal `s` be measured: some field it needs is carried (when it needs fields) and
        every optional table it reads was imported."""
        return (not s.needs or any(map(self.carries, s.needs))) and all(
            tb in self.tables_carried for tb in s.tables)

    def missing_tables(self, s: "Signal") -> tuple[str, ...]:
        """The optional tables signal `s` reads that were not imported."""
        return tuple(tb for tb in s.tables if tb not in self.tables_carried)

    def supplier(self, column: str) -> pd.Series:
        """A supplier master-data column on each panel row."""
        return self.f["supplier_id"].map(self.sup[column])

    def share(self, values) -> np.ndarray:
        """The signal's configured map applied to `values`."""
        return map_share(values, self.config["map"])

    def rate(self, k: str, n: str, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
        """(raw rate k/n, rate shrunk toward the cohort prior fitted at the same cutoff, the priors), × scale."""
        f, ev = self.f, self.evidence
        pri = cohort_priors(f, k, n, self._levels, ev["min_cohort_suppliers"], ev["prior_min_strength"],
                            ev["prior_max_strength"], default_mean=0.0, groups=self._cutoff_code) if len(f) else \
            pd.DataFrame({"prior_mean": [], "prior_strength": [], "cohort": pd.array([], dtype="string")})
        pri["as_of"] = self.cutoff_of.to_numpy()
        pri["supplier_id"] = f["supplier_id"].to_numpy()
        pri["signal"] = self.name
        if self.frozen_priors is not None:
            fz = self.frozen_priors[self.frozen_priors["signal"] == self.name].set_index("supplier_id")
            hit = pri["supplier_id"].isin(fz.index).to_numpy()
            pri.loc[hit, "prior_mean"] = pri.loc[hit, "supplier_id"].map(fz["prior_mean"]).to_numpy()
            pri.loc[hit, "prior_strength"] = pri.loc[hit, "supplier_id"].map(fz["prior_strength"]).to_numpy()
        self.priors_used.append(pri)
        kk = np.minimum(f[k].to_numpy(dtype=float), f[n].to_numpy(dtype=float))
        raw = np.where(f[n] > 0, kk / f[n].where(f[n] > 0).to_numpy(dtype=float), np.nan)
        post = shrink(kk, f[n].to_numpy(dtype=float), pri["prior_mean"].to_numpy(), pri["prior_strength"].to_numpy())
        return raw * scale, post * scale, pri

    def fill(self, values, has: np.ndarray) -> np.ndarray:
        """Missing evidence → the median of the supplier's cohort (type) at the same cutoff, else everyone's, else
        NaN. The fill value is this signal's cohort prior (recorded in `priors`, frozen by `frozen_priors`)."""
        f, cutoff_of = self.f, self.cutoff_of
        v = pd.Series(np.where(has, values, np.nan), index=f.index)
        fill = v.groupby([cutoff_of, f["supplier_type"]]).transform("median").fillna(
            v.groupby(cutoff_of).transform("median"))
        if self.frozen_priors is not None:
            fz = self.frozen_priors[self.frozen_priors["signal"] == self.name].set_index("supplier_id")["prior_mean"]
            hit = f["supplier_id"].isin(fz.index).to_numpy()
            fill[hit] = f.loc[hit, "supplier_id"].map(fz).to_numpy()
        self.priors_used.append(pd.DataFrame({
            "as_of": cutoff_of.to_numpy(), "supplier_id": f["supplier_id"].to_numpy(), "signal": self.name,
            "prior_mean": fill.to_numpy(dtype=float), "prior_strength": np.nan,
            "cohort": f["supplier_type"].astype(str).to_numpy()}))
        return v.fillna(fill).to_numpy()

    # ---- explanation helpers ---------------------------------------------------------------------------------
    def text(self, *parts) -> list[str] | None:
        if not self.explain:
            return None
        return ["".join(str(p[i]) if isinstance(p, (list, np.ndarray, pd.Series)) else str(p) for p in parts)
                for i in range(len(self.f))]

    def each(self, fmt: str, values) -> list[str] | None:
        """`fmt` applied to each value, for an explanation (None when not explaining: nothing is formatted)."""
        if not self.explain:
            return None
        return [fmt.format(v) for v in values]

    def lazy(self, make):
        """`make()` for an explanation, not called when not explaining."""
        return make() if self.explain else None

    def pct(self, x) -> list[str] | None:
        """Percentages for an explanation (None when not explaining: the month-end history writes no text)."""
        if not self.explain:
            return None
        return [("n/a" if (x_ is None or (isinstance(x_, float) and math.isnan(x_))) else f"{100 * x_:.1f}%")
                for x_ in np.asarray(x, dtype=float)]

    def peer(self, pri: pd.DataFrame, scale: float = 1.0, fmt=None):
        """The cohort prior each rate was shrunk toward, for "peer average …"; "n/a, no other supplier" where the
        supplier is the only one known (a one-supplier brand: the average of its peers would be its own rate)."""
        if not self.explain:
            return None
        said = (fmt or self.pct)(pri["prior_mean"].to_numpy() * scale)
        # a supplier with no other supplier known at its cutoff has no peers: its "peer average" is itself
        alone = np.bincount(self._cutoff_code)[self._cutoff_code] == 1
        return [NO_PEERS if one else v for v, one in zip(said, alone)]

    def ints(self, col: str) -> list[str]:
        """A count column as whole numbers for an explanation, with thousands separators (3,391 units, as the pages
        write every number); blanks when not explaining (the month-end history writes no text)."""
        if not self.explain:
            return [""] * len(self.f)
        return [f"{v:,}" for v in self.f[col].to_numpy().astype(int)]

    def counted(self, col: str, one: str, many: str | None = None) -> list[str] | None:
        """A count column with its noun in the right number for an explanation ("1 lot", "3 lots"; models/wording);
        None when not explaining."""
        return counts_words(self.f[col].to_numpy(), one, many) if self.explain else None


# ---- quality ----------------------------------------------------------------------------------------------------

@signal("failed pre-shipment inspections", tables=("inspections",))
def psi_failure_rate(x: Context) -> Reading:
    raw, post, pri = x.rate("psi_fail_k", "inspected_pos")
    return Reading(raw, post, x.f["inspected_pos"], x.share(post), x.text(
        x.ints("psi_fail_k"), " of ", x.counted("inspected_pos", "pre-shipment inspection"), " failed at first attempt "
        "(sample-size adjusted ", x.pct(post), ", peer average ", x.peer(pri), ")"))


@signal("major defects vs AQL", tables=("inspections",), needs=("inspections.major_defects",))
def major_defects_vs_aql(x: Context) -> Reading:
    f = x.f
    raw, post, pri = x.rate("major_k", "major_units")
    # no units sampled: the AQL a PSI that gives none is judged at (reference.inspection_settings, in percent); the
    # same when every sampled unit was inspected at AQL 0 (no major defect accepted): no rate is a multiple of 0, and
    # the sample-size adjusted rate is never 0, so it would read "inf× the AQL" and take the most points with no defect
    mean = (f["aql_units"] / f["major_units"].where(f["major_units"] > 0)).to_numpy(dtype=float)
    zero = mean == 0
    aql = np.where(np.isnan(mean) | zero, x.settings["default_aql_major"] / 100.0, mean)
    return Reading(raw / aql, post / aql, f["major_units"], x.share(post / aql), x.text(
        x.counted("major_k", "major defect"), " in ", x.ints("major_units"), " units sampled (sample-size adjusted ",
        x.pct(post), " vs ", x.lazy(lambda: np.where(zero, "the default major AQL of ", "an average major AQL of ")),
        x.each("{:.1f}%", 100 * aql), x.lazy(lambda: np.where(zero, ", its inspections accepting none", "")), ": ",
        x.each("{:.2f}", post / aql), "× the AQL)"))


@signal("critical defects", tables=("inspections",), needs=("inspections.critical_defects",))
def critical_defects(x: Context) -> Reading:
    raw, post, pri = x.rate("critical_k", "critical_units", scale=1000.0)
    return Reading(raw, post, x.f["critical_units"], x.share(post), x.text(
        x.counted("critical_k", "critical defect"), " in ", x.ints("critical_units"), " units sampled (sample-size adjusted ",
        x.each("{:.2f}", post), " per 1,000, peer average ",
        x.peer(pri, 1000, lambda a: [f"{v:.2f}" for v in a]),
        "); ", x.counted("critical_recent_lots", "recent lot"), " with a critical defect, ",
        x.ints("critical_shipped_uncleared"), " shipped without a passed re-inspection"))


@signal("defect returns", tables=("sales", "returns"))
def defect_return_rate(x: Context) -> Reading:
    raw, post, pri = x.rate("defect_return_k", "units_sold")
    return Reading(raw, post, x.f["units_sold"], x.share(post), x.text(
        x.counted("defect_return_k", "defect-coded returned unit"), " of ", x.ints("units_sold"), " sold (",
        x.pct(raw), ", sample-size adjusted ", x.pct(post), ", peer average ", x.peer(pri), ")"))


@signal("'not as described' returns", tables=("sales", "returns"))
def not_as_described_rate(x: Context) -> Reading:
    raw, post, pri = x.rate("nad_k", "units_sold")
    return Reading(raw, post, x.f["units_sold"], x.share(post), x.text(
        x.counted("nad_k", "unit"), " returned as 'not as described' of ", x.ints("units_sold"), " sold (sample-size adjusted ",
        x.pct(post), ", peer average ", x.peer(pri), "): goods differing from the approved sample"))


@signal("lots passed at inspection but returned defective", tables=("inspections", "sales", "returns"),
        needs=("returns.po_id",))  # a lot is judged by the returns that name it: Amazon's reports name none
def passed_but_defective(x: Context) -> Reading:
    raw, post, pri = x.rate("escape_k", "mature_lots")
    return Reading(raw, post, x.f["mature_lots"], x.share(post), x.text(
        x.ints("escape_k"), " of ", x.counted("mature_lots", "lot"), " that passed pre-shipment inspection came back "
        "with field defect returns above the lot's major AQL (sample-size adjusted ", x.pct(post), ", peer average ",
        x.peer(pri), ")"))


@signal("bulk-vs-sample drift", tables=("inspections",), needs=("inspections.major_defects",))
def bulk_vs_sample_drift(x: Context) -> Reading:
    f, win = x.f, x.win
    has = ((f["early_n"] >= win["drift_min_units_sampled"]) & (f["later_n"] >= win["drift_min_units_sampled"])
           ).to_numpy()
    # +0.5/+1 (Jeffreys-style) keeps a zero-defect early side from dividing by zero
    ratio = (((f["later_k"] + 0.5) / (f["later_n"] + 1)) / ((f["early_k"] + 0.5) / (f["early_n"] + 1))).to_numpy()
    filled = x.fill(ratio, has)
    return Reading(np.where(has, ratio, np.nan), filled, f["later_n"] + f["early_n"], x.share(filled), x.text(
        x.lazy(lambda: np.where(
            has, [f"later lots: {k} defects in {n} units sampled vs first lots of each SKU: {k2} in {n2} "
                  f"({r:.2f}×)" for k, n, k2, n2, r in
                  zip(x.ints("later_k"), x.ints("later_n"), x.ints("early_k"), x.ints("early_n"), ratio)],
            [f"not enough inspected lots to compare (peer typical {v:.2f}× used)" for v in filled]))))


@signal("cost of poor quality", tables=("quality_costs",))
def quality_cost_share(x: Context) -> Reading:
    f = x.f
    share = (f["quality_cost"] / f["order_value"].where(f["order_value"] > 0)).to_numpy()
    has = (f["order_value"] > 0).to_numpy()
    filled = x.fill(share, has)
    return Reading(np.where(has, share, np.nan), filled, f["quality_cost"], x.share(filled), x.text(
        "costs of poor quality ", x.each("${:,.0f}", f["quality_cost"]), " on orders worth ",
        x.each("${:,.0f}", f["order_value"]), " (", x.pct(filled), ")"))


@signal("changes after sample approval", tables=("changes",))
def changes_after_sample(x: Context) -> Reading:
    f, days = x.f, x.win["control_days"]
    unconfirmed = f["changes_after_sample_unconfirmed"]
    return Reading(unconfirmed, None, f["changes_recent"], x.share(unconfirmed), x.text(
        x.counted("changes_after_sample", "change"), " to the product (", ", ".join(change_kinds.load().product_kinds).replace("_", " "),
        ") after its golden sample was approved in the last ", days, " days, ", x.ints(
            "changes_after_sample_unconfirmed"), " not confirmed in writing",
        np.where(unconfirmed > 0, ": the goods may no longer be what was approved", "")))


@signal("corrective actions overdue or failed again", tables=("corrective_actions",))
def corrective_actions(x: Context) -> Reading:
    f = x.f
    value = (f["capa_overdue"] + f["capa_failed_next_lot"]).to_numpy(dtype=float)
    return Reading(value, None, f["capa_n"], x.share(value), x.text(
        x.counted("capa_open", "corrective action"), " open, ", x.ints("capa_overdue"),
        [" past its due date; " if n == 1 else " past their due date; " for n in f["capa_overdue"].to_numpy()],
        x.ints("capa_failed_next_lot"), " closed whose next inspected lot failed again (last ", x.win["control_days"],
        " days), of ", x.ints("capa_n"), " asked so far"))


# ---- delivery ---------------------------------------------------------------------------------------------------

@signal("late shipments", tables=("shipments",), needs=("purchase_orders.promised_ship_on",))
def late_rate(x: Context) -> Reading:
    raw, post, pri = x.rate("late_k", "resolved_pos")
    return Reading(raw, post, x.f["resolved_pos"], x.share(post), x.text(
        x.ints("late_k"), " of ", x.counted("resolved_pos", "due order"), " shipped late or not at all ",
        "(sample-size adjusted ", x.pct(post), ", peer average ", x.peer(pri), ")"))


@signal("shipments >{late_incident_days} days late", tables=("shipments",),
        needs=("purchase_orders.promised_ship_on",))
def severe_late_rate(x: Context) -> Reading:
    raw, post, pri = x.rate("severe_k", "resolved_pos")
    return Reading(raw, post, x.f["resolved_pos"], x.share(post), x.text(
        x.ints("severe_k"), " of ", x.counted("resolved_pos", "due order"), " more than ",
        x.settings["late_incident_days"], " days late (sample-size adjusted ", x.pct(post), ", peer average ",
        x.peer(pri), ")"))


@signal("lead-time variability", tables=("shipments",))
def lead_time_variability(x: Context) -> Reading:
    f, win = x.f, x.win
    has = (f["lead_n"] >= win["lead_time_min_pos"]).to_numpy()
    cv = (f["lead_sd"] / f["lead_mean"]).to_numpy()
    filled = x.fill(cv, has)
    return Reading(np.where(has, cv, np.nan), filled, f["lead_n"], x.share(filled), x.text(
        x.lazy(lambda: np.where(
            has, [f"lead time {m:.0f} ± {s:.1f} days over {n} completed orders (variation {v:.2f})"
                  for m, s, n, v in zip(f["lead_mean"].fillna(0), f["lead_sd"].fillna(0), x.ints("lead_n"),
                                        np.nan_to_num(cv))],
            [f"fewer than {win['lead_time_min_pos']} completed orders (peer typical variation {v:.2f} used)"
             for v in np.nan_to_num(filled)]))))


@signal("customs holds", tables=("shipments",), needs=("shipments.customs_hold_days",))
def customs_hold_rate(x: Context) -> Reading:
    raw, post, pri = x.rate("hold_k", "ship_n")
    return Reading(raw, post, x.f["ship_n"], x.share(post), x.text(
        x.ints("hold_k"), " of ", x.counted("ship_n", "delivered shipment"), " held by customs (sample-size adjusted ",
        x.pct(post), ", peer average ", x.peer(pri), ")"))


@signal("documentation errors", tables=("shipments",), needs=("shipments.doc_errors",))
def doc_error_rate(x: Context) -> Reading:
    raw, post, pri = x.rate("doc_k", "ship_n")
    return Reading(raw, post, x.f["ship_n"], x.share(post), x.text(
        x.ints("doc_k"), " of ", x.counted("ship_n", "delivered shipment"), " had documentation errors "
        "(sample-size adjusted ", x.pct(post), ", peer average ", x.peer(pri), ")"))


# ---- transaction ------------------------------------------------------------------------------------------------

_PAYEE_TEXT = {"match": "every payee is the legal entity (after normalising names)",
               "no_payments": "no payments yet",
               "cannot_verify": "a payee is written in another script than the legal name: cannot verify by name, "
                                "check the bank letter",
               "related": "a payee shares the core name but not the business descriptor (a sister company?)",
               "mismatch": "money went to an entity that is not the legal / contracting entity"}


@signal("payees vs legal entity", tables=("payments",), needs=("payments.payee_name",))
def payee_consistency(x: Context) -> Reading:
    o = x.outcomes
    outcome, legal, culprit = o["payee"], o["legal_names"], o["payee_culprit"]
    return Reading([OUTCOME_VALUE.get(v, 0) for v in outcome], None, x.f["payments_n"],
                   [x.config["outcome_share"].get(v, 0.0) for v in outcome],
                   x.text([_PAYEE_TEXT.get(v, v) for v in outcome]),
                   [None if v in ("match", "no_payments") else f"legal: {lg} | payee: {cu}"
                    for v, lg, cu in zip(outcome, legal, culprit)] if x.explain else None)


@signal("payee changes", tables=("payments",), needs=("payments.payee_name",))
def payee_changes(x: Context) -> Reading:
    f = x.f
    return Reading(f["payee_count"], None, f["payments_n"], x.share(f["payee_count"]), x.text(
        x.counted("payee_count", "distinct payee"), " used over ", x.counted("payments_n", "payment")))


@signal("payments outside Trade Assurance", tables=("payments",), needs=("payments.channel",))
def outside_trade_assurance(x: Context) -> Reading:
    raw, post, pri = x.rate("outside_ta_k", "payments_n")
    return Reading(raw, post, x.f["payments_n"], x.share(post), x.text(
        x.ints("outside_ta_k"), " of ", x.counted("payments_n", "payment"), " made outside Trade Assurance "
        "(sample-size adjusted ", x.pct(post), ", peer average ", x.peer(pri), ")"))


@signal("balance paid before a passed inspection", tables=("payments", "inspections"))
def balance_before_psi(x: Context) -> Reading:
    raw, post, pri = x.rate("balance_early_k", "balance_pos")
    return Reading(raw, post, x.f["balance_pos"], x.share(post), x.text(
        x.ints("balance_early_k"), " of ", x.counted("balance_pos", "balance"), " paid before a passed pre-shipment "
        "inspection: the payment outran control of the goods (sample-size adjusted ", x.pct(post), ", peer average ",
        x.peer(pri), ")"))


@signal("deposits on overdue orders", tables=("payments", "shipments"),
        needs=("purchase_orders.promised_ship_on",))  # overdue: past the promised ship date
def deposits_at_risk(x: Context) -> Reading:
    f = x.f
    share = np.where(f["spend_12m"] > 0, f["overdue_deposits"] / f["spend_12m"].where(f["spend_12m"] > 0),
                     np.where(f["overdue_deposits"] > 0, 1.0, 0.0))
    return Reading(share, None, f["overdue_deposits"], x.share(share), x.text(
        x.each("${:,.0f}", f["overdue_deposits"]), " paid on orders past their promised ship date + ",
        x.win["overdue_deposit_grace_days"], " days with nothing shipped (", x.pct(share), " of 12-month spend)"))


@signal("bank account changes not verified", tables=("bank_accounts",))
def bank_account_changes(x: Context) -> Reading:
    f, share = x.f, x.config["outcome_share"]
    changes, first, n = (f[c].to_numpy(dtype=float) for c in ("bank_unverified_changes", "bank_unverified_first",
                                                               "bank_accounts_n"))
    outcome = np.where(changes > 0, "unverified_change", np.where(first > 0, "unverified_account", "verified"))
    return Reading([float(OUTCOME_VALUE[o]) for o in outcome], None, n,
                   [share[o] for o in outcome],
                   x.text([_bank_text(o, int(c), int(k)) for o, c, k in zip(outcome, changes, n)] if x.explain else ""))


def _bank_text(outcome: str, changes: int, accounts: int) -> str:
    if outcome == "unverified_change":
        return (f"{count_words(changes, 'new or offshore bank account')} not verified by a call-back or bank letter: "
                f"the pattern of bank-detail fraud; pay nothing to {'it' if changes == 1 else 'them'} until verified")
    if outcome == "unverified_account":
        return "the supplier's bank account is not verified by a call-back or bank letter"
    if accounts == 0:
        return "no bank account on record"
    return f"{count_words(accounts, 'bank account')}, {'verified' if accounts == 1 else 'each verified'}"


# ---- entity -----------------------------------------------------------------------------------------------------

_LEGAL_TEXT = {"match": "PI entity names and bank beneficiary match the legal name",
               "missing_legal_name": "no legal name on file: entity cannot be checked",
               "cannot_verify": "a name is in Chinese script and the other in Latin script: cannot verify by name",
               "related": "same core name, different business descriptor (possible sister company)",
               "mismatch": "another entity appears on the contract or bank details"}


@signal("PI entity / bank beneficiary vs legal name", needs=("legal_name",))
def legal_entity_consistency(x: Context) -> Reading:
    o = x.outcomes
    outcome, role, legal, culprit = o["legal"], o["legal_role"], o["legal_names"], o["legal_culprit"]
    return Reading([OUTCOME_VALUE.get(v, 0) for v in outcome], None, x.f["legal_names_n"],
                   [x.config["outcome_share"].get(v, 0.0) for v in outcome],
                   x.text([_LEGAL_TEXT[v] + (f" ({r})" if v not in ("match", "missing_legal_name") else "")
                           for v, r in zip(outcome, role)]),
                   [None if v in ("match", "missing_legal_name") else f"legal: {lg} | {r}: {cu}"
                    for v, lg, r, cu in zip(outcome, legal, role, culprit)] if x.explain else None)


_REGISTRATION_TEXT = {"valid": "unified social credit code well-formed with a correct check character",
                      "invalid_check": "unified social credit code fails its GB 32100-2015 check character",
                      "invalid_format": "registration id is not an 18-character unified social credit code",
                      "missing": "no registration id on file", "not_checked": "non-Chinese registry number (not checked)"}


@signal("registration id", needs=("registration_id",))
def registration_id(x: Context) -> Reading:
    ids, countries = x.supplier("registration_id"), x.supplier("country")
    status = [entity.registration_id_status(r if isinstance(r, str) else None, cn) for r, cn in zip(ids, countries)]
    return Reading([OUTCOME_VALUE.get(s, 0) for s in status], None, np.ones(len(x.f)),
                   [x.config["outcome_share"][s] for s in status], x.text([_REGISTRATION_TEXT[s] for s in status]),
                   list(ids) if x.explain else None)


@signal("litigation and penalties", needs=("litigation_cases", "admin_penalties"))
def public_records(x: Context) -> Reading:
    lit = x.supplier("litigation_cases").fillna(0).to_numpy(dtype=float)
    pen = x.supplier("admin_penalties").fillna(0).to_numpy(dtype=float)
    return Reading(lit + pen, None, np.ones(len(x.f)), x.share(lit + pen), x.text(
        counts_words(lit, "litigation case") if x.explain else "", " and ",
        counts_words(pen, "administrative penalty", "administrative penalties") if x.explain else "",
        " in public records"))


@signal("operating status", needs=("operating_status",))
def operating_status(x: Context) -> Reading:
    status = x.supplier("operating_status").fillna("normal").to_numpy()
    return Reading((status == "abnormal").astype(float), None, np.ones(len(x.f)),
                   [x.config["outcome_share"].get(s, 0.0) for s in status],
                   x.text(["registry operating status: " + s for s in status]))


@signal("subcontracting", needs=("subcontracting",))
def subcontracting(x: Context) -> Reading:
    sub = x.supplier("subcontracting").fillna("none").to_numpy()
    return Reading([{"none": 0, "declared": 1, "suspected": 2}.get(s, 0) for s in sub], None, np.ones(len(x.f)),
                   [x.config["outcome_share"].get(s, 0.0) for s in sub], x.text(["subcontracting: " + s for s in sub]))


def audit_state(x: Context) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(known at the cutoff, result — 'never' when not known —, age in months) of each row's last audit."""
    audit_on = x.supplier("last_audit_on")
    known = (audit_on.notna() & (audit_on <= x.cutoff_of)).to_numpy()
    result = np.where(known, x.supplier("last_audit_result").fillna("never").to_numpy(), "never")
    age = np.where(known, audit_age_months(audit_on, x.cutoff_of), np.nan)
    return known, result, age


@signal("audit result and age", needs=("last_audit_on",))
def audit(x: Context) -> Reading:
    cfg = x.config
    known, result, age = audit_state(x)
    share = np.maximum([cfg["outcome_share"].get(r, 0.6) for r in result], map_share(age, cfg["age_map"]))
    return Reading(age, None, known.astype(float), share, x.text(x.lazy(lambda: [
        f"last audit {r} {a:.0f} months ago" if k else "no audit on record"
        for r, a, k in zip(result, np.nan_to_num(age), known)])))


@signal("background checks not done or expired", needs=("registry_checked_on", "records_checked_on"))
def background_checks(x: Context) -> Reading:
    """Registry and public-records checks at each cutoff (models/controls.check_states): a check that was never
    done or has expired is unknown, not clean, and earns this small signal's points."""
    share, valid = x.config["outcome_share"], x.settings["background_check_valid_days"]
    sup = x.sup.reset_index(drop=True)
    states = pd.concat([controls.check_states(sup, c, valid).assign(as_of=c) for c in pd.unique(x.cutoff_of)]
                       ) if len(x.f) else pd.DataFrame(columns=["as_of", "supplier_id", "source", "state"])
    wide = states.pivot(index=["as_of", "supplier_id"], columns="source", values="state")
    keys = pd.MultiIndex.from_arrays([x.cutoff_of.to_numpy(), x.f["supplier_id"].to_numpy()])
    by_source = {src: wide[src].reindex(keys).fillna(controls.NOT_CHECKED).to_numpy(dtype=object)
                 for src in controls.SOURCES}
    points = np.mean([[share[v] for v in vals] for vals in by_source.values()], axis=0)
    lapsed = np.sum([[v in (controls.NOT_CHECKED, controls.EXPIRED) for v in vals] for vals in by_source.values()],
                    axis=0)
    return Reading(lapsed.astype(float), None, np.full(len(x.f), float(len(by_source))), points, x.text(
        *[part for src, vals in by_source.items()
          for part in ((", " if src != next(iter(by_source)) else ""), src.replace("_", " "), " check: ", vals)]))


@signal("marketplace profile", needs=("is_verified", "alibaba_store_years"))
def marketplace_profile(x: Context) -> Reading:
    cfg = x.config
    # each half counts only when the data carries its field (missing is not risky)
    has_badge, has_years = x.carries("is_verified"), x.carries("alibaba_store_years")
    unverified = ~x.supplier("is_verified").fillna(False).astype(bool).to_numpy() & has_badge
    years = x.supplier("alibaba_store_years").to_numpy(dtype=float)
    young = ~(years >= cfg["young_store_years"]) & has_years
    mp = cfg["outcome_share"]
    return Reading(unverified.astype(float) + young, None, np.ones(len(x.f)),
                   unverified * mp["unverified"] + young * mp["young_store"], x.text(
                       np.where(unverified, "no verified badge", "verified badge" if has_badge else "badge unknown"),
                       [", store age unknown" if math.isnan(y) else f", store open {count_words(round(y), 'year')}"
                        for y in years] if x.explain else "", " (badges count for little)"))


# ---- commercial -------------------------------------------------------------------------------------------------

@signal("sudden price increases")
def price_jumps(x: Context) -> Reading:
    raw, post, pri = x.rate("price_jump_k", "price_steps")
    return Reading(raw, post, x.f["price_steps"], x.share(post), x.text(
        x.ints("price_jump_k"), " of ", x.counted("price_steps", "reorder"), " priced ", x.win["price_step_pct"],
        "% or more above the previous order of the SKU (sample-size adjusted ", x.pct(post), ", peer average ",
        x.peer(pri), ")"))


@signal("price drift")
def price_drift(x: Context) -> Reading:
    drift = x.f["price_drift"].to_numpy(dtype=float)
    return Reading(drift, None, x.f["price_steps"], x.share(drift), x.text(
        "spend-weighted change from first to latest price of each SKU: ", x.pct(np.nan_to_num(drift))))


@signal("payments above order value", tables=("payments",))
def cost_overrun(x: Context) -> Reading:
    f = x.f
    over = (f["overrun"] / f["closed_value"].where(f["closed_value"] > 0)).fillna(0).to_numpy()
    return Reading(over, None, f["balance_pos"], x.share(over), x.text(
        x.each("${:,.0f}", f["overrun"]), " paid above the order value on orders paid in full (", x.pct(over),
        ")"))


@signal("changes not confirmed in writing", tables=("changes",))
def undocumented_changes(x: Context) -> Reading:
    f = x.f
    return Reading(f["changes_unconfirmed"], None, f["changes_recent"], x.share(f["changes_unconfirmed"]), x.text(
        x.ints("changes_unconfirmed"), " of ", x.counted("changes_recent", "change"),
        " (price, lead time, packaging…) in the last ", x.win["control_days"], " days not confirmed in writing "
        "(product changes after the approved sample are counted on their own)"))


@signal("IP protection (NNN, moulds)", needs=("nnn_signed", "mold_owner"))
def ip_protection(x: Context) -> Reading:
    has_nnn = x.carries("nnn_signed")  # missing is not risky: no NNN column, no NNN points
    no_nnn = ~x.supplier("nnn_signed").fillna(False).astype(bool).to_numpy() & has_nnn
    mold = x.supplier("mold_owner").fillna("none").to_numpy()
    ip = x.config["outcome_share"]
    return Reading(no_nnn.astype(float) + (mold == "supplier"), None, np.ones(len(x.f)),
                   no_nnn * ip["no_nnn"] + (mold == "supplier") * ip["supplier_owns_moulds"],
                   x.text(np.where(no_nnn, "no NNN agreement", "NNN agreement signed" if has_nnn else "NNN unknown"),
                          "; moulds owned by: ", mold))


KPI_SETTINGS = Path(__file__).resolve().parents[1] / "data" / "reference" / "kpi_settings.csv"


def labels(settings: Mapping[str, object]) -> dict[str, str]:
    """Every signal's short label, its `{setting}` fields (e.g. late_incident_days) filled from `settings`."""
    return {name: s.label.format_map(settings) for name, s in REGISTRY.items()}


def reference_settings(path: Path = KPI_SETTINGS) -> dict[str, str]:
    """data/reference/kpi_settings.csv as {setting: value}: what every build loads as reference.kpi_settings."""
    with open(path, newline="", encoding="utf-8") as fh:
        return {row["setting"]: row["value"] for row in csv.DictReader(fh)}


# The labels as the reference settings fill them (pages and reports); a score run fills them from the settings of
# the warehouse it reads (SignalResult.labels).
LABELS = labels(reference_settings())
