"""What-if on landed cost and contribution margin per SKU: change the tariff stack, the Incoterm, the transport mode,
or move volume to another supplier, and see landed cost per unit and margin per unit before and after.

Pure functions on frames (no streamlit, no SQL): the What-if page reads a baseline per SKU from the marts
(dashboard/sql/whatif_baseline.sql) and calls `run_scenario`. The duty stack comes from models.landed_cost
(the same rows and rules as the landed-cost step), so a scenario's "before" is today's reference stack.

Per unit (a "pu" suffix), for each SKU:
    landed   = unit price + freight + insurance + duty + fees + inspection
    duty     = Σ components round_cents(base × rate) on the SKU's yearly volume, / units
    margin   = net price − marketplace fees − landed − quality cost (the supplier's measured quality and
               supplier-caused return cost per unit sold)
A volume move blends the current supplier and the target by the share moved. A yearly volume is not an $800
parcel: the stack is applied without de minimis, as on formal entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from models import landed_cost as lc

ACTIONS = ("add", "set", "remove")
# The what-if's year: its yearly volume, recent lots and measured quality cost are read over the days before the build
# date (dashboard/sql/whatif_*.sql, bound as $window_days by dashboard/queries.py).
WINDOW_DAYS = 365


@dataclass(frozen=True)
class TariffChange:
    """One change to the duty stack: add percentage points to a duty type, set its rate, or remove it."""

    duty_type: str
    action: str
    rate_pct: float = 0.0

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}, got {self.action!r}")

    def describe(self) -> str:
        name = self.duty_type.replace("_", " ")
        if self.action == "remove":
            return f"{name} ends"
        if self.action == "set":
            return f"{name} at {self.rate_pct:g}%"
        return f"{name} {self.rate_pct:+g} points"


# Named scenarios the page offers (each a list of changes); the user can add their own.
PRESETS: dict[str, tuple[TariffChange, ...]] = {
    "Section 301 +25%": (TariffChange("section_301", "add", 25.0),),
    "Forced-labor Section 301 ends": (TariffChange("section_301_forced_labor", "remove"),),
    "Section 122 ends": (TariffChange("section_122", "remove"),),
    "Section 122 back at 10% (all origins)": (TariffChange("section_122", "set", 10.0),),
    "Section 122 at 15%": (TariffChange("section_122", "set", 15.0),),
}


@dataclass(frozen=True)
class Scenario:
    """What changes. Unset fields keep the baseline."""

    costing_date: date
    tariff_changes: tuple[TariffChange, ...] = ()
    incoterm: str | None = None
    price_change_pct: float = 0.0  # the supplier's new quote vs the pass-through price, percent
    mode: str | None = None
    target_supplier_id: str | None = None
    move_share: float = 0.0  # 0..1 of the volume moved to the target
    target_unit_price: float | None = None  # the target's quote; None = the current price
    notes: list[str] = field(default_factory=list)


def stack_components(skus: pd.DataFrame, on: date, origin_col: str = "origin_country") -> pd.DataFrame:
    """The duty rows in force on `on` for each SKU (models.landed_cost.duty_components); `line` = row position."""
    return lc.duty_components(lc.entry_lines(skus, on, origin_col))


def duty_unknown_reasons(skus: pd.DataFrame, on: date, origin_col: str = "origin_country") -> np.ndarray:
    """Per SKU, why its duty on `on` cannot be worked out ('' when it can): no HS code, or no MFN row or no row of a
    listed duty (Section 301 for goods of China) for its code (models.landed_cost.duty_rows_lacking); such a SKU's
    duty is unknown, never 0."""
    has_hs = skus["hs_code"].fillna("").astype(str).str.strip().ne("").to_numpy()
    lacking = np.full(len(skus), "", dtype=object)
    if has_hs.any():
        lacking[has_hs] = lc.duty_rows_lacking(lc.entry_lines(skus[has_hs], on, origin_col))
    origins = skus[origin_col].fillna("").astype(str).to_numpy()
    return np.array([
        "duty unknown: the product has no HS code" if not hs else
        f"duty unknown: no {gap.replace(', ', ' and no ').replace('mfn', 'MFN')} row for its HS code from {origin} "
        "in duty_rates.csv" + (" (Section 301: 0% if the code is on none of its lists)" if gap != "mfn" else "")
        if gap else ""
        for hs, gap, origin in zip(has_hs, lacking, origins)], dtype=object)


def apply_tariff_changes(components: pd.DataFrame, changes: tuple[TariffChange, ...], n_lines: int) -> pd.DataFrame:
    """The stack after the changes: `add` raises an existing component (a line without it is unchanged, e.g. no
    Section 301 outside China), `set` gives every line the rate (adding the component where missing, charged on
    the value and not stacked on Section 232, like Section 122), `remove` drops it."""
    comp = components.copy()
    for change in changes:
        mine = comp["duty_type"] == change.duty_type
        if change.action == "remove":
            comp = comp[~mine]
        elif change.action == "add":
            comp.loc[mine, "rate_pct"] = comp.loc[mine, "rate_pct"] + change.rate_pct
        else:
            comp.loc[mine, "rate_pct"] = change.rate_pct
            missing = sorted(set(range(n_lines)) - set(comp.loc[mine, "line"]))
            if missing:
                comp = pd.concat([comp, pd.DataFrame({
                    "line": missing, "duty_type": change.duty_type, "rate_pct": change.rate_pct,
                    "hs_prefix": "*", "row_origin": "*", "ch99_heading": "", "basis": "value",
                    "not_stacked_on": lc.SECTION_232 if change.duty_type != lc.SECTION_232 else "",
                    "status": "scenario", "source": "what-if scenario", "notes": change.describe()})],
                    ignore_index=True)
    comp["rate_pct"] = comp["rate_pct"].clip(lower=0)
    return comp.sort_values(["line", "duty_type"], kind="stable").reset_index(drop=True)


def duty_per_unit(skus: pd.DataFrame, components: pd.DataFrame, dutiable_pu: np.ndarray) -> np.ndarray:
    """Duty per unit from a (possibly changed) stack: computed on the yearly volume's dutiable value, / units."""
    units = np.maximum(skus["units"].to_numpy(dtype=float), 1.0)
    lines = pd.DataFrame({"dutiable_cents": np.round(dutiable_pu * units * 100).astype(np.int64),
                          "steel_content_pct": skus.get("steel_content_pct", np.nan),
                          "aluminium_content_pct": skus.get("aluminium_content_pct", np.nan)})
    _, summary = lc.price_components(components, lines)
    return summary["duty_cents"].to_numpy() / 100 / units


def run_scenario(baseline: pd.DataFrame, scenario: Scenario, freight_by_mode: pd.DataFrame | None = None,
                 suppliers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Landed cost and contribution margin per unit before and after, per SKU of `baseline`.

    `baseline` (one row per SKU): sku, product_name, supplier_id, hs_code, origin_country, duty_claims,
    steel_content_pct, aluminium_content_pct, incoterm, mode, units (yearly volume), unit_price, dutiable_ratio
    (dutiable value / price on its recent shipments), freight_pu, insurance_pu, fees_pu (brokerage and MPF),
    hmf_pu, inspection_pu, net_price_pu, marketplace_fee_pu, quality_cost_pu.
    `freight_by_mode`: sku, mode, freight_pu (own history) — used when the scenario changes the mode.
    `suppliers`: supplier_id, country, quality_cost_pu — the move's target.
    """
    base = baseline.reset_index(drop=True)
    n = len(base)
    price = base["unit_price"].to_numpy(dtype=float)
    dutiable_pu = price * base["dutiable_ratio"].fillna(1.0).to_numpy(dtype=float)
    comp_before = stack_components(base, scenario.costing_date)
    unknown = duty_unknown_reasons(base, scenario.costing_date)
    duty_before = np.where(unknown != "", np.nan, duty_per_unit(base, comp_before, dutiable_pu))
    parts_before = {"price": price, "freight": base["freight_pu"].to_numpy(float),
                    "insurance": base["insurance_pu"].to_numpy(float), "duty": duty_before,
                    "fees": base["fees_pu"].to_numpy(float) + base["hmf_pu"].to_numpy(float),
                    "inspection": base["inspection_pu"].to_numpy(float)}
    landed_before = sum(parts_before.values())

    after = {k: v.copy() for k, v in parts_before.items()}
    notes = [[reason] if reason else [] for reason in unknown]
    if "has_landed_lots" in base:
        for i in np.flatnonzero(~base["has_landed_lots"].fillna(False).to_numpy(bool)):
            notes[i].append("no landed lot yet: freight, fees and inspection per unit are 0")
    dutiable_after = dutiable_pu.copy()
    hmf_after = base["hmf_pu"].to_numpy(float).copy()
    # Transport mode: the SKU's own freight per unit by that mode, else unchanged (and said so); HMF by sea only.
    if scenario.mode and freight_by_mode is not None:
        rates = freight_by_mode[freight_by_mode["mode"] == scenario.mode].set_index("sku")["freight_pu"]
        own = base["sku"].map(rates).to_numpy(dtype=float)
        changed = base["mode"].to_numpy() != scenario.mode
        has = ~np.isnan(own)
        after["freight"] = np.where(changed & has, own, after["freight"])
        for i in np.flatnonzero(changed & ~has):
            notes[i].append(f"no {scenario.mode} freight history for this SKU: freight unchanged")
        sea_rate = lc.hmf(100.0, "sea", scenario.costing_date) / 100  # HMF per dollar of value by sea
        hmf_after = np.where(changed, np.where(scenario.mode == "sea", dutiable_after * sea_rate, 0.0), hmf_after)
    # Incoterm: what the seller now pays moves into (or out of) its price at the cost the buyer saw; the freight and
    # insurance in a C/D price are not dutiable, so the dutiable value keeps to the goods.
    if scenario.incoterm:
        new = lc.incoterm_flags([scenario.incoterm] * n)
        old = lc.incoterm_flags(base["incoterm"])
        moves = {"freight": ("buyer_pays_main_freight",), "insurance": ("buyer_pays_insurance",)}
        for part, (flag,) in moves.items():
            to_seller = old[flag].to_numpy(bool) & ~new[flag].to_numpy(bool)
            to_buyer = ~old[flag].to_numpy(bool) & new[flag].to_numpy(bool)
            after["price"] = after["price"] + np.where(to_seller, after[part], 0.0)
            after[part] = np.where(to_seller, 0.0, after[part])
            for i in np.flatnonzero(to_buyer):
                notes[i].append(f"{part} was in the supplier's price: add its cost as freight if known")
        duty_to_seller = old["buyer_pays_import_duty"].to_numpy(bool) & ~new["buyer_pays_import_duty"].to_numpy(bool)
        after["price"] = after["price"] * (1 + scenario.price_change_pct / 100)
    else:
        duty_to_seller = np.zeros(n, dtype=bool)
    comp_after = apply_tariff_changes(comp_before, scenario.tariff_changes, n)
    after["duty"] = np.where(unknown != "", np.nan, duty_per_unit(base, comp_after, dutiable_after))
    after["fees"] = base["fees_pu"].to_numpy(float) + hmf_after
    if duty_to_seller.any():  # DDP: the seller pays duty and entry fees and prices them in
        after["price"] = after["price"] + np.where(duty_to_seller, after["duty"] + after["fees"], 0.0)
        after["duty"] = np.where(duty_to_seller, 0.0, after["duty"])
        after["fees"] = np.where(duty_to_seller, 0.0, after["fees"])
    landed_after = sum(after.values())

    quality_before = base["quality_cost_pu"].fillna(0.0).to_numpy(float)
    quality_after = quality_before.copy()
    supplier_after = base["supplier_id"].astype(object).to_numpy().copy()
    share = min(max(scenario.move_share, 0.0), 1.0) if scenario.target_supplier_id else 0.0
    if share > 0 and suppliers is not None:
        target = suppliers.set_index("supplier_id").loc[scenario.target_supplier_id]
        moved = base.assign(origin_country=target["country"])
        t_price = np.full(n, scenario.target_unit_price) if scenario.target_unit_price else after["price"]
        t_dutiable = t_price * base["dutiable_ratio"].fillna(1.0).to_numpy(float)
        t_unknown = duty_unknown_reasons(moved, scenario.costing_date)
        t_comp = apply_tariff_changes(stack_components(moved, scenario.costing_date), scenario.tariff_changes, n)
        t_duty = np.where(duty_to_seller, 0.0,
                          np.where(t_unknown != "", np.nan, duty_per_unit(moved, t_comp, t_dutiable)))
        for i in np.flatnonzero((t_unknown != "") & (unknown == "") & ~duty_to_seller):
            notes[i].append(f"at {scenario.target_supplier_id} ({target['country']}): {t_unknown[i]}")
        t_landed = t_price + after["freight"] + after["insurance"] + t_duty + after["fees"] + after["inspection"]
        landed_after = (1 - share) * landed_after + share * t_landed
        after["price"] = (1 - share) * after["price"] + share * t_price
        after["duty"] = (1 - share) * after["duty"] + share * t_duty
        quality_after = (1 - share) * quality_before + share * float(target["quality_cost_pu"] or 0.0)
        supplier_after = np.where(share >= 1, scenario.target_supplier_id,
                                  supplier_after + f" / {scenario.target_supplier_id} ({share:.0%})")
    margin = base["net_price_pu"].to_numpy(float) - base["marketplace_fee_pu"].to_numpy(float)
    out = pd.DataFrame({
        "sku": base["sku"], "product_name": base.get("product_name"), "supplier_before": base["supplier_id"],
        "supplier_after": supplier_after, "units": base["units"],
        "duty_before_pu": np.round(duty_before, 4), "duty_after_pu": np.round(after["duty"], 4),
        "landed_before_pu": np.round(landed_before, 4), "landed_after_pu": np.round(landed_after, 4),
        "margin_before_pu": np.round(margin - landed_before - quality_before, 4),
        "margin_after_pu": np.round(margin - landed_after - quality_after, 4),
    })
    out["landed_change_pu"] = np.round(out["landed_after_pu"] - out["landed_before_pu"], 4)
    out["margin_change_pu"] = np.round(out["margin_after_pu"] - out["margin_before_pu"], 4)
    out["margin_change_total"] = np.round(out["margin_change_pu"] * out["units"], 2)
    out["notes"] = ["; ".join(x) for x in notes]
    return out
