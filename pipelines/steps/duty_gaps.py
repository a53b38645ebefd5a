"""The products' HS codes and origins the duty table cannot price on the analysis date (marts.duty_gaps).

Python rather than SQL because "the duty table prices this code" is `models.landed_cost.duty_gaps`, over the same
dated reference rows (data/reference/duty_rates.csv and the listed duties) the landed-cost step prices the shipments
with in the same build. The list is for an entry on the analysis date, the rows a brand adds for what it buys now; a
shipment entered earlier, on a date a row does not reach, is named by the data check landed_cost_unknown_costs. The
Data page and `supplier-risk duty-gaps` read the mart; `supplier-risk duty-gaps --on DATE` asks the same rule for
another date.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from models import landed_cost as lc
from pipelines.frames import read_frame, write_frame

INPUTS = ["staging.products"]
OUTPUTS = ["marts.duty_gaps"]
GRAIN = {  # each output's grain (supplier-risk dag, docs/tables.md)
    "marts.duty_gaps": "one row per HS code and origin of the products the duty table cannot price on the analysis "
                       "date",
}
COLUMNS = ["hs_code", "origin_country", "missing", "sku_count", "skus"]


def products(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every product as the duty table prices it: SKU, HS code, origin and chapter 99 claims."""
    return read_frame(con, "select sku, hs_code, origin_country, duty_claims from staging.products order by sku")


def listed(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The mart as `models.landed_cost.duty_gaps` orders it: the codes with most SKUs first."""
    return read_frame(con, f"select {', '.join(COLUMNS)} from marts.duty_gaps "
                           "order by sku_count desc, hs_code, origin_country")


def run(con: duckdb.DuckDBPyConnection, context) -> None:
    gaps = lc.duty_gaps(products(con), context.as_of)
    write_frame(con, "marts.duty_gaps", gaps, types={"sku_count": "bigint"}, columns=COLUMNS)
