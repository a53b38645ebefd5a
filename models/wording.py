"""How a count is written wherever the project words one (explanations, red flags, re-audit reasons, pages):
"1 lot", "3 lots", "2 penalties", never "lot(s)". Pure Python, so models/, pipelines/ and dashboard/ share it."""

from __future__ import annotations

from collections.abc import Iterable

UNKNOWN_COUNTRY = "ZZ"  # ISO 3166-1 user-assigned code, conventionally "unknown or unspecified country"


def count_words(n: int, one: str, many: str | None = None) -> str:
    """1 broken rule, 1,234 broken rules: a count with thousands separators and its noun in the right number (`many`
    when the plural is not `one` + "s", e.g. penalty / penalties)."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def and_list(names: list[str]) -> str:
    """'critical', 'critical and major', 'critical, major and minor'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def counts_words(values: Iterable, one: str, many: str | None = None) -> list[str]:
    """count_words for each of a column of counts (floats holding whole numbers are read as whole numbers)."""
    return [count_words(int(v), one, many) for v in values]


def country(code: object) -> object:
    """A country as the pages and explanations say it: the ISO 3166-1 code, or "country unknown" for the user-assigned
    ZZ an import writes when the source names none (a supplier's country in SCMS, an account a bank statement paid);
    a blank stays a blank."""
    return "country unknown" if code == UNKNOWN_COUNTRY else code
