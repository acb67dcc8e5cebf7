"""Fill a Word document's ``{{ champ }}`` placeholders with python-docx.

Word splits typed text into runs wherever formatting, spell-checking or revision
marks change, so ``{{ partenaire_nom }}`` typed in one go may be stored as
``{{ parte`` + ``naire_nom }}``. Placeholders are therefore found on each paragraph's
whole text, then the text nodes they span are rewritten: the value goes into the
first node (keeping that run's formatting), the rest of the placeholder is removed
from the following ones. Body, tables (nested too), headers and footers of every
section are covered, since they are all paragraphs of the package's XML parts.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Iterator, Mapping

from docx import Document as open_docx
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.part import XmlPart
from docx.oxml.ns import qn

from ..services.errors import DomainError

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_P, _T = qn("w:p"), qn("w:t")
_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _open(content: bytes):  # noqa: ANN202 - python-docx Document
    try:
        return open_docx(io.BytesIO(content))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise DomainError("Ce fichier n'est pas un document Word (.docx) lisible.", "template") from error


def _paragraphs(document) -> Iterator:  # noqa: ANN001 - python-docx Document
    """Every paragraph element of the main text, headers, footers (and notes/comments)."""
    seen: set[int] = set()
    for part in document.part.package.iter_parts():
        if isinstance(part, XmlPart) and id(part) not in seen:
            seen.add(id(part))
            yield from part.element.iter(_P)


def _texts(paragraph) -> list:  # noqa: ANN001 - lxml element
    """The paragraph's own text nodes (not those of a text box nested in it)."""
    return [t for t in paragraph.iter(_T) if next(t.iterancestors(_P)) is paragraph]


def fields_in(content: bytes) -> list[str]:
    """Names of the placeholders the document uses, in order of first appearance."""
    names: list[str] = []
    for paragraph in _paragraphs(_open(content)):
        text = "".join(t.text or "" for t in _texts(paragraph))
        for match in PLACEHOLDER.finditer(text):
            if match.group(1) not in names:
                names.append(match.group(1))
    return names


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    value: str


def _rewrite(nodes: list, spans: list[_Span]) -> None:  # noqa: ANN001
    """Replace each span of the concatenated text of ``nodes``, last span first."""
    bounds, position = [], 0
    for node in nodes:
        length = len(node.text or "")
        bounds.append((position, position + length))
        position += length
    for span in reversed(spans):
        first = True
        for node, (lo, hi) in zip(nodes, bounds):
            if hi <= span.start or lo >= span.end:
                continue
            text = node.text or ""
            cut_from, cut_to = max(span.start, lo) - lo, min(span.end, hi) - lo
            node.text = text[:cut_from] + (span.value if first else "") + text[cut_to:]
            node.set(_SPACE, "preserve")
            first = False


def fill(content: bytes, values: Mapping[str, str]) -> bytes:
    """The document with every placeholder replaced; an unknown one is refused by name
    before anything is produced. Values are single lines (a line break inside a Word
    run would need a new run: multi-line values are joined by the caller)."""
    document = _open(content)
    for name in fields_in(content):
        if name not in values:
            raise DomainError(f"Le modèle utilise un champ inconnu : « {name} ». "
                              "Corrigez-le dans le fichier Word (voir « Champs disponibles »).", "template")
    for paragraph in _paragraphs(document):
        nodes = _texts(paragraph)
        text = "".join(t.text or "" for t in nodes)
        spans = [_Span(m.start(), m.end(), values[m.group(1)]) for m in PLACEHOLDER.finditer(text)]
        if spans:
            _rewrite(nodes, spans)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
