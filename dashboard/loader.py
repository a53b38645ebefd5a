"""The Data page's bridge to the pipeline's Python API: stage uploads, validate, rebuild with progress."""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd
import streamlit as st

from pipelines import contract
from pipelines.build import BuildReport, build
from pipelines.ingest import IngestResult, find_table_file, read_and_validate
from pipelines.readers import SUPPORTED_SUFFIXES

_STEP = re.compile(r"\[\s*(\d+)/(\d+)\]\s+(\S+)")
UPLOAD_ROOT = Path(tempfile.gettempdir()) / "supplier-risk-uploads"


def stage_uploads(files: Iterable[tuple[str, bytes]]) -> Path:
    """Write uploaded (name, content) pairs into a folder named after their content; return the folder."""
    files = sorted(files)
    digest = hashlib.sha256()
    for name, content in files:
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha256(content).digest())
    folder = UPLOAD_ROOT / digest.hexdigest()[:16]
    if not folder.exists():
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for name, content in files:
            (tmp / Path(name).name).write_bytes(content)
        tmp.rename(folder)
    return folder


def table_of(file_name: str) -> str | None:
    """The import table a file name stands for (suppliers.csv → suppliers), or None."""
    path = Path(file_name)
    if path.suffix.lower() in SUPPORTED_SUFFIXES and path.stem.lower() in contract.TABLES_BY_NAME:
        return path.stem.lower()
    return None


def complete_with(folder: Path, previous_input: Path) -> tuple[Path, list[str]]:
    """A copy of `folder` plus the previous input's files for every table `folder` lacks; return it and those tables."""
    present = {t for p in folder.iterdir() if (t := table_of(p.name))}
    added = []
    if previous_input.is_dir():
        for table in contract.TABLES_BY_NAME:
            if table in present:
                continue
            source = find_table_file(previous_input, table)
            if source is not None:
                added.append((table, source))
    if not added:
        return folder, []
    merged = folder.with_name(folder.name + "-merged")
    shutil.rmtree(merged, ignore_errors=True)
    shutil.copytree(folder, merged)
    for _, source in added:
        shutil.copy2(source, merged / source.name)
    return merged, [t for t, _ in added]


def validate(folder: Path) -> IngestResult:
    """pipelines.ingest.read_and_validate, cached on the folder's files (name, size, mtime) so a rerun of the page
    does not re-read large exports; raises IngestError / FileError for file-level problems."""
    folder = Path(folder)
    if not folder.is_dir():
        return read_and_validate(folder)  # raises the pipeline's own "is not a folder" error
    signature = tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()
                             if p.is_file()))
    return _validate(str(folder), signature)


@st.cache_data(max_entries=8, show_spinner="Validating files…")
def _validate(folder: str, signature: tuple) -> IngestResult:
    return read_and_validate(Path(folder))


def summary(result: IngestResult) -> pd.DataFrame:
    """Per-table counts of a validation (what would be loaded)."""
    return pd.DataFrame(
        [(t.table, t.file or "(no file)", t.rows_read, t.rows_loaded, t.rows_rejected, t.duplicates_collapsed)
         for t in result.tables],
        columns=["table", "file", "rows_read", "rows_loaded", "rows_rejected", "duplicates_collapsed"])


def rejections(result: IngestResult) -> pd.DataFrame:
    """Every rejected row of a validation: table, file, line, column and reason."""
    return pd.DataFrame([(r.table, r.file, r.line, r.column, r.reason, r.raw) for r in result.rejections],
                        columns=["table", "file", "line", "column", "reason", "raw_line"])


def rebuild(folder: Path, db_path: Path, progress: Callable[[float, str], None]) -> BuildReport:
    """pipelines.build.build into the live path (published atomically), reporting progress from its log lines."""

    def log(line: str) -> None:
        match = _STEP.search(line)
        if match:
            i, n, name = int(match[1]), int(match[2]), match[3]
            progress(0.1 + 0.85 * i / n, f"Model {i}/{n}: {name}")
        elif "load " in line:
            progress(0.05, f"Loading {line.split()[1]}")
        elif "checks passed" in line:
            progress(0.97, "Data checks passed")
        elif "published" in line:
            progress(1.0, "Published")

    progress(0.0, "Reading and validating files")
    return build(Path(folder), Path(db_path), log=log)
