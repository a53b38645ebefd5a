"""docs/risk-score.md's signal table says what the code does: every registered signal, with the pillar and maximum
points of models/config/risk_score.toml (a new signal or new points show up here until the table says so)."""
from __future__ import annotations

import re
from pathlib import Path

from models import scoring
from models import signals as registry

DOC = Path(__file__).resolve().parents[2] / "docs" / "risk-score.md"
ROW = re.compile(r"^\| (\w+) \| `(\w+)` \| .* \| ([\d.]+) \| .* \|$", re.M)


def test_the_signal_table_lists_every_registered_signal_with_its_configured_points():
    cfg = scoring.load_config()
    documented = {name: (pillar, float(points)) for pillar, name, points in ROW.findall(DOC.read_text("utf-8"))}
    configured = {name: (s["pillar"], float(s["max_points"])) for name, s in cfg["signals"].items()}
    assert set(configured) == set(registry.REGISTRY)
    assert documented == configured, "update the table in docs/risk-score.md (pillar, signal, value, max, map)"


def test_the_row_pattern_reads_a_table_row():
    row = "| quality | `psi_failure_rate` | orders whose first PSI failed (shrunk) | 7 | 5% → 0, 40% → 1 |"
    assert ROW.findall(row) == [("quality", "psi_failure_rate", "7")]
