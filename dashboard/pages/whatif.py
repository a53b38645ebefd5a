"""What-if: how landed cost and margin per unit move if the tariff stack changes, the Incoterm or the transport mode
changes, or volume moves to another supplier. Computation: models/whatif.py; baseline: dashboard/sql/whatif_*.sql."""

import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import display, filters, queries
from models import landed_cost as lc
from models import whatif

MODES = ("sea", "air", "express", "rail", "truck")
KEEP = "(keep)"

st.title("What-if: tariffs and sourcing")
if ui.require_warehouse():
    ui.as_of_caption()
    filters.caption()
    directory = filters.apply(filters.directory(), filters.selection())
    if directory.empty:
        st.info("No supplier passes the sidebar filters: widen or clear them.", icon=":material/filter_alt_off:")
        st.stop()
    names = dict(zip(directory["supplier_id"], directory["supplier_name"]))
    suppliers = queries.whatif_suppliers()
    if suppliers is None:   # built by older code (the caption above says so): a quality cost it cannot price
        st.warning("The what-if needs this warehouse rebuilt by this version: it reads each supplier's quality cost "
                   "per unit from columns the build that made it does not have. Rebuild it on the Data page.",
                   icon=":material/update:")
        st.stop()
    as_of = ui.as_of_date()

    scope = st.radio("Pick", ["Supplier", "SKUs"], key="whatif_scope", horizontal=True,
                     help="A supplier takes all its SKUs; SKUs lets you pick any SKUs of the filtered suppliers.")
    if scope == "Supplier":
        # largest spend first: the supplier whose tariff or sourcing change moves most money
        kpis = queries.supplier_kpis(tuple(names))
        spend = {} if kpis.empty else {s: v for s, v in zip(kpis["supplier_id"], kpis["spend"]) if pd.notna(v)}
        supplier_id = st.selectbox("Supplier", sorted(names, key=lambda s: (-spend.get(s, 0), names[s], s)),
                                   key="whatif_supplier", help="Largest spend first.",
                                   format_func=lambda s: f"{names[s]} ({s})"
                                   + (f" · {display.money(spend[s])} spend" if s in spend else ""))
        baseline = queries.whatif_baseline((supplier_id,), None)
    else:
        skus = queries.filtered_skus(tuple(names), None)
        labels = {r.sku: f"{r.sku} · {r.product_name or ''}" for r in skus.itertuples()}
        chosen = st.multiselect("SKUs", list(labels), key="whatif_skus", format_func=lambda s: labels[s])
        baseline = queries.whatif_baseline(None, tuple(chosen)) if chosen else pd.DataFrame()
    if baseline.empty:
        if not queries.has_table("marts.landed_cost_po"):  # an older or partial build: say what is missing
            ui.missing("marts.landed_cost_po", "landed costs to start from")
        else:
            st.info("Pick a supplier with purchase orders, or at least one SKU.", icon=":material/touch_app:")
        st.stop()

    st.subheader("Scenario")
    left, right = st.columns(2)
    with left:
        on = st.date_input("Costing date", value=as_of, key="whatif_date",
                           help="The duty stack in force on this date is the 'before'; the analysis date by default.")
        presets = st.multiselect("Tariff changes", list(whatif.PRESETS), key="whatif_presets",
                                 help="Applied in this order after the stack in force on the costing date.")
        custom_type = st.selectbox("Also change a duty type", [KEEP, "mfn", "section_301", "section_301_forced_labor",
                                                               "section_122", "section_232", "ieepa_reciprocal",
                                                               "ieepa_fentanyl"],
                                   key="whatif_custom_type",
                                   format_func=lambda t: t if t == KEEP else display.words(t, "duty_type"))
        custom_points = st.number_input("… by percentage points", value=0.0, step=5.0, key="whatif_custom_points",
                                        help="Added to that duty where the SKU has it (negative lowers it).")
        incoterm = st.selectbox("Incoterm", [KEEP, *lc.INCOTERMS], key="whatif_incoterm",
                                help="Costs the seller takes over move into its price at the cost you paid.")
        price_change = st.number_input("Supplier's price change for the new Incoterm, %", value=0.0, step=1.0,
                                       key="whatif_price_change")
    with right:
        mode = st.selectbox("Transport mode", [KEEP, *MODES], key="whatif_mode",
                            format_func=lambda m: m if m == KEEP else m.capitalize(),
                            help="Freight per unit from the SKU's own shipments by that mode; HMF only by sea.")
        targets = [s for s in suppliers["supplier_id"] if s not in set(baseline["supplier_id"])]
        target_names = dict(zip(suppliers["supplier_id"], suppliers["supplier_name"]))
        countries = dict(zip(suppliers["supplier_id"], suppliers["country"]))
        # the country beside each name: the moved share is costed at its stack (and may enter or leave an AD/CVD order)
        target = st.selectbox("Move volume to", [KEEP, *targets], key="whatif_target",
                              format_func=lambda s: s if s == KEEP else f"{target_names[s]} ({s})"
                              + (f" · {countries[s]}" if pd.notna(countries.get(s)) else ""))
        share = st.slider("Share of the volume moved", 0, 100, 0, step=5, key="whatif_share", format="%d%%")
        target_price = st.number_input("Its quoted unit price (0 = the current price)", value=0.0, min_value=0.0,
                                       step=0.05, key="whatif_target_price")

    changes = [c for name in presets for c in whatif.PRESETS[name]]
    if custom_type != KEEP and custom_points:
        changes.append(whatif.TariffChange(custom_type, "add", float(custom_points)))
    scenario = whatif.Scenario(
        costing_date=on, tariff_changes=tuple(changes), incoterm=None if incoterm == KEEP else incoterm,
        price_change_pct=float(price_change), mode=None if mode == KEEP else mode,
        target_supplier_id=None if target == KEEP else target, move_share=share / 100,
        target_unit_price=float(target_price) or None)
    baseline = baseline.merge(suppliers[["supplier_id", "quality_cost_pu"]], on="supplier_id", how="left")
    freight = queries.whatif_freight_by_mode(tuple(baseline["sku"]))
    # the scenario's result, worked out once per baseline, scenario and reference rows (a rerun that changes nothing
    # else, e.g. another visitor or a page switch, reuses it)
    result = ui.computed("whatif_result", lambda: whatif.run_scenario(baseline, scenario, freight, suppliers),
                         baseline, repr(scenario), freight, suppliers)

    through = lc.verified_through().get("duty_rates")
    if through and on > through:
        st.warning(f"The costing date is after the date the tariff table is verified through ({through:%Y-%m-%d}): "
                   "the stack is the table's rows as written for that date, not yet checked against official "
                   "sources, and the figures are estimates.",
                   icon=":material/warning:")
    landed_known = result["landed_after_pu"].notna()
    if not landed_known.all():
        st.warning(f"Duty unknown for {ui.count_words(int((~landed_known).sum()), 'SKU')} of {len(result):,}: "
                   "duty_rates.csv has no rate for its HS code and origin (an MFN row, and for goods of China a "
                   "Section 301 row, 0% when the code is on none of the lists), or the product has no HS code. "
                   "Their landed cost and margin are left out of the figures below; the Notes column says which "
                   "row is missing.", icon=":material/warning:")
    # AD/CVD orders on the costing date, at the SKUs' origin and where volume would move: the deposit is in no figure
    moving = scenario.target_supplier_id is not None and scenario.move_share > 0
    target_country = suppliers.set_index("supplier_id")["country"].get(target) if moving else None
    orders = queries.whatif_adcvd(tuple(baseline["sku"]), target_country, on)
    adcvd = "" if orders is None else display.whatif_adcvd_words(
        orders, (target_names[target], target_country) if moving and target_country else None, ui.md)
    if adcvd:
        st.warning(adcvd, icon=":material/gavel:")
    # an 8-digit code whose 10-digit lines the duty table prices apart: the stack above may be the wrong one
    short = display.codes_less_specific_warning(queries.codes_less_specific(skus=tuple(baseline["sku"])), ui.md)
    if short:
        st.warning(short, icon=":material/pin:")
    units = result["units"].sum()
    m1, m2, m3 = ui.tiles(3)
    weights = result["units"].where(result["units"] > 0, 1)

    def per_unit(column: str) -> float | None:
        """Volume-weighted over the SKUs whose figure is known; None when none is (a margin without a selling
        price), so the tile says '–' rather than $0.00."""
        known = result[column].notna()
        return float((result.loc[known, column] * weights[known]).sum() / weights[known].sum()) if known.any() \
            else None

    m1.metric("Landed cost per unit", ui.metric_money(per_unit("landed_after_pu"), 2),
              delta=display.money_delta(per_unit("landed_change_pu"), 2),
              delta_color="inverse", border=True, help="Volume-weighted over the SKUs, after the scenario.")
    margin_known = result["margin_after_pu"].notna()
    # a margin is unknown without a selling price, or with a landed cost whose duty is unknown (said first)
    no_price = ~margin_known & landed_known
    why = " or ".join(w for w, any_ in (("their duty is unknown", (~landed_known).any()),
                                        ("neither sales in the last 12 months nor a retail price", no_price.any()))
                      if any_)
    unknown_margin = "" if margin_known.all() else (
        f" Unknown for every one of these SKUs ({why})." if not margin_known.any() else
        f" Unknown for {ui.count_words(int((~margin_known).sum()), 'SKU')} of {len(result):,} ({why}): the figure "
        "is over the others.")
    m2.metric("Margin per unit", ui.metric_money(per_unit("margin_after_pu"), 2),
              delta=display.money_delta(per_unit("margin_change_pu"), 2),
              border=True,
              help="Net price − marketplace fees − landed cost − the supplier's quality cost, per unit."
                   + unknown_margin)
    m3.metric("Margin change over a year", ui.metric_money(result["margin_change_total"].sum(min_count=1)),
              border=True, help=f"Per-unit change × each SKU's units sold in the last 12 months ({units:,.0f} units)."
                                + unknown_margin)
    # per SKU, what a founder asks at 1440 px: landed cost and margin per unit before → after and the margin over a
    # year, suppliers by name (the volume moved, if any); the amounts one by one, to every decimal, in the download
    every_name = {**target_names, **names}
    share_moved = scenario.move_share if scenario.target_supplier_id else 0.0
    moved_to = every_name.get(scenario.target_supplier_id, scenario.target_supplier_id)

    def supplier_after(before: str) -> str:
        return (moved_to if share_moved >= 1 else f"{share_moved:.0%} to {moved_to}, the rest {every_name[before]}") \
            if share_moved > 0 else every_name[before]

    shown = result.assign(
        supplier_id=result["supplier_before"], supplier_name=result["supplier_before"].map(every_name),
        product=[f"{p} ({s})" if isinstance(p, str) and p else s
                 for p, s in zip(result["product_name"], result["sku"])],
        supplier_after=result["supplier_before"].map(supplier_after),
        landed=[f"{ui.money(b, 2)} → {ui.money(a, 2)}" for b, a in zip(result["landed_before_pu"],
                                                                       result["landed_after_pu"])],
        margin=[f"{ui.money(b, 2)} → {ui.money(a, 2)}" for b, a in zip(result["margin_before_pu"],
                                                                       result["margin_after_pu"])])
    several = shown["supplier_id"].nunique() > 1
    noted = shown["notes"].fillna("").astype(str).str.strip().ne("").any()
    ui.table(shown, "whatif_result", "what_if.csv",
             columns=["product", *(["supplier_name"] if several else []), *(["supplier_after"] if share_moved else []),
                      "landed", "margin", "margin_change_total", *(["notes"] if noted else [])],
             download_columns=["sku", "product_name", "supplier_name", "supplier_before", "units", "duty_before_pu",
                               "duty_after_pu", "landed_before_pu", "landed_after_pu", "landed_change_pu",
                               "margin_before_pu", "margin_after_pu", "margin_change_pu", "notes"],
             wrap=["product", "supplier_after"],
             column_config={"product": "Product (SKU)", "supplier_name": "Supplier",
                            "supplier_after": "Supplier after", "units": "Units (12 months)",
                            "landed": st.column_config.TextColumn("Landed cost / unit",
                                                                  help="Before → after the scenario."),
                            "margin": st.column_config.TextColumn(
                                "Margin / unit", help="Before → after: net price − marketplace fees − landed cost − "
                                                      "the supplier's quality cost."),
                            "margin_change_total": ui.money_col(
                                "Margin change / year", "Per-unit change × the SKU's units sold in the last 12 "
                                                        "months (units in the download)."),
                            "notes": "Notes"})
    if changes:
        st.caption("Tariff changes: " + "; ".join(c.describe() for c in changes) + ".")
