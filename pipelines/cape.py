"""A CAPE declaration: the file CBP's CAPE tab in the ACE portal takes to claim IEEPA duty back.

CAPE phase 1 (from 2026-04-20) takes a CSV of one column, `Entry Number`, one entry number per row, at most 9,999
rows a declaration (data/reference/cape_declaration.csv: both read in guides quoting CBP, unverified). Which entries
to list is the warehouse's call (`marts.ieepa_entries.cape_declaration = 'declare'`, in the 11-character form of
`cape_entry_number`); this module writes them: one CSV, or, past the limit, a ZIP of CSVs each within it (one
declaration each). An entry number that is not 11 characters (a filer code of 3 letters or digits, then 8 digits),
or one listed twice (CBP refuses an entry already declared), is refused here too, with the number.

Once filed, the claims are recorded as rows of the import format's duty_refunds table (`claims_to_record`): the
next build then counts each entry's refund as claimed and pending, and leaves it out of the next declaration.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from models.signals import reference_settings
from pipelines.contract import DUTY_REFUNDS
from pipelines.macros import REFERENCE_DIR

SETTINGS = REFERENCE_DIR / "cape_declaration.csv"
CLAIMS_FILE = "cape_claims_to_record.csv"  # claims_to_record's download, beside the declaration
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
    return [(name, _csv(part, settings)) for name, part in _named(entry_numbers, stem, settings)]


def _named(entry_numbers: Sequence[str], stem: str, settings: Rules | None) -> list[tuple[str, list[str]]]:
    """Each declaration's file name and entry numbers (`files`)."""
    settings = settings or rules()
    parts = declarations(entry_numbers, settings)
    if not parts:
        raise ValueError("no entry number to declare")
    names = [f"{stem}.csv"] if len(parts) == 1 else [f"{stem}_{n}.csv" for n in range(1, len(parts) + 1)]
    return list(zip(names, parts))


def _cents(amount: float) -> str:
    return str(Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def claims_to_record(entry_numbers: Sequence[str], as_in_data: Sequence[str], amounts: Sequence[float],
                     claimed_on: date, stem: str = "cape_declaration", settings: Rules | None = None) -> bytes:
    """The claims a declaration files, as rows to add to the import format's duty_refunds file (its columns in the
    contract's order, UTF-8, comma-separated): one per entry, refund_id `CAPE-<claimed_on as YYYYMMDD>-<entry number>`
    (the same claim added twice counts once: the build collapses identical rows of a key), `entry_number` as the data
    writes it (`as_in_data`, so the refund finds its entry), program `ieepa`, `claimed_on`, `amount_claimed` the IEEPA
    duty not refunded yet (`amounts`, to the cent), no money received yet, and a note naming the declaration file the
    entry is in (`files`, same stem and limit). The lists run in parallel, in `entry_numbers`' order."""
    if not len(entry_numbers) == len(as_in_data) == len(amounts):
        raise ValueError("entry_numbers, as_in_data and amounts differ in length")
    row_of = dict(zip(entry_numbers, zip(as_in_data, amounts)))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[c.name for c in DUTY_REFUNDS.columns], lineterminator="\n")
    writer.writeheader()
    for name, part in _named(entry_numbers, stem, settings):
        for number in part:
            entry_number, amount = row_of[number]
            writer.writerow({"refund_id": f"CAPE-{claimed_on:%Y%m%d}-{number}", "entry_number": entry_number,
                             "program": "ieepa", "claimed_on": claimed_on.isoformat(),
                             "amount_claimed": _cents(amount), "note": f"CAPE declaration {name}"})
    return out.getvalue().encode("utf-8")


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
