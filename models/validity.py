"""Validity report card: does the score rank suppliers and orders the way the outcomes say, and does it hold still?

Computed from a built warehouse's marts (and, where the data has one, a hidden ground truth such as the demo
generator's `hidden_risk`), so the same card is shown for the demo and for imported data:

- **ground truth** (only where it is known): Spearman correlation of the rule score, its quality-and-delivery part
  and the incident model's probability with the hidden risk (supplier-bootstrap interval), how many of the worst 15%
  suppliers each puts in its own riskiest 15% (capture) and how many of its riskiest 10% are among them (precision);
- **discrimination**: the pooled backtest AUC of the model, the rule score and `rule_score_operations` against the
  naive baseline with the paired supplier-bootstrap interval, read from `marts.model_comparison` (computed once,
  by models.incident_model);
- **ranking**: the share of the backtest's next-order incidents each puts in its riskiest 15% of test orders, and
  the incident rate among its riskiest 10% (ties at the boundary counted at their average, as in the backtest's
  top-decile lift);
- **calibration per risk band**: test orders grouped by the supplier's band at the order date, observed incident
  rate (Wilson interval) against the model's mean predicted probability;
- **stability**: the supplier ranking when each pillar's weight changes by ±20%, and under random ±20% changes of
  every signal's weight;
- **each signal's predictive value** next to its points: on the same test orders, the univariate ROC AUC of the
  signal's points as of the month end before the order (supplier-bootstrap interval), the lift in the riskiest 10%
  and among orders whose supplier had points for it; signals without variation (or unknown in this data) say so.
Settings: models/config/validity.toml. Method and figures: docs/validity.md. No streamlit here.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import roc_auc_score

from models import incident_model as im
from models import risk_panel, scoring
from models.scoring import BAND_ORDER
from models.wording import count_words

CONFIG_PATH = Path(__file__).resolve().parent / "config" / "validity.toml"

REPORT_COLUMNS = ["section", "metric", "subject", "value", "ci_low", "ci_high", "reference", "n", "verdict",
                  "version"]
BAND_COLUMNS = ["risk_band", "n_orders", "n_suppliers", "n_incidents", "observed_rate", "ci_low", "ci_high",
                "mean_predicted", "version"]
STABILITY_COLUMNS = ["scenario", "pillar", "factor", "spearman", "top_overlap", "max_rank_shift", "version"]
SIGNAL_VALUE_COLUMNS = ["signal", "pillar", "max_points", "n_orders", "n_suppliers", "n_incidents",
                        "share_with_points", "auc", "ci_low", "ci_high", "top_decile_lift", "lift_with_points",
                        "verdict", "version"]

# What each compared subject is called in the order-level and supplier-level tables.
ORDER_SCORES = {"model": "predicted_incident_probability", "rule_score": "rule_score",
                "rule_score_operations": "rule_score_operations", "naive_baseline": "naive_baseline_probability"}
SUPPLIER_SCORES = {"rule_score": "risk_score", "rule_score_operations": "operations_points",
                   "model": "predicted_incident_probability"}
# Pillars judged against the planted wrong-entity suppliers (the demo's `entity_mismatch`), alone and together.
PILLAR_TRUTH = {"entity_pillar": ["entity_points"], "transaction_pillar": ["transaction_points"],
                "entity_and_transaction": ["entity_points", "transaction_points"]}
SUBJECT_WORDS = {"model": "the incident model", "rule_score": "the rule score",
                 "rule_score_operations": "the quality-and-delivery part of the rule score",
                 "naive_baseline": "the naive baseline (the supplier's own past incident rate)"}


@dataclass(frozen=True)
class ValidityConfig:
    version: str
    truth_path: str
    truth_column: str
    worst_share: float
    capture_share: float
    precision_share: float
    resamples: int
    bootstrap_seed: int
    confidence: float
    weight_change: float
    random_draws: int
    stability_seed: int
    min_spearman: float


def load_config(path: Path = CONFIG_PATH) -> ValidityConfig:
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return ValidityConfig(
        version=raw["version"], truth_path=raw["ground_truth"]["path"], truth_column=raw["ground_truth"]["column"],
        worst_share=float(raw["ground_truth"]["worst_share"]),
        capture_share=float(raw["ranking"]["capture_share"]), precision_share=float(raw["ranking"]["precision_share"]),
        resamples=int(raw["bootstrap"]["resamples"]), bootstrap_seed=int(raw["bootstrap"]["seed"]),
        confidence=float(raw["bootstrap"]["confidence"]), weight_change=float(raw["stability"]["weight_change"]),
        random_draws=int(raw["stability"]["random_draws"]), stability_seed=int(raw["stability"]["seed"]),
        min_spearman=float(raw["stability"]["min_spearman"]))


# --- metrics (pure) -----------------------------------------------------------------------------------------------

def spearman(x, y) -> float:
    """Spearman rank correlation (average ranks for ties); NaN when either side is constant or has < 3 values."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(stats.spearmanr(x, y).statistic)


def spearman_interval(x, y, resamples: int, seed: int, confidence: float = 0.95) -> tuple[float, float]:
    """Percentile interval of the Spearman correlation over `resamples` draws of the pairs with replacement
    (one pair per supplier, so this resamples suppliers); draws with a constant side are skipped."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(x), (resamples, len(x)))  # the same draws as one resample at a time
    values = np.concatenate([_resampled_spearman(x, y, draws[i:i + 250]) for i in range(0, resamples, 250)])
    values = values[~np.isnan(values)]
    if not len(values):
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2 * 100
    return float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))


def _resampled_spearman(x: np.ndarray, y: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """`spearman(x[d], y[d])` for each row d of `draws`, all rows at once (equal to it within rounding, tested).

    A draw only changes how many times each pair is taken (its count), so each pair's average rank within the
    draw is the count of drawn values below its own plus half of (the count of drawn values equal to it + 1),
    and the correlation of the ranks is a count-weighted Pearson correlation over the distinct pairs."""
    n = len(x)
    counts = np.zeros((len(draws), n))
    np.add.at(counts, (np.repeat(np.arange(len(draws)), n), draws.ravel()), 1.0)

    def ranks(v: np.ndarray) -> np.ndarray:
        order = np.argsort(v, kind="stable")
        new_value = np.r_[True, np.diff(v[order]) != 0]  # the first pair of each run of equal values
        starts = np.flatnonzero(new_value)
        group = np.empty(n, dtype=np.int64)
        group[order] = np.cumsum(new_value) - 1
        taken = np.add.reduceat(counts[:, order], starts, axis=1)  # per draw, how many of each distinct value
        below = np.cumsum(taken, axis=1) - taken
        return (below + (taken + 1.0) / 2.0)[:, group], taken

    rx, taken_x = ranks(x)
    ry, taken_y = ranks(y)
    total = counts.sum(axis=1, keepdims=True)
    dx = rx - (counts * rx).sum(axis=1, keepdims=True) / total
    dy = ry - (counts * ry).sum(axis=1, keepdims=True) / total
    cov = (counts * dx * dy).sum(axis=1)
    var = (counts * dx * dx).sum(axis=1) * (counts * dy * dy).sum(axis=1)
    constant = ((taken_x > 0).sum(axis=1) < 2) | ((taken_y > 0).sum(axis=1) < 2)  # one distinct value drawn
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = cov / np.sqrt(var)
    return np.where(constant | (n < 3), np.nan, rho)


def top_count(n: int, share: float) -> int:
    """How many of `n` cases are "the top `share`": at least one, rounded up (as the backtest's top decile)."""
    return max(1, int(math.ceil(share * n)))


def precision_at(y, score, share: float) -> float:
    """Share of bad cases (y = 1) among the `share` highest scores; cases tied at the boundary count at their
    average rate (the expected value under a random tie-break: a coarse score gains nothing from tie order).
    The backtest's top-decile lift times the base rate."""
    y = np.asarray(y, float)
    if len(y) == 0:
        return float("nan")
    if y.sum() == 0:
        return 0.0
    return im.top_share_lift(y, score, share) * float(y.mean())


def capture_at(y, score, share: float) -> float:
    """Share of all bad cases that fall among the `share` highest scores (recall at that cut; ties as in
    `precision_at`). NaN when there is no bad case."""
    y = np.asarray(y, float)
    if len(y) == 0 or y.sum() == 0:
        return float("nan")
    return precision_at(y, score, share) * top_count(len(y), share) / float(y.sum())


def worst(values, share: float) -> np.ndarray:
    """True for the `share` of cases with the highest values (all cases tied with the last one included)."""
    v = np.asarray(values, float)
    k = top_count(len(v), share)
    return v >= np.sort(v)[::-1][k - 1]


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n (scipy's binomtest); NaN for n = 0."""
    if n == 0:
        return float("nan"), float("nan")
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def edge_verdict(ci_low: float, ci_high: float) -> str:
    """Plain reading of an AUC difference's interval against the naive baseline."""
    if pd.isna(ci_low) or pd.isna(ci_high):
        return "no interval"
    if ci_low > 0:
        return "better than the naive baseline"
    if ci_high < 0:
        return "worse than the naive baseline"
    return "not distinguishable from the naive baseline"


def band_calibration(orders: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per risk band (columns risk_band, supplier_id, y, predicted): orders, suppliers, incidents, observed rate
    with its Wilson interval and the mean predicted probability; bands in BAND_ORDER, empty bands left out."""
    rows = []
    for band in BAND_ORDER:
        part = orders[orders["risk_band"] == band]
        if part.empty:
            continue
        k, n = int(part["y"].sum()), len(part)
        lo, hi = wilson_interval(k, n, confidence)
        predicted = part["predicted"].dropna()
        rows.append({"risk_band": band, "n_orders": n, "n_suppliers": int(part["supplier_id"].nunique()),
                     "n_incidents": k, "observed_rate": k / n, "ci_low": lo, "ci_high": hi,
                     "mean_predicted": float(predicted.mean()) if len(predicted) else float("nan")})
    return pd.DataFrame(rows, columns=BAND_COLUMNS[:-1])


def _ranks(score: pd.Series) -> np.ndarray:
    return score.rank(ascending=False, method="average").to_numpy()


def _top(score: pd.Series, k: int) -> set:
    """The k highest scores (ties broken by supplier id, so the cut is reproducible)."""
    ids = np.asarray(score.index.astype(str), dtype=object)
    id_order = np.unique(ids, return_inverse=True)[1].reshape(-1)  # ids in sorted-string order (they are unique)
    return set(ids[np.lexsort((id_order, -score.to_numpy(dtype=float)))[:k]])


def stability(points: pd.DataFrame, change: float, draws: int, seed: int, top_share: float) -> pd.DataFrame:
    """How the supplier ranking moves when weights change. `points`: one row per supplier and signal (supplier_id,
    pillar, signal, points). The score is the sum of points, and a signal's points are linear in its configured
    max_points, so scaling points by a factor is the score a config with that weight would give.

    Scenarios: every pillar scaled by 1 - change and 1 + change alone, then `draws` draws of every signal scaled by
    its own factor uniform in [1 - change, 1 + change]. Per scenario: Spearman with the unchanged score, the share
    of the unchanged top `top_share` still in the top, and the largest move in rank places."""
    wide = points.pivot_table(index="supplier_id", columns="signal", values="points", aggfunc="sum", fill_value=0.0)
    pillar_of = points.drop_duplicates("signal").set_index("signal")["pillar"].reindex(wide.columns)
    base = wide.sum(axis=1)
    k = top_count(len(base), top_share)
    base_top, base_rank = _top(base, k), _ranks(base)

    def row(name: str, pillar: str | None, factor: float | None, weights: np.ndarray) -> dict:
        s = pd.Series(wide.to_numpy() @ weights, index=wide.index)
        return {"scenario": name, "pillar": pillar, "factor": factor, "spearman": spearman(base, s),
                "top_overlap": len(base_top & _top(s, k)) / k,
                "max_rank_shift": float(np.max(np.abs(_ranks(s) - base_rank))) if len(s) else float("nan")}

    rows = []
    for pillar in pd.unique(pillar_of):
        for factor in (1 - change, 1 + change):
            w = np.where(pillar_of.to_numpy() == pillar, factor, 1.0)
            rows.append(row(f"{pillar} x{factor:.2f}", pillar, factor, w))
    rng = np.random.default_rng(seed)
    for i in range(draws):
        rows.append(row(f"random {i + 1}", None, None, rng.uniform(1 - change, 1 + change, wide.shape[1])))
    return pd.DataFrame(rows, columns=STABILITY_COLUMNS[:-1])


def signal_value(y, points, groups, draws: tuple[np.ndarray, np.ndarray] | None, top_share: float,
                 confidence: float = 0.95) -> dict:
    """One signal's predictive value on labelled orders: `y` (1 = incident), the signal's `points` for each order and
    the order's supplier (`groups`, the bootstrap's clusters; `draws` from `im.cluster_draws` on the same groups).

    auc: ROC AUC of the points (scikit-learn; ties count half), with a percentile interval from resampling suppliers;
    top_decile_lift: incident rate among the `top_share` highest points (ties at the cut at their average rate, as the
    backtest's top-decile lift) over the overall rate; lift_with_points: incident rate among orders with points > 0
    over the overall rate. Points that never vary give no AUC or lift (NaN); the verdict says why."""
    y, x = np.asarray(y, float), np.asarray(points, float)
    n_inc = int(y.sum())
    out = {"n_orders": int(len(y)), "n_suppliers": int(pd.Series(groups).nunique()), "n_incidents": n_inc,
           "share_with_points": float(np.mean(x > 0)) if len(x) else float("nan"), "auc": float("nan"),
           "ci_low": float("nan"), "ci_high": float("nan"), "top_decile_lift": float("nan"),
           "lift_with_points": float("nan")}
    if len(y) == 0 or n_inc in (0, len(y)):
        return {**out, "verdict": "no test orders with and without an incident"}
    if np.ptp(x) == 0:
        return {**out, "verdict": f"no variation: every test order's supplier had {x[0]:g} points"}
    out["auc"] = float(roc_auc_score(y.astype(int), x))
    if draws is not None and len(draws[1]):
        aucs = im.weighted_aucs(y, x, draws[0], draws[1])
        aucs = aucs[~np.isnan(aucs)]
        if len(aucs):
            tail = (1 - confidence) / 2 * 100
            out["ci_low"], out["ci_high"] = float(np.percentile(aucs, tail)), float(np.percentile(aucs, 100 - tail))
    out["top_decile_lift"] = im.top_share_lift(y, x, top_share)
    out["lift_with_points"] = float(y[x > 0].mean() / y.mean()) if (x > 0).any() else float("nan")
    lo, hi = out["ci_low"], out["ci_high"]
    out["verdict"] = ("no interval" if pd.isna(lo) else
                      "ranks incidents better than chance" if lo > 0.5 else
                      "ranks incidents worse than chance (more points, fewer incidents)" if hi < 0.5 else
                      "not distinguishable from chance")
    return out


def _at_order(orders: pd.DataFrame, history: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`columns` of the supplier's latest history row (supplier_id, as_of) dated strictly before each order's
    `ordered_on` (the row the backtest's rule score comes from, models.incident_model.attach_rule_score); NaN or None
    where there is none. Index and order of `orders` kept."""
    if orders.empty or history.empty:
        return pd.DataFrame({c: [None] * len(orders) for c in columns}, index=orders.index, dtype=object)
    lhs = orders[["supplier_id"]].assign(_row=np.arange(len(orders)),
                                         day=pd.to_datetime(orders["ordered_on"]).astype("datetime64[ns]"))
    h = history.assign(day=pd.to_datetime(history["as_of"]).astype("datetime64[ns]"))[["supplier_id", "day", *columns]]
    m = pd.merge_asof(lhs.sort_values("day", kind="stable"), h.sort_values("day", kind="stable"), on="day",
                      by="supplier_id", allow_exact_matches=False, direction="backward")
    out = m.set_index("_row")[columns].reindex(np.arange(len(orders)))
    out.index = orders.index
    return out


def signal_points_at_orders(orders: pd.DataFrame, history: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every signal's points at each order (`history`: supplier_id, as_of, signal, points), as of the supplier's latest
    month end strictly before the order: the orders whose supplier had a score by then, and one column per signal
    (index aligned with those orders; a signal missing from a month end is 0)."""
    wide = history.pivot_table(index=["supplier_id", "as_of"], columns="signal", values="points",
                               aggfunc="sum").reset_index()
    names = [c for c in wide.columns if c not in ("supplier_id", "as_of")]
    at = _at_order(orders, wide.assign(_has=1.0), [*names, "_has"])
    keep = at["_has"].notna().to_numpy()
    return orders[keep], at.loc[keep, names].astype(float).fillna(0.0)


def signal_table(orders: pd.DataFrame, history: pd.DataFrame, cfg: ValidityConfig,
                 unknown: set[str] | frozenset[str] = frozenset()) -> pd.DataFrame:
    """Every signal's predictive value on the backtest's test orders (po_id, supplier_id, ordered_on, is_incident):
    its points as of the supplier's latest month end strictly before the order (`history`: supplier_id, as_of,
    pillar, signal, points, max_points), judged by `signal_value`. Orders whose supplier had no score yet are left out
    (as for the rule score), so every signal is judged on the same orders. `unknown`: signals the data cannot measure
    (their verdict says so). Sorted by pillar as configured, then AUC, highest first."""
    if orders.empty or history.empty:
        return pd.DataFrame(columns=SIGNAL_VALUE_COLUMNS[:-1])
    o, at = signal_points_at_orders(orders, history)
    names = list(at.columns)
    y, groups = o["is_incident"].astype(float).to_numpy(), o["supplier_id"].astype(str).to_numpy()
    draws = im.cluster_draws(groups, cfg.resamples, cfg.bootstrap_seed) if len(o) else None
    meta = history.drop_duplicates("signal").set_index("signal")
    rows = []
    for name in names:
        r = signal_value(y, at[name].to_numpy(), groups, draws, cfg.precision_share,
                         cfg.confidence)
        if name in unknown:
            r["verdict"] = "unknown: the data does not carry this signal's fields (0 points for every supplier)"
        rows.append({"signal": name, "pillar": meta.loc[name, "pillar"],
                     "max_points": float(meta.loc[name, "max_points"]), **r})
    out = pd.DataFrame(rows, columns=SIGNAL_VALUE_COLUMNS[:-1])
    pillar_rank = {p: i for i, p in enumerate(scoring.PILLARS)}
    out = out.assign(_p=out["pillar"].map(pillar_rank), _a=-out["auc"].fillna(-1.0))
    return out.sort_values(["_p", "_a", "signal"]).drop(columns=["_p", "_a"]).reset_index(drop=True)


# --- the card from a warehouse ------------------------------------------------------------------------------------

@dataclass
class Evidence:
    """What the card reads from a warehouse (frames; empty when the warehouse lacks the table)."""

    comparison: pd.DataFrame  # marts.model_comparison
    backtest: pd.DataFrame  # marts.model_backtest, fold 0
    orders: pd.DataFrame  # backtest test orders with the band of the score known at the order date
    suppliers: pd.DataFrame  # supplier_id, risk_score, operations_points, predicted_incident_probability
    signals: pd.DataFrame  # supplier_id, pillar, signal, points
    as_of: object = None
    input_dir: str | None = None
    signal_history: pd.DataFrame | None = None  # supplier_id, as_of, pillar, signal, points, max_points
    unknown_signals: frozenset[str] = frozenset()  # signals the data cannot measure (marts.score_unknown_signals)


def band_at_order(orders: pd.DataFrame, history: pd.DataFrame) -> pd.Series:
    """The supplier's risk band from the latest score-history row dated strictly before the order (the row the
    backtest's rule score comes from, models.incident_model.attach_rule_score)."""
    return _at_order(orders, history, ["risk_band"])["risk_band"].astype(object)


SIGNAL_HISTORY_COLUMNS = ["supplier_id", "as_of", "pillar", "signal", "points", "max_points"]


def history_months(months: list, before) -> list:
    """The score history's month ends the card reads: from the latest one before `before` (the first order judged)
    on; none when nothing is judged."""
    if before is None or pd.isna(before):
        return []
    first = pd.Timestamp(before)
    earlier = [m for m in months if pd.Timestamp(m) < first]
    return [m for m in months if pd.Timestamp(m) >= first or (earlier and m == earlier[-1])]


def signal_history(tables: dict[str, pd.DataFrame], months: list, computed: pd.DataFrame | None = None
                   ) -> pd.DataFrame:
    """Each signal's points for each supplier at the month ends `months` (supplier_id, as_of, pillar, signal,
    points, max_points) from the score's tables (pipelines.loaders.load_tables): the pillars of
    marts.supplier_risk_history, signal by signal, computed the way models.scoring.score_history computes them
    (the same measured panel, registry and rounding; data dated on or before each month end). Empty without
    month ends.

    `computed`: the points score_history kept for every month end of this same build (its `keep_signals`); each
    month end's points depend only on data dated on or before it, so those month ends are selected from it instead of
    measuring them again (`tables` is then not read)."""
    empty = pd.DataFrame(columns=SIGNAL_HISTORY_COLUMNS)
    if not months:
        return empty
    if computed is not None:
        sig = computed[computed["as_of"].isin(pd.to_datetime(months))]
        return pd.DataFrame({c: (sig[c].astype(object) if isinstance(sig[c].dtype, pd.CategoricalDtype) else sig[c])
                             .to_numpy() for c in empty.columns})
    cfg = scoring.load_config()
    t = scoring.prepare_tables(tables)
    panel = risk_panel.measure(t, [pd.Timestamp(m) for m in months], cfg)
    if panel.empty:
        return empty
    # score_history's own path (as_of kept for one month end too)
    sig = scoring._signals(t, panel, cfg, None, explain=False, by_cutoff=True).signals  # noqa: SLF001
    return sig.assign(as_of=pd.to_datetime(sig["as_of"]))[SIGNAL_HISTORY_COLUMNS]


def read_ground_truth(path: Path, cfg: ValidityConfig) -> pd.DataFrame | None:
    """supplier_id and the hidden risk column from a ground-truth CSV, or None when the file does not exist. A file
    that exists without those columns is an error, not a silently missing section."""
    path = Path(path)
    if not path.is_file():
        return None
    truth = pd.read_csv(path, dtype={"supplier_id": str})
    missing = {"supplier_id", cfg.truth_column} - set(truth.columns)
    if missing:
        raise ValueError(f"{path}: ground truth without column(s) {', '.join(sorted(missing))}")
    out = truth[["supplier_id", cfg.truth_column]].rename(columns={cfg.truth_column: "hidden_risk"})
    if "entity_mismatch" in truth:  # planted wrong legal entity / payee: the entity and payment pillars' own truth
        out["entity_mismatch"] = truth["entity_mismatch"].astype(str).str.strip().str.lower().isin(["true", "1"])
    return out


def default_ground_truth(evidence: Evidence, cfg: ValidityConfig) -> Path | None:
    """The ground-truth file beside the warehouse's input folder (the demo writes one), when it exists."""
    if not evidence.input_dir:
        return None
    path = Path(evidence.input_dir) / cfg.truth_path
    return path if path.is_file() else None


@dataclass
class ReportCard:
    rows: pd.DataFrame  # REPORT_COLUMNS
    bands: pd.DataFrame  # BAND_COLUMNS
    stability: pd.DataFrame  # STABILITY_COLUMNS
    as_of: object = None  # the warehouse's build date
    ground_truth: str | None = None  # the ground-truth file the card used, if any
    signals: pd.DataFrame | None = None  # SIGNAL_VALUE_COLUMNS: each signal's predictive value


def _row(section, metric, subject, value, *, ci=(np.nan, np.nan), reference=np.nan, n=None, verdict=None) -> dict:
    return {"section": section, "metric": metric, "subject": subject, "value": value, "ci_low": ci[0],
            "ci_high": ci[1], "reference": reference, "n": n, "verdict": verdict}


def _ground_truth_rows(ev: Evidence, truth: pd.DataFrame, cfg: ValidityConfig) -> list[dict]:
    m = ev.suppliers.merge(truth, on="supplier_id", how="inner")
    rows = []
    if m.empty:
        return rows
    bad = worst(m["hidden_risk"], cfg.worst_share)
    for subject, column in SUPPLIER_SCORES.items():
        if column not in m or m[column].isna().all():
            continue
        part = m.dropna(subset=[column])
        y, s = bad[part.index.to_numpy()].astype(float), part[column].to_numpy(float)
        rho = spearman(s, part["hidden_risk"])
        ci = spearman_interval(s, part["hidden_risk"].to_numpy(float), cfg.resamples, cfg.bootstrap_seed,
                               cfg.confidence)
        rows.append(_row("ground truth", "spearman_vs_hidden_risk", subject, rho, ci=ci, n=len(part)))
        rows.append(_row("ground truth", "worst_capture", subject, capture_at(y, s, cfg.capture_share),
                         reference=cfg.capture_share, n=int(y.sum())))
        rows.append(_row("ground truth", "precision_at_top", subject, precision_at(y, s, cfg.precision_share),
                         reference=float(y.mean()), n=top_count(len(y), cfg.precision_share)))
    # the entity and payment pillars measure a risk a late or failed lot does not show: judged on their own truth
    if "entity_mismatch" in m and 0 < m["entity_mismatch"].sum() < len(m):
        planted = m["entity_mismatch"].astype(int).to_numpy()
        for subject, columns in PILLAR_TRUTH.items():
            if all(c in m for c in columns):
                points = m[columns].fillna(0.0).sum(axis=1).to_numpy(float)
                rows.append(_row("ground truth", "auc_vs_planted_entity_mismatch", subject,
                                 float(roc_auc_score(planted, points)), reference=0.5, n=int(planted.sum())))
    return rows


@dataclass(frozen=True)
class IncidentKind:
    """One kind of next-order incident, as the card counts it and says it."""

    column: str      # the backtest order's flag (models/incident_model.py order_outcomes)
    subject: str     # the label section's subject in marts.validity_report
    went_wrong: str  # how the headline says an order of this kind went wrong
    each: str        # a backtest whose incidents are all of this kind: what each is...
    backtest: str    # ...and what the backtest is called


INCIDENT_KINDS = (
    IncidentKind("is_late", "late", "late", "a late order", "late-order"),
    IncidentKind("is_psi_failed", "failed inspection", "failed inspection", "an order that failed its inspection",
                 "failed-inspection"),
    IncidentKind("is_return_incident", "defect returns", "returned defective", "an order returned defective",
                 "defect-return"),
)
KIND_OF = {k.subject: k for k in INCIDENT_KINDS}


def _order_rows(ev: Evidence, cfg: ValidityConfig) -> list[dict]:
    rows = []
    o = ev.orders
    if o.empty:
        return rows
    y_all = o["is_incident"].astype(float)
    rows.append(_row("label", "incident_rate", "test orders", float(y_all.mean()), n=len(o)))
    incidents = o[o["is_incident"].astype(bool)]
    for kind in INCIDENT_KINDS:
        if kind.column in o and len(incidents):
            rows.append(_row("label", "share_of_incidents", kind.subject,
                             float(incidents[kind.column].astype(bool).mean()), n=len(incidents)))
    for subject in ORDER_SCORES:
        cmp = ev.comparison[ev.comparison["model_name"] == subject] if not ev.comparison.empty else ev.comparison
        if len(cmp):
            c = cmp.iloc[0]
            rows.append(_row("discrimination", "auc", subject, c["roc_auc"], reference=c["baseline_roc_auc"],
                             n=c["n_test"]))
            rows.append(_row("discrimination", "auc_edge_vs_naive_baseline", subject, c["auc_difference"],
                             ci=(c["ci_low"], c["ci_high"]), n=c["n_suppliers"],
                             verdict=edge_verdict(c["ci_low"], c["ci_high"])))
        elif subject == "naive_baseline" and not ev.backtest.empty:
            b = ev.backtest[ev.backtest["model_name"] == subject]
            if len(b):
                rows.append(_row("discrimination", "auc", subject, b["roc_auc"].iloc[0], n=b["n_test"].iloc[0]))
        column = ORDER_SCORES[subject]
        if column not in o or o[column].isna().all():
            continue
        part = o.dropna(subset=[column])
        y, s = part["is_incident"].astype(float).to_numpy(), part[column].to_numpy(float)
        rows.append(_row("ranking", "incident_capture", subject, capture_at(y, s, cfg.capture_share),
                         reference=cfg.capture_share, n=int(y.sum())))
        rows.append(_row("ranking", "precision_at_top", subject, precision_at(y, s, cfg.precision_share),
                         reference=float(y.mean()), n=top_count(len(y), cfg.precision_share)))
    return rows


def _band_rows(bands: pd.DataFrame) -> list[dict]:
    if bands.empty:
        return []
    if len(bands) == 1:
        return [_row("calibration", "observed_rate_rises_with_band", "rule_score", float("nan"),
                     n=int(bands["n_orders"].sum()),
                     verdict="every order is in one band, so the bands separate nothing here")]
    rates = bands["observed_rate"].to_numpy()
    rising = bool(np.all(np.diff(rates) > 0))
    separated = bool(np.all(bands["ci_low"].to_numpy()[1:] > bands["ci_high"].to_numpy()[:-1]))
    verdict = ("each band has a higher incident rate than the one below, intervals apart" if separated else
               "each band has a higher incident rate than the one below" if rising else
               "incident rates do not rise with every band")
    return [_row("calibration", "observed_rate_rises_with_band", "rule_score", float(rising),
                 n=int(bands["n_orders"].sum()), verdict=verdict)]


def _stability_rows(st: pd.DataFrame, cfg: ValidityConfig) -> list[dict]:
    if st.empty:
        return []
    pillars, draws = st[st["pillar"].notna()], st[st["pillar"].isna()]
    rows = []
    worst_pillar = pillars.loc[pillars["spearman"].idxmin()] if pillars["spearman"].notna().any() else None
    if worst_pillar is not None:
        ok = worst_pillar["spearman"] >= cfg.min_spearman
        rows.append(_row("stability", "min_spearman_one_pillar", "rule_score", worst_pillar["spearman"],
                         reference=cfg.min_spearman, n=len(pillars),
                         verdict=f"{'stable' if ok else 'sensitive'}: the ranking moves most when the "
                                 f"{worst_pillar['pillar']} pillar's weight is ×{worst_pillar['factor']:.2f}"))
        rows.append(_row("stability", "min_top_overlap_one_pillar", "rule_score", float(pillars["top_overlap"].min()),
                         n=len(pillars)))
    if len(draws) and draws["spearman"].notna().any():
        p5 = float(np.nanpercentile(draws["spearman"], 5))
        rows.append(_row("stability", "p5_spearman_random_weights", "rule_score", p5, reference=cfg.min_spearman,
                         n=len(draws), verdict="stable" if p5 >= cfg.min_spearman else "sensitive"))
        rows.append(_row("stability", "mean_top_overlap_random_weights", "rule_score",
                         float(draws["top_overlap"].mean()), n=len(draws)))
    return rows


def report_card(ev: Evidence, truth: pd.DataFrame | None, cfg: ValidityConfig | None = None) -> ReportCard:
    """Every figure of the card from the evidence (and the ground truth when there is one)."""
    cfg = cfg or load_config()
    bands = pd.DataFrame(columns=BAND_COLUMNS[:-1])
    if not ev.orders.empty and "risk_band" in ev.orders:
        bands = band_calibration(ev.orders.rename(columns={"is_incident": "y",
                                                           "predicted_incident_probability": "predicted"})
                                 .assign(y=lambda f: f["y"].astype(int)), cfg.confidence)
    st = (stability(ev.signals, cfg.weight_change, cfg.random_draws, cfg.stability_seed, cfg.capture_share)
          if not ev.signals.empty else pd.DataFrame(columns=STABILITY_COLUMNS[:-1]))
    rows = (_ground_truth_rows(ev, truth, cfg) if truth is not None and not ev.suppliers.empty else []) \
        + _order_rows(ev, cfg) + _band_rows(bands) + _stability_rows(st, cfg)
    frame = pd.DataFrame(rows, columns=REPORT_COLUMNS[:-1]).assign(version=cfg.version)
    sv = signal_table(ev.orders, ev.signal_history if ev.signal_history is not None else pd.DataFrame(), cfg,
                      ev.unknown_signals)
    return ReportCard(frame, bands.assign(version=cfg.version), st.assign(version=cfg.version), as_of=ev.as_of,
                      signals=sv.assign(version=cfg.version))


def card_from(ev: Evidence, truth_path: Path | None = None, cfg: ValidityConfig | None = None) -> ReportCard:
    """The card of a warehouse's evidence (pipelines.loaders.load_evidence; pipelines.loaders.card_for reads it) and
    the ground truth at `truth_path` or beside its input folder."""
    cfg = cfg or load_config()
    path = truth_path if truth_path is not None else default_ground_truth(ev, cfg)
    truth = read_ground_truth(path, cfg) if path is not None else None
    if truth_path is not None and truth is None:
        raise FileNotFoundError(f"ground truth {truth_path} does not exist")
    card = report_card(ev, truth, cfg)
    card.ground_truth = str(path) if truth is not None else None
    return card


# --- plain words --------------------------------------------------------------------------------------------------

def _pct(x: float) -> str:
    """A share in whole percent, with one decimal where whole percent would round a non-zero share to 0% or a
    share short of all to 100% (0.2% of the riskiest orders went wrong is not none)."""
    if pd.isna(x):
        return "–"
    for places in (0, 1, 2):
        said = f"{100 * x:.{places}f}"
        if not ((float(said) == 0 and x > 0) or (float(said) == 100 and x < 1)):
            return f"{said}%"
    return "<0.01%" if x < 0.5 else ">99.99%"


def _get(rows: pd.DataFrame, section: str, metric: str, subject: str) -> pd.Series | None:
    hit = rows[(rows["section"] == section) & (rows["metric"] == metric) & (rows["subject"] == subject)]
    return hit.iloc[0] if len(hit) else None


def headline(card: ReportCard) -> list[str]:
    """The card at a glance for a founder: what the score's and the model's riskiest picks turned out to be, in
    everyday words without statistics (those are in `summary`). Only what this data shows is said."""
    r, out = card.rows, model_headline(card)
    rises = _get(r, "calibration", "observed_rate_rises_with_band", "rule_score")
    if not card.bands.empty and len(card.bands) >= 2:
        first, last = card.bands.iloc[0], card.bands.iloc[-1]
        said = (f"{_pct(first.observed_rate)} of orders from {first.risk_band}-risk suppliers went wrong, "
                f"{_pct(last.observed_rate)} from {last.risk_band}-risk ones")
        out.append(f"Higher bands had more problems: {said}." if rises is not None and rises["value"] == 1 else
                   f"The bands do not rank problems in order here: {said}; read the score with care.")
    cap = _get(r, "ground truth", "worst_capture", "rule_score")
    if cap is not None:
        n, found = int(cap["n"]), int(round(cap["value"] * cap["n"]))
        out.append(f"Of the {n} supplier{'s' if n != 1 else ''} known to be worst, the score puts {found} in its "
                   f"riskiest {_pct(cap['reference'])}.")
    if not out:
        out.append("Not judged yet: the data has no orders both with and without a problem after a month-end "
                   "score, so nothing can show whether the score predicts.")
    return out


def model_headline(card: ReportCard) -> list[str]:
    """The headline's sentences on the incident model: how often its riskiest orders went wrong against all orders,
    then against ranking by each supplier's own record (the Supplier page says them beside a supplier's incident
    risk). None when the backtest has no incident."""
    r, out = card.rows, []
    prec = _get(r, "ranking", "precision_at_top", "model")
    if prec is not None and prec["reference"] > 0:
        times = prec["value"] / prec["reference"]
        out.append(f"Of the orders the model rated riskiest (its top {_pct(load_config().precision_share)}), "
                   f"{_pct(prec['value'])} went wrong ({_went_wrong(r)}), against "
                   f"{_pct(prec['reference'])} of all orders: {times:.1f} times as often.")
        against = _against_own_record(r)
        if against:
            out.append(against)
    return out


def _went_wrong(r: pd.DataFrame) -> str:
    """How the backtest's orders went wrong, in words: the kinds of incident the data shows (a late-only backtest on
    data without inspections or returns says 'late'), every kind when none is recorded."""
    shares = r[(r["section"] == "label") & (r["metric"] == "share_of_incidents")]
    seen = set(shares.loc[shares["value"] > 0, "subject"])
    kinds = [k.went_wrong for k in INCIDENT_KINDS if k.subject in seen] or [k.went_wrong for k in INCIDENT_KINDS]
    return kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " or " + kinds[-1]


def _against_own_record(r: pd.DataFrame) -> str | None:
    """The model against what a founder would do without it: rank orders by each supplier's own past problem rate
    (the naive baseline), at the same top share and, over all orders, by the edge's interval."""
    naive = _get(r, "ranking", "precision_at_top", "naive_baseline")
    edge = _get(r, "discrimination", "auc_edge_vs_naive_baseline", "model")
    if naive is None:
        return None
    text = (f"Ranking orders by each supplier's own past problem rate alone, {_pct(naive['value'])} of its top "
            f"{_pct(load_config().precision_share)} went wrong.")
    if edge is None or pd.isna(edge["ci_low"]) or pd.isna(edge["ci_high"]):
        return text
    if edge["ci_low"] > 0:
        return text + " Over all orders the model ranks better than that record, by more than luck would."
    if edge["ci_high"] < 0:
        return text + " Over all orders that record ranks better than the model on this data: lean on the record."
    return (text + " Over all orders the model is not shown to rank better than that record on this data: the "
            "difference could be luck.")


def summary(card: ReportCard) -> list[str]:
    """The card in a few plain sentences, strongest evidence first (numbers and fixed words only)."""
    r, out = card.rows, []
    rho = _get(r, "ground truth", "spearman_vs_hidden_risk", "rule_score")
    if rho is not None:
        cap = _get(r, "ground truth", "worst_capture", "rule_score")
        prec = _get(r, "ground truth", "precision_at_top", "rule_score")
        agrees = (f"the rule score's ranking agrees at Spearman {rho['value']:.2f} (95% interval "
                  f"{rho['ci_low']:.2f} to {rho['ci_high']:.2f}; 1 is the same order, 0 no relation)"
                  if pd.notna(rho["value"]) else  # spearman's NaN: under 3 suppliers, or one side constant
                  f"{count_words(int(rho['n']), 'supplier')} are too few to rank-correlate the score with it"
                  if rho["n"] < 3 else "no rank correlation can be computed: every supplier has the same score or "
                  "the same hidden risk")
        out.append(f"Against the known hidden risk of these suppliers, {agrees}. Of the "
                   f"{count_words(int(cap['n']), 'truly worst supplier')} it puts {_pct(cap['value'])} in its own "
                   f"riskiest {_pct(cap['reference'])}, and {_pct(prec['value'])} of its riskiest {int(prec['n'])} "
                   f"{'is' if int(prec['n']) == 1 else 'are'} among them.")
    else:
        out.append("This data has no known ground truth (only the demo generator knows each supplier's true risk), "
                   "so the score is judged by what happened to the orders placed after it was computed.")
    both = _get(r, "ground truth", "auc_vs_planted_entity_mismatch", "entity_and_transaction")
    if both is not None:
        out.append(f"The entity and payment pillars, judged on their own ground truth: they rank the "
                   f"{count_words(int(both['n']), 'supplier')} planted with a wrong legal entity or payee above the "
                   f"others with AUC "
                   f"{both['value']:.2f} (1 = every one above every clean supplier, 0.5 = chance).")
    rate = _get(r, "label", "incident_rate", "test orders")
    if rate is None:
        out.append("No backtest yet: the data has no closed orders both with and without an incident before a "
                   "training cutoff, so nothing can be judged against outcomes.")
    else:
        shares = r[(r["section"] == "label") & (r["metric"] == "share_of_incidents")]
        only = shares[shares["value"] == 1.0]
        one_kind = KIND_OF.get(str(only["subject"].iloc[0]) if len(only) else "")
        made_of = (f"every incident here is {one_kind.each}: the data carries no evidence of the other kinds, so this "
                   f"is a {one_kind.backtest} backtest"
                   if one_kind and len(only) == 1 and (shares["value"] == 0).sum() == len(shares) - 1 else
                   "of these incidents " + ", ".join(f"{_pct(s.value)} {s.subject}" for s in shares.itertuples())
                   + " (an order can have several kinds)")
        out.append(f"Backtest: {int(rate['n']):,} orders placed after each training cutoff, {_pct(rate['value'])} "
                   f"of them with an incident; {made_of}.")
    for subject in ("model", "rule_score", "rule_score_operations"):
        auc = _get(r, "discrimination", "auc", subject)
        edge = _get(r, "discrimination", "auc_edge_vs_naive_baseline", subject)
        if auc is None or edge is None:
            continue
        out.append(f"{SUBJECT_WORDS[subject].capitalize()} ranks next-order incidents with AUC {auc['value']:.3f} "
                   f"against {auc['reference']:.3f} for {SUBJECT_WORDS['naive_baseline']}: "
                   f"{edge['verdict']} (difference {edge['value']:+.3f}, 95% interval {edge['ci_low']:+.3f} to "
                   f"{edge['ci_high']:+.3f} from resampling {int(edge['n'])} suppliers).")
    out.extend(signal_summary(card.signals))
    prec = _get(r, "ranking", "precision_at_top", "model")
    cap = _get(r, "ranking", "incident_capture", "model")
    if prec is not None and cap is not None:
        out.append(f"The incident model's riskiest {_pct(load_config().precision_share)} of orders had an "
                   f"incident {_pct(prec['value'])} of the time (all orders: {_pct(prec['reference'])}); its "
                   f"riskiest {_pct(cap['reference'])} held {_pct(cap['value'])} of all incidents.")
    if not card.bands.empty:
        parts = ", ".join(f"{b.risk_band} {_pct(b.observed_rate)} (model said {_pct(b.mean_predicted)}, "
                          f"{b.n_orders:,} orders)" for b in card.bands.itertuples())
        verdict = _get(r, "calibration", "observed_rate_rises_with_band", "rule_score")
        out.append(f"Incident rate by the supplier's risk band when the order was placed: {parts}"
                   + (f": {verdict['verdict']}." if verdict is not None else "."))
    one = _get(r, "stability", "min_spearman_one_pillar", "rule_score")
    top = _get(r, "stability", "min_top_overlap_one_pillar", "rule_score")
    rnd = _get(r, "stability", "p5_spearman_random_weights", "rule_score")
    if one is not None:
        out.append(f"Changing any one pillar's weight by ±{_pct(load_config().weight_change)} keeps the supplier "
                   f"ranking at Spearman {one['value']:.3f} or more ({one['verdict']}) and at least "
                   f"{_pct(top['value'])} of the riskiest {_pct(load_config().capture_share)} in place"
                   + (f"; random changes of every signal's weight: {rnd['value']:.3f} in 95 of 100 draws."
                      if rnd is not None else "."))
    return out


def _label(name: str) -> str:
    return scoring.LABELS.get(name, name)


def signal_summary(signals: pd.DataFrame | None) -> list[str]:
    """Each signal's predictive value in one sentence: how many rank next-order incidents better than chance, the
    strongest, the ones without variation or unknown here, and the ones that rank them the wrong way."""
    if signals is None or signals.empty:
        return []
    s = signals
    better = s[s["ci_low"] > 0.5].sort_values("auc", ascending=False)
    worse = s[s["ci_high"] < 0.5].sort_values("auc")
    unknown = s[s["verdict"].str.startswith("unknown")]
    flat = s[s["verdict"].str.startswith("no variation")]
    n_orders = int(s["n_orders"].max())
    text = (f"Signal by signal, on {n_orders:,} test orders with the points each signal gave the supplier at the month "
            f"end before the order: {len(better)} of {len(s)} signals rank next-order incidents better than chance "
            "(AUC interval above 0.5)")
    if len(better):
        text += ", strongest " + ", ".join(f"{_label(r.signal)} (AUC {r.auc:.2f}, up to {r.max_points:g} points)"
                                           for r in better.head(3).itertuples())
    text += f"; {len(flat)} never var{'ies' if len(flat) == 1 else 'y'} here"
    if len(unknown):
        text += f"; {len(unknown)} {'is' if len(unknown) == 1 else 'are'} unknown in this data"
    if len(worse):
        text += "; ranking them the wrong way (more points, fewer incidents): " + ", ".join(
            f"{_label(r.signal)} (AUC {r.auc:.2f})" for r in worse.itertuples())
    return [text + ". The entity and payment signals measure risks a late or failed lot does not show."]
