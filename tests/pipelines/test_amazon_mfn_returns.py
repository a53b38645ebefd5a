"""Amazon's returns report for seller-fulfilled orders (GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE): a fixture written to
the published layout (its 32 tab-separated columns, `14-Aug-2026` dates, `CR-` and `AMZ-PG-` reason codes, a
returnless A-to-z refund without an RMA, a `$` amount), every line accounted for, rows by hand, the refund's
currency never assumed, and the returns counted by the build as the FBA report's are."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb

from helpers import FIXTURES, TINY, edited_export
from pipelines.adapters import registry, store
from pipelines.adapters.base import Options

REPORT = FIXTURES / "exports" / "amazon_mfn_returns.txt"
CAD_2026_08 = 1.3908  # data/reference/fx_rates.csv: Canadian dollars per USD, August 2026 (ECB cross rate)


def _returns(folder: Path) -> dict[str, tuple[str, ...]]:
    with (folder / "returns.csv").open(newline="", encoding="utf-8") as handle:
        return {r["return_id"]: (r["sku"], r["returned_on"], r["quantity"], r["reason"], r["channel"],
                                 r["refund_amount"], r["disposition"]) for r in csv.DictReader(handle)}


def _edited(tmp_path: Path, name: str, edit) -> Path:
    """The fixture with `edit(row)` applied to each line (a dict by header), written tab-delimited as `name`."""
    return edited_export(REPORT, tmp_path / name, edit, delimiter="\t")


def test_the_report_gives_returns_with_reasons_and_refunds(tmp_path):
    assert registry.detect(REPORT).name == "amazon-mfn-returns"
    got = registry.convert(REPORT)
    assert got.rows_read == got.rows_written + got.rows_rejected + got.rows_left_out
    assert (got.rows_read, got.rows_written, got.rows_rejected, got.rows_left_out) == (7, 4, 1, 2)
    problems = {(r.line, r.column): r.reason for r in got.rejections()}
    assert problems == {
        (6, "Return request status"): "left out: a return request the seller rejected: not a return",
        (7, "Amazon RMA ID"): "left out: the same return (order, SKU and RMA) is already on line 2",
        (8, "Return Reason"): "unknown Amazon return reason code 'CR-CHANGED_MIND': add it to "
                              "data/reference/amazon_return_reasons.csv (without CR-) with the contract reason it means",
    }
    store.write(got, tmp_path)
    assert _returns(tmp_path) == {
        # CR-DEFECTIVE is the FBA report's DEFECTIVE: the supplier's
        "amz-mfn:112-4000001-0000001:A1:DkX9mRMA01": ("A1", "2026-08-14", "1", "defective", "amazon_us", "39.99", ""),
        "amz-mfn:112-4000001-0000002:A2:DkX9mRMA02": ("A2", "2026-08-19", "2", "not_as_described", "amazon_us",
                                                      "39.98", ""),
        # not refunded yet: the refund is unknown, not zero
        "amz-mfn:112-4000001-0000003:A1:DkX9mRMA03": ("A1", "2026-09-03", "1", "customer_remorse", "amazon_us", "",
                                                      ""),
        # an A-to-z refund without a return authorisation: keyed by its request day; '$29.99' read as 29.99
        "amz-mfn:112-4000001-0000004:B1:2026-09-09#1": ("B1", "2026-09-09", "1", "carrier_damage", "amazon_us",
                                                        "29.99", ""),
    }
    # the same report again changes nothing
    written = store.write(registry.convert(REPORT), tmp_path)
    assert [(w.table, w.added, w.replaced) for w in written] == [("returns", 0, 4)]
    assert len(_returns(tmp_path)) == 4


def test_a_refund_is_converted_from_its_currency_and_refused_without_one_or_without_a_rate(tmp_path):
    def currencies(row: dict) -> None:
        if row["Order ID"].endswith("0001"):
            row["Currency code"] = "CAD"          # August 2026: CAD 39.99 at 1.3908 a dollar
        if row["Order ID"].endswith("0002"):
            row["Currency code"] = ""
        if row["Order ID"].endswith("0004"):
            row["Currency code"] = "TWD"          # the table's TWD rates end in June 2026
    got = registry.convert(_edited(tmp_path, "currencies.txt", currencies), options=Options(channel="amazon_ca"))
    reasons = {(r.line, r.column): r.reason for r in got.rejections() if not r.reason.startswith("left out")}
    assert reasons[(3, "Currency code")] == "the refund's currency is missing: amounts are never assumed to be USD"
    assert reasons[(5, "Refunded Amount")].startswith("amounts in TWD cannot be converted to USD: ")
    assert "2026-09" in reasons[(5, "Refunded Amount")]
    store.write(got, tmp_path / "out")
    rows = _returns(tmp_path / "out")
    assert rows["amz-mfn:112-4000001-0000001:A1:DkX9mRMA01"][4:6] == ("amazon_ca", f"{39.99 / CAD_2026_08:.2f}")
    assert f"{39.99 / CAD_2026_08:.2f}" == "28.75"
    # a return without a refund needs no currency
    assert rows["amz-mfn:112-4000001-0000003:A1:DkX9mRMA03"][5] == ""


def test_seller_fulfilled_returns_count_against_the_supplier_through_a_build(tmp_path, built):
    """The tiny portfolio with the report's returns moved to May 2024: the defective and not-as-described returns of
    A1 and A2 (supplier S1) are in the build's returns beside the FBA ones, with their reasons and refunds; the
    carrier-damaged pan (B1, S2) is not the supplier's."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    path = _edited(tmp_path, "mfn_2024.txt", lambda r: r.update(
        {k: v.replace("-Aug-2026", "-May-2024").replace("-Sep-2026", "-Jun-2024") for k, v in r.items()}))
    store.write(registry.convert(path), folder)
    with duckdb.connect(str(built(folder, tmp_path / "w.duckdb")), read_only=True) as con:
        got = con.execute("""
            select return_id, supplier_id, quantity, reason, is_supplier_attributable, is_defect_coded,
                   cast(refund_amount as double), cast(return_cost as double)
            from marts.return_costs where return_id like 'amz-mfn:%' order by return_id""").fetchall()
    fee = 3.00  # data/reference/marketplace_fees.csv: amazon_us return processing per unit; cost = refund + fee x units
    assert got == [
        ("amz-mfn:112-4000001-0000001:A1:DkX9mRMA01", "S1", 1, "defective", True, True, 39.99, 42.99),         # 39.99 + 3.00
        ("amz-mfn:112-4000001-0000002:A2:DkX9mRMA02", "S1", 2, "not_as_described", True, True, 39.98,
         45.98),                                                                 # 39.98 + 2 x 3.00
        # not refunded yet: no refund in the cost (the build reads an unknown refund as none)
        ("amz-mfn:112-4000001-0000003:A1:DkX9mRMA03", "S1", 1, "customer_remorse", False, False, 0.0, fee),
        ("amz-mfn:112-4000001-0000004:B1:2024-06-09#1", "S2", 1, "carrier_damage", False, False, 29.99,
         32.99)]                                                                 # 29.99 + 3.00


def test_an_older_layout_without_the_rma_and_refund_columns_is_read_by_request_day(tmp_path):
    with REPORT.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    keep = [i for i, h in enumerate(rows[0]) if h not in ("Amazon RMA ID", "Refunded Amount")]
    path = tmp_path / "older.txt"
    path.write_text("".join("\t".join(r[i] for i in keep) + "\r\n" for r in rows), encoding="utf-8")
    got = registry.convert(path)
    assert got.format.name == "amazon-mfn-returns"
    store.write(got, tmp_path / "out")
    rows = _returns(tmp_path / "out")
    # the two identical lines of order 0001 are two occurrences on their day: without an RMA nothing tells them apart
    assert sorted(rows) == ["amz-mfn:112-4000001-0000001:A1:2026-08-14#1", "amz-mfn:112-4000001-0000001:A1:2026-08-14#2",
                            "amz-mfn:112-4000001-0000002:A2:2026-08-19#1", "amz-mfn:112-4000001-0000003:A1:2026-09-03#1",
                            "amz-mfn:112-4000001-0000004:B1:2026-09-09#1"]
    assert {r[5] for r in rows.values()} == {""}     # no refund column: refunds unknown


def test_a_settlement_fills_a_refund_the_report_had_not_seen_and_keeps_one_it_had(tmp_path):
    """The settlement refunds two seller-fulfilled orders: order 0003's return had no refund yet (34.99 is written);
    order 0002's return carried its own (39.98 stays: the settlement's 59.97 is the same money, or the report's later
    view of it). Neither is reported as a refund without a return (before, both were: only the FBA report's returns
    were matched)."""
    settlement = (FIXTURES / "exports" / "amazon_settlement_v2.txt").read_text(encoding="utf-8")
    settlement = settlement.replace("111-2000001-0000002", "112-4000001-0000003")   # A1, -34.99
    settlement = settlement.replace("111-1234567-1000004", "112-4000001-0000002")   # A2, -59.97
    path = tmp_path / "settlement.txt"
    path.write_text(settlement, encoding="utf-8")
    store.write(registry.convert(REPORT), tmp_path / "out")
    got = registry.convert(path)
    store.write(got, tmp_path / "out")
    rows = _returns(tmp_path / "out")
    assert rows["amz-mfn:112-4000001-0000003:A1:DkX9mRMA03"][5] == "34.99"
    assert rows["amz-mfn:112-4000001-0000002:A2:DkX9mRMA02"][5] == "39.98"
    assert not any("have no return" in n for n in got.notices)
    # the other order: the settlement imported first, the report after it, fills the same way
    store.write(registry.convert(path), tmp_path / "first")
    store.write(registry.convert(REPORT), tmp_path / "first")
    assert _returns(tmp_path / "first") == rows
