"""The cockpit's pages, defined once: app.py builds its navigation from this list, and the AppTest page tests, the
browser tests and the benchmarks iterate it, so a page added here is tested and measured everywhere (no streamlit
import: tests and benchmarks read it without a running app)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    key: str  # the page's name in tests and its url path (the default page is served at "/")
    script: str  # relative to the repository root
    title: str
    icon: str
    landmark: str  # text a visitor sees once the page has rendered (the browser tests wait for it)
    default: bool = False

    @property
    def url_path(self) -> str:
        return "" if self.default else self.key


PAGES: tuple[Page, ...] = (
    Page("portfolio", "dashboard/pages/portfolio.py", "Portfolio", ":material/dashboard:", "Supplier portfolio",
         default=True),
    Page("supplier", "dashboard/pages/supplier.py", "Supplier", ":material/factory:", "What drives the score"),
    Page("open_orders", "dashboard/pages/open_orders.py", "Open orders", ":material/request_quote:",
         "The release checklist"),
    Page("trader_vs_factory", "dashboard/pages/trader_vs_factory.py", "Trader vs factory",
         ":material/compare_arrows:", "Side by side"),
    Page("costs", "dashboard/pages/costs.py", "Costs and leakage", ":material/payments:",
         "Quote-to-landed variance by supplier"),
    Page("whatif", "dashboard/pages/whatif.py", "What-if: tariffs and sourcing", ":material/calculate:",
         "What-if: tariffs and sourcing"),
    Page("inspections", "dashboard/pages/inspections.py", "Inspections", ":material/fact_check:",
         "Sampling-plan calculator"),
    Page("reaudit", "dashboard/pages/reaudit.py", "Re-audit planner", ":material/event_upcoming:",
         "Re-audit planner"),
    Page("data", "dashboard/pages/data.py", "Data", ":material/database:", "Freshness per table"),
)
BY_KEY = {p.key: p for p in PAGES}
