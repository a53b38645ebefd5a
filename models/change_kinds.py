"""The kinds of supplier change, listed once (data/reference/change_kinds.csv): the contract's `changes.kind`
values, which of them alter the product (the score's changes-after-sample signal) and which need someone's approval
as well as the supplier's written confirmation (the release checklist). The build loads the same file as
reference.change_kinds."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "data" / "reference"
COLUMNS = ("kind", "alters_product", "needs_approval", "rationale")


@dataclass(frozen=True)
class ChangeKinds:
    kinds: tuple[str, ...]            # every kind, in file order (the contract's allowed values)
    product_kinds: tuple[str, ...]    # alters_product: a change to what the golden sample approved
    approval_kinds: tuple[str, ...]   # needs_approval: written confirmation is not enough


def _flag(text: str, path: Path, line: int) -> bool:
    value = (text or "").strip().lower()
    if value in ("true", "false"):
        return value == "true"
    raise ValueError(f"{path}, line {line}: expected true or false, got {text!r}")


@lru_cache(maxsize=8)
def _load(ref_dir: str) -> ChangeKinds:
    path = Path(ref_dir) / "change_kinds.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing columns {missing}")
        rows = [(i, r) for i, r in enumerate(reader, start=2) if any((v or "").strip() for v in r.values())]
    kinds = tuple(r["kind"].strip() for _, r in rows)
    if len(set(kinds)) != len(kinds) or "" in kinds:
        raise ValueError(f"{path}: each kind must be given once, got {list(kinds)}")
    return ChangeKinds(kinds,
                       tuple(r["kind"].strip() for i, r in rows if _flag(r["alters_product"], path, i)),
                       tuple(r["kind"].strip() for i, r in rows if _flag(r["needs_approval"], path, i)))


def load(ref_dir: str | Path | None = None) -> ChangeKinds:
    """change_kinds.csv of `ref_dir` (the bundled reference folder by default)."""
    return _load(str(Path(ref_dir) if ref_dir is not None else REFERENCE_DIR))
