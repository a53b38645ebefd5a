"""The demo generator writes valid contract files whose patterns follow the hidden ground truth."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.aql import sampling_plan
from pipelines.contract import (AT_LEAST_ONE_OF, BOOL, DATE, DECIMAL, FALSE_WORDS, INT, MAX_DATE, MIN_DATE, MONTH,
                                TRUE_WORDS, UPPERCASE_ENUMS)
from pipelines.demo import DEMO_TABLES, generate_portfolio

DEFECT_REASONS = ("defective", "not_as_described", "missing_parts", "wrong_item")


def read(folder: Path, name: str) -> pd.DataFrame:
    """A contract file as text, blanks as ''."""
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8")


def contract_violations(folder: Path) -> list[str]:
    """Every breach of the contract's column, type, allowed-value, range, key, reference and row rules."""
    out: list[str] = []
    frames = {t.name: read(folder, t.name) for t in DEMO_TABLES}
    for t in DEMO_TABLES:
        df = frames[t.name]
        if list(df.columns) != t.column_names:
            out.append(f"{t.name}: columns {list(df.columns)}")
            continue
        for c in t.columns:
            s = df[c.name]
            present = s != ""
            if c.required and not present.all():
                out.append(f"{t.name}.{c.name}: {int((~present).sum())} blank required values")
            v = s[present]
            if c.type in (INT, DECIMAL):
                num = pd.to_numeric(v, errors="coerce")
                if num.isna().any():
                    out.append(f"{t.name}.{c.name}: unparsable numbers {v[num.isna()].head(3).tolist()}")
                if c.type == INT and not v[num.notna()].str.fullmatch(r"-?\d+").all():
                    out.append(f"{t.name}.{c.name}: non-integer values")
                if c.minimum is not None:
                    low = num <= c.minimum if c.exclusive_minimum else num < c.minimum
                    if low.any():
                        out.append(f"{t.name}.{c.name}: {int(low.sum())} below minimum")
                if c.maximum is not None and (num > c.maximum).any():
                    out.append(f"{t.name}.{c.name}: above maximum")
            elif c.type == DATE:
                d = pd.to_datetime(v, format="%Y-%m-%d", errors="coerce")
                if d.isna().any():
                    out.append(f"{t.name}.{c.name}: unparsable dates {v[d.isna()].head(3).tolist()}")
                if ((d < pd.Timestamp(MIN_DATE)) | (d > pd.Timestamp(MAX_DATE))).any():
                    out.append(f"{t.name}.{c.name}: implausible dates")
            elif c.type == MONTH and not v.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])").all():
                out.append(f"{t.name}.{c.name}: bad months")
            elif c.type == BOOL and not v.str.lower().isin(TRUE_WORDS | FALSE_WORDS).all():
                out.append(f"{t.name}.{c.name}: bad booleans")
            if c.allowed is not None:
                norm = v.str.upper() if c.name in UPPERCASE_ENUMS else v.str.lower()
                bad = ~norm.isin(c.allowed)
                if bad.any():
                    out.append(f"{t.name}.{c.name}: values not allowed {sorted(set(v[bad]))}")
        if df.duplicated(list(t.key)).any():
            out.append(f"{t.name}: duplicate keys")
        for a, b in (r.columns for r in t.row_rules):
            both = (df[a] != "") & (df[b] != "")
            if t.column(a).type == DATE:
                left, right = pd.to_datetime(df.loc[both, a], errors="coerce"), pd.to_datetime(df.loc[both, b],
                                                                                              errors="coerce")
            else:
                left, right = pd.to_numeric(df.loc[both, a], errors="coerce"), pd.to_numeric(df.loc[both, b],
                                                                                            errors="coerce")
            if (left > right).any():
                out.append(f"{t.name}: {int((left > right).sum())} rows with {a} > {b}")
        for cols in [AT_LEAST_ONE_OF.get(t.name)]:
            if cols and ((df[list(cols)] == "").all(axis=1)).any():
                out.append(f"{t.name}: rows naming none of {cols}")
    for t in DEMO_TABLES:
        for c in t.columns:
            if c.references:
                ref_table, ref_col = c.references.split(".")
                s = frames[t.name][c.name]
                orphan = (s != "") & ~s.isin(frames[ref_table][ref_col])
                if orphan.any():
                    out.append(f"{t.name}.{c.name}: {int(orphan.sum())} orphan references")
    return out


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("small")
    generate_portfolio(folder, seed=11, suppliers=16, years=2)
    return folder


@pytest.fixture(scope="module")
def mid(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("mid")
    generate_portfolio(folder, seed=7, suppliers=60, years=2)
    return folder


def test_same_seed_gives_byte_identical_files(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate_portfolio(a, seed=3, suppliers=16, years=2)
    generate_portfolio(b, seed=3, suppliers=16, years=2)
    generate_portfolio(c, seed=4, suppliers=16, years=2)
    files = sorted(p.relative_to(a) for p in a.rglob("*.csv"))
    assert len(files) == 19  # fifteen tables + four ground-truth files
    for rel in files:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    assert (a / "purchase_orders.csv").read_bytes() != (c / "purchase_orders.csv").read_bytes()


def test_counts_match_files_and_headers_follow_contract(tmp_path):
    counts = generate_portfolio(tmp_path, seed=5, suppliers=16, years=2)
    assert list(counts) == [t.name for t in DEMO_TABLES]
    assert not (tmp_path / "reviewed_warnings.csv").exists()  # a brand starts with no reviews of warned rows
    for t in DEMO_TABLES:
        lines = (tmp_path / f"{t.name}.csv").read_text(encoding="utf-8").splitlines()
        assert lines[0] == ",".join(t.column_names)
        assert len(read(tmp_path, t.name)) == counts[t.name] > 0
    assert sorted(p.name for p in (tmp_path / "ground_truth").iterdir()) == [
        "controls_truth.csv", "duty_truth.csv", "lot_truth.csv", "supplier_traits.csv"]


def test_every_row_satisfies_the_contract(small, mid):
    assert contract_violations(small) == []
    assert contract_violations(mid) == []


PLANTED = {"same_name_new_bank_account", "undocumented_material_change_after_sample", "overdue_capa",
           "closed_capa_next_lot_failed", "trader_declared_as_factory"}


@pytest.mark.parametrize(("suppliers", "years", "seed"), [(2, 1, 1), (3, 1, 1), (5, 1, 1), (6, 1, 3), (6, 1, 7)])
def test_a_portfolio_too_small_for_every_planted_case_is_written_without_them(tmp_path, suppliers, years, seed):
    """`supplier-risk demo --suppliers 2..6` stopped with an IndexError (no candidate for a planted case: no failed
    inspection recent enough, no trading company left): the portfolio is written, valid, with the cases it could
    plant, each at its own supplier and named in the ground truth."""
    generate_portfolio(tmp_path, seed=seed, suppliers=suppliers, years=years)
    assert contract_violations(tmp_path) == []
    truth = pd.read_csv(tmp_path / "ground_truth" / "controls_truth.csv", dtype=str)
    assert set(truth["case"]) < PLANTED  # some case had no candidate in every one of these
    assert truth["supplier_id"].is_unique
    assert set(truth["supplier_id"]) <= set(read(tmp_path, "suppliers")["supplier_id"])
    records = {"same_name_new_bank_account": ("bank_accounts", "bank_account_id"),
               "undocumented_material_change_after_sample": ("changes", "change_id"),
               "overdue_capa": ("corrective_actions", "capa_id"),
               "closed_capa_next_lot_failed": ("corrective_actions", "capa_id"),
               "trader_declared_as_factory": ("suppliers", "supplier_id")}
    for case, supplier, record in truth[["case", "supplier_id", "record_id"]].itertuples(index=False):
        table, key = records[case]
        rows = read(tmp_path, table)
        assert rows.loc[rows[key] == record, "supplier_id"].tolist() == [supplier], case


def test_the_default_demo_plants_every_case(small, mid):
    for folder in (small, mid):
        truth = pd.read_csv(folder / "ground_truth" / "controls_truth.csv", dtype=str)
        assert set(truth["case"]) == PLANTED and truth["supplier_id"].is_unique


def test_with_errors_appends_rows_the_contract_rejects(tmp_path):
    counts = generate_portfolio(tmp_path, seed=11, suppliers=16, years=2, with_errors=True)
    problems = "\n".join(contract_violations(tmp_path))
    for expected in ("suppliers.supplier_type: values not allowed ['factory']",
                     "purchase_orders.quantity: 1 below minimum",
                     "products.supplier_id: 1 orphan references",
                     "payments.paid_on: unparsable dates ['31/02/2025']",
                     "returns.reason: values not allowed ['broken']"):
        assert expected in problems
    clean = generate_portfolio(tmp_path / "clean", seed=11, suppliers=16, years=2)
    assert sum(counts.values()) - sum(clean.values()) == 6


def test_default_portfolio_looks_like_a_mid_size_brand(tmp_path):
    counts = generate_portfolio(tmp_path)
    assert all(n > 0 for n in counts.values())
    sup = read(tmp_path, "suppliers")
    assert len(sup) == 72
    assert 0.3 <= (sup["supplier_type"] == "trading_company").mean() <= 0.5
    per_supplier = read(tmp_path, "products").groupby("supplier_id").size()
    assert per_supplier.between(2, 6).all() and len(per_supplier) == 72
    po = read(tmp_path, "purchase_orders")
    qty, price = po["quantity"].astype(int), po["unit_price"].astype(float)
    assert qty.between(300, 10_000).all() and qty.max() >= 5_000
    assert price.between(1, 40).all()
    gaps = (pd.to_datetime(po["ordered_on"]).groupby(po["sku"]).diff().dt.days.dropna())
    assert 25 <= gaps.median() <= 95
    sales = read(tmp_path, "sales")
    yearly = sales["gross_revenue"].astype(float).groupby(sales["month"].str[:4]).sum()
    assert 5e6 <= yearly.loc["2025"] <= 20e6
    ship = read(tmp_path, "shipments")
    assert (ship["delivered_on"] == "").sum() > 0  # recent shipments are still in transit
    assert ship["mode"].value_counts().index[0] == "sea"


def test_trading_companies_quote_more_for_comparable_skus(mid):
    prod, po = read(mid, "products"), read(mid, "purchase_orders")
    # the true type (ground truth): one planted trading company declares itself a manufacturer in suppliers.csv
    sup = pd.read_csv(mid / "ground_truth" / "supplier_traits.csv", dtype=str)
    lot = pd.read_csv(mid / "ground_truth" / "lot_truth.csv")
    df = po.merge(sup[["supplier_id", "supplier_type"]], on="supplier_id").merge(
        prod[["sku", "category", "product_name"]], on="sku")
    df["unit_price"] = df["unit_price"].astype(float)
    # The hidden mechanism: first-order price over factory cost is 1 + markup (8-20% for traders, 0 for makers).
    first = df.merge(lot[["po_id", "factory_unit_cost", "trading_markup"]], on="po_id").drop_duplicates("sku")
    ratio = (first["unit_price"] / first["factory_unit_cost"]).groupby(first["supplier_type"]).mean()
    assert ratio["trading_company"] - ratio["manufacturer"] > 0.08
    assert ((first["trading_markup"] > 0) == (first["supplier_type"] == "trading_company")).all()
    # The observable: within the same product, traders' mean log price is higher.
    df["product"] = df["category"] + "|" + df["product_name"].str.split(",").str[0]
    by = df.groupby(["product", "supplier_type"])["unit_price"].apply(lambda s: np.log(s).mean()).unstack().dropna()
    assert len(by) >= 5
    assert (by["trading_company"] - by["manufacturer"]).mean() > 0.05


def test_defect_returns_follow_the_true_defect_rate(mid):
    prod, sales, ret = read(mid, "products"), read(mid, "sales"), read(mid, "returns")
    traits = pd.read_csv(mid / "ground_truth" / "supplier_traits.csv").set_index("supplier_id")
    owner = prod.set_index("sku")["supplier_id"]
    defect = ret[ret["reason"].isin(DEFECT_REASONS)]
    returned = defect["quantity"].astype(int).groupby(defect["sku"].map(owner)).sum()
    sold = sales["units_sold"].astype(int).groupby(sales["sku"].map(owner)).sum()
    rate = (returned.reindex(sold.index, fill_value=0) / sold).rename("rate")
    joined = traits.join(rate, how="inner")
    assert len(joined) >= 55
    assert joined["rate"].corr(joined["true_defect_rate"], method="spearman") > 0.5
    assert joined["rate"].corr(joined["hidden_risk"], method="spearman") > 0.4


def test_psi_passes_some_bad_lots_because_sampling_sees_only_a_sample(mid):
    ins, lot = read(mid, "inspections"), pd.read_csv(mid / "ground_truth" / "lot_truth.csv")
    psi = ins[ins["inspection_type"] == "PSI"].merge(lot[["po_id", "true_defect_rate"]], on="po_id")
    bad = psi[psi["true_defect_rate"] >= 0.05]
    assert (bad["result"] == "pass").sum() >= 5
    assert (bad["result"] == "fail").sum() > (bad["result"] == "pass").sum() * 0.5
    good = psi[psi["true_defect_rate"] < 0.01]
    assert (good["result"] == "pass").mean() > 0.9


def test_sample_sizes_and_results_follow_the_aql_plan(mid):
    ins = read(mid, "inspections")
    sampled = ins[ins["sample_size"] != ""]
    assert len(sampled) > 100
    assert set(ins.loc[ins["sample_size"] == "", "inspection_type"]) | set(
        ins.loc[ins["result"] == "pending", "inspection_type"]) <= {"PPI", "CLC", "PSI"}
    for r in sampled.itertuples():
        lot, level = int(r.lot_size), r.inspection_level
        major = sampling_plan(lot, float(r.aql_major), level=level, stage="normal")
        minor = sampling_plan(lot, float(r.aql_minor), level=level, stage="normal")
        assert int(r.sample_size) == major.sample_size, r
        ok = (int(r.critical_defects) == 0 and int(r.major_defects) <= major.accept
              and int(r.minor_defects) <= minor.accept)
        assert r.result == ("pass" if ok else "fail"), r
    assert set(sampled["inspection_level"]) >= {"II"}
    assert (sampled["inspection_level"] == "II").mean() > 0.7


def test_returns_come_after_the_lots_delivery(mid):
    ret, ship = read(mid, "returns"), read(mid, "shipments")
    delivered = ship[ship["delivered_on"] != ""]
    last = pd.to_datetime(delivered["delivered_on"]).groupby(delivered["po_id"]).max()
    traced = ret[ret["po_id"] != ""]
    assert 0.8 < len(traced) / len(ret) < 0.95
    assert traced["po_id"].isin(last.index).all()
    assert (pd.to_datetime(traced["returned_on"]).to_numpy() > last.loc[traced["po_id"]].to_numpy()).all()
    assert (pd.to_datetime(ret["returned_on"]) <= pd.Timestamp(date(2026, 10, 31))).all()


def test_payments_deposit_then_balance_and_open_orders_have_deposits_only(mid):
    pay, po, ship = read(mid, "payments"), read(mid, "purchase_orders"), read(mid, "shipments")
    lot = pd.read_csv(mid / "ground_truth" / "lot_truth.csv").set_index("po_id")
    kinds = pay.groupby("po_id")["kind"].apply(lambda s: ",".join(sorted(s)))
    assert set(kinds.unique()) == {"deposit", "balance,deposit"}
    open_pos = lot.index[lot["is_open"]]
    assert len(open_pos) > 0 and (kinds.loc[open_pos] == "deposit").all()
    assert not ship["po_id"].isin(open_pos).any()
    value = (po.set_index("po_id")["quantity"].astype(int) * po.set_index("po_id")["unit_price"].astype(float))
    paid = pay["amount"].astype(float).groupby(pay["po_id"]).sum()
    full = kinds.index[kinds == "balance,deposit"]
    assert np.allclose(paid.loc[full], value.loc[full], atol=0.02)
    dep = pay[pay["kind"] == "deposit"].set_index("po_id")["amount"].astype(float)
    assert np.allclose(dep / value.loc[dep.index], 0.3, atol=0.001)
    # Some balances were paid before the pre-shipment inspection, and the ground truth says which.
    psi = read(mid, "inspections").query("inspection_type == 'PSI'").groupby("po_id")["inspected_on"].min()
    bal = pay[pay["kind"] == "balance"].set_index("po_id")["paid_on"]
    both = bal.index.intersection(psi.index)
    early = both[bal.loc[both] < psi.loc[both]]
    assert len(early) > 0 and lot.loc[early, "balance_before_psi"].all()
    assert set(pay["channel"]) >= {"trade_assurance", "wire"}


def test_entity_mismatch_shows_in_payee_or_pi_but_name_variants_do_not(mid):
    sup = read(mid, "suppliers").set_index("supplier_id")
    traits = pd.read_csv(mid / "ground_truth" / "supplier_traits.csv", dtype=str, keep_default_na=False).set_index(
        "supplier_id")
    pay, po = read(mid, "payments"), read(mid, "purchase_orders")
    pay["supplier_id"] = pay["po_id"].map(po.set_index("po_id")["supplier_id"])
    mismatched = traits.index[traits["entity_mismatch"] == "true"]
    assert 0.03 <= len(mismatched) / len(traits) <= 0.12
    for sid in mismatched:
        other = traits.loc[sid, "mismatch_entity_name"]
        used = set(pay.loc[pay["supplier_id"] == sid, "payee_name"]) | set(po.loc[po["supplier_id"] == sid,
                                                                            "pi_entity_name"])
        assert other in used and other != sup.loc[sid, "legal_name"]

    def norm(name: str) -> str:
        return re.sub(r"[^A-Z0-9]", "", name.upper()).replace("COLTD", "")
    clean = traits.index[traits["entity_mismatch"] == "false"]
    upper = [s for s in clean if traits.loc[s, "name_variant"] == "upper_case_no_punctuation"]
    assert upper, "the mid portfolio should include a harmless upper-case beneficiary"
    for sid in upper:
        assert sup.loc[sid, "bank_beneficiary"] != sup.loc[sid, "legal_name"]
        assert norm(sup.loc[sid, "bank_beneficiary"]) == norm(sup.loc[sid, "legal_name"])
    assert sup["legal_name"].str.contains("有限公司").any() or sup["bank_beneficiary"].str.contains("有限公司").any()


def test_hidden_risk_is_a_fixed_scale_composite_driven_by_latent_risk(mid):
    traits = pd.read_csv(mid / "ground_truth" / "supplier_traits.csv")
    assert traits["hidden_risk"].between(0, 1).all()
    assert traits["supplier_id"].is_unique and len(traits) == 60
    assert traits["latent_risk"].corr(traits["hidden_risk"], method="spearman") > 0.7
    assert traits["true_defect_rate"].between(0.003, 0.15).all()
    assert (traits["true_defect_rate"] >= 0.05).sum() >= 3
    lot = pd.read_csv(mid / "ground_truth" / "lot_truth.csv")
    drifted = lot.groupby("is_drifted")["true_defect_rate"].median()
    assert drifted[True] > 1.5 * drifted[False]
    subst = lot.merge(traits[["supplier_id", "supplier_type"]], on="supplier_id").groupby("supplier_type")[
        "is_substituted"].mean()
    assert subst["trading_company"] > subst["manufacturer"]
    assert len(lot) == len(read(mid, "purchase_orders"))
