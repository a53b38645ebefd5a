"""Python's garbage collector in a long-running dashboard process.

A full (generation 2) collection walks every object the collector tracks. In a process serving this app that is
about 240,000 objects, almost all of them the imported libraries' own (functions, dicts, types of streamlit, pandas,
plotly, scikit-learn), which live as long as the process. Walking them took about 100 ms, and a full collection fell
in about one page run in five, whatever the page (docs/scaling.md). Moved to the collector's permanent generation
after a page's first run (`gc.freeze`), they are no longer walked: a full collection then took 1-9 ms.

Objects are still freed as soon as nothing refers to them; what a freeze gives up is collecting reference cycles
among the objects alive at that moment. A `gc.collect()` first frees the cycles that are garbage by then, so what
stays frozen is what was alive: the libraries, the caches and the session of that first run.
"""

from __future__ import annotations

import gc
import threading

_settled: set[str] = set()
_lock = threading.Lock()


def settle_after_first_run(page: str) -> bool:
    """After `page`'s first run in this process (each page imports its own libraries): collect, then freeze what is
    alive. True when it did so now."""
    with _lock:
        if page in _settled:
            return False
        _settled.add(page)
        gc.collect()
        gc.freeze()
        return True
