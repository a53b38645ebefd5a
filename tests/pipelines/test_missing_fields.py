"""Missing is not risky, in built warehouses: a supplier field the data does not carry scores nothing, is listed in
marts.score_unknown_signals and said in the build log; the demo, which carries every field, has none."""
from __future__ import annotations

import duckdb
import pytest

from helpers import SCMS, TINY, blank_columns
from pipelines.cli import main as cli_main



def test_the_demo_carries_every_field_the_score_reads(demo_con):
    assert demo_con.execute("select count(*) from marts.score_unknown_signals").fetchone()[0] == 0


@pytest.mark.skipif(not SCMS.exists(), reason=f"real SCMS data not present at {SCMS}")
def test_on_scms_no_supplier_gets_points_for_fields_the_data_lacks(tmp_path, built):
    out = tmp_path / "scms"
    assert cli_main(["import", "--input", str(SCMS), "--out", str(out)]) == 1  # rejected lines: exit 1
    lines: list[str] = []
    built(out, tmp_path / "scms.duckdb", log=lines.append)
    con = duckdb.connect(str(tmp_path / "scms.duckdb"), read_only=True)
    unknown = con.execute("select signal, missing_fields, max_points from marts.score_unknown_signals "
                          "order by signal").fetchall()
    # SCMS (a USAID delivery history) has no legal names, registry numbers, registry or public-records facts,
    # audits, background-check dates, marketplace badges or NNNs; its import writes suppliers, products, purchase
    # orders and shipments only: no payments, inspections, sales, returns or quality costs, and none of the
    # playbook's control files
    assert unknown == [("audit", "last_audit_on", 2.0),
                       ("background_checks", "registry_checked_on or records_checked_on", 1.0),
                       ("balance_before_psi", "payments and inspections files", 2.5),
                       ("bank_account_changes", "bank_accounts file", 3.0),
                       ("bulk_vs_sample_drift", "inspections file", 2.0),
                       ("changes_after_sample", "changes file", 2.0),
                       ("corrective_actions", "corrective_actions file", 3.0),
                       ("cost_overrun", "payments file", 1.5),
                       ("critical_defects", "inspections file", 3.0),
                       # its shipments carry no customs holds and no documentation errors
                       ("customs_hold_rate", "customs_hold_days in the shipments file", 1.0),
                       ("defect_return_rate", "sales and returns files", 8.5),
                       ("deposits_at_risk", "payments file", 2.0),
                       ("doc_error_rate", "doc_errors in the shipments file", 1.5),
                       ("ip_protection", "nnn_signed or mold_owner", 1.0),
                       ("legal_entity_consistency", "legal_name", 5.0),
                       ("major_defects_vs_aql", "inspections file", 8.0),
                       ("marketplace_profile", "is_verified or alibaba_store_years", 0.5),
                       ("not_as_described_rate", "sales and returns files", 2.0),
                       ("operating_status", "operating_status", 2.0),
                       ("outside_trade_assurance", "payments file", 2.5),
                       ("passed_but_defective", "inspections, sales and returns files", 3.0),
                       ("payee_changes", "payments file", 1.0),
                       ("payee_consistency", "payments file", 5.0),
                       ("psi_failure_rate", "inspections file", 8.0),
                       ("public_records", "litigation_cases or admin_penalties", 2.5),
                       ("quality_cost_share", "quality_costs file", 2.0),
                       ("registration_id", "registration_id", 1.5),
                       # a blank subcontracting loads as the contract's default 'none': 'none' for everyone is
                       # taken as not carried (pipelines/loaders.py)
                       ("subcontracting", "subcontracting", 1.5),
                       ("undocumented_changes", "changes file", 1.5)]
    # what the score can see on this data: lateness and lead times (15 of the delivery pillar's 17.5 points) and
    # price jumps and drift (5)
    assert sum(r[2] for r in unknown) == 80.0
    points = con.execute("""select count(*), sum(points), count(*) filter (where explanation like 'unknown: %')
                            from marts.supplier_signals
                            where signal in (select signal from marts.score_unknown_signals)""").fetchone()
    suppliers = con.execute("select count(*) from marts.supplier_risk_score").fetchone()[0]
    assert points == (29 * suppliers, 0.0, 29 * suppliers)
    assert any("the data has no registration_id for any supplier" in line for line in lines)
    assert any("the data has no bank_accounts file: 'bank account changes not verified' scores 0" in line
               for line in lines)
    assert any("the data has no inspections file: 'failed pre-shipment inspections' scores 0" in line
               for line in lines)
    # 80 unknown points ≥ the 4 that lower confidence: nobody is graded A
    assert con.execute("select count(*) from marts.supplier_risk_score where confidence = 'A'").fetchone()[0] == 0
    con.close()


def test_orders_without_a_shipments_file_build_with_shipping_unknown(tiny_dir, tmp_path, built):
    """A brand that imports its purchase orders but no shipments: the build succeeds (it failed its own KPI-vs-score
    check before, every due order counted late at a 0% on-time rate), and what needs to know what shipped is unknown
    (NULL), not 'nothing shipped': on time, open, late, lead time, open exposure, deposits at risk."""
    from pipelines.steps.po_status import SHIPPING_COLUMNS

    (tiny_dir / "shipments.csv").unlink()
    db = tmp_path / "noshipments.duckdb"
    built(tiny_dir, db)
    with duckdb.connect(str(db), read_only=True) as con:
        nulls = con.execute(f"select {', '.join(f'count({c})' for c in SHIPPING_COLUMNS)}, count(*) "
                            "from marts.po_status").fetchone()
        assert nulls[:-1] == (0,) * len(SHIPPING_COLUMNS) and nulls[-1] == 6  # the tiny portfolio's 6 orders
        kpis = con.execute("select supplier_id, on_time_rate, resolved_po_count, open_exposure, deposit_at_risk, "
                           "po_count from marts.supplier_kpis order by supplier_id").fetchall()
        # S1 and S2 have 3 orders each: unknown; S3 has none, so nothing of it is open or at risk
        assert [k[1:] for k in kpis] == [(None, 0, None, None, 3), (None, 0, None, None, 3), (None, 0, 0.0, 0.0, 0)]
        late = con.execute("select signal from marts.score_unknown_signals where missing_files = 'shipments' "
                           "order by signal").fetchall()
        assert ("late_rate",) in late
    # with the file, the same orders are judged (the tiny portfolio's own warehouse)
    with duckdb.connect(str(built(TINY, tmp_path / "tiny.duckdb")), read_only=True) as con:
        assert con.execute("select count(*) from marts.po_status where is_resolved is null").fetchone()[0] == 0


def test_payments_naming_accounts_build_without_a_bank_accounts_file(tiny_dir, tmp_path, built):
    """The payments name their bank account and no bank-accounts file was imported: the build publishes with every
    payment (the reference cannot be checked, pipelines/validate.py) and the account is unknown, not an orphan."""
    import pandas as pd

    pay = pd.read_csv(tiny_dir / "payments.csv", dtype=str)
    pay["bank_account_id"] = "BA-1"
    pay.to_csv(tiny_dir / "payments.csv", index=False)
    lines: list[str] = []
    db = built(tiny_dir, tmp_path / "accounts.duckdb", log=lines.append)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*), count(bank_account_id) from staging.payments").fetchone() == (len(pay),) * 2
        unknown = {s for (s,) in con.execute("select signal from marts.score_unknown_signals").fetchall()}
    assert "bank_account_changes" in unknown
    assert any("bank_account_id is not checked against bank_accounts" in line for line in lines)


def test_returns_that_name_no_lot_judge_no_lot_by_its_field_returns(tmp_path, tiny_dir, built):
    """The tiny portfolio's returns as a marketplace report gives them, without the purchase order (lot) they came
    from: no lot is judged by its field returns (none mature, field defect rate unknown, no escape rate), the
    passed-but-defective signal is unknown and the build log says so. With the lots named, P1 has a field defect rate
    (3 defect-coded units of its 1,000 delivered; not yet mature at the tiny portfolio's date)."""
    lines: list[str] = []
    built(tiny_dir, tmp_path / "with.duckdb")
    blank_columns(tiny_dir / "returns.csv", ["po_id"])
    built(tiny_dir, tmp_path / "without.duckdb", log=lines.append)
    with duckdb.connect(str(tmp_path / "with.duckdb"), read_only=True) as con:
        named = con.execute("select po_id, is_mature, field_defect_rate from marts.inspection_lots "
                            "order by po_id").fetchall()
    with duckdb.connect(str(tmp_path / "without.duckdb"), read_only=True) as con:
        lots = con.execute("select po_id, is_mature, field_defect_rate from marts.inspection_lots "
                           "order by po_id").fetchall()
        blind = con.execute("select sum(mature_passed_lots), count(escape_rate) from marts.inspection_blind_spot"
                            ).fetchone()
        unknown = con.execute("select signal, missing_fields from marts.score_unknown_signals "
                              "where signal = 'passed_but_defective'").fetchall()
    assert ("P1", False, pytest.approx(0.003)) in named
    assert [(p, m, r) for p, m, r in lots] == [(p, False, None) for p, _, _ in named]
    assert blind == (0, 0)
    assert unknown == [("passed_but_defective", "po_id in the returns file")]
    assert ("      notice: the data has no po_id in the returns file: 'lots passed at inspection but returned "
            "defective' scores 0 of 3 points and is shown as unknown") in lines


def test_a_purchase_orders_file_without_promised_dates_builds_with_lateness_unknown(tmp_path, tiny_dir, built):
    """A PO tracker without promised ship dates (the column is optional) built only to fail in the incident model (an
    empty text column compared with numbers); now it builds, and the three signals that read the promise are unknown
    and said."""
    blank_columns(tiny_dir / "purchase_orders.csv", ["promised_ship_on"])
    lines: list[str] = []
    built(tiny_dir, tmp_path / "w.duckdb", log=lines.append)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        unknown = con.execute("select signal from marts.score_unknown_signals where missing_fields = "
                              "'promised_ship_on in the purchase_orders file' order by signal").fetchall()
        predicted = con.execute("select count(*) from marts.incident_predictions").fetchone()[0]
    assert [u for (u,) in unknown] == ["deposits_at_risk", "late_rate", "severe_late_rate"]
    assert predicted == 3   # one next-order prediction per supplier
    assert ("      notice: the data has no promised_ship_on in the purchase_orders file: 'late shipments' scores 0 "
            "of 7 points and is shown as unknown") in lines


def test_every_optional_column_blank_on_every_row_builds_and_scores_nothing_for_it(tmp_path, built):
    """The tiny portfolio with its control files, every optional contract column blanked on every row (the least a
    mapped spreadsheet may carry; quality costs keep the supplier or order the row rule asks for one of): the build
    publishes, and every signal that reads an optional field is unknown rather than scored on blanks."""
    import shutil

    from helpers import FIXTURES
    from models import signals
    from pipelines import contract

    folder = tmp_path / "in"
    shutil.copytree(TINY, folder)
    for f in (FIXTURES / "controls").glob("*.csv"):
        shutil.copy(f, folder / f.name)
    for table in contract.TABLES:
        path = folder / f"{table.name}.csv"
        if table.name != "quality_costs" and path.exists():
            blank_columns(path, [c.name for c in table.columns if not c.required])
    built(folder, tmp_path / "w.duckdb")
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        unknown = {s for (s,) in con.execute("select signal from marts.score_unknown_signals").fetchall()}
        scored = con.execute("select count(*) from marts.supplier_risk_score").fetchone()[0]
    assert scored == 3  # S3, without orders and with its onboarding date blanked here, from the as-of date
    assert {name for name, s in signals.REGISTRY.items() if s.needs} <= unknown
