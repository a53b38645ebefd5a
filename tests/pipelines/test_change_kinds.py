"""The kinds of supplier change are listed once (data/reference/change_kinds.csv): the contract, the score's
changes-after-sample signal and the release checklist read that list, so a kind added to it is accepted on import,
counts as a product change when it alters the product, and needs an approval when the file says so."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pandas as pd
import pytest

from models import change_kinds, release, scoring
from pipelines import contract, loaders

AS_OF = date(2024, 6, 21)


def test_the_contract_the_score_and_the_release_checklist_read_the_one_list():
    kinds = change_kinds.load()
    assert kinds.kinds == ("spec", "material", "packaging", "lead_time", "price", "bank_details", "factory_address",
                           "subcontractor")
    assert kinds.product_kinds == ("spec", "material", "packaging", "factory_address", "subcontractor")
    assert kinds.approval_kinds == ("spec", "material", "packaging", "bank_details", "factory_address",
                                    "subcontractor")
    kind = next(c for c in contract.CHANGES.columns if c.name == "kind")
    assert kind.allowed == kinds.kinds
    # no second copy left in the configs
    assert "kinds" not in scoring.load_config()["signals"]["changes_after_sample"]
    assert "need_approval" not in release.load_config()["conditions"]["changes_confirmed"]


def _ref_dir(tmp_path, extra: str):
    target = tmp_path / "ref"
    target.mkdir()
    shutil.copy(change_kinds.REFERENCE_DIR / "change_kinds.csv", target / "change_kinds.csv")
    with (target / "change_kinds.csv").open("a", encoding="utf-8") as fh:
        fh.write(extra)
    return target


@pytest.mark.parametrize("extra, message", [("price,false,false,\"twice\"\n", "each kind must be given once"),
                                            ("tooling,yes,false,\"\"\n", "expected true or false")])
def test_a_kind_listed_twice_or_a_flag_that_is_not_true_or_false_is_refused(tmp_path, extra, message):
    with pytest.raises(ValueError, match=message):
        change_kinds.load(_ref_dir(tmp_path, extra))


def test_a_kind_added_to_the_list_is_a_product_change_that_needs_approval(tmp_path, monkeypatch, tiny_db):
    """'tooling' appended (alters the product, needs approval): a confirmed tooling change without an approver is
    'confirmed but not approved' on the release checklist, and an unconfirmed one on S1's P2 after its sample
    (approved 2023-12-20) is a change to the product in the score's signal, named in its explanation."""
    monkeypatch.setattr(change_kinds, "REFERENCE_DIR", _ref_dir(tmp_path, 'tooling,true,true,"New moulds."\n'))
    assert change_kinds.load().kinds[-1] == "tooling"
    changes = pd.DataFrame({"kind": ["tooling", "tooling", "price"], "is_confirmed_in_writing": [True, False, True],
                            "approved_by": [None, None, None]})
    assert release.change_problems(changes).tolist() == ["confirmed but not approved", "not confirmed in writing", ""]

    con = duckdb.connect(str(tiny_db), read_only=True)
    try:
        t = loaders.load_tables(con)
    finally:
        con.close()
    t["changes"] = pd.DataFrame({"change_id": ["C1"], "supplier_id": ["S1"], "po_id": ["P2"],
                                 "changed_on": [pd.Timestamp("2024-03-05")], "kind": ["tooling"],
                                 "is_confirmed_in_writing": [False], "approved_by": [None], "note": [None]})
    t["tables_carried"] = pd.concat([t["tables_carried"], pd.DataFrame({"table_name": ["changes"]})])
    r = scoring.compute_signals(t, AS_OF, scoring.load_config())
    s1 = r.signals[(r.signals["supplier_id"] == "S1") & (r.signals["signal"] == "changes_after_sample")].iloc[0]
    assert s1["raw_value"] == 1.0 and "tooling" in s1["explanation"]
