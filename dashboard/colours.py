"""Risk band colours: the one definition, for the charts (dashboard/components.py) and the PDF scorecard.

Pure Python (no streamlit), so the `supplier-risk scorecard` command can draw the PDF without loading the app.
"""

from __future__ import annotations

BAND_COLOURS = {"critical": "#8b1a1a", "high": "#d9480f", "medium": "#f2c744", "low": "#2f9e44"}  # scoring.BAND_ORDER

# Printed text in a band's colour must be legible on white paper: WCAG 2's contrast minimum for bold text
# (https://www.w3.org/TR/WCAG21/#contrast-minimum, 3:1 for large or bold text). The chart yellow (#f2c744, 1.6:1) fails.
PRINT_MIN_CONTRAST = 3.0


def _luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of '#rrggbb'."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_on_white(hex_colour: str) -> float:
    """WCAG 2 contrast ratio of '#rrggbb' against white (1 to 21)."""
    return 1.05 / (_luminance(hex_colour) + 0.05)


def print_colour(hex_colour: str, min_contrast: float = PRINT_MIN_CONTRAST) -> str:
    """`hex_colour` as it is printed on white: unchanged when its contrast reaches `min_contrast`, otherwise darkened
    (each channel scaled down by the same factor, in 1% steps, so the hue stays) until it does."""
    rgb = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    for step in range(101):
        shade = "#" + "".join(f"{round(c * (100 - step) / 100):02x}" for c in rgb)
        if contrast_on_white(shade) >= min_contrast:
            return shade
    return "#000000"


PRINT_BAND_COLOURS = {band: print_colour(colour) for band, colour in BAND_COLOURS.items()}
