"""Draw a supplier scorecard (dashboard/scorecard.py) as a one-page A4 PDF with reportlab.

Latin text is set in Helvetica; any character Helvetica's encoding (WinAnsi) lacks, Chinese legal names above all, is
set in STSong-Light, one of the CID fonts every PDF reader knows (Adobe's Asian font packs; readers substitute a
system CJK font), so nothing is downloaded and no font file ships. Data values are escaped before they reach
reportlab's paragraph markup, so a name like `<b>` or `&` is printed, never read as markup. The content is scaled
down if it would not fit one page.
"""

from __future__ import annotations

import io
import itertools
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import KeepInFrame, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from dashboard import display
from dashboard.colours import PRINT_BAND_COLOURS
from dashboard.scorecard import Item, Scorecard

CJK_FONT = "STSong-Light"
MARGIN = 14 * mm

pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _latin(char: str) -> bool:
    try:
        char.encode("cp1252")
        return True
    except UnicodeEncodeError:
        return False


def markup(text: object) -> str:
    """`text` as reportlab paragraph markup that prints it literally: &, <, > escaped and every run of characters
    outside WinAnsi set in the CJK font."""
    out = []
    for latin, run in itertools.groupby("" if text is None else str(text), key=_latin):
        chunk = escape("".join(run))
        out.append(chunk if latin else f'<font name="{CJK_FONT}">{chunk}</font>')
    return "".join(out)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName="Helvetica", fontSize=8.6, leading=10.6)
    return {
        "title": ParagraphStyle("title", parent=base, fontName="Helvetica-Bold", fontSize=17, leading=21),
        "sub": ParagraphStyle("sub", parent=base, fontSize=9.5, leading=12, textColor=colors.HexColor("#444444")),
        "h": ParagraphStyle("h", parent=base, fontName="Helvetica-Bold", fontSize=10.5, leading=13, spaceBefore=6,
                            spaceAfter=2, textColor=colors.HexColor("#1f4e79")),
        "body": base,
        "item": ParagraphStyle("item", parent=base, leftIndent=9, bulletIndent=0, spaceAfter=1.5),
        "big": ParagraphStyle("big", parent=base, fontName="Helvetica-Bold", fontSize=22, leading=26),
        "small": ParagraphStyle("small", parent=base, fontSize=7, leading=8.6, textColor=colors.HexColor("#666666")),
    }


def _item(item: Item, style: ParagraphStyle) -> Paragraph:
    # "Suspected subcontracting – production is suspected …": the detail read on from its bold head
    detail = f" – {markup(item.detail)}" if item.detail else ""
    return Paragraph(f"<b>{markup(item.head)}</b>{detail}", style, bulletText="•")


def story(card: Scorecard, made_on: date | None = None) -> list:
    """The flowables of the page (a list, so tests and other documents can reuse them)."""
    s = _styles()
    made_on = made_on or date.today()
    parts: list = [Paragraph(markup(card.supplier_name), s["title"])]
    who = [f"Legal entity: {card.legal_name}" if card.legal_name else "Legal entity not recorded",
           card.facts, f"id {card.supplier_id}"]
    parts.append(Paragraph(markup(" · ".join(t for t in who if t)), s["sub"]))
    parts.append(Paragraph(markup(f"Supplier scorecard · data as of "
                                  f"{card.as_of:%Y-%m-%d}" if card.as_of else "Supplier scorecard")
                           + markup(f" · made {made_on:%Y-%m-%d}"), s["small"]))
    parts.append(Spacer(1, 4))

    band_colour = PRINT_BAND_COLOURS.get(card.band or "", "#495057")
    score = display.number(card.score, 1)
    headline = Table([[Paragraph(f"{markup(score)}<font size=10> / 100</font>", s["big"]),
                       Paragraph(f'<font color="{band_colour}"><b>{markup(card.band_words)}</b></font> risk band',
                                 s["body"]),
                       Paragraph(f"Confidence <b>{markup(card.confidence or display.BLANK)}</b> (A plenty of "
                                 "evidence … D very little)", s["body"]),
                       Paragraph(f"<b>{card.open_issue_count:,}</b> open "
                                 f"{'issue' if card.open_issue_count == 1 else 'issues'}", s["body"])]],
                     colWidths=[44 * mm, 42 * mm, 56 * mm, 40 * mm], hAlign="LEFT")
    headline.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                  ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor("#bbbbbb")),
                                  ("LINEBEFORE", (1, 0), (-1, -1), 0.3, colors.HexColor("#dddddd"))]))
    parts += [headline, Paragraph("Risk score 0–100, higher is riskier: the sum of the points below (five pillars); "
                                  "a red flag raises the band on its own.", s["small"])]

    if card.pillars:
        # on data that does not carry every signal, how many of each pillar's points it can see at all
        partial = any(p.known_points < p.max_points for p in card.pillars)
        rows = [[Paragraph("<b>Pillar</b>", s["body"]), Paragraph("<b>Points</b>", s["body"]),
                 Paragraph("<b>Of at most</b>", s["body"])] + ([Paragraph("<b>The data can see</b>", s["body"])]
                                                               if partial else [])]
        rows += [[Paragraph(markup(p.name), s["body"]), Paragraph(display.number(p.points, 1), s["body"]),
                  Paragraph(display.max_points(p.max_points), s["body"])]
                 + ([Paragraph(display.max_points(p.known_points) if p.known_points else "none (unknown)", s["body"])]
                    if partial else [])
                 for p in card.pillars]
        pillars = Table(rows, colWidths=[50 * mm, 22 * mm, 26 * mm] + ([34 * mm] if partial else []), hAlign="LEFT")
        pillars.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.HexColor("#999999")),
                                     ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
        parts += [Paragraph("Points by pillar", s["h"]), pillars]
        if card.coverage:
            parts.append(Paragraph(markup(card.coverage), s["small"]))

    parts += [Paragraph("What changed since last month", s["h"]), Paragraph(markup(card.change_summary), s["body"])]
    parts += [_item(i, s["item"]) for i in card.changes]
    parts.append(Paragraph("Top reasons", s["h"]))
    parts += [_item(i, s["item"]) for i in card.reasons] or [Paragraph("No signal adds points.", s["body"])]
    if card.next_band is None:
        parts += [Paragraph("What would move it up a band", s["h"]),
                  Paragraph("Already in the lowest band." if card.score is not None else "No score yet.", s["body"])]
    else:
        parts.append(Paragraph(markup(f"What would move it to {display.words(card.next_band, 'risk_band')}"),
                               s["h"]))
        parts += [_item(i, s["item"]) for i in card.next_band_steps]
    parts.append(Paragraph("Open issues", s["h"]))
    for group in card.issues:
        if not group.items:
            parts.append(Paragraph(f"<b>{markup(group.title)}</b>: {markup(group.unknown or 'none')}.", s["body"]))
            continue
        parts.append(Paragraph(f"<b>{markup(group.title)}</b> ({len(group.items) + group.more:,})", s["body"]))
        parts += [_item(i, s["item"]) for i in group.items]
        if group.more:
            parts.append(Paragraph(f"… and {group.more:,} more (Supplier page).", s["item"]))
    parts += [Spacer(1, 6), Paragraph("How the score is made: docs/risk-score.md of the supplier-risk cockpit. "
                                      "Figures from the warehouse's marts as of the date above.", s["small"])]
    return parts


def render(card: Scorecard, made_on: date | None = None) -> bytes:
    """The scorecard as PDF bytes: one A4 page (the content shrinks to fit)."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, title=f"Supplier scorecard: {card.supplier_name}",
                            author="supplier-risk cockpit", subject=card.supplier_id)
    doc.build([KeepInFrame(doc.width, doc.height, story(card, made_on), mode="shrink")])
    return buffer.getvalue()
