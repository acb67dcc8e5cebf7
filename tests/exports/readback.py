"""Read generated documents back as text, to assert what they say (and do not say)."""

from __future__ import annotations

from pathlib import Path

from docx import Document as open_docx
from pypdf import PdfReader


def pdf_text(path: Path) -> str:
    reader = PdfReader(str(path))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def pdf_pages(path: Path) -> int:
    return len(PdfReader(str(path)).pages)


def docx_text(path: Path) -> str:
    """Paragraphs, tables (cell by cell) and footers of a .docx, in document order."""
    word = open_docx(str(path))
    out: list[str] = []
    body = word.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            out.append("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            for row in child.iter():
                if row.tag.endswith("}tr"):
                    cells = []
                    for cell in row.iterchildren():
                        if cell.tag.endswith("}tc"):
                            cells.append("".join(t.text or "" for t in cell.iter() if t.tag.endswith("}t")))
                    out.append(" | ".join(cells))
    for section in word.sections:
        out += [p.text for p in section.footer.paragraphs]
    return "\n".join(out)


def squash(text: str) -> str:
    """Whitespace-insensitive text (PDF extraction breaks lines where it likes)."""
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())
