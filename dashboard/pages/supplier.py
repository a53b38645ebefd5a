"""Supplier: one supplier's score and the evidence behind it, its history, and what to do next."""

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from dashboard import components as ui
from dashboard import display, filters, queries, scorecard, scorecard_pdf, validity_card
from models import entity, incident_model, po_status, release

PILLAR_COLOURS = {"entity": "#6f42c1", "transaction": "#e8833a", "quality": "#d9480f", "delivery": "#1f4e79",
                  "commercial": "#2f9e44"}
NAME_CHECK_LABELS = {entity.MATCH: "match", entity.RELATED: "related",
                     entity.CANNOT_VERIFY: "cannot verify (translation uncertain)", entity.MISMATCH: "mismatch",
                     entity.MISSING: "–"}
EVENT_ORDER = ["Order", "Payment", "Inspection", "Shipment", "Delivery", "Return", "Change", "Corrective action"]
# above this many returns the timeline shows them one point a week
WEEKLY_RETURNS_ABOVE = 300
EVENT_COLOURS = {"Order": "#1f4e79", "Payment": "#2f9e44", "Inspection": "#6f42c1", "Shipment": "#e8833a",
                 "Delivery": "#8fb3d9", "Return": "#d9480f", "Change": "#c2255c", "Corrective action": "#495057"}
CHECK_SOURCES = {"registry": "Business registry (operating status)",
                 "public_records": "Public records (court cases, penalties)"}



def _flag(value) -> bool:
    """True only for a true flag; DuckDB hands back numpy.bool (never `is True`) and NA for unknown."""
    return bool(value) if not pd.isna(value) else False


st.title("Supplier")
if not ui.require_warehouse():
    st.stop()



def _choices(chosen: filters.Selection) -> dict[str, str]:
    """Supplier id → its label in the picker, riskiest first, for the suppliers passing the filters."""
    directory = filters.apply(filters.directory(), chosen)
    if directory.empty:
        return {}
    directory = directory.sort_values(["risk_score", "supplier_name"], ascending=[False, True], na_position="last")
    return {r.supplier_id: f"{r.supplier_name} ({r.supplier_id})"
            + (f" · {display.words(r.risk_band, 'risk_band')} {r.risk_score:.0f}" if pd.notna(r.risk_score) else "")
            for r in directory.itertuples()}


# worded once per warehouse and filter choice (2,000 suppliers: 20 ms a run); shared, never changed
selection = filters.selection()
labels = ui.computed("supplier_choices", lambda: _choices(selection), repr(selection))
if not labels:
    st.info("No supplier passes the filters." if selection.active else "The warehouse has no suppliers.")
    st.stop()

# The choice lives in the URL (?supplier=…) and survives visits to other pages. A supplier that is asked for but not
# shown is said so, never silently replaced by another one.
wanted = st.session_state.get("supplier") or st.session_state.get("_supplier") or st.query_params.get("supplier")
if wanted is None:
    wanted = next(iter(labels))
elif wanted not in labels:
    everyone = filters.directory()
    known = everyone[everyone["supplier_id"] == wanted]
    if known.empty:
        st.error(f"No supplier with id {ui.md(wanted)} in this warehouse. Choose one below.",
                 icon=":material/person_search:")
    else:
        st.warning(f"{ui.md(known['supplier_name'].iloc[0])} ({ui.md(wanted)}) does not pass the sidebar filters "
                   f"({filters.selection().describe(escape=True)}): clear them to see it, or choose a supplier below.",
                   icon=":material/filter_alt_off:")
    wanted = None
st.session_state["supplier"] = wanted
supplier_id = st.selectbox("Supplier", list(labels), key="supplier", format_func=labels.get,
                           placeholder="Choose a supplier",
                           help="Riskiest first. The URL carries the choice, so the page can be shared.")
if supplier_id is None:
    st.stop()
st.session_state["_supplier"] = supplier_id
st.query_params["supplier"] = supplier_id

profile = queries.supplier_profile(supplier_id)
score = queries.supplier_score(supplier_id)
prediction = queries.supplier_prediction(supplier_id)
backtest = queries.model_backtest()
p = profile.iloc[0]
s = score.iloc[0] if not score.empty else None
st.header(ui.md(p["supplier_name"]), anchor=False)
ui.as_of_caption()
store_years = p["alibaba_store_years"]
st.caption(f"{ui.md(ui.label(p['supplier_type']))} · "
           f"{ui.md(display.country(p['country']))}"
           f"{' · ' + ui.md(p['province']) if pd.notna(p['province']) else ''}"
           f"{' · on Alibaba ' + ui.count_words(int(store_years), 'year') if pd.notna(store_years) else ''}"
           f"{' · Verified' if _flag(p['is_verified']) else ''}{' · Gold' if _flag(p['is_gold_supplier']) else ''}")
type_check = queries.supplier_type_check(supplier_id)
if not type_check.empty and bool(type_check["is_possibly_trading_company"].iloc[0]):
    t = type_check.iloc[0]
    st.warning(f"**Possibly a trading company.** Declared a manufacturer, but {ui.md(t['names_with_markers'])} "
               f"carries trading-company words ({ui.md(t['markers'])}). Ask for the factory's business licence and "
               "audit or visit it; then record what it is as the supplier's verified type.", icon=":material/factory:")
same = display.same_entity(queries.supplier_same_entity(supplier_id=supplier_id), ui.md)
if same:
    st.warning(same, icon=":material/join_inner:")

c1, c2, c3, c4, c5 = ui.tiles(5)
c1.metric("Risk score", ui.number(s["risk_score"], 1) if s is not None else "–", border=True,
          help="0–100, higher is riskier: the sum of signal points (each rate pulled towards its peers' average "
               "when evidence is thin; marts.supplier_risk_score). Red flags raise the band, not the score.")
alone = display.score_band_below(s["risk_band"], s["risk_score"], s["red_flag_count"]) if s is not None else None
c2.metric("Band", ui.label(s["risk_band"]) if s is not None else "–", border=True,
          # why, when red flags and not the score put it there
          delta=display.band_raised(s["risk_band"], s["risk_score"], s["red_flag_count"]) if alone else None,
          delta_color="off", delta_arrow="off",
          help=f"Band of the score; {display.band_rule()}."
               + (f" This supplier's score alone gives {display.words(alone, 'risk_band')}." if alone else ""))
c3.metric("Confidence", s["confidence"] if s is not None else "–", border=True,
          help="How much evidence is behind the score: A (plenty) to D (very little).")
prob = prediction["predicted_incident_probability"].iloc[0] \
    if not prediction.empty and "predicted_incident_probability" in prediction else None
model_row = backtest[backtest["model_name"] == "model"] if not backtest.empty else backtest
auc = float(model_row["roc_auc"].iloc[0]) if len(model_row) and pd.notna(model_row["roc_auc"].iloc[0]) else None
c4.metric("Incident risk", ui.pct(prob), border=True,
          help="Next-order incident risk: the probability that this supplier's next order has an incident: "
               + incident_model.incident_definition(po_status.settings_from(queries.kpi_settings()).late_incident_days)
               + " (incident model, marts.supplier_risk.predicted_incident_probability; docs/predictive-model.md)"
               + (f"; backtest AUC {auc:.2f} (marts.model_backtest)." if auc is not None else "."))
c5.metric("Spend", ui.metric_money(p["spend"]), border=True,
          help=f"Sum of quantity × unit price over {ui.number(p['po_count'])} purchase orders.")
ui.coverage_notice(full=False)
# The one-page scorecard to read or send: its marts are read now (cached, mostly the reads above), the PDF is drawn
# only when the button is clicked.
card_data = ui.computed("supplier_scorecard_data", lambda: scorecard.gather(queries.query, supplier_id), supplier_id)
st.download_button("Scorecard (PDF)", lambda: scorecard_pdf.render(scorecard.content(card_data)),
                   file_name=scorecard.file_name(supplier_id), mime="application/pdf", key="supplier_scorecard_pdf",
                   on_click="ignore", icon=":material/picture_as_pdf:",
                   help="One page to read or send to the supplier: score and band, points by pillar, what changed "
                        "since last month, top reasons, what would move it up a band, open issues.")
if auc is not None:
    trust = validity_card.model_lines()  # the Portfolio's report card in the same words
    if trust:
        st.caption(f"How far to trust the incident risk, on {int(model_row['n_test'].iloc[0]):,} past orders the "
                   f"model had not seen: {' '.join(trust)}")
    comparators = []
    for name, wording in (("rule_score", "the rule score alone"), ("naive_baseline", "the naive baseline "
                                                                    "(the supplier's own past incident rate)")):
        row = backtest[backtest["model_name"] == name]
        if len(row) and pd.notna(row["roc_auc"].iloc[0]):
            comparators.append(f"{wording} {float(row['roc_auc'].iloc[0]):.2f}")
    comparison = queries.model_comparison()
    edge = comparison[comparison["model_name"] == "model"] if not comparison.empty else comparison
    interval = ""
    if len(edge) and pd.notna(edge["ci_low"].iloc[0]):
        e = edge.iloc[0]
        reading = ("the whole interval is above zero, so the edge is not luck" if e["ci_low"] > 0 else
                   "the interval reaches zero or below, so on this data the edge could be luck: the model is not "
                   "shown to rank orders better than the supplier's own record")
        interval = (f" The model's edge over the naive baseline is {e['auc_difference']:+.3f} AUC, 95% interval "
                    f"{e['ci_low']:+.3f} to {e['ci_high']:+.3f} from resampling the {int(e['n_suppliers'])} "
                    f"suppliers: {reading}.")
    with st.expander("How we know: the incident model's backtest"):
        st.caption(f"Incident model backtest AUC {auc:.2f} on {int(model_row['n_test'].iloc[0]):,} held-out orders "
                   "(1.0 = perfect ranking, 0.5 = coin flip)"
                   + (f"; on the same orders {' and '.join(comparators)}." if comparators else ".") + interval)

if s is not None and isinstance(s["red_flags"], str) and s["red_flags"].strip():
    for flag in s["red_flags"].split("; "):
        name, _, reason = flag.partition(": ")
        st.error(f"**{ui.md(display.words(name, 'red_flag'))}**: {ui.md(reason)}", icon=":material/flag:")

st.subheader("What drives the score")
signals = display.signal_words(queries.supplier_signals(supplier_id))
if signals.empty:
    ui.missing("marts.supplier_signals", "signal contributions")
else:
    scoring = signals[signals["points"] > 0].sort_values("points")
    orders = int(p["po_count"]) if pd.notna(p["po_count"]) else 0
    peer_note = display.peer_average_note(signals, orders)
    if peer_note and orders == 0:  # most of the score: said first
        st.info(peer_note, icon=":material/groups:")
    elif peer_note:
        st.caption(peer_note)
    if scoring.empty:
        st.success("No signal adds points: every measure is at or better than its peers.")
    else:
        def signals_chart() -> go.Figure:
            fig = go.Figure()
            peer = display.at_peer_average(scoring)
            for pillar, part in scoring.groupby("pillar", sort=False):
                name, colour = display.words(pillar, "pillar"), PILLAR_COLOURS.get(pillar, "#888")
                fig.add_trace(go.Bar(x=part["points"], y=part["signal"].map(display.signal_label), orientation="h",
                                     name=name, legendgroup=name, showlegend=False, marker_color=colour,
                                     # hatched: the peers' average, no evidence of this supplier yet
                                     marker_pattern_shape=["/" if x else "" for x in peer[part.index]],
                                     customdata=list(zip(ui.chart_text(part["explanation"]),
                                                         part["max_points"].map(display.max_points))),
                                     hovertemplate="%{y}: %{x:.1f} of %{customdata[1]} pts<br>%{customdata[0]}"
                                                   "<extra></extra>"))
                # the legend's swatch of the pillar, plain whatever its first bar is
                fig.add_trace(go.Bar(x=[None], y=[None], orientation="h", name=name, legendgroup=name,
                                     marker_color=colour, hoverinfo="skip"))
            if peer.any():
                fig.add_trace(go.Bar(x=[None], y=[None], orientation="h", name="Peers' average (no evidence yet)",
                                     marker=dict(color="#ffffff", line=dict(color="#888", width=1),
                                                 pattern=dict(shape="/", fgcolor="#888")), hoverinfo="skip"))
            fig.update_layout(barmode="stack", yaxis=dict(categoryorder="total ascending"))
            return ui.style(fig, f"Signal contributions ({scoring['points'].sum():.1f} points)", "Points",
                            "", height=max(300, 28 * len(scoring) + 120))

        ui.cached_chart("supplier_signals_chart", signals_chart, supplier_id)
    ui.table(signals, "supplier_signals_table", f"{supplier_id}_signals.csv",
             columns=["pillar", "signal", "points", "max_points", "explanation", "evidence"],
             download_columns=["evidence_n", "raw_value", "shrunk_value", "prior_mean"],
             optional=["pillar"],  # on a narrow screen: the chart above colours each signal by its pillar
             # sized with the Why column, so that none squeezes the others: a signal's name on two lines leaves Why
             # 389 px instead of 288, rows of three lines instead of four
             wrap=["evidence", "signal"],
             column_config={"points": st.column_config.ProgressColumn("Points", format="%.1f", min_value=0,
                                                                      max_value=float(signals["max_points"].max())),
                            "max_points": st.column_config.NumberColumn("Max", format="%g"),  # 8, or half points: 4.5
                            "explanation": st.column_config.TextColumn(
                                "Why", width="large",
                                help="What the signal found. A rate 'sample-size adjusted' is the supplier's own "
                                     "rate pulled towards its peers' average as far as its evidence is thin, so 1 "
                                     "late order of 2 does not read as 50%; the points are given on that rate."),
                            "evidence": st.column_config.TextColumn(
                                "Evidence", help="What the signal was measured on, with its unit; the download "
                                                 "has the count (evidence_n)."),
                            "evidence_n": st.column_config.NumberColumn("Evidence (n)", format="%.0f"),
                            "raw_value": st.column_config.NumberColumn("Raw", format="%.3f"),
                            "shrunk_value": st.column_config.NumberColumn(
                                "Peer-adjusted", format="%.3f",
                                help="Raw value shrunk towards the peer cohort in proportion to thin evidence.")})

left_out = display.sales_left_out_of_return_rates(queries.sales_without_returns(supplier_id=supplier_id))
if left_out:   # a channel whose returns were never imported: the rates above are over the other channels' units
    st.caption(ui.md(left_out))

st.subheader("Who are we really paying?")
entities = queries.supplier_entities(supplier_id)
if not entities.empty:
    legal_name = p["legal_name"] if pd.notna(p["legal_name"]) else None
    # the same comparison as the score's entity signal (models.entity.compare_names), so page and score agree
    checks = [None if is_store or not legal_name else entity.compare_names(legal_name, name)
              for name, is_store in zip(entities["name"], entities["is_store_name"].fillna(False).astype(bool))]
    entities = entities.assign(name_check=[NAME_CHECK_LABELS.get(c, "–") if c else "–" for c in checks]) \
        .drop(columns="is_store_name")
    mismatches = sum(c == entity.MISMATCH for c in checks)
    unverifiable = sum(c == entity.CANNOT_VERIFY for c in checks)
    unverifiable_note = (f" {display.count_words(unverifiable, 'name')} in another script could not be read with "
                         "certainty (a word "
                         "the name-term table cannot translate): check the registration number or the bank's "
                         "confirmation instead." if unverifiable else "")
    # a sentence ending in a name that ends in a full stop ("Co., Ltd.") takes no second one
    stop = "" if str(legal_name).endswith(".") else "."
    if mismatches:
        st.warning(f"{display.count_words(mismatches, 'name')} {'differs' if mismatches == 1 else 'differ'} from the "
                   "registered legal entity "
                   f"**{ui.md(legal_name)}**: check who signs the contract and who receives the money."
                   + unverifiable_note, icon=":material/warning:")
    elif legal_name and unverifiable:
        st.info(f"No name contradicts the legal entity **{ui.md(legal_name)}**{stop}{unverifiable_note}",
                icon=":material/translate:")
    elif legal_name:
        st.success(f"Contract, bank and payees all match the legal entity **{ui.md(legal_name)}**{stop}")
    ui.table(entities, "supplier_entities_table", f"{supplier_id}_entities.csv",
             column_config={"source": "Where the name appears", "name": "Name",
                            "documents": st.column_config.NumberColumn("Documents", format="%d"),
                            "amount": ui.money_col("Amount"),
                            "name_check": st.column_config.TextColumn(
                                "Against legal entity",
                                help="Compared with the registered legal name after normalisation (case, punctuation, "
                                     "legal forms such as Co., Ltd. / Company Limited / 有限公司): matches; related "
                                     "(only a business descriptor such as Trading differs); a Chinese name is read "
                                     "in pinyin with its business terms translated (宁波明泰塑料制品 = Ningbo Mingtai "
                                     "Plastic Products); cannot verify (it hinges on a word that cannot be "
                                     "translated); another entity (a mismatch, e.g. a Hong Kong company, or a Chinese "
                                     "name that reads otherwise). The same rule as the score's entity signal.")})

accounts = queries.supplier_bank_accounts(supplier_id)
if not accounts.empty:
    st.markdown("**Bank accounts** (numbers masked: only the last 4 characters are ever stored)")
    def _what_is_new(a) -> str:
        return ", ".join(w for w, on in (("a new account", a.is_new_account), ("in a new country", a.is_new_country),
                                         ("offshore", a.is_offshore)) if _flag(on))

    for a in accounts[accounts["is_unverified_change"].fillna(False).astype(bool)].itertuples():
        st.error(f"Bank account {ui.md(a.account_number_masked)} at "
                 f"{ui.md(a.bank_name if isinstance(a.bank_name, str) else 'an unnamed bank')} "
                 f"({ui.md(display.country(a.bank_country))}), first seen {pd.Timestamp(a.first_seen_on):%Y-%m-%d}, is "
                 f"{_what_is_new(a)} and not verified: call back on a number already on file (not one from the "
                 "e-mail) before paying anything to it.", icon=":material/gpp_bad:")
    # what is new about each account and whether it was verified, in words: the answer; the flags one by one go to
    # the download
    flags = [(_what_is_new(a) or "–") + (": not verified, call back before paying" if _flag(a.is_unverified_change)
                                         else "") for a in accounts.itertuples()]
    verified = [f"{pd.Timestamp(a.verified_on):%Y-%m-%d}" + (f" by {a.verification_method}"
                                                              if isinstance(a.verification_method, str) else "")
                if _flag(a.is_verified) else "not verified" for a in accounts.itertuples()]
    ui.table(accounts.assign(flags=[f[:1].upper() + f[1:] for f in flags], verified=verified,
                             bank_country=accounts["bank_country"].map(display.country)),
             "supplier_bank_accounts_table", f"{supplier_id}_bank_accounts.csv",
             columns=["account_number_masked", "bank_name", "bank_country", "beneficiary", "first_seen_on", "verified",
                      "flags"],
             download_columns=["verified_on", "verification_method", "is_new_account", "is_new_country",
                               "is_offshore", "is_unverified_change"],
             wrap=["bank_name", "beneficiary", "verified", "flags"], column_config={
                 "account_number_masked": "Account", "bank_name": "Bank", "bank_country": "Country",
                 "beneficiary": "Beneficiary", "first_seen_on": st.column_config.DateColumn("First seen"),
                 "verified": st.column_config.TextColumn(
                     "Verified", help="Not verified: no check by a method that counts (an e-mail reply does not)."),
                 "flags": st.column_config.TextColumn(
                     "What is new", help="A new account, in a country the supplier was not paid in before, or "
                                         "offshore (a bank outside the supplier's country); an unverified one must "
                                         "be called back before any payment."),
                 "verified_on": st.column_config.DateColumn("Verified on"), "verification_method": "Method",
                 "is_new_account": "New", "is_new_country": "New country", "is_offshore": "Offshore",
                 "is_unverified_change": "Unverified change"})

checks = queries.supplier_background_checks(supplier_id)
if not checks.empty:
    st.markdown("**Background checks**")
    # the data carries no check date for any supplier (the signal is unknown, marts.score_unknown_signals): a check
    # not recorded here may have been done, so it is not called "never checked"
    unmeasured = queries.score_unknown_signals()
    absent = not unmeasured.empty and "background_checks" in set(unmeasured["signal"])
    if absent:
        checks = checks.assign(state=checks["state"].replace({"not checked": "not recorded"}))
    unknown = checks[checks["state"].isin(["not checked", "not recorded", "expired"])]
    if not unknown.empty:
        st.warning("; ".join(f"{CHECK_SOURCES.get(r.source, r.source)}: "
                             + ("never checked, so unknown (not clean)" if r.state == "not checked"
                                else "not recorded in the imported data, so unknown (not clean)"
                                if r.state == "not recorded"
                                else f"checked {pd.Timestamp(r.checked_on):%Y-%m-%d}, expired "
                                     f"{pd.Timestamp(r.expires_on):%Y-%m-%d}")
                             for r in unknown.itertuples()) + ". Re-check before the next order"
                   + (" and record the dates in the suppliers file (registry_checked_on, records_checked_on) so "
                      "that they count." if absent else "."),
                   icon=":material/help:")
    ui.table(checks.assign(source=checks["source"].map(CHECK_SOURCES).fillna(checks["source"])),
             "supplier_background_checks_table", f"{supplier_id}_background_checks.csv", column_config={
                 "source": "Check", "state": st.column_config.TextColumn(
                     "State", help="Checked (within its validity), expired, undated (values without a date), not "
                                   "checked, or not recorded (the data has no check dates for any supplier): blank "
                                   "values count as unknown, never as clean."),
                 "checked_on": st.column_config.DateColumn("Checked"),
                 "expires_on": st.column_config.DateColumn("Counts until"), "finding": "Found"})

st.subheader("Order timeline")


def _timeline() -> pd.DataFrame:
    events = queries.supplier_timeline(supplier_id)
    controls_events = queries.supplier_control_events(supplier_id)
    if controls_events.empty:
        return events
    return pd.concat([events, controls_events], ignore_index=True).sort_values(["event_on", "event"], kind="stable")


timeline = ui.computed("supplier_timeline", _timeline, supplier_id)
if timeline.empty:
    st.info("No orders, payments, inspections, shipments or returns for this supplier.")
else:
    def timeline_chart() -> go.Figure:
        events = timeline
        returns = events["event"] == "Return"
        if returns.sum() > WEEKLY_RETURNS_ABOVE:  # thousands of dots on one line read as a smear: one a week
            weekly = events[returns].assign(event_on=events.loc[returns, "event_on"].dt.to_period("W").dt.start_time)
            weekly = weekly.groupby("event_on", as_index=False).agg(
                n=("event", "size"), quantity=("quantity", "sum"), amount=("amount", "sum"))
            weekly = weekly.assign(event="Return", po_id="", detail=[
                f"{display.count_words(n, 'return')}, {display.count_words(int(q), 'unit')} in the week of {w:%Y-%m-%d}"
                for n, q, w in zip(weekly["n"], weekly["quantity"].fillna(0), weekly["event_on"])])
            events = pd.concat([events[~returns], weekly.drop(columns="n")], ignore_index=True)
        plot = events.assign(amount_text=events["amount"].map(lambda v: ui.money(v)),
                             po_id=ui.chart_text(events["po_id"]), detail=ui.chart_text(events["detail"]))
        fig = px.scatter(plot, x="event_on", y="event", color="event", color_discrete_map=EVENT_COLOURS,
                         category_orders={"event": EVENT_ORDER}, hover_name="po_id",
                         hover_data={"detail": True, "amount_text": True, "event": False, "event_on": "|%Y-%m-%d"},
                         labels={"amount_text": "amount", "detail": ""})
        fig.update_traces(marker=dict(size=9, opacity=0.75))
        fig.update_layout(showlegend=False)
        grouped = " (returns one point a week)" if len(events) < len(timeline) else ""
        ui.day_axis(fig, events["event_on"])
        return ui.style(fig, f"{len(timeline):,} events{grouped}", "Date", "", height=340)

    ui.cached_chart("supplier_timeline_chart", timeline_chart, supplier_id)
    # drawn when asked for: a big supplier has thousands of events, which every visit would send to the browser
    if st.toggle(f"Show the {len(timeline):,} events as a table", key="supplier_timeline_show"):
        # the latest event first: what happened lately is on top, not thousands of rows down
        ui.table(timeline.iloc[::-1], "supplier_timeline_table", f"{supplier_id}_timeline.csv",
                 column_config={"event_on": st.column_config.DateColumn("Date"), "amount": ui.money_col("Amount")})

st.subheader("Inspections against the plan")
lots = queries.inspection_lots(supplier_id=supplier_id)
blind = queries.supplier_blind_spot(supplier_id)
switching = queries.inspection_switching((supplier_id,))
stopped, switching_text = ui.switching_summary(switching) if not switching.empty else (False, "")
if not blind.empty:
    b = blind.iloc[0]
    i1, i2, i3, i4 = ui.tiles([1, 1, 1, 1.6])  # the plan ("Level II · AQL 2.5") needs the widest box
    i1.metric("Lots inspected", ui.number(b["lots_inspected"]), border=True,
              help="Pre-shipment inspections with a decision (marts.inspection_blind_spot).")
    traced = queries.returns_name_lots()   # lots judged by their field returns at all (marts.inspection_lot_facts)
    # no escape rate without a passed lot on sale long enough to judge: say which, not a bare dash
    unjudged = (None if pd.notna(b["escape_rate"]) else "no lot passed" if not b["lots_passed"]
                else "no return names its lot" if not traced
                else "no passed lot on sale long enough")
    i2.metric("Escape rate", ui.pct(b["escape_rate"]), border=True, delta=unjudged, delta_color="off",
              delta_arrow="off",
              help="Share of mature passed lots whose field defect rate (defect-coded returns per unit delivered) "
                   f"exceeded the lot's major AQL; 90% interval {ui.pct(b['escape_rate_lower'])}–"
                   f"{ui.pct(b['escape_rate_upper'])}.")
    i3.metric("Escaped value", ui.metric_money(b["escaped_value"]) if traced else "–", border=True,
              help="Refunds, write-offs and quality costs of lots that passed inspection but escaped.")
    plan = (f"Level {b['recommended_level']} · AQL {b['recommended_aql_major']:g}"
            if pd.notna(b["recommended_level"]) and pd.notna(b["recommended_aql_major"]) else "–")
    # the major defects' switching stage, when the next lot is not on the normal plan: "Next lot, tightened"
    major_stage = switching.loc[switching["defect_class"] == "major", "current_stage"] if not switching.empty \
        else pd.Series(dtype=object)
    stage_now = str(major_stage.iloc[0]) if len(major_stage) and pd.notna(major_stage.iloc[0]) else "normal"
    next_lot = f"Next lot, {stage_now}" if stage_now in ("tightened", "reduced") else "Next lot"
    if stopped:  # no sampling plan accepts lots until the supplier has improved (ISO 2859-1)
        i4.metric("Next lot", "Discontinued", border=True,
                  help=f"Switching rules: {ui.switching_stage('discontinued')}. Plan once sampling resumes: {plan}; "
                       f"now: level {b['current_level']}, AQL {ui.number(b['current_aql_major'], 1)}.")
    else:
        i4.metric(next_lot, plan, border=True,
                  help=f"Now: level {b['current_level']}, AQL {ui.number(b['current_aql_major'], 1)}. "
                       + (f"Major defects on {stage_now} inspection ({ui.switching_stage(stage_now)}). "
                          if stage_now != "normal" else "") + f"{b['note'] or ''}")
if stopped:
    st.error(switching_text, icon=":material/block:")
elif switching_text:
    st.caption(switching_text)
if not blind.empty and not stopped:
    st.info(ui.md(display.inspection_action(blind.iloc[0])), icon=":material/fact_check:")
if lots.empty:
    ui.missing("marts.inspection_lots", "inspected lots", needs=("inspections",))
else:
    lots = lots.sort_values("inspected_on")
    lots = lots.assign(result=display.lot_results(lots))  # a lot failed on minor defects sits under the Ac line

    def lots_chart() -> go.Figure:
        fig = go.Figure()
        fig.add_trace(go.Scatter(x=lots["inspected_on"], y=lots["major_plan_accept"], mode="lines", name="Accept (Ac)",
                                 line=dict(color="#2f9e44", dash="dot", shape="hv")))
        passed = lots["passed_psi"].fillna(False).astype(bool)
        escaped = lots["is_escape"].fillna(False).astype(bool)
        for mask, name, colour in ((passed & ~escaped, "Passed", "#1f4e79"),
                                   (passed & escaped, "Passed, escaped", "#f08c00"), (~passed, "Failed", "#d9480f")):
            part = lots[mask]
            fig.add_trace(go.Scatter(x=part["inspected_on"], y=part["major_defects"], mode="markers", name=name,
                                     marker=dict(color=colour, size=9), customdata=part[["po_id", "sample_size",
                                                                                          "major_plan_sample_size",
                                                                                          "result"]],
                                     hovertemplate="%{customdata[0]}: %{y} major defects in %{customdata[1]} sampled "
                                                   "(plan n=%{customdata[2]})<br>%{customdata[3]}<extra></extra>"))
        ui.count_axis(fig, max(lots["major_defects"].max(), lots["major_plan_accept"].max()))
        ui.day_axis(fig, lots["inspected_on"])  # one lot inspected: dates, not the milliseconds of its day
        return ui.style(fig, "Major defects found against the plan's acceptance number", "Inspection date",
                        "Major defects in the sample", height=340)

    ui.cached_chart("supplier_inspections_chart", lots_chart, supplier_id)
    # each lot against its plan, its result and whether it escaped, at 1440 px; the plan's parts one by one, the
    # sample taken (the plan followed or not), the lot size and the field defect rate go to the download
    plans = display.lot_plans(lots)
    stage_known = "major_stage" in lots  # a warehouse built before the lots carried their stage has none
    # the latest lot first: what the supplier ships now (the chart above runs in time)
    ui.table(lots.assign(plan=plans, stage=display.lot_stages(lots) if stage_known else display.BLANK)
             .sort_values(["inspected_on", "po_id"], ascending=[False, True]),
             "supplier_lots_table", f"{supplier_id}_inspection_lots.csv",
             columns=["inspected_on", "po_id", "stage", "plan", "major_defects", "result", "escaped_value"],
             download_columns=["passed_psi", "is_escape", "is_plan_followed", "sample_size", "lot_size",
                               "inspection_level", "aql_major",
                               "major_code_letter", "major_plan_sample_size", "major_plan_accept",
                               "field_defect_rate"] + (["critical_stage", "major_stage", "minor_stage"]
                                                       if stage_known else []),
             wrap=["stage", "plan", "result"], column_config={"inspected_on": st.column_config.DateColumn("Inspected"),
                            "stage": st.column_config.TextColumn(
                                "Stage", help="The ISO 2859-1 switching stage the supplier was on when the lot was "
                                              "inspected (major defects; a class held to a stricter stage is named): "
                                              "tightened plans accept fewer defects than the normal plan shown; "
                                              "discontinued: no lot should have been accepted on sampling, until "
                                              "the supplier closed a corrective action."),
                            "plan": st.column_config.TextColumn(
                                "Plan", help="ISO 2859-1 normal-inspection plan for the lot size: inspection level, "
                                             "major AQL, sample size n and acceptance number Ac (the most major "
                                             "defects the sample may hold; critical and minor defects have their "
                                             "own, see Result). A lot sampled below its plan's n (major or minor) "
                                             "says how many units were sampled."),
                            "sample_size": "Sampled", "major_defects": "Major defects",
                            "passed_psi": "Passed", "is_plan_followed": "Plan followed",
                            "result": st.column_config.TextColumn(
                                "Result", help="The pre-shipment inspection's result; a failed lot names the defect "
                                               "classes found above their acceptance number (critical, major, "
                                               "minor): a lot can fail on critical or minor defects with few major "
                                               "ones. A passed lot escaped when the share of its delivered units "
                                               "returned defective exceeded its major AQL."),
                            "is_escape": st.column_config.CheckboxColumn(
                                "Escaped", help="Passed, but its field defect rate (defect-coded returns per unit "
                                                "delivered; in the download) exceeded the lot's major AQL."),
                            "escaped_value": ui.money_col("Escaped money"),
                            "major_plan_sample_size": "Plan n", "major_plan_accept": "Plan Ac",
                            "major_code_letter": "Letter", "field_defect_rate": ui.pct_col("Field defect rate")})

capas = queries.corrective_actions(supplier_id=supplier_id)
if not capas.empty:
    st.markdown("**Corrective actions**")
    overdue = int(capas["is_overdue"].fillna(False).astype(bool).sum())
    failed = int(capas["is_closed_but_next_lot_failed"].fillna(False).astype(bool).sum())
    if overdue or failed:
        st.warning(" ".join(t for t in (
            f"{display.count_words(overdue, 'corrective action')} open past {'its' if overdue == 1 else 'their'} due "
            "date." if overdue else "",
            f"{display.count_words(failed, 'closed corrective action')} whose next lot failed again: the fix did not "
            "hold." if failed else "") if t),
                   icon=":material/build:")
    ui.table(capas, "supplier_capas_table", f"{supplier_id}_corrective_actions.csv",
             columns=[c for c in ui.CAPA_COLUMNS if c != "supplier_name"], column_config=ui.capa_config(),
             download_columns=["supplier_name", *ui.CAPA_DOWNLOAD], wrap=ui.CAPA_WRAP)

orders = queries.open_orders(supplier_id=supplier_id)
if not orders.empty:
    st.subheader("Open orders: release or hold the balance")
    held, ready, waiting = (int(display.balances_by_verdict(orders).get(v, 0))
                            for v in (release.HOLD, release.RELEASE, release.NOT_READY))
    said = [f"Hold the balance of {display.count_words(held, 'order')}: see why below (the download and the "
            "Open orders page have every reason)." if held else "",
            f"{display.count_words(ready, 'balance')} ready to release: every condition of the checklist holds."
            if ready else "",
            f"{display.count_words(waiting, 'order')} not ready yet: inspection, shipment or documents still to come."
            if waiting else ""]
    late = display.late_to_ship(orders)
    if len(late):  # the supplier to chase: nothing shipped past the promise and the tolerance
        said.append(f"{display.count_words(len(late), 'order')} late to ship, up to "
                    f"{display.count_words(int(late['days_late'].max()), 'day')} past the promised date: chase the "
                    "supplier.")
    text = " ".join(t for t in said if t)
    if held:  # the most pressing first: a hold, else a balance to pay, else orders on their way
        st.error(text, icon=":material/front_hand:")
    elif ready:
        st.success(text, icon=":material/check_circle:")
    elif waiting:
        st.info(text, icon=":material/schedule:")
    orders = display.order_answers(display.by_decision(orders))  # as the Open orders page lists them
    unchecked = ["not_checked"] if orders["not_checked"].fillna("").astype(str).str.strip().ne("").any() else []
    ui.table(orders, "supplier_open_orders_table", f"{supplier_id}_open_orders.csv",
             columns=["po_id", "verdict", "why_held", "balance_outstanding", "balance_due_in", "deposit_at_risk",
                      *unchecked],
             download_columns=["ordered_on", "balance_due_on", "days_until_balance_due", "hold_reasons",
                               "not_checked"],
             column_config={"po_id": "Order", "verdict": "Verdict", "why_held": st.column_config.TextColumn(
                                "Why not released", help="The most telling check the order fails, else what is still "
                                                         "to come (not ready), and how many more; the download has "
                                                         "every reason."),
                            "balance_outstanding": ui.money_col("Balance"), "balance_due_in": "Balance due",
                            "deposit_at_risk": ui.money_col("Deposit at risk"), "not_checked": "Not checked"})

st.subheader("Landed cost and leakage")
exposure = queries.adcvd_exposure(supplier_id=supplier_id)
adcvd = display.adcvd_warning(exposure, ui.md) if exposure is not None and not exposure.empty else ""
if adcvd:  # its goods under an AD/CVD order: a deposit of up to several times their value, in landed cost only
    st.warning(adcvd, icon=":material/gavel:")  # where the broker declared it
declared = display.adcvd_declared(exposure, ui.md) if exposure is not None else ""
if declared:
    st.info(declared, icon=":material/gavel:")
breakdown = queries.landed_breakdown(supplier_id=supplier_id)
steps = queries.leakage_waterfall(supplier_id=supplier_id)
left, right = ui.beside(*display.PAIR_PX)
with left:
    if breakdown.empty or not breakdown["po_count"].iloc[0]:
        ui.missing("marts.landed_cost_po", "landed purchase orders", needs=("shipments",))
    else:
        flags = queries.landed_rate_flags(None, supplier_id, None)
        flag = flags.iloc[0] if not flags.empty and flags["shipment_count"].iloc[0] else None
        ui.landed_breakdown(breakdown.iloc[0], "supplier_breakdown_chart",
                            display.breakdown_unknowns(flag, queries.imported("inspections")))
with right:
    if steps.empty:
        ui.missing("marts.margin_leakage", "leakage waterfall", needs=("sales",))
    else:
        ui.leakage_waterfall(steps, "supplier_waterfall_chart")

st.subheader("Score history and what changed")
history = queries.supplier_risk_history(supplier_id)
changes = queries.supplier_score_changes(supplier_id)
if history.empty:
    ui.missing("marts.supplier_risk_history", "score history")
else:
    def history_chart() -> go.Figure:
        fig = px.line(history, x="month_on", y="risk_score", markers=True)
        fig.update_traces(line_color="#1f4e79")
        fig.update_yaxes(range=[0, max(100, float(history["risk_score"].max()) + 5)])
        ui.month_axis(fig, history["month_on"])  # months ("May 2026"), one of them a month either side
        return ui.style(fig, "Risk score at the start of each month", "Month", "Risk score", height=300)

    ui.cached_chart("supplier_history_chart", history_chart, supplier_id)
if changes.empty:
    st.caption("No signal moved since last month." if queries.has_table("marts.supplier_score_changes")
               else "Score changes are not built in this warehouse.")
else:
    # What changed without the head the Signal and Change columns already say ("Critical defects: +0.3 pts. ");
    # the download keeps the whole explanation
    ui.table(changes.assign(what_changed=changes["explanation"].map(display.score_change_detail)),
             "supplier_changes_table", f"{supplier_id}_score_changes.csv",
             columns=["signal", "pillar", "points_last_month", "points_now", "delta", "what_changed"],
             download_columns=["explanation"],
             optional=["pillar"],  # on a narrow screen: the download keeps it
             wrap=["signal"],  # a signal's name on two lines: What changed gets the room, rows of 114 px, not 154
             column_config={"points_last_month": st.column_config.NumberColumn("Last month", format="%.1f"),
                            "points_now": st.column_config.NumberColumn("Now", format="%.1f"),
                            "delta": st.column_config.NumberColumn("Change", format="%+.1f"),
                            "what_changed": st.column_config.TextColumn("What changed", width="large")})

calibration = queries.model_calibration()
if not calibration.empty:
    with st.expander("Does the incident probability match what happened? (calibration)"):
        def calibration_chart() -> go.Figure:
            named = calibration.assign(model_name=[display.words(m, "model_name") for m in calibration["model_name"]])
            fig = px.line(named, x="mean_predicted", y="observed_rate", color="model_name", markers=True,
                          hover_data={"n": True}, labels={"model_name": "Score"})
            fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="Predicted = observed",
                                     line=dict(dash="dot", color="#888")))
            if prob is not None and pd.notna(prob):
                fig.add_vline(x=float(prob), line_color="#d9480f", annotation_text="this supplier")
            return ui.style(fig, "Predicted vs observed incident rate, past orders in ten groups by prediction",
                            "Mean predicted probability", "Observed incident rate", height=360)

        ui.cached_chart("supplier_calibration_chart", calibration_chart, calibration,
                        None if prob is None or pd.isna(prob) else float(prob), width_px=ui.expander_px())

st.subheader("Recommended next actions")
action = queries.supplier_reaudit(supplier_id)
if action.empty:
    if queries.has_table("marts.reaudit_queue"):
        st.success("Not in the re-audit queue: no trigger fired.")
    else:
        ui.missing("marts.reaudit_queue", "re-audit recommendations")
else:
    plan = ui.computed("reaudit_plan", lambda: display.reaudit_plan(queries.reaudit_queue()))
    a = plan[plan["supplier_id"] == supplier_id].iloc[0] if (plan["supplier_id"] == supplier_id).any() \
        else display.reaudit_plan(action).iloc[0]
    # each reason on its own line, named as in the Why column (marts.reaudit_reasons); a warehouse built before that
    # mart has the queue's one text, said after the triggers
    items = display.reason_items(queries.reaudit_reasons(supplier_id=supplier_id)) or [("", a["reason"])]

    def listed(said: list[tuple[str, str]]) -> str:
        return "\n".join(f"- **{ui.md(t)}**: {ui.md(f)}" if t else f"- {ui.md(f)}" for t, f in said)

    tested = [(t, f) for t, f in items if display.without_statistics(f) != f]  # the findings of a statistical test

    when = display.due_words(a["days_until_due"])  # the planner's words: "1 day overdue", "today", "in 36 days"
    group = dict((k, h) for k, h, _ in display.REAUDIT_GROUPS).get(a["group"], "")
    # the triggers named apart only when the lines below do not name them (the routine cycle, an older warehouse)
    unnamed = isinstance(a["triggers"], str) and a["triggers"] and all(not t for t, _ in items)
    st.warning(f"**{ui.md(display.words(a['suggested_action'], 'suggested_action'))}**: re-audit due "
               f"{pd.Timestamp(a['due_on']):%Y-%m-%d} ({when}; #{int(a['plan_rank'])} of {len(plan):,} in the "
               f"re-audit plan, {ui.md(group.lower())}).\n\n"
               + (f"Why: {ui.md(display.words(a['triggers'], 'trigger'))}.\n\n" if unnamed else "")
               + listed([(t, display.without_statistics(f)) for t, f in items]), icon=":material/event_upcoming:")
    if tested:
        with st.expander("How we know"):
            st.markdown(listed(tested))
            st.caption("A rate triggers only when the count is unlikely under its peers' rate (a binomial test) "
                       "or the supplier's own earlier rate (Fisher's exact test) at the 5% level.")
