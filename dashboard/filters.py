"""Shared filters (supplier type, category, country, risk band) that every page uses and the URL carries.

The router (app.py) draws them in the sidebar on every run, so their state survives page switches, and writes the
current choice to `st.query_params` (`?type=…&category=…&country=…&band=…`), so a view can be sent to a colleague:
opening that URL seeds the widgets from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from dashboard import components, queries
from dashboard.components import md as ui_md
from dashboard.display import count_words, words
from models import scoring

# (URL parameter, widget key, label, help)
FILTERS = (
    ("type", "f_type", "Supplier type", "Manufacturer (makes the goods) or trading company (resells them)."),
    ("category", "f_category", "Category", "Suppliers with at least one SKU in any chosen product category."),
    ("country", "f_country", "Country", "ISO country of the supplier."),
    ("band", "f_band", "Risk band", "Band of the current supplier-risk score (marts.supplier_risk_score)."),
)
# how each filter's values read (dashboard/display.py); the URL keeps the codes
_WORDS = {"type": lambda v: words(v, "supplier_type"), "category": lambda v: words(v, "category"),
          "country": str, "band": lambda v: words(v, "risk_band")}
BAND_ORDER = tuple(reversed(scoring.BAND_ORDER))  # the score's bands, worst first (one band list: models.scoring)


def band_sort_key(band: str) -> tuple[int, str]:
    band = str(band)
    return (BAND_ORDER.index(band.lower()) if band.lower() in BAND_ORDER else len(BAND_ORDER), band)


def directory() -> pd.DataFrame:
    """Every supplier with type, country, categories and (when the score exists) its risk band."""
    return components.computed("supplier_directory", _directory)


def _directory() -> pd.DataFrame:
    suppliers = queries.supplier_directory()
    if suppliers.empty:
        return suppliers
    bands = queries.risk_bands()
    if bands.empty:
        return suppliers.assign(risk_band=pd.NA, risk_score=float("nan"))
    return suppliers.merge(bands[["supplier_id", "risk_band", "risk_score"]], on="supplier_id", how="left")


def options(frame: pd.DataFrame) -> dict[str, list[str]]:
    if frame.empty:
        return {name: [] for name, *_ in FILTERS}
    categories = sorted({c for cats in frame["categories"] for c in (list(cats) if cats is not None else [])})
    return {
        "type": sorted(frame["supplier_type"].dropna().unique()),
        "category": categories,
        "country": sorted(frame["country"].dropna().unique()),
        "band": sorted(frame["risk_band"].dropna().unique(), key=band_sort_key),
    }


def sidebar() -> None:
    """Draw the shared filters in the sidebar and mirror them into the URL."""
    frame = directory()
    opts = options(frame)
    with st.sidebar:
        st.subheader("Filters", help="Shared by every page and kept in the URL: copy the address to share this view.")
        for name, key, label, help_text in FILTERS:
            if key not in st.session_state:
                st.session_state[key] = [v for v in st.query_params.get_all(name) if v in opts[name]]
            else:  # drop values the (rebuilt) warehouse no longer has
                st.session_state[key] = [v for v in st.session_state[key] if v in opts[name]]
            st.multiselect(label, opts[name], key=key, help=help_text, placeholder="All",
                           disabled=not opts[name], format_func=_WORDS[name])
            values = st.session_state[key]
            if values:
                st.query_params[name] = values
            elif name in st.query_params:
                del st.query_params[name]


@dataclass(frozen=True)
class Selection:
    type: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    band: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return any((self.type, self.category, self.country, self.band))

    def describe(self, escape: bool = False) -> str:
        """The selection in words; `escape` for Markdown (the values come from the data and from the URL)."""
        show = ui_md if escape else str
        parts = [f"{label}: {', '.join(show(_WORDS[name](v)) for v in getattr(self, name))}" for name, _, label, _ in FILTERS
                 if getattr(self, name)]
        return "; ".join(parts) if parts else "all suppliers"


def selection() -> Selection:
    """The current filter choice: the sidebar widgets, else the URL (a page opened on its own)."""
    values = {}
    for name, key, _, _ in FILTERS:
        chosen = st.session_state.get(key)
        values[name] = tuple(chosen if chosen is not None else st.query_params.get_all(name))
    return Selection(**values)


def apply(frame: pd.DataFrame, sel: Selection) -> pd.DataFrame:
    """Rows of the supplier directory that pass the selection."""
    if frame.empty or not sel.active:
        return frame
    keep = pd.Series(True, index=frame.index)
    if sel.type:
        keep &= frame["supplier_type"].isin(sel.type)
    if sel.country:
        keep &= frame["country"].isin(sel.country)
    if sel.band:
        keep &= frame["risk_band"].isin(sel.band)
    if sel.category:
        wanted = set(sel.category)
        keep &= frame["categories"].map(lambda cats: bool(wanted & set(cats if cats is not None else [])))
    return frame[keep]


def supplier_ids() -> queries.Ids:
    """Supplier ids passing the shared filters, or None when no filter is set (every supplier)."""
    sel = selection()
    if not sel.active:
        return None
    return tuple(apply(directory(), sel)["supplier_id"])


def caption() -> None:
    sel = selection()
    if sel.active:
        st.caption(f"Filtered to {sel.describe(escape=True)} (sidebar).")


# URL parameters of the period control: first and last month, YYYY-MM
PERIOD_PARAMS = ("from", "to")


def period(key: str = "period") -> tuple[date | None, date | None]:
    """A month range on the page: a From and a To month over the months with data (keys `<key>_from`, `<key>_to`),
    with a caption that says the range in words ("1 month: May 2026"). Kept in the URL as ?from=YYYY-MM&to=YYYY-MM
    and across pages; (None, None) when every month is chosen. Two selects, not a range slider: a slider over one
    month shows that month twice, one over each thumb."""
    months = queries.months()
    if months.empty:
        return None, None
    labels = [f"{pd.Timestamp(m):%Y-%m}" for m in months["month"]]
    if len(labels) == 1:  # nothing to choose: say which month the data holds
        st.caption(f"Months: {month_words(labels[0])}, the only month with data.")
        return None, None
    full = (labels[0], labels[-1])
    key_from, key_to = f"{key}_from", f"{key}_to"
    if key_from not in st.session_state or key_to not in st.session_state:
        # this session's last choice on another page, else the URL, else every month
        wanted = st.session_state.get("_period") or tuple(st.query_params.get(p) for p in PERIOD_PARAMS)
        low = wanted[0] if wanted[0] in labels else full[0]
        high = wanted[1] if wanted[1] in labels else full[1]
        st.session_state[key_from], st.session_state[key_to] = sorted((low, high))
    for k, bound in ((key_from, full[0]), (key_to, full[1])):  # a rebuilt warehouse may lack the month chosen
        if st.session_state[k] not in labels:
            st.session_state[k] = bound

    def keep_order(moved: str, other: str, later: bool) -> None:
        """Moving one end past the other moves the other with it: the range stays a range."""
        a, b = st.session_state[moved], st.session_state[other]
        if (a > b) if later else (a < b):
            st.session_state[other] = a

    tip = ("Sales, returns and costs of these months (month of sale, return or cost; landed cost by month of "
           "delivery). Kept in the URL.")
    c1, c2, c3 = st.columns([1, 1, 3], vertical_alignment="bottom")
    low = c1.selectbox("From", labels, key=key_from, format_func=month_words, help=tip,
                       on_change=keep_order, args=(key_from, key_to, True))
    high = c2.selectbox("To", labels, key=key_to, format_func=month_words,
                        on_change=keep_order, args=(key_to, key_from, False))
    low, high = sorted((low, high))
    n = labels.index(high) - labels.index(low) + 1
    c3.caption(("All " if (low, high) == full else "") + count_words(n, "month") + ": "
               + (month_words(low) if n == 1 else f"{month_words(low)} to {month_words(high)}"))
    st.session_state["_period"] = (low, high)
    if (low, high) == full:
        for p in PERIOD_PARAMS:
            if p in st.query_params:
                del st.query_params[p]
        return None, None
    st.query_params["from"], st.query_params["to"] = low, high
    return date.fromisoformat(f"{low}-01"), date.fromisoformat(f"{high}-01")


def month_words(month: str) -> str:
    """2026-05 → May 2026."""
    return f"{date.fromisoformat(f'{month}-01'):%b %Y}"


def describe_period(chosen: tuple[date | None, date | None]) -> str:
    if chosen == (None, None):
        return "all months"
    return f"{chosen[0]:%b %Y} to {chosen[1]:%b %Y}" if chosen[0] != chosen[1] else f"{chosen[0]:%b %Y}"
