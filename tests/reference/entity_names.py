"""Test-only reference: the worst name comparison among several names and the name that caused it.

Not product code: the score compares each distinct pair once and keeps the worst by entity.SEVERITY
(models/risk_panel.py); moved here from models/entity.py (#14), where nothing but tests used it. Never imported by
pipelines/, models/ or dashboard/.
"""

from __future__ import annotations

from collections.abc import Iterable

from models import entity


def worst_comparison(reference: str | None, names: Iterable[str | None]) -> tuple[str, str | None]:
    """The worst outcome of comparing `reference` with each name (the first of the worst), and that name."""
    worst, culprit = entity.MATCH, None
    for n in names:
        outcome = entity.compare_names(reference, n)
        if entity.SEVERITY[outcome] > entity.SEVERITY[worst]:
            worst, culprit = outcome, n
    return worst, culprit
