"""A CAPE declaration: the file CBP's CAPE tab in the ACE portal takes to claim IEEPA duty back.

CAPE phase 1 (from 2026-04-20) takes a CSV of one column, `Entry Number`, one entry number per row, at most 9,999
rows a declaration (data/reference/cape_declaration.csv: both read in guides quoting CBP, unverified). Which entries
to list is the warehouse's call (`marts.ieepa_entries.cape_declaration = 'declare'`, in the 11-character form of
`cape_entry_number`); this module writes them: one CSV, or, past the limit, a ZIP of CSVs each within it (one
declaration each). An entry number that is not 11 characters (a filer code of 3 letters or digits, then 8 digits),
or one listed twice (CBP refuses an entry already declared), is refused here too, with the number.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from models.signals import reference_settings
from pipelines.macros import REFERENCE_DIR

SETTINGS = REFERENCE_DIR / "cape_declaration.csv"
ENTRY_NUMBER = re.compile(r"[A-Z0-9]{3}[0-9]{8}")


@dataclass(frozen=True)
class Rules:
    """The upload's limits as data/reference/cape_declaration.csv gives them."""

    max_entries: int
    header: str


def rules(path: Path = SETTINGS) -> Rules:
    values = reference_settings(path)
    return Rules(max_entries=int(values["max_entries"]), header=values["header"])


@dataclass(frozen=True)
class Download:
    """What a person downloads: its file name, bytes and media type."""

    file_name: str
    data: bytes
    mime: str


def _checked(entry_numbers: Sequence[str]) -> list[str]:
    numbers = [str(n) for n in entry_numbers]
    bad = [n for n in numbers if not ENTRY_NUMBER.fullmatch(n)]
    if bad:
        raise ValueError(f"not an 11-character entry number (filer code, 7 digits, check digit, no separators): "
                         f"{', '.join(repr(n) for n in bad[:5])}{' …' if len(bad) > 5 else ''}")
    twice = sorted(n for n, count in Counter(numbers).items() if count > 1)
    if twice:
        raise ValueError(f"listed twice (CBP refuses an entry already declared): {', '.join(twice[:5])}")
    return numbers


def _csv(numbers: list[str], settings: Rules) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([settings.header])
    writer.writerows([n] for n in numbers)
    return out.getvalue().encode("utf-8")


def declaration_csv(entry_numbers: Sequence[str], settings: Rules | None = None) -> bytes:
    """One declaration: the header row, then one entry number a row (comma-separated, CRLF, UTF-8 without a BOM)."""
    settings = settings or rules()
    numbers = _checked(entry_numbers)
    if len(numbers) > settings.max_entries:
        raise ValueError(f"{len(numbers):,} entry numbers: a CAPE declaration lists at most "
                         f"{settings.max_entries:,}")
    return _csv(numbers, settings)


def declarations(entry_numbers: Sequence[str], settings: Rules | None = None) -> list[list[str]]:
    """The entry numbers in declarations of at most the limit each, in the order given."""
    settings = settings or rules()
    numbers = _checked(entry_numbers)
    size = settings.max_entries
    return [numbers[i:i + size] for i in range(0, len(numbers), size)]


def files(entry_numbers: Sequence[str], stem: str = "cape_declaration",
          settings: Rules | None = None) -> list[tuple[str, bytes]]:
    """The declarations as files to upload, each within the limit: `stem.csv` when one holds them all, else
    `stem_1.csv`, `stem_2.csv`, … No entry number: a ValueError (CBP refuses an empty declaration)."""
    settings = settings or rules()
    parts = declarations(entry_numbers, settings)
    if not parts:
        raise ValueError("no entry number to declare")
    names = [f"{stem}.csv"] if len(parts) == 1 else [f"{stem}_{n}.csv" for n in range(1, len(parts) + 1)]
    return [(name, _csv(part, settings)) for name, part in zip(names, parts)]


def download(entry_numbers: Sequence[str], stem: str = "cape_declaration",
             settings: Rules | None = None) -> Download:
    """The file to upload: one CSV when one declaration holds them all, else a ZIP of the declarations (`files`)."""
    made = files(entry_numbers, stem, settings)
    if len(made) == 1:
        return Download(made[0][0], made[0][1], "text/csv")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in made:
            archive.writestr(name, data)
    return Download(f"{stem}s.zip", buffer.getvalue(), "application/zip")
