"""Band colours (dashboard/colours.py): one definition for the charts and the PDF, the print shade derived from it."""

from __future__ import annotations

from dashboard import colours, scorecard_pdf
from dashboard import components as ui
from models import scoring


def test_one_band_colour_per_band_shared_by_charts_and_pdf():
    assert set(colours.BAND_COLOURS) == set(scoring.BAND_ORDER)
    assert ui.BAND_COLOURS is colours.BAND_COLOURS
    assert scorecard_pdf.PRINT_BAND_COLOURS is colours.PRINT_BAND_COLOURS


def test_contrast_on_white_matches_wcag_reference_values():
    # WCAG 2: black on white 21:1, white on white 1:1; #767676 is the lightest grey reaching 4.5:1 (4.54)
    assert round(colours.contrast_on_white("#000000"), 2) == 21.0
    assert round(colours.contrast_on_white("#ffffff"), 2) == 1.0
    assert round(colours.contrast_on_white("#767676"), 2) == 4.54


def test_print_shade_keeps_legible_colours_and_darkens_the_chart_yellow():
    # critical 9.3:1, high 4.3:1, low 3.4:1 already reach 3:1 on white: printed as drawn
    for band in ("critical", "high", "low"):
        assert colours.PRINT_BAND_COLOURS[band] == colours.BAND_COLOURS[band]
    # the chart yellow #f2c744 (1.6:1) is scaled by 0.73 (the first 1% step reaching 3:1): (242, 199, 68) * 0.73
    assert round(colours.contrast_on_white("#f2c744"), 2) == 1.61
    assert colours.PRINT_BAND_COLOURS["medium"] == "#b19132"  # (177, 145, 50)
    assert colours.contrast_on_white("#b19132") >= 3.0 > colours.contrast_on_white("#b39332")  # 0.74: 2.9
