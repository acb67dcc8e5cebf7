"""Write a ``Document`` to a file in the format asked, never leaving half a file.

The file is rendered next to its destination under a temporary name and moved into
place only when complete: a failed export leaves the previous file (or none).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from .document import Document

FORMATS = ("pdf", "docx")
FORMAT_LABELS = {"pdf": "PDF", "docx": "Word (.docx)", "xlsx": "Excel (.xlsx)", "csv": "CSV"}


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` then move ``tmp`` onto ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=".~", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def render(doc: Document, file_format: str, path: Path) -> Path:
    """Render ``doc`` as ``file_format`` ("pdf" or "docx") into ``path``."""
    if file_format == "pdf":
        from .pdf import render_pdf

        return atomic_write(path, lambda tmp: render_pdf(doc, tmp))
    if file_format == "docx":
        from .word import render_docx

        return atomic_write(path, lambda tmp: render_docx(doc, tmp))
    raise ValueError(f"unknown document format: {file_format}")
