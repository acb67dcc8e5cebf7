"""Render a ``Document`` to PDF with reportlab.

DejaVu Sans is registered from ``resources/fonts`` because reportlab's built-in
fonts lack characters French documents use (the narrow no-break space of
``1 234,50 €``, œ, the euro sign in some viewers). Pages are numbered "page X / Y":
the total is known only at the end, so the canvas keeps every page and writes the
footers when the document is saved.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO, Union
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    Image,
    ListFlowable,
    ListItem,
    PageBreak as RlPageBreak,
    Paragraph as RlParagraph,
    SimpleDocTemplate,
    Spacer as RlSpacer,
    Table as RlTable,
    TableStyle,
)

from ..paths import asset_path
from . import document as d
from .pdf_charts import chart_flowables

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
_ALIGN = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT, "justify": TA_JUSTIFY}
_registered = False
ACCENT = colors.HexColor("#1f4e79")
MARGIN = 18 * mm


def register_fonts() -> None:
    global _registered
    if _registered:
        return
    for name, file in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf"),
                       ("DejaVuSans-Oblique", "DejaVuSans-Oblique.ttf"),
                       ("DejaVuSans-BoldOblique", "DejaVuSans-BoldOblique.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(asset_path("fonts", file))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic="DejaVuSans-Oblique",
                                  boldItalic="DejaVuSans-BoldOblique")
    _registered = True


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=10, leading=13.5, spaceAfter=4)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=11.5, spaceAfter=0),
        "cell_small": ParagraphStyle("cell_small", parent=base, fontSize=7.5, leading=9.5, spaceAfter=0),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20,
                                alignment=TA_CENTER, spaceAfter=4, textColor=ACCENT),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=14, alignment=TA_CENTER,
                                   spaceAfter=10),
        # headings keep with what follows (as Word's heading styles do): never alone at a page's foot
        "h1": ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=12, leading=15, spaceBefore=10,
                             spaceAfter=5, textColor=ACCENT, keepWithNext=1),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=10.5, leading=13.5, spaceBefore=6,
                             spaceAfter=3, keepWithNext=1),
        "h3": ParagraphStyle("h3", parent=base, fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=4,
                             keepWithNext=1),
        "letterhead": ParagraphStyle("letterhead", parent=base, fontName=FONT_BOLD, fontSize=12, leading=15,
                                     spaceAfter=1),
        "letterhead_line": ParagraphStyle("letterhead_line", parent=base, fontSize=8.5, leading=10.5,
                                          spaceAfter=0),
    }


def _markup(runs: list[d.Run]) -> str:
    out = []
    for run in runs:
        text = escape(run.text).replace("\n", "<br/>")
        if run.bold:
            text = f"<b>{text}</b>"
        if run.italic:
            text = f"<i>{text}</i>"
        out.append(text)
    return "".join(out)


def _text(value: str) -> str:
    return escape(value).replace("\n", "<br/>")


class _NumberedCanvas(rl_canvas.Canvas):
    """Defers page output to write "page X / Y" once the page count is known."""

    footer_text = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab API
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        width, _height = self._pagesize
        self.saveState()
        self.setFont(FONT, 8)
        self.setFillColor(colors.HexColor("#555555"))
        if self.footer_text:
            self.drawString(MARGIN, 10 * mm, self.footer_text[:120])
        self.drawRightString(width - MARGIN, 10 * mm, f"page {self._pageNumber} / {total}")
        self.restoreState()


def _letterhead(head: d.Letterhead, styles: dict[str, ParagraphStyle], width: float) -> list[Any]:
    text = [RlParagraph(_text(head.name), styles["letterhead"])]
    text += [RlParagraph(_text(line), styles["letterhead_line"]) for line in head.lines if line]
    logo_file = Path(head.logo_path) if head.logo_path else None
    if logo_file is not None and logo_file.is_file():
        try:
            logo = Image(str(logo_file))
            ratio = min(30 * mm / logo.drawWidth, 22 * mm / logo.drawHeight)
            logo.drawWidth, logo.drawHeight = logo.drawWidth * ratio, logo.drawHeight * ratio
            table = RlTable([[logo, text]], colWidths=[34 * mm, width - 34 * mm])
            table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
            return [table, RlSpacer(1, 6 * mm)]
        except OSError:
            pass  # unreadable logo: the name still identifies the structure
    return [*text, RlSpacer(1, 6 * mm)]


def _fields(block: d.Fields, styles: dict[str, ParagraphStyle], width: float) -> RlTable:
    rows = []
    for label, value in block.items:
        shown = value if value or not block.fill else d.FILL_LINE
        rows.append([RlParagraph(_text(label), styles["cell"]), RlParagraph(_text(shown), styles["cell"])])
    table = RlTable(rows, colWidths=[width * block.label_width, width * (1 - block.label_width)])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 2 if not block.fill else 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2 if not block.fill else 5),
        ("TEXTCOLOR", (0, 0), (0, -1), colors.HexColor("#333333")),
    ]))
    return table


CELL_PADDING = 6  # reportlab's default left + right padding of a table cell
WHOLE_TABLE_MAX = 150 * mm  # a kept-together table taller than this splits all the same (pages are ~176-263 mm)


class _WholeTable(RlTable):
    """A table that goes whole to the next page instead of splitting (``Table.keep_together``).

    Refusing the split, rather than wrapping the table in a KeepTogether, keeps a heading
    with it: reportlab's keepWithNext does not join a heading to a KeepTogether."""

    def split(self, availWidth: float, availHeight: float) -> list[Any]:  # noqa: N803 - reportlab API
        if self._height <= WHOLE_TABLE_MAX:
            return []
        return super().split(availWidth, availHeight)

_TABLE_ALIGN = {"left": "LEFT", "center": "CENTER", "right": "RIGHT", "justify": "LEFT"}


def _table(block: d.Table, styles: dict[str, ParagraphStyle], width: float) -> RlTable:
    style = styles["cell_small" if block.small else "cell"]
    count = len(block.headers)
    weights = block.widths or [1.0] * count
    total = sum(weights)
    widths = [width * w / total for w in weights]
    cell_styles: dict[tuple[int, bool], ParagraphStyle] = {}

    def cell(text: str, column: int, bold: bool = False) -> RlParagraph | str:
        """Text that fits its column line by line stays a plain string (laid out much faster
        than a Paragraph: tables of hundreds of rows); longer text wraps in a Paragraph."""
        font = FONT_BOLD if bold else FONT
        room = widths[column] - CELL_PADDING
        if all(pdfmetrics.stringWidth(line, font, style.fontSize) <= room for line in text.split("\n")):
            return text
        key = (column, bold)
        if key not in cell_styles:
            cell_styles[key] = ParagraphStyle(f"c{column}{'b' if bold else ''}", parent=style, fontName=font,
                                              alignment=_ALIGN[block.column_align(column)])
        return RlParagraph(_text(text), cell_styles[key])

    data = [[cell(h, i, True) for i, h in enumerate(block.headers)]]
    last = len(block.rows) - 1
    for r, row in enumerate(block.rows):
        data.append([cell(v, i, block.total_row and r == last) for i, v in enumerate(row)])
    table = (_WholeTable if block.keep_together else RlTable)(data, colWidths=widths, repeatRows=1)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8a8a8a")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dce6f1")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        # plain-string cells: the same font, size and line spacing as the Paragraph cells
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), style.fontSize),
        ("LEADING", (0, 0), (-1, -1), style.leading),
    ]
    for column in range(count):
        align = block.column_align(column)
        commands.append(("ALIGN", (column, 0), (column, -1), _TABLE_ALIGN[align]))
    if block.total_row and block.rows:
        commands.append(("FONTNAME", (0, len(data) - 1), (-1, len(data) - 1), FONT_BOLD))
    if block.total_row and block.rows:
        commands.append(("BACKGROUND", (0, len(data) - 1), (-1, len(data) - 1), colors.HexColor("#f2f2f2")))
    table.setStyle(TableStyle(commands))
    return table


def _signatures(block: d.Signatures, styles: dict[str, ParagraphStyle], width: float) -> list[Any]:
    # Chained by keepWithNext rather than one KeepTogether, which reportlab will not join
    # to a heading before it: "Signatures" then stays with its blocks.
    out: list[Any] = []
    if block.place_and_date:
        out.append(RlParagraph(_text(block.place_and_date), ParagraphStyle("place", parent=styles["base"],
                                                                           keepWithNext=1)))
        gap = RlSpacer(1, 3 * mm)
        gap.keepWithNext = 1
        out.append(gap)
    cells = []
    for sig in block.blocks:
        lines = [RlParagraph(f"<b>{_text(sig.heading)}</b>", styles["cell"])]
        lines += [RlParagraph(_text(t), styles["cell"]) for t in (sig.name, sig.title) if t]
        lines.append(RlSpacer(1, 22 * mm))
        cells.append(lines)
    if cells:
        table = RlTable([cells], colWidths=[width / len(cells)] * len(cells))
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 2)]))
        out.append(table)
    return out


def flowables(doc: d.Document, width: float) -> list[Any]:
    styles = _styles()
    story: list[Any] = []
    if doc.letterhead:
        story += _letterhead(doc.letterhead, styles, width)
    story.append(RlParagraph(_text(doc.title), styles["title"]))
    if doc.subtitle:
        story.append(RlParagraph(_text(doc.subtitle), styles["subtitle"]))
    else:
        story.append(RlSpacer(1, 4 * mm))
    for block in doc.blocks:
        if isinstance(block, d.Heading):
            story.append(RlParagraph(_text(block.text), styles[f"h{min(max(block.level, 1), 3)}"]))
        elif isinstance(block, d.Paragraph):
            style = ParagraphStyle("p", parent=styles["small" if block.small else "base"],
                                   alignment=_ALIGN[block.align])
            story.append(RlParagraph(_markup(block.runs), style))
        elif isinstance(block, d.Bullets):
            items = [ListItem(RlParagraph(_text(t), styles["base"]), leftIndent=12) for t in block.items]
            story.append(ListFlowable(items, bulletType="bullet", start="•", leftIndent=12, bulletFontName=FONT))
        elif isinstance(block, d.Fields):
            story.append(_fields(block, styles, width))
        elif isinstance(block, d.Table):
            story.append(_table(block, styles, width))
            story.append(RlSpacer(1, 2 * mm))
        elif isinstance(block, d.Chart):
            story += chart_flowables(block, width, styles["h2"], styles["small"])
        elif isinstance(block, d.Signatures):
            story += _signatures(block, styles, width)
        elif isinstance(block, d.Spacer):
            story.append(RlSpacer(1, block.height_mm * mm))
        elif isinstance(block, d.PageBreak):
            story.append(RlPageBreak())
    return story


def render_pdf(doc: d.Document, out: Union[str, Path, BinaryIO]) -> None:
    register_fonts()
    pagesize = landscape(A4) if doc.landscape else A4
    target = str(out) if isinstance(out, (str, Path)) else out
    template = SimpleDocTemplate(
        target, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=16 * mm,
        bottomMargin=18 * mm, title=doc.title, author=doc.letterhead.name if doc.letterhead else "",
        creator="PRE Desktop", lang="fr-FR",
    )
    footer = doc.footer

    class Canvas(_NumberedCanvas):
        footer_text = footer

    template.build(flowables(doc, pagesize[0] - 2 * MARGIN), canvasmaker=Canvas)
