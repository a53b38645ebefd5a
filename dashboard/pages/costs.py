"""Costs and leakage: where each landed dollar goes and where planned margin leaks, for the portfolio, a supplier
or a SKU; and how far landed cost runs above the quote."""

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import components as ui
from dashboard import display, filters, queries
from pipelines import cape

# under the IEEPA tile when no imported entry summary declares IEEPA duty on the shipments in scope
IEEPA_WITHOUT_SUMMARIES = (
    "The IEEPA duty above is the tariff tables' figure: no imported entry summary declares any on these shipments. "
    "To list their entries with the window to claim each and get the CAPE declaration that claims the duty back, "
    "import your ACE report ES-003 (Entry Summary Line Tariff Details) or your broker's entry summary lines: they "
    "say what each entry declared and when it liquidated.")

# the help of the CAPE claims' download (pipelines/cape.claims_to_record)
CAPE_CLAIMS_HELP = (
    "The claims the declaration files, as duty_refunds rows (one per entry, dated today, for the IEEPA duty not "
    "refunded yet, program ieepa). Once the declaration is filed, upload this file on the Data page as it is (it "
    "is merged into duty_refunds) or add its rows to your duty_refunds file, and rebuild: the entries then read as "
    "claimed, the refunds as pending, and the next CAPE declaration leaves them out (CBP refuses an entry declared "
    "twice). When the money comes back, fill in received_on and amount_received.")

st.title("Costs and leakage")
if ui.require_warehouse():
    ui.as_of_caption()
    filters.caption()
    sel = filters.selection()
    ids = filters.supplier_ids()
    directory = filters.apply(filters.directory(), sel)
    if directory.empty:
        st.info(f"No supplier passes the sidebar filters ({sel.describe(escape=True)}): widen or clear them to see "
                "costs."
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
            st.info(f"The {ui.count_words(len(directory), 'supplier')} passing the filters ({sel.describe(escape=True)}) "
                    f"{'has' if len(directory) == 1 else 'have'} no SKU"
                    + (" in the chosen categories." if sel.category else "."), icon=":material/filter_alt_off:")
            st.stop()
        labels = {r.sku: f"{r.sku} · {r.product_name or ''} ({r.category or 'no category'})"
                  for r in skus.itertuples()}
        sku = st.selectbox("SKU", list(labels), key="costs_sku", format_func=lambda s: labels[s])

    chosen = filters.period("costs_period")
    breakdown = queries.landed_breakdown(ids, supplier_id, sku, chosen)
    steps = queries.leakage_waterfall(ids, supplier_id, sku, chosen)
    has_landed = not breakdown.empty and breakdown["po_count"].iloc[0] > 0
    row = breakdown.iloc[0] if has_landed else None

    c1, c2, c3, c4 = ui.tiles([1, 1.3, 1, 1])  # the variance label says which orders it prices: read whole
    c1.metric("Landed cost", ui.metric_money(row["landed_total"] if has_landed else None), border=True,
              help="Goods + freight + insurance + duty + fees + inspections over purchase orders that have "
                   "landed (marts.landed_cost_po.landed_total, summed).")
    c2.metric("Landed over quote, orders received",
              ui.metric_money(row["quote_to_landed_variance"] if has_landed else None), border=True,
              delta=ui.pct(row["quote_to_landed_variance"] / row["quoted_total"]) if has_landed and
              row["quoted_total"] else None, delta_color="inverse",
              help="Landed cost minus the quoted landed cost (quoted landed cost per unit × units received) of "
                   "the orders delivered in the period; negative: landed under the quote. The percentage is "
                   "relative to the quote. The waterfall's 'Landed cost vs quote, units sold' counts the units sold "
                   "in the period at their lots' average landed cost instead, so the two differ by what was "
                   "received but not sold (or sold from earlier stock) and read in opposite signs: there a cost "
                   "above the quote lowers the contribution.")
    planned = steps.loc[steps["step"] == "planned_contribution", "amount"].sum() if not steps.empty else None
    realised = steps.loc[steps["step"] == "realised_contribution", "amount"].sum() if not steps.empty else None
    sales_known = queries.imported("sales")
    c3.metric("Planned contribution", ui.metric_money(planned) if sales_known else "–", border=True,
              help="Revenue − units sold × quoted landed cost − marketplace fees (marts.margin_leakage)."
                   + ("" if sales_known else " Unknown: no sales file was imported."))
    c4.metric("Margin leakage", ui.metric_money(planned - realised if planned is not None else None), border=True,
              help="Planned minus realised contribution: only supplier-attributable costs (overrun, supplier-caused "
                   "returns, write-offs, rework, relabel, chargebacks, expedite, sorting, re-inspection)."
                   + ("" if sales_known else display.LEAKAGE_WITHOUT_SALES))

    if has_landed:  # what "the quote" is, and how much of the variance each source of its logistics holds
        st.caption(ui.md(display.quote_basis(row)))

    flags = queries.landed_rate_flags(ids, supplier_id, sku)
    flag = flags.iloc[0] if not flags.empty and flags["shipment_count"].iloc[0] else None
    through = queries.verified_through()
    checked = {r.table_name: pd.Timestamp(r.verified_through).date().isoformat() for r in through.itertuples()}
    if flag is not None and flag["rates_estimated_count"]:
        late, unpaid = int(flag["rates_estimated_count"]), int(flag["estimated_count"])
        st.warning(
            f"{late:,} of {ui.count_words(int(flag['shipment_count']), 'shipment')} "
            f"{'was' if late == 1 else 'were'} entered after "
            f"the date the tariff and fee tables are verified through (duty rates "
            f"{checked.get('duty_rates', 'unknown')}, MPF {checked.get('us_mpf', 'unknown')}): "
            f"{'its' if late == 1 else 'their'} computed duty "
            f"and fees use the tables' rows as written for those dates, not yet checked against official sources, "
            f"and are estimated. "
            + (("It has no paid figure, so its landed cost is an estimate." if late == 1 else
                f"{unpaid:,} of them {'has' if unpaid == 1 else 'have'} no paid figure, so "
                f"{'its' if unpaid == 1 else 'their'} landed cost is an estimate.") if unpaid else ""),
            icon=":material/warning:")
    if flag is not None and (flag.get("duty_unknown_count") or flag.get("fees_unknown_count")):
        parts = [f"{what} of {int(flag[col]):,}" for what, col in (
            ("duty", "duty_unknown_count"), ("fees (MPF, HMF, brokerage)", "fees_unknown_count")) if flag[col]]
        listed = int(flag.get("duty_rows_missing_count") or 0)
        st.warning(
            f"Unknown: the {' and the '.join(parts)} of {ui.count_words(int(flag['shipment_count']), 'shipment')}. "
            "No amount paid "
            "was imported for them and there is no HS code or duty_rates row to compute it, so they count $0 in the "
            "landed cost, which is understated by that much. Add `duty_paid` / `other_fees` to the shipments file or "
            "the products' `hs_code` (docs/landed-cost.md)."
            + (f" {listed:,} {'is' if listed == 1 else 'are'} goods of China whose HS code has an MFN row but no "
               "Section 301 row: add the rate of its list to data/reference/duty_rates.csv, or 0% if it is on none "
               "(the Data page names each code)." if listed else ""), icon=":material/warning:")
    exposure = queries.adcvd_exposure(ids, supplier_id, sku)
    adcvd = display.adcvd_warning(exposure, ui.md) if exposure is not None and not exposure.empty else ""
    if adcvd:  # AD/CVD deposits: set per producer, in landed cost only where the broker declared them
        st.warning(adcvd, icon=":material/gavel:")
    declared = display.adcvd_declared(exposure, ui.md) if exposure is not None else ""
    if declared:
        st.info(declared, icon=":material/gavel:")
    short = display.codes_less_specific_warning(queries.codes_less_specific(ids, supplier_id, sku), ui.md)
    if short:  # an 8-digit code costed with its rows while the table prices its 10-digit lines apart
        st.warning(short, icon=":material/pin:")
    if flag is not None and flag["unverified_count"]:
        unverified = int(flag["unverified_count"])
        with st.expander(f"{ui.count_words(unverified, 'shipment')} {'is' if unverified == 1 else 'are'} costed with "
                         "duty rows not confirmed in an official source", icon=":material/help:"):
            st.caption("These rows of data/reference/duty_rates.csv are marked unverified: a rate, list assignment "
                       "or date read from a secondary source or inferred. Verify them against the HTS, U.S. note 20 "
                       "and your broker's entry summaries.")
            unverified = queries.landed_unverified_rows(ids, supplier_id, sku)
            ui.table(unverified.assign(origin_country=unverified["origin_country"].replace("*", "Any")),
                     "costs_unverified", "unverified_duty_rows.csv", width_px=ui.expander_px(), wrap=["source"],
                     columns=["duty_type", "hs_code", "origin_country", "shipment_count", "notes", "source"],
                     download_columns=["ch99_heading", "row_label"],
                     optional=["source"],  # on a narrow screen the notes keep the room; the download has the source
                     column_config={"duty_type": "Duty", "hs_code": "HS code", "origin_country": "Origin",
                                    "ch99_heading": "Chapter 99", "shipment_count": "Shipments",
                                    "notes": "Why it is not confirmed",
                                    "source": "Source"})

    left, right = ui.beside(*display.PAIR_PX)
    with left:
        if not has_landed:
            ui.missing("marts.landed_cost_po", "landed purchase orders", needs=("shipments",))
        else:
            ui.landed_breakdown(row, "costs_breakdown_chart",
                                display.breakdown_unknowns(flag, queries.imported("inspections")))
            st.caption(ui.md(display.units_landed(row)))
    with right:
        if steps.empty:
            ui.missing("marts.margin_leakage", "leakage waterfall", needs=("sales",))
        else:
            ui.leakage_waterfall(steps, "costs_waterfall_chart")
            st.caption("Customer-caused returns (remorse, wrong item) are not the supplier's and stay out of the "
                       "waterfall.")

    st.subheader("Leakage by month")
    monthly = queries.leakage_by_month(ids, supplier_id, sku, chosen)
    if monthly.empty:
        ui.missing("marts.margin_leakage_wide", "leakage by month", needs=("sales",))
    else:
        def monthly_chart() -> go.Figure:
            fig = go.Figure()
            fig.add_trace(go.Bar(x=monthly["month"], y=monthly["leakage"], name="Margin leakage",
                                 marker_color="#d9480f", hovertemplate="%{x|%b %Y}: %{y:$,.0f} leaked<extra></extra>"))
            fig.add_trace(go.Scatter(x=monthly["month"], y=monthly["planned_contribution"], name="Planned contribution",
                                     mode="lines+markers", line=dict(color="#1f4e79"),
                                     hovertemplate="%{x|%b %Y}: %{y:$,.0f} planned<extra></extra>"))
            fig.update_yaxes(tickformat="$~s")
            ui.month_axis(fig, monthly["month"], ui.as_of_date())
            return ui.style(fig, f"Margin leakage per month, {filters.describe_period(chosen)}",
                            "Month of sale, return or cost", "USD", height=340)

        ui.cached_chart("costs_leakage_month_chart", monthly_chart, ids, supplier_id, sku, chosen)
        below = monthly[monthly["leakage"] < 0]
        if len(below):  # a bar below zero reads as a loss at a glance: say what it is
            st.caption(f"Below zero in {display.count_words(len(below), 'month')} "
                       f"({', '.join(f'{m:%b %Y}' for m in pd.to_datetime(below['month']).head(3))}"
                       f"{', …' if len(below) > 3 else ''}): money came back that month (duty refunds received, or "
                       "goods landed below their quote) beyond what the supplier's problems cost.")

    st.subheader("Leakage by sales channel",
                 help="Each channel's sales at the month's landed cost per unit, its supplier-caused returns "
                      "(refund, return fee, unsellable units at landed cost) and what that leaves of the planned "
                      "contribution. Quality costs, write-offs and duty refunds belong to no sale: they are shown "
                      "on their own row, and all rows add up to the margin leakage above.")
    channels = queries.leakage_by_channel(ids, supplier_id, sku, chosen)
    if channels.empty:
        ui.missing("marts.sales_by_channel", "sales by channel", needs=("sales",))
    else:
        no_sale = "No channel"
        shown = channels.assign(channel=channels["channel"].map(
            lambda c: no_sale if c is None or pd.isna(c) else ui.label(c, "channel")))
        # the answer first (revenue, leakage and its share), then what it is made of: all fits at 1440 px; units
        # sold and marketplace fees (inside the planned contribution) are in the download
        parts = ["channel", "gross_revenue", "planned_contribution", "leakage", "leakage_share", "landed_cost_overrun",
                 "refunds_and_return_fees", "unsellable_write_offs", "quality_costs", "duty_refunds_received"]
        ui.table(shown, "costs_channels", "leakage_by_channel.csv", columns=parts,
                 download_columns=parts + ["units_sold", "marketplace_fees"],
                 column_config={"channel": st.column_config.TextColumn(
                                    "Channel", help="'No channel': quality costs, write-offs beyond unsellable "
                                                    "returns, duty refunds and returns recorded without a channel."),
                                "gross_revenue": ui.money_col("Revenue"),
                                "planned_contribution": ui.money_col(
                                    "Planned", "Planned contribution: revenue − units sold × quoted landed cost − "
                                               "marketplace fees."),
                                "leakage": ui.money_col("Leakage", "Margin leakage: planned minus realised."),
                                "leakage_share": ui.pct_col("Of revenue", "Margin leakage as a share of revenue."),
                                "landed_cost_overrun": ui.money_col(
                                    "Overrun", "Landed cost above the quote on the units sold."),
                                "refunds_and_return_fees": ui.money_col(
                                    "Returns", "Refunds and return fees of supplier-caused returns."),
                                "unsellable_write_offs": ui.money_col("Write-offs"),
                                "quality_costs": ui.money_col(
                                    "Quality", "Rework, relabel, chargebacks, expedite freight, sorting and "
                                               "re-inspection."),
                                "duty_refunds_received": ui.money_col(
                                    "Duty refunds", "Duty refunds received (a gain: it lowers leakage)."),
                                "units_sold": "Units sold", "marketplace_fees": ui.money_col("Fees")})
        channel_basis = queries.channel_fee_basis(ids, supplier_id, sku, chosen)
        basis = display.fee_basis(channel_basis)
        if basis:   # reported (settlements, payment reports, the sales file) or the assumption: say which
            st.caption(ui.md(basis))
        no_returns = display.channels_without_returns(channel_basis)
        if no_returns:   # missing is not zero: a channel whose returns were never imported looks flawless
            st.caption(ui.md(no_returns))
        unpriced = queries.channels_without_fees(ids, supplier_id, sku)
        if not unpriced.empty:   # a channel marketplace_fees.csv does not know: its fees would count $0 unsaid
            listed = "; ".join(
                f"{ui.md(display.words(r.channel, 'channel'))} ({display.count_words(int(r.sales_rows), 'sales row')}"
                f" without reported fees, {ui.md(ui.money(r.revenue))} revenue"
                + (f"; {display.count_words(int(r.returns), 'return')}" if r.returns else "") + ")"
                for r in unpriced.head(5).itertuples())
            st.warning(
                f"No fee assumption for {listed}{' and more' if len(unpriced) > 5 else ''}: their marketplace fees "
                "and return-processing fees count \\$0, so the planned contribution is overstated and the returns' "
                "cost understated. Import the channel's settlement report (its fees replace the assumption) or add "
                "the channel to data/reference/marketplace_fees.csv.", icon=":material/warning:")
        per_month = queries.leakage_by_channel_month(ids, supplier_id, sku, chosen)

        def channel_chart() -> go.Figure:
            fig = go.Figure()
            for channel in shown["channel"]:
                code = channels.loc[shown["channel"] == channel, "channel"].iloc[0]
                part = per_month[per_month["channel"].isna()] if code is None or pd.isna(code) \
                    else per_month[per_month["channel"] == code]
                fig.add_trace(go.Bar(x=part["month"], y=part["leakage"], name=ui.chart_text([channel])[0],
                                     hovertemplate="%{x|%b %Y}: %{y:$,.0f} leaked<extra>%{fullData.name}</extra>"))
            fig.update_layout(barmode="relative")
            fig.update_yaxes(tickformat="$~s")
            ui.month_axis(fig, per_month["month"], ui.as_of_date())
            return ui.style(fig, f"Margin leakage per month by channel, {filters.describe_period(chosen)}",
                            "Month of sale, return or cost", "USD", height=340)

        ui.cached_chart("costs_channel_month_chart", channel_chart, ids, supplier_id, sku, chosen)

    st.subheader("Quote-to-landed variance by supplier")
    variance = queries.quote_variance(ids, chosen)
    if supplier_id is not None and not variance.empty:
        variance = variance[variance["supplier_id"] == supplier_id]
    if variance.empty:
        ui.missing("marts.landed_cost_po", "landed purchase orders", needs=("shipments",))
    else:
        # on a narrow screen, or with a large brand's nine-digit sums, the type, units and PO count go to the download
        # first (SCMS at 1280 px: the variance % ran past the edge, rows of 174 px)
        ui.table(variance, "costs_variance", "quote_to_landed_variance.csv", max_shown=ui.LONG_TABLE_ROWS,
                 optional=["supplier_type", "units_received", "po_count"],
                 columns=["supplier_name", "supplier_type", "po_count", "units_received", "quoted_total",
                          "landed_total", "variance", "variance_share"],
                 column_config={"supplier_name": "Supplier", "supplier_type": "Type", "po_count": "Landed POs",
                                "units_received": "Units", "quoted_total": ui.money_col("Quoted"),
                                "landed_total": ui.money_col("Landed"), "variance": ui.money_col("Variance"),
                                "variance_share": ui.pct_col("Variance %", "Landed over quoted, minus one.")})

    if flag is not None:
        st.subheader("Duty paid against the tariff tables",
                     help="Each shipment's paid duty (its broker's entry summary, else duty_paid) compared with the "
                          "duty the reference tables give on its entry date: a match is within max(USD 1.00, 1%). "
                          "marts.landed_cost_shipment.duty_status.")
        d1, d2, d3, d4, d5 = ui.tiles(5)
        d1.metric("Match", ui.number(flag["duty_match_count"]), border=True)
        d2.metric("Underpaid", ui.number(flag["duty_underpaid_count"]), border=True)
        d3.metric("Overpaid", ui.number(flag["duty_overpaid_count"]), border=True)
        d4.metric("No paid figure", ui.number(flag["duty_not_paid_known_count"]), border=True,
                  help="Shipments without an entry summary or duty_paid: landed cost uses the computed duty.")
        d5.metric("Net mismatch", ui.metric_money(flag["duty_mismatch_total"]), border=True,
                  help="Paid minus computed over the over- and underpaid shipments.")
        refunds = queries.duty_refunds_summary(ids, supplier_id, sku)
        ieepa = queries.ieepa_entries(ids, supplier_id, sku)
        ieepa = ieepa if ieepa is not None else pd.DataFrame()
        paid_ieepa = queries.ieepa_duty_summary(ids, supplier_id, sku)
        # from a warehouse built before marts.ieepa_duty_shipment: the tables' figure alone
        ieepa_duty = float(paid_ieepa["ieepa_duty"].iloc[0]) if not paid_ieepa.empty else flag["ieepa_duty_computed"]
        if ieepa_duty or not refunds.empty or not ieepa.empty:
            r1, r2, r3 = ui.tiles(3)
            r1.metric("IEEPA duty on these entries", ui.metric_money(ieepa_duty), border=True,
                      help=display.ieepa_duty_help(paid_ieepa.iloc[0] if not paid_ieepa.empty else None))
            r2.metric("Duty refunds received", ui.metric_money(refunds["received"].sum() if not refunds.empty else 0),
                      border=True, help="Recovered leakage: a step of the waterfall in the month received.")
            r3.metric("Refunds pending", ui.metric_money(refunds["pending"].sum() if not refunds.empty else 0),
                      border=True, help="Claimed and not received yet.")
            if not refunds.empty:
                ui.table(refunds, "costs_refunds", "duty_refunds.csv",
                         column_config={"program": "Program", "refund_count": "Refunds",
                                        "claimed": ui.money_col("Claimed"), "received": ui.money_col("Received"),
                                        "pending": ui.money_col("Pending")})
            if ieepa.empty and ieepa_duty and not paid_ieepa.empty:
                # IEEPA duty computed, no entry summary declaring any: where to get the list, windows and CAPE file
                st.caption(IEEPA_WITHOUT_SUMMARIES)
            if not ieepa.empty:
                st.markdown("**IEEPA duty declared on your entry summaries**",
                            help="The duty your entry summaries (the broker's Form 7501 lines, or your ACE report "
                                 "ES-003) declare under an IEEPA heading of chapter 99 (9903.01, 9903.02), per entry: "
                                 "what was deposited, and so what can be claimed back, whatever the tariff tables "
                                 "compute. The refunds are the duty_refunds of program ieepa naming the entry or one "
                                 "of its shipments. The claim window runs from the entry's liquidation (the "
                                 "Liquidation Date of the ES-003 report), judged on the data's as-of date: CAPE "
                                 "phase 1 takes entries not liquidated or liquidated recently, then a protest (19 "
                                 "U.S.C. 1514) until its window closes; a finally liquidated entry waits for the "
                                 "later CAPE phase CBP announced for such entries. Claim by is the last day of the "
                                 "window the entry is in (the days of each: reference.refund_windows). "
                                 "marts.ieepa_entries.")
                owed = float(ieepa["ieepa_duty_not_refunded"].sum())
                unshipped = int((ieepa["shipment_count"] == 0).sum())
                # the tiles above add up shipments: an entry no shipment carries is in this list only
                apart = ""
                if unshipped:
                    who = ("It is" if len(ieepa) == 1 else "All are" if unshipped == len(ieepa)
                           else f"{unshipped:,} are")
                    apart = (f" {who} on no shipment of the data, so the figures above, over shipments, leave "
                             f"{'it' if unshipped == 1 else 'them'} out.")
                st.caption(f"{ui.count_words(len(ieepa), 'entry', 'entries')} declared "
                           f"{ui.money(float(ieepa['ieepa_duty_declared'].sum()))} of IEEPA duty; "
                           f"{ui.money(owed)} of it has not come back yet.{apart}")
                ui.table(ieepa, "costs_ieepa_entries", "ieepa_entries.csv",
                         columns=["entry_number", "ieepa_duty_declared", "refund_status", "ieepa_duty_not_refunded",
                                  "claim_window", "claim_by"],
                         download_columns=["entry_on", "refund_received", "ieepa_headings", "shipment_count",
                                           "refund_claimed", "liquidated_on", "liquidation_status",
                                           "cape_phase_1_by", "protest_by", "cape_declaration"],
                         wrap=["claim_window"], optional=["ieepa_duty_declared"],
                         column_config={"ieepa_duty_declared": ui.money_col("IEEPA duty declared"),
                                        "refund_received": ui.money_col("Refund received"),
                                        "ieepa_duty_not_refunded": ui.money_col("Not refunded yet")})
                rules = cape.rules()
                st.caption(display.cape_declaration_note(ieepa, rules.max_entries))
                declared = ieepa[ieepa["cape_declaration"] == "declare"]
                if not declared.empty:
                    numbers = declared["cape_entry_number"].tolist()
                    upload = cape.download(numbers, settings=rules)
                    claims = cape.claims_to_record(numbers, declared["entry_number"].tolist(),
                                                   declared["ieepa_duty_not_refunded"].tolist(), date.today(),
                                                   settings=rules)
                    with st.container(horizontal=True):
                        st.download_button("CAPE declaration", lambda: upload.data, file_name=upload.file_name,
                                           mime=upload.mime, key="costs_cape_declaration", on_click="ignore",
                                           icon=":material/download:",
                                           help="The CSV the CAPE tab of the ACE portal takes (File Uploads, "
                                                "Upload): one column, Entry Number, one entry a row, at most "
                                                f"{rules.max_entries:,} a declaration "
                                                "(reference.cape_declaration). File it as the importer of record "
                                                "or through the broker who filed the entries. Upload it as "
                                                "downloaded: opened and saved in a spreadsheet, an entry number of "
                                                "digits only can lose its leading zeros. pipelines/cape.py.")
                        st.download_button("Claims to record", lambda: claims, file_name=cape.CLAIMS_FILE,
                                           mime="text/csv", key="costs_cape_claims", on_click="ignore",
                                           icon=":material/download:", help=CAPE_CLAIMS_HELP)

        entries = queries.customs_entries_summary(ids, supplier_id, sku)
        if not entries.empty:
            st.markdown("**Broker entry summaries against the tariff tables**",
                        help="Duty and MPF + HMF your broker declared on each imported entry summary (CBP Form "
                             "7501), beside what the reference tables give: the broker's figures are the ones in "
                             "landed cost. An entry you found right as declared (an exclusion the tables do not "
                             "itemise, a ruling) can be marked reviewed on the Data page: it is then not counted as "
                             "one to correct. marts.customs_entries.")
            # what the broker declared and whether it matches, the chapter 99 numbers too (a lapsed surcharge still
            # declared is money back); the computed figures and the fees' amounts in the download
            # an entry whose warned rows were all marked reviewed on the Data page (the broker's figures found
            # right) says so, and is not one to correct: it goes after those that are, before the entries that match
            entries = display.entry_reviews(entries, queries.entry_summary_reviews())
            matches = entries["is_match"].fillna(False).astype(bool)
            entries = entries.iloc[(entries["reviewed"].astype(int) + 2 * matches).argsort(kind="stable")]
            entries = entries.assign(chapter_99_check=display.chapter_99_checks(entries))
            differs = entries[(entries["chapter_99_status"] == "differs") & ~entries["reviewed"]]
            if not differs.empty:
                over = differs["duty_difference"].where(differs["duty_status"] == "overpaid").sum()
                one = len(differs) == 1
                st.warning(f"{len(differs):,} of {ui.count_words(len(entries), 'entry', 'entries')} "
                           f"{'declares' if one else 'declare'} chapter 99 numbers the tariff tables do not give for "
                           f"{'its' if one else 'their'} goods on {'its' if one else 'their'} date, or "
                           f"{'leaves' if one else 'leave'} out one that charges duty"
                           + (f" ({ui.md(ui.money(over, 2))} declared over the computed duty)" if over > 0 else "")
                           + ": ask your broker for a post-summary correction before the entry liquidates, or "
                             f"protest after it does. {'It is' if one else 'They are'} first in the table.",
                           icon=":material/gavel:")
            reviewed = ["review"] if entries["reviewed"].any() else []
            # AD/CVD deposits declared (in landed cost, outside the duty check): shown when an entry declares one
            deposits = ["adcvd_summary"] if entries["adcvd_summary"].notna().any() else []
            ui.table(entries, "costs_entries", "customs_entries.csv", max_shown=ui.LONG_TABLE_ROWS,
                     columns=["entry_number", "entry_on_summary", "duty_summary", "duty_difference", "duty_status",
                              *deposits, "fees_status", "chapter_99_check", *reviewed, "chapter_99_summary"],
                     download_columns=["shipment_count", "duty_computed", "fees_summary", "fees_computed",
                                       "chapter_99_expected", "adcvd_summary", "adcvd_cases"],
                     wrap=["chapter_99_summary", "chapter_99_check", *reviewed],
                     # at 1280 px the numbers declared go to the download so that the check (what differs and why)
                     # stays on screen
                     optional=["fees_status", "chapter_99_summary", *deposits],
                     column_config={"entry_number": "Entry", "entry_on_summary": "Entry date",
                                    "shipment_count": "Shipments",
                                    "duty_summary": ui.money_col("Duty declared", cents=True),
                                    "duty_computed": ui.money_col("Duty computed", cents=True),
                                    "duty_difference": ui.money_col("Declared − computed", cents=True),
                                    "duty_status": "Duty check",
                                    "fees_summary": ui.money_col("MPF + HMF declared", cents=True),
                                    "fees_computed": ui.money_col("MPF + HMF computed", cents=True),
                                    "fees_status": "Fee check",
                                    "adcvd_summary": ui.money_col("AD/CVD deposits declared", cents=True,
                                                                  help="Antidumping and countervailing duty cash "
                                                                       "deposits on the entry summary: in landed "
                                                                       "cost, not in the duty check"),
                                    "adcvd_cases": "AD/CVD cases",
                                    "chapter_99_summary": "Chapter 99 declared",
                                    "chapter_99_expected": "Chapter 99 charging duty (tables)",
                                    "review": st.column_config.TextColumn(
                                        "Reviewed", help="Every row the data checks warned of for this entry was "
                                                         "marked reviewed on the Data page (the broker's figures "
                                                         "found right): when, by whom and why. Not one to correct."),
                                    "chapter_99_check": st.column_config.TextColumn(
                                        "Chapter 99 check",
                                        help="The chapter 99 numbers declared against those of the duty rows in "
                                             "force for the entry's goods on its date (duty_rates.csv): a number "
                                             "declared that no row carries, and why (a surcharge that had ended), "
                                             "or one charging duty that was not declared.")})

    unallocated = queries.unallocated_costs()
    if not unallocated.empty:
        st.subheader("Charges that could not be allocated")
        ui.table(unallocated, "costs_unallocated", "unallocated_costs.csv",
                 column_config={"amount": ui.money_col("Amount")})
