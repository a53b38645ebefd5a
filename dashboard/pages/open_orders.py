"""Open orders: deposits at risk, balances coming due, and for each balance: release it, or hold it and why."""

import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import display, filters, queries
from models import po_status, release

STATUS = {"pass": "✓", "fail": "✗ fails", "pending": "to come", "not recorded": "not recorded"}
VIEWS = {"due": "Balances due this week", "release": "Ready to release", "hold": "On hold", "late": "Late to ship",
         "all": "All open orders"}
# the answer on screen at 1440 px (which order, release or hold and why, how much, by when); the rest in the download
COLUMNS = ["po_id", "supplier_name", "verdict", "why_held", "balance_outstanding", "balance_due_in", "deposit_at_risk"]
DOWNLOAD = ["sku", "ordered_on", "balance_due_on", "days_until_balance_due", "order_value", "paid_amount",
            "hold_reasons", "not_checked"]

st.title("Open orders")
if ui.require_warehouse():
    ui.as_of_caption(counts_to_as_of=True)
    filters.caption()
    orders = queries.open_orders(filters.supplier_ids())
    if orders.empty and queries.has_table("marts.open_orders") and not queries.imported("payments"):
        # without payments only an unshipped order is known to be open (models/release.py), and without shipments
        # none is known to be unshipped
        shipped = ("every order " + ("of this selection " if filters.supplier_ids() is not None else "")
                   + "has shipped in full. No payments file was imported" if queries.imported("shipments") else
                   "neither a shipments nor a payments file was imported")
        st.info(f"No order is known to be open: {shipped}, so no balance is known to be owed. Import payments on the "
                "Data page to see balances and decide their release.", icon=":material/upload_file:")
        st.stop()
    if orders.empty:
        ui.missing("marts.open_orders", "open orders")
        st.stop()
    cfg = release.load_config()
    due_days = cfg["due_soon_days"]
    unpaid = orders["balance_outstanding"] > 0
    due = orders["is_balance_due_soon"].fillna(False).astype(bool)
    hold = orders["verdict"] == release.HOLD
    not_ready = orders["verdict"] == release.NOT_READY
    overdue = due & display.is_overdue(orders)  # a balance waiting for its shipment waits for the goods
    # nothing shipped and the promise plus the on-time tolerance passed (a warehouse built before the column: none)
    late = display.late_to_ship(orders)
    late_unknown = display.lateness_unknown(orders, queries.imported("shipments"))
    shipments_known = not late_unknown and "is_late_to_ship" in orders

    c1, c2, c3, c4 = ui.tiles(4)
    tolerance = po_status.settings_from(queries.kpi_settings()).on_time_days
    c1.metric("Open orders", f"{len(orders):,}", f"{len(late):,} late to ship" if shipments_known else None,
              delta_color="off", delta_arrow="off", border=True,
              help="Orders not shipped in full, or shipped with a balance still to pay (ordered within the last "
                   f"{cfg['recent_days']} days). Late to ship: nothing shipped, more than {tolerance} days after "
                   "the promised ship date (the on-time rule of the delivery KPIs): chase the supplier; what was "
                   "paid on it is at risk.")
    paid_known = queries.imported("payments")
    deposits_unknown = ui.deposits_unknown()
    unknown = "" if paid_known else deposits_unknown  # without payments: the payments sentence
    c2.metric("Deposits at risk", "–" if deposits_unknown else ui.metric_money(orders["deposit_at_risk"].sum()),
              border=True, help="Money paid on open orders of which nothing has shipped yet." + deposits_unknown)
    c3.metric(f"Balances due in {due_days} days",
              ui.metric_money(orders.loc[due, "balance_outstanding"].sum()) if paid_known else "–",
              f"{display.count_words(int(due.sum()), 'order')}, {int(overdue.sum()):,} overdue"
              if paid_known else None,
              delta_color="off", delta_arrow="off",  # a count beside the sum, not a change
              border=True, help=f"Unpaid balances whose due date is within {due_days} days of the analysis date "
                                "or already past (the due date of the payment terms, else the promised ship date). "
                                "Overdue: past that date with goods shipped, or past the terms' own date; the "
                                "balance of an order whose promised ship date passed with nothing shipped is due on "
                                "shipment: it waits for the goods." + unknown)
    waiting = int((not_ready & unpaid).sum()) if paid_known else int(not_ready.sum())
    c4.metric("Balances on hold", f"{int((hold & unpaid).sum()):,} of {int(unpaid.sum()):,}" if paid_known else
              f"{int(hold.sum()):,} of {ui.count_words(len(orders), 'order')}", f"{waiting:,} more not ready yet",
              delta_color="off", delta_arrow="off", border=True,
              help="Unpaid balances where a check of the release checklist found something wrong (a failed or "
                   "looser inspection, money to another entity, an unverified bank account, an unconfirmed change, an "
                   "open critical corrective action, no golden sample): do not pay them until it is cleared. Not "
                   "ready: nothing has failed, but the inspection, the shipment or its documents are still to come, "
                   "as on any order on its way." + (unknown and " Counted over the open orders instead."))

    with st.expander("The release checklist"):
        st.markdown("A balance is released only when every condition holds (models/config/release.toml, rules "
                    f"version {ui.md(cfg['rules_version'])}):")
        for name in release.CONDITIONS:
            if cfg["conditions"][name].get("enabled", True):
                st.markdown(f"- {ui.md(cfg['conditions'][name]['label'])}")
        st.caption("A check still to come on an order on its way (no pre-shipment inspection yet, not shipped, "
                   "documents not yet in hand) makes its balance not ready; a check that found something wrong puts "
                   "it on hold. A condition whose data was not imported at all (no bank accounts, no changes, no "
                   "corrective actions, no document dates) is listed as not checked: it does not hold an order, and "
                   "it is not a pass either.")

    view = st.segmented_control("Show", list(VIEWS), format_func=VIEWS.get, key="open_orders_view", default="due",
                                help="Balances due this week include overdue ones. Ready to release: every "
                                     "condition holds, the balance can be paid.") or "due"
    ready = orders["verdict"] == release.RELEASE
    # in the order a founder decides them: ready to release, on hold, not ready (then paid), most overdue first
    # late to ship: the latest first, the ones to chase
    shown = late if view == "late" else display.by_decision(
        {"due": orders[due], "release": orders[ready], "hold": orders[hold]}.get(view, orders))
    if shown.empty:
        empty = {"due": "No balance is due this week.",
                 "release": "No balance is ready to release: every unpaid one fails a check or waits for its "
                            "inspection, shipment or documents.",
                 "hold": "No order is on hold: no check found anything wrong.",
                 "late": "No order is late to ship: every one past its promised date has shipped something."
                 if shipments_known else
                 f"Not known: {late_unknown or 'this warehouse was built before lateness was recorded; rebuild it'}."}
        good = view != "release" and (view != "late" or shipments_known)  # an empty list that is good news
        (st.success if good else st.info)(empty.get(view, "No open order."))
        st.stop()

    def counts(status: str) -> str:
        """The checks in `status` on the shown orders, most orders first: "Golden sample approved (10); …"."""
        n = pd.Series({cfg["conditions"][c]["label"]: int((shown[c] == status).sum()) for c in release.CONDITIONS
                       if c in shown and shown[c].notna().any()})
        return "; ".join(f"{ui.md(label)} ({k:,})" for label, k in n[n > 0].sort_values(ascending=False).items())

    failed, to_come = counts(release.FAIL), counts(release.PENDING)
    said = [f"Checks these orders fail, with the number held by each: {failed}." if failed else "",
            f"Still to come on orders on their way: {to_come}." if to_come else ""]
    if any(said):
        st.caption(" ".join(t for t in said if t))

    table = display.order_answers(shown)
    # a condition not checked (its data not imported) is shown when some order has one
    unchecked = ["not_checked"] if table["not_checked"].fillna("").astype(str).str.strip().ne("").any() else []
    # on a narrow screen the deposit at risk goes to the download (the tile above has the total), so that Why not
    # released has the room: at 1280 px the rows were 194 px, 4 of 74 in view, and are 94 (9 in view; 74 px, 11, at 1440)
    # late to ship: how late stands where the balance's due date stood (the download keeps both)
    columns = [("days_late" if c == "balance_due_in" and view == "late" else c) for c in COLUMNS] + unchecked
    download = DOWNLOAD + [c for c in ("promised_ship_on", "is_late_to_ship", "days_late") if c in table]
    ui.table(table, "open_orders_table", "open_orders.csv", columns=columns, download_columns=download,
             max_rows=12, optional=["deposit_at_risk"], column_config={
                 "days_late": st.column_config.NumberColumn(
                     "Days late", format="%d", help="Days since the promised ship date, with nothing shipped."),
                 "po_id": "Order", "supplier_name": "Supplier",
                 "verdict": st.column_config.TextColumn("Verdict", help="Release: every condition holds. Hold: a "
                                                                        "check found something wrong; pay nothing "
                                                                        "until it is cleared. Not ready: nothing "
                                                                        "wrong, but the inspection, shipment or "
                                                                        "documents are still to come. Paid: nothing "
                                                                        "left to pay."),
                 "why_held": st.column_config.TextColumn(
                     "Why not released", help="The most telling check the order fails (money to another entity or an "
                                              "open critical corrective action first), else what is still to come, "
                                              "and how many more; the download has every reason with its condition, "
                                              "the checklist per order below which checks fail."),
                 "balance_outstanding": ui.money_col("Balance"),
                 "balance_due_in": st.column_config.TextColumn(
                     "Balance due", help="From the analysis date to the balance's due date (the payment terms' due "
                                         "date, else the promised ship date); the download has the date. 'On "
                                         "shipment': nothing has shipped and the promised ship date has passed; "
                                         "the balance waits for the goods ('late' once the order is late to "
                                         "ship)."),
                 "deposit_at_risk": ui.money_col("Deposit at risk", help="Paid, with nothing shipped yet."),
                 "not_checked": st.column_config.TextColumn("Not checked",
                                                            help="Conditions whose data was not imported.")})

    with st.expander("Checklist per order"):
        conditions = [n for n in release.CONDITIONS if n in shown]
        checklist = shown[["po_id", "supplier_id", "supplier_name", *conditions]]
        checklist = checklist.assign(**{n: checklist[n].map(STATUS) for n in conditions})
        ui.table(checklist, "open_orders_checklist", "open_orders_checklist.csv", width_px=ui.expander_px(),
                 columns=["po_id", "supplier_name", *conditions], wrap=["supplier_name"], column_config={
                     "po_id": "Order", "supplier_name": "Supplier",
                     **{n: st.column_config.TextColumn(display.CONDITION_HEADERS.get(n, cfg["conditions"][n]["label"]),
                                                       help=cfg["conditions"][n]["label"])
                        for n in release.CONDITIONS}})
