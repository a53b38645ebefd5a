"""The width of the page's main column as this visitor's browser draws it, so that tables are planned for the screen
they are read on (a 13-inch laptop at 1280 px has 160 px less than the 1440 px the layout was first drawn for, and a
table planned for 1440 px ran its last columns off screen there).

Streamlit tells the server nothing about the window, so a small script in the sidebar measures the main column's
content box and sends its width back (a rerun) when it differs from the width the page was drawn with, and again when
the window or the sidebar changes size. Until it has reported (the first run, AppTest, a browser without scripts) the
page is planned for `DEFAULT_PX`, the main column of a 1440 px window with the sidebar open. The script reads the page's
layout only: it never shows or sends a data value."""

from __future__ import annotations

import functools

DEFAULT_PX = 980   # the main column at a 1440 px window with the sidebar open (st.columns(2): about 480 each)
LEAST_PX = 320     # a phone: narrower than this, tables scroll rather than wrap into single letters
MOST_PX = 2400
KEY = "main_column_measure"  # the measuring script's key: its state ({"width": px}) is kept under it

# Measures the main block's content box (its width less its padding: what a full-width element gets) and reports it
# when it differs from the width last reported (the page was drawn for that one), at most every 250 ms while the
# window is being resized, and only while no script run is in progress (stApp's data-test-script-state, which
# Streamlit's own browser tests read): a report is a rerun, and a rerun that interrupts the page's first run reset
# the widgets that run had set from the session (the Portfolio's period came back as its first month only).
# Each run also marks the width it planned for on the page's body (data-planned-px, a layout figure only): how a
# browser test knows the page in front of it was drawn for its window.
_JS = """
export default function(component) {
    const { data, setStateValue } = component;
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    const app = document.querySelector('[data-testid="stApp"]');
    if (!main) return;
    document.body.dataset.plannedPx = String(data.reported);
    let timer = null, last = data.reported;  // this mount may outlive the run that passed `data`: remember here
    const idle = () => !app || (app.getAttribute('data-test-script-state') || 'notRunning') === 'notRunning';
    const measure = () => {
        if (!idle()) return;  // the state observer calls again once the run has finished
        const style = getComputedStyle(main);
        const width = Math.floor(main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight));
        if (width > 0 && width !== last) { last = width; setStateValue('width', width); }
    };
    const later = () => { clearTimeout(timer); timer = setTimeout(measure, 250); };
    const resized = new ResizeObserver(later);
    resized.observe(main);
    const runs = new MutationObserver(later);
    if (app) runs.observe(app, { attributes: true, attributeFilter: ['data-test-script-state'] });
    later();
    return () => { clearTimeout(timer); resized.disconnect(); runs.disconnect(); };
}
"""

@functools.cache
def _mount():
    """The measuring component, registered once per process (registering it again on every run would replace it)."""
    import streamlit as st

    return st.components.v2.component("supplier_risk_main_column", js=_JS)


def clamp(width: object) -> int:
    """A reported width as whole pixels, rounded down to a multiple of 10 (a table planned up to 9 px narrower than
    its box still fits, and windows of nearly the same width share the planned tables), within what tables can be
    planned for; anything else (no report yet, a value that is not a number) is the default. The width comes from
    the visitor's browser: this is all the server takes from it."""
    try:
        value = int(float(width))
    except (TypeError, ValueError, OverflowError):
        return DEFAULT_PX
    return min(max(value - value % 10, LEAST_PX), MOST_PX)


def _reported() -> object:
    """The width this visitor's browser last reported (None before it has)."""
    import streamlit as st

    try:
        state = st.session_state.get(KEY)
    except Exception:  # outside a Streamlit run (a script or a test calling a page function directly)
        return None
    return state.get("width") if hasattr(state, "get") else None


def page_px() -> int:
    """Width (px) of the main column for this visitor: the last width their browser reported (a report reruns the
    script with it already in the session), else DEFAULT_PX."""
    return clamp(_reported())


def measure() -> None:
    """Mount the measuring script in the sidebar (call once per run, before the page draws its tables)."""
    import streamlit as st

    reported = _reported()
    with st.sidebar:
        _mount()(key=KEY, data={"reported": reported if reported is not None else DEFAULT_PX},
                 default={"width": None}, height=0, on_width_change=lambda: None)
