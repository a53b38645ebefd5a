"""Shared widgets: empty states, formatted numbers, downloadable tables and a consistent chart look."""

from __future__ import annotations

import hashlib
import html
import io
import math
import re
from collections.abc import Callable, Iterable
from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st
from plotly.basedatatypes import BaseFigure

from dashboard import db, display, queries
from dashboard.colours import BAND_COLOURS  # noqa: F401 - ui.BAND_COLOURS
from dashboard.display import count_words, expander_px, metric_money, money, money_short, number, pct, table, text_px  # noqa: F401 - ui.money etc.
from dashboard.display import words as label  # noqa: F401
from models import scoring
from models import signals as sig
from models.wording import and_list
from pipelines import contract
from pipelines.code_version import code_version

# The house look of every chart, as plotly's default template: set once, a figure takes it without validating it
# again (passing template="plotly_white" to each figure validated and copied the whole template: ~80 ms a chart).
pio.templates.default = "plotly_white"

TYPE_COLOURS = {"manufacturer": "#1f4e79", "trading_company": "#e8833a"}
# Rows a long list draws on the page (its first rows, in the page's order: the ones needing attention first); the
# CSV download has every row. Thousands of rows cost their bytes to the browser and their hashing on every run.
LONG_TABLE_ROWS = 500
ACTION_COLOURS = ("#8b1a1a", "#d9480f", "#f08c00", "#2f9e44")  # suggested re-audit actions, most severe first


# CommonMark lets a backslash escape any ASCII punctuation character, and an escaped character is shown as itself.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# GitHub-flavoured Markdown turns bare http(s)://…, www.… and e-mail addresses into links after escapes are resolved,
# so escaping cannot stop it: an invisible WORD JOINER (U+2060) before the ':' of http(s):, the '.' of www. and the
# '@' breaks those patterns while the text reads the same.
_AUTOLINK_TRIGGERS = re.compile(r"(?i)(?<=https)(?=:)|(?<=http)(?=:)|(?<=www)(?=\.)|(?=@)")
WORD_JOINER = "\u2060"
# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def md(value: object) -> str:
    """`value` as Markdown that shows it literally: every punctuation character escaped.

    Use it for every data value (names, reasons, file names, URL parameters) put into st.markdown, st.caption,
    st.info/warning/error/success, headers, widget labels and help texts, so that `![x](http://evil/x.png)` is shown
    as text, never fetched, and `[link](http://x)`, `http://x`, `www.x.com`, `a@b.com`, `:red[x]` or `$x$` never
    become links, colours or formulas."""
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return "–"
    # a line break stays a (hard) line break, so a line of its own cannot start a heading, list or quote
    return "  \n".join(_MARKDOWN_PUNCTUATION.sub(r"\\\1", _AUTOLINK_TRIGGERS.sub(WORD_JOINER, line))
                       for line in str(value).splitlines())


def chart_text(values: Iterable[object]) -> list[object]:
    """Data strings made safe for a plotly label or hover text: plotly reads `<a href=…>`, `<b>` and `<br>` in text,
    so `<`, `>` and `&` are written as entities (plotly shows them as the characters). Other values pass through."""
    return [html.escape(v, quote=False) if isinstance(v, str) else v for v in values]


CHART_TEXT_SCALE = 12 / 14  # a chart's 12 px text against the 14 px table font display.text_px measures
CHART_TEXT_GAP_PX = 6       # plotly's gap between a bar and its text outside it, with a pixel to spare
CHART_LABEL_SHARE = 0.4  # of a horizontal bar chart's width its category labels (supplier names) may take at most


def chart_labels(texts: Iterable[object], width_px: int) -> list[object]:
    """The category labels of a horizontal bar chart `width_px` wide, each at most CHART_LABEL_SHARE of it: a longer
    one is cut with "…" (the hover says it whole). Plotly gives the labels whatever room they take: at a 1024 px
    window the SCMS re-audit plan's names ("18. JANSSEN SCIENCES IRELAND UC (FORMERLY JANSSEN R&D IRELAND)") left
    the bars a sixth of the chart and its axis title ran off the edge. Two labels cut to the same text stay two bars
    (plotly would draw one): each repeat ends in one more zero-width space. Made safe for plotly (chart_text)."""
    limit = width_px * CHART_LABEL_SHARE / CHART_TEXT_SCALE  # in display.text_px's 14 px units
    out, seen = [], {}
    for value in texts:
        label = str(value)
        if text_px(label) > limit:
            while label and text_px(label + "…") > limit:
                label = label[:-1]
            label = label.rstrip() + "…"
        repeat = seen.get(label, 0)
        seen[label] = repeat + 1
        out.append(label + "\u200b" * repeat)
    return chart_text(out)


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` for a CSV or Excel export: a text cell starting with =, +, -, @, tab or carriage return gets a
    leading apostrophe, so a spreadsheet shows it as text instead of running it (=HYPERLINK(...), =cmd|...).
    Numbers are untouched (a negative amount stays a number)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype):
            out[col] = pd.Series([("'" + v) if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v
                                  for v in out[col]], index=out.index, dtype=out[col].dtype)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The CSV download of a table: UTF-8, formulas neutralised (neutralise_formulas)."""
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8")


def require_warehouse() -> bool:
    """Show a clear empty state when no warehouse has been built; return whether pages can go on."""
    if db.db_path().exists():
        return True
    st.info(f"No warehouse yet at `{db.db_path()}`. Build one with `supplier-risk build --input DIR` "
            "or load files on the **Data** page.", icon=":material/database:")
    return False


def missing(mart: str, what: str, needs: tuple[str, ...] = ()) -> None:
    """Empty state for a section whose mart is absent (older or partial build) or empty. `needs`: the files the
    section is made from (contract table names); when the import carried none of some of them, that is the reason
    given, in words, with where to bring them in, not an empty table's name."""
    absent = tuple(t for t in needs if not queries.imported(t))
    if queries.has_table(mart) and absent:
        st.info(f"No {what}: no {sig.files_words(tuple(t.replace('_', ' ') for t in absent))} "
                f"{'was' if len(absent) == 1 else 'were'} imported. Bring "
                f"{'it' if len(absent) == 1 else 'them'} in on the Data page (docs/importers.md lists the exports "
                "read as they are).", icon=":material/upload_file:")
    elif queries.has_table(mart):
        st.info(f"No {what} for this selection (`{mart}` has no matching rows).", icon=":material/filter_alt_off:")
    else:
        st.info(f"No {what} yet: this warehouse has no `{mart}` table. Rebuild with the current pipeline "
                "(Data page) to add it.", icon=":material/hourglass_empty:")


def deposits_unknown() -> str:
    """Why a deposit at risk (paid on an order of which nothing has shipped) is unknown on this data, as a sentence
    to add to a tile's help; '' when the import carried both files it needs."""
    if not queries.imported("payments"):
        return " Unknown: no payments file was imported, so nothing is known to be paid."
    if not queries.imported("shipments"):
        return " Unknown: no shipments file was imported, so no order is known to have shipped nothing."
    return ""


def coverage_notice(full: bool = True) -> None:
    """What the score can see on this data (models.scoring.coverage_words), when it cannot see every point: a
    warning when the unknown points lower confidence, else a note; `full=False` gives the first sentence only."""
    unknown = queries.score_unknown_signals()
    lines = scoring.coverage_words(unknown, pillar_name=lambda p: label(p, "pillar").lower())
    if not lines:
        return
    text = " ".join(md(line) for line in (lines if full else lines[:1]))
    if unknown["max_points"].sum() >= scoring.load_config()["evidence"]["unknown_points_lower_grade"]:
        st.warning(text, icon=":material/visibility_off:")
    else:
        st.info(text, icon=":material/visibility_off:")


def as_of_date() -> date | None:
    """The warehouse's as-of date (ingest.build_info), None when it has none."""
    info = queries.build_info()
    return None if info.empty else pd.Timestamp(info["as_of"].iloc[0]).date()


def as_of_caption(counts_to_as_of: bool = False) -> None:
    """The data's as-of date and how long ago that was, when it was built, the reporting currency. A page that counts
    to the as-of date (`counts_to_as_of`: what is due, overdue, late) warns when that date is more than
    data_stale_after_days (data/reference/kpi_settings.csv) before today."""
    info, as_of = queries.build_info(), as_of_date()
    if not info.empty:
        age = display.data_age_words(as_of)
        refused = queries.rejected_count()
        st.caption(f"Data as of {as_of:%Y-%m-%d}{f' ({age})' if age else ''} · built "
                   f"{pd.Timestamp(info['built_at'].iloc[0]):%Y-%m-%d %H:%M} · amounts in "
                   f"{contract.REPORTING_CURRENCY}, the reporting currency (other currencies converted at the "
                   "month's rate of data/reference/fx_rates.csv)"
                   # rows refused are in no figure of the page: said where every page says what its figures are of
                   + (f" · {count_words(refused, 'row')} refused by the last build, in no figure until corrected "
                      "(Data page)" if refused else ""))
        built = info["code_version"].iloc[0] if "code_version" in info else None
        if built != code_version():
            # built by other code: a section may miss a column it reads now, and the figures follow other rules
            st.warning(f"This warehouse was built by another version of the cockpit ({md(built or 'no version')}; "
                       f"this is {code_version()}): some sections may be missing and its figures follow that "
                       f"version's rules and reference tables. Rebuild it from its input folder "
                       f"({md(info['input_dir'].iloc[0])}) on the Data page or with `supplier-risk build`.",
                       icon=":material/update:")
        demo = display.is_demo(info["input_dir"].iloc[0])
        said = display.stale_data_warning(as_of, display.stale_after_days(queries.kpi_settings()), demo) \
            if counts_to_as_of else None
        if said and demo:  # nothing to act on: a visitor trying the cockpit on the demo
            st.info(said, icon=":material/science:")
        elif said:
            st.warning(said, icon=":material/event_busy:")


# Mantissas per decade, densest first: the first set that gives at most `max_ticks` ticks is used.
_LOG_TICK_STEPS = ((1, 1.5, 2, 3, 5, 7), (1, 2, 3, 5), (1, 2, 5), (1, 3), (1,))


def log_money_ticks(low: float, high: float, max_ticks: int = 7) -> tuple[list[float], list[str]]:
    """Tick values and compact labels for a log-scale money axis spanning low..high (both > 0).

    Plotly labels the minor ticks of a log axis that spans a few decades and they run into each other; this gives
    1-2-5-style ticks, thinned to at most `max_ticks` (one per decade on very wide ranges)."""
    low, high = min(low, high), max(low, high)
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    for mantissas in _LOG_TICK_STEPS:
        values = [m * 10.0 ** e for e in range(first, last + 1) for m in mantissas if low <= m * 10.0 ** e <= high]
        if len(values) <= max_ticks:
            break
    values = values[::max(1, math.ceil(len(values) / max_ticks))]  # still too many (many decades): every k-th decade
    if len(values) < 2:  # a narrow range between two steps: label its ends instead
        values = sorted({float(f"{low:.2g}"), float(f"{high:.2g}")})
    values = [float(f"{v:.6g}") for v in values]  # 3 * 10**-1 is 0.30000000000000004
    return values, [money_short(v) for v in values]


# Where a bubble's name may go, tried in this order: (x direction, y direction) from its centre, in plot pixels (y up),
# at each of the gaps from its rim, nearest first; a name set off from its bubble is joined to it by a line
_LABEL_SPOTS = ((0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1))
_LABEL_GAPS_PX = (3, 18, 36, 60)
LABEL_FONT_PX = 11
LABEL_PAD_PX = 4  # an annotation's box around its text (18 x 143 px drawn around 14 x 142 of text at 11 px, measured)


def place_labels(points: list[tuple[float, float, float]], texts: list[str], width: float, height: float,
                 font_px: float = LABEL_FONT_PX) -> list[tuple[float, float] | None]:
    """Spots for the names of bubbles that never overlap each other or leave the plot: for each point (x, y, radius
    in plot pixels, y up; the most important first) with a text ("" for none), the offset (x, y, pixels, y up) of
    its name's centre from the bubble's centre, for a plotly annotation with a line from the name to the bubble's
    rim; None when every spot is taken (its name is still in the hover). A spot that hides less of the other bubbles
    wins, then the nearer, then the earlier in _LABEL_SPOTS."""
    line = font_px * 1.3 + LABEL_PAD_PX
    px, py, pr = (np.array([p[k] for p in points], dtype=float).reshape(-1) for k in range(3))
    boxes: list[tuple[float, float, float, float]] = []
    out: list[tuple[float, float] | None] = []
    for i, ((x, y, r), text) in enumerate(zip(points, texts)):
        if not text:
            out.append(None)
            continue
        w = text_px(text) * font_px / 14 + LABEL_PAD_PX
        candidates = []
        for rank, (gap, (dx, dy)) in enumerate((g, s) for g in _LABEL_GAPS_PX for s in _LABEL_SPOTS):
            reach = (r + gap) * (0.71 if dx and dy else 1.0)  # a corner of the name as near the rim as a side
            cx = x + dx * (reach + w / 2)  # the name's centre
            cy = y + dy * (reach + line / 2)
            box = (cx - w / 2, cy - line / 2, cx + w / 2, cy + line / 2)
            if box[0] < 0 or box[2] > width or box[1] < 0 or box[3] > height:
                continue
            if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
                continue
            # how much of the other bubbles it hides (the overlap with each one's square, px²): a name over the rim
            # of a small bubble rather than over the middle of a large one
            hidden = (np.clip(np.minimum(box[2], px + pr) - np.maximum(box[0], px - pr), 0, None)
                      * np.clip(np.minimum(box[3], py + pr) - np.maximum(box[1], py - pr), 0, None))
            candidates.append((float(hidden.sum() - hidden[i]), rank, box, (cx - x, cy - y)))
        if not candidates:
            out.append(None)
            continue
        _, _, box, spot = min(candidates, key=lambda c: c[:2])
        boxes.append(box)
        out.append(spot)
    return out


def action_order(actions: Iterable[str]) -> list[str]:
    """The suggested re-audit actions present, most severe first.

    Severity is the order of `[[reaudit.actions]]` in the scoring config (the first matching rule wins, so the
    rules run from the strongest response down: hold new orders, on-site audit, tighter inspection, desk re-check);
    an action the config does not list (an older build) goes last."""
    configured = [rule["action"] for rule in scoring.load_config()["reaudit"]["actions"]]
    present = {str(a) for a in actions if isinstance(a, str)}
    return [a for a in configured if a in present] + sorted(present - set(configured))


def action_colours(actions: Iterable[str]) -> dict[str, str]:
    """Colour per suggested action, dark red (most severe) to green; unlisted actions grey."""
    configured = [rule["action"] for rule in scoring.load_config()["reaudit"]["actions"]]
    colours = dict(zip(configured, ACTION_COLOURS))
    return {a: colours.get(a, "#adb5bd") for a in action_order(actions)}


# ISO 2859-1 switching stages in plain words; the Inspections and Supplier pages both say it this way.
SWITCHING_STAGES = {
    "normal": "the standard plan for the lot size, level and AQL",
    "tightened": "2 of 5 consecutive lots rejected, or resumed after a discontinuation; stricter plans until 5 lots "
                 "pass in a row",
    "reduced": "a long run of good lots; smaller samples are allowed",
    "discontinued": "5 lots rejected while tightened; stop accepting lots under sampling until the supplier closes a "
                    "corrective action (inspection then resumes on tightened)",
}


def switching_stage(stage: str) -> str:
    """What an ISO 2859-1 switching stage means for the next lot, in plain words."""
    return SWITCHING_STAGES.get(str(stage), str(stage))


def switching_summary(rows: pd.DataFrame) -> tuple[bool, str]:
    """(discontinued?, text) for one supplier's marts.inspection_switching rows (one per defect class).

    A discontinued class decides the message: sampling inspection can no longer accept this supplier's lots."""
    rows = rows.dropna(subset=["current_stage"])
    stopped = rows[rows["current_stage"] == "discontinued"]
    if not stopped.empty:
        since = pd.to_datetime(stopped["last_transition_on"]).max()
        classes = and_list(sorted(stopped["defect_class"].astype(str)))
        return True, (f"**Inspection discontinued** for {classes} defects"
                      + (f" since {since:%Y-%m-%d}" if pd.notna(since) else "")
                      + f" (ISO 2859-1 switching rules): {switching_stage('discontinued')}.")
    classes: dict[str, list[str]] = {}  # stage → its classes, stages in the order of their first class
    for cls, stage in sorted(zip(rows["defect_class"].astype(str), rows["current_stage"].astype(str))):
        classes.setdefault(stage, []).append(cls)
    parts = [f"{and_list(names)} defects {stage} ({switching_stage(stage)})"
             for stage, names in classes.items()]
    text = "Switching rules (ISO 2859-1): " + ("; ".join(parts) if parts else "no lots replayed") + "."
    if "times_discontinued" in rows:  # a warehouse built before the count has none
        again = [f"{cls} {count_words(int(n), 'time')}" for cls, n
                 in sorted(zip(rows["defect_class"].astype(str), rows["times_discontinued"])) if pd.notna(n) and n]
        if again:
            text += (" Discontinued before, each time resumed on tightened after a closed corrective action: "
                     + ", ".join(again) + ".")
    return False, text


def money_col(title: str, help: str | None = None, cents: bool = False) -> st.column_config.NumberColumn:
    """Whole dollars with separators ($70,934; -$1,320 below zero), like every amount in the tables, or with `cents`
    where they are the answer (per-unit costs, a customs entry's duty); downloads keep every decimal."""
    return st.column_config.NumberColumn(title, help=help, **display.money_format("%.2f" if cents else ""))


def pct_col(title: str, help: str | None = None) -> st.column_config.NumberColumn:
    """A 0..1 share shown as a percentage with one decimal (2.8%)."""
    return st.column_config.NumberColumn(title, help=help, **display.SHARE_FORMAT)


def excel_bytes(frames: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook with one sheet per frame (timezone-aware datetimes made naive, as Excel needs).

    Text is written as text: formulas neutralised like the CSV downloads, and xlsxwriter's conversion of strings to
    formulas and links turned off (by default it writes "=HYPERLINK(...)" as a live formula and "http://…" as a
    link)."""
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        for sheet, frame in frames.items():
            out = neutralise_formulas(frame)
            for col in out.columns:
                if isinstance(out[col].dtype, pd.DatetimeTZDtype):
                    out[col] = out[col].dt.tz_localize(None)
                elif out[col].map(lambda v: isinstance(v, (list, tuple))).any():
                    out[col] = out[col].map(lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
            out.to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()


MONTH_BAR_MS = 20 * 24 * 3600 * 1000  # a month's bar: 20 days wide, whatever the number of months shown


def month_axis(fig: go.Figure, months: pd.Series, as_of: date | None = None) -> go.Figure:
    """A per-month bar chart's x axis as months ("May 2026"), one tick a month up to a year. With one month plotly
    took the bar's width for the axis and ticked it in fractions of a millisecond ("23:59:59.9996"): the bars get a
    fixed width and the axis a month either side. The month of `as_of` (the data's as-of date), when the data stops
    before its end, is shaded and labelled ("to 6 Dec"): its bar is a part of a month, not a fall."""
    shown = pd.to_datetime(pd.Series(months)).dropna().drop_duplicates()
    fig.update_traces(width=MONTH_BAR_MS, selector=dict(type="bar"))
    fig.update_xaxes(tickformat="%b %Y", dtick="M1" if len(shown) <= 12 else None)
    if len(shown) == 1:
        fig.update_xaxes(range=[shown.min() - pd.DateOffset(months=1), shown.max() + pd.DateOffset(months=1)])
    partial = display.partial_month(as_of)
    if partial is not None and (shown == pd.Timestamp(partial.start)).any():
        half = pd.Timedelta(milliseconds=MONTH_BAR_MS * 0.6)
        fig.add_vrect(x0=pd.Timestamp(partial.start) - half, x1=pd.Timestamp(partial.start) + half,
                      fillcolor="#868e96", opacity=0.12, line_width=0, layer="below",
                      annotation_text=partial.label, annotation_position="top", annotation_font_size=11)
    return fig


def day_axis(fig: go.Figure, days: pd.Series, pad_days: int = 15) -> go.Figure:
    """A date axis of points (inspections, events) read as dates. With every point on one day plotly spread that day
    over the axis and ticked it in milliseconds ("23:59:59.999 Feb 9, 2024"): the axis then runs `pad_days` either
    side of it, ticked as dates."""
    shown = pd.to_datetime(pd.Series(days)).dropna()
    if len(shown) and shown.min() == shown.max():
        day = shown.min().normalize()
        fig.update_xaxes(range=[day - pd.Timedelta(days=pad_days), day + pd.Timedelta(days=pad_days)],
                         tickformat="%b %d, %Y")
    return fig


# a chart title as plotly draws it in the theme (about 16 px, bold) against display.text_px's 14 px: the Portfolio's
# matrix title, 502 px by text_px, is 590 px drawn (measured in Chromium)
TITLE_PX_PER_TEXT_PX = 1.2
TITLE_LINE_PX = 22  # a title line's height as plotly draws it in the theme


# where a title too wide for its chart goes onto a new line, best first: (separator, characters of it that end the
# line before, characters of it skipped before the next line): before a parenthesis, after a colon or a comma, at a
# space
_TITLE_BREAKS = (((" (", 0, 1),), ((": ", 1, 2), (", ", 1, 2)), ((" ", 0, 1),))


def fitted_title(title: str, width_px: int) -> str:
    """`title` on as many lines as a chart `width_px` wide needs (plotly does not wrap a title: at a 1024 px window
    the matrix's ended "… not yet ship", the leakage waterfall's lost 90 px in a half column): each line broken at the
    best place whose text before it fits, the latest such place (before a parenthesis, else after a colon or a comma,
    else at a space). A word longer than the chart stays whole on its line."""
    def fits(text: str) -> bool:
        return display.text_px(text) * TITLE_PX_PER_TEXT_PX <= width_px - 10

    if fits(title):
        return title
    for breaks in _TITLE_BREAKS:
        cuts = [(i + kept, i + skipped) for sep, kept, skipped in breaks for i in range(1, len(title))
                if title.startswith(sep, i) and fits(title[:i + kept])]
        if cuts:
            end, start = max(cuts)
            return f"{title[:end]}<br>{fitted_title(title[start:], width_px)}"
    return title  # not one break leaves a first line that fits: read it whole as far as it goes


def title_extra_px(title: str, width_px: int) -> int:
    """The height (px) `title` fitted to a chart `width_px` wide takes beyond one line: what titled_for adds to the
    top margin, and so takes off the plot."""
    return TITLE_LINE_PX * (fitted_title(title, width_px).count("<br>") - title.count("<br>"))


def titled_for(fig: go.Figure, width_px: int) -> go.Figure:
    """`fig` with its title fitted to a chart `width_px` wide (fitted_title), its top margin grown by a line's height
    for every line past the first (a two-line title ran into the plot)."""
    text = fig.layout.title.text
    extra = title_extra_px(text, width_px) if text else 0
    if extra > 0:
        top = fig.layout.margin.t if fig.layout.margin.t is not None else 60
        fig.update_layout(title_text=fitted_title(text, width_px), margin_t=top + extra)
    return fig


LEGEND_BELOW_PX = 700  # a chart narrower than this has its legend in rows under it, not in a column beside it
LEGEND_SWATCH_PX = 50  # a legend item's swatch and the gaps beside its name
LEGEND_ROW_PX = 24     # a row of a legend's items (a bar's swatch is the tallest)


def legend_below(fig: go.Figure, width_px: int) -> go.Figure:
    """`fig` with its legend in rows at the foot of the chart, under the axis title, on a chart narrower than
    LEGEND_BELOW_PX that has one and has not placed it itself (set its orientation): beside the plot it took half of
    a 1024 px window's chart (the Supplier page's signal bars were left 60 px). The items in trace order, as many to
    a row as their names and swatches fit; the chart grows by the rows, so that the plot keeps its height."""
    names = list(dict.fromkeys(t.name for t in fig.data if t.name and t.showlegend is not False))
    if width_px >= LEGEND_BELOW_PX or not names or fig.layout.legend.orientation is not None \
            or (fig.layout.showlegend is None and len(names) < 2):  # plotly shows no legend for a single trace
        return fig
    rows, used = 1, 0.0
    for name in names:
        item = text_px(name) * CHART_TEXT_SCALE + LEGEND_SWATCH_PX
        if used and used + item > width_px - 20:
            rows, used = rows + 1, 0.0
        used += item
    grown = LEGEND_ROW_PX * rows + 20
    bottom = fig.layout.margin.b if fig.layout.margin.b is not None else 10
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", yref="container", y=0, yanchor="bottom",
                                  traceorder="normal"),
                      margin_b=bottom + grown, height=(fig.layout.height or 450) + grown)
    return fig


def style(fig: go.Figure, title: str, x: str, y: str, height: int = 420) -> go.Figure:
    """Titles, axis labels and the house look for every chart."""
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, height=height,
                      margin=dict(l=10, r=10, t=60, b=10), legend_title_text="")
    return fig


# a count axis up to this many gets a tick at every whole number (plotly's own steps are 0.5 or 0.2 below about 6)
COUNT_TICK_EVERY_UP_TO = 6


def count_axis(fig: go.Figure, most: object, axis: str = "y") -> go.Figure:
    """An axis of counts (suppliers, defects) read in whole numbers: never "0.2 suppliers". Up to
    COUNT_TICK_EVERY_UP_TO (`most`, the largest count drawn) a tick at each whole number, above it plotly's own steps
    (whole by then), with thousands separators; from zero."""
    steps = {"dtick": 1, "tick0": 0} if pd.isna(most) or float(most) <= COUNT_TICK_EVERY_UP_TO else {}
    fig.update_layout({f"{axis}axis": dict(tickformat=",d", rangemode="tozero", **steps)})
    return fig


def chart(fig: go.Figure, key: str) -> None:
    st.plotly_chart(fig, key=key, config={"displaylogo": False})


class Drawn(BaseFigure):
    """A built figure in the form st.plotly_chart sends it: plotly's dict, made once. st.plotly_chart accepts it as
    a figure and asks it for `to_dict()`, which a Figure computes anew on every call (a deep copy of the whole
    figure and a conversion of every array, 5-20 ms a chart on every rerun); a plain dict it would validate anew,
    which costs more. `figure` is the plotly Figure itself. Shared by every session: never change either."""

    def __init__(self, figure: go.Figure) -> None:  # noqa: D107 - BaseFigure.__init__ is skipped on purpose
        object.__setattr__(self, "figure", figure)
        object.__setattr__(self, "_spec", figure.to_dict())

    def to_dict(self) -> dict:
        return self._spec

    def to_plotly_json(self) -> dict:
        return self._spec

    def __repr__(self) -> str:
        return f"Drawn({self.figure!r})"


@st.cache_resource(max_entries=256, show_spinner=False)
def _figure(key: str, version: str, inputs: tuple, _build: Callable[[], go.Figure]) -> Drawn:
    return Drawn(_build())


def _by_value(value: object) -> object:
    """A frame or series as a digest of every value, its index, columns and types; a tuple of texts (the supplier
    ids of a filter) as a digest of them; anything else as it is. Streamlit hashes a frame of 50,000 rows or more
    from a sample of its rows, so two large frames that differ outside the sample would share a cached figure: one
    visitor could see the figure of another's choice. It hashes a tuple element by element (7 ms for 1,000 ids)."""
    if isinstance(value, tuple) and len(value) > 8 and all(type(v) is str for v in value):
        return ("texts", queries.params_key(value))
    if isinstance(value, (pd.DataFrame, pd.Series)):
        try:
            values = pd.util.hash_pandas_object(value, index=True).to_numpy()
        except TypeError:  # unhashable cells (lists): streamlit's own hashing
            return value
        frame = value.to_frame() if isinstance(value, pd.Series) else value
        layout = repr((list(frame.columns), [str(t) for t in frame.dtypes], frame.shape))
        return ("frame", hashlib.sha256(values.tobytes() + layout.encode()).hexdigest())
    return value


def tiles(spec: int | list[float], labels: list[str] | None = None) -> list:
    """st.columns for a row of metric tiles (`spec`: how many, or their weights), split into two or more rows on a
    narrow main column so that every tile's label (`labels`, for long ones) and value are read whole
    (display.tile_rows): the columns in order, as st.columns returns them."""
    weights = [1.0] * spec if isinstance(spec, int) else list(spec)
    rows = display.tile_rows(weights, display.page_px(), labels)
    out = []
    for chunk in rows:
        filler = [sum(chunk) / len(chunk)] * (len(rows[0]) - len(chunk))  # a short last row: tiles as wide as above
        out.extend(st.columns(chunk + filler)[:len(chunk)])
    return out


def figure(key: str, build: Callable[[], go.Figure], *inputs: object, width_px: int | None = None) -> Drawn:
    """The figure `build()` makes (as a Drawn, ready for st.plotly_chart), its title and legend fitted to the chart's
    width (`width_px`; the main column's when not given: titled_for, legend_below), built once per chart key,
    warehouse version, width and `inputs` (the frames and choices it is drawn from; hashed by every value,
    `_by_value`) and shared by every session: building a plotly figure costs 20-100 ms, more than the rest of a
    page. Never change a figure this returns."""
    width = display.page_px() if width_px is None else width_px
    return _figure(key, db.db_version(), (*(_by_value(v) for v in inputs), ("width_px", width)),
                   lambda: legend_below(titled_for(build(), width), width))


@st.cache_resource(max_entries=512, show_spinner=False)
def _computed(key: str, version: str, inputs: tuple, _build: Callable[[], object]) -> object:
    return _build()


def computed(key: str, build: Callable[[], object], *inputs: object) -> object:
    """What `build()` returns (a frame, a dict of frames, …), computed once per `key`, warehouse version and `inputs`
    (everything `build` reads besides the warehouse: choices, and frames hashed by every value, `_by_value`) and
    shared by every session, like `figure`; a frame comes back as a copy each caller may change. For work a page
    repeats on every rerun over the same cached query results (merges, sorts, models)."""
    value = _computed(key, db.db_version(), tuple(_by_value(v) for v in inputs), build)
    return value.copy() if isinstance(value, pd.DataFrame) else value


@st.cache_resource(max_entries=512, show_spinner=False)
def prepared_table(digest: str, options: str, _inputs: tuple) -> object:
    """display._prepare(*_inputs), once per table values (`digest`, a SHA-256 of them) and options (their repr)."""
    return display._prepare(*_inputs)


def beside(weights: list[float], min_px: list[int]) -> tuple:
    """Where parts that go together are drawn: st.columns(weights) on a main column wide enough for each to have its
    `min_px` (display.side_by_side), else as many containers one under the other."""
    if display.side_by_side(weights, min_px):
        return tuple(st.columns(weights))
    return tuple(st.container() for _ in weights)


def cached_chart(key: str, build: Callable[[], go.Figure], *inputs: object, width_px: int | None = None) -> None:
    """chart(figure(key, build, *inputs, width_px=width_px), key)."""
    chart(figure(key, build, *inputs, width_px=width_px), key)


COST_COMPONENTS = {"goods_value": "Goods (quoted price)", "freight": "Freight", "insurance": "Insurance",
                   "duty": "Duty", "fees": "Fees (MPF, HMF, brokerage)", "inspection_cost": "Inspections"}


def leakage_waterfall(steps: pd.DataFrame, key: str, title: str = "Leakage waterfall: planned to realised "
                                                                    "contribution") -> None:
    """go.Waterfall of marts.margin_leakage steps (step, step_order, amount), first absolute, last a total, drawn in
    half the main column or under the landed-cost breakdown (both pages pair them: display.PAIR_PX)."""
    width = display.beside_px(*display.PAIR_PX, 1)  # it follows the main column, which also sets how the amounts read
    cached_chart(key, lambda: _waterfall(steps, title, width), steps, title, width_px=width)


def _waterfall(steps: pd.DataFrame, title: str, width_px: int) -> go.Figure:
    steps = steps.sort_values("step_order")
    labels = [label(s, "step") for s in steps["step"]]
    measures = ["absolute"] + ["relative"] * (len(steps) - 2) + ["total"]
    values = steps["amount"].tolist()
    # the amounts as the tiles say them ($17.34M in a 1280 px window, where "$17,340,524" ran past the chart's edge);
    # the hover and the tables have every dollar
    texts = [metric_money(v) for v in values]
    # the plot: the half column less the figure's margins and the step names left of it
    plot_px = width_px - 20 - max(text_px(t) for t in labels) * CHART_TEXT_SCALE - 10
    # horizontal: the step names read left to right, each with its amount beside its bar in a legible size
    fig = go.Figure(go.Waterfall(y=labels, x=values, measure=measures, orientation="h",
                                 text=texts, textposition="outside",
                                 textfont=dict(size=12), cliponaxis=False,
                                 decreasing=dict(marker_color="#d9480f"),
                                 increasing=dict(marker_color="#2f9e44"), totals=dict(marker_color="#1f4e79"),
                                 hovertemplate="%{y}: %{x:$,.0f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    text_widths = [text_px(t) * CHART_TEXT_SCALE + CHART_TEXT_GAP_PX for t in texts]
    fig.update_xaxes(tickformat="$~s",  # -$50k, never $-50k
                     range=_waterfall_range(measures, values, text_widths, max(plot_px, 60.0)))
    return style(fig, title, "USD", "", height=120 + 34 * len(labels))


def _waterfall_range(measures: list[str], values: list[float], text_px: list[float], plot_px: float) -> list[float]:
    """The x range of a horizontal waterfall that holds every bar and the amount written beside it (`text_px` wide
    each, in a plot `plot_px` wide): right of a bar that rises (a positive total included), left of one that falls;
    plotly clips them at the figure's edge otherwise ("$4,7"). The texts take their pixels whatever the scale, so the
    range is found by fixed point: the units per pixel set where the texts end, which sets the range."""
    running, low, high, ends = 0.0, 0.0, 0.0, []
    for measure, value, px in zip(measures, values, text_px):
        before = 0.0 if measure in ("absolute", "total") else running
        running = value if measure in ("absolute", "total") else running + value
        low, high = min(low, before, running), max(high, before, running)
        ends.append((max(before, running), px, 1.0) if value >= 0 else (min(before, running), px, -1.0))
    span = (high - low) or 1.0
    lo, hi = low, high
    for _ in range(50):  # converges while the texts take less than the plot; a crowded plot gets the last estimate
        per_px = (hi - lo) / plot_px
        lo = min([low] + [end - px * per_px for end, px, side in ends if side < 0]) - 0.01 * span
        hi = max([high] + [end + px * per_px for end, px, side in ends if side > 0]) + 0.01 * span
        if hi - lo > 5 * span:  # texts wider than the plot itself: the bars keep a fifth of it
            break
    return [lo, hi]


def landed_breakdown(row: pd.Series, key: str, unknown: dict[str, str] | None = None) -> None:
    """Horizontal bars of the landed-cost components of one landed_breakdown row, with shares; a component the data
    leaves partly unknown (display.breakdown_unknowns) says so beside its bar, so that a short bar does not read as a
    small cost."""
    unknown = unknown or {}
    # the total as a tile says it ($1.463B from $1M in a 1280 px window), in few words, so the title fits a half
    # column ("Landed-cost breakdown: $112.6M over 14,407 landed POs" lost its "s" at the edge of one at 1280 px)
    title = f"Landed cost {metric_money(row['landed_total'])}, {int(row['po_count']):,} POs landed"
    cached_chart(key, lambda: _breakdown(row, unknown, title), row, sorted(unknown.items()), title,
                 width_px=display.beside_px(*display.PAIR_PX, 0))  # beside the leakage waterfall


def _breakdown(row: pd.Series, unknown: dict[str, str], title: str) -> go.Figure:
    values = [float(row[col]) for col in COST_COMPONENTS]
    total = float(row["landed_total"]) or 1.0
    # what is unknown on a line of its own under the amount: beside it, a note ran past a half-width chart's edge
    texts = [f"{money(v)} ({v / total:.1%})" + (f";<br>{unknown[col]}" if col in unknown else "")
             for col, v in zip(COST_COMPONENTS, values)]
    fig = go.Figure(go.Bar(x=values, y=list(COST_COMPONENTS.values()), orientation="h",
                           marker_color=["#1f4e79", "#4c7bb0", "#8fb3d9", "#e8833a", "#f2c744", "#2f9e44"],
                           text=texts, cliponaxis=False,
                           # inside a long bar; beside a short one, where a zero or a note is still read
                           textposition=["inside" if v / total > 0.5 else "outside" for v in values],
                           hovertemplate="%{y}: %{x:$,.0f}<extra></extra>"))
    if 0 < max(values) / total <= 0.5:  # the longest bar's amount is written beside it: room for it on the right,
        # as wide as the bar ("$169,900 (38.9%)" lost its bracket at 1.6 times the bar in a 1280 px window's half column)
        fig.update_xaxes(range=[0, max(values) * 2.0])
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickformat="$~s")
    return style(fig, title, "USD", "")


# Corrective actions, as the Supplier and Inspections pages list them
# the answer on screen (which supplier, how severe, where it stands, by when, what was found and done); the ids of the
# order, inspections, the opening and closing dates go to the download, so the table fits 1440 px with its answer
# columns whole
CAPA_COLUMNS = ["capa_id", "supplier_name", "severity", "status", "due_on", "root_cause", "action"]
CAPA_DOWNLOAD = ["closed_on", "po_id", "inspection_id", "opened_on", "next_lot_inspection_id"]
CAPA_WRAP = ["status"]  # "closed, but the next lot failed" wraps beside the root cause and the action


def capa_config() -> dict:
    return {"capa_id": "CAPA", "supplier_name": "Supplier", "po_id": "Order", "inspection_id": "Inspection",
            "severity": "Severity", "opened_on": st.column_config.DateColumn("Opened"),
            "due_on": st.column_config.DateColumn("Due"), "closed_on": st.column_config.DateColumn("Closed"),
            "status": st.column_config.TextColumn(
                "Status", help="Open; open, overdue (past its due date); closed, confirmed by the next lot; closed, "
                               "but the next lot failed (the supplier's first decided pre-shipment inspection after "
                               "the closing date, or the result recorded on the CAPA); closed, next lot not "
                               "inspected yet."),
            "next_lot_inspection_id": "Next lot", "root_cause": "Root cause", "action": "Action"}
