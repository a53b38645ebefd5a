"""Small helpers shared by tests (importable because pytest puts tests/ on the path)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
TINY = FIXTURES / "tiny"
CONTROLS = FIXTURES / "controls"
SHARED_REAL = Path(__file__).resolve().parents[2] / "shared" / "real"
SCMS = SHARED_REAL / "scms" / "SCMS_Delivery_History_Dataset.csv"  # the common copy (absent: tests skip)


def plain(markdown: str) -> str:
    """Markdown source as a reader sees it: backslash escapes (dashboard.components.md) removed."""
    import re

    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def quiet(_: str) -> None:
    """A build log that prints nothing."""


def write_csv(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    """Write CSV text with the given encoding and line ends (the text uses \\n)."""
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def edited_export(source: Path, path: Path, edit, delimiter: str = ",") -> Path:
    """An export fixture written again to `path` with `edit(row)` applied to every line (a dict by header, changed in
    place), with the fixture's delimiter and CRLF line ends (quoting only where a cell needs it)."""
    import csv
    import io

    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        header, lines = reader.fieldnames, list(reader)
    for line in lines:
        edit(line)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, delimiter=delimiter, lineterminator="\r\n",
                            quoting=csv.QUOTE_MINIMAL if delimiter == "," else csv.QUOTE_NONE)
    writer.writeheader()
    writer.writerows(lines)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


# A portfolio whose free-text fields carry Markdown, HTML, links, images and spreadsheet formulas: the dashboard must
# show them as text (tests/dashboard/test_security.py, tests/browser/test_browser_security.py).
EVIL_HOST = "evil.example"
HOSTILE = {
    # supplier_id: (supplier_name, legal_name, province)
    "S1": ("![x](http://evil.example/x.png)", "<img src=http://evil.example/legal.png> http://evil.example/auto",
           ":red[www.evil.example]"),
    "S2": ("[link](http://evil.example/l) <script>window.pwned=1</script>", "Yiwu Beta Trading Co., Ltd.",
           "**bold** $x^2$"),
    "S3": ('=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "@SUM(1+1)"),
}
HOSTILE_PRODUCT = '<a href="http://evil.example/p">lamp</a>'
HOSTILE_CATEGORY = "![c](http://evil.example/c.png)"
HOSTILE_PAYEE = "[pay here](http://evil.example/pay)"


def _rewrite_csv(path: Path, change, extra: list[str] | None = None) -> None:
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0]) + list(extra or [])
    for row in rows:
        change(row)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def blank_columns(path: Path, columns) -> Path:
    """The CSV at `path` with `columns` emptied on every row (a file that does not carry them)."""
    _rewrite_csv(path, lambda row: row.update({c: "" for c in columns if c in row}))
    return path


def tiny_with_entry_number(folder: Path, shipment_id: str, entry_number: str,
                           more: dict[str, str] | None = None) -> Path:
    """The tiny portfolio copied to `folder` with one shipment on a customs entry (`shipments.entry_number`), and
    the shipments of `more` (shipment id → entry number) on theirs."""
    import csv
    import shutil

    shutil.copytree(TINY, folder)
    path = folder / "shipments.csv"
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    entries = {shipment_id: entry_number, **(more or {})}
    for row in rows:
        row["entry_number"] = entries.get(row["shipment_id"], "")
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


# H3 (400 lamp shades at 2.00) and H4 (100), both of P3, on one entry of 2025-06-02 (CN, 9405.42.8440) whose summary
# declares 9903.01.24 150.00 + 9903.01.25 75.00 = 225.00 of IEEPA duty: tiny_with_ieepa_entries(folder, lines,
# refunds, SPLIT_ENTRY) with SPLIT_ENTRY_LINES among the lines
SPLIT_ENTRY = {"H3": "XYZ-7654330-1", "H4": "XYZ-7654330-1"}
SPLIT_ENTRY_LINES = ["XYZ-7654330-1,1,9903.01.24,01,2025-06-02,CN,,,,150.00,,,,Unliquidated",
                     "XYZ-7654330-1,1,9903.01.25,01,2025-06-02,CN,,,,75.00,,,,Unliquidated",
                     "XYZ-7654330-1,1,9405.42.8440,01,2025-06-02,CN,,1000.00,,39.00,,,,Unliquidated"]
REFUNDS_HEADER = "refund_id,entry_number,shipment_id,program,claimed_on,amount_claimed,received_on,amount_received,note"


def tiny_with_ieepa_entries(folder: Path, lines: list[str], refunds: list[str],
                            more: dict[str, str] | None = None) -> Path:
    """The tiny portfolio copied to `folder` with H2 on entry ABC12345694 (and the shipments of `more` on theirs),
    the ACE report ES-003 fixture imported (its 2025 entry ABC-1234570-2 declares 9903.01.24 2,400.00 + 9903.01.25
    1,200.00 of IEEPA duty), `lines` added to entry_summary_lines.csv as written (the contract's columns) and
    `refunds` as duty_refunds.csv's rows."""
    from pipelines.adapters import registry, store

    tiny_with_entry_number(folder, "H2", "ABC12345694", more)
    store.write(registry.convert(FIXTURES / "exports" / "ace_es003_line_tariff_details.csv"), folder)
    summary = folder / "entry_summary_lines.csv"
    text = summary.read_text(encoding="utf-8")
    width = text.split("\n", 1)[0].count(",")  # the lines name the columns up to liquidation_status: the rest empty
    summary.write_text(text + "".join(f"{line}{',' * (width - line.count(','))}\n" for line in lines),
                       encoding="utf-8")
    (folder / "duty_refunds.csv").write_text("".join(f"{row}\n" for row in [REFUNDS_HEADER, *refunds]),
                                             encoding="utf-8")
    return folder


def tiny_with_products(folder: Path, *changes: tuple[str, str]) -> Path:
    """The tiny portfolio copied to `folder` with each (old, new) text of products.csv replaced (each must be there):
    a product given another code, origin or name."""
    import shutil

    shutil.copytree(TINY, folder)
    products = folder / "products.csv"
    text = products.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    products.write_text(text, encoding="utf-8")
    return folder


def tiny_with_adcvd_products(folder: Path) -> Path:
    """The tiny portfolio copied to `folder` with two products under AD/CVD orders (reference.adcvd_orders): B1 a
    mattress from VN (9404.21.0010: A-552-827 from 2021-05-14; its shipment H5, goods 2,000.00) and A2 a paraffin
    candle from CN (3406.00.0000: A-570-504 from 1986; P3's shipments H3 and H4, goods 1,000.00); A1 stays a lamp."""
    return tiny_with_products(
        folder,
        ("B1,Steel pan,kitchenware,S2,7323.93.0045,CN", "B1,Memory foam mattress,bedding,S2,9404.21.0010,VN"),
        ("A2,Lamp shade,home_lighting,S1,9405.42.8440,CN", "A2,Pillar candle,home_decor,S1,3406.00.0000,CN"))


# H5, B1's mattress from VN (tiny_with_adcvd_products), on an entry of 2024-03-18 whose summary declares the AD
# deposit at 144.92% of its 2,000.00 (A-552-827-000, 2,898.40) beside its MFN duty (3%, 60.00)
ADCVD_ENTRY_LINE = ("ABC-0000005-5,1,9404.21.0010,01,2024-03-18,VN,,2000.00,3%,60.00,,,,,"
                    "A-552-827-000,144.92%,2898.40,")


def tiny_with_adcvd_deposit(folder: Path) -> Path:
    """tiny_with_adcvd_products with H5 on entry ABC-0000005-5, whose entry summary (ADCVD_ENTRY_LINE, the contract's
    columns) declares its AD deposit, 2,898.40: B1's every shipment under the order has its deposit declared."""
    tiny_with_adcvd_products(folder)
    shipments = folder / "shipments.csv"
    lines = shipments.read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",entry_number", *(f"{line},{'ABC-0000005-5' if line.startswith('H5,') else ''}"
                                           for line in lines[1:])]
    shipments.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from pipelines import contract

    header = ",".join(c.name for c in contract.TABLES_BY_NAME["entry_summary_lines"].columns)
    (folder / "entry_summary_lines.csv").write_text(f"{header}\n{ADCVD_ENTRY_LINE}\n", encoding="utf-8")
    return folder


def warned_rows(con, check: str) -> list[tuple[str, str]]:
    """(row_key, problem) of every row the warning check `check` named in the build on `con`, in the check's order."""
    return con.execute("select row_key, problem from ingest.check_warning_rows where check_name = ? order by row_no",
                       [check]).fetchall()


def demo_with_entry_reviews(demo_dir: Path, demo_db: Path, folder: Path) -> tuple[str, str]:
    """A copy of the demo portfolio in `folder` whose reviewed_warnings.csv marks reviewed (2026-12-01, Ana,
    "exclusion applies") both warned rows of the larger of its two entry summaries that still declare Section 122
    (duty overpaid, chapter 99) and one of the smaller's two: (larger, smaller) entry numbers."""
    import shutil

    import duckdb

    shutil.copytree(demo_dir, folder)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        rows = warned_rows(con, "landed_cost_entry_summaries")
        (larger,), (smaller,) = con.execute("select entry_number from marts.customs_entries where duty_status = "
                                            "'overpaid' order by abs(duty_difference) desc").fetchall()
    picked = [p for k, p in rows if k == larger] + [next(p for k, p in rows if k == smaller)]
    assert len(picked) == 3
    (folder / "reviewed_warnings.csv").write_text(
        "check_name,problem,reviewed_on,reviewed_by,note\n" + "".join(
            f'landed_cost_entry_summaries,"{p}",2026-12-01,Ana,exclusion applies\n' for p in picked),
        encoding="utf-8")
    return larger, smaller


def write_hostile_portfolio(folder: Path) -> Path:
    """The tiny portfolio in `folder` with hostile text in the supplier, legal, bank, province, product, category and
    payee names (every row still valid)."""
    import shutil

    shutil.copytree(TINY, folder)

    def supplier(row):
        name, legal, province = HOSTILE[row["supplier_id"]]
        row.update(supplier_name=name, legal_name=legal, bank_beneficiary=legal, province=province)

    def product(row):
        if row["sku"] == "A1":
            row["product_name"] = HOSTILE_PRODUCT
        if row["category"] == "home_lighting":
            row["category"] = HOSTILE_CATEGORY

    def payment(row):
        if row["payment_id"] == "Y1":
            row["payee_name"] = HOSTILE_PAYEE

    _rewrite_csv(folder / "suppliers.csv", supplier)
    _rewrite_csv(folder / "products.csv", product)
    _rewrite_csv(folder / "payments.csv", payment)
    return folder


def write_controls_portfolio(folder: Path) -> Path:
    """The tiny portfolio in `folder` with the sourcing controls (tests/fixtures/controls): S2's new Hong Kong account
    under its own name, 'verified' by e-mail only; an unconfirmed material change on S1's P3 after its sample
    approval; corrective actions (S1's C1 confirmed by the next lot, S2's C2 closed but its next lot failed, S2's
    critical C3 open and overdue); background checks: S1 checked 2024-03-01, S2's registry checked 2022-01-10
    (expired) and its records undated, S3 never checked (status and counts blank)."""
    import shutil

    shutil.copytree(TINY, folder)
    for path in CONTROLS.glob("*.csv"):
        shutil.copy(path, folder / path.name)
    checks = {"S1": ("2024-03-01", "2024-03-01"), "S2": ("2022-01-10", ""), "S3": ("", "")}

    def supplier(row):
        row["registry_checked_on"], row["records_checked_on"] = checks[row["supplier_id"]]
        if row["supplier_id"] == "S3":
            row.update(operating_status="", litigation_cases="", admin_penalties="")

    _rewrite_csv(folder / "suppliers.csv", supplier, extra=["registry_checked_on", "records_checked_on"])
    return folder


WISE_HEADER = ("TransferWise ID,Date,Amount,Currency,Description,Payment Reference,Running Balance,Exchange From,"
               "Exchange To,Exchange Rate,Payer Name,Payee Name,Payee Account Number,Merchant,Card Last Four Digits,"
               "Card Holder Full Name,Attachment,Note,Total fees,Exchange To Amount\n")
WISE_P3_DEPOSIT = ('TRANSFER-50,15-02-2024,-305.00,USD,"Sent money to Ningbo Alpha Co., Ltd.",P3 deposit,4695.00,,,,,'
                   '"Ningbo Alpha Co., Ltd.",6212 2602 0000 4321,,,,,,5.00,\n')


def write_controls_portfolio_paid_by_wise(folder: Path) -> Path:
    """The controls portfolio with a Wise statement imported: P3's deposit (S1, 300 after Wise's 5.00 fee) paid on
    2024-02-15 to ••••4321, an account S1 has not on file (its one account, BA1 ••••7890, is verified)."""
    from pipelines.adapters import registry, store
    from pipelines.adapters.base import Options

    write_controls_portfolio(folder)
    statement = folder.parent / "statement_USD.csv"
    statement.write_text(WISE_HEADER + WISE_P3_DEPOSIT, encoding="utf-8")
    converted = registry.convert(statement, options=Options(context_dir=folder))
    assert converted.rows_written == 1, converted.problems
    store.write(converted, folder)
    return folder


def settle(page, text: str, timeout: float = 60_000) -> None:
    """Wait until a Playwright page shows `text`, the app has stopped running and every plotly chart has drawn.

    The app's run state is the attribute Streamlit's own browser tests wait on (`data-test-script-state` of stApp);
    the status widget's "Running" shows only after a delay, so a slow run could pass for a finished one."""
    page.get_by_text(text, exact=False).first.wait_for(timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=timeout)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
        ".every(e => e.querySelector('.main-svg'))", timeout=timeout)
    page.wait_for_timeout(500)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServedApp:
    """`streamlit run app.py` in a subprocess (the given command, or the plain one on a free port) until closed."""

    def __init__(self, db: Path, log: Path, cmd: list[str] | None = None, port: int | None = None,
                 env: dict[str, str] | None = None) -> None:
        import os
        import subprocess
        import sys

        root = Path(__file__).resolve().parents[1]
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        environment = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
        environment.update(SUPPLIER_RISK_DB=str(db), PORT=str(self.port), **(env or {}))
        cmd = cmd or [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
                      "--server.headless", "true"]
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(cmd, cwd=root, env=environment, stdout=out, stderr=subprocess.STDOUT)

    def wait(self, timeout: float = 60) -> ServedApp:
        import time
        import urllib.request

        deadline = time.time() + timeout
        while True:
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).status == 200:
                    return self
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"streamlit did not start:\n{self.log.read_text(errors='replace')}")
            time.sleep(0.3)

    def close(self) -> None:
        import subprocess

        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
