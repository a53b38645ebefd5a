"""The kinds of quality cost are listed once (data/reference/cost_kinds.csv): the contract, the Python rules and both
leakage marts read that list, so a kind added to it is a column, a waterfall step and part of every total."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from models import landed_cost
from pipelines import contract

MARTS = Path(__file__).resolve().parents[2] / "pipelines" / "sql" / "marts"


def test_the_contract_and_the_rules_read_the_one_list():
    assert landed_cost.COST_KINDS == ("rework", "relabel", "chargeback", "expedite_freight", "write_off", "sorting",
                                      "reinspection")
    assert landed_cost.QUALITY_COST_KINDS == ("rework", "relabel", "chargeback", "expedite_freight", "sorting",
                                              "reinspection")
    assert landed_cost.WRITE_OFF_KIND == "write_off"
    kind = next(c for c in contract.QUALITY_COSTS.columns if c.name == "kind")
    assert kind.allowed == landed_cost.COST_KINDS


def _ref_dir(tmp_path: Path, extra: str) -> Path:
    target = tmp_path / "ref"
    target.mkdir()
    text = (landed_cost.REFERENCE_DIR / "cost_kinds.csv").read_text(encoding="utf-8")
    (target / "cost_kinds.csv").write_text(text + extra, encoding="utf-8")
    return target


def test_a_kind_added_to_the_list_is_a_quality_kind_in_its_waterfall_place(tmp_path):
    kinds, quality, write_off = landed_cost.load_cost_kinds(_ref_dir(tmp_path, 'recall,true,7,"A product recall."\n'))
    assert kinds[-1] == "recall" and quality[-1] == "recall" and len(quality) == 7 and write_off == "write_off"


@pytest.mark.parametrize("extra", ['scrap,false,,"A second write-off kind."\n', 'recall,true,9,"A gap."\n'])
def test_a_list_with_two_write_off_kinds_or_a_gap_in_the_order_is_refused(tmp_path, extra):
    with pytest.raises(ValueError, match="cost_kinds.csv"):
        landed_cost.load_cost_kinds(_ref_dir(tmp_path, extra))


def test_a_new_kind_gets_its_column_its_step_and_counts_in_the_totals(tiny_db, tmp_path):
    """Tiny S1 / A1 / 2024-04 (worked by hand in test_margin_leakage: rework -200.00, realised 10,941.25) with a
    'recall' kind appended to reference.cost_kinds and a 30.00 recall cost in that scope: the wide mart grows a
    `recall` column of -30.00 after `reinspection`, its quality total is -230.00 and realised 10,911.25; the long
    mart lists recall as step 12 and realised as step 13, the 12 steps summing to it in every scope."""
    db = tmp_path / "w.duckdb"
    shutil.copy(tiny_db, db)
    con = duckdb.connect(str(db))
    con.execute("insert into reference.cost_kinds values ('recall', true, 7, 'A product recall.')")
    con.execute("insert into marts.margin_leakage_quality_costs (supplier_id, sku, month, kind, amount) "
                "values ('S1', 'A1', date '2024-04-01', 'recall', 30.00)")
    for name in ("margin_leakage_wide", "margin_leakage"):
        con.execute(f"create or replace table marts.{name} as\n{(MARTS / f'{name}.sql').read_text()}")
    wide = con.execute("select * from marts.margin_leakage_wide where supplier_id = 'S1' and sku = 'A1' "
                       "and month = '2024-04-01'").df()
    columns = list(wide.columns)
    assert columns[columns.index("reinspection") + 1] == "recall"
    row = wide.iloc[0]
    assert [float(row[c]) for c in ("rework", "recall", "quality_costs", "realised_contribution")] == \
        [-200.00, -30.00, -230.00, 10911.25]
    steps = con.execute("select step, step_order, amount from marts.margin_leakage where supplier_id = 'S1' "
                        "and sku = 'A1' and month = '2024-04-01' order by step_order").fetchall()
    assert [(s, o) for s, o, _ in steps[-2:]] == [("recall", 12), ("realised_contribution", 13)]
    assert float(steps[-2][2]) == -30.00 and float(steps[-1][2]) == 10911.25
    unbalanced = con.execute("""
        select count(*) from (
            select sum(amount) filter (where step_order < 13) as bridged,
                sum(amount) filter (where step_order = 13) as realised, count(*) as n
            from marts.margin_leakage group by supplier_id, sku, month
        ) where bridged <> realised or n <> 13""").fetchone()[0]
    assert unbalanced == 0
    con.close()
