"""Render a ``Document`` to .docx with python-docx: real, editable Word text.

Coordinators adapt the wording before signing, so the output uses Word's own
headings, paragraphs and tables (no text boxes, no images of text). Page numbers
are PAGE / NUMPAGES fields in the footer, which Word and LibreOffice update.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Union
from xml.sax.saxutils import escape

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph

from . import document as d

_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}
ACCENT = RGBColor(0x1F, 0x4E, 0x79)
FONT = "DejaVu Sans"  # falls back to the reader's default where not installed


def _field(paragraph: DocxParagraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) the reader computes."""
    run = paragraph.add_run()
    run.font.size = Pt(8)
    begin, text, end = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text.set(qn("xml:space"), "preserve")
    text.text = instruction
    end.set(qn("w:fldCharType"), "end")
    run._r.append(begin)
    run._r.append(text)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run._r.append(separate)
    placeholder = OxmlElement("w:t")
    placeholder.text = "1"
    run._r.append(placeholder)
    run._r.append(end)


def _shade(cell, hex_color: str) -> None:  # noqa: ANN001 - python-docx cell
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), hex_color)
    cell._tc.get_or_add_tcPr().append(shading)


def _set_cell(cell, text: str, *, bold: bool = False, align: str = "left", size: float = 9) -> None:  # noqa: ANN001
    cell.text = ""
    lines = text.split("\n")
    paragraph = cell.paragraphs[0]
    for i, line in enumerate(lines):
        run = paragraph.add_run(line)
        run.bold = bold
        run.font.size = Pt(size)
        if i < len(lines) - 1:
            run.add_break()
    paragraph.alignment = _ALIGN[align]
    paragraph.paragraph_format.space_after = Pt(0)


def _row_xml(values: list[str], widths: list[int], aligns: list[str], size: float, *, bold: bool,
             keep_next: bool = False):  # noqa: ANN202
    """One table row as WordprocessingML, built at once: the same cells ``_set_cell`` makes
    (one paragraph, line breaks, size, bold, shading of a total row) without python-docx's
    element-by-element calls, which take seconds for a table of a few hundred rows.
    ``keep_next``: on the same page as the next row (a table kept together)."""
    half_points = int(round(size * 2))
    run_props = f'<w:rPr>{"<w:b/>" if bold else ""}<w:sz w:val="{half_points}"/></w:rPr>'
    shade = '<w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/>' if bold else ""
    keep = "<w:keepNext/>" if keep_next else ""
    cells = []
    for value, width, align in zip(values, widths, aligns):
        lines = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in value.split("\n"))
        jc = {"justify": "both"}.get(align, align)
        cells.append(f'<w:tc><w:tcPr><w:tcW w:w="{int(width / 635)}" w:type="dxa"/>{shade}</w:tcPr>'
                     f'<w:p><w:pPr>{keep}<w:spacing w:after="0"/><w:jc w:val="{jc}"/></w:pPr>'
                     f"<w:r>{run_props}{lines}</w:r></w:p></w:tc>")
    return parse_xml(f"<w:tr {nsdecls('w')}>{''.join(cells)}</w:tr>")


def _word_blocks(blocks: list[d.Block]) -> list[d.Block]:
    """Charts become their title and data table: the same figures, editable, and no
    image library needed (reportlab's bitmap renderer needs Cairo, which we do not ship)."""
    out: list[d.Block] = []
    for block in blocks:
        if isinstance(block, d.Chart):
            out += [d.Heading(block.title, level=3), block.as_table()]  # a heading keeps with its table
        else:
            out.append(block)
    return out


def render_docx(doc: d.Document, out: Union[str, Path, BinaryIO]) -> None:
    word = new_docx()
    normal = word.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(4)
    for level in (1, 2, 3):
        style = word.styles[f"Heading {level}"]
        style.font.name = FONT
        style.font.size = Pt({1: 12, 2: 10.5, 3: 10}[level])
        style.font.color.rgb = ACCENT if level == 1 else RGBColor(0, 0, 0)
    word.core_properties.title = doc.title
    word.core_properties.language = "fr-FR"
    if doc.letterhead:
        word.core_properties.author = doc.letterhead.name

    section = word.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    if doc.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(18))
    section.top_margin, section.bottom_margin = Mm(16), Mm(18)
    text_width = section.page_width - section.left_margin - section.right_margin

    word.styles["Footer"].font.size = Pt(8)  # field results (page numbers) take the paragraph's style
    footer = section.footer.paragraphs[0]
    footer.text = ""
    if doc.footer:
        footer.add_run(doc.footer).font.size = Pt(8)
        footer.paragraph_format.space_after = Pt(0)
        footer = section.footer.add_paragraph()
    footer.style = word.styles["Footer"]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for piece in ("page ", "PAGE", " / ", "NUMPAGES"):
        if piece in ("PAGE", "NUMPAGES"):
            _field(footer, piece)
        else:
            footer.add_run(piece).font.size = Pt(8)

    if doc.letterhead:
        head = doc.letterhead
        logo = Path(head.logo_path) if head.logo_path else None
        if logo is not None and logo.is_file():
            try:
                word.add_picture(str(logo), height=Mm(20))
            except Exception:  # noqa: BLE001 - an unreadable logo must not stop the document
                pass
        name = word.add_paragraph()
        run = name.add_run(head.name)
        run.bold, run.font.size = True, Pt(12)
        name.paragraph_format.space_after = Pt(0)
        for line in head.lines:
            if line:
                p = word.add_paragraph()
                p.add_run(line).font.size = Pt(8.5)
                p.paragraph_format.space_after = Pt(0)
        word.add_paragraph()

    title = word.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(doc.title)
    run.bold, run.font.size, run.font.color.rgb = True, Pt(16), ACCENT
    if doc.subtitle:
        subtitle = word.add_paragraph()
        subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
        subtitle.add_run(doc.subtitle).font.size = Pt(11)

    for block in _word_blocks(doc.blocks):
        if isinstance(block, d.Heading):
            word.add_heading(block.text, level=min(max(block.level, 1), 3))
        elif isinstance(block, d.Paragraph):
            p = word.add_paragraph()
            p.alignment = _ALIGN[block.align]
            for piece in block.runs:
                lines = piece.text.split("\n")
                for i, line in enumerate(lines):
                    r = p.add_run(line)
                    r.bold, r.italic = piece.bold, piece.italic
                    if block.small:
                        r.font.size = Pt(8.5)
                    if i < len(lines) - 1:
                        r.add_break()
        elif isinstance(block, d.Bullets):
            for item in block.items:
                word.add_paragraph(item, style="List Bullet")
        elif isinstance(block, d.Fields):
            table = word.add_table(rows=0, cols=2)
            table.autofit = False
            for label, value in block.items:
                cells = table.add_row().cells
                shown = value if value or not block.fill else d.FILL_LINE
                _set_cell(cells[0], label)
                _set_cell(cells[1], shown)
                if block.fill:  # lines written on by hand: the PDF's padded rows, room for a pen
                    for cell in cells:
                        cell.paragraphs[0].paragraph_format.space_before = Pt(7)
                        cell.paragraphs[0].paragraph_format.space_after = Pt(3)
                cells[0].width = int(text_width * block.label_width)
                cells[1].width = int(text_width * (1 - block.label_width))
            table.columns[0].width = int(text_width * block.label_width)  # the grid LibreOffice lays out by
            table.columns[1].width = int(text_width * (1 - block.label_width))
            word.add_paragraph().paragraph_format.space_after = Pt(0)
        elif isinstance(block, d.Table):
            size = 7.5 if block.small else 9
            table = word.add_table(rows=1, cols=len(block.headers))
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            weights = block.widths or [1.0] * len(block.headers)
            total = sum(weights)
            for i, header in enumerate(block.headers):
                cell = table.rows[0].cells[i]
                _set_cell(cell, header, bold=True, align=block.column_align(i), size=size)
                cell.paragraphs[0].paragraph_format.keep_with_next = block.keep_together or None
                _shade(cell, "DCE6F1")
            header_props = table.rows[0]._tr.get_or_add_trPr()
            repeat = OxmlElement("w:tblHeader")
            repeat.set(qn("w:val"), "true")
            header_props.append(repeat)
            widths = [int(text_width * w / total) for w in weights]
            for i, cell in enumerate(table.rows[0].cells):
                cell.width = widths[i]
            last = len(block.rows) - 1
            for r, row in enumerate(block.rows):
                table._tbl.append(_row_xml(row, widths, [block.column_align(i) for i in range(len(row))], size,
                                           bold=block.total_row and r == last,
                                           keep_next=block.keep_together and r < last))
            # LibreOffice (and Word without autofit) lay out by the grid, not the cells.
            table.autofit = False
            for i, column in enumerate(table.columns):
                column.width = int(text_width * weights[i] / total)
            word.add_paragraph().paragraph_format.space_after = Pt(0)
        elif isinstance(block, d.Signatures):
            if block.place_and_date:
                word.add_paragraph(block.place_and_date)
            if block.blocks:
                table = word.add_table(rows=1, cols=len(block.blocks))
                for i, sig in enumerate(block.blocks):
                    cell = table.rows[0].cells[i]
                    cell.text = ""
                    p = cell.paragraphs[0]
                    p.add_run(sig.heading).bold = True
                    for line in (sig.name, sig.title):
                        if line:
                            cell.add_paragraph(line)
                    for _ in range(4):
                        cell.add_paragraph()
        elif isinstance(block, d.Spacer):
            word.add_paragraph().paragraph_format.space_after = Pt(block.height_mm * 2)
        elif isinstance(block, d.PageBreak):
            word.add_page_break()

    word.save(out if not isinstance(out, Path) else str(out))
