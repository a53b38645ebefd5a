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
from dataclasses import dataclass
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
    """The reference table itself is broken (a row without source, a duplicate month, a rate ≤ 0)."""


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
                f"{span[1]}); add that month's rate")

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
