"""Shared formatting and export helpers."""

from __future__ import annotations

import io

import pandas as pd

from dashboard import components as ui


def test_money_and_percent_formatting():
    assert ui.money(17900) == "$17,900"
    assert ui.money(-1320.4) == "-$1,320"
    assert ui.money(2.5, 2) == "$2.50"
    assert ui.money(None) == "–" and ui.money(float("nan")) == "–"
    assert ui.pct(0.5830671820811717) == "58.3%"
    assert ui.pct(None) == "–"
    assert ui.label("trading_company") == "Trading company"
    assert ui.label("critical") == "Critical"


def test_excel_export_round_trips_the_table():
    frame = pd.DataFrame({
        "rank": [1, 2], "supplier_name": ["Ningbo Alpha Store", "Yiwu Beta Trading"],
        "due_on": pd.to_datetime(["2024-07-01", "2024-08-15"]),
        "built_at": pd.to_datetime(["2024-06-21 10:00", "2024-06-21 10:00"]).tz_localize("UTC"),
        "triggers": [["failed_audit", "price_shift"], ["never_audited"]],
        "priority": [1234.5, 99.0],
    })
    back = pd.read_excel(io.BytesIO(ui.excel_bytes({"Re-audit queue": frame})), sheet_name="Re-audit queue")
    assert back["supplier_name"].tolist() == ["Ningbo Alpha Store", "Yiwu Beta Trading"]
    assert back["due_on"].dt.strftime("%Y-%m-%d").tolist() == ["2024-07-01", "2024-08-15"]
    assert back["triggers"].tolist() == ["failed_audit; price_shift", "never_audited"]
    assert back["priority"].tolist() == [1234.5, 99.0]
