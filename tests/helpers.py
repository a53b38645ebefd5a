"""Small helpers shared by tests (importable because pytest puts tests/ on the path)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
TINY = FIXTURES / "tiny"
SHARED_REAL = Path(__file__).resolve().parents[2] / "shared" / "real"


def quiet(_: str) -> None:
    """A build log that prints nothing."""


def write_csv(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    """Write CSV text with the given encoding and line ends (the text uses \\n)."""
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path
