"""`supplier-risk review`: rows the last build warned of marked reviewed in reviewed_warnings.csv of the input folder,
for a team that builds from a folder with the CLI; the next build counts them."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd

from helpers import quiet
from pipelines import cli
from pipelines.build import build

H2 = "shipment H2 shipped on 2024-02-20, before its order P2 was placed on 2024-03-01"
I2 = "inspection I2 (PSI) on 2024-02-25, before its order P2 was placed on 2024-03-01"


def _early(folder) -> None:
    for name, old, new in [("shipments.csv", "H2,P2,sea,2024-04-10", "H2,P2,sea,2024-02-20"),
                           ("inspections.csv", "I2,P2,PSI,2024-04-05", "I2,P2,PSI,2024-02-25")]:
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def test_a_row_found_by_its_id_is_reviewed_in_the_build_folder_and_the_next_build_counts_it(tiny_dir, tmp_path,
                                                                                           capsys):
    """H2 and I2 warned of; `review --matching H2` writes H2's review into the folder the warehouse was built from
    (the default), keeps the other reviews there, and the next build counts H2 as reviewed; --take-back removes it."""
    _early(tiny_dir)
    (tiny_dir / "reviewed_warnings.csv").write_text(
        "check_name,problem,reviewed_on,reviewed_by,note\n"
        'landed_cost_unknown_costs,"shipment H9: duty unknown",2026-11-02,Bo,\n', encoding="utf-8")
    db = tmp_path / "w.duckdb"
    build(tiny_dir, db, log=quiet)
    rc = cli.main(["review", "--db", str(db), "--check", "dates_before_their_order", "--matching", "h2",
                   "--by", "Ana", "--note", "order raised late"])
    out = capsys.readouterr().out
    assert rc == 0
    assert f"  reviewed: shipments.csv:3: {H2}" in out and "I2" not in out.split("wrote")[0]
    written = pd.read_csv(tiny_dir / "reviewed_warnings.csv", dtype=str, keep_default_na=False)
    assert written.values.tolist() == [
        ["dates_before_their_order", H2, written["reviewed_on"].iloc[0], "Ana", "order raised late"],
        ["landed_cost_unknown_costs", "shipment H9: duty unknown", "2026-11-02", "Bo", ""]]
    report = build(tiny_dir, db, log=quiet)
    assert [(n, c) for n, c, _ in report.warnings if n == "dates_before_their_order"] == [
        ("dates_before_their_order", 1)]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select problem from ingest.check_warning_rows where reviewed_on is not null")\
            .fetchall() == [(H2,)]
    # nothing left worth a look that matches: said, nothing written
    assert cli.main(["review", "--db", str(db), "--check", "dates_before_their_order", "--matching", "H2"]) == 1
    assert "matches 'H2'" in capsys.readouterr().out
    # taken back
    assert cli.main(["review", "--db", str(db), "--check", "dates_before_their_order", "--take-back"]) == 0
    again = pd.read_csv(tiny_dir / "reviewed_warnings.csv", dtype=str)
    assert again["check_name"].tolist() == ["landed_cost_unknown_costs"]


def test_a_review_in_a_folder_without_a_reviews_file_keeps_the_reviews_the_warehouse_kept(tiny_dir, tmp_path,
                                                                                           capsys):
    """The Data page reviewed H9's row on a copy of the folder; a nightly build from the folder itself (no reviews
    file) kept that review; `review --matching H2` there writes both into the folder's new file, so the build after
    it still has the page's review."""
    _early(tiny_dir)
    page_copy = tmp_path / "copy"
    shutil.copytree(tiny_dir, page_copy)
    (page_copy / "reviewed_warnings.csv").write_text(
        "check_name,problem,reviewed_on,reviewed_by,note\n"
        'landed_cost_unknown_costs,"shipment H9: duty unknown",2026-11-02,Bo,from the page\n', encoding="utf-8")
    db = tmp_path / "w.duckdb"
    build(page_copy, db, log=quiet)
    build(tiny_dir, db, log=quiet)  # the nightly build: no file in the folder, the review kept
    assert cli.main(["review", "--db", str(db), "--check", "dates_before_their_order", "--matching", "H2",
                     "--by", "Ana"]) == 0
    assert "2 reviews in all" in capsys.readouterr().out
    written = pd.read_csv(tiny_dir / "reviewed_warnings.csv", dtype=str, keep_default_na=False)
    assert written[["check_name", "problem", "reviewed_on", "reviewed_by", "note"]].values.tolist() == [
        ["dates_before_their_order", H2, written["reviewed_on"].iloc[0], "Ana", ""],
        ["landed_cost_unknown_costs", "shipment H9: duty unknown", "2026-11-02", "Bo", "from the page"]]
    build(tiny_dir, db, log=quiet)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from raw.reviewed_warnings").fetchone()[0] == 2


def test_a_check_that_does_not_warn_or_a_folder_with_reviews_in_a_spreadsheet_is_refused(tiny_dir, tmp_path, capsys):
    _early(tiny_dir)
    db = tmp_path / "w.duckdb"
    build(tiny_dir, db, log=quiet)
    assert cli.main(["review", "--db", str(db), "--check", "landed_cost_balances"]) == 2
    assert "'landed_cost_balances' is not a check that warns; one of: dates_before_their_order" in \
        capsys.readouterr().err
    other = tmp_path / "other"
    other.mkdir()
    (other / "reviewed_warnings.xlsx").write_bytes(b"not really a workbook")
    assert cli.main(["review", "--db", str(db), "--check", "dates_before_their_order", "--input", str(other)]) == 2
    assert "reviewed_warnings.xlsx is not a CSV file" in capsys.readouterr().err
    assert not (other / "reviewed_warnings.csv").exists()
