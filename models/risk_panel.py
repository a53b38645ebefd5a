"""What the risk score measures, for every supplier at every cutoff at once (point in time, vectorised).

`measure(tables, cutoffs, cfg)` returns one row per cutoff and supplier known on it, with every measured quantity
the signals read (counts, sums, rates' numerators and denominators, outcomes of name checks), computed only from
rows dated on or before that cutoff. It replaces a loop that re-derived everything month end by month end: each
event (an order placed, a shipment shipped or delivered, an inspection, a payment, a return…) is placed at the first
cutoff that sees it, and per-cutoff figures are cumulative sums over cutoffs; order-level states that change over
time (shipped yet? late? complete? balance paid before a passed inspection? a lot mature and escaped?) are evaluated
on an order × cutoff panel, judged by models/po_status.py (the definitions marts.po_status and marts.inspection_lots
apply at the build date), at each cutoff.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models import change_kinds, entity, po_status
from models.lookup import lookup



class Cutoffs:
    """Sorted cutoff dates and the index of the first cutoff that sees a date (len = never)."""

    def __init__(self, dates) -> None:
        self.dates = pd.DatetimeIndex(pd.to_datetime(list(dates))).sort_values()
        self.values = self.dates.to_numpy(dtype="datetime64[ns]")
        self.n = len(self.dates)

    def first_seeing(self, dates) -> np.ndarray:
        """Index of the first cutoff on or after each date; NaT → n (never seen)."""
        d = pd.to_datetime(pd.Series(dates)).to_numpy(dtype="datetime64[ns]")
        k = np.searchsorted(self.values, d, side="left")
        k[np.isnat(d)] = self.n
        return k.astype(np.int64)

    def first_after(self, dates) -> np.ndarray:
        """Index of the first cutoff strictly after each date; NaT → n."""
        d = pd.to_datetime(pd.Series(dates)).to_numpy(dtype="datetime64[ns]")
        k = np.searchsorted(self.values, d, side="right")
        k[np.isnat(d)] = self.n
        return k.astype(np.int64)


class Grid:
    """Dense (cutoff × supplier) accumulators: events add at the cutoff that first sees them."""

    def __init__(self, n_cutoffs: int, n_suppliers: int) -> None:
        self.k, self.s = n_cutoffs, n_suppliers

    def add(self, k: np.ndarray, s: np.ndarray, weights=None, cumulative: bool = True) -> np.ndarray:
        k, s = np.asarray(k, dtype=np.int64), np.asarray(s, dtype=np.int64)
        ok = (k < self.k) & (s >= 0)
        w = None if weights is None else np.asarray(weights, dtype=float)[ok]
        out = np.bincount(k[ok] * self.s + s[ok], weights=w, minlength=self.k * self.s).astype(float)
        out = out.reshape(self.k, self.s)
        return np.cumsum(out, axis=0) if cumulative else out

    def running_max(self, k: np.ndarray, s: np.ndarray, values: np.ndarray, empty: float = -1.0) -> np.ndarray:
        """Per cutoff and supplier, the largest value seen so far (`empty` when none)."""
        out = np.full((self.k, self.s), empty, dtype=float)
        k, s = np.asarray(k, dtype=np.int64), np.asarray(s, dtype=np.int64)
        v = np.asarray(values, dtype=float)
        ok = (k < self.k) & (s >= 0)
        np.maximum.at(out, (k[ok], s[ok]), v[ok])
        return np.maximum.accumulate(out, axis=0)


PRICE_STEP_ORDER = ["supplier_id", "sku", "ordered_on", "po_id"]


def price_steps(orders: pd.DataFrame) -> pd.DataFrame:
    """Every reorder (an order after an earlier one of the same supplier and SKU, by order date then PO id) with
    `price_step`: its unit price over that previous order's, minus 1. The score's and the re-audit's price steps; the
    incident model's price_change_vs_prev is the same step, its previous order taken from a strictly earlier day
    (models/incident_model.py: a feature sees only what was dated before the order)."""
    order = orders.sort_values(PRICE_STEP_ORDER)
    prev = order.groupby(["supplier_id", "sku"])["unit_price"].shift()
    return order[prev.notna()].assign(price_step=order["unit_price"][prev.notna()] / prev[prev.notna()] - 1)


def is_price_jump(step: pd.Series, windows: dict) -> pd.Series:
    """A reorder priced at least `price_step_pct` percent above the SKU's previous order (score and re-audit)."""
    return step >= windows["price_step_pct"] / 100.0


def _expand(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For items i with ranges [start_i, end_i): (item index, k) for every k in the range."""
    start, end = np.asarray(start, dtype=np.int64), np.asarray(end, dtype=np.int64)
    length = np.clip(end - start, 0, None)
    item = np.repeat(np.arange(len(start)), length)
    offset = np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
    return item, np.repeat(start, length) + offset



def vetted(onboarded_on: pd.Series, supplier_ids: pd.Series, purchase_orders: pd.DataFrame) -> np.ndarray:
    """Suppliers in the file with neither an onboarding date nor a purchase order (one being vetted before its first
    order): the score knows them from the last cutoff, the build date (_Scope); the re-audit planner queues them."""
    return (pd.isna(onboarded_on).to_numpy()
            & ~np.asarray(pd.Series(supplier_ids).isin(set(purchase_orders["supplier_id"])), dtype=bool))


def _first_by(frame: pd.DataFrame, key: str, order: list[str]) -> pd.DataFrame:
    return frame.sort_values([key] + order).drop_duplicates(key).set_index(key)


def order_panel(t: dict, cut: Cutoffs) -> pd.DataFrame:
    """One row per purchase order and cutoff on or after its order date: marts.po_status as of that cutoff.

    Shipped quantity, first and last ship dates, delivered quantity and last delivery, the first decided
    pre-shipment inspection and the first passed one, the amount paid and the first balance payment, and the
    defect-coded returns traced to the order, each counting only rows dated on or before the cutoff.
    """
    s = t["_settings"]
    po = t["purchase_orders"].reset_index(drop=True)
    k_po = cut.first_seeing(po["ordered_on"])
    rows, k = _expand(k_po, np.full(len(po), cut.n))
    n_rows = len(rows)
    start = np.zeros(len(po) + 1, dtype=np.int64)
    start[1:] = np.cumsum(np.clip(cut.n - k_po, 0, None))
    code = pd.Index(po["po_id"])

    def position(po_codes, k_event):
        """Panel row of (order, cutoff) for events, clamped to the order's first cutoff; -1 when unseen."""
        i = code.get_indexer(po_codes)
        ok = i >= 0
        kk = np.where(ok, np.maximum(k_event, k_po[np.clip(i, 0, None)]), cut.n)
        ok &= kk < cut.n
        pos = np.where(ok, start[np.clip(i, 0, None)] + kk - k_po[np.clip(i, 0, None)], -1)
        return pos

    def cumulative(pos, weights):
        delta = np.bincount(pos[pos >= 0], weights=np.asarray(weights, dtype=float)[pos >= 0], minlength=n_rows)
        total = np.cumsum(delta)
        seg_start = start[rows]
        before = np.where(seg_start > 0, total[np.maximum(seg_start - 1, 0)], 0.0)
        return total - before

    def running_max_days(pos, days):
        """Per panel row, the largest day number of the events seen so far (NaN when none)."""
        best = np.full(n_rows, -np.inf)
        ok = pos >= 0
        np.maximum.at(best, pos[ok], np.asarray(days, dtype=float)[ok])
        best = pd.Series(best).groupby(rows).cummax().to_numpy()
        return np.where(np.isinf(best), np.nan, best)

    def days(series) -> np.ndarray:
        return (pd.to_datetime(series) - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=float)

    panel = pd.DataFrame({"k": k, "po_id": po["po_id"].to_numpy()[rows],
                          "supplier_id": po["supplier_id"].to_numpy()[rows]})
    c_days = days(pd.Series(cut.dates))[k] if n_rows else np.array([], dtype=float)
    panel["c_day"] = c_days

    sh = t["shipments"]
    p_ship = position(sh["po_id"], cut.first_seeing(sh["shipped_on"]))
    panel["shipped_quantity"] = cumulative(p_ship, sh["quantity"])
    first_ship = sh.groupby("po_id")["shipped_on"].min()
    fs = days(lookup(po["po_id"], first_ship))[rows]
    panel["first_shipped_day"] = np.where(fs <= c_days, fs, np.nan)
    panel["last_shipped_day"] = running_max_days(p_ship, days(sh["shipped_on"]))
    delivered = sh[sh["delivered_on"].notna()]
    seen = cut.first_seeing(np.maximum(delivered["shipped_on"].to_numpy(dtype="datetime64[ns]"),
                                       delivered["delivered_on"].to_numpy(dtype="datetime64[ns]")))
    p_del = position(delivered["po_id"], seen)
    panel["delivered_quantity"] = cumulative(p_del, delivered["quantity"])
    panel["last_delivered_day"] = running_max_days(p_del, days(delivered["delivered_on"]))

    ins = t["inspections"]
    decided = ins[po_status.is_decided_psi(ins)]
    first = _first_by(decided, "po_id", ["inspected_on", "inspection_id"])
    first_day = days(lookup(po["po_id"], first["inspected_on"]))[rows]
    seen_first = first_day <= c_days
    panel["first_psi_result"] = np.where(seen_first, lookup(po["po_id"], first["result"]).to_numpy(dtype=object)[rows],
                                         None)
    panel["aql_of_first_psi"] = lookup(po["po_id"], first["judged_aql_major"]).to_numpy(dtype=float)[rows]
    passed = decided[decided["result"] == "pass"].groupby("po_id")["inspected_on"].min()
    pp = days(lookup(po["po_id"], passed))[rows]
    panel["psi_passed_day"] = np.where(pp <= c_days, pp, np.nan)

    pay = t["payments"]
    p_pay = position(pay["po_id"], cut.first_seeing(pay["paid_on"]))
    panel["paid_amount"] = cumulative(p_pay, pay["amount"])
    bal = pay[pay["kind"] == "balance"].groupby("po_id")["paid_on"].min()
    bd = days(lookup(po["po_id"], bal))[rows]
    panel["balance_paid_day"] = np.where(bd <= c_days, bd, np.nan)

    ret = t["returns"]
    ret = ret[ret["is_defect_coded"] & (ret["po_id"] >= 0)]
    panel["defect_returned_units"] = cumulative(position(ret["po_id"], cut.first_seeing(ret["returned_on"])),
                                                ret["quantity"])

    for col in ("sku", "category", "quantity", "unit_price", "order_value", "pi_entity_name"):
        panel[col] = po[col].to_numpy()[rows]
    panel["ordered_day"] = days(po["ordered_on"])[rows]
    panel["promised_day"] = days(po["promised_ship_on"])[rows]
    panel["sample_approved_day"] = days(po["sample_approved_on"])[rows]

    # the status of each order at each cutoff: models.po_status, as marts.po_status is at the build date
    tol = po_status.Tolerances(s["on_time_days"], s["in_full_share"], s["late_incident_days"])
    status = po_status.order_status(panel, c_days, tol)
    for col in ("is_resolved", "is_on_time", "days_late", "is_late_incident", "lead_time_days",
                "is_balance_before_psi_pass", "deposit_at_risk"):
        panel[col] = status[col]
    return panel


def _name_outcomes(pairs: pd.DataFrame, ref: str, name: str) -> np.ndarray:
    """Severity of each (reference, name) comparison of `pairs` (models.entity.severities)."""
    return entity.severities(pairs[ref], pairs[name])


def _new_payee_flags(pay: pd.DataFrame) -> pd.DataFrame:
    """First payment to each payee name per supplier, flagged when it counts as a new payee: the first one, and
    every later name that is a mismatch or related when compared with each name already seen (a spelling in
    another script or a variant of a known name is not a new payee)."""
    p = pay.dropna(subset=["payee_norm"]).sort_values(["supplier_id", "paid_on", "payment_id"])
    p = p.drop_duplicates(["supplier_id", "payee_name"]).copy()
    flags = np.ones(len(p), dtype=bool)
    for idx in p.groupby("supplier_id").indices.values():
        if len(idx) < 2:
            continue
        seen: list[str] = []
        for j in idx:
            name = str(p["payee_name"].iat[j])
            flags[j] = all(entity.compare_names(old or None, name or None) in entity.OTHER_ENTITY for old in seen)
            seen.append(name)
    p["is_new_payee"] = flags
    return p


def _between(grid: Grid, k_from: np.ndarray, k_to: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Per cutoff and supplier, the events in force: counted from cutoff `k_from` up to, not including, `k_to`."""
    k_from = np.asarray(k_from, dtype=np.int64)
    return grid.add(k_from, s) - grid.add(np.maximum(k_from, np.asarray(k_to, dtype=np.int64)), s)


def _control_measures(t: dict, cut: Cutoffs, grid: Grid, visible, po_all: pd.DataFrame, days: int,
                      product_kinds: list[str]) -> dict[str, np.ndarray]:
    """What the control records say at each cutoff (the same definitions as marts.bank_accounts and
    marts.corrective_actions at the build date, checked by tests/pipelines/test_control_signals_build.py):

    - bank accounts: a change (the supplier's second or later account, or one outside its country) or a first
      account, not verified (by a method that counts) on or before the cutoff;
    - changes dated in the last `days`: product changes (`product_kinds`) after the golden sample of their order was
      approved, and other changes, each not confirmed in writing; changes so far;
    - corrective actions: overdue (due before the cutoff, not closed by it); closed, and the next lot that tested it
      (marts.corrective_actions' next_lot_result, where that rule is written) failed, that failure dated in the last
      `days` (a result recorded on the action counts from its closing date)."""
    out: dict[str, np.ndarray] = {}
    window = pd.Timedelta(days=days)
    acc = t["bank_accounts"]
    acc = acc[acc["supplier_id"] >= 0].sort_values(["supplier_id", "first_seen_on", "bank_account_id"], kind="stable")
    s_acc = acc["supplier_id"].to_numpy(dtype=np.int64)
    k_seen = visible(cut.first_seeing(acc["first_seen_on"]), s_acc)
    k_ver = cut.first_seeing(acc["verified_on"])
    changed = acc["is_change"].fillna(False).astype(bool).to_numpy()  # marts.bank_accounts' rule
    out["bank_accounts_n"] = grid.add(k_seen, s_acc)
    out["bank_unverified_changes"] = _between(grid, k_seen[changed], k_ver[changed], s_acc[changed])
    out["bank_unverified_first"] = _between(grid, k_seen[~changed], k_ver[~changed], s_acc[~changed])

    chg = t["changes"]
    chg = chg[chg["supplier_id"] >= 0]
    s_chg = chg["supplier_id"].to_numpy(dtype=np.int64)
    k_chg = visible(cut.first_seeing(chg["changed_on"]), s_chg)
    k_old = cut.first_seeing(chg["changed_on"] + window)
    sample_on = lookup(chg["po_id"], po_all.set_index("po_id")["sample_approved_on"])
    after_sample = (chg["kind"].isin(product_kinds) & (chg["changed_on"] > sample_on)).to_numpy()
    unconfirmed = ~chg["is_confirmed_in_writing"].fillna(False).astype(bool).to_numpy()
    out["changes_n"] = grid.add(k_chg, s_chg)
    for name, m in (("changes_recent", np.ones(len(chg), dtype=bool)), ("changes_after_sample", after_sample),
                    ("changes_after_sample_unconfirmed", after_sample & unconfirmed),
                    ("changes_unconfirmed", ~after_sample & unconfirmed)):
        out[name] = _between(grid, k_chg[m], k_old[m], s_chg[m])

    capa = t["corrective_actions"]
    capa = capa[capa["supplier_id"] >= 0].reset_index(drop=True)
    s_capa = capa["supplier_id"].to_numpy(dtype=np.int64)
    k_open = visible(cut.first_seeing(capa["opened_on"]), s_capa)
    k_closed = cut.first_seeing(capa["closed_on"])
    out["capa_n"] = grid.add(k_open, s_capa)
    out["capa_open"] = _between(grid, k_open, k_closed, s_capa)
    k_due = np.maximum(k_open, cut.first_after(capa["due_on"]))
    out["capa_overdue"] = _between(grid, k_due, k_closed, s_capa)
    # the next lot that tested it and its result, as marts.corrective_actions finds them (the supplier's first
    # decided pre-shipment inspection after the closing date; a result recorded on the action wins): the failure is
    # known from that inspection's date, or from the closing date for a result recorded on the action
    result = capa["next_lot_result"].to_numpy(dtype=object)
    fail_on = capa["next_lot_inspected_on"].fillna(capa["closed_on"])
    failed = (result == "fail") & capa["closed_on"].notna().to_numpy()
    k_fail = np.maximum(np.maximum(k_open, k_closed), cut.first_seeing(fail_on))
    k_gone = cut.first_seeing(fail_on + window)
    out["capa_failed_next_lot"] = _between(grid, k_fail[failed], k_gone[failed], s_capa[failed])
    return out


class _Scope:
    """What every part of `measure` reads: the cutoffs and the (cutoff × supplier) grid, the cutoff from which each
    supplier is known, the order × cutoff panel, and each order's supplier and first cutoff."""

    def __init__(self, t: dict, cut: Cutoffs) -> None:
        self.cut = cut
        self.sup = t["suppliers"].reset_index(drop=True)
        self.n_sup = len(self.sup)
        self.grid = Grid(cut.n, self.n_sup)
        self.po_all = po_all = t["purchase_orders"]
        first_order = lookup(self.sup["supplier_id"], po_all.groupby("supplier_id")["ordered_on"].min())
        self.k_sup = np.minimum(cut.first_seeing(self.sup["onboarded_on"]), cut.first_seeing(first_order))
        # a supplier being vetted is known from the last cutoff (the build date, for the score): the file lists it now
        undated = vetted(self.sup["onboarded_on"], self.sup["supplier_id"], po_all)
        self.k_sup = np.where(undated & (cut.n > 0), cut.n - 1, self.k_sup)
        self.panel = order_panel(t, cut)
        self.pk, self.ps = self.panel["k"].to_numpy(), self.panel["supplier_id"].to_numpy()
        self.po_k = pd.Series(cut.first_seeing(po_all["ordered_on"]), index=po_all["po_id"])
        self.po_sup = pd.Series(po_all["supplier_id"].to_numpy(), index=po_all["po_id"])

    def visible(self, k_event, s):
        """An event is seen from its own cutoff, but not before its supplier is known."""
        s = np.asarray(s, dtype=np.int64)
        return np.maximum(k_event, np.where(s >= 0, self.k_sup[np.clip(s, 0, None)], self.cut.n))

    def per_order(self, mask=None, weights=None) -> np.ndarray:
        """Per cutoff and supplier, the panel's orders (those in `mask`) counted, or their `weights` summed."""
        m = np.ones(len(self.panel), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        w = None if weights is None else np.asarray(weights, dtype=float)[m]
        return self.grid.add(self.pk[m], self.ps[m], w, cumulative=False)

    def seen_after_order(self, dates: pd.Series, po_ids: pd.Series, s) -> np.ndarray:
        """The cutoff that first sees an event of an order: its own date, not before the order, nor its supplier."""
        return self.visible(np.maximum(self.cut.first_seeing(dates), po_ids.map(self.po_k).to_numpy()), s)


def _delivery_measures(x: _Scope, t: dict) -> dict[str, np.ndarray]:
    """Resolved, late and severely late orders, lead times, and delivered shipments with customs holds or
    document errors."""
    f: dict[str, np.ndarray] = {}
    panel, cut = x.panel, x.cut
    resolved = panel["is_resolved"].to_numpy()
    f["resolved_pos"] = x.per_order(resolved)
    f["late_k"] = x.per_order(resolved & ~panel["is_on_time"].to_numpy())
    f["severe_k"] = x.per_order(resolved & panel["is_late_incident"].to_numpy())
    lead = panel["lead_time_days"].to_numpy()
    has_lead = ~np.isnan(lead)
    f["lead_n"] = x.per_order(has_lead)
    lead_frame = pd.DataFrame({"k": x.pk[has_lead], "s": x.ps[has_lead], "v": lead[has_lead]})
    lead_stats = lead_frame.groupby(["k", "s"])["v"].agg(["mean", "std"])
    for col, name in (("mean", "lead_mean"), ("std", "lead_sd")):
        m = np.full((cut.n, x.n_sup), np.nan)
        if len(lead_stats):
            m[lead_stats.index.get_level_values(0), lead_stats.index.get_level_values(1)] = lead_stats[col]
        f[name] = m
    sh = t["shipments"]
    dl = sh[sh["delivered_on"].notna() & sh["po_id"].isin(x.po_sup.index)]
    s_dl = dl["po_id"].map(x.po_sup).to_numpy()
    k_dl = x.seen_after_order(dl["delivered_on"], dl["po_id"], s_dl)
    f["ship_n"] = x.grid.add(k_dl, s_dl)
    f["hold_k"] = x.grid.add(k_dl, s_dl, (dl["customs_hold_days"].fillna(0) > 0).to_numpy())
    f["doc_k"] = x.grid.add(k_dl, s_dl, (dl["doc_errors"].fillna(0) > 0).to_numpy())
    return f


def _inspection_measures(x: _Scope, t: dict, st: dict, win: dict) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """First pre-shipment inspections decided and failed, sampled units and defects per class, and lots with a
    critical finding in the recent window (shipped without a passed re-inspection or not); with the decided,
    sampled PSIs themselves (each with its supplier)."""
    f: dict[str, np.ndarray] = {}
    grid, panel = x.grid, x.panel
    first_result = panel["first_psi_result"].to_numpy(dtype=object)
    decided = pd.notna(first_result)
    f["inspected_pos"] = x.per_order(decided)
    f["psi_fail_k"] = x.per_order(decided & (first_result == "fail"))
    ins = t["inspections"]
    psi = ins[po_status.is_decided_psi(ins) & (ins["sample_size"].fillna(0) > 0)
              & ins["po_id"].isin(x.po_sup.index)].copy()
    psi["supplier_id"] = psi["po_id"].map(x.po_sup)
    s_psi = psi["supplier_id"].to_numpy()
    k_psi = x.seen_after_order(psi["inspected_on"], psi["po_id"], s_psi)
    major_known, critical_known = psi["major_defects"].notna(), psi["critical_defects"].notna()
    f["major_units"] = grid.add(k_psi, s_psi, psi["sample_size"].where(major_known, 0))
    f["critical_units"] = grid.add(k_psi, s_psi, psi["sample_size"].where(critical_known, 0))
    f["major_k"] = grid.add(k_psi, s_psi, psi["major_defects"].fillna(0))
    f["critical_k"] = grid.add(k_psi, s_psi, psi["critical_defects"].fillna(0))
    f["aql_units"] = grid.add(k_psi, s_psi, (psi["sample_size"] * psi["judged_aql_major"] / 100.0)
                              .where(major_known, 0))
    # lots with a critical finding inspected within the recent window: seen from the inspection until the window
    # has passed it; shipped without a passed re-inspection when the order shipped and no pass is dated after it
    has_critical = (pd.to_numeric(psi["critical_defects"]).fillna(0) > 0).to_numpy(dtype=bool)
    crit = psi[has_critical]
    k_start = k_psi[has_critical]
    k_end = x.cut.first_seeing(crit["inspected_on"] + pd.Timedelta(days=win["recent_days"]))
    item, kk = _expand(k_start, k_end)
    recent = pd.DataFrame({"k": kk, "s": crit["supplier_id"].to_numpy()[item], "po_id": crit["po_id"].to_numpy()[item],
                           "inspected_day": (crit["inspected_on"] - pd.Timestamp("1970-01-01")).dt.days.to_numpy()[item]})
    state = panel.set_index(["po_id", "k"])[["psi_passed_day", "shipped_quantity"]]
    looked = state.reindex(pd.MultiIndex.from_arrays([recent["po_id"], recent["k"]]))
    passed_day = looked["psi_passed_day"].to_numpy(dtype=float)
    recent["uncleared"] = ((np.isnan(passed_day) | (passed_day < recent["inspected_day"].to_numpy(dtype=float)))
                           & (looked["shipped_quantity"].to_numpy(dtype=float) > 0))
    lots = recent.drop_duplicates(["k", "po_id"])
    f["critical_recent_lots"] = grid.add(lots["k"], lots["s"], cumulative=False)
    unc = recent[recent["uncleared"]].drop_duplicates(["k", "po_id"])
    f["critical_shipped_uncleared"] = grid.add(unc["k"], unc["s"], cumulative=False)
    return f, psi


def _field_measures(x: _Scope, t: dict, st: dict, win: dict) -> dict[str, np.ndarray]:
    """Units sold, defect-coded and 'not as described' returns, lots mature and escaped (models.po_status), costs
    of poor quality and order value."""
    f: dict[str, np.ndarray] = {}
    grid, panel, visible, cut = x.grid, x.panel, x.visible, x.cut
    sales = t["sales"]
    f["units_sold"] = grid.add(visible(cut.first_seeing(sales["month_end"]), sales["supplier_id"]),
                               sales["supplier_id"], sales["units_sold"])
    ret = t["returns"]
    k_ret = visible(cut.first_seeing(ret["returned_on"]), ret["supplier_id"])
    f["defect_return_k"] = grid.add(k_ret, ret["supplier_id"], ret["quantity"].where(ret["is_defect_coded"], 0))
    f["nad_k"] = grid.add(k_ret, ret["supplier_id"], ret["quantity"].where(ret["is_not_as_described"], 0))
    mature_days = st["mature_lot_days"]  # reference.inspection_settings' field_return_maturity_days
    # lots mature and escaped at each cutoff: models.po_status.lot_judgement, as marts.inspection_lots at the build date
    first_passed = panel["first_psi_result"].to_numpy(dtype=object) == "pass"
    lots = po_status.lot_judgement(first_passed, panel["last_delivered_day"], panel["delivered_quantity"],
                                   panel["defect_returned_units"],
                                   panel["aql_of_first_psi"].to_numpy(), panel["c_day"],
                                   mature_days)
    f["mature_lots"] = x.per_order(first_passed & lots["is_mature"])
    f["escape_k"] = x.per_order(lots["is_escape"])
    qc = t["quality_costs"]
    f["quality_cost"] = grid.add(visible(cut.first_seeing(qc["incurred_on"]), qc["supplier_id"].fillna(-1)
                                         .to_numpy(dtype=np.int64)), qc["supplier_id"].fillna(-1).to_numpy(dtype=np.int64),
                                 qc["amount"])
    f["order_value"] = x.per_order(None, panel["order_value"])
    return f


def _transaction_measures(x: _Scope, t: dict, win: dict) -> dict[str, np.ndarray]:
    """Payments (outside Trade Assurance, balances paid before a passed inspection), overdue deposits, 12-month
    spend, new payees and the worst payee against the legal name, and overpayment of closed orders."""
    f: dict[str, np.ndarray] = {}
    grid, panel, po_all = x.grid, x.panel, x.po_all
    pay = t["payments"]
    pay = pay[pay["po_id"].isin(x.po_sup.index)].copy()
    pay["supplier_id"] = pay["po_id"].map(x.po_sup)
    s_pay = pay["supplier_id"].to_numpy()
    k_pay = x.seen_after_order(pay["paid_on"], pay["po_id"], s_pay)
    f["payments_n"] = grid.add(k_pay, s_pay)
    f["outside_ta_k"] = grid.add(k_pay, s_pay, pay["is_outside_trade_assurance"].astype(bool).to_numpy())
    has_balance = ~np.isnan(panel["balance_paid_day"].to_numpy())
    f["balance_pos"] = x.per_order(has_balance)
    f["balance_early_k"] = x.per_order(panel["is_balance_before_psi_pass"].to_numpy())
    c_day = panel["c_day"].to_numpy()
    overdue = po_status.is_deposit_overdue(panel["deposit_at_risk"], panel["promised_day"], c_day,
                                           win["overdue_deposit_grace_days"])
    f["overdue_deposits"] = x.per_order(overdue, panel["deposit_at_risk"])
    f["spend_12m"] = x.per_order(panel["ordered_day"].to_numpy() > c_day - win["spend_days"], panel["order_value"])
    payees = _new_payee_flags(pay.assign(_k=k_pay))
    f["payee_count"] = grid.add(payees["_k"], payees["supplier_id"], payees["is_new_payee"].to_numpy())
    legal = x.sup["legal_name"]
    pairs = pay[["supplier_id", "payee_name"]].assign(_k=k_pay, ref=entity.payee_reference(
        pay["supplier_id"].map(legal), pay["po_id"].map(po_all.set_index("po_id")["pi_entity_name"])).to_numpy())
    pairs = pairs.dropna(subset=["payee_name"])
    f["payee_severity"] = grid.running_max(pairs["_k"], pairs["supplier_id"], _name_outcomes(pairs, "ref", "payee_name"))
    closed = has_balance
    f["overrun"] = x.per_order(closed, np.clip(panel["paid_amount"].to_numpy() - panel["order_value"].to_numpy(), 0, None))
    f["closed_value"] = x.per_order(closed, panel["order_value"])
    return f


def _commercial_measures(x: _Scope, win: dict) -> dict[str, np.ndarray]:
    """Reorders and price jumps (price_steps / is_price_jump), and the spend-weighted price drift of each SKU from
    its first to its latest order so far."""
    f: dict[str, np.ndarray] = {}
    grid, panel, po_all = x.grid, x.panel, x.po_all
    order = po_all.sort_values(PRICE_STEP_ORDER)
    steps = price_steps(po_all)
    k_step = x.visible(x.cut.first_seeing(steps["ordered_on"]), steps["supplier_id"])
    f["price_steps"] = grid.add(k_step, steps["supplier_id"])
    f["price_jump_k"] = grid.add(k_step, steps["supplier_id"], is_price_jump(steps["price_step"], win).to_numpy())
    top = grid.running_max(k_step, steps["supplier_id"], steps["price_step"], empty=-np.inf)
    f["max_price_step"] = np.where(np.isneginf(top), np.nan, top)  # the largest step so far (NaN before a reorder)
    seq = pd.Series(np.arange(len(order)), index=order["po_id"])
    pr = panel[["k", "supplier_id", "sku", "unit_price", "order_value"]].assign(_seq=panel["po_id"].map(seq).to_numpy())
    pr = pr.sort_values(["k", "_seq"])
    grp = pr.groupby(["k", "supplier_id", "sku"])["unit_price"]
    pr["w"] = pr["order_value"] * (grp.transform("last") / grp.transform("first") - 1)
    w = grid.add(pr["k"], pr["supplier_id"], pr["w"], cumulative=False)
    ov = grid.add(pr["k"], pr["supplier_id"], pr["order_value"], cumulative=False)
    with np.errstate(invalid="ignore", divide="ignore"):
        f["price_drift"] = np.where(ov != 0, w / ov, np.nan)
    has_orders = x.per_order() > 0
    f["price_drift"] = np.where(has_orders, f["price_drift"], np.nan)
    return f


def _entity_measures(x: _Scope) -> dict[str, np.ndarray]:
    """PI entities and the bank beneficiary against the legal name: the worst outcome so far, and how many
    distinct names."""
    f: dict[str, np.ndarray] = {}
    sup, po_all = x.sup, x.po_all
    bene = sup[["supplier_id", "bank_beneficiary"]].rename(columns={"bank_beneficiary": "name"}).assign(_k=x.k_sup)
    pis = po_all[["supplier_id", "pi_entity_name"]].rename(columns={"pi_entity_name": "name"}).assign(
        _k=x.visible(x.cut.first_seeing(po_all["ordered_on"]), po_all["supplier_id"]))
    names = pd.concat([bene, pis], ignore_index=True).dropna(subset=["name"])
    names["ref"] = names["supplier_id"].map(sup["legal_name"]).fillna("")
    f["legal_severity"] = x.grid.running_max(names["_k"], names["supplier_id"], _name_outcomes(names, "ref", "name"))
    distinct = names.sort_values("_k").drop_duplicates(["supplier_id", "name"])
    f["legal_names_n"] = x.grid.add(distinct["_k"], distinct["supplier_id"])
    return f


def _main_category(x: _Scope) -> np.ndarray:
    """Per cutoff and supplier, the category with the most order value so far (ties: the first by name)."""
    cat = x.panel.groupby(["k", "supplier_id", "category"], as_index=False)["order_value"].sum()
    cat = cat.sort_values(["k", "supplier_id", "order_value", "category"], ascending=[True, True, False, True])
    cat = cat.drop_duplicates(["k", "supplier_id"])
    main = np.full((x.cut.n, x.n_sup), None, dtype=object)
    main[cat["k"].to_numpy(), cat["supplier_id"].to_numpy()] = cat["category"].to_numpy()
    return main


def _rows(x: _Scope, f: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per cutoff and supplier known on it (in the suppliers' order), one column per measure."""
    sup, cut = x.sup, x.cut
    main = _main_category(x)
    kk, ss = np.nonzero(np.arange(cut.n)[:, None] >= x.k_sup[None, :])
    out = pd.DataFrame({"as_of": cut.dates[kk], "supplier_id": ss})
    for name, matrix in f.items():
        out[name] = matrix[kk, ss]
    counts = [c for c in out.columns if c not in ("as_of", "supplier_id", "lead_mean", "lead_sd", "price_drift",
                                                   "payee_severity", "legal_severity")]
    # -1 = nothing to compare yet
    out[counts] = out[counts].astype(float)
    out["supplier_type"] = sup["supplier_type"].to_numpy()[ss]
    out["main_category"] = np.where(pd.isna(main[kk, ss]), sup["first_category"].to_numpy()[ss], main[kk, ss])
    return out.reset_index(drop=True)


def measure(t: dict, cutoffs, cfg: dict) -> pd.DataFrame:
    """Every measured quantity of every supplier known at each cutoff (rows ordered by cutoff, then supplier)."""
    cut = Cutoffs(cutoffs)
    st, win = t["_settings"], cfg["windows"]
    x = _Scope(t, cut)
    grid, visible, po_all, po_k = x.grid, x.visible, x.po_all, x.po_k
    f = _delivery_measures(x, t)
    inspected, psi = _inspection_measures(x, t, st, win)
    f.update(inspected)

    # drift: each lot's first inspected sample, early lots (near the sample approval, or the SKU's first lots)
    # against the later ones
    fp = _first_by(psi, "po_id", ["inspected_on", "inspection_id"]).reset_index()
    fp_k = visible(np.maximum(cut.first_seeing(fp["inspected_on"]), fp["po_id"].map(po_k).to_numpy()),
                   fp["supplier_id"].to_numpy())
    fp = fp.assign(k=fp_k).dropna(subset=["major_defects", "critical_defects"])
    ranked = po_all.sort_values(["sku", "ordered_on", "po_id"])
    rank = pd.Series(ranked.groupby("sku").cumcount().to_numpy() + 1, index=ranked["po_id"])
    since = (po_all["ordered_on"] - po_all["sample_approved_on"]).dt.days
    early = pd.Series(np.where(since.notna(), since <= win["drift_early_days"],
                               po_all["po_id"].map(rank) <= win["early_lots_per_sku"]), index=po_all["po_id"])
    fp_early = fp["po_id"].map(early).astype(bool).to_numpy()
    bad = (fp["major_defects"] + fp["critical_defects"]).to_numpy()
    for side, m in (("early", fp_early), ("later", ~fp_early)):
        f[f"{side}_n"] = grid.add(fp["k"].to_numpy()[m], fp["supplier_id"].to_numpy()[m], fp["sample_size"].to_numpy()[m])
        f[f"{side}_k"] = grid.add(fp["k"].to_numpy()[m], fp["supplier_id"].to_numpy()[m], bad[m])

    f.update(_field_measures(x, t, st, win))
    f.update(_transaction_measures(x, t, win))
    f.update(_commercial_measures(x, win))
    f.update(_entity_measures(x))
    # controls: bank accounts, documented changes, corrective actions (docs/risk-score.md)
    f.update(_control_measures(t, cut, grid, visible, po_all, days=win["control_days"],
                               product_kinds=list(change_kinds.load().product_kinds)))
    return _rows(x, f)
