"""The Data page's import step for files that are not in the import format: each dropped export is recognised
(Amazon, Walmart, Shopify, TikTok Shop, inspection summaries, Wise, SCMS: pipelines.adapters.registry) or goes to the
mapping step (pick the table, check the suggested column matches, set the date and number formats, preview the
converted rows, save the mapping for next month, use it). An export that reads another's lines (Shopify Payments
fees: the orders export's) is converted after the others of the batch and sees them. The converted rows are merged
into a copy of the staged folder, which the page then validates and builds like any other.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import display, loader
from pipelines import contract
from pipelines.adapters import mapping as maps
from pipelines.adapters import registry, store
from pipelines.adapters.base import AdapterError, Converted, Options
from pipelines.adapters.dates import AMBIGUOUS_DATES, DECLARED
from pipelines.readers import FileError

ROOT = Path(__file__).resolve().parents[1]
NONE = "—"
AUTO = maps.AUTO
EXPORT_TYPES = ["tsv", "txt", "zip", "gz"]  # besides the import format's csv, xlsx and parquet (compressed exports)
# How the recognised exports' dates read (`supplier-risk import --date-format`): recognised from the file unless a
# spreadsheet tool re-saved it in a form that cannot tell day from month (label → declared format or None).
EXPORT_DATES = {"Recognise from the file": None, "Day first (DD/MM/YYYY)": "DD/MM/YYYY",
                "Month first (MM/DD/YYYY)": "MM/DD/YYYY"}


def mappings_dir() -> Path:
    """Where saved mappings live (SUPPLIER_RISK_MAPPINGS, else data/mappings)."""
    return Path(os.environ.get("SUPPLIER_RISK_MAPPINGS", ROOT / "data" / "mappings"))


def saved_mappings() -> dict[str, Path]:
    folder = mappings_dir()
    return {p.stem: p for p in sorted(folder.glob("*.toml"))} if folder.is_dir() else {}


def _key(name: str) -> str:
    return "map_" + re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()


def _stage_file(name: str, content: bytes) -> Path:
    """The export in this session's private upload folder (dashboard/loader.py), to be read by the importers."""
    folder = loader.session_folder() / ("export-" + hashlib.sha256(content).hexdigest()[:16])
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / Path(name).name
    if not path.exists():
        path.write_bytes(content)
        path.chmod(0o600)
    return path


def _counts(converted: Converted) -> str:
    return (f"{display.count_words(converted.rows_read, 'line')} read: {converted.rows_written:,} written, "
            f"{converted.rows_rejected:,} rejected, {converted.rows_left_out:,} left out by rule")


def _problems(converted: Converted, key: str) -> None:
    rejected = pd.DataFrame([(r.line, r.column, r.reason, r.raw) for r in converted.rejections()],
                            columns=["line", "column", "reason", "raw_line"])
    if not rejected.empty:
        ui.table(rejected, key, f"{converted.source.stem}_rejected.csv")
    for note in converted.notices:
        st.caption(f"Notice: {ui.md(note)}")


def _guess_table(header: list[str]) -> str:
    """The table whose required columns the header suggests best (ties: the contract's order)."""
    def score(table):
        spec = contract.TABLES_BY_NAME[table]
        found = {s.column for s in maps.suggest(header, table)}
        return sum(1 for c in spec.required_columns if c in found) / len(spec.required_columns), len(found)
    return max(contract.TABLES_BY_NAME, key=score)


def _forget_choices(key: str) -> None:
    """A new table (or saved mapping): column, value and constant choices start again from its suggestions."""
    for name in [k for k in st.session_state if isinstance(k, str)
                 and k.startswith((f"{key}_col_", f"{key}_val_", f"{key}_const_"))]:
        del st.session_state[name]


def _apply_saved(key: str, header: list[str]) -> None:
    """Fill every choice from the saved mapping just picked (widgets keep their own state otherwise)."""
    _forget_choices(key)
    path = saved_mappings().get(st.session_state[f"{key}_saved"])
    if path is None:
        return
    try:
        base = maps.load(path)
    except maps.MappingError:
        return  # shown on the rerun
    st.session_state[f"{key}_table"] = base.table
    for col in contract.TABLES_BY_NAME[base.table].column_names:
        source = base.columns.get(col)
        st.session_state[f"{key}_col_{col}"] = source if source in header else NONE
    st.session_state[f"{key}_date"] = base.date.upper() if base.date.upper() in DECLARED else AUTO
    st.session_state[f"{key}_decimal"] = base.decimal
    st.session_state[f"{key}_currency"] = base.currency
    st.session_state[f"{key}_name"] = base.name


def _mapping_step(path: Path, key: str) -> Converted | None:
    """The mapping UI for one unrecognised file; the conversion when the user chose to use the mapping."""
    try:
        header = maps.read(path, maps.Mapping(table="suppliers", columns={})).frame.columns.tolist()[:-1]
    except (FileError, maps.MappingError) as exc:
        st.error(f"{ui.md(path.name)} cannot be read: {ui.md(exc)}", icon=":material/error:")
        return None
    saved = saved_mappings()
    choice = st.selectbox("Saved mapping", ["(new mapping)", *saved], key=f"{key}_saved",
                          help=f"Mappings saved before, in {mappings_dir()}.", on_change=_apply_saved,
                          args=(key, header))
    base = None
    if choice in saved:
        try:
            base = maps.load(saved[choice])
        except maps.MappingError as exc:
            st.error(ui.md(exc), icon=":material/error:")
    tables = list(contract.TABLES_BY_NAME)
    default_table = base.table if base else _guess_table(header)
    table = st.selectbox("Table this file fills", tables, index=tables.index(default_table), key=f"{key}_table",
                         format_func=lambda t: display.words(t, "table_name"), on_change=_forget_choices,
                         args=(key,))
    spec = contract.TABLES_BY_NAME[table]
    suggested = {s.column: s for s in maps.suggest(header, table)}
    st.markdown("**Columns** (suggested: exact name, synonym or similar spelling; `*` required)")
    columns: dict[str, str] = {}
    grid = st.columns(3)
    for i, col in enumerate(spec.columns):
        if base and base.table == table:
            current = base.columns.get(col.name, NONE)
        else:
            current = suggested[col.name].source if col.name in suggested else NONE
        how = (f"suggested: {suggested[col.name].how}" + (f" ({suggested[col.name].score:.2f})"
               if suggested[col.name].how == "fuzzy" else "")) if col.name in suggested else "no suggestion"
        options = [NONE, *header]
        picked = grid[i % 3].selectbox(f"{display.field_label(col.name)}{' *' if col.required else ''}", options,
                                       index=options.index(current) if current in options else 0,
                                       key=f"{key}_col_{col.name}",
                                       help=f"{col.description} ({how}; import field `{col.name}`)")
        if picked != NONE:
            columns[col.name] = picked
    f1, f2, f3 = st.columns(3)
    dates = [AUTO, *DECLARED]
    date = f1.selectbox("Date format", dates, index=dates.index(base.date.upper()) if base and base.date.upper()
                        in dates else 0, key=f"{key}_date",
                        help="auto: recognised per column; a column that could be day- or month-first is refused.")
    decimals = [AUTO, ".", ","]
    decimal = f2.selectbox("Decimal separator", decimals, index=decimals.index(base.decimal) if base else 0,
                           key=f"{key}_decimal")
    currency = f3.text_input("Currency of the prices (ISO code)", value=base.currency if base else "",
                             key=f"{key}_currency", disabled=table != "purchase_orders",
                             help="Purchase orders without a currency column: the currency of every price.")
    constants = {}
    for col in spec.columns:
        if col.required and col.name not in columns:
            value = st.text_input(f"{display.field_label(col.name)}: one value for every row (the file has no "
                                  "such column)",
                                  value=(base.constants.get(col.name, "") if base else ""),
                                  key=f"{key}_const_{col.name}")
            if value.strip():
                constants[col.name] = value.strip()
    values = _value_maps(path, header, spec, columns, base, key)
    candidate = maps.Mapping(table=table, columns=columns, name=(base.name if base else path.stem), date=date,
                             decimal=decimal, thousands=AUTO, currency=currency.strip().upper(), values=values,
                             constants=constants)
    try:
        candidate.check()
    except maps.MappingError as exc:
        st.warning(f"Not ready: {ui.md(exc)}", icon=":material/rule:")
        return None
    converted = maps.convert(maps.read(path, candidate), candidate)
    st.markdown(f"**Preview** ({_counts(converted)})")
    preview = pd.DataFrame(converted.rows.get(table, [])[:20])
    ui.table(preview, f"{key}_preview", f"{path.stem}_preview.csv",
             column_config={c: display.field_label(c) for c in preview.columns})
    _problems(converted, f"{key}_rejected")
    s1, s2 = st.columns([2, 1])
    name = s1.text_input("Mapping name", value=candidate.name, key=f"{key}_name")
    candidate.name = name.strip() or path.stem
    if s2.button("Save mapping", key=f"{key}_save", help=f"Writes {mappings_dir()}/<name>.toml to reuse next month"):
        target = mappings_dir() / (re.sub(r"[^0-9A-Za-z_.-]+", "_", candidate.name) + ".toml")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(maps.dumps(candidate), encoding="utf-8")
        st.success(f"Saved mapping {ui.md(target.name)}", icon=":material/save:")
    st.download_button("Download the mapping file", maps.dumps(candidate), file_name=f"{candidate.name}.toml",
                       key=f"{key}_download", mime="application/toml")
    if st.checkbox("Import this file with this mapping", key=f"{key}_use"):
        return converted
    st.info(f"{ui.md(path.name)} is not imported until you tick the box above.", icon=":material/pending:")
    return None


def _value_maps(path: Path, header: list[str], spec, columns: dict[str, str], base, key: str) -> dict:
    """For each mapped column with allowed values, a choice per value of the file that is not one of them."""
    frame = maps.read(path, maps.Mapping(table="suppliers", columns={})).frame
    out: dict[str, dict[str, str]] = {}
    for col in spec.columns:
        if not col.allowed or col.name not in columns:
            continue
        seen = frame[columns[col.name]].astype("string").str.strip().dropna().unique().tolist()
        allowed = {a.lower() for a in col.allowed}
        foreign = [v for v in seen if v and v.lower().replace(" ", "_").replace("-", "_") not in allowed][:30]
        if not foreign:
            continue
        st.markdown(f"**Values of {ui.md(columns[col.name])} → {ui.md(display.field_label(col.name))}**")
        pairs = {}
        grid = st.columns(3)
        saved = (base.values.get(col.name, {}) if base else {})
        for i, value in enumerate(foreign):
            options = ["(leave as is: rejected)", *col.allowed]
            current = saved.get(value, options[0])
            picked = grid[i % 3].selectbox(ui.md(value), options,
                                           index=options.index(current) if current in options else 0,
                                           format_func=lambda v, c=col.name, keep=options[0]: v if v == keep
                                           else display.value_label(c, v), key=f"{key}_val_{col.name}_{i}")
            if picked != options[0]:
                pairs[value] = picked
        out[col.name] = pairs
    return out


def _channel_choice(name: str, fmt, key: str) -> str | None:
    """The sales channel to write a report that does not name its marketplace to (`supplier-risk import --channel`):
    the format's own unless the user picks or types another (a typed name that is not a channel name is refused by
    the conversion); None for a format whose files name their channel."""
    choices = registry.channel_choices(fmt)
    if not choices:
        return None
    picked = st.selectbox(f"Sales channel of {ui.md(name)}", choices, key=f"{key}_channel", accept_new_options=True,
                          format_func=lambda code: f"{display.words(code, 'channel')} ({code})",
                          help=f"A {fmt.title} does not say which marketplace it is from: its lines are written to "
                               f"this channel. Pick another, or type a new name (e.g. {choices[0]}_2 for a second "
                               "store)")
    return picked or None


def _convert_recognised(path: Path, fmt, declared: str | None, folder: Path, channel: str | None,
                        pending: list[Converted]) -> Converted:
    """Convert a recognised export against the staged tables in `folder` and the batch's exports converted before
    it, `pending` (a bank statement's payments are matched to their purchase orders, Shopify Payments fees to the
    orders export's lines); the declared date order is used only for a file whose own dates cannot tell day from
    month (one choice for a batch must not reject the ISO or month-name dates of the other files)."""
    options = Options(channel=channel, context_dir=folder, pending=tuple(pending))
    converted = registry.convert(path, fmt, options)
    if declared and any(AMBIGUOUS_DATES in r.reason for r in converted.rejections()):
        converted = registry.convert(path, fmt, replace(options, date_format=declared))
    return converted


def convert_exports(files: list[tuple[str, bytes]], folder: Path) -> Path:
    """Recognise or map every file that is not a table of the import format and merge its rows into a copy of
    `folder` (the staged tables); return the folder to validate. Files that are tables are left to the page."""
    others = [(name, content) for name, content in files
              if loader.table_of(name) is None and not Path(name).name.startswith(("_", "."))]
    if not others:
        return folder
    st.markdown("**Other exports**: recognised formats are converted; any other spreadsheet goes to the mapping step")
    dates = st.selectbox("Dates in these exports", list(EXPORT_DATES), key="export_dates",
                         help="Leave it to the file unless a spreadsheet tool re-saved it: Excel writes 4/5/2024, "
                              "which is 4 May or 5 April, and such a file is refused until you say which")
    declared = EXPORT_DATES[dates]
    staged = []
    for name, content in others:
        path = _stage_file(name, content)
        try:
            fmt = registry.detect(path)
        except AdapterError:
            fmt = None
        except FileError as exc:
            st.error(f"{ui.md(name)} cannot be read: {ui.md(exc)}", icon=":material/error:")
            continue
        staged.append((name, path, fmt))
    # an export that reads another's lines (Shopify Payments fees: the orders export's) after the others
    staged.sort(key=lambda one: registry.converted_last(one[2]))
    done: list[Converted] = []
    for name, path, fmt in staged:
        key = _key(name)
        if fmt is not None:
            channel = _channel_choice(name, fmt, key)
            try:
                converted = _convert_recognised(path, fmt, declared, Path(folder), channel, done)
            except (FileError, AdapterError) as exc:
                st.error(f"{ui.md(name)}: {ui.md(exc)}", icon=":material/error:")
                continue
            into = ", ".join(display.words(t, "table_name") for t in fmt.tables)
            with st.expander(f"{ui.md(name)}: {fmt.title} → {into} · {_counts(converted)}"):
                _problems(converted, f"{key}_rejected")
            for warning in converted.warnings:  # e.g. an account paid that the supplier has not on file
                st.warning(f"{ui.md(name)}: {ui.md(warning)}", icon=":material/gpp_maybe:")
            done.append(converted)
            continue
        with st.expander(f"{ui.md(name)}: not a format we know — map its columns", expanded=True):
            converted = _mapping_step(path, key)
        if converted is not None:
            done.append(converted)
    if not done:
        return folder
    digest = hashlib.sha256(str(Path(folder).resolve()).encode("utf-8"))
    for p in sorted(Path(folder).iterdir()):
        if p.is_file() and loader.table_of(p.name):
            digest.update(p.name.encode("utf-8") + hashlib.sha256(p.read_bytes()).digest())
    for converted in done:
        digest.update(repr((converted.source.name, converted.format.name, converted.rows,
                            converted.ledgers)).encode("utf-8"))
    target = loader.session_folder() / f"with-exports-{digest.hexdigest()[:16]}"
    if not target.exists():
        tmp = target.with_name(target.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(mode=0o700)
        for p in folder.iterdir():
            if p.is_file() and loader.table_of(p.name):
                shutil.copy2(p, tmp / p.name)
        try:
            for converted in done:
                store.write(converted, tmp)
        except AdapterError as exc:  # e.g. one settlement from two reports: refused, nothing of the batch is used
            shutil.rmtree(tmp, ignore_errors=True)
            st.error(ui.md(exc), icon=":material/error:")
            return folder
        tmp.rename(target)
    return target
