"""The data contract doc and the templates match pipelines/contract.py."""

from pathlib import Path

from pipelines import contract
from pipelines.docs import DOC_PATH, render_contract

ROOT = Path(__file__).resolve().parents[2]


def test_contract_doc_is_current():
    text = DOC_PATH.read_text(encoding="utf-8")
    assert render_contract(text) == text, "run: supplier-risk contract-doc --out docs/data-contract.md"


def test_every_column_is_documented():
    text = DOC_PATH.read_text(encoding="utf-8")
    for table in contract.TABLES:
        assert f"### `{table.name}`" in text
        for col in table.columns:
            assert f"| `{col.name}` |" in text


def test_templates_have_exactly_the_contract_columns():
    for table in contract.TABLES:
        header = (ROOT / "data" / "templates" / f"{table.name}.csv").read_text(encoding="utf-8").strip()
        assert header.split(",") == table.column_names
