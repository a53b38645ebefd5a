"""The data check landed_cost_codes_less_specific: a product given 6 or 8 digits with lines under it the duty table
prices apart is warned of, since its duty is costed with the shorter code's rows (power banks: 7.5% under
8507.60.00, 25% under 8507.60.0020 from 2026-01-01)."""

from __future__ import annotations

from datetime import date

import duckdb

from helpers import TINY, quiet, tiny_with_products, warned_rows
from pipelines.build import build


def test_a_code_shorter_than_rows_the_duty_table_prices_apart_is_warned_of(tmp_path):
    """As of 2026-03-01: A1 a power bank from CN given 8507.60.00 (the table prices 8507.60.0010 and 8507.60.0020
    apart under Section 301), A2 the same given its 10-digit code (not warned), B1 an upholstered wooden chair from
    VN given 9401.61.40 (Section 232 on 9401.61.4011 and 9401.61.4031, every origin). The tiny portfolio's 10-digit
    lamps and pan trip nothing, nor does the power bank as of 2024-06-21, before either 10-digit row."""
    clean = build(TINY, tmp_path / "clean.duckdb", as_of=date(2026, 3, 1), log=quiet)
    assert "landed_cost_codes_less_specific" not in {w[0] for w in clean.warnings}
    folder = tiny_with_products(
        tmp_path / "in",
        ("A1,Oak bedside lamp,home_lighting,S1,9405.42.8440,CN", "A1,Power bank,electronics,S1,8507.60.00,CN"),
        ("A2,Lamp shade,home_lighting,S1,9405.42.8440,CN", "A2,Power bank,electronics,S1,8507.60.0020,CN"),
        ("B1,Steel pan,kitchenware,S2,7323.93.0045,CN", "B1,Upholstered chair,furniture,S2,9401.61.40,VN"))
    report = build(folder, tmp_path / "w.duckdb", as_of=date(2026, 3, 1), log=quiet)
    assert ("landed_cost_codes_less_specific", 2) in {w[:2] for w in report.warnings}
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        rows = warned_rows(con, "landed_cost_codes_less_specific")
    assert rows == [
        ("A1", "SKU A1 (HS 8507.60.00, made in CN): the duty table prices lines under that code apart (section "
               "301 on 8507.60.0010, section 301 on 8507.60.0020), so its duty, costed with the rows of 8507.60.00, "
               "may be wrong: give the product its 10-digit code"),
        ("B1", "SKU B1 (HS 9401.61.40, made in VN): the duty table prices lines under that code apart (section "
               "232 on 9401.61.4011, section 232 on 9401.61.4031), so its duty, costed with the rows of 9401.61.40, "
               "may be wrong: give the product its 10-digit code")]
    early = build(folder, tmp_path / "early.duckdb", as_of=date(2024, 6, 21), log=quiet)
    assert "landed_cost_codes_less_specific" not in {w[0] for w in early.warnings}
