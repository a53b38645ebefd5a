"""The Data page's bridge to the pipeline's Python API: stage uploads, validate, rebuild with progress."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import tempfile
import time
import weakref
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from pipelines import contract, fx
from pipelines.build import BuildReport, build
from pipelines.ingest import IngestResult, find_table_file, read_and_validate
from pipelines.readers import SUPPORTED_SUFFIXES

_STEP = re.compile(r"\[\s*(\d+)/(\d+)\]\s+(\S+)")
UPLOAD_ENV = "SUPPLIER_RISK_UPLOAD_DIR"
SESSION_FOLDER_KEY = "_upload_folder"
STALE_SECONDS = 24 * 3600  # a session folder untouched this long was left by a server that did not stop cleanly
REVIEWED_WARNINGS = contract.REVIEWED_WARNINGS.name


class UploadFolderError(Exception):
    """The private upload folder cannot be made safe (for example, someone else owns it)."""


def upload_root() -> Path:
    """The private folder (0700, owned by this user) under which each session stages its uploads:
    $SUPPLIER_RISK_UPLOAD_DIR, else supplier-risk-uploads-<uid> in the system temporary folder."""
    configured = os.environ.get(UPLOAD_ENV)
    uid = os.getuid() if hasattr(os, "getuid") else 0
    root = Path(configured) if configured else Path(tempfile.gettempdir()) / f"supplier-risk-uploads-{uid}"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = root.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise UploadFolderError(f"{root} is not a plain folder; refusing to stage uploads there")
    if hasattr(os, "getuid") and info.st_uid != uid:
        raise UploadFolderError(f"{root} belongs to another user; refusing to stage uploads there "
                                f"(set {UPLOAD_ENV} to a private folder)")
    if stat.S_IMODE(info.st_mode) & 0o077:
        root.chmod(0o700)
    for old in root.glob("session-*"):  # left behind by a killed server
        try:
            if time.time() - old.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
        except FileNotFoundError:
            pass
    return root


class SessionFolder:
    """A private folder (0700) for one browser session's uploads, removed when the session ends: Streamlit drops
    the session's state, this object is collected and its finaliser deletes the folder (also at server exit)."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="session-", dir=upload_root()))
        weakref.finalize(self, shutil.rmtree, str(self.path), True)


def session_folder() -> Path:
    """This session's private upload folder, made on first use (again if something removed it)."""
    holder = st.session_state.get(SESSION_FOLDER_KEY)
    if holder is None or not holder.path.is_dir():
        holder = SessionFolder()
        st.session_state[SESSION_FOLDER_KEY] = holder
    return holder.path


def _write_private(path: Path, content: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(content)


def staged_file(name: str, content: bytes) -> Path:
    """`content` written privately (0600) in a folder of its own in this session's folder, as `upload` with the
    suffix of `name` (the visitor's file name never becomes a path); remove the folder (its parent) when done."""
    suffix = Path(name).suffix.lower()
    target = Path(tempfile.mkdtemp(prefix="file-", dir=session_folder())) / (
        "upload" + (suffix if suffix.isascii() and suffix[1:].isalnum() else ""))
    _write_private(target, content)
    return target


def stage_uploads(files: Iterable[tuple[str, bytes]], folder: Path | None = None) -> Path:
    """Write uploaded (name, content) pairs into a subfolder (named after their content) of this session's private
    folder, replacing what the session staged before; return it. File names cannot leave the folder."""
    files = sorted(files)
    digest = hashlib.sha256()
    for name, content in files:
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha256(content).digest())
    base = folder if folder is not None else session_folder()
    target = base / digest.hexdigest()[:16]
    if not target.exists():
        for old in base.iterdir():  # only the files of the current upload are kept
            shutil.rmtree(old, ignore_errors=True)
        tmp = target.with_name(target.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(mode=0o700)
        for name, content in files:
            _write_private(tmp / Path(name).name, content)
        tmp.rename(target)
    return target


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


def with_reviews(reviews_csv: bytes, live_input: Path) -> Path:
    """A private copy of the live warehouse's input folder (every file and folder in it: the demo's ground truth
    too) with `reviews_csv` as its reviewed_warnings.csv, staged in this session's folder for a rebuild (which keeps
    it beside the warehouse, as it does uploads). Raises UploadFolderError when that folder is gone."""
    if not live_input.is_dir():
        raise UploadFolderError(f"the current warehouse's input folder {live_input} is not there any more: load the "
                                "files again to rebuild")
    base = session_folder()
    for old in base.iterdir():  # only the files of the current rebuild are kept
        shutil.rmtree(old, ignore_errors=True)
    target = Path(tempfile.mkdtemp(prefix="reviews-", dir=base))  # 0700
    shutil.copytree(live_input, target, dirs_exist_ok=True)
    for old in target.iterdir():
        if table_of(old.name) == REVIEWED_WARNINGS:
            old.unlink()
    _write_private(target / f"{REVIEWED_WARNINGS}.csv", reviews_csv)
    return target


def validate(folder: Path) -> IngestResult:
    """pipelines.ingest.read_and_validate, cached on the folder's files (name, size, mtime) and on the exchange-rate
    table's (rates added since make rows valid that were not) so a rerun of the page does not re-read large exports;
    raises IngestError / FileError for file-level problems."""
    folder = Path(folder)
    if not folder.is_dir():
        return read_and_validate(folder)  # raises the pipeline's own "is not a folder" error
    signature = tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()
                             if p.is_file())) + (("fx_rates", fx.FX_PATH.stat().st_mtime_ns),)
    return _validate(str(folder), signature, contract.latest_event_date())


@st.cache_data(max_entries=8, show_spinner="Validating files…")
def _validate(folder: str, signature: tuple, latest: date) -> IngestResult:
    """`latest`: the latest date of something that has happened (today's), so a new day validates afresh."""
    return read_and_validate(Path(folder), latest=latest)


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


def rebuild(folder: Path, db_path: Path, progress: Callable[[float, str], None], allow_shrink: bool = False,
            built_by: str | None = None) -> BuildReport:
    """pipelines.build.build into the live path (published atomically), reporting progress from its log lines.

    Files staged from this session's uploads are built from a private copy beside the warehouse (inputs_folder) and
    removed from the session folder afterwards, whether the build succeeded or not."""

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
    folder, db_path = Path(folder), Path(db_path)
    staged = folder.parent == session_folder() if SESSION_FOLDER_KEY in st.session_state else False
    source = _keep_beside(folder, db_path) if staged else folder
    try:
        report = build(source, db_path, log=log, allow_shrink=allow_shrink, built_by=built_by)
    except BaseException:
        if staged:
            shutil.rmtree(source, ignore_errors=True)
        raise
    finally:
        if staged:  # the session's copies of the uploads are not needed any more
            for old in folder.parent.iterdir():
                shutil.rmtree(old, ignore_errors=True)
    for old in inputs_folder(db_path).glob("*"):  # only the input of the live warehouse is kept
        if old != source:
            shutil.rmtree(old, ignore_errors=True)
    return report


def inputs_folder(db_path: Path) -> Path:
    """Where the uploaded files of the live warehouse are kept, privately, beside it (<warehouse>.inputs/): the build
    records that folder, and the Data page offers its tables when only some files are uploaded next time."""
    return Path(db_path).with_name(Path(db_path).stem + ".inputs")


def _keep_beside(folder: Path, db_path: Path) -> Path:
    home = inputs_folder(db_path)
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    home.chmod(0o700)
    target = Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%dT%H%M%S-"), dir=home))  # 0700
    shutil.copytree(folder, target, dirs_exist_ok=True)
    return target
