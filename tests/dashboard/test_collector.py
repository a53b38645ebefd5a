"""A page's first run in a process freezes what is alive, so that full garbage collections no longer walk the
imported libraries (dashboard/collector.py, docs/scaling.md)."""

from __future__ import annotations

import gc
import weakref

from dashboard import collector


class _Cycle:
    pass


def test_a_page_settles_once_collecting_garbage_first_and_freezing_what_is_alive(monkeypatch):
    monkeypatch.setattr(collector, "_settled", set())
    was_enabled = gc.isenabled()
    gc.disable()  # no automatic collection in between: only settle_after_first_run collects
    try:
        garbage = _Cycle()
        garbage.me = garbage  # a cycle nothing else refers to: freed by a collection only, never by refcounts
        gone = weakref.ref(garbage)
        del garbage
        alive = {"kept": [1, 2, 3]}
        assert gone() is not None and any(o is alive for o in gc.get_objects())
        assert collector.settle_after_first_run("portfolio") is True
        # the cycle was collected, not frozen; what is alive is in the permanent generation, which collections skip
        assert gone() is None
        assert gc.get_freeze_count() > 0 and not any(o is alive for o in gc.get_objects())
        # the same page again: nothing more to do; another page (its own libraries) settles once too
        assert collector.settle_after_first_run("portfolio") is False
        assert collector.settle_after_first_run("supplier") is True
        assert collector.settle_after_first_run("supplier") is False
    finally:
        if was_enabled:
            gc.enable()


def test_the_app_settles_each_page_after_its_first_run(ui, tiny_db, monkeypatch):
    monkeypatch.setattr(collector, "_settled", set())
    ui.open(tiny_db, "open_orders")  # the default page (the Portfolio) first, then Open orders
    assert collector._settled == {"", "open_orders"}
