"""`supplier-risk tariffs` prints the stack of duty rows for an entry with each row's source, and flags estimates."""

from __future__ import annotations

from pipelines.cli import main


def test_tariffs_prints_the_issue_example_with_sources(capsys):
    # 4202.92.3131 from CN on 2026-03-10: MFN 17.6 + Section 122 10 + Section 301 25 = 52.6%;
    # on 12,000.00: 2,112.00 + 1,200.00 + 3,000.00 = 6,312.00.
    assert main(["tariffs", "--hs", "4202.92.3131", "--origin", "CN", "--on", "2026-03-10", "--value", "12000"]) == 0
    out = capsys.readouterr().out
    lines = [line.split() for line in out.splitlines()]
    assert ["mfn", "17.6%", "value", "2,112.00", "verified", "4202.92.31", "*"] in lines
    assert any(parts[:3] == ["section_122", "10%", "value"] and "1,200.00" in parts and "9903.03.01" in parts
               for parts in lines)
    assert any(parts[:2] == ["section_301", "25%"] and "3,000.00" in parts for parts in lines)
    assert ["total", "52.6%", "on", "12,000.00", "6,312.00"] in lines
    assert "CBP CSMS #67844987" in out and "USTR 84 FR 20459" in out
    assert "ieepa" not in out and "ESTIMATED" not in out


def test_tariffs_flags_an_entry_after_verified_through_and_shows_unverified_notes(capsys):
    # 2026-08-10 is after duty_rates' verified-through date (2026-07-23): Section 122 has ended and the forced-labor
    # duty applies (MFN 0 + 232 50% on steel + 301 25% + forced labor 12.5% on the rest); on 10,000.00 with 60%
    # steel: 0.00 + 3,000.00 + 2,500.00 + 500.00 = 6,000.00.
    assert main(["tariffs", "--hs", "7318.15.2095", "--origin", "CN", "--on", "2026-08-10", "--value", "10000",
                 "--steel-pct", "60"]) == 0
    out = capsys.readouterr().out
    assert "ESTIMATED: entered after the duty table's verified-through date 2026-07-23" in out
    assert ["total", "87.5%", "on", "10,000.00", "6,000.00"] in [line.split() for line in out.splitlines()]
    assert ["section_301_forced_labor", "12.5%", "value", "not", "under", "section_232", "500.00", "unverified", "*",
            "CN", "9903.05.31"] in [line.split() for line in out.splitlines()]
    assert "note: Not sure: 7318.15.20 (bolts)" in out


def test_tariffs_refuses_an_uncovered_code(capsys):
    assert main(["tariffs", "--hs", "8501.10.4060", "--origin", "CN", "--on", "2026-03-10"]) == 1
    assert "no MFN row covers HS 8501.10.4060" in capsys.readouterr().err


def test_tariffs_names_the_section_301_row_a_code_of_china_lacks(capsys, tmp_path, monkeypatch):
    """A brand added the MFN row of a chair (9401.61.40, Free) but not its Section 301 row: refused, saying which."""
    import shutil

    from models import landed_cost as lc

    ref = tmp_path / "reference"
    shutil.copytree(lc.REFERENCE_DIR, ref)
    with (ref / "duty_rates.csv").open("a", encoding="utf-8") as f:
        f.write("9401.61.40,*,mfn,0,2018-01-01,,,value,,,,verified,test MFN row,\n")
    monkeypatch.setattr(lc, "REFERENCE_DIR", ref)
    assert main(["tariffs", "--hs", "9401.61.4011", "--origin", "CN", "--on", "2024-06-01"]) == 1
    assert "error: no section_301 row for HS 9401.61.4011 from CN" in capsys.readouterr().err
    assert main(["tariffs", "--hs", "9401.61.4011", "--origin", "VN", "--on", "2024-06-01"]) == 0


def test_duty_gaps_lists_the_codes_to_add_and_writes_their_rows(capsys, tmp_path, built):
    """The tiny portfolio with A2 made a chair of 9401.61.4011 (no MFN, no Section 301 row): listed with its SKU, and
    the rows to fill in written in duty_rates.csv's columns (MFN for every origin from 2018-01-01, Section 301 for
    CN from the lists' start, 2018-07-06). The tiny portfolio as given has nothing to add; asked for an entry date
    after the duty table's verified-through date, it says the prices are estimates, as `tariffs` does."""
    import csv

    from helpers import TINY, tiny_with_products

    folder = tiny_with_products(tmp_path / "input", ("A2,Lamp shade,home_lighting,S1,9405.42.8440,CN",
                                                     "A2,Bar stool,home_lighting,S1,9401.61.4011,CN"))
    db = built(folder, tmp_path / "w.duckdb")
    clean = built(TINY, tmp_path / "clean.duckdb")
    assert main(["duty-gaps", "--db", str(clean)]) == 0
    out = capsys.readouterr().out
    assert "the duty table prices every HS code and origin" in out and "ESTIMATED" not in out
    assert main(["duty-gaps", "--db", str(clean), "--on", "2026-08-10"]) == 0  # after verified-through (2026-07-23)
    assert ("ESTIMATED: 2026-08-10 is after the duty table's verified-through date 2026-07-23: the codes it prices "
            "carry the rows as written") in capsys.readouterr().out
    out_csv = tmp_path / "rows.csv"
    assert main(["duty-gaps", "--db", str(db), "--out", str(out_csv)]) == 0
    out = capsys.readouterr().out
    assert "entered on 2024-06-21: 1 HS code and origin (1 SKU) the duty table cannot price" in out
    assert "  9401.61.4011 from CN: no mfn and no section_301 row (1 SKU: A2)" in out
    with out_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["hs_code"], r["origin_country"], r["duty_type"], r["rate_pct"], r["effective_from"], r["source"])
            for r in rows] == [("9401.61.40", "*", "mfn", "", "2018-01-01", ""),
                               ("9401.61.40", "CN", "section_301", "", "2018-07-06", "")]


def test_the_build_lists_the_duty_gaps_the_rule_finds_on_the_analysis_date(capsys, tmp_path, built):
    """marts.duty_gaps is models.landed_cost.duty_gaps on the build's products and analysis date, row for row; the
    CLI prints it, and with --on asks the rule for another date: before the Section 301 lists began (2018-07-06) the
    chair lacks only its MFN row. A warehouse built before the mart is told to be rebuilt (exit 2)."""
    import duckdb

    from helpers import tiny_with_products
    from models import landed_cost as lc
    from pipelines.steps import duty_gaps as step

    folder = tiny_with_products(tmp_path / "input", ("A2,Lamp shade,home_lighting,S1,9405.42.8440,CN",
                                                     "A2,Bar stool,home_lighting,S1,9401.61.4011,CN"))
    db = built(folder, tmp_path / "w.duckdb")
    with duckdb.connect(str(db), read_only=True) as con:
        mart = step.listed(con)
        expected = lc.duty_gaps(step.products(con), con.execute("select as_of from ingest.build_info").fetchone()[0])
    assert mart.to_dict("records") == expected.to_dict("records") == [
        {"hs_code": "9401.61.4011", "origin_country": "CN", "missing": "mfn, section_301", "sku_count": 1,
         "skus": "A2"}]
    assert main(["duty-gaps", "--db", str(db), "--on", "2018-06-01"]) == 0
    out = capsys.readouterr().out
    assert "entered on 2018-06-01: 1 HS code and origin (1 SKU) the duty table cannot price" in out
    assert "  9401.61.4011 from CN: no mfn row (1 SKU: A2)" in out
    with duckdb.connect(str(db)) as con:
        con.execute("drop table marts.duty_gaps")
        con.execute("update ingest.build_info set code_version = 'old'")
    assert main(["duty-gaps", "--db", str(db)]) == 2
    assert "error: duty-gaps cannot read the warehouse at" in capsys.readouterr().err
