"""SCMS adapter: parsing rules on synthetic cells, then the real USAID files (skipped when absent)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from helpers import SHARED_REAL, quiet
from pipelines import contract as c
from pipelines.adapters import registry, scms, store
from pipelines.cli import main as cli_main

SCMS_DIR = SHARED_REAL / "scms"
COMMON = SCMS_DIR / "SCMS_Delivery_History_Dataset.csv"
DATAGOV = SCMS_DIR / "Supply_Chain_Shipment_Pricing_Data_datagov_format.csv"
MANGLED = SCMS_DIR / "SCMS_Delivery_History_Dataset_dates_mangled.csv"
needs_real = pytest.mark.skipif(not COMMON.exists(), reason=f"real SCMS data not present at {SCMS_DIR}")


# ------------------------------------------------------------------------------------- synthetic: parsing rules
def _read_order_and_delivery(order: str, delivered: str = "2-Jun-06") -> tuple:
    frame = pd.DataFrame({scms.PQ_DATE: [order], scms.PO_DATE: [""], scms.SCHEDULED: [delivered],
                          scms.DELIVERED: [delivered], "_line": [2]})
    read = scms.read_dates(frame)
    day = lambda column: read[column].values[0].date() if pd.notna(read[column].values[0]) else None  # noqa: E731
    error = read[scms.PQ_DATE].errors[0]
    return day(scms.PQ_DATE), day(scms.DELIVERED), error if isinstance(error, str) else None


@pytest.mark.parametrize("order, delivered, expected", [
    ("6/2/06", "2-Jun-06", (date(2006, 6, 2), date(2006, 6, 2))),          # month first: a US export
    ("12/1/06", "02-Jun-06", (date(2006, 12, 1), date(2006, 6, 2))),
    ("6/2/2006", "14-nov-06", (date(2006, 6, 2), date(2006, 11, 14))),     # the data.gov copy's 4-digit years
    ("Pre-PQ Process", "2-Jun-06", (None, date(2006, 6, 2))),              # the no-date markers are empty
    ("Date Not Captured", "2-Jun-06", (None, date(2006, 6, 2))),
    ("N/A - From RDC", "2-Jun-06", (None, date(2006, 6, 2))),
])
def test_dates_are_read_in_the_datasets_own_forms(order, delivered, expected):
    assert _read_order_and_delivery(order, delivered)[:2] == expected


@pytest.mark.parametrize("text, reason", [
    ("2012-01-06", "not in the declared date format M/D/YY: '2012-01-06'"),   # the mangled copy's rewritten form
    ("2/30/06", "not a real calendar day: '2/30/06'"),
    ("13/1/06", "not a real calendar day: '13/1/06'"),
    ("June 2, 2006", "not in the declared date format M/D/YY: 'June 2, 2006'"),
    ("06.02.2006", "not in the declared date format M/D/YY: '06.02.2006'"),
    ("2006/06/02", "not in the declared date format M/D/YY: '2006/06/02'"),
])
def test_a_date_in_another_form_is_refused_never_read(text, reason):
    day, _, error = _read_order_and_delivery(text)
    assert day is None and error == reason


@pytest.mark.parametrize("text, kind, amount, ref", [
    ("780.34", "amount", 780.34, None),
    ("1,653.78", "amount", 1653.78, None),
    ("Freight Included in Commodity Cost", "included", 0.0, None),
    ("Invoiced Separately", "separate", None, None),
    ("", "separate", None, None),
    ("See ASN-93 (ID#:1281)", "reference", None, ("ASN-93", 1281)),
    ("See DN-304 (ID#:10589)", "reference", None, ("DN-304", 10589)),
])
def test_parse_freight(text, kind, amount, ref):
    f = scms.parse_freight(text)
    assert (f.kind, f.amount) == (kind, amount)
    assert (f.ref_shipment, f.ref_id) == (ref or (None, None))


def test_parse_freight_refuses_unknown_text():
    with pytest.raises(ValueError):
        scms.parse_freight("Weight Captured Separately")


def test_vendor_site_and_country_rules():
    assert scms.is_own_site("Aurobindo Pharma Limited", "Aurobindo Unit III, India")
    assert scms.is_own_site("BRISTOL-MYERS SQUIBB", "BMS Meymac, France")          # initials
    assert scms.is_own_site("Abbott GmbH & Co. KG", "ABBVIE GmbH & Co.KG Wiesbaden")  # alias the data uses
    assert not scms.is_own_site("S. BUYS WHOLESALER", "Aurobindo Unit III, India")
    assert not scms.is_own_site("Orgenics, Ltd", "Alere Medical Co., Ltd.")          # generic words only
    assert scms.country_in("AUROBINDO PHARAM (SOUTH AFRICA)") == "ZA"
    assert scms.country_in("Hetero Unit III Hyderabad IN", codes=True) == "IN"
    assert scms.country_in("Aspen-OSD, Port Elizabeth, SA", codes=True) == "ZA"
    assert scms.country_in("S. BUYS WHOLESALER") is None


HEADER = ",".join(f'"{h}"' if "," in h else h for h in scms.COLUMNS)


def _line(id_, asn, po_date, value, freight, first="No", delivered="1-Mar-07", quantity="100"):
    return (f"{id_},P,Pre-PQ Process,SCMS-1,{asn},Rwanda,PMO - US,Direct Drop,EXW,Air,Pre-PQ Process,{po_date},"
            f"1-Mar-07,{delivered},1-Mar-07,ARV,Adult,CIPLA LIMITED,\"Item A, tablets\",A,Generic,1mg,Tablet,60,"
            f"{quantity},{value},1,0.1,\"Cipla, Goa, India\",{first},10,{freight},")


def test_synthetic_shipment_group_rejections_and_freight(tmp_path):
    """A carrier and two referring lines; one referrer is rejected, so its share goes to the written lines."""
    text = "\n".join([
        HEADER,
        _line(1, "ASN-1", "1/5/07", "100", "100.00", first="Yes"),
        _line(2, "ASN-1", "1/5/07", "200", "See ASN-1 (ID#:1)"),
        _line(3, "ASN-1", "4/5/07", "300", "See ASN-1 (ID#:1)"),          # ordered after delivery
        _line(4, "ASN-2", "1/5/05", "50", "Freight Included in Commodity Cost", first="Yes"),  # before start
        _line(5, "ASN-3", "1/5/07", "0", "Invoiced Separately", first="Yes"),                 # value 0
        _line(6, "ASN-4", "Date Not Captured", "10", "5", first="Yes"),                        # no order date
        _line(7, "ASN-5", "1/5/07", "10", "Invoiced Separately", first="Yes"),
    ]) + "\n"
    src = tmp_path / "scms.csv"
    src.write_text(text, encoding="utf-8")
    result = scms.convert(src)
    store.write(registry.convert(src, scms.FORMAT), tmp_path / "out")
    assert (result.rows_read, result.lines_written, result.rows_rejected) == (7, 3, 4)
    by_line = {r.line: r for r in result.rejections}
    assert by_line[4].column == "PO Sent to Vendor Date" and by_line[4].reason.startswith("order date after delivery")
    assert by_line[5].reason.startswith("date before the programme start (2006-01-01)")
    assert by_line[6].column == "Line Item Value"
    assert by_line[7].reason.startswith("no order date")
    assert by_line[4].raw == text.splitlines()[3]
    freight = {s["shipment_id"]: s["freight_cost"] for s in result.tables["shipments"]}
    # 100.00 split by value 100:200 over the written lines: 33.33 + 66.67 (largest remainder), line 3's share kept.
    assert freight == {"ASN-1/1": "33.33", "ASN-1/2": "66.67", "ASN-5/7": ""}
    assert result.freight_carried == result.freight_written == 100.0
    with (tmp_path / "out" / "_imports" / "scms.csv.usaid-scms.rejections.csv").open(newline="",
                                                                                     encoding="utf-8") as handle:
        assert sorted(int(r["line"]) for r in csv.DictReader(handle)) == [4, 5, 6, 7]
    for table in ("suppliers", "products", "purchase_orders", "shipments"):
        with (tmp_path / "out" / f"{table}.csv").open(newline="", encoding="utf-8") as handle:
            assert next(csv.reader(handle)) == c.TABLES_BY_NAME[table].column_names


def test_missing_column_is_a_file_error(tmp_path):
    src = tmp_path / "scms.csv"
    src.write_text("ID,Vendor\n1,X\n", encoding="utf-8")
    with pytest.raises(Exception, match="Project Code"):
        scms.convert(src)


# ------------------------------------------------------------------------------------------- the real files
@pytest.fixture(scope="module")
def converted():
    if not COMMON.exists():
        pytest.skip(f"real SCMS data not present at {SCMS_DIR}")
    return {name: scms.convert(path) for name, path in
            (("common", COMMON), ("datagov", DATAGOV), ("mangled", MANGLED))}


def _raw_rows(path: Path) -> list[dict[str, str]]:
    """The file read with the plain csv module, header names lower-cased: an independent reading."""
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return [{k.lower(): v for k, v in row.items()} for row in reader]


def _independent_date(text: str) -> date | None:
    for fmt in ("%d-%b-%y", "%m/%d/%y", "%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _independent_date_problems(path: Path) -> set[str]:
    """IDs of lines with an order date after delivery or any date before 2006, computed with strptime."""
    bad = set()
    for row in _raw_rows(path):
        pq = _independent_date(row["pq first sent to client date"])
        po = _independent_date(row["po sent to vendor date"])
        delivered = _independent_date(row["delivered to client date"])
        scheduled = _independent_date(row["scheduled delivery date"])
        ordered = po or pq
        dates = [d for d in (pq, po, delivered, scheduled) if d]
        if any(d < date(2006, 1, 1) for d in dates) or (ordered and ordered > min(delivered, scheduled)):
            bad.add(row["id"])
    return bad


DATE_REASONS = ("order date after", "date before the programme start")


def _date_rejected_lines(result) -> set[int]:
    return {r.line for r in result.rejections if r.reason.startswith(DATE_REASONS)}


@needs_real
def test_every_file_reads_10324_lines_and_accounts_for_each(converted):
    for result in converted.values():
        assert result.rows_read == 10_324
        assert result.rows_read == result.lines_written + result.rows_rejected
        assert result.rows_written["purchase_orders"] == result.rows_written["shipments"] == result.lines_written
        assert result.rows_written["suppliers"] == 73


@needs_real
def test_common_copy_counts(converted):
    result = converted["common"]
    assert result.lines_written == 8_365
    assert dict(result.rejected_by_reason()) == {
        "no order date": 1_931,
        "line value is 0 or missing, so unit_price (value / quantity) would not be > 0": 17,
        "order date after delivery": 14,
    }
    rows = _raw_rows(COMMON)
    assert sum(1 for r in rows if float(r["line item value"]) == 0) == 17
    no_date = {"pre-pq process", "date not captured", "n/a - from rdc"}
    assert sum(1 for r in rows if r["po sent to vendor date"].lower() in no_date
               and r["pq first sent to client date"].lower() in no_date) == 1_931


@needs_real
def test_date_rejections_match_an_independent_count(converted):
    common = converted["common"]
    common_ids = _independent_date_problems(COMMON)
    assert len(common_ids) == 14            # real inconsistencies in the published data
    line_to_id = {i + 2: row["id"] for i, row in enumerate(_raw_rows(COMMON))}
    assert {line_to_id[n] for n in _date_rejected_lines(common)} == common_ids
    assert not any(r.reason.startswith("date before the programme start") for r in common.rejections)


ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@needs_real
def test_the_mangled_copy_writes_no_date_that_differs_from_the_original_file(converted):
    """The copy whose m/d/yy dates a tool read as yy-mm-dd (`12/1/06` → `2012-01-06`): every line whose quote or order
    date is in that rewritten form is rejected; every written order, promise and delivery date equals the original
    file's (read independently with strptime)."""
    mangled = converted["mangled"]
    original = {row["id"]: row for row in _raw_rows(COMMON)}
    differ = 0
    for po in mangled.tables["purchase_orders"]:
        row = original[po["po_id"].rsplit("/", 1)[1]]
        ordered = _independent_date(row["po sent to vendor date"]) or _independent_date(
            row["pq first sent to client date"])
        differ += po["ordered_on"] != ordered.isoformat()
        differ += po["promised_ship_on"] != _independent_date(row["scheduled delivery date"]).isoformat()
    for shipment in mangled.tables["shipments"]:
        row = original[shipment["shipment_id"].rsplit("/", 1)[1]]
        delivered = _independent_date(row["delivered to client date"]).isoformat()
        differ += (shipment["shipped_on"], shipment["delivered_on"]) != (delivered, delivered)
    assert differ == 0
    assert mangled.lines_written == 4_122 and mangled.rows_rejected == 6_202
    assert mangled.rows_read == mangled.lines_written + mangled.rows_rejected == 10_324
    # the rejected lines: every line holding a rewritten (ISO) quote or order date, counted independently …
    rewritten = {i + 2 for i, row in enumerate(_raw_rows(MANGLED))
                 if ISO.match(row["pq first sent to client date"]) or ISO.match(row["po sent to vendor date"])}
    form = {r.line for r in mangled.rejections if "not in the dataset's date form M/D/YY" in r.reason}
    assert form == rewritten and len(rewritten) == 4_251
    # … and the others for the reasons the original file has too (no order date, value 0, order after delivery)
    assert dict(mangled.rejected_by_reason()) == {
        "not in the dataset's date form M/D/YY": 4_251, "no order date": 1_931,
        "line value is 0 or missing, so unit_price (value / quantity) would not be > 0": 17,
        "order date after delivery": 11}
    assert any("PO Sent to Vendor Date holds 1,712 date(s) not in the dataset's form M/D/YY (e.g. line 12 "
               "'2012-01-06') beside 2,880 in it" in n for n in mangled.notices)


@needs_real
def test_variants_give_the_same_tables(converted):
    common, datagov = converted["common"], converted["datagov"]
    for table in c.TABLES:
        def key(row, table=table):
            return tuple(row[k] for k in c.TABLES_BY_NAME[table.name].column_names if k in row)
        assert sorted(map(key, common.tables[table.name])) == sorted(map(key, datagov.tables[table.name])), table.name
    assert len(common.rejections) == len(datagov.rejections)


def _row(result, table, key, value):
    found = [r for r in result.tables[table] if r[key] == value]
    assert len(found) == 1, (table, value)
    return {k: v for k, v in found[0].items() if v != ""}


@needs_real
def test_hand_checked_lines(converted):
    result = converted["common"]
    # Line 15, ID 64: CIPLA, PO 12/22/06, scheduled and delivered 27-Feb-07, 10000 x, value 99800, EXW, Air,
    # freight 64179.42 for ASN-242 (lines 64, 1299, 1300); insurance blank.
    assert _row(result, "purchase_orders", "po_id", "SCMS-268/64") == dict(
        po_id="SCMS-268/64", supplier_id="cipla-limited", sku="lamivudine-zidovudine-150-300mg-tablets-60-tabs--cipla-limited",
        ordered_on="2006-12-22", quantity="10000", unit_price="9.98", currency="USD", incoterm="EXW",
        promised_ship_on="2007-02-27")
    assert _row(result, "shipments", "shipment_id", "ASN-242/64") == dict(
        shipment_id="ASN-242/64", po_id="SCMS-268/64", mode="air", shipped_on="2007-02-27",
        delivered_on="2007-02-27", quantity="10000", freight_cost="4607.62")
    assert _row(result, "suppliers", "supplier_id", "cipla-limited") == dict(
        supplier_id="cipla-limited", supplier_name="CIPLA LIMITED", supplier_type="manufacturer", country="IN")
    assert _row(result, "products", "sku", "lamivudine-zidovudine-150-300mg-tablets-60-tabs--cipla-limited") == dict(
        sku="lamivudine-zidovudine-150-300mg-tablets-60-tabs--cipla-limited",
        product_name="Lamivudine/Zidovudine 150/300mg, tablets, 60 Tabs", category="arv_adult",
        supplier_id="cipla-limited", origin_country="IN")
    # Line 10325, ID 86823: from an RDC (PO "N/A - From RDC", so the PQ date 10/16/14), scheduled 31-Aug-15,
    # delivered 4-Aug-15, Truck, 36639 x, value 72911.61, freight included in commodity cost, insurance 85.82.
    assert _row(result, "purchase_orders", "po_id", "SO-50022/86823") == dict(
        po_id="SO-50022/86823", supplier_id="scms-from-rdc",
        sku="lamivudine-zidovudine-30-60mg-dispersible-tablets-60-tabs--scms-from-rdc",
        ordered_on="2014-10-16", quantity="36639", unit_price="1.99", currency="USD", promised_ship_on="2015-08-31")
    assert _row(result, "shipments", "shipment_id", "DN-4336/86823") == dict(
        shipment_id="DN-4336/86823", po_id="SO-50022/86823", mode="truck", shipped_on="2015-08-04",
        delivered_on="2015-08-04", quantity="36639", freight_cost="0", insurance_cost="85.82")
    assert _row(result, "suppliers", "supplier_id", "scms-from-rdc")["supplier_type"] == "trading_company"
    # Line 2, ID 1: PQ "Pre-PQ Process" and PO "Date Not Captured": no order date, rejected and not written.
    (rejection,) = [r for r in result.rejections if r.line == 2]
    assert (rejection.file, rejection.column) == ("SCMS_Delivery_History_Dataset.csv", "PO Sent to Vendor Date")
    assert rejection.reason.startswith("no order date")
    assert rejection.raw.startswith("1,100-CI-T01,Pre-PQ Process,SCMS-4,ASN-8,")
    assert not [r for r in result.tables["purchase_orders"] if r["po_id"] == "SCMS-4/1"]


@needs_real
def test_freight_reference_group_is_split_by_value_to_the_cent(converted):
    result = converted["common"]
    ships = {s["shipment_id"]: s for s in result.tables["shipments"]}
    group = ["ASN-242/64", "ASN-242/1299", "ASN-242/1300"]
    assert [ships[s]["freight_cost"] for s in group] == ["4607.62", "50230.03", "9341.77"]
    # Independent: Hamilton's method on 6,417,942 cents by line values 99800, 1087970.4, 202340.5.
    values = [Fraction("99800"), Fraction("1087970.4"), Fraction("202340.5")]
    quotas = [6_417_942 * v / sum(values) for v in values]
    cents = [q.numerator // q.denominator for q in quotas]
    for i in sorted(range(3), key=lambda i: -(quotas[i] - cents[i]))[: 6_417_942 - sum(cents)]:
        cents[i] += 1
    assert [f"{x / 100:.2f}" for x in cents] == ["4607.62", "50230.03", "9341.77"]
    assert sum(cents) == 6_417_942


@needs_real
def test_total_freight_is_conserved(converted):
    """Numeric freight in the file = freight written + freight of shipments whose every line was rejected."""
    for name, path in (("common", COMMON), ("mangled", MANGLED)):
        result = converted[name]
        file_cents = sum(round(float(r["freight cost (usd)"]) * 100) for r in _raw_rows(path)
                         if r["freight cost (usd)"].replace(".", "", 1).isdigit())
        written = sum(round(float(s["freight_cost"]) * 100) for s in result.tables["shipments"] if s["freight_cost"])
        assert written == round(result.freight_written * 100) == round(result.freight_carried * 100)
        assert written + round(result.freight_lost * 100) == file_cents
    # ASN-93 (the README's example, carrier ID 1281 with 4861.14) has no order dates: the whole group is rejected.
    common = converted["common"]
    assert not [s for s in common.tables["shipments"] if s["shipment_id"].startswith("ASN-93/")]


@needs_real
def test_cli_and_end_to_end_build(converted, tmp_path, capsys):
    out = tmp_path / "scms_import"
    assert cli_main(["import", "--input", str(COMMON), "--out", str(out)]) == 1   # rejected lines: exit 1
    printed = capsys.readouterr().out
    assert "as USAID SCMS delivery history (usaid-scms); read as UTF-8 with BOM, comma-delimited" in printed
    assert "read 10,324 lines from SCMS_Delivery_History_Dataset.csv: 8,365 written, 1,959 rejected" in printed
    assert "1,931 lines: no order date" in printed
    with (out / "_imports" / f"{COMMON.name}.usaid-scms.rejections.csv").open(newline="", encoding="utf-8") as handle:
        assert len({r["line"] for r in csv.DictReader(handle)}) == 1_959
    # the old command is an alias, and importing the same file again adds nothing
    assert cli_main(["import-scms", "--input", str(COMMON), "--out", str(out)]) == 1
    assert "purchase_orders    8,365 rows written to" in capsys.readouterr().out
    assert sum(1 for _ in (out / "purchase_orders.csv").open(encoding="utf-8")) == 8_365 + 1

    from pipelines.build import build

    db = tmp_path / "scms.duckdb"
    report = build(out, db, log=quiet)
    assert report.ingest.rejections == []   # the adapter already rejected everything our validator would
    con = duckdb.connect(str(db), read_only=True)
    try:
        loaded = dict(con.execute("select table_name, rows_loaded from ingest.load_log").fetchall())
        assert loaded["purchase_orders"] == loaded["shipments"] == 8_365
        vendors = {r["vendor"] for r in _raw_rows(COMMON)}
        kpi = con.execute("select s.supplier_name from marts.supplier_kpis k "
                          "join staging.suppliers s using (supplier_id)").fetchall()
        assert sorted(name for (name,) in kpi) == sorted(vendors)
    finally:
        con.close()
