"""Costs and leakage: where each landed dollar goes and where planned margin leaks, for the portfolio, a supplier
or a SKU; and how far landed cost runs above the quote."""

import streamlit as st

from dashboard import components as ui
from dashboard import filters, queries

st.title("Costs and leakage")
if ui.require_warehouse():
    ui.as_of_caption()
    filters.caption()
    sel = filters.selection()
    ids = filters.supplier_ids()
    directory = filters.apply(filters.directory(), sel)
    if directory.empty:
        st.info(f"No supplier passes the sidebar filters ({sel.describe(escape=True)}): widen or clear them to see costs."
                if sel.active else "The warehouse has no suppliers.", icon=":material/filter_alt_off:")
        st.stop()

    scope = st.radio("Scope", ["Portfolio", "Supplier", "SKU"], key="costs_scope", horizontal=True,
                     help="Portfolio: every supplier passing the sidebar filters. The supplier and SKU pickers offer "
                          "only those suppliers and their SKUs (in the chosen categories, when the category filter "
                          "is set).")
    supplier_id = sku = None
    if scope == "Supplier":
        names = dict(zip(directory["supplier_id"], directory["supplier_name"]))
        supplier_id = st.selectbox("Supplier", list(names), key="costs_supplier",
                                   format_func=lambda s: f"{names[s]} ({s})")
    elif scope == "SKU":
        skus = queries.filtered_skus(ids, sel.category)
        if skus.empty:
            st.info(f"The {len(directory):,} supplier(s) passing the filters ({sel.describe(escape=True)}) have no SKU"
                    + (" in the chosen categories." if sel.category else "."), icon=":material/filter_alt_off:")
            st.stop()
        labels = {r.sku: f"{r.sku} · {r.product_name or ''} ({r.category or 'no category'})"
                  for r in skus.itertuples()}
        sku = st.selectbox("SKU", list(labels), key="costs_sku", format_func=lambda s: labels[s])

    breakdown = queries.landed_breakdown(ids, supplier_id, sku)
    steps = queries.leakage_waterfall(ids, supplier_id, sku)
    has_landed = not breakdown.empty and breakdown["po_count"].iloc[0] > 0
    row = breakdown.iloc[0] if has_landed else None

    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Landed cost", ui.money(row["landed_total"] if has_landed else None), border=True,
              help="Goods + freight + insurance + duty + fees + inspections over purchase orders that have "
                   "landed (marts.landed_cost_po.landed_total, summed).")
    c2.metric("Quote-to-landed variance",
              ui.money(row["quote_to_landed_variance"] if has_landed else None), border=True,
              delta=ui.pct(row["quote_to_landed_variance"] / row["quoted_total"]) if has_landed and
              row["quoted_total"] else None, delta_color="inverse",
              help="Landed cost minus the quoted landed cost (quoted landed cost per unit × units received); "
                   "the percentage is relative to the quote.")
    planned = steps.loc[steps["step"] == "planned_contribution", "amount"].sum() if not steps.empty else None
    realised = steps.loc[steps["step"] == "realised_contribution", "amount"].sum() if not steps.empty else None
    c3.metric("Planned contribution", ui.money(planned), border=True,
              help="Revenue − units sold × quoted landed cost − marketplace fees (marts.margin_leakage).")
    c4.metric("Margin leakage", ui.money(planned - realised if planned is not None else None), border=True,
              help="Planned minus realised contribution: only supplier-attributable costs (overrun, supplier-caused "
                   "returns, write-offs, rework, relabel, chargebacks, expedite, sorting, re-inspection).")

    left, right = st.columns(2)
    with left:
        if not has_landed:
            ui.missing("marts.landed_cost_po", "landed purchase orders")
        else:
            ui.landed_breakdown(row, "costs_breakdown_chart")
            st.caption(f"{int(row['units_received']):,} units received; landed cost per unit "
                       f"{ui.money(row['landed_total'] / row['units_received'], 2) if row['units_received'] else '–'}.")
    with right:
        if steps.empty:
            ui.missing("marts.margin_leakage", "leakage waterfall")
        else:
            ui.leakage_waterfall(steps, "costs_waterfall_chart")
            st.caption("Customer-caused returns (remorse, wrong item) are not the supplier's and stay out of the "
                       "waterfall.")

    st.subheader("Quote-to-landed variance by supplier")
    variance = queries.quote_variance(ids)
    if supplier_id is not None and not variance.empty:
        variance = variance[variance["supplier_id"] == supplier_id]
    if variance.empty:
        ui.missing("marts.landed_cost_po", "landed purchase orders")
    else:
        ui.table(variance, "costs_variance", "quote_to_landed_variance.csv",
                 columns=["supplier_name", "supplier_type", "po_count", "units_received", "quoted_total",
                          "landed_total", "variance", "variance_share"],
                 column_config={"supplier_name": "Supplier", "supplier_type": "Type", "po_count": "Landed POs",
                                "units_received": "Units", "quoted_total": ui.money_col("Quoted"),
                                "landed_total": ui.money_col("Landed"), "variance": ui.money_col("Variance"),
                                "variance_share": ui.pct_col("Variance %", "Landed over quoted, minus one.")})

    unallocated = queries.unallocated_costs()
    if not unallocated.empty:
        st.subheader("Charges that could not be allocated")
        ui.table(unallocated, "costs_unallocated", "unallocated_costs.csv",
                 column_config={"amount": ui.money_col("Amount")})
