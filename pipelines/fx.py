"""Monthly exchange rates to the reporting currency (USD), from the dated, sourced data/reference/fx_rates.csv.

A purchase order priced in CNY is converted at the CNY rate of the month it was ordered in; a payment at the rate of
the month it was paid in (see `contract.Conversion`). A currency or month the table does not have is never guessed:
the row is rejected with a message saying what to add. The table is user-editable: add a row per month (currency,
month, units of the currency per USD, as_of, source).

The rule itself (a blank currency is USD; the calendar month's rate of the date; USD at 1) is written once, as the SQL
macros `currency_code` and `fx_units_per_usd` in pipelines/sql/macros.sql. Staging calls them in the build;
validation (`install` on its connection) and the marketplace adapters (`FxTable.units_per_usd`, on a small
in-memory DuckDB holding this table as reference.fx_rates) call the same macros. This module reads and checks the
table and words what is missing.
"""

from __future__ import annotations

import csv
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipelines.contract import REPORTING_CURRENCY
from pipelines.macros import REFERENCE_DIR, create_macros, load_reference_table

FX_PATH = REFERENCE_DIR / "fx_rates.csv"
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
TABLE = "reference.fx_rates"
RULE = ("currency_code", "fx_units_per_usd")  # the macros of pipelines/sql/macros.sql that are the FX rule


class FxTableError(Exception):
    """The reference table itself is broken (a row without source, a duplicate month, a rate ≤ 0), or a rates file
    offered to extend it is not what it claims to be."""


@dataclass(frozen=True)
class FxTable:
    """Rates as {(currency, 'YYYY-MM'): units of the currency per one USD}."""

    rates: dict[tuple[str, str], float]
    path: Path

    def currencies(self) -> list[str]:
        return sorted({c for c, _ in self.rates})

    def coverage(self, currency: str) -> tuple[str, str] | None:
        months = sorted(m for c, m in self.rates if c == currency)
        return (months[0], months[-1]) if months else None

    @property
    def verified_through(self) -> str:
        """The last month every currency of the table has a rate for."""
        return min(self.coverage(c)[1] for c in self.currencies()) if self.rates else ""

    @property
    def latest(self) -> str:
        """The latest month any currency of the table has a rate for."""
        return max(self.coverage(c)[1] for c in self.currencies()) if self.rates else ""

    def missing(self, currency: str, month: str) -> str:
        """Why a currency and month cannot be converted, and what to add."""
        currency_text = currency.strip().upper()
        where = f"data/reference/{self.path.name}"
        span = self.coverage(currency_text)
        if span is None:
            known = ", ".join(self.currencies())
            hint = " (RMB is CNY)" if currency_text in ("RMB", "CNH") else ""
            return (f"no rate to {REPORTING_CURRENCY} for currency {currency!r}{hint}: {where} has {known}; write an "
                    "ISO 4217 code, or add the currency's monthly rates to the table")
        return (f"no {currency_text} rate to {REPORTING_CURRENCY} for {month} in {where} (it has {span[0]} to "
                f"{span[1]}); add that month's rate (`supplier-risk fx-update --ecb eurofxref-hist.zip` adds the "
                f"ECB's reference rates for the months after the table's latest; the file is at {ECB_HISTORY_URL})")

    def install(self, con: duckdb.DuckDBPyConnection) -> None:
        """Give `con` the FX rule: this table as reference.fx_rates and the rule's macros (validation runs them on
        the build's connection before the build loads the other reference tables)."""
        load_reference_table(con, self.path, TABLE)
        create_macros(con, only=RULE)

    @cached_property
    def _rule(self) -> duckdb.DuckDBPyConnection:
        """A small in-memory DuckDB with the rule installed, made on first use (each call reads on its own cursor)."""
        con = duckdb.connect(":memory:")
        self.install(con)
        return con

    def units_per_usd(self, currencies: pd.Series, dates: pd.Series) -> np.ndarray:
        """Units per USD for each (currency, date) pair by the SQL rule; NaN where the table has none (or the date
        is missing). A blank currency is USD, as the contract says: pass a placeholder to refuse blanks."""
        cur = self._rule.cursor()
        frame = pd.DataFrame({"i": np.arange(len(currencies)),
                              "currency": pd.Series(currencies).astype("string").to_numpy(dtype=object),
                              "on_date": pd.to_datetime(pd.Series(dates).to_numpy())})
        try:
            cur.register("_fx_in", frame)
            got = cur.execute("select fx_units_per_usd(currency_code(currency), on_date) from _fx_in "
                              "order by i").fetchnumpy()
        finally:
            cur.close()
        return np.ma.filled(np.ma.asarray(next(iter(got.values()))).astype("float64"), np.nan)


def load(path: Path = FX_PATH) -> FxTable:
    """Read and check the table: ISO codes, YYYY-MM months, positive rates, a source on every row, no duplicates."""
    rates: dict[tuple[str, str], float] = {}
    with Path(path).open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            currency, month = (row.get("currency") or "").strip(), (row.get("month") or "").strip()
            where = f"{Path(path).name} line {line}"
            if not _CURRENCY.match(currency) or not _MONTH.match(month):
                raise FxTableError(f"{where}: currency must be an ISO code (CNY) and month YYYY-MM, "
                                   f"got {currency!r}, {month!r}")
            if not (row.get("source") or "").strip() or not (row.get("as_of") or "").strip():
                raise FxTableError(f"{where}: every rate needs its source and as_of date")
            try:
                value = float(row["units_per_usd"])
            except (TypeError, ValueError):
                value = 0.0
            if not value > 0:
                raise FxTableError(f"{where}: units_per_usd must be a number above 0, got {row.get('units_per_usd')!r}")
            if (currency, month) in rates:
                raise FxTableError(f"{where}: a second {currency} rate for {month}; keep one")
            rates[(currency, month)] = value
    return FxTable(rates, Path(path))


@lru_cache(maxsize=4)
def _cached(path: str, mtime_ns: int) -> FxTable:
    return load(Path(path))


def table(path: Path = FX_PATH) -> FxTable:
    """The table, re-read when the file changes (it is user-editable)."""
    return _cached(str(path), Path(path).stat().st_mtime_ns)


def to_usd(amount: float, currency: str, on, fx: FxTable | None = None) -> float:
    """`amount` in `currency` on date `on` in USD at the month's rate; ValueError (with the reason) when missing."""
    fx = fx or table()
    rate = fx.units_per_usd(pd.Series([currency]), pd.Series([pd.Timestamp(on)]))[0]
    if np.isnan(rate):
        raise ValueError(fx.missing(currency, pd.Timestamp(on).strftime("%Y-%m")))
    return amount / rate


# ----------------------------------------------------------------------------- extending the table from the ECB

# where the ECB publishes the whole history of its reference rates (a download the user makes: the product runs offline)
ECB_HISTORY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
ECB_SOURCE = ("European Central Bank euro foreign exchange reference rates (eurofxref-hist), monthly average of the "
              "daily cross rate: units of the currency per EUR / USD per EUR")
# eurofxref-hist.csv is about 2 MB (every business day since 1999, 40-odd currencies); a zip that unpacks to far more is
# not the ECB's file and is refused before it is read (a file uploaded on the Data page is read in the app's memory)
ECB_MAX_BYTES = 64 * 1024 * 1024
ECB_NOTE = ("Cross rate through EUR (the ECB fixes at 14:15 CET, the Fed's earlier rows are New York noon rates: monthly "
            "averages differ by up to about 0.2%)")


def ecb_monthly(path: Path, name: str | None = None) -> tuple[pd.DataFrame, date]:
    """Monthly average units per USD of every currency in the ECB's historical reference-rate file (eurofxref-hist.csv
    or the .zip the ECB publishes: `Date` newest first, one column per currency in units per EUR, `N/A` where none was
    fixed), and the file's last date. A day's rate is its cross rate through the euro (units per EUR / USD per EUR; the
    euro itself 1 / USD per EUR), averaged over the days of the month that have both; only months the file covers to
    their last weekday are kept (a month still running would be averaged over part of it). `name`: the file's name in
    messages (the user's, when `path` is a copy)."""
    label = name or Path(path).name
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as packed:
            size = sum(info.file_size for info in packed.infolist())
        if size > ECB_MAX_BYTES:
            raise FxTableError(f"{label}: unpacks to {size / 1e6:,.0f} MB, not the ECB's eurofxref-hist "
                               f"(about 2 MB)")
    try:
        raw = pd.read_csv(path, na_values=["N/A"], skipinitialspace=True)
    except (OSError, ValueError) as exc:
        raise FxTableError(f"{label}: not a readable CSV or zip ({exc})") from exc
    raw = raw.loc[:, [c for c in raw.columns if not str(c).startswith("Unnamed")]]  # the trailing comma
    if "Date" not in raw or "USD" not in raw:
        raise FxTableError(f"{label}: not the ECB's eurofxref-hist layout (a Date column and one column per "
                           f"currency, USD among them); its header is {', '.join(map(str, raw.columns[:6]))}")
    days = pd.to_datetime(raw["Date"], format="%Y-%m-%d", errors="coerce")
    if days.isna().any():
        line = int(days.isna().to_numpy().argmax()) + 2
        raise FxTableError(f"{label} line {line}: date {raw['Date'].iloc[line - 2]!r} is not YYYY-MM-DD")
    usd = pd.to_numeric(raw["USD"], errors="coerce")
    per_eur = raw.drop(columns=["Date", "USD"]).apply(pd.to_numeric, errors="coerce").assign(EUR=1.0)
    daily = per_eur.div(usd, axis=0).assign(month=days.dt.strftime("%Y-%m"))
    monthly = daily.groupby("month").mean().rename_axis(columns="currency").stack().rename("units_per_usd")
    last = days.max()
    month_end = last + pd.offsets.MonthEnd(0)
    last_weekday = month_end - pd.Timedelta(days=max(0, month_end.weekday() - 4))
    complete_through = (last.to_period("M") - (0 if last >= last_weekday else 1)).strftime("%Y-%m")
    out = monthly.reset_index()
    out = out[(out["month"] <= complete_through) & out["units_per_usd"].gt(0)]
    return out[["currency", "month", "units_per_usd"]].reset_index(drop=True), last.date()


def extend_from_ecb(source: Path, table_path: Path = FX_PATH, name: str | None = None) -> Extension:
    """`extend` the table with the ECB's monthly rates from its history file `source` (eurofxref-hist.zip or .csv;
    `name`: the file's name as the user gave it, when `source` is a copy), each new row sourced to the file and its
    last date. FxTableError when the file is not the ECB's, or the extended table would not load."""
    rates, last = ecb_monthly(source, name)
    return extend(table_path, rates, f"{ECB_SOURCE}; file {name or Path(source).name} to {last.isoformat()}", last,
                  ECB_NOTE)


@dataclass(frozen=True)
class Extension:
    """What `extend` did: the rates added per currency (months), and the table's currencies the file has no rate for."""
    added: dict[str, list[str]]
    kept: int  # months of the file up to the table's latest month for their currency (never added or changed)
    not_in_file: list[str]


def extend(table_path: Path, rates: pd.DataFrame, source: str, as_of: date, note: str = "") -> Extension:
    """Extend the table forward: add every month of `rates` after a currency's latest month in the table, for the
    currencies it already carries, each row after its currency's others, with its source and as_of. A month already
    in the table, or before its latest, is never added or changed (past orders and payments would be re-valued, and
    the history keeps one source). Rates are rounded to 4 decimals, as the table's. The file is replaced only once
    the extended table passes `load`'s checks."""
    table_path = Path(table_path)
    with table_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, rows = list(reader.fieldnames or []), list(reader)
    latest: dict[str, str] = {}
    for r in rows:
        latest[r["currency"]] = max(latest.get(r["currency"], ""), r["month"])
    currencies = sorted(latest)
    offered = rates[rates["currency"].isin(currencies)].sort_values(["currency", "month"])
    new = offered[[m > latest[c] for c, m in zip(offered["currency"], offered["month"])]]
    added: dict[str, list[str]] = {}
    out: list[dict] = []
    for i, row in enumerate(rows):
        out.append(row)
        if i + 1 == len(rows) or rows[i + 1]["currency"] != row["currency"]:  # the currency's last row
            mine = new[new["currency"] == row["currency"]]
            mine = mine[[m not in added.get(row["currency"], []) for m in mine["month"]]]
            for r in mine.itertuples():
                out.append({**{f: "" for f in fields}, "currency": r.currency, "month": r.month,
                            "units_per_usd": f"{r.units_per_usd:.4f}", "as_of": as_of.isoformat(), "source": source,
                            "notes": note})
                added.setdefault(r.currency, []).append(r.month)
    if added:
        temp = table_path.with_suffix(".csv.tmp")
        with temp.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(out)
        try:
            load(temp)
        except FxTableError:
            temp.unlink()
            raise
        temp.replace(table_path)
    return Extension(added, len(offered) - len(new), sorted(set(currencies) - set(rates["currency"])))
