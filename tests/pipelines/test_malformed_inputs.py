"""Malformed inputs, one parametrised suite: every file is either refused with one clear message, or read with
every row conserved (read = loaded + rejected + collapsed), no good row lost or changed, and a clear reason for
each rejected one. Cases come from a reliability probe of real-world breakage (issue #12) and the cases the reader
already handled (delimiters, encodings, quotes, keys, orphans, dates, numbers, empty files)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest

from helpers import TINY
from pipelines.ingest import IngestError, read_and_validate

SUPPLIERS = (TINY / "suppliers.csv").read_text()
PRODUCTS = (TINY / "products.csv").read_text()
ORDERS = (TINY / "purchase_orders.csv").read_text()


@dataclass
class Case:
    """A folder to build, then what must hold: the file-level error, or per table the loaded keys and the
    rejected (line, column, reason fragment)."""

    make: Callable[[Path], None]
    error: str | None = None
    loaded: dict[str, list] = field(default_factory=dict)
    rejected: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)
    notice: str | None = None
    values: dict[tuple[str, str], list] = field(default_factory=dict)  # (table, column) → loaded values


def write(folder: Path, name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> None:
    (folder / name).write_bytes(text.replace("\n", newline).encode(encoding))


def base(folder: Path, suppliers: str = SUPPLIERS, products: str = PRODUCTS, orders: str = ORDERS) -> None:
    write(folder, "suppliers.csv", suppliers)
    write(folder, "products.csv", products)
    write(folder, "purchase_orders.csv", orders)


def orders_with(*replacements: tuple[str, str]) -> str:
    text = ORDERS
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text


def two_sheets(folder: Path) -> None:
    base(folder)
    frame = pd.read_csv(TINY / "products.csv", dtype=str)
    with pd.ExcelWriter(folder / "products.xlsx") as xl:
        frame.iloc[:2].to_excel(xl, sheet_name="Lamps", index=False)
        frame.iloc[2:].to_excel(xl, sheet_name="Kitchen", index=False)
        pd.DataFrame({"note": ["prices are FOB"]}).to_excel(xl, sheet_name="Notes", index=False)
    (folder / "products.csv").unlink()


def xlsx_dates(folder: Path) -> None:
    base(folder)
    frame = pd.read_csv(TINY / "purchase_orders.csv", dtype=str)
    for col in ("ordered_on", "promised_ship_on", "sample_approved_on"):
        frame[col] = pd.to_datetime(frame[col])  # real date cells
    frame["quantity"] = frame["quantity"].astype(int)
    frame["unit_price"] = frame["unit_price"].astype(float)
    frame.to_excel(folder / "purchase_orders.xlsx", index=False)
    (folder / "purchase_orders.csv").unlink()


def parquet_nullable(folder: Path) -> None:
    base(folder)
    frame = pd.read_csv(TINY / "suppliers.csv", dtype=str)
    frame["alibaba_store_years"] = pd.array([8, None, 2], dtype="Int64")
    frame["onboarded_on"] = pd.to_datetime(["2023-06-01", None, "2024-05-01"])  # NaT in the middle
    frame["last_audit_on"] = pd.to_datetime(frame["last_audit_on"])
    frame.to_parquet(folder / "suppliers.parquet", index=False)
    (folder / "suppliers.csv").unlink()


def long_field(folder: Path) -> None:
    base(folder, products=PRODUCTS.replace("Oak bedside lamp", "Oak bedside lamp " + "x" * 200_000))


def line_over_duckdb_limit(folder: Path) -> None:
    # DuckDB's CSV reader refuses a line over its 2 MB default limit: the careful reader reads the file instead
    base(folder, products=PRODUCTS.replace("Oak bedside lamp", "Oak bedside lamp " + "x" * 2_500_000))


def latin1(folder: Path) -> None:
    base(folder)
    write(folder, "suppliers.csv", SUPPLIERS.replace("Hanoi Gamma", "Müller Präzision"), encoding="latin-1")


def renamed_optional(folder: Path) -> None:
    base(folder)
    write(folder, "shipments.csv", (TINY / "shipments.csv").read_text().replace("delivered_on", "delivery_date"))


def wrong_extension(folder: Path) -> None:
    base(folder)
    (folder / "suppliers.csv").rename(folder / "suppliers.txt")


def given_twice(folder: Path) -> None:
    base(folder)
    (folder / "suppliers.xlsx").write_bytes(b"")  # a second file for the same table


def trailing_commas(folder: Path) -> None:
    lines = PRODUCTS.strip().split("\n")
    base(folder, products="\n".join([lines[0]] + [line + "," for line in lines[1:]]) + "\n")


def semicolons(folder: Path) -> None:
    base(folder, products=PRODUCTS.replace(",", ";").replace("Oak bedside lamp", "Oak bedside lamp, small"))


def pipes(folder: Path) -> None:
    base(folder, products=PRODUCTS.replace(",", "|"))


def tabs_utf16(folder: Path) -> None:
    base(folder)
    write(folder, "products.csv", "\ufeff" + PRODUCTS.replace(",", "\t"), encoding="utf-16-le", newline="\r\n")


def nul_byte(folder: Path) -> None:
    base(folder, orders=orders_with(("P2,S1,A1", "P2,S1\x00,A1")))


def blank_lines_only(folder: Path) -> None:
    base(folder)
    write(folder, "products.csv", "\n\n\n")


def ambiguous_thousands_in_semicolon_file(folder: Path) -> None:
    text = ORDERS.replace(",", ";").replace('"Ningbo Alpha Co.; Ltd."', "Ningbo Alpha").replace(
        '"Yiwu Beta Trading Co.; Ltd."', "Yiwu Beta").replace("P1;S1;A1;2024-01-02;1000", "P1;S1;A1;2024-01-02;1,000")
    base(folder, orders=text)


def semicolon_orders(folder: Path, quantity: dict[str, str] | None = None, price: dict[str, str] | None = None,
                     delimiter: str = ";") -> None:
    """The tiny orders as a European spreadsheet saves them: semicolon-delimited, with some cells rewritten by
    po_id."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(ORDERS)))
    at = {name: rows[0].index(name) for name in ("quantity", "unit_price")}
    for row in rows[1:]:
        for column, changes in (("quantity", quantity or {}), ("unit_price", price or {})):
            row[at[column]] = changes.get(row[0], row[at[column]])
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    base(folder, orders=out.getvalue().replace("\r\n", "\n"))


DECIMAL_COMMAS = {"P1": "5,00", "P2": "5,50", "P3": "2,00", "P4": "1.234,50", "P5": "11,00", "P6": "11,00"}


CASES = {
    # --- reported by the probe ---------------------------------------------------------------------------------
    "xlsx with two sheets reads both (and skips a notes sheet)": Case(
        two_sheets, loaded={"products": ["A1", "A2", "B1"]},
        notice="products.xlsx: sheet 'Notes' has no sku, supplier_id column, so it is not read"),
    "xlsx with real date cells": Case(
        xlsx_dates, loaded={"purchase_orders": ["P1", "P2", "P3", "P4", "P5", "P6"]},
        values={("purchase_orders", "ordered_on"): [pd.Timestamp(d) for d in (
            "2024-01-02", "2024-03-01", "2024-02-01", "2024-01-15", "2024-05-01", "2024-06-20")]}),
    "parquet with nullable integers and NaT": Case(
        parquet_nullable, loaded={"suppliers": ["S1", "S2", "S3"]},
        values={("suppliers", "alibaba_store_years"): [8, None, 2]}),
    "fractional, huge and overflowing integers are rejected": Case(
        lambda f: base(f, orders=orders_with(("P1,S1,A1,2024-01-02,1000", "P1,S1,A1,2024-01-02,1.5"),
                                             ("P2,S1,A1,2024-03-01,1000", "P2,S1,A1,2024-03-01,1e20"),
                                             ("P3,S1,A2,2024-02-01,500", "P3,S1,A2,2024-02-01,9223372036854775808"))),
        loaded={"purchase_orders": ["P4", "P5", "P6"]},
        rejected={"purchase_orders": [(2, "quantity", "not a whole number: '1.5'"),
                                      (3, "quantity", "out of range for a whole number"),
                                      (4, "quantity", "out of range for a whole number")]}),
    "a 17-digit integer is stored exactly": Case(
        lambda f: base(f, orders=orders_with(("P1,S1,A1,2024-01-02,1000", "P1,S1,A1,2024-01-02,99999999999999999"))),
        loaded={"purchase_orders": ["P1", "P2", "P3", "P4", "P5", "P6"]},
        values={("purchase_orders", "quantity"): [99999999999999999, 1000, 500, 200, 300, 100]}),
    "a field over 131,072 characters": Case(long_field, loaded={"products": ["A1", "A2", "B1"]}),
    "a line over DuckDB's 2 MB line limit": Case(line_over_duckdb_limit, loaded={"products": ["A1", "A2", "B1"]},
                                                 values={("products", "product_name"): [
                                                     "Oak bedside lamp " + "x" * 2_500_000, "Lamp shade",
                                                     PRODUCTS.splitlines()[3].split(",")[1]]}),
    "latin-1 text is refused, not read as Chinese": Case(
        latin1, error="suppliers.csv: is not UTF-8, and its text reads differently as Chinese (GB18030) and as "
                      "European (Latin-1/Windows-1252), e.g. line 4:"),
    "a renamed optional column is refused, not left empty": Case(
        renamed_optional, error="shipments.csv, column delivery_date: is not a column of shipments; it looks like "
                                "'delivered_on'"),
    "suppliers.txt is named, and its children say why they are rejected": Case(
        wrong_extension, loaded={"suppliers": [], "products": []},
        notice="suppliers.txt: .txt is not a supported format (.csv, .xlsx, .parquet), so suppliers is not read "
               "from it; rename it suppliers.csv if it is comma-separated text",
        rejected={"products": [(2, "supplier_id", "'S1' is not in suppliers (orphan reference)"),
                               (3, "supplier_id", "'S1' is not in suppliers (orphan reference)"),
                               (4, "supplier_id", "'S2' is not in suppliers (orphan reference)")]}),
    "a table given twice is one error, not a crash": Case(
        given_twice, error="suppliers.xlsx: suppliers is given twice (suppliers.csv, suppliers.xlsx); keep one"),
    "a trailing comma on every row is an empty extra field, not a reason to reject": Case(
        trailing_commas, loaded={"products": ["A1", "A2", "B1"]},
        values={("products", "unit_volume_m3"): [0.008, 0.004, 0.006]}),
    "a semicolon-delimited file is read as such": Case(
        semicolons, loaded={"products": ["A1", "A2", "B1"]},
        notice="products.csv: read as semicolon-delimited (the header has no comma)",
        values={("products", "product_name"): ["Oak bedside lamp, small", "Lamp shade", "Steel pan"]}),
    "a pipe-delimited file says so": Case(
        pipes, error="products.csv, column sku: required column is missing from the header (the header is one "
                     "single column 'sku|product_name|category|supplier_id|hs_code|origin_country…': is the "
                     "file pipe-delimited? Use commas)"),
    "a NUL byte is named as such": Case(
        nul_byte, loaded={"purchase_orders": ["P1", "P3", "P4", "P5", "P6"]},
        rejected={"purchase_orders": [(3, "supplier_id", "contains a NUL character")]}),
    "a file of blank lines is empty": Case(blank_lines_only, error="products.csv: is empty (no header row)"),
    # --- already handled, kept honest ----------------------------------------------------------------------------
    "utf-16 tab-delimited (Excel 'Unicode text')": Case(
        tabs_utf16, loaded={"products": ["A1", "A2", "B1"]},
        notice="products.csv: read as UTF-16 (Excel 'Unicode text')"),
    "gb18030 chinese": Case(
        lambda f: (base(f), write(f, "suppliers.csv", SUPPLIERS.replace("Hanoi Gamma", "河内伽马"), "gb18030")),
        loaded={"suppliers": ["S1", "S2", "S3"]},
        values={("suppliers", "supplier_name"): ["Ningbo Alpha Store", "Yiwu Beta Trading", "河内伽马"]}),
    "utf-8 bom and crlf": Case(
        lambda f: (base(f), write(f, "products.csv", "\ufeff" + PRODUCTS, newline="\r\n")),
        loaded={"products": ["A1", "A2", "B1"]}),
    "stray quote costs one line": Case(
        lambda f: base(f, orders=orders_with(("P2,S1,A1,2024-03-01", 'P2,S1,"A1,2024-03-01'))),
        loaded={"purchase_orders": ["P1", "P3", "P4", "P5", "P6"]},
        rejected={"purchase_orders": [(3, "(row)", "unbalanced quote")]}),
    "line break inside a quoted cell": Case(
        lambda f: base(f, products=PRODUCTS.replace("Oak bedside lamp", '"Oak bedside\nlamp"')),
        loaded={"products": ["A1", "A2", "B1"]},
        values={("products", "product_name"): ["Oak bedside\nlamp", "Lamp shade", "Steel pan"]}),
    "conflicting duplicate keys": Case(
        lambda f: base(f, orders=ORDERS + "P6,S2,B1,2024-06-20,999,11.00,USD,FOB,2024-07-20,,,wire\n"),
        loaded={"purchase_orders": ["P1", "P2", "P3", "P4", "P5"]},
        rejected={"purchase_orders": [(7, "po_id", "duplicate key (P6) with different values on lines 7, 8"),
                                      (8, "po_id", "duplicate key (P6) with different values on lines 7, 8")]}),
    "orphan and bad date": Case(
        lambda f: base(f, orders=orders_with(("P4,S2,B1,2024-01-15", "P4,S9,B1,2024-01-15"),
                                             ("P5,S2,B1,2024-05-01", "P5,S2,B1,01/05/2024"))),
        loaded={"purchase_orders": ["P1", "P2", "P3", "P6"]},
        rejected={"purchase_orders": [(5, "supplier_id", "'S9' is not in suppliers (orphan reference)"),
                                      (6, "ordered_on", "not a date in YYYY-MM-DD form: '01/05/2024'")]}),
    "ambiguous thousands separator in a semicolon file": Case(
        ambiguous_thousands_in_semicolon_file, loaded={"purchase_orders": ["P2", "P3", "P4", "P5", "P6"]},
        rejected={"purchase_orders": [(2, "quantity", "ambiguous number")]}),
    # a European spreadsheet: the column's own values prove its decimal separator (19,99: two digits after a comma)
    "decimal commas proven by the column in a semicolon file": Case(
        lambda f: semicolon_orders(f, price=DECIMAL_COMMAS),
        loaded={"purchase_orders": ["P1", "P2", "P3", "P4", "P5", "P6"]},
        values={("purchase_orders", "unit_price"): [5.0, 5.5, 2.0, 1234.5, 11.0, 11.0],
                ("purchase_orders", "quantity"): [1000, 1000, 500, 200, 300, 100]},
        notice="purchase_orders.csv: unit_price written with decimal commas (its values show it: 1.234,50 is "
               "1234.50)"),
    "in a decimal-comma column a point separates thousands": Case(
        lambda f: semicolon_orders(f, price={**DECIMAL_COMMAS, "P6": "1.100"}),
        loaded={"purchase_orders": ["P1", "P2", "P3", "P4", "P5", "P6"]},
        values={("purchase_orders", "unit_price"): [5.0, 5.5, 2.0, 1234.5, 11.0, 1100.0]}),
    "decimal points proven by the column in a tab-delimited file": Case(
        lambda f: semicolon_orders(f, price={"P4": "1,234.50", "P6": "1,100"}, delimiter="\t"),
        loaded={"purchase_orders": ["P1", "P2", "P3", "P4", "P5", "P6"]},
        values={("purchase_orders", "unit_price"): [5.0, 5.5, 2.0, 1234.5, 11.0, 1100.0]}),
    # 1.000 in a semicolon file is a thousand in Europe and one elsewhere: nothing else in the column says which
    # (it was read as 1 before)
    "a point with three digits after it proves nothing in a semicolon file": Case(
        lambda f: semicolon_orders(f, quantity={"P1": "1.000"}),
        loaded={"purchase_orders": ["P2", "P3", "P4", "P5", "P6"]},
        rejected={"purchase_orders": [(2, "quantity", "ambiguous number")]}),
    "a column mixing decimal points and commas is refused where it has a separator": Case(
        lambda f: semicolon_orders(f, price={"P1": "5.00", "P2": "5,50", "P3": "2", "P4": "10", "P5": "11",
                                             "P6": "11"}),
        loaded={"purchase_orders": ["P3", "P4", "P5", "P6"]},
        rejected={"purchase_orders": [
            (2, "unit_price", "the column mixes decimal points and decimal commas (line 2 '5.00', line 3 '5,50')"),
            (3, "unit_price", "the column mixes decimal points and decimal commas (line 2 '5.00', line 3 '5,50')")]}),
    # 0,500 is no thousand written with a separator: in a comma file it is refused (it was read as 500); in a
    # semicolon file it proves a decimal comma
    "a first group of zero is not a thousand in a comma file": Case(
        lambda f: base(f, orders=orders_with(("1000,5.00,USD", '1000,"0,500",USD'))),
        loaded={"purchase_orders": ["P2", "P3", "P4", "P5", "P6"]},
        rejected={"purchase_orders": [(2, "unit_price", "not a number: '0,500'")]}),
    "a first group of zero proves a decimal comma in a semicolon file": Case(
        lambda f: semicolon_orders(f, price={"P1": "0,500", "P2": "5", "P3": "2", "P4": "10", "P5": "11",
                                             "P6": "1.100"}),
        loaded={"purchase_orders": ["P1", "P2", "P3", "P4", "P5", "P6"]},
        values={("purchase_orders", "unit_price"): [0.5, 5.0, 2.0, 10.0, 11.0, 1100.0]}),
    # a spreadsheet in a European locale saving with commas quotes "1,5": then "1,250" is a guess (it was read as 1,250)
    "decimal commas in a comma-delimited file make every comma in the column a guess": Case(
        lambda f: base(f, orders=orders_with(("1000,5.00,USD", '1000,"1,5",USD'), ("1000,5.50,USD", '1000,"1,250",USD'),
                                             ("500,2.00,USD", "500,2,USD"), ("200,10.00,USD", "200,10,USD"),
                                             ("300,11.00,USD", "300,11,USD"), ("100,11.00,USD", "100,11,USD"))),
        loaded={"purchase_orders": ["P3", "P4", "P5", "P6"]},
        rejected={"purchase_orders": [
            (2, "unit_price", "a comma-delimited file writes decimal points, but this column writes decimal commas "
                              "(line 2 '1,5'), so a comma or point in it could be a decimal or a thousands separator"),
            (3, "unit_price", "this column writes decimal commas (line 2 '1,5')")]}),
    # beside decimal points a comma is a typo refused on its own line, and "1,250" elsewhere stays a thousand
    "a decimal comma beside decimal points is one refused value": Case(
        lambda f: base(f, orders=orders_with(("1000,5.00,USD", '1000,"2,5",USD'), ("1000,5.50,USD", '1000,"1,250",USD'))),
        loaded={"purchase_orders": ["P2", "P3", "P4", "P5", "P6"]},
        rejected={"purchase_orders": [(2, "unit_price", "not a number: '2,5'")]},
        values={("purchase_orders", "unit_price"): [1250.0, 2.0, 10.0, 11.0, 11.0]}),
    "whitespace around values, including the ideographic space": Case(
        lambda f: base(f, products=PRODUCTS.replace("A2,Lamp shade", " A2 ,\u3000Lamp shade\u00a0")),
        loaded={"products": ["A1", "A2", "B1"]},
        values={("products", "product_name"): ["Oak bedside lamp", "Lamp shade", "Steel pan"]}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_malformed_input(tmp_path, name):
    case = CASES[name]
    folder = tmp_path / "in"
    folder.mkdir()
    case.make(folder)
    if case.error:
        with pytest.raises(IngestError) as info:
            read_and_validate(folder)
        assert case.error in str(info.value)
        assert "Traceback" not in str(info.value)
        return
    result = read_and_validate(folder)
    tables = {t.table: t for t in result.tables}
    for t in result.tables:  # rows conserved in every file
        assert t.rows_read == t.rows_loaded + t.rows_rejected + t.duplicates_collapsed, t.table
    for table, keys in case.loaded.items():
        key = {"suppliers": "supplier_id", "products": "sku", "purchase_orders": "po_id"}[table]
        assert tables[table].frame[key].tolist() == keys, table
    for table, expected in case.rejected.items():
        got = [(r.line, r.column, r.reason) for r in tables[table].rejections]
        assert [(line, col) for line, col, _ in got] == [(line, col) for line, col, _ in expected]
        for (_, _, reason), (_, _, fragment) in zip(got, expected):
            assert fragment in reason
    for table in set(tables) - set(case.rejected):
        assert tables[table].rejections == [] or table not in case.loaded, table
    if case.notice:
        assert case.notice in result.notices
    for (table, column), values in case.values.items():
        got = tables[table].frame[column].tolist()
        assert [None if pd.isna(v) else v for v in got] == values

