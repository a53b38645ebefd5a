"""Pages on the default demo portfolio's warehouse: shown figures equal the marts they come from."""

from __future__ import annotations

import json
import pandas as pd
import pytest

from dashboard import display
from dashboard.display import money, money_short, words
from models import incident_model as im
from models import scoring

pytestmark = pytest.mark.slow


def test_portfolio_bands_red_flags_and_movers_match_the_score_marts(ui, demo_db, demo_con):
    at = ui.open(demo_db)
    shown = ui.metrics(at)
    spend, suppliers = demo_con.execute("select sum(spend), count(*) from marts.supplier_kpis").fetchone()
    assert shown["Spend"] == f"${spend:,.0f}" and shown["Suppliers"] == f"{suppliers:,}"
    bands = dict(demo_con.execute("select risk_band, count(*) from marts.supplier_risk_score group by 1").fetchall())
    # a tile per band of the score, worst first, an empty band at 0
    tiles = [(m.label, m.value) for m in at.metric if m.label.endswith(" band")]
    assert tiles == [(f"{b.capitalize()} band", f"{bands.get(b, 0):,}") for b in reversed(scoring.BAND_ORDER)]
    assert sum(bands.values()) == suppliers  # every supplier is scored (data check risk_every_supplier_scored)
    # one row per supplier with a red flag, its flags in words in the mart's order of codes, riskiest first
    flags = demo_con.execute("select supplier_id, list(flag order by flag) from marts.supplier_red_flags "
                             "group by supplier_id").fetchall()
    red = next(f for f in ui.frames(at) if "red_flags" in f.columns)
    assert sorted(red["supplier_id"]) == sorted(sid for sid, _ in flags)
    assert dict(zip(red["supplier_id"], red["red_flags"])) == {
        sid: "; ".join(words(f, "red_flag") for f in codes) for sid, codes in flags}
    assert red["risk_score"].is_monotonic_decreasing
    n_flags = sum(len(codes) for _, codes in flags)
    assert max(len(codes) for _, codes in flags) > 1  # the demo has a supplier with several flags: one row
    assert f"{len(flags)} suppliers with {n_flags} red flags. Open a supplier for the evidence behind each; the " \
           "download has it too." in [c.value for c in at.caption]
    leakage = demo_con.execute("select sum(supplier_leakage) from marts.margin_leakage_wide").fetchone()[0]
    assert shown["Margin leakage"] == f"${float(leakage):,.0f}"
    movers = next(f for f in ui.frames(at) if "score_change" in f.columns)
    assert len(movers) <= 10 and movers["score_change"].abs().is_monotonic_decreasing
    # a band its red flags, not its score, gave says so (thresholds from the config, in SQL here)
    raised = dict(demo_con.execute(
        "select supplier_id, red_flag_count from marts.supplier_risk_score where red_flag_count > 0 and risk_band <> "
        "case when risk_score >= 55 then 'critical' when risk_score >= 40 then 'high' when risk_score >= 25 "
        "then 'medium' else 'low' end").fetchall())
    assert raised  # the demo has High suppliers scoring in the Low band's range
    band_of = dict(demo_con.execute("select supplier_id, risk_band from marts.supplier_risk_score").fetchall())
    for sid, text in zip(movers["supplier_id"], movers["band_now"]):
        band, flags = band_of[sid], raised.get(sid)
        assert text == words(band, "risk_band") + (
            "" if flags is None else " (red flag)" if flags == 1 else f" ({flags} red flags)")
    assert set(movers["supplier_id"]) & set(raised)  # the check above met a raised band in the table
    # what moved each score: its pillars now against the same month-end snapshot, by SQL over the marts
    pillars = ["entity", "transaction", "quality", "delivery", "commercial"]
    moves = {r[0]: dict(zip(pillars, r[1:])) for r in demo_con.execute(
        "select s.supplier_id, " + ", ".join(f"s.{p}_points - h.{p}_points" for p in pillars)
        + " from marts.supplier_risk_score s join score_snapshot_before(null) h using (supplier_id)").fetchall()}
    for sid, text in zip(movers["supplier_id"], movers["moved_most"]):
        top = sorted(((abs(v), pillars.index(p), p, v) for p, v in moves[sid].items() if abs(v) >= 0.05))
        top = sorted(top, key=lambda m: (-m[0], m[1]))
        said = [top[0]] + [m for m in top[1:2] if m[0] >= top[0][0] / 2]
        assert text == "; ".join(f"{words(p, 'pillar')} {v:+.1f}" for _, _, p, v in said)
        assert abs(sum(moves[sid].values()) - movers.set_index("supplier_id").loc[sid, "score_change"]) < 0.15
    caption = " ".join(c.value for c in at.caption)
    assert f"so {len(raised)} suppliers are coloured above the band their score alone gives" in caption
    # the Supplier page's Band tile says why under the band: a raised one names its flags, the score's own nothing
    one = next(sid for sid, n in sorted(raised.items()) if n == 1 and band_of[sid] == "high")
    score = demo_con.execute("select risk_score from marts.supplier_risk_score where supplier_id = ?", [one]).fetchone()
    tile = next(m for m in ui.open(demo_db, "supplier", query={"supplier": one}).metric if m.label == "Band")
    alone = "Low" if score[0] < 25 else "Medium"
    assert (tile.value, tile.delta) == ("High", "raised by a red flag")
    assert tile.help.endswith(f"This supplier's score alone gives {alone}.")
    plain_one = next(sid for sid, b in sorted(band_of.items()) if sid not in raised)
    tile = next(m for m in ui.open(demo_db, "supplier", query={"supplier": plain_one}).metric if m.label == "Band")
    assert not tile.delta
    # a band filter narrows the page to that band
    at.multiselect(key="f_band").set_value(["critical"]).run()
    assert ui.metrics(at)["Suppliers"] == str(bands["critical"])
    assert {k: v for k, v in ui.metrics(at).items() if k.endswith(" band")} == {
        "Critical band": str(bands["critical"]), "High band": "0", "Medium band": "0", "Low band": "0"}
    assert set(next(f for f in ui.frames(at) if "red_flags" in f.columns)["risk_band"]) <= {"Critical"}  # in words


def test_supplier_page_shows_the_critical_suppliers_red_flags_and_signals(ui, demo_db, demo_con):
    sid, flags, score = demo_con.execute(
        "select supplier_id, red_flag_count, risk_score from marts.supplier_risk_score "
        "order by risk_score desc, supplier_id limit 1").fetchone()
    at = ui.open(demo_db, "supplier")
    assert at.selectbox(key="supplier").value == sid  # riskiest first
    assert at.selectbox(key="supplier").options[0].endswith(f"({sid}) · Critical {score:.0f}")  # the band in words
    assert ui.metrics(at)["Risk score"] == f"{score:.1f}"
    assert len([e for e in at.error if e.icon == ":material/flag:"]) == flags  # one callout per red flag
    signals = next(f for f in ui.frames(at) if "explanation" in f.columns and "max_points" in f.columns)
    expected = demo_con.execute("select count(*) from marts.supplier_signals where supplier_id = ?", [sid]).fetchone()
    assert len(signals) == expected[0]
    # a signal's maximum as configured, "8" or "4.5", not "8.0" (display.max_points' rule, in the grid's format)
    grid = next(d for d in at.dataframe if "max_points" in d.value.columns and "explanation" in d.value.columns)
    assert json.loads(grid.proto.columns)["max_points"]["type_config"]["format"] == "%g"
    lots = demo_con.execute("select count(*) from marts.inspection_lots where supplier_id = ?", [sid]).fetchone()[0]
    table = next(f for f in ui.frames(at) if "major_plan_accept" in f.columns)
    assert len(table) == lots
    assert table["inspected_on"].is_monotonic_decreasing  # the latest lot first
    # every failed lot says which class failed it (by SQL here): this supplier's lots failed on minor defects with
    # few major ones too, under the chart's major-defect Ac line
    why = dict(demo_con.execute(
        "select po_id, 'Failed: ' || concat_ws('; ', "
        "case when critical_defects > critical_plan_accept then 'critical ' || critical_defects || ' > Ac ' || "
        "critical_plan_accept end, "
        "case when major_defects > major_plan_accept then 'major ' || major_defects || ' > Ac ' || major_plan_accept end, "
        "case when minor_defects > minor_plan_accept then 'minor ' || minor_defects || ' > Ac ' || minor_plan_accept end) "
        "from marts.inspection_lots where supplier_id = ? and not passed_psi", [sid]).fetchall())
    shown = dict(zip(table["po_id"], table["result"]))
    assert why and {po: shown[po] for po in why} == why
    assert any(w.startswith("Failed: minor") for w in why.values())
    assert all(v == "Passed" or v.startswith("Passed, escaped: ") for po, v in shown.items() if po not in why)
    escaped = set(table.loc[table["is_escape"].astype(bool), "po_id"])
    assert {po for po, v in shown.items() if v.startswith("Passed, escaped")} == escaped
    # no lot of this supplier passed, so there is no escape rate to give: the tile says why under its dash
    passed = demo_con.execute("select lots_passed from marts.inspection_blind_spot where supplier_id = ?",
                              [sid]).fetchone()[0]
    tile = next(m for m in at.metric if m.label == "Escape rate")
    assert passed == 0 and (tile.value, tile.delta) == ("–", "no lot passed")


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
    table = next(f for f in ui.frames(at) if "what_to_do" in f.columns)
    notes = table.set_index("supplier_name")["note"]
    assert stopped and stopped <= set(notes.index)
    assert notes[list(stopped)].str.startswith("Discontinued (ISO 2859-1 switching): ").all()
    assert not notes.drop(list(stopped)).str.startswith("Discontinued").any()
    # what to do is an instruction: no sampling plan offered to a discontinued supplier, a plan to ask for otherwise
    todo = table.set_index("supplier_name")["what_to_do"]
    assert todo[list(stopped)].str.startswith("Stop accepting lots on sampling").all()
    plan = demo_con.execute("select s.supplier_name, b.recommended_level, b.recommended_aql_major, "
                            "b.recommended_sample_size, b.recommended_accept, b.defect_rate_estimate, "
                            "b.current_level, b.current_aql_major, b.p_accept_current_plan, b.p_accept_recommended "
                            "from marts.inspection_blind_spot b join staging.suppliers s using (supplier_id) "
                            "where b.recommended_level <> b.current_level and b.recommendation_meets_target "
                            "order by s.supplier_name").fetchall()
    asked = [row for row in plan if row[0] not in stopped]
    assert asked  # the demo has suppliers whose plan should change

    def often(p: float) -> str:
        tenth = f"{p * 100:.1f}%"
        return (f"{p * 100:.0f}%" if 0.005 <= p < 0.995
                else {"0.0%": "under 0.1%", "100.0%": "over 99.9%"}.get(tenth, tenth))

    for name, level, aql, n, accept, rate, now_level, now_aql, p_now, p_then in asked:
        assert todo[name] == (f"Ask for level {level}, AQL {aql:g} on the next lot ({n:,} samples, accept {accept:,}): "
                              f"at this supplier's estimated defect rate, {rate * 100:.1f}%, a lot would pass today's "
                              f"plan (level {now_level}, AQL {now_aql:g}) {often(p_now)} of the time; this plan would "
                              f"pass it {often(p_then)} of the time.")


def test_trader_vs_factory_draws_two_panels_a_row_on_a_narrow_main_column(ui, demo_db, monkeypatch):
    """Three panels a row in a 1024 px window's 564 px column ran their titles and their type names into each other:
    there the six measures go two a row (three rows, each as tall as before), three a row from 700 px."""
    for page, cols in ((980, 3), (564, 2)):
        monkeypatch.setattr(display, "page_px", lambda page=page: page)
        spec = ui.chart(ui.open(demo_db, "trader_vs_factory"), "tvf_chart")["layout"]
        starts = sorted({round(spec[k]["domain"][0], 3) for k in spec if k.startswith("xaxis")})
        rows = sorted({round(spec[k]["domain"][0], 3) for k in spec if k.startswith("yaxis")})
        assert (len(starts), len(rows)) == (cols, 6 // cols), page
        assert spec["height"] == 340 * (6 // cols)


def test_trader_vs_factory_shows_each_estimate_with_its_interval_and_n(ui, demo_db, demo_con):
    at = ui.open(demo_db, "trader_vs_factory")
    table = at.dataframe[0].value.set_index("metric")
    est, lo, hi, n = demo_con.execute(
        "select estimate, ci_low, ci_high, n_suppliers from marts.type_comparison "
        "where category = 'all' and metric = 'on_time_rate' and supplier_type = 'manufacturer'").fetchone()
    row = table.loc["On-time shipment rate"]
    assert row["Manufacturer"] == f"{est * 100:.1f}% ({lo * 100:.1f}% – {hi * 100:.1f}%)"
    assert row["Manufacturers (n)"] == n
    # the chart's axes read shares as percentages and money as dollars, like the table beside them
    layout = ui.chart(at, "tvf_chart")["layout"]
    titles = [a["text"] for a in layout["annotations"] if a.get("text", "").strip() and "n=" not in a["text"]]
    # each panel's unit under its title, not as an axis title between two panels (over "n=119" at 1280 px)
    assert titles[0] == "Defect returns per unit sold<br><span style='font-size:11px'>defect-coded units returned " \
                        "per unit sold</span>"
    assert not any(layout[k].get("title") for k in layout if k.startswith("yaxis"))
    titles = [t.split("<br>")[0] for t in titles]
    axes = {t: layout["yaxis" + ("" if i == 0 else str(i + 1))] for i, t in enumerate(titles)}
    formats = {t: a.get("tickformat", "") for t, a in axes.items()}
    assert formats["On-time shipment rate"] == ".0%" and formats["Defect returns per unit sold"] == ".1%"
    assert formats["Margin leakage per unit sold"] == "$.2f"
    # measures held in percent or as a ratio say so on their ticks
    assert [axes[t].get("ticksuffix") for t in ("Realised margin", "Landed cost above quote",
                                                 "Landed cost vs category median")] == ["%", "%", "×"]
    d_est, excludes = demo_con.execute(
        "select estimate, excludes_zero from marts.type_comparison where category = 'all' "
        "and metric = 'leakage_per_unit_sold' and supplier_type = 'trader_minus_factory'").fetchone()
    verdict = table.loc["Margin leakage per unit sold", "Verdict"]
    assert verdict == ("No clear difference" if not excludes else
                       "Traders worse" if d_est > 0 else "Traders better")
    # the difference's interval from the mart, each end in the table's digits; an end that rounds to zero but is not
    # says on which side it lies, so the cell reads with its verdict (demo: defect returns, +0.003 pp, traders worse)
    d_est, d_low, d_high = demo_con.execute(
        "select estimate, ci_low, ci_high from marts.type_comparison where category = 'all' "
        "and metric = 'defect_return_rate' and supplier_type = 'trader_minus_factory'").fetchone()

    def end(v: float) -> str:
        return ("just above 0" if v > 0 else "just below 0") if round(v * 100, 2) == 0 else f"{v * 100:+.2f}"
    assert round(d_low * 100, 2) == 0 < d_low  # the case: an end that rounds to zero, above it
    assert table.loc["Defect returns per unit sold", "Trader − factory"] == (
        f"{d_est * 100:+.2f} pp ({end(d_low)} to {end(d_high)})")
    assert table.loc["Defect returns per unit sold", "Verdict"] == "Traders worse"
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
    # no interval from fewer than 3 suppliers (one supplier's reads "1.04% (1.04% – 1.04%)", as if certain), beside a
    # type or on the difference; an interval from 3 or more
    n_side = dict(demo_con.execute("select supplier_type, n_suppliers from marts.type_comparison where category = ? "
                                   "and metric = ?", [category, metric]).fetchall())
    for t, label in (("manufacturer", "Manufacturer"), ("trading_company", "Trading company")):
        if n_side.get(t) is not None:
            assert (" – " in side.loc[titles[metric], label]) == (n_side[t] >= 3)
    assert "(" not in side.loc[titles[metric], "Trader − factory"]
    at.selectbox(key="tvf_metric").set_value(metric).run()
    by_cat = next(f for f in ui.frames(at) if "note" in f.columns)
    n = demo_con.execute("select supplier_type, n_suppliers from marts.type_comparison where category = ? "
                         "and metric = ? and supplier_type in ('manufacturer', 'trading_company')",
                         [category, metric]).fetchall()
    cell = by_cat[by_cat["category"] == words(category, "category")].set_index("supplier_type")
    for t, k in n:
        assert cell.loc[words(t, "supplier_type"), "note"] == ("Too few suppliers (n<3)" if k < 3 else "")
        assert (cell.loc[words(t, "supplier_type"), "shown_interval"] == "–") == (k < 3)
    # each type its own marker shape, so that two grey points still say which is which
    traces = ui.chart(at, "tvf_category_chart")["data"]
    assert [(tr["name"], tr["marker"]["symbol"]) for tr in traces] == [("Manufacturer", "circle"),
                                                                        ("Trading company", "diamond")]


def test_costs_waterfall_balances_on_the_demo(ui, demo_db, demo_con):
    at = ui.open(demo_db, "costs")
    # the demo's IEEPA duty is computed (its entry summaries, of 2026, declare none): where to get the claims list
    assert ("The IEEPA duty above is the tariff tables' figure: no imported entry summary declares any on these "
            "shipments.") in ui.texts(at)
    planned, realised = demo_con.execute(
        "select sum(amount) filter (where step = 'planned_contribution'), "
        "sum(amount) filter (where step = 'realised_contribution') from marts.margin_leakage").fetchone()
    assert ui.metrics(at)["Margin leakage"] == f"${float(planned - realised):,.0f}"
    variance = next(f for f in ui.frames(at) if "variance_share" in f.columns)
    assert variance["variance_share"].is_monotonic_decreasing
    # the quote's sources: every landed order in one of them, their variances adding up to the tile's (by SQL here)
    by_basis = dict((b, (n, float(v))) for b, n, v in demo_con.execute(
        "select expected_logistics_basis, count(*), sum(landed_total - quoted_landed_cost_per_unit * units_received) "
        "from marts.landed_cost_po where is_landed group by 1").fetchall())
    assert set(by_basis) == {"sku_history", "supplier_history", "none"}  # the demo has all three
    caption = next(c.value.replace("\\", "") for c in at.caption if c.value.startswith("The quote is"))
    for basis, said in (("sku_history", "planned from the same SKU"),
                        ("supplier_history", "planned from the supplier's other SKUs"),
                        ("none", "with no earlier landed order to plan from (all logistics over the quote)")):
        n, v = by_basis[basis]
        assert f"{n:,} orders {said}: {money(v)}" in caption
    assert ui.metrics(at)["Landed over quote, orders received"] == money(sum(v for _, v in by_basis.values()))


def test_reaudit_plan_is_grouped_by_urgency_and_ranked_with_the_money_at_stake(ui, demo_db, demo_con):
    at = ui.open(demo_db, "reaudit")
    # groups computed here from the mart: the strongest configured action first, then days until due
    hold, now, soon, later, stake, n = demo_con.execute(
        "select count(*) filter (where suggested_action = 'hold new orders'), "
        "count(*) filter (where suggested_action <> 'hold new orders' and days_until_due <= 0), "
        "count(*) filter (where suggested_action <> 'hold new orders' and days_until_due between 1 and 30), "
        "count(*) filter (where suggested_action <> 'hold new orders' and days_until_due > 30), "
        "sum(priority * 100 / risk_score), count(*) from marts.reaudit_queue").fetchone()
    shown = ui.metrics(at)
    assert [shown["Hold new orders now"], shown["Due now"], shown["Next 30 days"], shown["Later"]] == \
        [f"{hold:,}", f"{now:,}", f"{soon:,}", f"{later:,}"]
    assert hold >= 3 and later >= 3  # the demo exercises the groups
    assert shown["Money at stake"] == money_short(stake)
    assert f"{n:,} suppliers in the plan" in ui.texts(at)
    for heading, count in (("Hold new orders now", hold), ("Due now", now), ("Next 30 days", soon), ("Later", later)):
        if count:
            assert f"{heading} ({count:,})" in ui.texts(at)
    groups = [f for f in ui.frames(at) if "suggested_action" in f.columns]
    plan = pd.concat(groups)
    assert plan["plan_rank"].tolist() == list(range(1, n + 1))
    # the plan never ranks a routine supplier above one whose orders must be held
    assert (plan["suggested_action"].iloc[:hold] == "Hold new orders").all()
    assert (plan["suggested_action"].iloc[hold:] != "Hold new orders").all()
    # within a group, by the mart's priority (risk × money at stake), largest first
    exact = dict(demo_con.execute("select supplier_id, priority from marts.reaudit_queue").fetchall())
    for group in groups:
        priorities = [exact[s] for s in group["supplier_id"]]
        assert priorities == sorted(priorities, reverse=True)
    # money at stake beside each: the 12-month spend plus open exposure the priority weighs
    first = plan.iloc[0]
    stake, priority, risk = demo_con.execute("select money_at_stake, priority, risk_score from marts.reaudit_queue "
                                             "where supplier_id = ?", [first["supplier_id"]]).fetchone()
    assert first["money_at_stake"] == pytest.approx(stake, abs=0.5)  # shown in whole dollars
    assert priority == pytest.approx(risk / 100 * stake, abs=0.01)
    # triggers in words, never as codes
    assert not any("_" in t for t in plan["triggers"].dropna())
    assert {"No audit in 12 months", "Failed audit"} <= {w.strip() for t in plan["triggers"].dropna() for w in t.split(",")}
    # a group whose suppliers all get one action leaves the What to do column out (the Why column gets its room) and,
    # unless its heading already says it, names the action once in its caption. In the demo: Hold new orders now (its
    # heading says it); nothing is due now; the next 30 days and later mix actions
    present = [g for g, count in zip(("hold", "now", "30", "later"), (hold, now, soon, later)) if count]
    assert present == ["hold", "30", "later"]
    single = {g: set(f["suggested_action"]) for g, f in zip(present, groups)}
    assert single["hold"] == {"Hold new orders"} and all(len(single[g]) > 1 for g in ("30", "later"))
    drawn = [list(d.proto.column_order) for d in at.dataframe if "triggers" in d.proto.column_order]
    assert [("suggested_action" in c) for c in drawn] == [len(a) > 1 for a in single.values()] == [False, True, True]
    assert "until the re-audit clears it. What to do" not in ui.texts(at)  # the heading says it
    assert "What to do for each" not in ui.texts(at)
    # the high band alone: every supplier due within a month, and every one due later, gets an on-site audit
    high = ui.open(demo_db, "reaudit", query={"band": "high"})
    assert "Due within a month: recent evidence (failed inspections, bulk worse than samples) or a lapsed cycle " \
           "booked soon. What to do for each: On-site audit." in ui.texts(high)
    assert "or the routine 12-month cycle. What to do for each: On-site audit." in ui.texts(high)
    drawn = [list(d.proto.column_order) for d in high.dataframe if "triggers" in d.proto.column_order]
    assert drawn and not any("suggested_action" in c for c in drawn)
    # one group at a time
    at.segmented_control(key="reaudit_window").set_value("hold").run()
    groups = [f for f in ui.frames(at) if "suggested_action" in f.columns]
    assert len(groups) == 1 and len(groups[0]) == hold
    assert {b.label for b in at.get("download_button")} >= {"Download CSV", "Download Excel"}


def test_reaudit_how_we_know_has_one_row_per_reason_and_loses_no_word(ui, demo_db, demo_con):
    at = ui.open(demo_db, "reaudit")
    table = next(f for f in ui.frames(at) if "trigger" in f.columns)
    raw = demo_con.execute("select supplier_id, triggers, reason from marts.reaudit_queue").fetchall()
    fired = {s: [t.strip() for t in (triggers or "").split(",") if t.strip()] for s, triggers, _ in raw}
    # a row per fired trigger (one for a supplier in the plan for the routine cycle), in the plan's order
    assert len(table) == sum(max(1, len(f)) for f in fired.values()) > len(raw)
    assert table["plan_rank"].tolist() == sorted(table["plan_rank"])
    for supplier, _, reason in raw:
        rows = table[table["supplier_id"] == supplier]
        assert rows["trigger"].tolist() == ([display.words(t, "trigger") for t in fired[supplier]]
                                            or ["Routine 12-month re-check"])
        # every finding, with its statistics, as the mart has it: joined back with the trigger codes they are the
        # queue's reason word for word (a cell starts as a sentence: its first letter capitalised)
        codes = [t.replace("_", " ") for t in fired[supplier]]
        assert reason.lower() == "; ".join(f"{t}: {f}" for t, f in zip(codes, rows["reason"])).lower() \
            if codes else reason.lower() == rows["reason"].iloc[0].lower()
    assert table["reason"].str.contains(r"p = 0\.\d", regex=True).any()


def test_reaudit_chart_shows_the_first_twenty_of_the_plan_by_action(ui, demo_db, demo_con):
    at = ui.open(demo_db, "reaudit")
    plan = pd.concat([f for f in ui.frames(at) if "suggested_action" in f.columns]).head(20)
    severity = ["Hold new orders", "On-site audit", "Tighter inspection", "Desk re-check"]  # risk_score.toml order
    chart = ui.chart(at, "reaudit_chart")
    traces = chart["data"]
    assert chart["layout"]["showlegend"] is True  # what the colours mean, also when every bar is one action
    assert [t["name"] for t in traces] == [a for a in severity if a in set(plan["suggested_action"])]
    # each bar sits in the trace of its own action and is named by its place in the plan and the supplier
    bars = {y: t["name"] for t in traces for y in t["y"]}
    assert bars == {f"{r.plan_rank}. {r.supplier_name}": r.suggested_action for r in plan.itertuples()}
    # the hover names the supplier whole (the axis cuts a long name: components.chart_labels)
    assert {c[2] for t in traces for c in t["customdata"]} == {f"{r.plan_rank}. {r.supplier_name}"
                                                               for r in plan.itertuples()}
    top = demo_con.execute("select priority from marts.reaudit_queue where supplier_id = ?",
                           [plan["supplier_id"].iloc[0]]).fetchone()[0]
    table = next(f for f in ui.frames(at) if "priority" in f.columns)
    assert table["priority"].iloc[0] == pytest.approx(top, abs=0.5)  # as shown, whole dollars (downloads: cents)


def test_supplier_page_shows_the_predicted_probability_and_the_backtest_auc(ui, demo_db, demo_con):
    sid, prob = demo_con.execute("select supplier_id, predicted_incident_probability from marts.supplier_risk "
                                 "order by risk_score desc, supplier_id limit 1").fetchone()
    aucs = dict(demo_con.execute("select model_name, roc_auc from marts.model_backtest where fold = 0").fetchall())
    at = ui.open(demo_db, "supplier", query={"supplier": sid})
    assert ui.metrics(at)["Incident risk"] == f"{prob * 100:.1f}%"
    # plain words first, as the Portfolio's report card says them: how often the riskiest tenth went wrong against
    # all orders, and against each supplier's own record
    from models import validity

    lift, rate, n_test = demo_con.execute("select top_decile_lift, incident_rate_test, n_test from "
                                          "marts.model_backtest where fold = 0 and model_name = 'model'").fetchone()
    prec, base = demo_con.execute("select value, reference from marts.validity_report where section = 'ranking' "
                                  "and metric = 'precision_at_top' and subject = 'model'").fetchone()
    assert prec == pytest.approx(lift * rate) and base == pytest.approx(rate)  # the card and the backtest agree
    naive = demo_con.execute("select value from marts.validity_report where section = 'ranking' and metric = "
                             "'precision_at_top' and subject = 'naive_baseline'").fetchone()[0]
    trust = next(c.value for c in at.caption if c.value.startswith("How far to trust"))
    assert trust.startswith(f"How far to trust the incident risk, on {n_test:,} past orders the model had not seen: "
                            f"Of the orders the model rated riskiest (its top 10%), {validity._pct(prec)} went wrong (")
    assert f"against {validity._pct(rate)} of all orders: {prec / rate:.1f} times as often." in trust
    assert (f"Ranking orders by each supplier's own past problem rate alone, {validity._pct(naive)} of its top 10% "
            "went wrong.") in trust
    caption = next(c.value for c in at.caption if "Incident model backtest" in c.value)
    assert f"backtest AUC {aucs['model']:.2f}" in caption
    assert f"the rule score alone {aucs['rule_score']:.2f}" in caption
    assert f"the naive baseline (the supplier's own past incident rate) {aucs['naive_baseline']:.2f}" in caption
    diff, low, high = demo_con.execute("select auc_difference, ci_low, ci_high from marts.model_comparison "
                                       "where model_name = 'model'").fetchone()
    assert f"edge over the naive baseline is {diff:+.3f} AUC, 95% interval {low:+.3f} to {high:+.3f}" in caption
    # and what the interval means, in words: on the demo (incident-model-2.4) it reaches below zero
    assert ("so on this data the edge could be luck" in caption) == (low <= 0)
    assert ("the whole interval is above zero, so the edge is not luck" in caption) == (low > 0)
    help_text = next(m.help for m in at.metric if m.label == "Incident risk")
    late = demo_con.execute("select value from reference.kpi_settings where setting = 'late_incident_days'").fetchone()[0]
    assert "next order" in help_text and "more than 14 days late" in help_text and "above 3% of the units" in help_text
    assert im.incident_definition(int(late)) in help_text  # read from the settings, not restated on the page


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
           "5 lots rejected while tightened; stop accepting lots under sampling until the supplier closes a " \
           "corrective action (inspection then resumes on tightened)." in [e.value for e in at.error]
    assert ui.metrics(at)["Next lot"] == "Discontinued"
    # the Inspections page counts those suppliers and says the same
    stopped = demo_con.execute("select count(*) from marts.inspection_switching "
                               "where defect_class = 'major' and current_stage = 'discontinued'").fetchone()[0]
    at.switch_page(ui.pages["inspections"]).run()
    assert ui.metrics(at)["Discontinued (major)"] == f"{stopped:,}"
    one = stopped == 1  # the words follow the count: "1 supplier … Its …", "10 suppliers … Their …"
    assert any(e.value.startswith(f"**Stop accepting lots of {stopped:,} {'supplier' if one else 'suppliers'} on "
                                  f"sampling.** {'Its' if one else 'Their'} major-defect inspections are discontinued "
                                  "under the ISO 2859-1 switching rules: 5 lots were rejected while already on "
                                  "tightened inspection, and no corrective action has been closed since.")
               and e.value.endswith(f"{'It is' if one else 'They are'} listed below with Stage now = Discontinued.")
               for e in at.error)


def test_supplier_page_shows_a_resumed_inspection_and_the_stage_of_every_lot(ui, demo_db, demo_con):
    """A supplier whose major-defect inspection was discontinued and resumed by a closed corrective action: the page
    says how often, and the lot table gives every lot the stage it was inspected on (SQL over the mart)."""
    sid, times = demo_con.execute(
        "select supplier_id, times_discontinued from marts.inspection_switching where defect_class = 'major' "
        "and times_discontinued > 1 and current_stage = 'tightened' and supplier_id not in (select supplier_id "
        "from marts.inspection_switching where current_stage = 'discontinued') order by 1 limit 1").fetchone()
    at = ui.open(demo_db, "supplier", query={"supplier": sid})
    assert not any(e.value.startswith("**Inspection discontinued**") for e in at.error)
    caption = next(c.value for c in at.caption if c.value.startswith("Switching rules (ISO 2859-1)"))
    assert f"Discontinued before, each time resumed on tightened after a closed corrective action: major {times} times" \
        in caption
    level, aql = demo_con.execute("select recommended_level, recommended_aql_major from marts.inspection_blind_spot "
                                  "where supplier_id = ?", [sid]).fetchone()
    assert ui.metrics(at)["Next lot, tightened"] == f"Level {level} · AQL {aql:g}"
    table = next(f for f in ui.frames(at) if "major_plan_accept" in f.columns)
    expected = demo_con.execute(
        "select po_id, major_stage, critical_stage, minor_stage from marts.inspection_lots where supplier_id = ?",
        [sid]).fetchall()
    words = {"normal": "Normal", "tightened": "Tightened", "reduced": "Reduced", "discontinued": "Discontinued"}
    strict = ["reduced", "normal", "tightened", "discontinued"].index
    assert dict(zip(table["po_id"], table["stage"])) == {
        po: "; ".join([words[m]] + [f"{c} {words[s].lower()}" for c, s in (("critical", cr), ("minor", mi))
                                    if strict(s) > strict(m)])
        for po, m, cr, mi in expected}
    assert "Tightened" in table["stage"].tolist()


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


def test_supplier_timeline_says_each_event_in_words_with_its_numbers_as_read(ui, demo_db, demo_con):
    """The events table (and the chart's hover) of the riskiest supplier: quantities with thousands separators and
    the unit in the singular for one, prices in dollars (staging holds USD), payment channels in words, as computed
    here from the staging tables; the table starts each with a capital."""
    sid = demo_con.execute("select supplier_id from marts.supplier_risk_score order by risk_score desc, supplier_id "
                           "limit 1").fetchone()[0]
    at = ui.open(demo_db, "supplier", query={"supplier": sid})
    at.toggle(key="supplier_timeline_show").set_value(True).run()
    timeline = next(f for f in ui.frames(at) if "event_on" in f.columns)
    orders = demo_con.execute("select po_id, quantity, sku, unit_price from staging.purchase_orders "
                              "where supplier_id = ?", [sid]).fetchall()
    said = timeline[timeline["event"] == "Order"].set_index("po_id")["detail"].to_dict()
    assert said == {po: f"{q:,} × {sku} at ${price:.2f}" for po, q, sku, price in orders}
    assert any(q >= 1000 for _, q, _, _ in orders)  # a separator was exercised
    shipped = demo_con.execute("select s.quantity, s.mode, s.customs_hold_days from staging.shipments s join "
                               "staging.purchase_orders p using (po_id) where p.supplier_id = ?", [sid]).fetchall()

    def units(n: int) -> str:
        return f"{n:,} {'unit' if n == 1 else 'units'}"

    assert sorted(timeline.loc[timeline["event"] == "Shipment", "detail"]) == sorted(
        f"{units(q)} by {mode}" + (f", {hold} {'day' if hold == 1 else 'days'} customs hold" if hold else "")
        for q, mode, hold in shipped)
    assert any(hold for _, _, hold in shipped)  # a customs hold was exercised
    payments = timeline.loc[timeline["event"] == "Payment", "detail"]
    assert "Deposit via trade assurance" in set(payments) and not payments.str.contains("_").any()
    # an inspection's counts, a dash for one not recorded, and in words when none was (a pre-production check)
    inspected = demo_con.execute("select i.inspection_type, i.result, i.major_defects, i.minor_defects, i.sample_size "
                                 "from staging.inspections i join staging.purchase_orders p using (po_id) "
                                 "where p.supplier_id = ?", [sid]).fetchall()

    def count(n: object) -> str:
        return "–" if n is None else f"{n:,}"

    assert sorted(timeline.loc[timeline["event"] == "Inspection", "detail"]) == sorted(
        f"{kind} {result}: " + ("defect counts not recorded" if major is None and minor is None and n is None
                                else f"{count(major)} major / {count(minor)} minor in {count(n)} sampled")
        for kind, result, major, minor, n in inspected)
    assert any(n is None for *_, n in inspected) and any(n is not None for *_, n in inspected)
