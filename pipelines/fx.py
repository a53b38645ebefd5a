"""Monthly exchange rates to the reporting currency (USD), from the dated, sourced data/reference/fx_rates.csv.

A purchase order priced in CNY is converted at the CNY rate of the month it was ordered in; a payment at the rate of
the month it was paid in (see `contract.Conversion`). A currency or month the table does not have is never guessed:
the row is rejected with a message saying what to add. The table is user-editable: add a row per month (currency,
month, units of the currency per USD, as_of, source). The same lookup runs in validation (Python, this module)
and in staging (SQL joins on `reference.fx_rates`), on the same rule: the calendar month of the date.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from pipelines.contract import REPORTING_CURRENCY

FX_PATH = Path(__file__).resolve().parents[1] / "data" / "reference" / "fx_rates.csv"
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


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

    def rate(self, currency: str, month: str) -> float | None:
        """Units of `currency` per USD in `month` (1 for USD itself), or None when the table has none."""
        currency = currency.strip().upper()
        if currency == REPORTING_CURRENCY:
            return 1.0
        return self.rates.get((currency, month))

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

    def rates_for(self, currencies: pd.Series, dates: pd.Series) -> pd.Series:
        """Units per USD for each (currency, date) pair, NaN where the table has none (dates may be NaT)."""
        months = pd.to_datetime(dates).dt.strftime("%Y-%m")
        keys = currencies.astype("string").str.strip().str.upper()
        out = [self.rate(c, m) if isinstance(c, str) and isinstance(m, str) else None for c, m in zip(keys, months)]
        return pd.Series(out, index=currencies.index, dtype="float64")


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
    month = pd.Timestamp(on).strftime("%Y-%m")
    rate = fx.rate(currency, month)
    if rate is None:
        raise ValueError(fx.missing(currency, month))
    return amount / rate
