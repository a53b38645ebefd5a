"""Pages on the default demo portfolio's warehouse: shown figures equal the marts they come from."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_portfolio_bands_red_flags_and_movers_match_the_score_marts(ui, demo_db, demo_con):
    at = ui.open(demo_db)
    shown = ui.metrics(at)
    spend, suppliers = demo_con.execute("select sum(spend), count(*) from marts.supplier_kpis").fetchone()
    assert shown["Spend"] == f"${spend:,.0f}" and shown["Suppliers"] == f"{suppliers:,}"
    bands = dict(demo_con.execute("select risk_band, count(*) from marts.supplier_risk_score group by 1").fetchall())
    assert {k.removesuffix(" band").lower(): int(v) for k, v in shown.items() if k.endswith(" band")} == bands
    flags = demo_con.execute("select sum(red_flag_count) from marts.supplier_risk_score").fetchone()[0]
    red = next(f for f in ui.frames(at) if "red_flag" in f.columns)
    assert len(red) == flags
    leakage = demo_con.execute("select sum(supplier_leakage) from marts.margin_leakage_wide").fetchone()[0]
    assert shown["Margin leakage"] == f"${float(leakage):,.0f}"
    movers = next(f for f in ui.frames(at) if "score_change" in f.columns)
    assert len(movers) <= 10 and movers["score_change"].abs().is_monotonic_decreasing
    # a band filter narrows the page to that band
    at.multiselect(key="f_band").set_value(["critical"]).run()
    assert ui.metrics(at)["Suppliers"] == str(bands["critical"])
    assert set(next(f for f in ui.frames(at) if "red_flag" in f.columns)["risk_band"]) <= {"critical"}


def test_supplier_page_shows_the_critical_suppliers_red_flags_and_signals(ui, demo_db, demo_con):
    sid, flags, score = demo_con.execute(
        "select supplier_id, red_flag_count, risk_score from marts.supplier_risk_score "
        "order by risk_score desc, supplier_id limit 1").fetchone()
    at = ui.open(demo_db, "supplier")
    assert at.selectbox(key="supplier").value == sid  # riskiest first
    assert ui.metrics(at)["Risk score"] == f"{score:.1f}"
    assert len([e for e in at.error if e.icon == ":material/flag:"]) == flags  # one callout per red flag
    signals = next(f for f in ui.frames(at) if "explanation" in f.columns and "max_points" in f.columns)
    expected = demo_con.execute("select count(*) from marts.supplier_signals where supplier_id = ?", [sid]).fetchone()
    assert len(signals) == expected[0]
    lots = demo_con.execute("select count(*) from marts.inspection_lots where supplier_id = ?", [sid]).fetchone()[0]
    table = next(f for f in ui.frames(at) if "major_plan_accept" in f.columns)
    assert len(table) == lots


def test_inspections_page_totals_match_the_blind_spot_mart(ui, demo_db, demo_con):
    at = ui.open(demo_db, "inspections")
    escaped, escapes, mature = demo_con.execute(
        "select sum(escaped_value), sum(escapes), sum(mature_passed_lots) from marts.inspection_blind_spot").fetchone()
    shown = ui.metrics(at)
    assert shown["Escaped money"] == f"${escaped:,.0f}"
    assert shown["Escape rate"] == f"{escapes / mature * 100:.1f}%"
    tightened = demo_con.execute("select count(*) from marts.inspection_switching "
                                 "where defect_class = 'major' and current_stage = 'tightened'").fetchone()[0]
    assert shown["Tightened (major)"] == str(tightened)
    # no sampling plan is recommended for a supplier whose inspection is discontinued under the switching rules
    stopped = {r[0] for r in demo_con.execute("select distinct s.supplier_name from marts.inspection_switching i "
                                              "join staging.suppliers s using (supplier_id) "
                                              "where i.current_stage = 'discontinued'").fetchall()}
    table = next(f for f in ui.frames(at) if "recommended_level" in f.columns)
    notes = table.set_index("supplier_name")["note"]
    assert stopped and stopped <= set(notes.index)
    assert notes[list(stopped)].str.startswith("Discontinued (ISO 2859-1 switching): ").all()
    assert not notes.drop(list(stopped)).str.startswith("Discontinued").any()
    plans = table.set_index("supplier_name")[["recommended_level", "recommended_sample_size"]]
    assert plans.loc[list(stopped)].isna().all().all()  # no sampling plan offered to a discontinued supplier
    assert plans.drop(list(stopped))["recommended_level"].notna().any()


def test_trader_vs_factory_shows_each_estimate_with_its_interval_and_n(ui, demo_db, demo_con):
    at = ui.open(demo_db, "trader_vs_factory")
    table = at.dataframe[0].value.set_index("metric")
    est, lo, hi, n = demo_con.execute(
        "select estimate, ci_low, ci_high, n_suppliers from marts.type_comparison "
        "where category = 'all' and metric = 'on_time_rate' and supplier_type = 'manufacturer'").fetchone()
    row = table.loc["On-time shipment rate"]
    assert row["Manufacturer"] == f"{est * 100:.1f}% ({lo * 100:.1f}% – {hi * 100:.1f}%)"
    assert row["Manufacturers (n)"] == n
    d_est, excludes = demo_con.execute(
        "select estimate, excludes_zero from marts.type_comparison where category = 'all' "
        "and metric = 'leakage_per_unit_sold' and supplier_type = 'trader_minus_factory'").fetchone()
    verdict = table.loc["Margin leakage per unit sold", "Verdict"]
    assert verdict == ("No clear difference" if not excludes else
                       "Traders worse" if d_est > 0 else "Traders better")
    # one category: the n shown are that category's
    at.selectbox(key="tvf_category").set_value("kitchen").run()
    n_kitchen = demo_con.execute(
        "select n_suppliers from marts.type_comparison where category = 'kitchen' and metric = 'on_time_rate' "
        "and supplier_type = 'trading_company'").fetchone()[0]
    assert at.dataframe[0].value.set_index("metric").loc["On-time shipment rate", "Trading companies (n)"] == n_kitchen


def test_trader_vs_factory_calls_no_difference_on_too_few_suppliers(ui, demo_db, demo_con):
    thin = demo_con.execute(
        "select category, metric from marts.type_comparison where category <> 'all' "
        "and supplier_type in ('manufacturer', 'trading_company') and n_suppliers < 3 "
        "order by category, metric limit 1").fetchone()
    at = ui.open(demo_db, "trader_vs_factory")
    assert "sidebar's type, country and band filters do not apply" in ui.texts(at)
    if thin is None:
        pytest.skip("every category cell of the demo has 3 or more suppliers")
    category, metric = thin
    at.selectbox(key="tvf_category").set_value(category).run()
    titles = {"on_time_rate": "On-time shipment rate", "defect_return_rate": "Defect returns per unit sold",
              "landed_cost_index": "Landed cost vs category median",
              "quote_to_landed_variance_pct": "Landed cost above quote",
              "leakage_per_unit_sold": "Margin leakage per unit sold", "realised_margin_pct": "Realised margin"}
    side = at.dataframe[0].value.set_index("metric")
    assert side.loc[titles[metric], "Verdict"] == "Too few suppliers (n<3)"
    at.selectbox(key="tvf_metric").set_value(metric).run()
    by_cat = next(f for f in ui.frames(at) if "note" in f.columns)
    n = demo_con.execute("select supplier_type, n_suppliers from marts.type_comparison where category = ? "
                         "and metric = ? and supplier_type in ('manufacturer', 'trading_company')",
                         [category, metric]).fetchall()
    cell = by_cat[by_cat["category"] == category].set_index("supplier_type")
    for t, k in n:
        assert cell.loc[t, "note"] == ("Too few suppliers (n<3)" if k < 3 else "")


def test_costs_waterfall_balances_on_the_demo(ui, demo_db, demo_con):
    at = ui.open(demo_db, "costs")
    planned, realised = demo_con.execute(
        "select sum(amount) filter (where step = 'planned_contribution'), "
        "sum(amount) filter (where step = 'realised_contribution') from marts.margin_leakage").fetchone()
    assert ui.metrics(at)["Margin leakage"] == f"${float(planned - realised):,.0f}"
    variance = next(f for f in ui.frames(at) if "variance_share" in f.columns)
    assert variance["variance_share"].is_monotonic_decreasing


def test_reaudit_planner_lists_the_ranked_queue(ui, demo_db, demo_con):
    at = ui.open(demo_db, "reaudit")
    exists = demo_con.execute("select count(*) from information_schema.tables "
                              "where table_schema = 'marts' and table_name = 'reaudit_queue'").fetchone()[0]
    if not exists:  # a build without the re-audit step: the page says which table is missing
        assert "has no `marts.reaudit_queue` table" in ui.texts(at)
        return
    n, overdue, due30, exposure = demo_con.execute(
        "select count(*), count(*) filter (where days_until_due < 0), "
        "count(*) filter (where days_until_due between 0 and 30), sum(open_exposure) from marts.reaudit_queue"
    ).fetchone()
    shown = ui.metrics(at)
    assert shown["Suppliers in the queue"] == f"{n:,}"
    assert shown["Overdue"] == f"{overdue:,}"
    assert shown["Due within 30 days"] == f"{due30:,}"
    assert shown["Open exposure"] == f"${exposure:,.0f}"
    lapsed = demo_con.execute("select count(*) filter (where is_audit_lapsed) from marts.reaudit_queue").fetchone()[0]
    assert shown["Audit lapsed"] == f"{lapsed:,}" and lapsed > overdue  # a lapse is a backlog, not "overdue"
    table = next(f for f in ui.frames(at) if "suggested_action" in f.columns)
    assert table["rank"].tolist() == sorted(table["rank"]) and table["rank"].iloc[0] == 1
    assert set(table["urgency"]) <= {"now", "soon", "catch-up", "routine"}
    at.segmented_control(key="reaudit_window").set_value("overdue").run()
    table = next(f for f in ui.frames(at) if "suggested_action" in f.columns)
    assert len(table) == overdue and (table["days_until_due"] < 0).all()
    # the 30-day window lists exactly the suppliers its metric counts: due in 0–30 days, overdue ones excluded
    at.segmented_control(key="reaudit_window").set_value("30").run()
    if due30:
        table = next(f for f in ui.frames(at) if "suggested_action" in f.columns)
        assert len(table) == due30 and table["days_until_due"].between(0, 30).all()
    else:
        assert "Nothing due in this window." in ui.texts(at)
    assert {b.label for b in at.get("download_button")} >= {"Download CSV", "Download Excel"}


def test_reaudit_chart_legend_follows_the_severity_of_the_action(ui, demo_db, demo_con):
    at = ui.open(demo_db, "reaudit")
    present = {a for (a,) in demo_con.execute("select distinct suggested_action from marts.reaudit_queue").fetchall()}
    severity = ["hold new orders", "on-site audit", "tighter inspection", "desk re-check"]  # risk_score.toml order
    expected = [a for a in severity if a in present]
    assert len(expected) >= 3  # enough actions in the demo queue for the order to mean something
    legend = [t["name"] for t in ui.chart(at, "reaudit_chart")["data"]]
    assert legend == expected and legend != sorted(legend)
    # each bubble sits in the trace of its own action
    counts = dict(demo_con.execute("select suggested_action, count(*) from marts.reaudit_queue group by 1").fetchall())
    assert {t["name"]: len(t["x"]) for t in ui.chart(at, "reaudit_chart")["data"]} == counts
    top = demo_con.execute("select priority from marts.reaudit_queue order by rank limit 1").fetchone()[0]
    table = next(f for f in ui.frames(at) if "suggested_action" in f.columns)
    assert table["priority"].iloc[0] == top  # exact, cents and all (the CSV and Excel are built from this frame)


def test_supplier_page_shows_the_predicted_probability_and_the_backtest_auc(ui, demo_db, demo_con):
    sid, prob = demo_con.execute("select supplier_id, predicted_incident_probability from marts.supplier_risk "
                                 "order by risk_score desc, supplier_id limit 1").fetchone()
    aucs = dict(demo_con.execute("select model_name, roc_auc from marts.model_backtest where fold = 0").fetchall())
    at = ui.open(demo_db, "supplier", query={"supplier": sid})
    assert ui.metrics(at)["Next-order incident risk"] == f"{prob * 100:.1f}%"
    caption = next(c.value for c in at.caption if "Incident model backtest" in c.value)
    assert f"backtest AUC {aucs['model']:.2f}" in caption
    assert f"the rule score alone {aucs['rule_score']:.2f}" in caption
    assert f"the naive baseline (the supplier's own past incident rate) {aucs['naive_baseline']:.2f}" in caption
    diff, low, high = demo_con.execute("select auc_difference, ci_low, ci_high from marts.model_comparison "
                                       "where model_name = 'model'").fetchone()
    assert f"edge over the naive baseline is {diff:+.3f} AUC, 95% interval {low:+.3f} to {high:+.3f}" in caption
    help_text = next(m.help for m in at.metric if m.label == "Next-order incident risk")
    assert "next order" in help_text and "14 days late" in help_text and "3%" in help_text


def test_supplier_page_says_plainly_when_switching_rules_discontinued_inspection(ui, demo_db, demo_con):
    found = demo_con.execute(
        "select supplier_id, max(last_transition_on) from marts.inspection_switching "
        "where current_stage = 'discontinued' and defect_class = 'major' "
        "and supplier_id not in (select supplier_id from marts.inspection_switching "
        "    where current_stage = 'discontinued' and defect_class <> 'major') "
        "group by 1 order by 1 limit 1").fetchone()
    assert found, "the demo has a supplier whose major-defect inspection is discontinued"
    sid, since = found
    at = ui.open(demo_db, "supplier", query={"supplier": sid})
    assert f"**Inspection discontinued** for major defects since {since:%Y-%m-%d} (ISO 2859-1 switching rules): " \
           "5 lots rejected while tightened; stop accepting lots under sampling until the supplier improves." \
           in [e.value for e in at.error]
    assert ui.metrics(at)["Recommended level"] == "Discontinued"
    # the Inspections page counts those suppliers and says the same
    stopped = demo_con.execute("select count(*) from marts.inspection_switching "
                               "where defect_class = 'major' and current_stage = 'discontinued'").fetchone()[0]
    at.switch_page(ui.pages["inspections"]).run()
    assert ui.metrics(at)["Discontinued (major)"] == f"{stopped:,}"
    assert f"**{stopped:,} supplier(s) discontinued** for major defects: 5 lots rejected while tightened; " \
           "stop accepting lots under sampling until the supplier improves." in [e.value for e in at.error]


def test_costs_sku_picker_keeps_to_the_chosen_category(ui, demo_db, demo_con):
    at = ui.open(demo_db, "costs", query={"category": "kitchen"})
    at.radio(key="costs_scope").set_value("Supplier").run()
    suppliers = [r[0] for r in demo_con.execute(
        "select distinct supplier_id from staging.products where category = 'kitchen'").fetchall()]
    assert sorted(o.rsplit("(", 1)[1].rstrip(")") for o in at.selectbox(key="costs_supplier").options) == \
        sorted(suppliers)
    at.radio(key="costs_scope").set_value("SKU").run()
    kitchen = [r[0] for r in demo_con.execute(
        "select sku from staging.products where category = 'kitchen' order by sku").fetchall()]
    every = demo_con.execute("select count(*) from staging.products where supplier_id in "
                             "(select supplier_id from staging.products where category = 'kitchen')").fetchone()[0]
    assert every > len(kitchen)  # these suppliers sell other categories too: the filter is what keeps them out
    assert [o.split(" · ")[0] for o in at.selectbox(key="costs_sku").options] == kitchen
